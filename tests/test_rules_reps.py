"""Angles, the rule table and the rep counter (issue 7)."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from gymlib import angles as A
from gymlib.config import DEFAULT_CONFIG_PATH, ConfigError
from gymlib.landmarks import FLIP_PERMUTATION, flip_horizontal
from gymlib.landmarks import PoseLandmark as L
from gymlib.reps import RepCounter, count_reps
from gymlib.rules import load_rules, parse_rules
from gymlib.synth import generate_clip


def _frame(points: dict[L, tuple[float, float]]) -> np.ndarray:
    f = np.zeros((33, 4))
    for lm, (x, y) in points.items():
        f[lm] = (x, y, 0.0, 0.99)
    return f


def _raw_rules() -> dict:
    return yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())["rules"]


# --------------------------------------------------------------------------------------------
# angles
# --------------------------------------------------------------------------------------------
def test_right_angle_and_aspect_correction() -> None:
    f = _frame({L.LEFT_HIP: (0.5, 0.3), L.LEFT_KNEE: (0.5, 0.5), L.LEFT_ANKLE: (0.7, 0.5)})
    assert A.angle_at(f, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, aspect=1.0)[0] == pytest.approx(90)
    # a 45-degree line in pixels on a 16:9 frame: dx = 0.1 of the width is 0.178 of the height
    g = _frame(
        {L.LEFT_HIP: (0.5, 0.3), L.LEFT_KNEE: (0.5, 0.5), L.LEFT_ANKLE: (0.6, 0.5 - 0.1 * 16 / 9)}
    )
    corrected = A.angle_at(g, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, aspect=16 / 9)[0]
    raw = A.angle_at(g, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, aspect=1.0)[0]
    assert corrected == pytest.approx(45, abs=1e-6)
    assert abs(raw - 45) > 10


def test_unseen_joint_is_nan_not_a_fake_angle() -> None:
    f = _frame({L.LEFT_HIP: (0.5, 0.3), L.LEFT_KNEE: (0.5, 0.5), L.LEFT_ANKLE: (0.7, 0.5)})
    f[L.LEFT_ANKLE, 3] = 0.1
    assert np.isnan(A.angle_at(f, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)[0])
    assert np.isnan(A.angle_at(np.zeros((33, 4)), L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)[0])


@pytest.mark.parametrize("hip_y,sign", [(0.45, 1), (0.55, -1)])
def test_body_line_tells_pike_from_sag(hip_y: float, sign: int) -> None:
    for direction in (1, -1):  # head on the left or on the right of the picture
        f = _frame({L.LEFT_SHOULDER: (0.5 - 0.3 * direction, 0.5),
                    L.LEFT_HIP: (0.5, hip_y),
                    L.LEFT_ANKLE: (0.5 + 0.3 * direction, 0.5)})  # fmt: skip
        assert np.sign(A.body_line(f, "left", aspect=1.0)[0]) == sign


def test_vertical_measures_use_reference_lengths() -> None:
    f = _frame({L.LEFT_SHOULDER: (0.5, 0.5), L.LEFT_ELBOW: (0.5, 0.35), L.LEFT_WRIST: (0.5, 0.2),
                L.LEFT_HIP: (0.5, 0.8)})  # fmt: skip
    refs = A.segment_lengths(f, aspect=1.0)
    assert A.arm_raise(f, refs, "left", aspect=1.0)[0] == pytest.approx(1.0)
    refs2 = refs * np.array([1, 1, 2, 2, 1])  # the arm is really twice as long: seen end-on
    assert A.arm_raise(f, refs2, "left", aspect=1.0)[0] == pytest.approx(0.5)


def _push_up_bottom_seen_beside(abduction: float, offset: float) -> np.ndarray:
    """A push-up's shoulders, elbows and hips (torso level, upper arms ``abduction`` degrees
    from the torso, reaching 60 degrees sideways out of the vertical) seen by an orthographic
    camera on the subject's left, ``offset`` degrees off the side; the right arm hidden."""
    th, ph, d = np.radians(abduction), np.radians(60.0), np.radians(offset)
    frame = np.zeros((33, 4))
    for side, out in (("LEFT", 1.0), ("RIGHT", -1.0)):
        shoulder = np.array([0.0, 0.0, 0.2 * out])  # x along the torso, y down, z the left
        hip = shoulder + [0.5, 0.0, 0.0]
        elbow = shoulder + 0.3 * np.array(
            [np.cos(th), np.sin(th) * np.cos(ph), out * np.sin(th) * np.sin(ph)]
        )
        for name, p in (("SHOULDER", shoulder), ("ELBOW", elbow), ("HIP", hip)):
            x = p[0] * np.cos(d) + p[2] * np.sin(d)
            frame[L[f"{side}_{name}"]] = (0.3 + 0.5 * x, 0.5 + 0.5 * p[1], 0.0,
                                          0.95 if out > 0 else 0.05)  # fmt: skip
    return frame


