"""What a newcomer trips on in the README's commands (docs/reliability.md, "A newcomer's run
(session 6)"): each test is one thing a person did on day one, run on the real components."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from gymlib.analyze import main as analyze_main
from gymlib.annotate import draw
from gymlib.synth import generate_clip


def _clip_npz(path: Path, image_size: tuple[int, int] = (640, 480)) -> Path:
    """A generated squat set as a landmark file analyze reads (fast: no MediaPipe)."""
    clip = generate_clip("squat", 4, seed=5, view="left")
    np.savez(path, landmarks=clip.landmarks, fps=np.float64(clip.fps),
             image_size=np.array(image_size))  # fmt: skip
    return path


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only even for root (chattr +i); else by its mode, where that binds."""
    immutable = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
    if not immutable:
        folder.chmod(0o555)
        if os.access(folder, os.W_OK):
            folder.chmod(0o755)
            pytest.skip("cannot make a folder read-only here (root without chattr)")
    try:
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


# --------------------------------------------------------------------------------------------
# python -m gymlib.analyze on what people hand it
# --------------------------------------------------------------------------------------------
def test_a_folder_given_as_the_video_is_named_as_a_folder_with_a_file_to_give(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clips = tmp_path / "my videos"
    clips.mkdir()
    (clips / "squats.mp4").write_bytes(b"")
    (clips / "old.mp4").mkdir()  # a folder named like a video is not offered
    assert analyze_main([str(clips), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and str(clips / "squats.mp4") in err, err
    assert "1 video" in err and "old.mp4" not in err, err
    assert not (tmp_path / "out").exists()
    (clips / "squats.mp4").unlink()
    (clips / "00012.MTS").write_bytes(b"")  # a camcorder's clip
    assert analyze_main([str(clips)]) == 2
    assert str(clips / "00012.MTS") in capsys.readouterr().err
    (clips / "00012.MTS").unlink()
    assert analyze_main([str(clips)]) == 2
    assert "holds no video" in capsys.readouterr().err


def test_a_photo_is_refused_before_any_analysis_and_leaves_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = tmp_path / "me.jpg"
    assert cv2.imwrite(str(photo), np.full((720, 406, 3), 128, np.uint8))
    assert analyze_main([str(photo), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert str(photo) in err and "still image" in err and "video" in err, err
    assert not (tmp_path / "out").exists()
    png = tmp_path / "me.png"
    assert cv2.imwrite(str(png), np.full((720, 406, 3), 128, np.uint8))
    assert analyze_main([str(png), "--out", str(tmp_path / "out")]) == 2
    assert "still image (png)" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
@pytest.mark.parametrize("name,fmt", [("webcam.mjpeg", "mjpeg"), ("webcam.avi", "avi")])
def test_a_webcams_mjpeg_recording_is_a_video_not_a_photo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, fmt: str
) -> None:
    """Motion JPEG is what many webcams and IP cameras record: in an AVI the header counts its
    frames, a raw ``.mjpeg`` stream does not (it was refused as "a still image")."""
    root = Path(__file__).resolve().parent.parent
    clip = tmp_path / name
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(root / "data" / "samples" /
                    "squat-left.mp4"), "-frames:v", "12", "-c:v", "mjpeg", "-f", fmt, str(clip)],
                   check=True)  # fmt: skip
    assert analyze_main([str(clip), "--out", str(tmp_path / "out")]) == 0, capsys.readouterr()
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["frames"] == 12


def test_out_dot_fills_the_empty_folder_the_person_is_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``mkdir results && cd results && analyze ../clip --out .``: the results land there (it
    failed with "PosixPath('.') has an empty name" after the whole analysis)."""
    src = _clip_npz(tmp_path / "clip.npz")
    here = tmp_path / "results"
    here.mkdir()
    monkeypatch.chdir(here)
    assert analyze_main([str(src), "--out", ".", "--exercise", "squat"]) == 0, capsys.readouterr()
    names = sorted(p.name for p in here.iterdir())
    assert names == ["annotated.mp4", "reps.csv", "sets.csv", "summary.json", "summary.png"]
    assert json.loads((here / "summary.json").read_text())["reps"] >= 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers
    # a second run into it without --overwrite is refused, as for any folder holding results
    assert analyze_main([str(src), "--out", "."]) == 2
    assert "already holds results" in capsys.readouterr().err
    # with --overwrite the files are replaced in the folder the person is in, which stays
    # (swapped whole, the shell would sit in a deleted folder)
    inode, before = os.stat(".").st_ino, (here / "reps.csv").stat().st_mtime_ns
    assert analyze_main([str(src), "--out", ".", "--overwrite", "--exercise", "squat"]) == 0
    assert os.stat(".").st_ino == inode and Path.cwd().exists()
    assert (here / "reps.csv").stat().st_mtime_ns > before
    assert sorted(p.name for p in here.iterdir()) == names


def test_overwrite_from_inside_the_results_folder_named_through_a_symlink_keeps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cd ~/results`` (the shell shows the real path) then ``--out ~/link/results`` (a symlink
    to the same folder) ``--overwrite``: the folder the person is in was swapped whole, their
    shell left in a deleted folder."""
    src = _clip_npz(tmp_path / "clip.npz")
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    via_link = tmp_path / "link" / "results"
    assert analyze_main([str(src), "--out", str(via_link), "--exercise", "squat"]) == 0
    monkeypatch.chdir(real / "results")
    inode = os.stat(".").st_ino
    args = [str(src), "--out", str(via_link), "--overwrite", "--exercise", "squat"]
    assert analyze_main(args) == 0
    assert Path.cwd().exists() and os.stat(".").st_ino == inode
    assert (Path.cwd() / "summary.json").is_file()
    assert [p.name for p in real.iterdir()] == ["results"]  # no old copy left beside it


def test_the_input_inside_its_results_folder_is_never_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A probe's: ``analyze results/annotated.mp4 --out results --overwrite`` replaced the
    user's video with its own annotated copy; without ``--overwrite`` it called the video
    "results". Refused before anything is read, the video kept byte for byte."""
    import hashlib

    results = tmp_path / "results"
    src = _clip_npz(tmp_path / "clip.npz")
    assert analyze_main([str(src), "--out", str(results), "--exercise", "squat"]) == 0
    video = results / "annotated.mp4"
    digest = hashlib.sha256(video.read_bytes()).hexdigest()
    for extra in ([], ["--overwrite"]):
        capsys.readouterr()
        assert analyze_main([str(video), "--out", str(results), *extra]) == 2
        err = capsys.readouterr().err
        assert "holds the input annotated.mp4 itself" in err and str(results) in err
        assert hashlib.sha256(video.read_bytes()).hexdigest() == digest
    (tmp_path / "link").symlink_to(results)  # named through a link: the same folder
    assert analyze_main([str(tmp_path / "link" / "annotated.mp4"), "--out", str(results),
                         "--overwrite"]) == 2  # fmt: skip
    assert hashlib.sha256(video.read_bytes()).hexdigest() == digest


def test_an_empty_out_folder_in_a_folder_the_person_cannot_write_is_filled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out`` an empty folder of one's own inside a read-only folder (a shared drive's, a
    mount point's parent): the work was done beside it, in the folder that takes no file."""
    src = _clip_npz(tmp_path / "clip.npz")
    shared = tmp_path / "shared"
    mine = shared / "me"
    mine.mkdir(parents=True)
    with _read_only(shared):
        args = [str(src), "--out", str(mine), "--exercise", "squat"]
        assert analyze_main(args) == 0, capsys.readouterr().err
        assert sorted(p.name for p in mine.iterdir()) == [
            "annotated.mp4", "reps.csv", "sets.csv", "summary.json", "summary.png"
        ]  # fmt: skip
        assert [p.name for p in shared.iterdir()] == ["me"]


# --------------------------------------------------------------------------------------------
# the annotated video's text on a portrait or small clip
# --------------------------------------------------------------------------------------------
LINES = ["lat_machine | set 1 | rep 4", "lat_machine total 4: good 4  partial 0  faulty 0"]


def _text_reaches(img: np.ndarray, rows: slice) -> int:
    """The rightmost column with white text in ``rows`` (-1 if none)."""
    cols = np.flatnonzero((img[rows].min(axis=2) > 200).any(axis=0))
    return int(cols[-1]) if len(cols) else -1


def test_text_lines_shrink_to_fit_a_narrow_frame_and_keep_their_size_where_they_fit() -> None:
    narrow = np.zeros((720, 406, 3), np.uint8)  # a portrait phone clip's width
    draw(narrow, None, LINES, marks=["good"] * 4)
    right = _text_reaches(narrow, slice(0, 80))
    assert 300 < right < 406 - 6, right  # the whole line drawn, a margin left at the edge
    wide = np.zeros((720, 1280, 3), np.uint8)
    draw(wide, None, LINES, marks=["good"] * 4)
    assert _text_reaches(wide, slice(0, 80)) > 406  # at full size where there is room
    assert wide[12 + 44 + 3 : 12 + 44 + 9, 10:80].max() > 150  # marks under two 22-px lines


def test_a_line_too_long_at_the_smallest_text_is_broken_between_words() -> None:
    """The framing hint (67 characters) on a 360-px clip: at the smallest text it is ~400 px;
    it was cut after "aim the cam"; now it is drawn on two lines, each whole."""
    hint = "Your hands are out of the picture - step back or aim the camera higher"
    narrow = np.zeros((640, 360, 3), np.uint8)
    draw(narrow, None, [*LINES, hint])
    assert _text_reaches(narrow, slice(0, 120)) < 360 - 6
    rows = np.flatnonzero((narrow.min(axis=2) > 200).any(axis=1))
    assert rows.max() >= 2 + 13 * 4 - 2  # a fourth line's baseline (13-px lines at 0.35)


def test_a_portrait_clips_annotated_video_shows_its_text_whole(tmp_path: Path) -> None:
    # drawn 480 px high: a 406x720 portrait clip is 270 px wide, the counts line about 470 px
    src = _clip_npz(tmp_path / "portrait.npz", image_size=(406, 720))
    assert analyze_main([str(src), "--out", str(tmp_path / "out"), "--exercise", "squat"]) == 0
    with av.open(str(tmp_path / "out" / "annotated.mp4")) as c:
        last = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)][-1]
    assert last.shape[1] == 270
    assert 0 < _text_reaches(last, slice(0, 60)) < 270 - 5
    # the dark box is as wide as its longest line: it ends inside the frame, with the text
    assert last[8, -2].mean() > 30 > last[8, 6].mean(), (last[8, -2], last[8, 6])


