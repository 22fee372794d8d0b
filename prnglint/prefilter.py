"""The sound filters that spare the libcst parse: a rule's words, then an `ast` pass.

Nothing here imports libcst, so the command line can settle files (and
decide that a run needs no rule loaded at all) without paying for it.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Protocol, TypeVar


class _Filterable(Protocol):
    words: tuple[tuple[str, ...], ...]
    qualnames: frozenset[str] | None
    custom_filter: bool

    def may_fire(self, text: str) -> bool: ...


R = TypeVar("R", bound=_Filterable)


# Public names that other modules re-export under a shorter path.
_CANONICAL_PREFIXES: tuple[tuple[str, str], ...] = (
    ("jax._src.random.", "jax.random."),
    ("flax.experimental.nnx.", "flax.nnx."),
    ("flax.nnx.rnglib.", "flax.nnx."),
    ("flax.nnx.training.optimizer.", "flax.nnx."),
    ("flax.nnx.optimizer.", "flax.nnx."),
    ("equinox._module.", "equinox."),
)


def canonical(name: str) -> str:
    """Map a re-exported path to the public one (``flax.nnx.rnglib.Rngs`` → ``flax.nnx.Rngs``)."""
    for prefix, public in _CANONICAL_PREFIXES:
        if name.startswith(prefix):
            return public + name[len(prefix) :]
    return name


def words_occur(words: tuple[tuple[str, ...], ...], text: str) -> bool:
    """A rule's word filter: True if every word of some group occurs in `text`."""
    return any(all(word in text for word in group) for group in words)


def rules_that_may_fire(text: str, rules: Sequence[R], *, prefilter: bool = True) -> list[R]:
    """The `rules` that the sound filters cannot rule out on `text`.

    First each rule's `words`; then, when every rule left declares its
    `qualnames`, one `ast` pass that tells which of them can be reached, which
    saves the libcst parse (ten times dearer) on most files that merely
    mention JAX. `rules` may be rule classes or their `RuleInfo` facts.
    """
    found: dict[str, bool] = {}

    def occurs(word: str) -> bool:
        # Rules share words (`jax`, `random`): search the text once for each.
        present = found.get(word)
        if present is None:
            present = found[word] = word in text
        return present

    active = [
        rule
        for rule in rules
        if (rule.may_fire(text) if rule.custom_filter else any(all(occurs(word) for word in group) for group in rule.words))
    ]
    if not prefilter or not active or any(rule.qualnames is None for rule in active):
        return active
    wanted = frozenset().union(*(rule.qualnames or () for rule in active))
    reached = reachable_qualnames(text, wanted)
    if reached is None:
        return active
    return [rule for rule in active if rule.qualnames is not None and rule.qualnames & reached]


# --- A cheap, sound pre-check ------------------------------------------------------
#
# Parsing with libcst costs about ten times what the standard library's `ast`
# does. Before paying for it, the engine asks which of the qualified names its
# rules need can be reached at all. `ast` is only a filter here: whatever it
# cannot decide (a file it cannot parse, aliases that grow without bound)
# answers "anything may be reached", and libcst decides.

# The fields of `ast` nodes that hold identifiers, i.e. what libcst keeps as
# `Name` (or dotted `Attribute`) nodes: names of defs, classes, parameters,
# keywords, imports, `global`, `except ... as`, match captures.
_IDENTIFIER_FIELDS = frozenset({"id", "attr", "name", "asname", "module", "arg", "names", "rest", "kwd_attrs"})
_FIELDS_BY_CLASS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}
# Beyond this many possible values for one name, give up (a self-referential
# alias such as `x = x.y` would otherwise grow forever).
_MAX_ALIAS_VALUES = 64


