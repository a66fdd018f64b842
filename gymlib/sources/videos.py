"""Videos -> windows: ``data/raw/videos/<exercise>/*.mp4`` through MediaPipe in worker
processes, landmarks cached per video in ``data/interim/``."""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import multiprocessing
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from gymlib.config import SEED_EXERCISES, default_path, load_config
from gymlib.datasets import cut_windows, resample
from gymlib.extract import PoseSequence
from gymlib.landmarks import FRAME_FEATURES, WINDOW_FRAMES
from gymlib.live_config import LiveConfig
from gymlib.sources.common import DataError, OnError, Report, labelled
from gymlib.timewindow import CLASSIFIER_FPS, coach_windows, even_rate
from gymlib.windows import LabelledWindows

#: the video files taken (training folders; ``analyze`` names them in a folder given as its
#: video): phones', camcorders' (AVCHD .mts, .mpg/.vob), webcams' (.mjpeg), broadcast (.ts),
#: Windows (.wmv/.asf), Flash (.flv) and Ogg (.ogv) ones: the endings FFmpeg reads, as analyze
VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".webm", ".mkv", ".m4v", ".3gp", ".mts", ".m2ts",
                  ".mpg", ".mjpeg", ".mjpg", ".ts", ".mpeg", ".wmv", ".asf", ".flv", ".f4v",
                  ".ogv", ".vob", ".m2v")  # fmt: skip


#: bumped when extraction changes what it gives for the same file (2: upright phone clips and
#: container timestamps), so landmarks cached by an older version are not reused
EXTRACT_VERSION = 2


def _cache_path(video: Path, cache_dir: Path) -> Path:
    st = video.stat()
    key = hashlib.sha1(
        f"{video.resolve()}|{st.st_size}|{st.st_mtime_ns}|v{EXTRACT_VERSION}".encode()
    ).hexdigest()
    return cache_dir / f"{video.stem}.{key[:12]}.npz"


def _extract_one(video: str, cache: str) -> tuple[str, str | None]:
    """Worker: extract one video into its cache file; returns (video, error or None)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GLOG_minloglevel", "2")
    from gymlib.extract import VideoReadError, extract_video

    try:
        seq = extract_video(video, progress=False)
    except VideoReadError as exc:
        return video, str(exc)
    if not seq.detected.any():
        return video, "nobody was detected in any frame"
    seq.save(cache)
    return video, None


def _extract_on_dask(
    missing: list[tuple[Path, Path]], scheduler: str, workers: int, bar: object
) -> list[tuple[str, str | None]]:
    """Extract on a Dask cluster: a local one (``"local"``) or a running scheduler's address.
    The cache paths must be reachable from the workers (a shared disk past one machine)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - pinned in pyproject
        raise DataError(
            "the Dask scheduler needs dask[distributed]: pip install distributed"
        ) from None
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=max(workers, 1), threads_per_worker=1, processes=True,
                               dashboard_address=None)  # fmt: skip
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=10)
        except OSError as exc:
            raise DataError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    results = []
    try:
        futs = [client.submit(_extract_one, str(v), str(c), pure=False) for v, c in missing]
        for fut in as_completed(futs):
            try:
                results.append(fut.result())
            except Exception as exc:  # noqa: BLE001 - a worker died on one video: report it
                results.append(("?", f"a Dask worker failed: {exc}"))
            bar.update(1)  # type: ignore[attr-defined]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return results


