"""Synthetic exercise sessions with exact ground truth: MediaPipe-like landmark streams.

A kinematic generator, no rendering: a 3-D skeleton with anthropometric variety is driven by
joint-angle trajectories per exercise, placed in front of a pinhole camera, projected to
MediaPipe's normalised image coordinates and given MediaPipe-like noise, visibility, dropouts
and left/right swaps (calibrated on the real windows, see :func:`noise_profile`).

    clip = generate_clip("squat", 5, seed=1, view="left")
    clip.landmarks            # (T, 33, 4) float32, zeros where "nobody was found"
    clip.reps[0].bottom       # frame of the deepest point of the first rep
    clip.idle                 # [(start, end, kind), ...] walking in, standing, resting

World frame (metres): axis 0 = the subject's anterior direction when standing ("a"), axis 1 =
up ("u"), axis 2 = lateral ("l", the subject's left when standing). Angles in a sagittal plane
are measured from "up" towards "a". The generator is deterministic for a seed.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from gymlib.alloc import keep_freed_memory
from gymlib.config import SEED_EXERCISES
from gymlib.depth import DepthModel, load_depth_model
from gymlib.landmarks import MAIN_JOINTS, NUM_LANDMARKS, PoseLandmark, flip_horizontal, partner

L = PoseLandmark
#: The six exercises in the seed's class order (one list for the whole project).
EXERCISES: tuple[str, ...] = SEED_EXERCISES

#: Labelled form errors each exercise can carry (names shared with the rules in config.yaml).
EXERCISE_ERRORS: dict[str, tuple[str, ...]] = {
    "squat": ("shallow", "knees_past_toes"),
    "split_squat": ("shallow", "knees_past_toes"),
    "push_up": ("shallow", "hips_sagging", "hips_piking", "elbows_flaring"),
    "pull_up": ("chin_not_over_bar", "bent_body"),
    "lat_machine": ("shallow", "torso_back", "torso_forward"),
    "bench_press": ("shallow", "elbows_flaring"),
}
ERROR_NAMES: tuple[str, ...] = tuple(sorted({e for v in EXERCISE_ERRORS.values() for e in v}))
_EXCLUSIVE = ({"hips_sagging", "hips_piking"}, {"torso_back", "torso_forward"})

#: Camera yaw of each named view, degrees about the vertical: 0 = in front of the subject,
#: +90 = on the subject's left side.
VIEWS: dict[str, float] = {
    "front": 0.0,
    "left45": 45.0,
    "left": 90.0,
    "back": 180.0,
    "right": -90.0,
    "right45": -45.0,
}
#: Height of the bench (bench press) and the seat (lat machine), metres.
BENCH_HEIGHT: float = 0.45
#: The views of the issue's test matrix (``back`` is generated on request only).
STANDARD_VIEWS: tuple[str, ...] = ("left", "right", "front", "left45", "right45")
IMAGE_SIZES: tuple[tuple[int, int], ...] = ((640, 480), (1280, 720), (720, 1280))

#: Frame rates people film exercise with: phones and webcams at 30 (most) or 60 fps, web video
#: at 25-30, studio cameras (Fit3D) at 50. ``generate_dataset(fps=CAMERA_FPS)`` draws from it.
CAMERA_FPS: tuple[float, ...] = (25.0, 30.0, 30.0, 30.0, 50.0, 60.0)
#: The frame rates a clip may have (``generate_clip``, ``generate_dataset``).
FPS_RANGE: tuple[float, float] = (5.0, 240.0)

SIZE_PRESETS: dict[str, dict[str, int]] = {
    "tiny": {"n_clips": 12, "max_reps": 3},
    "small": {"n_clips": 120, "max_reps": 6},
    "full": {"n_clips": 1200, "max_reps": 10},
}

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


# --------------------------------------------------------------------------------------------
# Ground truth
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RepTruth:
    """One repetition: frames ``start`` (leaves the top), ``bottom`` (turning point), ``end``."""

    start: int
    bottom: int
    end: int
    errors: tuple[str, ...] = ()
    rom: float = 1.0  # depth reached as a fraction of a full rep

    @property
    def good(self) -> bool:
        return not self.errors


@dataclass
class SyntheticClip:
    """A generated session. ``landmarks`` is float32 ``(T, 33, 4)`` in MediaPipe's format."""

    landmarks: np.ndarray
    fps: float
    exercise: str
    view: str
    reps: list[RepTruth]
    idle: list[tuple[int, int, str]]
    image_size: tuple[int, int]
    mirrored: bool
    seed: int
    camera: dict[str, float] = field(default_factory=dict)
    body: dict[str, float] = field(default_factory=dict)
    #: Noise-free world joints ``(T, 33, 3)`` in metres (y up, subject's left +z, facing +x) and
    #: the camera that took the clip; kept only when asked (``keep_world=True``), for rendering.
    world: np.ndarray | None = field(default=None, repr=False)
    camera_model: Camera | None = field(default=None, repr=False)

    @property
    def n_frames(self) -> int:
        return len(self.landmarks)

    @property
    def aspect(self) -> float:
        return self.image_size[0] / self.image_size[1]

    @property
    def timestamps(self) -> np.ndarray:
        return np.arange(self.n_frames) / self.fps

    def rep_mask(self) -> np.ndarray:
        """``(T,)`` bool: frames inside a rep."""
        m = np.zeros(self.n_frames, bool)
        for r in self.reps:
            m[r.start : r.end + 1] = True
        return m

    def idle_mask(self) -> np.ndarray:
        m = np.zeros(self.n_frames, bool)
        for s, e, _ in self.idle:
            m[s:e] = True
        return m

    def truth_dict(self) -> dict[str, Any]:
        """Ground truth as plain JSON-able data."""
        return {
            "exercise": self.exercise,
            "fps": self.fps,
            "view": self.view,
            "image_size": list(self.image_size),
            "mirrored": self.mirrored,
            "seed": self.seed,
            "reps": [
                {
                    "start": r.start,
                    "bottom": r.bottom,
                    "end": r.end,
                    "errors": list(r.errors),
                    "rom": round(r.rom, 4),
                }
                for r in self.reps
            ],  # fmt: skip
            "idle": [{"start": s, "end": e, "kind": k} for s, e, k in self.idle],
            "camera": self.camera,
            "body": self.body,
        }


# --------------------------------------------------------------------------------------------
# Body
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Body:
    """Segment lengths in metres (fractions of height from Drillis & Contini / Winter)."""

    height: float
    upper_arm: float
    forearm: float
    thigh: float
    shank: float
    trunk: float  # hip-joint line to shoulder line
    neck: float  # shoulder line to head centre
    foot: float
    shoulder_width: float
    hip_width: float
    ankle_height: float
    asym: float  # right side segment scale relative to left (1 +- 1 %)

    @classmethod
    def sample(cls, rng: np.random.Generator) -> Body:
        h = float(rng.uniform(1.50, 1.95))

        def seg(frac: float) -> float:
            return h * frac * float(rng.normal(1.0, 0.035))

        return cls(
            height=h,
            upper_arm=seg(0.186),
            forearm=seg(0.146),
            thigh=seg(0.245),
            shank=seg(0.246),
            trunk=seg(0.288),
            neck=seg(0.10),
            foot=seg(0.152),
            shoulder_width=seg(0.215),
            hip_width=seg(0.125),
            ankle_height=h * 0.039,
            asym=float(rng.normal(1.0, 0.006)),
        )

    @property
    def arm(self) -> float:
        return self.upper_arm + self.forearm

    @property
    def leg(self) -> float:
        return self.thigh + self.shank


# Joint slots of the kinematic skeleton (main joints); the 33 landmarks are completed from them.
_SIDES = (("L", +1.0), ("R", -1.0))
_JOINT_NAMES = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")


def _lm(side: str, joint: str) -> PoseLandmark:
    return PoseLandmark[("LEFT_" if side == "L" else "RIGHT_") + joint.upper()]


_SLOT: dict[tuple[str, str], int] = {
    (side, joint): int(_lm(side, joint)) for side, _ in _SIDES for joint in _JOINT_NAMES
}


class Skel:
    """Main joint positions ``(T, 33, 3)`` under construction (only the main slots are used)."""

    def __init__(self, n: int) -> None:
        self.p = np.zeros((n, NUM_LANDMARKS, 3))

    def __setitem__(self, key: tuple[str, str], value: np.ndarray) -> None:
        self.p[:, _SLOT[key]] = value

    def __getitem__(self, key: tuple[str, str]) -> np.ndarray:
        return self.p[:, _SLOT[key]]


def _sag(theta_deg: np.ndarray | float, length: float | np.ndarray) -> np.ndarray:
    """Vector of ``length`` in the sagittal plane at ``theta`` from up towards anterior, (T, 3)."""
    th = np.radians(np.atleast_1d(theta_deg))
    out = np.zeros((th.size, 3))
    out[:, 0] = np.sin(th) * length
    out[:, 1] = np.cos(th) * length
    return out


def _vec(a: float, u: float, l: float) -> np.ndarray:  # noqa: E741
    return np.array([a, u, l], dtype=float)


def _unit_floats(x: float, y: float, z: float) -> tuple[float, float, float]:
    """A 3-vector of plain floats scaled to length 1 (as :func:`_normalize`)."""
    n = max(math.sqrt(x * x + y * y + z * z), 1e-9)
    return x / n, y / n, z / n


