"""Are the parts of the body an exercise is measured by in the picture? The live loop's framing
stage, and the spells ``analyze`` reports.

MediaPipe does not drop a joint that leaves the picture: it guesses where it is, with
coordinates beyond the picture's edge (below 0 or above 1 of its width or height). The rep
counter and the form rules then read a guessed leg or arm: with the shins cut off, 3 of 10 real
squats and split squats were counted right (docs/real_footage.md). The check reads those
coordinates, not MediaPipe's visibility, which is under 0.5 in most frames of clips counted
right (a side view's far ankle).

The parts are those at the ends of the limbs each exercise's counting signal reads (``rules``
in config.yaml): the feet for squats and split squats (the hips' height over the ankles, the
knee's angle), the hands for pull-ups, lat pull-downs and bench presses (the elbow's angle) and
both for push-ups (the elbow, and the body's line to the ankles). A pull-up's feet may hang
out of the picture: they are not read. On a pull-up or a lat pull-down the hands reach above the
head at every rep's top: the head out of the picture's top means the hands are out too, even
where MediaPipe guesses them inside (it did on a real lat pull-down cut at the shoulders). A
taught exercise gets no check: its measure may read any joint (:mod:`gymlib.teach`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from gymlib.landmarks import L
from gymlib.live_config import FramingConfig
from gymlib.model import OTHER, UNKNOWN

#: the joints of each part, by name
PARTS: dict[str, tuple[L, ...]] = {
    "feet": (L.LEFT_ANKLE, L.RIGHT_ANKLE),
    "hands": (L.LEFT_WRIST, L.RIGHT_WRIST),
}

#: the parts each exercise's count reads (see the module's doc)
NEEDED: dict[str, tuple[str, ...]] = {
    "squat": ("feet",),
    "split_squat": ("feet",),
    "push_up": ("hands", "feet"),
    "pull_up": ("hands",),
    "lat_machine": ("hands",),
    "bench_press": ("hands",),
}

#: the exercises whose hands go above the head (the nose stands in for them: see the module doc)
OVERHEAD = frozenset({"pull_up", "lat_machine"})

#: what to do, by the edge the part left the picture by
ADVICE = {
    "bottom": "step back or aim the camera lower",
    "top": "step back or aim the camera higher",
    # the picture's left and right (as the user sees it): which way to move differs between
    # a camera watched (mirrored) and one not, so the advice names no direction
    "left": "step back or move to the middle of the picture",
    "right": "step back or move to the middle of the picture",
}

#: the picture's sides swapped, as a mirrored view shows them
MIRROR = {"left": "right", "right": "left"}


@dataclass(frozen=True)
class Spell:
    """A time a part stayed out of the picture while an exercise read it (seconds)."""

    part: str
    exercise: str
    edge: str  # "bottom", "top", "left" or "right" (of the picture): where most of it left
    start: float
    end: float

    def shown(self, mirrored: bool = False) -> str:
        """The hint shown and spoken while it lasts, for a picture the user sees ``mirrored``
        (the dashboard's selfie view: what left the picture at its left as filmed leaves it
        at the right there)."""
        edge = MIRROR.get(self.edge, self.edge) if mirrored else self.edge
        return f"Your {self.part} are out of the {_where(edge)} - {ADVICE[self.edge]}"

    def as_row(self) -> dict[str, object]:
        return {"part": self.part, "exercise": self.exercise, "edge": self.edge,
                "start_s": round(self.start, 2), "end_s": round(self.end, 2)}  # fmt: skip

    def report(self) -> str:
        """``analyze``'s warning for it."""
        return (f"your {self.part} were out of the {_where(self.edge)} from {self.start:.1f} s to "
                f"{self.end:.1f} s ({self.exercise}): the pose model only guesses them there, so "
                f"the count and the verdicts may be wrong; {ADVICE[self.edge]}")  # fmt: skip


def joints(part: str, exercise: str) -> tuple[L, ...]:
    """The joints that tell whether ``part`` is in the picture while ``exercise`` is done."""
    overhead = part == "hands" and exercise in OVERHEAD
    return PARTS[part] + ((L.NOSE,) if overhead else ())


def edge_of(xy: np.ndarray) -> str | None:
    """Where the points ``(K, 2)`` (x, y as shares of the picture) are out of the picture, the
    one furthest out: "bottom", "top", "left", "right"; None when all are in it."""
    beyond = {
        "bottom": float(np.max(xy[:, 1])) - 1.0,
        "top": -float(np.min(xy[:, 1])),
        "left": -float(np.min(xy[:, 0])),
        "right": float(np.max(xy[:, 0])) - 1.0,
    }
    edge = max(beyond, key=lambda k: beyond[k])
    return edge if beyond[edge] > 0 else None


