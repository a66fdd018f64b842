"""Video files in and out: upright frames with their times, and checked browser-playable writes.

Reading (PyAV): phones store a portrait clip as landscape pixels plus a rotation in the container,
browsers record at a variable frame rate, and some AVI writers leave the frame rate at 0. So
:class:`VideoReader` gives every frame upright, as BGR ``(H, W, 3)`` uint8, with its presentation
time from the container (seconds since the first frame, never index / fps), and its
:class:`VideoInfo` says what the header claimed, what the timestamps show and what was assumed.

Writing: :class:`VideoWriter` encodes H.264 (libx264, yuv420p, ``+faststart``) in mp4, which every
browser plays (OpenCV's ``mp4v`` plays in none). :meth:`VideoWriter.close` checks the file (it
opens and holds every frame written) so a cut file on a full disk is an error, not a result.
:func:`to_browser_mp4` does the same for a whole file (e.g. a recorded session video).
"""

from __future__ import annotations

import math
import os
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

#: frame rates outside this range are not believed (0, negative, 1e9...); phones film slow
#: motion at 240-960 frames a second (landmark files take the same range)
PLAUSIBLE_FPS = (1.0, 1000.0)
#: the rate assumed when neither header nor timestamps give one
ASSUMED_FPS = 30.0
#: a file may hold this many frames fewer than it declares before it is called truncated
#: (edit lists and B-frame reordering can drop one or two)
TRUNCATION_SLACK = 2
#: times going back further than this start again (files joined end to end): decoding times in
#: :func:`probe` (they only rise within one file), the frames' own times in the reader
RESTART_S = 1.0
#: an interval between frames over this and three usual ones is a hole (dropped, damaged,
#: paused), not the camera's pace: left out of the rate and of the frames a file should hold
#: (:func:`hole_gap`; config.yaml's ``extraction.hole_s`` defaults to it)
HOLE_S = 1.0


class VideoReadError(ValueError):
    """A video file that is missing, empty, not a video, or has no decodable frames."""


class VideoWriteError(OSError):
    """A written video that does not open or does not hold the frames written (disk full,
    file-size limit, encoder failure)."""


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds, as far as can be told without decoding it all."""

    path: Path
    size: tuple[int, int]  # (width, height) as shown, after rotation
    rotation: int  # degrees counter-clockwise the stored pixels are turned to show them
    fps: float  # the nominal rate, where one rate is needed (times come from timestamps)
    header_fps: float  # what the container declares (0.0: nothing usable)
    fps_source: str  # "header", "timestamps" or "assumed"
    declared_frames: int  # frames the container declares (0: it does not say)
    packets: int  # frames present in the file (counted without decoding)
    duration: float  # seconds from the first to the last frame present
    codec: str
    variable_rate: bool  # over 5 % of frame intervals exceed 1.5 x the median
    notes: tuple[str, ...]  # what a user should know (rate derived or assumed, ...)
    stored_width: int = 0  # the stored pixels' width where they are not square (0: they are)
    mirrored: bool = False  # the stored pixels are mirrored left-right before the rotation


def check_video_file(path: Path) -> None:
    """Raise :class:`VideoReadError` for a missing, non-regular or empty file, naming it."""
    if not path.exists():
        raise VideoReadError(f"{path}: no such video file")
    if not path.is_file():
        raise VideoReadError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise VideoReadError(
            f"{path}: the file is empty (0 bytes); expected a video (mp4, mov, avi, webm)"
        )


def _open(path: Path):  # -> av.container.InputContainer
    import av

    check_video_file(path)
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise VideoReadError(
            f"{path}: cannot open it as a video ({exc}); expected a readable mp4, mov, avi or "
            "webm file"
        ) from None
    if not container.streams.video:
        container.close()
        raise VideoReadError(f"{path}: holds no video stream; expected a video file")
    if not _moving(container):
        container.close()
        raise VideoReadError(f"{path}: holds only a cover picture (an audio file?), no video; "
                             "expected a video file")  # fmt: skip
    return container


def _moving(container: Any) -> list[Any]:
    """The video streams that are not a cover picture (an mp3's or m4a's album art)."""
    from av.stream import Disposition

    return [v for v in container.streams.video if not v.disposition & Disposition.attached_pic]


def avi_header_rate(path: Path) -> float | None:
    """The frame rate an AVI's video stream header declares (``dwRate / dwScale``), or None
    when ``path`` is not an AVI. FFmpeg silently replaces a 0 rate by 25, so it is read here."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    if head[:4] != b"RIFF" or head[8:12] != b"AVI ":
        return None
    i = head.find(b"strh")
    while i >= 0 and head[i + 8 : i + 12] != b"vids":  # the video stream's header
        i = head.find(b"strh", i + 4)
    if i < 0 or i + 36 > len(head):
        return None
    scale, rate = struct.unpack_from("<II", head, i + 28)
    return rate / scale if scale and rate else 0.0


