"""The rep counter is timed by the frames' timestamps, not by an assumed frame rate (issue 39).

A camera that slows down or drops frames changes nothing but smoothness: the same clips fed at
full rate, with every other frame dropped and with random gaps up to 200 ms (true timestamps
kept) give the same reps and a mean rep time within 10 %. Figures over more clips:
``benchmarks/dropped_frames.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gymlib.reps import RepCounter, count_reps
from gymlib.session import CoachSession
from gymlib.synth import EXERCISES, generate_clip

ROOT = Path(__file__).resolve().parent.parent


def _keep(n: int, mode: str, seed: int) -> np.ndarray:
    """Frames kept of ``n`` at 30 fps: all, every other, or gaps of 1-6 intervals (<= 200 ms)."""
    if mode == "full":
        return np.ones(n, bool)
    if mode == "every-other":
        return np.arange(n) % 2 == 0
    steps = np.random.default_rng(seed).integers(1, 7, size=n)
    idx = np.concatenate([[0], np.cumsum(steps)])
    mask = np.zeros(n, bool)
    mask[idx[idx < n]] = True
    return mask


def _coach_reps(frames: np.ndarray, times: np.ndarray, exercise: str, aspect: float) -> list:
    """Reps of the live coach's pipeline with the exercise fixed (the rate given is 30 fps)."""
    session = CoachSession(None, fps=30.0, aspect=aspect, exercise=exercise)
    for frame, t in zip(frames, times, strict=True):
        session.update(frame if frame.any() else None, float(t))
    return list(session.reps)


def _mean_rep_s(reps: list) -> float:
    return float(np.mean([r.tempo_down + r.tempo_up for r in reps]))


@pytest.mark.parametrize("mode", ["every-other", "random-gaps"])
def test_dropped_frames_change_neither_reps_nor_tempo(mode: str) -> None:
    # one generated clip per exercise: the same reps, each where it was at full rate, and the
    # mean rep time within 10 % (benchmarks/dropped_frames.py: at most 4.7 % over 24 clips)
    changes = []
    for k, exercise in enumerate(EXERCISES):
        clip = generate_clip(exercise, 5, seed=7000 + k, tempo=(1.0, 4.0))
        full = _coach_reps(clip.landmarks, clip.timestamps, exercise, clip.aspect)
        keep = _keep(clip.n_frames, mode, seed=k)
        reps = _coach_reps(clip.landmarks[keep], clip.timestamps[keep], exercise, clip.aspect)
        assert len(reps) == len(full) == 5, exercise
        for a, b in zip(reps, full, strict=True):
            assert abs((a.start_s + a.end_s) / 2 - (b.start_s + b.end_s) / 2) < 0.3, exercise
        changes.append(abs(_mean_rep_s(reps) / _mean_rep_s(full) - 1))
    assert max(changes) < 0.10, changes


def test_the_rendered_push_up_through_mediapipe_at_half_the_rate() -> None:
    # issue 39: the rendered push-up (real MediaPipe landmarks) fed with every other frame gave
    # 4 reps instead of 5 and half the tempo, the counter counting frames at 30 fps
    from gymlib.extract import PoseSequence, extract_video

    # (landmarks cached by benchmarks/dropped_frames.py if present: the same extraction)
    cached = ROOT / "data" / "interim" / "samples_pose" / "push_up-left.npz"
    if cached.is_file():
        seq = PoseSequence.load(cached)
    else:
        seq = extract_video(ROOT / "data" / "samples" / "push_up-left.mp4", progress=False)
    frames = np.where(seq.detected[:, None, None], seq.landmarks, 0.0)
    aspect = seq.image_size[0] / seq.image_size[1]
    full = _coach_reps(frames, seq.timestamps, "push_up", aspect)
    half = _coach_reps(frames[::2], seq.timestamps[::2], "push_up", aspect)
    assert len(full) == len(half) == 5
    assert _mean_rep_s(half) == pytest.approx(_mean_rep_s(full), rel=0.10)


