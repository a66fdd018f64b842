"""The camera widget's kernel side: what it answers the browser for each frame message."""

from __future__ import annotations

from typing import Any

from gymlib.widgets.camera import CameraWidget


def _widget(handler: Any) -> tuple[CameraWidget, list[dict[str, Any]]]:
    cam = CameraWidget(handler=handler)
    sent: list[dict[str, Any]] = []
    cam.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    return cam, sent


def _frame(cam: CameraWidget) -> None:
    cam._on_msg(cam, {"type": "frame", "t": 0.5, "width": 640, "height": 480}, [b"jpeg"])


def test_a_failing_handler_answers_with_an_error_that_frees_the_slot() -> None:
    def broken(jpeg: bytes, t: float) -> dict[str, Any]:
        raise RuntimeError("pose model crashed")

    cam, sent = _widget(broken)
    _frame(cam)
    assert [m["type"] for m in sent] == ["error"]
    assert sent[0]["answered"] is False and "pose model crashed" in sent[0]["text"]


def test_an_error_after_the_answer_says_the_frame_was_answered() -> None:
    cam, sent = _widget(lambda jpeg, t: {"landmarks": [[0.5, 0.5, 0.0, 1.0]] * 33})

    def broken_size(landmarks: Any, size: tuple[int, int]) -> int:
        raise ValueError("bad size")

    cam.pose_size = broken_size  # type: ignore[assignment]
    _frame(cam)
    # the result went out first: the browser must not free a second frame's slot for the error
    assert [m["type"] for m in sent] == ["result", "error"]
    assert sent[1]["answered"] is True and "bad size" in sent[1]["text"]
