"""Recorded coaching sessions on disk, one folder each: ``data/sessions/<UTC time>/``.

    landmarks.npz   timestamps (T,) in seconds, landmarks (T, 33, 4) (zeros: nobody seen),
                    fps and aspect (image width / height), and what the live coach decided
                    from outside the landmarks (:class:`LiveInputs`: the camera cuts seen in
                    the pixels; the picture's shape, the exercise chosen and "new set", by
                    frame)
    events.jsonl    one JSON object per line, in time order: every rep (``"type": "rep"``,
                    with its row of :meth:`gymlib.reps.Rep.as_row`), every warning when it
                    appeared on screen (``"type": "warning"``, name, message, severity) and
                    every rep taken back as set-up (``"type": "withdrawn"``, its exercise and
                    start; its rep event is gone, the later ones renumbered)
    summary.json    when, how long, frames, reps per exercise and verdict, the sets
    video.webm      the camera's video, if the user ticked "save video"

A replay (:func:`replay_session`, the history) feeds the landmarks with those inputs to a fresh
live loop (:func:`coach_frames`), so it counts what the person saw; sessions saved without them
(before they were recorded) replay from the landmarks alone.

A folder is written under a unique temporary name and renamed when complete, and a new session
never takes an existing folder's name: nothing recorded is lost or overwritten, even when two
threads save in the same second. Times must increase and values be finite: what cannot be
replayed is refused at save. While a session runs, :class:`gymlib.spool.FrameSpool` keeps its
frames on disk as they come (and a crash leaves them to be rescued). Sessions saved by
earlier versions as a single ``<name>.npz`` (timestamps and landmarks) are still read.
"""

from __future__ import annotations

import datetime
import errno
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import count
from pathlib import Path
from typing import Any

import numpy as np

from gymlib.io import _json_default, write_bytes_new

LANDMARKS, EVENTS, SUMMARY = "landmarks.npz", "events.jsonl", "summary.json"


