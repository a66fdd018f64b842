"""Atomic file writes: nothing a user recorded or trained is half-written or silently replaced."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np


def user_path(text: str) -> str:
    """A path as typed at a command line, ``~`` expanded: the shell leaves ``--out=~/x`` and a
    quoted ``'~/x'`` as they are, and a folder named ``~`` made in the working folder is one a
    later ``rm -rf ~`` would take the home folder with. (argparse's ``type=``.)"""
    return os.path.expanduser(text)


@contextlib.contextmanager
def atomic_path(path: str | Path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``.

    With ``overwrite=False`` an existing ``path`` raises :class:`FileExistsError` before anything
    is written. On any error the temporary file is removed and ``path`` is left as it was.
    The temporary name keeps the suffix of ``path`` so writers that infer a format from it
    (``np.savez``, Keras ``.keras``, OpenCV ``.mp4``) still work.
    """
    target = Path(path)
    if not overwrite and target.exists():
        raise FileExistsError(f"{target} already exists; refusing to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix
    )
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a saved file gets the usual mode
    try:
        yield tmp
        if overwrite:
            os.replace(tmp, target)
        else:
            _publish_new(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _publish_new(tmp: Path, target: Path) -> None:
    """Give ``tmp`` the name ``target`` unless that name is taken, in one step: a hard link
    fails on a taken name, where a look then a rename would replace a file another process
    wrote between the two (two saves of the same second)."""
    taken = f"{target} appeared while writing; refusing to overwrite it"
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise FileExistsError(taken) from None
    except OSError:  # a file system without hard links (FAT, some network shares)
        if target.exists():
            raise FileExistsError(taken) from None
        os.replace(tmp, target)


def fresh_path(folder: str | Path, stem: str, suffix: str = "") -> Path:
    """``folder/<stem>-<UTC time><suffix>``, with ``-1``, ``-2``... added while that name is
    taken: a new recording, session or run never lands on an old one."""
    import datetime

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S")
    base = f"{stem}-{stamp}" if stem else stamp
    path, k = Path(folder) / f"{base}{suffix}", 1
    while os.path.lexists(path):  # a link to nothing takes the name too
        path = Path(folder) / f"{base}-{k}{suffix}"
        k += 1
    return path


def fresh_folder(folder: str | Path, stem: str) -> Path:
    """:func:`fresh_path`'s folder, made: two processes asking in the same second (two
    retrains) each get one of their own, where a name looked up and made later may be both's.
    ``folder`` itself that cannot be made (a file, a link to nothing) raises."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    while True:
        path = fresh_path(folder, stem)
        try:
            path.mkdir()
            return path
        except FileExistsError:
            if not os.path.lexists(path):  # not a name taken: nothing a next name mends
                raise


def write_bytes_atomic(path: str | Path, data: bytes, *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


def write_bytes_new(names: Iterable[str | Path], data: bytes) -> Path:
    """Write ``data`` under the first of ``names`` not taken, each name taken in one step (two
    writers never share one). A name that fails for another reason than being taken (its folder
    cannot be made) raises: a next name would not mend it."""
    for path in names:
        try:
            return write_bytes_atomic(path, data, overwrite=False)
        except FileExistsError:
            if not os.path.lexists(path):
                raise
    raise FileExistsError("every name offered is taken")


def write_text_atomic(path: str | Path, text: str, *, overwrite: bool = True) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"), overwrite=overwrite)


def write_json_atomic(path: str | Path, obj: Any, *, overwrite: bool = True) -> Path:
    """JSON with sorted keys and numpy scalars/arrays converted to plain Python."""
    return write_text_atomic(
        path, json.dumps(obj, indent=2, sort_keys=True, default=_json_default) + "\n",
        overwrite=overwrite,
    )  # fmt: skip


def save_npz_atomic(path: str | Path, *, overwrite: bool = True, **arrays: Any) -> Path:
    """``np.savez_compressed`` through a temporary file and a rename."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)
    return Path(path)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def sha256_of(path: str | Path) -> str:
    """The sha256 hex digest of a file, read in 1 MB blocks (model files are tens of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
