"""Every form check on every kind of evidence: sensitivity and false alarms per check (issue 37).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/form_eval.py [--clips 6] [--seed 3000]
        [--only generated,rendered,real_form,recordings,knee_stats] [--plots DIR]
        [--rules CONFIG] [--rendered DIR]

(a) generated: ``gymlib.synth`` clips of every exercise x the five standard views (``--clips``
    per pair, 35 % of reps with the generator's labelled errors), counted with ``count_reps``,
    each counted rep matched to its true rep. The generator makes no heel lift, knee cave or
    forward lean: those are put into a third of the good squat reps here, on the 2-D landmarks,
    growing with the rep's progress (heel points raised, knees pulled towards each other,
    shoulders, arms and head turned forward about the hips). The generator's squat
    ``knees_past_toes`` reps are left out: the cue is off now, and they are made by tilting the
    shank 32-40 deg at an unchanged knee bend, which leaves the thigh up to 35 deg above
    parallel and, as the generator's feet turn with the shank, the heels ~13 cm up: errors
    their labels do not name.
(b) rendered: the rendered sample clips in ``data/samples`` (anny bodies through MediaPipe, their
    JSON has the labelled errors; MediaPipe's landmarks are cached in ``data/interim/form_eval/``),
    then the clips in ``--rendered DIR`` (default ``data/interim/form_eval_rendered``, made by
    ``benchmarks/render_form_set.py`` with the ``[render]`` extra: other bodies, views and
    cameras; landmarks cached beside each as ``<clip>.pose.npz``; skipped when empty).
(c) real_form: ``../shared/data/real_form`` (real people, labels made by others), held-out half
    of the takes (split by ``seq``: per label, takes in order, every second one; thresholds were
    chosen on the other half), at 4:3 and 16:9 aspect.
(d) recordings: the share of reps called faulty (and partial) per exercise on real recordings,
    with the reasons: the real windows (``seed_real_windows.npz``, a recording's windows in
    ``part`` order as one stream) and the 27 real videos (``real_videos``; poses from
    ``data/interim/real_videos``, as ``benchmarks/real_videos.py`` keeps them, made there with
    MediaPipe if absent).
Optional cues (``enabled: false`` in config.yaml) are scored too, marked "(opt.)"; a rep only
they fail is still called good, as the coach does by default.

Sensitivity = reps (frames) with the error that the check fails; false alarms = reps (frames)
without it that the check fails; only where the check can judge (its views, the points seen):
"judged" is that share of the reps.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402

from gymlib import angles as A  # noqa: E402
from gymlib.benchtools import REAL_POSE_CACHE, halves, match, shared_data  # noqa: E402
from gymlib.landmarks import PoseLandmark as L  # noqa: E402
from gymlib.reps import count_reps  # noqa: E402
from gymlib.rules import RuleBook, optional_cues_on  # noqa: E402
from gymlib.synth import EXERCISES, STANDARD_VIEWS, generate_clip  # noqa: E402

#: errors put into good generated squat reps here, and the views they are made in
INJECTED = {"heels_lifting": ("left", "right", "left45", "right45"),
            "knees_caving": ("front", "back"),
            "torso_leaning": ("left", "right", "left45", "right45")}  # fmt: skip
#: generator errors whose reps are left out of (a) (see above) and no fault in (b)
NOT_FAULTS = {("squat", "knees_past_toes")}

SHARED = shared_data()  # paths.shared_data in config.yaml


def error_of(check: str) -> str:
    """The labelled error a check judges: ``elbows_flaring_side`` (the optional side-view cue)
    judges ``elbows_flaring`` as the front-view check does."""
    return check.removesuffix("_side")


def verdict(ex: str, rep, optional: frozenset[tuple[str, str]]) -> str:  # noqa: ANN001
    """The rep's verdict with the optional cues off (what the coach says by default)."""
    failed = [c for c in rep.checks if c.failed and (ex, c.name) not in optional]
    if any(c.verdict == "faulty" for c in failed):
        return "faulty"
    return "partial" if failed else "good"


