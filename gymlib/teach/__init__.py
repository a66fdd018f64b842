"""Teach the coach a new exercise from one recording.

    python -m gymlib.teach NAME CLIP [CLIP ...] [--store DIR] [--replace] [--dry-run]
    python -m gymlib.teach --list | --forget NAME [--store DIR]

or, step by step (notebook 06)::

    proposal = propose("bicep_curl", ["curls.mp4"])   # finds the counting signal, no writing
    preview(proposal)                                 # signal over time + skeleton top/bottom
    result = commit(proposal)                         # rules, windows, retrained classifier

``CLIP`` is a video (MediaPipe finds the person) or a landmark ``.npz`` (``PoseSequence.save``
or a generator clip from ``gymlib.analyze.save_clip_npz``). Everything goes into one store folder
(default ``paths.store``, ``data/taught``): see :mod:`gymlib.teach.store`. Then
``python -m gymlib.analyze CLIP --store DIR`` recognises and counts the taught exercise, and
``CoachSession(store=DIR)`` does live.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.teach.signal import (
    Clip,
    Found,
    NoMeasureFits,
    TeachError,
    find_signal,
)
from gymlib.teach.store import Store, projection_name
from gymlib.teach_config import TEACH_DEFAULTS, TeachConfig
from gymlib.timewindow import even_rate

__all__ = [
    "Clip",
    "Proposal",
    "Store",
    "TeachError",
    "commit",
    "forget",
    "load_clip",
    "preview",
    "propose",
]

# The tuning is config.yaml's ``teach`` (:class:`gymlib.teach_config.TeachConfig`), the
# store's config's when one is given. ``reach``: a rep of a taught exercise must go this far of
# the taught depth (0.15 for the six): the signal's bottom is the taught reps' median, so half of
# it still counts another body's or camera's shallower reps, while arms swinging as the person
# stands about (0.26-0.39 of a curl's hand height in the generator's idle parts) count no more.


def load_clip(path: str | Path, *, opts: TeachConfig = TEACH_DEFAULTS) -> Clip:
    """A video (run through MediaPipe), a landmark ``.npz`` or a session folder recorded by the
    live coach (notebook 04, :mod:`gymlib.recording`) as a :class:`Clip`; a person must be in
    at least ``opts.min_person`` of its frames. Teaching counts time in frames, so a clip whose
    frames come unevenly (a browser's recording, a phone's variable rate) is retimed by its
    timestamps first (:func:`gymlib.timewindow.even_rate`)."""
    p = Path(path)
    if p.is_dir():
        from gymlib.recording import landmarks_file, load_session

        if not landmarks_file(p).is_file():
            raise FileNotFoundError(f"{p}: a folder, but not a recorded session (no landmarks)")
        rec = load_session(p)
        return _checked_clip(_evened(rec.landmarks, rec.timestamps, rec.fps, rec.aspect, p), p,
                             opts)  # fmt: skip
    if not p.is_file():
        from gymlib.analyze_input import not_found

        raise not_found(p)
    if p.suffix.lower() == ".npz":
        from gymlib.analyze_input import load_landmark_file

        try:  # checked whole as analyze checks it: a cut, foreign or NaN file names itself
            lm, times, fps, size = load_landmark_file(p)
        except ValueError as exc:
            raise TeachError(str(exc)) from None
    else:
        from gymlib.extract import extract_video

        seq = extract_video(p)  # with its bar (`extraction.progress`): the long step
        lm, times, fps, size = seq.landmarks, seq.timestamps, seq.fps, seq.image_size
    return _checked_clip(_evened(lm, times, fps, size[0] / size[1], p), p, opts)


def _evened(lm: np.ndarray, times: np.ndarray, fps: float, aspect: float, p: Path) -> Clip:
    """The clip at an even rate by its timestamps (teaching counts time in frames)."""
    try:
        even, rate = even_rate(times, lm, fps)
    except ValueError as exc:
        raise TeachError(f"{p}: {exc}") from None
    return Clip(even, rate, aspect, str(p))


def _checked_clip(clip: Clip, p: Path, opts: TeachConfig) -> Clip:
    """``clip`` if a person is in enough of its frames, else a :class:`TeachError`."""
    lm = clip.landmarks
    person = float(np.mean(np.any(lm != 0, axis=(1, 2)))) if len(lm) else 0.0
    if person < opts.min_person:
        raise TeachError(
            f"{p}: a person was found in only {person:.0%} of the frames (at least "
            f"{opts.min_person:.0%} needed); film the whole body, well lit, from 2-4 m"
        )
    return clip


@dataclass
class Proposal:
    """What the coach found in the clips, before anything is written."""

    name: str
    clips: list[Clip]
    found: Found
    entry: dict[str, Any]
    store: Store
    replace: bool = False
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        b = self.found.best
        return {
            "exercise": self.name,
            "store": str(self.store.root),
            "signal": f"{b.measure} ({b.side})",
            "top": self.entry["signal"][0]["top"],
            "bottom": self.entry["signal"][0]["bottom"],
            "clean-cycle score": round(b.score, 2),
            "reps found": [len(r) for r in self.found.reps],
            "posture": self.entry.get("posture", []),
            "warnings": self.warnings,
            "runners-up": [
                f"{c.measure} ({c.side}) {c.score:.2f}" for c in self.found.candidates[1:4]
            ],
        }


def propose(
    name: str,
    clips: Sequence[str | Path | Clip],
    *,
    store: str | Path | Store | None = None,
    replace: bool = False,
) -> Proposal:
    """Find the counting signal, its top and bottom and the start posture in ``clips``; check
    the name. Nothing is written. The tuning: the store's config's ``teach``."""
    t0 = time.perf_counter()
    st = store if isinstance(store, Store) else Store(store)
    opts = st.cfg.teach
    st.check_name(name, replace=replace)
    if not clips:
        raise TeachError("give at least one clip with three reps or more")
    loaded = [c if isinstance(c, Clip) else load_clip(c, opts=opts) for c in clips]
    try:
        found = find_signal(loaded, opts=opts)
    except NoMeasureFits:
        from gymlib.teach.projection import find_learned

        learned = find_learned(loaded, opts=opts)
        if learned is None:
            raise
        found = learned
    entry: dict[str, Any] = {"signal": list(found.specs)}
    if found.projection is not None:  # the learned measure, under this exercise's name
        entry["signal"] = [{**spec, "measure": projection_name(name)} for spec in found.specs]
        entry["projection"] = found.projection
    if found.posture:
        entry["posture"] = found.posture
    # the counter's own abort_beyond (1.8 for the six) as generous as the signals': a camera
    # that shows more of the swing than the taught one read 2-3 of a hip hinge's taught depth
    entry["count"] = {"reach": opts.reach, "abort_beyond": opts.abort_beyond}
    entry["checks"] = []
    return Proposal(name, loaded, found, entry, st, replace, seconds=time.perf_counter() - t0)


def commit(
    proposal: Proposal, *, recipe: dict | None = None, cache: Path | None = None
) -> dict[str, Any]:
    """Write the exercise into the store and retrain the store's classifier with it."""
    with proposal.store.writing():  # another teach into this store first, then this one
        return _commit(proposal, recipe, cache)


