"""Find the rules: every public module of `prnglint.rules` holds one Rule subclass."""

from __future__ import annotations

import functools
import importlib
import pkgutil

from prnglint.engine import Rule


@functools.cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, sorted by code."""
    import prnglint.rules as package

    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        rules = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.__module__ == module.__name__
        ]
        if len(rules) != 1:
            raise RuntimeError(f"{module.__name__} must define exactly one rule, found {len(rules)}")
        found.append(rules[0])
    found.sort(key=lambda rule: rule.code)
    return tuple(found)


def rules_by_code() -> dict[str, type[Rule]]:
    """Map of code to rule."""
    return {rule.code: rule for rule in all_rules()}


def select_rules(
    select: list[str] | None,
    extend_select: list[str],
    ignore: list[str],
) -> list[type[Rule]]:
    """The rules enabled by ruff-style selectors (codes or prefixes such as ``PRN``).

    Without `select`, the default-enabled rules; `extend_select` adds to that;
    `ignore` removes, where a longer (more specific) selector wins over a
    shorter one and a tie goes to `ignore`.
    """
    chosen: list[type[Rule]] = []
    for rule in all_rules():
        if select is None:
            score = 0 if rule.default_enabled else -1
        else:
            score = _best(rule.code, select)
        score = max(score, _best(rule.code, extend_select))
        if score >= 0 and _best(rule.code, ignore) < score:
            chosen.append(rule)
    return chosen


def _best(code: str, selectors: list[str]) -> int:
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
    return selector == "ALL" or any(rule.code.startswith(selector) for rule in all_rules())
