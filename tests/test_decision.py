"""The exercise decided from many windows' evidence (issue 36): gymlib.decision, its config, and
the live and offline paths that use it (CoachSession, analyze) on real footage when present."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from gymlib.config import SEED_EXERCISES, ConfigError, load_config
from gymlib.decision import (
    IDLE,
    DecisionConfig,
    Evidence,
    ExerciseFilter,
    decide_sets,
    transitions,
)
from gymlib.landmarks import PoseLandmark as L
from gymlib.model import OTHER, UNKNOWN

CLASSES = (*SEED_EXERCISES, OTHER)
CFG = DecisionConfig(evidence=1.0, floor=0.005, set_s=60.0, rest_s=20.0, switch=0.02,
                     name_at=0.9, hold_at=0.5)  # fmt: skip
REAL_VIDEOS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "real_videos"


def probs(name: str, p: float) -> np.ndarray:
    """``p`` for ``name``, the rest shared by the other six classes."""
    out = np.full(len(CLASSES), (1 - p) / (len(CLASSES) - 1))
    out[CLASSES.index(name)] = p
    return out


def feed(f: ExerciseFilter, script: list[tuple[str, float]], every: int = 10) -> list[str]:
    """Windows every ``every`` frames at 30 fps, the first one full; the names after each."""
    out = []
    for k, (name, p) in enumerate(script):
        new = 30 if k == 0 else every
        out.append(f.update(probs(name, p), (29 + every * k) / 30, new))
    return out


def test_one_window_moves_the_belief_by_a_bounded_amount() -> None:
    ev = Evidence(CLASSES, SEED_EXERCISES, CFG)
    full = ev(probs("squat", 1.0), 30)[0]
    assert full[SEED_EXERCISES.index("squat")] == pytest.approx(0.0)
    assert full.min() == pytest.approx(np.log(CFG.floor))  # floored, not log(0)
    third = ev(probs("squat", 1.0), 10)[0]  # 20 of its 30 frames seen before
    assert np.allclose(third, full / 3)
    assert len(full) == len(SEED_EXERCISES) + 1  # the exercises, then idle


def test_transitions_are_probabilities_that_follow_the_clock() -> None:
    n = len(SEED_EXERCISES)
    for dt in (0.0, 1 / 3, 2.0, 600.0):
        a = transitions(dt, n, CFG)
        assert a.shape == (n + 1, n + 1) and np.allclose(a.sum(axis=1), 1.0) and (a >= 0).all()
    assert np.allclose(transitions(0.0, n, CFG), np.eye(n + 1))
    short, long = transitions(1 / 3, n, CFG), transitions(30.0, n, CFG)
    assert short[0, 0] > long[0, 0] > 0.5  # a set persists, less surely over longer gaps
    assert long[0, n] > long[0, 1] * 10  # a set ends in a rest far more often than in a switch


def test_a_steady_middling_exercise_is_named_and_a_stray_window_does_not_switch_it() -> None:
    f = ExerciseFilter(CLASSES, SEED_EXERCISES, CFG)
    names = feed(f, [("squat", 0.6)] * 8 + [("push_up", 0.99)] + [("squat", 0.6)] * 5)
    first = names.index("squat")
    assert 1 <= first <= 5  # not on one middling window, within two seconds
    assert set(names[first:]) == {"squat"}
    assert f.confidence >= CFG.name_at


def test_a_switch_through_a_rest_is_named_but_needs_evidence() -> None:
    f = ExerciseFilter(CLASSES, SEED_EXERCISES, CFG)
    script = [("squat", 0.95)] * 10 + [(OTHER, 0.9)] * 12 + [("push_up", 0.7)] * 10
    names = feed(f, script)
    assert names[9] == "squat"
    assert UNKNOWN in names[10:22] and "push_up" not in names[:23]
    assert names[-1] == "push_up"
    assert f.belief[-1] < 0.1 and IDLE == "idle"


def test_windows_that_cannot_tell_name_nothing() -> None:
    f = ExerciseFilter(CLASSES, SEED_EXERCISES, CFG)
    uniform = [("squat", 1 / len(CLASSES))] * 30
    assert set(feed(f, uniform)) == {UNKNOWN}


def test_offline_sets_are_decided_from_all_their_windows() -> None:
    """Squat windows of which only a few reach 0.9 (the rest 0.5-0.7, some split squat), a
    rest, then push-ups: two sets, each named from its summed evidence."""
    rng = np.random.default_rng(0)
    script = [("squat", p) for p in rng.uniform(0.5, 0.95, 20)]
    script[3] = script[11] = ("split_squat", 0.8)
    script += [(OTHER, 0.95)] * 15 + [("push_up", 0.8)] * 12
    p = np.stack([probs(n, q) for n, q in script])
    t = (29 + 10 * np.arange(len(p))) / 30
    new = np.array([30] + [10] * (len(p) - 1))
    sets = decide_sets(p, t, new, CLASSES, SEED_EXERCISES, CFG)
    named = [(s.exercise, s.first, s.last) for s in sets if s.exercise != UNKNOWN]
    assert [n for n, *_ in named] == ["squat", "push_up"]
    assert named[0][1] == 0 and named[0][2] >= 19 and named[1][2] == len(p) - 1
    assert sets[0].confidence >= 0.99
    # a set with as much evidence for two exercises names neither
    tie = np.stack([probs("squat", 0.48) + probs("split_squat", 0.48) - 1 / 7] * 6)
    tie /= tie.sum(axis=1, keepdims=True)
    even = decide_sets(tie, t[:6], new[:6], CLASSES, SEED_EXERCISES, CFG)
    assert all(s.exercise == UNKNOWN for s in even)
    assert decide_sets(p[:0], t[:0], new[:0], CLASSES, SEED_EXERCISES, CFG) == []


def test_the_config_is_checked_naming_the_file_key_and_value(tmp_path: Path) -> None:
    from gymlib.config import DEFAULT_CONFIG_PATH
    from gymlib.session import load_live_config

    assert isinstance(load_live_config().decision, DecisionConfig)
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    data["live"]["decision"]["floor"] = 0.7
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"live\.decision\.floor: 0\.7 is out of range"):
        load_live_config(load_config(bad))
    data["live"]["decision"].update(floor=0.01, stance_trust=1.5)
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"live\.decision\.stance_trust: 1\.5 is out of range"):
        load_live_config(load_config(bad))
    data["live"]["decision"].update(stance_trust=0.5, hold_at=0.95)
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match="hold_at"):
        load_live_config(load_config(bad))
    with pytest.raises(ValueError, match="no class for"):
        ExerciseFilter(("squat", OTHER), SEED_EXERCISES, CFG)


# --------------------------------------------------------------------------------------------
# The live and offline paths with the shipped classifier
# --------------------------------------------------------------------------------------------
def test_live_and_offline_paths_name_the_same_exercise_on_a_generated_session() -> None:
    """CoachSession frame by frame (live coach, replay, notebook 04) and CoachSession.plan
    (analyze) on one generated session with walking in and rests: both name only the true
    exercise and count its reps."""
    from gymlib.session import CoachSession
    from gymlib.synth import generate_clip

    clip = generate_clip("push_up", 6, seed=21, view="left45", depth="mediapipe")
    frames = [f if f.any() else None for f in clip.landmarks]
    times = list(clip.timestamps)
    live = CoachSession(fps=clip.fps, aspect=clip.aspect)
    names = [live.update(f, t).exercise for f, t in zip(frames, times, strict=True)]
    offline = CoachSession(live.classifier, fps=clip.fps, aspect=clip.aspect)
    sets = offline.plan(frames, times)
    planned = [offline.update(f, t).exercise for f, t in zip(frames, times, strict=True)]
    for got, session in ((names, live), (planned, offline)):
        assert set(got) == {UNKNOWN, "push_up"}
        assert {r.exercise for r in session.reps} == {"push_up"}
        assert abs(len(session.reps) - len(clip.reps)) <= 1
    assert [s.exercise for s in sets if s.exercise != UNKNOWN] == ["push_up"]
    # once named, the set is held: no flicker back to "unknown" between its reps
    first, last = names.index("push_up"), clip.reps[-1].end
    assert set(names[first:last]) == {"push_up"}


@pytest.mark.skipif(not REAL_VIDEOS.is_dir(), reason=f"real clips not present at {REAL_VIDEOS} "
                    "(never committed; see ../shared/data/real_videos/README.md)")  # fmt: skip
def test_analyze_recognises_a_real_pull_down_the_old_votes_never_named(tmp_path: Path) -> None:
    """A lat pull-down filmed from the side in portrait by a phone: the classifier's windows say
    lat machine at 0.6-0.9, never twice at 0.9, so ``analyze`` used to say "unknown" and count
    nothing. Real MediaPipe, the shipped classifier, the hand count."""
    from gymlib.analyze import analyze

    video = REAL_VIDEOS / "lat_machine_side_gym-portrait.mp4"
    truth = json.loads(video.with_suffix(".json").read_text())
    result = analyze(video, out=tmp_path / "out", progress=False)
    assert {r.exercise for r in result.reps} == {"lat_machine"}
    assert abs(len(result.reps) - truth["reps"]) <= 1


def test_analyze_names_the_rendered_front_pull_down_the_votes_left_unknown(tmp_path: Path) -> None:
    """The committed rendered lat pull-down filmed from the front (pixels through MediaPipe):
    its windows are right by the top class but rarely at 0.9, so the old two votes said
    "unknown" throughout and counted nothing; decided from the whole clip it counts its reps."""
    from gymlib.analyze import analyze
    from gymlib.render import load_truth

    video = Path(__file__).resolve().parent.parent / "data" / "samples" / "lat_machine-front.mp4"
    truth, _ = load_truth(video.with_suffix(".json"))
    result = analyze(video, out=tmp_path / "out", progress=False)
    assert {r.exercise for r in result.reps} == {"lat_machine"}
    assert abs(len(result.reps) - len(truth["reps"])) <= 1


# --------------------------------------------------------------------------------------------
# The stance: squat or split squat by the legs (gymlib.stance), not by the arms
# --------------------------------------------------------------------------------------------
_ARMS = {
    side: [L[f"{side}_{j}"] for j in ("ELBOW", "WRIST", "PINKY", "INDEX", "THUMB")]
    for side in ("LEFT", "RIGHT")
}


def with_the_arms_of(legs: np.ndarray, arms: np.ndarray) -> np.ndarray:
    """``(T, 33, 4)`` landmarks ``legs`` with the arms of ``arms`` (frame by frame, repeated),
    hung from ``legs``' own shoulders: a split squat holding a barbell like a squat."""
    out = legs.copy()
    for i in np.flatnonzero(out.reshape(len(out), -1).any(axis=1)):
        k = i % len(arms)
        if not arms[k].any():
            continue
        for side, joints in _ARMS.items():
            sh = L[f"{side}_SHOULDER"]
            out[i, joints, :3] = out[i, sh, :3] + arms[k, joints, :3] - arms[k, sh, :3]
    return out


