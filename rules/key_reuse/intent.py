"""Deliberate identical randomness: when a reuse PRN003 found shows its intent in the code.

A reuse is read as deliberate (and reported as PRN012 rather than PRN003)
when the code around it says what the identical numbers are for:

- *comparison*: the results of the two draws reach one equality or
  closeness check: an `assert` whose condition compares (each `and`-ed part
  on its own), `numpy.testing.assert_*`, `jnp.allclose`/`array_equal`/
  `isclose` (and NumPy's), `chex.assert_trees_all_*`, `eqx.tree_equal`,
  `jax.tree.map` of a comparison, `self.assert*` in a method, or a function
  of the module that only compares. *Determinism* when both draws are the
  same call, with the same arguments;
- *aligned shuffle*: two `jax.random.permutation` calls on one key (same
  `axis`, not `independent=True`) of arrays whose lengths the code does not
  show to differ, or `jax.tree.map(lambda a: permutation(key, a), batch)`;
- *shape only*: the result of one of the draws is read only for its shape,
  dtype or type.

Names are resolved through the imports; results are followed through plain
assignments in source order. Everything else stays PRN003, and a pattern
that nearly matched (a comparison that sees only one of the two results,
permutations of arrays of visibly different lengths) is named in PRN003's
message. Each function is read once, when one of its findings is classified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from prnglint.engine import FileContext
from prnglint.rules.key_reuse.flow import Finding
from prnglint.rules.key_reuse.graph import literal_of, target_names
from prnglint.rules.key_reuse.ir import Use
from prnglint.tree import children as child_nodes

PERMUTATION = "jax.random.permutation"
_COMPARISONS = frozenset(
    {
        "jax.numpy.allclose",
        "jax.numpy.array_equal",
        "jax.numpy.array_equiv",
        "jax.numpy.isclose",
        "numpy.allclose",
        "numpy.array_equal",
        "numpy.array_equiv",
        "numpy.isclose",
        "equinox.tree_equal",
        "operator.eq",
        "operator.ne",
    }
)
_COMPARISON_PREFIXES = ("numpy.testing.assert_", "chex.assert_trees_all_", "jax.numpy.testing.assert_")
_TREE_MAPS = frozenset({"jax.tree.map", "jax.tree_util.tree_map", "jax.tree_map", "jax.tree.all", "jax.tree_util.tree_all"})
_SHAPE_ATTRIBUTES = frozenset({"shape", "dtype", "ndim", "size", "aval", "weak_type", "sharding"})
_SHAPE_CALLS = frozenset(
    {
        "jax.numpy.shape",
        "jax.numpy.ndim",
        "jax.numpy.size",
        "numpy.shape",
        "numpy.ndim",
        "numpy.size",
        "jax.typeof",
        "jax.core.get_aval",
    }
)
_SHAPE_PREFIXES = (
    "chex.assert_shape",
    "chex.assert_rank",
    "chex.assert_type",
    "chex.assert_axis_dimension",
    "chex.assert_equal_shape",
    "chex.assert_tree_shape",
)
_SHAPE_BUILTINS = frozenset({"type", "isinstance", "len"})
# Constructors whose first argument gives the length of the array they make.
_SIZED = frozenset(
    f"{module}.{name}"
    for module in ("jax.numpy", "numpy")
    for name in ("arange", "zeros", "ones", "empty", "full", "linspace", "eye")
)
_ORDERING = (cst.Equal, cst.NotEqual, cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual)
_MAX_HELPER_DEPTH = 3


@dataclass(frozen=True)
class Intent:
    """Why a reuse reads as deliberate: the pattern, and where the code shows it."""

    pattern: str  # "comparison", "determinism", "aligned shuffle", "shape only"
    evidence: str  # e.g. "`np.testing.assert_allclose` on line 12 compares the two results"


@dataclass(eq=False)
class _Sink:
    """One check that compares values: its node, how it reads, the names it reads."""

    node: cst.CSTNode
    label: str
    names: frozenset[str]


@dataclass(eq=False)
class _Function:
    """What the classifier needs of one function, read in one walk."""

    parents: dict[int, cst.CSTNode] = field(default_factory=dict)
    order: dict[int, int] = field(default_factory=dict)
    assignments: list[tuple[int, list[str], frozenset[str]]] = field(default_factory=list)
    references: dict[str, list[cst.Name]] = field(default_factory=dict)
    sinks: list[_Sink] = field(default_factory=list)
    single_values: dict[str, cst.BaseExpression | None] = field(default_factory=dict)


class IntentFinder:
    """Classify PRN003's findings of one file as deliberate or not."""

    def __init__(self, context: FileContext, function: Callable[[str], cst.FunctionDef | None], binds: Callable[[str], bool]) -> None:
        self.context = context
        self.module_function = function
        self.module_binds = binds
        self._functions: dict[int, _Function] = {}
        self._only_compares: dict[int, bool] = {}

    # --- Entry point ------------------------------------------------------------------

    def classify(self, finding: Finding, frame: cst.CSTNode) -> tuple[Intent | None, str | None]:
        """(the intent the code shows, or None; a pattern that nearly matched, for PRN003's message)."""
        use, first = finding.use, finding.first
        if finding.kind == "repeat":
            return self._tree_shuffle(use), None
        if finding.kind != "reuse" or first is None or use.call is None or first.call is None:
            return None, None
        facts = self._read(frame)
        shuffle, hint = self._aligned_shuffle(first, use, facts)
        if shuffle is not None or hint is not None:
            return shuffle, hint
        for one in (first, use):
            shape = self._shape_only(one, facts)
            if shape is not None:
                return shape, None
        return self._comparison(first, use, facts)

    # --- Comparison and determinism ------------------------------------------------------

    def _comparison(self, first: Use, second: Use, facts: _Function) -> tuple[Intent | None, str | None]:
        reach_first = self._taint(first.call, facts)  # type: ignore[arg-type]
        reach_second = self._taint(second.call, facts)  # type: ignore[arg-type]
        near: _Sink | None = None
        for sink in facts.sinks:
            if not _checks_later(sink.node, second.call, facts):  # type: ignore[arg-type]
                continue  # a check made before the second draw cannot compare its result
            sees_first = self._reaches(sink, first.call, reach_first, facts)  # type: ignore[arg-type]
            sees_second = self._reaches(sink, second.call, reach_second, facts)  # type: ignore[arg-type]
            if sees_first and sees_second and self._compares_both(
                sink, first.call, second.call, reach_first, reach_second, facts  # type: ignore[arg-type]
            ):
                line = self.context.line_of(sink.node)
                if _same_call(first.call, second.call, self.context.module):  # type: ignore[arg-type]
                    return Intent("determinism", f"the same call is made twice and {sink.label} on line {line} compares the results"), None
                return Intent("comparison", f"{sink.label} on line {line} compares the results of the two draws"), None
            if (sees_first or sees_second) and near is None:
                near = sink
        if near is not None:
            line = self.context.line_of(near.node)
            return None, (
                f"{near.label} on line {line} sees the result of only one of the two draws, "
                "so this does not read as a deliberate comparison"
            )
        return None, None

    def _taint(self, call: cst.CSTNode, facts: _Function) -> set[str]:
        """The names that hold (something computed from) the result of `call`, in source order."""
        names: set[str] = set()
        node: cst.CSTNode = call
        start = facts.order.get(id(call), 0)
        while True:
            parent = facts.parents.get(id(node))
            if parent is None:
                break
            if isinstance(parent, cst.Assign) and node is parent.value:
                for target in parent.targets:
                    names.update(target_names(target.target))
                break
            if isinstance(parent, cst.AnnAssign | cst.AugAssign) and node is parent.value:
                names.update(target_names(parent.target))
                break
            if isinstance(parent, cst.NamedExpr) and node is parent.value:
                names.update(target_names(parent.target))
                break
            if isinstance(parent, cst.BaseStatement | cst.BaseSmallStatement | cst.Lambda):
                break
            node = parent
        if not names:
            return names
        for position, targets, reads in facts.assignments:
            if position > start and reads & names:
                names.update(targets)
        return names

    def _reaches(self, sink: _Sink, call: cst.CSTNode, names: set[str], facts: _Function) -> bool:
        if sink.names & names:
            return True
        return _inside(call, sink.node, facts)

    def _compares_both(
        self, sink: _Sink, first: cst.CSTNode, second: cst.CSTNode, reach_first: set[str], reach_second: set[str], facts: _Function
    ) -> bool:
        """True if the two results stand on different sides of the check, not only mixed into one value.

        `assert a == b` compares them; `self.assertTrue(jnp.all(loss(a, b) >= 0))`
        checks one value computed from both, which says nothing of intent.
        """
        operands = [part for operand in _operands(sink.node) for part in _difference(operand, facts) or [operand]]
        if len(operands) < 2:
            return False
        reached_first = {i for i, o in enumerate(operands) if _inside(first, o, facts) or _names(o) & reach_first}
        reached_second = {i for i, o in enumerate(operands) if _inside(second, o, facts) or _names(o) & reach_second}
        return bool(reached_first - reached_second) and bool(reached_second - reached_first)

    # --- Aligned shuffles ---------------------------------------------------------------------

    def _aligned_shuffle(self, first: Use, second: Use, facts: _Function) -> tuple[Intent | None, str | None]:
        calls = (first.call, second.call)
        if not all(isinstance(call, cst.Call) and self._qualname(call.func) == PERMUTATION for call in calls):
            return None, None
        a, b = calls  # type: ignore[misc]
        assert isinstance(a, cst.Call) and isinstance(b, cst.Call)
        if _independent(a) or _independent(b):
            return None, None
        module = self.context.module
        axis_a, axis_b = _argument(a, 2, "axis"), _argument(b, 2, "axis")
        if (axis_a is None) != (axis_b is None) or (
            axis_a is not None and module.code_for_node(axis_a) != module.code_for_node(axis_b)  # type: ignore[arg-type]
        ):
            return None, None
        x, y = _argument(a, 1, "x"), _argument(b, 1, "x")
        if x is None or y is None:
            return None, None
        length_x, length_y = self._length(x, facts), self._length(y, facts)
        if length_x is not None and length_y is not None and length_x != length_y:
            return None, (
                f"the two `permutation` calls shuffle arrays of different lengths ({length_x} and {length_y}), "
                "so one key does not keep them aligned"
            )
        return Intent("aligned shuffle", "one key permutes several arrays so that they stay aligned"), None

    def _tree_shuffle(self, use: Use) -> Intent | None:
        """`jax.tree.map(lambda a: permutation(key, a), batch)`: every leaf shuffled alike."""
        call = use.call
        if not isinstance(call, cst.Call) or not call.args or self._qualname(call.func) not in _TREE_MAPS:
            return None
        function = call.args[0].value
        if not isinstance(function, cst.Lambda) or not isinstance(function.body, cst.Call):
            return None
        body = function.body
        params = {param.name.value for param in function.params.params}
        if self._qualname(body.func) != PERMUTATION or _independent(body):
            return None
        key, x = _argument(body, 0, "key"), _argument(body, 1, "x")
        if key is not use.inner and key is not use.node:
            return None
        if not isinstance(x, cst.Name) or x.value not in params:
            return None
        return Intent("aligned shuffle", "one key permutes every leaf of a tree so that they stay aligned")

    def _length(self, node: cst.BaseExpression, facts: _Function, depth: int = 0) -> str | None:
        """The length the code visibly gives `node`: `10`, `jnp.arange(10)`, a name assigned once to one."""
        literal = literal_of(node)
        if literal is not None:
            return literal
        if isinstance(node, cst.Name) and depth < 3:
            value = facts.single_values.get(node.value)
            return self._length(value, facts, depth + 1) if value is not None else None
        if isinstance(node, cst.Call) and node.args and self._qualname(node.func) in _SIZED:
            size = node.args[0].value
            if isinstance(size, cst.Tuple) and size.elements:
                size = size.elements[0].value
            return literal_of(size)
        return None

    # --- Shape only -----------------------------------------------------------------------

    def _shape_only(self, use: Use, facts: _Function) -> Intent | None:
        call = use.call
        assert call is not None
        if self._in_shape_position(call, facts):
            return Intent("shape only", "the result of one draw is only checked for its shape, dtype or type")
        names = self._taint(call, facts)
        # Only the names the draw's own statement binds, read nowhere but in shape positions.
        direct = set()
        parent = facts.parents.get(id(call))
        while parent is not None and not isinstance(parent, cst.BaseSmallStatement | cst.BaseStatement):
            parent = facts.parents.get(id(parent))
        if isinstance(parent, cst.Assign):
            for target in parent.targets:
                direct.update(target_names(target.target))
        if not direct or names != direct:
            return None
        start = facts.order.get(id(call), 0)
        reads = [ref for name in direct for ref in facts.references.get(name, ()) if facts.order.get(id(ref), 0) > start]
        if reads and all(self._in_shape_position(ref, facts) for ref in reads):
            return Intent("shape only", "the result of one draw is only checked for its shape, dtype or type")
        return None

    def _in_shape_position(self, node: cst.CSTNode, facts: _Function) -> bool:
        parent = facts.parents.get(id(node))
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return parent.attr.value in _SHAPE_ATTRIBUTES
        if isinstance(parent, cst.Arg):
            call = facts.parents.get(id(parent))
            if isinstance(call, cst.Call):
                func = call.func
                if isinstance(func, cst.Name) and func.value in _SHAPE_BUILTINS and not self.module_binds(func.value):
                    return True
                qualname = self._qualname(func)
                return qualname is not None and (qualname in _SHAPE_CALLS or qualname.startswith(_SHAPE_PREFIXES))
        return False

    # --- Reading a function ------------------------------------------------------------------

    def _qualname(self, node: cst.BaseExpression) -> str | None:
        if isinstance(node, cst.Name | cst.Attribute):
            return self.context.qualname(node)
        return None

    def _read(self, frame: cst.CSTNode) -> _Function:
        facts = self._functions.get(id(frame))
        if facts is not None:
            return facts
        facts = self._functions[id(frame)] = _Function()
        receiver = _receiver(frame)
        counts: dict[str, int] = {}
        stack: list[cst.CSTNode] = [frame]
        position = 0
        while stack:
            node = stack.pop()
            position += 1
            facts.order[id(node)] = position
            if isinstance(node, cst.Name):
                facts.references.setdefault(node.value, []).append(node)
            elif isinstance(node, cst.Assign):
                targets = [name for target in node.targets for name in target_names(target.target)]
                facts.assignments.append((position, targets, _names(node.value)))
                for name in targets:
                    counts[name] = counts.get(name, 0) + 1
                    single = len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name)
                    facts.single_values[name] = node.value if single else None
            elif isinstance(node, cst.AnnAssign | cst.AugAssign) and node.value is not None:
                targets = target_names(node.target)
                facts.assignments.append((position, targets, _names(node.value)))
                for name in targets:
                    counts[name] = counts.get(name, 0) + 2
            elif isinstance(node, cst.Assert):
                for part in _conjuncts(node.test):
                    if _compares(part, self):
                        facts.sinks.append(_Sink(part, "the `assert`", _names(part)))
            elif isinstance(node, cst.Call):
                label = self._comparison_label(node, receiver)
                if label is not None:
                    facts.sinks.append(_Sink(node, label, _names(node)))
            children = child_nodes(node)
            for child in children:
                facts.parents[id(child)] = node
            stack.extend(reversed(children))
        for name, count in counts.items():
            if count != 1:
                facts.single_values[name] = None
        return facts

    def _comparison_label(self, call: cst.Call, receiver: str | None) -> str | None:
        """How a call that compares values reads in a message, or None if it does not compare."""
        func = call.func
        qualname = self._qualname(func)
        if qualname is not None:
            if qualname in _COMPARISONS or qualname.startswith(_COMPARISON_PREFIXES):
                return f"`{_spelled(func)}`"
            if qualname in _TREE_MAPS and call.args and self._compares_leaves(call.args[0].value):
                return f"`{_spelled(func)}` of a comparison"
            return None
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and receiver is not None
            and func.value.value == receiver
            and func.attr.value.startswith("assert")
        ):
            return f"`{receiver}.{func.attr.value}`"
        if isinstance(func, cst.Name) and self._helper_only_compares(func.value, 0):
            return f"`{func.value}` (which only compares)"
        return None

    def _compares_leaves(self, function: cst.BaseExpression) -> bool:
        if isinstance(function, cst.Lambda):
            return _compares(function.body, self)
        qualname = self._qualname(function)
        return qualname is not None and (qualname in _COMPARISONS or qualname.startswith(_COMPARISON_PREFIXES))

    def _helper_only_compares(self, name: str, depth: int) -> bool:
        """True for a function of the module whose body only checks (asserts, comparisons)."""
        function = self.module_function(name)
        if function is None or depth > _MAX_HELPER_DEPTH:
            return False
        known = self._only_compares.get(id(function))
        if known is not None:
            return known
        self._only_compares[id(function)] = False  # recursion: not proven
        body = function.body.body if isinstance(function.body, cst.IndentedBlock) else function.body.body
        checks = 0
        result = True
        for statement in body:
            smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else None
            if smalls is None:
                result = False
                break
            for small in smalls:
                if isinstance(small, cst.Pass) or (
                    isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString | cst.ConcatenatedString)
                ):
                    continue
                if isinstance(small, cst.Assert) and _compares(small.test, self):
                    checks += 1
                elif isinstance(small, cst.Expr | cst.Return) and small.value is not None and _compares(small.value, self, depth + 1):
                    checks += 1
                else:
                    result = False
        result = result and checks > 0
        self._only_compares[id(function)] = result
        return result


