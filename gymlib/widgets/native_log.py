"""MediaPipe's native start-up log kept out of the notebook (issue 41).

When MediaPipe's graph starts, TensorFlow Lite prints "INFO: Created TensorFlow Lite XNNPACK
delegate for CPU." and absl prints a few warnings, straight to file descriptor 2. ipykernel
forwards that descriptor to the notebook, where it shows as a pink stderr box above the
dashboard. TFLite's minimal logger reads no setting (``TF_CPP_MIN_LOG_LEVEL`` and
``GLOG_minloglevel`` do not reach it), so descriptor 2 itself is filtered: it goes through a pipe
whose reader drops these known info and warning lines and passes everything else (errors, a
crash's last words, other libraries) on to where descriptor 2 went before.
"""

from __future__ import annotations

import atexit
import os
import re
import sys
import threading
from typing import Any

import numpy as np

from gymlib.extract import PoseExtractor

#: Native lines that say nothing to a user: TFLite's INFO lines, absl's "before InitializeLog"
#: notice, absl's INFO and WARNING lines (``W0000 00:00:17.. 123 file.cc:45] ...``) and
#: TensorFlow's notice, logged as an error on CPUs without AVX-512, that it falls back from
#: oneDNN's half-precision kernels (the classifier computes in float32: nothing is lost).
NOISE = re.compile(
    rb"^(INFO: |WARNING: All log messages before absl::InitializeLog\(\)|[IW]\d{4} \S+ +\d+ \S+\]"
    rb"|\S+ \S+: E tensorflow/core/util/util\.cc:\d+\] oneDNN supports DT_HALF only)"
)

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


def _forward(read: int, target: int) -> None:
    with os.fdopen(read, "rb", buffering=0) as pipe:
        pending = b""
        while chunk := pipe.read(65536):
            *lines, pending = (pending + chunk).split(b"\n")
            kept = b"".join(line + b"\n" for line in lines if not NOISE.match(line))
            if kept:
                _write(target, kept)
        if pending and not NOISE.match(pending):
            _write(target, pending)


def _write(target: int, data: bytes) -> None:
    """Pass ``data`` on; if the old stderr is gone (closed, a broken pipe) it is dropped, and
    the reader goes on draining: a dead reader closes the pipe, and every later write to
    descriptor 2 fails (a BrokenPipeError from ``print(..., file=sys.stderr)``)."""
    try:
        os.write(target, data)
    except OSError:
        pass


def start_pose(extractor: PoseExtractor) -> PoseExtractor:
    """Open ``extractor`` and start its graph on a blank frame, with the filter in place: the
    start-up log is dropped now, and the first camera frame does not wait for the graph to
    start. No timestamp is given, so the live frames' clock starts with them."""
    filter_native_stderr()
    extractor.open()
    extractor.process(np.zeros((64, 64, 3), np.uint8))
    return extractor
