"""JAX's function transformations and the functions a module hands to them (PRN006, PRN010).

Facts from jax 0.10, equinox 0.13 and flax 0.12: which functions trace the
function they are given (`jax.jit`, `jax.grad`, `jax.vmap`, `lax.scan` bodies,
`eqx.filter_jit`, `nnx.jit`, ...), at which argument, and how a mapping
transformation is told which arguments it maps (`in_axes`).

`TransformTracker` records, during the engine's walk, every application of a
transformation: a decorator (`@jax.jit`, `@jax.jit(static_argnames=...)`,
`@functools.partial(jax.vmap, in_axes=(0, None))`) or a call that is handed a
function (`jax.jit(step)`, `lax.scan(body, ...)`, `jax.vmap(lambda x: ...)`).
`applied_functions` then says which `def`s and lambdas of the module those
are, following names through the module's scopes, `self.method`,
`functools.partial(f, ...)` and nested transformations (`jax.jit(jax.vmap(f))`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from prnglint.rules._scopes import ScopeInfo, ScopeTracker

Kind = Literal["compiled", "differentiated", "mapped", "looped", "branched", "rematerialised"]


@dataclass(frozen=True)
class Transform:
    """A function transformation: what it does and where its function arguments stand."""

    qualname: str
    kind: Kind
    # (position, keyword) of each argument that is a function; position None: keyword only.
    functions: tuple[tuple[int | None, str], ...] = ((0, "fun"),)
    # For mapping transformations: where `in_axes` is passed.
    in_axes: tuple[int | None, str] | None = None
    # `lax.switch` takes a sequence of functions.
    sequence: bool = False


def _table() -> dict[str, Transform]:
    table: list[Transform] = [
        Transform("jax.jit", "compiled"),
        Transform("jax.experimental.pjit.pjit", "compiled"),
        Transform("jax.pmap", "mapped", in_axes=(None, "in_axes")),
        Transform("jax.vmap", "mapped", in_axes=(1, "in_axes")),
        Transform("jax.checkpoint", "rematerialised"),
        Transform("jax.remat", "rematerialised"),
        Transform("jax.shard_map", "compiled", ((0, "f"),)),
        Transform("jax.experimental.shard_map.shard_map", "compiled", ((0, "f"),)),
        Transform("jax.lax.scan", "looped", ((0, "f"),)),
        Transform("jax.lax.map", "looped", ((0, "f"),)),
        Transform("jax.lax.associative_scan", "looped", ((0, "fn"),)),
        Transform("jax.lax.fori_loop", "looped", ((2, "body_fun"),)),
        Transform("jax.lax.while_loop", "looped", ((0, "cond_fun"), (1, "body_fun"))),
        Transform("jax.lax.cond", "branched", ((1, "true_fun"), (2, "false_fun"))),
        Transform("jax.lax.switch", "branched", ((1, "branches"),), sequence=True),
        Transform("equinox.filter_jit", "compiled"),
        Transform("equinox.filter_grad", "differentiated"),
        Transform("equinox.filter_value_and_grad", "differentiated"),
        Transform("equinox.filter_vmap", "mapped", in_axes=(None, "in_axes")),
        Transform("equinox.filter_pmap", "mapped", in_axes=(None, "in_axes")),
        Transform("equinox.filter_checkpoint", "rematerialised"),
        Transform("flax.nnx.jit", "compiled"),
        Transform("flax.nnx.grad", "differentiated", ((0, "f"),)),
        Transform("flax.nnx.value_and_grad", "differentiated", ((0, "f"),)),
        Transform("flax.nnx.vmap", "mapped", ((0, "f"),), in_axes=(None, "in_axes")),
        Transform("flax.nnx.pmap", "mapped", ((0, "f"),), in_axes=(None, "in_axes")),
        Transform("flax.nnx.remat", "rematerialised", ((0, "f"),)),
        Transform("flax.nnx.shard_map", "compiled", ((0, "f"),)),
        Transform("flax.nnx.scan", "looped", ((0, "f"),)),
        Transform("flax.nnx.fori_loop", "looped", ((2, "body_fun"),)),
        Transform("flax.nnx.while_loop", "looped", ((0, "cond_fun"), (1, "body_fun"))),
        Transform("flax.nnx.cond", "branched", ((1, "true_fun"), (2, "false_fun"))),
        Transform("flax.nnx.switch", "branched", ((1, "branches"),), sequence=True),
    ]
    for name in ("grad", "value_and_grad", "jacfwd", "jacrev", "hessian", "jvp", "vjp", "linearize"):
        table.append(Transform(f"jax.{name}", "differentiated"))
    return {transform.qualname: transform for transform in table}


TRANSFORMS: dict[str, Transform] = _table()
MAPPING = frozenset(
    name for name, transform in TRANSFORMS.items() if transform.kind == "mapped" and "pmap" not in name
)
PARTIAL = frozenset({"functools.partial"})

# Functions whose function argument runs on the host when the program runs,
# not while it is traced: what it draws is drawn on every call.
HOST_CALLBACKS: dict[str, tuple[int, str]] = {
    "jax.pure_callback": (0, "callback"),
    "jax.experimental.io_callback": (0, "callback"),
    "jax.experimental.host_callback.call": (0, "callback_func"),
    "jax.experimental.host_callback.id_tap": (0, "tap_func"),
    "jax.debug.callback": (0, "callback"),
}


def argument(call: cst.Call, position: int | None, keyword: str) -> cst.BaseExpression | None:
    """The argument of `call` passed at `position` (None: keyword only) or as `keyword`."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    if position is None:
        return None
    positional = [arg for arg in call.args if arg.keyword is None]
    if any(arg.star for arg in positional[: position + 1]):
        return None
    if len(positional) > position:
        return positional[position].value
    return None