# --------------------------------------------------------------------------------------------
# python -m gymlib.history and python -m gymlib.teach --list on a fresh clone
# --------------------------------------------------------------------------------------------
def test_history_writes_its_plot_under_runs_not_where_it_was_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gymlib.history as history
    from gymlib.config import load_config

    cfg = load_config()
    runs = tmp_path / "runs"
    mine = dataclasses.replace(cfg, paths=dataclasses.replace(cfg.paths, runs=runs))
    monkeypatch.setattr(history, "load_config", lambda *a, **k: mine)
    sessions, cwd = tmp_path / "sessions", tmp_path / "repo"
    sessions.mkdir()
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    assert history.main(["--sessions", str(sessions)]) == 0
    out = capsys.readouterr().out
    assert "no saved sessions yet" in out and str(sessions) in out and "save session" in out
    assert list(cwd.iterdir()) == [] and (runs / "history.png").read_bytes()[:4] == b"\x89PNG"


def test_history_names_a_sessions_folder_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import gymlib.history as history

    missing = tmp_path / "sesions"
    assert history.main(["--sessions", str(missing), "--out", str(tmp_path / "h.png")]) == 2
    assert str(missing) in capsys.readouterr().err and not (tmp_path / "h.png").exists()


def test_teach_list_on_an_empty_store_says_so_in_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gymlib.teach.__main__ import main as teach_main

    assert teach_main(["--list", "--store", str(tmp_path / "taught")]) == 0
    out = capsys.readouterr().out
    assert "no exercise taught yet" in out and "python -m gymlib.teach" in out, out


