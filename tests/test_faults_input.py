"""Bad inputs and interruptions a new user's probes found in session 17 (beyond the 138 rows
of ``fault-probes-2026-12.md``): a damaged patch in a video, a mirror flag in its display
matrix, a high-speed camera, an audio file with cover art, a pipe, odd ``--out`` folders, a
killed run's leftover whose process id was reused, Ctrl-C and SIGTERM.

Every video is made here with ffmpeg from a committed sample and read with PyAV; the runs go
through real MediaPipe and the shipped classifier, the interruptions are real processes sent
real signals.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gymlib.analyze import main, save_clip_npz
from gymlib.media import VideoReader, probe
from gymlib.synth import generate_clip

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "squat-left.mp4"  # 5 reps from the left

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True)


@pytest.fixture(scope="module")
def cut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4-11.5 s of the sample: 3 reps, a key frame every second (decoding can start again)."""
    out = tmp_path_factory.mktemp("cut") / "cut.mp4"
    ffmpeg("-ss", "4", "-i", str(SAMPLE), "-t", "7.5", "-c:v", "libx264", "-g", "30",
           "-pix_fmt", "yuv420p", "-an", str(out))  # fmt: skip
    return out


def reps_of(out: Path) -> int:
    return int(json.loads((out / "summary.json").read_text())["reps"])


def test_a_damaged_patch_is_skipped_and_the_rest_analysed(tmp_path: Path, cut: Path,
                                                          capsys) -> None:  # fmt: skip  # noqa: ANN001
    """5 kB of garbage in the middle of the file (at 4 s): decoding stopped there for good (119
    of 225 frames, 1 rep of 3); the damaged packets are skipped, the frames after them read at
    their own times (218 of 225 here)."""
    data = bytearray(cut.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 5_000] = np.random.default_rng(7).integers(0, 256, 5_000, np.uint8).tobytes()
    bad = tmp_path / "damaged.mp4"
    bad.write_bytes(bytes(data))
    reader = VideoReader(bad)
    times = [t for _, t in reader]
    assert len(times) >= 210 and times[-1] == pytest.approx(7.47, abs=0.05), (
        len(times),
        times[-1],
    )
    (note,) = [p for p in reader.problems() if "damaged packet" in p]
    assert "could not be decoded" in note and "ends early" not in " ".join(reader.problems())
    assert main([str(bad), "--out", str(tmp_path / "res")]) == 0
    # the rep the damage falls in may be lost (its frames are missing or broken until the next
    # key frame); the one after it is counted
    rows = csv.DictReader((tmp_path / "res" / "reps.csv").read_text().splitlines())
    starts = [float(r["start_s"]) for r in rows]
    assert len(starts) >= 2 and max(starts) > 5.0, starts
    assert "damaged packet" in capsys.readouterr().err


def _with_matrix(src: Path, dst: Path, a: int, b: int, c: int, d: int) -> None:
    """``src`` with its track header's display matrix set to [a b 0; c d 0; tx ty 1] (16.16),
    as a phone app or an editor's "flip" writes it; tx, ty move the picture back in view."""
    data = bytearray(src.read_bytes())
    i = data.find(b"tkhd")
    version = data[i + 4]
    at = i + 8 + (32 if version == 1 else 20) + 16  # times, id, duration; reserved..volume
    w = struct.unpack(">I", data[at + 36 : at + 40])[0] >> 16
    h = struct.unpack(">I", data[at + 40 : at + 44])[0] >> 16
    tx, ty = (w if a < 0 or c < 0 else 0), (h if d < 0 or b < 0 else 0)
    m = [a << 16, b << 16, 0, c << 16, d << 16, 0, tx << 16, ty << 16, 0x40000000]
    data[at : at + 36] = struct.pack(">9i", *m)
    dst.write_bytes(bytes(data))


