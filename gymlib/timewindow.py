"""The classifier's window by time: the last second of landmarks, whatever the camera's rate.

The classifier reads 30-frame windows of footage at about 30 fps (``WINDOW_FRAMES`` at
``CLASSIFIER_FPS``: one second). A camera at 15 fps fills 30 frames in two seconds, one at
60 fps in half a second; a window counted in frames would show the classifier a movement at
twice or half its speed, and the decision would gather evidence at half or twice the pace.
So the window is taken by time: 30 samples one 30th of a second apart, ending at the newest
frame, each blended from the frames either side of it (:func:`sample_window`; every other
frame at 60 fps). At 30 fps the samples are the last 30 frames, as before. When to classify
is counted by time too (:class:`Ticks`). The live session (:class:`RecentWindow`) and the
offline plan (:func:`sample_window` on the whole stream) build the same windows from the same
timestamps, and so do the training windows cut from videos (:func:`coach_windows`). Code that
counts time in frames (teaching) takes a stream at an even rate by its timestamps
(:func:`retime`, :func:`even_rate`).
"""

from __future__ import annotations

import collections

import numpy as np

from gymlib.landmarks import WINDOW_FRAMES

CLASSIFIER_FPS = 30.0  # the rate the classifier's windows are read at
SPAN_S = (WINDOW_FRAMES - 1) / CLASSIFIER_FPS  # first sample to last
# a window is full when its first sample lies within half a sample of a frame; and a tick
# comes at the first frame at most just under half a sample early (so a camera near 30 fps,
# 29.97 or 30.08, is classified every ``every`` frames, as at 30)
_HALF = 0.5 / CLASSIFIER_FPS
_EARLY = 0.45 / CLASSIFIER_FPS
# times are only as exact as a millisecond (a browser's clock, a webm's time base): a sample
# that close to a frame is that frame (at 30 fps every sample, bit for bit)
_SNAP_S = 0.001
# frames further apart than a 4-fps camera's are a stall, not footage to blend across; a
# sample further than half that from its nearer frame shows nobody
_STALL_S = 0.25


def sample_times(end: float) -> np.ndarray:
    """``(30,)`` times of a window's samples, the last at ``end``."""
    return end - (WINDOW_FRAMES - 1 - np.arange(WINDOW_FRAMES)) / CLASSIFIER_FPS


def covered(first: float, end: float) -> bool:
    """A window ending at ``end`` has footage from its first sample on, the stream (or scene)
    having begun at ``first``."""
    return first <= end - SPAN_S + _HALF


