"""The counting signal when no measure of the registry fits: a learned 1-D projection.

The first principal component of the body-centred, scale-free pose over the taught clips
(:func:`gymlib.rules.body_centred`: each main bone as a 2-D vector in its own length):
the one direction in which the pose changes most. A movement the registry has no word for (a
shrug: no angle, height or slope moves, the shoulders rise against the hips) still moves the
pose one way and back every rep, and so does this projection. It reads the picture as taught:
from another camera angle the same movement moves the pose another way (a registry measure is
preferred for that reason). It becomes one more measure of the rule table
(``rules.projections`` in the store's rules file, :func:`gymlib.rules.projection_measure`), so
the counter computes it by the same code live.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gymlib.rules import body_centred, parse_rules
from gymlib.teach.signal import (
    Candidate,
    Clip,
    Found,
    _filled,
    _score,
    body_refs,
    posture_of,
    smooth,
)
from gymlib.teach_config import TEACH_DEFAULTS, TeachConfig

#: the signal's measure name until the exercise's name is known (``<name>_pose`` then)
LEARNED = "learned_pose"


def fit_projection(clips: Sequence[Clip]) -> dict[str, list[float]]:
    """``{mean, axis}`` (20 numbers each) of the pose's first principal component over the
    frames of ``clips`` with a person."""
    rows = np.concatenate([body_centred(c.landmarks, c.aspect, body_refs(c)) for c in clips])
    rows = rows[np.all(np.isfinite(rows), axis=1)]
    if len(rows) < 10:
        raise ValueError("too few frames with a person to learn a projection")
    mean = rows.mean(0)
    axis = np.linalg.svd(rows - mean, full_matrices=False)[2][0]
    return {"mean": [round(float(v), 5) for v in mean], "axis": [round(float(v), 5) for v in axis]}


def projected(clip: Clip, spec: dict) -> np.ndarray:
    """The projection's value per frame ``(T,)`` computed by the rule table's measure (the
    counter's code), NaN where nobody is found."""
    book = parse_rules(
        {
            "projections": {LEARNED: spec},
            "probe": {"signal": [{"measure": LEARNED, "top": 0.0, "bottom": 1.0}]},
        },
        "teach projection",
    )
    rules = book["probe"]
    rows = book.compute(
        rules, np.asarray(clip.landmarks, np.float64), body_refs(clip), clip.aspect
    )
    return rows[:, rules.column(LEARNED, "visible")]


def find_learned(clips: Sequence[Clip], *, opts: TeachConfig = TEACH_DEFAULTS) -> Found | None:
    """The learned projection as the counting signal of ``clips`` if it shows
    ``opts.min_cycles`` clean cycles of at least ``opts.learned_min_swing`` (bone lengths; a
    shrug: ~0.2, standing about: a few hundredths) in every clip, else None."""
    try:
        spec = fit_projection(clips)
    except ValueError:
        return None
    values, reps, scores, spans, depths = [], [], [], [], []
    for clip in clips:
        x = _filled(projected(clip, spec), opts)
        score, cyc, top, bottom = _score(x, clip.fps, opts.learned_min_swing, opts)
        if x is None or len(cyc) < opts.min_cycles or score < opts.min_score:
            return None
        s = smooth(x, clip.fps)
        values.append(x)
        reps.append(cyc)
        scores.append(score)
        spans.append((top, bottom))
        depths += [abs(s[c.bottom] - top) for c in cyc]
    top = float(np.median([t for t, _ in spans]))
    way = float(np.sign(np.median([b for _, b in spans]) - top))
    bottom = top + way * float(np.median(depths))
    if not np.all(np.sign([b - t for t, b in spans]) == way):
        return None  # the clips swing it opposite ways: not one movement
    cand = Candidate(LEARNED, "visible", min(scores), tuple(len(r) for r in reps), top, bottom)
    entry = {
        "measure": LEARNED,
        "side": "visible",
        "top": round(top, 3),
        "bottom": round(bottom, 3),
        "abort_beyond": opts.abort_beyond,
    }
    found = Found([entry], [cand], values, reps, posture_of(clips, reps))
    found.projection = spec
    return found
