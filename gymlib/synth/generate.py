"""The generator's entry points: one session (:func:`generate_clip`), a movement that is none
of the six (:func:`generate_other`) and a dataset of clips (:func:`generate_dataset`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from gymlib.alloc import keep_freed_memory
from gymlib.synth.body import Body, complete_landmarks
from gymlib.synth.camera import FPS_RANGE, STANDARD_VIEWS, VIEWS, camera_yaw, film, pick_setup
from gymlib.synth.exercises import POSES, clip_style, per_frame_parameters
from gymlib.synth.idle import OTHER_KINDS, blend_idle, pose_other
from gymlib.synth.noise import Depth, apply_depth, check_depth
from gymlib.synth.timeline import plan_session
from gymlib.synth.truth import EXERCISES, RepTruth, SyntheticClip, draw_errors

SIZE_PRESETS: dict[str, dict[str, int]] = {
    "tiny": {"n_clips": 12, "max_reps": 3},
    "small": {"n_clips": 120, "max_reps": 6},
    "full": {"n_clips": 1200, "max_reps": 10},
}


def _check_args(exercise: str, n_reps: int | Sequence[int], view: str | None, fps: float,
                tempo: tuple[float, float]) -> list[int]:  # fmt: skip
    """The reps of each set; a clear error for a bad exercise, rep count, view, rate or tempo."""
    if exercise not in POSES:
        raise ValueError(f"unknown exercise {exercise!r}; choose one of {list(EXERCISES)}")
    sets = [n_reps] if isinstance(n_reps, int | np.integer) else list(n_reps)
    if not sets or any((not isinstance(s, int | np.integer)) or s < 0 for s in sets):
        raise ValueError(
            f"n_reps must be an integer >= 0 (or a list of them per set), got {n_reps!r}"
        )
    if view is not None and view not in VIEWS and view != "side":
        raise ValueError(f"unknown view {view!r}; choose one of {list(VIEWS)} or 'side'")
    lo, hi = FPS_RANGE
    if not lo <= fps <= hi:
        raise ValueError(f"fps must be between {lo:g} and {hi:g}, got {fps}")
    tempo_lo, tempo_hi = tempo
    if not 0.5 <= tempo_lo <= tempo_hi <= 8:
        raise ValueError(f"tempo must be (low, high) seconds per rep within 0.5-8, got {tempo}")
    return [int(s) for s in sets]


def generate_clip(
    exercise: str,
    n_reps: int | Sequence[int],
    *,
    seed: int,
    view: str | None = None,
    errors: Sequence[str] | Sequence[Sequence[str]] | None = None,
    fps: float = 30.0,
    idle: bool = True,
    image_size: tuple[int, int] | None = None,
    mirrored: bool | None = None,
    tempo: tuple[float, float] = (1.2, 4.0),
    noise: float = 1.0,
    error_rate: float = 0.0,
    body: Body | None = None,
    keep_world: bool = False,
    camera_height: float | None = None,
    depth: Depth = "true",
    all_arms: bool = False,
) -> SyntheticClip:
    """Generate one session of ``exercise`` with exact ground truth.

    ``n_reps`` is the number of reps of one set, or a list with one entry per set (rests in
    between). ``view`` is one of :data:`VIEWS` (``"side"`` = left or right at random; None =
    random among the standard views). ``errors``: None (good reps, or random errors at
    ``error_rate``), a list of error names for every rep, or one list per rep. ``idle`` adds
    walking in, standing, setting up and resting around and between the sets. ``noise`` scales
    the calibrated MediaPipe-like noise (0 = clean). ``body`` replaces the sampled body (the
    renderer passes the mesh's own segment lengths); ``keep_world`` keeps the noise-free 3-D
    joints and the camera on the clip. ``camera_height`` places the camera at that fraction of
    the person's vertical extent (0 = floor, 1 = top of the head, above 1 = looking down; default
    random in 0.25-0.75). ``depth``: z as the true depth of each landmark behind the hips
    (``"true"``, on MediaPipe's scale) or as MediaPipe's network would guess it from the 2-D
    pose (``"mediapipe"``: :mod:`gymlib.depth`'s model calibrated on real windows, or a
    :class:`~gymlib.depth.DepthModel` of one's own). ``all_arms``: split squats also hold a bar
    on the back or a goblet, squats also hang dumbbells (``gymlib.synth.exercises``'s
    ``split_squat_arms``; off in notebook 03's recipe).
    """
    sets = _check_args(exercise, n_reps, view, fps, tempo)
    check_depth(depth)
    keep_freed_memory()  # a quarter of the time went to page faults on re-used memory
    rng = np.random.default_rng(seed)
    sampled = Body.sample(rng)  # drawn even when replaced, so the rest of the clip is the same
    body = sampled if body is None else body
    style = clip_style(exercise, body, rng)
    style["all_arms"] = float(all_arms)
    rep_errors = draw_errors(exercise, errors, sum(sets), rng, error_rate)
    view, image_size, mirrored = pick_setup(rng, view, image_size, mirrored)
    timeline = plan_session(sets, rng, fps=fps, tempo=tempo, idle=idle)
    rep_params, prm = per_frame_parameters(exercise, rep_errors, rng, style, timeline)
    p = POSES[exercise](body, timeline.phase(), prm, style)
    if idle:
        p = blend_idle(p, exercise, body, timeline.segments, rng, fps)
    p = complete_landmarks(p, body)
    lm, cam = film(p, timeline.framed(), rng, yaw=camera_yaw(exercise, view),
                   image_size=image_size, mirrored=mirrored, noise=noise,
                   camera_height=camera_height)  # fmt: skip
    apply_depth(lm, depth, fps, rng, noise)
    reps = [
        RepTruth(s, b, e, tuple(err), float(prm_i["rom"]))
        for (s, b, e), err, prm_i in zip(timeline.reps, rep_errors, rep_params, strict=False)
    ]
    return SyntheticClip(
        landmarks=lm,
        fps=float(fps),
        exercise=exercise,
        view=view,
        reps=reps,
        idle=timeline.idle,
        image_size=tuple(image_size),
        mirrored=mirrored,
        seed=seed,
        camera=cam.summary(),
        body={"height": body.height, "asym": body.asym},
        world=p.astype(np.float32) if keep_world else None,
        camera_model=cam if keep_world else None,
    )


def generate_other(
    kind: str,
    seconds: float = 8.0,
    *,
    seed: int,
    view: str | None = None,
    fps: float = 30.0,
    image_size: tuple[int, int] | None = None,
    mirrored: bool | None = None,
    noise: float = 1.0,
    camera_height: float | None = None,
    depth: Depth = "true",
) -> SyntheticClip:
    """A clip of a movement that is none of the six (:data:`OTHER_KINDS`), for "unknown".

    Same body, camera, MediaPipe-like noise model and ``depth`` choice as :func:`generate_clip`;
    ``exercise`` is ``"other"``, there are no reps, and the whole clip is one idle segment named
    ``kind``.
    """
    check_depth(depth)
    if kind not in OTHER_KINDS:
        raise ValueError(f"unknown movement {kind!r}; expected one of {', '.join(OTHER_KINDS)}")
    if not 1.0 <= seconds <= 600:
        raise ValueError(f"seconds must be within 1-600, got {seconds}")
    keep_freed_memory()
    rng = np.random.default_rng([seed, 4099])
    body = Body.sample(rng)
    n = int(round(seconds * fps))
    if view is not None and view != "side" and view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; expected 'side' or one of {', '.join(VIEWS)}")
    view, image_size, mirrored = pick_setup(rng, view, image_size, mirrored)
    p = pose_other(kind, body, n, fps, rng)
    p = complete_landmarks(p, body)
    lm, cam = film(p, np.ones(n, bool), rng, yaw=VIEWS[view], image_size=image_size,
                   mirrored=mirrored, noise=noise, camera_height=camera_height)  # fmt: skip
    apply_depth(lm, depth, fps, rng, noise)
    return SyntheticClip(
        landmarks=lm, fps=float(fps), exercise="other", view=view, reps=[],
        idle=[(0, n, kind)], image_size=tuple(image_size), mirrored=mirrored, seed=seed,
        camera=cam.summary(),
        body={"height": body.height, "asym": body.asym},
    )  # fmt: skip


def generate_dataset(
    n_clips: int | None = None,
    *,
    seed: int,
    size: Literal["tiny", "small", "full"] = "small",
    exercises: Sequence[str] = EXERCISES,
    views: Sequence[str] = STANDARD_VIEWS,
    error_rate: float = 0.25,
    idle: bool = True,
    fps: float | Sequence[float] = 30.0,
    depth: Depth = "true",
) -> list[SyntheticClip]:
    """Clips spread evenly over exercises and views; ``size`` presets the count and rep range.
    ``fps``: one frame rate for every clip, or several to draw each clip's from (e.g.
    :data:`CAMERA_FPS`): a 30-frame window then spans 0.5-1.2 s of movement, as from real
    cameras. ``depth``: as :func:`generate_clip`."""
    if size not in SIZE_PRESETS:
        raise ValueError(f"size must be one of {list(SIZE_PRESETS)}, got {size!r}")
    preset = SIZE_PRESETS[size]
    n = preset["n_clips"] if n_clips is None else n_clips
    if n < 0:
        raise ValueError(f"n_clips must be >= 0, got {n}")
    for ex in exercises:
        if ex not in POSES:
            raise ValueError(f"unknown exercise {ex!r}; choose from {list(EXERCISES)}")
    rates = [float(fps)] if np.isscalar(fps) else [float(f) for f in fps]  # type: ignore[arg-type]
    lo, hi = FPS_RANGE
    if not rates or not all(lo <= f <= hi for f in rates):
        raise ValueError(
            f"fps must be one frame rate or several, each within {lo:g}-{hi:g}, got {fps!r}"
        )
    rng = np.random.default_rng(seed)
    clips = []
    for i in range(n):
        ex = exercises[i % len(exercises)]
        view = views[(i // len(exercises)) % len(views)]
        n_reps, clip_seed = (
            int(rng.integers(1, preset["max_reps"] + 1)),
            int(rng.integers(0, 2**31)),
        )
        # one rate: no draw, so a dataset at 30 fps is the same as before rates could vary
        rate = rates[0] if len(rates) == 1 else rates[int(rng.integers(0, len(rates)))]
        clips.append(generate_clip(
            ex, n_reps, seed=clip_seed, view=view, idle=idle, fps=rate, error_rate=error_rate,
            depth=depth,
        ))  # fmt: skip
    return clips
