from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gymlib.config import DEFAULT_CONFIG_PATH, SEED_EXERCISES, ConfigError, load_config


def _write(tmp_path: Path, data: dict) -> Path:
    p = tmp_path / "config.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def _base() -> dict:
    return yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())


def test_repository_config_loads() -> None:
    cfg = load_config()
    assert cfg.exercises == SEED_EXERCISES
    assert cfg.extraction.model_complexity == 1
    assert cfg.windows.frames == 30 and cfg.windows.stride == 30
    assert cfg.model.confidence_threshold == pytest.approx(0.9)
    assert cfg.resolve(cfg.paths.models).is_absolute()
    assert load_config(DEFAULT_CONFIG_PATH) == cfg


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["extraction"].update(model_complexity=3),
            r"extraction\.model_complexity: 3 is not allowed; choose one of \[0, 1, 2\]",
        ),
        (
            lambda d: d["extraction"].update(min_detection_confidence=1.5),
            r"extraction\.min_detection_confidence: 1\.5 is out of range; allowed 0\.0 to 1\.0",
        ),
        (
            lambda d: d["augmentation"].update(crop_prob=1.2),
            r"augmentation\.crop_prob: 1\.2 is out of range; allowed 0\.0 to 1\.0",
        ),
        (
            lambda d: d["augmentation"].update(max_roll=120),
            r"augmentation\.max_roll: 120\.0 is out of range; allowed 0\.0 to 90\.0",
        ),
        (
            lambda d: d["model"].update(arch="transformer"),
            r"model\.arch: 'transformer' is not allowed; choose one of "
            r"\['bilstm', 'conv', 'trees'\]",
        ),
        (
            lambda d: d["model"].update(arch="bilstm"),  # config.yaml's features are the trees'
            r"model\.features: 'window_stats' does not suit model\.arch 'bilstm'; the tree "
            r"ensemble takes \['window_stats', 'window_stance'\], the networks one of "
            r"\['raw', 'body'",
        ),
        (
            lambda d: d["model"].update(trees=0),
            r"model\.trees: 0 is out of range; allowed 1 to 2000",
        ),
        (
            lambda d: d["model"].update(epochs="many"),
            r"model\.epochs: expected an integer, got 'many'",
        ),
        (
            lambda d: d["extraction"].update(smooth_landmarks="yes"),
            r"extraction\.smooth_landmarks: expected true or false, got 'yes'",
        ),
        (
            lambda d: d["extraction"].update(guard_lost_s=0),
            r"extraction\.guard_lost_s: 0\.0 is out of range; allowed 0\.1 to 60\.0",
        ),
        (
            lambda d: d["windows"].update(strid=5),
            r"windows: unknown key\(s\) \['strid'\]; allowed: .*'stride'",
        ),
        (lambda d: d.update(modle={}), r"unknown section\(s\) \['modle'\]"),
        (
            lambda d: d.update(exercises=["squat", "squat"]),
            r"exercises: duplicate name\(s\) \['squat'\]",
        ),
        (
            lambda d: d.update(exercises=["Squat!"]),
            r"exercises: 'Squat!' is not a lower-case snake_case name",
        ),
        (  # session 21's probe: loaded, then the first squat recognised raised KeyError
            lambda d: d["rules"].pop("squat"),
            r"rules: no entry for 'squat', which exercises lists; every exercise needs its rules",
        ),
        (lambda d: d["paths"].update(models=7), r"paths\.models: expected a path string, got 7"),
        (lambda d: d.update(windows=[1, 2]), r"windows: expected a mapping of keys"),
    ],
)
def test_bad_values_are_rejected_with_clear_messages(tmp_path: Path, edit, message: str) -> None:  # noqa: ANN001
    data = _base()
    edit(data)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(_write(tmp_path, data))
    assert str(tmp_path) in str(info.value), "the message names the file"


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("exercises: [squat\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    # a key written twice: YAML would keep the second silently
    twice = tmp_path / "twice.yaml"
    text = DEFAULT_CONFIG_PATH.read_text(encoding="utf-8")
    twice.write_text(text.replace("  max_zoom:", "  max_turn: 10\n  max_zoom:", 1))
    with pytest.raises(ConfigError, match=r"twice.yaml: line \d+: key 'max_turn' appears twice"):
        load_config(twice)


def test_null_is_allowed_only_where_optional(tmp_path: Path) -> None:
    data = _base()
    data["windows"]["target_fps"] = 50
    assert load_config(_write(tmp_path, data)).windows.target_fps == 50.0
    data["windows"]["stride"] = None
    with pytest.raises(ConfigError, match=r"windows\.stride: expected an integer, got None"):
        load_config(_write(tmp_path, data))


def test_every_owned_section_is_parsed_by_its_owner_at_load(tmp_path: Path) -> None:
    """config.yaml's reps, rules, live and pipeline go through the owners' typed parsers
    (gymlib.config.SECTION_CHECKS) when the file is loaded: a key an owner adds to its dataclass
    is accepted, a key it does not know is refused, without a change in config.py."""
    from gymlib.config import SECTION_CHECKS, check_section
    from gymlib.reps import RepConfig, load_rep_config
    from gymlib.session import LiveConfig, load_live_config

    cfg = load_config()
    assert set(SECTION_CHECKS) == {"reps", "rules", "live", "teach"}
    assert check_section("reps", cfg.extra["reps"]) == load_rep_config(cfg)
    assert check_section("live", cfg.extra["live"]) == load_live_config(cfg)
    for section, known in (("reps", RepConfig), ("live", LiveConfig)):
        field = next(iter(known.__dataclass_fields__))
        data = _base()
        data[section][field + "_typo"] = 1
        with pytest.raises(ConfigError, match=rf"{section}: unknown key\(s\) \['{field}_typo'\]"):
            load_config(_write(tmp_path, data))


def test_the_owned_sections_are_held_typed_and_a_bad_value_names_file_key_and_value(
    tmp_path: Path,
) -> None:
    """``Config.reps``, ``Config.rules`` and ``Config.live`` are the owners' types, built once at
    load (issue 40); the raw mappings stay in ``Config.extra`` for code that writes them back."""
    from gymlib.live_config import LiveConfig
    from gymlib.reps import RepConfig, load_rep_config
    from gymlib.rules import RuleBook, load_rules
    from gymlib.session import load_live_config

    cfg = load_config(DEFAULT_CONFIG_PATH)
    assert isinstance(cfg.reps, RepConfig) and load_rep_config(cfg) is cfg.reps
    assert isinstance(cfg.rules, RuleBook) and load_rules(cfg) is cfg.rules
    assert isinstance(cfg.live, LiveConfig) and load_live_config(cfg) is cfg.live
    assert cfg.reps.reach == cfg.extra["reps"]["reach"]
    assert set(cfg.rules.exercises) == set(cfg.extra["rules"]) - {"angles", "projections"}
    data = _base()
    data["reps"]["reach"] = "far"
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError, match=r"config\.yaml: reps\.reach: .*'far'") as err:
        load_config(path)
    assert str(path) in str(err.value)


