"""``summary.png``'s cost (``gymlib.analyze_output.plot_summary``, drawn after the pose pass) and
whether its set labels overlap, this checkout and an older commit side by side.

    .venv/bin/python benchmarks/summary_plot.py [--old REV] [--reps 5,30,100]

Each version runs in a fresh process (``--old``: that commit exported with ``git archive``),
matplotlib warmed first (``warm_plot``, as the drawing pass does). Per rep count: a clip of that
many reps of 1 s, sets of 2 (a warm-up), then 10 reps each; the median of 7 plots in
milliseconds, and how many pairs of set labels overlap in the drawn figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rows_of(n: int) -> list[dict]:
    sets = [1 if k < 2 else 2 + (k - 2) // 10 for k in range(n)]
    return [{"rep": k + 1, "exercise": "squat", "start_s": 1.0 * k, "end_s": 1.0 * k + 0.9,
             "verdict": ("good", "partial", "faulty")[k % 3], "set": s}
            for k, s in enumerate(sets)]  # fmt: skip


def overlaps(timeline: list, rows: list[dict]) -> int | None:
    """Pairs of set labels whose boxes overlap (None: a version without ``summary_figure``)."""
    import gymlib.analyze_output as ao

    if not hasattr(ao, "summary_figure"):
        return None
    fig = ao.summary_figure(timeline, rows)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [t.get_bbox_patch().get_window_extent(r) for t in fig.axes[0].texts
             if t.get_text().startswith(" set ")]  # fmt: skip
    return int(sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]))


def measure(counts: list[int]) -> dict:
    """This gymlib's (the one on ``sys.path``) plot times and label overlaps."""
    import numpy as np

    from gymlib.analyze_output import plot_summary, warm_plot

    warm_plot()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in counts:
            timeline = [(i / 30, "squat", float(np.sin(i / 9) ** 2)) for i in range(30 * (n + 1))]
            rows = rows_of(n)
            took = []
            for _ in range(7):
                t0 = time.perf_counter()
                plot_summary(timeline, rows, Path(tmp) / "s.png")
                took.append((time.perf_counter() - t0) * 1000)
            out[n] = {"ms": statistics.median(took), "overlaps": overlaps(timeline, rows)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", default=None, help="also measure this commit (e.g. e620775)")
    ap.add_argument("--reps", default="5,30,100")
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # (a version's run)
    args = ap.parse_args()
    counts = [int(x) for x in args.reps.split(",")]
    if args.measure:
        print(json.dumps(measure(counts)))
        return
    from gymlib.benchtools import old_tree

    with tempfile.TemporaryDirectory() as tmp:
        versions = {"this checkout": ROOT}
        if args.old:
            versions = {args.old: old_tree(args.old, Path(tmp) / "old", ROOT), **versions}
        got = {}
        for name, tree in versions.items():
            env = {**os.environ, "PYTHONPATH": str(tree)}
            run = subprocess.run([sys.executable, __file__, "--measure", "--reps", args.reps],
                                 capture_output=True, text=True, env=env)  # fmt: skip
            if run.returncode != 0:  # its own words, not only the exit status
                raise SystemExit(f"{name} ({tree}): the measurement failed (exit "
                                 f"{run.returncode}):\n{run.stderr[-3000:]}")  # fmt: skip
            got[name] = json.loads(run.stdout.strip().splitlines()[-1])
    print("summary.png: median of 7 plots, ms (pairs of set labels overlapping)")
    for n in counts:
        cells = [f"{name}: {g[str(n)]['ms']:.1f} ({g[str(n)]['overlaps']})"
                 for name, g in got.items()]  # fmt: skip
        print(f"  {n:>4} reps: " + "; ".join(cells))


if __name__ == "__main__":
    main()
