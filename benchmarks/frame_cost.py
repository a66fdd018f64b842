"""One tree's CPU time per frame on the live path; ``benchmarks/live_loop.py --old`` runs it.

    PYTHONPATH=TREE .venv/bin/python benchmarks/frame_cost.py FRAMES.npz [--warm 300]

``FRAMES.npz`` holds ``landmarks`` ``(T, 33, 4)`` (zeros: nobody) and ``times`` ``(T,)`` seconds.
It is run with ``PYTHONPATH`` set to each tree in turn (an older commit's too), so it uses only
what every tree since 1be05cd has: ``LiveCoach._process``, ``CoachSession`` and ``VoiceCoach``.
Prints one JSON line, CPU milliseconds per frame after ``--warm`` frames:

- ``widget``: the dashboard's kernel path, ``LiveCoach._process``, with the pose model replaced
  by the frames (as ``benchmarks/live_memory.py`` does): session, voice, events, sets, recording;
- ``session``: ``CoachSession.update`` + ``VoiceCoach.update`` alone.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

import numpy as np  # noqa: E402


def widget_cost(frames: list, times: np.ndarray, warm: int) -> tuple[float, int]:
    """CPU ms per frame of ``LiveCoach._process``, and the reps it counted."""
    from gymlib.widgets.coach import LiveCoach

    bgr = np.zeros((48, 64, 3), np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        coach = LiveCoach(sessions=tmp)
        it = iter(frames)
        coach.extractor.process_bgr = lambda _bgr, timestamp: next(it)  # type: ignore[method-assign]
        try:
            for i, t in enumerate(times):
                if i == warm:
                    t0 = time.process_time()
                coach._process(bgr, float(t), time.perf_counter())
            ms = (time.process_time() - t0) / (len(times) - warm) * 1e3
            return ms, len(coach.session.reps)
        finally:
            coach.close()


def session_cost(frames: list, times: np.ndarray, warm: int) -> tuple[float, int]:
    """CPU ms per frame of the session + voice alone, and the reps counted."""
    from gymlib.session import CoachSession, VoiceCoach

    session, voice = CoachSession(fps=30.0), VoiceCoach()
    for i, (f, t) in enumerate(zip(frames, times, strict=True)):
        if i == warm:
            t0 = time.process_time()
        voice.update(session.update(f, float(t)))
    return (time.process_time() - t0) / (len(times) - warm) * 1e3, len(session.reps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("frames")
    ap.add_argument("--warm", type=int, default=300)
    args = ap.parse_args()
    with np.load(args.frames) as z:
        lm, times = z["landmarks"], z["times"]
    frames = [f if f.any() else None for f in lm]
    widget, reps_w = widget_cost(frames, times, args.warm)
    session, reps_s = session_cost(frames, times, args.warm)
    import gymlib

    print(json.dumps({"widget": widget, "session": session, "reps": [reps_w, reps_s],
                      "gymlib": os.path.dirname(gymlib.__file__)}))  # fmt: skip


if __name__ == "__main__":
    main()
