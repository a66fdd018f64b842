"""Labelled windows: the type, the real windows, splits by recording and joining sets.

A window is 30 frames of the 33 landmarks in the seed's layout, ``(30, 132)``; a
:class:`LabelledWindows` holds ``(N, 30, 132)`` windows with their labels, source and recording
``group``. Splits keep a recording whole (neighbouring windows of one take would leak across a
split): :func:`group_split` (two parts), :func:`assign_splits` (train, validation, test),
:func:`group_kfold`; :func:`random_kfold` is the seed's leaky split, for comparison only.

    data = load_real_windows()                       # ../shared/data/seed_real_windows.npz
    folds = group_kfold(data.group, k=5, seed=42)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gymlib.config import SEED_EXERCISES, default_path
from gymlib.features import check_windows, mirrored
from gymlib.landmarks import from_seed_windows, to_seed_windows


@dataclass
class LabelledWindows:
    """Windows ``(N, 30, 132)`` in the seed's layout with integer labels and their origin."""

    windows: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]
    source: np.ndarray
    group: np.ndarray
    video: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    #: ``"train"``, ``"validation"`` or ``"test"`` per window when a split was made before
    #: (a notebook-02 file, :func:`assign_splits`); empty otherwise
    split: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=str))

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, idx: np.ndarray) -> LabelledWindows:
        n = len(self.labels)
        video = self.video[idx] if len(self.video) == n else self.video
        split = self.split[idx] if len(self.split) == n else self.split
        return LabelledWindows(
            self.windows[idx], self.labels[idx], self.classes, self.source[idx],
            self.group[idx], video, split,
        )  # fmt: skip


def upright_rotated(windows: np.ndarray) -> np.ndarray:
    """Turn windows recorded by a phone lying on its side (stored rotated by 90 degrees) upright.

    The image rotation maps normalised coordinates exactly: ``x' = 1 - y``, ``y' = x`` (the frame
    becomes portrait). Frames without a person stay zeros.
    """
    lm = from_seed_windows(windows).copy()
    present = np.any(lm != 0, axis=(-1, -2))
    x, y = lm[..., 0].copy(), lm[..., 1].copy()
    lm[..., 0], lm[..., 1] = 1.0 - y, x
    lm[~present] = 0.0
    return to_seed_windows(lm)


def load_real_windows(
    path: str | Path | None = None, *, classes: Sequence[str] | None = None, upright: bool = True
) -> LabelledWindows:
    """The real MediaPipe windows (``paths.real_windows`` in config.yaml by default).

    ``upright``: the ``own_horizontal`` takes were stored rotated by 90 degrees (the torso lies
    along x even while standing); they are turned upright so that every source shows people the
    way a camera held the right way up does.
    """
    p = Path(path) if path is not None else default_path("real_windows")
    if not p.is_file():
        raise FileNotFoundError(
            f"{p}: real windows file not found. It is not redistributable and not in the repo; "
            "fetch the seed's public data with notebooks/01_acquisition.ipynb "
            "(DATA_SOURCE='seed') "
            "or point paths.real_windows in config.yaml at a copy"
        )
    classes = tuple(classes or SEED_EXERCISES)
    with np.load(p, allow_pickle=False) as d:
        missing = {"windows", "exercise", "source", "group"} - set(d.files)
        if missing:
            raise ValueError(
                f"{p}: missing arrays {sorted(missing)}; see ../shared/data/README.md"
            )
        windows = check_windows(d["windows"])
        names = d["exercise"].astype(str)
        source = d["source"].astype(str)
        group = d["group"].astype(str)
        video = d["video"].astype(str) if "video" in d.files else np.zeros(0, dtype=str)
    unknown = sorted(set(names) - set(classes))
    if unknown:
        raise ValueError(f"{p}: exercise names {unknown} are not in the class list {classes}")
    if upright:
        rot = source == "own_horizontal"
        windows = windows.copy()
        windows[rot] = upright_rotated(windows[rot])
    labels = np.array([classes.index(n) for n in names], dtype=np.int64)
    return LabelledWindows(windows, labels, classes, source, group, video)


