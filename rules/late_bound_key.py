"""PRN007: a closure made in a loop that reads the loop's key variable after the iteration ends."""

from __future__ import annotations

import libcst as cst

from prnglint.diagnostics import Applicability
from prnglint.engine import FixSpec, Invalid, Replace, Rule, Valid
from prnglint.rules import _jax
from prnglint.rules._key_origin import ScopeKeys, bound_names, every_param, iter_scope, names_read
from prnglint.tree import children, code_children

# Methods that keep their argument: a closure passed to one outlives the iteration.
_STORING_METHODS = frozenset({"append", "appendleft", "extend", "insert", "add", "setdefault", "put", "put_nowait"})
# Calls whose result wraps the function passed first (it still reads the variable when called later).
_WRAPPERS = frozenset(
    {
        "functools.partial",
        "jax.jit",
        "jax.vmap",
        "jax.pmap",
        "jax.grad",
        "jax.value_and_grad",
        "jax.checkpoint",
        "jax.remat",
        "equinox.filter_jit",
        "equinox.filter_vmap",
        "equinox.filter_grad",
        "equinox.filter_value_and_grad",
        "flax.nnx.jit",
        "flax.nnx.vmap",
        "flax.nnx.grad",
        "flax.nnx.value_and_grad",
    }
)
# Builtins that run a generator to the end at once (its elements then all exist together).
_MATERIALIZERS = frozenset({"list", "tuple", "set", "frozenset", "dict", "sorted"})
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
Loop = cst.For | cst.While | cst.ListComp | cst.SetComp | cst.DictComp | cst.GeneratorExp
_SCOPE_TYPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})
_LOOP_TYPES = frozenset({cst.For, cst.While, *_COMPREHENSIONS})


