"""Form rules as data: per exercise, the signal that drives counting and the checks on each rep.

The rule table lives in ``config.yaml`` (section ``rules``) and is loaded once into typed objects
that reject bad rules at load time, naming the exercise and the key::

    rules:
      angles:                              # extra three-point angles by landmark name
        shoulder_abduction: [HIP, SHOULDER, ELBOW]   # side-less names = either side
      squat:
        signal:                            # progress 0 at top, 1 at bottom; the furthest counts
          - {measure: hip_height, side: mean, top: 1.0, bottom: 0.5}
          - {measure: knee, side: mean, top: 175, bottom: 80}
        posture: [{measure: torso_upright, min: 0.5}]
        checks:
          - {name: shallow, measure: hip_height, side: mean, at: bottom, reduce: min,
             fail_above: 0.65, verdict: partial, severity: 2, message: "Squat deeper"}

A *measure* is a named quantity per frame (see :data:`MEASURES`): 2-D joint angles, view-invariant
bends, heights in arm or torso lengths. ``side`` picks the body side: ``visible`` (the better seen
side, frame by frame), ``left``, ``right``, ``mean``, ``min`` or ``max``. A check fails when the
reduced value over its phase (``bottom``: the frames near the deepest point, ``rep``: the whole
rep) is below ``fail_below`` or above ``fail_above``. ``views`` limits a check to the camera
angles where 2-D geometry can judge it (``front`` includes back, ``diagonal`` ~45 degrees,
``side``); elsewhere the rep is marked "not judged" for that check instead of guessing.
``relative: start`` judges the change from the rep's first frames (a heel rising) instead of the
value itself; ``enabled: false`` keeps an optional cue in the table, validated but not judged
(:func:`optional_cues_on` switches them all on, for benchmarks); ``view_limits`` gives a check
another limit in some views (``[{view: front, limit: 0.0}]``), where they read it differently.

A failed check carries a :class:`FormFault`: the measured value, the limit and both in words
(``"hips 17 deg below the line (limit: hips 15 deg below the line)"``), which reps.csv, the event
log and the dashboard print as they are (:func:`fault_text`).

This module is the table: its typed entries, :class:`RuleBook` (which computes an exercise's
measures) and the parser. Judging a rep against it is :mod:`gymlib.judge`'s; the measures a
table adds to the registry (``angles``, ``projections``) are :mod:`gymlib.rule_measures`'. Their
names are importable from here too.

Fixes to the seed's table (``seed-spec.md`` sections 4.5, 4.6 and 6): angles are aspect-corrected
and taken on the visible side instead of OR-ing both; depth is judged on the rep's deepest frames,
not on same-frame strict minima; sag and pike are told apart by a signed body line; there are no
impossible bounds (>= 190 degrees); left and right share one threshold; lat pull-down has its own
message; nothing depends on which way the person faces.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gymlib import angles as A
from gymlib.configbase import ConfigError, build_section
from gymlib.judge import (  # noqa: F401 - judging a rep: defined there, imported from here too
    REDUCERS,
    START_SHARE,
    CheckResult,
    FormFault,
    check_fails,
    fault_text,
    faults_of,
    form_fault,
    judge_rep,
    view_category,
)
from gymlib.measures import (  # noqa: F401 - WORDS, SidedFn, OneFrameFn: public names here
    MEASURES,
    SIDES,
    WORDS,
    Measure,
    OneFrameFn,
    Points,
    SidedFn,
    angle_measure,
    pick_side,
    visible_side,
)
from gymlib.rule_measures import (  # noqa: F401 - the measures a table adds: defined there
    PROJECTION_BONES,
    TORSO_PER_ARM,
    body_centred,
    custom_angle,
    projection_measure,
)

if TYPE_CHECKING:
    from gymlib.config import Config

PHASES: tuple[str, ...] = ("bottom", "rep")
VIEW_NAMES: tuple[str, ...] = ("front", "diagonal", "side")
VERDICTS: tuple[str, ...] = ("partial", "faulty")


# --------------------------------------------------------------------------------------------
# The rule table
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignalSpec:
    """A quantity that drives counting and its values at a full top and a full bottom.

    An exercise may list several: per frame the counter takes the furthest progress (0 at
    ``top``, 1 at ``bottom``) among those seen, so the one this camera sees moving drives the
    count (a 2-D knee angle barely moves from the front, a hip height moves from every side).
    """

    measure: str = ""
    side: str = field(default="visible", metadata={"choices": SIDES})
    top: float = 0.0
    bottom: float = 1.0
    #: progress of this signal past which the person has left the exercise (e.g. let go of the
    #: bar and stands): the current rep is dropped. None = no such limit
    abort_beyond: float | None = field(default=None, metadata={"range": (1.0, 10.0)})
    #: the camera views this signal is read in (a joint bending in a plane the camera sees
    #: edge-on shows no bend); the others ignore it
    views: tuple[str, ...] = VIEW_NAMES


@dataclass(frozen=True)
class CountSpec:
    """Per-exercise overrides of ``reps`` settings (e.g. feet that move in a pull-up)."""

    leave_top: float | None = field(default=None, metadata={"range": (0.01, 0.9)})
    reach: float | None = field(default=None, metadata={"range": (0.02, 1.5)})
    max_foot_drift: float | None = field(default=None, metadata={"range": (0.01, 20.0)})
    abort_beyond: float | None = field(default=None, metadata={"range": (1.0, 10.0)})
    max_rep_step: float | None = field(default=None, metadata={"range": (0.01, 20.0)})
    #: the start position is a stance with the feet apart front to back, stepped into and out
    #: of around a set: the hips over the floor foot (a ``hip_height`` signal) change as a foot
    #: moves, so a foot that moved ``max_rep_step`` is a step, not a rep (the split squat; a
    #: squat's feet stay side by side, and its counter run on a split squat the live coach
    #: names squat added a rep after a step: docs/counting.md session 7)
    stance: bool = False


@dataclass(frozen=True)
class PostureSpec:
    """A condition that holds in the exercise's start position (the idle gate)."""

    measure: str = ""
    side: str = field(default="visible", metadata={"choices": SIDES})
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class ViewLimit:
    """A check's limit in one camera view, where that view reads the measure differently."""

    view: str = field(metadata={"choices": VIEW_NAMES})  # no defaults: both must be given
    limit: float


