"""Configuration: `[tool.prnglint]` in pyproject.toml, merged with the command line."""

from __future__ import annotations

import keyword
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any

from prnglint.manifest import RuleInfo
from prnglint.registry import is_known_selector, rule_infos, select_rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".prnglint_cache",
    ".ipynb_checkpoints",
)

OUTPUT_FORMATS = ("full", "concise", "json", "json-lines", "github", "sarif")

# Keys of [tool.prnglint] that the engine and the command line read, with their types
# (README's configuration reference lists every one; a test checks it).
ENGINE_KEYS: dict[str, type] = {
    "select": list,
    "extend-select": list,
    "ignore": list,
    "exclude": list,
    "extend-exclude": list,
    "per-file-ignores": dict,
    "cache-dir": str,
    "python": str,
    "fix": bool,
    "unsafe-fixes": bool,
    "show-fixes": bool,
    "output-format": str,
}
_ENGINE_KEYS = ENGINE_KEYS

# Checks of a key's value beyond its type: each returns why the value cannot
# work, or None. Rules' options that name functions register theirs here (a
# plain function: checking the configuration never imports a rule).
ValueCheck = Callable[[Any], "str | None"]
VALUE_CHECKS: dict[str, ValueCheck] = {}


def register_value_check(key: str, check: ValueCheck) -> None:
    """Make `check` validate the value of `key` whenever a configuration sets it."""
    VALUE_CHECKS[key] = check


_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def check_qualified_names(value: Any) -> str | None:
    """Why an entry of a list of qualified names (`mylib.utils.log_key`) can never match, or None.

    A qualified name is what an import resolves a call to: dotted Python
    identifiers, no call, no wildcard, no keyword, no spaces.
    """
    for entry in value:
        if not _DOTTED_NAME.fullmatch(entry):
            hint = " (wildcards are not supported: list each function)" if "*" in entry else ""
            return f"`{entry}` is not a qualified name such as `mylib.utils.log_key`, so it can never match{hint}"
        reserved = [part for part in entry.split(".") if keyword.iskeyword(part)]
        if reserved:
            return f"`{entry}` contains the keyword `{reserved[0]}`, so it can never match"
    return None


register_value_check("non-consuming-functions", check_qualified_names)


# PRN003's `key-functions` table: name or pattern = effect (rules/key_reuse/library.py
# reads it; the names and the pattern syntax live here so that checking needs no rule).
KEY_EFFECTS = ("reads", "stores", "folds", "consumes", "splits", "aliases")
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_KEY_PATTERN = re.compile(rf"(\*\.)?{_NAME}(\(\))?(\.{_NAME}(\(\))?)*(\.\*|\*)?")


def key_pattern_problem(pattern: Any) -> str | None:
    """Why a `key-functions` name (`pkg.f`, `Class.method`, `*.method`, `pkg.prefix_*`) can never match, or None."""
    if not isinstance(pattern, str) or not pattern:
        return "an empty name"
    if pattern in ("*.*", "*.", "**"):
        return "it would match every call, not one function"
    if not _KEY_PATTERN.fullmatch(pattern):
        return "not a dotted name (`pkg.module.function`), `Class.method` or `*.method`"
    parts = [part.replace("()", "") for part in pattern.split(".")]
    reserved = [part for part in parts if not part.endswith("*") and keyword.iskeyword(part)]
    if reserved:
        return f"it contains the keyword `{reserved[0]}`"
    return None


def check_key_functions(value: Any) -> str | None:
    """Why a `key-functions` table cannot work (an entry that can never match, an unknown effect), or None."""
    for pattern, effect in value.items():
        problem = key_pattern_problem(pattern)
        if problem is not None:
            return f"entry {pattern!r} can never match a call: {problem}"
        if effect not in KEY_EFFECTS:
            return f"entry {pattern!r}: unknown effect {effect!r} (one of {', '.join(KEY_EFFECTS)})"
    return None


register_value_check("key-functions", check_key_functions)


class ConfigError(Exception):
    """A configuration that cannot be used; the message names the file and the key."""


