"""The project around a linted file: its other modules and the installed packages it imports.

A rule that wants to know what a called function does when the function is
defined elsewhere asks the file's `ProjectView` (``FileContext.project``)
for that function's module. Modules are found the way a type checker finds
them: the project's own source roots first (the configuration's folder, or
the git root; a ``src/`` folder below it too), then the site-packages of the
project's Python environment. Nothing found there is imported or run: a
dependency is read as text and parsed.

The environment is, in this order: ``--python PATH`` (or the ``python``
configuration key), an active ``VIRTUAL_ENV``, a ``.venv`` beside the
configuration, else the interpreter running prnglint. Its site-packages are
found by reading, never by running it: a virtual environment's
``pyvenv.cfg`` names its base interpreter and version, and the folders are
``lib/pythonX.Y/site-packages`` below the environment (and below the base
installation when the configuration includes system site-packages). Running
the interpreter would process ``.pth`` files, whose ``import`` lines execute
installed code; those lines are skipped, path lines are followed.

Every file read through the view is recorded with the digest of its bytes,
so that a result that depends on another file can be thrown away when that
file changes (`recording`). Rules may keep derived facts about a dependency
on disk (`ProjectIndex.remember`/`recall`), keyed by its content.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import libcst as cst

# The options key under which a run hands its `ProjectSpec` to the engine.
PROJECT_OPTION = "__project__"
# Bump when what `remember` stores changes shape.
_FACTS_FORMAT = 1
# Larger dependencies are not read (generated tables, vendored bundles).
_MAX_DEPENDENCY_BYTES = 2_000_000


@dataclass(frozen=True)
class ProjectSpec:
    """Where a run's project and environment live: plain strings, so it crosses into worker processes."""

    roots: tuple[str, ...]  # the project's source roots, searched first
    site: tuple[str, ...]  # site-packages folders of the environment, searched next
    environment: str  # how the environment was chosen, for `--show-settings`
    facts_dir: str | None = None  # where derived facts are kept on disk (None: in memory only)


# --- Finding the project and its environment ---------------------------------------


def project_root(config_root: Path | None, start: Path) -> Path:
    """The folder the project's modules are found from: the configuration's, else the git root, else `start`."""
    if config_root is not None:
        return config_root
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here


def source_roots(root: Path) -> tuple[str, ...]:
    """`root` and, for a `src/` layout, `root/src`."""
    roots = [str(root)]
    src = root / "src"
    if src.is_dir() and not (src / "__init__.py").exists():
        roots.insert(0, str(src))
    return tuple(roots)


class EnvironmentError_(Exception):
    """A `python` setting that names no usable environment."""


def choose_environment(python: str | None, config_root: Path | None) -> tuple[str, tuple[str, ...]]:
    """How the environment was chosen and its site-packages folders (see the module's docstring).

    Raises `EnvironmentError_` when `python` is given but names nothing usable.
    """
    if python:
        path = Path(python).expanduser()
        if not path.is_absolute() and config_root is not None and not path.exists():
            path = config_root / path
        if not path.exists():
            raise EnvironmentError_(f"`python`: {python} does not exist")
        return f"python = {python}", site_packages(path)
    virtual = os.environ.get("VIRTUAL_ENV")
    if virtual and Path(virtual).is_dir():
        return f"VIRTUAL_ENV = {virtual}", site_packages(Path(virtual))
    if config_root is not None and (config_root / ".venv").is_dir():
        return f".venv beside the configuration ({config_root / '.venv'})", site_packages(config_root / ".venv")
    return f"the interpreter running prnglint ({sys.executable})", tuple(
        p for p in sys.path if p and p.endswith(("site-packages", "dist-packages")) and os.path.isdir(p)
    )


def site_packages(location: Path) -> tuple[str, ...]:
    """The site-packages folders of an environment given as its folder or as its interpreter, found by reading."""
    location = location.absolute()
    if location.is_dir():
        prefix = location
    else:
        # `venv/bin/python` (a symlink to the base interpreter: do not resolve it).
        prefix = location.parent.parent
    folders: list[Path] = []
    config = _pyvenv_cfg(prefix)
    version = config.get("version_info") or config.get("version") or ""
    folders.extend(_site_folders(prefix, version))
    if config:
        if config.get("include-system-site-packages", "false").lower() == "true" and config.get("home"):
            folders.extend(_site_folders(Path(config["home"]).parent, version))
    elif not folders:
        raise EnvironmentError_(f"`python`: found no site-packages for {location}")
    expanded: list[str] = []
    for folder in folders:
        if str(folder) not in expanded:
            expanded.append(str(folder))
        expanded.extend(p for p in _pth_paths(folder) if p not in expanded)
    return tuple(expanded)


