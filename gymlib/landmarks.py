"""The 33 BlazePose landmarks by name, the skeleton as data, and the seed's window layout.

Every other module refers to landmarks through :class:`PoseLandmark`; no bare landmark numbers
appear anywhere else in the project.

Shapes used throughout the project:

- one frame: float32 ``(33, 4)`` = landmarks x (x, y, z, visibility); x and y normalised to
  the image width and height, z relative depth (hip-midpoint origin), visibility in [0, 1];
- a sequence: float32 ``(T, 33, 4)``;
- a window in the seed's layout: float32 ``(30, 132)``, the ``(30, 33, 4)`` window flattened per
  frame as ``x_0, y_0, z_0, vis_0, x_1, ...``; a frame without a person is all zeros.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class PoseLandmark(IntEnum):
    """BlazePose / MediaPipe Pose landmark indices (``mediapipe.solutions.pose.PoseLandmark``)."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


L = PoseLandmark

NUM_LANDMARKS: int = len(PoseLandmark)  # 33
NUM_CHANNELS: int = 4  # x, y, z, visibility
CHANNELS: tuple[str, ...] = ("x", "y", "z", "visibility")
WINDOW_FRAMES: int = 30
FRAME_FEATURES: int = NUM_LANDMARKS * NUM_CHANNELS  # 132

#: Column names of the seed's CSV files: ``x_0,y_0,z_0,vis_0,...,vis_32`` (132 names).
CSV_COLUMNS: tuple[str, ...] = tuple(
    f"{prefix}_{int(lm)}" for lm in PoseLandmark for prefix in ("x", "y", "z", "vis")
)
#: The seed writes a trailing integer ``label`` column that every consumer drops.
CSV_LABEL_COLUMN: str = "label"

#: Skeleton edges (MediaPipe's POSE_CONNECTIONS), by name.
POSE_CONNECTIONS: tuple[tuple[PoseLandmark, PoseLandmark], ...] = (
    (L.NOSE, L.LEFT_EYE_INNER),
    (L.LEFT_EYE_INNER, L.LEFT_EYE),
    (L.LEFT_EYE, L.LEFT_EYE_OUTER),
    (L.LEFT_EYE_OUTER, L.LEFT_EAR),
    (L.NOSE, L.RIGHT_EYE_INNER),
    (L.RIGHT_EYE_INNER, L.RIGHT_EYE),
    (L.RIGHT_EYE, L.RIGHT_EYE_OUTER),
    (L.RIGHT_EYE_OUTER, L.RIGHT_EAR),
    (L.MOUTH_LEFT, L.MOUTH_RIGHT),
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
    (L.LEFT_SHOULDER, L.LEFT_ELBOW),
    (L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.LEFT_WRIST, L.LEFT_PINKY),
    (L.LEFT_WRIST, L.LEFT_INDEX),
    (L.LEFT_WRIST, L.LEFT_THUMB),
    (L.LEFT_PINKY, L.LEFT_INDEX),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW),
    (L.RIGHT_ELBOW, L.RIGHT_WRIST),
    (L.RIGHT_WRIST, L.RIGHT_PINKY),
    (L.RIGHT_WRIST, L.RIGHT_INDEX),
    (L.RIGHT_WRIST, L.RIGHT_THUMB),
    (L.RIGHT_PINKY, L.RIGHT_INDEX),
    (L.LEFT_SHOULDER, L.LEFT_HIP),
    (L.RIGHT_SHOULDER, L.RIGHT_HIP),
    (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_HIP, L.LEFT_KNEE),
    (L.RIGHT_HIP, L.RIGHT_KNEE),
    (L.LEFT_KNEE, L.LEFT_ANKLE),
    (L.RIGHT_KNEE, L.RIGHT_ANKLE),
    (L.LEFT_ANKLE, L.LEFT_HEEL),
    (L.RIGHT_ANKLE, L.RIGHT_HEEL),
    (L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
    (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX),
    (L.LEFT_ANKLE, L.LEFT_FOOT_INDEX),
    (L.RIGHT_ANKLE, L.RIGHT_FOOT_INDEX),
)

