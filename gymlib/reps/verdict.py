"""Stage 5, the verdict at a rep's end: where the rep began, bottomed and ended (level
crossings of its smoothed progress, interpolated between frames and extrapolated to the
movement's onset), whether it was a rep at all (the body's size, the feet and a rise at one
body scale at its ends) and its judgement by the exercise's checks, computed once over its
frames."""

from __future__ import annotations

import bisect
import math
from typing import NamedTuple

import numpy as np

from gymlib import angles as A
from gymlib.reps.events import Rep
from gymlib.reps.feet import FEET_SPAN_S, median_feet, travel
from gymlib.reps.history import History
from gymlib.reps.progress import Signal, reads
from gymlib.reps.series import (
    ONSET,
    crossing,
    frame_spans,
    hold_last_seen,
    median_seen,
    nan_smooth,
)
from gymlib.rules import ExerciseRules, RuleBook, judge_rep


class Peak(NamedTuple):
    """A finished rep's deepest point, on its history's smoothed progress ``seg``."""

    times: np.ndarray  # the history's times (s)
    smooth: np.ndarray  # its smoothed progress
    seg: np.ndarray  # ... up to the latest frame
    down: int  # history index the signal left the top
    bottom_i: int  # ... of the deepest point
    now: int  # ... of the latest frame
    level: float  # the person's own top when the rep began
    peak: float
    height: float

    @property
    def after(self) -> np.ndarray:
        return self.seg[self.bottom_i :]

    def at(self, share: float) -> float:
        """The progress ``share`` of the way from the top to the peak."""
        return self.level + share * self.height


class Bounds(NamedTuple):
    start: int  # history indices
    bottom: int
    end: int  # (may lie ahead of the latest frame: extrapolated)
    last: int  # the rep's last frame seen
    t_start: float
    t_bottom: float
    t_end: float
    pause: float  # seconds held near the bottom


def peak_of(hist: History, down_at: int, done_at: int, base: float, f: int) -> Peak | None:
    """The rep that left the top at stream frame ``down_at`` and came back at ``done_at``, seen
    up to frame ``f``; None when its progress was never seen."""
    i0 = hist.f0
    times = np.asarray(hist.times)
    smooth = nan_smooth(np.asarray(hist.prog, dtype=np.float64), times)
    down, done, now = down_at - i0, done_at - i0, f - i0
    seg = smooth[: now + 1]
    rep_part = seg[down : done + 1]
    if not np.any(~np.isnan(rep_part)):
        return None
    b_rel = int(np.nanargmax(rep_part))
    peak = float(rep_part[b_rel])
    return Peak(times, smooth, seg, down, down + b_rel, now, base, peak, peak - base)


def ascent_over(pk: Peak, p: float, *, force: bool, waited: float) -> bool:
    """The way up is over: back within 10 % of the top, or turned down again (``p``: the
    latest smoothed progress), or waited half a second, or ``force``."""
    if np.any(pk.after <= pk.at(0.1)):
        return True
    turned = p == p and p > float(np.nanmin(pk.after)) + 0.05
    return force or waited >= 0.5 or turned


def bounds_of(
    hist: History, pk: Peak, bottom_band: float, next_down: int | None, prev_end_t: float
) -> Bounds:
    """Where the rep began, bottomed and ended (``next_down``: history index where the next
    rep, already under way, left the top; ``prev_end_t``: the previous rep's end, s)."""
    times, seg, bottom_i = pk.times, pk.seg, pk.bottom_i
    t_end, end, t10u = _ascent(hist, pk)
    if next_down is not None:
        end = min(end, next_down - 1)  # the next rep is already under way
        t_end = min(t_end, hist.time_at(times, end))
    start = _descent(hist, pk)
    # (after the previous rep's end: a time, as frames to come were only guessed then)
    after_prev = bisect.bisect_right(hist.times, prev_end_t)
    start = min(max(start, after_prev, 0), bottom_i)
    end = max(end, bottom_i)
    # the bottom: middle of the frames within 3% of the peak (a pause at the bottom)
    down = pk.down
    near = np.flatnonzero(seg[down : t10u + 1] >= pk.peak - 0.03 * max(pk.height, 1e-9))
    bottom = down + (int(near[0]) + int(near[-1])) // 2 if len(near) else bottom_i
    bottom = min(max(bottom, start), max(end, start))
    band = np.flatnonzero(seg[down : t10u + 1] >= pk.at(1 - bottom_band))
    pause = float(frame_spans(times)[down + band].sum()) if len(band) else 0.0
    last = max(min(end, pk.now), start)
    t_start, t_bottom = hist.time_at(times, start), hist.time_at(times, bottom)
    return Bounds(start, bottom, end, last, t_start, t_bottom, max(t_end, t_bottom), pause)


