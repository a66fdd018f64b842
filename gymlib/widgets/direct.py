"""A direct WebSocket from the page to the kernel for the camera's frames (issue 41).

Through the widget's comm, a frame goes browser -> Jupyter server -> kernel's message loop and
its answer back the same way: about 30 ms a frame on a 2-core machine, more than the pose model
leaves of a 33-ms frame interval (docs/benchmarks.md, "Live coach in the browser"). This server,
started by the kernel, takes the frames straight from the page: its one thread reads a frame,
runs the handler (decode, pose, coach) and writes the answer.

Security: it listens on 127.0.0.1 only, on a free port; a connection must carry the random
token the kernel hands to the page (a widget trait, i.e. through Jupyter's own authenticated
channel), come from a page on this machine (``Origin`` a loopback host, or the origin the page
reported through the widget) and name this server as its ``Host`` (no DNS rebinding); anything
else is refused before the WebSocket opens, and the page falls back to the comm.

A frame message is binary: a 4-byte big-endian length, that many bytes of JSON (the comm's frame
message: ``{"type": "frame", "t": ..., "width": ..., "height": ...}``), then the JPEG. Answers
are JSON text, the same dicts the comm would carry.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import secrets
import socket
import struct
import sys
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket

#: (frame header, JPEG bytes, reply) -> None; ``reply`` sends one answer dict to the page.
Reply = Callable[[dict[str, Any]], None]
FrameCallback = Callable[[dict[str, Any], bytes, Reply], None]

PATH = "/gymcoach-frames"
#: a frame's JSON header is small; more is not a frame message
MAX_HEADER = 4096


def on_main(fn: Callable[[], None]) -> None:
    """Run ``fn`` on the kernel's main thread (its tornado loop, between messages), where the
    widgets' traits are set; at once where there is no kernel (a script)."""
    loop = None
    try:
        from ipykernel.kernelbase import Kernel

        if Kernel.initialized():
            loop = getattr(Kernel.instance(), "io_loop", None)
    except ImportError:
        pass
    if loop is None:
        fn()
    else:
        loop.add_callback(fn)


def loopback_origin(origin: str) -> bool:
    """True for a page served from this machine (``http://localhost:8888`` and the like)."""
    host = urlsplit(origin).hostname or ""
    if host == "localhost":
        return True
    try:  # an address, not a name that starts like one ("127.0.0.1.example.com")
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def split_frame(message: bytes) -> tuple[dict[str, Any], bytes]:
    """A binary frame message -> its JSON header and its JPEG bytes; ValueError otherwise."""
    if len(message) < 4:
        raise ValueError(f"a frame message of {len(message)} bytes has no header")
    (n,) = struct.unpack(">I", message[:4])
    if n > MAX_HEADER or 4 + n > len(message):
        raise ValueError(f"a frame header of {n} bytes in a message of {len(message)} bytes")
    try:
        header = json.loads(message[4 : 4 + n].decode("utf-8"))
    except RecursionError:  # "[[[[...": nested deeper than the parser goes
        raise ValueError("a frame header nested too deep to be a frame's") from None
    if not isinstance(header, dict):
        raise ValueError("a frame header is not a JSON object")
    return header, message[4 + n :]


def join_frame(header: dict[str, Any], jpeg: bytes) -> bytes:
    """The binary frame message of ``header`` and ``jpeg`` (what the page sends)."""
    head = json.dumps(header).encode("utf-8")
    return struct.pack(">I", len(head)) + head + jpeg


class _FrameSocket(tornado.websocket.WebSocketHandler):
    def initialize(self, server: FrameServer) -> None:
        self.server = server

    def open(self, *_args: str) -> None:
        self.set_nodelay(True)  # an answer goes at once, not batched with the next
        self.server.open_sockets.add(self)

    def on_close(self) -> None:
        self.server.open_sockets.discard(self)

    def log_exception(self, *_args: Any) -> None:
        pass  # a refused connection is the page's business (it falls back), not the notebook's

    def check_origin(self, origin: str) -> bool:
        return self.server.origin_allowed(origin)

    def prepare(self) -> None:
        token = self.get_query_argument("token", "")
        if not hmac.compare_digest(token.encode(), self.server.token.encode()):
            raise tornado.web.HTTPError(403, "wrong token")
        if self.request.host != f"127.0.0.1:{self.server.port}":
            raise tornado.web.HTTPError(403, "wrong host")

    def on_message(self, message: str | bytes) -> None:
        try:
            if isinstance(message, str):
                raise ValueError("a text message; frames come as binary messages")
            header, jpeg = split_frame(message)
        except ValueError as exc:
            self._reply({"type": "error", "answered": False, "text": str(exc)})
            return
        try:
            self.server.on_frame(header, jpeg, self._reply)
        except Exception as exc:  # noqa: BLE001 - the page hears of it; the socket stays open
            self._reply(
                {"type": "error", "answered": False, "text": f"{type(exc).__name__}: {exc}"}
            )

    def _reply(self, answer: dict[str, Any]) -> None:
        if self.ws_connection is None or self.ws_connection.is_closing():
            return  # the page went (a closed tab) while its frame was being answered
        try:  # the page's JSON.parse takes no NaN: one such answer would hold a frame slot
            text = json.dumps(answer, allow_nan=False)
        except ValueError:
            text = json.dumps(_finite(answer), allow_nan=False)
        try:
            sent = self.write_message(text)
        except tornado.websocket.WebSocketClosedError:
            return
        # a page gone while this answer was on its way (a reset): nothing to tell, and no
        # "Task exception was never retrieved" traceback in the notebook
        sent.add_done_callback(lambda f: f.cancelled() or f.exception())


def _finite(obj: Any) -> Any:
    """``obj`` with NaN and infinite floats as None (JSON's null), in dicts and lists."""
    if isinstance(obj, float):
        return obj if obj == obj and abs(obj) != float("inf") else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


class FrameServer:
    """A WebSocket server on 127.0.0.1 (a free port) whose own thread answers frames with
    ``on_frame``; :meth:`close` stops it. ``url`` and ``token`` are for the page."""

    def __init__(self, on_frame: FrameCallback, *, max_bytes: int) -> None:
        self.on_frame = on_frame
        self.token = secrets.token_urlsafe(24)
        self.page_origins: set[str] = set()  # origins the page reported through the widget
        self.open_sockets: set[_FrameSocket] = set()
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1", family=socket.AF_INET)
        self.port = int(sockets[0].getsockname()[1])
        self.url = f"ws://127.0.0.1:{self.port}{PATH}"
        self._loop = asyncio.new_event_loop()
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(self._loop)
            app = tornado.web.Application(
                [(PATH, _FrameSocket, {"server": self})],
                websocket_max_message_size=max_bytes + MAX_HEADER + 4,
                log_function=lambda _handler: None,  # no access log: its URLs hold the token
            )
            self._http = tornado.httpserver.HTTPServer(app)
            self._http.add_sockets(sockets)
            self._loop.call_soon(started.set)
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=serve, name="gymcoach-frames", daemon=True)
        self._thread.start()
        started.wait(10)

    def origin_allowed(self, origin: str) -> bool:
        return loopback_origin(origin) or origin in self.page_origins

    def close(self) -> None:
        if not self._thread.is_alive() or sys.is_finalizing():  # (at exit: a daemon, it goes)
            return

        def stop() -> None:
            self._http.stop()
            for ws in list(self.open_sockets):
                ws.close()
            self._loop.call_later(0.1, self._loop.stop)  # the close frames go out first

        self._loop.call_soon_threadsafe(stop)
        self._thread.join(5)
