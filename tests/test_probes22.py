"""Session 22's faults: what a user met with the notebooks' parameters and the commands
(docs/reliability.md)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _declared() -> list[tuple[str, str, str]]:
    """Every notebook parameter's declared type: (notebook, name, type)."""
    import ast

    out = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        cell = next(c for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                out.append((path.stem, node.target.id, ast.unparse(node.annotation)))
    return out


def test_every_least_count_names_a_whole_number_parameter_of_a_notebook() -> None:
    from gymlib.nbparams import LEAST, check_parameters

    declared = _declared()
    for name in LEAST:  # declared, and a whole number wherever it is
        kinds = {kind for _, n, kind in declared if n == name}
        assert kinds == {"int"}, (name, kinds)
    for name, least in LEAST.items():
        ns = {"__annotations__": {name: int}, name: least - 1}
        with pytest.raises(ValueError, match=f"parameter {name} must be {least} or more"):
            check_parameters(ns)
        check_parameters({"__annotations__": {name: int}, name: least})
    for name in ("SEED", "LIMIT", "VIEW_CLIPS", "MAX_WINDOWS", "WORKERS", "N_SYNTH_CLIPS"):
        check_parameters({"__annotations__": {name: int}, name: 0})  # the default, all, none
        with pytest.raises(ValueError, match=f"{name} must be 0 or more, got -1"):
            check_parameters({"__annotations__": {name: int}, name: -1})


@pytest.mark.notebooks
def test_a_notebook_given_a_count_of_nothing_stops_at_once_naming_it(tmp_path: Path) -> None:
    """``-p N_CLIPS 0`` failed with pandas' ``KeyError: 'exercise'`` after the cells ran."""
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match="parameter N_CLIPS must be 1 or more"):
        pm.execute_notebook(str(ROOT / "notebooks" / "01_acquisition.ipynb"),
                            str(tmp_path / "out.ipynb"), parameters={"N_CLIPS": 0,
                            "OUT_DIR": str(tmp_path / "o")}, kernel_name="python3",
                            progress_bar=False)  # fmt: skip
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")
def test_a_hole_in_a_video_is_said_and_counted_afresh_after(tmp_path: Path) -> None:
    """Three seconds of frames gone from the middle of a file (a damaged stretch, dropped
    frames, a paused recording), the times kept: it was never said, and a rep could span it
    and be judged. Now a warning names the hole and counting starts afresh after it, as at a
    camera cut (real MediaPipe on the rendered squat sample)."""
    from gymlib.analyze import analyze

    hole = tmp_path / "hole.mp4"
    squats = ROOT / "data" / "samples" / "squat-left.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(squats),
                    "-vf", r"select='not(between(n\,200\,289))'", "-fps_mode", "passthrough",
                    "-c:v", "libx264", "-preset", "ultrafast", str(hole)], check=True)  # fmt: skip
    result = analyze(hole, out=tmp_path / "out", progress=False)
    said = [w for w in result.warnings if w.startswith("no frame from 6.6 s to 9.7 s")]
    assert len(said) == 1 and "counting started afresh after it" in said[0]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert [c["time_s"] for c in summary["cuts_found"]] == [pytest.approx(9.667, abs=0.01)]
    assert all(r.time_of("start") >= 9.6 for r in result.reps)  # no rep across the hole
    from gymlib.analyze_input import Holes
    from gymlib.media import VideoReader

    holes = Holes(1.0)  # the whole file, as analyze reads it: no hole
    assert not any(holes.update(t) for _, t in VideoReader(squats)) and not holes.said()


