"""Check that teaching finds and makes the same across a change that should not alter it.

``--save FILE`` teaches three generated clips (a front raise from 45 degrees, jumping jacks, a
shrug, which only the learned projection counts) into a temporary store without training:
:func:`gymlib.teach.propose`'s entry and :func:`gymlib.teach.classifier.taught_windows`' windows
and groups, each digested (sha256); ``--check FILE`` makes them again and prints each clip and
item that differs, and the count. Run ``--save`` with the old code (``git archive`` of the old
commit on ``PYTHONPATH``), ``--check`` with the new. About a minute a run.

    OMP_NUM_THREADS=1 PYTHONPATH=OLD .venv/bin/python benchmarks/teach_identical.py --save T.json
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/teach_identical.py --check T.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def digests() -> dict[str, dict[str, object]]:
    from gymlib.synth import generate_other
    from gymlib.synth.moves import generate_movement
    from gymlib.teach import Clip, Store, propose
    from gymlib.teach.classifier import taught_windows

    clips = {
        "front_raise": generate_movement("front_raise", 8, seed=5, view="left45"),
        "jumping_jack": generate_other(
            "jumping_jack", 20.0, seed=3, view="left45", depth="mediapipe"
        ),  # fmt: skip
        "shrug": generate_movement("shrug", 6, seed=100, view="front"),
    }
    sha = lambda b: hashlib.sha256(b).hexdigest()[:16]  # noqa: E731
    out: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp)
        for name, c in clips.items():
            p = propose(name, [Clip(c.landmarks, c.fps, c.aspect, name)], store=store)
            windows, groups = taught_windows(p.clips, p.found.reps, name)
            out[name] = {
                "entry": sha(json.dumps(p.entry, sort_keys=True, default=str).encode()),
                "windows": sha(windows.tobytes()),
                "groups": sha("".join(groups).encode()),
                "count": len(windows),
            }
            print(name, out[name], flush=True)
    return out


def main() -> None:
    from gymlib.benchtools import digests_differ

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path)
    mode.add_argument("--check", type=Path)
    args = ap.parse_args()
    found = digests()
    if args.save:
        args.save.write_text(json.dumps(found, indent=1))
        print(f"{len(found)} clips digested into {args.save}")
        return
    print(f"{len(found)} clips, {digests_differ(found, args.check)} items differ")


if __name__ == "__main__":
    main()
