"""Record labelled clips of yourself for training, in notebook 01 (ipywebrtc, as the design asks).

    ClipRecorder()   # camera preview, exercise picker, record/stop, save

Clips go to ``data/raw/videos/<exercise>/<exercise>-<UTC time>.webm``; a name is never reused,
so nothing recorded is overwritten. The ``videos`` source (``gymlib.sources.extract_folder``)
picks them up.
"""

from __future__ import annotations

from itertools import count
from pathlib import Path

import ipywidgets as W

from gymlib.config import load_config
from gymlib.io import fresh_path, write_bytes_new


def clip_path(exercise: str, root: str | Path | None = None, suffix: str = ".webm") -> Path:
    """A new, unused file name for a clip of ``exercise``."""
    cfg = load_config()
    if exercise not in cfg.exercises:
        raise ValueError(f"exercise must be one of {list(cfg.exercises)}, got {exercise!r}")
    base = Path(root) if root is not None else cfg.resolve(cfg.paths.data_raw) / "videos"
    return fresh_path(base / exercise, exercise, suffix)


def save_clip(data: bytes, exercise: str, root: str | Path | None = None) -> Path:
    """Write a recorded clip atomically under a fresh name; refuses an empty recording."""
    if not data:
        raise ValueError("the recording is empty: press record, move, then stop before saving")
    return write_bytes_new((clip_path(exercise, root) for _ in count()), data)


class ClipRecorder(W.VBox):
    """Camera preview with a recorder; saves labelled clips for the ``videos`` source."""

    def __init__(self, root: str | Path | None = None) -> None:
        from ipywebrtc import CameraStream, VideoRecorder

        self.root = root
        self.camera = CameraStream.facing_user(audio=False)
        self.recorder = VideoRecorder(stream=self.camera, codecs="vp8")
        self.exercise = W.Dropdown(options=list(load_config().exercises), description="exercise")
        save = W.Button(description="save clip", icon="save")
        self.message = W.HTML()
        save.on_click(lambda _: self._save())
        super().__init__([W.HBox([self.exercise, save]), self.recorder, self.message])

    def _save(self) -> None:
        try:
            path = save_clip(
                bytes(self.recorder.video.value or b""), self.exercise.value, self.root
            )
        except ValueError as exc:
            self.message.value = f"<span style='color:#c0392b'>{exc}</span>"
            return
        self.message.value = f"saved {path}"