class LateBoundKey(Rule):
    """
    ## What it does
    Finds a `lambda` or nested `def` made inside a `for` or `while` loop or a
    comprehension that reads a key variable the loop rebinds, when the
    closure outlives the iteration: it is appended or added to a container
    (`fns.append(...)`, `fns.add(...)`), stored under a subscript
    (`table[name] = ...`), yielded, or is itself an element of a list, set or
    dict comprehension (or of a generator expression that `list`, `tuple`,
    `set`, `dict` or `sorted` runs at once). Wrapping the closure in
    `jax.jit`, `jax.vmap`, `jax.grad`, `functools.partial`,
    `equinox.filter_jit` or the `nnx` transforms does not change that.

    The variable is a key by where its value comes from: a `jax.random`
    `key`/`PRNGKey`/`split`/`fold_in` result, an element of a split key array
    (`for k in jax.random.split(key, n)`, `zip(xs, keys)`, `keys[i]`), an
    `nnx.Rngs` or one of its streams (`rngs.params()`), never its name.

    Not reported: a variable bound when the closure is made
    (`lambda x, k=k: ...`, `functools.partial(f, k)`), a closure called
    within the iteration (`(lambda: ...)()`, passed to `jax.lax.cond` or any
    other function that may call it right away), one that is returned (the
    loop ends with it), and one only assigned to a name or attribute that the
    next iteration overwrites.

    ## Why is this bad?
    Python closures look variables up when they are called, not when they
    are made. By the time the stored closures run, the loop is over and every
    one of them reads the key of the last iteration: the "independent"
    initialisers, noise functions or data streams all draw the same numbers.
    JAX's runtime checker cannot tell, since each closure uses the key once.

    ## Example
    ```python
    import jax

    def make_noise_fns(key, n):
        fns = []
        for k in jax.random.split(key, n):
            fns.append(lambda shape: jax.random.normal(k, shape))
        return fns
    ```

    ## Use instead
    ```python
    import jax

    def make_noise_fns(key, n):
        fns = []
        for k in jax.random.split(key, n):
            fns.append(lambda shape, *, k=k: jax.random.normal(k, shape))
        return fns
    ```

    ## Fix safety
    The fix binds each late-bound key when the closure is made, as a
    keyword-only parameter with a default (`*, k=k`), so callers that pass
    arguments by position see no difference. It is unsafe: every closure now
    draws from its own key, so the numbers change (that is the point), and a
    caller that passes a keyword of that name, or inspects the signature,
    sees the new parameter. No fix is offered for a closure with `**kwargs`
    or whose parameters already use the name.
    """

    code = "PRN007"
    name = "late-bound-key"
    summary = "closure made in a loop reads the loop's key variable after the iteration"
    words = _jax.JAX_RANDOM_WORDS + _jax.RNGS_WORDS
    # A loop key variable is a key by origin: a `jax.random` key function or an `nnx.Rngs`.
    qualnames = _jax.KEY_QUALNAMES
    fix_applicability = Applicability.UNSAFE

    VALID = [
        Valid(
            """
            import jax

            def make(key, n):
                fns = []
                for k in jax.random.split(key, n):
                    fns.append(lambda shape, k=k: jax.random.normal(k, shape))
                return fns
            """
        ),
        Valid(
            """
            import functools
            import jax

            def make(key, n):
                return [functools.partial(jax.random.normal, k) for k in jax.random.split(key, n)]
            """
        ),
        Valid(
            """
            import jax

            def total(key, xs):
                out = 0.0
                for k in jax.random.split(key, len(xs)):
                    out = out + jax.lax.cond(True, lambda: jax.random.normal(k), lambda: 0.0)
                return out
            """
        ),
        Valid(
            """
            def make(keys):
                # `keys` comes from the caller: nothing says its elements are PRNG keys.
                return [lambda: k for k in keys]
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jax

            def make(key, n):
                fns = []
                for k in jax.random.split(key, n):
                    fns.append(lambda shape: jax.random.normal(k, shape))
                return fns
            """,
            count=1,
            line=6,
            column=52,
            expected_fix="""
            import jax

            def make(key, n):
                fns = []
                for k in jax.random.split(key, n):
                    fns.append(lambda shape, *, k=k: jax.random.normal(k, shape))
                return fns
            """,
        ),
        Invalid(
            """
            import jax

            def make(key, n):
                return [lambda: jax.random.uniform(k) for k in jax.random.split(key, n)]
            """,
            count=1,
            message_contains="last `k`",
        ),
        Invalid(
            """
            import jax

            def streams(key, names):
                table = {}
                for name in names:
                    key, sub = jax.random.split(key)

                    def draw(shape):
                        return jax.random.normal(sub, shape)

                    table[name] = draw
                return table
            """,
            count=1,
            line=9,
            expected_fix="""
            import jax

            def streams(key, names):
                table = {}
                for name in names:
                    key, sub = jax.random.split(key)

                    def draw(shape, *, sub=sub):
                        return jax.random.normal(sub, shape)

                    table[name] = draw
                return table
            """,
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self._reported: set[int] = set()
        self._materialized: set[int] | None = None

    def visit_Module(self, node: cst.Module) -> None:
        stack: list[cst.CSTNode] = [node]
        while stack:
            scope = stack.pop()
            keys: ScopeKeys | None = None
            for inner in iter_scope(scope):
                # Exact classes in sets: libcst's node classes are ABCs, whose `isinstance` is slow to say no.
                kind = type(inner)
                if kind in _SCOPE_TYPES:
                    stack.append(inner)
                elif kind in _LOOP_TYPES:
                    if keys is None:
                        keys = ScopeKeys(scope, self.context)  # type: ignore[arg-type]
                    if keys.keys or keys.rngs:
                        self._loop(inner, keys)

    # --- one loop ---------------------------------------------------------------

    def _loop(self, loop: Loop, keys: ScopeKeys) -> None:
        rebound = _bound_in(loop) & (keys.keys | keys.rngs)
        if not rebound or not _has_closure(loop):
            return
        parents = _parents(loop)
        for closure in parents:
            if not isinstance(closure, cst.Lambda | cst.FunctionDef) or id(closure) in self._reported:
                continue
            reads = _free_reads(closure, rebound)
            if not reads or not self._escapes(closure, loop, parents):
                continue
            self._reported.add(id(closure))
            fix = _fix(closure, [name.value for name in reads])
            line = self.context.line_of(loop)
            for index, name in enumerate(reads):
                self.report(
                    name,
                    f"`{name.value}` is read by a closure made in the loop on line {line} that outlives the "
                    f"iteration: when it runs, every such closure sees the last `{name.value}`, so they all draw "
                    f"the same numbers; bind it now (`{name.value}={name.value}` as a default, or "
                    "`functools.partial`)",
                    fix=fix if index == 0 else None,
                )

    def _escapes(self, closure: cst.Lambda | cst.FunctionDef, loop: Loop, parents: dict) -> bool:
        """True if the closure (or the name it is given) is kept beyond the iteration."""
        if isinstance(closure, cst.FunctionDef):
            return self._name_escapes(closure.name.value, loop, parents)
        verdict = self._value_escapes(closure, loop, parents)
        if isinstance(verdict, str):
            return self._name_escapes(verdict, loop, parents)
        return verdict

    def _name_escapes(self, name: str, loop: Loop, parents: dict) -> bool:
        for node in parents:
            if isinstance(node, cst.Name) and node.value == name and self._is_read(node, parents):
                if self._value_escapes(node, loop, parents) is True:
                    return True
        return False

    @staticmethod
    def _is_read(node: cst.Name, parents: dict) -> bool:
        parent = parents.get(node)
        if isinstance(parent, cst.AssignTarget | cst.FunctionDef | cst.Param | cst.Attribute):
            return parent.value is node if isinstance(parent, cst.Attribute) else False
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            return False
        return True

    def _value_escapes(self, node: cst.CSTNode, loop: Loop, parents: dict) -> bool | str:
        """Where the value of `node` goes: True if kept, False if not, a name if assigned to one."""
        while True:
            parent = parents.get(node)
            if parent is None:
                return False
            if isinstance(parent, cst.Call):
                # The closure itself is called right here.
                return False
            if isinstance(parent, cst.Arg):
                call = parents.get(parent)
                if not isinstance(call, cst.Call):
                    return False
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value in _STORING_METHODS:
                    return True
                if self.context.qualname(func) in _WRAPPERS and call.args and call.args[0] is parent:
                    node = call
                    continue
                return False
            if isinstance(parent, cst.Element | cst.DictElement | cst.Tuple | cst.List | cst.Set | cst.Dict):
                if isinstance(parent, cst.DictElement) and parent.key is node:
                    return False
                node = parent
                continue
            if isinstance(parent, cst.IfExp) and parent.test is not node:
                node = parent
                continue
            if isinstance(parent, cst.Yield):
                return True
            if isinstance(parent, _COMPREHENSIONS):
                if node is getattr(parent, "elt", None) or node is getattr(parent, "value", None):
                    if parent is loop or _inside(parent, loop, parents):
                        return self._comprehension_kept(parent, parents)
                return False
            if isinstance(parent, cst.Assign) and parent.value is node:
                names: list[str] = []
                for target in parent.targets:
                    for element in _flatten(target.target):
                        if isinstance(element, cst.Subscript):
                            return True
                        if isinstance(element, cst.Attribute) and _base_rebound(element, loop):
                            return True
                        if isinstance(element, cst.Name):
                            names.append(element.value)
                return names[0] if len(names) == 1 else False
            return False

    def _runs_at_once(self) -> set[int]:
        # The loop's own parent map stops at the loop, so the call around a
        # generator expression is found in one walk of the module, on first need.
        if self._materialized is None:
            finder = _MaterializedGenerators(self)
            self.context.module.visit(finder)
            self._materialized = finder.found
        return self._materialized

    def _comprehension_kept(self, comprehension: cst.CSTNode, parents: dict) -> bool:
        if not isinstance(comprehension, cst.GeneratorExp):
            return True
        if id(comprehension) in self._runs_at_once():
            return True
        parent = parents.get(comprehension)
        if isinstance(parent, cst.Arg):
            call = parents.get(parent)
            if isinstance(call, cst.Call):
                func = call.func
                if isinstance(func, cst.Name) and func.value in _MATERIALIZERS and self.context.qualname(func) is None:
                    return True
                if isinstance(func, cst.Attribute) and func.attr.value in _STORING_METHODS:
                    return True
        # A generator consumed one element at a time runs each closure before the next iteration.
        return False


class _MaterializedGenerators(cst.CSTVisitor):
    """Generator expressions that `list(...)`, `tuple(...)` and friends run to the end at once."""

    def __init__(self, rule: LateBoundKey) -> None:
        self.rule = rule
        self.found: set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Name)
            and func.value in _MATERIALIZERS
            and self.rule.context.qualname(func) in (None, f"builtins.{func.value}")
            and len(node.args) == 1
            and isinstance(node.args[0].value, cst.GeneratorExp)
        ):
            self.found.add(id(node.args[0].value))


