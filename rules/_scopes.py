"""Scopes and bindings for the flow rules (PRN006, PRN009, PRN010), gathered during the engine's walk.

Deliberately lighter than libcst's ScopeProvider, which costs a full scope
analysis of every file: `ScopeTracker` is a mixin of `visit_*` hooks that
records, as the engine walks the tree once, which names each function,
lambda, class, comprehension and the module bind, and which statement is
being visited. A rule that needs to know where a name comes from records the
scope of the use during the walk and asks `binding_scope` at the end, when
every binding is known (Python binds a name in the whole function, wherever
the assignment stands).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

ScopeNode = cst.Module | cst.FunctionDef | cst.Lambda | cst.ClassDef | cst.BaseComp
Statement = cst.SimpleStatementLine | cst.SimpleStatementSuite | cst.BaseCompoundStatement


def target_names(target: cst.BaseExpression) -> list[str]:
    """The plain names an assignment target binds (`a`, `a, (b, *c)`)."""
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, cst.Tuple | cst.List):
        names: list[str] = []
        for element in target.elements:
            names.extend(target_names(element.value))
        return names
    if isinstance(target, cst.StarredElement):
        return target_names(target.value)
    return []


def parameter_names(parameters: cst.Parameters) -> list[str]:
    """Every name a parameter list binds, in order."""
    names = [param.name.value for param in (*parameters.posonly_params, *parameters.params)]
    if isinstance(parameters.star_arg, cst.Param):
        names.append(parameters.star_arg.name.value)
    names.extend(param.name.value for param in parameters.kwonly_params)
    if parameters.star_kwarg is not None:
        names.append(parameters.star_kwarg.name.value)
    return names


def positional_parameters(parameters: cst.Parameters) -> list[cst.Param]:
    """The parameters that can be passed by position, in order."""
    return [*parameters.posonly_params, *parameters.params]


@dataclass(eq=False)
class ScopeInfo:
    """One scope: what it binds and where it stands."""

    node: ScopeNode
    parent: ScopeInfo | None
    bound: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    # Functions and classes defined directly in this scope, by name.
    definitions: dict[str, list[cst.FunctionDef | cst.ClassDef]] = field(default_factory=dict)
    # For a class: `self.<attr> = <value>` assignments in its methods, by attribute.
    self_assignments: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    # Values assigned to plain names in this scope (`name = value`, `name: T = value`), by name.
    assignments: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    # Names bound by unpacking (`a, b = value`): the value unpacked, by name.
    unpacked: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    # Names bound in ways whose value is not recorded (`for`, `with`, `+=`, imports, `except`).
    opaque: set[str] = field(default_factory=set)

    def parameter(self, name: str) -> cst.Param | None:
        """The parameter `name` of this function or lambda, if it has one."""
        if not isinstance(self.node, cst.FunctionDef | cst.Lambda):
            return None
        params = self.node.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value == name:
                return param
        for param in (params.star_arg, params.star_kwarg):
            if isinstance(param, cst.Param) and param.name.value == name:
                return param
        return None

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, cst.ClassDef)

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, cst.FunctionDef | cst.Lambda)

    def enclosing_function(self) -> ScopeInfo | None:
        """This scope, or the nearest enclosing one, that is a function or lambda."""
        scope: ScopeInfo | None = self
        while scope is not None and not scope.is_function:
            scope = scope.parent
        return scope

    def enclosing_class(self) -> ScopeInfo | None:
        """For a method (or code inside one), the class it is defined in."""
        scope: ScopeInfo | None = self
        while scope is not None:
            if isinstance(scope.node, cst.FunctionDef) and scope.parent is not None and scope.parent.is_class:
                return scope.parent
            scope = scope.parent
        return None

    def is_within(self, other: ScopeInfo) -> bool:
        """True if this scope is `other` or nested inside it."""
        scope: ScopeInfo | None = self
        while scope is not None:
            if scope is other:
                return True
            scope = scope.parent
        return False


class ScopeTracker(cst.BatchableCSTVisitor):
    """Mixin for a rule: scopes, bindings and the current statement, recorded during the walk.

    A rule that overrides one of these hooks must call the mixin's.
    """

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - passes the rule's arguments on
        super().__init__(*args, **kwargs)
        self.scope_stack: list[ScopeInfo] = []
        self.scopes: dict[int, ScopeInfo] = {}
        self.statement_stack: list[Statement] = []

    # --- What rules ask ------------------------------------------------------------------

    # Methods, not properties: libcst's `get_visitors` reads every attribute of a visitor.
    def current_scope(self) -> ScopeInfo:
        """The scope being visited."""
        return self.scope_stack[-1]

    def module_scope(self) -> ScopeInfo:
        """The module's own scope."""
        return self.scope_stack[0] if self.scope_stack else self.scopes[id(self._module)]

    def current_statement(self) -> Statement | None:
        """The innermost statement being visited (a simple line or a compound statement)."""
        return self.statement_stack[-1] if self.statement_stack else None

    def binding_scope(self, name: str, scope: ScopeInfo) -> ScopeInfo | None:
        """The scope whose binding of `name` a use in `scope` sees, or None if nothing binds it.

        Class bodies are skipped for code nested in them, as Python does.
        """
        if name in scope.declared_global:
            module = self.scopes[id(self._module)]
            return module if name in module.bound else None
        current: ScopeInfo | None = scope
        first = True
        while current is not None:
            if (first or not current.is_class) and name in current.bound:
                return current
            first = False
            current = current.parent
        return None

    def definitions_of(self, name: str, scope: ScopeInfo) -> list[cst.FunctionDef | cst.ClassDef]:
        """The `def`s and `class`es a use of `name` in `scope` may refer to."""
        owner = self.binding_scope(name, scope)
        if owner is None:
            return []
        return owner.definitions.get(name, [])

    # --- Scopes --------------------------------------------------------------------------

    def _push(self, node: ScopeNode) -> ScopeInfo:
        info = ScopeInfo(node, self.scope_stack[-1] if self.scope_stack else None)
        self.scopes[id(node)] = info
        self.scope_stack.append(info)
        return info

    def _bind(self, names: list[str] | set[str], value: cst.BaseExpression | None = None) -> None:
        scope = self.scope_stack[-1]
        scope.bound.update(names)
        for name in names:
            if value is None:
                scope.opaque.add(name)
            else:
                scope.assignments.setdefault(name, []).append(value)

    def visit_Module(self, node: cst.Module) -> None:
        self._module = node
        self._push(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.statement_stack.append(node)
        outer = self.scope_stack[-1]
        outer.bound.add(node.name.value)
        outer.definitions.setdefault(node.name.value, []).append(node)
        scope = self._push(node)
        scope.bound.update(parameter_names(node.params))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.scope_stack.pop()
        self.statement_stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        scope = self._push(node)
        scope.bound.update(parameter_names(node.params))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self.scope_stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.statement_stack.append(node)
        outer = self.scope_stack[-1]
        outer.bound.add(node.name.value)
        outer.definitions.setdefault(node.name.value, []).append(node)
        self._push(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.scope_stack.pop()
        self.statement_stack.pop()

    def _visit_comprehension(self, node: cst.BaseComp) -> None:
        scope = self._push(node)
        clause: cst.CompFor | None = node.for_in
        while clause is not None:
            scope.bound.update(target_names(clause.target))
            clause = clause.inner_for_in

    def _leave_comprehension(self) -> None:
        self.scope_stack.pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._visit_comprehension(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._leave_comprehension()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._visit_comprehension(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._leave_comprehension()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._visit_comprehension(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._leave_comprehension()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._visit_comprehension(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._leave_comprehension()

    # --- Statements ----------------------------------------------------------------------

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.statement_stack.append(node)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine) -> None:
        self.statement_stack.pop()

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.statement_stack.append(node)

    def leave_SimpleStatementSuite(self, original_node: cst.SimpleStatementSuite) -> None:
        self.statement_stack.pop()

    def _visit_compound(self, node: cst.BaseCompoundStatement) -> None:
        self.statement_stack.append(node)

    def _leave_compound(self) -> None:
        self.statement_stack.pop()

    def visit_If(self, node: cst.If) -> None:
        self._visit_compound(node)

    def leave_If(self, original_node: cst.If) -> None:
        self._leave_compound()

    def visit_For(self, node: cst.For) -> None:
        self._visit_compound(node)
        self._bind(target_names(node.target))

    def leave_For(self, original_node: cst.For) -> None:
        self._leave_compound()

    def visit_While(self, node: cst.While) -> None:
        self._visit_compound(node)

    def leave_While(self, original_node: cst.While) -> None:
        self._leave_compound()

    def visit_With(self, node: cst.With) -> None:
        self._visit_compound(node)
        for item in node.items:
            if item.asname is not None:
                self._bind(target_names(item.asname.name))

    def leave_With(self, original_node: cst.With) -> None:
        self._leave_compound()

    def visit_Try(self, node: cst.Try) -> None:
        self._visit_compound(node)

    def leave_Try(self, original_node: cst.Try) -> None:
        self._leave_compound()

    def visit_Match(self, node: cst.Match) -> None:
        self._visit_compound(node)

    def leave_Match(self, original_node: cst.Match) -> None:
        self._leave_compound()

    # --- Bindings ------------------------------------------------------------------------

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        value = self._assigned_value(node)
        if isinstance(node.target, cst.Tuple | cst.List) and value is not None:
            scope = self.scope_stack[-1]
            for name in target_names(node.target):
                scope.bound.add(name)
                scope.unpacked.setdefault(name, []).append(value)
            return
        self._bind(target_names(node.target), value if isinstance(node.target, cst.Name) else None)
        self._note_self_assignment(node.target, value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(target_names(node.target), node.value if isinstance(node.target, cst.Name) else None)
            self._note_self_assignment(node.target, node.value)
        else:
            self.scope_stack[-1].bound.update(target_names(node.target))

    def _assigned_value(self, target: cst.AssignTarget) -> cst.BaseExpression | None:
        statement = self.current_statement()
        if isinstance(statement, cst.SimpleStatementLine | cst.SimpleStatementSuite):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(t is target for t in small.targets):
                    return small.value
        return None

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(target_names(node.target))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        names = target_names(node.target)
        # Assignment expressions in comprehensions bind in the enclosing function.
        for scope in reversed(self.scope_stack):
            if not isinstance(scope.node, cst.BaseComp):
                scope.bound.update(names)
                for name in names:
                    scope.assignments.setdefault(name, []).append(node.value)
                break

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind(target_names(node.name.name))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            if alias.asname is not None:
                self._bind(target_names(alias.asname.name))
            else:
                head = alias.name
                while isinstance(head, cst.Attribute):
                    head = head.value
                if isinstance(head, cst.Name):
                    self._bind([head.value])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if alias.asname is not None:
                self._bind(target_names(alias.asname.name))
            elif isinstance(alias.name, cst.Name):
                self._bind([alias.name.value])

    def visit_Global(self, node: cst.Global) -> None:
        self.scope_stack[-1].declared_global.update(item.name.value for item in node.names)

    def _note_self_assignment(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        # Only `self.<attr> = ...` in a method: what the instance attribute holds.
        if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)):
            return
        scope = self.scope_stack[-1]
        if not isinstance(scope.node, cst.FunctionDef) or scope.parent is None or not scope.parent.is_class:
            return
        params = positional_parameters(scope.node.params)
        if not params or params[0].name.value != target.value.value:
            return
        if value is not None:
            scope.parent.self_assignments.setdefault(target.attr.value, []).append(value)
