"""Which names of one scope hold PRNG keys, judged by where their values come from.

Shared by PRN007, PRN008 and PRN011. A name holds a key when every binding
of it in the scope is a key by origin: a key constructor, deriver or
`nnx.Rngs` call (through the imports), an element of such a result
(`split(k)[0]`, `k1, k2 = split(k)`), an iteration over one
(`for k in split(key, n)`, `zip(xs, split(key, n))`), an `nnx.Rngs` stream
(`rngs.params()`), another key name, or a parameter annotated with a key
type. A parameter without such evidence neither makes nor breaks a name (a
`key` parameter rebound by `key, sub = split(key)` is a key in the body);
any other binding (a number, an unknown call, an import) means "not known to
be a key". Spelling never counts.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from prnglint.engine import FileContext
from prnglint.rules import _jax
from prnglint.tree import code_children, file_memo

# Annotations whose library declares them to be PRNG keys (or `nnx.Rngs`).
KEY_ANNOTATIONS = frozenset(
    {
        "chex.PRNGKey",
        "flax.typing.PRNGKey",
        "optax.PRNGKey",
        "optax._src.base.PRNGKey",
        "jaxtyping.PRNGKeyArray",
        "jaxtyping.Key",
        "jax.random.KeyArray",
        "jax.random.PRNGKeyArray",
        "jax.random.PRNGKey",
    }
)
RNGS_ANNOTATIONS = frozenset({_jax.RNGS})

Scope = cst.Module | cst.FunctionDef | cst.ClassDef | cst.Lambda
_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
# Every node class `ScopeKeys._collect` looks at.
_BINDING_TYPES = frozenset(
    {
        cst.Assign,
        cst.AnnAssign,
        cst.NamedExpr,
        cst.For,
        cst.CompFor,
        cst.AugAssign,
        cst.WithItem,
        cst.FunctionDef,
        cst.ClassDef,
        cst.ExceptHandler,
        cst.Import,
        cst.ImportFrom,
    }
)
_NOT_KEY = object()  # a binding known not to be a key
_KEY = object()  # a binding that is a key whatever the other names hold


def iter_scope(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node below `node` that belongs to its scope, in source order.

    Nested `def`, `lambda` and `class` nodes are yielded (their decorators,
    defaults and bases belong to this scope) but their bodies are not entered.
    Comprehensions count as part of the scope that contains them.
    """
    found = _SCOPE_NODES.get(node)
    if found is None:
        # PRN007, PRN011 and the key-origin analysis walk the same scopes: walk each once per file.
        found = []
        stack: list[cst.CSTNode] = list(reversed(_children_in_scope(node, top=True)))
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(reversed(_children_in_scope(current, top=False)))
        # Kept only once complete, so that no reader ever sees half a walk.
        _SCOPE_NODES[node] = found
    return iter(found)


_SCOPE_NODES: dict[cst.CSTNode, list[cst.CSTNode]] = file_memo()


def _children_in_scope(node: cst.CSTNode, *, top: bool) -> list[cst.CSTNode]:
    # `type(...) is`: libcst's node classes are ABCs, and an ABC `isinstance` costs ten times more.
    kind = type(node)
    if kind is cst.FunctionDef:
        if top:
            return [node.body]  # type: ignore[attr-defined]
        # Only defaults and annotations of a nested def run in this scope.
        return [d for d in node.decorators] + [  # type: ignore[attr-defined]
            p.default for p in _all_params(node.params) if p.default is not None  # type: ignore[attr-defined]
        ]
    if kind is cst.Lambda:
        if top:
            return [node.body]  # type: ignore[attr-defined]
        return [p.default for p in _all_params(node.params) if p.default is not None]  # type: ignore[attr-defined]
    if kind is cst.ClassDef:
        if top:
            return [node.body]  # type: ignore[attr-defined]
        return [d for d in node.decorators] + [b.value for b in node.bases]  # type: ignore[attr-defined]
    return code_children(node)


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    found = [*params.posonly_params, *params.params, *params.kwonly_params]
    if isinstance(params.star_arg, cst.Param):
        found.append(params.star_arg)
    if params.star_kwarg is not None:
        found.append(params.star_kwarg)
    return found


def positional_params(node: cst.FunctionDef | cst.Lambda) -> list[cst.Param]:
    """Parameters that can be passed by position, in order."""
    return [*node.params.posonly_params, *node.params.params]


