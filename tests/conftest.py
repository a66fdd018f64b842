"""Shared fixtures. Tiers: unit (default), notebooks (papermill), browser (Chromium)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
REAL_WINDOWS = SHARED_DATA / "seed_real_windows.npz"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test without a tier marker is a unit test."""
    for item in items:
        if not any(item.get_closest_marker(m) for m in ("notebooks", "browser")):
            item.add_marker(pytest.mark.unit)


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    import skimage.data

    return skimage.data.astronaut()


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    import matplotlib.cbook as cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as im:
        return np.asarray(im.convert("RGB"))


@pytest.fixture(scope="session")
def real_windows_path() -> Path:
    if not REAL_WINDOWS.is_file():
        pytest.skip(
            f"real windows not present at {REAL_WINDOWS} (never committed; see shared/data)"
        )
    return REAL_WINDOWS
