"""Stage 3, the rep state machine: a hysteresis counter on the smoothed progress.

    idle --start position--> top --rises leave_top--> down --reaches reach--> bottom
    bottom --halfway back--> up --back within return_frac of the rise--> top (a rep: "done")

Relative to the person's own top (the valley of progress before the rep), not to absolute
values. A dip that never reaches ``reach`` falls back to top; a bounce at the bottom is not
a return; too long, too far past the bottom or leaving the exercise is idle.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from gymlib.reps.config import RepConfig
from gymlib.reps.gate import IdleGate
from gymlib.reps.series import EPS_S, ema_weight

IN_REP = ("down", "bottom", "up")


class Tick(NamedTuple):
    """What the earlier stages say about one frame."""

    f: int  # frame number
    now: float  # its time (s)
    dt: float  # since the previous frame (s; NaN on the first)
    p: float  # smoothed progress (the furthest signal)
    p_raw: float  # raw progress (NaN: not seen)
    near: float  # the nearest signal's smoothed progress
    person: bool
    posture_ok: bool  # in the exercise's start posture
    open: bool  # the idle gate
    unsure: bool  # only the classifier is not sure
    settled: bool  # held the start position long enough
    walking_in: bool
    far_past: bool  # one signal far past its bottom for a while


class RepMachine:
    """States ``idle``, ``top``, ``down``, ``bottom``, ``up``; :meth:`step` returns the event
    of a frame: ``"idle"`` (went idle), ``"top"`` (took the start position) or ``"done"``
    (came back up after a rep: the caller closes it, then calls :meth:`to_top`)."""

    def __init__(
        self, cfg: RepConfig, leave_top: float, reach: float, abort: float, fps: float
    ) -> None:
        self.cfg, self.leave_top, self.reach, self.abort, self.fps = (
            cfg, leave_top, reach, abort, fps
        )  # fmt: skip
        self.reset()

    def reset(self) -> None:
        self.state = "idle"
        self.valley = math.nan  # the person's own top, followed while at the top
        self.base = math.nan  # ... when the rep began
        self.peak = -math.inf
        self.down_at = -1  # frame the signal left the top (rep candidate)
        self.down_t = math.nan  # and its time
        self.down_unproven = False  # begun before the person was seen standing still
        # begun before the start position was held ``settle_s`` (counted only once it has
        # been, see RepCounter), and since when the person stood still then
        self.down_early, self.down_steady = False, -math.inf
        self.hold, self.hold_since = math.nan, -1  # a level held on the way down, since
        self.hold_t, self.hold_n = math.nan, 0  # since when (s), over how many frames
        self.hold_last = math.nan  # its last frame's time
        self.rebase: tuple[float, int] | None = None  # (level, frame) of a held start
        self.near_base = self.near_peak = math.nan  # the nearest signal's, for this rep
        self.near_low = math.nan  # the nearest signal's lowest on the way up
        self.posture_bad_since = math.nan
        self.above: tuple[int, float] | None = None  # (frame, time) progress left the top

    def step(self, k: Tick, gate: IdleGate) -> str | None:
        # the classifier not sure (only that) keeps the start position: no rep starts, but the
        # person who holds it is ready the moment it is sure
        if not k.open and not (k.unsure and self.state in ("idle", "top")):
            return self.to_idle()
        if self.state in IN_REP and self.down_early:
            if k.walking_in:  # (as at the top: walking towards the camera, no hold)
                gate.steady_since = k.now
            if gate.steady_since > self.down_steady:
                # begun during the hold, and the person walked or turned before it was
                # complete: no rep, and the top is measured again
                self.to_top(k.p)
                return None
            self.down_early = not k.settled  # the hold completed during the rep: a rep
        if self.state == "idle":
            # the start position: one signal at least near its top (a camera can cut off or
            # foreshorten the other: a bar above the picture, arms pointing at the lens). The
            # nearest signal's smoothed progress is never above ``p``, the furthest one's
            if k.p == k.p and k.posture_ok and k.near < 0.5:
                self.to_top(k.p)
                return "top"
            return None
        if self.state == "top":
            return self._at_top(k, gate)
        return self._in_rep(k)

    def shift(self, d: float, d_near: float) -> None:
        """Re-express every level held in progress units in other signals: ``d`` (furthest
        signal) and ``d_near`` (nearest) their difference on one frame."""
        self.valley += d
        self.base += d
        self.peak += d
        self.hold += d
        if self.rebase is not None:
            self.rebase = (self.rebase[0] + d, self.rebase[1])
        self.near_base += d_near
        self.near_peak += d_near
        self.near_low += d_near

    def to_idle(self) -> str:
        self.state, self.down_at = "idle", -1
        return "idle"

    def to_top(self, p: float) -> None:
        self.state, self.valley, self.above = "top", p, None

    def _at_top(self, k: Tick, gate: IdleGate) -> str | None:
        p, now = k.p, k.now
        if p == p:
            if p < self.valley:
                self.valley = p
            else:  # the top drifts: follow it upwards slowly
                self.valley += ema_weight(k.dt, self.cfg.top_follow_s) * (p - self.valley)
            if k.walking_in:  # the top is measured again once they stop
                self.valley, gate.steady_since = p, now
        event = None
        # since when the progress is off the top, the person standing still and the gate open:
        # a rep that began before the hold was long enough (settle_s) began there. It may
        # start during the hold (``down_early``): a rep in place is no walk, and a 1-s rep
        # from a clip's first frame is over before the hold is; it counts only once the
        # frames after it complete the hold (the feet not travelling, the size steady: see
        # RepCounter._try_finish)
        above = p == p and p >= self.valley + self.leave_top and k.open
        if not above or (self.above and self.above[1] < gate.steady_since):
            self.above = (k.f, now) if above else None
        elif self.above is None:
            self.above = (k.f, now)
        if above and (k.settled or (self.cfg.early_start and gate.from_start)):
            assert self.above is not None
            self.state, (self.down_at, self.down_t) = "down", self.above
            self.down_unproven = gate.steady_since == -math.inf
            self.down_early, self.down_steady = not k.settled, gate.steady_since
            self.peak, self.base = p, self.valley
            self.near_base = self.near_peak = k.near
            self.hold, self.hold_since, self.rebase = p, k.f, None
            self.hold_t, self.hold_last, self.hold_n = now, now, 1
        elif not k.posture_ok and k.person:
            # out of the start position for a while (not just a fast start): idle
            if self.posture_bad_since != self.posture_bad_since:
                self.posture_bad_since = now
            elif now - self.posture_bad_since > self.cfg.gate_grace_s + EPS_S:
                event = self.to_idle()
        if k.posture_ok:
            self.posture_bad_since = math.nan
        return event

    def _in_rep(self, k: Tick) -> str | None:
        cfg, p = self.cfg, k.p
        if p == p and self.state != "up" and k.p_raw == k.p_raw:
            self._watch_hold(k.f, k.now, p)  # (seen: a frame without the person holds nothing)
        if k.near > self.near_peak:
            self.near_peak = k.near
        if p == p and p > self.peak:
            self.peak = p
            if self.state == "up":
                self.state = "bottom"  # went down again before coming back up: same rep
        rise = self.peak - self.base
        dur = k.now - self.down_t
        if dur > cfg.max_rep_s + EPS_S or k.far_past or (p == p and p - self.base > self.abort):
            return self.to_idle()
        if p == p and rise >= self.reach and self.state == "down":
            self.state = "bottom"
        elif self.state == "bottom" and p == p and p < self.peak - 0.5 * rise:
            self.state, self.near_low = "up", k.near
        if self.state == "up" and k.near < self.near_low:
            self.near_low = k.near
        if self.state == "down" and p == p and p < self.base + 0.5 * self.leave_top:
            self.state = "top"  # a dip, not a rep
        elif (
            self.state == "up"
            and p == p
            and (p < self.base + cfg.return_frac * rise or self._near_returned(k.near))
        ):
            if dur >= cfg.min_rep_s - EPS_S:
                return "done"
            self.to_top(p)
        return None

    def _near_returned(self, near: float) -> bool:
        """On the way up, another signal came back to the top (within ``return_frac`` of its
        own rise, a rep's worth) and has now left it again: the next rep began, though the
        furthest signal never got back. The start position needs one signal near its top, not
        all, and so does the top between reps: a hand lost behind the head (MediaPipe puts it
        at the hip) keeps the arms' height near the bottom while the elbows straighten."""
        rise = self.near_peak - self.near_base
        return (
            rise >= self.reach
            and self.near_low < self.near_base + self.cfg.return_frac * rise
            and near > self.near_low + self.leave_top
        )

    def _watch_hold(self, f: int, now: float, p: float) -> None:
        """On the way down: a position held ``hold_s``, then a descent from it at least as deep
        as the way to it, was the real start position (stepping into a split stance, settling
        under the bar), not the first part of the rep: the rep is measured from there."""
        band = 0.5 * self.leave_top
        if abs(p - self.hold) <= band:
            self.hold_n += 1
            self.hold_last = now
            self.hold += (p - self.hold) / self.hold_n  # the held level: mean of its frames
            return
        if (
            p > self.hold
            # (held from its first to its last frame, and on to this one, at most a frame
            # interval: a slow camera's gap is no hold)
            and self.hold_last - self.hold_t + min(now - self.hold_last, 1 / self.fps)
            >= self.cfg.hold_s - EPS_S
            and self.hold >= self.peak - band
            and self.hold > self.base + band
        ):
            self.rebase = (self.hold, f - 1)
        self.hold, self.hold_since, self.hold_n = p, f, 1
        self.hold_t = self.hold_last = now
        if self.rebase is not None:
            level, at = self.rebase
            if p < level - band:
                self.rebase = None  # back up: the hold was the bottom of a rep
            elif p - level >= max(self.reach, level - self.base):
                self.base, self.down_at, self.peak = level, at, p
                self.state, self.rebase = "down", None
