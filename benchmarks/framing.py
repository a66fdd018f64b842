"""The framing check (:mod:`gymlib.framing`) on the real clips, untouched and with the feet or
the hands cut out of the picture: which does it tell, and do the counts it warns about go wrong?

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/framing.py [--cache DIR] [--split A|B|all]
        [--paths live,analyze] [--window-s S --on-share X --off-share Y]

Clips: the 27 of ``../shared/data/real_videos`` as filmed (landmarks from ``--cache``, made by
``real_videos.py``) and their ``crop-feet`` (squats and split squats) and ``crop-hands``
(pull-ups and lat pull-downs) variants (``real_transforms.py --pixels --pixel-clips all
--variants crop-feet,crop-hands`` makes them, through MediaPipe, under
``data/interim/real_transforms/``; a variant not made yet is skipped, and said so).

Per clip and path (``live``: :class:`gymlib.live.LiveLoop` frame by frame; ``analyze``:
``gymlib.analyze.analyze`` on the landmark file): the share of frames with an ankle or a wrist
outside the picture, the parts reported (``analyze``'s warnings: spells of ``report_s`` or
more), the reps against the hand count. Totals per half: clips warned among those filmed
(``untouched``) and among those cut (``cut``), and the cut clips' exact counts, warned or not.
``--window-s``, ``--on-share``, ``--off-share`` replace config.yaml's ``live.framing`` (to
choose them on half A).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("GLOG_minloglevel", "2")
from gymlib.benchtools import load_clips, split_of  # noqa: E402
from gymlib.clip_transforms import CACHE, PIXEL_CACHE, VIDEOS  # noqa: E402

VARIANTS = {"crop-feet": ("squat", "split_squat"), "crop-hands": ("pull_up", "lat_machine")}


def cases(videos: Path, cache: Path, split: str) -> list[dict]:
    """Each clip as filmed, then each cut variant made: name, variant, half, file, truth."""
    clips = load_clips(videos)
    half = split_of(clips)
    out, missing = [], []
    for variant in ("untouched", *VARIANTS):
        for c in clips:
            if split != "all" and half[c.name] != split:
                continue
            if variant == "untouched":
                path = cache / f"{c.name}.npz"
            elif c.exercise in VARIANTS[variant]:
                path = PIXEL_CACHE / f"{c.name}.{variant}.npz"
            else:
                continue
            if not path.is_file():
                missing.append(path.name)
                continue
            out.append({"clip": c.name, "variant": variant, "half": half[c.name], "path": path,
                        "truth": c.reps, "exercise": c.exercise})  # fmt: skip
    if missing:  # untouched: made by real_videos.py; cut: by real_transforms.py
        print(f"landmarks not made yet, skipped: {', '.join(missing)}", file=sys.stderr)
    return out


def outside(path: Path) -> dict[str, float]:
    """The share of a clip's frames with a person where an ankle / a wrist is outside the
    picture."""
    from gymlib.extract import PoseSequence
    from gymlib.framing import PARTS, edge_of

    seq = PoseSequence.load(path)
    lm = seq.landmarks[seq.detected]
    return {part: float(np.mean([edge_of(f[list(j), :2]) is not None for f in lm])) if len(lm)
            else 0.0 for part, j in PARTS.items()}  # fmt: skip


def live_run(path: Path, clf, config) -> tuple[list, list]:  # noqa: ANN001
    """The live loop on a landmark file: its reps and reported spells."""
    from gymlib.extract import PoseSequence
    from gymlib.live import LiveLoop
    from gymlib.session import CoachSession

    seq = PoseSequence.load(path)
    w, h = seq.image_size
    session = CoachSession(clf, fps=seq.fps, aspect=w / h, config=config)
    loop = LiveLoop(session)
    for frame, t in zip(seq.frames(), seq.timestamps, strict=True):
        loop.step(float(t), landmarks=frame)
    loop.finish()
    return list(loop.reps), loop.framing.reported()


def analyze_run(path: Path, clf) -> tuple[list, list]:  # noqa: ANN001
    """``analyze`` on a landmark file: its reps and its framing rows (summary.json)."""
    import json

    from gymlib.analyze import analyze

    with tempfile.TemporaryDirectory() as out:
        result = analyze(path, out=out, classifier=clf, progress=False, drawing="thread")
        summary = json.loads(Path(result.outputs["summary"]).read_text(encoding="utf-8"))
    return result.reps, summary["framing"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--videos", type=Path, default=VIDEOS)
    ap.add_argument("--cache", type=Path, default=CACHE, help="the untouched clips' landmarks")
    ap.add_argument("--split", choices=("A", "B", "all"), default="all")
    ap.add_argument("--paths", default="live,analyze", help="comma-separated: live, analyze")
    ap.add_argument("--window-s", type=float)
    ap.add_argument("--on-share", type=float)
    ap.add_argument("--off-share", type=float)
    args = ap.parse_args(argv)
    paths = [p for p in args.paths.split(",") if p]
    if not set(paths) <= {"live", "analyze"} or not paths:
        ap.error(f"--paths: expected live and/or analyze, got {args.paths!r}")
    from gymlib.model import ExerciseClassifier
    from gymlib.session import load_live_config

    live_cfg = load_live_config()
    changes = {k: v for k, v in (("window_s", args.window_s), ("on_share", args.on_share),
                                 ("off_share", args.off_share)) if v is not None}  # fmt: skip
    if changes and "analyze" in paths:
        ap.error("--window-s/--on-share/--off-share apply to --paths live only")
    framing = dataclasses.replace(live_cfg.framing, **changes)
    live_cfg = dataclasses.replace(live_cfg, framing=framing)
    print(f"framing: {framing}", flush=True)
    clf = ExerciseClassifier.load()
    rows = []
    for c in cases(args.videos, args.cache, args.split):
        t0 = time.perf_counter()
        share = outside(c["path"])
        for path in paths:
            if path == "live":
                reps, spells = live_run(c["path"], clf, live_cfg)
                parts = sorted({s.part for s in spells})
                where = ", ".join(f"{s.part} {s.start:.0f}-{s.end:.0f} s" for s in spells)
            else:
                reps, spells = analyze_run(c["path"], clf)
                parts = sorted({s["part"] for s in spells})
                where = ", ".join(f"{s['part']} {s['start_s']:.0f}-{s['end_s']:.0f} s"
                                  for s in spells)  # fmt: skip
            under = sum(r.exercise == c["exercise"] for r in reps)
            row = {**c, "path": path, "parts": parts, "reps": len(reps), "under": under,
                   "exact": len(reps) == c["truth"] and under == len(reps)}  # fmt: skip
            rows.append(row)
            print(f"{c['variant']:10s} {c['half']} {c['clip']:42s} {path:7s} "
                  f"feet out {share['feet']:.2f} hands out {share['hands']:.2f}  "
                  f"reps {len(reps):2d} of {c['truth']:2d}{' ok' if row['exact'] else '   '}  "
                  f"warned: {where or '-'}  ({time.perf_counter() - t0:.0f} s)",
                  flush=True)  # fmt: skip
    print()
    for path in paths:
        for half in ("A", "B", "all"):
            sel = [r for r in rows if r["path"] == path and half in (r["half"], "all")]
            if sel:
                print(f"{path} half {half}: {totals(sel)}")
    return 0


def totals(rows: list[dict]) -> str:
    """Clips warned, untouched and cut; the cut clips' exact counts, warned or not."""
    untouched = [r for r in rows if r["variant"] == "untouched"]
    cut = [r for r in rows if r["variant"] != "untouched"]
    warned = [r for r in cut if r["parts"]]
    quiet = [r for r in cut if not r["parts"]]
    right_part = sum(_cut_part(r) in r["parts"] for r in cut)
    return (f"untouched clips warned {sum(bool(r['parts']) for r in untouched)} of "
            f"{len(untouched)}; cut clips warned {len(warned)} of {len(cut)} (the part cut: "
            f"{right_part}); cut clips exact {sum(r['exact'] for r in cut)} of {len(cut)}: of "
            f"the warned {sum(r['exact'] for r in warned)} of {len(warned)}, of the others "
            f"{sum(r['exact'] for r in quiet)} of {len(quiet)}")  # fmt: skip


def _cut_part(row: dict) -> str:
    return "feet" if row["variant"] == "crop-feet" else "hands"


if __name__ == "__main__":
    raise SystemExit(main())
