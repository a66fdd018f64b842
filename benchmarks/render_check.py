"""Check rendered clips against their ground truth through real MediaPipe.

For every ``<name>.mp4`` with a ``<name>.json`` beside it (default: the committed sample library
``data/samples/``): MediaPipe detection rate on the frames where the truth has the person in the
picture, mean 2-D error of the 12 main joints (fraction of the image), left/right swaps, and the
rep count from the pixels (extraction + ``count_reps``) against the truth. With ``--render N``
it first renders N fresh clips into a temporary folder and reports the render time per frame.

    .venv/bin/python benchmarks/render_check.py [--dir data/samples] [--render 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from gymlib.extract import extract_video  # noqa: E402
from gymlib.landmarks import FLIP_PERMUTATION, PoseLandmark  # noqa: E402
from gymlib.render import load_truth  # noqa: E402
from gymlib.reps import count_reps  # noqa: E402

L = PoseLandmark
MAIN = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST,
        L.RIGHT_WRIST, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE,
        L.RIGHT_ANKLE]  # fmt: skip


def check_clip(video: Path, truth_path: Path) -> dict[str, float | int | str]:
    truth, xy_true = load_truth(truth_path)
    seq = extract_video(video, progress=False)
    lm = seq.landmarks
    n = min(len(lm), len(xy_true))
    lm, xy_true = lm[:n], xy_true[:n]
    main_true = xy_true[:, MAIN]
    inside = np.all((main_true >= 0) & (main_true <= 1), axis=-1).all(axis=1)
    det = seq.detected[:n]
    both = inside & det
    err = np.linalg.norm(lm[:, MAIN, :2] - main_true, axis=-1).mean(axis=1)
    swapped = lm[:, FLIP_PERMUTATION][:, MAIN, :2]
    err_swapped = np.linalg.norm(swapped - main_true, axis=-1).mean(axis=1)
    swaps = int(np.sum(both & (err_swapped + 0.01 < err)))
    w, h = seq.image_size
    reps = count_reps(lm, truth["exercise"], seq.fps, aspect=w / h)
    return {
        "clip": video.stem,
        "frames": n,
        "in_view": int(inside.sum()),
        "detected": float(det[inside].mean()) if inside.any() else float("nan"),
        "err": float(err[both].mean()) if both.any() else float("nan"),
        "swaps": swaps,
        "reps_true": len(truth["reps"]),
        "reps_found": len(reps),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default="data/samples")
    ap.add_argument("--render", type=int, default=0, help="render N fresh clips first and time it")
    args = ap.parse_args()
    folder = Path(args.dir)
    if args.render:
        from gymlib.render import render_clip
        from gymlib.synth import EXERCISES

        folder = Path(tempfile.mkdtemp(prefix="render_check_"))
        frames, t0 = 0, time.perf_counter()
        for i in range(args.render):
            clip = render_clip(EXERCISES[i % len(EXERCISES)], 3, seed=100 + i,
                               view=("side", "front", "left45")[i % 3], out_dir=folder,
                               progress=False)  # fmt: skip
            frames += clip.truth["n_frames"]
        dt = time.perf_counter() - t0
        print(f"rendered {args.render} clips, {frames} frames in {dt:.1f} s: "
              f"{1000 * dt / frames:.1f} ms per frame (mesh posing + render + mp4)")  # fmt: skip
    videos = sorted(p for p in folder.glob("*.mp4") if p.with_suffix(".json").exists())
    if not videos:
        print(f"no <name>.mp4 with <name>.json in {folder}", file=sys.stderr)
        return 2
    rows = []
    print(f"{'clip':34s} {'frames':>6s} {'in view':>7s} {'detected':>8s} {'err':>7s} "
          f"{'swaps':>5s} {'reps':>9s}")  # fmt: skip
    for v in videos:
        r = check_clip(v, v.with_suffix(".json"))
        rows.append(r)
        reps = f"{r['reps_found']:>4d}/{r['reps_true']:<4d}"
        print(f"{r['clip']:34s} {r['frames']:6d} {r['in_view']:7d} {r['detected']:8.3f} "
              f"{r['err']:7.4f} {r['swaps']:5d} {reps}")  # fmt: skip
    det = np.array([r["detected"] for r in rows])
    err = np.array([r["err"] for r in rows])
    diff = np.array([abs(int(r["reps_found"]) - int(r["reps_true"])) for r in rows])
    print(f"\n{len(rows)} clips")
    print(f"detection rate (frames with the person in view): mean {np.nanmean(det):.3f}, "
          f"min {np.nanmin(det):.3f} (target >= 0.99)")  # fmt: skip
    print(f"mean 2-D error of the 12 main joints: mean {np.nanmean(err):.4f}, "
          f"max {np.nanmax(err):.4f} of the image (target <= 0.02)")  # fmt: skip
    print(f"left/right swaps: {sum(int(r['swaps']) for r in rows)} frames")
    print(f"rep count from pixels: exact on {np.mean(diff == 0):.2f} of clips (target >= 0.9), "
          f"off by one at most on {np.mean(diff <= 1):.2f} (target 1.0)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
