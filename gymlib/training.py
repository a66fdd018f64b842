"""Training and honest evaluation of the exercise classifier.

Real windows are split by recording ``group`` (never by window: neighbouring windows of one take
would leak across the split; :mod:`gymlib.windows` holds the windows and the splits). Everything
is seeded. Typical use (notebook 03)::

    data = load_real_windows()                       # ../shared/data/seed_real_windows.npz
    folds = group_kfold(data.group, k=5, seed=42)
    clf, history = train_classifier(data.windows[tr], data.labels[tr],
                                    data.windows[va], data.labels[va], features="body")
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from gymlib.config import AugmentationConfig, Config, load_config
from gymlib.features import (
    FLAT_FEATURE_SETS,
    check_windows,
    mirror_window_stats,
    rotate_view,
    transform,
)
from gymlib.landmarks import PoseLandmark as L
from gymlib.landmarks import flip_horizontal, from_seed_windows, to_seed_windows
from gymlib.model import (
    ARCHS,
    ExerciseClassifier,
    build_bilstm,
    build_conv,
    features_suit,
)

# moved to gymlib.sources (where windows come from); still importable from here
from gymlib.sources import TRAINING_DATA as TRAINING_DATA
from gymlib.sources import extra_windows as extra_windows
from gymlib.sources import other_windows as other_windows
from gymlib.sources import rendered_windows as rendered_windows
from gymlib.sources import synthetic_windows as synthetic_windows
from gymlib.sources import training_windows as training_windows
from gymlib.sources import view_windows as view_windows

# moved to gymlib.windows; still importable from here (notebooks, benchmarks, older code)
from gymlib.windows import LabelledWindows as LabelledWindows
from gymlib.windows import concat as concat
from gymlib.windows import group_kfold as group_kfold
from gymlib.windows import group_split as group_split
from gymlib.windows import load_real_windows as load_real_windows
from gymlib.windows import random_kfold as random_kfold
from gymlib.windows import upright_rotated as upright_rotated
from gymlib.windows import with_classes as with_classes


# --------------------------------------------------------------------------------------------
# Augmentation (train split only): noise -> shift -> flip, as the seed, with its bugs fixed
# --------------------------------------------------------------------------------------------
def crop_legs(
    windows: np.ndarray, rng: np.random.Generator, prob: float, reach: float = 0.8
) -> np.ndarray:
    """Show a share ``prob`` of windows as a camera framed too tight would: the image ends at a
    line between the hips and ``reach`` of the way to the ankles. MediaPipe still returns the
    landmarks below that edge, guessed: visibility near 0 and coordinates that wander, so they
    get visibility U(0, 0.15) and 0.02 of jitter. Seed-format windows ``(N, 30, 132)`` in and out.
    """
    lm = from_seed_windows(windows).copy()  # (N, 30, 33, 4)
    pick = np.flatnonzero(rng.random(len(lm)) < prob)
    if len(pick) == 0:
        return to_seed_windows(lm)
    w = lm[pick]
    present = np.any(w != 0, axis=(-1, -2))  # (n, 30)
    count = np.maximum(present.sum(1), 1)
    y = w[..., 1]
    hip = (y[..., [L.LEFT_HIP, L.RIGHT_HIP]].mean(-1) * present).sum(1) / count
    ankle = (y[..., [L.LEFT_ANKLE, L.RIGHT_ANKLE]].mean(-1) * present).sum(1) / count
    lo, hi = np.minimum(hip, ankle), np.maximum(hip, ankle)
    cut = lo + rng.uniform(0.0, reach, len(pick)) * (hi - lo)  # (n,)
    below = (y > cut[:, None, None]) & present[..., None]  # (n, 30, 33)
    w[..., 3] = np.where(below, rng.uniform(0.0, 0.15, below.shape), w[..., 3])
    jitter = rng.normal(0.0, 0.02, w[..., :2].shape)
    w[..., :2] += np.where(below[..., None], jitter, 0.0).astype(w.dtype)
    lm[pick] = w
    return to_seed_windows(lm)


def augment(windows: np.ndarray, rng: np.random.Generator, cfg: AugmentationConfig) -> np.ndarray:
    """Jitter coordinates (not visibility), shift in time without wrapping, mirror some windows,
    show some from another camera angle and some from a camera held askew
    (:func:`gymlib.features.rotate_view`) and some with the legs cut off by the frame
    (:func:`crop_legs`)."""
    lm = from_seed_windows(windows).copy()  # (N, 30, 33, 4)
    present = np.any(lm != 0, axis=(-1, -2))  # (N, 30)
    if cfg.noise_std > 0:
        noise = rng.normal(0, cfg.noise_std, lm[..., :3].shape).astype(np.float32)
        lm[..., :3] += noise * present[..., None, None]
    if cfg.max_shift > 0:
        shifts = rng.integers(-cfg.max_shift, cfg.max_shift + 1, len(lm))
        for i, s in enumerate(shifts):
            if s > 0:
                lm[i, s:] = lm[i, :-s].copy()
                lm[i, :s] = lm[i, s]
            elif s < 0:
                lm[i, :s] = lm[i, -s:].copy()
                lm[i, s:] = lm[i, s - 1]
    if cfg.flip_prob > 0:
        flip = rng.random(len(lm)) < cfg.flip_prob
        lm[flip] = flip_horizontal(lm[flip])
    out = to_seed_windows(lm)
    if cfg.view_prob > 0:
        turn = np.flatnonzero(rng.random(len(out)) < cfg.view_prob)
        if len(turn):
            yaw = rng.uniform(-cfg.max_yaw, cfg.max_yaw, len(turn))
            pitch = rng.uniform(-cfg.max_pitch, cfg.max_pitch, len(turn))
            out[turn] = rotate_view(out[turn], yaw, pitch)
    if cfg.roll_prob > 0:
        tilt = np.flatnonzero(rng.random(len(out)) < cfg.roll_prob)
        if len(tilt):
            roll = rng.uniform(-cfg.max_roll, cfg.max_roll, len(tilt))
            out[tilt] = rotate_view(out[tilt], 0.0, 0.0, roll)
    if cfg.crop_prob > 0:
        out = crop_legs(out, rng, cfg.crop_prob)
    return out


def class_weights(labels: np.ndarray, n_classes: int) -> dict[int, float]:
    """Inverse-frequency weights, mean 1 over the windows."""
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    w = np.where(counts > 0, len(labels) / (n_classes * np.maximum(counts, 1)), 0.0)
    return {i: float(v) for i, v in enumerate(w)}


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------
@dataclass
class History:
    """Training curves and what early stopping kept: per epoch for the networks, per tree
    (the ensemble of the first 1, 2, ... trees; ``unit`` says which) for the tree ensemble."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0
    unit: str = "epoch"

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("loss", "accuracy", "val_loss", "val_accuracy",
                                              "best_epoch", "seconds", "unit")}  # fmt: skip


