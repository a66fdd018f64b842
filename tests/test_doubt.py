"""The live coach questions an exercise chosen by hand that the movement disagrees with
(gymlib.doubt): real classifier, generated sessions, the dashboard on a rendered clip."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pytest

from gymlib.live import LiveLoop
from gymlib.model import ExerciseClassifier
from gymlib.session import CoachSession, VoiceCoach
from gymlib.synth import generate_clip

ROOT = Path(__file__).resolve().parent.parent
LOOKS = "this looks like"


@pytest.fixture(scope="module")
def clf() -> ExerciseClassifier:
    return ExerciseClassifier.load()


def _frames(exercise: str, reps: int = 5, seed: int = 3) -> tuple[list, float, float]:
    clip = generate_clip(exercise, reps, seed=seed, view="left")
    return [f if f.any() else None for f in clip.landmarks], clip.fps, clip.aspect


def _coach(clf: ExerciseClassifier, exercise: str, chosen: str, **loop: object
           ) -> tuple[LiveLoop, list]:  # fmt: skip
    frames, fps, aspect = _frames(exercise)
    run = LiveLoop(CoachSession(clf, fps=fps, aspect=aspect, exercise=chosen),
                   voice=VoiceCoach(), **loop)  # type: ignore[arg-type]  # fmt: skip
    return run, [run.step(i / fps, landmarks=f) for i, f in enumerate(frames)]


def test_squats_with_push_up_chosen_are_questioned_shown_and_said(clf: ExerciseClassifier) -> None:
    """The count follows the choice (none); the hint names both exercises, from
    ``doubt_after_s`` after the movement first read as squats, and the voice says it."""
    run, outs = _coach(clf, "squat", "push_up")
    doubts = [o for o in outs if o.doubt]
    assert not run.reps and len(doubts) > len(outs) / 3
    assert doubts[0].doubt == ("this looks like squat, but the exercise is set to push_up: "
                               "choose squat or auto")  # fmt: skip
    assert any(o.say == doubts[0].doubt.replace("_", " ") for o in outs)  # said in words
    assert all(o.exercise == "push_up" for o in outs)  # the choice stands


def test_the_right_choice_and_auto_are_never_questioned(clf: ExerciseClassifier) -> None:
    for exercise in ("squat", "push_up", "pull_up"):
        run, outs = _coach(clf, exercise, exercise)
        assert len(run.reps) == 5 and not [o for o in outs if o.doubt], exercise
    run, outs = _coach(clf, "squat", "auto")
    assert len(run.reps) == 5 and not [o for o in outs if o.doubt]


class _Counted:
    """The real classifier, its windows classified counted."""

    def __init__(self, clf: ExerciseClassifier) -> None:
        self.clf, self.windows = clf, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.clf, name)

    def predict_one(self, x: np.ndarray) -> np.ndarray:
        self.windows += 1
        return self.clf.predict_one(x)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        self.windows += len(x)
        return self.clf.predict_proba(x)


def test_off_where_the_count_is_drawn_or_replayed(clf: ExerciseClassifier, tmp_path: Path) -> None:
    """``analyze`` with the right exercise given classifies no window (its drawing pass does
    not doubt; a choice that counts is not questioned offline either), and a saved session's
    replay does not doubt the choice it replays."""
    from gymlib.analyze import analyze, save_clip_npz
    from gymlib.recording import LiveInputs, replay_session, save_session

    clip = generate_clip("squat", 4, seed=3, view="left")
    src = save_clip_npz(clip, tmp_path / "squats.npz")
    counted = _Counted(clf)
    result = analyze(src, out=tmp_path / "out", exercise="squat", classifier=counted,
                     progress=False)  # fmt: skip
    assert len(result.reps) == 4 and counted.windows == 0
    run, outs = _coach(clf, "squat", "push_up")
    assert [o for o in outs if o.doubt]  # live, it was questioned
    times = np.arange(len(clip.landmarks)) / clip.fps
    saved = save_session(tmp_path / "sessions", times, clip.landmarks, fps=clip.fps,
                         aspect=clip.aspect, inputs=LiveInputs.of(run.session))  # fmt: skip
    counted.windows = 0
    replayed = replay_session(saved, counted)
    assert replayed.doubt is None and not replayed.reps and counted.windows == 0


def test_taking_the_hint_clears_it_and_the_reps_count(clf: ExerciseClassifier) -> None:
    """The user picks the exercise the hint names: the doubt goes at once and the new
    choice's counter counts the reps it had missed (it watches the recent frames again)."""
    frames, fps, aspect = _frames("squat", reps=6)
    run = LiveLoop(CoachSession(clf, fps=fps, aspect=aspect, exercise="push_up"))
    switched = False
    for i, f in enumerate(frames):
        out = run.step(i / fps, landmarks=f)
        if switched:
            assert out.doubt is None, i
        elif out.doubt:
            switched = True
            run.session.set_exercise("squat")  # the dashboard's menu
    assert switched and len(run.reps) == 6 and {r.exercise for r in run.reps} == {"squat"}


