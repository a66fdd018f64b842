"""A workout a coach left unsaved is saved by the next; a live coach saved twice counts once.

Real processes killed with SIGKILL (nothing of Python's exit runs), real files, real MediaPipe
in the end-to-end case.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import SureSquat

from gymlib.history import main as history_main
from gymlib.history import session_history
from gymlib.recording import load_session, replay_session, save_session, session_paths
from gymlib.spool import FRAME_RECORD, FrameSpool, rescue_spools

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "squat-left.mp4"


def _child(code: str, *, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3",
           "OMP_NUM_THREADS": "1"}  # fmt: skip
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT, check=False)  # fmt: skip


def _spools(root: Path) -> list[Path]:
    return sorted(root.glob(".recording-*.frames"))


# a process that records frames into a spool (as the live coach does), then is killed
_KILLED = """
    import os, signal
    import numpy as np
    from gymlib.recording import LiveInputs
    from gymlib.spool import FrameSpool, SpoolMeta

    spool = FrameSpool(ROOT, RUNID)
    for i in range(FRAMES):
        spool.append(i / 30, np.full((33, 4), 0.5, np.float32) if i % 7 else None)
    NOTE
    EXTRA
    print("SPOOL", spool.path, flush=True)
    WAIT
    os.kill(os.getpid(), signal.SIGKILL)
