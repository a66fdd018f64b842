"""The classifier's window by time (issue 36, session 13): one second of landmarks, 30 samples,
whatever the camera's rate; ticks every 1/3 s; evidence by the seconds a window brings."""

from __future__ import annotations

import numpy as np
import pytest

from gymlib.session import CoachSession
from gymlib.synth import generate_clip
from gymlib.timewindow import RecentWindow, Ticks, covered, new_samples, window_indices


def _times(fps: float, n: int, start: float = 12.345) -> np.ndarray:
    return start + np.arange(n) / fps


@pytest.mark.parametrize("fps", [30.0, 29.97, 30.0837])
def test_near_30_fps_the_window_is_the_last_30_frames_and_ticks_every_10(fps: float) -> None:
    """What the classifier was trained on, and what the coach did before: unchanged."""
    times = _times(fps, 400)
    for end in range(29, 400):
        assert list(window_indices(times, end)) == list(range(end - 29, end + 1))
    assert covered(times[0], times[29]) and not covered(times[0], times[28])
    assert list(np.flatnonzero(Ticks.of(times, 10))) == list(range(9, 400, 10))
    assert new_samples(times[9], times[19]) == 10.0 and new_samples(None, times[9]) == 30.0


def test_at_15_and_60_fps_the_window_spans_one_second() -> None:
    slow, fast = _times(15.0, 200), _times(60.0, 800)
    idx = window_indices(slow, 100)
    assert np.abs(slow[idx] - (slow[100] - (29 - np.arange(30)) / 30)).max() <= 1 / 30 + 1e-9
    assert len(set(idx)) == 15  # each frame held for two samples
    assert list(window_indices(fast, 700)) == list(range(642, 701, 2))  # every other frame
    assert np.diff(np.flatnonzero(Ticks.of(slow, 10))).tolist() == [5] * 38  # 1/3 s apart
    assert set(np.diff(np.flatnonzero(Ticks.of(fast, 10))).tolist()) == {20}
    assert not covered(slow[0], slow[14]) and covered(slow[0], slow[15])
    assert new_samples(slow[10], slow[15]) == 10.0 and new_samples(fast[0], fast[100]) == 30.0


def test_the_live_window_samples_as_the_whole_stream_does() -> None:
    """Jittered timestamps (a phone's variable frame rate), nobody in some frames: the live
    window after every frame equals the one the offline plan cuts from the whole stream."""
    rng = np.random.default_rng(3)
    times = np.cumsum(rng.uniform(0.02, 0.09, 300))
    frames = rng.random((300, 33, 4)).astype(np.float32)
    person = rng.random(300) > 0.2
    live = RecentWindow()
    for i, t in enumerate(times):
        live.append(frames[i], float(t), bool(person[i]))
        assert live.full == covered(times[0], t)
        if live.full:
            window, seen = live.window()
            idx = window_indices(times, i)
            np.testing.assert_array_equal(window, frames[idx])
            assert seen == person[idx].sum()
    assert len(live) < 30  # only the last second is kept


class Recording:
    """The shipped classes, and every window the session asked about (probabilities a
    function of the window's content, so equal windows give equal answers)."""

    classes = ("squat", "push_up", "pull_up", "lat_machine", "bench_press", "split_squat")

    def __init__(self) -> None:
        self.asked: list[np.ndarray] = []

    def predict_one(self, window: np.ndarray) -> np.ndarray:
        self.asked.append(window.copy())
        p = np.full(len(self.classes), 0.02)
        p[int(abs(window).sum() * 1000) % len(self.classes)] = 0.9
        return p / p.sum()


def _classified(fps_copies: int) -> tuple[list[float], list[np.ndarray]]:
    """A generated 30-fps squat set fed live, each frame repeated ``fps_copies`` times at
    ``30 * fps_copies`` fps: the times classified and the windows asked about."""
    clip = generate_clip("squat", 4, seed=5, idle=False, view="left")
    frames = np.repeat(clip.landmarks, fps_copies, axis=0)
    times = np.arange(len(frames)) / (clip.fps * fps_copies)
    clf = Recording()
    session = CoachSession(clf, fps=clip.fps * fps_copies, aspect=clip.aspect)
    at = []
    for f, t in zip(frames, times, strict=True):
        n = len(clf.asked)
        session.update(f, float(t))
        if len(clf.asked) > n:
            at.append(round(float(t), 6))
    return at, clf.asked


def test_a_60_fps_copy_of_a_stream_is_classified_as_the_stream() -> None:
    """Each frame twice at 60 fps: the same windows, classified at the same times (a window of
    30 frames would have shown the classifier half a second, the movement at double speed)."""
    at30, asked30 = _classified(1)
    at60, asked60 = _classified(2)
    assert at60 == at30 and len(at30) > 10
    for a, b in zip(asked30, asked60, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("fps", [15.0, 25.0, 60.0])
def test_live_and_plan_classify_the_same_windows_at_any_rate(fps: float) -> None:
    clip = generate_clip("push_up", 4, seed=9, idle=True, view="left")
    keep = np.round(np.arange(0, len(clip.landmarks), clip.fps / fps)).astype(int)
    keep = keep[keep < len(clip.landmarks)]
    frames, times = clip.landmarks[keep], np.arange(len(keep)) / fps
    live_clf, plan_clf = Recording(), Recording()
    live = CoachSession(live_clf, fps=fps, aspect=clip.aspect)
    classified = []
    for i, (f, t) in enumerate(zip(frames, times, strict=True)):
        n = len(live_clf.asked)
        live.update(f if f.any() else None, float(t))
        if len(live_clf.asked) > n:
            classified.append(i)
    planned = CoachSession(plan_clf, fps=fps, aspect=clip.aspect)
    planned.plan(list(frames), list(times))
    assert sorted(planned._plan_probs) == classified
    assert len(plan_clf.asked) >= len(live_clf.asked) > 0
    for k, w in enumerate(live_clf.asked):
        assert any(np.array_equal(w, p) for p in plan_clf.asked), f"window {k} not planned"
