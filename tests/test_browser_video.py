"""The annotated video plays in a real browser (issue 41, item 1): Chromium loads
``annotated.mp4`` in a ``<video>`` element, over HTTP and as notebook 05 embeds it (a data URL),
reaches ``readyState >= 2`` and its ``currentTime`` advances. OpenCV's ``mp4v``, which the
project wrote before, is the control: Chromium cannot play it.
"""

from __future__ import annotations

import base64
import functools
import http.server
import threading
from pathlib import Path

import pytest

from gymlib.analyze import analyze, save_clip_npz
from gymlib.benchtools import CHROMIUM
from gymlib.synth import generate_clip

pytestmark = pytest.mark.browser

PLAY = """async () => {
  const v = document.querySelector('video');
  const start = Date.now();
  while (v.readyState < 2 && !v.error && Date.now() - start < 10000) {
    await new Promise(r => setTimeout(r, 100));
  }
  const ready = v.readyState;
  if (ready < 2) return {ready, error: v.error ? v.error.message || v.error.code : null};
  await v.play();
  const t0 = v.currentTime;
  await new Promise(r => setTimeout(r, 1500));
  return {ready, t0, t1: v.currentTime, width: v.videoWidth, height: v.videoHeight};
}"""


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import cv2

    root = tmp_path_factory.mktemp("videos")
    clip = generate_clip("squat", 3, seed=3, view="left")
    result = analyze(save_clip_npz(clip, root / "clip.npz"), out=root / "analysis",
                     progress=False)  # fmt: skip
    h264 = Path(result.outputs["video"])
    mp4v = root / "mp4v.mp4"  # the codec the project used before
    cap = cv2.VideoCapture(str(h264))
    out = cv2.VideoWriter(str(mp4v), cv2.VideoWriter_fourcc(*"mp4v"), 30,
                          (int(cap.get(3)), int(cap.get(4))))  # fmt: skip
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        out.write(frame)
    out.release()
    return {"h264": h264, "mp4v": mp4v}


@pytest.fixture(scope="module")
def page(videos: dict[str, Path]):
    if not Path(CHROMIUM).is_file():
        pytest.fail("Debian chromium is not installed: apt-get install -y chromium (see README)")
    from playwright.sync_api import sync_playwright

    folder = videos["h264"].parent.parent
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as pw:
        autoplay = "--autoplay-policy=no-user-gesture-required"
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[autoplay])
        page = browser.new_page()
        page.base = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
        yield page
        browser.close()
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def _play(page, src: str) -> dict:  # noqa: ANN001
    page.goto(page.base + "/")
    page.set_content(f'<video muted playsinline src="{src}"></video>')
    return page.evaluate(PLAY)


def _relative(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def test_annotated_mp4_plays_in_chromium(page, videos) -> None:  # noqa: ANN001
    state = _play(page, f"{page.base}/{_relative(videos['h264'])}")
    assert state["ready"] >= 2, state
    assert state["t1"] > state["t0"] + 0.3, state
    assert (state["width"], state["height"]) == (640, 480)


def test_annotated_mp4_plays_as_notebook_05_embeds_it(page, videos) -> None:  # noqa: ANN001
    data = base64.b64encode(videos["h264"].read_bytes()).decode()
    state = _play(page, f"data:video/mp4;base64,{data}")
    assert state["ready"] >= 2 and state["t1"] > state["t0"] + 0.3, state


def test_the_old_mp4v_codec_does_not_play(page, videos) -> None:  # noqa: ANN001
    """The control: the same frames in OpenCV's mp4v never become playable."""
    state = _play(page, f"{page.base}/{_relative(videos['mp4v'])}")
    assert state["ready"] < 2, state
