"""What ``analyze`` spends after its pose pass (the tail: the whole clip's plan, the last frames
through the loop, the tables and ``summary.png``, the encoder's last frames), this checkout and
an older commit side by side, and what a thread running Python costs the drawing (issue 41).

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/analyze_tail.py [--old REV] [--frames 300]
        [--runs 4] [--rounds 2]

Each round runs every version in a fresh process, one after the other (``--old``: that commit
exported with ``git archive``). In each, on the 640x480 clip of ``analyze_speed.py`` (a real
photo of a person drifting across the frame):

- **tail**: ``--runs`` analyses after a warm-up, pass 2 in the drawing worker (``analyze``'s
  default for a video), each after a bare MediaPipe loop (``analyze_speed.py``'s): the bare
  loop's seconds, when the pose pass's last frame came (from the call), the seconds after it
  to the end of the call and when the worker's last steps ended (its ``Drawn.stages``); the
  median over runs;
- **GIL**: 120 frames drawn (skeleton, three lines of text, three rep marks) and encoded as
  ``analyze``'s encoder thread does (``gymlib.annotate.draw``, ``VideoWriter``), alone and
  beside a thread that runs Python without pause, at Python's default switch interval (5 ms)
  and at ``analyze``'s (``SWITCH_INTERVAL_S``): milliseconds a frame. Each OpenCV or encoder
  call hands the GIL over and, beside such a thread, waits up to the interval to take it back;
  the summary plot and the loop's steps are such threads in the tail.

The pose pass itself is ``analyze_speed.py``'s to measure (the ratio to a bare MediaPipe loop).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

ROOT = Path(__file__).resolve().parents[1]


def tails(video: Path, out: Path, runs: int) -> dict:
    """This gymlib's tail (the one on ``sys.path``): per run, seconds after the pose pass."""
    import gymlib.analyze as an

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from analyze_speed import _bare, pose_end_marks  # the same bare loop as the ratio's

    marks = pose_end_marks()
    an.analyze(video, out=out / "warm", progress=False, drawing="process")

    got: list[dict] = []
    for k in range(runs):
        _, bare, _ = _bare(video)
        t0 = time.perf_counter()
        result = an.analyze(video, out=out / f"run{k}", progress=False, drawing="process")
        end = time.perf_counter()
        pose = marks["pose end"]
        got.append({"tail": end - pose, "held": bool(result.overlapped),
                    "stages": {s: at - pose for s, at in marks["drawn"].stages.items()},
                    "bare": bare, "pose": pose - t0, "total": end - t0})  # fmt: skip
    return {"runs": got}


def gil(video: Path, out: Path, frames: int = 120) -> dict:
    """Draw+encode ms a frame, alone and beside a Python thread, at two switch intervals."""
    import numpy as np

    from gymlib.analyze import SWITCH_INTERVAL_S  # (its home before session 11: still there)
    from gymlib.annotate import draw
    from gymlib.media import VideoReader, VideoWriter

    clip = [rgb for rgb, _ in VideoReader(video, format="rgb24")][:30]
    lm = np.ones((33, 4), np.float32)
    lm[:, :2] = np.random.default_rng(0).uniform(0.25, 0.75, (33, 2))
    lines = ["squat | set 1 | rep 3", "squat total 3: good 2  partial 1  faulty 0",
             "knees past toes"]  # fmt: skip

    def run(k: int) -> float:
        writer = VideoWriter(out / f"gil{k}.mp4", (640, 480), 30.0)
        t0 = time.perf_counter()
        for i in range(frames):
            frame = clip[i % len(clip)].copy()
            draw(frame, lm, lines, rgb=True, marks=("good", "partial", "faulty"))
            writer.write(frame, i / 30, format="rgb24")
        writer.close()
        return (time.perf_counter() - t0) / frames * 1000

    before = sys.getswitchinterval()
    got: dict = {}
    try:
        for interval in (0.005, SWITCH_INTERVAL_S):
            sys.setswitchinterval(interval)
            got[f"alone, {interval * 1000:g} ms"] = run(0)
            stop = threading.Event()
            spinner = threading.Thread(target=_spin, args=(stop,), daemon=True)
            spinner.start()
            try:
                got[f"beside Python, {interval * 1000:g} ms"] = run(1)
            finally:
                stop.set()
                spinner.join()
    finally:
        sys.setswitchinterval(before)
    return got


def _spin(stop: threading.Event) -> None:
    """Python without pause until ``stop`` (a pure-Python loop never hands the GIL over)."""
    while not stop.is_set():
        pass


def measure(video: Path, out: Path, runs: int) -> dict:
    return {**tails(video, out, runs), "gil": gil(video, out)}


def _run(tree: Path, video: Path, out: Path, runs: int) -> dict:
    """One version measured in a fresh process (its own gymlib first on the path)."""
    code = (f"import json, runpy; m = runpy.run_path({str(Path(__file__).resolve())!r})"
            f"['measure']; from pathlib import Path; print('RESULT', json.dumps(m("
            f"Path({str(video)!r}), Path({str(out)!r}), {runs})))")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tree, capture_output=True,
                          text=True, timeout=1200)  # fmt: skip
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    if done.returncode != 0 or not line:  # its own words, not only the exit status
        raise SystemExit(f"{tree}: the measurement failed (exit {done.returncode}):\n"
                         f"{done.stderr[-3000:]}")  # fmt: skip
    return json.loads(line[-1][len("RESULT ") :])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", default=None, help="also measure this commit (e.g. 4791a16)")
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--runs", type=int, default=4, help="analyses per version and round")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    from gymlib.benchtools import old_tree, person_clip

    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "person.mp4"
        person_clip(video, args.frames)
        versions = {"this checkout": ROOT}
        if args.old:
            versions = {args.old: old_tree(args.old, Path(tmp) / "old", ROOT), **versions}
        got: dict[str, list[dict]] = {name: [] for name in versions}
        for r in range(args.rounds):
            for name, tree in versions.items():
                out = Path(tmp) / f"r{r}-{len(got[name])}-{abs(hash(name))}"
                out.mkdir()
                got[name].append(_run(tree, video, out, args.runs))
    print(f"{args.frames} frames 640x480, {args.rounds} rounds x {args.runs} analyses "
          f"(the drawing worker); median (min-max):")  # fmt: skip
    for name, rs in got.items():
        runs = [x for r in rs for x in r["runs"]]
        t = [x["tail"] for x in runs]
        med = {k: statistics.median(x[k] for x in runs) for k in ("bare", "pose", "total")}
        print(f"  {name:>14}: bare loop {med['bare']:.3f} s; analyze's pose pass ended "
              f"{med['pose']:.3f} s after the call, the call {med['total']:.3f} s (ratio "
              f"{statistics.median(x['bare'] / x['total'] for x in runs):.3f} x)")  # fmt: skip
        print(f"  {'':>14}  after the pose pass {statistics.median(t):.3f} s "
              f"({min(t):.3f}-{max(t):.3f}); plans held in {sum(x['held'] for x in runs)} of "
              f"{len(runs)}; the worker's steps ended (s after the pose pass):")  # fmt: skip
        for stage in runs[0]["stages"]:
            ends = [x["stages"][stage] for x in runs if stage in x["stages"]]
            print(f"  {'':>14}    {stage}: {statistics.median(ends):.3f}")
        print(f"  {'':>14}  draw+encode a frame (ms), median of rounds:")
        for case in rs[0]["gil"]:
            print(f"  {'':>14}    {case}: {statistics.median(r['gil'][case] for r in rs):.1f}")


if __name__ == "__main__":
    main()
