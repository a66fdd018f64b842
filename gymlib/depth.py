"""MediaPipe-like depth (z) for synthetic landmarks, calibrated on real MediaPipe windows.

MediaPipe's z is not the true depth: its network guesses it from one picture, so it follows the
2-D pose (a person seen side-on gets one depth pattern, seen from the front another) plus errors
that drift over a second or two. The generator's geometric depth differs from it so much that a
classifier trained on synthetic x, y, z transfers to real windows far worse than one trained on
x, y and visibility alone; with this module's z it nearly catches up (docs/synthetic_data.md,
``benchmarks/synth_realism.py``). It learns MediaPipe's z as a function of the 2-D pose:

- a ridge regression from the body-centred x, y and visibility of the 33 landmarks (with their
  absolute values and x*y products) to the body-centred z of each landmark, fitted on the real
  windows (no labels used), and
- the part the 2-D pose does not explain, fitted on the regression's residuals as a slow drift
  (a window's mean error) plus a fast wobble (its lag-1 autocorrelation at 30 fps), each mixed
  into the landmarks along the residuals' principal components (the points of a face, a hand,
  a shoulder girdle err together).

Body-centred means the layout of :func:`gymlib.features.body_frame` with ``centre="window"``
(hips at the window's mean, lengths in the window's median torso length), per 30-frame window.

Fit: ``python -m gymlib.depth [--real PATH] [--out PATH] [--overwrite]`` (writes
``gymlib/mediapipe_depth.npz`` atomically, replacing it only with ``--overwrite``); use:
:func:`load_depth_model` then :meth:`DepthModel.predict`.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gymlib.features import body_frame, check_windows, window_scale
from gymlib.io import atomic_path
from gymlib.landmarks import NUM_LANDMARKS, PoseLandmark
from gymlib.windows import load_real_windows

L = PoseLandmark
WINDOW = 30
#: Where the fitted model ships (package data).
DEFAULT_PATH = Path(__file__).with_name("mediapipe_depth.npz")
#: The slow drift's time constant (s): a window's mean error changes over a few windows.
SLOW_TAU_S = 2.0
#: Body-centred x, y beyond this many torso lengths (a torso seen end-on, 1 % of real frames)
#: are left out of the fit and clipped to it before a prediction, where a linear map of such
#: values would run away.
EXTENT = 6.0
_SLOW_STEP = 10


def pose_features(body: np.ndarray) -> np.ndarray:
    """Regression inputs from body-centred landmarks ``(..., 33, 4)`` -> ``(..., 199)``:
    x, y, visibility, |x|, |y|, x*y per landmark and a constant."""
    return _features(body[..., 0], body[..., 1], body[..., 3])


def _features(x: np.ndarray, y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """:func:`pose_features` from x, y, visibility ``(..., 33)`` each."""
    out = np.empty((*x.shape[:-1], 6 * NUM_LANDMARKS + 1), dtype=x.dtype)
    k = NUM_LANDMARKS
    out[..., :k], out[..., k : 2 * k], out[..., 2 * k : 3 * k] = x, y, v
    np.abs(x, out=out[..., 3 * k : 4 * k])
    np.abs(y, out=out[..., 4 * k : 5 * k])
    np.multiply(x, y, out=out[..., 5 * k : 6 * k])
    out[..., -1] = 1.0
    return out


def _body_xyv(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(T, 33, 4)`` image landmarks in 30-frame chunks (the last one padded with frames of
    nobody), body-centred as :func:`gymlib.features.body_frame` with ``centre="window"`` does:
    x, y, visibility stacked ``(3, T', 33)`` (T' = T rounded up to whole chunks, zeros where
    nobody is seen), each frame's chunk scale ``(T',)`` and presence ``(T',)``."""
    t = len(landmarks)
    n = -(-t // WINDOW)
    chunks = np.zeros((n * WINDOW, NUM_LANDMARKS, 4), dtype=np.float32)
    chunks[:t] = landmarks
    chunks = chunks.reshape(n, WINDOW, NUM_LANDMARKS, 4)
    present = chunks.reshape(n, WINDOW, -1).any(axis=2)  # a frame of zeros: nobody
    scale = window_scale(chunks, present).astype(np.float32)  # (N,)
    xyv = np.ascontiguousarray(chunks.transpose(3, 0, 1, 2)[[0, 1, 3]])  # (3, N, 30, 33)
    hips = (xyv[:2, :, :, L.LEFT_HIP] + xyv[:2, :, :, L.RIGHT_HIP]) / 2  # (2, N, 30)
    k = np.maximum(present.sum(axis=1), 1).astype(np.float32)
    centre = (hips * present).sum(axis=2) / k  # (2, N): the window's mean hips
    xyv[:2] -= centre[:, :, None, None]
    xyv[:2] /= scale[None, :, None, None]
    xyv[:, ~present] = 0.0
    return xyv.reshape(3, n * WINDOW, NUM_LANDMARKS), np.repeat(scale, WINDOW), present.ravel()


@dataclass(frozen=True)
class DepthModel:
    """A fitted MediaPipe-like depth model (see the module docstring)."""

    weights: np.ndarray  # (199, 33): pose features -> body-centred z per landmark
    #: ``(K, 33)``: the slow drift as K independent unit processes mixed into the landmarks
    #: (the principal components of its covariance: landmarks err together, a face or a hand
    #: as one), in torso lengths
    slow_factors: np.ndarray
    fast_factors: np.ndarray  # (K, 33): the same for the fast wobble
    fast_rho: float  # the fast wobble's lag-1 autocorrelation at 30 fps
    z_limit: float  # |z| of the expected depth is clipped here (the real z's 99.9th percentile)

    def __post_init__(self) -> None:
        n_in = pose_features(np.zeros((1, NUM_LANDMARKS, 4))).shape[-1]
        if self.weights.shape != (n_in, NUM_LANDMARKS):
            raise ValueError(
                f"depth model weights must have shape ({n_in}, {NUM_LANDMARKS}), "
                f"got {self.weights.shape}"
            )
        for name in ("slow_factors", "fast_factors"):
            arr = getattr(self, name)
            if arr.ndim != 2 or arr.shape[1] != NUM_LANDMARKS or not np.all(np.isfinite(arr)):
                raise ValueError(f"depth model {name} must be finite (K, 33), got {arr.shape}")
        if not 0 <= self.fast_rho < 1:
            raise ValueError(f"depth model fast_rho must be in [0, 1), got {self.fast_rho}")
        if not self.z_limit > 0:
            raise ValueError(f"depth model z_limit must be > 0, got {self.z_limit}")

    @classmethod
    def fit(cls, windows: np.ndarray, *, ridge: float = 1.0) -> DepthModel:
        """Fit on real seed-layout windows ``(N, 30, 132)`` (MediaPipe's own x, y, z, vis)."""
        w = check_windows(windows)
        body = body_frame(w, centre="window").reshape(len(w), WINDOW, NUM_LANDMARKS, 4)
        present = np.any(body != 0, axis=(2, 3)) & (
            np.abs(body[..., :2]).max(axis=(2, 3)) < EXTENT
        )
        if present.sum() < 10 * 199:
            raise ValueError(
                f"too few frames with a person to fit the depth model: {present.sum()}"
            )
        a = pose_features(body[present]).astype(np.float64)
        z = body[present][..., 2].astype(np.float64)
        weights = np.linalg.solve(a.T @ a + ridge * np.eye(a.shape[1]), a.T @ z)
        z_limit = float(np.percentile(np.abs(z), 99.9))
        # the residuals of whole windows: their mean is the slow drift, the rest the wobble
        full = present.all(axis=1)
        res = body[full][..., 2] - pose_features(body[full]) @ weights  # (n, 30, 33)
        mean = res.mean(axis=1, keepdims=True)
        fast = res - mean
        power = float((fast**2).sum())
        rho = float((fast[:, 1:] * fast[:, :-1]).sum()) / power if power > 0 else 0.0
        return cls(
            weights=weights.astype(np.float32),
            slow_factors=_factors(mean[:, 0]),
            fast_factors=_factors(fast.reshape(-1, NUM_LANDMARKS)),
            fast_rho=min(max(rho, 0.0), 0.99),
            z_limit=z_limit,
        )

    def save(self, path: str | Path = DEFAULT_PATH, *, overwrite: bool = False) -> Path:
        """Write atomically (:func:`gymlib.io.atomic_path`). An existing file, such as the
        shipped ``gymlib/mediapipe_depth.npz``, is replaced only with ``overwrite=True``."""
        with atomic_path(path, overwrite=overwrite) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, weights=self.weights, slow_factors=self.slow_factors,
                     fast_factors=self.fast_factors, fast_rho=np.float32(self.fast_rho),
                     z_limit=np.float32(self.z_limit))  # fmt: skip
        return Path(path)

    def predict(
        self,
        landmarks: np.ndarray,
        *,
        fps: float = 30.0,
        rng: np.random.Generator | None = None,
        residual: float = 1.0,
    ) -> np.ndarray:
        """MediaPipe-like z ``(T, 33)`` for image landmarks ``(T, 33, 4)`` (x, y, visibility
        used; z ignored), relative to the hip midpoint in MediaPipe's units (image widths, like
        x). With ``rng``, the residual drift and wobble are added (scaled by ``residual``);
        without it, the expected z. Frames without a person get 0."""
        lm = np.asarray(landmarks, dtype=np.float32)
        if lm.ndim != 3 or lm.shape[1:] != (NUM_LANDMARKS, 4):
            raise ValueError(f"expected landmarks (T, 33, 4), got shape {lm.shape}")
        if not fps > 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        t = len(lm)
        if t == 0:
            return np.zeros((0, NUM_LANDMARKS), np.float32)
        xyv, scale, present = _body_xyv(lm)
        np.clip(xyv[:2], -EXTENT, EXTENT, out=xyv[:2])
        z = (_features(xyv[0], xyv[1], xyv[2]) @ self.weights)[:t]  # (T, 33)
        np.clip(z, -self.z_limit, self.z_limit, out=z)
        if rng is not None and residual > 0:
            z = z + residual * self._residual(t, fps, rng)
        z *= scale[:t, None]
        z[~present[:t]] = 0.0
        return z.astype(np.float32)

    def _residual(self, t: int, fps: float, rng: np.random.Generator) -> np.ndarray:
        """Slow drift + fast wobble ``(T, 33)``: two AR(1) processes with the fitted stds."""
        from scipy.signal import lfilter

        # the wobble frame by frame; the drift (it changes over seconds) drawn every
        # ``_SLOW_STEP`` frames and interpolated: the generator makes ~50,000 frames a second
        rho = self.fast_rho ** (30.0 / fps)
        e = rng.standard_normal((t, len(self.fast_factors)))
        e[1:] *= np.sqrt(1 - rho**2)  # the first value already at the stationary std
        out = lfilter([1.0], [1.0, -rho], e, axis=0) @ self.fast_factors
        m = t // _SLOW_STEP + 2
        rho = float(np.exp(-_SLOW_STEP / (SLOW_TAU_S * fps)))
        e = rng.standard_normal((m, len(self.slow_factors)))
        e[1:] *= np.sqrt(1 - rho**2)
        knots = lfilter([1.0], [1.0, -rho], e, axis=0) @ self.slow_factors
        pos = np.arange(t) / _SLOW_STEP
        i = pos.astype(np.intp)
        w = (pos - i)[:, None]
        out += (1 - w) * knots[i] + w * knots[i + 1]
        return out.astype(np.float32)


