"""``analyze`` on the real clips of ``../shared/data/real_videos/`` against their hand counts.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/real_videos.py [--split A|B|all]
        [--cache DIR | --no-cache] [--exercise-truth] [--videos DIR]

Per clip: the reps ``gymlib.analyze.analyze`` counted against the hand count, the exercise it
counted them under, and the seconds it took; in total: clips counted exactly, within one rep,
with the exercise right, and reps counted against the truth.

- Pose: MediaPipe runs once per clip (``gymlib.extract.extract_video``, config.yaml's
  extraction) and the landmarks are kept in ``--cache`` (default ``data/interim/real_videos``,
  git-ignored; point it at a folder of precomputed files to skip MediaPipe). ``analyze`` reads the
  landmark file: the same frames it would get from the video. ``--no-cache`` runs MediaPipe again
  (and refreshes the cache).
- ``--split``: the clips in two fixed halves, one to choose rules on and one to report on.
  Within each exercise the clips are sorted by name and alternate A, B, A, ... (A: 1st, 3rd,
  ... clip of each exercise), so both halves hold every exercise.
- ``--exercise-truth``: the true exercise is given to ``analyze`` (``--exercise NAME``), which
  measures counting alone, without recognition.
- ``--live``: instead of ``analyze`` (which decides every set from the whole clip first), the
  live coach's path: the landmarks fed frame by frame to ``gymlib.session.CoachSession``, which
  decides from the windows seen so far (as the camera widget, replay and notebook 04 do).

A clip's exercise is right when more of its counted reps are under the true exercise than under
any other (so 0 reps is wrong). Time is ``analyze``'s wall time on the landmarks (drawing and
encoding the annotated video included), plus MediaPipe's when it ran.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")
from gymlib.benchtools import (
    REAL_POSE_CACHE,
    load_clips,
    pose_file,
    shared_data,
    split_of,
)
from gymlib.benchtools import (  # noqa: E402 - after the log settings
    RealClip as Clip,
)

ROOT = Path(__file__).resolve().parent.parent
VIDEOS = shared_data("real_videos")  # paths.shared_data in config.yaml
CACHE = REAL_POSE_CACHE


def live_reps(path: Path, clf, exercise: str) -> tuple[list, float]:  # noqa: ANN001
    """The live coach's reps on a landmark file, and the video's seconds."""
    from gymlib.extract import PoseSequence
    from gymlib.session import CoachSession

    seq = PoseSequence.load(path)
    w, h = seq.image_size
    session = CoachSession(clf, fps=seq.fps, aspect=w / h, exercise=exercise)
    for frame, t in zip(seq.frames(), seq.timestamps, strict=True):  # the frames' own times
        session.update(frame, float(t))
    return list(session.reps), len(seq) / seq.fps


def run(clips: list[Clip], cache: Path, rerun: bool, truth: bool, live: bool) -> list[dict]:
    from gymlib.analyze import analyze
    from gymlib.model import ExerciseClassifier

    clf = ExerciseClassifier.load()
    rows = []
    for clip in clips:
        path, mp_s = pose_file(clip, cache, rerun)
        t0 = time.perf_counter()
        exercise = clip.exercise if truth else "auto"
        if live:
            reps, video_s = live_reps(path, clf, exercise)
        else:
            with tempfile.TemporaryDirectory() as out:
                result = analyze(path, out=out, classifier=clf, progress=False,
                                 exercise=exercise)  # fmt: skip
            reps, video_s = result.reps, result.frames / result.fps
        seconds = time.perf_counter() - t0 + mp_s
        per_ex: dict[str, int] = {}
        for r in reps:
            per_ex[r.exercise] = per_ex.get(r.exercise, 0) + 1
        counted = len(reps)
        top = max(per_ex, key=lambda e: (per_ex[e], e == clip.exercise)) if per_ex else "unknown"
        rows.append({
            "clip": clip.name, "exercise": clip.exercise, "truth": clip.reps, "counted": counted,
            "under": per_ex, "exercise_right": top == clip.exercise,
            "seconds": seconds, "mediapipe_s": mp_s, "video_s": video_s,
        })  # fmt: skip
        print(f"{clip.name:42s} {clip.reps:3d} {counted:4d}  "
              f"{'ok ' if counted == clip.reps else 'x  '}"
              f"{'ok ' if abs(counted - clip.reps) <= 1 else 'x  '}"
              f"{'ok ' if top == clip.exercise else 'x  '} "
              f"{', '.join(f'{e} {n}' for e, n in sorted(per_ex.items())) or '-':28s} "
              f"{seconds:6.1f}", flush=True)  # fmt: skip
    return rows


def totals(rows: list[dict]) -> dict:
    n = len(rows)
    truth = sum(r["truth"] for r in rows)
    counted = sum(r["counted"] for r in rows)
    right_reps = sum(r["under"].get(r["exercise"], 0) for r in rows)
    return {
        "clips": n,
        "exact": sum(r["counted"] == r["truth"] for r in rows),
        "within_one": sum(abs(r["counted"] - r["truth"]) <= 1 for r in rows),
        "exercise_right": sum(r["exercise_right"] for r in rows),
        "reps_truth": truth, "reps_counted": counted, "reps_under_true_exercise": right_reps,
        "abs_error": sum(abs(r["counted"] - r["truth"]) for r in rows),
        "seconds": sum(r["seconds"] for r in rows), "video_s": sum(r["video_s"] for r in rows),
    }  # fmt: skip


def print_totals(label: str, t: dict) -> None:
    n = max(t["clips"], 1)
    print(f"\n{label}{t['clips']} clips: exact {t['exact']} ({t['exact'] / n:.2f}), within one "
          f"{t['within_one']} ({t['within_one'] / n:.2f}), exercise right {t['exercise_right']} "
          f"({t['exercise_right'] / n:.2f}); reps counted {t['reps_counted']} of "
          f"{t['reps_truth']} ({t['reps_under_true_exercise']} under the true exercise), "
          f"sum of |error| {t['abs_error']}; {t['seconds']:.0f} s for {t['video_s']:.0f} s "
          f"of video")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--videos", type=Path, default=VIDEOS, help="the clips with their .json")
    ap.add_argument("--split", choices=("A", "B", "all"), default="all")
    ap.add_argument("--cache", type=Path, default=CACHE, help="landmark files, one per clip")
    ap.add_argument("--no-cache", action="store_true", help="run MediaPipe again on every clip")
    ap.add_argument("--exercise-truth", action="store_true",
                    help="give analyze the true exercise (counting alone)")  # fmt: skip
    ap.add_argument("--live", action="store_true",
                    help="the live coach (CoachSession) instead of analyze")  # fmt: skip
    ap.add_argument("--clips", default="", help="only clips whose name contains one of these "
                    "comma-separated words")  # fmt: skip
    ap.add_argument("--out", type=Path, default=None, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    clips = load_clips(args.videos)
    halves = split_of(clips)
    if args.split != "all":
        clips = [c for c in clips if halves[c.name] == args.split]
    words = [w for w in args.clips.split(",") if w]
    if words:
        clips = [c for c in clips if any(w in c.name for w in words)]
    mode = "true exercise given" if args.exercise_truth else "exercise recognised"
    mode += ", live coach (CoachSession)" if args.live else ", analyze"
    print(f"{len(clips)} clips ({args.split}), {mode}; pose from "
          f"{'MediaPipe (rerun)' if args.no_cache else args.cache}")  # fmt: skip
    print(f"{'clip':42s} {'true':>3s} {'got':>4s}  =   ±1  ex  {'counted under':28s} {'s':>6s}")
    rows = run(clips, args.cache, args.no_cache, args.exercise_truth, args.live)
    parts = [("", rows)]
    if args.split == "all" and not words:
        parts += [(f"half {h}: ", [r for r in rows if halves[r["clip"]] == h]) for h in "AB"]
    for label, part in parts:
        print_totals(label, totals(part))
    t = totals(rows)
    if args.out is not None:
        from gymlib.io import write_json_atomic

        write_json_atomic(args.out, {"split": args.split, "exercise_truth": args.exercise_truth,
                                     "live": args.live, "rows": rows, "totals": t},
                          overwrite=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
