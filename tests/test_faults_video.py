"""The video and analyze rows of the fault probes (issue 38, ``fault-probes-2026-12.md`` rows
1-46): phone-style files, full disks, folders that already hold results, bad landmark files.

Every file is real (made from the committed samples with PyAV, see ``phone_videos``), every run
goes through real MediaPipe and the shipped classifier; disk-full runs are real processes under
``RLIMIT_FSIZE``. Each test names the probe rows it covers.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import pickle
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import phone_videos as pv
import pytest

from gymlib.analyze import analyze, main, save_clip_npz
from gymlib.synth import generate_clip

ROOT = Path(__file__).resolve().parent.parent


def _reps(out: Path) -> list[dict[str, str]]:
    with open(out / "reps.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def _summary(out: Path) -> dict:
    return json.loads((out / "summary.json").read_text())


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _assert_times_match(out: Path, truth: list[tuple[float, float]], tol: float = 0.35) -> None:
    rows = _reps(out)
    assert len(rows) == len(truth), rows
    for row, (start, end) in zip(rows, truth, strict=True):
        assert abs(float(row["start_s"]) - start) <= tol, (row, start)
        assert abs(float(row["end_s"]) - end) <= tol, (row, end)


@pytest.fixture(scope="module")
def squat() -> tuple[list[np.ndarray], list[float]]:
    return pv.sample_frames("squat-left")


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory, squat) -> Path:  # noqa: ANN001
    frames, times = squat
    return pv.write_mp4(tmp_path_factory.mktemp("short") / "short.mp4", frames[:45], times[:45])


# ---------------------------------------------------------------------------------------------
# Video files as cameras make them (rows 5, 9-13)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rotation", [90, 270])
def test_phone_rotation_is_applied_to_every_frame(tmp_path: Path, rotation: int) -> None:
    """Rows 9-10: the reader gives the upright picture of a sideways-stored phone clip."""
    from gymlib.extract import open_video
    from gymlib.media import VideoReader

    upright, _ = pv.sample_frames("split_squat-left45", limit=8)
    phone = pv.rotated(tmp_path / "phone.mp4", upright, rotation)
    reader = VideoReader(phone)
    frames = [f for f, _ in reader]
    assert reader.info.size == (480, 640) and reader.info.rotation in (90, 270)
    for got, want in zip(frames, upright, strict=True):
        assert got.shape == want.shape and np.abs(got.astype(int) - want).mean() < 6
    ok, bgr = open_video(phone).read()  # OpenCV users (video_to_gif) get it upright too
    assert ok and bgr.shape == (640, 480, 3)


def test_phone_portrait_clip_gives_the_upright_clips_reps(tmp_path: Path) -> None:
    """Row 10: stored as landscape + rotation, the split squat clip still has its 3 reps."""
    upright, times = pv.sample_frames("split_squat-left45")
    phone = pv.rotated(tmp_path / "phone.mp4", upright, 270)
    assert main([str(phone), "--out", str(tmp_path / "out")]) == 0
    summary = _summary(tmp_path / "out")
    assert summary["size"] == [480, 640] and summary["exercises"] == ["split_squat"]
    # the same reps at the same times as the upright clip (the counter's boundaries are its
    # own: where it sees the start position left, which may lag the generator's rep start).
    # Compared in frames: the two files are encoded apart, MediaPipe's landmarks on them differ
    # by a few pixels, and that moves a boundary by a few frames (3 seen: 0.1 s, which the
    # 0.1-s rounding of start_s made 0.1000000000000005); 5 frames is still the same rep.
    up = pv.write_mp4(tmp_path / "up.mp4", upright, times)
    assert main([str(up), "--out", str(tmp_path / "up")]) == 0
    for row, up in zip(_reps(tmp_path / "out"), _reps(tmp_path / "up"), strict=True):
        assert abs(int(row["start"]) - int(up["start"])) <= 5, (row, up)
        assert abs(int(row["end"]) - int(up["end"])) <= 5, (row, up)
    _assert_times_match(tmp_path / "out", pv.truth_times("split_squat-left45"), tol=0.6)
    from gymlib.media import probe

    assert probe(tmp_path / "out" / "annotated.mp4").size == (480, 640)  # shown upright


@pytest.mark.parametrize("suffix", [".mp4", ".webm"])
def test_variable_frame_rate_keeps_true_rep_times(tmp_path: Path, squat, suffix: str) -> None:  # noqa: ANN001
    """Rows 11-12: 30 fps, then 15 fps from frame 250 (a browser webm has a 1 ms timebase):
    all 5 reps, at the times they happen."""
    frames, times = squat
    video = pv.variable_rate(tmp_path / f"vfr{suffix}", frames, times, switch=250)
    assert main([str(video), "--out", str(tmp_path / "out")]) == 0
    _assert_times_match(tmp_path / "out", pv.truth_times("squat-left"))
    summary = _summary(tmp_path / "out")
    assert summary["variable_frame_rate"] is True
    assert abs(summary["duration_s"] - times[-1]) < 0.1


def test_a_zero_fps_avi_header_is_reported_not_taken_as_25(tmp_path: Path, squat, capsys) -> None:  # noqa: ANN001
    """Row 13: FFmpeg (and OpenCV) silently turn a 0 rate into 25; the analysis assumes 30,
    says so in summary.json and on stderr, and its times are those of 30 frames/s."""
    frames, _ = squat
    video = pv.zero_fps_avi(tmp_path / "zero.avi", frames[:60])
    assert main([str(video), "--out", str(tmp_path / "out")]) == 0
    summary = _summary(tmp_path / "out")
    assert summary["fps"] == 30.0 and summary["fps_source"] == "assumed"
    assert abs(summary["duration_s"] - 59 / 30) < 1e-6
    assert any("frame rate as 0" in w for w in summary["warnings"])
    assert "frame rate as 0" in capsys.readouterr().err


def test_a_file_that_ends_early_is_analysed_with_a_warning(tmp_path: Path, squat, capsys) -> None:  # noqa: ANN001
    """Row 5: +faststart mp4 cut to 30 %: opens, declares 499 frames, holds about 100."""
    frames, times = squat
    video = pv.truncated(tmp_path / "cut.mp4", frames, times, share=0.3)
    assert main([str(video), "--out", str(tmp_path / "out")]) == 0
    summary = _summary(tmp_path / "out")
    assert summary["frames_declared"] == 499 and 50 < summary["frames"] < 499
    warning = f"{summary['frames']} of the 499 frames"
    assert any(warning in w for w in summary["warnings"])
    assert warning in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["trimmed", "audio_mkv", "audio_webm", "fragmented_audio"])
def test_a_whole_file_is_not_said_to_end_early(
    tmp_path: Path, short_clip: Path, kind: str
) -> None:
    """Complete files a user makes every day, read to their last frame without "the file ends
    early": a clip trimmed without re-encoding (an edit list hides the frames before the cut:
    the warning counted them), and files whose audio runs on after the video (mkv, webm,
    fragmented mp4: the container's duration is the audio's)."""
    from gymlib.media import VideoReader

    tone = ["-f", "lavfi", "-i", "sine=frequency=440:duration=4"]  # 4 s of audio, 1.5 s video
    args = {
        "trimmed": (["-ss", "0.5", "-i", str(short_clip), "-c", "copy"], "mp4"),
        "audio_mkv": (["-i", str(short_clip), *tone, "-c:v", "copy", "-c:a", "aac"], "mkv"),
        "audio_webm": (["-i", str(short_clip), *tone, "-c:v", "libvpx-vp9", "-b:v", "1M",
                        "-c:a", "libopus"], "webm"),
        "fragmented_audio": (["-i", str(short_clip), *tone, "-c:v", "copy", "-c:a", "aac",
                              "-movflags", "frag_keyframe+empty_moov"], "mp4"),
    }[kind]  # fmt: skip
    video = tmp_path / f"{kind}.{args[1]}"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args[0], str(video)], check=True)
    reader = VideoReader(video)
    n = sum(1 for _ in reader)
    assert abs(n - reader.info.declared_frames) <= 1 and 10 <= n <= 45  # known: a cut shows
    assert not [p for p in reader.problems() if "ends early" in p], reader.problems()
    if kind == "audio_mkv":  # the same file cut in half: still said to end early
        cut = tmp_path / "cut.mkv"
        cut.write_bytes(video.read_bytes()[: video.stat().st_size // 2])
        reader = VideoReader(cut)
        n = sum(1 for _ in reader)
        assert n < 40 and f"ends early: {n} of the 4" in " ".join(reader.problems())


def test_a_slow_time_lapse_with_b_frames_is_one_steady_clip(tmp_path: Path) -> None:
    """At 2 frames/s the B-frames' presentation times go back over a second in decoding order:
    not files joined end to end (the review's find: the rate read as 1.56, three false notes)."""
    from gymlib.media import VideoReader

    video = tmp_path / "lapse.mp4"
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc=r=2:d=30:s=320x240", "-c:v", "libx264", "-bf", "3", str(video)],
                   check=True)  # fmt: skip
    reader = VideoReader(video)
    times = [t for _, t in reader]
    assert reader.info.fps == 2.0 and reader.problems() == []
    assert reader.info.duration == pytest.approx(29.5) and times[-1] == pytest.approx(29.5)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)


