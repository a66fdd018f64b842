"""Rep counting on the real development clips with the TRUE exercise given (counting only).

    .venv/bin/python benchmarks/real_counts.py [--dir ../shared/data/real_videos] [--cache DIR]
        [--coach] [--every-other]

For each clip ``<name>.mp4`` with its hand count ``<name>.json`` (``../shared/data/real_videos``,
never committed): MediaPipe landmarks (default extraction config; read from ``--cache`` or
``data/interim/real_pose/``, else extracted and cached there), then
``gymlib.reps.count_reps(landmarks, exercise, fps, timestamps=..., aspect=...)`` with the clip's
true exercise. ``--coach`` also runs ``CoachSession`` with the exercise fixed (``set_exercise``),
as ``analyze --exercise`` does. ``--every-other`` drops every other frame (timestamps kept).

Clips are split in two halves by a fixed rule: sorted by name, alternating (A: 1st, 3rd, ...;
B: 2nd, 4th, ...). Rules are chosen on A and reported on B. Prints per clip the true and counted
reps and, per half and in total: exact, within one, reps counted / true.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402

from gymlib.benchtools import REAL_POSE_CACHE, shared_data  # noqa: E402
from gymlib.extract import PoseSequence  # noqa: E402
from gymlib.reps import count_reps  # noqa: E402


def load_pose(video: Path, caches: list[Path]) -> PoseSequence:
    """The clip's landmarks from the first cache that has them, else extracted into the last."""
    for cache in caches:
        path = cache / f"{video.stem}.npz"
        if path.is_file():
            return PoseSequence.load(path)
    from gymlib.extract import extract_video

    seq = extract_video(video, progress=False)
    caches[-1].mkdir(parents=True, exist_ok=True)
    seq.save(caches[-1] / f"{video.stem}.npz")
    return seq


def count(seq: PoseSequence, exercise: str, *, coach: bool, keep: np.ndarray) -> int:
    lms, ts = seq.landmarks[keep], seq.timestamps[keep]
    lms = np.where(seq.detected[keep][:, None, None], lms, 0.0)
    aspect = seq.image_size[0] / seq.image_size[1]
    if not coach:
        return len(count_reps(lms, exercise, seq.fps, timestamps=ts, aspect=aspect))
    from gymlib.session import CoachSession

    session = CoachSession(None, fps=seq.fps, aspect=aspect, exercise=exercise)
    for lm, t, ok in zip(lms, ts, seq.detected[keep], strict=True):
        session.update(lm if ok else None, float(t))
    return sum(r.exercise == exercise for r in session.reps)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", type=Path, default=shared_data("real_videos"))
    ap.add_argument("--cache", type=Path, default=REAL_POSE_CACHE)
    ap.add_argument("--coach", action="store_true", help="also CoachSession, exercise fixed")
    ap.add_argument("--every-other", action="store_true", help="drop every other frame")
    args = ap.parse_args()
    videos = sorted(args.dir.glob("*.mp4"))
    if not videos:
        raise SystemExit(f"{args.dir}: no real clips (*.mp4 with .json; see shared/data)")
    caches = [args.cache, ROOT / "data/interim/real_pose"]
    modes = ["count_reps"] + (["coach"] if args.coach else [])
    rows = []
    t0 = time.time()
    print(f"{'clip':45s} half {'true':>4s} " + " ".join(f"{m:>10s}" for m in modes))
    for i, video in enumerate(videos):
        truth = json.loads(video.with_suffix(".json").read_text())
        seq = load_pose(video, caches)
        keep = np.arange(len(seq)) % (2 if args.every_other else 1) == 0
        got = [count(seq, truth["exercise"], coach=m == "coach", keep=keep) for m in modes]
        half = "AB"[i % 2]
        rows.append((half, truth["reps"], got))
        print(f"{video.stem:45s}   {half}  {truth['reps']:4d} "
              + " ".join(f"{g:10d}" for g in got))  # fmt: skip
    print(
        f"\n({time.time() - t0:.0f} s)  half: clips, then per mode exact / within one / "
        "reps counted of true"
    )
    for half in ("A", "B", "all"):
        sel = [r for r in rows if half == "all" or r[0] == half]
        true = np.array([r[1] for r in sel])
        line = f"{half:4s} {len(sel):3d} clips, {true.sum():4d} reps"
        for k, m in enumerate(modes):
            got = np.array([r[2][k] for r in sel])
            err = got - true
            line += (f" | {m}: exact {np.mean(err == 0):.2f} within one "
                     f"{np.mean(np.abs(err) <= 1):.2f} counted {got.sum()}/{true.sum()}"
                     f" |err| {np.abs(err).sum()}")  # fmt: skip
        print(line)


if __name__ == "__main__":
    main()