@pytest.mark.parametrize(("flip", "matrix"), [
    ("hflip", (-1, 0, 0, 1)), ("vflip", (1, 0, 0, -1)),  # a flip alone
    ("transpose=0", (0, 1, 1, 0)), ("transpose=3", (0, -1, -1, 0)),  # a quarter turn and a flip
])  # fmt: skip
def test_a_flip_in_the_display_matrix_is_shown_as_a_player_shows_it(
    tmp_path: Path, cut: Path, flip: str, matrix: tuple[int, int, int, int]
) -> None:
    """The pixels stored mirrored (or upside down) with the flip that undoes it in the display
    matrix, as QuickTime's "flip" or a front camera's app writes it: FFmpeg's rotation reads
    the mirror as a half turn, so the person was analysed upside down (0 reps, "push_up")."""
    marked = tmp_path / "marked.mp4"  # a box in a corner: the picture is not symmetric
    ffmpeg("-i", str(cut), "-vf", "drawbox=x=0:y=0:w=120:h=120:color=red:t=fill", "-c:v",
           "libx264", "-g", "30", "-pix_fmt", "yuv420p", str(marked))  # fmt: skip
    stored = tmp_path / f"{flip[:11]}-pixels.mp4"
    ffmpeg("-i", str(marked), "-vf", flip, "-c:v", "libx264", "-g", "30", "-pix_fmt", "yuv420p",
           str(stored))  # fmt: skip
    flagged = tmp_path / f"{flip[:11]}-flagged.mp4"
    _with_matrix(stored, flagged, *matrix)
    first = next(iter(VideoReader(marked)))[0].astype(float)
    shown = next(iter(VideoReader(flagged)))[0].astype(float)
    assert shown.shape == first.shape
    assert np.abs(shown - first).mean() < 4.0  # the picture as filmed (codec noise only)
    as_stored = next(iter(VideoReader(stored)))[0]
    assert as_stored.shape != first.shape or np.abs(as_stored - first).mean() > 10.0
    assert probe(flagged).size == probe(marked).size
    assert main([str(flagged), "--out", str(tmp_path / "res")]) == 0
    assert reps_of(tmp_path / "res") == 3


def test_a_high_speed_clip_keeps_its_own_times(tmp_path: Path, cut: Path) -> None:
    """300 frames a second (a phone's slow motion): the rate was thrown away as implausible
    and every frame timed at 30 a second (the clip ten times as long, 0 reps)."""
    fast = tmp_path / "fast.mp4"
    ffmpeg("-t", "4.2", "-i", str(cut), "-vf", "fps=300", "-c:v", "libx264", "-preset",
           "ultrafast", "-pix_fmt", "yuv420p", str(fast))  # fmt: skip
    info = probe(fast)
    assert info.fps == pytest.approx(300, rel=0.01) and info.fps_source == "header"
    times = [t for _, t in VideoReader(fast)]
    assert len(times) == pytest.approx(1260, abs=3) and times[-1] == pytest.approx(4.2, abs=0.05)
    assert main([str(fast), "--out", str(tmp_path / "fast")]) == 0
    assert reps_of(tmp_path / "fast") == 1  # the cut's first rep, 1.7-3.7 s
    shown = [t for _, t in VideoReader(tmp_path / "fast" / "annotated.mp4")]
    assert len(shown) == pytest.approx(4.2 * 60, abs=3)  # drawn at 60 a second, as screens show
    assert shown[-1] == pytest.approx(4.2, abs=0.05)
    lm = save_clip_npz(generate_clip("squat", 3, seed=1, view="left"), tmp_path / "a.npz")
    with np.load(lm) as z:  # a landmark file at 500 frames a second: read and drawn alike
        np.savez(tmp_path / "b.npz", **{**dict(z), "fps": np.float64(500.0)})
    assert main([str(tmp_path / "b.npz"), "--out", str(tmp_path / "res")]) == 0


