"""The live counter's measures on one frame, in plain Python floats.

:mod:`gymlib.angles` measures whole ``(T, 33, 4)`` sequences with numpy. On one live frame each
numpy operation costs about a microsecond of overhead for a single value, and a measure takes
ten to twenty of them: plain floats do the same arithmetic in a tenth of the time. Each function
here is the one-frame twin of the vectorised measure it names and gives the same value, NaN
included (tested on generated frames with landmarks dropped at random); the vectorised ones
stay the reference and serve whole recordings.

    p = Points(frame, aspect)                      # frame (33, 4)
    angle(p, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)  # == angles.angle_at(frame, ...)[0]
"""

from __future__ import annotations

import math

import numpy as np

from gymlib import angles as A
from gymlib.landmarks import PoseLandmark, partner

L = PoseLandmark
_NAN = math.nan
_SEG = {name: j for j, name in enumerate(A.SEGMENT_NAMES)}
#: (a, b) of every segment, left sides then right sides (as :func:`angles.segment_lengths`)
_SEG_POINTS = [(int(a), int(b)) for a, b in A.SEGMENTS.values()] + [
    (int(partner(a)), int(partner(b))) for a, b in A.SEGMENTS.values()
]
_LEFT_LIMBS = [L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE]
_RIGHT_LIMBS = [int(partner(p)) for p in _LEFT_LIMBS]


class Points:
    """One frame ``(33, 4)`` as lists of floats: its ``rows`` as given, ``x`` in image heights
    (``x * aspect``), ``y``, visibility ``v`` and ``seen`` (visibility at least
    :data:`angles.MIN_VISIBILITY`)."""

    __slots__ = ("rows", "x", "y", "v", "seen")

    def __init__(self, frame: np.ndarray, aspect: float) -> None:
        self.rows = rows = np.asarray(frame, dtype=np.float64).tolist()
        vis = A.MIN_VISIBILITY
        self.x = [r[0] * aspect for r in rows]
        self.y = [r[1] for r in rows]
        self.v = [r[3] for r in rows]
        self.seen = [v >= vis for v in self.v]


def _div(a: float, b: float) -> float:
    return a / b if b == b and b != 0 else _NAN


def angle(p: Points, a: int, b: int, c: int) -> float:
    """:func:`angles.angle_at`: the angle at ``b`` in degrees; NaN if a point is unseen."""
    if not (p.seen[a] and p.seen[b] and p.seen[c]):
        return _NAN
    x, y = p.x, p.y
    ax, ay, cx, cy = x[a] - x[b], y[a] - y[b], x[c] - x[b], y[c] - y[b]
    # (ax + i ay) * conj(cx + i cy), as angle_at takes it
    re, im = ax * cx + ay * cy, ay * cx - ax * cy
    if not math.hypot(re, im) >= 1e-12:
        return _NAN
    return math.degrees(abs(math.atan2(im, re)))


def segment_lengths(p: Points) -> list[float]:
    """:func:`angles.segment_lengths`: each segment's 2-D length, the mean of the seen sides."""
    n = len(A.SEGMENTS)
    sides = []
    for a, b in _SEG_POINTS:
        d = math.hypot(p.x[b] - p.x[a], p.y[b] - p.y[a]) if p.seen[a] and p.seen[b] else _NAN
        sides.append(d if d > 0 else _NAN)
    return [_mean_of_seen(sides[j], sides[j + n]) for j in range(n)]


def _mean_of_seen(left: float, right: float) -> float:
    if left != left:
        return right
    return left if right != right else (left + right) / 2


def visible_side(p: Points) -> bool:
    """:func:`angles.visible_side`: True where the left side is the better seen one."""
    v = p.v
    return sum(v[i] for i in _LEFT_LIMBS) >= sum(v[i] for i in _RIGHT_LIMBS)


def vertical_ratio(
    p: Points, refs: list[float], a: int, b: int, segments: tuple[str, ...], sign: float = 1.0
) -> float:
    """``sign * (y_b - y_a) / sum(reference lengths)`` (see :mod:`gymlib.angles`)."""
    if not (p.seen[a] and p.seen[b]):
        return _NAN
    length = refs[_SEG[segments[0]]]
    for s in segments[1:]:
        length += refs[_SEG[s]]
    return _div(sign * (p.y[b] - p.y[a]), length)


