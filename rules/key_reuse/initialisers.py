"""Which values are initialisers, so that a call of one is known to take a key first (PRN003).

JAX's and Flax's initialisers are functions of ``(key, shape, dtype)``. A
value counts as an initialiser when it is, through the imports:

- a call of a factory in ``jax.nn.initializers`` (or Flax's re-exports,
  ``flax.linen.initializers``, ``nnx.initializers``): ``normal(0.02)``,
  ``lecun_normal()``, ``constant(0.0)``...;
- ``zeros`` or ``ones`` of those modules, named without a call;
- a module-level name bound once to one of the above
  (``default_kernel_init = initializers.lecun_normal()``).

Such a value is followed where it is bound: the default of a parameter
(``def dense(rng, W_init=glorot_normal()): W_init(rng, shape)``), a local
name assigned once, a field of a class assigned in its body and called
through the method's first parameter (``kernel_init: Callable =
default_kernel_init`` ... ``self.kernel_init(rng, shape)``, a linen module's
way), and a parameter or local name of an enclosing function that a nested
function calls (``def wrap(rng, shape): return kernel_init(rng, shape)``
inside the function whose parameter ``kernel_init`` is). The library table (`library`) then says what the call does: a
random initialiser consumes its first argument, a constant one only reads
it; either way that argument is known to be a key. A name alone says
nothing: ``my_init(rng, shape)`` stays an unknown call.
"""

from __future__ import annotations

import libcst as cst

from prnglint.engine import FileContext
from prnglint.rules.key_reuse import library as lib

_FACTORIES = frozenset(
    f"{module}.{name}"
    for module in lib.INITIALIZER_MODULES
    for name in (*lib.RANDOM_INITIALIZER_FACTORIES, *lib.CONSTANT_INITIALIZER_FACTORIES)
)
_DIRECT = frozenset(f"{module}.{name}" for module in lib.INITIALIZER_MODULES for name in lib.CONSTANT_INITIALIZERS)
_SHARED = "prn003.initialisers"


class Index:
    """The module's initialiser bindings: module-level names and class fields, with each method's class."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.module_names: dict[str, str | None] = {}
        self._fields_of_method: dict[int, dict[str, str]] = {}
        # Each function's own bindings of initialisers, and the function it is nested in.
        self._function_names: dict[int, dict[str, str | None]] = {}
        self._enclosing: dict[int, cst.FunctionDef | None] = {}
        self._bind_all(context.module.body, self.module_names)
        self._classes(context.module.body)
        self._functions(context.module.body, None)

    def value(self, node: cst.BaseExpression) -> str | None:
        """The table name of the initialiser `node` evaluates to, or None."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name | cst.Attribute):
            made = self.context.qualname(node.func)
            return made + "()" if made in _FACTORIES else None
        if isinstance(node, cst.Name | cst.Attribute):
            named = self.context.qualname(node)
            if named in _DIRECT:
                return named
            if isinstance(node, cst.Name):
                return self.module_names.get(node.value)
        return None

    def field(self, method: cst.CSTNode, name: str) -> str | None:
        """The initialiser that field `name` of `method`'s class holds, if the class body binds one."""
        return self._fields_of_method.get(id(method), {}).get(name)

    def enclosing(self, function: cst.CSTNode, name: str) -> str | None:
        """The initialiser `name` holds in the functions `function` is nested in (the nearest that binds it)."""
        outer = self._enclosing.get(id(function))
        while outer is not None:
            names = self._function_names.get(id(outer), {})
            if name in names:
                return names[name]
            outer = self._enclosing.get(id(outer))
        return None

    def _functions(self, body: tuple[cst.BaseStatement, ...] | list[cst.BaseStatement], outer: cst.FunctionDef | None) -> None:
        for statement in body:
            if isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
                self._functions(statement.body.body, None)  # a class body does not enclose its methods' names
            elif isinstance(statement, cst.FunctionDef):
                self._enclosing[id(statement)] = outer
                names: dict[str, str | None] = {}
                params = statement.params
                for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                    names[param.name.value] = self.value(param.default) if param.default is not None else None
                for param in (params.star_arg, params.star_kwarg):
                    if isinstance(param, cst.Param):
                        names[param.name.value] = None
                if isinstance(statement.body, cst.IndentedBlock):
                    self._bind_all(statement.body.body, names)
                    self._functions(statement.body.body, statement)
                self._function_names[id(statement)] = names
            elif isinstance(statement, cst.If | cst.With | cst.For | cst.While | cst.Try):
                for block in compound_blocks(statement):
                    self._functions(block, outer)

    def _bind_all(self, body: tuple[cst.BaseStatement, ...] | list[cst.BaseStatement], names: dict[str, str | None]) -> None:
        for statement in body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                target: cst.BaseExpression | None = None
                value: cst.BaseExpression | None = None
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target, value = small.targets[0].target, small.value
                elif isinstance(small, cst.AnnAssign) and small.value is not None:
                    target, value = small.target, small.value
                if isinstance(target, cst.Name) and value is not None:
                    made = self.value(value)
                    # A name bound twice, to different things, holds no known initialiser.
                    previous = names.get(target.value, made)
                    names[target.value] = made if previous == made else None

    def _classes(self, body: tuple[cst.BaseStatement, ...] | list[cst.BaseStatement]) -> None:
        for statement in body:
            if not isinstance(statement, cst.ClassDef) or not isinstance(statement.body, cst.IndentedBlock):
                continue
            fields: dict[str, str | None] = {}
            self._bind_all(statement.body.body, fields)
            known = {name: made for name, made in fields.items() if made is not None}
            for inner in statement.body.body:
                if isinstance(inner, cst.FunctionDef) and not any(
                    isinstance(d.decorator, cst.Name) and d.decorator.value == "staticmethod" for d in inner.decorators
                ):
                    self._fields_of_method[id(inner)] = known
            self._classes(statement.body.body)


def index(context: FileContext) -> Index:
    """The module's index, built once per file and shared by every function's graph."""
    return context.shared(_SHARED, lambda: Index(context))


def compound_blocks(statement: cst.CSTNode) -> list[tuple[cst.BaseStatement, ...]]:
    """The statement lists of a compound statement's bodies (`if`/`elif`/`else`, loops, `try` and its handlers)."""
    blocks: list[tuple[cst.BaseStatement, ...]] = []
    suites: list[cst.CSTNode | None] = [getattr(statement, "body", None)]
    orelse = getattr(statement, "orelse", None)
    while isinstance(orelse, cst.If):
        suites.append(orelse.body)
        orelse = orelse.orelse
    if orelse is not None:
        suites.append(orelse.body)
    suites.extend(handler.body for handler in getattr(statement, "handlers", ()))
    finalbody = getattr(statement, "finalbody", None)
    if finalbody is not None:
        suites.append(finalbody.body)
    for suite in suites:
        if isinstance(suite, cst.IndentedBlock):
            blocks.append(tuple(suite.body))
    return blocks