def _plausible(fps: float) -> bool:
    return math.isfinite(fps) and PLAUSIBLE_FPS[0] <= fps <= PLAUSIBLE_FPS[1]


def main_video(container: Any) -> Any:
    """The video stream a player shows: the default one, else the largest picture; never a
    cover picture (a small preview or black stream stored first was analysed instead)."""
    from av.stream import Disposition

    streams = _moving(container)
    if not streams:
        raise IndexError("no video stream")
    default = [v for v in streams if v.disposition & Disposition.default]
    return max(
        default or streams,
        key=lambda v: (v.codec_context.width or 0) * (v.codec_context.height or 0),
    )


def _segments(times: list[float], decoding: list[float | None]) -> list[np.ndarray]:
    """Packet times split where they start again (files joined end to end: each part's times
    from its own zero), each part sorted. A part starts where the decoding times go back
    (they only rise within one; the presentation times of B-frames go back a few frames, over
    a second at 2 frames/s); packets without a decoding time are never split."""
    parts, start, last = [], 0, -math.inf
    for i, d in enumerate(decoding):
        if d is None:
            continue
        if d < last - RESTART_S:
            parts.append(np.unique(times[start:i]))
            start = i
        last = d
    parts.append(np.unique(times[start:]))
    return [p for p in parts if len(p)] or [np.zeros(0)]


def _tagged_seconds(stream: Any) -> float:
    """A Matroska / WebM track's own length (its DURATION tag, ``HH:MM:SS.fffffffff``), 0 if
    it has none: the container's holds any longer audio too."""
    tag = str((stream.metadata or {}).get("DURATION", ""))
    try:
        h, m, sec = tag.split(":")
        return int(h) * 3600 + int(m) * 60 + float(sec)
    except ValueError:
        return 0.0


