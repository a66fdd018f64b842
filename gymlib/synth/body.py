"""The body: segment lengths, the skeleton under construction, limbs placed from angles or
by inverse kinematics, and the 33 landmarks completed from the main joints."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gymlib.landmarks import NUM_LANDMARKS, PoseLandmark
from gymlib.synth.geometry import cross, normalize, sag, two_link_ik

L = PoseLandmark


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
SIDES = (("L", +1.0), ("R", -1.0))
_JOINT_NAMES = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")


def _lm(side: str, joint: str) -> PoseLandmark:
    return PoseLandmark[("LEFT_" if side == "L" else "RIGHT_") + joint.upper()]


_SLOT: dict[tuple[str, str], int] = {
    (side, joint): int(_lm(side, joint)) for side, _ in SIDES for joint in _JOINT_NAMES
}


class Skel:
    """Main joint positions ``(T, 33, 3)`` under construction (only the main slots are used)."""

    def __init__(self, n: int) -> None:
        self.p = np.zeros((n, NUM_LANDMARKS, 3))

    def __setitem__(self, key: tuple[str, str], value: np.ndarray) -> None:
        self.p[:, _SLOT[key]] = value

    def __getitem__(self, key: tuple[str, str]) -> np.ndarray:
        return self.p[:, _SLOT[key]]


def legs_from_angles(
    sk: Skel, body: Body, side: str, sign: float, ankle: np.ndarray, shank: np.ndarray,
    thigh: np.ndarray, scale: float, knee_out: np.ndarray | float = 0.0,
) -> np.ndarray:  # fmt: skip
    """Ankle fixed; shank lean and thigh angle (from vertical, thigh leaning back) -> hip."""
    knee = ankle + sag(shank, body.shank * scale)
    knee[:, 2] += sign * np.asarray(knee_out)
    th = np.radians(thigh)
    hip = knee + np.stack(
        [-np.sin(th) * body.thigh * scale, np.cos(th) * body.thigh * scale, np.zeros_like(th)], -1
    )
    sk[side, "ankle"] = ankle
    sk[side, "knee"] = knee
    return hip


def trunk_and_shoulders(sk: Skel, body: Body, hip_mid: np.ndarray, lean: np.ndarray,
                        left: np.ndarray) -> np.ndarray:  # fmt: skip
    sh_mid = hip_mid + sag(lean, body.trunk)
    for side, sign in SIDES:
        sk[side, "shoulder"] = sh_mid + left * sign * body.shoulder_width / 2
    return sh_mid


def set_hips(sk: Skel, body: Body, hip_mid: np.ndarray, left: np.ndarray) -> None:
    for side, sign in SIDES:
        sk[side, "hip"] = hip_mid + left * sign * body.hip_width / 2


def arm_ik(sk: Skel, body: Body, side: str, wrist: np.ndarray, hint: np.ndarray) -> None:
    scale = body.asym if side == "R" else 1.0
    elbow, wrist = two_link_ik(
        sk[side, "shoulder"], wrist, body.upper_arm * scale, body.forearm * scale, hint
    )
    sk[side, "elbow"] = elbow
    sk[side, "wrist"] = wrist


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
    left = normalize(p[:, L.LEFT_SHOULDER] - p[:, L.RIGHT_SHOULDER]
                      + p[:, L.LEFT_HIP] - p[:, L.RIGHT_HIP])  # fmt: skip
    up = normalize(sh_mid - hip_mid)
    ant = normalize(cross(up, left))
    head = sh_mid + up * body.neck + ant * 0.02 * k

    # every face point at once: (T, 11, 3) from the head's axes and each point's offsets
    a, u, s = (_FACE[None, :, i, None] for i in range(3))
    offsets = ant[:, None] * a + up[:, None] * u + left[:, None] * s
    p[:, _FACE_POINTS] = head[:, None] + offsets * k
    for side, sign in (("LEFT", 1.0), ("RIGHT", -1.0)):
        wrist, elbow = p[:, L[f"{side}_WRIST"]], p[:, L[f"{side}_ELBOW"]]
        f = normalize(wrist - elbow)
        out = left * sign
        p[:, L[f"{side}_PINKY"]] = wrist + (f * 0.075 + out * 0.025) * k
        p[:, L[f"{side}_INDEX"]] = wrist + (f * 0.085 - out * 0.012) * k
        p[:, L[f"{side}_THUMB"]] = wrist + (f * 0.045 - out * 0.035) * k
        ankle, knee = p[:, L[f"{side}_ANKLE"]], p[:, L[f"{side}_KNEE"]]
        s = normalize(knee - ankle)
        foot_dir = normalize(cross(s, left))
        p[:, L[f"{side}_HEEL"]] = ankle - foot_dir * 0.055 * k - s * 0.045 * k
        p[:, L[f"{side}_FOOT_INDEX"]] = ankle + foot_dir * body.foot * 0.72 - s * 0.05 * k
    return p
