"""What a live user meets when they stop the camera (session 7): the stream ends as a video's
does (the rep it ends on is counted, the set closes), a restart is a new set, a saved session
replays to the same count; a cut seen in the pixels is shown; and the small defects of
session 6's review (one list of video suffixes, ``reset`` forgetting the old stream's inputs,
``analyze --overwrite`` into a mount point)."""

from __future__ import annotations

import functools
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from test_cuts import squat_cut  # noqa: F401 - the fixture: a rendered squat cut into a rep

from gymlib.live import LiveLoop
from gymlib.recording import EventLog, LiveInputs, replay_session, save_session
from gymlib.session import CoachSession
from gymlib.synth import generate_clip

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _classifier():  # noqa: ANN202 - the shipped one, loaded once for the module
    from gymlib.model import ExerciseClassifier

    return ExerciseClassifier.load()


@functools.cache
def _squats() -> tuple[np.ndarray, float, int]:
    """Four rendered-skeleton squats ``(T, 33, 4)``, their fps, and the number of frames fed
    when the live loop counts the last rep (it waits a few frames back at the top to be sure
    the rep is over: a camera stopped in those frames has seen the whole rep)."""
    clip = generate_clip("squat", 4, seed=5, view="right", image_size=(640, 480))
    loop = LiveLoop(CoachSession(_classifier(), fps=clip.fps, aspect=4 / 3))
    counted = None
    for i, f in enumerate(clip.landmarks):
        loop.step(i / clip.fps, landmarks=f if f.any() else None)
        if counted is None and len(loop.reps) == len(clip.reps):
            counted = i  # frames fed before the one the last rep was counted on
    assert counted is not None, "the whole clip is not counted: the test's premise"
    return clip.landmarks, clip.fps, counted


def _feed(loop: LiveLoop, frames: np.ndarray, t0: float, fps: float) -> float:
    for i, f in enumerate(frames):
        loop.step(t0 + i / fps, landmarks=f if f.any() else None)
    return t0 + len(frames) / fps


def test_stopping_the_stream_counts_its_last_rep_and_a_restart_is_a_new_set(
    tmp_path: Path,
) -> None:
    lm, fps, stop = _squats()
    events = EventLog()
    loop = LiveLoop(CoachSession(_classifier(), fps=fps, aspect=4 / 3), events=events)
    t = _feed(loop, lm[:stop], 0.0, fps)
    assert len(loop.reps) == 3  # the last rep is back at the top, not yet counted
    out = loop.finish()  # the camera stopped
    assert out is not None and out.ended and out.rep is not None and out.rep.index == 4
    assert len(loop.reps) == 4 and [e["rep"] for e in events.events if e["type"] == "rep"] == [
        1, 2, 3, 4
    ]  # fmt: skip
    assert [(s.exercise, s.reps) for s in out.sets] == [("squat", 4)]
    assert out.timer[0] == "rest"  # the set is closed
    assert loop.finish() is None  # stopped twice: nothing more
    # the camera started again (5 s later): a fresh stream, recognised afresh, a new set
    assert loop.session.current == "unknown" and not loop.session.window
    _feed(loop, lm, t + 5.0, fps)
    loop.finish()
    assert [(s.exercise, s.reps) for s in loop.sets.sets] == [("squat", 4), ("squat", 4)]
    assert [r.index for r in loop.reps] == list(range(1, 9))
    # saved and replayed (the history's path): the same reps in the same sets
    frames = [*lm[:stop], *lm]
    times = [*(np.arange(stop) / fps), *(t + 5.0 + np.arange(len(lm)) / fps)]
    inputs = LiveInputs.of(loop.session)
    assert inputs.ends == (stop, len(frames))
    saved = save_session(tmp_path, times, frames, fps=fps, aspect=4 / 3, inputs=inputs)
    again = replay_session(saved, _classifier())
    assert [r.as_row() for r in again.reps] == [r.as_row() for r in loop.reps]
    assert again.sets.sets == loop.sets.sets


