"""Coach a video you already have: an annotated mp4, a table of reps and a summary plot.

    python -m gymlib.analyze VIDEO [--out DIR] [--exercise auto|NAME]

``VIDEO`` is a video file (MediaPipe finds the person frame by frame) or a landmark file
(``.npz`` from ``PoseSequence.save`` or a generator clip saved with ``save_clip_npz``), drawn
as a stick figure. Frames are streamed: memory stays flat for any length (only the landmarks,
about 0.6 kB a frame, are kept: every set's exercise is decided from the whole clip). The
annotated video is drawn and encoded beside the pose pass, a second behind it, with the plan of
the frames seen so far, and kept when the whole clip's plan agrees (else drawn again after it:
the outputs are the same either way; :class:`gymlib.follow.Follower`).
Outputs in ``DIR`` (default ``runs/analyze/<video name>``, a new folder per run; an ``--out``
that holds results needs ``--overwrite``): ``annotated.mp4`` (H.264, plays in browsers),
``reps.csv``, ``sets.csv`` (each set's reps by verdict, time and the rest before it),
``summary.png``, ``summary.json``. The frames go through the live coach's own loop
(:class:`gymlib.live.LiveLoop`), so the reps, warnings and sets are the dashboard's. Frame times
are the video's own timestamps; a phone clip's rotation is applied.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gymlib.landmarks import POSE_CONNECTIONS
from gymlib.sets import SET_BREAK_S, WorkoutSet, rep_sets  # noqa: F401 - public API

if TYPE_CHECKING:
    from gymlib.follow import Follower

VERDICT_BGR = {"good": (80, 200, 60), "partial": (40, 200, 230), "faulty": (60, 60, 230)}


@dataclass
class Analysis:
    """What an analysis found and wrote."""

    frames: int
    fps: float
    seconds: float
    reps: list[Any]
    outputs: dict[str, str]
    warnings: list[str] = field(default_factory=list)
    overlapped: bool = False  # the video was drawn beside the pose pass (gymlib.follow)

    @property
    def frames_per_second(self) -> float:
        return self.frames / max(self.seconds, 1e-9)


@dataclass
class _Source:
    """Frames to analyse: ``(RGB image, landmarks or None, time s)`` and what is known of them."""

    frames: Iterator[tuple[np.ndarray, np.ndarray | None, float]]
    fps: float
    size: tuple[int, int]  # (width, height) of the drawn frames
    declared: int  # frames the file says it holds
    meta: dict[str, Any]  # for summary.json: rotation, frame-rate source...
    problems: Callable[[], list[str]]  # what to warn about, known once the frames are read


def _frames_from_video(path: Path) -> _Source:
    from gymlib.extract import PoseExtractor
    from gymlib.media import VideoReader

    reader = VideoReader(path, format="rgb24")
    info = reader.info

    def gen() -> Iterator[tuple[np.ndarray, np.ndarray | None, float]]:
        # decoding runs in a thread ahead of MediaPipe, which releases the GIL while it works
        with PoseExtractor(mode="video") as ex:
            for rgb, t in _in_background(iter(reader)):
                yield rgb, ex.process(rgb, timestamp=t), t

    meta = {"rotation": info.rotation, "fps_source": info.fps_source,
            "header_fps": info.header_fps, "variable_frame_rate": info.variable_rate,
            "codec": info.codec}  # fmt: skip
    return _Source(gen(), info.fps, info.size, info.declared_frames, meta, reader.problems)


_DONE = object()


def _in_background(items: Iterator[Any], ahead: int = 4) -> Iterator[Any]:
    """Yield ``items`` produced by a thread at most ``ahead`` items early (memory stays flat).

    An exception in the producer is raised here; leaving the loop early stops the producer.
    """
    q: queue.Queue = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def put(x: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(x, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for x in items:
                if not put(x):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer
            put(exc)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's cleanup (e.g. releasing the video) runs here

    worker = threading.Thread(target=produce, name="analyze-decode", daemon=True)
    worker.start()
    try:
        while True:
            x = q.get()
            if x is _DONE:
                return
            if isinstance(x, BaseException):
                raise x
            yield x
    finally:
        stop.set()
        worker.join()


class _BackgroundWriter:
    """Draws and encodes annotated RGB frames in a thread, at most ``ahead`` frames behind."""

    def __init__(self, writer: Any, ahead: int = 4) -> None:
        self._writer = writer
        self._q: queue.Queue = queue.Queue(maxsize=ahead)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="analyze-encode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import cv2

        size = self._writer.size
        while (job := self._q.get()) is not None:
            if self._error is not None:
                continue  # drain after a failure
            rgb, lm, lines, colour, t, marks = job
            try:
                frame = rgb if rgb.shape[1::-1] == size else cv2.resize(rgb, size)
                draw(frame, lm, lines, colour, rgb=True, marks=marks)
                self._writer.write(frame, t, format="rgb24")
            except BaseException as exc:  # raised in the caller's thread
                self._error = exc

    def write(self, rgb: np.ndarray, lm: np.ndarray | None, lines: list[str], colour,
              t: float, marks: Sequence[str] = ()) -> None:  # fmt: skip
        if self._error is not None:
            raise self._error
        self._q.put((rgb, lm, lines, colour, t, tuple(marks)))

    def close(self) -> None:
        self._q.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


#: landmark coordinates are normalised to the image; far outside it is not a landmark file
MAX_COORDINATE = 1e3
#: drawn frames are 480 pixels high; wider than this many pixels is refused
MAX_DRAWN_WIDTH = 4096


def load_landmark_file(path: str | Path) -> tuple[np.ndarray, np.ndarray, float, tuple[int, int]]:
    """A landmark ``.npz`` checked whole before anything runs: ``(landmarks (T, 33, 4) float32,
    times (T,) s, fps, (width, height))``. Every problem names the file (and the frame)."""
    p = Path(path)
    with open(p, "rb") as fh:
        magic = fh.read(6)
    if magic.startswith(b"\x93NUMPY"):
        raise ValueError(f"{p}: holds a single array (.npy), not an .npz archive with "
                         "'landmarks', 'fps' and 'image_size'")  # fmt: skip
    if not magic.startswith(b"PK"):
        raise ValueError(f"{p}: not an .npz (zip) archive; expected a landmark file written by "
                         "PoseSequence.save or save_clip_npz")  # fmt: skip
    try:
        with np.load(p, allow_pickle=False) as z:
            if "landmarks" not in z.files:
                raise ValueError(f"{p}: a landmark file needs a 'landmarks' array (T, 33, 4)")
            lm = z["landmarks"]
            fps = z["fps"] if "fps" in z.files else np.float64(30.0)
            size = z["image_size"] if "image_size" in z.files else np.array([640, 480])
            times = z["timestamps"] if "timestamps" in z.files else None
    except (OSError, ValueError, EOFError, KeyError) as exc:  # damaged, or object arrays
        msg = str(exc)
        raise ValueError(msg if msg.startswith(str(p)) else f"{p}: {msg}") from None
    if lm.dtype.kind not in "fiu":
        raise ValueError(f"{p}: 'landmarks' must be numbers, got dtype {lm.dtype}")
    if lm.ndim != 3 or lm.shape[1:] != (33, 4):
        raise ValueError(f"{p}: 'landmarks' must have shape (T, 33, 4), got {lm.shape}")
    if len(lm) == 0:
        raise ValueError(f"{p}: 'landmarks' holds no frames; nothing to analyse")
    lm = lm.astype(np.float32)
    bad = ~np.isfinite(lm).all(axis=(1, 2))
    if bad.any():
        raise ValueError(f"{p}: frame {int(np.argmax(bad))} has NaN or infinite landmark values"
                         f" ({int(bad.sum())} such frames)")  # fmt: skip
    big = (np.abs(lm) > MAX_COORDINATE).any(axis=(1, 2))
    if big.any():
        i = int(np.argmax(big))
        raise ValueError(
            f"{p}: frame {i} has a landmark value of {np.abs(lm[i]).max():.3g}; "
            "expected coordinates normalised to the image (about 0 to 1)"
        )
    fps_arr = np.asarray(fps)
    if fps_arr.size != 1 or fps_arr.dtype.kind not in "fiu":
        raise ValueError(f"{p}: 'fps' must be one number, got {fps_arr.tolist()!r}")
    rate = float(fps_arr.reshape(()))
    if not (math.isfinite(rate) and 1.0 <= rate <= 1000.0):
        raise ValueError(f"{p}: 'fps' must be 1 to 1000 frames/s, got {rate}")
    size_arr = np.asarray(size)
    if size_arr.shape != (2,) or size_arr.dtype.kind not in "fiu":
        raise ValueError(f"{p}: 'image_size' must be (width, height), got {size_arr.tolist()!r}")
    w, h = (float(v) for v in size_arr)
    if not (w >= 1 and h >= 1 and math.isfinite(w * h)):
        raise ValueError(f"{p}: 'image_size' must be two positive numbers of pixels, got "
                         f"({w:g}, {h:g})")  # fmt: skip
    if not 16 <= 480 * w / h <= MAX_DRAWN_WIDTH:
        raise ValueError(
            f"{p}: 'image_size' ({w:g}, {h:g}) is too narrow or too wide to draw "
            f"(width / height must be {16 / 480:.3f} to {MAX_DRAWN_WIDTH / 480:.1f})"
        )
    if times is None:
        t = np.arange(len(lm)) / rate
    else:
        t = np.asarray(times, dtype=np.float64).reshape(-1)
        if t.shape != (len(lm),):
            raise ValueError(f"{p}: 'timestamps' must have one time per frame ({len(lm)}), got "
                             f"{np.shape(times)}")  # fmt: skip
        steps = ~(np.diff(t) > 0)
        if not np.isfinite(t).all() or steps.any():
            i = int(np.argmax(~np.isfinite(t))) if not np.isfinite(t).all() else int(
                np.argmax(steps)) + 1  # fmt: skip
            raise ValueError(
                f"{p}: frame {i}: 'timestamps' must be finite and increase "
                f"strictly, got {t[i]} after {t[i - 1] if i else None}"
            )
        t = t - t[0]
    return lm, t, rate, (int(round(w)), int(round(h)))


def _frames_from_landmarks(path: Path) -> _Source:
    lm, times, fps, (w, h) = load_landmark_file(path)
    size = (int(round(w * 480 / h)) // 2 * 2, 480)  # draw at 480 pixels high

    def gen() -> Iterator[tuple[np.ndarray, np.ndarray | None, float]]:
        for f, t in zip(lm, times, strict=True):
            yield np.full((size[1], size[0], 3), 40, np.uint8), (f if f.any() else None), float(t)

    return _Source(gen(), fps, size, len(lm), {"fps_source": "file"}, list)


def _decoded(path: Path) -> Iterator[np.ndarray]:
    """The video's upright RGB frames, decoded again (in a thread) by the same reader."""
    from gymlib.media import VideoReader

    for rgb, _ in _in_background(iter(VideoReader(path, format="rgb24"))):
        yield rgb


