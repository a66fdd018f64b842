"""Time series of one rep's history: smoothing, level crossings, frame spans.

Every duration comes from the frames' timestamps (seconds), never from a frame rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

# Min-jerk movement: progress is 10% of the way at 24.66% of the time and 50% at half-time, so the
# true onset lies (0.2466 / 0.2534) of the 10%->50% interval before the 10% crossing.
ONSET = 0.2466 / (0.5 - 0.2466)

# times are sums of frame intervals: a comparison with a setting allows for their rounding
EPS_S = 1e-6


def ema_weight(dt: float, tau: float) -> float:
    """Weight of a new sample ``dt`` seconds after the last in an exponential average with time
    constant ``tau`` seconds (1: no smoothing, or no earlier sample)."""
    if not dt == dt or tau <= 0 or dt == math.inf:
        return 1.0
    return 1.0 - math.exp(-dt / tau)


#: Half-width of the centred average that smooths a rep's progress before its boundaries are
#: found: two frames either side at 30 fps, one at 15 fps.
_SMOOTH_HALF_S = 2.5 / 30
# the longest time between two seen frames that a rep's progress is bridged over
_BRIDGE_S = 0.2


def nan_smooth(x: np.ndarray, t: np.ndarray, half_s: float = _SMOOTH_HALF_S) -> np.ndarray:
    """Centred moving average of ``x`` ``(N,)`` over the frames within ``half_s`` seconds of
    each (``t`` ``(N,)``: their times, increasing), ignoring NaN. Where none is seen, the
    straight line between the seen frames either side, when those are at most
    ``_BRIDGE_S`` apart (a frame or two the pose model missed, from a slow camera); else NaN."""
    ok = ~np.isnan(x)
    v = np.where(ok, x, 0.0)
    c = np.concatenate([[0.0], np.cumsum(v)])
    n = np.concatenate([[0.0], np.cumsum(ok)])
    lo = np.searchsorted(t, t - half_s, side="left")
    hi = np.searchsorted(t, t + half_s, side="right")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (c[hi] - c[lo]) / (n[hi] - n[lo])
    holes = np.flatnonzero(np.isnan(out))
    seen = np.flatnonzero(ok)
    if len(holes) and len(seen) > 1:
        after = np.searchsorted(seen, holes)
        inside = (after > 0) & (after < len(seen))
        holes, after = holes[inside], after[inside]
        a, b = seen[after - 1], seen[after]
        short = t[b] - t[a] <= _BRIDGE_S + EPS_S
        holes, a, b = holes[short], a[short], b[short]
        out[holes] = x[a] + (x[b] - x[a]) * (t[holes] - t[a]) / (t[b] - t[a])
    return out


def hold_last_seen(x: np.ndarray) -> np.ndarray:
    """``x`` ``(N,)`` with each NaN replaced by the last value seen before it (leading NaN
    stay)."""
    idx = np.where(np.isnan(x), 0, np.arange(len(x)))
    np.maximum.accumulate(idx, out=idx)
    out = x[idx]
    out[: np.argmax(~np.isnan(x)) if np.any(~np.isnan(x)) else len(x)] = np.nan
    return out


def crossing(t: np.ndarray, x: np.ndarray, i: int, j: int, level: float) -> float:
    """The time at which ``x`` (values at times ``t``) crosses ``level`` from index ``i`` to
    ``j = i + 1``: linear between the nearest seen values (at or before ``i``, at or after
    ``j``); ``t[j]`` where there are none."""
    while 0 < i < len(x) and x[i] != x[i]:
        i -= 1
    while 0 <= j < len(x) - 1 and x[j] != x[j]:
        j += 1
    if 0 <= i < len(x) and 0 <= j < len(x):
        a, b = x[i], x[j]
        if a == a and b == b and a != b:
            return float(t[i] + min(max((level - a) / (b - a), 0.0), 1.0) * (t[j] - t[i]))
    return float(t[min(max(j, 0), len(t) - 1)])


def frame_spans(t: np.ndarray) -> np.ndarray:
    """How long each frame of ``t`` ``(N,)`` (times, increasing) stood for: the interval since
    the previous one (the first: the median interval)."""
    spans = np.diff(t, prepend=np.nan)
    if len(t) > 1:
        spans[0] = np.median(spans[1:])
    else:
        spans[:] = 0.0
    return spans


def median_seen(values: Sequence[float]) -> float:
    """Median of the values that are not NaN (NaN if none is)."""
    seen = [v for v in values if v == v]
    return float(np.median(seen)) if seen else math.nan
