"""PRN003 across one module: the index of its functions and classes, and analysis on demand.

A function is analysed at most once: its graph is built, its calls resolved
(which may ask for the summaries of the helpers it calls, analysed in turn),
and its dataflow run. Recursion between helpers falls back to treating the
call as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from prnglint.engine import FileContext
from prnglint.names import dotted_name
from prnglint.rules import _jax
from prnglint.rules.key_reuse.graph import GraphBuilder, target_names
from prnglint.rules.key_reuse.calls import CallResolver, ClassInfo, FrameFacts
from prnglint.rules.key_reuse.external import External, external
from prnglint.rules.key_reuse.flow import Finding, KeyFlow
from prnglint.rules.key_reuse.initialisers import compound_blocks
from prnglint.rules.key_reuse.ir import Graph
from prnglint.rules.key_reuse.library import Library
from prnglint.rules.key_reuse.summaries import Summary

_MAX_NESTED_ANALYSES = 40


@dataclass(eq=False)
class FrameResult:
    """The analysis of one function, lambda or module top level."""

    graph: Graph
    flow: KeyFlow
    summary: Summary
    findings: list[Finding]


class KeyModule:
    """Everything PRN003 knows about one module, and the analyses done so far."""

    def __init__(self, context: FileContext, library: Library, *, library_key: str = "") -> None:
        self.context = context
        self.library = library
        # Names the configured table for summaries kept across files and runs.
        self.library_key = library_key
        resolver = context.resolver
        self.equinox = any(target in _jax.EQUINOX_MODULES for target in resolver.aliases.values())
        self._functions: dict[str, cst.FunctionDef | None] = {}
        self._classes: dict[str, ClassInfo | None] = {}
        self._owners: dict[int, tuple[ClassInfo, str | None]] = {}
        self._module_names: set[str] = set()
        self._index(context.module)
        self._rngs_possible = "Rngs" in context.source
        self.results: dict[int, FrameResult | None] = {}
        self._active: set[int] = set()

    # --- The index ------------------------------------------------------------------

    def _index(self, module: cst.Module) -> None:
        field_classes: set[str] = set()
        statements: list[cst.CSTNode] = list(module.body)
        while statements:
            statement = statements.pop(0)
            if isinstance(statement, cst.FunctionDef):
                name = statement.name.value
                self._functions[name] = None if name in self._functions else statement
                self._module_names.add(name)
            elif isinstance(statement, cst.ClassDef):
                name = statement.name.value
                info = self._class_info(statement, field_classes)
                self._classes[name] = None if name in self._classes else info
                self._module_names.add(name)
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    self._module_names.update(_bound_names(small))
            elif isinstance(statement, cst.If | cst.Try | cst.With | cst.For | cst.While):
                # Names bound in module-level blocks shadow builtins too.
                for block in compound_blocks(statement):
                    for inner in block:
                        if isinstance(inner, cst.SimpleStatementLine):
                            for small in inner.body:
                                self._module_names.update(_bound_names(small))
                        elif isinstance(inner, cst.FunctionDef | cst.ClassDef):
                            self._module_names.add(inner.name.value)

    def _class_info(self, node: cst.ClassDef, field_classes: set[str]) -> ClassInfo:
        info = ClassInfo(node.name.value)
        info.stores_fields = _jax.is_field_class(node, self.context, field_classes)
        for base in node.bases:
            if base.keyword is None and isinstance(base.value, cst.Name | cst.Attribute):
                qualname = self.context.qualname(base.value)
                if qualname is None:
                    spelled = dotted_name(base.value) or ""
                    head, dot, rest = spelled.partition(".")
                    relative = self.relative(head)
                    qualname = None if relative is None else f"{relative}.{rest}" if dot else relative
                if qualname is not None:
                    info.bases.append(qualname)
        if info.stores_fields:
            field_classes.add(info.name)
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
        for statement in body:
            if not isinstance(statement, cst.FunctionDef):
                continue
            decorators = {_decorator_name(d) for d in statement.decorators}
            if "property" in decorators:
                continue
            name = statement.name.value
            info.methods[name] = statement
            static = "staticmethod" in decorators
            if static:
                info.static.add(name)
            receiver = None
            if not static:
                params = [*statement.params.posonly_params, *statement.params.params]
                receiver = params[0].name.value if params else None
            self._owners[id(statement)] = (info, receiver)
        return info

    # --- ModuleFacts ------------------------------------------------------------------

    def function(self, name: str) -> cst.FunctionDef | None:
        """The module-level function `name`, if exactly one is defined."""
        return self._functions.get(name)

    def class_info(self, name: str) -> ClassInfo | None:
        """The module-level class `name`, if exactly one is defined."""
        return self._classes.get(name)

    def binds(self, name: str) -> bool:
        """True if the module binds `name` at its top level."""
        return name in self._module_names

    def qualname(self, node: cst.BaseExpression) -> str | None:
        """The qualified name `node` refers to through the imports."""
        if isinstance(node, cst.Name | cst.Attribute):
            return self.context.qualname(node)
        return None

    def relative(self, name: str) -> str | None:
        """The qualified name a relative import binds `name` to (`from .utils import f`), if any."""
        project = self.context.project
        return None if project is None else project.relative_aliases().get(name)

    def external(self, qualname: str) -> External | None:
        """The callee `qualname` when another module of the project or environment defines it."""
        if self.context.project is None:
            return None
        return external(self, qualname)

    def summary(self, node: cst.CSTNode) -> Summary | None:
        """The summary of a function or lambda (None if it cannot be analysed now)."""
        result = self.analyze(node)
        return result.summary if result is not None else None

    # --- Analysis ---------------------------------------------------------------------

    def analyze(self, node: cst.CSTNode) -> FrameResult | None:
        """Analyse `node` (a function, lambda or module), once."""
        key = id(node)
        if key in self.results:
            return self.results[key]
        if key in self._active or len(self._active) >= _MAX_NESTED_ANALYSES:
            return None
        self._active.add(key)
        try:
            result = self._analyze(node)
        except RecursionError:
            result = None
        finally:
            self._active.discard(key)
        self.results[key] = result
        return result

    def _analyze(self, node: cst.CSTNode) -> FrameResult:
        graph = GraphBuilder(node, self.context, rngs_possible=self._rngs_possible).build()
        owner = self._owners.get(id(node))
        frame = FrameFacts(
            is_module=isinstance(node, cst.Module),
            receiver=owner[1] if owner is not None else None,
            owner=owner[0] if owner is not None else None,
        )
        CallResolver(graph, self, frame).resolve_all()
        flow = KeyFlow(graph)
        flow.run()
        return FrameResult(graph, flow, flow.summary(), flow.key_findings())


def _decorator_name(decorator: cst.Decorator) -> str | None:
    target = decorator.decorator
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        return target.attr.value
    return None


def _bound_names(small: cst.BaseSmallStatement) -> set[str]:
    names: set[str] = set()
    targets: list[cst.BaseExpression] = []
    if isinstance(small, cst.Assign):
        targets = [t.target for t in small.targets]
    elif isinstance(small, cst.AnnAssign | cst.AugAssign):
        targets = [small.target]
    elif isinstance(small, cst.Import | cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        for alias in small.names:  # type: ignore[union-attr]
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                names.add(alias.asname.name.value)
            else:
                first = alias.name
                while isinstance(first, cst.Attribute):
                    first = first.value
                if isinstance(first, cst.Name):
                    names.add(first.value)
    for target in targets:
        names.update(target_names(target))
    return names