def test_both_arms_cancel_a_camera_a_little_off_the_side() -> None:
    refs = np.ones((1, len(A.SEGMENTS)))
    refs[0, A.SEGMENT_NAMES.index("upper_arm")] = 0.5 * 0.3
    refs[0, A.SEGMENT_NAMES.index("torso")] = 0.5 * 0.5
    for offset in (-10.0, 10.0):
        f = _push_up_bottom_seen_beside(66.0, offset)
        truth = np.cos(np.radians(66.0)) * np.cos(np.radians(offset))
        facing = A.elbow_tuck(f, refs, "left", aspect=1.0)[0]
        assert abs(facing - truth) > 0.1  # the sideways reach leaks into the facing arm
        assert A.elbow_tuck_pair(f, refs, aspect=1.0)[0] == pytest.approx(truth, abs=1e-9)
    # the far arm not placed at all: the facing arm alone; the facing arm unseen: NaN
    f = _push_up_bottom_seen_beside(66.0, 10.0)
    alone = f.copy()
    alone[[L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_HIP]] = 0.0
    assert A.elbow_tuck_pair(alone, refs, aspect=1.0)[0] == pytest.approx(
        A.elbow_tuck(f, refs, "left", aspect=1.0)[0]
    )
    f[L.LEFT_ELBOW, 3] = 0.05
    assert np.isnan(A.elbow_tuck_pair(f, refs, aspect=1.0)[0])


# --------------------------------------------------------------------------------------------
# rule table
# --------------------------------------------------------------------------------------------
def test_repository_rules_cover_every_exercise() -> None:
    book = load_rules()
    assert set(book.exercises) == {"squat", "split_squat", "push_up", "pull_up", "lat_machine",
                                   "bench_press"}  # fmt: skip
    assert {c.name for c in book["push_up"].checks} >= {"hips_sagging", "hips_piking"}


BAD_RULES = [
    (lambda r: r["squat"]["signal"][0].update(measure="knee_wobble"), "squat.signal[0].measure"),
    (lambda r: r.update(angles={"abd": ["HIP", "SHOLDER", "ELBOW"]}), "SHOLDER"),
    (
        lambda r: r["push_up"]["checks"][1].update(fail_below=-500),
        "rules.push_up.checks.hips_sagging.fail_below",
    ),
    (lambda r: r["squat"]["checks"][0].update(message=""), "rules.squat.checks.shallow.message"),
    (lambda r: r["pull_up"]["checks"][0].update(verdict="awful"), "verdict"),
    (lambda r: r["squat"]["signal"][0].update(bottom=1.0), "top and bottom are equal"),
    (lambda r: r["squat"].update(count={"leave_top": 0.5, "reach": 0.4}), "squat.count"),
    (lambda r: r["squat"].update(count={"abort_beyond": 0.5}), "squat.count.abort_beyond"),
    (lambda r: r["squat"].update(count={"max_rep_step": -1}), "squat.count.max_rep_step"),
    (
        lambda r: r["bench_press"]["checks"][1].update(views=["above"]),
        "rules.bench_press.checks.elbows_flaring.views",
    ),
    (lambda r: r["lat_machine"].update(tempo=3), "rules.lat_machine"),
]


@pytest.mark.parametrize("edit,needle", BAD_RULES)
def test_bad_rules_fail_at_load_naming_exercise_and_key(edit, needle: str) -> None:
    raw = copy.deepcopy(_raw_rules())
    edit(raw)
    with pytest.raises(ConfigError) as err:
        parse_rules(raw)
    assert needle in str(err.value)


def _lateral_raise_rules():
    raw = copy.deepcopy(_raw_rules())
    raw["angles"] = {"shoulder_abduction": ["HIP", "SHOULDER", "ELBOW"]}
    raw["lateral_raise"] = {
        "signal": {"measure": "shoulder_abduction", "side": "mean", "top": 10, "bottom": 90},
        "checks": [
            {"name": "too_high", "measure": "shoulder_abduction", "side": "mean", "at": "bottom",
             "reduce": "max", "fail_above": 110, "verdict": "faulty",
             "message": "Raise your arms only to shoulder height"},
        ],
    }  # fmt: skip
    return parse_rules(raw)


