"""Build the control-flow graph of key operations for one function (PRN003).

The builder walks a function's statements once, splitting them into basic
blocks at every branch, loop, `try` and jump, and records in each block what
happens to paths that may hold keys: bindings, uses as call arguments, and
deletions. Calls are recorded whole (`CallSite`); what they do to their
arguments is decided later, when every function of the module is known.

Statements nest at most about a hundred levels (Python's indentation limit),
so walking them recursively is safe; `elif` chains, which nest without
indenting, are walked in a loop. Expressions are walked recursively with a
depth limit below which they are treated as opaque.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import libcst as cst

from prnglint.engine import FileContext
from prnglint.rules import _jax
from prnglint.rules.key_reuse import initialisers
from prnglint.rules.key_reuse import library as lib
from prnglint.rules.key_reuse.feasibility import Fact, pattern_literals, test_atoms
from prnglint.rules.key_reuse.ir import Arg, Bind, Block, CallSite, Effect, Graph, Kill, Op, Source, Use, Value
from prnglint.tree import children

# Results of calls (a fresh key, an alias) are the same whatever the user configures.
TABLE = lib.Library()
_MAX_EXPR_DEPTH = 120
# Bounds on path facts (`feasibility`) that keep their cost linear.
_MAX_FACTS = 8
_MAX_LITERALS = 32
_MAX_FINALLY_COPIES = 3
_RAISE = -1
_EXIT = -2
_CONSTANTS = frozenset({"None", "True", "False"})
# Calls after which nothing runs: the test fails or stops (SEMANTICS.md: like `raise`).
_NO_RETURN_CALLS = frozenset({"pytest.fail", "pytest.skip", "pytest.xfail", "pytest.exit", "sys.exit", "os._exit"})
# Methods of a `unittest.TestCase` that raise, called on the method's own receiver.
_NO_RETURN_METHODS = frozenset({"fail", "skipTest"})
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)
_NOT_CODE = (
    cst.BaseParenthesizableWhitespace,
    cst.LeftParen,
    cst.RightParen,
    cst.Comma,
    cst.FormattedStringText,
    cst.Colon,
)


@dataclass
class _Loop:
    header: int
    after: int
    finally_level: int


@dataclass
class _Finally:
    entry: Block
    targets: set[int] = field(default_factory=set)


def literal_of(node: cst.BaseExpression) -> str | None:
    """A canonical spelling of an int or string literal (for `fold_in` data and indices)."""
    if isinstance(node, cst.Integer):
        try:
            return str(int(node.value.replace("_", ""), 0))
        except ValueError:
            return None
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        inner = literal_of(node.expression)
        return None if inner is None or inner.startswith(("'", '"', "-")) else f"-{inner}"
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return repr(value) if isinstance(value, str) else None
    return None


class GraphBuilder:
    """Translate one function, lambda or module body into a `Graph`."""

    def __init__(self, node: cst.CSTNode, context: FileContext, *, rngs_possible: bool = True) -> None:
        self.node = node
        self.context = context
        self.blocks: list[Block] = []
        self.cur: Block | None = None
        self.count = 0
        self.anchor: cst.CSTNode | None = None
        self.loop_node: cst.CSTNode | None = None
        self.loops: list[_Loop] = []
        self.loop_ranges: list[tuple[int, int]] = []
        self.exc: list[tuple[int, _Finally | None]] = []
        self.finallies: list[_Finally] = []
        self.renames: list[dict[str, str]] = []
        self.rename_counter = 0
        self.depth = 0
        self.params: list[str] = []
        self.param_kinds: dict[str, str] = {}
        self.bound: set[str] = set()
        self.declared: set[str] = set()
        self.closures: dict[str, cst.CSTNode] = {}
        self.not_closures: set[str] = set()
        self.closure_renames: dict[int, dict[str, str]] = {}
        self.rngs: set[str] = set()
        self.partials: dict[int, CallSite] = {}
        self.made_by: dict[str, str | None] = {}  # local path -> the class (or function) whose call made it
        # Local names holding an initialiser (`initialisers`): name -> its table name.
        self.initialisers: dict[str, str | None] = {}
        self._initialiser_index = initialisers.index(context)
        # Only a name resolving to `flax.nnx.Rngs` makes an `Rngs`; a file
        # without the word has none (the caller checks the text once).
        self.rngs_possible = rngs_possible
        # Path feasibility (`feasibility`): the facts of the enclosing branches,
        # how often each name was rebound or changed, and every fact made.
        self.facts: list[Fact] = []
        self.rebinds: dict[str, int] = {}
        self.changes: dict[str, int] = {}
        self.changed_at: dict[str, int] = {}
        self.change_count = 0
        self.fact_log: list[Fact] = []
        self.dropped_facts: set[int] = set()

    # --- Entry points ---------------------------------------------------------

    def build(self) -> Graph:
        """Translate the node given to the constructor."""
        self.cur = self._new_block()
        node = self.node
        if isinstance(node, cst.FunctionDef):
            self._parameters(node.params)
            self._suite(node.body)
        elif isinstance(node, cst.Lambda):
            self._parameters(node.params)
            self._expr(node.body)
        elif isinstance(node, cst.Module):
            self._statements(node.body)
        closures: dict[str, cst.CSTNode | None] = {
            name: (None if name in self.not_closures else target) for name, target in self.closures.items()
        }
        self._settle_facts()
        return Graph(
            node=node,
            blocks=self.blocks,
            entry=0,
            params=self.params,
            param_kinds=self.param_kinds,
            bound=self.bound,
            declared=self.declared,
            closures=closures,
            closure_renames=self.closure_renames,
            rngs=self.rngs,
            loops=self.loop_ranges,
            op_count=self.count,
            partials=self.partials,
        )

    def _parameters(self, params: cst.Parameters) -> None:
        groups: list[tuple[str, list[cst.Param]]] = [
            ("pos", list(params.posonly_params)),
            ("pos", list(params.params)),
        ]
        if isinstance(params.star_arg, cst.Param):
            groups.append(("star", [params.star_arg]))
        groups.append(("kwonly", list(params.kwonly_params)))
        if params.star_kwarg is not None:
            groups.append(("starstar", [params.star_kwarg]))
        for kind, group in groups:
            for param in group:
                name = param.name.value
                self.params.append(name)
                self.param_kinds[name] = kind
                self.bound.add(name)
                if param.default is not None:
                    made = self._initialiser_index.value(param.default)
                    if made is not None:
                        self.initialisers[name] = made
                if param.annotation is not None and self._is_rngs_annotation(param.annotation.annotation):
                    self.rngs.add(name)
                elif param.annotation is not None and is_key_annotation(param.annotation.annotation, self.context):
                    # The author says it is a key: evidence, though nothing is done to it.
                    self._emit(Use(name, Effect.READ, param.name, None, True))

    def _initialiser_called(self, func: cst.BaseExpression) -> str | None:
        if isinstance(func, cst.Name):
            if func.value in self.initialisers:
                return self.initialisers[func.value]
            if func.value in self.bound or func.value in self.declared:
                return None
            return self._initialiser_index.enclosing(self.node, func.value)
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and self.params
            and func.value.value == self.params[0]
            and func.value.value not in self.initialisers
        ):
            return self._initialiser_index.field(self.node, func.attr.value)
        return None

    def _is_rngs_annotation(self, node: cst.BaseExpression) -> bool:
        if not self.rngs_possible:
            return False
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, cst.BinaryOperation):
                stack.extend((item.left, item.right))
            elif isinstance(item, cst.Subscript):
                stack.extend(
                    element.slice.value for element in item.slice if isinstance(element.slice, cst.Index)
                )
            elif isinstance(item, cst.Name | cst.Attribute):
                if self.context.qualname(item) == _jax.RNGS:
                    return True
            elif isinstance(item, cst.SimpleString):
                # A quoted annotation: "nnx.Rngs".
                value = item.evaluated_value
                if isinstance(value, str) and value.rsplit(".", 1)[-1] == "Rngs":
                    try:
                        stack.append(cst.parse_expression(value))
                    except cst.ParserSyntaxError:
                        pass
        return False

    # --- Blocks -----------------------------------------------------------------

    def _new_block(self) -> Block:
        block = Block(len(self.blocks))
        self.blocks.append(block)
        return block

    @staticmethod
    def _edge(source: Block, target: Block | int) -> None:
        target_id = target if isinstance(target, int) else target.id
        if target_id not in source.succs:
            source.succs.append(target_id)

    def _emit(self, op: Op) -> None:
        assert self.cur is not None
        op.index = self.count
        op.block = self.cur.id
        if isinstance(op, CallSite):
            op.anchor = self.anchor
            op.loop = self.loop_node
            if self.facts:
                op.facts = tuple(self.facts)
        elif isinstance(op, Bind | Kill):
            root = _root(op.path)
            children = isinstance(op, Kill) and op.children_only
            self._changed(root, rebound=root == op.path and not children)
        self.count += 1
        self.cur.ops.append(op)

    # --- Facts of branch tests (see `feasibility`) ------------------------------------

    def _changed(self, name: str, *, rebound: bool) -> None:
        """`name` now holds another value (`rebound`), or its value may have changed."""
        self.change_count += 1
        self.changed_at[name] = self.change_count
        if rebound:
            self.rebinds[name] = self.rebinds.get(name, 0) + 1
        else:
            self.changes[name] = self.changes.get(name, 0) + 1

    def _make_facts(self, test: cst.BaseExpression, positive: bool) -> list[Fact]:
        if isinstance(self.node, cst.Module):
            return []  # any function the module calls may rebind a global
        facts = []
        for name, kind, value, literals in test_atoms(test, positive, literal_of):
            facts.append(self._fact(name, kind, value, literals))
        return facts

    def _add_facts(self, facts: list[Fact]) -> None:
        """Push facts for the code that follows, merging `not-in` facts about one value.

        An `elif` chain on one name leaves one growing `not-in` fact rather
        than one fact per test, and the stack and each fact stay small
        (`_MAX_FACTS`, `_MAX_LITERALS`), so that a long chain costs no more than
        its length: dropping a fact only means pruning fewer paths.
        """
        for fact in facts:
            last = self.facts[-1] if self.facts else None
            if (
                last is not None
                and fact.kind == last.kind == "not-in"
                and (fact.name, fact.rebinds, fact.changes) == (last.name, last.rebinds, last.changes)
            ):
                if len(last.literals) < _MAX_LITERALS:
                    self.facts[-1] = replace(last, literals=last.literals | fact.literals)
                    self.fact_log.append(self.facts[-1])
                continue
            if len(self.facts) < _MAX_FACTS:
                self.facts.append(fact)

    def _fact(self, name: str, kind: str, value: bool, literals: frozenset[str]) -> Fact:
        fact = Fact(
            name, self.rebinds.get(name, 0), self.changes.get(name, 0), kind, value, literals, len(self.fact_log)
        )
        self.fact_log.append(fact)
        return fact

    def _loop_mark(self) -> tuple[int, int]:
        return len(self.fact_log), self.change_count

    def _drop_loop_facts(self, mark: tuple[int, int]) -> None:
        """Facts made in a loop about a name the loop changes hold for one iteration only."""
        first_fact, changes_before = mark
        for fact in self.fact_log[first_fact:]:
            if self.changed_at.get(fact.name, 0) > changes_before:
                self.dropped_facts.add(fact.serial)

    def _settle_facts(self) -> None:
        """Keep only facts about the function's own, never-declared names that no loop changes."""
        if not self.fact_log:
            return
        own = self.bound - self.declared
        dropped = self.dropped_facts | {fact.serial for fact in self.fact_log if fact.name not in own}
        if not dropped:
            return
        for block in self.blocks:
            for op in block.ops:
                if isinstance(op, CallSite) and op.facts:
                    op.facts = tuple(fact for fact in op.facts if fact.serial not in dropped)

    def _start(self) -> Block:
        """End the current block and continue in a new one that follows it."""
        block = self._new_block()
        if self.cur is not None:
            self._edge(self.cur, block)
        self.cur = block
        return block

    def _exception_point(self) -> None:
        """Inside a `try`, a statement may raise before it has any effect."""
        if not self.exc or self.cur is None:
            return
        target, fin = self.exc[-1]
        before = self.cur
        self._start()
        self._edge(before, target)
        if fin is not None:
            fin.targets.add(_RAISE)

    # --- Statements ---------------------------------------------------------------

    def _suite(self, suite: cst.BaseSuite) -> None:
        if isinstance(suite, cst.IndentedBlock):
            self._statements(suite.body)
        elif isinstance(suite, cst.SimpleStatementSuite):
            for small in suite.body:
                if self.cur is None:
                    return
                self._exception_point()
                self.anchor = None
                self._small(small)

    def _statements(self, statements: tuple[cst.BaseStatement, ...] | list[cst.BaseStatement]) -> None:
        for statement in statements:
            if self.cur is None:
                return  # unreachable code after return/raise/break/continue
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if self.cur is None:
                        return
                    self._exception_point()
                    self.anchor = small
                    self._small(small)
            else:
                self._exception_point()
                self.anchor = statement
                self._compound(statement)

    def _small(self, node: cst.BaseSmallStatement) -> None:
        if isinstance(node, cst.Expr):
            self._expr(node.value)
            if isinstance(node.value, cst.Call) and self._never_returns(node.value):
                self._raise()
        elif isinstance(node, cst.Assign):
            self._assign(node)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                value = self._expr(node.value)
                self._bind_target(node.target, value)
            path = self._path(node.target)
            if path is not None and self._is_rngs_annotation(node.annotation.annotation):
                self.rngs.add(path)
        elif isinstance(node, cst.AugAssign):
            self._expr(node.target)
            self._expr(node.value)
            self._bind_target(node.target, None)
        elif isinstance(node, cst.Return):
            if node.value is not None:
                self._expr(node.value)
            self._leave(_EXIT)
        elif isinstance(node, cst.Raise):
            if node.exc is not None:
                self._expr(node.exc)
            if node.cause is not None:
                self._expr(node.cause.item)
            self._raise()
        elif isinstance(node, cst.Break):
            if self.loops:
                self._leave(self.loops[-1].after, self.loops[-1])
        elif isinstance(node, cst.Continue):
            if self.loops:
                self._leave(self.loops[-1].header, self.loops[-1])
        elif isinstance(node, cst.Del):
            self._delete(node.target)
        elif isinstance(node, cst.Assert):
            self._expr(node.test)
            if node.msg is not None:
                self._expr(node.msg)
            if _falsy_constant(node.test):
                self._raise()  # `assert False`: the test fails here
        elif isinstance(node, cst.Global | cst.Nonlocal):
            for item in node.names:
                self.declared.add(item.name.value)
        elif isinstance(node, cst.Import | cst.ImportFrom):
            self._imports(node)

    def _never_returns(self, call: cst.Call) -> bool:
        """`pytest.fail(...)`, `sys.exit()`, `self.fail(...)` in a method: nothing after them runs."""
        func = call.func
        if isinstance(func, cst.Name | cst.Attribute) and self.context.qualname(func) in _NO_RETURN_CALLS:
            return True
        return (
            isinstance(func, cst.Attribute)
            and func.attr.value in _NO_RETURN_METHODS
            and isinstance(func.value, cst.Name)
            and isinstance(self.node, cst.FunctionDef)
            and bool(self.params)
            and func.value.value == self.params[0]
        )

    def _imports(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:  # type: ignore[union-attr]
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                name = alias.asname.name.value
            else:
                first = alias.name
                while isinstance(first, cst.Attribute):
                    first = first.value
                if not isinstance(first, cst.Name):
                    continue
                name = first.value
            self._bind(name, ("opaque",), node)

    def _compound(self, node: cst.BaseCompoundStatement) -> None:
        if isinstance(node, cst.If):
            self._if(node)
        elif isinstance(node, cst.For):
            self._for(node)
        elif isinstance(node, cst.While):
            self._while(node)
        elif isinstance(node, cst.Try | cst.TryStar):
            self._try(node)
        elif isinstance(node, cst.With):
            for item in node.items:
                self._expr(item.item)
                if item.asname is not None:
                    self._bind_target(item.asname.name, None)
            self.anchor = None
            self._suite(node.body)
        elif isinstance(node, cst.Match):
            self._match(node)
        elif isinstance(node, cst.FunctionDef):
            name = node.name.value
            self._bind(name, ("opaque",), node, closure=node)
        elif isinstance(node, cst.ClassDef):
            self._bind(node.name.value, ("opaque",), node)

    def _leave(self, target: int, loop: _Loop | None = None) -> None:
        """Jump out of the current block: to a loop target, or (_EXIT) out of the function."""
        if self.cur is None:
            return
        crossing = len(self.finallies) > (loop.finally_level if loop is not None else 0)
        if crossing:
            fin = self.finallies[-1]
            self._edge(self.cur, fin.entry)
            fin.targets.add(target)
        elif target != _EXIT:
            self._edge(self.cur, target)
        self.cur = None

    def _raise(self) -> None:
        if self.cur is None:
            return
        if self.exc:
            target, fin = self.exc[-1]
            self._edge(self.cur, target)
            if fin is not None:
                fin.targets.add(_RAISE)
        self.cur = None

    def _if(self, node: cst.If) -> None:
        ends: list[Block] = []
        current: cst.If = node
        depth = len(self.facts)
        try:
            while True:
                self._expr(current.test)
                fork = self.cur
                if fork is None:
                    return
                self.cur = fork
                self._start()
                # The branch runs where the test held; the rest of the chain where it did not.
                level = len(self.facts)
                self._add_facts(self._make_facts(current.test, True))
                self._suite(current.body)
                del self.facts[level:]
                self._add_facts(self._make_facts(current.test, False))
                if self.cur is not None:
                    ends.append(self.cur)
                self.cur = fork
                self._start()
                orelse = current.orelse
                if isinstance(orelse, cst.If):
                    current = orelse
                    self.anchor = None  # an `elif` test has no line of its own to insert before
                    continue
                if orelse is not None:
                    self.anchor = None
                    self._suite(orelse.body)
                if self.cur is not None:
                    ends.append(self.cur)
                break
        finally:
            del self.facts[depth:]
        self._join(ends)

    def _join(self, ends: list[Block]) -> None:
        if not ends:
            self.cur = None
            return
        after = self._new_block()
        for end in ends:
            self._edge(end, after)
        self.cur = after

    def _loop_body(self, loop: _Loop, node: cst.CSTNode, body: cst.BaseSuite) -> None:
        outer_node = self.loop_node
        self.loops.append(loop)
        self.loop_node = node
        self.anchor = None
        self._suite(body)
        self.loops.pop()
        self.loop_node = outer_node
        if self.cur is not None:
            self._edge(self.cur, loop.header)

    def _for(self, node: cst.For) -> None:
        iterable = self._expr(node.iter)
        mark = self._loop_mark()
        start = self.count
        header = self._start()
        after = self._new_block()
        loop = _Loop(header.id, after.id, len(self.finallies))
        self._start()
        outer_node = self.loop_node
        self.loop_node = node
        self._bind_target(node.target, ("item", iterable))
        self.loop_node = outer_node
        self._loop_body(loop, node, node.body)
        self._drop_loop_facts(mark)
        self.cur = header
        self._loop_exit(node, after, start)

    def _while(self, node: cst.While) -> None:
        mark = self._loop_mark()
        start = self.count
        self._start()
        header = self.cur
        assert header is not None
        self.anchor = None  # the test runs on every iteration
        outer_node = self.loop_node
        self.loop_node = node
        self._expr(node.test)
        self.loop_node = outer_node
        test_end = self.cur
        after = self._new_block()
        loop = _Loop(header.id, after.id, len(self.finallies))
        if test_end is None:
            self.cur = after
            return
        self._start()
        self._loop_body(loop, node, node.body)
        self._drop_loop_facts(mark)
        always = isinstance(node.test, cst.Integer | cst.Name) and _truthy_constant(node.test)
        if not always:
            self.cur = test_end
            self._loop_exit(node, after, start)
        else:
            self.cur = after
            self.loop_ranges.append((start, self.count))

    def _loop_exit(self, node: cst.For | cst.While, after: Block, start: int) -> None:
        """Leave a loop from `self.cur` (its test): through `else:` if any, then to `after`."""
        self._start()
        if node.orelse is not None:
            self.anchor = None
            self._suite(node.orelse.body)
        if self.cur is not None:
            self._edge(self.cur, after)
        self.cur = after
        self.loop_ranges.append((start, self.count))

    def _try(self, node: cst.Try | cst.TryStar) -> None:
        outer_exc = self.exc[-1] if self.exc else None
        fin: _Finally | None = None
        if node.finalbody is not None and len(self.finallies) < _MAX_FINALLY_COPIES:
            fin = _Finally(self._new_block())
        dispatch = self._new_block() if node.handlers else None
        if fin is not None:
            self.finallies.append(fin)
        body_target: tuple[int, _Finally | None] | None = None
        if dispatch is not None:
            body_target = (dispatch.id, None)
        elif fin is not None:
            body_target = (fin.entry.id, fin)
        if body_target is not None:
            self.exc.append(body_target)
        self.anchor = None
        self._start()
        self._suite(node.body)
        if body_target is not None:
            self.exc.pop()
        ends: list[Block] = []
        after_handlers_target = (fin.entry.id, fin) if fin is not None else None
        if after_handlers_target is not None:
            self.exc.append(after_handlers_target)
        if self.cur is not None and node.orelse is not None:
            self._suite(node.orelse.body)
        if self.cur is not None:
            ends.append(self.cur)
        if dispatch is not None:
            catches_all = False
            for handler in node.handlers:
                self.cur = dispatch
                self._start()
                if handler.type is None:
                    catches_all = True
                else:
                    self._expr(handler.type)
                if handler.name is not None:
                    self._bind_target(handler.name.name, None)
                self._suite(handler.body)
                if self.cur is not None:
                    ends.append(self.cur)
            if not catches_all:
                if fin is not None:
                    self._edge(dispatch, fin.entry)
                    fin.targets.add(_RAISE)
                elif outer_exc is not None:
                    self._edge(dispatch, outer_exc[0])
                    if outer_exc[1] is not None:
                        outer_exc[1].targets.add(_RAISE)
        if after_handlers_target is not None:
            self.exc.pop()
        if fin is not None:
            self.finallies.pop()
        self._join(ends)
        if node.finalbody is None:
            return
        if self.cur is not None:
            self.anchor = None
            self._suite(node.finalbody.body)
        normal_end = self.cur
        if fin is not None:
            # A second copy of the `finally` body for the paths that leave by
            # return, raise, break or continue, so that they do not flow into
            # the code after the `try`.
            self.cur = fin.entry
            self._suite(node.finalbody.body)
            if self.cur is not None:
                for target in sorted(fin.targets):
                    if target == _RAISE:
                        if outer_exc is not None:
                            self._edge(self.cur, outer_exc[0])
                    elif target == _EXIT:
                        if self.finallies:
                            self._edge(self.cur, self.finallies[-1].entry)
                            self.finallies[-1].targets.add(_EXIT)
                    else:
                        self._edge(self.cur, target)
        self.cur = normal_end

    def _match(self, node: cst.Match) -> None:
        self._expr(node.subject)
        test = self.cur
        ends: list[Block] = []
        subject = node.subject.value if isinstance(node.subject, cst.Name) else None
        depth = len(self.facts)
        for case in node.cases:
            if test is None:
                break
            self.cur = test
            self._start()
            self.anchor = None
            literals = pattern_literals(case.pattern, literal_of) if subject is not None else None
            level = len(self.facts)
            if literals is not None and not isinstance(self.node, cst.Module):
                self._add_facts([self._fact(subject, "in", True, literals)])  # type: ignore[arg-type]
            for name in _pattern_names(case.pattern):
                self._bind(name, ("opaque",), case)
            if case.guard is not None:
                self._expr(case.guard)
            decided = self.cur
            self._start()
            self._suite(case.body)
            del self.facts[level:]
            if literals is not None and case.guard is None and not isinstance(self.node, cst.Module):
                # Later cases run only where this one did not match.
                self._add_facts([self._fact(subject, "not-in", True, literals)])  # type: ignore[arg-type]
            if self.cur is not None:
                ends.append(self.cur)
            if case.guard is None and _irrefutable(case.pattern):
                test = None
            else:
                test = decided
        del self.facts[depth:]
        if test is not None:
            ends.append(test)
        self._join(ends)

    # --- Bindings -----------------------------------------------------------------

    def _rename(self, name: str) -> str:
        for scope in reversed(self.renames):
            if name in scope:
                return scope[name]
        return name

    def _path(self, node: cst.BaseExpression) -> str | None:
        """`key`, `self.rng`, `keys[0]`, `state["rng"]`: a path the analysis can follow."""
        parts: list[str] = []
        while True:
            if isinstance(node, cst.Attribute):
                parts.append("." + node.attr.value)
                node = node.value
            elif isinstance(node, cst.Subscript):
                if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
                    return None
                literal = literal_of(node.slice[0].slice.value)
                if literal is None:
                    return None
                parts.append(f"[{literal}]")
                node = node.value
            elif isinstance(node, cst.Name):
                if node.value in _CONSTANTS:
                    return None
                parts.append(self._rename(node.value))
                return "".join(reversed(parts))
            else:
                return None

    def _bind(
        self, path: str, source: Source, node: cst.CSTNode, *, closure: cst.CSTNode | None = None
    ) -> None:
        if self.cur is None:
            return
        if "." not in path and "[" not in path:
            self.bound.add(path)
            if closure is not None:
                if path in self.closures and self.closures[path] is not closure:
                    self.not_closures.add(path)
                self.closures[path] = closure
            else:
                self.not_closures.add(path)
        self._emit(Bind(path, source, node))

    def _source(self, value: Value) -> Source:
        if value is None:
            return ("opaque",)
        kind = value[0]
        if kind == "path":
            return ("alias", value[1])
        if kind in ("fresh", "array", "stream"):
            return value[:2] if kind == "stream" else (kind,)
        if kind == "elemof":
            return ("elem", value[1], value[2])
        if kind == "item":
            inner = value[1]
            if inner is not None and inner[0] == "path":
                return ("item", inner[1])
            if inner is not None and inner[0] == "array":
                return ("fresh",)
            return ("opaque",)
        if kind == "multi":
            return ("multi", tuple(self._source(item) for item in value[1]))
        return ("opaque",)

    def _bind_target(self, target: cst.BaseExpression, value: Value) -> None:
        if isinstance(target, cst.Tuple | cst.List):
            self._unpack(target, value)
            return
        if isinstance(target, cst.StarredElement):
            self._bind_target(target.value, None)
            return
        path = self._path(target)
        if path is None:
            # `keys[i] = k`, `obj.f().x = k`: evaluate the pieces; what lies
            # below the container may have changed.
            if isinstance(target, cst.Subscript):
                base = self._expr(target.value)
                for element in target.slice:
                    self._slice(element)
                if base is not None and base[0] == "path" and self.cur is not None:
                    self._emit(Kill(base[1], children_only=True))
            elif isinstance(target, cst.Attribute):
                self._expr(target.value)
            return
        if value is not None and value[0] == "closure" and isinstance(target, cst.Name):
            self._bind(path, ("opaque",), target, closure=value[1])
            return
        if value is not None and value[0] == "partial" and isinstance(target, cst.Name):
            self.partials[id(value[1])] = value[2]
            self._bind(path, ("opaque",), target, closure=value[1])
            return
        if value is not None and value[0] == "rngs":
            self.rngs.add(path)
        self._bind(path, self._source(value), target)

    def _unpack(self, target: cst.Tuple | cst.List, value: Value) -> None:
        elements = target.elements
        starred = any(isinstance(element, cst.StarredElement) for element in elements)
        kind = value[0] if value is not None else None
        seen_star = False
        for index, element in enumerate(elements):
            is_star = isinstance(element, cst.StarredElement)
            seen_star = seen_star or is_star
            item: Value = None
            if kind == "tuple" and not starred and len(value[1]) == len(elements):  # type: ignore[index]
                item = value[1][index]  # type: ignore[index]
            elif kind == "array":
                item = ("array",) if is_star else ("fresh",)
            elif kind == "path" and not seen_star:
                item = ("elemof", value[1], index)  # type: ignore[index]
            self._bind_target(element.value, item)

    def _delete(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._delete(element.value)
            return
        path = self._path(target)
        if path is not None:
            if self.cur is not None:
                self._emit(Kill(path))
            return
        if isinstance(target, cst.Subscript):
            base = self._expr(target.value)
            if base is not None and base[0] == "path" and self.cur is not None:
                self._emit(Kill(base[1], children_only=True))

    def _assign(self, node: cst.Assign) -> None:
        value = self._expr(node.value)
        if isinstance(node.value, cst.Call) and len(node.targets) == 1:
            path = self._path(node.targets[0].target)
            made = self.context.qualname(node.value.func) if isinstance(node.value.func, cst.Name | cst.Attribute) else None
            if path is not None:
                # Flow-insensitive: a path made by two different calls has no known maker.
                previous = self.made_by.get(path, made)
                self.made_by[path] = made if previous == made else None
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            name = node.targets[0].target.value
            initialiser = self._initialiser_index.value(node.value)
            if initialiser is not None or name in self.initialisers:
                # Flow-insensitive too: a name bound to two different things holds no known initialiser.
                previous = self.initialisers.get(name, initialiser)
                self.initialisers[name] = initialiser if previous == initialiser else None
        first_path: str | None = None
        for index, target in enumerate(node.targets):
            if index > 0 and first_path is not None and value is not None and value[0] in ("fresh", "array"):
                # `a = b = jax.random.key(0)`: one key under two names.
                self._bind_target(target.target, ("path", first_path, target.target))
                continue
            self._bind_target(target.target, value)
            if index == 0:
                first_path = self._path(target.target)

    # --- Expressions ----------------------------------------------------------------

    def _expr(self, node: cst.BaseExpression) -> Value:
        if self.cur is None:
            return None
        if self.depth > _MAX_EXPR_DEPTH:
            return None
        self.depth += 1
        try:
            return self._expr_inner(node)
        finally:
            self.depth -= 1

    def _expr_inner(self, node: cst.BaseExpression) -> Value:
        kind = type(node)
        if kind is cst.Name:
            path = self._path(node)
            return ("path", path, node) if path is not None else None
        if kind is cst.Call:
            return self._call(node)  # type: ignore[arg-type]
        if kind is cst.Attribute or kind is cst.Subscript:
            path = self._path(node)
            if path is not None:
                return ("path", path, node)
            if kind is cst.Attribute:
                self._expr(node.value)  # type: ignore[attr-defined]
                return None
            base = self._expr(node.value)  # type: ignore[attr-defined]
            for element in node.slice:  # type: ignore[attr-defined]
                self._slice(element)
            if base is not None and base[0] == "array" and len(node.slice) == 1:  # type: ignore[attr-defined]
                index = node.slice[0].slice  # type: ignore[attr-defined]
                if isinstance(index, cst.Index) and literal_of(index.value) is not None:
                    return ("fresh",)
            return None
        if kind is cst.Tuple or kind is cst.List:
            return ("tuple", [self._element(element) for element in node.elements])  # type: ignore[attr-defined]
        if kind is cst.Set:
            return ("container", [self._element(element) for element in node.elements])  # type: ignore[attr-defined]
        if kind is cst.Dict:
            items: list[Value] = []
            for element in node.elements:  # type: ignore[attr-defined]
                if isinstance(element, cst.DictElement):
                    self._expr(element.key)
                    items.append(self._expr(element.value))
                else:
                    items.append(self._expr(element.value))
            return ("container", items)
        if kind is cst.IfExp:
            return self._ifexp(node)  # type: ignore[arg-type]
        if kind is cst.BooleanOperation:
            left = self._expr(node.left)  # type: ignore[attr-defined]
            right = self._expr(node.right)  # type: ignore[attr-defined]
            return ("multi", [left, right])
        if kind is cst.NamedExpr:
            value = self._expr(node.value)  # type: ignore[attr-defined]
            self._bind_target(node.target, value)  # type: ignore[attr-defined]
            path = self._path(node.target)  # type: ignore[attr-defined]
            return ("path", path, node.target) if path is not None else None  # type: ignore[attr-defined]
        if kind is cst.Lambda:
            if self.renames:
                self.closure_renames[id(node)] = {k: v for scope in self.renames for k, v in scope.items()}
            return ("closure", node)
        if kind in _COMPREHENSIONS:
            self._comprehension(node)  # type: ignore[arg-type]
            return None
        if kind is cst.Await:
            return self._expr(node.expression)  # type: ignore[attr-defined]
        if kind is cst.Yield:
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, cst.From):
                self._expr(value.item)
            elif value is not None:
                self._expr(value)
            return None
        if kind is cst.BinaryOperation:
            self._expr(node.left)  # type: ignore[attr-defined]
            self._expr(node.right)  # type: ignore[attr-defined]
            return None
        if kind is cst.UnaryOperation:
            self._expr(node.expression)  # type: ignore[attr-defined]
            return None
        if kind is cst.Comparison:
            self._expr(node.left)  # type: ignore[attr-defined]
            for target in node.comparisons:  # type: ignore[attr-defined]
                self._expr(target.comparator)
            return None
        if kind in (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Ellipsis):
            return None
        # f-strings, concatenated strings, starred elements and anything else:
        # evaluate the expressions inside for their calls.
        for child in children(node):
            self._walk_child(child)
        return None

    def _walk_child(self, child: cst.CSTNode) -> None:
        if isinstance(child, cst.BaseExpression):
            self._expr(child)
            return
        for grandchild in children(child):
            if isinstance(grandchild, cst.BaseExpression):
                self._expr(grandchild)
            elif not isinstance(grandchild, _NOT_CODE):
                self._walk_child(grandchild)

    def _element(self, element: cst.BaseElement) -> Value:
        value = self._expr(element.value)
        if isinstance(element, cst.StarredElement):
            return value if value is not None and value[0] == "path" else None
        return value

    def _slice(self, element: cst.SubscriptElement) -> None:
        inner = element.slice
        if isinstance(inner, cst.Index):
            self._expr(inner.value)
        elif isinstance(inner, cst.Slice):
            for part in (inner.lower, inner.upper, inner.step):
                if part is not None:
                    self._expr(part)

    def _ifexp(self, node: cst.IfExp) -> Value:
        self._expr(node.test)
        fork = self.cur
        if fork is None:
            return None
        self._start()
        body = self._expr(node.body)
        body_end = self.cur
        self.cur = fork
        self._start()
        orelse = self._expr(node.orelse)
        self._join([end for end in (body_end, self.cur) if end is not None])
        return ("multi", [body, orelse])

    def _comprehension(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> None:
        start = self.count
        headers: list[Block] = []
        scope: dict[str, str] = {}
        outer_node = self.loop_node
        self.loop_node = node
        comp: cst.CompFor | None = node.for_in
        pushed = False
        while comp is not None and self.cur is not None:
            iterable = self._expr(comp.iter)
            if not pushed:
                self.renames.append(scope)
                pushed = True
            header = self._start()
            headers.append(header)
            self._start()
            self.rename_counter += 1
            for name in target_names(comp.target):
                scope[name] = f"{name}#{self.rename_counter}"
            self._bind_target(comp.target, ("item", iterable))
            for condition in comp.ifs:
                self._expr(condition.test)
                if self.cur is not None:
                    self._edge(self.cur, header)
                    self._start()
            comp = comp.inner_for_in
        if self.cur is not None:
            if isinstance(node, cst.DictComp):
                self._expr(node.key)
                self._expr(node.value)
            else:
                self._expr(node.elt)
        if self.cur is not None and headers:
            self._edge(self.cur, headers[-1])
        for inner, outer in zip(headers[1:], headers[:-1]):
            self._edge(inner, outer)
        if pushed:
            self.renames.pop()
        self.loop_node = outer_node
        if headers:
            self.cur = headers[0]
            self._start()
        self.loop_ranges.append((start, self.count))

    def _call(self, node: cst.Call) -> Value:
        func = node.func
        qualname: str | None = None
        receiver: str | None = None
        method: str | None = None
        callee: str | None = None
        owner: str | None = None
        if isinstance(func, cst.Name | cst.Attribute):
            qualname = self.context.qualname(func)
        elif isinstance(func, cst.Call) and isinstance(func.func, cst.Name | cst.Attribute):
            # `jax.make_jaxpr(f)(key)`: a call of what a known function returned.
            inner = self.context.qualname(func.func)
            if inner is not None:
                self._expr(func)
                qualname = inner + "()"
        if qualname is None:
            # A call of an initialiser held by a local name or by a field of the method's class.
            qualname = self._initialiser_called(func)
        if qualname is None:
            if isinstance(func, cst.Attribute):
                receiver = self._path(func.value)
                if receiver is None:
                    self._expr(func.value)
                    if isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name | cst.Attribute):
                        inner = self.context.qualname(func.value.func)
                        owner = inner + "()" if inner is not None else None
                else:
                    owner = self.made_by.get(receiver)
                method = func.attr.value
            elif isinstance(func, cst.Name):
                callee = self._rename(func.value)
            else:
                self._expr(func)
        args: list[Arg] = []
        for arg in node.args:
            value = self._expr(arg.value)
            keyword = arg.keyword.value if arg.keyword is not None else None
            args.append(Arg(keyword, arg.star if isinstance(arg.star, str) else "", value, arg.value))
        if self.cur is None:
            return None
        site = CallSite(node, qualname, receiver, method, callee, args, owner=owner)
        self._emit(site)
        # A call may change what its receiver and its arguments hold (`items.append(x)`).
        if receiver is not None:
            self._changed(_root(receiver), rebound=False)
        for arg in args:
            if arg.value is not None and arg.value[0] == "path":
                self._changed(_root(arg.value[1]), rebound=False)
        if qualname == "functools.partial" and args and args[0].keyword is None and not args[0].star:
            return ("partial", node, site)
        return _call_result(qualname, receiver, method, callee, args, func, owner, self.rngs)


def _call_result(
    qualname: str | None,
    receiver: str | None,
    method: str | None,
    callee: str | None,
    args: list[Arg],
    func: cst.BaseExpression,
    owner: str | None,
    rngs: set[str],
) -> Value:
    if qualname is not None:
        kind = _jax.random_kind(qualname)
        if kind == "constructor":
            return ("fresh",)
        if kind == "deriver":
            return ("array",) if qualname.endswith(".split") else ("fresh",)
        if kind == "rngs":
            return ("rngs",)
        return _entry_result(TABLE.function(qualname), args)
    if method is not None:
        entry = TABLE.method(method, owner)
        if entry is not None and entry.result == lib.ALIAS and receiver is not None:
            assert isinstance(func, cst.Attribute)
            return ("path", receiver, func.value)
        if entry is not None and entry.result is not None:
            return _entry_result(entry, args)
        if receiver is not None and not args and method not in _jax.RNGS_METHODS:
            return ("stream", receiver)
        return None
    if callee is not None:
        if not args:
            return ("stream", callee)
        if callee == "next" and len(args) == 1 and args[0].value is not None and args[0].value[0] == "path":
            if args[0].value[1] in rngs:
                return ("stream", args[0].value[1])  # `next(hk.PRNGSequence(key))`
        return _entry_result(TABLE.function("builtins." + callee), args)
    return None


def _root(path: str) -> str:
    for index, char in enumerate(path):
        if char in ".[":
            return path[:index]
    return path


def _falsy_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value in ("False", "None")
    if isinstance(node, cst.Integer):
        return literal_of(node) == "0"
    return False


def _entry_result(entry: lib.Entry | None, args: list[Arg]) -> Value:
    """The value a call described by the library table returns."""
    if entry is None or entry.result is None:
        return None
    if entry.result == lib.FRESH:
        return ("fresh",)
    if entry.result == "rngs":
        return ("rngs",)
    if entry.result == lib.ALIAS and args and args[0].keyword is None and not args[0].star:
        value = args[0].value
        return value if value is not None and value[0] == "path" else None
    return None


# Annotations that say a parameter holds a key, by qualified name (through
# the imports; never the spelling of the parameter's name).
KEY_ANNOTATIONS = frozenset(
    {
        "jax.random.PRNGKey",
        "jax.random.KeyArray",
        "chex.PRNGKey",
        "jaxtyping.PRNGKeyArray",
        "jaxtyping.Key",
        "flax.typing.PRNGKey",
    }
)


def is_key_annotation(node: cst.BaseExpression, context: FileContext) -> bool:
    """True for an annotation that says the value is a PRNG key (also `X | None`, `Optional[X]`, `Key[Array, ""]`)."""
    stack: list[cst.BaseExpression] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.BinaryOperation):
            stack.extend((item.left, item.right))
        elif isinstance(item, cst.Subscript):
            head = context.qualname(item.value) if isinstance(item.value, cst.Name | cst.Attribute) else None
            if head in KEY_ANNOTATIONS:
                return True
            if head in ("typing.Optional", "typing.Union", "typing_extensions.Optional"):
                stack.extend(e.slice.value for e in item.slice if isinstance(e.slice, cst.Index))
        elif isinstance(item, cst.Name | cst.Attribute):
            if context.qualname(item) in KEY_ANNOTATIONS:
                return True
        elif isinstance(item, cst.SimpleString):
            value = item.evaluated_value
            if isinstance(value, str) and ("Key" in value):
                try:
                    stack.append(cst.parse_expression(value))
                except cst.ParserSyntaxError:
                    pass
    return False


