"""The frames since the current top period began, kept to measure a rep once it is done:
raw progress, times, landmarks and body references per frame (history indices count from
frame ``f0`` of the stream)."""

from __future__ import annotations

import bisect

import numpy as np

from gymlib import angles as A
from gymlib.reps.feet import Feet, feet_of

NOBODY = np.zeros((33, 4))


class History:
    """Per frame: ``prog`` (raw progress), ``times`` (s), ``lms`` ``(33, 4)`` (zeros: nobody)
    and ``refbuf`` ``(S,)`` (body reference lengths; NaN: nobody)."""

    def __init__(self, start: int, fps: float, aspect: float, n_refs: int) -> None:
        self.fps, self.aspect = fps, aspect
        self.no_refs = np.full(n_refs, np.nan)
        self.f0 = start
        self.prog: list[float] = []
        self.times: list[float] = []  # seconds
        self.lms: list[np.ndarray] = []
        self.refbuf: list[np.ndarray] = []

    def append(
        self, p_raw: float, now: float, frame: np.ndarray | None, refs: np.ndarray | None
    ) -> None:
        self.prog.append(p_raw)
        self.times.append(now)
        self.lms.append(frame if frame is not None else NOBODY)
        self.refbuf.append(refs if refs is not None else self.no_refs)

    def trim(self, f: int) -> None:
        """Drop history before frame ``f`` (keep ``f`` itself: it starts the new top period)."""
        self.drop(f - self.f0)

    def trim_before(self, t: float) -> None:
        """Drop history before time ``t``."""
        self.drop(bisect.bisect_left(self.times, t))

    def drop(self, n: int) -> None:
        """Drop the first ``n`` frames of history."""
        if n > 0:
            del self.prog[:n]
            del self.times[:n]
            del self.lms[:n]
            del self.refbuf[:n]
            self.f0 += n

    def frame_at(self, times: np.ndarray, t: float) -> int:
        """The history index of the frame nearest time ``t``; past the last frame, frames
        continue at the history's median interval (a rep's end extrapolated ahead)."""
        if t > times[-1]:
            return len(times) - 1 + int(round((t - times[-1]) / self.interval(times)))
        if t < times[0]:
            return int(round((t - times[0]) / self.interval(times)))
        i = int(np.searchsorted(times, t))
        return i - 1 if i > 0 and t - times[i - 1] < times[i] - t else i

    def time_at(self, times: np.ndarray, i: int) -> float:
        """The time of history index ``i``, extrapolated like :meth:`frame_at` beyond it."""
        if 0 <= i < len(times):
            return float(times[i])
        j = min(max(i, 0), len(times) - 1)
        return float(times[j]) + (i - j) * self.interval(times)

    def interval(self, times: np.ndarray) -> float:
        """The typical time between frames in ``times``."""
        return float(np.median(np.diff(times))) if len(times) > 1 else 1.0 / self.fps

    def end_frames(self, a: int, b: int, span_s: float) -> list[tuple[int, int]]:
        """``(first index, count)`` of the frames in the first and in the last ``span_s``
        seconds of history indices ``a..b`` (at least one each)."""
        t = self.times
        n_a = max(bisect.bisect_right(t, t[a] + span_s, a, b + 1) - a, 1)
        lo_b = min(bisect.bisect_left(t, t[b] - span_s, a, b + 1), b)
        return [(a, n_a), (lo_b, b + 1 - lo_b)]

    def feet_from(self, lo: int, n: int) -> list[Feet]:
        """:class:`Feet` of the frames with a person among history indices ``lo`` to
        ``lo + n - 1`` (the ends of a rep)."""
        return [
            feet_of(
                lm.tolist(),
                ref.tolist(),
                self.aspect,
                A.segment_lengths(lm, aspect=self.aspect)[0].tolist(),
            )  # fmt: skip
            for lm, ref in zip(self.lms[lo : lo + n], self.refbuf[lo : lo + n], strict=True)
            if lm.any()
        ]
