"""The offline plan of a :class:`gymlib.session.CoachSession`: with the whole stream at hand
(``analyze``), decide every set's exercise from all its windows first
(:func:`gymlib.decision.decide_sets`) and find the set-up movements at each set's ends (a dry
run of the stream); the session's ``update`` then follows the plan. Replanning the stream so
far (``gymlib.follow``) reuses the windows' probabilities and the last dry run.

The session's methods (``plan``, ``plan_view``, ``adopt_plan``, ``remember_probabilities``) call
these functions; the plan's state stays on the session (``_plan``, ``_plan_probs``, ``_skip``,
``_known``, ``_dry``), which ``update`` reads.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from gymlib.cuts import BodyJumps, scene_cuts
from gymlib.decision import ExerciseSet, decide_sets
from gymlib.landmarks import FRAME_FEATURES, WINDOW_FRAMES
from gymlib.model import UNKNOWN
from gymlib.reps import Rep, setup_of_sets
from gymlib.stance import stance_gaps
from gymlib.timewindow import Ticks, covered, new_samples, sample_window

if TYPE_CHECKING:
    from gymlib.session import CoachSession


class PlanView(NamedTuple):
    """What of an offline plan reaches analyze's outputs (not the confidences or probabilities,
    which nothing writes)."""

    exercises: list[str] | None  # each frame's planned exercise (None: not planned)
    other: dict[int, bool]  # per classified window's frame: sure it is none of the exercises
    setup: dict[str, frozenset[int]]  # per exercise: the set-up movements' bottom frames


#: a replanning session keeps its dry run's state this many seconds before the stream's end,
#: to carry it on at the next plan (the plan of the last frames changes most often)
DRY_CARRY_S = 2.0


@dataclass
class _DryRun:
    """A dry run's session after its first ``fed`` frames under ``plan`` and ``probs``."""

    session: CoachSession
    fed: int
    plan: list[tuple[str, float]] | None
    probs: dict[int, np.ndarray]

    def holds(self, plan: list[tuple[str, float]] | None, probs: dict[int, np.ndarray]) -> bool:
        """``plan``'s exercises and ``probs`` are this run's over its first ``fed`` frames (a
        step sets the confidence from the plan's frame anew and counts without it: a set's
        confidence, which changes as the set grows, does not stop the carry)."""
        n = self.fed
        if (plan is None) != (self.plan is None) or (
            plan is not None and self.plan is not None
            and [ex for ex, _ in plan[:n]] != [ex for ex, _ in self.plan[:n]]
        ):  # fmt: skip
            return False
        mine = {i: p for i, p in self.probs.items() if i < n}
        theirs = {i: p for i, p in probs.items() if i < n}
        return mine.keys() == theirs.keys() and all(
            np.array_equal(p, theirs[i]) for i, p in mine.items()
        )

    @staticmethod
    def copy_of(session: CoachSession) -> CoachSession:
        """A copy to go on with (the classifier and configuration shared, not copied)."""
        shared = [session._classifier, session.cfg, session.__dict__.get("classifier")]
        shared.append(session.cuts)  # a video's, still growing as it is read
        return copy.deepcopy(session, {id(x): x for x in shared if x is not None})


def plan(session: CoachSession, frames: Sequence[np.ndarray | None], times: Sequence[float]
         ) -> list[ExerciseSet]:  # fmt: skip
    """Offline: decide every set's exercise from the whole stream before it is fed.

    ``frames`` are the stream's ``(33, 4)`` landmarks (None: nobody) at ``times`` seconds.
    The windows are the ones the live path would classify; the sets come from
    :func:`gymlib.decision.decide_sets`. Feeding the same frames to ``session.update`` then
    follows the plan (same counters, replay and "other" handling as live) instead of
    deciding window by window. With the exercise fixed there is nothing to decide. Either
    way the whole stream is also counted once first, to leave the set-up movements at each
    set's ends uncounted (:func:`_setup_of`; the live path cannot see a set's later reps and
    counts them). Returns the sets, windows numbered in classification order ([] when
    fixed).
    """
    if len(frames) != len(times):
        raise ValueError(f"{len(frames)} frames but {len(times)} times")
    sets = [] if session.fixed is not None else _plan_sets(session, frames, times)
    session._skip = _setup_of(session, frames, times)
    return sets