@pytest.mark.parametrize("kind", ["raw", "joined", "two_streams"])
def test_odd_files_are_read_as_a_player_shows_them(
    tmp_path: Path, short_clip: Path, kind: str
) -> None:
    """Session 15's probes: a raw ``.h264`` stream (no times; FFmpeg's stand-in 25 fps made
    every time 20 % too long), two ``.ts`` files joined with ``cat`` (the times start again:
    the second part was squeezed into 1-ms steps, its reps lost) and a file whose first video
    stream is a small black preview (analysed instead of the picture: 0 reps)."""
    from gymlib.media import VideoReader

    size = VideoReader(short_clip).info.size
    video = tmp_path / {"raw": "raw.h264", "joined": "joined.ts", "two_streams": "two.mp4"}[kind]
    if kind == "raw":
        _ffmpeg("-i", str(short_clip), "-c:v", "libx264", "-f", "h264", str(video))
    elif kind == "joined":
        ts = tmp_path / "a.ts"
        _ffmpeg("-i", str(short_clip), "-c", "copy", "-f", "mpegts", str(ts))
        video.write_bytes(ts.read_bytes() * 2)
    else:
        _ffmpeg("-f", "lavfi", "-i", "color=black:s=160x90:r=30:d=1.5", "-i", str(short_clip),
                "-map", "0:v", "-map", "1:v", "-c:v", "libx264", "-disposition:v:0", "0",
                "-disposition:v:1", "default", str(video))  # fmt: skip
    reader = VideoReader(video)
    read = list(reader)
    times = np.array([t for _, t in read])
    assert len(read) == (90 if kind == "joined" else 45)
    assert read[0][0].shape[:2] == (size[1], size[0])
    assert np.allclose(np.diff(times), 1 / 30, atol=2e-3), np.diff(times)
    assert reader.info.fps == pytest.approx(30, abs=0.1)
    problems = " ".join(reader.problems())
    assert ("start again 1 time" in problems) if kind == "joined" else not problems, problems


