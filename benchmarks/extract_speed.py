"""Frames per second of gymlib.extract.extract_video vs a bare MediaPipe loop on the same clip.

    .venv/bin/python benchmarks/extract_speed.py [--frames 150] [--repeats 3]

Both paths decode the same 640x480 mp4 with OpenCV and run the full pose model (complexity 1) in
tracking mode; the bare loop does only ``cv2.read -> BGR->RGB -> pose.process``. Target: the
library's overhead is at most 5 %.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import skimage.data  # noqa: E402

from gymlib.extract import extract_video  # noqa: E402


def make_clip(path: Path, n_frames: int) -> None:
    """The astronaut photo gliding across a 640x480 frame (a real person for MediaPipe)."""
    person = skimage.data.astronaut()[:480, :, ::-1]  # BGR
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (640, 480))
    for i in range(n_frames):
        frame = np.full((480, 640, 3), 180, np.uint8)
        x = int(64 + 60 * np.sin(i / 15))
        frame[:, x : x + 512] = person[:, : 640 - x][:, :512]
        writer.write(frame)
    writer.release()


def bare_loop(path: Path) -> tuple[int, float]:
    import mediapipe as mp

    cap = cv2.VideoCapture(str(path))
    n = 0
    t0 = time.perf_counter()
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            pose.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            n += 1
    dt = time.perf_counter() - t0
    cap.release()
    return n, dt


def library(path: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    seq = extract_video(path, progress=True)
    return len(seq), time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.mp4"
        make_clip(clip, args.frames)
        bare_loop(clip)  # warm-up: graph load, XNNPACK
        bare, lib = [], []
        for _ in range(args.repeats):  # interleaved so machine load hits both alike
            n, dt = bare_loop(clip)
            bare.append(n / dt)
            n2, dt2 = library(clip)
            assert n2 == n
            lib.append(n2 / dt2)
    b, lb = statistics.median(bare), statistics.median(lib)
    overhead = (b - lb) / b * 100
    print(f"clip: {args.frames} frames 640x480, full model, tracking mode, {args.repeats} repeats")
    runs = {name: ", ".join(f"{x:.1f}" for x in xs) for name, xs in (("bare", bare), ("lib", lib))}
    print(f"bare MediaPipe loop : {b:6.1f} frames/s  (runs: {runs['bare']})")
    print(f"extract_video       : {lb:6.1f} frames/s  (runs: {runs['lib']})")
    print(f"overhead            : {overhead:+.1f} %  (target <= 5 %)")


if __name__ == "__main__":
    main()
