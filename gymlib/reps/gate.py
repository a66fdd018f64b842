"""Stage 2, the idle gate: is the person doing the exercise, or walking, turning round,
stepping towards the camera? Reps start only through an open gate.

Walking is told by the feet's net travel in leg lengths per second over ``drift_window_s``
(the back-and-forth of a rep cancels out, a walker's steps add up); turning by the view's
yaw; walking towards or away from the camera by the body's size drifting. A person who
walked or turned lately has not held the start position (``steady_since``).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from gymlib.reps.config import RepConfig
from gymlib.reps.feet import FORESHORTENED, Feet, travel, walks_upright
from gymlib.reps.series import EPS_S, ema_weight

# longer than this without a person (more than MediaPipe's brief dropouts), the feet's earlier
# positions no longer tell whether they travel
FEET_GAP_S = 0.2
# the view's yaw is averaged over about a third of a second (10 % per frame at 30 fps)
YAW_S = -1 / (30 * math.log(0.9))


class IdleGate:
    """The feet's speed, the body's zoom, the view's yaw, and since when the person stood
    still (``steady_since``) or the gate has been failing (``bad_since``)."""

    def __init__(self, cfg: RepConfig, max_drift: float, drift_s: float, aspect: float) -> None:
        self.cfg, self.max_drift, self.drift_s, self.aspect = cfg, max_drift, drift_s, aspect
        self.reset()

    def reset(self) -> None:
        self.yaw = math.nan
        self.feet: Feet | None = None
        self.speed = 0.0
        self.feet_hist: deque[tuple[float, Feet, float]] = deque()  # time, feet, yaw
        self.zoom = 0.0
        # time since when the person has stood still (not walking, not turning round)
        self.steady_since = -math.inf
        self.bad_since = math.nan  # time the gate closed
        # the hold began at the stream's first frame, the person in position from it: a rep
        # may begin during it (``early_start``, see RepMachine._at_top)
        self.from_start = False

    def observe(
        self,
        now: float,
        dt: float,
        frame: np.ndarray,
        refs: np.ndarray,
        feet: Feet,
        yaw: float,
        *,
        in_rep: bool,
        rested: bool,
    ) -> bool:
        """One frame with a person (``dt``: seconds since the previous frame, NaN on the first;
        ``rested``: no rep lately). Returns whether they are walking in (towards or away from
        the camera): their top is measured again once they stop."""
        cfg = self.cfg
        if yaw == yaw:
            a = ema_weight(dt, YAW_S)
            self.yaw = yaw if self.yaw != self.yaw else self.yaw + a * (yaw - self.yaw)
        yaw0 = self._track_feet(now, frame, refs, feet, in_rep)
        if self.feet is not None and dt > 0:
            # and stepping towards or away from the camera: the body's size drifts (its
            # log per second, averaged over about a second)
            if feet.size > 0 and self.feet.size > 0:
                zoom = min(max(math.log(feet.size / self.feet.size) / dt, -3.0), 3.0)
                self.zoom += min(dt, 1.0) * (zoom - self.zoom)
        self.feet = feet
        # before a set (no rep lately), the start position is held only once the person
        # stopped turning round (walking in facing the camera, then standing side-on)
        turning = abs(self.yaw - yaw0) > cfg.max_turn
        if rested and (turning or self.speed > self.max_drift):
            self.steady_since = now
        # and walking towards or away from the camera: upright (not lying down into a plank,
        # which also changes the body's size), arms down (not hanging from a bar) and the
        # feet moving (a squat filmed from the front shrinks too)
        return (
            rested
            and abs(self.zoom) > cfg.max_zoom
            and self.speed > cfg.walk_speed
            and walks_upright(frame, refs, self.aspect, cfg)
        )

    def _track_feet(
        self, now: float, frame: np.ndarray, refs: np.ndarray, feet: Feet, in_rep: bool
    ) -> float:
        """Walking about: the feet's net travel over the last ``drift_window_s`` (leg lengths
        per second) into ``speed``. Returns the yaw at the window's start."""
        hist = self.feet_hist
        if hist and now - hist[-1][0] > FEET_GAP_S + EPS_S:
            hist.clear()  # nobody seen for a while: the feet may have moved meanwhile
        hist.append((now, feet, self.yaw))
        while now - hist[0][0] > self.drift_s + EPS_S:
            hist.popleft()
        t0, old, yaw0 = hist[0]
        if 2 * (now - t0) >= self.drift_s - EPS_S:
            # (legs seen end-on during a rep, see travel; not a person standing up to walk
            # off, whose leg reference still holds the plank's)
            end_on = (
                in_rep
                and feet.leg < FORESHORTENED * feet.body_leg
                and not walks_upright(frame, refs, self.aspect, self.cfg, unseen=True)
            )
            moved = travel(old, feet, feet, in_rep=end_on)
            if moved == moved:
                self.speed = moved / (now - t0)
        return yaw0

    def decide(self, now: float, active: bool, gap: bool, idle: bool) -> tuple[bool, bool]:
        """``(open, unsure)``: the gate is open when the classifier says this exercise
        (``active``), the feet do not travel and the person is seen (no ``gap``); a brief
        flicker (walking-like drift, a missed frame) does not end a rep under way (not
        ``idle``). ``unsure``: only the classifier is not sure."""
        cfg = self.cfg
        ok = active and self.speed <= self.max_drift and not gap
        if ok:
            self.bad_since = math.nan
        elif self.bad_since != self.bad_since:
            self.bad_since = now
        is_open = ok or (not idle and not gap and now - self.bad_since < cfg.gate_grace_s - EPS_S)
        unsure = not active and self.speed <= self.max_drift and not gap
        return is_open, unsure

    def settled(self, now: float) -> bool:
        """The start position held for ``settle_s``, not walking towards or away from the
        camera: a rep may start."""
        cfg = self.cfg
        return now - self.steady_since >= cfg.settle_s - EPS_S and abs(self.zoom) <= cfg.max_zoom
