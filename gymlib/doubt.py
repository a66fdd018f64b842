"""Live: whether the exercise the user chose in the menu disagrees with the movement.

A wrong pick counts nothing, without a word: a push-up's counter never sees a squat go down
(nor a squat's the push-ups of a user who moved on and left the menu as it was).
:class:`ChoiceDoubt` classifies the session's window at the classifier's ticks, as the session
does in auto mode, and runs a decision of its own on it (:class:`gymlib.decision.ExerciseFilter`,
``live.decision`` in config.yaml, the rule that names the exercise in auto mode; its own, as
it starts afresh at each new choice, and the session's stands still while the exercise is
fixed); when that decision has named another of the exercises for
``live.doubt_after_s`` seconds without a rep of the choice counted (a slow rep's time:
until then the choice's silence is no evidence, and a split squat reads as a squat until its
stance shows), it says so; a rep of the choice counted starts that time afresh. The count
stays the user's choice. The classifier runs as it does in auto mode. The offline twin, over
a whole clip, is :func:`gymlib.plan.doubt_of`.

Best effort: a classifier that cannot be loaded, or lacks one of the session's exercises (an
exercise added to config.yaml, counted when fixed and never recognised), doubts nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gymlib.decision import ExerciseFilter
from gymlib.model import UNKNOWN
from gymlib.stance import stance_gaps
from gymlib.timewindow import Ticks, new_samples

if TYPE_CHECKING:
    from gymlib.session import CoachSession


def doubt_message(chosen: str, seen: str) -> str:
    """What the coach shows and says when the movement reads as ``seen``, not ``chosen``."""
    return (f"this looks like {seen}, but the exercise is set to {chosen}: "
            f"choose {seen} or auto")  # fmt: skip


class ChoiceDoubt:
    """After each frame's :meth:`CoachSession.update`, :meth:`update` returns the exercise the
    movement reads as when it is not the one fixed by the user (None: no doubt, or auto mode).
    The evidence starts afresh where the session's decision would (a camera cut, nobody in
    the picture for ``unknown_after_s``, a new stream) and at a new choice. No I/O; time is
    the frames' own."""

    def __init__(self, session: CoachSession) -> None:
        self.session = session
        self.seen: str | None = None  # the other exercise named that long, while it is
        self._named: tuple[str, float] | None = None  # another exercise named, and since when
        self._off = False  # no classifier to ask: doubt nothing
        self._choice: str | None = None
        self._reps = 0  # the choice's reps so far: a new one clears the doubt
        self._filter: ExerciseFilter | None = None  # made with the classifier's classes
        self._ticks = Ticks(session.cfg.classify_every)
        self._at: float | None = None  # when the last window was classified
        self._last_t = -np.inf  # the last frame's time: one earlier is a new stream
        self._cuts = 0  # the session's cuts met so far
        self._start(session.fixed)

    def _start(self, choice: str | None) -> None:
        """A new choice, scene or stream: the evidence starts afresh."""
        self._choice = choice
        self._reps = self._counted()
        self._filter = None
        self._ticks = Ticks(self.session.cfg.classify_every)
        self._at = None
        self.seen, self._named = None, None

    def finish(self) -> None:
        """The stream ended: a new one is read afresh."""
        self._start(self.session.fixed)

    def _counted(self) -> int:
        counter = self.session.counters.get(self._choice or "")
        return len(counter.reps) if counter is not None else 0

    def update(self, t: float) -> str | None:
        """The frame at ``t`` seconds was just fed to the session."""
        s = self.session
        if s.fixed != self._choice or len(s.found_cuts) != self._cuts or t < self._last_t:
            self._cuts = len(s.found_cuts)
            self._start(s.fixed)
        self._last_t = t
        if s.fixed is None or self._off:
            self.seen = None
            return None
        if self._counted() != self._reps:  # the choice counts: its silence was no evidence
            self._reps, self._named, self.seen = self._counted(), None, None
        if not self._ticks.update(t):
            return self.seen
        window = s.classifiable_window()
        if window is None:
            if self._at is not None and t - self._at > s.cfg.unknown_after_s:
                self._start(s.fixed)  # nobody for a while: whoever comes is read afresh
            return self.seen
        probs = self._probs(window)
        if probs is None:
            return None
        new, self._at = new_samples(self._at, t), t
        assert self._filter is not None
        named = self._filter.update(probs, t, new, stance_gaps(window)[0])
        if named in (UNKNOWN, s.fixed):
            self._named = None
        elif self._named is None or self._named[0] != named:  # (since this window)
            self._named = (named, t)
        since = self._named  # another exercise named for doubt_after_s: said
        self.seen = None
        if since is not None and t - since[1] >= s.cfg.doubt_after_s - 1e-6:
            self.seen = since[0]
        return self.seen

    def _probs(self, window: np.ndarray) -> np.ndarray | None:
        """``(C,)`` probabilities of a ``(30, 33, 4)`` window; None (and off for good) when
        the classifier cannot be had or lacks one of the exercises (the decision's evidence
        refuses it)."""
        s = self.session
        try:
            clf = s.classifier
            if self._filter is None:
                self._filter = ExerciseFilter(clf.classes, s.exercises, s.cfg.decision)
            return s.window_probs(window)
        except (OSError, ValueError):  # no model, a damaged one: the count stands without it
            self._off = True
            return None
