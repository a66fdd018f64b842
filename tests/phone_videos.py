"""Video files as cameras and browsers make them, made from the committed sample clips with PyAV.

Each helper writes a real file that ffmpeg, OpenCV and browsers read as they would a phone's or a
browser's: landscape pixels plus a rotation (phones filming upright), a variable frame rate with
the true times kept (browsers, phones in low light), a webm with a 1 ms timebase (MediaRecorder),
an AVI whose header gives 0 frames/s, and an mp4 cut short after ``+faststart`` (it opens, then
ends early).
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from gymlib.media import VideoReader, VideoWriter

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def sample_frames(name: str, limit: int | None = None) -> tuple[list[np.ndarray], list[float]]:
    """Upright BGR frames of ``data/samples/<name>.mp4`` and their times (seconds)."""
    frames, times = [], []
    for bgr, t in VideoReader(SAMPLES / f"{name}.mp4"):
        frames.append(bgr)
        times.append(t)
        if limit is not None and len(frames) >= limit:
            break
    return frames, times


def truth_times(name: str) -> list[tuple[float, float]]:
    """(start, end) seconds of every rep of a sample clip, from its ground truth."""
    import json

    truth = json.loads((SAMPLES / f"{name}.json").read_text())
    return [(r["start"] / truth["fps"], r["end"] / truth["fps"]) for r in truth["reps"]]


def write_mp4(path: Path, frames: list[np.ndarray], times: list[float], fps: float = 30.0) -> Path:
    writer = VideoWriter(path, frames[0].shape[1::-1], fps)
    for bgr, t in zip(frames, times, strict=True):
        writer.write(bgr, t)
    return writer.close()


def rotated(path: Path, frames: list[np.ndarray], rotation: int = 270) -> Path:
    """As a phone stores an upright clip: the pixels turned sideways, the container saying
    how to turn them back (``rotation``: 90 or 270, the legacy ``rotate`` tag's degrees)."""
    import av

    turn = {270: cv2.ROTATE_90_CLOCKWISE, 90: cv2.ROTATE_90_COUNTERCLOCKWISE}[rotation]
    side = [cv2.rotate(f, turn) for f in frames]
    h, w = side[0].shape[:2]
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"preset": "veryfast"}
        s.set_display_rotation(-rotation)  # display matrix: counter-clockwise degrees
        for f in side:
            out.mux(s.encode(av.VideoFrame.from_ndarray(f, format="bgr24")))
        out.mux(s.encode(None))
    return path


def variable_rate(path: Path, frames: list[np.ndarray], times: list[float], switch: int) -> Path:
    """Every frame up to ``switch``, then every other one, each at its true time: 30 fps, then
    15. ``.webm`` gets VP8 with the 1 ms timebase of a browser's MediaRecorder."""
    keep = [i for i in range(len(frames)) if i < switch or (i - switch) % 2 == 0]
    if path.suffix == ".mp4":
        return write_mp4(path, [frames[i] for i in keep], [times[i] for i in keep])
    import av

    h, w = frames[0].shape[:2]
    with av.open(str(path), "w", format="webm") as out:
        s = out.add_stream("libvpx", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.codec_context.time_base = Fraction(1, 1000)
        s.options = {"deadline": "realtime", "cpu-used": "16", "b": "2M"}
        for i in keep:
            frame = av.VideoFrame.from_ndarray(frames[i], format="bgr24")
            frame.pts, frame.time_base = int(round(times[i] * 1000)), Fraction(1, 1000)
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return path


def zero_fps_avi(path: Path, frames: list[np.ndarray]) -> Path:
    """An MJPEG AVI of 30 frames/s whose headers give the rate as 0 (FFmpeg then says 25)."""
    h, w = frames[0].shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (w, h))
    for f in frames:
        out.write(f)
    out.release()
    data = bytearray(path.read_bytes())
    i = data.find(b"avih")
    data[i + 8 : i + 12] = struct.pack("<I", 0)  # microseconds per frame
    j = data.find(b"strh")
    assert data[j + 8 : j + 12] == b"vids"
    data[j + 32 : j + 36] = struct.pack("<I", 0)  # dwRate
    path.write_bytes(bytes(data))
    return path


def truncated(path: Path, frames: list[np.ndarray], times: list[float], share: float) -> Path:
    """An H.264 mp4 with its index first (``+faststart``), cut to ``share`` of its bytes: it
    opens and declares every frame, then ends."""
    full = write_mp4(path.with_name(f"full-{path.name}"), frames, times)
    data = full.read_bytes()
    path.write_bytes(data[: int(len(data) * share)])
    full.unlink()
    return path
