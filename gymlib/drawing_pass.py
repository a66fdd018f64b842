"""``analyze``'s pass 2 (the live loop, the drawing, H.264, the tables and plot) beside its pose
pass, in this process: :class:`ThreadDrawing`. :mod:`gymlib.drawer` runs the same code in a
worker process of its own (``analyze``'s default for a video); the outputs are the same.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from gymlib.framing import Spell


#: ``annotated.mp4`` holds about this many frames a second at most (every n-th frame of a
#: faster clip, up to 5 % over): screens show no more, and a 240-fps clip's every frame took
#: 4x the drawing and the file's size
DRAWN_FPS = 60.0


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
    #: the feet or hands an exercise read out of the picture long enough to report
    #: (:meth:`gymlib.framing.FramingWatch.reported`)
    framing: list[Spell] = field(default_factory=list)
    #: an exercise fixed by the user that the classifier reads otherwise (gymlib.plan.doubt_of)
    doubt: str | None = None


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
        from gymlib.media import FAST_X264, VideoWriter

        fps = min(self.job.fps, DRAWN_FPS)
        writer = VideoWriter(self.job.work / "annotated.mp4", self.job.size, fps,
                             options=FAST_X264)  # fmt: skip
        # (a hand-set exercise is questioned over the whole clip instead: finish, doubt_of)
        return Annotator(LiveLoop(run, doubt=False), writer, max_fps=DRAWN_FPS, fps=self.job.fps)

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
            from gymlib.follow import RECENT_S

            kept = self._recent.limit if self._keep else frames_of(self.job, RECENT_S)
            self._follower.tail = kept
            annotated = self._follower.finish(self.session, self.poses, self.times)
        else:
            self.session.plan(self.poses, self.times)
        stages["whole clip planned, every frame through the loop"] = time.perf_counter()
        if annotated is None:  # the plan changed after drawing began: draw the video again
            from gymlib.analyze_input import frame_bar

            annotated = self._annotator(self.session)  # fed the landmarks found in pass 1
            frames = zip(self._redraw_frames(), self.poses, self.times, strict=False)
            desc = f"{self.job.src.name} (video)"
            annotated.run(frame_bar(frames, self.job.declared, desc, self.job.progress))
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
        doubt = None
        if not rows and loop.session.fixed is not None:  # a wrong pick counts nothing: ask
            from gymlib.plan import doubt_of  # (only then: a classifier to load, its pass)

            doubt = doubt_of(self._new_session(), self.poses, self.times)
        return Drawn(len(annotated.timeline), list(loop.reps), rows,
                     [w.as_row() for w in loop.sets.sets],
                     [c.as_row() for c in loop.session.found_cuts],
                     self._follower is not None and self._follower.held, stages,
                     loop.framing.reported(), doubt)  # fmt: skip

    def _redraw_frames(self) -> Iterator[np.ndarray]:
        from gymlib.analyze_input import frames_again

        return frames_again(self.job.src)


def frames_of(job: DrawJob, seconds: float) -> int:
    """How many of ``job``'s frames make ``seconds``, as :class:`gymlib.follow.RecentFrames`
    counts the frames it keeps (:func:`gymlib.follow.frames_within`)."""
    from gymlib.follow import frames_within

    w, h = job.size
    return frames_within(seconds, job.fps, w * h * 3)


def _write_tables(annotated: Any, times: list[float], work: Path) -> list[dict[str, Any]]:
    """``reps.csv``, ``sets.csv`` and ``summary.png`` from the loop that stepped every frame
    (its encoder may still be at work); the reps' rows."""
    from gymlib.analyze_output import plot_summary, timed_row, write_csv
    from gymlib.reps import Rep
    from gymlib.sets import WorkoutSet

    loop, timeline = annotated.loop, annotated.timeline
    loop.session.finish()  # a rep the clip ends on (drawn frames are not redrawn for it)
    loop.framing.finish()
    times = times[: len(timeline)]
    rows = [timed_row(r, times) for r in loop.reps]
    for row, n in zip(rows, loop.summary(), strict=True):
        row["set"] = n["set"]  # the loop's sets (the dashboard's too)
    sets = [w.as_row() for w in loop.sets.sets]
    # (no rep: the same header, so runs' tables join)
    header = [*Rep(1, "", 0, 0, 0, 30.0, 0.0, 0.0, 0.0, 0.0, "good").as_row(), "set"]
    write_csv(work / "reps.csv", rows, header)
    write_csv(work / "sets.csv", sets, list(WorkoutSet(1, "", (), 0, 0, None).as_row()))
    plot_summary(timeline, rows, work / "summary.png")
    return rows
