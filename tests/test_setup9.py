"""Set-up around short and slowed sets (issue 36 item 3, session 7): a run of set-up
movements (unracking, stepping back) before a set is judged against the reps after it, and
with no limit in seconds, so a set of two reps and a slowed one lose their set-up as a long
set does, offline (``analyze``'s plan) and live (the coach takes it back)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gymlib.session import CoachSession
from gymlib.synth import generate_clip

FPS = 30.0
STAND0, GET_SET, DEPTHS = 3.0, 1.0, (0.4, 0.35)  # seconds, seconds, of the first rep


def _unrack_then(exercise: str, seed: int, n: int, dips: int) -> tuple[np.ndarray, float, int]:
    """Standing (``STAND0``), ``dips`` set-up dips back to back (to ``DEPTHS`` of the first
    rep's depth: the first rep's frames moved that far from the standing frame, as unracking
    and stepping back under the bar; the real barbell split squat's and Smith squat's reached
    0.15-0.42 of their sets' reps), standing still to get set (``GET_SET``), then a set of
    ``n`` reps. Returns (landmarks (T, 33, 4), aspect, frame where the set begins)."""
    clip = generate_clip(exercise, n, seed=seed, idle=False, tempo=(1.5, 2.5))
    lm = clip.landmarks
    first = clip.reps[0]
    top = lm[first.start]
    rep = lm[first.start : first.end + 1]
    parts = [np.repeat(top[None], int(STAND0 * FPS), axis=0)]
    for depth in DEPTHS[:dips]:
        dip = top + depth * (rep - top)
        dip[..., 3] = rep[..., 3]
        parts += [dip, np.repeat(top[None], int(0.2 * FPS), axis=0)]
    parts.append(np.repeat(top[None], int(GET_SET * FPS), axis=0))
    begins = sum(len(p) for p in parts)
    return np.concatenate([*parts, lm]), clip.aspect, begins


def _slowed(frames: np.ndarray, factor: float) -> tuple[np.ndarray, np.ndarray]:
    """Slow motion filmed at the same frame rate: every landmark interpolated at 1/FPS steps
    of a timeline ``factor`` x longer. Returns (landmarks (T', 33, 4), timestamps (T',))."""
    t = np.arange(len(frames)) / FPS * factor
    new = np.arange(0.0, t[-1], 1 / FPS)
    flat = frames.reshape(len(frames), -1)
    out = np.stack([np.interp(new, t, flat[:, j]) for j in range(flat.shape[1])], axis=1)
    return out.reshape(len(new), *frames.shape[1:]).astype(np.float32), new


def _reps(frames: np.ndarray, times: np.ndarray, exercise: str, aspect: float, *, live: bool):
    """The session's reps: offline (``plan`` first, as ``analyze``) or live (frame by frame)."""
    session = CoachSession(None, fps=FPS, aspect=aspect, exercise=exercise)
    stream = [f if f.any() else None for f in frames]
    if not live:
        session.plan(stream, list(map(float, times)))
    for frame, t in zip(stream, times, strict=True):
        session.update(frame, float(t))
    session.finish()
    return list(session.reps)


@pytest.mark.parametrize("live", [False, True], ids=["offline", "live"])
@pytest.mark.parametrize("exercise,seed", [("squat", 8200), ("split_squat", 8150)])
def test_an_unrack_before_a_two_rep_set_is_not_a_rep(exercise: str, seed: int, live: bool) -> None:
    # two reps are all the yardstick there is: the set-up is judged against them, not against
    # a median its own long pause would inflate, and as a run (main counted 4)
    frames, aspect, begins = _unrack_then(exercise, seed, 2, dips=2)
    times = np.arange(len(frames)) / FPS
    reps = _reps(frames, times, exercise, aspect, live=live)
    assert len(reps) == 2, [(r.start, r.end, round(r.rom, 2)) for r in reps]
    assert reps[0].start >= begins - 15
    assert [r.index for r in reps] == [1, 2]


@pytest.mark.parametrize("live", [False, True], ids=["offline", "live"])
# (at 3x the counter's own rep boundaries stretch the pauses between these generated reps
# from 0.2 s to 2.8 s, more than the slow motion does, and the get-set pause is no longer 3x
# theirs: docs/real_footage.md, "Set-up around short and slowed sets (session 7)")
@pytest.mark.parametrize("factor", [1.0, 2.0])
def test_a_run_of_set_up_dips_is_not_a_rep_at_any_speed(factor: float, live: bool) -> None:
    # unracking and stepping back as two dips back to back, then a pause to get set: the run
    # ends with the pause (main judged each dip alone: the first, with no pause after it,
    # counted); slow motion slows the set-up and the set alike and changes nothing
    frames, aspect, begins = _unrack_then("squat", 8200, 4, dips=2)
    frames, times = _slowed(frames, factor)
    reps = _reps(frames, times, "squat", aspect, live=live)
    assert len(reps) == 4, [(r.start, r.end, round(r.rom, 2)) for r in reps]
    assert reps[0].time_of("start") >= (begins - 15) / FPS * factor


def test_a_sets_own_shallow_first_rep_before_a_short_set_is_kept() -> None:
    # a partial first rep that runs on into the next (no pause to get set) is a rep, in a set
    # of three as in a long one
    clip = generate_clip("squat", 3, seed=8220, idle=False, tempo=(1.5, 2.5),
                         errors=[["shallow"], [], []])  # fmt: skip
    for live in (False, True):
        reps = _reps(clip.landmarks, clip.timestamps, "squat", clip.aspect, live=live)
        assert len(reps) == 3, live


# Real clips (``../shared/data/real_videos``, never committed; landmarks made once for all
# tests: ``conftest.real_source``): the transforms of ``benchmarks/real_transforms.py`` that
# showed the set-up counted, through ``analyze``'s path (the shipped classifier plans the
# sets, then the clip is counted).
def _real(name: str):
    """``real_transforms`` and the clip's source for its transforms."""
    import sys

    from conftest import real_source

    src = real_source(name)  # skips when the clip is absent
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import real_transforms as rt

    return rt, src


@pytest.mark.parametrize(
    "name,transform,truth",
    [
        # walking the Smith bar out (one shallow dip with the feet travelling), two reps
        ("squat_45_gym-smith-walkin-portrait", "first2-60", 2),
        # the same whole clip slowed to a 7-s rep: the walk-out is three movements, a run
        ("squat_45_gym-smith-walkin-portrait", "slow7", 5),
        # walking the barbell out of the rack (read as a squat), then two split squats
        ("split_squat_back_gym-barbell", "first2-60", 2),
    ],
)
def test_real_set_up_before_a_short_or_slowed_set_is_not_a_rep(
    name: str, transform: str, truth: int
) -> None:
    rt, src = _real(name)
    case = rt.TRANSFORMS[transform](src, np.random.default_rng(0))
    seq = case.seq
    frames = np.where(seq.detected[:, None, None], seq.landmarks, 0.0)
    w, h = seq.image_size
    from gymlib.model import ExerciseClassifier

    session = CoachSession(ExerciseClassifier.load(), fps=seq.fps, aspect=w / h)
    stream = [f if f.any() else None for f in frames]
    session.plan(stream, [float(t) for t in seq.timestamps])
    for frame, t in zip(stream, seq.timestamps, strict=True):
        session.update(frame, float(t))
    session.finish()
    assert len(session.reps) == truth == case.truth


@pytest.mark.parametrize(
    "key,value", [("setup_pause_reps", -0.5), ("setup_depth", 1.5), ("setup_pause_s", -1.0)]
)
def test_set_up_limits_are_validated_on_load(tmp_path: Path, key: str, value: float) -> None:
    import yaml

    from gymlib.config import DEFAULT_CONFIG_PATH, ConfigError, load_config

    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))
    data["reps"][key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"reps\.{key}") as info:
        load_config(path)
    assert str(path) in str(info.value) and str(value) in str(info.value)
    data["reps"][key] = 0.5  # in range: loads
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert getattr(load_config(path).reps, key) == 0.5


def test_a_sets_own_shallow_first_reps_and_a_short_pause_stay_counted_live() -> None:
    """Generated session 1061 (``reps_eval.py --coach --depth mediapipe``: squats from the
    front, the first two shallow, then a 0.9-s pause): live, judged against the next two
    reps' one short pause, the two looked like set-up and were taken back (4 of 6). Getting
    set takes a second (``reps.setup_pause_s``): all 6 stay, with the shipped classifier."""
    from gymlib.model import ExerciseClassifier

    clip = generate_clip("squat", [6], seed=1061, view="front", error_rate=0.35,
                         tempo=(1.0, 5.0), depth="mediapipe")  # fmt: skip
    session = CoachSession(ExerciseClassifier.load(None), fps=clip.fps, aspect=clip.aspect)
    for i, frame in enumerate(clip.landmarks):
        session.update(frame if frame.any() else None, i / clip.fps)
    assert [r.exercise for r in session.reps] == ["squat"] * 6