def _mean_of_points(p: np.ndarray) -> np.ndarray:
    """``(T, K, 3)`` -> the mean point of each frame ``(T, 3)``; a matrix product, because
    numpy's ``mean(axis=1)`` over a short middle axis is ten times slower."""
    t, k, _ = p.shape
    return (p.reshape(t, 3 * k) @ np.tile(np.eye(3), (k, 1))) / k


def _norm(v: np.ndarray) -> np.ndarray:
    """Lengths ``(...)`` of vectors ``(..., 3)`` (``einsum``: twice as fast as ``linalg.norm``)."""
    return np.sqrt(np.einsum("...i,...i->...", v, v))


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Dot products ``(...)`` of vectors ``(..., 3)``."""
    return np.einsum("...i,...i->...", a, b)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross products of ``(T, 3)`` vectors (``np.cross`` costs four times as much)."""
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    out[..., 0] = a1 * b2 - a2 * b1
    out[..., 1] = a2 * b0 - a0 * b2
    out[..., 2] = a0 * b1 - a1 * b0
    return out


def _rows(v: np.ndarray, n: int) -> np.ndarray:
    """``(3,)`` repeated as ``n`` rows ``(n, 3)``, a writable array (``np.tile``, faster)."""
    out = np.empty((n, 3))
    out[:] = v
    return out


def _normalize(v: np.ndarray) -> np.ndarray:
    """Vectors ``(..., 3)`` scaled to length 1."""
    return v / np.maximum(_norm(v), 1e-9)[..., None]