def label(ex: str, check: str, optional: frozenset[tuple[str, str]]) -> str:
    return f"{check} (opt.)" if (ex, check) in optional else check


class Tally:
    """Per (exercise, check): judged reps with / without the error, and how many failed."""

    def __init__(self) -> None:
        self.n = defaultdict(lambda: np.zeros(5, int))  # pos, tp, neg, fp, unjudged

    def add(self, key: tuple[str, str], truth: bool, failed: bool | None) -> None:
        row = self.n[key]
        if failed is None:
            row[4] += 1
        elif truth:
            row[0] += 1
            row[1] += failed
        else:
            row[2] += 1
            row[3] += failed

    def print(self, title: str) -> None:
        print(f"\n== {title} ==")
        print(f"{'exercise':12s} {'check':24s} {'with':>5s} {'sens':>6s} {'without':>7s} "
              f"{'false al.':>9s} {'F1':>5s} {'judged':>6s}")  # fmt: skip
        for (ex, check), (pos, tp, neg, fp, unj) in sorted(self.n.items()):
            f1 = 2 * tp / (2 * tp + fp + (pos - tp)) if tp else float("nan")
            sens = tp / pos if pos else float("nan")
            fa = fp / neg if neg else float("nan")
            judged = (pos + neg) / max(pos + neg + unj, 1)
            print(f"{ex:12s} {check:24s} {pos:5d} {sens:6.2f} {neg:7d} {fa:9.3f} {f1:5.2f} "
                  f"{judged:6.0%}")  # fmt: skip


def _phase(n: int, rep) -> np.ndarray:  # noqa: ANN001
    """``(n,)`` 0 outside the rep, rising smoothly to 1 at its bottom and back."""
    ph = np.zeros(n)
    down = np.arange(rep.start, rep.bottom + 1)
    up = np.arange(rep.bottom, rep.end + 1)
    ph[down] = (down - rep.start) / max(rep.bottom - rep.start, 1)
    ph[up] = 1 - (up - rep.bottom) / max(rep.end - rep.bottom, 1)
    return ph * ph * (3 - 2 * ph)


def inject(lm: np.ndarray, aspect: float, error: str, ph: np.ndarray,
           rng: np.random.Generator) -> None:  # fmt: skip
    """Put ``error`` into the frames of ``lm`` ``(T, 33, 4)`` in place, by ``ph`` ``(T,)``."""
    xy = lm[..., :2].astype(np.float64) * np.array([aspect, 1.0])
    shank = np.nanmedian(np.abs(xy[:, L.LEFT_KNEE] - xy[:, L.LEFT_ANKLE]).sum(-1))
    if error == "heels_lifting":  # heels 0.2-0.3 shank lengths up (7-12 cm)
        for heel in (L.LEFT_HEEL, L.RIGHT_HEEL):
            xy[:, heel, 1] -= ph * rng.uniform(0.2, 0.3) * shank
        for ankle in (L.LEFT_ANKLE, L.RIGHT_ANKLE):
            xy[:, ankle, 1] -= ph * 0.08 * shank
    elif error == "knees_caving":  # knees pulled in to 35-60 % of the ankles' spacing
        mid = (xy[:, L.LEFT_ANKLE, 0] + xy[:, L.RIGHT_ANKLE, 0]) / 2
        half = np.abs(xy[:, L.LEFT_ANKLE, 0] - xy[:, L.RIGHT_ANKLE, 0]) / 2
        target = rng.uniform(0.35, 0.6)
        for knee in (L.LEFT_KNEE, L.RIGHT_KNEE):
            side = np.sign(xy[:, knee, 0] - mid)
            goal = mid + side * half * target
            xy[:, knee, 0] += ph * (goal - xy[:, knee, 0])
    elif error == "torso_leaning":  # the torso turned 40-55 deg further forward about the hips
        hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
        sh = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
        fwd = np.sign(np.nanmedian((sh[:, 0] - hip[:, 0])[ph > 0.9]) or 1.0)  # the way it leans
        ang = np.radians(rng.uniform(40, 55)) * ph * fwd
        upper = list(range(0, 23))  # head, shoulders, arms, hands
        rel = xy[:, upper] - hip[:, None]
        c, s = np.cos(ang)[:, None], np.sin(ang)[:, None]
        # turning forward: up (-y) goes towards +x for fwd > 0
        xy[:, upper, 0] = hip[:, None, 0] + c * rel[..., 0] - s * rel[..., 1]
        xy[:, upper, 1] = hip[:, None, 1] + s * rel[..., 0] + c * rel[..., 1]
    lm[..., 0] = np.where(lm[..., 3] > 0, xy[..., 0] / aspect, lm[..., 0])
    lm[..., 1] = np.where(lm[..., 3] > 0, xy[..., 1], lm[..., 1])


