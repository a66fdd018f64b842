"""How split the stance is: a squat's legs work alike, a split squat's do not.

In a squat both feet stand level side by side and both knees bend alike; in a split squat one
foot is about a leg length ahead of the other, the rear knee drops far below the front one at
the bottom and the rear heel is raised (the rear foot stands on its toes). Both show in the
picture's vertical axis from every side (front, back, side, 45 degrees), where the arms (a
barbell on the back or hanging hands), which the classifier leans on, say nothing about it.

:func:`stance_gaps` measures the two per window, in torso lengths
(:func:`gymlib.features.window_scale`), and only as differences between the legs, so a mirror
image or MediaPipe swapping left and right gives the same figures:

- the knee gap: the height difference between the knees, its 80th percentile over the window
  (the bottom of a rep, without the one odd frame a maximum would take);
- the heel gap: the difference between the feet's heel-above-toes heights, the window's
  median (a rear heel raised all set long; a squat's feet both flat).

Shapes: windows ``(N, 30, 33, 4)`` (or one ``(30, 33, 4)``) of MediaPipe landmarks, zeros
where nobody was found; gaps ``(N, 2)``.
"""

from __future__ import annotations

import numpy as np

from gymlib.features import window_scale
from gymlib.landmarks import NUM_CHANNELS, NUM_LANDMARKS
from gymlib.landmarks import PoseLandmark as L

#: Columns of :func:`stance_gaps`.
GAPS: tuple[str, ...] = ("knee", "heel")


def stance_gaps(windows: np.ndarray) -> np.ndarray:
    """The knee gap and the heel gap of each window, ``(N, 2)`` torso lengths (see module doc);
    0 for a window without a person."""
    lm = np.asarray(windows, dtype=np.float64)
    if lm.ndim == 3:
        lm = lm[None]
    if lm.ndim != 4 or lm.shape[2:] != (NUM_LANDMARKS, NUM_CHANNELS):
        raise ValueError(f"expected landmark windows (N, T, 33, 4), got shape {np.shape(windows)}")
    present = np.any(lm != 0, axis=(2, 3))  # (N, T)
    scale = window_scale(lm, present)[:, None]
    y = lm[..., 1]
    knee = np.abs(y[..., L.LEFT_KNEE] - y[..., L.RIGHT_KNEE]) / scale
    heel_l = y[..., L.LEFT_HEEL] - y[..., L.LEFT_FOOT_INDEX]
    heel_r = y[..., L.RIGHT_HEEL] - y[..., L.RIGHT_FOOT_INDEX]
    heel = np.abs(heel_l - heel_r) / scale
    out = np.zeros((len(lm), 2))
    full = present.all(axis=1)
    # windows with a person in every frame (nearly all, and every live one) take the plain
    # percentile: the same numbers, without the NaN-aware versions' cost (~0.7 ms a window)
    if full.any():
        out[full, 0] = _percentile(knee[full], 80)
        out[full, 1] = _percentile(heel[full], 50, median=True)
    some = present.any(axis=1) & ~full
    if some.any():
        k = np.where(present, knee, np.nan)[some]
        h = np.where(present, heel, np.nan)[some]
        out[some, 0] = np.nanpercentile(k, 80, axis=1)
        out[some, 1] = np.nanmedian(h, axis=1)
    return out


def _percentile(x: np.ndarray, q: float, *, median: bool = False) -> np.ndarray:
    """``np.percentile(x, q, axis=1)`` of ``(N, T)`` (``median``: ``np.median(x, axis=1)``),
    the same numbers by one sort and numpy's own arithmetic (linear interpolation; NaN in a
    row gives NaN): numpy's functions cost ~0.05 ms of checks a call, on every window the
    live coach classifies (tested equal)."""
    s = np.sort(x, axis=1)  # NaN sorts last
    n = s.shape[1]
    if median:  # the middle value, or the mean of the two middle ones
        mid = s[:, n // 2] if n % 2 else (s[:, n // 2 - 1] + s[:, n // 2]) / 2
        return np.where(np.isnan(s[:, -1]), np.nan, mid)
    pos = (n - 1) * (q / 100)
    lo = int(np.floor(pos))
    hi = min(lo + 1, n - 1)
    gamma = pos - lo
    a, b = s[:, lo], s[:, hi]
    # numpy's lerp: from the nearer end
    out = b - (b - a) * (1 - gamma) if gamma >= 0.5 else a + (b - a) * gamma
    return np.where(np.isnan(s[:, -1]), np.nan, out)


def stance_split(gaps: np.ndarray, knee_at: float, heel_at: float) -> np.ndarray:
    """``(N,)`` how split the stance is: the larger of the two gaps ``(N, 2)``, each in units of
    the gap at which a window is as likely a split squat as a squat (``knee_at``, ``heel_at``).
    Either sign is enough: from behind a raised heel hardly shows, in a shallow rep the knees
    stay close."""
    g = np.asarray(gaps, dtype=np.float64).reshape(-1, 2)
    return np.maximum(g[:, 0] / knee_at, g[:, 1] / heel_at)
