"""Stage 1, signal -> smoothed progress: each frame's measures as progress through the rep.

Progress is a fraction of the configured range (``rules.<exercise>.signal``): 0 at ``top``,
1 at ``bottom``. With several signals, the furthest one is the rep's progress and the nearest
one tells the start position (one signal near its top is enough: a camera can cut off or
foreshorten the other). Both are smoothed by exponential averages with a time constant. A
signal limited to some camera views (``views:``) is read only in those.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from gymlib.reps.series import EPS_S, ema_weight
from gymlib.rules import view_category

# one signal this long far past its bottom: leaving the exercise, not a rep
BEYOND_S = 0.3

#: per signal: its column in a live row, top, bottom - top, abort_beyond, the views it is read
#: in (None: every view)
Signal = tuple[int, float, float, float, frozenset[str] | None]


def reads(views: frozenset[str] | None, view: str | None) -> bool:
    """Whether a signal limited to ``views`` is read in ``view`` (None: not known, read)."""
    return views is None or view is None or view in views


class Progress:
    """Smoothed progress of the furthest (``ema``) and the nearest (``ema_near``) signal."""

    def __init__(
        self, signals: Sequence[Signal], smoothing_s: float, view_margin: float = 0.0
    ) -> None:
        self.signals = list(signals)
        self.smoothing_s = smoothing_s
        self.view_margin = view_margin
        self.reset()

    def reset(self) -> None:
        self.ema = math.nan
        self.ema_near = math.nan  # the nearest of the signals to their top, smoothed
        self.last_seen = -math.inf  # time a signal was last seen
        self.first_seen = math.nan  # time the signal was first seen
        self.beyond_since = math.nan  # time one signal went far past its bottom
        self.view: str | None = None  # the view the view-limited signals are read in
        # per signal: added to its progress since it joined (see rejoin), and whether it is
        # a joined signal's (taken again at each held start position, see retop)
        self.offsets = [0.0] * len(self.signals)
        self.joined = [False] * len(self.signals)

    def see_view(self, yaw: float, in_rep: bool = False) -> str | None:
        """The view for view-limited signals at the camera's ``yaw`` (degrees, smoothed): a view
        is taken only once the yaw is ``view_margin`` inside it (until then None: every signal
        read), and kept until the yaw is that far inside another, so a signal does not come
        and go (the progress jumping by the signals' difference) while the yaw hovers at a
        border (a 45-degree camera reads 23-36 degrees on generated sessions).
        ``in_rep``: no signal joins mid-rep (a view reading a signal the current one does not
        is not taken): it was not read at the rep's top, so its progress is not this rep's;
        the hips over the feet of a split stance seen from behind read far above their top,
        the knees near theirs, and knees joining mid-rep hid the hips' way back up (generated
        back-view sessions). A signal may leave: seen edge-on it is no longer the bend."""
        view = view_category(yaw)
        m = self.view_margin
        if view is not None and view_category(yaw - m) == view_category(yaw + m):
            if not in_rep or self._reads_no_more(view):
                self.view = view
        return self.view

    def _reads_no_more(self, view: str) -> bool:
        """Every signal read in ``view`` is read in the current view."""
        return all(reads(v, self.view) for *_, v in self.signals if reads(v, view))

    def reads_other(self, a: str | None, b: str | None) -> bool:
        """Whether views ``a`` and ``b`` read different signals."""
        return any(reads(v, a) != reads(v, b) for *_, v in self.signals)

    def raw(self, vals: Sequence[float], view: str | None) -> tuple[float, float]:
        """The furthest and the nearest signal read in ``view`` (NaN: none seen)."""
        far = near = math.nan
        for (col, top, span, _, views), off in zip(self.signals, self.offsets, strict=True):
            prog = (vals[col] - top) / span + off
            if prog == prog and reads(views, view):
                far = prog if far != far else max(far, prog)
                near = prog if near != near else min(near, prog)
        return far, near

    def rejoin(self, vals: Sequence[float], before: str | None, view: str | None) -> None:
        """The view changed from ``before`` to ``view``: a signal that joins has no top of its
        own yet, and the body did not move as it joined, so it joins at the progress the others
        read (an offset it keeps while read, until the start position is held: see retop); one
        that leaves drops its offset."""
        far, _ = self.raw(vals, before)
        for i, (col, top, span, _, views) in enumerate(self.signals):
            if not reads(views, view):
                self.offsets[i], self.joined[i] = 0.0, False
            elif not reads(views, before):
                prog = (vals[col] - top) / span
                self.offsets[i] = far - prog if far == far and prog == prog else 0.0
                self.joined[i] = True

    def retop(self, vals: Sequence[float], view: str | None) -> bool:
        """The person holds the start position: every signal is at the rep's top, so a joined
        signal's own top is here, where it reads what the others (read since the start) read.
        Its offset from the join (taken wherever the view changed: walking in, turning, mid-set)
        is taken again here. Returns whether an offset was taken."""
        base = math.nan
        for (col, top, span, _, views), joined in zip(self.signals, self.joined, strict=True):
            prog = (vals[col] - top) / span
            if not joined and prog == prog and reads(views, view):
                base = prog if base != base else max(base, prog)
        taken = False
        for i, (col, top, span, _, views) in enumerate(self.signals):
            prog = (vals[col] - top) / span
            if self.joined[i] and base == base and prog == prog and reads(views, view):
                self.offsets[i], taken = base - prog, True
        return taken

    def shift(self, d: float, d_near: float) -> None:
        """Re-express the smoothed progress in other signals (see RepCounter._reread)."""
        self.ema += d
        self.ema_near += d_near

    def observe(self, vals: Sequence[float], now: float, view: str | None = None) -> float:
        """One frame's live row at ``now`` seconds, seen from ``view`` (``front``, ``diagonal``,
        ``side``; None: not known); returns its raw (unsmoothed) progress."""
        # progress: the furthest of the signals seen; one signal far past the bottom for a
        # while: leaving the exercise (e.g. letting go of the bar), even if another signal
        # looks like a rep
        p_raw = near = math.nan
        far = False
        for (col, top, span, abort, views), off in zip(self.signals, self.offsets, strict=True):
            prog = (vals[col] - top) / span
            if prog == prog and reads(views, view):
                p_raw = prog + off if p_raw != p_raw else max(p_raw, prog + off)
                near = prog + off if near != near else min(near, prog + off)
                far = far or prog > abort  # (far past the bottom as measured)
        if not far:
            self.beyond_since = math.nan
        elif self.beyond_since != self.beyond_since:
            self.beyond_since = now
        if p_raw == p_raw:
            # (since the signal was last seen: a frame without it adds nothing)
            a = ema_weight(now - self.last_seen, self.smoothing_s)
            self.ema = p_raw if self.ema != self.ema else self.ema + a * (p_raw - self.ema)
            self.ema_near = (
                near
                if self.ema_near != self.ema_near
                else (self.ema_near + a * (near - self.ema_near))
            )
            self.last_seen = now
            if self.first_seen != self.first_seen:
                self.first_seen = now
        return p_raw

    def far_past(self, now: float) -> bool:
        """One signal has been far past its bottom for ``BEYOND_S``: leaving the exercise."""
        return now - self.beyond_since >= BEYOND_S - EPS_S
