"""Session 20's fault probe: what a user met with the commands themselves, each now a message
naming the value and what was expected, with nothing of theirs lost (docs/reliability.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from gymlib.analyze import main as analyze_main
from gymlib.synth import generate_clip

ROOT = Path(__file__).resolve().parent.parent


def _clip_npz(path: Path) -> Path:
    clip = generate_clip("squat", 3, seed=5, view="left")
    np.savez(path, landmarks=clip.landmarks, fps=np.float64(clip.fps),
             image_size=np.array((640, 480)))  # fmt: skip
    return path


@pytest.mark.parametrize("span", ["0:inf", "nan:5", "2:nan", "-inf:3"])
def test_a_gif_span_that_is_not_a_finite_number_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], span: str
) -> None:
    """``--gif 0:inf`` ran the whole analysis, then raised in the gif and lost every result;
    ``nan:5`` ran and said only "no frames from nan s on"."""
    src = _clip_npz(tmp_path / "clip.npz")
    out = tmp_path / "out"
    assert analyze_main([str(src), "--out", str(out), f"--gif={span}"]) == 2
    assert f"--gif must be START:SECONDS (e.g. 4:12), got {span!r}" in capsys.readouterr().err
    assert not out.exists()
    from gymlib.analyze import analyze

    with pytest.raises(ValueError, match="finite"):  # the library's door too
        analyze(src, out=out, gif=tuple(float(v) for v in span.split(":")), progress=False)
    assert not out.exists()


def test_a_pose_model_that_cannot_be_had_is_an_error_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``extraction.model_complexity: 2`` offline: the heavy model is not in the wheel and its
    download fails; analyze printed a 70-line traceback (its message last), exit 1."""
    from gymlib import config, extract

    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    assert "  model_complexity: 1 " in text
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text.replace("  model_complexity: 1 ", "  model_complexity: 2 "))
    monkeypatch.setattr(config, "DEFAULT_CONFIG_PATH", cfg)
    config._load_default.cache_clear()
    try:
        nowhere = tmp_path / "no-models"
        nowhere.mkdir()
        monkeypatch.setattr(extract, "mediapipe_model_dir", lambda: nowhere)  # not installed
        monkeypatch.setitem(extract.ensure_pose_model.__kwdefaults__, "url_prefix",
                            nowhere.as_uri() + "/")  # nothing to download there  # fmt: skip
        monkeypatch.setitem(extract.ensure_pose_model.__kwdefaults__, "user_model_dir", nowhere)
        video = ROOT / "data" / "samples" / "squat-left.mp4"
        out = tmp_path / "out"
        assert analyze_main([str(video), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "\nerror: model_complexity=2 needs pose_landmark_heavy.tflite" in err
        assert "Traceback" not in err and not out.exists()
    finally:
        monkeypatch.undo()
        config._load_default.cache_clear()


def test_retrain_into_runs_it_cannot_make_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gymlib.pipeline import main as pipeline_main

    a_file = tmp_path / "runs.png"
    a_file.write_bytes(b"not a folder")
    assert pipeline_main(["retrain", "--source", "synthetic", "--runs", str(a_file)]) == 1
    err = capsys.readouterr().err
    assert f"error: {a_file}: cannot make a run folder there (a file, not a folder)" in err
    assert a_file.read_bytes() == b"not a folder"
    link = tmp_path / "runs"
    link.symlink_to(tmp_path / "gone")
    assert pipeline_main(["retrain", "--source", "synthetic", "--runs", str(link)]) == 1
    assert "cannot make a run folder there (a link to nothing)" in capsys.readouterr().err


def test_a_very_long_file_name_gets_a_results_folder_each_time(tmp_path: Path) -> None:
    """A 250-character file name, analysed twice: the second run's folder (the name and a
    time stamp) was longer than a name may be."""
    from gymlib.analyze_output import output_folder

    src = _clip_npz(tmp_path / ("squat-" + "x" * 244 + ".npz"))
    runs = tmp_path / "runs"
    first = output_folder(src, None, overwrite=False, runs=runs)
    first.mkdir(parents=True)
    (first / "summary.json").write_text("{}")
    second = output_folder(src, None, overwrite=False, runs=runs)
    second.mkdir()
    assert first != second and second.parent == first.parent
    assert len(second.name.encode()) <= 255 and second.name.startswith("squat-xxx")
    # short names are as before
    short = output_folder(_clip_npz(tmp_path / "my squat.npz"), None, overwrite=False, runs=runs)
    assert short.name == "my_squat"
    shutil.rmtree(runs)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_a_video_still_being_written_is_analysed_with_a_warning_that_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A probe's: a video still being recorded (or copied) was analysed up to where it then
    ended, exit 0, no warning: "0 reps" of a set not yet in the file."""
    import json
    import subprocess
    import threading
    import time

    whole = tmp_path / "whole.mkv"  # a recording's container: readable while it is written
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(ROOT / "data" / "samples" /
                    "squat-left.mp4"), "-c", "copy", str(whole)], check=True)  # fmt: skip
    data = whole.read_bytes()
    growing = tmp_path / "growing.mkv"
    done = threading.Event()

    def record() -> None:  # about a quarter of the clip's pace, as a camera writes it
        with open(growing, "wb") as fh:
            for start in range(0, len(data), 2048):
                fh.write(data[start : start + 2048])
                fh.flush()
                if done.wait(0.2):
                    return

    writer = threading.Thread(target=record)
    writer.start()
    try:
        deadline = time.monotonic() + 30
        while not (growing.exists() and growing.stat().st_size > 30_000):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        out = tmp_path / "out"
        assert analyze_main([str(growing), "--out", str(out), "--exercise", "squat"]) == 0
    finally:
        done.set()
        writer.join()
    summary = json.loads((out / "summary.json").read_text())
    (grew,) = [w for w in summary["warnings"] if "grew while it was read" in w]
    assert "it is still being written, so only up to" in grew and "once it is complete" in grew
    assert "grew while it was read" in capsys.readouterr().err


def test_what_is_not_a_file_is_named_for_what_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A web address, a link looping on itself and a link to nothing were all "no such video
    or landmark file"; the history given a file as its sessions folder, "no such folder"."""
    from gymlib.history import main as history_main

    loop = tmp_path / "loop.mp4"
    loop.symlink_to(loop)
    dangling = tmp_path / "gone.mp4"
    dangling.symlink_to(tmp_path / "moved-away.mp4")
    cases = {
        "https://example.com/squat.mp4": "a web address; only files on this machine are read",
        str(loop): "a symbolic link that leads back to itself",
        str(dangling): f"a symbolic link to {tmp_path / 'moved-away.mp4'}, which does not exist",
        str(tmp_path / "typo.mp4"): "no such video or landmark file",
        # quoted, the shell leaves a pattern as it is (probe 23)
        str(tmp_path / "*.mp4"): "a pattern is not expanded here: give one video",
    }
    for given, says in cases.items():
        assert analyze_main([given, "--out", str(tmp_path / "out")]) == 2
        assert says in capsys.readouterr().err, given
    a_file = tmp_path / "sessions.txt"
    a_file.write_text("x")
    assert history_main(["--sessions", str(a_file), "--out", str(tmp_path / "h.png")]) == 2
    assert f"error: {a_file}: not a folder; expected the folder" in capsys.readouterr().err


def test_forgetting_in_a_misspelt_store_makes_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gymlib.teach.__main__ import main as teach_main

    store = tmp_path / "my-stroe"
    assert teach_main(["--forget", "jacks", "--store", str(store)]) == 2
    assert "'jacks' is not taught in" in capsys.readouterr().err
    assert not store.exists()  # it left my-stroe/.training behind
