"""One entry point and one vocabulary for every source: :func:`load` and :data:`SOURCES`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from gymlib.config import Config, load_config
from gymlib.datasets import load_processed
from gymlib.landmarks import WINDOW_FRAMES
from gymlib.model import OTHER
from gymlib.sources.common import OnError, Report
from gymlib.sources.generated import (
    other_windows,
    rendered_windows,
    synthetic_windows,
    view_windows,
)
from gymlib.sources.seed import KAGGLE_CLASSES, download_kaggle, download_seed, read_seed_folder
from gymlib.sources.videos import extract_folder
from gymlib.synth import (
    Depth,
)
from gymlib.timewindow import CLASSIFIER_FPS
from gymlib.windows import LabelledWindows, concat, load_real_windows, with_classes

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
    stride: int | None = None, target_fps: float | None = CLASSIFIER_FPS, workers: int = 2,
    scheduler: str | None = None, download: bool = False, on_error: OnError = "skip",
    progress: bool = False, report: Report | None = None,
) -> LabelledWindows:  # fmt: skip
    """Labelled windows from ``source`` (:data:`SOURCES`, :data:`ALIASES`, joined by ``+``).

    ``config`` (the caller's, read at its edge) gives the classes and the default paths;
    ``path`` is the source's file or folder (relative: from the project root); ``clips`` and
    ``seed`` the generated sources' size and seed; ``stride``, ``target_fps`` (samples a second
    windows are cut at, by timestamps; None: each clip's own frames), ``workers`` and
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
                                       progress=progress, cfg=cfg, target_fps=target_fps)
                        for folder in download_kaggle(path)))  # fmt: skip
    else:  # videos
        data, got = extract_folder(
            path or cfg.resolve(cfg.paths.data_raw) / "videos",
            cache_dir=cfg.resolve(cfg.paths.data_interim), workers=workers, on_error=on_error,
            classes=classes, progress=progress, stride=stride or WINDOW_FRAMES,
            target_fps=target_fps, scheduler=scheduler or cfg.pipeline.scheduler,
            min_person=cfg.live.min_person_frames,
        )  # fmt: skip
    if got is not None:
        report.read += got.read
        report.skipped += got.skipped
    return data


def _kaggle_folder(
    folder: Path, classes: tuple[str, ...], report: Report, on_error: OnError, *,
    workers: int, progress: bool, cfg: Config, target_fps: float | None,
) -> LabelledWindows:  # fmt: skip
    """Windows of one downloaded Kaggle dataset, its folders named by :data:`KAGGLE_CLASSES`."""
    data, got = extract_folder(folder, cache_dir=cfg.resolve(cfg.paths.data_interim),
                               workers=workers, on_error=on_error, classes=classes,
                               progress=progress, names=KAGGLE_CLASSES,
                               target_fps=target_fps,
                               min_person=cfg.live.min_person_frames)  # fmt: skip
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
