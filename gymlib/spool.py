"""A running live session's frames on disk, and what a crashed kernel leaves of them.

:class:`FrameSpool` appends each frame to a hidden file in the sessions folder as it comes
(``.recording-<random>.frames``, :data:`FRAME_RECORD` each), so hours of coaching cost disk, not
memory. Beside it ``.recording-<random>.json`` holds what a save needs besides the frames (the
coach's run, its fps and picture shape, its :class:`gymlib.recording.LiveInputs`), rewritten
whole when they change. The spool is deleted when its coach closes or the kernel exits normally.

A kernel that dies (a crash in the pose model, the out-of-memory killer, a SIGKILL) deletes
nothing: :func:`rescue_spools` saves such a spool as a session, then removes it. A spool is
known to be left over by its lock: its coach holds an exclusive ``flock`` on it while it lives,
and the system drops a process's locks however it ends. The rescued session holds every frame
recorded (a frame cut short by the crash is dropped) and the coach's inputs as last noted; its
events log is empty (the coach kept it in the kernel's memory) and its ``summary.json`` says it
was rescued. Its reps come from a replay of the landmarks, as the history gets every session's.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
import weakref
from dataclasses import asdict, dataclass
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


class FrameSpool:
    """The frames of a running session, appended to a hidden file in ``folder`` as they come
    (~58 MB an hour at 30 fps). :meth:`read` gives them back for a save; :meth:`note` keeps what
    a rescue needs beside them; :meth:`close` deletes both files."""

    def __init__(self, folder: str | Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        # made under another name and locked before it is named a spool: a rescue never sees
        # a spool its coach has not locked yet
        fd, name = tempfile.mkstemp(dir=folder, prefix=PREFIX, suffix=".starting")
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        self.path = Path(name).with_suffix(SUFFIX)
        os.rename(name, self.path)
        self.meta_path = self.path.with_suffix(".json")
        self._fh = os.fdopen(fd, "wb")
        self.count = 0
        # deleted with the spool, or at exit, even if close() is never called
        self._cleanup = weakref.finalize(self, _discard, self._fh, self.path, self.meta_path)

    def append(self, t: float, landmarks: np.ndarray | None) -> None:
        rec = np.zeros((), FRAME_RECORD)
        rec["t"] = t
        if landmarks is not None:
            rec["landmarks"] = landmarks
        self._fh.write(rec.tobytes())
        self._fh.flush()  # on disk now: a crash of the kernel loses at most this frame
        self.count += 1

    def note(self, meta: SpoolMeta) -> None:
        """Keep ``meta`` beside the frames (replacing what was kept): a rescue saves with it."""
        write_json_atomic(self.meta_path, meta.as_json())

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """``(T,)`` times and ``(T, 33, 4)`` landmarks of every frame so far."""
        self._fh.flush()
        arr = np.fromfile(self.path, FRAME_RECORD, count=self.count)
        return arr["t"].copy(), arr["landmarks"].copy()

    def close(self) -> None:
        self._cleanup()


def _discard(fh: Any, *paths: Path) -> None:
    if not fh.closed:
        fh.close()
    for path in paths:
        path.unlink(missing_ok=True)


@dataclass(frozen=True)
class SpoolMeta:
    """What a save takes besides the frames, as a coach last noted it."""

    coach_run: str  # the coach's own id: its saves and its rescue are one workout
    fps: float
    aspect: float  # the picture's width / height now
    inputs: LiveInputs

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "inputs": asdict(self.inputs)}

    @classmethod
    def from_json(cls, d: Any) -> SpoolMeta:
        """ValueError (or KeyError / TypeError) when ``d`` is not one."""
        inputs = LiveInputs(**d["inputs"])
        inputs.check()
        return cls(str(d["coach_run"]), float(d["fps"]), float(d["aspect"]), inputs)


@dataclass(frozen=True)
class Rescue:
    """What :func:`rescue_spools` did with one left-over spool."""

    spool: Path
    session: Path | None  # the session saved (None: nothing to save, or it could not be)
    frames: int
    error: str | None = None  # why it was left where it is

    def report(self) -> str:
        if self.error:
            return (f"{self.spool}: an unsaved session a crash left could not be rescued "
                    f"({self.error}); it stays there for the next try")  # fmt: skip
        if self.session is None:
            return f"{self.spool}: removed (a crash left it with no frame)"
        return (f"rescued an unsaved session a crash left ({self.frames} frames) as "
                f"{self.session.name}")  # fmt: skip


def rescue_spools(root: str | Path) -> list[Rescue]:
    """Save every spool under ``root`` that no living coach holds as a session (see the module
    doc), oldest first; one that cannot be saved (a full disk, damaged times) is left in place
    and reported, for the next try."""
    if fcntl is None:
        return []
    spools = Path(root).glob(f"{PREFIX}*{SUFFIX}") if Path(root).is_dir() else []
    done = [_rescue(p, Path(root)) for p in sorted(spools, key=_mtime)]
    return [r for r in done if r is not None]


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
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None  # its coach is recording into it
        try:
            if os.fstat(fh.fileno()).st_ino != path.stat().st_ino:
                return None
        except FileNotFoundError:  # rescued and removed while this waited
            return None
        data = fh.read()
        whole = len(data) // FRAME_RECORD.itemsize  # a frame cut short by the crash is dropped
        frames = np.frombuffer(data[: whole * FRAME_RECORD.itemsize], FRAME_RECORD)
        meta_path = path.with_suffix(".json")
        if whole == 0:
            _discard(fh, path, meta_path)
            return Rescue(path, None, 0)
        last = datetime.datetime.fromtimestamp(os.fstat(fh.fileno()).st_mtime, datetime.UTC)
        try:
            session = _save(root, frames, _meta(meta_path), path, last)
        except (OSError, ValueError) as exc:
            return Rescue(path, None, whole, str(exc))
        _discard(fh, path, meta_path)
        return Rescue(path, session, whole)


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
        return save_session(root, frames["t"], frames["landmarks"], summary=summary)
    summary["coach_run"] = meta.coach_run
    return save_session(root, frames["t"], frames["landmarks"], summary=summary, fps=meta.fps,
                        aspect=meta.aspect, inputs=meta.inputs)  # fmt: skip
