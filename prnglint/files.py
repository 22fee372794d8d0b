"""Finding the files to lint: recursion, `.gitignore` and exclusion patterns."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

# Jupyter notebooks are linted cell by cell (see prnglint.notebook).
SOURCE_SUFFIXES = (".py", ".pyi", ".ipynb")


def glob_match(relative: str, pattern: str) -> bool:
    """Match a POSIX relative path against a ruff-style exclusion glob.

    A pattern without a slash matches any single path component (so `build`
    excludes every folder named build); one with a slash matches the whole
    relative path, with `dir/**` matching everything below `dir`.
    """
    pattern = pattern.rstrip("/")
    if "/" not in pattern:
        return any(fnmatch(part, pattern) for part in relative.split("/"))
    if pattern.startswith("./"):
        pattern = pattern[2:]
    if fnmatch(relative, pattern):
        return True
    return pattern.endswith("/**") and (relative == pattern[:-3] or relative.startswith(pattern[:-3] + "/"))


@dataclass
class _IgnoreRule:
    regex: re.Pattern[str]
    negated: bool
    dir_only: bool


@dataclass
class GitIgnore:
    """The `.gitignore` files that apply below a folder, read lazily per folder."""

    rules: dict[Path, list[_IgnoreRule]] = field(default_factory=dict)

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

    def is_ignored(self, path: Path, is_dir: bool, top: Path) -> bool:
        """True if the `.gitignore` files from `top` down to `path`'s folder ignore `path`."""
        ignored = False
        directory = path.parent
        chain: list[Path] = []
        while True:
            chain.append(directory)
            if directory == top or directory.parent == directory:
                break
            directory = directory.parent
        for base in reversed(chain):
            rules = self._load(base)
            if not rules:
                continue
            relative = PurePosixPath(path.relative_to(base)).as_posix()
            for rule in rules:
                if rule.dir_only and not is_dir:
                    continue
                if rule.regex.fullmatch(relative):
                    ignored = not rule.negated
        return ignored


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
    """A file to lint, and whether the user named it explicitly."""

    path: Path
    explicit: bool


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
        if given.is_dir():
            top = _repository_top(given.resolve())
            for file in _walk(given, exclude, root, gitignore, top, respect_gitignore, suffixes):
                found.setdefault(file, FoundFile(file, explicit=False))
        else:
            if force_exclude and _excluded(given, exclude, root):
                continue
            found[given] = FoundFile(given, explicit=True)
    return sorted(found.values(), key=lambda f: str(f.path)), missing


def _relative(path: Path, root: Path) -> str:
    absolute = path.resolve() if not path.is_absolute() else path
    try:
        return PurePosixPath(absolute.relative_to(root)).as_posix()
    except ValueError:
        return PurePosixPath(path).as_posix()


def _excluded(path: Path, exclude: list[str], root: Path) -> bool:
    relative = _relative(path, root)
    return any(glob_match(relative, pattern) for pattern in exclude)


def _walk(
    start: Path,
    exclude: list[str],
    root: Path,
    gitignore: GitIgnore,
    top: Path,
    respect_gitignore: bool,
    suffixes: tuple[str, ...],
) -> Iterator[Path]:
    start_absolute = start.resolve()
    for directory, dirnames, filenames in os.walk(start):
        base = Path(directory)
        absolute_base = start_absolute / base.relative_to(start)
        kept: list[str] = []
        for name in sorted(dirnames):
            if _excluded(absolute_base / name, exclude, root):
                continue
            if respect_gitignore and gitignore.is_ignored(absolute_base / name, True, top):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if not name.endswith(suffixes):
                continue
            child = base / name
            if _excluded(absolute_base / name, exclude, root):
                continue
            if respect_gitignore and gitignore.is_ignored(absolute_base / name, False, top):
                continue
            yield child