def group_kfold(
    groups: np.ndarray, k: int, *, seed: int = 42
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` (train, test) index pairs; every group's windows fall in exactly one test fold.

    Groups are dealt largest first to the fold with the fewest windows so far (balanced folds).
    """
    groups = np.asarray(groups)
    names, counts = np.unique(groups, return_counts=True)
    if k < 2 or k > len(names):
        raise ValueError(f"k must be between 2 and the number of groups ({len(names)}), got {k}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(names))
    order = order[np.argsort(-counts[order], kind="stable")]
    load = np.zeros(k)
    fold_of = {}
    for i in order:
        f = int(np.argmin(load))
        fold_of[names[i]] = f
        load[f] += counts[i]
    fold = np.array([fold_of[g] for g in groups])
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]


def group_split(
    groups: np.ndarray, fraction: float, *, seed: int = 42
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices so that about ``fraction`` of the windows (whole groups) are held out."""
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    groups = np.asarray(groups)
    names = np.unique(groups)
    rng = np.random.default_rng(seed)
    rng.shuffle(names)
    target = fraction * len(groups)
    held: set[str] = set()
    n = 0
    for g in names:
        if n >= target:
            break
        held.add(g)
        n += int(np.sum(groups == g))
    mask = np.array([g in held for g in groups], dtype=bool)  # (bool also when empty)
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def random_kfold(n: int, k: int, *, seed: int = 42) -> list[tuple[np.ndarray, np.ndarray]]:
    """The seed's leaky split as ``k`` folds that partition the windows at random, ignoring
    recordings; only to show how much it flatters a model next to :func:`group_kfold`."""
    if not 2 <= k <= n:
        raise ValueError(f"k must be between 2 and the number of windows ({n}), got {k}")
    parts = np.array_split(np.random.default_rng(seed).permutation(n), k)
    return [(np.sort(np.concatenate(parts[:i] + parts[i + 1 :])), np.sort(parts[i]))
            for i in range(k)]  # fmt: skip


SPLITS: tuple[str, ...] = ("train", "validation", "test")


def assign_splits(
    groups: np.ndarray, *, validation: float, test: float, seed: int = 42
) -> np.ndarray:
    """``"train"``, ``"validation"`` or ``"test"`` per window, whole recording groups at a time:
    about ``test`` of the windows held out first (:func:`group_split`, ``seed``), then
    ``validation`` of them from the rest (``seed + 1``). The one three-way split: notebooks 02
    and 03 and :func:`split_by_group` all use it."""
    if not (0 <= validation and 0 <= test and validation + test < 1):
        raise ValueError(
            f"split.validation ({validation}) and split.test ({test}) must be at least 0 and "
            "leave some windows for training (their sum below 1)"
        )
    groups = np.asarray(groups)
    split = np.full(len(groups), "train", dtype="<U10")
    rest = np.arange(len(groups))
    if test > 0:
        rest, held = group_split(groups, test, seed=seed)
        split[held] = "test"
    if validation > 0:
        _, val = group_split(groups[rest], validation / (1 - test), seed=seed + 1)
        split[rest[val]] = "validation"
    return split


def balance(
    data: LabelledWindows, per_class: int, *, flip: bool = True, seed: int = 42
) -> LabelledWindows:
    """The seed's balancing, fixed: mirrored copies (left/right swapped) for classes below
    ``per_class`` (each copy keeps its original's group, so twins never straddle a split), then
    a seeded undersampling of classes above it. Returns new :class:`LabelledWindows`."""
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


def from_parts(parts: Sequence[tuple[np.ndarray, int, str]], classes: tuple[str, ...],
               source: str) -> LabelledWindows:  # fmt: skip
    """Parts ``(windows (n, 30, 132), label, group)`` as one labelled set from ``source``."""
    xs = [w for w, _, _ in parts]
    labels = np.concatenate([np.full(len(w), y, np.int64) for w, y, _ in parts] or [[]])
    groups = np.concatenate([np.full(len(w), g) for w, _, g in parts] or [[]])
    windows = np.concatenate(xs) if xs else np.zeros((0, 30, 132), np.float32)
    return LabelledWindows(windows, labels.astype(np.int64), classes,
                           np.full(len(labels), source), groups)  # fmt: skip


def with_classes(data: LabelledWindows, classes: Sequence[str]) -> LabelledWindows:
    """The same windows with labels re-indexed into ``classes`` (which must hold every one)."""
    classes = tuple(classes)
    missing = [c for c in data.classes if c not in classes]
    if missing:
        raise ValueError(f"classes {classes} lack {missing}")
    remap = np.array([classes.index(c) for c in data.classes], np.int64)
    return LabelledWindows(data.windows, remap[data.labels] if len(data) else data.labels,
                           classes, data.source, data.group, data.video, data.split)  # fmt: skip


def concat(*parts: LabelledWindows) -> LabelledWindows:
    """Several labelled sets as one (same classes)."""
    parts = tuple(p for p in parts if len(p))
    if not parts:
        raise ValueError("nothing to concatenate: every part is empty")
    classes = parts[0].classes
    if any(p.classes != classes for p in parts):
        raise ValueError("the parts have different class lists")
    # a split made before survives only when every part has one
    split = [p.split for p in parts if len(p.split) == len(p)]
    return LabelledWindows(
        np.concatenate([p.windows for p in parts]), np.concatenate([p.labels for p in parts]),
        classes, np.concatenate([p.source for p in parts]),
        np.concatenate([p.group for p in parts]),
        split=np.concatenate(split) if len(split) == len(parts) else np.zeros(0, dtype=str),
    )  # fmt: skip


def split_by_group(
    data: LabelledWindows, *, test: float, validation: float, seed: int = 42
) -> tuple[LabelledWindows, LabelledWindows, LabelledWindows]:
    """Train, validation and test sets of whole recordings (notebook 03's split):
    :func:`assign_splits` then :func:`by_split`."""
    return by_split(data, assign_splits(data.group, validation=validation, test=test, seed=seed))


def by_split(
    data: LabelledWindows, split: np.ndarray
) -> tuple[LabelledWindows, LabelledWindows, LabelledWindows]:
    """The train, validation and test sets of a split made before (:func:`assign_splits`)."""
    train, val, test = (data.subset(np.flatnonzero(np.asarray(split) == s)) for s in SPLITS)
    return train, val, test
