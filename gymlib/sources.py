"""Where labelled windows come from: every source is a function returning the same thing.

=================  ================================================================================
``synthetic``      the generator (:func:`gymlib.training.synthetic_windows`), no download
``real_windows``   the real MediaPipe windows file (:func:`gymlib.windows.load_real_windows`)
``seed``           the seed's published CSVs (GitHub ``hannesvgel/gym_tracking`` at ``17ea75f``),
                   downloaded resumably with checksums into ``data/raw/seed/``
``kaggle``         the seed's three Kaggle video datasets via kagglehub, then ``videos``
``videos``         your clips in ``data/raw/videos/<exercise>/*.mp4|mov|avi|webm``, extracted with
                   MediaPipe in worker processes, landmarks cached per video in ``data/interim/``
=================  ================================================================================

Bad input (a CSV with the wrong shape or values, an unknown exercise folder, a corrupt video, a
video with nobody in it) is reported with the file name; ``on_error="skip"`` goes on without it,
``"raise"`` stops. :class:`Report` lists what was skipped and why.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import multiprocessing
import os
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from gymlib.config import load_config
from gymlib.datasets import cut_windows, resample
from gymlib.landmarks import CSV_COLUMNS, CSV_LABEL_COLUMN, FRAME_FEATURES, WINDOW_FRAMES
from gymlib.windows import LabelledWindows

OnError = Literal["skip", "raise"]
VIDEO_SUFFIXES = (".mp4", ".mov", ".avi", ".webm", ".mkv")
SEED_REPO = "hannesvgel/gym_tracking"
SEED_COMMIT = "17ea75f"
SEED_DIR = "data/processed/combined_DS/v3/30_frame_segments"
#: The seed's Kaggle datasets and how their folder names map to our classes.
KAGGLE_DATASETS = (
    "hasyimabdillah/workoutfitness-video",
    "philosopher0808/gym-workoutexercises-video",
    "hasyimabdillah/workoutexercises-images",
)
KAGGLE_CLASSES = {
    "bench press": "bench_press", "squat": "squat", "lat pulldown": "lat_machine",
    "pull up": "pull_up", "pull up ": "pull_up", "push up": "push_up", "push-up": "push_up",
}  # fmt: skip


class DataError(ValueError):
    """A file that is not what a source expects; the message names it."""


class DownloadError(RuntimeError):
    """A download that cannot happen here (offline, no credentials); the message says why."""


@dataclass
class Report:
    """What a source read, and what it skipped and why."""

    read: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def problem(self, path: str | Path, why: str, on_error: OnError) -> None:
        if on_error == "raise":
            raise DataError(f"{path}: {why}")
        self.skipped.append((str(path), why))


def _labelled(windows, labels, classes, source, groups) -> LabelledWindows:
    n = len(labels)
    return LabelledWindows(
        np.asarray(windows, np.float32).reshape(n, WINDOW_FRAMES, FRAME_FEATURES),
        np.asarray(labels, np.int64), tuple(classes), np.asarray(source, dtype=str).reshape(n),
        np.asarray(groups, dtype=str).reshape(n),
    )  # fmt: skip


# --------------------------------------------------------------------------------------------
# The seed's CSV layout: <root>/<exercise>/<stem>.csv, header + 30 rows x (132 + label)
# --------------------------------------------------------------------------------------------
def read_seed_csv(path: str | Path) -> np.ndarray:
    """One seed CSV -> float32 ``(30, 132)``; the trailing ``label`` column is dropped."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: cannot be read as text ({exc})") from None
    if not lines:
        raise DataError(f"{p}: the file is empty")
    header = [h.strip() for h in lines[0].split(",")]
    expected = [*CSV_COLUMNS, CSV_LABEL_COLUMN]
    if header not in (expected, list(CSV_COLUMNS)):
        raise DataError(
            f"{p}: header has {len(header)} columns; expected the seed's 133 "
            f"(x_0,y_0,z_0,vis_0,...,vis_32,label)"
        )
    rows = lines[1:]
    if len(rows) != WINDOW_FRAMES:
        raise DataError(f"{p}: {len(rows)} data rows; a window has {WINDOW_FRAMES}")
    out = np.empty((WINDOW_FRAMES, FRAME_FEATURES), np.float32)
    for i, row in enumerate(rows):
        cells = row.split(",")
        if len(cells) != len(header):
            raise DataError(f"{p}: row {i + 2} has {len(cells)} values, the header {len(header)}")
        try:
            out[i] = [float(c) for c in cells[:FRAME_FEATURES]]
        except ValueError:
            raise DataError(f"{p}: row {i + 2} holds a value that is not a number") from None
    if not np.all(np.isfinite(out)):
        raise DataError(f"{p}: NaN or infinite values")
    return out


