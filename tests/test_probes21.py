"""Session 21's faults: what a user met with the commands themselves (docs/reliability.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gymlib.analyze import main as analyze_main
from gymlib.synth import generate_clip

ROOT = Path(__file__).resolve().parent.parent
DOUBT = "was it chosen right?"


def _clip_npz(path: Path, exercise: str) -> Path:
    clip = generate_clip(exercise, 4, seed=3, view="left")
    np.savez(path, landmarks=clip.landmarks, fps=np.float64(clip.fps),
             image_size=np.array((640, 480)))  # fmt: skip
    return path


def test_an_exercise_set_by_hand_that_the_movement_disagrees_with_is_questioned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--exercise push_up`` on squats counted nothing without a word; now the count
    follows the choice and, when nothing was counted, a warning says what the classifier read
    instead. The right choice is not questioned (nor loads a classifier)."""
    src = _clip_npz(tmp_path / "squats.npz", "squat")
    assert analyze_main([str(src), "--out", str(tmp_path / "wrong"), "--exercise", "push_up"]) == 0
    err = capsys.readouterr().err
    assert "the exercise was set to push_up, but the classifier reads" in err
    assert " as squat (0 as push_up)" in err and DOUBT in err
    summary = json.loads((tmp_path / "wrong" / "summary.json").read_text())
    assert [w for w in summary["warnings"] if DOUBT in w]
    assert summary["exercises"] in ([], ["push_up"])  # counted as asked
    assert analyze_main([str(src), "--out", str(tmp_path / "right"), "--exercise", "squat"]) == 0
    assert DOUBT not in capsys.readouterr().err
    summary = json.loads((tmp_path / "right" / "summary.json").read_text())
    assert summary["reps"] == 4 and not [w for w in summary["warnings"] if DOUBT in w]
    assert analyze_main([str(src), "--out", str(tmp_path / "auto")]) == 0  # nothing to doubt
    assert DOUBT not in capsys.readouterr().err


def test_a_video_with_the_wrong_exercise_set_is_questioned_from_the_drawing_worker(
    tmp_path: Path,
) -> None:
    """A video's pass 2 runs in the drawing worker process: the doubt crosses back with the
    results (real MediaPipe on a rendered sample clip)."""
    from gymlib.analyze import analyze

    src = ROOT / "data" / "samples" / "squat-left.mp4"
    result = analyze(src, out=tmp_path / "out", exercise="pull_up", progress=False)
    doubts = [w for w in result.warnings if DOUBT in w]
    assert not result.reps and len(doubts) == 1 and "as squat (0 as pull_up)" in doubts[0]


