"""What ``analyze`` reads: a video's frames with MediaPipe's landmarks, or a landmark file's
landmarks on a plain canvas, each with its time; the frames read again for drawing."""

from __future__ import annotations

import errno
import math
import os
import queue
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class Source:
    """Frames to analyse: ``(RGB image, landmarks or None, time s)`` and what is known of them."""

    frames: Iterator[tuple[np.ndarray, np.ndarray | None, float]]
    fps: float
    size: tuple[int, int]  # (width, height) of the drawn frames
    declared: int  # frames the file says it holds
    meta: dict[str, Any]  # for summary.json: rotation, frame-rate source...
    problems: Callable[[], list[str]]  # what to warn about, known once the frames are read
    cuts: list[float] = field(default_factory=list)  # camera cuts' times, filled as it is read
    length_s: float | None = None  # from the first frame's time to the last one's end


def frames_from_video(path: Path) -> Source:
    from gymlib.config import load_config
    from gymlib.extract import PoseExtractor
    from gymlib.media import VideoReader, hole_gap

    hole_s = load_config().extraction.hole_s
    reader = VideoReader(path, format="rgb24", hole_s=hole_s)
    info = reader.info
    w, h = info.size
    # refused before the run (no size at all: no frame decoded, said by the checks after)
    if min(w, h) > 0 and (min(w, h) < 2 or not drawable(w / h)):
        raise ValueError(f"{path}: its picture is {w}x{h} pixels, too small, narrow or wide to "
                         f"draw (at least 2x2, {SHAPES_DRAWN})")  # fmt: skip
    cuts: list[float] = []
    holes = Holes(hole_gap(1 / info.fps, hole_s))
    far: list[float] = []  # when the person was found only by searching the picture's parts

    def gen() -> Iterator[tuple[np.ndarray, np.ndarray | None, float]]:
        # decoding runs in a thread ahead of MediaPipe, which releases the GIL while it works
        with PoseExtractor(mode="video") as ex:
            ex.cuts = cuts  # the Source's: a cut is known before its frame is yielded
            ex.wide_found = far
            for rgb, t in in_background(iter(reader)):
                lm = ex.process(rgb, timestamp=t)
                if holes.update(t) and not (cuts and cuts[-1] == t):
                    cuts.append(t)  # a rep across the hole was not seen: a fresh start
                yield rgb, lm, t

    meta = {"rotation": info.rotation, "fps_source": info.fps_source,
            "header_fps": info.header_fps, "variable_frame_rate": info.variable_rate,
            "codec": info.codec}  # fmt: skip
    return Source(gen(), info.fps, info.size, info.declared_frames, meta,
                  lambda: [*reader.problems(), *holes.said(), *far_said(far)], cuts,
                  info.duration + 1 / info.fps if info.packets else None)  # fmt: skip


def far_said(found: list[float]) -> list[str]:
    """A warning when the person was found only by searching the picture's parts (too small
    in it for the pose model: :meth:`gymlib.extract.PoseExtractor._search_wide`)."""
    if not found:
        return []
    times = ", ".join(f"{t:.1f} s" for t in found[:3]) + (", ..." if len(found) > 3 else "")
    return [f"the person was too small in the picture for the pose model and was found by "
            f"searching its parts (at {times}): reps may be missed there; film nearer, or crop "
            "the video around the person"]  # fmt: skip


class Holes:
    """A video's holes in time: frames more than ``gap_s`` apart (damaged, dropped, a paused
    recording; :func:`gymlib.media.hole_gap`). ``update(t)`` per frame: whether a hole ends at
    it."""

    def __init__(self, gap_s: float) -> None:
        self.gap_s = gap_s
        self.found: list[tuple[float, float]] = []  # (last time before, first time after)
        self._t: float | None = None

    def update(self, t: float) -> bool:
        last, self._t = self._t, t
        if last is None or t - last <= self.gap_s:
            return False
        self.found.append((last, t))
        return True

    def said(self) -> list[str]:
        return [f"no frame from {a:.1f} s to {b:.1f} s of the video ({b - a:.1f} s: damaged, "
                "dropped or paused there): a rep across it was not seen; counting started "
                "afresh after it, as at a camera cut" for a, b in self.found]  # fmt: skip