def person_pixels(landmarks: np.ndarray, detected: np.ndarray,
                  size: tuple[int, int]) -> float | None:  # fmt: skip
    """How large the person is in the picture, in pixels: per frame the larger of the
    landmarks' extents across and down (``landmarks`` ``(T, 33, 4)``, x and y as shares of the
    picture of ``size`` (width, height)), the median over the ``detected`` ``(T,)`` frames;
    None when nobody was seen. The pose model works on the person's part of the picture scaled
    to its own input size: fewer pixels than it holds are blown up, and their detail is gone."""
    return seen_pixels([f for f, d in zip(landmarks, detected, strict=True) if d], size)


def seen_pixels(poses: Sequence[np.ndarray | None], size: tuple[int, int]) -> float | None:
    """:func:`person_pixels` of a stream's frames (``poses``: each ``(33, 4)`` or None: nobody),
    one at a time (an hour of frames is not copied together)."""
    scale = np.asarray(size, float)
    extents = [float(np.max((p[:, :2].max(axis=0) - p[:, :2].min(axis=0)) * scale))
               for p in poses if p is not None]  # fmt: skip
    return float(np.median(extents)) if extents else None


#: ``analyze``'s warning when nobody was found in any frame
NOBODY = (
    "no person was found in any frame: nothing could be counted; film the whole body, "
    "in good light, near enough that it fills a good part of the picture"
)


#: the live hint for a person under ``min_person_px`` (a constant text: the voice's repeat rule
#: holds it back, as for any hint, where a text with the size in it would change every frame)
SMALL = "You are small in the picture - come closer, or choose a larger camera size"


def size_warning(px: float, min_px: float) -> str | None:
    """``analyze``'s warning for a person ``px`` pixels across in a video (:func:`seen_pixels`),
    when under ``min_px``."""
    if px >= min_px:
        return None
    return (f"the person is only about {px:.0f} pixels across in this video's picture (the pose "
            f"model needs about {min_px:.0f} or more: smaller, it loses them and misses reps); "
            "film closer or at a higher resolution")  # fmt: skip


def doing(exercise: str, probabilities: Mapping[str, float], likely_at: float) -> str:
    """The exercise whose parts matter now: the one named, else the classifier's likeliest when
    it is an exercise at least ``likely_at`` likely (a set whose feet are cut off may never be
    named); else ``unknown`` (nothing read: standing about, walking in)."""
    if exercise != UNKNOWN or not probabilities:
        return exercise
    top = max(probabilities, key=lambda k: probabilities[k])
    return top if top != OTHER and probabilities[top] >= likely_at else UNKNOWN


