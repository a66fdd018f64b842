"""The exercise decision (:mod:`gymlib.decision`) replayed on the real windows' streams: each
recording's windows in ``part`` order as one stream, the fold probabilities a benchmark made for
it, the live and offline answers per window, and their scores. Shared by
``benchmarks/decision_eval.py`` and ``benchmarks/stance_views.py`` (benchmarks do not import each
other)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gymlib.decision import DecisionConfig, ExerciseFilter, decide_sets
from gymlib.landmarks import WINDOW_FRAMES, from_seed_windows
from gymlib.model import OTHER, UNKNOWN
from gymlib.stance import stance_gaps


def streams(path: Path) -> dict[str, np.ndarray]:
    """Per real window: its recording's stream id, and where its chunk ends in the stream;
    ``windows``: the real windows ``(N, 30, 132)`` themselves."""
    with np.load(path, allow_pickle=False) as d:
        video, part = d["video"].astype(str), d["part"].astype(int)
        windows = d["windows"]
    order = np.lexsort((part, video))
    end = np.zeros(len(video), int)
    pos: dict[str, int] = {}
    for i in order:
        pos[video[i]] = pos.get(video[i], 0) + WINDOW_FRAMES
        end[i] = pos[video[i]] - 1
    return {"video": video, "part": part, "order": order, "end": end, "windows": windows}


def stance_of(d: dict, st: dict) -> np.ndarray:
    """``(len(d["probs"]), 2)`` stance gaps (:func:`gymlib.stance.stance_gaps`) of the windows
    the streams were classified on: rebuilt from the real windows, as ``make_probs`` cut them."""
    out = np.zeros((len(d["probs"]), 2))
    rows_of: dict[str, list[int]] = {}
    for i, v in enumerate(d["video"]):
        rows_of.setdefault(str(v), []).append(i)
    for v, rows in rows_of.items():
        idx = st["order"][np.isin(st["order"], np.flatnonzero(st["video"] == v))]
        frames = from_seed_windows(st["windows"][idx].reshape(-1, st["windows"].shape[-1]))
        wins = np.stack([frames[e - WINDOW_FRAMES + 1 : e + 1] for e in d["end"][rows]])
        out[rows] = stance_gaps(wins)
    return out


def macro_f1(truth: np.ndarray, said: np.ndarray, n: int) -> float:
    """Mean F1 over the classes in ``truth``; ``said`` -1 (unknown) is a miss."""
    f1 = []
    for c in np.unique(truth):
        tp = np.sum((said == c) & (truth == c))
        fp, fn = np.sum((said == c) & (truth != c)), np.sum((said != c) & (truth == c))
        f1.append(2 * tp / max(2 * tp + fp + fn, 1))
    return float(np.mean(f1))


def votes(probs: np.ndarray, times: np.ndarray, classes: list[str], threshold: float,
          vote: int = 2, unknown_after_s: float = 4.0) -> list[str]:  # fmt: skip
    """The live coach's rule before issue 36: the name after each window."""
    current, candidate, n, last = UNKNOWN, None, 0, -np.inf
    out = []
    for p, t in zip(probs, times, strict=True):
        i = int(np.argmax(p))
        name = classes[i] if p[i] >= threshold else UNKNOWN
        last = t if name not in (UNKNOWN, OTHER) else last
        candidate, n = (name, n + 1) if name == candidate else (name, 1)
        if n >= vote and name != UNKNOWN:
            current = UNKNOWN if name == OTHER else name
        if t - last > unknown_after_s:
            current = UNKNOWN
        out.append(current)
    return out


