"""Every measure, defined once: the registry :data:`MEASURES`.

A *measure* is a named quantity per frame (a joint angle, a height in leg lengths, the camera's
yaw). Its :class:`Measure` entry holds everything the rest of the code asks of it:

- ``fn``: the vectorised function over ``(T, 33, 4)`` landmarks (numpy; whole recordings);
- ``one``: the same on one frame in plain floats (the live counter's fast path; a tenth of the
  numpy cost for a single value), tested equal to ``fn``, NaN included; without one, the frame
  and its left/right-swapped copy go through ``fn`` once (:meth:`Measure.on_frame`);
- ``unit`` and ``valid`` (the values it can take: a threshold outside is a config error);
- ``sided``: True when it is measured on one body side (its ``landmarks`` are the left side's;
  the right side is their mirror by name), False when it reads both sides at once;
- ``landmarks``: the points whose position it reads, by name, so a warning colours its joints;
- ``words``: its value in words for a person (``"hips 14 deg below the line"``).

How the two sides of a sided measure combine (``visible``, ``left``, ``right``, ``mean``,
``min``, ``max``) is :func:`pick_side`, the one rule for a frame and a whole recording.

    p = Points(frame, aspect)                            # frame (33, 4)
    MEASURES["knee"].on_frame(p, frame, refs, aspect)    # (left, right) in degrees
    MEASURES["knee"].fn(landmarks, refs, "left", aspect) # (T,), the same values
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gymlib import angles as A
from gymlib.landmarks import FLIP_PERMUTATION, PoseLandmark, partner

L = PoseLandmark
_NAN = math.nan
_SEG = {name: j for j, name in enumerate(A.SEGMENT_NAMES)}
#: (a, b) of every segment, left sides then right sides (as :func:`angles.segment_lengths`)
_SEG_POINTS = [(int(a), int(b)) for a, b in A.SEGMENTS.values()] + [
    (int(partner(a)), int(partner(b))) for a, b in A.SEGMENTS.values()
]
_LEFT_LIMBS = [L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE]
_RIGHT_LIMBS = [int(partner(p)) for p in _LEFT_LIMBS]


# --------------------------------------------------------------------------------------------
# One frame in plain floats: each function is the twin of the :mod:`gymlib.angles` function it
# names. On one live frame each numpy operation costs about a microsecond of overhead for a
# single value, and a measure takes ten to twenty of them.
# --------------------------------------------------------------------------------------------
class Points:
    """One frame ``(33, 4)`` as lists of floats: its ``rows`` as given, ``x`` in image heights
    (``x * aspect``), ``y``, visibility ``v`` and ``seen`` (visibility at least
    :data:`angles.MIN_VISIBILITY`); ``lengths``: its :func:`segment_lengths` once asked."""

    __slots__ = ("rows", "x", "y", "v", "seen", "lengths")

    def __init__(self, frame: np.ndarray, aspect: float) -> None:
        self.rows = rows = np.asarray(frame, dtype=np.float64).tolist()
        vis = A.MIN_VISIBILITY
        self.x = [r[0] * aspect for r in rows]
        self.y = [r[1] for r in rows]
        self.v = [r[3] for r in rows]
        self.seen = [v >= vis for v in self.v]
        self.lengths: list[float] | None = None


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
    """:func:`angles.segment_lengths`: each segment's 2-D length, the mean of the seen sides.
    Computed once per frame (the counter and :func:`torso_upright` both ask): do not change
    the list."""
    if p.lengths is not None:
        return p.lengths
    n = len(A.SEGMENTS)
    sides = []
    for a, b in _SEG_POINTS:
        d = math.hypot(p.x[b] - p.x[a], p.y[b] - p.y[a]) if p.seen[a] and p.seen[b] else _NAN
        sides.append(d if d > 0 else _NAN)
    p.lengths = [_mean_of_seen(sides[j], sides[j + n]) for j in range(n)]
    return p.lengths


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


def triple(a: int, b: int, c: int) -> OneFrameFn:
    """The one-frame twin of :func:`angle_measure`'s ``fn``: a three-point angle, left side
    ``(a, b, c)``, right side their partners."""
    pa, pb, pc = partner(a), partner(b), partner(c)

    def fn(p: Points, refs: list[float], side: str) -> float:
        return angle(p, a, b, c) if side == "left" else angle(p, pa, pb, pc)

    return fn


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------
#: ``fn(landmarks (T, 33, 4), refs (T, S), side, aspect) -> (T,)``
SidedFn = Callable[[np.ndarray, np.ndarray, str, float], np.ndarray]
#: ``fn(points of one frame, refs (S,) as a list, side) -> float``
OneFrameFn = Callable[[Points, list[float], str], float]

#: How a rule combines a measure's two sides: the better seen side frame by frame, one side,
#: or both (a side not seen is ignored by ``mean``, ``min`` and ``max``).
SIDES: tuple[str, ...] = ("visible", "left", "right", "mean", "min", "max")


def pick_side(side: str, left: float, right: float, use_left: bool) -> float:
    """A sided measure's value for ``side`` (see :data:`SIDES`) from its ``left`` and ``right``
    values (NaN: not seen); ``use_left``: the left side is the better seen one
    (:func:`visible_side`). Where one side is not seen every way but ``left``/``right`` gives
    the other. The live frame and :meth:`gymlib.rules.RuleBook.compute` both choose here."""
    if side == "left":
        return left
    if side == "right" or left != left:
        return right
    if right != right:
        return left
    if side == "visible":
        return left if use_left else right
    if side == "min":
        return min(left, right)
    if side == "max":
        return max(left, right)
    return (left + right) / 2


_ELBOW_WIDTH = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW)
_HIPS = (L.LEFT_HIP, L.RIGHT_HIP)
#: The shoulders look at least this much wider than the hips only from the head end: the
#: nearer end of a torso seen along its length looks wider (generated push-ups and bench
#: presses at the bottom: head end 2.0-3.2, foot end 1.2-1.6, 45 deg 1.0-2.0)
HEAD_END = 1.8


def elbow_width_fn(lm: np.ndarray, refs: np.ndarray, side: str, aspect: float) -> np.ndarray:
    """The elbows' spacing across the picture over the shoulders', ``(T,)`` from ``(T, 33, 4)``,
    for a camera at the head end (in front of a push-up, behind a bench). An upper arm ``u``
    long turned ``a`` deg out from the torso puts each elbow ``u sin(a)`` outside its
    shoulder: shoulders ``w`` apart read about ``1 + 2 u sin(a) / w``. From the foot end the
    tucked elbows come nearer the camera than the shoulders and look as wide as flared ones,
    so NaN there (shoulders under :data:`HEAD_END` hip widths; hips placed at all count, as
    they hide behind the body), where a point is unseen, or where the shoulders look closer
    than a quarter torso (a side view)."""
    arr = np.asarray(lm, dtype=np.float64).reshape(-1, 33, 4)
    x = arr[..., 0] * aspect
    torso = np.asarray(refs, dtype=np.float64).reshape(len(arr), -1)[:, _SEG["torso"]]
    sh = np.abs(x[:, L.LEFT_SHOULDER] - x[:, L.RIGHT_SHOULDER])
    el = np.abs(x[:, L.LEFT_ELBOW] - x[:, L.RIGHT_ELBOW])
    hips = np.abs(x[:, L.LEFT_HIP] - x[:, L.RIGHT_HIP])
    seen = (arr[:, _ELBOW_WIDTH, 3] >= A.MIN_VISIBILITY).all(axis=1)
    placed = (arr[:, _HIPS, 3] > 0).all(axis=1)
    ok = seen & placed & (sh >= torso / 4) & (sh >= HEAD_END * hips)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, el / sh, np.nan)


def elbow_width(p: Points, refs: list[float], side: str) -> float:
    """:func:`elbow_width_fn` on one frame."""
    x = p.x
    if not all(p.seen[j] for j in _ELBOW_WIDTH) or not all(p.v[j] > 0 for j in _HIPS):
        return _NAN
    sh = abs(x[L.LEFT_SHOULDER] - x[L.RIGHT_SHOULDER])
    hips = abs(x[L.LEFT_HIP] - x[L.RIGHT_HIP])
    if not (sh >= refs[_SEG["torso"]] / 4 and sh >= HEAD_END * hips):
        return _NAN
    return abs(x[L.LEFT_ELBOW] - x[L.RIGHT_ELBOW]) / sh


def format_value(value: float) -> str:
    """A measured value as a person reads it: whole degrees, two decimals for ratios."""
    return f"{value:.0f}" if abs(value) >= 10 else f"{value:.2f}"


@dataclass(frozen=True)
class Measure:
    """One measure (see the module's docstring for each field)."""

    name: str
    fn: SidedFn
    valid: tuple[float, float]
    sided: bool = True
    unit: str = "deg"
    one: OneFrameFn | None = None
    words: Callable[[float], str] | None = None
    landmarks: tuple[PoseLandmark, ...] = ()

    def say(self, value: float) -> str:
        """``value`` in words: :attr:`words`, or the measure's name, value and unit."""
        if self.words is not None:
            return self.words(value)
        return f"{self.name.replace('_', ' ')} {format_value(value)} {self.unit}"

    def on_frame(
        self, p: Points, frame: np.ndarray, refs: list[float], aspect: float
    ) -> tuple[float, float]:
        """Its (left, right) values on one frame ``(33, 4)`` (side-less: twice the same).
        Without a plain-float twin the frame and its left/right-swapped copy go through
        :attr:`fn` once: the copy's left side is the frame's right side (tested)."""
        if self.one is not None:
            left = self.one(p, refs, "left")
            return left, (self.one(p, refs, "right") if self.sided else left)
        one = np.asarray(frame, dtype=np.float64)[None]
        arr = np.concatenate([one, one[:, FLIP_PERMUTATION]])
        with A.shared_xy(arr, aspect):
            both = self.fn(arr, np.array([refs, refs]), "left", aspect).tolist()
        return both[0], (both[1] if self.sided else both[0])

    def points(self, side: str = "left") -> tuple[PoseLandmark, ...]:
        """The landmarks it reads on ``side`` (a side-less measure: all of them, any side)."""
        if not self.sided or side == "left":
            return self.landmarks
        return tuple(partner(p) for p in self.landmarks)

    @property
    def joints(self) -> tuple[PoseLandmark, ...]:
        """The landmarks to colour when a check on it fails: both sides' (the live picture does
        not say which side the check judged)."""
        both = set(self.landmarks) | {partner(p) for p in self.landmarks}
        return tuple(sorted(both))


def _vec(fn: Callable[..., np.ndarray], *, refs: bool = True, sided: bool = True) -> SidedFn:
    """``fn`` of :mod:`gymlib.angles` as a :data:`SidedFn` (``refs``/``sided``: whether it takes
    the reference lengths and a side)."""

    def measure(lm: np.ndarray, r: np.ndarray, side: str, aspect: float) -> np.ndarray:
        args = (lm, r) if refs else (lm,)
        return fn(*args, side, aspect=aspect) if sided else fn(*args, aspect=aspect)

    measure.__name__ = measure.__qualname__ = getattr(fn, "__name__", "measure")
    return measure


def _angle_fn(a: PoseLandmark, b: PoseLandmark, c: PoseLandmark) -> SidedFn:
    def fn(lm: np.ndarray, refs: np.ndarray, side: str, aspect: float) -> np.ndarray:
        pts = (a, b, c) if side == "left" else (partner(a), partner(b), partner(c))
        return A.angle_at(lm, *pts, aspect=aspect)

    return fn


def angle_measure(
    name: str, a: PoseLandmark, b: PoseLandmark, c: PoseLandmark, *, sided: bool = True
) -> Measure:
    """A three-point angle at ``b`` in degrees (``sided``: ``a, b, c`` are the left side's)."""
    return Measure(name, _angle_fn(a, b, c), (0.0, 180.0), sided=sided, one=triple(a, b, c),
                   landmarks=(a, b, c))  # fmt: skip


def _degrees_of_cos(v: float) -> float:
    return float(np.degrees(np.arccos(np.clip(v, -1, 1))))


#: How each built-in measure's value reads in a verdict (``FormFault.text``).
WORDS: dict[str, Callable[[float], str]] = {
    "body_line": lambda v: f"hips {abs(v):.0f} deg {'above' if v > 0 else 'below'} the line",
    "hip_height": lambda v: f"hips {v:.2f} leg lengths above the ankles",
    "hip_below_knee": lambda v: (
        f"hips {abs(v):.2f} thigh lengths {'below' if v > 0 else 'above'} the knees"
    ),
    "heel_rise": lambda v: f"heels {v:.2f} shank lengths higher than at the start",
    "knee_width": lambda v: f"knees {v:.2f} x as far apart as the ankles",
    "lean_over_shin": lambda v: f"torso leaning {v:.0f} deg more than the shins",
    "knee_over_toe": lambda v: (
        f"knees {abs(v):.2f} shank lengths {'past' if v > 0 else 'behind'} the toes"
    ),
    "front_knee_over_toe": lambda v: (
        f"front knee {abs(v):.2f} shank lengths {'past' if v > 0 else 'behind'} the toes"
    ),
    "thigh_vertical": lambda v: f"thigh {_degrees_of_cos(v):.0f} deg from vertical",
    "arm_raise": lambda v: f"wrists {v:+.2f} arm lengths from shoulder height",
    "elbow_tuck_pair": lambda v: f"elbows {_degrees_of_cos(v):.0f} deg out from the body",
    "elbow_width": lambda v: f"elbows {v:.2f} x as far apart as the shoulders",
    "chin_over_bar": lambda v: f"mouth {v:+.2f} torso lengths from the hands",
    "torso_lean": lambda v: f"torso {abs(v):.0f} deg {'forward' if v > 0 else 'back'}",
}

_SHOULDERS_HIPS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP)
_LIMBS = tuple(p for p in L if p in set(_LEFT_LIMBS) | set(_RIGHT_LIMBS))


