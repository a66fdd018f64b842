"""Motion of the six exercises: per-clip style, per-rep parameters (good ranges and what each
form error changes) and one pose function per exercise, phase ``(T,)`` in [0, 1] + per-frame
parameters -> main joints ``(T, 33, 3)``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from gymlib.synth.body import (
    SIDES,
    Body,
    Skel,
    arm_ik,
    legs_from_angles,
    set_hips,
    trunk_and_shoulders,
)
from gymlib.synth.geometry import rows, sag, two_link_ik, vec
from gymlib.synth.timeline import Timeline, hold

#: Height of the bench (bench press) and the seat (lat machine), metres.
#: Height of the bench (bench press) and the seat (lat machine), metres.
BENCH_HEIGHT: float = 0.45


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


def clip_style(exercise: str, body: Body, rng: np.random.Generator) -> dict[str, float]:
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


def _standing_arms(sk: Skel, body: Body, left: np.ndarray, phase: np.ndarray, mode: float) -> None:
    """Arms for squats: 0 forward for balance, 1 hands at the chest, 2 hanging by the sides,
    3 holding a barbell on the upper back (hands beside and a little behind the shoulders,
    elbows bent to about 40-50 degrees and pointing down)."""
    n = len(phase)
    for side, sign in SIDES:
        sh = sk[side, "shoulder"]
        if mode == 3:
            wrist = sh + left * sign * 0.22 + vec(-0.05, 0.03, 0)
            hint = rows(vec(-0.5, -1, 0), n) + left * sign * 0.3
        elif mode == 0:
            lift = 60 + 30 * phase  # shoulder flexion grows with depth
            wrist = sh + sag(180 - lift, body.arm * 0.97) + left * sign * -0.03
            hint = rows(vec(0, -1, 0), n)
        elif mode == 1:
            mid = (sk["L", "shoulder"] + sk["R", "shoulder"]) / 2
            wrist = mid + vec(0.22, -0.12, 0) + left * sign * 0.05
            hint = rows(vec(0, -1, 0), n) + left * sign * 0.8
        else:
            wrist = sh + vec(0.05, -body.arm * 0.96, 0) + left * sign * 0.06
            hint = rows(vec(-1, 0, 0), n)
        arm_ik(sk, body, side, wrist, hint)


def _pose_squat(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    n = len(phase)
    sk = Skel(n)
    left = vec(0, 0, 1)
    hips = []
    for side, sign in SIDES:
        scale = body.asym if side == "R" else 1.0
        flex = 4 + phase * (prm["flex"] - 4)
        shank = 3 + phase * (prm["shank"] - 3)
        ankle = rows(vec(0, body.ankle_height, sign * style["stance"] / 2), n)
        hips.append(legs_from_angles(sk, body, side, sign, ankle, shank, flex - shank, scale,
                                      knee_out=0.03 * phase))  # fmt: skip
    hip_mid = (hips[0] + hips[1]) / 2
    set_hips(sk, body, hip_mid, left)
    lean = 4 + phase * (prm["trunk"] - 4)
    trunk_and_shoulders(sk, body, hip_mid, lean, left)
    _standing_arms(sk, body, left, phase, squat_arms(style))
    return sk.p


def squat_arms(style: Mapping[str, float]) -> float:
    """The squat's arms (:func:`_standing_arms` mode): about 58 % a barbell on the back (most
    squatters in the real windows: wrists level with the shoulders, nearly still), 19 %
    forward, 12 % at the chest, 11 % hanging (``all_arms``; without it 25 % forward and 5 %
    hanging, the recipe's). Real lifters also squat holding dumbbells at
    their sides, so hanging arms must not mean "split squat" to the classifier. ``hand_a`` is
    a draw the squat has no other use for: no random draw is added, seeds stay reproducible."""
    arms, hand_a = style["arms"], style["hand_a"]
    if (arms == 1 and hand_a > -0.012) or (arms == 2 and hand_a < 0.03):
        return 3.0
    if arms == 0 and hand_a > 0.04 and style.get("all_arms", 0.0):  # dumbbells at the sides
        return 2.0
    return arms


def split_squat_arms(style: Mapping[str, float]) -> str:
    """The split squat's arms: ``"bar"`` (a barbell on the upper back or a Smith machine's bar:
    about 47 %), ``"hanging"`` (dumbbells or body weight: 32 %), ``"hips"`` (13 %),
    ``"chest"`` (a goblet dumbbell or front rack: 8 %). Real lifters split-squat with a bar on
    the back as often as with dumbbells; a classifier that never saw it learns "bar on the
    back = squat" and reads the arms instead of the legs (docs/classifier.md). The shares come
    from draws the split squat already made: no draw is added, so seeds stay reproducible.
    Only with ``style["all_arms"]`` (``generate_clip(..., all_arms=True)``); without it the
    hips or hanging arms of notebook 03's recipe: a model trained with every arm style measured
    worse on the real windows (docs/classifier.md, "Split squats with a bar")."""
    arms, hand_a = style["arms"], style["hand_a"]
    if not style.get("all_arms", 0.0):  # the recipe's split squats: hips (13 %) or hanging
        return "hips" if arms == 1 and hand_a > 0.04 else "hanging"
    if arms == 1:
        return "hips" if hand_a > 0.04 else "bar"
    if arms == 0 and hand_a > 0.03:
        return "chest"
    return "hanging"


def _pose_split_squat(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                      style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    """Both feet stay where they stand: the front foot flat, the rear one on its toes where the
    rear knee nearly touches the floor at a full rep. At the top both legs are almost straight
    (an inverted V, the hip between the feet); the hip goes down from there until the front
    thigh is ``flex - shank`` degrees from vertical, the front knee ``shank`` degrees further
    forward than at a plain rep (knees past toes)."""
    n = len(phase)
    sk = Skel(n)
    left = vec(0, 0, 1)
    front, back = ("L", "R") if style["front"] >= 0.5 else ("R", "L")
    fsign = 1.0 if front == "L" else -1.0
    thigh, shank, leg = body.thigh, body.shank, body.thigh + body.shank
    bottom_hip_a = shank * math.sin(math.radians(5)) - thigh * math.sin(math.radians(85))
    ankle_f = vec(0, body.ankle_height, fsign * body.hip_width / 2)
    ankle_b = vec(bottom_hip_a - shank * 0.95, body.ankle_height + 0.06,
                   -fsign * body.hip_width / 2)  # fmt: skip
    # the top: the hip where two almost straight legs from the planted ankles meet (the
    # sagittal plane; the chain front ankle -> hip -> rear ankle, bending upwards)
    sagittal = np.array([[1.0, 1.0, 0.0]])
    top, _ = two_link_ik(ankle_f * sagittal, ankle_b * sagittal, 0.995 * leg, 0.997 * leg,
                         vec(0, 1, 0))  # fmt: skip
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
    hip_mid = hip_f - vec(0, 0, fsign * body.hip_width / 2)
    set_hips(sk, body, hip_mid, left)
    for side, ankle, hint in ((front, ankle_f, vec(1, 0, 0)), (back, ankle_b, vec(1, -0.3, 0))):
        knee, reached = two_link_ik(sk[side, "hip"], np.tile(ankle, (n, 1)), thigh, shank, hint)
        sk[side, "knee"] = knee
        sk[side, "ankle"] = reached
    lean = 3 + phase * 5
    trunk_and_shoulders(sk, body, hip_mid, lean, left)
    arms = split_squat_arms(style)
    if arms in ("bar", "chest"):  # the squat's barbell (3) and hands-at-the-chest (1) arms
        _standing_arms(sk, body, left, phase, 3.0 if arms == "bar" else 1.0)
        return sk.p
    for side, sign in SIDES:  # hands on the hips or hanging
        if arms == "hips":
            wrist = sk[side, "hip"] + left * sign * 0.06 + vec(0.02, 0.05, 0)
            hint = vec(-1, 0, 0) + left * sign * 1.0
        else:
            wrist = sk[side, "shoulder"] + vec(0.02, -body.arm * 0.96, 0) + left * sign * 0.05
            hint = vec(-1, 0, 0)
        arm_ik(sk, body, side, wrist, np.broadcast_to(hint, (n, 3)))
    return sk.p


def _pose_push_up(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                  style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    n = len(phase)
    sk = Skel(n)
    left = vec(0, 0, 1)
    l_as = body.leg + body.trunk  # ankle to shoulder line
    ankle_mid = rows(vec(0, 0.11, 0), n)
    sh_h = style["top_h"] + phase * (prm["shoulder_h"] - style["top_h"])
    beta = np.arcsin(np.clip((sh_h - 0.11) / l_as, -1, 1))  # plank incline
    line = np.stack([np.cos(beta), np.sin(beta), np.zeros(n)], -1)
    normal = np.stack([-np.sin(beta), np.cos(beta), np.zeros(n)], -1)
    sh_mid = ankle_mid + line * l_as
    hip_mid = ankle_mid + line * body.leg + normal * prm["hip_off"][:, None]
    knee_mid = ankle_mid + (hip_mid - ankle_mid) * (body.shank / body.leg)
    hand_a = (ankle_mid + np.array([math.cos(math.asin((style["top_h"] - 0.11) / l_as)), 0, 0])
              * l_as)[:, 0] + style["hand_a"]  # fmt: skip
    for side, sign in SIDES:
        off = left * sign
        sk[side, "ankle"] = ankle_mid + off * style["stance"] / 3
        sk[side, "knee"] = knee_mid + off * body.hip_width / 2
        sk[side, "hip"] = hip_mid + off * body.hip_width / 2
        sk[side, "shoulder"] = sh_mid + off * body.shoulder_width / 2
        wrist = np.stack([hand_a, np.full(n, 0.03), np.full(n, sign * style["grip"] / 2)], -1)
        fl = np.radians(prm["flare"])[:, None]
        hint = -np.cos(fl) * vec(1, 0, 0) + np.sin(fl) * off + vec(0, 0.3, 0)
        arm_ik(sk, body, side, wrist, hint)
    return sk.p


def _pose_pull_up(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                  style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    n = len(phase)
    sk = Skel(n)
    left = vec(0, 0, 1)
    bar = style["bar"]
    drop = style["hang"] + phase * (prm["drop"] - style["hang"])
    sh_mid = np.stack([-0.04 * phase, bar - drop, np.zeros(n)], -1)
    lean = -8 * phase
    hip_mid = sh_mid - sag(lean, body.trunk)
    set_hips(sk, body, hip_mid, left)
    for side, sign in SIDES:
        off = left * sign
        sk[side, "shoulder"] = sh_mid + off * body.shoulder_width / 2
        wrist = rows(vec(0.0, bar, sign * style["grip"] / 2), n)
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(0.35, -1, 0) + off * 1.2, (n, 3)))
        hf = prm["hip_flex"]
        thigh_dir = sag(180 - hf, body.thigh)
        knee = sk[side, "hip"] + thigh_dir
        sk[side, "knee"] = knee
        sk[side, "ankle"] = knee + sag(180 - hf + prm["knee_flex"], body.shank)
    return sk.p


def _pose_lat_machine(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                      style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    n = len(phase)
    sk = Skel(n)
    left = vec(0, 0, 1)
    # the seat is set so the knee pad holds the thighs about level (hips at knee height; real
    # windows: hip angle median 113 degrees)
    hip_mid = rows(vec(0, body.shank + body.ankle_height - 0.02, 0), n)
    set_hips(sk, body, hip_mid, left)
    lean = -(6 + phase * (prm["lean"] - 6))  # negative = leaning back
    sh_mid = trunk_and_shoulders(sk, body, hip_mid, lean, left)
    for side, sign in SIDES:
        off = left * sign
        ankle = np.tile(vec(body.thigh * style["feet_fwd"], body.ankle_height + 0.08, 0)
                        + off * body.hip_width / 2, (n, 1))  # fmt: skip
        knee, ankle = two_link_ik(sk[side, "hip"], ankle, body.thigh, body.shank, vec(1, 1, 0))
        sk[side, "knee"] = knee
        sk[side, "ankle"] = ankle
        bar_h = style["bar_top"] + phase * (prm["bar_h"] - style["bar_top"])
        wrist = np.stack(
            [sh_mid[:, 0] + 0.1, sh_mid[:, 1] + bar_h, np.full(n, sign * style["grip"] / 2)], -1
        )
        arm_ik(sk, body, side, wrist, np.broadcast_to(vec(-0.1, -1, 0) + off * 1.0, (n, 3)))
    return sk.p


def _pose_bench_press(body: Body, phase: np.ndarray, prm: Mapping[str, np.ndarray],
                      style: Mapping[str, float]) -> np.ndarray:  # fmt: skip
    n = len(phase)
    sk = Skel(n)
    left = vec(0, 0, -1)  # supine, head towards +a: the subject's left is -l
    hip_mid = rows(vec(-body.trunk / 2, BENCH_HEIGHT + 0.1, 0), n)
    sh_mid = rows(vec(body.trunk / 2, BENCH_HEIGHT + 0.12, 0), n)
    bar_h = style["bar_top"] + phase * (prm["bar_h"] - style["bar_top"])
    for side, sign in SIDES:
        off = left * sign
        sk[side, "hip"] = hip_mid + off * body.hip_width / 2
        sk[side, "shoulder"] = sh_mid + off * body.shoulder_width / 2
        ankle = np.tile(vec(-body.trunk / 2 - body.thigh * style["feet_out"], body.ankle_height,
                             0) + off * style["stance"] / 2, (n, 1))  # fmt: skip
        knee, ankle = two_link_ik(sk[side, "hip"], ankle, body.thigh, body.shank, vec(0, 1, 0))
        sk[side, "knee"] = knee
        sk[side, "ankle"] = ankle
        # the forearms stay near vertical, so the bar comes down where the elbows point: on the
        # lower chest with the elbows tucked, high on the chest with them flared
        abd = np.radians(prm["abd"])[:, None]
        touch = 0.5 * body.upper_arm * np.cos(abd[:, 0])
        wrist = np.stack([sh_mid[:, 0] - 0.02 - touch * phase, sh_mid[:, 1] + bar_h,
                          np.full(n, -sign * style["grip"] / 2)], -1)  # fmt: skip
        hint = np.sin(abd) * off + np.cos(abd) * vec(-1, 0, 0) + vec(0, -0.6, 0)
        arm_ik(sk, body, side, wrist, hint)
    return sk.p


POSES = {
    "squat": _pose_squat,
    "split_squat": _pose_split_squat,
    "push_up": _pose_push_up,
    "pull_up": _pose_pull_up,
    "lat_machine": _pose_lat_machine,
    "bench_press": _pose_bench_press,
}


def per_frame_parameters(
    exercise: str, rep_errors: Sequence[Sequence[str]], rng: np.random.Generator,
    style: Mapping[str, float], timeline: Timeline,
) -> tuple[list[dict[str, float]], dict[str, np.ndarray]]:  # fmt: skip
    """Each rep's parameters (with its ``rep_errors``) and the same held over the timeline's
    frames, smoothed, ``(T,)`` per name. Without reps, one good rep's parameters throughout."""
    rep_params = [_rep_params(exercise, e, rng, style) for e in rep_errors]
    if not rep_params:
        rep_params = [_rep_params(exercise, (), rng, style)]
        spans: list[tuple[int, int]] = [(0, 0)]
    else:
        spans = timeline.rep_spans()
    fill = {k: v for k, v in rep_params[0].items()}
    return rep_params, hold(rep_params, spans, len(timeline), fill)
