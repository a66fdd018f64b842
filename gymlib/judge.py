"""Judging one rep against its exercise's checks (the rule table, :mod:`gymlib.rules`): each
check's value over its phase, failed or not (or not judged in this camera view), the rep's
verdict, and a failed check in words a person can judge (:class:`FormFault`), which reps.csv,
the event log and the dashboard print as they are (:func:`fault_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gymlib.measures import MEASURES, Measure
from gymlib.measures import format_value as _num

if TYPE_CHECKING:
    from gymlib.rules import CheckSpec, ExerciseRules

REDUCERS: dict[str, Callable[[np.ndarray], float]] = {
    "min": np.nanmin,
    "max": np.nanmax,
    "median": np.nanmedian,
    "mean": np.nanmean,
}


def view_category(yaw_deg: float) -> str | None:
    """``front`` (also back), ``diagonal`` or ``side`` from :func:`gymlib.angles.view_yaw`."""
    if yaw_deg != yaw_deg:
        return None
    return "front" if yaw_deg < 25 else ("diagonal" if yaw_deg < 63 else "side")


@dataclass(frozen=True)
class FormFault:
    """A failed check in words a person can judge: what was measured, against which limit.

    ``text`` reads e.g. ``"hips 14 deg below the line (limit 10 deg below)"``; reps.csv, the
    event log and the dashboard print it as it is."""

    check: str
    value: float
    limit: float
    unit: str
    text: str
    message: str
    severity: int
    verdict: str

    def as_dict(self) -> dict[str, object]:
        return {"check": self.check, "value": round(self.value, 3), "limit": self.limit,
                "unit": self.unit, "text": self.text}  # fmt: skip


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check on one rep: value, failed, or not judged (None)."""

    name: str
    value: float | None
    failed: bool | None
    message: str
    severity: int
    verdict: str
    #: the threshold and, when the check failed, what failed in words
    limit: float | None = None
    fault: FormFault | None = None


def check_fails(spec: CheckSpec, value: float) -> bool:
    if spec.fail_below is not None and value < spec.fail_below:
        return True
    return spec.fail_above is not None and value > spec.fail_above


def form_fault(spec: CheckSpec, measure: Measure | None, value: float) -> FormFault:
    """The :class:`FormFault` of ``spec`` failing at ``value`` (``measure``: for its words)."""
    limit = spec.limit
    if measure is None:  # a custom angle of another rule book: its name and degrees
        measure = Measure(spec.measure, MEASURES["knee"].fn, (0.0, 180.0))
    text = f"{measure.say(value)} (limit: {measure.say(limit)})"
    if measure.say(value) == measure.say(limit):  # rounded alike: the numbers themselves
        text = f"{measure.say(value)} ({value:.4g} {measure.unit}; limit {limit:g})"
    if spec.relative == "start":
        text = f"{measure.say(value)} (limit {_num(limit)} {measure.unit})"
    return FormFault(spec.name, value, limit, measure.unit, text, spec.message, spec.severity,
                     spec.verdict)  # fmt: skip


#: ``relative: start`` checks take the rep's first frames (this share of them, at least one) as
#: its start: the counter's rep begins at the top, before the way down
START_SHARE: float = 0.15


def judge_rep(
    rules: ExerciseRules,
    rows: np.ndarray,
    bottom_mask: np.ndarray,
    measures: Mapping[str, Measure] | None = None,
) -> tuple[str, tuple[CheckResult, ...]]:
    """Verdict (``good``/``partial``/``faulty``) of a rep from its measure rows ``(n, M)``.

    ``bottom_mask`` ``(n,)`` marks the frames near the deepest point (``at: bottom`` checks).
    ``measures``: the rule book's, for the words of a fault (the built-in ones when None).
    """
    measures = measures if measures is not None else MEASURES
    yaw = rows[:, rules.column("view_yaw", "visible")]
    view = view_category(float(np.nanmedian(yaw))) if np.any(~np.isnan(yaw)) else None
    n_start = max(1, int(round(START_SHARE * len(rows))))
    results = []
    for spec in rules.checks:
        spec = spec.at_view(view)
        col = rows[:, rules.column(spec.measure, spec.side)]
        vals = col[bottom_mask] if spec.at == "bottom" else col
        vals = vals[~np.isnan(vals)]
        start = col[:n_start][~np.isnan(col[:n_start])]
        if (view not in spec.views or len(vals) == 0
                or (spec.relative == "start" and len(start) == 0)):  # fmt: skip
            results.append(CheckResult(spec.name, None, None, spec.message, spec.severity,
                                       spec.verdict, spec.limit))  # fmt: skip
            continue
        value = float(REDUCERS[spec.reduce](vals))
        if spec.relative == "start":
            value -= float(np.median(start))
        failed = check_fails(spec, value)
        fault = form_fault(spec, measures.get(spec.measure), value) if failed else None
        results.append(CheckResult(spec.name, value, failed, spec.message, spec.severity,
                                   spec.verdict, spec.limit, fault))  # fmt: skip
    failed = [r for r in results if r.failed]
    if any(r.verdict == "faulty" for r in failed):
        verdict = "faulty"
    elif failed:
        verdict = "partial"
    else:
        verdict = "good"
    return verdict, tuple(results)


def faults_of(checks: tuple[CheckResult, ...]) -> tuple[FormFault, ...]:
    """The faults among a rep's check results, most severe first."""
    found = [c.fault for c in checks if c.fault is not None]
    return tuple(sorted(found, key=lambda f: -f.severity))


def fault_text(checks: tuple[CheckResult, ...]) -> str:
    """A rep's faults in one line (reps.csv, the event log, the dashboard): ``"hips_sagging:
    hips 14 deg below the line (limit 10 deg below) | ..."``; empty for a good rep."""
    return " | ".join(f"{f.check}: {f.text}" for f in faults_of(checks))
