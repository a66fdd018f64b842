"""The offline plan's cost (``CoachSession.plan``: ``analyze``'s final plan and its replans) and
the landmark cut rule's (``gymlib.cuts.BodyJumps.update``), this checkout and an older commit
side by side, on the real clips' landmarks.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/plan_speed.py --cache DIR [--old REV]

``DIR``: landmark files as ``benchmarks/real_videos.py --cache DIR`` makes them. Each version
runs in a fresh process (``--old`` exports that commit with ``git archive``): per clip, the
plan of the whole clip (median of 3, the classifier loaded and warmed first) and every frame
through ``BodyJumps.update`` (median of 3 passes); printed: the sums over the clips, microseconds
per update, and whether each clip's cut verdicts are the same in both versions.
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

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]


def measure(cache: Path) -> dict:
    """This gymlib's (the one on ``sys.path``) costs on every clip in ``cache``."""
    import numpy as np

    from gymlib.config import load_config
    from gymlib.cuts import BodyJumps
    from gymlib.model import ExerciseClassifier
    from gymlib.session import CoachSession

    clf = ExerciseClassifier.load()
    clf.predict_proba(np.zeros((1, 30, 132), np.float32))
    cfg = load_config().reps
    out: dict = {"plan_s": 0.0, "update_us": [], "verdicts": {}}
    for f in sorted(cache.glob("*.npz")):
        d = np.load(f)
        lm, times = d["landmarks"], [float(t) for t in d["timestamps"]]
        w, h = (int(x) for x in d["image_size"])
        frames = [x if np.isfinite(x).all() and x.any() else None for x in lm]
        plans = []
        for _ in range(3):
            s = CoachSession(clf, fps=float(d["fps"]), aspect=w / h)
            t0 = time.perf_counter()
            s.plan(frames, times)
            plans.append(time.perf_counter() - t0)
        out["plan_s"] += statistics.median(plans)
        passes = []
        for _ in range(3):
            body, got = BodyJumps.of(cfg, w / h), []
            people = [(t, x) for t, x in zip(times, frames, strict=True) if x is not None]
            t0 = time.perf_counter()
            for t, x in people:
                got.append(body.update(t, x))
            passes.append((time.perf_counter() - t0) / max(len(people), 1) * 1e6)
        out["update_us"].append(statistics.median(passes))
        out["verdicts"][f.stem] = [i for i, g in enumerate(got) if g]
    out["update_us"] = statistics.median(out["update_us"])
    return out


def _run(tree: Path, cache: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    code = (f"import sys, json; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
            f"from plan_speed import measure; from pathlib import Path; "
            f"print(json.dumps(measure(Path({str(cache)!r}))))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tree, check=True,
                          capture_output=True, text=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, required=True, help="the real clips' landmark files")
    ap.add_argument("--old", default=None, help="also this commit (e.g. 486ba27)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        versions = {"this checkout": ROOT}
        if args.old:
            from gymlib.benchtools import old_tree

            versions = {args.old: old_tree(args.old, Path(tmp) / "old", ROOT), **versions}
        got = {name: _run(tree, args.cache) for name, tree in versions.items()}
    n = len(next(iter(got.values()))["verdicts"])
    for name, g in got.items():
        print(f"{name:>14}: plans of the {n} clips {g['plan_s']:.3f} s in all; BodyJumps.update "
              f"{g['update_us']:.1f} us a frame (median over clips)")  # fmt: skip
    if len(got) == 2:
        a, b = (g["verdicts"] for g in got.values())
        same = sum(a[k] == b[k] for k in a)
        print(f"cut verdicts the same on {same} of {len(a)} clips")


if __name__ == "__main__":
    main()
