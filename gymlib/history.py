"""Past sessions at a glance: every saved session's reps, per exercise and verdict, and a CSV.

    table = session_history()            # every session in data/sessions, one row per rep
    plot_history(table); export_csv(table, "my_reps.csv")
    days = daily_progress(table)         # per exercise and day: reps, good share, tempo, range
    gymlib.plots.progress(days)          # or: python -m gymlib.history [--sessions D] [--out PNG]

The reps come from replaying each session's landmarks through a fresh ``CoachSession`` (the same
logic as live), cached in its folder as :data:`REPS_CACHE` (beside an older ``<session>.npz``
as ``<session>.<REPS_CACHE>``) so a session is replayed once; a damaged cache is rebuilt. A
damaged or foreign file (a cut ``landmarks.npz``, an unrelated ``.npz``) is skipped with a
warning naming it, and the table holds the rest; ``table.attrs["skipped"]`` lists what was left
out and why. A live coach saved more than once holds the workout in each save (every save
holds every frame since it started): only its fullest save is counted, and
``table.attrs["superseded"]`` names the others with it.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any

from gymlib.config import load_config
from gymlib.io import user_path, write_json_atomic, write_text_atomic
from gymlib.recording import SUMMARY, landmarks_file, replay_session, session_name, session_paths

#: a session's replayed reps, cached beside its landmarks; the name changes when the counting
#: changes what a replay gives, so older caches are replayed again (v2: set-up movements taken
#: back live, the rep a recording ends on counted)
REPS_CACHE = "reps-v2.json"

COLUMNS = ("session", "started", "rep", "exercise", "start_s", "end_s", "rom", "down_s", "up_s",
           "pause_s", "verdict", "reasons")  # fmt: skip


def session_reps(path: str | Path, classifier: Any = None) -> list[dict[str, Any]]:
    """The reps of one saved session, a folder or an older ``.npz`` (replayed once, then read
    from its cache)."""
    p = Path(path)
    source = landmarks_file(p)
    cache = p / REPS_CACHE if p.is_dir() else p.with_suffix("." + REPS_CACHE)
    fresh = source.is_file() and cache.is_file()
    if fresh and cache.stat().st_mtime_ns >= source.stat().st_mtime_ns:
        try:
            rows = json.loads(cache.read_text())
            if _rep_rows(rows):
                return rows
        except (json.JSONDecodeError, UnicodeDecodeError):
            pass  # a damaged cache: replay the session again and rewrite it
    rows = replay_session(p, classifier).summary()  # a clear error if it is not a session
    try:
        write_json_atomic(cache, rows)
    except OSError as exc:  # a read-only or full disk: the reps are right, only not kept
        warnings.warn(f"session history: could not cache {cache} ({exc}); the session is "
                      "replayed again next time", stacklevel=2)  # fmt: skip
    return rows


#: what every cached rep row holds (the history's columns but the session's own two)
REP_KEYS = frozenset(COLUMNS) - {"session", "started"}


def _rep_rows(rows: Any) -> bool:
    """Whether a cache's content is rep rows (a list of objects with every rep column): one
    from elsewhere, or cut by hand into other valid JSON, is replayed instead of shown."""
    return isinstance(rows, list) and all(
        isinstance(r, dict) and REP_KEYS <= r.keys() for r in rows
    )


def session_history(folder: str | Path | None = None, classifier: Any = None):  # noqa: ANN201
    """A pandas table of every rep in every session under ``folder`` (``data/sessions``)."""

    import pandas as pd

    cfg = load_config()
    root = Path(folder) if folder is not None else cfg.resolve(cfg.paths.data_sessions)
    if root.exists() and not root.is_dir():  # (a folder not made yet: no sessions yet)
        raise NotADirectoryError(f"{root}: not a folder; expected the folder of saved sessions")
    rows, skipped, infos = [], {}, {}
    for p in session_paths(root):
        try:
            infos[p] = _summary(p / SUMMARY)
        except ValueError as exc:
            skipped[str(p)] = str(exc)
            warnings.warn(f"session history: skipped {exc}", stacklevel=2)
    superseded: dict[str, str] = {}
    for saves in _workouts(infos):
        for k, p in enumerate(saves):  # the fullest first; a damaged one: the next
            try:
                reps = session_reps(p, classifier)
            except (ValueError, OSError, KeyError) as exc:  # damaged or not a session
                msg = str(exc) if str(p) in str(exc) else f"{p}: {exc}"
                skipped[str(p)] = msg
                warnings.warn(f"session history: skipped {msg}", stacklevel=2)
                continue
            superseded.update({str(q): str(p) for q in saves[k + 1 :]})
            started = _started(p, infos[p].get("saved"))
            rows += [{"session": session_name(p), "started": started, **r} for r in reps]
            break
    table = pd.DataFrame(rows)
    table = table.reindex(columns=list(COLUMNS)) if len(table) else pd.DataFrame(columns=COLUMNS)
    table.attrs["skipped"] = skipped
    table.attrs["superseded"] = superseded
    return table


def _started(session: Path, saved: Any) -> str:
    """When ``session`` was saved: its summary's ``saved`` time if it is one (ISO 8601), else
    its landmarks file's time (a summary edited by hand, or from elsewhere, said "yesterday"
    and the history's plot then failed on it)."""
    import datetime

    try:  # written the one way the day is read from ("20261201T100000" is ISO 8601 too)
        if isinstance(saved, str):
            return datetime.datetime.fromisoformat(saved).isoformat(timespec="seconds")
    except ValueError:
        pass
    if saved not in (None, ""):
        warnings.warn(f"session history: {session / SUMMARY}: 'saved' is {saved!r}, not a date "
                      "and time; the session's file time is used", stacklevel=3)  # fmt: skip
    mtime = landmarks_file(session).stat().st_mtime
    return datetime.datetime.fromtimestamp(mtime).isoformat(timespec="seconds")


