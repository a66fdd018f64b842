"""Measures beyond three-point angles. All take ``(T, 33, 4)`` landmarks and return ``(T,)``.

Lengths are in image-height units (x scaled by the aspect ratio). Reference lengths (the true,
unforeshortened length of a segment in the image) come from :class:`BodyScale`."""

from __future__ import annotations

from typing import Literal

import numpy as np

from gymlib.angles.joints import (
    MIN_VISIBILITY,
    _div,
    _on_side,
    _visible,
    _xy,
    angle_at,
    visible_side,
)
from gymlib.angles.scale import _SEG, SEGMENTS, Z_SCALE, _frames, _mean_of_seen, segment_lengths
from gymlib.landmarks import PoseLandmark, partner

L = PoseLandmark


def _pair(arr: np.ndarray, xy: np.ndarray, a: PoseLandmark, b: PoseLandmark
          ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    return xy[:, b] - xy[:, a], _visible(arr, (a, b))


def _vertical_ratio(
    landmarks: np.ndarray,
    refs: np.ndarray,
    a: PoseLandmark,
    b: PoseLandmark,
    segments: tuple[str, ...],
    *,
    aspect: float,
    sign: float = 1.0,
) -> np.ndarray:
    """``sign * (y_b - y_a) / sum(reference lengths of segments)``, NaN where a point is unseen."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    length = refs[:, _SEG[segments[0]]]
    for s in segments[1:]:
        length = length + refs[:, _SEG[s]]
    vec, seen = _pair(arr, xy, a, b)
    return np.where(seen, _div(sign * vec[:, 1], length), np.nan)


def hip_height(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """Height of the hip above the ankle in leg lengths, ``(T,)``: 1 standing straight, about
    0.5 with the thigh parallel to the floor. Vertical only, so the same from any camera yaw."""
    s = _on_side(side)
    return _vertical_ratio(landmarks, refs, s(L.LEFT_HIP), s(L.LEFT_ANKLE), ("thigh", "shank"),
                           aspect=aspect)  # fmt: skip


def thigh_vertical(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """How straight down the thigh hangs, ``(T,)``: 1 knee straight below the hip, 0 thigh
    horizontal, negative knee above the hip (cosine of the thigh's angle to the vertical)."""
    s = _on_side(side)
    out = _vertical_ratio(landmarks, refs, s(L.LEFT_HIP), s(L.LEFT_KNEE), ("thigh",),
                          aspect=aspect)  # fmt: skip
    return np.clip(out, -1.0, 1.0)


def arm_raise(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """Height of the wrist above the shoulder in arm lengths, ``(T,)``: +1 arm straight up,
    -1 straight down, 0 level. Vertical only, so the same from any camera yaw."""
    s = _on_side(side)
    return _vertical_ratio(landmarks, refs, s(L.LEFT_SHOULDER), s(L.LEFT_WRIST),
                           ("upper_arm", "forearm"), aspect=aspect, sign=-1.0)  # fmt: skip


def body_line(
    landmarks: np.ndarray, side: Literal["left", "right"] = "left", *, aspect: float = 4 / 3
) -> np.ndarray:
    """Bend of the shoulder-hip-ankle line at the hip in degrees, signed, ``(T,)``.

    0 = straight; positive when the hip sits above the shoulder-ankle line in the image (piked),
    negative below it (sagging). Meaningful for a horizontal body seen from the side.
    """
    arr = _frames(landmarks)
    s = _on_side(side)
    sh, hip, ank = s(L.LEFT_SHOULDER), s(L.LEFT_HIP), s(L.LEFT_ANKLE)
    unsigned = angle_at(arr, sh, hip, ank, aspect=aspect)
    xy = _xy(arr, aspect)
    line = xy[:, ank] - xy[:, sh]
    rel = xy[:, hip] - xy[:, sh]
    cross = line[:, 0] * rel[:, 1] - line[:, 1] * rel[:, 0]
    # image y grows downwards: "above the line" is the side of the normal pointing to -y
    normal_y = np.where(line[:, 0] >= 0, 1.0, -1.0)  # sign of the up-pointing normal's cross
    above = cross * normal_y < 0
    return np.where(above, 180.0 - unsigned, unsigned - 180.0)


def knee_over_toe(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """How far the knee is ahead of the toes, in shank lengths, ``(T,)``; > 0 = past the toes.

    "Ahead" is the direction from heel to toe in the image, so this needs the foot seen from the
    side: NaN when the foot looks shorter than a third of its expected length (camera in front).
    """
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    s = _on_side(side)
    knee, heel, toe = s(L.LEFT_KNEE), s(L.LEFT_HEEL), s(L.LEFT_FOOT_INDEX)
    shank = refs[:, _SEG["shank"]]
    foot_dx = xy[:, toe, 0] - xy[:, heel, 0]
    out = _div((xy[:, knee, 0] - xy[:, toe, 0]) * np.sign(foot_dx), shank)
    seen = _visible(arr, (knee, heel, toe))
    out[~seen | ~(np.abs(foot_dx) >= shank * 0.5 / 3)] = np.nan
    return out


def elbow_tuck(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """How far the elbow points along the torso towards the hips, in upper-arm lengths, ``(T,)``.

    About cos(shoulder abduction): elbows tucked at 45 degrees give ~0.7, flared to 90 degrees ~0.
    Needs the torso seen along its length: NaN when it looks shorter than half its true length.
    """
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    s = _on_side(side)
    sh, el, hip = s(L.LEFT_SHOULDER), s(L.LEFT_ELBOW), s(L.LEFT_HIP)
    torso_ref, upper_ref = refs[:, _SEG["torso"]], refs[:, _SEG["upper_arm"]]
    axis = xy[:, hip] - xy[:, sh]
    axis_len = np.sqrt(axis[:, 0] ** 2 + axis[:, 1] ** 2)
    arm = xy[:, el] - xy[:, sh]
    out = _div(arm[:, 0] * axis[:, 0] + arm[:, 1] * axis[:, 1], axis_len * upper_ref)
    out[~_visible(arr, (sh, el, hip)) | ~(axis_len >= 0.5 * torso_ref)] = np.nan
    return out


def elbow_tuck_pair(landmarks: np.ndarray, refs: np.ndarray, *, aspect: float = 4 / 3
                    ) -> np.ndarray:  # fmt: skip
    """:func:`elbow_tuck` of both arms, averaged, ``(T,)``: for a camera beside the person.

    A flared elbow points sideways, at or away from a camera beside the person. A camera a few
    degrees off the side turns that sideways reach into a reach along the torso: the arm facing
    the camera reads tucked by ``sin(offset)`` times the reach (0.15 at 10 degrees) and the far
    arm flared by as much, so their mean cancels it. The far arm is taken where the pose model
    places it, even at low visibility (it is hidden behind the body, not missing). Needs the
    facing arm seen (NaN otherwise); the facing arm alone where the far one is not there at all.
    """
    arr = _frames(landmarks)
    sides = (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_HIP)
    left_seen = _visible(arr, sides)
    right_seen = _visible(arr, tuple(partner(p) for p in sides))
    near_left = visible_side(arr)
    near_seen = np.where(near_left, left_seen, right_seen)
    present = arr.copy()
    present[..., 3] = np.where(arr[..., 3] > 0, 1.0, 0.0)  # placed at all = used
    left = elbow_tuck(present, refs, "left", aspect=aspect)
    right = elbow_tuck(present, refs, "right", aspect=aspect)
    near = np.where(near_left, left, right)
    both = (left + right) / 2
    out = np.where(np.isnan(both), near, both)
    return np.where(near_seen, out, np.nan)


def chin_over_bar(landmarks: np.ndarray, refs: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """Height of the mouth above the hands (the bar) in torso lengths, ``(T,)``; > 0 = over."""
    arr = _frames(landmarks)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    torso = refs[:, _SEG["torso"]]
    mouth = (arr[:, L.MOUTH_LEFT, 1] + arr[:, L.MOUTH_RIGHT, 1]) / 2
    wl, wr = arr[:, L.LEFT_WRIST], arr[:, L.RIGHT_WRIST]
    lv, rv = wl[:, 3] >= MIN_VISIBILITY, wr[:, 3] >= MIN_VISIBILITY
    wrist = np.where(lv & rv, (wl[:, 1] + wr[:, 1]) / 2, np.where(lv, wl[:, 1], wr[:, 1]))
    out = _div(wrist - mouth, torso)
    seen = (lv | rv) & (arr[:, L.MOUTH_LEFT, 3] >= MIN_VISIBILITY * 0.5)
    out[~seen] = np.nan
    return out


def torso_lean(landmarks: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """Lean of the torso from vertical in degrees, ``(T,)``: positive forward (towards the face),
    negative backward. Needs a side view (the nose clearly ahead of the ears), else NaN."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    sh = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    ears = (xy[:, L.LEFT_EAR] + xy[:, L.RIGHT_EAR]) / 2
    ahead = xy[:, L.NOSE, 0] - ears[:, 0]
    ear_gap = np.abs(xy[:, L.LEFT_EAR, 0] - xy[:, L.RIGHT_EAR, 0])
    up = sh - hip
    lean = np.degrees(np.arctan2(up[:, 0] * np.sign(ahead), -up[:, 1]))
    seen = _visible(arr, (L.LEFT_SHOULDER, L.LEFT_HIP)) | _visible(
        arr, (L.RIGHT_SHOULDER, L.RIGHT_HIP)
    )
    lean[~seen | ~(np.abs(ahead) > ear_gap)] = np.nan
    return lean


def wrist_over_elbow(
    landmarks: np.ndarray, side: Literal["left", "right"] = "left", *, aspect: float = 4 / 3
) -> np.ndarray:
    """Tilt of the forearm from vertical in degrees, ``(T,)``: 0 = wrist straight above or below
    the elbow (a stacked forearm in presses and push-ups)."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    el, wr = (L.LEFT_ELBOW, L.LEFT_WRIST) if side == "left" else (L.RIGHT_ELBOW, L.RIGHT_WRIST)
    vec, seen = _pair(arr, xy, el, wr)
    out = np.degrees(np.arctan2(np.abs(vec[:, 0]), np.abs(vec[:, 1])))
    out[~seen] = np.nan
    return out


def view_yaw(landmarks: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """Estimated camera angle round the person in degrees, ``(T,)``: 0 = front or back, 90 = side.

    From the shoulders and hips: their left-right spread in x against their spread in depth (z).
    """
    arr = _frames(landmarks)
    # |left - right| in x, y, z of the shoulders plus that of the hips, (T, 3)
    spread = np.abs(arr[:, L.LEFT_SHOULDER, :3] - arr[:, L.RIGHT_SHOULDER, :3]) + np.abs(
        arr[:, L.LEFT_HIP, :3] - arr[:, L.RIGHT_HIP, :3]
    )
    out = np.degrees(np.arctan2(spread[:, 2] / Z_SCALE, spread[:, 0]))
    present = np.any(arr[:, :, 3] > 0, axis=1)
    out[~present] = np.nan
    return out


def torso_upright(landmarks: np.ndarray, refs: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """How upright the torso is, ``(T,)``: 1 = shoulders straight above the hips, 0 = lying,
    -1 = upside down. Vertical extent over the true torso length (or 0.8 arm lengths, whichever is
    longer, so a torso never seen upright is not mistaken for an upright one). The arm is the
    shorter of its remembered length and its length in this frame: arms seen nearer the camera
    a moment ago (a push-up filmed from the head end) must not shrink the torso of the person
    who has stood up since."""
    arr = _frames(landmarks)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    now = segment_lengths(arr, aspect=aspect)
    arm_now = now[:, _SEG["upper_arm"]] + now[:, _SEG["forearm"]]
    arm = np.fmin(refs[:, _SEG["upper_arm"]] + refs[:, _SEG["forearm"]], arm_now)
    ref = np.fmax(refs[:, _SEG["torso"]], 0.8 * arm)
    sh = (arr[:, L.LEFT_SHOULDER, 1] + arr[:, L.RIGHT_SHOULDER, 1]) / 2
    hip = (arr[:, L.LEFT_HIP, 1] + arr[:, L.RIGHT_HIP, 1]) / 2
    out = np.minimum(np.maximum(_div(hip - sh, ref), -1.0), 1.0)
    seen = _visible(arr, (L.LEFT_SHOULDER, L.LEFT_HIP)) | _visible(
        arr, (L.RIGHT_SHOULDER, L.RIGHT_HIP)
    )
    return np.where(seen, out, np.nan)


def standing_height(landmarks: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """How far the ankles are below the shoulders, in this frame's longest limb segment, ``(T,)``.

    About 3 for a person standing, below 1.5 for one lying, planking or hanging upside down.
    Scale-free within the frame (no remembered body size), so stepping closer or away does not
    change it; NaN where shoulders or ankles are unseen.
    """
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    y = np.where(arr[:, :, 3] >= MIN_VISIBILITY, xy[..., 1], np.nan)
    shoulders = _mean_of_seen(y[:, L.LEFT_SHOULDER], y[:, L.RIGHT_SHOULDER])
    ankles = _mean_of_seen(y[:, L.LEFT_ANKLE], y[:, L.RIGHT_ANKLE])
    longest = np.max(np.nan_to_num(segment_lengths(arr, aspect=aspect), nan=-1.0), axis=1)
    return _div(ankles - shoulders, np.where(longest > 0, longest, 0.0))
