"""The live loop: one frame and its time in, one :class:`FrameFeedback` out.

    loop = LiveLoop(CoachSession(), pose=extractor.process_bgr, voice=VoiceCoach())
    out = loop.step(t, image=bgr)         # a camera frame (the pose stage runs) ...
    out = loop.step(t, landmarks=frame)   # ... or landmarks already found: (33, 4) or None
    out.exercise, out.warnings, out.say, out.set, out.sets, out.timer

Every view of a workout goes through it: the dashboard (:mod:`gymlib.widgets.coach`), video
analysis (``python -m gymlib.analyze``), a saved session's replay and notebook 04's headless run.
The stages, in order, each small and stateful, none doing I/O or reading a clock (time is the
frames' own timestamps; a camera frame's arrival time is given with it): :class:`FrameClock`
(optional: camera times made increasing) → the pose (an injected callable) →
:class:`ShapeWatch` (a new picture shape, once it holds) → :class:`gymlib.session.CoachSession`
(exercise, counters, verdicts) → :class:`RepWarnings` (each warning names its rep) →
:class:`gymlib.framing.FramingWatch` (the feet or hands the exercise reads out of the picture;
the person too small in it) → :class:`gymlib.doubt.ChoiceDoubt` (an exercise chosen by hand
that the movement disagrees with) → :class:`gymlib.session.VoiceCoach` (what to say) → the
event log and the recording (injected sinks) → :class:`SetTracker` (sets, their time and the
rests).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gymlib.cuts import Cut
from gymlib.doubt import ChoiceDoubt, doubt_message
from gymlib.framing import FramingWatch, doing
from gymlib.reps import Rep
from gymlib.session import CoachSession, SessionFeedback, VoiceCoach
from gymlib.sets import SetTracker, WorkoutSet

#: Consecutive frames of a new shape before the session measures in it (one odd frame must not
#: empty the counters' replay buffer).
ASPECT_FRAMES = 3


class FrameClock:
    """The browser's frame times -> one strictly increasing session time (seconds).

    Within one camera run the browser's times are used as they are (shifted). A time that goes
    back (the camera restarted: the browser counts from 0 again) continues one frame interval
    after the last time. A jump forward of more than ``max_jump_s`` (or a time that is not a
    number) is taken as a glitch: that frame gets the last time plus one interval, and later
    frames are measured from the last good one, unless ``confirm`` frames in a row agree on the
    new times (a real long pause).

    Given when each frame ``arrived`` (the machine's monotonic clock, seconds), a time that went
    back (the page reloaded or the view shown again: a new browser clock from 0) or a
    confirmed jump (a rest longer than ``max_jump_s``, the page hidden or the camera stopped)
    keeps the time that passed when it is over ``min_pause_s``: a rest, not one frame.
    """

    def __init__(self, *, max_jump_s: float = 300.0, confirm: int = 3,
                 min_pause_s: float = 1.0) -> None:  # fmt: skip
        self.max_jump_s, self.confirm, self.min_pause_s = max_jump_s, confirm, min_pause_s
        self.dt = 1 / 30  # the typical frame interval, learnt as frames come
        self._in: float | None = None  # the last browser time accepted
        self._out = 0.0  # the last session time given
        self._offset = 0.0
        self._odd: list[float] = []  # glitch times in a row
        self._arrived: tuple[float, float] | None = None  # (arrival, time given) when accepted

    def __call__(self, t: float, arrived: float | None = None) -> float:
        t = float(t)
        if self._in is None:  # the browser's clock starts with the widget: within a day
            ok = math.isfinite(t) and 0 <= t <= 86_400.0
            return self._accept(t if ok else 0.0, t if ok else 0.0, arrived)
        d = t - self._in
        if not math.isfinite(t) or d > self.max_jump_s:
            self._odd.append(t)
            run = self._odd[-self.confirm :]
            steady = len(run) == self.confirm and all(
                math.isfinite(b - a) and 0 < b - a <= 1.0
                for a, b in zip(run, run[1:], strict=False)
            )
            if not steady:
                self._out += self.dt
                return self._out
            d = -1.0  # the new times are real: continue from here, as after a restart
        self._odd.clear()
        if d <= 0:  # a new browser clock: go on after the last frame, by the pause if known
            step = self._pause(arrived) if d < 0 else self.dt  # (a time repeated: one frame)
            return self._accept(t, self._out + step, arrived)
        self.dt += 0.05 * (min(d, 0.2) - self.dt)
        return self._accept(t, max(t + self._offset, self._out + 1e-6), arrived)

    def _pause(self, arrived: float | None) -> float:
        """How far after the last time a new run of frames starts: one interval, or the time
        since the last accepted frame arrived when that is a pause (over ``min_pause_s``)."""
        if arrived is None or self._arrived is None or not math.isfinite(arrived):
            return self.dt
        since = self._arrived[1] + (arrived - self._arrived[0]) - self._out
        return since if since > self.min_pause_s else self.dt

    def _accept(self, t_in: float, t_out: float, arrived: float | None) -> float:
        self._in, self._out, self._offset = t_in, t_out, t_out - t_in
        if arrived is not None and math.isfinite(arrived):
            self._arrived = (arrived, t_out)
        return t_out


class ShapeWatch:
    """The picture's shape (width / height): a new one counts once it held ``frames`` frames."""

    def __init__(self, aspect: float, frames: int = ASPECT_FRAMES) -> None:
        self.frames = frames
        self._seen, self._n = float(aspect), frames

    def update(self, width: int, height: int) -> float | None:
        """The new aspect to measure in, or None while the shape is the one measured in."""
        aspect = width / height
        self._n = self._n + 1 if abs(aspect - self._seen) < 1e-6 else 1
        self._seen = aspect
        return aspect if self._n >= self.frames else None


class RepWarnings:
    """Each active warning's text naming its reps: "rep 3: hips sagging", "reps 1-6: ...". The
    first is the rep the warning appeared in: the rep just finished when it is among that rep's
    faults, else the rep under way (reps counted so far + 1); each later rep that finishes with
    the same fault while it shows is the last (a warning held over a set of shallow reps named
    only its first, as if the others were fine)."""

    def __init__(self) -> None:
        self._reps_of: dict[str, tuple[int, int]] = {}  # warning -> its first and last rep

    def update(self, fb: SessionFeedback) -> tuple[str, ...]:
        for gone in fb.withdrawn:  # a rep taken back: the later ones moved up one number
            self._reps_of = {k: (a - (a > gone.index), b - (b > gone.index))
                             for k, (a, b) in self._reps_of.items()}  # fmt: skip
        if not fb.warnings:  # most frames
            self._reps_of = {}
            return ()
        counted = fb.counter.reps if fb.counter is not None else 0
        showing = {}
        for w in fb.warnings:
            span = self._reps_of.get(w.name)
            had = fb.rep is not None and w.name in fb.rep.reasons
            if span is None:
                n = fb.rep.index if had and fb.rep is not None else counted + 1
                span = (n, n)
            elif had and fb.rep is not None and fb.rep.index > span[1]:
                span = (span[0], fb.rep.index)
            showing[w.name] = span
        self._reps_of = showing
        return tuple(f"{_reps_named(showing[w.name])}: {w.message}" for w in fb.warnings)


def _reps_named(span: tuple[int, int]) -> str:
    return f"rep {span[0]}" if span[0] == span[1] else f"reps {span[0]}-{span[1]}"


@dataclass(frozen=True)
class FrameFeedback:
    """The live loop's output for one frame: everything a view draws, says or shows."""

    session: SessionFeedback  # exercise, confidence, counts, the counter, finished reps
    warnings: tuple[str, ...]  # the active warnings, most severe first, each naming its rep
    say: str | None  # what to speak now (None: nothing)
    beep: bool  # a good rep finished
    set: WorkoutSet | None  # the set of the current exercise going on, if any
    sets: tuple[WorkoutSet, ...]  # every set so far
    timer: tuple[str, float]  # ("set" | "rest" | "", seconds): SetTracker.timer
    record_error: str | None = None  # why the recording stopped, if it did
    # the camera cuts met so far: time (s) and kind, seen in the pixels or in the landmarks
    cuts: tuple[Cut, ...] = ()
    ended: bool = False  # the stream ended here (:meth:`LiveLoop.finish`): no frame with it
    framing: str | None = None  # a part the exercise reads is out of the picture: what to do
    # the exercise chosen by hand counts nothing and the movement reads as another: what to do
    doubt: str | None = None

    @property
    def time(self) -> float:
        return self.session.time

    @property
    def exercise(self) -> str:
        return self.session.exercise

    @property
    def landmarks(self) -> np.ndarray | None:
        return self.session.landmarks

    @property
    def rep(self) -> Rep | None:
        return self.session.rep

    @property
    def progress(self) -> float:
        """The rep's progress, 0 at the top to 1 at a full bottom (NaN: no exercise counted)."""
        counter = self.session.counter
        return counter.progress if counter is not None else math.nan


class LiveLoop:
    """Frame + time in, :class:`FrameFeedback` out, through the stages in the module's order.

    ``pose`` (image, t) -> ``(33, 4)`` landmarks or None runs when :meth:`step` gets an image;
    ``clock`` maps the source's times to increasing ones (a camera's: :class:`FrameClock`;
    given a frame's arrival, :meth:`step` passes it on as its second argument);
    ``events`` (e.g. :class:`gymlib.recording.EventLog`) gets every frame's session feedback;
    ``record`` (t, landmarks or None) stores every frame: an ``OSError`` from it stops the
    recording, not the coaching (``record_error`` says why). ``mirrored``: the user watches the
    picture mirrored (the dashboard's selfie view), so hints name its sides as seen.
    ``doubt``: question an exercise chosen by hand that counts nothing while the movement
    reads as another (:class:`gymlib.doubt.ChoiceDoubt`; the classifier runs as in auto
    mode); off where the count is drawn or replayed, not coached.
    """

    def __init__(
        self,
        session: CoachSession,
        *,
        pose: Callable[[np.ndarray, float], np.ndarray | None] | None = None,
        clock: Callable[..., float] | None = None,
        voice: VoiceCoach | None = None,
        events: Any = None,
        record: Callable[[float, np.ndarray | None], None] | None = None,
        sets: SetTracker | None = None,
        mirrored: bool = False,
        doubt: bool = True,
    ) -> None:
        self.session, self.pose, self.clock = session, pose, clock
        self.voice, self.events, self.record = voice, events, record
        self.sets = sets or SetTracker()
        self.shape = ShapeWatch(session.aspect)
        self.rep_warnings = RepWarnings()
        self.framing = FramingWatch(session.cfg.framing, mirrored=mirrored)
        self.doubt = ChoiceDoubt(session) if doubt else None
        self._cuts_seen = 0  # the session's cuts the framing has heard of
        self.frames = 0
        self.record_error: str | None = None
        self._placed = 0  # the session's reps given to the set tracker so far
        self._given: list[Rep] = []  # those reps, in order (the set-up ones taken back too)
        self._closed_after: set[tuple[str, int]] = set()  # reps a hand-closed set ended on
        self._last: FrameFeedback | None = None  # the last frame's output
        self._hand_closed = False  # "new set" closed a set after the last frame

    @property
    def reps(self) -> list[Rep]:
        return self.session.reps

    def summary(self) -> list[dict[str, Any]]:
        """One row per counted rep, with its set."""
        self._place_reps()
        return [{**r.as_row(), "set": n} for r, n in zip(self.reps, self.sets.set_of,
                                                          strict=True)]  # fmt: skip

    def step(self, t: float, *, image: np.ndarray | None = None,
             landmarks: np.ndarray | None = None,
             arrived: float | None = None) -> FrameFeedback:  # fmt: skip
        """One frame at ``t`` seconds: an ``image`` ``(H, W, 3)`` for the pose stage, or its
        ``landmarks`` ``(33, 4)`` (None: nobody seen); ``arrived``: when it reached the
        machine (its monotonic clock), for the clock to keep a pause its times cannot tell."""
        if self.clock is not None:  # (a clock of one argument, as before, when none is given)
            t = self.clock(t) if arrived is None else self.clock(t, arrived)
        size = None  # the picture's (width, height): the framing judges the person's size
        if image is not None:
            size = (image.shape[1], image.shape[0])
            if self.pose is None:
                raise ValueError("this loop has no pose stage: give it landmarks, not images")
            aspect = self.shape.update(image.shape[1], image.shape[0])
            if aspect is not None:
                self.session.set_aspect(aspect)  # angles depend on the shape
            landmarks = self.pose(image, t)
        fb = self.session.update(landmarks, t)
        warnings = self.rep_warnings.update(fb)
        if len(self.session.found_cuts) != self._cuts_seen:  # another scene: framed afresh
            self._cuts_seen = len(self.session.found_cuts)
            self.framing.finish()
        exercise = doing(fb.exercise, fb.probabilities, self.framing.cfg.likely_at)
        hint = self.framing.update(fb.landmarks if fb.person else None, exercise, t, size)
        seen = self.doubt.update(t) if self.doubt is not None else None
        doubt = doubt_message(fb.exercise, seen) if seen else None
        first = tuple(h for h in (hint, doubt) if h)
        say, beep = self.voice.update(fb, first) if self.voice is not None else (None, False)
        if self.events is not None:
            self.events.update(fb)
        self._record(t, fb.landmarks)
        if fb.withdrawn:
            self._take_back(fb.withdrawn)
        self._place_reps()
        self.frames += 1
        self._hand_closed = False
        self._last = FrameFeedback(fb, warnings, say, beep, self.sets.current(fb.exercise, t),
                                   self.sets.sets, self.sets.timer(t), self.record_error,
                                   tuple(self.session.found_cuts), framing=hint,
                                   doubt=doubt)  # fmt: skip
        return self._last

    def finish(self) -> FrameFeedback | None:
        """The stream ended (the camera stopped, a video's or a recording's last frame): the
        session closes the rep it ends on (:meth:`CoachSession.finish`, as ``analyze`` and a
        replay do), the events hear of it and the set ends. Frames after it start a new
        stream and a new set. Returns what the views show now (None: no frame came since the
        last end)."""
        if self._last is None:
            return None
        last, done = self._last.session, self.session.finish()
        fb = dataclasses.replace(
            last, person=False, exercise=self.session.current, confidence=0.0, counter=None,
            reps={name: dict(c.counts) for name, c in self.session.counters.items()},
            warnings=(), landmarks=None, finished=tuple(done), withdrawn=(),
        )  # fmt: skip
        if self.events is not None:
            self.events.update(fb)
        if done and self._hand_closed and self._given:  # "new set", then stop: the rep the
            self._closed_after.discard(_key(self._given[-1]))  # stop closed ends that set
            self._rebuild(set())  # (as a replay, which ends the stream first, places it)
        self._place_reps()
        if self._given:
            self._closed_after.add(_key(self._given[-1]))
        self.sets.close()
        self.rep_warnings = RepWarnings()
        self.framing.finish()
        if self.doubt is not None:
            self.doubt.finish()
        self._last = None
        return FrameFeedback(fb, (), None, False, None, self.sets.sets, self.sets.timer(fb.time),
                             self.record_error, tuple(self.session.found_cuts),
                             ended=True)  # fmt: skip

    def new_set(self) -> WorkoutSet | None:
        """Close the current set by hand ("new set"); returns it, if one was going on."""
        self.session.changes.append((self.session.frames, "new set", ""))  # for a replay
        self._place_reps()
        if self._given:
            self._closed_after.add(_key(self._given[-1]))
        closed = self.sets.close()
        self._hand_closed = closed is not None
        return closed

    def _place_reps(self) -> None:
        # from the session's list, so reps it counted outside step() are placed too
        if len(self.session.reps) == self._placed:
            return
        for rep in self.session.reps[self._placed :]:
            self.sets.add(rep.exercise, rep.time_of("start"), rep.time_of("end"), rep.verdict)
            self._given.append(rep)
        self._placed = len(self.session.reps)

    def _take_back(self, withdrawn: tuple[Rep, ...]) -> None:
        """Reps the session took back (set-up, :attr:`SessionFeedback.withdrawn`) leave their
        sets: the tracker is built again from the reps kept, a hand-closed set closed where it
        was. (Counting placed reps alone would leave the withdrawn rep in its set and miss the
        one that finished as it went.)"""
        gone = {_key(r) for r in withdrawn}
        if any(_key(r) in gone for r in self._given):  # else taken back on the frame it
            self._rebuild(gone)  # finished: never placed

    def _rebuild(self, gone: set[tuple[str, int]]) -> None:
        """The set tracker built again from the reps placed but ``gone``, each hand-closed set
        closed where it was."""
        tracker, kept = SetTracker(self.sets.break_s), []
        for rep in self._given:
            if _key(rep) not in gone:
                tracker.add(rep.exercise, rep.time_of("start"), rep.time_of("end"), rep.verdict)
                kept.append(rep)
            if _key(rep) in self._closed_after:
                tracker.close()
        # the session's list lost the same reps: its first len(kept) are the ones placed
        self.sets, self._given, self._placed = tracker, kept, len(kept)

    def _record(self, t: float, landmarks: np.ndarray | None) -> None:
        if self.record is None or self.record_error is not None:
            return
        try:
            self.record(t, landmarks)
        except OSError as exc:  # disk full: coaching goes on, the view says so
            self.record_error = f"recording stopped at frame {self.frames}: {exc}"


def _key(rep: Rep) -> tuple[str, int]:
    """A rep's identity across renumbering: its exercise and the stream frame of its bottom."""
    return rep.exercise, rep.bottom
