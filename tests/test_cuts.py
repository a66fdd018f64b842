"""Camera cuts seen in the pixels (gymlib.cuts): found where a video cuts to another shot,
not in a handheld or flickering real clip, and a fresh start for analyze's counter."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SHARED_DATA

from gymlib.config import ConfigError, load_config
from gymlib.cuts import CutDetector
from gymlib.media import VideoReader

SQUAT = ROOT / "data" / "samples" / "squat-front.mp4"  # reps at frames 173-240, 241-301, ...
REAL = SHARED_DATA / "real_videos"
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


def cuts_in(video: Path, share: float | None = None) -> list[int]:
    """The frames a detector at ``share`` (config's by default) calls cuts."""
    det = CutDetector(share or load_config().extraction.cut_share)
    return [i for i, (rgb, _) in enumerate(VideoReader(video, format="rgb24")) if det.update(rgb)]


@pytest.fixture(scope="module")
def squat_cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The rendered squat sample cut at the bottom of its second rep (frame 270) straight into
    the start of its third (325), seen by another camera: the same person at the same place,
    the wall behind them colour bars (the floor the same: 0.69 of the picture changes; SMPTE
    bars, some near the wall's grey, change 0.48). 120 + 145 frames at 30 fps; reps: the
    first, then the third and fourth (the second is cut at its bottom): 3."""
    if shutil.which("ffmpeg") is None:
        pytest.skip("needs ffmpeg")
    out = tmp_path_factory.mktemp("cuts") / "squat_cut.mp4"
    graph = (
        "[0:v]split[x][y];[x]trim=start_frame=150:end_frame=270,setpts=PTS-STARTPTS[a];"
        "[y]trim=start_frame=325:end_frame=470,setpts=PTS-STARTPTS,"
        "colorkey=0x76726C:0.1:0[k];[1:v][k]overlay=shortest=1,format=yuv420p[b];"
        "[a][b]concat=n=2:v=1[v]"
    )
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(SQUAT), "-f", "lavfi", "-i",
                    "pal100bars=s=640x480:r=30", "-filter_complex", graph, "-map", "[v]",
                    "-c:v", "libx264", "-crf", "20", "-pix_fmt", "yuv420p", "-an", "-r", "30",
                    "-threads", "1", str(out)], check=True)  # fmt: skip
    return out


def test_the_cut_frame_is_found_and_nothing_else(squat_cut: Path) -> None:
    assert cuts_in(squat_cut) == [120]
    assert cuts_in(SQUAT) == []  # the rendered clip itself: walking in, setting up, squats


def test_analyze_counts_across_a_cut_into_a_rep(squat_cut: Path, tmp_path: Path) -> None:
    """Without the cut the half rep before it and the rep after it are one rep (4 counted).
    The person hardly moves at the cut (too little for ``reps.cut_speed``), but the body jumps
    in one frame from a squat's bottom to standing: the landmark step rule (``reps.cut_step``,
    session 7) sees it too; with that rule off as well, only the pixels tell."""
    from dataclasses import replace

    from gymlib.analyze import analyze
    from gymlib.extract import extract_video
    from gymlib.reps import RepCounter, default_rep_config
    from gymlib.session import CoachSession

    result = analyze(squat_cut, out=tmp_path / "out", exercise="squat", progress=False)
    summary = json.loads(Path(result.outputs["summary"]).read_text())
    # (the landmarks' step sees it at the same frame: one cut, named by the pixels)
    assert summary["cuts_found"] == [{"time_s": pytest.approx(4.0), "kind": "pixels"}]
    assert summary["cuts"] == [pytest.approx(4.0)]  # the pixel cuts' times, as before session 8
    assert len(result.reps) == 3
    seq = extract_video(squat_cut, progress=False)
    assert seq.meta["cuts"] == summary["cuts"]
    blind = replace(default_rep_config(), cut_step=1000.0)
    for cuts, cfg, reps, seen in (
        (seq.meta["cuts"], None, 3, 1),
        ([], None, 3, 1),  # the landmarks' step
        (seq.meta["cuts"], blind, 3, 1),
        ([], blind, 4, 0),  # the same landmarks, no cut told, the step rule off
    ):
        session = CoachSession(fps=seq.fps, aspect=4 / 3, exercise="squat",
                               counter_factory=lambda ex, c=cfg: RepCounter(
                                   ex, seq.fps, aspect=4 / 3, config=c))  # fmt: skip
        session.cuts = cuts
        for frame, t in zip(seq.frames(), seq.timestamps, strict=True):
            session.update(frame, t)
        session.finish()
        assert len(session.reps) == reps
        assert session.counters["squat"].cuts == seen


@pytest.mark.skipif(not REAL.is_dir(), reason="needs ../shared/data/real_videos")
@pytest.mark.parametrize(
    "clip",
    [
        "lat_machine_back_gym-handheld-closeup",  # a handheld close-up: the most changed (0.31)
        "bench_press_side_gym-closegrip-movingcam",  # the camera moves
        "push_up_45_outdoor-deck",  # fades in from black; low light
        "split_squat_side_studio-bulgarian",  # studio lights
    ],
)
def test_no_cut_in_real_handheld_or_flickering_clips(clip: str) -> None:
    assert cuts_in(REAL / f"{clip}.mp4") == []
    # a lower limit does find them: the test can fail
    assert cuts_in(REAL / f"{clip}.mp4", share=0.01) != []


def test_cut_share_is_validated(tmp_path: Path) -> None:
    text = (ROOT / "config.yaml").read_text()
    bad = tmp_path / "config.yaml"
    bad.write_text(text.replace("  cut_share: 0.5", "  cut_share: 0"))
    with pytest.raises(ConfigError, match=r"extraction\.cut_share: 0(\.0)? is out of range"):
        load_config(bad)
    with pytest.raises(ValueError, match="cut share"):
        CutDetector(0.0)
    bad.write_text(text.replace("  cut_level: 16.0", "  cut_level: 300"))
    with pytest.raises(ConfigError, match=r"extraction\.cut_level: 300(\.0)? is out of range"):
        load_config(bad)
    with pytest.raises(ValueError, match="cut level"):
        CutDetector(0.5, 0.0)


def _bars(h: int, w: int) -> np.ndarray:
    """Eight vertical colour bars ``(h, w, 3)`` uint8, at full strength (none near the rendered
    wall's grey, which a cut must change): another room's wall."""
    colours = np.array([[255, 255, 255], [255, 255, 0], [0, 255, 255], [0, 255, 0],
                        [255, 0, 255], [255, 0, 0], [0, 0, 255], [0, 0, 0]],
                       np.uint8)  # fmt: skip
    return colours[np.arange(w) * 8 // w][None].repeat(h, axis=0)


def _shot_change(n: int = 40, at: int = 20) -> list[np.ndarray]:
    """The rendered squatter at the picture's centre; from frame ``at`` on another camera: the
    same squatter 200 pixels to the right in front of colour bars (RGB)."""
    frames = []
    for i, (rgb, _) in enumerate(VideoReader(SQUAT, format="rgb24")):
        if i < 120:
            continue
        if len(frames) == n:
            break
        if len(frames) >= at:
            rgb = np.roll(rgb, 200, axis=1)
            wall = (np.abs(rgb.astype(int) - (118, 114, 108)).sum(axis=2) < 24)[..., None]
            rgb = np.where(wall, _bars(*rgb.shape[:2]), rgb)
        frames.append(np.ascontiguousarray(rgb))
    return frames


def test_a_cut_lets_the_identity_guard_take_whoever_is_there() -> None:
    """The person jumps across the picture at the cut: without the cut the guard looks for them
    where they were (nobody, up to ``guard_lost_s``); with it the new shot's person at once."""
    from gymlib.config import ExtractionConfig
    from gymlib.extract import PoseExtractor
    from gymlib.landmarks import PoseLandmark as L

    frames = _shot_change()
    hips = [L.LEFT_HIP, L.RIGHT_HIP]
    for share, cuts in ((0.5, [20 / 30]), (1.0, [])):
        with PoseExtractor("video", config=ExtractionConfig(cut_share=share)) as ex:
            xs = [ex.process(f, timestamp=i / 30) for i, f in enumerate(frames)]
            assert ex.cuts == [pytest.approx(c) for c in cuts]
        assert all(x is not None and x[hips, 0].mean() < 0.6 for x in xs[:20])
        after = [None if x is None else float(x[hips, 0].mean()) for x in xs[22:30]]
        if cuts:
            assert all(x is not None and x > 0.6 for x in after), after
        else:  # the premise: the guard hides the person after an unseen cut
            assert all(x is None for x in after), after


def _room(h: int = 480, w: int = 640) -> np.ndarray:
    """A picture whose grey levels are spread: a bright wall over a dark floor, a little
    texture (RGB uint8)."""
    rng = np.random.default_rng(0)
    grey = np.where(np.arange(h)[:, None] < h // 2, 200.0, 60.0) + rng.normal(0, 4, (h, w))
    return np.clip(grey, 0, 255).astype(np.uint8)[..., None].repeat(3, axis=2)


def test_someone_passing_over_a_small_part_of_the_picture_is_no_cut() -> None:
    """A figure in dark clothes over 15 % of a picture of bright wall and dark floor: the
    picture's median fell from the middle between wall and floor to the floor's grey, and
    subtracting each picture's own median took every wall cell for changed (a cut: the guard
    released, the counter restarted). The same figure over most of it is one."""
    room = _room()
    for width, cut in ((0.15, False), (0.6, True)):
        det = CutDetector(0.5)
        passer = room.copy()
        passer[:, : int(width * room.shape[1])] = 30
        assert not det.update(room)
        assert det.update(passer) is cut, (width, det.score)
        assert det.update(room) is cut  # gone again


def test_a_brightness_change_is_no_cut() -> None:
    det = CutDetector(0.5)
    room = _room()
    assert not det.update(room)
    assert not det.update(np.clip(room.astype(int) + 40, 0, 255).astype(np.uint8))
    assert det.score < 0.1
