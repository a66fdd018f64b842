"""The live session's settings (``live`` in config.yaml, with ``live.decision``), validated on
load by :mod:`gymlib.config` and held as :attr:`gymlib.config.Config.live`.

Here, not in :mod:`gymlib.session` or :mod:`gymlib.decision`, so that the config can hold them
typed without importing the session (which imports the config).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DecisionConfig:
    """``live.decision`` in config.yaml: how windows' evidence is weighed (see module doc)."""

    evidence: float = field(default=0.5, metadata={"range": (0.01, 1.0)})
    floor: float = field(default=0.02, metadata={"range": (1e-6, 0.2)})
    set_s: float = field(default=60.0, metadata={"range": (1.0, 3600.0)})
    rest_s: float = field(default=20.0, metadata={"range": (0.5, 3600.0)})
    switch: float = field(default=0.02, metadata={"range": (0.0, 1.0)})
    name_at: float = field(default=0.9, metadata={"range": (0.5, 0.9999)})
    hold_at: float = field(default=0.5, metadata={"range": (0.0, 0.9999)})
    # the stance (gymlib.stance): moves evidence between squat and split squat only
    stance_knee: float = field(default=0.3, metadata={"range": (0.01, 5.0)})
    stance_heel: float = field(default=0.16, metadata={"range": (0.01, 5.0)})
    stance_gain: float = field(default=5.0, metadata={"range": (0.0, 100.0)})
    stance_up: float = field(default=6.0, metadata={"range": (0.0, 20.0)})
    stance_down: float = field(default=1.5, metadata={"range": (0.0, 20.0)})
    stance_trust: float = field(default=0.5, metadata={"range": (0.0, 1.0)})

    def __post_init__(self) -> None:
        if self.hold_at > self.name_at:
            raise ValueError(f"hold_at ({self.hold_at}) must not exceed name_at ({self.name_at})")


@dataclass(frozen=True)
class FramingConfig:
    """``live.framing`` in config.yaml: when a part the exercise reads is out of the picture
    (:mod:`gymlib.framing`)."""

    window_s: float = field(default=3.0, metadata={"range": (0.5, 60.0)})
    on_share: float = field(default=0.5, metadata={"range": (0.01, 1.0)})
    off_share: float = field(default=0.2, metadata={"range": (0.0, 1.0)})
    report_s: float = field(default=2.0, metadata={"range": (0.0, 3600.0)})
    likely_at: float = field(default=0.5, metadata={"range": (0.0, 1.0)})
    min_person_px: float = field(default=70.0, metadata={"range": (0.0, 10_000.0)})
    person_px_margin: float = field(default=10.0, metadata={"range": (0.0, 1_000.0)})

    def __post_init__(self) -> None:
        if self.off_share >= self.on_share:
            raise ValueError(f"off_share ({self.off_share}) must be below on_share "
                             f"({self.on_share})")  # fmt: skip


@dataclass(frozen=True)
class LiveConfig:
    """``live`` in config.yaml: how the session recognises and holds the exercise."""

    classify_every: int = field(default=10, metadata={"range": (1, 30)})
    unknown_after_s: float = field(default=4.0, metadata={"range": (0.5, 60.0)})
    min_person_frames: int = field(default=20, metadata={"range": (1, 30)})
    replay_s: float = field(default=10.0, metadata={"range": (0.0, 30.0)})
    doubt_after_s: float = field(default=4.0, metadata={"range": (0.0, 60.0)})
    decision: DecisionConfig = DecisionConfig()
    framing: FramingConfig = FramingConfig()