def swapped(lm: np.ndarray) -> np.ndarray:
    """The same landmarks with every left and right point exchanged (MediaPipe's swaps)."""
    order = [L[p.name.replace("LEFT_", "@").replace("RIGHT_", "LEFT_").replace("@", "RIGHT_")]
             for p in L]  # fmt: skip
    return lm[..., order, :]


def test_the_stance_gaps_tell_the_legs_apart_from_every_side_whatever_is_left_or_right() -> None:
    """Generated split squats show a knee or heel gap beyond the even point, squats do not, from
    the front, behind, the side and 45 degrees; swapping left and right changes nothing."""
    from gymlib.stance import stance_gaps, stance_split
    from gymlib.synth import generate_clip

    cfg = DecisionConfig()
    for view in ("front", "back", "left", "right45"):
        split = {}
        for exercise in ("squat", "split_squat"):
            lm = generate_clip(exercise, 3, seed=7, view=view, idle=False).landmarks
            wins = np.stack([lm[e - 29 : e + 1] for e in range(29, len(lm), 10)])
            gaps = stance_gaps(wins)
            assert gaps.shape == (len(wins), 2) and (gaps >= 0).all()
            assert np.allclose(stance_gaps(swapped(wins)), gaps)
            split[exercise] = np.median(stance_split(gaps, cfg.stance_knee, cfg.stance_heel))
        assert split["squat"] < 1.0 < split["split_squat"], (view, split)
    assert np.allclose(stance_gaps(np.zeros((30, 33, 4))), 0.0)  # nobody: no gap
    with pytest.raises(ValueError, match=r"\(N, T, 33, 4\)"):
        stance_gaps(np.zeros((30, 132)))


