"""What ``benchmarks/real_transforms.py`` found breaking on transformed real clips, on generated
streams: a clip that ends as its last rep does (a variable-rate camera's last frame 40 ms
earlier lost the last rep of two real clips) counts it; one cut at a rep's bottom does not; a
camera cut into a rep is a fresh start, as a clip's first frame (two real clips joined lost the
second one's first rep)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA

from gymlib.extract import PoseSequence
from gymlib.reps import RepCounter, count_reps, default_rep_config
from gymlib.session import CoachSession
from gymlib.synth import generate_clip


def _clip(exercise: str, seed: int = 0):
    return generate_clip(exercise, 4, seed=seed, view="left", idle=False)


def _session_reps(clip, end: int) -> tuple[int, int]:
    """The live coach's reps on the clip's first ``end`` frames: before and after ``finish``."""
    session = CoachSession(None, fps=clip.fps, aspect=clip.aspect, exercise=clip.exercise)
    for i, f in enumerate(clip.landmarks[:end]):
        session.update(f if f.any() else None, i / clip.fps)
    before = len(session.reps)
    added = session.finish()
    assert len(session.reps) == before + len(added)
    assert session.finish() == [] and len(session.reps) == before + len(added)  # ended twice
    return before, len(session.reps)


@pytest.mark.parametrize("exercise", ["squat", "push_up", "pull_up"])
def test_a_clip_ending_as_its_last_rep_does_counts_it(exercise: str) -> None:
    """Cut 4 frames (0.13 s) before the last rep's true end: the person is back at the top,
    the smoothed progress (time constant 0.15 s) not yet. The stream's end closes it."""
    clip = _clip(exercise)
    end = clip.reps[-1].end - 4
    before, after = _session_reps(clip, end)
    assert before == 3  # what analyze counted before: the smoothing's lag lost the last rep
    assert after == 4
    assert len(count_reps(clip.landmarks[:end], exercise, fps=clip.fps, aspect=clip.aspect)) == 4


@pytest.mark.parametrize("exercise", ["squat", "push_up", "pull_up"])
def test_a_clip_cut_at_the_bottom_of_a_rep_does_not_count_the_half_rep(exercise: str) -> None:
    clip = _clip(exercise)
    assert _session_reps(clip, clip.reps[-1].bottom + 1) == (3, 3)
    # and the end of a clip whose last rep finished long before adds nothing
    assert _session_reps(clip, len(clip.landmarks)) == (4, 4)


def test_a_replayed_session_counts_the_rep_its_recording_ends_on(tmp_path: Path) -> None:
    """History replays saved sessions: a camera stopped as the last rep ends counts it, as
    ``analyze`` does."""
    from gymlib.recording import replay_session, save_session

    clip = _clip("squat")
    end = clip.reps[-1].end - 4
    times = np.arange(end) / clip.fps
    saved = save_session(tmp_path, times, clip.landmarks[:end], fps=clip.fps, aspect=clip.aspect)
    loop = replay_session(saved)
    assert [r["exercise"] for r in loop.summary()] == ["squat"] * 4


def test_analyze_counts_the_rep_a_landmark_file_ends_on(tmp_path: Path) -> None:
    """``python -m gymlib.analyze`` on a landmark file that ends as the last rep does (frame
    times at a variable rate, as a phone writes them)."""
    from gymlib.analyze import analyze

    clip = _clip("squat")
    end = clip.reps[-1].end - 4
    gaps = np.random.default_rng(0).uniform(0.020, 0.050, end)
    seq = PoseSequence(
        landmarks=clip.landmarks[:end].astype(np.float32),
        timestamps=np.cumsum(gaps) - gaps[0],
        fps=1 / 0.035,
        detected=clip.landmarks[:end].any(axis=(1, 2)),
        image_size=clip.image_size,
    )
    path = seq.save(tmp_path / "clip.npz")
    result = analyze(path, out=tmp_path / "out", exercise="squat", progress=False)
    assert len(result.reps) == 4


