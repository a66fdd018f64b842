"""Pass 2 beside pass 1: replan the stream so far, draw behind it, keep the result only if the
whole clip's plan agrees.

``analyze`` decides every set's exercise from the whole clip (:meth:`CoachSession.plan`), so a
frame can be drawn for sure only after the pose pass. :class:`Follower` draws and encodes beside
it instead, with plans of the frames seen so far, and tells whether the whole clip's plan held
them (else the video is drawn again after the pose pass: the outputs are the same either way).
Only :class:`gymlib.session.CoachSession`'s public API is used: :meth:`~CoachSession.plan`,
:meth:`~CoachSession.plan_view`, :meth:`~CoachSession.adopt_plan` and
:meth:`~CoachSession.remember_probabilities`, and :func:`gymlib.plan.carry_dry_run` (the
whole clip's plan carries on the replans' dry run).
"""

from __future__ import annotations

import bisect
import collections
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

import numpy as np

from gymlib.annotate import behind_pose
from gymlib.landmarks import FRAME_FEATURES, WINDOW_FRAMES
from gymlib.model import UNKNOWN
from gymlib.plan import carry_dry_run
from gymlib.session import CoachSession, PlanView

#: Seconds of video the drawing pass keeps behind the pose pass: a frame is drawn once the plan
#: made from the frames up to this much later holds it (see :class:`Follower`). The frames within
#: it are drawn after the pose pass; a plan drawn with that the whole clip's does not hold costs
#: a redraw. 0.5 s held on the same real clips as 1 s (docs/benchmarks.md, "the serial tail").
FOLLOW_LAG_S = 0.5
#: The drawing pass replans after this many new frames, or a tenth of the frames so far if more
#: (each plan reads the whole stream so far: the replans' cost stays linear in the clip's length).
#: 30, not 15: each replan runs DRY_CARRY_S of dry run again, so half as many cost a third less
#: beside the pose pass, and the plans held on the same real clips (docs/benchmarks.md, session 8)
REPLAN_FRAMES = 30
#: ... and once more this many seconds before the end the file declares: the frames after the
#: last replan (up to a tenth of the clip) would be drawn after the pose pass, FOLLOW_LAG_S and
#: these are (the replan is over before the pose pass ends and the whole clip's plan begins)
END_REPLAN_S = 0.2


def last_replan(declared: int, fps: float) -> int | None:
    """The frame count of the replan :data:`END_REPLAN_S` before the ``declared`` end (None:
    not known)."""
    return declared - round(END_REPLAN_S * fps) if declared > 0 else None


