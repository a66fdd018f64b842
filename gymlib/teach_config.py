"""How :mod:`gymlib.teach` finds a new exercise's signal and makes its windows (``teach`` in
config.yaml), validated on load by :mod:`gymlib.config` and held as
:attr:`gymlib.config.Config.teach`; the teach functions take it as ``opts``.

Here, not in :mod:`gymlib.teach`, so that the config can hold it typed without importing the
teach package (whose store imports the config). Why each value is what it is: docs/teach.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TeachConfig:
    """``teach`` in config.yaml: the teach package's tuning (defaults: the values it was tuned
    with, see docs/teach.md)."""

    # the clip (gymlib.teach.load_clip): a person in at least this share of its frames
    min_person: float = field(default=0.5, metadata={"range": (0.0, 1.0)})
    # the taught exercise's counter: a rep goes this far of the taught depth (``reach``) and the
    # person has left the exercise past this many times it (``abort_beyond``; another camera
    # may show a larger swing than the taught one)
    reach: float = field(default=0.5, metadata={"range": (0.01, 1.0)})
    abort_beyond: float = field(default=4.0, metadata={"range": (1.0, 100.0)})
    # the counting signal (gymlib.teach.signal): a rep's least swing by the measure's unit
    # (degrees; anything else), a swing under clear_swing times it scores less, a 2-D joint
    # angle's weight against heights and slopes, the least clean cycles and score, the most
    # unseen frames, and (several clips) the least share of each clip's own best score
    min_swing_deg: float = field(default=15.0, metadata={"range": (0.0, 180.0)})
    min_swing_other: float = field(default=0.12, metadata={"range": (0.0, 10.0)})
    clear_swing: float = field(default=3.0, metadata={"range": (1.0, 100.0)})
    angle_weight: float = field(default=0.8, metadata={"range": (0.0, 1.0)})
    min_cycles: int = field(default=3, metadata={"range": (1, 100)})
    min_score: float = field(default=0.2, metadata={"range": (0.0, 1.0)})
    max_unseen: float = field(default=0.3, metadata={"range": (0.0, 1.0)})
    own_share: float = field(default=0.6, metadata={"range": (0.0, 1.0)})
    # the learned projection (gymlib.teach.projection): its least swing, in bone lengths
    learned_min_swing: float = field(default=0.1, metadata={"range": (0.0, 10.0)})
    # the taught windows (gymlib.teach.classifier): the reps at these tempos cut every
    # ``stride`` frames, and ``copies`` other bodies filmed from other angles every
    # ``copy_stride`` frames
    tempos: tuple[float, ...] = (0.7, 0.85, 1.0, 1.2, 1.45)
    stride: int = field(default=10, metadata={"range": (1, 30)})
    copies: int = field(default=80, metadata={"range": (0, 10000)})
    copy_stride: int = field(default=10, metadata={"range": (1, 30)})
    # lifting the clip to 3-D (gymlib.teach.retarget): the share of a bone's length its depth
    # leaves out, the ankle height under which a foot is on the floor, and two arms that mirror
    # each other (their heights apart by at most mirror_fit of a bone) take depth from each other
    dead_zone: float = field(default=0.7, metadata={"range": (0.0, 1.0)})
    floor: float = field(default=0.04, metadata={"range": (0.0, 1.0)})
    symmetric_arms: bool = True
    mirror_fit: float = field(default=0.25, metadata={"range": (0.0, 10.0)})
    # the retrained classifier: a warning when more than this share of the new windows lie
    # nearer another kind's, and the counter's check on confirm_clips clips of
    # confirm_seconds each
    lookalike: float = field(default=0.8, metadata={"range": (0.0, 1.0)})
    confirm_clips: int = field(default=3, metadata={"range": (1, 100)})
    confirm_seconds: float = field(default=8.0, metadata={"range": (1.0, 600.0)})

    def __post_init__(self) -> None:
        if not self.tempos or any(not 0.1 <= t <= 10.0 for t in self.tempos):
            raise ValueError(f"tempos: {list(self.tempos)}; give one or more between 0.1 and 10")


#: the defaults (what a function given no options uses)
TEACH_DEFAULTS = TeachConfig()