def _ascent(hist: History, pk: Peak) -> tuple[float, int, int]:
    """``(t_end, end, t10u)``: the 50 % and 10 % crossings on the way up, then the onset model
    to extrapolate the end."""
    times, seg, bottom_i, after = pk.times, pk.seg, pk.bottom_i, pk.after
    lvl10, lvl50 = pk.at(0.1), pk.at(0.5)
    below10 = np.flatnonzero(after <= lvl10)
    up50 = np.flatnonzero(after <= lvl50)
    t50u = bottom_i + (int(up50[0]) if len(up50) else 0)
    if len(below10):
        t10u = bottom_i + int(below10[0])
    else:
        t10u = bottom_i + int(np.nanargmin(after))
    # (the crossings' times between the frames on either side: a slow camera's frames
    # are far apart)
    c50u = crossing(times, seg, t50u - 1, t50u, lvl50) if t50u > bottom_i else times[t50u]
    c10u = crossing(times, seg, t10u - 1, t10u, lvl10) if len(below10) else times[t10u]
    t_end = c10u + ONSET * max(c10u - c50u, 0)
    return t_end, hist.frame_at(times, t_end), t10u


def _descent(hist: History, pk: Peak) -> int:
    """The rep's first frame: the last crossings of 10 % and 50 % before the bottom, then the
    onset model to extrapolate the start."""
    times, seg, bottom_i, level = pk.times, pk.seg, pk.bottom_i, pk.level
    lvl10, lvl50 = pk.at(0.1), pk.at(0.5)
    # (a stretch without the person holds the last value seen; NaN before the first seen
    # frame counts as "not above")
    pre = hold_last_seen(seg[: bottom_i + 1])
    d10 = np.flatnonzero(~(pre > lvl10))
    t10d = int(d10[-1]) if len(d10) else 0
    d50 = np.flatnonzero(~(pre > lvl50))
    t50d = int(d50[-1]) + 1 if len(d50) else bottom_i
    c10d = crossing(times, seg, t10d, t10d + 1, lvl10) if t10d < bottom_i else times[t10d]
    c50d = crossing(times, seg, t50d - 1, t50d, lvl50) if len(d50) else times[t50d]
    t_start = c10d - ONSET * max(c50d - c10d, 0)
    start = hist.frame_at(times, t_start)
    # but not more than half a second before the signal was last at the top (noise there
    # moves that frame): a slow, halting descent (stepping into a stance on the way down)
    # would put the extrapolated onset far back, into the walk to the spot
    d0 = np.flatnonzero(~(pre[: t10d + 1] > level))
    if len(d0):
        start = max(start, hist.frame_at(times, times[int(d0[-1])] - 0.5))
    return start


def moved_between(hist: History, a: int, b: int, max_rep_zoom: float) -> bool:
    """A rep ends as large in the picture as it began; a "rep" that ends much larger or
    smaller was the person walking to or from the camera while their legs bent. ``a``, ``b``:
    history indices. The size is summed over the segments seen at both ends (median over the
    first and the last 0.08 s: three frames at 30 fps): a segment unseen at one end (legs
    partly out of the picture) stood in for by a reference not yet learned (a stream's first
    frames) is no change of size."""
    ends = []
    for lo, n in hist.end_frames(a, b, 2.5 / 30):
        lms = [lm for lm in hist.lms[lo : lo + n] if lm.any()]
        if not lms:
            return False
        seg = A.segment_lengths(np.stack(lms), aspect=hist.aspect)  # (n, S)
        ends.append(np.array([median_seen(c) for c in seg.T]))
    both = ~np.isnan(ends[0]) & ~np.isnan(ends[1])
    s0, s1 = float(ends[0][both].sum()), float(ends[1][both].sum())
    return s0 > 0 and s1 > 0 and abs(math.log(s1 / s0)) > max_rep_zoom


def stepped_between(hist: History, a: int, b: int, max_step: float) -> bool:
    """A rep ends with the feet where they began; a "rep" after which even the foot that
    moved least stands elsewhere (more than ``max_step`` leg lengths) was the person
    walking while their knees bent (a person who walks in slowly, slower than the walking
    gate). ``a``, ``b``: history indices; the median over 0.15 s at each end (five frames
    at 30 fps)."""
    # (the foot that moved LEAST: a walk moves both feet; feet.foot_moved takes the one that
    # moved most, one foot's step into a stance: different questions on purpose)
    ends = []
    for lo, n in hist.end_frames(a, b, FEET_SPAN_S):
        rows = hist.feet_from(lo, n)
        if not rows:
            return False
        ends.append(median_feet(rows))
    moved = min(travel(ends[0], e, ends[0]) for e in (ends[1], ends[1].swapped()))
    return moved == moved and moved > max_step


