"""``analyze``'s pass 2 (the live loop, the drawing, H.264, the tables and plot) beside its pose
pass, in a worker process of its own (:class:`ProcessDrawing`); in a thread of this process it is
:class:`gymlib.drawing_pass.ThreadDrawing`, whose code the worker runs.

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

import atexit
import contextlib
import os
import pickle
import queue
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.annotate import BEHIND_POSE_NICE, SWITCH_INTERVAL_S
from gymlib.drawing_pass import DrawJob, Drawn, ThreadDrawing, frames_of

__all__ = ["DrawJob", "Drawn", "ProcessDrawing", "ThreadDrawing", "stop_worker", "worker"]

#: Frames of landmarks sent to the worker in one message (a message costs a pickle and a write
#: in the pose pass's thread; the drawing keeps FOLLOW_LAG_S behind anyway).
SEND_FRAMES = 8


class ProcessDrawing:
    """Pass 2 in the worker process (:func:`take_worker`): the same interface as
    :class:`ThreadDrawing`. If the worker dies, the drawing is done here after the pose pass
    from the landmarks already found (nothing the pose pass did is lost), with a warning."""

    def __init__(self, job: DrawJob, cuts: Sequence[float]) -> None:
        """Raises :class:`NoWorker` (an OSError) when no worker can take the job."""
        self.job, self._cuts = job, cuts
        self.poses: list[np.ndarray | None] = []
        self.times: list[float] = []
        self._batch: list[tuple[np.ndarray | None, float]] = []
        self._sent_cuts = 0
        self.fell_back: str | None = None  # why the drawing ran here instead
        self._worker: Worker | None = take_worker()
        self._send(("job", job))

    def _send(self, msg: tuple) -> None:
        if self._worker is None:
            return
        try:
            self._worker.conn.send(msg)
        except (OSError, EOFError, ValueError) as exc:  # a dead worker's pipe
            self._lost(exc)
        except BaseException:
            self.abort()
            raise

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
            got, value, retire = w.conn.recv()
        except (OSError, EOFError) as exc:
            self._lost(exc)
            return None
        except BaseException:  # interrupted while it works: stopped (a new one serves next)
            self.abort()
            raise
        self._worker = None  # the job is over for the worker: it serves the next one
        if retire:  # it grew too large and ends: the next analysis starts a new one
            _stop(w)
        else:
            w.busy = False
        if got == "error" and isinstance(value, Garbled):  # another gymlib: drawn here
            _stop(w)
            _MISMATCH.add(w.code)  # (not tried again until gymlib changes again)
            self.fell_back = f"the drawing worker runs other gymlib code ({value})"
            return None
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


class NoWorker(OSError):
    """No drawing worker for this analysis (busy with another, or none can start here)."""


class Garbled(RuntimeError):
    """The worker cannot read what the caller sent: they run different gymlib code (gymlib
    edited and the caller's modules not reloaded). The caller draws in its own process."""


@dataclass
class Worker:
    process: Any  # subprocess.Popen of ``python -P -m gymlib.drawer FD``
    conn: Any  # this end of the socket pair (multiprocessing.connection.Connection)
    busy: bool = False  # a job sent, its reply not read yet
    code: int = 0  # gymlib's source files as they were when it started (:func:`code_stamp`)

    def alive(self) -> bool:
        return self.process.poll() is None


_WORKER: Worker | None = None
_WORKER_LOCK = threading.Lock()
_PIPE_FDS: set[int] = set()  # this process's descriptors of its workers' pipes
_MISMATCH: set[int] = set()  # code stamps whose worker could not read this process's messages
_AT_EXIT: list[bool] = []


def _forget_after_fork() -> None:
    """In a forked child (multiprocessing's fork, a pool analysing clips in parallel): the
    parent's worker and its pipe are the parent's. Forgotten, not stopped: the child starts its
    own, and its exit or a job of its own never reaches the parent's worker."""
    global _WORKER, _WORKER_LOCK
    _WORKER_LOCK = threading.Lock()  # (another thread may have held it at the fork)
    if _WORKER is not None:  # closed by its object, which would close the number again
        with contextlib.suppress(OSError):
            _PIPE_FDS.discard(_WORKER.conn.fileno())
            _WORKER.conn.close()
    for fd in list(_PIPE_FDS):  # the child's copies only (also of a worker being started)
        with contextlib.suppress(OSError):
            os.close(fd)
    _PIPE_FDS.clear()
    _WORKER = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


def worker(stamp: int | None = None) -> Worker:
    """The drawing worker of this process, started if there is none or it died (busy or not),
    or replaced if idle and gymlib's files are no longer ``stamp`` (default: as they are now)."""
    global _WORKER
    stamp = code_stamp() if stamp is None else stamp
    with _WORKER_LOCK:
        old = _WORKER
        stale = old is not None and old.alive() and not old.busy and old.code != stamp
        if stale:  # gymlib edited since it started (a notebook's autoreload): taken from use
            old.busy, _WORKER = True, None  # here, so no other thread gives it a job now
    if stale and old is not None:
        _stop(old)
    with _WORKER_LOCK:
        if _WORKER is None or not _WORKER.alive():
            _WORKER = _start()
            _WORKER.code = stamp
            if not _AT_EXIT:  # registered after a CLI's stderr filter: stops before it drains
                atexit.register(stop_worker)  # (the worker writes to the same descriptor 2)
                _AT_EXIT.append(True)
        return _WORKER


def code_stamp() -> int:
    """gymlib's Python files now (a hash of every file's name, time and size). A worker runs the
    code that was on disk when it started; after any change it is replaced, as a fresh process
    would be (an older time put back by ``cp -p`` or a checkout counts too)."""
    seen = []
    for folder, _, names in os.walk(Path(__file__).resolve().parent):
        for name in names:
            if name.endswith(".py"):
                with contextlib.suppress(OSError):
                    st = os.stat(os.path.join(folder, name))
                    seen.append((folder, name, st.st_mtime_ns, st.st_size))
    return hash(tuple(sorted(seen)))


def take_worker() -> Worker:
    """The worker for a new job, marked busy; :class:`NoWorker` if it is busy with another
    (``analyze`` from two threads at once: the second draws in its own process) or cannot start
    (not a POSIX system: its pipe is an inherited descriptor)."""
    if os.name != "posix":
        raise NoWorker("the drawing worker needs a POSIX system")
    stamp = code_stamp()
    if stamp in _MISMATCH:
        raise NoWorker("the drawing worker would run other gymlib code than this process "
                       "(gymlib edited since it was imported)")  # fmt: skip
    w = worker(stamp)
    with _WORKER_LOCK:
        if w.busy or w is not _WORKER:  # (not _WORKER: replaced meanwhile by another thread)
            raise NoWorker("the drawing worker is busy with another analysis")
        w.busy = True
    return w


def _start() -> Worker:
    """``python -P -m gymlib.drawer FD``: a new interpreter (not a fork of one running
    MediaPipe's threads; unlike multiprocessing's spawn, it does not import the caller's script
    again), this gymlib first on its path (``-P``: not the caller's folder's), no stdout (a
    pipe reading the caller's output would wait for it), its own process group (a terminal's
    Ctrl-C is the caller's, who then stops it); it preloads the classifier as it starts."""
    import subprocess
    from multiprocessing.connection import Connection

    here, there = socket.socketpair()
    _PIPE_FDS.update((here.fileno(), there.fileno()))
    try:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(
            [root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        )
        process = subprocess.Popen(
            [sys.executable, "-P", "-m", "gymlib.drawer", str(there.fileno())],
            pass_fds=[there.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            env=env, process_group=0,
        )  # fmt: skip
    except BaseException:
        _PIPE_FDS.discard(here.fileno())
        here.close()
        raise
    finally:
        _PIPE_FDS.discard(there.fileno())
        there.close()
    return Worker(process, Connection(here.detach()))


def _stop(w: Worker) -> None:
    """Stop ``w`` now (killed: its job, if any, is given up) and forget it: the next analysis
    starts a new worker."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is w:
            _WORKER = None
    with contextlib.suppress(OSError):
        _PIPE_FDS.discard(w.conn.fileno())
        w.conn.close()
    if w.process.poll() is None:
        w.process.kill()
    w.process.wait()


def stop_worker() -> None:
    """End the drawing worker (it also ends when this process does: its pipe closes)."""
    w = _WORKER
    if w is not None:
        _stop(w)


#: The worker ends after a job when it holds more than this (MB resident): TensorFlow keeps
#: what each new batch shape of the classifier's calls made (the next analysis starts a new one)
WORKER_MAX_MB = 1500


class _Classifier:
    """The repository's classifier, loaded once in the worker (preloaded as it starts) and again
    only when its files changed (a retrain, a promotion to finish: checked at each job's first
    use); used like the classifier (its attributes)."""

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
        """The model's files as they are now: every file of its folder named after it (the
        model, its card, its manifest, a promotion's leftovers), and the threshold."""
        from gymlib.config import load_config

        cfg = load_config()
        p = cfg.resolve(cfg.model.path)
        files = sorted(f for f in p.parent.iterdir() if f.name.startswith(p.stem))
        stats = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
        return (str(p), stats, cfg.model.confidence_threshold)

    def current(self) -> Any:
        from gymlib.landmarks import FRAME_FEATURES, WINDOW_FRAMES
        from gymlib.model import ExerciseClassifier

        with self._lock:
            if not self._stale and self._model is not None:
                return self._model
            try:
                key: tuple | None = self._file_key()
            except OSError:  # no model folder: load() says so, naming it
                key = None
            if key is None or key != self._key:
                self._model, self._key = None, None
                self._model = ExerciseClassifier.load()
                # a Keras model's first call traces it: now, not at the first replan
                x = np.zeros((1, WINDOW_FRAMES, FRAME_FEATURES), np.float32)
                self._model.predict_proba(x)
                self._key = key if key == self._file_key() else None  # (load() may recover)
            self._stale = False
            return self._model

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)


_EOF = ("eof",)


def _reader(conn: Any, inbox: queue.Queue) -> None:
    """Every message of the pipe into ``inbox`` as it comes (the caller's sends never wait for
    the worker's work: a job that loads a taught store's classifier, say), then :data:`_EOF`."""
    while True:
        try:
            inbox.put(conn.recv())
        except (EOFError, OSError):
            inbox.put(_EOF)
            return
        except Exception as exc:  # noqa: BLE001 - a message this code cannot read: said so
            inbox.put(("garbled", f"{type(exc).__name__}: {exc}"))


def serve(conn: Any) -> None:
    """The worker's loop: one job at a time, until the pipe closes or "stop"."""
    with contextlib.suppress(OSError, AttributeError):  # at least BEHIND_POSE_NICE, before any
        now = os.getpriority(os.PRIO_PROCESS, 0)  # thread: they inherit it
        os.setpriority(os.PRIO_PROCESS, 0, max(now, BEHIND_POSE_NICE))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))  # as analyze's own
    inbox: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(conn, inbox), name="pipe-reader", daemon=True).start()
    classifier = _Classifier()
    while True:
        msg = inbox.get()
        if msg[0] == "job":
            _job(conn, inbox, msg[1], classifier)
        elif msg[0] == "garbled":  # a job it cannot read: the caller waits for its answer
            with contextlib.suppress(OSError):
                conn.send(("error", Garbled(f"a job this worker cannot read ({msg[1]})"), True))
        elif msg[0] in ("stop", "eof"):
            return


