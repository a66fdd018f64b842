"""The classifier's window by time (issue 36, session 13): one second of landmarks, 30 samples,
whatever the camera's rate; ticks every 1/3 s; evidence by the seconds a window brings."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from conftest import ROOT

from gymlib.session import CoachSession
from gymlib.synth import generate_clip
from gymlib.timewindow import (
    SPAN_S,
    RecentWindow,
    Ticks,
    coach_windows,
    covered,
    even_rate,
    new_samples,
    retime,
    sample_times,
    sample_window,
)


def _times(fps: float, n: int, start: float = 12.345) -> np.ndarray:
    return start + np.arange(n) / fps


def _window(times: np.ndarray, frames: np.ndarray, end: int, person=None) -> np.ndarray:
    person = np.ones(len(times), bool) if person is None else person
    return sample_window(times[: end + 1], frames[: end + 1], person[: end + 1])[0]


@pytest.mark.parametrize("fps", [30.0, 29.97, 30.0837])
def test_near_30_fps_the_window_is_the_last_30_frames_and_ticks_every_10(fps: float) -> None:
    """What the classifier was trained on, and what the coach did before: unchanged at 30 fps;
    at 29.97 or 30.08 fps each sample is within 3 ms of a frame (at most 9 % of the way to
    the next; these frames take values in [0, 1))."""
    rng = np.random.default_rng(1)
    times = _times(fps, 400)
    frames = rng.random((400, 33, 4)).astype(np.float32)
    for end in range(29, 400, 7):
        got = _window(times, frames, end)
        if fps == 30.0:
            np.testing.assert_array_equal(got, frames[end - 29 : end + 1])
        else:
            np.testing.assert_allclose(got, frames[end - 29 : end + 1], atol=0.09)
    assert covered(times[0], times[29]) and not covered(times[0], times[28])
    assert list(np.flatnonzero(Ticks.of(times, 10))) == list(range(9, 400, 10))
    assert new_samples(times[9], times[19]) == 10.0 and new_samples(None, times[9]) == 30.0


@pytest.mark.parametrize("clock", ["a day in", "mp4 time base", "milliseconds"])
def test_a_long_30_fps_stream_keeps_its_frames_bit_for_bit(clock: str) -> None:
    """Sample times computed as ``end - k / 30`` land a few ulps off the frames' own times
    (more so far from 0); a frame within the timestamps' millisecond is taken as it is."""
    n = 30 * 3600  # an hour
    i = np.arange(n)
    times = {"a day in": 86400 + i / 30, "mp4 time base": 512 * i / 15360,
             "milliseconds": np.round(i * 1000 / 30) / 1000}[clock]  # fmt: skip
    frames = np.random.default_rng(5).random((n, 33, 4)).astype(np.float32)
    for end in range(29, n, 997):
        np.testing.assert_array_equal(_window(times, frames, end), frames[end - 29 : end + 1])


@pytest.mark.parametrize("fps", [15.0, 24.0, 25.0, 50.0, 60.0])
def test_at_any_rate_the_window_is_the_last_second_as_30_fps_would_see_it(fps: float) -> None:
    """A movement steady in time (each value a line in t) is sampled at the window's 30 times,
    one 30th of a second apart, ending at the newest frame."""
    rng = np.random.default_rng(2)
    times = _times(fps, int(10 * fps))
    a, b = rng.random((33, 4)), rng.random((33, 4))
    frames = (a + b * (times - times[0])[:, None, None]).astype(np.float32)
    end = len(times) - 3
    want = a + b * (sample_times(times[end]) - times[0])[:, None, None]
    np.testing.assert_allclose(_window(times, frames, end), want, rtol=1e-5)
    gaps = np.diff(np.flatnonzero(Ticks.of(times, 10))) / fps
    assert np.all(np.abs(gaps - 1 / 3) < 1 / fps)  # classified every third of a second
    assert not covered(times[0], times[0] + 0.9) and covered(times[0], times[0] + 29 / 30)


def test_at_60_fps_the_window_is_every_other_frame() -> None:
    rng = np.random.default_rng(4)
    times = _times(60.0, 800)
    frames = rng.random((800, 33, 4)).astype(np.float32)
    np.testing.assert_array_equal(_window(times, frames, 700), frames[642:701:2])
    assert set(np.diff(np.flatnonzero(Ticks.of(times, 10))).tolist()) == {20}


