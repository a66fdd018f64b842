"""Check that the live path's outputs stay bit-identical across a change made for speed.

``--save FILE`` digests (sha256 of each output's ``repr``, floats to the last bit) everything the
coach answers on a fixed set of streams; ``--check FILE`` makes them again and prints one line
per stream and item that differs, and the count. Run ``--save`` with the old code, ``--check``
with the new. Per stream: every frame's :class:`gymlib.live.FrameFeedback` of the live loop
(shipped classifier, voice), every frame's :class:`gymlib.session.SessionFeedback` after the
offline :meth:`~gymlib.session.CoachSession.plan` and its sets, :func:`gymlib.reps.count_reps`
under every exercise, and :func:`gymlib.stance.stance_gaps` of every 37th window. Streams: the
real clips' landmark files in ``--landmarks`` (default: ``benchmarks/real_videos.py``'s cache;
none there: skipped) and generated sessions of every exercise, side and front.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/loop_identical.py --save /tmp/before.json \\
        [--landmarks /work/cache/real_pose_pyav]
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/loop_identical.py --check /tmp/before.json \\
        [--landmarks /work/cache/real_pose_pyav]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

import numpy as np  # noqa: E402

from gymlib.extract import PoseSequence  # noqa: E402
from gymlib.io import write_text_atomic  # noqa: E402
from gymlib.live import LiveLoop  # noqa: E402
from gymlib.model import ExerciseClassifier  # noqa: E402
from gymlib.reps import count_reps  # noqa: E402
from gymlib.session import CoachSession, VoiceCoach  # noqa: E402
from gymlib.stance import stance_gaps  # noqa: E402
from gymlib.synth import EXERCISES, generate_clip  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "data" / "interim" / "real_videos"  # benchmarks/real_videos.py's


def digest(items: Iterable[object]) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(repr(item).encode())
    return h.hexdigest()[:16]


def streams(landmarks: Path) -> Iterator[tuple[str, np.ndarray, np.ndarray, float, float]]:
    """``(name, landmarks (T, 33, 4), times (T,), fps, aspect)`` of every stream checked."""
    files = sorted(landmarks.glob("*.npz")) if landmarks.is_dir() else []
    if not files:
        print(f"{landmarks}: no landmark files, real clips skipped")
    for path in files:
        seq = PoseSequence.load(path)
        width, height = seq.image_size
        yield path.stem, seq.landmarks, seq.timestamps, seq.fps, width / height
    for k, exercise in enumerate(EXERCISES):
        for view in ("left", "front"):
            c = generate_clip(exercise, [5, 4], seed=300 + k, view=view)
            times = np.arange(len(c.landmarks)) / c.fps
            yield f"generated-{exercise}-{view}", c.landmarks, times, c.fps, c.aspect


def outputs(clf: ExerciseClassifier, lm: np.ndarray, times: np.ndarray, fps: float,
            aspect: float) -> dict[str, str]:  # fmt: skip
    """The digests of one stream's outputs."""
    frames = [f if f.any() else None for f in lm]
    ts = [float(t) for t in times]
    loop = LiveLoop(CoachSession(clf, fps=fps, aspect=aspect), voice=VoiceCoach())
    out = {"live": digest(loop.step(t, landmarks=f) for f, t in zip(frames, ts, strict=True))}
    offline = CoachSession(clf, fps=fps, aspect=aspect)
    out["plan"] = digest(offline.plan(frames, ts))
    out["offline"] = digest(offline.update(f, t) for f, t in zip(frames, ts, strict=True))
    for exercise in EXERCISES:
        out[f"count_reps {exercise}"] = digest(
            count_reps(lm, exercise, fps, aspect=aspect, timestamps=times)
        )
    starts = range(0, len(lm) - 30, 37)
    out["stance"] = digest(stance_gaps(np.asarray(lm[i : i + 30])).tolist() for i in starts)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, help="write the digests here (the old code)")
    mode.add_argument("--check", type=Path, help="compare with these digests (the new code)")
    ap.add_argument("--landmarks", type=Path, default=CACHE, help="real clips' landmark files")
    args = ap.parse_args()
    clf = ExerciseClassifier.load()
    got = {name: outputs(clf, *rest) for name, *rest in streams(args.landmarks)}
    if args.save is not None:
        write_text_atomic(args.save, json.dumps(got, indent=1, sort_keys=True))
        print(f"{len(got)} streams digested into {args.save}")
        return
    before = json.loads(args.check.read_text())
    differ = 0
    for name in sorted(set(before) | set(got)):
        for item in sorted(set(before.get(name, {})) | set(got.get(name, {}))):
            if before.get(name, {}).get(item) != got.get(name, {}).get(item):
                differ += 1
                print(f"differs: {name} {item}")
    print(f"{len(got)} streams, {differ} outputs differ")


if __name__ == "__main__":
    main()