def extract_folder(
    root: str | Path | None = None,
    *,
    cache_dir: str | Path | None = None,
    workers: int = 2,
    on_error: OnError = "skip",
    classes: Sequence[str] | None = None,
    progress: bool = True,
    stride: int = WINDOW_FRAMES,
    target_fps: float | None = CLASSIFIER_FPS,
    scheduler: str | None = None,
    names: dict[str, str] | None = None,
    min_person: int = LiveConfig.min_person_frames,
) -> tuple[LabelledWindows, Report]:
    """Windows from every ``<root>/<exercise>/<clip>`` (``names`` maps other folder names, lower
    case, to exercises, as :data:`KAGGLE_CLASSES`; ``stride`` < 30 overlaps them). By default
    (``target_fps`` the coach's 30) the windows are those the coach reads, one second as 30
    samples from a 15- or a 60-fps phone alike, without those showing a person in fewer than
    ``min_person`` samples (config's ``live.min_person_frames``: the coach classifies no
    such window); None keeps the clip's own frames, as the seed cut them. ``scheduler`` runs
    the extraction on Dask: ``"local"`` starts a ``LocalCluster`` of ``workers`` processes,
    ``"tcp://host:8786"`` uses a running scheduler (default: ``pipeline.scheduler`` in
    config.yaml, else local processes). MediaPipe runs in worker processes and each video's
    landmarks are cached, so a re-run only extracts new or changed videos."""
    root = Path(root) if root is not None else default_path("data_raw") / "videos"
    cache = Path(cache_dir) if cache_dir is not None else default_path("data_interim")
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: put clips in {root}/<exercise>/*.mp4 (one folder per "
                                "exercise)")  # fmt: skip
    classes = tuple(classes or SEED_EXERCISES)
    report = Report()
    todo = _clips(root, classes, names or {}, cache, report, on_error)
    cache.mkdir(parents=True, exist_ok=True)
    missing = [(v, c) for v, _, c in todo if not c.is_file()]
    if missing:
        scheduler = scheduler or load_config().pipeline.scheduler
        for video, err in _extract_all(missing, scheduler, workers, progress):
            if err:
                report.problem(video, err, on_error)
    windows, labels, groups, sources = [], [], [], []
    for v, name, c in todo:
        if not c.is_file():
            continue
        w = _clip_windows(PoseSequence.load(c), stride, target_fps, min_person)
        windows.append(w)
        labels += [classes.index(name)] * len(w)
        groups += [f"videos/{name}/{v.stem}"] * len(w)
        sources += ["videos"] * len(w)
        report.read += 1
    stacked = np.concatenate(windows) if windows else np.zeros((0, WINDOW_FRAMES, FRAME_FEATURES))
    return labelled(stacked, labels, classes, sources, groups), report


def _clips(root: Path, classes: tuple[str, ...], names: dict[str, str], cache: Path,
           report: Report, on_error: OnError) -> list[tuple[Path, str, Path]]:  # fmt: skip
    """``(video, exercise, cache file)`` of every clip under ``root/<exercise>/``; a folder that
    names no exercise of ``classes`` is a problem for ``report``."""
    todo: list[tuple[Path, str, Path]] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        name = names.get(folder.name.lower(), folder.name)
        if name not in classes:
            report.problem(folder, f"unknown exercise folder; expected one of {list(classes)}",
                           on_error)  # fmt: skip
            continue
        for v in sorted(folder.iterdir()):
            if v.suffix.lower() in VIDEO_SUFFIXES:
                todo.append((v, name, _cache_path(v, cache)))
    return todo


def _extract_all(missing: list[tuple[Path, Path]], scheduler: str | None, workers: int,
                 progress: bool) -> list[tuple[str, str | None]]:  # fmt: skip
    """Extract every ``(video, cache file)``: on Dask, in this process or in worker processes;
    ``(video, error or None)`` each."""
    bar = tqdm(total=len(missing), desc="videos", disable=not progress)
    results = []
    if scheduler:
        results = _extract_on_dask(missing, scheduler, workers, bar)
    elif workers <= 1:
        for v, c in missing:
            results.append(_extract_one(str(v), str(c)))
            bar.update(1)
    else:
        # spawn, not fork: a fork of a process that already ran MediaPipe crashes
        ctx = multiprocessing.get_context("spawn")
        with cf.ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            futs = [pool.submit(_extract_one, str(v), str(c)) for v, c in missing]
            for fut in cf.as_completed(futs):
                results.append(fut.result())
                bar.update(1)
    bar.close()
    return results


def _clip_windows(seq: PoseSequence, stride: int, target_fps: float | None,
                  min_person: int) -> np.ndarray:  # fmt: skip
    """A clip's windows ``(N, 30, 132)``. At the coach's rate: the windows the coach reads
    (:func:`gymlib.timewindow.coach_windows`), without those it would not classify (fewer than
    ``min_person`` samples with a person: a freeze, an empty room), and, as the seed, a last
    20-29 samples stretched to a window. At another ``target_fps``: the clip sampled at it,
    cut as the seed. None: its own frames, cut as the seed (evened out by time if they come
    unevenly)."""
    if target_fps == CLASSIFIER_FPS:
        windows, ends = coach_windows(seq.timestamps, seq.landmarks, every=stride)
        flat = windows.reshape(len(windows), WINDOW_FRAMES, FRAME_FEATURES)
        rest = seq.timestamps[ends[-1] + 1 :] if len(ends) else seq.timestamps
        if stride == WINDOW_FRAMES and len(rest):
            tail = cut_windows(resample(seq.landmarks[-len(rest) :], rest, CLASSIFIER_FPS))
            flat = np.concatenate([flat, tail])
        keep = np.any(flat != 0, axis=2).sum(axis=1) >= min_person
        return flat[keep].astype(np.float32)
    if target_fps:
        lm = resample(seq.landmarks, seq.timestamps, target_fps)
    else:
        lm, _ = even_rate(seq.timestamps, seq.landmarks, seq.fps)
    return cut_windows(lm, stride=stride)
