"""The exercise classifier: contract, splits, calibration, saving (issue 6)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from gymlib.config import SEED_EXERCISES, load_config
from gymlib.evaluation import confusion_matrix, expected_calibration_error, f1_per_class
from gymlib.landmarks import PoseLandmark as L
from gymlib.landmarks import from_seed_windows
from gymlib.model import UNKNOWN, ExerciseClassifier
from gymlib.training import (
    augment,
    crop_legs,
    fit_temperature,
    promote,
    synthetic_windows,
    train_classifier,
)
from gymlib.windows import group_split


@pytest.fixture(scope="module")
def tiny() -> tuple[ExerciseClassifier, object]:
    """A classifier trained for two epochs on generator windows (real TensorFlow, no download)."""
    data = synthetic_windows(48, seed=11)
    tr, va = group_split(data.group, 0.25, seed=0)
    clf, hist = train_classifier(data.windows[tr], data.labels[tr], data.windows[va],
                                 data.labels[va], epochs=2, progress=False)  # fmt: skip
    return clf, data


def test_contract_shapes_names_and_single_window_path(tiny) -> None:
    clf, data = tiny
    assert clf.classes == SEED_EXERCISES == load_config().exercises
    probs = clf.predict_proba(data.windows[:37])
    assert probs.shape == (37, 6) and probs.dtype == np.float32 or probs.dtype == np.float64
    assert np.allclose(probs.sum(1), 1, atol=1e-5)
    names = clf.predict(data.windows[:5])
    assert all(n in SEED_EXERCISES for n in names)
    one = np.stack([clf.predict_one(w) for w in data.windows[:20]])
    assert np.abs(one - clf.predict_proba(data.windows[:20])).max() < 1e-4


def test_conv_network_on_joint_angles_keeps_the_contract(tmp_path: Path) -> None:
    """model.arch conv with the angle features: same inputs, same single-window path, saved and
    loaded exactly (real TensorFlow and TFLite)."""
    cfg = load_config()
    model_cfg = dataclasses.replace(cfg.model, arch="conv", features="body_window", filters=16)
    cfg = dataclasses.replace(cfg, model=model_cfg)
    data = synthetic_windows(24, seed=12)
    tr, va = group_split(data.group, 0.25, seed=0)
    clf, hist = train_classifier(data.windows[tr], data.labels[tr], data.windows[va],
                                 data.labels[va], features="body_window_angles", epochs=2,
                                 config=cfg, progress=False)  # fmt: skip
    assert clf.model.name == "conv" and clf.model.input_shape == (None, 30, 140)
    assert len(hist.loss) == 2 and all(np.isfinite(hist.loss))
    w = data.windows[:12]
    probs = clf.predict_proba(w)
    assert probs.shape == (12, 6) and np.allclose(probs.sum(1), 1, atol=1e-5)
    one = np.stack([clf.predict_one(x) for x in w])
    assert np.abs(one - probs).max() < 1e-4
    again = ExerciseClassifier.load(clf.save(tmp_path / "conv.keras"))
    assert again.features == "body_window_angles"
    assert np.abs(again.predict_proba(w) - probs).max() < 1e-6
    assert np.abs(again.predict_one(w[0]) - one[0]).max() < 1e-5


def test_tree_ensemble_keeps_the_contract_and_scikit_learns_answers(tmp_path: Path) -> None:
    """model.arch trees: the forest grown by scikit-learn, walked by a Keras layer, on the
    batch and the single-window TFLite paths, saved and loaded exactly."""
    from gymlib.features import mirrored, window_stats
    from gymlib.trees import as_keras, fit_extra_trees

    cfg = load_config()
    model_cfg = dataclasses.replace(cfg.model, arch="trees", features="window_stats", trees=12,
                                    tree_depth=10)  # fmt: skip
    cfg = dataclasses.replace(cfg, model=model_cfg)
    data = synthetic_windows(36, seed=13)
    tr, va = group_split(data.group, 0.25, seed=0)
    clf, hist = train_classifier(data.windows[tr], data.labels[tr], data.windows[va],
                                 data.labels[va], config=cfg, progress=False)  # fmt: skip
    assert clf.model.name == "trees" and clf.model.input_shape == (None, 464)
    assert hist.unit == "tree" and len(hist.val_loss) == len(hist.loss) == 12
    assert hist.val_accuracy[-1] > 0.6, hist.val_accuracy  # six classes: chance is 0.17
    assert clf.model.layers[-1].depth <= 10
    w = data.windows[va[:40]]
    probs = clf.predict_proba(w)
    assert probs.shape == (40, 6) and np.allclose(probs.sum(1), 1, atol=1e-5)
    one = np.stack([clf.predict_one(x) for x in w[:12]])
    assert np.abs(one - probs[:12]).max() < 1e-4
    # every window is averaged with its mirror image: a mirror changes no answer
    assert clf.model.layers[-1].mirrored
    assert np.abs(clf.predict_proba(mirrored(w)) - probs).max() < 1e-5
    again = ExerciseClassifier.load(clf.save(tmp_path / "trees.keras"))
    assert again.features == "window_stats" and again.temperature == clf.temperature
    assert np.abs(again.predict_proba(w) - probs).max() < 1e-6
    assert np.abs(again.predict_one(w[0]) - one[0]).max() < 1e-6
    # the Keras layer reaches the same leaves as scikit-learn's forest (whose class shares are
    # kept as float16), also for values that sit exactly on a threshold
    x = window_stats(data.windows)
    forest = fit_extra_trees(x[tr], data.labels[tr], 6, n_trees=8, seed=1)
    on_edge = x[va].copy()
    # a root split whose float64 threshold rounds up to the nearest float32: that float32 value
    # lies to the right in scikit-learn and must stay there
    tree = next(t for t in (e.tree_ for e in forest.estimators_)
                if np.float32(t.threshold[0]) > t.threshold[0])  # fmt: skip
    on_edge[:, tree.feature[0]] = np.float32(tree.threshold[0])
    for rows in (x[va], on_edge):
        keras_probs = np.asarray(as_keras(forest, 6).predict_on_batch(rows))
        assert np.abs(keras_probs - forest.predict_proba(rows)).max() < 1e-3
    with pytest.raises(ValueError, match="labels must lie in 0..5"):
        fit_extra_trees(x[:4], np.array([0, 1, 2, 6]), 6)
    # a sequence feature set cannot feed the trees, nor the summary rows a network
    with pytest.raises(ValueError, match="do not suit model.arch 'trees'"):
        train_classifier(data.windows[:8], data.labels[:8], data.windows[:0], data.labels[:0],
                         config=cfg, features="body_window", progress=False)  # fmt: skip


def test_bad_input_is_refused_clearly(tiny) -> None:
    clf, data = tiny
    with pytest.raises(ValueError, match=r"\(N, 30, 132\)"):
        clf.predict_proba(np.zeros((4, 29, 132), np.float32))
    bad = data.windows[:2].copy()
    bad[1, 3, 7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.predict_proba(bad)
    with pytest.raises(ValueError, match=r"\(30, 132\)"):
        clf.predict_one(data.windows[:2])


def test_unknown_below_the_threshold(tiny) -> None:
    clf, _ = tiny
    flat = np.full(6, 1 / 6)
    assert clf.decide(flat) == UNKNOWN
    sure = np.eye(6)[2]
    assert clf.decide(sure) == SEED_EXERCISES[2]
    assert clf.decide(np.array([0.5, 0.5, 0, 0, 0, 0]), threshold=0.4) == SEED_EXERCISES[0]


def test_save_load_is_exact_atomic_and_never_overwrites(tiny, tmp_path: Path) -> None:
    clf, data = tiny
    path = clf.save(tmp_path / "m.keras", data={"what": "test"})
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["classes"] == list(SEED_EXERCISES) and card["features"] == clf.features
    assert card["input"]["shape"] == [None, 30, 132] and "versions" in card
    assert path.with_suffix(".tflite").is_file()
    again = ExerciseClassifier.load(path)
    assert again.temperature == pytest.approx(clf.temperature)
    w = data.windows[:16]
    assert np.abs(again.predict_proba(w) - clf.predict_proba(w)).max() < 1e-6
    assert np.abs(again.predict_one(w[0]) - clf.predict_one(w[0])).max() < 1e-6
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        clf.save(path)
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_promote_keeps_the_previous_model(tiny, tmp_path: Path) -> None:
    clf, _ = tiny
    a = clf.save(tmp_path / "a" / "m.keras")
    target = tmp_path / "shipped" / "exercise_classifier.keras"
    promote(a, target=target)
    promote(a, target=target)
    assert target.is_file() and target.with_suffix(".json").is_file()
    assert (target.parent / "exercise_classifier.previous.keras").is_file()


def test_load_missing_model_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="03_training"):
        ExerciseClassifier.load(tmp_path / "nothing.keras")


def test_temperature_recovers_overconfidence() -> None:
    rng = np.random.default_rng(0)
    n, c = 4000, 6
    logits = rng.normal(0, 2, (n, c))
    true_p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    labels = np.array([rng.choice(c, p=p) for p in true_p])
    over = np.exp(logits * 2.5)  # a model 2.5x too confident
    over /= over.sum(1, keepdims=True)
    t = fit_temperature(over, labels)
    assert t == pytest.approx(2.5, rel=0.1)
    ece_before, _ = expected_calibration_error(over, labels)
    z = np.log(over) / t
    cal = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    assert expected_calibration_error(cal, labels)[0] < ece_before / 2


def test_metrics_on_a_known_example() -> None:
    cm = confusion_matrix(np.array([0, 0, 1, 1, 2]), np.array([0, 1, 1, 1, 2]), 3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [0, 0, 1]]
    assert np.allclose(f1_per_class(cm), [2 / 3, 0.8, 1.0])


def test_augmentation_noise_spares_visibility_and_empty_frames() -> None:
    import dataclasses

    data = synthetic_windows(6, seed=2)
    w = data.windows[:8].copy()
    w[0, 5:9] = 0.0
    noise_only = dataclasses.replace(
        load_config().augmentation,
        noise_std=0.02,
        max_shift=0,
        flip_prob=0.0,
        view_prob=0.0,
        crop_prob=0.0,
        roll_prob=0.0,
    )
    out = augment(w, np.random.default_rng(0), noise_only)
    lm_in, lm_out = from_seed_windows(w), from_seed_windows(out)
    assert np.all(lm_out[0, 5:9] == 0)  # no person stays no person
    assert np.array_equal(lm_out[..., 3], lm_in[..., 3])  # visibility untouched
    assert 0.01 < np.std(lm_out[..., :3] - lm_in[..., :3]) < 0.03
    shift_only = dataclasses.replace(noise_only, noise_std=0.0, max_shift=2)
    shifted = from_seed_windows(augment(w, np.random.default_rng(1), shift_only))
    # a shift moves frames in time without wrapping the end round to the start
    for i in range(len(w)):
        ok = [np.array_equal(shifted[i, 2:28], lm_in[i, 2 + s : 28 + s]) for s in range(-2, 3)]
        assert any(ok)


def test_crop_legs_hides_what_is_below_the_frame_edge_only() -> None:
    data = synthetic_windows(12, seed=5)
    w = data.windows[data.labels == SEED_EXERCISES.index("squat")][:6].copy()
    w[0, :4] = 0.0  # frames with no person
    lm_in = from_seed_windows(w)
    assert np.array_equal(crop_legs(w, np.random.default_rng(0), prob=0.0), w)
    lm_out = from_seed_windows(crop_legs(w, np.random.default_rng(0), prob=1.0))
    assert np.all(lm_out[0, :4] == 0)  # no person stays no person
    ankles = [L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL]
    assert np.all(lm_out[:, 4:][..., ankles, 3] <= 0.15)  # cut off: visibility near 0
    assert np.all(lm_out[1:, :][..., ankles, 3] <= 0.15)
    assert not np.allclose(lm_out[1:][..., ankles, :2], lm_in[1:][..., ankles, :2])
    upper = [L.NOSE, L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_WRIST, L.RIGHT_WRIST]
    assert np.array_equal(lm_out[..., upper, :], lm_in[..., upper, :])  # the top is kept


SHIPPED = Path(__file__).resolve().parent.parent / "models" / "exercise_classifier.keras"


@pytest.mark.skipif(not SHIPPED.is_file(), reason="no shipped model yet")
def test_shipped_model_loads_and_agrees_with_itself() -> None:
    from gymlib.model import OTHER

    clf = ExerciseClassifier.load()
    six = load_config().exercises
    assert clf.classes in (six, (*six, OTHER))  # the six, then "other" if trained with it
    data = synthetic_windows(12, seed=9)
    p = clf.predict_proba(data.windows[:10])
    assert p.shape == (10, len(clf.classes)) and np.allclose(p.sum(1), 1, atol=1e-5)
    assert np.abs(clf.predict_one(data.windows[0]) - p[0]).max() < 1e-4
    assert SHIPPED.stat().st_size < 10 * 1024 * 1024


def test_other_windows_hold_every_movement_and_idle_parts() -> None:
    from gymlib.model import OTHER
    from gymlib.training import other_windows, view_windows
    from gymlib.windows import with_classes

    classes = (*SEED_EXERCISES, OTHER)
    other = other_windows(18, seed=3, classes=classes)
    assert len(other) > 0 and set(other.labels) == {classes.index(OTHER)}
    assert len(set(other.group)) == 18  # one group per clip: group splits keep clips whole
    with pytest.raises(ValueError, match="other"):
        other_windows(3, seed=3, classes=SEED_EXERCISES)
    views = view_windows(12, seed=3)
    assert set(views.labels) == set(range(6)) and views.classes == SEED_EXERCISES
    assert with_classes(views, classes).labels.tolist() == views.labels.tolist()


def test_generated_training_windows_take_mediapipe_like_depth() -> None:
    """``depth="mediapipe"`` changes only z of the generated windows: the same clips, poses and
    visibility, with MediaPipe's guess of depth instead of the truth (notebook 03 SYNTH_DEPTH)."""
    from gymlib.model import OTHER
    from gymlib.training import other_windows, view_windows

    classes = (*SEED_EXERCISES, OTHER)
    for make in (
        lambda depth: view_windows(6, seed=4, depth=depth),
        lambda depth: other_windows(3, seed=4, classes=classes, depth=depth),
    ):
        true, guessed = make("true"), make("mediapipe")
        a, b = (w.windows.reshape(len(w), 30, 33, 4) for w in (true, guessed))
        assert a.shape == b.shape and true.labels.tolist() == guessed.labels.tolist()
        assert np.array_equal(a[..., [0, 1, 3]], b[..., [0, 1, 3]])
        present = np.any(a != 0, axis=-1)
        assert np.mean(np.abs(a[..., 2] - b[..., 2])[present] > 1e-3) > 0.5
    with pytest.raises(ValueError, match="depth"):
        view_windows(1, seed=4, depth="lidar")


def test_the_shipped_classifier_answers_threads_at_once() -> None:
    """The live coach's frames and the dashboard's history panel (a replay) ask the same
    classifier from two threads: its interpreter holds one window, and two at once raised
    "There is at least 1 reference to internal data in the interpreter" (the history panel
    stayed at "reading the saved sessions...")."""
    import threading

    from gymlib.synth import generate_clip

    clf = ExerciseClassifier.load()
    windows = [generate_clip(ex, 3, seed=1, view="left").landmarks[:30].reshape(30, 132)
               for ex in ("squat", "push_up", "pull_up", "bench_press")]  # fmt: skip
    alone = [clf.predict_one(w) for w in windows]
    errors, wrong = [], []

    def ask(k: int) -> None:
        try:
            answers = [clf.predict_one(windows[k]) for _ in range(300)]
            wrong.extend(k for p in answers if not np.allclose(p, alone[k], atol=1e-6))
        except Exception as exc:  # noqa: BLE001 - the failure under test
            errors.append(repr(exc))

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(len(windows))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and wrong == []
