"""The forward dataflow of PRN003: which key values are consumed on which paths.

The abstract state at a program point maps each tracked path to the set of
values it may hold, and each value to its `Status` (consumed where, folded
where, with which literals). Values are made where they are bound; a value
is a key if it was made by a key source (`key`, `split`, an NNX stream) or
if it reaches a key position (a `jax.random` call, an Equinox `key=`, a key
parameter of a helper). Consuming a value that may already be consumed on
some path to this point is a reuse.

Joins take the union of paths' values and the "may" union of statuses; a
value no path refers to any more is forgotten before a join, so that a key
rebound in a loop (`key, sub = split(key)`) does not drag the consumed old
value into the next iteration. Each block is visited a bounded number of
times, so the cost stays linear in the size of the function.
"""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass
from typing import Any

from prnglint.rules.key_reuse.feasibility import common, exclusive
from prnglint.rules.key_reuse.ir import Bind, Effect, Graph, Kill, Use
from prnglint.rules.key_reuse.summaries import PathEffect, Summary, split_root

_MAX_VISITS = 4
# Bounds on the abstract state that keep every operation and join cheap, so
# that the cost stays linear however long a function is: a path holding more
# possible values than this is widened to one merged value, and a key records
# at most this many fold_in literals and consumed elements.
_MAX_VALUES = 16
_MAX_LITERALS = 32
_MAX_PARTS = 32

Val = Any  # int for a value made by a binding or on entry, (parent, index) for an element


class Status:
    """What has happened to one key value so far, on some path."""

    __slots__ = ("consumed", "folded", "literals", "parts", "facts")

    def __init__(
        self,
        consumed: Use | None = None,
        folded: Use | None = None,
        literals: tuple[tuple[str, Use], ...] = (),
        parts: tuple[tuple[str, "Status"], ...] = (),
        facts: tuple[Any, ...] = (),
    ) -> None:
        self.consumed = consumed
        self.folded = folded
        self.literals = literals
        self.parts = parts
        # What held wherever the value was consumed (`feasibility`): a later
        # consumption under contradicting facts cannot follow it.
        self.facts = facts

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Status)
            and self.consumed is other.consumed
            and self.folded is other.folded
            and self.literals == other.literals
            and self.parts == other.parts
            and self.facts == other.facts
        )

    def __hash__(self) -> int:  # pragma: no cover - statuses are compared, not hashed
        return hash((id(self.consumed), id(self.folded), self.literals))

    def part(self, index: str) -> "Status":
        """The status of element `index` of this array of keys."""
        for key, status in self.parts:
            if key == index:
                return status
        return FRESH

    def with_part(self, index: str, status: "Status") -> "Status":
        """This status with element `index` set to `status` (beyond `_MAX_PARTS` elements, unchanged)."""
        others = [(k, s) for k, s in self.parts if k != index]
        if len(others) >= _MAX_PARTS:
            return self
        parts = tuple(sorted(others + [(index, status)], key=lambda p: p[0]))
        return Status(self.consumed, self.folded, self.literals, parts, self.facts)

    def any_part_consumed(self) -> "Status | None":
        """The status of some element of this array that was consumed, if one was."""
        for _, status in self.parts:
            if status.consumed is not None:
                return status
            inner = status.any_part_consumed()
            if inner is not None:
                return inner
        return None


FRESH = Status()


def _join_status(a: Status, b: Status) -> Status:
    if a == b:
        return a
    literals = a.literals
    for literal in b.literals:
        if len(literals) >= _MAX_LITERALS:
            break
        if all(literal[0] != mine[0] for mine in literals):
            literals = literals + (literal,)
    parts = dict(a.parts)
    for key, status in b.parts:
        if key in parts:
            parts[key] = _join_status(parts[key], status)
        elif len(parts) < _MAX_PARTS:
            parts[key] = status
    if a.consumed is not None and b.consumed is not None:
        facts = common(a.facts, b.facts)
    else:
        facts = a.facts if a.consumed is not None else b.facts
    return Status(
        a.consumed or b.consumed,
        a.folded or b.folded,
        literals,
        tuple(sorted(parts.items(), key=lambda p: p[0])),
        facts,
    )


