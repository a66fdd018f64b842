"""How much of the picture changes between frames of the real clips, and at a cut between two of
them (``gymlib.cuts``), and what the cut check costs a frame.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/cut_scores.py [--videos DIR]

Per clip (none has a cut): the largest changed share between two consecutive frames and where,
by half (``gymlib.benchtools.split_of``: the limit is chosen on half A). Cuts: a random frame of
one clip followed by a random frame of another of the same picture shape (5 per ordered pair,
seed 0), and each clip's last frame followed by the other's first. Cost: :class:`CutDetector`'s
``update`` on a 640x480 and a 1280x720 frame (the median of 2000 calls). Someone passing close
to the camera: a frame of one clip (a textured figure) 15-50 % of the picture wide crossing
the first 50 frames of another in 4-15 frames (no cut: the largest changed share).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from gymlib.benchtools import load_clips, shared_data, split_of
from gymlib.config import load_config
from gymlib.cuts import CutDetector, changed_share, thumbnail
from gymlib.media import VideoReader


def cost_ms(shape: tuple[int, int, int], calls: int = 2000) -> float:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, shape, dtype=np.uint8) for _ in range(2)]
    det = CutDetector(0.5)
    times = []
    for i in range(calls):
        t0 = time.perf_counter()
        det.update(frames[i % 2])
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def passer_scores(video: Path, figure: np.ndarray, width: float, frames: int,
                  level: float) -> float:  # fmt: skip
    """The largest changed share while ``figure`` (RGB), ``width`` of the picture wide, crosses
    the first 50 frames of ``video`` in ``frames`` frames (from frame 20)."""
    import cv2

    det, scores = CutDetector(0.5, level), []
    for i, (rgb, _) in enumerate(VideoReader(video, format="rgb24")):
        if i == 50:
            break
        h, w = rgb.shape[:2]
        fw = int(width * w)
        steps = np.linspace(-fw, w, frames + 2).astype(int)
        if 0 <= i - 20 < len(steps):
            x = steps[i - 20]
            a, b = max(0, x), min(w, x + fw)
            if b > a:
                rgb = rgb.copy()
                rgb[:, a:b] = cv2.resize(figure, (fw, h))[:, a - x : b - x]
        det.update(rgb)
        scores.append(det.score)
    return max(scores)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--videos", type=Path, default=shared_data("real_videos"))
    args = ap.parse_args(argv)
    import cv2

    cv2.setNumThreads(1)  # as on a loaded machine: no help from a second core
    share, level = load_config().extraction.cut_share, load_config().extraction.cut_level
    for shape in ((480, 640, 3), (720, 1280, 3)):
        print(f"cut check per frame at {shape[1]}x{shape[0]}: {cost_ms(shape):.3f} ms")
    clips = load_clips(args.videos)
    half = split_of(clips)
    thumbs: dict[str, np.ndarray] = {}
    aspect: dict[str, float] = {}
    print(f"\nlimit (extraction.cut_share): {share}\nclip | half | largest changed share "
          "(frame) | frames above the limit")  # fmt: skip
    worst = {"A": 0.0, "B": 0.0}
    for c in clips:
        th = np.stack([thumbnail(rgb) for rgb, _ in VideoReader(c.video, format="rgb24")])
        d = json.loads(c.video.with_suffix(".json").read_text(encoding="utf-8"))
        thumbs[c.name], aspect[c.name] = th, d["width"] / d["height"]
        s = np.array([changed_share(th[i - 1], th[i], level) for i in range(1, len(th))])
        worst[half[c.name]] = max(worst[half[c.name]], float(s.max()))
        print(f"{c.name:45s} | {half[c.name]} | {s.max():.3f} ({int(s.argmax()) + 1}) | "
              f"{int((s > share).sum())}")  # fmt: skip
    print(f"largest: half A {worst['A']:.3f}, half B {worst['B']:.3f}")
    rng = np.random.default_rng(0)
    cuts, seams = [], []
    for a in clips:
        for b in clips:
            if a is b or abs(aspect[a.name] - aspect[b.name]) > 0.02:
                continue
            ta, tb = thumbs[a.name], thumbs[b.name]
            seams.append(changed_share(ta[-1], tb[0], level))
            cuts += [changed_share(ta[rng.integers(len(ta))], tb[rng.integers(len(tb))], level)
                     for _ in range(5)]  # fmt: skip
    for name, v in (("random frames", np.array(cuts)), ("last -> first", np.array(seams))):
        q = np.quantile(v, [0.0, 0.01, 0.05, 0.5])
        print(
            f"cuts ({name}, {len(v)}): changed share min {q[0]:.3f}, 1 % {q[1]:.3f}, "
            f"5 % {q[2]:.3f}, median {q[3]:.3f}; seen (> {share}) {np.mean(v > share):.3f}"
        )
    by_name = {c.name: c.video for c in clips}
    room, other = "squat_front_home-timer", "lat_machine_45_gym-landscape"
    if room in by_name and other in by_name:
        figure = next(iter(VideoReader(by_name[other], format="rgb24")))[0]
        print(f"\nsomeone passing close: {other} frame 0 crossing {room}")
        for width in (0.15, 0.3, 0.5):
            s = [passer_scores(by_name[room], figure, width, n, level) for n in (4, 6, 10, 15)]
            print(f"{width:.0%} of the picture wide, crossing in 4 / 6 / 10 / 15 frames: "
                  f"largest changed share {' / '.join(f'{v:.2f}' for v in s)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
