"""PRN011: a key parameter thrown away by rebinding it to a constant key."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from prnglint.diagnostics import Applicability
from prnglint.engine import FileContext, FixSpec, Invalid, Replace, Rule, Valid
from prnglint.rules import _jax
from prnglint.rules._key_origin import (
    ScopeKeys,
    annotation_kind,
    bound_names,
    every_param,
    iter_scope,
    names_read,
    positional_params,
)

# Transformations whose result, called, calls the function with the same arguments.
_WRAPPERS = frozenset(
    {
        "jax.jit",
        "jax.vmap",
        "jax.pmap",
        "jax.checkpoint",
        "jax.remat",
        "equinox.filter_jit",
        "equinox.filter_vmap",
        "equinox.filter_pmap",
        "flax.nnx.jit",
        "flax.nnx.vmap",
    }
)
_RECEIVERS = frozenset({"self", "cls"})
_UTILITIES = frozenset(_jax.RANDOM + name for name in _jax.UTILITIES)


@dataclass
class _Candidate:
    function: cst.FunctionDef
    param: cst.Param
    statement: cst.BaseSmallStatement
    line: cst.SimpleStatementLine | None
    value: cst.BaseExpression
    owner: cst.ClassDef | None
    # True when the parameter was read (or split) before it was overwritten.
    after_use: bool = False


class KeyParameterOverwritten(Rule):
    """
    ## What it does
    Finds a function parameter that receives a PRNG key (or an `nnx.Rngs`)
    and is rebound to a constant key by the function's first statement that
    mentions it, at the top level of the body, so on every path:
    `def train(cfg, key): key = jax.random.PRNGKey(0)`.

    A constant key is made by `jax.random.key`, `PRNGKey`, `split`,
    `fold_in` or `flax.nnx.Rngs` from literals and module-level names only
    (`PRNGKey(0)`, `key(SEED)`, `split(key(0))[1]`, `nnx.Rngs(0)`), nothing
    that depends on the function's parameters or locals. A rebinding inside
    an `if` (`if key is None: key = PRNGKey(0)`), after any other use of the
    parameter, or from the parameter itself (`key = fold_in(key, 1)`) is not
    reported.

    That the parameter receives a key is decided by evidence, never by its
    name. One of these is needed:
    - its annotation is a key type (`chex.PRNGKey`, `jaxtyping.PRNGKeyArray`,
      `jaxtyping.Key[...]`, `flax.typing.PRNGKey`, `optax.PRNGKey`) or
      `flax.nnx.Rngs`, possibly inside `Optional[...]` or `| None`;
    - its default is a key (see also PRN002);
    - a call in the same module passes it a key (a key by origin in the
      caller: a `jax.random` result, a split key array, an `nnx.Rngs`), by
      position or keyword, directly or through `jax.jit`/`jax.vmap`/
      `jax.pmap`, `equinox.filter_jit`/`filter_vmap`, `nnx.jit`/`nnx.vmap` or
      `functools.partial`; methods count calls through `self.` and `cls.`;
    - after the rebinding the function uses the same variable as its key:
      the key argument of a `jax.random` call, an `nnx.Rngs` stream call
      (`rngs.params()`) or an `rngs=` argument. The variable is then the
      function's key slot, so whatever the caller put there is thrown away.

    ## Why is this bad?
    Every caller's key is ignored: a sweep over seeds (often `jax.vmap` over
    split keys) trains the same network for every seed, and a caller that
    splits its key carefully still gets the one constant key. Nothing fails;
    the variance across seeds is just zero.

    ## Example
    ```python
    import jax

    def init(shape, key):
        key = jax.random.PRNGKey(0)
        return jax.random.normal(key, shape)
    ```

    ## Use instead
    ```python
    import jax

    def init(shape, key):
        return jax.random.normal(key, shape)
    ```

    Or, when a fallback is wanted, only when no key was given:
    ```python
    def init(shape, key=None):
        if key is None:
            key = jax.random.PRNGKey(0)
        return jax.random.normal(key, shape)
    ```

    ## Fix safety
    The fix is unsafe: it changes the numbers every caller gets (they now
    receive draws from their own keys), and a caller that passed something
    other than a key, relying on it being ignored, breaks. For a parameter
    whose default is `None` the rebinding moves under `if key is None:`, so
    callers that omit the key keep the constant one; otherwise the rebinding
    is deleted (comments above it stay). No fix is offered when the
    rebinding shares its line with other statements, unpacks a tuple, or is
    the function's last statement.
    """

    code = "PRN011"
    name = "key-parameter-overwritten"
    summary = "key parameter unconditionally rebound to a constant key before any use"
    words = _jax.JAX_RANDOM_WORDS + _jax.RNGS_WORDS
    # Every report needs a constant key made by a `jax.random` key function or `nnx.Rngs`.
    qualnames = _jax.KEY_QUALNAMES
    fix_applicability = Applicability.UNSAFE

    VALID = [
        Valid(
            """
            import jax

            def init(shape, key=None):
                if key is None:
                    key = jax.random.PRNGKey(0)
                return jax.random.normal(key, shape)
            """
        ),
        Valid(
            """
            import jax

            def init(shape, key):
                key, sub = jax.random.split(key)
                return jax.random.normal(sub, shape)
            """
        ),
        Valid(
            """
            import jax

            def init(shape, seed):
                key = jax.random.key(seed)
                return jax.random.normal(key, shape)
            """
        ),
        Valid(
            """
            import jax

            def run(cfg, key):
                print(key)
                key = jax.random.key(0)
                return jax.random.normal(key)
            """
        ),
        Valid(
            """
            import jax

            def lookup(table, key):
                key = jax.random.key(0)
                table[key] = 1
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jax

            def init(shape, key):
                key = jax.random.PRNGKey(0)
                return jax.random.normal(key, shape)
            """,
            count=1,
            line=4,
            column=5,
            expected_fix="""
            import jax

            def init(shape, key):
                return jax.random.normal(key, shape)
            """,
        ),
        Invalid(
            """
            import jax

            def init(shape, key=None):
                # Fixed for now.
                key = jax.random.key(0)
                return jax.random.normal(key, shape)
            """,
            count=1,
            expected_fix="""
            import jax

            def init(shape, key=None):
                # Fixed for now.
                if key is None:
                    key = jax.random.key(0)
                return jax.random.normal(key, shape)
            """,
        ),
        Invalid(
            """
            import jax

            def train(cfg, rng):
                rng = jax.random.PRNGKey(0)
                return cfg, rng

            keys = jax.random.split(jax.random.key(1), 8)
            results = jax.vmap(train, in_axes=(None, 0))({}, keys)
            """,
            count=1,
            message_contains="a caller on line 8",
        ),
        Invalid(
            """
            from flax import nnx

            class Model(nnx.Module):
                def __init__(self, din: int, rngs: nnx.Rngs):
                    rngs = nnx.Rngs(0)
                    self.linear = nnx.Linear(din, din, rngs=rngs)
            """,
            count=1,
            line=5,
        ),
        Invalid(
            """
            import chex
            import jax

            def make(key: chex.PRNGKey):
                key = jax.random.split(jax.random.key(0))[0]
                return {"key": key}
            """,
            count=1,
            message_contains="annotation",
        ),
        Invalid(
            """
            import jax

            def train(rng):
                rng, reset_rng = jax.random.split(rng)
                state = reset(reset_rng)
                rng = jax.random.PRNGKey(0)  # a dummy key for shapes
                shapes = probe(rng)
                rng, init_rng = jax.random.split(rng)
                return init(init_rng, state, shapes)
            """,
            count=1,
            line=6,
            message_contains="after its first uses",
        ),
    ]

    def visit_Module(self, node: cst.Module) -> None:
        candidates = list(self._candidates(node))
        if not candidates:
            return
        callers = _Callers(node, self.context)
        for candidate in candidates:
            evidence = self._evidence(candidate, callers)
            if evidence is None:
                continue
            name = candidate.param.name.value
            if candidate.after_use:
                message = (
                    f"the key parameter `{name}` is overwritten by a constant key after its first uses ({evidence}): "
                    f"every key drawn from `{name}` below is the same whatever the caller passes; "
                    f"derive it from the caller's key instead"
                )
                self.report(candidate.statement, message)
                continue
            message = (
                f"the key parameter `{name}` is rebound to a constant key before any use ({evidence}): "
                f"every caller's key is ignored; use the key passed in, or fall back only `if {name} is None:`"
            )
            self.report(candidate.statement, message, fix=self._fix(candidate))

    # --- finding rebindings -----------------------------------------------------

    def _candidates(self, module: cst.Module):
        stack: list[tuple[cst.CSTNode, cst.ClassDef | None]] = [(module, None)]
        while stack:
            scope, _ = stack.pop()
            for inner in iter_scope(scope):
                kind = type(inner)  # libcst's classes are ABCs: `isinstance` is slow to say no
                if kind is cst.FunctionDef:
                    owner = scope if isinstance(scope, cst.ClassDef) else None
                    stack.append((inner, owner))
                    yield from self._rebindings(inner, owner)  # type: ignore[arg-type]
                elif kind is cst.ClassDef:
                    stack.append((inner, None))

    def _rebindings(self, function: cst.FunctionDef, owner: cst.ClassDef | None):
        body = function.body
        statements: list[tuple[cst.BaseSmallStatement, cst.SimpleStatementLine | None]] = []
        compound: dict[int, cst.BaseStatement] = {}
        if isinstance(body, cst.SimpleStatementSuite):
            statements = [(s, None) for s in body.body]
        else:
            for line in body.body:
                if isinstance(line, cst.SimpleStatementLine):
                    statements.extend((s, line if len(line.body) == 1 else None) for s in line.body)
                else:
                    statements.append((line, None))  # type: ignore[arg-type]
                    compound[id(line)] = line
        params = every_param(function)
        if not params:
            return
        pending = {p.name.value: p for p in params}
        # Parameters already read, whose variable still holds the caller's key (or one derived from it).
        used: set[str] = set()
        local: set[str] | None = None  # the function's own names, gathered only when a rebinding needs them
        for statement, line in statements:
            if not pending:
                return
            mentioned = {name.value for name in names_read(statement)} & set(pending)
            for name in sorted(mentioned):
                value = _rebinding_value(statement, name)
                reads_itself = value is not None and name in {n.value for n in names_read(value)}
                if value is None or reads_itself or id(statement) in compound:
                    if value is not None and id(statement) not in compound and self._derives(value, name):
                        # `key, sub = split(key)`: the variable still holds a key made from the caller's.
                        used.add(name)
                        continue
                    # Any other use: whatever follows may be deliberate.
                    del pending[name]
                    continue
                param = pending.pop(name)
                if not _jax.produces_key(value, self.context):
                    continue
                if local is None:
                    local = _locals_of(function)
                if self._constant_key(value, local):
                    yield _Candidate(function, param, statement, line, value, owner, after_use=name in used)

    def _derives(self, value: cst.BaseExpression, name: str) -> bool:
        """`split(key)`, `fold_in(key, i)` and elements of them: the result still comes from `key`."""
        while isinstance(value, cst.Subscript):
            value = value.value
        return (
            isinstance(value, cst.Call)
            and _jax.call_kind(value, self.context) == "deriver"
            and bool(value.args)
            and isinstance(value.args[0].value, cst.Name)
            and value.args[0].value.value == name
        )

    def _constant_key(self, value: cst.BaseExpression, local: set[str]) -> bool:
        """A key made from literals and module-level names only."""
        if not _jax.produces_key(value, self.context):
            return False
        return _is_constant(value, local, self.context)

    # --- evidence that the parameter receives a key ---------------------------

    def _evidence(self, candidate: _Candidate, callers: _Callers) -> str | None:
        param = candidate.param
        used_after = _used_as_key_after(candidate, self.context)
        if candidate.after_use and not used_after:
            # Overwritten after the caller's key served its purpose: maybe a deliberate dummy.
            return None
        kind = annotation_kind(param.annotation, self.context)
        if kind is not None:
            return "its annotation says it is " + ("an `nnx.Rngs`" if kind == "rngs" else "a key")
        if param.default is not None and _jax.produces_key(param.default, self.context):
            return "its default is a key"
        line = callers.passes_key(candidate)
        if line is not None:
            return f"a caller on line {line} passes it a key"
        if used_after:
            return "the function uses it as its key afterwards"
        return None

    # --- fix --------------------------------------------------------------------

    def _fix(self, candidate: _Candidate) -> FixSpec | None:
        line = candidate.line
        statement = candidate.statement
        if line is None or not isinstance(statement, cst.Assign | cst.AnnAssign):
            return None
        if isinstance(statement, cst.Assign) and (
            len(statement.targets) != 1 or not isinstance(statement.targets[0].target, cst.Name)
        ):
            return None
        block = candidate.function.body
        if not isinstance(block, cst.IndentedBlock):
            return None
        index = next((i for i, item in enumerate(block.body) if item is line), None)
        if index is None or index == len(block.body) - 1:
            return None
        name = candidate.param.name.value
        default = candidate.param.default
        if isinstance(default, cst.Name) and default.value == "None":
            guarded = cst.If(
                test=cst.parse_expression(f"{name} is None"),
                body=cst.IndentedBlock(body=[line.with_changes(leading_lines=())]),
                leading_lines=line.leading_lines,
            )
            return FixSpec(
                Applicability.UNSAFE,
                f"Keep the constant key only when `{name}` is None",
                (Replace(line, guarded),),
            )
        following = block.body[index + 1]
        new_body = list(block.body)
        new_body[index + 1] = following.with_changes(
            leading_lines=(*line.leading_lines, *following.leading_lines)
        )
        del new_body[index]
        return FixSpec(
            Applicability.UNSAFE,
            f"Use the `{name}` the caller passes",
            (Replace(block, block.with_changes(body=new_body)),),
        )


def _rebinding_value(statement: cst.CSTNode, name: str) -> cst.BaseExpression | None:
    """The value `statement` binds to `name`, when it is a plain assignment of it."""
    if isinstance(statement, cst.Assign):
        targets = [t.target for t in statement.targets]
    elif isinstance(statement, cst.AnnAssign) and statement.value is not None:
        targets = [statement.target]
    else:
        return None
    for target in targets:
        if name in bound_names(target) and not isinstance(target, cst.Name):
            # `key, sub = split(key(0))`: every element is a key made from the constant.
            return statement.value
        if isinstance(target, cst.Name) and target.value == name:
            return statement.value
    return None


def _locals_of(function: cst.FunctionDef) -> set[str]:
    """Names the function binds: parameters and everything assigned in its body."""
    return {p.name.value for p in every_param(function)} | _bound_in(iter_scope(function))


def _bound_in(nodes: Iterable[cst.CSTNode]) -> set[str]:
    """Names bound by `nodes` (assignments, loop targets, `with ... as`, defs)."""
    found: set[str] = set()
    for node in nodes:
        kind = type(node)
        if kind not in _BINDERS:
            # Most nodes bind nothing; a set of exact classes says so faster than ABC `isinstance` checks.
            continue
        if kind is cst.Assign:
            for target in node.targets:  # type: ignore[attr-defined]
                found.update(bound_names(target.target))
        elif kind in (cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr):
            found.update(bound_names(node.target))  # type: ignore[attr-defined]
        elif kind is cst.WithItem:
            if node.asname is not None:  # type: ignore[attr-defined]
                found.update(bound_names(node.asname.name))  # type: ignore[attr-defined]
        else:
            found.add(node.name.value)  # type: ignore[attr-defined]
    return found


_BINDERS = frozenset(
    {cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr, cst.WithItem, cst.FunctionDef, cst.ClassDef}
)


def _is_constant(node: cst.BaseExpression, local: set[str], context: FileContext) -> bool:
    if isinstance(node, cst.Integer | cst.SimpleString | cst.Float):
        return True
    if isinstance(node, cst.Name):
        return node.value not in local and node.value not in ("self", "cls")
    if isinstance(node, cst.Attribute):
        return _is_constant(node.value, local, context)
    if isinstance(node, cst.UnaryOperation):
        return _is_constant(node.expression, local, context)
    if isinstance(node, cst.BinaryOperation):
        return _is_constant(node.left, local, context) and _is_constant(node.right, local, context)
    if isinstance(node, cst.Subscript):
        return _is_constant(node.value, local, context) and all(
            isinstance(e.slice, cst.Index) and _is_constant(e.slice.value, local, context) for e in node.slice
        )
    if isinstance(node, cst.Call):
        if _jax.call_kind(node, context) not in ("constructor", "deriver", "rngs"):
            return False
        return all(_is_constant(arg.value, local, context) for arg in node.args)
    return False


def _used_as_key_after(candidate: _Candidate, context: FileContext) -> bool:
    """True if, after the rebinding, the variable is the key of a `jax.random` call or an Rngs use."""
    name = candidate.param.name.value
    is_rngs = isinstance(candidate.value, cst.Call) and _jax.call_kind(candidate.value, context) == "rngs"
    seen = False
    for node in iter_scope(candidate.function):
        if node is candidate.statement:
            seen = True
            continue
        if not seen or not isinstance(node, cst.Call):
            continue
        kind = _jax.call_kind(node, context)
        if kind in ("sampler", "deriver") or context.qualname(node.func) in _UTILITIES:
            first = next((a.value for a in node.args if a.keyword is None), None)
            keyed = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "key"), None)
            if any(isinstance(v, cst.Name) and v.value == name for v in (first, keyed)):
                return True
        if is_rngs:
            func = node.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == name:
                if func.attr.value not in _jax.RNGS_METHODS:
                    return True
            if any(
                a.keyword is not None and a.keyword.value == "rngs" and isinstance(a.value, cst.Name) and a.value.value == name
                for a in node.args
            ):
                return True
    return False


class _Callers:
    """Calls in the module that reach a function defined in it, with the caller's key names."""

    def __init__(self, module: cst.Module, context: FileContext) -> None:
        self.context = context
        # (callee spelling, call, arguments as passed, enclosing scope)
        self.calls: list[tuple[cst.BaseExpression, cst.Call, list[cst.Arg], cst.CSTNode]] = []
        self._keys: dict[int, ScopeKeys] = {}
        self._defs: dict[str, int] = {}
        stack: list[cst.CSTNode] = [module]
        while stack:
            scope = stack.pop()
            for node in iter_scope(scope):
                if isinstance(node, cst.FunctionDef | cst.ClassDef | cst.Lambda):
                    stack.append(node)
                    if isinstance(node, cst.FunctionDef):
                        self._defs[node.name.value] = self._defs.get(node.name.value, 0) + 1
                elif isinstance(node, cst.Call):
                    self._record(node, scope)

    def _record(self, call: cst.Call, scope: cst.CSTNode) -> None:
        func = call.func
        args = list(call.args)
        if isinstance(func, cst.Call) and func.args and func.args[0].keyword is None:
            wrapper = self.context.qualname(func.func)
            if wrapper in _WRAPPERS:
                self.calls.append((func.args[0].value, call, args, scope))
                return
            if wrapper == "functools.partial":
                self.calls.append((func.args[0].value, call, [*func.args[1:], *args], scope))
                return
        self.calls.append((func, call, args, scope))

    def _scope_keys(self, scope: cst.CSTNode) -> ScopeKeys:
        keys = self._keys.get(id(scope))
        if keys is None:
            keys = self._keys[id(scope)] = ScopeKeys(scope, self.context)  # type: ignore[arg-type]
        return keys

    def passes_key(self, candidate: _Candidate) -> int | None:
        """The line of a call that passes a key to the candidate's parameter, if any."""
        function = candidate.function
        name = function.name.value
        if self._defs.get(name, 0) != 1:
            return None
        positional = positional_params(function)
        offset = 0
        if candidate.owner is not None:
            offset = 1
        param_name = candidate.param.name.value
        for callee, call, args, scope in self.calls:
            if candidate.owner is None:
                if not (isinstance(callee, cst.Name) and callee.value == name):
                    continue
            elif not (
                isinstance(callee, cst.Attribute)
                and callee.attr.value == name
                and isinstance(callee.value, cst.Name)
                and callee.value.value in _RECEIVERS
            ):
                continue
            passed: cst.BaseExpression | None = None
            index = offset
            for arg in args:
                if arg.star:
                    break
                if arg.keyword is None:
                    if index < len(positional) and positional[index] is candidate.param:
                        passed = arg.value
                    index += 1
                elif arg.keyword.value == param_name:
                    passed = arg.value
            if passed is not None and self._scope_keys(scope).is_key(passed):
                return self.context.line_of(call)
        return None
