"""A tree ensemble (extremely randomised trees) as a Keras model.

The trees are grown by scikit-learn on one row of summary figures per window
(:func:`gymlib.features.window_stats`), then copied node by node into :class:`TreeEnsemble`, a
Keras layer that walks every tree at once with gathers. The result is an ordinary ``.keras``
model: it saves, loads, converts to TFLite and runs inside
:class:`gymlib.model.ExerciseClassifier` like the networks, and gives scikit-learn's
probabilities (to float16 rounding of the leaves' class shares).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from keras import ops  # noqa: E402


@keras.saving.register_keras_serializable(package="gymlib")
class TreeEnsemble(keras.layers.Layer):
    """The mean of ``n_trees`` decision trees' leaf distributions: ``(B, n_features)`` ->
    ``(B, n_classes)`` probabilities.

    All trees' nodes lie in one table of ``n_nodes`` rows, each tree's in depth-first order (so
    a node's left child is the next row): ``feature`` and ``threshold`` (go left, to the next
    row, if ``x[feature] <= threshold``, else to ``right``) and ``value``, the leaf's class
    distribution (zeros at inner nodes). A leaf's threshold is
    minus infinity and its ``right`` itself, so ``depth`` steps from the ``roots`` reach every
    tree's leaf, whatever its depth.

    With ``mirrored``, every row is also read as ``x[mirror_index] * mirror_sign`` (the row of
    the mirror image, :func:`gymlib.features.mirror_window_stats`) and the two answers are
    averaged: a movement is the same exercise in a mirror, and trees that read left and right
    apart gain from being told so (docs/classifier.md).
    """

    def __init__(
        self,
        n_nodes: int,
        n_trees: int,
        n_features: int,
        n_classes: int,
        depth: int,
        mirrored: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.n_nodes, self.n_trees, self.depth = int(n_nodes), int(n_trees), int(depth)
        self.n_features, self.n_classes = int(n_features), int(n_classes)
        self.mirrored = bool(mirrored)

        def table(name: str, shape: tuple[int, ...], dtype: str) -> Any:
            return self.add_weight(name=name, shape=shape, dtype=dtype, initializer="zeros",
                                   trainable=False)  # fmt: skip

        self.feature = table("feature", (self.n_nodes,), "int32")
        self.threshold = table("threshold", (self.n_nodes,), "float32")
        self.right = table("right", (self.n_nodes,), "int32")
        self.value = table("value", (self.n_nodes, self.n_classes), "float16")
        self.roots = table("roots", (self.n_trees,), "int32")
        if self.mirrored:
            self.mirror_index = table("mirror_index", (self.n_features,), "int32")
            self.mirror_sign = table("mirror_sign", (self.n_features,), "float32")

    def call(self, x: Any) -> Any:
        x = ops.cast(x, "float32")
        if not self.mirrored:
            return self._walk(x)
        both = ops.concatenate([x, ops.take(x, self.mirror_index, axis=1) * self.mirror_sign], 0)
        probs = self._walk(both)  # (2B, classes): the rows, then their mirror images
        return ops.mean(ops.reshape(probs, (2, -1, self.n_classes)), axis=0)

    def _walk(self, x: Any) -> Any:
        batch = ops.shape(x)[0]
        flat = ops.reshape(x, (-1,))
        row = ops.expand_dims(ops.arange(batch, dtype="int32") * self.n_features, 1)  # (B, 1)
        node = ops.broadcast_to(ops.expand_dims(self.roots, 0), (batch, self.n_trees))
        for _ in range(self.depth):
            x_at = _gather(flat, row + _gather(self.feature, node))  # (B, trees)
            go_left = x_at <= _gather(self.threshold, node)
            node = ops.where(go_left, node + 1, _gather(self.right, node))
        value = ops.cast(self.value, "float32")
        return ops.sum(_gather(value, node), axis=1) / self.n_trees  # (B, classes)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, int]:
        return (input_shape[0], self.n_classes)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n_nodes": self.n_nodes, "n_trees": self.n_trees,
                "n_features": self.n_features, "n_classes": self.n_classes,
                "depth": self.depth, "mirrored": self.mirrored}  # fmt: skip


def _gather(table: Any, index: Any) -> Any:
    """``table[index]`` along the first axis; the indices are never negative, so TensorFlow's
    own gather does without the wrapping of negative indices that ``keras.ops.take`` adds (a
    third fewer operations per step)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.gather(table, index)
    return ops.take(table, index, axis=0)  # pragma: no cover - other backends


