"""Synthetic exercise sessions with exact ground truth: MediaPipe-like landmark streams.

A kinematic generator, no rendering: a 3-D skeleton with anthropometric variety is driven by
joint-angle trajectories per exercise, placed in front of a pinhole camera, projected to
MediaPipe's normalised image coordinates and given MediaPipe-like noise, visibility, dropouts
and left/right swaps (calibrated on the real windows, see :func:`noise_profile`).

    clip = generate_clip("squat", 5, seed=1, view="left")
    clip.landmarks            # (T, 33, 4) float32, zeros where "nobody was found"
    clip.reps[0].bottom       # frame of the deepest point of the first rep
    clip.idle                 # [(start, end, kind), ...] walking in, standing, resting

The parts, each importable on its own: :mod:`~gymlib.synth.truth` (exercises, errors, the
clip and its truth), :mod:`~gymlib.synth.geometry` (vectors, two-link IK),
:mod:`~gymlib.synth.body` (segment lengths, skeleton, the 33 landmarks),
:mod:`~gymlib.synth.timeline` (idle segments, reps and their phase),
:mod:`~gymlib.synth.exercises` (the motion of each exercise and its errors),
:mod:`~gymlib.synth.idle` (standing, walking in, other movements), :mod:`~gymlib.synth.camera`
(views, the pinhole camera, filming), :mod:`~gymlib.synth.noise` (MediaPipe's jitter,
visibility, dropouts, depth) and :mod:`~gymlib.synth.generate` (the entry points). The
generator is deterministic for a seed.
"""

from gymlib.synth.body import Body, Skel, complete_landmarks
from gymlib.synth.camera import (
    CAMERA_FPS,
    FPS_RANGE,
    IMAGE_SIZES,
    SHOULDER_RISE,
    STANDARD_VIEWS,
    VIEWS,
    Camera,
    camera_yaw,
    shoulders_as_seen,
)
from gymlib.synth.exercises import BENCH_HEIGHT
from gymlib.synth.generate import SIZE_PRESETS, generate_clip, generate_dataset, generate_other
from gymlib.synth.geometry import two_link_ik
from gymlib.synth.idle import OTHER_KINDS
from gymlib.synth.noise import (
    DEPTHS,
    JITTER_CLIP,
    JITTER_REL,
    JITTER_RHO,
    JITTER_SHARED,
    JOINT_JITTER,
    SIDE_OF,
    WINDOW_PERCENTILES,
    Depth,
    clip_jitter,
    noise_profile,
)
from gymlib.synth.truth import (
    ERROR_NAMES,
    EXERCISE_ERRORS,
    EXERCISES,
    RepTruth,
    SyntheticClip,
)

__all__ = [
    "BENCH_HEIGHT",
    "CAMERA_FPS",
    "DEPTHS",
    "ERROR_NAMES",
    "EXERCISES",
    "EXERCISE_ERRORS",
    "FPS_RANGE",
    "IMAGE_SIZES",
    "JITTER_CLIP",
    "JITTER_REL",
    "JITTER_RHO",
    "JITTER_SHARED",
    "JOINT_JITTER",
    "OTHER_KINDS",
    "SHOULDER_RISE",
    "SIDE_OF",
    "SIZE_PRESETS",
    "STANDARD_VIEWS",
    "VIEWS",
    "WINDOW_PERCENTILES",
    "Body",
    "Camera",
    "Depth",
    "RepTruth",
    "Skel",
    "SyntheticClip",
    "camera_yaw",
    "clip_jitter",
    "complete_landmarks",
    "generate_clip",
    "generate_dataset",
    "generate_other",
    "noise_profile",
    "shoulders_as_seen",
    "two_link_ik",
]
