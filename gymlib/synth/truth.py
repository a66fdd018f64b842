"""What a generated clip is: the exercises and their form errors, each rep's truth, the clip.

The vocabulary the project shares (:data:`EXERCISES`, :data:`EXERCISE_ERRORS`), :class:`RepTruth`,
:class:`SyntheticClip`, and :func:`draw_errors`, which checks or draws the errors of each rep.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gymlib.config import SEED_EXERCISES
from gymlib.synth.camera import Camera

#: The six exercises in the seed's class order (one list for the whole project).
EXERCISES: tuple[str, ...] = SEED_EXERCISES

#: Labelled form errors each exercise can carry (names shared with the rules in config.yaml).
EXERCISE_ERRORS: dict[str, tuple[str, ...]] = {
    "squat": ("shallow", "knees_past_toes"),
    "split_squat": ("shallow", "knees_past_toes"),
    "push_up": ("shallow", "hips_sagging", "hips_piking", "elbows_flaring"),
    "pull_up": ("chin_not_over_bar", "bent_body"),
    "lat_machine": ("shallow", "torso_back", "torso_forward"),
    "bench_press": ("shallow", "elbows_flaring"),
}
ERROR_NAMES: tuple[str, ...] = tuple(sorted({e for v in EXERCISE_ERRORS.values() for e in v}))
_EXCLUSIVE = ({"hips_sagging", "hips_piking"}, {"torso_back", "torso_forward"})


@dataclass(frozen=True)
class RepTruth:
    """One repetition: frames ``start`` (leaves the top), ``bottom`` (turning point), ``end``."""

    start: int
    bottom: int
    end: int
    errors: tuple[str, ...] = ()
    rom: float = 1.0  # depth reached as a fraction of a full rep

    @property
    def good(self) -> bool:
        return not self.errors


@dataclass
class SyntheticClip:
    """A generated session. ``landmarks`` is float32 ``(T, 33, 4)`` in MediaPipe's format."""

    landmarks: np.ndarray
    fps: float
    exercise: str
    view: str
    reps: list[RepTruth]
    idle: list[tuple[int, int, str]]
    image_size: tuple[int, int]
    mirrored: bool
    seed: int
    camera: dict[str, float] = field(default_factory=dict)
    body: dict[str, float] = field(default_factory=dict)
    #: Noise-free world joints ``(T, 33, 3)`` in metres (y up, subject's left +z, facing +x) and
    #: the camera that took the clip; kept only when asked (``keep_world=True``), for rendering.
    world: np.ndarray | None = field(default=None, repr=False)
    camera_model: Camera | None = field(default=None, repr=False)

    @property
    def n_frames(self) -> int:
        return len(self.landmarks)

    @property
    def aspect(self) -> float:
        return self.image_size[0] / self.image_size[1]

    @property
    def timestamps(self) -> np.ndarray:
        return np.arange(self.n_frames) / self.fps

    def rep_mask(self) -> np.ndarray:
        """``(T,)`` bool: frames inside a rep."""
        m = np.zeros(self.n_frames, bool)
        for r in self.reps:
            m[r.start : r.end + 1] = True
        return m

    def idle_mask(self) -> np.ndarray:
        m = np.zeros(self.n_frames, bool)
        for s, e, _ in self.idle:
            m[s:e] = True
        return m

    def truth_dict(self) -> dict[str, Any]:
        """Ground truth as plain JSON-able data."""
        return {
            "exercise": self.exercise,
            "fps": self.fps,
            "view": self.view,
            "image_size": list(self.image_size),
            "mirrored": self.mirrored,
            "seed": self.seed,
            "reps": [
                {
                    "start": r.start,
                    "bottom": r.bottom,
                    "end": r.end,
                    "errors": list(r.errors),
                    "rom": round(r.rom, 4),
                }
                for r in self.reps
            ],  # fmt: skip
            "idle": [{"start": s, "end": e, "kind": k} for s, e, k in self.idle],
            "camera": self.camera,
            "body": self.body,
        }


def draw_errors(exercise: str, errors: Any, n_total: int, rng: np.random.Generator,
                error_rate: float) -> list[tuple[str, ...]]:  # fmt: skip
    allowed = EXERCISE_ERRORS[exercise]

    def check(names: Sequence[str]) -> tuple[str, ...]:
        for name in names:
            if name not in ERROR_NAMES:
                raise ValueError(f"unknown error name {name!r}; known: {list(ERROR_NAMES)}")
            if name not in allowed:
                raise ValueError(
                    f"error {name!r} does not apply to {exercise}; it can have {list(allowed)}"
                )
        for group in _EXCLUSIVE:
            if len(group & set(names)) > 1:
                raise ValueError(f"errors {sorted(group)} exclude each other in one rep")
        return tuple(names)

    if errors is None:
        out = []
        for _ in range(n_total):
            if rng.random() < error_rate:
                out.append(check((allowed[int(rng.integers(0, len(allowed)))],)))
            else:
                out.append(())
        return out
    if isinstance(errors, str):
        raise ValueError(
            f"errors must be a list of names or a list per rep, got the string {errors!r}"
        )
    errors = list(errors)
    if all(isinstance(e, str) for e in errors):  # [] = every rep good
        return [check(errors)] * n_total  # the same errors on every rep
    if len(errors) != n_total:
        raise ValueError(
            f"errors per rep: expected {n_total} entries (one per rep), got {len(errors)}"
        )
    return [check(list(e)) for e in errors]
