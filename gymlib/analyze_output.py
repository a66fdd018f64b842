"""Where ``analyze`` writes and what: the output folder (replaced whole, never half-written),
the tables and the summary plot."""

from __future__ import annotations

import functools
import io
import os
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.procs import running as _running
from gymlib.procs import started as _started

#: every file an analysis writes into its folder; an --overwrite run replaces only these
OUTPUT_FILES = (
    "annotated.mp4",
    "annotated.gif",
    "reps.csv",
    "sets.csv",
    "summary.png",
    "summary.json",
)


#: what file managers write into any folder a user opens: not the user's own work
OS_JUNK = (".DS_Store", "Thumbs.db", "desktop.ini")


def safe_name(stem: str) -> str:
    """A folder name from a file name: letters, digits, ``-``, ``_`` and inner dots only, so a
    name like ``...mp4`` or ``../x`` cannot point outside the output folder; a long one cut to
    :data:`MAX_FOLDER_NAME` bytes, ending ``~`` and a digest of the whole."""
    name = re.sub(r"[^\w.-]+", "_", stem).strip("._-")
    # room for the time stamp a fresh name adds
    return short_name(name, MAX_FOLDER_NAME, MAX_FOLDER_NAME - 11) if name else "video"


#: a results folder's name from a file name is at most this long (bytes): a fresh one adds a
#: time stamp (up to ~20) and a name may have 255
MAX_FOLDER_NAME = 200


def work_prefix(target: Path) -> str:
    """The name start of this run's work folder for ``target``: the process id and its start
    time in it tell a killed run's leftover from a run still going (:func:`clear_leftovers`),
    even where the id has since been given to another process (containers reuse them)."""
    return f".{short_name(target.name)}.partial-{os.getpid()}-{_started(os.getpid())}-"


#: a folder's name longer than this (bytes) is shortened in the hidden names made from it: they
#: add up to ~60 bytes ("." ".partial-" ids, mkdtemp's 8) and a name may have 255
LONG_NAME = 100
#: ... to its first this many bytes and a digest of 10 hex digits (names still told apart)
KEPT_BYTES = 80


def short_name(name: str, longest: int = LONG_NAME, kept: int = KEPT_BYTES) -> str:
    """``name``, or when over ``longest`` bytes its first ``kept`` bytes, ``~`` and a digest
    of the whole: a hidden name made from it (work folder, the old results' while they are
    replaced) stays under the 255 bytes a name may have."""
    raw = os.fsencode(name)  # (a name that is not UTF-8 holds surrogates: the file system's bytes)
    if len(raw) <= longest:
        return name
    import hashlib

    digest = hashlib.sha1(raw).hexdigest()[:10]
    return f"{raw[:kept].decode(errors='ignore')}~{digest}"


def clear_leftovers(folder: Path, target: Path) -> list[str]:
    """Removes the work folders for ``target`` that killed analyses (kill -9, out of memory)
    left in ``folder`` (``target`` itself or its parent; their process is gone); returns the
    names of those of runs still going."""
    import shutil

    going: list[str] = []
    if not (folder.is_dir() and os.access(folder, os.W_OK)):
        return going
    pattern = re.compile(rf"^\.{re.escape(short_name(target.name))}\.partial-(\d+)-(\d+-)?")
    for p in folder.iterdir():
        m = pattern.match(p.name)
        if not (m and p.is_dir()):
            continue
        started = int(m.group(2)[:-1]) if m.group(2) else None
        if _running(int(m.group(1)), started):
            going.append(p.name)
        else:
            shutil.rmtree(p, ignore_errors=True)
    return going


def output_folder(src: Path, out: str | Path | None, *, overwrite: bool, runs: Path) -> Path:
    """Where an analysis of ``src`` goes; raises before anything is written if that would
    replace earlier results (without ``overwrite``) or anything analyze did not write."""
    if out is None:
        base = runs / "analyze" / safe_name(src.stem)
        busy = clear_leftovers(base.parent, base)  # another clip.mp4 being analysed now
        if (overwrite or not base.exists()) and not busy:
            target = base
        else:  # a fresh folder: an earlier analysis (e.g. of another clip.mp4) stays
            from gymlib.io import fresh_path

            target = fresh_path(base.parent, base.name)
    else:
        target = Path(out)
        if target.is_symlink() and target.is_dir():  # the results go where it points
            target = Path(os.path.realpath(target))
    going = clear_leftovers(target.parent, target)  # a killed run's work beside it goes
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise FileExistsError(f"{target}: exists and is not a folder; give --out a folder")
        going += clear_leftovers(target, target)
    if going:  # its results would replace these (or these its) when both finish
        raise FileExistsError(f"{target}: another analysis is writing there now "
                              f"({going[0]}); wait or choose another --out")  # fmt: skip
    if target.is_dir() and _inside(src, target):  # its results would replace the video
        raise FileExistsError(f"{target}: holds the input {src.name} itself, and analyze "
                              "replaces this folder's files; choose another --out (a folder "
                              "of its own for the results)")  # fmt: skip
    if target.is_dir():
        held = sorted(p.name for p in target.iterdir())
        foreign = [n for n in held if n not in OUTPUT_FILES and n not in OS_JUNK]
        if foreign:  # a folder of the user's own (--out . among their videos): never ours
            raise FileExistsError(
                f"{target}: holds files analyze did not write ({', '.join(foreign[:5])}); "
                "choose another --out (a folder of its own for the results)"
            )
        if held and not overwrite:
            raise FileExistsError(
                f"{target}: already holds results ({', '.join(held[:5])}); "
                "choose another --out, or --overwrite to replace them"
            )
    return target