def replan_due(n: int, planned: int, last: int | None = None) -> bool:
    """Whether the drawing pass replans with ``n`` frames seen, its last plan made of
    ``planned``: every :data:`REPLAN_FRAMES` new frames or a tenth of the frames so far, and
    once when ``n`` reaches ``last`` (:func:`last_replan`)."""
    if n - planned >= max(REPLAN_FRAMES, planned // 10):
        return True
    return last is not None and planned < last <= n


#: The pose pass's decoded frames kept for the drawing pass (which then does not decode the video
#: again): the last this many seconds of them, at most :data:`RECENT_BYTES` (a frame the drawing
#: needs that is older than that is decoded again). The drawing keeps FOLLOW_LAG_S and up to one
#: replan's frames behind the pose pass.
RECENT_S = 3.0
RECENT_BYTES = 128 * 2**20
#: Seconds of frames the drawing worker, which reads the video again, decodes ahead of its
#: drawing: more than the frames drawn after the pose pass (FOLLOW_LAG_S and those since the
#: last replan, END_REPLAN_S before the end), so they are ready when the whole clip's plan is
#: made (docs/benchmarks.md, "Session 11")
DECODE_AHEAD_S = 1.0


def frames_within(seconds: float, fps: float, frame_bytes: int,
                  max_bytes: int = RECENT_BYTES) -> int:  # fmt: skip
    """How many frames of ``frame_bytes`` each make ``seconds`` at ``fps`` (at least 1), at most
    ``max_bytes`` of them: what :class:`RecentFrames` keeps, and the drawing worker decodes
    ahead."""
    return max(1, min(round(seconds * fps), max_bytes // max(frame_bytes, 1)))


class RecentFrames:
    """The pose pass's last decoded frames (:meth:`put`, in order), read once in order by the
    drawing pass (:meth:`read`); a frame no longer kept is decoded again by ``again`` (a fresh
    reading of the same frames: decoding is deterministic, so the frame is the same)."""

    def __init__(self, again: Callable[[], Iterator[np.ndarray]], fps: float,
                 seconds: float = RECENT_S, max_bytes: int = RECENT_BYTES) -> None:  # fmt: skip
        self._again, self._fps, self._seconds, self._max_bytes = again, fps, seconds, max_bytes
        self._kept: collections.deque[np.ndarray] = collections.deque()
        self._first = 0  # the index of the first frame kept
        self._limit = 0  # frames kept at most (known from the first frame's size)
        self._bytes = 0  # held by the frames kept (a stream's picture size can change)
        self._last_bytes = 0  # the last frame's
        self._lock = threading.Lock()
        self.reused = self.decoded_again = 0

    @property
    def limit(self) -> int:
        """How many frames of the last one's size are kept at most (known once a frame was put;
        else 1): the first frame's size set the count, the bytes bound it when frames grow."""
        return max(1, min(self._limit, self._max_bytes // max(self._last_bytes, 1)))

    def put(self, rgb: np.ndarray) -> None:
        """The next frame of the pose pass (no longer changed by it)."""
        with self._lock:
            if not self._limit:
                self._limit = frames_within(self._seconds, self._fps, rgb.nbytes,
                                            self._max_bytes)  # fmt: skip
            self._kept.append(rgb)
            self._last_bytes = rgb.nbytes
            self._bytes += rgb.nbytes
            while len(self._kept) > 1 and (
                len(self._kept) > self._limit or self._bytes > self._max_bytes
            ):
                self._bytes -= self._kept.popleft().nbytes
                self._first += 1

    def _take(self, i: int) -> tuple[np.ndarray | None, bool]:
        """Frame ``i`` if kept (the ones before it dropped: never read again); whether it was
        put at all."""
        with self._lock:
            while self._first < i and self._kept:
                self._bytes -= self._kept.popleft().nbytes
                self._first += 1
            if self._first == i and self._kept:
                self._first += 1
                rgb = self._kept.popleft()
                self._bytes -= rgb.nbytes
                return rgb, True
            return None, i < self._first + len(self._kept)

    def read(self) -> Iterator[np.ndarray]:
        """Every frame put, in order (taken from those kept, else decoded again)."""
        again: Iterator[np.ndarray] | None = None
        at = 0  # the index of the next frame ``again`` gives
        i = 0
        try:
            while True:
                rgb, put = self._take(i)
                if rgb is None:
                    if not put:
                        return  # the end of the frames put
                    again = again or self._again()
                    for _ in range(i - at):  # decoded, kept by the pose pass meanwhile
                        next(again, None)
                    rgb, at = next(again, None), i + 1
                    if rgb is None:
                        return
                    self.decoded_again += 1
                else:
                    self.reused += 1
                yield rgb
                i += 1
        finally:
            close = getattr(again, "close", None)
            if close is not None:
                close()


class Drawing(Protocol):
    """Pass 2's work on the frames (``analyze``'s annotator): one frame, the rest (and finish:
    ``run``; or not yet: ``feed``, up to ``ahead`` frames left to encode), or stop."""

    def frame(self, rgb: np.ndarray, lm: np.ndarray | None, t: float) -> None: ...

    def run(self, frames: Iterable[tuple[np.ndarray, np.ndarray | None, float]]) -> Any: ...

    def feed(
        self,
        frames: Iterable[tuple[np.ndarray, np.ndarray | None, float]],
        ahead: int | None = None,
    ) -> Any: ...

    def abort(self) -> None: ...


class SharedClassifier:
    """``session``'s classifier for other sessions, loaded on first use (a clip too short for a
    window never loads it, nor a fixed exercise that counted a rep: one that counted none loads
    it to question the choice, gymlib.plan.doubt_of)."""

    def __init__(self, session: CoachSession) -> None:
        self._session = session
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        with self._lock:
            return getattr(self._session.classifier, name)


def agree(a: PlanView, b: PlanView, first: int, last: int) -> bool:
    """Two plan views give frames ``first..last`` the same exercise, "other" windows and
    set-up movements (a rep finished by frame ``last`` has its bottom at or before it)."""
    if (a.exercises is None) != (b.exercises is None):
        return False
    if a.exercises is not None and a.exercises[first : last + 1] != b.exercises[first : last + 1]:
        return False
    others = [{i: o for i, o in v.other.items() if first <= i <= last} for v in (a, b)]
    cut = [{ex: frozenset(x for x in s if x <= last) for ex, s in v.setup.items()} for v in (a, b)]
    skips = [{ex: s for ex, s in k.items() if s} for k in cut]
    return others[0] == others[1] and skips[0] == skips[1]


def drawable(view: PlanView, times: Sequence[float], n: int, lag_s: float) -> int:
    """How many of the ``n`` frames seen the drawing may take with the plan ``view`` of them:
    those ``lag_s`` before the last, but not the last stretch the plan calls "unknown" (a set
    is named only once it has enough evidence, and then from its first frame on)."""
    k = bisect.bisect_right(times, times[n - 1] - lag_s, 0, n)
    plan = view.exercises
    if plan is None or plan[n - 1] != UNKNOWN:
        return k
    start = n - 1
    while start > 0 and plan[start - 1] == UNKNOWN:
        start -= 1
    return min(k, start)


class Follower:
    """Pass 2 (the live loop, drawing, H.264 encoding) run beside pass 1, behind it.

    This thread replans the stream seen so far every :data:`REPLAN_FRAMES` and draws the frames
    :data:`FOLLOW_LAG_S` behind its end with that plan. When the pose pass ends, the whole clip's
    plan is made as before and compared with every plan drawn with, over the frames each drew:
    where they agree (what reaches the outputs: :class:`gymlib.session.PlanView`) the loop went
    through the same states, and the rest of the frames follow the final plan. Where they do not,
    the drawing is thrown away (:attr:`held` is False) and the caller draws again after the pose
    pass: the outputs are the same either way, only the time differs.
    """

    def __init__(self, new_session: Callable[[], CoachSession],
                 frames: Callable[[], Iterator[np.ndarray]],
                 drawing: Callable[[CoachSession], Drawing], lag_s: float = FOLLOW_LAG_S,
                 tail: int = 4, last: int | None = None,
                 warm: Callable[[], object] | None = None) -> None:  # fmt: skip
        """``new_session`` makes a session like the caller's; ``frames`` reads the frames to draw
        on (the pose pass's: :meth:`RecentFrames.read`); ``drawing`` makes pass 2's work for the
        session it draws with; up to ``tail`` frames left to encode when :meth:`finish`
        returns (:meth:`RecentFrames.limit`: as many as were kept anyway); ``last``: a replan
        at this many frames too (:func:`last_replan`); ``warm``: called as the thread starts,
        after the classifier's warm-up (the summary plot's imports and fonts:
        :func:`gymlib.analyze_output.warm_plot`)."""
        self._new_session, self._frames, self._drawing = new_session, frames, drawing
        self._last, self._warm_more = last, warm
        self.tail = tail
        self.lag_s = lag_s
        self.held = False
        self.annotator: Drawing | None = None
        self._lock = threading.Lock()  # one plan at a time: the sessions share the classifier
        self._more = threading.Event()
        self._stop = threading.Event()
        self._final: CoachSession | None = None
        self._spec: CoachSession | None = None  # the replanning session
        self._used: list[tuple[int, PlanView]] = []  # (first frame, plan view) of each plan drawn
        self._error: BaseException | None = None
        self._poses: list[np.ndarray | None] = []
        self._times: list[float] = []

    def start(self, poses: list[np.ndarray | None], times: list[float]) -> None:
        """Follow ``poses`` and ``times`` (lists the pose pass appends to)."""
        self._poses, self._times = poses, times
        self._thread = threading.Thread(target=self._run, name="analyze-follow", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._more.set()

    def abort(self) -> None:
        self._stop.set()
        self._more.set()
        self._thread.join()

    def finish(self, session: CoachSession, poses: list, times: list) -> Drawing | None:
        """Plan ``session`` from the whole stream; pass 2 with every frame through its loop
        (its encoder may still be at work: the caller closes it, meanwhile writing what needs
        only the loop), or None if it must run again (a plan it drew with disagrees)."""
        try:
            with self._lock:
                if self._spec is not None:  # its dry run, carried on where the plans agree
                    carry_dry_run(session, self._spec)
                session.plan(poses, times)
                self._final = session  # no replan after this one
        except BaseException:
            self.abort()
            raise
        self._more.set()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.annotator if self.held else None

    def _adopt(self, run: CoachSession, planned: CoachSession, at: int) -> PlanView:
        """``run`` follows ``planned``'s plan from frame ``at`` on; that plan's view."""
        view = planned.plan_view()
        self._used.append((at, view))
        run.adopt_plan(planned)
        return view

    def _agrees(self, final: CoachSession, done: int) -> bool:
        if not self._used:  # never planned (a clip shorter than a replan): nothing drawn yet
            return done == 0
        view = final.plan_view()
        ends = [a for a, _ in self._used[1:]] + [done]
        return all(agree(v, view, a, b - 1) for (a, v), b in zip(self._used, ends, strict=True)
                   if b > a)  # fmt: skip

    def _warm(self, spec: CoachSession) -> None:
        """Load the classifier and make a first call now, after the pose pass's first frame
        (:meth:`_first_pose`) and before the first replan: a Keras model's first call traces
        it (~0.3 s of CPU, mostly Python), which at the first replan held up the drawing."""
        if spec.fixed is not None:
            return  # a fixed exercise: no classifier to load (unless it counts none)
        with self._lock:
            try:  # (spec.classifier is a proxy: the model loads at the first attribute)
                classifier = spec.classifier
                if hasattr(classifier, "predict_proba"):  # the batch call the plans make
                    x = np.zeros((1, WINDOW_FRAMES, FRAME_FEATURES), np.float32)
                    classifier.predict_proba(x)
            except FileNotFoundError:  # no model: it fails where a plan needs it, as before (a
                return  # clip shorter than a window never needs one)

    def _first_pose(self) -> None:
        """Wait for the pose pass's first frame: MediaPipe's graph start and first frame take
        both cores, and the warm-ups beside them (the classifier's trace, the plot's fonts)
        delayed that frame (docs/benchmarks.md, "Session 8"); a window needs 30 frames anyway."""
        while not self._poses and not self._stop.is_set() and self._final is None:
            self._more.wait(0.05)
            self._more.clear()

    def _run(self) -> None:
        annotator = None
        behind_pose()
        self._first_pose()
        frames = self._frames()
        try:
            spec, run = self._new_session(), self._new_session()
            spec.remember_probabilities()
            self._spec = spec
            self._warm(spec)
            if self._warm_more is not None:
                self._warm_more()
            annotator = self._drawing(run)
            i = ready = planned = 0
            drained = False  # fewer frames than the pose pass read: drawn up to there
            while not self._stop.is_set() and self._final is None:
                if i < ready and not drained:
                    rgb = next(frames, None)
                    drained = rgb is None
                    if not drained:
                        annotator.frame(rgb, self._poses[i], self._times[i])
                        i += 1
                    continue
                n = len(self._poses)
                if replan_due(n, planned, self._last):
                    with self._lock:
                        if self._final is not None:
                            break  # the whole clip's plan is made: no replan after it
                        spec.plan(self._poses[:n], self._times[:n])
                    planned = n
                    view = self._adopt(run, spec, i)
                    ready = drawable(view, self._times, n, self.lag_s)
                    continue
                self._more.wait(0.05)
                self._more.clear()
            if self._stop.is_set() or not self._agrees(self._final, i):
                annotator.abort()
                return
            self._adopt(run, self._final, i)
            rest = zip(frames, self._poses[i:], self._times[i:], strict=False)
            # the last frames wait for the encoder, so the loop's results (reps, sets) are
            # final first: the caller writes them, and plots, while the encoder finishes
            annotator.feed(rest, ahead=self.tail)
            self.annotator, self.held = annotator, True
        except BaseException as exc:  # raised in the caller's thread
            self._error = exc
            if annotator is not None:
                annotator.abort()
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()