def test_a_video_too_narrow_to_draw_is_refused_before_the_pose_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 1-pixel-wide video ran the whole pose pass, then failed naming a deleted temporary
    file (``.../.onepx.partial-.../annotated.mp4: video size must be at least 2x2``)."""
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    src = tmp_path / "onepx.mkv"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(ROOT / "data" / "samples" /
                    "squat-left.mp4"), "-t", "1", "-vf", "scale=1:480", "-c:v", "ffv1",
                    str(src)], check=True)  # fmt: skip
    out = tmp_path / "out"
    assert analyze_main([str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{src}: its picture is 1x480 pixels, too small, narrow or wide to draw" in err
    assert ".partial" not in err and not out.exists()


def test_a_long_pause_in_a_short_video_keeps_its_timestamps(tmp_path: Path) -> None:
    """1 s of a 30-fps clip, a 600-s pause, 2 s more: the mean rate (0.15 frames/s) is no
    camera's, so the timestamps were thrown away ("no usable frame rate ... assuming 30"),
    the clip measured 3 s long. The usual interval gives the camera's rate; every frame keeps
    its own time."""
    import shutil
    import subprocess

    from gymlib.analyze import analyze
    from gymlib.media import VideoReader

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    src = tmp_path / "gap.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-t", "3", "-i", str(ROOT / "data" /
                    "samples" / "squat-left.mp4"), "-vf", "setpts='if(gte(N,30),PTS+600/TB,PTS)'",
                    "-fps_mode", "passthrough", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    str(src)], check=True)  # fmt: skip
    info = VideoReader(src).info
    assert info.fps_source == "timestamps" and info.fps == pytest.approx(30, rel=0.01)
    assert info.duration == pytest.approx(603, abs=0.5)
    result = analyze(src, out=tmp_path / "out", progress=False)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["duration_s"] == pytest.approx(603, abs=0.5)
    assert not [w for w in result.warnings if "assuming" in w]


def test_the_library_doors_take_what_a_notebook_would_give_or_name_it(tmp_path: Path) -> None:
    """A data scientist's calls from a notebook (session 21's probe): ``gif="4:12"`` (the
    command line's form) raised "could not convert ':'"; a classifier given as its file
    raised AttributeError after the pose pass; ``session_history`` of a file was an empty
    table; ``update(frame, None)`` a TypeError from deep inside."""
    from gymlib.analyze import analyze
    from gymlib.config import load_config
    from gymlib.history import session_history
    from gymlib.session import CoachSession

    src = _clip_npz(tmp_path / "squats.npz", "squat")
    cfg = load_config()
    result = analyze(src, out=tmp_path / "out", gif="1:2", progress=False,
                     classifier=str(cfg.resolve(cfg.model.path)))  # fmt: skip
    assert len(result.reps) == 4 and (tmp_path / "out" / "annotated.gif").is_file()
    with pytest.raises(ValueError, match=r"gif must be \(start_s, seconds\) or 'START:SECONDS'"):
        analyze(src, out=tmp_path / "out2", gif="4-12", progress=False)
    assert not (tmp_path / "out2").exists()
    with pytest.raises(NotADirectoryError, match="squats.npz: not a folder"):
        session_history(src)
    session = CoachSession(exercise="squat")
    with pytest.raises(ValueError, match="t must be the frame's time in seconds"):
        session.update(np.zeros((33, 4)), None)  # type: ignore[arg-type]
    assert session.frames == 0


def test_a_tilt_that_is_not_a_quarter_turn_and_standard_input_are_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file tagged to turn 30 degrees was read as stored without a word (``rotation: 29``
    in the summary); ``analyze -`` said "no such video or landmark file"."""
    import shutil
    import subprocess

    from gymlib.media import VideoReader

    assert analyze_main(["-", "--out", str(tmp_path / "o")]) == 2
    assert "-: standard input is not read" in capsys.readouterr().err
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    src = tmp_path / "tilted.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-t", "1", "-i", str(ROOT / "data" /
                    "samples" / "squat-left.mp4"), "-c", "copy", "-metadata:s:v:0", "rotate=30",
                    str(src)], check=True)  # fmt: skip
    info = VideoReader(src).info
    assert (
        info.rotation % 90
        and info.size == VideoReader(ROOT / "data" / "samples" / "squat-left.mp4").info.size
    )
    assert any("not a quarter turn; the picture is read as stored" in n for n in info.notes)


def test_an_animated_webp_is_said_to_be_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """FFmpeg decodes no frame of an animated WebP: it was called "a still image" only."""
    import shutil
    import subprocess

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed (apt-get install ffmpeg)")
    src = tmp_path / "moves.webp"
    made = subprocess.run(["ffmpeg", "-loglevel", "error", "-t", "1", "-i", str(ROOT / "data" /
                           "samples" / "squat-left.mp4"), "-vf", "scale=160:-2", "-loop", "0",
                           str(src)], check=False)  # fmt: skip
    if made.returncode != 0:
        pytest.skip("this ffmpeg cannot write an animated WebP (no libwebp)")
    if analyze_main([str(src), "--out", str(tmp_path / "o")]) == 0:
        pytest.skip("this FFmpeg decodes animated WebP: analysed as a video")
    err = capsys.readouterr().err
    assert "or an animated WebP, whose frames FFmpeg does not decode" in err


@pytest.mark.usefixtures("deadlift_added")
def test_an_exercise_the_classifier_does_not_know_is_counted_fixed_and_not_doubted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's "a new exercise needs no code": one added to config.yaml is counted with
    ``--exercise``; the classifier has no class for it, so the doubt stands aside (the
    review of this session: it raised "the classifier has no class" after the pose pass)."""
    src = _clip_npz(tmp_path / "pushups.npz", "push_up")  # nothing a squat's rules count
    assert analyze_main([str(src), "--out", str(tmp_path / "o"), "--exercise",
                         "deadlift"]) == 0  # fmt: skip
    assert DOUBT not in capsys.readouterr().err
