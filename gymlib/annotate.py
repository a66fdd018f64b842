"""``analyze``'s annotated video: each frame through the live coach's loop, the skeleton, text and
rep marks drawn, and the frame encoded in a thread."""

from __future__ import annotations

import contextlib
import functools
import math
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from gymlib.landmarks import POSE_CONNECTIONS

VERDICT_BGR = {"good": (80, 200, 60), "partial": (40, 200, 230), "faulty": (60, 60, 230)}


#: Python's thread switch interval while ``analyze`` runs, in its process and in the drawing
#: worker (seconds; the default is 0.005): the pose pass hands the GIL to MediaPipe's graph and
#: takes it back a few times a frame, the drawing at each OpenCV and encoder call, and each time
#: another thread runs Python (replans, loop steps, the summary plot) it waited up to the
#: interval for it (docs/benchmarks.md, "analyze against a bare MediaPipe loop", "Session 11").
SWITCH_INTERVAL_S = 0.0005

#: Niceness of the threads that work beside the pose pass (drawing, encoding): Linux takes it
#: per thread, so MediaPipe's threads win a core both want and the drawing catches up in their
#: gaps (docs/benchmarks.md, "Session 8").
BEHIND_POSE_NICE = 10


def behind_pose() -> None:
    """Lower the calling thread's CPU priority (:data:`BEHIND_POSE_NICE`), where the system
    allows it (Linux; elsewhere, or refused, nothing changes: the same outputs, only the time)."""
    try:
        tid = threading.get_native_id()
        nice = max(os.getpriority(os.PRIO_PROCESS, tid), BEHIND_POSE_NICE)  # never raised
        os.setpriority(os.PRIO_PROCESS, tid, nice)
    except (AttributeError, OSError):
        pass


class BackgroundWriter:
    """Draws and encodes annotated RGB frames in a thread, at most ``ahead`` frames behind
    (:meth:`widen` lets more wait: the tail after the pose pass, see :meth:`Annotator.feed`)."""

    def __init__(self, writer: Any, ahead: int = 4) -> None:
        self._writer = writer
        self._q: queue.Queue = queue.Queue()
        self._room = threading.Semaphore(ahead)  # frames that may still be queued
        self._ahead = ahead
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="analyze-encode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import cv2

        behind_pose()  # (libx264's own threads, made at its first frame here, inherit it)
        size = self._writer.size
        while (job := self._q.get()) is not None:
            self._room.release()
            if self._error is not None:
                continue  # drain after a failure
            rgb, lm, lines, colour, t, marks = job
            try:
                frame = rgb if rgb.shape[1::-1] == size else cv2.resize(rgb, size)
                draw(frame, lm, lines, colour, rgb=True, marks=marks)
                self._writer.write(frame, t, format="rgb24")
            except BaseException as exc:  # raised in the caller's thread
                self._error = exc

    def widen(self, ahead: int) -> None:
        """Let up to ``ahead`` frames wait (never fewer than now)."""
        for _ in range(ahead - self._ahead):
            self._room.release()
        self._ahead = max(self._ahead, ahead)

    def write(self, rgb: np.ndarray, lm: np.ndarray | None, lines: list[str], colour,
              t: float, marks: Sequence[str] = ()) -> None:  # fmt: skip
        if self._error is not None:
            raise self._error
        self._room.acquire()
        self._q.put((rgb, lm, lines, colour, t, tuple(marks)))

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._q.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error


