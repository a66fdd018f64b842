"""A phone-style portrait clip (landscape pixels + rotation metadata) against the upright clip:
same reps at the same times, and the time each analysis takes (issue 38).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/phone_video.py [--clip split_squat-left45]
        [--rounds 2]

The phone file is made from the committed sample with PyAV (``tests/phone_videos.py``: pixels
turned 90 degrees, the container's display matrix turning them back, as phones store portrait
clips). Both files are analysed in this process, alternately, ``--rounds`` times each. The phone
copy is re-encoded (H.264), so MediaPipe sees slightly different pixels: rep times may move by a
frame or two.
"""

from __future__ import annotations

import argparse
import csv
import os
import runpy
import statistics
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clip", default="split_squat-left45")
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    # the tests' phone-like clips (tests/phone_videos.py), read as a file: no sys.path edit
    pv = SimpleNamespace(**runpy.run_path(str(ROOT / "tests" / "phone_videos.py")))

    from gymlib.analyze import analyze
    from gymlib.media import probe

    with tempfile.TemporaryDirectory() as tmp:
        upright = pv.SAMPLES / f"{args.clip}.mp4"
        frames, _ = pv.sample_frames(args.clip)
        phone = pv.rotated(Path(tmp) / "phone.mp4", frames, 270)
        files = {"upright": upright, "phone (rotated)": phone}
        analyze(upright, out=Path(tmp) / "warm", progress=False)  # MediaPipe and the model
        seconds: dict[str, list[float]] = {k: [] for k in files}
        reps: dict[str, list[tuple[str, str, str, str]]] = {}
        for r in range(args.rounds):
            for name, video in files.items():
                t0 = time.perf_counter()
                result = analyze(video, out=Path(tmp) / f"{r}-{len(name)}", progress=False)
                seconds[name].append(time.perf_counter() - t0)
                with open(result.outputs["reps"], newline="") as fh:
                    reps[name] = [(x["exercise"], x["start_s"], x["end_s"], x["verdict"])
                                  for x in csv.DictReader(fh)]  # fmt: skip
        truth = pv.truth_times(args.clip)
        for name, video in files.items():
            info = probe(video)
            stored = info.size[::-1] if info.rotation in (90, 270) else info.size
            print(f"{name}: stored {stored[0]}x{stored[1]}, rotation {info.rotation}, "
                  f"{info.packets} frames; analysis {statistics.median(seconds[name]):.1f} s "
                  f"(median of {args.rounds}); {len(reps[name])} reps:")  # fmt: skip
            for ex, start, end, verdict in reps[name]:
                print(f"    {ex} {start}-{end} s {verdict}")
        print("truth: " + ", ".join(f"{s:.2f}-{e:.2f} s" for s, e in truth))
        a, b = reps["upright"], reps["phone (rotated)"]
        pairs = list(zip(a, b, strict=False))
        if len(a) == len(b) and all(x[0] == y[0] and x[3] == y[3] for x, y in pairs):
            gap = max((abs(float(x[i]) - float(y[i])) for x, y in pairs for i in (1, 2)),
                      default=0.0)  # fmt: skip
            print(f"same reps and verdicts; rep times differ by at most {gap:.3f} s (the phone "
                  "copy is re-encoded, so its pixels differ slightly)")  # fmt: skip
        else:
            print("the reps differ")


if __name__ == "__main__":
    main()
