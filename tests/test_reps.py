"""The rep counter (issue 7), timed by the frames' timestamps (issue 39), and on real people's
footage (issue 36)."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import real_pose

from gymlib import angles as A
from gymlib.config import DEFAULT_CONFIG_PATH
from gymlib.landmarks import FLIP_PERMUTATION, flip_horizontal
from gymlib.landmarks import PoseLandmark as L
from gymlib.reps import RepCounter, count_reps
from gymlib.rules import load_rules, parse_rules
from gymlib.session import CoachSession
from gymlib.synth import EXERCISES, generate_clip

ROOT = Path(__file__).resolve().parent.parent


def _frame(points: dict[L, tuple[float, float]]) -> np.ndarray:
    f = np.zeros((33, 4))
    for lm, (x, y) in points.items():
        f[lm] = (x, y, 0.0, 0.99)
    return f


def _raw_rules() -> dict:
    return yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())["rules"]


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
    [
        (1277, "front", [6]),
        (1316, "right45", [8]),
        (5274, "front", [7]),
        # from behind, perspective puts a split stance's near rear foot lowest in the picture:
        # the stance reads higher than standing, and stepping out of it, resting and stepping
        # back in between the sets made a "rep" with the hips never lower (verdict.hips_lowered)
        (5305, "back", [2, 3]),
    ],
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


# --------------------------------------------------------------------------------------------
# timestamps
# --------------------------------------------------------------------------------------------
# The rep counter is timed by the frames' timestamps, not by an assumed frame rate (issue 39).
#
# A camera that slows down or drops frames changes nothing but smoothness: the same clips fed at
# full rate, with every other frame dropped and with random gaps up to 200 ms (true timestamps
# kept) give the same reps and a mean rep time within 10 %. Figures over more clips:
# ``benchmarks/dropped_frames.py``.


def _keep(n: int, mode: str, seed: int) -> np.ndarray:
    """Frames kept of ``n`` at 30 fps: all, every other, or gaps of 1-6 intervals (<= 200 ms)."""
    if mode == "full":
        return np.ones(n, bool)
    if mode == "every-other":
        return np.arange(n) % 2 == 0
    steps = np.random.default_rng(seed).integers(1, 7, size=n)
    idx = np.concatenate([[0], np.cumsum(steps)])
    mask = np.zeros(n, bool)
    mask[idx[idx < n]] = True
    return mask


def _coach_reps(frames: np.ndarray, times: np.ndarray, exercise: str, aspect: float) -> list:
    """Reps of the live coach's pipeline with the exercise fixed (the rate given is 30 fps)."""
    session = CoachSession(None, fps=30.0, aspect=aspect, exercise=exercise)
    for frame, t in zip(frames, times, strict=True):
        session.update(frame if frame.any() else None, float(t))
    return list(session.reps)


def _mean_rep_s(reps: list) -> float:
    return float(np.mean([r.tempo_down + r.tempo_up for r in reps]))


@pytest.mark.parametrize("mode", ["every-other", "random-gaps"])
def test_dropped_frames_change_neither_reps_nor_tempo(mode: str) -> None:
    # one generated clip per exercise: the same reps, each where it was at full rate, and the
    # mean rep time within 10 % (benchmarks/dropped_frames.py: at most 4.7 % over 24 clips)
    changes = []
    for k, exercise in enumerate(EXERCISES):
        clip = generate_clip(exercise, 5, seed=7000 + k, tempo=(1.0, 4.0))
        full = _coach_reps(clip.landmarks, clip.timestamps, exercise, clip.aspect)
        keep = _keep(clip.n_frames, mode, seed=k)
        reps = _coach_reps(clip.landmarks[keep], clip.timestamps[keep], exercise, clip.aspect)
        assert len(reps) == len(full) == 5, exercise
        for a, b in zip(reps, full, strict=True):
            assert abs((a.start_s + a.end_s) / 2 - (b.start_s + b.end_s) / 2) < 0.3, exercise
        changes.append(abs(_mean_rep_s(reps) / _mean_rep_s(full) - 1))
    assert max(changes) < 0.10, changes