def test_the_live_coach_stop_button_closes_the_set_and_start_begins_another(
    tmp_path: Path,
) -> None:
    """The dashboard's own path: frames through the widget's handler (the pose stage given the
    clip's landmarks), "stop", "start", more frames, "save session" and its replay."""
    import cv2

    from gymlib.widgets.coach import LiveCoach

    lm, fps, stop = _squats()
    coach = LiveCoach(_classifier(), sessions=tmp_path)
    try:
        stream = iter([*lm[:stop], *lm])
        coach.loop.pose = lambda _img, _t: next(stream)
        jpeg = cv2.imencode(".jpg", np.zeros((480, 640, 3), np.uint8))[1].tobytes()
        for i in range(stop):
            coach._handle(jpeg, i / fps)
        assert len(coach.session.reps) == 3
        coach.stop()  # the button's action
        assert not coach.camera.running and len(coach.session.reps) == 4
        assert "<td>squat</td>" in coach.set_table.value and "camera stopped at" in (
            coach.camera_note.value
        )
        assert "rep 4" in coach.camera_note.value and "set 1 (squat, 4 reps) closed" in (
            coach.camera_note.value
        )
        assert coach._handle(jpeg, stop / fps) == {}  # a frame still on its way: not coached
        coach.start()
        for i in range(len(lm)):  # the browser's clock goes on (one clock for the widget)
            coach._handle(jpeg, 30.0 + i / fps)
        assert "camera stopped" not in coach.camera_note.value  # frames again: the note goes
        coach.stop()
        assert [(s["set"], s["reps"]) for s in coach.sets] == [(1, 4), (2, 4)]
        saved = coach._save()
        again = replay_session(saved, _classifier())
        assert [r.as_row() for r in again.reps] == [r.as_row() for r in coach.session.reps]
        assert [w.as_row() for w in again.sets.sets] == coach.sets
    finally:
        coach.close()


def test_the_camera_widget_hears_its_stream_end_from_the_kernel_or_the_browser() -> None:
    from gymlib.widgets.camera import CameraWidget

    ended: list[str] = []
    handled: list[float] = []
    cam = CameraWidget(lambda _jpeg, t: handled.append(t) or {}, on_end=ended.append,
                       direct=False)  # fmt: skip
    sent: list[dict] = []
    cam.send = lambda msg, buffers=None: sent.append(msg)  # the page's side of the comm
    try:
        cam._on_msg(cam, {"type": "frame", "t": 0.5}, [b"jpeg"])
        cam.stop()
        assert ended == ["stopped"] and {"type": "stop"} in sent
        cam._on_msg(cam, {"type": "frame", "t": 0.6}, [b"jpeg"])  # on its way at the stop
        assert handled == [0.5] and sent[-1]["type"] == "result"  # answered: its slot frees
        cam.start()
        cam._on_msg(cam, {"type": "ended", "reason": "was unplugged or turned off"}, [])
        assert ended == ["stopped", "was unplugged or turned off"] and not cam.running
    finally:
        cam.close()


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_a_camera_cut_is_shown_in_the_dashboard(squat_cut: Path, tmp_path: Path) -> None:  # noqa: F811
    """The rendered squat cut into a rep (at frame 120, 4.0 s), sent to the dashboard's handler
    as the browser sends it (JPEG, its times): real MediaPipe sees the cut in the pixels, the
    loop returns it and the dashboard's status line names it."""
    import cv2

    from gymlib.cuts import LANDMARKS, PIXELS, Cut
    from gymlib.media import VideoReader
    from gymlib.widgets.coach import LiveCoach

    coach = LiveCoach(_classifier(), sessions=tmp_path)
    try:
        for i, (bgr, _t) in enumerate(VideoReader(squat_cut)):
            coach._handle(cv2.imencode(".jpg", bgr)[1].tobytes(), i / 30)
            if i == 119:
                assert coach.camera_note.value == ""  # before the cut: nothing to say
        assert coach.loop._last is not None
        assert coach.loop._last.cuts == ((pytest.approx(4.0, abs=0.04), "pixels"),)
        assert "camera moved at 4.0 s" in coach.camera_note.value
        assert "counting started afresh" in coach.camera_note.value
        # the saved session: ``cuts`` the pixels' times as before (what a replay is given;
        # older readers of summary.json read floats), ``cuts_found`` each cut with its kind
        summary = json.loads((coach._save() / "summary.json").read_text())
        assert summary["cuts"] == [pytest.approx(4.0, abs=0.04)]
        assert summary["cuts_found"] == [{"time_s": pytest.approx(4.0, abs=0.04),
                                          "kind": "pixels"}]  # fmt: skip
    finally:
        coach.close()
    # a cut seen in the landmarks alone says so
    note = LiveCoach.cut_note((Cut(4.0, PIXELS), Cut(9.5, LANDMARKS)))
    assert note.startswith("camera moved at 9.5 s (2 times): the body in it changed at once")