_DONE = object()


def not_found(p: Path) -> FileNotFoundError:
    """Why there is no file at ``p``, as a user would want it said: a web address (read
    from this machine only), a link that leads nowhere or back to itself, or nothing there."""
    if str(p) == "-":  # the usual name of standard input
        return FileNotFoundError("-: standard input is not read (the video is read twice, its "
                                 "times then its frames): save it to a file first")  # fmt: skip
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:/", str(p)):  # http://... (a path keeps one slash)
        return FileNotFoundError(f"{p}: a web address; only files on this machine are read: "
                                 "download the video first")  # fmt: skip
    try:
        os.stat(p)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return FileNotFoundError(f"{p}: a symbolic link that leads back to itself (a "
                                     "loop); expected a video or landmark file")  # fmt: skip
    if p.is_symlink():
        return FileNotFoundError(f"{p}: a symbolic link to {os.readlink(p)}, which does not "
                                 "exist; expected a video or landmark file")  # fmt: skip
    if any(c in p.name for c in "*?"):  # quoted, the shell left the pattern as it was
        return FileNotFoundError(f"{p}: no such file; a pattern is not expanded here: give one "
                                 "video (analyse them one at a time)")  # fmt: skip
    return FileNotFoundError(f"{p}: no such video or landmark file")


