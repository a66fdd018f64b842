"""What ``benchmarks/real_transforms.py`` found breaking on transformed real clips, on generated
streams: a clip that ends as its last rep does (a variable-rate camera's last frame 40 ms
earlier lost the last rep of two real clips) counts it; one cut at a rep's bottom does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gymlib.extract import PoseSequence
from gymlib.reps import count_reps
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