# --------------------------------------------------------------------------------------------
# python -m gymlib.pipeline retrain --promote: whether it shipped
# --------------------------------------------------------------------------------------------
def test_retrain_promote_says_whether_the_model_shipped_and_why_not() -> None:
    """A fresh clone's ``retrain --source real_windows --promote`` (session 6) recorded this in
    run.json and printed only the run folder and the model's path: no word on the promotion."""
    from gymlib.pipeline import promotion_line

    kept = promotion_line({"new_macro_f1": 0.9590531942804671, "promoted": False,
                           "shipped_macro_f1": 0.9601001863932899})  # fmt: skip
    assert kept.startswith("not promoted") and "0.959" in kept and "0.960" in kept
    assert "models/ unchanged" in kept
    shipped = promotion_line({"new_macro_f1": 0.97, "promoted": True, "shipped_macro_f1": 0.96})
    assert shipped.startswith("promoted") and "previous" in shipped
    assert "no scores" in promotion_line({"promoted": False})
    # a clone without a shipped model: promoted, with no old model kept and no score to beat
    first = promotion_line({"new_macro_f1": 0.95, "promoted": True, "shipped_macro_f1": None})
    assert first.startswith("promoted") and "0.950" in first and "no model was shipped" in first
    assert "previous" not in first and "no scores" not in first