def probe(path: str | Path, *, hole_s: float = HOLE_S) -> VideoInfo:
    """Read a video's header and packet times (no full decode): size, rotation, frame rate
    (a hole over ``hole_s`` left out of it: :func:`paced`)."""
    p = Path(path)
    container = _open(p)
    notes: list[str] = []
    try:
        stream = main_video(container)
        scan = _scan_packets(container, stream, notes)
        times, decoding, rotation, size = scan.times, scan.decoding, scan.rotation, scan.size
        mirrored = scan.mirrored
        stored_w = 0
        sar = stream.sample_aspect_ratio or stream.codec_context.sample_aspect_ratio
        if sar and 0.25 <= sar <= 4 and abs(sar - 1) > 0.01:  # a camcorder's pixels (HDV)
            stored_w, size = size[0], (int(round(size[0] * sar / 2)) * 2, size[1])
        header = float(stream.average_rate or stream.guessed_rate or 0.0)
        own = float(stream.codec_context.framerate or 0.0)
        if not times and _plausible(own):  # a raw stream (.h264): no times, and FFmpeg's
            header = own  # average is its stand-in 25; the bitstream's own rate is right
        declared = max(int(stream.frames or 0) - scan.hidden, 0)
        codec = stream.codec_context.name
        # the video's own length: the container's holds any longer audio too (mkv, webm)
        others = [x for x in container.streams if x.type in ("audio", "video") and x != stream]
        if stream.duration and stream.time_base:
            video_s = float(stream.duration * stream.time_base)
        else:
            video_s = _tagged_seconds(stream)
        if not video_s and container.duration and not others:
            video_s = container.duration / 1e6
    finally:
        container.close()
    if not times and rotation is None:
        raise VideoReadError(f"{p}: no frame could be decoded; the file is corrupt or not a video")
    rotation = rotation or 0
    if rotation % 90:  # a phone writes quarter turns only; a tilt is not undone
        notes.append(f"the file asks for a turn of {rotation} degrees, not a quarter turn; "
                     "the picture is read as stored, untilted")  # fmt: skip
    if rotation in (90, 270):
        size = (size[1], size[0])
    parts = _segments(times, decoding)
    t = max(parts, key=len)  # the longest part's times give the rate
    dt = np.diff(t)
    paced_dt, holes_s = paced(dt, hole_s)
    derived = len(paced_dt) / float(paced_dt.sum()) if len(t) > 2 and paced_dt.sum() > 0 else 0.0
    if not _plausible(derived) and len(dt) > 2 and np.median(dt) > 0:
        # a long pause in little video (10 min between two 1-s stretches) drags the mean
        # rate under any camera's; the usual interval is the camera's rate all the same
        derived = float(1 / np.median(dt))
    # variable: many intervals far from the usual one (a cut file's one gap is not that)
    variable = bool(len(dt) > 2 and np.mean(dt > 1.5 * np.median(dt)) > 0.05)
    header, fps, source = _frame_rate(p, header, derived, notes)
    if len(parts) > 1:
        notes.append(f"the timestamps start again {len(parts) - 1} time(s) (files joined end "
                     "to end?); each part follows the one before")  # fmt: skip
    if variable and source != "assumed":
        notes.append(f"variable frame rate ({1 / dt.max():.1f} to {1 / dt.min():.1f} frames/s); "
                     "every frame keeps its own time")  # fmt: skip
    if not declared and 0 < video_s < 24 * 3600:  # webm: a duration, no frame count
        declared = int(round((video_s - holes_s) * fps))
    return VideoInfo(
        path=p, size=size, rotation=rotation, fps=float(fps), header_fps=header,
        fps_source=source, declared_frames=declared, packets=len(times),
        duration=sum(float(p[-1] - p[0]) for p in parts if len(p)) + (len(parts) - 1) / fps,
        codec=codec, variable_rate=variable,
        notes=tuple(notes), stored_width=stored_w, mirrored=mirrored,
    )  # fmt: skip


def hole_gap(usual_dt: float, hole_s: float = HOLE_S) -> float:
    """The interval between two frames over which a hole lies between them: ``hole_s``, or
    three usual intervals ``usual_dt`` where that is longer (a camera at 2 frames/s has no
    hole in every interval). One rule for the frame rate (:func:`paced`) and for what
    ``analyze`` says (:class:`gymlib.analyze_input.Holes`)."""
    return max(hole_s, 3 * usual_dt)


def paced(dt: np.ndarray, hole_s: float = HOLE_S) -> tuple[np.ndarray, float]:
    """The intervals between frames at the camera's pace and the seconds the holes add beyond
    one usual interval each. A hole (:func:`hole_gap`) over ``hole_s`` or :data:`HOLE_S`,
    whichever is shorter: a gap a user calls a hole is not the camera's pace, and neither is a
    second or more between frames a thirtieth apart, whatever ``analyze`` is asked to say."""
    if len(dt) < 3 or not np.median(dt) > 0:
        return dt, 0.0
    usual = float(np.median(dt))
    hole = dt > hole_gap(usual, min(hole_s, HOLE_S))
    return dt[~hole], float(np.sum(dt[hole] - usual))


@dataclass
class _Scan:
    """What demuxing a video stream found (:func:`_scan_packets`)."""

    times: list[float]  # each shown packet's presentation time, s
    decoding: list[float | None]  # ... and its decoding time (None: not given)
    hidden: int  # packets an edit list leaves out (a clip trimmed without re-encoding)
    rotation: int | None  # of the first decoded frame (None: none decoded)
    size: tuple[int, int]  # stored (width, height)
    mirrored: bool = False  # ... and whether it is shown mirrored (:func:`orientation`)