def _has_closure(loop: cst.CSTNode) -> bool:
    """True if a `lambda` or `def` lies anywhere in the loop (layout, skipped here, holds neither)."""
    stack: list[cst.CSTNode] = [loop]
    while stack:
        node = stack.pop()
        for child in code_children(node):
            if type(child) is cst.Lambda or type(child) is cst.FunctionDef:
                return True
            stack.append(child)
    return False


def _parents(loop: cst.CSTNode) -> dict[cst.CSTNode, cst.CSTNode]:
    """Parent of every node in the loop, closures included (their bodies too, for named uses)."""
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    stack: list[cst.CSTNode] = [loop]
    while stack:
        node = stack.pop()
        for child in children(node):
            parents[child] = node
            stack.append(child)
    return parents


def _inside(node: cst.CSTNode, loop: cst.CSTNode, parents: dict) -> bool:
    while node is not None:
        if node is loop:
            return True
        node = parents.get(node)
    return False


def _bound_in(loop: Loop) -> set[str]:
    """Names the loop binds on each iteration (its targets and its body's assignments)."""
    found: set[str] = set()
    if isinstance(loop, cst.For):
        found.update(bound_names(loop.target))
    for node in iter_scope(loop):
        if isinstance(node, cst.Assign):
            for target in node.targets:
                found.update(bound_names(target.target))
        elif isinstance(node, cst.AnnAssign | cst.AugAssign | cst.For | cst.CompFor | cst.NamedExpr):
            found.update(bound_names(node.target))
    return found


