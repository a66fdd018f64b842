"""Labelled windows from any source, cut the seed's way."""

from __future__ import annotations

from pathlib import Path

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


def resample(landmarks: np.ndarray, timestamps: np.ndarray, target_fps: float) -> np.ndarray:
    """A ``(T, 33, 4)`` stream re-timed to ``target_fps`` by linear interpolation.

    The seed ignored frame rates (Fit3D is 50 fps, phones 30): resampling first makes a window
    span the same second everywhere. A new frame lies between two source frames; if either has
    nobody in it, the new frame has nobody (zeros) too.
    """
    lm = np.asarray(landmarks, dtype=np.float32)
    t = np.asarray(timestamps, dtype=np.float64)
    if lm.ndim != 3 or lm.shape[1:] != (NUM_LANDMARKS, NUM_CHANNELS) or len(t) != len(lm):
        raise ValueError(f"expected landmarks (T, 33, 4) with T timestamps, got {lm.shape}, "
                         f"{t.shape}")  # fmt: skip
    if not target_fps > 0:
        raise ValueError(f"target_fps must be > 0, got {target_fps}")
    if len(t) < 2:
        return lm.copy()
    if np.any(np.diff(t) <= 0):
        raise ValueError("timestamps must increase strictly")
    new_t = np.arange(t[0], t[-1] + 1e-9, 1.0 / target_fps)
    j = np.clip(np.searchsorted(t, new_t, side="right") - 1, 0, len(t) - 2)
    w = ((new_t - t[j]) / (t[j + 1] - t[j]))[:, None, None].astype(np.float32)
    out = lm[j] * (1 - w) + lm[j + 1] * w
    present = np.any(lm != 0, axis=(1, 2))
    out[~(present[j] & present[j + 1])] = 0.0
    return out


SPLITS: tuple[str, ...] = ("train", "validation", "test")


def assign_splits(
    groups: np.ndarray, *, validation: float, test: float, seed: int = 42
) -> np.ndarray:
    """``"train"``, ``"validation"`` or ``"test"`` per window, whole recording groups at a time."""
    groups = np.asarray(groups)
    names = np.unique(groups)
    rng = np.random.default_rng(seed)
    rng.shuffle(names)
    counts = {g: int(c) for g, c in zip(*np.unique(groups, return_counts=True), strict=True)}
    split_of: dict[str, str] = {}
    n, done = len(groups), {"test": 0, "validation": 0}
    for g in names:
        if done["test"] < test * n:
            split_of[g] = "test"
            done["test"] += counts[g]
        elif done["validation"] < validation * n:
            split_of[g] = "validation"
            done["validation"] += counts[g]
        else:
            split_of[g] = "train"
    return np.array([split_of[g] for g in groups])


def balance(data, per_class: int, *, flip: bool = True, seed: int = 42):  # noqa: ANN001, ANN201
    """The seed's balancing, fixed: mirrored copies (left/right swapped) for classes below
    ``per_class`` (each copy keeps its original's group, so twins never straddle a split), then
    a seeded undersampling of classes above it. Returns new :class:`LabelledWindows`."""
    from gymlib.features import mirrored
    from gymlib.training import LabelledWindows

    rng = np.random.default_rng(seed)
    keep: list[np.ndarray] = []
    extra_w, extra_y, extra_s, extra_g = [], [], [], []
    for c in range(len(data.classes)):
        idx = np.flatnonzero(data.labels == c)
        if len(idx) > per_class:
            keep.append(np.sort(rng.choice(idx, per_class, replace=False)))
            continue
        keep.append(idx)
        if flip and len(idx):
            add = rng.choice(idx, min(per_class - len(idx), len(idx)), replace=False)
            extra_w.append(mirrored(data.windows[add]))
            extra_y.append(data.labels[add])
            extra_s.append(data.source[add])
            extra_g.append(data.group[add])
    k = np.concatenate(keep)
    parts_w = [data.windows[k], *extra_w]
    return LabelledWindows(
        np.concatenate(parts_w).astype(np.float32), np.concatenate([data.labels[k], *extra_y]),
        data.classes, np.concatenate([data.source[k], *extra_s]),
        np.concatenate([data.group[k], *extra_g]),
    )  # fmt: skip


def save_processed(  # noqa: ANN201
    name: str, data, split: np.ndarray, *, out_dir: str | Path | None = None,  # noqa: ANN001
    params: dict | None = None, overwrite: bool = True,
):  # fmt: skip
    """``<out_dir>/<name>.npz`` (windows, labels, source, group, split) and ``<name>.json``, a
    manifest with the counts per class, source and split that the training notebook reads."""
    import datetime

    from gymlib.config import load_config
    from gymlib.io import save_npz_atomic, write_json_atomic

    cfg = load_config()
    out = Path(out_dir) if out_dir is not None else cfg.resolve(cfg.paths.data_processed)
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


def load_processed(path: str | Path):  # noqa: ANN201
    """``(LabelledWindows, split)`` from :func:`save_processed`'s ``.npz``."""
    from gymlib.training import LabelledWindows

    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no processed data; run notebooks/02_preprocessing.ipynb")
    with np.load(p, allow_pickle=False) as d:
        data = LabelledWindows(d["windows"], d["labels"], tuple(d["classes"].tolist()),
                               d["source"], d["group"])  # fmt: skip
        split = d["split"]
    return data, split
