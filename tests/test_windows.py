"""gymlib.windows: labelled windows, the real ones turned upright, splits by recording."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gymlib.config import SEED_EXERCISES
from gymlib.landmarks import PoseLandmark as L
from gymlib.landmarks import from_seed_windows
from gymlib.training import synthetic_windows
from gymlib.windows import (
    assign_splits,
    balance,
    group_kfold,
    load_real_windows,
    random_kfold,
    upright_rotated,
)

REAL = Path(__file__).resolve().parent.parent / ".." / "shared" / "data" / "seed_real_windows.npz"


@pytest.fixture(scope="module")
def windows():
    return synthetic_windows(24, seed=3)


def test_group_kfold_never_splits_a_recording() -> None:
    rng = np.random.default_rng(0)
    groups = rng.choice([f"g{i}" for i in range(40)], size=800)
    folds = group_kfold(groups, 5, seed=1)
    seen = np.concatenate([te for _, te in folds])
    assert sorted(seen) == list(range(800))
    for tr, te in folds:
        assert not set(groups[tr]) & set(groups[te])
    sizes = [len(te) for _, te in folds]
    assert max(sizes) - min(sizes) < 0.25 * np.mean(sizes)
    with pytest.raises(ValueError, match="number of groups"):
        group_kfold(groups[:10], 50)


def test_rotated_phone_takes_are_turned_upright() -> None:
    data = synthetic_windows(12, seed=4)
    w = data.windows[data.labels == SEED_EXERCISES.index("squat")][:4]
    lm = from_seed_windows(w).copy()
    # store them as a phone on its side would: x' = y, y' = 1 - x (the inverse rotation)
    rotated = lm.copy()
    rotated[..., 0], rotated[..., 1] = lm[..., 1], 1 - lm[..., 0]
    back = from_seed_windows(upright_rotated(rotated.reshape(w.shape)))
    assert np.allclose(back[..., :2], lm[..., :2], atol=1e-6)
    assert np.all(back[..., L.LEFT_SHOULDER, 1] < back[..., L.LEFT_HIP, 1])


def test_missing_real_windows_say_where_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="01_acquisition"):
        load_real_windows(tmp_path / "absent.npz")


@pytest.mark.skipif(not REAL.is_file(), reason="real windows not in ../shared/data (not shipped)")
def test_real_windows_load_upright_with_group_labels() -> None:
    data = load_real_windows(REAL)
    assert len(data) == 4905 and set(data.labels) == set(range(6))
    lm = from_seed_windows(data.windows[data.source == "own_horizontal"][:50])
    present = lm[..., L.LEFT_SHOULDER, 3] > 0
    up = lm[..., L.LEFT_HIP, 1] - lm[..., L.LEFT_SHOULDER, 1]
    assert np.median(up[present]) > 0  # shoulders above hips after turning the takes upright


def test_random_kfold_partitions_the_windows() -> None:
    folds = random_kfold(103, 5, seed=0)
    tests = np.concatenate([te for _, te in folds])
    assert sorted(tests) == list(range(103))
    for tr, te in folds:
        assert not set(tr) & set(te) and len(tr) + len(te) == 103
    with pytest.raises(ValueError, match="between 2"):
        random_kfold(3, 5)


def test_splits_never_cut_a_recording(windows) -> None:
    split = assign_splits(windows.group, validation=0.2, test=0.2, seed=1)
    for s in ("train", "validation", "test"):
        assert (split == s).any()
    for g in set(windows.group):
        assert len(set(split[windows.group == g])) == 1


def test_splits_of_no_windows_and_of_shares_leaving_none_to_train() -> None:
    # a source whose every file was skipped has no windows: no splits, not a numpy TypeError
    assert assign_splits(np.array([], dtype=str), validation=0.2, test=0.2).tolist() == []
    with pytest.raises(ValueError, match=r"split.validation \(0.5\) and split.test \(0.5\)"):
        assign_splits(np.array(["a", "b", "c"]), validation=0.5, test=0.5)


def test_balance_flips_with_the_group_and_undersamples(windows) -> None:
    counts = np.bincount(windows.labels, minlength=6)
    target = int(np.median(counts))
    b = balance(windows, target, seed=0)
    after = np.bincount(b.labels, minlength=6)
    assert after.max() <= target
    assert all(after[c] == min(target, 2 * counts[c]) for c in range(6))
    assert set(b.group) <= set(windows.group)  # mirrored twins keep their recording
