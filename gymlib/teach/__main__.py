"""``python -m gymlib.teach``: teach, list and forget exercises (see :mod:`gymlib.teach`)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from gymlib.config import ConfigError


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("GLOG_minloglevel", "2")
    from gymlib.extract import PoseModelUnavailable
    from gymlib.native_log import VERBOSE_HELP, quiet_native_log
    from gymlib.teach import Store, TeachError, commit, forget, preview, propose

    ap = argparse.ArgumentParser(
        prog="python -m gymlib.teach",
        description="Teach the coach a new exercise from a recording.",
    )
    ap.add_argument("name", nargs="?", help="the new exercise's name (snake_case)")
    ap.add_argument("clips", nargs="*", help="videos or landmark .npz files, 3+ reps each")
    ap.add_argument("--store", default=None, help="store folder (default data/taught)")
    ap.add_argument("--replace", action="store_true", help="teach an already taught name again")
    ap.add_argument("--dry-run", action="store_true", help="show what was found; write nothing")
    ap.add_argument("--list", action="store_true", help="list the taught exercises")
    ap.add_argument("--forget", metavar="NAME", help="remove a taught exercise")
    ap.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    args = ap.parse_args(argv)
    quiet_native_log(args.verbose)
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
