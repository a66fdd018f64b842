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
timestamps.
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
_MAX_FRAMES = 8 * WINDOW_FRAMES  # a bound on the frames of one second (up to 240 fps)


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
    person. A sample between two frames that both show the person is their blend by time (what
    a 30-fps camera would have caught between them, not a frame up to half an interval away:
    33 ms at 15 fps); else the nearer frame. At 30 fps the samples are the frames themselves."""
    s = sample_times(float(times[-1]))
    j = np.clip(np.searchsorted(times, s, side="right") - 1, 0, len(times) - 1)
    k = np.minimum(j + 1, len(times) - 1)
    gap = times[k] - times[j]
    w = np.clip((s - times[j]) / np.where(gap > 0, gap, 1.0), 0.0, 1.0)
    both = person[j] & person[k]
    near = np.where(w > 0.5, k, j)
    base = np.where(both, j, near)
    w = np.where(both, w, 0.0)[:, None, None]
    window = frames[base].astype(np.float64) * (1.0 - w) + frames[k] * w
    return window.astype(np.float32), person[base] | both


class Ticks:
    """When to classify: every ``every`` frames at the classifier's 30 fps (``every / 30`` s),
    the first after ``every`` frames' worth of the stream. ``update(t)`` per frame."""

    def __init__(self, every: int) -> None:
        self.every = every
        self._due: float | None = None

    def update(self, t: float) -> bool:
        """Whether the frame at ``t`` seconds is a time to classify."""
        if self._due is None:
            self._due = t + (self.every - 1) / CLASSIFIER_FPS
        if t < self._due - _EARLY:
            return False
        self._due = t + self.every / CLASSIFIER_FPS
        return True

    @staticmethod
    def of(times: np.ndarray, every: int) -> np.ndarray:
        """``(N,)`` bool: the frames of a stream at ``times`` that are times to classify."""
        ticks = Ticks(every)
        return np.array([ticks.update(float(t)) for t in times], bool)


def new_samples(since: float | None, t: float) -> float:
    """How many of a window's 30 samples at ``t`` the window classified at ``since`` had not
    seen (all of them for the first): its weight as new evidence. Samples are 30ths of a
    second, so a whole number: 10 for windows 1/3 s apart at 29.97 fps as at 30."""
    if since is None:
        return float(WINDOW_FRAMES)
    return float(min(round((t - since) * CLASSIFIER_FPS), WINDOW_FRAMES))


class RecentWindow:
    """Live: the frames of the last second (``(33, 4)``, zeros for nobody) and their times;
    ``window()`` samples them as :func:`sample_window` samples a whole stream."""

    def __init__(self) -> None:
        self._frames: collections.deque[tuple[float, np.ndarray, bool]] = collections.deque(
            maxlen=_MAX_FRAMES
        )

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