def fit_temperature(probs: np.ndarray, labels: np.ndarray) -> float:
    """Temperature ``T`` minimising the negative log-likelihood of ``softmax(log p / T)``."""
    logp = np.log(np.clip(np.asarray(probs, np.float64), 1e-12, 1.0))
    labels = np.asarray(labels, int)

    def nll(t: float) -> float:
        z = logp / t
        z = z - z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1))
        return float(np.mean(lse - z[np.arange(len(z)), labels]))

    lo, hi = math.log(0.25), math.log(10.0)
    for _ in range(60):  # golden-section search on log T
        a = hi - (hi - lo) / 1.618
        b = lo + (hi - lo) / 1.618
        if nll(math.exp(a)) < nll(math.exp(b)):
            hi = b
        else:
            lo = a
    return float(math.exp((lo + hi) / 2))


def train_classifier(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    features: str | None = None,
    classes: Sequence[str] | None = None,
    epochs: int | None = None,
    config: Config | None = None,
    seed: int | None = None,
    progress: bool = True,
    on_epoch: Callable[[int, History], None] | None = None,
) -> tuple[Any, History]:
    """Train the configured model (``model.arch``): the seed's BiLSTM or the temporal
    convolution network with augmentation, class weights and early stopping, or the tree
    ensemble (:func:`train_trees`).

    Returns an :class:`gymlib.model.ExerciseClassifier` (best validation-loss weights, temperature
    fitted on the validation windows) and the :class:`History`.
    """

    cfg = config or load_config()
    mcfg = cfg.model
    features = features or mcfg.features
    classes = tuple(classes or cfg.exercises)
    epochs = epochs if epochs is not None else mcfg.epochs
    seed = mcfg.seed if seed is None else seed
    rng = np.random.default_rng(seed)
    x_train, x_val = check_windows(x_train), check_windows(x_val)
    y_train, y_val = np.asarray(y_train, np.int64), np.asarray(y_val, np.int64)
    if mcfg.arch not in ARCHS:
        raise ValueError(f"model.arch {mcfg.arch!r} is not a model; choose one of {list(ARCHS)}")
    if not features_suit(mcfg.arch, features):
        raise ValueError(f"features {features!r} do not suit model.arch {mcfg.arch!r} (the tree "
                         f"ensemble takes {list(FLAT_FEATURE_SETS)}, the networks a sequence "
                         f"set; gymlib.model.ARCH_FEATURES)")  # fmt: skip
    if mcfg.arch == "trees":
        return train_trees(x_train, y_train, x_val, y_val, features=features, classes=classes,
                           n_trees=mcfg.trees, max_depth=mcfg.tree_depth, seed=seed,
                           progress=progress, threshold=mcfg.confidence_threshold)  # fmt: skip
    xv = transform(x_val, features)
    n_in = xv.shape[-1]
    opt = dict(learning_rate=mcfg.learning_rate, weight_decay=mcfg.weight_decay, seed=seed,
               dense=mcfg.dense)  # fmt: skip
    if mcfg.arch == "conv":
        model = build_conv(len(classes), n_in, filters=mcfg.filters, **opt)
    else:
        model = build_bilstm(len(classes), n_in, units=(mcfg.units[0], mcfg.units[1]), **opt)
    weights = class_weights(y_train, len(classes))
    hist = _fit(model, (x_train, y_train), (xv, y_val), weights, features=features,
                config=cfg, rng=rng, epochs=epochs, progress=progress,
                on_epoch=on_epoch)  # fmt: skip
    clf = ExerciseClassifier(model, classes, features, threshold=mcfg.confidence_threshold)
    if len(y_val):
        clf.temperature = fit_temperature(clf.predict_proba(x_val, calibrated=False), y_val)
    return clf, hist


