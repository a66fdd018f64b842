"""The first rep of a fast set (issue 36 item 3, session 7): a ~1-s rep from a stream's very
first frame is over before the 1-s hold (``settle_s``) that tells a person in the start position
from a walker; it may now begin during the hold and counts once the frames after it complete
the hold (``reps.early_start``). A walker's stride before the feet's travel can be measured
stays no rep. And the zoom check compares the body's size over the segments seen at both ends
of a rep: legs partly out of the picture, with no reference yet at a stream's first frames, read
as a 1.5x zoom and refused the first pull-up."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SHARED_DATA, real_transforms

from gymlib.benchtools import REAL_POSE_CACHE, load_clips
from gymlib.config import DEFAULT_CONFIG_PATH, load_config
from gymlib.configbase import ConfigError
from gymlib.landmarks import L
from gymlib.reps import RepCounter, count_reps
from gymlib.reps.config import default_rep_config
from gymlib.session import CoachSession
from gymlib.synth import generate_clip

LEGS = slice(L.LEFT_KNEE, L.RIGHT_FOOT_INDEX + 1)  # knees, ankles, heels, toes


def _fast_from_the_first_frame(exercise: str, view: str, seed: int):
    """Five reps of 0.7-0.8 s, the stream beginning at the first one's first frame: the first
    rep is over before ``settle_s`` (1 s)."""
    clip = generate_clip(exercise, 5, seed=seed, view=view, idle=False, tempo=(0.7, 0.8))
    return clip, clip.landmarks[clip.reps[0].start :]


def _live(lm: np.ndarray, exercise: str, fps: float, aspect: float) -> list:
    session = CoachSession(None, fps=fps, aspect=aspect, exercise=exercise)
    for i, f in enumerate(lm):
        session.update(f if f.any() else None, i / fps)
    return list(session.reps)


@pytest.mark.parametrize(("exercise", "view", "seed"), [("squat", "front", 0),
                         ("squat", "front", 1), ("split_squat", "left", 0),
                         ("squat", "right45", 0)])  # fmt: skip
def test_a_rep_over_before_the_hold_counts_offline_and_live(exercise, view, seed) -> None:
    # (before: 4 of 5 on each, the first rep lost)
    clip, lm = _fast_from_the_first_frame(exercise, view, seed)
    reps = count_reps(lm, exercise, fps=clip.fps, aspect=clip.aspect)
    assert len(reps) == 5
    assert reps[0].start <= 8  # the first rep generated, from its own start
    assert len(_live(lm, exercise, clip.fps, clip.aspect)) == 5


def test_the_early_rep_is_announced_once_the_hold_is_complete_and_the_key_turns_it_off() -> None:
    """Live, the early rep is counted only when the hold (``settle_s`` from the first frame)
    is complete, not at its own end; ``early_start: false`` loses it (the code before)."""
    clip, lm = _fast_from_the_first_frame("squat", "front", 0)
    cfg = default_rep_config()
    counter = RepCounter("squat", clip.fps, aspect=clip.aspect)
    counted_at = None
    for i, f in enumerate(lm):
        counter.update(f, i / clip.fps)
        if counter.reps and counted_at is None:
            counted_at = i / clip.fps
    assert counted_at is not None and counted_at >= cfg.settle_s - 1e-6
    first = clip.reps[0]
    assert (first.end - first.start) / clip.fps < cfg.settle_s  # over before the hold
    late = dataclasses.replace(cfg, early_start=False)
    assert len(count_reps(lm, "squat", fps=clip.fps, aspect=clip.aspect, config=late)) == 4


@pytest.mark.parametrize(("view", "seed"), [("left", 9), ("left", 1), ("right", 10)])
def test_a_stride_in_a_walk_in_stays_no_rep(view: str, seed: int) -> None:
    """Walking in towards a side camera from the first frame: the knee bend of a stride (0.4
    s, squat left seed 9), over before the feet's travel could be measured, is no rep, offline
    or live (this change's first version counted it)."""
    clip = generate_clip("squat", 4, seed=seed, view=view)
    walk = np.zeros(clip.n_frames, bool)
    for s, e, kind in clip.idle:
        walk[s:e] |= kind in ("walk_in", "standing")
    for reps in (count_reps(clip.landmarks, "squat", clip.fps, aspect=clip.aspect),
                 _live(clip.landmarks, "squat", clip.fps, clip.aspect)):  # fmt: skip
        assert not [r for r in reps if walk[r.start : r.end + 1].mean() > 0.5]
        assert len(reps) == len(clip.reps)


@pytest.mark.parametrize(("view", "seed"), [("back", 0), ("back", 1), ("front", 2)])
def test_legs_partly_out_of_the_picture_are_no_zoom(view: str, seed: int) -> None:
    """Pull-ups from the first frame, the legs in the picture only near the top of each pull:
    at the first rep's start their segments have no reference yet, so the body's size summed
    with references read 1.5x smaller than at its end, and the rep was refused as walking to
    the camera (before: 4 of 5)."""
    clip = generate_clip("pull_up", 5, seed=seed, view=view, idle=False, tempo=(0.9, 1.1))
    s0 = clip.reps[0].start
    lm = clip.landmarks[s0:].copy()
    seen = np.zeros(len(lm), bool)
    for r in clip.reps:
        seen[max(r.bottom - s0 - 4, 0) : r.bottom - s0 + 5] = True
    lm[~seen, LEGS, 3] = 0.1
    assert len(count_reps(lm, "pull_up", fps=clip.fps, aspect=clip.aspect)) == 5


def test_early_start_must_be_a_boolean(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    assert data["reps"]["early_start"] is True
    data["reps"]["early_start"] = "sometimes"
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"reps\.early_start: .*'sometimes'") as err:
        load_config(path)
    assert str(path) in str(err.value)


@pytest.mark.skipif(not (SHARED_DATA / "real_videos").is_dir(), reason="needs ../shared/data")
@pytest.mark.parametrize("name", ["squat_front_outdoor", "pull_up_back_gym-stock"])
def test_real_long_fast_sets_count_their_first_rep(name: str) -> None:
    """``repeat-long-fast`` (``benchmarks/real_transforms.py``): the real front squats looped
    at 1 s a rep from the first frame (24) and the real pull-ups from behind, legs partly out
    of the picture (12); before, each lost its first rep."""
    R = real_transforms()
    clips = [c for c in load_clips(SHARED_DATA / "real_videos") if c.name == name]
    src = R.load_sources(clips, REAL_POSE_CACHE)[0]
    c = R.repeat_long_fast(src, np.random.default_rng(0))
    w, h = c.seq.image_size
    reps = count_reps(c.seq.landmarks, src.clip.exercise, c.seq.fps, aspect=w / h,
                      timestamps=c.seq.timestamps)  # fmt: skip
    assert len(reps) == c.truth
