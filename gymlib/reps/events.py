"""What the counter reports: a counted :class:`Rep`, a :class:`FormWarning` on screen and the
:class:`CounterFeedback` after each frame; and the warnings' debounce in time."""

from __future__ import annotations

import math
from dataclasses import dataclass

from gymlib.rules import CheckResult, FormFault, fault_text, faults_of


@dataclass(frozen=True)
class Rep:
    """One counted repetition. Frames index the input stream; times are in seconds."""

    index: int  # 1-based within the stream
    exercise: str
    start: int  # frames fed to the counter (the stream's frames when none was dropped)
    bottom: int
    end: int
    fps: float  # the nominal rate the counter was made with
    rom: float  # range of motion reached, fraction of the configured full range
    tempo_down: float
    tempo_up: float
    pause: float  # time held near the bottom
    verdict: str  # good | partial | faulty
    reasons: tuple[str, ...] = ()  # names of the failed checks
    messages: tuple[str, ...] = ()  # their texts, most severe first
    not_judged: tuple[str, ...] = ()  # checks this camera view or visibility could not judge
    checks: tuple[CheckResult, ...] = ()
    # stream times (seconds, from the frames' timestamps) of start, bottom and end; NaN: from
    # the frame numbers at ``fps``
    start_s: float = math.nan
    bottom_s: float = math.nan
    end_s: float = math.nan

    def time_of(self, which: str) -> float:
        """Stream time in seconds of ``"start"``, ``"bottom"`` or ``"end"``."""
        t = getattr(self, f"{which}_s")
        return t if t == t else getattr(self, which) / self.fps

    @property
    def duration(self) -> float:
        return self.time_of("end") - self.time_of("start") + 1 / self.fps

    @property
    def faults(self) -> tuple[FormFault, ...]:
        """The failed checks with their measured values and limits, most severe first."""
        return faults_of(self.checks)

    def as_row(self) -> dict[str, object]:
        """A flat dict for tables (``reps.csv``)."""
        return {
            "rep": self.index,
            "exercise": self.exercise,
            "start": self.start,
            "bottom": self.bottom,
            "end": self.end,
            "start_s": round(self.time_of("start"), 3),
            "end_s": round(self.time_of("end"), 3),
            "rom": round(self.rom, 3),
            "down_s": round(self.tempo_down, 2),
            "up_s": round(self.tempo_up, 2),
            "pause_s": round(self.pause, 2),
            "verdict": self.verdict,
            "reasons": ";".join(self.reasons),
            "faults": fault_text(self.checks),  # each fault's value and limit in words
        }


@dataclass(frozen=True)
class FormWarning:
    """A form warning on screen: shown after holding ``warning_on_s``, kept ``warning_off_s``."""

    name: str
    message: str
    severity: int
    since: float  # seconds (stream time) when it started showing


@dataclass(frozen=True)
class CounterFeedback:
    """What the counter says after one frame."""

    frame: int
    time: float
    person: bool  # a person was detected in this frame
    phase: str  # idle | top | down | bottom | up
    progress: float  # 0 at the top .. 1 at a full bottom (NaN if unseen)
    reps: int  # counted so far
    counts: dict[str, int]  # by verdict: good, partial, faulty
    rep: Rep | None  # the rep that finished on this frame, if any
    warnings: tuple[FormWarning, ...]  # active, most severe first


class WarningDebounce:
    """Hysteresis in time for warnings: no flicker."""

    def __init__(self, on_s: float, off_s: float) -> None:
        self.on_s, self.off_s = on_s, off_s
        self.first_true: dict[str, float] = {}
        self.last_true: dict[str, float] = {}
        self.shown: dict[str, FormWarning] = {}

    def observe(self, name: str, message: str, severity: int, now: float, true: bool) -> None:
        if true:
            self.first_true.setdefault(name, now)
            self.last_true[name] = now
            if name not in self.shown and now - self.first_true[name] >= self.on_s:
                self.shown[name] = FormWarning(name, message, severity, now)
        else:
            self.first_true.pop(name, None)

    def raise_now(self, name: str, message: str, severity: int, now: float) -> None:
        """A finished rep's failed check: show at once, keep for ``off_s``."""
        self.last_true[name] = now
        if name not in self.shown:
            self.shown[name] = FormWarning(name, message, severity, now)

    def active(self, now: float) -> tuple[FormWarning, ...]:
        for name in list(self.shown):
            if now - self.last_true.get(name, -math.inf) > self.off_s:
                del self.shown[name]
                self.first_true.pop(name, None)
        return tuple(sorted(self.shown.values(), key=lambda w: (-w.severity, w.since)))