def draw(bgr: np.ndarray, lm: np.ndarray | None, lines: list[str], colour=(80, 200, 60), *,
         rgb: bool = False, marks: Sequence[str] = ()) -> None:  # fmt: skip
    """Skeleton, text lines and a mark per rep (``marks``: the set's verdicts so far) onto a BGR
    frame (an RGB one with ``rgb``), in place; ``colour`` is BGR."""
    import cv2

    h, w = bgr.shape[:2]
    dots = (230, 60, 60) if rgb else (60, 60, 230)
    flip = (lambda c: tuple(c[::-1])) if rgb else (lambda c: tuple(c))
    if lm is not None:
        # clipped: a wild coordinate must not overflow OpenCV's int points
        pts = np.clip(lm[:, :2] * [w, h], -4 * max(w, h), 4 * max(w, h)).astype(int)
        seen = lm[:, 3] >= 0.15
        for a, b in POSE_CONNECTIONS:
            if seen[a] and seen[b]:
                cv2.line(bgr, tuple(pts[a]), tuple(pts[b]), flip(colour), 2, cv2.LINE_AA)
        for p, s in zip(pts, seen, strict=True):
            if s:
                cv2.circle(bgr, tuple(p), 3, dots, -1, cv2.LINE_AA)
    if not lines and not marks:
        return
    font, scale = cv2.FONT_HERSHEY_SIMPLEX, 0.6
    width = max([cv2.getTextSize(x, font, scale, 1)[0][0] for x in lines] + [18 * len(marks)])
    bottom = 12 + 22 * len(lines) + (18 if marks else 0)
    backdrop(bgr, (4, 4, min(w, 16 + width), min(h, bottom)))
    for i, text in enumerate(lines):
        cv2.putText(bgr, text, (10, 24 + 22 * i), font, scale, (255, 255, 255), 1, cv2.LINE_AA)
    y = 12 + 22 * len(lines)
    for i, verdict in enumerate(marks):  # one square per rep of the set, coloured by its verdict
        x = 10 + 18 * i
        fill = flip(VERDICT_BGR.get(verdict, (200, 200, 200)))
        cv2.rectangle(bgr, (x, y), (x + 12, y + 12), fill, -1)


