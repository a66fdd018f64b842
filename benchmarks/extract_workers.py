"""Video-folder extraction with 1 vs 2 worker processes on the same clips. Figure for issue 5.

    .venv/bin/python benchmarks/extract_workers.py [--clips 8] [--frames 150]

The clips are a real photo of a person (skimage's astronaut) drifting across a 640x480 frame,
written as mp4; every run extracts into a fresh cache so nothing is reused. Also times the
preprocessing of the whole real windows file (load, group splits, balancing, save).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

import numpy as np  # noqa: E402

from gymlib.benchtools import person_clip  # noqa: E402
from gymlib.sources import extract_folder  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--frames", type=int, default=150)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "videos"
        for i in range(args.clips):
            person_clip(root / ("squat" if i % 2 else "push_up") / f"clip{i}.mp4", args.frames)
        total = args.clips * args.frames
        rates = {}
        for workers in (1, 2):
            t0 = time.perf_counter()
            data, report = extract_folder(root, cache_dir=Path(tmp) / f"cache{workers}",
                                          workers=workers, progress=False)  # fmt: skip
            dt = time.perf_counter() - t0
            rates[workers] = total / dt
            print(f"{workers} worker(s): {args.clips} clips, {total} frames in {dt:.1f} s = "
                  f"{rates[workers]:.0f} frames/s ({len(data)} windows, "
                  f"{len(report.skipped)} skipped)")  # fmt: skip
        print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x (target >= 1.8x)")
        t0 = time.perf_counter()
        extract_folder(root, cache_dir=Path(tmp) / "cache-dask", workers=2, scheduler="local",
                       progress=False)  # fmt: skip
        dask_rate = total / (time.perf_counter() - t0)
        print(f"Dask LocalCluster, 2 workers (cluster start included): {dask_rate:.0f} frames/s "
              f"= {dask_rate / rates[1]:.2f}x the single worker")  # fmt: skip

    from gymlib.datasets import save_processed
    from gymlib.windows import assign_splits, balance, load_real_windows

    t0 = time.perf_counter()
    d = load_real_windows()
    split = assign_splits(d.group, validation=0.15, test=0.15)
    train = balance(d.subset(np.flatnonzero(split == "train")), 800)
    with tempfile.TemporaryDirectory() as tmp:
        save_processed("real", d, split, out_dir=tmp)
    print(f"preprocessing the real windows file ({len(d)} windows, balanced train {len(train)}): "
          f"{time.perf_counter() - t0:.1f} s (target <= 10 s)")  # fmt: skip


if __name__ == "__main__":
    main()
