"""Windows cut the seed's way from landmark streams, and processed sets saved and loaded."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np

from gymlib.config import default_path
from gymlib.io import save_npz_atomic, write_json_atomic
from gymlib.landmarks import FRAME_FEATURES, NUM_CHANNELS, NUM_LANDMARKS, WINDOW_FRAMES
from gymlib.timewindow import retime
from gymlib.windows import SPLITS, LabelledWindows

# moved to gymlib.windows; still importable from here (notebooks, benchmarks, older code)
from gymlib.windows import assign_splits as assign_splits
from gymlib.windows import balance as balance


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


def resample(landmarks: np.ndarray, timestamps: np.ndarray, target_fps: float) -> np.ndarray:
    """A ``(T, 33, 4)`` stream re-timed to ``target_fps`` from its first frame, by the coach's
    rule (:func:`gymlib.timewindow.retime`: blended between frames that both show the person,
    else the nearer frame, nobody across a stall over 0.25 s; a frame within a millisecond of
    a sample is that sample; of equal times, the last frame). Times that go back raise.

    The seed ignored frame rates (Fit3D is 50 fps, phones 30 or 60): resampling first makes a
    window span the same second everywhere, as the coach's window does.
    """
    lm = np.asarray(landmarks, dtype=np.float32)
    t = np.asarray(timestamps, dtype=np.float64)
    if lm.ndim != 3 or lm.shape[1:] != (NUM_LANDMARKS, NUM_CHANNELS) or len(t) != len(lm):
        raise ValueError(f"expected landmarks (T, 33, 4) with T timestamps, got {lm.shape}, "
                         f"{t.shape}")  # fmt: skip
    if not target_fps > 0:
        raise ValueError(f"target_fps must be > 0, got {target_fps}")
    return retime(t, lm, target_fps)


def save_processed(
    name: str, data: LabelledWindows, split: np.ndarray, *, out_dir: str | Path | None = None,
    params: dict | None = None, overwrite: bool = True,
) -> Path:  # fmt: skip
    """``<out_dir>/<name>.npz`` (windows, labels, source, group, split) and ``<name>.json``, a
    manifest with the counts per class, source and split that the training notebook reads."""
    out = Path(out_dir) if out_dir is not None else default_path("data_processed")
    if not name or any(ch in name for ch in "/\\"):
        raise ValueError(f"name must be a plain file name, got {name!r}")
    split = np.asarray(split, dtype=str)
    if split.shape != data.labels.shape or not set(split) <= set(SPLITS):
        raise ValueError(f"split must give one of {SPLITS} per window")
    path = save_npz_atomic(
        out / f"{name}.npz", overwrite=overwrite, windows=data.windows, labels=data.labels,
        classes=np.array(data.classes), source=data.source, group=data.group, split=split,
    )  # fmt: skip
    counts: dict = {"class": {}, "source": {}, "split": {}}
    for key, values in (("class", [data.classes[i] for i in data.labels]),
                        ("source", data.source), ("split", split)):  # fmt: skip
        names, n = np.unique(np.asarray(values, dtype=str), return_counts=True)
        counts[key] = {str(a): int(b) for a, b in zip(names, n, strict=True)}
    manifest = {
        "name": name, "windows": len(data), "groups": int(len(set(data.group.tolist()))),
        "classes": list(data.classes), "counts": counts, "params": params or {},
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }  # fmt: skip
    write_json_atomic(out / f"{name}.json", manifest, overwrite=overwrite)
    return path


def load_processed(path: str | Path) -> tuple[LabelledWindows, np.ndarray]:
    """``(LabelledWindows, split)`` from :func:`save_processed`'s ``.npz``."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no processed data; run notebooks/02_preprocessing.ipynb")
    with np.load(p, allow_pickle=False) as d:
        data = LabelledWindows(d["windows"], d["labels"], tuple(d["classes"].tolist()),
                               d["source"], d["group"])  # fmt: skip
        split = d["split"]
    return data, split