def _rss_mb() -> float:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _job(conn: Any, inbox: queue.Queue, job: DrawJob, classifier: _Classifier) -> None:
    """One analysis's pass 2 from the landmarks the pipe brings. Replies (kind, value,
    retire): ("done", Drawn) to "end", or ("error", exception) as soon as something fails (the
    job ends there: what the caller sent meanwhile is dropped by :func:`serve`); ``retire``:
    the worker ends after this reply (:data:`WORKER_MAX_MB`)."""
    from dataclasses import fields

    cuts: list[float] = []
    drawing: ThreadDrawing | None = None
    try:
        if not isinstance(job, DrawJob) or set(vars(job)) != {f.name for f in fields(DrawJob)}:
            raise Garbled(f"a job this worker's DrawJob does not match: {job!r}")
        classifier.new_job()
        shared = classifier if job.store is None else None  # taught: the store's own
        drawing = ThreadDrawing(job, shared, cuts, frames=_reread(job))
        while True:
            kind, *rest = inbox.get()
            if kind == "frames":
                cuts.extend(rest[0])
                for lm, t in rest[1]:
                    drawing.put(None, lm, t)
            elif kind == "end":
                drawn = drawing.finish()
                conn.send(("done", drawn, _rss_mb() > WORKER_MAX_MB))
                return
            elif kind == "garbled":
                raise Garbled(f"a message this worker cannot read ({rest[0]})")
            else:  # the caller is gone ("eof"), or a message out of turn
                if kind == "eof":  # killed, or its kernel restarted: serve() must end too,
                    inbox.put(_EOF)  # as nobody is left to send the "eof" again
                raise RuntimeError(f"the drawing worker got {kind!r} in the middle of a job")
    except BaseException as exc:
        if drawing is not None:
            with contextlib.suppress(BaseException):
                drawing.abort()
        with contextlib.suppress(OSError):
            conn.send(("error", _picklable(exc), False))


