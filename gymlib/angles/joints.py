"""Three-point joint angles by landmark name, in the aspect-corrected image, and the points
every measure reads: x, y scaled to image heights and which landmarks count as seen."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Literal

import numpy as np

from gymlib.landmarks import PoseLandmark, partner

L = PoseLandmark
#: Below this visibility a landmark does not count as seen.
MIN_VISIBILITY: float = 0.15

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


_XY_SCOPE: list = [None, 0.0, None, None]  # (array, aspect, xy, seen) while shared_xy() is on


@contextlib.contextmanager
def shared_xy(landmarks: np.ndarray, aspect: float) -> Iterator[None]:
    """Within the block, measures on this very array share one aspect-scaled copy of x, y
    (many measures on one live frame). The array must not change inside the block."""
    _XY_SCOPE[:] = [landmarks, aspect, None, None]
    try:
        yield
    finally:
        _XY_SCOPE[:] = [None, 0.0, None, None]


def _xy(landmarks: np.ndarray, aspect: float) -> np.ndarray:
    """x, y with x in image heights (``x * aspect``), ``(T, 33, 2)``."""
    scoped = landmarks is _XY_SCOPE[0] and aspect == _XY_SCOPE[1]
    if scoped and _XY_SCOPE[2] is not None:
        return _XY_SCOPE[2]
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.shape[-2:] != (33, 4):
        raise ValueError(f"expected landmarks of shape (T, 33, 4), got {np.shape(landmarks)}")
    if not aspect > 0:
        raise ValueError(f"aspect (image width / height) must be > 0, got {aspect}")
    xy = arr[..., :2] * np.array([aspect, 1.0])
    if scoped:
        xy.flags.writeable = False
        _XY_SCOPE[2] = xy
    return xy


def _xz(landmarks: np.ndarray, aspect: float) -> np.ndarray:
    """The points of :func:`_xy` as complex numbers ``x + iy``, ``(T, 33)``: a view of the x, y
    pairs (no copy). Angles and lengths take fewer steps this way, on every live frame."""
    return np.ascontiguousarray(_xy(landmarks, aspect)).view(np.complex128)[..., 0]


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` with NaN (and no warning) where ``b`` is 0 or NaN."""
    b = np.asarray(b, dtype=np.float64)
    return np.asarray(a, dtype=np.float64) / np.where(b != 0, b, np.nan)  # x / NaN: no warning


def _seen(landmarks: np.ndarray) -> np.ndarray:
    """``(T, 33)``: True where a landmark counts as seen (shared within :func:`shared_xy`)."""
    scoped = landmarks is _XY_SCOPE[0]
    if scoped and _XY_SCOPE[3] is not None:
        return _XY_SCOPE[3]
    arr = np.asarray(landmarks)
    if arr.ndim == 2:
        arr = arr[None]
    seen = arr[..., 3] >= MIN_VISIBILITY
    if scoped:
        seen.flags.writeable = False
        _XY_SCOPE[3] = seen
    return seen


def _visible(landmarks: np.ndarray, points: tuple[PoseLandmark, ...]) -> np.ndarray:
    """``(T,)``: True where all ``points`` are seen."""
    seen = _seen(landmarks)
    out = seen[:, points[0]]
    for p in points[1:]:
        out = out & seen[:, p]
    return out


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
    # the angle between two vectors is the argument of one times the other's conjugate
    z = _xz(landmarks, aspect)
    zb = z[:, b]
    prod = (z[:, a] - zb) * np.conj(z[:, c] - zb)
    ok = np.abs(prod) >= 1e-12  # |prod| = |b->a| |b->c|
    if require_visible:
        ok &= _visible(landmarks, (a, b, c))
    return np.where(ok, np.degrees(np.abs(np.angle(prod))), np.nan)


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
    return pick_visible(left, right, visible_side(landmarks))


def pick_visible(left: np.ndarray, right: np.ndarray, use_left: np.ndarray) -> np.ndarray:
    """Per frame the better-seen side's value (``use_left`` from :func:`visible_side`), the
    other side's where that one is NaN."""
    out = np.where(use_left, left, right)
    return np.where(np.isnan(out), np.where(use_left, right, left), out)


def _on_side(side: str):  # noqa: ANN202
    """Left-side landmark names -> the chosen side's (the identity, or :func:`partner`)."""
    return (lambda p: p) if side == "left" else partner