def test_a_sample_next_to_nobody_takes_the_nearer_frame() -> None:
    """Nobody seen in a frame (zeros): a sample beside it is not blended with zeros but takes
    the nearer frame, and counts as showing nobody when that frame does."""
    times = _times(20.0, 40)
    person = np.ones(40, bool)
    person[[30, 35]] = False
    value = np.arange(40.0) * person  # each frame's landmarks all equal to its index
    frames = (value[:, None, None] * np.ones((40, 33, 4))).astype(np.float32)
    window, seen = sample_window(times, frames, person)
    pos = 39 - (29 - np.arange(30)) * 20 / 30  # each sample's place among the frames
    for k, p in enumerate(pos):
        lo = int(np.floor(p + 1e-9))
        if person[lo] and person[min(lo + 1, 39)]:
            assert window[k, 0, 0] == pytest.approx(p, abs=1e-4) and seen[k]
        else:
            near = int(np.round(p))
            assert window[k, 0, 0] == value[near] and seen[k] == person[near]
    assert seen.sum() == 27  # nearer nobody: two samples beside frame 30, one on frame 35


@pytest.mark.parametrize("clock", ["mp4 time base", "milliseconds"])
def test_a_30_fps_stream_retimed_is_its_own_frames(clock: str) -> None:
    """Training windows cut from a retimed 30-fps video are the seed's windows of its frames."""
    i = np.arange(900)
    times = {"mp4 time base": 7 + 512 * i / 15360, "milliseconds": np.round(i * 1000 / 30) / 1000
             }[clock]  # fmt: skip
    frames = np.random.default_rng(6).random((900, 33, 4)).astype(np.float32)
    np.testing.assert_array_equal(retime(times, frames), frames)


@pytest.mark.parametrize("fps", [15.0, 25.0, 60.0])
def test_a_stream_retimed_is_sampled_a_30th_of_a_second_apart(fps: float) -> None:
    """A movement steady in time is sampled at the first frame's time + k / 30; at 60 fps the
    samples are every other frame; beside a moment with nobody, the nearer frame is taken."""
    rng = np.random.default_rng(7)
    times = _times(fps, int(8 * fps))
    a, b = rng.random((33, 4)) + 0.1, rng.random((33, 4))
    frames = (a + b * (times - times[0])[:, None, None]).astype(np.float32)
    out = retime(times, frames)
    k = np.arange(len(out))
    assert len(out) == int(np.floor((times[-1] - times[0]) * 30 + 0.03)) + 1
    np.testing.assert_allclose(out, a + b * (k / 30)[:, None, None], rtol=1e-5)
    if fps == 60.0:
        np.testing.assert_array_equal(out, frames[::2])
    gone = int(3 * fps)
    frames[gone : gone + 2] = 0.0  # nobody for two frames
    out = retime(times, frames)
    d = np.abs(k / 30 - (times[gone] - times[0] + 0.5 / fps))  # from the gap's middle
    clear = np.abs(d - 1 / fps) > 1e-6  # not halfway between a frame with nobody and one with
    near = d < 1 / fps
    assert np.all(out[near & clear] == 0.0) and np.all(out[~near & clear] != 0.0)
    assert (near & clear).sum() >= 1


def test_retime_refuses_times_that_go_back_and_takes_the_last_of_equal_ones() -> None:
    frames = np.arange(4.0)[:, None, None] * np.ones((4, 33, 4), np.float32)
    with pytest.raises(ValueError, match=r"must increase: frame 2 at 0.05 s after 0.1 s"):
        retime(np.array([0.0, 0.1, 0.05, 0.2]), frames)
    with pytest.raises(ValueError, match=r"finite seconds: frame 1 at nan"):
        retime(np.array([0.0, np.nan, 0.1, 0.2]), frames)
    with pytest.raises(ValueError, match="2 times for 4 frames"):
        retime(np.array([0.0, 0.1]), frames)
    burst = retime(np.array([0.0, 0.1, 0.1, 0.2]), frames, fps=10.0)  # as live: the newest
    np.testing.assert_array_equal(burst[:, 0, 0], [0.0, 2.0, 3.0])


