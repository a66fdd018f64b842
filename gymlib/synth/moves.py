"""Movements that are none of the six, done as counted reps with truth: for teaching the coach
a new exercise (issue 42) and measuring it.

:func:`generate_movement` makes a session of one of :data:`NEW_MOVEMENTS` the way
:func:`~gymlib.synth.generate.generate_clip` makes one of the six (the same body, timeline of
reps, idle parts, camera, noise and depth), with each rep's truth. The six's clips, the
"other" movements and every seed's output of the rest of the generator are untouched: nothing
here is drawn by them.
"""

from __future__ import annotations

import numpy as np

from gymlib.landmarks import PoseLandmark as L
from gymlib.synth.body import (
    SIDES,
    Body,
    Skel,
    arm_ik,
    complete_landmarks,
    legs_from_angles,
    set_hips,
    trunk_and_shoulders,
)
from gymlib.synth.camera import VIEWS, film, pick_setup
from gymlib.synth.geometry import rows, sag, vec
from gymlib.synth.idle import (
    _pose_jumping_jack,
    _pose_lunge,
    blend_idle,
    pose_standing,
    rotate_about_vertical,
)
from gymlib.synth.noise import Depth, apply_depth, check_depth
from gymlib.synth.timeline import _rep_phase
from gymlib.synth.truth import RepTruth, SyntheticClip

#: counted movements none of the six: the generator's lunges, jumping jacks and arm circles
#: (as reps) and bicep curls, overhead presses, standing torso twists, shoulder shrugs, lateral
#: raises, good mornings (a hip hinge), front raises and standing knee raises (marching)
NEW_MOVEMENTS: tuple[str, ...] = (
    "lunge", "jumping_jack", "arm_circles", "bicep_curl", "overhead_press", "torso_twist",
    "shrug", "lateral_raise", "hip_hinge", "front_raise", "knee_raise",
)  # fmt: skip

_LEFT = vec(0, 0, 1)


def _standing(body: Body, n: int, rng: np.random.Generator, fps: float) -> Skel:
    sk = Skel(n)
    sk.p = pose_standing(body, n, rng, fps=fps)
    return sk


def _arm_circles(sk: Skel, body: Body, phase: np.ndarray, rng: np.random.Generator) -> None:
    """One circle per rep: the angle follows the way the phase travelled."""
    n = len(phase)
    theta = np.pi * np.concatenate([[0], np.cumsum(np.abs(np.diff(phase)))])
    r = rng.uniform(0.12, 0.25)
    circle = -np.cos(theta)[:, None] * vec(0, 1, 0) + np.sin(theta)[:, None] * vec(1, 0, 0)
    for side, sign in SIDES:
        wrist = sk[side, "shoulder"] + _LEFT * sign * body.arm * 0.93 + circle * r
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(0, -1, 0), (n, 3)))


def _bicep_curl(sk: Skel, body: Body, phase: np.ndarray, rng: np.random.Generator) -> None:
    """Upper arms by the side, forearms from hanging up to the shoulders."""
    n, top = len(phase), rng.uniform(120, 140)
    for side, sign in SIDES:
        elbow = sk[side, "shoulder"] + vec(-0.02, -body.upper_arm, 0) + _LEFT * sign * 0.04
        a = np.radians(8 + phase * top)[:, None]
        wrist = elbow + (np.sin(a) * vec(1, 0, 0) - np.cos(a) * vec(0, 1, 0)) * body.forearm
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(-1, -0.2, 0), (n, 3)))


def _overhead_press(sk: Skel, body: Body, phase: np.ndarray) -> None:
    """Hands from beside the shoulders to straight overhead."""
    n = len(phase)
    for side, sign in SIDES:
        sh = sk[side, "shoulder"]
        low = sh + vec(0.06, 0.04, 0) + _LEFT * sign * 0.2
        high = sh + vec(0.0, body.arm * 0.95, 0) + _LEFT * sign * 0.08
        w = phase[:, None]
        wrist = (1 - w) * low + w * high
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(0, -1, 0), (n, 3)) + _LEFT * sign)


def _torso_twist(sk: Skel, body: Body, phase: np.ndarray, cycle: np.ndarray,
                 rng: np.random.Generator) -> None:  # fmt: skip
    """Arms crossed on the chest, the shoulders turned about the vertical and back; hips and
    legs still. The shoulder line turns in depth: no height or slope moves."""
    n = len(phase)
    for side, sign in SIDES:  # arms crossed on the chest, each hand on the other shoulder
        other = sk["R" if side == "L" else "L", "shoulder"]
        wrist = other + vec(0.1, -0.05, 0)
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(0, -1, 0), (n, 3)) + _LEFT * sign)
    yaw = phase * rng.uniform(40, 60)
    hip_mid = (sk["L", "hip"] + sk["R", "hip"]) / 2
    upper = [L[f"{s}_{j}"] for s in ("LEFT", "RIGHT") for j in ("SHOULDER", "ELBOW", "WRIST")]
    sk.p[:, upper] = rotate_about_vertical(sk.p[:, upper], yaw, hip_mid)


