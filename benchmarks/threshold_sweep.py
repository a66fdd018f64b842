"""F1 of one form check at a range of thresholds, on generated clips the benchmark does not use.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/threshold_sweep.py push_up elbows_flaring_side \
        [--views left,right] [--clips 120] [--seed 7000] [--lo 0.10 --hi 0.40 --step 0.02]

How the thresholds in ``config.yaml`` that no seed rule fixes were chosen (elbow flare, split-squat
depth): ``--clips`` clips from seed ``--seed`` on (the views in turn, 5 reps, 35 % with labelled
errors, tempo 1-5 s), counted with ``count_reps``; each rep matched to its true rep prints its
check value, and the sweep prints F1 (tp, fp, fn) per threshold in the check's direction
(``fail_below`` or ``fail_above``). ``benchmarks/reps_eval.py`` then reports the chosen threshold
on its own clips (seeds 1000+, or ``--seed 5000``).

``--real`` sweeps on real people's labelled frames instead (``../shared/data/real_form``, the half
of the takes thresholds are chosen on; ``benchmarks/form_eval.py`` reports the other half):
``push_up hips_sagging``, ``push_up hips_piking`` (planks) and ``split_squat knees_past_toes``
(lunges), printing sensitivity and false alarms at 4:3 and 16:9 per threshold.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from gymlib.benchtools import halves, match, shared_data  # noqa: E402
from gymlib.reps import count_reps  # noqa: E402
from gymlib.rules import optional_cues_on  # noqa: E402  (optional cues can be swept too)
from gymlib.synth import EXERCISE_ERRORS, VIEWS, generate_clip  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("exercise", choices=sorted(EXERCISE_ERRORS))
    ap.add_argument("check", help="a check of the exercise's rules that is also a generator error")
    ap.add_argument("--views", default=",".join(VIEWS), help="comma-separated views, in turn")
    ap.add_argument("--clips", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7000)
    ap.add_argument("--lo", type=float)
    ap.add_argument("--hi", type=float)
    ap.add_argument("--step", type=float)
    ap.add_argument("--real", action="store_true", help="sweep on real labelled frames, half 0")
    args = ap.parse_args()
    if args.real:
        return real_sweep(args.exercise, args.check, args.lo, args.hi, args.step)
    error = args.check.removesuffix("_side")  # elbows_flaring_side: the side-view cue's error
    if error not in EXERCISE_ERRORS[args.exercise]:
        ap.error(
            f"{args.check!r} is not a labelled error of {args.exercise}; "
            f"expected one of {', '.join(EXERCISE_ERRORS[args.exercise])}"
        )
    views = args.views.split(",")
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        ap.error(f"unknown view(s) {', '.join(unknown)}; expected some of {', '.join(VIEWS)}")
    book = optional_cues_on()[0]
    spec = next(c for c in book[args.exercise].checks if c.name == args.check)
    below = spec.fail_below is not None
    current = spec.fail_below if below else spec.fail_above

    values, truth = [], []
    for k in range(args.clips):
        clip = generate_clip(args.exercise, 5, seed=args.seed + k, view=views[k % len(views)],
                             error_rate=0.35, tempo=(1.0, 5.0))  # fmt: skip
        reps = count_reps(clip.landmarks, clip.exercise, clip.fps, aspect=clip.aspect, rules=book)
        for i, j in match(reps, clip.reps):
            result = next(r for r in reps[i].checks if r.name == args.check)
            if result.value is not None and result.failed is not None:
                values.append(result.value)
                truth.append(error in clip.reps[j].errors)
    v, y = np.array(values, dtype=float), np.array(truth, dtype=bool)
    print(f"{args.exercise} {args.check}: {len(v)} judged reps, {int(y.sum())} with the error; "
          f"config: {'fail_below' if below else 'fail_above'} {current}")  # fmt: skip
    lo = args.lo if args.lo is not None else float(np.percentile(v, 2))
    hi = args.hi if args.hi is not None else float(np.percentile(v, 98))
    step = args.step or (hi - lo) / 15
    for t in np.arange(lo, hi + step / 2, step):
        pred = v < t if below else v > t
        tp, fp, fn = int((pred & y).sum()), int((pred & ~y).sum()), int((~pred & y).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        print(f"  threshold {t:7.3f}  F1 {f1:.3f}  tp {tp:4d} fp {fp:4d} fn {fn:4d}")
    return 0


def real_sweep(exercise: str, check: str, lo: float | None, hi: float | None,
               step: float | None) -> int:  # fmt: skip
    from gymlib import angles as A

    SHARED = shared_data()

    files = {("push_up", "hips_sagging"): "ngo_plank.npz",
             ("push_up", "hips_piking"): "ngo_plank.npz",
             ("split_squat", "knees_past_toes"): "ngo_lunge.npz"}  # fmt: skip
    if (exercise, check) not in files:
        sys.exit(f"--real: no real labels for {exercise} {check}; have {sorted(files)}")
    path = SHARED / "real_form" / files[exercise, check]
    if not path.is_file():
        sys.exit(f"{path}: not found (see ../shared/data/real_form/README.md)")
    d = np.load(path, allow_pickle=False)
    lm = np.nan_to_num(d["landmarks"].astype(np.float64), nan=0.0)  # NaN = not kept: unseen
    choose = halves(d["mapped"], d["seq"]) == 0
    spec = next(c for c in optional_cues_on()[0][exercise].checks if c.name == check)
    below = spec.fail_below is not None
    print(f"{exercise} {check} on half 0 of the real labelled takes; config "
          f"{'fail_below' if below else 'fail_above'} {spec.limit}")  # fmt: skip
    values = {}
    for label, aspect in (("4:3", 4 / 3), ("16:9", 16 / 9)):
        if exercise == "push_up":
            values[label] = A.pick_visible(A.body_line(lm, "left", aspect=aspect),
                                           A.body_line(lm, "right", aspect=aspect),
                                           A.visible_side(lm))  # fmt: skip
        else:
            refs = A.segment_lengths(lm, aspect=aspect)
            values[label] = A.front_knee_over_toe(lm, refs, aspect=aspect)
    pos, neg = choose & (d["mapped"] == check), choose & (d["mapped"] == "good")
    lo = lo if lo is not None else spec.limit - 10 * (step or abs(spec.limit) / 10 or 0.01)
    step = step or abs(spec.limit) / 10 or 0.01
    hi = hi if hi is not None else spec.limit + 10 * step
    for t in np.arange(lo, hi + step / 2, step):
        row = [f"  threshold {t:8.3f}"]
        for label, v in values.items():
            fail = np.where(np.isnan(v), False, v < t if below else v > t)
            row.append(f"{label}: sens {fail[pos].mean():.2f} false alarms {fail[neg].mean():.3f}")
        print("  ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
