"""The live coach in a real browser: Chromium with a fake webcam, a real JupyterLab (issue 8).

The fake webcam plays a committed rendered clip (``data/samples/squat-left.mp4``, issue 10: a
body mesh doing squats, which MediaPipe sees as a person) converted to y4m. The test opens
notebook 04, runs it, and checks that frames reach the kernel, landmarks come back, the skeleton
is drawn on the overlay canvas, the exercise is recognised and the rep counter moves; frames
go by the direct socket to the kernel, and by the widget's comm when that socket is refused.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from gymlib.benchtools import (
    CHROMIUM,
    LIVE_NOTEBOOK,
    REFUSE_DIRECT,
    lab_tree,
    launch_with_fake_camera,
    run_live_notebook,
    start_lab,
    video_to_y4m,
    wait_until,
)

ROOT = Path(__file__).resolve().parent.parent
#: the frames drawn keep a wait going however long the counter stays at 0: reps come with the
#: 17-s clip's loops, so a wait for them ends here (17 loops) even while frames are drawn
REPS_CEILING_S = 300

pytestmark = pytest.mark.browser


def lab_sessions(tmp_path: Path) -> Path:
    """Where the ``lab`` fixture's notebook 04 saves (its ``SESSIONS``): the test's own folder,
    never the project's ``data/sessions`` (a coach's unsaved frames stay for the next coach)."""
    return tmp_path / "sessions"


#: The overlay canvas's painted pixels (the skeleton drawn from the kernel's answers).
OVERLAY_PIXELS = """() => { const c = document.querySelector('.gymcoach-overlay');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n; }"""


@pytest.fixture
def lab(tmp_path: Path):
    """JupyterLab on a copy of notebook 04 in ``tmp_path``: whatever the browser does, the
    tracked notebook is never touched (JupyterLab autosaves outputs); it is checked after."""
    if not Path(CHROMIUM).is_file():
        pytest.fail("Debian chromium is not installed: apt-get install -y chromium (see README)")
    token = "gymcoach-test"
    tracked = (ROOT / LIVE_NOTEBOOK).read_bytes()
    try:
        proc, url = start_lab(lab_tree(ROOT, tmp_path, lab_sessions(tmp_path)), tmp_path, token)
    except RuntimeError as e:
        pytest.fail(str(e))
    yield url, token
    proc.terminate()
    proc.wait(timeout=20)
    assert (ROOT / LIVE_NOTEBOOK).read_bytes() == tracked, f"{LIVE_NOTEBOOK} was modified"


def open_coach(page, url: str, token: str, tmp_path: Path):  # noqa: ANN001, ANN201 - playwright
    """Notebook 04 run in ``page`` until the camera widget is there; its element."""
    return run_live_notebook(page, url, token, ".gymcoach-camera",
                             evidence=tmp_path / "no-camera")  # fmt: skip


def saved_session(page, sessions: Path, before: set[Path], holding: str) -> Path | None:  # noqa: ANN001 - playwright
    """The session folder "save session" made in ``sessions`` (one not in ``before``), once it
    holds ``holding``; None once the page stalls (``wait_until``)."""

    def done() -> list[Path]:
        return [d for d in new_sessions(sessions, before) if (d / holding).is_file()]

    try:
        wait_until(page, lambda: bool(done()), f"a saved session holding {holding}")
    except TimeoutError:
        return None
    return done()[0]


def new_sessions(sessions: Path, before: set[Path]) -> list[Path]:
    """The session folders in ``sessions`` not in ``before`` (not the live coach's spool file,
    ``.recording-*.frames``, which sits there while the camera runs)."""
    if not sessions.is_dir():
        return []
    return [d for d in sessions.iterdir() if d not in before and d.is_dir()]


def frames_drawn(page, n: int, evidence: Path) -> None:  # noqa: ANN001 - playwright
    """Wait until the camera widget has drawn ``n`` frames, for as long as the page works."""
    wait_until(page, "() => Number(document.querySelector('.gymcoach-camera')?.dataset"
               f".framesDrawn || 0) >= {n}", f"{n} frames drawn", evidence=evidence)  # fmt: skip


def test_live_coach_falls_back_to_the_comm_when_the_direct_socket_is_refused(
    lab, tmp_path: Path
) -> None:
    """The camera here is too close: the squatter's feet are out of the picture (ankles at
    68-76 % of the rendered clip's height, the picture cut at 66 % and zoomed back to 640x480),
    and the dashboard says so (gymlib.framing)."""
    from playwright.sync_api import sync_playwright

    url, token = lab
    close = tmp_path / "squat-close.mp4"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i",
                    str(ROOT / "data" / "samples" / "squat-left.mp4"), "-vf",
                    "crop=trunc(iw*0.66/2)*2:trunc(ih*0.66/2)*2:(iw-ow)/2:0", "-c:v", "libx264",
                    "-crf", "18", "-pix_fmt", "yuv420p", str(close)], check=True)  # fmt: skip
    clip = video_to_y4m(close, tmp_path / "squat.y4m")
    with sync_playwright() as pw:
        browser = launch_with_fake_camera(pw, clip)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.add_init_script(REFUSE_DIRECT)
        camera = open_coach(page, url, token, tmp_path)
        frames_drawn(page, 30, tmp_path / "few-frames")
        transport = camera.get_attribute("data-transport")
        painted = page.evaluate(OVERLAY_PIXELS)
        status = page.inner_text(".gymcoach-status")
        try:
            wait_until(page, "() => /feet are out of the picture/.test(document.querySelector("
                       "'.gymcoach-dashboard').innerText)", "the framing hint",
                       evidence=tmp_path / "no-hint", ceiling_s=REPS_CEILING_S)  # fmt: skip
        except TimeoutError as e:  # reported by the assertion below
            print(e)
        dashboard = page.inner_text(".gymcoach-dashboard")
        browser.close()
    print(f"fallback: transport {transport!r}, {painted} overlay pixels, status {status!r}")
    assert transport == "comm", f"frames went by {transport!r}, not the comm, with a wrong token"
    assert painted > 500, "the skeleton was not drawn on the overlay"
    assert "camera on" in status
    assert "Your feet are out of the picture - step back or aim the camera lower" in dashboard, (
        f"no framing hint on the dashboard ({tmp_path}): {dashboard!r}")  # fmt: skip


def test_live_coach_streams_the_fake_webcam(lab, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    url, token = lab
    clip = video_to_y4m(ROOT / "data" / "samples" / "squat-left.mp4", tmp_path / "squat.y4m")
    with sync_playwright() as pw:
        browser = launch_with_fake_camera(pw, clip)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        camera = open_coach(page, url, token, tmp_path)
        frames_drawn(page, 30, tmp_path / "few-frames")
        # steady state: frames drawn over the next ~10 s
        n0, t0 = int(camera.get_attribute("data-frames-drawn")), time.perf_counter()
        page.wait_for_timeout(10_000)
        drawn = int(camera.get_attribute("data-frames-drawn"))
        fps = (drawn - n0) / (time.perf_counter() - t0)
        painted = page.evaluate(OVERLAY_PIXELS)
        status = page.inner_text(".gymcoach-status")
        rtt, kernel_ms, encode_ms = (
            camera.get_attribute(f"data-{a}-ms") for a in ("round-trip", "kernel", "encode")
        )
        # the rendered person squats: the exercise is recognised and the counter moves (the
        # 17-s clip loops, so within a minute every rep has been seen at least twice)
        try:
            wait_until(page, "() => Number(document.querySelector('.gymcoach-camera')?.dataset"
                       ".reps || 0) >= 2", "2 reps", evidence=tmp_path / "no-reps",
                       ceiling_s=REPS_CEILING_S)  # fmt: skip
        except TimeoutError as e:  # reported by the assertion below
            print(e)
        reps = int(camera.get_attribute("data-reps") or 0)
        # the dashboard (set by the kernel's main thread, not the frames' socket) follows
        try:
            wait_until(page, "() => /exercise: squat/.test(document.querySelector("
                       "'.gymcoach-dashboard').innerText)", "the dashboard's exercise",
                       evidence=tmp_path / "no-dashboard")  # fmt: skip
        except TimeoutError as e:  # reported by the assertion below
            print(e)
        dashboard = page.inner_text(".gymcoach-dashboard")
        most_in_flight = int(camera.get_attribute("data-max-in-flight") or 0)
        exercise = camera.get_attribute("data-exercise")
        encoder = camera.get_attribute("data-encoder")
        transport = camera.get_attribute("data-transport")
        sent_size = camera.get_attribute("data-sent-size")
        print(f"browser: {drawn} frames drawn, {fps:.1f} fps, round trip {rtt} ms (kernel "
              f"{kernel_ms} ms, JPEG {encode_ms} ms), at most {most_in_flight} in flight, "
              f"{painted} overlay pixels, encoded in the {encoder}, sent at {sent_size} by "
              f"{transport}, status {status!r}, exercise {exercise!r}, {reps} reps")  # fmt: skip
        # "save video", a few seconds, "save session": a new session folder with the video
        sessions = lab_sessions(tmp_path)
        before = set(sessions.iterdir()) if sessions.is_dir() else set()
        page.locator(".widget-checkbox", has_text="save video").locator("input").check()
        page.wait_for_timeout(4_000)
        page.get_by_role("button", name="save session").click()
        saved = saved_session(page, sessions, before, "video.webm")
        if saved is None:
            page.screenshot(path=str(tmp_path / "no-video.png"))
        browser.close()
    assert saved is not None, f"no session folder with a video appeared ({tmp_path}/no-video.png)"
    try:
        from gymlib.recording import load_session

        rec = load_session(saved)
        video_bytes = (saved / "video.webm").stat().st_size
        rep_events = [e for e in rec.events if e["type"] == "rep"]
        print(f"saved session: {len(rec.landmarks)} frames, {len(rep_events)} rep events, "
              f"video {video_bytes // 1024} kB")  # fmt: skip
        assert len(rec.landmarks) >= drawn and rec.summary["frames"] == len(rec.landmarks)
        assert len(rep_events) >= 2 and video_bytes > 10_000
        import cv2

        cap = cv2.VideoCapture(str(saved / "video.webm"))
        ok, image = cap.read()
        cap.release()
        assert ok and image.shape[:2] == (480, 640), "the saved video does not decode"
    finally:
        shutil.rmtree(saved)  # only what this test recorded
    assert drawn >= 60 and fps > 5
    assert 1 <= most_in_flight <= 2, f"{most_in_flight} frames were unanswered at once (max 2)"
    assert painted > 500, "the skeleton was not drawn on the overlay"
    assert encoder == "worker", "the JPEG was encoded on the page's thread, not in a worker"
    assert transport == "direct", f"frames went by {transport!r}, not the direct socket"
    assert "exercise: squat" in dashboard, f"the dashboard did not follow ({tmp_path})"
    assert "camera on" in status
    assert reps >= 2, f"the rep counter did not move ({reps} reps; {tmp_path}/no-reps.png)"
