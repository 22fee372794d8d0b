"""PRN002: a key (or `nnx.Rngs`) used as a default value."""

from __future__ import annotations

import libcst as cst

from prnglint.diagnostics import Applicability
from prnglint.engine import FileContext, FixSpec, InsertStatementBefore, Invalid, NodeEdit, Replace, Rule, Valid
from prnglint.names import dotted_name, import_anchor, iter_statements
from prnglint.rules import _jax, _required


class KeyInDefault(Rule):
    """
    ## What it does
    Finds keys created in default values: parameter defaults of `def`,
    `async def` and `lambda` (positional or keyword-only); class-level field
    defaults of dataclasses, `flax.struct` classes, `equinox.Module`s and
    `NamedTuple`s, whether written directly (`key: Array = jax.random.key(0)`),
    through `field(default=...)`, or as a `default_factory` that always makes
    the same key (`lambda: jax.random.key(0)`,
    `functools.partial(jax.random.key, 0)`); and defaults that name a
    module-level key (`DEFAULT_KEY = jax.random.key(0)` … `key=DEFAULT_KEY`).
    An `nnx.Rngs(...)` default is reported too.

    ## Why is this bad?
    A default is evaluated once, when the `def` or class statement runs, so
    every call that omits the argument receives the very same key: two
    "independent" initialisations draw identical weights, and a training loop
    that forgets to pass the key reuses it at every step. Under `jit` the key
    becomes a constant baked into the compiled function. A default `nnx.Rngs`
    is one mutable object shared by every call. JAX's own key-reuse checker
    cannot see any of this for legacy `PRNGKey` arrays.

    ## Example
    ```python
    import jax

    def init_params(shape, key=jax.random.key(0)):
        return jax.random.normal(key, shape)
    ```

    ## Use instead
    ```python
    import jax

    def init_params(shape, *, key):
        return jax.random.normal(key, shape)
    ```

    ## Fix safety
    The fix removes the default and makes the parameter a required
    keyword-only argument, moving it after `*` when it was positional and
    keeping the order of the other parameters. A field default becomes a
    required field and the field keeps its place, so that no positional
    argument is ever bound to another field: where a field with a default
    comes before it, the field becomes keyword-only instead
    (`dataclasses.field(kw_only=True)`, `eqx.field(..., kw_only=True)`,
    `flax.struct.field(kw_only=True)`, spelled with the file's imports;
    `kw_only` needs Python 3.10, which current JAX requires anyway). A
    `NamedTuple` cannot have keyword-only fields, so there no fix is offered
    when a field with a default comes first. Imports that only the removed
    default used (`from dataclasses import field`, `functools`) are removed
    too. A module-level key that only fed the default is left in place for
    PRN001 to report. Callers that relied on the default, or passed the
    argument positionally, get a `TypeError` until they pass a key by
    keyword, so the fix is unsafe. No fix is offered for a field declared
    with `init=False`, in an attrs class where the field is not written with
    attrs' own field function, or in a class whose base (in the same module)
    already gives its fields defaults.
    """

    code = "PRN002"
    name = "key-in-default"
    summary = "PRNG key or nnx.Rngs used as a parameter or field default"
    words = _jax.JAX_RANDOM_WORDS + _jax.RNGS_WORDS
    # Every report goes through `produces_key` or a `random_kind` of
    # constructor, deriver or rngs (directly or via a module-level key).
    qualnames = _jax.KEY_QUALNAMES
    fix_applicability = Applicability.UNSAFE

    VALID = [
        Valid(
            """
            import jax

            def init(shape, *, key):
                return jax.random.normal(key, shape)
            """
        ),
        Valid(
            """
            import jax

            def init(shape, key=None):
                if key is None:
                    raise ValueError("pass a key")
                return jax.random.normal(key, shape)
            """
        ),
        Valid(
            """
            import jax

            def sample(key, fn=jax.random.normal):
                return fn(key)
            """
        ),
        Valid(
            """
            import dataclasses
            import jax

            @dataclasses.dataclass
            class Config:
                seed: int = 0

                def key(self):
                    return jax.random.key(self.seed)
            """
        ),
        Valid(
            """
            import jax

            class Plain:
                def method(self, key=None):
                    return key
            """
        ),
        Valid(
            """
            import jax

            def f(x=jax.numpy.zeros(3)):
                return x
            """
        ),
        Valid(
            """
            import equinox as eqx
            import jax

            class Layer(eqx.Module):
                key: jax.Array

                def __init__(self, *, key):
                    self.key = key
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jax

            def init_params(shape, key=jax.random.key(0)):
                return jax.random.normal(key, shape)
            """,
            count=1,
            line=3,
            column=28,
            expected_fix="""
            import jax

            def init_params(shape, *, key):
                return jax.random.normal(key, shape)
            """,
        ),
        Invalid(
            """
            from jax import random

            async def sample(*, key=random.PRNGKey(1)):
                return random.uniform(key)
            """,
            count=1,
            expected_fix="""
            from jax import random

            async def sample(*, key):
                return random.uniform(key)
            """,
        ),
        Invalid(
            """
            import jax.random as jr

            noise = lambda shape, key=jr.split(jr.key(0))[0]: jr.normal(key, shape)
            """,
            count=1,
            expected_fix="""
            import jax.random as jr

            noise = lambda shape, *, key: jr.normal(key, shape)
            """,
        ),
        Invalid(
            """
            import jax

            DEFAULT_KEY = jax.random.key(0)

            def dropout(x, rate, key=DEFAULT_KEY):
                return x
            """,
            count=1,
            line=5,
            message_contains="DEFAULT_KEY",
            # The module-level key stays: PRN001 reports it, and what replaces it is a design decision.
            expected_fix="""
            import jax

            DEFAULT_KEY = jax.random.key(0)

            def dropout(x, rate, *, key):
                return x
            """,
        ),
        Invalid(
            """
            import dataclasses
            import jax

            @dataclasses.dataclass
            class State:
                step: int = 0
                key: jax.Array = jax.random.key(0)
            """,
            count=1,
            line=7,
            # The field keeps its place: `State(5, k)` must not silently bind `k` to `step`.
            expected_fix="""
            import dataclasses
            import jax

            @dataclasses.dataclass
            class State:
                step: int = 0
                key: jax.Array = dataclasses.field(kw_only=True)
            """,
        ),
        Invalid(
            """
            from dataclasses import dataclass, field
            import jax

            @dataclass
            class Config:
                key: jax.Array = field(default=jax.random.key(0))
                rate: float = 0.1
            """,
            count=1,
            # No field before it has a default: it simply loses its own, and `field` its last use.
            expected_fix="""
            from dataclasses import dataclass
            import jax

            @dataclass
            class Config:
                key: jax.Array
                rate: float = 0.1
            """,
        ),
        Invalid(
            """
            import equinox as eqx
            import jax

            class Dropout(eqx.Module):
                rate: float = 0.5
                key: jax.Array = eqx.field(default=jax.random.key(0), static=False)
            """,
            count=1,
            expected_fix="""
            import equinox as eqx
            import jax

            class Dropout(eqx.Module):
                rate: float = 0.5
                key: jax.Array = eqx.field(static=False, kw_only=True)
            """,
        ),
        Invalid(
            """
            import flax.struct
            import jax

            @flax.struct.dataclass
            class TrainState:
                step: int = 0
                rng: jax.Array = jax.random.PRNGKey(0)
            """,
            count=1,
            expected_fix="""
            import flax.struct
            import jax

            @flax.struct.dataclass
            class TrainState:
                step: int = 0
                rng: jax.Array = flax.struct.field(kw_only=True)
            """,
        ),
        Invalid(
            """
            from dataclasses import dataclass, field
            import functools
            import jax

            @dataclass(frozen=True)
            class State:
                a: jax.Array = field(default=jax.random.PRNGKey(0))
                b: jax.Array = field(default_factory=lambda: jax.random.key(0))
                c: jax.Array = field(default_factory=functools.partial(jax.random.key, 0))
            """,
            count=3,
        ),
        Invalid(
            """
            import equinox as eqx
            import jax

            class Base(eqx.Module):
                pass

            class Layer(Base):
                key: jax.Array = eqx.field(default=jax.random.key(0), static=False)
            """,
            count=1,
            expected_fix="""
            import equinox as eqx
            import jax

            class Base(eqx.Module):
                pass

            class Layer(Base):
                key: jax.Array = eqx.field(static=False)
            """,
        ),
        Invalid(
            """
            from typing import NamedTuple
            import jax

            class Carry(NamedTuple):
                x: jax.Array
                key: jax.Array = jax.random.key(0)
            """,
            count=1,
            expected_fix="""
            from typing import NamedTuple
            import jax

            class Carry(NamedTuple):
                x: jax.Array
                key: jax.Array
            """,
        ),
        Invalid(
            """
            import flax.struct
            import jax

            @flax.struct.dataclass
            class TrainState:
                rng: jax.Array = jax.random.PRNGKey(0)
            """,
            count=1,
        ),
        Invalid(
            """
            from flax import nnx

            class Model(nnx.Module):
                def __init__(self, din, dout, rngs: nnx.Rngs = nnx.Rngs(0)):
                    self.linear = nnx.Linear(din, dout, rngs=rngs)
            """,
            count=1,
            message_contains="nnx.Rngs",
            expected_fix="""
            from flax import nnx

            class Model(nnx.Module):
                def __init__(self, din, dout, *, rngs: nnx.Rngs):
                    self.linear = nnx.Linear(din, dout, rngs=rngs)
            """,
        ),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._module_keys: dict[str, int] | None = None
        # Field classes of this module, and whether their own fields have defaults.
        self._field_classes: dict[str, bool] = {}

    def visit_Parameters(self, node: cst.Parameters) -> None:
        found: list[tuple[cst.Param, str]] = []
        for param in (*node.posonly_params, *node.params, *node.kwonly_params):
            if param.default is not None:
                message = self._default_problem(param.default, "parameter")
                if message is not None:
                    found.append((param, message))
        if not found:
            return
        flagged = [param for param, _ in found]
        names = ", ".join(f"`{param.name.value}`" for param in flagged)
        fix = FixSpec(
            Applicability.UNSAFE,
            f"Make {names} required keyword-only",
            (Replace(node, _required.required_keyword_only(node, flagged)),),
        )
        for param, message in found:
            assert param.default is not None
            self.report(param.default, message, fix=fix)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if not _jax.is_field_class(node, self.context, set(self._field_classes)):
            return
        if not isinstance(node.body, cst.IndentedBlock):
            self._field_classes[node.name.value] = False
            return
        body = node.body.body
        found: list[tuple[int, cst.AnnAssign, list[tuple[cst.BaseExpression, str]]]] = []
        for index, line in enumerate(body):
            if not isinstance(line, cst.SimpleStatementLine):
                continue
            for statement in line.body:
                if isinstance(statement, cst.AnnAssign) and statement.value is not None:
                    problems = self._field_problems(statement.value)
                    if problems:
                        found.append((index, statement, problems))
        self._field_classes[node.name.value] = any(self._field_has_default(line) for line in body)
        if not found:
            return
        fix = self._fields_fix(node, node.body, found)
        for _, _, problems in found:
            for value, message in problems:
                self.report(value, message, fix=fix)

    def _field_problems(self, value: cst.BaseExpression) -> list[tuple[cst.BaseExpression, str]]:
        """The key defaults of one field's value, with their messages."""
        problems: list[tuple[cst.BaseExpression, str]] = []
        if isinstance(value, cst.Call) and self.context.qualname(value.func) in _jax.FIELD_FUNCTIONS:
            for arg in value.args:
                if arg.keyword is None:
                    continue
                if arg.keyword.value == "default":
                    message = self._default_problem(arg.value, "field")
                    if message is not None:
                        problems.append((arg.value, message))
                elif arg.keyword.value == "default_factory" and self._constant_key_factory(arg.value):
                    problems.append(
                        (
                            arg.value,
                            "this `default_factory` makes the same key for every instance; "
                            "make the key a required field and pass one in",
                        )
                    )
            return problems
        message = self._default_problem(value, "field")
        return [(value, message)] if message is not None else []

    def _fields_fix(
        self,
        node: cst.ClassDef,
        block: cst.IndentedBlock,
        found: list[tuple[int, cst.AnnAssign, list[tuple[cst.BaseExpression, str]]]],
    ) -> FixSpec | None:
        """Make every reported field required, keeping the order of the fields.

        A required field may not follow a positional field with a default, so
        such a field becomes keyword-only (`field(kw_only=True)`) where the
        class allows it; a `NamedTuple` does not, and gets no fix: moving the
        field would silently rebind callers' positional arguments.
        """
        if any(
            isinstance(base.value, cst.Name) and self._field_classes.get(base.value.value, False)
            for base in node.bases
        ):
            # A base class of this module gives its fields defaults: no required field may follow them.
            return None
        reported = {index for index, _, _ in found}
        keyword_only_from = self._keyword_only_from(node, block)
        edits: list[NodeEdit] = []
        removed: list[cst.CSTNode] = []
        introduced: set[str] = set()
        needs_import = False
        for index, statement, _ in found:
            line = block.body[index]
            if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
                return None
            keyword_only = keyword_only_from is not None and index >= keyword_only_from
            after_default = any(
                position not in reported and self._field_has_default(block.body[position]) and not self._is_keyword_only_field(block.body[position])
                for position in range(index)
            )
            if keyword_only or not after_default:
                new = _without_default(statement, self.context)
                removed.extend(_removed_parts(statement, self.context))
            else:
                spelled = self._keyword_only_field(node, statement)
                if spelled is None:
                    return None
                new, needs_import_here = spelled
                needs_import = needs_import or needs_import_here
                removed.extend(_removed_parts(statement, self.context, keep_call=True))
                introduced |= _names_in([new.value]) if new.value is not None else set()
            if new is None:
                return None
            edits.append(Replace(statement, new))
        if needs_import:
            anchor = import_anchor(self.context.module, "dataclasses")
            if anchor is None:
                return None
            edits.append(InsertStatementBefore(anchor, "import dataclasses"))
        edits.extend(_unused_import_edits(self.context, removed, keep=introduced))
        names = ", ".join(f"`{_target_name(statement)}`" for _, statement, _ in found)
        return FixSpec(Applicability.UNSAFE, f"Make {names} required", tuple(edits))

    def _keyword_only_field(self, node: cst.ClassDef, statement: cst.AnnAssign) -> tuple[cst.AnnAssign, bool] | None:
        """The field made required and keyword-only, and whether `import dataclasses` must be added; None if impossible."""
        if self._is_named_tuple(node):
            return None
        value = statement.value
        true = cst.Arg(keyword=cst.Name("kw_only"), value=cst.Name("True"), equal=_NO_SPACE_EQUAL)
        if isinstance(value, cst.Call) and self.context.qualname(value.func) in _jax.FIELD_FUNCTIONS:
            kept = [arg for arg in value.args if arg.keyword is None or arg.keyword.value not in _DEFAULT_KEYWORDS | {"kw_only"}]
            if any(_is_false_keyword(arg, "init") for arg in kept):
                return None
            kept = [arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for arg in kept]
            return statement.with_changes(value=value.with_changes(args=[*kept, true])), False
        if self._is_attrs(node):
            # attrs spells keyword-only fields with its own functions; no stdlib field there.
            return None
        resolver = self.context.resolver
        spelling = resolver.spelling_of("dataclasses.field")
        if spelling is None and self._has_base(node, "equinox.Module"):
            spelling = resolver.spelling_of("equinox.field")
        if spelling is None and self._is_flax_struct(node):
            spelling = resolver.spelling_of("flax.struct.field")
        needs_import = spelling is None
        call = cst.Call(func=cst.parse_expression(spelling or "dataclasses.field"), args=[true])
        new = statement.with_changes(value=call, equal=cst.AssignEqual())
        return new, needs_import

    def _is_keyword_only_field(self, line: cst.BaseStatement) -> bool:
        """True for a field line written `field(..., kw_only=True)`, which positional fields may follow."""
        if not isinstance(line, cst.SimpleStatementLine):
            return False
        for statement in line.body:
            value = statement.value if isinstance(statement, cst.AnnAssign) else None
            if isinstance(value, cst.Call) and self.context.qualname(value.func) in _jax.FIELD_FUNCTIONS:
                return any(_is_true_keyword(arg, "kw_only") for arg in value.args)
        return False

    def _has_base(self, node: cst.ClassDef, qualified: str) -> bool:
        return any(base.keyword is None and self.context.qualname(base.value) == qualified for base in node.bases)

    def _is_named_tuple(self, node: cst.ClassDef) -> bool:
        return self._has_base(node, "typing.NamedTuple") or self._has_base(node, "typing_extensions.NamedTuple")

    def _is_flax_struct(self, node: cst.ClassDef) -> bool:
        if self._has_base(node, "flax.struct.PyTreeNode"):
            return True
        return any(self.context.qualname(_decorator_target(d)) == "flax.struct.dataclass" for d in node.decorators)

    def _is_attrs(self, node: cst.ClassDef) -> bool:
        return any(
            self.context.qualname(_decorator_target(d)) in ("attr.s", "attrs.define", "attrs.frozen") for d in node.decorators
        )

    def _field_has_default(self, line: cst.BaseStatement) -> bool:
        """True for a field line that gives its field a default (so required fields may not follow)."""
        if not isinstance(line, cst.SimpleStatementLine):
            return False
        for statement in line.body:
            if not isinstance(statement, cst.AnnAssign) or statement.value is None:
                continue
            annotation = statement.annotation.annotation
            if isinstance(annotation, cst.Subscript):
                annotation = annotation.value
            if self.context.qualname(annotation) in ("typing.ClassVar", "dataclasses.InitVar"):
                continue
            value = statement.value
            if isinstance(value, cst.Call) and self.context.qualname(value.func) in _jax.FIELD_FUNCTIONS:
                keywords = {arg.keyword.value for arg in value.args if arg.keyword is not None}
                if not keywords & {"default", "default_factory", "factory"}:
                    continue
            return True
        return False

    def _keyword_only_from(self, node: cst.ClassDef, block: cst.IndentedBlock) -> int | None:
        """The index of the first body line whose fields are keyword-only, if any.

        `kw_only=True` on the decorator or the class makes every field
        keyword-only; a `_: KW_ONLY` marker the fields after it.
        """
        for decorator in node.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call) and any(_is_true_keyword(arg, "kw_only") for arg in call.args):
                return 0
        if any(_is_true_keyword(arg, "kw_only") for arg in node.bases):
            return 0
        for index, line in enumerate(block.body):
            if isinstance(line, cst.SimpleStatementLine):
                for statement in line.body:
                    if isinstance(statement, cst.AnnAssign) and self.context.qualname(
                        statement.annotation.annotation
                    ) in ("dataclasses.KW_ONLY",):
                        return index
        return None

    def _constant_key_factory(self, factory: cst.BaseExpression) -> bool:
        if isinstance(factory, cst.Lambda):
            return not factory.params.params and _jax.produces_key(factory.body, self.context)
        if isinstance(factory, cst.Call) and self.context.qualname(factory.func) == "functools.partial":
            if factory.args and factory.args[0].keyword is None:
                kind = _jax.random_kind(self.context.qualname(factory.args[0].value))
                return kind in ("constructor", "deriver", "rngs")
        return False

    def _default_problem(self, value: cst.BaseExpression, where: str) -> str | None:
        """The message for a default that is a key (or `nnx.Rngs`), or None."""
        if _jax.produces_key(value, self.context):
            is_rngs = isinstance(value, cst.Call) and _jax.call_kind(value, self.context) == "rngs"
            if is_rngs:
                return (
                    f"a {where} default of `nnx.Rngs(...)` is one object shared and mutated by every use; "
                    "make it a required argument"
                )
            return (
                f"a key made in a {where} default is the same key at every use; "
                "make it a required keyword-only argument and pass a fresh key"
            )
        if isinstance(value, cst.Name):
            line = self._keys_at_module_level().get(value.value)
            if line is not None:
                return (
                    f"`{value.value}` is a key made at import time (line {line}), so this {where} default "
                    "is the same key at every use; make it a required keyword-only argument"
                )
        return None

    def _keys_at_module_level(self) -> dict[str, int]:
        """Module-level names bound to a key, with the line that binds them."""
        if self._module_keys is None:
            self._module_keys = {}
            for statement in _module_level_statements(self.context.module):
                if isinstance(statement, cst.Assign) and _jax.produces_key(statement.value, self.context):
                    for target in statement.targets:
                        for name in _bound_names(target.target):
                            self._module_keys[name] = self.context.line_of(statement)
                elif (
                    isinstance(statement, cst.AnnAssign)
                    and statement.value is not None
                    and isinstance(statement.target, cst.Name)
                    and _jax.produces_key(statement.value, self.context)
                ):
                    self._module_keys[statement.target.value] = self.context.line_of(statement)
        return self._module_keys


