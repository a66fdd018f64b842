"""Check that ``analyze``'s outputs stay the same across a change made for speed.

``--save FILE`` runs :func:`gymlib.analyze.analyze` on each input and digests what it writes:
``reps.csv``, ``sets.csv``, ``summary.json`` (but its frames/s), ``summary.png``'s pixels (the
PNG's bytes may differ: its compression) and every frame handed to the
video encoder of the video kept (md5 of its pixels, and its time); ``--check FILE`` makes them
again and prints each input and item that differs, and the count. Run ``--save`` with the old
code (e.g. ``git archive`` of the old commit on ``PYTHONPATH``), ``--check`` with the new. The
H.264 bytes are not compared: they differ from run to run in any version (two encoder threads).
Inputs: the landmark files in ``--landmarks`` (e.g. the real clips' pose cache) and the videos
given with ``--videos`` (MediaPipe runs on them).

    OMP_NUM_THREADS=1 PYTHONPATH=OLD .venv/bin/python benchmarks/analyze_identical.py \\
        --save /tmp/before.json --landmarks /work/cache/real_pose_pyav --videos A.mp4 B.mp4
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/analyze_identical.py \\
        --check /tmp/before.json --landmarks /work/cache/real_pose_pyav --videos A.mp4 B.mp4
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")


def digest(src: Path, out: Path, classifier: object) -> dict[str, object]:
    """What ``analyze`` wrote for ``src`` (into ``out``), digested."""
    from PIL import Image

    from gymlib.analyze import analyze
    from gymlib.media import VideoWriter

    drawn: dict[int, list[str]] = {}
    kept: list[list[str]] = []
    write, close = VideoWriter.write, VideoWriter.close

    def hashed_write(self, frame, t=None, **kwargs):  # noqa: ANN001, ANN202
        drawn.setdefault(id(self), []).append(f"{hashlib.md5(frame.tobytes()).hexdigest()} {t}")
        return write(self, frame, t, **kwargs)

    def kept_close(self):  # noqa: ANN001, ANN202
        kept.append(drawn.pop(id(self), []))
        return close(self)

    VideoWriter.write, VideoWriter.close = hashed_write, kept_close
    try:
        result = analyze(src, out=out, progress=False, classifier=classifier)
    finally:
        VideoWriter.write, VideoWriter.close = write, close
    summary = json.loads((out / "summary.json").read_text())
    summary.pop("frames_per_second")
    summary.pop("video")  # the input's path
    sha = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    plot = Image.open(out / "summary.png")
    return {
        "summary.png pixels": sha(f"{plot.mode} {plot.size}".encode() + plot.tobytes()),
        "reps.csv": sha((out / "reps.csv").read_bytes()),
        "sets.csv": sha((out / "sets.csv").read_bytes()),
        "summary.json": sha(json.dumps(summary, sort_keys=True).encode()),
        "frames": sha("\n".join(kept[-1]).encode()) if kept else None,
        "frame count": len(kept[-1]) if kept else 0,
        "drawn beside the pose pass": bool(getattr(result, "overlapped", False)),
    }


def main() -> None:
    from gymlib.benchtools import digests_differ

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path)
    mode.add_argument("--check", type=Path)
    ap.add_argument("--landmarks", type=Path, default=None, help="a folder of landmark .npz")
    ap.add_argument("--videos", type=Path, nargs="*", default=[])
    args = ap.parse_args()
    from gymlib.model import ExerciseClassifier

    inputs = sorted(args.landmarks.glob("*.npz")) if args.landmarks else []
    inputs += list(args.videos)
    classifier = ExerciseClassifier.load()
    found: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, src in enumerate(inputs):
            found[src.name] = digest(src, Path(tmp) / str(i), classifier)
            print(src.name, found[src.name], flush=True)
    if args.save:
        args.save.write_text(json.dumps(found, indent=1))
        print(f"{len(found)} inputs digested into {args.save}")
        return
    key = "drawn beside the pose pass"  # timing: not compared, counted
    differ = digests_differ(found, args.check, skip=[key])
    before = json.loads(args.check.read_text())
    held, was = (sum(bool(x[key]) for x in d.values()) for d in (found, before))
    print(f"{len(found)} inputs, {differ} items differ; {key}: {held} (before: {was})")


if __name__ == "__main__":
    main()
