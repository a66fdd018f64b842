"""Fault probes on state (issue 38, items 3-7): config, models and promotion, sessions and
history, downloads, the live time base. Each test names its row of
``../shared/reference/fault-probes-2026-12.md``; every row that was not "ok" on e61a973 is
here. Real files, real TensorFlow models, real MediaPipe, real processes: kills are SIGKILL of a
child process at an injected point, a full disk is ``RLIMIT_FSIZE`` in a child.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SureSquat, history_and_warnings

from gymlib.config import DEFAULT_CONFIG_PATH, SEED_EXERCISES, ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "models" / "exercise_classifier.keras"


def _child(code: str, *, timeout: float = 240, env: dict[str, str] | None = None):  # noqa: ANN202
    """Run ``code`` in a fresh Python with this worktree's gymlib; returns the CompletedProcess."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
            "OMP_NUM_THREADS": "1", **(env or {})}  # fmt: skip
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=full, cwd=ROOT, check=False)  # fmt: skip


# ============================================================================================
# config.yaml: rows 53, 58-65 (every section checked when the file is loaded)
# ============================================================================================
def _config(tmp_path: Path, edit) -> Path:  # noqa: ANN001
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    edit(data)
    p = tmp_path / "edited.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


@pytest.mark.parametrize(
    ("row", "edit", "message"),
    [
        (58, lambda d: d["reps"].update(min_rep_s=-1),
         r"reps\.min_rep_s: -1\.0 is out of range; allowed 0\.05 to 10\.0"),
        (59, lambda d: d["reps"].update(min_rep_sec=0.5),
         r"reps: unknown key\(s\) \['min_rep_sec'\]"),
        (60, lambda d: d["live"].update(min_person_frames="two"),  # the probe's live.vote is gone
         r"live\.min_person_frames: expected an integer, got 'two'"),
        (61, lambda d: d["live"].update(votes=2), r"live: unknown key\(s\) \['votes'\]"),
        (62, lambda d: d["pipeline"].update(schedular="local"),
         r"pipeline: unknown key\(s\) \['schedular'\]"),
        (63, lambda d: d.update(pipeline="local"), r"pipeline: expected a mapping of keys"),
        (64, lambda d: d["pipeline"].update(scheduler=8786),
         r"pipeline\.scheduler: 8786 is not str or null"),
        (64, lambda d: d["pipeline"].update(scheduler="somewhere"),
         r"pipeline\.scheduler: 'somewhere' is not a scheduler"),
        (None, lambda d: d["extraction"].update(wide_search_s=0.01),
         r"extraction\.wide_search_s: 0\.01 s; give 0"),
        (65, lambda d: d.update(synth={"anything": [1, 2, {"x": "y"}]}),
         r"unknown section\(s\) \['synth'\]"),
        (67, lambda d: d["rules"]["squat"]["checks"][0].update(fail_above="deep"),
         r"rules\.squat\.checks\[0\]\.fail_above: 'deep'"),
        (53, lambda d: d.pop("rules"), r"no 'rules' section"),
    ],
)  # fmt: skip
def test_every_section_is_checked_when_the_file_is_loaded(tmp_path, row, edit, message) -> None:  # noqa: ANN001
    path = _config(tmp_path, edit)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value), f"row {row}: the message names the file"


@pytest.mark.parametrize("text", ["", "# only a comment\n# and another\n"])
def test_row53_an_empty_config_is_refused_at_load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="no sections") as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_config_sections_still_load_and_are_typed() -> None:
    from gymlib.config import load_pipeline_config

    cfg = load_config(DEFAULT_CONFIG_PATH)
    assert load_pipeline_config(cfg).scheduler is None
    assert "synth" not in cfg.extra


