"""gymlib.training: notebook 03's training windows from each kind of data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gymlib.config import load_config
from gymlib.datasets import save_processed
from gymlib.training import training_windows
from gymlib.windows import assign_splits


def test_training_windows_from_each_kind_of_data(tmp_path: Path) -> None:
    cfg = load_config()
    data, split = training_windows("synthetic", config=cfg, seed=3, synth_clips=24)
    assert split is None and set(data.source) == {"synthetic"} and len(data) > 50
    small, _ = training_windows("synthetic", config=cfg, seed=3, synth_clips=24, max_windows=40)
    assert len(small) == 40 and set(small.group) <= set(data.group)
    made = assign_splits(data.group, validation=0.2, test=0.2, seed=0)
    path = save_processed("demo", data, made, out_dir=tmp_path)
    loaded, split = training_windows(f"processed:{path}", config=cfg, seed=3, max_windows=30)
    assert len(loaded) == 30 and len(split) == 30 and set(split) <= set(made)
    rows = [np.flatnonzero((data.windows == w).all(axis=(1, 2)))[0] for w in loaded.windows]
    assert np.array_equal(split, made[rows])  # each window keeps its own split
    with pytest.raises(ValueError, match="unknown source 'kagle'"):  # one vocabulary: sources
        training_windows("kagle", config=cfg, seed=3)
