"""Movements that are not reps: standing, walking in, fidgeting and setting up around the
sets, and the movements that are none of the six exercises (:data:`OTHER_KINDS`)."""

from __future__ import annotations

import numpy as np

from gymlib.synth.body import SIDES, Body, Skel, arm_ik, set_hips, trunk_and_shoulders
from gymlib.synth.geometry import mean_of_points, rows, sag, two_link_ik, vec
from gymlib.synth.timeline import min_jerk


def pose_standing(body: Body, n: int, rng: np.random.Generator, *, walk_speed: float = 0.0,
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
    left = vec(0, 0, 1)
    sway = 0.01 * np.sin(2 * np.pi * t * sway_f + sway_ph)
    stride = np.zeros(n)
    if walk.any():
        stride[walk] = (22 * np.sin(2 * np.pi * t * 0.9))[walk]
    hips = []
    for side, sign in SIDES:
        swing = stride * sign
        knee_flex = np.abs(swing) * 1.2 + 3
        ankle = rows(vec(0, body.ankle_height, sign * body.hip_width / 2), n)
        # walking: rotate the whole leg about the hip instead of keeping the foot planted
        hip_guess = ankle + vec(0, body.leg, 0)
        knee = hip_guess + sag(180 + swing, body.thigh)
        sk[side, "knee"] = knee
        sk[side, "ankle"] = knee + sag(180 + swing - knee_flex, body.shank)
        hips.append(hip_guess)
    hip_mid = (hips[0] + hips[1]) / 2
    hip_mid[:, 0] += sway
    set_hips(sk, body, hip_mid, left)
    trunk_and_shoulders(sk, body, hip_mid, np.full(n, 2.0) + 200 * sway, left)
    for side, sign in SIDES:
        arm_swing = -stride * sign * 0.8
        if fidget.any():
            extra = 35 * np.clip(np.sin(2 * np.pi * t * 0.5 + sign), 0, None)
            arm_swing = np.where(fidget, arm_swing + extra, arm_swing)
        wrist = sk[side, "shoulder"] + sag(180 - arm_swing, body.arm * 0.97) + left * sign * 0.05
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(-1, 0, 0), (n, 3)))
    return sk.p, hip_mid


def _walk_and_face(p: np.ndarray, hip_mid: np.ndarray, t: np.ndarray, walk_speed: float,
                   facing: float) -> None:  # fmt: skip
    """In place on one segment ``(n, 33, 3)``: carry a walker ``walk_speed`` m/s across the
    scene (ending where the set is), then turn the pose to ``facing`` degrees about the
    vertical through ``hip_mid`` ``(n, 3)``."""
    if walk_speed:
        p[:, :, 2] += (t * walk_speed)[:, None] - t[-1] * walk_speed  # across the scene
    if facing:
        p[:] = rotate_about_vertical(p, np.full(len(p), facing), hip_mid)


