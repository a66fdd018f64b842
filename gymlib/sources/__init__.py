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

The package, one job a module: :mod:`~gymlib.sources.common` (errors, :class:`Report`),
:mod:`~gymlib.sources.seed` (the seed's CSVs and downloads), :mod:`~gymlib.sources.videos`
(videos through MediaPipe), :mod:`~gymlib.sources.generated` (generated and rendered windows) and
:mod:`~gymlib.sources.loading` (:func:`load` and the vocabulary). Every name imports from here.
"""

from gymlib.sources.common import DataError, DownloadError, OnError, Report
from gymlib.sources.generated import (
    other_windows,
    rendered_windows,
    synthetic_windows,
    view_windows,
)
from gymlib.sources.loading import (
    ALIASES,
    SOURCES,
    TRAINING_DATA,
    extra_windows,
    load,
    parse_source,
    training_windows,
)
from gymlib.sources.seed import (
    KAGGLE_CLASSES,
    KAGGLE_DATASETS,
    SEED_COMMIT,
    SEED_DIR,
    SEED_REPO,
    download_kaggle,
    download_seed,
    read_seed_csv,
    read_seed_folder,
    write_seed_folder,
)
from gymlib.sources.videos import EXTRACT_VERSION, VIDEO_SUFFIXES, extract_folder

__all__ = [
    "ALIASES",
    "EXTRACT_VERSION",
    "KAGGLE_CLASSES",
    "KAGGLE_DATASETS",
    "SEED_COMMIT",
    "SEED_DIR",
    "SEED_REPO",
    "SOURCES",
    "TRAINING_DATA",
    "VIDEO_SUFFIXES",
    "DataError",
    "DownloadError",
    "OnError",
    "Report",
    "download_kaggle",
    "download_seed",
    "extra_windows",
    "extract_folder",
    "load",
    "other_windows",
    "parse_source",
    "read_seed_csv",
    "read_seed_folder",
    "rendered_windows",
    "synthetic_windows",
    "training_windows",
    "view_windows",
    "write_seed_folder",
]