def test_the_stance_moves_evidence_between_squat_and_split_squat_only() -> None:
    ev = Evidence(CLASSES, SEED_EXERCISES, CFG)
    p = probs("squat", 0.9)
    sq, ss = SEED_EXERCISES.index("squat"), SEED_EXERCISES.index("split_squat")
    level, split = ev(p, 30, np.array([0.05, 0.02]))[0], ev(p, 30, np.array([0.8, 0.3]))[0]
    plain = ev(p, 30)[0]
    others = [i for i in range(len(plain)) if i not in (sq, ss)]
    for got in (level, split):
        assert np.allclose(got[others], plain[others])  # other exercises and idle untouched
        assert np.exp(got[[sq, ss]]).sum() == pytest.approx(np.exp(plain[[sq, ss]]).sum())
    assert split[ss] > split[sq] and level[sq] > level[ss] and level[sq] > split[sq]
    off = dataclasses.replace(CFG, stance_gain=0.0, stance_trust=1.0)
    assert np.allclose(Evidence(CLASSES, SEED_EXERCISES, off)(p, 30, np.array([0.8, 0.3])), plain)


def test_stance_gaps_for_another_number_of_windows_are_refused() -> None:
    # one window's gaps must not be spread over five windows by broadcasting
    ev = Evidence(CLASSES, SEED_EXERCISES, CFG)
    five = np.stack([probs("squat", 0.9)] * 5)
    with pytest.raises(ValueError, match=r"stance gaps \(2,\) for 5 windows; expected \(5, 2\)"):
        ev(five, 30, np.array([0.8, 0.3]))
    assert ev(five, 30, np.tile([0.8, 0.3], (5, 1))).shape == (5, len(SEED_EXERCISES) + 1)


