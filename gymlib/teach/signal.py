"""Find the counting signal of a new exercise in its recording.

Every measure of the rule registry (:data:`gymlib.rules.MEASURES`, each body side combined as
``mean``, ``min`` and ``max``) is computed on the clip exactly as the rep counter computes it, and
scored on how clean a cycle it draws: a big swing against its own frame-to-frame noise, reps of
like depth and like duration; with several clips its worst clip counts. Heights and slopes
against the vertical (:data:`VIEW_INVARIANT`) are preferred over 2-D joint angles, which shrink
when the limb points at the camera: the signal must count from where the user films later, not
only from where they taught it. (Turning the clip to other angles with
:func:`gymlib.features.rotate_view` was tried: MediaPipe's guessed depth turns a clean knee or
hip-height cycle into noise, so it judged the rotation, not the measure.) As in config.yaml's
own rules, the best joint angle with the same number of reps rides along as a second signal
(the counter takes the furthest progress of the two). Each signal's top (the rest position,
where the clip starts) and bottom (the median depth of the reps) come from the reps.

    found = find_signal([clip])            # clips: Clip (landmarks (T, 33, 4), fps, aspect)
    found.spec                             # {"measure": "knee", "side": "min", "top": ..., ...}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from gymlib import angles as A
from gymlib.rules import MEASURES, RuleBook, parse_rules
from gymlib.teach_config import TEACH_DEFAULTS, TeachConfig

#: measures that say where the camera is or how the person is turned, not how they move
NOT_SIGNALS: frozenset[str] = frozenset({"view_yaw", "torso_lean", "standing_height"})
SIDES: tuple[str, ...] = ("mean", "min", "max")
#: heights and slopes against the vertical read alike from every side (a 2-D joint angle
#: shrinks when the limb points at the camera): preferred, the best angle rides along
VIEW_INVARIANT: frozenset[str] = frozenset(
    {"hip_height", "arm_raise", "chin_over_bar", "torso_upright", "thigh_vertical"}
)
# The tuning (teach in config.yaml, passed in as ``opts``): the least swing of a rep by the
# measure's unit (standing about sways joint angles by a few degrees and heights by a few
# hundredths of a limb, smoothly enough to look like cycles); a swing of less than
# ``clear_swing`` times it scores less, in proportion (arms swinging while the person stands
# about move a measure that only just clears the least swing, a hip hinge's hands on the chest,
# 2x, most of the way, and count as reps); below ``min_score`` a measure's cycles are not clean
# (walking's legs score ~0.07, reps 0.5-0.9); a measure with more than ``max_unseen`` of its
# frames unseen is not a signal for the clip; ``abort_beyond``, the counter's, is generous,
# since another camera angle may show a larger swing than the taught one.


def min_swing(measure: str, opts: TeachConfig = TEACH_DEFAULTS) -> float:
    """The least swing of a rep of ``measure``, by its unit."""
    unit = MEASURES[measure].unit
    return opts.min_swing_deg if unit == "deg" else opts.min_swing_other


#: a cycle goes past ENTER of the way from top to bottom and back below LEAVE
ENTER, LEAVE = 0.6, 0.3


class TeachError(ValueError):
    """The recording cannot teach an exercise; the message says what is missing."""


class NoMeasureFits(TeachError):
    """No measure of the registry shows clean cycles (:mod:`gymlib.teach.projection` may)."""


@dataclass(frozen=True)
class Clip:
    """One recording: landmarks ``(T, 33, 4)`` (zeros = nobody), its frame rate, picture shape."""

    landmarks: np.ndarray
    fps: float
    aspect: float
    source: str = ""

    @property
    def seconds(self) -> float:
        return len(self.landmarks) / self.fps


@dataclass(frozen=True)
class Cycle:
    """One rep found in a signal: frames ``start`` (leaves the top), ``bottom``, ``end``."""

    start: int
    bottom: int
    end: int


@dataclass(frozen=True)
class Candidate:
    """A measure scored as a counting signal: ``score`` (0..1, worst over camera angles and
    clips), ``cycles`` found in each clip as filmed, top and bottom as filmed."""

    measure: str
    side: str
    score: float
    cycles: tuple[int, ...]
    top: float
    bottom: float


@dataclass
class Found:
    """What :func:`find_signal` found: the rule entry, the ranking and, per clip, the signal's
    values ``(T,)`` and its reps."""

    specs: list[dict]
    candidates: list[Candidate]
    values: list[np.ndarray]
    reps: list[list[Cycle]]
    posture: list[dict] = field(default_factory=list)
    #: the learned projection's ``{mean, axis}`` when the signal is one
    #: (:mod:`gymlib.teach.projection`), else None
    projection: dict | None = None

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    @property
    def spec(self) -> dict:
        """The main signal's entry."""
        return self.specs[0]


