"""``analyze``'s drawing pass beside the pose pass (gymlib.follow): the frames it takes from the
pose pass, and its replans carrying the dry run on (issue 41)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from gymlib.follow import REPLAN_FRAMES, RecentFrames, last_replan, replan_due


def test_the_drawing_gets_the_pose_pass_frames_and_decodes_again_only_those_dropped(
    tmp_path: Path,
) -> None:
    from test_sources import _person_video

    from gymlib.media import VideoReader

    video = _person_video(tmp_path / "me.mp4", frames=40)
    decoded = [rgb for rgb, _ in VideoReader(video, format="rgb24")]
    again = lambda: (rgb for rgb, _ in VideoReader(video, format="rgb24"))  # noqa: E731
    recent = RecentFrames(again, fps=30, seconds=0.2)  # keeps 6 frames
    read = recent.read()
    got = []
    for i, rgb in enumerate(decoded):
        recent.put(rgb.copy())
        if i % 10 == 9:  # the drawing falls 10 frames behind, then catches up to 3 behind
            got += [next(read) for _ in range(i - 2 - len(got))]
    got += list(read)
    assert len(got) == len(decoded)
    assert all(np.array_equal(a, b) for a, b in zip(got, decoded, strict=True))
    # each catch-up finds the last 6 frames kept and reads 3 of them, the end reads the last 3
    assert recent.reused == 3 * 4 + 3
    assert recent.decoded_again == len(decoded) - recent.reused


def test_replans_carrying_the_dry_run_on_plan_as_a_dry_run_from_the_start() -> None:
    """A replanning session (remember_probabilities) carries the set-up movements' dry run on
    from its last plan; every replan's plan is the one a dry run from the start gives."""
    import gymlib.plan as plan_module
    from gymlib.model import ExerciseClassifier
    from gymlib.session import CoachSession
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", [4, 3], seed=7, view="left")  # two sets and a rest
    poses = [f if f.any() else None for f in clip.landmarks]
    times = [i / clip.fps for i in range(len(poses))]
    classifier = ExerciseClassifier.load()
    carried, fresh = (CoachSession(classifier, fps=clip.fps) for _ in range(2))
    carried.remember_probabilities()
    fresh.remember_probabilities()
    views = []
    for n in range(REPLAN_FRAMES, len(poses) + 1, REPLAN_FRAMES):
        carried.plan(poses[:n], times[:n])
        keep, plan_module.DRY_CARRY_S = plan_module.DRY_CARRY_S, 1e9  # never carried
        try:
            fresh.plan(poses[:n], times[:n])
        finally:
            plan_module.DRY_CARRY_S = keep
        assert carried.plan_view() == fresh.plan_view(), f"the plans of {n} frames differ"
        views.append(carried.plan_view())
    assert any(v.setup for v in views) or sum(len(set(v.exercises or ())) > 1 for v in views)
    assert carried._dry is not None and carried._dry.fed > 0  # it did carry on