def _shrug(sk: Skel, body: Body, phase: np.ndarray, rng: np.random.Generator) -> None:
    """Arms hanging, the shoulders drawn up towards the ears and down: no joint angle, height
    or slope of the registry moves, only the shoulders against the hips."""
    n, rise = len(phase), rng.uniform(0.05, 0.08)
    for side, sign in SIDES:
        sk[side, "shoulder"] = sk[side, "shoulder"] + phase[:, None] * vec(0, rise, 0)
        wrist = sk[side, "shoulder"] + vec(0.02, -body.arm * 0.97, 0) + _LEFT * sign * 0.05
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(-1, 0, 0), (n, 3)))


def _lateral_raise(sk: Skel, body: Body, phase: np.ndarray, rng: np.random.Generator) -> None:
    """Arms from hanging by the sides out to about shoulder height, a little forward of the
    body's plane (the scapular plane), elbows nearly straight; legs still."""
    n, top = len(phase), rng.uniform(75, 92)
    fwd = np.radians(rng.uniform(10, 30))
    for side, sign in SIDES:
        a = np.radians(8 + phase * top)[:, None]
        out = _LEFT * sign * np.cos(fwd) + vec(1, 0, 0) * np.sin(fwd)
        wrist = (
            sk[side, "shoulder"] + (np.sin(a) * out - np.cos(a) * vec(0, 1, 0)) * body.arm * 0.95
        )
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(-0.3, -1, 0), (n, 3)))


def _front_raise(sk: Skel, body: Body, phase: np.ndarray, rng: np.random.Generator) -> None:
    """Arms from hanging by the thighs forward and up to about shoulder height, a little
    apart, elbows nearly straight; legs still."""
    n, top = len(phase), rng.uniform(80, 100)
    spread = np.radians(rng.uniform(5, 15))
    for side, sign in SIDES:
        a = np.radians(5 + phase * top)[:, None]
        out = vec(1, 0, 0) * np.cos(spread) + _LEFT * sign * np.sin(spread)
        wrist = (
            sk[side, "shoulder"] + (np.sin(a) * out - np.cos(a) * vec(0, 1, 0)) * body.arm * 0.95
        )
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(0, -1, 0) + _LEFT * sign, (n, 3)))


