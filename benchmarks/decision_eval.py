"""The exercise decision (gymlib.decision) on the real windows, 5-fold by recording.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/decision_eval.py [--half A|B|all]
        [--probs runs/benchmarks/decision_probs.npz] [--refresh] [--sweep] [--stance-sweep]

Every fold's classifier is trained as ``classifier_eval.py`` trains the shipped recipe (the real
windows of the other folds + notebook 03's generated windows: ``--view-clips 1200
--other-clips 360 --synth-depth mediapipe``, the model card's), and then watches the held-out
recordings as the live coach does: each recording's windows, in ``part`` order, are one
continuous landmark stream, classified every ``live.classify_every`` frames on its last 30
frames (30 fps; Fit3D's 50). The probabilities are kept in ``--probs`` (``--refresh`` makes
them again). Per real window (each 30-frame chunk of a stream), the answer is:

- **per window** (before): the window's own top class at ``model.confidence_threshold``;
- **votes** (before, the live coach until issue 36): an exercise named after two consecutive
  windows at that threshold agree, "unknown" 4 s after the last confident window or after two
  confident "other" windows;
- **live**: :class:`gymlib.decision.ExerciseFilter`'s exercise after the classification that
  ends the chunk (only the stream so far);
- **offline**: the exercise of the set holding that classification
  (:func:`gymlib.decision.decide_sets`, the whole stream, as ``analyze`` does).

The live and offline decisions are printed without and with the stance
(:mod:`gymlib.stance`: its gaps measured on the very windows each fold classified).
``--stance-sweep`` prints a grid of ``stance_trust``, ``stance_gain`` and ``stance_up``.

Printed for each: windows answered "unknown" (no exercise named), wrong and confident (a wrong
exercise named), macro-F1 (over the six exercises; "unknown" counts as a miss), drops (a named
exercise falling back to "unknown" and then named again in the same recording: flicker),
squat / split squat mix-ups, for
all windows and per source. ``--half``: the recording groups in two fixed halves (sorted group
names, alternating A, B) to choose the options on A and report on B. ``--sweep`` prints a small
grid of ``evidence`` and ``floor`` on the chosen half.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402

from gymlib.config import load_config  # noqa: E402
from gymlib.decision_replay import (  # noqa: E402
    answers,
    halves,
    macro_f1,
    report,
    stance_of,
    streams,
)
from gymlib.landmarks import WINDOW_FRAMES  # noqa: E402
from gymlib.model import OTHER  # noqa: E402
from gymlib.session import load_live_config  # noqa: E402
from gymlib.timewindow import CLASSIFIER_FPS, Ticks, covered, new_samples  # noqa: E402

SEED = 42


def stream_windows(frames: np.ndarray, every: int, min_seen: int
                   ) -> tuple[list[int], list[float]]:  # fmt: skip
    """Where the live session classifies a ``(T, 132)`` stream: window end frames and the
    30ths of a second of footage each brought that the previous classification had not seen,
    by the session's own clock (:mod:`gymlib.timewindow`), the stream's frames taken as 30 a
    second (each window is then 30 of the stream's frames, as the seed cut its windows; Fit3D's
    50-fps recordings too)."""
    times = np.arange(len(frames)) / CLASSIFIER_FPS
    seen = (frames != 0).any(axis=1)
    ends, new = [], []
    last = None
    for f in np.flatnonzero(Ticks.of(times, every)):
        if not covered(times[0], times[f]) or seen[f - WINDOW_FRAMES + 1 : f + 1].sum() < min_seen:
            continue
        new.append(new_samples(last, times[f]))
        ends.append(int(f))
        last = times[f]
    return ends, new


def make_probs(out: Path, every: int, min_seen: int) -> None:
    """Train every fold and classify its held-out streams; save the probabilities."""
    from gymlib.io import atomic_path
    from gymlib.training import (
        concat,
        extra_windows,
        group_kfold,
        group_split,
        load_real_windows,
        train_classifier,
        with_classes,
    )

    cfg = load_config()
    data = load_real_windows()
    data = with_classes(data, (*data.classes, OTHER))
    st = streams(cfg.resolve(cfg.paths.real_windows))
    extra = extra_windows(view_clips=1200, other_clips=360, rendered=None, seed=SEED,
                          classes=data.classes, depth="mediapipe", progress=False)  # fmt: skip
    e_tr, e_va = group_split(extra.group, 0.15, seed=SEED + 2)
    rows: dict[str, list] = {k: [] for k in ("video", "end", "new", "probs")}
    chunk_probs = np.zeros((len(data), len(data.classes)), np.float32)
    for k, (tr, te) in enumerate(group_kfold(data.group, 5, seed=SEED)):
        inner_tr, inner_va = group_split(data.group[tr], 0.15, seed=k)
        fold_tr = concat(data.subset(tr[inner_tr]), extra.subset(e_tr))
        fold_va = concat(data.subset(tr[inner_va]), extra.subset(e_va))
        clf, _ = train_classifier(fold_tr.windows, fold_tr.labels, fold_va.windows,
                                  fold_va.labels, config=cfg, progress=False,
                                  classes=data.classes)  # fmt: skip
        chunk_probs[te] = clf.predict_proba(data.windows[te])
        for v in sorted(set(st["video"][te])):
            idx = st["order"][np.isin(st["order"], np.flatnonzero(st["video"] == v))]
            frames = data.windows[idx].reshape(-1, data.windows.shape[-1])
            ends, new = stream_windows(frames, every, min_seen)
            if not ends:
                continue
            wins = np.stack([frames[e - WINDOW_FRAMES + 1 : e + 1] for e in ends])
            rows["probs"].append(clf.predict_proba(wins))
            rows["video"] += [v] * len(ends)
            rows["end"] += ends
            rows["new"] += new
        print(f"fold {k + 1}/5 done", flush=True)
    with atomic_path(out) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, probs=np.concatenate(rows["probs"]),
                            video=np.array(rows["video"]), end=np.array(rows["end"]),
                            new=np.array(rows["new"]), chunk_probs=chunk_probs,
                            labels=data.labels, classes=np.array(data.classes),
                            source=data.source, group=data.group)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--probs", type=Path, default=ROOT / "runs/benchmarks/decision_probs.npz")
    ap.add_argument("--refresh", action="store_true", help="train the folds again")
    ap.add_argument("--half", choices=("A", "B", "all"), default="all")
    ap.add_argument("--sweep", action="store_true", help="a grid of evidence x floor")
    ap.add_argument(
        "--stance-sweep",
        action="store_true",
        help="a grid of the stance options (stance_trust, _gain, _up)",
    )
    args = ap.parse_args()
    cfg = load_config()
    live = load_live_config(cfg)
    if args.refresh or not args.probs.is_file():
        make_probs(args.probs, live.classify_every, live.min_person_frames)
    with np.load(args.probs, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    st = streams(cfg.resolve(cfg.paths.real_windows))
    half = halves(d["group"])
    mask = np.ones(len(half), bool) if args.half == "all" else half == args.half
    threshold = cfg.model.confidence_threshold
    stance = stance_of(d, st)
    print(f"decision options (config.yaml live.decision): {live.decision}")
    said = answers(d, st, live.decision, threshold)
    said = {"per window": said["per window"], "votes": said["votes"],
            "live, no stance": said["live"], "offline, no st.": said["offline"],
            **answers(d, st, live.decision, threshold, stance)}  # fmt: skip
    report(d, st, said, mask, f"half {args.half}")
    if args.sweep:
        print("\nsweep (live / offline: unknown, wrong, macro-F1)")
        for ev in (0.2, 0.35, 0.5, 0.75, 1.0):
            for floor in (0.005, 0.02, 0.05, 0.1):
                c = dataclasses.replace(live.decision, evidence=ev, floor=floor)
                print(f"evidence {ev:4.2f} floor {floor:5.3f}: "
                      + sweep_cells(d, answers(d, st, c, threshold, stance), mask))  # fmt: skip
    if args.stance_sweep:
        print("\nstance sweep (live / offline: unknown, wrong, macro-F1, squat <-> split squat)")
        for trust in (1.0, 0.5, 0.25):
            for gain in (3.0, 5.0, 8.0):
                for up in (4.0, 6.0):
                    c = dataclasses.replace(live.decision, stance_trust=trust, stance_gain=gain,
                                            stance_up=up)  # fmt: skip
                    said = answers(d, st, c, threshold, stance)
                    print(f"trust {trust:4.2f} gain {gain:3.1f} up {up:3.1f}: "
                          + sweep_cells(d, said, mask))  # fmt: skip


def sweep_cells(d: dict, said: dict[str, np.ndarray], mask: np.ndarray) -> str:
    """Live and offline: unknown, wrong, macro-F1 and squat / split squat mix-ups on ``mask``."""
    y = d["labels"][mask]
    pair = [list(d["classes"]).index(e) for e in ("squat", "split_squat")]
    cells = []
    for name in ("live", "offline"):
        a = said[name][mask]
        mixed = np.sum(np.isin(y, pair) & np.isin(a, pair) & (a != y))
        cells.append(f"{np.mean(a == -1):.3f} {np.mean((a != -1) & (a != y)):.4f} "
                     f"{macro_f1(y, a, 6):.3f} {mixed:3d}")  # fmt: skip
    return "  |  ".join(cells)


if __name__ == "__main__":
    main()