def generated(book: RuleBook, clips: int, seed: int,
              optional: frozenset[tuple[str, str]] = frozenset()) -> None:  # fmt: skip
    tally, good_total, good_ok = Tally(), defaultdict(int), defaultdict(int)
    k = 0
    for ex in EXERCISES:
        for view in STANDARD_VIEWS:
            for _ in range(clips):
                rng = np.random.default_rng(seed + k)
                clip = generate_clip(ex, int(rng.integers(3, 7)), seed=seed + k, view=view,
                                     error_rate=0.35, tempo=(1.0, 4.0))  # fmt: skip
                k += 1
                truths = [None if any((ex, e) in NOT_FAULTS for e in r.errors) else set(r.errors)
                          for r in clip.reps]  # fmt: skip
                lm = clip.landmarks.copy()
                if ex == "squat":
                    for r, t in zip(clip.reps, truths, strict=True):
                        options = [e for e, views in INJECTED.items() if view in views]
                        if t is not None and not t and options and rng.random() < 0.4:
                            e = options[int(rng.integers(len(options)))]
                            inject(lm, clip.aspect, e, _phase(len(lm), r), rng)
                            t.add(e)
                reps = count_reps(lm, ex, clip.fps, aspect=clip.aspect, rules=book)
                for i, j in match(reps, clip.reps):
                    if truths[j] is None:
                        continue
                    for res in reps[i].checks:
                        truth = error_of(res.name) in truths[j]
                        tally.add((ex, label(ex, res.name, optional)), truth, res.failed)
                    if not truths[j]:
                        good_total[ex] += 1
                        good_ok[ex] += verdict(ex, reps[i], optional) == "good"
    tally.print("(a) generated reps (gymlib.synth), matched to their true reps")
    print("good reps called good: " + ", ".join(
        f"{ex} {good_ok[ex]}/{good_total[ex]} ({good_ok[ex] / max(good_total[ex], 1):.0%})"
        for ex in EXERCISES))  # fmt: skip
    tot, ok = sum(good_total.values()), sum(good_ok.values())
    print(f"all: {ok}/{tot} ({ok / max(tot, 1):.1%})")


def _poses(video: Path, cache: Path, stem: str | None = None):  # noqa: ANN202
    from gymlib.extract import PoseSequence, extract_video

    out = cache / f"{stem or video.stem}.npz"
    if out.is_file():
        return PoseSequence.load(out)
    seq = extract_video(video, progress=False)
    cache.mkdir(parents=True, exist_ok=True)
    seq.save(out)
    return seq


