"""How far the body jumps between two frames of real footage, and at a cut between two clips:
can a camera cut be told from the landmarks alone (issue 36 item 3)?

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/landmark_cuts.py [--cache DIR] [--every N]

The counter's landmark rule (``reps.cut_speed``, :meth:`gymlib.reps.RepCounter._is_cut`) calls a
frame a cut when the quarter of the landmarks that moved least since the last frame moved faster
than ``cut_speed`` body sizes (the larger box diagonal) a second, over at least 1/30 s. Printed:

- per real clip (``--cache``: landmarks as ``python -m gymlib.analyze`` makes them; none has a
  cut), by half (``gymlib.benchtools.split_of``): that speed's largest value, and the largest
  *step* (:class:`gymlib.cuts.BodySteps`, ``reps.cut_step``): the frame's move (the same
  quarter, in body sizes) over the largest move of the 0.1 s before it (a cut is one frame's
  jump out of stillness or steady movement; a fast movement speeds up over several frames);
- the real windows (``../shared/data/seed_real_windows.npz``) rebuilt into streams by recording
  (consecutive parts only; 30 fps, Fit3D 50 fps), by half of the recording groups: frames the
  rule calls a cut, per hour of footage; the same for the step rule at a few limits, and the
  step rule's cuts the speed rule does not make; ``--every N`` keeps every N-th frame of these
  streams (a camera at 15 or 10 fps: the same bodies, fewer frames);
- the ``concat`` seams of ``benchmarks/real_transforms.py`` (the first clip's last frame into
  the second's first): the speed, the step, and whether ``gymlib.cuts`` sees it in the pixels.

Windows from web clips may hold real cuts (they were cut from edited videos); a frame called a
cut there is a false cut only where the recording has none, which no label says.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from gymlib import clip_transforms as rt
from gymlib.benchtools import REAL_POSE_CACHE, load_clips, shared_data, split_of
from gymlib.cuts import BodySteps
from gymlib.decision_replay import halves
from gymlib.reps import load_rep_config

MIN_DT = 1 / 30  # as the counter's rule: a move over at least this long


def moves(lm: np.ndarray, t: np.ndarray, detected: np.ndarray, aspect: float):
    """Per frame pair ``(T - 1,)``: the counter's speed (body sizes/s) and the move of the
    least-moving quarter of the landmarks in body sizes (the larger of the two frames'); 0
    where either frame has nobody. ``lm`` ``(T, 33, 4)``."""
    p = lm[:, :, :2].astype(np.float64) * (aspect, 1.0)
    size = np.linalg.norm(p.max(1) - p.min(1), axis=1)
    quarter = np.quantile(np.linalg.norm(np.diff(p, axis=0), axis=2), 0.25, axis=1)
    ok = detected[1:] & detected[:-1]
    dt = np.maximum(np.diff(t), MIN_DT)
    with np.errstate(divide="ignore", invalid="ignore"):
        move = np.where(ok, quarter / np.maximum(np.maximum(size[1:], size[:-1]), 1e-6), 0.0)
    return move / dt, move


def steps(move: np.ndarray, t: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Each frame pair's :meth:`gymlib.cuts.BodySteps.ratio` (pairs with a person in both
    frames, ``ok``, as the counter feeds them; 0 elsewhere)."""
    body, out = BodySteps(2.0), np.zeros_like(move)
    for i in np.flatnonzero(ok):
        out[i] = body.ratio(float(t[i + 1]), float(move[i]))
    return out


def window_streams(path: Path, every: int = 1):
    """The real windows rebuilt into streams: ``(landmarks (T, 33, 4), times, half)`` per run
    of consecutive parts of one recording, every ``every``-th frame."""
    d = np.load(path)
    w = d["windows"].reshape(-1, 30, 33, 4)
    half = halves(d["group"])
    for video in np.unique(d["video"]):
        idx = np.where(d["video"] == video)[0]
        idx = idx[np.argsort(d["part"][idx])]
        parts = d["part"][idx]
        fps = 50.0 if d["source"][idx[0]] == "fit3d" else 30.0
        for run in np.split(idx, np.where(np.diff(parts) != 1)[0] + 1):
            lm = w[run].reshape(-1, 33, 4)[::every]
            yield lm, np.arange(len(lm)) * every / fps, half[run[0]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", type=Path, default=REAL_POSE_CACHE)
    ap.add_argument("--videos", type=Path, default=shared_data("real_videos"))
    ap.add_argument("--every", type=int, default=1, help="real windows: keep every N-th frame")
    args = ap.parse_args(argv)
    limit = load_rep_config().cut_speed
    clips = load_clips(args.videos)
    half = split_of(clips)
    sources = rt.load_sources(clips, args.cache)
    print(f"reps.cut_speed: {limit} body sizes/s\nclip | half | largest speed (at frame) | "
          "largest step (move, body sizes)")  # fmt: skip
    for s in sources:
        w, h = s.seq.image_size
        t = s.seq.timestamps
        speed, move = moves(s.seq.landmarks, t, s.seq.detected, w / h)
        st = steps(move, t, s.seq.detected[1:] & s.seq.detected[:-1])
        j = int(np.argmax(st))
        k = int(np.argmax(speed)) + 1
        print(f"  {s.clip.name:42s} {half[s.clip.name]} {speed.max():5.2f} ({k})"
              f"  {st[j]:5.1f} ({move[j]:.3f})")  # fmt: skip
    print("\nreal windows as streams | hours | frames the rule calls a cut (per hour) | "
          "step > 5 / 7 / 10 (per hour) | either rule, step 10 | step 10 alone (per hour); "
          f"every {args.every} frame(s)")  # fmt: skip
    tallies = {h: np.zeros(7) for h in "AB"}
    for lm, t, h in window_streams(shared_data("seed_real_windows.npz"), args.every):
        det = np.abs(lm).sum(axis=(1, 2)) > 0
        speed, move = moves(lm, t, det, 1.0)  # the picture's shape is not stored: square
        st = steps(move, t, det[1:] & det[:-1])
        tallies[h] += [det.sum() / (1 / (t[1] - t[0])) / 3600, (speed > limit).sum(),
                       (st > 5).sum(), (st > 7).sum(), (st > 10).sum(),
                       ((st > 10) | (speed > limit)).sum(),
                       ((st > 10) & ~(speed > limit)).sum()]  # fmt: skip
    for h, (hours, *n) in tallies.items():
        per = " / ".join(f"{int(x)} ({x / hours:.0f})" for x in n)
        print(f"  half {h} | {hours:.2f} | {per}")
    print("\nconcat seams | speed | move | step | seen in the pixels (changed share)")
    for a, b in rt.concat_pairs(sources):
        c = rt.concat(a, b)
        n, (w, h) = len(a.seq), c.seq.image_size
        lo = max(0, n - 10)
        sl = slice(lo, n + 1)
        speed, move = moves(c.seq.landmarks[sl], c.seq.timestamps[sl], c.seq.detected[sl], w / h)
        d = c.seq.detected[sl]
        st = steps(move, c.seq.timestamps[sl], d[1:] & d[:-1])
        seen, share = rt.seam_seen(a, b)
        print(f"  {c.name[:72]:72s} {speed[-1]:5.2f} {move[-1]:.3f} {st[-1]:5.1f}  "
              f"{'yes' if seen else 'no '} ({share:.2f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
