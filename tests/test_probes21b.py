"""Session 21's second probe: the shipped model and the notebooks' parameters
(docs/reliability.md). Every test works on copies: the repository's models/ is never written."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from gymlib.model import ExerciseClassifier, build_bilstm

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "models" / "exercise_classifier.keras"


def _digest() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(SHIPPED.parent.glob("exercise_classifier*"))}  # fmt: skip


def _untrained(classes: tuple[str, ...]) -> ExerciseClassifier:
    net = build_bilstm(len(classes), 132, units=(8, 8), dense=8, seed=1)
    return ExerciseClassifier(net, classes, "body")


@pytest.fixture()
def own_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of models/ that config.yaml names as the shipped model, for this test only."""
    from gymlib import config

    models = tmp_path / "models"
    models.mkdir()
    for f in SHIPPED.parent.glob("exercise_classifier.*"):
        shutil.copyfile(f, models / f.name)
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    assert "  path: models/exercise_classifier.keras" in text
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text.replace("  path: models/exercise_classifier.keras",
                                f"  path: {models / 'exercise_classifier.keras'}"))  # fmt: skip
    monkeypatch.setattr(config, "DEFAULT_CONFIG_PATH", cfg)
    config._load_default.cache_clear()
    yield models / "exercise_classifier.keras"
    config._load_default.cache_clear()


def test_the_shipped_model_is_not_saved_over_nor_installed_onto_itself(own_models: Path) -> None:
    """Notebook 03 with ``OUT_DIR models`` replaced the shipped model with no .previous kept;
    promoting the shipped model onto itself made its .previous the same model."""
    from gymlib.model import install

    before = {p.name: p.read_bytes() for p in own_models.parent.iterdir()}
    clf = ExerciseClassifier.load(own_models)
    with pytest.raises(ValueError, match="the shipped model; save a trained one elsewhere"):
        _untrained(clf.classes).save(own_models, overwrite=True)
    with pytest.raises(ValueError, match="is the model at .* already; nothing to install"):
        install(own_models, own_models)
    assert {p.name: p.read_bytes() for p in own_models.parent.iterdir()} == before


def test_a_model_without_a_configured_exercise_is_not_shipped(
    own_models: Path, tmp_path: Path
) -> None:
    """A model trained without bench presses was promoted; every analysis then failed after
    its pose pass ("the classifier has no class for ['bench_press']")."""
    from gymlib.training import promote

    before = {p.name: p.read_bytes() for p in own_models.parent.iterdir()}
    classes = tuple(c for c in ExerciseClassifier.load(own_models).classes if c != "bench_press")
    candidate = _untrained(classes).save(tmp_path / "new" / "m.keras")
    with pytest.raises(ValueError, match=r"has no class for \['bench_press'\], which config"):
        promote(candidate)
    assert {p.name: p.read_bytes() for p in own_models.parent.iterdir()} == before


def test_a_damaged_shipped_model_names_where_the_new_one_is(tmp_path: Path) -> None:
    """``retrain --promote`` over a damaged shipped model failed after the whole run with the
    old model's message, not saying where the new one was."""
    from gymlib.pipeline import PipelineError, promote_if_better
    from gymlib.training import synthetic_windows

    target = tmp_path / "models" / "exercise_classifier.keras"
    target.parent.mkdir()
    for f in SHIPPED.parent.glob("exercise_classifier.*"):
        shutil.copyfile(f, target.parent / f.name)
    target.write_bytes(target.read_bytes()[:1000])  # cut: a disk that filled, a bad copy
    candidate = _untrained(ExerciseClassifier.load(SHIPPED).classes).save(tmp_path / "m.keras")
    data = synthetic_windows(12, seed=8)
    with pytest.raises(PipelineError, match=f"was not compared or shipped: it is {candidate}"):
        promote_if_better(candidate, data.windows, data.labels, target=target)
    assert not (target.parent / "exercise_classifier.previous.keras").exists()


