"""The exercise classifier: the seed's bidirectional LSTM over 30-frame windows."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def build_bilstm(
    n_classes: int = 6,
    n_features: int = 132,
    *,
    learning_rate: float = 1e-3,
    weight_decay: float = 1e-5,
    seed: int = 42,
):  # noqa: ANN201
    """The seed's architecture (seed-spec section 3.1): 441,798 parameters for 132 features.

    BiLSTM 128 -> BN -> Dropout 0.5 -> BiLSTM 64 -> BN -> Dropout 0.5 -> Dense 64 ReLU (L2)
    -> softmax; AdamW, sparse categorical cross-entropy.
    """
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((30, n_features)),
            keras.layers.Bidirectional(keras.layers.LSTM(128, return_sequences=True)),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.5),
            keras.layers.Bidirectional(keras.layers.LSTM(64)),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(64, activation="relu", kernel_regularizer="l2"),
            keras.layers.Dense(n_classes, activation="softmax"),
        ],
        name="bilstm",
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model
