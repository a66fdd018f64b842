"""gymlib.features: seed windowing, body-centred features and the BiLSTM they feed."""

from __future__ import annotations

import numpy as np
import pytest

from gymlib.datasets import cut_windows
from gymlib.features import (
    ANGLE_JOINTS,
    STANCE_STATS,
    WINDOW_STATS,
    body_frame,
    check_windows,
    joint_angles,
    mirror_window_stats,
    mirrored,
    stance_stats,
    transform,
    window_stance,
    window_stats,
)
from gymlib.landmarks import PoseLandmark as L
from gymlib.landmarks import from_seed_windows
from gymlib.synth import generate_clip


def test_cut_windows_like_the_seed() -> None:
    lm = np.random.default_rng(0).uniform(0.1, 0.9, (95, 33, 4)).astype(np.float32)
    w = cut_windows(lm)
    assert w.shape == (3, 30, 132)  # 95 = 3 x 30 + a 5-frame tail, which is dropped
    assert np.array_equal(from_seed_windows(w[1]), lm[30:60])
    w2 = cut_windows(lm[:85])  # a 25-frame tail is stretched to 30
    assert w2.shape == (3, 30, 132)
    tail = from_seed_windows(w2[2])
    assert np.allclose(tail[0], lm[60]) and np.allclose(tail[-1], lm[84])
    assert cut_windows(lm, stride=10).shape == (7, 30, 132)
    with pytest.raises(ValueError, match=r"\(T, 33, 4\)"):
        cut_windows(np.zeros((40, 132)))


def test_body_frame_removes_position_and_scale() -> None:
    clip = generate_clip("squat", 2, seed=1, noise=0.0, idle=False)
    w = cut_windows(clip.landmarks)
    lm = from_seed_windows(w)
    moved = lm.copy()
    moved[..., :2] = 0.2 + 0.5 * lm[..., :2]  # the same movement, smaller and elsewhere
    moved[..., 2] *= 0.5
    a, b = body_frame(w), body_frame(moved.reshape(w.shape))
    assert np.allclose(a, b, atol=1e-4)
    hip = (
        from_seed_windows(a)[:, :, L.LEFT_HIP, :2] + from_seed_windows(a)[:, :, L.RIGHT_HIP, :2]
    ) / 2
    assert np.allclose(hip, 0, atol=1e-5)
    gap = w.copy()
    gap[0, 5] = 0.0
    assert np.all(body_frame(gap)[0, 5] == 0.0), "frames without a person stay zeros"


def test_window_centred_features_keep_the_body_moving_in_the_picture() -> None:
    def hip_y(w: np.ndarray) -> np.ndarray:
        lm = from_seed_windows(w)
        return (lm[:, :, L.LEFT_HIP, 1] + lm[:, :, L.RIGHT_HIP, 1]) / 2

    pull = cut_windows(generate_clip("pull_up", 3, seed=2, view="front", idle=False).landmarks)
    lat = cut_windows(generate_clip("lat_machine", 3, seed=2, view="front", idle=False).landmarks)
    # per-frame centring: the hips never move; window centring: a pull-up lifts them (in torso
    # lengths), a seated pull-down hardly moves them; posture within a frame is the same
    assert np.allclose(hip_y(body_frame(pull)), 0, atol=1e-5)
    lift = np.ptp(hip_y(body_frame(pull, centre="window")), axis=1)
    still = np.ptp(hip_y(body_frame(lat, centre="window")), axis=1)
    assert lift.max() > 0.6 and still.max() < 0.2, (lift.max(), still.max())
    a = from_seed_windows(body_frame(pull))
    b = from_seed_windows(transform(pull, "body_window"))
    rel = lambda x: x[..., :2] - x[:, :, L.NOSE, None, :2]  # noqa: E731
    assert np.allclose(rel(a), rel(b), atol=1e-4)
    with pytest.raises(ValueError, match="centre"):
        body_frame(pull, centre="camera")


def test_xy_feature_sets_drop_only_mediapipes_depth() -> None:
    w = cut_windows(generate_clip("push_up", 2, seed=4, idle=False).landmarks)
    for name in ("body", "body_window"):
        full = from_seed_windows(transform(w, name))
        flat = from_seed_windows(transform(w, f"{name}_xy"))
        assert np.abs(full[..., 2]).max() > 0.1, "the generator's push-ups have depth"
        assert np.all(flat[..., 2] == 0.0)
        assert np.array_equal(flat[..., [0, 1, 3]], full[..., [0, 1, 3]])
    # the same windows filmed with another depth scale give the same xy features
    other = from_seed_windows(w).copy()
    other[..., 2] *= 3.0
    assert np.array_equal(transform(other.reshape(w.shape), "body_window_xy"),
                          transform(w, "body_window_xy"))  # fmt: skip


