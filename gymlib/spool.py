"""A running live session's frames on disk, and what a coach leaves of them unsaved.

:class:`FrameSpool` appends each frame to a hidden file in the sessions folder as it comes
(``.recording-<random>.frames``, :data:`FRAME_RECORD` each), so hours of coaching cost disk, not
memory. Beside it ``.recording-<random>.json`` holds what a save needs besides the frames (the
coach's run, its fps and picture shape, its :class:`gymlib.recording.LiveInputs`, how many
frames "save session" has saved), rewritten whole when that changes.

Frames no save holds are never deleted: a coach closed, a kernel restarted, crashed (the pose
model, the out-of-memory killer) or killed leaves its spool, and :func:`rescue_spools` (the next
coach's start, ``python -m gymlib.history``) saves it as a session, then removes it. A spool
whose frames past its last save show nobody is removed. A spool is known to be left
over by its lock: its coach holds an exclusive ``flock`` on it while it lives, and the system
drops a process's locks however it ends (a spool that cannot be locked, on a file system without
locks or on Windows, keeps its ``.starting`` name, is never rescued, and is deleted as before;
the empty one a coach killed while starting leaves is removed by the next rescue, on POSIX).
The rescued session holds every frame recorded (a frame cut short by a kill is dropped) and the
coach's inputs as last noted; its events log is empty (the coach kept it in the kernel's memory)
and its ``summary.json`` says it was rescued. Its reps come from a replay of the landmarks, as
the history gets every session's.
"""

from __future__ import annotations

import bisect
import datetime
import json
import math
import os
import tempfile
import time
import weakref
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.io import write_json_atomic
from gymlib.recording import LiveInputs, save_session

try:  # POSIX; elsewhere a spool's owner cannot be told from a crash, and nothing is rescued
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

#: One recorded frame on disk: its time and its landmarks (zeros: nobody seen), 536 bytes.
FRAME_RECORD = np.dtype([("t", "<f8"), ("landmarks", "<f4", (33, 4))])

#: a spool's name in the sessions folder (hidden: the history does not read it as a session)
PREFIX, SUFFIX = ".recording-", ".frames"
#: its name from its making until its coach holds the lock (kept where it cannot be locked)
STARTING = ".starting"
#: an empty ``.starting`` file nobody locks, this old (s), is a coach's killed while starting
UNSTARTED_S = 60.0

#: the spools this process records into: never rescued from under it (where ``flock`` is
#: emulated per process, on NFS, its own lock would not stop it)
_OWN: set[str] = set()


class FrameSpool:
    """The frames of a running session, appended to a hidden file in ``folder`` as they come
    (~58 MB an hour at 30 fps). :meth:`read` gives them back for a save, :meth:`saved` says how
    many a save holds, :meth:`note` keeps what a rescue needs beside them; :meth:`close` (or the
    spool's end, at exit too) deletes both files when every frame is saved, and otherwise leaves
    them, unlocked, to :func:`rescue_spools`."""

    def __init__(self, folder: str | Path, run: str = "") -> None:
        """``run``: the coach's run (letters and digits), in the spool's name, so that a rescue
        whose note is lost still knows the workout its saves belong to."""
        if not run.isalnum() and run:
            raise ValueError(f"a spool's run must be letters and digits, got {run!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        # made under another name and locked before it is named a spool: a rescue never sees
        # a spool its coach has not locked yet
        prefix = f"{PREFIX}{run}-" if run else PREFIX
        fd, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=STARTING)
        self.path = Path(name)
        if _lock(fd):
            self.path = self.path.with_suffix(SUFFIX)
            os.rename(name, self.path)
        self.meta_path = self.path.with_suffix(".json")
        _OWN.add(os.path.realpath(self.path))
        self._fh = os.fdopen(fd, "wb")
        # frames written, how many a save holds, and whether it can be left for a rescue: read
        # at its end (by the finalizer, which must not hold the spool itself)
        self._state = {"count": 0, "saved": 0, "keep": self.path.suffix == SUFFIX}
        # ended with the spool, or at exit, even if close() is never called
        self._cleanup = weakref.finalize(self, _end, self._fh, self.path, self.meta_path,
                                         self._state)  # fmt: skip

    def append(self, t: float, landmarks: np.ndarray | None) -> None:
        rec = np.zeros((), FRAME_RECORD)
        rec["t"] = t
        if landmarks is not None:
            rec["landmarks"] = landmarks
        self._fh.write(rec.tobytes())
        self._fh.flush()  # on disk now: a crash of the kernel loses at most this frame
        self._state["count"] += 1

    @property
    def count(self) -> int:
        """The frames written so far."""
        return int(self._state["count"])

    def saved(self, frames: int) -> None:
        """The first ``frames`` frames are in a saved session now."""
        self._state["saved"] = frames

    @property
    def saved_count(self) -> int:
        return int(self._state["saved"])

    def note(self, meta: SpoolMeta) -> None:
        """Keep ``meta`` beside the frames (replacing what was kept): a rescue saves with it."""
        write_json_atomic(self.meta_path, meta.as_json())

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """``(T,)`` times and ``(T, 33, 4)`` landmarks of every frame so far (read through the
        spool's own open file: its name may be gone)."""
        self._fh.flush()
        if hasattr(os, "pread"):
            data = os.pread(self._fh.fileno(), self.count * FRAME_RECORD.itemsize, 0)
            arr = np.frombuffer(data, FRAME_RECORD)
        else:  # Windows: no pread, and an open file's name stays
            arr = np.fromfile(self.path, FRAME_RECORD, count=self.count)
        return arr["t"].copy(), arr["landmarks"].copy()

    def close(self) -> None:
        self._cleanup()