def _raise_frames(abduction: np.ndarray) -> np.ndarray:
    """A person seen from the front raising both arms sideways by ``abduction`` degrees."""
    frames = []
    for deg in abduction:
        th = np.radians(deg)
        pts = {L.NOSE: (0.5, 0.15), L.MOUTH_LEFT: (0.51, 0.18), L.MOUTH_RIGHT: (0.49, 0.18),
               L.LEFT_EAR: (0.53, 0.14), L.RIGHT_EAR: (0.47, 0.14)}  # fmt: skip
        for side, sx in ((L.LEFT_SHOULDER, 1), (L.RIGHT_SHOULDER, -1)):
            x0 = 0.5 + sx * 0.06
            pts[side] = (x0, 0.25)
            elbow = (x0 + sx * 0.12 * np.sin(th), 0.25 + 0.12 * np.cos(th))
            wrist = (x0 + sx * 0.22 * np.sin(th), 0.25 + 0.22 * np.cos(th))
            left = side == L.LEFT_SHOULDER
            pts[L.LEFT_ELBOW if left else L.RIGHT_ELBOW] = elbow
            pts[L.LEFT_WRIST if left else L.RIGHT_WRIST] = wrist
            pts[L.LEFT_HIP if left else L.RIGHT_HIP] = (0.5 + sx * 0.04, 0.5)
            pts[L.LEFT_KNEE if left else L.RIGHT_KNEE] = (0.5 + sx * 0.04, 0.68)
            pts[L.LEFT_ANKLE if left else L.RIGHT_ANKLE] = (0.5 + sx * 0.04, 0.86)
        frames.append(_frame(pts))
    return np.stack(frames)


def _cycles(n: int, fps: float, seconds: float, depth: float = 85.0, rest_s: float = 1.0,
            gap_s: float = 0.0) -> np.ndarray:  # fmt: skip
    """Abduction over time: rest, ``n`` reps of ``seconds`` (``gap_s`` apart), rest."""
    rest = np.full(int(rest_s * fps), 5.0)
    gap = np.full(int(gap_s * fps), 5.0)
    k = int(seconds * fps)
    rep = 5 + (depth - 5) * np.sin(np.linspace(0, np.pi, k)) ** 2
    return np.concatenate([rest] + [np.concatenate([rep, gap])] * n + [rest])


def test_new_exercise_by_config_only() -> None:
    book = _lateral_raise_rules()
    fps = 30.0
    frames = _raise_frames(_cycles(4, fps, 2.0))
    reps = count_reps(frames, "lateral_raise", fps, aspect=1.0, rules=book)
    assert len(reps) == 4
    assert all(r.verdict == "good" for r in reps)
    too_high = _raise_frames(_cycles(2, fps, 2.0, depth=130))
    reps = count_reps(too_high, "lateral_raise", fps, aspect=1.0, rules=book)
    assert [r.reasons for r in reps] == [("too_high",), ("too_high",)]


def test_jitter_at_the_bottom_does_not_double_count() -> None:
    book = _lateral_raise_rules()
    fps = 30.0
    signal = _cycles(3, fps, 2.5)
    rng = np.random.default_rng(0)
    bottom = signal > 70
    signal[bottom] += rng.normal(0, 8, bottom.sum())  # crosses any single threshold many times
    reps = count_reps(_raise_frames(signal), "lateral_raise", fps, aspect=1.0, rules=book)
    assert len(reps) == 3


def test_a_rep_faster_than_the_minimum_is_not_counted() -> None:
    book = _lateral_raise_rules()
    fps = 30.0
    fast = _cycles(3, fps, 0.3, gap_s=1.0)  # jerks of 0.3 s: shorter than reps.min_rep_s
    slow = _cycles(3, fps, 1.5, gap_s=1.0)
    assert count_reps(_raise_frames(fast), "lateral_raise", fps, aspect=1.0, rules=book) == []
    assert len(count_reps(_raise_frames(slow), "lateral_raise", fps, aspect=1.0, rules=book)) == 3


def test_frames_without_a_person_neither_count_nor_crash() -> None:
    book = _lateral_raise_rules()
    fps = 30.0
    frames = _raise_frames(_cycles(3, fps, 2.0))
    frames[70:75] = 0.0  # a short dropout inside the first rep
    counter = RepCounter("lateral_raise", fps, aspect=1.0, rules=book)
    fbs = [counter.update(None if not f.any() else f) for f in frames]
    counter.finish()
    assert not any(fb.person for fb in fbs[70:75])
    assert len(counter.reps) == 3
    nobody = count_reps(np.zeros((200, 33, 4)), "lateral_raise", fps, rules=book)
    assert nobody == []


def test_a_sided_measure_of_the_right_is_the_left_on_swapped_labels() -> None:
    # what lets one live frame be measured for both sides in one call (RuleBook.compute)
    book = load_rules()
    clip = generate_clip("split_squat", 2, seed=3, view="left45")
    arr = clip.landmarks.astype(np.float64)
    refs = A.segment_lengths(arr, aspect=clip.aspect)
    swapped = arr[:, FLIP_PERMUTATION]
    for name, m in book.measures.items():
        if m.sided:
            right = m.fn(arr, refs, "right", clip.aspect)
            assert np.isfinite(right).any(), name
            np.testing.assert_allclose(m.fn(swapped, refs, "left", clip.aspect), right,
                                       equal_nan=True, err_msg=name)  # fmt: skip


