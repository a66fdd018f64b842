"""The one live loop (issue 39 item 3): the widget, ``analyze`` and replay give the same reps for
the same frames, and all of them report sets; warnings name their rep (issue 41 item 2)."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import numpy as np
import pytest
from test_session import Scripted

from gymlib.live import FrameClock, LiveLoop, ShapeWatch
from gymlib.session import CoachSession
from gymlib.sets import SET_BREAK_S, SetTracker, rep_sets
from gymlib.synth import generate_clip

ROOT = Path(__file__).resolve().parent.parent
REST_S = 15.0  # nobody in the picture between the two sets: longer than SET_BREAK_S


def _two_sets() -> tuple[np.ndarray, np.ndarray, float, list[int]]:
    """Two sets of squats with REST_S of nobody between them: landmarks (T, 33, 4), times (T,),
    fps and the reps of each set."""
    a = generate_clip("squat", 4, seed=5, view="right", image_size=(640, 480))
    b = generate_clip("squat", 3, seed=6, view="right", image_size=(640, 480))
    gap = np.zeros((int(REST_S * a.fps), 33, 4), np.float32)
    lm = np.concatenate([a.landmarks, gap, b.landmarks]).astype(np.float32)
    return lm, np.arange(len(lm)) / a.fps, a.fps, [len(a.reps), len(b.reps)]


def test_analyze_reports_each_set_and_the_rest_between(tmp_path: Path) -> None:
    from gymlib.analyze import analyze
    from gymlib.io import save_npz_atomic

    lm, t, fps, truth = _two_sets()
    clip = save_npz_atomic(tmp_path / "two.npz", landmarks=lm, timestamps=t,
                           fps=np.float64(fps), image_size=np.array([640, 480]))  # fmt: skip
    result = analyze(clip, out=tmp_path / "out", exercise="squat", progress=False)
    summary = json.loads(Path(result.outputs["summary"]).read_text())
    assert [s["set"] for s in summary["sets"]] == [1, 2]
    assert [s["reps"] for s in summary["sets"]] == truth
    with open(result.outputs["sets"], newline="") as fh:
        sets = list(csv.DictReader(fh))
    assert [int(s["good"]) + int(s["partial"]) + int(s["faulty"]) for s in sets] == truth
    assert sets[0]["rest_s"] == "" and float(sets[1]["rest_s"]) > REST_S
    with open(result.outputs["reps"], newline="") as fh:
        assert [int(r["set"]) for r in csv.DictReader(fh)] == [1] * truth[0] + [2] * truth[1]


def test_a_replayed_session_reports_its_sets(tmp_path: Path) -> None:
    from gymlib.recording import replay_session, save_session

    lm, t, fps, truth = _two_sets()
    saved = save_session(tmp_path, t, lm, fps=fps, aspect=4 / 3)
    loop = replay_session(saved, Scripted(lambda i: ("squat", 0.99)))
    assert [(s.exercise, s.reps) for s in loop.sets.sets] == [("squat", n) for n in truth]
    assert loop.sets.sets[1].rest_s > REST_S and loop.sets.sets[0].rest_s is None
    assert [r["set"] for r in loop.summary()] == [1] * truth[0] + [2] * truth[1]


@pytest.mark.skipif(not (ROOT / "data/samples/squat-left.mp4").is_file(), reason="no sample")
def test_the_widget_and_analyze_count_the_same_reps_on_the_same_frames(tmp_path: Path) -> None:
    # real MediaPipe both ways: the widget gets the video's frames as the camera's (BGR, their
    # own times), analyze reads the file; both go through the live loop
    from gymlib.analyze import analyze
    from gymlib.media import VideoReader
    from gymlib.widgets.coach import LiveCoach

    video = ROOT / "data/samples/squat-left.mp4"
    coach = LiveCoach(Scripted(lambda i: ("bench_press", 0.99)), sessions=tmp_path / "s")
    try:
        coach.session.set_exercise("squat")
        results = [coach._process(np.ascontiguousarray(rgb[..., ::-1]), t, time.perf_counter())
                   for rgb, t in VideoReader(video, format="rgb24")]  # fmt: skip
        widget = [(r.start, r.end, r.verdict) for r in coach.session.reps]
        sets = coach.sets
    finally:
        coach.close()
    offline = analyze(video, out=tmp_path / "a", exercise="squat", progress=False)
    truth = json.loads(video.with_suffix(".json").read_text())
    assert abs(len(widget) - len(truth["reps"])) <= 1
    assert widget == [(r.start, r.end, r.verdict) for r in offline.reps]
    summary = json.loads(Path(offline.outputs["summary"]).read_text())
    assert [(s["set"], s["exercise"], s["reps"]) for s in sets] == [
        (s["set"], s["exercise"], s["reps"]) for s in summary["sets"]
    ]
    assert sum(r["landmarks"] is not None for r in results) > 0.9 * len(results)


def test_warnings_name_the_rep_they_belong_to() -> None:
    clip = generate_clip("lat_machine", 6, seed=4, view="left", errors=[(), ("torso_back",)] * 3)
    loop = LiveLoop(CoachSession(None, fps=clip.fps, aspect=clip.aspect, exercise="lat_machine"))
    named: set[int] = set()
    for t, f in zip(clip.timestamps, clip.landmarks, strict=True):
        out = loop.step(float(t), landmarks=f if f.any() else None)
        counted = out.session.counter.reps
        for text, w in zip(out.warnings, out.session.warnings, strict=True):
            said = text.split(":")[0]
            a, _, b = said.removeprefix("reps ").removeprefix("rep ").partition("-")
            first, last = int(a), int(b or a)
            assert text == f"{said}: {w.message}" and 1 <= first <= last <= counted + 1
            assert said == (f"rep {first}" if first == last else f"reps {first}-{last}")
            if w.name == "torso_back":
                named.update(range(first, last + 1))
    leaning = {r.index for r in loop.reps if "torso_back" in r.reasons}
    assert leaning and leaning <= named, (leaning, named)


def test_a_warnings_rep_number_follows_a_rep_taken_back() -> None:
    # "rep 3: ..." on screen while the set's first movement is taken back as set-up: the rep
    # it names is now rep 2, as the counts and the event log number it
    from gymlib.live import RepWarnings
    from gymlib.reps import CounterFeedback, FormWarning, Rep
    from gymlib.session import SessionFeedback

    warning = FormWarning("knees_in", "knees caving in", 2, since=5.0)
    dip = Rep(1, "squat", 0, 30, 60, 30.0, 0.3, 1.0, 1.0, 0.0, "partial")

    def frame(t: float, counted: int, withdrawn: tuple[Rep, ...] = ()) -> SessionFeedback:
        counter = CounterFeedback(int(t * 30), t, True, "down", 0.5, counted, {}, None,
                                  (warning,))  # fmt: skip
        return SessionFeedback(t, True, "squat", 1.0, {}, counter, {}, (warning,), None,
                               withdrawn=withdrawn)  # fmt: skip

    stage = RepWarnings()
    assert stage.update(frame(5.0, 2)) == ("rep 3: knees caving in",)
    assert stage.update(frame(5.1, 1, (dip,))) == ("rep 2: knees caving in",)
    assert stage.update(frame(5.2, 1)) == ("rep 2: knees caving in",)


def test_sets_split_on_a_long_pause_another_exercise_or_by_hand() -> None:
    sets = SetTracker()
    assert sets.timer(0.0) == ("", 0.0)
    for start in (0.0, 3.0):
        sets.add("squat", start, start + 2.0, "good")
    assert sets.timer(6.0) == ("set", 6.0)
    assert sets.timer(5.0 + SET_BREAK_S + 1) == ("rest", SET_BREAK_S + 1)
    sets.add("squat", 8.0, 10.0, "partial")  # within the break: the same set
    sets.add("push_up", 11.0, 12.0, "good")  # another exercise: a new set
    closed = sets.close()  # "new set"
    sets.add("push_up", 13.0, 14.0, "good")
    assert [(s.number, s.exercise, s.verdicts) for s in sets.sets] == [
        (1, "squat", ("good", "good", "partial")), (2, "push_up", ("good",)),
        (3, "push_up", ("good",))]  # fmt: skip
    assert closed is sets.sets[1] and sets.sets[2].rest_s == pytest.approx(1.0)
    assert sets.set_of == [1, 1, 1, 2, 3] and sets.close() is sets.sets[2]
    assert sets.close() is None and sets.current("push_up", 14.5) is None
    rows = [{"exercise": s.exercise, "start_s": s.start_s, "end_s": s.end_s} for s in sets.sets]
    assert rep_sets(rows) == [1, 2, 2]  # without the hand-made break


def test_shape_and_clock_stages() -> None:
    shape = ShapeWatch(4 / 3, frames=3)
    assert [shape.update(1280, 720) for _ in range(3)] == [None, None, pytest.approx(16 / 9)]
    assert shape.update(640, 480) is None  # one odd frame does not count
    clock = FrameClock()
    assert [clock(t) for t in (5.0, 5.1, 0.0)] == pytest.approx([5.0, 5.1, 5.1 + clock.dt])