def _lock(fd: int) -> bool:
    """Whether ``fd`` is locked for this process now (no ``flock`` here, or refused: False)."""
    if fcntl is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # ENOLCK: a file system without locks
        return False
    return True


def _end(fh: Any, path: Path, meta: Path, state: dict[str, Any]) -> None:
    """A spool's end: left for a rescue while frames are unsaved, else deleted."""
    _OWN.discard(os.path.realpath(path))
    if not (state["keep"] and state["count"] > state["saved"]):
        _discard(fh, path, meta, locked=state["keep"])
    elif not fh.closed:
        fh.close()


def _discard(fh: Any, *paths: Path, locked: bool = True) -> None:
    """Delete ``paths`` and close ``fh``: a locked spool before its close (the lock goes with
    it, and a rescue must not find it unlocked), another after (Windows cannot delete an open
    file)."""
    if not locked and not fh.closed:
        fh.close()
    for p in paths:
        p.unlink(missing_ok=True)
    if not fh.closed:
        fh.close()


@dataclass(frozen=True)
class SpoolMeta:
    """What a save takes besides the frames, as a coach last noted it."""

    coach_run: str  # the coach's own id: its saves and its rescue are one workout
    fps: float
    aspect: float  # the picture's width / height now
    inputs: LiveInputs
    saved_frames: int = 0  # the frames its last "save session" holds

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "inputs": asdict(self.inputs)}

    @classmethod
    def from_json(cls, d: Any) -> SpoolMeta:
        """ValueError (or KeyError / TypeError) when ``d`` is not one."""
        inputs = LiveInputs(**d["inputs"])
        inputs.check()
        fps, aspect = float(d["fps"]), float(d["aspect"])
        if not (math.isfinite(fps) and fps > 0 and math.isfinite(aspect) and aspect > 0):
            raise ValueError(f"fps {fps} and aspect {aspect} must be numbers over 0")
        return cls(str(d["coach_run"]), fps, aspect, inputs, int(d.get("saved_frames", 0)))


@dataclass(frozen=True)
class Rescue:
    """What :func:`rescue_spools` did with one left-over spool."""

    spool: Path
    session: Path | None  # the session saved (None: nothing to save, or it could not be)
    frames: int
    error: str | None = None  # why it was left where it is
    note: str = ""  # what the session was saved without, if anything

    def report(self) -> str:
        if self.error:
            return (f"{self.spool}: an unsaved session the last coach left could not be saved "
                    f"({self.error}); it stays there for the next try")  # fmt: skip
        if self.session is None:
            return (f"{self.spool}: removed (every frame with a person in it is in a save "
                    "already)")  # fmt: skip
        return (f"saved a session the last coach left unsaved ({self.frames} frames) as "
                f"{self.session.name}{self.note}")  # fmt: skip


def rescue_spools(root: str | Path) -> list[Rescue]:
    """Save every spool under ``root`` that no living coach holds as a session (see the module
    doc), oldest first; one that cannot be saved (a full disk, damaged times) is left in place
    and reported, for the next try."""
    if fcntl is None or not Path(root).is_dir():
        return []
    spools = [p for p in Path(root).glob(f"{PREFIX}*{SUFFIX}")
              if os.path.realpath(p) not in _OWN]  # fmt: skip
    done = [_rescue(p, Path(root)) for p in sorted(spools, key=_mtime)]
    for p in Path(root).glob(f"{PREFIX}*{STARTING}"):
        if os.path.realpath(p) not in _OWN:
            _drop_unstarted(p)
    return [r for r in done if r is not None]