@pytest.mark.parametrize("suffix,codec", [(".mkv", "libx264"), (".webm", "libvpx")])
def test_a_hole_leaves_the_frame_rate_and_the_length_as_the_camera_made_them(
    tmp_path: Path, suffix: str, codec: str
) -> None:
    """A recording paused for 4.5 s (the frames after it 4.5 s later): the rate was the mean
    over the pause ("the header gives 30 frames/s but the timestamps 23.60"), and a WebM,
    which declares a length, not frames, was "ending early" by the frames the pause would
    have held; a file with 6000 s between its first two frames "ended early" with 180 of
    180,180 frames read. The pause is a hole (said by analyze), not the camera's pace."""
    from gymlib.media import VideoReader, probe

    squats = ROOT / "data" / "samples" / "squat-left.mp4"
    for name, shift in (("pause", "if(gte(N,250),135,0)"), ("jump", "if(gte(N,1),180000,0)")):
        video = tmp_path / f"{name}{suffix}"
        subprocess.run(["ffmpeg", "-v", "error", "-t", "12", "-i", str(squats), "-vf",
                        f"setpts='(N+{shift})/30/TB'", "-fps_mode", "passthrough",
                        "-c:v", codec, "-pix_fmt", "yuv420p", str(video)], check=True)  # fmt: skip
        info = probe(video)
        assert info.fps == pytest.approx(30.0, rel=0.01) and info.notes == (), (name, info)
        assert info.declared_frames == pytest.approx(info.packets, abs=2), (name, info)
        reader = VideoReader(video)
        assert sum(1 for _ in reader) == 360 and reader.problems() == [], name


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")
def test_one_hole_setting_gives_the_frame_rate_and_what_analyze_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hole had two homes: the frame rate left out intervals over a fixed second, while
    ``analyze`` said holes over ``extraction.hole_s``: at 0.5 s a 0.7-s pause was said as a
    hole but read as the camera's pace. Now one rule (:func:`gymlib.media.hole_gap`): a gap
    the config calls a hole is left out of the rate too, in ``analyze`` and in a landmark
    file's making alike; a longer ``hole_s`` quiets the warning but never makes a 4.5-s
    pause the camera's pace (real MediaPipe on the rendered squat sample, small)."""
    import dataclasses

    import gymlib.config as config_module
    from gymlib.analyze_input import frames_from_video
    from gymlib.extract import extract_video

    shipped = config_module.load_config()
    for pause, hole_s, said in ((21, 0.5, 1), (21, shipped.extraction.hole_s, 0), (135, 10.0, 0)):
        video = tmp_path / f"pause{pause}.mkv"
        subprocess.run(["ffmpeg", "-y", "-v", "error", "-t", "4", "-i",
                        str(ROOT / "data" / "samples" / "squat-left.mp4"), "-vf",
                        f"scale=256:-2,setpts='(N+if(gte(N,60),{pause},0))/30/TB'",
                        "-fps_mode", "passthrough", "-c:v", "libx264", "-preset", "ultrafast",
                        str(video)], check=True)  # fmt: skip
        extraction = dataclasses.replace(shipped.extraction, hole_s=hole_s)
        cfg = dataclasses.replace(shipped, extraction=extraction)
        monkeypatch.setattr(config_module, "load_config", lambda path=None, c=cfg: c)
        src = frames_from_video(video)
        assert sum(1 for _ in src.frames) == 120
        holes = [w for w in src.problems() if w.startswith("no frame from")]
        assert len(holes) == said, (pause, hole_s, holes)
        if said or pause == 135:  # a hole, or a pause of seconds: never the camera's pace
            assert src.fps == pytest.approx(30.0, rel=0.01), (pause, hole_s, src.fps)
        else:  # no hole by either rule: 0.7 s of it in the rate
            assert src.fps < 28, (pause, hole_s, src.fps)
        assert extract_video(video, config=extraction, progress=False).fps == src.fps


def test_a_tilde_in_a_commands_path_is_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--out=~/res`` (the shell leaves it) made a folder named ``~`` in the working folder,
    one a later ``rm -rf ~`` takes the home folder with."""
    from gymlib.analyze import main as analyze_main
    from gymlib.history import main as history_main
    from gymlib.synth import generate_clip

    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir(), cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    clip = generate_clip("squat", 3, seed=3, view="left")
    np.savez(home / "squats.npz", landmarks=clip.landmarks, fps=np.float64(clip.fps),
             image_size=np.array((640, 480)))  # fmt: skip
    assert analyze_main(["~/squats.npz", "--out=~/res"]) == 0
    assert (home / "res" / "summary.json").is_file() and not (cwd / "~").exists()
    assert history_main(["--sessions=~/none", "--out=~/h.png"]) == 2  # named, as expanded
    assert not (cwd / "~").exists()


def test_an_out_folder_whose_name_is_not_utf8_is_taken(tmp_path: Path) -> None:
    """A name of bytes that are not UTF-8 (a file system allows them) failed with "'utf-8'
    codec can't encode character", naming nothing."""
    from gymlib.analyze import main as analyze_main
    from gymlib.analyze_output import short_name
    from gymlib.synth import generate_clip

    name = os.fsdecode(b"res\xfe")
    assert short_name(name) == name and short_name(name * 200).endswith(tuple("0123456789abcdef"))
    clip = generate_clip("squat", 3, seed=3, view="left")
    src = tmp_path / "squats.npz"
    np.savez(src, landmarks=clip.landmarks, fps=np.float64(clip.fps),
             image_size=np.array((640, 480)))  # fmt: skip
    assert analyze_main([str(src), "--out", str(tmp_path / name)]) == 0
    assert (tmp_path / name / "summary.json").is_file()


