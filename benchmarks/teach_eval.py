"""Teaching the coach a new exercise, measured (issue 42).

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/teach_eval.py [--kinds lunge,jumping_jack,...]
        [--test-clips 50] [--cv-folds 3] [--store runs/benchmarks/teach_store] [--dropped 0.4]

For each movement that is none of the six (:data:`gymlib.synth.moves.NEW_MOVEMENTS`: the
generator's lunges, jumping jacks and arm circles as reps, bicep curls, overhead presses, torso
twists, shrugs, lateral raises, good mornings, front raises and standing knee raises): teach
it from ONE generated clip of ~20 s (one body, one camera angle, no idle part) through
``gymlib.teach`` (signal search, rules file, classifier retrained into a store), then run
the live coach (``CoachSession(store=...)``, the classifier deciding) on fresh clips of that
movement: other bodies, every camera angle, other tempos, walking in, standing and resting
around the reps. Figures: reps within one of the truth, reps counted in the idle parts, the new
class's F1 on windows of the new movement against windows of the six and of "other", the time
from clip to a working coach. Then the six's cross-validated macro-F1 (group k-fold on the real
windows, each fold's training with and without the taught windows) to see what teaching costs
them. Generated clips use MediaPipe-like depth (as the shipped recipe's). ``--dropped``
leaves out that share of the teaching clip's frames at random, keeping their times (a slow
machine recording the clip in the live coach).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent

import numpy as np  # noqa: E402

from gymlib.analyze import save_clip_npz  # noqa: E402
from gymlib.benchtools import REAL_POSE_CACHE  # noqa: E402
from gymlib.io import write_json_atomic  # noqa: E402
from gymlib.synth.moves import NEW_MOVEMENTS, generate_movement  # noqa: E402
from gymlib.synth.truth import SyntheticClip  # noqa: E402

KINDS = NEW_MOVEMENTS


def movement_clip(kind: str, n_reps: int, *, seed: int, **kw: object) -> SyntheticClip:
    """A generated session of a movement none of the six (:mod:`gymlib.synth.moves`)."""
    return generate_movement(kind, n_reps, seed=seed, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
def idle_reps(clip: SyntheticClip, reps: list) -> int:
    """Counted reps whose middle lies in an idle part."""
    idle = clip.idle_mask()
    return sum(bool(idle[min((r.start + r.end) // 2, len(idle) - 1)]) for r in reps)


def teaching_file(teach: SyntheticClip, path: Path, dropped: float) -> Path:
    """The teaching clip as a landmark file; ``dropped`` of its frames left out at random (a
    slow machine's recording: the file keeps the frames' times)."""
    if not dropped:
        return save_clip_npz(teach, path)
    from gymlib.io import save_npz_atomic

    n = len(teach.landmarks)
    keep = np.sort(np.random.default_rng(0).choice(n, round(n * (1 - dropped)), replace=False))
    return save_npz_atomic(
        path, landmarks=teach.landmarks[keep], timestamps=keep / teach.fps,
        fps=np.float64(teach.fps), image_size=np.array(teach.image_size),
    )  # fmt: skip


def run_coach(clip: SyntheticClip, store: Path, exercise: str = "auto") -> list:
    from gymlib.session import CoachSession

    session = CoachSession(fps=clip.fps, aspect=clip.aspect, store=store, exercise=exercise)
    for i, frame in enumerate(clip.landmarks):
        session.update(frame if frame.any() else None, i / clip.fps)
    return list(session.reps)


def still_windows(clip: SyntheticClip, start: int, end: int, share: float = 0.5) -> np.ndarray:
    """Of ``cut_windows(clip.landmarks[start:end])``'s windows, those with at least ``share`` of
    their frames in a pause: the true body (the generator's world joints, ``keep_world``) moving
    at under 5 % of its fastest in the clip (the held top between reps, the held bottom)."""
    from gymlib.landmarks import PoseLandmark as L

    limbs = ("ELBOW", "WRIST", "KNEE", "ANKLE")
    joints = [L[f"{s}_{j}"] for s in ("LEFT", "RIGHT") for j in limbs]
    joints += [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
    world = clip.world[start:end, joints]
    speed = np.r_[0.0, np.linalg.norm(np.diff(world, axis=0), axis=2).max(1)]
    still = speed < 0.05 * speed.max()
    n, out = len(still), []
    for s in range(0, n - 29, 30):
        out.append(still[s : s + 30].mean() >= share)
    used = len(out) * 30
    if 20 <= n - used < 30:  # the stretched tail, as cut_windows
        out.append(still[used:].mean() >= share)
    return np.array(out, bool)


def f1_new_class(store: Path, name: str, kind: str, n: int, seed: int) -> dict:
    """F1 of the new class on 30-frame windows: its own fresh clips' rep windows against
    windows of the six (generated, every view) and of "other" (the generator's).

    ``f1``: every window from the first rep's start to the last one's end is the movement's
    (the figure of the earlier rounds). ``f1_moving``: the windows that lie mostly in a pause
    (the person holding still between reps or at the turn, :func:`still_windows`) are left out
    of the count, neither the movement's nor another's: a second of standing still is no
    window of the movement, and the coach counts reps, which it does not need such a window
    for; taking it for ``other`` is as right as taking it for the movement."""
    from gymlib.datasets import cut_windows
    from gymlib.evaluation import not_exercise_windows, view_test_windows
    from gymlib.teach import Store

    clf = Store(store).classifier()
    clips = [
        movement_clip(kind, 6, seed=seed + 900 + i, idle=False, keep_world=True) for i in range(n)
    ]
    spans = [(c.reps[0].start, c.reps[-1].end + 1) for c in clips]
    own = np.concatenate(
        [cut_windows(c.landmarks[a:b]) for c, (a, b) in zip(clips, spans, strict=True)]
    )
    still = np.concatenate(
        [still_windows(c, a, b) for c, (a, b) in zip(clips, spans, strict=True)]
    )
    six = view_test_windows(1, seed=seed + 77, depth="mediapipe")[0]
    other, other_kind = not_exercise_windows(2, seed=seed + 78, depth="mediapipe")
    other = other[other_kind != kind]  # the generator's own lunges are lunges, not "other"
    x = np.concatenate([own, six, other])
    truth = np.r_[np.ones(len(own), bool), np.zeros(len(six) + len(other), bool)]
    probs = clf.predict_proba(x)
    k = clf.classes.index(name)
    said = (probs.argmax(1) == k) & (probs.max(1) >= 0.9)

    def f1(keep: np.ndarray) -> float:
        s, t = said[keep], truth[keep]
        tp, fp, fn = (s & t).sum(), (s & ~t).sum(), (~s & t).sum()
        return float(2 * tp / max(2 * tp + fp + fn, 1))

    moving = np.r_[~still, np.ones(len(six) + len(other), bool)]
    return {
        "f1": f1(np.ones(len(x), bool)),
        "f1_moving": f1(moving),
        "windows_new": int(len(own)),
        "windows_still": int(still.sum()),
        "still_recognised": int((said[: len(own)] & still).sum()),
        "windows_six_other": int(len(six) + len(other)),
        "false_new_in_six_other": int((said & ~truth).sum()),
    }


def six_cv(stores: list[Path], folds: int) -> dict:
    """The six's macro-F1 over a group k-fold of the real windows, each fold trained on the
    shipped recipe (its real part + the generated windows) with and without the taught
    windows of ``stores``. A window of the six taken for a taught exercise counts as wrong."""
    from gymlib.evaluation import confusion_matrix, f1_per_class
    from gymlib.teach import Store
    from gymlib.teach.classifier import recipe_windows, train_user_classifier
    from gymlib.windows import concat, group_kfold, group_split, load_real_windows, with_classes

    train, val = recipe_windows()
    gen = [
        p.subset(np.flatnonzero(np.char.startswith(p.source.astype(str), "synthetic")))
        for p in (train, val)
    ]
    real = with_classes(load_real_windows(), train.classes)
    taught = {n: Store(st).windows(n) for st in stores for n in Store(st).exercises()}
    rules = {
        n: e for st in stores for n, e in Store(st).user_rules().items() if n != "projections"
    }
    book = Store(stores[0]).rulebook(rules) if stores else None
    out = {}
    for cond, tw in (("shipped_recipe", {}), ("with_taught", taught)):
        pred = np.zeros(len(real), int)
        for k, (tr, te) in enumerate(group_kfold(real.group, folds, seed=42)):
            a, b = group_split(real.group[tr], 0.15, seed=k)
            base = (concat(real.subset(tr[a]), gen[0]), concat(real.subset(tr[b]), gen[1]))
            clf, _ = train_user_classifier(tw, None, base=base, book=book)
            pred[te] = clf.predict_proba(real.windows[te]).argmax(1)
        n = int(pred.max()) + 1 if len(pred) else 0
        cm = confusion_matrix(real.labels, pred, max(n, len(train.classes)))
        out[cond] = float(f1_per_class(cm)[:6].mean())
        print(f"six's {folds}-fold macro-F1, {cond} ({sorted(tw)}): {out[cond]:.4f}", flush=True)
    out["taught"] = sorted(taught)
    out["drop"] = out["shipped_recipe"] - out["with_taught"]
    return out


def real_footage(pose_dir: Path, videos: Path) -> dict:
    """On the real clips (hand-counted): the signal search on each clip (reps found vs the hand
    count), then each clip's found rules counting every OTHER clip of the same exercise (the
    exercise fixed, the classifier left out) - teaching from one person, counting another.
    Landmarks: ``pose_dir/<clip>.npz`` (PoseSequence) if there, else MediaPipe on the video."""
    from gymlib.extract import PoseSequence, extract_video
    from gymlib.reps import count_reps
    from gymlib.teach import Store, TeachError
    from gymlib.teach.signal import Clip, find_signal

    clips: dict[str, tuple[Clip, dict]] = {}
    for meta_path in sorted(videos.glob("*.json")):
        meta = json.loads(meta_path.read_text())
        cached = pose_dir / f"{meta_path.stem}.npz"
        seq = (
            PoseSequence.load(cached)
            if cached.is_file()
            else extract_video(meta_path.with_suffix(".mp4"), progress=False)
        )
        w, h = seq.image_size
        clips[meta_path.stem] = (Clip(seq.landmarks, seq.fps, w / h, meta_path.stem), meta)
    store = Store(ROOT / "runs/benchmarks/teach_real_store")
    opts = store.cfg.teach  # config.yaml's teach
    rows, transfer = [], []
    for name, (clip, meta) in clips.items():
        try:
            found = find_signal([clip], opts=opts)
        except TeachError as exc:
            rows.append({"clip": name, "hand": meta["reps"], "found": None, "why": str(exc)[:60]})
            continue
        rows.append(
            {
                "clip": name,
                "hand": meta["reps"],
                "found": len(found.reps[0]),
                "signal": f"{found.best.measure} ({found.best.side})",
            }
        )
        count = {"reach": opts.reach, "abort_beyond": opts.abort_beyond}
        entry = {"signal": found.specs, "count": count}
        entry.update({"posture": found.posture} if found.posture else {})
        book = store.rulebook({"taught": entry})
        for other, (oclip, ometa) in clips.items():
            if other == name or ometa["exercise"] != meta["exercise"]:
                continue
            reps = count_reps(
                oclip.landmarks, "taught", oclip.fps, aspect=oclip.aspect, rules=book
            )
            transfer.append(
                {"taught_from": name, "counted": other, "hand": ometa["reps"], "reps": len(reps)}
            )
    found_ok = [r for r in rows if r["found"] is not None]
    summary = {
        "clips": len(rows),
        "signal_found": len(found_ok),
        "found_within_one": sum(abs(r["found"] - r["hand"]) <= 1 for r in found_ok),
        "transfer_pairs": len(transfer),
        "transfer_within_one": sum(abs(t["reps"] - t["hand"]) <= 1 for t in transfer),
    }
    print(json.dumps(summary), flush=True)
    for r in rows:
        print(json.dumps(r))
    return {"summary": summary, "clips": rows, "transfer": transfer}


def main() -> None:
    from gymlib.teach import commit, propose

    ap = argparse.ArgumentParser()
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--test-clips", type=int, default=50)
    ap.add_argument("--f1-clips", type=int, default=10)
    ap.add_argument(
        "--fixed-clips",
        type=int,
        default=20,
        help="of the test clips, how many also run with the exercise fixed by the user",
    )
    ap.add_argument("--teach-views", default="left45", help="one ~20 s teaching clip per view")
    ap.add_argument("--store", type=Path, default=ROOT / "runs/benchmarks/teach_store")
    ap.add_argument("--out", type=Path, default=ROOT / "runs/benchmarks/teach_eval.json")
    ap.add_argument(
        "--cv-folds",
        type=int,
        default=0,
        help="also the six's k-fold macro-F1 with every taught kind (0: skip)",
    )
    ap.add_argument("--cv-only", action="store_true", help="only the k-fold, on taught stores")
    ap.add_argument(
        "--real",
        type=Path,
        default=None,
        help="only the real-footage part: the real videos' folder (hand counts)",
    )
    ap.add_argument("--pose-cache", type=Path, default=REAL_POSE_CACHE)
    ap.add_argument(
        "--dropped", type=float, default=0.0,
        help="share of the teaching clip's frames left out (a slow recording)",
    )  # fmt: skip
    args = ap.parse_args()
    if not 0.0 <= args.dropped < 1.0:
        raise SystemExit(f"--dropped {args.dropped}: a share of the frames, 0 to below 1")
    kinds = [k for k in args.kinds.split(",") if k]
    if args.real is not None:
        if not args.real.is_dir():
            raise SystemExit(f"{args.real}: no such folder (../shared/data/real_videos)")
        res = real_footage(args.pose_cache, args.real)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(args.out.with_name("teach_real.json"), res)
        return
    if args.cv_only:
        res = six_cv([args.store / k for k in kinds], args.cv_folds or 3)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomic(args.out.with_name("teach_cv.json"), res)
        return
    results = {}
    for kind in kinds:
        store = args.store / kind
        if store.exists():
            import shutil

            shutil.rmtree(store)
        paths = []
        for view in args.teach_views.split(","):
            teach = movement_clip(kind, 12, seed=1, view=view, idle=False, tempo=(1.3, 1.8))
            path = store.parent / f"{kind}_teach_{view}.npz"
            paths.append(teaching_file(teach, path, args.dropped))
        t0 = time.perf_counter()
        prop = propose(kind, paths, store=store)
        info = commit(prop)
        taught_s = time.perf_counter() - t0
        within = idle_total = within_fixed = idle_fixed = 0
        errors = []
        for i in range(args.test_clips):
            clip = movement_clip(
                kind, int(np.random.default_rng(i).integers(4, 11)), seed=1000 + i
            )
            reps = [r for r in run_coach(clip, store) if r.exercise == kind]
            within += abs(len(reps) - len(clip.reps)) <= 1
            idle_total += idle_reps(clip, reps)
            errors.append(len(reps) - len(clip.reps))
            if i < args.fixed_clips:  # the exercise chosen by the user (--exercise NAME)
                fixed = run_coach(clip, store, kind)
                within_fixed += abs(len(fixed) - len(clip.reps)) <= 1
                idle_fixed += idle_reps(clip, fixed)
        f1 = f1_new_class(store, kind, kind, args.f1_clips, seed=5000)
        results[kind] = {
            "signal": prop.summary()["signal"],
            "teach_reps": len(teach.reps),
            "teach_dropped": args.dropped,
            "found_reps": prop.summary()["reps found"],
            "within_one": within / args.test_clips,
            "idle_reps_per_20": idle_total * 20 / args.test_clips,
            "mean_error": float(np.mean(errors)),
            "fixed_within_one": within_fixed / max(min(args.fixed_clips, args.test_clips), 1),
            "fixed_idle_reps_per_20": idle_fixed
            * 20
            / max(min(args.fixed_clips, args.test_clips), 1),
            "errors": errors,
            "clip_to_coach_s": round(taught_s, 1),
            "recipe_s": info["recipe_s"],
            "training_s": info["training_s"],
            "dropped_other_groups": info["dropped_other_groups"],
            "same_as_other_kind": info["same_as_other_kind"],
            "other_kind_shares": info["other_kind_shares"],
            "warnings": info["warnings"],
            **f1,
        }
        print(
            json.dumps({kind: {k: v for k, v in results[kind].items() if k != "errors"}}),
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(args.out, results)
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