def _scan_packets(container: Any, stream: Any, notes: list[str]) -> _Scan:
    """Every packet's times, and the first frame's rotation and size (a damaged packet before
    it skipped, as the reader skips it); a file the demuxer cannot read on stops the scan
    there, with a note."""
    import av

    scan = _Scan([], [], 0, None, (stream.codec_context.width, stream.codec_context.height))
    try:
        for packet in container.demux(stream):  # the last, empty packet flushes
            if packet.size and getattr(packet, "is_discard", False):
                scan.hidden += 1
            elif packet.size and packet.pts is not None:
                scan.times.append(float(packet.pts * packet.time_base))
                dts = packet.dts
                scan.decoding.append(None if dts is None else float(dts * packet.time_base))
            if scan.rotation is None:  # the rotation comes with the first decoded frame
                try:
                    frames = packet.decode()
                except av.InvalidDataError:  # damaged: the reader skips it too
                    continue
                for frame in frames:
                    scan.rotation, scan.mirrored = orientation(frame)
                    scan.size = (frame.width, frame.height)
                    break
    except av.FFmpegError as exc:
        notes.append(f"the file is damaged after {len(scan.times)} frames ({exc})")
    return scan


def orientation(frame: Any) -> tuple[int, bool]:
    """How a decoded frame is shown: (degrees counter-clockwise, mirrored first). A phone
    app or an editor may store a left-right or upside-down flip in the display matrix beside
    a turn (FFmpeg's ``rotation`` reads those as turns); a matrix that does not turn by
    quarters is taken as the turn FFmpeg reads (the reader applies quarter turns only)."""
    import struct

    from av.sidedata.sidedata import Type

    turned = int(round(frame.rotation or 0)) % 360
    data = frame.side_data.get(Type.DISPLAYMATRIX) if hasattr(frame.side_data, "get") else None
    if data is None or len(bytes(data)) != 36:
        return turned, False
    m = struct.unpack("<9i", bytes(data))  # 16.16 fixed point: [a b u; c d v; x y w]
    entries = [v / 65536 for v in (m[0], m[1], m[3], m[4])]
    if any(abs(v - round(v)) > 0.01 for v in entries):  # not by quarters
        return turned, False
    return _SHOWN.get(tuple(int(round(v)) for v in entries), (turned, False))