def read_seed_folder(
    root: str | Path, *, classes: Sequence[str] | None = None, on_error: OnError = "skip",
    source: str = "seed",
) -> tuple[LabelledWindows, Report]:  # fmt: skip
    """Every ``<root>/<exercise>/*.csv`` as labelled windows; the class comes from the folder."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder of seed CSVs (<exercise>/<name>.csv)")
    classes = tuple(classes or load_config().exercises)
    report = Report()
    windows, labels, groups = [], [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name not in classes:
            report.problem(folder, f"unknown exercise folder; expected one of {list(classes)}",
                           on_error)  # fmt: skip
            continue
        for f in sorted(folder.glob("*.csv")):
            try:
                windows.append(read_seed_csv(f))
            except DataError as exc:
                report.problem(f, str(exc).split(": ", 1)[-1], on_error)
                continue
            labels.append(classes.index(folder.name))
            # the seed's stems end in the window number: strip it to group a recording's windows
            stem = f.stem.rsplit("_", 1)[0] if "_" in f.stem else f.stem
            groups.append(f"{folder.name}/{stem}")
            report.read += 1
    data = _labelled(np.array(windows).reshape(-1, WINDOW_FRAMES, FRAME_FEATURES), labels,
                     classes, [source] * len(labels), groups)  # fmt: skip
    return data, report


def write_seed_folder(data: LabelledWindows, root: str | Path, *, overwrite: bool = False) -> int:
    """Write windows in the seed's layout, one CSV per window (atomically); returns the count."""
    from gymlib.io import write_text_atomic

    root = Path(root)
    header = ",".join([*CSV_COLUMNS, CSV_LABEL_COLUMN])
    counters: dict[str, int] = {}
    for w, y, g in zip(data.windows, data.labels, data.group, strict=True):
        name = data.classes[int(y)]
        k = counters.get(g, 0)
        counters[g] = k + 1
        stem = str(g).replace("/", "_").replace(" ", "_")
        lines = [header] + [",".join(f"{v:.6g}" for v in row) + f",{int(y)}" for row in w]
        write_text_atomic(root / name / f"{stem}_{k}.csv", "\n".join(lines) + "\n",
                          overwrite=overwrite)  # fmt: skip
    return len(data)