def draw(bgr: np.ndarray, lm: np.ndarray | None, lines: list[str], colour=(80, 200, 60), *,
         rgb: bool = False, marks: Sequence[str] = ()) -> None:  # fmt: skip
    """Skeleton, text lines and a mark per rep (``marks``: the set's verdicts so far) onto a BGR
    frame (an RGB one with ``rgb``), in place; ``colour`` is BGR."""
    import cv2

    h, w = bgr.shape[:2]
    dots = (230, 60, 60) if rgb else (60, 60, 230)
    flip = (lambda c: tuple(c[::-1])) if rgb else (lambda c: tuple(c))
    if lm is not None:
        _skeleton(bgr, lm, flip(colour), dots)
    if not lines and not marks:
        return
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.6
    text_w = max([_text_width(x, scale) for x in lines] + [0])
    if lines and text_w > w - 20:  # a portrait or small clip: smaller text, no lines cut off
        scale = max(TEXT_SCALE_MIN, scale * (w - 20) / text_w)
        lines = [part for x in lines for part in _wrapped(x, scale, w - 20)]  # still too long
        text_w = max(_text_width(x, scale) for x in lines)
    step = max(12, round(22 * scale / 0.6))
    width = max(text_w, 18 * len(marks))
    bottom = 12 + step * len(lines) + (18 if marks else 0)
    backdrop(bgr, (4, 4, min(w, 16 + width), min(h, bottom)))
    for i, text in enumerate(lines):
        cv2.putText(bgr, text, (10, 2 + step * (i + 1)), font, scale, (255, 255, 255), 1,
                    cv2.LINE_AA)  # fmt: skip
    y = 12 + step * len(lines)
    for i, verdict in enumerate(marks):  # one square per rep of the set, coloured by its verdict
        x = 10 + 18 * i  # (13 px a side, as cv2.rectangle's; numpy's: no GIL handed over)
        bgr[y : y + 13, x : x + 13] = flip(VERDICT_BGR.get(verdict, (200, 200, 200)))


def _wrapped(text: str, scale: float, width: int) -> list[str]:
    """``text`` as lines at most ``width`` pixels wide at ``scale``, broken between words (a
    single word wider than that stays whole)."""
    if _text_width(text, scale) <= width:
        return [text]
    out = [""]
    for word in text.split(" "):
        joined = f"{out[-1]} {word}" if out[-1] else word
        if out[-1] and _text_width(joined, scale) > width:
            out.append(word)
        else:
            out[-1] = joined
    return out


@functools.lru_cache(maxsize=512)
def _text_width(text: str, scale: float) -> int:
    """The width (px) of ``text`` in the video's font at ``scale``; remembered: a line stays the
    same for many frames, and each OpenCV call hands the GIL over (see :func:`draw`)."""
    import cv2

    return int(cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0][0])


#: the skeleton's bones: pairs of landmark indices (:data:`POSE_CONNECTIONS`), ``(B, 2)``
_BONES = np.array(POSE_CONNECTIONS, dtype=np.intp)


def _skeleton(img: np.ndarray, lm: np.ndarray, bone: tuple, dot: tuple) -> None:
    """The bones and joints of the landmarks seen in ``lm`` ``(33, 4)`` onto ``img``, in place.

    Two OpenCV calls, not one per bone and joint (~70): each hands the GIL over, and beside a
    thread running Python (the summary plot, the loop's steps) each return waited for it
    (docs/benchmarks.md, "Session 11"). A joint is a closed polyline of one point, 6 px thick:
    the same pixels as ``cv2.circle``'s filled dot of radius 3.
    """
    import cv2

    h, w = img.shape[:2]
    xy = lm[:, :2] * [w, h]
    seen = (lm[:, 3] >= 0.15) & np.isfinite(xy).all(axis=1)
    # clipped: a wild coordinate must not overflow OpenCV's int points
    pts = np.clip(np.nan_to_num(xy), -4 * max(w, h), 4 * max(w, h)).astype(np.int32)
    bones = pts[_BONES[seen[_BONES].all(axis=1)]]  # (B, 2, 2)
    if len(bones):
        cv2.polylines(img, list(bones), False, bone, 2, cv2.LINE_AA)
    if seen.any():
        cv2.polylines(img, list(pts[seen, None]), True, dot, 6, cv2.LINE_AA)


#: how long the video names a camera cut after it (seconds)
CUT_SHOWN_S = 2.0
#: the smallest text drawn on a narrow frame (OpenCV's Hershey scale; 0.6 where it fits)
TEXT_SCALE_MIN = 0.35

#: how dark the box behind the video's text is (the frame keeps this share of its brightness)
BACKDROP_KEEP = 0.35


def backdrop(img: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """Darkens ``box`` (x0, y0, x1, y1) of ``img`` in place, so white text reads on any clothes
    or gym: a translucent box keeps the person visible behind it."""
    x0, y0, x1, y1 = box
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi * BACKDROP_KEEP).astype(img.dtype)


