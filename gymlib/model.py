"""The exercise classifier: the seed's bidirectional LSTM over 30-frame windows, a temporal
convolution network, or a tree ensemble on each window's summary figures (:mod:`gymlib.trees`)."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import math
import os
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.config import Config, ModelConfig, load_config

# the models and the feature sets that suit them live in gymlib.features (config.py checks
# model.arch against them without importing this module); still importable from here
from gymlib.features import ARCH_FEATURES as ARCH_FEATURES
from gymlib.features import ARCHS as ARCHS
from gymlib.features import FEATURE_SETS, check_windows, transform
from gymlib.features import features_suit as features_suit
from gymlib.io import sha256_of

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: What the classifier says when no class is confident enough.
UNKNOWN: str = "unknown"
#: The optional class of everything that is none of the exercises (idle, walking, other
#: movements); a model trained with it answers "unknown" for it.
OTHER: str = "other"


def _compiled(model: Any, learning_rate: float, weight_decay: float) -> Any:
    """``model`` compiled as every classifier here is: AdamW, sparse categorical cross-entropy."""
    import keras

    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=learning_rate, weight_decay=weight_decay),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def build_bilstm(
    n_classes: int = 6,
    n_features: int = 132,
    *,
    learning_rate: float = 1e-3,
    weight_decay: float = 1e-5,
    seed: int = 42,
    units: tuple[int, int] = (128, 64),
    dense: int = 64,
):  # noqa: ANN201
    """The seed's architecture (seed-spec section 3.1): 441,798 parameters for 132 features.

    ``units`` and ``dense`` size the two BiLSTM layers and the dense layer (the seed's by
    default; config.yaml ``model.units`` picks the shipped size).

    BiLSTM 128 -> BN -> Dropout 0.5 -> BiLSTM 64 -> BN -> Dropout 0.5 -> Dense 64 ReLU (L2)
    -> softmax; AdamW, sparse categorical cross-entropy.
    """
    import keras

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((30, n_features)),
            keras.layers.Bidirectional(keras.layers.LSTM(units[0], return_sequences=True)),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.5),
            keras.layers.Bidirectional(keras.layers.LSTM(units[1])),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(dense, activation="relu", kernel_regularizer="l2"),
            keras.layers.Dense(n_classes, activation="softmax"),
        ],
        name="bilstm",
    )
    return _compiled(model, learning_rate, weight_decay)


def build_conv(
    n_classes: int = 6,
    n_features: int = 132,
    *,
    learning_rate: float = 1e-3,
    weight_decay: float = 1e-5,
    seed: int = 42,
    filters: int = 64,
    dense: int = 32,
):  # noqa: ANN201
    """A temporal convolution network, the alternative to :func:`build_bilstm`.

    Three 1-D convolutions over the 30 frames, dilated 1, 2, 4 (kernels 5, 3, 3: each output
    sees 17 frames), each with BN and Dropout 0.2 -> the mean and the maximum over time ->
    Dropout 0.5 -> Dense ``dense`` ReLU (L2) -> softmax; AdamW, sparse categorical
    cross-entropy. About 72,000 parameters for 132 features; it trains 2-3x faster than the
    shipped BiLSTM.
    """
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    inp = keras.Input((30, n_features))
    x = inp
    for kernel, dilation in ((5, 1), (3, 2), (3, 4)):
        x = layers.Conv1D(filters, kernel, padding="same", dilation_rate=dilation,
                          activation="relu")(x)  # fmt: skip
        x = layers.BatchNormalization()(x)
        x = layers.Dropout(0.2)(x)
    x = layers.Concatenate()([layers.GlobalAveragePooling1D()(x), layers.GlobalMaxPooling1D()(x)])
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(dense, activation="relu", kernel_regularizer="l2")(x)
    model = keras.Model(inp, layers.Dense(n_classes, activation="softmax")(x), name="conv")
    return _compiled(model, learning_rate, weight_decay)


class ExerciseClassifier:
    """The trained classifier with its feature transform, class names and calibration.

    ``predict_proba`` takes float32 ``(N, 30, 132)`` windows in the seed's raw layout (normalised
    image x, y, z, visibility per landmark; zeros for frames without a person) and returns
    ``(N, C)`` probabilities, temperature-scaled. ``predict_one`` does the same for one window on
    a TFLite interpreter with batch 1 (about 1 ms; the live loop's path).
    """

    def __init__(
        self,
        model: Any,
        classes: Sequence[str],
        features: str = "body",
        *,
        temperature: float = 1.0,
        card: dict[str, Any] | None = None,
        threshold: float | None = None,
    ) -> None:
        if features not in FEATURE_SETS:
            raise ValueError(
                f"unknown feature set {features!r}; choose one of {list(FEATURE_SETS)}"
            )
        self.model = model
        self.classes: tuple[str, ...] = tuple(classes)
        self.features = features
        self.temperature = float(temperature)
        self.card: dict[str, Any] = dict(card or {})
        #: the confidence below which :meth:`decide` answers "unknown" (``model.
        #: confidence_threshold``, given by whoever read the config: :meth:`load`, training)
        self.threshold = ModelConfig().confidence_threshold if threshold is None else threshold
        self._interpreter: Any = None
        # one window at a time through the interpreter: it holds one input and one output, and
        # two threads at once (the live coach's frames, the history panel's replay) raise
        self._one_at_a_time = threading.Lock()

    # -------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None, *, config: Config | None = None
             ) -> ExerciseClassifier:  # fmt: skip
        """Load ``models/exercise_classifier.keras`` (or ``path``) and its ``.json`` card.

        A promotion a kill interrupted is finished first (:func:`recover`). The files are
        checked against their manifest (``<name>.manifest.json``, the sha256 of each), the card
        against the model (classes, feature set, temperature); every error names the file.
        ``config`` (the repository's when None) gives the default path and the threshold.
        """
        cfg = config or load_config()
        p = Path(path) if path is not None else cfg.resolve(cfg.model.path)
        try:
            recover(p)
        except OSError as exc:
            raise OSError(f"{p}: a promotion was interrupted and finishing it needs write access "
                          f"to {p.parent} ({exc})") from exc  # fmt: skip
        if not p.is_file():
            raise FileNotFoundError(
                f"{p}: no trained classifier here; train one with notebooks/03_training.ipynb "
                "(or python -m gymlib.pipeline retrain) or pass the path of a .keras file"
            )
        card_path = p.with_suffix(".json")
        card = read_card(card_path)
        verify_files(p, card)
        import gymlib.trees  # noqa: F401  (registers the tree ensemble's layer for loading)

        model = _load_keras(p)
        card["_path"] = str(p)
        clf = cls(model, card["classes"], card["features"],
                  temperature=card.get("temperature", 1.0), card=card,
                  threshold=cfg.model.confidence_threshold)  # fmt: skip
        n_out = int(model.output_shape[-1])
        if n_out != len(clf.classes):
            raise ValueError(f"{p}: the model has {n_out} outputs but the card names "
                             f"{len(clf.classes)} classes")  # fmt: skip
        _check_inputs(model, clf.features, p, card_path)
        return clf

    def save(self, path: str | Path, *, overwrite: bool = False, **card: Any) -> Path:
        """Write ``path`` (.keras), its ``.json`` card and a ``.tflite`` copy, atomically.

        An existing model is never replaced unless ``overwrite=True``.
        """
        from gymlib.io import atomic_path, write_bytes_atomic, write_json_atomic

        p = Path(path)
        if p.suffix != ".keras":
            raise ValueError(f"{p}: a classifier is saved as a .keras file")
        if p.resolve() == _shipped_path():  # replaced with no .previous kept (OUT_DIR models)
            raise ValueError(f"{p}: the shipped model; save a trained one elsewhere and ship "
                             "it with gymlib.training.promote, which keeps this one as "
                             ".previous")  # fmt: skip
        if p.exists() and not overwrite:
            raise FileExistsError(f"{p} exists; pass overwrite=True to replace it")
        p.parent.mkdir(parents=True, exist_ok=True)
        blob = self._tflite_bytes()
        with atomic_path(p, overwrite=overwrite) as tmp:
            self.model.save(tmp)
        write_bytes_atomic(p.with_suffix(".tflite"), blob, overwrite=True)
        self.card.pop("_path", None)
        self.card.update(card)
        self.card.update(
            tflite_sha256=hashlib.sha256(blob).hexdigest(),
            classes=list(self.classes),
            features=self.features,
            temperature=self.temperature,
            input={"shape": [None, 30, 132], "layout": "seed: x, y, z, visibility per landmark, "
                   "BlazePose order, normalised image coordinates, zeros = no person"},
            saved=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            versions=_versions(),
        )  # fmt: skip
        write_json_atomic(p.with_suffix(".json"), self.card, overwrite=True)
        write_manifest(p)  # last: it binds the three files written above
        self.card["_path"] = str(p)
        return p

    # -------------------------------------------------------------------------------------------
    def _inputs(self, windows: np.ndarray) -> np.ndarray:
        return transform(check_windows(windows), self.features)

    def _calibrate(self, probs: np.ndarray) -> np.ndarray:
        if not self.temperature > 0:  # a card is checked at load; this guards hand-made ones
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        if self.temperature == 1.0:
            return probs
        z = np.log(np.clip(probs, 1e-12, 1.0)) / self.temperature
        z -= z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def predict_proba(
        self, windows: np.ndarray, *, calibrated: bool = True, batch: int = 1024
    ) -> np.ndarray:
        """``(N, C)`` class probabilities for ``(N, 30, 132)`` raw windows."""
        x = self._inputs(windows)
        out = []
        for i in range(0, len(x), batch):
            chunk = x[i : i + batch]
            n = len(chunk)
            # pad to a power of two (at least 32): a few input shapes, no retracing per call
            size = min(batch, max(32, 1 << (n - 1).bit_length()))
            if n < size:
                chunk = np.concatenate([chunk, np.zeros((size - n, *x.shape[1:]), x.dtype)])
            out.append(np.asarray(self.model.predict_on_batch(chunk))[:n])
        probs = np.concatenate(out) if out else np.zeros((0, len(self.classes)), np.float32)
        return self._calibrate(probs) if calibrated else probs

    def predict(self, windows: np.ndarray) -> list[str]:
        """Class names for ``(N, 30, 132)`` raw windows."""
        return [self.classes[i] for i in self.predict_proba(windows).argmax(axis=1)]

    def predict_one(self, window: np.ndarray) -> np.ndarray:
        """``(C,)`` probabilities for one ``(30, 132)`` window, on the batch-1 TFLite path."""
        arr = np.asarray(window, dtype=np.float32)
        if arr.shape != (30, 132):
            raise ValueError(f"predict_one takes one (30, 132) window, got shape {arr.shape}")
        x = self._inputs(arr[None])
        with self._one_at_a_time:
            interp = self._tflite()
            if interp is None:  # no TFLite runtime on this platform
                probs = np.asarray(self.model.predict_on_batch(x))[0]
            else:
                inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
                interp.set_tensor(inp["index"], x)
                interp.invoke()
                probs = interp.get_tensor(out["index"])[0].copy()
        return self._calibrate(probs)

    def decide(self, probs: np.ndarray, threshold: float | None = None) -> str:
        """The class name, or ``"unknown"`` below the confidence threshold (config default) or
        for the :data:`OTHER` class."""
        if threshold is None:
            threshold = self.threshold
        probs = np.asarray(probs)
        i = int(np.argmax(probs))
        name = self.classes[i]
        return name if probs[i] >= threshold and name != OTHER else UNKNOWN

    # -------------------------------------------------------------------------------------------
    def _tflite_bytes(self) -> bytes:
        """The model rebuilt with a fixed batch of 1 and converted to TFLite (builtin ops only)."""
        import tensorflow as tf

        import gymlib.trees  # noqa: F401  (the tree ensemble's layer, for from_config)

        # the same model (Sequential or functional) from its config, its input batch set to 1
        config = self.model.get_config()
        for layer in config["layers"]:
            if layer["class_name"] == "InputLayer":
                layer["config"]["batch_shape"] = [1, *layer["config"]["batch_shape"][1:]]
        fixed = type(self.model).from_config(config)
        fixed.set_weights(self.model.get_weights())
        with contextlib.redirect_stdout(io.StringIO()):  # the converter prints its SavedModel
            return tf.lite.TFLiteConverter.from_keras_model(fixed).convert()

    def _tflite(self) -> Any:
        if self._interpreter is not None:
            return self._interpreter or None
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:  # pragma: no cover - ai-edge-litert is pinned on Linux only
            self._interpreter = False
            return None
        # the .tflite saved beside the model, if it is the one the card names; else convert now
        path = self.card.get("_path")
        blob = None
        if path and Path(path).with_suffix(".tflite").is_file():
            blob = Path(path).with_suffix(".tflite").read_bytes()
            if hashlib.sha256(blob).hexdigest() != self.card.get("tflite_sha256"):
                blob = None
        if blob is None:
            blob = self._tflite_bytes()
        # one thread: for a network this small a second one costs more in hand-overs than it
        # saves (median 1.08 vs 1.49 ms per window here), and the live loop's MediaPipe runs
        # beside it
        self._interpreter = Interpreter(model_content=blob, num_threads=1)
        self._interpreter.allocate_tensors()
        return self._interpreter


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {}
    for pkg in ("tensorflow-cpu", "tensorflow", "keras", "numpy", "mediapipe"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            continue
    return out


# --------------------------------------------------------------------------------------------
# The files of a saved model, bound together; atomic promotion (issue 38)
# --------------------------------------------------------------------------------------------
#: A saved model's files, by suffix: the network, its card, its TFLite copy, and the manifest
#: (written last) with the sha256 of the other three.
MODEL_SUFFIXES: tuple[str, ...] = (".keras", ".json", ".tflite")
MANIFEST_SUFFIX = ".manifest.json"


def _named(path: Path, suffix: str) -> Path:
    """The file of ``path``'s model with ``suffix`` (``m.keras`` -> ``m.manifest.json``)."""
    return path.with_name(path.stem + suffix)


def _card_sha256(card: dict[str, Any]) -> str:
    """The card's content hashed in a canonical form: indentation or line endings (a git
    checkout on Windows) do not change it, an edited value does."""
    body = {k: v for k, v in card.items() if not k.startswith("_")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def read_card(card_path: Path) -> dict[str, Any]:
    """A model card, checked: JSON, with classes (distinct names), a known feature set and a
    temperature > 0; errors name the card."""
    if not card_path.is_file():
        raise FileNotFoundError(f"{card_path}: the model card (classes, features) is missing")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{card_path}: the model card is not valid JSON ({exc})") from None
    if not isinstance(card, dict):
        raise ValueError(f"{card_path}: the model card must be a JSON object, got {card!r:.60}")
    for key in ("classes", "features"):
        if key not in card:
            raise ValueError(f"{card_path}: the card has no {key!r}")
    classes = card["classes"]
    if (not isinstance(classes, list) or not classes or len(set(map(str, classes))) != len(classes)
            or not all(isinstance(c, str) for c in classes)):  # fmt: skip
        raise ValueError(f"{card_path}: classes must be a list of distinct names, got {classes!r}")
    if not isinstance(card["features"], str) or card["features"] not in FEATURE_SETS:
        raise ValueError(f"{card_path}: features {card['features']!r} is not a feature set; "
                         f"choose one of {list(FEATURE_SETS)}")  # fmt: skip
    temp = card.get("temperature", 1.0)
    if (
        isinstance(temp, bool)
        or not isinstance(temp, int | float)
        or not (math.isfinite(temp) and temp > 0)
    ):
        raise ValueError(f"{card_path}: temperature must be a number > 0, got {temp!r}")
    return card


def write_manifest(path: str | Path) -> Path:
    """``<name>.manifest.json`` for the model at ``path``: the sha256 of its ``.keras``, card
    and ``.tflite``, and the card's classes, feature set and temperature. Written last, it binds
    the files: a card or model file from another save no longer loads."""
    from gymlib.io import write_json_atomic

    p = Path(path)
    card = read_card(p.with_suffix(".json"))
    files = {".keras": sha256_of(p), ".json": _card_sha256(card)}
    if p.with_suffix(".tflite").is_file():
        files[".tflite"] = sha256_of(p.with_suffix(".tflite"))
    manifest = {"files": files, "classes": card["classes"], "features": card["features"],
                "temperature": card.get("temperature", 1.0)}  # fmt: skip
    return write_json_atomic(_named(p, MANIFEST_SUFFIX), manifest)


def verify_files(path: Path, card: dict[str, Any]) -> None:
    """Check the model at ``path`` and its card against its manifest, if it has one (models
    saved before manifests load unchecked). Raises ValueError naming the file that differs."""
    mpath = _named(path, MANIFEST_SUFFIX)
    if not mpath.is_file():
        return
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        files = dict(manifest["files"])
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{mpath}: the manifest is damaged ({exc!r:.80})") from None
    card_path = path.with_suffix(".json")
    for key in ("classes", "features", "temperature"):
        want, got = manifest.get(key), card.get(key, 1.0 if key == "temperature" else None)
        if want is not None and got != want:
            raise ValueError(
                f"{card_path}: {key} {got!r} do not match the model's {want!r} ({mpath.name}):"
                " this card does not belong to this model; restore the card it was saved with"
            )
    if files.get(".json") not in (None, _card_sha256(card)):
        raise ValueError(f"{card_path}: the card was changed after the model was saved "
                         f"(sha256 differs from {mpath.name}); restore it or save the model "
                         "again")  # fmt: skip
    for suffix in (".keras", ".tflite"):
        f = path.with_suffix(suffix)
        if suffix in files and f.is_file() and sha256_of(f) != files[suffix]:
            raise ValueError(
                f"{f}: the file is not the one saved with this model (sha256 differs from "
                f"{mpath.name}): corrupt, or part of another save; restore the model's files "
                "together (e.g. from its .previous copy) or train again"
            )


def _load_keras(p: Path) -> Any:
    """``keras.models.load_model`` (safe mode), saying "corrupt" for a file that is not a
    readable ``.keras`` archive instead of Keras' "File not found"."""
    import keras

    if not zipfile.is_zipfile(p):
        raise ValueError(f"{p}: the model file is corrupt (not a .keras zip archive: cut short, "
                         f"or another file renamed); restore it or train again")  # fmt: skip
    try:
        return keras.models.load_model(p, compile=False)
    except (OSError, KeyError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"{p}: the model file is corrupt ({type(exc).__name__}: {exc})"
                         ) from None  # fmt: skip
    except ValueError as exc:
        if "File not found" in str(exc) or "zip" in str(exc).lower():
            raise ValueError(f"{p}: the model file is corrupt ({exc})") from None
        raise ValueError(f"{p}: {exc}") from None


def _check_inputs(model: Any, features: str, p: Path, card_path: Path) -> None:
    """The card's feature set must give what the network takes (a card from another model,
    e.g. ``body_window`` on the tree ensemble, would fail deep inside Keras at predict time)."""
    shape = tuple(transform(np.zeros((1, 30, 132), np.float32), features).shape[1:])
    takes = tuple(model.input_shape[1:])
    if len(shape) != len(takes) or any(t is not None and t != s for s, t in
                                       zip(shape, takes, strict=True)):  # fmt: skip
        raise ValueError(f"{card_path}: features {features!r} give inputs {shape} but {p.name} "
                         f"takes {takes}: the card does not belong to this model")  # fmt: skip


# -- atomic promotion -------------------------------------------------------------------------
# Promoting copies both the new model's files and the shipped ones (as <name>.previous.*) into
# a fresh hidden folder beside the target, then writes one journal file (<name>.promoting.json,
# atomically: the commit point), then moves the files into place and deletes the journal. A
# kill before the journal leaves the shipped files untouched; after it, the next load (or
# promotion) finishes the moves. Either way the old or the new model is complete, and so is
# the previous one.
def _journal(target: Path) -> Path:
    return _named(target, ".promoting.json")


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _copy_synced(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)
    with open(dst, "rb+") as fh:
        os.fsync(fh.fileno())


def recover(target: str | Path) -> bool:
    """Finish a promotion of ``target`` that a kill interrupted after its commit point; True if
    there was one. Idempotent and safe to run from several processes."""
    target = Path(target)
    journal = _journal(target)
    if not journal.is_file():
        return False
    try:
        plan = json.loads(journal.read_text(encoding="utf-8"))
        stage = target.parent / plan["stage"]
        files = list(plan["files"])
    except (ValueError, KeyError, TypeError) as exc:  # written whole: damaged by something else
        raise ValueError(
            f"{journal}: a promotion's journal, damaged ({exc}); the model files "
            f"beside it may be of two promotions: restore {target.name} with its "
            ".json, .tflite and manifest together, then delete this file"
        ) from None
    for name in files:
        with contextlib.suppress(FileNotFoundError):  # moved already (by us or another loader)
            os.replace(stage / name, target.parent / name)
    for name in plan.get("remove", ()):
        (target.parent / name).unlink(missing_ok=True)
    _fsync_dir(target.parent)
    journal.unlink(missing_ok=True)
    shutil.rmtree(stage, ignore_errors=True)
    return True


def _complete(path: Path) -> bool:
    return path.is_file() and path.with_suffix(".json").is_file()


def _shipped_path() -> Path:
    """The repository's shipped model (config.yaml's ``model.path``), resolved."""
    cfg = load_config()
    return cfg.resolve(cfg.model.path).resolve()


def install(candidate: str | Path, target: str | Path) -> Path:
    """Make the model at ``candidate`` the one at ``target``, keeping the one there as
    ``<target>.previous.*``: all files switch together or not at all (see above)."""
    src, dst = Path(candidate), Path(target)
    if src.resolve() == dst.resolve():  # its .previous would become the same model
        raise ValueError(f"{src}: is the model at {dst} already; nothing to install")
    if not _complete(src):
        raise FileNotFoundError(f"{src}: a trained model (.keras with its .json card) is needed")
    verify_files(src, read_card(src.with_suffix(".json")))
    dst.parent.mkdir(parents=True, exist_ok=True)
    recover(dst)
    # what a promotion killed before its commit point left: its stage, a half-written journal
    for old in dst.parent.glob(f".{dst.stem}.promot*"):
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()
    stage = Path(tempfile.mkdtemp(dir=dst.parent, prefix=f".{dst.stem}.promote-"))
    sets = [(src, dst)]
    if _complete(dst):
        sets.insert(0, (dst, _named(dst, ".previous.keras")))
    names = []
    for s, d in sets:
        for suffix in MODEL_SUFFIXES:
            if s.with_suffix(suffix).is_file():
                _copy_synced(s.with_suffix(suffix), stage / d.with_suffix(suffix).name)
                names.append(d.with_suffix(suffix).name)
        staged = stage / d.name
        if _named(s, MANIFEST_SUFFIX).is_file():
            _copy_synced(_named(s, MANIFEST_SUFFIX), _named(staged, MANIFEST_SUFFIX))
        else:  # a model saved before manifests: bind its files now
            write_manifest(staged)
        names.append(_named(d, MANIFEST_SUFFIX).name)
    # a file of the old sets the new ones lack (no .tflite) must not stay beside them
    remove = [d.with_suffix(x).name for _, d in sets for x in MODEL_SUFFIXES
              if d.with_suffix(x).name not in names and d.with_suffix(x).exists()]  # fmt: skip
    _fsync_dir(stage)
    from gymlib.io import write_json_atomic

    plan = {"stage": stage.name, "files": names, "remove": remove}
    write_json_atomic(_journal(dst), plan)  # the commit point
    _fsync_dir(dst.parent)
    recover(dst)
    return dst
