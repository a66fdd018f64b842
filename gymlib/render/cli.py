"""``python -m gymlib.render``: one clip, a movement, the sample library or the training set."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from gymlib.render.clip import RenderedClip, render_clip, render_movement
from gymlib.render.library import TRAINING_SEED, render_samples, render_training_set
from gymlib.render.stack import RenderUnavailable
from gymlib.synth import EXERCISE_ERRORS, EXERCISES, VIEWS
from gymlib.synth.moves import NEW_MOVEMENTS


def main(argv: list[str] | None = None) -> int:
    """``python -m gymlib.render``: 0 when done, 2 for a bad argument or an existing output, 3
    without the render extra or OSMesa."""
    ap = _parser()
    args = ap.parse_args(argv)
    if args.samples:
        return _set_or_exit_code(lambda: render_samples(args.out or "data/samples"))
    if args.training < 0:
        ap.error(f"--training takes a number of clips >= 1, got {args.training}")
    if args.training:
        return _set_or_exit_code(lambda: render_training_set(
            args.training, args.out or "data/rendered/train",
            seed=TRAINING_SEED if args.seed is None else args.seed,
        ))  # fmt: skip
    args.out = args.out or "data/rendered"
    if args.movement is not None:
        return _movement_cli(args)
    if args.exercise is None:
        ap.error("--exercise or --movement is required (or --samples or --training N)")
    return _exercise_cli(args)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m gymlib.render",
        description="Render a generated exercise session on a body mesh: an mp4 and its truth.",
    )
    ap.add_argument("--samples", action="store_true",
                    help="render the sample library (gymlib.render.SAMPLES) into --out "
                    "(default data/samples)")  # fmt: skip
    ap.add_argument("--training", type=int, default=0, metavar="N",
                    help="render N training clips (gymlib.render.training_specs) into --out "
                    "(default data/rendered/train), keeping those already there")  # fmt: skip
    ap.add_argument("--exercise", choices=EXERCISES)
    ap.add_argument("--movement", choices=NEW_MOVEMENTS,
                    help="a movement none of the six (gymlib.synth.moves), e.g. to teach the "
                    "coach from pixels: python -m gymlib.teach")  # fmt: skip
    ap.add_argument("--max-side", type=int, default=480,
                    help="with --movement: the picture's longer side in pixels (its aspect is "
                    "the generator's draw; default 480)")  # fmt: skip
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--view", default="side", choices=["side", *VIEWS])
    ap.add_argument("--seed", type=int, default=None,
                    help="the clip's seed (default 1); with --training the first clip's "
                    f"(default {TRAINING_SEED}; another range makes a held-out set)")  # fmt: skip
    ap.add_argument(
        "--errors",
        default="",
        help="comma-separated form errors for every rep: "
        + "; ".join(f"{k}: {','.join(v)}" for k, v in EXERCISE_ERRORS.items()),
    )
    ap.add_argument("--no-idle", action="store_true", help="no walking in, standing or resting")
    ap.add_argument("--size", default=None, help="WIDTHxHEIGHT (default 640x480)")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--mirrored", action="store_true")
    ap.add_argument("--name", default=None, help="file stem (default EXERCISE-VIEW-sSEED)")
    ap.add_argument("--out", default=None, help="folder (default data/rendered)")
    ap.add_argument("--overwrite", action="store_true")
    return ap


def _set_or_exit_code(render: Callable[[], list[Path]]) -> int:
    """``--samples`` / ``--training``: render the set, say where it went; 3 when the render
    extra or OSMesa is missing."""
    try:
        videos = render()
    except RenderUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    print(f"{len(videos)} clips in {videos[0].parent}")
    return 0


def _exercise_cli(args: argparse.Namespace) -> int:
    """``--exercise NAME``: one clip of one of the six (:func:`render_clip`)."""
    try:
        w, h = (int(v) for v in (args.size or "640x480").lower().split("x"))
    except ValueError:
        print(f"error: --size must be WIDTHxHEIGHT, got {args.size!r}", file=sys.stderr)
        return 2
    errors = [e for e in args.errors.split(",") if e]
    bad = [e for e in errors if e not in EXERCISE_ERRORS[args.exercise]]
    if bad:
        print(f"error: {args.exercise} has no form error {bad}; expected any of "
              f"{', '.join(EXERCISE_ERRORS[args.exercise])}", file=sys.stderr)  # fmt: skip
        return 2
    clip = _rendered_or_exit_code(lambda: render_clip(
        args.exercise, args.reps, seed=1 if args.seed is None else args.seed, view=args.view,
        out_dir=args.out,
        errors=errors or None, idle=not args.no_idle, fps=args.fps, image_size=(w, h),
        mirrored=args.mirrored, name=args.name, overwrite=args.overwrite,
    ))  # fmt: skip
    if isinstance(clip, int):
        return clip
    print(f"{clip.video} ({clip.truth['n_frames']} frames, {len(clip.truth['reps'])} reps)")
    print(clip.truth_path)
    return 0


def _rendered_or_exit_code(render: Callable[[], RenderedClip]) -> RenderedClip | int:
    """The clip ``render()`` makes, or the CLI's exit code with the reason on stderr: 3 when
    the render extra or OSMesa is missing, 2 for a bad value or an existing output."""
    try:
        return render()
    except RenderUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _movement_cli(args: argparse.Namespace) -> int:
    """``--movement KIND``: one clip of a movement none of the six (:func:`render_movement`)."""
    if args.exercise is not None or args.errors or args.size:
        print("error: --movement takes neither --exercise nor --errors nor --size (the "
              "picture keeps the generator's aspect; --max-side sizes it)",
              file=sys.stderr)  # fmt: skip
        return 2
    clip = _rendered_or_exit_code(lambda: render_movement(
        args.movement, args.reps, seed=1 if args.seed is None else args.seed,
        view=args.view, out_dir=args.out, idle=not args.no_idle, fps=args.fps,
        max_side=args.max_side, mirrored=args.mirrored, name=args.name,
        overwrite=args.overwrite,
    ))  # fmt: skip
    if isinstance(clip, int):
        return clip
    w, h = clip.truth["image_size"]
    print(f"{clip.video} ({clip.truth['n_frames']} frames, {len(clip.truth['reps'])} reps, "
          f"{w}x{h})")  # fmt: skip
    print(clip.truth_path)
    return 0