_DEFAULT_KEYWORDS = frozenset({"default", "default_factory", "factory"})


def _without_default(statement: cst.AnnAssign, context: FileContext) -> cst.AnnAssign | None:
    """The field without its default, or None when removing it would leave the field unset."""
    value = statement.value
    if isinstance(value, cst.Call) and context.qualname(value.func) in _jax.FIELD_FUNCTIONS:
        kept = [arg for arg in value.args if arg.keyword is None or arg.keyword.value not in _DEFAULT_KEYWORDS]
        if any(
            arg.keyword is not None
            and arg.keyword.value == "init"
            and isinstance(arg.value, cst.Name)
            and arg.value.value == "False"
            for arg in kept
        ):
            # A field not passed to `__init__` would have no value at all.
            return None
        if kept:
            kept[-1] = kept[-1].with_changes(comma=value.args[-1].comma)
            return statement.with_changes(value=value.with_changes(args=kept))
    return statement.with_changes(value=None, equal=cst.MaybeSentinel.DEFAULT)


_NO_SPACE_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _decorator_target(decorator: cst.Decorator) -> cst.BaseExpression:
    target = decorator.decorator
    return target.func if isinstance(target, cst.Call) else target


def _is_false_keyword(arg: cst.Arg, keyword: str) -> bool:
    return (
        arg.keyword is not None
        and arg.keyword.value == keyword
        and isinstance(arg.value, cst.Name)
        and arg.value.value == "False"
    )


