"""The fault probes of issue 38 in the state area (config, models and promotion, sessions and
history, downloads, the live widget), re-run: rows ok out of total.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fault_probes_state.py

Runs ``tests/test_faults_state.py`` (real files, TensorFlow models, MediaPipe, processes) and
maps its tests to the rows of ``../shared/reference/fault-probes-2026-12.md`` that were not ok on
e61a973; a row is ok now when every test of it passes. The rows that were ok then are counted as
they were (most have tests of their own in tests/test_config.py, test_model.py,
test_session.py, test_extract.py, test_sources.py).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: area -> (its rows, the rows not ok on e61a973)
AREAS: dict[str, tuple[range, tuple[int, ...]]] = {
    "Config": (range(47, 72), (53, 58, 59, 60, 61, 62, 63, 64, 65)),
    "Models and promotion": (range(72, 88), (74, 75, 76, 79, 80, 82, 83, 87)),
    "Sessions and history": (range(88, 97), (89, 95, 96)),
    "Pipeline and promotion": (range(97, 101), (100,)),
    "Live": (range(101, 125), (113, 114, 115, 124)),
    "History": (range(125, 130), (125, 126, 127, 128, 129)),
    "Downloads and security": (range(130, 139), (133, 137)),
}

#: row -> substrings of the test ids that probe it
TESTS: dict[int, tuple[str, ...]] = {
    53: ("row53", "[53-"),
    **{r: (f"[{r}-",) for r in (58, 59, 60, 61, 62, 63, 64, 65)},
    74: ("rows74_75",), 75: ("rows74_75",), 76: ("row76",), 79: ("row79",), 80: ("row80",),
    82: ("rows82_83",), 83: ("rows82_83",), 87: ("row87",),
    89: ("row89",), 95: ("row95",), 96: ("row96",), 100: ("row100",),
    113: ("rows113_114",), 114: ("rows113_114",), 115: ("row115",), 124: ("row124",),
    125: ("rows125_129",), 126: ("row126",), 127: ("rows125_129",), 128: ("rows125_129",),
    129: ("rows125_129",), 133: ("row133",), 137: ("row137",),
}  # fmt: skip


def run_tests() -> dict[str, bool]:
    """Test id -> passed, from one pytest run of tests/test_faults_state.py."""
    from gymlib.benchtools import junit_results

    return junit_results(ROOT / "tests" / "test_faults_state.py", ROOT)


def oversized_frame_ms(repeats: int = 3) -> tuple[float, float, int]:
    """Median ms for the live coach to answer one 8000x8000 JPEG (row 111: 2,771 ms on
    e61a973), for a plain full-size decode of it (what that version did), and its size in kB."""
    import time

    import cv2
    import numpy as np

    from gymlib.config import SEED_EXERCISES
    from gymlib.widgets.coach import LiveCoach

    class Sure:  # the classifier is not what is timed
        classes = SEED_EXERCISES

        def predict_one(self, window: np.ndarray) -> np.ndarray:
            return np.eye(6)[1]

    # a smooth picture, ~1 MB as a JPEG, like the probe's (noise would be 73 MB: refused at once)
    ramp = np.linspace(0, 255, 8000, dtype=np.float32)
    img = np.stack([np.add.outer(ramp, ramp) / 2, np.add.outer(ramp, -ramp) / 2 + 128,
                    np.tile(ramp, (8000, 1))], axis=-1).astype(np.uint8)  # fmt: skip
    big = cv2.imencode(".jpg", img)[1].tobytes()
    with tempfile.TemporaryDirectory() as tmp:
        coach = LiveCoach(Sure(), sessions=tmp)
        try:
            answer, decode = [], []
            for k in range(repeats):
                t0 = time.perf_counter()
                coach._handle(big, k / 30)
                answer.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                cv2.imdecode(np.frombuffer(big, np.uint8), cv2.IMREAD_COLOR)
                decode.append(time.perf_counter() - t0)
        finally:
            coach.close()
    return float(np.median(answer) * 1e3), float(np.median(decode) * 1e3), len(big) // 1024


def main() -> int:
    results = run_tests()
    total_ok = total = 0
    print(f"\n{'area':26s} {'ok before':>9s} {'ok now':>7s} {'rows':>5s}  rows fixed (tests)")
    for area, (rows, bad) in AREAS.items():
        fixed = []
        for r in bad:
            ids = [t for t in results if any(s in t for s in TESTS[r])]
            if ids and all(results[t] for t in ids):
                fixed.append(f"{r} ({len(ids)})")
        ok_now = len(rows) - len(bad) + len(fixed)
        total_ok, total = total_ok + ok_now, total + len(rows)
        print(f"{area:26s} {len(rows) - len(bad):9d} {ok_now:7d} {len(rows):5d}  "
              f"{', '.join(fixed) or '-'}")  # fmt: skip
    passed = sum(results.values())
    was = total - sum(len(b) for _, b in AREAS.values())
    print(f"\nrows ok: {total_ok} / {total} (was {was} / {total} on e61a973); "
          f"tests {passed} / {len(results)} passed")  # fmt: skip
    answer, decode, kb = oversized_frame_ms()
    print(f"an 8000x8000 JPEG ({kb} kB) answered by the live coach in {answer:.0f} ms (median "
          f"of 3; a plain full-size decode alone takes {decode:.0f} ms)")  # fmt: skip
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
