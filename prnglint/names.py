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

from collections.abc import Iterator

import libcst as cst

# `canonical` and the `ast` pre-check live where the command line can use them without libcst.
from prnglint.prefilter import canonical, reachable_qualnames

__all__ = ["ImportResolver", "canonical", "dotted_name", "import_anchor", "iter_statements", "reachable_qualnames"]

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