def test_the_rendered_push_up_through_mediapipe_at_half_the_rate() -> None:
    # issue 39: the rendered push-up (real MediaPipe landmarks) fed with every other frame gave
    # 4 reps instead of 5 and half the tempo, the counter counting frames at 30 fps
    from gymlib.extract import PoseSequence, extract_video

    # (landmarks cached by benchmarks/dropped_frames.py if present: the same extraction)
    cached = ROOT / "data" / "interim" / "samples_pose" / "push_up-left.npz"
    if cached.is_file():
        seq = PoseSequence.load(cached)
    else:
        seq = extract_video(ROOT / "data" / "samples" / "push_up-left.mp4", progress=False)
    frames = np.where(seq.detected[:, None, None], seq.landmarks, 0.0)
    aspect = seq.image_size[0] / seq.image_size[1]
    full = _coach_reps(frames, seq.timestamps, "push_up", aspect)
    half = _coach_reps(frames[::2], seq.timestamps[::2], "push_up", aspect)
    assert len(full) == len(half) == 5
    assert _mean_rep_s(half) == pytest.approx(_mean_rep_s(full), rel=0.10)


def test_time_defaults_to_the_frame_number_over_fps() -> None:
    clip = generate_clip("squat", 3, seed=7100, view="left")
    a = RepCounter("squat", clip.fps, aspect=clip.aspect)
    b = RepCounter("squat", clip.fps, aspect=clip.aspect)
    for i, frame in enumerate(clip.landmarks):
        fa = a.update(frame if frame.any() else None)
        fb = b.update(frame if frame.any() else None, i / clip.fps)
        assert fa.time == pytest.approx(fb.time) and fa.reps == fb.reps
    a.finish(), b.finish()
    assert [(r.start, r.end, r.tempo_down) for r in a.reps] == [
        (r.start, r.end, r.tempo_down) for r in b.reps
    ]
    assert len(a.reps) == 3
    with_times = count_reps(clip.landmarks, "squat", clip.fps, aspect=clip.aspect,
                            timestamps=clip.timestamps)  # fmt: skip
    assert [(r.start, r.end) for r in with_times] == [(r.start, r.end) for r in a.reps]


def test_rep_times_follow_the_timestamps_not_the_rate() -> None:
    # the same frames stamped at half speed (a 15 fps camera told it is 30 fps): every rep
    # takes twice as long in seconds, at the same frames
    clip = generate_clip("bench_press", 3, seed=7101, view="left", tempo=(1.0, 2.0))
    fast = count_reps(clip.landmarks, "bench_press", 30.0, aspect=clip.aspect,
                      timestamps=clip.timestamps)  # fmt: skip
    slow = count_reps(clip.landmarks, "bench_press", 30.0, aspect=clip.aspect,
                      timestamps=2 * clip.timestamps)  # fmt: skip
    assert len(fast) == len(slow) == 3
    for f, s in zip(fast, slow, strict=True):
        assert s.tempo_down + s.tempo_up == pytest.approx(2 * (f.tempo_down + f.tempo_up), rel=0.1)
        # (not exactly: the smoothing's time constants are seconds, so the slower movement is
        # smoothed relatively less)
        assert s.start_s == pytest.approx(2 * f.start_s, rel=0.03)
        assert s.as_row()["end_s"] == pytest.approx(2 * f.as_row()["end_s"], rel=0.03)


def test_times_must_increase() -> None:
    counter = RepCounter("squat", 30.0)
    counter.update(None, 1.0)
    with pytest.raises(ValueError, match="increase"):
        counter.update(None, 1.0)
    with pytest.raises(ValueError, match="finite"):
        counter.update(None, float("nan"))
    clip = generate_clip("squat", 2, seed=7102)
    with pytest.raises(ValueError, match="timestamps must have shape"):
        count_reps(clip.landmarks, "squat", 30.0, timestamps=clip.timestamps[:-1])


def test_the_session_replays_seconds_not_frames() -> None:
    # a camera at 15 fps: the frames watched again when an exercise is recognised are the last
    # replay_s seconds, not replay_s x the nominal 30 fps
    session = CoachSession(None, fps=30.0, exercise="squat")
    for i in range(400):
        session.update(None, i / 15)
    span = session._recent[-1][1] - session._recent[0][1]
    assert session.cfg.replay_s - 0.1 <= span < session.cfg.replay_s


