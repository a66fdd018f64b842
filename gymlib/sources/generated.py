"""Windows that need no download: generated clips (the six exercises, every view, other
movement) and rendered clips as MediaPipe sees them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from gymlib.config import SEED_EXERCISES
from gymlib.datasets import cut_windows
from gymlib.extract import PoseSequence, extract_video
from gymlib.model import OTHER
from gymlib.render import load_truth
from gymlib.synth import (
    EXERCISES,
    OTHER_KINDS,
    VIEWS,
    Depth,
    generate_clip,
    generate_dataset,
    generate_other,
)
from gymlib.windows import LabelledWindows, from_parts


def synthetic_windows(
    n_clips: int, *, seed: int, classes: Sequence[str] | None = None, depth: Depth = "true"
) -> LabelledWindows:
    """Labelled windows cut from the generator's sets (from the first rep to the last).

    ``source`` is ``"synthetic"`` and ``group`` names the clip, so group splits keep a clip whole.
    ``depth`` is the generator's z (:data:`gymlib.synth.DEPTHS`), as for the two below.
    """

    classes = tuple(classes or SEED_EXERCISES)
    parts = [
        (cut_windows(clip.landmarks[clip.reps[0].start : clip.reps[-1].end + 1]),
         classes.index(clip.exercise), f"synthetic/{seed}/{i}")
        for i, clip in enumerate(generate_dataset(n_clips, seed=seed, size="small", depth=depth))
        if clip.reps and clip.exercise in classes
    ]  # fmt: skip
    return from_parts(parts, classes, "synthetic")


def view_windows(
    n_clips: int,
    *,
    seed: int,
    classes: Sequence[str] | None = None,
    depth: Depth = "true",
    progress: bool = False,
) -> LabelledWindows:
    """Rep windows of generated clips in every view (front, back, sides, 45 degrees), with the
    camera at any height (a fifth high, a fifth low), any picture shape, mirrored or not."""

    classes = tuple(classes or SEED_EXERCISES)
    rng = np.random.default_rng([seed, 31])
    views = tuple(VIEWS)
    parts = []
    for i in tqdm(range(n_clips), desc="generated clips, every view", disable=not progress):
        ex = EXERCISES[i % len(EXERCISES)]
        if ex not in classes:
            continue
        r = rng.random()
        height = rng.uniform(1.1, 1.6) if r < 0.2 else rng.uniform(0.0, 0.2) if r < 0.4 else None
        clip = generate_clip(ex, int(rng.integers(2, 7)), seed=int(rng.integers(0, 2**31)),
                             view=views[(i // len(EXERCISES)) % len(views)], idle=False,
                             error_rate=0.25, camera_height=height, depth=depth)  # fmt: skip
        w = cut_windows(clip.landmarks[clip.reps[0].start : clip.reps[-1].end + 1])
        parts.append((w, classes.index(ex), f"views/{seed}/{i}"))
    return from_parts(parts, classes, "synthetic_views")


def other_windows(
    n_clips: int,
    *,
    seed: int,
    classes: Sequence[str],
    depth: Depth = "true",
    progress: bool = False,
) -> LabelledWindows:
    """Windows of what is none of the exercises, labelled :data:`gymlib.model.OTHER` (which
    ``classes`` must hold): the generator's other movements (standing, walking, fidgeting,
    lunges, jumping jacks, arm circles) and the idle parts of exercise sessions."""

    classes = tuple(classes)
    if OTHER not in classes:
        raise ValueError(f"classes must include {OTHER!r} for other_windows, got {classes}")
    label = classes.index(OTHER)
    rng = np.random.default_rng([seed, 37])
    views = tuple(VIEWS)
    parts = []
    n_moves = 0
    for i in tqdm(range(n_clips), desc="generated non-exercise clips", disable=not progress):
        s = int(rng.integers(0, 2**31))
        if i % 3 == 2:  # the idle parts of a session: walking in, standing, setting up, resting
            clip = generate_clip(EXERCISES[(i // 3) % len(EXERCISES)], 2, seed=s, depth=depth)
            pieces = [clip.landmarks[a:b] for a, b, _ in clip.idle if b - a >= 30]
        else:  # every kind in turn
            kind = OTHER_KINDS[n_moves % len(OTHER_KINDS)]
            n_moves += 1
            clip = generate_other(kind, float(rng.uniform(4, 10)), seed=s,
                                  view=views[int(rng.integers(len(views)))],
                                  depth=depth)  # fmt: skip
            pieces = [clip.landmarks]
        parts += [(cut_windows(piece), label, f"other/{seed}/{i}") for piece in pieces]
    return from_parts(parts, classes, "synthetic_other")


def rendered_windows(
    folder: str | Path, *, classes: Sequence[str], stride: int = 10, progress: bool = True
) -> LabelledWindows:
    """Windows of rendered clips (``python -m gymlib.render --training N``) as real MediaPipe
    sees them, so the model learns MediaPipe's own habits on unusual views (e.g. the elbows drawn
    narrower from the front at the lat machine) and not only the generator's joints.

    Each ``<name>.mp4`` with its ``<name>.json`` truth is run through MediaPipe once; the
    landmarks are kept beside it as ``<name>.pose.npz`` and reused (until the clip is rendered
    again). Windows (``stride`` frames apart) from the first rep's start to the last rep's end
    carry the exercise; idle stretches of 30 frames or more carry :data:`gymlib.model.OTHER` when
    ``classes`` has it. Windows in which MediaPipe found nobody in most frames (a camera on the
    floor, say) teach nothing and are left out. ``source`` is ``"rendered"`` and ``group`` names
    the clip.
    """

    folder = Path(folder)
    truths = sorted(p for p in folder.glob("*.json") if p.with_suffix(".mp4").is_file())
    if not truths:
        raise FileNotFoundError(
            f"{folder}: no rendered clips (<name>.mp4 with <name>.json); make them with "
            f"`python -m gymlib.render --training N --out {folder}`"
        )
    classes = tuple(classes)
    parts = []

    def windows(frames: np.ndarray) -> np.ndarray:
        w = cut_windows(frames, stride=stride)
        person = np.abs(w).reshape(len(w), w.shape[1], -1).max(-1) > 0  # (n, 30)
        return w[person.mean(1) >= 0.5]

    for truth_path in tqdm(truths, desc="rendered clips", unit="clip", disable=not progress):
        truth, _ = load_truth(truth_path)
        if truth["exercise"] not in classes:
            continue
        seq = _kept_pose(truth_path.with_suffix(".mp4"), truth_path.with_suffix(".pose.npz"))
        group = f"rendered/{truth_path.stem}"
        reps = truth["reps"]
        if reps:
            span = seq.landmarks[reps[0]["start"] : reps[-1]["end"] + 1]
            parts.append((windows(span), classes.index(truth["exercise"]), group))
        if OTHER in classes:
            parts += [
                (windows(seq.landmarks[i["start"] : i["end"]]), classes.index(OTHER), group)
                for i in truth["idle"] if i["end"] - i["start"] >= 30
            ]  # fmt: skip
    return from_parts(parts, classes, "rendered")


def _kept_pose(video: Path, pose_path: Path) -> PoseSequence:
    """MediaPipe's landmarks of ``video``: those kept in ``pose_path`` if made after the video
    (a re-rendered clip is run again), else extracted now and kept there."""
    if pose_path.is_file() and pose_path.stat().st_mtime_ns >= video.stat().st_mtime_ns:
        return PoseSequence.load(pose_path)
    seq = extract_video(video, progress=False)
    seq.save(pose_path)
    return seq
