"""The whole live coach's memory over a long session (issue 38, probe row 123).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/live_memory.py [--minutes 30]

A real :class:`gymlib.widgets.coach.LiveCoach` (shipped classifier, recording, events, session)
takes ``--minutes`` of 30 fps frames through its kernel path (``_process``); as in the probe, the
pose model is replaced by generated squats (landmarks of ``gymlib.synth.generate_clip`` in a
loop), so the frames are what MediaPipe would give without its cost. Prints the process's resident
memory after a warm-up and at every tenth of the run, the growth per hour, and one save at the end.
On e61a973 the probe measured +84 MB per hour (every frame kept in a list).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - not Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=30.0)
    args = ap.parse_args()

    from gymlib.synth import generate_clip
    from gymlib.widgets.coach import LiveCoach

    clip = generate_clip("squat", 12, seed=5, view="left")
    frames = [f if f.any() else None for f in clip.landmarks]
    bgr = np.zeros((48, 64, 3), np.uint8)
    n = int(args.minutes * 60 * 30)
    with tempfile.TemporaryDirectory() as tmp:
        coach = LiveCoach(sessions=tmp)
        k = [0]

        def pose(_bgr: np.ndarray, timestamp: float) -> np.ndarray | None:
            k[0] += 1
            return frames[k[0] % len(frames)]

        coach.extractor.process_bgr = pose  # type: ignore[method-assign]
        try:
            warm = 3000
            samples = []
            t0 = time.perf_counter()
            for i in range(n):
                coach._process(bgr, i / 30, time.perf_counter())
                if i == warm or (i > warm and (i - warm) % max((n - warm) // 10, 1) == 0):
                    samples.append((i / 30 / 60, rss_mb()))
                    print(f"  {samples[-1][0]:6.1f} min  RSS {samples[-1][1]:7.1f} MB")
            secs = time.perf_counter() - t0
            (m0, r0), (m1, r1) = samples[0], samples[-1]
            per_hour = (r1 - r0) / max(m1 - m0, 1e-9) * 60
            t1 = time.perf_counter()
            path = coach._save()
            save_s = time.perf_counter() - t1
            size = (path / "landmarks.npz").stat().st_size / 1e6
            spool = coach.spool.path.stat().st_size / 1e6
            reps = sum(sum(c.counts.values()) for c in coach.session.counters.values())
            print(f"{n} frames ({args.minutes:.0f} simulated minutes) in {secs:.0f} s; RSS "
                  f"{r0:.0f} -> {r1:.0f} MB from minute {m0:.1f} to {m1:.1f}: {per_hour:+.1f} MB "
                  f"per hour; spool on disk {spool:.1f} MB; one save {save_s:.1f} s, "
                  f"landmarks.npz {size:.1f} MB; {reps} reps counted")  # fmt: skip
        finally:
            coach.close()


if __name__ == "__main__":
    main()