def _shown_as() -> dict[tuple[int, int, int, int], tuple[int, bool]]:
    """Each display matrix that turns and flips by quarters, (a, b, c, d), against the turn
    and mirror that show the same: a point (p, q) of the stored picture (y down) is shown at
    (a p + c q, b p + d q) (libavutil/display.h), found on a small array."""
    grid = np.arange(6).reshape(2, 3)
    out = {}
    for a, b, c, d in [(1, 0, 0, 1), (-1, 0, 0, 1), (1, 0, 0, -1), (-1, 0, 0, -1),
                       (0, 1, 1, 0), (0, -1, 1, 0), (0, 1, -1, 0), (0, -1, -1, 0)]:  # fmt: skip
        shown = grid.T if a == 0 else grid
        if (b if a == 0 else d) < 0:  # the shown rows run the other way
            shown = shown[::-1]
        if (c if a == 0 else a) < 0:  # ... the shown columns
            shown = shown[:, ::-1]
        for turn in (0, 90, 180, 270):
            for mirror in (False, True):
                ours = np.rot90(grid[:, ::-1] if mirror else grid, turn // 90)
                if ours.shape == shown.shape and (ours == shown).all():
                    out[(a, b, c, d)] = (turn, mirror)
    return out


_SHOWN = _shown_as()


def _frame_rate(p: Path, header: float, derived: float,
                notes: list[str]) -> tuple[float, float, str]:  # fmt: skip
    """(header rate, rate used, where it came from) of the video ``p`` whose header says
    ``header`` and whose timestamps ``derived``; a note for every doubt."""
    avi_rate = avi_header_rate(p)
    if avi_rate is not None and not _plausible(avi_rate):
        # FFmpeg invented the times from its stand-in rate (25): they say nothing
        notes.append(f"the AVI header gives the frame rate as {avi_rate:g}; assuming "
                     f"{ASSUMED_FPS:g} frames/s, so every time may be off")  # fmt: skip
        return avi_rate, ASSUMED_FPS, "assumed"
    if _plausible(header) and (not derived or abs(derived / header - 1) <= 0.05):
        return header, header, "header"
    if _plausible(derived):
        notes.append(f"the header gives {header:g} frames/s but the timestamps {derived:.2f}; "
                     "using the timestamps")  # fmt: skip
        return header, derived, "timestamps"
    if _plausible(header):
        return header, header, "header"
    notes.append(f"no usable frame rate (header {header:g}); assuming {ASSUMED_FPS:g} "
                 "frames/s")  # fmt: skip
    return header, ASSUMED_FPS, "assumed"


_ROTATE = {90: "ROTATE_90_COUNTERCLOCKWISE", 180: "ROTATE_180", 270: "ROTATE_90_CLOCKWISE"}


class VideoReader:
    """Upright frames of a video file (BGR, or RGB with ``format="rgb24"``, ``(H, W, 3)``
    uint8) with their presentation times in seconds.

    >>> reader = VideoReader("clip.mp4")
    >>> for bgr, t in reader:             # (H, W, 3) uint8, seconds since the first frame
    ...     ...
    >>> reader.read, reader.problems()    # frames decoded; e.g. "the file ends early: ..."
    """

    def __init__(
        self, path: str | Path, *, format: str = "bgr24", hole_s: float = HOLE_S,  # noqa: A002
    ) -> None:  # fmt: skip
        if format not in ("bgr24", "rgb24"):
            raise ValueError(f"format must be 'bgr24' or 'rgb24', got {format!r}")
        self.path = Path(path)
        self.format = format
        self.info = probe(self.path, hole_s=hole_s)
        self.read = 0
        self.error: str | None = None
        self.damaged = 0  # packets that would not decode (skipped)
        self.damaged_after: int | None = None  # frames read before the first of them
        self._damaged_at: int | None = None  # ... and before the last

    def __iter__(self) -> Iterator[tuple[np.ndarray, float]]:
        import av
        import cv2

        info = self.info
        container = _open(self.path)
        rotate = getattr(cv2, _ROTATE[info.rotation]) if info.rotation in _ROTATE else None
        real_times = info.fps_source != "assumed"
        self.read, first, last, offset = 0, None, -math.inf, 0.0
        try:
            stream = main_video(container)
            stream.thread_type = "AUTO"
            for frame in self._frames(container, stream):
                t = frame.time if real_times else None
                if t is None:  # no timestamp (or untrustworthy ones): the nominal rate
                    t = self.read / info.fps if first is None else first + self.read / info.fps
                first = t if first is None else first
                t += offset - first
                if not t > last and self._just_damaged(info.fps):
                    continue  # put out of order around the damage: the decoder lost its place
                if t < last - RESTART_S:  # the times start again: this part follows the last
                    offset += last + 1 / info.fps - t
                    t = last + 1 / info.fps
                elif not t > last:  # duplicated or backwards times: keep the order
                    t = last + 1e-3
                last = t
                image = frame.to_ndarray(format=self.format)
                if info.stored_width:  # square pixels, as a player shows them
                    wide = info.size[1] if info.rotation in (90, 270) else info.size[0]
                    image = cv2.resize(image, (wide, image.shape[0]),
                                       interpolation=cv2.INTER_LINEAR)  # fmt: skip
                if info.mirrored:
                    image = cv2.flip(image, 1)
                if rotate is not None:
                    image = cv2.rotate(image, rotate)
                self.read += 1
                yield image, float(t)
        except av.FFmpegError as exc:
            self.error = f"decoding stopped after frame {self.read}: {exc}"
        finally:
            container.close()
        if self.read == 0:
            raise VideoReadError(
                f"{self.path}: no frame could be decoded; the file is corrupt or not a video"
            )

    def _frames(self, container: Any, stream: Any) -> Iterator[Any]:
        """The stream's frames, a damaged packet skipped (a phone's or a copy's bad patch:
        the frames after it decode again from the next key frame) and counted in
        :attr:`damaged`, with the frames read before the first (:attr:`damaged_after`)."""
        import av

        self.damaged, self.damaged_after, self._damaged_at = 0, None, None
        for packet in container.demux(stream):  # the last, empty packet flushes the decoder
            try:
                frames = packet.decode()
            except av.InvalidDataError:
                self.damaged += 1
                if self.damaged_after is None:
                    self.damaged_after = self.read
                self._damaged_at = self.read
                continue
            yield from frames

    def _just_damaged(self, fps: float) -> bool:
        """Whether a damaged packet was skipped within about a second's frames: a frame going
        back in time then is one the decoder put out of order (it goes back seconds, as a
        joined file's next part does; that one comes far from any damage)."""
        return self._damaged_at is not None and self.read - self._damaged_at <= max(fps, 1.0)

    def problems(self) -> list[str]:
        """What a user should be told after reading: frame rate notes, a file that ends early."""
        out = list(self.info.notes)
        declared = self.info.declared_frames
        if self.damaged:
            out.append(f"{self.damaged} damaged packet(s) of the video could not be decoded, "
                       f"the first after frame {self.damaged_after}: the frames there are "
                       "missing, the rest are analysed")  # fmt: skip
        # (a damaged packet is a frame the file holds, not one missing at its end)
        if declared and self.read + self.damaged < declared - TRUNCATION_SLACK:
            out.append(
                f"the file ends early: {self.read} of the {declared} frames it declares "
                "were read (a cut or unfinished file?); only those are analysed"
            )
        if self.error:
            out.append(self.error)
        return out


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def count_frames(path: str | Path) -> int:
    """Video frames in a file (packets counted, the first frame decoded); raises
    :class:`VideoWriteError` when the file does not open or no frame decodes."""
    import av

    p = Path(path)
    try:
        with av.open(str(p)) as container:
            stream = container.streams.video[0]
            n, decoded = 0, False
            for packet in container.demux(stream):  # the last, empty packet flushes
                n += packet.size > 0
                if not decoded:
                    decoded = bool(packet.decode())
            return n if decoded or n == 0 else -1
    except (av.FFmpegError, IndexError, OSError) as exc:
        raise VideoWriteError(f"{p}: the written video does not open ({exc})") from None


def check_video(path: str | Path, frames: int) -> Path:
    """Raise :class:`VideoWriteError` unless ``path`` opens and holds ``frames`` frames."""
    n = count_frames(path)
    if n != frames:
        held = "no decodable frame" if n < 0 else f"{n} frames"
        raise VideoWriteError(f"{path}: holds {held} of the {frames} written (disk full or a "
                              "file-size limit?); nothing was replaced")  # fmt: skip
    return Path(path)


#: libx264 options for ``analyze``'s annotated video: subpixel motion search at its cheapest
#: level costs less CPU a frame than veryfast's own for a slightly larger file; the frames
#: encoded after the pose pass are most of the time ``analyze`` takes after it (on real clips:
#: docs/benchmarks.md, "Session 12").
FAST_X264 = {"x264-params": "subme=1"}


class VideoWriter:
    """H.264 mp4 from BGR frames with their times (seconds); browser-playable.

    Frames keep their own times (a variable-rate source stays in sync). Width and height are
    made even (yuv420p needs it) by cropping the last pixel. :meth:`close` finishes the file and
    checks it (:func:`check_video`); on any error the file is removed. ``options``: more of
    libx264's (e.g. ``{"tune": "zerolatency"}``; ``benchmarks/analyze_speed.py --encoders``).
    """

    TIME_BASE = Fraction(1, 90_000)

    def __init__(
        self, path: str | Path, size: tuple[int, int], fps: float, *, crf: int = 23,
        preset: str = "veryfast", threads: int = 2, options: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        import av

        self.path = Path(path)
        w, h = size
        if not (w >= 2 and h >= 2):
            raise ValueError(f"{self.path}: video size must be at least 2x2, got {size}")
        if not _plausible(fps):
            raise ValueError(f"{self.path}: frame rate must be {PLAUSIBLE_FPS[0]:g} to "
                             f"{PLAUSIBLE_FPS[1]:g}, got {fps}")  # fmt: skip
        self.size = (w // 2 * 2, h // 2 * 2)
        self.fps = float(fps)
        self.written = 0
        self._last_pts = -1
        try:
            self._container = av.open(str(self.path), "w", format="mp4",
                                      options={"movflags": "+faststart"})  # fmt: skip
            rate = Fraction(self.fps).limit_denominator(1001)
            stream = self._container.add_stream("libx264", rate=rate)
            stream.width, stream.height = self.size
            stream.pix_fmt = "yuv420p"
            stream.codec_context.time_base = self.TIME_BASE
            stream.options = {"crf": str(crf), "preset": preset, "threads": str(threads),
                              **(options or {})}  # fmt: skip
            self._stream = stream
        except av.FFmpegError as exc:
            self.path.unlink(missing_ok=True)
            raise VideoWriteError(f"{self.path}: cannot write a video here ({exc})") from None

    def write(self, bgr: np.ndarray, t: float | None = None, *, format: str = "bgr24") -> None:  # noqa: A002
        """One BGR (or ``format="rgb24"``) ``(H, W, 3)`` uint8 frame shown at ``t`` seconds
        (default: index / fps)."""
        import av
        import cv2

        w, h = self.size
        if bgr.shape[0] != h or bgr.shape[1] != w:
            bgr = bgr[:h, :w]
        if bgr.shape[:2] != (h, w):
            raise ValueError(f"{self.path}: frame of shape {bgr.shape}, expected ({h}, {w}, 3)")
        t = self.written / self.fps if t is None else t
        pts = max(int(round(t / self.TIME_BASE)), self._last_pts + 1)
        # OpenCV's conversion to the encoder's yuv420p is 3x cheaper than PyAV's (swscale)
        code = cv2.COLOR_RGB2YUV_I420 if format == "rgb24" else cv2.COLOR_BGR2YUV_I420
        yuv = cv2.cvtColor(np.ascontiguousarray(bgr), code)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts, frame.time_base = pts, self.TIME_BASE
        self._last_pts = pts
        try:
            self._container.mux(self._stream.encode(frame))
        except av.FFmpegError as exc:
            raise VideoWriteError(
                f"{self.path}: writing frame {self.written} failed ({exc})"
            ) from None
        self.written += 1

    def close(self) -> Path:
        """Flush, close and check the file; returns its path."""
        import av

        try:
            try:
                self._container.mux(self._stream.encode(None))
            finally:
                self._container.close()
            check_video(self.path, self.written)
        except (av.FFmpegError, OSError) as exc:
            self.path.unlink(missing_ok=True)
            if isinstance(exc, VideoWriteError):
                raise
            raise VideoWriteError(f"{self.path}: finishing the video failed ({exc})") from None
        return self.path

    def abort(self) -> None:
        """Stop writing and remove the file (after an error elsewhere)."""
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - the file is being thrown away
            pass
        self.path.unlink(missing_ok=True)


def to_browser_mp4(src: str | Path, dst: str | Path) -> Path:
    """Re-encode any readable video (e.g. a recorded ``.webm`` session video) as a checked,
    upright H.264 mp4 at ``dst``. Written beside ``dst`` first; ``dst`` is replaced only by a
    complete file."""
    reader = VideoReader(src)
    target = Path(dst)
    if not target.parent.is_dir():
        raise VideoWriteError(f"{target}: its folder {target.parent} does not exist")
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".mp4")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        writer = VideoWriter(tmp, reader.info.size, reader.info.fps)
        try:
            for bgr, t in reader:
                writer.write(bgr, t)
        except BaseException:
            writer.abort()
            raise
        writer.close()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