def sample_window(times: np.ndarray, frames: np.ndarray, person: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The window ending at the last of ``frames`` ``(N, 33, 4)`` at ``times`` ``(N,)`` seconds
    (ascending; ``person`` ``(N,)``: whether each shows one; they must cover it:
    :func:`covered`): ``(30, 33, 4)`` float32 samples and ``(30,)`` whether each shows a
    person, by :func:`sample_at`'s rule."""
    return sample_at(times, frames, person, sample_times(float(times[-1])))


def sample_at(times: np.ndarray, frames: np.ndarray, person: np.ndarray, at: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``frames`` ``(N, 33, 4)`` at ``times`` ``(N,)`` (ascending; ``person`` ``(N,)``)
    sampled at the times ``at`` ``(M,)``: ``(M, 33, 4)`` float32 and ``(M,)`` whether each
    shows a person. A sample between two frames that both show the person is their blend by
    time (what a 30-fps camera would have caught between them, not a frame up to half an
    interval away: 33 ms at 15 fps); else the nearer frame; within a millisecond of a frame,
    that frame (at 30 fps the samples are the frames themselves). Across a stall (frames over
    0.25 s apart) nothing is blended, and a sample over 0.125 s from any frame shows nobody
    (zeros)."""
    s = np.asarray(at, np.float64)
    j = np.clip(np.searchsorted(times, s + _SNAP_S, side="right") - 1, 0, len(times) - 1)
    k = np.minimum(j + 1, len(times) - 1)
    past, gap = s - times[j], times[k] - times[j]
    w = np.where(past <= _SNAP_S, 0.0, np.clip(past / np.where(gap > 0, gap, 1.0), 0.0, 1.0))
    both = person[j] & person[k] & (gap <= _STALL_S)
    base = np.where(both, j, np.where(w > 0.5, k, j))  # blended from j, or the nearer frame
    w = np.where(both, w, 0.0)[:, None, None]
    window = frames[base].astype(np.float64) * (1.0 - w) + frames[k] * w
    shown = both | (person[base] & (np.abs(times[base] - s) <= _STALL_S / 2))
    return np.where(shown[:, None, None], window, 0.0).astype(np.float32), shown


def _checked(times: np.ndarray, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``times`` as float64 and ``frames`` as float32, one time per frame, finite and never
    going back (equal times, a burst, are allowed: sampled as live, the last of them)."""
    t = np.asarray(times, np.float64)
    lm = np.asarray(frames, np.float32)
    if len(t) != len(lm):
        raise ValueError(f"{len(t)} times for {len(lm)} frames")
    if not np.isfinite(t).all():
        i = int(np.flatnonzero(~np.isfinite(t))[0])
        raise ValueError(f"timestamps must be finite seconds: frame {i} at {t[i]}")
    back = np.flatnonzero(np.diff(t) < 0)
    if len(back):
        i = int(back[0]) + 1
        raise ValueError(f"timestamps must increase: frame {i} at {t[i]} s after {t[i - 1]} s")
    return t, lm


def retime(times: np.ndarray, frames: np.ndarray, fps: float = CLASSIFIER_FPS
           ) -> np.ndarray:  # fmt: skip
    """A whole stream ``(N, 33, 4)`` (zeros: nobody) at ``times`` ``(N,)`` sampled ``fps``
    times a second from its first frame to its last, by :func:`sample_at`'s rule:
    ``(M, 33, 4)`` float32, zeros where it shows nobody; a 30-fps stream is its own frames.
    For code that counts time in frames (teaching, another rate). The coach's own windows
    over a stream are :func:`coach_windows`' (each ends at a frame: at 29.97 fps a grid from
    the first frame drifts off the frames and blends them, the live window does not)."""
    if not fps > 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    t, lm = _checked(times, frames)
    if len(t) < 2 or t[-1] == t[0]:
        return lm[-1:].copy()
    n = int(np.floor((t[-1] - t[0]) * fps + _SNAP_S * fps)) + 1
    at = t[0] + np.arange(n) / fps
    return sample_at(t, lm, np.any(lm != 0, axis=(1, 2)), at)[0]


def even_rate(times: np.ndarray, frames: np.ndarray, fps: float) -> tuple[np.ndarray, float]:
    """A stream ``(N, 33, 4)`` at ``times`` as frames at an even rate, for code that counts
    time in frames: ``(frames, rate)``. The rate is the one its frames came at (one over the
    median step between distinct times; ``fps``, the file's word, only for fewer than three
    frames): a recording that kept every other frame is 15 fps whatever it says. Frames that
    come evenly (no step over 1.5 times the median, none under two thirds of it) are kept as
    they are; else the stream is retimed (:func:`retime`) at that rate (dropped frames,
    bursts of equal times, a stall: the stall stays a gap showing nobody)."""
    t = np.asarray(times, np.float64)
    dt = np.diff(t)
    steps = dt[dt > 0]
    if len(dt) < 2 or not len(steps):
        return np.asarray(frames, np.float32), fps
    med = float(np.median(steps))
    rate = 1.0 / med
    if dt.max() <= 1.5 * med and dt.min() >= med / 1.5:
        return np.asarray(frames, np.float32), rate
    return retime(t, frames, rate), rate


class Ticks:
    """When to classify: every ``every`` frames at the classifier's 30 fps (``every / 30`` s
    after the last tick), the first ``first`` (default ``every - 1``) 30ths of a second into
    the stream (at 30 fps its 10th frame, as before). ``update(t)`` per frame."""

    def __init__(self, every: int, first: int | None = None) -> None:
        self.every = every
        self.first = every - 1 if first is None else first
        self._due: float | None = None

    def update(self, t: float) -> bool:
        """Whether the frame at ``t`` seconds is a time to classify."""
        if self._due is None:
            self._due = t + self.first / CLASSIFIER_FPS
        if t < self._due - _EARLY:
            return False
        self._due = t + self.every / CLASSIFIER_FPS
        return True

    @staticmethod
    def of(times: np.ndarray, every: int, first: int | None = None) -> np.ndarray:
        """``(N,)`` bool: the frames of a stream at ``times`` that are times to classify."""
        ticks = Ticks(every, first)
        return np.array([ticks.update(float(t)) for t in times], bool)


def coach_windows(times: np.ndarray, frames: np.ndarray, every: int = WINDOW_FRAMES
                  ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The coach's windows over a whole stream ``(N, 33, 4)`` (zeros: nobody) at ``times``
    (``(N,)`` s, never going back), one every ``every`` 30ths of a second from the first full
    second on, each ending at a frame as the live window does (:func:`sample_window`): training
    windows cut from a video at any rate are windows the coach reads. Returns ``(M, 30, 33,
    4)`` float32 (zeros: a sample showing nobody) and ``(M,)`` the frame each ends at. At
    30 fps, the frames ``[k * every, k * every + 30)``."""
    t, lm = _checked(times, frames)
    person = np.any(lm != 0, axis=(1, 2))
    ends = np.array([e for e in np.flatnonzero(Ticks.of(t, every, WINDOW_FRAMES - 1))
                     if covered(t[0], t[e])], int)  # fmt: skip
    if not len(ends):
        return np.zeros((0, WINDOW_FRAMES, *lm.shape[1:]), np.float32), ends
    return np.stack([sample_window(t[: e + 1], lm[: e + 1], person[: e + 1])[0]
                     for e in ends]), ends  # fmt: skip


def new_samples(since: float | None, t: float) -> float:
    """How many of a window's 30 samples at ``t`` the window classified at ``since`` had not
    seen (all of them for the first), as 30ths of a second of new footage: its weight as new
    evidence, the same per second at any rate (9.6 for windows 0.32 s apart at 25 fps).
    Within the timestamps' millisecond of a whole number it is that number (10 at 29.97 or
    30.08 fps, as at 30)."""
    if since is None:
        return float(WINDOW_FRAMES)
    n = min((t - since) * CLASSIFIER_FPS, WINDOW_FRAMES)
    return float(round(n)) if abs(n - round(n)) <= _SNAP_S * CLASSIFIER_FPS else n


class RecentWindow:
    """Live: the frames of the last second (``(33, 4)``, zeros for nobody) and their times;
    ``window()`` samples them as :func:`sample_window` samples a whole stream."""

    def __init__(self) -> None:
        # (pruned by time, not by count: a count would drop frames a window needs at a high
        # rate or in a burst of equal times)
        self._frames: collections.deque[tuple[float, np.ndarray, bool]] = collections.deque()

    def __len__(self) -> int:
        return len(self._frames)

    def clear(self) -> None:
        self._frames.clear()

    def append(self, frame: np.ndarray, t: float, person: bool) -> None:
        """Add the frame at ``t``; forget those no window ending now or later samples (the
        newest at or before the first sample stays: it may be the nearest)."""
        self._frames.append((t, frame, person))
        first = t - SPAN_S
        while len(self._frames) > 1 and self._frames[1][0] <= first:
            self._frames.popleft()

    @property
    def full(self) -> bool:
        return bool(self._frames) and covered(self._frames[0][0], self._frames[-1][0])

    def window(self) -> tuple[np.ndarray, int]:
        """The ``(30, 33, 4)`` window ending at the newest frame (:func:`sample_window`), and
        how many of its samples show a person."""
        times, frames, person = zip(*self._frames, strict=True)
        window, seen = sample_window(np.array(times), np.stack(frames), np.array(person))
        return window, int(seen.sum())
