"""A session's timeline: idle segments, pauses at the top and reps, each rep's phase
0 -> 1 -> 0 (min-jerk, with pauses), and per-rep parameters held over each rep's frames."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


def min_jerk(x: np.ndarray) -> np.ndarray:
    return x**3 * (10 - 15 * x + 6 * x**2)


def _rep_phase(rng: np.random.Generator, fps: float, tempo: float) -> tuple[np.ndarray, int, int]:
    """One rep's phase 0 -> 1 -> 0 with pauses; returns (phase, bottom index, length)."""
    down = max(tempo * rng.uniform(0.38, 0.55), 0.35)
    up = max(tempo * rng.uniform(0.3, 0.45), 0.3)
    pause = tempo - down - up
    pause_b = max(pause * rng.uniform(0.2, 0.8), 0.0) if rng.random() < 0.7 else 0.0
    nd, nu, nb = (
        max(int(round(down * fps)), 6),
        max(int(round(up * fps)), 6),
        int(round(pause_b * fps)),
    )
    desc = min_jerk(np.linspace(0, 1, nd, endpoint=False))
    asc = min_jerk(np.linspace(1, 0, nu + 1))
    ph = np.concatenate([desc, np.ones(nb + 1), asc])
    bottom = nd + nb // 2
    return ph, bottom, len(ph)


def hold(params: list[dict[str, float]], spans: list[tuple[int, int]], n: int,
         fill: dict[str, float]) -> dict[str, np.ndarray]:  # fmt: skip
    """Per-rep parameters held over each rep's frames, ``fill`` elsewhere, then smoothed."""
    out: dict[str, np.ndarray] = {}
    for key in fill:
        arr = np.full(n, fill[key], dtype=float)
        for prm, (s, e) in zip(params, spans, strict=True):
            arr[s:e] = prm[key]
        # the values between reps are the neighbouring reps' (no jump at the top)
        if spans:
            arr[: spans[0][0]] = params[0][key]
            for (_, e0), (s1, _), p0 in zip(spans[:-1], spans[1:], params[:-1], strict=True):
                arr[e0:s1] = p0[key]
            arr[spans[-1][1] :] = params[-1][key]
        k = 7
        pad = np.pad(arr, k, mode="edge")
        out[key] = np.convolve(pad, np.ones(2 * k + 1) / (2 * k + 1), mode="same")[k:-k]
    return out


@dataclass
class Timeline:
    """A session's frames in order, as segments: idle ones (walking in, standing, setting up,
    resting), pauses at the top (``"top"``) and reps (``"rep"``), at ``fps``."""

    fps: float
    #: (kind, n_frames) of every segment, in order
    segments: list[tuple[str, int]] = field(default_factory=list)
    #: (start, bottom, end) frame of each rep
    reps: list[tuple[int, int, int]] = field(default_factory=list)
    #: (start, end, kind) of each idle segment
    idle: list[tuple[int, int, str]] = field(default_factory=list)
    parts: list[np.ndarray] = field(default_factory=list, repr=False)
    n_frames: int = 0

    def add_idle(self, kind: str, seconds: float) -> None:
        k = self._add_still(kind, seconds)
        self.idle.append((self.n_frames - k, self.n_frames, kind))

    def add_top(self, seconds: float) -> None:
        self._add_still("top", seconds)

    def _add_still(self, kind: str, seconds: float) -> int:
        k = max(int(round(seconds * self.fps)), 1)
        self.parts.append(np.zeros(k))
        self.segments.append((kind, k))
        self.n_frames += k
        return k

    def add_rep(self, rng: np.random.Generator, tempo: float) -> None:
        ph, bottom, k = _rep_phase(rng, self.fps, tempo)
        self.parts.append(ph)
        self.segments.append(("rep", k))
        self.reps.append((self.n_frames, self.n_frames + bottom, self.n_frames + k - 1))
        self.n_frames += k

    def phase(self) -> np.ndarray:
        """``(T,)`` in [0, 1]: 0 at the top (and idle), 1 at the bottom of a rep."""
        return np.concatenate(self.parts) if self.parts else np.zeros(1)

    def __len__(self) -> int:
        """``T``, the length of :meth:`phase` (one frame when there is nothing)."""
        return max(self.n_frames, 1)

    def rep_spans(self) -> list[tuple[int, int]]:
        """(start, end + 1) of each rep."""
        return [(s, e + 1) for s, _, e in self.reps]

    def framed(self) -> np.ndarray:
        """``(T,)`` bool: frames the camera frames (not while walking in from outside)."""
        framed = np.ones(len(self), bool)
        for s_, e_, kind in self.idle:
            if kind == "walk_in":
                framed[s_:e_] = False  # the person walks in from outside the picture
        return framed


def plan_session(sets: Sequence[int], rng: np.random.Generator, *, fps: float,
                 tempo: tuple[float, float], idle: bool) -> Timeline:  # fmt: skip
    """The timeline of ``sets`` (reps per set): walking in, standing and setting up first
    (``idle``), a rest between sets, pauses at the top between some reps, each rep
    ``tempo`` (low, high) seconds long."""
    tempo_lo, tempo_hi = tempo
    t = Timeline(fps=fps)
    if idle:
        t.add_idle("walk_in", rng.uniform(1.2, 2.5))
        t.add_idle("standing", rng.uniform(0.8, 2.0))
        t.add_idle("setup", rng.uniform(1.0, 2.0))
    for si, n_set in enumerate(sets):
        if si > 0:
            t.add_idle("setup_out", rng.uniform(0.8, 1.5))
            t.add_idle("resting", rng.uniform(2.0, 4.0))
            t.add_idle("setup", rng.uniform(1.0, 2.0))
        t.add_top(rng.uniform(0.3, 0.8))
        for _ in range(n_set):
            t.add_rep(rng, rng.uniform(tempo_lo, tempo_hi))
            if rng.random() < 0.4:
                t.add_top(rng.uniform(0.1, 0.8))
        t.add_top(rng.uniform(0.3, 0.8))
    if idle:
        t.add_idle("setup_out", rng.uniform(0.8, 1.5))
        t.add_idle("resting", rng.uniform(1.0, 2.5))
    return t
