"""Stopping the camera in a real browser (session 7): Chromium with a fake webcam playing the
rendered squat clip, notebook 04 in a real JupyterLab. "stop" ends the stream as a video's end
does: the dashboard says so and shows the set closed, a saved session replays to the count the
dashboard showed; "start" goes on with a fresh stream and a new set; a camera the browser
loses (unplugged, turned off) ends the stream too."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_browser import REPS_CEILING_S, lab, lab_sessions, open_coach, saved_session  # noqa: F401 - lab: fixture

from gymlib.benchtools import launch_with_fake_camera, video_to_y4m, wait_until

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.browser

DRAWN = "() => Number(document.querySelector('.gymcoach-camera')?.dataset.framesDrawn || 0)"
REPS = "() => Number(document.querySelector('.gymcoach-camera')?.dataset.reps || 0)"
#: the camera's track ends as when it is unplugged (the browser's "ended" event)
UNPLUG = """() => { const v = document.querySelector('.gymcoach-camera video');
  v.srcObject.getVideoTracks()[0].dispatchEvent(new Event('ended')); }"""


def _dashboard_has(page, pattern: str, evidence: Path) -> bool:  # noqa: ANN001 - playwright
    """Whether the dashboard comes to match ``pattern`` while the page works (``wait_until``,
    at most ``REPS_CEILING_S``: a second set's reps come with the clip's loops; what it showed
    instead is printed, its screenshot and text saved as ``evidence``)."""
    try:
        wait_until(page, f"() => /{pattern}/.test(document.querySelector('.gymcoach-dashboard')"
                   ".innerText)", f"the dashboard's /{pattern}/", evidence=evidence,
                   ceiling_s=REPS_CEILING_S)  # fmt: skip
        return True
    except TimeoutError as e:  # the caller asserts
        print(e)
        return False


def _set_rows(text: str) -> list[tuple[int, int]]:
    """(set number, reps) of the dashboard's set table rows in its text: "1 squat 3 0 1 12 s"."""
    rows = re.findall(r"^(\d+)\s+\w+\s+(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+ s$", text, re.M)
    return [(int(n), int(g) + int(p) + int(f)) for n, g, p, f in rows]


def test_stop_closes_the_set_start_begins_another_and_a_save_replays_it(
    lab,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    from playwright.sync_api import sync_playwright

    url, token = lab
    clip = video_to_y4m(ROOT / "data" / "samples" / "squat-left.mp4", tmp_path / "squat.y4m")
    sessions = lab_sessions(tmp_path)
    before = set(sessions.iterdir()) if sessions.is_dir() else set()
    with sync_playwright() as pw:
        browser = launch_with_fake_camera(pw, clip)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_coach(page, url, token, tmp_path)
        wait_until(page, f"() => ({REPS})() >= 2", "2 reps", evidence=tmp_path / "no-reps",
                   ceiling_s=REPS_CEILING_S)  # fmt: skip
        page.get_by_role("button", name="stop", exact=True).click()
        stopped = _dashboard_has(page, "camera stopped at", tmp_path / "no-stop")
        text = page.inner_text(".gymcoach-dashboard")
        status = page.inner_text(".gymcoach-status")
        drawn = page.evaluate(DRAWN)
        page.wait_for_timeout(2_000)
        still = page.evaluate(DRAWN)  # no frame goes after the stop
        first = _set_rows(text)
        print(f"stopped: {first}, status {status!r}, note {text.splitlines()[-1:]!r}")
        # "save session": the stream and its end, replayed below
        page.get_by_role("button", name="save session").click()
        saved = saved_session(page, sessions, before, "summary.json")
        # "start": frames again, recognised afresh; the next reps are a second set
        page.get_by_role("button", name="start", exact=True).click()
        wait_until(page, f"() => ({DRAWN})() > {still + 30}", "frames after the restart",
                   evidence=tmp_path / "no-restart")  # fmt: skip
        note_gone = _dashboard_has(page, "^(?![\\s\\S]*camera stopped)", tmp_path / "note-stays")
        second = _dashboard_has(page, "\\n2\\s+squat\\s", tmp_path / "no-second-set")
        # the browser loses the camera (unplugged): the stream ends, the kernel hears of it
        page.evaluate(UNPLUG)
        unplugged = _dashboard_has(page, "camera was unplugged or turned off at",
                                   tmp_path / "no-unplug")  # fmt: skip
        end_text = page.inner_text(".gymcoach-dashboard")
        end_status = page.inner_text(".gymcoach-status")
        browser.close()
    assert saved is not None, "no session was saved"
    try:
        from gymlib.recording import load_session, replay_session

        rec = load_session(saved)
        replayed = replay_session(saved)
        counted = sum(sum(c.values()) for c in rec.summary["reps"].values())
        print(
            f"saved {len(rec.landmarks)} frames, ends {rec.inputs.ends}, {counted} reps "
            f"counted live, {len(replayed.reps)} replayed; after: {_set_rows(end_text)}"
        )
        assert rec.inputs.ends and rec.inputs.ends[-1] == len(rec.landmarks)
        assert len(replayed.reps) == counted == sum(n for _, n in first)
        assert [w.as_row() for w in replayed.sets.sets] == rec.summary["sets"]
    finally:
        shutil.rmtree(saved)  # only what this test recorded
    assert stopped, f"the dashboard did not say the camera stopped ({tmp_path})"
    assert first and first[-1][1] >= 2, first
    assert still - drawn <= 2, f"{still - drawn} frames were drawn after the stop"
    assert note_gone, "the stop note stayed after the camera started again"
    assert second, f"no second set after the restart ({tmp_path}/no-second-set.png)"
    assert unplugged, f"the kernel did not hear the camera go ({tmp_path}/no-unplug.png)"
    assert "unplugged" in end_status and "start" in end_status
