"""Sets and rests from the reps as they finish: the live loop's last stage, pure.

A set is reps of one exercise without a long pause; the dashboard's table and timer, the set
on ``analyze``'s video, ``sets.csv`` and ``reps.csv``'s ``set`` column, and a replayed session's
sets all come from :class:`SetTracker` (fed by :class:`gymlib.live.LiveLoop`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: A pause longer than this between two reps (or a change of exercise) starts a new set; a
#: rest between sets is ~20 s (decision.rest_s), a pause inside a set a few seconds at most.
SET_BREAK_S = 10.0
VERDICTS = ("good", "partial", "faulty")


@dataclass(frozen=True)
class WorkoutSet:
    """One set: reps of one exercise without a long pause. Times are stream seconds."""

    number: int  # 1-based
    exercise: str
    verdicts: tuple[str, ...]  # each rep's, in order
    start_s: float  # the first rep's start
    end_s: float  # the last rep's end
    rest_s: float | None  # since the previous set ended (None: the first set)

    @property
    def reps(self) -> int:
        return len(self.verdicts)

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s

    def as_row(self) -> dict[str, Any]:
        """A flat dict for tables (``sets.csv``, the dashboard, ``summary.json``)."""
        return {"set": self.number, "exercise": self.exercise, "reps": self.reps,
                **{v: self.verdicts.count(v) for v in VERDICTS},
                "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3),
                "seconds": round(self.seconds, 1),
                "rest_s": None if self.rest_s is None else round(self.rest_s, 1)}  # fmt: skip


class SetTracker:
    """Sets from the reps as they finish. A rep of another exercise, or one that starts more
    than ``break_s`` after the last one ended, starts a new set; so does :meth:`close` (the
    dashboard's "new set"). Reps are placed by their own times, not by when they were counted
    (an exercise recognised late counts its first reps seconds after they happened)."""

    def __init__(self, break_s: float = SET_BREAK_S) -> None:
        self.break_s = break_s
        self.sets: tuple[WorkoutSet, ...] = ()  # every set so far; the last may still go on
        self.set_of: list[int] = []  # each rep's set number, in the order added
        self._open = False  # the last set takes more reps

    def add(self, exercise: str, start_s: float, end_s: float, verdict: str) -> int:
        """Place one rep; returns its set's number."""
        last = self.sets[-1] if self.sets else None
        if (last is None or not self._open or exercise != last.exercise
                or start_s - last.end_s > self.break_s):  # fmt: skip
            rest = None if last is None else max(start_s - last.end_s, 0.0)
            new = WorkoutSet(len(self.sets) + 1, exercise, (verdict,), start_s, end_s, rest)
            self.sets = (*self.sets, new)
        else:
            new = WorkoutSet(last.number, exercise, (*last.verdicts, verdict), last.start_s,
                             max(end_s, last.end_s), last.rest_s)  # fmt: skip
            self.sets = (*self.sets[:-1], new)
        self._open = True
        self.set_of.append(self.sets[-1].number)
        return self.sets[-1].number

    def close(self) -> WorkoutSet | None:
        """End the current set by hand; returns it (None if no set was going on)."""
        was, self._open = self._open, False
        return self.sets[-1] if was and self.sets else None

    def current(self, exercise: str, t: float) -> WorkoutSet | None:
        """The set of ``exercise`` going on at ``t`` seconds, if any."""
        last = self.sets[-1] if self.sets else None
        if (last is None or not self._open or last.exercise != exercise
                or t - last.end_s > self.break_s):  # fmt: skip
            return None
        return last

    def timer(self, t: float) -> tuple[str, float]:
        """``("set", seconds since its first rep)`` during a set, ``("rest", seconds since the
        last set ended)`` after one, ``("", 0.0)`` before the first."""
        if not self.sets:
            return "", 0.0
        last = self.sets[-1]
        if self._open and t - last.end_s <= self.break_s:
            return "set", max(t - last.start_s, 0.0)
        return "rest", max(t - last.end_s, 0.0)


def rep_sets(rows: Sequence[dict[str, Any]], break_s: float = SET_BREAK_S) -> list[int]:
    """The set number (1-based) of each rep row (``exercise``, ``start_s``, ``end_s``, in
    order), by :class:`SetTracker`'s rule."""
    tracker = SetTracker(break_s)
    for r in rows:
        tracker.add(r["exercise"], float(r["start_s"]), float(r["end_s"]),
                    str(r.get("verdict", "good")))  # fmt: skip
    return tracker.set_of