def hip_height(p: Points, refs: list[float], side: str) -> float:
    """:func:`angles.hip_height`."""
    s = A._on_side(side)
    return vertical_ratio(p, refs, s(L.LEFT_HIP), s(L.LEFT_ANKLE), ("thigh", "shank"))


def thigh_vertical(p: Points, refs: list[float], side: str) -> float:
    """:func:`angles.thigh_vertical`."""
    s = A._on_side(side)
    out = vertical_ratio(p, refs, s(L.LEFT_HIP), s(L.LEFT_KNEE), ("thigh",))
    return out if out != out else min(max(out, -1.0), 1.0)


def arm_raise(p: Points, refs: list[float], side: str) -> float:
    """:func:`angles.arm_raise`."""
    s = A._on_side(side)
    return vertical_ratio(p, refs, s(L.LEFT_SHOULDER), s(L.LEFT_WRIST), ("upper_arm", "forearm"),
                          sign=-1.0)  # fmt: skip


def body_line(p: Points, refs: list[float], side: str) -> float:
    """:func:`angles.body_line`: the signed bend at the hip, positive piked."""
    s = A._on_side(side)
    sh, hip, ank = s(L.LEFT_SHOULDER), s(L.LEFT_HIP), s(L.LEFT_ANKLE)
    unsigned = angle(p, sh, hip, ank)
    if unsigned != unsigned:
        return _NAN
    x, y = p.x, p.y
    line_x, line_y = x[ank] - x[sh], y[ank] - y[sh]
    cross = line_x * (y[hip] - y[sh]) - line_y * (x[hip] - x[sh])
    above = cross * (1.0 if line_x >= 0 else -1.0) < 0
    return 180.0 - unsigned if above else unsigned - 180.0


def view_yaw(p: Points, refs: list[float], side: str) -> float:
    """:func:`angles.view_yaw`: the camera's angle round the person, 0 front, 90 side."""
    if not max(p.v) > 0:
        return _NAN
    r = p.rows
    ls, rs, lh, rh = r[L.LEFT_SHOULDER], r[L.RIGHT_SHOULDER], r[L.LEFT_HIP], r[L.RIGHT_HIP]
    spread_x = abs(ls[0] - rs[0]) + abs(lh[0] - rh[0])
    spread_z = abs(ls[2] - rs[2]) + abs(lh[2] - rh[2])
    return math.degrees(math.atan2(spread_z / A.Z_SCALE, spread_x))


def torso_upright(p: Points, refs: list[float], side: str) -> float:
    """:func:`angles.torso_upright`: 1 shoulders straight above the hips, 0 lying."""
    seen = p.seen
    ls, rs, lh, rh = L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP
    if not ((seen[ls] and seen[lh]) or (seen[rs] and seen[rh])):
        return _NAN
    arm = refs[_SEG["upper_arm"]] + refs[_SEG["forearm"]]
    lengths = segment_lengths(p)
    now = lengths[_SEG["upper_arm"]] + lengths[_SEG["forearm"]]  # this frame's, NaN if unseen
    if now < arm or arm != arm:  # the shorter of the remembered and the present length
        arm = now
    arm *= 0.8
    torso = refs[_SEG["torso"]]
    ref = arm if torso != torso or (arm == arm and arm > torso) else torso
    y = p.y
    out = _div((y[lh] + y[rh]) / 2 - (y[ls] + y[rs]) / 2, ref)
    return out if out != out else min(max(out, -1.0), 1.0)


def triple(a: int, b: int, c: int):  # noqa: ANN201
    """The one-frame twin of :func:`gymlib.rules._triple`: a named three-point angle."""
    pa, pb, pc = partner(a), partner(b), partner(c)

    def fn(p: Points, refs: list[float], side: str) -> float:
        return angle(p, a, b, c) if side == "left" else angle(p, pa, pb, pc)

    return fn
