"""``python -m gymlib.render``: see :mod:`gymlib.render.cli`."""

from gymlib.render.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
