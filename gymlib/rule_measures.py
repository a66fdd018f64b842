"""Measures the rule table (config.yaml's ``rules``, a store's ``rules.yaml``) may add to the
registry (:data:`gymlib.measures.MEASURES`): three-point angles by landmark name
(``rules.angles``) and learned 1-D projections of the body-centred pose
(``rules.projections``, taught by :mod:`gymlib.teach`). :func:`gymlib.rules.parse_rules` makes
them; a bad entry raises :class:`gymlib.configbase.ConfigError` naming it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gymlib import angles as A
from gymlib.configbase import ConfigError
from gymlib.landmarks import PoseLandmark
from gymlib.measures import MEASURES, Measure, angle_measure


def _landmark(name: Any, where: str) -> tuple[PoseLandmark, bool]:
    """A landmark by name; side-less names (``KNEE``) resolve to the left one and sided=True."""
    if not isinstance(name, str):
        raise ConfigError(f"{where}: expected a landmark name, got {name!r}")
    key = name.strip().upper()
    if key in PoseLandmark.__members__:
        return PoseLandmark[key], False
    if f"LEFT_{key}" in PoseLandmark.__members__:
        return PoseLandmark[f"LEFT_{key}"], True
    raise ConfigError(
        f"{where}: unknown landmark {name!r}; use a PoseLandmark name such as LEFT_KNEE, "
        f"or a side-less one such as KNEE (known: {', '.join(PoseLandmark.__members__)})"
    )


def custom_angle(name: str, points: Any, where: str) -> Measure:
    """A three-point angle measure from landmark names (``[HIP, SHOULDER, ELBOW]``)."""
    if not isinstance(points, list | tuple) or len(points) != 3:
        raise ConfigError(f"{where}: an angle is three landmark names [A, B, C], got {points!r}")
    resolved = [_landmark(p, f"{where}[{i}]") for i, p in enumerate(points)]
    a, b, c = (lm for lm, _ in resolved)
    sided = any(s for _, s in resolved)
    if name in MEASURES:
        raise ConfigError(f"{where}: {name!r} is a built-in measure; choose another name")
    return angle_measure(name, a, b, c, sided=sided)


#: the bones of a learned projection (``rules.projections``): (from, to, the reference
#: length of :data:`gymlib.angles.SEGMENTS` it is measured in), each side
PROJECTION_BONES: tuple[tuple[PoseLandmark, PoseLandmark, str], ...] = tuple(
    (PoseLandmark[f"{s}_{a}"], PoseLandmark[f"{s}_{b}"], seg)
    for s in ("LEFT", "RIGHT")
    for a, b, seg in (
        ("HIP", "SHOULDER", "torso"),
        ("SHOULDER", "ELBOW", "upper_arm"),
        ("ELBOW", "WRIST", "forearm"),
        ("HIP", "KNEE", "thigh"),
        ("KNEE", "ANKLE", "shank"),
    )
)


#: torso / (upper arm + forearm) of the mean body (Drillis & Contini: 0.288 / 0.332)
TORSO_PER_ARM = 0.288 / (0.186 + 0.146)


def body_centred(
    landmarks: np.ndarray, aspect: float, refs: np.ndarray | None = None
) -> np.ndarray:
    """``(T, 20)``: the pose as its bones (:data:`PROJECTION_BONES`), each a 2-D vector in
    its own length as the counter tracks it (``refs`` ``(T, S)``; without one, the frame's
    torso): free of where the person stands, how big they look and their build (a long arm
    reads as a short one); a limb turning to the camera still shortens. The torso is measured
    in arm lengths (:data:`TORSO_PER_ARM`). NaN where nobody is found."""
    lm = A._frames(landmarks)
    xy = lm[..., :2].astype(np.float64) * [aspect, 1.0]  # image heights, as the references
    hip = (xy[:, PoseLandmark.LEFT_HIP] + xy[:, PoseLandmark.RIGHT_HIP]) / 2
    sh = (xy[:, PoseLandmark.LEFT_SHOULDER] + xy[:, PoseLandmark.RIGHT_SHOULDER]) / 2
    torso = np.linalg.norm(sh - hip, axis=-1)
    ref = np.full((len(lm), len(A.SEGMENT_NAMES)), np.nan)
    if refs is not None:
        ref = np.asarray(refs, np.float64).reshape(len(lm), -1)
    length = {}
    for seg in A.SEGMENT_NAMES:
        r = ref[:, A.SEGMENT_NAMES.index(seg)]
        length[seg] = np.where(np.isfinite(r) & (r > 1e-3), r, torso)
    # the torso in arm lengths (beside it, at its depth), by the mean body's proportions: its
    # own tracked length would follow a shrug, which lengthens it
    length["torso"] = (length["upper_arm"] + length["forearm"]) * TORSO_PER_ARM
    out = np.empty((len(lm), len(PROJECTION_BONES), 2))
    for k, (a, b, seg) in enumerate(PROJECTION_BONES):
        out[:, k] = (xy[:, b] - xy[:, a]) / np.maximum(length[seg], 1e-6)[:, None]
    out[~np.any(lm != 0, axis=(1, 2)) | (torso < 1e-3)] = np.nan
    return out.reshape(len(lm), -1)


def projection_measure(name: str, spec: Any, where: str) -> Measure:
    """A learned 1-D projection of the body-centred pose (:func:`body_centred`, taught by
    :mod:`gymlib.teach`): ``{mean: [20 numbers], axis: [20 numbers]}``, value
    ``(pose - mean) . axis`` in bone lengths."""
    n = 2 * len(PROJECTION_BONES)
    try:
        mean, axis = (np.asarray(spec[k], np.float64) for k in ("mean", "axis"))
    except (KeyError, TypeError, ValueError):
        raise ConfigError(
            f"{where}: expected {{mean: [{n} numbers], axis: [{n} numbers]}}"
        ) from None
    if mean.shape != (n,) or axis.shape != (n,) or not np.all(np.isfinite(mean + axis)):
        raise ConfigError(f"{where}: mean and axis must be {n} finite numbers each")
    if name in MEASURES:
        raise ConfigError(f"{where}: {name!r} is a built-in measure; choose another name")

    def fn(lm: np.ndarray, refs: np.ndarray, side: str, aspect: float) -> np.ndarray:
        return (body_centred(lm, aspect, refs) - mean) @ axis

    return Measure(name, fn, (-50.0, 50.0), sided=False, unit="bone")
