"""The session-17 probes of ``python -m gymlib.analyze`` (a newcomer's 59 new inputs and faults,
beyond the 138 rows of ``../shared/reference/fault-probes-2026-12.md``), re-run: each probe that
was not ok, and whether it is ok now.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/fault_probes_input.py

Runs ``tests/test_faults_input.py`` (real ffmpeg files, MediaPipe, the shipped classifier,
processes sent real signals) and maps its tests to the probes; a probe is ok when every test
of it passes. The probes that were ok (41 of 59: codecs, containers, odd sizes, non-square
pixels, time offsets, edit lists, 5 and 120 fps, paths) are counted as they were.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: probes run, and the ones ok when they were run (on 04dcaa7)
PROBES, OK_THEN = 59, 41

#: the probes that were not ok: what they were, and the substrings of the tests that probe them
NOT_OK: dict[str, tuple[str, tuple[str, ...]]] = {
    "8": ("a pipe (FIFO) as VIDEO: 'no such file'", ("pipe",)),
    "10": ("--out under a file: '(File exists)'", ("pipe",)),
    "15-17": ("Ctrl-C: a traceback", ("130-interrupted",)),
    "18": ("SIGTERM: the work folder left", ("143-stopped",)),
    "19": ("a killed run's leftover, its pid reused: refused for good", ("killed_runs",)),
    "34-35": ("a mirror flag in the display matrix: upside down, 0 reps", ("flip",)),
    "44": ("300 fps: times 10x too long, 0 reps", ("high_speed",)),
    "45": ("a landmark file at 500 fps: the writer's error", ("high_speed",)),
    "47-48": ("audio with cover art: rc 0, one frame", ("cover_art",)),
    "55": ("a damaged patch: decoding stopped there", ("damaged",)),
    "57": ("a 250-character --out: 'File name too long'", ("long_out",)),
    "58": ("a symlinked --out: replaced by a folder", ("long_out",)),
}
#: not ok, and not changed this session (why: docs/reliability.md)
LEFT = {
    "30": "a 96x72 video: 4 of 5 reps, no warning",
    "46": "a 10-min still clip: the drawer grew 65 MB over 6000 frames (cause not found)",
}


def run_tests() -> dict[str, bool]:
    """Test id -> passed, from one pytest run of tests/test_faults_input.py."""
    from gymlib.benchtools import junit_results

    return junit_results(ROOT / "tests" / "test_faults_input.py", ROOT)


def main() -> int:
    results = run_tests()
    fixed = 0
    print(f"\n{'probe':7s} {'now':4s} {'tests':>5s}  what it was")
    for probe, (what, keys) in NOT_OK.items():
        ids = [t for t in results if any(k in t for k in keys)]
        ok = bool(ids) and all(results[t] for t in ids)
        first, _, last = probe.partition("-")
        fixed += (int(last or first) - int(first) + 1) if ok else 0
        print(f"{probe:7s} {'ok' if ok else 'NOT':4s} {len(ids):5d}  {what}")
    for probe, what in LEFT.items():
        print(f"{probe:7s} {'left':4s} {'-':>5s}  {what}")
    passed = sum(results.values())
    print(f"\nprobes ok: {OK_THEN + fixed} / {PROBES} (was {OK_THEN} / {PROBES}); "
          f"tests {passed} / {len(results)} passed")  # fmt: skip
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
