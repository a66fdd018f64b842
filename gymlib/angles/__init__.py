"""Joint angles by landmark name, vectorised over ``(T, 33, 4)``.

Angles are measured in 2-D image space with the aspect ratio corrected: normalised x and y have
different pixel scales (x is a fraction of the width, y of the height), so x is multiplied by
``width / height`` before any angle is taken. A joint whose points are not visible gives NaN,
never a fake angle. Frames without a person (all zeros) give NaN too.

The package, one job a module: :mod:`~gymlib.angles.joints` (the aspect-corrected points and
three-point angles), :mod:`~gymlib.angles.scale` (segment lengths and :class:`BodyScale`),
:mod:`~gymlib.angles.body` (measures beyond angles: heights, lines, tucks, leans, the camera's
yaw) and :mod:`~gymlib.angles.squat` (squat and split-squat form). Every name imports from here.
"""

from gymlib.angles.body import (
    arm_raise,
    body_line,
    chin_over_bar,
    elbow_tuck,
    elbow_tuck_pair,
    hip_height,
    knee_over_toe,
    standing_height,
    thigh_vertical,
    torso_lean,
    torso_upright,
    view_yaw,
    wrist_over_elbow,
)
from gymlib.angles.joints import (
    JOINT_TRIPLES,
    MIN_VISIBILITY,
    L,
    Side,
    _on_side,
    angle_at,
    joint_angle,
    pick_visible,
    shared_xy,
    visible_side,
)
from gymlib.angles.scale import (
    SEGMENT_NAMES,
    SEGMENTS,
    Z_SCALE,
    BodyScale,
    _frames,
    nan_percentile,
    segment_lengths,
)
from gymlib.angles.squat import (
    FOOT_VISIBILITY,
    front_knee_over_toe,
    heel_rise,
    hip_below_knee,
    knee_width,
    lean_over_shin,
)

__all__ = [
    "FOOT_VISIBILITY",
    "JOINT_TRIPLES",
    "MIN_VISIBILITY",
    "SEGMENTS",
    "SEGMENT_NAMES",
    "Z_SCALE",
    "BodyScale",
    "L",
    "Side",
    "_frames",
    "_on_side",
    "angle_at",
    "arm_raise",
    "body_line",
    "chin_over_bar",
    "elbow_tuck",
    "elbow_tuck_pair",
    "front_knee_over_toe",
    "heel_rise",
    "hip_below_knee",
    "hip_height",
    "joint_angle",
    "knee_over_toe",
    "knee_width",
    "lean_over_shin",
    "nan_percentile",
    "pick_visible",
    "segment_lengths",
    "shared_xy",
    "standing_height",
    "thigh_vertical",
    "torso_lean",
    "torso_upright",
    "view_yaw",
    "visible_side",
    "wrist_over_elbow",
]
