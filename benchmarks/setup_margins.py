"""Set-up at a set's edges on the real clips: how far the hand-counted reps are from it.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/setup_margins.py [--cache DIR]

``analyze`` counts each clip once (``CoachSession.plan``'s dry run) and judges the reps of each
planned set together (:func:`gymlib.reps.joined_sets`, :func:`gymlib.reps.setup_reps`). Here
the same sets are recorded and every rep at a set's edges (the first two and the last two),
and every rep that matches no hand-marked rep (its bottom frame outside every ``rep_frames``
interval of the clip's JSON), is printed with its range and duration as fractions of its set's
medians and the pauses around it (seconds, and as a multiple of the set's median pause).

Then rules for the set-up before the first full rep are tried on those sets: the shipped one,
and a *bob* rule (the issue's unrack: a leading run of movements each either shallower than
``setup_depth`` x the median range, or both shallower and shorter than ``bob`` x the medians,
ended by a pause longer than ``setup_pause_reps`` x the set's median rep and ``pause`` x its
median pause).
Per rule and half (``real_videos.py``'s halves): clips counted exactly, reps that match no
hand-marked rep left, hand-marked reps lost. Nothing here is shipped unless
docs/real_footage.md says so.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")
import numpy as np  # noqa: E402

from gymlib.benchtools import REAL_POSE_CACHE as CACHE  # noqa: E402
from gymlib.benchtools import (  # noqa: E402
    load_clips,
    planned_sets_of,  # noqa: E402
    pose_file,
    shared_data,
    split_of,  # noqa: E402
)
from gymlib.reps import Rep, default_rep_config, setup_reps  # noqa: E402


def planned_sets(path: Path, clf) -> list[list[Rep]]:  # noqa: ANN001
    """:func:`planned_sets_of` the landmarks in ``path``."""
    from gymlib.extract import PoseSequence

    return planned_sets_of(PoseSequence.load(path), clf)


def medians(reps: Sequence[Rep]) -> tuple[float, float, float]:
    """The set's median range, duration and pause between reps (seconds)."""
    pauses = [b.time_of("start") - a.time_of("end") for a, b in zip(reps, reps[1:], strict=False)]
    return (float(np.median([r.rom for r in reps])), float(np.median([r.duration for r in reps])),
            float(np.median(pauses)) if pauses else float("nan"))  # fmt: skip


def bob_rule(bob: float, pause: float) -> Callable[[list[Rep]], list[Rep]]:
    """The set-up before the first full rep by the bob rule (module doc)."""
    cfg = default_rep_config()

    def rule(reps: list[Rep]) -> list[Rep]:
        if len(reps) < cfg.setup_min_reps:
            return []
        rom, dur, mid = medians(reps)
        long_pause = max(cfg.setup_pause_reps * dur, pause * mid)
        run = 0
        while run < len(reps) - 1:
            r = reps[run]
            shallow = r.rom < cfg.setup_depth * rom
            bobbed = r.rom < bob * rom and r.duration < bob * dur
            if not (shallow or bobbed):
                break
            run += 1
        lead: list[Rep] = []
        for end in range(run, 0, -1):  # the longest run ended by a long pause
            gap = reps[end].time_of("start") - reps[end - 1].time_of("end")
            if gap > long_pause:
                lead = reps[:end]
                break
        # (and whatever the shipped rule finds: slow movements at either end)
        return lead + [r for r in setup_reps(reps, cfg) if all(r is not x for x in lead)]

    return rule


def is_true(rep: Rep, truth: list[list[int]]) -> bool:
    return any(a - 5 <= rep.bottom <= b + 5 for a, b in truth)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, default=CACHE, help="the clips' landmark files")
    args = ap.parse_args(argv)
    from gymlib.model import ExerciseClassifier

    clf = ExerciseClassifier.load()
    clips = load_clips(shared_data("real_videos"))
    halves = split_of(clips)
    data = {}
    print(f"{'clip':40s} half rep    range  duration  pause before / after (s, x median)")
    for clip in clips:
        meta = json.loads(clip.video.with_suffix(".json").read_text())
        sets = planned_sets(pose_file(clip, args.cache, False)[0], clf)
        data[clip.name] = (sets, meta["rep_frames"])
        for reps in sets:
            rom, dur, mid = medians(reps)
            for i, r in enumerate(reps):
                edge = i < 2 or i >= len(reps) - 2
                true = is_true(r, meta["rep_frames"])
                if not (edge or not true):
                    continue
                before = r.time_of("start") - reps[i - 1].time_of("end") if i else np.nan
                after = (
                    reps[i + 1].time_of("start") - r.time_of("end")
                    if i + 1 < len(reps)
                    else np.nan
                )
                mark = "" if true else "   <- no hand-marked rep"
                print(
                    f"{clip.name[:40]:40s} {halves[clip.name]:4s} {i + 1:2d}/{len(reps):<3d} "
                    f"{r.rom / rom:5.2f} {r.duration / dur:9.2f}  {before:5.1f} "
                    f"({before / mid:4.1f}) / {after:5.1f} ({after / mid:4.1f}){mark}"
                )
    rules: dict[str, Callable[[list[Rep]], list[Rep]]] = {"shipped": setup_reps}
    for bob in (0.6, 0.7):
        for pause in (3.0, 1.5, 1.0):
            rules[f"bob {bob} pause {pause}"] = bob_rule(bob, pause)
    print(
        "\nrule                     half  exact  not-a-rep left  hand-marked lost  (clips changed)"
    )
    for name, rule in rules.items():
        for h in "AB":
            exact = left = lost = 0
            changed = []
            for clip, (sets, truth) in data.items():
                if halves[clip] != h:
                    continue
                dropped = {id(r) for reps in sets for r in rule(reps)}
                kept = [r for reps in sets for r in reps if id(r) not in dropped]
                exact += len(kept) == len(truth)
                left += sum(not is_true(r, truth) for r in kept)
                lost += sum(is_true(r, truth) for reps in sets for r in reps if id(r) in dropped)
                shipped = {id(r) for reps in sets for r in setup_reps(reps)}
                if dropped != shipped:
                    changed.append(f"{clip} {len(kept)} of {len(truth)}")
            print(f"{name:24s} {h:4s} {exact:5d}  {left:14d}  {lost:16d}  {', '.join(changed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
