"""Whole sequences counted at once: :func:`count_reps`, the same counter as
:class:`gymlib.reps.counter.RepCounter` fed frame by frame, with the measures computed for the
whole ``(T, 33, 4)`` sequence in one pass (offline paths and benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gymlib import angles as A
from gymlib.reps.config import RepConfig
from gymlib.reps.counter import RepCounter
from gymlib.reps.events import Rep
from gymlib.reps.feet import feet_of
from gymlib.rules import RuleBook


def count_reps(
    landmarks: np.ndarray,
    exercise: str,
    fps: float,
    *,
    aspect: float = 4 / 3,
    active: Sequence[bool] | np.ndarray | None = None,
    timestamps: Sequence[float] | np.ndarray | None = None,
    rules: RuleBook | None = None,
    config: RepConfig | None = None,
) -> list[Rep]:
    """All reps of a whole ``(T, 33, 4)`` sequence (frames of zeros = no person).

    The same counter as :class:`RepCounter`, fed frame by frame, with the measures computed for
    the whole sequence at once. ``active`` ``(T,)`` is the classifier's gate (False = unknown);
    ``timestamps`` ``(T,)`` the frames' times in seconds, increasing (None: index / ``fps``).
    """
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[1:] != (33, 4):
        raise ValueError(f"landmarks must have shape (T, 33, 4), got {arr.shape}")
    counter = RepCounter(exercise, fps, aspect=aspect, rules=rules, config=config)
    if len(arr) == 0:
        return []
    present = np.any(arr[:, :, 3] > 0, axis=1) | np.any(arr[:, :, :2] != 0, axis=(1, 2))
    # (None: frame number / fps, as the counter itself times them)
    times = np.arange(len(arr)) / counter.fps
    if timestamps is not None:
        times = np.asarray(timestamps, dtype=np.float64)
    if times.shape != (len(arr),):
        raise ValueError(f"timestamps must have shape ({len(arr)},), got {times.shape}")
    lengths = A.segment_lengths(arr, aspect=aspect)
    refs = np.full_like(lengths, np.nan)
    for t in range(len(arr)):
        if present[t]:
            refs[t] = counter.scale.update(lengths[t], times[t])
    rows = counter.book.compute(counter.rules, arr, refs, aspect, live=True)
    gate = np.ones(len(arr), bool) if active is None else np.asarray(active, bool)
    if gate.shape != (len(arr),):
        raise ValueError(f"active must have shape ({len(arr)},), got {gate.shape}")
    row_lists = rows.tolist()
    for t in range(len(arr)):
        if present[t]:
            feet = feet_of(arr[t].tolist(), refs[t].tolist(), aspect, lengths[t].tolist())
            counter.update_measured(float(times[t]), row_lists[t], arr[t], refs[t], feet,
                                    active=bool(gate[t]))  # fmt: skip
        else:
            counter.update_measured(float(times[t]), None, active=bool(gate[t]))
    counter.finish()
    return list(counter.reps)