def test_one_live_frame_measures_like_a_whole_sequence() -> None:
    # a single frame is measured with its left/right-swapped copy (both sides in one call)
    book = load_rules()
    for ex, view in (("push_up", "left45"), ("split_squat", "front"), ("pull_up", "back")):
        clip = generate_clip(ex, 2, seed=4, view=view)
        arr = clip.landmarks[::7].astype(np.float64)
        refs = A.segment_lengths(arr, aspect=clip.aspect)
        rules = book[ex]
        whole = book.compute(rules, arr, refs, clip.aspect)
        one_by_one = np.concatenate(
            [book.compute(rules, arr[t], refs[t], clip.aspect) for t in range(len(arr))]
        )
        assert np.isfinite(whole).any()
        np.testing.assert_allclose(one_by_one, whole, equal_nan=True)


def test_body_scale_forgets_a_larger_body_once_every_segment_shrinks() -> None:
    fps = 30.0
    full = np.array([0.20, 0.18, 0.15, 0.12, 0.28])
    scale = A.BodyScale(fps, window_s=4.0)
    for _ in range(60):
        ref = scale.update(full)
    # a rep foreshortens some segments (a thigh seen end-on): the references stay
    bent = full * np.array([0.5, 0.8, 1.0, 1.0, 0.9])
    for _ in range(60):
        ref = scale.update(bent)
    np.testing.assert_allclose(ref, full)
    # stepping back from the camera shrinks all of them at once: within a second the
    # references are the new size, not the old one for the whole 4 s window
    for _ in range(30):
        ref = scale.update(full * 0.75)
    np.testing.assert_allclose(ref, full * 0.75)


def test_a_stance_held_on_the_way_down_is_where_the_rep_starts() -> None:
    # arms lifted to 35 degrees and held (taking position), then a full raise from there and
    # back to the held position: one rep, starting when the hold ends, not at the first lift
    book = _lateral_raise_rules()
    fps = 30.0
    k = lambda s: int(s * fps)  # noqa: E731
    lift = 5 + 30 * np.sin(np.linspace(0, np.pi / 2, k(0.5))) ** 2
    rep = 35 + 50 * np.sin(np.linspace(0, np.pi, k(2.0))) ** 2
    signal = np.concatenate(
        [np.full(k(1.5), 5.0), lift, np.full(k(0.8), 35.0), rep, np.full(k(1.5), 35.0)]
    )
    reps = count_reps(_raise_frames(signal), "lateral_raise", fps, aspect=1.0, rules=book)
    assert len(reps) == 1
    hold_end = k(1.5) + k(0.5) + k(0.8)
    assert abs(reps[0].start - hold_end) <= 6, (reps[0].start, hold_end)
    assert reps[0].rom == pytest.approx((85 - 10) / 80, abs=0.1)


def test_a_rep_that_ends_much_larger_in_the_picture_is_walking_in() -> None:
    book = _lateral_raise_rules()
    fps = 30.0
    frames = _raise_frames(_cycles(1, fps, 2.0, rest_s=1.5))
    assert len(count_reps(frames, "lateral_raise", fps, aspect=1.0, rules=book)) == 1
    # the same arm movement while stepping towards the camera: 1.6x larger by the end
    grow = np.ones(len(frames))
    k = int(1.5 * fps)
    grow[k : k + int(2.0 * fps)] = np.linspace(1.0, 1.6, int(2.0 * fps))
    grow[k + int(2.0 * fps) :] = 1.6
    closer = frames.copy()
    closer[..., :2] = 0.5 + (frames[..., :2] - 0.5) * grow[:, None, None]
    assert count_reps(closer, "lateral_raise", fps, aspect=1.0, rules=book) == []


def test_a_rep_after_which_the_feet_stand_elsewhere_is_walking() -> None:
    book = _lateral_raise_rules()
    fps = 30.0
    frames = _raise_frames(_cycles(1, fps, 4.0, rest_s=1.5))
    leg = 0.86 - 0.5  # hip to ankle in _raise_frames
    k, n = int(1.5 * fps), int(4.0 * fps)

    def drifted(legs: float) -> np.ndarray:
        """The same slow arm movement while the whole body drifts sideways by ``legs`` leg
        lengths during the rep: slower than the walking gate (``max_foot_drift`` per second)."""
        shift = np.zeros(len(frames))
        shift[k : k + n] = np.linspace(0.0, legs * leg, n)
        shift[k + n :] = legs * leg
        out = frames.copy()
        out[..., 0] += shift[:, None]
        return out

    assert len(count_reps(drifted(0.2), "lateral_raise", fps, aspect=1.0, rules=book)) == 1
    assert count_reps(drifted(1.2), "lateral_raise", fps, aspect=1.0, rules=book) == []
    # feet wide apart that the pose model swaps (left for right) near the end of the rep:
    # each foot is still where one of them was
    wide = frames.copy()
    for knee, ankle, sx in ((L.LEFT_KNEE, L.LEFT_ANKLE, 1), (L.RIGHT_KNEE, L.RIGHT_ANKLE, -1)):
        wide[:, knee, 0], wide[:, ankle, 0] = 0.5 + sx * 0.1, 0.5 + sx * 0.2
    assert len(count_reps(wide, "lateral_raise", fps, aspect=1.0, rules=book)) == 1
    swap = [L.LEFT_ANKLE, L.RIGHT_ANKLE]
    wide[k + n - 8 :, swap] = wide[k + n - 8 :, swap[::-1]]
    assert len(count_reps(wide, "lateral_raise", fps, aspect=1.0, rules=book)) == 1


