"""``analyze`` on the real clips of ``../shared/data/real_videos/`` against their hand counts.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/real_videos.py [--split A|B|all]
        [--cache DIR | --no-cache] [--exercise-truth] [--videos DIR]

Per clip: the reps ``gymlib.analyze.analyze`` counted against the hand count, the exercise it
counted them under, and the seconds it took; in total: clips counted exactly, within one rep,
with the exercise right, and reps counted against the truth.

- Pose: MediaPipe runs once per clip (``gymlib.extract.extract_video``, config.yaml's
  extraction) and the landmarks are kept in ``--cache`` (default ``data/interim/real_videos``,
  git-ignored; point it at a folder of precomputed files to skip MediaPipe). ``analyze`` reads the
  landmark file: the same frames it would get from the video. ``--no-cache`` runs MediaPipe again
  (and refreshes the cache).
- ``--split``: the clips in two fixed halves, one to choose rules on and one to report on.
  Within each exercise the clips are sorted by name and alternate A, B, A, ... (A: 1st, 3rd,
  ... clip of each exercise), so both halves hold every exercise.
- ``--exercise-truth``: the true exercise is given to ``analyze`` (``--exercise NAME``), which
  measures counting alone, without recognition.
- ``--live``: instead of ``analyze`` (which decides every set from the whole clip first), the
  live coach's path: the landmarks fed frame by frame to ``gymlib.live.LiveLoop`` (its
  ``CoachSession``), which decides from the windows seen so far (as the camera widget, replay
  and notebook 04 do). With an exercise given, "doubted" is the live coach's doubt of it
  (``gymlib.doubt``: shown on any frame; its first words and time are printed).
- ``--replay``: every path on each clip, side by side: (a) ``analyze``; (b) the live coach
  (``gymlib.live.LiveLoop`` frame by frame, recording and saving the session as the dashboard's
  "save session" does, then the stream's end); (c) that saved session replayed
  (``gymlib.recording.replay_session``) and read by the history
  (``gymlib.history.session_history``); (d) notebook 04's headless run
  (``gymlib.recording.coach_frames``). Per clip the reps (and exercise) of each, whether the
  live, replayed, history and notebook reps are identical (every rep's row), and what differs
  between live and ``analyze``; it exits 1 if the replay differs from live anywhere.
- ``--pixel-concat``: with ``--replay``, the real clips joined in pairs by ffmpeg with a cut
  between (``gymlib.benchtools.CUT_PAIRS``), from the pixels: ``analyze`` on the video, the live
  coach's pose stage (MediaPipe video mode, the identity guard, the cut detector) on its frames,
  notebook 04's ``extract_video``; MediaPipe runs three times a video.

A clip's exercise is right when more of its counted reps are under the true exercise than under
any other (so 0 reps is wrong). Time is ``analyze``'s wall time on the landmarks (drawing and
encoding the annotated video included), plus MediaPipe's when it ran.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GLOG_minloglevel", "2")
from gymlib.benchtools import (
    REAL_POSE_CACHE,
    load_clips,
    pose_file,
    shared_data,
    split_of,
)
from gymlib.benchtools import (  # noqa: E402 - after the log settings
    RealClip as Clip,
)

ROOT = Path(__file__).resolve().parent.parent
VIDEOS = shared_data("real_videos")  # paths.shared_data in config.yaml
CACHE = REAL_POSE_CACHE


def live_reps(path: Path, clf, exercise: str) -> tuple[list, float, str | None]:  # noqa: ANN001
    """The live coach's reps on a landmark file, the video's seconds and the first doubt of a
    hand-set exercise it showed (``gymlib.doubt``; None: none), with its time."""
    from gymlib.extract import PoseSequence
    from gymlib.live import LiveLoop
    from gymlib.session import CoachSession

    seq = PoseSequence.load(path)
    w, h = seq.image_size
    loop = LiveLoop(CoachSession(clf, fps=seq.fps, aspect=w / h, exercise=exercise))
    doubt = None
    for frame, t in zip(seq.frames(), seq.timestamps, strict=True):  # the frames' own times
        out = loop.step(float(t), landmarks=frame)
        if out.doubt and doubt is None and loop.doubt is not None:
            doubt = f"this looks like {loop.doubt.seen} at {float(t):.1f} s"
    return list(loop.reps), len(seq) / seq.fps, doubt


def live_paths(stream, clf, fps: float, aspect: float, exercise: str, root: Path,  # noqa: ANN001
               cuts: list[float] | None = None, pose=None) -> dict:  # noqa: ANN001  # fmt: skip
    """Every live path's reps on one stream of ``(frame, t)``: ``live`` (the dashboard's loop,
    recorded and saved as "save session" saves it, then the stream's end; ``shown``: its reps
    before the end), ``replay`` and ``history`` (that saved session) and ``notebook`` (notebook
    04's headless run on the recorded landmarks). A frame is landmarks ``(33, 4)`` or None, or,
    with ``pose`` (image, t) -> landmarks, an image; ``cuts``: the pose stage's list of cut
    times (it grows as frames come), or a landmark stream's cuts."""
    from gymlib.history import session_history
    from gymlib.live import LiveLoop
    from gymlib.recording import (
        EventLog,
        LiveInputs,
        coach_frames,
        replay_session,
        save_session,
    )
    from gymlib.session import CoachSession, VoiceCoach
    from gymlib.spool import FrameSpool

    cuts = [] if cuts is None else cuts
    session = CoachSession(clf, fps=fps, aspect=aspect)
    session.set_exercise(exercise)  # the dashboard's dropdown
    session.cuts = cuts
    spool, events = FrameSpool(root / "spool"), EventLog()
    loop = LiveLoop(session, pose=pose, voice=VoiceCoach(), events=events, record=spool.append)
    for frame, t in stream:
        if pose is None:
            loop.step(t, landmarks=frame)
        else:
            loop.step(t, image=frame)
    t_rec, lm_rec = spool.read()
    spool.close()
    saved = save_session(root / "sessions", t_rec, lm_rec, events=events.events, fps=fps,
                         aspect=session.aspect, inputs=LiveInputs.of(session))  # fmt: skip
    out: dict = {"shown": list(session.reps)}  # what the dashboard showed at the last frame
    session.finish()
    out["live"] = list(session.reps)
    out["replay"] = list(replay_session(saved, clf).reps)
    out["history"] = session_history(root / "sessions", classifier=clf).to_dict("records")
    nb = LiveLoop(CoachSession(clf, fps=fps, aspect=aspect, exercise=exercise),
                  voice=VoiceCoach())  # fmt: skip
    for _ in coach_frames(nb, t_rec, lm_rec, LiveInputs(cuts=list(cuts))):
        pass
    out["notebook"] = list(nb.reps)
    out["landmarks"] = lm_rec
    return out


ROW_KEYS = ("rep", "exercise", "start_s", "end_s", "rom", "verdict")


def same_reps(a: list, b: list) -> bool:
    """Whether two paths gave the same reps, rep by rep: every field of each rep's row (Rep
    objects), or :data:`ROW_KEYS` against the history's rows."""
    if all(hasattr(r, "as_row") for r in [*a, *b]):
        return [r.as_row() for r in a] == [r.as_row() for r in b]

    def rows(reps: list) -> list:
        return [tuple((r.as_row() if hasattr(r, "as_row") else r)[k] for k in ROW_KEYS)
                for r in reps]  # fmt: skip

    return rows(a) == rows(b)


def per_exercise(reps: list) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in reps:
        ex = r.exercise if hasattr(r, "exercise") else r["exercise"]
        out[ex] = out.get(ex, 0) + 1
    return out


def show(d: dict[str, int]) -> str:
    return ", ".join(f"{e} {n}" for e, n in sorted(d.items())) or "-"


def offline_vs_live(offline: list, live: list) -> str:
    """What ``analyze`` counted that live did not, and the reverse: reps matched by their
    bottom's time (within 0.5 s), whatever their exercise."""

    def bottoms(reps: list) -> list[tuple[float, str]]:
        return [(round(r.time_of("bottom"), 2), r.exercise) for r in reps]

    a, b = bottoms(offline), bottoms(live)
    only_a = [x for x in a if not any(abs(x[0] - y[0]) <= 0.5 for y in b)]
    only_b = [y for y in b if not any(abs(x[0] - y[0]) <= 0.5 for x in a)]
    relabelled = sum(1 for x in a for y in b if abs(x[0] - y[0]) <= 0.5 and x[1] != y[1])
    parts = []
    if only_a:
        parts.append("analyze only: " + ", ".join(f"{e} @{t} s" for t, e in only_a))
    if only_b:
        parts.append("live only: " + ", ".join(f"{e} @{t} s" for t, e in only_b))
    if relabelled:
        parts.append(f"{relabelled} under another exercise")
    return "; ".join(parts) or "same reps"


def paths_row(name: str, truth: int, offline: list, got: dict[str, list]) -> dict:
    live = got["live"]
    same = {k: same_reps(live, got[k]) for k in ("replay", "history", "notebook")}
    row = {"clip": name, "truth": truth,
           **{k: per_exercise(v) for k, v in (("analyze", offline), *got.items())
              if k != "landmarks"},
           "replay_identical": same["replay"] and same["history"],
           "notebook_identical": same["notebook"],
           "finish_added": len(live) - len(got["shown"]),
           "offline_vs_live": offline_vs_live(offline, live)}  # fmt: skip
    n = {k: len(v) for k, v in (("analyze", offline), *got.items()) if k != "landmarks"}
    print(f"{name:58s} {truth:3d} {n['analyze']:4d} {n['live']:4d} {n['replay']:4d} "
          f"{n['history']:4d} {n['notebook']:4d}  "
          f"{'same' if all(same.values()) else 'DIFFER ' + str(same)}"
          f"{' +end' if row['finish_added'] else ''}", flush=True)  # fmt: skip
    if per_exercise(offline) != per_exercise(live) or row["offline_vs_live"] != "same reps":
        print(f"    analyze {show(per_exercise(offline))} | live {show(per_exercise(live))}: "
              f"{row['offline_vs_live']}", flush=True)  # fmt: skip
    return row


PATHS_HEAD = (f"{'clip':58s} {'true':>3s} {'anlz':>4s} {'live':>4s} {'rply':>4s} {'hist':>4s} "
              f"{'nb04':>4s}  live = replay = history = notebook (every rep's row)")  # fmt: skip


def run_paths(clips: list[Clip], cache: Path, rerun: bool, truth: bool) -> list[dict]:
    """``--replay`` on the clips' landmark files (no pixels: no cuts; the 27 clips have none)."""
    from gymlib.analyze import analyze
    from gymlib.extract import PoseSequence
    from gymlib.model import ExerciseClassifier

    clf = ExerciseClassifier.load()
    rows = []
    for clip in clips:
        path, _ = pose_file(clip, cache, rerun)
        exercise = clip.exercise if truth else "auto"
        with tempfile.TemporaryDirectory() as out:
            offline = list(analyze(path, out=out, classifier=clf, progress=False,
                                   exercise=exercise).reps)  # fmt: skip
        seq = PoseSequence.load(path)
        w, h = seq.image_size
        stream = zip(seq.frames(), map(float, seq.timestamps), strict=True)
        with tempfile.TemporaryDirectory() as tmp:
            got = live_paths(stream, clf, seq.fps, w / h, exercise, Path(tmp))
        rows.append(paths_row(clip.name, clip.reps, offline, got))
    return rows


def run_pixel_paths(clips: list[Clip], cache: Path, truth: bool) -> list[dict]:
    """``--replay --pixel-concat``: the joined pairs from their pixels (MediaPipe thrice)."""
    import json

    import numpy as np

    from gymlib.analyze import analyze
    from gymlib.benchtools import CUT_PAIRS, joined
    from gymlib.extract import PoseExtractor, extract_video
    from gymlib.media import VideoReader
    from gymlib.model import ExerciseClassifier

    clf = ExerciseClassifier.load()
    by_name = {c.name: c for c in clips}
    rows = []
    for na, nb in CUT_PAIRS:
        if na not in by_name or nb not in by_name:
            continue
        a, b = by_name[na], by_name[nb]
        video = joined(a, b, cache / "concat")
        exercise = "auto"  # two exercises: never fixed
        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as out:
            result = analyze(video, out=out, classifier=clf, progress=False, exercise=exercise)
            found = json.loads(Path(result.outputs["summary"]).read_text())["cuts_found"]
            offline_cuts = [c["time_s"] for c in found if c["kind"] == "pixels"]
        offline = list(result.reps)
        seq = extract_video(video, progress=False)  # notebook 04's first step
        reader = VideoReader(video, format="rgb24")
        size = reader.info.size
        dashboards = PoseExtractor(mode="video", wide_search=False)  # gymlib.widgets.coach's
        with dashboards as ex, tempfile.TemporaryDirectory() as tmp:
            got = live_paths(iter(reader), clf, reader.info.fps, size[0] / size[1], exercise,
                             Path(tmp), cuts=ex.cuts,
                             pose=lambda rgb, t: ex.process(rgb, timestamp=t))  # fmt: skip
            live_cuts = list(ex.cuts)
        nb04 = _notebook_reps(seq, clf)
        same_lm = bool(np.array_equal(seq.landmarks, got["landmarks"]))
        got["notebook"] = nb04
        row = paths_row(f"{na} + {nb}", a.reps + b.reps, offline, got)
        row.update(cuts_analyze=offline_cuts, cuts_live=live_cuts,
                   cuts_notebook=list(seq.meta["cuts"]), landmarks_identical=same_lm)  # fmt: skip
        print(f"    cuts (s): analyze {[round(x, 2) for x in offline_cuts]}, live "
              f"{[round(x, 2) for x in live_cuts]}, notebook "
              f"{[round(x, 2) for x in seq.meta['cuts']]}; live landmarks "
              f"{'=' if same_lm else '!='} extract_video's; "
              f"{time.perf_counter() - t0:.0f} s", flush=True)  # fmt: skip
        rows.append(row)
    return rows


def _notebook_reps(seq, clf) -> list:  # noqa: ANN001
    """Notebook 04's headless ``video:`` run on ``extract_video``'s output (its code, as it is
    in the notebook: the video's cuts, then the stream's end)."""
    from gymlib.live import LiveLoop
    from gymlib.recording import LiveInputs, coach_frames
    from gymlib.session import CoachSession, VoiceCoach

    frames = [f if d else None for f, d in zip(seq.landmarks, seq.detected, strict=True)]
    aspect = seq.image_size[0] / seq.image_size[1]
    session = CoachSession(clf, fps=seq.fps, aspect=aspect, exercise="auto")
    loop = LiveLoop(session, voice=VoiceCoach())
    for _ in coach_frames(loop, seq.timestamps, frames,
                          LiveInputs(cuts=seq.meta.get("cuts", []))):  # fmt: skip
        pass
    return list(session.reps)


def given_exercise(clip: Clip, given: str) -> str:
    """The exercise analyze is given: ``auto``, the clip's own (``truth``) or, for ``wrong``,
    the next exercise in config.yaml's order after the clip's own."""
    if given == "truth":
        return clip.exercise
    if given == "wrong":
        from gymlib.config import load_config

        names = list(load_config().exercises)
        return names[(names.index(clip.exercise) + 1) % len(names)]
    return "auto"


def run(clips: list[Clip], cache: Path, rerun: bool, given: str, live: bool) -> list[dict]:
    from gymlib.analyze import analyze
    from gymlib.model import ExerciseClassifier

    clf = ExerciseClassifier.load()
    rows = []
    for clip in clips:
        path, mp_s = pose_file(clip, cache, rerun)
        t0 = time.perf_counter()
        exercise = given_exercise(clip, given)
        doubted, doubt = False, None
        if live:
            reps, video_s, doubt = live_reps(path, clf, exercise)
            doubted = doubt is not None
        else:
            with tempfile.TemporaryDirectory() as out:
                result = analyze(path, out=out, classifier=clf, progress=False,
                                 exercise=exercise)  # fmt: skip
            reps, video_s = result.reps, result.frames / result.fps
            doubted = any("was it chosen right?" in w for w in result.warnings)
            doubt = exercise if doubted else None
        seconds = time.perf_counter() - t0 + mp_s
        per_ex: dict[str, int] = {}
        for r in reps:
            per_ex[r.exercise] = per_ex.get(r.exercise, 0) + 1
        counted = len(reps)
        top = max(per_ex, key=lambda e: (per_ex[e], e == clip.exercise)) if per_ex else "unknown"
        rows.append({
            "clip": clip.name, "exercise": clip.exercise, "truth": clip.reps, "counted": counted,
            "under": per_ex, "exercise_right": top == clip.exercise,
            "seconds": seconds, "mediapipe_s": mp_s, "video_s": video_s,
            "given": exercise, "doubted": doubted,
        })  # fmt: skip
        print(f"{clip.name:42s} {clip.reps:3d} {counted:4d}  "
              f"{'ok ' if counted == clip.reps else 'x  '}"
              f"{'ok ' if abs(counted - clip.reps) <= 1 else 'x  '}"
              f"{'ok ' if top == clip.exercise else 'x  '} "
              f"{', '.join(f'{e} {n}' for e, n in sorted(per_ex.items())) or '-':28s} "
              f"{seconds:6.1f}{'  doubted: ' + str(doubt) if doubted else ''}",
              flush=True)  # fmt: skip
    return rows


def totals(rows: list[dict]) -> dict:
    n = len(rows)
    truth = sum(r["truth"] for r in rows)
    counted = sum(r["counted"] for r in rows)
    right_reps = sum(r["under"].get(r["exercise"], 0) for r in rows)
    return {
        "clips": n,
        "exact": sum(r["counted"] == r["truth"] for r in rows),
        "within_one": sum(abs(r["counted"] - r["truth"]) <= 1 for r in rows),
        "exercise_right": sum(r["exercise_right"] for r in rows),
        "reps_truth": truth, "reps_counted": counted, "reps_under_true_exercise": right_reps,
        "abs_error": sum(abs(r["counted"] - r["truth"]) for r in rows),
        "seconds": sum(r["seconds"] for r in rows), "video_s": sum(r["video_s"] for r in rows),
        "doubted": sum(r["doubted"] for r in rows),
    }  # fmt: skip


def print_totals(label: str, t: dict) -> None:
    n = max(t["clips"], 1)
    print(f"\n{label}{t['clips']} clips: exact {t['exact']} ({t['exact'] / n:.2f}), within one "
          f"{t['within_one']} ({t['within_one'] / n:.2f}), exercise right {t['exercise_right']} "
          f"({t['exercise_right'] / n:.2f}); reps counted {t['reps_counted']} of "
          f"{t['reps_truth']} ({t['reps_under_true_exercise']} under the true exercise), "
          f"sum of |error| {t['abs_error']}; {t['seconds']:.0f} s for {t['video_s']:.0f} s "
          f"of video; the exercise given doubted on {t['doubted']}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--videos", type=Path, default=VIDEOS, help="the clips with their .json")
    ap.add_argument("--split", choices=("A", "B", "all"), default="all")
    ap.add_argument("--cache", type=Path, default=CACHE, help="landmark files, one per clip")
    ap.add_argument("--no-cache", action="store_true", help="run MediaPipe again on every clip")
    ap.add_argument("--exercise-truth", action="store_true",
                    help="give analyze the true exercise (counting alone)")  # fmt: skip
    ap.add_argument("--exercise-wrong", action="store_true",
                    help="give analyze a wrong exercise (the next in config.yaml's order): how "
                    "often is it doubted?")  # fmt: skip
    ap.add_argument("--live", action="store_true",
                    help="the live coach (LiveLoop) instead of analyze")  # fmt: skip
    ap.add_argument(
        "--replay",
        action="store_true",
        help="every path side by side: analyze, live, replay, history, notebook 04",
    )
    ap.add_argument(
        "--pixel-concat",
        action="store_true",
        help="with --replay: the joined pairs with a cut, from their pixels",
    )
    ap.add_argument("--clips", default="", help="only clips whose name contains one of these "
                    "comma-separated words")  # fmt: skip
    ap.add_argument("--out", type=Path, default=None, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    if args.exercise_wrong and (args.exercise_truth or args.replay):
        ap.error("--exercise-wrong goes with neither --exercise-truth nor --replay")
    clips = load_clips(args.videos)
    halves = split_of(clips)
    if args.split != "all":
        clips = [c for c in clips if halves[c.name] == args.split]
    words = [w for w in args.clips.split(",") if w]
    if words:
        clips = [c for c in clips if any(w in c.name for w in words)]
    if args.replay:
        return replay_main(args, clips)
    given = "truth" if args.exercise_truth else "wrong" if args.exercise_wrong else "auto"
    mode = {"truth": "true exercise given", "wrong": "a wrong exercise given",
            "auto": "exercise recognised"}[given]  # fmt: skip
    mode += ", live coach (LiveLoop)" if args.live else ", analyze"
    print(f"{len(clips)} clips ({args.split}), {mode}; pose from "
          f"{'MediaPipe (rerun)' if args.no_cache else args.cache}")  # fmt: skip
    print(f"{'clip':42s} {'true':>3s} {'got':>4s}  =   ±1  ex  {'counted under':28s} {'s':>6s}")
    rows = run(clips, args.cache, args.no_cache, given, args.live)
    parts = [("", rows)]
    if args.split == "all" and not words:
        parts += [(f"half {h}: ", [r for r in rows if halves[r["clip"]] == h]) for h in "AB"]
    for label, part in parts:
        print_totals(label, totals(part))
    t = totals(rows)
    if args.out is not None:
        from gymlib.io import write_json_atomic

        write_json_atomic(args.out, {"split": args.split, "exercise_given": given,
                                     "live": args.live, "rows": rows, "totals": t},
                          overwrite=True)  # fmt: skip
    return 0


def replay_main(args: argparse.Namespace, clips: list[Clip]) -> int:
    """``--replay``: every path per clip; 1 if a replay differs from the live coach."""
    from gymlib.io import write_json_atomic

    print(f"{len(clips)} clips, every path"
          f"{', true exercise given' if args.exercise_truth else ''}; "
          f"{'joined pairs from their pixels' if args.pixel_concat else args.cache}")  # fmt: skip
    print(PATHS_HEAD)
    if args.pixel_concat:
        rows = run_pixel_paths(clips, ROOT / "data" / "interim" / "real_transforms",
                               args.exercise_truth)  # fmt: skip
    else:
        rows = run_paths(clips, args.cache, args.no_cache, args.exercise_truth)
    differ = [r["clip"] for r in rows if not r["replay_identical"]]
    nb = [r["clip"] for r in rows if not r["notebook_identical"]]
    offline = [r["clip"] for r in rows if r["offline_vs_live"] != "same reps"]
    print(f"\n{len(rows)} streams: replay and history = live on {len(rows) - len(differ)} "
          f"(differ: {differ or 'none'}); notebook 04 = live on {len(rows) - len(nb)} "
          f"(differ: {nb or 'none'}); analyze = live rep for rep on {len(rows) - len(offline)}; "
          f"the stream's end added a rep on "
          f"{sum(r['finish_added'] > 0 for r in rows)}")  # fmt: skip
    for key in ("truth", "analyze", "live", "replay", "history", "notebook"):
        total = sum(r[key] if key == "truth" else sum(r[key].values()) for r in rows)
        print(f"  {key:9s} {total:4d} reps")
    if args.out is not None:
        write_json_atomic(args.out, {"rows": rows}, overwrite=True)
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