def _probe_book() -> tuple[RuleBook, list[tuple[str, str]]]:
    """A rule book with one probe exercise listing every candidate as a signal, so the
    measures are computed by the very code the counter uses."""
    cols = [
        (name, side)
        for name, m in MEASURES.items()
        if name not in NOT_SIGNALS
        for side in (SIDES if m.sided else ("visible",))
    ]
    signals = [{"measure": n, "side": s, "top": 0.0, "bottom": 1.0} for n, s in cols]
    book = parse_rules({"probe": {"signal": signals}}, "teach probe")
    return book, cols


def measure_table(clip: Clip, landmarks: np.ndarray | None = None) -> tuple[np.ndarray, list]:
    """Every candidate measure on every frame, ``(T, C)`` (NaN where unseen), and the
    ``(measure, side)`` of each column. Body reference lengths are tracked as the counter does."""
    lm = np.asarray(clip.landmarks if landmarks is None else landmarks, np.float64)
    book, cols = _probe_book()
    rules = book["probe"]
    rows = book.compute(rules, lm, body_refs(clip, lm), clip.aspect)
    idx = [rules.column(n, s if MEASURES[n].sided else "visible") for n, s in cols]
    return rows[:, idx], cols


def body_refs(clip: Clip, landmarks: np.ndarray | None = None) -> np.ndarray:
    """The body's reference lengths ``(T, S)`` tracked over the clip as the counter tracks
    them (:class:`gymlib.angles.BodyScale`); NaN before the person is found."""
    lm = np.asarray(clip.landmarks if landmarks is None else landmarks, np.float64)
    present = np.any(lm != 0, axis=(1, 2))
    lengths = A.segment_lengths(lm, aspect=clip.aspect)
    scale = A.BodyScale(clip.fps)
    refs = np.full_like(lengths, np.nan)
    for t in np.flatnonzero(present):
        refs[t] = scale.update(lengths[t])
    return refs


def _filled(x: np.ndarray, opts: TeachConfig = TEACH_DEFAULTS) -> np.ndarray | None:
    seen = ~np.isnan(x)
    if seen.mean() < 1 - opts.max_unseen or seen.sum() < 10:
        return None
    t = np.arange(len(x))
    return np.interp(t, t[seen], x[seen])


