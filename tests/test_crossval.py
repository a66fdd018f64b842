"""gymlib.crossval: k-fold cross-validation by recording group, shared by notebook 03 and
benchmarks/classifier_eval.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from gymlib.config import load_config
from gymlib.crossval import cross_validate
from gymlib.training import synthetic_windows
from gymlib.windows import group_kfold


def test_every_window_is_scored_by_a_model_that_never_saw_its_recording(tmp_path: Path) -> None:
    cfg = load_config()
    trees = dataclasses.replace(cfg.model, arch="trees", features="window_stats", trees=20)
    cfg = dataclasses.replace(cfg, model=trees)
    data = synthetic_windows(36, seed=2)
    extra = synthetic_windows(12, seed=3)
    folds = group_kfold(data.group, 3, seed=0)
    seen = []
    run = cross_validate(data, folds, config=cfg, extra=extra, extra_seed=1,
                         on_fold=lambda k, n, _, hist: seen.append((k, n, hist.unit)))  # fmt: skip
    assert seen == [(0, 3, "tree"), (1, 3, "tree"), (2, 3, "tree")]
    n, c = len(data), len(data.classes)
    for p in (run.probs, run.raw, run.mirrored):
        assert p.shape == (n, c) and np.allclose(p.sum(1), 1, atol=1e-4)
    m = run.metrics()
    assert m["accuracy"] > 0.5 and 0 <= m["macro_f1_with_mirror"] <= 1  # chance is 1/6
    assert m["ece_uncalibrated"] >= 0 and len(run.seconds) == 3
    # the same folds and seeds give the same out-of-fold probabilities
    again = cross_validate(data, folds, config=cfg, extra=extra, extra_seed=1)
    assert np.array_equal(again.probs, run.probs)
    saved = run.save(tmp_path / "oof.npz")
    with np.load(saved) as d:
        assert np.array_equal(d["probs"], run.probs) and list(d["classes"]) == list(data.classes)
