"""An anywidget webcam that streams JPEG frames to the kernel at camera speed.

ipywebrtc delivers about one frame per second to the kernel in JupyterLab 4; this widget sends
each frame as a binary JPEG message, keeps at most ``max_in_flight`` unanswered (newer frames
are dropped, never queued; the newest goes as soon as an answer frees a slot, a second one only
when it would reach the kernel as the one before is done, so it does not wait there), and draws
what the kernel answers (landmarks, joint colours) on a canvas over the full-size video. The kernel
gets a copy scaled to ``pose_side`` pixels on its longest side, JPEG-encoded in a browser
worker, off the page's thread. The pose model looks at the person at 256x256, so a person who
fills the frame needs only a 256-px frame, which is cheaper to encode, send and decode; a far or
not yet found person gets more pixels (:class:`PoseSize`; docs/benchmarks.md, "Live coach in
the browser").
The kernel side is a callback: ``frame bytes -> result dict``. Frames and answers go over a
direct WebSocket to a server the kernel starts on 127.0.0.1 (:mod:`gymlib.widgets.direct`,
bypassing the Jupyter server and the kernel's message loop), or, when the page cannot reach it
within a second (JupyterLab on another machine, a blocked port), through the widget's comm;
the browser reports which (``transport``, the page's ``data-transport``). With
``record_video`` on, the browser also records the camera and sends the video on
``request_video()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import numpy as np
import traitlets

from gymlib.landmarks import POSE_CONNECTIONS
from gymlib.widgets.direct import FrameServer, Reply, on_main

FrameHandler = Callable[[bytes, float], dict[str, Any] | None]
#: called with the recorded video's bytes, its MIME type and an error text (or None)
VideoHandler = Callable[[bytes, str, str | None], None]
#: called when the camera's stream ended, with why ("stopped", or the browser's words)
EndHandler = Callable[[str], None]


#: The pose model's input (pixels): the person, cropped from the frame, is resampled to this.
POSE_INPUT = 256
#: MediaPipe's pose crop is the person's box made square and enlarged by this (its
#: RectTransformationCalculator's scale), then resampled to POSE_INPUT.
POSE_CROP_SCALE = 1.25
#: Frame sizes sent for pose (longest side); 0 is the camera's full size.
POSE_SIDES = (256, 384, 512, 0)


class PoseSize:
    """The smallest frame (longest side, one of :data:`POSE_SIDES`) that still shows the person
    to the pose model at its own resolution: the pose crop around the person (the person's
    extent times :data:`POSE_CROP_SCALE`) must hold :data:`POSE_INPUT` pixels of the frame sent.
    A person far away, or none found (a far one must be found), needs the full frame; one who
    fills it, 256 px. A bigger size is taken at once, a smaller one after ``settle`` frames in a
    row ask for it (no flicker between sizes)."""

    def __init__(self, *, settle: int = 30) -> None:
        self.side, self.settle = 0, settle
        self._smaller = 0

    def __call__(self, landmarks: Any, size: tuple[int, int]) -> int:
        """``landmarks``: the frame's ``(33, 4)`` normalised landmarks (x, y, z, visibility)
        or None; ``size``: the frame's width and height. Returns the side for the next frames."""
        want = self.needed(landmarks, size)
        rank = POSE_SIDES.index
        if rank(want) >= rank(self.side):
            self.side, self._smaller = want, 0
        else:
            self._smaller += 1
            if self._smaller >= self.settle:
                self.side, self._smaller = want, 0
        return self.side

    @staticmethod
    def needed(landmarks: Any, size: tuple[int, int]) -> int:
        if landmarks is None:
            return 0
        lm = np.asarray(landmarks, dtype=float)
        if lm.shape != (33, 4):  # another handler's empty list or other shape: the full frame
            return 0
        seen = lm[:, 3] > 0.5
        if seen.sum() < 4:
            return 0
        w, h = size
        extent = max(np.ptp(lm[seen, 0]) * w, np.ptp(lm[seen, 1]) * h) / max(w, h)
        for side in POSE_SIDES[:-1]:
            if extent * side * POSE_CROP_SCALE >= POSE_INPUT:
                return side
        return 0


