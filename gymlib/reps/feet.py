"""Where the person stands: the feet, the leg's length and the body's size in one frame, and
how far the feet travelled between two frames (walking is not a rep)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from gymlib import angles as A
from gymlib.reps.config import RepConfig
from gymlib.reps.series import median_seen

_THIGH, _SHANK = A.SEGMENT_NAMES.index("thigh"), A.SEGMENT_NAMES.index("shank")
_UPPER_ARM, _FOREARM = A.SEGMENT_NAMES.index("upper_arm"), A.SEGMENT_NAMES.index("forearm")
_TORSO = A.SEGMENT_NAMES.index("torso")
#: The leg (thigh + shank) against the arm (upper arm + forearm) and the torso (shoulder to
#: hip): about 0.49, 0.33 and 0.29 of an adult's height (Winter's segment table: leg 1.48 arms,
#: 1.7 torsos), taken a little short so that a leg seen at full length always wins.
LEG_PER_ARM, LEG_PER_TORSO = 1.35, 1.5


def leg_length(refs: Sequence[float]) -> float:
    """The leg's true length in the image from the segment references: its own, or, where the
    legs were never seen at full length (the feet out of the picture, a plank filmed head-on,
    legs behind a machine's pads), the arms' or the torso's times the body's proportions,
    whichever is longest (a segment can look shorter than it is, never longer). NaN if none
    is known."""
    best = math.nan
    for est in (
        refs[_THIGH] + refs[_SHANK],
        (refs[_UPPER_ARM] + refs[_FOREARM]) * LEG_PER_ARM,
        refs[_TORSO] * LEG_PER_TORSO,
    ):
        if est == est and not est <= best:
            best = est
    return best


#: Legs shorter in the image than this share of their length by the body's proportions point
#: at the camera (a walker's legs, upright across the picture, are seen at nearly full length).
FORESHORTENED = 0.6

_ANKLES_HIPS = [A.L.LEFT_ANKLE, A.L.RIGHT_ANKLE, A.L.LEFT_HIP, A.L.RIGHT_HIP]
_SHOULDERS_WRISTS = [A.L.LEFT_SHOULDER, A.L.RIGHT_SHOULDER, A.L.LEFT_WRIST, A.L.RIGHT_WRIST]


class Feet(NamedTuple):
    """Where the person stands in one frame (see :func:`feet_of`)."""

    left_x: float  # ankles and hips' midpoint in image heights; NaN unseen
    left_y: float
    right_x: float
    right_y: float
    leg: float  # the leg's reference length
    body_leg: float  # the leg's length as the body's proportions give it (:func:`leg_length`)
    size: float  # the body's size in the image: its segment lengths summed
    hips_x: float
    hips_y: float

    def swapped(self) -> Feet:
        """The left and right feet exchanged: the pose model swaps them now and then (side
        views), so a foot "jumps" a stride for a frame; either pairing will do."""
        return self._replace(left_x=self.right_x, left_y=self.right_y,
                             right_x=self.left_x, right_y=self.left_y)  # fmt: skip


#: the feet are read as their median over this long (five frames at 30 fps): a real side view's
#: feet jump a stride for a frame or two (verdict.stepped_between, RepCounter._stepped)
FEET_SPAN_S = 4.5 / 30


def median_feet(rows: Sequence[Feet]) -> Feet:
    """Each field's median over ``rows`` (the frames of ``FEET_SPAN_S``), NaNs left out."""
    return Feet(*(median_seen(col) for col in zip(*rows, strict=True)))


def feet_of(
    rows: list[list[float]], refs: Sequence[float], aspect: float, lengths: Sequence[float]
) -> Feet:
    """One frame (its ``(33, 4)`` rows as lists) as :class:`Feet` (segment references stand in
    for unseen segments in the body's size). Plain floats: it runs on every live frame."""
    (lax, lay, _, lav), (rax, ray, _, rav), (lhx, lhy, _, lhv), (rhx, rhy, _, rhv) = (
        rows[i] for i in _ANKLES_HIPS
    )
    nan, vis = math.nan, A.MIN_VISIBILITY
    lav, rav = lav >= vis, rav >= vis
    size = 0.0
    for seg, ref in zip(lengths, refs, strict=True):
        size += seg if seg == seg else (ref if ref == ref else 0.0)
    hips = lhv >= vis and rhv >= vis
    return Feet(
        lax * aspect if lav else nan,
        lay if lav else nan,
        rax * aspect if rav else nan,
        ray if rav else nan,
        refs[_THIGH] + refs[_SHANK],
        leg_length(refs),
        size,
        (lhx + rhx) / 2 * aspect if hips else nan,
        (lhy + rhy) / 2 if hips else nan,
    )


def walks_upright(
    frame: np.ndarray, refs: np.ndarray, aspect: float, cfg: RepConfig, *, unseen: bool = False
) -> bool:
    """Standing tall (:func:`gymlib.angles.standing_height`) with the torso upright
    (:func:`gymlib.angles.torso_upright`; a plank filmed from behind and above has its feet far
    below its shoulders too, but a short torso) and the arms down (not hanging from a bar,
    nothing held overhead): a person who may be walking. Called only while the body's size
    changes and the feet travel, so it costs nothing on most frames."""
    vis = A.MIN_VISIBILITY
    ls, rs, lw, rw = frame[_SHOULDERS_WRISTS].tolist()
    if any(w[1] <= q[1] for w, q in ((lw, ls), (rw, rs)) if w[3] >= vis and q[3] >= vis):
        return False  # a wrist at or above its shoulder
    standing = float(A.standing_height(frame, aspect=aspect)[0])
    upright = float(A.torso_upright(frame, refs, aspect=aspect)[0])
    if standing != standing or upright != upright:
        return unseen  # (``unseen``: what a body not seen whole counts as)
    return standing > cfg.walk_upright and upright > cfg.walk_torso


def travel(old: Feet, new: Feet, unit: Feet, *, in_rep: bool = False) -> float:
    """How far the feet moved between two rows of :func:`feet_of`, in leg lengths (``unit``'s):
    the foot that moved least (in these exercises one foot at least stays put: a split squat's
    back foot rolls, a walker's feet both travel) over the leg's reference, else the hips'
    midpoint over the leg's length by the body's proportions (feet out of the picture: the
    legs were never seen whole, their reference is too short); NaN if nothing is seen. With
    both feet seen, their midpoint too, whichever moved less: the pose model swaps left and
    right feet now and then (side views), which makes each foot "jump" a stride while their
    midpoint stays put (a walker's midpoint travels with them)."""
    moved = math.inf
    for x1, y1, x0, y0 in (
        (new.left_x, new.left_y, old.left_x, old.left_y),
        (new.right_x, new.right_y, old.right_x, old.right_y),
        (
            (new.left_x + new.right_x) / 2,
            (new.left_y + new.right_y) / 2,
            (old.left_x + old.right_x) / 2,
            (old.left_y + old.right_y) / 2,
        ),
    ):
        if x1 == x1 and x0 == x0:
            moved = min(moved, math.hypot(x1 - x0, y1 - y0))
    if moved < math.inf:
        # (during a rep, legs pointing at the lens, a plank filmed head-on or at 45 degrees,
        # look far shorter than the arms and torso say they are: their image length is no
        # unit, and a slow rep's sway of the ankles would read as a stride. Before a rep the
        # image's leg is kept: getting down into position is not a rep either)
        short = in_rep and unit.leg < FORESHORTENED * unit.body_leg
        leg = unit.body_leg if short else unit.leg
        return moved / leg if leg > 0 else math.nan
    hips = math.hypot(new.hips_x - old.hips_x, new.hips_y - old.hips_y)
    return hips / unit.body_leg if unit.body_leg > 0 else math.nan


def foot_moved(old: Feet, new: Feet) -> float:
    """How far the foot that moved most went between two rows of :func:`feet_of`, in leg
    lengths (``old``'s): a step into or out of a stance moves one foot, a rep neither. The
    pairing of the feet that moved less (the pose model swaps left and right now and then);
    NaN if a foot is unseen."""
    # (the foot that moved MOST: one foot's step; verdict.stepped_between takes the one that
    # moved least, a walk, where both feet go: different questions on purpose)
    moved = min(
        max(math.hypot(n.left_x - old.left_x, n.left_y - old.left_y),
            math.hypot(n.right_x - old.right_x, n.right_y - old.right_y))
        for n in (new, new.swapped())
    )  # fmt: skip
    seen = all(v == v for v in (*old[:4], *new[:4]))
    return moved / old.leg if seen and old.leg > 0 else math.nan