"""


def _killed(root: Path, frames: int, *, note: str = "", extra: str = "", wait: str = "",
            run: str = "") -> subprocess.CompletedProcess[str]:  # fmt: skip
    code = (_KILLED.replace("ROOT", repr(str(root))).replace("FRAMES", str(frames))
            .replace("NOTE", note).replace("EXTRA", extra).replace("WAIT", wait)
            .replace("RUNID", repr(run)))  # fmt: skip
    return _child(code)


def test_a_spool_its_process_holds_is_not_taken_and_a_killed_one_s_is_saved(tmp_path) -> None:  # noqa: ANN001
    # a process alive and recording: its spool is not touched
    code = _KILLED.replace("ROOT", repr(str(tmp_path))).replace("FRAMES", "40")
    code = code.replace("NOTE", "").replace("EXTRA", "").replace("RUNID", "''")
    code = code.replace("WAIT", "import sys; sys.stdin.readline()")  # until the test says
    child = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline().startswith("SPOOL")
        (spool,) = _spools(tmp_path)
        assert rescue_spools(tmp_path) == [] and spool.is_file()
        assert session_paths(tmp_path) == []
        # in this process too: a coach of this kernel recording is not rescued
        mine = FrameSpool(tmp_path)
        mine.append(0.0, None)
        assert rescue_spools(tmp_path) == []
    finally:
        child.kill()  # SIGKILL: nothing of its exit runs, the spool stays
        child.wait()
    assert spool.is_file()
    (rescue,) = rescue_spools(tmp_path)
    assert rescue.spool == spool and rescue.frames == 40 and rescue.error is None
    assert not spool.exists() and mine.path.is_file()  # this process's own spool is untouched
    rec = load_session(rescue.session)
    assert np.allclose(rec.timestamps, np.arange(40) / 30)
    assert [bool(f.any()) for f in rec.landmarks] == [bool(i % 7) for i in range(40)]
    assert rec.summary["rescued"]["spool"] == spool.name
    assert rec.summary["rescued"]["inputs_known"] is False  # no note: saved with the defaults
    assert "was missing or damaged" in rescue.report()
    assert rec.events == []
    mine.saved(1)  # its frame saved: it goes with its close
    mine.close()
    assert not mine.path.exists() and rescue_spools(tmp_path) == []


def test_a_frame_cut_short_by_the_kill_is_dropped_and_the_coach_s_note_is_kept(tmp_path) -> None:  # noqa: ANN001
    note = """spool.note(SpoolMeta("run-1", 25.0, 16 / 9, LiveInputs(
        cuts=(0.5,), aspects=((0, 16 / 9),), exercises=((3, "squat"),), new_sets=(20,))))"""
    extra = "spool._fh.write(b'x' * 100); spool._fh.flush()  # the kill came mid-frame"
    run = _killed(tmp_path, 30, note=note, extra=extra)
    assert run.returncode == -signal.SIGKILL, run.stderr[-600:]
    (spool,) = _spools(tmp_path)
    assert spool.stat().st_size == 30 * FRAME_RECORD.itemsize + 100
    (rescue,) = rescue_spools(tmp_path)
    assert rescue.frames == 30 and "30 frames" in rescue.report()
    rec = load_session(rescue.session)
    assert len(rec.timestamps) == 30 and rec.fps == 25.0 and rec.aspect == pytest.approx(16 / 9)
    assert rec.inputs.cuts == (0.5,) and rec.inputs.exercises == ((3, "squat"),)
    assert rec.inputs.new_sets == (20,)
    assert rec.summary["coach_run"] == "run-1" and rec.summary["rescued"]["inputs_known"]
    assert not spool.with_suffix(".json").exists()


def test_what_cannot_be_rescued_stays_for_the_next_try_and_an_empty_spool_goes(tmp_path) -> None:  # noqa: ANN001
    # a time that goes back, NaN, zeroed records (a damaged file): those records are left out
    # and the rest saved, said so (session 21's probe: one such record refused the whole
    # workout at every rescue)
    bad = ("spool.append(0.01, None); spool.append(float('nan'), np.ones((33, 4), np.float32))"
           "; spool._fh.write(bytes(FRAME_RECORD.itemsize * 3)); spool._fh.flush()")  # fmt: skip
    bad = bad.replace("FRAME_RECORD", "__import__('gymlib.spool').spool.FRAME_RECORD")
    assert _killed(tmp_path / "bad", 10, extra=bad).returncode == -signal.SIGKILL
    (rescue,) = rescue_spools(tmp_path / "bad")
    assert rescue.error is None and rescue.frames == 10, rescue.report()
    assert "5 damaged frame record(s) left out" in rescue.report()
    assert len(load_session(rescue.session).timestamps) == 10 and not _spools(tmp_path / "bad")
    # every record with a person damaged: nothing to save, the spool kept and said so
    gone = "spool._fh.write(np.full(FRAME_RECORD.itemsize * 4, 255, np.uint8).tobytes()); "
    gone += "spool._fh.flush()"
    gone = gone.replace("FRAME_RECORD", "__import__('gymlib.spool').spool.FRAME_RECORD")
    assert _killed(tmp_path / "gone", 0, extra=gone).returncode == -signal.SIGKILL
    (spool,) = _spools(tmp_path / "gone")
    (rescue,) = rescue_spools(tmp_path / "gone")
    assert rescue.session is None and "every frame record with a person" in rescue.error
    assert "stays there for the next try" in rescue.report() and str(spool) in rescue.report()
    assert spool.is_file() and session_paths(tmp_path / "gone") == []
    assert rescue_spools(tmp_path / "gone")[0].error == rescue.error  # tried again, not lost
    # a damaged note: the frames are saved without it, and still named with their workout (the
    # spool's name): the history counts them, not also a save of the same coach
    note = "spool.meta_path.write_text('{\"coach_run\": ')"
    earlier = _saved(tmp_path / "note", 3, "run7")  # "save session" early on, 3 frames
    run = _killed(tmp_path / "note", 5, note=note, run="run7")
    assert run.returncode == -signal.SIGKILL, run.stderr[-600:]
    (rescue,) = rescue_spools(tmp_path / "note")
    summary = load_session(rescue.session).summary
    assert summary["rescued"]["inputs_known"] is False and summary["coach_run"] == "run7"
    table = session_history(tmp_path / "note", classifier=SureSquat())
    assert table.attrs["superseded"] == {str(earlier): str(rescue.session)}
    # killed before its first frame: nothing to save, the spool removed
    assert _killed(tmp_path / "empty", 0).returncode == -signal.SIGKILL
    (rescue,) = rescue_spools(tmp_path / "empty")
    assert rescue.session is None and rescue.frames == 0 and rescue.error is None
    assert list((tmp_path / "empty").iterdir()) == []


def _saved(root: Path, frames: int, run: str | None) -> Path:
    from gymlib.synth import generate_clip

    clip = generate_clip("squat", 6, seed=2, view="left", idle=False)
    summary = {"coach_run": run} if run else {}
    return save_session(root, clip.timestamps[:frames], clip.landmarks[:frames],
                        fps=clip.fps, aspect=clip.aspect, summary=summary)  # fmt: skip


def test_a_spool_s_end_keeps_what_no_save_holds(tmp_path: Path) -> None:
    # every frame saved: the spool goes with its coach, before its lock does
    done = FrameSpool(tmp_path)
    for i in range(3):
        done.append(i / 30, None)
    done.saved(3)
    done.close()
    assert not done.path.exists() and rescue_spools(tmp_path) == []
    # frames after the save (or no save): left, unlocked, for the next coach
    left = FrameSpool(tmp_path)
    for i in range(5):
        left.append(i / 30, np.full((33, 4), 0.5, np.float32))
    left.saved(2)
    left.close()
    assert left.path.is_file()
    (rescue,) = rescue_spools(tmp_path)
    assert rescue.frames == 5 and len(load_session(rescue.session).timestamps) == 5
    # nobody ever in the picture (the camera on, the person not yet there): nothing to save
    empty = FrameSpool(tmp_path / "nobody")
    for i in range(30):
        empty.append(i / 30, None)
    empty.close()
    (rescue,) = rescue_spools(tmp_path / "nobody")
    assert rescue.session is None and list((tmp_path / "nobody").iterdir()) == []
    # a spool whose every frame a save holds (killed right after "save session"): removed
    note = """spool.note(SpoolMeta("run-1", 30.0, 4 / 3, LiveInputs(), saved_frames=12))"""
    assert _killed(tmp_path / "k", 12, note=note).returncode == -signal.SIGKILL
    (rescue,) = rescue_spools(tmp_path / "k")
    assert rescue.session is None and "removed" in rescue.report()
    assert list((tmp_path / "k").iterdir()) == []


def test_a_coach_saved_twice_counts_its_reps_once_in_the_history(tmp_path: Path) -> None:
    whole = _saved(tmp_path, 400, "run-a")  # every save holds every frame since the start
    half = _saved(tmp_path, 100, "run-a")  # (named later: the frames decide, not the name)
    other = _saved(tmp_path, 400, "run-b")
    older = _saved(tmp_path, 400, None)  # saved before sessions named their coach
    table = session_history(tmp_path, classifier=SureSquat())
    assert table.attrs["superseded"] == {str(half): str(whole)}
    counted = table.groupby("session").size().to_dict()
    assert set(counted) == {whole.name, other.name, older.name}
    alone = len(replay_session(whole, SureSquat()).reps)
    assert counted[whole.name] == alone >= 4
    assert half.is_dir()  # kept on disk: only not counted twice


def test_the_history_falls_back_on_a_workout_s_next_save_and_prefers_the_user_s(tmp_path) -> None:  # noqa: ANN001
    half = _saved(tmp_path / "a", 100, "run-a")
    whole = _saved(tmp_path / "a", 400, "run-a")
    (whole / "landmarks.npz").write_bytes(b"cut")  # the fullest save damaged
    with pytest.warns(UserWarning, match="skipped"):
        table = session_history(tmp_path / "a", classifier=SureSquat())
    assert set(table["session"]) == {half.name} and str(whole) in table.attrs["skipped"]
    # the same frames saved by the user and by a rescue: the user's (its events, its video)
    mine = _saved(tmp_path / "b", 400, "run-b")
    rescued = _saved(tmp_path / "b", 400, "run-b")
    info = json.loads((rescued / "summary.json").read_text())
    (rescued / "summary.json").write_text(json.dumps({**info, "rescued": {"spool": "x"}}))
    table = session_history(tmp_path / "b", classifier=SureSquat())
    assert table.attrs["superseded"] == {str(rescued): str(mine)}


@pytest.mark.skipif(not SAMPLE.is_file(), reason="no sample clip (data/samples/squat-left.mp4)")
def test_a_live_coach_killed_mid_workout_is_rescued_by_the_next_coach(tmp_path: Path) -> None:
    # the user's path: the dashboard's coach with real MediaPipe on a video's frames, the
    # exercise chosen, saved once half-way; then the kernel dies
    code = f"""
        import os, signal, time
        import numpy as np
        from gymlib.media import VideoReader
        from gymlib.widgets.coach import LiveCoach

        class Sure:
            classes = ("squat", "split_squat", "push_up", "pull_up", "lat_machine", "bench_press")
            def predict_one(self, window):
                return np.eye(6)[0]

        coach = LiveCoach(Sure(), sessions={str(tmp_path)!r})
        coach._set_exercise("squat")
        frames = list(VideoReader({str(SAMPLE)!r}, format="rgb24"))
        for k, (rgb, t) in enumerate(frames):
            coach._process(np.ascontiguousarray(rgb[..., ::-1]), t, time.perf_counter())
            if k == len(frames) // 2:
                print("HALF", coach._save().name, flush=True)
        print("FRAMES", len(frames), "REPS", len(coach.session.reps), flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """
    run = _child(code)
    assert run.returncode == -signal.SIGKILL, run.stderr[-800:]
    half = tmp_path / run.stdout.split("HALF ")[1].split()[0]
    frames, live = (int(x) for x in run.stdout.split("FRAMES ")[1].split(" REPS "))
    from gymlib.widgets.coach import LiveCoach

    coach = LiveCoach(SureSquat(), sessions=tmp_path)  # the user starts the coach again
    try:
        (rescue,) = coach.rescued
        assert "saved a session the last coach left unsaved" in coach.saved.value
        assert rescue.session.name in coach.saved.value
    finally:
        coach.close()
    rec = load_session(rescue.session)
    assert len(rec.timestamps) == frames and rec.inputs.exercises[-1] == (0, "squat")
    first = json.loads((half / "summary.json").read_text())
    assert rec.summary["coach_run"] == first["coach_run"]  # one workout
    replayed = len(replay_session(rescue.session, SureSquat()).reps)
    assert live <= replayed <= live + 1  # + the rep the stream ended on, as a stop counts it
    assert abs(replayed - 5) <= 1  # the clip's 5 reps
    table = session_history(tmp_path, classifier=SureSquat())
    assert table.attrs["superseded"] == {str(half): str(rescue.session)}
    assert len(table) == replayed  # the half-way save's reps are not counted again


def test_the_history_command_rescues_and_says_so(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert _killed(tmp_path, 20).returncode == -signal.SIGKILL
    history_main(["--sessions", str(tmp_path), "--out", str(tmp_path / "h.png")])
    err = capsys.readouterr().err
    assert "saved a session the last coach left unsaved (20 frames)" in err
    assert len(session_paths(tmp_path)) == 1 and _spools(tmp_path) == []


def test_a_spool_goes_before_its_lock_does_and_this_process_s_are_never_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gymlib import spool as spool_mod

    # deleted, then closed: a rescue elsewhere can never lock a spool that is still there
    seen_at_close = []

    class Watched:
        closed = False

        def close(self) -> None:
            seen_at_close.append(path.exists())
            self.closed = True

    path, meta = tmp_path / ".recording-x.frames", tmp_path / ".recording-x.json"
    path.write_bytes(b"")
    spool_mod._end(Watched(), path, meta, {"count": 3, "saved": 3, "keep": True})
    assert seen_at_close == [False] and not path.exists()
    # where the lock would not stop it (flock emulated per process, on NFS), this process's own
    # spool is still not taken
    mine = FrameSpool(tmp_path / "own")
    mine.append(0.0, np.full((33, 4), 0.5, np.float32))
    monkeypatch.setattr(spool_mod, "_lock", lambda fd: True)
    assert rescue_spools(tmp_path / "own") == [] and mine.path.is_file()
    mine.saved(1)
    mine.close()


def test_the_empty_file_of_a_coach_killed_while_starting_goes_and_nothing_else(tmp_path) -> None:  # noqa: ANN001
    """A kill between a spool's making and its lock leaves an empty ``.starting`` file: the next
    rescue removes it once it is a minute old and nobody locks it; one with frames (a coach on a
    file system without locks), one made just now, and one a living process locks stay."""
    import tempfile
    import time

    def starting(age_s: float, data: bytes = b"") -> Path:
        fd, name = tempfile.mkstemp(dir=tmp_path, prefix=".recording-", suffix=".starting")
        os.write(fd, data)
        os.close(fd)
        os.utime(name, (time.time() - age_s,) * 2)
        return Path(name)

    killed = starting(120)
    just_made = starting(0)
    with_frames = starting(120, np.zeros(3, FRAME_RECORD).tobytes())
    held = starting(120)
    lock = (
        "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); "
        "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)"
    )
    holder = subprocess.Popen([sys.executable, "-c", lock, str(held)], stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        assert rescue_spools(tmp_path) == []
        assert not killed.exists()
        assert just_made.exists() and with_frames.exists() and held.exists()
    finally:
        holder.kill()
        holder.wait()
    rescue_spools(tmp_path)  # its holder gone: it goes too
    assert not held.exists() and just_made.exists() and with_frames.exists()


def test_a_note_with_a_rate_or_shape_that_cannot_be_is_a_damaged_note() -> None:
    """A note saying ``fps: -1`` refused the workout's save at every rescue; as a damaged
    note, the frames are saved without it (30 frames a second, a 4:3 picture)."""
    from gymlib.recording import LiveInputs
    from gymlib.spool import SpoolMeta

    good = {"coach_run": "r1", "fps": 30.0, "aspect": 4 / 3,
            "inputs": dataclasses.asdict(LiveInputs())}  # fmt: skip
    assert SpoolMeta.from_json(good).fps == 30.0
    for key, value in (("fps", -1), ("fps", float("nan")), ("aspect", 0)):
        with pytest.raises(ValueError, match="must be numbers over 0"):
            SpoolMeta.from_json({**good, key: value})


def test_salvage_keeps_the_most_frames_in_time_order_and_moves_the_changes_with_them() -> None:
    """A damaged time that looks plausible (5e8 s) left out itself, not every frame after it;
    the coach's changes (an exercise chosen, a stop) stay on the frames they came before (the
    review of session 21: a stop past the frames kept was lost)."""
    from gymlib.recording import LiveInputs
    from gymlib.spool import salvage

    frames = np.zeros(10, FRAME_RECORD)
    frames["t"] = [0.0, 0.1, 0.2, 5e8, 0.0, 0.0, 0.3, 0.4, 0.5, 0.6]  # 3: garbage, 4-5: zeroed
    frames["landmarks"][:] = 0.5
    frames["landmarks"][4:6] = 0.0
    keep = salvage(frames)
    assert keep.tolist() == [0, 1, 2, 6, 7, 8, 9]
    inputs = LiveInputs(exercises=((0, "auto"), (7, "squat")), ends=(10,), new_sets=(6,))
    moved = inputs.renumbered(keep)
    assert moved.exercises == ((0, "auto"), (4, "squat"))  # before frame 7, now the 5th kept
    assert moved.new_sets == (3,) and moved.ends == (7,)  # the stop: after the last kept frame
