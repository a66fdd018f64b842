"""Which exercise is this? Evidence of many windows weighed together, live and offline.

One classifier window is one piece of evidence, not a verdict. A hidden Markov model over the
exercises plus :data:`IDLE` (resting, walking, setting up, anything else) weighs them:

- **evidence**: each window adds ``weight * log p(class | window)`` to every state. The idle
  state reads the classifier's "other" class (or its doubt, ``1 - max p``, if it has none);
  ``p`` is floored at ``floor`` so that one odd window cannot veto an exercise. ``weight`` is
  ``evidence`` for a window of 30 new frames (the window's samples, 30ths of a second:
  :func:`gymlib.timewindow.new_samples`) and shrinks with overlap (a window 10 samples after
  the last shares 20 of its 30 with it): overlapping windows are not new evidence;
- **stance**: the classifier tells squat from split squat by the arms (barbell on the back or
  hanging hands); the legs tell it from any side (:mod:`gymlib.stance`). A window's stance
  gaps re-weigh the squat / split squat share of the two classes' summed probability (their
  sum, idle and the other exercises stay as the classifier gave them): a log-likelihood ratio
  from the gaps plus the classifier's own log-odds between the two, counted ``stance_trust``
  times;
- **persistence**: an exercise lasts ``set_s`` seconds on average before a rest and a rest
  ``rest_s`` before the next set; going straight from one exercise to another (no rest) is a
  ``switch`` share of the ends of a set. Transition probabilities come from the seconds between
  windows (timestamps), never from a frame rate.

Live (:class:`ExerciseFilter`, the forward filter): the belief after every window; an exercise
is named when its belief reaches ``name_at`` and held while it stays above ``hold_at`` (no
flicker between reps). A steady exercise is named after a few windows even at 0.5-0.8 per
window, while one confident stray window moves the belief by at most
``evidence * log(1 / floor)``.

Offline (:func:`decide_sets`, with the whole video): the most likely sequence of states
(Viterbi), cut into sets; each set's exercise is then decided from all its windows together
(summed weighted log-probabilities) and named when it has ``name_at`` of that evidence.

A camera cut (:mod:`gymlib.cuts`, in the pixels or the landmarks) starts the decision afresh on
both: a new shot is a new scene (another exercise, or the same one from elsewhere), and the
evidence of the old one says nothing of it. Live, the filter is reset and the windows holding
frames from before the cut are not classified; offline, each shot is decided on its own
(``shots``) and a window straddling the cut is no evidence.

Shapes: ``probs`` ``(N, C)`` classifier outputs in ``classes`` order; beliefs ``(S,)`` over
``exercises + (IDLE,)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gymlib.landmarks import WINDOW_FRAMES
from gymlib.live_config import DecisionConfig  # defined there; imported from here too
from gymlib.model import OTHER, UNKNOWN
from gymlib.stance import stance_split

#: The state of doing none of the exercises (the classifier's "other" class, when it has one).
IDLE = "idle"
#: The two exercises the stance tells apart (the classifier reads them by the arms).
SQUAT, SPLIT_SQUAT = "squat", "split_squat"


class Evidence:
    """Maps classifier outputs to weighted log-likelihoods of the states."""

    def __init__(self, classes: Sequence[str], exercises: Sequence[str], cfg: DecisionConfig):
        missing = [e for e in exercises if e not in classes]
        if missing:
            raise ValueError(f"the classifier has no class for {missing}; it has {list(classes)} "
                             "(the exercises to recognise, config.yaml's and a taught store's, "
                             "name one it was not trained on: retrain it, or teach the exercise "
                             "with python -m gymlib.teach)")  # fmt: skip
        self.classes, self.cfg = tuple(classes), cfg
        self.states: tuple[str, ...] = (*exercises, IDLE)
        self._cols = [self.classes.index(e) for e in exercises]
        self._other = self.classes.index(OTHER) if OTHER in self.classes else None
        both = {SQUAT, SPLIT_SQUAT} <= set(exercises)
        self._pair = [list(exercises).index(e) for e in (SQUAT, SPLIT_SQUAT)] if both else None

    def __call__(self, probs: np.ndarray, new_frames: np.ndarray | float,
                 stance: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """``(N, S)`` log-likelihoods for ``(N, C)`` probabilities of windows that brought
        ``new_frames`` samples the previous window had not seen; ``stance``: their ``(N, 2)``
        :func:`gymlib.stance.stance_gaps` (None: no stance evidence)."""
        p = np.asarray(probs, dtype=np.float64).reshape(-1, len(self.classes))
        ex = p[:, self._cols]
        if stance is not None and self._pair is not None:
            gaps = np.asarray(stance, np.float64).reshape(-1, 2)
            if len(gaps) != len(p):  # (one window's gaps would else be spread over them all)
                raise ValueError(f"stance gaps {np.shape(stance)} for {len(p)} windows; "
                                 f"expected ({len(p)}, 2)")  # fmt: skip
            ex = self._with_stance(ex, gaps)
        if self._other is not None:
            idle = p[:, self._other]
        else:  # no "other" class: the classifier's doubt stands for it
            idle = 1.0 - p.max(axis=1)
        like = np.log(np.maximum(np.column_stack([ex, idle]), self.cfg.floor))
        w = self.cfg.evidence * np.clip(np.asarray(new_frames, np.float64) / WINDOW_FRAMES, 0, 1)
        return like * np.reshape(w, (-1, 1))

    def stance_llr(self, gaps: np.ndarray) -> np.ndarray:
        """``(N,)`` log-likelihood ratio split squat : squat of the stance gaps ``(N, 2)``:
        even at the gaps ``stance_knee`` / ``stance_heel``, ``stance_gain`` per unit of
        :func:`gymlib.stance.stance_split` beyond, capped at ``stance_up`` for a split stance
        and ``stance_down`` for a level one (a split squat stands level at the top too)."""
        c = self.cfg
        s = stance_split(gaps, c.stance_knee, c.stance_heel)
        return np.clip(c.stance_gain * (s - 1.0), -c.stance_down, c.stance_up)

    def _with_stance(self, ex: np.ndarray, gaps: np.ndarray) -> np.ndarray:
        """The exercises' probabilities ``(N, E)`` with the squat / split squat share of their
        sum re-weighed by the stance; every other class keeps its probability. The classifier's
        own log-odds between the two count ``stance_trust`` times (it reads the arms)."""
        sq, ss = self._pair
        pair = np.maximum(ex[:, [sq, ss]], self.cfg.floor)
        odds = self.cfg.stance_trust * np.log(pair[:, 1] / pair[:, 0]) + self.stance_llr(gaps)
        share = 1.0 / (1.0 + np.exp(-odds))  # of split squat within the pair
        total = ex[:, sq] + ex[:, ss]
        out = ex.copy()
        out[:, sq], out[:, ss] = total * (1.0 - share), total * share
        return out


def transitions(dt: float, n_exercises: int, cfg: DecisionConfig) -> np.ndarray:
    """``(S, S)`` probabilities of going from state row to state column in ``dt`` seconds."""
    n = n_exercises
    a = np.zeros((n + 1, n + 1))
    leave = 1.0 - np.exp(-max(dt, 0.0) / cfg.set_s)
    start = 1.0 - np.exp(-max(dt, 0.0) / cfg.rest_s)
    a[:n, :n] = leave * cfg.switch / max(n - 1, 1)
    np.fill_diagonal(a[:n, :n], 1.0 - leave)
    a[:n, n] = leave * (1.0 - cfg.switch) if n > 1 else leave
    a[n, :n] = start / n
    a[n, n] = 1.0 - start
    return a


def stationary(n_exercises: int, cfg: DecisionConfig) -> np.ndarray:
    """The share of time in each state in the long run: the belief before any window."""
    idle = cfg.rest_s / (cfg.rest_s + cfg.set_s)
    return np.array([(1 - idle) / n_exercises] * n_exercises + [idle])


class ExerciseFilter:
    """Live: the belief over the states after each window, and the exercise it names.

    f = ExerciseFilter(classifier.classes, exercises, cfg)
    f.update(probs, t, new_frames)   # -> the exercise named now, or "unknown"
    f.current, f.confidence, f.belief
    """

    def __init__(self, classes: Sequence[str], exercises: Sequence[str], cfg: DecisionConfig):
        self.cfg = cfg
        self.evidence = Evidence(classes, exercises, cfg)
        self.exercises = tuple(exercises)
        self.reset()

    def reset(self) -> None:
        self.belief = stationary(len(self.exercises), self.cfg)
        self.current = UNKNOWN
        self._t: float | None = None

    @property
    def confidence(self) -> float:
        """The belief in the named exercise (in the likeliest one while none is named)."""
        if self.current != UNKNOWN:
            return float(self.belief[self.exercises.index(self.current)])
        return float(self.belief[:-1].max())

    def update(self, probs: np.ndarray, t: float, new_frames: float = WINDOW_FRAMES,
               stance: np.ndarray | None = None) -> str:  # fmt: skip
        """Fold in one window's ``(C,)`` probabilities, classified at ``t`` seconds, and its
        ``(2,)`` stance gaps (:func:`gymlib.stance.stance_gaps`; None: none)."""
        dt = 0.0 if self._t is None else t - self._t
        self._t = t
        prior = self.belief @ transitions(dt, len(self.exercises), self.cfg)
        log_post = np.log(np.maximum(prior, 1e-300)) + self.evidence(probs, new_frames, stance)[0]
        post = np.exp(log_post - log_post.max())
        self.belief = post / post.sum()
        self.current = self._name()
        return self.current

    @property
    def resting(self) -> bool:
        """The idle state (resting, walking, setting up) is the likeliest now."""
        return int(np.argmax(self.belief)) == len(self.belief) - 1

    def _name(self) -> str:
        b = self.belief[:-1]
        best = int(np.argmax(b))
        if b[best] >= self.cfg.name_at:
            return self.exercises[best]
        if self.current != UNKNOWN and b[self.exercises.index(self.current)] >= self.cfg.hold_at:
            return self.current
        return UNKNOWN


@dataclass(frozen=True)
class ExerciseSet:
    """A stretch of windows ``first..last`` (inclusive) decided as one exercise (or idle)."""

    first: int
    last: int
    exercise: str  # an exercise, or "unknown" (idle, or not enough evidence for any)
    confidence: float  # the share of the set's evidence for its exercise
    best: str  # the likeliest exercise of the set, even when not named


def viterbi(loglik: np.ndarray, times: np.ndarray, n_exercises: int,
            cfg: DecisionConfig) -> np.ndarray:  # fmt: skip
    """The likeliest state index per window, ``(N,)``, for ``(N, S)`` log-likelihoods at
    ``times`` seconds."""
    n = len(loglik)
    if n == 0:
        return np.zeros(0, dtype=int)
    score = np.log(stationary(n_exercises, cfg)) + loglik[0]
    back = np.zeros(loglik.shape, dtype=int)
    for k in range(1, n):
        trans = np.log(np.maximum(transitions(times[k] - times[k - 1], n_exercises, cfg),
                                  1e-300))  # fmt: skip
        cand = score[:, None] + trans
        back[k] = cand.argmax(axis=0)
        score = cand.max(axis=0) + loglik[k]
    path = np.zeros(n, dtype=int)
    path[-1] = int(score.argmax())
    for k in range(n - 1, 0, -1):
        path[k - 1] = back[k, path[k]]
    return path


def decide_sets(
    probs: np.ndarray,
    times: np.ndarray,
    new_frames: np.ndarray,
    classes: Sequence[str],
    exercises: Sequence[str],
    cfg: DecisionConfig,
    stance: np.ndarray | None = None,
    shots: np.ndarray | None = None,
) -> list[ExerciseSet]:
    """Offline: the windows ``(N, C)`` classified at ``times`` cut into sets, each named from
    all its windows together (or "unknown": idle, or under ``name_at`` of the set's evidence).
    ``stance``: the windows' ``(N, 2)`` :func:`gymlib.stance.stance_gaps` (None: none).
    ``shots``: ``(N,)`` the camera shot (between two cuts) each window ends in, non-decreasing
    (None: one shot). A cut starts the decision afresh, as live: no set spans it, and each
    shot's windows are decided on their own from the long-run prior (a window that straddles
    the cut brings no new frames of its shot: ``new_frames`` 0, no evidence)."""
    ev = Evidence(classes, exercises, cfg)
    loglik = ev(probs, new_frames, stance)
    times = np.asarray(times, np.float64)
    shots = np.zeros(len(loglik), int) if shots is None else np.asarray(shots)
    sets: list[ExerciseSet] = []
    starts = [0, *np.flatnonzero(np.diff(shots)) + 1, len(loglik)]
    for a, b in zip(starts, starts[1:], strict=False):
        path = viterbi(loglik[a:b], times[a:b], len(exercises), cfg)
        sets += _sets_of(path, loglik[a:b], a, exercises, cfg)
    return sets


def _sets_of(path: np.ndarray, loglik: np.ndarray, offset: int, exercises: Sequence[str],
             cfg: DecisionConfig) -> list[ExerciseSet]:  # fmt: skip
    """The runs of one state in ``path`` as sets (windows numbered from ``offset``), each
    named from all its windows' ``(n, S)`` log-likelihoods together."""
    sets = []
    start = 0
    for k in range(1, len(path) + 1):
        if k < len(path) and path[k] == path[start]:
            continue
        total = loglik[start:k, :-1].sum(axis=0)  # the exercises' evidence over the set
        share = np.exp(total - total.max())
        share /= share.sum()
        best = int(np.argmax(share))
        named = path[start] < len(exercises) and share[best] >= cfg.name_at
        sets.append(ExerciseSet(offset + start, offset + k - 1,
                                exercises[best] if named else UNKNOWN,
                                float(share[best]), exercises[best]))  # fmt: skip
        start = k
    return sets
