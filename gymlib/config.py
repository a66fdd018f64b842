"""One typed configuration, loaded once from ``config.yaml``.

Every section is a frozen dataclass. Loading rejects unknown keys, wrong types and out-of-range
values with a message that names the key, the value and what is allowed::

    from gymlib.config import load_config
    cfg = load_config()                    # the repository's config.yaml
    cfg.exercises                          # ('bench_press', 'squat', ...)
    cfg.paths.models                       # absolute Path

Field metadata declares the legal values: ``range=(lo, hi)`` (inclusive) or ``choices=(...)``.
Sections that other modules own (``rules``, ``reps``, ``live``, ``teach``) are checked here
too, by their owners' own typed parsers (:data:`SECTION_CHECKS`), and held typed (``cfg.reps``,
``cfg.rules``, ``cfg.live``, ``cfg.teach``), so a bad file fails at load, naming the file, the
key and the value, not 200 frames into an analysis or deep inside a live session. A key an
owner adds to its dataclass is checked without a change here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gymlib.configbase import ConfigError, build_section  # defined there; imported from here too
from gymlib.features import ARCHS, FEATURE_SETS, FLAT_FEATURE_SETS, features_suit
from gymlib.live_config import LiveConfig
from gymlib.media import HOLE_S
from gymlib.reps.config import RepConfig
from gymlib.rules import RuleBook, parse_rules
from gymlib.teach_config import TeachConfig

PROJECT_ROOT: Path = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH: Path = PROJECT_ROOT / "config.yaml"

#: The seed's class order (label ids 0..5); the classifier's outputs follow it.
SEED_EXERCISES: tuple[str, ...] = (
    "bench_press",
    "squat",
    "lat_machine",
    "pull_up",
    "push_up",
    "split_squat",
)


def _range(lo: float, hi: float) -> dict[str, Any]:
    return {"range": (lo, hi)}


def _choices(*values: Any) -> dict[str, Any]:
    return {"choices": values}


@dataclass(frozen=True)
class PathsConfig:
    """Where data and models live; relative paths are taken from the project root."""

    data_raw: Path = Path("data/raw")
    data_interim: Path = Path("data/interim")
    data_processed: Path = Path("data/processed")
    data_sessions: Path = Path("data/sessions")
    data_samples: Path = Path("data/samples")
    models: Path = Path("models")
    runs: Path = Path("runs")
    real_windows: Path = Path("../shared/data/seed_real_windows.npz")
    shared_data: Path = Path("../shared/data")  # real clips and labels (gymlib.benchtools)
    pose_models: Path = Path("models/mediapipe")
    store: Path = Path("data/taught")  # taught exercises (gymlib.teach); never shipped files


@dataclass(frozen=True)
class ExtractionConfig:
    """MediaPipe Pose options (legacy ``mediapipe.solutions.pose``)."""

    model_complexity: int = field(default=1, metadata=_choices(0, 1, 2))
    min_detection_confidence: float = field(default=0.5, metadata=_range(0.0, 1.0))
    min_tracking_confidence: float = field(default=0.5, metadata=_range(0.0, 1.0))
    smooth_landmarks: bool = True
    progress: bool = True
    # video mode: keep following the first person when the tracker jumps to another one
    # (gymlib.track: faster than max_body_speed body sizes per second is not the same person)
    identity_guard: bool = True
    max_body_speed: float = field(default=1.0, metadata=_range(0.1, 20.0))
    # the guard's other limits (gymlib.track.GuardOptions says what each means)
    guard_window_s: float = field(default=0.2, metadata=_range(0.01, 5.0))
    guard_agree: float = field(default=0.1, metadata=_range(0.01, 2.0))
    guard_margin: float = field(default=0.1, metadata=_range(0.0, 2.0))
    guard_lost_s: float = field(default=1.0, metadata=_range(0.1, 60.0))
    # nobody found this long: the picture's parts are searched, once per this long (0: never)
    wide_search_s: float = field(default=1.0, metadata=_range(0.0, 60.0))
    # video mode: a frame where more than this share of the picture changed at once is a camera
    # cut (gymlib.cuts), a fresh start for the guard and the rep counter; 1 = never
    cut_share: float = field(default=0.5, metadata=_range(0.05, 1.0))
    # ... each cell of its grey thumbnail moved by more than this (of 255) beyond the median move
    cut_level: float = field(default=16.0, metadata=_range(1.0, 128.0))
    # video files: frames further apart in time than this (and than 3 frames' time) have a hole
    # between them (damaged, dropped, a paused recording): said, and a fresh start as at a cut
    hole_s: float = field(default=HOLE_S, metadata=_range(0.1, 3600.0))

    def __post_init__(self) -> None:
        if 0 < self.wide_search_s < 0.1:  # each search poses five crops: every frame, 5x slower
            raise ConfigError(
                f"extraction.wide_search_s: {self.wide_search_s!r} s; give 0 (never search the "
                "picture's parts) or at least 0.1 s between searches"
            )


@dataclass(frozen=True)
class WindowConfig:
    """How landmark streams are cut into classifier windows (the seed's defaults)."""

    frames: int = field(default=30, metadata=_range(30, 30))
    stride: int = field(default=30, metadata=_range(1, 30))
    min_tail: int = field(default=20, metadata=_range(1, 30))
    target_fps: float | None = field(default=30.0, metadata=_range(1.0, 240.0))


@dataclass(frozen=True)
class AugmentationConfig:
    """Offline balancing and online augmentation of training windows."""

    balance_per_class: int | None = field(default=None, metadata=_range(1, 1_000_000))
    flip_to_balance: bool = True
    noise_std: float = field(default=0.02, metadata=_range(0.0, 0.5))
    max_shift: int = field(default=2, metadata=_range(0, 15))
    flip_prob: float = field(default=0.2, metadata=_range(0.0, 1.0))
    # another camera angle: turn this share of windows about the vertical (any yaw up to
    # max_yaw) and tilt them (pitch up to max_pitch), see gymlib.features.rotate_view
    view_prob: float = field(default=0.0, metadata=_range(0.0, 1.0))
    max_yaw: float = field(default=180.0, metadata=_range(0.0, 180.0))
    max_pitch: float = field(default=25.0, metadata=_range(0.0, 60.0))
    # a camera held askew: this share of windows turns in the picture's plane by up to max_roll
    # degrees either way (rotate_view's roll)
    roll_prob: float = field(default=0.0, metadata=_range(0.0, 1.0))
    max_roll: float = field(default=15.0, metadata=_range(0.0, 90.0))
    # framed too tight: this share of windows loses the legs below a line between hips and
    # ankles (low visibility, wandering points), see gymlib.training.crop_legs
    crop_prob: float = field(default=0.0, metadata=_range(0.0, 1.0))


@dataclass(frozen=True)
class ModelConfig:
    """The shipped classifier and how it is trained."""

    path: Path = Path("models/exercise_classifier.keras")
    features: str = field(default="body", metadata=_choices(*FEATURE_SETS))
    #: the model: the seed's bidirectional LSTM, a temporal convolution network, or a tree
    #: ensemble on each window's summary figures (features ``window_stats``)
    arch: str = field(default="bilstm", metadata=_choices(*ARCHS))
    units: tuple[int, ...] = (64, 32)  # the two BiLSTM layers; the seed's are (128, 64)
    filters: int = field(default=64, metadata=_range(1, 1024))  # the conv network's channels
    trees: int = field(default=100, metadata=_range(1, 2000))  # the tree ensemble's trees
    tree_depth: int = field(default=32, metadata=_range(1, 64))  # and their greatest depth
    dense: int = field(default=32, metadata=_range(1, 1024))
    confidence_threshold: float = field(default=0.9, metadata=_range(0.0, 1.0))
    epochs: int = field(default=50, metadata=_range(1, 1000))
    batch_size: int = field(default=32, metadata=_range(1, 4096))
    learning_rate: float = field(default=1e-3, metadata=_range(1e-6, 1.0))
    weight_decay: float = field(default=1e-5, metadata=_range(0.0, 1.0))
    patience: int = field(default=5, metadata=_range(1, 100))
    seed: int = field(default=42, metadata=_range(0, 2**31 - 1))


@dataclass(frozen=True)
class SplitConfig:
    """Recording-disjoint splits (by ``group``)."""

    validation: float = field(default=0.15, metadata=_range(0.0, 0.5))
    test: float = field(default=0.15, metadata=_range(0.0, 0.5))
    folds: int = field(default=5, metadata=_range(2, 20))
    seed: int = field(default=42, metadata=_range(0, 2**31 - 1))


@dataclass(frozen=True)
class PipelineConfig:
    """``pipeline`` in config.yaml: where :func:`gymlib.sources.extract_folder` and the
    retraining pipeline extract videos."""

    #: None: local worker processes; "local": a Dask LocalCluster; "tcp://host:8786": a running
    #: Dask scheduler (shared disk needed)
    scheduler: str | None = None

    def __post_init__(self) -> None:
        s = self.scheduler
        if s is not None and s != "local" and not re.fullmatch(r"[a-z]+://\S+", s):
            raise ConfigError(
                f"pipeline.scheduler: {s!r} is not a scheduler; use null (local processes), "
                "'local' (a Dask LocalCluster) or an address 'tcp://host:8786'"
            )


def load_pipeline_config(cfg: Config | None = None) -> PipelineConfig:
    """``pipeline`` of a config (the repository's when None): now :attr:`Config.pipeline`."""
    return (cfg or load_config()).pipeline


@dataclass(frozen=True)
class Config:
    """The whole project configuration (``config.yaml``)."""

    exercises: tuple[str, ...] = SEED_EXERCISES
    paths: PathsConfig = PathsConfig()
    extraction: ExtractionConfig = ExtractionConfig()
    windows: WindowConfig = WindowConfig()
    augmentation: AugmentationConfig = AugmentationConfig()
    model: ModelConfig = ModelConfig()
    split: SplitConfig = SplitConfig()
    pipeline: PipelineConfig = PipelineConfig()
    #: Sections other modules own, typed by their parsers (:data:`SECTION_CHECKS`) at load:
    #: the counter's settings, the rule table (None only in a Config built by hand) and the
    #: live session's, and teaching a new exercise's.
    reps: RepConfig = RepConfig()
    rules: RuleBook | None = None
    live: LiveConfig = LiveConfig()
    teach: TeachConfig = TeachConfig()
    #: The same sections as written in the file (plain mappings), for code that edits
    #: and writes them back (gymlib.teach merges taught exercises into ``rules``).
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.model.units) != 2 or any(u < 1 or u > 1024 for u in self.model.units):
            raise ConfigError(
                f"model.units: {list(self.model.units)}; give two layer sizes between 1 and 1024"
            )
        if not features_suit(self.model.arch, self.model.features):
            raise ConfigError(
                f"model.features: {self.model.features!r} does not suit model.arch "
                f"{self.model.arch!r}; the tree ensemble takes {list(FLAT_FEATURE_SETS)}, the "
                f"networks one of {[f for f in FEATURE_SETS if f not in FLAT_FEATURE_SETS]}"
            )
        if len(self.exercises) == 0:
            raise ConfigError("exercises: the list is empty; name at least one exercise")
        dupes = sorted({e for e in self.exercises if self.exercises.count(e) > 1})
        if dupes:
            raise ConfigError(f"exercises: duplicate name(s) {dupes}")
        for name in self.exercises:
            if not name.isidentifier() or name != name.lower():
                raise ConfigError(
                    f"exercises: {name!r} is not a lower-case snake_case name (e.g. 'split_squat')"
                )

    def resolve(self, path: Path) -> Path:
        """A config path made absolute against the project root."""
        with contextlib.suppress(RuntimeError):  # ("~nobody", no HOME: kept as written)
            path = path.expanduser()  # "~/runs" is the home folder's, as in a shell
        return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