def test_a_notebooks_parameters_are_read_as_their_declared_types() -> None:
    """``papermill -p PROMOTE false`` gave the notebook the text "false", which Python reads
    as true: a toy model was shipped. A real IPython shell, as a kernel runs the cells."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_cell('PROMOTE: bool = False\nN: int = 3\nRATE: float = -1.0\nOUT: str = "runs"')
    shell.run_cell("PROMOTE = 1\nRATE = 15")  # as papermill injects -p PROMOTE 1
    assert shell.run_cell("from gymlib.nbparams import check_parameters\n"
                          "check_parameters(globals())").success  # fmt: skip
    assert shell.user_ns["PROMOTE"] is True
    shell.run_cell('PROMOTE = "false"\nRATE = 15')  # as papermill injects them
    ok = shell.run_cell("from gymlib.nbparams import check_parameters\n"
                        "check_parameters(globals())")  # fmt: skip
    assert ok.success
    assert shell.user_ns["PROMOTE"] is False and shell.user_ns["RATE"] == 15.0
    wrong = [("PROMOTE = 'maybe'", "PROMOTE must be true or false, got 'maybe'"),
             ("N = 2.5", "N must be a whole number, got 2.5"),
             ("OUT = 5", "OUT must be text, got 5 (give text with papermill -r")]  # fmt: skip
    for bad, said in wrong:
        shell.run_cell(bad)
        result = shell.run_cell("check_parameters(globals())")
        assert isinstance(result.error_in_exec, ValueError) and said in str(result.error_in_exec)
        shell.run_cell('PROMOTE = False\nN = 3\nOUT = "runs"')


@pytest.mark.notebooks
def test_a_notebook_given_a_wrong_type_stops_at_once_naming_it(tmp_path: Path) -> None:
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match="parameter SYNTH_REPS must be a whole"):
        pm.execute_notebook(str(ROOT / "notebooks" / "05_analyze_video.ipynb"),
                            str(tmp_path / "out.ipynb"), parameters={"SYNTH_REPS": "many",
                            "OUT_DIR": str(tmp_path / "o")}, kernel_name="python3",
                            progress_bar=False)  # fmt: skip
    assert not (tmp_path / "o").exists()


def test_a_coach_made_again_closes_the_one_before_and_saves_its_frames(tmp_path: Path) -> None:
    """Running notebook 04's coach cell again kept each earlier coach alive (~135 MB, a thread,
    a socket each) and its unsaved frames locked from the rescue until the kernel ended. The
    new coach closes it first; its rescue then saves the frames (real MediaPipe)."""
    import cv2

    from gymlib.widgets.coach import LiveCoach

    cap = cv2.VideoCapture(str(ROOT / "data" / "samples" / "squat-left.mp4"))
    frames = [cv2.imencode(".jpg", cap.read()[1])[1].tobytes() for _ in range(30)]
    first = LiveCoach(sessions=tmp_path)
    for i, jpeg in enumerate(frames):
        first._handle(jpeg, i / 30)
    assert first.frames == 30 and first.comm is not None
    second = LiveCoach(sessions=tmp_path)
    try:
        assert first.comm is None  # closed: its widget, camera server and pose model
        (rescue,) = second.rescued
        assert rescue.session is not None and rescue.frames == 30, rescue.report()
    finally:
        second.close()


def test_a_session_that_could_not_be_replayed_is_not_saved(tmp_path: Path) -> None:
    """``save_session`` took repeated times (replay, analyze and the history then refused
    the session) and no frames at all (an empty session)."""
    import numpy as np

    from gymlib.recording import save_session

    lm = np.full((3, 33, 4), 0.5, np.float32)
    with pytest.raises(ValueError, match=r"frame 2: time 0.1 s repeats 0.1 s; times must go"):
        save_session(tmp_path, [0.0, 0.1, 0.1], lm)
    with pytest.raises(ValueError, match="no frames to save yet"):
        save_session(tmp_path, np.zeros(0), np.zeros((0, 33, 4), np.float32))
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_promotion_journal_is_named(tmp_path: Path) -> None:
    """Every load failed with a bare JSON error naming no file."""
    from gymlib.model import recover

    target = tmp_path / "exercise_classifier.keras"
    journal = tmp_path / "exercise_classifier.promoting.json"
    journal.write_text('{"stage": ')
    with pytest.raises(ValueError, match="promoting.json: a promotion's journal, damaged"):
        recover(target)


def test_a_path_from_the_home_folder_is_the_home_folders() -> None:
    """``OUT_DIR ~/x`` made a folder named "~" in the project."""
    from gymlib.config import load_config

    assert load_config().resolve(Path("~/x")) == Path.home() / "x"


def test_an_empty_out_dir_a_rate_of_zero_and_sessions_without_reps_are_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``OUT_DIR ""`` wrote a notebook's outputs into the project's own folder;
    ``LiveCoach(fps=0)`` failed on every frame once an exercise was named; the history said
    "no saved sessions yet" over sessions that hold no rep."""
    import numpy as np

    from gymlib.history import main as history_main
    from gymlib.nbparams import check_parameters
    from gymlib.recording import save_session
    from gymlib.session import CoachSession

    with pytest.raises(ValueError, match="parameter OUT_DIR is empty"):
        check_parameters({"__annotations__": {"OUT_DIR": str}, "OUT_DIR": " "})
    with pytest.raises(ValueError, match="fps and aspect must be numbers over 0, got 0"):
        CoachSession(fps=0)
    still = np.full((40, 33, 4), 0.5, np.float32)  # somebody standing: no rep
    save_session(tmp_path, np.arange(40) / 30, still)
    assert history_main(["--sessions", str(tmp_path), "--out", str(tmp_path / "h.png")]) == 0
    assert "1 saved session(s) in" in capsys.readouterr().out