def _pyvenv_cfg(prefix: Path) -> dict[str, str]:
    try:
        text = (prefix / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        name, equals, value = line.partition("=")
        if equals:
            values[name.strip().lower()] = value.strip()
    return values


def _site_folders(prefix: Path, version: str) -> list[Path]:
    major_minor = ".".join(version.split(".")[:2]) if version else ""
    patterns = [f"python{major_minor}"] if major_minor else []
    found: list[Path] = []
    for lib in ("lib", "lib64", "local/lib"):
        base = prefix / lib
        names = patterns or sorted(p.name for p in base.glob("python3*") if p.is_dir()) if base.is_dir() else []
        for name in names:
            for leaf in ("site-packages", "dist-packages"):
                folder = base / name / leaf
                if folder.is_dir() and folder not in found:
                    found.append(folder)
    debian = prefix / "lib" / "python3" / "dist-packages"
    if debian.is_dir() and debian not in found:
        found.append(debian)
    windows = prefix / "Lib" / "site-packages"
    if windows.is_dir() and windows not in found:
        found.append(windows)
    return found


def _pth_paths(folder: Path) -> list[str]:
    """Folders that `.pth` files in `folder` add to the path; `import` lines (code) are skipped, never run."""
    paths: list[str] = []
    try:
        entries = sorted(folder.glob("*.pth"))
    except OSError:
        return paths
    for entry in entries:
        try:
            lines = entry.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            line = line.strip()
            if not line or line.startswith(("#", "import ", "import\t")):
                continue
            candidate = Path(line) if os.path.isabs(line) else folder / line
            if candidate.is_dir():
                paths.append(str(candidate))
    return paths


def make_spec(
    config_root: Path | None, start: Path, python: str | None, facts_dir: Path | None
) -> ProjectSpec:
    """The spec of a run: its project roots and environment (raises `EnvironmentError_` for a bad `python`)."""
    root = project_root(config_root, start)
    environment, site = choose_environment(python, config_root)
    return ProjectSpec(source_roots(root), site, environment, str(facts_dir) if facts_dir is not None else None)


# --- Reading modules ---------------------------------------------------------------


@dataclass(eq=False)
class Dependency:
    """A module read for a linted file: its text, digest and (once asked for) its syntax tree."""

    path: str
    name: str  # its dotted module name
    is_package: bool
    text: str
    digest: str
    _module: Any = None
    _failed: bool = False
    # Whatever rules derive from the module in this process, by rule-chosen key.
    derived: dict[str, Any] = field(default_factory=dict)

    def module(self) -> cst.Module | None:
        """The parsed module, or None when it does not parse."""
        if self._module is None and not self._failed:
            import libcst as cst

            try:
                self._module = cst.parse_module(self.text)
            except (cst.ParserSyntaxError, RecursionError, ValueError):
                self._failed = True
        return self._module


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ProjectIndex:
    """The modules of one project and environment, read on demand and kept for the process."""

    def __init__(self, spec: ProjectSpec) -> None:
        self.spec = spec
        self.roots = [Path(p) for p in spec.roots]
        self.search = [*self.roots, *(Path(p) for p in spec.site)]
        self._paths: dict[str, Path | None] = {}
        self._loaded: dict[str, tuple[tuple[int, int], Dependency | None]] = {}
        self._facts_dir = Path(spec.facts_dir) / f"facts-v{_FACTS_FORMAT}" if spec.facts_dir else None
        self._facts_ready = False
        self._digests: dict[str, tuple[tuple[int, int], str | None]] = {}

    # Module names and files.

    def module_path(self, name: str) -> Path | None:
        """The source file of module `name` (`pkg/mod.py` or `pkg/mod/__init__.py`), first root that has it."""
        if name in self._paths:
            return self._paths[name]
        found: Path | None = None
        parts = name.split(".")
        if all(part.isidentifier() for part in parts) and not _never_read(parts[0]):
            for base in self.search:
                folder = base.joinpath(*parts[:-1])
                for candidate in (folder / f"{parts[-1]}.py", folder / parts[-1] / "__init__.py"):
                    if candidate.is_file():
                        found = candidate
                        break
                if found is not None:
                    break
        self._paths[name] = found
        return found

    def module_name(self, filename: str) -> tuple[str, bool] | None:
        """The dotted name of a file below a project root or site-packages folder (and whether it is a package's `__init__`)."""
        try:
            path = Path(filename).resolve()
        except (OSError, RuntimeError):
            return None
        for root in self.search:
            try:
                relative = path.relative_to(root.resolve())
            except ValueError:
                continue
            parts = list(relative.with_suffix("").parts)
            package = parts[-1] == "__init__" if parts else False
            if package:
                parts.pop()
            if parts and all(part.isidentifier() for part in parts):
                return ".".join(parts), package
        return None

    def locate(self, qualname: str) -> tuple[Path, str, str] | None:
        """The file defining `qualname`: (its path, its module name, the rest of the name within it)."""
        parts = qualname.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            path = self.module_path(module)
            if path is not None:
                return path, module, ".".join(parts[cut:])
        return None

    def view_of(self, dependency: Dependency) -> ProjectView:
        """The view of a dependency read for a linted file (its own imports; not recorded as a linted file)."""
        return ProjectView(self, dependency.path, dependency.module(), (dependency.name, dependency.is_package), record=False)

    def load(self, path: Path, name: str) -> Dependency | None:
        """The module at `path`, read once per content (None if unreadable or too large)."""
        key = str(path)
        overlay = _overlay(key)
        stamp = _stamp(path) if overlay is None else (-2, hash(overlay))
        cached = self._loaded.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        dependency: Dependency | None = None
        if overlay is not None:
            raw: bytes | None = overlay.encode("utf-8", "surrogateescape")
        else:
            try:
                raw = path.read_bytes()
            except OSError:
                raw = None
        if raw is not None and len(raw) <= _MAX_DEPENDENCY_BYTES:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
            if text is not None:
                dependency = Dependency(key, name, path.name == "__init__.py", text, _digest(raw))
        self._loaded[key] = (stamp, dependency)
        return dependency

    def digest(self, path: str) -> str | None:
        """The current digest of the file at `path` (None if it is gone), recomputed only when it changed."""
        overlay = _overlay(path)
        if overlay is not None:
            return _digest(overlay.encode("utf-8", "surrogateescape"))
        stamp = _stamp(Path(path))
        cached = self._digests.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            value: str | None = _digest(Path(path).read_bytes())
        except OSError:
            value = None
        self._digests[path] = (stamp, value)
        return value

    # Derived facts on disk.

    def recall(self, kind: str, key: str) -> Any | None:
        """Facts stored by `remember` under (`kind`, `key`) whose dependencies are unchanged, else None."""
        if self._facts_dir is None:
            return None
        try:
            data = json.loads((self._facts_dir / kind / key[:2] / key[2:]).read_bytes())
            value, dependencies = data["value"], data["dependencies"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(dependencies, dict):
            return None
        for path, digest in dependencies.items():
            if self.digest(path) != digest:
                return None
        return value, dependencies

    def remember(self, kind: str, key: str, value: Any, dependencies: Mapping[str, str]) -> None:
        """Store JSON-able `value` under (`kind`, `key`), valid while the files of `dependencies` keep their digests."""
        if self._facts_dir is None:
            return
        folder = self._facts_dir / kind / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            from prnglint.cache import _write_atomically

            data = json.dumps({"value": value, "dependencies": dict(dependencies)}, separators=(",", ":"))
            _write_atomically(folder / key[2:], data.encode("utf-8"))
        except (OSError, TypeError, ValueError):
            self._facts_dir = None  # a read-only folder: keep facts in memory for the rest of the run


# Unsaved texts of files open in an editor (resolved path -> text), read instead of the disk.
_OVERLAYS: dict[str, str] = {}


def set_overlay(path: Path, text: str | None) -> None:
    """Make the index read `text` for `path` instead of the file (None: the file again). For the language server."""
    try:
        key = str(path.resolve())
    except (OSError, RuntimeError):
        key = str(path)
    if text is None:
        _OVERLAYS.pop(key, None)
    else:
        _OVERLAYS[key] = text


def _overlay(path: str) -> str | None:
    if not _OVERLAYS:
        return None
    text = _OVERLAYS.get(path)
    if text is None:
        try:
            text = _OVERLAYS.get(str(Path(path).resolve()))
        except (OSError, RuntimeError):
            return None
    return text


def _stamp(path: Path) -> tuple[int, int]:
    try:
        info = path.stat()
    except OSError:
        return (-1, -1)
    return (info.st_mtime_ns, info.st_size)


# JAX and NumPy decide what happens to a key in compiled primitives that no
# source shows (every sampler ends in `random_bits`); the rules' tables say
# what their functions do. The standard library never sees a JAX key.
_OPAQUE_PACKAGES = frozenset({"jax", "jaxlib", "numpy", "scipy", "builtins", "__future__"})


def _never_read(top: str) -> bool:
    return top in _OPAQUE_PACKAGES or top in sys.stdlib_module_names


_INDEXES: dict[ProjectSpec, ProjectIndex] = {}


def index_for(spec: ProjectSpec) -> ProjectIndex:
    """The process's index of `spec` (one per project and environment)."""
    index = _INDEXES.get(spec)
    if index is None:
        index = _INDEXES[spec] = ProjectIndex(spec)
    return index


# --- One file's view ----------------------------------------------------------------


class ProjectView:
    """What one linted (or read) module sees of its project: its own name, relative imports, dependencies."""

    def __init__(
        self,
        index: ProjectIndex,
        filename: str,
        module: cst.Module | None,
        name: tuple[str, bool] | None,
        *,
        record: bool = True,
    ) -> None:
        self.index = index
        self.filename = filename
        self.name = name if name is not None else index.module_name(filename)
        self._module = module
        self._relative: dict[str, str] | None = None
        # Files this module's results depend on: path -> digest.
        self.dependencies: dict[str, str] = {}
        if record:
            for recorder in _RECORDERS:
                recorder.append(self.dependencies)

    def relative_aliases(self) -> dict[str, str]:
        """Local names bound by relative imports (`from .utils import f`), with the qualified names they stand for."""
        if self._relative is None:
            self._relative = _relative_aliases(self._module, self.name) if self._module is not None else {}
        return self._relative

    def depend(self, dependencies: Mapping[str, str]) -> None:
        """Record that this module's results depend on these files (path -> digest)."""
        self.dependencies.update(dependencies)


def _relative_aliases(module: cst.Module, name: tuple[str, bool] | None) -> dict[str, str]:
    import libcst as cst

    from prnglint.names import dotted_name, iter_statements

    if name is None:
        return {}
    dotted, is_package = name
    parts = dotted.split(".")
    package = parts if is_package else parts[:-1]
    aliases: dict[str, str] = {}
    for statement in iter_statements(module):
        if not isinstance(statement, cst.ImportFrom) or not statement.relative or isinstance(statement.names, cst.ImportStar):
            continue
        level = len(statement.relative)
        if level - 1 > len(package):
            continue
        base = package[: len(package) - (level - 1)]
        if statement.module is not None:
            inner = dotted_name(statement.module)
            if inner is None:
                continue
            base = [*base, *inner.split(".")]
        for alias in statement.names:
            imported = dotted_name(alias.name)
            if imported is None:
                continue
            local = imported
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            aliases[local] = ".".join([*base, imported])
    return aliases


def view_for(options: Mapping[str, Any], filename: str, module: cst.Module | None) -> ProjectView | None:
    """The project view of a linted file, when the run describes a project (`PROJECT_OPTION`)."""
    spec = options.get(PROJECT_OPTION)
    if not isinstance(spec, ProjectSpec):
        return None
    return ProjectView(index_for(spec), filename, module, None)


_RECORDERS: list[list[dict[str, str]]] = []


@contextlib.contextmanager
def recording() -> Iterator[dict[str, str]]:
    """Collect the dependencies (path -> digest) of every file linted inside the block."""
    found: list[dict[str, str]] = []
    merged: dict[str, str] = {}
    _RECORDERS.append(found)
    try:
        yield merged
    finally:
        _RECORDERS.remove(found)
        for dependencies in found:
            merged.update(dependencies)


def fact_key(*parts: str) -> str:
    """A key for `remember`/`recall` from text parts."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def unchanged(dependencies: Mapping[str, str], digest: Callable[[str], str | None]) -> bool:
    """True if every file of `dependencies` still has its recorded digest."""
    return all(digest(path) == value for path, value in dependencies.items())