def _compares(node: cst.BaseExpression, finder: IntentFinder, depth: int = 0) -> bool:
    """True if `node` is a value comparison (`a == b`, `abs(a - b) < tol`) or a call that compares."""
    if isinstance(node, cst.Comparison):
        return all(isinstance(target.operator, _ORDERING) for target in node.comparisons)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        return _compares(node.expression, finder, depth)
    if isinstance(node, cst.Call):
        qualname = finder._qualname(node.func)
        if qualname is not None:
            if qualname in _COMPARISONS or qualname.startswith(_COMPARISON_PREFIXES):
                return True
            if qualname in _TREE_MAPS and node.args:
                return finder._compares_leaves(node.args[0].value) or any(
                    _compares(arg.value, finder, depth) for arg in node.args
                )
            # `jnp.all(a == b)`, `bool(...)`: a call around a comparison still compares.
            return any(_compares(arg.value, finder, depth) for arg in node.args)
        if isinstance(node.func, cst.Name):
            if finder._helper_only_compares(node.func.value, depth + 1):
                return True
            return any(_compares(arg.value, finder, depth) for arg in node.args)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("all", "any"):
            return _compares(node.func.value, finder, depth)
    return False


def _checks_later(check: cst.CSTNode, call: cst.CSTNode, facts: _Function) -> bool:
    """True if `check` comes after `call` in the function, or holds it."""
    return facts.order.get(id(check), 0) > facts.order.get(id(call), 0) or _inside(call, check, facts)


