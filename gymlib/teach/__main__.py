"""``python -m gymlib.teach``: teach, list and forget exercises (see :mod:`gymlib.teach`)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from gymlib.config import ConfigError
from gymlib.io import user_path
from gymlib.procs import Terminated, sigterm_as_stop


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GLOG_minloglevel", "2")
    from gymlib.native_log import VERBOSE_HELP, quiet_native_log

    ap = argparse.ArgumentParser(
        prog="python -m gymlib.teach",
        description="Teach the coach a new exercise from a recording.",
    )
    ap.add_argument("name", nargs="?", help="the new exercise's name (snake_case)")
    ap.add_argument("clips", nargs="*", type=user_path,
                    help="videos or landmark .npz files, 3+ reps each")  # fmt: skip
    ap.add_argument("--store", default=None, type=user_path,
                    help="store folder (default data/taught)")  # fmt: skip
    ap.add_argument("--replace", action="store_true", help="teach an already taught name again")
    ap.add_argument("--dry-run", action="store_true", help="show what was found; write nothing")
    ap.add_argument("--list", action="store_true", help="list the taught exercises")
    ap.add_argument("--forget", metavar="NAME", help="remove a taught exercise")
    ap.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    args = ap.parse_args(argv)
    quiet_native_log(args.verbose)
    try:
        with sigterm_as_stop():
            return _run(args, ap)
    except KeyboardInterrupt as stop:  # Ctrl-C, SIGTERM: a teach is written whole or not at all
        how = "stopped (SIGTERM)" if isinstance(stop, Terminated) else "interrupted"
        print(f"{how}: a teach or forget is written whole or not at all (--list shows the "
              "store as it is)", file=sys.stderr)  # fmt: skip
        return 143 if isinstance(stop, Terminated) else 130


def _run(args: argparse.Namespace, ap: argparse.ArgumentParser) -> int:
    from gymlib.extract import PoseModelUnavailable
    from gymlib.teach import Store, TeachError, commit, forget, preview, propose

    try:
        store = Store(args.store)
        if args.list:
            taught = store.taught()
            print(json.dumps(taught, indent=2) if taught else f"no exercise taught yet in "
                  f"{store.root} (teach one: python -m gymlib.teach NAME CLIP)")  # fmt: skip
            return 0
        if args.forget:
            print(json.dumps(forget(args.forget, store=store), indent=2))
            return 0
        if not args.name or not args.clips:
            ap.error("give NAME and at least one CLIP (or --list / --forget NAME)")
        proposal = propose(args.name, args.clips, store=store, replace=args.replace)
        print(json.dumps(proposal.summary(), indent=2))
        if args.dry_run:
            return 0
        result = commit(proposal)
        fig = preview(proposal, store.root / "preview" / f"{args.name}.png")
        del fig
        print(json.dumps(result, indent=2))
    except (TeachError, ValueError, ConfigError, OSError, PoseModelUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
