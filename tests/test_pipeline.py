"""The retraining pipeline (issue 9): papermill runs 01 -> 02 -> 03 into one run folder."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from gymlib.pipeline import PipelineError, promote_if_better, retrain

ROOT = Path(__file__).resolve().parent.parent
TINY = {
    "01_acquisition": {"N_CLIPS": 6, "SEED": 3},
    "02_preprocessing": {"N_SYNTH_CLIPS": 24, "SEED": 3},
    "03_training": {
        "EPOCHS": 1,
        "SEED": 3,
        "VIEW_CLIPS": 6,
        "OTHER_CLIPS": 6,
        "VIEW_TEST_CLIPS": 1,
    },
}


@pytest.mark.notebooks
def test_retrain_end_to_end_writes_a_run_folder(tmp_path: Path) -> None:
    from gymlib.model import ExerciseClassifier

    run = retrain("synthetic", params=TINY, runs=tmp_path, progress=False)
    names = {p.name for p in run.folder.iterdir()}
    assert {"01_acquisition.ipynb", "02_preprocessing.ipynb", "03_training.ipynb", "run.json",
            "processed"} <= names  # fmt: skip
    record = json.loads((run.folder / "run.json").read_text())
    assert record["status"] == "done" and set(record["durations_s"]) == set(TINY)
    assert "keras" in record["versions"] and record["parameters"]["03_training"]["EPOCHS"] == 1
    for nb in TINY:
        assert (run.folder / nb / "metrics.json").is_file()
    clf = ExerciseClassifier.load(run.model)
    assert clf.classes == ExerciseClassifier.load().classes


@pytest.mark.notebooks
def test_a_failing_notebook_stops_with_a_clear_error_and_keeps_earlier_outputs(
    tmp_path: Path,
) -> None:
    # (a parameter of the right type the notebook cannot use: rendered clips that are not there)
    bad = {**TINY, "03_training": {**TINY["03_training"], "RENDERED": str(tmp_path / "none")}}
    with pytest.raises(PipelineError, match=r"03_training failed.*none") as err:
        retrain("synthetic", params=bad, runs=tmp_path / "runs", progress=False)
    folder = next((tmp_path / "runs").iterdir())
    assert str(folder / "03_training.ipynb") in str(err.value)
    assert (folder / "02_preprocessing" / "metrics.json").is_file()
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "failed" and record["failed"] == "03_training"


def test_params_values_that_mean_the_default_or_come_from_numpy_are_taken() -> None:
    from gymlib.pipeline import checked_params

    given = {
        "03_training": {"ARCH": None, "REAL_WINDOWS": None, "EPOCHS": np.int64(5)},
        "02_preprocessing": {"TARGET_FPS": 15},
        "01_acquisition": {"RECORD": False},
    }
    assert checked_params(given) == given


def test_a_worse_model_is_not_promoted(tmp_path: Path) -> None:
    from gymlib.model import ExerciseClassifier, build_bilstm
    from gymlib.training import synthetic_windows

    shipped = ROOT / "models" / "exercise_classifier.keras"
    target = tmp_path / "models" / "exercise_classifier.keras"
    target.parent.mkdir()
    for suffix in (".keras", ".json", ".tflite"):
        shutil.copyfile(shipped.with_suffix(suffix), target.with_suffix(suffix))
    before = target.read_bytes()
    shipped_clf = ExerciseClassifier.load(target)
    untrained = ExerciseClassifier(
        build_bilstm(len(shipped_clf.classes), 132, units=(8, 8), dense=8, seed=1),
        shipped_clf.classes, "body",
    )  # fmt: skip
    candidate = untrained.save(tmp_path / "new" / "m.keras")
    data = synthetic_windows(36, seed=8)
    promoted, new_f1, old_f1 = promote_if_better(candidate, data.windows, data.labels,
                                                 target=target)  # fmt: skip
    assert not promoted and new_f1 < old_f1
    assert target.read_bytes() == before
    assert not (target.parent / "exercise_classifier.previous.keras").exists()
    assert np.isfinite(new_f1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("03_training: {FOLDS: 5\n", r"params\.yaml: not readable YAML"),
        ("- 03_training\n", r"expected notebooks and their parameters .*got a list"),
        ("03_training: FOLDS=5\n", r"03_training: expected its parameters by name"),
        ("FOLDS: 5\n", r"unknown notebook\(s\) \['FOLDS'\]"),
        (
            "03_training: {EPOHCS: 5}\n",
            r"03_training has no parameter\(s\) \['EPOHCS'\]; .*EPOCHS",
        ),
        # values (session 20's probe: ARCH xyz failed in notebook 03, after 01 and 02 ran)
        (
            "03_training: {ARCH: xyz}\n",
            r"03_training: ARCH must be one of \['', 'bilstm', 'conv', 'trees'\], got 'xyz'",
        ),
        ("03_training: {EPOCHS: five}\n", r"03_training: EPOCHS must be a whole number"),
        ("03_training: {EPOCHS: true}\n", r"EPOCHS must be a whole number, got True"),
        ("01_acquisition: {RECORD: 1}\n", r"RECORD must be true or false, got 1"),
        ("03_training: {SYNTH_DEPTH: true}\n", r"must be text, got True \(quote it: \"true\"\)"),
        ("03_training: {SYNTH_DEPTH: null}\n", r"SYNTH_DEPTH must be one of .*got None"),
        # session 21's probe: PROMOTE shipped the model unseen (then compared it with itself);
        # a run's folders given elsewhere broke the run late
        ("03_training: {PROMOTE: true}\n", r"PROMOTE is set by the pipeline itself; use --prom"),
        ("03_training: {OUT_DIR: runs/mine}\n", r"OUT_DIR is set by the pipeline itself"),
        ("02_preprocessing: {NAME: mine}\n", r"NAME is set by the pipeline itself"),
        ("03_training: {DATA: synthetic}\n", r"DATA is set by .*choose the data with --source"),
        ("02_preprocessing: {DATA_SOURCE: seed}\n", r"DATA_SOURCE is set by the pipeline"),
        # session 22: counts of nothing failed in numpy's words, minutes in
        ("03_training: {EPOCHS: 0}\n", r"03_training: EPOCHS must be 1 or more, got 0"),
        ("02_preprocessing: {LIMIT: -5}\n", r"LIMIT must be 0 or more, got -5"),
        ("03_training: {FOLDS: 1}\n", r"FOLDS must be 0 \(no cross-validation\) or 2 or more"),
        ("01_acquisition: {N_CLIPS: 0}\n", r"N_CLIPS must be 1 or more, got 0"),
    ],
)
def test_a_bad_params_file_is_refused_before_any_run_folder(
    tmp_path: Path, text: str, message: str
) -> None:
    """``retrain --params`` mistakes (session 15's probes: tracebacks for YAML errors and a top
    level list, an empty run folder left each time, a misspelt parameter run for minutes and
    ignored): a clear error naming the file, before anything is made."""
    from gymlib.pipeline import main

    params = tmp_path / "params.yaml"
    params.write_text(text)
    with pytest.raises(ValueError, match=message):
        retrain("synthetic", params=params, runs=tmp_path / "runs", progress=False)
    assert main(["retrain", "--params", str(params), "--runs", str(tmp_path / "runs")]) == 1
    assert not (tmp_path / "runs").exists()


def test_retrain_takes_the_sources_the_readme_names_and_refuses_a_bare_processed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--source`` refused ``processed:PATH`` and ``a+b`` (argparse choices) and took a bare
    ``processed``, which failed 17 s into notebook 01 asking for ``processed:PATH``."""
    from gymlib.pipeline import _source_arg, main

    made = tmp_path / "x.npz"
    made.write_bytes(b"")
    assert _source_arg(f"processed:{made}") == f"processed:{made}"
    with pytest.raises(argparse.ArgumentTypeError, match="no-such.npz: no such file"):
        _source_arg("processed:data/processed/no-such.npz")
    assert _source_arg("synthetic+real_windows") == "synthetic+real_windows"
    with pytest.raises(SystemExit) as stop:
        main(["retrain", "--source", "processed", "--runs", str(tmp_path / "runs")])
    assert stop.value.code == 2
    assert "the processed source needs its file: processed:PATH" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["retrain", "--source", "synthetc", "--runs", str(tmp_path / "runs")])
    assert "unknown source 'synthetc'" in capsys.readouterr().err
    (tmp_path / "params").mkdir()
    assert main(["retrain", "--params", str(tmp_path / "params"), "--runs", str(tmp_path)]) == 1
    assert "params: a folder; --params takes a YAML file" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


@pytest.mark.notebooks
def test_sigterm_during_a_retrain_leaves_its_run_json_saying_so(tmp_path: Path) -> None:
    """SIGTERM (a job scheduler, ``timeout``) ended a retrain with no word, its run.json
    "running" (the next run then called it killed by SIGKILL or a power cut)."""
    import signal
    import subprocess
    import sys
    import time

    import yaml

    params = tmp_path / "tiny.yaml"
    params.write_text(yaml.safe_dump(TINY))
    runs = tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gymlib.pipeline", "retrain", "--source", "synthetic",
         "--params", str(params), "--runs", str(runs)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not list(runs.glob("*/01_acquisition.ipynb")) and time.monotonic() < deadline:
        time.sleep(0.5)  # notebook 01 has begun
    time.sleep(3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err[-2000:]
    assert "stopped (SIGTERM): the run folder keeps what was done" in err
    record = json.loads(next(runs.glob("*/run.json")).read_text())
    assert record["status"] == "interrupted" and "SIGTERM" in record["error"]