def test_the_drawing_workers_command_run_by_a_person_says_what_it_is() -> None:
    done = subprocess.run([sys.executable, "-m", "gymlib.drawer", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "python -m gymlib.analyze VIDEO" in done.stderr


def test_a_teach_stopped_while_training_says_so_and_keeps_the_store(tmp_path: Path) -> None:
    """Ctrl-C printed a 74-line traceback, SIGTERM exited 143 without a word."""
    from gymlib.analyze import save_clip_npz
    from gymlib.synth import generate_other

    clip = save_clip_npz(generate_other("jumping_jack", 12, seed=3, view="left45",
                                        depth="mediapipe"), tmp_path / "jacks.npz")  # fmt: skip
    store = tmp_path / "store"
    proc = subprocess.Popen([sys.executable, "-m", "gymlib.teach", "jacks", str(clip), "--store",
                             str(store)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:  # the proposal is printed; the classifier trains next (minutes)
        if line.startswith("}"):
            break
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143 and "Traceback" not in err
    assert "stopped (SIGTERM): a teach or forget is written whole or not at all" in err
    assert (
        not (store / "taught.json").exists() or "jacks" not in (store / "taught.json").read_text()
    )


def test_a_clip_named_in_bytes_that_are_not_utf8_is_drawn_in_the_preview(tmp_path: Path) -> None:
    """The exercise was taught and saved, then the preview's title raised (exit 1; a rerun:
    "taught already")."""
    from gymlib.analyze import save_clip_npz
    from gymlib.synth import generate_other
    from gymlib.teach import Store, preview, propose

    clip = generate_other("jumping_jack", 6, seed=3, view="left45", depth="mediapipe")
    path = save_clip_npz(clip, tmp_path / os.fsdecode(b"jacks\xfe.npz"))
    proposal = propose("jacks", [path], store=Store(tmp_path / "store"))
    preview(proposal, tmp_path / "preview.png")
    assert (tmp_path / "preview.png").stat().st_size > 1000


def test_a_warning_held_over_several_faulty_reps_names_them_all() -> None:
    """Six shallow reps showed "rep 1: Bend your legs more" at rep 6, as if only the first
    had been shallow; now "reps 1-6: ..." (and a new warning names the rep it came in)."""
    from gymlib.live import RepWarnings
    from gymlib.reps import CounterFeedback, FormWarning, Rep
    from gymlib.session import SessionFeedback

    shallow = FormWarning("shallow", "Bend your legs more", 2, since=1.0)

    def frame(t: float, counted: int, rep: Rep | None) -> SessionFeedback:
        counter = CounterFeedback(int(t * 30), t, True, "up", 0.2, counted, {}, rep, (shallow,))
        return SessionFeedback(t, True, "squat", 1.0, {}, counter, {}, (shallow,), None,
                               finished=(rep,) if rep else ())  # fmt: skip

    def rep(n: int) -> Rep:
        return Rep(n, "squat", 30 * n, 30 * n + 15, 30 * n + 30, 30.0, 0.3, 0.5, 0.5, 0.0,
                   "partial", reasons=("shallow",))  # fmt: skip

    stage = RepWarnings()
    assert stage.update(frame(1.0, 1, rep(1))) == ("rep 1: Bend your legs more",)
    assert stage.update(frame(1.5, 1, None)) == ("rep 1: Bend your legs more",)
    assert stage.update(frame(2.0, 2, rep(2))) == ("reps 1-2: Bend your legs more",)
    assert stage.update(frame(6.0, 6, rep(6))) == ("reps 1-6: Bend your legs more",)


def test_a_retrain_on_real_windows_that_are_not_there_is_refused_before_its_folder(
    tmp_path: Path,
) -> None:
    """It ran notebook 01 for 20 s and left a failed run folder behind."""
    from gymlib.pipeline import main, retrain

    missing = tmp_path / "nowhere.npz"
    with pytest.raises(FileNotFoundError, match=r"nowhere.npz: no real windows file there"):
        retrain("real_windows", params={"01_acquisition": {"REAL_WINDOWS": str(missing)}},
                runs=tmp_path / "runs", progress=False)  # fmt: skip
    (tmp_path / "p.yaml").write_text(f"01_acquisition: {{REAL_WINDOWS: {missing}}}\n")
    assert main(["retrain", "--params", str(tmp_path / "p.yaml"), "--runs",
                 str(tmp_path / "runs")]) == 1  # fmt: skip
    assert not (tmp_path / "runs").exists()


def test_the_progress_plot_of_a_single_day_names_that_day() -> None:
    """Sessions of one day: the rep time and range panels read "Jan 01" five times."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from gymlib.plots import progress

    days = pd.DataFrame({"exercise": ["squat", "push_up", "push_up"],
                         "day": ["2026-12-07", "2026-12-05", "2026-12-07"], "reps": [12, 5, 8],
                         "good_share": [0.5, 1.0, 0.75], "tempo_s": [2.1, 1.5, 1.4],
                         "rom": [0.9, 0.8, 0.85]})  # fmt: skip
    fig = progress(days)
    fig.canvas.draw()
    for ax in fig.axes:
        labels = {t.get_text() for t in ax.get_xticklabels() if t.get_text()}
        assert labels <= {"Dec 05", "Dec 06", "Dec 07"} and labels, labels
    squat_axes = [ax for ax in fig.axes if ax.get_title().startswith("squat")]
    for ax in squat_axes:
        assert {t.get_text() for t in ax.get_xticklabels() if t.get_text()} == {"Dec 07"}


def test_reps_csv_has_the_same_columns_with_no_rep(tmp_path: Path) -> None:
    """With no rep, reps.csv had 7 columns, 15 otherwise: scripts joining runs broke."""
    from gymlib.analyze import main as analyze_main
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", 3, seed=3, view="left")
    headers = []
    for name, landmarks in (("squats", clip.landmarks), ("nobody", 0 * clip.landmarks)):
        np.savez(tmp_path / f"{name}.npz", landmarks=landmarks, fps=np.float64(clip.fps),
                 image_size=np.array((640, 480)))  # fmt: skip
        assert analyze_main([str(tmp_path / f"{name}.npz"), "--out", str(tmp_path / name)]) == 0
        lines = (tmp_path / name / "reps.csv").read_text().splitlines()
        headers.append(lines[0])
        assert len(lines) == (4 if name == "squats" else 1)
    assert headers[0] == headers[1] and headers[0].endswith(",set")


@pytest.mark.notebooks
def test_training_data_with_no_window_in_training_is_refused(tmp_path: Path) -> None:
    """A newcomer's two clips: notebook 02 put both recordings in test and validation, and
    notebook 03 trained on generated windows alone, scored 0.0 and saved the model."""
    import papermill as pm

    from gymlib.datasets import save_processed
    from gymlib.sources import load

    data = load("synthetic", clips=6, seed=3)
    split = np.where(np.isin(data.group, sorted(set(data.group))[:3]), "test", "validation")
    path = save_processed("none_to_train", data, split, out_dir=tmp_path)
    with pytest.raises(pm.PapermillExecutionError, match="no window of the data went to train"):
        pm.execute_notebook(str(ROOT / "notebooks" / "03_training.ipynb"),
                            str(tmp_path / "out.ipynb"), parameters={
                                "DATA": f"processed:{path}", "OUT_DIR": str(tmp_path / "o"),
                                "VIEW_CLIPS": 6, "OTHER_CLIPS": 6, "VIEW_TEST_CLIPS": 1},
                            kernel_name="python3", progress_bar=False)  # fmt: skip
    assert not list((tmp_path / "o").glob("*.keras"))


@pytest.mark.notebooks
def test_preprocessing_says_when_an_exercise_gets_no_training_window(tmp_path: Path) -> None:
    import papermill as pm

    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "02_preprocessing.ipynb"), str(out),
                        parameters={"N_SYNTH_CLIPS": 2, "OUT_DIR": str(tmp_path / "o"),
                                    "PROCESSED_DIR": str(tmp_path / "p"), "SEED": 3},
                        kernel_name="python3", progress_bar=False)  # fmt: skip
    text = out.read_text(encoding="utf-8")
    assert "warning: no training window of" in text and "give each exercise more" in text


def test_analyze_with_stdout_full_or_an_empty_out_says_so(tmp_path: Path) -> None:
    """Standard output on a full disk: every result was written, then a traceback and exit 1
    with nothing said; ``--out ''`` was refused as "holds the input" (it is the working
    folder)."""
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", 3, seed=3, view="left")
    src = tmp_path / "squats.npz"
    np.savez(src, landmarks=clip.landmarks, fps=np.float64(clip.fps),
             image_size=np.array((640, 480)))  # fmt: skip
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "gymlib.analyze", str(src), "--out",
                               str(tmp_path / "o")], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"the results are written ({tmp_path / 'o'})" in done.stderr
    assert (tmp_path / "o" / "summary.json").is_file()
    done = subprocess.run([sys.executable, "-m", "gymlib.analyze", str(src), "--out", ""],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 2 and "--out is empty: give a folder" in done.stderr


@pytest.mark.notebooks
def test_notebook_04_with_sessions_a_file_stops_at_once(tmp_path: Path) -> None:
    """It coached the whole session first and failed at the history cell."""
    import papermill as pm

    (tmp_path / "sessions").write_text("not a folder")
    with pytest.raises(pm.PapermillExecutionError, match="is a file; give the folder"):
        pm.execute_notebook(str(ROOT / "notebooks" / "04_live_coach.ipynb"),
                            str(tmp_path / "out.ipynb"), parameters={
                                "SOURCE": "synthetic", "SESSIONS": str(tmp_path / "sessions"),
                                "OUT_DIR": str(tmp_path / "o")},
                            kernel_name="python3", progress_bar=False)  # fmt: skip
    assert not (tmp_path / "o" / "metrics.json").exists()
