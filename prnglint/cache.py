"""The result cache: each file's diagnostics, keyed by what decides them.

An entry's key is the SHA-256 of the file's bytes together with everything
else that can change its diagnostics: prnglint's version and sources (the
engine and the rules), the Python and libcst versions, the settings'
fingerprint and the rules selected for that file. A changed input is a
different key, so an entry never needs invalidating; a stale one is simply
never read again.

The cache lives in `.prnglint_cache/` (marked with `CACHEDIR.TAG` and a
`.gitignore` of `*`), one small JSON file per entry. Writes go to a
temporary file that is renamed over the entry, so concurrent runs never see
half an entry; an entry that cannot be read or does not have the expected
shape counts as missing and is written again.

Entries hold plain rows (see `encode`), the same rows the process pool
sends back, never pickled objects, and the other files the rows depend on
(a module whose functions a rule read into, with the SHA-256 of its bytes
then): an entry is used only while each of those files is unchanged, so an
edit of `utils.py` re-lints exactly the files whose findings depend on it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from prnglint import __version__
from prnglint.diagnostics import Applicability, Diagnostic, Edit, Fix, Location

CACHE_DIR_NAME = ".prnglint_cache"
# Bump when the layout or the row format changes.
FORMAT = 2
_MAGIC = "prnglint-cache"

CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by prnglint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)

# A diagnostic as a row: (code, message, row, column, end_row, end_column,
# fix, extra), where fix is (applicability, message, ((content, row, column,
# end_row, end_column), ...)) or None, and extra is a dict or None. The
# filename is not stored: the same bytes may live under several names.
Row = tuple[Any, ...]


def encode(diagnostic: Diagnostic) -> Row:
    """The row of one diagnostic."""
    fix = diagnostic.fix
    fix_row = None
    if fix is not None:
        fix_row = (
            fix.applicability.value,
            fix.message,
            tuple(
                (e.content, e.location.row, e.location.column, e.end_location.row, e.end_location.column)
                for e in fix.edits
            ),
        )
    return (
        diagnostic.code,
        diagnostic.message,
        diagnostic.location.row,
        diagnostic.location.column,
        diagnostic.end_location.row,
        diagnostic.end_location.column,
        fix_row,
        diagnostic.extra or None,
    )


def decode(row: Sequence[Any], filename: str) -> Diagnostic:
    """The diagnostic of a row, in file `filename`. Raises on a malformed row."""
    code, message, row_, column, end_row, end_column, fix_row, extra = row
    fix = None
    if fix_row is not None:
        applicability, fix_message, edits = fix_row
        fix = Fix(
            Applicability(applicability),
            _text(fix_message),
            tuple(
                Edit(_text(content), Location(_int(r), _int(c)), Location(_int(er), _int(ec)))
                for content, r, c, er, ec in edits
            ),
        )
    if extra is not None and not isinstance(extra, dict):
        raise TypeError("extra must be a dict")
    return Diagnostic(
        _text(code),
        _text(message),
        filename,
        Location(_int(row_), _int(column)),
        Location(_int(end_row), _int(end_column)),
        fix,
        dict(extra) if extra else {},
    )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError("expected an integer")
    return value


# Modules of the package that cannot change a file's diagnostics.
_NOT_LINTING = frozenset({"__main__.py", "cli.py", "fixer.py", "writer.py", "progress.py"})


def _sources_digest() -> str:
    """A digest of the engine's and the rules' sources, so that editing a rule invalidates the cache.

    The version alone would do for releases; this keeps a development
    checkout honest.
    """
    import prnglint
    import prnglint.rules

    digest = hashlib.sha256()
    folders = [Path(prnglint.__file__).parent, *(Path(p) for p in prnglint.rules.__path__)]
    for folder in folders:
        for path in sorted(folder.glob("*.py")):
            if path.name in _NOT_LINTING:
                continue
            try:
                digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
            except OSError:
                digest.update(path.name.encode() + b"\0?\0")
    return digest.hexdigest()


def _libcst_version() -> str:
    """libcst's version file (read, not imported: a warm run must not pay for importing libcst)."""
    import importlib.util

    spec = importlib.util.find_spec("libcst")
    if spec is None or not spec.submodule_search_locations:
        return "?"
    version_file = Path(next(iter(spec.submodule_search_locations))) / "_version.py"
    try:
        return hashlib.sha256(version_file.read_bytes()).hexdigest()
    except OSError:
        return "?"