def _drop_unstarted(path: Path) -> None:
    """Remove ``path`` if it is what a coach killed between making its spool and locking it
    leaves: empty, nobody's lock on it, and older than :data:`UNSTARTED_S` (a coach starting
    now holds its lock within microseconds of making the file). A ``.starting`` file with frames
    is a coach's on a file system without locks: never touched."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - held while the lock is
    except OSError:
        return
    with fh:
        st = os.fstat(fh.fileno())
        if st.st_size or time.time() - st.st_mtime < UNSTARTED_S or not _lock(fh.fileno()):
            return
        try:
            if path.stat().st_ino == st.st_ino:
                path.unlink()  # before the lock goes with the close
        except OSError:
            return


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _rescue(path: Path, root: Path) -> Rescue | None:
    """One spool (None: a coach holds it, or another rescue took it)."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - held while the lock is
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Rescue(path, None, 0, f"cannot be read: {exc.strerror or exc}")
    with fh:
        if not _lock(fh.fileno()):
            return None  # its coach is recording into it (or nothing here can lock it)
        try:
            if os.fstat(fh.fileno()).st_ino != path.stat().st_ino:
                return None
        except FileNotFoundError:  # rescued and removed while this waited
            return None
        data = fh.read()
        whole = len(data) // FRAME_RECORD.itemsize  # a frame cut short by a kill is dropped
        frames = np.frombuffer(data[: whole * FRAME_RECORD.itemsize], FRAME_RECORD)
        meta_path = path.with_suffix(".json")
        meta = _meta(meta_path)
        unsaved = frames[meta.saved_frames if meta else 0 :]
        if not unsaved["landmarks"].any():  # every frame saved, or nobody ever seen
            _discard(fh, path, meta_path)
            return Rescue(path, None, whole)
        last = datetime.datetime.fromtimestamp(os.fstat(fh.fileno()).st_mtime, datetime.UTC)
        keep = salvage(frames)
        kept = frames[keep]
        if meta is not None and len(kept) < whole:  # its changes move with their frames
            meta = replace(meta, inputs=meta.inputs.renumbered(keep))
        if not kept["landmarks"].any():
            why = "every frame record with a person in it is damaged (times, landmarks)"
            return Rescue(path, None, whole, why)
        try:
            session = _save(root, kept, meta, path, last)
        except (OSError, ValueError) as exc:
            return Rescue(path, None, whole, str(exc))
        _discard(fh, path, meta_path)
        without = (f" (its note {meta_path.name} was missing or damaged: saved as 30 frames a "
                   "second in a 4:3 picture, with no exercise chosen)")  # fmt: skip
        dropped = "" if len(kept) == whole else (
            f" ({whole - len(kept)} damaged frame record(s) left out: a time not a number or "
            "going back, landmarks not numbers)")  # fmt: skip
        return Rescue(path, session, len(kept), note=("" if meta else without) + dropped)


#: a frame's time and landmarks a coach can write: seconds since its start (a day's worth and
#: far more), and MediaPipe's coordinates (normalised: within a few picture sizes)
_MAX_T, _MAX_LANDMARK = 1e9, 1e3


def salvage(frames: np.ndarray) -> np.ndarray:
    """The indices of the frames of a spool a replay can read (``FRAME_RECORD`` rows), in
    order: a record a disk or a crash damaged (zeroed, random bytes: a time not a number, out of
    range, landmarks not numbers) is left out, and of the rest the most frames whose times go
    forward (one time damaged into a plausible number leaves out itself, not every frame after
    it). One such record refused the whole workout at every rescue."""
    t, lm = frames["t"], frames["landmarks"]
    with np.errstate(invalid="ignore", over="ignore"):
        sane = ((t >= 0) & (t < _MAX_T) & np.isfinite(lm).all(axis=(1, 2))
                & (np.abs(lm) < _MAX_LANDMARK).all(axis=(1, 2)))  # fmt: skip
    return _longest_rising(t, np.flatnonzero(sane))


def _longest_rising(t: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Of ``idx``, the longest run (not contiguous) whose ``t`` strictly rises: patience
    sorting, O(n log n)."""
    tails: list[float] = []  # the smallest last time of a rising run of each length
    ends: list[int] = []  # ... and the position in idx of that last frame
    before = np.full(len(idx), -1, np.int64)
    for pos, i in enumerate(idx):
        n = bisect.bisect_left(tails, t[i])
        if n == len(tails):
            tails.append(t[i])
            ends.append(pos)
        else:
            tails[n], ends[n] = t[i], pos
        before[pos] = ends[n - 1] if n else -1
    out, pos = [], ends[-1] if ends else -1
    while pos >= 0:
        out.append(idx[pos])
        pos = before[pos]
    return np.asarray(out[::-1], dtype=np.int64)


def _meta(path: Path) -> SpoolMeta | None:
    """The coach's last note (None: none, or damaged: the session is saved without it)."""
    try:
        return SpoolMeta.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None


def _save(root: Path, frames: np.ndarray, meta: SpoolMeta | None, spool: Path,
          last: datetime.datetime) -> Path:  # fmt: skip
    # "saved" is when the last frame was written (the history dates a session by it), not today
    summary: dict[str, Any] = {
        "saved": last.isoformat(timespec="seconds"),
        "rescued": {"spool": spool.name,
                    "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                    "inputs_known": meta is not None},
    }  # fmt: skip
    if meta is None:
        run = _run_of(spool)
        if run:  # the note lost, its name still tells the workout its saves belong to
            summary["coach_run"] = run
        return save_session(root, frames["t"], frames["landmarks"], summary=summary)
    summary["coach_run"] = meta.coach_run
    return save_session(root, frames["t"], frames["landmarks"], summary=summary, fps=meta.fps,
                        aspect=meta.aspect, inputs=meta.inputs)  # fmt: skip


def _run_of(spool: Path) -> str:
    """The coach's run in a spool's name (``.recording-<run>-<random>.frames``; "" if none)."""
    parts = spool.name[len(PREFIX) :].split("-")
    return parts[0] if len(parts) == 2 and parts[0].isalnum() else ""
