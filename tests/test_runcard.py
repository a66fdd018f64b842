"""gymlib.runcard: a training run's record, as the model card and metrics.json hold it."""

from __future__ import annotations

import json

import numpy as np

from gymlib.config import load_config
from gymlib.runcard import DataRecord, Results, RunCard, SplitRecord, TrainingRecord
from gymlib.training import History
from gymlib.windows import LabelledWindows


def _windows(sources: list[str], groups: list[str]) -> LabelledWindows:
    n = len(sources)
    return LabelledWindows(np.zeros((n, 30, 132), np.float32), np.zeros(n, np.int64),
                           ("squat",), np.array(sources), np.array(groups))  # fmt: skip


def test_the_card_counts_the_sets_and_keeps_the_figures(tmp_path) -> None:  # noqa: ANN001
    data = _windows(["kaggle"] * 6, ["a", "a", "b", "c", "c", "d"])
    extra = _windows(["rendered", "rendered", "rendered", "synthetic_views"],
                     ["rendered/x", "rendered/x", "rendered/y", "views/1"])  # fmt: skip
    train, val, test = data.subset(np.arange(3)), data.subset([3]), data.subset([4, 5])
    hist = History(loss=[0.9, 0.5, 0.4], best_epoch=1, seconds=2.5, unit="tree")
    summary = {"accuracy": 0.9, "macro_f1": 0.8, "f1": {"squat": 0.8},
               "accuracy_by_source": {"kaggle": 0.9}, "confusion": [[1]]}  # fmt: skip
    card = RunCard(
        data=DataRecord.of(data, train, val, test, extra, source="real", view_clips=1,
                           other_clips=0, synth_depth="true", rendered="r"),
        split=SplitRecord(test=0.15, validation=0.15, seed=7),
        training=TrainingRecord.of(hist, load_config().model),
        results=Results(test=summary, ece_before=0.2, ece_after=0.05, temperature=0.5,
                        views={"left": {"all": 1.0}}, view_accuracy=1.0, view_accuracy_min=1.0,
                        unknown_idle=0.7, unknown_reps=0.1),
        classes=("squat",),
    )  # fmt: skip
    s = card.sections()
    assert s["data"]["rendered_windows"] == 3 and s["data"]["rendered_clips"] == 2
    assert (s["data"]["windows"], s["data"]["groups"], s["data"]["test"]) == (6, 4, 2)
    assert s["split"] == {"by": "recording group", "test": 0.15, "validation": 0.15, "seed": 7}
    assert s["training"]["epochs_run"] == 3 and s["training"]["best_epoch"] == 2
    assert "confusion" not in s["metrics"]["test"] and s["metrics"]["cv"] is None
    m = card.metrics_json(tmp_path / "model.keras")
    assert m["cv_macro_f1"] is None and m["train_seconds"] == 2.5 and m["rendered_windows"] == 3
    assert json.loads(json.dumps(s)) == s  # plain JSON, as the card is written
