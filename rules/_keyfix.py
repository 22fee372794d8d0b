"""The fix PRN003 offers: split the key once, before its first use, one subkey per use.

Offered only where every consumption of the key lies in one basic block (no
branch, loop or jump between them), each spelled as the plain name of the
key, and the first sits in a statement that has a line of its own. The key
is rebound by the same `split` when it is a local name, so that later code
(and the next iteration of a loop) sees a fresh key; a key read from an
enclosing scope is not rebound, since assigning it would make it local to
the function.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import libcst as cst

from prnglint.diagnostics import Applicability
from prnglint.engine import FixSpec, InsertStatementBefore, NodeEdit, Replace
from prnglint.rules._keyflow import Finding
from prnglint.rules._keyir import Graph, Use

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def plan_fixes(
    findings: Sequence[Finding], graph: Graph, split: str | None, code: Callable[[], str]
) -> dict[int, FixSpec]:
    """Fixes for groups of reuses, keyed by `id()` of the finding that carries each.

    `code` gives the source of the function, asked for only when a fix is
    planned: new names must not clash with any name it uses.
    """
    if split is None:
        return {}
    groups: dict[int, list[Finding]] = {}
    for finding in findings:
        first = finding.first
        if finding.kind != "reuse" or first is None:
            continue
        groups.setdefault(id(first), []).append(finding)
    fixes: dict[int, FixSpec] = {}
    taken: set[str] | None = None
    for group in groups.values():
        first = group[0].first
        assert first is not None
        uses = [first] + [finding.use for finding in group]
        if not _fixable(uses):
            continue
        if taken is None:
            taken = set(_IDENTIFIER.findall(code()))
        path = first.path
        names = _subkey_names(path, len(uses), taken)
        taken.update(names)
        rebind = _is_local(path, graph)
        targets = ", ".join(([path] if rebind else []) + names)
        count = len(uses) + (1 if rebind else 0)
        call = f"{split}({path})" if count == 2 else f"{split}({path}, {count})"
        edits: list[NodeEdit] = [InsertStatementBefore(first.anchor, f"{targets} = {call}")]  # type: ignore[arg-type]
        edits.extend(Replace(use.node, cst.Name(name)) for use, name in zip(uses, names))
        message = f"Split `{path}` once before its first use and give each of its {len(uses)} uses its own subkey"
        fixes[id(group[0])] = FixSpec(Applicability.SAFE, message, tuple(edits))
    return fixes


def _fixable(uses: list[Use]) -> bool:
    first = uses[0]
    path = first.path
    if not path.isidentifier() or first.anchor is None:
        return False
    seen: set[int] = set()
    for use in uses:
        if use.block != first.block or use.index < first.index:
            return False
        if use.inner is not None or not isinstance(use.node, cst.Name) or use.node.value != path:
            return False
        if id(use.node) in seen:
            return False
        seen.add(id(use.node))
    return True


def _subkey_names(base: str, count: int, taken: set[str]) -> list[str]:
    attempt = 0
    while True:
        suffix = "" if attempt == 0 else f"_{attempt}"
        names = [f"{base}_{index}{suffix}" for index in range(1, count + 1)]
        if not any(name in taken for name in names):
            return names
        attempt += 1


def _is_local(path: str, graph: Graph) -> bool:
    if isinstance(graph.node, cst.Module):
        return True
    return path in graph.params or (path in graph.bound and path not in graph.declared)

