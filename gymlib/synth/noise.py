"""MediaPipe's imperfections: jitter, visibility, dropouts, left/right swaps and the depth
it guesses, calibrated on the real windows (:func:`noise_profile` measures both alike)."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from gymlib.depth import DepthModel, load_depth_model
from gymlib.landmarks import NUM_LANDMARKS, PoseLandmark, partner
from gymlib.synth.geometry import dot, mean_of_points, normalize

L = PoseLandmark

#: Per-landmark jitter of real MediaPipe output, as a fraction of the torso length in the image,
#: and its frame-to-frame correlation. Calibrated on ``seed_real_windows.npz`` with
#: :func:`noise_profile` (benchmarks/synth_realism.py prints and plots the comparison): on the
#: pooled variance, which a few wild real windows dominate: the level of the noisiest clips.
#: Window by window (``window_pct``) the median real window jitters ~10x less, hence
#: :data:`JITTER_CLIP`.
JITTER_REL: float = 0.05
#: One clip's jitter as a multiple of the level above (:func:`clip_jitter`): log-normal with
#: this median and log-spread, capped: per window, the generated jitter then has the real
#: windows' percentiles from the 25th to the 90th (the pooled level above is the cap; the real
#: windows' noisiest 5 %, occluded or mis-tracked limbs, are wilder than the dropouts and swaps)
JITTER_CLIP: tuple[float, float, float] = (0.12, 1.2, 1.0)
JITTER_RHO: float = 0.55
#: Share of that jitter's variance that moves the whole body together. Real MediaPipe jitter is
#: mostly coherent: per landmark it matches the numbers above, yet joint angles jitter only
#: 0.5-3 degrees (high-pass residual, real windows) -- independent noise per point gave 5-15.
JITTER_SHARED: float = 0.97


def _joint_jitter() -> np.ndarray:
    """Relative jitter per landmark (real MediaPipe: hands and feet jitter most, hips least)."""
    rel = np.ones(NUM_LANDMARKS)
    groups = {
        0.5: (L.LEFT_HIP, L.RIGHT_HIP),
        1.8: tuple(lm for lm in L if lm <= L.MOUTH_RIGHT),  # the face
        1.3: (L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL,
              L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX),
        1.9: (L.LEFT_WRIST, L.RIGHT_WRIST, L.LEFT_PINKY, L.RIGHT_PINKY, L.LEFT_INDEX,
              L.RIGHT_INDEX, L.LEFT_THUMB, L.RIGHT_THUMB),
    }  # fmt: skip
    for factor, members in groups.items():
        rel[list(members)] = factor
    return rel


JOINT_JITTER: np.ndarray = _joint_jitter()
#: +1 for the subject's left landmarks, -1 for the right ones, 0 on the midline.
SIDE_OF: np.ndarray = np.array(
    [1.0 if partner(lm) != lm and "LEFT" in lm.name else -1.0 if partner(lm) != lm else 0.0
     for lm in L]
)  # fmt: skip


def _hide_slope() -> np.ndarray:
    """How fast each landmark's visibility logit falls as its side turns away from the camera
    (per unit of ``hidden`` past :data:`_HIDE_FROM`). From the real windows' side views (camera
    yaw over 63 degrees), the far side's median visibility: elbow 0.05, wrist 0.13, knee 0.18,
    ankle 0.34, heel and toes 0.51; shoulders, hips and face stay at 1.0 on both sides (MediaPipe
    is sure of the torso). Diagonal views give about 0.5-0.75 for the far arm."""
    slope = np.zeros(NUM_LANDMARKS)
    for joints, k in (
        (("ELBOW",), 10.0),
        (("WRIST", "PINKY", "INDEX", "THUMB"), 8.7),
        (("KNEE",), 8.1),
        (("ANKLE",), 6.9),
        (("HEEL", "FOOT_INDEX"), 5.9),
    ):
        for j in joints:
            slope[[L[f"LEFT_{j}"], L[f"RIGHT_{j}"]]] = k
    return slope


_HIDE_SLOPE = _hide_slope()
_HIDE_FROM = 0.3  # a side turned less than this far away keeps its points sure
_VIS_LOGIT = math.log(0.985 / 0.015)  # a point in plain view
_VIS_NOISE_RHO = 0.9  # frame-to-frame correlation of the visibility's noise (logit units, sd 1)


def visibility(
    p: np.ndarray, camera_at: np.ndarray, xy: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe-like visibility ``(T, 33)`` of joints ``p`` ``(T, 33, 3)`` filmed from the point
    ``camera_at`` ``(3,)`` at image points ``xy`` ``(T, 33, 2)``, and the side score ``(T,)`` (+1:
    the left side faces the camera): limbs on the far side fall towards 0 as the body turns
    side-on (see :func:`_hide_slope`), off-image points low; the noise is slow, in logit units."""
    left = normalize(p[:, L.LEFT_SHOULDER] - p[:, L.RIGHT_SHOULDER]
                      + p[:, L.LEFT_HIP] - p[:, L.RIGHT_HIP])  # fmt: skip
    to_cam = normalize(camera_at - mean_of_points(p))
    side_score = dot(left, to_cam)  # +1: the left side faces the camera
    hidden = np.clip(-side_score[:, None] * SIDE_OF[None, :], 0, 1)  # (T, 33)
    from scipy.signal import lfilter

    rho = _VIS_NOISE_RHO
    white = rng.standard_normal(hidden.shape)
    noise = lfilter([math.sqrt(1 - rho**2)], [1.0, -rho], white, axis=0)
    logit = _VIS_LOGIT - _HIDE_SLOPE[None, :] * np.maximum(hidden - _HIDE_FROM, 0.0) + noise
    vis = 1.0 / (1.0 + np.exp(-logit))
    outside = (xy[..., 0] < 0) | (xy[..., 0] > 1) | (xy[..., 1] < 0) | (xy[..., 1] > 1)
    vis[outside] *= 0.15
    return vis, side_score


