"""The camera widget's direct socket (gymlib.widgets.direct): a real WebSocket client against
the server a real CameraWidget starts; what it lets in, and that it answers as the comm does."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import tornado.httpclient
import tornado.websocket

from gymlib.widgets.camera import CameraWidget
from gymlib.widgets.direct import join_frame, loopback_origin, split_frame

HEADER = {"type": "frame", "t": 1.25, "width": 64, "height": 48}


def _connect(url: str, headers: dict[str, str]) -> Any:
    request = tornado.httpclient.HTTPRequest(url, headers=headers)
    return tornado.websocket.websocket_connect(request)


def _ask(cam: CameraWidget, message: bytes, *, token: str | None = None,
         origin: str = "http://127.0.0.1:8888", host: str | None = None) -> Any:  # fmt: skip
    """Connect as the page would (or with another token, origin, Host) and send one message:
    the answer as a dict, or the HTTP error that refused the connection."""

    async def go() -> Any:
        headers = {"Origin": origin, **({"Host": host} if host else {})}
        try:
            ws = await _connect(f"{cam.direct_url}?token={token or cam.direct_token}", headers)
        except tornado.httpclient.HTTPClientError as exc:
            return exc
        ws.write_message(message, binary=True)
        answer = await ws.read_message()
        ws.close()
        return json.loads(answer)

    return asyncio.run(go())


@pytest.fixture
def cam():
    seen: list[tuple[bytes, float]] = []

    def handler(jpeg: bytes, t: float) -> dict[str, Any]:
        seen.append((jpeg, t))
        return {"landmarks": None, "exercise": "squat", "reps": {"squat": {"good": 1}}}

    cam = CameraWidget(handler)
    cam.seen = seen  # type: ignore[attr-defined]
    yield cam
    cam.close()


def test_a_frame_over_the_direct_socket_is_answered_as_over_the_comm(cam) -> None:
    answer = _ask(cam, join_frame(HEADER, b"jpeg bytes"))
    assert cam.seen == [(b"jpeg bytes", 1.25)]
    comm: list[dict[str, Any]] = []
    cam.send = lambda content, buffers=None: comm.append(content)  # type: ignore[method-assign]
    cam._on_msg(cam, HEADER, [b"jpeg bytes"])
    timing = ("kernel_ms", "k_in", "k_out")
    assert {k: v for k, v in answer.items() if k not in timing} == {
        k: v for k, v in comm[0].items() if k not in timing
    }
    assert answer["type"] == "result" and all(k in answer for k in timing)


def test_the_direct_socket_refuses_a_wrong_token_origin_or_host(cam) -> None:
    frame = join_frame(HEADER, b"jpeg")
    for refused in (
        _ask(cam, frame, token="wrong"),
        _ask(cam, frame, origin="https://example.com"),
        _ask(cam, frame, host=f"attacker.example:{cam.direct_url.split(':')[2].split('/')[0]}"),
    ):
        assert isinstance(refused, tornado.httpclient.HTTPClientError) and refused.code == 403
    assert cam.seen == []
    cam.page_origin = "http://lab.example:8888"  # reported by the page through the widget
    assert _ask(cam, frame, origin="http://lab.example:8888")["type"] == "result"


def test_a_broken_frame_message_is_answered_with_an_error_that_frees_the_slot(cam) -> None:
    answer = _ask(cam, b"\x00\x00\xff\xffnot a frame")
    assert answer["type"] == "error" and answer["answered"] is False and "header" in answer["text"]
    assert cam.seen == []


def test_a_closed_widget_closes_its_server(cam) -> None:
    cam.close()
    with pytest.raises(ConnectionRefusedError):  # nothing listens on its port any more
        _ask(cam, join_frame(HEADER, b"jpeg"))


def test_frame_messages_and_origins() -> None:
    assert split_frame(join_frame(HEADER, b"\xff\xd8jpeg")) == (HEADER, b"\xff\xd8jpeg")
    with pytest.raises(ValueError, match="no header"):
        split_frame(b"\x00")
    assert loopback_origin("http://localhost:8888") and loopback_origin("http://[::1]:8888")
    assert loopback_origin("http://127.0.0.1:8888")
    assert not loopback_origin("http://localhost.example.com") and not loopback_origin("null")
    assert loopback_origin("http://127.1.2.3:8888")
    for name in ("http://127.0.0.1.example.com", "http://127.evil.example:8888"):
        assert not loopback_origin(name)  # a name, not a loopback address
