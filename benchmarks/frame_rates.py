"""The live coach on the real clips at other frame rates: does it name the exercise when it does
at the clip's own rate?

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/frame_rates.py [--cache DIR] [--old REV]
        [--rates fps15,fps60,vfr] [--clips WORDS]

Each real clip of ``../shared/data/real_videos/`` (landmarks from ``--cache``, made by
MediaPipe from the videos) is fed to the live coach (``CoachSession``, its own decision) as it
comes, and as ``gymlib.clip_transforms`` re-times it: ``fps15`` (every other frame), ``fps60``
(a frame blended between each two), ``vfr`` (a phone's variable rate). The same movement at
another rate should be named as early and the same way. Per clip and rate: when the first
exercise is named (s) and which, and the reps counted against the hand count; per rate: how
many clips name the same first exercise as at their own rate, the median and largest
difference in when, and the exact counts. ``--old REV`` runs the same on another commit (or a
folder holding gymlib/) side by side. The landmarks and videos are never committed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _first_named(seq, clf) -> dict:  # noqa: ANN001
    from gymlib.session import CoachSession

    w, h = seq.image_size
    session = CoachSession(clf, fps=seq.fps, aspect=w / h)
    first, t0 = None, float(seq.timestamps[0])
    for frame, t in zip(seq.frames(), seq.timestamps, strict=True):
        fb = session.update(frame, float(t))
        if first is None and fb.exercise != "unknown":
            first = (fb.exercise, float(t) - t0)
    session.finish()
    return {"named": first and first[0], "at": first and first[1], "reps": len(session.reps)}


def measure(videos: Path, cache: Path, rates: list[str], words: list[str]) -> list[dict]:
    """One row per clip: its own rate's and each of ``rates``' first naming and reps."""
    from gymlib.benchtools import load_clips
    from gymlib.clip_transforms import TRANSFORMS, load_sources
    from gymlib.model import ExerciseClassifier

    clips = [c for c in load_clips(videos) if not words or any(w in c.name for w in words)]
    clf = ExerciseClassifier.load()
    rows = []
    for src in load_sources(clips, cache):
        row = {"clip": src.clip.name, "truth": src.clip.reps, "own": _first_named(src.seq, clf)}
        for rate in rates:
            case = TRANSFORMS[rate](src, np.random.default_rng(0))
            row[rate] = None if case is None else _first_named(case.seq, clf)
        rows.append(row)
    return rows


def _summary(rows: list[dict], rate: str) -> str:
    got = [(r, r[rate]) for r in rows if r[rate] is not None]
    same = sum(x["named"] == r["own"]["named"] for r, x in got)
    gaps = [abs(x["at"] - r["own"]["at"]) for r, x in got if x["at"] is not None
            and r["own"]["at"] is not None]  # fmt: skip
    exact = sum(x["reps"] == r["truth"] for r, x in got)
    med = f"{np.median(gaps):.2f}" if gaps else "-"
    top = f"{max(gaps):.2f}" if gaps else "-"
    return (f"{rate:6s} {len(got):2d} clips: first named as at its own rate {same:2d}, "
            f"|when - own| median {med} s, largest {top} s; exact {exact:2d}")  # fmt: skip


def report(rows: list[dict], rates: list[str], label: str) -> None:
    print(f"\n== {label}")
    print(f"{'clip':42s} {'own rate':>22s} " + " ".join(f"{r:>22s}" for r in rates))
    for row in rows:
        cells = []
        for key in ["own", *rates]:
            x = row[key]
            named = "-" if x is None else f"{x['named'] or 'none'} {x['at'] or 0:5.2f}"
            cells.append(named if x is None else f"{named} {x['reps']}/{row['truth']}")
        print(f"{row['clip'][:42]:42s} " + " ".join(f"{c:>22s}" for c in cells))
    own_exact = sum(r["own"]["reps"] == r["truth"] for r in rows)
    print(f"own    {len(rows):2d} clips: exact {own_exact:2d}")
    for rate in rates:
        print(_summary(rows, rate))


def main(argv: list[str] | None = None) -> None:
    from gymlib.benchtools import REAL_POSE_CACHE, shared_data

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--videos", type=Path, default=None)
    ap.add_argument("--cache", type=Path, default=REAL_POSE_CACHE)
    ap.add_argument("--rates", default="fps15,fps60,vfr")
    ap.add_argument("--clips", default="")
    ap.add_argument("--old", default=None, help="a commit or a folder holding gymlib/")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON only")
    args = ap.parse_args(argv)
    videos = args.videos or shared_data("real_videos")
    rates = [r for r in args.rates.split(",") if r]
    words = [w for w in args.clips.split(",") if w]
    rows = measure(videos, args.cache, rates, words)
    if args.json:
        print(json.dumps(rows))
        return
    if args.old:
        from gymlib.benchtools import old_tree

        with tempfile.TemporaryDirectory() as tmp:
            tree = old_tree(args.old, Path(tmp) / "old", ROOT)
            cmd = [sys.executable, __file__, "--json", "--videos", str(videos), "--cache",
                   str(args.cache), "--rates", args.rates, "--clips", args.clips]  # fmt: skip
            env = {**os.environ, "PYTHONPATH": str(tree)}
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        report(json.loads(out.stdout.strip().splitlines()[-1]), rates, f"old: {args.old}")
    report(rows, rates, "this tree")


if __name__ == "__main__":
    main()
