"""The retraining pipeline: notebooks 01 -> 02 -> 03 run by papermill into one run folder.

    python -m gymlib.pipeline retrain [--source S] [--params params.yaml] [--promote]

``runs/<UTC timestamp>/`` gets the executed notebooks, each notebook's ``metrics.json`` (in a
folder of its own), the processed data, the trained model with its card, and ``run.json``
(parameters, library versions, git commit, durations, outcome). A failing notebook stops the run
with the path of the executed notebook and the failing cell's error; what ran before is kept.
A run killed before it could say so is marked ``"killed"`` by the next (:func:`mark_killed`).
``--promote`` replaces ``models/exercise_classifier.keras`` only if the new model beats the
shipped one on the run's test recordings (the previous one is kept as ``*.previous.*``).
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gymlib.config import PROJECT_ROOT, PipelineConfig, load_config
from gymlib.features import ARCH_FEATURES
from gymlib.io import fresh_folder, user_path, write_json_atomic
from gymlib.nbparams import type_error
from gymlib.procs import Terminated, running, started  # noqa: F401 (Terminated: from here too)
from gymlib.procs import sigterm_as_stop as _sigterm_as_stop
from gymlib.sources import SOURCES, load, parse_source
from gymlib.synth import DEPTHS

NOTEBOOKS = ("01_acquisition", "02_preprocessing", "03_training")


class PipelineError(RuntimeError):
    """A notebook of the pipeline failed; the message names it and the error."""


@dataclass
class Run:
    """The outcome of one pipeline run."""

    folder: Path
    model: Path | None = None
    promoted: bool = False
    metrics: dict[str, Any] = field(default_factory=dict)
    durations: dict[str, float] = field(default_factory=dict)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, timeout=10, check=False)  # fmt: skip
        return out.stdout.strip() or None
    except OSError:
        return None


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("mediapipe", "tensorflow-cpu", "tensorflow", "keras", "numpy", "papermill"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            continue
    return out


def notebook_path(nb: str) -> Path:
    """The pipeline notebook ``nb`` (one of :data:`NOTEBOOKS`) in the repository."""
    return PROJECT_ROOT / "notebooks" / f"{nb}.ipynb"


def checked_params(params: dict[str, Any] | str | Path | None) -> dict[str, dict[str, Any]]:
    """``--params``: a YAML file (or its dict) of ``{notebook: {PARAMETER: value}}``, checked
    whole before anything runs: the notebooks and their parameters by name (a misspelt one
    would be ignored by papermill after minutes of work)."""
    import papermill as pm

    where = "params"
    if isinstance(params, str | Path):
        p = Path(params)
        where = str(p)
        if p.is_dir():
            raise ValueError(f"{p}: a folder; --params takes a YAML file ({{notebook: "
                             "{PARAMETER: value}})")  # fmt: skip
        if not p.is_file():
            raise FileNotFoundError(f"{p}: no such parameters file")
        try:
            params = yaml.safe_load(p.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ValueError(f"{p}: not readable YAML ({exc})") from None
    params = params or {}
    example = "e.g. 03_training: {EPOCHS: 5}"
    if not isinstance(params, dict):
        raise ValueError(f"{where}: expected notebooks and their parameters ({example}), got "
                         f"a {type(params).__name__}")  # fmt: skip
    unknown = sorted(map(str, set(params) - set(NOTEBOOKS)))
    if unknown:
        raise ValueError(f"{where}: unknown notebook(s) {unknown}; use {list(NOTEBOOKS)}")
    out: dict[str, dict[str, Any]] = {}
    for nb, extra in params.items():
        if not isinstance(extra, dict | None):
            raise ValueError(f"{where}: {nb}: expected its parameters by name ({example}), "
                             f"got {extra!r}")  # fmt: skip
        known = pm.inspect_notebook(str(notebook_path(nb)))
        wrong = sorted(map(str, set(extra or {}) - set(known)))
        if wrong:
            raise ValueError(f"{where}: {nb} has no parameter(s) {wrong}; its parameters: "
                             f"{sorted(known)}")  # fmt: skip
        wired = sorted(map(str, set(extra or {}) & set(WIRED.get(nb, {}))))
        if wired:
            raise ValueError(f"{where}: {nb}: {wired[0]} is set by the pipeline itself; "
                             f"{WIRED[nb][wired[0]]}")  # fmt: skip
        for name, value in (extra or {}).items():
            _check_value(where, nb, name, value, known[name]["inferred_type_name"])
        out[nb] = dict(extra or {})
    return out


_RUN_FOLDER = "each run writes into its own folder (choose where with --runs)"
#: the parameters the pipeline gives each notebook itself: the run's folders, and the
#: promotion, which ships a model only after comparing it (notebook 03's own PROMOTE copies it
#: over the shipped one unseen, and the comparison then met the new model in its place)
_SOURCE = "choose the data with --source (run.json records it)"
WIRED: dict[str, dict[str, str]] = {
    "01_acquisition": {"OUT_DIR": _RUN_FOLDER, "DATA_SOURCE": _SOURCE},
    "02_preprocessing": {
        "DATA_SOURCE": _SOURCE,
        "OUT_DIR": _RUN_FOLDER,
        "NAME": _RUN_FOLDER,
        "PROCESSED_DIR": _RUN_FOLDER,
    },  # fmt: skip
    "03_training": {
        "OUT_DIR": _RUN_FOLDER,
        "DATA": "it trains on what 02 wrote in this run (choose the data with --source)",
        "PROMOTE": "use --promote: it ships the model only if it beats the shipped one",
    },  # fmt: skip
}

#: what some parameters may be, beyond their type (the notebook fails on another, after the
#: notebooks before it ran)
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("03_training", "ARCH"): ("", *ARCH_FEATURES),
    ("03_training", "SYNTH_DEPTH"): DEPTHS,
}


def _check_value(where: str, nb: str, name: str, value: Any, declared: str) -> None:
    """ValueError naming ``nb``'s parameter ``name`` when ``value`` is not of its declared
    type (a bool is not a number here) or not one of its :data:`CHOICES`."""
    why = type_error(name, value, declared)
    if why is not None:
        raise ValueError(f"{where}: {nb}: {why}")
    choices = CHOICES.get((nb, name))
    empty = value is None and "" in (choices or ())  # null as the empty default
    if choices is not None and value not in choices and not empty:
        raise ValueError(f"{where}: {nb}: {name} must be one of {list(choices)}, got {value!r}")


def _check_real_windows(source: str, overrides: dict[str, dict[str, Any]], cfg: Any) -> None:
    """A source that reads the real windows: their file, checked before the run's folder is
    made (notebook 01 found it missing 20 s in, leaving a failed run behind)."""
    for name, path in parse_source(source):
        if name != "real_windows":
            continue
        given = path or (overrides.get("01_acquisition") or {}).get("REAL_WINDOWS")
        file = cfg.resolve(Path(given or cfg.paths.real_windows))
        if not file.is_file():
            raise FileNotFoundError(
                f"{file}: no real windows file there (--source {source}); they are not in git: "
                "set paths.real_windows in config.yaml to where yours is (or give --params "
                "with 01_acquisition: {REAL_WINDOWS: PATH}), or retrain on --source synthetic"
            )


def default_parameters(source: str, folder: Path) -> dict[str, dict[str, Any]]:
    """What each notebook is given, before ``--params`` overrides."""
    processed = folder / "processed"
    return {
        "01_acquisition": {"DATA_SOURCE": source, "OUT_DIR": str(folder / "01_acquisition")},
        "02_preprocessing": {
            "DATA_SOURCE": source, "NAME": "dataset", "PROCESSED_DIR": str(processed),
            "OUT_DIR": str(folder / "02_preprocessing"),
        },
        "03_training": {
            "DATA": f"processed:{processed / 'dataset.npz'}",
            "OUT_DIR": str(folder / "03_training"),
        },
    }  # fmt: skip


def _macro_f1(model: Any, windows: np.ndarray, names: np.ndarray) -> float:
    """Macro-F1 of ``model`` on windows whose true classes are ``names``, matched by class name
    (a model's output order is its own; a class it lacks is never predicted right)."""
    from gymlib.evaluation import summarize

    classes = list(dict.fromkeys([*names.tolist(), *model.classes]))
    pred = np.array(model.classes)[model.predict_proba(windows).argmax(axis=1)]
    onehot = np.eye(len(classes))[[classes.index(c) for c in pred]]
    truth = np.array([classes.index(c) for c in names], np.int64)
    return summarize(truth, onehot, classes)["macro_f1"]


def promote_if_better(
    candidate: str | Path, windows: np.ndarray, labels: np.ndarray, *,
    target: str | Path | None = None, classes: Sequence[str] | None = None,
) -> tuple[bool, float, float | None]:  # fmt: skip
    """Promote ``candidate`` over ``target`` (the shipped model) if its macro-F1 on ``windows``
    is higher; returns ``(promoted, candidate_f1, target_f1)``. ``models/`` is untouched
    otherwise. ``labels`` are class names, or indices into ``classes`` (default: the
    candidate's classes); each model is scored by class name, whatever its output order."""
    from gymlib.model import ExerciseClassifier
    from gymlib.training import promote

    cfg = load_config()
    target = Path(target) if target is not None else cfg.resolve(cfg.model.path)
    new = ExerciseClassifier.load(candidate)
    labels = np.asarray(labels)
    if labels.dtype.kind in "iu":
        names = np.array(classes if classes is not None else new.classes)
        if len(labels) and (labels.min() < 0 or labels.max() >= len(names)):
            raise ValueError(f"labels run to {labels.max()} but there are {len(names)} classes")
        labels = names[labels]
    new_f1 = _macro_f1(new, windows, labels)
    if not target.is_file():
        promote(candidate, target=target)
        return True, new_f1, None
    try:
        old = ExerciseClassifier.load(target)
    except (OSError, ValueError) as exc:  # damaged: nothing to compare with, nothing shipped
        raise PipelineError(f"{target}: the shipped model cannot be read ({exc}); the new model "
                            f"was not compared or shipped: it is {candidate} (restore models/, "
                            "e.g. git checkout -- models, then retrain; or ship it with "
                            "gymlib.training.promote)") from None  # fmt: skip
    old_f1 = _macro_f1(old, windows, labels)
    if new_f1 > old_f1:
        promote(candidate, target=target)
        return True, new_f1, old_f1
    return False, new_f1, old_f1


def retrain(
    source: str = "real_windows",
    *,
    params: dict[str, dict[str, Any]] | str | Path | None = None,
    promote: bool = False,
    runs: str | Path | None = None,
    target: str | Path | None = None,
    progress: bool = True,
    scheduler: str | None = None,
) -> Run:
    """Run 01 -> 02 -> 03 with papermill into ``runs/<UTC timestamp>/``; see the module doc."""
    parse_source(source)  # the shared vocabulary (gymlib.sources.SOURCES); names a bad word
    cfg = load_config()
    base = Path(runs) if runs is not None else cfg.resolve(cfg.paths.runs)
    overrides = checked_params(params)  # before the run's folder: a mistake leaves none
    _check_real_windows(source, overrides, cfg)
    try:  # two retrains started in the same second: a folder each
        folder = fresh_folder(base, "")
    except OSError as exc:  # read-only, a file of that name, a full disk
        why = ("a file, not a folder" if base.is_file() else "a link to nothing"
               if base.is_symlink() and not base.exists() else exc.strerror or exc)  # fmt: skip
        raise PipelineError(f"{base}: cannot make a run folder there ({why}); choose another "
                            "--runs") from None  # fmt: skip
    stamp = folder.name
    plan = default_parameters(source, folder)
    if scheduler:  # video extraction on Dask ("local" or tcp://host:8786)
        plan["01_acquisition"]["SCHEDULER"] = plan["02_preprocessing"]["SCHEDULER"] = scheduler
    for nb, extra in overrides.items():
        plan[nb].update(extra or {})
    run = Run(folder)
    killed = mark_killed(base, but=folder)
    record: dict[str, Any] = {
        "source": source, "parameters": plan, "versions": _versions(), "git_commit": _git_commit(),
        "started": stamp, "durations_s": run.durations, "status": "running", "pid": os.getpid(),
        "pid_started": started(os.getpid()),
    }  # fmt: skip
    if killed:
        print(f"earlier runs killed while running (their run.json now says so): "
              f"{', '.join(p.name for p in killed)}", file=sys.stderr)  # fmt: skip
    write_json_atomic(folder / "run.json", record)
    try:
        _run_notebooks(plan, folder, run, record, progress)
    except BaseException as exc:  # interrupted (Ctrl-C) or failed: run.json says so
        if record["status"] == "running":
            record.update(status="interrupted", error=f"{type(exc).__name__}: {exc}")
            write_json_atomic(folder / "run.json", record)
        raise
    run.model = Path(plan["03_training"]["OUT_DIR"]) / "exercise_classifier.keras"
    if promote:
        try:  # a promotion that fails is the run's failure, said in its run.json
            _promote(run, folder, target, cfg, record)
        except BaseException as exc:
            record.update(status="interrupted" if isinstance(exc, KeyboardInterrupt) else
                          "failed", error=f"promotion: {type(exc).__name__}: {exc}")  # fmt: skip
            write_json_atomic(folder / "run.json", record)
            raise
    record.update(status="done", model=str(run.model), metrics=run.metrics)
    write_json_atomic(folder / "run.json", record)
    return run


def _promote(run: Run, folder: Path, target: str | Path | None, cfg: Any,
             record: dict[str, Any]) -> None:  # fmt: skip
    """Ship ``run.model`` if it beats the shipped one on this run's test recordings."""
    data = load("processed", config=cfg, path=folder / "processed" / "dataset.npz")
    test = np.flatnonzero(data.split == "test")
    run.promoted, new_f1, old_f1 = promote_if_better(
        run.model, data.windows[test], data.labels[test], target=target, classes=data.classes
    )
    record["promotion"] = {"promoted": run.promoted, "new_macro_f1": new_f1,
                           "shipped_macro_f1": old_f1}  # fmt: skip


def mark_killed(runs: Path, *, but: Path | None = None) -> list[Path]:
    """The run folders under ``runs`` whose ``run.json`` says ``"running"`` while the process
    that wrote it is gone (SIGKILL, out of memory, a power cut: nothing could write it then),
    now marked ``"killed"``; a run whose process may still be alive (a pid reused, before
    ``pid_started`` was kept) is left as it is."""
    marked = []
    for path in sorted(runs.glob("*/run.json")) if runs.is_dir() else []:
        if path.parent == but:
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            pid, since = record.get("pid"), record.get("pid_started")
            if record.get("status") != "running" or not isinstance(pid, int):
                continue
            if running(pid, since if isinstance(since, int) else None):
                continue
            record.update(status="killed", error="its process ended without a word: killed "
                          "(SIGKILL, out of memory, a power cut) while running")  # fmt: skip
            write_json_atomic(path, record)
        except (OSError, ValueError, AttributeError):  # damaged or unreadable: not ours to mend
            continue
        marked.append(path.parent)
    return marked


def _run_notebooks(plan: dict[str, dict[str, Any]], folder: Path, run: Run,
                   record: dict[str, Any], progress: bool) -> None:  # fmt: skip
    """Notebooks 01 -> 02 -> 03 by papermill; a failing one is recorded in ``run.json``."""
    import papermill as pm

    for nb in NOTEBOOKS:
        out_nb = folder / f"{nb}.ipynb"
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(
                str(notebook_path(nb)), str(out_nb),
                parameters=plan[nb], kernel_name="python3", cwd=str(PROJECT_ROOT / "notebooks"),
                progress_bar={"desc": f"notebook {nb}"} if progress else False,  # which one runs
            )  # fmt: skip
        except pm.PapermillExecutionError as exc:
            run.durations[nb] = time.perf_counter() - t0
            record.update(status="failed", failed=nb, error=f"{exc.ename}: {exc.evalue}")
            write_json_atomic(folder / "run.json", record)
            raise PipelineError(
                f"{nb} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue} "
                f"(executed notebook: {out_nb}; earlier outputs kept in {folder})"
            ) from None
        run.durations[nb] = time.perf_counter() - t0
        metrics_file = Path(plan[nb]["OUT_DIR"]) / "metrics.json"
        if metrics_file.is_file():
            run.metrics[nb] = json.loads(metrics_file.read_text())


def _source_arg(text: str) -> str:
    """``--source`` as :func:`gymlib.sources.parse_source` reads it (``processed:PATH``, parts
    joined by ``+``); the processed source needs its file."""
    try:
        parts = parse_source(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    for name, path in parts:
        if name != "processed":
            continue
        if not path:
            raise argparse.ArgumentTypeError("the processed source needs its file: "
                                             "processed:PATH")  # fmt: skip
        cfg = load_config()
        if not cfg.resolve(Path(path)).is_file():  # (relative: from the project root)
            raise argparse.ArgumentTypeError(f"processed:{path}: no such file "
                                             f"({cfg.resolve(Path(path))})")  # fmt: skip
    return text


def main(argv: list[str] | None = None) -> int:
    from gymlib.native_log import VERBOSE_HELP, quiet_native_log

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    ap = argparse.ArgumentParser(
        prog="python -m gymlib.pipeline", description=__doc__.split("\n")[0]
    )
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("retrain", help="run notebooks 01 -> 02 -> 03 into runs/<time>/")
    r.add_argument(
        "--source",
        default="real_windows",
        type=_source_arg,
        help=f"one of {', '.join(SOURCES)}, or processed:PATH; joined by '+'",
    )
    r.add_argument("--params", default=None, type=user_path,
                   help="YAML: {notebook name: {PARAM: value}}")  # fmt: skip
    r.add_argument("--promote", action="store_true", help="ship the model if it is better")
    r.add_argument("--runs", default=None, type=user_path,
                   help="where run folders go (default runs/)")  # fmt: skip
    r.add_argument(
        "--scheduler",
        default=None,
        help="video extraction on Dask: local, or a scheduler address tcp://host:8786",
    )
    r.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    args = ap.parse_args(argv)
    quiet_native_log(args.verbose)
    try:
        if args.scheduler is not None:  # the same check as config.yaml's pipeline.scheduler
            PipelineConfig(scheduler=args.scheduler)
        with _sigterm_as_stop():
            run = retrain(args.source, params=args.params, promote=args.promote,
                          runs=args.runs, scheduler=args.scheduler)  # fmt: skip
    except (PipelineError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        how = "stopped (SIGTERM)" if isinstance(stop, Terminated) else "interrupted"
        print(f"{how}: the run folder keeps what was done and its run.json says so",
              file=sys.stderr)  # fmt: skip
        return 143 if isinstance(stop, Terminated) else 130
    print(f"run folder: {run.folder}")
    print(f"model: {run.model}" + (" (promoted to models/)" if run.promoted else ""))
    if args.promote:  # --promote asked: say whether it shipped, and why not
        record = json.loads((run.folder / "run.json").read_text())
        print(promotion_line(record.get("promotion", {})))
    for nb, secs in run.durations.items():
        print(f"  {nb}: {secs:.0f} s")
    return 0


def promotion_line(promotion: dict[str, Any]) -> str:
    """What ``--promote`` did, from ``run.json``'s ``promotion``, in a sentence."""
    new, old = promotion.get("new_macro_f1"), promotion.get("shipped_macro_f1")
    scores = "no scores recorded"
    if new is not None and old is not None:
        scores = f"macro-F1 {new:.3f} on this run's test recordings, the shipped model {old:.3f}"
    if promotion.get("promoted"):
        if old is None:  # nothing was shipped: nothing was kept as .previous
            mine = f"macro-F1 {new:.3f} on this run's test recordings" if new is not None else ""
            return f"promoted: no model was shipped before{'; ' + mine if mine else ''}"
        return f"promoted: {scores}; the old model is models/exercise_classifier.previous.*"
    return f"not promoted ({scores}): it does not beat the shipped model; models/ unchanged"


if __name__ == "__main__":
    raise SystemExit(main())
