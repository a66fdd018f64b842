"""The same clips at full rate and with frames dropped (true timestamps kept): reps and tempo.

    .venv/bin/python benchmarks/dropped_frames.py [--generated 12] [--seed 3000] [--no-samples]
        [--decide]

A camera that slows down or drops frames should change nothing but smoothness (issue 39). Clips:
the rendered samples in ``data/samples/`` (MediaPipe landmarks, extracted once and cached in
``data/interim/samples_pose/``) and ``--generated`` generator clips (``gymlib.synth``). Each is
fed to the live loop (``gymlib.live.LiveLoop`` over ``CoachSession``) with its true exercise
fixed, three ways: every frame; every other frame; random gaps (each kept frame followed by a
gap of 1 to 6 frame intervals, up to 200 ms at 30 fps). Prints per clip the reps and the mean
rep time (down + up) of each, and in total: clips with the same count as full rate, and the
largest relative change of the mean rep time. ``--decide``: the coach names the exercise itself
(the shipped classifier, as live) instead, and the reps are those under the true exercise; also
printed: when it first named the exercise (s) and the clips where that was the true one.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402

from gymlib.live import LiveLoop  # noqa: E402
from gymlib.session import CoachSession  # noqa: E402

MODES = ("full", "every-other", "random-gaps")


def keep_mask(n: int, fps: float, mode: str, seed: int) -> np.ndarray:
    """Which of ``n`` frames are kept in ``mode``: gaps of up to 200 ms for random-gaps."""
    if mode == "full":
        return np.ones(n, bool)
    if mode == "every-other":
        return np.arange(n) % 2 == 0
    rng = np.random.default_rng(seed)
    longest = max(int(round(0.2 * fps)), 1)
    idx = np.cumsum(rng.integers(1, longest + 1, size=n))
    mask = np.zeros(n, bool)
    mask[np.concatenate([[0], idx[idx < n]])] = True
    return mask


def run(frames: np.ndarray, times: np.ndarray, exercise: str, fps: float, aspect: float,
        clf=None) -> tuple[list, tuple[str, float] | None]:  # noqa: ANN001  # fmt: skip
    """Reps of the live loop on ``frames`` ``(T, 33, 4)`` at ``times`` under ``exercise``,
    fixed (``clf`` None) or named by the coach with ``clf``; and the first exercise it named
    and when (s from the first frame; None: fixed, or never named)."""
    session = CoachSession(clf, fps=fps, aspect=aspect, exercise="auto" if clf else exercise)
    loop, first = LiveLoop(session), None
    for fr, t in zip(frames, times, strict=True):
        loop.step(float(t), landmarks=fr if fr.any() else None)
        if clf is not None and first is None and session.current != "unknown":
            first = (session.current, float(t - times[0]))
    return [r for r in loop.reps if r.exercise == exercise], first


def clips(args: argparse.Namespace) -> list[tuple[str, str, np.ndarray, np.ndarray, float, float]]:
    """(name, exercise, landmarks, timestamps, fps, aspect) of every clip."""
    out = []
    if not args.no_samples:
        from gymlib.extract import PoseSequence, extract_video

        cache = ROOT / "data/interim/samples_pose"
        for video in sorted((ROOT / "data/samples").glob("*.mp4")):
            path = cache / f"{video.stem}.npz"
            if path.is_file():
                seq = PoseSequence.load(path)
            else:
                seq = extract_video(video, progress=False)
                cache.mkdir(parents=True, exist_ok=True)
                seq.save(path)
            lms = np.where(seq.detected[:, None, None], seq.landmarks, 0.0)
            aspect = seq.image_size[0] / seq.image_size[1]
            ex = video.stem.split("-")[0]
            out.append((video.stem, ex, lms, seq.timestamps, seq.fps, aspect))
    from gymlib.synth import EXERCISES, generate_clip

    for k in range(args.generated):
        ex = EXERCISES[k % len(EXERCISES)]
        c = generate_clip(ex, 6, seed=args.seed + k, tempo=(1.0, 4.0))
        name = f"generated-{ex}-{c.view}-{args.seed + k}"
        out.append((name, ex, c.landmarks, c.timestamps, c.fps, c.aspect))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--generated", type=int, default=12)
    ap.add_argument("--seed", type=int, default=3000)
    ap.add_argument("--no-samples", action="store_true")
    ap.add_argument("--decide", action="store_true", help="the coach names the exercise")
    args = ap.parse_args()
    clf = None
    if args.decide:
        from gymlib.model import ExerciseClassifier

        clf = ExerciseClassifier.load()
    named = dict.fromkeys(MODES, 0)
    when: dict[str, list[float]] = {m: [] for m in MODES}
    same = dict.fromkeys(MODES[1:], 0)
    worst = dict.fromkeys(MODES[1:], 0.0)
    rows = clips(args)
    print(f"{'clip':40s} " + "  ".join(f"{m:>18s}" for m in MODES) + "   (reps, mean rep s)")
    for i, (name, ex, lms, ts, fps, aspect) in enumerate(rows):
        got = {}
        for mode in MODES:
            keep = keep_mask(len(lms), fps, mode, seed=i)
            reps, first = run(lms[keep], ts[keep], ex, fps, aspect, clf)
            if first is not None:
                named[mode] += first[0] == ex
                when[mode].append(first[1])
            tempo = float(np.mean([r.tempo_down + r.tempo_up for r in reps])) if reps else 0.0
            got[mode] = (len(reps), tempo)
        for mode in MODES[1:]:
            same[mode] += got[mode][0] == got["full"][0]
            if got["full"][1] > 0:
                change = abs(got[mode][1] / got["full"][1] - 1)
                worst[mode] = max(worst[mode], change)
        print(f"{name:40s} " + "  ".join(f"{n:6d} {t:11.2f}" for n, t in got.values()))
    for mode in MODES[1:]:
        print(f"{mode:12s}: same count as full rate on {same[mode]}/{len(rows)} clips, "
              f"largest change of the mean rep time {worst[mode]:.1%}")  # fmt: skip
    if args.decide:
        for mode in MODES:
            w = when[mode]
            print(f"{mode:12s}: first named the true exercise on {named[mode]}/{len(rows)} clips; "
                  f"when, median {np.median(w) if w else float('nan'):.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
