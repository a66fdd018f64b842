"""The dashboard's history panel (issue 41): progress per exercise and day from saved sessions,
replayed with the shipped classifier; a damaged session is named, not fatal."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from gymlib.model import ExerciseClassifier
from gymlib.recording import save_session
from gymlib.synth import generate_clip
from gymlib.widgets.history_panel import HistoryPanel


def _save(root: Path, day: str, reps: int, seed: int) -> Path:
    clip = generate_clip("squat", reps, seed=seed, view="left", idle=False)
    t = np.arange(len(clip.landmarks)) / clip.fps
    return save_session(root, t, clip.landmarks, fps=clip.fps, aspect=clip.aspect,
                        summary={"saved": f"{day}T10:00:00+00:00"})  # fmt: skip


def test_the_panel_shows_each_day_of_an_exercise_and_names_a_damaged_session(
    tmp_path: Path,
) -> None:
    panel = HistoryPanel(tmp_path, ExerciseClassifier.load)
    panel.show(True)
    assert "no saved sessions yet" in panel.table.value
    _save(tmp_path, "2026-12-01", 4, seed=41)
    _save(tmp_path, "2026-12-03", 5, seed=42)
    damaged = _save(tmp_path, "2026-12-03", 3, seed=43)
    lm = damaged / "landmarks.npz"
    lm.write_bytes(lm.read_bytes()[:100])
    panel.show(False)
    assert panel.layout.display == "none" and not panel.button.value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the damaged one is named in the panel itself
        panel.button.value = True  # as a click does
    text = panel.table.value
    assert panel.layout.display == ""
    assert "<b>squat</b>" in text, text
    days = re.findall(r"<tr><td>(2026-12-0\d)</td><td>(\d+)</td><td>(\d+)</td>", text)
    assert [d for d, _, _ in days] == ["2026-12-01", "2026-12-03"], text
    assert [int(s) for _, s, _ in days] == [1, 1]  # the damaged one is left out
    assert all(int(n) >= 3 for _, _, n in days), days  # the generated reps, counted
    assert "over 2 day(s)" in text
    assert "skipped 1 damaged" in text and damaged.name in text


def test_opening_the_panel_reads_the_sessions_once(tmp_path: Path) -> None:
    # show(True) from code sets the button, whose observer opens the panel: one replay of the
    # saved sessions, not two (each replays every session through the classifier)
    loads: list[int] = []
    panel = HistoryPanel(tmp_path, lambda: loads.append(1))
    panel.show(True)
    assert panel.button.value and panel.layout.display == ""
    assert len(loads) == 1
    panel.button.value = False
    panel.button.value = True  # as a click does
    assert len(loads) == 2
