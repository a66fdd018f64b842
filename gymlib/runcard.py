"""What a training run records: the model card's sections and notebook 03's ``metrics.json``.

A typed record instead of dictionaries built by hand: :class:`RunCard` holds the data, split,
training and results of one run; :meth:`RunCard.sections` gives the card's ``data``, ``split``,
``metrics`` and ``training`` (passed to :meth:`gymlib.model.ExerciseClassifier.save`) and
:meth:`RunCard.metrics_json` the figures a notebook run writes.

    card = RunCard(data=DataRecord.of(...), split=SplitRecord(...),
                   training=TrainingRecord.of(history, cfg.model), results=Results(...))
    clf.save(path, overwrite=True, **card.sections())
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gymlib.config import ModelConfig
from gymlib.training import History
from gymlib.windows import LabelledWindows


@dataclass(frozen=True, kw_only=True)
class DataRecord:
    """Where the windows came from and how many went where."""

    source: str  # notebook 03's DATA: real, synthetic, both or processed:PATH
    view_clips: int
    other_clips: int
    synth_depth: str
    rendered: str  # the rendered clips' folder ("" for none)
    rendered_clips: int
    rendered_windows: int
    windows: int
    groups: int
    train: int
    validation: int
    test: int

    @classmethod
    def of(cls, data: LabelledWindows, train: LabelledWindows, val: LabelledWindows,
           test: LabelledWindows, extra: LabelledWindows | None, *, source: str,
           view_clips: int, other_clips: int, synth_depth: str,
           rendered: str) -> DataRecord:  # fmt: skip
        """Counted from the sets: ``data`` (the real or loaded windows), the three splits (with
        the ``extra`` generated and rendered windows in train and validation)."""
        from_render = extra.source == "rendered" if extra is not None else None
        return cls(
            source=source, view_clips=view_clips, other_clips=other_clips,
            synth_depth=synth_depth, rendered=rendered,
            rendered_clips=len(set(extra.group[from_render])) if extra is not None else 0,
            rendered_windows=int(from_render.sum()) if extra is not None else 0,
            windows=len(data), groups=len(set(data.group)), train=len(train),
            validation=len(val), test=len(test),
        )  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class SplitRecord:
    """How the windows were split: whole recordings, these shares, this seed."""

    by: str = "recording group"
    test: float
    validation: float
    seed: int


@dataclass(frozen=True, kw_only=True)
class TrainingRecord:
    """The model trained and how long it took."""

    epochs_run: int
    best_epoch: int  # from 1
    seconds: float
    arch: str
    units: list[int]
    filters: int
    trees: int
    tree_depth: int
    features: str

    @classmethod
    def of(cls, history: History, model: ModelConfig) -> TrainingRecord:
        return cls(
            epochs_run=len(history.loss), best_epoch=history.best_epoch + 1,
            seconds=history.seconds, arch=model.arch, units=list(model.units),
            filters=model.filters, trees=model.trees, tree_depth=model.tree_depth,
            features=model.features,
        )  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Results:
    """The figures of a run: the test summary (:func:`gymlib.evaluation.summarize`), the
    calibration, the accuracy per view and the "unknown" answers, the cross-validation."""

    test: dict[str, Any]
    ece_before: float
    ece_after: float
    temperature: float
    views: dict[str, dict[str, float]]  # per view: accuracy per exercise and "all"
    view_accuracy: float  # the mean over the views
    view_accuracy_min: float
    unknown_idle: float  # share of non-exercise windows answered "unknown"
    unknown_reps: float  # share of rep windows answered "unknown"
    cv: dict[str, Any] | None = None


@dataclass(frozen=True, kw_only=True)
class RunCard:
    """One training run, as the model card and ``metrics.json`` record it."""

    data: DataRecord
    split: SplitRecord
    training: TrainingRecord
    results: Results
    classes: tuple[str, ...]

    def sections(self) -> dict[str, dict[str, Any]]:
        """The card's ``data``, ``split``, ``metrics`` and ``training`` sections."""
        r = self.results
        return {
            "data": dataclasses.asdict(self.data),
            "split": dataclasses.asdict(self.split),
            "metrics": {
                "test": {k: v for k, v in r.test.items() if k != "confusion"},
                "cv": r.cv,
                "views": r.views,
                "unknown_not_exercise": r.unknown_idle,
            },
            "training": dataclasses.asdict(self.training),
        }

    def metrics_json(self, model_path: str | Path) -> dict[str, Any]:
        """The run's figures as notebook 03 writes them to ``metrics.json``."""
        r, t = self.results, self.results.test
        return {
            "data": self.data.source, "windows": self.data.windows,
            "test_accuracy": t["accuracy"], "test_macro_f1": t["macro_f1"],
            "test_f1": t["f1"], "test_accuracy_by_source": t["accuracy_by_source"],
            "ece_before": r.ece_before, "ece_after": r.ece_after,
            "temperature": r.temperature, "unknown_idle": r.unknown_idle,
            "rendered_windows": self.data.rendered_windows, "unknown_reps": r.unknown_reps,
            "view_accuracy": r.view_accuracy, "view_accuracy_min": r.view_accuracy_min,
            "classes": list(self.classes),
            "cv_macro_f1": r.cv["macro_f1"] if r.cv else None,
            "train_seconds": self.training.seconds, "model": str(model_path),
        }  # fmt: skip
