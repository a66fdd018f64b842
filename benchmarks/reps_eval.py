"""Rep counting and form checks measured on generator ground truth. Figures for issue 7.

    .venv/bin/python benchmarks/reps_eval.py [--per-combo 9] [--seed 1000] [--real] [--coach]
        [--model PATH] [--depth true] [--exercise NAME] [--sessions]

Clips: every exercise x every view (front, left45, left, back, right, right45), ``--per-combo``
seeds each (default 9: 324 clips), with idle segments (walking in, standing, setting up, resting),
one or two sets of 2-8 reps, tempo 1-5 s per rep, 35 % of reps with labelled form errors, random
image aspect and mirroring. Seeds start at ``--seed`` (away from the seeds used in tests).
``--exercise`` keeps one exercise's clips, each with the seed (and sets) it has in the full run,
so a subset's sessions are the full run's; ``--sessions`` prints every session's true count and
count (and the live coach's with ``--coach``), to compare two versions session by session.

Prints, for ``count_reps`` and the seed's colour-transition counter (``gymlib.seed_baseline``):
off-by-one accuracy, mean |error| / true count, reps counted inside idle segments; for
``count_reps``: median start/end boundary error (frames), F1 per labelled error type on the views
where the check applies (and its coverage), and the median per-frame time of
``RepCounter.update`` (rules included) on one core. ``--real`` also counts reps on the real
windows (consecutive parts of a recording form a stream) and prints a table per recording.
``--coach`` also runs the live coach's pipeline on every clip (``gymlib.session.CoachSession``
with the shipped classifier, or ``--model``: it recognises the exercise and counts only while it
is sure) and prints its count figures and the reps it counted under a wrong exercise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402

from gymlib.benchtools import match, shared_data  # noqa: E402
from gymlib.reps import RepCounter, count_reps  # noqa: E402
from gymlib.seed_baseline import seed_count_reps  # noqa: E402
from gymlib.synth import DEPTHS, EXERCISE_ERRORS, EXERCISES, VIEWS, generate_clip  # noqa: E402

# which check of the rule table reports which labelled error of the generator
CHECK_FOR_ERROR = {e: e for errs in EXERCISE_ERRORS.values() for e in errs}


def make_clips(
    per_combo: int, seed: int, depth: str = "true", exercise: str | None = None
) -> list:
    """The sessions (``exercise``: only its own, each with the seed and sets of the full run)."""
    clips = []
    rng = np.random.default_rng(seed)
    k = 0
    for ex in EXERCISES:
        for view in VIEWS:
            for _ in range(per_combo):
                sets = [int(rng.integers(2, 9))]
                if rng.random() < 0.3:
                    sets.append(int(rng.integers(2, 6)))
                if exercise is not None and ex != exercise:
                    k += 1  # (the draws above are made all the same: later seeds stay put)
                    continue
                clips.append(
                    generate_clip(
                        ex,
                        sets,
                        seed=seed + k,
                        view=view,
                        error_rate=0.35,
                        tempo=(1.0, 5.0),
                        depth=depth,
                    )  # fmt: skip
                )
                k += 1
    return clips


def in_idle(reps: list, clip) -> int:  # noqa: ANN001
    """How many of ``reps`` lie mostly (over half their frames) inside the clip's idle segments."""
    idle = clip.idle_mask()
    return sum(int(idle[r.start : r.end + 1].mean() > 0.5) for r in reps)


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def evaluate(clips: list, sessions: bool = False) -> None:
    errs, seed_errs, n_true = [], [], []
    idle_new, idle_seed = 0, 0
    d_start, d_end = [], []
    conf: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # tp fp fn nj tn
    per_ex = defaultdict(list)
    for c in clips:
        reps = count_reps(c.landmarks, c.exercise, c.fps, aspect=c.aspect)
        seed_frames = seed_count_reps(c.landmarks, c.exercise)
        t = len(c.reps)
        n_true.append(t)
        errs.append(len(reps) - t)
        seed_errs.append(len(seed_frames) - t)
        per_ex[(c.exercise, c.view)].append(len(reps) - t)
        if sessions:
            print(f"session {c.seed} {c.exercise:12s} {c.view:8s} true {t:3d} count_reps "
                  f"{len(reps):3d}")  # fmt: skip
        idle_new += in_idle(reps, c)
        idle_seed += int(c.idle_mask()[np.asarray(seed_frames, dtype=int)].sum())
        for i, j in match(reps, c.reps):
            p, tr = reps[i], c.reps[j]
            d_start.append(abs(p.start - tr.start))
            d_end.append(abs(p.end - tr.end))
            for err in EXERCISE_ERRORS[c.exercise]:
                check = CHECK_FOR_ERROR[err]
                if check in p.not_judged:
                    conf[(c.exercise, err)][3] += 1
                    continue
                truth_has, pred_has = err in tr.errors, check in p.reasons
                k = 0 if truth_has and pred_has else (1 if pred_has else (2 if truth_has else 4))
                conf[(c.exercise, err)][k] += 1
    errs_a, seed_a, n_a = np.array(errs), np.array(seed_errs), np.array(n_true)
    print(f"clips: {len(clips)}, true reps: {n_a.sum()}, frames: "
          f"{sum(c.n_frames for c in clips)}")  # fmt: skip
    print("\n== rep count ==                   count_reps    seed counter")
    print(f"off-by-one accuracy               {np.mean(np.abs(errs_a) <= 1):10.3f}    "
          f"{np.mean(np.abs(seed_a) <= 1):10.3f}")  # fmt: skip
    print(f"exact count                       {np.mean(errs_a == 0):10.3f}    "
          f"{np.mean(seed_a == 0):10.3f}")  # fmt: skip
    print(f"mean |error| / true count         {np.abs(errs_a).sum() / n_a.sum():10.3f}    "
          f"{np.abs(seed_a).sum() / n_a.sum():10.3f}")  # fmt: skip
    print(f"reps counted in idle segments     {idle_new:10d}    {idle_seed:10d}")
    print("\n== boundaries (matched reps) ==")
    print(f"median |start error| (frames)     {np.median(d_start):10.1f}")
    print(f"median |end error| (frames)       {np.median(d_end):10.1f}")
    print(f"matched reps                      {len(d_start):10d} of {n_a.sum()}")
    print("\n== form checks (F1 on the views where the check applies) ==")
    for (ex, err), (tp, fp, fn, nj, tn) in sorted(conf.items()):
        judged = tp + fp + fn + tn
        total = judged + nj
        print(f"{ex:12s} {err:18s} F1 {f1(tp, fp, fn):5.3f}  tp {tp:4d} fp {fp:4d} fn {fn:4d}"
              f"  not judged {nj:4d} ({nj / max(total, 1):4.0%} of reps)")  # fmt: skip
    bad = {k: v for k, v in per_ex.items() if any(abs(e) > 1 for e in v)}
    if bad:
        print("\ncombos with a count off by more than one:")
        for (ex, view), v in sorted(bad.items()):
            print(f"  {ex:12s} {view:8s} errors {v}")


