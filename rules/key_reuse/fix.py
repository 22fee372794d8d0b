"""The fix PRN003 offers: split the key once, before its first use, one subkey per use.

Offered only where every consumption of the key lies in one basic block (no
branch, loop or jump between them), each spelled as the plain name of the
key, and the first sits in a statement that has a line of its own.

Safety. The fix is safe only when every use it rewrites is a certain draw: a
`jax.random` sampler or `split`, an Equinox layer's `key=`, or a function of
the module whose every consumption of that parameter is such a draw (its
summary says so). If one use is a call the analysis does not know, the fix
is offered as unsafe and says which; if one use stores the key (`dict(key=
key)`, `ckpt.save(...)`, `history.append(key)`, a key in a container
literal), no fix is offered: the stored key would change.

Names. A use inside the value of a statement that assigns to one plain name
(`x = jax.random.normal(key, ...)`, `noise = 0.05 * jax.random.normal(key,
...)`, `x: Array = ...`) gets a subkey named after what it makes: `x_key`,
`noise_key`. If any use of the group cannot be named so (an augmented, tuple,
chained or attribute assignment, a bare expression, a target named `_` or
like the key itself), if two uses would get the same name, or if any of the
names is already an identifier of the function (or was chosen by another fix
in it), or if the split would not fit on a line of `MAX_LINE` characters, the
whole group falls back to `key_1`, `key_2`, ... (suffixed further until none
is taken): one split's subkeys are always named the same way.

Rebinding. The split rebinds the key too (`key, x_key, noise_key =
split(key, 3)`), so that code after the uses, and the next iteration of a
loop, sees a fresh key; it leaves the key alone (`x_key, noise_key =
split(key)`) only when the key is certainly dead after its last use:

- a key read from an enclosing scope is never rebound, since assigning it
  would make it local to the function;
- a name of a module's top level is rebound only if the module names it
  again after the first use, or in a function or class (importers then see
  the key they saw before);
- a parameter or local of a function is left alone only if the analysis'
  graph has no operation on it after the last use (its liveness also covers
  the back edge of any loop around the uses), and the function's text names
  it nowhere from the first use's statement on, nor in any nested function,
  lambda or class, and calls no `locals`, `vars`, `eval` or `exec` from
  there on. The second check catches reads the graph does not record
  (`return key`, `key.shape`, an f-string); when in doubt, the key is
  rebound.

A rebinding that code outside the rewritten lines can see (`return key`
after the uses, a later `print(key)`, a nested function that reads it)
changes the key that code sees, so such a fix is unsafe, and its message
names the read (`loop_fix.later_reader`). A rebinding only the rewritten
uses see again (the next turn of a loop around them) keeps the fix safe.

Loops. A key consumed on every iteration of a `for`/`while` loop gets the
fix of `loop_fix` instead, which covers every use in the loop body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import libcst as cst

from prnglint.diagnostics import Applicability
from prnglint.engine import FixSpec, InsertStatementBefore, NodeEdit, Replace
from prnglint.rules._keyfix import MAX_LINE, names_after_targets, numbered_names
from prnglint.rules.key_reuse.flow import Finding
from prnglint.rules.key_reuse.ir import Effect, Graph, Use
from prnglint.rules.key_reuse.loop_fix import (
    LoopFixContext,
    reader_from,
    describe_reader,
    later_reader,
    may_hold_key_array,
    plan_loop_fixes,
)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def plan_fixes(
    findings: Sequence[Finding],
    graph: Graph,
    death: Mapping[str, int],
    split: str | None,
    code: Callable[[], str],
    column: Callable[[cst.CSTNode], int],
    loops: LoopFixContext | None = None,
) -> dict[int, FixSpec]:
    """Fixes for groups of reuses, keyed by `id()` of the finding that carries each.

    `death` maps each path the dataflow tracked to the index of the last
    operation that refers to it (`KeyFlow.death`). `code` gives the source of
    the function, asked for only when a fix is planned: new names must not
    clash with any name it uses. `column` gives the 0-based column of a
    statement, asked for only to check the length of a split named after
    targets. `loops`, when given, enables the fix of keys consumed on every
    iteration of a loop (`loop_fix`); a reuse whose uses that fix rewrites
    gets no straight-line fix of its own.
    """
    if split is None:
        return {}
    fixes: dict[int, FixSpec] = {}
    taken: set[str] | None = None

    def names_in_use() -> set[str]:
        nonlocal taken
        if taken is None:
            taken = set(_IDENTIFIER.findall(code()))
        return taken

    line = loops.line if loops is not None else None
    covered: set[int] = set()
    if loops is not None:
        for planned in plan_loop_fixes(findings, graph, loops, names_in_use, _applicability):
            fixes[id(planned.carrier)] = planned.fix
            covered.update(id(use.node) for use in planned.uses)
    groups: dict[int, list[Finding]] = {}
    for finding in findings:
        first = finding.first
        if finding.kind != "reuse" or first is None:
            continue
        groups.setdefault(id(first), []).append(finding)
    for group in groups.values():
        first = group[0].first
        assert first is not None
        uses = [first] + [finding.use for finding in group]
        if any(id(use.node) in covered for use in uses):
            continue
        if not _fixable(uses):
            continue
        if may_hold_key_array(first.path, graph.all_ops()):
            continue  # `split` takes one key: an array of keys (`split(k, n)`) would make it raise
        applicability, why = _applicability(uses)
        if applicability is None:
            continue
        taken = names_in_use()
        path = first.path
        rebind = _rebinds(path, uses, graph, death)
        if rebind:
            # Rebinding changes the key that every later reader of the name sees.
            reader = later_reader(graph.node, first.anchor, path, {id(use.node) for use in uses})  # type: ignore[arg-type]
            if reader is None and isinstance(graph.node, cst.Module):
                rebind = False  # nothing in the module reads it again; importers see the key they saw before
            elif reader is not None and line is not None:
                applicability = Applicability.UNSAFE
                why = (
                    f"unsafe: the split rebinds `{path}`, so {describe_reader(reader, line)} would see another key "
                    f"than it sees now"
                ) + (f"; {why[len('unsafe: '):]}" if why else "")
        names = _names_after_targets(path, uses, taken)
        statement = _split_statement(split, path, rebind, names) if names is not None else ""
        if names is None or column(first.anchor) + len(statement) > MAX_LINE:  # type: ignore[arg-type]
            names = numbered_names(path, len(uses), taken)
            statement = _split_statement(split, path, rebind, names)
        taken.update(names)
        edits: list[NodeEdit] = [InsertStatementBefore(first.anchor, statement)]  # type: ignore[arg-type]
        edits.extend(Replace(use.node, cst.Name(name)) for use, name in zip(uses, names))
        message = f"Split `{path}` once before its first use and give each of its {len(uses)} uses its own subkey"
        if why:
            message += f" ({why})"
        fixes[id(group[0])] = FixSpec(applicability, message, tuple(edits))
    return fixes


def _applicability(uses: Sequence[Use]) -> tuple[Applicability | None, str]:
    """Safe when every use is a certain draw; unsafe when one is an unknown call; none for a store.

    Giving a subkey to code that draws from its key changes only the numbers
    drawn. Code that may do something else with it (an unknown call) would
    see another key, so the fix is offered as unsafe; code that keeps the key
    (a container, a checkpoint, a log) would now keep a key nothing draws
    from, which is wrong, so no fix is offered.
    """
    if any(use.origin == "store" for use in uses):
        return None, ""
    unsure = [use for use in uses if use.origin not in ("draw", "summary")]
    if not unsure:
        return Applicability.SAFE, ""
    names = ", ".join(dict.fromkeys(f"`{use.via}`" if use.via else "a call" for use in unsure))
    return Applicability.UNSAFE, f"unsafe: {names} is not known to draw from the key, and would receive a subkey instead"


def _split_statement(split: str, path: str, rebind: bool, names: list[str]) -> str:
    """`x_key, noise_key = split(key)`, or `key, a, b, c = split(key, 4)` when the key is rebound."""
    targets = ", ".join(([path] if rebind else []) + names)
    count = len(names) + (1 if rebind else 0)
    call = f"{split}({path})" if count == 2 else f"{split}({path}, {count})"
    return f"{targets} = {call}"


def _fixable(uses: list[Use]) -> bool:
    first = uses[0]
    path = first.path
    if not path.isidentifier() or first.anchor is None:
        return False
    seen: set[int] = set()
    for use in uses:
        if use.block != first.block or use.index < first.index:
            return False
        if not isinstance(use.node, cst.Name) or use.node.value != path:
            return False
        if use.effect is Effect.REPEAT:
            return False  # consumed inside a function run repeatedly: one subkey would not do
        if id(use.node) in seen:
            return False
        seen.add(id(use.node))
    return True


# --- Names ---------------------------------------------------------------------------


def _names_after_targets(path: str, uses: list[Use], taken: set[str]) -> list[str] | None:
    """`<target>_key` for each use, or None if the group cannot be named so (see the module docs)."""
    return names_after_targets(path, [use.anchor for use in uses], [use.node for use in uses], taken)


# --- Rebinding --------------------------------------------------------------------------


def _rebinds(path: str, uses: list[Use], graph: Graph, death: Mapping[str, int]) -> bool:
    """Whether the split must rebind the key as well (see the module docs; `plan_fixes` refines a module's case)."""
    if isinstance(graph.node, cst.Module):
        return True
    if not _is_local(path, graph):
        return False
    last = max(use.index for use in uses)
    if death.get(path, last + 1) > last:
        return True
    first = uses[0]
    assert first.anchor is not None
    return _named_from(graph.node, first.anchor, path, {id(use.node) for use in uses})


def _is_local(path: str, graph: Graph) -> bool:
    return path in graph.params or (path in graph.bound and path not in graph.declared)


def _named_from(root: cst.CSTNode, anchor: cst.CSTNode, path: str, replaced: set[int]) -> bool:
    """True if `path` may be read from `anchor` on, in source order, or in any nested scope of `root`.

    The uses being replaced (`replaced`) do not count; assigning the name counts.
    """
    return reader_from(root, anchor, path, replaced, assignments_read=True) is not None