def _fields_of(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(all fields, identifier fields) of an `ast` node class, computed once per class."""
    fields = _FIELDS_BY_CLASS.get(cls)
    if fields is None:
        every: tuple[str, ...] = getattr(cls, "_fields", ())
        fields = _FIELDS_BY_CLASS[cls] = (every, tuple(f for f in every if f in _IDENTIFIER_FIELDS))
    return fields


def _ast_dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is not ast.Name:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _spell(identifier: str, spelled: list[str]) -> None:
    """Record an identifier field; a dotted one (``import a.b.c``) is a chain of
    `Attribute`s in libcst, so every prefix and every part is a name there."""
    spelled.append(identifier)
    if "." in identifier:
        parts = identifier.split(".")
        spelled.extend(parts)
        spelled.extend(".".join(parts[:end]) for end in range(2, len(parts)))


def reachable_qualnames(text: str, targets: frozenset[str]) -> frozenset[str] | None:
    """The `targets` that some name of `text` may resolve to, or None if that cannot be told.

    A sound over-approximation of `ImportResolver`: for every name or chain
    of attributes in the file (and every identifier libcst would hold as a
    `Name`), every value an alias may have anywhere in the file is tried, so
    a target missing from the answer is one that `ImportResolver.qualname`
    returns for no node of the file. Uses `ast`, about ten times faster than
    libcst; keep it in step with `ImportResolver`.
    """
    from prnglint.source import python_ast

    try:
        # Shared with the engine's nesting check, which then need not parse again.
        tree = python_ast(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    aliases: dict[str, set[str]] = {}
    assignments: list[tuple[str, str]] = []
    spelled: list[str] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        cls = type(node)
        every, identifiers = _fields_of(cls)
        if cls is ast.Name:
            spelled.append(node.id)  # type: ignore[attr-defined]
            continue
        if cls is ast.Attribute:
            chain = _ast_dotted(node)
            if chain is not None:
                spelled.append(chain)
        elif cls is ast.Import:
            for alias in node.names:  # type: ignore[attr-defined]
                if alias.asname is not None:
                    aliases.setdefault(alias.asname, set()).add(canonical(alias.name))
                else:
                    top = alias.name.partition(".")[0]
                    aliases.setdefault(top, set()).add(top)
        elif cls is ast.ImportFrom:
            module = node.module  # type: ignore[attr-defined]
            if not node.level and module is not None:  # type: ignore[attr-defined]
                for alias in node.names:  # type: ignore[attr-defined]
                    if alias.name != "*":
                        aliases.setdefault(alias.asname or alias.name, set()).add(canonical(f"{module}.{alias.name}"))
        elif cls is ast.Assign and len(node.targets) == 1 and type(node.targets[0]) is ast.Name:  # type: ignore[attr-defined]
            value = _ast_dotted(node.value)  # type: ignore[attr-defined]
            if value is not None:
                assignments.append((node.targets[0].id, value))  # type: ignore[attr-defined]
        for name in identifiers:
            value = getattr(node, name, None)
            if type(value) is str:
                _spell(value, spelled)
            elif type(value) is list:
                for item in value:
                    if type(item) is str:
                        _spell(item, spelled)
        for name in every:
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    if not aliases:
        return frozenset()

    def resolve(dotted: str) -> set[str]:
        head, _, rest = dotted.partition(".")
        values = aliases.get(head)
        if not values:
            return set()
        return {canonical(f"{value}.{rest}") for value in values} if rest else set(values)

    # `ImportResolver` reads alias assignments once, in order; trying them
    # until nothing changes gives every value it can end up with (and more).
    changed = True
    while changed:
        changed = False
        for name, dotted in assignments:
            bucket = aliases.setdefault(name, set())
            for value in resolve(dotted) - bucket:
                bucket.add(value)
                changed = True
            if len(bucket) > _MAX_ALIAS_VALUES:
                return None
    found: set[str] = set()
    for dotted in set(spelled):
        if dotted.partition(".")[0] in aliases:
            found.update(resolve(dotted) & targets)
    return frozenset(found)
