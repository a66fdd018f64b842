"""environment.yml (conda) and pyproject.toml (pip) must pin the same versions."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
_REQ = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+?)\s*==\s*([^;\s]+)\s*(?:;\s*(.+))?$")


def _pins(lines: list[str]) -> dict[tuple[str, str], str]:
    pins: dict[tuple[str, str], str] = {}
    for line in lines:
        m = _REQ.match(line)
        assert m, f"not an exact pin: {line!r} (pin every requirement with ==)"
        name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
        marker = re.sub(r"\s+", "", (m.group(3) or "")).replace('"', "'")
        pins[(name, marker)] = m.group(2)
    return pins


def _pyproject_pins() -> dict[tuple[str, str], str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    return _pins(project["dependencies"] + project["optional-dependencies"]["dev"])


def _environment_pins() -> tuple[dict[tuple[str, str], str], dict]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    reqs = [r for r in pip_section if not r.startswith("-")]
    return _pins(reqs), env


def test_environment_and_pyproject_agree() -> None:
    py = _pyproject_pins()
    env, env_doc = _environment_pins()
    only_py = sorted(set(py) - set(env))
    only_env = sorted(set(env) - set(py))
    differ = sorted(k for k in set(py) & set(env) if py[k] != env[k])
    assert not only_py, f"pinned in pyproject.toml but not in environment.yml: {only_py}"
    assert not only_env, f"pinned in environment.yml but not in pyproject.toml: {only_env}"
    assert not differ, "versions differ: " + ", ".join(
        f"{k[0]} {py[k]} vs {env[k]}" for k in differ
    )
    assert env_doc["name"] == "gymcoach"
    assert "python=3.11" in env_doc["dependencies"]
    pip_section = next(d["pip"] for d in env_doc["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section


def test_pin_parser_catches_a_mismatch() -> None:
    a = _pins(["numpy==1.26.4", "tensorflow-cpu==2.19.1; sys_platform == 'linux'"])
    b = _pins(["numpy==1.26.5", "tensorflow_cpu==2.19.1 ; sys_platform=='linux'"])
    assert a[("numpy", "")] != b[("numpy", "")]
    assert (
        a[("tensorflow-cpu", "sys_platform=='linux'")]
        == b[("tensorflow-cpu", "sys_platform=='linux'")]
    )


def test_no_headless_opencv() -> None:
    """mediapipe needs opencv-contrib-python; the headless build beside it breaks cv2."""
    text = (ROOT / "pyproject.toml").read_text() + (ROOT / "environment.yml").read_text()
    assert "opencv-python-headless" not in text
