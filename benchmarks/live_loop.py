"""The live coach's kernel-side cost per frame, and an hour-long session. Figures for issue 8.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/live_loop.py [--minutes 60]
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/live_loop.py --old 1be05cd [--rounds 5]

1. Per frame, on a real photo of a person (skimage's astronaut, 640x480 JPEG as the browser sends
   it): JPEG decode, MediaPipe pose (full model, video mode), then the coach on a generated
   landmark stream: the live loop the dashboard runs (``gymlib.live.LiveLoop``: classifier every
   10th frame, rep counter, rules, rep-named warnings, voice, event log, sets; ``--session-only``:
   ``CoachSession`` + voice alone, as this script measured before the loop). Target: coach
   overhead (all but decode and pose) <= 2 ms per frame. Then the CPU time of the loop's own
   stages: the whole loop against the session + voice alone, interleaved.
2. A simulated session of ``--minutes`` at 30 fps (generated sets with rests) through the same
   loop with the shipped classifier: resident memory growth (target < 20 MB), reps and sets.

``--old REV_OR_DIR`` instead compares this tree with an older one (a commit, extracted with
``git archive`` into a temporary folder, or a folder holding one) on the same frames: generated
squats at 30 fps (``--frames``, 12 reps in a loop, as ``benchmarks/live_memory.py`` feeds them),
through each tree's own code in a fresh process (``benchmarks/frame_cost.py``), the trees
alternating over ``--rounds`` rounds (old first in odd rounds, new first in even ones). It prints
each run's process CPU time per frame (wall time on a shared machine varies too much), then the
medians, ranges and the median of the rounds' differences, for the dashboard's whole kernel
path (``LiveCoach._process``, pose replaced) and the session + voice alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from gymlib.extract import PoseExtractor  # noqa: E402
from gymlib.live import LiveLoop  # noqa: E402
from gymlib.model import ExerciseClassifier  # noqa: E402
from gymlib.recording import EventLog  # noqa: E402
from gymlib.session import CoachSession, VoiceCoach  # noqa: E402
from gymlib.synth import EXERCISES, generate_clip  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def coach_step(clf: ExerciseClassifier, fps: float, aspect: float, session_only: bool):
    """``(session, step(frame, t))``: one frame through the coach, as the dashboard does it."""
    session = CoachSession(clf, fps=fps, aspect=aspect)
    if session_only:
        voice = VoiceCoach()
        return session, lambda f, t: voice.update(session.update(f, t))
    loop = LiveLoop(session, voice=VoiceCoach(), events=EventLog())
    return session, lambda f, t: loop.step(t, landmarks=f)


def per_frame(clf: ExerciseClassifier, session_only: bool, n: int = 300) -> None:
    from skimage import data

    img = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (640, 480))
    ok, jpeg = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    blob = jpeg.tobytes()
    dec, pose = [], []
    with PoseExtractor(mode="video", wide_search=False) as ex:  # as the dashboard's
        for i in range(n):
            t0 = time.perf_counter()
            bgr = cv2.imdecode(np.frombuffer(blob, np.uint8), cv2.IMREAD_COLOR)
            t1 = time.perf_counter()
            lm = ex.process_bgr(bgr, timestamp=i / 30)
            t2 = time.perf_counter()
            dec.append(t1 - t0)
            pose.append(t2 - t1)
    assert lm is not None, "MediaPipe found no person in the astronaut photo"
    clip = generate_clip("squat", 10, seed=1, view="right")
    session, step = coach_step(clf, clip.fps, clip.aspect, session_only)
    coach, classify = [], []
    for i, f in enumerate(clip.landmarks):
        t0 = time.perf_counter()
        step(f if f.any() else None, i / clip.fps)
        dt = time.perf_counter() - t0
        (classify if session._classified_at == i / clip.fps else coach).append(dt)
    ms = lambda v: np.array(v) * 1e3  # noqa: E731
    print("per frame (ms)            median    p95    max")
    rows = (
        ("JPEG decode 640x480", dec),
        ("MediaPipe pose (full)", pose),
        ("coach, counting frames", coach),
        ("coach, classifying frames", classify),
    )
    for label, v in rows:
        print(f"{label:26s}{np.median(ms(v)):6.2f} {np.percentile(ms(v), 95):6.2f} "
              f"{np.max(ms(v)):6.2f}")  # fmt: skip
    print(f"(the classifier runs on every {session.cfg.classify_every}th frame; the max is the "
          f"frame the squat is recognised, when its counter watches the last "
          f"{session.cfg.replay_s:g} s again)")  # fmt: skip
    mean = (np.sum(coach) + np.sum(classify)) / (len(coach) + len(classify)) * 1e3
    print(
        f"coach overhead, mean over all frames: {mean:.2f} ms (target <= 2 ms); "
        f"kernel capacity ~{1000 / (np.median(ms(dec)) + np.median(ms(pose)) + mean):.0f} fps"
    )


def loop_stages(clf: ExerciseClassifier, rounds: int = 5) -> None:
    """CPU time per frame of the whole loop against the session + voice alone, interleaved on
    the same clip (CPU time: other processes on the machine change it little)."""
    clip = generate_clip("squat", 10, seed=1, view="right")
    frames = [f if f.any() else None for f in clip.landmarks]
    cost: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(rounds):
        for session_only in (True, False):
            _, step = coach_step(clf, clip.fps, clip.aspect, session_only)
            t0 = time.process_time()
            for i, f in enumerate(frames):
                step(f, i / clip.fps)
            cost[session_only].append((time.process_time() - t0) / len(frames) * 1e3)
    alone, loop = np.median(cost[True]), np.median(cost[False])
    print(f"CPU ms per frame, median of {rounds} interleaved runs: session + voice {alone:.3f}, "
          f"the whole loop {loop:.3f} (its own stages {loop - alone:+.3f})")  # fmt: skip


def long_session(clf: ExerciseClassifier, minutes: float, session_only: bool) -> None:
    fps = 30.0
    session, step = coach_step(clf, fps, 4 / 3, session_only)
    n_target = int(minutes * 60 * fps)
    frames, k, reps_true = 0, 0, 0
    start_rss = None
    t0 = time.perf_counter()
    while frames < n_target:
        clip = generate_clip(EXERCISES[k % len(EXERCISES)], [5, 4], seed=9000 + k)
        k += 1
        reps_true += len(clip.reps)
        session.set_aspect(clip.aspect)  # each generated session has its own camera
        for f in clip.landmarks:
            step(f if f.any() else None, frames / fps)
            frames += 1
            if frames == 3000:
                start_rss = rss_mb()
    secs = time.perf_counter() - t0
    growth = rss_mb() - (start_rss or rss_mb())
    print(f"\n{frames / fps / 60:.0f} simulated minutes ({frames} frames, {k} sessions) in "
          f"{secs:.0f} s: memory growth {growth:+.1f} MB after warm-up (target < 20 MB); "
          f"{len(session.reps)} reps counted, {reps_true} performed")  # fmt: skip


def old_tree(rev_or_dir: str, tmp: Path) -> Path:
    """A folder holding the older tree: ``rev_or_dir`` itself, or that commit extracted."""
    from gymlib.benchtools import old_tree as extracted

    return extracted(rev_or_dir, tmp, ROOT)


def squat_frames(n: int, path: Path) -> None:
    """``n`` frames of generated squats at 30 fps (a 12-rep clip in a loop) into ``path``."""
    clip = generate_clip("squat", 12, seed=5, view="left")
    idx = np.arange(n) % len(clip.landmarks)
    np.savez(path, landmarks=clip.landmarks[idx], times=np.arange(n) / 30.0)


def run_tree(tree: Path, frames: Path) -> dict:
    """One fresh process timing ``tree``'s live path on ``frames`` (benchmarks/frame_cost.py)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "frame_cost.py"), str(frames)],
                         env=env, capture_output=True, text=True, check=True).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def compare(rev_or_dir: str, n_frames: int, rounds: int) -> None:
    """This tree against an older one, alternating (see the module doc)."""
    with tempfile.TemporaryDirectory() as tmp:
        old = old_tree(rev_or_dir, Path(tmp, "old"))
        frames = Path(tmp, "frames.npz")
        squat_frames(n_frames, frames)
        trees = {"old": old, "new": ROOT}
        runs: dict[str, list[dict]] = {"old": [], "new": []}
        print(f"old: {old}\nnew: {ROOT}\n{n_frames} frames; load average at start "
              f"{os.getloadavg()[0]:.1f}\nround tree  widget ms  session ms  reps")  # fmt: skip
        for r in range(rounds):
            for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
                res = run_tree(trees[name], frames)
                runs[name].append(res)
                print(f"{r + 1:5d} {name:4s} {res['widget']:10.3f} {res['session']:11.3f}  "
                      f"{res['reps']}")  # fmt: skip
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    for key, label in (("widget", "LiveCoach._process"), ("session", "session + voice")):
        v = {name: np.array([x[key] for x in runs[name]]) for name in runs}
        diff = np.median(v["new"] - v["old"])
        print(f"{label:19s} CPU ms a frame, median (range) of {rounds}: old "
              f"{np.median(v['old']):.3f} ({v['old'].min():.3f}-{v['old'].max():.3f}), new "
              f"{np.median(v['new']):.3f} ({v['new'].min():.3f}-{v['new'].max():.3f}); "
              f"new - old by round, median {diff:+.3f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--session-only", action="store_true",
                    help="CoachSession + voice alone, not the whole live loop")  # fmt: skip
    ap.add_argument("--old", default=None, metavar="REV_OR_DIR",
                    help="compare the cost per frame with this commit or tree")  # fmt: skip
    ap.add_argument("--rounds", type=int, default=5, help="with --old: alternating rounds")
    ap.add_argument("--frames", type=int, default=9000, help="with --old: frames per run")
    args = ap.parse_args()
    if args.old is not None:
        compare(args.old, args.frames, args.rounds)
        return
    clf = ExerciseClassifier.load()
    per_frame(clf, args.session_only)
    loop_stages(clf)
    long_session(clf, args.minutes, args.session_only)


if __name__ == "__main__":
    main()
