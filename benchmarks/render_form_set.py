"""Render the form checks' evaluation clips: other bodies, views and cameras than data/samples.

    OMP_NUM_THREADS=1 PYTHONPATH=. /path/to/render-venv/bin/python benchmarks/render_form_set.py \
        [--out data/interim/form_eval_rendered] [--only squat,push_up]

Every exercise in two or three views (14 clips of 3 reps, the first squat 5; no idle parts),
each in a view the sample library does not use for that exercise, with seeds 600-626 (the
samples use 11-23, the training set 10000 on, so the bodies and motions are new), a high or
low camera, a portrait or mirrored picture in some, and the exercise's labelled form errors on
one or two reps of each clip (the renderer's errors: ``gymlib.synth.EXERCISE_ERRORS``; it makes
no heel lift, knee cave or forward lean in a squat). Needs the ``[render]`` extra; clips
already there are kept (an interrupted run goes on where it stopped).
``benchmarks/form_eval.py --rendered DIR`` scores the checks on them.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from gymlib.render import SampleSpec

ROOT = Path(__file__).resolve().parent.parent
N = 3  # reps per clip


def _errs(n: int, which: dict[int, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    return tuple(which.get(i, ()) for i in range(n))


#: Two rounds: every exercise once, then every exercise in another view (on a busy machine a
#: clip of 3 reps takes minutes, so the first round alone is a usable set)
SPECS: tuple[SampleSpec, ...] = (
    SampleSpec("squat", "right", 5, 600, _errs(5, {1: ("shallow",), 3: ("shallow",)}), idle=False),
    SampleSpec(
        "split_squat",
        "left",
        N,
        603,
        _errs(N, {0: ("knees_past_toes",), 2: ("shallow",)}),
        idle=False,
    ),
    SampleSpec(
        "push_up",
        "right",
        N,
        606,
        _errs(N, {0: ("hips_piking",), 2: ("hips_sagging",)}),
        idle=False,
    ),
    SampleSpec(
        "pull_up",
        "front",
        N,
        609,
        _errs(N, {0: ("chin_not_over_bar",), 2: ("bent_body",)}),
        idle=False,
    ),
    SampleSpec(
        "lat_machine",
        "left",
        N,
        612,
        _errs(N, {0: ("torso_back",), 2: ("torso_forward",)}),
        idle=False,
    ),
    SampleSpec(
        "bench_press",
        "right",
        N,
        615,
        _errs(N, {0: ("shallow",), 2: ("elbows_flaring",)}),
        idle=False,
    ),
    SampleSpec("squat", "back", N, 602, _errs(N, {2: ("shallow",)}), (480, 640), idle=False),
    SampleSpec("split_squat", "right45", N, 604, _errs(N, {1: ("knees_past_toes",)}), idle=False),
    SampleSpec(
        "push_up",
        "left45",
        N,
        607,
        _errs(N, {1: ("elbows_flaring",), 2: ("shallow",)}),
        idle=False,
        camera_height=0.1,
    ),
    SampleSpec(
        "pull_up", "right45", N, 610, _errs(N, {1: ("bent_body",)}), (480, 640), idle=False
    ),
    SampleSpec(
        "lat_machine", "back", N, 614, _errs(N, {1: ("shallow",)}), idle=False, mirrored=True
    ),
    SampleSpec(
        "bench_press",
        "left45",
        N,
        616,
        _errs(N, {1: ("elbows_flaring",)}),
        idle=False,
        camera_height=1.4,
    ),
    SampleSpec(
        "squat", "left45", N, 601, _errs(N, {1: ("shallow",)}), idle=False, camera_height=1.4
    ),
    SampleSpec("split_squat", "front", N, 605, _errs(N, {1: ("shallow",)}), idle=False),
    # round three: the elbow flare where its check can judge it (side views; the flared reps
    # above are from 45 deg and from a bench-level camera the near elbow points at)
    SampleSpec("push_up", "right", N, 618, _errs(N, {1: ("elbows_flaring",)}), idle=False),
    SampleSpec(
        "bench_press",
        "right",
        N,
        619,
        _errs(N, {1: ("elbows_flaring",)}),
        idle=False,
        camera_height=1.2,
    ),
    # round four: the elbow flare from the front (its default check's view): a push-up filmed
    # from in front of the head by a phone on the floor, a bench press from its foot end
    SampleSpec(
        "push_up",
        "front",
        N,
        620,
        _errs(N, {1: ("elbows_flaring",)}),
        idle=False,
        camera_height=0.2,
    ),
    SampleSpec("bench_press", "front", N, 621, _errs(N, {1: ("elbows_flaring",)}), idle=False),
    SampleSpec(
        "push_up",
        "front",
        N,
        622,
        _errs(N, {0: ("elbows_flaring",)}),
        idle=False,
        camera_height=0.6,
    ),
    SampleSpec("push_up", "front", N, 623, _errs(N, {2: ("elbows_flaring",)}), idle=False),
    SampleSpec("bench_press", "back", N, 624, _errs(N, {1: ("elbows_flaring",)}), idle=False),
    # the same from a raised camera (as the side flare works from above)
    SampleSpec(
        "push_up",
        "front",
        N,
        625,
        _errs(N, {1: ("elbows_flaring",)}),
        idle=False,
        camera_height=1.3,
    ),
    SampleSpec(
        "bench_press",
        "back",
        N,
        626,
        _errs(N, {1: ("elbows_flaring",)}),
        idle=False,
        camera_height=1.4,
    ),
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
