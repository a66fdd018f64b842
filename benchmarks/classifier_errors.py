"""Where the shipped classifier's held-out errors come from. Figures for issue 6.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/classifier_errors.py [--model PATH]

Re-creates the held-out split written in the model's card (a split of the real windows by
recording group, with the card's seed and fraction, as ``notebooks/03_training.ipynb`` makes it),
predicts its test windows with the model and prints the wrong ones per recording, with the share
of frames in which MediaPipe returned an upside-down skeleton: nose below the shoulders, the
shoulders below the hips along the torso, the knees above the hips and the ankles above the
knees. Nobody does the six exercises upside down, so such a frame is the pose model's mistake,
not the person's movement. The macro-F1 without the windows that hold such frames is printed
next to the figure of record (all windows) to show how much of the gap they explain; it is not a
replacement for it.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402

from gymlib.benchtools import shared_data  # noqa: E402
from gymlib.evaluation import summarize  # noqa: E402
from gymlib.landmarks import PoseLandmark as L  # noqa: E402
from gymlib.landmarks import from_seed_windows  # noqa: E402
from gymlib.model import ExerciseClassifier  # noqa: E402
from gymlib.windows import group_split, load_real_windows  # noqa: E402


def upside_down(windows: np.ndarray) -> np.ndarray:
    """``(N, 30)``: frames of seed-layout windows whose skeleton stands on its head (see the
    module docstring). Frames without a person are False."""
    w = from_seed_windows(windows)
    y = w[..., 1]

    def mid(a: L, b: L) -> np.ndarray:
        return (w[..., a, :2] + w[..., b, :2]) / 2

    sh, hip = mid(L.LEFT_SHOULDER, L.RIGHT_SHOULDER), mid(L.LEFT_HIP, L.RIGHT_HIP)
    knee = mid(L.LEFT_KNEE, L.RIGHT_KNEE)[..., 1]
    ankle = mid(L.LEFT_ANKLE, L.RIGHT_ANKLE)[..., 1]
    torso = np.hypot(*(sh - hip).transpose(2, 0, 1)) + 1e-9
    down = (sh[..., 1] - hip[..., 1]) / torso > 0.8  # the torso points down the picture
    present = np.any(w != 0, axis=(2, 3))
    return (present & down & (y[..., L.NOSE] > sh[..., 1])
            & (knee < hip[..., 1] - 0.5 * torso) & (ankle < knee))  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="a .keras model with its .json card")
    ap.add_argument("--real", type=Path, default=shared_data("seed_real_windows.npz"))
    args = ap.parse_args()
    if not args.real.is_file():
        print(f"real windows not found at {args.real}; they are needed for this benchmark")
        return 1
    clf = ExerciseClassifier.load(args.model)
    split = clf.card.get("split", {})
    seed, fraction = int(split.get("seed", 42)), float(split.get("test", 0.15))
    data = load_real_windows(args.real)
    _, test = group_split(data.group, fraction, seed=seed)
    x = data.windows[test]
    names = list(clf.classes)  # may hold "other" besides the exercises: a window taken for
    y = np.array([names.index(data.classes[k]) for k in data.labels[test]])  # it is wrong
    p = clf.predict_proba(x)
    pred = p.argmax(axis=1)
    glitch = upside_down(x)
    bad = glitch.any(axis=1)
    print(
        f"held-out test: {len(test)} windows of {len(set(data.group[test]))} recordings "
        f"(group split, seed {seed}, fraction {fraction}); model {clf.card.get('saved', '?')}"
    )
    wrong = pred != y
    print(f"wrong: {wrong.sum()}, of which {int((wrong & bad).sum())} hold frames with an "
          f"upside-down skeleton ({int(bad.sum())} test windows hold any)")  # fmt: skip
    per_rec = Counter(data.video[test][wrong])
    print(f"\n{'recording':44s} {'wrong':>5s} {'of':>4s}  {'upside-down frames':>18s}  taken for")
    for rec, n in per_rec.most_common():
        m = data.video[test] == rec
        share = glitch[m].mean()
        taken = Counter(names[k] for k in pred[m & wrong]).most_common(2)
        print(f"{rec:44s} {n:5d} {m.sum():4d}  {share:18.0%}  "
              f"{', '.join(f'{c} {k}' for c, k in taken)}")  # fmt: skip
    all_m = summarize(y, p, names)
    clean = ~bad
    clean_m = summarize(y[clean], p[clean], names)
    print(f"\nmacro-F1, all {len(y)} test windows (the figure of record): {all_m['macro_f1']:.3f}"
          f"  accuracy {all_m['accuracy']:.3f}")  # fmt: skip
    print(f"macro-F1 without the {int(bad.sum())} windows holding upside-down skeletons: "
          f"{clean_m['macro_f1']:.3f}  accuracy {clean_m['accuracy']:.3f}")  # fmt: skip
    print("per class F1 (all):", {k: round(v, 3) for k, v in all_m["f1"].items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