def rendered_clips(book: RuleBook, folder: Path, cache: Path | None, tally: Tally,
                   good: list[int], optional: frozenset[tuple[str, str]] = frozenset()
                   ) -> None:  # fmt: skip
    """Score every rendered clip in ``folder`` (``<clip>.json`` truth beside ``<clip>.mp4``)
    into ``tally``; ``good``: [good reps, called good]. MediaPipe's landmarks are cached in
    ``cache`` (None: beside each clip as ``<clip>.pose.npz``)."""
    for js in sorted(folder.glob("*.json")):
        truth = json.loads(js.read_text())
        ex = truth["exercise"]
        video = js.with_suffix(".mp4")
        seq = _poses(video, cache or folder, f"{js.stem}.pose" if cache is None else js.stem)
        w, h = truth["image_size"]
        reps = count_reps(seq.landmarks, ex, seq.fps, aspect=w / h, rules=book)

        true = [
            SimpleNamespace(start=r["start"], end=r["end"], errors=set(r["errors"]))
            for r in truth["reps"]
        ]  # as match() wants them
        for i, j in match(reps, true):
            errs = {e for e in true[j].errors if (ex, e) not in NOT_FAULTS}
            for res in reps[i].checks:
                tally.add((ex, label(ex, res.name, optional)), error_of(res.name) in errs,
                          res.failed)  # fmt: skip
            if not errs:
                good[0] += 1
                good[1] += verdict(ex, reps[i], optional) == "good"
        bad = [
            f"{k + 1}: {','.join(r['errors'])}" for k, r in enumerate(truth["reps"]) if r["errors"]
        ]
        print(
            f"  {js.stem:28s} {truth['view']:8s} true reps {len(true)} "
            f"({'; '.join(bad) or 'good'}), "
            f"counted {len(reps)}: {[list(r.reasons) for r in reps]}"
        )


def rendered(book: RuleBook, extra: Path | None,
             optional: frozenset[tuple[str, str]] = frozenset()) -> None:  # fmt: skip
    """(b): the sample clips, then the clips in ``extra`` (other bodies and views), then both."""
    both, both_good = Tally(), [0, 0]
    sets = [("rendered sample clips (data/samples)", ROOT / "data" / "samples",
             ROOT / "data" / "interim" / "form_eval")]  # fmt: skip
    if extra is not None and any(extra.glob("*.json")):
        sets.append((f"rendered clips in {extra} (other bodies and views)", extra, None))
    elif extra is not None:
        print(f"\n  (no rendered clips in {extra}: benchmarks/render_form_set.py makes them)")
    for title, folder, cache in sets:
        tally, good = Tally(), [0, 0]
        print(f"\n-- {title} --")
        rendered_clips(book, folder, cache, tally, good, optional)
        tally.print(f"(b) {title}, through MediaPipe")
        print(f"good reps called good: {good[1]}/{good[0]}")
        for key, row in tally.n.items():
            both.n[key] += row
        both_good = [both_good[0] + good[0], both_good[1] + good[1]]
    if len(sets) > 1:
        both.print("(b) all rendered clips")
        print(f"good reps called good: {both_good[1]}/{both_good[0]}")


def real_form(book: RuleBook, which: int = 1,
              optional: frozenset[tuple[str, str]] = frozenset()) -> None:  # fmt: skip
    print(f"\n== (c) real labelled frames (real_form), half {which} of the takes "
          "(thresholds chosen on the other) ==")  # fmt: skip
    path = SHARED / "real_form"
    if not (path / "ngo_plank.npz").is_file():
        print(f"  skipped: {path} not found (see ../shared/data/real_form/README.md)")
        return
    specs = {c.name: c for c in book["push_up"].checks}
    front = {c.name: c for c in book["split_squat"].checks}["knees_past_toes"]
    print(
        f"{'check':18s} {'aspect':6s} {'with':>5s} {'sens':>6s} {'without':>7s} {'false al.':>9s}"
    )
    opt = " (opt.)" if ("split_squat", "knees_past_toes") in optional else ""
    for name, fname, checks in (("plank", "ngo_plank.npz", ("hips_sagging", "hips_piking")),
                                ("lunge", "ngo_lunge.npz", ("knees_past_toes",))):  # fmt: skip
        d = np.load(path / fname, allow_pickle=False)
        lm = np.nan_to_num(d["landmarks"].astype(np.float64), nan=0.0)  # NaN = not kept: unseen
        mapped, sel = d["mapped"], halves(d["mapped"], d["seq"]) == which
        for label, aspect in (("4:3", 4 / 3), ("16:9", 16 / 9)):
            refs = A.segment_lengths(lm, aspect=aspect)
            for check in checks:
                if name == "plank":
                    spec = specs[check]
                    vis = A.visible_side(lm)
                    val = A.pick_visible(A.body_line(lm, "left", aspect=aspect),
                                         A.body_line(lm, "right", aspect=aspect), vis)  # fmt: skip
                else:
                    spec = front
                    val = A.front_knee_over_toe(lm, refs, aspect=aspect)
                fails = (val < spec.fail_below) if spec.fail_below is not None else (
                    val > spec.fail_above)  # fmt: skip
                fails = np.where(np.isnan(val), False, fails)
                pos, neg = sel & (mapped == check), sel & (mapped == "good")
                row = f"{name} {check}{opt if name == 'lunge' else ''}"
                print(
                    f"{row:18s} {label:6s} {pos.sum():5d} "
                    f"{fails[pos].mean():6.2f} {neg.sum():7d} {fails[neg].mean():9.3f}"
                )


