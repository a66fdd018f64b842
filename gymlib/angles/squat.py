"""Squat and split-squat form measures (issue 37): what coaches agree on, from 2-D landmarks."""

from __future__ import annotations

from typing import Literal

import numpy as np

from gymlib.angles.body import _vertical_ratio
from gymlib.angles.joints import _div, _on_side, _visible, _xy
from gymlib.angles.scale import _SEG, SEGMENTS, _frames
from gymlib.landmarks import PoseLandmark

L = PoseLandmark


def _tilt(xy: np.ndarray, low: PoseLandmark, high: PoseLandmark) -> np.ndarray:
    """Unsigned angle of the segment ``low -> high`` from straight up, degrees ``(T,)``."""
    vec = xy[:, high] - xy[:, low]
    return np.degrees(np.arctan2(np.abs(vec[:, 0]), -vec[:, 1]))


#: The heel check wants the feet clearly seen: MediaPipe's foot points below this visibility
#: wander by more than the lift it looks for.
FOOT_VISIBILITY: float = 0.5


def hip_below_knee(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """How far the hip is below the knee, in thigh lengths, ``(T,)``: -1 standing, 0 the thigh
    level (the hip point as low as the knee point: parallel), > 0 below parallel. Vertical only,
    so the same from any yaw; a camera far above or below knee height tilts it a little."""
    s = _on_side(side)
    return _vertical_ratio(landmarks, refs, s(L.LEFT_KNEE), s(L.LEFT_HIP), ("thigh",),
                           aspect=aspect)  # fmt: skip


def heel_rise(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """Height of the heel point above the toe point, in shank lengths, ``(T,)``. Judged against
    the same foot at the start of the rep (``relative: start``), so the foot's own shape and the
    camera's tilt cancel; about 0.12 more = the heel ~5 cm off the floor. Needs the foot seen
    from the side (heel to toe at least a quarter shank across the image), clearly (visibility
    at least :data:`FOOT_VISIBILITY`) and inside the picture (points beyond its edge are the
    pose model's guesses), else NaN."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    s = _on_side(side)
    heel, toe = s(L.LEFT_HEEL), s(L.LEFT_FOOT_INDEX)
    shank = refs[:, _SEG["shank"]]
    out = _div(xy[:, toe, 1] - xy[:, heel, 1], shank)
    across = np.abs(xy[:, toe, 0] - xy[:, heel, 0])
    pts = arr[:, [heel, toe]]
    clear = np.all((pts[..., 3] >= FOOT_VISIBILITY) & (pts[..., 0] >= 0) & (pts[..., 0] <= 1)
                   & (pts[..., 1] >= 0) & (pts[..., 1] <= 1), axis=1)  # fmt: skip
    out[~clear | ~(across >= 0.25 * shank)] = np.nan
    return out


def knee_width(landmarks: np.ndarray, refs: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """Distance between the knees over the distance between the ankles, across the image,
    ``(T,)``: ~1 standing, above 1 with the knees pushed out over the feet, below 1 with the
    knees caving in. For a camera in front or behind: NaN when the ankles look closer together
    than a third of a shank (a side view, or feet together)."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    knees = np.abs(xy[:, L.LEFT_KNEE, 0] - xy[:, L.RIGHT_KNEE, 0])
    ankles = np.abs(xy[:, L.LEFT_ANKLE, 0] - xy[:, L.RIGHT_ANKLE, 0])
    out = _div(knees, ankles)
    seen = _visible(arr, (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE))
    out[~seen | ~(ankles >= refs[:, _SEG["shank"]] / 3)] = np.nan
    return out


def lean_over_shin(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """How much further the torso leans from vertical than the shin, degrees ``(T,)``: about 0
    with the back parallel to the shins (the balanced squat), large positive when the chest drops
    over the knees while the shins stay upright (good-morning squat). Needs a side view: NaN
    when the torso looks shorter than half its true length (a camera in front of a leaning
    person sees it end-on)."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    s = _on_side(side)
    sh, hip, knee, ankle = s(L.LEFT_SHOULDER), s(L.LEFT_HIP), s(L.LEFT_KNEE), s(L.LEFT_ANKLE)
    out = _tilt(xy, hip, sh) - _tilt(xy, ankle, knee)
    torso = np.hypot(*(xy[:, sh] - xy[:, hip]).T)
    out[~_visible(arr, (sh, hip, knee, ankle)) | ~(torso >= 0.5 * refs[:, _SEG["torso"]])] = np.nan
    return out


def front_knee_over_toe(
    landmarks: np.ndarray, refs: np.ndarray, *, aspect: float = 4 / 3
) -> np.ndarray:
    """Split squat: how far the FRONT knee is ahead of its toes, in shank lengths, ``(T,)``;
    > 0 = past the toe point. The front leg is the one whose knee is higher (the rear knee
    drops towards the floor); "ahead" is the direction from the rear ankle to the front ankle,
    so it needs no foot seen end-on: only the stance seen from the side (ankles at least half a
    shank apart across the image) and the knees at clearly different heights (half a shank: with
    them level, which leg is in front is a guess), else NaN."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    shank = refs[:, _SEG["shank"]]
    left_front = xy[:, L.LEFT_KNEE, 1] <= xy[:, L.RIGHT_KNEE, 1]
    pick = lambda a, b: np.where(left_front[:, None], xy[:, a], xy[:, b])  # noqa: E731
    knee, toe = pick(L.LEFT_KNEE, L.RIGHT_KNEE), pick(L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)
    ahead = pick(L.LEFT_ANKLE, L.RIGHT_ANKLE)[:, 0] - pick(L.RIGHT_ANKLE, L.LEFT_ANKLE)[:, 0]
    out = _div((knee[:, 0] - toe[:, 0]) * np.sign(ahead), shank)
    seen_l = _visible(arr, (L.LEFT_KNEE, L.LEFT_FOOT_INDEX))
    seen_r = _visible(arr, (L.RIGHT_KNEE, L.RIGHT_FOOT_INDEX))
    seen = np.where(left_front, seen_l, seen_r) & _visible(arr, (L.LEFT_ANKLE, L.RIGHT_ANKLE))
    seen &= _visible(arr, (L.LEFT_KNEE, L.RIGHT_KNEE))
    split = np.abs(xy[:, L.LEFT_KNEE, 1] - xy[:, L.RIGHT_KNEE, 1]) >= 0.5 * shank
    out[~seen | ~(np.abs(ahead) >= 0.5 * shank) | ~split] = np.nan
    return out
