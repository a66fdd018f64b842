"""Keep following the person tracking started with: the geometry of an identity guard.

MediaPipe's legacy Pose tracker (video mode, one person) can jump from the lifter to someone
standing beside them (a trainer, a spotter) and stay there. A person's body cannot move faster
sideways than about one of their own sizes per second: body size is the diagonal of the box
around all 33 landmarks (about 2 m standing; the largest of the last ``window_s``, as a crouched
body's box is smaller), so ``max_speed`` 1 is about 2 m/s of the trunk's centre (mid of
shoulders and hips) across the picture held over ``window_s``, more than walking (about 1.4 m/s).
The six lifts move the trunk up and down, which is not measured (a fast squat stands up at
1.6 body sizes a second). A faster move across is the tracker changing person, not the person
moving; a false alarm only costs looking for the same person in a crop. The
tracker's landmark smoothing spreads such a jump over a few frames, so the move is measured
over a short time window (timestamps, not frame counts).

:class:`IdentityGuard` holds the recent bodies and answers: is this frame a jump, which box to
look in for the previous person (:meth:`IdentityGuard.search_box`), is a body found there still
them, and does the full-frame tracker agree with them again. No pixels and no I/O here:
:class:`gymlib.extract.PoseExtractor` runs the pose models. Landmarks are ``(33, 4)`` float32,
x and y normalised to the image (as MediaPipe gives them).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from gymlib.landmarks import PoseLandmark as L

_TRUNK = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]


@dataclass(frozen=True)
class GuardOptions:
    """Thresholds of the identity guard (``extraction.identity_guard`` in config.yaml).

    ``max_speed``: body sizes per second the trunk's centre can move; ``window_s``: the time
    over which that is measured; ``agree``: body sizes within which the full-frame tracker is
    back on the followed person; ``margin``: the search box around the last body's box, in body
    sizes; ``lost_s``: seconds without finding the followed person before whoever the tracker
    follows is accepted.
    """

    max_speed: float = 1.0
    window_s: float = 0.2
    agree: float = 0.1
    margin: float = 0.1
    lost_s: float = 1.0


@dataclass(frozen=True)
class Body:
    """Where a person is, in the units of ``image_size`` (pixels, or the frame's heights as
    :class:`gymlib.extract.PoseExtractor` uses it): trunk centre ``(x, y)``, size, and box
    ``(x0, y0, x1, y1)`` around all 33 landmarks."""

    centre: np.ndarray
    size: float
    box: tuple[float, float, float, float]

    @classmethod
    def of(cls, landmarks: np.ndarray, image_size: tuple[int, int]) -> Body:
        """The body of ``(33, 4)`` landmarks in an image of ``(width, height)`` pixels."""
        p = np.asarray(landmarks, dtype=np.float64)[:, :2] * image_size
        lo, hi = p.min(0), p.max(0)
        size = float(np.linalg.norm(hi - lo))
        return cls(p[_TRUNK].mean(0), max(size, 1e-6), (lo[0], lo[1], hi[0], hi[1]))

    def distance(self, other: Body) -> float:
        """How far ``other``'s trunk centre is from this one, in this body's sizes."""
        return float(np.linalg.norm(other.centre - self.centre)) / self.size


def from_crop(landmarks: np.ndarray, box: tuple[int, int, int, int], image_size: tuple[int, int]):
    """``(33, 4)`` landmarks found in the crop ``box`` (pixels) -> full-image coordinates.

    x, y are shifted and rescaled; z (depth, on x's scale) is rescaled like x.
    """
    x0, y0, x1, y1 = box
    w, h = image_size
    out = np.array(landmarks, dtype=np.float32, copy=True)
    out[:, 0] = (x0 + out[:, 0] * (x1 - x0)) / w
    out[:, 1] = (y0 + out[:, 1] * (y1 - y0)) / h
    out[:, 2] *= (x1 - x0) / w
    return out


#: the share of the picture's width and height each box of :func:`wide_boxes` covers: a person
#: a quarter of the picture tall fills 40 % of it, enough for the pose model's detector
WIDE_SHARE = 0.6


def trunk_length(landmarks: np.ndarray, image_size: tuple[float, float]) -> float:
    """Mid-shoulders to mid-hips of ``(33, 4)`` landmarks, in the units of ``image_size``: a
    person's size that a crouch hardly changes and a crop's edge does not stretch (landmarks
    guessed beyond a crop widen the box around all 33)."""
    p = np.asarray(landmarks, dtype=np.float64)[:, :2] * image_size
    shoulders = p[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]].mean(0)
    hips = p[[L.LEFT_HIP, L.RIGHT_HIP]].mean(0)
    return float(np.linalg.norm(shoulders - hips))


def wide_boxes(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Pixel boxes ``(x0, y0, x1, y1)`` to look for a person too small in the whole picture:
    the centre first (where people film themselves), then the four corners; together they
    cover the picture."""
    w, h = int(width * WIDE_SHARE), int(height * WIDE_SHARE)
    if w < 32 or h < 32:
        return []
    xs, ys = (0, (width - w) // 2, width - w), (0, (height - h) // 2, height - h)
    return [(xs[1], ys[1], xs[1] + w, ys[1] + h)] + [
        (x, y, x + w, y + h) for y in (ys[0], ys[2]) for x in (xs[0], xs[2])
    ]


class IdentityGuard:
    """State of one followed person across frames (one per video or live session).

    Normal: :meth:`jumped` is one distance check per frame; :meth:`accept` records the frame.
    After a jump, :attr:`following` is the previous person's last body: the caller looks for
    them in :meth:`search_box`, checks a find with :meth:`is_followed`, and gives up after
    :meth:`gone`.
    """

    def __init__(self, options: GuardOptions, image_size: tuple[int, int]) -> None:
        self.options = options
        self.image_size = image_size
        self._recent: deque[tuple[float, Body]] = deque()
        self._last: tuple[float, Body] | None = None  # the latest body, kept across gaps
        self.following: Body | None = None  # set while the tracker is on someone else
        self.wide = False  # ... or while following someone the tracker never had (follow)
        self._seen_t = 0.0  # when the followed person was last found
        self.jumps = 0

    def _reference(self, t: float) -> tuple[float, Body] | None:
        """The oldest body within ``window_s``; after a gap without anyone, the last one."""
        while self._recent and t - self._recent[0][0] > self.options.window_s:
            self._recent.popleft()
        return self._recent[0] if self._recent else self._last

    def _too_fast(self, ref: tuple[float, Body], body: Body, t: float) -> bool:
        """Whether the trunk crossed the picture faster than a person walks, since ``ref``.
        Across only: the lifts move the trunk up and down (a fast squat's stand-up reads 1.6
        body sizes a second in its own rendered sample), while a tracker moving to a person
        beside the lifter moves it sideways. In the largest recent body's sizes: a crouched
        body's box is small, the standing one is the person's size."""
        dt = max(t - ref[0], self.options.window_s)  # a still person's jitter is not speed
        size = max([b.size for _, b in self._recent] + [ref[1].size, body.size])
        return abs(body.centre[0] - ref[1].centre[0]) / size > self.options.max_speed * dt

    def jumped(self, body: Body, t: float) -> bool:
        """Whether ``body`` at ``t`` s moved faster than a person can from the recent bodies;
        if so, start following the body before the jump."""
        ref = self._reference(t)
        if ref is None or not self._too_fast(ref, body, t):
            return False
        self.following, self._seen_t, self.wide = ref[1], ref[0], False
        self.release(following=True)
        self.jumps += 1
        return True

    def accept(self, body: Body, t: float) -> None:
        """Record the followed person's body at ``t`` s."""
        self._recent.append((t, body))
        self._last = (t, body)
        if self.following is not None:
            self.following, self._seen_t = body, t

    def follow(self, body: Body, t: float) -> None:
        """Follow ``body``, found at ``t`` s outside the full-frame tracker (a person too small
        in the picture for it): looked for in :meth:`search_box` from the next frame on."""
        self.release(following=True)
        self.following, self._seen_t, self.wide = body, t, True
        self.accept(body, t)

    def search_box(self, scale: float = 1.0) -> tuple[int, int, int, int]:
        """Pixel box ``(x0, y0, x1, y1)`` around the followed person's last box, in the image;
        ``scale``: pixels per unit of :attr:`image_size` (the frame's height when the guard
        works in heights, so a frame sent smaller or larger keeps whom it follows)."""
        assert self.following is not None
        x0, y0, x1, y1 = (v * scale for v in self.following.box)
        m = self.options.margin * self.following.size * scale
        w, h = (v * scale for v in self.image_size)
        return (int(max(0, x0 - m)), int(max(0, y0 - m)),
                int(min(w, np.ceil(x1 + m))), int(min(h, np.ceil(y1 + m))))  # fmt: skip

    def is_followed(self, body: Body, t: float) -> bool:
        """Whether ``body`` found at ``t`` s can be the followed person (not too fast)."""
        assert self.following is not None
        return not self._too_fast((self._seen_t, self.following), body, t)

    def agrees(self, found: Body, body: Body) -> bool:
        """Whether the full-frame tracker's ``body`` is the followed person ``found`` again."""
        return found.distance(body) <= self.options.agree

    def release(self, *, following: bool = False) -> None:
        """Stop following (the tracker agrees again, or the person is gone); forget the
        recent bodies either way."""
        if not following:
            self.following, self.wide = None, False
        self._recent.clear()
        self._last = None

    def gone(self, t: float) -> bool:
        """Whether the followed person has not been found for ``lost_s`` seconds."""
        return self.following is not None and t - self._seen_t > self.options.lost_s
