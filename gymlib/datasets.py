"""Labelled windows from any source, cut the seed's way."""

from __future__ import annotations

import numpy as np

from gymlib.landmarks import FRAME_FEATURES, NUM_CHANNELS, NUM_LANDMARKS, WINDOW_FRAMES


def cut_windows(
    landmarks: np.ndarray, *, stride: int = WINDOW_FRAMES, min_tail: int = 20
) -> np.ndarray:
    """Cut a ``(T, 33, 4)`` stream into ``(N, 30, 132)`` windows exactly like the seed.

    Back-to-back blocks of 30 frames (``stride`` < 30 overlaps them); a tail of ``min_tail`` to
    29 frames is stretched to 30 by per-column linear interpolation; shorter tails are dropped.
    Frames without a person stay zeros.
    """
    lm = np.asarray(landmarks, dtype=np.float32)
    if lm.ndim != 3 or lm.shape[1:] != (NUM_LANDMARKS, NUM_CHANNELS):
        raise ValueError(f"expected landmarks (T, 33, 4), got shape {lm.shape}")
    if not 1 <= stride <= WINDOW_FRAMES:
        raise ValueError(f"stride must be 1..30, got {stride}")
    flat = lm.reshape(len(lm), FRAME_FEATURES)
    out = [flat[s : s + WINDOW_FRAMES] for s in range(0, len(flat) - WINDOW_FRAMES + 1, stride)]
    used = (len(out) - 1) * stride + WINDOW_FRAMES if out else 0
    tail = flat[used:] if stride == WINDOW_FRAMES else flat[0:0]
    if min_tail <= len(tail) < WINDOW_FRAMES:
        src = np.linspace(0, len(tail) - 1, WINDOW_FRAMES)
        idx = np.arange(len(tail))
        out.append(np.stack([np.interp(src, idx, tail[:, c]) for c in range(FRAME_FEATURES)], 1))
    if not out:
        return np.zeros((0, WINDOW_FRAMES, FRAME_FEATURES), np.float32)
    return np.stack(out).astype(np.float32)
