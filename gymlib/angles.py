"""Joint angles by landmark name, vectorised over ``(T, 33, 4)``.

Angles are measured in 2-D image space with the aspect ratio corrected: normalised x and y have
different pixel scales (x is a fraction of the width, y of the height), so x is multiplied by
``width / height`` before any angle is taken. A joint whose points are not visible gives NaN,
never a fake angle. Frames without a person (all zeros) give NaN too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Literal

import numpy as np

from gymlib.landmarks import PoseLandmark, partner

L = PoseLandmark
#: Below this visibility a landmark does not count as seen.
MIN_VISIBILITY: float = 0.15

Side = Literal["left", "right", "visible"]

#: Named three-point angles (angle at the middle point), on the subject's LEFT side; the right
#: side is the mirror image by name.
JOINT_TRIPLES: dict[str, tuple[PoseLandmark, PoseLandmark, PoseLandmark]] = {
    "knee": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "hip": (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE),
    "elbow": (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST),
    "shoulder": (L.LEFT_ELBOW, L.LEFT_SHOULDER, L.LEFT_HIP),
    "body_line": (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_ANKLE),
}


_XY_SCOPE: list = [None, 0.0, None, None]  # (array, aspect, xy, seen) while shared_xy() is on


@contextlib.contextmanager
def shared_xy(landmarks: np.ndarray, aspect: float) -> Iterator[None]:
    """Within the block, measures on this very array share one aspect-scaled copy of x, y
    (many measures on one live frame). The array must not change inside the block."""
    _XY_SCOPE[:] = [landmarks, aspect, None, None]
    try:
        yield
    finally:
        _XY_SCOPE[:] = [None, 0.0, None, None]


def _xy(landmarks: np.ndarray, aspect: float) -> np.ndarray:
    """x, y with x in image heights (``x * aspect``), ``(T, 33, 2)``."""
    scoped = landmarks is _XY_SCOPE[0] and aspect == _XY_SCOPE[1]
    if scoped and _XY_SCOPE[2] is not None:
        return _XY_SCOPE[2]
    arr = np.asarray(landmarks, dtype=np.float64)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.shape[-2:] != (33, 4):
        raise ValueError(f"expected landmarks of shape (T, 33, 4), got {np.shape(landmarks)}")
    if not aspect > 0:
        raise ValueError(f"aspect (image width / height) must be > 0, got {aspect}")
    xy = arr[..., :2] * np.array([aspect, 1.0])
    if scoped:
        xy.flags.writeable = False
        _XY_SCOPE[2] = xy
    return xy


def _xz(landmarks: np.ndarray, aspect: float) -> np.ndarray:
    """The points of :func:`_xy` as complex numbers ``x + iy``, ``(T, 33)``: a view of the x, y
    pairs (no copy). Angles and lengths take fewer steps this way, on every live frame."""
    return np.ascontiguousarray(_xy(landmarks, aspect)).view(np.complex128)[..., 0]


def _div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` with NaN (and no warning) where ``b`` is 0 or NaN."""
    b = np.asarray(b, dtype=np.float64)
    return np.asarray(a, dtype=np.float64) / np.where(b != 0, b, np.nan)  # x / NaN: no warning


def _seen(landmarks: np.ndarray) -> np.ndarray:
    """``(T, 33)``: True where a landmark counts as seen (shared within :func:`shared_xy`)."""
    scoped = landmarks is _XY_SCOPE[0]
    if scoped and _XY_SCOPE[3] is not None:
        return _XY_SCOPE[3]
    arr = np.asarray(landmarks)
    if arr.ndim == 2:
        arr = arr[None]
    seen = arr[..., 3] >= MIN_VISIBILITY
    if scoped:
        seen.flags.writeable = False
        _XY_SCOPE[3] = seen
    return seen


def _visible(landmarks: np.ndarray, points: tuple[PoseLandmark, ...]) -> np.ndarray:
    """``(T,)``: True where all ``points`` are seen."""
    seen = _seen(landmarks)
    out = seen[:, points[0]]
    for p in points[1:]:
        out = out & seen[:, p]
    return out


