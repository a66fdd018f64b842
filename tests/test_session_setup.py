"""Set-up before a set in the live coach (issue 36 items 3 and 4): a movement counted when it
closed and taken back once the set's later reps show it was setting up (unracking, walking in,
lying down on the bench), by the rule ``analyze`` applies to the whole set
(:func:`gymlib.reps.setup_reps`)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import dip_between_stands, real_pose

from gymlib.config import SEED_EXERCISES
from gymlib.live import LiveLoop
from gymlib.recording import EventLog
from gymlib.session import CoachSession
from gymlib.synth import generate_clip


class Sure:
    """A stand-in classifier sure of one exercise (the decision is not under test here)."""

    classes = SEED_EXERCISES

    def __init__(self, exercise: str) -> None:
        self.exercise = exercise

    def predict_one(self, window: np.ndarray) -> np.ndarray:
        p = np.full(len(self.classes), 0.01)
        p[self.classes.index(self.exercise)] = 1 - 0.01 * (len(self.classes) - 1)
        return p


def _with_unrack(exercise: str, seed: int, n: int) -> tuple[np.ndarray, np.ndarray, float, int]:
    """A generated set of ``n`` reps led by a set-up dip (a quarter of the first rep's depth)
    between two 1.5 s stands. Returns (landmarks (T, 33, 4), timestamps, aspect, frame where
    the set begins)."""
    clip = generate_clip(exercise, n, seed=seed, idle=False, tempo=(1.5, 2.5))
    stand, dip = dip_between_stands(clip, 0, 0.25, 1.5)
    frames = np.concatenate([stand, dip, stand, clip.landmarks])
    return frames, np.arange(len(frames)) / clip.fps, clip.aspect, 2 * len(stand) + len(dip)


def _live(session: CoachSession, frames: np.ndarray, times: np.ndarray) -> list:
    pairs = zip(frames, times, strict=True)
    return [session.update(f if f.any() else None, float(t)) for f, t in pairs]


def _offline(exercise: str, frames: np.ndarray, times: np.ndarray, aspect: float) -> list:
    session = CoachSession(None, fps=30.0, aspect=aspect, exercise=exercise)
    stream = [f if f.any() else None for f in frames]
    session.plan(stream, list(map(float, times)))
    _live(session, frames, times)
    return list(session.reps)


@pytest.mark.parametrize("exercise,seed", [("squat", 8200), ("bench_press", 8210)])
@pytest.mark.parametrize("fixed", [True, False])
def test_a_set_up_dip_is_taken_back_at_the_sets_third_rep(exercise, seed, fixed) -> None:
    frames, times, aspect, begins = _with_unrack(exercise, seed, 5)
    session = CoachSession(Sure(exercise), fps=30.0, aspect=aspect,
                           exercise=exercise if fixed else "auto")  # fmt: skip
    fbs = _live(session, frames, times)
    back = [(i, fb) for i, fb in enumerate(fbs) if fb.withdrawn]
    assert len(back) == 1  # taken back once ...
    i, fb = back[0]
    (dip,) = fb.withdrawn
    assert dip.end < begins and dip.verdict == "partial"
    # ... when the set's third movement closed (the dip and two reps after it); shown till then
    assert [r.index for r in fb.finished] == [2] and fb.counter.reps == 2
    assert sum(fbs[i - 1].reps[exercise].values()) == 2  # the dip and the first rep
    assert any(dip.bottom in [r.bottom for r in f.finished] for f in fbs[:i])  # shown when closed
    assert sum(fb.reps[exercise].values()) == 2 and fb.counter.counts == fb.reps[exercise]
    # in the end the same reps as analyze's (which plans the whole clip), numbered from 1
    reps = session.reps
    assert [r.index for r in reps] == [1, 2, 3, 4, 5]
    offline = _offline(exercise, frames, times, aspect)
    assert [(r.start, r.end, r.index) for r in reps] == [(r.start, r.end, r.index)
                                                         for r in offline]  # fmt: skip
    assert sum(fbs[-1].reps[exercise].values()) == 5
    # the session's event log (events.jsonl) agrees: the dip's rep event replaced by a withdrawal
    log = EventLog()
    for f in fbs:
        log.update(f)
    logged = [(e["start"], e["end"], e["rep"]) for e in log.events if e["type"] == "rep"]
    assert logged == [(r.start, r.end, r.index) for r in reps]
    (gone,) = [e for e in log.events if e["type"] == "withdrawn"]
    assert gone["exercise"] == exercise and gone["reason"] == "set-up"


def test_the_live_loops_sets_lose_a_rep_taken_back() -> None:
    # the dashboard's set table and summary.json's sets: the dip leaves its set, and the rep
    # that closed as it went (the session's rep count unchanged on that frame) is placed
    frames, times, aspect, begins = _with_unrack("squat", 8200, 5)
    loop = LiveLoop(CoachSession(None, fps=30.0, aspect=aspect, exercise="squat"))
    outs = [loop.step(float(t), landmarks=f if f.any() else None)
            for f, t in zip(frames, times, strict=True)]  # fmt: skip
    assert sum(len(o.session.withdrawn) for o in outs) == 1
    reps = loop.session.reps
    (only,) = loop.sets.sets
    assert only.verdicts == tuple(r.verdict for r in reps) and only.reps == 5
    assert only.start_s == reps[0].time_of("start") > times[begins - 1]
    assert [(row["rep"], row["set"]) for row in loop.summary()] == [(i, 1) for i in range(1, 6)]


def test_a_short_set_keeps_its_reps_live() -> None:
    # a dip and one rep: no set to compare with, both counted (as offline: setup_min_reps)
    frames, times, aspect, _ = _with_unrack("squat", 8200, 1)
    session = CoachSession(None, fps=30.0, aspect=aspect, exercise="squat")
    assert not any(fb.withdrawn for fb in _live(session, frames, times))
    assert len(session.reps) == 2


def test_a_sets_own_shallow_first_rep_is_kept_live() -> None:
    # a partial first rep that runs on into the set (no pause to get set after it) is a rep
    clip = generate_clip("squat", 5, seed=8220, idle=False, tempo=(1.5, 2.5),
                         errors=[["shallow"], [], [], [], []])  # fmt: skip
    session = CoachSession(None, fps=clip.fps, aspect=clip.aspect, exercise="squat")
    assert not any(fb.withdrawn for fb in _live(session, clip.landmarks, clip.timestamps))
    assert len(session.reps) == 5 and session.reps[0].verdict == "partial"


@pytest.mark.parametrize(
    "name",
    [
        # unracking in a Smith machine: a shallow dip, then 8 s getting set
        "squat_45_gym-smith-walkin-portrait",
        # lying down on the bench: one slow "rep" over the first ten seconds
        "bench_press_side_gym-walkin",
    ],
)
def test_real_set_up_is_taken_back_live(name: str) -> None:
    truth, seq = real_pose(name)
    frames = np.where(seq.detected[:, None, None], seq.landmarks, 0.0)
    aspect = seq.image_size[0] / seq.image_size[1]
    session = CoachSession(None, fps=seq.fps, aspect=aspect, exercise=truth["exercise"])
    fbs = _live(session, frames, seq.timestamps)
    assert sum(len(fb.withdrawn) for fb in fbs) == 1
    assert len(session.reps) == truth["reps"]
    first = truth["rep_frames"][0][0] / truth["fps"]
    assert session.reps[0].end_s > first  # the set-up, before the first hand-marked rep, is gone