def namespace(fingerprint: str) -> bytes:
    """What every key of a run shares: versions, sources and the settings' fingerprint."""
    parts = (
        _MAGIC,
        str(FORMAT),
        __version__,
        _sources_digest(),
        ".".join(map(str, sys.version_info[:2])),
        _libcst_version(),
        fingerprint,
    )
    return "\0".join(parts).encode("utf-8", "surrogateescape")


class Cache:
    """Diagnostics rows of files, stored under `directory`.

    Reading never raises; writing problems (a read-only folder, a full disk)
    turn the cache off for the rest of the run and are kept in
    `write_error` for the command line to mention.
    """

    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.directory = directory
        self._namespace = namespace(fingerprint)
        self._entries = directory / f"v{FORMAT}"
        self._ready: set[str] = set()
        self._initialised = False
        self.write_error: str | None = None
        self.hits = 0
        self.misses = 0
        # Digests of dependency files, read once per run.
        self._digests: dict[str, str | None] = {}

    def key(self, raw: bytes, rule_codes: Iterable[str]) -> str:
        """The key of a file with content `raw` linted with the rules `rule_codes`."""
        digest = hashlib.sha256(self._namespace)
        digest.update(b"\0" + ",".join(sorted(rule_codes)).encode() + b"\0")
        digest.update(raw)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self._entries / key[:2] / key[2:]

    def get(self, key: str, filename: str) -> list[Diagnostic] | None:
        """The diagnostics stored under `key`, placed in `filename`; None if missing, unreadable or malformed."""
        try:
            data = self._path(key).read_bytes()
        except OSError:
            self.misses += 1
            return None
        try:
            magic, version, rows, dependencies = json.loads(data)
            if magic != _MAGIC or version != FORMAT or not isinstance(rows, list) or not isinstance(dependencies, dict):
                raise ValueError("not an entry of this format")
            diagnostics = [decode(row, filename) for row in rows]
            if not all(self._digest(path) == digest for path, digest in dependencies.items()):
                raise ValueError("a file the entry depends on changed")
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
            # A damaged entry is a miss; linting the file writes it again.
            self.misses += 1
            return None
        self.hits += 1
        return diagnostics

    def _digest(self, path: Any) -> str | None:
        if not isinstance(path, str):
            raise TypeError("a dependency is a path")
        if path not in self._digests:
            try:
                self._digests[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError:
                self._digests[path] = None
        return self._digests[path]

    def put(self, key: str, rows: Sequence[Row], dependencies: dict[str, str] | None = None) -> None:
        """Store `rows` under `key` atomically, valid while the files of `dependencies` (path -> SHA-256) keep their bytes.

        Rows whose `extra` JSON cannot carry exactly are not stored.
        """
        if self.write_error is not None:
            return
        try:
            for row in rows:
                extra = row[7]
                if extra is not None and json.loads(json.dumps(extra)) != extra:
                    return
            data = json.dumps([_MAGIC, FORMAT, list(rows), dict(dependencies or {})], separators=(",", ":")).encode("ascii")
        except (TypeError, ValueError):
            return
        try:
            self._write(key, data)
        except OSError as exc:
            self.write_error = f"cannot write the cache in {self.directory}: {exc.strerror or exc}"

    def _write(self, key: str, data: bytes) -> None:
        if not self._initialised:
            self._initialise()
        folder = self._entries / key[:2]
        if key[:2] not in self._ready:
            folder.mkdir(parents=True, exist_ok=True)
            self._ready.add(key[:2])
        _write_atomically(folder / key[2:], data)

    def _initialise(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, content in (("CACHEDIR.TAG", CACHEDIR_TAG), (".gitignore", "# Created by prnglint.\n*\n")):
            target = self.directory / name
            if not target.exists():
                _write_atomically(target, content.encode())
        self._initialised = True


def _write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `target`, then rename it over `target`."""
    import tempfile

    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        try:
            os.replace(temporary, target)
        except IsADirectoryError:
            # An empty folder where the entry belongs (left by a tool or by
            # hand) is cleared once instead of turning the cache off for good.
            os.rmdir(target)
            os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def default_directory(settings_cache_dir: str | None, root: Path) -> Path:
    """Where the cache lives: the configured `cache-dir` (relative to the configuration), else `root/.prnglint_cache`."""
    if settings_cache_dir:
        path = Path(settings_cache_dir).expanduser()
        return path if path.is_absolute() else root / path
    return root / CACHE_DIR_NAME