def doubt_of(session: CoachSession, frames: Sequence[np.ndarray | None], times: Sequence[float]
             ) -> str | None:  # fmt: skip
    """With the exercise fixed by the user, what the classifier reads the stream as when more
    than half of its windows read as one other exercise; else None. ``session``: unplanned and
    unfed. The count follows the user's choice all the same: this only says that the choice
    and the movement disagree (a wrong pick in a menu counts nothing, without a word). Best
    effort: a classifier that cannot be had, or lacks an exercise, doubts nothing."""
    if session.fixed is None:
        return None
    free = _DryRun.copy_of(session)  # the classifier shared, not loaded twice
    free.fixed = None
    try:
        if any(e not in free.classifier.classes for e in session.exercises):
            return None  # (an exercise added to config.yaml: counted fixed, never recognised)
        sets = _plan_sets(free, frames, times)
    except (OSError, ValueError):  # no model, a damaged one: the count stands without it
        return None
    windows = {ex: 0 for ex in session.exercises}
    for s in sets:
        if s.exercise in windows:
            windows[s.exercise] += s.last - s.first + 1
    total = sum(s.last - s.first + 1 for s in sets)
    likeliest = max(windows, key=lambda ex: windows[ex])
    if likeliest == session.fixed or 2 * windows[likeliest] <= total:
        return None
    return (
        f"the exercise was set to {session.fixed}, but the classifier reads {windows[likeliest]} "
        f"of the {total} windows as {likeliest} ({windows[session.fixed]} as {session.fixed}); "
        f"the reps are counted as {session.fixed}, as asked: was it chosen right?"
    )


def _plan_sets(session: CoachSession, frames: Sequence[np.ndarray | None], times: Sequence[float]
               ) -> list[ExerciseSet]:  # fmt: skip
    stream = np.zeros((len(frames), 33, 4), np.float32)
    for i, f in enumerate(frames):
        if f is not None:
            stream[i] = f
    seen = stream.reshape(len(stream), -1).any(axis=1)
    at = np.asarray(times, np.float64)
    people = [stream[i] if seen[i] else None for i in range(len(stream))]  # as update has them
    cut_at, _ = scene_cuts(BodyJumps.of(session.rep_cfg, session.aspect), people, times,
                           session.cuts)  # fmt: skip
    picks = _windows(session, stream, seen, at, cut_at)
    ends = [i for i, (_, person, _) in picks.items()
            if person.sum() >= session.cfg.min_person_frames]  # fmt: skip
    if not ends:  # too short for one window: nothing to decide, and no classifier to load
        session._plan, session._plan_probs = [(UNKNOWN, 0.0)] * len(stream), {}
        session._plan_cuts = []
        return []
    windows = [picks[e][0] for e in ends]
    probs = _probs_of(session, windows)
    clean = np.array([picks[e][2] for e in ends])
    shots, new, begin = _shots(np.array(ends), clean, cut_at, at)
    session._plan_cuts = cut_at
    t = at[ends]
    sets = decide_sets(probs, t, new, session.classifier.classes, session.exercises,
                       session.cfg.decision, _batched(windows, stance_gaps), shots)  # fmt: skip
    session._plan = [(UNKNOWN, 0.0)] * len(stream)
    for k, s in enumerate(sets):  # a window's set covers the frames since the window before it
        start = max(ends[s.first - 1] + 1 if s.first else 0, begin[s.first])
        last = k + 1 == len(sets) or shots[sets[k + 1].first] != shots[s.last]
        stop = ends[s.last] + 1  # ... and the last set of a shot the frames up to the next cut
        if last:
            stop = next((c for c in cut_at if c > ends[s.last]), len(stream))
        session._plan[start:stop] = [(s.exercise, s.confidence)] * (stop - start)
    # (the windows live classifies: not those holding frames from before a cut)
    session._plan_probs = {e: p for e, p, n in zip(ends, probs, new, strict=True) if n > 0}
    return sets