def test_non_square_pixels_are_shown_square(tmp_path: Path, short_clip: Path) -> None:
    """A camcorder's file (HDV: 1440x1080 stored, shown 1920x1080) is read at the size a
    player shows, so angles and the drawing are not squeezed (the pixels were taken square:
    the range of motion about 5 % off, annotated.mp4 squeezed)."""
    from gymlib.media import VideoReader

    plain = VideoReader(short_clip)
    w, h = plain.info.size
    squeezed = tmp_path / "hdv.mp4"
    _ffmpeg("-i", str(short_clip), "-vf", f"scale={w * 3 // 4 // 2 * 2}:{h},setsar=4/3",
            "-c:v", "libx264", "-crf", "12", str(squeezed))  # fmt: skip
    reader = VideoReader(squeezed)
    assert reader.info.size == (w * 3 // 4 // 2 * 2 * 4 // 3 // 2 * 2, h)
    for (a, _), (b, _) in zip(plain, reader, strict=True):
        assert b.shape == (h, reader.info.size[0], 3)
        assert abs(b.shape[1] - w) <= 2
        diff = np.abs(a[:, : b.shape[1]].astype(int) - b[:, : a.shape[1]].astype(int))
        assert diff.mean() < 6


def test_timestamps_reach_the_session_and_extract_video(tmp_path: Path, squat) -> None:  # noqa: ANN001
    """Rows 11-13 at the library level: extract_video keeps each frame's own time."""
    from gymlib.extract import extract_video

    frames, times = squat
    video = pv.variable_rate(tmp_path / "vfr.mp4", frames[240:270], times[240:270], switch=10)
    seq = extract_video(video, progress=False)
    want = np.array([times[240 + i] for i in range(30) if i < 10 or (i - 10) % 2 == 0])
    assert np.allclose(seq.timestamps, want - want[0], atol=1e-3)
    assert seq.meta["warnings"]  # variable rate reported


# ---------------------------------------------------------------------------------------------
# Outputs never replace good results with bad ones (rows 2, 14-16, 21-22)
# ---------------------------------------------------------------------------------------------
def _run_limited(args: list[str], limit_bytes: int) -> subprocess.CompletedProcess:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    cmd = [sys.executable, "-m", "gymlib.analyze", *args]
    return subprocess.run(cmd, env=env, preexec_fn=limit, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


def test_a_file_size_limit_fails_the_run_and_keeps_earlier_results(
    tmp_path: Path, short_clip: Path
) -> None:
    """Rows 21-22: the video is cut by the limit; the run exits non-zero, names the file, and
    the earlier good analysis is byte-identical; nothing half-written is left."""
    out = tmp_path / "out"
    analyze(short_clip, out=out, progress=False)
    before = _digests(out)
    limit = os.path.getsize(out / "annotated.mp4") // 2
    run = _run_limited([str(short_clip), "--out", str(out), "--overwrite"], limit)
    assert run.returncode != 0, run.stdout
    assert "annotated.mp4" in run.stderr and "error:" in run.stderr
    assert _digests(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no .partial folder left
    fresh = tmp_path / "fresh" / "res"
    run = _run_limited([str(short_clip), "--out", str(fresh)], limit)
    assert run.returncode != 0 and not (tmp_path / "fresh").exists()


def test_an_output_folder_with_results_is_never_overwritten_silently(
    tmp_path: Path, capsys
) -> None:  # noqa: ANN001
    """Row 14: --out holding another video's results (and its annotated.gif) is refused;
    --overwrite replaces the whole set, so no stale file of the other run stays."""
    a = save_clip_npz(generate_clip("squat", 3, seed=1, view="left"), tmp_path / "a.npz")
    b = save_clip_npz(generate_clip("push_up", 3, seed=2, view="left"), tmp_path / "b.npz")
    out = tmp_path / "out"
    assert main([str(a), "--out", str(out), "--gif", "0:1"]) == 0
    before = _digests(out)
    assert "annotated.gif" in before
    assert main([str(b), "--out", str(out)]) == 2
    assert "already holds results" in capsys.readouterr().err and _digests(out) == before
    assert main([str(b), "--out", str(out), "--overwrite"]) == 0
    assert sorted(_digests(out)) == ["annotated.mp4", "reps.csv", "sets.csv", "summary.json",
                                     "summary.png"]  # fmt: skip
    assert _summary(out)["video"] == str(b)
    (out / "mine.txt").write_text("not from analyze")
    assert main([str(a), "--out", str(out), "--overwrite"]) == 2
    assert "mine.txt" in capsys.readouterr().err and (out / "mine.txt").exists()


def test_a_gif_past_the_clip_s_end_is_refused_before_the_work(
    tmp_path: Path,
    short_clip: Path,
    capsys,
    monkeypatch,  # noqa: ANN001
) -> None:
    """``--gif 10:5`` on a 1.5-s clip: refused at once, naming the clip's length (it threw the
    whole finished analysis away, naming a deleted folder); a gif that still cannot be made
    after the analysis costs a warning, not the results."""
    import gymlib.analyze as analyze_module
    import gymlib.plots

    out = tmp_path / "out"
    assert main([str(short_clip), "--out", str(out), "--gif", "10:5"]) == 2
    err = capsys.readouterr().err
    assert "--gif starts at 10 s" in err and "lasts 1.5 s" in err and not out.exists()
    a = save_clip_npz(generate_clip("squat", 3, seed=1, view="left"), tmp_path / "a.npz")
    assert main([str(a), "--out", str(out), "--gif", "1000:2"]) == 2 and not out.exists()

    def fails(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise ValueError(f"{args[0]}: no frames from 3 s on")

    monkeypatch.setattr(gymlib.plots, "video_to_gif", fails)
    result = analyze_module.analyze(a, out=out, gif=(3.0, 2.0), progress=False)
    assert len(result.reps) == 3 and "gif" not in result.outputs
    assert sorted(_digests(out)) == ["annotated.mp4", "reps.csv", "sets.csv", "summary.json",
                                     "summary.png"]  # fmt: skip
    note = "annotated.gif not written: annotated.mp4: no frames from 3 s on"
    assert note in _summary(out)["warnings"]


def test_a_misspelt_store_folder_is_refused(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """``--store`` naming no folder ran with the shipped exercises alone, without a word (the
    taught ones silently missing)."""
    a = save_clip_npz(generate_clip("squat", 3, seed=1, view="left"), tmp_path / "a.npz")
    out = tmp_path / "out"
    assert main([str(a), "--out", str(out), "--store", str(tmp_path / "my_exercsies")]) == 2
    err = capsys.readouterr().err
    assert "my_exercsies: no such folder" in err and not out.exists()
    bad = ["--store", str(tmp_path / "my_exercsies"), "--exercise", "kettlebell_swing"]
    assert main([str(a), "--out", str(out), *bad]) == 2  # a taught name: not "invalid choice"
    assert "my_exercsies: no such folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()  # a store nothing was taught into yet: fine
    assert main([str(a), "--out", str(out), "--store", str(tmp_path / "empty")]) == 0


def test_an_analysis_running_into_a_new_folder_is_not_replaced(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """Two analyses into the same new ``--out`` at once: the second is refused while the first
    is writing (both ran, and the second's results silently replaced the first's); a folder of
    the user's own files is refused without suggesting ``--overwrite``."""
    a = save_clip_npz(generate_clip("squat", 3, seed=1, view="left"), tmp_path / "a.npz")
    out = tmp_path / "res"
    other = subprocess.Popen(["sleep", "60"])  # the first analysis, still going
    try:
        (tmp_path / f".res.partial-{other.pid}-x1").mkdir()
        assert main([str(a), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "another analysis is writing there now" in err and not out.exists()
    finally:
        other.kill()
        other.wait()
    assert main([str(a), "--out", str(out)]) == 0  # its work left behind is cleared
    assert not (tmp_path / f".res.partial-{other.pid}-x1").exists()
    mine = tmp_path / "videos"
    mine.mkdir()
    (mine / "clip.mp4").write_bytes(b"a video of mine")
    for extra in ([], ["--overwrite"]):
        assert main([str(a), "--out", str(mine), *extra]) == 2
        err = capsys.readouterr().err
        assert "holds files analyze did not write (clip.mp4)" in err and "--overwrite" not in err
    assert sorted(p.name for p in mine.iterdir()) == ["clip.mp4"]
    from gymlib.analyze_output import output_folder

    runs = tmp_path / "runs"
    (runs / "analyze").mkdir(parents=True)
    other = subprocess.Popen(["sleep", "60"])  # another clip.mp4 analysed now, no --out
    try:
        (runs / "analyze" / f".clip.partial-{other.pid}-x2").mkdir()
        fresh = output_folder(Path("b/clip.mp4"), None, overwrite=False, runs=runs)
        assert fresh.parent == runs / "analyze" and fresh.name.startswith("clip-")
    finally:
        other.kill()
        other.wait()
    (out / ".DS_Store").write_bytes(b"Finder")  # the user opened the results in a Mac's Finder
    assert main([str(a), "--out", str(out), "--overwrite"]) == 0


def test_same_named_clips_and_dotted_names_get_their_own_folders(
    tmp_path: Path,
    squat,
    monkeypatch,  # noqa: ANN001
) -> None:
    """Rows 15-16: a/clip.mp4 then b/clip.avi do not share runs/analyze/clip; a video named
    ``...mp4`` writes inside runs/analyze, not into runs/ itself."""
    import gymlib.config

    monkeypatch.setattr(gymlib.config, "PROJECT_ROOT", tmp_path)
    frames, times = squat
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = pv.write_mp4(tmp_path / "a" / "clip.mp4", frames[:20], times[:20])
    second = pv.zero_fps_avi(tmp_path / "b" / "clip.avi", frames[20:40])
    assert main([str(first)]) == 0
    folders = sorted((tmp_path / "runs" / "analyze").iterdir())
    before = _digests(folders[0])
    assert main([str(second)]) == 0
    folders = sorted((tmp_path / "runs" / "analyze").iterdir())
    assert len(folders) == 2 and _digests(folders[0]) == before
    assert {_summary(f)["video"] for f in folders} == {str(first), str(second)}
    dots = tmp_path / "...mp4"
    dots.write_bytes(first.read_bytes())
    assert main([str(dots)]) == 0
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["analyze"]


def test_a_rejected_run_leaves_no_folder(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """Row 2 (and 3, 4): bad input fails before any output folder is made."""
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "text.mp4"
    text.write_text("hello, not a video\n" * 50)
    for video in (empty, text):
        assert main([str(video), "--out", str(tmp_path / "new" / "res")]) == 2
        assert video.name in capsys.readouterr().err
    assert not (tmp_path / "new").exists()


def test_a_cut_mp4_without_its_index_is_a_clear_error(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """Row 4: the first 30 % of a clip whose moov atom is at the end."""
    data = (pv.SAMPLES / "squat-left.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 3 // 10])
    assert main([str(cut), "--out", str(tmp_path / "o")]) == 2
    assert "cut.mp4: cannot open it as a video" in capsys.readouterr().err


def test_help_lists_the_exercises(capsys) -> None:  # noqa: ANN001
    """Issue 41: `analyze --help` names the exercises; a wrong name is refused."""
    from gymlib.config import load_config

    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert all(name in text for name in load_config().exercises) and "--overwrite" in text
    with pytest.raises(SystemExit):
        main(["x.mp4", "--exercise", "squats"])
    assert "invalid choice" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# Landmark .npz files checked at the door (rows 26-46)
# ---------------------------------------------------------------------------------------------
def _clip_arrays() -> dict[str, np.ndarray]:
    clip = generate_clip("squat", 2, seed=3, view="left")
    return {"landmarks": clip.landmarks.astype(np.float32), "fps": np.float64(clip.fps),
            "image_size": np.array(clip.image_size)}  # fmt: skip


def _with(**changes: object):
    def make(path: Path) -> Path:
        arrays = {**_clip_arrays(), **changes}
        np.savez(path, **{k: v for k, v in arrays.items() if v is not None})
        return path

    return make


def _edit_landmarks(fn):  # noqa: ANN001, ANN202
    def make(path: Path) -> Path:
        arrays = _clip_arrays()
        arrays["landmarks"] = fn(arrays["landmarks"])
        np.savez(path, **arrays)
        return path

    return make


def _nan_at_100(lm: np.ndarray) -> np.ndarray:
    lm[100, 5, 0] = np.nan
    return lm


def _inf_from_100(lm: np.ndarray) -> np.ndarray:
    lm[100:, 3, 1] = np.inf
    return lm


def _huge_at_100(lm: np.ndarray) -> np.ndarray:
    lm[100, 11, 0] = 1e12
    return lm


def _npy(path: Path) -> Path:
    with open(path, "wb") as fh:
        np.save(fh, _clip_arrays()["landmarks"])
    return path


def _text(path: Path) -> Path:
    path.write_text("landmarks,fps\n1,2\n")
    return path


def _ms_times(path: Path) -> Path:
    arrays = _clip_arrays()
    np.savez(path, **arrays, timestamps=np.arange(len(arrays["landmarks"])) * 1000 / 30)
    return path


def _ms_times_no_fps(path: Path) -> Path:
    arrays = _clip_arrays()
    del arrays["fps"]
    np.savez(path, **arrays, timestamps=np.arange(len(arrays["landmarks"])) * 1000 / 30)
    return path


BAD_NPZ = {
    "26 (T,33,3)": (
        _edit_landmarks(lambda lm: lm[:, :, :3]),
        r"shape \(T, 33, 4\), got \(\d+, 33, 3\)",
    ),
    "27 (T,132)": (_edit_landmarks(lambda lm: lm.reshape(len(lm), -1)), r"got \(\d+, 132\)"),
    "28 NaN": (_edit_landmarks(_nan_at_100), r"frame 100 has NaN or infinite"),
    "29 inf": (_edit_landmarks(_inf_from_100), r"frame 100 has NaN or infinite"),
    "30 1e12": (_edit_landmarks(_huge_at_100), r"frame 100 has a landmark value of 1e\+12"),
    "31 strings": (_edit_landmarks(lambda lm: np.full(lm.shape, "a")), r"must be numbers"),
    "34 fps 0": (_with(fps=np.float64(0)), r"'fps' must be 1 to 1000"),
    "35 fps -30": (_with(fps=np.float64(-30)), r"'fps' must be 1 to 1000"),
    "36 fps NaN": (_with(fps=np.float64(np.nan)), r"'fps' must be 1 to 1000"),
    "37 fps 1e9": (_with(fps=np.float64(1e9)), r"'fps' must be 1 to 1000"),
    "38 fps [30, 25]": (_with(fps=np.array([30.0, 25.0])), r"'fps' must be one number"),
    "39 size (0, 0)": (_with(image_size=np.array([0, 0])), r"'image_size' must be two positive"),
    "40 size (-640, 480)": (_with(image_size=np.array([-640, 480])), r"two positive"),
    "41 size (6400, 48)": (_with(image_size=np.array([6400, 48])), r"too narrow or too wide"),
    "42 no landmarks": (_with(landmarks=None), r"needs a 'landmarks' array"),
    "43 0 frames": (_with(landmarks=np.zeros((0, 33, 4), np.float32)), r"holds no frames"),
    "44 .npy named .npz": (_npy, r"a single array \(\.npy\), not an \.npz"),
    "46 text named .npz": (_text, r"not an \.npz \(zip\) archive"),
    "ms timestamps": (  # session 15's probes: 0 reps, a 19,267-s clip, no word
        _ms_times,
        r"'timestamps' step by 33.3+ \(median\), but 'fps' is 30 .*expected timestamps in "
        r"seconds",
    ),
    "aspect 0": (_with(image_size=None, aspect=np.float64(0)), r"'aspect' must be one positive"),
    "aspect 40": (_with(image_size=None, aspect=np.float64(40)), r"'aspect' \(40\) is too nar"),
    "ms timestamps, no fps": (
        _ms_times_no_fps,
        r"step by 33.3+ \(median\), but no 'fps' in the file, so 30 \(a step of 0.0333+\)",
    ),
}


@pytest.mark.parametrize("row", list(BAD_NPZ))
def test_bad_landmark_files_are_refused_naming_file_and_problem(
    tmp_path: Path,
    capsys,
    row: str,  # noqa: ANN001
) -> None:
    make, message = BAD_NPZ[row]
    path = make(tmp_path / "bad.npz")
    assert main([str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: " in err and "Traceback" not in err
    import re

    assert re.search(message, err), err
    assert not (tmp_path / "out").exists()


def test_a_saved_live_session_s_landmarks_keep_the_picture_s_shape(tmp_path: Path) -> None:
    """A live session's ``landmarks.npz`` gives its picture's shape as ``aspect`` (no
    ``image_size``): a portrait session's squats were measured in a 640x480 picture by analyze
    (2 of 5 reps) while the history's replay counted 5."""
    from gymlib.recording import replay_session, save_session

    clip = generate_clip("squat", 5, seed=3, view="front", image_size=(720, 1280))
    times = np.arange(len(clip.landmarks)) / clip.fps
    saved = save_session(tmp_path / "s", times, clip.landmarks, fps=clip.fps, aspect=clip.aspect)
    replayed = len(replay_session(saved).summary())  # a row per rep
    assert main([str(saved / "landmarks.npz"), "--out", str(tmp_path / "out")]) == 0
    summary = _summary(tmp_path / "out")
    assert summary["size"] == [270, 480] and summary["reps"] == replayed == 5


@pytest.mark.parametrize(("exercise", "view"), [("squat", "side"), ("pull_up", "front")])
def test_a_saved_session_that_changed_shape_is_measured_in_each_shape(
    tmp_path: Path, exercise: str, view: str
) -> None:
    """A live session filmed in portrait, then the phone turned to landscape (16:9): analyze
    measured every frame in the last shape and counted 4 (squat) and 5 (pull-up) of 7 reps,
    the replay 7; each frame is now put in one picture, the widest."""
    from gymlib.recording import LiveInputs, replay_session, save_session

    a = generate_clip(exercise, 5, seed=3, view=view, image_size=(720, 1280))
    b = generate_clip(exercise, 2, seed=5, view=view, image_size=(1280, 720))
    lm = np.concatenate([a.landmarks, b.landmarks])
    times = np.arange(len(lm)) / a.fps
    turned = LiveInputs(aspects=((0, a.aspect), (len(a.landmarks), b.aspect)))
    saved = save_session(tmp_path / "s", times, lm, fps=a.fps, aspect=b.aspect, inputs=turned)
    replayed = len(replay_session(saved).summary())
    assert main([str(saved / "landmarks.npz"), "--out", str(tmp_path / "out")]) == 0
    summary = _summary(tmp_path / "out")
    assert summary["size"] == [852, 480] and summary["reps"] == replayed == 7


def test_a_portrait_session_that_never_turned_stays_portrait(tmp_path: Path) -> None:
    """The live coach starts at 4:3 and takes the camera's shape once it held 3 frames, so a
    portrait session records two shapes (4:3 at frame 0, 9:16 at frame 2): it is one shape."""
    from gymlib.live import LiveLoop
    from gymlib.recording import LiveInputs, replay_session, save_session
    from gymlib.session import CoachSession

    clip = generate_clip("squat", 3, seed=3, view="side", image_size=(720, 1280))
    frames = iter(clip.landmarks)
    loop = LiveLoop(CoachSession(), pose=lambda image, t: next(frames))
    times = np.arange(len(clip.landmarks)) / clip.fps
    for t in times:
        loop.step(float(t), image=np.zeros((1280, 720, 3), np.uint8))
    inputs = LiveInputs.of(loop.session)
    assert inputs.aspects == ((0, 4 / 3), (2, 720 / 1280))
    saved = save_session(tmp_path / "s", times, clip.landmarks, fps=clip.fps,
                         aspect=loop.session.aspect, inputs=inputs)  # fmt: skip
    replayed = len(replay_session(saved).summary())
    assert main([str(saved / "landmarks.npz"), "--out", str(tmp_path / "out")]) == 0
    summary = _summary(tmp_path / "out")
    assert summary["size"] == [270, 480] and summary["reps"] == replayed == 3


def test_a_saved_session_s_shapes_are_checked(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from gymlib.recording import LiveInputs, save_session

    clip = generate_clip("squat", 2, seed=3, view="front")
    times = np.arange(len(clip.landmarks)) / clip.fps
    bad = LiveInputs(aspects=((0, clip.aspect), (len(clip.landmarks) + 5, 0.5)))
    saved = save_session(tmp_path / "s", times, clip.landmarks, fps=clip.fps, aspect=0.5,
                         inputs=bad)  # fmt: skip
    assert main([str(saved / "landmarks.npz"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    named = f"'aspects' [{clip.aspect:g}, 0.5] from frames [0, {len(clip.landmarks) + 5}]"
    assert named in err, err


class _Payload:
    def __reduce__(self):  # noqa: ANN204
        return (os.system, ("touch PWNED",))


def test_pickles_are_never_loaded(tmp_path: Path, capsys, monkeypatch) -> None:  # noqa: ANN001
    """Rows 33, 45: object arrays and pickle payloads named .npz are refused, nothing runs."""
    monkeypatch.chdir(tmp_path)
    payload = tmp_path / "payload.npz"
    payload.write_bytes(pickle.dumps(_Payload()))
    objects = tmp_path / "objects.npz"
    np.savez(objects, landmarks=np.array([{"a": 1}], dtype=object))
    for path in (payload, objects):
        assert main([str(path), "--out", str(tmp_path / "out")]) == 2
        assert f"{path}: " in capsys.readouterr().err
    assert not (tmp_path / "PWNED").exists()


def test_good_landmark_files_still_run(tmp_path: Path) -> None:
    """Rows 25, 32: a generator clip gives its reps; int64 landmarks run (nobody found)."""
    clip = generate_clip("squat", 3, seed=4, view="left")
    src = save_clip_npz(clip, tmp_path / "clip.npz")
    result = analyze(src, out=tmp_path / "out", exercise="squat", progress=False)
    assert abs(len(result.reps) - 3) <= 1
    ints = tmp_path / "ints.npz"
    np.savez(ints, landmarks=np.ones((40, 33, 4), np.int64), fps=np.float64(30),
             image_size=np.array([640, 480]))  # fmt: skip
    assert main([str(ints), "--out", str(tmp_path / "ints")]) == 0


def test_the_videos_source_caches_upright_landmarks(tmp_path: Path) -> None:
    """Row 10 through the ``videos`` training source: a phone clip is extracted upright (the
    head above the hips) and its frames keep their own times."""
    from gymlib.extract import PoseSequence
    from gymlib.landmarks import PoseLandmark
    from gymlib.sources import extract_folder

    upright, _ = pv.sample_frames("split_squat-left45", limit=40)
    (tmp_path / "videos" / "split_squat").mkdir(parents=True)
    pv.rotated(tmp_path / "videos" / "split_squat" / "phone.mp4", upright, 270)
    data, report = extract_folder(tmp_path / "videos", cache_dir=tmp_path / "cache", workers=1,
                                  progress=False)  # fmt: skip
    assert report.read == 1 and len(data) == 1
    (cached,) = (tmp_path / "cache").glob("phone.*.npz")
    seq = PoseSequence.load(cached)
    assert seq.image_size == (480, 640)
    seen = seq.landmarks[seq.detected]
    assert len(seen) > 20
    assert np.median(seen[:, PoseLandmark.NOSE, 1] - seen[:, PoseLandmark.LEFT_HIP, 1]) < -0.1


def test_a_recorded_webm_becomes_a_checked_browser_mp4(tmp_path: Path, squat) -> None:  # noqa: ANN001
    """For saved session videos (issue 41): a browser's variable-rate webm re-encoded as H.264
    keeps every frame at its time; a cut copy fails the check instead of replacing the file."""
    from gymlib.media import VideoReader, VideoWriteError, check_video, probe, to_browser_mp4

    frames, times = squat
    webm = pv.variable_rate(tmp_path / "session.webm", frames[:40], times[:40], switch=20)
    mp4 = to_browser_mp4(webm, tmp_path / "session.mp4")
    assert probe(mp4).codec == "h264" and check_video(mp4, 30) == mp4
    want = [t for _, t in VideoReader(webm)]
    assert np.allclose([t for _, t in VideoReader(mp4)], want, atol=2e-3)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(mp4.read_bytes()[: mp4.stat().st_size // 2])
    with pytest.raises(VideoWriteError, match=r"cut\.mp4: "):
        check_video(cut, 30)
    with pytest.raises(VideoWriteError, match=r"no_such/s\.mp4: its folder .*no_such does not"):
        to_browser_mp4(webm, tmp_path / "no_such" / "s.mp4")  # (it named a temporary file)


# Rows 17, 18 and 21 need a small or read-only filesystem: a tmpfs mounted in a private user and
# mount namespace (``unshare -rm``), so nothing outside the test process sees it.
IN_NAMESPACE = r"""
import hashlib, json, os, shutil, subprocess, sys
mnt, good, clip, case = sys.argv[1:5]
def digests(d):
    return {n: hashlib.md5(open(os.path.join(d, n), "rb").read()).hexdigest()
            for n in sorted(os.listdir(d))} if os.path.isdir(d) else None
def analyze(out, *extra):
    return subprocess.run([sys.executable, "-m", "gymlib.analyze", clip, "--out", out, *extra],
                          capture_output=True, text=True, timeout=300)
if case == "full":
    shutil.copytree(good, f"{mnt}/out")
    before = digests(f"{mnt}/out")
    fh = open(f"{mnt}/filler", "wb", buffering=0)
    try:
        while True:
            fh.write(b"\0" * 16384)
    except OSError:
        fh.close()
    os.truncate(f"{mnt}/filler", os.path.getsize(f"{mnt}/filler") - 60_000)
    run = analyze(f"{mnt}/out", "--overwrite")
    result = {"before": before, "after": digests(f"{mnt}/out")}
else:  # read-only: a new folder (row 17), then an existing empty one (row 18)
    os.mkdir(f"{mnt}/res")
    subprocess.run(["mount", "-o", "remount,ro", mnt], check=True)
    run = analyze(f"{mnt}/new/res")
    result = {"rc17": run.returncode, "err17": run.stderr[-1500:]}
    run = analyze(f"{mnt}/res")
print("RESULT " + json.dumps({**result, "rc": run.returncode, "err": run.stderr[-1500:],
                              "listing": sorted(os.listdir(mnt))}))
"""


def _in_small_fs(tmp_path: Path, good: Path, clip: Path, case: str, size: str) -> dict:
    import shutil

    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) for a private tmpfs")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = tmp_path / "in_namespace.py"
    script.write_text(IN_NAMESPACE)
    cmd = (f'mount -t tmpfs -o size={size} tmpfs "{mnt}" && exec "{sys.executable}" "{script}" '
           f'"{mnt}" "{good}" "{clip}" {case}')  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = subprocess.run(["unshare", "-rm", "sh", "-c", cmd], env=env, capture_output=True,
                         text=True, timeout=600)  # fmt: skip
    line = [x for x in run.stdout.splitlines() if x.startswith("RESULT ")]
    if not line and ("Operation not permitted" in run.stderr or "mount" in run.stderr):
        pytest.skip(f"no private mounts here: {run.stderr.strip()[-200:]}")
    assert line, run.stderr
    return json.loads(line[0][len("RESULT ") :])


def test_a_full_disk_fails_the_run_and_keeps_earlier_results(
    tmp_path: Path, short_clip: Path
) -> None:
    """Row 21: a tmpfs that holds a good analysis and too little room for another."""
    good = tmp_path / "good"
    analyze(short_clip, out=good, progress=False)
    res = _in_small_fs(tmp_path, good, short_clip, "full", "4m")
    assert res["rc"] != 0 and "error:" in res["err"], res
    assert "No space left" in res["err"] or "disk full" in res["err"], res["err"]
    assert res["after"] == res["before"]
    assert res["listing"] == ["filler", "out"]  # no .partial folder left


def test_a_read_only_filesystem_is_a_clear_error(tmp_path: Path, short_clip: Path) -> None:
    """Rows 17-18: --out on a read-only filesystem, a new folder and an existing one."""
    res = _in_small_fs(tmp_path, tmp_path, short_clip, "ro", "1m")
    for rc, err in ((res["rc17"], res["err17"]), (res["rc"], res["err"])):
        assert rc == 2 and "Read-only file system" in err and str(tmp_path / "mnt") in err, err
    assert res["listing"] == ["res"]


def _still_video(path: Path, image: np.ndarray, frames: int) -> Path:
    return pv.write_mp4(path, [image] * frames, [i / 30 for i in range(frames)])


def test_odd_but_valid_videos_still_run(tmp_path: Path, squat) -> None:  # noqa: ANN001
    """Rows 6-8, 23: nobody in the picture, one frame, 4K, names with spaces and non-ASCII."""
    import cv2
    import skimage.data

    coffee = cv2.cvtColor(cv2.resize(skimage.data.coffee(), (640, 480)), cv2.COLOR_RGB2BGR)
    nobody = _still_video(tmp_path / "coffee.mp4", coffee, 90)
    assert main([str(nobody), "--out", str(tmp_path / "nobody")]) == 0
    assert _summary(tmp_path / "nobody")["reps"] == 0
    one = _still_video(tmp_path / "one.mp4", squat[0][200], 1)
    assert main([str(one), "--out", str(tmp_path / "one")]) == 0
    assert _summary(tmp_path / "one")["frames"] == 1
    big = _still_video(tmp_path / "4k.mp4", cv2.resize(squat[0][200], (3840, 2160)), 15)
    assert main([str(big), "--out", str(tmp_path / "4k")]) == 0
    assert _summary(tmp_path / "4k")["size"] == [3840, 2160]
    odd = tmp_path / "in ü squat 测试 clip.mp4"
    odd.write_bytes(one.read_bytes())
    assert main([str(odd), "--out", str(tmp_path / "out" / "ü out dir" / "x y")]) == 0
    assert (tmp_path / "out" / "ü out dir" / "x y" / "annotated.mp4").is_file()


@pytest.mark.parametrize("out", ["/proc/gymout", "/dev/null"])
def test_impossible_output_folders_are_clear_errors(
    tmp_path: Path,
    short_clip: Path,
    capsys,
    out: str,  # noqa: ANN001
) -> None:
    """Rows 19-20: a folder that cannot be made, an --out that is a file."""
    assert main([str(short_clip), "--out", out]) == 2
    assert f"{out}" in capsys.readouterr().err


def test_more_libx264_options_reach_the_encoder(tmp_path: Path) -> None:
    """``VideoWriter(options=...)`` (``benchmarks/analyze_speed.py --encoders``' settings) sets
    libx264's own options: analyze's default leaves B-frames in a moving clip, ``bframes=0``
    none, and both files hold every frame."""
    import av
    import cv2
    from av.video.frame import PictureType

    from gymlib.media import VideoWriter

    rng = np.random.default_rng(0)
    scene = rng.integers(0, 256, (120, 400, 3), dtype=np.uint8)
    scene = cv2.GaussianBlur(scene, (9, 9), 3)  # texture the motion search can follow
    types = {}
    for name, options in (("default", None), ("no B", {"x264-params": "bframes=0"})):
        path = tmp_path / f"{name}.mp4"
        writer = VideoWriter(path, (160, 120), 30.0, options=options)
        for i in range(40):
            writer.write(np.ascontiguousarray(scene[:, 3 * i : 3 * i + 160]))
        writer.close()  # checks that it holds all 40
        with av.open(str(path)) as c:
            types[name] = {PictureType(f.pict_type) for f in c.decode(video=0)}
    assert PictureType.B in types["default"]
    assert PictureType.B not in types["no B"]
