"""``analyze``'s pass 2 in a worker process of its own (``gymlib.drawer``, issue 41 item 1): the
same outputs as in a thread, failures that reach the caller, a dead worker that costs nothing,
and a user's script that needs no ``if __name__ == "__main__"``."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gymlib.drawer as drawer
from gymlib.analyze import analyze
from gymlib.media import VideoReader

ROOT = Path(__file__).resolve().parents[1]
SQUATS = ROOT / "data" / "samples" / "squat-left.mp4"  # rendered: a person squatting, 499 frames


def _frames(video: Path) -> list[np.ndarray]:
    return [rgb for rgb, _ in VideoReader(video, format="rgb24")]


def _same_outputs(one: Path, two: Path) -> None:
    for name in ("reps.csv", "sets.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    summaries = [json.loads((d / "summary.json").read_text()) for d in (one, two)]
    for s in summaries:
        s.pop("frames_per_second")
        s.pop("warnings")
    assert summaries[0] == summaries[1]
    assert _pixels(one / "summary.png") == _pixels(two / "summary.png")
    a, b = _frames(one / "annotated.mp4"), _frames(two / "annotated.mp4")
    assert len(a) == len(b) == summaries[0]["frames"]
    # the same frames drawn: H.264 with 2 threads is not bit-exact from run to run, so blocks
    # of 8x8 pixels are compared (a digit or a line drawn differently moves one by far more)
    worst = max(_block_diff(x, y) for x, y in zip(a, b, strict=True))
    assert worst < 2.0


def _block_diff(x: np.ndarray, y: np.ndarray) -> float:
    """The largest mean absolute difference over 8x8 blocks of two frames."""
    d = np.abs(x.astype(np.int16) - y).mean(axis=2)
    h, w = (d.shape[0] // 8) * 8, (d.shape[1] // 8) * 8
    return float(d[:h, :w].reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3)).max())


def _pixels(png: Path) -> tuple[str, tuple[int, int], bytes]:
    from PIL import Image

    with Image.open(png) as im:
        return im.mode, im.size, im.tobytes()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie no one reaped yet does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_the_worker_draws_what_this_process_draws(tmp_path: Path) -> None:
    """A rendered squat clip through MediaPipe once in each way: the same reps, sets, summary and
    annotated frames; the worker stays for the next analysis (its classifier loaded)."""
    beside = analyze(SQUATS, out=tmp_path / "worker", progress=False, drawing="process")
    pid = drawer.worker().process.pid
    here = analyze(SQUATS, out=tmp_path / "thread", progress=False, drawing="thread")
    assert len(beside.reps) == len(here.reps) >= 4
    assert beside.overlapped and here.overlapped
    _same_outputs(tmp_path / "worker", tmp_path / "thread")
    again = analyze(SQUATS, out=tmp_path / "again", progress=False)  # "auto": a video -> worker
    assert drawer.worker().process.pid == pid and len(again.reps) == len(beside.reps)


def test_a_killed_worker_loses_nothing_and_the_next_run_gets_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker killed in the middle of a clip (the kernel's OOM killer, a user's kill): the
    analysis draws in its own process from the landmarks it found, says so, and writes what
    the worker would have written; the next analysis starts a new worker."""
    from test_sources import _person_video

    video = _person_video(tmp_path / "me.mp4", frames=60)
    reference = analyze(video, out=tmp_path / "thread", progress=False, drawing="thread")
    put = drawer.ProcessDrawing.put
    killed: list[int] = []

    def put_then_kill(self, rgb, lm, t):  # noqa: ANN001, ANN202
        put(self, rgb, lm, t)
        if len(self.poses) == 20:
            pid = drawer.worker().process.pid
            os.kill(pid, 9)
            killed.append(pid)

    monkeypatch.setattr(drawer.ProcessDrawing, "put", put_then_kill)
    result = analyze(video, out=tmp_path / "killed", progress=False, drawing="process")
    assert killed and not result.overlapped
    assert any("drawing worker stopped" in w for w in result.warnings)
    assert len(result.reps) == len(reference.reps)
    _same_outputs(tmp_path / "killed", tmp_path / "thread")
    monkeypatch.setattr(drawer.ProcessDrawing, "put", put)
    analyze(video, out=tmp_path / "next", progress=False, drawing="process")
    assert drawer.worker().process.pid != killed[0]