def _workouts(infos: dict[Path, dict[str, Any]]) -> list[list[Path]]:
    """The sessions by workout, in the order found, each the fullest save first. The saves of
    one live coach (``coach_run``) are one workout: every save holds every frame since its coach
    started (and a rescue every frame recorded), so the fullest holds it all and the others
    would count its reps again; a tie goes to the user's own save. Others are one each."""
    runs: dict[str, list[Path]] = {}
    out: list[list[Path]] = []
    for p, info in infos.items():
        run = info.get("coach_run")
        if not isinstance(run, str):
            out.append([p])
        elif run not in runs:
            runs[run] = [p]
            out.append(runs[run])
        else:
            runs[run].append(p)
    for saves in runs.values():
        saves.sort(key=lambda p: (_frames(infos[p]), "rescued" not in infos[p], p.name),
                   reverse=True)  # fmt: skip
    return out


def _frames(info: dict[str, Any]) -> int:
    frames = info.get("frames")
    return frames if isinstance(frames, int) else 0


def _summary(summary: Path) -> dict[str, Any]:
    """A session's ``summary.json`` ({} when it has none); ValueError naming a damaged one."""
    if not summary.is_file():
        return {}
    try:
        info = json.loads(summary.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{summary}: damaged, not valid JSON ({exc})") from None
    except RecursionError:
        raise ValueError(f"{summary}: not a session's summary (nested too deep to read)") from None
    except OSError as exc:
        raise ValueError(f"{summary}: cannot be read ({exc})") from None
    return info if isinstance(info, dict) else {}


def plot_history(table):  # noqa: ANN001, ANN201
    """Reps and their form over past sessions, one panel per exercise: reps per session stacked
    by verdict (green good, yellow partial, red faulty) and the share of good reps as a line.
    Returns the figure."""
    import matplotlib.pyplot as plt

    if len(table) == 0:
        from gymlib.plots import no_data_figure

        return no_data_figure("no saved sessions yet")
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


#: the progress table's columns: a row per exercise and day
PROGRESS_COLUMNS = ("day", "exercise", "sessions", "reps", "good_share", "tempo_s", "rom")


def daily_progress(table):  # noqa: ANN001, ANN201
    """Per exercise and day (the sessions' save date): ``sessions``, ``reps``, ``good_share``
    (0..1), ``tempo_s`` (median rep time: down + pause + up, seconds) and ``rom`` (median range
    of motion, share of the full range). ``table`` is :func:`session_history`'s."""
    import pandas as pd

    if len(table) == 0:
        return pd.DataFrame(columns=PROGRESS_COLUMNS)
    t = table.assign(
        day=table["started"].astype(str).str[:10],
        good=(table["verdict"] == "good").astype(float),
        tempo=table[["down_s", "pause_s", "up_s"]].astype(float).sum(axis=1),
    )
    days = t.groupby(["day", "exercise"], sort=True).agg(
        sessions=("session", "nunique"), reps=("rep", "size"), good_share=("good", "mean"),
        tempo_s=("tempo", "median"), rom=("rom", "median"),
    ).reset_index()  # fmt: skip
    return days.round({"good_share": 2, "tempo_s": 2, "rom": 2})[list(PROGRESS_COLUMNS)]


def main(argv: list[str] | None = None) -> int:
    """``python -m gymlib.history``: the progress table printed, its plot written."""
    from gymlib.native_log import VERBOSE_HELP, quiet_native_log

    parser = argparse.ArgumentParser(
        prog="python -m gymlib.history",
        description="Progress over the saved sessions: per exercise and day, the reps, the share "
        "of good ones, the tempo and the range of motion. Damaged sessions are skipped and named.",
    )
    parser.add_argument("--sessions", type=user_path,
                        help="sessions folder (default: config paths.data_sessions)")  # fmt: skip
    parser.add_argument("--out", type=user_path,
                        help="the plot (PNG) to write (default: runs/history.png)")  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    args = parser.parse_args(argv)
    quiet_native_log(args.verbose)
    import matplotlib

    matplotlib.use("Agg")
    from gymlib.io import atomic_path
    from gymlib.model import ExerciseClassifier
    from gymlib.plots import progress
    from gymlib.spool import rescue_spools

    cfg = load_config()
    folder = Path(args.sessions) if args.sessions else cfg.resolve(cfg.paths.data_sessions)
    if (args.sessions or folder.exists()) and not folder.is_dir():  # a typo, a file there:
        what = "not a folder" if folder.exists() else "no such sessions folder"  # not "none yet"
        print(f"error: {folder}: {what}; expected the folder notebook 04's 'save session' "
              "writes into (default data/sessions)", file=sys.stderr)  # fmt: skip
        return 2
    # outputs go under runs/ (git-ignored), not into whatever folder the command ran from
    out = Path(args.out) if args.out else cfg.resolve(cfg.paths.runs) / "history.png"
    if out.is_dir() or out.suffix.lower() != ".png":
        print(f"error: --out {out}: expected the plot's file name, ending .png (e.g. "
              "runs/history.png)", file=sys.stderr)  # fmt: skip
        return 2
    for rescue in rescue_spools(folder):  # a workout a coach left unsaved (closed, crashed)
        print(rescue.report(), file=sys.stderr)
    table = session_history(folder, classifier=_Lazy(ExerciseClassifier.load))
    for path, why in table.attrs["skipped"].items():
        print(f"skipped {path}: {why}", file=sys.stderr)
    days = daily_progress(table)
    found = len(session_paths(folder)) - len(table.attrs["skipped"]) if folder.is_dir() else 0
    empty = (f"{found} saved session(s) in {folder}, with no rep counted in them yet"
             if found else f"no saved sessions yet in {folder} (notebook 04's dashboard: "
             "'save session')")  # fmt: skip
    print(days.to_string(index=False) if len(days) else empty)
    fig = progress(days)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(out) as tmp:
            fig.savefig(tmp, format="png", dpi=90)
    except OSError as exc:
        print(f"error: {out}: cannot write the plot ({exc.strerror or exc})", file=sys.stderr)
        return 2
    print(f"plot: {out}")
    return 0


class _Lazy:
    """The classifier, loaded on first use: sessions whose reps are cached need none."""

    def __init__(self, load: Any) -> None:
        self._load, self._it = load, None

    def __getattr__(self, name: str) -> Any:
        if self._it is None:
            self._it = self._load()
        return getattr(self._it, name)


if __name__ == "__main__":
    sys.exit(main())