def test_moving_on_to_another_exercise_with_the_menu_left_as_it_was(
    clf: ExerciseClassifier,
) -> None:
    """Squats chosen and counted, then push-ups with the menu still on squat: the push-ups
    are questioned (a rep counted earlier does not silence the doubt for good)."""
    squats, fps, aspect = _frames("squat", reps=4)
    push_ups, fps2, _ = _frames("push_up", reps=5, seed=4)
    assert fps == fps2
    run = LiveLoop(CoachSession(clf, fps=fps, aspect=aspect, exercise="squat"))
    outs = [run.step(i / fps, landmarks=f) for i, f in enumerate(squats + push_ups)]
    assert len(run.reps) == 4
    during = [o.doubt for o in outs[: len(squats)]], [o.doubt for o in outs[len(squats) :]]
    assert not any(during[0])
    assert {d for d in during[1] if d} == {
        "this looks like push_up, but the exercise is set to squat: choose push_up or auto"
    }


@pytest.mark.usefixtures("deadlift_added")
def test_a_classifier_without_the_chosen_exercise_doubts_nothing(clf: ExerciseClassifier) -> None:
    """An exercise added to config.yaml is counted when chosen; the classifier has no class
    for it, so the doubt stands aside (no error, the count goes on)."""
    run, outs = _coach(clf, "push_up", "deadlift")
    assert run.doubt is not None and run.doubt._off  # the decision refused the classifier
    assert not [o for o in outs if o.doubt]


def test_the_dashboard_shows_the_doubt(clf: ExerciseClassifier, tmp_path: Path) -> None:
    """The rendered squat sample as the browser sends it (JPEG, its times) to the dashboard's
    handler with push-up picked in its menu: real MediaPipe, the hint in the warnings pane."""
    import cv2

    from gymlib.media import VideoReader
    from gymlib.widgets.coach import LiveCoach

    coach = LiveCoach(clf, sessions=tmp_path)
    coach._set_exercise("push_up")
    shown = []
    try:
        for i, (bgr, _t) in enumerate(VideoReader(ROOT / "data" / "samples" / "squat-left.mp4")):
            coach._handle(cv2.imencode(".jpg", bgr)[1].tobytes(), i / 30)
            shown.append(html.escape("this looks like squat, but the exercise is set to push_up")
                         in coach.warnings.value)  # fmt: skip
    finally:
        coach.close()
    assert not coach.session.reps and sum(shown) > len(shown) / 3, f"{sum(shown)} of {len(shown)}"


@pytest.mark.parametrize(
    ("name", "wrong", "seen"),
    [("split_squat_back_gym-barbell", "bench_press", {"squat", "split_squat"}),
     ("pull_up_back_gym-stock", "push_up", {"pull_up"})],
)  # fmt: skip
def test_real_clips_chosen_right_are_not_questioned_and_chosen_wrong_are(
    clf: ExerciseClassifier, name: str, wrong: str, seen: set[str]
) -> None:
    """Real people (../shared/data/real_videos, skipped without it): the barbell split squat
    from behind reads as a squat for its first seconds (shorter than ``doubt_after_s``), then
    as a split squat once its stance shows."""
    from conftest import real_source

    src = real_source(name)
    w, h = src.seq.image_size
    for chosen in (src.clip.exercise, wrong):
        run = LiveLoop(CoachSession(clf, fps=src.seq.fps, aspect=w / h, exercise=chosen))
        doubts = {
            out.doubt
            for frame, t in zip(src.seq.frames(), src.seq.timestamps, strict=True)
            if (out := run.step(float(t), landmarks=frame)).doubt
        }
        if chosen == wrong:
            assert not run.reps and doubts
            assert {d.split(",")[0] for d in doubts} <= {f"{LOOKS} {ex}" for ex in seen}
        else:
            assert len(run.reps) == src.clip.reps and not doubts


def test_a_camera_cut_starts_the_evidence_afresh(clf: ExerciseClassifier) -> None:
    """Push-ups, a cut (seen in the pixels), then squats with squat chosen: the push-ups are
    questioned before the cut and nothing after it (the last push-up shot's reading does not
    carry over into the squats' shot)."""
    push_ups, fps, aspect = _frames("push_up", reps=4, seed=4)
    push_ups = push_ups[: round(15 * fps)]  # cut off mid-set (questioned from 10.6 s)
    squats, _, _ = _frames("squat", reps=4)
    run = LiveLoop(CoachSession(clf, fps=fps, aspect=aspect, exercise="squat"))
    cut = len(push_ups) / fps
    run.session.cuts = [cut]
    outs = [run.step(i / fps, landmarks=f) for i, f in enumerate(push_ups + squats)]
    assert any(o.doubt for o in outs if cut - 0.5 < o.time < cut)
    assert not [o.time for o in outs if o.time >= cut and o.doubt]
    assert len(run.reps) == 4


def test_the_dashboards_menu_shows_the_choice_made_from_python(
    clf: ExerciseClassifier, tmp_path: Path
) -> None:
    """Notebook 04's EXERCISE fixed the session while the menu showed "auto", so the hint's
    "choose auto" could not be picked. Now the menu starts on the choice and ``choose``
    moves both."""
    from gymlib.widgets.coach import LiveCoach

    with pytest.raises(ValueError, match="exercise must be 'auto' or one of"):
        LiveCoach(clf, sessions=tmp_path, exercise="bogus")
    coach = LiveCoach(clf, sessions=tmp_path, exercise="push_up")
    try:
        assert coach.exercise_menu.value == "push_up" == coach.session.fixed
        coach.choose("auto")
        assert coach.exercise_menu.value == "auto" and coach.session.fixed is None
        coach.session.set_exercise("squat")  # behind the menu's back ...
        coach.choose("auto")  # ... the menu's own entry still sets it
        assert coach.session.fixed is None
        coach.exercise_menu.value = "split_squat"  # the user's pick
        assert coach.session.fixed == "split_squat"
    finally:
        coach.close()