def test_a_replan_carries_the_dry_run_on_while_the_set_grows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A set's confidence changes with each window it gains, but a step takes the confidence
    from the plan anew and counts without it: the dry run is carried on across such replans
    (it was redone from the start on each of them) and still plans as one from the start."""
    from gymlib.model import ExerciseClassifier
    from gymlib.session import CoachSession
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", [8], seed=3, view="left")  # one set that keeps growing
    poses = [f if f.any() else None for f in clip.landmarks]
    times = [i / clip.fps for i in range(len(poses))]
    classifier = ExerciseClassifier.load()
    carried = CoachSession(classifier, fps=clip.fps)
    carried.remember_probabilities()
    fed = 0
    update = CoachSession.update

    def counted(self, landmarks, t):  # noqa: ANN001, ANN202
        nonlocal fed
        fed += self is not carried  # the dry runs' sessions, not the planning one
        return update(self, landmarks, t)

    monkeypatch.setattr(CoachSession, "update", counted)
    ends = list(range(REPLAN_FRAMES, len(poses) + 1, REPLAN_FRAMES))
    confidences = set()
    for n in ends:
        carried.plan(poses[:n], times[:n])
        confidences |= {c for ex, c in carried._plan if ex == "squat"}
    monkeypatch.setattr(CoachSession, "update", update)
    fresh = CoachSession(classifier, fps=clip.fps)
    fresh.plan(poses[: ends[-1]], times[: ends[-1]])
    assert carried.plan_view() == fresh.plan_view()
    assert len(confidences) > 1  # the set's confidence changed from plan to plan
    from_start = sum(ends)
    # carried on: about DRY_CARRY_S + REPLAN_FRAMES a replan (4050 of 23940 frames; when any
    # change of the confidence stopped the carry, 11370)
    assert fed < from_start / 4, f"{fed} frames fed to dry runs; from the start: {from_start}"


def test_the_whole_clips_plan_carries_the_replans_dry_run_on_and_plans_as_from_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``analyze``'s plan of the whole clip, made after the pose pass while the video's last
    frames wait for it, carries on the drawing pass's replanning session's dry run (the
    stream so far: 2 s before its last replan's end) instead of counting the whole clip again:
    the same plan as a session planning from the start, for a fraction of the frames."""
    from gymlib.model import ExerciseClassifier
    from gymlib.plan import carry_dry_run
    from gymlib.session import CoachSession
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", [4, 3], seed=7, view="left")  # two sets and a rest
    poses = [f if f.any() else None for f in clip.landmarks]
    times = [i / clip.fps for i in range(len(poses))]
    classifier = ExerciseClassifier.load()
    replans = CoachSession(classifier, fps=clip.fps)
    replans.remember_probabilities()
    for n in range(REPLAN_FRAMES, len(poses) - 20, REPLAN_FRAMES):  # the last 20+ not yet seen
        replans.plan(poses[:n], times[:n])
    final, fresh = (CoachSession(classifier, fps=clip.fps) for _ in range(2))
    fed = 0
    update = CoachSession.update

    def counted(self, landmarks, t):  # noqa: ANN001, ANN202
        nonlocal fed
        fed += self not in (final, fresh)  # the dry run's session, not the planning ones
        return update(self, landmarks, t)

    monkeypatch.setattr(CoachSession, "update", counted)
    carry_dry_run(final, replans)
    final.plan(poses, times)
    carried, fed = fed, 0
    fresh.plan(poses, times)
    assert final.plan_view() == fresh.plan_view()
    assert final._plan == fresh._plan
    assert fed == len(poses)  # from the start
    assert carried < len(poses) / 3, f"{carried} of {len(poses)} frames fed again"
    assert replans._dry is None  # given up: the whole clip's dry run fed it on


def test_a_carried_dry_run_sees_the_cuts_found_after_it_was_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """analyze's cut list grows as the video is read, and a replan carries on a dry run kept
    before some of its cuts were found: that run (copied when kept) must read the same list,
    not a copy of it as it was then, or it counts across the cut where a run from the start
    restarts (and the set-up it finds differs)."""
    from gymlib import plan as plan_module
    from gymlib.session import CoachSession
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", [8], seed=3, view="left")
    poses = [f if f.any() else None for f in clip.landmarks]
    times = [i / clip.fps for i in range(len(poses))]
    late = times[int(len(times) * 0.8)]  # a cut found late, after the carried run was kept
    runs: list[CoachSession] = []
    dry_run = plan_module._dry_run
    monkeypatch.setattr(plan_module, "_dry_run", lambda *a: runs.append(dry_run(*a)) or runs[-1])
    carried = CoachSession(fps=clip.fps, exercise="squat")
    carried.cuts = found = []
    carried.remember_probabilities()
    for n in range(REPLAN_FRAMES, len(poses) + 1, REPLAN_FRAMES):
        if times[n - 1] >= late and not found:
            found.append(late)  # the pose pass reached the cut
        carried.plan(poses[:n], times[:n])
    assert found and carried._dry is not None and carried._dry.fed > 0
    fresh = CoachSession(fps=clip.fps, exercise="squat")
    fresh.cuts = [late]
    fresh.plan(poses[:n], times[:n])
    last, first = runs[-2], runs[-1]  # the carried replan's run, the fresh one's
    assert last.counters["squat"].cuts == first.counters["squat"].cuts == 1
    assert [r.bottom for r in last.reps] == [r.bottom for r in first.reps]