def hips_lowered(hist: History, a: int, b: int) -> bool:
    """A rep counted on the hips' height over the feet is the hips going down: at its bottom
    they are lower in the picture than at its start. Otherwise the signal rose because the
    foot it is measured from moved: a split stance stepped into or out of changes which ankle
    is lowest and how far below the hips it is (from behind, the near rear foot is lowest in
    the picture), the hips staying up. ``a``: the rep's start, ``b``: its bottom (history
    indices); the median of the hips' midpoint (:class:`Feet`'s) over 0.08 s at each; True
    when unseen."""
    last = len(hist.lms) - 1
    a, b = min(max(a, 0), last), min(max(b, 0), last)
    if b <= a:
        return True
    ys = [median_seen([f.hips_y for f in hist.feet_from(lo, n)])
          for lo, n in hist.end_frames(a, b, 2.5 / 30)]  # fmt: skip
    if ys[0] != ys[0] or ys[1] != ys[1]:
        return True
    return ys[1] > ys[0]  # (image y grows downwards)


def rises_at_one_scale(
    hist: History,
    a: int,
    b: int,
    now: int,
    signal: tuple[RuleBook, ExerciseRules, list[Signal], float],
    share: float,
    reach: float,
    view: str | None = None,
) -> bool:
    """The rep's way back up, measured again with one body scale throughout (the
    references of the latest frame), is at least ``share`` of the way up the live signal saw
    (or of ``reach``). The live signal divides by each frame's references: after walking in
    from near the camera they stay too long for a few seconds, and when they renew the signal
    jumps as if the person rose. Such a "rise" is the scale's, not the body's. ``a``: the
    frame the signal left the top, ``b``: the rep's last frame, ``now``: the latest (history
    indices); the way up runs from the highest point in ``a..b`` to the lowest after it. (The
    rep's start, extrapolated back from the descent, can reach into a walk whose gait would
    pass for a rise.) ``signal``: the rule book, the exercise's rules, its signals and the
    image's aspect; ``view``: the view the view-limited signals are read in (None: all)."""
    book, rules, signals, aspect = signal
    if now - a < 2 or not np.isfinite(hist.refbuf[now]).all():
        return True
    lms = np.stack(hist.lms[a : now + 1])
    refs = np.broadcast_to(hist.refbuf[now], (len(lms), len(hist.no_refs)))
    rows = book.compute(rules, lms, refs, aspect, live=True)
    fixed = np.full(len(lms), np.nan)
    for col, top, span, _, limited in signals:
        if reads(limited, view):  # the view the live progress was read in
            fixed = np.fmax(fixed, (rows[:, col] - top) / span)
    rises = []
    t = np.asarray(hist.times[a : now + 1])
    for prog in (nan_smooth(fixed, t), nan_smooth(np.asarray(hist.prog[a : now + 1]), t)):
        if not np.isfinite(prog[: b - a + 1]).any():
            return True
        k = int(np.nanargmax(prog[: b - a + 1]))
        rises.append(float(prog[k] - np.nanmin(prog[k:])))
    rise_fixed, rise_live = rises
    return rise_fixed >= share * min(rise_live, reach)


def judged(
    rules: ExerciseRules,
    book: RuleBook,
    hist: History,
    pk: Peak,
    b: Bounds,
    bottom_band: float,
    aspect: float,
    **fields: object,
) -> Rep:
    """The rep judged by its exercise's checks, computed once over its frames (not on every
    live frame); ``fields``: the rest of :class:`Rep` (index, exercise, fps)."""
    rows = book.compute(
        rules,
        np.stack(hist.lms[b.start : b.last + 1]),
        np.stack(hist.refbuf[b.start : b.last + 1]),
        aspect,
    )
    prog_rep = pk.smooth[b.start : b.last + 1]
    bottom_mask = prog_rep >= pk.at(1 - bottom_band)
    verdict, results = judge_rep(rules, rows, bottom_mask)
    failed = sorted((r for r in results if r.failed), key=lambda r: -r.severity)
    i0 = hist.f0
    return Rep(
        start=b.start + i0,
        bottom=b.bottom + i0,
        end=b.end + i0,
        rom=float(pk.peak),
        tempo_down=b.t_bottom - b.t_start,
        tempo_up=b.t_end - b.t_bottom,
        pause=b.pause,
        verdict=verdict,
        reasons=tuple(r.name for r in failed),
        messages=tuple(r.message for r in failed),
        not_judged=tuple(r.name for r in results if r.failed is None),
        checks=results,
        start_s=b.t_start,
        bottom_s=b.t_bottom,
        end_s=b.t_end,
        **fields,  # type: ignore[arg-type]
    )
