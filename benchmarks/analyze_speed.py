"""`gymlib.analyze` speed on a 640x480 clip against a bare MediaPipe loop. Figure for issue 9.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/analyze_speed.py [--frames 300]

The clip is a real photo of a person (skimage's astronaut) drifting across the frame. Target:
analysis at >= 0.9 x the bare MediaPipe rate (read + pose only).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

import cv2  # noqa: E402

from gymlib.analyze import analyze  # noqa: E402
from gymlib.extract import PoseExtractor  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, default=300)
    args = ap.parse_args()
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from extract_workers import person_clip

    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "person.mp4"
        person_clip(video, args.frames)
        analyze(video, out=Path(tmp) / "warm", progress=False)  # warm up MediaPipe and the model
        cap = cv2.VideoCapture(str(video))
        t0 = time.perf_counter()
        n = 0
        with PoseExtractor(mode="video") as ex:
            while True:
                ok, bgr = cap.read()
                if not ok:
                    break
                ex.process_bgr(bgr, timestamp=n / 30)
                n += 1
        bare = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = analyze(video, out=Path(tmp) / "out", progress=False)
        full = result.frames / (time.perf_counter() - t0)
    print(f"bare MediaPipe loop: {bare:.1f} frames/s")
    print(f"gymlib.analyze (pose, classifier, reps, annotated mp4): {full:.1f} frames/s "
          f"= {full / bare:.2f} x (target >= 0.9 x)")  # fmt: skip


if __name__ == "__main__":
    main()
