"""gymlib.benchtools and the benchmarks: they run as modules and as files, import gymlib and
never each other, and find the shared data through config.yaml."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from gymlib.benchtools import halves, match, shared_data, video_to_y4m
from gymlib.config import load_config

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = sorted((ROOT / "benchmarks").glob("*.py"))


def test_shared_data_comes_from_the_config() -> None:
    cfg = load_config()
    assert shared_data("real_videos") == cfg.resolve(cfg.paths.shared_data) / "real_videos"
    assert cfg.resolve(cfg.paths.real_windows).parent == shared_data()


def test_reps_match_one_to_one_by_overlap() -> None:
    rep = lambda a, b: SimpleNamespace(start=a, end=b)  # noqa: E731
    truth = [rep(0, 29), rep(30, 59), rep(60, 89)]
    found = [rep(2, 31), rep(5, 25), rep(61, 90), rep(200, 230)]
    # the second find overlaps the first rep too, which is taken: no pair; the last is nothing
    assert match(found, truth) == [(0, 0), (2, 2)]


def test_halves_alternate_takes_per_label() -> None:
    labels = np.array(["a", "a", "a", "b", "b", "a"])
    takes = np.array(["t1", "t1", "t2", "t3", "t4", "t3"])
    assert halves(labels, takes).tolist() == [0, 0, 1, 0, 1, 0]


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.stem)
def test_benchmarks_import_gymlib_not_each_other_nor_edit_sys_path(path: Path) -> None:
    tree = ast.parse(path.read_text())
    names = {p.stem for p in BENCHMARKS}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom | ast.Import):
            mods = [node.module or ""] if isinstance(node, ast.ImportFrom) else [
                a.name for a in node.names]  # fmt: skip
            assert not {m.split(".")[0] for m in mods} & names, f"{path.name} imports a benchmark"
        if isinstance(node, ast.Attribute) and node.attr == "path":
            call = getattr(node, "value", None)
            assert getattr(call, "id", "") != "sys", f"{path.name} edits sys.path"


@pytest.mark.parametrize("how", ["module", "file"])
def test_a_benchmark_runs_as_a_module_and_as_a_file(how: str) -> None:
    cmd = ["-m", "benchmarks.threshold_sweep"] if how == "module" else [
        "benchmarks/threshold_sweep.py"]  # fmt: skip
    run = subprocess.run([sys.executable, *cmd, "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    assert "usage" in run.stdout


def test_a_clip_becomes_the_fake_cameras_y4m_and_a_broken_one_is_named(tmp_path: Path) -> None:
    y4m = video_to_y4m(ROOT / "data" / "samples" / "squat-left.mp4", tmp_path / "cam.y4m")
    data = y4m.read_bytes()
    header, _, rest = data.partition(b"\n")
    assert header.startswith(b"YUV4MPEG2 W640 H480 F")
    frame = len(b"FRAME\n") + 640 * 480 * 3 // 2  # 4:2:0
    assert len(rest) % frame == 0 and len(rest) // frame > 30
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    with pytest.raises(ValueError, match="broken.mp4: no frames"):
        video_to_y4m(broken, tmp_path / "b.y4m")


def test_cached_landmarks_made_before_a_change_are_made_again(tmp_path: Path) -> None:
    """The benchmarks' landmark cache kept a clip's landmarks whatever made them: after a
    change to the extraction (settings or code) the figures were measured on the old ones.
    Each file now carries what made it and its own digest; another maker, no stamp, or a file
    rewritten since (an older checkout sharing the cache) means MediaPipe runs again (real
    MediaPipe on one second of the rendered squat sample)."""
    import dataclasses

    import gymlib.benchtools as bt
    from gymlib.media import VideoReader, VideoWriter

    video = tmp_path / "one.mp4"
    reader = VideoReader(ROOT / "data" / "samples" / "squat-left.mp4")
    writer = VideoWriter(video, reader.info.size, reader.info.fps)
    for bgr, t in reader:
        if t >= 1.0:
            break
        writer.write(bgr, t)
    writer.close()
    clip = bt.RealClip("one", video, "squat", "side", 0)
    cache = tmp_path / "cache"
    path, made = bt.pose_file(clip, cache, rerun=False)
    assert made > 0 and path.is_file()
    assert bt.pose_file(clip, cache, rerun=False)[1] == 0.0  # the same maker: kept
    stamp = path.with_suffix(".made")
    assert "mediapipe" in stamp.read_text(encoding="utf-8")
    shipped = load_config().extraction
    other = dataclasses.replace(shipped, min_tracking_confidence=0.7)
    assert bt.pose_file(clip, cache, rerun=False, config=other)[1] > 0  # other settings
    assert bt.pose_file(clip, cache, rerun=False, config=other)[1] == 0.0
    assert bt.pose_file(clip, cache, rerun=False)[1] > 0  # and back
    stamp.unlink()  # made before the stamps existed: made again
    assert bt.pose_file(clip, cache, rerun=False)[1] > 0
    np.savez(path, **dict(np.load(path)))  # rewritten by another checkout, stamp kept
    assert bt.pose_file(clip, cache, rerun=False)[1] > 0
    assert bt.pose_file(clip, cache, rerun=False)[1] == 0.0
