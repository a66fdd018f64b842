"""A passer-by crossing in front of the lifter: does the skeleton stay with the lifter?

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/passers_by.py [--clips WORDS] [--cache DIR]
        [--seconds 3,6]

A person walking through the picture between the camera and the lifter (a gym, a park) takes
MediaPipe's tracker with them at walking pace: the identity guard's speed limit does not see it
(``gymlib.track``). Each real clip of ``../shared/data/real_videos`` (never committed) gets a
real person cut out of another real clip (:data:`PASSERS`: MediaPipe's segmentation mask of one
frame) slid across the whole picture in front of the lifter, in ``--seconds`` (3: a brisk walk;
6: a stroll), the passer's middle crossing the lifter's trunk in the middle of the hand-marked
reps, 1.3 or 0.9 times the lifter's height (a passer nearer the camera looks larger), the
direction alternating. The hand count stays the truth: a rep hidden behind the passer for a
moment is still a rep the lifter did.

Each composite goes through MediaPipe twice in the same run, the guard's look back at the
place left off (``extraction.guard_drift`` 0, as before session 24) and as configured, then
through ``analyze`` as a landmark file. Printed per composite: the truth, the reps counted
each way (under which exercise), the guard's interventions; per half (``split_of``) and in
all: exact, within one, reps counted of the truth. Composites are kept in ``--cache``
(default ``data/interim/passers_by``, git-ignored).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")
from gymlib.benchtools import (  # noqa: E402 - after the log settings
    REAL_POSE_CACHE,
    RealClip,
    load_clips,
    pose_file,
    shared_data,
    split_of,
)

ROOT = Path(__file__).resolve().parent.parent
#: the passers: (clip, second) of a real person standing whole in the picture, facing it
PASSERS = (("squat_front_outdoor", 0.1), ("pull_up_front_gym-walkin-lowres", 0.0))
RATIOS = (1.3, 0.9)  # the passer's height, of the lifter's


def composite(clip: RealClip, k: int, seconds: float, person: np.ndarray, pose_cache: Path,
              out: Path) -> Path:  # fmt: skip
    """The clip with ``person`` walking across in front of the lifter (composite ``k``: its
    size ratio and direction), made once into ``out``."""
    from gymlib.extract import PoseSequence
    from gymlib.passers import Crossing, with_passer

    path = out / f"{clip.name}.passer{k}-{seconds:g}s.mp4"
    if path.is_file():
        return path
    seq = PoseSequence.load(pose_file(clip, pose_cache, rerun=False)[0])
    marks = json.loads(clip.video.with_suffix(".json").read_text(encoding="utf-8"))["rep_frames"]
    first, last = marks[0][0], min(marks[-1][1], len(seq) - 1)
    middle = float(seq.timestamps[first] + seq.timestamps[last]) / 2
    crossing = Crossing(RATIOS[k % 2], seconds, middle, (1, -1)[(k // 2) % 2])
    out.mkdir(parents=True, exist_ok=True)
    return with_passer(clip.video, seq, person, crossing, path)


def counted(video: Path, cfg, clf) -> tuple[list, int]:  # noqa: ANN001
    """The reps ``analyze`` counts on the video's landmarks made with extraction ``cfg``, and
    the identity guard's interventions."""
    from gymlib.analyze import analyze
    from gymlib.extract import extract_video

    seq = extract_video(video, config=cfg, progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        npz = seq.save(Path(tmp) / "pose.npz")
        reps = list(analyze(npz, out=Path(tmp) / "out", classifier=clf, progress=False).reps)
    return reps, int(seq.meta.get("identity_jumps", 0))


def main(argv: list[str] | None = None) -> int:
    from gymlib.config import load_config
    from gymlib.model import ExerciseClassifier
    from gymlib.passers import cutout

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", default="", help="only clips whose name holds one of these words")
    ap.add_argument("--cache", type=Path, default=ROOT / "data" / "interim" / "passers_by")
    ap.add_argument("--pose-cache", type=Path, default=REAL_POSE_CACHE)
    ap.add_argument("--seconds", default="3,6", help="crossing times, seconds, comma-separated")
    args = ap.parse_args(argv)
    videos = shared_data("real_videos")
    if not videos.is_dir():
        raise SystemExit(f"{videos}: the real clips are not here (never committed)")
    clips = load_clips(videos)
    half = split_of(clips)
    words = [w for w in args.clips.split(",") if w]
    clips = [c for c in clips if not words or any(w in c.name for w in words)]
    crossings = [float(s) for s in args.seconds.split(",") if s]
    shipped = load_config().extraction
    ways = {"before": dataclasses.replace(shipped, guard_drift=0.0), "now": shipped}
    people = {n: cutout(videos / f"{n}.mp4", t) for n, t in PASSERS}
    clf = ExerciseClassifier.load()
    print(f"{len(clips)} clips x {len(crossings)} crossings; extraction guard_drift "
          f"{shipped.guard_drift} within {shipped.guard_drift_s} s against 0")  # fmt: skip
    print(f"{'composite':52s} {'half':4s} {'true':>4s} {'before':>7s} {'now':>7s}  guard  s")
    rows = []
    for i, clip in enumerate(clips):
        for j, seconds in enumerate(crossings):
            k = 2 * i + j
            name = PASSERS[k % len(PASSERS)][0]
            if name == clip.name:
                name = PASSERS[(k + 1) % len(PASSERS)][0]
            video = composite(clip, k, seconds, people[name], args.pose_cache, args.cache)
            t0 = time.perf_counter()
            row = {"name": video.stem, "half": half[clip.name], "truth": clip.reps}
            for way, cfg in ways.items():
                reps, jumps = counted(video, cfg, clf)
                row[way] = sum(r.exercise == clip.exercise for r in reps)
                row[way + "_all"], row[way + "_jumps"] = len(reps), jumps
            got = " ".join(f"{row[w]:3d}/{row[w + '_all']:<3d}" for w in ways)
            print(f"{video.stem:52s} {row['half']:4s} {clip.reps:4d} {got}  {row['before_jumps']}/"
                  f"{row['now_jumps']}  {time.perf_counter() - t0:4.0f}", flush=True)  # fmt: skip
            rows.append(row)
    print("\n(reps: under the true exercise / all; guard: interventions before / now)")
    for label, part in (("all", rows), ("half A", [r for r in rows if r["half"] == "A"]),
                        ("half B", [r for r in rows if r["half"] == "B"])):  # fmt: skip
        truth = sum(r["truth"] for r in part)
        said = []
        for way in ways:
            exact = sum(r[way] == r["truth"] for r in part)
            near = sum(abs(r[way] - r["truth"]) <= 1 for r in part)
            said.append(f"{way}: exact {exact}, within one {near}, reps "
                        f"{sum(r[way] for r in part)} of {truth}")  # fmt: skip
        print(f"{label} ({len(part)} composites): " + "; ".join(said))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
