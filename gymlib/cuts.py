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
same room), :class:`BodySteps` sees a cut in the landmarks: the body jumping in one frame.
"""

from __future__ import annotations

import numpy as np

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