@dataclass(frozen=True)
class LiveInputs:
    """What the live coach decided from outside the landmarks, which a replay of the landmarks
    alone cannot see (a cut where the skeleton did not jump; a shape change that made the
    counters measure afresh; the exercise the user fixed).

    ``cuts``: times (s) of the camera cuts seen in the pixels (:attr:`CoachSession.cuts`),
    increasing; ``aspects``: ``(frame, width / height)``, the picture's shape from that frame on
    (:meth:`CoachSession.set_aspect`); ``exercises``: ``(frame, "auto" or an exercise)``, the
    user's choice from that frame on (:meth:`CoachSession.set_exercise`); ``new_sets``: the
    frames the dashboard's "new set" came before (:meth:`gymlib.live.LiveLoop.new_set`);
    ``ends``: the frames the camera stopped before (the stream ended there and the next frame
    started a new one: :meth:`gymlib.live.LiveLoop.finish`). A
    frame is the index of the session's frame (the row of ``landmarks.npz``) the change came
    before (the number of frames fed until then).
    The identity guard needs nothing here: its choice of person is in the landmarks recorded.
    """

    cuts: tuple[float, ...] = ()
    aspects: tuple[tuple[int, float], ...] = ()
    exercises: tuple[tuple[int, str], ...] = ()
    new_sets: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()

    def __post_init__(self) -> None:  # plain numbers, whatever was given (lists, numpy)
        object.__setattr__(self, "cuts", tuple(float(t) for t in self.cuts))
        object.__setattr__(self, "aspects", tuple((int(k), float(a)) for k, a in self.aspects))
        object.__setattr__(self, "exercises",
                           tuple((int(k), str(e)) for k, e in self.exercises))  # fmt: skip
        object.__setattr__(self, "new_sets", tuple(int(k) for k in self.new_sets))
        object.__setattr__(self, "ends", tuple(int(k) for k in self.ends))

    @classmethod
    def of(cls, session: Any) -> LiveInputs:
        """A :class:`gymlib.session.CoachSession`'s, so far."""
        changes = list(session.changes)
        return cls(
            tuple(session.cuts),
            tuple((k, v) for k, kind, v in changes if kind == "aspect"),
            tuple((k, v) for k, kind, v in changes if kind == "exercise"),
            tuple(k for k, kind, _ in changes if kind == "new set"),
            tuple(k for k, kind, _ in changes if kind == "end"),
        )

    def renumbered(self, kept: np.ndarray) -> LiveInputs:
        """The same inputs for the frames ``kept`` (increasing indices) of the stream alone: a
        change that came before frame ``k`` comes before the first kept frame from ``k`` on."""

        def at(k: int) -> int:
            return int(np.searchsorted(kept, k))

        return LiveInputs(self.cuts, tuple((at(k), a) for k, a in self.aspects),
                          tuple((at(k), e) for k, e in self.exercises),
                          tuple(at(k) for k in self.new_sets),
                          tuple(at(k) for k in self.ends))  # fmt: skip

    def arrays(self) -> dict[str, np.ndarray]:
        """The inputs as ``landmarks.npz`` holds them (no pickles: plain arrays)."""
        return {
            "cuts": np.asarray(self.cuts, np.float64).reshape(-1),
            "aspect_frames": np.asarray([k for k, _ in self.aspects], np.int64),
            "aspects": np.asarray([a for _, a in self.aspects], np.float64),
            "exercise_frames": np.asarray([k for k, _ in self.exercises], np.int64),
            "exercises": np.asarray([e for _, e in self.exercises], np.str_).reshape(-1),
            "new_set_frames": np.asarray(self.new_sets, np.int64).reshape(-1),
            "end_frames": np.asarray(self.ends, np.int64).reshape(-1),
        }

    @classmethod
    def from_arrays(cls, d: Any, where: str) -> LiveInputs:
        """Read back from an open ``.npz`` (a session saved before they were recorded: none)."""

        def get(key: str, dtype: Any) -> np.ndarray:
            return np.asarray(d[key], dtype).reshape(-1) if key in d.files else np.zeros(0, dtype)

        try:
            aspects = zip(get("aspect_frames", np.int64), get("aspects", np.float64), strict=True)
            exercises = zip(get("exercise_frames", np.int64), get("exercises", np.str_),
                            strict=True)  # fmt: skip
            out = cls(tuple(get("cuts", np.float64)), tuple(aspects), tuple(exercises),
                      tuple(get("new_set_frames", np.int64)),
                      tuple(get("end_frames", np.int64)))  # fmt: skip
        except ValueError as exc:  # arrays of different lengths
            raise ValueError(f"{where}: the live coach's inputs are damaged ({exc})") from None
        out.check(where)
        return out

    def check(self, where: str = "session") -> None:
        """ValueError naming what a replay could not use."""
        t = np.asarray(self.cuts, np.float64)
        if not np.isfinite(t).all() or (np.diff(t) < 0).any():
            raise ValueError(f"{where}: camera cuts must be finite times in increasing order, "
                             f"got {list(self.cuts)}")  # fmt: skip
        frames = [k for k, _ in self.aspects] + [k for k, _ in self.exercises]
        frames += list(self.new_sets) + list(self.ends)
        if any(k < 0 for k in frames):
            raise ValueError(f"{where}: a change's frame must be >= 0, got {min(frames)}")
        bad = [a for _, a in self.aspects if not (np.isfinite(a) and a > 0)]
        if bad:
            raise ValueError(f"{where}: an aspect (width / height) must be > 0, got {bad[0]}")
        if any(not e for _, e in self.exercises):
            raise ValueError(f"{where}: an exercise chosen must be named, got ''")

    def changes(self) -> list[tuple[int, str, float | str]]:
        """The aspect, exercise and set changes and the stream's ends, by the frame they came
        before (a stream's end first: what came at its frame came after the camera stopped)."""
        every = [(k, "end", "") for k in self.ends]
        every += [(k, "aspect", a) for k, a in self.aspects]
        every += [(k, "exercise", e) for k, e in self.exercises]
        every += [(k, "new set", "") for k in self.new_sets]
        return sorted(every, key=lambda c: c[0])  # stable: the same frame's keep their order


@dataclass
class RecordedSession:
    """A session read back from disk."""

    path: Path
    timestamps: np.ndarray  # (T,) seconds
    landmarks: np.ndarray  # (T, 33, 4), zeros where nobody was seen
    fps: float
    aspect: float
    events: list[dict[str, Any]] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    inputs: LiveInputs = field(default_factory=LiveInputs)

    @property
    def name(self) -> str:
        return session_name(self.path)


def landmarks_file(session: str | Path) -> Path:
    """The file holding a saved session's landmarks: ``<folder>/landmarks.npz``, or the older
    single ``.npz`` itself."""
    p = Path(session)
    return p / LANDMARKS if p.is_dir() else p


def session_name(session: str | Path) -> str:
    """A saved session's name: its folder's, or an older ``.npz``'s stem."""
    p = Path(session)
    return p.stem if p.suffix == ".npz" else p.name