def test_the_teach_section_is_typed_with_the_tuned_defaults_and_a_bad_value_is_refused(
    tmp_path: Path,
) -> None:
    """``teach`` (gymlib.teach's tuning, issue 42) is held as a TeachConfig whose defaults are
    the file's values, so a config.yaml without the section teaches as before; a bad value
    fails at load naming the file, the key and the value."""
    from gymlib.teach_config import TeachConfig

    cfg = load_config(DEFAULT_CONFIG_PATH)
    assert isinstance(cfg.teach, TeachConfig) and cfg.teach == TeachConfig()
    assert set(cfg.extra["teach"]) == set(TeachConfig.__dataclass_fields__)
    data = _base()
    del data["teach"]
    assert load_config(_write(tmp_path, data)).teach == cfg.teach
    for key, value, message in (
        ("mirror_fit", -0.5, r"teach\.mirror_fit: -0\.5 is out of range; allowed 0\.0 to 10\.0"),
        ("copies", 2.5, r"teach\.copies: expected an integer, got 2\.5"),
        ("symmetric_arms", "yes", r"teach\.symmetric_arms: expected true or false, got 'yes'"),
        ("tempos", [1.0, 0.0], r"teach: tempos: \[1\.0, 0\.0\]; give one or more between"),
    ):
        data = _base()
        data["teach"][key] = value
        path = _write(tmp_path, data)
        with pytest.raises(ConfigError, match=message) as err:
            load_config(path)
        assert str(path) in str(err.value), err.value