def _inside(node: cst.CSTNode, ancestor: cst.CSTNode, facts: _Function) -> bool:
    """True if `node` is `ancestor` or lies within it."""
    current: cst.CSTNode | None = node
    while current is not None:
        if current is ancestor:
            return True
        current = facts.parents.get(id(current))
    return False


def _operands(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The values a check sets against each other: the sides of a comparison, a comparing call's arguments.

    A call of one argument (`self.assertTrue(x)`, `jnp.all(x)`, `(x).all()`)
    compares what that argument compares.
    """
    while True:
        if isinstance(node, cst.Comparison):
            return [node.left, *(target.comparator for target in node.comparisons)]
        if isinstance(node, cst.UnaryOperation):
            node = node.expression
            continue
        if isinstance(node, cst.Call):
            args = [arg.value for arg in node.args if arg.keyword is None or arg.keyword.value not in _TOLERANCES]
            if len(args) == 1:
                node = args[0]
                continue
            if not args and isinstance(node.func, cst.Attribute) and node.func.attr.value in ("all", "any"):
                node = node.func.value
                continue
            return list(args)
        return [node]


def _difference(node: cst.CSTNode, facts: _Function) -> list[cst.CSTNode] | None:
    """The two sides of a difference that `node` measures (`abs(a - b).max()`, `diff` bound to `a - b`), if any."""
    for _ in range(6):
        if isinstance(node, cst.BinaryOperation):
            return [node.left, node.right] if isinstance(node.operator, cst.Subtract) else None
        if isinstance(node, cst.Name):
            value = facts.single_values.get(node.value)
            if value is None:
                return None
            node = value
        elif isinstance(node, cst.Call):
            positional = [arg.value for arg in node.args if arg.keyword is None]
            if len(positional) == 1:
                node = positional[0]
            elif not node.args and isinstance(node.func, cst.Attribute):
                node = node.func.value
            else:
                return None
        else:
            return None
    return None


# Keywords of comparing calls that tune the check rather than give a value to compare.
_TOLERANCES = frozenset({"rtol", "atol", "msg", "err_msg", "places", "delta", "equal_nan", "verbose", "decimal"})


def _conjuncts(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    parts: list[cst.BaseExpression] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.BooleanOperation) and isinstance(item.operator, cst.And):
            stack.extend((item.right, item.left))
        else:
            parts.append(item)
    return parts


def _names(node: cst.CSTNode) -> frozenset[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.Name):
            found.add(item.value)
        elif isinstance(item, cst.Attribute):
            # `x.mean` reads `x`, not a name `mean`; `x.shape` does not read its values at all.
            if item.attr.value not in _SHAPE_ATTRIBUTES:
                stack.append(item.value)
            continue
        stack.extend(child_nodes(item))
    return frozenset(found)


def _receiver(frame: cst.CSTNode) -> str | None:
    if isinstance(frame, cst.FunctionDef):
        params = [*frame.params.posonly_params, *frame.params.params]
        if params:
            return params[0].name.value
    return None


def _argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    index = 0
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            if index == position:
                return arg.value
            index += 1
        elif arg.keyword.value == keyword:
            return arg.value
    return None


def _independent(call: cst.Call) -> bool:
    value = _argument(call, 3, "independent")
    return not (value is None or (isinstance(value, cst.Name) and value.value == "False"))


def _same_call(a: cst.CSTNode, b: cst.CSTNode, module: cst.Module) -> bool:
    return isinstance(a, cst.Call) and isinstance(b, cst.Call) and _code(a, module) == _code(b, module)


def _code(call: cst.Call, module: cst.Module) -> str:
    func = module.code_for_node(call.func)
    args = ", ".join(module.code_for_node(arg.value) + (f"={arg.keyword.value}" if arg.keyword else "") for arg in call.args)
    return f"{func}({args})"


def _spelled(func: cst.BaseExpression) -> str:
    parts: list[str] = []
    node = func
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
    return ".".join(reversed(parts))
