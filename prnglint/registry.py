"""Find the rules: every public module of `prnglint.rules` holds one Rule subclass.

Choosing rules works on `prnglint.manifest.RuleInfo`, the rules' facts, so
that a run which lints nothing (a warm cache, files no rule concerns) never
imports a rule or libcst; `all_rules` and `load` give the classes.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Union

from prnglint.manifest import RULES, RuleInfo

if TYPE_CHECKING:
    from prnglint.engine import Rule

AnyRule = Union[RuleInfo, "type[Rule]"]


@functools.cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by code (importing every rule module)."""
    import prnglint.rules as package
    from prnglint.engine import Rule

    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        rules = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and _defined_in(value, module.__name__)
        ]
        if len(rules) != 1:
            raise RuntimeError(f"{module.__name__} must define exactly one rule, found {len(rules)}")
        found.append(rules[0])
    found.sort(key=lambda rule: rule.code)
    return tuple(found)


def _defined_in(rule: type, module: str) -> bool:
    """True if `rule` is defined in `module` or, for a rule package, in one of its modules."""
    return rule.__module__ == module or rule.__module__.startswith(module + ".")


def rules_by_code() -> dict[str, type[Rule]]:
    """Map of code to rule class."""
    return {rule.code: rule for rule in all_rules()}


def rule_infos() -> tuple[RuleInfo, ...]:
    """Every rule's facts, sorted by code, without importing any rule."""
    return RULES


@functools.lru_cache(maxsize=None)
def load_codes(codes: tuple[str, ...]) -> tuple[type[Rule], ...]:
    """The classes of the rules with these codes, in the same order."""
    by_code = {info.code: info for info in RULES}
    return tuple(by_code[code].load() for code in codes)


def load(rules: Iterable[AnyRule]) -> tuple[type[Rule], ...]:
    """The classes of `rules` (facts or classes), in the same order."""
    rules = tuple(rules)
    if all(isinstance(rule, RuleInfo) for rule in rules):
        return load_codes(tuple(rule.code for rule in rules))  # type: ignore[union-attr]
    return tuple(rule.load() if isinstance(rule, RuleInfo) else rule for rule in rules)


def select_rules(
    select: list[str] | None,
    extend_select: list[str],
    ignore: list[str],
) -> list[RuleInfo]:
    """The rules enabled by ruff-style selectors (codes or prefixes such as ``PRN``).

    Without `select`, the default-enabled rules; `extend_select` adds to that;
    `ignore` removes, where a longer (more specific) selector wins over a
    shorter one and a tie goes to `ignore`.
    """
    chosen: list[RuleInfo] = []
    for rule in RULES:
        if select is None:
            score = 0 if rule.default_enabled else -1
        else:
            score = _best(rule.code, select)
        score = max(score, _best(rule.code, extend_select))
        if score >= 0 and _best(rule.code, ignore) < score:
            chosen.append(rule)
    return chosen


def _best(code: str, selectors: Sequence[str]) -> int:
    """The length of the longest selector matching `code` (-1 if none); `ALL` counts as 0."""
    best = -1
    for selector in selectors:
        if selector == "ALL":
            best = max(best, 0)
        elif code.startswith(selector):
            best = max(best, len(selector))
    return best


def is_known_selector(selector: str) -> bool:
    """True if `selector` names at least one rule (or is ``ALL``)."""
    return selector == "ALL" or any(rule.code.startswith(selector) for rule in RULES)