def _windows(session: CoachSession, stream: np.ndarray, seen: np.ndarray, at: np.ndarray,
             cut_at: list[int]) -> dict[int, tuple[np.ndarray, np.ndarray, bool]]:  # fmt: skip
    """The windows at the stream's ticks (``(30, 33, 4)``, whether each sample shows a
    person, and whether it is clean), by frame: of its shot alone when the shot covers it
    (clean), as live classifies it (the window cleared at the cut); else, as before, the
    stream's across the cut (weighed 0)."""
    cuts = np.asarray(cut_at, int)
    begins = np.concatenate([[0], cuts])
    picks = {}
    for i in np.flatnonzero(Ticks.of(at, session.cfg.classify_every)):
        b = int(begins[np.searchsorted(cuts, i, side="right")])
        clean = covered(at[b], at[i])
        lo = b if clean else 0
        if covered(at[lo], at[i]):
            window, person = sample_window(at[lo : i + 1], stream[lo : i + 1], seen[lo : i + 1])
            picks[int(i)] = (window, person, clean)
    return picks


def _shots(ends: np.ndarray, clean: np.ndarray, cut_at: list[int], times: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """For windows ending at frames ``ends`` ``(N,)`` of a stream at ``times`` (``clean``
    ``(N,)``: of their shot alone, :func:`_windows`) and cuts at frames ``cut_at``: the shot
    each window ends in, the samples it brings that the last window classified in that shot
    had not seen (:func:`gymlib.timewindow.new_samples`; as live: a window holding frames
    from before the cut is not classified, so it brings none, and the first after it brings
    a whole window), and the frame its shot starts at; each ``(N,)``."""
    cuts = np.asarray(cut_at, int)
    shots = np.searchsorted(cuts, ends, side="right")
    begin = np.concatenate([[0], cuts])[shots]
    new = np.zeros(len(ends))
    last = -1  # the last clean window's index
    for k, e in enumerate(ends):
        if clean[k]:  # the window holds its shot's frames only
            prev = last >= 0 and shots[last] == shots[k]
            new[k] = new_samples(times[ends[last]] if prev else None, times[e])
            last = k
    return shots, new, begin


def _setup_of(session: CoachSession, frames: Sequence[np.ndarray | None], times: Sequence[float]
              ) -> dict[str, frozenset[int]]:  # fmt: skip
    """Count the whole stream once as ``session.update`` will (a dry run with the same plan)
    and find, in each set (a stretch of frames under one planned exercise; the whole
    stream when the exercise is fixed), the set-up movements at its ends
    (:func:`gymlib.reps.setup_of_sets`; a short set the plan switched to or from without a
    rest counts with its neighbour): ``{exercise: their bottom frames}``, which the
    counters then leave uncounted."""
    dry = _dry_run(session, frames, times)
    planned = [ex for ex, _ in session._plan] if session._plan else [session.fixed] * len(frames)
    # a set: a stretch of frames under one planned exercise, ended by a camera cut too, which
    # counts as a rest (numbers two apart): the sets either side are not joined as one (the
    # exercise changes there without a rest; setup.joined_sets)
    cuts = set(session._plan_cuts) if session._plan else set()
    step = [2 * (i in cuts) or int(i > 0 and planned[i] != planned[i - 1])
            for i in range(len(planned))]  # fmt: skip
    set_of = np.cumsum(step)
    sets: dict[tuple[int, str], list[Rep]] = {}
    for r in dry.reps:
        key = (int(set_of[min(r.bottom, len(planned) - 1)]), r.exercise)
        sets.setdefault(key, []).append(r)
    skip: dict[str, set[int]] = {}
    for r in setup_of_sets([(n, reps) for (n, _), reps in sorted(sets.items())]):
        skip.setdefault(r.exercise, set()).add(r.bottom)
    return {ex: frozenset(b) for ex, b in skip.items()}


def _dry_run(session: CoachSession, frames: Sequence[np.ndarray | None], times: Sequence[float]
             ) -> CoachSession:  # fmt: skip
    """A session fed the whole stream under this plan (:func:`_setup_of`'s dry run). A
    replanning session (:func:`remember_probabilities`) carries on the last plan's run from
    :data:`DRY_CARRY_S` before that stream's end if the plan up to there is the same: a
    frame's step reads the plan only at that frame, so the state there is the same."""
    if len(frames) != len(times):
        raise ValueError(f"{len(frames)} frames but {len(times)} times")
    last, session._dry = session._dry, None
    # (the stream grown: remember_probabilities is for replanning the stream so far)
    if (
        last is not None
        and len(frames) >= last.fed
        and last.holds(session._plan, session._plan_probs)
    ):
        dry, fed = last.session, last.fed
    else:
        dry, fed = session.new_like(), 0
    dry._plan, dry._plan_probs, dry.cuts = session._plan, session._plan_probs, session.cuts
    keep = len(frames) - round(DRY_CARRY_S * session.fps) if session._known is not None else -1
    if session._known is not None and keep <= fed:  # no new place to keep: keep the old one
        session._dry = last
        dry = _DryRun.copy_of(dry)
    for i in range(fed, len(frames)):
        if i == keep:
            session._dry = _DryRun(_DryRun.copy_of(dry), i, session._plan, session._plan_probs)
        dry.update(frames[i], times[i])
    return dry


def plan_view(session: CoachSession) -> PlanView:
    """What of the plan (:func:`plan`) reaches analyze's outputs."""
    plan = None if session._plan is None else [ex for ex, _ in session._plan]
    other = {i: bool(session._is_other(p)) for i, p in session._plan_probs.items()}
    return PlanView(plan, other, dict(session._skip))


def adopt_plan(session: CoachSession, planned: CoachSession) -> None:
    """Follow ``planned``'s plan from the next frame on (the set-up movements its counters
    leave uncounted too, also in the counters already made)."""
    session._plan, session._plan_probs = planned._plan, planned._plan_probs
    session._skip = planned._skip
    for ex, counter in session.counters.items():
        counter.skip = session._skip.get(ex, frozenset())


def remember_probabilities(session: CoachSession) -> None:
    """Keep every classified window's probabilities: a later :func:`plan` of the stream
    grown (the stream so far, replanned) classifies only its new windows, and carries on
    the dry run of the plan before where the plans agree (:func:`_dry_run`)."""
    if session._known is None:
        session._known = {}


def carry_dry_run(session: CoachSession, replanning: CoachSession) -> None:
    """``session``'s next :func:`plan` (of the stream ``replanning`` planned so far, grown)
    carries on ``replanning``'s last dry run where their plans and probabilities agree
    (:func:`_dry_run` checks it, else runs from the start): ``analyze``'s whole-clip plan after
    the drawing pass's replans. ``replanning`` gives it up (a dry run is fed on, not copied)."""
    session._dry, replanning._dry = replanning._dry, None


def _probs_of(session: CoachSession, windows: list[np.ndarray]) -> np.ndarray:
    """``(N, C)`` probabilities of ``windows``; the remembered ones not asked again."""
    if session._known is None or not windows:
        return _predict(session, windows)
    keys = [hashlib.blake2b(w.tobytes(), digest_size=16).digest() for w in windows]
    new = {k: w for k, w in zip(keys, windows, strict=True) if k not in session._known}
    if new:
        session._known.update(zip(new, _predict(session, list(new.values())), strict=True))
    return np.stack([session._known[k] for k in keys])


#: windows worked on at a time: a long clip's every window at once held their features and
#: float64 copies (a 1-hour video at 30 fps: about 0.5 GB more at the plan's peak)
BATCH = 512


def _batched(windows: list[np.ndarray], work: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``work`` on ``(n, 30, 33, 4)`` stacks of at most :data:`BATCH` of ``windows``, joined
    (``work`` answers each window alone)."""
    if not windows:
        return work(np.zeros((0, WINDOW_FRAMES, 33, 4), np.float32))
    return np.concatenate([work(np.stack(windows[i : i + BATCH]))
                           for i in range(0, len(windows), BATCH)])  # fmt: skip


def _predict(session: CoachSession, windows: list[np.ndarray]) -> np.ndarray:
    n = len(session.classifier.classes)
    if not windows:
        return np.zeros((0, n))
    if not hasattr(session.classifier, "predict_proba"):
        return np.stack([session.window_probs(w) for w in windows])

    def probs(x: np.ndarray) -> np.ndarray:
        x = x.reshape(len(x), WINDOW_FRAMES, FRAME_FEATURES)
        return np.asarray(session.classifier.predict_proba(x), dtype=np.float64)

    return _batched(windows, probs)