@dataclass(frozen=True)
class CheckSpec:
    """One form check on a rep."""

    name: str = ""
    measure: str = ""
    side: str = field(default="visible", metadata={"choices": SIDES})
    at: str = field(default="bottom", metadata={"choices": PHASES})
    reduce: str = field(default="median", metadata={"choices": tuple(REDUCERS)})
    fail_below: float | None = None
    fail_above: float | None = None
    verdict: str = field(default="faulty", metadata={"choices": VERDICTS})
    severity: int = field(default=2, metadata={"range": (1, 3)})
    message: str = ""
    views: tuple[str, ...] = VIEW_NAMES
    #: also warn live, frame by frame, while the rep is under way (``at: rep`` checks only)
    live: bool = True
    #: false: an optional cue, validated but not judged until switched on
    enabled: bool = True
    #: ``start``: judge the change from the rep's start (its first frames, at the top) instead
    #: of the value itself (a heel rising, whatever the foot's shape and the camera's tilt)
    relative: str = field(default="none", metadata={"choices": ("none", "start")})
    #: other limits in some views (``[{view: front, limit: 0.0}]``); the others take fail_*
    view_limits: tuple[ViewLimit, ...] = ()

    @property
    def limit(self) -> float:
        """The threshold the value is held against."""
        return float(self.fail_below if self.fail_below is not None else self.fail_above)

    def at_view(self, view: str | None) -> CheckSpec:
        """This check with the limit of ``view`` (itself when that view has none of its own)."""
        for v in self.view_limits:
            if v.view == view:
                key = "fail_below" if self.fail_below is not None else "fail_above"
                return dataclasses.replace(self, **{key: v.limit})
        return self


@dataclass(frozen=True)
class ExerciseRules:
    """Counting signal, start posture and form checks of one exercise."""

    name: str
    signals: tuple[SignalSpec, ...]
    count: CountSpec = CountSpec()
    posture: tuple[PostureSpec, ...] = ()
    checks: tuple[CheckSpec, ...] = ()
    #: every (measure, side) that judging a rep needs, in a fixed order
    columns: tuple[tuple[str, str], ...] = ()
    #: the subset the counter needs on every frame: signals, view, posture, live checks
    live_columns: tuple[tuple[str, str], ...] = ()

    def column(self, measure: str, side: str) -> int:
        return self.columns.index((measure, side))

    def live_column(self, measure: str, side: str) -> int:
        return self.live_columns.index((measure, side))


