"""Camera cuts seen in the pixels: the whole picture changed from one frame to the next.

A cut (two clips joined, another camera) replaces most of the picture at once. A person moving
changes a small share of it (on the 27 real development clips, a close-up handheld lat
pull-down changes at most 0.31 of it between two frames), and lighting flicker and handheld pans
change it gradually (a pan of a few pixels moves little at this scale; a brightness change is
taken out with the median of the change: each picture's own median would move with a person
covering a small part of a picture whose grey levels are spread, and every cell would seem
changed). So: a frame is a cut when more than ``share`` (config's ``extraction.cut_share``,
0.5) of the picture changed since the previous frame.

The picture is compared as a tiny grey thumbnail ``(24, 32)`` float32 (about 0.1 ms a frame at
any size): each of its cells stands for a 20x20-pixel patch of a 640x480 frame, and "changed"
means its grey level moved by more than ``level`` (``extraction.cut_level``, 16) of 255 from
the picture's median move.
No I/O here: :class:`gymlib.extract.PoseExtractor` feeds the frames it already decoded, and the
rep counter (:class:`gymlib.reps.RepCounter`) and the identity guard (:mod:`gymlib.track`) treat
a cut as a fresh start. Where there are no pixels (a landmark file) or they barely change (the
same room), :class:`BodyJumps` sees a cut in the landmarks: the whole body jumping faster than a
person moves, or in one frame out of stillness (:class:`BodySteps`). :class:`SceneCuts` finds
both kinds in one stream (:class:`Cut`): the exercise decision starts afresh at each
(:class:`gymlib.session.CoachSession`, :func:`gymlib.plan.plan`).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:
    from gymlib.reps.config import RepConfig

#: the thumbnail's (width, height) in cells
THUMB = (32, 24)
#: a cell changed when its grey level moved by more than this (of 255) from the median move of
#: all cells: above a video's noise and compression, well below a new scene's differences
#: (the default; config.yaml's ``extraction.cut_level``)
LEVEL = 16.0


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """An RGB (or BGR) uint8 image ``(H, W, 3)`` -> its grey thumbnail ``(24, 32)`` float32."""
    import cv2

    # bilinear to 128x96 first (cheap at any size), then averaged by area to the cells
    small = cv2.resize(rgb, (4 * THUMB[0], 4 * THUMB[1]), interpolation=cv2.INTER_LINEAR)
    cells = cv2.resize(small, THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)
    return cells.mean(axis=2)


def changed_share(before: np.ndarray, after: np.ndarray, level: float = LEVEL) -> float:
    """The share of the thumbnail's cells that changed (by more than ``level`` grey levels)
    between two :func:`thumbnail` s, less the median change (a brightness change is not a
    change of the picture)."""
    move = after - before
    return float((np.abs(move - np.median(move)) > level).mean())


class CutDetector:
    """One video's (or camera's) frames in order: :meth:`update` says whether each is a cut.

    ``share``: the share of the picture that must change at once (1: never a cut), each cell
    by more than ``level`` grey levels (of 255) beyond the picture's median move. A frame of
    another size than the one before (a camera whose frames are sent at a new size) is a new
    start of the comparison, not a cut.
    """

    def __init__(self, share: float, level: float = LEVEL) -> None:
        if not 0.0 < share <= 1.0:
            raise ValueError(f"cut share must be in (0, 1], got {share}")
        if not 0.0 < level < 255.0:
            raise ValueError(f"cut level must be in (0, 255) grey levels, got {level}")
        self.share, self.level = share, level
        self._last: tuple[tuple[int, ...], np.ndarray] | None = None
        self.score = 0.0  # the last frame's changed share

    def update(self, rgb: np.ndarray) -> bool:
        """Whether the frame ``rgb`` ``(H, W, 3)`` uint8 is a cut from the previous one."""
        thumb = thumbnail(rgb)
        last, self._last = self._last, (rgb.shape, thumb)
        if last is None or last[0] != rgb.shape:
            self.score = 0.0
            return False
        self.score = changed_share(last[1], thumb, self.level)
        return self.score > self.share


#: the step rule's defaults (``config.yaml``: ``reps.cut_step_window_s``, ``reps.cut_step_floor``):
#: it looks at the body's moves over this long before a frame (seconds; 3 frames at 30 fps)
STEP_WINDOW_S = 0.1
#: ... and compares a frame's move with at least this (body sizes)
STEP_FLOOR = 0.01
#: ... and judges only with this many frame pairs in the window (``reps.cut_step_pairs``)
STEP_PAIRS = 2


class BodySteps:
    """A camera cut seen in the landmarks alone: the body jumps in one frame out of stillness or
    steady movement (:meth:`update` per frame pair with a person in both).

    A move is the quarter of the landmarks that moved least since the previous frame, in body
    sizes (as :meth:`gymlib.reps.RepCounter._is_cut` measures it). A frame is a cut when its
    move is more than ``step`` times the largest move of the pairs that ended in the
    ``window_s`` before it (at least ``floor``); with no such pair (a stream's start,
    a gap without anyone), no verdict. Why: a person's trunk and feet speed up over several
    frames (a chin-up's jump: 4 times the move before it, the real clips' largest in the half
    rules are chosen on), while joining two shots moves every landmark at once between two
    frames (the real clips' joined seams: 7.8-42 times where the body is seen on both sides,
    the real clips' own largest step 7.8, ``benchmarks/landmark_cuts.py``). No pixels, no I/O.
    """

    def __init__(self, step: float, window_s: float = STEP_WINDOW_S,
                 floor: float = STEP_FLOOR, pairs: int = STEP_PAIRS) -> None:  # fmt: skip
        """``window_s``: a body speeds up over several frames, a cut moves it in one;
        ``floor``: a still body's frame-to-frame jitter (0.001-0.003 body sizes on the real
        clips) is no movement to compare with; ``pairs``: the window must hold this many frame
        pairs to show a speed-up over frames (30 fps: 3 in 0.1 s; at 15 fps one, and a body's
        start from rest fits in one frame: the real windows thinned to 15 fps gave the step
        rule 4-5 cuts the speed rule does not make, 30 fps 2-3; ``benchmarks/landmark_cuts.py
        --every 2``)."""
        if not step > 1.0:
            raise ValueError(f"cut step must be > 1 (times the move before), got {step}")
        if not (window_s > 0 and floor > 0):
            raise ValueError(f"cut step window and floor must be > 0, got {window_s}, {floor}")
        if pairs < 1:
            raise ValueError(f"cut step pairs must be >= 1, got {pairs}")
        self.step, self.window_s, self.floor, self.pairs = step, window_s, floor, pairs
        self._moves: list[tuple[float, float]] = []  # (time the pair ended, move)

    def ratio(self, t: float, move: float) -> float:
        """The pair ending at ``t`` s, whose body moved ``move`` body sizes: its move over the
        largest of the ``window_s`` before (at least ``floor``); 0 with fewer than ``pairs``
        there. Records the pair."""
        since = t - self.window_s - 1e-9
        before = [m for end, m in self._moves if end >= since]
        self._moves = [(end, m) for end, m in self._moves if end >= since] + [(t, move)]
        if len(before) < self.pairs:
            return 0.0
        return move / max(max(before), self.floor)

    def update(self, t: float, move: float) -> bool:
        """Whether the pair ending at ``t`` s, whose body moved ``move`` body sizes, is a cut
        (then the moves before it are forgotten: the new shot starts afresh)."""
        cut = self.ratio(t, move) > self.step
        if cut:
            self._moves = []
        return cut

    def reset(self) -> None:
        """Forget the moves (a new stream, or after a cut)."""
        self._moves = []


class BodyJumps:
    """A camera cut in the landmarks of one stream's frames with a person (:meth:`update`).

    The move between two frames is the quarter of the landmarks that moved least, in body sizes
    (the larger box diagonal, in a picture ``aspect`` = width / height wide). A cut: a move
    faster than ``speed`` body sizes a second over at least 1/30 s (a fast squat's trunk: 1.6
    a second; a rep moves some limbs, a cut all of them), or one ``steps`` calls a jump out of
    stillness (:class:`BodySteps`). The counter's rule (:meth:`gymlib.reps.RepCounter._is_cut`)
    and the session's (:class:`SceneCuts`) are this one.
    """

    def __init__(self, aspect: float, speed: float, steps: BodySteps) -> None:
        self.aspect, self.speed, self.steps = float(aspect), float(speed), steps
        self.last: tuple[float, np.ndarray] | None = None  # the last body seen: time, (33, 2)
        self._last_size = 0.0  # its box diagonal

    @classmethod
    def of(cls, cfg: RepConfig, aspect: float) -> BodyJumps:
        """The rule with config.yaml's ``reps.cut_*`` settings."""
        steps = BodySteps(cfg.cut_step, cfg.cut_step_window_s, cfg.cut_step_floor,
                          cfg.cut_step_pairs)  # fmt: skip
        return cls(aspect, cfg.cut_speed, steps)

    def update(self, t: float, frame: np.ndarray) -> bool:
        """Whether the body in ``frame`` ``(33, 4)`` at ``t`` s jumped since the last one seen."""
        points = frame[:, :2] * (self.aspect, 1.0)
        size_now = _diagonal(points)
        last, self.last = self.last, (t, points)
        last_size, self._last_size = self._last_size, size_now
        if last is None:
            return False
        before = last[1]
        size = max(size_now, last_size)
        moved = _quantile(np.linalg.norm(points - before, axis=1), 0.25)
        dt = max(t - last[0], 1 / 30)
        jump = moved / max(size, 1e-6)
        # `|`, not `or`: the step rule records every move
        return self.steps.update(t, jump) | (jump > self.speed * dt)


