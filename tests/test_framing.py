"""The framing check (gymlib.framing): the feet or hands an exercise reads, out of the picture.

The stage on its own with landmarks placed by hand (what MediaPipe returns for a joint beyond
the picture's edge: a coordinate past 0 or 1); then the live loop, the voice and ``analyze`` on
a real video with the feet cut off by ffmpeg, through MediaPipe.
"""

from __future__ import annotations

import dataclasses
import html
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import SureSquat

from gymlib.config import ConfigError, load_config
from gymlib.framing import FramingWatch, doing, edge_of, joints
from gymlib.landmarks import L
from gymlib.live_config import FramingConfig

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "squat-front.mp4"


def standing(feet_y: float = 0.85, wrists_y: float = 0.5, nose_y: float = 0.15) -> np.ndarray:
    """``(33, 4)``: a person in the picture's middle, the ankles at ``feet_y`` (share of the
    height from the top), the wrists at ``wrists_y``, the nose at ``nose_y``."""
    lm = np.zeros((33, 4), np.float32)
    lm[:, 0], lm[:, 1], lm[:, 3] = 0.5, 0.5, 0.9
    lm[[L.LEFT_ANKLE, L.RIGHT_ANKLE], 1] = feet_y
    lm[[L.LEFT_WRIST, L.RIGHT_WRIST], 1] = wrists_y
    lm[L.NOSE, 1] = nose_y
    return lm


def run(watch: FramingWatch, frames: list[np.ndarray | None], exercise: str, fps: float,
        t0: float = 0.0) -> list[str | None]:  # fmt: skip
    return [watch.update(f, exercise, t0 + i / fps) for i, f in enumerate(frames)]


def first_hint(hints: list[str | None], fps: float) -> float | None:
    shown = [i for i, h in enumerate(hints) if h]
    return shown[0] / fps if shown else None


def test_edges() -> None:
    assert edge_of(np.array([[0.5, 0.9], [0.4, 0.95]])) is None
    assert edge_of(np.array([[0.5, 1.1], [0.4, 0.95]])) == "bottom"
    assert edge_of(np.array([[0.5, -0.05], [0.4, 0.5]])) == "top"
    assert edge_of(np.array([[-0.2, 1.05], [0.4, 0.5]])) == "left"  # the furthest out
    assert edge_of(np.array([[0.5, 0.5], [1.08, 1.05]])) == "right"


@pytest.mark.parametrize("fps", [15.0, 30.0, 60.0])
def test_feet_out_on_a_squat_hint_after_the_same_time_at_any_frame_rate(fps: float) -> None:
    cfg = FramingConfig()
    frames = [standing(feet_y=1.08)] * int(6 * fps)
    hints = run(FramingWatch(cfg), frames, "squat", fps)
    assert hints[-1] == "Your feet are out of the picture - step back or aim the camera lower"
    at = first_hint(hints, fps)
    assert at is not None and abs(at - cfg.window_s / 2) <= 1 / fps + 1e-9


def test_feet_in_the_picture_or_not_read_no_hint() -> None:
    assert not any(run(FramingWatch(), [standing()] * 300, "squat", 30.0))
    # a pull-up's feet hang below the picture: the count does not read them
    assert not any(run(FramingWatch(), [standing(feet_y=1.3)] * 300, "pull_up", 30.0))
    # nobody seen, or an exercise the check has no parts for (a taught one)
    assert not any(run(FramingWatch(), [None] * 300, "squat", 30.0))
    assert not any(run(FramingWatch(), [standing(feet_y=1.3)] * 300, "jumping_jacks", 30.0))


def test_a_few_frames_out_are_not_enough() -> None:
    """Under ``on_share`` of the window's frames out (the feet dipping out at a rep's bottom):
    no hint."""
    frames = [standing(feet_y=1.05) if i % 10 < 4 else standing() for i in range(600)]
    assert not any(run(FramingWatch(), frames, "squat", 30.0))


