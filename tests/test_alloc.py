"""The allocator setting that keeps freed memory for numpy's next array (gymlib.alloc)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gymlib.alloc import keep_freed_memory

pytestmark = pytest.mark.unit

# Make and free arrays of a generated clip's size; print the page faults of the second round.
CHURN = """
import resource, sys
import numpy as np
from gymlib.alloc import keep_freed_memory
tuned = keep_freed_memory() if sys.argv[1] == "tune" else None
def churn():
    for _ in range(100):
        a = np.ones((900, 33, 3)); b = a * 2.0; c = b + a; del a, b, c
churn()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
churn()
print(tuned, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _churn(mode: str, **env: str) -> tuple[str, int]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True,
                         env={**clean, **env}, check=True, timeout=120)  # fmt: skip
    tuned, faults = out.stdout.split()
    return tuned, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_memory_is_reused_without_page_faults() -> None:
    tuned, faults = _churn("tune")
    assert tuned == "True"
    _, default_faults = _churn("default")
    # 100 rounds of three 0.7 MB arrays touch about 51,000 pages; kept memory needs none of them
    assert faults < 500 < default_faults


def test_a_users_own_malloc_setting_is_left_alone() -> None:
    tuned, _ = _churn("tune", MALLOC_TRIM_THRESHOLD_="131072")
    assert tuned == "False"


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="mmap_mb=64, trim_mb=32"):
        keep_freed_memory(trim_mb=32, mmap_mb=64)