def real_streams():  # noqa: ANN201
    """(exercise, source, name, landmarks (T, 33, 4), fps, aspect) of every real recording."""
    path = SHARED / "seed_real_windows.npz"
    if path.is_file():
        d = np.load(path, allow_pickle=False)
        w = d["windows"].reshape(len(d["windows"]), 30, 33, 4)
        keys = sorted(set(zip(d["exercise"], d["source"], d["video"], strict=True)))
        for ex, src, video in keys:
            idx = np.flatnonzero(
                (d["exercise"] == ex) & (d["source"] == src) & (d["video"] == video)
            )
            if src == "fit3d":  # four cameras of one take: the first one only
                idx = idx[d["camera"][idx] == d["camera"][idx][0]]
            idx = idx[np.argsort(d["part"][idx], kind="stable")]
            stream = w[idx].reshape(-1, 33, 4).astype(np.float64)
            # own_vertical is a landscape picture: at 16:9 its measures match the same takes
            # filmed by the other phone (own_horizontal, upright at 9:16); at 9:16 they do not
            aspect = 16 / 9
            if src == "own_horizontal":  # stored rotated: turn upright (x, y) -> (1 - y, x)
                x, y = stream[..., 0].copy(), stream[..., 1].copy()
                stream[..., 0], stream[..., 1] = 1 - y, x
                aspect = 9 / 16
            yield (
                str(ex),
                f"windows/{src}",
                str(video),
                stream,
                50.0 if src == "fit3d" else 30.0,
                aspect,
            )
    else:
        print(f"  (real windows skipped: {path} not found)")
    videos = SHARED / "real_videos"
    cache = REAL_POSE_CACHE
    for js in sorted(videos.glob("*.json")):
        meta = json.loads(js.read_text())
        npz = cache / f"{js.stem}.npz"
        if npz.is_file():
            from gymlib.extract import PoseSequence

            seq = PoseSequence.load(npz)
        else:
            seq = _poses(js.with_suffix(".mp4"), cache)
        w, h = seq.image_size
        yield meta["exercise"], "videos", js.stem, seq.landmarks.astype(np.float64), seq.fps, w / h


def recordings(book: RuleBook, plots: Path | None,
               optional: frozenset[tuple[str, str]] = frozenset()) -> None:  # fmt: skip
    print("\n== (d) real recordings: share of reps called faulty / partial, with the reasons ==")
    per = defaultdict(lambda: defaultdict(int))
    examples: dict[tuple[str, str], list] = defaultdict(list)
    for ex, src, name, stream, fps, aspect in real_streams():
        reps = count_reps(stream, ex, fps, aspect=aspect, rules=book)
        for r in reps:
            kind = "videos" if src == "videos" else "windows"
            for key in ((ex, kind), (ex, "all")):
                per[key]["reps"] += 1
                per[key][verdict(ex, r, optional)] += 1
                for reason in r.reasons:
                    per[key][label(ex, reason, optional)] += 1
            for c in r.checks:
                if c.fault is not None and (ex, c.name) not in optional:
                    examples[(ex, c.name)].append((src, name, r, c.fault, stream, aspect))
    print(f"{'exercise':12s} {'source':8s} {'reps':>5s} {'faulty':>7s} {'partial':>8s}  reasons")
    for (ex, kind), c in sorted(per.items()):
        reasons = {k: v for k, v in c.items() if k not in ("reps", "good", "partial", "faulty")}
        # "(opt.)": an optional cue, off by default: the reps it would fault if switched on
        print(f"{ex:12s} {kind:8s} {c['reps']:5d} {c['faulty'] / c['reps']:7.0%} "
              f"{c['partial'] / c['reps']:8.0%}  {dict(sorted(reasons.items()))}")  # fmt: skip
    if plots is not None:
        plot_examples(examples, plots, book)


