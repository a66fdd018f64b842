"""Real clips transformed in ways whose true count is known (issue 36): the catalogue that
``benchmarks/real_transforms.py`` scores (its docstring describes each transform) and other
benchmarks (``landmark_cuts.py``, ``setup_transforms.py``) reuse. Landmark level only: each
transform takes a :class:`Source` (a real clip's MediaPipe landmarks and its hand-marked reps)
and a random generator and gives a :class:`Case` (landmarks ``(T, 33, 4)``, true count, the
exercise of each part), or ``None`` where it does not apply to the clip."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from gymlib.benchtools import REAL_POSE_CACHE, RealClip, pose_file, shared_data
from gymlib.extract import PoseSequence
from gymlib.landmarks import FLIP_PERMUTATION, MAIN_JOINTS, flip_horizontal
from gymlib.landmarks import PoseLandmark as L
from gymlib.reps import load_rep_config

ROOT = Path(__file__).resolve().parent.parent
VIDEOS = shared_data("real_videos")
CACHE = REAL_POSE_CACHE
PIXEL_CACHE = ROOT / "data" / "interim" / "real_transforms"
MAX_REP_S = load_rep_config().max_rep_s
ONE_SET_GAP_S = 3.0  # reps closer than this are one set (repeat3 joins the set with itself)
SEAM_TORSOS = 0.2  # repeat3: the body where the set ends within this of where it began
LONG_SET_REPS = 25  # repeat-long: a set played 3-8 times to about this many reps
FAST_REP_S = 1.0  # repeat-long-fast: the reps sped up to last this long on average
ALTERNATE_BLEND_S = 0.5  # alternate: the legs change places over this long at the rest


@dataclass(frozen=True)
class Case:
    """A transformed clip: landmarks, the true count and the exercise of each part."""

    name: str
    seq: PoseSequence
    truth: int
    parts: tuple[tuple[int, str], ...]  # (first frame, exercise) of each part
    cuts: tuple[float, ...] = ()  # camera cuts seen in the pixels (s), as a video's Source has


@dataclass(frozen=True)
class Source:
    clip: RealClip
    seq: PoseSequence
    rep_frames: tuple[tuple[int, int], ...]


def case(src: Source, seq: PoseSequence, truth: int | None = None) -> Case:
    return Case(src.clip.name, seq, src.clip.reps if truth is None else truth,
                ((0, src.clip.exercise),))  # fmt: skip


# --------------------------------------------------------------------------------------------
# Landmark transforms: each returns a Case, or None when it does not apply to the clip
# --------------------------------------------------------------------------------------------
def resample(seq: PoseSequence, src_t: np.ndarray, new_t: np.ndarray, fps: float) -> PoseSequence:
    """Landmarks interpolated linearly at ``src_t``-relative times ``new_t`` (seconds, of the
    original clip's timeline ``src_t``); a frame is detected only when both neighbours are."""
    i = np.clip(np.searchsorted(src_t, new_t, side="right") - 1, 0, len(src_t) - 2)
    w = np.clip((new_t - src_t[i]) / (src_t[i + 1] - src_t[i]), 0.0, 1.0)[:, None, None]
    lm = (1 - w) * seq.landmarks[i] + w * seq.landmarks[i + 1]
    ok = seq.detected[i] & seq.detected[i + 1]
    lm[~ok] = 0.0
    return replace(seq, landmarks=lm.astype(np.float32), detected=ok, fps=fps,
                   timestamps=np.asarray(new_t, np.float64))  # fmt: skip


def original(src: Source, rng: np.random.Generator) -> Case:
    return case(src, src.seq)


def fps15(src: Source, rng: np.random.Generator) -> Case:
    step = max(2, round(src.seq.fps / 15))
    s = src.seq
    keep = slice(None, None, step)
    return case(src, replace(s, landmarks=s.landmarks[keep], detected=s.detected[keep],
                             timestamps=s.timestamps[keep], fps=s.fps / step))  # fmt: skip


def fps60(src: Source, rng: np.random.Generator) -> Case | None:
    t = src.seq.timestamps
    if src.seq.fps > 45:
        return None  # already 60
    return case(src, resample(src.seq, t, np.arange(t[0], t[-1], 1 / 60), 60.0))


def vfr(src: Source, rng: np.random.Generator) -> Case:
    t = src.seq.timestamps
    gaps = rng.uniform(0.020, 0.050, int((t[-1] - t[0]) / 0.020) + 2)
    new = t[0] + np.concatenate([[0.0], np.cumsum(gaps)])
    new = new[new <= t[-1]]
    return case(src, resample(src.seq, t, new, 1 / 0.035))


def slowest_rep_s(src: Source) -> float:
    """The longest hand-marked rep (rest to rest, any pause at the top included), seconds."""
    t = src.seq.timestamps
    return max(t[min(b, len(t) - 1)] - t[a] for a, b in src.rep_frames)


def slow(factor: int) -> Callable[[Source, np.random.Generator], Case | None]:
    def make(src: Source, rng: np.random.Generator) -> Case | None:
        if factor * slowest_rep_s(src) > MAX_REP_S:
            return None  # longer than a rep may last (reps.max_rep_s): not a rep by definition
        t = src.seq.timestamps
        new = np.arange(t[0] * factor, t[-1] * factor, 1 / src.seq.fps)
        return case(src, resample(src.seq, t * factor, new, src.seq.fps))

    return make


def slow3_frames(src: Source, rng: np.random.Generator) -> Case | None:
    if 3 * slowest_rep_s(src) > MAX_REP_S:
        return None
    s = src.seq
    return case(src, replace(s, timestamps=s.timestamps * 3, fps=s.fps / 3))


def mirror(src: Source, rng: np.random.Generator) -> Case:
    s = src.seq
    return case(src, replace(s, landmarks=flip_horizontal(s.landmarks).astype(np.float32)))


def cut(seq: PoseSequence, start: int, end: int) -> PoseSequence:
    t = seq.timestamps[start:end]
    return replace(seq, landmarks=seq.landmarks[start:end], detected=seq.detected[start:end],
                   timestamps=t - t[0])  # fmt: skip


def trim_start(src: Source, rng: np.random.Generator) -> Case | None:
    if src.clip.reps < 2:
        return None
    a, b = src.rep_frames[0]  # the last quarter of the first rep left: not a rep
    return case(src, cut(src.seq, a + 3 * (b - a) // 4, len(src.seq)), src.clip.reps - 1)


def trim_end(src: Source, rng: np.random.Generator) -> Case | None:
    if src.clip.reps < 2:
        return None
    a, b = src.rep_frames[-1]  # the first quarter of the last rep left: not a rep
    return case(src, cut(src.seq, 0, a + (b - a) // 4 + 1), src.clip.reps - 1)


def one_set_at_rest(src: Source, *, prefix: bool = False) -> tuple[int, int, int] | None:
    """The set's first frame, last frame and reps when its reps follow each other within
    :data:`ONE_SET_GAP_S` and the body where it ends is within :data:`SEAM_TORSOS` of where it
    began (a join there is at rest), else None; ``prefix``: the longest run of the set's first
    reps that ends so (a set whose last rep ends with a drop from the bar still loops over its
    first reps)."""
    reps, t = src.rep_frames, src.seq.timestamps
    gaps = [t[min(b2, len(t) - 1)] - t[min(a1, len(t) - 1)] for (_, a1), (b2, _) in
            zip(reps, reps[1:], strict=False)]  # fmt: skip
    if len(reps) < 2 or max(gaps, default=0.0) > ONE_SET_GAP_S:
        return None
    first = reps[0][0]
    # a loop over the first reps joins tighter: the chin-up clip's set begins just after its
    # jump-in, the body still swinging 0.16-0.25 torso lengths from any rep's end, and each such
    # join made a movement counted as a partial rep (32 of 25)
    limit = SEAM_TORSOS / 2 if prefix else SEAM_TORSOS
    for k in range(len(reps), 0 if prefix else len(reps) - 1, -1):
        last = min(reps[k - 1][1], len(t) - 1)
        if seam(src.seq, first, last) <= limit:
            return first, last, k
    return None  # the set does not end where it began (a jump-in, a hand mark off rest)


def repeat_n(
    src: Source, n: int | Callable[[int], int], rep_s: float | None = None, *, prefix: bool = False
) -> Case | None:
    """The set (``prefix``: its longest run of first reps that ends at rest, see
    :func:`one_set_at_rest`) played ``n`` times without rest (``n`` may depend on the reps
    looped), then the rest of the clip (walk-in before, walk-off after); ``rep_s``: the looped
    reps also sped up to last that long on average (never slowed), landmarks interpolated at
    the clip's own frame rate, as a camera films a faster set."""
    ends = one_set_at_rest(src, prefix=prefix)
    if ends is None:
        return None
    first, last, k = ends
    n = n(k) if callable(n) else n
    s, t = src.seq, src.seq.timestamps
    order = np.concatenate([np.arange(first), *[np.arange(first, last)] * n,
                            np.arange(last, len(t))])  # fmt: skip
    dt = np.diff(t, prepend=t[0] - 1 / s.fps)[order]
    dt[0] = 0.0
    speed = 1.0
    if rep_s is not None:
        speed = max(1.0, (t[last] - t[first]) / k / rep_s)
        in_set = (order >= first) & (order < last)
        in_set[: first + 1] = False  # (the first looped frame's gap is the walk-in's)
        dt[in_set] /= speed
    times = np.cumsum(np.maximum(dt, 1e-3))
    seq = replace(s, landmarks=s.landmarks[order], detected=s.detected[order], timestamps=times)
    if speed > 1.0:
        seq = resample(seq, times, np.arange(times[0], times[-1], 1 / s.fps), s.fps)
    return case(src, seq, src.clip.reps + (n - 1) * k)


def repeat3(src: Source, rng: np.random.Generator) -> Case | None:
    return repeat_n(src, 3)


def long_set_n(k: int) -> int:
    """How many times ``k`` reps are played for a long set of about :data:`LONG_SET_REPS`
    reps (3-8 times)."""
    return int(np.clip(round(LONG_SET_REPS / k), 3, 8))


def repeat_long(src: Source, rng: np.random.Generator) -> Case | None:
    return repeat_n(src, long_set_n, prefix=True)


def repeat_long_fast(src: Source, rng: np.random.Generator) -> Case | None:
    return repeat_n(src, long_set_n, rep_s=FAST_REP_S, prefix=True)


def slow_to(rep_s: float) -> Callable[[Source, np.random.Generator], Case | None]:
    """Slow motion that makes the clip's slowest hand-marked rep last ``rep_s`` (clips whose
    slowest rep is shorter), at the clip's frame rate."""

    def make(src: Source, rng: np.random.Generator) -> Case | None:
        factor = rep_s / slowest_rep_s(src)
        if factor < 1.0:
            return None
        t = src.seq.timestamps
        new = np.arange(t[0] * factor, t[-1] * factor, 1 / src.seq.fps)
        return case(src, resample(src.seq, t * factor, new, src.seq.fps))

    return make


def first2_60(src: Source, rng: np.random.Generator) -> Case | None:
    """A short clip at 60 fps: the clip up to its second rep's end (a quarter into a third, if
    any: not a rep), interpolated at 1/60 s: two reps, the first straight after whatever came
    before it (a walk-in), before the exercise can be recognised from many reps."""
    reps = src.rep_frames
    if len(reps) < 3:
        return None  # a 2-rep clip is its own first2
    a, b = reps[2]
    s = cut(src.seq, 0, a + (b - a) // 4 + 1)
    t = s.timestamps
    return case(src, resample(s, t, np.arange(t[0], t[-1], 1 / 60), 60.0), 2)


def seam(seq: PoseSequence, a: int, b: int) -> float:
    """How far the body at frame ``b`` is from where it was at frame ``a``: the median of the
    main joints' distances in the picture, in torso lengths (inf if nobody at either)."""
    if not (seq.detected[a] and seq.detected[b]):
        return math.inf
    lm, j = seq.landmarks, [int(x) for x in MAIN_JOINTS]
    mid = [int(L.LEFT_SHOULDER), int(L.RIGHT_SHOULDER)], [int(L.LEFT_HIP), int(L.RIGHT_HIP)]
    torso = np.linalg.norm(lm[a, mid[0], :2].mean(0) - lm[a, mid[1], :2].mean(0))
    return float(np.median(np.linalg.norm(lm[a, j, :2] - lm[b, j, :2], axis=1)) / torso)


def jitter(src: Source, rng: np.random.Generator) -> Case:
    s = src.seq
    n = len(s)
    drift = np.cumsum(rng.normal(0, 1, (n, 2)), axis=0)  # a random walk, smoothed over ~0.5 s
    k = max(1, int(s.fps / 2))
    drift = np.stack([np.convolve(d, np.ones(k) / k, mode="same") for d in drift.T], axis=1)
    drift = 0.02 * drift / max(np.abs(drift).max(), 1e-9)  # at most 2 % of the picture
    lm = s.landmarks.copy()
    lm[..., :2] += drift[:, None, :] + rng.normal(0, 0.003, lm[..., :2].shape)
    lm[~s.detected] = 0.0
    return case(src, replace(s, landmarks=lm.astype(np.float32)))


def tilt(degrees: float) -> Callable[[Source, np.random.Generator], Case]:
    """The picture turned ``degrees`` (+-1) either way about its centre (a phone held askew or
    a camera propped on a slope), in pixels, so a portrait clip turns as its own picture does."""

    def turned(src: Source, rng: np.random.Generator) -> Case:
        s = src.seq
        w, h = s.image_size
        a = math.radians(rng.uniform(degrees - 1, degrees + 1) * rng.choice((-1.0, 1.0)))
        lm = s.landmarks.astype(np.float64)
        x, y = (lm[..., 0] - 0.5) * w, (lm[..., 1] - 0.5) * h
        lm[..., 0] = 0.5 + (x * math.cos(a) - y * math.sin(a)) / w
        lm[..., 1] = 0.5 + (x * math.sin(a) + y * math.cos(a)) / h
        lm[~s.detected] = 0.0
        return case(src, replace(s, landmarks=lm.astype(np.float32)))

    return turned


def mirror_about_hips(landmarks: np.ndarray, *, swap_only: bool = False) -> np.ndarray:
    """``(T, 33, 4)`` landmarks mirrored left-right about each frame's hip centre, left and
    right swapped by name (``swap_only``: the names swapped, no mirror); no-person frames stay
    zeros."""
    out = np.take(landmarks, FLIP_PERMUTATION, axis=-2).astype(np.float64)
    if not swap_only:
        centre = landmarks[:, [int(L.LEFT_HIP), int(L.RIGHT_HIP)], 0].mean(axis=1)
        out[..., 0] = 2 * centre[:, None] - out[..., 0]
    out[~landmarks.any(axis=(1, 2))] = 0.0
    return out


_LEG_POINTS = ("KNEE", "ANKLE", "HEEL", "FOOT_INDEX")


def _leg(side: str) -> list[int]:
    return [int(L[f"{side}_{part}"]) for part in _LEG_POINTS]


def alternate_legs(
    landmarks: np.ndarray,
    times: np.ndarray,
    switches: list[float],
    *,
    swap_only: bool = False,
    blend_s: float = ALTERNATE_BLEND_S,
) -> np.ndarray:
    """``(T, 33, 4)`` landmarks with the legs changing places at each time in ``switches``
    (seconds, increasing): before the first as filmed, then mirrored about the hips
    (:func:`mirror_about_hips`), then as filmed again... Each change takes ``blend_s``,
    centred on its time: the body moves over all of it, the rear leg (the higher ankle in the
    picture) over its first half, the front one over its second, so one foot always stands
    where a foot stood (both lifted at once would lower the feet under the hips)."""
    lm = np.asarray(landmarks, np.float64)
    mirrored = mirror_about_hips(lm, swap_only=swap_only)
    poses = (lm, mirrored)
    w = np.zeros(lm.shape[:2])  # (T, 33): 0 as filmed, 1 mirrored
    for k, at in enumerate(switches):
        u = np.clip((times - at) / blend_s + 0.5, 0.0, 1.0)
        ramp = np.repeat(u[:, None], lm.shape[1], axis=1)
        near = (np.abs(times - at) <= blend_s) & lm.any(axis=(1, 2))
        ankles = poses[k % 2][near][:, [int(L.LEFT_ANKLE), int(L.RIGHT_ANKLE)], 1]
        rear, front = ("LEFT", "RIGHT")
        if len(ankles) and np.median(ankles[:, 0]) > np.median(ankles[:, 1]):
            rear, front = front, rear  # (y grows downwards: the higher ankle is the rear)
        ramp[:, _leg(rear)] = np.clip(2 * u, 0.0, 1.0)[:, None]
        ramp[:, _leg(front)] = np.clip(2 * u - 1, 0.0, 1.0)[:, None]
        w += ramp if k % 2 == 0 else -ramp
    out = (1 - w[..., None]) * lm + w[..., None] * mirrored
    out[..., 3] = np.where(w < 0.5, lm[..., 3], mirrored[..., 3])
    out[~lm.any(axis=(1, 2))] = 0.0
    return out.astype(np.float32)


def alternate(src: Source, rng: np.random.Generator) -> Case | None:
    if src.clip.exercise != "split_squat" or len(src.rep_frames) < 2:
        return None
    s = src.seq
    t = s.timestamps
    # at the rest between two reps (the middle of any gap between their hand marks)
    switches = [
        float(t[min((b + a2) // 2, len(t) - 1)])
        for (_, b), (a2, _) in zip(src.rep_frames, src.rep_frames[1:], strict=False)
    ]
    lm = alternate_legs(s.landmarks, t, switches, swap_only=src.clip.view == "side")
    return case(src, replace(s, landmarks=lm))


def concat_pairs(sources: list[Source]) -> list[tuple[Source, Source]]:
    """Each clip followed by the next (by name, cyclic) of another exercise and the same
    picture shape: clips of different sizes cannot share normalised coordinates."""
    pairs = []
    for i, a in enumerate(sources):
        ws, hs = a.seq.image_size
        for b in sources[i + 1 :] + sources[:i]:
            wb, hb = b.seq.image_size
            if b.clip.exercise != a.clip.exercise and abs(ws / hs - wb / hb) < 0.02:
                pairs.append((a, b))
                break
    return pairs


def concat(a: Source, b: Source, seen: bool = False) -> Case:
    """``a`` then ``b``; ``seen``: the seam is a cut seen in the pixels (``concat``: when the
    pixel check of ``a``'s last frame and ``b``'s first finds one, :func:`seam_seen`)."""
    sa, sb = a.seq, b.seq
    gap = 1 / sa.fps
    t = np.concatenate([sa.timestamps, sa.timestamps[-1] + gap + sb.timestamps - sb.timestamps[0]])
    seq = replace(sa, landmarks=np.concatenate([sa.landmarks, sb.landmarks]),
                  detected=np.concatenate([sa.detected, sb.detected]), timestamps=t)  # fmt: skip
    cuts = (float(t[len(sa)]),) if seen else ()
    return Case(f"{a.clip.name} + {b.clip.name}", seq, a.clip.reps + b.clip.reps,
                ((0, a.clip.exercise), (len(sa), b.clip.exercise)), cuts)  # fmt: skip


def edge_thumbnails(clip: RealClip) -> tuple[np.ndarray, np.ndarray]:
    """The grey thumbnails (:func:`gymlib.cuts.thumbnail`) of a clip's first and last frames
    (decoded once, cached under ``data/interim/real_transforms/seams``)."""
    from gymlib.cuts import thumbnail
    from gymlib.media import VideoReader

    path = PIXEL_CACHE / "seams" / f"{clip.name}.npz"
    if path.is_file():
        with np.load(path) as z:
            return z["first"], z["last"]
    first = last = None
    for rgb, _ in VideoReader(clip.video, format="rgb24"):
        last = rgb
        if first is None:
            first = thumbnail(rgb)
    if first is None or last is None:
        raise SystemExit(f"{clip.video}: no frames decoded")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part.npz")
    np.savez(tmp, first=first, last=thumbnail(last))
    tmp.rename(path)
    return first, thumbnail(last)


def seam_seen(a: Source, b: Source) -> tuple[bool, float]:
    """Whether ``analyze`` of the two clips joined as one video sees the seam in the pixels:
    ``gymlib.cuts`` on ``a``'s last frame and ``b``'s first (the joined video scales ``b`` to
    ``a``'s size: the thumbnail is the same within the 2 % shape difference allowed), and the
    changed share."""
    from gymlib.config import load_config
    from gymlib.cuts import changed_share

    cfg = load_config().extraction
    share = changed_share(edge_thumbnails(a.clip)[1], edge_thumbnails(b.clip)[0], cfg.cut_level)
    return share > cfg.cut_share, share


TRANSFORMS: dict[str, Callable[[Source, np.random.Generator], Case | None]] = {
    "base": original, "fps15": fps15, "fps60": fps60, "vfr": vfr, "slow2": slow(2),
    "slow3": slow(3), "slow3-frames": slow3_frames, "mirror": mirror,
    "trim-start": trim_start, "trim-end": trim_end, "repeat3": repeat3, "jitter": jitter,
    "alternate": alternate, "repeat-long": repeat_long, "repeat-long-fast": repeat_long_fast,
    "slow7": slow_to(7.0), "first2-60": first2_60, "tilt5": tilt(5.0),
    "tilt10": tilt(10.0),
}  # fmt: skip
ALL = [*TRANSFORMS, "concat", "concat-landmarks"]


def cases(name: str, sources: list[Source], seed: int) -> Iterator[Case]:
    if name in ("concat", "concat-landmarks"):
        for a, b in concat_pairs(sources):
            yield concat(a, b, seen=name == "concat" and seam_seen(a, b)[0])
        return
    for i, src in enumerate(sources):
        c = TRANSFORMS[name](src, np.random.default_rng([seed, i]))
        if c is not None:
            yield c


def load_sources(clips: list[RealClip], cache: Path) -> list[Source]:
    out = []
    for clip in clips:
        path, _ = pose_file(clip, cache, rerun=False)
        d = json.loads(clip.video.with_suffix(".json").read_text(encoding="utf-8"))
        out.append(Source(clip, PoseSequence.load(path), tuple(map(tuple, d["rep_frames"]))))
    return out