#: how dark the box behind the video's text is (the frame keeps this share of its brightness)
BACKDROP_KEEP = 0.35


def backdrop(img: np.ndarray, box: tuple[int, int, int, int]) -> None:
    """Darkens ``box`` (x0, y0, x1, y1) of ``img`` in place, so white text reads on any clothes
    or gym: a translucent box keeps the person visible behind it."""
    x0, y0, x1, y1 = box
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi * BACKDROP_KEEP).astype(img.dtype)


#: every file an analysis writes into its folder; an --overwrite run replaces only these
OUTPUT_FILES = (
    "annotated.mp4",
    "annotated.gif",
    "reps.csv",
    "sets.csv",
    "summary.png",
    "summary.json",
)


def safe_name(stem: str) -> str:
    """A folder name from a file name: letters, digits, ``-``, ``_`` and inner dots only, so a
    name like ``...mp4`` or ``../x`` cannot point outside the output folder."""
    name = re.sub(r"[^\w.-]+", "_", stem).strip("._-")
    return name or "video"


def output_folder(src: Path, out: str | Path | None, *, overwrite: bool, runs: Path) -> Path:
    """Where an analysis of ``src`` goes; raises before anything is written if that would
    replace earlier results (without ``overwrite``) or anything analyze did not write."""
    if out is None:
        base = runs / "analyze" / safe_name(src.stem)
        if overwrite or not base.exists():
            target = base
        else:  # a fresh folder: an earlier analysis (e.g. of another clip.mp4) stays
            from gymlib.io import fresh_path

            target = fresh_path(base.parent, base.name)
    else:
        target = Path(out)
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise FileExistsError(f"{target}: exists and is not a folder; give --out a folder")
        held = sorted(p.name for p in target.iterdir())
        foreign = [n for n in held if n not in OUTPUT_FILES]
        if held and not overwrite:
            raise FileExistsError(
                f"{target}: already holds results ({', '.join(held[:5])}); "
                "choose another --out, or --overwrite to replace them"
            )
        if foreign:
            raise FileExistsError(
                f"{target}: holds files analyze did not write "
                f"({', '.join(foreign[:5])}); refusing to replace it"
            )
    return target


