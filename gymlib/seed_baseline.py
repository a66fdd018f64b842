"""The seed's per-frame rules and rep counter, re-implemented only as a baseline to compare with.

From ``seed-spec.md`` 4.5-4.7: angles on raw normalised (x, y) without aspect correction, both
body sides OR-ed, a per-frame CORRECT condition per exercise, and one rep counted at every
not-correct -> correct change of the feedback colour (the first frame never counts; frames
without a person are skipped). Do not use it for coaching: it is here to show what the new
counter fixes (``benchmarks/reps_eval.py``).
"""

from __future__ import annotations

import numpy as np

from gymlib.angles import angle_at
from gymlib.landmarks import PoseLandmark

L = PoseLandmark


def _ang(lm: np.ndarray, a: L, b: L, c: L) -> np.ndarray:
    return angle_at(lm, a, b, c, aspect=1.0, require_visible=False)


def seed_correct(landmarks: np.ndarray, exercise: str) -> np.ndarray:
    """The seed's per-frame CORRECT condition, ``(T,)`` bool."""
    lm = np.asarray(landmarks, dtype=np.float64)
    x, y = lm[..., 0], lm[..., 1]
    if exercise == "bench_press":
        sh = (_ang(lm, L.RIGHT_ELBOW, L.RIGHT_SHOULDER, L.RIGHT_HIP) <= 80) | (
            _ang(lm, L.LEFT_ELBOW, L.LEFT_SHOULDER, L.LEFT_HIP) <= 80
        )
        el = (_ang(lm, L.RIGHT_WRIST, L.RIGHT_ELBOW, L.RIGHT_SHOULDER) <= 80) | (
            _ang(lm, L.LEFT_WRIST, L.LEFT_ELBOW, L.LEFT_SHOULDER) <= 80
        )
        hip = (_ang(lm, L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_KNEE) >= 160) | (
            _ang(lm, L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE) >= 160
        )
        return sh & el & hip
    knee_l = _ang(lm, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)
    knee_r = _ang(lm, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)
    c1 = x[:, L.LEFT_FOOT_INDEX] <= x[:, L.LEFT_KNEE]
    c2 = x[:, L.RIGHT_FOOT_INDEX] <= x[:, L.RIGHT_KNEE]
    toe_hip_l = x[:, L.LEFT_FOOT_INDEX] <= x[:, L.LEFT_HIP]
    toe_hip_r = x[:, L.RIGHT_FOOT_INDEX] <= x[:, L.RIGHT_HIP]
    if exercise == "squat":
        return c1 & c2 & ((knee_l <= 100) | (knee_r <= 100)) & toe_hip_l & toe_hip_r
    if exercise == "split_squat":
        split = (~toe_hip_l) | (~toe_hip_r) | (x[:, L.LEFT_FOOT_INDEX] == x[:, L.LEFT_HIP])
        left_front = x[:, L.LEFT_FOOT_INDEX] < x[:, L.RIGHT_FOOT_INDEX]
        left_ok = c1 & (knee_l <= 90) & split
        right_ok = c2 & (knee_r <= 90) & split
        return np.where(left_front, left_ok, right_ok)
    elbow = (_ang(lm, L.RIGHT_WRIST, L.RIGHT_ELBOW, L.RIGHT_SHOULDER), _ang(
        lm, L.LEFT_WRIST, L.LEFT_ELBOW, L.LEFT_SHOULDER))  # fmt: skip
    hips = (_ang(lm, L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_KNEE), _ang(
        lm, L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE))  # fmt: skip
    chin = (
        (y[:, L.MOUTH_RIGHT] < y[:, L.RIGHT_WRIST])
        & (y[:, L.MOUTH_LEFT] < y[:, L.LEFT_WRIST])
        & (y[:, L.MOUTH_LEFT] < y[:, L.RIGHT_WRIST])
        & (y[:, L.MOUTH_RIGHT] < y[:, L.LEFT_WRIST])
    )
    if exercise == "lat_machine":
        c3 = ((hips[0] >= 90) & (hips[0] <= 130)) | ((hips[1] >= 90) & (hips[1] <= 130))
        return chin & ((elbow[0] <= 95) | (elbow[1] <= 95)) & c3
    if exercise == "pull_up":
        return chin & ((elbow[0] <= 95) | (elbow[1] <= 95)) & ((hips[0] >= 165) | (hips[1] >= 165))
    if exercise == "push_up":
        line = (_ang(lm, L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_ANKLE) >= 170) | (
            _ang(lm, L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_ANKLE) >= 170
        )
        knees = (knee_r >= 150) | (knee_l >= 150)
        return line & knees & ((elbow[0] <= 90) | (elbow[1] <= 90))
    raise ValueError(f"the seed has no rules for {exercise!r}")


def seed_count_reps(landmarks: np.ndarray, exercise: str) -> list[int]:
    """Frames where the seed would count a rep (not-correct -> correct on pose frames)."""
    lm = np.asarray(landmarks, dtype=np.float64)
    present = np.any(lm[:, :, 3] > 0, axis=1)
    idx = np.flatnonzero(present)
    if len(idx) < 2:
        return []
    ok = seed_correct(lm[idx], exercise)
    rising = np.flatnonzero(ok[1:] & ~ok[:-1]) + 1
    return [int(idx[i]) for i in rising]