def coach(clips: list, model: Path | None = None, sessions: bool = False) -> None:
    from gymlib.model import ExerciseClassifier
    from gymlib.session import CoachSession

    clf = ExerciseClassifier.load(model)
    errs, n_true, idle_n, wrong = [], [], 0, 0
    t0 = time.time()
    for c in clips:
        session = CoachSession(clf, fps=c.fps, aspect=c.aspect)
        for t, fr in enumerate(c.landmarks):
            session.update(fr if fr.any() else None, t / c.fps)
        reps = [r for r in session.reps if r.exercise == c.exercise]
        wrong += len(session.reps) - len(reps)
        idle_n += in_idle(reps, c)
        errs.append(len(reps) - len(c.reps))
        n_true.append(len(c.reps))
        if sessions:
            print(f"session {c.seed} {c.exercise:12s} {c.view:8s} true {len(c.reps):3d} coach "
                  f"{len(reps):3d}")  # fmt: skip
    e, n = np.array(errs), np.array(n_true)
    name = f"classifier {model}" if model else "shipped classifier"
    print(f"\n== the live coach's pipeline (CoachSession, {name}), {time.time() - t0:.0f} s ==")
    print(f"off-by-one accuracy               {np.mean(np.abs(e) <= 1):10.3f}")
    print(f"exact count                       {np.mean(e == 0):10.3f}")
    print(f"mean |error| / true count         {np.abs(e).sum() / n.sum():10.3f}")
    print(f"reps counted in idle segments     {idle_n:10d}")
    print(f"reps counted under a wrong exercise {wrong:8d}")


