"""Joint angles by landmark name, vectorised over ``(T, 33, 4)``.

Angles are measured in 2-D image space with the aspect ratio corrected: normalised x and y have
different pixel scales (x is a fraction of the width, y of the height), so x is multiplied by
``width / height`` before any angle is taken. A joint whose points are not visible gives NaN,
never a fake angle. Frames without a person (all zeros) give NaN too.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from gymlib.landmarks import PoseLandmark, partner

L = PoseLandmark
#: Below this visibility a landmark does not count as seen.
MIN_VISIBILITY: float = 0.5

Side = Literal["left", "right", "visible"]

#: Named three-point angles (angle at the middle point), on the subject's LEFT side; the right
#: side is the mirror image by name.
JOINT_TRIPLES: dict[str, tuple[PoseLandmark, PoseLandmark, PoseLandmark]] = {
    "knee": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "hip": (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE),
    "elbow": (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),
    "shoulder": (L.LEFT_ELBOW, L.LEFT_SHOULDER, L.LEFT_HIP),
    "body_line": (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_ANKLE),
}


def _xy(landmarks: np.ndarray, aspect: float) -> np.ndarray:
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.shape[-2:] != (33, 4):
        raise ValueError(f"expected landmarks of shape (T, 33, 4), got {np.shape(landmarks)}")
    if not aspect > 0:
        raise ValueError(f"aspect (image width / height) must be > 0, got {aspect}")
    return arr[..., :2] * np.array([aspect, 1.0])


def _visible(landmarks: np.ndarray, points: tuple[PoseLandmark, ...]) -> np.ndarray:
    arr = np.asarray(landmarks)
    if arr.ndim == 2:
        arr = arr[None]
    return np.all(arr[:, list(points), 3] >= MIN_VISIBILITY, axis=1)


def angle_at(
    landmarks: np.ndarray,
    a: PoseLandmark,
    b: PoseLandmark,
    c: PoseLandmark,
    *,
    aspect: float = 4 / 3,
    require_visible: bool = True,
) -> np.ndarray:
    """Unsigned angle at ``b`` between ``b->a`` and ``b->c``, degrees ``(T,)``; NaN if unseen."""
    xy = _xy(landmarks, aspect)
    ba = xy[:, a] - xy[:, b]
    bc = xy[:, c] - xy[:, b]
    norm = np.linalg.norm(ba, axis=-1) * np.linalg.norm(bc, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.einsum("ij,ij->i", ba, bc) / norm
    out = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    bad = norm < 1e-12
    if require_visible:
        bad |= ~_visible(landmarks, (a, b, c))
    out[bad] = np.nan
    return out


def visible_side(landmarks: np.ndarray) -> np.ndarray:
    """Per frame, True where the subject's left side is the better seen one, ``(T,)``."""
    arr = np.asarray(landmarks)
    if arr.ndim == 2:
        arr = arr[None]
    left = [L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE]
    right = [partner(p) for p in left]
    return arr[:, left, 3].sum(axis=1) >= arr[:, right, 3].sum(axis=1)


def joint_angle(
    landmarks: np.ndarray, name: str, side: Side = "visible", *, aspect: float = 4 / 3
) -> np.ndarray:
    """A named joint angle (see :data:`JOINT_TRIPLES`) on one side, ``(T,)`` degrees.

    ``side="visible"`` takes, frame by frame, the side whose landmarks are better seen.
    """
    if name not in JOINT_TRIPLES:
        raise ValueError(f"unknown angle {name!r}; known: {sorted(JOINT_TRIPLES)}")
    a, b, c = JOINT_TRIPLES[name]
    left = angle_at(landmarks, a, b, c, aspect=aspect)
    if side == "left":
        return left
    right = angle_at(landmarks, partner(a), partner(b), partner(c), aspect=aspect)
    if side == "right":
        return right
    if side != "visible":
        raise ValueError(f"side must be 'left', 'right' or 'visible', got {side!r}")
    use_left = visible_side(landmarks)
    out = np.where(use_left, left, right)
    return np.where(np.isnan(out), np.where(use_left, right, left), out)
