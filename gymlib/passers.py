"""Pictures of a passer-by: a person cut out of one video walked across in front of another's
lifter, for ``benchmarks/passers_by.py`` (what the identity guard, ``gymlib.track``, meets).

The person is cut out of one frame with MediaPipe's segmentation mask (:func:`cutout`), sized
against the lifter's trunk (:func:`lifter_geometry`) and slid across the whole picture at a
steady pace, their middle crossing the lifter's trunk at a given time (:func:`with_passer`).
Frames are BGR ``(H, W, 3)`` uint8; a cut-out is BGRA ``(h, w, 4)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gymlib.landmarks import PoseLandmark as L
from gymlib.track import Body, trunk_length

HEIGHT_PER_TRUNK = 3.3  # a standing adult's height, in mid-shoulder to mid-hip lengths


@dataclass(frozen=True)
class Crossing:
    """How the passer crosses: ``ratio`` of the lifter's height (nearer the camera: larger),
    ``seconds`` to cross the picture, ``middle`` the time (s) their middle passes the lifter's
    trunk, ``direction`` 1 left to right, -1 right to left."""

    ratio: float
    seconds: float
    middle: float
    direction: int = 1


def cutout(video: Path, t: float) -> np.ndarray:
    """BGRA of the person in ``video`` at ``t`` s, cropped to them (alpha: MediaPipe's
    segmentation mask, soft). Raises ValueError when no person is found there."""
    import mediapipe as mp

    from gymlib.extract import ensure_pose_model
    from gymlib.media import VideoReader

    ensure_pose_model(1)
    bgr = next((f for f, ft in VideoReader(video) if ft >= t), None)
    if bgr is None:
        raise ValueError(f"{video}: no frame at {t} s or after")
    with mp.solutions.pose.Pose(static_image_mode=True, enable_segmentation=True) as pose:
        mask = pose.process(np.ascontiguousarray(bgr[:, :, ::-1])).segmentation_mask
    if mask is None or not (mask > 0.5).any():
        raise ValueError(f"{video} at {t} s: no person found to cut out")
    ys, xs = np.nonzero(mask > 0.5)
    h, w = mask.shape
    if ys.max() >= h - 2 or xs.min() <= 1 or xs.max() >= w - 2:
        # set on the floor, a person cut at the knees would float above it
        raise ValueError(f"{video} at {t} s: the person is cut by the picture's edge; "
                         "expected a whole person to cut out")  # fmt: skip
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    alpha = (np.clip(mask[y0:y1, x0:x1], 0, 1) * 255).astype(np.uint8)
    return np.dstack([bgr[y0:y1, x0:x1], alpha])


def lifter_geometry(seq) -> tuple[float, float, float]:  # noqa: ANN001 - a PoseSequence
    """The lifter's trunk centre x, floor y (lowest ankle, 90th percentile) and standing
    height (:data:`HEIGHT_PER_TRUNK` trunks), in pixels, from their landmarks."""
    w, h = seq.image_size
    frames = seq.landmarks[seq.detected]
    trunk = float(np.median([trunk_length(f, (w, h)) for f in frames]))
    centre_x = float(np.median([Body.of(f, (w, h)).centre[0] for f in frames]))
    ankles = frames[:, [L.LEFT_ANKLE, L.RIGHT_ANKLE], 1].max(1) * h
    floor = float(np.percentile(ankles, 90))
    return centre_x, min(floor, h), HEIGHT_PER_TRUNK * trunk


def paste(frame: np.ndarray, person: np.ndarray, left: int, bottom: int) -> None:
    """Blend the BGRA ``person`` into ``frame`` in place, its bottom-left corner at
    ``(left, bottom)`` (pixels; partly or wholly outside the frame is fine)."""
    h, w = person.shape[:2]
    top = bottom - h
    fy0, fx0 = max(top, 0), max(left, 0)
    fy1, fx1 = min(bottom, frame.shape[0]), min(left + w, frame.shape[1])
    if fy1 <= fy0 or fx1 <= fx0:
        return
    part = person[fy0 - top : fy1 - top, fx0 - left : fx1 - left]
    a = part[:, :, 3:4].astype(np.float32) / 255
    region = frame[fy0:fy1, fx0:fx1].astype(np.float32)
    frame[fy0:fy1, fx0:fx1] = (region * (1 - a) + part[:, :, :3] * a).astype(np.uint8)


def with_passer(video: Path, seq, person: np.ndarray, crossing: Crossing, out: Path) -> Path:  # noqa: ANN001
    """``video`` with ``person`` walking across in front of its lifter (``seq``: the video's
    landmarks, a :class:`gymlib.extract.PoseSequence`), written to ``out`` (H.264, the
    frames' own times; a temp file renamed into place)."""
    import cv2

    from gymlib.media import VideoReader, VideoWriter

    cx, floor, height = lifter_geometry(seq)
    size = max(int(crossing.ratio * height), 16)
    scaled = cv2.resize(person, (max(int(person.shape[1] * size / person.shape[0]), 4), size))
    w, h = seq.image_size
    speed = crossing.direction * (w + scaled.shape[1]) / crossing.seconds  # pixels a second
    # a passer nearer the camera stands lower in the picture than the lifter's feet
    bottom = int(min(floor + 0.1 * height * (crossing.ratio - 1), h + 0.05 * size))
    tmp = out.with_suffix(f".{os.getpid()}.part.mp4")
    reader = VideoReader(video)
    writer = VideoWriter(tmp, reader.info.size, reader.info.fps)
    for bgr, t in reader:
        frame = bgr.copy()
        x = cx + speed * (t - crossing.middle)
        paste(frame, scaled, int(x - scaled.shape[1] / 2), bottom)
        writer.write(frame, t)
    writer.close()
    return tmp.rename(out)