def test_a_split_squat_holding_a_barbell_is_named_by_its_legs_and_a_squat_stays_a_squat() -> None:
    """Generated split squats given a barbell squat's arms: the shipped classifier calls them
    squat (it reads the arms); with the stance the offline plan (analyze) and the live coach
    name split squat. The squat itself stays squat. Real classifier, generated landmarks."""
    from gymlib.session import CoachSession, load_live_config
    from gymlib.synth import generate_clip

    live = load_live_config()
    blind = dataclasses.replace(
        live, decision=dataclasses.replace(live.decision, stance_gain=0.0, stance_trust=1.0)
    )
    clf = None
    for view in ("back", "left45"):
        ss = generate_clip("split_squat", 6, seed=3, view=view, depth="mediapipe")
        sq = generate_clip("squat", 6, seed=3, view=view, depth="mediapipe")
        barbell = with_the_arms_of(ss.landmarks, sq.landmarks)
        for lm, clip, truth in ((barbell, ss, "split_squat"), (sq.landmarks, sq, "squat")):
            frames = [f if f.any() else None for f in lm]
            times = list(clip.timestamps)
            named = {}
            for name, cfg in (("blind", blind), ("stance", live)):
                s = CoachSession(clf, fps=clip.fps, aspect=clip.aspect, config=cfg)
                clf = s.classifier
                named[name] = {x.exercise for x in s.plan(frames, times)} - {UNKNOWN}
            assert named["stance"] == {truth}, (view, truth, named)
            if truth == "split_squat":
                assert named["blind"] == {"squat"}, (view, named)  # the arms decide without it
        coach = CoachSession(clf, fps=ss.fps, aspect=ss.aspect)
        said = [coach.update(f if f.any() else None, t).exercise
                for f, t in zip(barbell, ss.timestamps, strict=True)]  # fmt: skip
        assert "split_squat" in said and "squat" not in said
        assert {r.exercise for r in coach.reps} == {"split_squat"}


def test_real_squats_stand_level_and_real_split_squats_do_not(real_windows_path: Path) -> None:
    """On the real windows (MediaPipe on real people): most squat windows show neither gap
    beyond its even point, most split-squat windows one of them."""
    from gymlib.landmarks import from_seed_windows
    from gymlib.stance import stance_gaps, stance_split

    cfg = DecisionConfig()
    with np.load(real_windows_path) as d:
        exercise, windows = d["exercise"], d["windows"]
    share = {}
    for name in ("squat", "split_squat"):
        gaps = stance_gaps(from_seed_windows(windows[exercise == name]))
        share[name] = np.mean(stance_split(gaps, cfg.stance_knee, cfg.stance_heel) > 1.0)
    assert share["squat"] < 0.1 and share["split_squat"] > 0.7, share


@pytest.mark.skipif(not REAL_VIDEOS.is_dir(), reason=f"real clips not present at {REAL_VIDEOS} "
                    "(never committed; see ../shared/data/real_videos/README.md)")  # fmt: skip
def test_analyze_names_a_real_barbell_split_squat_from_behind(tmp_path: Path) -> None:
    """A barbell split squat filmed from behind: the classifier says squat at 0.99 in almost
    every window (the bar on the back); the rear knee far below the front one says split squat.
    Real MediaPipe, the shipped classifier, the hand count. Its reps are no longer counted
    twice when the squat read during the walk-out turns into split squat (one counter each),
    and the walk-out itself, a one-rep "squat set" straight before the split squats, is their
    set-up (gymlib.reps.setup_of_sets): not counted under either exercise."""
    from gymlib.analyze import analyze

    video = REAL_VIDEOS / "split_squat_back_gym-barbell.mp4"
    truth = json.loads(video.with_suffix(".json").read_text())
    result = analyze(video, out=tmp_path / "out", progress=False)
    under = [r.exercise for r in result.reps]
    assert under == ["split_squat"] * truth["reps"]
    # the first counted rep is the set's first, not the walk-out before it
    assert result.reps[0].end_s > truth["rep_frames"][0][0] / truth["fps"]
