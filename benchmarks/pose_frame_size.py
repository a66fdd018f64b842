"""How small a frame the live coach may send for pose (issue 41): MediaPipe on real clips at the
full 640-px frame (the reference), at the size :class:`gymlib.widgets.camera.PoseSize` picks from
the previous frame's landmarks, and at a fixed 256 px.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/pose_frame_size.py [--frames 150]
        [--clips bench_press_side_gym-walkin squat_front_home-timer ...]

Each clip's first ``--frames`` frames are scaled to 640 px on their longest side and JPEG-encoded
at quality 0.8 as the browser does, then scaled down as each mode says. Printed per clip and
mode: frames where the person was found (and by the reference), the median / p90 distance of the
visible joints from the reference's (pixels of the 640-px frame) and the mean side sent. The clips
come from ``../shared/data/real_videos/`` (not in the repository; the script says so when absent).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np

from gymlib.extract import PoseExtractor
from gymlib.widgets.camera import PoseSize

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "data" / "real_videos"
CLIPS = ("bench_press_side_gym-walkin", "squat_front_home-timer",
         "squat_45_gym-smith-walkin-portrait", "push_up_side_studio",
         "pull_up_front_gym-walkin-lowres", "split_squat_side_home-dumbbells")  # fmt: skip


def scaled(bgr: np.ndarray, side: int) -> np.ndarray:
    """``bgr`` with its longest side ``side`` pixels (0: as it is)."""
    if side == 0 or side == max(bgr.shape[:2]):
        return bgr
    k = side / max(bgr.shape[:2])
    size = (round(bgr.shape[1] * k), round(bgr.shape[0] * k))
    return cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)


def run(frames: list[np.ndarray], mode: str) -> tuple[list[np.ndarray | None], list[int]]:
    """Landmarks per frame and the side sent, for ``mode`` full / adaptive / fixed256."""
    choose, side, out, sides = PoseSize(), 0, [], []
    with PoseExtractor(mode="video") as ex:
        for i, f in enumerate(frames):
            s = {"full": 0, "fixed256": 256}.get(mode, side)
            img = scaled(f, s)
            jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])[1]
            lm = ex.process_bgr(cv2.imdecode(jpeg, cv2.IMREAD_COLOR), timestamp=i / 30)
            out.append(lm)
            sides.append(max(img.shape[:2]))
            side = choose(lm, (img.shape[1], img.shape[0]))
    return out, sides


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--clips", nargs="+", default=list(CLIPS))
    args = ap.parse_args()
    if not REAL.is_dir():
        print(f"no real clips at {REAL}: this benchmark needs them", file=sys.stderr)
        return 2
    print("| clip | mode | found (reference) | joint shift median / p90, px | mean side |")
    print("|---|---|---|---|---|")
    for name in args.clips:
        cap = cv2.VideoCapture(str(REAL / f"{name}.mp4"))
        frames = []
        while len(frames) < args.frames:
            ok, f = cap.read()
            if not ok:
                break
            frames.append(scaled(f, 640))
        cap.release()
        ref, _ = run(frames, "full")
        h, w = frames[0].shape[:2]
        for mode in ("adaptive", "fixed256"):
            got, sides = run(frames, mode)
            shift = []
            for a, b in zip(ref, got, strict=True):
                if a is not None and b is not None:
                    seen = (a[:, 3] > 0.5) & (b[:, 3] > 0.5)
                    d = np.hypot((a[seen, 0] - b[seen, 0]) * w, (a[seen, 1] - b[seen, 1]) * h)
                    shift.append(np.median(d))
            found = sum(x is not None for x in got)
            print(f"| {name} | {mode} | {found} ({sum(x is not None for x in ref)}) of "
                  f"{len(frames)} | {np.median(shift):.1f} / {np.percentile(shift, 90):.1f} | "
                  f"{np.mean(sides):.0f} |", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