def angle_at(
    landmarks: np.ndarray,
    a: PoseLandmark,
    b: PoseLandmark,
    c: PoseLandmark,
    *,
    aspect: float = 4 / 3,
    require_visible: bool = True,
) -> np.ndarray:
    """Unsigned angle at ``b`` between ``b->a`` and ``b->c``, degrees ``(T,)``; NaN if unseen."""
    # the angle between two vectors is the argument of one times the other's conjugate
    z = _xz(landmarks, aspect)
    zb = z[:, b]
    prod = (z[:, a] - zb) * np.conj(z[:, c] - zb)
    ok = np.abs(prod) >= 1e-12  # |prod| = |b->a| |b->c|
    if require_visible:
        ok &= _visible(landmarks, (a, b, c))
    return np.where(ok, np.degrees(np.abs(np.angle(prod))), np.nan)


def visible_side(landmarks: np.ndarray) -> np.ndarray:
    """Per frame, True where the subject's left side is the better seen one, ``(T,)``."""
    arr = np.asarray(landmarks)
    if arr.ndim == 2:
        arr = arr[None]
    left = [L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE]
    right = [partner(p) for p in left]
    return arr[:, left, 3].sum(axis=1) >= arr[:, right, 3].sum(axis=1)


def joint_angle(
    landmarks: np.ndarray, name: str, side: Side = "visible", *, aspect: float = 4 / 3
) -> np.ndarray:
    """A named joint angle (see :data:`JOINT_TRIPLES`) on one side, ``(T,)`` degrees.

    ``side="visible"`` takes, frame by frame, the side whose landmarks are better seen.
    """
    if name not in JOINT_TRIPLES:
        raise ValueError(f"unknown angle {name!r}; known: {sorted(JOINT_TRIPLES)}")
    a, b, c = JOINT_TRIPLES[name]
    left = angle_at(landmarks, a, b, c, aspect=aspect)
    if side == "left":
        return left
    right = angle_at(landmarks, partner(a), partner(b), partner(c), aspect=aspect)
    if side == "right":
        return right
    if side != "visible":
        raise ValueError(f"side must be 'left', 'right' or 'visible', got {side!r}")
    return pick_visible(left, right, visible_side(landmarks))


def pick_visible(left: np.ndarray, right: np.ndarray, use_left: np.ndarray) -> np.ndarray:
    """Per frame the better-seen side's value (``use_left`` from :func:`visible_side`), the
    other side's where that one is NaN."""
    out = np.where(use_left, left, right)
    return np.where(np.isnan(out), np.where(use_left, right, left), out)


def _on_side(side: str):  # noqa: ANN202
    """Left-side landmark names -> the chosen side's (the identity, or :func:`partner`)."""
    return (lambda p: p) if side == "left" else partner


# --------------------------------------------------------------------------------------------
# Measures beyond three-point angles. All take ``(T, 33, 4)`` landmarks and return ``(T,)``.
# Lengths are in image-height units (x scaled by the aspect ratio). Reference lengths (the true,
# unforeshortened length of a segment in the image) come from :class:`BodyScale`.
# --------------------------------------------------------------------------------------------
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


