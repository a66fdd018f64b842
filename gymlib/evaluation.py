"""Classification metrics without extra dependencies: confusion matrix, F1, calibration.

Labels are integer class ids ``(N,)``; probabilities are ``(N, C)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """``(C, C)`` counts: row = true class, column = predicted class."""
    y_true, y_pred = np.asarray(y_true, int), np.asarray(y_pred, int)
    cm = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def f1_per_class(cm: np.ndarray) -> np.ndarray:
    """F1 of every class from a confusion matrix; 0 for a class never seen nor predicted."""
    tp = np.diag(cm).astype(float)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


def expected_calibration_error(
    probs: np.ndarray, y_true: np.ndarray, n_bins: int = 10
) -> tuple[float, dict[str, np.ndarray]]:
    """ECE of the top-class confidence, and the reliability curve (per-bin confidence/accuracy)."""
    probs = np.asarray(probs, float)
    conf = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.asarray(y_true)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins).astype(float)
    mean_conf = np.bincount(which, conf, minlength=n_bins) / np.maximum(count, 1)
    acc = np.bincount(which, correct.astype(float), minlength=n_bins) / np.maximum(count, 1)
    ece = float(np.sum(count / max(len(conf), 1) * np.abs(acc - mean_conf)))
    return ece, {"edges": edges, "count": count, "confidence": mean_conf, "accuracy": acc}


def summarize(
    y_true: np.ndarray,
    probs: np.ndarray,
    classes: Sequence[str],
    *,
    sources: np.ndarray | None = None,
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class F1, confusion matrix, ECE and per-source accuracy."""
    y_true = np.asarray(y_true, int)
    y_pred = np.asarray(probs).argmax(axis=1)
    cm = confusion_matrix(y_true, y_pred, len(classes))
    f1 = f1_per_class(cm)
    ece, _ = expected_calibration_error(probs, y_true)
    out: dict[str, Any] = {
        "n": int(len(y_true)),
        "accuracy": float(np.mean(y_true == y_pred)) if len(y_true) else float("nan"),
        "macro_f1": float(np.mean(f1)),
        "f1": {c: float(v) for c, v in zip(classes, f1, strict=True)},
        "confusion": cm.tolist(),
        "ece": ece,
    }
    if sources is not None:
        sources = np.asarray(sources)
        out["accuracy_by_source"] = {
            str(s): float(np.mean(y_true[sources == s] == y_pred[sources == s]))
            for s in sorted(set(sources.tolist()))
        }
    return out
