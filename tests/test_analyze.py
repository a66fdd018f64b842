"""Coaching a video file offline (issue 9): `python -m gymlib.analyze`."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from gymlib.analyze import analyze, main, save_clip_npz
from gymlib.synth import generate_clip


def test_a_generated_clip_gives_its_reps_and_a_playable_video(tmp_path: Path) -> None:
    clip = generate_clip("push_up", 6, seed=2, view="left")
    src = save_clip_npz(clip, tmp_path / "clip.npz")
    result = analyze(src, out=tmp_path / "out", exercise="push_up", progress=False)
    assert abs(len(result.reps) - len(clip.reps)) <= 1
    cap = cv2.VideoCapture(result.outputs["video"])
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == clip.n_frames
    ok, frame = cap.read()
    assert ok and frame.shape[0] == 480
    cap.release()
    from gymlib.media import probe

    assert probe(result.outputs["video"]).codec == "h264"  # browsers play it (issue 41)
    rows = Path(result.outputs["reps"]).read_text().splitlines()
    assert rows[0].startswith("rep,exercise") and len(rows) == len(result.reps) + 1
    assert Path(result.outputs["plot"]).stat().st_size > 5_000


def test_a_real_video_runs_through_mediapipe(tmp_path: Path) -> None:
    from test_sources import _person_video

    video = _person_video(tmp_path / "me.mp4", frames=40)
    result = analyze(video, out=tmp_path / "out", progress=False)
    assert result.frames == 40
    cap = cv2.VideoCapture(result.outputs["video"])
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 40 and int(cap.get(3)) == 480


def test_cli_reports_bad_input_clearly(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main([str(tmp_path / "missing.mp4")]) == 2
    assert "missing.mp4" in capsys.readouterr().err
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    assert main([str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "bad.mp4" in capsys.readouterr().err


def test_decoding_ahead_keeps_order_reports_errors_and_stops_when_left() -> None:
    import threading

    from gymlib.analyze import _in_background

    assert list(_in_background(iter(range(50)), ahead=3)) == list(range(50))

    def broken():
        yield 1
        raise OSError("frame 2 failed to decode")

    with pytest.raises(OSError, match="frame 2"):
        list(_in_background(broken()))

    released = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            released.set()

    for x in _in_background(endless(), ahead=2):
        if x == 5:
            break
    assert released.wait(5), "the producer kept running after the consumer left"
    assert not any(t.name == "analyze-decode" for t in threading.enumerate())
