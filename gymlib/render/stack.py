"""The render stack: torch, anny and pyrender over OSMesa, or a clear message what to install."""

from __future__ import annotations

import importlib
import os
from typing import Any

#: One line that installs what rendering needs (pyrender pins PyOpenGL 3.1.0, which has no OSMesa
#: support; 3.1.7 has it, hence the second step).
INSTALL_HINT = (
    "pip install -e '.[render]' && pip install PyOpenGL==3.1.7, "
    "and the OSMesa library: apt-get install libosmesa6"
)

#: Generator world (anterior, up, left) -> anny world (left, back, up). A reflection: the


class RenderUnavailable(RuntimeError):
    """The rendering extra or the OSMesa library is missing."""


def _require(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # includes OSError-wrapped missing libOSMesa in PyOpenGL
        raise RenderUnavailable(
            f"rendering needs the '{name}' package ({exc}); install with: {INSTALL_HINT}"
        ) from exc


def load_render_stack() -> tuple[Any, Any, Any]:
    """Import torch, anny and pyrender (over OSMesa) or raise :class:`RenderUnavailable`."""
    os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
    torch = _require("torch")
    anny = _require("anny")
    try:
        opengl = importlib.import_module("OpenGL")
        from OpenGL import osmesa  # noqa: F401  (fails without libOSMesa or with PyOpenGL 3.1.0)

        if not hasattr(osmesa, "OSMesaCreateContextAttribs"):
            raise ImportError(f"PyOpenGL {opengl.__version__} lacks OSMesaCreateContextAttribs")
    except (ImportError, OSError, AttributeError) as exc:
        raise RenderUnavailable(
            f"OpenGL over OSMesa is unavailable ({exc}); {INSTALL_HINT}"
        ) from exc
    pyrender = _require("pyrender")
    return torch, anny, pyrender
