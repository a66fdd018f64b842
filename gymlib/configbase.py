"""What every config section's parser shares: the error type and building a typed section.

A small base with no gymlib imports, so that the owners of sections (``gymlib.rules``,
``gymlib.reps.config``, ``gymlib.live_config``) and :mod:`gymlib.config`, which holds them all
typed, can both import it without a circle. :mod:`gymlib.config` re-exports these names.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or value that does not fit the schema; the message names key and value."""


def _type_name(tp: Any) -> str:
    if tp is type(None):
        return "null"
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Check ``value`` against the annotation ``tp`` and convert YAML scalars/lists to it."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        errors = []
        for opt in options:
            if opt is type(None):
                continue
            try:
                return _coerce(value, opt, where)
            except ConfigError as exc:
                errors.append(str(exc))
        allowed = " or ".join(_type_name(o) for o in options)
        raise ConfigError(f"{where}: {value!r} is not {allowed}")
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list, got {value!r} ({type(value).__name__})")
        (item_tp, *_rest) = typing.get_args(tp)
        return tuple(_coerce(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value))
    if tp is Path:
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{where}: expected a path string, got {value!r}")
        return Path(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{where}: {value!r} is not a finite number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if dataclasses.is_dataclass(tp):
        return build_section(tp, value, where)
    raise ConfigError(f"{where}: unsupported type {tp!r}")  # pragma: no cover - schema bug


def _check_metadata(value: Any, meta: Mapping[str, Any], where: str) -> None:
    if value is None:
        return
    if "range" in meta:
        lo, hi = meta["range"]
        if not lo <= value <= hi:
            raise ConfigError(f"{where}: {value!r} is out of range; allowed {lo} to {hi}")
    if "choices" in meta and value not in meta["choices"]:
        raise ConfigError(
            f"{where}: {value!r} is not allowed; choose one of {list(meta['choices'])}"
        )


def build_section(cls: type[T], data: Any, where: str) -> T:
    """Build the dataclass ``cls`` from a mapping, rejecting unknown keys and bad values."""
    label = where or "top level"
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{label}: expected a mapping of keys, got {data!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    if where == "":
        known.pop("extra", None)
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{label}: unknown key(s) {unknown}; allowed: {sorted(known)}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        key = f"{where}.{name}" if where else name
        converted = _coerce(value, hints[name], key)
        _check_metadata(converted, known[name].metadata, key)
        kwargs[name] = converted
    missing = [f.name for f in known.values() if f.name not in kwargs and f.init
               and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]  # fmt: skip
    if missing:  # a key with no default: named here, not in a constructor's TypeError
        raise ConfigError(f"{label}: {dict(data)!r} lacks {' and '.join(missing)}")
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{label}: {exc}") from exc