def _has_positional(call: cst.Call) -> bool:
    return any(arg.keyword is None for arg in call.args)


@dataclass(eq=False)
class Application:
    """One application of a transformation to a function expression (or a decorated `def`)."""

    transform: Transform
    # The function: an expression to resolve, or the decorated `def` itself.
    function: cst.BaseExpression | cst.FunctionDef
    # Where the expression stands.
    scope: ScopeInfo
    # The call or decorator that applies the transformation (for messages).
    site: cst.CSTNode
    # Keyword arguments given to the transformation (`in_axes=...`), and its own call.
    options: dict[str, cst.BaseExpression] = field(default_factory=dict)
    call: cst.Call | None = None


@dataclass(eq=False)
class Applied:
    """A function of the module that a transformation traces."""

    node: cst.FunctionDef | cst.Lambda
    application: Application
    # Parameters already bound by `functools.partial`: how many positionally, and which by keyword.
    bound_positional: int = 0
    bound_keywords: frozenset[str] = frozenset()


class TransformTracker(ScopeTracker):
    """Mixin for a rule: every application of a transformation in the module, recorded during the walk."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - passes the rule's arguments on
        super().__init__(*args, **kwargs)
        self.applications: list[Application] = []
        self.host_functions: list[tuple[cst.BaseExpression, ScopeInfo]] = []

    def transform_of(self, node: cst.BaseExpression) -> tuple[Transform, dict[str, cst.BaseExpression]] | None:
        """The transformation a decorator applies, with the keywords it was given."""
        qualname = self.context.qualname(node) if isinstance(node, cst.Name | cst.Attribute) else None  # type: ignore[attr-defined]
        if qualname in TRANSFORMS:
            return TRANSFORMS[qualname], {}
        if not isinstance(node, cst.Call):
            return None
        callee = self.context.qualname(node.func)  # type: ignore[attr-defined]
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        if callee in TRANSFORMS and not _has_positional(node):
            # `@jax.jit(static_argnames=...)`: a decorator factory.
            return TRANSFORMS[callee], keywords
        if callee in PARTIAL and node.args and node.args[0].keyword is None:
            inner = self.context.qualname(node.args[0].value)  # type: ignore[attr-defined]
            if inner in TRANSFORMS:
                positional = [arg.value for arg in node.args[1:] if arg.keyword is None]
                transform = TRANSFORMS[inner]
                if transform.in_axes is not None and transform.in_axes[0] == 1 and positional:
                    keywords.setdefault(transform.in_axes[1], positional[0])
                return transform, keywords
        return None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        outer = self.scope_stack[-1]
        super().visit_FunctionDef(node)
        for decorator in node.decorators:
            found = self.transform_of(decorator.decorator)
            if found is not None:
                transform, options = found
                self.applications.append(Application(transform, node, outer, decorator, options))

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.context.qualname(node.func)  # type: ignore[attr-defined]
        if qualname is None:
            return
        transform = TRANSFORMS.get(qualname)
        if transform is not None:
            keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
            if transform.in_axes is not None:
                axes = argument(node, *transform.in_axes)
                if axes is not None:
                    keywords[transform.in_axes[1]] = axes
            for position, keyword in transform.functions:
                function = argument(node, position, keyword)
                if function is None:
                    continue
                functions = (
                    [element.value for element in function.elements]
                    if transform.sequence and isinstance(function, cst.List | cst.Tuple)
                    else [function]
                )
                for each in functions:
                    self.applications.append(Application(transform, each, self.current_scope(), node, keywords, node))
            return
        callback = HOST_CALLBACKS.get(qualname)
        if callback is not None:
            function = argument(node, *callback)
            if function is not None:
                self.host_functions.append((function, self.current_scope()))

    # --- Resolving functions ------------------------------------------------------------

    def resolve_function(
        self, expression: cst.BaseExpression, scope: ScopeInfo, depth: int = 0
    ) -> list[tuple[cst.FunctionDef | cst.Lambda, int, frozenset[str]]]:
        """The module's functions an expression may evaluate to, with what `partial` binds of them."""
        if depth > 4:
            return []
        if isinstance(expression, cst.Lambda):
            return [(expression, 0, frozenset())]
        if isinstance(expression, cst.Name):
            found = [(d, 0, frozenset()) for d in self.definitions_of(expression.value, scope) if isinstance(d, cst.FunctionDef)]
            owner = self.binding_scope(expression.value, scope)
            if owner is not None and expression.value not in owner.opaque and expression.value not in owner.unpacked:
                # `step = functools.partial(f, cfg)` or `f = lambda x: ...`, then `jax.jit(step)`.
                for value in owner.assignments.get(expression.value, []):
                    if isinstance(value, cst.Lambda | cst.Call):
                        found.extend(self.resolve_function(value, owner, depth + 1))
            return found
        if isinstance(expression, cst.Attribute) and isinstance(expression.value, cst.Name):
            owner = scope.enclosing_class()
            function = scope.enclosing_function()
            if owner is None or function is None or not isinstance(function.node, cst.FunctionDef):
                return []
            params = function.node.params.params
            if not params or params[0].name.value != expression.value.value:
                return []
            # A bound method: its first parameter is the instance.
            return [
                (d, 1, frozenset())
                for d in owner.definitions.get(expression.attr.value, [])
                if isinstance(d, cst.FunctionDef)
            ]
        if isinstance(expression, cst.Call):
            callee = self.context.qualname(expression.func)  # type: ignore[attr-defined]
            if callee in PARTIAL and expression.args and expression.args[0].keyword is None:
                positional = sum(1 for arg in expression.args[1:] if arg.keyword is None and not arg.star)
                keywords = frozenset(arg.keyword.value for arg in expression.args if arg.keyword is not None)
                return [
                    (node, bound + positional, kw | keywords)
                    for node, bound, kw in self.resolve_function(expression.args[0].value, scope, depth + 1)
                ]
            if callee in TRANSFORMS:
                # `jax.jit(jax.vmap(f))`: what the inner transformation is given is traced too.
                transform = TRANSFORMS[callee]
                found: list[tuple[cst.FunctionDef | cst.Lambda, int, frozenset[str]]] = []
                for position, keyword in transform.functions:
                    inner = argument(expression, position, keyword)
                    if inner is not None:
                        found.extend(self.resolve_function(inner, scope, depth + 1))
                return found
        return []

    def applied_functions(self) -> list[Applied]:
        """Every function of the module that some transformation traces, once per application."""
        found: list[Applied] = []
        for application in self.applications:
            if isinstance(application.function, cst.FunctionDef):
                found.append(Applied(application.function, application))
                continue
            for node, bound, keywords in self.resolve_function(application.function, application.scope):
                found.append(Applied(node, application, bound, keywords))
        return found

    def host_callback_functions(self) -> set[int]:
        """The ids of the functions handed to host callbacks (`jax.pure_callback`, ...)."""
        ids: set[int] = set()
        for expression, scope in self.host_functions:
            ids.update(id(node) for node, _, _ in self.resolve_function(expression, scope))
        return ids
