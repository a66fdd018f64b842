"""Cost per frame of the measures on the live path and on whole recordings (issue 39).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/measure_speed.py [--repeat 5]

On one generated clip per exercise (5 reps, camera at 45 degrees), the median time per frame of
``RepCounter.update`` (the live counter, measures included), ``RuleBook.compute_frame`` (one
frame's live measures, in plain floats) and ``RuleBook.compute`` (every measure of a whole
recording, vectorised; per frame of it). Run it on two checkouts one after the other, twice, to
compare them on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from gymlib import angles as A  # noqa: E402
from gymlib.reps import RepCounter  # noqa: E402
from gymlib.rules import load_rules  # noqa: E402
from gymlib.synth import EXERCISES, generate_clip  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="whole-recording passes per clip")
    args = ap.parse_args()
    book = load_rules()
    update, frame, whole = [], [], []
    for k, ex in enumerate(EXERCISES):
        clip = generate_clip(ex, 5, seed=500 + k, view="left45")
        arr = clip.landmarks.astype(np.float64)
        counter = RepCounter(ex, clip.fps, aspect=clip.aspect)
        for i, f in enumerate(arr):
            t0 = time.perf_counter()
            counter.update(f if f.any() else None, i / clip.fps)
            update.append(time.perf_counter() - t0)
        refs = A.segment_lengths(arr, aspect=clip.aspect)
        refs = np.where(np.isnan(refs), np.nanmedian(refs, axis=0), refs)
        rules = book[ex]
        for f, r in zip(arr, refs.tolist(), strict=True):
            t0 = time.perf_counter()
            book.compute_frame(rules, f, r, clip.aspect, live=True)
            frame.append(time.perf_counter() - t0)
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            book.compute(rules, arr, refs, clip.aspect)
            whole.append((time.perf_counter() - t0) / len(arr))
    print(f"per frame, median over {len(update)} frames of {len(EXERCISES)} clips (one core)")
    for label, v in (("RepCounter.update", update), ("RuleBook.compute_frame (live)", frame),
                     ("RuleBook.compute (whole clip)", whole)):  # fmt: skip
        print(f"{label:31s}{np.median(v) * 1e6:7.1f} us")


if __name__ == "__main__":
    main()
