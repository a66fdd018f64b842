"""Squat or split squat from behind: do the legs tell them apart, measured on real footage?

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/stance_views.py [--cache DIR] [--quantile 95]
        [--probs runs/benchmarks/decision_probs.npz]

From behind (or in front) a split squat's feet are apart along the camera's axis, which the
picture's x does not show, and a shallow rep keeps the knees level, so the stance's knee and heel
gaps (:mod:`gymlib.stance`) stay squat-like (``split_squat_back_gym-smith-portrait``). Seven
other differences between the legs, each a physical consequence of one foot standing a leg
length ahead of the other, are measured here per 30-frame window (median over its frames, in
torso lengths unless said; all mirror-invariant):

- ``ankle_depth``: MediaPipe's z of the two ankles (the front foot is farther from the lens);
- ``heel_height``: the heels' heights in the picture (a farther foot stands higher in a picture
  taken from above the floor: perspective);
- ``feet_across``: the ankles' offset across the hip line in the picture (feet side by side lie
  along it, whatever the view; a split stance does not);
- ``knee_angle``: the knees' angles in the picture, degrees, 80th percentile (the front knee
  bends, the rear one points down);
- ``hip_knee``: the hip-to-knee drop of the two legs, 80th percentile (the rear knee goes down
  toward the floor);
- ``shank`` / ``thigh``: the two shanks' / thighs' lengths in the picture (the rear shank points
  at the lens from behind: foreshortened).

A window **votes** split squat on each feature beyond that feature's ``--quantile`` of the real
squat windows of half A (the halves of ``decision_eval.py``: recording groups sorted,
alternating). Printed: the thresholds, the votes on the real squat and split-squat windows per
half, the squat recordings that vote most, the log-likelihood ratio of each vote count on half
A, and for the squat and split-squat clips of ``../shared/data/real_videos/`` (windows as the
live coach classifies them) each feature's median and the votes. Then the decision as it would
be with the votes (the smallest vote count that at most 1 % of half A's squat windows reach, its
half-A log-likelihood ratio taken as stance evidence when larger than the knee / heel gaps'):
each clip's offline sets and live names without and with, the Smith clip's split-squat share;
with ``--probs`` (``decision_eval.py``'s fold probabilities) also the real windows' decisions.
Nothing here is shipped: docs/real_footage.md, "Where it stands (session 4)", says why.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")
import numpy as np  # noqa: E402

import gymlib.decision as decision  # noqa: E402
from gymlib.benchtools import REAL_POSE_CACHE as CACHE  # noqa: E402
from gymlib.benchtools import (  # noqa: E402
    load_clips,
    pose_file,
    shared_data,
    split_of,  # noqa: E402
)
from gymlib.config import load_config  # noqa: E402
from gymlib.features import window_scale  # noqa: E402
from gymlib.landmarks import FRAME_FEATURES, WINDOW_FRAMES, from_seed_windows  # noqa: E402
from gymlib.landmarks import PoseLandmark as L  # noqa: E402
from gymlib.stance import stance_gaps  # noqa: E402

FEATURES = ("ankle_depth", "heel_height", "feet_across", "knee_angle", "hip_knee", "shank",
            "thigh")  # fmt: skip
PAIR = ("squat", "split_squat")


def _angle(x: np.ndarray, y: np.ndarray, a: int, b: int, c: int) -> np.ndarray:
    """The picture's angle at ``b`` between ``a`` and ``c``, degrees, ``(N, T)``."""
    u = np.stack([x[..., a] - x[..., b], y[..., a] - y[..., b]], -1)
    v = np.stack([x[..., c] - x[..., b], y[..., c] - y[..., b]], -1)
    cos = (u * v).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1) + 1e-9)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def leg_differences(windows: np.ndarray) -> np.ndarray:
    """``(N, 7)`` the :data:`FEATURES` of landmark windows ``(N, 30, 33, 4)`` (module doc)."""
    lm = np.asarray(windows, np.float64)
    present = np.any(lm != 0, axis=(2, 3))
    scale = window_scale(lm, present)
    x, y, z = lm[..., 0], lm[..., 1], lm[..., 2]

    def over(a: np.ndarray, q: float = 50) -> np.ndarray:
        with np.errstate(all="ignore"), contextlib.suppress(RuntimeWarning):
            return np.nan_to_num(np.nanpercentile(np.where(present, a, np.nan), q, axis=1))

    def length(a: int, b: int) -> np.ndarray:
        return np.hypot(x[..., a] - x[..., b], y[..., a] - y[..., b])

    hx, hy = x[..., L.LEFT_HIP] - x[..., L.RIGHT_HIP], y[..., L.LEFT_HIP] - y[..., L.RIGHT_HIP]
    ax = x[..., L.LEFT_ANKLE] - x[..., L.RIGHT_ANKLE]
    ay = y[..., L.LEFT_ANKLE] - y[..., L.RIGHT_ANKLE]
    across = np.abs(hx * ay - hy * ax) / (np.hypot(hx, hy) + 1e-9)
    knee_l = _angle(x, y, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE)
    knee_r = _angle(x, y, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)
    drop_l = y[..., L.LEFT_KNEE] - y[..., L.LEFT_HIP]
    drop_r = y[..., L.RIGHT_KNEE] - y[..., L.RIGHT_HIP]
    shank = length(L.LEFT_KNEE, L.LEFT_ANKLE) - length(L.RIGHT_KNEE, L.RIGHT_ANKLE)
    thigh = length(L.LEFT_HIP, L.LEFT_KNEE) - length(L.RIGHT_HIP, L.RIGHT_KNEE)
    out = [
        over(np.abs(z[..., L.LEFT_ANKLE] - z[..., L.RIGHT_ANKLE])) / scale,
        over(np.abs(y[..., L.LEFT_HEEL] - y[..., L.RIGHT_HEEL])) / scale,
        over(across) / scale,
        over(np.abs(knee_l - knee_r), 80),
        over(np.abs(drop_l - drop_r), 80) / scale,
        over(np.abs(shank)) / scale,
        over(np.abs(thigh)) / scale,
    ]
    return np.column_stack(out)


