"""The counter's settings (``reps`` in config.yaml), validated on load by :mod:`gymlib.config`
and held as :attr:`gymlib.config.Config.reps`."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gymlib.configbase import ConfigError

if TYPE_CHECKING:
    from gymlib.config import Config


@dataclass(frozen=True)
class RepConfig:
    """Counter settings (``reps`` in config.yaml), shared by every exercise."""

    smoothing_s: float = field(default=0.1, metadata={"range": (0.0, 2.0)})
    leave_top: float = field(default=0.1, metadata={"range": (0.01, 0.9)})
    reach: float = field(default=0.22, metadata={"range": (0.02, 1.5)})
    return_frac: float = field(default=0.35, metadata={"range": (0.0, 0.9)})
    abort_beyond: float = field(default=1.8, metadata={"range": (1.0, 10.0)})
    min_rep_s: float = field(default=0.6, metadata={"range": (0.05, 10.0)})
    max_rep_s: float = field(default=8.0, metadata={"range": (0.5, 120.0)})
    settle_s: float = field(default=1.0, metadata={"range": (0.0, 30.0)})
    early_start: bool = True
    gate_grace_s: float = field(default=0.5, metadata={"range": (0.0, 10.0)})
    max_gap_s: float = field(default=1.0, metadata={"range": (0.0, 60.0)})
    cut_speed: float = field(default=5.0, metadata={"range": (0.5, 100.0)})
    cut_step: float = field(default=10.0, metadata={"range": (1.5, 1000.0)})
    cut_step_window_s: float = field(default=0.1, metadata={"range": (0.01, 2.0)})
    cut_step_floor: float = field(default=0.01, metadata={"range": (0.0001, 1.0)})
    cut_step_pairs: int = field(default=2, metadata={"range": (1, 100)})
    view_margin: float = field(default=8.0, metadata={"range": (0.0, 30.0)})
    max_foot_drift: float = field(default=0.35, metadata={"range": (0.01, 20.0)})
    drift_window_s: float = field(default=1.0, metadata={"range": (0.1, 10.0)})
    max_zoom: float = field(default=0.2, metadata={"range": (0.01, 20.0)})
    max_rep_step: float = field(default=0.5, metadata={"range": (0.01, 20.0)})
    walk_upright: float = field(default=2.2, metadata={"range": (0.0, 10.0)})
    walk_torso: float = field(default=0.5, metadata={"range": (-1.0, 1.0)})
    walk_speed: float = field(default=0.15, metadata={"range": (0.0, 20.0)})
    max_turn: float = field(default=30.0, metadata={"range": (1.0, 90.0)})
    hold_s: float = field(default=0.3, metadata={"range": (0.05, 10.0)})
    max_rep_zoom: float = field(default=0.4, metadata={"range": (0.01, 5.0)})
    top_follow_s: float = field(default=3.0, metadata={"range": (0.1, 120.0)})
    bottom_band: float = field(default=0.15, metadata={"range": (0.0, 0.9)})
    warning_on_s: float = field(default=0.3, metadata={"range": (0.0, 10.0)})
    warning_off_s: float = field(default=2.0, metadata={"range": (0.0, 30.0)})
    scale_window_s: float = field(default=6.0, metadata={"range": (0.5, 60.0)})
    scale_shrink: float = field(default=0.85, metadata={"range": (0.1, 0.99)})
    scale_shrink_s: float = field(default=0.7, metadata={"range": (0.05, 10.0)})
    one_scale_share: float = field(default=0.5, metadata={"range": (0.0, 1.0)})
    setup_depth: float = field(default=0.65, metadata={"range": (0.0, 1.0)})
    setup_slow: float = field(default=3.5, metadata={"range": (1.0, 100.0)})
    setup_pause_reps: float = field(default=0.5, metadata={"range": (0.0, 100.0)})
    setup_pause: float = field(default=3.0, metadata={"range": (0.0, 100.0)})
    setup_pause_s: float = field(default=1.0, metadata={"range": (0.0, 60.0)})
    setup_min_reps: int = field(default=3, metadata={"range": (2, 1000)})

    def __post_init__(self) -> None:
        if not self.leave_top < self.reach:
            raise ConfigError(
                f"reps.leave_top ({self.leave_top}) must be below reps.reach ({self.reach})"
            )
        if not self.min_rep_s < self.max_rep_s:
            raise ConfigError(
                f"reps.min_rep_s ({self.min_rep_s}) must be below "
                f"reps.max_rep_s ({self.max_rep_s})"
            )


def load_rep_config(cfg: Config | None = None) -> RepConfig:
    """``reps`` of a config (the repository's when None), checked at load: now
    :attr:`Config.reps`."""
    from gymlib.config import load_config  # the config holds this module's type: no circle

    return (cfg or load_config()).reps


@functools.cache
def default_rep_config() -> RepConfig:
    return load_rep_config()
