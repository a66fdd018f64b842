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


@pytest.fixture(scope="session", autouse=True)
def _drawing_worker_stopped_at_the_end():  # noqa: ANN202
    """``analyze``'s drawing worker (gymlib.drawer) ends with the test session, not after it."""
    yield
    import gymlib.drawer

    gymlib.drawer.stop_worker()


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


@pytest.fixture
def deadlift_added(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """config.yaml with one more exercise, as the README says a user adds one: ``deadlift``
    in ``exercises:`` with the squat's rules; the classifier has no class for it. The default
    config while the test runs."""
    import yaml

    from gymlib import config

    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    data["exercises"].append("deadlift")
    data["rules"]["deadlift"] = data["rules"]["squat"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.setattr(config, "DEFAULT_CONFIG_PATH", path)
    config._load_default.cache_clear()
    yield path
    config._load_default.cache_clear()


@pytest.fixture(scope="session")
def real_windows_path() -> Path:
    if not REAL_WINDOWS.is_file():
        pytest.skip(
            f"real windows not present at {REAL_WINDOWS} (never committed; see shared/data)"
        )
    return REAL_WINDOWS


class SureSquat:
    """A classifier stand-in that always says squat, for the history's replays in the fault
    tests (the history under test, not the model)."""

    classes = ("bench_press", "squat", "push_up", "pull_up", "lat_machine", "split_squat")

    def predict_one(self, window: np.ndarray) -> np.ndarray:
        return np.eye(6)[1] * 0.99 + 0.002


def history_and_warnings(folder: Path) -> tuple[object, list[str]]:
    """``session_history(folder)`` with :class:`SureSquat`, and the warnings it gave."""
    import warnings

    from gymlib.history import session_history

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = session_history(folder, classifier=SureSquat())
    return table, [str(w.message) for w in caught]


def dip_between_stands(clip, rep: int, share: float, stand_s: float  # noqa: ANN001 - a Clip
                       ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """A set-up dip: ``clip``'s rep number ``rep`` (0-based) taken ``share`` of its depth from
    its top (the landmarks' visibility kept), between two stands of ``stand_s`` s at its top.
    Returns (stand ``(S, 33, 4)``, dip ``(D, 33, 4)``): the frames are stand, dip, stand."""
    r = clip.reps[rep]
    top = clip.landmarks[r.start]
    moving = clip.landmarks[r.start : r.end + 1]
    dip = top + share * (moving - top)
    dip[..., 3] = moving[..., 3]
    return np.repeat(top[None], int(stand_s * clip.fps), axis=0), dip


def real_transforms():  # noqa: ANN201 - a script's module
    """``benchmarks/real_transforms.py`` (a script, not a package), loaded by its path."""
    import importlib.util
    import sys

    name = "real_transforms_under_test"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, ROOT / "benchmarks" / "real_transforms.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def real_pose(name: str) -> tuple[dict, object]:
    """(hand count json, :class:`gymlib.extract.PoseSequence`) of the real clip ``name`` of
    ``../shared/data/real_videos``: MediaPipe runs once per clip and is cached in
    ``data/interim/real_videos`` (``gymlib.benchtools.REAL_POSE_CACHE``, in the clone, ignored
    by git), so the tests that read one clip share one run. Skips when the clip is absent
    (never committed)."""
    import json

    from gymlib.benchtools import REAL_POSE_CACHE, RealClip, pose_file
    from gymlib.extract import PoseSequence

    video = SHARED_DATA / "real_videos" / f"{name}.mp4"
    if not video.is_file():
        pytest.skip(f"real clip not present at {video} (never committed; see shared/data)")
    truth = json.loads(video.with_suffix(".json").read_text())
    clip = RealClip(name, video, truth["exercise"], truth["view"], int(truth["reps"]))
    return truth, PoseSequence.load(pose_file(clip, REAL_POSE_CACHE, rerun=False)[0])


def real_source(name: str):  # noqa: ANN201 - a gymlib.clip_transforms.Source
    """The real clip ``name`` of ``../shared/data/real_videos`` with its hand-marked reps, for
    ``gymlib.clip_transforms`` (landmarks: :func:`real_pose`)."""
    from gymlib.benchtools import RealClip
    from gymlib.clip_transforms import Source

    truth, seq = real_pose(name)
    video = SHARED_DATA / "real_videos" / f"{name}.mp4"
    clip = RealClip(name, video, truth["exercise"], truth["view"], int(truth["reps"]))
    return Source(clip, seq, tuple(map(tuple, truth["rep_frames"])))