def _install(work: Path, target: Path) -> None:
    """Put the finished folder ``work`` at ``target`` (replacing an earlier analysis whole)."""
    import shutil

    if not target.exists():
        os.rename(work, target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}")
    os.rename(target, old)
    try:
        os.rename(work, target)
    except OSError:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _made_parents(folder: Path) -> list[Path]:
    """Create ``folder``'s missing parents; returns the ones created (deepest first)."""
    missing = []
    p = folder.parent
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"{folder}: cannot make its folder ({exc.strerror})") from None
    return missing


def analyze(
    video: str | Path,
    *,
    out: str | Path | None = None,
    exercise: str = "auto",
    classifier: Any = None,
    progress: bool = True,
    overwrite: bool = False,
    gif: tuple[float, float] | None = None,
    store: str | Path | None = None,
) -> Analysis:
    """Extract, classify, count and judge; write ``annotated.mp4``, ``reps.csv``, plots.

    Everything is written into a hidden folder beside the target, checked, then renamed into
    place: a failed run (disk full, a file-size limit, bad input) leaves earlier results as
    they were and no half-written or empty folder. ``out`` defaults to
    ``runs/analyze/<video name>`` (with a time stamp added when that exists); an ``out`` that
    holds results needs ``overwrite``. ``gif=(start_s, seconds)`` also writes annotated.gif.
    """
    import shutil
    import tempfile

    from gymlib.config import load_config

    src = Path(video)
    if not src.is_file():
        raise FileNotFoundError(f"{src}: no such video or landmark file")
    if src.suffix.lower() == ".npz":
        source = _frames_from_landmarks(src)
    else:
        source = _frames_from_video(src)
    cfg = load_config()
    target = output_folder(src, out, overwrite=overwrite, runs=cfg.resolve(cfg.paths.runs))
    made = _made_parents(target)
    try:
        work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
    except OSError as exc:
        for p in made:
            with contextlib.suppress(OSError):
                p.rmdir()
        raise OSError(f"{target}: cannot write results here ({exc.strerror})") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(work, 0o777 & ~umask)  # mkdtemp makes 0700; a results folder gets the usual mode
        result = _run(src, source, work, exercise, classifier, progress, gif, store)
        _install(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        for p in made:  # folders made for this run only
            with contextlib.suppress(OSError):
                p.rmdir()
        raise
    result.outputs = {k: str(target / Path(v).name) for k, v in result.outputs.items()}
    return result


def _run(src: Path, source: _Source, work: Path, exercise: str, classifier: Any,
         progress: bool, gif: tuple[float, float] | None,
         store: str | Path | None = None) -> Analysis:  # fmt: skip
    from gymlib.follow import Follower, SharedClassifier
    from gymlib.io import write_json_atomic
    from gymlib.live import LiveLoop
    from gymlib.media import VideoWriter
    from gymlib.session import CoachSession

    def new_session() -> CoachSession:
        return CoachSession(shared, fps=source.fps, aspect=source.size[0] / source.size[1],
                            exercise=exercise, store=store)  # fmt: skip

    shared: Any = classifier
    session = new_session()
    if classifier is None:  # one classifier for every session, loaded only when needed
        shared = SharedClassifier(session)
    t0 = time.perf_counter()

    def annotator(run: CoachSession) -> _Annotator:  # the live coach's loop, drawn and encoded
        return _Annotator(LiveLoop(run), VideoWriter(work / "annotated.mp4", source.size,
                                                     source.fps))  # fmt: skip

    follower = Follower(new_session, lambda: _frames_again(src), annotator)
    poses, times = _pose_pass(src, source, progress, follower)
    annotated = follower.finish(session, poses, times)
    if annotated is None:  # the plan changed after drawing began: draw the video again
        annotated = annotator(session)  # fed the landmarks found in pass 1
        frames = zip(_frames_again(src), poses, times, strict=False)
        annotated.run(_bar(frames, source, f"{src.name} (video)", progress))
    loop, timeline = annotated.loop, annotated.timeline
    loop.session.finish()  # a rep the clip ends on (drawn frames are not redrawn for it)
    seconds = time.perf_counter() - t0
    warnings = source.problems()
    for w in warnings:
        print(f"warning: {src}: {w}", file=sys.stderr)
    times = times[: len(timeline)]
    rows = [_timed_row(r, times) for r in loop.reps]
    for row, n in zip(rows, loop.summary(), strict=True):
        row["set"] = n["set"]  # the loop's sets (the dashboard's too)
    sets = [w.as_row() for w in loop.sets.sets]
    _write_csv(work / "reps.csv", rows, ["rep", "exercise", "start_s", "end_s", "rom",
                                         "verdict", "reasons"])  # fmt: skip
    _write_csv(work / "sets.csv", sets, list(WorkoutSet(1, "", (), 0, 0, None).as_row()))
    _plot(timeline, rows, work / "summary.png")
    outputs = {"video": "annotated.mp4", "reps": "reps.csv", "sets": "sets.csv",
               "plot": "summary.png", "summary": "summary.json"}  # fmt: skip
    if gif is not None:
        from gymlib.plots import video_to_gif

        video_to_gif(work / "annotated.mp4", work / "annotated.gif", start_s=gif[0],
                     seconds=gif[1])  # fmt: skip
        outputs["gif"] = "annotated.gif"
    summary = {
        "video": str(src),
        "sets": [{k: s[k] for k in ("set", "exercise", "reps")} for s in sets],
        "frames": len(timeline), "frames_declared": source.declared,
        "fps": source.fps, "size": list(source.size), **source.meta,
        "duration_s": times[-1] if times else 0.0,
        "frames_per_second": len(timeline) / max(seconds, 1e-9), "reps": len(rows),
        "verdicts": {v: sum(r["verdict"] == v for r in rows) for v in VERDICT_BGR},
        "exercises": sorted({r["exercise"] for r in rows}), "warnings": warnings,
    }  # fmt: skip
    write_json_atomic(work / "summary.json", summary)
    return Analysis(len(timeline), source.fps, seconds, list(loop.reps),
                    {k: str(work / v) for k, v in outputs.items()}, warnings,
                    overlapped=follower.held)  # fmt: skip


def _bar(frames: Iterator[Any], source: _Source, desc: str, progress: bool) -> Iterator[Any]:
    from tqdm.auto import tqdm

    return tqdm(frames, total=source.declared or None, desc=desc, unit="frame",
                disable=not progress)  # fmt: skip


def _pose_pass(src: Path, source: _Source, progress: bool, follower: Follower
               ) -> tuple[list[np.ndarray | None], list[float]]:  # fmt: skip
    """Pass 1: every frame's landmarks and time (MediaPipe runs once); the follower draws and
    encodes behind it."""
    poses: list[np.ndarray | None] = []
    times: list[float] = []
    follower.start(poses, times)
    try:
        for _, lm, t in _bar(source.frames, source, f"{src.name} (pose)", progress):
            poses.append(lm)
            times.append(t)
            follower.poke()
    except BaseException:
        follower.abort()
        raise
    return poses, times


def _frames_again(src: Path) -> Iterator[np.ndarray]:
    """The frames to draw on, read again (no MediaPipe)."""
    if src.suffix.lower() == ".npz":
        return (rgb for rgb, _, _ in _frames_from_landmarks(src).frames)
    return _decoded(src)


class _Annotator:
    """Pass 2's work on each frame: the live loop's step, the lines and colour drawn, the frame
    queued for drawing and encoding (:class:`_BackgroundWriter`), the summary plot's timeline."""

    def __init__(self, loop: Any, writer: Any) -> None:
        self.loop, self.writer = loop, writer
        self.encoder = _BackgroundWriter(writer)
        self.timeline: list[tuple[float, str, float]] = []
        self._last_rep, self._last_rep_t = None, -np.inf

    def run(self, frames: Iterator[tuple[np.ndarray, np.ndarray | None, float]]) -> None:
        """Every frame of ``frames``, then the video finished and checked."""
        try:
            for rgb, lm, t in frames:
                self.frame(rgb, lm, t)
            self.close()
        except BaseException:
            self.abort()
            raise

    def frame(self, rgb: np.ndarray, lm: np.ndarray | None, t: float) -> None:
        out = self.loop.step(t, landmarks=lm)
        fb = out.session
        if fb.rep is not None:
            self._last_rep, self._last_rep_t = fb.rep, t
        c = fb.reps.get(fb.exercise, {"good": 0, "partial": 0, "faulty": 0})
        heading, marks = _set_line(out)
        lines = [
            heading,
            f"{fb.exercise} total {sum(c.values())}: good {c['good']}  partial "
            f"{c['partial']}  faulty {c['faulty']}" if fb.exercise != "unknown" else "",
        ] + list(out.warnings[:2])  # fmt: skip
        lines = [x for x in lines if x]
        # the skeleton takes the last rep's verdict colour for a second after it ends
        recent = self._last_rep is not None and t - self._last_rep_t < 1.0
        colour = VERDICT_BGR[self._last_rep.verdict] if recent else VERDICT_BGR["good"]
        self.encoder.write(rgb, lm, lines, colour, t, marks)
        self.timeline.append((t, fb.exercise, fb.counter.progress if fb.counter else np.nan))

    def close(self) -> None:
        self.encoder.close()
        self.writer.close()  # checks the file: it opens and holds every frame

    def abort(self) -> None:
        with contextlib.suppress(BaseException):
            self.encoder.close()
        self.writer.abort()


def _timed_row(rep: Any, times: list[float]) -> dict[str, Any]:
    """A rep's table row with its start and end as the frames' own times (not index / fps)."""
    row = rep.as_row()
    for key, frame in (("start_s", rep.start), ("end_s", rep.end)):
        if 0 <= frame < len(times):
            row[key] = round(times[frame], 3)
    return row


def _set_counts(rows: Sequence[dict[str, Any]]) -> list[tuple[int, str, int]]:
    """(set, exercise, reps) of each set in ``rows``."""
    out: dict[int, tuple[str, int]] = {}
    for r, n in zip(rows, [r["set"] for r in rows], strict=True):
        out[n] = (r["exercise"], out.get(n, ("", 0))[1] + 1)
    return [(n, ex, k) for n, (ex, k) in out.items()]


def _write_csv(path: Path, rows: list[dict[str, Any]], empty: list[str]) -> None:
    """``rows`` as CSV (the header ``empty`` when there are none), written atomically."""
    from gymlib.io import write_text_atomic

    fields = list(rows[0]) if rows else empty
    text = [",".join(fields)]
    text += [",".join("" if r[k] is None else str(r[k]) for k in fields) for r in rows]
    write_text_atomic(path, "\n".join(text) + "\n")


def _set_line(out: Any) -> tuple[str, list[str]]:
    """The video's heading ("squat | set 1 | rep 3") and the current set's verdicts so far,
    from the loop's :class:`gymlib.live.FrameFeedback`."""
    if out.exercise == "unknown":
        return "exercise: unknown", []
    if out.set is None:
        return f"{out.exercise} | set {len(out.sets) + 1} | rep 0", []
    return f"{out.exercise} | set {out.set.number} | rep {out.set.reps}", list(out.set.verdicts)


def _plot(timeline: list[tuple[float, str, float]], rows: list[dict[str, Any]],
          path: Path) -> None:  # fmt: skip
    """``summary.png``: the rep progress over time, each set shaded and named, each rep marked
    in its verdict's colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gymlib.io import atomic_path

    t = np.array([x[0] for x in timeline])
    prog = np.array([x[2] for x in timeline], dtype=float)
    colours = {"good": "#2ecc71", "partial": "#f1c40f", "faulty": "#e74c3c"}
    fig, ax = plt.subplots(figsize=(10, 3.4))
    ax.plot(t, prog, lw=1, color="0.3")
    sets = [r["set"] for r in rows]
    for n, ex, k in _set_counts(rows):
        mine = [r for r, m in zip(rows, sets, strict=True) if m == n]
        a, b = mine[0]["start_s"], mine[-1]["end_s"]
        ax.axvspan(a, b, color=f"C{n % 10}", alpha=0.12)
        box = {"fc": "white", "alpha": 0.8, "lw": 0}
        ax.text(a, 0.98, f" set {n}: {ex}, {k} reps", fontsize=9, va="top", bbox=box,
                transform=ax.get_xaxis_transform())  # fmt: skip
    for r in rows:
        col = colours.get(r["verdict"], "#e74c3c")
        ax.axvspan(r["start_s"], r["end_s"], ymin=0, ymax=0.06, color=col)
        ax.plot([r["end_s"]], [1.0], "v", color=col, ms=8)
    ax.set_ylim(-0.05, max(1.3, float(np.nanmax(prog, initial=0.0)) + 0.25))
    ax.set_xlabel("s")
    ax.set_ylabel("progress of the rep")
    names = ", ".join(sorted({r["exercise"] for r in rows})) or "no reps"
    v = {k: sum(r["verdict"] == k for r in rows) for k in colours}
    ax.set_title(f"{names}: {len(rows)} reps in {len(set(sets))} set(s): {v['good']} good "
                 f"(green), {v['partial']} partial (yellow), {v['faulty']} faulty (red)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)


def save_clip_npz(clip: Any, path: str | Path) -> Path:
    """A generator clip as a landmark file ``analyze`` reads (drawn as a stick figure)."""
    from gymlib.io import save_npz_atomic

    return save_npz_atomic(path, landmarks=clip.landmarks, fps=np.float64(clip.fps),
                           image_size=np.array(clip.image_size))  # fmt: skip


def _exercise_names(store: str | None = None) -> tuple[str, ...]:
    from gymlib.config import SEED_EXERCISES, ConfigError, load_config

    try:
        names = tuple(load_config().exercises)
        if store:  # and the exercises taught into --store (gymlib.teach)
            from gymlib.teach.store import Store

            names += Store(store).exercises()
        return names
    except (ConfigError, OSError, ValueError):  # --help still works with a broken config
        return tuple(SEED_EXERCISES)


def _store_arg(argv: list[str]) -> str | None:
    """``--store DIR`` from the command line, before parsing (it widens ``--exercise``)."""
    for i, a in enumerate(argv):
        if a == "--store" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--store="):
            return a.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GLOG_minloglevel", "2")
    names = _exercise_names(_store_arg(sys.argv[1:] if argv is None else list(argv)))
    ap = argparse.ArgumentParser(
        prog="python -m gymlib.analyze", description=__doc__.split("\n")[0]
    )
    ap.add_argument("video", help="a video file, or a landmark .npz")
    ap.add_argument(
        "--out",
        default=None,
        help="output folder (default runs/analyze/<name>, a new one per run)",
    )
    ap.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the results already in --out (only files analyze writes)",
    )
    ap.add_argument(
        "--exercise",
        default="auto",
        choices=["auto", *names],
        metavar="EXERCISE",
        help=f"auto (recognised) or one of: {', '.join(names)}",
    )
    ap.add_argument("--store", default=None, help="also the exercises taught into this folder "
                    "(python -m gymlib.teach)")  # fmt: skip
    ap.add_argument(
        "--gif",
        default=None,
        metavar="START:SECONDS",
        help="also write annotated.gif of SECONDS from START (e.g. 4:12)",
    )
    args = ap.parse_args(argv)  # fmt: skip
    try:
        gif = [float(v) for v in args.gif.split(":")] if args.gif else None
        if gif is not None and (len(gif) != 2 or gif[0] < 0 or gif[1] <= 0):
            raise ValueError
    except ValueError:
        print(f"error: --gif must be START:SECONDS (e.g. 4:12), got {args.gif!r}", file=sys.stderr)
        return 2
    try:
        result = analyze(args.video, out=args.out, exercise=args.exercise,
                         overwrite=args.overwrite, gif=tuple(gif) if gif else None,
                         store=args.store)  # fmt: skip
    except (FileNotFoundError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    report = {"reps": len(result.reps), "frames": result.frames,
              "frames_per_second": round(result.frames_per_second, 1),
              "files": result.outputs, "warnings": result.warnings}  # fmt: skip
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
