"""Body scale: the image length of each segment per frame, and its true (unforeshortened)
length tracked over a stream (:class:`BodyScale`)."""

from __future__ import annotations

import numpy as np

from gymlib.angles.joints import _seen, _xz
from gymlib.landmarks import PoseLandmark, partner

L = PoseLandmark

#: Segments whose true image length :class:`BodyScale` tracks (left side; right is the mirror).
SEGMENTS: dict[str, tuple[PoseLandmark, PoseLandmark]] = {
    "thigh": (L.LEFT_HIP, L.LEFT_KNEE),
    "shank": (L.LEFT_KNEE, L.LEFT_ANKLE),
    "upper_arm": (L.LEFT_SHOULDER, L.LEFT_ELBOW),
    "forearm": (L.LEFT_ELBOW, L.LEFT_WRIST),
    "torso": (L.LEFT_SHOULDER, L.LEFT_HIP),
}
SEGMENT_NAMES: tuple[str, ...] = tuple(SEGMENTS)
_SEG = {name: j for j, name in enumerate(SEGMENTS)}
_SEG_A = np.array([a for a, _ in SEGMENTS.values()] + [partner(a) for a, _ in SEGMENTS.values()])
_SEG_B = np.array([b for _, b in SEGMENTS.values()] + [partner(b) for _, b in SEGMENTS.values()])
#: MediaPipe's z is on roughly 1.8x the scale of x for the same physical distance (measured on
#: the real windows: shoulder depth differences in side views vs shoulder widths from the front).
Z_SCALE: float = 1.8


def _frames(landmarks: np.ndarray) -> np.ndarray:
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim != 3 or arr.shape[1:] != (33, 4):
        raise ValueError(f"expected landmarks of shape (T, 33, 4), got {np.shape(landmarks)}")
    return arr


