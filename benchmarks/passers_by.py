"""A passer-by crossing in front of the lifter: what is counted when the skeleton goes along?

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/passers_by.py [--clips WORDS] [--cache DIR]
        [--pose-cache DIR] [--seconds 3,6]

A person walking through the picture between the camera and the lifter (a gym, a park) takes
MediaPipe's tracker with them at walking pace, under the identity guard's speed limit
(``gymlib.track``: one body size a second). Each real clip of ``../shared/data/real_videos``
(never committed) gets a real person cut out of another real clip (:data:`PASSERS`, a whole
person standing; MediaPipe's segmentation mask of one frame, ``gymlib.passers``) slid across the
whole picture in front of the lifter in each of ``--seconds`` (3 and 6: the passer's pace in
the lifter's body sizes a second is printed; over 1 the guard's speed limit sees it), their
middle crossing the lifter's trunk in the middle of the hand-marked reps. The passer, the size
(1.3 or 0.9 of the lifter's height) and the direction vary with the clip, independently of the
pace (both paces get the same passer). The hand count stays the truth: a rep hidden behind the
passer for a moment is still a rep the lifter did.

Each composite goes through MediaPipe (``extract_video``, config.yaml's extraction) and then
``analyze`` as a landmark file, beside the clip without a passer (its landmarks from
``--pose-cache``, default ``data/interim/real_videos``, made where missing or stale). Printed
per composite: the truth, the reps without and with the passer (under the true exercise / all),
the guard's interventions, the pace; per half (``split_of``) and in all: exact, within one,
reps counted, reps lost against the clip without a passer. Composites are kept in ``--cache``
(default ``data/interim/passers_by``, git-ignored), named by passer, size, direction, pace and
a digest of ``gymlib/passers.py``.
"""

from __future__ import annotations

import argparse
import hashlib
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
PASSERS = (("squat_front_outdoor", 0.1), ("squat_front_home-timer", 0.0))
RATIOS = (1.3, 0.9)  # the passer's height, of the lifter's


