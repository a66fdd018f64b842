"""What a crashed kernel leaves of a live workout, and how long the next coach takes to save it.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/rescue.py [--minutes 1,10,60]

For each length, a child process records a generated squat session (``gymlib.synth``, looped)
at 30 frames a second into a :class:`gymlib.spool.FrameSpool` as the live coach does, notes its
inputs (the exercise chosen, a "new set"), saves once half-way as "save session" does, and is
killed with SIGKILL mid-frame. Then :func:`gymlib.spool.rescue_spools` runs here, as the next
coach's start runs it: its time (the coach's start waits for it), the frames saved against
those recorded, and the reps the history counts (the half-way save is not counted again)
against a replay of the frames as recorded.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from gymlib.history import session_history, session_reps
from gymlib.recording import load_session
from gymlib.spool import rescue_spools

ROOT = Path(__file__).resolve().parent.parent
FPS = 30.0

CHILD = """
    import os, signal
    import numpy as np
    from gymlib.recording import LiveInputs, save_session
    from gymlib.spool import FrameSpool, SpoolMeta
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", 10, seed=1, view="left")
    spool = FrameSpool(ROOT)
    inputs = LiveInputs(exercises=((0, "squat"),), new_sets=(FRAMES // 3,))
    spool.note(SpoolMeta("bench-run", FPS, clip.aspect, inputs))
    for i in range(FRAMES):
        spool.append(i / FPS, clip.landmarks[i % clip.n_frames])
        if i == FRAMES // 2:
            t, lm = spool.read()
            save_session(ROOT, t, lm, fps=FPS, aspect=clip.aspect, inputs=inputs,
                         summary={"coach_run": "bench-run"})
    spool._fh.write(b"x" * 200)  # the kill came in the middle of a frame
    spool._fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)
"""


def run(minutes: float) -> dict[str, float]:
    frames = int(minutes * 60 * FPS)
    with tempfile.TemporaryDirectory() as tmp:
        code = textwrap.dedent(CHILD).replace("ROOT", repr(tmp))
        code = code.replace("FRAMES", str(frames)).replace("FPS", repr(FPS))
        env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
        child = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                               text=True, check=False)  # fmt: skip
        if child.returncode != -signal.SIGKILL:
            raise RuntimeError(f"the recording child ended with {child.returncode}: "
                               f"{child.stderr[-600:]}")  # fmt: skip
        spool_mb = sum(p.stat().st_size for p in Path(tmp).glob(".recording-*")) / 1e6
        t0 = time.perf_counter()
        (rescue,) = rescue_spools(tmp)
        seconds = time.perf_counter() - t0
        if rescue.session is None:
            raise RuntimeError(rescue.report())
        saved = load_session(rescue.session, records=False)
        t1 = time.perf_counter()
        table = session_history(tmp)  # replays the rescued session (no classifier: chosen)
        replay_s = time.perf_counter() - t1
        (half,) = table.attrs["superseded"]  # counted as well before: its reps twice
        return {
            "minutes": minutes, "frames": frames, "spool_mb": spool_mb, "rescue_s": seconds,
            "saved_frames": len(saved.timestamps),
            "same": float(np.allclose(saved.timestamps, np.arange(frames) / FPS)),
            "history_reps": len(table), "half_reps": len(session_reps(half)),
            "replay_s": replay_s,
            "npz_mb": (rescue.session / "landmarks.npz").stat().st_size / 1e6,
        }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", default="1,10,60", help="comma-separated session lengths")
    args = ap.parse_args(argv)
    print("| session | frames | spool on disk | rescue (the coach's start waits) | frames saved "
          "| times as recorded | reps in the history | the half-way save's (counted again "
          "before) | history's replay | landmarks.npz |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for m in (float(x) for x in args.minutes.split(",")):
        r = run(m)
        print(f"| {m:g} min | {r['frames']} | {r['spool_mb']:.1f} MB | {r['rescue_s']:.2f} s | "
              f"{r['saved_frames']} | {'yes' if r['same'] else 'NO'} | {r['history_reps']} | "
              f"{r['half_reps']} | {r['replay_s']:.1f} s | {r['npz_mb']:.1f} MB |",
              flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
