"""A saved live session replays to what the person saw: the camera cuts the live coach saw in
the pixels, the picture's shape changes and the exercise the user fixed are saved with the
landmarks (gymlib.recording.LiveInputs) and fed back by replay_session and the history."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from test_cuts import squat_cut  # noqa: F401 - the fixture: a rendered squat cut into a rep

from gymlib.extract import PoseExtractor
from gymlib.history import session_history, session_reps
from gymlib.live import LiveLoop
from gymlib.media import VideoReader
from gymlib.recording import (
    EventLog,
    LiveInputs,
    coach_frames,
    load_session,
    replay_session,
    save_session,
)
from gymlib.reps import RepCounter, default_rep_config
from gymlib.session import CoachSession
from gymlib.spool import FrameSpool
from gymlib.synth import generate_clip


def _save_live(loop: LiveLoop, spool: FrameSpool, events: EventLog, root: Path) -> Path:
    """Save as the live coach's "save session" does (gymlib.widgets.coach.LiveCoach._save)."""
    t, lm = spool.read()
    s = loop.session
    return save_session(root, t, lm, events=events.events, fps=s.fps, aspect=s.aspect,
                        inputs=LiveInputs.of(s))  # fmt: skip


def _rows(reps: list) -> list[dict]:
    return [r.as_row() for r in reps]


def _replayed_without(path: Path, step_rule: bool = True, **strip: tuple) -> LiveLoop:
    """The saved session replayed with some of its inputs left out (as before they were saved);
    ``step_rule=False``: without the landmark cut rule ``reps.cut_step`` (session 7) too."""
    rec = load_session(path)
    make = None
    if not step_rule:
        rc = dataclasses.replace(default_rep_config(), cut_step=1000.0)
        make = lambda ex: RepCounter(ex, rec.fps, aspect=rec.aspect, config=rc)  # noqa: E731
    loop = LiveLoop(CoachSession(None, fps=rec.fps, aspect=rec.aspect, counter_factory=make))
    for _ in coach_frames(loop, rec.timestamps, rec.landmarks,
                          dataclasses.replace(rec.inputs, **strip)):  # fmt: skip
        pass
    return loop


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_a_cut_seen_live_is_replayed(squat_cut: Path, tmp_path: Path) -> None:  # noqa: F811
    """The live coach's path on a video cut into a rep, the skeleton at the same place: real
    MediaPipe (video mode, the identity guard, the cut detector), the session given the
    extractor's cuts as the widget does, the user fixing "squat". Saved and replayed (and in
    the history), it counts what the person saw: 3, not the 4 of its landmarks alone."""
    session = CoachSession(fps=30.0, aspect=4 / 3)
    session.set_exercise("squat")  # the dashboard's dropdown
    spool, events = FrameSpool(tmp_path / "spool"), EventLog()
    with PoseExtractor(mode="video") as ex:
        session.cuts = ex.cuts  # as LiveCoach does
        loop = LiveLoop(session, pose=lambda rgb, t: ex.process(rgb, timestamp=t),
                        events=events, record=spool.append)  # fmt: skip
        for rgb, t in VideoReader(squat_cut, format="rgb24"):
            loop.step(t, image=rgb)
    assert ex.cuts == [pytest.approx(4.0)]
    path = _save_live(loop, spool, events, tmp_path / "sessions")
    session.finish()  # the stream ended (the replay counts the rep it ends on too)
    live = _rows(session.reps)
    assert len(live) == 3

    rec = load_session(path)
    assert rec.inputs.cuts == (pytest.approx(4.0),)
    assert rec.inputs.exercises == ((0, "auto"), (0, "squat"))
    assert rec.summary["cuts"] == [pytest.approx(4.0)]
    assert _rows(replay_session(path).reps) == live
    assert [{k: r[k] for k in ("rep", "exercise", "start_s")} for r in session_reps(path)] == [
        {k: r[k] for k in ("rep", "exercise", "start_s")} for r in live
    ]
    table = session_history(tmp_path / "sessions")
    assert len(table) == 3 and set(table["exercise"]) == {"squat"}
    # what a replay gave before the cuts were saved: the half rep and the next one are one;
    # since session 7 the landmarks' one-frame jump shows this cut too (gymlib.cuts.BodySteps)
    assert len(_replayed_without(path, step_rule=False, cuts=()).reps) == 4
    assert len(_replayed_without(path, cuts=()).reps) == 3


