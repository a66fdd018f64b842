"""The user classifier: the shipped recipe retrained with the taught exercises' windows.

The shipped recipe (notebook 03: the real windows' train and validation parts, the generated
windows from every camera angle and the "other" class) is built once and cached under
``paths.data_interim`` (about a minute); retraining the tree ensemble on it with the new windows
takes seconds. A taught clip is one body from one camera, so its windows are multiplied the way
the recipe's generated data varies: other tempos (resampled 0.7x-1.45x), other camera angles
(:func:`gymlib.features.rotate_view`, yaw up to 100 degrees either way, tilt, roll) and mirror
images. The recipe's "other" examples that look like the taught movement (the generator's
lunges, say, when lunges are taught) are left out instead of teaching the model both answers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.angles import Z_SCALE
from gymlib.config import Config, load_config
from gymlib.datasets import cut_windows, resample
from gymlib.features import mirrored, rotate_view, transform
from gymlib.landmarks import PoseLandmark as L
from gymlib.landmarks import from_seed_windows, to_seed_windows
from gymlib.model import OTHER
from gymlib.teach.signal import Clip, Cycle
from gymlib.training import (
    LabelledWindows,
    concat,
    extra_windows,
    group_split,
    load_real_windows,
    train_classifier,
    with_classes,
)

#: notebook 03's shipped parameters (models/exercise_classifier.json "data")
RECIPE = {"view_clips": 1200, "other_clips": 360, "depth": "mediapipe", "seed": 42}
TEMPOS: tuple[float, ...] = (0.7, 0.85, 1.0, 1.2, 1.45)
VIEWS_PER_WINDOW = 8
STRIDE = 5
LIFT = True


def _recipe_key(cfg: Config, real: Path | None, recipe: dict) -> str:
    stamp = f"{real}:{real.stat().st_mtime_ns if real else 0}:{sorted(recipe.items())}"
    return hashlib.sha256(stamp.encode()).hexdigest()[:12]


def recipe_windows(
    cfg: Config | None = None, *, recipe: dict | None = None, cache: Path | None = None
) -> tuple[LabelledWindows, LabelledWindows]:
    """The shipped recipe's (train, validation) windows, six exercises + ``other``, cached.

    Without the real windows (not redistributable) the generated ones stand alone.
    """
    cfg = cfg or load_config()
    recipe = {**RECIPE, **(recipe or {})}
    real_path = cfg.resolve(cfg.paths.real_windows)
    real_path = real_path if real_path.is_file() else None
    folder = cache or cfg.resolve(cfg.paths.data_interim)
    path = folder / f"teach_recipe_{_recipe_key(cfg, real_path, recipe)}.npz"
    classes = (*cfg.exercises, OTHER)
    if path.is_file():
        with np.load(path, allow_pickle=False) as d:
            parts = [
                LabelledWindows(
                    d[f"{s}_windows"],
                    d[f"{s}_labels"],
                    classes,
                    d[f"{s}_source"].astype(str),
                    d[f"{s}_group"].astype(str),
                )
                for s in ("train", "val")
            ]
        return parts[0], parts[1]
    seed = recipe["seed"]
    train = val = None
    if real_path is not None:
        data = load_real_windows(real_path)
        rest, _test = group_split(data.group, cfg.split.test, seed=seed)
        tr, va = group_split(
            data.group[rest], cfg.split.validation / (1 - cfg.split.test), seed=seed + 1
        )
        train, val = (with_classes(data.subset(rest[i]), classes) for i in (tr, va))
    extra = extra_windows(
        view_clips=recipe["view_clips"],
        other_clips=recipe["other_clips"],
        rendered=None,
        seed=seed,
        classes=classes,
        depth=recipe["depth"],
        progress=False,
    )
    e_tr, e_va = group_split(extra.group, 0.15, seed=seed + 2)
    train = concat(*(p for p in (train, extra.subset(e_tr)) if p is not None))
    val = concat(*(p for p in (val, extra.subset(e_va)) if p is not None))
    from gymlib.io import save_npz_atomic

    save_npz_atomic(
        path,
        **{
            f"{s}_{k}": getattr(d, k) if k != "windows" else d.windows
            for s, d in (("train", train), ("val", val))
            for k in ("windows", "labels", "source", "group")
        },
    )
    return train, val


def _with_kind(group: str) -> str:
    """``other/<seed>/<i>`` of :func:`gymlib.training.other_windows` with the movement its
    clip ``i`` shows appended (``:lunge``; ``:idle`` for a session's idle parts), as that
    function deals them out: every third clip idle parts, the others every kind in turn."""
    from gymlib.synth import OTHER_KINDS

    parts = group.split("/")
    if parts[0] != "other" or len(parts) != 3 or not parts[2].isdigit():
        return group
    i = int(parts[2])
    kind = "idle" if i % 3 == 2 else OTHER_KINDS[(i - (i + 1) // 3) % len(OTHER_KINDS)]
    return f"{group}:{kind}"


#: bones from the hips outwards: (parent, child); the parent's depth is known first
_BONES: tuple[tuple[L, L], ...] = tuple(
    (L[f"{s}_{a}"], L[f"{s}_{b}"])
    for s in ("LEFT", "RIGHT")
    for a, b in (
        ("HIP", "KNEE"),
        ("KNEE", "ANKLE"),
        ("HIP", "SHOULDER"),
        ("SHOULDER", "ELBOW"),
        ("ELBOW", "WRIST"),
    )
)


def lifted_depth(landmarks: np.ndarray, aspect: float) -> np.ndarray:
    """The clip ``(T, 33, 4)`` with the main joints' z rebuilt from bone lengths: each bone's
    true length is a high percentile of its length in the picture over the clip (every bone of
    a moving body lies across the view at some point), its depth the rest of that length, its
    sign MediaPipe's. MediaPipe's own z is a guess from the 2-D pose; turned to another camera
    angle (:func:`gymlib.features.rotate_view`) it bends knees and elbows that did not bend.
    Other points keep MediaPipe's depth relative to their nearest main joint."""
    lm = np.array(landmarks, np.float32)
    present = np.any(lm != 0, axis=(1, 2))
    if present.sum() < 10:
        return lm
    xy = lm[..., :2].astype(np.float64) * [1.0, 1.0 / aspect]  # image widths
    z_mp = lm[..., 2].astype(np.float64) / Z_SCALE
    z = z_mp.copy()
    hip_mid = (z_mp[:, L.LEFT_HIP] + z_mp[:, L.RIGHT_HIP]) / 2
    for hip in (L.LEFT_HIP, L.RIGHT_HIP):
        z[:, hip] = hip_mid + (z_mp[:, hip] - hip_mid)
    for a, b in _BONES:
        d2 = np.linalg.norm(xy[:, b] - xy[:, a], axis=-1)
        length = np.percentile(d2[present], 95)
        dz = np.sqrt(np.maximum(length**2 - d2**2, 0.0))
        sign = np.sign(z_mp[:, b] - z_mp[:, a])
        z[:, b] = z[:, a] + sign * dz
    main = {int(j) for bone in _BONES for j in bone}
    for j in range(33):  # the rest ride with the main joint they hang from
        if j in main:
            continue
        anchor = _ANCHOR.get(j, L.LEFT_SHOULDER)
        z[:, j] = z[:, anchor] + (z_mp[:, j] - z_mp[:, anchor])
    lm[..., 2] = np.where(present[:, None], z * Z_SCALE, 0.0)
    return lm


def _anchors() -> dict[int, L]:
    out: dict[int, L] = {}
    for j in L:
        name = j.name
        side = "LEFT" if name.startswith("LEFT") else "RIGHT" if name.startswith("RIGHT") else ""
        if any(k in name for k in ("HEEL", "FOOT")):
            out[int(j)] = L[f"{side}_ANKLE"]
        elif any(k in name for k in ("PINKY", "INDEX", "THUMB")):
            out[int(j)] = L[f"{side}_WRIST"]
        else:  # the head
            out[int(j)] = L.LEFT_SHOULDER if side != "RIGHT" else L.RIGHT_SHOULDER
    return out


_ANCHOR = _anchors()


def _guessed_depth(windows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Windows ``(N, 30, 132)`` with z as MediaPipe would guess it from the turned 2-D pose
    (:mod:`gymlib.depth`, fitted on real windows): what a camera at that angle would give."""
    from gymlib.depth import load_depth_model

    lm = from_seed_windows(windows).copy()
    n = len(lm)
    flat = lm.reshape(n * 30, 33, 4)
    z = load_depth_model().predict(flat, rng=rng).reshape(n, 30, 33)
    lm[..., 2] = np.where(np.any(lm != 0, axis=-1), z, 0.0)
    return to_seed_windows(lm.astype(np.float32))


def taught_windows(
    clips: Sequence[Clip], reps: Sequence[Sequence[Cycle]], name: str, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Windows ``(N, 30, 132)`` of the taught movement (first rep to last, at 30 fps), at
    other tempos, camera angles and mirrored, with a group per clip and tempo."""
    rng = np.random.default_rng(seed)
    out, groups = [], []
    for i, (clip, rr) in enumerate(zip(clips, reps, strict=True)):
        lm = np.asarray(clip.landmarks[rr[0].start : rr[-1].end + 1], np.float32)
        deep = lifted_depth(lm, clip.aspect) if LIFT else lm
        t = np.arange(len(lm)) / clip.fps
        for tempo in TEMPOS:
            seg = resample(lm, t / tempo, 30.0)  # tempo < 1: faster reps
            seg_deep = resample(deep, t / tempo, 30.0)
            w = cut_windows(seg, stride=STRIDE)
            w_deep = cut_windows(seg_deep, stride=STRIDE)
            if not len(w):
                continue
            views = [w]
            for _ in range(VIEWS_PER_WINDOW):
                n = len(w)
                v = rotate_view(
                    w_deep,
                    rng.uniform(-100, 100, n),
                    rng.uniform(-15, 25, n),
                    rng.uniform(-8, 8, n),
                    aspect=clip.aspect,
                )
                v = _guessed_depth(v, rng)
                flip = rng.random(n) < 0.5
                v[flip] = mirrored(v[flip])
                views.append(v)
            block = np.concatenate(views)
            out.append(block)
            groups += [f"taught/{name}/{i}/{tempo}"] * len(block)
    if not out:
        raise ValueError(f"{name}: the reps are too short for one 30-frame window")
    return np.concatenate(out), np.array(groups)


def lookalike_groups(
    other: LabelledWindows, taught: np.ndarray, reference: np.ndarray, *, seed: int = 0
) -> set[str]:
    """Groups of ``other`` windows most of whose windows lie nearer the ``taught`` windows than
    any ``reference`` window (of other groups): the same movement, not "other"."""
    rng = np.random.default_rng(seed)

    def rows(w: np.ndarray, n: int) -> np.ndarray:
        pick = rng.choice(len(w), min(n, len(w)), replace=False)
        return transform(w[pick], "window_stats")

    t, r = rows(taught, 1500), transform(reference, "window_stats")
    o = transform(other.windows, "window_stats")
    mu, sd = r.mean(0), r.std(0) + 1e-6
    t, r, o = (t - mu) / sd, (r - mu) / sd, (o - mu) / sd

    def nearest(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = (a**2).sum(1)[:, None] - 2 * a @ b.T + (b**2).sum(1)[None]
        return d.min(1)

    near_taught = nearest(o, t) < nearest(o, r)
    out = set()
    for g in np.unique(other.group):
        m = other.group == g
        if near_taught[m].mean() > 0.5:
            out.add(str(g))
    return out


def _whole_kinds(drop: set[str], *parts: LabelledWindows) -> set[str]:
    """Every group of a generated "other" movement of which at least a quarter of the clips
    look like the taught one: the recipe's lunges are lunges from every side, also from the
    sides the taught clip does not show."""
    groups = {str(g) for p in parts for g in np.unique(p.group) if ":" in str(g)}
    out: set[str] = set()
    for kind in {g.rsplit(":", 1)[1] for g in groups} - {"idle"}:
        mine = {g for g in groups if g.endswith(":" + kind)}
        if len(mine & drop) >= 0.25 * len(mine):
            out |= mine
    return out


def train_user_classifier(
    taught: dict[str, tuple[np.ndarray, np.ndarray]],
    path: Path | None,
    *,
    cfg: Config | None = None,
    recipe: dict | None = None,
    cache: Path | None = None,
    base: tuple[LabelledWindows, LabelledWindows] | None = None,
) -> tuple[Any, dict]:
    """Retrain the shipped recipe with every taught exercise (name -> (windows, groups)) and
    save the model at ``path`` (never the shipped model). Returns it and a summary."""
    cfg = cfg or load_config()
    shipped = cfg.resolve(cfg.model.path).resolve()
    if path is not None and Path(path).resolve() == shipped:
        raise ValueError(f"{path}: a user classifier is never saved over the shipped model")
    t0 = time.perf_counter()
    train, val = base if base is not None else recipe_windows(cfg, recipe=recipe, cache=cache)
    base_s = time.perf_counter() - t0
    names = tuple(taught)
    classes = (*train.classes, *names)
    train, val = with_classes(train, classes), with_classes(val, classes)
    for part in (train, val):
        part.group = np.array([_with_kind(str(g)) for g in part.group])
    other = classes.index(OTHER)
    drop: set[str] = set()
    for part in (train, val) if taught else ():
        all_taught = np.concatenate([w for w, _ in taught.values()])
        is_other = part.labels == other
        rng = np.random.default_rng(1)
        pool = np.flatnonzero(~is_other)
        ref = part.windows[rng.choice(pool, min(3000, len(pool)), replace=False)]
        drop |= lookalike_groups(part.subset(np.flatnonzero(is_other)), all_taught, ref)
    drop |= _whole_kinds(drop, train, val)
    keep = [np.flatnonzero(~np.isin(p.group, list(drop))) for p in (train, val)]
    train, val = train.subset(keep[0]), val.subset(keep[1])
    for i, (name, (w, g)) in enumerate(taught.items()):
        tr, va = group_split(g, 0.2, seed=i)
        label = classes.index(name)
        for part, idx in ((0, tr), (1, va)):
            add = LabelledWindows(
                w[idx], np.full(len(idx), label), classes, np.full(len(idx), "taught"), g[idx]
            )
            if part == 0:
                train = concat(train, add)
            else:
                val = concat(val, add)
    mcfg = dataclasses.replace(cfg.model, arch="trees", features="window_stats")
    clf, hist = train_classifier(
        train.windows,
        train.labels,
        val.windows,
        val.labels,
        config=dataclasses.replace(cfg, model=mcfg),
        classes=classes,
        progress=False,
    )
    info = {
        "taught": list(names),
        "train": len(train),
        "validation": len(val),
        "dropped_other_groups": sorted(drop),
        "recipe_s": round(base_s, 1),
        "training_s": round(hist.seconds, 1),
    }
    if path is None:  # a benchmark's fold: not saved
        return clf, info
    clf.save(
        path,
        overwrite=True,
        data={"recipe": {**RECIPE, **(recipe or {})}, **info},
        training={
            "arch": "trees",
            "features": "window_stats",
            "trees": mcfg.trees,
            "tree_depth": mcfg.tree_depth,
            "seconds": hist.seconds,
        },
    )
    info["total_s"] = round(time.perf_counter() - t0, 1)
    return clf, info