def test_an_audio_file_with_cover_art_is_not_a_video(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """An mp3 with its album art ran as a one-frame "video" (rc 0, a warning about a cut
    file)."""
    art = tmp_path / "art.png"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", str(art))
    song = tmp_path / "song.mp3"
    ffmpeg("-f", "lavfi", "-i", "sine=d=3", "-i", str(art), "-map", "0", "-map", "1",
           "-c:v", "png", "-disposition:v", "attached_pic", str(song))  # fmt: skip
    assert main([str(song), "--out", str(tmp_path / "res")]) == 2
    err = capsys.readouterr().err
    assert f"{song}: holds only a cover picture" in err and not (tmp_path / "res").exists()


def test_a_pipe_and_an_out_under_a_file_are_named(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """``analyze <(curl ...)`` was "no such video"; ``--out notes.txt/res`` said only "File
    exists"."""
    pipe = tmp_path / "clip.mp4"
    os.mkfifo(pipe)
    assert main([str(pipe), "--out", str(tmp_path / "res")]) == 2
    assert f"{pipe}: is a pipe or a device, not a file" in capsys.readouterr().err
    a = save_clip_npz(generate_clip("squat", 3, seed=1, view="left"), tmp_path / "a.npz")
    (tmp_path / "notes.txt").write_text("mine")
    assert main([str(a), "--out", str(tmp_path / "notes.txt" / "res")]) == 2
    assert f"{tmp_path / 'notes.txt'} is a file, not a folder" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_long_out_name_and_a_linked_out_folder(tmp_path: Path) -> None:
    """A legal 250-character ``--out`` failed (the hidden work folder's longer name did not
    fit); a symlinked ``--out`` was replaced by a folder, the old results left where it
    pointed, with a hidden leftover."""
    a = save_clip_npz(generate_clip("squat", 3, seed=1, view="left"), tmp_path / "a.npz")
    b = save_clip_npz(generate_clip("push_up", 4, seed=2, view="left"), tmp_path / "b.npz")
    long = tmp_path / ("r" * 250)
    assert main([str(a), "--out", str(long)]) == 0 and (long / "summary.json").is_file()
    assert main([str(b), "--out", str(long), "--overwrite"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz", "b.npz", "r" * 250]
    real = tmp_path / "results"
    assert main([str(a), "--out", str(real)]) == 0
    (tmp_path / "link").symlink_to(real)
    assert main([str(b), "--out", str(tmp_path / "link"), "--overwrite"]) == 0
    assert (tmp_path / "link").is_symlink()
    assert json.loads((real / "summary.json").read_text())["video"].endswith("b.npz")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_killed_runs_leftover_is_cleared_though_its_process_id_was_reused(
    tmp_path: Path,
    capsys,  # noqa: ANN001
) -> None:
    """A run killed by SIGKILL leaves its work folder, named with its process id. Where that id
    now belongs to another process (containers reuse them), the next run said "another
    analysis is writing there now" for good; the process's start time tells them apart."""
    from gymlib.analyze_output import _started, work_prefix

    a = save_clip_npz(generate_clip("squat", 3, seed=1, view="left"), tmp_path / "a.npz")
    out = tmp_path / "res"
    other = subprocess.Popen(["sleep", "60"])  # alive, but not the run that left this
    try:
        assert _started(other.pid) > 0
        stale = tmp_path / f".res.partial-{other.pid}-{_started(other.pid) - 1}-abc"
        stale.mkdir()
        assert main([str(a), "--out", str(out)]) == 0 and not stale.exists()
        live = tmp_path / f".res.partial-{other.pid}-{_started(other.pid)}-abc"  # its own
        live.mkdir()
        assert main([str(a), "--out", str(out), "--overwrite"]) == 2
        assert "another analysis is writing there now" in capsys.readouterr().err
    finally:
        other.kill()
        other.wait()
    assert work_prefix(out).startswith(f".res.partial-{os.getpid()}-{_started(os.getpid())}-")


def test_a_stop_asked_is_raised_at_the_next_frame(tmp_path: Path) -> None:
    """The Ctrl-C handler marks the stop before raising it; an exception raised inside a
    garbage collector's callback is dropped, so each frame of the pose pass looks at the mark
    (the run went on to the end before)."""
    import gymlib.analyze as an

    a = save_clip_npz(generate_clip("squat", 3, seed=1, view="left"), tmp_path / "a.npz")
    an._Stop.signal = signal.SIGINT
    try:
        with pytest.raises(KeyboardInterrupt):
            an.analyze(a, out=tmp_path / "res", progress=False, drawing="thread")
    finally:
        an._Stop.signal = 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]  # nothing written, no leftover


def test_a_stop_dropped_in_a_gc_callback_prints_no_traceback(monkeypatch) -> None:  # noqa: ANN001
    """Python hands the KeyboardInterrupt a garbage-collector callback dropped (jax registers
    one) to ``sys.unraisablehook``, which prints "Exception ignored in: ... Traceback": while a
    stop is asked, that one is not passed on; other dropped exceptions still are."""
    import gc

    import gymlib.analyze as an

    seen: list[BaseException] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda info: seen.append(info.exc_value))

    def callback(phase: str, info: dict) -> None:
        if phase == "start":
            raise an.Terminated if an._Stop.signal else ValueError("another problem")

    gc.callbacks.append(callback)
    try:
        with an._stoppable():
            gc.collect()  # nothing asked: passed on
            an._Stop.signal = signal.SIGTERM
            gc.collect()  # our stop: not
    finally:
        gc.callbacks.remove(callback)
    assert [type(e) for e in seen] == [ValueError]


@pytest.mark.parametrize(("sig", "rc", "said"), [(signal.SIGINT, 130, "interrupted"),
                                                 (signal.SIGTERM, 143, "stopped")])  # fmt: skip
def test_ctrl_c_or_sigterm_stop_cleanly_and_keep_earlier_results(
    tmp_path: Path, sig: int, rc: int, said: str
) -> None:
    """Ctrl-C printed a 25-line traceback (or, landing in a garbage-collector callback, was
    dropped and the run went on); SIGTERM left the hidden work folder behind. Now both end the
    run during the pose pass: a line saying so, the earlier results as they were, no work
    folder left."""
    a = save_clip_npz(generate_clip("squat", 3, seed=1, view="left"), tmp_path / "a.npz")
    out = tmp_path / "res"
    assert main([str(a), "--out", str(out)]) == 0
    before = {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in out.iterdir()}
    run = subprocess.Popen([sys.executable, "-m", "gymlib.analyze", str(SAMPLE), "--out", str(out),
                            "--overwrite"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".res.partial") for p in tmp_path.iterdir()):
        assert run.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(3.0)  # MediaPipe started, the pose pass under way
    run.send_signal(sig)
    _, err = run.communicate(timeout=60)
    assert run.returncode == rc, err[-2000:]
    assert f"{said}: nothing was written" in err and "Traceback" not in err
    assert {p.name: hashlib.md5(p.read_bytes()).hexdigest() for p in out.iterdir()} == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_person_too_small_for_the_pose_model_is_warned_of(
    tmp_path: Path, cut: Path, capsys
) -> None:  # noqa: ANN001
    """A 96x72 video counted without a word about its size; now the person's size in pixels
    is in ``summary.json`` and, under ``live.framing.min_person_px``, a warning says so."""
    tiny = tmp_path / "tiny.mp4"
    ffmpeg("-i", str(cut), "-vf", "scale=96:72:flags=area", "-c:v", "libx264", "-pix_fmt",
           "yuv420p", str(tiny))  # fmt: skip
    from gymlib.config import load_config

    least = load_config().live.framing.min_person_px
    assert main([str(tiny), "--out", str(tmp_path / "tiny")]) == 0
    err = capsys.readouterr().err
    summary = json.loads((tmp_path / "tiny" / "summary.json").read_text())
    assert 0 < summary["person_px"] < least
    assert f"only about {summary['person_px']} pixels across" in err
    assert any("film closer or at a higher resolution" in w for w in summary["warnings"])
    assert main([str(cut), "--out", str(tmp_path / "full")]) == 0
    summary = json.loads((tmp_path / "full" / "summary.json").read_text())
    assert summary["person_px"] >= least and "pixels across" not in capsys.readouterr().err
    empty = tmp_path / "empty.mp4"  # nobody in any frame: it said nothing
    ffmpeg("-f", "lavfi", "-i", "color=c=gray:s=320x240:d=3", "-pix_fmt", "yuv420p", str(empty))
    assert main([str(empty), "--out", str(tmp_path / "empty")]) == 0
    summary = json.loads((tmp_path / "empty" / "summary.json").read_text())
    assert summary["person_px"] is None and summary["reps"] == 0
    assert any("no person was found in any frame" in w for w in summary["warnings"])
    made = save_clip_npz(generate_clip("squat", 2, seed=1, view="left"), tmp_path / "a.npz")
    with np.load(made) as z:  # a landmark file with nobody in it: said too, no size given
        np.savez(tmp_path / "none.npz", **{**dict(z), "landmarks": np.zeros_like(z["landmarks"])})
    assert main([str(tmp_path / "none.npz"), "--out", str(tmp_path / "none")]) == 0
    summary = json.loads((tmp_path / "none" / "summary.json").read_text())
    assert summary["person_px"] is None and summary["reps"] == 0
    assert any("no person was found in any frame" in w for w in summary["warnings"])
    assert main([str(made), "--out", str(tmp_path / "made")]) == 0  # a person: no size given
    summary = json.loads((tmp_path / "made" / "summary.json").read_text())
    assert summary["person_px"] is None and summary["reps"] == 2 and not summary["warnings"]