# ============================================================================================
# Model files: rows 74-76, 79-80, 82-83 (a card bound to its model; corrupt says corrupt)
# ============================================================================================
def _tiny_model(folder: Path, seed: int, classes=SEED_EXERCISES, perm=None) -> Path:  # noqa: ANN001
    """A small untrained BiLSTM saved with its card, .tflite and manifest (real TensorFlow);
    ``perm`` reorders its outputs (and class names) without changing what it predicts."""
    import keras

    from gymlib.model import ExerciseClassifier, build_bilstm

    net = build_bilstm(len(classes), 132, units=(4, 4), dense=4, seed=seed)
    last = net.layers[-1]  # sharper outputs: no near-ties that rounding could flip
    last.set_weights([w * 40 for w in last.get_weights()])
    if perm is not None:  # the same predictions, another output order
        out = keras.layers.Dense(len(classes), use_bias=False, name="perm")
        model = keras.Model(net.inputs, out(net.outputs[0]))
        model.get_layer("perm").set_weights([np.eye(len(classes))[:, perm].astype("float32")])
        classes = [classes[i] for i in perm]
        net = model
    return ExerciseClassifier(net, classes, "body").save(folder / "m.keras")


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:  # noqa: ANN001
    return _tiny_model(tmp_path_factory.mktemp("model"), seed=1)


