"""The exercise classifier measured honestly on the real windows. Figures for issue 6.

    OMP_NUM_THREADS=2 .venv/bin/python benchmarks/classifier_eval.py [--folds 5] [--epochs 50]
        [--variants shipped,seed,seed_raw] [--skip-random] [--skip-speed]
        [--view-clips 600 --other-clips 360 --rendered data/rendered/train --synth-depth true]
        [--model-seed 43] [--oof runs/benchmarks/oof_seed43.npz]
    .venv/bin/python benchmarks/classifier_eval.py --combine A.npz B.npz   # an ensemble's figures
    .venv/bin/python benchmarks/classifier_eval.py --variants "" --skip-random \
        --speed-model models/exercise_classifier.keras   # speed of a trained model only

For every variant (feature set + model size), k-fold cross-validation **by recording group**
(each fold's early stopping and temperature use a group split of its training part): accuracy,
macro-F1, per-class F1, accuracy per source, expected calibration error before and after
temperature scaling. Next to it the seed's leaky random per-window split, so the difference shows.
With ``--view-clips``/``--other-clips``/``--rendered`` every fold's training and validation also
get notebook 03's generated and rendered windows (the shipped recipe; the folds score real windows
only, and a seventh class "other" is added when ``--other-clips`` is given); ``--synth-depth``
chooses the generator's z (:data:`gymlib.synth.DEPTHS`). Every run also scores the average of
each window's and its mirror image's probabilities; ``--model-seed`` trains with another seed
(the spread between seeds), ``--oof`` keeps the out-of-fold probabilities and ``--combine``
prints what averaging several such runs (an ensemble of networks) would give.
Then, for the shipped variant: the time of a full training run on all real windows, the speed of
``predict_one`` (median, p99) and ``predict_proba`` (windows/s), and how often windows from the
generator's idle segments (walking, standing, setting up, resting) come out "unknown" at the
configured confidence threshold versus windows of reps.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402

from gymlib.config import load_config  # noqa: E402
from gymlib.crossval import cross_validate as run_folds  # noqa: E402
from gymlib.datasets import cut_windows  # noqa: E402
from gymlib.evaluation import (  # noqa: E402
    answers_unknown,
    summarize,
)
from gymlib.io import write_json_atomic  # noqa: E402
from gymlib.model import OTHER, ExerciseClassifier  # noqa: E402
from gymlib.synth import DEPTHS, EXERCISES, generate_clip  # noqa: E402
from gymlib.training import extra_windows, train_classifier  # noqa: E402
from gymlib.windows import (  # noqa: E402
    group_kfold,
    group_split,
    load_real_windows,
    random_kfold,
    with_classes,
)

SEED = 42  # notebook 03's default: the same folds and generated clips

NET = {"arch": "bilstm", "features": "body_window"}  # the BiLSTM shipped until 2026-11-27
VARIANTS = {
    "shipped": {},  # config.yaml's model section
    "trees": {"arch": "trees", "features": "window_stats"},  # the tree ensemble
    "bilstm": NET,
    "seed": {**NET, "units": (128, 64), "dense": 64},
    "seed_raw": {**NET, "units": (128, 64), "dense": 64, "features": "raw"},
    "frame_centred": {**NET, "features": "body"},  # every frame on its own hips (before 11-26)
    "window_xy": {**NET, "features": "body_window_xy"},  # the same without MediaPipe's z
    "angles": {**NET, "features": "body_window_angles"},  # + elbow, shoulder, hip, knee angles
    "conv": {**NET, "arch": "conv"},  # the temporal convolution network instead of the BiLSTM
}


def config_for(variant: str):
    cfg = load_config()
    return dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, **VARIANTS[variant]))


def cross_validate(
    data,
    splits,
    cfg,
    epochs: int,
    label: str,
    extra=None,
    *,
    seed: int | None = None,
    oof: Path | None = None,
) -> dict:
    """Out-of-fold figures of every real window (:func:`gymlib.crossval.cross_validate`, with
    notebook 03's seed for the split of the ``extra`` windows); ``oof`` keeps the out-of-fold
    probabilities (also of the mirrored windows) for ``--combine``."""

    def report(k: int, n: int, clf, hist) -> None:
        print(f"  {label} fold {k + 1}/{n}: {hist.best_epoch + 1} {hist.unit}s kept, "
              f"{hist.seconds:.0f} s, T={clf.temperature:.2f}", flush=True)  # fmt: skip

    run = run_folds(data, splits, config=cfg, epochs=epochs, extra=extra, extra_seed=SEED + 2,
                    seed=seed, on_fold=report)  # fmt: skip
    if oof is not None:
        run.save(oof)
    m = run.metrics()
    if extra is not None:
        m["extra_windows"] = len(extra)
    return m


def show(name: str, m: dict) -> None:
    print(f"\n{name}: accuracy {m['accuracy']:.3f}  macro-F1 {m['macro_f1']:.3f}  "
          f"ECE {m['ece_uncalibrated']:.3f} -> {m['ece']:.3f} (temperature)")  # fmt: skip
    if "macro_f1_with_mirror" in m:
        print(f"  averaged with the mirrored windows: macro-F1 {m['macro_f1_with_mirror']:.3f}")
    print("  F1 per class: " + ", ".join(f"{c} {v:.3f}" for c, v in m["f1"].items()))
    print("  accuracy per source: "
          + ", ".join(f"{s} {v:.3f}" for s, v in m["accuracy_by_source"].items()))  # fmt: skip


def idle_windows(n_clips: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows from the generator's idle segments and from its reps."""
    idle, reps = [], []
    for i in range(n_clips):
        c = generate_clip(EXERCISES[i % len(EXERCISES)], 4, seed=seed + i)
        for s, e, _ in c.idle:
            if e - s >= 30:
                idle.append(cut_windows(c.landmarks[s:e], min_tail=30))
        for r in c.reps:
            if r.end - r.start >= 30:
                reps.append(cut_windows(c.landmarks[r.start : r.end + 1], min_tail=30))
    return np.concatenate(idle), np.concatenate(reps)


def combine(paths: list[Path]) -> None:
    """Figures of an ensemble: the mean of several runs' out-of-fold probabilities."""
    runs = [np.load(p) for p in paths]
    labels, classes = runs[0]["labels"], tuple(runs[0]["classes"])
    for p, r in zip(paths, runs, strict=True):
        if not np.array_equal(r["labels"], labels):
            raise ValueError(f"{p}: other windows than {paths[0]} (same data and folds expected)")
    source = load_real_windows().source
    for p, r in zip(paths, runs, strict=True):
        show(str(p), {**summarize(labels, r["probs"], classes, sources=source),
                      "ece_uncalibrated": float("nan")})  # fmt: skip
    mean = np.mean([r["probs"] for r in runs], axis=0)
    both = np.mean([r["probs"] + r["mirrored"] for r in runs], axis=0) / 2
    m = summarize(labels, mean, classes, sources=source)
    m["ece_uncalibrated"] = float("nan")
    m["macro_f1_with_mirror"] = summarize(labels, both, classes, sources=source)["macro_f1"]
    show(f"ensemble of {len(runs)}", m)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--variants", default="shipped,seed,seed_raw")
    ap.add_argument("--skip-random", action="store_true")
    ap.add_argument("--skip-speed", action="store_true", help="no full training, speed, unknown")
    ap.add_argument("--view-clips", type=int, default=0, help="generated clips, every view")
    ap.add_argument("--other-clips", type=int, default=0, help="non-exercise clips (class other)")
    ap.add_argument("--rendered", type=Path, default=None, help="rendered clips' folder")
    ap.add_argument("--synth-depth", choices=DEPTHS, default="true", help="the generator's z")
    ap.add_argument("--model-seed", type=int, default=None, help="training seed (config's)")
    ap.add_argument(
        "--oof",
        type=Path,
        default=None,
        help="write the first variant's out-of-fold probabilities here (.npz)",
    )
    ap.add_argument(
        "--combine",
        type=Path,
        nargs="+",
        default=None,
        help="only print the ensemble of these --oof files' probabilities",
    )
    ap.add_argument("--speed-model", type=Path, default=None,
                    help="measure this trained model's speed instead of training one")  # fmt: skip
    ap.add_argument("--out", type=Path, default=ROOT / "runs/benchmarks/classifier_eval.json")
    args = ap.parse_args()
    if args.combine:
        combine(args.combine)
        return
    data = load_real_windows()
    epochs = args.epochs or load_config().model.epochs
    print(f"{len(data)} real windows, {len(set(data.group))} recording groups, "
          f"{args.folds}-fold, up to {epochs} epochs")  # fmt: skip
    if args.other_clips:
        data = with_classes(data, tuple(data.classes) + (OTHER,))
    extra = extra_windows(view_clips=args.view_clips, other_clips=args.other_clips,
                          rendered=args.rendered, seed=SEED, classes=data.classes,
                          depth=args.synth_depth, progress=False)  # fmt: skip
    recipe = ""
    if extra is not None:
        recipe = (f" + {len(extra)} extra windows (view clips {args.view_clips}, other clips "
                  f"{args.other_clips}, rendered {args.rendered or 'none'}, depth "
                  f"{args.synth_depth})")  # fmt: skip
        print("every fold trains on its real windows" + recipe, flush=True)
    results: dict = {}
    folds = group_kfold(data.group, args.folds, seed=SEED)
    for i, v in enumerate(filter(None, args.variants.split(","))):
        results[v] = cross_validate(
            data,
            folds,
            config_for(v),
            epochs,
            v,
            extra,
            seed=args.model_seed,
            oof=args.oof if i == 0 else None,
        )
        show(f"{v} (recording-disjoint {args.folds}-fold{recipe})", results[v])
    if not args.skip_random:
        rnd = random_kfold(len(data), args.folds, seed=SEED)
        results["shipped_random_split"] = cross_validate(
            data, rnd, config_for("shipped"), epochs, "random", extra
        )
        show("shipped (the seed's random per-window split: leaky)",
             results["shipped_random_split"])  # fmt: skip

    if args.skip_speed:
        print(f"\nwritten {write_json_atomic(args.out, results)}")
        return
    # full training on every real window, then speed and the "unknown" outcome
    cfg = config_for("shipped")
    if args.speed_model is not None:
        clf, full = ExerciseClassifier.load(args.speed_model), None
        print(f"\nspeed of {args.speed_model} (no training)")
    else:
        tr, va = group_split(data.group, 0.15, seed=0)
        t0 = time.perf_counter()
        clf, hist = train_classifier(data.windows[tr], data.labels[tr], data.windows[va],
                                     data.labels[va], config=cfg, epochs=epochs,
                                     progress=False)  # fmt: skip
        full = time.perf_counter() - t0
        print(f"\nfull training on all real windows: {full:.0f} s "
              f"({hist.best_epoch + 1} epochs kept)")  # fmt: skip
    clf.predict_one(data.windows[0])
    times = []
    for w in data.windows[:1000]:
        t = time.perf_counter()
        clf.predict_one(w)
        times.append(time.perf_counter() - t)
    clf.predict_proba(data.windows[:2048])
    t = time.perf_counter()
    clf.predict_proba(data.windows)
    rate = len(data) / (time.perf_counter() - t)
    one = np.array(times) * 1e3
    diff = np.abs(
        np.stack([clf.predict_one(w) for w in data.windows[:200]])
        - clf.predict_proba(data.windows[:200])
    ).max()
    print(f"predict_one: median {np.median(one):.2f} ms, p99 {np.percentile(one, 99):.2f} ms; "
          f"predict_proba: {rate:.0f} windows/s; max |one - batch| {diff:.1e}")  # fmt: skip
    threshold = cfg.model.confidence_threshold
    idle, reps = idle_windows(60, 5000)
    u_idle = answers_unknown(clf.predict_proba(idle), clf.classes, threshold)
    u_reps = answers_unknown(clf.predict_proba(reps), clf.classes, threshold)
    print(f"unknown at threshold {threshold} (or class other): {u_idle.mean():.1%} of "
          f"{len(idle)} idle windows, {u_reps.mean():.1%} of {len(reps)} rep windows "
          f"(generator, seeds 5000+)")  # fmt: skip
    results["speed"] = {"full_training_s": full, "predict_one_median_ms": float(np.median(one)),
                        "predict_one_p99_ms": float(np.percentile(one, 99)),
                        "predict_proba_windows_per_s": rate}  # fmt: skip
    print(f"\nwritten {write_json_atomic(args.out, results)}")


if __name__ == "__main__":
    main()
