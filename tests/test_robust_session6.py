"""What ``benchmarks/real_transforms.py`` found breaking in session 6, on generated streams: a
clip that begins straight into a fast rep (a long set of ~1-s reps, a clip trimmed to its set)
lost that rep when the person stood upright from the first frame: the start position had to be
held ``settle_s`` (1 s) first, and the rep was dated from then, so it came back up sooner than
``min_rep_s`` after its "start" and was dropped."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA, real_transforms

from gymlib.benchtools import REAL_POSE_CACHE, load_clips
from gymlib.reps import RepCounter, count_reps
from gymlib.reps.config import default_rep_config
from gymlib.session import CoachSession
from gymlib.synth import generate_clip

ROOT = Path(__file__).resolve().parent.parent


def _fast_from_first_frame(exercise: str, view: str, seed: int = 0):
    """Five reps of about 1 s, the stream beginning 2 frames before the first one."""
    clip = generate_clip(exercise, 5, seed=seed, view=view, idle=False, tempo=(0.9, 1.1))
    return clip, clip.landmarks[max(0, clip.reps[0].start - 2) :]


@pytest.mark.parametrize(("exercise", "view"), [("squat", "front"), ("squat", "left"),
                                                ("split_squat", "left45")])  # fmt: skip
def test_a_fast_first_rep_from_the_first_frame_counts(exercise: str, view: str) -> None:
    clip, lm = _fast_from_first_frame(exercise, view)
    assert len(count_reps(lm, exercise, fps=clip.fps, aspect=clip.aspect)) == 5
    session = CoachSession(None, fps=clip.fps, aspect=clip.aspect, exercise=exercise)
    for i, f in enumerate(lm):
        session.update(f if f.any() else None, i / clip.fps)
    assert len(session.reps) == 5
    # the first rep is the first one generated, timed from its own start (not from 1 s in)
    first = count_reps(lm, exercise, fps=clip.fps, aspect=clip.aspect)[0]
    assert first.start <= 8 and first.bottom < clip.reps[0].bottom - clip.reps[0].start + 8


def test_a_fast_first_rep_after_a_walk_in_counts_and_the_walk_does_not() -> None:
    """Whoever is seen walking holds the start position afresh; a fast rep begun before the
    hold was long enough is dated from its descent, never from before the person stood still
    (the code before: 3 of 4 on seed 0, the first rep lost; the walk is never a rep)."""
    for seed in range(3):
        clip = generate_clip("squat", 4, seed=seed, view="front", idle=True, tempo=(0.9, 1.1))
        reps = count_reps(clip.landmarks, "squat", fps=clip.fps, aspect=clip.aspect)
        assert len(reps) == len(clip.reps)
        assert reps[0].start >= clip.reps[0].start - 10


def test_the_machine_dates_a_rep_from_when_the_progress_left_the_top() -> None:
    """Held too briefly when the descent began, the rep is dated from the descent once the hold
    is long enough, not from the moment it was."""
    clip, lm = _fast_from_first_frame("squat", "front")
    # (session 7: a hold from the stream's first frame lets the rep begin during it, see
    # tests/test_first9.py; the dating applies to every other hold)
    late = dataclasses.replace(default_rep_config(), early_start=False)
    counter = RepCounter("squat", clip.fps, aspect=clip.aspect, config=late)
    downs = []
    for i, f in enumerate(lm):
        counter.update(f, i / clip.fps)
        if counter.state == "down" and not downs:
            downs.append((i, counter.machine.down_at))
    at, down_at = downs[0]
    assert down_at < at  # entered "down" late (the hold), dated earlier


@pytest.mark.skipif(not (SHARED_DATA / "real_videos").is_dir(), reason="needs ../shared/data")
def test_a_long_set_loops_only_over_reps_that_end_where_they_began() -> None:
    """``repeat-long`` loops the longest run of a set's first reps that ends within 0.1 torso
    lengths of its start: the fast pull-ups' first five (their last two end off the hang); the
    chin-ups begin just after a jump-in, swinging, and are left out (looped, each join was a
    partial rep: 32 of 25)."""
    R = real_transforms()
    names = ("pull_up_back_gym-portrait-fast", "pull_up_front_gym-chinup-jumpin")
    clips = [c for c in load_clips(SHARED_DATA / "real_videos") if c.name in names]
    fast, chin = sorted(
        R.load_sources(clips, REAL_POSE_CACHE), key=lambda s: s.clip.name != names[0]
    )
    assert R.one_set_at_rest(fast, prefix=True)[2] == 5
    c = R.repeat_long(fast, np.random.default_rng(0))
    assert c is not None and c.truth == 7 + 4 * 5  # 5 reps played 5 times, then the last 2
    assert R.repeat_long(chin, np.random.default_rng(0)) is None
    assert R.repeat3(chin, np.random.default_rng(0)) is None  # (as before: the whole set)