def speed(clips: list) -> None:
    times = []
    for c in clips[:: max(len(clips) // 12, 1)]:
        counter = RepCounter(c.exercise, c.fps, aspect=c.aspect)
        for fr in c.landmarks:
            t0 = time.perf_counter()
            counter.update(fr if fr.any() else None)
            times.append(time.perf_counter() - t0)
    med, p95 = np.median(times) * 1e3, np.percentile(times, 95) * 1e3
    print("\n== speed ==")
    print(f"RepCounter.update + rules: median {med:.3f} ms/frame, p95 {p95:.3f} ms "
          f"(one core, {len(times)} frames)")  # fmt: skip


def real(path: Path) -> None:
    if not path.is_file():
        sys.exit(f"{path}: real windows file not found (see ../shared/data/README.md)")
    d = np.load(path, allow_pickle=False)
    w = d["windows"].reshape(len(d["windows"]), 30, 33, 4)
    print("\n== real windows: reps per recording (parts in order form one stream) ==")
    print(f"{'exercise':12s} {'source':15s} {'recording':40s} {'s':>5s} reps  verdicts")
    keys = sorted(set(zip(d["exercise"], d["source"], d["video"], strict=True)))
    fps = {"fit3d": 50.0}
    summary: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0, 0, 0, 0])
    counts: dict[tuple[str, str, str], int] = {}
    for ex, src, video in keys:
        idx = np.flatnonzero((d["exercise"] == ex) & (d["source"] == src) & (d["video"] == video))
        if src == "fit3d":  # four cameras of one take: the first one only
            cams = d["camera"][idx]
            idx = idx[cams == cams[0]]
        idx = idx[np.argsort(d["part"][idx], kind="stable")]
        stream = w[idx].reshape(-1, 33, 4)
        f = fps.get(str(src), 30.0)
        aspect = 9 / 16 if src == "own_vertical" else 16 / 9
        if src == "own_horizontal":  # stored rotated: turn upright (x, y) -> (1 - y, x)
            stream = stream.copy()
            x, y = stream[..., 0].copy(), stream[..., 1].copy()
            stream[..., 0], stream[..., 1] = 1 - y, x
            aspect = 9 / 16
        reps = count_reps(stream, str(ex), f, aspect=aspect)
        counts[(str(ex), str(src), str(video))] = len(reps)
        verdicts = defaultdict(int)
        for r in reps:
            verdicts[r.verdict] += 1
        print(f"{ex:12s} {src:15s} {str(video)[:40]:40s} {len(stream) / f:5.1f} {len(reps):4d}  "
              f"{dict(verdicts)}")  # fmt: skip
        s = summary[(str(ex), str(src))]
        s[0] += 1
        s[1] += len(stream) / f
        s[2] += len(reps)
        s[3] += int(len(stream) / f >= 8 and len(reps) == 0)
        s[4] += int(len(stream) / f >= 8)
    print("\nsummary: recordings, minutes, reps, reps/min, recordings >= 8 s with no rep")
    for (ex, src), (n, secs, nreps, empty, long) in sorted(summary.items()):
        rate = nreps / max(secs / 60, 1e-9)
        print(
            f"{ex:12s} {src:15s} {n:4d} {secs / 60:6.1f} {nreps:5d} {rate:6.1f}   {empty}/{long}"
        )
    # the seed's own takes were filmed by two phones at once: the counts should agree
    print("\nown takes seen by both phones (vertical vs horizontal): reps")
    agree, pairs = 0, 0
    for (ex, src, video), n in sorted(counts.items()):
        if src != "own_vertical":
            continue
        take = str(video).rsplit("/", 1)[-1]
        other = [k for k in counts if k[1] == "own_horizontal" and k[0] == ex
                 and str(k[2]).rsplit("_", 1)[-1].lstrip("0") == take.lstrip("0")]  # fmt: skip
        if len(other) == 1:
            m = counts[other[0]]
            pairs += 1
            agree += abs(n - m) <= 1
            print(f"  {ex:12s} take {take:>3s}: {n:3d} vs {m:3d}")
    if pairs:
        print(f"agreement within one rep: {agree}/{pairs} takes")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-combo", type=int, default=9)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--real", action="store_true")
    ap.add_argument("--coach", action="store_true")
    ap.add_argument("--model", type=Path, default=None, help="classifier for --coach (shipped)")
    ap.add_argument("--depth", choices=DEPTHS, default="true", help="the generator's z")
    ap.add_argument("--real-path", type=Path, default=shared_data("seed_real_windows.npz"))
    ap.add_argument("--exercise", choices=EXERCISES, default=None, help="its sessions only")
    ap.add_argument("--sessions", action="store_true", help="print every session's counts")
    args = ap.parse_args()
    t0 = time.time()
    clips = make_clips(args.per_combo, args.seed, args.depth, args.exercise)
    print(f"generated {len(clips)} clips in {time.time() - t0:.1f} s")
    evaluate(clips, args.sessions)
    speed(clips)
    if args.coach:
        coach(clips, args.model, args.sessions)
    if args.real:
        real(args.real_path)


if __name__ == "__main__":
    main()