class FramingWatch:
    """Per frame, whether the parts the exercise reads are in the picture; a hint once a part
    has been out of it in ``on_share`` of the last ``window_s`` seconds' frames (held until the
    share falls to ``off_share``). Time is the frames' own: the same at any frame rate. An
    exercise that does not read the part or reads it by other joints, or a clock going back (a
    new stream), starts its count afresh. Frames with nobody seen or no exercise known add
    nothing (the count ages): no hint shows while nobody is seen, and none begins then.

    Given the picture's size, also whether the person is large enough in it for the pose model
    (:func:`seen_pixels`, the median over the last ``window_s`` seconds under ``min_person_px``,
    held until ``person_px_margin`` past it: the :data:`SMALL` hint, shown when no part's is;
    any exercise or none)."""

    def __init__(self, config: FramingConfig | None = None, *, mirrored: bool = False) -> None:
        self.cfg = config or FramingConfig()
        self.mirrored = mirrored  # the user sees the picture mirrored: sides named as seen
        self._seen: dict[str, deque[tuple[float, str | None]]] = {p: deque() for p in PARTS}
        self._reading: dict[str, tuple[L, ...]] = {}  # the joints each part's count is of
        self._open: dict[str, Spell] = {}  # the parts out now, with when it began
        self._last_t = -np.inf
        self._closed_at: dict[str, float] = {}  # where each part's last spell ended
        self.spells: list[Spell] = []  # the spells that ended
        self._sizes: deque[tuple[float, float]] = deque()  # (t, the person's pixels)
        self._too_small = False  # the SMALL hint is on

    def update(self, landmarks: np.ndarray | None, exercise: str, t: float,
               size: tuple[int, int] | None = None) -> str | None:  # fmt: skip
        """``landmarks`` ``(33, 4)`` (None: nobody seen) of the frame at ``t`` s, while
        ``exercise`` is done (:func:`doing`; ``unknown``: not known), in a picture of ``size``
        (width, height; None: not known, the person's size is not judged); the hint to show."""
        if t < self._last_t:
            self.finish()
        self._last_t = t
        small = self._small(landmarks, t, size)
        known = landmarks is not None and exercise != UNKNOWN
        for part, seen in self._seen.items():
            reads = joints(part, exercise) if part in NEEDED.get(exercise, ()) else ()
            if known and self._reading.get(part, reads) != reads:  # other joints, or none
                self._forget(part)
            if known and reads:
                self._reading[part] = reads
                seen.append((t, edge_of(landmarks[list(reads), :2])))
            while seen and seen[0][0] < t - self.cfg.window_s:
                seen.popleft()
            self._judge(part, exercise, t, known and bool(reads))
        hints = [s.shown(self.mirrored) for s in self._open.values()] + ([SMALL] if small else [])
        return hints[0] if hints and landmarks is not None else None

    def _small(self, landmarks: np.ndarray | None, t: float, size: tuple[int, int] | None) -> bool:
        """Whether the person has been under ``min_person_px`` over the last ``window_s``
        (half of it seen at least, as for a part)."""
        if landmarks is not None and size is not None:
            self._sizes.append((t, seen_pixels([landmarks], size) or 0.0))
        while self._sizes and self._sizes[0][0] < t - self.cfg.window_s:
            self._sizes.popleft()
        if not self._sizes or self._sizes[-1][0] - self._sizes[0][0] < self.cfg.window_s / 2:
            self._too_small = False
            return False
        px = float(np.median([px for _, px in self._sizes]))
        # once said, it holds until clearly past the bound: a person at it does not flicker it
        bound = self.cfg.min_person_px + (self.cfg.person_px_margin if self._too_small else 0.0)
        self._too_small = px < bound
        return self._too_small

    def _judge(self, part: str, exercise: str, t: float, fresh: bool) -> None:
        """Open, extend or close ``part``'s spell; ``fresh``: a frame was added now."""
        seen = self._seen[part]
        span = seen[-1][0] - seen[0][0] if seen else 0.0
        edges = [e for _, e in seen if e is not None]
        share = len(edges) / len(seen) if seen else 0.0
        spell = self._open.get(part)
        if spell is not None and share <= self.cfg.off_share:
            self._close(part)
        # half a window seen at least: a hint needs that much evidence
        elif spell is None and fresh and span >= self.cfg.window_s / 2 \
                and share >= self.cfg.on_share:  # fmt: skip
            began = next(when for when, e in seen if e is not None)
            began = max(began, self._closed_at.get(part, began))  # after the last one's end
            self._open[part] = Spell(part, exercise, _most(edges), began, t)
        elif spell is not None and fresh and seen[-1][1] is not None:  # out now
            self._open[part] = Spell(part, spell.exercise, _most(edges), spell.start, t)

    def _forget(self, part: str) -> None:
        """``part``'s count starts afresh (its open spell ends)."""
        self._seen[part].clear()
        self._reading.pop(part, None)
        self._close(part)

    def _close(self, part: str) -> None:
        if part in self._open:
            spell = self._open.pop(part)  # ends where it was last seen out
            self.spells.append(spell)
            self._closed_at[part] = spell.end

    def finish(self) -> list[Spell]:
        """The stream ended (or a camera cut: another scene): every spell so far, the open ones
        closed where they were last seen out."""
        for part in PARTS:
            self._forget(part)
        self._closed_at.clear()
        self._sizes.clear()
        return list(self.spells)

    def so_far(self) -> list[Spell]:
        """Every spell up to now, the open ones as far as they go, in time order."""
        return sorted([*self.spells, *self._open.values()], key=lambda s: s.start)

    def reported(self) -> list[Spell]:
        """The spells that lasted ``report_s`` or more, in time order."""
        return [s for s in self.so_far() if s.end - s.start >= self.cfg.report_s]


def _where(edge: str) -> str:
    """The picture, or its side edge: top and bottom are plain, the sides are not."""
    return f"picture at the {edge}" if edge in ("left", "right") else "picture"


def _most(edges: list[str]) -> str:
    """The edge most of a part's frames out left by."""
    return max(sorted(set(edges)), key=edges.count)
