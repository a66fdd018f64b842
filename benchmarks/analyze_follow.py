"""How often ``analyze``'s video drawn beside the pose pass is kept, on the real clips' landmarks.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/analyze_follow.py [--lags 0.5,1,2]
        [--cache DIR] [--videos DIR] [--check-carry] [--every 30]

``analyze`` draws and encodes the annotated video while the pose pass runs, with plans of the
stream seen so far (``gymlib.follow.Follower``): a replan every ``REPLAN_FRAMES`` new frames or a
tenth of the frames so far, and one ``END_REPLAN_S`` before the clip's end; the frames up to
``lag`` seconds before the stream's end drawn with it, but not a last stretch the plan calls
"unknown". The video is kept when the whole clip's plan agrees with every plan over the frames it
drew (each frame's exercise, the "other" windows, the set-up movements left uncounted); else it is
drawn again after the pose pass (same files, more time). This replays that on each clip's landmarks
as if the drawing kept up with the pose pass (a quiet machine), in one thread, and prints per lag:
the clips whose plans held, and the frames left to draw after the pose pass (where they held). The
landmarks come from ``benchmarks/real_videos.py``'s cache (MediaPipe runs where a clip has none).
``--check-carry`` also compares every replan's plan (its dry run carried on from the last plan, as
``analyze``'s replans do) with one whose dry run is redone from the start. ``--every`` replays
with another ``REPLAN_FRAMES`` (the replans' count against the plans held).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")

ROOT = Path(__file__).resolve().parent.parent


def replay(path: Path, classifier, lag_s: float, check: bool = False  # noqa: ANN001
           ) -> tuple[bool, int, int, int, int]:  # fmt: skip
    """(plans held, frames, replans, frames left after the pose pass, replans whose plan
    differs from one made with the dry run redone from the start: with ``check``) for one
    landmark file."""
    import gymlib.analyze as an
    import gymlib.follow as fo
    import gymlib.plan as pl
    from gymlib.session import CoachSession

    lm, times, fps, (w, h) = an.load_landmark_file(path)
    poses = [f if f.any() else None for f in lm]
    times = [float(t) for t in times]

    def session() -> CoachSession:
        return CoachSession(classifier, fps=fps, aspect=w / h)

    spec, final, plain = session(), session(), session()
    spec.remember_probabilities()
    plain.remember_probabilities()
    used: list[tuple[int, tuple]] = []
    drawn = planned = differ = 0
    last = fo.last_replan(len(poses), fps)
    for n in range(1, len(poses) + 1):
        if fo.replan_due(n, planned, last):
            spec.plan(poses[:n], times[:n])  # the dry run carried on from the last plan
            if check:  # ... and redone from the start
                carry, pl.DRY_CARRY_S = pl.DRY_CARRY_S, 1e9
                try:
                    plain.plan(poses[:n], times[:n])
                finally:
                    pl.DRY_CARRY_S = carry
                differ += plain.plan_view() != spec.plan_view()
            planned = n
            used.append((drawn, spec.plan_view()))
            drawn = fo.drawable(used[-1][1], times, n, lag_s)  # drawn at once
    final.plan(poses, times)
    view = final.plan_view()
    ends = [a for a, _ in used[1:]] + [drawn]
    held = all(fo.agree(v, view, a, b - 1) for (a, v), b in zip(used, ends, strict=True) if b > a)
    return held, len(poses), len(used), len(poses) - drawn, differ


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lags", default="0.5,1,2", help="seconds, comma-separated")
    ap.add_argument("--cache", type=Path, default=None, help="landmark files (real_videos.py's)")
    ap.add_argument("--videos", type=Path, default=None)
    ap.add_argument("--check-carry", action="store_true", help="also compare every replan's "
                    "plan with one whose dry run is redone from the start")  # fmt: skip
    ap.add_argument("--every", type=int, default=None, help="replan every this many frames "
                    "(default: gymlib.follow.REPLAN_FRAMES)")  # fmt: skip
    args = ap.parse_args()
    from gymlib import follow as fo

    if args.every is not None:
        fo.REPLAN_FRAMES = args.every
    from gymlib.benchtools import load_clips, pose_file, shared_data
    from gymlib.model import ExerciseClassifier

    clips = load_clips(args.videos or shared_data("real_videos"))
    cache = args.cache or ROOT / "data" / "interim" / "real_videos"  # real_videos.py's
    files = [pose_file(c, cache, False)[0] for c in clips]
    classifier = ExerciseClassifier.load()
    lags = [float(x) for x in args.lags.split(",")]
    print(
        f"{len(files)} clips; replan every {fo.REPLAN_FRAMES} frames or a tenth of the frames "
        "so far; per lag: held (replans, frames left to draw after the pose pass / frames)"
    )
    # per lag: clips held, frames left where held, frames where held, frames drawn after in all
    totals = {lag: [0, 0, 0, 0] for lag in lags}
    frames_all = differ_all = replans_all = 0
    for path in files:
        cells = []
        for lag in lags:
            held, frames, replans, left, differ = replay(path, classifier, lag, args.check_carry)
            differ_all += differ
            replans_all += replans if args.check_carry else 0
            t = totals[lag]
            t[3] += left if held else frames  # not held: all drawn again after the pose pass
            if held:
                t[0], t[1], t[2] = t[0] + 1, t[1] + left, t[2] + frames
            cells.append(f"{'held' if held else 'NOT '} ({replans}, {left}/{frames})")
        frames_all += frames
        print(f"{path.stem:42s} " + "  ".join(f"{lag:g} s: {c:18s}" for lag, c in
                                                 zip(lags, cells, strict=True)))  # fmt: skip
    for lag in lags:
        held, left, frames, after = totals[lag]
        print(
            f"lag {lag:g} s: plans held on {held} of {len(files)} clips; where held, "
            f"{left} of {frames} frames ({left / max(frames, 1):.1%}) left to draw after the "
            f"pose pass; in all {after} of {frames_all} ({after / max(frames_all, 1):.1%})"
        )

    if args.check_carry:
        print(f"dry run carried on from the last plan: {differ_all} of {replans_all} replans' "
              "plans differ from the dry run redone from the start")  # fmt: skip


if __name__ == "__main__":
    main()