def _checked(
    timestamps: Any, landmarks: Any, where: str = "session"
) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(timestamps, dtype=np.float64).reshape(-1)
    lm = np.asarray(landmarks, dtype=np.float32)
    if lm.ndim != 3 or lm.shape[1:] != (33, 4) or len(lm) != len(t):
        raise ValueError(
            f"{where}: expected timestamps (T,) and landmarks (T, 33, 4), got {t.shape} and "
            f"{lm.shape}"
        )
    return t, lm


def _replayable(t: np.ndarray, lm: np.ndarray) -> None:
    """Refuse what a replay would choke on, naming the first bad frame."""
    bad = np.flatnonzero(~np.isfinite(t))
    if len(bad):
        raise ValueError(f"frame {bad[0]}: time {t[bad[0]]} is not a number; nothing was saved")
    if len(t) == 0:
        raise ValueError("no frames to save yet (start the camera first); nothing was saved")
    back = np.flatnonzero(np.diff(t) <= 0)
    if len(back):  # a replay reads each frame at its own time: they must go forward
        i = back[0] + 1
        how = "repeats" if t[i] == t[i - 1] else "goes back from"
        raise ValueError(f"frame {i}: time {t[i]} s {how} {t[i - 1]} s; times must go forward "
                         "(nothing was saved)")  # fmt: skip
    bad = np.flatnonzero(~np.isfinite(lm).all(axis=(1, 2)))
    if len(bad):
        raise ValueError(f"frame {bad[0]}: the landmarks hold NaN or inf; nothing was saved")