def _diagonal(points: np.ndarray) -> float:
    """The box diagonal of ``points`` ``(N, 2)``."""
    return float(np.linalg.norm(points.max(0) - points.min(0)))


def _quantile(x: np.ndarray, q: float) -> float:
    """``np.quantile(x, q)`` (linear), the same number: when ``q * (n - 1)`` is a whole index
    (33 landmarks, q = 0.25: the 9th smallest) one partition, not numpy's general path (a
    quarter of a replan's time went there)."""
    k = q * (len(x) - 1)
    if k == int(k):
        return float(np.partition(x, int(k))[int(k)])
    return float(np.quantile(x, q))


#: the kinds of :class:`Cut`: seen in the pixels (:class:`CutDetector`), or in the landmarks
#: alone (:class:`BodyJumps`)
PIXELS, LANDMARKS = "pixels", "landmarks"


class Cut(NamedTuple):
    """A camera cut a stream's decision started afresh at: its time (s) and where it was seen
    (:data:`PIXELS`, or :data:`LANDMARKS` when only the body's jump showed it)."""

    time: float
    kind: str

    def as_row(self) -> dict[str, float | str]:
        return {"time_s": self.time, "kind": self.kind}


class SceneCuts:
    """The camera cuts of one stream, frame by frame: a cut seen in the pixels since the last
    frame (their times, increasing; a video's list grows as it is read), or the body's jump in
    the landmarks (:class:`BodyJumps`). One cut per frame (the pixels named when both see it).
    No I/O: the live session and the offline plan run the same frames through it and find the
    same cuts.
    """

    def __init__(self, body: BodyJumps) -> None:
        self.body = body
        self._t: float | None = None  # the last frame's time

    def update(self, t: float, frame: np.ndarray | None,
               pixel_cuts: Sequence[float] = ()) -> Cut | None:  # fmt: skip
        """The cut at the frame ``frame`` ``(33, 4)`` (None: nobody) at ``t`` s, if any."""
        last, self._t = self._t, t
        pixel = None
        if pixel_cuts and last is not None:
            k = bisect.bisect_right(pixel_cuts, t)
            if k > bisect.bisect_right(pixel_cuts, last):
                pixel = float(pixel_cuts[k - 1])
        jump = frame is not None and self.body.update(t, frame)
        if pixel is not None:
            return Cut(pixel, PIXELS)
        return Cut(float(t), LANDMARKS) if jump else None


def scene_cuts(body: BodyJumps, frames: Sequence[np.ndarray | None], times: Sequence[float],
               pixel_cuts: Sequence[float] = ()) -> tuple[list[int], list[Cut]]:  # fmt: skip
    """A whole stream's cuts (the offline plan's: :class:`SceneCuts` frame by frame, as the
    live session finds them): their frames (indices) and the cuts."""
    scenes, at, found = SceneCuts(body), [], []
    for i, (f, t) in enumerate(zip(frames, times, strict=True)):
        cut = scenes.update(float(t), f, pixel_cuts)
        if cut is not None:
            at.append(i)
            found.append(cut)
    return at, found
