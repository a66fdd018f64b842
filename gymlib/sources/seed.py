"""The seed's published data: its CSV windows (read, write) and their downloads (GitHub CSVs,
Kaggle videos)."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from gymlib.config import SEED_EXERCISES, default_path
from gymlib.landmarks import CSV_COLUMNS, CSV_LABEL_COLUMN, FRAME_FEATURES, WINDOW_FRAMES
from gymlib.sources.common import DataError, DownloadError, OnError, Report, labelled
from gymlib.windows import LabelledWindows

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
    data = labelled(np.array(windows).reshape(-1, WINDOW_FRAMES, FRAME_FEATURES), labels,
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