def test_a_gap_between_two_positions_is_not_walking() -> None:
    book = _lateral_raise_rules()
    fps = 30.0
    frames = _raise_frames(_cycles(4, fps, 2.0, rest_s=1.5, gap_s=0.6))
    ref = count_reps(frames, "lateral_raise", fps, aspect=1.0, rules=book)
    assert len(ref) == 4
    # nobody seen for 0.4 s between two reps, and afterwards the person stands a bit further
    # to the side of the picture: the feet did not "travel" during the reps around the gap
    cut = ref[1].end + 3
    moved = frames.copy()
    moved[cut : cut + 12] = 0.0
    moved[cut + 12 :, :, 0] += 0.15
    reps = count_reps(moved, "lateral_raise", fps, aspect=1.0, rules=book)
    assert len(reps) == 4


# --------------------------------------------------------------------------------------------
# generator clips
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "exercise,view,seeds",
    [
        ("squat", "left", (1, 2, 3, 4, 5, 9)),
        ("squat", "right", (0, 6, 10, 11)),
        ("split_squat", "right", (0, 2, 4, 5)),
    ],
)
def test_walking_in_and_turning_side_on_is_not_a_rep(exercise, view, seeds) -> None:
    # filmed side-on, the person walks in towards or away from the camera (growing or
    # shrinking, knees bending), stands, turns side-on and sets up: none of it is a rep
    # (stepping into a split stance afterwards is a separate case: see the xfail below)
    for seed in seeds:
        clip = generate_clip(exercise, 4, seed=seed, view=view)
        reps = count_reps(clip.landmarks, exercise, clip.fps, aspect=clip.aspect)
        walk = np.zeros(clip.n_frames, bool)
        for s, e, kind in clip.idle:
            walk[s:e] |= kind in ("walk_in", "standing")
        assert not [r for r in reps if walk[r.start : r.end + 1].mean() > 0.5], (exercise, seed)
        assert abs(len(reps) - len(clip.reps)) <= 1, (exercise, seed)


def test_stepping_into_a_split_stance_is_not_a_rep() -> None:
    # standing with the feet together, the person steps back into the stance: the hips drop
    # and a knee bends on the way. The far knee, seen side-on, is mostly unseen (as MediaPipe
    # has it): the near leg's straight knee keeps the step from reading as a shallow rep
    clip = generate_clip("split_squat", 4, seed=0, view="right")
    reps = count_reps(clip.landmarks, "split_squat", clip.fps, aspect=clip.aspect)
    idle = clip.idle_mask()
    assert not [r for r in reps if idle[r.start : r.end + 1].mean() > 0.5]


@pytest.mark.parametrize(
    "exercise,view,seed,sets",
    [
        ("squat", "left", 1075, [3]),
        ("squat", "right", 1090, [7]),
        ("split_squat", "left", 1295, [4]),
    ],
)
def test_the_top_is_measured_after_walking_in(exercise, view, seed, sets) -> None:
    # walking away from a side camera, the body shrinks faster than its remembered size, so the
    # legs read as bent; the person then stands still: the top of the first rep is where they
    # stood, not where they walked (before, each of these counted one rep too many in the walk)
    clip = generate_clip(exercise, sets, seed=seed, view=view, error_rate=0.35, tempo=(1.0, 5.0))
    reps = count_reps(clip.landmarks, exercise, clip.fps, aspect=clip.aspect)
    idle = clip.idle_mask()
    assert not [r for r in reps if idle[r.start : r.end + 1].mean() > 0.5]
    assert len(reps) == len(clip.reps)


