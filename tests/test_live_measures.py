"""The measure registry (gymlib.measures, issue 39): each entry's one-frame function gives its
vectorised function's values (issue 7's speed), reads only the landmarks it names, and one side
selection serves a frame and a whole recording."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gymlib import angles as A
from gymlib import measures as LM
from gymlib.landmarks import PoseLandmark as L
from gymlib.landmarks import flip_horizontal
from gymlib.reps import RepCounter, count_reps
from gymlib.rules import custom_angle, load_rules
from gymlib.synth import EXERCISES, VIEWS, generate_clip


def _frames_with_dropouts(seed: int) -> tuple[np.ndarray, float]:
    """Generated frames of every exercise and view, with landmarks lost at random (visibility
    below the threshold, or the point at the origin), a few frames with nobody and a few with
    points on top of each other (zero-length limbs)."""
    rng = np.random.default_rng(seed)
    out = []
    for k, ex in enumerate(EXERCISES):
        for view in VIEWS:
            clip = generate_clip(ex, 1, seed=seed + k, view=view)
            out.append(clip.landmarks[:: max(len(clip.landmarks) // 12, 1)].astype(np.float64))
    arr = np.concatenate(out)
    lost = rng.random(arr.shape[:2]) < 0.15
    arr[..., 3] = np.where(lost, rng.uniform(0.0, A.MIN_VISIBILITY * 1.5, lost.shape), arr[..., 3])
    arr[rng.random(len(arr)) < 0.03] = 0.0
    stacked = rng.random(len(arr)) < 0.05
    arr[stacked, L.LEFT_KNEE, :2] = arr[stacked, L.LEFT_HIP, :2]
    arr[stacked, L.RIGHT_ELBOW, :2] = arr[stacked, L.RIGHT_WRIST, :2]
    return arr, 16 / 9


def _assert_same(one: np.ndarray, whole: np.ndarray, what: str, seen: float = 0.3) -> None:
    assert np.isfinite(whole).mean() > seen, f"{what}: too few seen values to compare"
    np.testing.assert_array_equal(np.isnan(one), np.isnan(whole), err_msg=what)
    np.testing.assert_allclose(one, whole, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=what)


def _every_twin() -> dict:
    measures = dict(load_rules().measures)
    measures["elbow_to_hip"] = custom_angle("elbow_to_hip", ["WRIST", "ELBOW", "HIP"], "test")
    return {name: m for name, m in measures.items() if m.one is not None}


def test_every_one_frame_twin_matches_its_vectorised_measure() -> None:
    arr, aspect = _frames_with_dropouts(11)
    refs = A.segment_lengths(arr, aspect=aspect)
    refs = np.where(np.isnan(refs), np.nanmedian(refs, axis=0), refs)
    refs[::17, 2] = np.nan  # a segment never seen so far
    twins = _every_twin()
    for name in ("knee", "elbow", "hip_height", "arm_raise", "torso_upright", "view_yaw"):
        assert name in twins, f"{name} is on the live path of every exercise: it needs a twin"
    points = [LM.Points(f, aspect) for f in arr]
    for name, m in twins.items():
        for side in ("left", "right") if m.sided else ("left",):
            whole = m.fn(arr, refs, side, aspect)
            one = np.array([m.one(p, r, side) for p, r in zip(points, refs.tolist(), strict=True)])
            # elbow_width judges head-end views only (tests/test_rules.py: on them)
            _assert_same(one, whole, f"{name} ({side})", 0.1 if name == "elbow_width" else 0.3)


def test_one_frame_segment_lengths_and_visible_side_match() -> None:
    arr, aspect = _frames_with_dropouts(12)
    points = [LM.Points(f, aspect) for f in arr]
    _assert_same(
        np.array([LM.segment_lengths(p) for p in points]),
        A.segment_lengths(arr, aspect=aspect),
        "segment_lengths",
    )
    assert [LM.visible_side(p) for p in points] == A.visible_side(arr).tolist()


def test_compute_frame_matches_compute_for_every_exercise_and_side_rule() -> None:
    # the live path (compute_frame: twins in floats, any other measure on the swapped pair)
    # against the whole-sequence path, on every column any exercise judges
    book = load_rules()
    arr, aspect = _frames_with_dropouts(13)
    refs = A.segment_lengths(arr, aspect=aspect)
    refs = np.where(np.isnan(refs), np.nanmedian(refs, axis=0), refs)
    for ex, rules in book.exercises.items():
        for live in (True, False):
            whole = book.compute(rules, arr, refs, aspect, live=live)
            one = np.array(
                [book.compute_frame(rules, arr[t], refs[t], aspect, live=live)
                 for t in range(len(arr))]
            )  # fmt: skip
            np.testing.assert_allclose(one, whole, rtol=1e-9, atol=1e-12, equal_nan=True,
                                       err_msg=f"{ex} live={live}")  # fmt: skip


def test_one_frame_twins_match_on_real_mediapipe_frames(real_windows_path: Path) -> None:
    d = np.load(real_windows_path, allow_pickle=False)
    w = d["windows"].reshape(len(d["windows"]), 30, 33, 4)
    arr = w[:: max(len(w) // 150, 1), 0].astype(np.float64)  # 150 frames across the sources
    refs = A.segment_lengths(arr, aspect=16 / 9)
    refs = np.where(np.isnan(refs), np.nanmedian(refs, axis=0), refs)
    points = [LM.Points(f, 16 / 9) for f in arr]
    for name, m in _every_twin().items():
        for side in ("left", "right") if m.sided else ("left",):
            one = np.array([m.one(p, r, side) for p, r in zip(points, refs.tolist(), strict=True)])
            _assert_same(one, m.fn(arr, refs, side, 16 / 9), f"{name} ({side}), real frames",
                         0.1 if name == "elbow_width" else 0.3)  # fmt: skip


@pytest.mark.parametrize("exercise", ["squat", "split_squat", "lat_machine"])
def test_streaming_counter_on_the_fast_path_counts_as_count_reps(exercise: str) -> None:
    # count_reps measures the whole sequence with numpy; RepCounter.update frame by frame in
    # floats: the same reps, frame for frame (push-ups: test_reps)
    clip = generate_clip(exercise, 4, seed=21, view="left45", idle=True)
    frames = clip.landmarks.astype(np.float64)
    frames[50:53] = 0.0  # nobody for a moment
    batch = count_reps(frames, exercise, clip.fps, aspect=clip.aspect)
    counter = RepCounter(exercise, clip.fps, aspect=clip.aspect)
    for f in frames:
        counter.update(f if f.any() else None)
    counter.finish()
    assert len(batch) >= 3
    assert [(r.start, r.bottom, r.end, r.verdict) for r in counter.reps] == [
        (r.start, r.bottom, r.end, r.verdict) for r in batch
    ]


def test_nan_percentile_is_numpys_nanpercentile() -> None:
    # BodyScale's references, recomputed every few live frames
    rng = np.random.default_rng(5)
    for trial in range(200):
        a = rng.random((int(rng.integers(1, 200)), 5))
        a[rng.random(a.shape) < rng.random()] = np.nan
        if trial % 7 == 0:
            a[:, 2] = np.nan  # a segment never seen
        with np.testing.suppress_warnings() as sup:
            sup.filter(RuntimeWarning)
            expected = np.nanpercentile(a, 75, axis=0)
        np.testing.assert_allclose(A.nan_percentile(a, 75), expected, rtol=1e-12, equal_nan=True)


def _every_measure() -> dict:
    measures = dict(LM.MEASURES)
    measures["elbow_to_hip"] = custom_angle("elbow_to_hip", ["WRIST", "ELBOW", "HIP"], "test")
    knee = ["LEFT_HIP", "LEFT_KNEE", "LEFT_ANKLE"]
    measures["left_knee_only"] = custom_angle("left_knee_only", knee, "test")  # side-less
    return measures


def _assert_on_frame_matches(arr: np.ndarray, refs: np.ndarray, aspect: float, what: str) -> None:
    points = [LM.Points(f, aspect) for f in arr]
    for name, m in _every_measure().items():
        frames = zip(points, arr, refs.tolist(), strict=True)
        both = np.array([m.on_frame(p, f, r, aspect) for p, f, r in frames])
        left = m.fn(arr, refs, "left", aspect)
        right = m.fn(arr, refs, "right", aspect) if m.sided else left
        for col, whole, side in ((0, left, "left"), (1, right, "right")):
            where = f"{name} ({side}), {what}"
            np.testing.assert_array_equal(np.isnan(both[:, col]), np.isnan(whole), where)
            np.testing.assert_allclose(both[:, col], whole, rtol=1e-9, atol=1e-12, err_msg=where)


def test_every_registry_entry_on_one_frame_matches_its_vectorised_function() -> None:
    # twins in floats and the others (frame and its mirror through the vectorised function)
    arr, aspect = _frames_with_dropouts(14)
    refs = A.segment_lengths(arr, aspect=aspect)
    refs = np.where(np.isnan(refs), np.nanmedian(refs, axis=0), refs)
    for name in ("knee_over_toe", "elbow_tuck_pair", "heel_rise", "front_knee_over_toe"):
        assert LM.MEASURES[name].one is None, f"{name} now has a twin: test it on the mirror too"
    _assert_on_frame_matches(arr, refs, aspect, "generated frames")


def test_every_registry_entry_on_one_frame_matches_on_real_frames(real_windows_path: Path) -> None:
    d = np.load(real_windows_path, allow_pickle=False)
    w = d["windows"].reshape(len(d["windows"]), 30, 33, 4)
    arr = w[:: max(len(w) // 150, 1), 0].astype(np.float64)
    refs = A.segment_lengths(arr, aspect=16 / 9)
    refs = np.where(np.isnan(refs), np.nanmedian(refs, axis=0), refs)
    _assert_on_frame_matches(arr, refs, 16 / 9, "real frames")


def test_each_measure_reads_the_landmarks_it_names_and_no_others() -> None:
    # the names colour a failed check's joints on screen: moving any other point must not
    # change the value, moving a named one must
    rng = np.random.default_rng(15)
    arr = np.concatenate([generate_clip(ex, 2, seed=40 + k, view=v).landmarks[::9]
                          for k, ex in enumerate(EXERCISES) for v in ("left", "front", "right45")]
                         ).astype(np.float64)  # fmt: skip
    arr = np.concatenate([arr, flip_horizontal(arr)])  # (a split squat's front leg: either)
    aspect = 4 / 3
    refs = A.segment_lengths(arr, aspect=aspect)
    refs = np.where(np.isnan(refs), np.nanmedian(refs, axis=0), refs)

    def moved(points: list[int]) -> np.ndarray:
        out = arr.copy()
        out[:, points, :3] += rng.normal(0.0, 0.08, (len(arr), len(points), 3))
        return out

    for name, m in _every_measure().items():
        assert m.landmarks, f"{name} names no landmarks"
        for side in ("left", "right") if m.sided else ("left",):
            base = m.fn(arr, refs, side, aspect)
            named = [int(p) for p in m.points(side)]
            others = [i for i in range(33) if i not in named]
            unnamed = m.fn(moved(others), refs, side, aspect)
            np.testing.assert_array_equal(unnamed, base, f"{name} ({side}) reads an unnamed point")
            for p in named:
                changed = m.fn(moved([p]), refs, side, aspect)
                assert not np.array_equal(changed, base, equal_nan=True), (
                    f"{name} ({side}) names {L(p).name} but does not read it"
                )


def test_pick_side_is_the_documented_rule_on_arrays() -> None:
    # one side selection for a frame and a recording: its values against numpy's NaN-aware forms
    rng = np.random.default_rng(16)
    left, right = rng.normal(size=500), rng.normal(size=500)
    left[rng.random(500) < 0.2] = np.nan
    right[rng.random(500) < 0.2] = np.nan
    use_left = rng.random(500) < 0.5
    expected = {
        "left": left,
        "right": right,
        "visible": A.pick_visible(left, right, use_left),
        "min": np.fmin(left, right),
        "max": np.fmax(left, right),
        "mean": np.where(np.isnan(left + right), np.fmax(left, right), (left + right) / 2),
    }
    assert set(expected) == set(LM.SIDES)
    for side, want in expected.items():
        got = [LM.pick_side(side, a, b, u) for a, b, u in zip(left, right, use_left, strict=True)]
        np.testing.assert_array_equal(np.array(got), want, err_msg=side)


def test_every_check_of_the_rule_table_has_joints_to_colour() -> None:
    book = load_rules()
    for ex, rules in book.exercises.items():
        for check in rules.checks:
            joints = book.measures[check.measure].joints
            assert joints, f"{ex}.{check.name}: its measure names no landmarks"
            assert set(book.measures[check.measure].points("right")) <= set(joints)