#: The twelve main body joints used for error figures and skeleton checks.
MAIN_JOINTS: tuple[PoseLandmark, ...] = (
    L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST,
    L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE,
)  # fmt: skip

_SIDE_PREFIXES = (("LEFT_", "RIGHT_"), ("RIGHT_", "LEFT_"))


def partner(landmark: PoseLandmark) -> PoseLandmark:
    """The mirror-image landmark (LEFT_KNEE <-> RIGHT_KNEE); NOSE is its own partner."""
    return _PARTNERS[landmark]


def _partner_by_name(landmark: PoseLandmark) -> PoseLandmark:
    name = landmark.name
    for a, b in _SIDE_PREFIXES:
        if name.startswith(a):
            return PoseLandmark[b + name[len(a) :]]
    for a, b in (("_LEFT", "_RIGHT"), ("_RIGHT", "_LEFT")):
        if name.endswith(a):
            return PoseLandmark[name[: -len(a)] + b]
    return landmark


_PARTNERS: dict[PoseLandmark, PoseLandmark] = {lm: _partner_by_name(lm) for lm in PoseLandmark}

#: Left/right pairs (left member first), derived from the names.
LEFT_RIGHT_PAIRS: tuple[tuple[PoseLandmark, PoseLandmark], ...] = tuple(
    (lm, partner(lm)) for lm in PoseLandmark if partner(lm) != lm and "LEFT" in lm.name
)

#: ``frame[FLIP_PERMUTATION]`` swaps every left landmark with its right partner.
FLIP_PERMUTATION: np.ndarray = np.array([int(partner(lm)) for lm in PoseLandmark], dtype=np.intp)


def flip_horizontal(landmarks: np.ndarray) -> np.ndarray:
    """Mirror landmarks left-right as a horizontal image flip does.

    ``landmarks`` is ``(..., 33, 4)``. Left and right landmarks swap places and x becomes 1 - x;
    y, z and visibility are kept (z is camera-relative depth, which a mirror does not change).
    Frames without a person (all zeros) stay all zeros, unlike the seed's flip (x = 1).
    """
    arr = np.asarray(landmarks)
    if arr.shape[-2:] != (NUM_LANDMARKS, NUM_CHANNELS):
        raise ValueError(f"flip_horizontal expects (..., 33, 4) landmarks, got shape {arr.shape}")
    out = np.take(arr, FLIP_PERMUTATION, axis=-2)  # a new array
    present = (arr != 0).reshape(*arr.shape[:-2], FRAME_FEATURES).any(axis=-1)  # (...,)
    out[..., 0] = np.where(present[..., None], 1.0 - out[..., 0], 0.0)
    return out


def to_seed_windows(landmarks: np.ndarray) -> np.ndarray:
    """``(..., 30, 33, 4)`` -> the seed's flat ``(..., 30, 132)`` layout."""
    arr = np.asarray(landmarks, dtype=np.float32)
    if arr.shape[-2:] != (NUM_LANDMARKS, NUM_CHANNELS):
        raise ValueError(f"expected (..., 33, 4) landmarks, got shape {arr.shape}")
    return arr.reshape(*arr.shape[:-2], FRAME_FEATURES)


def from_seed_windows(windows: np.ndarray) -> np.ndarray:
    """The seed's flat ``(..., 132)`` layout -> ``(..., 33, 4)``."""
    arr = np.asarray(windows, dtype=np.float32)
    if arr.shape[-1] != FRAME_FEATURES:
        raise ValueError(f"expected (..., 132) seed-layout features, got shape {arr.shape}")
    return arr.reshape(*arr.shape[:-1], NUM_LANDMARKS, NUM_CHANNELS)