def _copy(src: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for f in src.parent.iterdir():
        if f.name.startswith(src.stem + "."):
            shutil.copyfile(f, folder / f.name)
    return folder / src.name


def _edit_card(p: Path, **changes) -> Path:  # noqa: ANN003
    card = json.loads(p.with_suffix(".json").read_text())
    card.update(changes)
    p.with_suffix(".json").write_text(json.dumps(card))
    return p.with_suffix(".json")


def test_a_saved_model_loads_and_its_manifest_binds_the_files(saved: Path) -> None:
    from gymlib.model import ExerciseClassifier

    manifest = json.loads(saved.with_name("m.manifest.json").read_text())
    assert set(manifest["files"]) == {".keras", ".json", ".tflite"}
    assert manifest["files"][".keras"] == hashlib.sha256(saved.read_bytes()).hexdigest()
    clf = ExerciseClassifier.load(saved)
    assert clf.classes == SEED_EXERCISES


@pytest.mark.parametrize("manifest", [True, False], ids=["manifest", "no-manifest"])
@pytest.mark.parametrize(
    "damage",
    ["truncated", "random", "empty", "hdf5"],
)
def test_rows74_75_a_corrupt_keras_says_corrupt(saved, tmp_path, damage, manifest) -> None:  # noqa: ANN001
    from gymlib.model import ExerciseClassifier

    p = _copy(saved, tmp_path)
    data = p.read_bytes()
    p.write_bytes({"truncated": data[: len(data) // 3], "random": os.urandom(4000),
                   "empty": b"", "hdf5": b"\x89HDF\r\n\x1a\n" + bytes(500)}[damage])  # fmt: skip
    if not manifest:  # a model saved before manifests: Keras' own error is translated
        p.with_name("m.manifest.json").unlink()
    with pytest.raises(ValueError, match="corrupt") as info:
        ExerciseClassifier.load(p)
    assert str(p) in str(info.value) and "not found" not in str(info.value).lower()


def test_row76_a_card_that_is_not_json_is_named(saved: Path, tmp_path: Path) -> None:
    from gymlib.model import ExerciseClassifier

    p = _copy(saved, tmp_path)
    p.with_suffix(".json").write_text("{classes: [squat]\n")
    with pytest.raises(ValueError, match="not valid JSON") as info:
        ExerciseClassifier.load(p)
    assert str(p.with_suffix(".json")) in str(info.value)


@pytest.mark.parametrize("manifest", [True, False], ids=["manifest", "no-manifest"])
def test_row80_a_card_with_another_feature_set_is_refused_at_load(
    saved, tmp_path, manifest
) -> None:  # noqa: ANN001, E501
    from gymlib.model import ExerciseClassifier

    p = _copy(saved, tmp_path)
    card = _edit_card(p, features="window_stats")  # the trees' set on a network
    if not manifest:
        p.with_name("m.manifest.json").unlink()
    with pytest.raises(ValueError, match="does not belong to this model") as info:
        ExerciseClassifier.load(p)
    assert str(card) in str(info.value)


def test_row79_a_card_listing_the_classes_in_another_order_is_refused(saved, tmp_path) -> None:  # noqa: ANN001
    from gymlib.model import ExerciseClassifier

    p = _copy(saved, tmp_path)
    card = _edit_card(p, classes=list(reversed(SEED_EXERCISES)))
    with pytest.raises(ValueError, match="classes .* does not belong to this model") as info:
        ExerciseClassifier.load(p)
    assert str(card) in str(info.value)


@pytest.mark.parametrize(("row", "temperature"), [(82, 0), (82, -1.0), (83, "hot")])
def test_rows82_83_a_temperature_not_above_zero_is_refused(
    saved, tmp_path, row, temperature
) -> None:  # noqa: ANN001, E501
    from gymlib.model import ExerciseClassifier

    p = _copy(saved, tmp_path)
    card = _edit_card(p, temperature=temperature)
    p.with_name("m.manifest.json").unlink()  # the card check itself, not the manifest's
    with pytest.raises(ValueError, match=r"temperature must be a number > 0") as info:
        ExerciseClassifier.load(p)
    assert str(card) in str(info.value), f"row {row}"


def test_row87_no_allow_pickle_anywhere() -> None:
    needle = "allow_pickle=" + "True"
    hits = [str(f.relative_to(ROOT)) for d in ("gymlib", "benchmarks", "tests", "notebooks")
            for f in (ROOT / d).rglob("*") if f.suffix in (".py", ".ipynb")
            and needle in f.read_text(encoding="utf-8")]  # fmt: skip
    assert hits == []


# ============================================================================================
# Promotion: row 100 (a kill at any point), promote_if_better by class name
# ============================================================================================
@pytest.fixture(scope="module")
def three_models(tmp_path_factory) -> tuple[Path, Path, Path]:  # noqa: ANN001
    base = tmp_path_factory.mktemp("three")
    return tuple(_tiny_model(base / k, seed=s) for k, s in (("a", 1), ("b", 2), ("c", 3)))


# a child process counts each wrapped call and SIGKILLs itself at call number $KILL_AT
_KILL_HOOK = """
    import os, signal
    kill_at, calls = int(os.environ["KILL_AT"]), [0]

    def step(fn):  # every copy, rename and archive written is a point a kill can hit
        def wrapped(*a, **k):
            calls[0] += 1
            if calls[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return fn(*a, **k)
        return wrapped
"""

_PROMOTE_CHILD = (
    _KILL_HOOK
    + """
    import shutil, sys
    from pathlib import Path
    import numpy as np

    shutil.copyfile = step(shutil.copyfile)
    os.replace, os.rename = step(os.replace), step(os.rename)
    os.fsync = step(os.fsync)
    from gymlib.training import promote
    promote(Path(sys.argv[1]), target=Path(sys.argv[2]))
    print("STEPS", calls[0])
"""
)


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _promote_in_child(candidate: Path, target: Path, kill_at: int) -> subprocess.CompletedProcess:
    code = textwrap.dedent(_PROMOTE_CHILD).replace("sys.argv[1]", repr(str(candidate)))
    code = code.replace("sys.argv[2]", repr(str(target)))
    return _child(code, env={"KILL_AT": str(kill_at)})


def test_row100_a_kill_at_any_point_of_promotion_leaves_whole_models(
    three_models, tmp_path
) -> None:  # noqa: ANN001, E501
    from gymlib.model import ExerciseClassifier
    from gymlib.training import promote

    a, b, c = three_models
    start = tmp_path / "start" / "exercise_classifier.keras"
    promote(a, target=start)
    promote(b, target=start)  # shipped: b, previous: a
    dry = _promote_in_child(c, _copy(start, tmp_path / "dry"), kill_at=0)
    assert dry.returncode == 0, dry.stderr
    steps = int(dry.stdout.split("STEPS")[1])
    assert steps >= 6
    seen = set()
    for k in range(1, steps + 1):
        target = _copy(start, tmp_path / f"k{k}")
        run = _promote_in_child(c, target, kill_at=k)
        assert run.returncode == -9, f"step {k}: {run.stderr[-400:]}"
        shipped = ExerciseClassifier.load(target)  # finishes a committed promotion
        now = _sha(target)
        assert now in (_sha(b), _sha(c)), f"step {k}: the shipped model is a mix"
        previous = target.with_name("exercise_classifier.previous.keras")
        ExerciseClassifier.load(previous)  # complete, its card and manifest agree
        assert _sha(previous) == (_sha(b) if now == _sha(c) else _sha(a)), f"step {k}"
        # the live path (TFLite) runs the same model as predict_proba
        w = np.random.default_rng(k).random((1, 30, 132)).astype("float32")
        assert np.abs(shipped.predict_one(w[0]) - shipped.predict_proba(w)[0]).max() < 1e-4
        seen.add(now)
        leftovers = [p.name for p in target.parent.iterdir() if p.name.startswith(".")]
        promote(a, target=target)  # the next promotion cleans up what a kill left
        assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []
        del leftovers
    assert seen == {_sha(b), _sha(c)}, "kills hit both before and after the commit point"


def test_promote_if_better_compares_by_class_name(tmp_path: Path) -> None:
    from gymlib.pipeline import promote_if_better
    from gymlib.training import synthetic_windows

    perm = [3, 5, 0, 2, 1, 4]
    candidate = _tiny_model(tmp_path / "new", seed=7)
    shipped = _tiny_model(tmp_path / "shipped", seed=7, perm=perm)  # the same, reordered
    target = tmp_path / "models" / "exercise_classifier.keras"
    _copy(shipped, target.parent)
    for f in target.parent.iterdir():
        f.rename(f.with_name(f.name.replace("m.", "exercise_classifier.", 1)))
    before = _sha(target)
    data = synthetic_windows(24, seed=8)
    from gymlib.model import ExerciseClassifier

    # windows the model is sure of (a few read as exactly uniform: a tie no order can break)
    sure = ExerciseClassifier.load(candidate).predict_proba(data.windows).max(axis=1) > 0.2
    promoted, new_f1, old_f1 = promote_if_better(candidate, data.windows[sure],
                                                 data.labels[sure], target=target)  # fmt: skip
    assert new_f1 == pytest.approx(old_f1), "the same predictions score the same"
    assert not promoted and _sha(target) == before


def test_run_json_is_written_atomically_and_says_when_interrupted(tmp_path: Path) -> None:
    from gymlib import pipeline

    def boom(*_a, **_k) -> None:  # noqa: ANN002, ANN003
        raise KeyboardInterrupt

    orig = pipeline._run_notebooks
    pipeline._run_notebooks = boom
    try:
        with pytest.raises(KeyboardInterrupt):
            pipeline.retrain("synthetic", runs=tmp_path, progress=False)
    finally:
        pipeline._run_notebooks = orig
    (run,) = tmp_path.iterdir()
    record = json.loads((run / "run.json").read_text())
    assert record["status"] == "interrupted" and record["pid"] == os.getpid()


# ============================================================================================
# Sessions: rows 89, 95, 96; kills while saving; memory
# ============================================================================================
def _session_arrays(n: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n) / 30.0
    lm = np.full((n, 33, 4), scale, np.float32)
    return t, lm


def test_row89_two_threads_saving_in_the_same_second_both_land_intact(tmp_path: Path) -> None:
    from gymlib.recording import load_session, save_session, session_paths

    barrier, errors, out = threading.Barrier(2), [], {}
    arrays = {k: _session_arrays(9000, k + 1.0) for k in range(2)}  # 5 minutes each

    def save(k: int) -> None:
        barrier.wait()
        try:
            out[k] = save_session(tmp_path, *arrays[k], summary={"thread": k})
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(k,)) for k in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert sorted(session_paths(tmp_path)) == sorted(out.values())
    for k, path in out.items():
        rec = load_session(path)
        assert rec.summary["thread"] == k and np.all(rec.landmarks == k + 1.0)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("fault", ["nan landmarks", "backwards time", "nan time"])
def test_row95_what_cannot_be_replayed_is_refused_at_save(tmp_path: Path, fault: str) -> None:
    from gymlib.recording import save_session

    t, lm = _session_arrays(60, 0.5)
    if fault == "nan landmarks":
        lm[17, 3, 0] = np.nan
    elif fault == "backwards time":
        t[17] = t[16] - 0.5
    else:
        t[17] = np.nan
    with pytest.raises(ValueError, match="frame 17") as info:
        save_session(tmp_path, t, lm)
    assert "nothing was saved" in str(info.value)
    assert list(tmp_path.iterdir()) == []


_SAVE_CHILD = (
    _KILL_HOOK
    + """
    import json, sys
    import numpy as np

    np.savez_compressed = step(np.savez_compressed)
    json.dumps = step(json.dumps)
    os.rename = step(os.rename)
    from gymlib.recording import save_session
    t = np.arange(300) / 30.0
    save_session(ROOT, t, np.full((300, 33, 4), 0.25, np.float32),
                 events=[{"type": "rep", "t": 1.0}, {"type": "rep", "t": 2.0}])
    print("STEPS", calls[0])
"""
)


def test_a_kill_while_saving_leaves_no_half_session(tmp_path: Path) -> None:
    from gymlib.history import session_history
    from gymlib.recording import load_session, save_session, session_paths

    earlier = save_session(tmp_path / "dry", *_session_arrays(30, 0.5))
    code = textwrap.dedent(_SAVE_CHILD)
    dry = _child(code.replace("ROOT", repr(str(tmp_path / "dry"))), env={"KILL_AT": "0"})
    assert dry.returncode == 0, dry.stderr
    steps = int(dry.stdout.split("STEPS")[1])
    for k in range(1, steps + 1):
        root = tmp_path / f"k{k}"
        shutil.copytree(earlier, root / earlier.name)
        before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
        run = _child(code.replace("ROOT", repr(str(root))), env={"KILL_AT": str(k)})
        assert run.returncode == -9, run.stderr[-400:]
        assert {p: p.read_bytes() for p in before} == before  # the earlier session intact
        for p in session_paths(root):
            assert len(load_session(p).timestamps) in (30, 300)  # whole or absent
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing half-written is seen by the history
            session_history(root, classifier=SureSquat())


_VIDEO_CHILD = """
    import resource, signal
    import numpy as np
    from gymlib.widgets.coach import LiveCoach

    class Sure:
        classes = %r
        def predict_one(self, window):
            return np.eye(6)[1]

    coach = LiveCoach(Sure(), sessions=%r)
    coach.save_video.value = True
    coach.spool.append(0.0, None)  # a frame came (a session of none is not saved)
    coach._save()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
    coach.camera._on_msg(None, {"type": "video", "mime": "video/webm"}, [b"x" * 1_000_000])
    print("DASHBOARD", coach.saved.value)
    coach.close()
"""


def test_row96_a_video_that_cannot_be_saved_is_reported_in_the_dashboard(tmp_path: Path) -> None:
    run = _child(_VIDEO_CHILD % (SEED_EXERCISES, str(tmp_path)))
    assert run.returncode == 0, run.stderr[-800:]
    shown = run.stdout.split("DASHBOARD", 1)[1]
    assert "could not be saved" in shown and "File too large" in shown
    (folder,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert not list(folder.glob("video*")) and (folder / "landmarks.npz").is_file()


# ============================================================================================
# Session history: rows 125-129 (a damaged or foreign file is skipped and named)
# ============================================================================================
@pytest.fixture()
def sessions(tmp_path: Path) -> list[Path]:
    from gymlib.recording import save_session
    from gymlib.synth import generate_clip

    out = []
    for k in range(3):
        clip = generate_clip("squat", 3, seed=20 + k, view="left", idle=False)
        t = np.arange(len(clip.landmarks)) / clip.fps
        out.append(save_session(tmp_path, t, clip.landmarks, fps=clip.fps, aspect=clip.aspect))
    return out


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: max(len(p.read_bytes()) // 2, 5)])


@pytest.mark.parametrize("row", [125, 127, 128, 129])
def test_rows125_129_history_skips_and_names_a_damaged_or_foreign_file(sessions, row) -> None:  # noqa: ANN001
    folder = sessions[0].parent
    full, _ = history_and_warnings(folder)
    assert set(full["session"]) == {p.name for p in sessions}
    damaged = {125: sessions[1] / "summary.json", 127: sessions[1] / "landmarks.npz",
               128: folder / "unrelated.npz", 129: folder / "junk.npz"}[row]  # fmt: skip
    if row in (125, 127):
        _truncate(damaged)
    elif row == 128:
        np.savez(damaged, weights=np.zeros(3))
    else:
        damaged.write_bytes(b"\x80\x04junk, not an archive" * 10)
    table, messages = history_and_warnings(folder)
    kept = {p.name for p in sessions} - ({sessions[1].name} if row in (125, 127) else set())
    assert set(table["session"]) == kept and len(table) == sum(full["session"].isin(kept))
    assert any(str(damaged) in m for m in messages), messages
    assert any(str(damaged) in m for m in table.attrs["skipped"].values())


def test_row126_a_damaged_reps_cache_is_rebuilt(sessions) -> None:  # noqa: ANN001
    folder = sessions[0].parent
    full, _ = history_and_warnings(folder)
    from gymlib.history import REPS_CACHE

    cache = sessions[2] / REPS_CACHE
    _truncate(cache)
    table, messages = history_and_warnings(folder)
    assert table.equals(full) and not [m for m in messages if "session history" in m]
    rows = json.loads(cache.read_text())  # rewritten whole
    assert len(rows) == int((full["session"] == sessions[2].name).sum()) > 0


# ============================================================================================
# Live: rows 102, 111, 113-115, 123, 124 (real MediaPipe on JPEG frames)
# ============================================================================================
@pytest.fixture(scope="module")
def jpeg() -> bytes:
    import cv2
    from skimage import data

    img = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (320, 240))
    return cv2.imencode(".jpg", img)[1].tobytes()


@pytest.fixture()
def coach(tmp_path: Path):  # noqa: ANN201
    from gymlib.widgets.coach import LiveCoach

    c = LiveCoach(SureSquat(), sessions=tmp_path)
    yield c
    c.close()


@pytest.mark.parametrize(("row", "absurd"), [(113, 1e9), (114, 1e300), (114, float("nan"))])
def test_rows113_114_an_absurd_time_does_not_poison_later_frames(coach, jpeg, row, absurd) -> None:  # noqa: ANN001, E501
    for i in range(10):
        coach._handle(jpeg, i / 30)
    coach._handle(jpeg, absurd)
    for i in range(11, 21):
        coach._handle(jpeg, i / 30)  # row 114: each of these failed before
    t = np.array([r[0] for r in coach.recording])
    assert len(t) == 21 and np.all(np.diff(t) > 0) and t[-1] < 1.0, f"row {row}: {t[-3:]}"
    assert np.median(np.diff(t[11:])) == pytest.approx(1 / 30, rel=1e-3)


def test_the_frame_clock_keeps_one_increasing_time_base() -> None:
    from gymlib.widgets.coach import FrameClock

    clock = FrameClock()
    run = [i / 30 for i in range(30)]
    times = [clock(t) for t in run]
    assert times == run  # within a camera run the browser's times are used as they are
    restarted = [clock(t) for t in run]  # the camera restarted: the browser counts from 0
    assert np.allclose(np.diff(restarted), 1 / 30) and restarted[0] == pytest.approx(1.0)
    assert clock(1e300) == pytest.approx(restarted[-1] + 1 / 30)  # a glitch: one interval on
    # measured from the last good frame (0.967 s): 1.0 s is one interval after it, just after
    # the glitch frame's time
    assert clock(1.0) == pytest.approx(restarted[-1] + 1 / 30, abs=1e-5)
    paused = [clock(1000.0 + i / 30) for i in range(5)]  # a real pause of 1000 s: 3 agree
    assert np.all(np.diff(paused) > 0) and np.allclose(np.diff(paused[2:]), 1 / 30)


def test_row115_the_time_base_survives_a_camera_restart(coach, jpeg) -> None:  # noqa: ANN001
    import cv2

    wide = cv2.imencode(".jpg", cv2.resize(cv2.imdecode(np.frombuffer(jpeg, np.uint8), 1),
                                           (640, 360)))[1].tobytes()  # fmt: skip
    for i in range(60):
        coach._handle(jpeg, (i + 1) / 30)  # 2 s
    for i in range(60):  # the size changed: the browser restarts the camera, t from 0 again
        coach._handle(wide, (i + 1) / 30)
    t = np.array([r[0] for r in coach.recording])
    assert np.all(np.diff(t) > 0)
    assert t[-1] - t[0] == pytest.approx(119 / 30, abs=0.05)  # 4 s, not 2 s + 60 ms
    assert coach.session.aspect == pytest.approx(16 / 9)
    path = coach._save()
    summary = json.loads((path / "summary.json").read_text())
    assert summary["seconds"] == pytest.approx(119 / 30, abs=0.05)


def test_a_camera_delivering_15_frames_a_second_is_saved_as_15(coach, jpeg) -> None:  # noqa: ANN001
    """The coach asks 30 of the camera; a webcam in dim light or a loaded machine gives 15:
    the saved session says what it coached on beside what was asked."""
    for i in range(45):
        coach._handle(jpeg, (i + 1) / 15)  # 3 s
    summary = json.loads((coach._save() / "summary.json").read_text())
    assert summary["fps"] == 30.0 and summary["measured_fps"] == pytest.approx(15.0, abs=0.01)
    assert summary["frames"] == 45 and summary["seconds"] == pytest.approx(44 / 15)


def test_row111_an_oversized_frame_is_downscaled_and_keeps_the_replay_buffer(coach, jpeg) -> None:  # noqa: ANN001, E501
    import cv2

    from gymlib.widgets.coach import MAX_FRAME_SIDE, decode_frame

    big = cv2.imencode(".jpg", np.full((8000, 8000, 3), 90, np.uint8))[1].tobytes()
    assert max(decode_frame(big).shape[:2]) <= MAX_FRAME_SIDE
    for i in range(20):
        coach._handle(jpeg, i / 30)
    recent = len(coach.session._recent)
    coach._handle(big, 20 / 30)  # one odd frame: another shape
    coach._handle(jpeg, 21 / 30)
    assert coach.session.aspect == pytest.approx(4 / 3)
    assert len(coach.session._recent) == recent + 2, "the replay buffer was emptied"


def test_row102_an_empty_frame_gets_a_plain_message(coach) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match=r"the frame is empty \(0 bytes\)"):
        coach._handle(b"", 0.0)


def test_row123_recorded_frames_go_to_disk_as_they_come(coach, jpeg) -> None:  # noqa: ANN001
    from gymlib.spool import FRAME_RECORD

    for i in range(40):
        coach._handle(jpeg, i / 30)
    assert "recording" not in vars(coach), "no in-memory list of every frame"
    assert coach.spool.path.stat().st_size == 40 * FRAME_RECORD.itemsize  # written as they come
    path = coach._save()
    assert len(np.load(path / "landmarks.npz")["timestamps"]) == 40
    coach.close()
    assert not coach.spool.path.exists()


def test_row124_a_process_holding_a_live_coach_exits(tmp_path: Path) -> None:
    code = f"""
        import numpy as np
        from gymlib.widgets.coach import LiveCoach

        class Sure:
            classes = {SEED_EXERCISES!r}
            def predict_one(self, window):
                return np.eye(6)[1]

        coach = LiveCoach(Sure(), sessions={str(tmp_path)!r})
        import cv2
        from skimage import data
        img = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
        coach._handle(cv2.imencode(".jpg", img)[1].tobytes(), 0.0)
        print("HOLDING")
    """
    try:
        run = _child(code, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the process hung at exit with a LiveCoach alive")
    assert run.returncode == 0 and "HOLDING" in run.stdout, run.stderr[-600:]


# ============================================================================================
# Downloads: rows 133, 137
# ============================================================================================
def test_row133_a_pose_model_download_is_checked_against_its_digest(tmp_path, monkeypatch) -> None:  # noqa: ANN001, E501
    from gymlib import extract

    installed = tmp_path / "site-packages-mediapipe"
    installed.mkdir()
    wheel = extract.mediapipe_model_dir() / "pose_landmark_full.tflite"
    monkeypatch.setattr(extract, "mediapipe_model_dir", lambda: installed)
    served = tmp_path / "served"
    served.mkdir()
    (served / "pose_landmark_lite.tflite").write_text("<html>Sign in to the hotel Wi-Fi</html>")
    shutil.copyfile(wheel, served / "pose_landmark_full.tflite")
    empty = tmp_path / "user"
    empty.mkdir()
    with pytest.raises(extract.PoseModelUnavailable, match="not the genuine"):
        extract.ensure_pose_model(0, user_model_dir=empty, url_prefix=served.as_uri() + "/")
    assert list(installed.iterdir()) == []  # nothing installed, no temp file left
    # the genuine file is installed through the same checked path
    got = extract.ensure_pose_model(1, user_model_dir=empty, url_prefix=served.as_uri() + "/")
    assert got == installed / "pose_landmark_full.tflite" and _sha(got) == _sha(wheel)
    # a bad file already installed (an earlier download) is not trusted
    (installed / "pose_landmark_lite.tflite").write_text("<html>portal</html>")
    (empty / "pose_landmark_lite.tflite").write_text("<html>portal</html>")
    with pytest.raises(extract.PoseModelUnavailable, match="not the genuine"):
        extract.ensure_pose_model(0, user_model_dir=empty, url_prefix=served.as_uri() + "/")


def test_row137_download_seed_never_writes_outside_its_folder(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from gymlib import sources

    blob = b"frame,x\n0,1\n"
    sha = hashlib.sha1(b"blob %d\0" % len(blob) + blob).hexdigest()  # noqa: S324 - git's id
    escape = f"{sources.SEED_DIR}/../../../../{tmp_path.name}/ESCAPED.csv"
    tree = {"tree": [{"type": "blob", "path": escape, "sha": sha}]}

    def fake_get(url: str) -> bytes:  # a forged API answer (git trees cannot hold "..")
        return json.dumps(tree).encode() if "api.github.com" in url else blob

    from gymlib.sources import seed  # where the download reads the network

    monkeypatch.setattr(seed, "_get", fake_get)
    dest = tmp_path / "a" / "b" / "c" / "seed"
    with pytest.raises(sources.DownloadError, match="outside"):
        sources.download_seed(dest, progress=False)
    assert not list(tmp_path.rglob("ESCAPED.csv"))


_RETRAIN_KILLED = """
    import time
    from gymlib import pipeline

    def hang(*_a, **_k):
        print("RUNNING", flush=True)
        time.sleep(600)

    pipeline._run_notebooks = hang
    pipeline.retrain("synthetic", runs=RUNS, progress=False)
"""


def test_a_retrain_killed_while_running_is_marked_killed_by_the_next(
    tmp_path: Path, capsys
) -> None:  # noqa: ANN001, E501
    """A SIGKILL leaves nothing able to write ``run.json``: it said "running" for good (not done
    in issue 38); the next retrain marks it, and leaves a run whose process lives alone."""
    from gymlib import pipeline

    code = textwrap.dedent(_RETRAIN_KILLED).replace("RUNS", repr(str(tmp_path)))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    children = [subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, text=True,
                                 stdout=subprocess.PIPE) for _ in range(2)]  # fmt: skip
    try:
        for child in children:
            assert child.stdout is not None and child.stdout.readline().strip() == "RUNNING"
        children[0].kill()
        children[0].wait()
        runs = {json.loads(p.read_text())["pid"]: p for p in tmp_path.glob("*/run.json")}
        assert pipeline.mark_killed(tmp_path) == [runs[children[0].pid].parent]
        killed = json.loads(runs[children[0].pid].read_text())
        assert killed["status"] == "killed" and "SIGKILL" in killed["error"]
        assert json.loads(runs[children[1].pid].read_text())["status"] == "running"  # alive
        # the next retrain does it on its own, and says so
        orig = pipeline._run_notebooks
        pipeline._run_notebooks = lambda *_a, **_k: (_ for _ in ()).throw(KeyboardInterrupt)
        children[1].kill()
        children[1].wait()
        try:
            with pytest.raises(KeyboardInterrupt):
                pipeline.retrain("synthetic", runs=tmp_path, progress=False)
        finally:
            pipeline._run_notebooks = orig
        assert json.loads(runs[children[1].pid].read_text())["status"] == "killed"
        said = capsys.readouterr().err
        assert "earlier runs killed while running" in said
        assert runs[children[1].pid].parent.name in said
    finally:
        for child in children:
            child.kill()
            child.wait()
