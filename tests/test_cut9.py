"""Camera cuts seen in the landmarks alone (gymlib.cuts.BodySteps, ``reps.cut_step``): the body
jumps in one frame out of stillness or steady movement. Found at the seam of two joined
sessions, not in fast movement, walk-ins or real single-camera takes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import REAL_WINDOWS, ROOT

from gymlib.config import ConfigError, load_config
from gymlib.cuts import BodySteps
from gymlib.reps import RepCounter, default_rep_config
from gymlib.session import CoachSession
from gymlib.synth import generate_clip

ASPECT = 1280 / 720


def _cut_to_another_camera(exercise: str) -> tuple[np.ndarray, int]:
    """Three reps filmed from the side, then a cut to a camera in front of the same person at
    the same place, a quarter into a rep (``(T, 33, 4)``, the seam's frame): the bodies' boxes
    barely move, too little for ``reps.cut_speed``."""
    a = generate_clip(exercise, 3, seed=1, view="left", idle=False, image_size=(1280, 720))
    b = generate_clip(exercise, 3, seed=2, view="front", idle=False, image_size=(1280, 720))
    first = b.reps[0]
    after = b.landmarks[first.start + (first.bottom - first.start) // 4 :]
    return np.concatenate([a.landmarks, after]), len(a.landmarks)


def _cuts_and_reps(lm: np.ndarray, exercise: str, **cfg: float) -> tuple[list[int], int]:
    counter = RepCounter(exercise, 30, aspect=ASPECT, config=replace(default_rep_config(), **cfg))
    cuts = []
    for i, f in enumerate(lm):
        before = counter.cuts
        counter.update(f if f.any() else None, i / 30)
        if counter.cuts > before:
            cuts.append(i)
    counter.finish()
    return cuts, len(counter.reps)


@pytest.mark.parametrize("exercise", ["squat", "push_up"])
def test_a_cut_the_landmarks_show_is_found_at_the_seam(exercise: str) -> None:
    """The step rule finds the seam and nothing else; the rep cut into counts as at a clip's
    first frame (6). Without it (``cut_step`` beyond any jump) the speed rule alone misses the
    cut and that rep is lost (5)."""
    lm, seam = _cut_to_another_camera(exercise)
    assert _cuts_and_reps(lm, exercise) == ([seam], 6)
    assert _cuts_and_reps(lm, exercise, cut_step=1000.0) == ([], 5)
    # its window and floor come from config.yaml too: a floor above a tenth of the seam's
    # jump leaves it to the speed rule, which misses it
    assert _cuts_and_reps(lm, exercise, cut_step_floor=1.0) == ([], 5)
    # the live coach's counters take the same path
    session = CoachSession(None, fps=30, aspect=ASPECT, exercise=exercise)
    for i, f in enumerate(lm):
        session.update(f if f.any() else None, i / 30)
    session.finish()
    assert len(session.reps) == 6


@pytest.mark.parametrize("exercise", ["squat", "pull_up", "split_squat", "bench_press"])
def test_fast_reps_after_a_walk_in_are_no_cut(exercise: str) -> None:
    """Reps of 0.7-1 s after walking in (a body speeding up and stopping at its fastest): no
    frame is a cut."""
    clip = generate_clip(exercise, 5, seed=3, view="front", idle=True, tempo=(0.7, 1.0))
    counter = RepCounter(exercise, clip.fps, aspect=clip.aspect)
    for i, f in enumerate(clip.landmarks):
        counter.update(f if f.any() else None, i / clip.fps)
    assert counter.cuts == 0


def test_body_steps_need_a_move_before_to_compare_with() -> None:
    """A jump with no pair in the 0.1 s before (a stream's start, after a gap) is no verdict; a
    jump out of stillness is a cut, then the steps start afresh."""
    steps = BodySteps(10.0)
    assert not steps.update(0.0, 0.5)  # nothing before
    assert not steps.update(0.2, 0.002)  # the pair before ended 0.2 s ago
    assert not steps.update(0.2 + 1 / 30, 0.09)  # 9 x the 0.01 floor
    assert steps.update(0.2 + 2 / 30, 1.0)  # 11 x the 0.09 before
    assert not steps.update(0.2 + 3 / 30, 1.0)  # forgotten: nothing before again
    with pytest.raises(ValueError, match="cut step"):
        BodySteps(1.0)


def test_body_steps_judge_only_with_two_pairs_in_the_window() -> None:
    """At 15 fps the 0.1 s before a frame holds one pair, too few to show a speed-up over
    frames (a body's start from rest fits in one frame): no verdict, however large the jump.
    At 30 fps the same jump is a cut; ``pairs=1`` judges at 15 fps too."""
    fast, slow, one = BodySteps(10.0), BodySteps(10.0), BodySteps(10.0, pairs=1)
    for i in range(5):
        assert not fast.update(i / 30, 0.005)
    assert fast.update(5 / 30, 0.5)
    for steps in (slow, one):
        for i in range(3):
            assert not steps.update(i / 15, 0.005)
    assert not slow.update(3 / 15, 0.5)
    assert one.update(3 / 15, 0.5)
    with pytest.raises(ValueError, match="pairs"):
        BodySteps(10.0, pairs=0)


@pytest.mark.skipif(not REAL_WINDOWS.is_file(), reason="needs ../shared/data")
def test_real_single_camera_takes_at_15_fps_have_no_step_cut() -> None:
    """The own phone takes with every other frame kept (a 15-fps camera): the step rule calls
    no frame a cut (with one pair in its window it called 3, the speed rule's own 3 aside)."""
    d = np.load(REAL_WINDOWS)
    w = d["windows"].reshape(-1, 30, 33, 4)
    cfg = load_config().reps
    own = np.char.startswith(d["source"].astype(str), "own_")
    called = []
    for video in np.unique(d["video"][own]):
        idx = np.flatnonzero(d["video"] == video)
        idx = idx[np.argsort(d["part"][idx])]
        for run in np.split(idx, np.flatnonzero(np.diff(d["part"][idx]) != 1) + 1):
            lm = w[run].reshape(-1, 33, 4)[::2]
            seen = np.abs(lm).sum(axis=(1, 2)) > 0
            steps = BodySteps(cfg.cut_step, cfg.cut_step_window_s, cfg.cut_step_floor,
                              cfg.cut_step_pairs)  # fmt: skip
            moves = _moves(lm)
            for i in np.flatnonzero(seen[1:] & seen[:-1]):
                if steps.update((i + 1) / 15, float(moves[i])):
                    called.append((str(video), i + 1))
    assert called == []


def test_cut_step_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "config.yaml"
    bad.write_text((ROOT / "config.yaml").read_text().replace("  cut_step: 10.0", "  cut_step: 1"))
    with pytest.raises(ConfigError, match=r"reps\.cut_step: 1(\.0)? is out of range"):
        load_config(bad)


@pytest.mark.parametrize(
    ("key", "value"), [("cut_step_floor", 0), ("cut_step_window_s", 5), ("cut_step_pairs", 0)]
)
def test_cut_step_window_and_floor_are_validated(tmp_path: Path, key: str, value: float) -> None:
    text = (ROOT / "config.yaml").read_text()
    assert f"  {key}: " in text
    bad = tmp_path / "config.yaml"
    bad.write_text("\n".join(f"  {key}: {value}" if line.startswith(f"  {key}: ") else line
                             for line in text.splitlines()))  # fmt: skip
    with pytest.raises(ConfigError, match=rf"reps\.{key}: {value}(\.0)? is out of range") as err:
        load_config(bad)
    assert str(bad) in str(err.value)


def _moves(lm: np.ndarray) -> np.ndarray:
    """The counter's move per frame pair (its ``_is_cut``): the least-moving quarter of the
    landmarks in the larger body box diagonal (the windows' picture shape is not stored:
    square)."""
    p = lm[:, :, :2].astype(np.float64)
    size = np.linalg.norm(p.max(1) - p.min(1), axis=1)
    quarter = np.quantile(np.linalg.norm(np.diff(p, axis=0), axis=2), 0.25, axis=1)
    return quarter / np.maximum(np.maximum(size[1:], size[:-1]), 1e-6)


@pytest.mark.skipif(not REAL_WINDOWS.is_file(), reason="needs ../shared/data")
def test_real_single_camera_takes_have_no_step_cut() -> None:
    """The real windows of the seed authors' own phone takes (one camera, unedited: 0.72 h at
    30 fps), rebuilt into streams by recording: the step rule at config's ``cut_step`` calls no
    frame a cut (web clips may hold real cuts, so they are left out)."""
    d = np.load(REAL_WINDOWS)
    w = d["windows"].reshape(-1, 30, 33, 4)
    limit, frames, called = load_config().reps.cut_step, 0, []
    own = np.char.startswith(d["source"].astype(str), "own_")
    for video in np.unique(d["video"][own]):
        idx = np.flatnonzero(d["video"] == video)
        idx = idx[np.argsort(d["part"][idx])]
        for run in np.split(idx, np.flatnonzero(np.diff(d["part"][idx]) != 1) + 1):
            lm = w[run].reshape(-1, 33, 4)
            seen = np.abs(lm).sum(axis=(1, 2)) > 0
            steps, moves = BodySteps(limit), _moves(lm)
            for i in np.flatnonzero(seen[1:] & seen[:-1]):
                if steps.update((i + 1) / 30, float(moves[i])):
                    called.append((str(video), i + 1))
            frames += len(lm)
    assert frames > 70_000
    assert called == []
