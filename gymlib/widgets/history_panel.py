"""The dashboard's "history" panel: progress per exercise over the saved sessions (issue 41).

A toggle button (placed in the dashboard's controls) opens a compact table from
:func:`gymlib.history.daily_progress`: per exercise its last days, each with the sessions, reps,
share of good reps, median rep time and range of motion, and how the good share and the range
changed from the first day to the last. It is read again each time it is opened (a session
saved since shows up); damaged sessions are named, not fatal.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as W

#: days shown per exercise (the latest; the trend still spans all of them)
DAYS_SHOWN = 5


class HistoryPanel(W.VBox):
    """Progress per exercise and day of the sessions in ``folder``; ``classifier`` gives the
    model the sessions are replayed with (called when the panel is first filled)."""

    def __init__(self, folder: str | Path, classifier: Callable[[], Any]) -> None:
        self.folder = Path(folder)
        self._classifier = classifier
        self.button = W.ToggleButton(
            value=False, description="history", tooltip="progress per exercise, saved sessions"
        )
        self.button.layout.width = "auto"
        self.table = W.HTML("")
        self.button.observe(lambda ch: self.show(ch["new"]), names="value")
        super().__init__([self.table], layout=W.Layout(display="none"))
        self.add_class("gymcoach-history")

    def show(self, on: bool = True) -> None:
        """Open (and read the sessions again) or close the panel."""
        if self.button.value != on:
            self.button.value = on  # its observer calls show(on) again: the sessions read once
            return
        self.layout.display = "" if on else "none"
        if on:
            self.table.value = "<i>reading the saved sessions...</i>"
            try:
                self.table.value = self.render()
            except Exception as exc:  # said in the panel: a widget's callback has no one to tell
                why = html.escape(f"{type(exc).__name__}: {exc}")
                self.table.value = f"<span style='color:#e74c3c'>the history failed: {why}</span>"

    def render(self) -> str:
        """The panel's HTML: a heading, a table per exercise, and what was skipped."""
        from gymlib.history import daily_progress, session_history

        table = session_history(self.folder, classifier=self._classifier())
        days = daily_progress(table)
        skipped = table.attrs.get("skipped", {})
        parts = [f"<b>history</b> ({html.escape(str(self.folder))})"]
        if len(days) == 0:
            parts.append("<div>no saved sessions yet: 'save session' keeps one</div>")
        for ex, d in days.groupby("exercise", sort=True):
            d = d.sort_values("day")
            first, last = d.iloc[0], d.iloc[-1]
            trend = (f"good {first.good_share:.0%} &rarr; {last.good_share:.0%}, range "
                     f"{first.rom:.2f} &rarr; {last.rom:.2f} over {len(d)} day(s)")  # fmt: skip
            rows = "".join(
                f"<tr><td>{r.day}</td><td>{r.sessions}</td><td>{r.reps}</td>"
                f"<td>{r.good_share:.0%}</td><td>{r.tempo_s:.1f} s</td><td>{r.rom:.2f}</td></tr>"
                for r in d.tail(DAYS_SHOWN).itertuples()
            )
            parts.append(
                f"<div><b>{html.escape(str(ex))}</b>: {trend}</div><table><tr><th>day</th>"
                "<th>sessions</th><th>reps</th><th>good</th><th>rep time</th><th>range</th>"
                f"</tr>{rows}</table>"
            )
        if skipped:
            names = html.escape(", ".join(map(str, skipped)))
            parts.append(
                f"<div style='color:#b7950b'>skipped {len(skipped)} damaged session(s): "
                f"{names}</div>"
            )
        return "".join(parts)
