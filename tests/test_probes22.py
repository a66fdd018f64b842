"""Session 22's faults: what a user met with the notebooks' parameters and the commands
(docs/reliability.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _declared() -> dict[str, str]:
    """Every notebook parameter's declared type, by name."""
    import ast

    out: dict[str, str] = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        cell = next(c for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
        for node in ast.parse("".join(cell["source"])).body:
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                out[node.target.id] = ast.unparse(node.annotation)
    return out


def test_every_least_count_names_a_whole_number_parameter_of_a_notebook() -> None:
    from gymlib.nbparams import LEAST, check_parameters

    declared = _declared()
    assert {name: declared.get(name) for name in LEAST} == dict.fromkeys(LEAST, "int")
    for name, least in LEAST.items():
        ns = {"__annotations__": {name: int}, name: least - 1}
        with pytest.raises(ValueError, match=f"parameter {name} must be {least} or more"):
            check_parameters(ns)
        check_parameters({"__annotations__": {name: int}, name: least})
    for name in ("SEED", "LIMIT", "VIEW_CLIPS", "MAX_WINDOWS"):  # 0: the default, all or none
        check_parameters({"__annotations__": {name: int}, name: 0})
        with pytest.raises(ValueError, match=f"{name} must be 0 or more, got -1"):
            check_parameters({"__annotations__": {name: int}, name: -1})


@pytest.mark.notebooks
def test_a_notebook_given_a_count_of_nothing_stops_at_once_naming_it(tmp_path: Path) -> None:
    """``-p N_CLIPS 0`` failed with pandas' ``KeyError: 'exercise'`` after the cells ran."""
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match="parameter N_CLIPS must be 1 or more"):
        pm.execute_notebook(str(ROOT / "notebooks" / "01_acquisition.ipynb"),
                            str(tmp_path / "out.ipynb"), parameters={"N_CLIPS": 0,
                            "OUT_DIR": str(tmp_path / "o")}, kernel_name="python3",
                            progress_bar=False)  # fmt: skip
    assert not (tmp_path / "o").exists()
