"""Past sessions at a glance: every saved session's reps, per exercise and verdict, and a CSV.

    table = session_history()            # every session in data/sessions, one row per rep
    plot_history(table); export_csv(table, "my_reps.csv")

The reps come from replaying each session's landmarks through a fresh ``CoachSession`` (the same
logic as live), cached in its folder as ``reps.json`` (beside an older ``<session>.npz`` as
``<session>.reps.json``) so a session is replayed once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gymlib.config import load_config
from gymlib.io import write_json_atomic, write_text_atomic
from gymlib.recording import SUMMARY, landmarks_file, replay_session, session_name, session_paths

COLUMNS = ("session", "started", "rep", "exercise", "start_s", "end_s", "rom", "down_s", "up_s",
           "pause_s", "verdict", "reasons")  # fmt: skip


def session_reps(path: str | Path, classifier: Any = None) -> list[dict[str, Any]]:
    """The reps of one saved session, a folder or an older ``.npz`` (replayed once, then read
    from its cache)."""
    p = Path(path)
    source = landmarks_file(p)
    cache = p / "reps.json" if p.is_dir() else p.with_suffix(".reps.json")
    fresh = source.is_file() and cache.is_file()
    if fresh and cache.stat().st_mtime_ns >= source.stat().st_mtime_ns:
        return json.loads(cache.read_text())
    rows = replay_session(p, classifier).summary()  # a clear error if it is not a session
    write_json_atomic(cache, rows)
    return rows


def session_history(folder: str | Path | None = None, classifier: Any = None):  # noqa: ANN201
    """A pandas table of every rep in every session under ``folder`` (``data/sessions``)."""
    import datetime

    import pandas as pd

    cfg = load_config()
    root = Path(folder) if folder is not None else cfg.resolve(cfg.paths.data_sessions)
    rows = []
    for p in session_paths(root):
        summary = p / SUMMARY
        saved = json.loads(summary.read_text()).get("saved", "") if summary.is_file() else ""
        mtime = landmarks_file(p).stat().st_mtime
        started = saved or datetime.datetime.fromtimestamp(mtime).isoformat(timespec="seconds")
        for r in session_reps(p, classifier):
            rows.append({"session": session_name(p), "started": started, **r})
    table = pd.DataFrame(rows)
    return table.reindex(columns=list(COLUMNS)) if len(table) else pd.DataFrame(columns=COLUMNS)


def plot_history(table):  # noqa: ANN001, ANN201
    """Reps and their form over past sessions, one panel per exercise: reps per session stacked
    by verdict (green good, yellow partial, red faulty) and the share of good reps as a line.
    Returns the figure."""
    import matplotlib.pyplot as plt

    if len(table) == 0:
        fig, ax = plt.subplots(figsize=(9, 2))
        ax.text(0.5, 0.5, "no saved sessions yet", ha="center", va="center")
        ax.axis("off")
        return fig
    colours = {"good": "#2ecc71", "partial": "#f1c40f", "faulty": "#e74c3c"}
    exercises = sorted(table["exercise"].unique())
    sessions = sorted(table["session"].unique())  # session names sort by time
    fig, axes = plt.subplots(len(exercises), 1, figsize=(9, 2.6 * len(exercises)), squeeze=False)
    for ax, ex in zip(axes[:, 0], exercises, strict=True):
        rows = table[table["exercise"] == ex]
        counts = rows.groupby(["session", "verdict"]).size().unstack(fill_value=0)
        counts = counts.reindex(index=sessions, fill_value=0)
        counts = counts.reindex(columns=list(colours), fill_value=0)
        counts.plot.bar(stacked=True, ax=ax, color=list(colours.values()), rot=30, legend=False)
        ax.set_ylabel("reps")
        ax.set_title(f"{ex}: reps per session, and the share of good ones")
        good = counts["good"] / counts.sum(axis=1).where(counts.sum(axis=1) > 0)
        share = ax.twinx()
        share.plot(range(len(sessions)), good.to_numpy(), "ko-", ms=4, lw=1)
        share.set_ylim(0, 1.05)
        share.set_ylabel("good")
    fig.tight_layout()
    return fig


def export_csv(table, path: str | Path) -> Path:  # noqa: ANN001
    """The history table as CSV, written atomically."""
    return write_text_atomic(path, table.to_csv(index=False))
