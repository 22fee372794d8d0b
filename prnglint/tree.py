"""Fast, read-only access to a libcst tree's children, in libcst's own order.

libcst's `CSTNode.children` runs the node's `_visit_and_replace_children`
with a collecting visitor: it rebuilds the node as it goes, and costs more
than reading the fields. Rules that walk subtrees themselves (scopes, names
read) call `children` here instead: the same nodes, in the same order. The
fields of a node class that hold children, and their order, are read once
per class from libcst's own `_visit_and_replace_children`, so they follow
libcst whatever its version.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import libcst as cst


class _FieldSpy(cst.CSTVisitor):
    """Records the fields `_visit_and_replace_children` visits, without descending."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        return False

    def on_leave(self, original_node: cst.CSTNode) -> None:
        return None

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        self.fields.append(attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


class _Stand:
    """Stands for every child of a `_Fake` node: visitable, iterable (empty), never None."""

    def visit(self, visitor: object) -> _Stand:
        return self

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def _is_removable(self) -> bool:
        return False


class _Fake:
    """A node of any class whose every field is present, so that every field gets visited."""

    def __getattr__(self, name: str) -> _Stand:
        return _Stand()


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(node: cst.CSTNode) -> tuple[str, ...]:
    """The fields of `node`'s class that hold children, in libcst's visiting order."""
    cls = type(node)
    fields = _CHILD_FIELDS.get(cls)
    if fields is not None:
        return fields
    real = _FieldSpy()
    node._visit_and_replace_children(real)
    visited = tuple(dict.fromkeys(real.fields))
    if cls in _UNSTABLE:
        return visited
    spy = _FieldSpy()
    try:
        cls._visit_and_replace_children(_Fake(), spy)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - rebuilding from stand-ins fails after every field was visited
        pass
    fields = tuple(dict.fromkeys(spy.fields))
    if tuple(f for f in fields if f in visited) != visited:
        # Not the fixed order the engine expects from this libcst: ask libcst
        # about every node of this class (slow, but exact).
        _UNSTABLE.add(cls)
        return visited
    _CHILD_FIELDS[cls] = fields
    return fields


_UNSTABLE: set[type] = set()


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Exactly `node.children` (the immediate child nodes, in order), without rebuilding anything."""
    cls = type(node)
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        if cls in _UNSTABLE:
            return list(node.children)
        fields = _child_fields(node)
        if cls in _UNSTABLE:
            return list(node.children)
    found: list[cst.CSTNode] = []
    for attribute in fields:
        value = getattr(node, attribute)
        kind = type(value)
        if kind in NODE_TYPES or (kind is not tuple and kind is not list and is_node(value)):
            found.append(value)
        elif kind is tuple or kind is list:
            found.extend(child for child in value if type(child) in NODE_TYPES or is_node(child))
    return found


def code_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """`children(node)` without the layout nodes (whitespace, comments, punctuation, operators; see `LAYOUT`).

    For walks that look for names, calls, bindings or statements: no layout
    node holds any of those, at any depth.
    """
    cls = type(node)
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        if cls in _UNSTABLE:
            return [child for child in node.children if type(child) not in LAYOUT]
        fields = _child_fields(node)
        if cls in _UNSTABLE:
            return [child for child in node.children if type(child) not in LAYOUT]
    layout = LAYOUT
    syntax = SYNTAX_TYPES
    found: list[cst.CSTNode] = []
    for attribute in fields:
        value = getattr(node, attribute)
        kind = type(value)
        if kind in syntax:
            found.append(value)
        elif kind is tuple or kind is list:
            found.extend(child for child in value if type(child) in syntax or (type(child) not in layout and is_node(child)))
        elif kind not in layout and is_node(value):
            found.append(value)
    return found


_MEMOS: list[dict[Any, Any]] = []


def file_memo() -> dict[Any, Any]:
    """A cache for facts that depend only on a node's subtree, emptied by `forget` after each file.

    Several rules walk the same scopes of one tree; the first walk can keep
    what it found for the next. Entries hold their nodes, so a cached answer
    is always about the node it is keyed by; `forget` only frees the memory.
    """
    memo: dict[Any, Any] = {}
    _MEMOS.append(memo)
    return memo


def forget() -> None:
    """Empty every `file_memo` (the engine calls this when it has linted a file)."""
    for memo in _MEMOS:
        memo.clear()


def is_node(value: object) -> bool:
    """`isinstance(value, cst.CSTNode)`, remembering node classes first met here (libcst's are ABCs: slow to ask)."""
    kind = type(value)
    if kind in NODE_TYPES:
        return True
    if value is None or kind in _NOT_NODES or not isinstance(value, cst.CSTNode):
        _NOT_NODES.add(kind)
        return False
    NODE_TYPES.add(kind)
    if kind not in LAYOUT:
        SYNTAX_TYPES.add(kind)
    return True


def _node_classes() -> set[type]:
    found: set[type] = set()
    pending: list[type] = [cst.CSTNode]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                pending.append(sub)
    return {cls for cls in found if not getattr(cls, "__abstractmethods__", None)}


def _layout_classes() -> frozenset[type]:
    """Node classes that hold only layout (whitespace, comments, punctuation, operators), all the way down."""
    kinds = (
        cst.BaseParenthesizableWhitespace,
        cst.BaseBinaryOp,
        cst.BaseBooleanOp,
        cst.BaseCompOp,
        cst.BaseUnaryOp,
        cst.BaseAugOp,
    )
    tokens = (
        cst.TrailingWhitespace,
        cst.EmptyLine,
        cst.Comment,
        cst.Newline,
        cst.Comma,
        cst.Dot,
        cst.Colon,
        cst.Semicolon,
        cst.AssignEqual,
        cst.LeftParen,
        cst.RightParen,
        cst.LeftSquareBracket,
        cst.RightSquareBracket,
        cst.LeftCurlyBrace,
        cst.RightCurlyBrace,
    )
    found = {value for value in vars(cst).values() if isinstance(value, type) and issubclass(value, kinds)}
    return frozenset(cls for cls in found | set(tokens) if not getattr(cls, "__abstractmethods__", None))


LAYOUT = _layout_classes()


# Concrete node classes (a set lookup instead of an ABC `isinstance`), and those that are not layout.
NODE_TYPES: set[type] = _node_classes()
SYNTAX_TYPES: set[type] = NODE_TYPES - LAYOUT
_NOT_NODES: set[type] = {type(None), str, cst.MaybeSentinel}