def _entry(name: str, fn: SidedFn, valid: tuple[float, float], unit: str, reads: tuple,
           *, sided: bool = True, one: OneFrameFn | None = None) -> Measure:  # fmt: skip
    return Measure(name, fn, (float(valid[0]), float(valid[1])), sided=sided, unit=unit, one=one,
                   words=WORDS.get(name), landmarks=tuple(reads))  # fmt: skip


def _builtin() -> dict[str, Measure]:
    out = {
        name: angle_measure(name, a, b, c)
        for name, (a, b, c) in A.JOINT_TRIPLES.items()
        if name != "body_line"  # the signed bend below, not the unsigned angle
    }
    entries = [
        # name, vectorised function, valid values, unit, landmarks read (left side if sided)
        _entry("hip_height", _vec(A.hip_height), (-2, 2), "leg", (L.LEFT_HIP, L.LEFT_ANKLE),
               one=hip_height),
        _entry("thigh_vertical", _vec(A.thigh_vertical), (-1, 1), "cos",
               (L.LEFT_HIP, L.LEFT_KNEE), one=thigh_vertical),
        _entry("arm_raise", _vec(A.arm_raise), (-2, 2), "arm", (L.LEFT_SHOULDER, L.LEFT_WRIST),
               one=arm_raise),
        _entry("body_line", _vec(A.body_line, refs=False), (-180, 180), "deg",
               (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_ANKLE), one=body_line),
        _entry("knee_over_toe", _vec(A.knee_over_toe), (-5, 5), "shank",
               (L.LEFT_KNEE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX)),
        _entry("elbow_tuck", _vec(A.elbow_tuck), (-3, 3), "upper arm",
               (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_HIP)),
        _entry("elbow_tuck_pair", _vec(A.elbow_tuck_pair, sided=False), (-3, 3), "upper arm",
               (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_HIP,
                L.RIGHT_HIP), sided=False),  # both arms
        _entry("elbow_width", elbow_width_fn, (0, 10), "x", _ELBOW_WIDTH + _HIPS, sided=False,
               one=elbow_width),  # the elbow flare from the head end
        _entry("wrist_over_elbow", _vec(A.wrist_over_elbow, refs=False), (0, 90), "deg",
               (L.LEFT_ELBOW, L.LEFT_WRIST)),
        _entry("chin_over_bar", _vec(A.chin_over_bar, sided=False), (-5, 5), "torso",
               (L.MOUTH_LEFT, L.MOUTH_RIGHT, L.LEFT_WRIST, L.RIGHT_WRIST), sided=False),
        _entry("torso_lean", _vec(A.torso_lean, refs=False, sided=False), (-180, 180), "deg",
               (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR) + _SHOULDERS_HIPS, sided=False),
        _entry("torso_upright", _vec(A.torso_upright, sided=False), (-1, 1), "cos",
               _SHOULDERS_HIPS + (L.LEFT_ELBOW, L.RIGHT_ELBOW, L.LEFT_WRIST, L.RIGHT_WRIST),
               sided=False, one=torso_upright),  # the arms: this frame's arm length
        _entry("view_yaw", _vec(A.view_yaw, refs=False, sided=False), (0, 90), "deg",
               _SHOULDERS_HIPS, sided=False, one=view_yaw),
        _entry("hip_below_knee", _vec(A.hip_below_knee), (-3, 3), "thigh",
               (L.LEFT_HIP, L.LEFT_KNEE)),
        _entry("heel_rise", _vec(A.heel_rise), (-3, 3), "shank",
               (L.LEFT_HEEL, L.LEFT_FOOT_INDEX)),
        _entry("knee_width", _vec(A.knee_width, sided=False), (0, 10), "x",
               (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE), sided=False),
        _entry("lean_over_shin", _vec(A.lean_over_shin), (-180, 180), "deg",
               (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)),
        _entry("front_knee_over_toe", _vec(A.front_knee_over_toe, sided=False), (-5, 5), "shank",
               (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_FOOT_INDEX,
                L.RIGHT_FOOT_INDEX), sided=False),
        _entry("standing_height", _vec(A.standing_height, refs=False, sided=False), (-10, 10),
               "longest segment", _LIMBS, sided=False),  # every segment: the longest one
    ]  # fmt: skip
    out.update((m.name, m) for m in entries)
    return out


#: The built-in measures by name; ``rules.angles`` in config.yaml adds three-point angles.
MEASURES: dict[str, Measure] = _builtin()
