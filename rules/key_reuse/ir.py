"""The form in which PRN003 analyses a function: basic blocks of key operations.

A function (or a module's top level, or a lambda) becomes a control-flow graph
whose blocks hold a few kinds of operation on *paths* (``key``,
``self.rng``, ``keys[0]``): a `Use` reads, folds or consumes the key a path
holds; a `Bind` gives a path a new value; `Kill` forgets a path. Calls are
first recorded as `CallSite`s and turned into uses once every function of the
module is known (`calls`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import libcst as cst


class Effect(enum.IntEnum):
    """What an operation does to the key a path holds (SEMANTICS.md)."""

    READ = 0  # no effect: `key_data`, `print`, `clone`, `.shape`
    FOLD = 1  # derives without consuming: `fold_in`
    CONSUME = 2  # samplers, unknown calls
    SPLIT = 3  # consumes, and collides with `fold_in` on the same parent
    REPEAT = 4  # consumed on every iteration of a loop the code cannot see


# Abstract values of expressions while the graph is built. Tuples keep them
# cheap: ("path", path, node), ("fresh",), ("array",), ("stream", path),
# ("tuple", items), ("container", items), ("multi", items), ("closure", node,
# renames). None stands for anything the analysis does not track.
Value = tuple[Any, ...] | None

# Sources of a `Bind`: ("fresh",) a new key, ("array",) a new array of keys,
# ("opaque",) a new value of unknown kind, ("alias", path), ("elem", path,
# index), ("item", path) an element drawn by iteration, ("stream", path),
# ("multi", sources).
Source = tuple[Any, ...]


@dataclass(eq=False, slots=True)
class Use:
    """A read, fold or consumption of the key held by `path`."""

    path: str
    effect: Effect
    node: cst.CSTNode  # reported here: the key expression, or the call
    call: cst.CSTNode | None  # the call that uses the key, for messages
    keypos: bool  # the path is in a key position: its value is a key
    literal: str | None = None  # the data of `fold_in(key, <literal>)`
    via: str | None = None  # the closure or helper through which the use happens
    inner: cst.CSTNode | None = None  # where a closure consumes the key
    inner_at: str | None = None  # where a function of another module consumes it (`pkg/utils.py:12`)
    index: int = 0
    block: int = -1
    anchor: cst.CSTNode | None = None
    loop: cst.CSTNode | None = None
    facts: tuple[Any, ...] = ()  # `feasibility.Fact`s of the branches the use lies in
    origin: str = "unknown"  # how sure the analysis is that the use draws: see `ORIGINS`


# How a consuming `Use` came about, for the fix: "draw" a `jax.random` sampler,
# `split` or Equinox layer; "summary" a function of the module whose every
# consumption of the key is a draw; "unknown" any other call; "store" a call
# that keeps the key (a container, a checkpoint, a log) rather than drawing.
ORIGINS = ("draw", "summary", "unknown", "store")


@dataclass(eq=False, slots=True)
class Bind:
    """`path` receives a new value from `source`."""

    path: str
    source: Source
    node: cst.CSTNode
    vid: int = 0
    index: int = 0
    block: int = -1


@dataclass(eq=False, slots=True)
class Kill:
    """Forget `path` (`del key`) or, with `children_only`, what lies below it."""

    path: str
    children_only: bool = False
    index: int = 0
    block: int = -1


@dataclass(eq=False, slots=True)
class Arg:
    """One argument of a call as the graph builder saw it."""

    keyword: str | None
    star: str  # "", "*" or "**"
    value: Value
    node: cst.BaseExpression


@dataclass(eq=False, slots=True)
class CallSite:
    """A call whose effects depend on what the callee turns out to be."""

    call: cst.Call
    qualname: str | None
    receiver: str | None  # path of `obj` in `obj.method(...)`
    method: str | None
    callee: str | None  # path of `f` in `f(...)`
    args: list[Arg]
    index: int = 0
    block: int = -1
    anchor: cst.CSTNode | None = None
    loop: cst.CSTNode | None = None
    facts: tuple[Any, ...] = ()
    owner: str | None = None  # what the receiver is known to be: `pkg.Class`, or `pkg.f()` for a call's result


Op = Use | Bind | Kill | CallSite


@dataclass(eq=False, slots=True)
class Block:
    """A basic block: operations run in order, then control goes to a successor."""

    id: int
    ops: list[Op] = field(default_factory=list)
    succs: list[int] = field(default_factory=list)


@dataclass(eq=False)
class Graph:
    """The control-flow graph of one function, lambda or module top level."""

    node: cst.CSTNode
    blocks: list[Block]
    entry: int
    params: list[str]  # parameter names, in order
    param_kinds: dict[str, str]  # name -> "pos", "kwonly", "star", "starstar"
    bound: set[str]  # names bound anywhere in the body (locals)
    declared: set[str]  # names declared `global` or `nonlocal`
    closures: dict[str, cst.CSTNode | None]  # local name -> nested def/lambda (None if ambiguous)
    closure_renames: dict[int, dict[str, str]]  # id(lambda) -> comprehension renames
    rngs: set[str]  # paths that hold an `nnx.Rngs`
    loops: list[tuple[int, int]]  # op index ranges of loops
    op_count: int = 0
    # id(`functools.partial(...)` call bound to a local name) -> its call site
    partials: dict[int, CallSite] = field(default_factory=dict)

    def all_ops(self) -> list[Op]:
        """Every operation of every block."""
        return [op for block in self.blocks for op in block.ops]