def _inside(src: Path, folder: Path) -> bool:
    """Whether the file ``src`` lies in ``folder`` or below it (links followed)."""
    real, inside = Path(os.path.realpath(src)), Path(os.path.realpath(folder))
    return inside == real.parent or inside in real.parents


def install(work: Path, target: Path) -> None:
    """Put the finished folder ``work`` at ``target`` (replacing an earlier analysis whole)."""
    import shutil

    if not target.exists():
        os.rename(work, target)
        return
    old = target.with_name(f".{short_name(target.name)}.old-{os.getpid()}-{time.monotonic_ns()}")
    os.rename(target, old)
    try:
        os.rename(work, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def made_parents(folder: Path) -> list[Path]:
    """Create ``folder``'s missing parents; returns the ones created (deepest first)."""
    missing = []
    p = folder.parent
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    if not p.is_dir():  # "--out notes.txt/results"
        raise NotADirectoryError(f"{folder}: cannot make its folder: {p} is a file, not a "
                                 "folder")  # fmt: skip
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"{folder}: cannot make its folder ({exc.strerror})") from None
    return missing


def timed_row(rep: Any, times: list[float]) -> dict[str, Any]:
    """A rep's table row with its start and end as the frames' own times (not index / fps)."""
    row = rep.as_row()
    for key, frame in (("start_s", rep.start), ("end_s", rep.end)):
        if 0 <= frame < len(times):
            row[key] = round(times[frame], 3)
    return row


def set_counts(rows: Sequence[dict[str, Any]]) -> list[tuple[int, str, int]]:
    """(set, exercise, reps) of each set in ``rows``."""
    out: dict[int, tuple[str, int]] = {}
    for r, n in zip(rows, [r["set"] for r in rows], strict=True):
        out[n] = (r["exercise"], out.get(n, ("", 0))[1] + 1)
    return [(n, ex, k) for n, (ex, k) in out.items()]


def write_csv(path: Path, rows: list[dict[str, Any]], empty: list[str]) -> None:
    """``rows`` as CSV (the header ``empty`` when there are none), written atomically."""
    from gymlib.io import write_text_atomic

    fields = list(rows[0]) if rows else empty
    text = [",".join(fields)]
    text += [",".join("" if r[k] is None else str(r[k]) for k in fields) for r in rows]
    write_text_atomic(path, "\n".join(text) + "\n")


@functools.cache
def warm_plot() -> None:
    """Import matplotlib and make a tiny figure with text into a PNG, once per process: the
    drawing pass does it as it starts, beside MediaPipe's start (a cold ``python -m
    gymlib.analyze`` paid ~0.4 s for it after the pose pass, in :func:`plot_summary`)."""
    fig, ax = _figure((1, 1))
    ax.set_title("warm")  # the font loaded, text laid out
    fig.tight_layout()
    _save_png(fig, io.BytesIO(), dpi=10)


#: zlib level of ``summary.png`` (PIL's default 6): the same pixels, written ~3 times faster
PNG_COMPRESSION = 1


