"""The fix PRN003 offers for a key consumed on every iteration of a `for` or `while` loop.

A key from before the loop, consumed in the loop's body and never rebound in
it, gives every iteration the same numbers. The fix gives each iteration a
key of its own, with one statement at the top of the body, and rewrites every
consumption of the key in the body to use it. It takes one of two forms:

- **split**: ``key, noise_key = jax.random.split(key)`` (``split(key, n)``
  for several consumptions). The key is rebound, so the next iteration
  splits a fresh key. This is the usual idiom and works for any loop, but it
  changes the key that every later reader of the name sees: the rest of the
  body, the loop's test, the next iteration of an enclosing loop, the code
  after the loop and any function defined in the scope.
- **fold_in**: ``noise_key = jax.random.fold_in(key, step)``, for a `for`
  loop over ``range(...)`` (or ``enumerate(...)``) whose index the body does
  not rebind, when no other loop of the function encloses it (an enclosing
  loop would run the same indices again) and nothing but a sampler consumes
  the key outside the loop (``split(key, n)[i]`` equals ``fold_in(key, i)``:
  a later split would hand out the loop's keys again). The key itself is
  untouched.

Which form. The split is chosen when nothing outside the rewritten lines
reads the key's name from the top of the loop body on (the check is by name
over the function's text, which also sees reads the dataflow does not
record: ``return key``, an f-string, ``locals()``). Otherwise the fold_in is
chosen when the loop has an index, since it leaves every other reader with
the key it saw before. Failing both, the split is offered as unsafe, and its
message names the later read that would see another key.

Safety follows the straight-line fix (`fix`): safe only when every rewritten
use is a certain draw (a `jax.random` sampler or `split`, an Equinox `key=`,
or a function of the module whose summary says it draws); unsafe when one is
a call the analysis does not know; no fix when one stores the key.

No fix is offered when the key is also consumed before the loop on a path
into it (a split in the loop would split a consumed key), when the function
folds into the key anywhere (a split or fold in the loop would collide with
that fold), when the loop
binds or deletes the name, when a consumption lies in a loop or
comprehension nested in the body (one key per outer iteration would still
repeat), when the body shares the line of its `for`/`while` (there is no line
to insert before), or for a comprehension, which has no statement to hold
the split. A key of an enclosing function is never rebound (that would make
it local); it gets the fold_in form or nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

from prnglint.diagnostics import Applicability
from prnglint.engine import FixSpec, InsertStatementBefore, NodeEdit, Replace
from prnglint.rules._keyfix import MAX_LINE, names_after_targets, numbered_names, single_name
from prnglint.rules.key_reuse.flow import Finding
from prnglint.rules.key_reuse.ir import Bind, Effect, Graph, Use

# Builtins that read a function's locals without naming them.
_INTROSPECTION = frozenset({"locals", "vars", "eval", "exec"})
# Code whose body may run at any later time: it can read the key whenever it is called.
_DEFERRED = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
_LOOPS = (cst.For, cst.While)


@dataclass(frozen=True)
class LoopFixContext:
    """What the loop fix needs from the file: spellings, positions and the names it binds."""

    split: str
    fold_in: str | None  # None when the file cannot spell `jax.random.fold_in`
    line: Callable[[cst.CSTNode], int]
    column: Callable[[cst.CSTNode], int]
    module_binds: Callable[[str], bool]  # True if any scope of the file binds the name


@dataclass
class LoopFix:
    """A planned loop fix: the finding that carries it, and every use it rewrites."""

    carrier: Finding
    uses: list[Use]
    fix: FixSpec


def plan_loop_fixes(
    findings: Sequence[Finding],
    graph: Graph,
    context: LoopFixContext,
    taken: Callable[[], set[str]],
    applicability: Callable[[Sequence[Use]], tuple[Applicability | None, str]],
) -> list[LoopFix]:
    """One fix per (loop, key) that some finding reports as consumed on every iteration.

    `taken` gives the identifiers the function already uses (shared with the
    straight-line fix, and updated with the names chosen here);
    `applicability` says how sure a group of uses is (`fix._applicability`).
    """
    planned: list[LoopFix] = []
    done: set[tuple[int, str]] = set()
    ops: list[object] | None = None
    for finding in findings:
        use = finding.use
        loop = use.loop
        if finding.kind != "loop" or not isinstance(loop, _LOOPS):
            continue
        path = use.path
        if (id(loop), path) in done or not path.isidentifier():
            continue
        done.add((id(loop), path))
        if ops is None:
            ops = graph.all_ops()
        plan = _plan(path, loop, findings, graph, ops, context, taken, applicability)
        if plan is not None:
            planned.append(plan)
    return planned


def _plan(
    path: str,
    loop: cst.For | cst.While,
    findings: Sequence[Finding],
    graph: Graph,
    ops: Sequence[object],
    context: LoopFixContext,
    taken: Callable[[], set[str]],
    applicability: Callable[[Sequence[Use]], tuple[Applicability | None, str]],
) -> LoopFix | None:
    body = loop.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    anchor = _anchor(body.body[0])
    if anchor is None:
        return None
    if _binds_name(loop, path):
        return None  # the loop rebinds or deletes the key: where to split is a design decision
    if may_hold_key_array(path, ops):
        return None  # `split` takes one key: an array of keys (`split(k, n)`, for a vmapped helper) would raise
    in_body = _node_ids(body)
    uses: list[Use] = []
    # Whether something other than a sampler consumes the key outside the loop (a
    # split there would collide with the folds: `split(k, n)[i]` is `fold_in(k, i)`).
    split_outside = False
    for op in ops:
        if not isinstance(op, Use) or op.path != path:
            continue
        if op.effect is Effect.FOLD:
            # `fold_in(k, i)` equals `split(k, n)[i]`: a split or fold added in the loop would
            # collide with a fold of the same key anywhere around it.
            return None
        if id(op.node) not in in_body:
            if op.effect >= Effect.CONSUME and (op.effect is not Effect.CONSUME or op.origin != "draw"):
                split_outside = True
            continue
        if op.effect < Effect.CONSUME:
            continue  # a read or fold stays as it is, and counts as a reader below
        if op.effect is Effect.REPEAT or op.loop is not loop:
            return None  # consumed in a nested loop or comprehension: one key per iteration would repeat
        if not isinstance(op.node, cst.Name) or op.node.value != path:
            return None
        if any(other.node is op.node for other in uses):
            return None
        uses.append(op)
    if not uses:
        return None
    rewritten = {id(use.node) for use in uses}
    carriers = [f for f in findings if id(f.use.node) in rewritten]
    if any(f.first is not None and id(f.first.node) not in rewritten for f in carriers):
        return None  # also consumed before the loop: a split or fold in it would derive from a used key
    how, why = applicability(uses)
    if how is None:
        return None
    enclosing = _enclosing_loops(graph.node, loop)
    if enclosing is None:
        return None
    module = isinstance(graph.node, cst.Module)
    # A key of an enclosing scope cannot be rebound (that would make it local); a
    # module's own name can, but its functions and importers may read it at any time.
    rebindable = module or path in graph.params or (path in graph.bound and path not in graph.declared)
    reader = None if module else later_reader(graph.node, anchor, path, rewritten)
    index = _index_name(loop, path, context) if not enclosing and not split_outside else None
    names_taken = taken()
    if rebindable and not module and reader is None:
        form = "split"
    elif index is not None and context.fold_in is not None:
        form = "fold"
    elif rebindable:
        form = "split"
        how = Applicability.UNSAFE
        where = "any code of the module" if module else describe_reader(reader, context.line)
        why = (
            f"unsafe: the split rebinds `{path}`, so {where} would see another key than it sees now"
        ) + (f"; {why[len('unsafe: '):]}" if why else "")
    else:
        return None
    column = context.column(anchor)
    nodes = [use.node for use in uses]
    names = names_after_targets(path, [use.anchor for use in uses], nodes, names_taken)
    statement = _statement(form, path, index, names, context) if names is not None else ""
    if names is None or column + len(statement) > MAX_LINE:
        names = [single_name(names_taken)] if len(uses) == 1 else numbered_names(path, len(uses), names_taken)
        statement = _statement(form, path, index, names, context)
    if len(uses) == 1:
        what = "its use in the loop"
    else:
        what = f"each of its {len(uses)} uses in the loop"
    if form == "split":
        message = f"Split `{path}` at the top of the loop body, rebinding it, and give {what} a subkey"
    else:
        message = (
            f"Fold the loop index `{index}` into `{path}` at the top of the loop body and give {what} "
            f"{'a part of ' if len(uses) > 1 else ''}the folded key; `{path}` itself stays as it is"
        )
    names_taken.update(names)
    if why:
        message += f" ({why})"
    edits: list[NodeEdit] = [InsertStatementBefore(anchor, statement)]
    edits.extend(Replace(use.node, cst.Name(name)) for use, name in zip(uses, names))
    first = min(carriers, key=lambda f: f.use.index)
    return LoopFix(first, uses, FixSpec(how, message, tuple(edits)))


def may_hold_key_array(path: str, ops: Sequence[object]) -> bool:
    """True if the function binds `path` to an array of keys (`split(k, n)`), directly or through an alias."""
    arrays: set[str] = set()
    changed = True
    while changed:
        changed = False
        for op in ops:
            if not isinstance(op, Bind) or op.path in arrays:
                continue
            if any(kind == "array" or (kind == "alias" and data in arrays) for kind, data in _parts(op.source)):
                arrays.add(op.path)
                changed = True
    return path in arrays


def _parts(source: tuple) -> list[tuple[str, object]]:
    if source[0] == "multi":
        return [part for item in source[1] for part in _parts(item)]
    return [(source[0], source[1] if len(source) > 1 else None)]


def _statement(form: str, path: str, index: str | None, names: list[str], context: LoopFixContext) -> str:
    """`key, a_key = split(key)` (split form) or `a_key = fold_in(key, i)` (fold form)."""
    if form == "split":
        count = len(names) + 1
        call = f"{context.split}({path})" if count == 2 else f"{context.split}({path}, {count})"
        return f"{', '.join([path, *names])} = {call}"
    folded = f"{context.fold_in}({path}, {index})"
    if len(names) == 1:
        return f"{names[0]} = {folded}"
    count = "" if len(names) == 2 else f", {len(names)}"
    return f"{', '.join(names)} = {context.split}({folded}{count})"


def _anchor(statement: cst.BaseStatement) -> cst.CSTNode | None:
    """The node before which a statement inserted at the top of a block goes (None if there is none)."""
    if isinstance(statement, cst.SimpleStatementLine):
        return statement.body[0] if statement.body else None
    if isinstance(statement, cst.FunctionDef | cst.ClassDef) and statement.decorators:
        return None  # the statement's position starts after its decorators
    return statement


def _node_ids(root: cst.CSTNode) -> set[int]:
    ids: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        ids.add(id(node))
        stack.extend(node.children)
    return ids


def _enclosing_loops(root: cst.CSTNode, loop: cst.CSTNode) -> list[cst.CSTNode] | None:
    """The `for`/`while` loops around `loop` in `root`, outermost first (None if `loop` is not in `root`)."""
    stack: list[tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]] = [(root, ())]
    while stack:
        node, around = stack.pop()
        if node is loop:
            return list(around)
        if node is not root and isinstance(node, _DEFERRED):
            continue
        inner = around + (node,) if isinstance(node, _LOOPS) else around
        stack.extend((child, inner) for child in node.children)
    return None


def later_reader(root: cst.CSTNode, statement: cst.CSTNode, path: str, rewritten: set[int]) -> cst.CSTNode | None:
    """A node of `root` that may read the name `path` after `statement` (where a fix rebinds it) runs.

    That is any mention of the name (other than the `rewritten` uses) from
    `statement` on in source order or, when loops enclose `statement`, from
    the start of the outermost one's repeated part on (a `for`'s body, a
    `while`'s test: what the next iteration runs before reaching it again);
    and any mention or `locals()`-like call in a nested function, lambda or
    class, which may run at any time. Assigning the name is not a read.
    """
    enclosing = _enclosing_loops(root, statement) or []
    start = statement
    if enclosing:
        outermost = enclosing[0]
        start = outermost.body if isinstance(outermost, cst.For) else outermost.test  # type: ignore[attr-defined]
    return reader_from(root, start, path, rewritten)


def reader_from(
    root: cst.CSTNode, start: cst.CSTNode, path: str, rewritten: set[int], *, assignments_read: bool = False
) -> cst.CSTNode | None:
    """The first mention of `path` from `start` on, in source order, or in any nested scope of `root` (None if none).

    The uses being rewritten (`rewritten`) do not count. With
    `assignments_read`, a plain assignment to the name counts as a mention
    too (the straight-line fix's more cautious reading).
    """
    counting = False
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    while stack:
        node, deferred = stack.pop()
        if node is start:
            counting = True
        if isinstance(node, cst.Name):
            if id(node) not in rewritten and (counting or deferred) and (
                node.value == path or node.value in _INTROSPECTION
            ):
                return node
            continue
        if isinstance(node, cst.Attribute):
            children: Sequence[cst.CSTNode] = (node.value,)  # `obj.key` does not name `key`
        elif isinstance(node, cst.Arg):
            children = (node.value,)  # nor does `f(key=...)`
        elif not assignments_read and (
            isinstance(node, cst.AssignTarget | cst.For | cst.CompFor)
            or (isinstance(node, cst.AnnAssign) and node.value is not None)
        ):
            # Assigning the name reads nothing: whatever reads it afterwards
            # sees the new value (and is a mention of its own).
            children = [child for child in node.children if child is not node.target]
            children[:0] = _read_parts(node.target)
        else:
            children = node.children
        inner = deferred or (node is not root and isinstance(node, _DEFERRED))
        stack.extend((child, inner) for child in reversed(children))
    return None


def _read_parts(target: cst.CSTNode) -> list[cst.CSTNode]:
    """The parts of an assignment target that are evaluated (`d[k]` reads `d` and `k`), without its plain names."""
    if isinstance(target, cst.Name):
        return []
    if isinstance(target, cst.Tuple | cst.List):
        parts: list[cst.CSTNode] = []
        for element in target.elements:
            parts.extend(_read_parts(element.value))
        return parts
    if isinstance(target, cst.StarredElement):
        return _read_parts(target.value)
    return [target]


def describe_reader(reader: cst.CSTNode | None, line: Callable[[cst.CSTNode], int]) -> str:
    """How a message names the code that would see another key: `the read on line 12`."""
    if reader is None:
        return "code outside the rewritten lines"
    if isinstance(reader, cst.Name) and reader.value in _INTROSPECTION:
        return f"`{reader.value}()` on line {line(reader)}"
    return f"the read on line {line(reader)}"


def _index_name(loop: cst.For | cst.While, path: str, context: LoopFixContext) -> str | None:
    """The index of `for i in range(...)` or `for i, x in enumerate(...)`, if the body never rebinds it."""
    if not isinstance(loop, cst.For) or loop.asynchronous is not None:
        return None
    iterable = loop.iter
    if not isinstance(iterable, cst.Call) or not isinstance(iterable.func, cst.Name):
        return None
    builtin = iterable.func.value
    target = loop.target
    if builtin == "range":
        index = target
    elif builtin == "enumerate" and isinstance(target, cst.Tuple | cst.List) and len(target.elements) == 2:
        index = target.elements[0].value
    else:
        return None
    if context.module_binds(builtin) or not isinstance(index, cst.Name) or index.value in (path, "_"):
        return None
    name = index.value
    if _binds_name(loop.body, name):
        return None
    return name


def _binds_name(root: cst.CSTNode, name: str) -> bool:
    """True if `root` may assign `name` (any target, `del`, `global`, walrus, import, nested def)."""
    stack = [root]
    while stack:
        node = stack.pop()
        targets: list[cst.CSTNode] = []
        if isinstance(node, cst.AssignTarget | cst.AugAssign | cst.AnnAssign):
            targets = [node.target]
        elif isinstance(node, cst.For | cst.CompFor):
            targets = [node.target]
        elif isinstance(node, cst.NamedExpr):
            targets = [node.target]
        elif isinstance(node, cst.AsName):
            targets = [node.name]
        elif isinstance(node, cst.Del):
            targets = [node.target]
        elif isinstance(node, cst.FunctionDef | cst.ClassDef):
            if node.name.value == name:
                return True
        elif isinstance(node, cst.Global | cst.Nonlocal | cst.Import | cst.ImportFrom):
            if name in cst.Module([]).code_for_node(node).replace(",", " ").split():
                return True
        for target in targets:
            inner = [target]
            while inner:
                item = inner.pop()
                if isinstance(item, cst.Name) and item.value == name:
                    return True
                if isinstance(item, cst.Tuple | cst.List | cst.StarredElement | cst.Element):
                    inner.extend(item.children)
        stack.extend(node.children)
    return False