@dataclass(frozen=True)
class RuleBook:
    """The whole rule table: exercises by name and the measures they may use."""

    exercises: Mapping[str, ExerciseRules]
    measures: Mapping[str, Measure]

    def __getitem__(self, exercise: str) -> ExerciseRules:
        try:
            return self.exercises[exercise]
        except KeyError:
            raise KeyError(
                f"no rules for exercise {exercise!r}; known: {sorted(self.exercises)}"
            ) from None

    def compute(
        self,
        rules: ExerciseRules,
        landmarks: np.ndarray,
        refs: np.ndarray,
        aspect: float,
        *,
        live: bool = False,
    ) -> np.ndarray:
        """The measures ``rules`` needs, ``(T, len(rules.columns))`` (``live``: only those of
        ``rules.live_columns``); NaN where unseen. One frame goes through :meth:`compute_frame`."""
        arr = A._frames(landmarks)
        refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(A.SEGMENTS))
        if len(arr) == 1:
            return np.array([self.compute_frame(rules, arr[0], refs[0], aspect, live=live)])
        columns = rules.live_columns if live else rules.columns
        values: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # measure -> (left, right)
        with A.shared_xy(arr, aspect):
            for name, _ in columns:
                m = self.measures[name]
                if name not in values:
                    left = m.fn(arr, refs, "left", aspect)
                    values[name] = left, (m.fn(arr, refs, "right", aspect) if m.sided else left)
        use_left = [True] * len(arr)  # (only "visible" asks which side is the better seen)
        if any(side == "visible" and self.measures[name].sided for name, side in columns):
            use_left = A.visible_side(arr).tolist()
        out = np.empty((len(arr), len(columns)))
        for j, (name, side) in enumerate(columns):
            left, right = values[name]
            if not self.measures[name].sided:
                out[:, j] = left
                continue
            pick = functools.partial(pick_side, side)
            out[:, j] = list(map(pick, left.tolist(), right.tolist(), use_left))
        return out

    def compute_frame(
        self,
        rules: ExerciseRules,
        frame: np.ndarray,
        refs: np.ndarray | list[float],
        aspect: float,
        *,
        live: bool = False,
        points: Points | None = None,
    ) -> list[float]:
        """:meth:`compute` on one frame ``(33, 4)`` with references ``(S,)`` (an array, or a
        list of floats as the live counter has them), as a list: the live counter's path (each
        measure's :meth:`~gymlib.measures.Measure.on_frame`). ``points``: the frame as
        :class:`~gymlib.measures.Points`, if the caller has it already."""
        p = points if points is not None else Points(frame, aspect)
        ref_list = refs if isinstance(refs, list) else np.asarray(refs, np.float64).tolist()
        values: dict[str, tuple[float, float]] = {}  # measure -> (left, right)
        use_left: bool | None = None
        out: list[float] = []
        for name, side in rules.live_columns if live else rules.columns:
            m = self.measures[name]
            if name not in values:
                values[name] = m.on_frame(p, frame, ref_list, aspect)
            left, right = values[name]
            if not m.sided:
                out.append(left)
                continue
            if use_left is None and side == "visible":
                use_left = visible_side(p)
            out.append(pick_side(side, left, right, bool(use_left)))
        return out


def _check_measure(book_measures: Mapping[str, Measure], name: str, where: str) -> Measure:
    if not name:
        raise ConfigError(f"{where}: 'measure' is required")
    if name not in book_measures:
        raise ConfigError(
            f"{where}: unknown measure {name!r}; known: {sorted(book_measures)} "
            "(add three-point angles under rules.angles)"
        )
    return book_measures[name]


def _check_value(m: Measure, value: float | None, where: str) -> None:
    if value is None:
        return
    lo, hi = m.valid
    if not lo <= value <= hi:
        raise ConfigError(
            f"{where}: {value!r} is out of range for {m.name!r} ({m.unit}); allowed {lo} to {hi}"
        )


