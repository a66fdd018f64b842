"""README.md and docs/ as a user reads them: the commands they name exist and take the flags and
parameters they show, links resolve, and CI runs what the README says."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"```(?:bash|sh)?\n(.*?)```", re.S)


def _commands(text: str) -> list[str]:
    """Shell lines of the fenced blocks and of inline code spans, continuations joined."""
    lines = []
    for block in FENCE.findall(text):
        lines += block.replace("\\\n", " ").splitlines()
    lines += re.findall(r"`([^`\n]*(?:python|papermill)[^`\n]*)`", text)
    return [line.split("#")[0].strip() for line in lines]


def _flags(command: str) -> list[str]:
    """The long options a command line names, less ``--help`` (argparse gives every CLI that)."""
    return [f for f in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", command) if f != "--help"]


def _notebook_parameters(path: Path) -> set[str]:
    cells = json.loads(path.read_text())["cells"]
    cell = next(c for c in cells if "parameters" in c.get("metadata", {}).get("tags", []))
    return {n.target.id for n in ast.parse("".join(cell["source"])).body
            if isinstance(n, ast.AnnAssign)}  # fmt: skip


ALL_TEXT = [README, *PAGES]


@pytest.mark.parametrize("page", ALL_TEXT, ids=lambda p: p.name)
def test_gymlib_commands_exist_and_take_their_flags(page: Path) -> None:
    found = False
    for cmd in _commands(page.read_text()):
        for m in re.finditer(r"python -m (gymlib(?:\.\w+)+)", cmd):
            found = True
            module = ROOT / (m.group(1).replace(".", "/") + ".py")
            src = module.read_text() if module.is_file() else ""
            if not module.is_file():  # a package run as a module: its __main__, whose
                module = ROOT / m.group(1).replace(".", "/") / "__main__.py"  # flags may be
                src = "".join(f.read_text() for f in module.parent.glob("*.py"))  # beside it
            assert module.is_file(), f"{page.name}: `{cmd}` names a module that does not exist"
            tail = cmd[m.end() :].split("&&")[0]
            missing = [f for f in _flags(tail) if f'"{f}"' not in src]
            assert not missing, f"{page.name}: `{cmd}`: {module.name} has no {missing}"
        for m in re.finditer(r"(benchmarks/\w+\.py)", cmd):
            script = ROOT / m.group(1)
            assert script.is_file(), f"{page.name}: `{cmd}` names a missing script"
            tail = cmd[m.end() :].split("&&")[0]
            missing = [f for f in _flags(tail) if f'"{f}"' not in script.read_text()]
            assert not missing, f"{page.name}: `{cmd}`: {script.name} has no {missing}"
    if page == README:
        assert found, "the README names no `python -m gymlib...` command"


@pytest.mark.parametrize("page", ALL_TEXT, ids=lambda p: p.name)
def test_papermill_parameters_exist(page: Path) -> None:
    """Every `papermill notebooks/X.ipynb OUT -p NAME value` names a parameter X has."""
    for cmd in _commands(page.read_text()):
        m = re.search(r"papermill (notebooks/\S+\.ipynb)", cmd)
        if not m:
            continue
        nb = ROOT / m.group(1)
        assert nb.is_file(), f"{page.name}: `{cmd}`: no {nb.name}"
        unknown = set(re.findall(r"-p (\w+)", cmd)) - _notebook_parameters(nb)
        assert not unknown, f"{page.name}: `{cmd}`: {nb.name} has no parameter {unknown}"


def test_papermill_examples_use_parameters_the_shipped_model_uses() -> None:
    """EPOCHS does nothing for the trees: an example that sets it must also pick a network."""
    for cmd in _commands(README.read_text()):
        if "papermill notebooks/03_training" in cmd and "-p EPOCHS" in cmd:
            assert re.search(r"-p ARCH (bilstm|conv)", cmd), f"`{cmd}`: EPOCHS without a network"
    params = re.findall(r"\{03_training: \{([^}]*)\}\}", README.read_text())
    assert params and all("EPOCHS" not in p for p in params), params


@pytest.mark.parametrize("page", ALL_TEXT, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    text = page.read_text()
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"[a-z]+://", target):
            continue
        assert (page.parent / target).exists(), f"{page.name}: link to missing {target}"


def test_ci_runs_the_readme_commands() -> None:
    """.ci/run installs and tests exactly as the README's sections say."""
    readme, ci = README.read_text(), (ROOT / ".ci" / "run").read_text()
    venv = readme.split("## Set up with a venv", 1)[1].split("\n## ", 1)[0]
    assert "python3.11 -m venv .venv && .venv/bin/pip install -e '.[dev]'" in venv
    assert "python3.11 -m venv" in ci and "\"$VENV/bin/pip\" install -q -e '.[dev]'" in ci
    tests = readme.split("## Run the tests", 1)[1].split("\n## ", 1)[0]
    assert ".venv/bin/python -m pytest\n" in tests and '"$VENV/bin/python" -m pytest\n' in ci
    quick = readme.split("## Quick start (conda)", 1)[1].split("\n## ", 1)[0]
    assert "conda env create -f environment.yml" in quick and (ROOT / "environment.yml").is_file()
    assert "jupyter lab notebooks/04_live_coach.ipynb" in quick


def test_readme_is_a_users_document() -> None:
    """Results live in docs/ (issue 41): the README stays short, and each docs page ends with
    the commands that regenerate its figures."""
    assert len(README.read_text().splitlines()) <= 250
    for page in PAGES:
        last = page.read_text().rsplit("\n## ", 1)[-1]
        assert FENCE.search(last), f"{page.name}: the last section has no command block"
