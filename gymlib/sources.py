"""Where labelled windows come from: every source is a function returning the same thing.

=================  ================================================================================
``synthetic``      the generator (:func:`synthetic_windows`), no download
``views``          generated clips from every camera angle (:func:`view_windows`)
``other``          generated non-exercise movement and idle stretches (:func:`other_windows`)
``rendered``       rendered clips seen by MediaPipe (:func:`rendered_windows`), ``path`` the folder
``real_windows``   the real MediaPipe windows file (:func:`gymlib.windows.load_real_windows`)
``seed``           the seed's published CSVs (GitHub ``hannesvgel/gym_tracking`` at ``17ea75f``),
                   downloaded resumably with checksums into ``data/raw/seed/``
``kaggle``         the seed's three Kaggle video datasets via kagglehub, then ``videos``
``videos``         your clips in ``data/raw/videos/<exercise>/*.mp4|mov|avi|webm``, extracted with
                   MediaPipe in worker processes, landmarks cached per video in ``data/interim/``
``processed``      a file notebook 02 wrote, with its split (``processed:PATH``)
=================  ================================================================================

:func:`load` takes any of these names (and notebook 03's older ``real`` and ``both``), joined by
``+``, and returns :class:`gymlib.windows.LabelledWindows`::

    data = load("real_windows+synthetic", config=cfg, clips=240, seed=42)

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
from tqdm.auto import tqdm

from gymlib.config import SEED_EXERCISES, Config, default_path, load_config
from gymlib.datasets import cut_windows, load_processed, resample
from gymlib.extract import PoseSequence, extract_video
from gymlib.landmarks import CSV_COLUMNS, CSV_LABEL_COLUMN, FRAME_FEATURES, WINDOW_FRAMES
from gymlib.model import OTHER
from gymlib.render import load_truth
from gymlib.synth import (
    EXERCISES,
    OTHER_KINDS,
    VIEWS,
    Depth,
    generate_clip,
    generate_dataset,
    generate_other,
)
from gymlib.windows import LabelledWindows, concat, from_parts, load_real_windows, with_classes

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
    classes = tuple(classes or SEED_EXERCISES)
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
    from gymlib.io import write_bytes_atomic

    dest = Path(dest) if dest is not None else default_path("data_raw") / "seed"
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
    names: dict[str, str] | None = None,
) -> tuple[LabelledWindows, Report]:
    """Windows from every ``<root>/<exercise>/<clip>`` (``names`` maps other folder names, lower
    case, to exercises, as :data:`KAGGLE_CLASSES`; ``stride`` < 30 overlaps them,
    ``target_fps`` resamples each clip first); ``scheduler`` runs the extraction on Dask:
    ``"local"`` starts a ``LocalCluster`` of ``workers`` processes, ``"tcp://host:8786"`` uses a
    running scheduler (default: ``pipeline.scheduler`` in config.yaml, else local processes).
    MediaPipe runs in worker processes and each video's landmarks are cached, so a re-run only
    extracts new or changed videos."""
    root = Path(root) if root is not None else default_path("data_raw") / "videos"
    cache = Path(cache_dir) if cache_dir is not None else default_path("data_interim")
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: put clips in {root}/<exercise>/*.mp4 (one folder per "
                                "exercise)")  # fmt: skip
    classes = tuple(classes or SEED_EXERCISES)
    report = Report()
    todo: list[tuple[Path, str, Path]] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        name = (names or {}).get(folder.name.lower(), folder.name)
        if name not in classes:
            report.problem(folder, f"unknown exercise folder; expected one of {list(classes)}",
                           on_error)  # fmt: skip
            continue
        for v in sorted(folder.iterdir()):
            if v.suffix.lower() in VIDEO_SUFFIXES:
                todo.append((v, name, _cache_path(v, cache)))
    cache.mkdir(parents=True, exist_ok=True)
    missing = [(v, c) for v, _, c in todo if not c.is_file()]
    if missing:
        bar = tqdm(total=len(missing), desc="videos", disable=not progress)
        results = []
        scheduler = scheduler or load_config().pipeline.scheduler
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


# --------------------------------------------------------------------------------------------
# Generated and rendered windows (no download)
# --------------------------------------------------------------------------------------------
def synthetic_windows(
    n_clips: int, *, seed: int, classes: Sequence[str] | None = None, depth: Depth = "true"
) -> LabelledWindows:
    """Labelled windows cut from the generator's sets (from the first rep to the last).

    ``source`` is ``"synthetic"`` and ``group`` names the clip, so group splits keep a clip whole.
    ``depth`` is the generator's z (:data:`gymlib.synth.DEPTHS`), as for the two below.
    """

    classes = tuple(classes or SEED_EXERCISES)
    parts = [
        (cut_windows(clip.landmarks[clip.reps[0].start : clip.reps[-1].end + 1]),
         classes.index(clip.exercise), f"synthetic/{seed}/{i}")
        for i, clip in enumerate(generate_dataset(n_clips, seed=seed, size="small", depth=depth))
        if clip.reps and clip.exercise in classes
    ]  # fmt: skip
    return from_parts(parts, classes, "synthetic")


def view_windows(
    n_clips: int,
    *,
    seed: int,
    classes: Sequence[str] | None = None,
    depth: Depth = "true",
    progress: bool = False,
) -> LabelledWindows:
    """Rep windows of generated clips in every view (front, back, sides, 45 degrees), with the
    camera at any height (a fifth high, a fifth low), any picture shape, mirrored or not."""

    classes = tuple(classes or SEED_EXERCISES)
    rng = np.random.default_rng([seed, 31])
    views = tuple(VIEWS)
    parts = []
    for i in tqdm(range(n_clips), desc="generated clips, every view", disable=not progress):
        ex = EXERCISES[i % len(EXERCISES)]
        if ex not in classes:
            continue
        r = rng.random()
        height = rng.uniform(1.1, 1.6) if r < 0.2 else rng.uniform(0.0, 0.2) if r < 0.4 else None
        clip = generate_clip(ex, int(rng.integers(2, 7)), seed=int(rng.integers(0, 2**31)),
                             view=views[(i // len(EXERCISES)) % len(views)], idle=False,
                             error_rate=0.25, camera_height=height, depth=depth)  # fmt: skip
        w = cut_windows(clip.landmarks[clip.reps[0].start : clip.reps[-1].end + 1])
        parts.append((w, classes.index(ex), f"views/{seed}/{i}"))
    return from_parts(parts, classes, "synthetic_views")


def other_windows(
    n_clips: int,
    *,
    seed: int,
    classes: Sequence[str],
    depth: Depth = "true",
    progress: bool = False,
) -> LabelledWindows:
    """Windows of what is none of the exercises, labelled :data:`gymlib.model.OTHER` (which
    ``classes`` must hold): the generator's other movements (standing, walking, fidgeting,
    lunges, jumping jacks, arm circles) and the idle parts of exercise sessions."""

    classes = tuple(classes)
    if OTHER not in classes:
        raise ValueError(f"classes must include {OTHER!r} for other_windows, got {classes}")
    label = classes.index(OTHER)
    rng = np.random.default_rng([seed, 37])
    views = tuple(VIEWS)
    parts = []
    n_moves = 0
    for i in tqdm(range(n_clips), desc="generated non-exercise clips", disable=not progress):
        s = int(rng.integers(0, 2**31))
        if i % 3 == 2:  # the idle parts of a session: walking in, standing, setting up, resting
            clip = generate_clip(EXERCISES[(i // 3) % len(EXERCISES)], 2, seed=s, depth=depth)
            pieces = [clip.landmarks[a:b] for a, b, _ in clip.idle if b - a >= 30]
        else:  # every kind in turn
            kind = OTHER_KINDS[n_moves % len(OTHER_KINDS)]
            n_moves += 1
            clip = generate_other(kind, float(rng.uniform(4, 10)), seed=s,
                                  view=views[int(rng.integers(len(views)))],
                                  depth=depth)  # fmt: skip
            pieces = [clip.landmarks]
        parts += [(cut_windows(piece), label, f"other/{seed}/{i}") for piece in pieces]
    return from_parts(parts, classes, "synthetic_other")


def rendered_windows(
    folder: str | Path, *, classes: Sequence[str], stride: int = 10, progress: bool = True
) -> LabelledWindows:
    """Windows of rendered clips (``python -m gymlib.render --training N``) as real MediaPipe
    sees them, so the model learns MediaPipe's own habits on unusual views (e.g. the elbows drawn
    narrower from the front at the lat machine) and not only the generator's joints.

    Each ``<name>.mp4`` with its ``<name>.json`` truth is run through MediaPipe once; the
    landmarks are kept beside it as ``<name>.pose.npz`` and reused (until the clip is rendered
    again). Windows (``stride`` frames
    apart) from the first rep's start to the last rep's end carry the exercise; idle stretches of
    30 frames or more carry :data:`gymlib.model.OTHER` when ``classes`` has it. Windows in which
    MediaPipe found nobody in most frames (a camera on the floor, say) teach nothing and are left
    out. ``source`` is ``"rendered"`` and ``group`` names the clip.
    """

    folder = Path(folder)
    truths = sorted(p for p in folder.glob("*.json") if p.with_suffix(".mp4").is_file())
    if not truths:
        raise FileNotFoundError(
            f"{folder}: no rendered clips (<name>.mp4 with <name>.json); make them with "
            f"`python -m gymlib.render --training N --out {folder}`"
        )
    classes = tuple(classes)
    parts = []

    def windows(frames: np.ndarray) -> np.ndarray:
        w = cut_windows(frames, stride=stride)
        person = np.abs(w).reshape(len(w), w.shape[1], -1).max(-1) > 0  # (n, 30)
        return w[person.mean(1) >= 0.5]

    for truth_path in tqdm(truths, desc="rendered clips", unit="clip", disable=not progress):
        truth, _ = load_truth(truth_path)
        if truth["exercise"] not in classes:
            continue
        video, pose_path = truth_path.with_suffix(".mp4"), truth_path.with_suffix(".pose.npz")
        # the kept landmarks count only if made after the video (a re-rendered clip is re-run)
        if pose_path.is_file() and pose_path.stat().st_mtime_ns >= video.stat().st_mtime_ns:
            seq = PoseSequence.load(pose_path)
        else:
            seq = extract_video(video, progress=False)
            seq.save(pose_path)
        group = f"rendered/{truth_path.stem}"
        reps = truth["reps"]
        if reps:
            span = seq.landmarks[reps[0]["start"] : reps[-1]["end"] + 1]
            parts.append((windows(span), classes.index(truth["exercise"]), group))
        if OTHER in classes:
            parts += [
                (windows(seq.landmarks[i["start"] : i["end"]]), classes.index(OTHER), group)
                for i in truth["idle"] if i["end"] - i["start"] >= 30
            ]  # fmt: skip
    return from_parts(parts, classes, "rendered")


# --------------------------------------------------------------------------------------------
# One entry point and one vocabulary for every source
# --------------------------------------------------------------------------------------------
#: The sources of labelled windows by name: notebooks 01-03, gymlib.pipeline and the benchmarks
#: say the same words. Join several with "+" (``"real_windows+synthetic"``).
SOURCES: tuple[str, ...] = (
    "synthetic", "views", "other", "rendered", "real_windows", "seed", "kaggle", "videos",
    "processed",
)  # fmt: skip
#: Older words that keep working: notebook 03's ``DATA`` and the windows' own source labels;
#: ``processed:PATH`` is ``processed`` with ``path=PATH``.
ALIASES: dict[str, str] = {
    "real": "real_windows", "real windows": "real_windows", "both": "real_windows+synthetic",
    "synthetic_views": "views", "synthetic_other": "other",
}  # fmt: skip
#: Notebook 03's kinds of training data (``DATA``): any of :data:`SOURCES` and :data:`ALIASES`.
TRAINING_DATA: tuple[str, ...] = ("real", "synthetic", "both", "processed:PATH")


def parse_source(source: str) -> list[tuple[str, str | None]]:
    """``source`` as ``(name, path)`` parts, aliases resolved; a ValueError names the word."""
    parts: list[tuple[str, str | None]] = []
    for word in ALIASES.get(source.strip(), source).split("+"):
        word = ALIASES.get(word.strip(), word.strip())
        name, _, path = word.partition(":")
        if "+" in name:
            parts += parse_source(name)
            continue
        if name not in SOURCES:
            raise ValueError(f"unknown source {word!r} in {source!r}; use one of {list(SOURCES)}, "
                             f"{sorted(ALIASES)} or processed:PATH, joined by '+'")  # fmt: skip
        parts.append((name, path or None))
    return parts


def load(
    source: str, *, config: Config | None = None, classes: Sequence[str] | None = None,
    path: str | Path | None = None, clips: int = 120, seed: int = 42, depth: Depth = "true",
    stride: int | None = None, target_fps: float | None = None, workers: int = 2,
    scheduler: str | None = None, download: bool = False, on_error: OnError = "skip",
    progress: bool = False, report: Report | None = None,
) -> LabelledWindows:  # fmt: skip
    """Labelled windows from ``source`` (:data:`SOURCES`, :data:`ALIASES`, joined by ``+``).

    ``config`` (the caller's, read at its edge) gives the classes and the default paths;
    ``path`` is the source's file or folder (relative: from the project root); ``clips`` and
    ``seed`` the generated sources' size and seed; ``stride``, ``target_fps``, ``workers`` and
    ``scheduler`` the video extraction; ``download`` fetches the seed's CSVs first. ``report``,
    when given, gathers what the file sources read and skipped. A ``processed`` file brings
    its split along (:attr:`LabelledWindows.split`).
    """
    cfg = config or load_config()
    classes = tuple(classes or cfg.exercises)
    report = report if report is not None else Report()
    parts = []
    for name, inline in parse_source(source):
        where = inline or path
        p = cfg.resolve(Path(where)) if where else None
        parts.append(_load_one(name, p, cfg, classes, report, clips=clips, seed=seed,
                               depth=depth, stride=stride, target_fps=target_fps,
                               workers=workers, scheduler=scheduler, download=download,
                               on_error=on_error, progress=progress))  # fmt: skip
    union = tuple(dict.fromkeys(c for part in parts for c in part.classes))
    return concat(*(with_classes(part, union) for part in parts)) if len(parts) > 1 else parts[0]


def _load_one(
    name: str, path: Path | None, cfg: Config, classes: tuple[str, ...], report: Report, *,
    clips: int, seed: int, depth: Depth, stride: int | None, target_fps: float | None,
    workers: int, scheduler: str | None, download: bool, on_error: OnError, progress: bool,
) -> LabelledWindows:  # fmt: skip
    """One source of :func:`load`."""
    got: Report | None = None
    if name == "synthetic":
        return synthetic_windows(clips, seed=seed, classes=classes, depth=depth)
    if name == "views":
        return view_windows(clips, seed=seed, classes=classes, depth=depth, progress=progress)
    if name == "other":
        with_other = classes if OTHER in classes else (*classes, OTHER)
        return other_windows(clips, seed=seed, classes=with_other, depth=depth,
                             progress=progress)  # fmt: skip
    if name == "rendered":
        if path is None:
            raise ValueError("the rendered source needs path=<folder of rendered clips>")
        return rendered_windows(path, classes=classes, stride=stride or 10, progress=progress)
    if name == "real_windows":
        return load_real_windows(path or cfg.resolve(cfg.paths.real_windows), classes=classes)
    if name == "processed":
        if path is None:
            raise ValueError("the processed source needs a file: processed:PATH or path=PATH")
        data, split = load_processed(path)
        data.split = split
        return data
    if name == "seed":
        folder = path or cfg.resolve(cfg.paths.data_raw) / "seed"
        if download:
            download_seed(folder, progress=progress)
        data, got = read_seed_folder(folder, classes=classes, on_error=on_error)
    elif name == "kaggle":
        data = concat(*(_kaggle_folder(folder, classes, report, on_error, workers=workers,
                                       progress=progress, cfg=cfg)
                        for folder in download_kaggle(path)))  # fmt: skip
    else:  # videos
        data, got = extract_folder(
            path or cfg.resolve(cfg.paths.data_raw) / "videos",
            cache_dir=cfg.resolve(cfg.paths.data_interim), workers=workers, on_error=on_error,
            classes=classes, progress=progress, stride=stride or WINDOW_FRAMES,
            target_fps=target_fps, scheduler=scheduler or cfg.pipeline.scheduler,
        )  # fmt: skip
    if got is not None:
        report.read += got.read
        report.skipped += got.skipped
    return data


def _kaggle_folder(
    folder: Path, classes: tuple[str, ...], report: Report, on_error: OnError, *,
    workers: int, progress: bool, cfg: Config,
) -> LabelledWindows:  # fmt: skip
    """Windows of one downloaded Kaggle dataset, its folders named by :data:`KAGGLE_CLASSES`."""
    data, got = extract_folder(folder, cache_dir=cfg.resolve(cfg.paths.data_interim),
                               workers=workers, on_error=on_error, classes=classes,
                               progress=progress, names=KAGGLE_CLASSES)  # fmt: skip
    report.read += got.read
    report.skipped += got.skipped
    return data


def training_windows(
    data: str,
    *,
    config: Config,
    seed: int,
    real_path: str | Path | None = None,
    synth_clips: int = 240,
    depth: Depth = "true",
    max_windows: int = 0,
) -> tuple[LabelledWindows, np.ndarray | None]:
    """Notebook 03's windows: :func:`load` of ``data`` (:data:`TRAINING_DATA`; the real windows
    from ``real_path``, else the config's; ``synth_clips`` generated clips), ``max_windows`` of
    them at most (a seeded random subset). Returns the windows and the split made before (a
    notebook-02 file's) or None."""
    out = load(data, config=config, classes=config.exercises, seed=seed, clips=synth_clips,
               depth=depth, path=real_path if real_path else None)  # fmt: skip
    if max_windows and len(out) > max_windows:
        keep = np.sort(np.random.default_rng(seed).choice(len(out), max_windows, replace=False))
        out = out.subset(keep)
    return out, (out.split if len(out.split) == len(out) else None)


def extra_windows(
    *,
    view_clips: int,
    other_clips: int,
    rendered: str | Path | None,
    seed: int,
    classes: Sequence[str],
    depth: Depth = "true",
    progress: bool = True,
) -> LabelledWindows | None:
    """Notebook 03's extra training windows, each part with its own seed offset from ``seed``:
    :func:`view_windows` (``view_clips``), :func:`other_windows` (``other_clips``, which needs
    :data:`gymlib.model.OTHER` in ``classes``) and :func:`rendered_windows` (the folder
    ``rendered``), with the generator's ``depth``; None when all three are off."""
    parts = []
    if view_clips:
        parts.append(view_windows(view_clips, seed=seed + 7, classes=classes, depth=depth,
                                  progress=progress))  # fmt: skip
    if other_clips:
        parts.append(other_windows(other_clips, seed=seed + 11, classes=classes, depth=depth,
                                   progress=progress))  # fmt: skip
    if rendered:
        parts.append(rendered_windows(rendered, classes=classes, progress=progress))
    return concat(*parts) if parts else None
