"""The live coach's dashboard fits a laptop screen (issue 41): in Chromium at 1280x800 and at
1920x1080, with JupyterLab as it opens, no control's label is cut short ("new…", "sav…"), nothing
sticks out of the notebook's output area, and the set table and the history panel stay inside
their boxes. On a fresh kernel no stderr box (MediaPipe's "INFO: Created TensorFlow Lite XNNPACK
delegate") sits in the dashboard's output, and "history" shows the session just saved.

Set ``GYMCOACH_SCREENSHOTS=<folder>`` to keep a screenshot of the dashboard at each size.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from test_browser import (  # noqa: F401 - lab is a fixture
    REPS_CEILING_S,
    ROOT,
    lab,
    lab_sessions,
    launch_with_fake_camera,
    new_sessions,
    video_to_y4m,
)

from gymlib.benchtools import run_live_notebook, shown, wait_until

pytestmark = pytest.mark.browser

SIZES = ((1280, 800), (1920, 1080))

#: Every visible label, button and table of the dashboard that does not fit its box, as text.
PROBLEMS = """(root) => {
  const bad = [], out = root.closest('.jp-OutputArea-output') || root.parentElement;
  const edge = Math.min(out.getBoundingClientRect().right, window.innerWidth) + 1;
  const seen = (el) => el.offsetParent !== null && el.getClientRects().length > 0;
  const cut = (el) => el.scrollWidth > el.clientWidth + 1;
  for (const el of root.querySelectorAll('button, .widget-label, .widget-label-basic span')) {
    if (seen(el) && cut(el)) {
      bad.push(`"${el.textContent.trim()}" cut: ${el.scrollWidth} > ${el.clientWidth} px`);
    }
  }
  for (const el of root.querySelectorAll('button, label, select, table, canvas, video')) {
    const r = el.getBoundingClientRect();
    if (seen(el) && r.right > edge) {
      bad.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" ends at `
               + `${Math.round(r.right)} px, past the output area (${Math.round(edge)} px)`);
    }
  }
  for (const t of root.querySelectorAll('table')) {
    const box = t.parentElement.closest('.widget-html, .widget-box');
    if (box && cut(box)) bad.push(`a table overflows: ${box.scrollWidth} > ${box.clientWidth}`);
  }
  return bad;
}"""


def test_the_dashboard_fits_1280x800_and_1920x1080(lab, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    url, token = lab
    clip = video_to_y4m(ROOT / "data" / "samples" / "squat-left.mp4", tmp_path / "squat.y4m")
    shots = Path(os.environ.get("GYMCOACH_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = launch_with_fake_camera(pw, clip)
        page = browser.new_page(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
        root = run_live_notebook(page, url, token, ".gymcoach-dashboard", state="visible",
                                 evidence=tmp_path / "no-dashboard")  # fmt: skip
        # a finished set, so that the set table is there to measure (each wait as long as the
        # page works: the kernel busy or frames drawn, however loaded the machine)
        wait_until(page, "() => Number(document.querySelector('.gymcoach-camera')?.dataset.reps"
                   " || 0) >= 1", "a rep", evidence=tmp_path / "no-rep",
                   ceiling_s=REPS_CEILING_S)  # fmt: skip
        page.get_by_role("button", name="new set").click()
        wait_until(page, "() => document.querySelectorAll('.gymcoach-dashboard table').length"
                   " >= 2", "the set table", evidence=tmp_path / "no-set-table")  # fmt: skip
        # a saved session, then the history panel: it shows the squats just saved
        sessions = lab_sessions(tmp_path)
        before = set(sessions.iterdir()) if sessions.is_dir() else set()
        page.get_by_role("button", name="save session").click()
        wait_until(page, "() => document.querySelector('.gymcoach-dashboard').innerText"
                   ".includes('frames)')", "the saved note",
                   evidence=tmp_path / "no-save")  # fmt: skip
        saved = new_sessions(sessions, before)
        try:
            page.get_by_role("button", name="history").click()
            wait_until(page, shown(".gymcoach-history table"), "the history table",
                       evidence=tmp_path / "no-history")  # fmt: skip
            history = page.inner_text(".gymcoach-history")
        finally:
            for d in saved:
                shutil.rmtree(d)  # only what this test saved
        stderr = root.evaluate("(r) => [...r.closest('.jp-Cell').querySelectorAll("
                               "'[data-mime-type=\"application/vnd.jupyter.stderr\"]')]"
                               ".map((e) => e.innerText)")  # fmt: skip
        problems = {}
        for w, h in SIZES:
            page.set_viewport_size({"width": w, "height": h})
            page.wait_for_timeout(1_500)
            root.scroll_into_view_if_needed()
            root.screenshot(path=str(shots / f"dashboard-{w}x{h}.png"))
            problems[f"{w}x{h}"] = root.evaluate(PROBLEMS)
        browser.close()
    print(f"dashboard screenshots in {shots}; history panel: {history!r}")
    assert not any(problems.values()), problems
    assert not stderr, f"stderr output in the dashboard's cell: {stderr}"
    assert len(saved) == 1 and "squat" in history and "reps" in history, history