def _steady(fps: float, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Times and frames of a movement steady in time (each value a line in t, never zero)."""
    rng = np.random.default_rng(8)
    times = _times(fps, n)
    a, b = rng.random((33, 4)) + 0.1, rng.random((33, 4))
    return times, (a + b * (times - times[0])[:, None, None]).astype(np.float32), a, b


@pytest.mark.parametrize("fps", [25.0, 30.0, 60.0])
def test_even_rate_keeps_an_even_stream_and_retimes_an_uneven_one(fps: float) -> None:
    """Even frames are kept at the rate they came at; frames dropped here and there, or in
    bursts of equal times, are retimed at that rate: the movement at its own times."""
    times, frames, a, b = _steady(fps, 200)
    same, rate = even_rate(times, frames, 12.0)  # the file's word, 12, is not the frames'
    assert rate == pytest.approx(fps) and np.array_equal(same, frames)
    half, rate = even_rate(times[::2], frames[::2], fps)  # a slow machine kept every other
    assert rate == pytest.approx(fps / 2) and np.array_equal(half, frames[::2])
    rng = np.random.default_rng(9)
    keep = np.sort(rng.choice(np.arange(1, 199), 148, replace=False))
    keep = np.concatenate([[0], keep, [199]])  # 150 of 200, at random
    for t, lm in ((times[keep], frames[keep]), (np.repeat(times[::2], 2), frames)):
        out, rate = even_rate(t, lm, fps)
        assert rate == pytest.approx(fps if len(t) == 150 else fps / 2)
        k = np.arange(len(out)) / rate
        want = a + b * k[:, None, None]
        if len(t) == 200:  # a burst: each time twice, the second frame taken
            want = a + b * (k + 1 / fps)[:, None, None]
        np.testing.assert_allclose(out, want, rtol=1e-4)


def test_even_rate_keeps_a_stall_as_nobody() -> None:
    """A 3-s freeze in a 30-fps clip: retimed at 30 fps, not at the mean rate the freeze pulls
    down, and the freeze shows nobody rather than a blend across it."""
    times, frames, _, _ = _steady(30.0, 300)
    t = np.concatenate([times[:150], times[150:] + 3.0])
    out, rate = even_rate(t, frames, 30.0)
    assert rate == pytest.approx(30.0) and len(out) == 390
    nobody = ~np.any(out != 0, axis=(1, 2))
    assert 80 <= nobody.sum() <= 90 and not nobody[:150].any() and not nobody[-150:].any()


@pytest.mark.parametrize("every", [30, 10, 7])
def test_the_coachs_windows_over_a_30_fps_stream_are_its_frames(every: int) -> None:
    """As the seed cut them: ``[k * every, k * every + 30)``, bit for bit."""
    i = np.arange(400)
    times = 3 + 512 * i / 15360  # an mp4's time base
    frames = np.random.default_rng(10).random((400, 33, 4)).astype(np.float32)
    windows, ends = coach_windows(times, frames, every)
    starts = range(0, 400 - 29, every)
    assert list(ends) == [s + 29 for s in starts]
    np.testing.assert_array_equal(windows, np.stack([frames[s : s + 30] for s in starts]))


@pytest.mark.parametrize("fps", [29.97, 30.0837, 60.0, 15.0])
def test_the_coachs_windows_over_a_stream_are_the_live_windows(fps: float) -> None:
    """Each window is the live coach's at its end frame: at 29.97 fps raw frames, not a grid
    from the first frame drifting off them (by the end of a minute, blends of two frames)."""
    rng = np.random.default_rng(11)
    times = _times(fps, int(60 * fps))
    frames = rng.random((len(times), 33, 4)).astype(np.float32)
    windows, ends = coach_windows(times, frames)
    live = RecentWindow()
    got = {}
    for e, (t, f) in enumerate(zip(times, frames, strict=True)):
        live.append(f, float(t), True)
        if e in set(ends.tolist()):
            got[e] = live.window()[0]
    np.testing.assert_array_equal(windows, np.stack([got[e] for e in ends]))
    assert np.all(np.diff(times[ends]) == pytest.approx(1.0, abs=0.5 / fps))
    raw = np.mean([np.isin(w[:, 0, 0], frames[:, 0, 0]).mean() for w in windows])
    if fps == 29.97:  # every sample within the millisecond of a frame
        assert raw == 1.0
    if fps == 15.0:  # every other sample a blend
        assert 0.45 < raw < 0.55


@pytest.mark.parametrize("clock", ["jittered", "250 fps", "bursts of equal times"])
def test_the_live_window_samples_as_the_whole_stream_does(clock: str) -> None:
    """Nobody in some frames, and a phone's variable frame rate, a fast camera or frames
    delivered in bursts with one time: the live window after every frame equals the one the
    offline plan cuts from the whole stream."""
    rng = np.random.default_rng(3)
    steps = {"jittered": rng.uniform(0.02, 0.09, 300), "250 fps": np.full(300, 1 / 250),
             "bursts of equal times": np.tile([1 / 3] + [0.0] * 9, 30)}[clock]  # fmt: skip
    times = np.cumsum(steps)
    frames = rng.random((300, 33, 4)).astype(np.float32)
    person = rng.random(300) > 0.2
    live = RecentWindow()
    for i, t in enumerate(times):
        live.append(frames[i], float(t), bool(person[i]))
        assert live.full == covered(times[0], t)
        if live.full:
            window, seen = live.window()
            want, who = sample_window(times[: i + 1], frames[: i + 1], person[: i + 1])
            np.testing.assert_array_equal(window, want)
            assert seen == who.sum()
    assert len(live) <= 1 + 250 * SPAN_S + 9  # only the last second is kept


def test_a_stall_is_not_blended_over() -> None:
    """A camera that stalls for 5 s: the first window after it is not a morph from the pose
    5 s ago but shows nobody where there was no footage, so it waits for enough new frames."""
    times = np.concatenate([np.arange(60) / 30, 7 + np.arange(40) / 30])
    frames = np.ones((100, 33, 4), np.float32)
    person = np.ones(100, bool)
    window, seen = sample_window(times[:61], frames[:61], person[:61])
    # the frame after the stall, held for the samples within 0.1 s of it; nothing before
    assert seen.tolist() == [False] * 26 + [True] * 4 and not window[:26].any()
    assert (window[26:] == 1).all()
    # then one more sample a frame: a window to classify (20) only 0.53 s after the stall
    for k in range(40):
        shown = sample_window(times[: 61 + k], frames[: 61 + k], person[: 61 + k])[1]
        assert shown.sum() == min(30, k + 4)


class Recording:
    """The shipped classes, and every window the session asked about; the probabilities a
    digest of the window's bytes, so equal answers mean equal windows."""

    classes = ("squat", "push_up", "pull_up", "lat_machine", "bench_press", "split_squat")

    def __init__(self) -> None:
        self.asked: list[np.ndarray] = []

    def predict_one(self, window: np.ndarray) -> np.ndarray:
        self.asked.append(window.copy())
        digest = hashlib.blake2b(np.ascontiguousarray(window).tobytes(), digest_size=12).digest()
        p = np.frombuffer(digest, np.uint16).astype(np.float64)[:6] + 1.0
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


@pytest.mark.parametrize("fps", [15.0, 24.0, 25.0, 50.0, 60.0])
@pytest.mark.parametrize("cut_s", [None, 2.208, 2.0])
def test_live_and_plan_classify_the_same_windows_at_any_rate(fps: float, cut_s: float | None
                                                              ) -> None:  # fmt: skip
    """Frame for frame, the windows the live coach classifies are the plan's (the same
    probabilities at the same frames), with a camera cut too: live clears its window there,
    and the plan samples the shot alone."""
    clip = generate_clip("push_up", 4, seed=9, idle=True, view="left")
    keep = np.round(np.arange(0, len(clip.landmarks), clip.fps / fps)).astype(int)
    keep = keep[keep < len(clip.landmarks)]
    frames, times = clip.landmarks[keep], np.arange(len(keep)) / fps
    live = CoachSession(Recording(), fps=fps, aspect=clip.aspect)
    planned = CoachSession(Recording(), fps=fps, aspect=clip.aspect)
    live.cuts = planned.cuts = () if cut_s is None else (cut_s,)
    got = {}
    for i, (f, t) in enumerate(zip(frames, times, strict=True)):
        live.update(f if f.any() else None, float(t))
        if live._classified_at == t:
            got[i] = np.array([live.probabilities[c] for c in Recording.classes])
    planned.plan([f if f.any() else None for f in frames], list(times))
    assert sorted(planned._plan_probs) == sorted(got) and len(got) > 10
    for i, p in got.items():
        np.testing.assert_array_equal(planned._plan_probs[i], p)
    if cut_s is not None:
        assert [c.time for c in live.found_cuts] == [pytest.approx(cut_s, abs=1 / fps)]


def _first_named(seq, clf) -> tuple[str | None, float, int]:  # noqa: ANN001 - a PoseSequence
    """The live coach on ``seq``: the first exercise named, when (s), and the reps counted."""
    w, h = seq.image_size
    session = CoachSession(clf, fps=seq.fps, aspect=w / h)
    first: tuple[str | None, float] = (None, np.inf)
    for frame, t in zip(seq.frames(), seq.timestamps, strict=True):
        fb = session.update(frame, float(t))
        if first[0] is None and fb.exercise != "unknown":
            first = (fb.exercise, float(t - seq.timestamps[0]))
    session.finish()
    return first[0], first[1], len(session.reps)


@pytest.mark.parametrize(
    "name", ["split_squat_back_gym-smith-portrait", "pull_up_front_gym-walkin-lowres"]
)
def test_a_real_clip_at_15_or_60_fps_is_named_as_at_its_own_rate(name: str) -> None:
    """Real clips (30 and 25 fps) re-timed as ``benchmarks/frame_rates.py`` does: the live
    coach names the same exercise within a classification tick and a frame (0.4 s) of when it
    does at the clip's own rate, and counts the same reps. With 30-frame windows the Smith
    clip was never named at 15 fps (0 of 1 rep) and the 25-fps pull-up was first named squat
    at 60 fps, lat machine at 25 (its walk-in)."""
    from conftest import real_source

    from gymlib.clip_transforms import TRANSFORMS
    from gymlib.model import ExerciseClassifier

    src, clf = real_source(name), ExerciseClassifier.load()
    own = _first_named(src.seq, clf)
    assert own[0] is not None and own[2] == src.clip.reps
    for rate in ("fps15", "fps60"):
        case = TRANSFORMS[rate](src, np.random.default_rng(0))
        named, at, reps = _first_named(case.seq, clf)
        assert (named, reps) == (own[0], own[2]), rate
        assert abs(at - own[1]) <= 0.4, (rate, at, own[1])


def test_a_rendered_clip_with_frames_dropped_is_named_and_counted_as_at_full_rate() -> None:
    """A slow machine answers every other frame (``benchmarks/dropped_frames.py --decide``):
    the rendered lat pull-down from the front, through MediaPipe, is named as early and counted
    the same (main: never named with frames dropped, 0 of 5 reps)."""
    from gymlib.extract import extract_video
    from gymlib.model import ExerciseClassifier

    seq = extract_video(ROOT / "data" / "samples" / "lat_machine-front.mp4", progress=False)
    lms = np.where(seq.detected[:, None, None], seq.landmarks, 0.0).astype(np.float32)
    w, h = seq.image_size
    clf, got = ExerciseClassifier.load(), []
    for step in (1, 2):
        session = CoachSession(clf, fps=seq.fps / step, aspect=w / h)
        first = None
        for f, t in zip(lms[::step], seq.timestamps[::step], strict=True):
            fb = session.update(f if f.any() else None, float(t))
            if first is None and fb.exercise != "unknown":
                first = (fb.exercise, float(t))
        session.finish()
        got.append((first, len([r for r in session.reps if r.exercise == "lat_machine"])))
    (full, n_full), (dropped, n_dropped) = got
    assert full is not None and full[0] == "lat_machine" and n_full == 5
    assert dropped is not None and dropped[0] == "lat_machine" and n_dropped == n_full
    assert abs(dropped[1] - full[1]) <= 0.4