def _pair(arr: np.ndarray, xy: np.ndarray, a: PoseLandmark, b: PoseLandmark
          ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    return xy[:, b] - xy[:, a], _visible(arr, (a, b))


def _vertical_ratio(
    landmarks: np.ndarray,
    refs: np.ndarray,
    a: PoseLandmark,
    b: PoseLandmark,
    segments: tuple[str, ...],
    *,
    aspect: float,
    sign: float = 1.0,
) -> np.ndarray:
    """``sign * (y_b - y_a) / sum(reference lengths of segments)``, NaN where a point is unseen."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    length = refs[:, _SEG[segments[0]]]
    for s in segments[1:]:
        length = length + refs[:, _SEG[s]]
    vec, seen = _pair(arr, xy, a, b)
    return np.where(seen, _div(sign * vec[:, 1], length), np.nan)


def hip_height(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """Height of the hip above the ankle in leg lengths, ``(T,)``: 1 standing straight, about
    0.5 with the thigh parallel to the floor. Vertical only, so the same from any camera yaw."""
    s = _on_side(side)
    return _vertical_ratio(landmarks, refs, s(L.LEFT_HIP), s(L.LEFT_ANKLE), ("thigh", "shank"),
                           aspect=aspect)  # fmt: skip


def thigh_vertical(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """How straight down the thigh hangs, ``(T,)``: 1 knee straight below the hip, 0 thigh
    horizontal, negative knee above the hip (cosine of the thigh's angle to the vertical)."""
    s = _on_side(side)
    out = _vertical_ratio(landmarks, refs, s(L.LEFT_HIP), s(L.LEFT_KNEE), ("thigh",),
                          aspect=aspect)  # fmt: skip
    return np.clip(out, -1.0, 1.0)


def arm_raise(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """Height of the wrist above the shoulder in arm lengths, ``(T,)``: +1 arm straight up,
    -1 straight down, 0 level. Vertical only, so the same from any camera yaw."""
    s = _on_side(side)
    return _vertical_ratio(landmarks, refs, s(L.LEFT_SHOULDER), s(L.LEFT_WRIST),
                           ("upper_arm", "forearm"), aspect=aspect, sign=-1.0)  # fmt: skip


def body_line(
    landmarks: np.ndarray, side: Literal["left", "right"] = "left", *, aspect: float = 4 / 3
) -> np.ndarray:
    """Bend of the shoulder-hip-ankle line at the hip in degrees, signed, ``(T,)``.

    0 = straight; positive when the hip sits above the shoulder-ankle line in the image (piked),
    negative below it (sagging). Meaningful for a horizontal body seen from the side.
    """
    arr = _frames(landmarks)
    s = _on_side(side)
    sh, hip, ank = s(L.LEFT_SHOULDER), s(L.LEFT_HIP), s(L.LEFT_ANKLE)
    unsigned = angle_at(arr, sh, hip, ank, aspect=aspect)
    xy = _xy(arr, aspect)
    line = xy[:, ank] - xy[:, sh]
    rel = xy[:, hip] - xy[:, sh]
    cross = line[:, 0] * rel[:, 1] - line[:, 1] * rel[:, 0]
    # image y grows downwards: "above the line" is the side of the normal pointing to -y
    normal_y = np.where(line[:, 0] >= 0, 1.0, -1.0)  # sign of the up-pointing normal's cross
    above = cross * normal_y < 0
    return np.where(above, 180.0 - unsigned, unsigned - 180.0)


def knee_over_toe(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """How far the knee is ahead of the toes, in shank lengths, ``(T,)``; > 0 = past the toes.

    "Ahead" is the direction from heel to toe in the image, so this needs the foot seen from the
    side: NaN when the foot looks shorter than a third of its expected length (camera in front).
    """
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    s = _on_side(side)
    knee, heel, toe = s(L.LEFT_KNEE), s(L.LEFT_HEEL), s(L.LEFT_FOOT_INDEX)
    shank = refs[:, _SEG["shank"]]
    foot_dx = xy[:, toe, 0] - xy[:, heel, 0]
    out = _div((xy[:, knee, 0] - xy[:, toe, 0]) * np.sign(foot_dx), shank)
    seen = _visible(arr, (knee, heel, toe))
    out[~seen | ~(np.abs(foot_dx) >= shank * 0.5 / 3)] = np.nan
    return out


def elbow_tuck(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """How far the elbow points along the torso towards the hips, in upper-arm lengths, ``(T,)``.

    About cos(shoulder abduction): elbows tucked at 45 degrees give ~0.7, flared to 90 degrees ~0.
    Needs the torso seen along its length: NaN when it looks shorter than half its true length.
    """
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    s = _on_side(side)
    sh, el, hip = s(L.LEFT_SHOULDER), s(L.LEFT_ELBOW), s(L.LEFT_HIP)
    torso_ref, upper_ref = refs[:, _SEG["torso"]], refs[:, _SEG["upper_arm"]]
    axis = xy[:, hip] - xy[:, sh]
    axis_len = np.sqrt(axis[:, 0] ** 2 + axis[:, 1] ** 2)
    arm = xy[:, el] - xy[:, sh]
    out = _div(arm[:, 0] * axis[:, 0] + arm[:, 1] * axis[:, 1], axis_len * upper_ref)
    out[~_visible(arr, (sh, el, hip)) | ~(axis_len >= 0.5 * torso_ref)] = np.nan
    return out


def elbow_tuck_pair(landmarks: np.ndarray, refs: np.ndarray, *, aspect: float = 4 / 3
                    ) -> np.ndarray:  # fmt: skip
    """:func:`elbow_tuck` of both arms, averaged, ``(T,)``: for a camera beside the person.

    A flared elbow points sideways, at or away from a camera beside the person. A camera a few
    degrees off the side turns that sideways reach into a reach along the torso: the arm facing
    the camera reads tucked by ``sin(offset)`` times the reach (0.15 at 10 degrees) and the far
    arm flared by as much, so their mean cancels it. The far arm is taken where the pose model
    places it, even at low visibility (it is hidden behind the body, not missing). Needs the
    facing arm seen (NaN otherwise); the facing arm alone where the far one is not there at all.
    """
    arr = _frames(landmarks)
    sides = (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_HIP)
    left_seen = _visible(arr, sides)
    right_seen = _visible(arr, tuple(partner(p) for p in sides))
    near_left = visible_side(arr)
    near_seen = np.where(near_left, left_seen, right_seen)
    present = arr.copy()
    present[..., 3] = np.where(arr[..., 3] > 0, 1.0, 0.0)  # placed at all = used
    left = elbow_tuck(present, refs, "left", aspect=aspect)
    right = elbow_tuck(present, refs, "right", aspect=aspect)
    near = np.where(near_left, left, right)
    both = (left + right) / 2
    out = np.where(np.isnan(both), near, both)
    return np.where(near_seen, out, np.nan)


def chin_over_bar(landmarks: np.ndarray, refs: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """Height of the mouth above the hands (the bar) in torso lengths, ``(T,)``; > 0 = over."""
    arr = _frames(landmarks)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    torso = refs[:, _SEG["torso"]]
    mouth = (arr[:, L.MOUTH_LEFT, 1] + arr[:, L.MOUTH_RIGHT, 1]) / 2
    wl, wr = arr[:, L.LEFT_WRIST], arr[:, L.RIGHT_WRIST]
    lv, rv = wl[:, 3] >= MIN_VISIBILITY, wr[:, 3] >= MIN_VISIBILITY
    wrist = np.where(lv & rv, (wl[:, 1] + wr[:, 1]) / 2, np.where(lv, wl[:, 1], wr[:, 1]))
    out = _div(wrist - mouth, torso)
    seen = (lv | rv) & (arr[:, L.MOUTH_LEFT, 3] >= MIN_VISIBILITY * 0.5)
    out[~seen] = np.nan
    return out


def torso_lean(landmarks: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """Lean of the torso from vertical in degrees, ``(T,)``: positive forward (towards the face),
    negative backward. Needs a side view (the nose clearly ahead of the ears), else NaN."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    sh = (xy[:, L.LEFT_SHOULDER] + xy[:, L.RIGHT_SHOULDER]) / 2
    hip = (xy[:, L.LEFT_HIP] + xy[:, L.RIGHT_HIP]) / 2
    ears = (xy[:, L.LEFT_EAR] + xy[:, L.RIGHT_EAR]) / 2
    ahead = xy[:, L.NOSE, 0] - ears[:, 0]
    ear_gap = np.abs(xy[:, L.LEFT_EAR, 0] - xy[:, L.RIGHT_EAR, 0])
    up = sh - hip
    lean = np.degrees(np.arctan2(up[:, 0] * np.sign(ahead), -up[:, 1]))
    seen = _visible(arr, (L.LEFT_SHOULDER, L.LEFT_HIP)) | _visible(
        arr, (L.RIGHT_SHOULDER, L.RIGHT_HIP)
    )
    lean[~seen | ~(np.abs(ahead) > ear_gap)] = np.nan
    return lean


def wrist_over_elbow(
    landmarks: np.ndarray, side: Literal["left", "right"] = "left", *, aspect: float = 4 / 3
) -> np.ndarray:
    """Tilt of the forearm from vertical in degrees, ``(T,)``: 0 = wrist straight above or below
    the elbow (a stacked forearm in presses and push-ups)."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    el, wr = (L.LEFT_ELBOW, L.LEFT_WRIST) if side == "left" else (L.RIGHT_ELBOW, L.RIGHT_WRIST)
    vec, seen = _pair(arr, xy, el, wr)
    out = np.degrees(np.arctan2(np.abs(vec[:, 0]), np.abs(vec[:, 1])))
    out[~seen] = np.nan
    return out


def view_yaw(landmarks: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """Estimated camera angle round the person in degrees, ``(T,)``: 0 = front or back, 90 = side.

    From the shoulders and hips: their left-right spread in x against their spread in depth (z).
    """
    arr = _frames(landmarks)
    # |left - right| in x, y, z of the shoulders plus that of the hips, (T, 3)
    spread = np.abs(arr[:, L.LEFT_SHOULDER, :3] - arr[:, L.RIGHT_SHOULDER, :3]) + np.abs(
        arr[:, L.LEFT_HIP, :3] - arr[:, L.RIGHT_HIP, :3]
    )
    out = np.degrees(np.arctan2(spread[:, 2] / Z_SCALE, spread[:, 0]))
    present = np.any(arr[:, :, 3] > 0, axis=1)
    out[~present] = np.nan
    return out


def torso_upright(landmarks: np.ndarray, refs: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """How upright the torso is, ``(T,)``: 1 = shoulders straight above the hips, 0 = lying,
    -1 = upside down. Vertical extent over the true torso length (or 0.8 arm lengths, whichever is
    longer, so a torso never seen upright is not mistaken for an upright one). The arm is the
    shorter of its remembered length and its length in this frame: arms seen nearer the camera
    a moment ago (a push-up filmed from the head end) must not shrink the torso of the person
    who has stood up since."""
    arr = _frames(landmarks)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    now = segment_lengths(arr, aspect=aspect)
    arm_now = now[:, _SEG["upper_arm"]] + now[:, _SEG["forearm"]]
    arm = np.fmin(refs[:, _SEG["upper_arm"]] + refs[:, _SEG["forearm"]], arm_now)
    ref = np.fmax(refs[:, _SEG["torso"]], 0.8 * arm)
    sh = (arr[:, L.LEFT_SHOULDER, 1] + arr[:, L.RIGHT_SHOULDER, 1]) / 2
    hip = (arr[:, L.LEFT_HIP, 1] + arr[:, L.RIGHT_HIP, 1]) / 2
    out = np.minimum(np.maximum(_div(hip - sh, ref), -1.0), 1.0)
    seen = _visible(arr, (L.LEFT_SHOULDER, L.LEFT_HIP)) | _visible(
        arr, (L.RIGHT_SHOULDER, L.RIGHT_HIP)
    )
    return np.where(seen, out, np.nan)


def standing_height(landmarks: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """How far the ankles are below the shoulders, in this frame's longest limb segment, ``(T,)``.

    About 3 for a person standing, below 1.5 for one lying, planking or hanging upside down.
    Scale-free within the frame (no remembered body size), so stepping closer or away does not
    change it; NaN where shoulders or ankles are unseen.
    """
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    y = np.where(arr[:, :, 3] >= MIN_VISIBILITY, xy[..., 1], np.nan)
    shoulders = _mean_of_seen(y[:, L.LEFT_SHOULDER], y[:, L.RIGHT_SHOULDER])
    ankles = _mean_of_seen(y[:, L.LEFT_ANKLE], y[:, L.RIGHT_ANKLE])
    longest = np.max(np.nan_to_num(segment_lengths(arr, aspect=aspect), nan=-1.0), axis=1)
    return _div(ankles - shoulders, np.where(longest > 0, longest, 0.0))


# --------------------------------------------------------------------------------------------
# Squat and split-squat form measures (issue 37): what coaches agree on, from 2-D landmarks.
# --------------------------------------------------------------------------------------------
def _tilt(xy: np.ndarray, low: PoseLandmark, high: PoseLandmark) -> np.ndarray:
    """Unsigned angle of the segment ``low -> high`` from straight up, degrees ``(T,)``."""
    vec = xy[:, high] - xy[:, low]
    return np.degrees(np.arctan2(np.abs(vec[:, 0]), -vec[:, 1]))


#: The heel check wants the feet clearly seen: MediaPipe's foot points below this visibility
#: wander by more than the lift it looks for.
FOOT_VISIBILITY: float = 0.5


def hip_below_knee(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """How far the hip is below the knee, in thigh lengths, ``(T,)``: -1 standing, 0 the thigh
    level (the hip point as low as the knee point: parallel), > 0 below parallel. Vertical only,
    so the same from any yaw; a camera far above or below knee height tilts it a little."""
    s = _on_side(side)
    return _vertical_ratio(landmarks, refs, s(L.LEFT_KNEE), s(L.LEFT_HIP), ("thigh",),
                           aspect=aspect)  # fmt: skip


def heel_rise(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """Height of the heel point above the toe point, in shank lengths, ``(T,)``. Judged against
    the same foot at the start of the rep (``relative: start``), so the foot's own shape and the
    camera's tilt cancel; about 0.12 more = the heel ~5 cm off the floor. Needs the foot seen
    from the side (heel to toe at least a quarter shank across the image), clearly (visibility
    at least :data:`FOOT_VISIBILITY`) and inside the picture (points beyond its edge are the
    pose model's guesses), else NaN."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    s = _on_side(side)
    heel, toe = s(L.LEFT_HEEL), s(L.LEFT_FOOT_INDEX)
    shank = refs[:, _SEG["shank"]]
    out = _div(xy[:, toe, 1] - xy[:, heel, 1], shank)
    across = np.abs(xy[:, toe, 0] - xy[:, heel, 0])
    pts = arr[:, [heel, toe]]
    clear = np.all((pts[..., 3] >= FOOT_VISIBILITY) & (pts[..., 0] >= 0) & (pts[..., 0] <= 1)
                   & (pts[..., 1] >= 0) & (pts[..., 1] <= 1), axis=1)  # fmt: skip
    out[~clear | ~(across >= 0.25 * shank)] = np.nan
    return out


def knee_width(landmarks: np.ndarray, refs: np.ndarray, *, aspect: float = 4 / 3) -> np.ndarray:
    """Distance between the knees over the distance between the ankles, across the image,
    ``(T,)``: ~1 standing, above 1 with the knees pushed out over the feet, below 1 with the
    knees caving in. For a camera in front or behind: NaN when the ankles look closer together
    than a third of a shank (a side view, or feet together)."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    knees = np.abs(xy[:, L.LEFT_KNEE, 0] - xy[:, L.RIGHT_KNEE, 0])
    ankles = np.abs(xy[:, L.LEFT_ANKLE, 0] - xy[:, L.RIGHT_ANKLE, 0])
    out = _div(knees, ankles)
    seen = _visible(arr, (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE))
    out[~seen | ~(ankles >= refs[:, _SEG["shank"]] / 3)] = np.nan
    return out


def lean_over_shin(
    landmarks: np.ndarray,
    refs: np.ndarray,
    side: Literal["left", "right"] = "left",
    *,
    aspect: float = 4 / 3,
) -> np.ndarray:
    """How much further the torso leans from vertical than the shin, degrees ``(T,)``: about 0
    with the back parallel to the shins (the balanced squat), large positive when the chest drops
    over the knees while the shins stay upright (good-morning squat). Needs a side view: NaN
    when the torso looks shorter than half its true length (a camera in front of a leaning
    person sees it end-on)."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    s = _on_side(side)
    sh, hip, knee, ankle = s(L.LEFT_SHOULDER), s(L.LEFT_HIP), s(L.LEFT_KNEE), s(L.LEFT_ANKLE)
    out = _tilt(xy, hip, sh) - _tilt(xy, ankle, knee)
    torso = np.hypot(*(xy[:, sh] - xy[:, hip]).T)
    out[~_visible(arr, (sh, hip, knee, ankle)) | ~(torso >= 0.5 * refs[:, _SEG["torso"]])] = np.nan
    return out


def front_knee_over_toe(
    landmarks: np.ndarray, refs: np.ndarray, *, aspect: float = 4 / 3
) -> np.ndarray:
    """Split squat: how far the FRONT knee is ahead of its toes, in shank lengths, ``(T,)``;
    > 0 = past the toe point. The front leg is the one whose knee is higher (the rear knee
    drops towards the floor); "ahead" is the direction from the rear ankle to the front ankle,
    so it needs no foot seen end-on: only the stance seen from the side (ankles at least half a
    shank apart across the image) and the knees at clearly different heights (half a shank: with
    them level, which leg is in front is a guess), else NaN."""
    arr = _frames(landmarks)
    xy = _xy(arr, aspect)
    refs = np.asarray(refs, dtype=np.float64).reshape(len(arr), len(SEGMENTS))
    shank = refs[:, _SEG["shank"]]
    left_front = xy[:, L.LEFT_KNEE, 1] <= xy[:, L.RIGHT_KNEE, 1]
    pick = lambda a, b: np.where(left_front[:, None], xy[:, a], xy[:, b])  # noqa: E731
    knee, toe = pick(L.LEFT_KNEE, L.RIGHT_KNEE), pick(L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX)
    ahead = pick(L.LEFT_ANKLE, L.RIGHT_ANKLE)[:, 0] - pick(L.RIGHT_ANKLE, L.LEFT_ANKLE)[:, 0]
    out = _div((knee[:, 0] - toe[:, 0]) * np.sign(ahead), shank)
    seen_l = _visible(arr, (L.LEFT_KNEE, L.LEFT_FOOT_INDEX))
    seen_r = _visible(arr, (L.RIGHT_KNEE, L.RIGHT_FOOT_INDEX))
    seen = np.where(left_front, seen_l, seen_r) & _visible(arr, (L.LEFT_ANKLE, L.RIGHT_ANKLE))
    seen &= _visible(arr, (L.LEFT_KNEE, L.RIGHT_KNEE))
    split = np.abs(xy[:, L.LEFT_KNEE, 1] - xy[:, L.RIGHT_KNEE, 1]) >= 0.5 * shank
    out[~seen | ~(np.abs(ahead) >= 0.5 * shank) | ~split] = np.nan
    return out
