"""How fast each clip's trunk crosses the picture sideways: the identity guard's measure.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/guard_speeds.py [--cache DIR] [--no-samples]

For every landmark file in ``--cache`` (``benchmarks/real_videos.py``'s cache of the real clips,
extracted WITHOUT the guard, e.g. ``/work/cache/real_pose_pyav``) and the rendered samples in
``data/samples`` (extracted here without the guard, cached in
``data/interim/samples_pose_unguarded``), prints the highest speed at which the trunk centre
(mid of shoulders and hips) moved sideways over the guard's time window, in the largest recent
body's sizes per second (as ``gymlib.track.IdentityGuard`` measures it). Normal movement
should stay below ``extraction.max_body_speed`` and a tracker's jump to another person above.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from gymlib.config import load_config  # noqa: E402
from gymlib.extract import PoseSequence, extract_video  # noqa: E402
from gymlib.track import Body  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def sideways_speeds(seq: PoseSequence, window_s: float) -> np.ndarray:
    """Per frame: sideways travel since the oldest body within ``window_s`` (at least that long),
    in the largest body's sizes of that stretch, per second; 0 without a reference."""
    w, h = seq.image_size
    unit = (w / h, 1.0)
    t = np.asarray(seq.timestamps, dtype=float)
    pairs = zip(seq.landmarks, seq.detected, strict=True)
    bodies = [Body.of(lm, unit) if d else None for lm, d in pairs]
    out = np.zeros(len(bodies))
    for i, b in enumerate(bodies):
        if b is None:
            continue
        recent = [j for j in range(i) if bodies[j] is not None and t[i] - t[j] <= window_s + 1e-9]
        if not recent:
            continue
        ref = bodies[recent[0]]
        size = max(bodies[j].size for j in [*recent, i])  # type: ignore[union-attr]
        dt = max(t[i] - t[recent[0]], window_s)
        out[i] = abs(b.centre[0] - ref.centre[0]) / size / dt  # type: ignore[union-attr]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, default=None, help="unguarded landmark files (.npz)")
    ap.add_argument("--no-samples", action="store_true")
    args = ap.parse_args()
    cfg = load_config()
    files = sorted(args.cache.glob("*.npz")) if args.cache else []
    if not args.no_samples:
        unguarded = dataclasses.replace(cfg.extraction, identity_guard=False)
        cache = ROOT / "data/interim/samples_pose_unguarded"
        for video in sorted((ROOT / "data/samples").glob("*.mp4")):
            path = cache / f"{video.stem}.npz"
            if not path.is_file():
                cache.mkdir(parents=True, exist_ok=True)
                extract_video(video, progress=False, config=unguarded).save(path)
            files.append(path)
    limit = cfg.extraction.max_body_speed
    print(f"highest sideways speed (body sizes/s over {cfg.extraction.guard_window_s} s); "
          f"the guard's limit {limit}")  # fmt: skip
    for path in files:
        v = sideways_speeds(PoseSequence.load(path), cfg.extraction.guard_window_s)
        flag = "  <- above the limit" if v.max() > limit else ""
        print(f"{path.stem:45s} {v.max():5.2f} at frame {int(v.argmax()):5d}{flag}")


if __name__ == "__main__":
    main()