def _fit(
    model: Any, train: tuple[np.ndarray, np.ndarray], val: tuple[np.ndarray, np.ndarray],
    weights: dict[int, float], *, features: str, config: Config, rng: np.random.Generator,
    epochs: int, progress: bool, on_epoch: Callable[[int, History], None] | None,
) -> History:  # fmt: skip
    """Train ``model`` an epoch at a time on freshly augmented raw windows ``train`` (x, y),
    measured on the transformed ``val`` (x, y) windows, stopping after ``model.patience``
    epochs without a better validation loss; the best epoch's weights are kept."""
    (x_train, y_train), (xv, y_val) = train, val
    mcfg = config.model
    hist = History()
    best, best_loss, waited = None, math.inf, 0
    t0 = time.perf_counter()
    bar = tqdm(range(epochs), desc="training", disable=not progress)
    for epoch in bar:
        xa = transform(augment(x_train, rng, config.augmentation), features)
        h = model.fit(xa, y_train, batch_size=mcfg.batch_size, epochs=1, verbose=0,
                      class_weight=weights, shuffle=True)  # fmt: skip
        val_loss, val_acc = (
            model.evaluate(xv, y_val, batch_size=256, verbose=0) if len(y_val) else (0.0, 0.0)
        )
        hist.loss.append(float(h.history["loss"][-1]))
        hist.accuracy.append(float(h.history["accuracy"][-1]))
        hist.val_loss.append(float(val_loss))
        hist.val_accuracy.append(float(val_acc))
        bar.set_postfix(loss=f"{hist.loss[-1]:.3f}", val_loss=f"{val_loss:.3f}",
                        val_acc=f"{val_acc:.3f}")  # fmt: skip
        if on_epoch:
            on_epoch(epoch, hist)
        if val_loss < best_loss - 1e-4:
            best, best_loss, waited, hist.best_epoch = model.get_weights(), val_loss, 0, epoch
        else:
            waited += 1
            if waited >= mcfg.patience:
                break
    if best is not None:
        model.set_weights(best)
    hist.seconds = time.perf_counter() - t0
    return hist