@pytest.mark.parametrize(
    "seed,view,sets",
    [(1282, "left45", [8]), (1321, "right45", [4]), (1287, "left45", [5]), (5280, "left45", [3])],
)
def test_the_first_split_squat_does_not_start_while_walking_in(seed, view, sets) -> None:
    # stepping into the split stance is a slow, halting rise of the signal before the first
    # rep; the rep's start, extrapolated from where it crossed 10 % and 50 % of its rise, went
    # back past the last time the signal was at the top, into the walk to the spot (1282,
    # 1321). Walking in slowly on a diagonal, the feet's speed hovers round the walking gate: a
    # lull between steps let a rep start (1287, 5280); the start position is held only once
    # the feet have stood still for reps.settle_s
    clip = generate_clip("split_squat", sets, seed=seed, view=view, error_rate=0.35,
                         tempo=(1.0, 5.0))  # fmt: skip
    reps = count_reps(clip.landmarks, "split_squat", clip.fps, aspect=clip.aspect)
    walked_until = max(e for s, e, kind in clip.idle if kind == "walk_in")
    assert reps and reps[0].start >= walked_until, (reps[0].start if reps else None, walked_until)
    assert abs(len(reps) - len(clip.reps)) <= 1


@pytest.mark.parametrize(
    "seed,view,sets",
    [(1277, "front", [6]), (1316, "right45", [8]), (5274, "front", [7]), (5305, "back", [2, 3])],
)
def test_a_rise_made_by_the_body_scale_is_not_a_rep(seed, view, sets) -> None:
    # after walking in, the body's reference lengths stay too long for a few seconds: the hips
    # read low while the person steps into the stance, then jump back up when the references
    # renew. Re-measured at one scale, that "way up" is not there. Each of these clips counted
    # one rep in its idle segments before (benchmarks/reps_eval.py, seeds 1000 and 5000)
    clip = generate_clip("split_squat", sets, seed=seed, view=view, error_rate=0.35,
                         tempo=(1.0, 5.0))  # fmt: skip
    reps = count_reps(clip.landmarks, "split_squat", clip.fps, aspect=clip.aspect)
    idle = clip.idle_mask()
    assert not [(r.start, r.end) for r in reps if idle[r.start : r.end + 1].mean() > 0.5]
    assert abs(len(reps) - len(clip.reps)) <= 1


@pytest.mark.parametrize("seed,view", [(0, "left"), (2, "front"), (4, "right45")])
def test_legs_hidden_behind_the_pads_after_sitting_down(seed: int, view: str) -> None:
    # at a lat machine the knee pads hide the legs once the person sits (in the real windows
    # the knees and ankles have a median visibility of 0.10). The body's reference lengths
    # must not shrink with them: before, the legs' references expired a few seconds later and
    # the body seemed to step away mid-rep, which lost 1-2 reps of 9 in 39 of 40 such clips
    clip = generate_clip("lat_machine", [5, 4], seed=seed, view=view, error_rate=0.0)
    hidden = clip.landmarks.copy()
    seated = np.flatnonzero(~clip.idle_mask() & hidden.any(axis=(1, 2)))
    legs = [L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL,
            L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]  # fmt: skip
    hidden[seated[:, None], legs, 3] = 0.05
    seen = count_reps(clip.landmarks, "lat_machine", clip.fps, aspect=clip.aspect)
    reps = count_reps(hidden, "lat_machine", clip.fps, aspect=clip.aspect)
    assert len(seen) == len(reps) == len(clip.reps) == 9


def test_streaming_and_batch_give_the_same_reps() -> None:
    clip = generate_clip("push_up", [4, 3], seed=5, view="left", error_rate=0.4)
    batch = count_reps(clip.landmarks, "push_up", clip.fps, aspect=clip.aspect)
    counter = RepCounter("push_up", clip.fps, aspect=clip.aspect)
    finished = []
    for f in clip.landmarks:
        fb = counter.update(f if f.any() else None)
        if fb.rep is not None:
            finished.append(fb.rep)
    last = counter.finish()
    if last is not None:
        finished.append(last)
    assert len(batch) > 0
    assert [(r.start, r.bottom, r.end, r.verdict, r.reasons) for r in finished] == [
        (r.start, r.bottom, r.end, r.verdict, r.reasons) for r in batch
    ]


def test_mirrored_input_gives_the_same_counts() -> None:
    for ex, view in (("squat", "left"), ("pull_up", "front"), ("bench_press", "right")):
        clip = generate_clip(ex, 5, seed=11, view=view)
        a = count_reps(clip.landmarks, ex, clip.fps, aspect=clip.aspect)
        b = count_reps(flip_horizontal(clip.landmarks), ex, clip.fps, aspect=clip.aspect)
        assert [(r.start, r.end, r.verdict) for r in a] == [(r.start, r.end, r.verdict) for r in b]


def test_push_ups_filmed_from_behind_and_above_are_counted() -> None:
    # the feet nearest the camera, low in the picture: in 2-D the person looks tall, as if
    # standing (a posture gate on that height dropped whole sets)
    for seed in (1, 4, 7, 8):
        clip = generate_clip("push_up", 6, seed=seed, view="back", camera_height=0.75)
        assert len(count_reps(clip.landmarks, "push_up", clip.fps, aspect=clip.aspect)) == 6