#: Sections of config.yaml that other modules own -> their typed parser: a dataclass (built
#: with :func:`build_section`, which rejects unknown keys, wrong types and values out of range)
#: or a function ``(mapping, where) -> object`` raising ConfigError. Their modules import only
#: gymlib.configbase, so this one can import them (no circle).
SECTION_CHECKS: dict[str, type | Callable[[Any, str], Any]] = {
    "reps": RepConfig,
    "rules": parse_rules,
    "live": LiveConfig,
    "teach": TeachConfig,
}
EXTRA_SECTIONS: tuple[str, ...] = tuple(SECTION_CHECKS)
#: Sections a config file must have: without the rules nothing can be counted or judged.
REQUIRED_SECTIONS: tuple[str, ...] = ("rules",)


def check_section(name: str, data: Any) -> Any:
    """The section ``name`` of config.yaml parsed by its owner's typed parser
    (:data:`SECTION_CHECKS`); raises :class:`ConfigError` naming the key and the value."""
    parser = SECTION_CHECKS[name]
    if isinstance(parser, type) and dataclasses.is_dataclass(parser):
        return build_section(parser, data, name)
    try:
        return parser(data, name)
    except ConfigError:
        raise
    except (TypeError, ValueError, KeyError) as exc:  # an owner's check without its own type
        raise ConfigError(f"{name}: {exc}") from exc


