"""The store: everything taught, in one folder beside (never inside) the shipped files.

    <store>/rules.yaml          the taught exercises' rules, config.yaml's ``rules`` schema
    <store>/taught.json         per exercise: clips, signal, when
    <store>/windows/<name>.npz  its classifier windows (the next retraining needs them)
    <store>/classifier.keras    the shipped recipe retrained with every taught exercise
                                (+ .json card, + .tflite)

The store's rules are read beside config.yaml's by the same parser
(:func:`gymlib.rules.parse_rules`): a taught exercise is one more entry of the rule table, with
the same validation, and the counter (:class:`gymlib.reps.RepCounter`) takes it like the six.
Add form checks to an exercise in ``rules.yaml`` by hand (``checks:``, as in config.yaml).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gymlib.config import Config, ConfigError, load_config
from gymlib.io import save_npz_atomic, write_json_atomic, write_text_atomic
from gymlib.rules import RuleBook, parse_rules

try:  # POSIX; elsewhere two teaches at once are not kept apart
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

RULES_HEADER = """\
# Exercises taught with `python -m gymlib.teach` (loaded beside config.yaml's rules; the shipped
# config.yaml is never edited). Same schema as config.yaml's `rules` section: add form checks
# under an exercise's `checks:` (see config.yaml for examples); `--forget NAME` removes one.
"""


#: what to do when a store's classifier and its records disagree (a teach that was stopped)
RETEACH = "teach them again with --replace, or --forget them (that retrains the classifier)"


def default_store(cfg: Config | None = None) -> Path:
    """``paths.store`` of config.yaml (``data/taught``, git-ignored)."""
    cfg = cfg or load_config()
    return cfg.resolve(getattr(cfg.paths, "store", Path("data/taught")))


def projection_name(exercise: str) -> str:
    """The measure name of an exercise's learned projection (:mod:`gymlib.teach.projection`)."""
    return f"{exercise}_pose"


def _put(user: dict[str, Any], name: str, entry: dict[str, Any]) -> None:
    """Put an exercise's entry into a rules mapping; its learned ``projection`` (if any) goes
    to the mapping's ``projections`` section, where the rule parser reads measures."""
    entry = dict(entry)
    projection = entry.pop("projection", None)
    user[name] = entry
    projections = dict(user.get("projections") or {})
    projections.pop(projection_name(name), None)
    if projection is not None:
        projections[projection_name(name)] = projection
    if projections:
        user["projections"] = projections
    else:
        user.pop("projections", None)


#: the longest name an exercise may be taught under: it names files (``windows/<name>.npz``,
#: written through a longer temporary name) and shows in the coach's labels
MAX_NAME = 64