def test_a_failure_in_the_worker_reaches_the_caller_during_the_pose_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job the worker cannot start (a store with damaged rules) fails within a few frames, not
    after the whole pose pass, with the worker's own exception (its type and message, its
    traceback as a note); no folder is left; the worker serves the next analysis. An exercise
    nobody knows fails before the pose pass starts."""
    from test_sources import _person_video

    video = _person_video(tmp_path / "me.mp4", frames=80)
    analyze(video, out=tmp_path / "first", progress=False, drawing="process")  # a worker ready
    pid = drawer.worker().process.pid
    put = drawer.ProcessDrawing.put
    frames: list[int] = []

    def counted(self, rgb, lm, t):  # noqa: ANN001, ANN202
        frames.append(1)
        if len(frames) == drawer.SEND_FRAMES + 1:  # the first message sent: its reply may come
            self._worker.conn.poll(30)
        put(self, rgb, lm, t)

    monkeypatch.setattr(drawer.ProcessDrawing, "put", counted)
    from gymlib.config import ConfigError

    damaged = tmp_path / "store"
    damaged.mkdir()
    (damaged / "rules.yaml").write_text("rules: [1, 2\n")
    with pytest.raises(ConfigError, match="rules.yaml: not valid YAML") as failed:
        analyze(video, out=tmp_path / "bad", store=damaged, progress=False,
                drawing="process")  # fmt: skip
    assert any("in the drawing worker" in n for n in failed.value.__notes__)
    assert len(frames) < 80 and not (tmp_path / "bad").exists()
    frames.clear()
    with pytest.raises(ValueError, match="exercise must be 'auto' or one of"):
        analyze(video, out=tmp_path / "bad2", exercise="handstand", progress=False,
                drawing="process")  # fmt: skip
    assert not frames and not (tmp_path / "bad2").exists()
    monkeypatch.setattr(drawer.ProcessDrawing, "put", put)
    ok = analyze(video, out=tmp_path / "ok", progress=False, drawing="process")
    assert ok.frames == 80 and drawer.worker().process.pid == pid


def test_an_interrupted_analysis_stops_its_worker_and_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C during the pose pass: the job is given up (the worker stopped, so nothing of it
    reaches the next analysis), nothing is left behind, and the next analysis runs."""
    from test_sources import _person_video

    import gymlib.analyze as an

    video = _person_video(tmp_path / "me.mp4", frames=60)
    bar = an.frame_bar

    def interrupted(frames, *args, **kwargs):  # noqa: ANN001, ANN202
        for i, x in enumerate(bar(frames, *args, **kwargs)):
            if i == 30:
                raise KeyboardInterrupt
            yield x

    monkeypatch.setattr(an, "frame_bar", interrupted)
    pid = drawer.worker().process.pid
    with pytest.raises(KeyboardInterrupt):
        analyze(video, out=tmp_path / "stopped", progress=False, drawing="process")
    assert not (tmp_path / "stopped").exists() and not _alive(pid)
    monkeypatch.setattr(an, "frame_bar", bar)
    assert analyze(video, out=tmp_path / "next", progress=False, drawing="process").frames == 60


def test_a_script_without_a_main_guard_runs_analyze_and_leaves_no_worker(tmp_path: Path) -> None:
    """The worker is a new interpreter running ``gymlib.drawer`` (not multiprocessing's spawn,
    which imports the caller's script again and fails on a script without a main guard); it
    ends with the script."""
    from test_sources import _person_video

    video = _person_video(tmp_path / "me.mp4", frames=40)
    script = tmp_path / "mine.py"
    script.write_text(
        "from gymlib.analyze import analyze\n"
        "from gymlib.drawer import worker\n"
        f"r = analyze({str(video)!r}, out={str(tmp_path / 'out')!r}, progress=False)\n"
        f"open({str(tmp_path / 'pid')!r}, 'w').write(str(worker().process.pid))\n"
        "print(r.frames, r.overlapped)\n"
    )  # fmt: skip
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["40", "True"]
    assert (tmp_path / "out" / "annotated.mp4").is_file()
    pid = int((tmp_path / "pid").read_text())
    deadline = time.monotonic() + 20
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pid)  # its pipe closed with the script: it ended