def smooth(x: np.ndarray, fps: float, seconds: float = 0.15) -> np.ndarray:
    k = max(int(round(seconds * fps)) | 1, 1)
    pad = np.pad(x, k // 2, mode="edge")
    return np.convolve(pad, np.ones(k) / k, mode="valid")


def cycles_of(x: np.ndarray, fps: float, top: float, bottom: float) -> list[Cycle]:
    """Reps in a series: from ``top`` past :data:`ENTER` of the way to ``bottom`` and back."""
    p = (x - top) / (bottom - top)
    out: list[Cycle] = []
    i, n = 0, len(p)
    while i < n:
        if p[i] <= ENTER:
            i += 1
            continue
        start = i
        while start > 0 and p[start - 1] > 0.2:
            start -= 1
        j = i
        while j < n and p[j] >= LEAVE:
            j += 1
        if j >= n:
            break
        end = j
        while end + 1 < n and p[end + 1] < p[end] and p[end] > 0.2:
            end += 1
        if 0.3 <= (end - start) / fps <= 12:
            out.append(Cycle(start, start + int(np.argmax(p[start : end + 1])), end))
        i = end + 1
    return out


def _score(
    x: np.ndarray | None, fps: float, min_swing: float = 0.0, opts: TeachConfig = TEACH_DEFAULTS
) -> tuple[float, list[Cycle], float, float]:
    """``(score, cycles, top, bottom)`` of one series: the swing against its noise, times the
    regularity of its cycles' depth and duration; 0 with fewer than ``opts.min_cycles``."""
    if x is None:
        return 0.0, [], np.nan, np.nan
    s = smooth(x, fps)
    lo, hi = np.percentile(s, [3, 97])
    swing = hi - lo
    noise = float(np.std(x - s)) + 1e-9
    if swing <= 8 * noise or swing < min_swing:
        return 0.0, [], lo, hi
    start = float(np.median(s[: max(int(fps), 5)]))
    top, bottom = (lo, hi) if abs(start - lo) <= abs(start - hi) else (hi, lo)
    cyc = cycles_of(s, fps, top, bottom)
    if len(cyc) < opts.min_cycles:
        return 0.0, cyc, top, bottom
    depth = np.array([abs(s[c.bottom] - top) for c in cyc])
    dur = np.array([c.end - c.start for c in cyc], float)
    regular = (1 - min(np.std(depth) / np.mean(depth), 1)) * (
        1 - min(np.std(dur) / np.mean(dur), 1)
    )
    snr = min(swing / noise / 40, 1.0)
    return float(snr * regular), cyc, float(top), float(bottom)


def _rank(
    clips: Sequence[Clip], opts: TeachConfig = TEACH_DEFAULTS
) -> tuple[list[Candidate], list[np.ndarray], list]:
    """Every candidate scored on every clip (its worst clip counts), times a preference for
    measures that read the same from every camera angle; best first."""
    filmed, cols = [], []
    for clip in clips:
        table, cols = measure_table(clip)
        filmed.append(table)
    cands = []
    for j, (name, side) in enumerate(cols):
        scores, counts, tops, bottoms = [], [], [], []
        for clip, table in zip(clips, filmed, strict=True):
            least = min_swing(name, opts)
            x = _filled(table[:, j], opts)
            sc, cyc, top, bottom = _score(x, clip.fps, least, opts)
            clear = abs(bottom - top) / (opts.clear_swing * least) if sc else 0.0
            scores.append(sc * min(clear, 1.0))
            counts.append(len(cyc))
            tops.append(top)
            bottoms.append(bottom)
        prefer = 1.0 if name in VIEW_INVARIANT else opts.angle_weight
        cands.append(
            Candidate(
                name,
                side,
                min(scores) * prefer,
                tuple(counts),
                float(np.median(tops)),
                float(np.median(bottoms)),
            )
        )
    order = sorted(range(len(cands)), key=lambda i: -cands[i].score)
    return [cands[i] for i in order], filmed, cols


def find_signal(clips: Sequence[Clip], *, opts: TeachConfig = TEACH_DEFAULTS) -> Found:
    """The counting signal of the movement in ``clips`` (one movement, three reps or more each).

    Raises :class:`TeachError` when no measure shows three clean cycles in every clip, or when
    the clips disagree (one swings the other way or twice as far: not the same movement).
    """
    if not clips:
        raise TeachError("no clips given")
    cands, filmed, cols = _rank(clips, opts)
    best = cands[0]
    if best.score < opts.min_score and len(clips) > 1:
        alone = [_rank([clip], opts)[0][0] for clip in clips]
        if all(c.score >= opts.min_score for c in alone):
            each = "; ".join(
                f"{clip.source}: {c.measure} ({c.side})"
                for clip, c in zip(clips, alone, strict=True)
            )
            raise TeachError(
                f"each clip alone has a clean cycle but no measure cycles in all "
                f"of them ({each}): these look like different movements; teach "
                "them under different names"
            )
    if best.score < opts.min_score:
        most = max(cands, key=lambda c: min(c.cycles))
        raise NoMeasureFits(
            f"no measure shows {opts.min_cycles} clean, even cycles in every clip (the closest, "
            f"{most.measure} ({most.side}), has {min(most.cycles)}); record at least "
            f"{opts.min_cycles} full reps, the whole body in the picture, starting from the rest "
            "position"
        )
    if len(clips) > 1:
        _each_clips_own(clips, best, opts)
    chosen = [best]
    family = best.measure in VIEW_INVARIANT
    for c in cands[1:]:
        if (c.measure in VIEW_INVARIANT) != family and c.score >= opts.min_score:
            if c.cycles == best.cycles:
                chosen.append(c)
            break
    specs, values, reps = [], [], []
    for k, cand in enumerate(chosen):
        j = cols.index((cand.measure, cand.side))
        spans, depths, cyc_all = [], [], []
        for clip, table in zip(clips, filmed, strict=True):
            x = _filled(table[:, j], opts)
            least = min_swing(cand.measure, opts)
            _, cyc, top, bottom = _score(x, clip.fps, least, opts)
            s = smooth(x, clip.fps)
            spans.append((top, bottom))
            depths += [abs(s[c.bottom] - top) for c in cyc]
            cyc_all.append(cyc)
            if k == 0:
                values.append(table[:, j])
        if k == 0:
            _same_movement(clips, spans, cand)
            reps = cyc_all
        top = float(np.median([t for t, _ in spans]))
        way = np.sign(np.median([b for _, b in spans]) - top)
        bottom = top + float(way * np.median(depths))
        lo, hi = MEASURES[cand.measure].valid
        specs.append(
            {
                "measure": cand.measure,
                "side": cand.side,
                "top": round(float(np.clip(top, lo, hi)), 3),
                "bottom": round(float(np.clip(bottom, lo, hi)), 3),
                "abort_beyond": opts.abort_beyond,
            }
        )
    posture = posture_of(clips, reps)
    # no gate on what the counter counts with: another camera angle shows a deeper swing of
    # it (a hip hinge taught from 45 degrees reads 0.67 of upright at the bottom, from the
    # front 0-0.3) and the gate would drop those reps; abort_beyond bounds the signal instead
    counted = {spec["measure"] for spec in specs}
    posture = [p for p in posture if p["measure"] not in counted]
    return Found(specs, cands, values, reps, posture)


def _each_clips_own(
    clips: Sequence[Clip], best: Candidate, opts: TeachConfig = TEACH_DEFAULTS
) -> None:
    """Clips under one name must each draw the chosen measure's cycle about as cleanly as
    their own best measure's (at least ``opts.own_share`` of it: jumping jacks and lunges both
    cycle the knees' distance, 0.5 of either's own best, arms and thighs; clips of one movement
    from other views and bodies 0.7-1.0)."""
    for clip in clips:
        own = _rank([clip], opts)[0]
        mine = next(c for c in own if (c.measure, c.side) == (best.measure, best.side))
        if mine.score < opts.own_share * own[0].score:
            raise TeachError(
                f"{clip.source}: its cleanest cycle is {own[0].measure} ({own[0].side}), "
                f"and {best.measure} ({best.side}), which cycles in every clip, is only "
                f"{mine.score / own[0].score:.0%} as clean here: these look like different "
                "movements; teach them under different names"
            )


def _same_movement(
    clips: Sequence[Clip], spans: list[tuple[float, float]], best: Candidate
) -> None:
    """Clips under one name must swing the signal the same way and about as far."""
    if len(clips) < 2:
        return
    swings = np.array([b - t for t, b in spans])
    ref = float(np.median(swings))
    for clip, s in zip(clips, swings, strict=True):
        if np.sign(s) != np.sign(ref) or not 0.5 <= s / ref <= 2.0:
            raise TeachError(
                f"{clip.source}: {best.measure} ({best.side}) swings {s:+.2f} here but "
                f"{ref:+.2f} in the other clips: these look like different movements; teach "
                "them under different names"
            )


def posture_of(clips: Sequence[Clip], reps: Sequence[Sequence[Cycle]]) -> list[dict]:
    """The start posture (the counter's idle gate): how upright the torso is during the reps,
    widened by a margin, as a ``torso_upright`` bound (none if it ranges widely)."""
    vals = []
    for clip, rr in zip(clips, reps, strict=True):
        table, cols = measure_table(clip)
        col = table[:, cols.index(("torso_upright", "visible"))]
        for r in rr:
            vals.append(col[r.start : r.end + 1])
    v = np.concatenate(vals) if vals else np.zeros(0)
    v = v[~np.isnan(v)]
    if len(v) < 10:
        return []
    lo, hi = np.percentile(v, [2, 98])
    out: list[dict] = []
    if lo - 0.3 > -1:
        out.append({"measure": "torso_upright", "min": round(float(lo - 0.3), 2)})
    if hi + 0.3 < 1:
        out.append({"measure": "torso_upright", "max": round(float(hi + 0.3), 2)})
    return out


def describe(found: Found) -> Mapping[str, object]:
    """A short summary for printing."""
    b = found.best
    return {
        "signal": f"{b.measure} ({b.side})",
        "score": round(b.score, 3),
        "reps per clip": [len(r) for r in found.reps],
        "top": found.spec["top"],
        "bottom": found.spec["bottom"],
        "runners-up": [f"{c.measure} ({c.side}) {c.score:.2f}" for c in found.candidates[1:4]],
    }
