"""Slow motion and other frame rates (issue 36 item 3, session 8): what
``benchmarks/real_transforms.py --transforms slow2,slow7,fps15,vfr`` found.

Slowed, a walk-out with the feet together before a split squat set reads as standing still
(the feet travel slower than walking) and closes as a shallow "rep" under squat, the name the
live decision gives the feet-together stance, before the split stance is named. Offline the
plan judges such a short set with the set it runs into (``reps.joined_sets``); live the set
being judged for set-up goes on through a change of name without a rest
(``CoachSession._set_goes_on``)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import dip_between_stands, real_source

from gymlib.config import SEED_EXERCISES
from gymlib.session import CoachSession, load_live_config
from gymlib.synth import generate_clip


class Scripted:
    """A stand-in classifier sure of ``first`` for the windows before ``switch_at`` (s of the
    window's last frame, told by :func:`_live`), then of ``then``; ``rest`` (start, end) s:
    sure of nothing in between (each exercise 1 / C: the decision's idle state likeliest)."""

    classes = SEED_EXERCISES

    def __init__(self, first: str, then: str, switch_at: float, rest: tuple[float, float] = ()):
        self.first, self.then, self.switch_at, self.rest = first, then, switch_at, rest
        self.now = 0.0

    def predict_one(self, window: np.ndarray) -> np.ndarray:
        if self.rest and self.rest[0] <= self.now < self.rest[1]:
            return np.full(len(self.classes), 1.0 / len(self.classes))
        p = np.full(len(self.classes), 0.01)
        name = self.first if self.now < self.switch_at else self.then
        p[self.classes.index(name)] = 1 - 0.01 * (len(self.classes) - 1)
        return p


def _walk_out_then_set(seed: int = 8200) -> tuple[np.ndarray, np.ndarray, float, float]:
    """A generated split squat set of 5 reps led by a set-up dip (a quarter of the first rep's
    depth) between two 1.5 s stands. Returns (landmarks (T, 33, 4), timestamps, aspect, the
    set's first time in s)."""
    clip = generate_clip("split_squat", 5, seed=seed, idle=False, tempo=(1.5, 2.5), view="left")
    stand, dip = dip_between_stands(clip, 0, 0.25, 1.5)
    frames = np.concatenate([stand, dip, stand, clip.landmarks])
    times = np.arange(len(frames)) / clip.fps
    return frames, times, clip.aspect, float(times[2 * len(stand) + len(dip)])


def _session(clf: Scripted, aspect: float) -> CoachSession:
    """The live coach naming what ``clf`` says: the stance's evidence off (the legs would
    name the generated set's split stance from its first frame; the decision is not under
    test here)."""
    live = load_live_config()
    decision = replace(live.decision, stance_up=0.0, stance_down=0.0, stance_trust=1.0)
    return CoachSession(clf, fps=30.0, aspect=aspect, config=replace(live, decision=decision))


def _live(session: CoachSession, clf: Scripted, frames: np.ndarray, times: np.ndarray) -> list:
    out = []
    for f, t in zip(frames, times, strict=True):
        clf.now = float(t)
        out.append(session.update(f if f.any() else None, float(t)))
    return out


def test_a_set_up_dip_named_squat_is_taken_back_by_the_split_squat_set_it_runs_into() -> None:
    frames, times, aspect, begins = _walk_out_then_set()
    clf = Scripted("squat", "split_squat", switch_at=begins)
    session = _session(clf, aspect)
    fbs = _live(session, clf, frames, times)
    withdrawn = [r for fb in fbs for r in fb.withdrawn]
    assert [r.exercise for r in withdrawn] == ["squat"]  # the dip, counted when it closed
    assert withdrawn[0].end_s < begins
    assert [r.exercise for r in session.reps] == ["split_squat"] * 5
    assert [r.index for r in session.reps] == [1, 2, 3, 4, 5]
    assert fbs[-1].reps["squat"] == {"good": 0, "partial": 0, "faulty": 0}


def test_a_rest_between_ends_the_set() -> None:
    # the same stream, the decision sure of nothing (idle) over the stand after the dip: a
    # rest, so the dip is a set of its own (one movement: nothing to judge it by), as offline
    frames, times, aspect, begins = _walk_out_then_set()
    clf = Scripted("squat", "split_squat", switch_at=begins, rest=(begins - 1.2, begins))
    session = _session(clf, aspect)
    fbs = _live(session, clf, frames, times)
    assert not any(fb.withdrawn for fb in fbs)
    assert [r.exercise for r in session.reps] == ["squat"] + ["split_squat"] * 5


class Flicker:
    """A stand-in classifier sure of ``name``, but of ``other`` from ``during[0]`` to
    ``during[1]`` s (None: never)."""

    classes = SEED_EXERCISES

    def __init__(self, name: str, other: str, during: tuple[float, float] | None) -> None:
        self.name, self.other, self.during, self.now = name, other, during, 0.0

    def predict_one(self, window: np.ndarray) -> np.ndarray:
        p = np.full(len(self.classes), 0.01)
        on = self.during is not None and self.during[0] <= self.now < self.during[1]
        p[self.classes.index(self.other if on else self.name)] = 1 - 0.01 * (len(self.classes) - 1)
        return p


def test_a_flicker_of_the_name_inside_a_set_changes_nothing() -> None:
    # a squat set whose two first reps are followed by a stand, a shallow dip (0.3 of a rep's
    # depth) and a stand, then 4 reps; the name flickers to split_squat (through unknown, no
    # rest) over the first stand and back to squat. The set's start was judged when the dip
    # came: the set goes on as squat, so the dip is judged as without the flicker (kept: a
    # partial rep in a set), not as the first movement of a set carried in from split_squat
    clip = generate_clip("squat", 6, seed=8300, idle=False, tempo=(1.5, 2.5), view="front")
    first, third = clip.reps[1].end + 1, clip.reps[2].start
    stand, dip = dip_between_stands(clip, 2, 0.3, 3.0)
    frames = np.concatenate([clip.landmarks[:first], stand, dip, stand, clip.landmarks[third:]])
    times = np.arange(len(frames)) / clip.fps
    at = first / clip.fps
    counted = {}
    for during in (None, (at - 0.5, at + 2.5)):
        clf = Flicker("squat", "split_squat", during)
        session = _session(clf, clip.aspect)
        fbs = _live(session, clf, frames, times)
        named = [fb.exercise for fb in fbs]
        counted[during is None] = [(r.exercise, r.index, r.bottom) for r in session.reps]
        assert not any(fb.withdrawn for fb in fbs)
    assert "split_squat" in named  # the name did flicker
    assert counted[False] == counted[True] and len(counted[True]) == 7  # 6 reps and the dip


@pytest.mark.parametrize("transform", ["slow2", "slow7"])
def test_a_real_slowed_walk_out_is_taken_back_live(transform: str) -> None:
    """The real barbell split squat from behind, slowed: the walk-out closes as a squat "rep"
    (7 of 6 before), taken back once the split squats after it show it was set-up."""
    from gymlib.clip_transforms import TRANSFORMS
    from gymlib.model import ExerciseClassifier

    src = real_source("split_squat_back_gym-barbell")
    case = TRANSFORMS[transform](src, np.random.default_rng(0))
    w, h = case.seq.image_size
    session = CoachSession(ExerciseClassifier.load(), fps=case.seq.fps, aspect=w / h)
    withdrawn = []
    for frame, t in zip(case.seq.frames(), case.seq.timestamps, strict=True):
        withdrawn += session.update(frame, float(t)).withdrawn
    assert len(session.reps) == case.truth == 6
    assert [r.exercise for r in withdrawn] == ["squat"]
    first = src.rep_frames[0][0] / src.seq.fps * case.seq.timestamps[-1] / src.seq.timestamps[-1]
    assert withdrawn[0].end_s < first + 1.0  # the walk-out, before the first hand-marked rep
