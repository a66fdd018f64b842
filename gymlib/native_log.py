"""MediaPipe's and TensorFlow's native start-up log kept off the user's screen (issue 41).

When MediaPipe's graph starts, TensorFlow Lite prints "INFO: Created TensorFlow Lite XNNPACK
delegate for CPU." and absl prints a few warnings, straight to file descriptor 2: in a notebook
ipykernel shows them as a pink stderr box, in a terminal they land inside the progress bar.
TFLite's minimal logger reads no setting (``TF_CPP_MIN_LOG_LEVEL`` and ``GLOG_minloglevel`` do
not reach it), so descriptor 2 itself is filtered: it goes through a pipe whose reader drops these
known info and warning lines and passes everything else (errors, a crash's last words, other
libraries) on to where descriptor 2 went before. Progress bars (tqdm's ``\\r`` updates) pass at
once: only text from a possible notice's start to its line end is held back.

``GYMLIB_NATIVE_LOG=all`` (or a CLI's ``--verbose``) leaves descriptor 2 alone: everything shows.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading
from typing import Any

#: Native lines that say nothing to a user: TFLite's INFO lines, absl's "before InitializeLog"
#: notice, absl's INFO and WARNING lines (``W0000 00:00:17.. 123 file.cc:45] ...``) and
#: TensorFlow's notice, logged as an error on CPUs without AVX-512, that it falls back from
#: oneDNN's half-precision kernels (the classifier computes in float32: nothing is lost).
NOISE = re.compile(
    rb"^(INFO: |WARNING: All log messages before absl::InitializeLog\(\)|[IW]\d{4} \S+ +\d+ \S+\]"
    rb"|\S+ \S+: E tensorflow/core/util/util\.cc:\d+\] oneDNN supports DT_HALF only)"
)
#: Where such a line may start (also inside a progress bar's line): text from here is held until
#: its ``\n`` and then judged by ``NOISE``; everything else passes on at once.
START = re.compile(rb"INFO: |WARNING: All log|[IWE]\d{4} \d|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
#: A held line longer than this is no native notice: passed on rather than held for ever.
MAX_HELD = 4096
#: The environment variable that shows everything (``all``), for a bug report.
ENV = "GYMLIB_NATIVE_LOG"

_lock = threading.Lock()
_installed: list[Any] = []  # once installed: the descriptor the lines go to, the reader thread


def filter_native_stderr() -> None:
    """Route file descriptor 2 through the filter (once per process; later calls do nothing)."""
    with _lock:
        if _installed:
            return
        target = os.dup(2)
        read, write = os.pipe()
        os.dup2(write, 2)
        os.close(write)
        reader = threading.Thread(target=_forward, args=(read, target), daemon=True,
                                  name="native-stderr-filter")  # fmt: skip
        _installed.extend((target, reader))
    reader.start()
    atexit.register(_restore)


def quiet_native_log(verbose: bool = False) -> bool:
    """For a CLI's ``main``: filter descriptor 2 unless ``verbose`` or ``GYMLIB_NATIVE_LOG=all``.
    Returns whether the filter is on."""
    if verbose or os.environ.get(ENV, "").lower() == "all":
        return False
    filter_native_stderr()
    return True


#: The sentence a CLI's ``--verbose`` help gives.
VERBOSE_HELP = (f"also show MediaPipe's and TensorFlow's native start-up notices (hidden by "
                f"default; or set {ENV}=all)")  # fmt: skip


def _restore() -> None:
    """At exit: descriptor 2 back as it was, and what is still in the pipe (a traceback printed
    just before exit) passed on before the process ends."""
    target, reader = _installed
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os.dup2(target, 2)  # closes the pipe's only writer here: the reader sees its end
    reader.join(timeout=1.0)  # a child still holding the pipe must not hold up the exit


class LineFilter:
    """The filter's state between reads: ``feed`` returns what passes on now."""

    def __init__(self) -> None:
        self.held = b""  # from a possible notice's start; no "\n" in it yet

    def feed(self, chunk: bytes) -> bytes:
        data, self.held, out, pos = self.held + chunk, b"", bytearray(), 0
        while (start := START.search(data, pos)) is not None:
            out += data[pos : start.start()]
            end = data.find(b"\n", start.start())
            if end < 0:
                self.held = data[start.start() :]
                if len(self.held) > MAX_HELD:
                    out, self.held = out + self.held, b""
                return bytes(out)
            line = data[start.start() : end + 1]
            if not NOISE.match(line):
                out += line
            pos = end + 1
        return bytes(out + data[pos:])

    def close(self) -> bytes:
        """What is still held, at the end (unless a notice)."""
        held, self.held = self.held, b""
        return b"" if NOISE.match(held) else held


def _forward(read: int, target: int) -> None:
    lines = LineFilter()
    with os.fdopen(read, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            if kept := lines.feed(chunk):
                _write(target, kept)
        if kept := lines.close():
            _write(target, kept)


def _write(target: int, data: bytes) -> None:
    """Pass ``data`` on; if the old stderr is gone (closed, a broken pipe) it is dropped, and
    the reader goes on draining: a dead reader closes the pipe, and every later write to
    descriptor 2 fails (a BrokenPipeError from ``print(..., file=sys.stderr)``)."""
    try:
        os.write(target, data)
    except OSError:
        pass