def test_time_defaults_to_the_frame_number_over_fps() -> None:
    clip = generate_clip("squat", 3, seed=7100, view="left")
    a = RepCounter("squat", clip.fps, aspect=clip.aspect)
    b = RepCounter("squat", clip.fps, aspect=clip.aspect)
    for i, frame in enumerate(clip.landmarks):
        fa = a.update(frame if frame.any() else None)
        fb = b.update(frame if frame.any() else None, i / clip.fps)
        assert fa.time == pytest.approx(fb.time) and fa.reps == fb.reps
    a.finish(), b.finish()
    assert [(r.start, r.end, r.tempo_down) for r in a.reps] == [
        (r.start, r.end, r.tempo_down) for r in b.reps
    ]
    assert len(a.reps) == 3
    with_times = count_reps(clip.landmarks, "squat", clip.fps, aspect=clip.aspect,
                            timestamps=clip.timestamps)  # fmt: skip
    assert [(r.start, r.end) for r in with_times] == [(r.start, r.end) for r in a.reps]


def test_rep_times_follow_the_timestamps_not_the_rate() -> None:
    # the same frames stamped at half speed (a 15 fps camera told it is 30 fps): every rep
    # takes twice as long in seconds, at the same frames
    clip = generate_clip("bench_press", 3, seed=7101, view="left", tempo=(1.0, 2.0))
    fast = count_reps(clip.landmarks, "bench_press", 30.0, aspect=clip.aspect,
                      timestamps=clip.timestamps)  # fmt: skip
    slow = count_reps(clip.landmarks, "bench_press", 30.0, aspect=clip.aspect,
                      timestamps=2 * clip.timestamps)  # fmt: skip
    assert len(fast) == len(slow) == 3
    for f, s in zip(fast, slow, strict=True):
        assert s.tempo_down + s.tempo_up == pytest.approx(2 * (f.tempo_down + f.tempo_up), rel=0.1)
        # (not exactly: the smoothing's time constants are seconds, so the slower movement is
        # smoothed relatively less)
        assert s.start_s == pytest.approx(2 * f.start_s, rel=0.03)
        assert s.as_row()["end_s"] == pytest.approx(2 * f.as_row()["end_s"], rel=0.03)


def test_times_must_increase() -> None:
    counter = RepCounter("squat", 30.0)
    counter.update(None, 1.0)
    with pytest.raises(ValueError, match="increase"):
        counter.update(None, 1.0)
    with pytest.raises(ValueError, match="finite"):
        counter.update(None, float("nan"))
    clip = generate_clip("squat", 2, seed=7102)
    with pytest.raises(ValueError, match="timestamps must have shape"):
        count_reps(clip.landmarks, "squat", 30.0, timestamps=clip.timestamps[:-1])


def test_the_session_replays_seconds_not_frames() -> None:
    # a camera at 15 fps: the frames watched again when an exercise is recognised are the last
    # replay_s seconds, not replay_s x the nominal 30 fps
    session = CoachSession(None, fps=30.0, exercise="squat")
    for i in range(400):
        session.update(None, i / 15)
    span = session._recent[-1][1] - session._recent[0][1]
    assert session.cfg.replay_s - 0.1 <= span < session.cfg.replay_s


def test_body_scale_windows_are_seconds_when_given_times() -> None:
    from gymlib import angles as A

    clip = generate_clip("squat", 3, seed=7103, view="left")
    lengths = A.segment_lengths(clip.landmarks, aspect=clip.aspect)
    seen = np.flatnonzero(clip.landmarks.any(axis=(1, 2)))
    # frames fed at the nominal rate: timed and untimed are the same
    plain, timed = A.BodyScale(30.0), A.BodyScale(30.0)
    for k, i in enumerate(seen):
        np.testing.assert_array_equal(plain.update(lengths[i]), timed.update(lengths[i], k / 30))
    # a person who steps back (every segment 0.7 x) from a camera at 15 fps told 30: the old,
    # larger lengths are forgotten after shrink_s = 0.7 s of the clock (11 frames), not after
    # 21 frames (1.4 s)
    full = np.nanmax(lengths, axis=0)
    scale = A.BodyScale(30.0, window_s=4.0)
    for i in range(60):
        scale.update(full, i / 15)
    refs = [scale.update(0.7 * full, 4.0 + i / 15) for i in range(21)]
    forgot = next(i for i, r in enumerate(refs) if np.nanmax(r / full) < 0.75)
    assert forgot == 10