def test_reset_forgets_the_old_streams_changes() -> None:
    lm, fps, _ = _squats()
    session = CoachSession(_classifier(), fps=fps, aspect=4 / 3, exercise="squat")
    loop = LiveLoop(session)
    _feed(loop, lm[:100], 0.0, fps)
    session.set_aspect(16 / 9)
    loop.new_set()
    session.finish()
    session.reset()
    # a replay of the new stream starts from its shape and the exercise chosen, nothing else
    assert session.changes == [(0, "aspect", 16 / 9), (0, "exercise", "squat")]
    assert session.reps == [] and session.frames == 0
    inputs = LiveInputs.of(session)
    assert inputs.new_sets == () and inputs.ends == () and inputs.aspects == ((0, 16 / 9),)


def test_one_list_of_video_suffixes() -> None:
    import gymlib.sources.videos as videos

    assert {".mp4", ".mov", ".m4v", ".mts", ".mjpeg"} <= set(videos.VIDEO_SUFFIXES)
    assert ".npz" not in videos.VIDEO_SUFFIXES  # landmarks are analyze's own input


def test_analyze_names_a_phone_clip_in_a_folder_given_as_video(tmp_path: Path) -> None:
    from gymlib.analyze import checked_input

    (tmp_path / "IMG_0001.m4v").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("")
    with pytest.raises(IsADirectoryError, match="IMG_0001.m4v"):
        checked_input(tmp_path)


def test_a_training_folder_takes_every_video_analyze_takes(tmp_path: Path) -> None:
    from gymlib.sources.common import Report
    from gymlib.sources.videos import _clips

    for name in ("a.mp4", "b.m4v", "c.MTS", "d.txt"):
        (tmp_path / "squat" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "squat" / name).write_bytes(b"x")
    todo = _clips(tmp_path, ("squat",), {}, tmp_path / "cache", Report(), "raise")
    assert sorted(v.name for v, _, _ in todo) == ["a.mp4", "b.m4v", "c.MTS"]


@pytest.mark.skipif(not os.path.ismount("/dev/shm"), reason="needs /dev/shm, a mount point")
def test_analyze_overwrite_into_a_mount_point_fills_it(tmp_path: Path) -> None:
    """A mount point cannot be renamed: its results are replaced file by file (they were
    swapped whole, which failed after the whole analysis). /dev/shm is shared with every
    process on the machine (Chromium, multiprocessing's semaphores): only the files analyze
    writes there are looked at and removed."""
    from gymlib.analyze import analyze
    from gymlib.analyze_output import OUTPUT_FILES, work_prefix
    from gymlib.io import save_npz_atomic

    shm = Path("/dev/shm")
    if not os.path.ismount(shm) or any(shm.iterdir()):
        pytest.skip("/dev/shm is no mount point or holds other files: not this test's to fill")
    ours = work_prefix(shm)  # this process's work folders
    lm, fps, _ = _squats()
    clip = save_npz_atomic(tmp_path / "squats.npz", landmarks=lm[:200],
                           timestamps=np.arange(200) / fps, fps=np.float64(fps),
                           image_size=np.array([640, 480]))  # fmt: skip
    try:
        analyze(clip, out=shm, exercise="squat", progress=False)
        first = (shm / "summary.json").stat().st_mtime_ns
        result = analyze(clip, out=shm, exercise="squat", progress=False, overwrite=True)
        assert Path(result.outputs["summary"]).parent == shm
        assert (shm / "summary.json").stat().st_mtime_ns >= first
        assert not [p for p in shm.iterdir() if p.name.startswith(ours)]  # no work left
    finally:
        for p in shm.iterdir():  # only what analyze wrote (other processes' files stay)
            if p.name.startswith(ours):
                shutil.rmtree(p, ignore_errors=True)
            elif p.name in OUTPUT_FILES:
                p.unlink(missing_ok=True)