def test_a_shape_change_and_a_new_set_seen_live_are_replayed(tmp_path: Path) -> None:
    """The camera's picture changes shape mid-session (the counters measure afresh, losing the
    rep under way): the replay makes the same change at the same frame and counts the same
    reps, where the landmarks alone (in the last shape throughout) count another. The set the
    user closed by hand ("new set") is closed at the same frame too."""
    clip = generate_clip("squat", 5, seed=3, view="left")  # portrait, 9:16
    frames = [f if f.any() else None for f in clip.landmarks]
    session = CoachSession(None, fps=clip.fps, aspect=clip.aspect, exercise="squat")
    current: list = [None]
    spool, events = FrameSpool(tmp_path / "spool"), EventLog()
    loop = LiveLoop(session, pose=lambda img, t: current[0], events=events, record=spool.append)
    for i, frame in enumerate(frames):
        current[0] = frame
        shape = (640, 360, 3) if i < 400 else (640, 480, 3)  # 9:16, then 3:4
        if i == 250:
            loop.new_set()  # the dashboard's button, between two reps
        loop.step(i / clip.fps, image=np.zeros(shape, np.uint8))
    path = _save_live(loop, spool, events, tmp_path / "sessions")
    session.finish()
    live = _rows(session.reps)
    rec = load_session(path)
    assert rec.inputs.aspects == ((0, pytest.approx(9 / 16)), (402, pytest.approx(3 / 4)))
    assert rec.inputs.new_sets == (250,)
    replayed = replay_session(path)
    assert _rows(replayed.reps) == live
    assert len(_replayed_without(path, aspects=()).reps) != len(live)
    assert replayed.summary() == loop.summary()  # each rep in the same set
    assert len({r["set"] for r in loop.summary()}) == 2
    assert _replayed_without(path, new_sets=()).summary() != loop.summary()


def test_a_session_saved_before_the_inputs_still_replays(tmp_path: Path) -> None:
    """A folder (and an older single .npz) holding only timestamps and landmarks, as saved
    before the live inputs were: loaded with none, replayed from the landmarks alone."""
    clip = generate_clip("squat", 4, seed=5, view="left")
    t = np.arange(len(clip.landmarks)) / clip.fps
    folder = tmp_path / "sessions" / "20260101T000000"
    folder.mkdir(parents=True)
    np.savez_compressed(folder / "landmarks.npz", timestamps=t, landmarks=clip.landmarks,
                        fps=clip.fps, aspect=clip.aspect)  # fmt: skip
    old = tmp_path / "sessions" / "20250101T000000.npz"
    np.savez_compressed(old, timestamps=t, landmarks=clip.landmarks)
    assert load_session(folder).inputs == LiveInputs()
    loop = replay_session(folder)
    assert 3 <= len(loop.reps) <= 5 and {r.exercise for r in loop.reps} == {"squat"}
    # the same as the landmarks fed to a fresh loop by hand, the stream's end included
    by_hand = LiveLoop(CoachSession(None, fps=clip.fps, aspect=clip.aspect))
    for ti, f in zip(t, clip.landmarks, strict=True):
        by_hand.step(float(ti), landmarks=f if f.any() else None)
    by_hand.session.finish()
    assert _rows(loop.reps) == _rows(by_hand.reps)
    assert load_session(old).inputs == LiveInputs()
    assert len(session_history(tmp_path / "sessions")) >= 2 * 3


def test_damaged_inputs_are_refused_naming_the_file(tmp_path: Path) -> None:
    clip = generate_clip("squat", 2, seed=5, view="left")
    t = np.arange(len(clip.landmarks)) / clip.fps
    with pytest.raises(ValueError, match="cuts must be finite times in increasing order.*"
                                         "nothing was saved"):  # fmt: skip
        save_session(tmp_path, t, clip.landmarks, inputs=LiveInputs(cuts=(2.0, 1.0)))
    assert list(tmp_path.iterdir()) == []
    folder = tmp_path / "s"
    folder.mkdir()
    np.savez_compressed(folder / "landmarks.npz", timestamps=t, landmarks=clip.landmarks,
                        aspect_frames=np.array([0, 5]), aspects=np.array([1.0]))  # fmt: skip
    with pytest.raises(ValueError, match=r"s/landmarks\.npz: the live coach's inputs are damaged"):
        load_session(folder)


def test_an_exercise_chosen_live_and_unknown_now_is_named_with_the_session(
    tmp_path: Path,
) -> None:
    """A taught exercise chosen in the dropdown, then forgotten: the replay says which session
    and which exercise (it raised set_exercise's error, naming neither file nor cause)."""
    clip = generate_clip("squat", 2, seed=5, view="left")
    t = np.arange(len(clip.landmarks)) / clip.fps
    inputs = LiveInputs(exercises=((0, "auto"), (10, "my_taught_row")))
    path = save_session(tmp_path, t, clip.landmarks, inputs=inputs)
    with pytest.raises(
        ValueError, match=re.escape(f"{path}: the exercise chosen live, 'my_taught_row'")
    ):
        replay_session(path)
    table = session_history(tmp_path)  # the history skips it, named, and goes on
    assert list(table.attrs["skipped"]) == [str(path)]