class Store:
    """One folder of taught exercises (see the module doc)."""

    def __init__(self, root: str | Path | None = None, *, config: Config | None = None) -> None:
        self.cfg = config or load_config()
        self.root = Path(root) if root is not None else default_store(self.cfg)
        if self.root.exists() and not self.root.is_dir():
            raise NotADirectoryError(f"{self.root}: a store is a folder, this is a file")
        self.rules_path = self.root / "rules.yaml"
        self.index_path = self.root / "taught.json"
        self.classifier_path = self.root / "classifier.keras"

    # -------------------------------------------------------------------------------------------
    def user_rules(self) -> dict[str, Any]:
        """The store's rule entries as written (``{}`` when nothing is taught)."""
        if not self.rules_path.is_file():
            return {}
        try:
            data = yaml.safe_load(self.rules_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{self.rules_path}: not valid YAML: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("rules", {}), dict):
            raise ConfigError(f"{self.rules_path}: expected a mapping with a 'rules' section")
        return dict(data.get("rules") or {})

    def taught(self) -> dict[str, dict[str, Any]]:
        """Per taught exercise: its record (clips, signal, classifier windows, when)."""
        if not self.index_path.is_file():
            return {}
        try:
            index = json.loads(self.index_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{self.index_path}: damaged, not valid JSON ({exc}); restore it "
                              "or move the store aside and teach again") from None  # fmt: skip
        if not isinstance(index, dict) or not all(isinstance(v, dict) for v in index.values()):
            raise ConfigError(f"{self.index_path}: expected an object of taught exercises "
                              f"(name: record), got {type(index).__name__}")  # fmt: skip
        return index

    def exercises(self) -> tuple[str, ...]:
        return tuple(self.taught())

    def shipped_names(self) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(
                [
                    *self.cfg.exercises,
                    *(
                        k
                        for k in self.cfg.extra.get("rules", {})
                        if k not in ("angles", "projections")
                    ),
                ]
            )
        )

    def rulebook(self, extra: dict[str, Any] | None = None) -> RuleBook:
        """config.yaml's rule table with the store's exercises (and ``extra`` ones, whose
        entry may carry its learned ``projection``) added.

        A store entry may not reuse a shipped name: the shipped rules always win the name.
        """
        shipped = dict(self.cfg.extra.get("rules", {}))
        user = self.user_rules()
        for name, entry in (extra or {}).items():
            _put(user, name, entry)
        clash = sorted(set(user) & set(shipped) - {"projections"})
        if clash:
            raise ConfigError(
                f"{self.rules_path}: {clash} are shipped exercises; a store may only add new names"
            )
        return parse_rules({**shipped, **user}, f"rules (config.yaml + {self.rules_path})")

    def classifier(self) -> Any:
        """The store's classifier, or None when nothing taught has one."""
        taught = self.exercises()
        if not self.classifier_path.is_file():
            if taught:  # else the shipped classifier would quietly never pick them
                raise ConfigError(f"{self.root}: {list(taught)} are taught but the store "
                                  f"has no {self.classifier_path.name}; {RETEACH}")  # fmt: skip
            return None
        from gymlib.model import ExerciseClassifier

        clf = ExerciseClassifier.load(self.classifier_path)
        missing = [n for n in taught if n not in clf.classes]
        if missing:  # a teach stopped between its records and its classifier
            raise ConfigError(f"{self.classifier_path}: does not know {missing}, taught in "
                              f"{self.index_path.name}; {RETEACH}")  # fmt: skip
        return clf

    def windows(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The classifier windows ``(N, 30, 132)`` kept for a taught exercise, and their groups."""
        with np.load(self.root / "windows" / f"{name}.npz", allow_pickle=False) as d:
            return d["windows"], d["group"].astype(str)

    # -------------------------------------------------------------------------------------------
    def check_name(self, name: str, *, replace: bool = False) -> None:
        """A new exercise's name: snake_case, not a shipped one, not taught unless replacing."""
        if not name.isidentifier() or name != name.lower():
            raise ValueError(f"{name!r} is not a lower-case snake_case name (e.g. 'bicep_curl')")
        if len(name) > MAX_NAME:  # its files' names (and their temporary ones) must fit
            raise ValueError(f"{name[:20]}...: a name of {len(name)} characters; at most "
                             f"{MAX_NAME}")  # fmt: skip
        reserved = ("other", "unknown", "auto", "angles", "projections")
        if name in self.shipped_names() or name in reserved:
            raise ValueError(
                f"{name!r} is a shipped exercise (or a reserved word); choose "
                "another name - shipped exercises are never replaced"
            )
        if name in self.taught() and not replace:
            raise ValueError(
                f"{name!r} is taught already in {self.root}; pass --replace to "
                "teach it again, or --forget it first"
            )

    def write_exercise(
        self,
        name: str,
        entry: dict[str, Any],
        windows: np.ndarray,
        groups: np.ndarray,
        record: dict[str, Any],
    ) -> None:
        """Add or replace one exercise's rules, windows and record (each file written whole,
        rules validated with the shipped ones before they are written)."""
        user = self.user_rules()
        old = user.get(name) or {}
        if old.get("checks") and not entry.get("checks"):
            entry = {**entry, "checks": old["checks"]}  # checks the user added stay
        _put(user, name, entry)
        self.rulebook({name: entry})  # raises on a bad entry before anything is written
        self.root.mkdir(parents=True, exist_ok=True)
        save_npz_atomic(
            self.root / "windows" / f"{name}.npz",
            windows=windows,
            group=np.asarray(groups).astype(str),
        )
        self._write_rules(user)
        index = self.taught()
        index[name] = record
        write_json_atomic(self.index_path, index)

    def check_taught(self, name: str) -> None:
        """ValueError unless ``name`` is taught here (a rule entry alone counts: a teach stopped
        between rules.yaml and taught.json)."""
        if name not in self.taught() and (name not in self.user_rules() or name == "projections"):
            raise ValueError(
                f"{name!r} is not taught in {self.root}; taught: {list(self.taught()) or 'none'}"
            )

    def forget(self, name: str) -> None:
        """Remove a taught exercise (rules, windows, record); the caller retrains."""
        self.check_taught(name)
        user = self.user_rules()
        user.pop(name, None)
        (user.get("projections") or {}).pop(projection_name(name), None)
        if "projections" in user and not user["projections"]:
            user.pop("projections")
        self._write_rules(user)
        index = self.taught()
        if index.pop(name, None) is not None:
            write_json_atomic(self.index_path, index)
        (self.root / "windows" / f"{name}.npz").unlink(missing_ok=True)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Held by a teach or forget from reading the store to its last write: a second one
        waits (and says so on stderr), then trains on what the first wrote. Two at once each
        trained without the other's exercise, and the last classifier written lost the
        first's: every later analyze with the store refused it. Not re-entrant: a commit
        inside it would wait for itself."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OSError(f"{self.root}: the store cannot be written ({exc.strerror or exc}); "
                          "nothing was trained or changed") from None  # fmt: skip
        if fcntl is None:  # Windows: as before
            yield
            return
        fd = _locked(self.root)
        try:
            yield
        finally:
            if fd is not None:
                os.close(fd)

    def check_writable(self, nbytes: int) -> None:
        """OSError naming the store when ``nbytes`` cannot be written into it (a read-only or
        full disk): found before the minutes of training, not after them. What is written
        (windows, rules, the classifier's files) is checked for room by writing that much to a
        file nobody sees, then dropping it."""
        work = self.root / ".training"
        try:
            work.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=work) as fh:
                block = bytes(1 << 20)
                for start in range(0, nbytes, len(block)):
                    fh.write(block[: min(len(block), nbytes - start)])
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                work.rmdir()  # left as it was (the folder only goes if it is empty)
            raise OSError(f"{self.root}: the store cannot be written ({exc.strerror or exc}; "
                          f"{nbytes / 1e6:.1f} MB tried); nothing was trained or "
                          "changed") from None  # fmt: skip

    def drop_classifier(self) -> None:
        for f in self.root.glob(f"{self.classifier_path.stem}.*"):  # its manifest, .previous
            if f.is_file():
                f.unlink()

    def _write_rules(self, user: dict[str, Any]) -> None:
        body = yaml.safe_dump({"rules": user}, sort_keys=False, default_flow_style=None)
        write_text_atomic(self.rules_path, RULES_HEADER + body)


def _locked(root: Path) -> int | None:
    """An open descriptor holding an exclusive ``flock`` on the store ``root`` (the folder;
    where a folder cannot be locked, on NFS, a hidden ``.writing`` file in it), after waiting
    for whoever holds it; None, with a warning, where nothing can be locked."""
    for path, flags in ((root, os.O_RDONLY), (root / ".writing", os.O_RDWR | os.O_CREAT)):
        try:
            fd = os.open(path, flags, 0o666)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                print(f"{root}: another teach or forget is writing this store; waiting for it "
                      "to finish", file=sys.stderr, flush=True)  # fmt: skip
                fcntl.flock(fd, fcntl.LOCK_EX)
            return fd
        except OSError:  # this file system cannot lock it
            os.close(fd)
    print(f"warning: {root}: the store cannot be locked here; do not teach into it twice at "
          "once", file=sys.stderr)  # fmt: skip
    return None
