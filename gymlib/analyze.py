"""Coach a video you already have: an annotated mp4, a table of reps and a summary plot.

    python -m gymlib.analyze VIDEO [--out DIR] [--exercise auto|NAME]

``VIDEO`` is a video file (MediaPipe finds the person frame by frame) or a landmark file
(``.npz`` from ``PoseSequence.save`` or a generator clip saved with ``save_clip_npz``), drawn
as a stick figure. Frames are streamed: memory stays flat for any length (the landmarks, about
0.6 kB a frame, are kept: every set's exercise is decided from the whole clip; of the decoded
frames, the last 3 s or 128 MB, for the drawing: :class:`gymlib.follow.RecentFrames`). The
annotated video is drawn and encoded beside the pose pass, 0.5 s behind it, with the plan of
the frames seen so far, and kept when the whole clip's plan agrees (else drawn again after it:
the outputs are the same either way; :class:`gymlib.follow.Follower`), for a video in a worker
process of its own (:mod:`gymlib.drawer`: MediaPipe's pass then never waits for Python's GIL).
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
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gymlib.analyze_input import (  # noqa: F401 - public API (kept importable from here)
    MAX_COORDINATE,
    MAX_DRAWN_WIDTH,
    Source,
    frame_bar,
    frames_again,
    frames_from_landmarks,
    frames_from_video,
    load_landmark_file,
    not_found,
    save_clip_npz,
)
from gymlib.analyze_output import (  # noqa: F401 - public API
    OUTPUT_FILES,
    install,
    made_parents,
    output_folder,
    plot_summary,
    safe_name,
    timed_row,
    warm_plot,
    work_prefix,
    write_csv,
)
from gymlib.annotate import (  # noqa: F401 - public API
    BACKDROP_KEEP,
    SWITCH_INTERVAL_S,
    VERDICT_BGR,
    Annotator,
    backdrop,
    draw,
)
from gymlib.io import user_path
from gymlib.procs import Terminated
from gymlib.sets import SET_BREAK_S, WorkoutSet, rep_sets  # noqa: F401 - public API


def __getattr__(name: str) -> Any:
    """`gymlib.analyze.VIDEO_SUFFIXES` kept importable (its home is gymlib.sources.videos, loaded
    only when asked for: importing the sources costs ~1 s at analyze's start)."""
    if name == "VIDEO_SUFFIXES":
        from gymlib.sources.videos import VIDEO_SUFFIXES

        return VIDEO_SUFFIXES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@contextlib.contextmanager
def _prompt_switches(seconds: float | None = None) -> Iterator[None]:
    """Python's switch interval at most ``seconds`` (:data:`SWITCH_INTERVAL_S`) meanwhile
    (process-wide), then as it was."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, SWITCH_INTERVAL_S if seconds is None else seconds))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


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
    drawing: str = "auto",
) -> Analysis:
    """Extract, classify, count and judge; write ``annotated.mp4``, ``reps.csv``, plots.

    Everything is written into a hidden folder beside the target, checked, then renamed into
    place: a failed run (disk full, a file-size limit, bad input) leaves earlier results as
    they were and no half-written or empty folder. ``out`` defaults to
    ``runs/analyze/<video name>`` (with a time stamp added when that exists); an ``out`` that
    holds results needs ``overwrite``. ``gif=(start_s, seconds)`` also writes annotated.gif.
    ``drawing``: where pass 2 (loop, drawing, encoding) runs beside the pose pass: ``"process"``
    (a worker process, kept for the next call: :mod:`gymlib.drawer`), ``"thread"`` (this
    process), ``"auto"`` (the worker for a video, unless ``classifier`` is given). The outputs
    are the same either way.
    """
    import shutil

    from gymlib.config import load_config

    if drawing not in DRAWING_PLACES:
        raise ValueError(f"drawing must be one of {list(DRAWING_PLACES)}, got {drawing!r}")
    if drawing == "process" and classifier is not None:
        raise ValueError("drawing='process' cannot take a classifier object (the worker loads "
                         "the repository's); pass drawing='thread' or 'auto'")  # fmt: skip
    gif = None if gif is None else _gif_span(gif)  # before the run: its end would lose it
    if isinstance(classifier, str | Path):  # a model file: load it (not a path's .classes)
        from gymlib.model import ExerciseClassifier

        classifier = ExerciseClassifier.load(classifier)
    src = checked_input(Path(video))
    size = os.stat(src).st_size  # before its first read: a file still written grows past it
    source = _source_of(src, gif)
    if store is not None and (why := _no_store(store)):  # a misspelt folder: nothing taught
        raise ValueError(why)
    cfg = load_config()
    if store is None and exercise != "auto" and exercise not in cfg.exercises:
        raise ValueError(f"exercise must be 'auto' or one of {list(cfg.exercises)}, got "
                         f"{exercise!r}")  # fmt: skip
    if out is not None:  # absolute, so "--out ." or "--out x/.." name a real folder
        out = Path(os.path.abspath(out))
    target = output_folder(src, out, overwrite=overwrite, runs=cfg.resolve(cfg.paths.runs))
    made = made_parents(target)
    fill = _fills(target)  # then the work is done inside it: its parent may be another disk's
    work = _work_folder(target, fill, made)
    try:
        with _prompt_switches():
            result = _run(src, source, work, exercise, classifier, progress, gif, store, drawing,
                          cfg.live.framing.min_person_px, size=size)  # fmt: skip
        _stop_asked()  # asked while pass 2 finished: nothing is put in place
        _Stop.hold = True
        try:
            _put(work, target, fill)
        finally:
            _Stop.hold = False
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        for p in made:  # folders made for this run only
            with contextlib.suppress(OSError):
                p.rmdir()
        raise
    result.outputs = {k: str(target / Path(v).name) for k, v in result.outputs.items()}
    return result


def _source_of(src: Path, gif: tuple[float, float] | None) -> Source:
    """The frames of the checked input ``src``: a video's, or a landmark file's; a still
    image, or a ``gif`` starting past the end, refused."""
    if src.suffix.lower() == ".npz":
        source = frames_from_landmarks(src)
    else:
        source = frames_from_video(src)
        if source.meta.get("codec") in IMAGE_CODECS and _one_frame(src, source.declared):
            codec = source.meta["codec"]
            also = (" (or an animated WebP, whose frames FFmpeg does not decode: convert it to "
                    "a video first)") if codec == "webp" else ""  # fmt: skip
            raise ValueError(f"{src}: is a still image ({codec}){also}; expected a video of the "
                             "exercise, a few seconds or more")  # fmt: skip
    length = source.length_s
    if gif is not None and length is not None and gif[0] >= length:
        raise ValueError(f"--gif starts at {gif[0]:g} s, but {src} lasts {length:.1f} s; "
                         "choose a START within the clip")  # fmt: skip
    return source


def _work_folder(target: Path, fill: bool, made: list[Path]) -> Path:
    """A hidden folder to write the results in before they are put at ``target``: inside it
    (``fill``) or beside it, with a results folder's usual mode. Where none can be made, the
    folders ``made`` for this run are taken away again and the error names ``target``."""
    import tempfile

    try:
        work = Path(tempfile.mkdtemp(dir=target if fill else target.parent,
                                     prefix=work_prefix(target)))  # fmt: skip
    except OSError as exc:
        for p in made:
            with contextlib.suppress(OSError):
                p.rmdir()
        raise OSError(f"{target}: cannot write results here ({exc.strerror}); "
                      "choose another --out") from None  # fmt: skip
    umask = os.umask(0)
    os.umask(umask)
    with contextlib.suppress(OSError):  # mkdtemp makes 0700; results get the usual mode
        os.chmod(work, 0o777 & ~umask)
    return work


#: where ``analyze``'s pass 2 may run (:func:`analyze`'s ``drawing``)
DRAWING_PLACES = ("auto", "process", "thread")

#: the codecs of still images FFmpeg opens as one-frame videos (a one-frame mp4 still runs)
IMAGE_CODECS = frozenset({"mjpeg", "png", "bmp", "webp", "tiff", "gif", "jpeg2000"})


def _one_frame(src: Path, declared: int) -> bool:
    """Whether a file of an image codec holds one frame (a photo): a raw MJPEG stream (a
    webcam's ``.mjpeg``, an IP camera's multipart JPEG) declares no count, so its frames are
    counted (packets read, nothing decoded) before it is called a still image."""
    from gymlib.media import probe

    return declared <= 1 and probe(src).packets <= 1


def checked_input(src: Path) -> Path:
    """``src`` if it is a file; else an error that says what it is and what to give instead."""
    if src.is_dir():  # name the files it could have meant: videos, or landmarks (.npz)
        from gymlib.sources.videos import VIDEO_SUFFIXES  # (only here: sources load slowly)

        takes = (*VIDEO_SUFFIXES, ".npz")
        found = sorted(p.name for p in src.iterdir() if p.suffix.lower() in takes and p.is_file())
        hint = (f"it holds {len(found)} video or landmark file(s), e.g. {src / found[0]}; "
                "analyse one at a time" if found else "it holds no video")  # fmt: skip
        raise IsADirectoryError(f"{src}: is a folder; expected one video file ({hint})")
    if src.exists() and not src.is_file():  # a pipe (``<(curl ...)``), a device
        raise ValueError(f"{src}: is a pipe or a device, not a file; the video is read twice "
                         "(its times, then its frames): save it to a file first")  # fmt: skip
    if not src.is_file():
        raise not_found(src)
    return src


def _fills(target: Path) -> bool:
    """Whether the results go into ``target`` file by file: an empty folder given (``--out .``,
    a mount point, one in a folder the person cannot write) or the one the command runs in
    (swapped whole, a shell in it would be left in a deleted folder); else it is swapped whole
    (:func:`install`)."""
    here = Path.cwd()  # symlinks resolved: compared with the target's real path
    if target.is_dir() and (not any(target.iterdir()) or os.path.ismount(target)):
        return True  # (a mount point cannot be renamed: known now, not after the pose pass)
    return target.exists() and (target.resolve() in (here, *here.parents)
                                or _worked_in(target))  # fmt: skip


def _worked_in(folder: Path) -> bool:
    """Whether another process (the user's shell, say) works inside ``folder``: swapped whole,
    it would be left in a deleted folder. Linux's ``/proc``; elsewhere none is known."""
    real = str(folder.resolve())
    for pid in Path("/proc").glob("[0-9]*"):
        try:
            cwd = os.readlink(pid / "cwd")
        except OSError:  # gone, or another user's
            continue
        if cwd == real or cwd.startswith(real + os.sep):
            return True
    return False


def _put(work: Path, target: Path, fill: bool) -> None:
    """The finished results (``work``, inside ``target`` when it is filled) into ``target``."""
    try:
        if fill:
            made = sorted(f.name for f in work.iterdir())
            for name in made:
                os.replace(work / name, target / name)
            for name in set(OUTPUT_FILES) - set(made):  # an earlier run's gif, say
                (target / name).unlink(missing_ok=True)
            work.rmdir()
        else:
            install(work, target)
    except OSError as exc:
        raise OSError(f"{target}: cannot put the results there ({exc.strerror}); "
                      "choose another --out") from None  # fmt: skip


def _run(src: Path, source: Source, work: Path, exercise: str, classifier: Any,
         progress: bool, gif: tuple[float, float] | None,
         store: str | Path | None = None, drawing: str = "auto",
         min_person_px: float = 0.0, *, size: int) -> Analysis:  # fmt: skip
    """One analysis into ``work``; ``size``: the file's bytes before anything was read."""
    from gymlib.drawer import DrawJob, ProcessDrawing, ThreadDrawing
    from gymlib.framing import NOBODY, seen_pixels, size_warning
    from gymlib.io import write_json_atomic

    # absolute: a worker started earlier may have another working folder than the caller's now
    job = DrawJob(src.absolute(), work.absolute(), exercise,
                  None if store is None else Path(store).absolute(), source.fps, source.size,
                  source.declared, progress)  # fmt: skip
    t0 = time.perf_counter()
    pass2: Any = None
    notes: list[str] = []  # where pass 2 ran when not where asked; the person's size
    if drawing == "process" or (drawing == "auto" and _in_worker(src, classifier)):
        try:
            pass2 = ProcessDrawing(job, source.cuts)
        except OSError as exc:  # busy with another analysis, or it cannot start here
            notes.append(f"{exc}; the video was drawn in this process")
    if pass2 is None:
        pass2 = ThreadDrawing(job, classifier, source.cuts)
    _pose_pass(src, source, progress, pass2)
    drawn = pass2.finish()
    seconds = time.perf_counter() - t0
    if (grown := os.stat(src).st_size) > size:  # still being written (a recording, a copy)
        end = f"{pass2.times[drawn.frames - 1]:.1f} s" if drawn.frames else "its start"
        notes.append(f"the file grew while it was read ({size} -> {grown} bytes): it is still "
                     f"being written, so only up to {end} was analysed; analyse it again once "
                     "it is complete")  # fmt: skip
    person_px = seen_pixels(pass2.poses, source.size)
    if person_px is None:
        notes.append(NOBODY)
    elif src.suffix.lower() == ".npz":  # a landmark file's picture size may be any its maker wrote
        person_px = None
    elif small := size_warning(person_px, min_person_px):
        notes.append(small)
    warnings = _warnings(src, source, pass2, drawn, notes)
    times = pass2.times[: drawn.frames]
    rows = drawn.rows
    outputs = {"video": "annotated.mp4", "reps": "reps.csv", "sets": "sets.csv",
               "plot": "summary.png", "summary": "summary.json"}  # fmt: skip
    if gif is not None:
        note = _gif(work, gif)
        if note is None:
            outputs["gif"] = "annotated.gif"
        else:  # the analysis stands without its gif
            print(f"warning: {src}: {note}", file=sys.stderr)
            warnings.append(note)
    summary = {
        "video": str(src),
        "sets": [{k: s[k] for k in ("set", "exercise", "reps")} for s in drawn.sets],
        "frames": drawn.frames, "frames_declared": source.declared,
        "fps": source.fps, "size": list(source.size), **source.meta,
        "duration_s": times[-1] if times else 0.0,
        "frames_per_second": drawn.frames / max(seconds, 1e-9), "reps": len(rows),
        "verdicts": {v: sum(r["verdict"] == v for r in rows) for v in VERDICT_BGR},
        "exercises": sorted({r["exercise"] for r in rows}), "warnings": warnings,
        # as a saved session's: ``cuts`` the pixel cuts' times (the key's meaning before
        # session 8), ``cuts_found`` every cut met with its kind (pixels or landmarks)
        "cuts": list(source.cuts),
        "cuts_found": drawn.found_cuts,
        "framing": [s.as_row() for s in drawn.framing],  # the feet or hands out of the picture
        "person_px": None if person_px is None else round(person_px),  # (framing.person_pixels)
    }  # fmt: skip
    write_json_atomic(work / "summary.json", summary)
    return Analysis(drawn.frames, source.fps, seconds, drawn.reps,
                    {k: str(work / v) for k, v in outputs.items()}, warnings,
                    overlapped=drawn.overlapped)  # fmt: skip


def _warnings(src: Path, source: Source, pass2: Any, drawn: Any, notes: list[str]) -> list[str]:
    """The run's warnings (the file's, ``notes``, the framing's), printed."""
    warnings = source.problems() + notes + [s.report() for s in drawn.framing]
    if drawn.doubt:
        warnings.append(drawn.doubt)
    if getattr(pass2, "fell_back", None):
        warnings.append(f"{pass2.fell_back}; the video was drawn after the pose pass")
    for w in warnings:
        print(f"warning: {src}: {w}", file=sys.stderr)
    return warnings


def _gif(work: Path, gif: tuple[float, float]) -> str | None:
    """``annotated.gif`` from ``annotated.mp4`` in ``work``; why not, when it cannot be."""
    from gymlib.plots import video_to_gif

    try:
        video_to_gif(work / "annotated.mp4", work / "annotated.gif", start_s=gif[0],
                     seconds=gif[1])  # fmt: skip
    except (ValueError, OSError) as exc:
        return f"annotated.gif not written: {str(exc).replace(f'{work}{os.sep}', '')}"
    return None


def _in_worker(src: Path, classifier: Any) -> bool:
    """Whether pass 2 runs in the drawing worker (:mod:`gymlib.drawer`): for a video (MediaPipe
    runs; a landmark file's pass 1 is quick), with the repository's classifier or a fixed
    exercise (a classifier object passed in stays in this process)."""
    return src.suffix.lower() != ".npz" and classifier is None


def _pose_pass(src: Path, source: Source, progress: bool, pass2: Any) -> None:
    """Pass 1: every frame's landmarks and time (MediaPipe runs once), each given to pass 2
    (:mod:`gymlib.drawer`), which draws and encodes behind it."""
    try:
        for rgb, lm, t in frame_bar(source.frames, source.declared, f"{src.name} (pose)",
                                    progress):  # fmt: skip
            pass2.put(rgb, lm, t)
            _stop_asked()
    except BaseException:
        pass2.abort()
        raise


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


def _no_store(store: str | Path) -> str | None:
    """What is wrong with ``--store``, or None: it must be a folder (taught into, or empty)."""
    if Path(store).is_dir():
        return None
    what = "not a folder" if Path(store).exists() else "no such folder"
    return f"--store {store}: {what}; expected the folder `python -m gymlib.teach` taught into"


def _store_arg(argv: list[str]) -> str | None:
    """``--store DIR`` from the command line, before parsing (it widens ``--exercise``)."""
    for i, a in enumerate(argv):
        if a == "--store" and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--store="):
            return a.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    from gymlib.native_log import VERBOSE_HELP, quiet_native_log

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GLOG_minloglevel", "2")
    store = _store_arg(sys.argv[1:] if argv is None else list(argv))
    if store and (why := _no_store(store)):  # before --exercise is checked against its names
        print(f"error: {why}", file=sys.stderr)
        return 2
    names = _exercise_names(store)
    ap = argparse.ArgumentParser(
        prog="python -m gymlib.analyze", description=__doc__.split("\n")[0]
    )
    ap.add_argument("video", type=user_path, help="a video file, or a landmark .npz")
    ap.add_argument(
        "--out",
        default=None,
        type=user_path,
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
    ap.add_argument("--store", default=None, type=user_path, help="also the exercises taught "
                    "into this folder (python -m gymlib.teach)")  # fmt: skip
    ap.add_argument(
        "--gif",
        default=None,
        metavar="START:SECONDS",
        help="also write annotated.gif of SECONDS from START (e.g. 4:12)",
    )
    ap.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    args = ap.parse_args(argv)  # fmt: skip
    if args.out is not None and not args.out.strip():  # ('' is the working folder)
        ap.error("--out is empty: give a folder, or leave --out out for runs/analyze/<name>")
    quiet_native_log(args.verbose)
    from gymlib.extract import PoseModelUnavailable

    try:
        gif = _gif_span([float(v) for v in args.gif.split(":")]) if args.gif else None
    except ValueError:
        print(f"error: --gif must be START:SECONDS (e.g. 4:12), got {args.gif!r}", file=sys.stderr)
        return 2
    try:
        with _stoppable():
            result = analyze(args.video, out=args.out, exercise=args.exercise,
                             overwrite=args.overwrite, gif=gif, store=args.store)  # fmt: skip
    except (FileNotFoundError, ValueError, OSError, PoseModelUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as stop:  # the run's work folder is gone, earlier results kept
        return _stopped(stop, args.out)
    report = {"reps": len(result.reps), "frames": result.frames,
              "frames_per_second": round(result.frames_per_second, 1),
              "files": result.outputs, "warnings": result.warnings}  # fmt: skip
    try:
        print(json.dumps(report, indent=2), flush=True)
    except OSError as exc:  # a full disk or a closed pipe as stdout: the results are written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (no retry at exit)
        print(f"the results are written ({Path(result.outputs['summary']).parent}); their "
              f"summary could not be printed: {exc.strerror or exc}", file=sys.stderr)  # fmt: skip
        return 1
    return 0


def _gif_span(gif: Any) -> tuple[float, float]:
    """``(start_s, seconds)`` checked: two finite numbers, a start from 0, a length over 0
    (given as the command line's ``"START:SECONDS"`` too)."""
    try:
        span = tuple(float(v) for v in (gif.split(":") if isinstance(gif, str) else gif))
    except (TypeError, ValueError):
        raise ValueError(
            f"gif must be (start_s, seconds) or 'START:SECONDS'; got {gif!r}"
        ) from None
    if len(span) != 2 or not all(map(math.isfinite, span)) or span[0] < 0 or span[1] <= 0:
        raise ValueError(f"gif must be (start_s, seconds), finite, seconds over 0; got {gif!r}")
    return span  # type: ignore[return-value]


def _stopped(stop: KeyboardInterrupt, out: str | None) -> int:
    """Say that the run was stopped and that nothing was written; the exit status."""
    where = f" in {out}" if out else ""
    how = "stopped" if isinstance(stop, Terminated) else "interrupted"
    print(f"{how}: nothing was written; any earlier results{where} are as they were",
          file=sys.stderr)  # fmt: skip
    return 143 if isinstance(stop, Terminated) else 130


class _Stop:
    """The command was asked to stop (Ctrl-C, SIGTERM): checked at every frame, since Python
    drops an exception raised while a garbage collector callback runs (the run went on).
    While the results are put in place (``hold``) a stop waits: they go in whole."""

    signal = 0  # the signal's number; 0: not asked
    hold = False


def _stop_asked() -> None:
    if _Stop.signal:
        import signal

        raise Terminated if _Stop.signal == signal.SIGTERM else KeyboardInterrupt


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """Ctrl-C and SIGTERM end the run the same way, its work folder removed (SIGTERM's
    default leaves it behind); the handlers before are put back after, and a signal that was
    ignored stays ignored. A stop raised inside a garbage collector's callback is dropped by
    Python with an "Exception ignored" traceback: that one is not printed (the stop is raised
    again at the next frame, :func:`_stop_asked`)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        _Stop.signal = _Stop.signal or signum
        if not _Stop.hold:  # (asked again during the cleanup: stopped, any leftover is
            _stop_asked()  # cleared by the next run, clear_leftovers)

    def unraisable(info: Any) -> None:  # our stop, dropped in a callback: not a traceback
        if not (_Stop.signal and isinstance(info.exc_value, KeyboardInterrupt)):
            hook(info)

    _Stop.signal = 0
    hook, sys.unraisablehook = sys.unraisablehook, unraisable
    # (one ignored stays so: a background job of a script ignores SIGINT)
    ours = [
        s for s in (signal.SIGINT, signal.SIGTERM) if signal.getsignal(s) is not signal.SIG_IGN
    ]
    before = {sig: signal.signal(sig, stop) for sig in ours}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)
        sys.unraisablehook = hook
        _Stop.signal = 0


if __name__ == "__main__":
    raise SystemExit(main())
