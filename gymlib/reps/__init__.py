"""Repetition counting with a verdict per rep: a smoothed signal, hysteresis, an idle gate.

The seed counted a rep at every not-correct -> correct colour change, so a person walking in,
setting up or resting made phantom reps, and jitter near a threshold added more. Here a rep is
counted only when the exercise's signal (``rules.<exercise>.signal`` in config.yaml) goes from the
top, past ``reach`` of the configured range, and back to the top, within ``min_rep_s`` to
``max_rep_s``, while the person is in the exercise's start posture and not walking about (and the
classifier, when one is used, says this exercise). Progress is measured as a fraction of the
configured range: 0 at ``signal.top``, 1 at ``signal.bottom``.

Two interfaces give the same reps on the same input (tested)::

    reps = count_reps(landmarks, "squat", fps=30, timestamps=t)  # (T, 33, 4), (T,) -> list[Rep]
    counter = RepCounter("squat", fps=30)
    for frame, t in zip(landmarks, timestamps):                  # (33, 4) or None, seconds
        feedback = counter.update(frame, t)                      # CounterFeedback

No I/O and no clock inside: every duration (smoothing, gates, windows, tempo) comes from the
frames' timestamps, so a camera that slows down or drops frames changes only the smoothness.
Without timestamps a frame's time is its index divided by ``fps``.

The counter is a few small stages, one module each (``counter.py`` runs them in order):

- :mod:`gymlib.reps.progress`: the exercise's signals -> smoothed progress;
- :mod:`gymlib.reps.gate`: the idle gate (walking, turning, stepping towards the camera);
- :mod:`gymlib.reps.machine`: the rep state machine (hysteresis on the progress);
- :mod:`gymlib.reps.verdict`: a finished rep's boundaries, end checks and judgement;
- :class:`gymlib.reps.events.WarningDebounce`: live warnings held and released in time;
- :mod:`gymlib.reps.setup`: offline, set-up movements at a set's ends;
- :mod:`gymlib.reps.whole`: :func:`count_reps`, a whole sequence through the same counter.
"""

from gymlib.reps.config import RepConfig, default_rep_config, load_rep_config
from gymlib.reps.counter import RepCounter
from gymlib.reps.events import CounterFeedback, FormWarning, Rep, WarningDebounce
from gymlib.reps.feet import Feet
from gymlib.reps.setup import joined_sets, setup_of_sets, setup_reps
from gymlib.reps.whole import count_reps


def __getattr__(name: str) -> type:
    """``Warning``, the old name of :class:`FormWarning` (renamed so it no longer hides
    Python's own ``Warning``), still imports for code written before."""
    if name == "Warning":
        return FormWarning
    raise AttributeError(f"module 'gymlib.reps' has no attribute {name!r}")


__all__ = [
    "Feet",
    "CounterFeedback",
    "Rep",
    "RepConfig",
    "RepCounter",
    "FormWarning",
    "WarningDebounce",
    "count_reps",
    "default_rep_config",
    "joined_sets",
    "load_rep_config",
    "setup_of_sets",
    "setup_reps",
]