def _papermill_04(tmp_path: Path, **parameters: object) -> tuple[dict, str]:
    """Notebook 04 run by papermill (no browser, no camera): its metrics and printed text."""
    import json

    import papermill as pm

    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "04.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "04_live_coach.ipynb"), str(out),
        parameters={"OUT_DIR": str(tmp_path), **parameters}, kernel_name="python3",
        cwd=str(tmp_path), progress_bar=False,
    )  # fmt: skip
    cells = json.loads(out.read_text())["cells"]
    printed = "".join(
        "".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )  # fmt: skip
    return json.loads((tmp_path / "metrics.json").read_text()), printed


@pytest.mark.notebooks
def test_notebook_04_under_papermill_says_what_it_did(tmp_path: Path) -> None:
    """The default (the camera) with no browser: it runs, coaches nothing and says how to run
    it headless; headless (a generated session), it says what it coached."""
    metrics, printed = _papermill_04(tmp_path / "camera")
    assert metrics == {"source": "camera", "frames": 0, "reps": 0}
    assert "no frame has come yet" in printed and "-p SOURCE synthetic" in printed
    metrics, printed = _papermill_04(tmp_path / "synthetic", SOURCE="synthetic",
                                     EXERCISE="squat", SYNTH_REPS=4, SEED=2)  # fmt: skip
    assert f"coached synthetic headless: {metrics['frames']} frames" in printed
    assert f"{metrics['reps']} reps in {len(metrics['sets'])} set(s)" in printed


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs Linux's /proc")
def test_analyze_overwrite_leaves_a_shell_inside_the_folder_where_it_is(tmp_path: Path) -> None:
    """A shell of the user's inside the results folder: the folder is filled, not swapped (the
    shell would have been left in a deleted folder)."""
    import subprocess
    import sys

    from gymlib.analyze import analyze
    from gymlib.io import save_npz_atomic

    lm, fps, _ = _squats()
    clip = save_npz_atomic(tmp_path / "squats.npz", landmarks=lm[:200],
                           timestamps=np.arange(200) / fps, fps=np.float64(fps),
                           image_size=np.array([640, 480]))  # fmt: skip
    out = tmp_path / "results"
    analyze(clip, out=out, exercise="squat", progress=False)
    inode = out.stat().st_ino
    shell = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], cwd=out)
    try:
        analyze(clip, out=out, exercise="squat", progress=False, overwrite=True)
        assert out.stat().st_ino == inode  # the same folder, filled
        assert os.readlink(f"/proc/{shell.pid}/cwd") == str(out.resolve())  # not "(deleted)"
        assert (out / "summary.json").is_file()
    finally:
        shell.kill()
        shell.wait()


@pytest.mark.parametrize("order", ["new set, stop", "stop, new set"])
def test_new_set_and_stop_together_replay_as_they_were_counted(order: str, tmp_path: Path) -> None:
    """ "new set" and "stop" with no frame between them, in either order: the rep the stop
    closes belongs to the set that was going on, live and replayed."""
    lm, fps, stop = _squats()
    loop = LiveLoop(CoachSession(_classifier(), fps=fps, aspect=4 / 3))
    t = _feed(loop, lm[:stop], 0.0, fps)
    for step in order.split(", "):
        loop.new_set() if step == "new set" else loop.finish()
    _feed(loop, lm, t + 5.0, fps)
    loop.finish()
    assert [(s.exercise, s.reps) for s in loop.sets.sets] == [("squat", 4), ("squat", 4)]
    times = [*(np.arange(stop) / fps), *(t + 5.0 + np.arange(len(lm)) / fps)]
    saved = save_session(tmp_path, times, [*lm[:stop], *lm], fps=fps, aspect=4 / 3,
                         inputs=LiveInputs.of(loop.session))  # fmt: skip
    again = replay_session(saved, _classifier())
    assert again.sets.sets == loop.sets.sets
    assert [r.as_row() for r in again.reps] == [r.as_row() for r in loop.reps]


