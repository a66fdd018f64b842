"""An anywidget webcam that streams JPEG frames to the kernel at camera speed.

ipywebrtc delivers about one frame per second to the kernel in JupyterLab 4; this widget sends
each frame as a binary JPEG message, keeps at most ``max_in_flight`` unanswered (newer frames
are dropped, never queued; the newest goes as soon as an answer frees a slot), and draws what
the kernel answers (landmarks, joint colours) on a canvas over the full-size video. The kernel
gets a small copy (``pose_side`` pixels on its longest side, scaled and JPEG-encoded in a
browser worker, off the page's thread): the pose model looks at 256x256 anyway, and a small
frame is cheaper to encode, send and decode (docs/benchmarks.md, "Live coach in the browser").
The kernel side is a callback: ``frame bytes -> result dict``. With ``record_video`` on, the
browser also records the camera and sends the video on ``request_video()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from gymlib.landmarks import POSE_CONNECTIONS

FrameHandler = Callable[[bytes, float], dict[str, Any] | None]
#: called with the recorded video's bytes, its MIME type and an error text (or None)
VideoHandler = Callable[[bytes, str, str | None], None]


class CameraWidget(anywidget.AnyWidget):
    """The browser's webcam as a stream of frames for the kernel."""

    _esm = Path(__file__).with_name("camera.js")
    width = traitlets.Int(640).tag(sync=True)
    height = traitlets.Int(480).tag(sync=True)
    quality = traitlets.Float(0.8).tag(sync=True)
    #: frames go to the kernel at this fraction of the camera's size (landmarks are normalised)
    send_scale = traitlets.Float(1.0).tag(sync=True)
    #: ... and at most this many pixels on their longest side (0: no limit)
    pose_side = traitlets.Int(256).tag(sync=True)
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

    def __init__(
        self,
        handler: FrameHandler | None = None,
        *,
        on_video: VideoHandler | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.handler = handler
        self.on_video = on_video
        self.frames_received = 0
        self.kernel_seconds = 0.0
        self.on_msg(self._on_msg)

    def _on_msg(self, _widget: Any, content: dict[str, Any], buffers: list[bytes]) -> None:
        if isinstance(content, dict) and content.get("type") == "video":
            if self.on_video is not None:
                data = bytes(buffers[0]) if buffers else b""
                try:
                    self.on_video(data, str(content.get("mime", "")), content.get("error"))
                except Exception as exc:  # noqa: BLE001 - shown in the widget, not lost in a log
                    self.send({"type": "error", "text": f"the video could not be saved: {exc}"})
            return
        if not isinstance(content, dict) or content.get("type") != "frame":
            return
        self.frames_received += 1
        t0 = time.perf_counter()
        try:
            if not buffers:
                raise ValueError("a frame message came without its JPEG data")
            result = (
                self.handler(bytes(buffers[0]), float(content.get("t", 0.0)))
                if (self.handler)
                else None
            )
            ms = (time.perf_counter() - t0) * 1000
            self.send({"type": "result", **(result or {}), "kernel_ms": round(ms, 2)})
        except Exception as exc:  # noqa: BLE001 - shown in the widget, the session goes on
            self.send({"type": "error", "text": f"frame {self.frames_received}: {exc}"})
        self.kernel_seconds += time.perf_counter() - t0

    def start(self) -> None:
        self.running = True
        self.send({"type": "start"})

    def stop(self) -> None:
        self.running = False
        self.send({"type": "stop"})

    def request_video(self) -> None:
        """Ask the browser for the video recorded so far (``record_video``); it answers with a
        ``video`` message that goes to ``on_video``, and goes on recording a new part."""
        self.send({"type": "send_video"})
