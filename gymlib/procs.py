"""Processes: whether the one that wrote something is still alive (a pid alone is not enough,
as containers and long uptimes reuse pids; the pid with the time it started, Linux's ``/proc``,
is), and a command's SIGTERM taken as its Ctrl-C (:func:`sigterm_as_stop`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class Terminated(KeyboardInterrupt):
    """SIGTERM (``timeout``, ``docker stop``, a job scheduler) while a command runs."""


def _terminate(signum: int, frame: Any) -> None:
    raise Terminated("SIGTERM")


@contextlib.contextmanager
def sigterm_as_stop() -> Iterator[None]:
    """SIGTERM stops the command as Ctrl-C does (raising :class:`Terminated`, a
    ``KeyboardInterrupt``), and the handler before is put back after; one ignored stays
    ignored; off the main thread, nothing changes."""
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGTERM) is signal.SIG_IGN):  # fmt: skip
        yield
        return
    before = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


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