def test_hands_overhead_the_head_out_stands_for_them() -> None:
    """On a pull-up or a lat pull-down the hands are above the head at each rep's top: the head
    out of the top means they are out, even where MediaPipe guesses them inside."""
    assert L.NOSE in joints("hands", "lat_machine")
    assert L.NOSE not in joints("hands", "bench_press")
    frames = [standing(nose_y=-0.05, wrists_y=0.3)] * 150
    hints = run(FramingWatch(), frames, "lat_machine", 30.0)
    assert hints[-1] == "Your hands are out of the picture - step back or aim the camera higher"
    assert not any(run(FramingWatch(), frames, "bench_press", 30.0))


def test_hands_out_at_a_side_the_hint_says_which_side() -> None:
    """A push-up's hands past the picture's left edge (as filmed): the hint and the report name
    that side (the right in a mirrored view), and send the user to the middle rather than a
    direction that differs between a mirrored view and another."""
    frame = standing()
    frame[[L.LEFT_WRIST, L.RIGHT_WRIST], 0] = -0.06
    watch = FramingWatch()
    hints = run(watch, [frame] * 150, "push_up", 30.0)
    assert hints[-1] == ("Your hands are out of the picture at the left - step back or move to "
                         "the middle of the picture")  # fmt: skip
    (spell,) = watch.finish()
    assert spell.edge == "left" and "out of the picture at the left from 0.0 s" in spell.report()
    # the dashboard's preview is a selfie view: there the hands leave the picture at the right
    hints = run(FramingWatch(mirrored=True), [frame] * 150, "push_up", 30.0)
    assert hints[-1] == ("Your hands are out of the picture at the right - step back or move to "
                         "the middle of the picture")  # fmt: skip


def test_hint_clears_and_the_spell_is_reported() -> None:
    cfg = FramingConfig(window_s=2.0, on_share=0.5, off_share=0.2, report_s=2.0)
    watch = FramingWatch(cfg)
    out = [standing(feet_y=1.1)] * 150  # 5 s out
    back = [standing()] * 150  # 5 s in
    hints = run(watch, out + back, "split_squat", 30.0)
    assert hints[149] is not None and hints[-1] is None
    cleared = first_hint([None if h else "x" for h in hints[150:]], 30.0)
    assert cleared is not None and cleared <= cfg.window_s
    watch.finish()
    (spell,) = watch.reported()
    assert (spell.part, spell.exercise, spell.edge) == ("feet", "split_squat", "bottom")
    assert spell.start == 0.0 and 4.9 < spell.end < 5.0 + cfg.window_s
    assert "from 0.0 s to" in spell.report() and "aim the camera lower" in spell.report()


def test_short_spells_are_not_reported_and_an_open_one_closes_at_the_end() -> None:
    cfg = FramingConfig(window_s=2.0, report_s=3.0)
    watch = FramingWatch(cfg)
    run(watch, [standing(feet_y=1.1)] * 60 + [standing()] * 90, "squat", 30.0)  # 2 s out
    run(watch, [standing(feet_y=1.1)] * 240, "squat", 30.0, t0=5.0)  # 8 s, until the end
    watch.finish()
    assert len(watch.spells) == 2
    (long,) = watch.reported()
    assert long.start >= 5.0 and long.end == pytest.approx(5.0 + 239 / 30)


