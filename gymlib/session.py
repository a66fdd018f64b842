"""The live coach's logic: one frame in, one feedback out. No I/O, no clock, no widgets.

    session = CoachSession(fps=30)                    # loads the shipped classifier lazily
    for t, frame in enumerate(frames):                # frame: (33, 4) or None (nobody)
        fb = session.update(frame, t / 30)
        fb.exercise, fb.confidence, fb.reps, fb.rep, fb.warnings

A rolling window of the last second (30 samples at 30 fps, whatever the camera's rate:
:mod:`gymlib.timewindow`) feeds the classifier (``ExerciseClassifier.predict_one``) every
``classify_every`` 30ths of a second. Its probabilities are evidence, weighed together over the
windows by :class:`gymlib.decision.ExerciseFilter` (``live.decision`` in config.yaml): an
exercise is named once its belief is high enough and held through the set (no flicker between
reps); it falls back to "unknown" when the belief moves to rest or elsewhere, or after
``unknown_after_s`` without a window to classify (nobody in the picture). Offline, with the
whole stream at hand (``analyze``), :meth:`CoachSession.plan` decides every set's exercise from
all its windows first (:func:`gymlib.decision.decide_sets`) and ``update`` then follows that
plan. The exercise can be fixed by the user instead (``set_exercise``). Each exercise has its
own :class:`gymlib.reps.RepCounter`, fed only while its exercise is named (or fixed): while the
decision is not sure, nothing is counted. Evidence takes a second or two of movement, so when an
exercise is named its counter first watches the last ``replay_s`` seconds again: the rep that
made it recognisable is counted too. A movement that set the lift up (lying down on the bench,
unracking, walking in) is counted when it closes and taken back once two reps of its set have
followed it and show what it was (:meth:`CoachSession._judge_set_up`, ``withdrawn``). A camera
cut (in the pixels, ``cuts``, or the landmarks: :class:`gymlib.cuts.SceneCuts`, ``found_cuts``)
is a new scene: the decision starts afresh there (:meth:`CoachSession._cut_scene`).
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gymlib import plan as offline
from gymlib.config import Config, load_config
from gymlib.cuts import BodyJumps, Cut, SceneCuts
from gymlib.decision import ExerciseFilter, ExerciseSet
from gymlib.landmarks import FRAME_FEATURES, WINDOW_FRAMES
from gymlib.live_config import LiveConfig  # defined there; imported from here too
from gymlib.model import OTHER, UNKNOWN
from gymlib.plan import DRY_CARRY_S, PlanView, _DryRun  # noqa: F401 (importable from here)
from gymlib.reps import CounterFeedback, FormWarning, Rep, RepCounter
from gymlib.reps.setup import setup_start
from gymlib.stance import stance_gaps
from gymlib.timewindow import RecentWindow, Ticks, new_samples

AUTO = "auto"
_NOBODY = np.zeros((33, 4), np.float32)  # a window's frame where nobody is seen


def load_live_config(cfg: Config | None = None) -> LiveConfig:
    """The ``live`` section of ``cfg`` (default: the repository's config.yaml), checked at load:
    now :attr:`Config.live`."""
    return (cfg or load_config()).live


@dataclass(frozen=True)
class SessionFeedback:
    """What the coach shows after one frame."""

    time: float
    person: bool
    exercise: str  # the recognised (or fixed) exercise, or "unknown"
    confidence: float  # the decision's belief in it (1.0 when fixed by the user)
    probabilities: dict[str, float]
    counter: CounterFeedback | None  # the active exercise's counter, if any
    reps: dict[str, dict[str, int]]  # per exercise: good / partial / faulty
    warnings: tuple[FormWarning, ...]
    landmarks: np.ndarray | None  # the frame's (33, 4), for drawing
    # every rep that finished on this frame: more than one when an exercise just recognised
    # had reps in the recent frames its counter watched again
    finished: tuple[Rep, ...] = ()
    # reps counted earlier and taken back on this frame: the set's later reps showed them to be
    # set-up (live only, see CoachSession._judge_set_up)
    withdrawn: tuple[Rep, ...] = ()

    @property
    def rep(self) -> Rep | None:
        """The last rep that finished on this frame, if any."""
        return self.finished[-1] if self.finished else None


class CoachSession:
    """Stateful, pure pipeline: window -> classifier -> decision -> per-exercise rep counter.

    ``threshold`` (default ``model.confidence_threshold``): a window whose "other" class reaches
    it marks where the person did none of the exercises (frames a newly named exercise's counter
    watches again only as context); naming the exercise is ``config.decision``'s.
    """

    def __init__(
        self,
        classifier: Any = None,
        *,
        fps: float = 30.0,
        aspect: float = 4 / 3,
        exercise: str = AUTO,
        config: LiveConfig | None = None,
        threshold: float | None = None,
        counter_factory: Callable[[str], RepCounter] | None = None,
        store: str | Path | None = None,
    ) -> None:
        cfg = load_config()
        self.cfg = config or load_live_config(cfg)
        self.rep_cfg = cfg.reps  # the camera cuts' rule in the landmarks (gymlib.cuts.BodyJumps)
        self.fps, self.aspect = float(fps), float(aspect)
        if not (math.isfinite(self.fps) and self.fps > 0 and math.isfinite(self.aspect)
                and self.aspect > 0):  # fmt: skip
            raise ValueError(f"fps and aspect must be numbers over 0, got {fps!r} and {aspect!r}")
        self.threshold = cfg.model.confidence_threshold if threshold is None else threshold
        self._classifier = classifier
        self.exercises: tuple[str, ...] = tuple(cfg.exercises)
        self._store = store  # (a plan's dry run needs its exercises too: new_like)
        if store is not None:  # taught exercises (gymlib.teach): their classifier and rules
            from gymlib.teach.store import Store

            taught = Store(store, config=cfg)
            self._classifier = classifier or taught.classifier()
            self.exercises += taught.exercises()
            book = taught.rulebook()
            counter_factory = counter_factory or (
                lambda ex: RepCounter(ex, self.fps, aspect=self.aspect, rules=book)
            )
        self._make_counter = counter_factory or (
            lambda ex: RepCounter(ex, self.fps, aspect=self.aspect)
        )
        self._known: dict[bytes, np.ndarray] | None = None  # see remember_probabilities()
        self._dry: _DryRun | None = None  # ... and the last plan's dry run, carried on
        # times of camera cuts seen in the pixels (PoseExtractor.cuts): the decision and the
        # counters start afresh (and at a cut in the landmarks: found_cuts)
        self.cuts: Sequence[float] = ()
        # the picture's shape, the user's exercise choices (and the loop's "new set"), each
        # with the frame it applies from: what a saved session's replay cannot see in the
        # landmarks (recording.LiveInputs)
        self.frames = 0
        self.changes: list[tuple[int, str, float | str]] = [(0, "aspect", self.aspect)]
        self.set_exercise(exercise)
        self.reset()

    @functools.cached_property
    def classifier(self) -> Any:
        if self._classifier is None:
            from gymlib.model import ExerciseClassifier

            self._classifier = ExerciseClassifier.load()
        return self._classifier

    # -------------------------------------------------------------------------------------------
    def set_exercise(self, exercise: str) -> None:
        """``"auto"`` (the classifier decides) or one of the exercises (fixed by the user)."""
        if exercise != AUTO and exercise not in self.exercises:
            raise ValueError(f"exercise must be 'auto' or one of {list(self.exercises)}, "
                             f"got {exercise!r}")  # fmt: skip
        self.fixed = None if exercise == AUTO else exercise
        self.changes.append((self.frames, "exercise", exercise))

    def reset(self) -> None:
        """A new session: forget the window, the exercise, every count and the old stream's
        ``changes`` (numbered by its frames, a replay of the new one would apply them at the
        wrong frames); the shape and the user's exercise choice stay, as the new stream's first
        changes. ``cuts`` are times, and the pose stage's own list: they stay."""
        self.frames = 0
        self._ticks = Ticks(self.cfg.classify_every)  # when to classify, from the stream's start
        self.changes = [(0, "aspect", self.aspect), (0, "exercise", self.fixed or AUTO)]
        self._new_stream()
        self._plan: list[tuple[str, float]] | None = None  # offline: per frame, see plan()
        self._plan_probs: dict[int, np.ndarray] = {}  # offline: the classified windows' frames
        self._plan_cuts: list[int] = []  # offline: the frames of the stream's camera cuts
        self._skip: dict[str, frozenset[int]] = {}  # offline: set-up movements' bottom frames
        self.counters: dict[str, RepCounter] = {}
        self.reps: list[Rep] = []
        self._other_at = -1  # last frame the classifier was sure it saw none of the exercises
        self._counted = (UNKNOWN, -1)  # the exercise of the last rep counted, and its end
        self.found_cuts: list[Cut] = []  # every camera cut met, in the pixels or the landmarks

    def _new_stream(self) -> None:
        """Forget what the frames of the stream so far showed (the window, the exercise named,
        the recent frames); the counts stay."""
        self.window = RecentWindow()
        self.current = UNKNOWN
        self.confidence = 0.0
        self.probabilities: dict[str, float] = {}
        self._filter: ExerciseFilter | None = None  # made with the classifier's classes
        self._last_classified = -np.inf  # time of the last window classified
        self._classified_at: float | None = None  # its time, None before the first
        # the last replay_s seconds of frames (None: nobody) and their times, for a newly
        # recognised exercise
        self._recent: collections.deque[tuple[np.ndarray | None, float]] = collections.deque()
        self._watching = UNKNOWN  # the exercise whose counter saw the previous frame
        # live: the reps of the current set (since its exercise was named) and how many of its
        # first reps were found to be set-up; None once one was kept (see _judge_set_up)
        self._set: list[Rep] = []
        self._peeled: int | None = 0
        self._scenes = SceneCuts(BodyJumps.of(self.rep_cfg, self.aspect))  # the camera cuts
        # whether the person rested since the current set began, and how many of the set's
        # first reps a short set of another exercise carried in (see _set_goes_on)
        self._rested, self._carried = True, 0

    def set_aspect(self, aspect: float) -> None:
        """The camera's picture changed shape (width / height): counters measure afresh."""
        if not aspect > 0:
            raise ValueError(f"aspect (image width / height) must be > 0, got {aspect}")
        if abs(aspect - self.aspect) > 1e-6:
            self.aspect = float(aspect)
            self.changes.append((self.frames, "aspect", self.aspect))
            self._recent.clear()  # frames of the old shape are not watched again
            self._watching = UNKNOWN  # the next frame starts a counter in the new shape
            self._scenes.body = BodyJumps.of(self.rep_cfg, self.aspect)  # measured afresh

    def _watch(self, exercise: str) -> tuple[RepCounter, list[Rep]]:
        """The counter of ``exercise`` for the current frame, and reps it finished on the way.

        A newly recognised exercise gets a new counter that first watches the recent frames
        again (frames of the whole stream, so reps keep their place in the video) and goes on
        with the count of the exercise's earlier counter, if any. Frames up to the last time
        the classifier was sure the person did something else are watched as inactive: they
        tell the counter where the person walked and stood, but nothing in them counts.
        """
        if exercise == self._watching:
            return self.counters[exercise], []
        if self._counted[0] not in (UNKNOWN, exercise):  # a movement is counted once
            self._other_at = max(self._other_at, self._counted[1])
        if not self._set_goes_on(exercise):
            self._set, self._peeled, self._carried = [], 0, 0  # a new set
        else:  # carried in: the reps before the set's last run of ``exercise`` (none when the
            # name only flickered away and back within the run: the run's start was judged)
            run = next((k for k, r in enumerate(reversed(self._set)) if r.exercise != exercise),
                       len(self._set))  # fmt: skip
            self._carried = len(self._set) - run
        self._watching, self._rested = exercise, False
        counter = self._make_counter(exercise)
        counter.skip = self._skip.get(exercise, frozenset())
        counter.cut_times = self.cuts
        recent = list(self._recent)[:-1]  # the current frame is fed by the caller
        first = self.frames - 1 - len(recent)
        counter.start_at(first)
        if exercise in self.counters:
            counter.continue_from(self.counters[exercise])
        self.counters[exercise] = counter
        finished = []
        for i, (frame, t) in enumerate(recent):
            fb = counter.update(frame, t, active=first + i > self._other_at)
            if fb.rep is not None:
                finished.append(fb.rep)
        return counter, finished

    # -------------------------------------------------------------------------------------------
    def _cut_scene(self, cut: Cut) -> list[Rep]:
        """A camera cut (:mod:`gymlib.cuts`): a new scene. The counter being watched closes a
        rep that ended at the cut (as at a stream's end) and no frame before the cut is
        watched again; live, the exercise decision starts afresh (the filter's belief, the
        window: a window holding frames of both shots is evidence for neither). Offline the
        plan already split its sets there (:func:`gymlib.plan.plan`). Returns the reps closed.
        With the exercise fixed by the user only the counter's own fresh start (its cut rules),
        and the window afresh (only the doubt of the choice reads it then: gymlib.doubt)."""
        self.found_cuts.append(cut)
        if self.fixed is not None:
            self.window.clear()
            return []
        counter = self.counters.get(self._watching)
        rep = counter.finish() if counter is not None else None
        if rep is not None:
            self._counted = (rep.exercise, max(rep.end, self._counted[1]))
        self._watching, self._rested = UNKNOWN, True  # a new scene: a new set, as offline
        self._recent.clear()
        if self._plan is None:
            self.window.clear()
            self.current, self.confidence, self.probabilities = UNKNOWN, 0.0, {}
            if self._filter is not None:
                self._filter.reset()
            self._classified_at = None
        return [rep] if rep is not None else []

    def window_probs(self, window: np.ndarray) -> np.ndarray:
        """``(C,)`` probabilities of one ``(30, 33, 4)`` window."""
        x = window.reshape(WINDOW_FRAMES, FRAME_FEATURES)
        return np.asarray(self.classifier.predict_one(x), dtype=np.float64)

    def _is_other(self, probs: np.ndarray) -> bool:
        """The classifier is sure this window is none of the exercises."""
        classes = self.classifier.classes
        return OTHER in classes and probs[classes.index(OTHER)] >= self.threshold

    def _classify(self, window: np.ndarray, t: float) -> None:
        probs = self.window_probs(window)
        self.probabilities = {c: float(p) for c, p in zip(self.classifier.classes, probs,
                                                           strict=True)}  # fmt: skip
        if self._is_other(probs):
            self._other_at = self.frames - 1
        if self._filter is None:
            self._filter = ExerciseFilter(self.classifier.classes, self.exercises,
                                          self.cfg.decision)  # fmt: skip
        new = new_samples(self._classified_at, t)
        self._classified_at = self._last_classified = t
        self.current = self._filter.update(probs, t, new, stance_gaps(window)[0])
        self.confidence = self._filter.confidence
        self._rested |= self._filter.resting

    def classifiable_window(self) -> np.ndarray | None:
        """The last second's ``(30, 33, 4)`` window when it is full and shows a person in
        ``min_person_frames`` of its samples; else None (nothing to classify)."""
        if self.window.full:
            window, seen = self.window.window()
            if seen >= self.cfg.min_person_frames:
                return window
        return None

    def _classify_or_lose(self, tick: bool, t: float) -> None:
        """At a tick with a window to classify, classify it; else see whether the exercise
        is lost."""
        window = self.classifiable_window() if tick else None
        if window is not None:
            self._classify(window, t)
        else:
            self._lost(t)

    def _lost(self, t: float) -> None:
        """Nobody to classify for ``unknown_after_s``: the exercise is no longer named."""
        if t - self._last_classified > self.cfg.unknown_after_s:
            self.current, self._rested = UNKNOWN, True
            if self._filter is not None:
                self._filter.current = UNKNOWN

    # -------------------------------------------------------------------------------------------
    def plan(self, frames: Sequence[np.ndarray | None], times: Sequence[float]
             ) -> list[ExerciseSet]:  # fmt: skip
        """Offline: decide every set's exercise from the whole stream before it is fed
        (:func:`gymlib.plan.plan`). Returns the sets ([] when the exercise is fixed)."""
        return offline.plan(self, frames, times)

    def plan_view(self) -> PlanView:
        """What of the plan (:meth:`plan`) reaches analyze's outputs."""
        return offline.plan_view(self)

    def adopt_plan(self, planned: CoachSession) -> None:
        """Follow ``planned``'s plan from the next frame on (:func:`gymlib.plan.adopt_plan`)."""
        offline.adopt_plan(self, planned)

    def remember_probabilities(self) -> None:
        """Keep every classified window's probabilities for a later :meth:`plan` of the stream
        grown (:func:`gymlib.plan.remember_probabilities`)."""
        offline.remember_probabilities(self)

    def new_like(self) -> CoachSession:
        """A new session with this one's classifier, options and counters (a plan's dry run)."""
        return CoachSession(
            self._classifier, fps=self.fps, aspect=self.aspect,
            exercise=self.fixed or AUTO, config=self.cfg, threshold=self.threshold,
            counter_factory=self._make_counter, store=self._store,
        )  # fmt: skip

    def _follow_plan(self) -> None:
        i = self.frames - 1
        if i >= len(self._plan):
            raise ValueError(f"the plan covers {len(self._plan)} frames; frame {i + 1} was fed")
        if i in self._plan_probs:  # a window the live path would classify here
            probs = self._plan_probs[i]
            self.probabilities = dict(zip(self.classifier.classes, map(float, probs), strict=True))
            if self._is_other(probs):
                self._other_at = i
        self.current, self.confidence = self._plan[i]

    def update(self, landmarks: np.ndarray | None, t: float) -> SessionFeedback:
        """Feed one frame (``(33, 4)`` or None when nobody is detected) at time ``t`` seconds."""
        if not (isinstance(t, numbers.Real) and math.isfinite(t)):  # before any state changes
            raise ValueError(f"t must be the frame's time in seconds, a finite number; got {t!r}")
        frame = None
        if landmarks is not None:
            frame = np.asarray(landmarks, dtype=np.float32)
            if frame.shape != (33, 4):
                raise ValueError(f"landmarks must have shape (33, 4), got {frame.shape}")
            if not np.isfinite(frame).all():
                raise ValueError("landmarks contain NaN or inf")
            if not frame.any():
                frame = None
        self.frames += 1
        cut = self._scenes.update(t, frame, self.cuts)
        closed = self._cut_scene(cut) if cut is not None else []
        self.window.append(frame if frame is not None else _NOBODY, t, frame is not None)
        tick = self._ticks.update(t)
        self._recent.append((frame, t))
        while len(self._recent) > 1 and t - self._recent[0][1] >= self.cfg.replay_s - 1e-6:
            self._recent.popleft()
        if self.fixed is None and self._plan is not None:
            self._follow_plan()
        elif self.fixed is None:
            self._classify_or_lose(tick, t)
        exercise = self.fixed or self.current
        confidence = 1.0 if self.fixed else self.confidence
        fb = counter = None
        finished: list[Rep] = []
        if exercise != UNKNOWN:
            counter, finished = self._watch(exercise)
            fb = counter.update(frame, t)
            if fb.rep is not None:
                finished.append(fb.rep)
            # (a set-up movement left uncounted is done with too: the counter of the
            # exercise planned next must not watch it again and count it)
            ends = [r.end for r in finished]
            if counter.set_up and counter.set_up[-1].end > self._counted[1]:
                ends.append(counter.set_up[-1].end)  # the latest: they are kept in time order
            if ends:
                self._counted = (exercise, max(ends))
        else:
            self._watching = UNKNOWN
        self.reps.extend(closed + finished)
        withdrawn: list[Rep] = []
        # (offline, the plan's set-up movements are never counted: nothing to take back)
        if finished and counter is not None and fb is not None and self._plan is None:
            withdrawn = self._judge_set_up(counter, finished)
            if withdrawn:  # the finished reps as renumbered, and the counter's count now
                gone = {r.bottom for r in withdrawn}
                finished = [r for r in self._set[-len(finished) :] if r.bottom not in gone]
                rep = [r for r in finished if fb.rep is not None and r.bottom == fb.rep.bottom]
                fb = dataclasses.replace(fb, reps=len(counter.reps), counts=dict(counter.counts),
                                         rep=rep[-1] if rep else None)  # fmt: skip
        return SessionFeedback(
            time=t,
            person=frame is not None,
            exercise=exercise,
            confidence=confidence,
            probabilities=dict(self.probabilities),
            counter=fb,
            reps={name: dict(c.counts) for name, c in self.counters.items()},
            warnings=fb.warnings if fb is not None else (),
            landmarks=frame,
            finished=tuple(closed + finished),
            withdrawn=tuple(withdrawn),
        )

    def finish(self) -> list[Rep]:
        """The stream ended (a video's last frame, the camera stopped): the counter being
        watched closes a rep the stream ends on (:meth:`RepCounter.finish`). Returns the reps
        added to ``reps``.

        Frames fed after it are a new stream (the camera started again): its exercise is
        recognised afresh and no frame from before the stop is watched again, while the counts
        go on. A saved session's replay ends its stream at the same frame (``changes``)."""
        counter = self.counters.get(self._watching)
        rep = counter.finish() if counter is not None else None
        done = [rep] if rep is not None else []
        self.reps.extend(done)
        if rep is not None:
            self._counted = (rep.exercise, max(rep.end, self._counted[1]))
        if self.frames and (not self.changes or self.changes[-1][:2] != (self.frames, "end")):
            self.changes.append((self.frames, "end", ""))
        self._new_stream()
        return done

    def _judge_set_up(self, counter: RepCounter, finished: list[Rep]) -> list[Rep]:
        """Live: take back the set's first reps that its later reps show to be set-up.

        The rule of :func:`gymlib.reps.setup_reps` (offline, the whole set) on the reps so far
        (:func:`gymlib.reps.setup.setup_start`): a run of the set's first movements is judged
        once ``setup_min_reps - 1`` reps have followed it, against those reps, and judging
        stops when the set's start is decided. A movement was counted and shown when it
        closed; it is taken back (out of the counts and :attr:`reps`) when the later reps show
        what it was."""
        self._set.extend(finished)
        out: list[Rep] = []
        while self._peeled is not None:
            n, settled = setup_start(self._set[self._peeled :], counter.cfg)
            for i in range(self._peeled, self._peeled + n):
                out.append(self._set[i])  # (each withdrawal renumbers the later reps in self._set)
                self._withdraw(counter, out[-1])
            self._peeled += n
            if settled and self._peeled < self._carried:
                # the short set carried in was no set-up: this exercise's own set is judged
                # on its own, as before (its first movements may be set-up)
                self._peeled = self._carried
                continue
            self._peeled = None if settled else self._peeled
            break
        return out

    def _set_goes_on(self, exercise: str) -> bool:
        """Whether the set being judged for set-up (``_judge_set_up``) goes on as ``exercise``
        is named: no rest since it began (the decision never found the person likelier idle
        than at an exercise, nor lost them), so the name changed within one stretch of
        movement: a flicker of the same exercise, or a short, undecided start (a walk-out with
        the feet together, named squat before the split stance) running straight into another
        exercise, as the offline plan joins a short set to the next (``reps.joined_sets``).
        Slow motion makes such a walk-out read as standing still (the feet travel slower than
        walking) and it closes as a rep. A short set carried in that is no set-up leaves the
        new exercise's set to be judged on its own (``_carried``)."""
        if self._rested or not self._set:
            return False
        return exercise == self._set[-1].exercise or self._peeled is not None

    def _withdraw(self, counter: RepCounter, rep: Rep) -> None:
        """Uncount ``rep``: out of :attr:`reps` and its exercise's counter's count (its set-up
        list; ``counter`` when it has none)."""
        counter = self.counters.get(rep.exercise, counter)
        if any(r is rep for r in counter.reps):
            counter.counts[rep.verdict] -= 1
            counter.set_up.append(rep)
        # the counter's later reps move up one place, as if it had never counted it
        later = [r for r in counter.reps if r.exercise == rep.exercise and r.index > rep.index]
        moved = {id(r): dataclasses.replace(r, index=r.index - 1) for r in later}
        counter.reps = [moved.get(id(r), r) for r in counter.reps if r is not rep]
        self.reps = [moved.get(id(r), r) for r in self.reps if r is not rep]
        self._set = [moved.get(id(r), r) for r in self._set]

    def summary(self) -> list[dict[str, Any]]:
        """One row per counted rep (for a table or CSV)."""
        return [r.as_row() for r in self.reps]


class VoiceCoach:
    """What to say and when: at most one message every ``gap_s`` (the most severe warning
    first), the same message not again within ``repeat_s``, a beep on every good rep."""

    def __init__(self, *, gap_s: float = 3.0, repeat_s: float = 10.0) -> None:
        self.gap_s, self.repeat_s = gap_s, repeat_s
        self._last_spoken = -np.inf
        self._said: dict[str, float] = {}

    def update(self, fb: SessionFeedback, first: Sequence[str] = ()) -> tuple[str | None, bool]:
        """``(text to speak or None, beep?)`` for one frame's feedback; ``first``: hints said
        before its warnings (the framing's: a count read off guessed joints is no use)."""
        beep = fb.rep is not None and fb.rep.verdict == "good"
        say = None
        if fb.time - self._last_spoken >= self.gap_s:
            for message in (*first, *(w.message for w in fb.warnings)):  # most severe first
                if fb.time - self._said.get(message, -np.inf) >= self.repeat_s:
                    say = message
                    break
            if say is None and fb.rep is not None and fb.rep.messages:
                msg = fb.rep.messages[0]
                if fb.time - self._said.get(msg, -np.inf) >= self.repeat_s:
                    say = msg
            if say is not None:
                self._last_spoken = fb.time
                self._said[say] = fb.time
        # (said as words: "push_up", an exercise's name in the menu, is "push up")
        return (say.replace("_", " ") if say else None), beep