def test_a_worker_started_elsewhere_reads_a_relative_path_from_the_callers_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker stays between analyses; the caller may change folder meanwhile (a notebook's
    ``%cd``): paths reach it absolute."""
    from test_sources import _person_video

    drawer.worker()  # started in the test's folder
    _person_video(tmp_path / "here" / "me.mp4", frames=40)
    monkeypatch.chdir(tmp_path / "here")
    result = analyze("me.mp4", out="out", progress=False, drawing="process")
    assert result.frames == 40 and result.overlapped
    assert (tmp_path / "here" / "out" / "annotated.mp4").is_file()


def test_where_the_drawing_runs_is_checked(tmp_path: Path) -> None:
    from gymlib.analyze import save_clip_npz
    from gymlib.synth import generate_clip

    src = save_clip_npz(generate_clip("squat", [3], seed=5, view="left"), tmp_path / "c.npz")
    with pytest.raises(ValueError, match="drawing must be one of"):
        analyze(src, out=tmp_path / "a", progress=False, drawing="gpu")
    with pytest.raises(ValueError, match="cannot take a classifier object"):
        analyze(src, out=tmp_path / "b", progress=False, drawing="process", classifier=object())
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_two_analyses_at_once_share_no_worker(tmp_path: Path) -> None:
    """``analyze`` from two threads at once: one job per worker, so the second draws in its own
    process (and says so); both give the same results."""
    import threading

    from test_sources import _person_video

    video = _person_video(tmp_path / "me.mp4", frames=60)
    drawer.worker()
    results: dict[str, object] = {}

    def run(name: str) -> None:
        results[name] = analyze(video, out=tmp_path / name, progress=False)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    got = [results["a"], results["b"]]
    busy = [r for r in got if any("busy with another analysis" in w for w in r.warnings)]
    assert len(busy) == 1  # the other one had the worker
    assert got[0].frames == got[1].frames == 60
    for name in ("reps.csv", "sets.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_an_edit_of_gymlib_gets_a_new_worker_and_none_without(tmp_path: Path) -> None:
    """A worker runs the code on disk when it started: after an edit of a gymlib file (a
    notebook with autoreload, a developer's save) the next analysis gets a new worker, as a
    fresh process would; without one, the same worker serves."""
    from test_sources import _person_video

    video = _person_video(tmp_path / "me.mp4", frames=30)
    first = drawer.worker().process.pid
    assert drawer.worker().process.pid == first
    edited = Path(drawer.__file__)
    before = edited.stat()
    try:
        os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns + 10**9))
        assert analyze(video, out=tmp_path / "after", progress=False, drawing="process").frames
        second = drawer.worker().process.pid
    finally:
        os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert second != first and not _alive(first)
    third = drawer.worker().process.pid  # the file's time back: an edit again, a new one
    assert third != second and drawer.worker().process.pid == third


def _analyse_in_child(src: Path, out: Path, answers: Any) -> None:
    result = analyze(src, out=out, progress=False, drawing="process")
    answers.put((drawer.worker().process.pid, len(result.reps)))


def test_a_forked_child_gets_its_own_worker_and_leaves_the_parents_alone(tmp_path: Path) -> None:
    """A process forked after the worker started (multiprocessing's fork: a pool analysing
    clips in parallel) must not share the parent's worker and pipe (two callers' messages
    mixed in one job): it starts its own; the parent's serves on."""
    import multiprocessing

    from gymlib.analyze import save_clip_npz
    from gymlib.synth import generate_clip

    src = save_clip_npz(generate_clip("squat", [3], seed=5, view="left"), tmp_path / "c.npz")
    here = analyze(src, out=tmp_path / "parent", progress=False, drawing="process")
    parents = drawer.worker().process.pid
    fork = multiprocessing.get_context("fork")
    answers = fork.Queue()
    child = fork.Process(target=_analyse_in_child, args=(src, tmp_path / "child", answers))
    child.start()
    try:
        childs, reps = answers.get(timeout=300)
    finally:
        child.join(60)
        if child.is_alive():
            child.kill()
    assert child.exitcode == 0 and childs != parents and reps == len(here.reps) == 3
    deadline = time.monotonic() + 30
    while _alive(childs) and time.monotonic() < deadline:  # it ends with the child (pipe closed)
        time.sleep(0.1)
    assert not _alive(childs)
    assert drawer.worker().process.pid == parents and _alive(parents)
    again = analyze(src, out=tmp_path / "again", progress=False, drawing="process")
    assert len(again.reps) == 3 and drawer.worker().process.pid == parents


