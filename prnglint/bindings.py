"""Which names a fix may write at a given place: those bound before that code runs.

`ImportResolver` answers "what does this name refer to?" for the whole file
at once, which is right for deciding what a call is. A fix that writes a
name must ask more: is the name bound *when the edited line runs*? An import
further down the file, one inside another function or a class body, or a
later notebook cell (a notebook's cells are joined in order into one
program, so "further down" is "a later cell") does not count; a local
variable of the same name in the enclosing function hides a module-level
import, for the whole function, even above its assignment.

`bindings_of(module)` reads the module once, in source order, recording
every binding (imports, plain alias assignments such as ``jr = jax.random``,
and every other assignment, parameter, loop variable, ``def`` and ``class``,
which bind a name to something that is not a module) with its place in the
order and its scope. `Bindings.usable(name, node)` then says what `name`
refers to at `node`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from prnglint.names import canonical, dotted_name

__all__ = ["Bindings", "bindings_of"]

# The bindings of the module asked about last: the rules fixing one file share them.
_LAST: list[Bindings] = []


def bindings_of(module: cst.Module) -> Bindings:
    """The bindings of `module`, read on first use (and kept until another module is asked about)."""
    if _LAST and _LAST[0].module is module:
        return _LAST[0]
    found = Bindings(module)
    _LAST[:] = [found]
    return found


@dataclass
class _Scope:
    node: cst.CSTNode
    parent: _Scope | None
    is_function: bool
    is_class: bool
    # name -> [(order, qualified name or None)], in order
    events: dict[str, list[tuple[int, str | None]]] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)
    children: list[_Scope] = field(default_factory=list)


@dataclass(frozen=True)
class _Place:
    order: int
    scope: _Scope
    top: cst.CSTNode | None  # the module-level statement line it belongs to


class Bindings:
    """Every binding of a module, in source order and by scope (see the module docstring)."""

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self.root = _Scope(module, None, is_function=False, is_class=False)
        self.places: dict[cst.CSTNode, _Place] = {}
        # (order, line) of the module-level import lines, with the top-level names they import.
        self.import_lines: list[tuple[int, cst.CSTNode, list[str]]] = []
        self._targets: dict[str, set[str]] | None = None
        _Reader(self).read()

    # --- Questions --------------------------------------------------------------

    def usable(self, name: str, node: cst.CSTNode) -> tuple[bool, str | None]:
        """(bound, qualified name) of `name` where `node` runs.

        `bound` is False when `name` is unbound there (or certain to fail:
        a local variable not yet assigned); the qualified name is None when
        it is bound to something other than a module or a name in one.
        """
        place = self.places.get(node)
        if place is None:
            return False, None
        scope: _Scope | None = place.scope
        innermost = True
        while scope is not None:
            if scope.is_class and not innermost:
                # A class body's names are not visible in the functions inside it.
                scope = scope.parent
                continue
            innermost = False
            events = scope.events.get(name)
            if scope.is_function and name in scope.global_names:
                scope = self.root
                continue
            if events:
                before = [qualified for order, qualified in events if order < place.order]
                if scope.is_function:
                    # Local anywhere in the function: local everywhere in it.
                    return (True, before[-1]) if before else (False, None)
                if before:
                    return True, before[-1]
            scope = scope.parent
        return False, None

    def spelling_of(self, qualified: str, node: cst.CSTNode) -> str | None:
        """The shortest spelling of `qualified` from names bound where `node` runs, if any."""
        best: str | None = None
        for name in self.names_bound_to(qualified):
            bound, target = self.usable(name, node)
            if not bound or target is None:
                continue
            if qualified == target:
                candidate = name
            elif qualified.startswith(target + "."):
                candidate = name + qualified[len(target) :]
            else:
                continue
            if best is None or (len(candidate), candidate) < (len(best), best):
                best = candidate
        return best

    def is_free(self, name: str, node: cst.CSTNode) -> bool:
        """True if a module-level import of `name` added before `node` would be what `name` means there."""
        place = self.places.get(node)
        if place is None:
            return False
        scope: _Scope | None = place.scope
        innermost = True
        while scope is not None and scope is not self.root:
            if scope.is_class and not innermost:
                scope = scope.parent
                continue
            innermost = False
            if name in scope.events and not (scope.is_function and name in scope.global_names):
                return False
            scope = scope.parent
        return not any(order < place.order for order, _ in self.root.events.get(name, ()))

    def import_anchor(self, package: str, node: cst.CSTNode) -> cst.CSTNode | None:
        """The module-level line before which a new import of `package` belongs, so that it runs before `node`.

        The first import of `package` (or a submodule) above `node`, else the
        first import above it, else the module-level statement that holds
        `node` itself; None when not even that can be told (a `from
        __future__` import must stay first, so it is never the anchor).
        """
        place = self.places.get(node)
        if place is None or place.top is None:
            return None
        first: cst.CSTNode | None = None
        for order, line, names in self.import_lines:
            if order >= place.order:
                break
            if any(name == package or name.startswith(package + ".") for name in names):
                return line
            first = first or line
        if first is not None:
            return first
        top = place.top
        body = list(self.module.body)
        index = next((i for i, line in enumerate(body) if line is top), None)
        if index is None:
            return None
        if any(_is_future_import(line) for line in body[index:]):
            return None
        return top

    def names_bound_to(self, qualified: str) -> list[str]:
        """The names that some binding, somewhere, gives `qualified` or a module or class it lies in."""
        if self._targets is None:
            self._targets = {}
            stack = [self.root]
            while stack:
                scope = stack.pop()
                for name, events in scope.events.items():
                    self._targets.setdefault(name, set()).update(q for _, q in events if q is not None)
                stack.extend(scope.children)
        return sorted(
            name
            for name, targets in self._targets.items()
            if any(qualified == target or qualified.startswith(target + ".") for target in targets)
        )

    def names(self) -> set[str]:
        """Every name the module binds, in any scope."""
        names: set[str] = set()
        stack = [self.root]
        while stack:
            scope = stack.pop()
            names.update(scope.events)
            stack.extend(scope.children)
        return names


def _is_future_import(line: cst.CSTNode) -> bool:
    return isinstance(line, cst.SimpleStatementLine) and any(
        isinstance(s, cst.ImportFrom) and s.module is not None and dotted_name(s.module) == "__future__" for s in line.body
    )


class _Reader(cst.CSTVisitor):
    """One walk over the module: the order and scope of every node, and every binding."""

    def __init__(self, bindings: Bindings) -> None:
        super().__init__()
        self.b = bindings
        self.order = 0
        self.scope = bindings.root
        self.top: cst.CSTNode | None = None
        self.place = _Place(0, bindings.root, None)
        self.top_lines = {id(line) for line in bindings.module.body}

    def read(self) -> None:
        self.b.module.visit(self)

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Every node takes the place of the statement it is in, in the scope it runs in.
        if self.scope is self.b.root and id(node) in self.top_lines:
            self.top = node
            self._note_imports(node)
        if isinstance(node, cst.BaseSmallStatement | cst.BaseCompoundStatement):
            self.order += 1
            self.place = _Place(self.order, self.scope, self.top)
        elif self.place.scope is not self.scope:
            self.place = _Place(self.place.order, self.scope, self.top)
        self.b.places[node] = self.place
        return super().on_visit(node)

    def _note_imports(self, line: cst.CSTNode) -> None:
        if not isinstance(line, cst.SimpleStatementLine):
            return
        names: list[str] = []
        for statement in line.body:
            if isinstance(statement, cst.Import):
                names.extend(dotted_name(alias.name) or "" for alias in statement.names)
            elif isinstance(statement, cst.ImportFrom) and statement.module is not None and not statement.relative:
                module = dotted_name(statement.module) or ""
                if module != "__future__":
                    names.append(module)
        if names:
            # The line's first statement is the next in the order.
            self.b.import_lines.append((self.order + 1, line, names))

    def _bind(self, name: str, qualified: str | None) -> None:
        self.scope.events.setdefault(name, []).append((self.order, qualified))

    def _enter(self, node: cst.CSTNode, *, function: bool, klass: bool = False) -> None:
        child = _Scope(node, self.scope, is_function=function, is_class=klass)
        self.scope.children.append(child)
        self.scope = child

    def _leave(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    # --- Scopes -----------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._bind(node.name.value, None)
        for decorator in node.decorators:
            decorator.visit(self)
        node.params.visit(self)
        if node.returns is not None:
            node.returns.visit(self)
        self._enter(node, function=True)
        for param in _parameters(node.params):
            self._bind(param, None)
        node.body.visit(self)
        self._leave()
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        self._enter(node, function=True)
        for param in _parameters(node.params):
            self._bind(param, None)
        node.body.visit(self)
        self._leave()
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._bind(node.name.value, None)
        for decorator in node.decorators:
            decorator.visit(self)
        for arg in (*node.bases, *node.keywords):
            arg.visit(self)
        self._enter(node, function=False, klass=True)
        node.body.visit(self)
        self._leave()
        return False

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target)

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None:
                self._bind_target(item.asname.name)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node.name.name)

    # --- Bindings -----------------------------------------------------------------

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self.scope.global_names.add(item.name.value)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted_name(alias.name)
            if full is None:
                continue
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self._bind(alias.asname.name.value, canonical(full))
            else:
                top = full.split(".", 1)[0]
                self._bind(top, top)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module) if node.module is not None and not node.relative else None
        for alias in node.names:
            name = dotted_name(alias.name)
            if name is None:
                continue
            local = alias.asname.name.value if alias.asname is not None and isinstance(alias.asname.name, cst.Name) else name
            self._bind(local, canonical(f"{module}.{name}") if module is not None else None)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = self._qualname(node.value) if len(node.targets) == 1 else None
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._bind(target.target.value, value)
            else:
                self._bind_target(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None or self.scope.is_function:
            self._bind_target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node.target)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        # Comprehension variables live in the comprehension; binding them in
        # the enclosing scope would only make a fix more careful.
        self._bind_target(node.target)

    def _bind_target(self, target: cst.CSTNode) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, None)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._bind_target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value)

    def _qualname(self, node: cst.BaseExpression) -> str | None:
        text = dotted_name(node)
        if text is None:
            return None
        head, _, rest = text.partition(".")
        scope: _Scope | None = self.scope
        while scope is not None:
            events = scope.events.get(head)
            if events:
                base = events[-1][1]
                if base is None:
                    return None
                return canonical(f"{base}.{rest}") if rest else base
            scope = scope.parent
        return None


def _parameters(params: cst.Parameters) -> list[str]:
    names = [p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.append(star.name.value)
    return names