def test_joint_angles_read_the_posture_at_any_size_and_place() -> None:
    clip = generate_clip("squat", 2, seed=3, noise=0.0, idle=False)
    w = cut_windows(clip.landmarks)
    lm = from_seed_windows(w).copy()
    # a right angle at the left elbow, a straight left knee, in the first frame
    lm[0, 0, L.LEFT_SHOULDER, :2] = (0.5, 0.3)
    lm[0, 0, L.LEFT_ELBOW, :2] = (0.5, 0.4)
    lm[0, 0, L.LEFT_WRIST, :2] = (0.6, 0.4)
    lm[0, 0, L.LEFT_HIP, :2] = (0.5, 0.5)
    lm[0, 0, L.LEFT_KNEE, :2] = (0.5, 0.7)
    lm[0, 0, L.LEFT_ANKLE, :2] = (0.5, 0.9)
    lm[0, 1] = 0.0  # no person in the second frame
    w = lm.reshape(w.shape)
    a = joint_angles(w)
    assert a.shape == (len(w), 30, len(ANGLE_JOINTS)) == (len(w), 30, 8)
    names = [tuple(p.name for p in j) for j in ANGLE_JOINTS]
    assert a[0, 0, names.index(("LEFT_SHOULDER", "LEFT_ELBOW", "LEFT_WRIST"))] == pytest.approx(
        0.5
    )
    assert a[0, 0, names.index(("LEFT_HIP", "LEFT_KNEE", "LEFT_ANKLE"))] == pytest.approx(1.0)
    assert np.all(a[0, 1] == 0.0), "frames without a person stay zeros"
    # a squat bends the knees: the deepest frame's knee angle is well below standing's
    knee = a[1:, :, names.index(("RIGHT_HIP", "RIGHT_KNEE", "RIGHT_ANKLE"))]
    assert knee.min() < 0.7 < knee.max(), (knee.min(), knee.max())
    moved = lm.copy()
    moved[..., :2] = 0.2 + 0.5 * lm[..., :2]  # smaller and elsewhere in the picture
    moved[0, 1] = 0.0  # still no person there
    assert np.allclose(joint_angles(moved.reshape(w.shape)), a, atol=1e-5)
    both = transform(w, "body_window_angles")
    assert both.shape == (len(w), 30, 140)
    assert np.array_equal(both[..., :132], transform(w, "body_window"))
    assert np.array_equal(both[..., 132:], a)


def test_window_stats_summarise_posture_and_motion_at_any_size_and_place() -> None:
    clip = generate_clip("squat", 2, seed=3, noise=0.0, idle=False)
    w = cut_windows(clip.landmarks)
    lm = from_seed_windows(w).copy()
    lm[0, 5:] = 0.0  # a window where the person leaves after five frames
    lm[1] = 0.0  # and one with nobody in it
    w = lm.reshape(w.shape)
    s = window_stats(w)
    assert s.shape == (len(w), WINDOW_STATS) == (len(w), 464) and s.dtype == np.float32
    assert np.all(s[1] == 0.0), "a window with nobody in it is all zeros"
    assert s[0, -1] == pytest.approx(5 / 30) and s[2, -1] == 1.0  # the share with a person
    # the same numbers from the frames with a person alone, landmark-major blocks
    body = from_seed_windows(body_frame(w, centre="window"))[2, :, :, :3].reshape(30, 99)
    mean, std, lo, hi = (s[2, k * 99 : (k + 1) * 99] for k in range(4))
    assert np.allclose(mean, body.mean(0), atol=1e-5) and np.allclose(std, body.std(0), atol=1e-5)
    assert np.allclose(lo, body.min(0), atol=1e-5) and np.allclose(hi, body.max(0), atol=1e-5)
    five = from_seed_windows(body_frame(w, centre="window"))[0, :5, :, :3].reshape(5, 99)
    assert np.allclose(s[0, :99], five.mean(0), atol=1e-5)
    angles = joint_angles(w)[2]  # (30, 8)
    assert np.allclose(s[2, 429:437], angles.mean(0), atol=1e-5)
    assert np.allclose(s[2, 453:461], angles.max(0), atol=1e-5)
    # a squat moves the hips up and down and bends the knees; the torso stays upright
    hip_y = 3 * int(L.LEFT_HIP) + 1
    assert s[2, 99 + hip_y] > 0.05 and s[2, 461] < 0.15  # std of hip height; tilt from upright
    # the same movement smaller and elsewhere in the picture gives the same figures
    moved = lm.copy()
    moved[..., :2] = 0.2 + 0.5 * lm[..., :2]
    moved[..., 2] = 0.5 * lm[..., 2]  # MediaPipe's z runs on the scale of x
    moved[0, 5:] = 0.0
    moved[1] = 0.0
    assert np.allclose(window_stats(moved.reshape(w.shape)), s, atol=1e-4)
    assert np.array_equal(transform(w, "window_stats"), s)
    # the mirror image's row is a reordering of the row (x about the window's mean hip)
    index, sign = mirror_window_stats()
    assert sorted(index) == list(range(464)) and set(sign) == {-1.0, 1.0}
    assert np.allclose(window_stats(mirrored(w)), s[:, index] * sign, atol=1e-5)