def _removed_parts(statement: cst.AnnAssign, context: FileContext, *, keep_call: bool = False) -> list[cst.CSTNode]:
    """What making the field required removes: its default, or the default arguments of its field call."""
    value = statement.value
    if value is None:
        return []
    if isinstance(value, cst.Call) and context.qualname(value.func) in _jax.FIELD_FUNCTIONS:
        parts: list[cst.CSTNode] = [
            arg.value for arg in value.args if arg.keyword is not None and arg.keyword.value in _DEFAULT_KEYWORDS
        ]
        if not keep_call and all(arg.keyword is not None and arg.keyword.value in _DEFAULT_KEYWORDS for arg in value.args):
            # Nothing else is passed: the field call itself goes (or is replaced by a new one).
            parts.append(value.func)
        return parts
    return [value]


class _NameCounter(cst.CSTVisitor):
    """Counts the uses of names outside some subtrees and outside import statements."""

    def __init__(self, skip: set[int]) -> None:
        super().__init__()
        self.skip = skip
        self.counts: dict[str, int] = {}
        self.strings: list[str] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.skip or isinstance(node, (cst.Import, cst.ImportFrom)):
            return False
        if isinstance(node, cst.Name):
            self.counts[node.value] = self.counts.get(node.value, 0) + 1
        elif isinstance(node, cst.SimpleString):
            self.strings.append(node.value)
        return True


