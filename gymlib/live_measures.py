"""The one-frame measures, now in the measure registry :mod:`gymlib.measures` (issue 39).

Kept so ``gymlib.live_measures`` (named in earlier docs) still imports: each name here is the
registry module's own. New code imports :mod:`gymlib.measures`.
"""

from gymlib.measures import (  # noqa: F401
    Points,
    angle,
    arm_raise,
    body_line,
    hip_height,
    segment_lengths,
    thigh_vertical,
    torso_upright,
    triple,
    vertical_ratio,
    view_yaw,
    visible_side,
)