def rotate_about_vertical(p: np.ndarray, yaw_deg: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Rotate ``(T, K, 3)`` points by ``yaw`` (T,) about the vertical through ``centre`` (T, 3)."""
    y = np.radians(yaw_deg)[:, None]
    c, s = np.cos(y), np.sin(y)
    rel = p - centre[:, None, :]
    out = p.copy()
    out[..., 0] = centre[:, None, 0] + c * rel[..., 0] - s * rel[..., 2]
    out[..., 2] = centre[:, None, 2] + s * rel[..., 0] + c * rel[..., 2]
    return out


def idle_poses(exercise: str, body: Body, segments: list[tuple[str, int]],
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
            seg = rotate_about_vertical(seg, np.full(k, 75.0 * np.sign(speed)),
                                         mean_of_points(seg))  # fmt: skip
        out.append(seg)
        cursor += k
    return out


_IDLE_KINDS = ("walk_in", "standing", "resting", "setup", "setup_out")


def blend_idle(p: np.ndarray, exercise: str, body: Body, segments: list[tuple[str, int]],
               rng: np.random.Generator, fps: float) -> np.ndarray:  # fmt: skip
    """Replace idle frames with idle postures; 'setup' segments morph between the two.
    ``p`` is changed in place and returned."""
    start_pose = p[0].copy()
    # where the standing person stands relative to the exercise (beside the bench, under the bar)
    offset = {"bench_press": vec(-0.3, 0, 0.6), "lat_machine": vec(0.5, 0, 0.3),
              "push_up": vec(0.6, 0, 0)}.get(exercise, vec(0, 0, 0))  # fmt: skip
    idle_segments = [(kind, k) for kind, k in segments if kind in _IDLE_KINDS]
    idle = iter(idle_poses(exercise, body, idle_segments, rng, fps))
    cursor = 0
    for kind, k in segments:
        sl = slice(cursor, cursor + k)
        if kind in ("walk_in", "standing", "resting"):
            p[sl] = next(idle) + offset
        elif kind in ("setup", "setup_out"):
            stand = next(idle) + offset
            w = min_jerk(np.linspace(0, 1, k))[:, None, None]
            ex = np.broadcast_to(start_pose, (k, *start_pose.shape))
            p[sl] = (1 - w) * stand + w * ex if kind == "setup" else w * stand + (1 - w) * ex
        cursor += k
    return p


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
    left = vec(0, 0, 1)
    hop = 0.06 * np.abs(np.sin(np.pi * 2 * phase))  # off the floor between the two positions
    hips = []
    for side, sign in SIDES:
        spread = body.hip_width / 2 + phase * rng.uniform(0.25, 0.35)
        ankle = np.stack([np.zeros(n), body.ankle_height + hop, sign * spread], -1)
        hip = np.stack([np.zeros(n), np.zeros(n), np.full(n, sign * body.hip_width / 2)], -1)
        reach = np.sqrt(np.maximum(body.leg**2 * 0.97**2 - (spread - body.hip_width / 2) ** 2,
                                   0.01))  # fmt: skip
        hip[:, 1] = ankle[:, 1] + reach
        knee, ankle = two_link_ik(hip, ankle, body.thigh, body.shank, vec(1, 0, 0))
        sk[side, "knee"], sk[side, "ankle"] = knee, ankle
        hips.append(hip)
    hip_mid = (hips[0] + hips[1]) / 2
    set_hips(sk, body, hip_mid, left)
    trunk_and_shoulders(sk, body, hip_mid, np.full(n, 2.0), left)
    for side, sign in SIDES:  # arms from the sides to overhead in the frontal plane
        a = np.radians(15 + phase * 150)[:, None]
        wrist = sk[side, "shoulder"] + (-np.cos(a) * vec(0, 1, 0) + np.sin(a) * left * sign
                                        ) * body.arm * 0.97  # fmt: skip
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(-0.3, -1, 0), (n, 3)))
    return sk.p


def _pose_arm_circles(body: Body, n: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    p = pose_standing(body, n, rng, fps=fps)
    sk = Skel(n)
    sk.p = p
    left = vec(0, 0, 1)
    t = np.arange(n) / fps
    w = 2 * np.pi * rng.uniform(0.8, 1.5) * (1 if rng.random() < 0.5 else -1)
    r = rng.uniform(0.08, 0.25)
    for side, sign in SIDES:
        circle = np.cos(w * t)[:, None] * vec(1, 0, 0) + np.sin(w * t)[:, None] * vec(0, 1, 0)
        wrist = sk[side, "shoulder"] + left * sign * body.arm * 0.93 + circle * r
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(0, -1, 0), (n, 3)))
    return sk.p


def _pose_lunge(body: Body, phase: np.ndarray, cycle: np.ndarray,
                rng: np.random.Generator) -> np.ndarray:  # fmt: skip
    """Forward lunges, legs taking turns: step out, sink, push back to standing."""
    n = len(phase)
    sk = Skel(n)
    left = vec(0, 0, 1)
    step = rng.uniform(0.55, 0.8) * body.leg / 0.9
    lead = np.where(cycle % 2 == 0, 1.0, -1.0)  # +1: the left leg steps out
    hip_mid = np.stack([step * 0.5 * phase, body.ankle_height + body.leg * (0.97 - 0.4 * phase),
                        np.zeros(n)], -1)  # fmt: skip
    set_hips(sk, body, hip_mid, left)
    for side, sign in SIDES:
        front = (lead * sign) > 0
        ankle = np.stack([np.where(front, step * phase, 0.0), np.full(n, body.ankle_height),
                          np.full(n, sign * body.hip_width / 2)], -1)  # fmt: skip
        hint = np.where(front[:, None], vec(1, 0, 0), vec(1, -0.5, 0))
        knee, ankle = two_link_ik(sk[side, "hip"], ankle, body.thigh, body.shank, hint)
        sk[side, "knee"], sk[side, "ankle"] = knee, ankle
    trunk_and_shoulders(sk, body, hip_mid, np.full(n, 4.0), left)
    for side, sign in SIDES:
        wrist = sk[side, "shoulder"] + vec(0.02, -body.arm * 0.96, 0) + left * sign * 0.05
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(-1, 0, 0), (n, 3)))
    return sk.p


def pose_other(kind: str, body: Body, n: int, fps: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` frames ``(n, 33, 3)`` (main joints) of the movement ``kind`` (:data:`OTHER_KINDS`)."""
    if kind in ("standing", "fidgeting"):
        return pose_standing(body, n, rng, fidget=kind == "fidgeting", fps=fps,
                             facing=float(rng.uniform(-30, 30)))  # fmt: skip
    if kind == "walking":
        return pose_standing(body, n, rng, walk_speed=float(rng.uniform(0.4, 0.9)), fps=fps,
                             facing=float(rng.choice([0.0, 90.0, -90.0])))  # fmt: skip
    if kind == "jumping_jack":
        return _pose_jumping_jack(body, _cycles(n, fps, rng.uniform(0.7, 1.2), rng)[0], rng)
    if kind == "arm_circles":
        return _pose_arm_circles(body, n, fps, rng)
    return _pose_lunge(body, *_cycles(n, fps, rng.uniform(1.6, 3.0), rng), rng)
