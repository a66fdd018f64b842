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

import numpy as np  # noqa: E402

from gymlib.extract import extract_video  # noqa: E402
from gymlib.landmarks import FLIP_PERMUTATION, MAIN_JOINTS  # noqa: E402
from gymlib.render import load_truth, visible_mask  # noqa: E402
from gymlib.reps import count_reps  # noqa: E402

MAIN = list(MAIN_JOINTS)


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
    exercise = inside.copy()  # in view and not idle (walking in, standing, setting up, resting)
    for seg in truth["idle"]:
        exercise[seg["start"] : seg["end"]] = False
    dist = np.linalg.norm(lm[:, MAIN, :2] - main_true, axis=-1)  # (T, 12)
    err = dist.mean(axis=1)
    seen = visible_mask(truth)[:n][:, MAIN]  # not hidden behind the body or equipment
    err_seen = float(dist[both][seen[both]].mean()) if (seen[both]).any() else float("nan")
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
        "detected_ex": float(det[exercise].mean()) if exercise.any() else float("nan"),
        "err": float(err[both].mean()) if both.any() else float("nan"),
        "err_ex": float(err[exercise & det].mean()) if (exercise & det).any() else float("nan"),
        "err_seen": err_seen,
        "hidden": float(1 - seen[inside].mean()) if inside.any() else float("nan"),
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
        import subprocess

        from gymlib.synth import EXERCISES

        # each clip in its own process: MediaPipe slows to a crawl beside torch/OSMesa threads
        folder = Path(tempfile.mkdtemp(prefix="render_check_"))
        t0 = time.perf_counter()
        for i in range(args.render):
            cmd = [sys.executable, "-m", "gymlib.render", "--exercise",
                   EXERCISES[i % len(EXERCISES)], "--reps", "3", "--seed", str(100 + i),
                   "--view", ("side", "front", "left45")[i % 3], "--out", str(folder)]  # fmt: skip
            subprocess.run(cmd, check=True, capture_output=True)
        dt = time.perf_counter() - t0
        frames = sum(load_truth(p)[0]["n_frames"] for p in folder.glob("*.json"))
        print(f"rendered {args.render} clips, {frames} frames in {dt:.1f} s: "
              f"{1000 * dt / frames:.1f} ms per frame (process start, anny load, posing, "
              "rendering, mp4)")  # fmt: skip
    videos = sorted(p for p in folder.glob("*.mp4") if p.with_suffix(".json").exists())
    if not videos:
        print(f"no <name>.mp4 with <name>.json in {folder}", file=sys.stderr)
        return 2
    rows = []
    print(f"{'':34s} {'':6s} {'':7s} {'all frames in view':>17s} {'exercise only':>17s}")
    print(f"{'clip':34s} {'frames':>6s} {'in view':>7s} {'detected':>8s} {'err':>8s} "
          f"{'detected':>8s} {'err':>8s} {'seen err':>8s} {'swaps':>5s} {'reps':>9s}")  # fmt: skip
    for v in videos:
        r = check_clip(v, v.with_suffix(".json"))
        rows.append(r)
        reps = f"{r['reps_found']:>4d}/{r['reps_true']:<4d}"
        print(f"{r['clip']:34s} {r['frames']:6d} {r['in_view']:7d} {r['detected']:8.3f} "
              f"{r['err']:8.4f} {r['detected_ex']:8.3f} {r['err_ex']:8.4f} {r['err_seen']:8.4f} "
              f"{r['swaps']:5d} "
              f"{reps}")  # fmt: skip
    det = np.array([r["detected"] for r in rows])
    err = np.array([r["err"] for r in rows])
    det_ex = np.array([r["detected_ex"] for r in rows])
    err_ex = np.array([r["err_ex"] for r in rows])
    diff = np.array([abs(int(r["reps_found"]) - int(r["reps_true"])) for r in rows])
    print(f"\n{len(rows)} clips")
    print(f"detection rate (frames with the person in view): mean {np.nanmean(det):.3f}, "
          f"min {np.nanmin(det):.3f} (target >= 0.99)")  # fmt: skip
    print(f"mean 2-D error of the 12 main joints: mean {np.nanmean(err):.4f}, "
          f"max {np.nanmax(err):.4f} of the image (target <= 0.02)")  # fmt: skip
    print(f"  during the exercise (idle segments left out): detection mean "
          f"{np.nanmean(det_ex):.3f}, min {np.nanmin(det_ex):.3f}; error mean "
          f"{np.nanmean(err_ex):.4f}, max {np.nanmax(err_ex):.4f}")  # fmt: skip
    err_seen = np.array([r["err_seen"] for r in rows])
    hidden = np.array([r["hidden"] for r in rows])
    print(f"  on joints in sight only (the truth marks {np.nanmean(hidden):.1%} of main joints "
          f"hidden behind the body or equipment): error mean {np.nanmean(err_seen):.4f}, "
          f"max {np.nanmax(err_seen):.4f}")  # fmt: skip
    print(f"left/right swaps: {sum(int(r['swaps']) for r in rows)} frames")
    print(f"rep count from pixels: exact on {np.mean(diff == 0):.2f} of clips (target >= 0.9), "
          f"off by one at most on {np.mean(diff <= 1):.2f} (target 1.0)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
