"""Check that the generator's output for a seed stays bit-identical across a refactoring.

``--save FILE`` writes the arrays and truths of a fixed set of clips (every exercise, several
views and errors, sets, idle on and off, no noise, a given body, the kept world joints and
camera, ``depth="mediapipe"``, every other movement, small datasets at one and several frame
rates, and the noise profile of their windows); ``--check FILE`` makes them again and compares
each with ``np.array_equal`` (and the truths as JSON), printing one line per item and the count
that differ. Run ``--save`` with the old code, ``--check`` with the new.

    python -m benchmarks.synth_identical --save /tmp/synth_before.npz
    python -m benchmarks.synth_identical --check /tmp/synth_before.npz
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from gymlib.datasets import cut_windows
from gymlib.synth import (
    CAMERA_FPS,
    EXERCISES,
    OTHER_KINDS,
    Body,
    SyntheticClip,
    generate_clip,
    generate_dataset,
    generate_other,
    noise_profile,
)


def _clip_items(name: str, clip: SyntheticClip) -> Iterator[tuple[str, np.ndarray]]:
    yield f"{name}/landmarks", clip.landmarks
    truth = json.dumps(clip.truth_dict(), sort_keys=True)
    yield f"{name}/truth", np.frombuffer(truth.encode(), dtype=np.uint8)
    if clip.world is not None:
        yield f"{name}/world", clip.world
    if clip.camera_model is not None:
        pos, right, down, fwd = clip.camera_model.basis()
        yield f"{name}/camera", np.stack([pos, right, down, fwd])


def items() -> Iterator[tuple[str, np.ndarray]]:
    """Every array to compare, by name."""
    views = ("left", "right", "front", "left45", "right45", "back", "side", None)
    for i, exercise in enumerate(EXERCISES):
        view = views[i % len(views)]
        yield from _clip_items(f"{exercise}/plain", generate_clip(exercise, 3, seed=i, view=view))
        yield from _clip_items(
            f"{exercise}/errors",
            generate_clip(exercise, [2, 3], seed=100 + i, view=views[(i + 3) % len(views)],
                          error_rate=0.5, fps=60.0),
        )  # fmt: skip
        yield from _clip_items(
            f"{exercise}/mediapipe",
            generate_clip(exercise, 2, seed=200 + i, depth="mediapipe", fps=25.0),
        )
        yield from _clip_items(
            f"{exercise}/world",
            generate_clip(exercise, 2, seed=300 + i, idle=False, noise=0.0, keep_world=True,
                          camera_height=1.2, mirrored=True, image_size=(720, 1280)),
        )  # fmt: skip
    body = Body.sample(np.random.default_rng(7))
    yield from _clip_items(
        "squat/per_rep_errors",
        generate_clip("squat", 3, seed=5, errors=[[], ["shallow"], ["knees_past_toes"]],
                      body=body, tempo=(0.8, 1.5)),
    )  # fmt: skip
    yield from _clip_items("push_up/zero_reps", generate_clip("push_up", [0, 2], seed=6))
    for i, kind in enumerate(OTHER_KINDS):
        yield from _clip_items(f"other/{kind}", generate_other(kind, 4.0, seed=i))
    yield from _clip_items("other/mediapipe", generate_other("lunge", seed=9, depth="mediapipe"))
    clips = generate_dataset(seed=3, size="tiny")
    clips += generate_dataset(12, seed=4, size="small", fps=CAMERA_FPS, depth="mediapipe")
    for i, clip in enumerate(clips):
        yield from _clip_items(f"dataset/{i}", clip)
    windows = np.concatenate([cut_windows(c.landmarks, stride=10) for c in clips])
    for key, value in noise_profile(windows.reshape(-1, 30, 33, 4)).items():
        yield f"noise_profile/{key}", value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the arrays to this .npz")
    group.add_argument("--check", type=Path, help="compare with the arrays in this .npz")
    args = ap.parse_args(argv)
    made = dict(items())
    if args.save:
        np.savez_compressed(args.save, **made)
        print(f"saved {len(made)} arrays -> {args.save}")
        return 0
    with np.load(args.check) as saved:
        before = {k: saved[k] for k in saved.files}
    differ = 0
    for key in sorted(set(before) | set(made)):
        same = key in before and key in made and np.array_equal(before[key], made[key])
        differ += not same
        print(f"{'same' if same else 'DIFFERENT'}  {key}")
    print(f"{len(made)} arrays made, {len(before)} saved, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