def segment_lengths(landmarks: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """2-D length of every :data:`SEGMENTS` entry, ``(T, S)``: the mean of the two sides.

    A side counts only where both its points are visible (one seen side is used alone); NaN
    where neither side is seen.
    """
    arr = _frames(landmarks)
    z = _xz(arr, aspect)
    length = np.abs(z[:, _SEG_B] - z[:, _SEG_A])  # (T, 2S): left sides, then right sides
    seen = _seen(arr)
    length = np.where(seen[:, _SEG_A] & seen[:, _SEG_B] & (length > 0), length, np.nan)
    n = len(SEGMENTS)
    return _mean_of_seen(length[:, :n], length[:, n:])


def _mean_of_seen(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The two sides' mean where both are seen (not NaN), the seen one's value where one is."""
    both = (left + right) / 2
    return np.where(np.isnan(both), np.fmax(left, right), both)


class BodyScale:
    """True (unforeshortened) image length of each body segment, tracked over a stream.

    A limb seen end-on looks short, but every exercise passes through a position where each
    segment is seen at (nearly) full length within a few seconds. The reference is a high
    percentile of the segment's recent lengths: robust to a mislabelled frame (unlike a maximum),
    and it follows the person stepping closer within ``window_s``. Stepping away makes every
    segment shorter at once (a rep foreshortens some, never all): after ``shrink_s`` of at
    least four seen segments all shorter, the older, larger lengths are forgotten. A segment
    out of sight for the whole window (legs behind a machine's pads) keeps its last length.
    Recomputed every ``every`` frames (it changes slowly) to stay cheap on a live stream.
    Frames given their time ``t`` (seconds) are windowed by it: ``window_s`` and ``shrink_s`` of
    the clock, whatever the camera's rate (up to twice ``fps``); without it, by frame counts at
    ``fps``.
    """

    def __init__(
        self,
        fps: float,
        *,
        window_s: float = 6.0,
        percentile: float = 75.0,
        every: int = 10,
        shrink: float = 0.85,
        shrink_s: float = 0.7,
    ) -> None:
        if fps <= 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        self.size = max(int(round(window_s * fps)), 1)
        self.percentile = percentile
        self.every = every
        self.shrink = shrink
        self.shrink_n = min(max(int(round(shrink_s * fps)), 1), self.size)
        self.window_s, self.shrink_s, self.frame_s = window_s, shrink_s, 1.0 / fps
        self.buf = np.full((self.size, len(SEGMENTS)), np.nan)
        self.times = np.full(2 * self.size, np.nan)  # with ``t``: a ring twice as long
        self.tbuf = np.full((2 * self.size, len(SEGMENTS)), np.nan)
        self.n = 0
        self.small = 0  # frames in a row with every seen segment shorter than ``shrink`` x ref
        self.small_since = np.nan  # (with ``t``) since when
        self.ref = np.full(len(SEGMENTS), np.nan)

    def update(self, lengths: np.ndarray, t: float | None = None) -> np.ndarray:
        """Feed one frame's :func:`segment_lengths` row ``(S,)`` (at ``t`` seconds, if
        given); get the references ``(S,)``."""
        if t is not None:
            return self._update_timed(lengths, float(t))
        row = self.n % self.size
        self.buf[row] = lengths
        self.n += 1
        self.small = self.small + 1 if self._all_shorter(self.buf[row]) else 0
        recompute = self.n <= self.every or self.n % self.every == 0
        shrunk = self.small >= self.shrink_n
        if shrunk:  # stepped away: keep only the frames since then
            keep = (self.n - 1 - np.arange(self.shrink_n)) % self.size
            kept = self.buf[keep].copy()
            self.buf[:] = np.nan
            self.buf[keep] = kept
            self.small = 0
            recompute = True
        if recompute:
            new = nan_percentile(self.buf[: min(self.n, self.size)], self.percentile)
            # a segment unseen for the whole window (legs behind a machine's pads) keeps its last
            # length: the body did not shrink because part of it went out of sight
            self.ref = new if shrunk else np.where(np.isnan(new), self.ref, new)
        return self.ref.copy()

    def _all_shorter(self, lengths: np.ndarray) -> bool:
        """At least four segments seen with a reference, every one of ``lengths`` ``(S,)``
        shorter than ``shrink`` x its reference (in plain floats: on a live frame numpy's calls
        cost more than the divisions; lengths and references are positive or NaN)."""
        pairs = zip(lengths.tolist(), self.ref.tolist(), strict=True)
        ratio = [a / b for a, b in pairs if a == a and b == b]
        return len(ratio) >= 4 and max(ratio) < self.shrink

    def _update_timed(self, lengths: np.ndarray, t: float) -> np.ndarray:
        """:meth:`update` with the windows in seconds of ``t``."""
        k = self.n % len(self.times)
        self.tbuf[k], self.times[k] = lengths, t
        self.n += 1
        if self._all_shorter(self.tbuf[k]):
            self.small_since = t if self.small_since != self.small_since else self.small_since
        else:
            self.small_since = np.nan
        recompute = self.n <= self.every or self.n % self.every == 0
        # (a run of n frames spans n - 1 intervals)
        shrunk = t - self.small_since >= self.shrink_s - self.frame_s - 1e-6
        if shrunk:  # stepped away: keep only the frames since then
            self.times[self.times < self.small_since] = np.nan
            self.small_since = np.nan
            recompute = True
        if recompute:
            recent = self.times > t - self.window_s + 1e-6
            new = nan_percentile(self.tbuf[recent], self.percentile)
            self.ref = new if shrunk else np.where(np.isnan(new), self.ref, new)
        return self.ref.copy()


def nan_percentile(a: np.ndarray, q: float) -> np.ndarray:
    """``np.nanpercentile(a, q, axis=0)`` for ``(N, K)`` (linear interpolation; NaN for an
    all-NaN column, without a warning), by one sort: numpy's own loops over the columns with
    NaN, ten times slower on :class:`BodyScale`'s buffer."""
    srt = np.sort(a, axis=0)  # NaN sorts last
    n = np.count_nonzero(~np.isnan(a), axis=0)
    pos = (np.maximum(n, 1) - 1) * (q / 100.0)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, np.maximum(n - 1, 0))
    cols = np.arange(a.shape[1])
    low, high = srt[lo, cols], srt[hi, cols]
    out = low + (high - low) * (pos - lo)
    return np.where(n > 0, out, np.nan)
