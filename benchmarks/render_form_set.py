"""Render the form checks' evaluation clips: other bodies, views and cameras than data/samples.

    OMP_NUM_THREADS=1 PYTHONPATH=. /path/to/render-venv/bin/python benchmarks/render_form_set.py \
        [--out data/interim/form_eval_rendered] [--only squat,push_up]

Each exercise three times (18 clips, 5 reps, no idle parts), each clip in a view the sample
library does not use for that exercise, with seeds 600-617 (the samples use 11-23, the
training set 10000 on, so the bodies and motions are new), a high or low camera or a portrait
picture in some, and the exercise's labelled form errors on two or three of the five reps (the
renderer's errors: ``gymlib.synth.EXERCISE_ERRORS``; it makes no heel lift, knee cave or
forward lean in a squat). Needs the ``[render]`` extra; clips already there are kept.
``benchmarks/form_eval.py --rendered DIR`` scores the checks on them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from gymlib.render import SampleSpec

ROOT = Path(__file__).resolve().parent.parent
N = 5  # reps per clip


def _errs(which: dict[int, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    return tuple(which.get(i, ()) for i in range(N))


#: (exercise, view, seed, per-rep errors, picture, camera height or None)
SPECS: tuple[SampleSpec, ...] = (
    SampleSpec("squat", "right", N, 600, _errs({1: ("shallow",), 3: ("shallow",)}), idle=False),
    SampleSpec(
        "squat", "left45", N, 601, _errs({2: ("shallow",)}), idle=False, camera_height=1.4
    ),  # fmt: skip
    SampleSpec("squat", "back", N, 602, _errs({4: ("shallow",)}), (480, 640), idle=False),
    SampleSpec(
        "split_squat",
        "left",
        N,
        603,
        _errs({1: ("knees_past_toes",), 3: ("shallow",)}),
        idle=False,
    ),  # fmt: skip
    SampleSpec(
        "split_squat",
        "right45",
        N,
        604,
        _errs({0: ("knees_past_toes",), 2: ("knees_past_toes",), 4: ("shallow",)}),
        idle=False,
    ),  # fmt: skip
    SampleSpec("split_squat", "front", N, 605, _errs({2: ("shallow",)}), idle=False),
    SampleSpec(
        "push_up",
        "right",
        N,
        606,
        _errs({1: ("hips_piking",), 3: ("hips_sagging",), 4: ("shallow",)}),
        idle=False,
    ),  # fmt: skip
    SampleSpec(
        "push_up",
        "left45",
        N,
        607,
        _errs({0: ("hips_sagging",), 2: ("elbows_flaring",)}),
        idle=False,
    ),  # fmt: skip
    SampleSpec(
        "push_up",
        "left",
        N,
        608,
        _errs({2: ("hips_piking",), 4: ("elbows_flaring",)}),
        idle=False,
        camera_height=0.1,
    ),  # fmt: skip
    SampleSpec(
        "pull_up",
        "front",
        N,
        609,
        _errs({1: ("chin_not_over_bar",), 3: ("bent_body",)}),
        idle=False,
    ),  # fmt: skip
    SampleSpec("pull_up", "right45", N, 610, _errs({2: ("bent_body",)}), idle=False),
    SampleSpec(
        "pull_up", "right", N, 611, _errs({0: ("chin_not_over_bar",)}), (480, 640), idle=False
    ),  # fmt: skip
    SampleSpec(
        "lat_machine",
        "left",
        N,
        612,
        _errs({1: ("torso_back",), 3: ("torso_forward",)}),
        idle=False,
    ),  # fmt: skip
    SampleSpec("lat_machine", "right45", N, 613, _errs({2: ("shallow",)}), idle=False),
    SampleSpec(
        "lat_machine", "back", N, 614, _errs({0: ("shallow",)}), idle=False, mirrored=True
    ),  # fmt: skip
    SampleSpec(
        "bench_press",
        "right",
        N,
        615,
        _errs({1: ("shallow",), 3: ("elbows_flaring",)}),
        idle=False,
    ),  # fmt: skip
    SampleSpec("bench_press", "left45", N, 616, _errs({2: ("elbows_flaring",)}), idle=False),
    SampleSpec(
        "bench_press", "front", N, 617, _errs({4: ("shallow",)}), idle=False, camera_height=1.4
    ),  # fmt: skip
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "interim" / "form_eval_rendered")
    ap.add_argument("--only", default="", help="comma-separated exercises (default: all)")
    args = ap.parse_args()
    only = {e for e in args.only.split(",") if e}
    for spec in SPECS:
        if only and spec.exercise not in only:
            continue
        name = f"{spec.exercise}-{spec.view}-s{spec.seed}"
        if (args.out / f"{name}.mp4").is_file() and (args.out / f"{name}.json").is_file():
            print(f"{name}: there already")
            continue
        t0 = time.perf_counter()
        clip = spec.render(args.out, name, progress=False)
        print(f"{name}: {clip.truth['n_frames']} frames in {time.perf_counter() - t0:.0f} s",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