@dataclass
class Settings:
    """Everything that decides what a run lints and how."""

    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    rule_options: dict[str, Any] = field(default_factory=dict)
    cache_dir: str | None = None
    # The project's Python environment (an interpreter or a virtual environment), read for summaries.
    python: str | None = None
    # What the command line does when its own options say nothing.
    fix: bool = False
    unsafe_fixes: bool = False
    show_fixes: bool = False
    output_format: str = "full"
    # Where relative patterns and per-file-ignores are anchored.
    root: Path = field(default_factory=Path.cwd)
    config_file: Path | None = None

    def enabled_rules(self) -> list[RuleInfo]:
        """The rules selected for the whole run (their facts: `prnglint.registry.load` gives the classes)."""
        return select_rules(self.select, self.extend_select, self.ignore)

    def rules_for(self, path: Path, enabled: list[RuleInfo]) -> list[RuleInfo]:
        """`enabled` minus what `per-file-ignores` removes for `path`."""
        if not self.per_file_ignores:
            return enabled
        ignored: list[str] = []
        relative = _relative_posix(path, self.root)
        for pattern, codes in self.per_file_ignores.items():
            if _glob_match(relative, pattern):
                ignored.extend(codes)
        if not ignored:
            return enabled
        return [rule for rule in enabled if not any(code == "ALL" or rule.code.startswith(code) for code in ignored)]

    def fingerprint(self) -> str:
        """A stable text of every setting that changes lint results (for the cache)."""
        parts = [
            repr(sorted(rule.code for rule in self.enabled_rules())),
            repr(sorted((k, sorted(v)) for k, v in self.per_file_ignores.items())),
            repr(sorted((k, repr(v)) for k, v in self.rule_options.items())),
        ]
        return "|".join(parts)


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.prnglint] table, from `start` upward.

    A pyproject.toml met on the way that cannot be read or is not valid TOML
    raises ConfigError: it may be the configuration meant for `start`, and
    linting without it would be a false green.
    """
    return ConfigFinder().nearest(start if start.is_dir() else start.parent)


class ConfigFinder:
    """Finds the nearest configuration of many folders, reading each pyproject.toml once."""

    def __init__(self) -> None:
        self._nearest: dict[Path, Path | None] = {}

    def nearest(self, directory: Path) -> Path | None:
        """The nearest pyproject.toml with [tool.prnglint] in `directory` or above it."""
        directory = directory.resolve()
        walked: list[Path] = []
        found: Path | None = None
        for candidate in (directory, *directory.parents):
            if candidate in self._nearest:
                found = self._nearest[candidate]
                break
            walked.append(candidate)
            pyproject = candidate / "pyproject.toml"
            if _is_file(pyproject) and _has_table(_read_toml(pyproject), pyproject):
                found = pyproject
                break
        for folder in walked:
            self._nearest[folder] = found
        return found


def _is_file(path: Path) -> bool:
    """`path.is_file()`, False in a folder that cannot be searched (the linter reports that folder as E902)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _has_table(data: dict[str, Any], path: Path) -> bool:
    return _prnglint_table(data, path) is not None


def _prnglint_table(data: dict[str, Any], path: Path) -> Mapping[str, Any] | None:
    """`[tool.prnglint]` of a pyproject.toml's data, None if absent; wrong types raise ConfigError."""
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: `tool` must be a table, not {_toml_type(tool)}")
    table = tool.get("prnglint")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: `tool.prnglint` must be a table, not {_toml_type(table)}")
    return table


def _toml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string", list: "a list", dict: "a table"}
    return names.get(type(value), f"a {type(value).__name__}")


def load_config(path: Path) -> Settings:
    """Read `[tool.prnglint]` from `path` (a pyproject.toml, or a prnglint.toml whose top level is the table)."""
    data = _read_toml(path)
    table = (_prnglint_table(data, path) or {}) if path.name == "pyproject.toml" else data
    settings = Settings(root=path.parent.resolve(), config_file=path)
    apply_table(settings, table, str(path))
    return settings


def rule_option_defaults() -> dict[str, Any]:
    """Every option a rule declares, with its default."""
    options: dict[str, Any] = {}
    for rule in rule_infos():
        options.update(rule.options)
    return options


def apply_table(settings: Settings, table: Mapping[str, Any], origin: str) -> None:
    """Validate a `[tool.prnglint]` table and store it in `settings`."""
    rule_options = rule_option_defaults()
    for key, value in table.items():
        if key in _ENGINE_KEYS:
            expected = _ENGINE_KEYS[key]
        elif key in rule_options:
            expected = type(rule_options[key])
        else:
            known = ", ".join(sorted([*_ENGINE_KEYS, *rule_options]))
            raise ConfigError(f"{origin}: unknown key `{key}` in [tool.prnglint] (known keys: {known})")
        # bool is an int in Python, not in TOML.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            raise ConfigError(f"{origin}: `{key}` must be {_toml_type(expected())}, not {_toml_type(value)}")
        if expected is list and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{origin}: `{key}` must be a list of strings")
        if key == "output-format" and value not in OUTPUT_FORMATS:
            raise ConfigError(f"{origin}: `output-format` must be one of {', '.join(OUTPUT_FORMATS)}, not {value!r}")
        check = VALUE_CHECKS.get(key)
        problem = check(value) if check is not None else None
        if problem is not None:
            raise ConfigError(f"{origin}: `{key}`: {problem}")
        if key in ("select", "extend-select", "ignore"):
            check_selectors(value, f"{origin}: `{key}`")
        if key == "per-file-ignores":
            for pattern, codes in value.items():
                if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                    raise ConfigError(f"{origin}: per-file-ignores[{pattern!r}] must be a list of codes")
                check_selectors(codes, f"{origin}: per-file-ignores[{pattern!r}]")
        if key in rule_options:
            settings.rule_options[key] = value
        else:
            setattr(settings, key.replace("-", "_"), list(value) if isinstance(value, list) else value)


def check_selectors(selectors: list[str], origin: str) -> None:
    """Raise ConfigError naming the first selector that matches no rule."""
    for selector in selectors:
        if not is_known_selector(selector):
            raise ConfigError(f"{origin}: unknown rule code or prefix `{selector}`")


def _relative_posix(path: Path, root: Path) -> str:
    try:
        return PurePosixPath(path.resolve().relative_to(root)).as_posix()
    except ValueError:
        return path.as_posix()


def _glob_match(relative: str, pattern: str) -> bool:
    """Match a path against a ruff-style glob: the whole relative path or its last part."""
    if fnmatch(relative, pattern):
        return True
    if "/" not in pattern and fnmatch(relative.rsplit("/", 1)[-1], pattern):
        return True
    return pattern.endswith("/**") and relative.startswith(pattern[:-3] + "/")