class Annotator:
    """Pass 2's work on each frame: the live loop's step, the lines and colour drawn, the frame
    queued for drawing and encoding (:class:`BackgroundWriter`), the summary plot's timeline."""

    def __init__(self, loop: Any, writer: Any, max_fps: float | None = None,
                 fps: float | None = None) -> None:  # fmt: skip
        """``max_fps``: a clip of ``fps`` frames a second above it has every n-th frame drawn,
        about ``max_fps`` a second or fewer (its others step the loop, not drawn); None: every
        frame. The frames' times must increase (the readers' are): a frame timed before the
        last drawn one is not drawn."""
        self.loop, self.writer = loop, writer
        self.encoder = BackgroundWriter(writer)
        self.timeline: list[tuple[float, str, float]] = []
        self._last_rep, self._last_rep_t = None, -np.inf
        self._closed = False
        # every n-th frame drawn, the fewest that keep under max_fps (240 a second: every 4th,
        # 90: every 2nd; a rate within 5 % over it, a variable rate's average, every frame),
        # found by time: a frame is drawn once n - 0.5 frames have passed since the last drawn
        # (times may jitter by under a quarter frame)
        every = 1 if max_fps is None or not fps else max(1, math.ceil(fps / (max_fps * 1.05)))
        self._gap = 0.0 if every == 1 else (every - 0.5) / fps  # type: ignore[operator]
        self._drawn_t = -np.inf

    def run(self, frames: Iterator[tuple[np.ndarray, np.ndarray | None, float]]) -> None:
        """Every frame of ``frames``, then the video finished and checked."""
        self.feed(frames)
        try:
            self.close()
        except BaseException:
            self.abort()
            raise

    def feed(self, frames: Iterator[tuple[np.ndarray, np.ndarray | None, float]],
             ahead: int | None = None) -> None:  # fmt: skip
        """Every frame of ``frames`` through the loop and queued for drawing and encoding, up
        to ``ahead`` of them waiting (default: the encoder's bound): the loop's results (reps,
        sets, timeline) are then final while the encoder still works (:meth:`close` waits)."""
        if ahead is not None:
            self.encoder.widen(ahead)
        try:
            for rgb, lm, t in frames:
                self.frame(rgb, lm, t)
        except BaseException:
            self.abort()
            raise

    def frame(self, rgb: np.ndarray, lm: np.ndarray | None, t: float) -> None:
        out = self.loop.step(t, landmarks=lm)
        fb = out.session
        if fb.rep is not None:
            self._last_rep, self._last_rep_t = fb.rep, t
        c = fb.reps.get(fb.exercise, {"good": 0, "partial": 0, "faulty": 0})
        heading, marks = set_line(out)
        lines = [
            heading,
            f"{fb.exercise} total {sum(c.values())}: good {c['good']}  partial "
            f"{c['partial']}  faulty {c['faulty']}" if fb.exercise != "unknown" else "",
        ] + [out.framing or ""] + list(out.warnings[:2])  # fmt: skip
        cut = out.cuts[-1] if out.cuts else None  # (gymlib.cuts: the pixels' or the landmarks')
        if cut is not None and t - cut.time < CUT_SHOWN_S:
            lines.append(f"camera cut at {cut.time:.1f} s ({cut.kind}): started afresh")
        lines = [x for x in lines if x]
        # the skeleton takes the last rep's verdict colour for a second after it ends
        recent = self._last_rep is not None and t - self._last_rep_t < 1.0
        colour = VERDICT_BGR[self._last_rep.verdict] if recent else VERDICT_BGR["good"]
        if t - self._drawn_t >= self._gap:
            self.encoder.write(rgb, lm, lines, colour, t, marks)
            self._drawn_t = t
        self.timeline.append((t, fb.exercise, fb.counter.progress if fb.counter else np.nan))

    def close(self) -> None:
        """Wait for the encoder, finish the file and check it (once)."""
        if not self._closed:
            self.encoder.close()
            self.writer.close()  # checks the file: it opens and holds every frame
            self._closed = True

    def abort(self) -> None:
        with contextlib.suppress(BaseException):
            self.encoder.close()
        self.writer.abort()


def set_line(out: Any) -> tuple[str, list[str]]:
    """The video's heading ("squat | set 1 | rep 3") and the current set's verdicts so far,
    from the loop's :class:`gymlib.live.FrameFeedback`."""
    if out.exercise == "unknown":
        return "exercise: unknown", []
    if out.set is None:
        return f"{out.exercise} | set {len(out.sets) + 1} | rep 0", []
    return f"{out.exercise} | set {out.set.number} | rep {out.set.reps}", list(out.set.verdicts)
