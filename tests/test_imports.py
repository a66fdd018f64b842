"""Every ``from gymlib.x import name`` in the repository still finds its name.

A move between modules (training -> sources/windows, reps.py -> reps/) keeps the old names
importable (README: public names are contracts); this test finds the ones a move left behind,
also inside functions, benchmarks and notebooks, which only a full run would otherwise reach.
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _sources() -> list[tuple[str, str]]:
    """(where, python source) of every package, benchmark, test and notebook code cell."""
    out = [(str(p.relative_to(ROOT)), p.read_text()) for d in ("gymlib", "benchmarks", "tests")
           for p in sorted((ROOT / d).rglob("*.py"))]  # fmt: skip
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for i, cell in enumerate(json.loads(nb.read_text())["cells"]):
            if cell["cell_type"] == "code":
                code = "".join(cell["source"])
                lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
                out.append((f"{nb.name} cell {i}", "\n".join(lines)))
    return out


def _gymlib_imports() -> dict[tuple[str, str], list[str]]:
    """(module, name) -> where, for each absolute ``from gymlib... import name``."""
    found: dict[tuple[str, str], list[str]] = {}
    for where, code in _sources():
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split(".")[0] == "gymlib":
                    for alias in node.names:
                        found.setdefault((node.module, alias.name), []).append(where)
    return found


def test_every_imported_gymlib_name_exists() -> None:
    missing = []
    for (module, name), where in sorted(_gymlib_imports().items()):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as e:  # an optional extra (torch for gymlib.render)
            if (e.name or "").split(".")[0] == "gymlib":
                missing.append(f"{module} (imported in {where[0]})")
            continue
        except ImportError as e:  # a gymlib module that itself imports a missing name
            missing.append(f"{module}: {e} (imported in {where[0]})")
            continue
        if name != "*" and not hasattr(mod, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ModuleNotFoundError:
                missing.append(f"{module}.{name} (imported in {', '.join(where[:3])})")
    assert not missing, "names a move left behind:\n" + "\n".join(missing)


def test_the_old_name_of_form_warning_still_imports() -> None:
    from gymlib.reps import FormWarning
    from gymlib.reps import Warning as OldName

    assert OldName is FormWarning
    star: dict[str, object] = {}
    exec("from gymlib.reps import *", star)  # noqa: S102 - Python's Warning stays Python's
    assert "Warning" not in star and star["FormWarning"] is FormWarning