def test_config_checked_on_load(tmp_path: Path) -> None:
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    assert load_config().live.framing == FramingConfig(3.0, 0.5, 0.2, 2.0, 0.5)
    bad = tmp_path / "config.yaml"
    bad.write_text(text.replace("    on_share: 0.5", "    on_share: 0.1"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"live\.framing.*off_share \(0\.2\) must be below"):
        load_config(bad)
    bad.write_text(text.replace("    window_s: 3.0", "    window_s: 0"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"live\.framing\.window_s: 0\.0 is out of range"):
        load_config(bad)


def test_a_part_no_longer_read_or_a_new_exercise_starts_afresh() -> None:
    """Squat -> pull-up with the feet still out: the feet hint goes at once, and no feet spell
    opens under the pull-up as the squat's frames age out of the window."""
    watch = FramingWatch()
    hints = run(watch, [standing(feet_y=1.1)] * 90, "squat", 30.0)
    assert hints[-1] is not None
    hints = run(watch, [standing(feet_y=1.1)] * 300, "pull_up", 30.0, t0=3.0)
    assert not any(hints)
    watch.finish()
    assert [(s.part, s.exercise) for s in watch.spells] == [("feet", "squat")]
    # pull-up -> bench press: the hands read by other joints (no nose): counted afresh
    watch = FramingWatch()
    run(watch, [standing(wrists_y=-0.1)] * 150, "pull_up", 30.0)
    run(watch, [standing(wrists_y=-0.1)] * 150, "bench_press", 30.0, t0=5.0)
    watch.finish()
    assert [s.exercise for s in watch.spells] == ["pull_up", "bench_press"]


def test_a_wavering_decision_keeps_one_spell() -> None:
    """The classifier unsure (no exercise in one classification of four) or swapping squat and
    split squat (the same joints read): the hint stays, and one spell is reported."""
    for other in ("unknown", "split_squat"):
        watch = FramingWatch()
        hints = [watch.update(standing(feet_y=1.1), other if (i // 10) % 4 == 3 else "squat",
                              i / 30) for i in range(600)]  # fmt: skip
        watch.finish()
        assert sum(map(bool, hints)) > 540, other
        assert [(s.part, s.exercise) for s in watch.reported()] == [("feet", "squat")], other


def test_nobody_seen_hides_the_hint_and_a_clock_going_back_starts_afresh() -> None:
    watch = FramingWatch()
    assert run(watch, [standing(feet_y=1.1)] * 90, "squat", 30.0)[-1] is not None
    assert not any(run(watch, [None] * 30, "squat", 30.0, t0=3.0))
    # a new stream from 0 s: the old spell closes, the feet now in the picture show nothing
    hints = run(watch, [standing()] * 30, "squat", 30.0, t0=0.0)
    assert not any(hints) and len(watch.spells) == 1


def test_doing_names_an_exercise_only_when_likely() -> None:
    assert doing("squat", {}, 0.5) == "squat"
    assert doing("unknown", {"squat": 0.6, "other": 0.1, "pull_up": 0.3}, 0.5) == "squat"
    assert doing("unknown", {"squat": 0.4, "other": 0.3, "pull_up": 0.3}, 0.5) == "unknown"
    assert doing("unknown", {"squat": 0.3, "other": 0.7}, 0.5) == "unknown"
    assert doing("unknown", {}, 0.5) == "unknown"


def test_the_loop_shows_the_hint_and_the_voice_says_it_before_form_warnings() -> None:
    from gymlib.live import LiveLoop
    from gymlib.reps import FormWarning
    from gymlib.session import CoachSession, VoiceCoach

    loop = LiveLoop(CoachSession(exercise="squat"), voice=VoiceCoach())
    outs = [loop.step(i / 30, landmarks=standing(feet_y=1.1)) for i in range(120)]
    shown = [o for o in outs if o.framing]
    assert shown and shown[0].time == pytest.approx(1.5, abs=0.05)
    said = [o.say for o in outs if o.say]
    assert said and said[0].startswith("Your feet are out of the picture")
    loop.finish()
    assert [s.part for s in loop.framing.reported()] == ["feet"]
    # a frame with a form warning: the framing hint is said first, the warning after it
    warning = FormWarning("shallow", "Go deeper", 2, 99.0)
    warned = dataclasses.replace(outs[-1].session, time=100.0, warnings=(warning,))
    voice = VoiceCoach()
    assert voice.update(warned, ("Your feet are out",))[0] == "Your feet are out"
    later = dataclasses.replace(warned, time=104.0)
    assert voice.update(later, ("Your feet are out",))[0] == "Go deeper"


@pytest.fixture(scope="module")
def cut_feet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered front squat sample with the picture cut across the shins (ankles at 82-86 %
    of its height; the cut at 72 %), re-encoded by ffmpeg."""
    out = tmp_path_factory.mktemp("framing") / "squat-cut-feet.mp4"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(SAMPLE), "-vf",
                    "crop=iw:trunc(ih*0.72/2)*2:0:0", "-c:v", "libx264", "-crf", "18",
                    "-pix_fmt", "yuv420p", str(out)], check=True)  # fmt: skip
    return out


def test_analyze_warns_of_feet_out_of_the_picture(
    cut_feet: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A real video through MediaPipe: the feet cut off are reported (stderr, summary.json);
    the same clip whole is not."""
    from gymlib.analyze import analyze

    result = analyze(cut_feet, out=tmp_path / "cut", progress=False)
    summary = json.loads(Path(result.outputs["summary"]).read_text(encoding="utf-8"))
    parts = {(r["part"], r["exercise"], r["edge"]) for r in summary["framing"]}
    assert parts == {("feet", "squat", "bottom")}, summary["framing"]
    assert any(w.startswith("your feet were out of the picture") for w in summary["warnings"])
    assert "your feet were out of the picture" in capsys.readouterr().err
    whole = analyze(SAMPLE, out=tmp_path / "whole", progress=False)
    summary = json.loads(Path(whole.outputs["summary"]).read_text(encoding="utf-8"))
    assert summary["framing"] == [] and not any("picture" in w for w in summary["warnings"])


def test_the_dashboard_shows_the_hint_and_a_saved_session_keeps_the_spells(
    cut_feet: Path, tmp_path: Path
) -> None:
    """The cut squat as the browser sends it (JPEG, its times) to the dashboard's handler: real
    MediaPipe, the hint in the warnings pane, the spell in the saved session's summary.json."""
    import cv2

    from gymlib.media import VideoReader
    from gymlib.model import ExerciseClassifier
    from gymlib.widgets.coach import LiveCoach

    coach = LiveCoach(ExerciseClassifier.load(), sessions=tmp_path)
    assert coach.loop.framing.mirrored  # its preview is a selfie view: sides named as seen
    shown = []
    try:
        for i, (bgr, _t) in enumerate(VideoReader(cut_feet)):
            coach._handle(cv2.imencode(".jpg", bgr)[1].tobytes(), i / 30)
            shown.append("Your feet are out of the picture" in coach.warnings.value)
        summary = json.loads((coach._save() / "summary.json").read_text())
    finally:
        coach.close()
    assert sum(shown) > len(shown) / 2, f"shown in {sum(shown)} of {len(shown)} frames"
    assert {(r["part"], r["edge"]) for r in summary["framing"]} == {("feet", "bottom")}


def test_person_pixels_is_the_larger_extent_over_the_frames_a_person_was_seen_in() -> None:
    """The landmarks' larger extent in pixels (a 1280x720 picture: across counts 1280 a
    share, down 720), the median over the frames with a person; None with nobody."""
    from gymlib.framing import person_pixels, seen_pixels, size_warning

    lm = np.zeros((4, 33, 4), np.float32)
    lm[:, :, :2] = 0.5
    lm[0, 0, :2], lm[0, 1, :2] = (0.45, 0.1), (0.55, 0.6)  # 128 across, 360 down: 360
    lm[1, 0, :2], lm[1, 1, :2] = (0.2, 0.5), (0.5, 0.55)  # 384 across, 36 down: 384
    lm[3, 0, :2], lm[3, 1, :2] = (0.5, 0.0), (0.5, 1.0)  # 720 down
    seen = np.array([True, True, False, True])
    assert person_pixels(lm, seen, (1280, 720)) == pytest.approx(384, abs=0.01)  # the median
    assert person_pixels(lm, np.zeros(4, bool), (1280, 720)) is None
    stream = [lm[0], lm[1], None, lm[3]]  # a stream's frames, one at a time: the same
    assert seen_pixels(stream, (1280, 720)) == pytest.approx(384, abs=0.01)
    assert seen_pixels([None, None], (1280, 720)) is None
    px = seen_pixels([lm[0], None, lm[0]], (128, 72))  # 36 down
    assert px == pytest.approx(36, abs=0.01) and "about 36 pixels" in size_warning(px, 70)
    assert size_warning(360.0, 70) is None


def shrunk(lm: np.ndarray, k: float) -> np.ndarray:
    """``lm`` scaled by ``k`` about the picture's middle (the person further away)."""
    out = lm.copy()
    out[:, :2] = 0.5 + (out[:, :2] - 0.5) * k
    return out


def test_the_live_loop_hints_a_person_too_small_for_the_pose_model() -> None:
    from gymlib.framing import SMALL
    from gymlib.live import LiveLoop
    from gymlib.session import CoachSession, VoiceCoach

    cfg = load_config().live.framing
    picture = np.zeros((480, 640, 3), np.uint8)
    for k, small in ((0.15, True), (0.25, False)):  # 0.7 of 480 px tall: 50 px, 84 px
        person = shrunk(standing(), k)
        loop = LiveLoop(CoachSession(), pose=lambda img, t, p=person: p, voice=VoiceCoach())
        outs = [loop.step(i / 30, image=picture) for i in range(150)]
        hinted = [o.time for o in outs if o.framing == SMALL]
        assert bool(hinted) == small, (k, hinted[:3])
        if small:  # after half the window, as a part's hint; said once, not every frame
            assert hinted[0] == pytest.approx(cfg.window_s / 2, abs=0.05)
            assert [o.say for o in outs if o.say] == [SMALL]
    # landmarks without their picture (a replay, analyze's drawing): no size to judge
    loop = LiveLoop(CoachSession())
    assert not any(loop.step(i / 30, landmarks=shrunk(standing(), 0.15)).framing
                   for i in range(150))  # fmt: skip
    # a part out of the picture is said first; nobody seen: no hint
    # a part out of the picture is shown first: a person small (in a 96x72 picture: 0.9 of 72
    # px) and cut; then, the feet back in and still small, the size; nobody seen: no hint
    watch = FramingWatch(cfg)
    out = [watch.update(standing(feet_y=1.05), "squat", i / 30, (96, 72)) for i in range(150)]
    assert out[-1].startswith("Your feet are out")
    later = [watch.update(standing(), "squat", 5 + i / 30, (96, 72)) for i in range(150)]
    assert later[-1] == SMALL
    assert watch.update(None, "squat", 10.1, (96, 72)) is None
    # once shown, it holds until the person is past the bound by the margin: no flicker
    watch, sway = FramingWatch(cfg), []
    for i in range(900):  # 30 s, the person's size swaying 3 px about the bound
        px = cfg.min_person_px + 3 * np.sin(i / 30 * 2 * np.pi / 4)
        sway.append(watch.update(shrunk(standing(), px / 336), "squat", i / 30, (640, 480)))
    flips = sum(a != b for a, b in zip(sway, sway[1:], strict=False))
    assert flips == 1 and sway[-1] == SMALL  # on once, never off
    grown = shrunk(standing(), (cfg.min_person_px + cfg.person_px_margin + 5) / 336)
    gone = [watch.update(grown, "squat", 30 + i / 30, (640, 480)) for i in range(150)]
    assert gone[-1] is None


def test_the_dashboard_hints_a_person_too_small_in_a_real_picture(tmp_path: Path) -> None:
    """The rendered front squat scaled down to 96x72 (the person about 50 pixels tall) as the
    browser sends it: real MediaPipe, the hint in the warnings pane; the clip whole: none."""
    import cv2

    from gymlib.framing import SMALL
    from gymlib.media import VideoReader
    from gymlib.widgets.coach import LiveCoach

    shown = {}
    for size in ((96, 72), None):
        coach = LiveCoach(SureSquat(), sessions=tmp_path)
        hits = []
        try:
            for i, (bgr, _t) in enumerate(VideoReader(SAMPLE)):
                img = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA) if size else bgr
                coach._handle(cv2.imencode(".jpg", img)[1].tobytes(), i / 30)
                hits.append(html.escape(SMALL) in coach.warnings.value)
        finally:
            coach.close()
        shown[size] = sum(hits) / len(hits)
    assert shown[(96, 72)] > 0.5 and shown[None] == 0, shown