def test_push_ups_with_the_feet_out_of_the_picture_are_counted() -> None:
    # a phone on the floor in front of the mat (Kaggle's push-ups): MediaPipe guesses the feet
    # at the edge of the picture, mostly "unseen", and the legs, head-on, look far shorter than
    # they are; measured in those legs, the hips' up and down looked like walking about and
    # whole sets of real push-ups went uncounted
    feet = [L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX,
            L.RIGHT_FOOT_INDEX]  # fmt: skip
    within_one = 0
    for seed in range(6):
        for view in ("front", "left45", "right45"):
            clip = generate_clip("push_up", 8, seed=seed, view=view, idle=False)
            lm = clip.landmarks.copy()
            rng = np.random.default_rng(seed)
            lm[:, feet, 3] = rng.uniform(0.0, 0.2, (len(lm), len(feet)))
            lm[:, feet, :2] += rng.normal(0, 0.02, (len(lm), len(feet), 2))
            reps = count_reps(lm, "push_up", clip.fps, aspect=clip.aspect)
            within_one += abs(len(reps) - 8) <= 1
    assert within_one >= 16, f"{within_one} of 18 sets counted within one rep"


def test_lat_pull_downs_with_the_bar_above_the_picture_are_counted() -> None:
    # the picture's top edge cuts off the bar: the hands stop there, the arms look half raised
    # at the top (a Kaggle clip: wrists at most 0.45 arm lengths over the shoulders, elbows
    # straight). The elbow still sees each rep's top; the set must not be lost
    hands = [L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_PINKY, L.RIGHT_PINKY, L.LEFT_INDEX,
             L.RIGHT_INDEX, L.LEFT_THUMB, L.RIGHT_THUMB]  # fmt: skip
    counts = []
    for seed in range(6):
        for view in ("front", "left45", "right45"):
            clip = generate_clip("lat_machine", 8, seed=seed, view=view, idle=False)
            lm = clip.landmarks.copy()
            wrist_y = lm[:, [L.LEFT_WRIST, L.RIGHT_WRIST], 1]
            top, shoulders = np.percentile(wrist_y, 2), np.median(lm[:, L.LEFT_SHOULDER, 1])
            lm[:, hands, 1] = np.maximum(lm[:, hands, 1], top + 0.45 * (shoulders - top))
            counts.append(len(count_reps(lm, "lat_machine", clip.fps, aspect=clip.aspect)))
    assert min(counts) > 0, f"whole sets missed: {counts}"
    assert sum(abs(n - 8) <= 1 for n in counts) >= 16, counts


@pytest.mark.parametrize(
    ("exercise", "video", "at_least"),
    [
        # head-on, feet out of the picture; ~37 elbow swings (below 110, then above 145 deg)
        ("push_up", "kaggle/push_up/push_up_56", 20),
        # head-on, the arms pointing at the lens: arm raise never reads a top; ~13 swings
        ("push_up", "kaggle/push_up/push_up_57", 8),
        # the bar above the picture, every top under the posture's arm raise: ~8 pulls
        ("lat_machine", "kaggle/lat_machine/lat_machine_61", 6),
    ],
)
def test_real_sets_framed_badly_are_counted(real_windows_path, exercise, video, at_least) -> None:  # noqa: ANN001
    # each of these real recordings was counted 0 or 1 by an earlier counter
    with np.load(real_windows_path, allow_pickle=False) as d:
        idx = np.flatnonzero(d["video"].astype(str) == video)
        idx = idx[np.argsort(d["part"][idx], kind="stable")]
        stream = d["windows"][idx].reshape(-1, 33, 4)
    reps = count_reps(stream, exercise, 30.0, aspect=16 / 9)
    assert len(reps) >= at_least, f"{video}: {len(reps)} reps"


def test_idle_then_five_good_and_two_shallow_squats() -> None:
    # walking in, standing, setting up, then the set; filmed from the right side (side views
    # pass for seeds 0-11; from behind a quarter squat can go unseen: see the xfail)
    clip = generate_clip("squat", 7, seed=1, view="right", errors=[()] * 5 + [("shallow",)] * 2)
    reps = count_reps(clip.landmarks, "squat", clip.fps, aspect=clip.aspect)
    assert [r.verdict for r in reps] == ["good"] * 5 + ["partial"] * 2
    assert all("shallow" in r.reasons for r in reps[5:])
    idle = clip.idle_mask()
    assert not any(idle[r.start : r.end + 1].mean() > 0.5 for r in reps)


@pytest.mark.xfail(strict=True, reason="a quarter squat (under half the full range) filmed from "
                   "a camera low behind the person moves the hips ~3.5 % of the leg in the "
                   "picture and the knee angle not at all: seed 0 from behind misses one of its "
                   "two shallow reps (counted from the side and at 45 degrees)")  # fmt: skip
