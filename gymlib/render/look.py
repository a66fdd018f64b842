"""A clip's look: body shape, clothes, room and light, all drawn from the seed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_SHIRTS = ((40, 90, 170), (170, 40, 50), (30, 30, 35), (230, 230, 225), (60, 130, 80),
           (120, 120, 125), (240, 150, 40), (90, 60, 140))  # fmt: skip
_BOTTOMS = ((25, 25, 30), (50, 55, 80), (90, 90, 95), (20, 40, 90), (110, 80, 60))
_SKINS = ((240, 200, 170), (225, 175, 140), (190, 140, 100), (140, 95, 65), (95, 65, 45))
_ROOMS = ((215, 205, 185), (200, 205, 210), (170, 175, 170), (235, 232, 225), (120, 115, 110),
          (190, 170, 150))  # fmt: skip
_FLOORS = ((120, 100, 80), (90, 90, 95), (60, 65, 70), (150, 130, 110), (40, 45, 50))


@dataclass(frozen=True)
class Look:
    """Everything about a clip's appearance that is not the motion."""

    phenotype: dict[str, float]  # anny sliders in [0, 1]
    shirt: tuple[int, int, int]
    bottoms: tuple[int, int, int]
    skin: tuple[int, int, int]
    shoes: tuple[int, int, int]
    background: tuple[int, int, int]
    floor: tuple[int, int, int]
    long_sleeves: bool
    long_trousers: bool
    equipment: tuple[int, int, int]  # bench / seat colour
    light: float  # key light intensity
    light_yaw: float  # degrees

    @classmethod
    def sample(cls, rng: np.random.Generator) -> Look:
        def pick(options: Sequence[tuple[int, int, int]]) -> tuple[int, int, int]:
            return tuple(int(c) for c in options[int(rng.integers(len(options)))])  # type: ignore[return-value]

        return cls(
            phenotype={
                "gender": float(rng.uniform(0, 1)),
                "age": float(rng.uniform(0.4, 0.9)),
                "muscle": float(rng.uniform(0.25, 0.8)),
                "weight": float(rng.uniform(0.2, 0.75)),
                "height": float(rng.uniform(0.2, 0.9)),
                "proportions": float(rng.uniform(0.3, 0.7)),
            },
            shirt=pick(_SHIRTS),
            bottoms=pick(_BOTTOMS),
            skin=pick(_SKINS),
            shoes=pick(((235, 235, 235), (30, 30, 30), (200, 60, 60), (80, 80, 160))),
            background=pick(_ROOMS),
            floor=pick(_FLOORS),
            equipment=pick(((35, 35, 40), (120, 30, 30), (60, 60, 70), (20, 50, 90))),
            long_sleeves=bool(rng.random() < 0.3),
            long_trousers=bool(rng.random() < 0.4),
            light=float(rng.uniform(2.0, 4.5)),
            light_yaw=float(rng.uniform(-70, 70)),
        )
