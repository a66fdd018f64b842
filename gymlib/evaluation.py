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
        # over the classes the truth holds (a model's "other" class has none in real data)
        "macro_f1": float(np.mean(f1[cm.sum(axis=1) > 0])) if len(y_true) else float("nan"),
        "f1": {c: float(v) for c, v in zip(classes, f1, strict=True)},
        "confusion": cm.tolist(),
        "ece": ece,
        # classes with no test window: their F1 reads 0 and measures nothing (a small split)
        "untested": [c for c, n in zip(classes, cm.sum(axis=1), strict=True) if n == 0],
    }
    if sources is not None:
        sources = np.asarray(sources)
        out["accuracy_by_source"] = {
            str(s): float(np.mean(y_true[sources == s] == y_pred[sources == s]))
            for s in sorted(set(sources.tolist()))
        }
    return out


# --------------------------------------------------------------------------------------------
# Recognition from every camera angle, and "unknown" on what is not an exercise (issue 11)
# --------------------------------------------------------------------------------------------
#: Test conditions: name -> keyword arguments of :func:`gymlib.synth.generate_clip`.
VIEW_CONDITIONS: dict[str, dict[str, Any]] = {
    "front": {"view": "front"},
    "back": {"view": "back"},
    "left": {"view": "left"},
    "right": {"view": "right"},
    "left45": {"view": "left45"},
    "right45": {"view": "right45"},
    "high": {"camera_height": 1.5},
    "low": {"camera_height": 0.05},
    "portrait": {"image_size": (720, 1280)},
    "mirrored": {"mirrored": True},
}
#: Seeds of the view and "unknown" test clips: far from any training seed.
TEST_SEED = 900_000


def view_test_windows(n_clips: int = 3, *, seed: int = TEST_SEED, depth: str = "true"
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Rep windows of generated clips per :data:`VIEW_CONDITIONS` x exercise: windows
    ``(N, 30, 132)``, exercise names ``(N,)`` and condition names ``(N,)``. ``depth`` is the
    generator's z (:data:`gymlib.synth.DEPTHS`): ``"mediapipe"`` is what a model meets live."""
    from gymlib.datasets import cut_windows
    from gymlib.synth import EXERCISES, generate_clip

    xs, ys, conds = [], [], []
    for ci, (cond, kw) in enumerate(VIEW_CONDITIONS.items()):
        for ei, ex in enumerate(EXERCISES):
            for k in range(n_clips):
                c = generate_clip(ex, 4, seed=seed + 1000 * ci + 10 * ei + k, idle=False,
                                  depth=depth, **kw)  # fmt: skip
                w = cut_windows(c.landmarks[c.reps[0].start : c.reps[-1].end + 1], stride=10)
                xs.append(w)
                ys += [ex] * len(w)
                conds += [cond] * len(w)
    return np.concatenate(xs), np.array(ys), np.array(conds)


def not_exercise_windows(n_clips: int = 3, *, seed: int = TEST_SEED + 500, depth: str = "true"
                         ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Windows that are none of the exercises and their kind: the generator's other movements
    in several views, and the idle parts of exercise sessions (``"idle:walk_in"`` ...);
    ``depth`` as for :func:`view_test_windows`."""
    from gymlib.datasets import cut_windows
    from gymlib.synth import EXERCISES, OTHER_KINDS, generate_clip, generate_other

    xs, kinds = [], []
    views = ("front", "left", "left45", "right", "back")
    for ki, kind in enumerate(OTHER_KINDS):
        for k in range(n_clips * 2):
            c = generate_other(kind, 6.0, seed=seed + 10 * ki + k, view=views[k % len(views)],
                               depth=depth)  # fmt: skip
            w = cut_windows(c.landmarks, stride=10)
            xs.append(w)
            kinds += [kind] * len(w)
    for ei, ex in enumerate(EXERCISES):
        for k in range(n_clips):
            c = generate_clip(ex, 2, seed=seed + 200 + 10 * ei + k, depth=depth)
            for s, e, kind in c.idle:
                if e - s >= 30:
                    w = cut_windows(c.landmarks[s:e], stride=10)
                    xs.append(w)
                    kinds += [f"idle:{kind}"] * len(w)
    return np.concatenate(xs), np.array(kinds)


def answers_unknown(probs: np.ndarray, classes: Sequence[str], threshold: float) -> np.ndarray:
    """``(N,)`` bool: the coach would say "unknown" (top probability below ``threshold``, or
    the top class is ``"other"``)."""
    probs = np.asarray(probs)
    top = probs.argmax(axis=1)
    from gymlib.model import OTHER

    return (probs.max(axis=1) < threshold) | (np.asarray(classes)[top] == OTHER)


def view_table(predicted: np.ndarray, truth: np.ndarray, conditions: np.ndarray
               ) -> dict[str, dict[str, float]]:  # fmt: skip
    """Accuracy per condition and exercise: ``{condition: {exercise: acc, ..., "all": acc}}``."""
    ok = np.asarray(predicted) == np.asarray(truth)
    out: dict[str, dict[str, float]] = {}
    for c in dict.fromkeys(conditions.tolist()):
        m = conditions == c
        row = {e: float(ok[m & (truth == e)].mean()) for e in dict.fromkeys(truth[m].tolist())}
        row["all"] = float(ok[m].mean())
        out[str(c)] = row
    return out