@dataclass(eq=False)
class Finding:
    """A possible reuse, kept until the analysis knows whether the value is a key."""

    kind: str  # reuse, loop, fold-after-consume, split-after-fold, same-fold, repeat
    use: Use
    value: Val
    first: Use | None


class KeyFlow:
    """Run the dataflow over one resolved graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.findings: list[Finding] = []
        self._reported: set[tuple[int, str]] = set()
        self.marked: set[Val] = set()  # values that reached a key position
        self.origin: set[int] = set()  # values made by a key source
        self.parents: dict[int, set[Val]] = {}  # values drawn by iterating other values
        self.entry_paths: dict[int, str] = {}
        self.entry_effects: dict[str, PathEffect] = {}
        self._lazy: dict[int, int] = {}
        self._versions: dict[tuple[int, int], int] = {}
        self._version_of: dict[int, int] = {}
        self._version_block: dict[int, int] = {}
        self._merged: dict[tuple[str, int], int] = {}
        self._next_vid = 0
        self._prepare()

    # --- Preparation ----------------------------------------------------------------

    def _new_vid(self) -> int:
        self._next_vid += 1
        return self._next_vid

    def _prepare(self) -> None:
        graph = self.graph
        ops = graph.all_ops()
        rngs = set(graph.rngs)
        for op in ops:
            if isinstance(op, Bind):
                op.vid = self._new_vid()
                if op.source[0] == "alias" and op.source[1] in rngs:
                    rngs.add(op.path)
        self.rngs = rngs
        # Candidates: paths that may hold a key, found flow-insensitively, so
        # that the dataflow ignores every other variable. Parameters and names
        # from enclosing scopes are tracked too, for the function's summary.
        bound_locals = graph.bound - set(graph.params) - graph.declared
        seeds: set[str] = set()
        links: dict[str, set[str]] = {}

        def link(a: str, b: str) -> None:
            links.setdefault(a, set()).add(b)
            links.setdefault(b, set()).add(a)

        for op in ops:
            if isinstance(op, Use):
                # Keys by position; and parameters and outer names passed on
                # whole, which the summary must know about.
                if op.keypos or (op.path.isidentifier() and op.path not in bound_locals):
                    seeds.add(op.path)
            elif isinstance(op, Bind):
                for kind, data in _source_parts(op.source):
                    if kind in ("fresh", "array") or (kind == "stream" and data in rngs):
                        seeds.add(op.path)
                    elif kind == "elem":
                        link(op.path, data[0])
                    elif kind in ("alias", "item"):
                        link(op.path, data)
            path = getattr(op, "path", None)
            if path is not None and path.endswith("]"):
                link(path, path[: path.rfind("[")])
        candidates: set[str] = set()
        stack = list(seeds)
        while stack:
            path = stack.pop()
            if path in candidates:
                continue
            candidates.add(path)
            stack.extend(links.get(path, ()))
        self.candidates = candidates
        parents: set[str] = set()
        for path in candidates:
            for index, char in enumerate(path):
                if char in ".[" and index > 0:
                    parents.add(path[:index])
        self.has_children = parents
        self.death = self._deaths(ops)
        self.entry_candidates = [
            path
            for path in sorted(candidates)
            if not path.endswith("]") and split_root(path)[0] not in bound_locals and "#" not in path
        ]

    def _deaths(self, ops: list[Any]) -> dict[str, int]:
        """The index of the last operation that refers to each candidate path.

        A reference inside a loop keeps the path alive to the end of the
        outermost loop around it, since the back edge can bring control to it
        again. Dropping paths once they are dead keeps the states small, so
        that the cost of the analysis stays linear in the size of a function
        however many keys it makes.
        """
        outermost: list[tuple[int, int]] = []
        for start, end in sorted(self.graph.loops):
            if outermost and start < outermost[-1][1]:
                if end > outermost[-1][1]:
                    outermost[-1] = (outermost[-1][0], end)
                continue
            outermost.append((start, end))
        starts = [start for start, _ in outermost]

        def extended(index: int) -> int:
            position = bisect.bisect_right(starts, index) - 1
            if position >= 0 and index < outermost[position][1]:
                return outermost[position][1]
            return index

        candidates = self.candidates
        death: dict[str, int] = {}
        for op in ops:
            paths = [op.path]
            if isinstance(op, Bind):
                for kind, data in _source_parts(op.source):
                    if kind == "elem":
                        paths.append(data[0])
                    elif kind in ("alias", "item", "stream"):
                        paths.append(data)
            last = extended(op.index)
            for path in paths:
                while True:
                    if path in candidates and death.get(path, -1) < last:
                        death[path] = last
                    cut = max(path.rfind("."), path.rfind("["))
                    if cut <= 0:
                        break
                    path = path[:cut]
        return death

    # --- Running -----------------------------------------------------------------------

    def run(self) -> None:
        """Propagate states to a fixpoint (bounded) and collect findings."""
        graph = self.graph
        blocks = graph.blocks
        if not self.candidates:
            return
        order = _reverse_postorder(graph)
        entry_env: dict[str, frozenset[Val]] = {}
        for path in self.entry_candidates:
            vid = self._new_vid()
            self.entry_paths[vid] = path
            entry_env[path] = frozenset((vid,))
        states: dict[int, tuple[dict[str, frozenset[Val]], dict[Val, Status]]] = {graph.entry: (entry_env, {})}
        heap = [(order[graph.entry], graph.entry)]
        queued = {graph.entry}
        visits = [0] * len(blocks)
        while heap:
            _, block_id = heapq.heappop(heap)
            queued.discard(block_id)
            visits[block_id] += 1
            if visits[block_id] > _MAX_VISITS:
                continue
            env_in, status_in = states[block_id]
            ops = blocks[block_id].ops
            if ops:
                start = ops[0].index
                death = self.death
                env = {path: values for path, values in env_in.items() if death.get(path, -1) >= start}
            else:
                env = dict(env_in)
            status = dict(status_in)
            for op in ops:
                kind = type(op)
                if kind is Use:
                    if op.path in self.candidates:  # type: ignore[union-attr]
                        self._use(op, env, status)  # type: ignore[arg-type]
                elif kind is Bind:
                    self._bind(op, env, status)  # type: ignore[arg-type]
                elif kind is Kill:
                    self._kill(op, env)  # type: ignore[arg-type]
            _collect(env, status)
            for successor in blocks[block_id].succs:
                previous = states.get(successor)
                if previous is None:
                    states[successor] = (env, status)
                else:
                    joined = self._join(previous, (env, status), successor)
                    if joined is previous:
                        continue
                    states[successor] = joined
                if successor not in queued and successor in order:
                    queued.add(successor)
                    heapq.heappush(heap, (order[successor], successor))

    # --- Joins -----------------------------------------------------------------------------

    def _version(self, value: int, block: int) -> int:
        """The value `value` takes when it reaches `block` with another status than it has there."""
        if self._version_block.get(value) == block:
            return value
        key = (value, block)
        version = self._versions.get(key)
        if version is None:
            version = self._versions[key] = self._new_vid()
            self._version_of[version] = value
            self._version_block[version] = block
        return version

    def _join(self, old: "State", new: "State", block: int) -> "State":
        """The may-union of two states; returns `old` itself when nothing changes.

        A value that reaches the join consumed on one side and not on the
        other (for example the key held by `self.key` and, before the loop, by
        `key`) is split in two: the incoming copy is renamed, so that a path
        holding the value only on the fresh side does not inherit the other
        side's consumption.
        """
        old_env, old_status = old
        new_env, new_status = new
        old_roots = _roots(old_env)
        new_roots = _roots(new_env)
        renames: dict[Val, Val] = {}
        for value in (set(old_status) & new_roots) | (set(new_status) & old_roots):
            if old_status.get(value, FRESH) != new_status.get(value, FRESH):
                version = self._version(value, block)
                if version != value:
                    renames[value] = version
        if renames:
            new_env = {path: frozenset(_rename(v, renames) for v in values) for path, values in new_env.items()}
            new_status = {renames.get(value, value): status for value, status in new_status.items()}
        env = old_env
        for path, values in new_env.items():
            mine = env.get(path)
            if mine is None:
                merged = values
            elif values <= mine:
                continue
            else:
                merged = mine | values
            if env is old_env:
                env = dict(old_env)
            env[path] = merged
        status = old_status
        for value, theirs in new_status.items():
            mine_status = status.get(value)
            if mine_status is None and value in old_roots:
                mine_status = FRESH
            merged_status = theirs if mine_status is None else _join_status(mine_status, theirs)
            if mine_status is not None and merged_status == mine_status:
                continue
            if status is old_status:
                status = dict(old_status)
            status[value] = merged_status
        if env is old_env and status is old_status:
            return old
        wide = [path for path, values in env.items() if len(values) > _MAX_VALUES]
        if wide:
            env, status = self._widen(env, status, wide, block)
        return env, status

    def _widen(
        self, env: dict[str, frozenset[Val]], status: dict[Val, Status], paths: list[str], block: int
    ) -> "State":
        """Merge the values of `paths` into one value per path (keeping its may-status)."""
        env = dict(env)
        status = dict(status)
        for path in paths:
            key = (path, block)
            merged = self._merged.get(key)
            if merged is None:
                merged = self._merged[key] = self._new_vid()
                self.parents[merged] = set()
            roots = {value for value in env[path] if not isinstance(value, tuple)}
            self.parents[merged].update(roots - {merged})
            joined = status.get(merged, FRESH)
            for value in roots:
                if value != merged and value in status:
                    joined = _join_status(joined, status.pop(value))
            if joined is not FRESH:
                status[merged] = joined
            renames = {value: merged for value in roots}
            for other, values in env.items():
                if values & roots:
                    env[other] = frozenset(_rename(value, renames) for value in values)
        return env, status

    # --- Transfer functions -------------------------------------------------------------

    def _lookup(self, path: str, env: dict[str, frozenset[Val]], status: dict[Val, Status], op: Any) -> frozenset[Val]:
        values = env.get(path)
        if values is not None:
            return values
        if path.endswith("]"):
            cut = path.rfind("[")
            base = self._lookup(path[:cut], env, status, op)
            index = path[cut + 1 : -1]
            return frozenset((value, index) for value in base)
        # Never bound on this path: a value the function did not make (read
        # after a rebinding of its container, or before its own binding).
        vid = self._lazy.get(id(op))
        if vid is None:
            vid = self._lazy[id(op)] = self._new_vid()
        status.pop(vid, None)
        values = frozenset((vid,))
        env[path] = values
        return values

    def _use(self, op: Use, env: dict[str, frozenset[Val]], status: dict[Val, Status]) -> None:
        values = self._lookup(op.path, env, status, op)
        if op.keypos:
            # Only the element in the key position becomes a key, not the
            # container it was read from: `state["rng"]` being a key says
            # nothing about `state["params"]` (nor about `state` itself).
            for value in values:
                self.marked.add(value)
                self.marked.add(self._unversioned(value))
        effect = op.effect
        if effect is Effect.READ:
            for value in values:
                self._record_entry(value, op, keypos=op.keypos)
            return
        # Check every value before changing any: after a join a path may hold
        # both an array and one of its elements, consumed here together.
        checks = []
        for value in values:
            current = _get(status, value)
            previous, facts = _consumed_before(status, value, current)
            if previous is not None and previous is not op and exclusive(facts, op.facts):
                previous = None  # consumed only on paths that cannot lead here
            checks.append((value, current, previous))
        for value, current, previous in checks:
            self._record_entry(
                value, op, keypos=op.keypos, consumed=effect >= Effect.CONSUME, folded=effect is Effect.FOLD
            )
            if effect is Effect.FOLD:
                if previous is not None:
                    self._find("fold-after-consume", op, value, previous)
                elif op.literal is not None:
                    for literal, site in current.literals:
                        if literal == op.literal:
                            self._find("same-fold", op, value, site)
                            break
                continue
            if previous is not None:
                self._find("loop" if previous is op else "reuse", op, value, previous)
            elif effect is Effect.SPLIT and current.folded is not None:
                self._find("split-after-fold", op, value, current.folded)
            if effect is Effect.REPEAT:
                self._find("repeat", op, value, None)
        for value, _, _ in checks:
            current = _get(status, value)
            if effect is Effect.FOLD:
                literals = current.literals
                if (
                    op.literal is not None
                    and len(literals) < _MAX_LITERALS
                    and all(literal != op.literal for literal, _ in literals)
                ):
                    literals = literals + ((op.literal, op),)
                _set(
                    status, value, Status(current.consumed, current.folded or op, literals, current.parts, current.facts)
                )
            elif current.consumed is None:
                _set(status, value, Status(op, current.folded, current.literals, current.parts, op.facts))
            elif current.consumed is not op and exclusive(current.facts, op.facts):
                # Consumed on two paths that exclude each other: now consumed
                # under what both have in common.
                facts = common(current.facts, op.facts)
                _set(status, value, Status(op, current.folded, current.literals, current.parts, facts))

    def _bind(self, op: Bind, env: dict[str, frozenset[Val]], status: dict[Val, Status]) -> None:
        path = op.path
        if path in self.has_children:
            _kill_children(path, env)
        if path not in self.candidates:
            return
        values: set[Val] = set()
        for kind, data in _source_parts(op.source):
            if kind in ("alias",):
                values |= self._lookup(data, env, status, op)
            elif kind == "elem":
                index = str(data[1])
                values |= {(value, index) for value in self._lookup(data[0], env, status, op)}
            elif kind == "item":
                status.pop(op.vid, None)
                self.parents[op.vid] = set(self._lookup(data, env, status, op))
                values.add(op.vid)
            else:
                status.pop(op.vid, None)
                if kind in ("fresh", "array") or (kind == "stream" and data in self.rngs):
                    self.origin.add(op.vid)
                values.add(op.vid)
        env[path] = frozenset(values)

    def _kill(self, op: Kill, env: dict[str, frozenset[Val]]) -> None:
        if op.path in self.has_children:
            _kill_children(op.path, env)
        if not op.children_only:
            env.pop(op.path, None)

    def _find(self, kind: str, op: Use, value: Val, first: Use | None) -> None:
        key = (id(op), kind)
        if key in self._reported:
            return
        self._reported.add(key)
        self.findings.append(Finding(kind, op, value, first))

    def _record_entry(
        self, value: Val, op: Use, *, keypos: bool, consumed: bool = False, folded: bool = False
    ) -> None:
        path = self._entry_path(value)
        if path is None:
            return
        effect = self.entry_effects.get(path)
        if effect is None:
            effect = self.entry_effects[path] = PathEffect()
        if consumed and op.origin not in ("draw", "summary"):
            effect.unsure = True
        if consumed and not effect.consumed:
            effect.consumed = True
            effect.node = op.inner or op.node
        if folded and not effect.folded:
            effect.folded = True
            if effect.node is None:
                effect.node = op.inner or op.node
        effect.keypos = effect.keypos or keypos

    def _entry_path(self, value: Val) -> str | None:
        suffix = ""
        while isinstance(value, tuple):
            suffix = f"[{value[1]}]" + suffix
            value = value[0]
        while value in self._version_of:
            value = self._version_of[value]
        path = self.entry_paths.get(value)
        return None if path is None else path + suffix

    # --- Results -------------------------------------------------------------------------

    def _unversioned(self, value: Val) -> Val:
        """`value` with its root traced back through join versions to the value first made."""
        if isinstance(value, tuple):
            return (self._unversioned(value[0]), value[1])
        while value in self._version_of:
            value = self._version_of[value]
        return value

    def is_key(self, value: Val) -> bool:
        """True if `value`, or a value it is an element of, was made as a key or reached a key position.

        Keyness flows from a container to its elements (`keys` to `keys[0]`)
        but never back up or across: a key at `state["rng"]` does not make
        `state["params"]` a key.
        """
        indices: list[Any] = []
        root = value
        while isinstance(root, tuple):
            indices.append(root[1])
            root = root[0]
        indices.reverse()
        seen: set[Val] = set()
        stack = [root]
        while stack:
            item = stack.pop()
            if item in seen:
                continue
            seen.add(item)
            if item in self.origin:
                return True
            prefix = item
            if prefix in self.marked:
                return True
            for index in indices:
                prefix = (prefix, index)
                if prefix in self.marked:
                    return True
            stack.extend(self.parents.get(item, ()))
            if item in self._version_of:
                stack.append(self._version_of[item])
        return False

    def key_findings(self) -> list[Finding]:
        """The findings whose value turned out to be a key, in program order."""
        result = [finding for finding in self.findings if self.is_key(finding.value)]
        result.sort(key=lambda finding: finding.use.index)
        return result

    def summary(self) -> Summary:
        """What this function does to keys given to it or read from enclosing scopes."""
        graph = self.graph
        params = set(graph.params)
        summary = Summary(list(graph.params), dict(graph.param_kinds))
        for path, effect in self.entry_effects.items():
            if effect.consumed or effect.folded or effect.keypos:
                summary.effects[path] = effect
        for op in graph.all_ops():
            if isinstance(op, Bind):
                root, rest = split_root(op.path)
                if (root in params and rest) or root in graph.declared:
                    summary.rebinds.add(op.path)
        del params
        return summary


# --- Helpers ----------------------------------------------------------------------------------


def _source_parts(source: tuple[Any, ...]) -> list[tuple[str, Any]]:
    kind = source[0]
    if kind == "multi":
        parts: list[tuple[str, Any]] = []
        for item in source[1]:
            parts.extend(_source_parts(item))
        return parts
    if kind == "elem":
        return [("elem", (source[1], source[2]))]
    return [(kind, source[1] if len(source) > 1 else None)]


def _get(status: dict[Val, Status], value: Val) -> Status:
    if isinstance(value, tuple):
        return _get(status, value[0]).part(value[1])
    return status.get(value, FRESH)


def _set(status: dict[Val, Status], value: Val, new: Status) -> None:
    if isinstance(value, tuple):
        parent = _get(status, value[0])
        _set(status, value[0], parent.with_part(value[1], new))
    else:
        status[value] = new


def _consumed_before(status: dict[Val, Status], value: Val, current: Status) -> tuple[Use | None, tuple[Any, ...]]:
    """Where `value` (or the array it is part of, or a part of it) was consumed, and under which facts."""
    if current.consumed is not None:
        return current.consumed, current.facts
    parent = value
    while isinstance(parent, tuple):
        parent = parent[0]
        holder = _get(status, parent)
        if holder.consumed is not None:
            return holder.consumed, holder.facts
    part = current.any_part_consumed()
    if part is not None:
        return part.consumed, part.facts
    return None, ()


def _kill_children(path: str, env: dict[str, frozenset[Val]]) -> None:
    dot, bracket = path + ".", path + "["
    for other in [p for p in env if p.startswith(dot) or p.startswith(bracket)]:
        del env[other]


def _roots(env: dict[str, frozenset[Val]]) -> set[Val]:
    roots: set[Val] = set()
    for values in env.values():
        for value in values:
            while isinstance(value, tuple):
                value = value[0]
            roots.add(value)
    return roots


def _collect(env: dict[str, frozenset[Val]], status: dict[Val, Status]) -> None:
    """Forget the status of values that no path refers to any more."""
    if not status:
        return
    live = _roots(env)
    for value in [v for v in status if v not in live]:
        del status[value]


State = tuple[dict[str, frozenset[Val]], dict[Val, Status]]


def _rename(value: Val, renames: dict[Val, Val]) -> Val:
    if isinstance(value, tuple):
        return (_rename(value[0], renames), value[1])
    return renames.get(value, value)


def _reverse_postorder(graph: Graph) -> dict[int, int]:
    blocks = graph.blocks
    seen = {graph.entry}
    postorder: list[int] = []
    stack: list[tuple[int, int]] = [(graph.entry, 0)]
    while stack:
        block_id, child = stack[-1]
        succs = blocks[block_id].succs
        if child < len(succs):
            stack[-1] = (block_id, child + 1)
            successor = succs[child]
            if successor not in seen:
                seen.add(successor)
                stack.append((successor, 0))
        else:
            stack.pop()
            postorder.append(block_id)
    return {block_id: index for index, block_id in enumerate(reversed(postorder))}