# --------------------------------------------------------------------------------------------
# Downloads (they exist for real users; offline they fail with a clear message)
# --------------------------------------------------------------------------------------------
def _get(url: str, timeout: float = 20.0) -> bytes:
    req = urllib.request.Request(url, headers={"User-Agent": "gymcoach"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - fixed hosts
            return r.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DownloadError(
            f"cannot download {url}: {exc}. No internet here? Copy the data by hand, or use "
            "DATA_SOURCE='synthetic' or 'real_windows'"
        ) from None


def _git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 - git's id


def download_seed(
    dest: str | Path | None = None, *, progress: bool = True, limit: int | None = None
) -> Path:
    """Download the seed's 30-frame CSVs into ``dest`` (``data/raw/seed``), resumably.

    The file list and each file's git blob hash come from GitHub's tree API for commit
    ``17ea75f``; a file already present with the right hash is not fetched again, and every new
    one is checked before it is renamed into place.
    """
    from tqdm.auto import tqdm

    from gymlib.io import write_bytes_atomic

    cfg = load_config()
    dest = Path(dest) if dest is not None else cfg.resolve(cfg.paths.data_raw) / "seed"
    tree = json.loads(_get(f"https://api.github.com/repos/{SEED_REPO}/git/trees/"
                           f"{SEED_COMMIT}?recursive=1"))  # fmt: skip
    files = [t for t in tree.get("tree", []) if t.get("type") == "blob"
             and t["path"].startswith(SEED_DIR + "/") and t["path"].endswith(".csv")]  # fmt: skip
    if limit:
        files = files[:limit]
    root = dest.resolve()
    for t in tqdm(files, desc="seed CSVs", disable=not progress):
        rel = t["path"][len(SEED_DIR) + 1 :]
        target = dest / rel
        # git trees cannot hold "..", but a forged listing could: never write outside dest
        if not target.resolve().is_relative_to(root) or target.resolve() == root:
            raise DownloadError(f"{t['path']!r}: the listing names a file outside {dest}; "
                                "refused, nothing written there")  # fmt: skip
        if target.is_file() and _git_blob_sha1(target.read_bytes()) == t["sha"]:
            continue
        blob = _get(f"https://raw.githubusercontent.com/{SEED_REPO}/{SEED_COMMIT}/{t['path']}")
        if _git_blob_sha1(blob) != t["sha"]:
            raise DownloadError(f"{rel}: checksum mismatch; the download was damaged, run again")
        write_bytes_atomic(target, blob)
    return dest


def download_kaggle(dest: str | Path | None = None) -> list[Path]:
    """The seed's Kaggle video datasets via kagglehub (needs ``pip install kagglehub`` and
    Kaggle credentials); returns the dataset folders. Map them with :data:`KAGGLE_CLASSES`."""
    try:
        import kagglehub  # type: ignore[import-not-found]
    except ImportError:
        raise DownloadError(
            "the kaggle source needs kagglehub: pip install kagglehub, then set KAGGLE_USERNAME "
            "and KAGGLE_KEY (or ~/.kaggle/kaggle.json)"
        ) from None
    try:
        return [Path(kagglehub.dataset_download(d)) for d in KAGGLE_DATASETS]
    except Exception as exc:  # noqa: BLE001 - kagglehub raises many kinds
        raise DownloadError(f"kagglehub could not download the Kaggle datasets: {exc}") from None


# --------------------------------------------------------------------------------------------
# Videos: data/raw/videos/<exercise>/*.mp4 -> landmarks cached in data/interim -> windows
# --------------------------------------------------------------------------------------------
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
    target_fps: float | None = None,
    scheduler: str | None = None,
) -> tuple[LabelledWindows, Report]:
    """Windows from every ``<root>/<exercise>/<clip>`` (``stride`` < 30 overlaps them,
    ``target_fps`` resamples each clip first); ``scheduler`` runs the extraction on Dask:
    ``"local"`` starts a ``LocalCluster`` of ``workers`` processes, ``"tcp://host:8786"`` uses a
    running scheduler (default: ``pipeline.scheduler`` in config.yaml, else local processes).
    MediaPipe runs in worker processes and each video's landmarks are cached, so a re-run only
    extracts new or changed videos."""
    from tqdm.auto import tqdm

    from gymlib.extract import PoseSequence

    cfg = load_config()
    root = Path(root) if root is not None else cfg.resolve(cfg.paths.data_raw) / "videos"
    cache = Path(cache_dir) if cache_dir is not None else cfg.resolve(cfg.paths.data_interim)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: put clips in {root}/<exercise>/*.mp4 (one folder per "
                                "exercise)")  # fmt: skip
    classes = tuple(classes or cfg.exercises)
    report = Report()
    todo: list[tuple[Path, str, Path]] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name not in classes:
            report.problem(folder, f"unknown exercise folder; expected one of {list(classes)}",
                           on_error)  # fmt: skip
            continue
        for v in sorted(folder.iterdir()):
            if v.suffix.lower() in VIDEO_SUFFIXES:
                todo.append((v, folder.name, _cache_path(v, cache)))
    cache.mkdir(parents=True, exist_ok=True)
    missing = [(v, c) for v, _, c in todo if not c.is_file()]
    if missing:
        bar = tqdm(total=len(missing), desc="videos", disable=not progress)
        results = []
        scheduler = scheduler or (cfg.extra.get("pipeline") or {}).get("scheduler")
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
        for video, err in results:
            if err:
                report.problem(video, err, on_error)
    windows, labels, groups, sources = [], [], [], []
    for v, name, c in todo:
        if not c.is_file():
            continue
        seq = PoseSequence.load(c)
        lm = seq.landmarks
        dt = np.diff(seq.timestamps)
        if target_fps:
            lm = resample(lm, seq.timestamps, target_fps)
        elif len(dt) > 2 and dt.max() > 1.5 * np.median(dt):
            # a variable-rate clip (a browser recording): windows of equal time, not frames
            lm = resample(lm, seq.timestamps, seq.fps)
        w = cut_windows(lm, stride=stride)
        windows.append(w)
        labels += [classes.index(name)] * len(w)
        groups += [f"videos/{name}/{v.stem}"] * len(w)
        sources += ["videos"] * len(w)
        report.read += 1
    stacked = np.concatenate(windows) if windows else np.zeros((0, WINDOW_FRAMES, FRAME_FEATURES))
    return _labelled(stacked, labels, classes, sources, groups), report
