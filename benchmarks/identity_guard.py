"""The identity guard (``gymlib.track``) on the real clips: what changed against old landmarks.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/identity_guard.py --cache DIR --old OLD_DIR
        [--clips NAME,...] [--videos DIR]

Runs MediaPipe (``gymlib.extract.extract_video``, config.yaml's extraction, guard on) on every
clip of ``../shared/data/real_videos/`` whose landmarks are not yet in ``--cache`` and writes
them there (``benchmarks/real_videos.py --cache DIR`` then counts on them). Per clip it prints
the jumps the guard saw, the frames whose landmarks differ from ``--old`` (landmark files made
without the guard, e.g. ``/work/cache/real_pose_pyav``: the same PyAV frames) and the first and
last such frame, and MediaPipe's seconds.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")
from gymlib.benchtools import shared_data  # noqa: E402 - after the log settings


def changed_frames(new, old) -> np.ndarray:  # noqa: ANN001 - two PoseSequence
    """Indices of frames whose detection or x, y differ (more than 1e-4 of the image)."""
    if len(new) != len(old):
        raise SystemExit(f"{new.source}: {len(new)} frames, the old file has {len(old)}")
    diff = np.abs(new.landmarks[:, :, :2] - old.landmarks[:, :, :2]).max(axis=(1, 2))
    return np.flatnonzero((diff > 1e-4) | (new.detected != old.detected))


def main() -> None:
    from gymlib.extract import PoseSequence, extract_video

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, required=True, help="new landmark files (made here)")
    ap.add_argument("--old", type=Path, required=True, help="landmark files without the guard")
    ap.add_argument("--videos", type=Path, default=shared_data("real_videos"))
    ap.add_argument("--clips", default="", help="only clips whose name contains one of these")
    args = ap.parse_args()
    wanted = [w for w in args.clips.split(",") if w]
    args.cache.mkdir(parents=True, exist_ok=True)
    for video in sorted(args.videos.glob("*.mp4")):
        if wanted and not any(w in video.stem for w in wanted):
            continue
        path, seconds, jumps = args.cache / f"{video.stem}.npz", 0.0, "-"
        if not path.is_file():
            t0 = time.perf_counter()
            seq = extract_video(video, progress=False)
            seconds = time.perf_counter() - t0
            seq.save(path)
            jumps = str(seq.meta["identity_jumps"])
        new = PoseSequence.load(path)
        ch = changed_frames(new, PoseSequence.load(args.old / path.name))
        span = f"{ch[0]}-{ch[-1]}" if len(ch) else "-"
        print(f"{video.stem:42s} jumps {jumps:>2s}  changed {len(ch):4d} of {len(new):4d} "
              f"frames ({span})  {seconds:5.0f} s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