def test_body_scale_windows_are_seconds_when_given_times() -> None:
    from gymlib import angles as A

    clip = generate_clip("squat", 3, seed=7103, view="left")
    lengths = A.segment_lengths(clip.landmarks, aspect=clip.aspect)
    seen = np.flatnonzero(clip.landmarks.any(axis=(1, 2)))
    # frames fed at the nominal rate: timed and untimed are the same
    plain, timed = A.BodyScale(30.0), A.BodyScale(30.0)
    for k, i in enumerate(seen):
        np.testing.assert_array_equal(plain.update(lengths[i]), timed.update(lengths[i], k / 30))
    # a person who steps back (every segment 0.7 x) from a camera at 15 fps told 30: the old,
    # larger lengths are forgotten after shrink_s = 0.7 s of the clock (11 frames), not after
    # 21 frames (1.4 s)
    full = np.nanmax(lengths, axis=0)
    scale = A.BodyScale(30.0, window_s=4.0)
    for i in range(60):
        scale.update(full, i / 15)
    refs = [scale.update(0.7 * full, 4.0 + i / 15) for i in range(21)]
    forgot = next(i for i, r in enumerate(refs) if np.nanmax(r / full) < 0.75)
    assert forgot == 10


# --------------------------------------------------------------------------------------------
# real footage
# --------------------------------------------------------------------------------------------
# Counting real people's footage with the true exercise given (issue 36 item 3).
#
# The clips are in ``../shared/data/real_videos/`` (never committed): these tests skip with the
# reason when it is absent. Landmarks come from MediaPipe (default extraction), once per clip
# (``conftest.real_pose``). Figures over all clips: ``benchmarks/real_counts.py``.


def _clip(name: str) -> tuple[dict, np.ndarray, np.ndarray, float]:
    """(hand count json, landmarks (T, 33, 4) with zeros for nobody, timestamps, aspect)."""
    truth, seq = real_pose(name)
    frames = np.where(seq.detected[:, None, None], seq.landmarks, 0.0)
    return truth, frames, seq.timestamps, seq.image_size[0] / seq.image_size[1]


@pytest.mark.parametrize(
    "name",
    [
        # a clip that begins with the set: the first rep starts on the first frame
        "lat_machine_side_gym-portrait",
        # Bulgarian split squat: the rear knee stays bent on the bench, and the pose model swaps
        # the feet now and then (side view), which read as walking
        "split_squat_side_studio-bulgarian",
        # one very slow rep (about 5 s down and up) is one rep
        "bench_press_45_home-slow-single",
    ],
)
def test_real_clip_counted_exactly(name: str) -> None:
    truth, frames, times, aspect = _clip(name)
    reps = count_reps(frames, truth["exercise"], 30.0, aspect=aspect, timestamps=times)
    assert len(reps) == truth["reps"]
    # and each where the hand count has it (within a third of a second)
    fps = truth["fps"]
    for rep, (start, end) in zip(reps, truth["rep_frames"], strict=True):
        middle = (rep.start_s + rep.end_s) / 2
        assert start / fps - 0.33 <= middle <= end / fps + 0.33


def test_real_lat_pull_downs_with_a_hand_lost_at_the_top() -> None:
    # at 45 degrees MediaPipe loses one hand behind the head at each top of the set (and puts
    # it at the hip): the elbows say the arms are up again, the arms' height does not. Without
    # the "another signal back at the top" rule the set was one long "rep" (OpenCV-decoded
    # landmarks). Landmarks vary with the decoder: 3 of the 4 reps with OpenCV's frames, 2 with
    # PyAV's (what `analyze` reads): in the third rep MediaPipe's tracker jumps to the trainer
    # standing beside the machine (PyAV's frames; with OpenCV's it stays on the lifter) and the
    # lifter's last reps are not in the landmarks. The rule itself:
    # test_a_rep_is_back_at_the_top_when_one_signal_is.
    truth, frames, times, aspect = _clip("lat_machine_45_gym-portrait-walkin")
    reps = count_reps(frames, truth["exercise"], 30.0, aspect=aspect, timestamps=times)
    assert truth["reps"] == 4 and 2 <= len(reps) <= 4
    fps = truth["fps"]
    for rep, (start, end) in zip(reps, truth["rep_frames"], strict=False):
        assert start / fps - 0.33 <= (rep.start_s + rep.end_s) / 2 <= end / fps + 0.33