def every_param(node: cst.FunctionDef | cst.Lambda) -> list[cst.Param]:
    """Every parameter of `node`, `*args` and `**kwargs` included."""
    return _all_params(node.params)


def annotation_kind(annotation: cst.Annotation | None, context: FileContext) -> str | None:
    """"key" or "rngs" when an annotation (also `Optional[...]`, `X | None`) declares one."""
    if annotation is None:
        return None
    return _annotation_kind(annotation.annotation, context)


def _annotation_kind(node: cst.BaseExpression, context: FileContext) -> str | None:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.BitOr):
        return _annotation_kind(node.left, context) or _annotation_kind(node.right, context)
    if isinstance(node, cst.SimpleString):
        try:
            return _annotation_kind(cst.parse_expression(node.evaluated_value), context)  # type: ignore[arg-type]
        except (cst.ParserSyntaxError, TypeError):
            return None
    if isinstance(node, cst.Subscript):
        head = context.qualname(node.value)
        if head in ("typing.Optional", "typing.Union"):
            for element in node.slice:
                if isinstance(element.slice, cst.Index):
                    kind = _annotation_kind(element.slice.value, context)
                    if kind is not None:
                        return kind
            return None
        node = node.value
    name = context.qualname(node)
    if name in RNGS_ANNOTATIONS:
        return "rngs"
    if name in KEY_ANNOTATIONS:
        return "key"
    return None


