"""A camera cut starts the exercise decision afresh (issue 36 item 3, session 8): offline no set
spans a cut and each shot is decided from its own windows; live the belief and the window are
dropped at the cut; a cut found in the landmarks alone is listed in ``summary.json``."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import ROOT, SHARED_DATA

from gymlib.io import save_npz_atomic
from gymlib.landmarks import WINDOW_FRAMES
from gymlib.model import UNKNOWN
from gymlib.session import CoachSession
from gymlib.synth import generate_clip

FPS = 30.0


def _joined(first: str, n_first: int, second: str, n_second: int, seed: int = 1
            ) -> tuple[np.ndarray, int, tuple[int, int]]:  # fmt: skip
    """``first`` filmed from the front, then a cut to ``second`` filmed from the side with the
    person 0.2 of the picture further right (another camera): ``(T, 33, 4)`` landmarks (zeros:
    nobody), the seam's frame and the picture's size."""
    a = generate_clip(first, n_first, seed=seed, view="front", idle=False)
    b = generate_clip(second, n_second, seed=seed + 1, view="left", idle=False)
    after = b.landmarks.copy()
    after[..., 0] = np.where(after.any(axis=2), after[..., 0] + 0.2, 0.0)
    return np.concatenate([a.landmarks, after]), len(a.landmarks), a.image_size


def _frames(lm: np.ndarray) -> tuple[list[np.ndarray | None], list[float]]:
    return [f if f.any() else None for f in lm], [i / FPS for i in range(len(lm))]


def _reps_by_exercise(session: CoachSession) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in session.reps:
        out[r.exercise] = out.get(r.exercise, 0) + 1
    return out


@pytest.fixture(scope="module")
def squats_cut() -> tuple[np.ndarray, int, tuple[int, int]]:
    """Five squats from the front, a cut, three squats from the side (another take)."""
    return _joined("squat", 5, "squat", 3)


def test_offline_no_set_spans_a_cut_found_in_the_landmarks(squats_cut) -> None:  # noqa: ANN001
    """The same exercise on both sides of the cut, no rest between: two sets, one each side of
    the seam (before session 8 one set ran across it), and every rep counted."""
    lm, seam, size = squats_cut
    session = CoachSession(fps=FPS, aspect=size[0] / size[1])
    frames, times = _frames(lm)
    sets = [s for s in session.plan(frames, times) if s.exercise != UNKNOWN]
    assert [s.exercise for s in sets] == ["squat", "squat"]
    ends = sorted(session._plan_probs)  # the windows classified (none straddles the seam)
    assert all(e < seam or e - WINDOW_FRAMES + 1 >= seam for e in ends)
    planned = [ex for ex, _ in session._plan]
    assert planned[seam - 1] == planned[seam] == "squat"
    for f, t in zip(frames, times, strict=True):
        session.update(f, t)
    session.finish()
    assert _reps_by_exercise(session) == {"squat": 8}
    assert [(round(c.time, 3), c.kind) for c in session.found_cuts] == [
        (round(times[seam], 3), "landmarks")
    ]


def test_live_the_decision_starts_afresh_at_a_cut() -> None:
    """Live, the belief in the push-ups before the cut is dropped at it: the exercise is
    "unknown" from the cut's frame on, no window holding frames of both takes is classified,
    and the squats after it are named and counted as squats."""
    lm, seam, size = _joined("push_up", 5, "squat", 3)
    session = CoachSession(fps=FPS, aspect=size[0] / size[1])
    frames, times = _frames(lm)
    named = []
    probs_after = []
    for i, (f, t) in enumerate(zip(frames, times, strict=True)):
        fb = session.update(f, t)
        named.append(fb.exercise)
        if seam <= i < seam + WINDOW_FRAMES - 1:
            probs_after.append(fb.probabilities)
    session.finish()
    assert named[seam - 1] == "push_up"  # named before the cut (held through it before)
    assert named[seam] == UNKNOWN
    assert probs_after == [{}] * len(probs_after)  # nothing classified until a clean window
    assert "squat" in named[seam:]
    assert _reps_by_exercise(session) == {"push_up": 5, "squat": 3}
    assert [c.kind for c in session.found_cuts] == ["landmarks"]


def test_live_a_cut_with_the_exercise_fixed_keeps_it(squats_cut) -> None:  # noqa: ANN001
    """With the exercise fixed by the user there is no decision to restart: still named at the
    cut, the counter starting afresh there on its own."""
    lm, seam, size = squats_cut
    session = CoachSession(fps=FPS, aspect=size[0] / size[1], exercise="squat")
    frames, times = _frames(lm)
    named = [session.update(f, t).exercise for f, t in zip(frames, times, strict=True)]
    session.finish()
    assert set(named) == {"squat"}
    assert len(session.reps) == 8
    assert [c.kind for c in session.found_cuts] == ["landmarks"]
    assert session.counters["squat"].cuts == 1


def test_analyze_lists_a_cut_found_in_the_landmarks(tmp_path: Path) -> None:
    """``analyze`` of a landmark file (no pixels) of a lat pull-down set cut into split squats:
    the cut found in the landmarks is in ``summary.json``'s ``cuts`` with its kind, and each
    side is its own set of its own exercise."""
    from gymlib.analyze import analyze

    lm, seam, size = _joined("lat_machine", 5, "split_squat", 3)
    path = save_npz_atomic(tmp_path / "joined.npz", landmarks=lm, fps=np.float64(FPS),
                           image_size=np.array(size))  # fmt: skip
    result = analyze(path, out=tmp_path / "out", progress=False)
    summary = json.loads(Path(result.outputs["summary"]).read_text())
    assert summary["cuts_found"] == [{"time_s": pytest.approx(seam / FPS), "kind": "landmarks"}]
    assert summary["cuts"] == []  # (the pixel cuts' times: a landmark file has none)
    assert [(s["exercise"], s["reps"]) for s in summary["sets"]] == [
        ("lat_machine", 5), ("split_squat", 3)
    ]  # fmt: skip


@pytest.mark.skipif(not (SHARED_DATA / "real_videos").is_dir(), reason="needs ../shared/data")
def test_a_real_lat_pull_down_set_cut_into_a_one_rep_split_squat_counts_it() -> None:
    """Real clips joined as ``benchmarks/real_transforms.py --transforms concat`` joins them:
    a lat pull-down set from the side (5 reps by hand), then the Smith split squat's single slow
    rep; the seam given as the pixels see it. Live and offline (the plan, then counting, as
    ``analyze``) the rep after the cut is counted: 6 (before session 8, 5 on both paths: the lat
    pull-down belief held over the seam live; offline the one-rep set after the cut was joined
    to the lat set as its set-up). Landmarks: MediaPipe on the real videos (cached in
    data/interim/real_videos, as the benchmarks do)."""
    from gymlib.benchtools import load_clips, pose_file
    from gymlib.clip_transforms import Source, concat
    from gymlib.extract import PoseSequence

    clips = {c.name: c for c in load_clips(SHARED_DATA / "real_videos")}
    cache = ROOT / "data" / "interim" / "real_videos"

    def source(name: str) -> Source:
        clip = clips[name]
        marks = json.loads(clip.video.with_suffix(".json").read_text(encoding="utf-8"))
        seq = PoseSequence.load(pose_file(clip, cache, rerun=False)[0])
        return Source(clip, seq, tuple(map(tuple, marks["rep_frames"])))

    a, b = source("lat_machine_side_gym-portrait"), source("split_squat_back_gym-smith-portrait")
    case = concat(a, b, seen=True)
    seq = case.seq
    frames = [f if d else None for f, d in zip(seq.landmarks, seq.detected, strict=True)]
    times = [float(t) for t in seq.timestamps]
    counted = []
    for offline in (False, True):
        session = CoachSession(fps=seq.fps, aspect=seq.image_size[0] / seq.image_size[1])
        session.cuts = list(case.cuts)
        if offline:
            session.plan(frames, times)
        for f, t in zip(frames, times, strict=True):
            session.update(f, t)
        session.finish()
        counted.append(len(session.reps))
    assert counted == [a.clip.reps + b.clip.reps] * 2 == [6, 6]


def test_the_annotated_video_names_a_landmark_cut(squats_cut) -> None:  # noqa: ANN001
    """``analyze``'s drawing (a real :class:`gymlib.annotate.Annotator` over the live loop; only
    the encoder is replaced by a list of what it is handed): the cut's kind and time are
    written on the frames of the 2 s after it, on none before."""
    from gymlib.annotate import CUT_SHOWN_S, Annotator
    from gymlib.live import LiveLoop

    lm, seam, size = squats_cut
    handed: list[tuple[float, list[str]]] = []

    class Lines:
        def write(self, rgb, lm, lines, colour, t, marks=()) -> None:  # noqa: ANN001
            handed.append((t, list(lines)))

    writer = SimpleNamespace(size=(64, 48))  # (the real encoder's thread: closed unused)
    annotator = Annotator(LiveLoop(CoachSession(fps=FPS, aspect=size[0] / size[1])), writer)
    annotator.encoder.close()
    annotator.encoder = Lines()
    frames, times = _frames(lm)
    blank = np.zeros((48, 64, 3), np.uint8)
    for f, t in zip(frames, times, strict=True):
        annotator.frame(blank, f, t)
    note = f"camera cut at {times[seam]:.1f} s (landmarks): started afresh"
    shown = [t for t, lines in handed if note in lines]
    assert shown and shown[0] == pytest.approx(times[seam])
    assert shown[-1] == pytest.approx(times[seam] + CUT_SHOWN_S - 1 / FPS, abs=1.5 / FPS)
    assert not any("camera cut" in x for t, lines in handed if t < times[seam] for x in lines)