def in_background(items: Iterator[Any], ahead: int = 4) -> Iterator[Any]:
    """Yield ``items`` produced by a thread at most ``ahead`` items early (memory stays flat).

    An exception in the producer is raised here; leaving the loop early stops the producer.
    """
    q: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(x: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(x, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for x in items:
                if not put(x):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer
            put(exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's cleanup (e.g. releasing the video) runs here

    worker = threading.Thread(target=produce, name="analyze-decode", daemon=True)
    worker.start()
    try:
        while True:
            x = q.get()
            if x is _DONE:
                return
            if isinstance(x, BaseException):
                raise x
            yield x
    finally:
        stop.set()
        worker.join()


#: landmark coordinates are normalised to the image; far outside it is not a landmark file
MAX_COORDINATE = 1e3
#: drawn frames are 480 pixels high; wider than this many pixels is refused
MAX_DRAWN_WIDTH = 4096
#: the picture shapes drawn, in words
SHAPES_DRAWN = f"width / height must be {16 / 480:.3f} to {MAX_DRAWN_WIDTH / 480:.1f}"


def drawable(aspect: float) -> bool:
    """Whether a picture of ``aspect`` (width / height) can be drawn: at 480 rows, from 16
    to :data:`MAX_DRAWN_WIDTH` columns."""
    return 16 <= 480 * aspect <= MAX_DRAWN_WIDTH


def load_landmark_file(path: str | Path) -> tuple[np.ndarray, np.ndarray, float, tuple[int, int]]:
    """A landmark ``.npz`` checked whole before anything runs: ``(landmarks (T, 33, 4) float32,
    times (T,) s, fps, (width, height))``. Every problem names the file (and the frame)."""
    p = Path(path)
    z = _read_npz(p)
    names = set(z)
    if "image_size" in names:
        size = z["image_size"]
    elif "aspect" in names:  # a saved live session's: its picture's width / height
        size = _size_of_aspect(p, z["aspect"])
    else:
        size = np.array([640, 480])
    lm = _checked_landmarks(p, z["landmarks"])
    if {"aspect_frames", "aspects"} <= names and "image_size" not in names:
        # a saved live session's shape changes (gymlib.recording.LiveInputs)
        lm, size = one_shape(p, lm, z["aspect_frames"], z["aspects"], size)
    _check_values(p, lm)
    rate = _checked_rate(p, z.get("fps", np.float64(30.0)))
    w, h = _checked_size(p, size, "image_size" in names)
    times = z.get("timestamps")
    if times is None:
        t = np.arange(len(lm)) / rate
    else:
        t = _checked_times(p, times, len(lm), rate, "fps" in names)
    return lm, t, rate, (int(round(w)), int(round(h)))


def _read_npz(p: Path) -> dict[str, np.ndarray]:
    """The arrays of the landmark file ``p`` (which must hold 'landmarks')."""
    with open(p, "rb") as fh:
        magic = fh.read(6)
    if magic.startswith(b"\x93NUMPY"):
        raise ValueError(f"{p}: holds a single array (.npy), not an .npz archive with "
                         "'landmarks', 'fps' and 'image_size'")  # fmt: skip
    if not magic.startswith(b"PK"):
        raise ValueError(f"{p}: not an .npz (zip) archive; expected a landmark file written by "
                         "PoseSequence.save or save_clip_npz")  # fmt: skip
    try:
        with np.load(p, allow_pickle=False) as z:
            if "landmarks" not in z.files:
                raise ValueError(f"{p}: a landmark file needs a 'landmarks' array (T, 33, 4)")
            return {k: z[k] for k in _READ if k in z.files}
    except zipfile.BadZipFile as exc:  # a cut file: its zip directory is at the end
        raise ValueError(f"{p}: damaged or cut .npz archive ({exc})") from None
    except (OSError, ValueError, EOFError, KeyError) as exc:  # damaged, or object arrays
        msg = str(exc)
        raise ValueError(msg if msg.startswith(str(p)) else f"{p}: {msg}") from None


#: the arrays a landmark file may hold that are read (others are left unread)
_READ = ("landmarks", "fps", "image_size", "aspect", "timestamps", "aspect_frames", "aspects")


def _checked_landmarks(p: Path, lm: np.ndarray) -> np.ndarray:
    """``(T, 33, 4)`` numbers, at least one frame, as float32."""
    if lm.dtype.kind not in "fiu":
        raise ValueError(f"{p}: 'landmarks' must be numbers, got dtype {lm.dtype}")
    if lm.ndim != 3 or lm.shape[1:] != (33, 4):
        raise ValueError(f"{p}: 'landmarks' must have shape (T, 33, 4), got {lm.shape}")
    if len(lm) == 0:
        raise ValueError(f"{p}: 'landmarks' holds no frames; nothing to analyse")
    return lm.astype(np.float32)


def _check_values(p: Path, lm: np.ndarray) -> None:
    """Finite coordinates, normalised to the picture: the first bad frame named."""
    bad = ~np.isfinite(lm).all(axis=(1, 2))
    if bad.any():
        raise ValueError(f"{p}: frame {int(np.argmax(bad))} has NaN or infinite landmark values"
                         f" ({int(bad.sum())} such frames)")  # fmt: skip
    big = (np.abs(lm) > MAX_COORDINATE).any(axis=(1, 2))
    if big.any():
        i = int(np.argmax(big))
        raise ValueError(
            f"{p}: frame {i} has a landmark value of {np.abs(lm[i]).max():.3g}; "
            "expected coordinates normalised to the image (about 0 to 1)"
        )


def _checked_rate(p: Path, fps: np.ndarray) -> float:
    fps_arr = np.asarray(fps)
    if fps_arr.size != 1 or fps_arr.dtype.kind not in "fiu":
        raise ValueError(f"{p}: 'fps' must be one number, got {fps_arr.tolist()!r}")
    from gymlib.media import PLAUSIBLE_FPS  # the videos' limits: the annotated one is written

    rate = float(fps_arr.reshape(()))
    lo, hi = PLAUSIBLE_FPS
    if not (math.isfinite(rate) and lo <= rate <= hi):
        raise ValueError(f"{p}: 'fps' must be {lo:g} to {hi:g} frames/s, got {rate}")
    return rate


def _checked_size(p: Path, size: np.ndarray, given: bool) -> tuple[float, float]:
    """(width, height) in pixels, drawable; ``given``: from 'image_size' (else 'aspect')."""
    size_arr = np.asarray(size)
    if size_arr.shape != (2,) or size_arr.dtype.kind not in "fiu":
        raise ValueError(f"{p}: 'image_size' must be (width, height), got {size_arr.tolist()!r}")
    w, h = (float(v) for v in size_arr)
    if not (w >= 1 and h >= 1 and math.isfinite(w * h)):
        raise ValueError(f"{p}: 'image_size' must be two positive numbers of pixels, got "
                         f"({w:g}, {h:g})")  # fmt: skip
    if not drawable(w / h):
        said = f"'image_size' ({w:g}, {h:g})" if given else f"'aspect' ({w / h:g})"
        raise ValueError(f"{p}: {said} is too narrow or too wide to draw ({SHAPES_DRAWN})")
    return w, h


def _checked_times(p: Path, times: np.ndarray, n: int, rate: float, has_fps: bool) -> np.ndarray:
    """``(n,)`` seconds from the first frame: finite, strictly increasing, in seconds."""
    t = np.asarray(times, dtype=np.float64).reshape(-1)
    if t.shape != (n,):
        raise ValueError(f"{p}: 'timestamps' must have one time per frame ({n}), got "
                         f"{np.shape(times)}")  # fmt: skip
    steps = ~(np.diff(t) > 0)
    if not np.isfinite(t).all() or steps.any():
        i = int(np.argmax(~np.isfinite(t))) if not np.isfinite(t).all() else int(
            np.argmax(steps)) + 1  # fmt: skip
        raise ValueError(
            f"{p}: frame {i}: 'timestamps' must be finite and increase "
            f"strictly, got {t[i]} after {t[i - 1] if i else None}"
        )
    t = t - t[0]
    step = float(np.median(np.diff(t))) if len(t) > 1 else 1 / rate
    # milliseconds are 1000x off; slow motion, a throttled browser tab 10-100x at most
    if not 1 / 200 <= step * rate <= 200:
        said = f"'fps' is {rate:g}" if has_fps else f"no 'fps' in the file, so {rate:g}"
        raise ValueError(
            f"{p}: 'timestamps' step by {step:g} (median), but {said} (a step of "
            f"{1 / rate:.4g}); expected timestamps in seconds"
        )
    return t


def one_shape(p: Path, lm: np.ndarray, frames: np.ndarray, aspects: np.ndarray,
              size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """A saved live session whose picture changed shape (a phone turned: ``aspects``, width /
    height, from each of ``frames`` on): every frame's landmarks ``(T, 33, 4)`` put in one
    picture, the widest, 480 pixels high, each frame centred in it, so that angles and lengths
    mean the same throughout (x and z are shares of each frame's own width). One shape: as they
    were, in ``size``. (A file with ``image_size`` is one shape: this is not called.)"""
    per_frame = _shape_per_frame(p, len(lm), frames, aspects)
    if per_frame is None:
        return lm, size
    widest = float(per_frame.max())
    r = (per_frame / widest).astype(np.float32)[:, None]
    out = lm.copy()
    seen = out.any(axis=2)  # (T, 33): nobody's zeros stay zeros
    out[:, :, 0] = np.where(seen, 0.5 + (out[:, :, 0] - 0.5) * r, 0.0)
    out[:, :, 2] *= r
    return out, np.array([480 * widest, 480.0])


def _shape_per_frame(p: Path, n: int, frames: np.ndarray,
                     aspects: np.ndarray) -> np.ndarray | None:  # fmt: skip
    """``(n,)`` each frame's width / height, or None when there is one shape. The live coach
    takes a new shape once it held ``ASPECT_FRAMES`` frames (gymlib.live.ShapeWatch), so a
    change it recorded at frame k was true from k - 2 on: the session's first shape (4:3
    until the camera's frames came) is then no frame's when the camera never changed."""
    from gymlib.live import ASPECT_FRAMES

    k = np.asarray(frames).reshape(-1)
    a = np.asarray(aspects).reshape(-1)
    if k.dtype.kind not in "iu" or a.dtype.kind not in "fiu" or k.shape != a.shape:
        raise ValueError(f"{p}: 'aspect_frames' and 'aspects' must be frame numbers and as "
                         f"many widths / heights, got {k.tolist()!r} and "
                         f"{a.tolist()!r}")  # fmt: skip
    if not (np.isfinite(a) & (a > 0)).all() or ((k < 0) | (k > n)).any():
        raise ValueError(f"{p}: 'aspects' {a.tolist()!r} from frames {k.tolist()!r}: expected "
                         f"positive widths / heights from frames 0 to {n}")  # fmt: skip
    per_frame = np.full(n, a[0] if len(a) else 1.0, np.float64)
    for frame, aspect in sorted(zip(k.tolist(), a.tolist(), strict=True), key=lambda c: c[0]):
        per_frame[max(frame - ASPECT_FRAMES + 1, 0) :] = aspect  # (the last of a frame wins)
    return per_frame if len(np.unique(per_frame)) > 1 else None


def _size_of_aspect(p: Path, aspect: np.ndarray) -> np.ndarray:
    """(width, height) of a picture ``aspect`` wide for one high, 480 pixels high."""
    a = np.asarray(aspect)
    value = float(a.reshape(())) if a.size == 1 and a.dtype.kind in "fiu" else math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{p}: 'aspect' must be one positive number (width / height), got "
                         f"{a.tolist()!r}")  # fmt: skip
    return np.array([480 * value, 480.0])


def frames_from_landmarks(path: Path) -> Source:
    lm, times, fps, (w, h) = load_landmark_file(path)
    size = (int(round(w * 480 / h)) // 2 * 2, 480)  # draw at 480 pixels high

    def gen() -> Iterator[tuple[np.ndarray, np.ndarray | None, float]]:
        for f, t in zip(lm, times, strict=True):
            yield np.full((size[1], size[0], 3), 40, np.uint8), (f if f.any() else None), float(t)

    length = float(times[-1] - times[0]) + 1 / fps if len(times) else None
    return Source(gen(), fps, size, len(lm), {"fps_source": "file"}, list, length_s=length)


def decoded(path: Path, ahead: int = 4) -> Iterator[np.ndarray]:
    """The video's upright RGB frames, decoded again (in a thread, up to ``ahead`` early) by
    the same reader."""
    from gymlib.media import VideoReader

    for rgb, _ in in_background(iter(VideoReader(path, format="rgb24")), ahead):
        yield rgb


def frame_bar(frames: Iterator[Any], total: int, desc: str, show: bool) -> Iterator[Any]:
    """``frames`` with a progress bar of ``total`` frames (0: unknown) named ``desc``."""
    from tqdm.auto import tqdm

    return tqdm(frames, total=total or None, desc=desc, unit="frame", disable=not show)


def frames_again(src: Path, ahead: int = 4) -> Iterator[np.ndarray]:
    """The frames to draw on, read again (no MediaPipe); a video's decoded up to ``ahead``
    frames early."""
    if src.suffix.lower() == ".npz":
        return (rgb for rgb, _, _ in frames_from_landmarks(src).frames)
    return decoded(src, ahead)


def save_clip_npz(clip: Any, path: str | Path) -> Path:
    """A generator clip as a landmark file ``analyze`` reads (drawn as a stick figure)."""
    from gymlib.io import save_npz_atomic

    return save_npz_atomic(path, landmarks=clip.landmarks, fps=np.float64(clip.fps),
                           image_size=np.array(clip.image_size))  # fmt: skip
