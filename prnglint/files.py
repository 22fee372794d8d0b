"""Finding the files to lint: recursion, `.gitignore` and exclusion patterns."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# Jupyter notebooks are linted cell by cell (see prnglint.notebook).
SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


def glob_match(relative: str, pattern: str) -> bool:
    """Match a POSIX relative path against a ruff-style exclusion glob.

    A pattern without a slash matches any single path component (so `build`
    excludes every folder named build); one with a slash matches the whole
    relative path, with `dir/**` matching everything below `dir`.
    """
    return Excluder([pattern]).excluded(relative)


class Excluder:
    """Exclusion globs compiled once: `excluded(relative)` is `glob_match` against any of them.

    A walk asks about every folder and file it meets, so the component
    patterns become one regular expression, and `name_excluded` tests just a
    new last component: the folders above it passed when the walk entered
    them.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        component: list[str] = []
        self._paths: list[tuple[re.Pattern[str], str | None]] = []
        for pattern in patterns:
            pattern = pattern.rstrip("/")
            if "/" not in pattern:
                component.append(fnmatch.translate(pattern))
                continue
            if pattern.startswith("./"):
                pattern = pattern[2:]
            below = pattern[:-3] if pattern.endswith("/**") else None
            self._paths.append((re.compile(fnmatch.translate(pattern)), below))
        self._component = re.compile("|".join(component)) if component else None

    def name_excluded(self, name: str) -> bool:
        """True if a component pattern matches `name`, one path component."""
        return self._component is not None and self._component.match(name) is not None

    def path_excluded(self, relative: str) -> bool:
        """True if a pattern with a slash matches the whole `relative` path."""
        for regex, below in self._paths:
            if regex.match(relative) or (below is not None and (relative == below or relative.startswith(below + "/"))):
                return True
        return False

    def excluded(self, relative: str) -> bool:
        """True if any pattern excludes the POSIX relative path `relative`."""
        if self._component is not None and any(self.name_excluded(part) for part in relative.split("/")):
            return True
        return self.path_excluded(relative)


@dataclass
class _IgnoreRule:
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool


# The folders whose `.gitignore` rules apply to a path, outermost first, each as
# (where a path below the folder starts, relative to it, in the path's text; its rules).
Bases = list[tuple[int, list[_IgnoreRule]]]


def ignored_by(text: str, is_dir: bool, bases: Bases) -> bool:
    """True if the rules of `bases` ignore the path spelled `text` (absolute, below every base)."""
    ignored = False
    for start, rules in bases:
        relative = text[start:] if os.sep == "/" else text[start:].replace(os.sep, "/")
        for rule in rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.regex.fullmatch(relative):
                ignored = not rule.negated
    return ignored


@dataclass
class GitIgnore:
    """The `.gitignore` files that apply below a folder, read lazily per folder."""

    rules: dict[Path, list[_IgnoreRule]] = field(default_factory=dict)
    _bases: dict[tuple[Path, Path], Bases] = field(default_factory=dict)

    def _load(self, directory: Path) -> list[_IgnoreRule]:
        if directory not in self.rules:
            parsed: list[_IgnoreRule] = []
            try:
                lines = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []
            for line in lines:
                rule = _parse_gitignore_line(line)
                if rule is not None:
                    parsed.append(rule)
            self.rules[directory] = parsed
        return self.rules[directory]

    def below(self, bases: Bases, directory: str, has_gitignore: bool) -> Bases:
        """The bases of `directory` given its parent's: a walk knows from the
        folder's listing whether it has a `.gitignore` to read."""
        if not has_gitignore:
            return bases
        rules = self._load(Path(directory))
        return [*bases, (len(os.path.join(directory, "")), rules)] if rules else bases

    def bases(self, directory: Path, top: Path) -> Bases:
        """The folders from `top` down to `directory` that have rules, outermost first.

        Each as (where a path below it starts, relative to it, in the path's
        text; its rules); remembered per folder and built from its parent's.
        """
        known = self._bases.get((directory, top))
        if known is None:
            above = [] if directory == top or directory.parent == directory else self.bases(directory.parent, top)
            rules = self._load(directory)
            known = [*above, (len(os.path.join(str(directory), "")), rules)] if rules else above
            self._bases[(directory, top)] = known
        return known


def _parse_gitignore_line(line: str) -> _IgnoreRule | None:
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        return None
    if not line.endswith("\\ "):
        line = line.rstrip(" ")
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    elif line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    dir_only = line.endswith("/")
    line = line.rstrip("/")
    if not line:
        return None
    anchored = "/" in line
    line = line.lstrip("/")
    regex = _gitignore_regex(line)
    if not anchored:
        regex = "(?:.*/)?" + regex
    return _IgnoreRule(re.compile(regex), negated, dir_only)