def save_session(
    root: str | Path,
    timestamps: Any,
    landmarks: Any,
    *,
    events: Sequence[dict[str, Any]] = (),
    summary: dict[str, Any] | None = None,
    fps: float = 30.0,
    aspect: float = 4 / 3,
    inputs: LiveInputs | None = None,
) -> Path:
    """Write a new session folder under ``root`` and return its path (``root/<UTC time>``, with
    ``-1``, ``-2``... if a session of the same second exists). ``inputs``: what the live coach
    decided beside the landmarks (:meth:`LiveInputs.of` its session), for a faithful replay."""
    t, lm = _checked(timestamps, landmarks)
    _replayable(t, lm)
    inputs = inputs or LiveInputs()
    try:
        inputs.check()
    except ValueError as exc:
        raise ValueError(f"{exc}; nothing was saved") from None
    for name, value in (("fps", fps), ("aspect", aspect)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a number > 0, got {value!r}; nothing was saved")
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S")
    # a fresh folder of its own: two saves in one second (two threads) never share it
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{stamp}-", suffix=".partial"))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; a saved session gets the usual mode
    try:
        with open(tmp / LANDMARKS, "wb") as fh:
            np.savez_compressed(fh, timestamps=t, landmarks=lm, fps=fps, aspect=aspect,
                                **inputs.arrays())  # fmt: skip
        _check_written(tmp / LANDMARKS, len(t), inputs)
        with open(tmp / EVENTS, "w", encoding="utf-8") as fh:
            for ev in events:
                fh.write(json.dumps(ev, sort_keys=True, default=_json_default) + "\n")
        info = {
            "saved": now.isoformat(timespec="seconds"),
            "frames": len(t),
            "seconds": float(t[-1] - t[0]) if len(t) > 1 else 0.0,
            "fps": fps,  # the rate asked of the camera; what it delivered: measured_fps
            "measured_fps": _measured_fps(t),
            "aspect": aspect,
            "cuts": list(inputs.cuts),
            **(summary or {}),
        }
        (tmp / SUMMARY).write_text(
            json.dumps(info, indent=2, sort_keys=True, default=_json_default) + "\n"
        )
        k = 0
        while True:  # a taken name (a folder that holds files refuses the rename) -> the next
            final = root / (stamp if k == 0 else f"{stamp}-{k}")
            if not final.exists():
                try:
                    os.rename(tmp, final)
                    return final
                except OSError as exc:  # taken meanwhile; anything else is a real error
                    if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                        raise
            k += 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _measured_fps(t: np.ndarray) -> float | None:
    """Frames a second the coach was given, from the timestamps, a pause left out as a video
    file's hole is (``None`` under two frames): a camera or a loaded machine may deliver 15
    where 30 was asked."""
    from gymlib.media import paced

    dt, _ = paced(np.diff(t))
    span = float(dt.sum())
    return round(len(dt) / span, 2) if span > 0 else None


def _check_written(path: Path, frames: int, inputs: LiveInputs) -> None:
    """Read back what a replay needs beside the landmarks: OSError (nothing is kept) if the
    file does not hold it as written."""
    try:
        with np.load(path, allow_pickle=False) as d:
            same = len(d["timestamps"]) == frames and LiveInputs.from_arrays(d, "") == inputs
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        raise OSError(f"{path}: could not be read back ({exc}); nothing was saved") from None
    if not same:
        raise OSError(f"{path}: read back differs from what was written; nothing was saved")


def add_video(session: str | Path, data: bytes, suffix: str = ".webm") -> Path:
    """Store the camera's video in a saved session folder as ``video.webm`` (a second part, e.g.
    after the camera was restarted, as ``video-2.webm``...), never over an existing file."""
    folder = Path(session)
    if not (folder / LANDMARKS).is_file():
        raise FileNotFoundError(f"{folder}: not a saved session folder (no {LANDMARKS})")
    if not data:
        raise ValueError(f"{folder}: the video is empty (was the camera on?)")
    names = (folder / (f"video-{k}{suffix}" if k > 1 else f"video{suffix}") for k in count(1))
    return write_bytes_new(names, data)


def load_session(path: str | Path, *, records: bool = True) -> RecordedSession:
    """Read a session folder (or an older single ``.npz`` session); ``records=False`` reads
    the landmarks only (a replay needs no ``events.jsonl`` or ``summary.json``, so a damaged one
    does not cost the session's reps)."""
    p = Path(path)
    npz = landmarks_file(p)
    if not npz.is_file():
        raise FileNotFoundError(f"{p}: no saved session here (expected {LANDMARKS} or a .npz)")
    try:
        with np.load(npz, allow_pickle=False) as d:
            if not hasattr(d, "files"):
                raise ValueError("a bare array, not an .npz archive")
            if "landmarks" not in d.files or "timestamps" not in d.files:
                raise ValueError("needs landmarks and timestamps")
            t, lm = _checked(d["timestamps"], d["landmarks"], str(npz))
            fps = float(d["fps"]) if "fps" in d.files else 0.0
            aspect = float(d["aspect"]) if "aspect" in d.files else 4 / 3
            inputs = LiveInputs.from_arrays(d, str(npz))  # none in an older session
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, TypeError) as exc:
        if str(npz) in str(exc):
            raise
        raise ValueError(f"{npz}: not a readable saved session ({exc})") from None
    if not fps > 0:
        fps = 1.0 / float(np.median(np.diff(t))) if len(t) > 1 else 30.0
    events, summary = [], {}
    if p.is_dir() and records:
        if (p / EVENTS).is_file():
            events = [_json(p / EVENTS, x, k) for k, x in enumerate(_text(p / EVENTS).splitlines())
                      if x.strip()]  # fmt: skip
        if (p / SUMMARY).is_file():
            summary = _json(p / SUMMARY, _text(p / SUMMARY))
    return RecordedSession(p, t, lm, fps, aspect, events, summary, inputs)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: damaged, not UTF-8 text ({exc})") from None


