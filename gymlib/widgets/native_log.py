"""MediaPipe's native start-up log kept out of the notebook (issue 41): the filter itself is
:mod:`gymlib.native_log` (the CLIs use it too); here the live coach's pose start with it."""

from __future__ import annotations

import numpy as np

from gymlib.extract import PoseExtractor
from gymlib.native_log import NOISE, _installed, filter_native_stderr  # noqa: F401 - kept here


def start_pose(extractor: PoseExtractor) -> PoseExtractor:
    """Open ``extractor`` and start its graph on a blank frame, with the filter in place: the
    start-up log is dropped now, and the first camera frame does not wait for the graph to
    start. No timestamp is given, so the live frames' clock starts with them."""
    filter_native_stderr()
    extractor.open()
    extractor.process(np.zeros((64, 64, 3), np.uint8))
    return extractor