def test_stance_stats_tell_a_split_stance_from_a_squat_from_any_side() -> None:
    """The split squat's rear knee drops below the front one, a squat's knees go down together:
    from the side, at 45 degrees and from behind (where the arms would say nothing)."""
    for view in ("left", "right45", "back"):
        rows = {}
        for exercise in ("squat", "split_squat"):
            clip = generate_clip(exercise, 2, seed=5, view=view, noise=0.0, idle=False)
            w = cut_windows(clip.landmarks[clip.reps[0].start : clip.reps[-1].end + 1])
            rows[exercise] = stance_stats(w)
            assert rows[exercise].shape == (len(w), STANCE_STATS)
            # left and right enter only as differences: the mirror image gives the same
            assert np.allclose(stance_stats(mirrored(w)), rows[exercise], atol=1e-5)
        knee_gap = {e: float(np.median(r[:, 0])) for e, r in rows.items()}  # torso lengths
        assert knee_gap["split_squat"] > 0.3 > 0.15 > knee_gap["squat"], (view, knee_gap)
    both = window_stance(w)
    assert both.shape == (len(w), WINDOW_STATS + STANCE_STATS)
    assert np.array_equal(both[:, :WINDOW_STATS], window_stats(w))
    assert np.array_equal(transform(w, "window_stance"), both)
    index, sign = mirror_window_stats("window_stance")
    assert np.allclose(window_stance(mirrored(w)), both[:, index] * sign, atol=1e-5)
    assert np.all(stance_stats(np.zeros((1, 30, 132), np.float32)) == 0.0)


def test_bad_windows_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"\(N, 30, 132\)"):
        check_windows(np.zeros((2, 29, 132)))
    bad = np.zeros((2, 30, 132), np.float32)
    bad[1, 3, 7] = np.nan
    with pytest.raises(ValueError, match="window 1, frame 3"):
        check_windows(bad)
    with pytest.raises(ValueError, match="unknown feature set"):
        transform(np.zeros((1, 30, 132)), "fourier")


def test_seed_bilstm_has_the_seed_size_and_learns() -> None:
    from gymlib.model import build_bilstm

    model = build_bilstm(seed=1)
    assert model.count_params() == 441_798  # seed-spec section 3.1
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (64, 30, 132)).astype(np.float32)
    y = (x[:, :, 0].mean(axis=1) > 0).astype(np.int64)
    x[:, :, 0] += np.where(y == 1, 1.0, -1.0)[:, None]  # an easy, learnable signal
    model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert (model.predict(x, verbose=0).argmax(1) == y).mean() > 0.9


def test_rotate_view_turns_a_side_view_into_a_front_view() -> None:
    from gymlib.angles import view_yaw
    from gymlib.datasets import cut_windows
    from gymlib.features import rotate_view
    from gymlib.landmarks import from_seed_windows

    clip = generate_clip("squat", 3, seed=1, view="left", noise=0.0, idle=False)
    w = cut_windows(clip.landmarks)
    w[0, :5] = 0.0  # frames without a person stay empty
    assert np.allclose(rotate_view(w, 0.0), w, atol=1e-6)
    back = rotate_view(rotate_view(w, 70.0, 10.0), 0.0, -10.0)
    assert np.allclose(rotate_view(back, -70.0), w, atol=1e-4)
    assert not rotate_view(w, 90.0)[0, :5].any()
    side = np.nanmedian(view_yaw(from_seed_windows(w).reshape(-1, 33, 4)))
    front = np.nanmedian(view_yaw(from_seed_windows(rotate_view(w, 90.0)).reshape(-1, 33, 4)))
    assert side > 70 and front < 20
    with pytest.raises(ValueError, match="132"):
        rotate_view(np.zeros((2, 30, 131)), 10.0)


def test_rotate_view_roll_turns_the_picture_in_its_plane() -> None:
    from gymlib.features import rotate_view

    clip = generate_clip("squat", 2, seed=3, view="front", noise=0.0, idle=False)
    w = cut_windows(clip.landmarks)
    w[0, :3] = 0.0
    aspect = 4 / 3
    lm = from_seed_windows(w)
    turned = from_seed_windows(rotate_view(w, 0.0, 0.0, 90.0, aspect=aspect))
    hip = (lm[..., L.LEFT_HIP, :2] + lm[..., L.RIGHT_HIP, :2]) / 2
    nose_up = lm[..., L.NOSE, 1] - hip[..., 1]  # negative: the head above the hips
    nose_right = turned[..., L.NOSE, 0] - hip[..., 0]  # clockwise: the head now to the right
    present = np.any(lm != 0, axis=(-1, -2))
    assert np.all(nose_up[present] < 0)
    assert np.allclose(nose_right[present], -nose_up[present] / aspect, atol=1e-5)
    assert np.allclose(turned[..., 2:], lm[..., 2:], atol=1e-6)  # depth and visibility kept
    assert not turned[0, :3].any()  # no person stays no person
    back = rotate_view(rotate_view(w, 0.0, 0.0, 25.0), 0.0, 0.0, -25.0)
    assert np.allclose(back, w, atol=1e-5)