def _figure(size: tuple[float, float]) -> tuple[Any, Any]:
    """A matplotlib figure of ``size`` inches on an Agg canvas of its own, and its axes (not
    pyplot's: no global state, any thread, no GUI)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


def _save_png(fig: Any, where: Any, dpi: int) -> None:
    """``fig`` as a PNG to ``where`` (a path or a file) at :data:`PNG_COMPRESSION`."""
    fig.savefig(where, format="png", dpi=dpi, pil_kwargs={"compress_level": PNG_COMPRESSION})


#: ``summary.png``'s axes within the figure: room for the y ticks' labels up to 4 characters
#: ("1.75") and the y label, the x label and the title (tight_layout's, set rather than
#: computed: it drew the whole figure once more, ~15 ms after the pose pass)
SUMMARY_MARGINS = {"left": 0.075, "right": 0.985, "bottom": 0.1708, "top": 0.899}


#: Set labels of ``summary.png``: their rows (axes fraction, top) and a character's width
#: (axes fraction: ~0.55 em of 9 pt over the axes' 9.1 inches): a short set's label goes to
#: the second row rather than under the next set's
LABEL_ROWS = (0.98, 0.883)
#: ``summary.png``'s size (inches)
SUMMARY_SIZE = (10.0, 3.4)
_AXES_WIDTH_IN = SUMMARY_SIZE[0] * (SUMMARY_MARGINS["right"] - SUMMARY_MARGINS["left"])
LABEL_CHAR_WIDTH = 0.55 * 9 / 72 / _AXES_WIDTH_IN


def _label_place(label: str, short: str, at: float, free: list[float]) -> tuple[str, float, int]:
    """A set label starting at ``at`` (axes fraction): the text, its left edge (moved left to
    end inside the axes) and the first row free there (``free``: where each row is free again,
    updated); ``short`` when no row is free for the whole label."""
    for text in (label, short):
        width = (len(text) + 1) * LABEL_CHAR_WIDTH  # (+1: the box's pads)
        x = max(0.0, min(at, 1.0 - width))
        row = next((i for i, f in enumerate(free) if x >= f), None)
        if row is not None:
            break
    if row is None:  # sets too close even for their numbers: the row free soonest
        row = int(np.argmin(free))
    free[row] = x + width
    return text, x, row


def plot_summary(timeline: list[tuple[float, str, float]], rows: list[dict[str, Any]],
          path: Path) -> None:  # fmt: skip
    """``summary.png``: the rep progress over time, each set shaded and named, each rep marked
    in its verdict's colour (:func:`summary_figure`)."""
    from gymlib.io import atomic_path

    fig = summary_figure(timeline, rows)
    with atomic_path(path) as tmp:
        _save_png(fig, tmp, dpi=SUMMARY_DPI)


#: ``summary.png``'s resolution (dots per inch of its 10 x 3.4 inches: 900 x 306 pixels)
SUMMARY_DPI = 90


def summary_figure(timeline: list[tuple[float, str, float]], rows: list[dict[str, Any]]) -> Any:
    """The figure of ``summary.png`` (matplotlib's, on an Agg canvas of its own)."""
    t = np.array([x[0] for x in timeline])
    prog = np.array([x[2] for x in timeline], dtype=float)
    colours = {"good": "#2ecc71", "partial": "#f1c40f", "faulty": "#e74c3c"}
    fig, ax = _figure(SUMMARY_SIZE)
    ax.plot(t, prog, lw=1, color="0.3")
    sets = [r["set"] for r in rows]
    lo, hi = ax.get_xlim()  # the line's time range: the sets lie within it
    free = [-np.inf, -np.inf]  # where each row of set labels is free again (axes fraction)
    for n, ex, k in set_counts(rows):
        mine = [r for r, m in zip(rows, sets, strict=True) if m == n]
        a, b = mine[0]["start_s"], mine[-1]["end_s"]
        ax.axvspan(a, b, color=f"C{n % 10}", alpha=0.12)
        at = (a - lo) / max(hi - lo, 1e-9)
        reps = f"{k} rep" + ("s" if k != 1 else "")
        label, x, row = _label_place(f" set {n}: {ex}, {reps}", f" {n}", at, free)
        box = {"fc": "white", "alpha": 0.8, "lw": 0}
        ax.text(x, LABEL_ROWS[row], label, fontsize=9, va="top", bbox=box,
                transform=ax.transAxes)  # fmt: skip
    cols = [colours.get(r["verdict"], "#e74c3c") for r in rows]
    if rows:  # each rep's span and end mark in its verdict's colour: two artists in all
        spans = [(r["start_s"], r["end_s"] - r["start_s"]) for r in rows]
        # edged as axvspan's were: a rep narrower than a pixel still shows
        ax.broken_barh(spans, (0, 0.06), facecolors=cols, edgecolors=cols, linewidths=1.0,
                       transform=ax.get_xaxis_transform())  # fmt: skip
        ax.scatter([r["end_s"] for r in rows], [1.0] * len(rows), c=cols, marker="v", s=64)
    ax.set_ylim(-0.05, max(1.3, float(np.nanmax(prog, initial=0.0)) + 0.25))
    ax.set_xlabel("s")
    ax.set_ylabel("progress of the rep")
    names = ", ".join(sorted({r["exercise"] for r in rows})) or "no reps"
    v = {k: sum(r["verdict"] == k for r in rows) for k in colours}
    # y given, so matplotlib does not lay the axes out to lift the title over top ticks (it has
    # none): the same picture, ~3 ms less
    ax.set_title(f"{names}: {len(rows)} reps in {len(set(sets))} set(s): {v['good']} good "
                 f"(green), {v['partial']} partial (yellow), {v['faulty']} faulty (red)",
                 fontsize=10, y=1.0)  # fmt: skip
    fig.subplots_adjust(**SUMMARY_MARGINS)
    return fig