def _parse_exercise(
    name: str, data: Any, measures: Mapping[str, Measure], where: str
) -> ExerciseRules:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping with signal, posture and checks")
    allowed = {"signal", "count", "posture", "checks"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
    if "signal" not in data:
        raise ConfigError(f"{where}: 'signal' is required (the measure that drives counting)")
    signals = _parse_signals(data["signal"], measures, where)
    count = _parse_count(data.get("count"), signals, where)
    posture = [_parse_posture(p, measures, f"{where}.posture[{i}]")
               for i, p in enumerate(data.get("posture") or [])]  # fmt: skip
    checks = _parse_checks(data.get("checks") or [], measures, where)
    live, cols = _columns(signals, posture, checks, measures)
    # sideless measures are stored under "visible"; normalise the specs to match
    posture = [
        dataclasses.replace(p, side=_norm_side(measures, p.measure, p.side)) for p in posture
    ]
    checks = [dataclasses.replace(c, side=_norm_side(measures, c.measure, c.side)) for c in checks]
    signals = [
        dataclasses.replace(s, side=_norm_side(measures, s.measure, s.side)) for s in signals
    ]
    return ExerciseRules(
        name, tuple(signals), count, tuple(posture), tuple(checks), tuple(cols), tuple(live)
    )


def _parse_signals(data: Any, measures: Mapping[str, Measure], where: str) -> list[SignalSpec]:
    """``where.signal``: one measure or a list of them, each with its range and views."""
    raw_signals = data if isinstance(data, list) else [data]
    if not raw_signals:
        raise ConfigError(f"{where}.signal: give at least one measure")
    signals = []
    for i, raw in enumerate(raw_signals):
        key = f"{where}.signal" if len(raw_signals) == 1 else f"{where}.signal[{i}]"
        signal = build_section(SignalSpec, raw, key)
        m = _check_measure(measures, signal.measure, f"{key}.measure")
        _check_value(m, signal.top, f"{key}.top")
        _check_value(m, signal.bottom, f"{key}.bottom")
        if signal.top == signal.bottom:
            raise ConfigError(f"{key}: top and bottom are equal ({signal.top}); no range")
        _check_views(signal.views, f"{key}.views")
        signals.append(signal)
    return signals


def _parse_count(data: Any, signals: list[SignalSpec], where: str) -> CountSpec:
    """``where.count``: the exercise's own counter settings."""
    count = build_section(CountSpec, data, f"{where}.count")
    if count.leave_top is not None and count.reach is not None and count.leave_top >= count.reach:
        raise ConfigError(
            f"{where}.count: leave_top ({count.leave_top}) must be below reach ({count.reach})"
        )
    if count.stance and not any(s.measure == "hip_height" for s in signals):
        raise ConfigError(
            f"{where}.count.stance: true, but no signal is hip_height (a stance's step moves "
            "the hips over the floor foot)"
        )
    return count


def _parse_posture(data: Any, measures: Mapping[str, Measure], key: str) -> PostureSpec:
    """One ``posture`` entry: a measure held within min and / or max while counting."""
    spec = build_section(PostureSpec, data, key)
    pm = _check_measure(measures, spec.measure, f"{key}.measure")
    _check_value(pm, spec.min, f"{key}.min")
    _check_value(pm, spec.max, f"{key}.max")
    if spec.min is None and spec.max is None:
        raise ConfigError(f"{key}: give min, max or both")
    return spec


def _parse_checks(data: list[Any], measures: Mapping[str, Measure], where: str) -> list[CheckSpec]:
    """``where.checks``: the enabled ones, each named once."""
    checks = []
    names: set[str] = set()
    for i, c in enumerate(data):
        key = f"{where}.checks[{i}]"
        spec = build_section(CheckSpec, c, key)
        if not spec.name or not spec.name.isidentifier():
            raise ConfigError(f"{key}.name: a snake_case name is required, got {spec.name!r}")
        if spec.name in names:
            raise ConfigError(f"{key}.name: duplicate check {spec.name!r}")
        names.add(spec.name)
        _check_check(spec, measures, f"{where}.checks.{spec.name}")
        if spec.enabled:
            checks.append(spec)
    return checks


def _check_check(spec: CheckSpec, measures: Mapping[str, Measure], key: str) -> None:
    """One check's measure, limit, message and views."""
    cm = _check_measure(measures, spec.measure, f"{key}.measure")
    if (spec.fail_below is None) == (spec.fail_above is None):
        raise ConfigError(f"{key}: give exactly one of fail_below or fail_above")
    _check_value(cm, spec.fail_below, f"{key}.fail_below")
    _check_value(cm, spec.fail_above, f"{key}.fail_above")
    if not spec.message.strip():
        raise ConfigError(f"{key}.message: the text shown to the person is required")
    _check_views(spec.views, f"{key}.views")
    for j, v in enumerate(spec.view_limits):
        if any(w.view == v.view for w in spec.view_limits[:j]):
            raise ConfigError(f"{key}.view_limits[{j}].view: {v.view!r} given twice")
        if v.view not in spec.views:
            raise ConfigError(f"{key}.view_limits[{j}].view: {v.view!r} is not judged by "
                              f"this check (views: {list(spec.views)})")  # fmt: skip
        _check_value(cm, v.limit, f"{key}.view_limits[{j}].limit")


def _check_views(views: Sequence[str], key: str) -> None:
    bad_views = sorted(set(views) - set(VIEW_NAMES))
    if bad_views or not views:
        raise ConfigError(f"{key}: {list(views)}; choose from {list(VIEW_NAMES)}")


def _columns(
    signals: list[SignalSpec], posture: list[PostureSpec], checks: list[CheckSpec],
    measures: Mapping[str, Measure],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:  # fmt: skip
    """The (measure, side) columns the live loop computes every frame, and all of them (the
    rep-end checks' too), each once; sideless measures under "visible"."""

    def unique(specs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for ms, side in specs:
            side = side if measures[ms].sided else "visible"
            if (ms, side) not in out:
                out.append((ms, side))
        return out

    live = unique(
        [(s.measure, s.side) for s in signals]
        + [("view_yaw", "visible")]
        + [(s.measure, s.side) for s in posture]
        + [(c.measure, c.side) for c in checks if c.at == "rep" and c.live]
    )
    return live, unique(live + [(c.measure, c.side) for c in checks])


def _norm_side(measures: Mapping[str, Measure], name: str, side: str) -> str:
    return side if measures[name].sided else "visible"


def parse_rules(data: Any, where: str = "rules") -> RuleBook:
    """Build a :class:`RuleBook` from the ``rules`` mapping of config.yaml."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a mapping of exercises, got {data!r}")
    measures = dict(MEASURES)
    custom = data.get("angles") or {}
    if not isinstance(custom, Mapping):
        raise ConfigError(f"{where}.angles: expected a mapping name -> [A, B, C]")
    for name, pts in custom.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(f"{where}.angles: {name!r} is not a snake_case name")
        measures[name] = custom_angle(name, pts, f"{where}.angles.{name}")
    for name, spec in (data.get("projections") or {}).items():
        measures[name] = projection_measure(name, spec, f"{where}.projections.{name}")
    exercises = {}
    for name, ex in data.items():
        if name in ("angles", "projections"):
            continue
        if not isinstance(name, str) or not name.isidentifier() or name != name.lower():
            raise ConfigError(f"{where}: {name!r} is not a lower-case snake_case exercise name")
        exercises[name] = _parse_exercise(name, ex, measures, f"{where}.{name}")
    return RuleBook(exercises, measures)


def load_rules(cfg: Config | str | Path | None = None) -> RuleBook:
    """The rule table of a config (the repository's ``config.yaml`` when None), checked at
    load: now :attr:`Config.rules`."""
    from gymlib.config import load_config  # the config holds this module's type: no circle

    if cfg is None or isinstance(cfg, str | Path):
        cfg = load_config(cfg)
    if cfg.rules is None:
        raise ConfigError("config has no 'rules' section")
    return cfg.rules


def optional_cues_on(
    cfg: Config | str | Path | None = None,
) -> tuple[RuleBook, frozenset[tuple[str, str]]]:
    """The rule table with every optional cue (``enabled: false``) switched on, and those cues
    as (exercise, check): for benchmarks that score them beside the checks that speak."""
    import copy

    from gymlib.config import load_config

    if cfg is None or isinstance(cfg, str | Path):
        cfg = load_config(cfg)
    data = copy.deepcopy(dict(cfg.extra["rules"]))
    optional = set()
    for ex, rules in data.items():
        for c in (rules.get("checks") or []) if isinstance(rules, Mapping) else []:
            if c.get("enabled") is False:
                optional.add((ex, c["name"]))
                c["enabled"] = True
    return parse_rules(data), frozenset(optional)
