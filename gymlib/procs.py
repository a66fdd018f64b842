"""Whether the process that wrote something is still alive: a pid alone is not enough, as
containers and long uptimes reuse pids; the pid with the time it started (Linux's ``/proc``) is.
"""

from __future__ import annotations

import os
from pathlib import Path


def started(pid: int) -> int:
    """When process ``pid`` started (clock ticks since boot, Linux's ``/proc``); 0 unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2 :].split()[19])  # field 22: starttime
    except (OSError, ValueError, IndexError):
        return 0


def running(pid: int, since: int | None = None) -> bool:
    """Whether process ``pid`` is alive and, where ``since`` is known, the same process (it
    started then: :func:`started`)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        pass
    now = started(pid)
    return not (since and now and now != since)
