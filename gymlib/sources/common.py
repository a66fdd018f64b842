"""What every source shares: its errors, its report of what was read and skipped, and the
windows it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from gymlib.landmarks import FRAME_FEATURES, WINDOW_FRAMES
from gymlib.windows import LabelledWindows

OnError = Literal["skip", "raise"]


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


def labelled(windows, labels, classes, source, groups) -> LabelledWindows:
    """A source's windows ``(N, 30, 132)`` with their labels, source and group per window."""
    n = len(labels)
    return LabelledWindows(
        np.asarray(windows, np.float32).reshape(n, WINDOW_FRAMES, FRAME_FEATURES),
        np.asarray(labels, np.int64), tuple(classes), np.asarray(source, dtype=str).reshape(n),
        np.asarray(groups, dtype=str).reshape(n),
    )  # fmt: skip