def _held(v: np.ndarray, frames: int) -> float:
    """The highest level ``v`` ``(n,)`` stays above for ``frames`` frames in a row (NaN: none)."""
    if len(v) < frames:
        return float("nan")
    w = np.lib.stride_tricks.sliding_window_view(np.nan_to_num(v, nan=-np.inf), frames)
    m = w.min(axis=1).max()
    return float(m) if np.isfinite(m) else float("nan")


def knee_stats(book: RuleBook, seed: int, clips: int = 40) -> None:
    """The split squat's front knee: which statistic of a rep fails it, on the real recordings'
    reps and on generated ones (side and diagonal views, labelled errors), and per real take
    the value at the bottom and how far the knee is ahead of its ankle (the shank's tilt)."""
    spec = {c.name: c for c in book["split_squat"].checks}["knees_past_toes"]
    stats = ("rule", "max frame", "held 0.2 s", "held 0.3 s", "held 0.5 s")

    def values(rep, v: np.ndarray, fps: float) -> list[float]:  # noqa: ANN001
        c = {c.name: c for c in rep.checks}["knees_past_toes"]
        seg = v[rep.start : rep.end + 1]
        top = float(np.nanmax(seg)) if np.any(~np.isnan(seg)) else float("nan")
        rule = c.value if c.failed is not None else float("nan")
        return [rule, top, *(_held(seg, max(1, round(t * fps))) for t in (0.2, 0.3, 0.5))]

    print("\n== split squat front knee past toes: the rep's statistic (limit "
          f"{spec.limit}) ==")  # fmt: skip
    real, takes = [], defaultdict(list)
    for ex, src, name, stream, fps, aspect in real_streams():
        if ex != "split_squat":
            continue
        refs = A.segment_lengths(stream, aspect=aspect)
        v = A.front_knee_over_toe(stream, refs, aspect=aspect)
        ahead = A.front_knee_over_toe(_toe_at_ankle(stream), refs, aspect=aspect)
        for r in count_reps(stream, ex, fps, aspect=aspect, rules=book):
            real.append(values(r, v, fps))
            takes[(src, name)].append((real[-1][0], ahead[r.bottom]))
    gen = []
    for k in range(clips):
        view = ("left", "right", "left45", "right45")[k % 4]
        clip = generate_clip("split_squat", 5, seed=seed + 500 + k, view=view, error_rate=0.5,
                             tempo=(1.0, 4.0))  # fmt: skip
        refs = A.segment_lengths(clip.landmarks, aspect=clip.aspect)
        v = A.front_knee_over_toe(clip.landmarks, refs, aspect=clip.aspect)
        reps = count_reps(clip.landmarks, "split_squat", clip.fps, aspect=clip.aspect, rules=book)
        for i, j in match(reps, clip.reps):
            gen.append((values(reps[i], v, clip.fps), "knees_past_toes" in clip.reps[j].errors))
    real_a = np.array(real)
    g = np.array([x for x, _ in gen])
    y = np.array([t for _, t in gen], bool)
    real_a = real_a[~np.isnan(real_a[:, 0])]  # the reps the rule judges
    g, y = g[~np.isnan(g[:, 0])], y[~np.isnan(g[:, 0])]
    print(f"{'statistic':12s} {'real reps faulty':>16s} {'generated sens':>14s} {'false al.':>9s}")
    for k, name in enumerate(stats):
        share = np.mean(np.where(np.isnan(real_a[:, k]), False, real_a[:, k] > spec.limit))
        fail = np.where(np.isnan(g[:, k]), False, g[:, k] > spec.limit)
        print(f"{name:12s} {share:16.1%} {fail[y].mean():14.2f} {fail[~y].mean():9.3f}")
    print(f"(judged by the rule: {len(real_a)} real reps; {int(y.sum())} generated with the "
          "error, "
          f"{int((~y).sum())} without)\nper real take: reps, faulty, median value at the bottom, "
          "knee ahead of the front ankle (shank lengths, at the bottom frame)")  # fmt: skip
    for (src, name), rows in sorted(takes.items()):
        a = np.array(rows, float)
        nf = int(np.sum(a[:, 0] > spec.limit))
        med = [np.nanmedian(a[:, i]) if np.any(~np.isnan(a[:, i])) else np.nan for i in (0, 1)]
        print(f"  {src:22s} {name[-34:]:34s} {len(a):3d} {nf:3d} {med[0]:+.2f} {med[1]:+.2f}")


