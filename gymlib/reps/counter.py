"""The streaming rep counter: one frame in, the stages in order, one feedback out.

    measures -> Progress (signal.py) -> IdleGate (gate.py) -> RepMachine (machine.py)
             -> the verdict at a rep's end (verdict.py) -> WarningDebounce (events.py)

No I/O and no clock inside: every duration comes from the frames' timestamps.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Sequence

import numpy as np

from gymlib import angles as A
from gymlib import measures as M
from gymlib.configbase import ConfigError
from gymlib.cuts import BodyJumps
from gymlib.reps import verdict as V
from gymlib.reps.config import RepConfig, default_rep_config
from gymlib.reps.events import CounterFeedback, Rep, WarningDebounce
from gymlib.reps.feet import FEET_SPAN_S, Feet, feet_of, foot_moved, median_feet, walks_upright
from gymlib.reps.gate import IdleGate
from gymlib.reps.history import History
from gymlib.reps.machine import IN_REP, RepMachine, Tick
from gymlib.reps.progress import Progress
from gymlib.reps.series import EPS_S
from gymlib.rules import (
    VIEW_NAMES,
    ExerciseRules,
    RuleBook,
    check_fails,
    load_rules,
    view_category,
)


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
        self.cfg = config or default_rep_config()
        self.exercise, self.fps, self.aspect = exercise, float(fps), float(aspect)
        self.scale = A.BodyScale(
            self.fps,
            window_s=self.cfg.scale_window_s,
            shrink=self.cfg.scale_shrink,
            shrink_s=self.cfg.scale_shrink_s,
        )
        self._init_columns(exercise)
        # the feet's net travel is measured over ``drift_window_s``, at least two frames apart
        self._drift_s = max(self.cfg.drift_window_s, 2.0 / self.fps)
        self._warn = WarningDebounce(self.cfg.warning_on_s, self.cfg.warning_off_s)
        self.start_frame = 0  # frame number of the first frame fed (see start_at)
        # bottom frames of movements not to count (offline: set-up found by setup_reps)
        self.skip: frozenset[int] = frozenset()
        # times of camera cuts seen in the pixels (gymlib.cuts; increasing, may grow as a video
        # is read): a fresh start, as a cut seen in the landmarks (_is_cut)
        self.cut_times: Sequence[float] = ()
        self.reset()

    def _init_columns(self, exercise: str) -> None:
        """The exercise's signals, posture and live checks as columns of a live row (plain
        floats: they are read on every frame), and its own count settings."""
        rules = self.rules
        # per signal: its column in a live row, top, bottom - top, abort_beyond, its views
        self._sigs = [
            (
                rules.live_column(s.measure, s.side),
                float(s.top),
                float(s.bottom - s.top),
                float(s.abort_beyond or math.inf),
                None if set(s.views) >= set(VIEW_NAMES) else frozenset(s.views),
            )
            for s in rules.signals
        ]
        count = rules.count

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
            (rules.live_column(p.measure, p.side), p.min, p.max) for p in rules.posture
        ]
        self._live = [
            (rules.live_column(c.measure, c.side), c)
            for c in rules.checks
            if c.at == "rep" and c.live
        ]
        self._yaw_col = rules.live_column("view_yaw", "visible")
        # counted on the hips over the feet: a rep lowers the hips (see verdict.hips_lowered)
        self._on_hips = any(s.measure == "hip_height" for s in rules.signals)
        # ... from a stance stepped into and out of (rules.<exercise>.count.stance; _stepped)
        self._stance = self._on_hips and rules.count.stance

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
        self.frame = self.start_frame - 1
        self.time = math.nan  # of the last frame fed
        self.reps: list[Rep] = []
        self.set_up: list[Rep] = []  # movements closed but left uncounted (``skip``)
        self.counts = {"good": 0, "partial": 0, "faulty": 0}
        self.progress = Progress(self._sigs, self.cfg.smoothing_s, self.cfg.view_margin)
        self.gate = IdleGate(self.cfg, self._max_drift, self._drift_s, self.aspect)
        self.machine = RepMachine(self.cfg, self._leave_top, self._reach, self._abort, self.fps)
        self.hist = History(self.start_frame, self.fps, self.aspect, len(A.SEGMENT_NAMES))
        self._t_first = math.nan  # time of the stream's first frame
        self._pending: dict[str, float] | None = None  # completed rep awaiting its end frame
        self._pending_view: str | None = None
        self._prev_end = -(10**9)  # end frame of the last rep
        self._prev_end_t = -math.inf  # and its time
        self._counted_until = -(10**9)  # an earlier counter's last rep end (continue_from)
        self._body = BodyJumps.of(self.cfg, self.aspect)  # the last body seen: _is_cut
        self.cuts = 0  # camera cuts seen
        self._top_feet: Feet | None = None  # where the feet stood when the top was taken
        self._recent_feet: list[tuple[float, Feet]] = []  # the last 0.15 s of them
        # the start position held since (level, time), or "taken" (see _holds_top)
        self._still: tuple[float, float] | str | None = None

    @property
    def state(self) -> str:
        """The phase: idle | top | down | bottom | up."""
        return self.machine.state

    # ---------------------------------------------------------------------------------------
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
            if not np.isfinite(frame).all():  # an inf failed deep inside: "math domain error"
                raise ValueError(f"frame {self.frame} at {self.time} s: the landmarks hold NaN "
                                 "or inf; expected finite values (None: nobody seen)")  # fmt: skip
            if not (frame[:, 3] > 0).any() and not frame[:, :2].any():
                frame = None
        if frame is None:
            return self._step(None, None, None, None, active)
        points = M.Points(frame, self.aspect)
        lengths = M.segment_lengths(points)
        refs = self.scale.update(np.array(lengths), self.time)
        ref_list = refs.tolist()
        row = self.book.compute_frame(
            self.rules, frame, ref_list, self.aspect, live=True, points=points
        )
        return self._step(row, frame, refs, feet_of(points.rows, ref_list, self.aspect, lengths),
                          active)  # fmt: skip

    def update_measured(
        self,
        t: float | None,
        row: list[float] | None,
        frame: np.ndarray | None = None,
        refs: np.ndarray | None = None,
        feet: Feet | None = None,
        *,
        active: bool = True,
    ) -> CounterFeedback:
        """:meth:`update` for a frame whose measures were computed already (vectorised over a
        whole sequence, as :func:`count_reps` does): its live ``row`` (None: nobody), landmarks
        ``(33, 4)``, body references ``(S,)`` (from this counter's ``scale``) and
        :class:`Feet`."""
        self._tick(t)
        if row is None:
            return self._step(None, None, None, None, active)
        if frame is None or refs is None or feet is None:
            raise ValueError("a frame with a person needs its landmarks, references and feet")
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
        finished: Rep | None = None
        # `|`, not `or`: _is_cut also records this frame's body for the next frame's check
        if frame is not None and (self._pixel_cut() | self._is_cut(frame)):
            finished = self._restart()
        k = self._observe(row, frame, refs, feet, active)
        # a completed rep waiting for its end frame
        if self._pending is not None:
            finished = self._try_finish(k.f, k.p, force=not k.open or self._gap(k.now))
        if self.machine.state == "top" and self._pending is None:
            if k.now - self.hist.times[0] > 3.0:
                self.hist.trim_before(k.now - 2.0)  # a long wait at the top: keep the last 2 s
        self._stepped(feet, k)
        event = self.machine.step(k, self.gate)
        if event == "idle" and self._pending is None:
            self.hist.trim(k.f)
        elif event == "top":
            self._took_position(k, frame, refs)
        elif event == "done":
            finished = self._rep_done(k.f, k.now, k.p) or finished
        self._warn_live(row, k.now, finished)
        return CounterFeedback(
            frame=k.f,
            time=k.now,
            person=k.person,
            phase=self.machine.state,
            progress=k.p,
            reps=len(self.reps),
            counts=dict(self.counts),
            rep=finished,
            warnings=self._warn.active(k.now),
        )

    def _observe(
        self,
        row: list[float] | None,
        frame: np.ndarray | None,
        refs: np.ndarray | None,
        feet: Feet | None,
        active: bool,
    ) -> Tick:
        """Stages 1 and 2 on one frame: its progress, the idle gate's verdict."""
        f, now = self.frame, self.time
        # the time since the previous frame (NaN on the first): every smoothing is an
        # exponential average with a time constant, so a slower camera smooths the same
        dt = now - self.hist.times[-1] if self.hist.times else math.nan
        if self._t_first != self._t_first:
            self._t_first = now
        p_raw, walking_in = math.nan, False
        vals: list[float] = [] if row is None else row
        if row is not None:
            assert frame is not None and refs is not None and feet is not None
            # the view as the idle gate has smoothed the yaw up to the last frame (in a rep,
            # no signal joins: see Progress.see_view)
            before = self.progress.view
            view = self.progress.see_view(self.gate.yaw, self.machine.state in IN_REP)
            if self.progress.reads_other(before, view):
                self._reread(vals, before, view)
            elif self._holds_top(vals, view, now):
                self._reexpress(vals, view, view, lambda: self.progress.retop(vals, view))
            p_raw = self.progress.observe(vals, now, view)
            rested = now - self._prev_end_t > 2 * self.cfg.settle_s + EPS_S
            walking_in = self.gate.observe(
                now, dt, frame, refs, feet, vals[self._yaw_col],
                in_rep=self.machine.state in IN_REP, rested=rested,
            )  # fmt: skip
        self.hist.append(p_raw, now, frame, refs)
        gap = self._gap(now)
        posture_ok = row is not None and all(
            (lo is None or vals[c] >= lo) and (hi is None or vals[c] <= hi)
            for c, lo, hi in self._posture
            if vals[c] == vals[c]
        )
        is_open, unsure = self.gate.decide(now, active, gap, self.machine.state == "idle")
        return Tick(
            f, now, dt, self.progress.ema, p_raw, self.progress.ema_near, row is not None,
            posture_ok, is_open, unsure, self.gate.settled(now), walking_in,
            self.progress.far_past(now),
        )  # fmt: skip

    def _reread(self, vals: list[float], before: str | None, view: str | None) -> None:
        """The signals read changed with the view: their progress jumps by their difference,
        which is no movement of the body. Everything held in progress units (the smoothed
        progress, the top, the rep's start and depth, the history) is re-expressed in the new
        signals by their difference on this frame, so the progress stays continuous."""
        self._reexpress(vals, before, view, lambda: self.progress.rejoin(vals, before, view))
        self._still = None  # a joined signal's offset is taken again at the next held top

    def _stepped(self, feet: Feet | None, k: Tick) -> None:
        """Counted on the hips over the feet of a stance (``rules.<exercise>.count.stance``): a
        foot that moved ``max_rep_step`` leg lengths since the top was taken, the hips not
        lower in the picture, moved the signal itself (which foot is the floor foot, and how
        far below the hips), not the body down: a step into or out of a stance (between two
        sets of split squats: a "way down" then held until ``max_rep_s``). A rep moves neither
        foot. The top is taken again where the feet now stand. The feet as the median over
        0.15 s (as ``stepped_between`` reads them): a real side view's feet jump a stride for
        a frame or two."""
        if not self._stance or feet is None or self.machine.state in ("idle", "up"):
            # (on a rep's way back up the body moved: a step's "way down" does not come back)
            self._top_feet, self._recent_feet = None, []
            return
        recent = self._recent_feet
        recent.append((k.now, feet))
        while k.now - recent[0][0] > FEET_SPAN_S + EPS_S:
            recent.pop(0)
        now = median_feet([f for _, f in recent])
        if self._top_feet is None:
            self._top_feet = now
            return
        top = self._top_feet
        if not foot_moved(top, now) > self._max_step or now.hips_y > top.hips_y:
            return  # (the hips lower in the picture: the body went down, see hips_lowered)
        self._top_feet = now
        self.machine.to_top(k.p)

    def _holds_top(self, vals: list[float], view: str | None, now: float) -> bool:
        """Whether the person holds the start position (at the top, the gate settled, the
        furthest signal within half ``leave_top`` of one level for ``hold_s``) for the first
        time since a signal joined or a rep ended: the moment a joined signal's offset is
        taken again (Progress.retop)."""
        p, _ = self.progress.raw(vals, view)
        if self.machine.state != "top" or not self.gate.settled(now) or p != p:
            self._still = None
            return False
        if not any(self.progress.joined) or self._still == "taken":
            return False
        if self._still is None or abs(p - self._still[0]) > 0.5 * self._leave_top:
            self._still = (p, now)
            return False
        if now - self._still[1] < self.cfg.hold_s - EPS_S:
            return False
        self._still = "taken"
        return True

    def _reexpress(
        self, vals: list[float], before: str | None, view: str | None, change: Callable[[], object]
    ) -> None:
        """Apply ``change`` to the signals read (from ``before`` to ``view``) and re-express
        everything held in progress units by the difference it makes on this frame."""
        old, old_near = self.progress.raw(vals, before)
        change()
        new, new_near = self.progress.raw(vals, view)
        d, d_near = new - old, new_near - old_near
        if d != d or d_near != d_near:
            return
        self.progress.shift(d, d_near)
        self.machine.shift(d, d_near)
        self.hist.prog = [x + d for x in self.hist.prog]

    def _is_cut(self, frame: np.ndarray) -> bool:
        """Whether the whole body jumped since the last frame with a person, faster than a
        person moves: a camera cut (two clips joined, another camera;
        :class:`gymlib.cuts.BodyJumps`, the session's rule too)."""
        return self._body.update(self.time, frame)

    def _pixel_cut(self) -> bool:
        """Whether a cut seen in the pixels (:attr:`cut_times`) came after the last frame with
        a person, up to this frame."""
        last = self._body.last
        if last is None or not self.cut_times:
            return False
        cuts = self.cut_times
        return bisect.bisect_right(cuts, self.time) > bisect.bisect_right(cuts, last[0])

    def _restart(self) -> Rep | None:
        """A camera cut: close a rep that ended at the cut (as at a stream's end), then watch
        the frame after it as a stream's first frame (the start position then needs no hold
        when the person is in it at once); the reps counted so far stay."""
        now, f, closed = self.time, self.frame, None
        if self.hist.times:
            self.frame, self.time = f - 1, self.hist.times[-1]
            closed = self.finish()
            self.frame, self.time = f, now
        self.cuts += 1
        self._pending = None
        self.progress.reset()
        self.gate.reset()
        self.machine.reset()
        self.hist = History(f, self.fps, self.aspect, len(A.SEGMENT_NAMES))
        self._t_first = math.nan
        return closed

    def _gap(self, now: float) -> bool:
        """Nobody seen for longer than ``max_gap_s``."""
        return now - self.progress.last_seen > self.cfg.max_gap_s + EPS_S

    def _took_position(self, k: Tick, frame: np.ndarray | None, refs: np.ndarray | None) -> None:
        """The start position taken: it is held a moment before a rep starts, except by a
        person seen in it from the stream's first frame (a clip that begins with the set) who
        does not look like a walker: before the feet's travel can be measured nothing else
        tells that they walked in."""
        first_seen, gate = self.progress.first_seen, self.gate
        assert frame is not None and refs is not None
        # (a counter started mid-stream, once a set is recognised, has seen the person only
        # from then: what they did before is unknown to it)
        gate.from_start = self.start_frame == 0 and (
            first_seen <= self._t_first and gate.steady_since == -math.inf
        )
        if (
            k.now - first_seen > self._drift_s / 2
            or first_seen > self._t_first
            or gate.steady_since > -math.inf
            or walks_upright(frame, refs, self.aspect, self.cfg, unseen=True)
        ):
            gate.steady_since = k.now
        if self._pending is None:  # a rep waiting for its end keeps its frames
            self.hist.trim(k.f)

    def _rep_done(self, f: int, now: float, p: float) -> Rep | None:
        """The machine says a rep came back up: it waits for its end frame (closing one still
        waiting), then the machine is at the top again."""
        finished = None
        if self._pending is not None:  # a previous one still waiting: close it now
            finished = self._try_finish(f, p, force=True)
        m = self.machine
        self._pending = {
            "down_at": m.down_at, "done_at": f, "done_t": now, "base": m.base,
            "unproven": m.down_unproven, "early": m.down_early, "steady": m.down_steady,
            "down_t": m.down_t,
        }  # fmt: skip
        self._pending_view = self.progress.view  # the view the rep was read in
        self._top_feet = None  # (the top is taken again where the feet stand)
        finished = self._try_finish(f, p, force=False) or finished
        m.to_top(p)
        return finished

    def _warn_live(self, row: list[float] | None, now: float, finished: Rep | None) -> None:
        """Stage 4, warnings: per-frame checks while a rep is under way, debounced; a finished
        rep's failed checks at once."""
        in_rep = self.machine.state in IN_REP
        view = view_category(self.gate.yaw)
        for col, spec in self._live:
            val = row[col] if row is not None else math.nan
            seen = in_rep and val == val and view in spec.views
            true = seen and check_fails(spec.at_view(view), val)
            self._warn.observe(spec.name, spec.message, spec.severity, now, bool(true))
        if finished is not None:
            for r in finished.checks:
                if r.failed:
                    self._warn.raise_now(r.name, r.message, r.severity, now)

    # ---------------------------------------------------------------------------------------
    def _try_finish(self, f: int, p: float, *, force: bool) -> Rep | None:
        """Stage 5: close the pending rep once its end is found (or ``force``); returns it when
        counted."""
        pend = self._pending
        assert pend is not None
        bad_since = self.gate.bad_since
        if pend["unproven"] and bad_since == bad_since:
            # begun before walking could be measured and walking now: a flicker, or the first
            # strides of a walk-in (then the walk goes on)
            if self.time - bad_since < self.cfg.gate_grace_s - EPS_S:
                return None
            self._pending = None
            return None
        if pend["early"] and not self._held_since(pend, force=force):
            return None
        hist = self.hist
        pk = V.peak_of(hist, int(pend["down_at"]), int(pend["done_at"]), float(pend["base"]), f)
        if pk is None:
            self._pending = None
            return None
        waited = self.time - pend["done_t"]
        if not V.ascent_over(pk, p, force=force, waited=waited):
            return None  # keep waiting for the ascent to finish
        self._pending = None
        if pk.bottom_i + hist.f0 <= self._counted_until:
            return None  # counted already (see continue_from): the same movement seen again
        m = self.machine
        in_rep = m.state in IN_REP
        next_down = m.down_at - hist.f0 if in_rep and m.down_at > pend["done_at"] else None
        b = V.bounds_of(hist, pk, self.cfg.bottom_band, next_down, self._prev_end_t)
        if (
            V.moved_between(hist, b.start, b.last, self.cfg.max_rep_zoom)
            or V.stepped_between(hist, b.start, b.last, self._max_step)
            or (self._on_hips and not V.hips_lowered(hist, b.start, pk.bottom_i))
            or not V.rises_at_one_scale(
                hist,
                min(pk.down, b.last),
                b.last,
                pk.now,
                (self.book, self.rules, self._sigs, self.aspect),
                self.cfg.one_scale_share,
                self._reach,
                self._pending_view,
            )  # fmt: skip
        ):
            return None
        rep = V.judged(
            self.rules, self.book, hist, pk, b, self.cfg.bottom_band, self.aspect,
            index=len(self.reps) + 1, exercise=self.exercise, fps=self.fps,
        )  # fmt: skip
        return self._count(rep, f)

    def _held_since(self, pend: dict, *, force: bool) -> bool:
        """A rep begun during the hold (``RepMachine.down_early``) is counted once the person
        has stood still (since ``steady``, as at its start) for ``settle_s`` with it, the
        body's size steady; walking or turning since then (``steady_since`` later) or the
        gate closing (``force``) first drops it, and so does one shorter than half a gait
        cycle (``drift_window_s``) begun within a window of the hold's start: the knee bend of
        a stride, before the feet's travel could be measured (a walk-in towards the camera
        hardly moves the feet in the picture)."""
        gate, steady = self.gate, pend["steady"]
        # (the feet's travel measured over a drift window before the rep began: no stride)
        short = (
            pend["down_t"] - steady < self._drift_s - EPS_S
            and pend["done_t"] - pend["down_t"] < self._drift_s / 2 - EPS_S
        )
        if short or gate.steady_since > steady + EPS_S or (force and not gate.settled(self.time)):
            self._pending = None
            return False
        return gate.settled(self.time)

    def _count(self, rep: Rep, f: int) -> Rep | None:
        """Count a closed rep (unless set-up found offline) and keep history from its end on."""
        # (a set-up movement found offline, see setup_reps: counted as nothing, but the
        # counter goes on exactly as after a rep, so the reps after it stay the same)
        if rep.bottom not in self.skip:
            self.reps.append(rep)
            self.counts[rep.verdict] += 1
        else:
            self.set_up.append(rep)
        self._prev_end, self._prev_end_t = rep.end, rep.end_s
        # history is kept from the rep's end on (the next top period)
        i0, m = self.hist.f0, self.machine
        cut = min(rep.end, f) - i0
        if m.state in IN_REP:
            cut = min(cut, m.down_at - i0 - 1)
        if cut > 0 and m.state != "idle":
            self.hist.drop(cut)
        elif m.state == "idle":
            self.hist.trim(f)
        return rep if rep.bottom not in self.skip else None

    def finish(self) -> Rep | None:
        """End of stream: close a rep that is still waiting for its end frame, or one whose
        last frame is back at the top while the smoothed progress, lagging by about
        ``smoothing_s``, is not yet (a clip that ends as the rep does)."""
        m, prog = self.machine, self.hist.prog
        last = prog[-1] if prog else math.nan
        rise = m.peak - m.base
        if (
            self._pending is None
            and m.state in ("bottom", "up")
            and last < m.base + self.cfg.return_frac * rise
            and self.time - m.down_t >= self.cfg.min_rep_s - EPS_S
        ):
            counted = self._rep_done(self.frame, self.time, last)
            if self._pending is None:
                return counted
        if self._pending is None:
            return None
        return self._try_finish(self.frame, math.nan, force=True)