def _truthy_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "True"
    if isinstance(node, cst.Integer):
        return literal_of(node) not in (None, "0")
    return False


def target_names(target: cst.BaseExpression) -> list[str]:
    """The plain names an assignment target binds (through tuples, lists and starred parts)."""
    names: list[str] = []
    stack = [target]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.Name):
            names.append(item.value)
        elif isinstance(item, cst.Tuple | cst.List):
            stack.extend(element.value for element in item.elements)
        elif isinstance(item, cst.StarredElement):
            stack.append(item.value)
    return names


def _pattern_names(pattern: cst.MatchPattern) -> list[str]:
    names: list[str] = []
    stack: list[cst.CSTNode] = [pattern]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.MatchAs):
            if item.name is not None:
                names.append(item.name.value)
            if item.pattern is not None:
                stack.append(item.pattern)
        elif isinstance(item, cst.MatchStar):
            if item.name is not None:
                names.append(item.name.value)
        elif isinstance(item, cst.MatchMapping):
            if item.rest is not None:
                names.append(item.rest.value)
            stack.extend(element.pattern for element in item.elements)
        elif isinstance(item, cst.MatchSequence):
            stack.extend(
                element.value if isinstance(element, cst.MatchSequenceElement) else element
                for element in item.patterns
            )
        elif isinstance(item, cst.MatchClass):
            stack.extend(element.value for element in item.patterns)
            stack.extend(element.pattern for element in item.kwds)
        elif isinstance(item, cst.MatchOr):
            stack.extend(element.pattern for element in item.patterns)
    return names


def _irrefutable(pattern: cst.MatchPattern) -> bool:
    return isinstance(pattern, cst.MatchAs) and pattern.pattern is None