def test_idle_five_good_two_shallow_in_every_view() -> None:
    for seed in range(3):
        for view in ("front", "left45", "right", "back"):
            clip = generate_clip("squat", 7, seed=seed, view=view,
                                 errors=[()] * 5 + [("shallow",)] * 2)  # fmt: skip
            reps = count_reps(clip.landmarks, "squat", clip.fps, aspect=clip.aspect)
            assert [r.verdict for r in reps] == ["good"] * 5 + ["partial"] * 2


def test_warnings_hold_before_showing_and_after_clearing() -> None:
    clip = generate_clip("push_up", 4, seed=2, view="left", errors=[("hips_sagging",)] * 4)
    counter = RepCounter("push_up", clip.fps, aspect=clip.aspect)
    shown = [
        {w.name for w in counter.update(f if f.any() else None).warnings} for f in clip.landmarks
    ]
    on = [i for i, s in enumerate(shown) if "hips_sagging" in s]
    assert on, "a sagging push-up set raises the warning"
    first_rep = clip.reps[0]
    assert on[0] >= first_rep.start + int(0.3 * clip.fps)  # held 0.3 s before showing
    # once shown, it does not flicker off between reps
    runs = np.split(np.array(on), np.flatnonzero(np.diff(on) > 1) + 1)
    assert len(runs) <= 2


@pytest.mark.parametrize("seed", [4, 27])
def test_standing_up_between_push_up_sets_reads_upright(seed: int) -> None:
    """Filmed from the head end, a plank's arms are nearer the camera than the person who stands
    up between sets: their remembered length must not shrink the standing torso below the
    push-up's start-position limit (it read 0.72 here, and a rep was counted while resting)."""
    clip = generate_clip("push_up", [3, 3], seed=seed, view="front")
    scale = A.BodyScale(clip.fps)
    lengths = A.segment_lengths(clip.landmarks, aspect=clip.aspect)
    refs = np.array([scale.update(row) for row in lengths])
    upright = A.torso_upright(clip.landmarks, refs, aspect=clip.aspect)
    resting = [np.arange(a, b) for a, b, kind in clip.idle if kind == "resting"][0]
    limit = next(p.max for p in load_rules()["push_up"].posture if p.measure == "torso_upright")
    assert np.nanmedian(upright[resting]) > 0.95
    assert np.nanmax(upright[~clip.idle_mask()]) < limit
    counter = RepCounter("push_up", clip.fps, aspect=clip.aspect)
    for frame in clip.landmarks:
        counter.update(frame)
    idle = clip.idle_mask()
    assert not [r for r in counter.reps if idle[r.start : r.end + 1].mean() > 0.5]


def _machine_done_events(far: list[float], near: list[float]) -> int:
    """Feed the rep state machine (``gymlib.reps.machine``) a settled person's progress, the
    furthest and the nearest signal per frame at 30 fps; returns how many reps came back up."""
    from gymlib.reps import default_rep_config
    from gymlib.reps.gate import IdleGate
    from gymlib.reps.machine import RepMachine, Tick

    cfg = default_rep_config()
    machine = RepMachine(cfg, cfg.leave_top, cfg.reach, cfg.abort_beyond, 30.0)
    gate = IdleGate(cfg, cfg.max_foot_drift, cfg.drift_window_s, 4 / 3)
    gate.steady_since = 0.0
    done = 0
    for f, (p, q) in enumerate(zip(far, near, strict=True)):
        tick = Tick(f, f / 30, 1 / 30, p, p, q, True, True, True, False, True, False, False)
        if machine.step(tick, gate) == "done":
            done += 1
            machine.to_top(p)
    return done


def test_a_rep_is_back_at_the_top_when_one_signal_is() -> None:
    # a lat pull-down at 45 degrees: MediaPipe loses one hand behind the head at each top and
    # puts it at the hip, so the arms' height (the furthest signal) comes back only to 0.7 of
    # its range while the elbows (the nearest) are straight again; each rep is one rep
    half = np.sin(np.linspace(0, np.pi / 2, 23)) ** 2  # 0 -> 1 in 0.75 s
    rest, n = np.zeros(45), 4
    far = [rest]
    for k in range(n):
        far += [(0.0 if k == 0 else 0.7) + (1.5 - (0.0 if k == 0 else 0.7)) * half,
                0.7 + 0.8 * half[::-1]]  # fmt: skip
    far = np.concatenate([*far, 0.7 + rest])
    near = np.concatenate([rest, *[np.concatenate([half, half[::-1]])] * n, rest])
    assert _machine_done_events(list(far), list(near)) == n
    # no signal back at the top: one long "rep" (the time limit ends it uncounted)
    assert _machine_done_events(list(far), list(far)) == 0
    # while every signal comes back, the furthest one ends each rep as before
    both = np.concatenate([rest, *[1.5 * np.concatenate([half, half[::-1]])] * n, rest])
    assert _machine_done_events(list(both), list(both * 0.5)) == n