def test_the_encoders_tail_stays_within_the_kept_bytes_when_the_picture_grows() -> None:
    """``analyze`` lets ``RecentFrames.limit`` frames wait for the encoder after the pose pass:
    sized by a clip's first small frame it was 90 frames of 640x480 here (79 MB, of 4 MB the
    frames kept may hold; a 320x240 start and a 4K rest: 2.2 GB of 128 MB)."""
    small, large = np.ones((24, 32, 3), np.uint8), np.ones((480, 640, 3), np.uint8)
    recent = RecentFrames(lambda: iter(()), fps=30, seconds=3.0, max_bytes=4 * 2**20)
    recent.put(small)
    assert recent.limit == 90
    recent.put(large)
    assert recent.limit == 4 * 2**20 // large.nbytes == 4


def test_the_drawing_pass_replans_once_more_just_before_the_declared_end() -> None:
    """The frames after the drawing pass's last replan (up to a tenth of the clip: 180 frames
    at a minute's end) are drawn after the pose pass; a replan END_REPLAN_S before the end the
    file declares leaves only those few and the lag's; the other replans stay as they were."""

    def schedule(frames: int, last: int | None) -> list[int]:
        planned, plans = 0, []
        for n in range(1, frames + 1):
            if replan_due(n, planned, last):
                planned = n
                plans.append(n)
        return plans

    for frames, fps in ((300, 30.0), (1800, 30.0), (1000, 59.94)):
        last = last_replan(frames, fps)
        assert last is not None and 0 < frames - last <= 0.2 * fps + 1
        usual, ending = schedule(frames, None), schedule(frames, last)
        assert ending[-1] == last  # one more, at the end (a usual one after it is not made)
        assert ending[:-1] == [n for n in usual if n < last]  # the others as before
    assert last_replan(0, 30.0) is None  # a file that does not say: as before


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="thread niceness is a POSIX/Linux call")
def test_the_threads_beside_the_pose_pass_yield_a_contended_core() -> None:
    """behind_pose lowers only the calling thread's priority (Linux takes niceness per thread):
    the pose pass (the main thread) keeps its own, and a niceness already lower is kept."""
    from gymlib.annotate import BEHIND_POSE_NICE, behind_pose

    main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen: list[int] = []

    def work() -> None:
        behind_pose()
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        behind_pose()  # a second call keeps it, never raises it back
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [max(main, BEHIND_POSE_NICE)] * 2
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main


def test_the_plan_is_the_same_whatever_the_batch_of_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A long clip's windows are classified and measured ``plan.BATCH`` at a time (all at
    once held their features together); in batches of 3 the plan is the one of all at once:
    every frame's exercise, every window's probabilities, the sets."""
    import gymlib.plan as plan_module
    from gymlib.model import ExerciseClassifier
    from gymlib.session import CoachSession
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", [4, 3], seed=7, view="left")
    poses = [f if f.any() else None for f in clip.landmarks]
    times = [i / clip.fps for i in range(len(poses))]
    classifier = ExerciseClassifier.load()
    plans = []
    for batch in (10_000, 3):
        monkeypatch.setattr(plan_module, "BATCH", batch)
        session = CoachSession(classifier, fps=clip.fps)
        sets = session.plan(poses, times)
        plans.append((sets, session._plan, session._plan_probs))
    (sets_a, plan_a, probs_a), (sets_b, plan_b, probs_b) = plans
    assert len(probs_a) > 3 * 3 and sets_a == sets_b and plan_a == plan_b
    assert probs_a.keys() == probs_b.keys()
    assert all(np.array_equal(probs_a[i], probs_b[i]) for i in probs_a)