def _reread(job: DrawJob) -> Callable[[], Iterator[Any]]:
    """The job's frames read again for the drawing (the worker gets landmarks only), decoded
    :data:`gymlib.follow.DECODE_AHEAD_S` ahead: the frames drawn after the pose pass are ready
    when the whole clip's plan is made, not decoded one by one after it."""
    from gymlib.analyze_input import frames_again
    from gymlib.follow import DECODE_AHEAD_S

    ahead = frames_of(job, DECODE_AHEAD_S)
    return lambda: frames_again(job.src, ahead)


def _picklable(exc: BaseException | None) -> BaseException:
    """``exc`` as it can cross the pipe (else the nearest of its classes that can, with its
    message): its traceback as a note."""
    import traceback

    if exc is None:
        return RuntimeError("the drawing worker stopped without a reason")
    note = "in the drawing worker:\n" + "".join(traceback.format_exception(exc)).rstrip()
    for cls in type(exc).__mro__:
        try:
            out = exc if cls is type(exc) else cls(str(exc))
            out.add_note(note)
            pickle.loads(pickle.dumps(out))
            return out
        except Exception:
            continue
    return RuntimeError(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":  # the worker: python -P -m gymlib.drawer FD (see _start())
    from multiprocessing.connection import Connection

    from gymlib.drawer import serve as _serve  # this module by its name: what it pickles, too

    if len(sys.argv) != 2 or not sys.argv[1].isdigit():  # (a person: --help, a video)
        print("usage: python -m gymlib.drawer FD\nanalyze's drawing worker, started by analyze "
              "itself with a pipe's file descriptor; to analyse a video: python -m "
              "gymlib.analyze VIDEO", file=sys.stderr)  # fmt: skip
        raise SystemExit(2)
    _serve(Connection(int(sys.argv[1])))
    sys.stderr.flush()
    os._exit(0)  # not Python's shutdown beside a daemon thread maybe still importing TensorFlow