def parse_config(data: Any, source: str = "config") -> Config:
    """Build a :class:`Config` from an already-parsed YAML mapping, checking every section."""
    if data is None or (isinstance(data, Mapping) and not data):
        raise ConfigError(
            f"{source}: the file has no sections (empty, or comments only); start from the "
            f"repository's config.yaml"
        )
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: the top level must be a mapping of sections, got {data!r}")
    data = dict(data)
    sections = sorted(
        {f.name for f in dataclasses.fields(Config)} - {"extra"} | set(EXTRA_SECTIONS)
    )
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise ConfigError(f"{source}: unknown section(s) {unknown}; allowed: {sections}")
    missing = [k for k in REQUIRED_SECTIONS if k not in data]
    if missing:
        raise ConfigError(f"{source}: no {missing[0]!r} section; every config needs one")
    extra = {k: data.pop(k) for k in EXTRA_SECTIONS if k in data}
    try:
        cfg = build_section(Config, data, "")
        typed = {name: check_section(name, section) for name, section in extra.items()}
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    unruled = [e for e in cfg.exercises if e not in typed["rules"].exercises]
    if unruled:  # else the first rep of it raised KeyError, after a whole pose pass
        raise ConfigError(
            f"{source}: rules: no entry for {unruled[0]!r}, which exercises "
            "lists; every exercise needs its rules (how it is counted and judged)"
        )
    return dataclasses.replace(cfg, **typed, extra=types.MappingProxyType(extra))


def default_path(name: str) -> Path:
    """``paths.<name>`` of the repository's config.yaml, absolute: the default of a function
    given no path (a caller that read its own config passes the path it holds)."""
    cfg = load_config()
    return cfg.resolve(getattr(cfg.paths, name))


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate ``config.yaml`` (the repository's when ``path`` is None)."""
    cfg_path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    if path is None:
        return _load_default()
    return _load_file(cfg_path)


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in one mapping (YAML would silently
    keep the last one: an edited threshold that seems to do nothing)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise ConfigError(f"line {line}: key {key!r} appears twice in the same mapping")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_file(cfg_path: Path) -> Config:
    if not cfg_path.is_file():
        raise ConfigError(f"{cfg_path}: config file not found")
    try:
        data = yaml.load(cfg_path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{cfg_path}: not valid YAML: {exc}") from None
    except ConfigError as exc:
        raise ConfigError(f"{cfg_path}: {exc}") from None
    return parse_config(data, str(cfg_path))


@functools.cache
def _load_default() -> Config:
    return _load_file(DEFAULT_CONFIG_PATH)