def _factors(res: np.ndarray, share: float = 0.98) -> np.ndarray:
    """``(K, 33)`` factors whose unit-normal mix has the covariance of ``res`` ``(n, 33)``
    along its principal components that explain ``share`` of the variance."""
    cov = np.cov(res, rowvar=False)
    val, vec = np.linalg.eigh(cov)
    val, vec = val[::-1].clip(min=0), vec[:, ::-1]
    if not val.sum() > 0:  # no residual at all
        return np.zeros((1, NUM_LANDMARKS), np.float32)
    k = int(np.searchsorted(np.cumsum(val) / val.sum(), share)) + 1
    return (np.sqrt(val[:k])[:, None] * vec[:, :k].T).astype(np.float32)


_CACHE: dict[Path, DepthModel] = {}


def load_depth_model(path: str | Path | None = None) -> DepthModel:
    """The fitted model (``gymlib/mediapipe_depth.npz`` by default), loaded once."""
    p = Path(path) if path is not None else DEFAULT_PATH
    if p not in _CACHE:
        if not p.is_file():
            raise FileNotFoundError(
                f"{p}: MediaPipe depth model not found; fit it with "
                "`python -m gymlib.depth --real ../shared/data/seed_real_windows.npz`"
            )
        with np.load(p) as d:
            missing = {"weights", "slow_factors", "fast_factors", "fast_rho", "z_limit"} - set(
                d.files
            )
            if missing:
                raise ValueError(f"{p}: not a depth model, missing arrays {sorted(missing)}")
            _CACHE[p] = DepthModel(
                weights=d["weights"], slow_factors=d["slow_factors"],
                fast_factors=d["fast_factors"],
                fast_rho=float(d["fast_rho"]), z_limit=float(d["z_limit"]),
            )  # fmt: skip
    return _CACHE[p]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Fit the MediaPipe-like depth model on real windows")
    ap.add_argument("--real", type=Path, default=None, help="real windows .npz (config default)")
    ap.add_argument("--out", type=Path, default=DEFAULT_PATH)
    ap.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    args = ap.parse_args(argv)
    if args.out.exists() and not args.overwrite:
        ap.error(f"{args.out} exists; add --overwrite to replace it, or choose --out")
    data = load_real_windows(args.real)
    model = DepthModel.fit(data.windows)
    path = model.save(args.out, overwrite=args.overwrite)
    slow, fast = (
        np.sqrt((f**2).sum(axis=0)).mean() for f in (model.slow_factors, model.fast_factors)
    )
    print(f"fitted on {len(data.windows)} real windows -> {path}; residual std: slow "
          f"{slow:.2f}, fast {fast:.2f} torso lengths ({len(model.slow_factors)} and "
          f"{len(model.fast_factors)} components), fast lag-1 autocorrelation "
          f"{model.fast_rho:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