def _depth_first(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The nodes of one tree (``left``/``right`` children, -1 at leaves) in depth-first order,
    left before right: a node's left child comes right after it."""
    order, stack = [], [0]
    while stack:
        n = stack.pop()
        order.append(n)
        if left[n] >= 0:
            stack += [int(right[n]), int(left[n])]
    return np.asarray(order)


def _float32_below(threshold: np.ndarray) -> np.ndarray:
    """scikit-learn's float64 thresholds as the largest float32 not above them: for float32
    inputs ``x <= t`` then decides exactly as scikit-learn does (rounding to nearest could turn
    a threshold into the very value it was meant to separate)."""
    t32 = threshold.astype(np.float32)
    up = t32.astype(np.float64) > threshold
    t32[up] = np.nextafter(t32[up], np.float32(-np.inf))
    return t32


def fit_extra_trees(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    *,
    n_trees: int = 100,
    max_depth: int | None = None,
    seed: int = 42,
) -> Any:
    """Grow ``n_trees`` extremely randomised trees on rows ``x`` ``(N, F)`` with labels ``y``
    ``(N,)`` in ``0 .. n_classes - 1``, classes weighted inversely to their frequency.

    Returns scikit-learn's fitted ``ExtraTreesClassifier``; :func:`as_keras` makes it a model.
    """
    from sklearn.ensemble import ExtraTreesClassifier

    x = np.asarray(x, np.float32)
    y = np.asarray(y, np.int64)
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError(f"expected rows (N, F) and N labels, got {x.shape} and {y.shape}")
    if len(y) == 0:
        raise ValueError("no training windows")
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels must lie in 0..{n_classes - 1}, got {y.min()}..{y.max()}")
    forest = ExtraTreesClassifier(
        n_estimators=n_trees, max_depth=max_depth, class_weight="balanced", random_state=seed,
        n_jobs=1,
    )  # fmt: skip
    return forest.fit(x, y)


def as_keras(
    forest: Any, n_classes: int, mirror: tuple[np.ndarray, np.ndarray] | None = None
) -> Any:
    """A fitted scikit-learn tree ensemble classifier (``estimators_`` of decision trees) as a
    Keras model ``(B, F)`` -> ``(B, n_classes)`` with one :class:`TreeEnsemble` layer;
    ``mirror``: ``(index, sign)`` of the mirror image's row, to average both answers."""
    trees = [e.tree_ for e in forest.estimators_]
    columns = np.asarray(forest.classes_, np.int64)  # the classes seen in training
    feature, threshold, right, value, roots = [], [], [], [], []
    offset = 0
    for t in trees:
        n = t.node_count
        order = _depth_first(t.children_left, t.children_right)  # new row -> sklearn's node
        row_of = np.empty(n, np.int64)
        row_of[order] = np.arange(n)
        leaf = t.children_left[order] < 0
        roots.append(offset)
        feature.append(np.where(leaf, 0, t.feature[order]))
        threshold.append(np.where(leaf, -np.inf, _float32_below(t.threshold[order])))
        right.append(np.where(leaf, np.arange(n), row_of[t.children_right[order]]) + offset)
        counts = t.value[order, 0, :]
        dist = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1e-12)
        v = np.zeros((n, n_classes))
        v[:, columns] = np.where(leaf[:, None], dist, 0.0)
        value.append(v)
        offset += n
    n_features = int(forest.n_features_in_)
    layer = TreeEnsemble(offset, len(trees), n_features, n_classes,
                         depth=max(t.max_depth for t in trees), mirrored=mirror is not None,
                         name="tree_ensemble")  # fmt: skip
    inp = keras.Input((n_features,))
    model = keras.Model(inp, layer(inp), name="trees")
    layer.set_weights([
        np.concatenate(feature).astype(np.int32),
        np.concatenate(threshold).astype(np.float32),
        np.concatenate(right).astype(np.int32),
        np.concatenate(value).astype(np.float16),
        np.asarray(roots, np.int32),
        *([] if mirror is None else [np.asarray(mirror[0], np.int32),
                                     np.asarray(mirror[1], np.float32)]),
    ])  # fmt: skip
    return model
