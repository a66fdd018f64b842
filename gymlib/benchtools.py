"""What the benchmarks share, so that they import gymlib and never each other (nor edit
``sys.path``): where the shared data lies (``paths.shared_data`` in config.yaml), the greedy
matching of found and true reps, the halves of real takes, and a test clip with a person in it.

Every benchmark runs both ways from the project root::

    .venv/bin/python -m benchmarks.reps_eval
    .venv/bin/python benchmarks/reps_eval.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from gymlib.config import Config, load_config


def shared_data(*parts: str, config: Config | None = None) -> Path:
    """A path under the shared data folder (``paths.shared_data``, ``../shared/data`` by
    default): never committed, so a benchmark that needs it says so when it is missing."""
    cfg = config or load_config()
    return cfg.resolve(cfg.paths.shared_data).joinpath(*parts)


def match(pred: list[Any], truth: list[Any]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of found and true reps (anything with ``start`` and ``end``
    frames) by overlap: each found rep takes the unmatched true rep it overlaps most, with an
    intersection over union above 0.3. Returns ``(found index, true index)`` pairs."""
    pairs: list[tuple[int, int]] = []
    for i, p in enumerate(pred):
        best, best_iou = -1, 0.3
        for j, t in enumerate(truth):
            inter = min(p.end, t.end) - max(p.start, t.start) + 1
            union = max(p.end, t.end) - min(p.start, t.start) + 1
            iou = inter / union if inter > 0 else 0.0
            if iou > best_iou and j not in {b for _, b in pairs}:
                best, best_iou = j, iou
        if best >= 0:
            pairs.append((i, best))
    return pairs


def halves(mapped: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """``(N,)`` 0 or 1: per label, the takes in order, every second one in half 1 (choose a
    threshold on one half of the real data, report on the other)."""
    half = np.zeros(len(seq), int)
    for lab in np.unique(mapped):
        for i, s in enumerate(np.unique(seq[mapped == lab])):
            half[(seq == s) & (mapped == lab)] = i % 2
    return half


def person_clip(path: Path, frames: int) -> None:
    """An mp4 of ``frames`` frames at 30 fps in which MediaPipe finds a person (scikit-image's
    astronaut photo sliding sideways)."""
    import cv2
    from skimage import data

    img = cv2.resize(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), (480, 480))
    path.parent.mkdir(parents=True, exist_ok=True)
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30, (640, 480))
    for i in range(frames):
        canvas = np.full((480, 640, 3), 235, np.uint8)
        dx = int(80 + 60 * np.sin(i / 20))
        canvas[:, dx : dx + 480] = img
        out.write(canvas)
    out.release()