def test_real_clip_at_half_the_frame_rate() -> None:
    # a 60 fps camera's clip, and the same clip with every other frame dropped
    truth, frames, times, aspect = _clip("split_squat_front_studio-bulgarian-60fps")
    full = count_reps(frames, truth["exercise"], 60.0, aspect=aspect, timestamps=times)
    half = count_reps(frames[::2], truth["exercise"], 60.0, aspect=aspect, timestamps=times[::2])
    assert len(full) == len(half) == truth["reps"]


# The same cases made by the generator (no shared data needed)


@pytest.mark.parametrize("exercise,seed", [("pull_up", 8030), ("squat", 8010)])
def test_a_long_fast_set_is_counted_whole(exercise: str, seed: int) -> None:
    # issue 36: long pull-up sets (20 and 30 reps at about 1 s each) lost 1-2 reps
    from gymlib.synth import generate_clip

    clip = generate_clip(exercise, 25, seed=seed, tempo=(0.9, 1.2))
    reps = count_reps(clip.landmarks, exercise, clip.fps, aspect=clip.aspect,
                      timestamps=clip.timestamps)  # fmt: skip
    assert len(reps) == len(clip.reps) == 25


@pytest.mark.parametrize("exercise,seed", [("bench_press", 8100), ("split_squat", 8150)])
def test_very_slow_reps_are_one_rep_each(exercise: str, seed: int) -> None:
    # issue 36: one slow bench press rep (about 7 s) was counted as 3
    from gymlib.synth import generate_clip

    clip = generate_clip(exercise, 2, seed=seed, tempo=(5.0, 8.0))
    reps = count_reps(clip.landmarks, exercise, clip.fps, aspect=clip.aspect,
                      timestamps=clip.timestamps)  # fmt: skip
    assert len(reps) == len(clip.reps) == 2
    assert min(r.tempo_down + r.tempo_up for r in reps) > 4.0


# Set-up around a set (issue 36 item 3): offline, ``analyze`` counts the whole clip once and
# leaves uncounted the "reps" before the first or after the last full rep that are far
# shallower or slower than the set's (gymlib.reps.setup_reps); the live coach counts them.


def _offline_reps(frames: np.ndarray, times: np.ndarray, exercise: str, aspect: float) -> list:
    """The reps ``analyze`` counts with the exercise given: the session plans the whole stream
    (and so finds its set-up), then is fed it frame by frame."""
    from gymlib.session import CoachSession

    session = CoachSession(None, fps=30.0, aspect=aspect, exercise=exercise)
    stream = [f if f.any() else None for f in frames]
    session.plan(stream, list(map(float, times)))
    for frame, t in zip(stream, times, strict=True):
        session.update(frame, float(t))
    return list(session.reps)


@pytest.mark.parametrize(
    "name",
    [
        # unracking in a Smith machine: a shallow dip before the first rep
        "squat_45_gym-smith-walkin-portrait",
        # lying down on the bench: one slow "rep" over the first ten seconds
        "bench_press_side_gym-walkin",
    ],
)
def test_real_set_up_is_not_a_rep_offline(name: str) -> None:
    truth, frames, times, aspect = _clip(name)
    live = count_reps(frames, truth["exercise"], 30.0, aspect=aspect, timestamps=times)
    assert len(live) == truth["reps"] + 1  # the live counter cannot know, and counts it
    reps = _offline_reps(frames, times, truth["exercise"], aspect)
    assert len(reps) == truth["reps"]
    first = truth["rep_frames"][0][0] / truth["fps"]
    assert reps[0].end_s > first  # the set-up, before the first hand-marked rep, is gone
    assert [r.index for r in reps] == list(range(1, len(reps) + 1))


def test_real_slow_push_ups_at_45_degrees() -> None:
    # legs pointing at the lens look far shorter than they are: the ankles' sway in a slow
    # (7 s) push-up read as walking in image leg lengths and ended the reps
    truth, frames, times, aspect = _clip("push_up_45_outdoor-deck")
    reps = count_reps(frames, truth["exercise"], 30.0, aspect=aspect, timestamps=times)
    assert len(reps) == truth["reps"] == 4


