"""k-fold cross-validation of the exercise classifier by recording group.

One procedure for notebook 03 and ``benchmarks/classifier_eval.py``: each fold trains on the
other folds' windows, with a group split of them (15 %, seeded by the fold's number) for early
stopping and the temperature; generated ``extra`` windows, split 85/15 by clip once, join every
fold's training and validation (the folds score the given windows only).

    folds = group_kfold(data.group, 5, seed=42)
    run = cross_validate(data, folds, config=cfg, extra=extra, extra_seed=44)
    run.summary()["macro_f1"]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from gymlib.config import Config
from gymlib.evaluation import expected_calibration_error, summarize
from gymlib.features import mirrored
from gymlib.io import atomic_path
from gymlib.training import History, train_classifier
from gymlib.windows import LabelledWindows, concat, group_split

#: Share of a fold's training recordings (and of the extra clips) kept for validation.
VALIDATION_SHARE = 0.15

#: ``on_fold(k, n_folds, classifier, history)`` after each fold (``k`` from 0)
FoldCallback = Callable[[int, int, Any, History], None]


@dataclass
class CrossValidation:
    """Out-of-fold probabilities ``(N, C)`` of every window of ``data``: calibrated (``probs``),
    before the temperature (``raw``) and of the mirrored windows (``mirrored``)."""

    data: LabelledWindows
    probs: np.ndarray
    raw: np.ndarray
    mirrored: np.ndarray
    seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """:func:`gymlib.evaluation.summarize` of the out-of-fold probabilities."""
        d = self.data
        return summarize(d.labels, self.probs, d.classes, sources=d.source)

    def metrics(self) -> dict[str, Any]:
        """The summary, the macro-F1 of each window averaged with its mirror image, the ECE
        before the temperature and the mean training time per fold (s)."""
        d = self.data
        m = self.summary()
        both = (self.probs + self.mirrored) / 2
        m["macro_f1_with_mirror"] = summarize(d.labels, both, d.classes, sources=d.source)[
            "macro_f1"
        ]
        m["ece_uncalibrated"] = expected_calibration_error(self.raw, d.labels)[0]
        m["train_seconds_per_fold"] = float(np.mean(self.seconds))
        return m

    def save(self, path: str | Path) -> Path:
        """The probabilities, labels and groups as ``.npz`` (atomically)."""
        d = self.data
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, probs=self.probs, mirrored=self.mirrored, labels=d.labels,
                                group=d.group, classes=np.array(d.classes))  # fmt: skip
        return Path(path)


def cross_validate(
    data: LabelledWindows,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    config: Config,
    epochs: int | None = None,
    extra: LabelledWindows | None = None,
    extra_seed: int = 44,
    seed: int | None = None,
    progress: bool = False,
    on_fold: FoldCallback | None = None,
) -> CrossValidation:
    """Train one classifier per (train, test) index pair of ``folds`` and score its test windows.

    ``config``, ``epochs`` and ``seed`` go to :func:`gymlib.training.train_classifier` (None:
    the config's); ``extra`` (same classes as ``data``) is split by :func:`group_split` with
    ``extra_seed`` and joins every fold's training and validation.
    """
    n, c = len(data), len(data.classes)
    probs, raw, flipped = (np.zeros((n, c), np.float32) for _ in range(3))
    seconds = []
    if extra is not None:
        e_tr, e_va = group_split(extra.group, VALIDATION_SHARE, seed=extra_seed)
    bar = tqdm(folds, total=len(folds), desc=f"{len(folds)}-fold training", disable=not progress)
    for k, (tr, te) in enumerate(bar):
        inner_tr, inner_va = group_split(data.group[tr], VALIDATION_SHARE, seed=k)
        fold_tr, fold_va = data.subset(tr[inner_tr]), data.subset(tr[inner_va])
        if extra is not None:
            fold_tr = concat(fold_tr, extra.subset(e_tr))
            fold_va = concat(fold_va, extra.subset(e_va))
        clf, hist = train_classifier(
            fold_tr.windows, fold_tr.labels, fold_va.windows, fold_va.labels,
            config=config, epochs=epochs, progress=False, classes=data.classes, seed=seed,
        )  # fmt: skip
        probs[te] = clf.predict_proba(data.windows[te])
        flipped[te] = clf.predict_proba(mirrored(data.windows[te]))
        raw[te] = clf.predict_proba(data.windows[te], calibrated=False)
        seconds.append(hist.seconds)
        if on_fold is not None:
            on_fold(k, len(folds), clf, hist)
    return CrossValidation(data, probs, raw, flipped, seconds)
