"""``analyze``'s pass 2 (the live loop, the drawing, H.264, the tables and plot) beside its pose
pass: in a thread of this process (:class:`ThreadDrawing`) or in a worker process of its own
(:class:`ProcessDrawing`).

The worker exists for speed on two cores. MediaPipe's pose pass gives Python's GIL away while
its graph works and takes it back a few times a frame; a drawing thread in the same process
holds the GIL whenever it runs Python (replans, loop steps), so the pose pass waited for it and
ran ~7 % slower than a bare MediaPipe loop. A lower-priority process beside it costs the pose
pass nothing measurable (docs/benchmarks.md, "Session 9: the drawing in its own process"). The
worker decodes the video again itself (on the core MediaPipe leaves idle), gets the landmarks,
times and pixel cuts over a pipe, and stays alive for the next analysis with its classifier
loaded (a new one costs ~4 s of TensorFlow's import and the model's load). Both ways run the
same code (:class:`ThreadDrawing`) on the same landmarks: the outputs are the same.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.annotate import BEHIND_POSE_NICE

#: Frames of landmarks sent to the worker in one message (a message costs a pickle and a write
#: in the pose pass's thread; the drawing keeps FOLLOW_LAG_S behind anyway).
SEND_FRAMES = 8


@dataclass(frozen=True)
class DrawJob:
    """What pass 2 needs to know of a clip besides its landmarks (it pickles: the worker's)."""

    src: Path
    work: Path  # the run's hidden folder: annotated.mp4, reps.csv, sets.csv, summary.png
    exercise: str
    store: str | Path | None
    fps: float
    size: tuple[int, int]  # (width, height) of the drawn frames
    declared: int  # frames the file says it holds
    progress: bool


@dataclass
class Drawn:
    """What pass 2 found (the loop's results) for ``summary.json`` and :class:`Analysis`."""

    frames: int  # frames through the loop
    reps: list[Any]
    rows: list[dict[str, Any]]  # reps.csv's
    sets: list[dict[str, Any]]  # sets.csv's
    found_cuts: list[dict[str, Any]]
    overlapped: bool  # drawn beside the pose pass (the plans held)
    #: when each step of :meth:`ThreadDrawing.finish` ended (``time.perf_counter()``: on Linux
    #: the same clock in every process), for benchmarks/analyze_speed.py's timeline
    stages: dict[str, float] = field(default_factory=dict)


class ThreadDrawing:
    """Pass 2 in this process: a :class:`gymlib.follow.Follower` thread draws and encodes
    behind the pose pass (:meth:`put` each frame), :meth:`finish` plans the whole clip and
    writes the video, the tables and the plot into ``job.work``."""

    def __init__(self, job: DrawJob, classifier: Any, cuts: Sequence[float],
                 frames: Callable[[], Iterator[np.ndarray]] | None = None,
                 follow: bool = True) -> None:  # fmt: skip
        """``frames``: reads the frames to draw on again (default: those :meth:`put` gives,
        kept a while, else decoded again); ``follow``: draw beside, else only at the end."""
        from gymlib.analyze_input import frames_again
        from gymlib.analyze_output import warm_plot
        from gymlib.follow import Follower, RecentFrames, SharedClassifier, last_replan

        self.job, self._cuts = job, cuts
        self.poses: list[np.ndarray | None] = []
        self.times: list[float] = []
        self._shared = classifier
        self.session = self._new_session()
        if classifier is None:  # one classifier for every session, loaded only when needed
            self._shared = SharedClassifier(self.session)
        self._recent = RecentFrames(lambda: frames_again(job.src), job.fps)
        self._frames = frames or self._recent.read
        self._keep = frames is None
        self._follower: Any = None
        if follow:
            last = last_replan(job.declared, job.fps)
            self._follower = Follower(self._new_session, self._frames, self._annotator,
                                      last=last, warm=warm_plot)  # fmt: skip
            self._follower.start(self.poses, self.times)

    def _new_session(self) -> Any:
        from gymlib.session import CoachSession

        w, h = self.job.size
        run = CoachSession(self._shared, fps=self.job.fps, aspect=w / h,
                           exercise=self.job.exercise, store=self.job.store)  # fmt: skip
        run.cuts = self._cuts  # camera cuts seen in the pixels (gymlib.cuts), as they come
        return run

    def _annotator(self, run: Any) -> Any:  # the live coach's loop, drawn and encoded
        from gymlib.annotate import Annotator
        from gymlib.live import LiveLoop
        from gymlib.media import VideoWriter

        writer = VideoWriter(self.job.work / "annotated.mp4", self.job.size, self.job.fps)
        return Annotator(LiveLoop(run), writer)

    def put(self, rgb: np.ndarray | None, lm: np.ndarray | None, t: float) -> None:
        """The pose pass's next frame (``rgb`` None: not kept, decoded again when drawn)."""
        if rgb is not None and self._keep:
            self._recent.put(rgb)  # before its landmarks: the follower reads only frames with them
        self.poses.append(lm)
        self.times.append(t)
        if self._follower is not None:
            self._follower.poke()

    def abort(self) -> None:
        if self._follower is not None:
            self._follower.abort()

    def finish(self) -> Drawn:
        """The whole clip planned, every frame drawn (again, if a plan drawn with disagrees),
        the tables and plot written, the video finished and checked."""
        stages = {"finish called": time.perf_counter()}
        annotated = None
        if self._follower is not None:
            # the frames drawn after the pose pass wait for the encoder (as many as were kept)
            self._follower.tail = self._recent.limit if self._keep else self._tail()
            annotated = self._follower.finish(self.session, self.poses, self.times)
        else:
            self.session.plan(self.poses, self.times)
        stages["whole clip planned, every frame through the loop"] = time.perf_counter()
        if annotated is None:  # the plan changed after drawing began: draw the video again
            annotated = self._annotator(self.session)  # fed the landmarks found in pass 1
            frames = zip(self._redraw_frames(), self.poses, self.times, strict=False)
            annotated.run(_bar(frames, self.job, f"{self.job.src.name} (video)"))
            stages["drawn again"] = time.perf_counter()
        try:  # the tables and plot while the encoder finishes the video's last frames
            rows = _write_tables(annotated, self.times, self.job.work)
            stages["tables and plot written"] = time.perf_counter()
            annotated.close()
            stages["video finished and checked"] = time.perf_counter()
        except BaseException:
            annotated.abort()
            raise
        loop = annotated.loop
        return Drawn(len(annotated.timeline), list(loop.reps), rows,
                     [w.as_row() for w in loop.sets.sets],
                     [c.as_row() for c in loop.session.found_cuts],
                     self._follower is not None and self._follower.held, stages)  # fmt: skip

    def _redraw_frames(self) -> Iterator[np.ndarray]:
        from gymlib.analyze_input import frames_again

        return frames_again(self.job.src)

    def _tail(self) -> int:
        """Frames that may wait for the encoder after the pose pass, as
        :meth:`gymlib.follow.RecentFrames.limit` would keep of this size."""
        from gymlib.follow import RECENT_BYTES, RECENT_S

        w, h = self.job.size
        return max(1, min(round(RECENT_S * self.job.fps), RECENT_BYTES // max(w * h * 3, 1)))


def _write_tables(annotated: Any, times: list[float], work: Path) -> list[dict[str, Any]]:
    """``reps.csv``, ``sets.csv`` and ``summary.png`` from the loop that stepped every frame
    (its encoder may still be at work); the reps' rows."""
    from gymlib.analyze_output import plot_summary, timed_row, write_csv
    from gymlib.sets import WorkoutSet

    loop, timeline = annotated.loop, annotated.timeline
    loop.session.finish()  # a rep the clip ends on (drawn frames are not redrawn for it)
    times = times[: len(timeline)]
    rows = [timed_row(r, times) for r in loop.reps]
    for row, n in zip(rows, loop.summary(), strict=True):
        row["set"] = n["set"]  # the loop's sets (the dashboard's too)
    sets = [w.as_row() for w in loop.sets.sets]
    write_csv(work / "reps.csv", rows, ["rep", "exercise", "start_s", "end_s", "rom",
                                         "verdict", "reasons"])  # fmt: skip
    write_csv(work / "sets.csv", sets, list(WorkoutSet(1, "", (), 0, 0, None).as_row()))
    plot_summary(timeline, rows, work / "summary.png")
    return rows


def _bar(frames: Iterator[Any], job: DrawJob, desc: str) -> Iterator[Any]:
    from tqdm.auto import tqdm

    return tqdm(frames, total=job.declared or None, desc=desc, unit="frame",
                disable=not job.progress)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# the worker process


class ProcessDrawing:
    """Pass 2 in the worker process (:func:`worker`): the same interface as
    :class:`ThreadDrawing`. If the worker dies, the drawing is done here after the pose pass
    from the landmarks already found (nothing the pose pass did is lost), with a warning."""

    def __init__(self, job: DrawJob, cuts: Sequence[float]) -> None:
        self.job, self._cuts = job, cuts
        self.poses: list[np.ndarray | None] = []
        self.times: list[float] = []
        self._batch: list[tuple[np.ndarray | None, float]] = []
        self._sent_cuts = 0
        self._worker: Worker | None = worker()
        self.fell_back: str | None = None  # why the drawing ran here instead
        self._send(("job", job))

    def _send(self, msg: tuple) -> None:
        if self._worker is None:
            return
        try:
            self._worker.conn.send(msg)
        except (OSError, EOFError, ValueError) as exc:  # a dead worker's pipe
            self._lost(exc)

    def _lost(self, exc: BaseException) -> None:
        if self._worker is not None:
            _stop(self._worker)
            code = self._worker.process.returncode
            self.fell_back = f"the drawing worker stopped (exit code {code}: {exc!r})"
        self._worker = None

    def put(self, rgb: np.ndarray | None, lm: np.ndarray | None, t: float) -> None:
        self.poses.append(lm)
        self.times.append(t)
        self._batch.append((lm, t))
        if len(self._batch) >= SEND_FRAMES:
            self._flush()

    def _flush(self) -> None:
        new = list(self._cuts[self._sent_cuts :])  # a cut is known before its frame comes
        self._sent_cuts += len(new)
        self._send(("frames", new, self._batch))
        self._batch = []
        if self._worker is not None and self._worker.conn.poll():  # only a failure comes early
            self._reply("done")

    def _reply(self, kind: str) -> Any:
        """The worker's reply ``kind`` (its error is raised here); None if it died."""
        w = self._worker
        if w is None:
            return None
        try:
            got, value = w.conn.recv()
        except (OSError, EOFError) as exc:
            self._lost(exc)
            return None
        except BaseException:  # interrupted while it works: stopped (a new one serves next)
            self.abort()
            raise
        self._worker = None  # the job is over for the worker: it serves the next one
        if got == "error":
            raise value
        if got != kind:
            raise RuntimeError(f"the drawing worker replied {got!r}, expected {kind!r}")
        return value

    def abort(self) -> None:
        """Give the job up: the worker is stopped (a new one serves the next analysis, so no
        reply of this job can reach another)."""
        if self._worker is not None:
            _stop(self._worker)
            self._worker = None

    def finish(self) -> Drawn:
        self._flush()
        self._send(("end",))
        drawn = self._reply("done")
        if drawn is not None:
            return drawn
        for p in self.job.work.iterdir():  # what the worker left half-written
            if p.is_file():
                p.unlink()
        here = ThreadDrawing(self.job, None, self._cuts, follow=False)
        here.poses, here.times = self.poses, self.times
        return here.finish()


@dataclass
class Worker:
    process: Any  # subprocess.Popen of ``python -m gymlib.drawer FD``
    conn: Any  # this end of the socket pair (multiprocessing.connection.Connection)

    def alive(self) -> bool:
        return self.process.poll() is None


_WORKER: Worker | None = None
_WORKER_LOCK = threading.Lock()


def worker() -> Worker:
    """The drawing worker of this process, started if there is none or it died: ``python -m
    gymlib.drawer`` (a new interpreter: not a fork of one running MediaPipe's threads, and,
    unlike multiprocessing's spawn, it does not import the caller's script again), with this
    gymlib first on its path; it preloads the classifier as it starts."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None or not _WORKER.alive():
            import subprocess
            from multiprocessing.connection import Connection

            here, there = socket.socketpair()
            env = dict(os.environ)
            root = str(Path(__file__).resolve().parent.parent)
            env["PYTHONPATH"] = os.pathsep.join(
                [root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
            )
            process = subprocess.Popen(
                [sys.executable, "-m", "gymlib.drawer", str(there.fileno())],
                pass_fds=[there.fileno()], stdin=subprocess.DEVNULL, env=env,
            )  # fmt: skip
            there.close()
            _WORKER = Worker(process, Connection(here.detach()))
        return _WORKER


def _stop(w: Worker) -> None:
    """Stop ``w`` now (killed: its job is given up) and forget it: the next analysis starts a
    new worker."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is w:
            _WORKER = None
    with contextlib.suppress(OSError):
        w.conn.close()
    if w.process.poll() is None:
        w.process.kill()
    w.process.wait()


def stop_worker() -> None:
    """End the drawing worker (it also ends when this process does: its pipe closes)."""
    global _WORKER
    with _WORKER_LOCK:
        w, _WORKER = _WORKER, None
    if w is not None:
        with contextlib.suppress(OSError, ValueError):
            w.conn.send(("stop",))
        try:
            w.process.wait(5)
        except Exception:
            _stop(w)


class _Classifier:
    """The repository's classifier, loaded once in the worker (preloaded as it starts) and again
    only when its file changed (a retrain: checked at each job's first use); used like the
    classifier (its attributes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._model: Any = None
        self._stale = True
        threading.Thread(target=self._preload, name="classifier-preload", daemon=True).start()

    def _preload(self) -> None:
        with contextlib.suppress(Exception):  # a missing or bad model fails where it is used
            self.current()

    def new_job(self) -> None:
        self._stale = True

    @staticmethod
    def _file_key() -> tuple:
        from gymlib.config import load_config

        cfg = load_config()
        p = cfg.resolve(cfg.model.path)
        st = p.stat()
        return (str(p), st.st_mtime_ns, st.st_size, cfg.model.confidence_threshold)

    def current(self) -> Any:
        from gymlib.landmarks import FRAME_FEATURES, WINDOW_FRAMES
        from gymlib.model import ExerciseClassifier

        with self._lock:
            if not self._stale and self._model is not None:
                return self._model
            try:
                key: tuple | None = self._file_key()
            except OSError:  # no model file: load() says so, naming it
                key = None
            if key is None or key != self._key:
                self._model, self._key = None, None
                self._model = ExerciseClassifier.load()
                # a Keras model's first call traces it: now, not at the first replan
                x = np.zeros((1, WINDOW_FRAMES, FRAME_FEATURES), np.float32)
                self._model.predict_proba(x)
                self._key = key
            self._stale = False
            return self._model

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)


def serve(conn: Any) -> None:
    """The worker's loop: one job at a time, until the pipe closes or "stop"."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's: it aborts the job
    with contextlib.suppress(OSError, AttributeError):
        os.nice(BEHIND_POSE_NICE)  # before any thread: they inherit it
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    classifier = _Classifier()
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "job":
            _job(conn, msg[1], classifier)
        elif msg[0] == "stop":
            return


def _job(conn: Any, job: DrawJob, classifier: _Classifier) -> None:
    """One analysis's pass 2 from the landmarks the pipe brings. Replies: ("done", Drawn) to
    "end", or ("error", exception) as soon as something fails (the job ends there: what the
    caller sent meanwhile is dropped by :func:`serve`)."""
    from gymlib.analyze_input import frames_again

    cuts: list[float] = []
    drawing: ThreadDrawing | None = None
    try:
        classifier.new_job()
        shared = classifier if job.store is None else None  # taught: the store's own
        drawing = ThreadDrawing(job, shared, cuts, frames=lambda: frames_again(job.src))
        while True:
            try:
                kind, *rest = conn.recv()
            except (EOFError, OSError):
                kind = "abort"  # the caller is gone
            if kind == "frames":
                cuts.extend(rest[0])
                for lm, t in rest[1]:
                    drawing.put(None, lm, t)
            elif kind == "end":
                conn.send(("done", drawing.finish()))
                return
            elif kind == "abort":
                drawing.abort()
                return
    except BaseException as exc:
        if drawing is not None:
            with contextlib.suppress(BaseException):
                drawing.abort()
        with contextlib.suppress(OSError):
            conn.send(("error", _picklable(exc)))


def _picklable(exc: BaseException | None) -> BaseException:
    """``exc`` as it can cross the pipe (its type and message kept when it cannot)."""
    if exc is None:
        return RuntimeError("the drawing worker stopped without a reason")
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":  # the worker: python -m gymlib.drawer FD (see worker())
    from multiprocessing.connection import Connection

    from gymlib.drawer import serve as _serve  # this module by its name: what it pickles, too

    _serve(Connection(int(sys.argv[1])))