def test_classes_without_a_test_window_are_named_not_scored() -> None:
    """Notebook 03 on a small split printed "macro-F1 1.000" while three classes had no test
    window (their F1 0 in metrics.json): they are named now, and the notebook warns."""
    import numpy as np

    from gymlib.evaluation import summarize

    classes = ["squat", "push_up", "other"]
    truth = np.array([0, 0, 1])
    probs = np.eye(3)[truth]
    m = summarize(truth, probs, classes)
    assert m["macro_f1"] == 1.0 and m["untested"] == ["other"]


@pytest.mark.notebooks
@pytest.mark.parametrize("source", ["video:", "video:data/sessions/x/landmarks.npz", "camra"])
def test_notebook_04_names_a_source_it_cannot_coach_at_once(tmp_path: Path, source: str) -> None:
    """``SOURCE video:`` said the project's folder was "not a file"; a landmark file was
    "not a video" with no word of notebook 05; a misspelt source failed cells later."""
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match=r"SOURCE (must be|'video:)"):
        pm.execute_notebook(str(ROOT / "notebooks" / "04_live_coach.ipynb"),
                            str(tmp_path / "out.ipynb"), parameters={"SOURCE": source,
                            "OUT_DIR": str(tmp_path / "o")}, kernel_name="python3",
                            progress_bar=False)  # fmt: skip


def test_a_coach_given_a_file_for_its_sessions_says_so_and_nothing_after(tmp_path: Path) -> None:
    """``LiveCoach(sessions=FILE)``: "File exists", then an "Exception ignored in
    Widget.__del__" traceback from the half-made widget."""
    import gc
    import sys

    from gymlib.widgets.coach import LiveCoach

    a_file = tmp_path / "sessions"
    a_file.write_text("not a folder")
    dropped: list[object] = []
    hook, sys.unraisablehook = sys.unraisablehook, dropped.append
    try:
        with pytest.raises(NotADirectoryError, match="sessions: not a folder; sessions= is"):
            LiveCoach(sessions=a_file)
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert dropped == []


def test_a_refused_coach_leaves_the_working_one_and_the_retrain_its_signals(
    tmp_path: Path,
) -> None:
    """The review's: ``LiveCoach(fps=0)`` closed the working coach, then raised; the retrain
    command's SIGTERM handler stayed after it returned (tests, notebooks)."""
    import signal

    from gymlib.pipeline import main as retrain_main
    from gymlib.widgets.coach import LiveCoach

    working = LiveCoach(sessions=tmp_path / "s")
    try:
        with pytest.raises(ValueError, match="fps and aspect must be numbers over 0"):
            LiveCoach(fps=0, sessions=tmp_path / "s")
        assert working.comm is not None
    finally:
        working.close()
    before = signal.getsignal(signal.SIGTERM)
    (tmp_path / "p.yaml").write_text("03_training: {EPOHCS: 1}\n")
    assert retrain_main(["retrain", "--params", str(tmp_path / "p.yaml"), "--runs",
                         str(tmp_path / "runs")]) == 1  # fmt: skip
    assert signal.getsignal(signal.SIGTERM) is before