def two_link_ik(
    root: np.ndarray, target: np.ndarray, l1: float, l2: float, hint: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Middle joint of a two-segment chain from ``root`` towards ``target``, bending to ``hint``.

    All arrays ``(T, 3)`` (``hint`` may be ``(3,)``). An unreachable target is pulled in along the
    root-target line. Returns ``(middle, end)``.
    """
    d_vec = target - root
    d = _norm(d_vec)[:, None]
    u = d_vec / np.maximum(d, 1e-9)
    d = np.clip(d, abs(l1 - l2) + 1e-4, (l1 + l2) * 0.9999)
    end = root + u * d
    a = (l1**2 - l2**2 + d**2) / (2 * d)
    h = np.sqrt(np.maximum(l1**2 - a**2, 0.0))
    hint = np.broadcast_to(hint, root.shape)
    perp = hint - _dot(hint, u)[:, None] * u
    perp = _normalize(perp)
    return root + a * u + h * perp, end


# --------------------------------------------------------------------------------------------
# Per-rep parameters (good ranges and what each error changes)
# --------------------------------------------------------------------------------------------
def _uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _rep_params(
    exercise: str, errors: Sequence[str], rng: np.random.Generator, style: Mapping[str, float]
) -> dict[str, float]:
    """Parameters of one rep: a good rep drawn from the healthy range, then errors applied."""
    e = set(errors)
    u = lambda lo, hi: _uniform(rng, lo, hi)  # noqa: E731
    if exercise == "squat":
        p = {"flex": u(95, 125), "shank": u(6, 14), "trunk": u(18, 35)}
        if "shallow" in e:
            p["flex"] = u(38, 58)
            p["trunk"] = u(10, 22)
        if "knees_past_toes" in e:
            p["shank"] = u(32, 40)
            p["trunk"] = u(12, 25)
        p["rom"] = p["flex"] / style["full_flex"]
    elif exercise == "split_squat":
        # flex: front knee flexion = the thigh's angle to vertical (the depth) + the shank's lean
        p = {"flex": u(82, 100), "shank": u(0, 10)}
        if "shallow" in e:  # the front thigh stops 33-44 deg short of parallel: above the
            p["flex"] = p["shank"] + u(46, 57)  # stance's own ~30 deg, clearly less than a rep
        p["rom"] = p["flex"] / 90.0
        if "knees_past_toes" in e:  # the knee travels forward, the thigh keeps its depth (up to
            lean = u(28, 36)  # 85 deg, where the rear knee nearly touches the floor)
            p["flex"] = min(p["flex"] - p["shank"], 85.0) + lean
            p["shank"] = lean
    elif exercise == "push_up":
        p = {"shoulder_h": u(0.17, 0.22), "hip_off": u(-0.012, 0.012), "flare": style["flare"]}
        if "shallow" in e:
            p["shoulder_h"] = u(0.36, 0.42)
        if "hips_sagging" in e:
            p["hip_off"] = -u(0.12, 0.16)  # 17-27 deg below the line, as real sagging planks
        if "hips_piking" in e:
            p["hip_off"] = u(0.32, 0.40)  # 50-70 deg above the line, as real piked planks
        if "elbows_flaring" in e:
            p["flare"] = u(78, 88)
        p["rom"] = (style["top_h"] - p["shoulder_h"]) / (style["top_h"] - 0.2)
    elif exercise == "pull_up":
        p = {"drop": u(0.02, 0.09), "hip_flex": u(0, 10), "knee_flex": style["knee_flex"]}
        if "chin_not_over_bar" in e:
            p["drop"] = u(0.27, 0.34)
        if "bent_body" in e:
            p["hip_flex"] = u(45, 70)
        p["rom"] = (style["hang"] - p["drop"]) / (style["hang"] - 0.06)
    elif exercise == "lat_machine":
        p = {"bar_h": u(-0.02, 0.06), "lean": u(8, 28)}
        if "shallow" in e:
            p["bar_h"] = u(0.30, 0.38)
        if "torso_back" in e:
            p["lean"] = u(48, 60)
        if "torso_forward" in e:
            p["lean"] = -u(18, 28)
        p["rom"] = (style["bar_top"] - p["bar_h"]) / (style["bar_top"] - 0.02)
    elif exercise == "bench_press":
        p = {"bar_h": u(0.10, 0.15), "abd": u(45, 62)}
        if "shallow" in e:
            p["bar_h"] = u(0.30, 0.36)
        if "elbows_flaring" in e:
            p["abd"] = u(82, 90)
        p["rom"] = (style["bar_top"] - p["bar_h"]) / (style["bar_top"] - 0.12)
    else:  # pragma: no cover - validated before
        raise ValueError(exercise)
    p["rom"] = float(np.clip(p["rom"], 0.0, 1.3))
    return p


def _clip_style(exercise: str, body: Body, rng: np.random.Generator) -> dict[str, float]:
    """Per-clip constants: how this person does the exercise."""
    s: dict[str, float] = {
        "stance": body.hip_width * _uniform(rng, 1.1, 1.8),
        "front": float(rng.integers(0, 2)),  # split squat: 1 = left leg forward
        # squat arms: 0 forward, 1 at the chest or a barbell on the back; split squat: 2 = hanging
        "arms": float(rng.choice(3, p=[0.25, 0.6, 0.15])),
        "full_flex": 100.0,
        "flare": _uniform(rng, 35, 55),
        "knee_flex": _uniform(rng, 5, 45),
        "grip": body.shoulder_width * _uniform(rng, 1.3, 1.7),
        "hand_a": _uniform(rng, -0.03, 0.06),
    }
    s["top_h"] = body.arm * 0.97 + 0.03
    grip_half = (s["grip"] - body.shoulder_width) / 2
    s["hang"] = math.sqrt(max(body.arm**2 - grip_half**2, 0.01)) * 0.97
    s["bar"] = body.height * 0.818 + s["hang"] + _uniform(rng, 0.05, 0.2)
    s["bar_top"] = math.sqrt(max(body.arm**2 - grip_half**2, 0.01)) * 0.95
    if exercise == "lat_machine":  # drawn last: the other exercises' draws keep their order
        # feet this far in front of the hips (thigh lengths), tucked back under the knee pad
        # with the heels up: knees about 40-70 degrees while pulling (real windows: median 58)
        s["feet_fwd"] = _uniform(rng, -0.1, 0.8)
    if exercise == "bench_press":
        # feet on the floor this far beyond the hips (thigh lengths): knees about 90-140 degrees
        s["feet_out"] = _uniform(rng, 0.9, 1.5)
    return s


# --------------------------------------------------------------------------------------------
# Pose functions: phase (T,) in [0, 1] + per-frame parameters -> main joints (T, 33, 3)
# --------------------------------------------------------------------------------------------
def _legs_from_angles(
    sk: Skel, body: Body, side: str, sign: float, ankle: np.ndarray, shank: np.ndarray,
    thigh: np.ndarray, scale: float, knee_out: np.ndarray | float = 0.0,
) -> np.ndarray:  # fmt: skip
    """Ankle fixed; shank lean and thigh angle (from vertical, thigh leaning back) -> hip."""
    knee = ankle + _sag(shank, body.shank * scale)
    knee[:, 2] += sign * np.asarray(knee_out)
    th = np.radians(thigh)
    hip = knee + np.stack(
        [-np.sin(th) * body.thigh * scale, np.cos(th) * body.thigh * scale, np.zeros_like(th)], -1
    )
    sk[side, "ankle"] = ankle
    sk[side, "knee"] = knee
    return hip


def _trunk_and_shoulders(sk: Skel, body: Body, hip_mid: np.ndarray, lean: np.ndarray,
                         left: np.ndarray) -> np.ndarray:  # fmt: skip
    sh_mid = hip_mid + _sag(lean, body.trunk)
    for side, sign in _SIDES:
        sk[side, "shoulder"] = sh_mid + left * sign * body.shoulder_width / 2
    return sh_mid


def _set_hips(sk: Skel, body: Body, hip_mid: np.ndarray, left: np.ndarray) -> None:
    for side, sign in _SIDES:
        sk[side, "hip"] = hip_mid + left * sign * body.hip_width / 2


def _arm_ik(sk: Skel, body: Body, side: str, wrist: np.ndarray, hint: np.ndarray) -> None:
    scale = body.asym if side == "R" else 1.0
    elbow, wrist = two_link_ik(
        sk[side, "shoulder"], wrist, body.upper_arm * scale, body.forearm * scale, hint
    )
    sk[side, "elbow"] = elbow
    sk[side, "wrist"] = wrist


def _standing_arms(sk: Skel, body: Body, left: np.ndarray, phase: np.ndarray, mode: float) -> None:
    """Arms for squats: 0 forward for balance, 1 hands at the chest, 2 hanging by the sides,
    3 holding a barbell on the upper back (hands beside and a little behind the shoulders,
    elbows bent to about 40-50 degrees and pointing down)."""
    n = len(phase)
    for side, sign in _SIDES:
        sh = sk[side, "shoulder"]
        if mode == 3:
            wrist = sh + left * sign * 0.22 + _vec(-0.05, 0.03, 0)
            hint = _rows(_vec(-0.5, -1, 0), n) + left * sign * 0.3
        elif mode == 0:
            lift = 60 + 30 * phase  # shoulder flexion grows with depth
            wrist = sh + _sag(180 - lift, body.arm * 0.97) + left * sign * -0.03
            hint = _rows(_vec(0, -1, 0), n)
        elif mode == 1:
            mid = (sk["L", "shoulder"] + sk["R", "shoulder"]) / 2
            wrist = mid + _vec(0.22, -0.12, 0) + left * sign * 0.05
            hint = _rows(_vec(0, -1, 0), n) + left * sign * 0.8
        else:
            wrist = sh + _vec(0.05, -body.arm * 0.96, 0) + left * sign * 0.06
            hint = _rows(_vec(-1, 0, 0), n)
        _arm_ik(sk, body, side, wrist, hint)


def _pose_squat(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    n = len(phase)
    sk = Skel(n)
    left = _vec(0, 0, 1)
    hips = []
    for side, sign in _SIDES:
        scale = body.asym if side == "R" else 1.0
        flex = 4 + phase * (prm["flex"] - 4)
        shank = 3 + phase * (prm["shank"] - 3)
        ankle = _rows(_vec(0, body.ankle_height, sign * style["stance"] / 2), n)
        hips.append(_legs_from_angles(sk, body, side, sign, ankle, shank, flex - shank, scale,
                                      knee_out=0.03 * phase))  # fmt: skip
    hip_mid = (hips[0] + hips[1]) / 2
    _set_hips(sk, body, hip_mid, left)
    lean = 4 + phase * (prm["trunk"] - 4)
    _trunk_and_shoulders(sk, body, hip_mid, lean, left)
    # most squatters in the real windows hold a barbell on the back (wrists level with the
    # shoulders, nearly still): about 58 % barbell, 25 % arms forward, 12 % hands at the chest,
    # 5 % hanging (hand_a is a draw the squat has no other use for, so other clips stay as
    # they were)
    arms = style["arms"]
    if (arms == 1 and style["hand_a"] > -0.012) or (arms == 2 and style["hand_a"] < 0.03):
        arms = 3.0
    _standing_arms(sk, body, left, phase, arms)
    return sk.p


def _hands_on_hips(style: Mapping[str, float]) -> bool:
    """Split squats: hands on the hips for a few, arms hanging (with dumbbells) for most."""
    return style["hand_a"] > 0.04


def _pose_split_squat(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                      style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    """Both feet stay where they stand: the front foot flat, the rear one on its toes where the
    rear knee nearly touches the floor at a full rep. At the top both legs are almost straight
    (an inverted V, the hip between the feet); the hip goes down from there until the front
    thigh is ``flex - shank`` degrees from vertical, the front knee ``shank`` degrees further
    forward than at a plain rep (knees past toes)."""
    n = len(phase)
    sk = Skel(n)
    left = _vec(0, 0, 1)
    front, back = ("L", "R") if style["front"] >= 0.5 else ("R", "L")
    fsign = 1.0 if front == "L" else -1.0
    thigh, shank, leg = body.thigh, body.shank, body.thigh + body.shank
    bottom_hip_a = shank * math.sin(math.radians(5)) - thigh * math.sin(math.radians(85))
    ankle_f = _vec(0, body.ankle_height, fsign * body.hip_width / 2)
    ankle_b = _vec(bottom_hip_a - shank * 0.95, body.ankle_height + 0.06,
                   -fsign * body.hip_width / 2)  # fmt: skip
    # the top: the hip where two almost straight legs from the planted ankles meet (the
    # sagittal plane; the chain front ankle -> hip -> rear ankle, bending upwards)
    sagittal = np.array([[1.0, 1.0, 0.0]])
    top, _ = two_link_ik(ankle_f * sagittal, ankle_b * sagittal, 0.995 * leg, 0.997 * leg,
                         _vec(0, 1, 0))  # fmt: skip
    top_a, top_h = float(top[0, 0]), float(top[0, 1])
    # the bottom of each rep, relative to the front ankle
    theta = np.radians(np.asarray(prm["flex"]) - np.asarray(prm["shank"]))
    travel = shank * (np.sin(np.radians(prm["shank"])) - math.sin(math.radians(5)))
    bot_a = top_a + travel
    reach = np.sqrt(np.maximum(shank**2 - (bot_a + thigh * np.sin(theta)) ** 2, 0.0))
    bot_h = np.minimum(body.ankle_height + thigh * np.cos(theta) + reach, top_h)
    hip_f = np.stack(
        [top_a + phase * (bot_a - top_a), top_h + phase * (bot_h - top_h),
         np.full(n, fsign * body.hip_width / 2)], -1,
    )  # fmt: skip
    hip_mid = hip_f - _vec(0, 0, fsign * body.hip_width / 2)
    _set_hips(sk, body, hip_mid, left)
    for side, ankle, hint in ((front, ankle_f, _vec(1, 0, 0)), (back, ankle_b, _vec(1, -0.3, 0))):
        knee, reached = two_link_ik(sk[side, "hip"], np.tile(ankle, (n, 1)), thigh, shank, hint)
        sk[side, "knee"] = knee
        sk[side, "ankle"] = reached
    lean = 3 + phase * 5
    _trunk_and_shoulders(sk, body, hip_mid, lean, left)
    for side, sign in _SIDES:  # hands on the hips or hanging
        if style["arms"] == 1 and _hands_on_hips(style):
            wrist = sk[side, "hip"] + left * sign * 0.06 + _vec(0.02, 0.05, 0)
            hint = _vec(-1, 0, 0) + left * sign * 1.0
        else:
            wrist = sk[side, "shoulder"] + _vec(0.02, -body.arm * 0.96, 0) + left * sign * 0.05
            hint = _vec(-1, 0, 0)
        _arm_ik(sk, body, side, wrist, np.broadcast_to(hint, (n, 3)))
    return sk.p


def _pose_push_up(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                  style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    n = len(phase)
    sk = Skel(n)
    left = _vec(0, 0, 1)
    l_as = body.leg + body.trunk  # ankle to shoulder line
    ankle_mid = _rows(_vec(0, 0.11, 0), n)
    sh_h = style["top_h"] + phase * (prm["shoulder_h"] - style["top_h"])
    beta = np.arcsin(np.clip((sh_h - 0.11) / l_as, -1, 1))  # plank incline
    line = np.stack([np.cos(beta), np.sin(beta), np.zeros(n)], -1)
    normal = np.stack([-np.sin(beta), np.cos(beta), np.zeros(n)], -1)
    sh_mid = ankle_mid + line * l_as
    hip_mid = ankle_mid + line * body.leg + normal * prm["hip_off"][:, None]
    knee_mid = ankle_mid + (hip_mid - ankle_mid) * (body.shank / body.leg)
    hand_a = (ankle_mid + np.array([math.cos(math.asin((style["top_h"] - 0.11) / l_as)), 0, 0])
              * l_as)[:, 0] + style["hand_a"]  # fmt: skip
    for side, sign in _SIDES:
        off = left * sign
        sk[side, "ankle"] = ankle_mid + off * style["stance"] / 3
        sk[side, "knee"] = knee_mid + off * body.hip_width / 2
        sk[side, "hip"] = hip_mid + off * body.hip_width / 2
        sk[side, "shoulder"] = sh_mid + off * body.shoulder_width / 2
        wrist = np.stack([hand_a, np.full(n, 0.03), np.full(n, sign * style["grip"] / 2)], -1)
        fl = np.radians(prm["flare"])[:, None]
        hint = -np.cos(fl) * _vec(1, 0, 0) + np.sin(fl) * off + _vec(0, 0.3, 0)
        _arm_ik(sk, body, side, wrist, hint)
    return sk.p


def _pose_pull_up(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                  style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    n = len(phase)
    sk = Skel(n)
    left = _vec(0, 0, 1)
    bar = style["bar"]
    drop = style["hang"] + phase * (prm["drop"] - style["hang"])
    sh_mid = np.stack([-0.04 * phase, bar - drop, np.zeros(n)], -1)
    lean = -8 * phase
    hip_mid = sh_mid - _sag(lean, body.trunk)
    _set_hips(sk, body, hip_mid, left)
    for side, sign in _SIDES:
        off = left * sign
        sk[side, "shoulder"] = sh_mid + off * body.shoulder_width / 2
        wrist = _rows(_vec(0.0, bar, sign * style["grip"] / 2), n)
        _arm_ik(sk, body, side, wrist, np.broadcast_to(_vec(0.35, -1, 0) + off * 1.2, (n, 3)))
        hf = prm["hip_flex"]
        thigh_dir = _sag(180 - hf, body.thigh)
        knee = sk[side, "hip"] + thigh_dir
        sk[side, "knee"] = knee
        sk[side, "ankle"] = knee + _sag(180 - hf + prm["knee_flex"], body.shank)
    return sk.p


def _pose_lat_machine(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                      style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    n = len(phase)
    sk = Skel(n)
    left = _vec(0, 0, 1)
    # the seat is set so the knee pad holds the thighs about level (hips at knee height; real
    # windows: hip angle median 113 degrees)
    hip_mid = _rows(_vec(0, body.shank + body.ankle_height - 0.02, 0), n)
    _set_hips(sk, body, hip_mid, left)
    lean = -(6 + phase * (prm["lean"] - 6))  # negative = leaning back
    sh_mid = _trunk_and_shoulders(sk, body, hip_mid, lean, left)
    for side, sign in _SIDES:
        off = left * sign
        ankle = np.tile(_vec(body.thigh * style["feet_fwd"], body.ankle_height + 0.08, 0)
                        + off * body.hip_width / 2, (n, 1))  # fmt: skip
        knee, ankle = two_link_ik(sk[side, "hip"], ankle, body.thigh, body.shank, _vec(1, 1, 0))
        sk[side, "knee"] = knee
        sk[side, "ankle"] = ankle
        bar_h = style["bar_top"] + phase * (prm["bar_h"] - style["bar_top"])
        wrist = np.stack(
            [sh_mid[:, 0] + 0.1, sh_mid[:, 1] + bar_h, np.full(n, sign * style["grip"] / 2)], -1
        )
        _arm_ik(sk, body, side, wrist, np.broadcast_to(_vec(-0.1, -1, 0) + off * 1.0, (n, 3)))
    return sk.p


def _pose_bench_press(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                      style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    n = len(phase)
    sk = Skel(n)
    left = _vec(0, 0, -1)  # supine, head towards +a: the subject's left is -l
    hip_mid = _rows(_vec(-body.trunk / 2, BENCH_HEIGHT + 0.1, 0), n)
    sh_mid = _rows(_vec(body.trunk / 2, BENCH_HEIGHT + 0.12, 0), n)
    bar_h = style["bar_top"] + phase * (prm["bar_h"] - style["bar_top"])
    for side, sign in _SIDES:
        off = left * sign
        sk[side, "hip"] = hip_mid + off * body.hip_width / 2
        sk[side, "shoulder"] = sh_mid + off * body.shoulder_width / 2
        ankle = np.tile(_vec(-body.trunk / 2 - body.thigh * style["feet_out"], body.ankle_height,
                             0) + off * style["stance"] / 2, (n, 1))  # fmt: skip
        knee, ankle = two_link_ik(sk[side, "hip"], ankle, body.thigh, body.shank, _vec(0, 1, 0))
        sk[side, "knee"] = knee
        sk[side, "ankle"] = ankle
        # the forearms stay near vertical, so the bar comes down where the elbows point: on the
        # lower chest with the elbows tucked, high on the chest with them flared
        abd = np.radians(prm["abd"])[:, None]
        touch = 0.5 * body.upper_arm * np.cos(abd[:, 0])
        wrist = np.stack([sh_mid[:, 0] - 0.02 - touch * phase, sh_mid[:, 1] + bar_h,
                          np.full(n, -sign * style["grip"] / 2)], -1)  # fmt: skip
        hint = np.sin(abd) * off + np.cos(abd) * _vec(-1, 0, 0) + _vec(0, -0.6, 0)
        _arm_ik(sk, body, side, wrist, hint)
    return sk.p


_POSES = {
    "squat": _pose_squat,
    "split_squat": _pose_split_squat,
    "push_up": _pose_push_up,
    "pull_up": _pose_pull_up,
    "lat_machine": _pose_lat_machine,
    "bench_press": _pose_bench_press,
}


# --------------------------------------------------------------------------------------------
# Idle poses: standing, walking, seated, lying (the posture the set starts from and returns to)
# --------------------------------------------------------------------------------------------
def _pose_standing(body: Body, n: int, rng: np.random.Generator, *, walk_speed: float = 0.0,
                   fidget: bool = False, facing: float = 0.0,
                   fps: float = 30.0) -> np.ndarray:  # fmt: skip
    """Standing (sway, fidgeting arms) or walking sideways across the scene (``walk_speed`` in
    m/s), ``(n, 33, 3)`` at ``fps`` frames per second."""
    t = np.arange(n) / fps
    sway_f, sway_ph = rng.uniform(0.2, 0.4), rng.uniform(0, 6)
    p, hip_mid = _standing_frames(body, t, np.full(n, sway_f), np.full(n, sway_ph),
                                  np.full(n, bool(walk_speed)), np.full(n, fidget))  # fmt: skip
    _walk_and_face(p, hip_mid, t, walk_speed, facing)
    return p


def _standing_frames(body: Body, t: np.ndarray, sway_f: np.ndarray, sway_ph: np.ndarray,
                     walk: np.ndarray, fidget: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Standing or walking in place, ``(n, 33, 3)``, with everything given per frame ``(n,)``:
    the time ``t`` since the segment began (s), the sway's frequency and phase, whether the
    legs and arms swing as in walking (``walk``) and whether the arms fidget. Several idle
    segments are made in one call (each with its own ``t``, from 0).
    Returns the joints and the hips' midpoint ``(n, 3)``."""
    n = len(t)
    sk = Skel(n)
    left = _vec(0, 0, 1)
    sway = 0.01 * np.sin(2 * np.pi * t * sway_f + sway_ph)
    stride = np.zeros(n)
    if walk.any():
        stride[walk] = (22 * np.sin(2 * np.pi * t * 0.9))[walk]
    hips = []
    for side, sign in _SIDES:
        swing = stride * sign
        knee_flex = np.abs(swing) * 1.2 + 3
        ankle = _rows(_vec(0, body.ankle_height, sign * body.hip_width / 2), n)
        # walking: rotate the whole leg about the hip instead of keeping the foot planted
        hip_guess = ankle + _vec(0, body.leg, 0)
        knee = hip_guess + _sag(180 + swing, body.thigh)
        sk[side, "knee"] = knee
        sk[side, "ankle"] = knee + _sag(180 + swing - knee_flex, body.shank)
        hips.append(hip_guess)
    hip_mid = (hips[0] + hips[1]) / 2
    hip_mid[:, 0] += sway
    _set_hips(sk, body, hip_mid, left)
    _trunk_and_shoulders(sk, body, hip_mid, np.full(n, 2.0) + 200 * sway, left)
    for side, sign in _SIDES:
        arm_swing = -stride * sign * 0.8
        if fidget.any():
            extra = 35 * np.clip(np.sin(2 * np.pi * t * 0.5 + sign), 0, None)
            arm_swing = np.where(fidget, arm_swing + extra, arm_swing)
        wrist = sk[side, "shoulder"] + _sag(180 - arm_swing, body.arm * 0.97) + left * sign * 0.05
        _arm_ik(sk, body, side, wrist, np.broadcast_to(_vec(-1, 0, 0), (n, 3)))
    return sk.p, hip_mid


def _walk_and_face(p: np.ndarray, hip_mid: np.ndarray, t: np.ndarray, walk_speed: float,
                   facing: float) -> None:  # fmt: skip
    """In place on one segment ``(n, 33, 3)``: carry a walker ``walk_speed`` m/s across the
    scene (ending where the set is), then turn the pose to ``facing`` degrees about the
    vertical through ``hip_mid`` ``(n, 3)``."""
    if walk_speed:
        p[:, :, 2] += (t * walk_speed)[:, None] - t[-1] * walk_speed  # across the scene
    if facing:
        p[:] = _rotate_about_vertical(p, np.full(len(p), facing), hip_mid)


def _rotate_about_vertical(p: np.ndarray, yaw_deg: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Rotate ``(T, K, 3)`` points by ``yaw`` (T,) about the vertical through ``centre`` (T, 3)."""
    y = np.radians(yaw_deg)[:, None]
    c, s = np.cos(y), np.sin(y)
    rel = p - centre[:, None, :]
    out = p.copy()
    out[..., 0] = centre[:, None, 0] + c * rel[..., 0] - s * rel[..., 2]
    out[..., 2] = centre[:, None, 2] + s * rel[..., 0] + c * rel[..., 2]
    return out


# --------------------------------------------------------------------------------------------
# Completing the 33 landmarks: face, hands and feet from the main joints
# --------------------------------------------------------------------------------------------
#: Face points and their offsets from the head centre (anterior, up, left; metres at 1.75 m).
_FACE_OFFSETS: dict[PoseLandmark, tuple[float, float, float]] = {
    L.NOSE: (0.10, 0.0, 0.0),
    **{
        L[f"{side}_{name}"]: (a, u, sign * s)
        for side, sign in (("LEFT", 1.0), ("RIGHT", -1.0))
        for name, (a, u, s) in {
            "EYE_INNER": (0.085, 0.035, 0.015),
            "EYE": (0.08, 0.037, 0.032),
            "EYE_OUTER": (0.07, 0.037, 0.045),
            "EAR": (-0.005, 0.02, 0.075),
        }.items()
    },
    L.MOUTH_LEFT: (0.085, -0.045, 0.025),
    L.MOUTH_RIGHT: (0.085, -0.045, -0.025),
}
_FACE_POINTS = np.array(list(_FACE_OFFSETS), dtype=np.intp)
_FACE = np.array(list(_FACE_OFFSETS.values()))  # (11, 3)


def complete_landmarks(p: np.ndarray, body: Body) -> np.ndarray:
    """Fill face, hand and foot landmarks of ``(T, 33, 3)`` from the main joints."""
    k = body.height / 1.75
    sh_mid = (p[:, L.LEFT_SHOULDER] + p[:, L.RIGHT_SHOULDER]) / 2
    hip_mid = (p[:, L.LEFT_HIP] + p[:, L.RIGHT_HIP]) / 2
    left = _normalize(p[:, L.LEFT_SHOULDER] - p[:, L.RIGHT_SHOULDER]
                      + p[:, L.LEFT_HIP] - p[:, L.RIGHT_HIP])  # fmt: skip
    up = _normalize(sh_mid - hip_mid)
    ant = _normalize(_cross(up, left))
    head = sh_mid + up * body.neck + ant * 0.02 * k

    # every face point at once: (T, 11, 3) from the head's axes and each point's offsets
    a, u, s = (_FACE[None, :, i, None] for i in range(3))
    offsets = ant[:, None] * a + up[:, None] * u + left[:, None] * s
    p[:, _FACE_POINTS] = head[:, None] + offsets * k
    for side, sign in (("LEFT", 1.0), ("RIGHT", -1.0)):
        wrist, elbow = p[:, L[f"{side}_WRIST"]], p[:, L[f"{side}_ELBOW"]]
        f = _normalize(wrist - elbow)
        out = left * sign
        p[:, L[f"{side}_PINKY"]] = wrist + (f * 0.075 + out * 0.025) * k
        p[:, L[f"{side}_INDEX"]] = wrist + (f * 0.085 - out * 0.012) * k
        p[:, L[f"{side}_THUMB"]] = wrist + (f * 0.045 - out * 0.035) * k
        ankle, knee = p[:, L[f"{side}_ANKLE"]], p[:, L[f"{side}_KNEE"]]
        s = _normalize(knee - ankle)
        foot_dir = _normalize(_cross(s, left))
        p[:, L[f"{side}_HEEL"]] = ankle - foot_dir * 0.055 * k - s * 0.045 * k
        p[:, L[f"{side}_FOOT_INDEX"]] = ankle + foot_dir * body.foot * 0.72 - s * 0.05 * k
    return p


#: How far (torso lengths) MediaPipe's shoulder points rise with the arm raised overhead.
SHOULDER_RISE = 0.14


def shoulders_as_seen(p: np.ndarray) -> np.ndarray:
    """``(T, 33, 3)`` joints with the shoulders where MediaPipe puts them (a copy).

    MediaPipe's shoulder points ride up with the arm: a raised arm lifts the shoulder girdle
    and the point follows the deltoid. In the real windows the nose comes about
    :data:`SHOULDER_RISE` torso lengths nearer the shoulder line when the elbows are overhead
    than when they hang, and the upper arm looks that much shorter; the generator's joints are
    the anatomical centres, so the points are lifted here, for the camera only.
    """
    p = p.copy()
    sh_mid = (p[:, L.LEFT_SHOULDER] + p[:, L.RIGHT_SHOULDER]) / 2
    trunk = sh_mid - (p[:, L.LEFT_HIP] + p[:, L.RIGHT_HIP]) / 2
    length = _norm(trunk)[:, None]
    up = _normalize(trunk)
    for side in ("LEFT", "RIGHT"):
        sh = p[:, L[f"{side}_SHOULDER"]]
        arm = _normalize(p[:, L[f"{side}_ELBOW"]] - sh)
        lift = np.clip(_dot(arm, up), 0.0, 1.0)[:, None]  # 0 level, 1 overhead
        p[:, L[f"{side}_SHOULDER"]] = sh + (up + arm) / 2 * (SHOULDER_RISE * length * lift)
    return p


# --------------------------------------------------------------------------------------------
# Camera
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Camera:
    """A pinhole camera looking at ``target`` from ``yaw`` degrees around the subject."""

    yaw: float
    distance: float
    height: float
    fov_v: float  # vertical field of view, degrees
    roll: float
    image_size: tuple[int, int]
    target: tuple[float, float, float]
    mirrored: bool = False

    def summary(self) -> dict[str, float]:
        """What a clip's truth records of its camera."""
        return {"yaw": self.yaw, "distance": self.distance, "height": self.height,
                "fov_v": self.fov_v, "roll": self.roll}  # fmt: skip

    def basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Position, right, down and forward unit vectors ``(3,)`` each (computed once)."""
        return self._basis

    @functools.cached_property
    def _basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        # plain floats: numpy's per-call cost on 3-vectors is most of a camera fit's time
        y = math.radians(self.yaw)
        tx, ty, tz = self.target
        px, py, pz = (tx + math.cos(y) * self.distance, self.height,
                      tz + math.sin(y) * self.distance)  # fmt: skip
        fx, fy, fz = _unit_floats(tx - px, ty - py, tz - pz)
        rx, ry, rz = _unit_floats(-fz, 0.0, fx)  # forward x up
        dx, dy, dz = fy * rz - fz * ry, fz * rx - fx * rz, fx * ry - fy * rx  # forward x right
        c, s = math.cos(math.radians(self.roll)), math.sin(math.radians(self.roll))
        right = (c * rx + s * dx, c * ry + s * dy, c * rz + s * dz)
        down = (-s * rx + c * dx, -s * ry + c * dy, -s * rz + c * dz)
        return (np.array([px, py, pz]), np.array(right), np.array(down), np.array([fx, fy, fz]))

    def project(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points ``(..., 3)`` -> normalised image x, y ``(..., 2)`` and depth ``(...)``."""
        pos, right, down, fwd = self.basis()
        axes = np.stack([right, down, fwd], axis=1)
        # rows of (3, N), never (N, 3) - pos: numpy is slow on a last axis of length 3
        xc, yc, zc = axes.T @ p.reshape(-1, 3).T - (pos @ axes)[:, None]
        w, h = self.image_size
        f = (h / 2) / math.tan(math.radians(self.fov_v) / 2)
        zc = np.maximum(zc, 0.05)
        xy = np.empty((zc.size, 2))
        xy[:, 0] = (f * xc / zc + w / 2) / w
        xy[:, 1] = (f * yc / zc + h / 2) / h
        return xy.reshape(*p.shape[:-1], 2), zc.reshape(p.shape[:-1])


def _fit_camera(p: np.ndarray, framed: np.ndarray, yaw: float, rng: np.random.Generator,
                image_size: tuple[int, int], fill: float,
                height_frac: float) -> Camera:  # fmt: skip
    """Choose distance and aim so the ``framed`` frames ``(T,)`` of ``p`` fill ``fill`` of the
    picture."""
    frames = np.flatnonzero(framed)
    p = p[frames[:: max(1, len(frames) // 60)]]  # a subsample bounds the clip well enough
    lo, hi = p.reshape(-1, 3).min(0), p.reshape(-1, 3).max(0)
    centre = (lo + hi) / 2
    fov = float(rng.uniform(50, 70))
    cam_h = lo[1] + (hi[1] - lo[1]) * height_frac
    cam = Camera(yaw=yaw, distance=3.0, height=cam_h, fov_v=fov, roll=float(rng.normal(0, 1.5)),
                 image_size=image_size, target=tuple(centre))  # fmt: skip
    for _ in range(3):
        xy, _ = cam.project(p.reshape(-1, 3))
        span = max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]))
        dist = cam.distance * span / fill
        cam = Camera(yaw=yaw, distance=float(np.clip(dist, 1.2, 12)), height=cam_h, fov_v=fov,
                     roll=cam.roll, image_size=image_size, target=tuple(centre))  # fmt: skip
    return cam


# --------------------------------------------------------------------------------------------
# Phases and timing
# --------------------------------------------------------------------------------------------
def _min_jerk(x: np.ndarray) -> np.ndarray:
    return x**3 * (10 - 15 * x + 6 * x**2)


def _rep_phase(rng: np.random.Generator, fps: float, tempo: float) -> tuple[np.ndarray, int, int]:
    """One rep's phase 0 -> 1 -> 0 with pauses; returns (phase, bottom index, length)."""
    down = max(tempo * rng.uniform(0.38, 0.55), 0.35)
    up = max(tempo * rng.uniform(0.3, 0.45), 0.3)
    pause = tempo - down - up
    pause_b = max(pause * rng.uniform(0.2, 0.8), 0.0) if rng.random() < 0.7 else 0.0
    nd, nu, nb = (
        max(int(round(down * fps)), 6),
        max(int(round(up * fps)), 6),
        int(round(pause_b * fps)),
    )
    desc = _min_jerk(np.linspace(0, 1, nd, endpoint=False))
    asc = _min_jerk(np.linspace(1, 0, nu + 1))
    ph = np.concatenate([desc, np.ones(nb + 1), asc])
    bottom = nd + nb // 2
    return ph, bottom, len(ph)


def _hold(params: list[dict[str, float]], spans: list[tuple[int, int]], n: int,
          fill: dict[str, float]) -> dict[str, np.ndarray]:  # fmt: skip
    """Per-rep parameters held over each rep's frames, ``fill`` elsewhere, then smoothed."""
    out: dict[str, np.ndarray] = {}
    for key in fill:
        arr = np.full(n, fill[key], dtype=float)
        for prm, (s, e) in zip(params, spans, strict=True):
            arr[s:e] = prm[key]
        # the values between reps are the neighbouring reps' (no jump at the top)
        if spans:
            arr[: spans[0][0]] = params[0][key]
            for (_, e0), (s1, _), p0 in zip(spans[:-1], spans[1:], params[:-1], strict=True):
                arr[e0:s1] = p0[key]
            arr[spans[-1][1] :] = params[-1][key]
        k = 7
        pad = np.pad(arr, k, mode="edge")
        out[key] = np.convolve(pad, np.ones(2 * k + 1) / (2 * k + 1), mode="same")[k:-k]
    return out


# --------------------------------------------------------------------------------------------
# Noise, visibility, dropouts, swaps
# --------------------------------------------------------------------------------------------
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


def _visibility(
    p: np.ndarray, cam: Camera, xy: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe-like visibility ``(T, 33)`` and the side score ``(T,)`` (+1: the left side
    faces the camera): limbs on the far side fall towards 0 as the body turns side-on (see
    :func:`_hide_slope`), off-image points low; the noise is slow, in logit units."""
    pos, *_ = cam.basis()
    left = _normalize(p[:, L.LEFT_SHOULDER] - p[:, L.RIGHT_SHOULDER]
                      + p[:, L.LEFT_HIP] - p[:, L.RIGHT_HIP])  # fmt: skip
    to_cam = _normalize(pos - _mean_of_points(p))
    side_score = _dot(left, to_cam)  # +1: the left side faces the camera
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


def _add_noise(xy: np.ndarray, side_score: np.ndarray, rng: np.random.Generator,
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


def _dropouts_and_swaps(lm: np.ndarray, rng: np.random.Generator, rate: float) -> np.ndarray:
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


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def _check_args(exercise: str, n_reps: int | Sequence[int], view: str | None,
                errors: Any, fps: float) -> list[int]:  # fmt: skip
    if exercise not in _POSES:
        raise ValueError(f"unknown exercise {exercise!r}; choose one of {list(EXERCISES)}")
    sets = [n_reps] if isinstance(n_reps, int | np.integer) else list(n_reps)
    if not sets or any((not isinstance(s, int | np.integer)) or s < 0 for s in sets):
        raise ValueError(
            f"n_reps must be an integer >= 0 (or a list of them per set), got {n_reps!r}"
        )
    if view is not None and view not in VIEWS and view != "side":
        raise ValueError(f"unknown view {view!r}; choose one of {list(VIEWS)} or 'side'")
    lo, hi = FPS_RANGE
    if not lo <= fps <= hi:
        raise ValueError(f"fps must be between {lo:g} and {hi:g}, got {fps}")
    return [int(s) for s in sets]


def _rep_errors(exercise: str, errors: Any, n_total: int, rng: np.random.Generator,
                error_rate: float) -> list[tuple[str, ...]]:  # fmt: skip
    allowed = EXERCISE_ERRORS[exercise]

    def check(names: Sequence[str]) -> tuple[str, ...]:
        for name in names:
            if name not in ERROR_NAMES:
                raise ValueError(f"unknown error name {name!r}; known: {list(ERROR_NAMES)}")
            if name not in allowed:
                raise ValueError(
                    f"error {name!r} does not apply to {exercise}; it can have {list(allowed)}"
                )
        for group in _EXCLUSIVE:
            if len(group & set(names)) > 1:
                raise ValueError(f"errors {sorted(group)} exclude each other in one rep")
        return tuple(names)

    if errors is None:
        out = []
        for _ in range(n_total):
            if rng.random() < error_rate:
                out.append(check((allowed[int(rng.integers(0, len(allowed)))],)))
            else:
                out.append(())
        return out
    if isinstance(errors, str):
        raise ValueError(
            f"errors must be a list of names or a list per rep, got the string {errors!r}"
        )
    errors = list(errors)
    if all(isinstance(e, str) for e in errors):  # [] = every rep good
        return [check(errors)] * n_total  # the same errors on every rep
    if len(errors) != n_total:
        raise ValueError(
            f"errors per rep: expected {n_total} entries (one per rep), got {len(errors)}"
        )
    return [check(list(e)) for e in errors]


def _pick_setup(rng: np.random.Generator, view: str | None, image_size: tuple[int, int] | None,
                mirrored: bool | None) -> tuple[str, tuple[int, int], bool]:  # fmt: skip
    """The camera view, picture size and mirroring: the given ones, else drawn from ``rng``
    (``view`` None = a standard view, ``"side"`` = left or right)."""
    if view is None:
        view = STANDARD_VIEWS[int(rng.integers(0, len(STANDARD_VIEWS)))]
    if view == "side":
        view = ("left", "right")[int(rng.integers(0, 2))]
    if image_size is None:
        image_size = IMAGE_SIZES[int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
    if mirrored is None:
        mirrored = bool(rng.random() < 0.3)
    return view, image_size, mirrored


def camera_yaw(exercise: str, view: str) -> float:
    """The camera's direction (degrees about the vertical) for a named view of an exercise.

    A bench press is filmed from beside the bench or from its foot end (the rack and the bar
    stand at the head end), so its front and diagonal views look from the feet: the lying
    person's hips come nearer the camera than the shoulders, as in the seed's phone takes.
    """
    yaw = VIEWS[view]
    return 180.0 - yaw if exercise == "bench_press" else yaw


def _film(p: np.ndarray, framed: np.ndarray, rng: np.random.Generator, *, yaw: float,
          image_size: tuple[int, int], mirrored: bool, noise: float,
          camera_height: float | None) -> tuple[np.ndarray, Camera]:  # fmt: skip
    """World joints ``(T, 33, 3)`` -> MediaPipe-like landmarks ``(T, 33, 4)`` and the camera.

    The camera looks from ``yaw`` (:func:`camera_yaw`) and is fitted to the ``framed`` frames;
    visibility, noise, dropouts and swaps as MediaPipe's; frames with most of the body outside
    the picture empty.
    """
    yaw = yaw + float(rng.normal(0, 4))
    fill = float(rng.uniform(0.45, 0.85))
    height_frac = float(rng.uniform(0.25, 0.75))  # drawn always: the seed's clip stays the same
    if camera_height is not None:
        height_frac = float(camera_height)
    p = shoulders_as_seen(p)
    cam = _fit_camera(p, framed, yaw, rng, image_size, fill=fill, height_frac=height_frac)
    xy, depth = cam.project(p)
    vis, side_score = _visibility(p, cam, xy, rng)
    hip_depth = (depth[:, L.LEFT_HIP] + depth[:, L.RIGHT_HIP]) / 2
    f = (image_size[1] / 2) / math.tan(math.radians(cam.fov_v) / 2)
    z = (depth - hip_depth[:, None]) * f / hip_depth[:, None] / image_size[0] * 1.8
    if noise > 0:
        xy = _add_noise(xy, side_score, rng, noise * clip_jitter(rng))
        z = z + rng.normal(0, 0.03 * noise, z.shape)
    lm = np.empty((*z.shape, 4), dtype=np.float32)  # x, y, z, visibility
    lm[..., :2], lm[..., 2], lm[..., 3] = xy, z, vis
    if noise > 0:
        lm = _dropouts_and_swaps(lm, rng, noise)
    # MediaPipe finds nobody when most of the body is outside the picture
    main = xy[:, list(MAIN_JOINTS)]
    inside = np.count_nonzero(((main >= 0) & (main <= 1)).all(axis=-1), axis=1) / main.shape[1]
    lm[inside < 0.5] = 0.0
    if mirrored:
        lm = flip_horizontal(lm)
    return lm, cam


#: The generator's kinds of z: the true depth, or MediaPipe's guess (:mod:`gymlib.depth`).
DEPTHS: tuple[str, ...] = ("true", "mediapipe")
#: what a generator's ``depth=`` takes: one of :data:`DEPTHS` or a fitted model
Depth = Literal["true", "mediapipe"] | DepthModel


def _check_depth(depth: object) -> None:
    if not isinstance(depth, DepthModel) and depth not in DEPTHS:
        raise ValueError(f"depth must be 'true', 'mediapipe' or a DepthModel, got {depth!r}")


def _apply_depth(lm: np.ndarray, depth: str | DepthModel, fps: float,
                 rng: np.random.Generator, noise: float) -> None:  # fmt: skip
    """Replace the true depth in ``lm`` ``(T, 33, 4)`` by MediaPipe's kind unless ``depth`` is
    ``"true"``. Drawn last: x, y and visibility stay those of ``depth="true"``."""
    if isinstance(depth, DepthModel) or depth == "mediapipe":
        model = depth if isinstance(depth, DepthModel) else load_depth_model()
        lm[..., 2] = model.predict(lm, fps=fps, rng=rng, residual=noise)


def generate_clip(
    exercise: str,
    n_reps: int | Sequence[int],
    *,
    seed: int,
    view: str | None = None,
    errors: Sequence[str] | Sequence[Sequence[str]] | None = None,
    fps: float = 30.0,
    idle: bool = True,
    image_size: tuple[int, int] | None = None,
    mirrored: bool | None = None,
    tempo: tuple[float, float] = (1.2, 4.0),
    noise: float = 1.0,
    error_rate: float = 0.0,
    body: Body | None = None,
    keep_world: bool = False,
    camera_height: float | None = None,
    depth: Depth = "true",
) -> SyntheticClip:
    """Generate one session of ``exercise`` with exact ground truth.

    ``n_reps`` is the number of reps of one set, or a list with one entry per set (rests in
    between). ``view`` is one of :data:`VIEWS` (``"side"`` = left or right at random; None =
    random among the standard views). ``errors``: None (good reps, or random errors at
    ``error_rate``), a list of error names for every rep, or one list per rep. ``idle`` adds
    walking in, standing, setting up and resting around and between the sets. ``noise`` scales
    the calibrated MediaPipe-like noise (0 = clean). ``body`` replaces the sampled body (the
    renderer passes the mesh's own segment lengths); ``keep_world`` keeps the noise-free 3-D
    joints and the camera on the clip. ``camera_height`` places the camera at that fraction of
    the person's vertical extent (0 = floor, 1 = top of the head, above 1 = looking down; default
    random in 0.25-0.75). ``depth``: z as the true depth of each landmark behind the hips
    (``"true"``, on MediaPipe's scale) or as MediaPipe's network would guess it from the 2-D
    pose (``"mediapipe"``: :mod:`gymlib.depth`'s model calibrated on real windows, or a
    :class:`~gymlib.depth.DepthModel` of one's own).
    """
    sets = _check_args(exercise, n_reps, view, errors, fps)
    _check_depth(depth)
    keep_freed_memory()  # a quarter of the time went to page faults on re-used memory
    rng = np.random.default_rng(seed)
    sampled = Body.sample(rng)  # drawn even when replaced, so the rest of the clip is the same
    body = sampled if body is None else body
    style = _clip_style(exercise, body, rng)
    n_total = sum(sets)
    rep_errors = _rep_errors(exercise, errors, n_total, rng, error_rate)
    view, image_size, mirrored = _pick_setup(rng, view, image_size, mirrored)
    tempo_lo, tempo_hi = tempo
    if not 0.5 <= tempo_lo <= tempo_hi <= 8:
        raise ValueError(f"tempo must be (low, high) seconds per rep within 0.5-8, got {tempo}")
    pose_fn = _POSES[exercise]

    # --- timeline of the exercise phase --------------------------------------------------------
    segments: list[tuple[str, int]] = []  # (kind, n_frames) for the idle parts
    phase_parts: list[np.ndarray] = []
    reps_frames: list[tuple[int, int, int]] = []
    idle_spans: list[tuple[int, int, str]] = []
    cursor = 0

    def add_idle(kind: str, seconds: float) -> None:
        nonlocal cursor
        k = max(int(round(seconds * fps)), 1)
        phase_parts.append(np.zeros(k))
        idle_spans.append((cursor, cursor + k, kind))
        segments.append((kind, k))
        cursor += k

    def add_top(seconds: float) -> None:
        nonlocal cursor
        k = max(int(round(seconds * fps)), 1)
        phase_parts.append(np.zeros(k))
        segments.append(("top", k))
        cursor += k

    if idle:
        add_idle("walk_in", rng.uniform(1.2, 2.5))
        add_idle("standing", rng.uniform(0.8, 2.0))
        add_idle("setup", rng.uniform(1.0, 2.0))
    for si, n_set in enumerate(sets):
        if si > 0:
            add_idle("setup_out", rng.uniform(0.8, 1.5))
            add_idle("resting", rng.uniform(2.0, 4.0))
            add_idle("setup", rng.uniform(1.0, 2.0))
        add_top(rng.uniform(0.3, 0.8))
        for _ in range(n_set):
            ph, bottom, k = _rep_phase(rng, fps, rng.uniform(tempo_lo, tempo_hi))
            phase_parts.append(ph)
            segments.append(("rep", k))
            reps_frames.append((cursor, cursor + bottom, cursor + k - 1))
            cursor += k
            if rng.random() < 0.4:
                add_top(rng.uniform(0.1, 0.8))
        add_top(rng.uniform(0.3, 0.8))
    if idle:
        add_idle("setup_out", rng.uniform(0.8, 1.5))
        add_idle("resting", rng.uniform(1.0, 2.5))
    phase = np.concatenate(phase_parts) if phase_parts else np.zeros(1)
    n = len(phase)

    # --- per-frame parameters, exercise pose ---------------------------------------------------
    rep_params = [_rep_params(exercise, e, rng, style) for e in rep_errors]
    if not rep_params:
        rep_params = [_rep_params(exercise, (), rng, style)]
        spans: list[tuple[int, int]] = [(0, 0)]
    else:
        spans = [(s, e + 1) for s, _, e in reps_frames]
    fill = {k: v for k, v in rep_params[0].items()}
    prm = _hold(rep_params, spans, n, fill)
    p = pose_fn(body, phase, prm, style)

    # --- idle postures blended in -------------------------------------------------------------
    if idle:
        p = _blend_idle(p, exercise, body, segments, rng, fps)
    p = complete_landmarks(p, body)

    # --- camera -------------------------------------------------------------------------------
    framed = np.ones(n, bool)
    for s_, e_, kind in idle_spans:
        if kind == "walk_in":
            framed[s_:e_] = False  # the person walks in from outside the picture
    lm, cam = _film(p, framed, rng, yaw=camera_yaw(exercise, view), image_size=image_size,
                    mirrored=mirrored, noise=noise, camera_height=camera_height)  # fmt: skip
    _apply_depth(lm, depth, fps, rng, noise)
    reps = [
        RepTruth(s, b, e, tuple(err), float(prm_i["rom"]))
        for (s, b, e), err, prm_i in zip(reps_frames, rep_errors, rep_params, strict=False)
    ]
    return SyntheticClip(
        landmarks=lm,
        fps=float(fps),
        exercise=exercise,
        view=view,
        reps=reps,
        idle=idle_spans,
        image_size=tuple(image_size),
        mirrored=mirrored,
        seed=seed,
        camera=cam.summary(),
        body={"height": body.height, "asym": body.asym},
        world=p.astype(np.float32) if keep_world else None,
        camera_model=cam if keep_world else None,
    )


def _idle_poses(exercise: str, body: Body, segments: list[tuple[str, int]],
                rng: np.random.Generator, fps: float) -> list[np.ndarray]:  # fmt: skip
    """The posture ``(k, 33, 3)`` of each idle segment, in order, before it is blended into the
    exercise's start pose: walking in, or standing with fidgeting arms. All segments are made
    in one batch (a clip has several short ones)."""
    if not segments:
        return []
    facing = 180.0 if exercise == "bench_press" else 0.0
    speeds, times, sway_f, sway_ph = [], [], [], []
    for kind, k in segments:
        speeds.append(
            float(rng.choice([-1, 1]) * rng.uniform(0.6, 1.0)) if kind == "walk_in" else 0.0
        )
        times.append(np.arange(k) / fps)
        sway_f.append(np.full(k, rng.uniform(0.2, 0.4)))
        sway_ph.append(np.full(k, rng.uniform(0, 6)))
    walk = np.concatenate([np.full(k, kind == "walk_in") for kind, k in segments])
    p, hip_mid = _standing_frames(body, np.concatenate(times), np.concatenate(sway_f),
                                  np.concatenate(sway_ph), walk, ~walk)  # fmt: skip
    out, cursor = [], 0
    for (kind, k), t, speed in zip(segments, times, speeds, strict=True):
        seg = p[cursor : cursor + k]
        _walk_and_face(seg, hip_mid[cursor : cursor + k], t, speed, facing)
        if kind == "walk_in":  # walking across the view: the walker faces the walking direction
            seg = _rotate_about_vertical(seg, np.full(k, 75.0 * np.sign(speed)),
                                         _mean_of_points(seg))  # fmt: skip
        out.append(seg)
        cursor += k
    return out


_IDLE_KINDS = ("walk_in", "standing", "resting", "setup", "setup_out")


def _blend_idle(p: np.ndarray, exercise: str, body: Body, segments: list[tuple[str, int]],
                rng: np.random.Generator, fps: float) -> np.ndarray:  # fmt: skip
    """Replace idle frames with idle postures; 'setup' segments morph between the two.
    ``p`` is changed in place and returned."""
    start_pose = p[0].copy()
    # where the standing person stands relative to the exercise (beside the bench, under the bar)
    offset = {"bench_press": _vec(-0.3, 0, 0.6), "lat_machine": _vec(0.5, 0, 0.3),
              "push_up": _vec(0.6, 0, 0)}.get(exercise, _vec(0, 0, 0))  # fmt: skip
    idle_segments = [(kind, k) for kind, k in segments if kind in _IDLE_KINDS]
    idle = iter(_idle_poses(exercise, body, idle_segments, rng, fps))
    cursor = 0
    for kind, k in segments:
        sl = slice(cursor, cursor + k)
        if kind in ("walk_in", "standing", "resting"):
            p[sl] = next(idle) + offset
        elif kind in ("setup", "setup_out"):
            stand = next(idle) + offset
            w = _min_jerk(np.linspace(0, 1, k))[:, None, None]
            ex = np.broadcast_to(start_pose, (k, *start_pose.shape))
            p[sl] = (1 - w) * stand + w * ex if kind == "setup" else w * stand + (1 - w) * ex
        cursor += k
    return p


# --------------------------------------------------------------------------------------------
# Not one of the six: idle and other movements the coach must answer "unknown" to
# --------------------------------------------------------------------------------------------
#: Movements that are none of the six exercises.
OTHER_KINDS: tuple[str, ...] = (
    "standing", "walking", "fidgeting", "lunge", "jumping_jack", "arm_circles",
)  # fmt: skip


def _cycles(n: int, fps: float, period: float, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """A smooth 0 -> 1 -> 0 phase repeating every ``period`` seconds and each frame's cycle
    number, both ``(n,)``."""
    t = np.arange(n) / fps
    u = t / (period * rng.uniform(0.9, 1.1)) + rng.uniform(0, 1)
    return np.sin(np.pi * u) ** 2, np.floor(u).astype(int)


def _pose_jumping_jack(body: Body, phase: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(phase)
    sk = Skel(n)
    left = _vec(0, 0, 1)
    hop = 0.06 * np.abs(np.sin(np.pi * 2 * phase))  # off the floor between the two positions
    hips = []
    for side, sign in _SIDES:
        spread = body.hip_width / 2 + phase * rng.uniform(0.25, 0.35)
        ankle = np.stack([np.zeros(n), body.ankle_height + hop, sign * spread], -1)
        hip = np.stack([np.zeros(n), np.zeros(n), np.full(n, sign * body.hip_width / 2)], -1)
        reach = np.sqrt(np.maximum(body.leg**2 * 0.97**2 - (spread - body.hip_width / 2) ** 2,
                                   0.01))  # fmt: skip
        hip[:, 1] = ankle[:, 1] + reach
        knee, ankle = two_link_ik(hip, ankle, body.thigh, body.shank, _vec(1, 0, 0))
        sk[side, "knee"], sk[side, "ankle"] = knee, ankle
        hips.append(hip)
    hip_mid = (hips[0] + hips[1]) / 2
    _set_hips(sk, body, hip_mid, left)
    _trunk_and_shoulders(sk, body, hip_mid, np.full(n, 2.0), left)
    for side, sign in _SIDES:  # arms from the sides to overhead in the frontal plane
        a = np.radians(15 + phase * 150)[:, None]
        wrist = sk[side, "shoulder"] + (-np.cos(a) * _vec(0, 1, 0) + np.sin(a) * left * sign
                                        ) * body.arm * 0.97  # fmt: skip
        _arm_ik(sk, body, side, wrist, np.broadcast_to(_vec(-0.3, -1, 0), (n, 3)))
    return sk.p


def _pose_arm_circles(body: Body, n: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    p = _pose_standing(body, n, rng, fps=fps)
    sk = Skel(n)
    sk.p = p
    left = _vec(0, 0, 1)
    t = np.arange(n) / fps
    w = 2 * np.pi * rng.uniform(0.8, 1.5) * (1 if rng.random() < 0.5 else -1)
    r = rng.uniform(0.08, 0.25)
    for side, sign in _SIDES:
        circle = np.cos(w * t)[:, None] * _vec(1, 0, 0) + np.sin(w * t)[:, None] * _vec(0, 1, 0)
        wrist = sk[side, "shoulder"] + left * sign * body.arm * 0.93 + circle * r
        _arm_ik(sk, body, side, wrist, np.broadcast_to(_vec(0, -1, 0), (n, 3)))
    return sk.p


def _pose_lunge(body: Body, phase: np.ndarray, cycle: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Forward lunges, legs taking turns: step out, sink, push back to standing."""
    n = len(phase)
    sk = Skel(n)
    left = _vec(0, 0, 1)
    step = rng.uniform(0.55, 0.8) * body.leg / 0.9
    lead = np.where(cycle % 2 == 0, 1.0, -1.0)  # +1: the left leg steps out
    hip_mid = np.stack([step * 0.5 * phase, body.ankle_height + body.leg * (0.97 - 0.4 * phase),
                        np.zeros(n)], -1)  # fmt: skip
    _set_hips(sk, body, hip_mid, left)
    for side, sign in _SIDES:
        front = (lead * sign) > 0
        ankle = np.stack([np.where(front, step * phase, 0.0), np.full(n, body.ankle_height),
                          np.full(n, sign * body.hip_width / 2)], -1)  # fmt: skip
        hint = np.where(front[:, None], _vec(1, 0, 0), _vec(1, -0.5, 0))
        knee, ankle = two_link_ik(sk[side, "hip"], ankle, body.thigh, body.shank, hint)
        sk[side, "knee"], sk[side, "ankle"] = knee, ankle
    _trunk_and_shoulders(sk, body, hip_mid, np.full(n, 4.0), left)
    for side, sign in _SIDES:
        wrist = sk[side, "shoulder"] + _vec(0.02, -body.arm * 0.96, 0) + left * sign * 0.05
        _arm_ik(sk, body, side, wrist, np.broadcast_to(_vec(-1, 0, 0), (n, 3)))
    return sk.p


def generate_other(
    kind: str,
    seconds: float = 8.0,
    *,
    seed: int,
    view: str | None = None,
    fps: float = 30.0,
    image_size: tuple[int, int] | None = None,
    mirrored: bool | None = None,
    noise: float = 1.0,
    camera_height: float | None = None,
    depth: Depth = "true",
) -> SyntheticClip:
    """A clip of a movement that is none of the six (:data:`OTHER_KINDS`), for "unknown".

    Same body, camera, MediaPipe-like noise model and ``depth`` choice as :func:`generate_clip`;
    ``exercise`` is ``"other"``, there are no reps, and the whole clip is one idle segment named
    ``kind``.
    """
    _check_depth(depth)
    if kind not in OTHER_KINDS:
        raise ValueError(f"unknown movement {kind!r}; expected one of {', '.join(OTHER_KINDS)}")
    if not 1.0 <= seconds <= 600:
        raise ValueError(f"seconds must be within 1-600, got {seconds}")
    keep_freed_memory()
    rng = np.random.default_rng([seed, 4099])
    body = Body.sample(rng)
    n = int(round(seconds * fps))
    if view is not None and view != "side" and view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; expected 'side' or one of {', '.join(VIEWS)}")
    view, image_size, mirrored = _pick_setup(rng, view, image_size, mirrored)
    if kind in ("standing", "fidgeting"):
        p = _pose_standing(body, n, rng, fidget=kind == "fidgeting", fps=fps,
                           facing=float(rng.uniform(-30, 30)))  # fmt: skip
    elif kind == "walking":
        p = _pose_standing(body, n, rng, walk_speed=float(rng.uniform(0.4, 0.9)), fps=fps,
                           facing=float(rng.choice([0.0, 90.0, -90.0])))  # fmt: skip
    elif kind == "jumping_jack":
        p = _pose_jumping_jack(body, _cycles(n, fps, rng.uniform(0.7, 1.2), rng)[0], rng)
    elif kind == "arm_circles":
        p = _pose_arm_circles(body, n, fps, rng)
    else:
        p = _pose_lunge(body, *_cycles(n, fps, rng.uniform(1.6, 3.0), rng), rng)
    p = complete_landmarks(p, body)
    lm, cam = _film(p, np.ones(n, bool), rng, yaw=VIEWS[view], image_size=image_size,
                    mirrored=mirrored, noise=noise, camera_height=camera_height)  # fmt: skip
    _apply_depth(lm, depth, fps, rng, noise)
    return SyntheticClip(
        landmarks=lm, fps=float(fps), exercise="other", view=view, reps=[],
        idle=[(0, n, kind)], image_size=tuple(image_size), mirrored=mirrored, seed=seed,
        camera=cam.summary(),
        body={"height": body.height, "asym": body.asym},
    )  # fmt: skip


def generate_dataset(
    n_clips: int | None = None,
    *,
    seed: int,
    size: Literal["tiny", "small", "full"] = "small",
    exercises: Sequence[str] = EXERCISES,
    views: Sequence[str] = STANDARD_VIEWS,
    error_rate: float = 0.25,
    idle: bool = True,
    fps: float | Sequence[float] = 30.0,
    depth: Depth = "true",
) -> list[SyntheticClip]:
    """Clips spread evenly over exercises and views; ``size`` presets the count and rep range.
    ``fps``: one frame rate for every clip, or several to draw each clip's from (e.g.
    :data:`CAMERA_FPS`): a 30-frame window then spans 0.5-1.2 s of movement, as from real
    cameras. ``depth``: as :func:`generate_clip`."""
    if size not in SIZE_PRESETS:
        raise ValueError(f"size must be one of {list(SIZE_PRESETS)}, got {size!r}")
    preset = SIZE_PRESETS[size]
    n = preset["n_clips"] if n_clips is None else n_clips
    if n < 0:
        raise ValueError(f"n_clips must be >= 0, got {n}")
    for ex in exercises:
        if ex not in _POSES:
            raise ValueError(f"unknown exercise {ex!r}; choose from {list(EXERCISES)}")
    rates = [float(fps)] if np.isscalar(fps) else [float(f) for f in fps]  # type: ignore[arg-type]
    lo, hi = FPS_RANGE
    if not rates or not all(lo <= f <= hi for f in rates):
        raise ValueError(
            f"fps must be one frame rate or several, each within {lo:g}-{hi:g}, got {fps!r}"
        )
    rng = np.random.default_rng(seed)
    clips = []
    for i in range(n):
        ex = exercises[i % len(exercises)]
        view = views[(i // len(exercises)) % len(views)]
        n_reps, clip_seed = (
            int(rng.integers(1, preset["max_reps"] + 1)),
            int(rng.integers(0, 2**31)),
        )
        # one rate: no draw, so a dataset at 30 fps is the same as before rates could vary
        rate = rates[0] if len(rates) == 1 else rates[int(rng.integers(0, len(rates)))]
        clips.append(generate_clip(
            ex, n_reps, seed=clip_seed, view=view, idle=idle, fps=rate, error_rate=error_rate,
            depth=depth,
        ))  # fmt: skip
    return clips


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
