"""Training windows cut from videos: by the clip's own frames, or 30 samples a second by time?

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/video_windows.py [--cache DIR]
        [--rates own,fps15,fps60] [--old REV]

``extract_folder`` (notebooks 01-02, ``sources.load("videos")``) cuts the videos a user trains
on into 30-frame windows. The coach reads one second as 30 samples at any camera rate
(``gymlib.timewindow``); windows of 30 *frames* from a 60-fps phone are half a second, from a
15-fps one two seconds. Here each real clip of ``../shared/data/real_videos/`` (landmarks from
``--cache``, made by MediaPipe from the videos), between its first hand-marked rep's start and
its last's end, is cut as ``extract_folder`` cuts it: of its own frames (``target_fps=None``,
the old default) and by time (30, the new default), at its own rate and re-timed by
``gymlib.clip_transforms`` (``fps15``: every other frame; ``fps60``: a frame blended between
each two). The shipped classifier reads every window: per rate and windowing, the windows, the
share whose top class is the clip's exercise, and the clips whose windows are mostly right.
Windows the classifier misreads are windows a model trained on them learns wrongly. ``--old
REV`` runs the same windowing code of another commit (or a folder holding gymlib/) beside it.
The landmarks and videos are never committed.
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
WINDOWINGS = {"frames": None, "by time": 30.0}


def measure(videos: Path, cache: Path, rates: list[str]) -> list[dict]:
    """One row per clip, rate and windowing: windows and how many the classifier reads right."""
    from gymlib.benchtools import load_clips
    from gymlib.clip_transforms import TRANSFORMS, Source, cut, load_sources
    from gymlib.config import load_config
    from gymlib.model import ExerciseClassifier
    from gymlib.sources.videos import _clip_windows

    cfg = load_config()
    clf = ExerciseClassifier.load()
    rows = []
    for src in load_sources(load_clips(videos), cache):
        first, last = src.rep_frames[0][0], src.rep_frames[-1][1]
        part = Source(src.clip, cut(src.seq, first, last + 1), ())  # first rep to last
        for rate in rates:
            seq = part.seq
            if rate != "own":
                case = TRANSFORMS[rate](part, np.random.default_rng(0))
                if case is None:
                    continue
                seq = case.seq
            for name, target in WINDOWINGS.items():
                w = _clip_windows(seq, 30, target, cfg.live.min_person_frames)
                right = sum(p == src.clip.exercise for p in clf.predict(w)) if len(w) else 0
                rows.append({"clip": src.clip.name, "fps": round(float(seq.fps), 2),
                             "rate": rate, "windowing": name, "windows": len(w),
                             "right": int(right)})  # fmt: skip
    return rows


def report(rows: list[dict], rates: list[str], label: str) -> None:
    print(f"\n== {label}")
    print(f"{'rate':6s} {'windowing':9s} {'clips':>5s} {'windows':>7s} {'top class right':>15s} "
          f"{'clips mostly right':>18s}")  # fmt: skip
    for rate in rates:
        for name in WINDOWINGS:
            got = [r for r in rows if r["rate"] == rate and r["windowing"] == name]
            n = sum(r["windows"] for r in got)
            right = sum(r["right"] for r in got)
            mostly = sum(r["right"] > r["windows"] / 2 for r in got if r["windows"])
            share = f"{right / n:.3f}" if n else "-"
            print(f"{rate:6s} {name:9s} {len(got):5d} {n:7d} {share:>15s} "
                  f"{mostly:>13d} of {sum(1 for r in got if r['windows']):2d}")  # fmt: skip
    off = {r["clip"] for r in rows if r["rate"] == "own" and abs(r["fps"] - 30) > 1}
    for rate in rates:
        for name in WINDOWINGS:
            for which, pick in (("at 29.97-30.1 fps", False), ("not at 30 fps", True)):
                got = [r for r in rows if r["rate"] == rate and r["windowing"] == name
                       and (r["clip"] in off) == pick]  # fmt: skip
                n = sum(r["windows"] for r in got)
                if n:
                    print(f"  clips {which} ({len(got)}), {rate}, {name}: "
                          f"{sum(r['right'] for r in got)} of {n} windows right")  # fmt: skip


def _old(rev: str, args: argparse.Namespace) -> list[dict]:
    from gymlib.benchtools import old_tree

    with tempfile.TemporaryDirectory() as tmp:
        tree = old_tree(rev, Path(tmp) / "old", ROOT)
        out = Path(tmp) / "rows.json"
        env = {**os.environ, "PYTHONPATH": str(tree)}
        subprocess.run([sys.executable, __file__, "--cache", str(args.cache), "--videos",
                        str(args.videos), "--rates", args.rates, "--json", str(out)],
                       check=True, env=env, cwd=tree)  # fmt: skip
        return json.loads(out.read_text())


def main() -> None:
    from gymlib.benchtools import REAL_POSE_CACHE, shared_data

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=Path, default=None)
    ap.add_argument("--cache", type=Path, default=REAL_POSE_CACHE)
    ap.add_argument("--rates", default="own,fps15,fps60")
    ap.add_argument("--old", default=None, help="a commit or folder to run beside this tree")
    ap.add_argument("--json", type=Path, default=None, help="write the rows here")
    args = ap.parse_args()
    args.videos = (args.videos or shared_data("real_videos")).resolve()
    args.cache = args.cache.resolve()
    rates = args.rates.split(",")
    rows = measure(args.videos, args.cache, rates)
    if args.json:
        args.json.write_text(json.dumps(rows))
        return
    report(rows, rates, "this tree")
    if args.old:
        report(_old(args.old, args), rates, f"old: {args.old}")


if __name__ == "__main__":
    main()