def _commit(proposal: Proposal, recipe: dict | None, cache: Path | None) -> dict[str, Any]:
    from gymlib.teach.classifier import taught_windows, train_user_classifier

    t0 = time.perf_counter()
    p, st = proposal, proposal.store
    st.check_name(p.name, replace=p.replace)
    windows, groups = taught_windows(p.clips, p.found.reps, p.name, opts=st.cfg.teach)
    warnings = list(p.warnings) + _looks_like_shipped(windows)
    real = st.cfg.resolve(st.cfg.paths.real_windows)
    if not real.is_file():  # (the recipe then trains on generated windows alone)
        warnings.append(
            f"no real windows at {real} (paths.real_windows): the classifier was trained on "
            "generated windows alone and recognises real people less well; set "
            "paths.real_windows to where yours are and teach again"
        )
    taught = {n: st.windows(n) for n in st.exercises() if n != p.name}
    taught[p.name] = (windows, groups)
    st.check_writable(_room(st, windows))  # a read-only or full store: said now, not after
    # the classifier is trained before anything is written: a failure leaves the store as it was
    tmp = st.root / ".training" / "classifier.keras"
    book = st.rulebook({p.name: p.entry})
    clf, info = train_user_classifier(
        taught, tmp, cfg=st.cfg, recipe=recipe, cache=cache, book=book
    )
    record = {
        "clips": [c.source for c in p.clips],
        "signal": p.entry["signal"][0],
        "reps": [len(r) for r in p.found.reps],
        "windows": len(windows),
        "taught": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    st.write_exercise(p.name, p.entry, windows, groups, record)
    _move_model(tmp, st.classifier_path)
    info["dropped_other_groups"] = len(info["dropped_other_groups"])
    info.update(
        exercise=p.name,
        store=str(st.root),
        warnings=warnings,
        seconds=round(p.seconds + time.perf_counter() - t0, 1),
    )
    return info


def forget(
    name: str,
    *,
    store: str | Path | Store | None = None,
    recipe: dict | None = None,
    cache: Path | None = None,
) -> dict[str, Any]:
    """Remove a taught exercise and retrain the store's classifier without it (or delete the
    classifier when nothing taught is left)."""
    st = store if isinstance(store, Store) else Store(store)
    st.check_taught(name)  # before the store is touched (a misspelt one is not made)
    with st.writing():
        return _forget(name, st, recipe, cache)


def _forget(name: str, st: Store, recipe: dict | None, cache: Path | None) -> dict[str, Any]:
    from gymlib.teach.classifier import train_user_classifier

    st.check_writable(_room(st))  # before anything is forgotten or trained
    st.check_taught(name)
    left = tuple(n for n in st.exercises() if n != name)
    if not left:
        st.forget(name)
        st.drop_classifier()
        return {"forgot": name, "left": []}
    # the classifier without it first, its records after: a kill while training (minutes)
    # leaves the store as it was, where records forgotten first left a classifier that still
    # named the exercise, and nothing said so
    tmp = st.root / ".training" / "classifier.keras"
    _, info = train_user_classifier(
        {n: st.windows(n) for n in left},
        tmp,
        cfg=st.cfg,
        recipe=recipe,
        cache=cache,
        book=st.rulebook(),
    )
    _move_model(tmp, st.classifier_path)
    st.forget(name)
    info["dropped_other_groups"] = len(info["dropped_other_groups"])
    return {"forgot": name, "left": list(left), **info}


def _room(st: Store, windows: np.ndarray | None = None) -> int:
    """Bytes a teach or forget needs at its peak, about: the new windows as they are in memory
    (their compressed file is smaller) and the classifier's files three times (the new model is
    the same network as the one it replaces; while they switch, the trained model, its staged
    copy and the old one's staged copy are all on disk: :func:`gymlib.model.install`). A
    store's first model is not counted: it is found at the end, as before, if that fills it."""
    model = sum(f.stat().st_size for f in st.root.glob(f"{st.classifier_path.stem}.*")
                if f.is_file() and ".previous" not in f.name)  # fmt: skip
    return (0 if windows is None else windows.nbytes) + 3 * model


def _move_model(tmp: Path, dst: Path) -> None:
    """The freshly trained model into place: its files and manifest switch together
    (:func:`gymlib.model.install`), so a kill leaves the old model or the new one, whole and
    checked at load (file by file, a kill between two renames mixed two models' files, and the
    manifest stayed behind in ``.training``)."""
    import shutil

    from gymlib.model import install

    install(tmp, dst)
    shutil.rmtree(tmp.parent, ignore_errors=True)


def _looks_like_shipped(windows: np.ndarray) -> list[str]:
    """A warning when the shipped classifier takes most of the new windows for one of the six."""
    from gymlib.model import OTHER, ExerciseClassifier

    try:
        clf = ExerciseClassifier.load()
    except (FileNotFoundError, ValueError):
        return []
    pick = np.random.default_rng(0).choice(len(windows), min(300, len(windows)), replace=False)
    probs = clf.predict_proba(windows[pick])
    top = probs.argmax(1)
    sure = probs.max(1) >= 0.9
    for i, c in enumerate(clf.classes):
        share = float(np.mean(sure & (top == i)))
        if c != OTHER and share > 0.5:
            return [
                f"the shipped classifier takes {share:.0%} of these windows for {c!r}: "
                f"is this {c}? (taught anyway; the new class now competes with it)"
            ]
    return []


def preview(proposal: Proposal, path: str | Path | None = None) -> Any:
    """The signal over time with the reps it would count, and the skeleton at the top and at
    the bottom of a rep, for each clip; saved as a png at ``path`` when given."""
    import matplotlib.pyplot as plt

    from gymlib.landmarks import POSE_CONNECTIONS

    f = proposal.found
    spec = proposal.entry["signal"][0]
    n = len(proposal.clips)
    fig, axes = plt.subplots(
        n, 3, figsize=(12, 3 * n), squeeze=False, gridspec_kw={"width_ratios": [4, 1, 1]}
    )
    for row, (clip, values, reps) in enumerate(zip(proposal.clips, f.values, f.reps, strict=True)):
        ax = axes[row, 0]
        t = np.arange(len(values)) / clip.fps
        ax.plot(t, values, lw=1)
        for r in reps:
            ax.axvspan(r.start / clip.fps, r.end / clip.fps, color="g", alpha=0.15)
        for level, style in ((spec["top"], "--"), (spec["bottom"], ":")):
            ax.axhline(level, color="k", ls=style, lw=0.8)
        name = os.fsencode(Path(clip.source).name).decode(errors="replace")  # (drawable text)
        ax.set_title(f"{name}: {spec['measure']} ({spec['side']}), {len(reps)} reps (green)")
        ax.set_xlabel("s")
        r = reps[len(reps) // 2]
        for ax, frame, label in (
            (axes[row, 1], r.start, "top"),
            (axes[row, 2], r.bottom, "bottom"),
        ):
            lm = clip.landmarks[frame]
            xy = lm[:, :2] * [clip.aspect, 1.0]
            for a, b in POSE_CONNECTIONS:
                ax.plot(xy[[a, b], 0], xy[[a, b], 1], "b-", lw=1.5)
            ax.set_title(label)
            ax.set_aspect("equal")
            ax.invert_yaxis()
            ax.axis("off")
    fig.suptitle(f"{proposal.name}: what the coach would count")
    fig.tight_layout()
    if path is not None:
        from gymlib.io import atomic_path

        with atomic_path(Path(path)) as tmp:
            fig.savefig(tmp, format="png", dpi=80)
    return fig
