"""A notebook's parameters checked against the types its ``parameters`` cell declares.

Papermill's ``-p NAME VALUE`` turns ``True``/``False`` into booleans but leaves ``false`` a
string, which Python reads as true: ``-p PROMOTE false`` shipped a model. Each notebook's first
cell after its parameters calls::

    check_parameters(globals())   # the declared types: PROMOTE: bool = False ...

which reads the cell's annotations, takes the spellings of true and false a person types, and
refuses any other value of the wrong type with a message naming the parameter, and a whole
number below the least it can mean something at (:data:`LEAST`: a count of clips, reps or
epochs of 0 or less failed deep in numpy). The retrain pipeline checks its ``--params`` file
with the same rules (:func:`type_error`).
"""

from __future__ import annotations

import numbers
from collections.abc import MutableMapping
from typing import Any

import numpy as np

#: a declared type's name: the values it takes, and how a user would say it (text may be
#: null: the notebooks read it as empty, their default)
TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "int": ((numbers.Integral,), "a whole number"), "float": ((numbers.Real,), "a number"),
    "str": ((str, type(None)), "text"), "bool": ((bool, np.bool_), "true or false"),
}  # fmt: skip
#: the least value of a whole-number parameter, by name (the same name means the same in every
#: notebook): these count things there must be one of; any other is a count, a limit or a seed
#: where 0 means none, all or the default (WORKERS 0: in this process; N_SYNTH_CLIPS 0: none,
#: as with real data), so at least 0. FOLDS: 0 (none) or 2 or more.
LEAST = {"N_CLIPS": 1, "SYNTH_REPS": 1, "EPOCHS": 1, "STRIDE": 1, "VIEW_TEST_CLIPS": 1}
#: what a person types for true or false (papermill's -p passes these on as text)
_BOOLS = {"true": True, "yes": True, "on": True, "1": True,
          "false": False, "no": False, "off": False, "0": False}  # fmt: skip


def type_error(name: str, value: Any, declared: str) -> str | None:
    """Why ``value`` is not of the ``declared`` type (a name of :data:`TYPES`), or None; a
    bool is not a number here."""
    if declared not in TYPES:
        return None
    types, words = TYPES[declared]
    number = declared in ("int", "float")
    if isinstance(value, types) and not (number and isinstance(value, bool | np.bool_)):
        return _range_error(name, value) if declared == "int" else None
    quote = ' (quote it: "true")' if declared == "str" and isinstance(value, bool) else ""
    return f"{name} must be {words}, got {value!r}{quote}"


def _range_error(name: str, value: int) -> str | None:
    least = LEAST.get(name, 0)
    if value < least:
        return f"{name} must be {least} or more, got {value}"
    if name == "FOLDS" and value == 1:
        return "FOLDS must be 0 (no cross-validation) or 2 or more, got 1"
    return None


def check_parameters(namespace: MutableMapping[str, Any]) -> None:
    """Check (and for true/false, read) every parameter the notebook's ``parameters`` cell
    declared with a type, in ``namespace`` (its ``globals()``); ValueError naming the first
    wrong one. A whole number given for a float becomes a float."""
    declared = namespace.get("__annotations__", {})
    for name, kind in declared.items():
        if name not in namespace:
            continue
        value, words = namespace[name], getattr(kind, "__name__", str(kind))
        said = str(value).strip().lower()  # papermill -p gives 0 and 1 as numbers
        if words == "bool" and isinstance(value, str | numbers.Integral) and said in _BOOLS:
            namespace[name] = value = _BOOLS[said]
        why = type_error(name, value, words)
        if why is not None:
            hint = " (give text with papermill -r NAME VALUE)" if words == "str" else ""
            raise ValueError(f"parameter {why}{hint}")
        if words == "float" and not isinstance(value, float):
            namespace[name] = float(value)
    if declared.get("OUT_DIR") is str and not str(namespace.get("OUT_DIR") or "").strip():
        raise ValueError("parameter OUT_DIR is empty: name the folder for this notebook's "
                         "outputs (empty, they went into the project's own folder)")  # fmt: skip