# --------------------------------------------------------------------------------------------
# notebook 05 on a real video: MediaPipe's start-up notices stay out of the notebook
# --------------------------------------------------------------------------------------------
@pytest.mark.notebooks
def test_notebook_05_on_a_video_shows_no_native_start_up_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`papermill notebooks/05_analyze_video.ipynb ... -p VIDEO clip.mp4` showed "INFO: Created
    TensorFlow Lite XNNPACK delegate", absl's W0000 lines and oneDNN's notice as stderr boxes
    above the results (notebook 04 filters them since issue 41; 05 and 06 did not)."""
    import papermill as pm

    # ipykernel forwards native stderr to the notebook only outside pytest, as for a user
    monkeypatch.delenv("PYTEST_CURRENT_TEST", raising=False)
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "05.ipynb"
    pm.execute_notebook(
        str(root / "notebooks" / "05_analyze_video.ipynb"), str(out), kernel_name="python3",
        parameters={"VIDEO": "data/samples/squat-left.mp4", "OUT_DIR": str(tmp_path)},
        cwd=str(root / "notebooks"), progress_bar=False,
    )  # fmt: skip
    cells = json.loads(out.read_text())["cells"]
    stderr = "".join("".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])
                     if o.get("name") == "stderr")  # fmt: skip
    assert "XNNPACK" not in stderr and "W0000" not in stderr, stderr[:800]
    assert json.loads((tmp_path / "metrics.json").read_text())["reps"] >= 3  # it did analyse


# --------------------------------------------------------------------------------------------
# the live coach's dashboard: a faulty rep says what to fix, not only numbers
# --------------------------------------------------------------------------------------------
def test_the_dashboards_last_rep_line_says_what_to_fix(tmp_path: Path) -> None:
    """In Chromium with the fake camera playing squat-left.mp4 (reps 4 and 5 shallow), the
    dashboard's line for the last shallow rep read only "rep 19: hips 0.85 thigh lengths above
    the knees (limit: ...)" once the active warning had gone: no word of what to do."""
    from gymlib.model import ExerciseClassifier
    from gymlib.widgets.coach import LiveCoach

    root = Path(__file__).resolve().parent.parent
    cap = cv2.VideoCapture(str(root / "data" / "samples" / "squat-left.mp4"))
    fps = cap.get(cv2.CAP_PROP_FPS)
    coach = LiveCoach(ExerciseClassifier.load(), fps=fps, sessions=tmp_path)
    try:
        i = 0
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            coach._handle(cv2.imencode(".jpg", bgr)[1].tobytes(), i / fps)
            i += 1
        faults = [r for r in coach.session.reps if r.faults]
        assert faults, "the two shallow reps were not judged faulty"
        last = faults[-1].faults[0]
        shown = coach.warnings.value
        assert f"rep {faults[-1].index}: {last.message}" in shown, shown
        assert last.message and "limit" in shown  # and still the value against its limit
    finally:
        cap.release()
        coach.close()


def test_an_empty_out_folder_that_takes_no_file_is_refused_before_the_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It failed after the whole analysis (minutes on a real clip) with a raw rename error."""
    src = _clip_npz(tmp_path / "clip.npz")
    locked = tmp_path / "locked"
    locked.mkdir()
    with _read_only(locked):
        assert analyze_main([str(src), "--out", str(locked)]) == 2
        captured = capsys.readouterr()
        assert f"{locked}: cannot write results here" in captured.err, captured.err
        assert "(pose)" not in captured.err  # refused before the pose pass began
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("given", ["empty folder", "new folder"])
def test_a_killed_runs_leftover_work_is_cleared_by_the_next_run(
    tmp_path: Path, given: str
) -> None:
    """kill -9 (or the out-of-memory killer) mid-analysis leaves its hidden work folder; the next
    run into the same --out must not be refused for it, and removes it (its process is gone)."""
    import signal
    import sys
    import time

    src = _clip_npz(tmp_path / "clip.npz")
    out = tmp_path / "results"
    if given == "empty folder":
        out.mkdir()  # filled file by file: the work folder is inside it
    args = [sys.executable, "-m", "gymlib.analyze", str(src), "--out", str(out), "--exercise",
            "squat"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pattern = ".results.partial-*"
    deadline = time.monotonic() + 300
    while not (list(out.glob(pattern)) if out.is_dir() else list(tmp_path.glob(pattern))):
        assert proc.poll() is None and time.monotonic() < deadline, "no work folder appeared"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    where = out if given == "empty folder" else tmp_path
    assert list(where.glob(pattern)), "the killed run left no work folder to clear"
    assert analyze_main([str(src), "--out", str(out), "--exercise", "squat"]) == 0
    assert json.loads((out / "summary.json").read_text())["reps"] >= 3
    assert not list(out.glob(pattern)) and not list(tmp_path.glob(pattern))


def test_a_run_still_writing_into_the_folder_is_named_not_swept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    going = out / f".results.partial-{os.getpid()}-abc"  # this process: running
    going.mkdir(parents=True)
    assert analyze_main([str(_clip_npz(tmp_path / "clip.npz")), "--out", str(out)]) == 2
    assert "another analysis is writing there now" in capsys.readouterr().err
    assert going.is_dir()
