"""Saved live sessions whose picture turned (portrait, then landscape 16:9): ``analyze`` on
their ``landmarks.npz`` against the history's replay, per exercise (docs/reliability.md, "A
saved session whose picture turned").

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/turned_sessions.py [--reps 5,2] [--seed 3]

Per exercise a generated session (``gymlib.synth.generate_clip``): the first reps filmed
720x1280, the rest 1280x720, saved as the dashboard saves (``gymlib.recording.save_session``
with the shape changes the live coach records); the reps ``analyze`` counts, the replay's,
and the size ``analyze`` draws at. Run it on older code with ``PYTHONPATH=DIR`` (a
``git archive REV`` of it) to compare.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")

VIEWS = {"squat": "side", "split_squat": "side", "push_up": "side", "bench_press": "side",
         "pull_up": "front", "lat_machine": "front"}  # fmt: skip


def turned(exercise: str, reps: tuple[int, int], seed: int, folder: Path) -> dict:
    """One session, saved and analysed; the counts."""
    from gymlib.analyze import main
    from gymlib.recording import LiveInputs, replay_session, save_session
    from gymlib.synth import generate_clip

    view = VIEWS[exercise]
    a = generate_clip(exercise, reps[0], seed=seed, view=view, image_size=(720, 1280))
    b = generate_clip(exercise, reps[1], seed=seed + 2, view=view, image_size=(1280, 720))
    lm = np.concatenate([a.landmarks, b.landmarks])
    times = np.arange(len(lm)) / a.fps
    inputs = LiveInputs(aspects=((0, a.aspect), (len(a.landmarks), b.aspect)))
    saved = save_session(folder / "s", times, lm, fps=a.fps, aspect=b.aspect, inputs=inputs)
    replayed = len(replay_session(saved).summary())
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main([str(saved / "landmarks.npz"), "--out", str(folder / "out")])
    summary = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    counted = summary["reps"] if code == 0 else None
    return {"exercise": exercise, "view": view, "truth": sum(reps), "replay": replayed,
            "analyze": counted, "size": summary["size"]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", default="5,2", help="reps before and after the turn")
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args(argv)
    before, after = (int(x) for x in args.reps.split(","))
    same = 0
    for exercise in VIEWS:
        with tempfile.TemporaryDirectory() as tmp:
            r = turned(exercise, (before, after), args.seed, Path(tmp))
        same += r["analyze"] == r["replay"]
        print(
            f"{exercise:12s} {r['view']:6s} truth {r['truth']}  replay {r['replay']}  "
            f"analyze {r['analyze']}  drawn at {r['size'][0]}x{r['size'][1]}",
            flush=True,
        )
    print(f"analyze counts as the replay on {same} of {len(VIEWS)} sessions")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
