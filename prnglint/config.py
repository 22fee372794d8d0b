"""Configuration: `[tool.prnglint]` in pyproject.toml, merged with the command line."""

from __future__ import annotations

import sys
from collections.abc import Mapping
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

# Keys of [tool.prnglint] that the engine itself reads, with their types.
_ENGINE_KEYS: dict[str, type] = {
    "select": list,
    "extend-select": list,
    "ignore": list,
    "exclude": list,
    "extend-exclude": list,
    "per-file-ignores": dict,
    "cache-dir": str,
}


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
    """The nearest pyproject.toml with a [tool.prnglint] table, from `start` upward."""
    directory = start if start.is_dir() else start.parent
    directory = directory.resolve()
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if "prnglint" in data.get("tool", {}):
                return pyproject
    return None


def load_config(path: Path) -> Settings:
    """Read `[tool.prnglint]` from `path` (a pyproject.toml, or a prnglint.toml whose top level is the table)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("prnglint", {}) if path.name == "pyproject.toml" else data
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
        if not isinstance(value, expected):
            raise ConfigError(f"{origin}: `{key}` must be a {expected.__name__}, not {type(value).__name__}")
        if expected is list and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{origin}: `{key}` must be a list of strings")
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