def test_a_killed_caller_s_worker_ends_though_a_child_forked_from_it_lives(
    tmp_path: Path,
) -> None:
    """The worker ends when its caller's end of the pipe closes. A child forked from the caller
    (a pool's process) must not keep that end open: the caller killed (SIGKILL: no exit
    handler runs), the worker still ends while the child lives on."""
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, signal, sys, time\n"
        "from gymlib.drawer import worker\n"
        "pid = worker().process.pid\n"
        "child = os.fork()\n"
        "if child == 0:\n"
        "    time.sleep(60)\n"
        "    os._exit(0)\n"
        "print('pids', pid, child, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )  # fmt: skip
    log = tmp_path / "log"
    with log.open("w") as out:  # a file, not a pipe: the child and the worker share it
        code = subprocess.run([sys.executable, str(script)], stdout=out, stderr=subprocess.STDOUT,
                              timeout=300, cwd=tmp_path).returncode  # fmt: skip
    assert code == -9, log.read_text()[-2000:]
    import re

    pid, child = (int(x) for x in re.findall(r"^pids (\d+) (\d+)$", log.read_text(), re.M)[0])
    try:
        assert _alive(child)
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(pid) and _alive(child)
    finally:
        for p in (child, pid):
            with contextlib.suppress(OSError):
                os.kill(p, 9)


def test_a_caller_killed_in_the_middle_of_a_job_leaves_no_worker_behind(tmp_path: Path) -> None:
    """The caller killed while the worker draws its job (SIGKILL, SIGTERM without a handler, a
    kernel restarted at once: no exit handler runs), the worker ends too (it waited for the
    caller's "end" for good: 0.8 GB left per kill)."""
    from gymlib.analyze import save_clip_npz
    from gymlib.synth import generate_clip

    src = save_clip_npz(generate_clip("squat", [3], seed=5, view="left"), tmp_path / "c.npz")
    script = tmp_path / "caller.py"
    script.write_text(
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from gymlib import drawer\n"
        "from gymlib.analyze import analyze\n"
        "def finish(self):  # the frames sent, not the end: the worker is in the job\n"
        "    self._flush()\n"
        "    print('pid', self._worker.process.pid, flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "drawer.ProcessDrawing.finish = finish\n"
        "analyze(Path(sys.argv[1]), out=Path(sys.argv[2]), progress=False, drawing='process')\n"
    )  # fmt: skip
    log = tmp_path / "log"
    with log.open("w") as out:
        code = subprocess.run([sys.executable, str(script), str(src), str(tmp_path / "out")],
                              stdout=out, stderr=subprocess.STDOUT, timeout=300,
                              cwd=tmp_path).returncode  # fmt: skip
    assert code == -9, log.read_text()[-2000:]
    import re

    pid = int(re.findall(r"^pid (\d+)$", log.read_text(), re.M)[0])
    try:
        deadline = time.monotonic() + 30
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(pid)
    finally:
        with contextlib.suppress(OSError):
            os.kill(pid, 9)


@dataclasses.dataclass(frozen=True)
class _OtherJob(drawer.DrawJob):
    """A job as another gymlib would send it (a class the worker cannot import)."""

    extra: int = 0


def test_a_worker_running_other_gymlib_code_costs_a_warning_not_the_analysis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gymlib edited and the caller's modules not reloaded: the worker (the code on disk) cannot
    read the caller's job. The analysis draws in its own process, says why, writes what the
    thread writes; the next ones do not try that worker again until gymlib changes."""
    from test_sources import _person_video

    video = _person_video(tmp_path / "me.mp4", frames=40)
    reference = analyze(video, out=tmp_path / "thread", progress=False, drawing="thread")
    monkeypatch.setattr(drawer, "DrawJob", _OtherJob)
    try:
        got = analyze(video, out=tmp_path / "other", progress=False, drawing="process")
        assert any("runs other gymlib code" in w for w in got.warnings), got.warnings
        _same_outputs(tmp_path / "other", tmp_path / "thread")
        assert len(got.reps) == len(reference.reps)
        again = analyze(video, out=tmp_path / "again", progress=False, drawing="process")
        assert any("would run other gymlib code" in w for w in again.warnings), again.warnings
    finally:
        drawer._MISMATCH.clear()
    monkeypatch.setattr(drawer, "DrawJob", _OtherJob.__mro__[1])
    last = analyze(video, out=tmp_path / "last", progress=False, drawing="process")
    assert last.overlapped and not last.warnings
