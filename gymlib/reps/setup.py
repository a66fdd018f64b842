"""Set-up at a set's ends is not a rep (offline, with the whole set; live, once later reps
have shown it: :func:`leading_setup`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gymlib.reps.config import RepConfig, default_rep_config
from gymlib.reps.events import Rep


def setup_reps(reps: Sequence[Rep], config: RepConfig | None = None) -> list[Rep]:
    """The "reps" at the ends of one set that were setting up, not lifting (offline: it needs
    the whole set). Before the first full rep: :func:`leading_setup`. After the last one,
    getting up and re-racking is far slower than the set's reps (longer than ``setup_slow``
    x the set's median duration: more than a set's own tempo varies). Shallow reps at the end
    of a set are kept (tired last reps are shallow: partial reps, judged as such), nothing
    inside the set is dropped, and sets of fewer than ``setup_min_reps`` reps have no median
    to compare with."""
    cfg = config or default_rep_config()
    if len(reps) < cfg.setup_min_reps:
        return []
    lo, hi = leading_setup(reps, cfg), len(reps)
    dur = float(np.median([r.duration for r in reps]))
    while hi > lo and reps[hi - 1].duration > cfg.setup_slow * dur:
        hi -= 1
    return [*reps[:lo], *reps[hi:]]


def leading_setup(reps: Sequence[Rep], config: RepConfig | None = None) -> int:
    """How many of a set's first movements were setting up. Unracking and stepping back,
    walking in, lying down on the bench, bracing: movements unlike the set's reps (shallower
    than ``setup_depth`` x their median range, or longer than ``setup_slow`` x their median
    duration) ended by a pause to get set. Judged in runs: a run of such movements, each
    judged against the movements after it (never itself: a walk-out's own long pause or
    shallow range would move the yardstick), is set-up when a pause follows its last that is
    long for this set: over ``setup_pause`` x the later reps' median pause and
    ``setup_pause_reps`` x their median duration (the set's own time: slow motion slows both
    alike) and ``setup_pause_s`` (getting set takes a second; slow motion only lengthens it).
    A single far slower movement is set-up with or without a pause. The run stops at the first
    movement like the set's reps: a set's own shallow first rep runs on into the next (no
    pause), and nothing is judged unless ``setup_min_reps - 1`` reps follow it."""
    return setup_start(reps, config)[0]


def setup_start(reps: Sequence[Rep], config: RepConfig | None = None) -> tuple[int, bool]:
    """How many of a set's first movements were setting up (:func:`leading_setup`), and
    whether the start of the set after them is decided: its first movement like the set's
    reps has ``setup_min_reps - 1`` reps after it, so no later rep can make what comes before
    it set-up (the live coach stops judging there). One pass for both."""
    cfg = config or default_rep_config()
    lo = 0
    while True:
        n, decided = _setup_run(reps[lo:], cfg)
        if n == 0:
            return lo, decided
        lo += n


def _setup_run(reps: Sequence[Rep], cfg: RepConfig) -> tuple[int, bool]:
    """The length of the set-up run at the start of ``reps`` (:func:`leading_setup`, 0 if
    none) and whether that is decided (a run found, or a full rep with enough reps after)."""
    for k in range(len(reps) - cfg.setup_min_reps + 1):
        later = reps[k + 1 :]
        dur = float(np.median([r.duration for r in later]))
        if reps[k].duration > cfg.setup_slow * dur:
            return k + 1, True
        if reps[k].rom >= cfg.setup_depth * float(np.median([r.rom for r in later])):
            return 0, True  # a full rep: the set has begun
        if _pause_after(reps, k) > _long_pause(later, dur, cfg):
            return k + 1, True
    return 0, False


def _pause_after(reps: Sequence[Rep], i: int) -> float:
    """Seconds from the end of ``reps[i]`` to the start of the next."""
    return reps[i + 1].time_of("start") - reps[i].time_of("end")


def _long_pause(later: Sequence[Rep], dur: float, cfg: RepConfig) -> float:
    """A pause longer than the ``later`` reps' own (seconds): ``setup_pause`` x their median
    pause and ``setup_pause_reps`` x their median duration ``dur``, and ``setup_pause_s``."""
    pauses = [_pause_after(later, i) for i in range(len(later) - 1)]
    usual = float(np.median(pauses)) if pauses else 0.0
    return max(cfg.setup_pause * usual, cfg.setup_pause_reps * dur, cfg.setup_pause_s)


def setup_of_sets(sets: Sequence[tuple[int, Sequence[Rep]]],
                  config: RepConfig | None = None) -> list[Rep]:  # fmt: skip
    """The set-up "reps" (:func:`setup_reps`) of a stream's sets: ``(set number, its reps)`` in
    the stream's order, a set being a stretch of frames under one planned exercise, numbered
    at every change of plan (a rest between two sets has a number of its own). Short sets are
    judged with their neighbour (:func:`joined_sets`)."""
    cfg = config or default_rep_config()
    return [r for reps in joined_sets(sets, cfg) for r in setup_reps(reps, cfg)]


def joined_sets(sets: Sequence[tuple[int, Sequence[Rep]]],
                config: RepConfig | None = None) -> list[list[Rep]]:  # fmt: skip
    """The reps of :func:`setup_of_sets`' ``sets`` as they are judged. A set of fewer than
    ``setup_min_reps`` reps that runs straight into the next set or on from the previous one
    (numbers one apart: the plan switched exercise without a rest) is judged as part of it:
    walking the bar out with the feet together, before stepping into a split stance, reads as
    a squat; a person does not change exercise without a rest, but the plan can name a set-up
    movement after the legs' position at the time."""
    cfg = config or default_rep_config()
    groups = [(n, list(reps)) for n, reps in sets if reps]
    joined: list[tuple[int, list[Rep]]] = []
    i = 0
    while i < len(groups):
        n, reps = groups[i]
        nxt = groups[i + 1] if i + 1 < len(groups) else None
        if len(reps) < cfg.setup_min_reps and nxt is not None and nxt[0] == n + 1:
            groups[i + 1] = (nxt[0], reps + nxt[1])  # (set-up before the next set)
        elif len(reps) < cfg.setup_min_reps and joined and joined[-1][0] == n - 1:
            joined[-1] = (n, joined[-1][1] + reps)  # (after the previous one)
        else:
            joined.append((n, reps))
        i += 1
    return [reps for _, reps in joined]