def bound_names(target: cst.BaseExpression) -> list[str]:
    """Plain names a target binds (`a`, `a, (b, *c)`); attributes and subscripts bind none."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, cst.Tuple | cst.List):
        names: list[str] = []
        for element in target.elements:
            names.extend(bound_names(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return bound_names(target.value)
    return []


def _is_builtin(node: cst.BaseExpression, name: str, context: FileContext) -> bool:
    return isinstance(node, cst.Name) and node.value == name and context.qualname(node) is None


class ScopeKeys:
    """The names of one scope that hold keys (and `nnx.Rngs`) by origin."""

    def __init__(self, scope: Scope, context: FileContext) -> None:
        self.scope = scope
        self.context = context
        self.keys: set[str] = set()
        self.rngs: set[str] = set()
        # name -> the origins of its bindings (expressions, or _KEY/_NOT_KEY)
        self._bindings: dict[str, list[object]] = {}
        self._neutral: set[str] = set()
        self._collect()
        self._solve()

    # --- bindings ---------------------------------------------------------

    def _bind(self, name: str, origin: object) -> None:
        self._bindings.setdefault(name, []).append(origin)

    def _bind_target(self, target: cst.BaseExpression, value: object) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, value)
            return
        if isinstance(target, cst.Tuple | cst.List):
            elements = target.elements
            if (
                isinstance(value, cst.Tuple | cst.List)
                and len(value.elements) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in (*elements, *value.elements))
            ):
                for element, item in zip(elements, value.elements):
                    self._bind_target(element.value, item.value)
                return
            # Unpacking a key array gives keys; anything else is unknown per element.
            for element in elements:
                self._bind_target(element.value, ("unpack", value))
            return
        if isinstance(target, cst.StarredElement):
            self._bind_target(target.value, value)

    def _bind_iteration(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        if isinstance(iterable, cst.Call) and isinstance(target, cst.Tuple | cst.List):
            elements = [e.value for e in target.elements]
            args = [a.value for a in iterable.args if a.keyword is None and not a.star]
            if _is_builtin(iterable.func, "zip", self.context) and len(args) == len(elements):
                for element, arg in zip(elements, args):
                    self._bind_iteration(element, arg)
                return
            if _is_builtin(iterable.func, "enumerate", self.context) and len(elements) == 2 and args:
                self._bind_target(elements[0], _NOT_KEY)
                self._bind_iteration(elements[1], args[0])
                return
        for name in bound_names(target):
            self._bind(name, ("unpack", iterable))

    def _collect(self) -> None:
        scope = self.scope
        if isinstance(scope, cst.FunctionDef | cst.Lambda):
            for param in every_param(scope):
                kind = annotation_kind(param.annotation, self.context)
                name = param.name.value
                if kind == "rngs":
                    self.rngs.add(name)
                elif kind == "key" or (param.default is not None and _jax.produces_key(param.default, self.context)):
                    self._bind(name, _KEY)
                else:
                    self._neutral.add(name)
        for node in iter_scope(scope):
            if type(node) not in _BINDING_TYPES:
                # Most nodes bind nothing; a set of exact classes says so faster than ABC `isinstance` checks.
                continue
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    self._bind_target(target.target, node.value)
            elif isinstance(node, cst.AnnAssign):
                kind = annotation_kind(node.annotation, self.context)
                if node.value is not None:
                    self._bind_target(node.target, _KEY if kind == "key" else node.value)
            elif isinstance(node, cst.NamedExpr):
                self._bind_target(node.target, node.value)
            elif isinstance(node, cst.For):
                self._bind_iteration(node.target, node.iter)
            elif isinstance(node, cst.CompFor):
                self._bind_iteration(node.target, node.iter)
            elif isinstance(node, cst.AugAssign):
                for name in bound_names(node.target):
                    self._bind(name, _NOT_KEY)
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                for name in bound_names(node.asname.name):
                    self._bind(name, _NOT_KEY)
            elif isinstance(node, cst.FunctionDef | cst.ClassDef):
                self._bind(node.name.value, _NOT_KEY)
            elif isinstance(node, cst.ExceptHandler) and node.name is not None:
                for name in bound_names(node.name.name):
                    self._bind(name, _NOT_KEY)
            elif isinstance(node, cst.Import | cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    local = alias.asname.name if alias.asname is not None else alias.name
                    while isinstance(local, cst.Attribute):
                        local = local.value
                    if isinstance(local, cst.Name):
                        self._bind(local.value, _NOT_KEY)

    def _solve(self) -> None:
        # Names made only by `nnx.Rngs(...)` calls (or forks of one) are Rngs.
        for name, origins in self._bindings.items():
            if origins and all(
                isinstance(o, cst.Call) and _jax.call_kind(o, self.context) == "rngs" for o in origins
            ):
                self.rngs.add(name)
        changed = True
        while changed:
            changed = False
            for name, origins in self._bindings.items():
                if name in self.keys or name in self.rngs:
                    continue
                if all(self._origin_is_key(origin) for origin in origins):
                    self.keys.add(name)
                    changed = True

    def _origin_is_key(self, origin: object) -> bool:
        if origin is _KEY:
            return True
        if origin is _NOT_KEY:
            return False
        if isinstance(origin, tuple):
            return self.is_key(origin[1])
        assert isinstance(origin, cst.BaseExpression)
        return self.is_key(origin)

    # --- queries ------------------------------------------------------------

    def is_key(self, node: cst.BaseExpression) -> bool:
        """True if `node` evaluates to a key, an array of keys or an `nnx.Rngs` (by origin)."""
        if isinstance(node, cst.Name):
            return node.value in self.keys or node.value in self.rngs
        if isinstance(node, cst.Subscript):
            return self.is_key(node.value)
        if isinstance(node, cst.IfExp):
            return self.is_key(node.body) and self.is_key(node.orelse)
        if isinstance(node, cst.Tuple | cst.List):
            return bool(node.elements) and all(
                not isinstance(e, cst.StarredElement) and self.is_key(e.value) for e in node.elements
            )
        if isinstance(node, cst.Call):
            kind = _jax.call_kind(node, self.context)
            if kind in ("constructor", "deriver", "rngs"):
                return True
            if self.is_stream_call(node):
                return True
            qualname = self.context.qualname(node.func)
            if qualname in _jax.ALIAS_CALLS and node.args and node.args[0].keyword is None:
                return self.is_key(node.args[0].value)
        return False

    def is_stream_call(self, node: cst.Call) -> bool:
        """`rngs()` or `rngs.params()` on an `nnx.Rngs` of this scope: a fresh key each call."""
        func = node.func
        if isinstance(func, cst.Name):
            return func.value in self.rngs and not node.args
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in self.rngs:
            return func.attr.value not in _jax.RNGS_METHODS and not node.args
        return False

    def bindings_of(self, name: str) -> int:
        """How many bindings of `name` the scope has (parameters not counted)."""
        return len(self._bindings.get(name, ()))


def names_read(node: cst.CSTNode) -> Iterator[cst.Name]:
    """Every `Name` below `node` (any depth, nested scopes included) that is not an attribute's field."""
    stack: list[cst.CSTNode] = [node]
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind is cst.Name:
            yield current  # type: ignore[misc]
            continue
        if kind is cst.Attribute:
            stack.append(current.value)  # type: ignore[attr-defined]
            continue
        if kind is cst.Arg:
            # A keyword's name is not a read.
            stack.append(current.value)
            continue
        stack.extend(reversed(code_children(current)))
