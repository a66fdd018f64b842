"""Repetition counting with a verdict per rep: a smoothed signal, hysteresis, an idle gate.

The seed counted a rep at every not-correct -> correct colour change, so a person walking in,
setting up or resting made phantom reps, and jitter near a threshold added more. Here a rep is
counted only when the exercise's signal (``rules.<exercise>.signal`` in config.yaml) goes from the
top, past ``reach`` of the configured range, and back to the top, within ``min_rep_s`` to
``max_rep_s``, while the person is in the exercise's start posture and not walking about (and the
classifier, when one is used, says this exercise). Progress is measured as a fraction of the
configured range: 0 at ``signal.top``, 1 at ``signal.bottom``.

Two interfaces give the same reps on the same input (tested)::

    reps = count_reps(landmarks, "squat", fps=30, timestamps=t)  # (T, 33, 4), (T,) -> list[Rep]
    counter = RepCounter("squat", fps=30)
    for frame, t in zip(landmarks, timestamps):                  # (33, 4) or None, seconds
        feedback = counter.update(frame, t)                      # CounterFeedback

No I/O and no clock inside: every duration (smoothing, gates, windows, tempo) comes from the
frames' timestamps, so a camera that slows down or drops frames changes only the smoothness.
Without timestamps a frame's time is its index divided by ``fps``.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from gymlib import angles as A
from gymlib import live_measures as LM
from gymlib.config import Config, ConfigError, build_section, load_config
from gymlib.rules import (
    CheckResult,
    ExerciseRules,
    FormFault,
    RuleBook,
    check_fails,
    fault_text,
    faults_of,
    judge_rep,
    load_rules,
    view_category,
)

# Min-jerk movement: progress is 10% of the way at 24.66% of the time and 50% at half-time, so the
# true onset lies (0.2466 / 0.2534) of the 10%->50% interval before the 10% crossing.
_ONSET = 0.2466 / (0.5 - 0.2466)


@dataclass(frozen=True)
class RepConfig:
    """Counter settings (``reps`` in config.yaml), shared by every exercise."""

    smoothing_s: float = field(default=0.1, metadata={"range": (0.0, 2.0)})
    leave_top: float = field(default=0.1, metadata={"range": (0.01, 0.9)})
    reach: float = field(default=0.22, metadata={"range": (0.02, 1.5)})
    return_frac: float = field(default=0.35, metadata={"range": (0.0, 0.9)})
    abort_beyond: float = field(default=1.8, metadata={"range": (1.0, 10.0)})
    min_rep_s: float = field(default=0.6, metadata={"range": (0.05, 10.0)})
    max_rep_s: float = field(default=8.0, metadata={"range": (0.5, 120.0)})
    settle_s: float = field(default=1.0, metadata={"range": (0.0, 30.0)})
    gate_grace_s: float = field(default=0.5, metadata={"range": (0.0, 10.0)})
    max_gap_s: float = field(default=1.0, metadata={"range": (0.0, 60.0)})
    max_foot_drift: float = field(default=0.35, metadata={"range": (0.01, 20.0)})
    drift_window_s: float = field(default=1.0, metadata={"range": (0.1, 10.0)})
    max_zoom: float = field(default=0.2, metadata={"range": (0.01, 20.0)})
    max_rep_step: float = field(default=0.5, metadata={"range": (0.01, 20.0)})
    walk_upright: float = field(default=2.2, metadata={"range": (0.0, 10.0)})
    walk_torso: float = field(default=0.5, metadata={"range": (-1.0, 1.0)})
    walk_speed: float = field(default=0.15, metadata={"range": (0.0, 20.0)})
    max_turn: float = field(default=30.0, metadata={"range": (1.0, 90.0)})
    hold_s: float = field(default=0.3, metadata={"range": (0.05, 10.0)})
    max_rep_zoom: float = field(default=0.4, metadata={"range": (0.01, 5.0)})
    top_follow_s: float = field(default=3.0, metadata={"range": (0.1, 120.0)})
    bottom_band: float = field(default=0.15, metadata={"range": (0.0, 0.9)})
    warning_on_s: float = field(default=0.3, metadata={"range": (0.0, 10.0)})
    warning_off_s: float = field(default=2.0, metadata={"range": (0.0, 30.0)})
    scale_window_s: float = field(default=6.0, metadata={"range": (0.5, 60.0)})
    scale_shrink: float = field(default=0.85, metadata={"range": (0.1, 0.99)})
    scale_shrink_s: float = field(default=0.7, metadata={"range": (0.05, 10.0)})
    one_scale_share: float = field(default=0.5, metadata={"range": (0.0, 1.0)})
    setup_depth: float = field(default=0.5, metadata={"range": (0.0, 1.0)})
    setup_slow: float = field(default=3.5, metadata={"range": (1.0, 100.0)})
    setup_pause_s: float = field(default=1.0, metadata={"range": (0.0, 60.0)})
    setup_pause: float = field(default=3.0, metadata={"range": (0.0, 100.0)})
    setup_min_reps: int = field(default=3, metadata={"range": (2, 1000)})

    def __post_init__(self) -> None:
        if not self.leave_top < self.reach:
            raise ConfigError(
                f"reps.leave_top ({self.leave_top}) must be below reps.reach ({self.reach})"
            )
        if not self.min_rep_s < self.max_rep_s:
            raise ConfigError(
                f"reps.min_rep_s ({self.min_rep_s}) must be below "
                f"reps.max_rep_s ({self.max_rep_s})"
            )


def load_rep_config(cfg: Config | None = None) -> RepConfig:
    cfg = cfg or load_config()
    return build_section(RepConfig, cfg.extra.get("reps", {}), "reps")


@functools.cache
def _default_rep_config() -> RepConfig:
    return load_rep_config()


@dataclass(frozen=True)
class Rep:
    """One counted repetition. Frames index the input stream; times are in seconds."""

    index: int  # 1-based within the stream
    exercise: str
    start: int  # frames fed to the counter (the stream's frames when none was dropped)
    bottom: int
    end: int
    fps: float  # the nominal rate the counter was made with
    rom: float  # range of motion reached, fraction of the configured full range
    tempo_down: float
    tempo_up: float
    pause: float  # time held near the bottom
    verdict: str  # good | partial | faulty
    reasons: tuple[str, ...] = ()  # names of the failed checks
    messages: tuple[str, ...] = ()  # their texts, most severe first
    not_judged: tuple[str, ...] = ()  # checks this camera view or visibility could not judge
    checks: tuple[CheckResult, ...] = ()
    # stream times (seconds, from the frames' timestamps) of start, bottom and end; NaN: from
    # the frame numbers at ``fps``
    start_s: float = math.nan
    bottom_s: float = math.nan
    end_s: float = math.nan

    def time_of(self, which: str) -> float:
        """Stream time in seconds of ``"start"``, ``"bottom"`` or ``"end"``."""
        t = getattr(self, f"{which}_s")
        return t if t == t else getattr(self, which) / self.fps

    @property
    def duration(self) -> float:
        return self.time_of("end") - self.time_of("start") + 1 / self.fps

    @property
    def faults(self) -> tuple[FormFault, ...]:
        """The failed checks with their measured values and limits, most severe first."""
        return faults_of(self.checks)

    def as_row(self) -> dict[str, object]:
        """A flat dict for tables (``reps.csv``)."""
        return {
            "rep": self.index,
            "exercise": self.exercise,
            "start": self.start,
            "bottom": self.bottom,
            "end": self.end,
            "start_s": round(self.time_of("start"), 3),
            "end_s": round(self.time_of("end"), 3),
            "rom": round(self.rom, 3),
            "down_s": round(self.tempo_down, 2),
            "up_s": round(self.tempo_up, 2),
            "pause_s": round(self.pause, 2),
            "verdict": self.verdict,
            "reasons": ";".join(self.reasons),
            "faults": fault_text(self.checks),  # each fault's value and limit in words
        }


@dataclass(frozen=True)
class Warning:
    """A form warning on screen: shown after holding ``warning_on_s``, kept ``warning_off_s``."""

    name: str
    message: str
    severity: int
    since: float  # seconds (stream time) when it started showing


@dataclass(frozen=True)
class CounterFeedback:
    """What the counter says after one frame."""

    frame: int
    time: float
    person: bool  # a person was detected in this frame
    phase: str  # idle | top | down | bottom | up
    progress: float  # 0 at the top .. 1 at a full bottom (NaN if unseen)
    reps: int  # counted so far
    counts: dict[str, int]  # by verdict: good, partial, faulty
    rep: Rep | None  # the rep that finished on this frame, if any
    warnings: tuple[Warning, ...]  # active, most severe first


_NOBODY = np.zeros((33, 4))


# longer than this without a person (more than MediaPipe's brief dropouts), the feet's earlier
# positions no longer tell whether they travel
_FEET_GAP_S = 0.2
# the view's yaw is averaged over about a third of a second (10 % per frame at 30 fps)
_YAW_S = -1 / (30 * math.log(0.9))
# one signal this long far past its bottom: leaving the exercise, not a rep
_BEYOND_S = 0.3
# times are sums of frame intervals: a comparison with a setting allows for their rounding
_EPS_S = 1e-6


def _ema_weight(dt: float, tau: float) -> float:
    """Weight of a new sample ``dt`` seconds after the last in an exponential average with time
    constant ``tau`` seconds (1: no smoothing, or no earlier sample)."""
    if not dt == dt or tau <= 0 or dt == math.inf:
        return 1.0
    return 1.0 - math.exp(-dt / tau)


_THIGH, _SHANK = A.SEGMENT_NAMES.index("thigh"), A.SEGMENT_NAMES.index("shank")
_UPPER_ARM, _FOREARM = A.SEGMENT_NAMES.index("upper_arm"), A.SEGMENT_NAMES.index("forearm")
_TORSO = A.SEGMENT_NAMES.index("torso")
#: The leg (thigh + shank) against the arm (upper arm + forearm) and the torso (shoulder to
#: hip): about 0.49, 0.33 and 0.29 of an adult's height (Winter's segment table: leg 1.48 arms,
#: 1.7 torsos), taken a little short so that a leg seen at full length always wins.
LEG_PER_ARM, LEG_PER_TORSO = 1.35, 1.5


def _leg_length(refs: Sequence[float]) -> float:
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
_FORESHORTENED = 0.6

_ANKLES_HIPS = [A.L.LEFT_ANKLE, A.L.RIGHT_ANKLE, A.L.LEFT_HIP, A.L.RIGHT_HIP]
_SHOULDERS_WRISTS = [A.L.LEFT_SHOULDER, A.L.RIGHT_SHOULDER, A.L.LEFT_WRIST, A.L.RIGHT_WRIST]


class Feet(NamedTuple):
    """Where the person stands in one frame (see :func:`_feet`)."""

    left_x: float  # ankles and hips' midpoint in image heights; NaN unseen
    left_y: float
    right_x: float
    right_y: float
    leg: float  # the leg's reference length
    body_leg: float  # the leg's length as the body's proportions give it (:func:`_leg_length`)
    size: float  # the body's size in the image: its segment lengths summed
    hips_x: float
    hips_y: float


def _feet(
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
        _leg_length(refs),
        size,
        (lhx + rhx) / 2 * aspect if hips else nan,
        (lhy + rhy) / 2 if hips else nan,
    )


def _walks_upright(
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


def _travel(old: Feet, new: Feet, unit: Feet, *, in_rep: bool = False) -> float:
    """How far the feet moved between two rows of :func:`_feet`, in leg lengths (``unit``'s):
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
        short = in_rep and unit.leg < _FORESHORTENED * unit.body_leg
        leg = unit.body_leg if short else unit.leg
        return moved / leg if leg > 0 else math.nan
    hips = math.hypot(new.hips_x - old.hips_x, new.hips_y - old.hips_y)
    return hips / unit.body_leg if unit.body_leg > 0 else math.nan


#: Half-width of the centred average that smooths a rep's progress before its boundaries are
#: found: two frames either side at 30 fps, one at 15 fps.
_SMOOTH_HALF_S = 2.5 / 30
# the longest time between two seen frames that a rep's progress is bridged over
_BRIDGE_S = 0.2


def _nan_smooth(x: np.ndarray, t: np.ndarray, half_s: float = _SMOOTH_HALF_S) -> np.ndarray:
    """Centred moving average of ``x`` ``(N,)`` over the frames within ``half_s`` seconds of
    each (``t`` ``(N,)``: their times, increasing), ignoring NaN. Where none is seen, the
    straight line between the seen frames either side, when those are at most
    ``_BRIDGE_S`` apart (a frame or two the pose model missed, from a slow camera); else NaN."""
    ok = ~np.isnan(x)
    v = np.where(ok, x, 0.0)
    c = np.concatenate([[0.0], np.cumsum(v)])
    n = np.concatenate([[0.0], np.cumsum(ok)])
    lo = np.searchsorted(t, t - half_s, side="left")
    hi = np.searchsorted(t, t + half_s, side="right")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (c[hi] - c[lo]) / (n[hi] - n[lo])
    holes = np.flatnonzero(np.isnan(out))
    seen = np.flatnonzero(ok)
    if len(holes) and len(seen) > 1:
        after = np.searchsorted(seen, holes)
        inside = (after > 0) & (after < len(seen))
        holes, after = holes[inside], after[inside]
        a, b = seen[after - 1], seen[after]
        short = t[b] - t[a] <= _BRIDGE_S + _EPS_S
        holes, a, b = holes[short], a[short], b[short]
        out[holes] = x[a] + (x[b] - x[a]) * (t[holes] - t[a]) / (t[b] - t[a])
    return out


def _hold_last_seen(x: np.ndarray) -> np.ndarray:
    """``x`` ``(N,)`` with each NaN replaced by the last value seen before it (leading NaN
    stay)."""
    idx = np.where(np.isnan(x), 0, np.arange(len(x)))
    np.maximum.accumulate(idx, out=idx)
    out = x[idx]
    out[: np.argmax(~np.isnan(x)) if np.any(~np.isnan(x)) else len(x)] = np.nan
    return out


def _crossing(t: np.ndarray, x: np.ndarray, i: int, j: int, level: float) -> float:
    """The time at which ``x`` (values at times ``t``) crosses ``level`` from index ``i`` to
    ``j = i + 1``: linear between the nearest seen values (at or before ``i``, at or after
    ``j``); ``t[j]`` where there are none."""
    while 0 < i < len(x) and x[i] != x[i]:
        i -= 1
    while 0 <= j < len(x) - 1 and x[j] != x[j]:
        j += 1
    if 0 <= i < len(x) and 0 <= j < len(x):
        a, b = x[i], x[j]
        if a == a and b == b and a != b:
            return float(t[i] + min(max((level - a) / (b - a), 0.0), 1.0) * (t[j] - t[i]))
    return float(t[min(max(j, 0), len(t) - 1)])


def _frame_spans(t: np.ndarray) -> np.ndarray:
    """How long each frame of ``t`` ``(N,)`` (times, increasing) stood for: the interval since
    the previous one (the first: the median interval)."""
    spans = np.diff(t, prepend=np.nan)
    if len(t) > 1:
        spans[0] = np.median(spans[1:])
    else:
        spans[:] = 0.0
    return spans


def _median_seen(values: Sequence[float]) -> float:
    """Median of the values that are not NaN (NaN if none is)."""
    seen = [v for v in values if v == v]
    return float(np.median(seen)) if seen else math.nan


class _Warnings:
    """Hysteresis in time for warnings: no flicker."""

    def __init__(self, on_s: float, off_s: float) -> None:
        self.on_s, self.off_s = on_s, off_s
        self.first_true: dict[str, float] = {}
        self.last_true: dict[str, float] = {}
        self.shown: dict[str, Warning] = {}

    def observe(self, name: str, message: str, severity: int, now: float, true: bool) -> None:
        if true:
            self.first_true.setdefault(name, now)
            self.last_true[name] = now
            if name not in self.shown and now - self.first_true[name] >= self.on_s:
                self.shown[name] = Warning(name, message, severity, now)
        else:
            self.first_true.pop(name, None)

    def raise_now(self, name: str, message: str, severity: int, now: float) -> None:
        """A finished rep's failed check: show at once, keep for ``off_s``."""
        self.last_true[name] = now
        if name not in self.shown:
            self.shown[name] = Warning(name, message, severity, now)

    def active(self, now: float) -> tuple[Warning, ...]:
        for name in list(self.shown):
            if now - self.last_true.get(name, -math.inf) > self.off_s:
                del self.shown[name]
                self.first_true.pop(name, None)
        return tuple(sorted(self.shown.values(), key=lambda w: (-w.severity, w.since)))


class RepCounter:
    """Streaming rep counter and judge for one exercise; ``update`` takes one frame at a time.

    ``update(frame, t, active=True)``: ``frame`` is ``(33, 4)`` or None (no person), ``t`` its
    time in seconds (increasing; None: the frame's number / ``fps``); ``active=False`` means the
    classifier does not see this exercise (unknown): no rep starts and one under way is dropped,
    but a person holding the start position is ready once it is sure again. ``fps`` is only the
    nominal rate: it times frames fed without ``t`` and sizes the body-scale buffer.
    """

    def __init__(
        self,
        exercise: str,
        fps: float,
        *,
        aspect: float = 4 / 3,
        rules: RuleBook | None = None,
        config: RepConfig | None = None,
    ) -> None:
        if not fps > 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        if not aspect > 0:
            raise ValueError(f"aspect (image width / height) must be > 0, got {aspect}")
        self.book = rules or load_rules()
        self.rules: ExerciseRules = self.book[exercise]
        self.cfg = config or _default_rep_config()
        self.exercise, self.fps, self.aspect = exercise, float(fps), float(aspect)
        self.scale = A.BodyScale(
            self.fps,
            window_s=self.cfg.scale_window_s,
            shrink=self.cfg.scale_shrink,
            shrink_s=self.cfg.scale_shrink_s,
        )
        sigs = self.rules.signals
        # per signal: its column in a live row, top, bottom - top, abort_beyond (plain floats:
        # they are read on every frame)
        self._sigs = [
            (
                self.rules.live_column(s.measure, s.side),
                float(s.top),
                float(s.bottom - s.top),
                float(s.abort_beyond or math.inf),
            )
            for s in sigs
        ]
        count = self.rules.count

        def own(key: str) -> float:  # the exercise's own count setting, else the shared one
            value = getattr(count, key)
            return getattr(self.cfg, key) if value is None else value

        keys = ("leave_top", "reach", "max_foot_drift", "abort_beyond", "max_rep_step")
        self._leave_top, self._reach, self._max_drift, self._abort, self._max_step = (
            own(k) for k in keys
        )
        if not self._leave_top < self._reach:
            raise ConfigError(
                f"rules.{exercise}.count: leave_top ({self._leave_top}) must be below reach "
                f"({self._reach})"
            )
        self._posture = [
            (self.rules.live_column(p.measure, p.side), p.min, p.max) for p in self.rules.posture
        ]
        self._live = [
            (self.rules.live_column(c.measure, c.side), c)
            for c in self.rules.checks
            if c.at == "rep" and c.live
        ]
        self._yaw_col = self.rules.live_column("view_yaw", "visible")
        # the feet's net travel is measured over ``drift_window_s``, at least two frames apart
        self._drift_s = max(self.cfg.drift_window_s, 2.0 / self.fps)
        self._warn = _Warnings(self.cfg.warning_on_s, self.cfg.warning_off_s)
        self._no_refs = np.full(len(A.SEGMENT_NAMES), np.nan)
        self.start_frame = 0  # frame number of the first frame fed (see start_at)
        # bottom frames of movements not to count (offline: set-up found by setup_reps)
        self.skip: frozenset[int] = frozenset()
        self.reset()

    # ---------------------------------------------------------------------------------------
    def start_at(self, frame: int) -> None:
        """Number frames from ``frame`` on (a counter created mid-stream reports stream frames)."""
        self.start_frame = int(frame)
        self.reset()

    def continue_from(self, earlier: RepCounter) -> None:
        """Go on with ``earlier``'s count (call before feeding frames): its reps and counts come
        first, and a rep whose bottom it has counted already is not counted again. For a new
        counter that watches the last seconds again once the exercise is recognised
        (:class:`gymlib.session.CoachSession`)."""
        self.reps = list(earlier.reps)
        self.counts = dict(earlier.counts)
        self._prev_end = self._counted_until = earlier._prev_end
        self._prev_end_t = earlier._prev_end_t

    def reset(self) -> None:
        """Forget everything: a new set or a new person."""
        start = self.start_frame
        self.frame = start - 1
        self.time = math.nan  # of the last frame fed
        self.reps: list[Rep] = []
        self.counts = {"good": 0, "partial": 0, "faulty": 0}
        self.state = "idle"
        self._ema = math.nan
        self._ema_near = math.nan  # the nearest of the signals to their top, smoothed
        self._valley = math.nan
        self._base = math.nan
        self._last_seen = -math.inf  # time a signal was last seen
        self._feet: Feet | None = None
        self._speed = 0.0
        self._feet_hist: deque[tuple[float, Feet, float]] = deque()  # time, feet, yaw
        self._zoom = 0.0
        # time since when the person has stood still (not walking, not turning round); see
        # the start position in _step
        self._steady_since = -math.inf
        self._first_seen = math.nan  # time the signal was first seen
        self._t_first = math.nan  # time of the stream's first frame
        self._beyond_since = math.nan  # time one signal went far past its bottom
        self._bad_since = math.nan  # time the gate closed
        self._posture_bad_since = math.nan
        self._yaw = math.nan
        # per-frame history since the start of the current top period: raw progress, landmarks,
        # body reference lengths
        self._f0 = start
        self._prog: list[float] = []
        self._times: list[float] = []  # seconds
        self._lms: list[np.ndarray] = []  # landmarks per frame (zeros: nobody)
        self._refbuf: list[np.ndarray] = []  # body reference lengths per frame
        self._down_at = -1  # frame the signal left the top (rep candidate)
        self._down_t = math.nan  # and its time
        self._down_unproven = False  # begun before the person was seen standing still
        self._hold, self._hold_since = math.nan, -1  # a level held on the way down, since
        self._hold_t, self._hold_n = math.nan, 0  # since when (s), over how many frames
        self._hold_last = math.nan  # its last frame's time
        self._rebase: tuple[float, int] | None = None  # (level, frame) of a held start
        self._peak = -math.inf
        self._pending: dict[str, float] | None = None  # completed rep awaiting its end frame
        self._prev_end = -(10**9)  # end frame of the last rep
        self._prev_end_t = -math.inf  # and its time
        self._counted_until = -(10**9)  # an earlier counter's last rep end (continue_from)

    # ---------------------------------------------------------------------------------------
    def _measure(self, frame: np.ndarray) -> tuple[list[float], np.ndarray, Feet]:
        """One frame ``(33, 4)``: its live measures, body references ``(S,)`` and feet."""
        points = LM.Points(frame, self.aspect)
        lengths = LM.segment_lengths(points)
        refs = self.scale.update(np.array(lengths), self.time)
        ref_list = refs.tolist()
        row = self.book.compute_frame(
            self.rules, frame, ref_list, self.aspect, live=True, points=points
        )
        return row, refs, _feet(points.rows, ref_list, self.aspect, lengths)

    def update(
        self, frame: np.ndarray | None, t: float | None = None, *, active: bool = True
    ) -> CounterFeedback:
        """Feed one frame ``(33, 4)`` (or None: nobody detected) at time ``t`` seconds (None:
        the frame's number / ``fps``); get the feedback for it."""
        self._tick(t)
        if frame is not None:
            frame = np.asarray(frame, dtype=np.float64)
            if frame.shape != (33, 4):
                raise ValueError(f"frame must have shape (33, 4), got {frame.shape}")
            if not np.any(frame[:, 3] > 0) and not np.any(frame[:, :2]):
                frame = None
        if frame is None:
            return self._step(None, None, None, None, active)
        row, refs, feet = self._measure(frame)
        return self._step(row, frame, refs, feet, active)

    def _tick(self, t: float | None) -> None:
        """Advance to the next frame, at ``t`` seconds (None: its number / ``fps``)."""
        self.frame += 1
        now = self.frame / self.fps if t is None else float(t)
        if not math.isfinite(now) or (self.time == self.time and not now > self.time):
            self.frame -= 1
            raise ValueError(
                f"frame time must be finite and increase: got {t} s after {self.time} s"
            )
        self.time = now

    def _step(
        self,
        row: list[float] | None,
        frame: np.ndarray | None,
        refs: np.ndarray | None,
        feet: Feet | None,
        active: bool,
    ) -> CounterFeedback:
        f, now = self.frame, self.time
        # the time since the previous frame (NaN on the first): every smoothing is an
        # exponential average with a time constant, so a slower camera smooths the same
        dt = now - self._times[-1] if self._times else math.nan
        if self._t_first != self._t_first:
            self._t_first = now
        cfg = self.cfg
        finished: Rep | None = None
        person = row is not None
        p_raw = math.nan
        walking_in = False
        vals: list[float] = [] if row is None else row
        if row is not None:
            # progress: the furthest of the signals seen; one signal far past the bottom for a
            # while: leaving the exercise (e.g. letting go of the bar), even if another signal
            # looks like a rep
            far = False
            near = math.nan
            for col, top, span, abort in self._sigs:
                prog = (vals[col] - top) / span
                if prog == prog:
                    p_raw = prog if p_raw != p_raw else max(p_raw, prog)
                    near = prog if near != near else min(near, prog)
                    far = far or prog > abort
            if not far:
                self._beyond_since = math.nan
            elif self._beyond_since != self._beyond_since:
                self._beyond_since = now
            if p_raw == p_raw:
                # (since the signal was last seen: a frame without it adds nothing)
                a = _ema_weight(now - self._last_seen, cfg.smoothing_s)
                self._ema = (
                    p_raw if self._ema != self._ema else self._ema + a * (p_raw - self._ema)
                )
                self._ema_near = (
                    near
                    if self._ema_near != self._ema_near
                    else (self._ema_near + a * (near - self._ema_near))
                )
                self._last_seen = now
                if self._first_seen != self._first_seen:
                    self._first_seen = now
            y = vals[self._yaw_col]
            if y == y:
                a = _ema_weight(dt, _YAW_S)
                self._yaw = y if self._yaw != self._yaw else self._yaw + a * (y - self._yaw)
            # walking about: the feet travel (leg lengths per second over the last
            # ``drift_window_s``, net: the back-and-forth of a rep cancels out, a walker's
            # steps add up)
            assert feet is not None
            hist = self._feet_hist
            if hist and now - hist[-1][0] > _FEET_GAP_S + _EPS_S:
                hist.clear()  # nobody seen for a while: the feet may have moved meanwhile
            hist.append((now, feet, self._yaw))
            while now - hist[0][0] > self._drift_s + _EPS_S:
                hist.popleft()
            t0, old, yaw0 = hist[0]
            if 2 * (now - t0) >= self._drift_s - _EPS_S:
                # (legs seen end-on during a rep, see _travel; not a person standing up to walk
                # off, whose leg reference still holds the plank's)
                end_on = (
                    self.state in ("down", "bottom", "up")
                    and feet.leg < _FORESHORTENED * feet.body_leg
                    and not _walks_upright(frame, refs, self.aspect, cfg, unseen=True)
                )
                moved = _travel(old, feet, feet, in_rep=end_on)
                if moved == moved:
                    self._speed = moved / (now - t0)
            if self._feet is not None and dt > 0:
                # and stepping towards or away from the camera: the body's size drifts (its
                # log per second, averaged over about a second)
                if feet.size > 0 and self._feet.size > 0:
                    zoom = min(max(math.log(feet.size / self._feet.size) / dt, -3.0), 3.0)
                    self._zoom += min(dt, 1.0) * (zoom - self._zoom)
            self._feet = feet
            # before a set (no rep lately), the start position is held only once the person
            # stopped turning round (walking in facing the camera, then standing side-on)
            turning = abs(self._yaw - yaw0) > cfg.max_turn
            rested = now - self._prev_end_t > 2 * cfg.settle_s + _EPS_S
            if rested and (turning or self._speed > self._max_drift):
                self._steady_since = now
            # and walking towards or away from the camera: upright (not lying down into a plank,
            # which also changes the body's size), arms down (not hanging from a bar) and the
            # feet moving (a squat filmed from the front shrinks too): the top is measured again
            # once they stop
            walking_in = (
                rested
                and abs(self._zoom) > cfg.max_zoom
                and self._speed > cfg.walk_speed
                and _walks_upright(frame, refs, self.aspect, cfg)
            )
        self._prog.append(p_raw)
        self._times.append(now)
        self._lms.append(frame if frame is not None else _NOBODY)
        self._refbuf.append(refs if refs is not None else self._no_refs)

        gap = now - self._last_seen > cfg.max_gap_s + _EPS_S
        posture_ok = row is not None and all(
            (lo is None or vals[c] >= lo) and (hi is None or vals[c] <= hi)
            for c, lo, hi in self._posture
            if vals[c] == vals[c]
        )
        ok = active and self._speed <= self._max_drift and not gap
        if ok:
            self._bad_since = math.nan
        elif self._bad_since != self._bad_since:
            self._bad_since = now
        # a brief flicker (walking-like drift, a missed frame) does not end a rep; idling does
        gate = ok or (
            self.state != "idle" and not gap and now - self._bad_since < cfg.gate_grace_s - _EPS_S
        )
        # a rep starts only once the person has held the start position for a moment and is
        # not walking towards or away from the camera
        settled = (
            now - self._steady_since >= cfg.settle_s - _EPS_S and abs(self._zoom) <= cfg.max_zoom
        )
        p = self._ema

        # a completed rep waiting for its end frame
        if self._pending is not None:
            finished = self._try_finish(f, p, force=not gate or gap)

        # Rep detection relative to the person's own top (the valley of progress before the
        # rep), not to absolute values: a rep rises at least `reach` above it, then comes back
        # within `return_frac` of that rise. A bounce at the bottom is not a return.
        # the classifier not sure (only that) keeps the start position: no rep starts, but the
        # person who holds it is ready the moment it is sure
        unsure = not active and self._speed <= self._max_drift and not gap
        if not gate and not (unsure and self.state in ("idle", "top")):
            self._to_idle(f)
        elif self.state == "idle":
            # the start position: one signal at least near its top (a camera can cut off or
            # foreshorten the other: a bar above the picture, arms pointing at the lens). The
            # nearest signal's smoothed progress is never above ``p``, the furthest one's
            if p == p and posture_ok and self._ema_near < 0.5:
                self.state, self._valley = "top", p
                # the position is held a moment before a rep starts, except by a person seen
                # in it from the stream's first frame (a clip that begins with the set) who
                # does not look like a walker: before the feet's travel can be measured nothing
                # else tells that they walked in
                if (
                    now - self._first_seen > self._drift_s / 2
                    or self._first_seen > self._t_first
                    or self._steady_since > -math.inf
                    or _walks_upright(frame, refs, self.aspect, cfg, unseen=True)
                ):
                    self._steady_since = now
                if self._pending is None:  # a rep waiting for its end keeps its frames
                    self._trim(f)
        elif self.state == "top":
            if self._pending is None and now - self._times[0] > 3.0:
                self._trim_before(now - 2.0)  # a long wait at the top: keep the last 2 s
            if p == p:
                if p < self._valley:
                    self._valley = p
                else:  # the top drifts: follow it upwards slowly
                    self._valley += _ema_weight(dt, cfg.top_follow_s) * (p - self._valley)
                if walking_in:
                    self._valley, self._steady_since = p, now
            if p == p and p >= self._valley + self._leave_top and settled and gate:
                self.state, self._down_at, self._down_t = "down", f, now
                self._down_unproven = self._steady_since == -math.inf
                self._peak, self._base = p, self._valley
                self._hold, self._hold_since, self._rebase = p, f, None
                self._hold_t, self._hold_last, self._hold_n = now, now, 1
            elif not posture_ok and person:
                # out of the start position for a while (not just a fast start): idle
                if self._posture_bad_since != self._posture_bad_since:
                    self._posture_bad_since = now
                elif now - self._posture_bad_since > cfg.gate_grace_s + _EPS_S:
                    self._to_idle(f)
            if posture_ok:
                self._posture_bad_since = math.nan
        elif self.state in ("down", "bottom", "up"):
            if p == p and self.state != "up":
                if p_raw == p_raw:  # (seen: a frame without the person holds nothing)
                    self._watch_hold(f, now, p)
            if p == p and p > self._peak:
                self._peak = p
                if self.state == "up":
                    self.state = "bottom"  # went down again before coming back up: same rep
            rise = self._peak - self._base
            dur = now - self._down_t
            if (
                dur > cfg.max_rep_s + _EPS_S
                or now - self._beyond_since >= _BEYOND_S - _EPS_S
                or (p == p and p - self._base > self._abort)
            ):
                self._to_idle(f)
            elif p == p and rise >= self._reach and self.state == "down":
                self.state = "bottom"
            elif self.state == "bottom" and p == p and p < self._peak - 0.5 * rise:
                self.state = "up"
            if self.state == "down" and p == p and p < self._base + 0.5 * self._leave_top:
                self.state = "top"  # a dip, not a rep
            elif self.state == "up" and p == p and p < self._base + cfg.return_frac * rise:
                if dur >= cfg.min_rep_s - _EPS_S:
                    if self._pending is not None:  # a previous one still waiting: close it now
                        finished = self._try_finish(f, p, force=True) or finished
                    self._pending = {
                        "down_at": self._down_at, "done_at": f, "done_t": now, "base": self._base,
                        "unproven": self._down_unproven,
                    }  # fmt: skip
                    finished = self._try_finish(f, p, force=False) or finished
                self.state, self._valley = "top", p

        # live warnings from per-frame checks while a rep is under way
        in_rep = self.state in ("down", "bottom", "up")
        view = view_category(self._yaw)
        for col, spec in self._live:
            val = vals[col] if row is not None else math.nan
            true = in_rep and val == val and view in spec.views and check_fails(spec, val)
            self._warn.observe(spec.name, spec.message, spec.severity, now, bool(true))
        if finished is not None:
            for r in finished.checks:
                if r.failed:
                    self._warn.raise_now(r.name, r.message, r.severity, now)
        return CounterFeedback(
            frame=f,
            time=now,
            person=person,
            phase=self.state,
            progress=p,
            reps=len(self.reps),
            counts=dict(self.counts),
            rep=finished,
            warnings=self._warn.active(now),
        )

    def _watch_hold(self, f: int, now: float, p: float) -> None:
        """On the way down: a position held ``hold_s``, then a descent from it at least as deep
        as the way to it, was the real start position (stepping into a split stance, settling
        under the bar), not the first part of the rep: the rep is measured from there."""
        band = 0.5 * self._leave_top
        if abs(p - self._hold) <= band:
            self._hold_n += 1
            self._hold_last = now
            self._hold += (p - self._hold) / self._hold_n  # the held level: mean of its frames
            return
        if (
            p > self._hold
            # (held from its first to its last frame, and on to this one, at most a frame
            # interval: a slow camera's gap is no hold)
            and self._hold_last - self._hold_t + min(now - self._hold_last, 1 / self.fps)
            >= self.cfg.hold_s - _EPS_S
            and self._hold >= self._peak - band
            and self._hold > self._base + band
        ):
            self._rebase = (self._hold, f - 1)
        self._hold, self._hold_since, self._hold_n = p, f, 1
        self._hold_t = self._hold_last = now
        if self._rebase is not None:
            level, at = self._rebase
            if p < level - band:
                self._rebase = None  # back up: the hold was the bottom of a rep
            elif p - level >= max(self._reach, level - self._base):
                self._base, self._down_at, self._peak = level, at, p
                self.state, self._rebase = "down", None

    # ---------------------------------------------------------------------------------------
    def _to_idle(self, f: int) -> None:
        self.state = "idle"
        self._down_at = -1
        if self._pending is None:
            self._trim(f)

    def _trim(self, f: int) -> None:
        """Drop history before frame ``f`` (keep ``f`` itself: it starts the new top period)."""
        self._drop(f - self._f0)

    def _trim_before(self, t: float) -> None:
        """Drop history before time ``t``."""
        self._drop(bisect.bisect_left(self._times, t))

    def _drop(self, n: int) -> None:
        """Drop the first ``n`` frames of history."""
        if n > 0:
            del self._prog[:n]
            del self._times[:n]
            del self._lms[:n]
            del self._refbuf[:n]
            self._f0 += n

    def _try_finish(self, f: int, p: float, *, force: bool) -> Rep | None:
        """Close the pending rep once its end is found (or ``force``); returns it when counted."""
        pend = self._pending
        assert pend is not None
        if pend["unproven"] and self._bad_since == self._bad_since:
            # begun before walking could be measured and walking now: a flicker, or the first
            # strides of a walk-in (then the walk goes on)
            if self.time - self._bad_since < self.cfg.gate_grace_s - _EPS_S:
                return None
            self._pending = None
            return None
        i0 = self._f0
        prog = np.asarray(self._prog, dtype=np.float64)
        times = np.asarray(self._times)
        smooth = _nan_smooth(prog, times)
        down, done = int(pend["down_at"]) - i0, int(pend["done_at"]) - i0
        now = f - i0
        seg = smooth[: now + 1]
        # the top level before the rep: the person's own top when the rep began
        level = float(pend["base"])
        rep_part = seg[down : done + 1]
        if not np.any(~np.isnan(rep_part)):
            self._pending = None
            return None
        b_rel = int(np.nanargmax(rep_part))
        peak = float(rep_part[b_rel])
        height = peak - level
        lvl10, lvl50 = level + 0.1 * height, level + 0.5 * height
        after = seg[down + b_rel :]
        below10 = np.flatnonzero(after <= lvl10)
        waited = self.time - pend["done_t"]
        turned = p == p and p > float(np.nanmin(after)) + 0.05
        if len(below10) == 0 and not (force or waited >= 0.5 or turned):
            return None  # keep waiting for the ascent to finish
        self._pending = None
        bottom_i = down + b_rel
        if bottom_i + i0 <= self._counted_until:
            return None  # counted already (see continue_from): the same movement seen again
        # ascent: 50% and 10% crossings, then the onset model to extrapolate the end
        up50 = np.flatnonzero(after <= lvl50)
        t50u = bottom_i + (int(up50[0]) if len(up50) else 0)
        if len(below10):
            t10u = bottom_i + int(below10[0])
        else:
            t10u = bottom_i + int(np.nanargmin(after))
        # (the crossings' times between the frames on either side: a slow camera's frames
        # are far apart)
        c50u = _crossing(times, seg, t50u - 1, t50u, lvl50) if t50u > bottom_i else times[t50u]
        c10u = _crossing(times, seg, t10u - 1, t10u, lvl10) if len(below10) else times[t10u]
        t_end = c10u + _ONSET * max(c10u - c50u, 0)
        end = self._frame_at(times, t_end)
        if self.state in ("down", "bottom", "up") and self._down_at > pend["done_at"]:
            end = min(end, self._down_at - 1 - i0)  # the next rep is already under way
            t_end = min(t_end, self._time_at(times, end))
        # descent: last frames under 10% and 50% before the bottom
        # (a stretch without the person holds the last value seen; NaN before the first seen
        # frame counts as "not above")
        pre = _hold_last_seen(seg[: bottom_i + 1])
        d10 = np.flatnonzero(~(pre > lvl10))
        t10d = int(d10[-1]) if len(d10) else 0
        d50 = np.flatnonzero(~(pre > lvl50))
        t50d = int(d50[-1]) + 1 if len(d50) else bottom_i
        c10d = _crossing(times, seg, t10d, t10d + 1, lvl10) if t10d < bottom_i else times[t10d]
        c50d = _crossing(times, seg, t50d - 1, t50d, lvl50) if len(d50) else times[t50d]
        t_start = c10d - _ONSET * max(c50d - c10d, 0)
        start = self._frame_at(times, t_start)
        # but not more than half a second before the signal was last at the top (noise there
        # moves that frame): a slow, halting descent (stepping into a stance on the way down)
        # would put the extrapolated onset far back, into the walk to the spot
        d0 = np.flatnonzero(~(pre[: t10d + 1] > level))
        if len(d0):
            start = max(start, self._frame_at(times, times[int(d0[-1])] - 0.5))
        # (after the previous rep's end: a time, as frames to come were only guessed then)
        after_prev = bisect.bisect_right(self._times, self._prev_end_t)
        start = min(max(start, after_prev, 0), bottom_i)
        end = max(end, bottom_i)
        # the bottom: middle of the frames within 3% of the peak (a pause at the bottom)
        near = np.flatnonzero(seg[down : t10u + 1] >= peak - 0.03 * max(height, 1e-9))
        bottom = down + (int(near[0]) + int(near[-1])) // 2 if len(near) else bottom_i
        bottom = min(max(bottom, start), max(end, start))
        band = np.flatnonzero(seg[down : t10u + 1] >= level + (1 - self.cfg.bottom_band) * height)
        pause = float(_frame_spans(times)[down + band].sum()) if len(band) else 0.0
        last = max(min(end, now), start)
        if (
            self._moved_between(start, last)
            or self._stepped_between(start, last)
            or not self._rises_at_one_scale(min(down, last), last, now)
        ):
            return None
        # the rep's checks, computed once over its frames (not on every live frame)
        rows = self.book.compute(
            self.rules,
            np.stack(self._lms[start : last + 1]),
            np.stack(self._refbuf[start : last + 1]),
            self.aspect,
        )
        prog_rep = smooth[start : last + 1]
        t_start, t_bottom = self._time_at(times, start), self._time_at(times, bottom)
        t_end = max(t_end, t_bottom)
        bottom_mask = prog_rep >= level + (1 - self.cfg.bottom_band) * height
        verdict, results = judge_rep(self.rules, rows, bottom_mask)
        failed = sorted((r for r in results if r.failed), key=lambda r: -r.severity)
        rep = Rep(
            index=len(self.reps) + 1,
            exercise=self.exercise,
            start=start + i0,
            bottom=bottom + i0,
            end=end + i0,
            fps=self.fps,
            rom=float(peak),
            tempo_down=t_bottom - t_start,
            tempo_up=t_end - t_bottom,
            pause=pause,
            verdict=verdict,
            reasons=tuple(r.name for r in failed),
            messages=tuple(r.message for r in failed),
            not_judged=tuple(r.name for r in results if r.failed is None),
            checks=results,
            start_s=t_start,
            bottom_s=t_bottom,
            end_s=t_end,
        )
        # (a set-up movement found offline, see setup_reps: counted as nothing, but the
        # counter goes on exactly as after a rep, so the reps after it stay the same)
        if rep.bottom not in self.skip:
            self.reps.append(rep)
            self.counts[verdict] += 1
        self._prev_end, self._prev_end_t = rep.end, t_end
        # history is kept from the rep's end on (the next top period)
        cut = min(rep.end, f) - i0
        if self.state in ("down", "bottom", "up"):
            cut = min(cut, self._down_at - i0 - 1)
        if cut > 0 and self.state != "idle":
            self._drop(cut)
        elif self.state == "idle":
            self._trim(f)
        return rep if rep.bottom not in self.skip else None

    def _frame_at(self, times: np.ndarray, t: float) -> int:
        """The history index of the frame nearest time ``t``; past the last frame, frames
        continue at the history's median interval (a rep's end extrapolated ahead)."""
        if t > times[-1]:
            return len(times) - 1 + int(round((t - times[-1]) / self._interval(times)))
        if t < times[0]:
            return int(round((t - times[0]) / self._interval(times)))
        i = int(np.searchsorted(times, t))
        return i - 1 if i > 0 and t - times[i - 1] < times[i] - t else i

    def _time_at(self, times: np.ndarray, i: int) -> float:
        """The time of history index ``i``, extrapolated like :meth:`_frame_at` beyond it."""
        if 0 <= i < len(times):
            return float(times[i])
        j = min(max(i, 0), len(times) - 1)
        return float(times[j]) + (i - j) * self._interval(times)

    def _interval(self, times: np.ndarray) -> float:
        """The typical time between frames in ``times``."""
        return float(np.median(np.diff(times))) if len(times) > 1 else 1.0 / self.fps

    def _end_frames(self, a: int, b: int, span_s: float) -> list[tuple[int, int]]:
        """``(first index, count)`` of the frames in the first and in the last ``span_s``
        seconds of history indices ``a..b`` (at least one each)."""
        t = self._times
        n_a = max(bisect.bisect_right(t, t[a] + span_s, a, b + 1) - a, 1)
        lo_b = min(bisect.bisect_left(t, t[b] - span_s, a, b + 1), b)
        return [(a, n_a), (lo_b, b + 1 - lo_b)]

    def _feet_from(self, lo: int, n: int) -> list[Feet]:
        """:class:`Feet` of the frames with a person among history indices ``lo`` to
        ``lo + n - 1`` (the ends of a rep, for :meth:`_moved_between` and
        :meth:`_stepped_between`)."""
        return [
            _feet(
                lm.tolist(),
                ref.tolist(),
                self.aspect,
                A.segment_lengths(lm, aspect=self.aspect)[0].tolist(),
            )  # fmt: skip
            for lm, ref in zip(self._lms[lo : lo + n], self._refbuf[lo : lo + n], strict=True)
            if lm.any()
        ]

    def _rises_at_one_scale(self, a: int, b: int, now: int) -> bool:
        """The rep's way back up, measured again with one body scale throughout (the
        references of the latest frame), is at least ``one_scale_share`` of the way up the live
        signal saw (or of ``reach``). The live signal divides by each frame's references: after
        walking in from near the camera they stay too long for a few seconds, and when they
        renew the signal jumps as if the person rose. Such a "rise" is the scale's, not the
        body's. ``a``: the frame the signal left the top, ``b``: the rep's last frame, ``now``:
        the latest (history indices); the way up runs from the highest point in ``a..b`` to the
        lowest after it. (The rep's start, extrapolated back from the descent, can reach into a
        walk whose gait would pass for a rise.)"""
        if now - a < 2 or not np.isfinite(self._refbuf[now]).all():
            return True
        lms = np.stack(self._lms[a : now + 1])
        refs = np.broadcast_to(self._refbuf[now], (len(lms), len(self._no_refs)))
        rows = self.book.compute(self.rules, lms, refs, self.aspect, live=True)
        fixed = np.full(len(lms), np.nan)
        for col, top, span, _ in self._sigs:
            fixed = np.fmax(fixed, (rows[:, col] - top) / span)
        rises = []
        t = np.asarray(self._times[a : now + 1])
        for prog in (_nan_smooth(fixed, t), _nan_smooth(np.asarray(self._prog[a : now + 1]), t)):
            if not np.isfinite(prog[: b - a + 1]).any():
                return True
            k = int(np.nanargmax(prog[: b - a + 1]))
            rises.append(float(prog[k] - np.nanmin(prog[k:])))
        rise_fixed, rise_live = rises
        return rise_fixed >= self.cfg.one_scale_share * min(rise_live, self._reach)

    def _moved_between(self, a: int, b: int) -> bool:
        """A rep ends as large in the picture as it began; a "rep" that ends much larger or
        smaller was the person walking to or from the camera while their legs bent. ``a``, ``b``:
        history indices; the median over the first and the last 0.08 s (three frames at 30
        fps) is compared."""
        sizes = []
        for lo, n in self._end_frames(a, b, 2.5 / 30):
            seen = [feet.size for feet in self._feet_from(lo, n)]
            if not seen:
                return False
            sizes.append(float(np.median(seen)))
        return (
            sizes[0] > 0
            and sizes[1] > 0
            and abs(math.log(sizes[1] / sizes[0])) > (self.cfg.max_rep_zoom)
        )

    def _stepped_between(self, a: int, b: int) -> bool:
        """A rep ends with the feet where they began; a "rep" after which even the foot that
        moved least stands elsewhere (more than ``max_rep_step`` leg lengths) was the person
        walking while their knees bent (a person who walks in slowly, slower than the walking
        gate). ``a``, ``b``: history indices; the median over 0.15 s at each end (five frames
        at 30 fps)."""
        ends = []
        for lo, n in self._end_frames(a, b, 4.5 / 30):
            rows = self._feet_from(lo, n)
            if not rows:
                return False
            ends.append(Feet(*(_median_seen(col) for col in zip(*rows, strict=True))))
        # MediaPipe swaps the two feet now and then (side views): either pairing will do
        e = ends[1]
        swap = e._replace(left_x=e.right_x, left_y=e.right_y, right_x=e.left_x, right_y=e.left_y)
        moved = min(_travel(ends[0], e, ends[0]), _travel(ends[0], swap, ends[0]))
        return moved == moved and moved > self._max_step

    def finish(self) -> Rep | None:
        """End of stream: close a rep that is still waiting for its end frame."""
        if self._pending is None:
            return None
        return self._try_finish(self.frame, math.nan, force=True)


def setup_reps(reps: Sequence[Rep], config: RepConfig | None = None) -> list[Rep]:
    """The "reps" at the ends of one set that were setting up, not lifting (offline only: it
    needs the whole set). A set's reps resemble each other. Lying down on the bench, or
    getting up and re-racking after the last rep, is far slower than them (longer than
    ``setup_slow`` x the set's median duration: more than a set's own tempo varies). Unracking
    (a dip under the bar and a step back), walking in or bracing before the first full rep is
    far shallower (range below ``setup_depth`` x the median) and followed by a pause (getting
    set) longer than ``setup_pause_s`` and than ``setup_pause`` x the set's median pause
    between reps: a set's own shallow first rep runs on into the next. Peeled from each end
    while they are. Shallow reps at the end of a set are kept (tired last reps are shallow:
    partial reps, judged as such), nothing inside the set is dropped, and sets of fewer than
    ``setup_min_reps`` reps have no median to compare with."""
    cfg = config or _default_rep_config()
    if len(reps) < cfg.setup_min_reps:
        return []
    rom = float(np.median([r.rom for r in reps]))
    dur = float(np.median([r.duration for r in reps]))
    pauses = [
        b.time_of("start") - a.time_of("end") for a, b in zip(reps[:-1], reps[1:], strict=True)
    ]
    long_pause = max(cfg.setup_pause_s, cfg.setup_pause * float(np.median(pauses)))

    def slow(i: int) -> bool:
        return reps[i].duration > cfg.setup_slow * dur

    def setting_up(i: int) -> bool:  # before the first full rep
        shallow = reps[i].rom < cfg.setup_depth * rom
        return slow(i) or (shallow and i + 1 < len(reps) and pauses[i] > long_pause)

    lo, hi = 0, len(reps)
    while lo < hi and setting_up(lo):
        lo += 1
    while hi > lo and slow(hi - 1):
        hi -= 1
    return [*reps[:lo], *reps[hi:]]


def count_reps(
    landmarks: np.ndarray,
    exercise: str,
    fps: float,
    *,
    aspect: float = 4 / 3,
    active: Sequence[bool] | np.ndarray | None = None,
    timestamps: Sequence[float] | np.ndarray | None = None,
    rules: RuleBook | None = None,
    config: RepConfig | None = None,
) -> list[Rep]:
    """All reps of a whole ``(T, 33, 4)`` sequence (frames of zeros = no person).

    The same counter as :class:`RepCounter`, fed frame by frame, with the measures computed for
    the whole sequence at once. ``active`` ``(T,)`` is the classifier's gate (False = unknown);
    ``timestamps`` ``(T,)`` the frames' times in seconds, increasing (None: index / ``fps``).
    """
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[1:] != (33, 4):
        raise ValueError(f"landmarks must have shape (T, 33, 4), got {arr.shape}")
    counter = RepCounter(exercise, fps, aspect=aspect, rules=rules, config=config)
    if len(arr) == 0:
        return []
    present = np.any(arr[:, :, 3] > 0, axis=1) | np.any(arr[:, :, :2] != 0, axis=(1, 2))
    # (None: frame number / fps, as the counter itself times them)
    times = np.arange(len(arr)) / counter.fps
    if timestamps is not None:
        times = np.asarray(timestamps, dtype=np.float64)
    if times.shape != (len(arr),):
        raise ValueError(f"timestamps must have shape ({len(arr)},), got {times.shape}")
    lengths = A.segment_lengths(arr, aspect=aspect)
    refs = np.full_like(lengths, np.nan)
    for t in range(len(arr)):
        if present[t]:
            refs[t] = counter.scale.update(lengths[t], times[t])
    rows = counter.book.compute(counter.rules, arr, refs, aspect, live=True)
    gate = np.ones(len(arr), bool) if active is None else np.asarray(active, bool)
    if gate.shape != (len(arr),):
        raise ValueError(f"active must have shape ({len(arr)},), got {gate.shape}")
    row_lists = rows.tolist()
    for t in range(len(arr)):
        counter._tick(float(times[t]))
        if present[t]:
            feet = _feet(arr[t].tolist(), refs[t].tolist(), aspect, lengths[t].tolist())
            counter._step(row_lists[t], arr[t], refs[t], feet, bool(gate[t]))
        else:
            counter._step(None, None, None, None, bool(gate[t]))
    counter.finish()
    return list(counter.reps)
