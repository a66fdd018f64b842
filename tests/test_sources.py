"""Data sources and preprocessing (issue 5): seed CSVs both ways, videos, splits, balancing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gymlib.datasets import load_processed, resample, save_processed
from gymlib.sources import (
    DataError,
    DownloadError,
    Report,
    extract_folder,
    read_seed_csv,
    read_seed_folder,
    write_seed_folder,
)
from gymlib.training import synthetic_windows
from gymlib.windows import assign_splits


@pytest.fixture(scope="module")
def windows():
    return synthetic_windows(24, seed=3)


def test_seed_csvs_round_trip(windows, tmp_path: Path) -> None:
    n = write_seed_folder(windows, tmp_path / "seed")
    assert n == len(windows)
    some = next((tmp_path / "seed" / "squat").glob("*.csv"))
    lines = some.read_text().splitlines()
    assert len(lines) == 31 and lines[0].split(",")[-1] == "label"
    assert len(lines[0].split(",")) == 133
    back, report = read_seed_folder(tmp_path / "seed")
    assert report.read == len(windows) and not report.skipped
    order = np.lexsort(windows.windows.reshape(len(windows), -1).T[:3])
    order2 = np.lexsort(back.windows.reshape(len(back), -1).T[:3])
    assert np.allclose(back.windows[order2], windows.windows[order], atol=1e-5)
    assert sorted(back.labels) == sorted(windows.labels)
    with pytest.raises(FileExistsError):
        write_seed_folder(windows, tmp_path / "seed")


def _csv(path: Path, rows: int = 30, cols: int = 133, value: str = "0.5") -> Path:
    from gymlib.landmarks import CSV_COLUMNS

    header = ",".join([*CSV_COLUMNS, "label"][:cols])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "\n".join([",".join([value] * cols)] * rows) + "\n")
    return path


@pytest.mark.parametrize(
    "kwargs,needle",
    [({"rows": 29}, "29 data rows"), ({"cols": 120}, "header has 120"),
     ({"value": "nan"}, "NaN"), ({"value": "abc"}, "not a number")],
)  # fmt: skip
def test_bad_csvs_name_the_file_and_the_problem(tmp_path: Path, kwargs, needle) -> None:
    p = _csv(tmp_path / "squat" / "bad.csv", **kwargs)
    with pytest.raises(DataError, match=needle) as err:
        read_seed_csv(p)
    assert "bad.csv" in str(err.value)


def test_a_folder_skips_or_stops_on_bad_input(tmp_path: Path) -> None:
    _csv(tmp_path / "squat" / "good_0.csv")
    _csv(tmp_path / "squat" / "short_0.csv", rows=29)
    _csv(tmp_path / "zumba" / "x_0.csv")
    data, report = read_seed_folder(tmp_path, on_error="skip")
    assert len(data) == 1 and report.read == 1
    reasons = dict(report.skipped)
    assert any("short_0.csv" in k for k in reasons) and any("zumba" in k for k in reasons)
    with pytest.raises(DataError, match="zumba|short_0"):
        read_seed_folder(tmp_path, on_error="raise")


def test_downloads_fail_clearly_offline(tmp_path: Path, monkeypatch) -> None:
    import urllib.request

    from gymlib import sources

    def offline(*_a, **_k):
        raise OSError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DownloadError, match="cannot download .*api.github.com"):
        sources.download_seed(tmp_path)
    with pytest.raises(DownloadError, match="kagglehub"):
        sources.download_kaggle(tmp_path)


def test_seed_download_checks_hashes_and_resumes(tmp_path: Path, monkeypatch) -> None:
    from gymlib import sources
    from gymlib.sources import seed

    body = tmp_path / "src.csv"
    _csv(body)
    blob = body.read_bytes()
    tree = {"tree": [{"type": "blob", "path": f"{sources.SEED_DIR}/squat/a_0.csv",
                      "sha": seed._git_blob_sha1(blob)}]}  # fmt: skip
    calls = []

    def fake_get(url: str, timeout: float = 20.0) -> bytes:
        calls.append(url)
        return json.dumps(tree).encode() if "api.github.com" in url else blob

    monkeypatch.setattr(seed, "_get", fake_get)
    dest = sources.download_seed(tmp_path / "seed", progress=False)
    assert (dest / "squat" / "a_0.csv").read_bytes() == blob
    sources.download_seed(tmp_path / "seed", progress=False)
    assert sum("raw.githubusercontent" in c for c in calls) == 1  # the second run resumed
    data, report = read_seed_folder(dest)
    assert len(data) == 1


def test_resample_to_a_target_rate() -> None:
    t = np.arange(100) / 50.0  # 2 s at 50 fps (Fit3D)
    lm = np.zeros((100, 33, 4), np.float32)
    lm[..., 0] = np.linspace(0, 1, 100)[:, None]
    lm[..., 3] = 1.0
    lm[40] = 0.0  # nobody in one frame
    out = resample(lm, t, 30.0)
    assert len(out) == 60
    x = out[:, 0, 0]
    ok = out[:, 0, 3] > 0
    assert np.allclose(np.diff(x[ok][:20]), x[1] - x[0], atol=1e-4)
    assert (~ok).sum() >= 1
    with pytest.raises(ValueError, match="increase"):
        resample(lm, t[::-1], 30.0)


def test_processed_files_round_trip_with_a_manifest(windows, tmp_path: Path) -> None:
    split = assign_splits(windows.group, validation=0.2, test=0.2)
    p = save_processed("demo", windows, split, out_dir=tmp_path, params={"seed": 42})
    manifest = json.loads((tmp_path / "demo.json").read_text())
    assert manifest["windows"] == len(windows) and sum(
        manifest["counts"]["split"].values()
    ) == len(windows)
    data, split2 = load_processed(p)
    assert np.array_equal(data.windows, windows.windows) and np.array_equal(split2, split)


def test_video_folder_reports_bad_clips_and_caches(tmp_path: Path) -> None:
    root = tmp_path / "videos"
    (root / "squat").mkdir(parents=True)
    (root / "squat" / "broken.mp4").write_bytes(b"not a video")
    (root / "yoga").mkdir()
    data, report = extract_folder(root, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert len(data) == 0
    why = dict(report.skipped)
    assert any("broken.mp4" in k for k in why) and any("yoga" in k for k in why)
    with pytest.raises(DataError, match="broken.mp4|yoga"):
        extract_folder(root, cache_dir=tmp_path / "cache", workers=1, on_error="raise",
                       progress=False)  # fmt: skip


def _person_video(path: Path, frames: int = 45, fps: int = 30, x0: int = 40) -> Path:
    """An mp4 of a real photo of a person drifting sideways a pixel a frame (MediaPipe finds
    her)."""
    import cv2
    from skimage import data

    img = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (360, 360))
    path.parent.mkdir(parents=True, exist_ok=True)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (480, 360))
    for i in range(frames):
        canvas = np.full((360, 480, 3), 235, np.uint8)
        dx = x0 + i
        canvas[:, dx : dx + 360] = img
        out.write(canvas)
    out.release()
    return path


def test_video_folder_extracts_in_workers_and_reuses_the_cache(tmp_path: Path) -> None:
    root = tmp_path / "videos"
    _person_video(root / "squat" / "a.mp4")
    _person_video(root / "push_up" / "b.mp4")
    data, report = extract_folder(root, cache_dir=tmp_path / "cache", workers=2, progress=False)
    assert report.read == 2 and not report.skipped
    assert len(data) >= 2 and set(data.source) == {"videos"}
    assert {data.classes[i] for i in data.labels} == {"squat", "push_up"}
    cached = sorted((tmp_path / "cache").glob("*.npz"))
    assert len(cached) == 2
    stamp = [c.stat().st_mtime_ns for c in cached]
    again, _ = extract_folder(root, cache_dir=tmp_path / "cache", workers=2, progress=False)
    assert [c.stat().st_mtime_ns for c in cached] == stamp  # nothing extracted twice
    assert np.array_equal(again.windows, data.windows)


def test_windows_from_a_60_fps_video_span_a_second_as_the_coachs_do(tmp_path: Path) -> None:
    """A 60-fps phone video: by default its windows are one second, 30 samples a 30th of a
    second apart (the coach's window, :mod:`gymlib.timewindow`), not half a second of frames;
    ``target_fps=None`` keeps its own frames (the seed's windowing)."""
    from gymlib.landmarks import L

    root = tmp_path / "videos"
    _person_video(root / "squat" / "a.mp4", frames=90, fps=60, x0=20)  # 1.5 s
    by_time, _ = extract_folder(root, cache_dir=tmp_path / "cache", workers=1, progress=False)
    frames, _ = extract_folder(root, cache_dir=tmp_path / "cache", workers=1, progress=False,
                               target_fps=None)  # fmt: skip
    assert len(by_time) == 1 and len(frames) == 3  # 45 samples; 90 frames
    nose_x = int(L.NOSE) * 4

    def drift(w: np.ndarray) -> float:  # pixels the nose moved across the window
        return float(w[-1, nose_x] - w[0, nose_x]) * 480

    assert drift(by_time.windows[0]) == pytest.approx(58, abs=6)  # 29 samples of 2 px
    assert drift(frames.windows[0]) == pytest.approx(29, abs=6)  # 29 frames of 1 px


def test_windows_the_coach_would_not_classify_are_not_training_windows() -> None:
    """A clip with 3 s of nobody (a freeze, the person out of the picture) at 30 fps: by default
    no window with a person in fewer than 20 of its samples (live.min_person_frames) is kept,
    and the rest are the seed's windows of its frames; its own frames keep the empty ones."""
    from gymlib.extract import PoseSequence
    from gymlib.sources.videos import _clip_windows

    lm = np.random.default_rng(12).random((300, 33, 4)).astype(np.float32) + 0.01
    lm[120:210] = 0.0
    seq = PoseSequence(landmarks=lm, timestamps=7 + np.arange(300) / 30, fps=30.0,
                       detected=np.any(lm != 0, axis=(1, 2)), image_size=(640, 480))  # fmt: skip
    by_time = _clip_windows(seq, 30, 30.0, min_person=20)
    frames = _clip_windows(seq, 30, None, min_person=20)
    assert len(frames) == 10 and len(by_time) == 7  # windows 4-6 show nobody
    shown = [k for k in range(10) if (lm[30 * k : 30 * k + 30] != 0).any(axis=(1, 2)).sum() >= 20]
    np.testing.assert_array_equal(by_time, frames[shown])
    for part, want in ((slice(0, 25), 1), (slice(125, 150), 0)):  # under a second: the tail
        short = PoseSequence(landmarks=lm[part], timestamps=np.arange(25) / 30, fps=30.0,
                             detected=seq.detected[part], image_size=(640, 480))  # fmt: skip
        got = _clip_windows(short, 30, 30.0, min_person=20)
        assert len(got) == want and len(_clip_windows(short, 30, None, min_person=20)) == 1
        if want:  # stretched to 30 as the seed stretches it
            np.testing.assert_array_equal(got, _clip_windows(short, 30, None, min_person=20))


def test_recorded_clips_get_fresh_names_and_are_never_overwritten(tmp_path: Path) -> None:
    from gymlib.widgets.recorder import clip_path, save_clip

    a = save_clip(b"webm-bytes-1", "squat", tmp_path)
    b = save_clip(b"webm-bytes-2", "squat", tmp_path)
    assert a != b and a.read_bytes() == b"webm-bytes-1" and b.read_bytes() == b"webm-bytes-2"
    assert a.parent == tmp_path / "squat"
    with pytest.raises(ValueError, match="empty"):
        save_clip(b"", "squat", tmp_path)
    with pytest.raises(ValueError, match="exercise"):
        clip_path("zumba", tmp_path)


def test_a_video_with_nobody_in_it_is_reported(tmp_path: Path) -> None:
    import cv2

    root = tmp_path / "videos"
    (root / "squat").mkdir(parents=True)
    out = cv2.VideoWriter(str(root / "squat" / "empty_room.mp4"),
                          cv2.VideoWriter_fourcc(*"mp4v"), 30, (320, 240))  # fmt: skip
    for _ in range(20):
        out.write(np.full((240, 320, 3), 200, np.uint8))
    out.release()
    data, report = extract_folder(root, cache_dir=tmp_path / "cache", workers=1, progress=False)
    assert len(data) == 0
    assert report.skipped == [(str(root / "squat" / "empty_room.mp4"),
                               "nobody was detected in any frame")]  # fmt: skip


def test_dask_extraction_matches_the_serial_path(tmp_path: Path) -> None:
    root = tmp_path / "videos"
    _person_video(root / "squat" / "a.mp4")
    _person_video(root / "squat" / "b.mp4", frames=35)
    serial, _ = extract_folder(root, cache_dir=tmp_path / "c1", workers=1, progress=False)
    dask, report = extract_folder(root, cache_dir=tmp_path / "c2", workers=2, scheduler="local",
                                  progress=False)  # fmt: skip
    assert report.read == 2 and not report.skipped
    assert np.array_equal(dask.windows, serial.windows)
    with pytest.raises(DataError, match="Dask scheduler at tcp://127.0.0.1:9"):
        extract_folder(root, cache_dir=tmp_path / "c3", scheduler="tcp://127.0.0.1:9",
                       progress=False)  # fmt: skip


def test_fresh_paths_never_reuse_a_name(tmp_path: Path) -> None:
    from gymlib.io import fresh_path

    a = fresh_path(tmp_path, "session", ".npz")
    a.write_bytes(b"1")
    b = fresh_path(tmp_path, "session", ".npz")
    assert b != a and b.name.startswith("session-") and b.suffix == ".npz"


def test_one_load_and_one_vocabulary_for_every_source(windows, tmp_path: Path) -> None:
    """gymlib.sources.load: notebooks 01-03, the pipeline and the benchmarks say the same words;
    the older ones (notebook 03's real, both, processed:PATH) keep working."""
    from gymlib.config import load_config
    from gymlib.model import OTHER
    from gymlib.sources import SOURCES, load, parse_source

    cfg = load_config()
    assert set(SOURCES) >= {"synthetic", "views", "other", "rendered", "real_windows", "seed",
                            "kaggle", "videos", "processed"}  # fmt: skip
    assert parse_source("both") == [("real_windows", None), ("synthetic", None)]
    assert parse_source("real") == [("real_windows", None)]
    same = load("synthetic", config=cfg, clips=24, seed=3)
    assert np.array_equal(same.windows, windows.windows) and list(same.group) == list(
        windows.group
    )
    joined = load("synthetic+other", config=cfg, clips=6, seed=1)
    assert joined.classes == (*cfg.exercises, OTHER)
    assert set(joined.source) == {"synthetic", "synthetic_other"}
    split = assign_splits(windows.group, validation=0.2, test=0.2, seed=0)
    path = save_processed("demo", windows, split, out_dir=tmp_path)
    for loaded in (load(f"processed:{path}", config=cfg), load("processed", path=path)):
        assert len(loaded) == len(windows) and np.array_equal(loaded.split, split)
        assert np.array_equal(loaded.subset(np.arange(5)).split, split[:5])
    write_seed_folder(windows, tmp_path / "seed")
    report = Report()
    seed = load("seed", config=cfg, path=tmp_path / "seed", report=report)
    assert len(seed) == len(windows) == report.read and not report.skipped
    with pytest.raises(ValueError, match=r"unknown source 'synthtic' in 'synthtic\+seed'"):
        load("synthtic+seed", config=cfg)
    with pytest.raises(ValueError, match="rendered source needs path"):
        load("rendered", config=cfg)