# ----------------------------------------------------------------------------------------------
def _cut_into_a_rep(exercise: str) -> np.ndarray:
    """Three reps, then a cut to another camera (another view, the person 0.2 of the picture
    further right) a quarter of the way down into the first of three more reps."""
    size = (1280, 720)
    a = generate_clip(exercise, 3, seed=1, view="left", idle=False, image_size=size)
    b = generate_clip(exercise, 3, seed=2, view="front", idle=False, image_size=size)
    first = b.reps[0]
    after = b.landmarks[first.start + (first.bottom - first.start) // 4 :].copy()
    after[..., 0] = np.where(after.any(axis=2), after[..., 0] + 0.2, 0.0)
    return np.concatenate([a.landmarks, after])


@pytest.mark.parametrize("exercise", ["squat", "push_up", "pull_up"])
def test_a_camera_cut_into_a_rep_is_a_fresh_start(exercise: str) -> None:
    """The rep after the cut is counted as at a clip's first frame (no start position held
    before it); without the cut seen (``cut_speed`` beyond any jump) it is lost."""
    lm = _cut_into_a_rep(exercise)
    aspect = 1280 / 720
    assert len(count_reps(lm, exercise, fps=30, aspect=aspect)) == 6
    blind = replace(default_rep_config(), cut_speed=100.0, cut_step=1000.0)
    assert len(count_reps(lm, exercise, fps=30, aspect=aspect, config=blind)) == 5
    # the live coach shares the counter
    session = CoachSession(None, fps=30, aspect=aspect, exercise=exercise)
    for i, f in enumerate(lm):
        session.update(f if f.any() else None, i / 30)
    session.finish()
    assert len(session.reps) == 6


def test_the_same_person_moving_is_no_cut() -> None:
    """A set without a cut: its frames never read as one (the reps as without the check)."""
    clip = generate_clip("squat", 5, seed=3, view="front", idle=True)
    counter = RepCounter("squat", clip.fps, aspect=clip.aspect)
    for i, f in enumerate(clip.landmarks):
        counter.update(f if f.any() else None, i / clip.fps)
    assert counter.cuts == 0


@pytest.mark.skipif(not (SHARED_DATA / "real_videos").is_dir(), reason="needs ../shared/data")
def test_two_real_clips_joined_by_a_cut_count_the_second_ones_first_rep() -> None:
    """A lat pull-down clip, then a cut to a pull-up clip that starts inside its first rep (as
    ``benchmarks/real_transforms.py --transforms concat`` joins them): the pull-ups after the
    cut are counted as the pull-up clip's own (5, by hand); without the cut seen, 4. Landmarks:
    MediaPipe on the real videos (cached in data/interim/real_videos, as the benchmarks do)."""
    from gymlib.benchtools import load_clips, pose_file

    clips = {c.name: c for c in load_clips(SHARED_DATA / "real_videos")}
    cache = Path(__file__).resolve().parent.parent / "data" / "interim" / "real_videos"
    a, b = (
        PoseSequence.load(pose_file(clips[name], cache, rerun=False)[0])
        for name in ("lat_machine_45_gym-landscape", "pull_up_back_gym-stock")
    )
    aspect = a.image_size[0] / a.image_size[1]
    assert aspect == pytest.approx(b.image_size[0] / b.image_size[1])  # the same picture shape
    lm = np.concatenate([a.landmarks, b.landmarks])
    joined = a.timestamps[-1] + 1 / a.fps + b.timestamps - b.timestamps[0]
    t = np.concatenate([a.timestamps, joined])
    blind = replace(default_rep_config(), cut_speed=100.0, cut_step=1000.0)
    after = []
    for cfg in (None, blind):
        reps = count_reps(lm, "pull_up", fps=a.fps, aspect=aspect, timestamps=t, config=cfg)
        after.append(sum(r.start >= len(a.landmarks) for r in reps))
    assert after == [clips["pull_up_back_gym-stock"].reps, 4]


# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(1280, 720), (480, 854)])
def test_tilt_turns_the_picture_as_a_camera_would(size: tuple[int, int]) -> None:
    """``tilt(10)`` turns every frame 9-11 degrees about the picture's centre in pixels (a
    portrait clip turns as its own picture does): distances between landmarks in pixels kept,
    the torso turned by the same angle in every frame, frames with nobody left empty."""
    from gymlib.benchtools import RealClip
    from gymlib.clip_transforms import Source, tilt
    from gymlib.landmarks import PoseLandmark as L

    clip = generate_clip("squat", 3, seed=4, view="front", image_size=size)
    lm = clip.landmarks.copy()
    lm[:5] = 0.0  # nobody in the first frames
    seen = lm.any(axis=(1, 2))
    seq = PoseSequence(lm.astype(np.float32), np.arange(len(lm)) / clip.fps, clip.fps, seen,
                       size)  # fmt: skip
    real = RealClip("g", Path("g.mp4"), "squat", "front", 3)
    turned = tilt(10.0)(Source(real, seq, ()), np.random.default_rng(0)).seq.landmarks
    assert not turned[~seen].any()

    def pixels(x: np.ndarray) -> np.ndarray:
        return x[seen][..., :2] * np.asarray(size, dtype=np.float64)

    def angle(x: np.ndarray) -> np.ndarray:
        d = pixels(x)[:, int(L.LEFT_SHOULDER)] - pixels(x)[:, int(L.LEFT_HIP)]
        return np.degrees(np.arctan2(d[:, 1], d[:, 0]))

    a, b = pixels(lm), pixels(turned)
    far = np.linalg.norm(a[:, :, None] - a[:, None], axis=-1)
    assert np.allclose(far, np.linalg.norm(b[:, :, None] - b[:, None], axis=-1), atol=0.05)
    turn = (angle(turned) - angle(lm) + 180) % 360 - 180
    assert 9 <= abs(turn.mean()) <= 11 and np.ptp(turn) < 1e-3
    assert np.array_equal(turned[..., 2:], lm[..., 2:].astype(np.float32))