def _gitignore_regex(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def _repository_top(start: Path) -> Path:
    """The git work tree containing `start`, or `start` itself outside one."""
    for candidate in (start, *start.parents):
        if (candidate / ".git").exists():
            return candidate
    return start


@dataclass(frozen=True)
class FoundFile:
    """A file to lint, and whether the user named it explicitly.

    `problem` says why it cannot be read at all (a named pipe, a link to a
    device, a loop of symbolic links, a folder that cannot be listed): it is
    reported as E902 and never opened.
    """

    path: Path
    explicit: bool
    problem: str | None = None


def file_problem(path: Path | str) -> str | None:
    """Why `path` is not a regular file that can be read, from its `stat` alone; None if it is one."""
    from prnglint.source import file_kind, os_reason

    try:
        info = os.stat(path)
    except OSError as exc:
        return os_reason(exc, path)
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISDIR(info.st_mode):
        return "is a directory"
    return f"not a regular file ({file_kind(info.st_mode)}); not read"


def discover(
    paths: Iterable[Path],
    exclude: list[str],
    root: Path,
    *,
    force_exclude: bool = False,
    respect_gitignore: bool = True,
    suffixes: tuple[str, ...] = SOURCE_SUFFIXES,
) -> tuple[list[FoundFile], list[Path]]:
    """The files below `paths` to lint, and the given paths that do not exist.

    Folders are walked recursively for files ending in `suffixes`, skipping
    what `exclude` (relative to `root`) or a `.gitignore` excludes. A file
    named explicitly is linted even if excluded, unless `force_exclude`.
    """
    gitignore = GitIgnore()
    found: dict[Path, FoundFile] = {}
    missing: list[Path] = []
    root = root.resolve()
    for given in paths:
        if not given.exists() and not given.is_symlink():
            missing.append(given)
            continue
        # Excludes apply below the paths given (as in ruff): a folder the user
        # names is linted even if it is called `build` or lies under `/build/`.
        if force_exclude and _excluded_root(given, exclude, root):
            continue
        if given.is_dir():
            problem = _folder_problem(given)
            if problem is not None:
                found[given] = FoundFile(given, explicit=True, problem=problem)
                continue
            top = _repository_top(given.resolve())
            unlisted: list[tuple[Path, str]] = []
            for file in _walk(given, exclude, root, gitignore, top, respect_gitignore, suffixes, unlisted):
                if file not in found:
                    found[file] = FoundFile(file, explicit=False, problem=file_problem(file))
            for folder, reason in unlisted:
                found.setdefault(folder, FoundFile(folder, explicit=False, problem=reason))
        else:
            found[given] = FoundFile(given, explicit=True, problem=file_problem(given))
    return sorted(found.values(), key=lambda f: str(f.path)), missing


def _folder_problem(folder: Path) -> str | None:
    """Why a folder named on the command line cannot be walked, or None."""
    try:
        with os.scandir(folder):
            pass
    except PermissionError:
        return "permission denied: cannot list the folder"
    except OSError as exc:
        return f"cannot list the folder: {exc.strerror or exc}"
    return None


def _relative(path: Path, root: Path) -> str:
    absolute = path.resolve() if not path.is_absolute() else path
    try:
        return PurePosixPath(absolute.relative_to(root)).as_posix()
    except ValueError:
        return PurePosixPath(path).as_posix()


def _excluded_root(path: Path, exclude: list[str], root: Path) -> bool:
    """With --force-exclude: whether a path given explicitly is excluded.

    Inside `root` its whole relative path is tested; outside, only its own
    name, so that the folders above a checkout (a CI workspace under
    `/build/`) never exclude it.
    """
    absolute = Path(os.path.abspath(path))
    try:
        relative = PurePosixPath(absolute.relative_to(root)).as_posix()
    except ValueError:
        relative = absolute.name
    return relative not in ("", ".") and Excluder(exclude).excluded(relative)


def _walk(
    start: Path,
    exclude: list[str],
    root: Path,
    gitignore: GitIgnore,
    top: Path,
    respect_gitignore: bool,
    suffixes: tuple[str, ...],
    unlisted: list[tuple[Path, str]] | None = None,
) -> Iterator[Path]:
    """The files to lint below `start`; folders that cannot be listed go to `unlisted` with the reason."""
    excluder = Excluder(exclude)

    def cannot_list(error: OSError) -> None:
        if unlisted is not None and error.filename is not None:
            reason = "permission denied" if isinstance(error, PermissionError) else (error.strerror or str(error))
            unlisted.append((Path(error.filename), f"{reason}: cannot list the folder; nothing below it was checked"))

    start_absolute = str(start.resolve())
    # Paths relative to `root` as `_relative` spells them; below the start
    # folder they are built as text, one folder at a time.
    start_prefix = _relative(Path(start_absolute, "_"), root)[:-1]
    start_text = str(start)
    bases_of: dict[str, Bases] = {}
    for directory, dirnames, filenames in os.walk(start, onerror=cannot_list):
        tail = directory[len(start_text) :].lstrip(os.sep)
        absolute_base = os.path.join(start_absolute, tail) if tail else start_absolute
        prefix = start_prefix + (tail.replace(os.sep, "/") + "/" if tail else "")
        bases: Bases = []
        if respect_gitignore:
            if tail:
                parent = bases_of[os.path.dirname(absolute_base)]
                bases = gitignore.below(parent, absolute_base, ".gitignore" in filenames)
            else:
                bases = gitignore.bases(Path(absolute_base), top)
            bases_of[absolute_base] = bases
        kept: list[str] = []
        for name in sorted(dirnames):
            if excluder.name_excluded(name) or excluder.path_excluded(prefix + name):
                continue
            if bases and ignored_by(os.path.join(absolute_base, name), True, bases):
                continue
            kept.append(name)
        dirnames[:] = kept
        base: Path | None = None
        for name in sorted(filenames):
            if not name.endswith(suffixes):
                continue
            if excluder.name_excluded(name) or excluder.path_excluded(prefix + name):
                continue
            if bases and ignored_by(os.path.join(absolute_base, name), False, bases):
                continue
            if base is None:
                base = Path(directory)
            yield base / name