def clip_jitter(rng: np.random.Generator) -> float:
    """One clip's jitter level, a multiple of :data:`JITTER_REL`: log-normal over clips (a near
    camera in good light jitters little, a far or dim one much; see :data:`JITTER_CLIP`)."""
    median, spread, cap = JITTER_CLIP
    return float(min(median * math.exp(spread * rng.normal()), cap))


def add_noise(xy: np.ndarray, side_score: np.ndarray, rng: np.random.Generator,
              noise: float) -> np.ndarray:  # fmt: skip
    """AR(1) jitter scaled by the torso length in the image; far-side points twice as noisy."""
    torso = np.linalg.norm(
        (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
        - (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2, axis=-1)  # fmt: skip
    torso = np.median(torso)
    sigma = JITTER_REL * torso * noise * JOINT_JITTER
    far = 1.0 + np.clip(-side_score[:, None] * SIDE_OF[None, :], 0, 1)  # far side: 2x noise
    from scipy.signal import lfilter

    # (T, 33 * 2) rows, x and y of each landmark side by side: numpy is slow on a last axis of 2
    t, k, _ = xy.shape
    own = rng.standard_normal((t, 2 * k)) * math.sqrt(1 - JITTER_SHARED)
    shared = np.tile(rng.standard_normal((t, 2)), (1, k))  # the whole body shifts a little
    white = (shared * math.sqrt(JITTER_SHARED) + own) * np.sqrt(1 - JITTER_RHO**2)
    white[0] /= np.sqrt(1 - JITTER_RHO**2)  # start in the stationary distribution
    ar = lfilter([1.0], [1.0, -JITTER_RHO], white, axis=0)  # AR(1) over frames
    scale = np.repeat(sigma[None, :] * far, 2, axis=1)
    return (xy.reshape(t, 2 * k) + ar * scale).reshape(t, k, 2)


def dropouts_and_swaps(lm: np.ndarray, rng: np.random.Generator, rate: float) -> np.ndarray:
    n = lm.shape[0]
    n_drop = rng.poisson(n * 0.003 * rate / 3)
    for _ in range(n_drop):  # bursts of frames where MediaPipe finds nobody
        s = int(rng.integers(0, n))
        lm[s : s + int(rng.integers(1, 6))] = 0.0
    n_swap = rng.poisson(n * 0.002 * rate / 3)
    pairs = [(L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX),
             (L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_PINKY, L.LEFT_INDEX, L.LEFT_THUMB)]  # fmt: skip
    for _ in range(n_swap):  # a limb briefly labelled as the other side
        s = int(rng.integers(0, n))
        e = s + int(rng.integers(1, 5))
        idx = list(pairs[int(rng.integers(0, 2))])
        idx_r = [partner(i) for i in idx]
        seg = lm[s:e].copy()
        present = np.any(seg != 0, axis=(1, 2))
        seg[:, idx], seg[:, idx_r] = lm[s:e][:, idx_r], lm[s:e][:, idx]
        lm[s:e][present] = seg[present]
    return lm


#: The generator's kinds of z: the true depth, or MediaPipe's guess (:mod:`gymlib.depth`).
DEPTHS: tuple[str, ...] = ("true", "mediapipe")
#: what a generator's ``depth=`` takes: one of :data:`DEPTHS` or a fitted model
Depth = Literal["true", "mediapipe"] | DepthModel


def check_depth(depth: object) -> None:
    if not isinstance(depth, DepthModel) and depth not in DEPTHS:
        raise ValueError(f"depth must be 'true', 'mediapipe' or a DepthModel, got {depth!r}")


def apply_depth(lm: np.ndarray, depth: str | DepthModel, fps: float,
                rng: np.random.Generator, noise: float) -> None:  # fmt: skip
    """Replace the true depth in ``lm`` ``(T, 33, 4)`` by MediaPipe's kind unless ``depth`` is
    ``"true"``. Drawn last: x, y and visibility stay those of ``depth="true"``."""
    if isinstance(depth, DepthModel) or depth == "mediapipe":
        model = depth if isinstance(depth, DepthModel) else load_depth_model()
        lm[..., 2] = model.predict(lm, fps=fps, rng=rng, residual=noise)


#: Percentiles of the per-window jitter that :func:`noise_profile` reports
WINDOW_PERCENTILES: tuple[int, ...] = (25, 50, 75, 90, 95, 99)


def noise_profile(windows: np.ndarray) -> dict[str, np.ndarray]:
    """Jitter statistics of landmark windows ``(N, 30, 33, 4)``, the same for real and synthetic.

    Per landmark: ``std`` of the residual after a 5-frame moving average of x and y, divided by
    the window's median torso length in the image (pooled over all windows); ``window_pct`` the
    :data:`WINDOW_PERCENTILES` of the same per window ``(P, 33)`` (the typical window and the
    tail: pooled, a few wild windows dominate); ``rho`` its lag-1 autocorrelation; ``spectrum``
    the mean power of the residual's first difference per frequency bin.
    """
    w = np.asarray(windows, dtype=np.float64)
    present = np.all(np.any(w != 0, axis=(2, 3)), axis=1)  # windows without dropouts
    w = w[present]
    sh = (w[:, :, L.LEFT_SHOULDER, :2] + w[:, :, L.RIGHT_SHOULDER, :2]) / 2
    hp = (w[:, :, L.LEFT_HIP, :2] + w[:, :, L.RIGHT_HIP, :2]) / 2
    torso = np.median(np.linalg.norm(sh - hp, axis=-1), axis=1)
    keep = torso > 0.02
    w, torso = w[keep], torso[keep]
    xy = w[..., :2] / torso[:, None, None, None]
    kernel = np.ones(5) / 5
    smooth = np.apply_along_axis(lambda s: np.convolve(s, kernel, mode="same"), 1, xy)
    resid = (xy - smooth)[:, 2:-2]
    std = resid.std(axis=(0, 1)).mean(-1)
    per_window = np.sqrt((resid.std(axis=1) ** 2).mean(-1))  # (N, 33)
    window_pct = np.percentile(per_window, WINDOW_PERCENTILES, axis=0)
    r0 = resid - resid.mean(axis=1, keepdims=True)
    rho = (r0[:, 1:] * r0[:, :-1]).sum(axis=(0, 1)) / np.maximum((r0**2).sum(axis=(0, 1)), 1e-12)
    diff = np.diff(xy, axis=1)
    spec = (np.abs(np.fft.rfft(diff, axis=1)) ** 2).mean(axis=(0, 2, 3))
    return {
        "std": std,
        "window_pct": window_pct,
        "rho": rho.mean(-1),
        "spectrum": spec / spec.sum(),
    }