def _toe_at_ankle(stream: np.ndarray) -> np.ndarray:
    """``stream`` ``(T, 33, 4)`` with each foot's toe point moved onto its ankle point, so that
    ``front_knee_over_toe`` of it reads the knee ahead of the ankle."""
    out = stream.copy()
    out[:, L.LEFT_FOOT_INDEX, :2] = stream[:, L.LEFT_ANKLE, :2]
    out[:, L.RIGHT_FOOT_INDEX, :2] = stream[:, L.RIGHT_ANKLE, :2]
    return out


def plot_examples(examples: dict, out: Path, book: RuleBook, per_check: int = 3) -> None:
    """The bottom frame of a few reps per failed check, skeleton and the fault's words."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gymlib.landmarks import POSE_CONNECTIONS

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for (ex, check), items in sorted(examples.items()):
        pick = rng.choice(len(items), size=min(per_check, len(items)), replace=False)
        for n, i in enumerate(pick):
            src, name, rep, fault, stream, aspect = items[i]
            fig, axes = plt.subplots(1, 3, figsize=(12, 4.5))
            for ax, f in zip(axes, (rep.start, rep.bottom, rep.end), strict=True):
                p = stream[min(f, len(stream) - 1)]
                x, y, v = p[:, 0] * aspect, p[:, 1], p[:, 3]
                for a, b in POSE_CONNECTIONS:
                    if v[a] > 0.15 and v[b] > 0.15:
                        ax.plot([x[a], x[b]], [y[a], y[b]], "-", color="tab:blue", lw=2)
                ax.plot(x[v > 0.15], y[v > 0.15], "o", color="tab:red", ms=3)
                ax.set_aspect("equal")
                ax.invert_yaxis()
                ax.set_title(f"frame {f}")
            fig.suptitle(f"{ex} {src} {name[-40:]} rep {rep.index}\n{check}: {fault.text}",
                         fontsize=9)  # fmt: skip
            fig.tight_layout()
            fig.savefig(out / f"{ex}_{check}_{n}.png", dpi=70)
            plt.close(fig)
    print(f"plots: {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clips", type=int, default=6, help="generated clips per exercise and view")
    ap.add_argument("--seed", type=int, default=3000)
    ap.add_argument("--only", default="generated,rendered,real_form,recordings")
    ap.add_argument("--plots", type=Path, help="folder for PNGs of faulted real reps")
    ap.add_argument("--rules", type=Path, help="another config.yaml's rules")
    ap.add_argument("--rendered", type=Path,
                    default=ROOT / "data" / "interim" / "form_eval_rendered",
                    help="more rendered clips for (b) (benchmarks/render_form_set.py; skipped "
                    "when empty)")  # fmt: skip
    ap.add_argument(
        "--half",
        type=int,
        default=1,
        choices=(0, 1),
        help="real_form half to report (1: held out; 0: the one thresholds came from)",
    )
    args = ap.parse_args()
    book, optional = optional_cues_on(args.rules)  # optional cues scored too, marked "(opt.)"
    parts = args.only.split(",")
    if "generated" in parts:
        generated(book, args.clips, args.seed, optional)
    if "rendered" in parts:
        rendered(book, args.rendered, optional)
    if "real_form" in parts:
        real_form(book, args.half, optional)
    if "recordings" in parts:
        recordings(book, args.plots, optional)
    if "knee_stats" in parts:
        knee_stats(book, args.seed)


if __name__ == "__main__":
    main()