def _free_reads(closure: cst.Lambda | cst.FunctionDef, names: set[str]) -> list[cst.Name]:
    """The first read of each of `names` in the closure's body that the closure does not bind itself."""
    own = {param.name.value for param in every_param(closure)}
    if isinstance(closure, cst.FunctionDef):
        for node in iter_scope(closure):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    own.update(bound_names(target.target))
            elif isinstance(node, cst.AnnAssign | cst.AugAssign | cst.For | cst.CompFor | cst.NamedExpr):
                own.update(bound_names(node.target))
            elif isinstance(node, cst.Nonlocal | cst.Global):
                own.difference_update(alias.name.value for alias in node.names)
    wanted = names - own
    first: dict[str, cst.Name] = {}
    for name in names_read(closure.body):
        if name.value in wanted and name.value not in first:
            first[name.value] = name
    return list(first.values())


def _flatten(target: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(target, cst.Tuple | cst.List):
        return [item for element in target.elements for item in _flatten(element.value)]
    if isinstance(target, cst.StarredElement):
        return _flatten(target.value)
    return [target]


def _base_rebound(target: cst.Attribute, loop: Loop) -> bool:
    """`module.hook = ...` where `module` changes every iteration: each object keeps its closure."""
    base = target.value
    while isinstance(base, cst.Attribute):
        base = base.value
    return isinstance(base, cst.Name) and base.value in _bound_in(loop)


def _fix(closure: cst.Lambda | cst.FunctionDef, names: list[str]) -> FixSpec | None:
    params = closure.params
    if params.star_kwarg is not None:
        return None
    taken = {param.name.value for param in every_param(closure)}
    if taken & set(names):
        return None
    added = [
        cst.Param(
            name=cst.Name(name),
            default=cst.Name(name),
            equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
        )
        for name in names
    ]
    kwonly = list(params.kwonly_params)
    if kwonly and kwonly[-1].comma is cst.MaybeSentinel.DEFAULT:
        kwonly[-1] = kwonly[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    new_params = params.with_changes(
        kwonly_params=[*kwonly, *_with_commas(added)],
        star_arg=params.star_arg if not isinstance(params.star_arg, cst.MaybeSentinel) else cst.ParamStar(),
    )
    listed = [*params.posonly_params, *params.params]
    if listed and isinstance(params.star_arg, cst.MaybeSentinel) and listed[-1].comma is cst.MaybeSentinel.DEFAULT:
        last = listed[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if params.params:
            new_params = new_params.with_changes(params=[*params.params[:-1], last])
        else:
            new_params = new_params.with_changes(posonly_params=[*params.posonly_params[:-1], last])
    joined = ", ".join(f"`{name}={name}`" for name in names)
    return FixSpec(Applicability.UNSAFE, f"Bind {joined} when the closure is made", (Replace(params, new_params),))


def _with_commas(params: list[cst.Param]) -> list[cst.Param]:
    return [
        param.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if index < len(params) - 1
        else param
        for index, param in enumerate(params)
    ]
