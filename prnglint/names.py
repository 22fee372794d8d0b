"""Resolve names in a module to the qualified names they refer to.

Rules ask "is this call `jax.random.normal`?" rather than matching spellings,
so `import jax.random as jr`, `from jax import random`, `from jax.random
import PRNGKey as K` and `jr = jax.random` all lead to the same answer.

The resolver is deliberately lighter than libcst's QualifiedNameProvider,
which needs a full scope analysis (about ten times the cost of parsing on a
large corpus): it reads the import statements and plain alias assignments of
the whole file, at any depth, once, walking statements only.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator

import libcst as cst

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


def dotted_name(node: cst.BaseExpression) -> str | None:
    """The text of a `Name` or chain of `Attribute`s (``a.b.c``), else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def iter_statements(body: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every statement below `body`, at any depth, without entering expressions."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            yield from node.body
            continue
        if isinstance(node, cst.Module | cst.IndentedBlock):
            stack.extend(reversed(node.body))
            continue
        yield node
        for child in _blocks_of(node):
            stack.append(child)


def _blocks_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    blocks: list[cst.CSTNode] = []
    body = getattr(node, "body", None)
    if isinstance(body, cst.BaseSuite):
        blocks.append(body)
    for attr in ("orelse", "finalbody"):
        extra = getattr(node, attr, None)
        if isinstance(extra, cst.If):
            blocks.append(extra)
        elif extra is not None and isinstance(getattr(extra, "body", None), cst.BaseSuite):
            blocks.append(extra.body)
    for handler in getattr(node, "handlers", ()) or ():
        blocks.append(handler.body)
    for case in getattr(node, "cases", ()) or ():
        blocks.append(case.body)
    return list(reversed(blocks))


class ImportResolver:
    """Qualified names of the expressions of one module."""

    def __init__(self, module: cst.Module) -> None:
        self.aliases: dict[str, str] = {}
        for statement in iter_statements(module):
            if isinstance(statement, cst.Import):
                self._add_import(statement)
            elif isinstance(statement, cst.ImportFrom):
                self._add_import_from(statement)
            elif isinstance(statement, cst.Assign) and len(statement.targets) == 1:
                target = statement.targets[0].target
                if isinstance(target, cst.Name):
                    resolved = self.qualname(statement.value)
                    if resolved is not None:
                        self.aliases[target.value] = resolved

    def _add_import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.aliases[alias.asname.name.value] = canonical(full)
            else:
                top = full.split(".", 1)[0]
                self.aliases[top] = top

    def _add_import_from(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module)
        if module is None:
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self.aliases[local] = canonical(f"{module}.{name}")

    def qualname(self, node: cst.BaseExpression) -> str | None:
        """The qualified name `node` refers to through the imports, or None.

        A name not bound by an import (a local variable, a builtin) resolves to
        None, so a rule can never fire on spelling alone.
        """
        text = dotted_name(node)
        if text is None:
            return None
        head, _, rest = text.partition(".")
        base = self.aliases.get(head)
        if base is None:
            return None
        return canonical(f"{base}.{rest}") if rest else base

    def spelling_of(self, qualified: str) -> str | None:
        """How this file can spell `qualified` with its own imports (``nnx.Param``), if it can."""
        best: str | None = None
        for local, target in self.aliases.items():
            if qualified == target:
                candidate = local
            elif qualified.startswith(target + "."):
                candidate = local + qualified[len(target) :]
            else:
                continue
            if best is None or len(candidate) < len(best):
                best = candidate
        return best


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
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences and the like are not our business here.
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
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


def import_anchor(module: cst.Module, package: str) -> cst.CSTNode | None:
    """The statement line before which a new import of `package` belongs.

    The first module-level import of `package` (or one of its submodules),
    else the first import of anything; `from __future__` imports stay first,
    so they are never the anchor. None for a module without imports.
    """
    first: cst.CSTNode | None = None
    for line in module.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for statement in line.body:
            if isinstance(statement, cst.Import):
                names = [dotted_name(alias.name) or "" for alias in statement.names]
            elif isinstance(statement, cst.ImportFrom) and statement.module is not None and not statement.relative:
                names = [dotted_name(statement.module) or ""]
            else:
                continue
            if names == ["__future__"]:
                continue
            if any(name == package or name.startswith(package + ".") for name in names):
                return line
            first = first or line
    return first