def test_a_pause_the_browser_s_times_cannot_tell_is_kept_by_the_frames_arrival() -> None:
    """The page reloaded between two sets (a new browser clock: times from 0 again), or hidden
    through a rest longer than the clock's 300-s bound on a jump (times jump 400 s): the
    machine's clock says how long it was, so the rest is a rest and the sets stay two; without
    it the pause was one frame long."""
    from gymlib.live import FrameClock

    lm, fps, _ = _squats()
    length = len(lm) / fps
    for second_run in ("restart", "hidden"):
        loop = LiveLoop(CoachSession(_classifier(), fps=fps, aspect=4 / 3), clock=FrameClock())
        for i, f in enumerate(lm):
            loop.step(i / fps, landmarks=f if f.any() else None, arrived=1000.0 + i / fps)
        start = 0.0 if second_run == "restart" else length + 400.0
        for i, f in enumerate(lm):  # arriving 400 s after the first run's last frame
            loop.step(start + i / fps, landmarks=f if f.any() else None,
                      arrived=1000.0 + length + 400.0 + i / fps)  # fmt: skip
        loop.finish()
        sets = [w.as_row() for w in loop.sets.sets]
        assert [(s["exercise"], s["reps"]) for s in sets] == [("squat", 4), ("squat", 4)], sets
        assert sets[1]["rest_s"] == pytest.approx(400.0, abs=length), second_run


def test_the_frame_clock_keeps_a_pause_by_arrival_and_not_a_quick_restart() -> None:
    from gymlib.live import FrameClock

    clock = FrameClock()
    first = [clock(i / 30, 50.0 + i / 30) for i in range(30)]
    quick = clock(0.5, 50.0 + 30 / 30 + 0.3)  # a new browser clock, back in 0.3 s: one frame
    assert quick == pytest.approx(first[-1] + 1 / 30)
    paused = clock(0.0, 50.0 + 30 / 30 + 0.3 + 200.0)  # the page reloaded after 200 s
    assert paused == pytest.approx(quick + 200.0)
    assert clock(1 / 30, 251.3 + 1 / 30) == pytest.approx(paused + 1 / 30)  # then as before
    glitch = clock(1e9, 251.3 + 2 / 30)  # an absurd time is still a glitch: one interval on
    assert glitch == pytest.approx(paused + 2 / 30, abs=1e-3)
    again = clock(1 / 30, 251.3 + 5.0)  # a time repeated, late: one frame, not the wait
    assert again == pytest.approx(glitch + 1 / 30, abs=1e-3)
    assert clock(0.0, float("inf")) == pytest.approx(again + 1 / 30)  # a bad arrival: ignored


def test_the_dashboard_gives_each_frame_its_arrival_so_a_restart_keeps_the_rest(
    tmp_path: Path,
) -> None:
    import time

    import cv2

    from gymlib.widgets.coach import LiveCoach

    lm, fps, _ = _squats()
    coach = LiveCoach(_classifier(), sessions=tmp_path)
    try:
        stream = iter([*lm, *lm])
        coach.loop.pose = lambda _img, _t: next(stream)
        jpeg = cv2.imencode(".jpg", np.zeros((480, 640, 3), np.uint8))[1].tobytes()
        for i in range(len(lm)):
            coach._handle(jpeg, i / fps)
        coach.stop()
        time.sleep(2.0)  # the rest, camera off
        coach.start()
        for i in range(len(lm)):  # a new browser clock (the page reloaded): from 0 again
            coach._handle(jpeg, i / fps)
        coach.stop()
        assert [(s["set"], s["reps"]) for s in coach.sets] == [(1, 4), (2, 4)]
        t = [r[0] for r in coach.recording]
        pause = t[len(lm)] - t[len(lm) - 1]
        assert pause >= 2.0  # one frame (0.03 s) before: the rest was 2 s shorter than it was
        assert coach.sets[1]["rest_s"] > pause
    finally:
        coach.close()
