"""MediaPipe-like depth: fitted on real windows, applied to generated clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gymlib.depth import DEFAULT_PATH, EXTENT, DepthModel, load_depth_model, pose_features
from gymlib.features import body_frame
from gymlib.landmarks import PoseLandmark as L
from gymlib.synth import generate_clip, generate_dataset, generate_other
from gymlib.windows import group_split, load_real_windows


def _r2(pred: np.ndarray, true: np.ndarray) -> float:
    return float(1 - ((pred - true) ** 2).sum() / ((true - true.mean(axis=0)) ** 2).sum())


def test_real_depth_is_predicted_on_recordings_the_fit_never_saw(real_windows_path: Path) -> None:
    data = load_real_windows(real_windows_path)
    fit_on, held_out = group_split(data.group, 0.5, seed=0)
    model = DepthModel.fit(data.windows[fit_on])
    body = body_frame(data.windows[held_out], centre="window").reshape(-1, 30, 33, 4)
    present = np.any(body != 0, axis=(2, 3))
    frames = body[present & (np.abs(body[..., :2]).max(axis=(2, 3)) < EXTENT)]
    pred = pose_features(frames) @ model.weights
    r2 = _r2(pred, frames[..., 2])
    assert r2 > 0.45, f"MediaPipe's z explained {r2:.2f} on unseen recordings"
    # the residual's structure: a face's points err together, and the wobble is smooth
    assert 0.3 < model.fast_rho < 0.95
    assert 1 <= len(model.fast_factors) < 33 and 1 <= len(model.slow_factors) < 33


def test_a_clip_with_mediapipe_depth_keeps_the_picture_and_looks_like_mediapipe() -> None:
    true = generate_clip("squat", 4, seed=11, view="left")
    mp = generate_clip("squat", 4, seed=11, view="left", depth="mediapipe")
    again = generate_clip("squat", 4, seed=11, view="left", depth="mediapipe")
    np.testing.assert_array_equal(mp.landmarks, again.landmarks)  # deterministic
    # x, y and visibility are the picture: the same whatever the depth
    np.testing.assert_array_equal(true.landmarks[..., [0, 1, 3]], mp.landmarks[..., [0, 1, 3]])
    assert not np.allclose(true.landmarks[..., 2], mp.landmarks[..., 2])
    # frames without a person stay all zeros; z is relative to the hips like MediaPipe's
    nobody = ~np.any(true.landmarks != 0, axis=(1, 2))
    assert np.all(mp.landmarks[nobody] == 0)
    seen = ~nobody
    hips = (mp.landmarks[seen, L.LEFT_HIP, 2] + mp.landmarks[seen, L.RIGHT_HIP, 2]) / 2
    spread = np.abs(mp.landmarks[seen, :, 2]).mean()
    assert abs(float(np.median(hips))) < 0.5 * spread
    # the other generators pass it on
    walk = [generate_other("walking", 3, seed=2, depth=d).landmarks for d in ("true", "mediapipe")]
    np.testing.assert_array_equal(walk[0][..., :2], walk[1][..., :2])
    assert not np.allclose(walk[0][..., 2], walk[1][..., 2])
    sets = [generate_dataset(2, seed=4, size="tiny", depth=d)[1].landmarks
            for d in ("true", "mediapipe")]  # fmt: skip
    np.testing.assert_array_equal(sets[0][..., 3], sets[1][..., 3])
    assert not np.allclose(sets[0][..., 2], sets[1][..., 2])
    # noise=0: the expected depth, no random residual
    clean = [generate_clip("squat", 2, seed=3, depth="mediapipe", noise=0).landmarks
             for _ in range(2)]  # fmt: skip
    np.testing.assert_array_equal(clean[0], clean[1])


def test_the_fit_recovers_a_depth_that_follows_the_pose() -> None:
    rng = np.random.default_rng(0)
    lm = rng.uniform(0.3, 0.7, (400, 30, 33, 4)).astype(np.float32)
    lm[..., 3] = rng.uniform(0.5, 1.0, lm.shape[:-1])
    w_true = rng.normal(0, 0.2, (pose_features(lm[:1, 0]).shape[-1], 33))
    body = body_frame(lm.reshape(400, 30, 132), centre="window").reshape(lm.shape)
    lm[..., 2] = 0.0
    # z such that the body-centred z is exactly the linear map of the pose features
    scale = np.median(
        np.linalg.norm(
            (lm[..., L.LEFT_SHOULDER, :2] + lm[..., L.RIGHT_SHOULDER, :2]) / 2
            - (lm[..., L.LEFT_HIP, :2] + lm[..., L.RIGHT_HIP, :2]) / 2,
            axis=-1,
        ),
        axis=1,
    )
    z = pose_features(body) @ w_true
    z -= (z[..., [L.LEFT_HIP]] + z[..., [L.RIGHT_HIP]]) / 2  # MediaPipe's origin: the hips
    lm[..., 2] = z * scale[:, None, None]
    model = DepthModel.fit(lm.reshape(400, 30, 132), ridge=1e-6)
    pred = model.predict(lm[0])  # one window as a stream, expected depth
    np.testing.assert_allclose(pred, lm[0, ..., 2], atol=2e-3 * np.abs(lm[0, ..., 2]).max())


def test_bad_input_and_missing_model_give_clear_errors(tmp_path: Path) -> None:
    model = load_depth_model()
    with pytest.raises(ValueError, match=r"\(T, 33, 4\)"):
        model.predict(np.zeros((10, 33, 3)))
    with pytest.raises(ValueError, match="fps"):
        model.predict(np.zeros((10, 33, 4)), fps=0)
    with pytest.raises(ValueError, match="depth must be"):
        generate_clip("squat", 1, seed=0, depth="guessed")  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match="python -m gymlib.depth"):
        load_depth_model(tmp_path / "none.npz")
    bad = tmp_path / "bad.npz"
    np.savez(bad, weights=np.zeros(3))
    with pytest.raises(ValueError, match="not a depth model"):
        load_depth_model(bad)
    # saving writes a whole file (temp + rename) that loads back the same
    out = model.save(tmp_path / "copy.npz")
    back = load_depth_model(out)
    np.testing.assert_array_equal(back.weights, model.weights)
    # ... and never replaces a model unless asked
    before = out.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite"):
        model.save(out)
    assert out.read_bytes() == before
    model.save(out, overwrite=True)
    assert DEFAULT_PATH.is_file()
    assert not list(tmp_path.glob("*.npz.tmp*")) and len(list(tmp_path.glob("tmp*"))) == 0