def _with_unrack(exercise: str, seed: int, n: int) -> tuple[np.ndarray, np.ndarray, float, int]:
    """A generated set of ``n`` reps led by a set-up dip: standing, a dip to a quarter of the
    first rep's depth (the first rep's frames moved a quarter of the way from the standing
    frame), standing again, then the set. Returns (landmarks (T, 33, 4), timestamps, aspect,
    frame where the set begins)."""
    from gymlib.synth import generate_clip

    clip = generate_clip(exercise, n, seed=seed, idle=False, tempo=(1.5, 2.5))
    lm = clip.landmarks
    first = clip.reps[0]
    top = lm[first.start]
    rep = lm[first.start : first.end + 1]
    dip = top + 0.25 * (rep - top)
    dip[..., 3] = rep[..., 3]
    stand = np.repeat(top[None], int(1.5 * clip.fps), axis=0)
    frames = np.concatenate([stand, dip, stand, lm])
    times = np.arange(len(frames)) / clip.fps
    return frames, times, clip.aspect, 2 * len(stand) + len(dip)


@pytest.mark.parametrize("exercise,seed", [("squat", 8200), ("bench_press", 8210)])
def test_a_set_up_dip_before_a_generated_set_is_not_a_rep_offline(
    exercise: str, seed: int
) -> None:
    frames, times, aspect, begins = _with_unrack(exercise, seed, 5)
    live = count_reps(frames, exercise, 30.0, aspect=aspect, timestamps=times)
    assert len(live) == 6  # the dip is counted live: it reaches past ``reach``
    assert live[0].end < begins
    reps = _offline_reps(frames, times, exercise, aspect)
    assert len(reps) == 5
    assert reps[0].start >= begins - 15
    # the reps after the dip are the live counter's, unchanged
    assert [(r.start, r.end) for r in reps] == [(r.start, r.end) for r in live[1:]]


def test_a_short_set_keeps_its_reps_offline() -> None:
    # two reps have no median to compare with: nothing is dropped (setup_min_reps)
    frames, times, aspect, _ = _with_unrack("squat", 8200, 1)
    live = count_reps(frames, "squat", 30.0, aspect=aspect, timestamps=times)
    assert len(live) == 2
    assert len(_offline_reps(frames, times, "squat", aspect)) == 2


def test_a_sets_own_shallow_first_rep_is_kept_offline() -> None:
    # a partial first rep that runs on into the set (no pause to get set after it) is a rep
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", 5, seed=8220, idle=False, tempo=(1.5, 2.5),
                         errors=[["shallow"], [], [], [], []])  # fmt: skip
    live = count_reps(clip.landmarks, "squat", clip.fps, aspect=clip.aspect,
                      timestamps=clip.timestamps)  # fmt: skip
    assert len(live) == 5
    assert live[0].verdict == "partial"
    assert len(_offline_reps(clip.landmarks, clip.timestamps, "squat", clip.aspect)) == 5


def test_a_walk_out_read_as_another_exercise_is_set_up_of_the_next_set() -> None:
    # issue 36: a barbell split squat's walk-out, the feet still together, reads as a squat and
    # the plan names it a one-rep squat set, straight before the split squat set (no rest
    # between). Judged as part of that set (setup_of_sets) it is a shallow dip followed by a
    # pause to get set: set-up, not a rep. Generated: the dip, then the set, each counted by
    # its own exercise's counter as the session's counters would.
    from gymlib.reps import joined_sets, setup_of_sets

    frames, times, aspect, begins = _with_unrack("split_squat", 8150, 5)
    dip = count_reps(frames[:begins], "squat", 30.0, aspect=aspect, timestamps=times[:begins])
    split = count_reps(frames, "split_squat", 30.0, aspect=aspect, timestamps=times)
    split = [r for r in split if r.start >= begins - 15]
    assert len(dip) == 1 and len(split) == 5
    # the plan switched exercise without a rest: set numbers one apart
    assert setup_of_sets([(0, dip), (1, split)]) == dip
    assert joined_sets([(0, dip), (1, split)]) == [dip + split]  # judged as one set
    # a rest between the two (a set of its own in between): a one-rep set of its own, kept
    assert setup_of_sets([(0, dip), (2, split)]) == []
    assert joined_sets([(0, dip), (2, split)]) == [dip, split]
    # a full rep before the set is no set-up, whatever the plan called it
    assert setup_of_sets([(0, split[:1]), (1, split[1:])]) == []