class CameraWidget(anywidget.AnyWidget):
    """The browser's webcam as a stream of frames for the kernel."""

    _esm = Path(__file__).with_name("camera.js")
    width = traitlets.Int(640).tag(sync=True)
    height = traitlets.Int(480).tag(sync=True)
    quality = traitlets.Float(0.8).tag(sync=True)
    #: frames go to the kernel at this fraction of the camera's size (landmarks are normalised)
    send_scale = traitlets.Float(1.0).tag(sync=True)
    #: ... and at most this many pixels on their longest side (0: no limit); with
    #: ``adapt_pose_side`` the kernel sets it from where the person is (:class:`PoseSize`)
    pose_side = traitlets.Int(0).tag(sync=True)
    adapt_pose_side = traitlets.Bool(True)
    max_in_flight = traitlets.Int(2).tag(sync=True)
    running = traitlets.Bool(True).tag(sync=True)
    muted = traitlets.Bool(False).tag(sync=True)
    #: the browser records the camera (MediaRecorder) while this is on; see request_video
    record_video = traitlets.Bool(False).tag(sync=True)
    edges = traitlets.List([[int(a), int(b)] for a, b in POSE_CONNECTIONS]).tag(sync=True)
    # reported by the browser
    status = traitlets.Unicode("").tag(sync=True)
    fps = traitlets.Float(0.0).tag(sync=True)
    frames_drawn = traitlets.Int(0).tag(sync=True)
    #: the direct socket to the kernel (:mod:`gymlib.widgets.direct`; empty: the comm only)
    direct_url = traitlets.Unicode("").tag(sync=True)
    direct_token = traitlets.Unicode("").tag(sync=True)
    #: the page's origin (reported by the browser: a non-loopback page's socket is let in)
    page_origin = traitlets.Unicode("").tag(sync=True)
    #: how frames go, as the browser reports it: "direct", or "comm" (no socket, or it failed)
    transport = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        handler: FrameHandler | None = None,
        *,
        on_video: VideoHandler | None = None,
        after: Callable[[], None] | None = None,
        on_end: EndHandler | None = None,
        direct: bool = True,
        max_frame_bytes: int = 20 * 1024 * 1024,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.handler = handler
        self.on_video = on_video
        #: the stream ended: :meth:`stop`, or the browser's camera stopped (unplugged, turned
        #: off); frames that were on their way are answered, not handled, until :meth:`start`
        self.on_end = on_end
        #: runs after each answer is sent (work the browser need not wait for)
        self.after = after
        self.frames_received = 0
        self.kernel_seconds = 0.0
        self.pose_size = PoseSize()
        self._after_due = False
        self.on_msg(self._on_msg)
        self._server: FrameServer | None = None
        if direct and handler is not None:
            self._server = FrameServer(self._direct_frame, max_bytes=max_frame_bytes)
            self.direct_url, self.direct_token = self._server.url, self._server.token
            self.observe(lambda ch: self._server and self._server.page_origins.add(ch["new"]),
                         names="page_origin")  # fmt: skip

    def _on_msg(self, _widget: Any, content: dict[str, Any], buffers: list[bytes]) -> None:
        if isinstance(content, dict) and content.get("type") == "video":
            if self.on_video is not None:
                data = bytes(buffers[0]) if buffers else b""
                try:
                    self.on_video(data, str(content.get("mime", "")), content.get("error"))
                except Exception as exc:  # noqa: BLE001 - shown in the widget, not lost in a log
                    self.send({"type": "error", "text": f"the video could not be saved: {exc}"})
            return
        if isinstance(content, dict) and content.get("type") == "ended":
            self.running = False  # the browser stopped its camera: no more frames
            self._ended(str(content.get("reason") or "the camera stopped"))
            return
        if not isinstance(content, dict) or content.get("type") != "frame":
            return
        jpeg = bytes(buffers[0]) if buffers else b""
        self._frame(content, jpeg, self.send, lambda fn: fn())

    def _direct_frame(self, header: dict[str, Any], jpeg: bytes, reply: Reply) -> None:
        """A frame from the direct socket, in its server's thread: answered there; the rest
        (traits, the dashboard) is handed to the kernel's main thread."""
        self._frame(header, jpeg, reply, on_main)

    def _frame(self, content: dict[str, Any], jpeg: bytes, reply: Reply,
               later: Callable[[Callable[[], None]], None]) -> None:  # fmt: skip
        """One frame: the handler's answer to ``reply``, then the pose size and ``after``
        through ``later`` (the comm's thread runs them at once, the direct socket's hands them
        to the main thread)."""
        self.frames_received += 1
        t0, t_in = time.perf_counter(), time.time()
        answered = False  # once the result is sent, an error frees no second slot in the browser
        try:
            if not jpeg:
                raise ValueError("a frame message came without its JPEG data")
            live = self.handler is not None and self.running  # (stopped: one on its way)
            result = self.handler(jpeg, float(content.get("t", 0.0))) if live else None
            ms = (time.perf_counter() - t0) * 1000
            # k_in / k_out: when the handler started and the answer left, on the machine's clock
            # (epoch ms), for benchmarks/browser_live.py's time per hop
            reply(
                {
                    "type": "result",
                    **(result or {}),
                    "kernel_ms": round(ms, 2),
                    "k_in": round(t_in * 1000, 1),
                    "k_out": round(time.time() * 1000, 1),
                }
            )
            answered = True
            if self.adapt_pose_side:
                size = (int(content.get("width") or 1), int(content.get("height") or 1))
                side = self.pose_size((result or {}).get("landmarks"), size)
                if side != self.pose_side:
                    later(lambda: setattr(self, "pose_side", side))
        except Exception as exc:  # noqa: BLE001 - shown in the widget, the session goes on
            reply({"type": "error", "answered": answered,
                   "text": f"frame {self.frames_received}: {exc}"})  # fmt: skip
        else:
            if self.after is not None and not self._after_due:
                self._after_due = True  # one hand-over at a time: it shows the latest frame
                later(self._run_after)
        self.kernel_seconds += time.perf_counter() - t0

    def _run_after(self) -> None:
        self._after_due = False
        try:
            self.after()  # type: ignore[misc]
        except Exception as exc:  # noqa: BLE001 - as above; the frame was answered
            self.send({"type": "error", "answered": True,
                       "text": f"frame {self.frames_received}: {exc}"})  # fmt: skip

    def close(self) -> None:  # noqa: D401 - widget API
        if self._server is not None:
            self._server.close()
            self._server = None
        super().close()

    def start(self) -> None:
        self.running = True
        self.send({"type": "start"})

    def stop(self) -> None:
        """Stop the camera: the stream ends (``on_end``)."""
        self.running = False
        self.send({"type": "stop"})
        self._ended("stopped")

    def _ended(self, reason: str) -> None:
        if self.on_end is not None:
            self.on_end(reason)

    def request_video(self) -> None:
        """Ask the browser for the video recorded so far (``record_video``); it answers with a
        ``video`` message that goes to ``on_video``, and goes on recording a new part."""
        self.send({"type": "send_video"})