def _names_in(nodes: list[cst.CSTNode]) -> set[str]:
    found: set[str] = set()

    class _Collect(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.add(node.value)

    for node in nodes:
        node.visit(_Collect())
    return found


def _unused_import_edits(context: FileContext, removed: list[cst.CSTNode], keep: set[str] = frozenset()) -> list[NodeEdit]:  # type: ignore[assignment]
    """Edits removing the module-level imports that only `removed` used (`from dataclasses import field`).

    Conservative: a name still written anywhere else (even as an attribute or
    in a string, as `__all__` lists names) keeps its import.
    """
    if not removed:
        return []
    candidates = _names_in(removed) - keep
    if not candidates:
        return []
    counter = _NameCounter({id(node) for node in removed})
    context.module.visit(counter)
    unused = {name for name in candidates if not counter.counts.get(name) and not any(name in s for s in counter.strings)}
    if not unused:
        return []
    edits: list[NodeEdit] = []
    for line in context.module.body:
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            continue
        statement = line.body[0]
        if not isinstance(statement, (cst.Import, cst.ImportFrom)) or isinstance(statement.names, cst.ImportStar):
            continue
        if isinstance(statement, cst.ImportFrom) and statement.module is not None and dotted_name(statement.module) == "__future__":
            continue
        kept = [alias for alias in statement.names if _bound_name(alias) not in unused]
        if len(kept) == len(statement.names):
            continue
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            edits.append(Replace(statement, statement.with_changes(names=kept)))
        else:
            # The whole statement goes; comments above it stay.
            leading = "".join(context.module.code_for_node(empty) for empty in line.leading_lines)
            edits.append(Replace(line, leading))
    return edits


def _bound_name(alias: cst.ImportAlias) -> str | None:
    """The name an import alias binds: `b` for `import a as b`, `a` for `import a.x`."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    name = dotted_name(alias.name)
    return name.split(".")[0] if name else None


def _is_true_keyword(arg: cst.Arg, keyword: str) -> bool:
    return (
        arg.keyword is not None
        and arg.keyword.value == keyword
        and isinstance(arg.value, cst.Name)
        and arg.value.value == "True"
    )


def _target_name(statement: cst.AnnAssign) -> str:
    return dotted_name(statement.target) or "the field"


def _module_level_statements(module: cst.Module) -> list[cst.CSTNode]:
    """Statements that run at import time: module scope and module-level blocks, not defs or classes."""
    result: list[cst.CSTNode] = []
    for statement in iter_statements(module):
        result.append(statement)
    # iter_statements also enters def and class bodies; keep only what those do not contain.
    inner: set[int] = set()
    for statement in result:
        if isinstance(statement, cst.FunctionDef | cst.ClassDef):
            inner.update(id(s) for s in iter_statements(statement.body))
    return [s for s in result if id(s) not in inner]


def _bound_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, cst.Tuple | cst.List):
        names: list[str] = []
        for element in target.elements:
            names.extend(_bound_names(element.value))
        return names
    return []