def votes(diffs: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """``(N,)`` how many of a window's leg differences are beyond their limits."""
    return (diffs > limits).sum(axis=1)


@contextlib.contextmanager
def voting(least: int, llr: float) -> Iterator[None]:
    """While inside, :mod:`gymlib.decision` takes stance arrays ``(N, 3)`` (knee gap, heel gap,
    votes) and a window of ``least`` votes or more weighs split squat : squat by at least
    ``llr`` (the larger of that and the gaps' evidence, as the gaps themselves combine)."""
    plain = decision.Evidence

    class Voted(plain):
        def __call__(self, probs, new_frames, stance=None):  # noqa: ANN001, ANN204
            if stance is None:
                return super().__call__(probs, new_frames, None)
            s = np.asarray(stance, np.float64).reshape(-1, 3)
            self._votes = s[:, 2]
            return super().__call__(probs, new_frames, s[:, :2])

        def stance_llr(self, gaps: np.ndarray) -> np.ndarray:
            base = super().stance_llr(gaps)
            return np.where(self._votes >= least, np.maximum(base, llr), base)

    decision.Evidence = Voted
    try:
        yield
    finally:
        decision.Evidence = plain


def real_windows(quantile: float) -> tuple[np.ndarray, ...]:
    cfg = load_config()
    with np.load(cfg.resolve(cfg.paths.real_windows)) as d:
        keep = np.isin(d["exercise"], PAIR)
        wins = from_seed_windows(d["windows"][keep])
        ex, group, video = d["exercise"][keep], d["group"][keep], d["video"][keep]
    names = sorted(set(group.tolist()))
    half = {g: "AB"[i % 2] for i, g in enumerate(names)}
    h = np.array([half[g] for g in group])
    diffs = leg_differences(wins)
    limits = np.percentile(diffs[(ex == "squat") & (h == "A")], quantile, axis=0)
    return diffs, limits, ex, h, video


def clip_windows(cache: Path, clf) -> dict[str, dict]:  # noqa: ANN001
    """The squat / split-squat clips' windows as the live coach classifies them."""
    from gymlib.extract import PoseSequence

    live = load_config().live
    out = {}
    for clip in load_clips(shared_data("real_videos")):
        if clip.exercise not in PAIR:
            continue
        seq = PoseSequence.load(pose_file(clip, cache, False)[0])
        lm = np.asarray(seq.landmarks, np.float32)
        seen = lm.reshape(len(lm), -1).any(axis=1)
        ends = [
            e
            for e in range(WINDOW_FRAMES - 1, len(lm))
            if (e + 1) % live.classify_every == 0
            and seen[e - WINDOW_FRAMES + 1 : e + 1].sum() >= live.min_person_frames
        ]
        wins = np.stack([lm[e - WINDOW_FRAMES + 1 : e + 1] for e in ends])
        out[clip.name] = {
            "exercise": clip.exercise, "windows": wins,
            "probs": clf.predict_proba(wins.reshape(len(wins), WINDOW_FRAMES, FRAME_FEATURES)),
            "times": np.asarray(seq.timestamps, np.float64)[ends],
            "new": np.diff(np.array([ends[0] - WINDOW_FRAMES, *ends])),
        }  # fmt: skip
    return out


def decide(c: dict, classes: list[str], stance: np.ndarray) -> tuple[list, Counter, float]:
    """A clip's offline sets, its live names, and the split-squat share of its whole evidence."""
    cfg = load_config()
    exercises, dc = tuple(cfg.exercises), cfg.live.decision
    sets = decision.decide_sets(c["probs"], c["times"], c["new"], classes, exercises, dc, stance)
    f = decision.ExerciseFilter(classes, exercises, dc)
    steps = zip(c["probs"], c["times"], c["new"], stance, strict=True)
    names = Counter(f.update(p, t, n, s) for p, t, n, s in steps)
    ll = decision.Evidence(classes, exercises, dc)(c["probs"], c["new"], stance)[:, :-1].sum(0)
    share = np.exp(ll - ll.max())
    return ([(s.exercise, s.last - s.first + 1) for s in sets], names,
            float(share[exercises.index("split_squat")] / share.sum()))  # fmt: skip


def real_decisions(probs: Path, limits: np.ndarray, least: int, llr: float) -> None:
    """``decision_eval.py``'s real-window decisions (fold probabilities ``probs``) with the
    stance and with the stance and the votes, per half."""
    import gymlib.decision_replay as de

    cfg = load_config()
    with np.load(probs, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    st = de.streams(cfg.resolve(cfg.paths.real_windows))
    gaps = de.stance_of(d, st)
    with_votes = np.column_stack([gaps, np.zeros(len(gaps))])
    for v in set(d["video"].tolist()):  # the votes of the very windows each fold classified
        rows = np.flatnonzero(d["video"] == v)
        idx = st["order"][np.isin(st["order"], np.flatnonzero(st["video"] == v))]
        frames = from_seed_windows(st["windows"][idx].reshape(-1, st["windows"].shape[-1]))
        wins = np.stack([frames[e - WINDOW_FRAMES + 1 : e + 1] for e in d["end"][rows]])
        with_votes[rows, 2] = votes(leg_differences(wins), limits)
    threshold = cfg.model.confidence_threshold
    said = de.answers(d, st, cfg.live.decision, threshold, gaps)
    with voting(least, llr):
        voted = de.answers(d, st, cfg.live.decision, threshold, with_votes)
    half = de.halves(d["group"])
    for h in "AB":
        de.report(d, st, {"live": said["live"], "offline": said["offline"],
                          "live, votes": voted["live"], "offline, votes": voted["offline"]},
                  half == h, f"real windows, half {h}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, default=CACHE, help="the clips' landmark files")
    ap.add_argument("--quantile", type=float, default=95.0,
                    help="of half A's real squat windows: a feature beyond it votes")  # fmt: skip
    ap.add_argument("--probs", type=Path, default=None,
                    help="decision_eval.py's fold probabilities: also its real-window decisions "
                    "with the votes")  # fmt: skip
    args = ap.parse_args(argv)
    diffs, limits, ex, half, video = real_windows(args.quantile)
    print(f"limits (the squat windows' of half A, p{args.quantile:g}): "
          + ", ".join(f"{f} {v:.2f}" for f, v in zip(FEATURES, limits, strict=True)))  # fmt: skip
    v = votes(diffs, limits)
    k_max = len(FEATURES)
    print(f"\nreal windows: share with at least k votes, k = 1..{k_max}")
    for name in PAIR:
        for h in "AB":
            m = (ex == name) & (half == h)
            shares = " ".join(f"{np.mean(v[m] >= k):.3f}" for k in range(1, k_max + 1))
            print(f"  {name:12s} half {h} ({m.sum():4d}): {shares}")
    sq_a = (ex == "squat") & (half == "A")
    least = next(k for k in range(1, k_max + 1) if np.mean(v[sq_a] >= k) <= 0.01)
    n_sq = np.bincount(v[sq_a] >= least, minlength=2)
    n_ss = np.bincount(v[(ex == "split_squat") & (half == "A")] >= least, minlength=2)
    # (add-one smoothed: half A's squat windows reach it a few times only)
    llr = float(np.log((n_ss[1] + 1) / (n_ss.sum() + 2) / ((n_sq[1] + 1) / (n_sq.sum() + 2))))
    print(
        f"chosen on half A: at least {least} votes (<= 1 % of its squat windows), "
        f"log-likelihood ratio {llr:.2f}"
    )
    for name in PAIR:
        m = ex == name
        share = {vid: np.mean(v[video == vid] >= least) for vid in set(video[m].tolist())}
        top = sorted(share.items(), key=lambda kv: (-kv[1], kv[0]))[:4]
        print(f"  {name} recordings most often at {least}+: "
              + ", ".join(f"{vid.split('/')[-1]} {s:.2f}" for vid, s in top))  # fmt: skip

    if args.probs is not None:
        real_decisions(args.probs, limits, least, llr)
    from gymlib.model import ExerciseClassifier

    clf = ExerciseClassifier.load()
    clips = clip_windows(args.cache, clf)
    halves = split_of(load_clips(shared_data("real_videos")))
    print(f"\nclips (median per feature; windows with >= {least} votes):")
    print(f"{'clip':42s} half " + " ".join(f"{f[:11]:>11s}" for f in FEATURES) + "  votes")
    for name, c in clips.items():
        d = leg_differences(c["windows"])
        c["votes"] = votes(d, limits)
        print(f"{name:42s} {halves[name]:4s} " + " ".join(f"{x:11.2f}" for x in np.median(d, 0))
              + f"  {np.mean(c['votes'] >= least):.2f}")  # fmt: skip
    print(
        "\ndecision without -> with the votes (offline sets; live names per window; "
        "split-squat share of the whole clip's evidence):"
    )
    classes = list(clf.classes)
    for name, c in clips.items():
        gaps = stance_gaps(c["windows"])
        before = decide(c, classes, gaps)
        with voting(least, llr):
            after = decide(c, classes, np.column_stack([gaps, c["votes"]]))
        print(f"{name:42s} {before[0]} -> {after[0]}; live {dict(before[1])} -> "
              f"{dict(after[1])}; share {before[2]:.3f} -> {after[2]:.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