def plan(i: int, clip: RealClip) -> tuple[str, float, int]:
    """Clip ``i``'s passer (never the clip itself), size ratio and direction: each varies with
    the clip on its own cycle (2, 4, 8 clips), not with the pace."""
    name = PASSERS[i % 2][0]
    if name == clip.name:
        name = PASSERS[(i + 1) % 2][0]
    return name, RATIOS[(i // 2) % 2], (1, -1)[(i // 4) % 2]


def reps_of(npz: Path, clf, exercise: str) -> tuple[int, int]:  # noqa: ANN001
    """Reps ``analyze`` counts on a landmark file: under ``exercise`` and all."""
    from gymlib.analyze import analyze

    with tempfile.TemporaryDirectory() as tmp:
        reps = list(analyze(npz, out=Path(tmp) / "out", classifier=clf, progress=False).reps)
    return sum(r.exercise == exercise for r in reps), len(reps)


def run_clip(clip: RealClip, i: int, seconds: float, person: np.ndarray, seq, args, clf,  # noqa: ANN001
             tag: str) -> dict:  # fmt: skip
    """One composite made (once), posed and counted."""
    from gymlib.extract import extract_video
    from gymlib.passers import Crossing, lifter_geometry, with_passer

    name, ratio, direction = plan(i, clip)
    marks = json.loads(clip.video.with_suffix(".json").read_text(encoding="utf-8"))["rep_frames"]
    first, last = marks[0][0], min(marks[-1][1], len(seq) - 1)
    middle = float(seq.timestamps[first] + seq.timestamps[last]) / 2
    crossing = Crossing(ratio, seconds, middle, direction)
    video = args.cache / f"{clip.name}.{name}-{ratio:g}-{direction:+d}-{seconds:g}s-{tag}.mp4"
    if not video.is_file():
        args.cache.mkdir(parents=True, exist_ok=True)
        with_passer(clip.video, seq, person, crossing, video)
    t0 = time.perf_counter()
    posed = extract_video(video, progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        got = reps_of(posed.save(Path(tmp) / "pose.npz"), clf, clip.exercise)
    _, _, height = lifter_geometry(seq)
    w = seq.image_size[0]
    pace = (w + ratio * height * person.shape[1] / person.shape[0]) / seconds / body_size(seq)
    label = f"{name.split('_')[-1][:12]} {ratio:g} {direction:+d}"
    return {"name": f"{clip.name} {seconds:g}s", "passer": label,
            "got": got, "jumps": int(posed.meta.get("identity_jumps", 0)), "pace": pace,
            "s": time.perf_counter() - t0}  # fmt: skip


def body_size(seq) -> float:  # noqa: ANN001 - a PoseSequence
    """The lifter's body size as the identity guard measures it (:class:`gymlib.track.Body`:
    the diagonal of the box around all 33 landmarks, pixels; the 90th percentile: standing)."""
    from gymlib.track import Body

    sizes = [Body.of(f, seq.image_size).size for f in seq.landmarks[seq.detected]]
    return float(np.percentile(sizes, 90))


def summary(rows: list[dict]) -> str:
    truth = sum(r["truth"] for r in rows)
    exact = sum(r["got"][0] == r["truth"] for r in rows)
    near = sum(abs(r["got"][0] - r["truth"]) <= 1 for r in rows)
    got, clean = sum(r["got"][0] for r in rows), sum(r["clean"][0] for r in rows)
    clean_exact = sum(r["clean"][0] == r["truth"] for r in rows)
    return (
        f"{len(rows)} composites: exact {exact} (without the passer {clean_exact}), within "
        f"one {near}; reps {got} of {truth} (without the passer {clean}: {clean - got} lost)"
    )


def main(argv: list[str] | None = None) -> int:
    from gymlib.extract import PoseSequence
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
    crossings = [float(s) for s in args.seconds.split(",") if s]
    tag = hashlib.sha256((ROOT / "gymlib" / "passers.py").read_bytes()).hexdigest()[:8]
    people = {n: cutout(videos / f"{n}.mp4", t) for n, t in PASSERS}
    clf = ExerciseClassifier.load()
    print(f"{'composite':46s} {'passer, size, way':22s} half true clean  with  "
          "guard pace s")  # fmt: skip
    rows = []
    for i, clip in enumerate(clips):  # the plan by the clip's place among all 27
        if words and not any(w in clip.name for w in words):
            continue
        posed = pose_file(clip, args.pose_cache, rerun=False)[0]
        seq, clean = PoseSequence.load(posed), reps_of(posed, clf, clip.exercise)
        for seconds in crossings:
            name = plan(i, clip)[0]
            row = run_clip(clip, i, seconds, people[name], seq, args, clf, tag)
            row.update(half=half[clip.name], truth=clip.reps, clean=clean)
            print(f"{row['name']:46s} {row['passer']:22s} {row['half']:4s} {clip.reps:4d} "
                  f"{clean[0]:2d}/{clean[1]:<2d} {row['got'][0]:2d}/{row['got'][1]:<2d} "
                  f"{row['jumps']:5d} {row['pace']:4.2f} {row['s']:3.0f}", flush=True)  # fmt: skip
            rows.append(row)
    print("\n(reps: under the true exercise / all; guard: the identity guard's interventions; "
          "pace: the passer's, in the lifter's body sizes a second)")  # fmt: skip
    print("all: " + summary(rows))
    for h in "AB":
        print(f"half {h}: " + summary([r for r in rows if r["half"] == h]))
    for label, part in (("pace under 1 body size a second", [r for r in rows if r["pace"] < 1]),
                        ("pace 1 or more", [r for r in rows if r["pace"] >= 1])):  # fmt: skip
        if part:
            print(f"{label}: " + summary(part))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
