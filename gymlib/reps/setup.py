"""Set-up at a set's ends is not a rep (offline only: it needs the whole set)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gymlib.reps.config import RepConfig, default_rep_config
from gymlib.reps.events import Rep


def setup_reps(reps: Sequence[Rep], config: RepConfig | None = None) -> list[Rep]:
    """The "reps" at the ends of one set that were setting up, not lifting (offline only: it
    needs the whole set). A set's reps resemble each other. Lying down on the bench, or
    getting up and re-racking after the last rep, is far slower than them (longer than
    ``setup_slow`` x the set's median duration: more than a set's own tempo varies). Unracking
    (a dip under the bar and a step back), walking in or bracing before the first full rep is
    far shallower (range below ``setup_depth`` x the median) and followed by a pause (getting
    set) longer than ``setup_pause_s`` and than ``setup_pause`` x the set's median pause
    between reps: a set's own shallow first rep runs on into the next. Peeled from each end
    while they are. Shallow reps at the end of a set are kept (tired last reps are shallow:
    partial reps, judged as such), nothing inside the set is dropped, and sets of fewer than
    ``setup_min_reps`` reps have no median to compare with."""
    cfg = config or default_rep_config()
    if len(reps) < cfg.setup_min_reps:
        return []
    rom = float(np.median([r.rom for r in reps]))
    dur = float(np.median([r.duration for r in reps]))
    pauses = [
        b.time_of("start") - a.time_of("end") for a, b in zip(reps[:-1], reps[1:], strict=True)
    ]
    long_pause = max(cfg.setup_pause_s, cfg.setup_pause * float(np.median(pauses)))

    def slow(i: int) -> bool:
        return reps[i].duration > cfg.setup_slow * dur

    def setting_up(i: int) -> bool:  # before the first full rep
        shallow = reps[i].rom < cfg.setup_depth * rom
        return slow(i) or (shallow and i + 1 < len(reps) and pauses[i] > long_pause)

    lo, hi = 0, len(reps)
    while lo < hi and setting_up(lo):
        lo += 1
    while hi > lo and slow(hi - 1):
        hi -= 1
    return [*reps[:lo], *reps[hi:]]


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
