"""How much memory ``analyze``'s whole-clip plan takes as a clip grows (a fault probe: the
drawing worker grew 65 MB over a 10-minute clip).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/plan_memory.py [--frames 3000,12000,36000]

A generated squat set (``gymlib.synth``) looped to each length at 30 frames a second is planned
as ``analyze`` plans a clip (:meth:`gymlib.session.CoachSession.plan`, the shipped classifier).
Python's own allocations are traced (``tracemalloc``: numpy's arrays included, TensorFlow's
native buffers not): the peak during the plan and what the session keeps after it, in MB and
kB a frame. The plan's digest (every frame's exercise and every window's probabilities,
rounded to 1e-6) shows two trees plan alike: run it with ``PYTHONPATH`` at another tree's copy
(``git archive REV | tar -x -C DIR``) to compare.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import tracemalloc

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402

from gymlib.model import ExerciseClassifier  # noqa: E402
from gymlib.session import CoachSession  # noqa: E402
from gymlib.synth import generate_clip  # noqa: E402

FPS = 30.0


def digest(session: CoachSession) -> str:
    h = hashlib.blake2b(digest_size=6)
    h.update(repr([ex for ex, _ in session._plan]).encode())
    for i in sorted(session._plan_probs):
        h.update(np.round(session._plan_probs[i], 6).tobytes())
    return h.hexdigest()


def measure(clf: ExerciseClassifier, frames: int) -> tuple[float, float, str]:
    """Peak and kept MB of planning ``frames`` frames; the plan's digest."""
    clip = generate_clip("squat", 20, seed=1, view="left")
    poses = [clip.landmarks[i % clip.n_frames] for i in range(frames)]
    times = [i / FPS for i in range(frames)]
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    session = CoachSession(clf, fps=FPS, aspect=4 / 3)
    session.plan(poses, times)
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / 1e6, (kept - base) / 1e6, digest(session)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", default="3000,12000,36000", help="comma-separated lengths")
    args = ap.parse_args(argv)
    clf = ExerciseClassifier.load()
    print("frames | minutes | peak MB | peak kB a frame | kept MB | plan digest")
    for n in (int(x) for x in args.frames.split(",") if x):
        peak, kept, dig = measure(clf, n)
        print(f"{n:6d} | {n / FPS / 60:5.1f} | {peak:7.1f} | {peak * 1e3 / n:5.2f} | "
              f"{kept:6.1f} | {dig}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
