"""Set-up before a set on the transformed real clips: the shipped rule against session 6's.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/setup_transforms.py [--cache DIR]
        [--transforms base,first2-60,slow2,slow7] [--clips WORDS]

``analyze`` counts a clip once (``CoachSession.plan``'s dry run), groups the reps by planned
set (:func:`gymlib.reps.joined_sets`) and leaves uncounted the set-up movements
:func:`gymlib.reps.setup_reps` finds. Here those sets are recorded for each transform of
``benchmarks/real_transforms.py`` and judged by two rules on the very same reps: ``shipped``
(a run of movements judged against the reps after it, no limit in seconds) and ``session6``
(each of the first movements alone, against the whole set's medians, itself included, with a
1-s floor on the pause: the rule before session 7, rewritten here). Per transform and half
(:func:`gymlib.benchtools.split_of`): clips counted exactly and reps counted (the dry run's
reps less the set-up; without the last rep ``finish`` may add), and every clip either rule
gets wrong. The landmarks and videos are never committed.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")
import numpy as np  # noqa: E402

from gymlib import clip_transforms as rt  # noqa: E402
from gymlib.benchtools import REAL_POSE_CACHE, load_clips, split_of  # noqa: E402
from gymlib.benchtools import planned_sets_of as planned_sets  # noqa: E402
from gymlib.reps import Rep, RepConfig, default_rep_config, setup_reps  # noqa: E402

SESSION6_PAUSE_S = 1.0  # session 6's setup_pause_s
SESSION6_DEPTH = 0.5  # and its setup_depth


def session6(reps: Sequence[Rep], cfg: RepConfig) -> list[Rep]:
    """Session 6's rule: each first movement alone, against the whole set's medians."""
    if len(reps) < cfg.setup_min_reps:
        return []
    rom = float(np.median([r.rom for r in reps]))
    dur = float(np.median([r.duration for r in reps]))
    pairs = zip(reps[:-1], reps[1:], strict=True)
    pauses = [b.time_of("start") - a.time_of("end") for a, b in pairs]
    long_pause = max(SESSION6_PAUSE_S, cfg.setup_pause * float(np.median(pauses)))

    def slow(i: int) -> bool:
        return reps[i].duration > cfg.setup_slow * dur

    def setting_up(i: int) -> bool:
        shallow = reps[i].rom < SESSION6_DEPTH * rom
        return slow(i) or (shallow and i + 1 < len(reps) and pauses[i] > long_pause)

    lo, hi = 0, len(reps)
    while lo < hi and setting_up(lo):
        lo += 1
    while hi > lo and slow(hi - 1):
        hi -= 1
    return [*reps[:lo], *reps[hi:]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, default=REAL_POSE_CACHE)
    ap.add_argument("--transforms", default="base,first2-60,slow2,slow7")
    ap.add_argument("--clips", default="", help="only clips whose name contains one of these")
    args = ap.parse_args(argv)
    from gymlib.model import ExerciseClassifier

    clips = load_clips(rt.VIDEOS)
    halves = split_of(clips)
    words = [w for w in args.clips.split(",") if w]
    clips = [c for c in clips if not words or any(w in c.name for w in words)]
    sources = rt.load_sources(clips, args.cache)
    clf, cfg = ExerciseClassifier.load(), default_rep_config()
    rules: dict[str, Callable[[Sequence[Rep], RepConfig], list[Rep]]] = {
        "session6": session6, "shipped": setup_reps}  # fmt: skip
    print("transform   half  rule       exact  reps counted   wrong")
    for name in [n for n in args.transforms.split(",") if n]:
        make = rt.original if name == "base" else rt.TRANSFORMS[name]
        cases = [(s, make(s, np.random.default_rng([36, i])))
                 for i, s in enumerate(sources)]  # fmt: skip
        recorded = [(s, c, planned_sets(c.seq, clf)) for s, c in cases if c is not None]
        for half in "AB":
            for rule_name, rule in rules.items():
                exact = counted = truth = 0
                wrong = []
                for s, c, sets in recorded:
                    if halves[s.clip.name] != half:
                        continue
                    n = sum(len(reps) - len(rule(reps, cfg)) for reps in sets)
                    exact, counted, truth = exact + (n == c.truth), counted + n, truth + c.truth
                    wrong += [] if n == c.truth else [f"{s.clip.name} {n}/{c.truth}"]
                clips_n = sum(halves[s.clip.name] == half for s, _, _ in recorded)
                print(f"{name:11s} {half:5s} {rule_name:9s} {exact:3d}/{clips_n:<3d} "
                      f"{counted:4d} of {truth:<4d}  {'; '.join(wrong)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