def train_trees(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    *,
    features: str = "window_stats",
    classes: Sequence[str],
    n_trees: int = 100,
    max_depth: int | None = 32,
    seed: int = 42,
    progress: bool = False,
    threshold: float | None = None,
) -> tuple[Any, History]:
    """Grow the tree ensemble (:mod:`gymlib.trees`) on raw windows ``(N, 30, 132)``.

    No augmentation: copies of the windows turned to other camera angles cost cross-validated
    macro-F1 and make the trees far larger (docs/classifier.md); the generated clips from every
    view that notebook 03 adds carry the other angles instead. The model averages every window
    with its mirror image, which gains on both seeds (docs/classifier.md). The curves are those
    of the first 1, 2, ... trees (without the mirror) on the training and validation windows;
    the temperature is fitted on the validation windows.
    """
    from gymlib.trees import as_keras, fit_extra_trees  # loads keras: only when trees grow

    t0 = time.perf_counter()
    # seconds each on a full training set: a bar of the stages says which one runs
    steps = ("summary figures", f"growing {n_trees} trees", "learning curves", "calibration")
    bar = tqdm(steps, desc="trees", disable=not progress)
    stages = iter(bar)
    bar.set_postfix_str(next(stages))
    y_train, y_val = np.asarray(y_train, np.int64), np.asarray(y_val, np.int64)
    x_tr, x_va = transform(x_train, features), transform(x_val, features)
    bar.set_postfix_str(next(stages))
    forest = fit_extra_trees(x_tr, y_train, len(classes), n_trees=n_trees, max_depth=max_depth,
                             seed=seed)  # fmt: skip
    hist = History(unit="tree", best_epoch=n_trees - 1)
    bar.set_postfix_str(next(stages))
    for x, y, loss, acc in ((x_tr, y_train, hist.loss, hist.accuracy),
                            (x_va, y_val, hist.val_loss, hist.val_accuracy)):  # fmt: skip
        if not len(y):
            continue
        total = np.zeros((len(y), len(classes)))
        for k, tree in enumerate(forest.estimators_, start=1):
            total[:, forest.classes_] += tree.predict_proba(x)
            right = total[np.arange(len(y)), y] / k
            loss.append(float(-np.mean(np.log(np.clip(right, 1e-7, 1.0)))))
            acc.append(float(np.mean(total.argmax(1) == y)))
    bar.set_postfix_str(next(stages))
    mirror = mirror_window_stats(features) if features in FLAT_FEATURE_SETS else None
    clf = ExerciseClassifier(
        as_keras(forest, len(classes), mirror), classes, features, threshold=threshold
    )
    if len(y_val):
        clf.temperature = fit_temperature(clf.predict_proba(x_val, calibrated=False), y_val)
    next(stages, None)  # the bar completes
    hist.seconds = time.perf_counter() - t0
    return clf, hist


def promote(candidate: str | Path, *, target: str | Path | None = None) -> Path:
    """Copy a trained model (``.keras`` + ``.json`` + ``.tflite``) over the shipped one.

    The shipped files are kept as ``<name>.previous.*``; all files switch together or not at
    all, even if the process is killed (:func:`gymlib.model.install`).
    """
    from gymlib.model import install, read_card

    cfg = load_config()
    shipped = cfg.resolve(cfg.model.path)
    target = shipped if target is None else Path(target)  # the shipped model named by config
    card = Path(candidate).with_suffix(".json")
    if target.resolve() == shipped.resolve() and card.is_file():  # (no card: install names it)
        missing = [e for e in cfg.exercises if e not in read_card(card).get("classes", [])]
        if missing:  # else every analysis failed after its pose pass
            raise ValueError(f"{candidate}: has no class for {missing}, which config.yaml's "
                             "exercises names; it is not shipped (models/ unchanged)")  # fmt: skip
    return install(candidate, target)