def _knee_raise(body: Body, phase: np.ndarray, cycle: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Standing knee raises (marching in place), legs taking turns: the thigh forward and up
    to about level, the shank hanging under the knee, the other leg straight; arms hanging."""
    n = len(phase)
    sk = Skel(n)
    top = rng.uniform(70, 95)
    lead = np.where(cycle % 2 == 0, 1.0, -1.0)  # +1: the left knee rises
    hip_mid = rows(vec(0, body.ankle_height + body.leg * 0.99, 0), n)
    set_hips(sk, body, hip_mid, _LEFT)
    for side, sign in SIDES:
        scale = body.asym if side == "R" else 1.0
        lift = np.where(lead * sign > 0, phase, 0.0) * top
        knee = sk[side, "hip"] + sag(180 - 2 - lift, body.thigh * scale)
        sk[side, "knee"] = knee
        sk[side, "ankle"] = knee + sag(180 + 3 - lift * 0.1, body.shank * scale)
    trunk_and_shoulders(sk, body, hip_mid, np.full(n, 3.0), _LEFT)
    for side, sign in SIDES:
        wrist = sk[side, "shoulder"] + vec(0.03, -body.arm * 0.96, 0) + _LEFT * sign * 0.06
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(-1, 0, 0), (n, 3)))
    return sk.p


def _hip_hinge(body: Body, phase: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A good morning: knees soft and nearly still, the hips pushed back and the torso bent
    forward from upright to 60-85 degrees, the hands crossed on the chest."""
    n = len(phase)
    sk = Skel(n)
    lean = 3 + phase * rng.uniform(60, 85)
    knee = rng.uniform(8, 20)
    stance = rng.uniform(0.2, 0.3)
    hips = []
    for side, sign in SIDES:
        scale = body.asym if side == "R" else 1.0
        ankle = rows(vec(0, body.ankle_height, sign * stance / 2), n)
        shank = 2 + phase * knee * 0.4
        thigh = 2 + phase * knee * 0.6  # hips back: the hip behind the knee
        hips.append(legs_from_angles(sk, body, side, sign, ankle, shank, thigh, scale))
    hip_mid = (hips[0] + hips[1]) / 2
    set_hips(sk, body, hip_mid, _LEFT)
    sh_mid = trunk_and_shoulders(sk, body, hip_mid, lean, _LEFT)
    up, front = sag(lean, 1.0), sag(lean + 90, 1.0)
    for side, sign in SIDES:  # each hand on the other shoulder
        wrist = sh_mid - up * 0.1 + front * 0.12 - _LEFT * sign * 0.06
        arm_ik(sk, body, side, wrist, -up + _LEFT * sign * 0.8)
    return sk.p


def _pose(kind: str, body: Body, phase: np.ndarray, cycle: np.ndarray,
          rng: np.random.Generator, fps: float) -> np.ndarray:  # fmt: skip
    """World joints ``(T, 33, 3)`` (main joints only) of ``kind`` following ``phase``."""
    if kind == "lunge":
        return _pose_lunge(body, phase, cycle, rng)
    if kind == "jumping_jack":
        return _pose_jumping_jack(body, phase, rng)
    if kind == "hip_hinge":
        return _hip_hinge(body, phase, rng)
    if kind == "knee_raise":
        return _knee_raise(body, phase, cycle, rng)
    sk = _standing(body, len(phase), rng, fps)
    if kind == "arm_circles":
        _arm_circles(sk, body, phase, rng)
    elif kind == "bicep_curl":
        _bicep_curl(sk, body, phase, rng)
    elif kind == "overhead_press":
        _overhead_press(sk, body, phase)
    elif kind == "shrug":
        _shrug(sk, body, phase, rng)
    elif kind == "lateral_raise":
        _lateral_raise(sk, body, phase, rng)
    elif kind == "front_raise":
        _front_raise(sk, body, phase, rng)
    else:
        _torso_twist(sk, body, phase, cycle, rng)
    return sk.p


def generate_movement(
    kind: str,
    n_reps: int,
    *,
    seed: int,
    view: str | None = None,
    idle: bool = True,
    tempo: tuple[float, float] = (1.2, 3.5),
    fps: float = 30.0,
    depth: Depth = "mediapipe",
    keep_world: bool = False,
    body: Body | None = None,
) -> SyntheticClip:
    """A session of ``n_reps`` reps of ``kind`` (:data:`NEW_MOVEMENTS`) with each rep's truth;
    ``idle``: walking in, standing before and resting after; ``tempo``: seconds per rep
    (low, high); ``view``, ``depth``, ``keep_world``, ``body`` as for ``generate_clip``."""
    if kind not in NEW_MOVEMENTS:
        raise ValueError(f"unknown movement {kind!r}; choose one of {', '.join(NEW_MOVEMENTS)}")
    if n_reps < 1:
        raise ValueError(f"n_reps must be >= 1, got {n_reps}")
    check_depth(depth)
    rng = np.random.default_rng([seed, 4242])
    sampled = Body.sample(rng)  # drawn even when replaced, so the rest of the clip is the same
    body = sampled if body is None else body
    view, image_size, mirrored = pick_setup(rng, view, None, None)
    segments: list[tuple[str, int]] = []
    parts, cycle, reps, idles = [], [], [], []
    cursor = 0

    def add(name: str, seconds: float) -> None:
        nonlocal cursor
        k = max(int(round(seconds * fps)), 1)
        parts.append(np.zeros(k))
        cycle.append(np.full(k, len(reps)))
        segments.append((name, k))
        if name != "top":
            idles.append((cursor, cursor + k, name))
        cursor += k

    if idle:
        add("walk_in", rng.uniform(1.2, 2.5))
        add("standing", rng.uniform(1.0, 3.0))
    add("top", rng.uniform(0.5, 1.0))
    for _ in range(n_reps):
        ph, bottom, k = _rep_phase(rng, fps, rng.uniform(*tempo))
        parts.append(ph)
        cycle.append(np.full(k, len(reps)))
        segments.append(("rep", k))
        reps.append(RepTruth(cursor, cursor + bottom, cursor + k - 1))
        cursor += k
        if rng.random() < 0.3:
            add("top", rng.uniform(0.1, 0.6))
    add("top", rng.uniform(0.3, 0.8))
    if idle:
        add("resting", rng.uniform(2.0, 4.0))
    p = _pose(kind, body, np.concatenate(parts), np.concatenate(cycle), rng, fps)
    if idle:  # the idle postures blended in as for a standing exercise
        p = blend_idle(p, "squat", body, segments, rng, fps)
    p = complete_landmarks(p, body)
    framed = np.ones(len(p), bool)
    for s, e, name in idles:
        framed[s:e] = name != "walk_in"
    lm, cam = film(p, framed, rng, yaw=VIEWS[view], image_size=image_size, mirrored=mirrored,
                   noise=1.0, camera_height=None)  # fmt: skip
    apply_depth(lm, depth, fps, rng, 1.0)
    return SyntheticClip(
        lm, float(fps), kind, view, reps, idles, tuple(image_size), mirrored, seed,
        camera=cam.summary(), body={"height": body.height, "asym": body.asym},
        world=p.astype(np.float32) if keep_world else None,
        camera_model=cam if keep_world else None,
    )  # fmt: skip