def answers(d: dict, st: dict, cfg: DecisionConfig, threshold: float,
            stance: np.ndarray | None = None) -> dict[str, np.ndarray]:  # fmt: skip
    """Per real window, the exercise index each decision names (-1: unknown); ``stance``: the
    classified windows' stance gaps (None: the decision without them)."""
    classes = list(d["classes"])
    exercises = [c for c in classes if c != OTHER]
    ex_idx = {e: classes.index(e) for e in exercises}
    cp = d["chunk_probs"]
    top = cp.argmax(axis=1)
    window = np.where((cp.max(axis=1) >= threshold) & (top != classes.index(OTHER)), top, -1)
    live = np.full(len(cp), -1)
    voted = np.full(len(cp), -1)
    offline = np.full(len(cp), -1)
    fps = np.where(d["source"] == "fit3d", 50.0, 30.0)
    by_video: dict[str, list[int]] = {}
    for i, v in enumerate(d["video"]):
        by_video.setdefault(v, []).append(i)
    for v, rows in by_video.items():
        chunks = np.flatnonzero(st["video"] == v)
        rate = fps[chunks[0]]
        probs, ends, new = d["probs"][rows], d["end"][rows], d["new"][rows]
        gaps = stance[rows] if stance is not None else [None] * len(rows)
        f = ExerciseFilter(classes, exercises, cfg)
        named = {}
        for p, e, n, g in zip(probs, ends, new, gaps, strict=True):
            named[int(e)] = f.update(p, e / rate, n, g)
        by_votes = dict(zip(ends.tolist(), votes(probs, ends / rate, classes, threshold),
                            strict=True))  # fmt: skip
        sets = decide_sets(probs, ends / rate, new, classes, exercises, cfg,
                           None if stance is None else stance[rows])  # fmt: skip
        step_set = np.zeros(len(rows), int)
        for s in sets:
            step_set[s.first : s.last + 1] = ex_idx.get(s.exercise, -1)
        for c in chunks:
            e = st["end"][c]
            live[c] = ex_idx.get(named.get(int(e), UNKNOWN), -1)
            voted[c] = ex_idx.get(by_votes.get(int(e), UNKNOWN), -1)
            k = int(np.searchsorted(ends, e))  # the classification that ends (or follows) it
            offline[c] = step_set[min(k, len(rows) - 1)]
    return {"per window": window, "votes": voted, "live": live, "offline": offline}


def drops(said: np.ndarray, st: dict, mask: np.ndarray) -> int:
    """Named, then "unknown", then the same exercise again, within one recording."""
    n = 0
    for v in set(st["video"][mask]):
        idx = np.flatnonzero(st["video"] == v)
        seq = said[idx[np.argsort(st["end"][idx])]]
        for k in range(1, len(seq)):
            if seq[k] == -1 and seq[k - 1] != -1 and (seq[k:] == seq[k - 1]).any():
                n += 1
    return n


def report(d: dict, st: dict, said: dict[str, np.ndarray], mask: np.ndarray,
           label: str) -> None:  # fmt: skip
    y = d["labels"][mask]
    print(f"\n{label}: {mask.sum()} windows, {len(set(d['group'][mask]))} recording groups")
    pair = [list(d["classes"]).index(e) for e in ("squat", "split_squat")]
    print(f"{'decision':16s} {'unknown':>8s} {'wrong':>7s} {'macro-F1':>9s} {'drops':>6s} "
          f"{'sq<->ss':>7s}   per source (unknown / wrong)")  # fmt: skip
    for name, full in said.items():
        s = full[mask]
        per = []
        for src in sorted(set(d["source"][mask])):
            m = d["source"][mask] == src
            per.append(
                f"{src} {np.mean(s[m] == -1):.3f}/{np.mean((s[m] != -1) & (s[m] != y[m])):.3f}"
            )
        mixed = np.sum(np.isin(y, pair) & np.isin(s, pair) & (s != y))
        print(f"{name:16s} {np.mean(s == -1):8.3f} {np.mean((s != -1) & (s != y)):7.3f} "
              f"{macro_f1(y, s, 6):9.3f} {drops(full, st, mask):6d} {mixed:7d}   "
              + ", ".join(per))  # fmt: skip


def halves(groups: np.ndarray) -> np.ndarray:
    names = sorted(set(groups.tolist()))
    half = {g: "AB"[i % 2] for i, g in enumerate(names)}
    return np.array([half[g] for g in groups])