def _json(path: Path, text: str, line: int | None = None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        at = "" if line is None else f" at line {line + 1}"
        raise ValueError(f"{path}: damaged{at}, not valid JSON ({exc})") from None


def replay_session(
    path: str | Path,
    classifier: Any = None,
    *,
    fps: float | None = None,
    aspect: float | None = None,
) -> Any:
    """Run a saved session (its folder, or an older ``.npz``) through a fresh live loop
    (:class:`gymlib.live.LiveLoop` over a new :class:`gymlib.session.CoachSession`) with what
    the live coach decided beside the landmarks (its :class:`LiveInputs`: cuts, shape and
    exercise changes; :func:`coach_frames`), and return the loop: its ``reps``, ``sets`` and
    ``summary()``. ``fps`` and ``aspect`` default to the ones it was recorded with (an
    ``aspect`` given replaces the recorded shape changes too)."""
    from gymlib.live import LiveLoop
    from gymlib.session import AUTO, CoachSession

    rec = load_session(path, records=False)
    inputs = rec.inputs if aspect is None else replace(rec.inputs, aspects=())
    loop = LiveLoop(
        CoachSession(classifier, fps=fps or rec.fps, aspect=aspect or rec.aspect), doubt=False
    )  # (the count is replayed, not coached: no doubt of the choice to show)
    known = {AUTO, *loop.session.exercises}
    unknown = [e for _, e in inputs.exercises if e not in known]
    if unknown:  # e.g. a taught exercise since forgotten: said here, naming the session
        raise ValueError(f"{rec.path}: the exercise chosen live, {unknown[0]!r}, is not one of "
                         f"{sorted(known)} now; the session cannot be replayed as it was "
                         "counted")  # fmt: skip
    for _ in coach_frames(loop, rec.timestamps, rec.landmarks, inputs):
        pass
    return loop


def coach_frames(
    loop: Any, timestamps: Any, landmarks: Any, inputs: LiveInputs | None = None
) -> Iterator[Any]:
    """Step the live ``loop`` (:class:`gymlib.live.LiveLoop`) through recorded frames as the
    live coach went through them, yielding each frame's :class:`gymlib.live.FrameFeedback`:
    ``timestamps`` ``(T,)`` s, ``landmarks`` ``(T, 33, 4)`` or a list of ``(33, 4)`` / None
    (zeros: nobody). ``inputs``' cuts go to the session before the first frame (cut times,
    compared with the frames' times as they come), each shape or exercise change before the
    frame it came before live, and where the camera was stopped the stream ends
    (:meth:`gymlib.live.LiveLoop.finish`). When the frames run out, the stream has ended: the
    rep it ends on is counted (as ``analyze`` counts it). Replay, history and notebook 04's
    headless run go through here."""
    inputs = inputs or LiveInputs()
    session = loop.session
    if inputs.cuts:
        session.cuts = list(inputs.cuts)
    changes = inputs.changes()
    k = i = 0
    for i, (t, frame) in enumerate(zip(timestamps, landmarks, strict=True)):
        k = _apply(loop, changes, k, i)
        seen = frame is not None and np.asarray(frame).any()
        yield loop.step(float(t), landmarks=frame if seen else None)
    _apply(loop, changes, k, i + 1)  # a "new set" (or the camera's stop) after the last frame
    loop.finish()


def _apply(loop: Any, changes: list[tuple[int, str, float | str]], k: int, frame: int) -> int:
    """Make ``changes[k:]`` that came before ``frame``; the index of the next one."""
    while k < len(changes) and changes[k][0] <= frame:
        _, kind, value = changes[k]
        if kind == "aspect":
            loop.session.set_aspect(float(value))
        elif kind == "exercise":
            loop.session.set_exercise(str(value))
        elif kind == "end":
            loop.finish()
        else:
            loop.new_set()
        k += 1
    return k


def session_paths(root: str | Path) -> list[Path]:
    """Every saved session under ``root``, oldest first: folders, then older ``.npz`` files."""
    root = Path(root)
    if not root.is_dir():
        return []
    folders = [
        d
        for d in root.iterdir()
        if d.is_dir() and not d.name.startswith(".") and (d / LANDMARKS).is_file()
    ]  # a name starting with "." is a session still being written
    return sorted(folders) + sorted(root.glob("*.npz"))


class EventLog:
    """What happened in a session, for ``events.jsonl``: every rep and every warning when it
    appears. Pure: feed it each frame's :class:`gymlib.session.SessionFeedback`."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._showing: set[str] = set()

    def update(self, fb: Any) -> None:
        t = round(float(fb.time), 3)
        # a rep taken back goes first: this frame's reps are numbered after it went
        for rep in getattr(fb, "withdrawn", ()):
            self._withdraw(t, rep)
        for rep in fb.finished:
            self.events.append({"type": "rep", "t": t, **rep.as_row(),
                                "fault_details": [f.as_dict() for f in rep.faults]})  # fmt: skip
        names = set()
        for w in fb.warnings:
            names.add(w.name)
            if w.name not in self._showing:
                self.events.append({"type": "warning", "t": t, "exercise": fb.exercise,
                                    "name": w.name, "message": w.message,
                                    "severity": w.severity})  # fmt: skip
        self._showing = names

    def _withdraw(self, t: float, rep: Any) -> None:
        """A rep the session took back (set-up, :attr:`SessionFeedback.withdrawn`): its event
        goes, the exercise's later reps move up one number as the session's did, and a
        ``withdrawn`` event says when and what, so the log agrees with the saved reps."""
        kept = []
        for e in self.events:
            same = e["type"] == "rep" and e["exercise"] == rep.exercise
            if same and e["bottom"] == rep.bottom:
                continue
            if same and e["rep"] > rep.index:
                e = {**e, "rep": e["rep"] - 1}
            kept.append(e)
        kept.append({"type": "withdrawn", "t": t, "exercise": rep.exercise,
                     "start_s": round(rep.time_of("start"), 3), "reason": "set-up"})  # fmt: skip
        self.events = kept
