"""History that shows progress: per exercise and day, on sessions saved by the recording code."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from gymlib.config import SEED_EXERCISES
from gymlib.history import daily_progress, session_history
from gymlib.recording import save_session
from gymlib.synth import generate_clip

ROOT = Path(__file__).resolve().parents[1]


class _Sure:
    """A classifier stand-in for the replays (the history under test, not the model): squat."""

    classes = SEED_EXERCISES

    def predict_one(self, window):  # noqa: ANN001, ANN201
        return np.eye(len(SEED_EXERCISES))[SEED_EXERCISES.index("squat")] * 0.99 + 0.001


def _save(root: Path, day: str, reps: int, seed: int) -> Path:
    clip = generate_clip("squat", reps, seed=seed, view="left", idle=False)
    t = np.arange(len(clip.landmarks)) / clip.fps
    # the session's save time is the day it belongs to (summary.json "saved")
    return save_session(root, t, clip.landmarks, fps=clip.fps, aspect=clip.aspect,
                        summary={"saved": f"{day}T10:00:00+00:00"})  # fmt: skip


def _history_cli(sessions: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``python -m gymlib.history`` over ``sessions``, its plot to ``out``, as a user runs it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "gymlib.history", "--sessions", str(sessions),
                           "--out", str(out)], capture_output=True, text=True, env=env,
                          timeout=300)  # fmt: skip


@pytest.fixture()
def two_days(tmp_path: Path) -> Path:
    _save(tmp_path, "2026-12-01", 3, seed=31)
    _save(tmp_path, "2026-12-01", 4, seed=32)
    _save(tmp_path, "2026-12-02", 5, seed=33)
    damaged = _save(tmp_path, "2026-12-02", 3, seed=34)
    lm = damaged / "landmarks.npz"
    lm.write_bytes(lm.read_bytes()[: len(lm.read_bytes()) // 2])  # cut mid-write
    return tmp_path


def test_progress_per_exercise_and_day_skips_a_damaged_session(two_days: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = session_history(two_days, classifier=_Sure())
    assert any("landmarks.npz" in str(w.message) for w in caught)
    assert len(table.attrs["skipped"]) == 1
    days = daily_progress(table)
    assert list(days["day"]) == ["2026-12-01", "2026-12-02"]
    assert set(days["exercise"]) == {"squat"}
    assert list(days["sessions"]) == [2, 1]  # the damaged one of day 2 left out
    for day, d in days.groupby("day"):
        rows = table[table["started"].str.startswith(day)]
        assert d["reps"].item() == len(rows) > 0
        good = (rows["verdict"] == "good").mean()
        assert d["good_share"].item() == pytest.approx(good, abs=0.01)
        tempo = (rows["down_s"] + rows["pause_s"] + rows["up_s"]).median()
        assert d["tempo_s"].item() == pytest.approx(tempo, abs=0.01)
        assert d["rom"].item() == pytest.approx(rows["rom"].median(), abs=0.01)
        assert 0.5 < d["tempo_s"].item() < 10 and 0.3 < d["rom"].item() < 2


def test_cli_prints_the_table_and_writes_the_plot(two_days: Path, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the damaged one: checked above
        session_history(two_days, classifier=_Sure())  # the reps cached: the CLI loads no model
    out = tmp_path / "progress.png"
    run = _history_cli(two_days, out)
    assert run.returncode == 0, run.stderr[-800:]
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["day", "exercise", "sessions", "reps", "good_share", "tempo_s",
                                "rom"]  # fmt: skip
    assert lines[1].split()[:3] == ["2026-12-01", "squat", "2"]
    assert lines[2].split()[:3] == ["2026-12-02", "squat", "1"]
    assert "skipped" in run.stderr and "landmarks.npz" in run.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_on_an_empty_folder_says_so(tmp_path: Path) -> None:
    out = tmp_path / "p.png"
    run = _history_cli(tmp_path, out)
    assert run.returncode == 0, run.stderr[-800:]
    assert "no saved sessions yet" in run.stdout and out.is_file()


def test_cli_refuses_an_out_that_is_no_png_file(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """``--out`` naming a folder was a traceback (IsADirectoryError); ``x.jpg`` got PNG bytes."""
    from gymlib.history import main

    (tmp_path / "s").mkdir()
    for out in (tmp_path, tmp_path / "plot.jpg"):
        assert main(["--sessions", str(tmp_path / "s"), "--out", str(out)]) == 2
        assert (
            f"--out {out}: expected the plot's file name, ending .png" in capsys.readouterr().err
        )
    assert not (tmp_path / "plot.jpg").exists()
    blocked = tmp_path / "file"
    blocked.write_text("a file where a folder should be")
    assert main(["--sessions", str(tmp_path / "s"), "--out", str(blocked / "p.png")]) == 2
    assert f"{blocked / 'p.png'}: cannot write the plot" in capsys.readouterr().err


def test_a_summary_whose_saved_time_is_no_date_is_dated_by_its_file(tmp_path: Path) -> None:
    """Session 21's probe: a ``summary.json`` edited by hand or from elsewhere ("saved":
    "yesterday", a number, a 13th month) printed the table, then the plot raised a pandas
    traceback; a deeply nested one raised RecursionError. Now the file's time dates the first
    (named in a warning) and the second is skipped and named, as a damaged session is."""
    good = _save(tmp_path, "2026-12-01", 3, seed=31)
    odd = [_save(tmp_path, "2026-12-02", 3, seed=32 + k) for k in range(3)]
    odd.append(_save(tmp_path, "2026-12-02", 3, seed=36))  # the folders' own stamp: ISO too
    saves = ['"yesterday"', "1e308", '"2026-13-45T00:00:00"', '"20261202T100000"']
    for p, saved in zip(odd, saves, strict=True):
        (p / "summary.json").write_text(f'{{"saved": {saved}}}')
    nested = _save(tmp_path, "2026-12-03", 3, seed=40)
    (nested / "summary.json").write_text("[" * 100_000 + "]" * 100_000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = session_history(tmp_path, classifier=_Sure())  # the reps cached for the CLI
    said = " ".join(str(w.message) for w in caught)
    assert "'saved' is 'yesterday', not a date and time; the session's file time is used" in said
    assert "'saved' is 1e+308" in said and "'2026-13-45T00:00:00'" in said
    assert list(table.attrs["skipped"]) == [str(nested)]
    assert "nested too deep" in table.attrs["skipped"][str(nested)]
    days = daily_progress(table)
    assert {"2026-12-01", "2026-12-02"} <= set(days["day"]) and len(table) >= 15
    assert "20261202T1" not in set(days["day"])  # read as a date, not cut at 10 characters
    assert str(good) not in table.attrs["skipped"]
    out = tmp_path / "progress.png"
    run = _history_cli(tmp_path, out)
    assert run.returncode == 0, run.stderr[-800:]
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
