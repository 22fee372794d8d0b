"""Small helpers shared by the flow rules (PRN006, PRN009, PRN010): scopes, targets, subtrees.

Deliberately lighter than libcst's ScopeProvider, which costs a full scope
analysis of every file: these walk only the statements and expressions a
rule asks about.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

Scope = cst.Module | cst.FunctionDef | cst.Lambda | cst.ClassDef
_NESTED_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


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


def comprehension_names(node: cst.BaseComp) -> set[str]:
    """The names bound by the `for` clauses of a comprehension."""
    names: set[str] = set()
    clause: cst.CompFor | None = node.for_in
    while clause is not None:
        names.update(target_names(clause.target))
        clause = clause.inner_for_in
    return names


def walk_expression(
    node: cst.CSTNode, shadowed: frozenset[str] = frozenset()
) -> Iterator[tuple[cst.CSTNode, frozenset[str]]]:
    """Every node of an expression, with the names comprehensions bind around it.

    Does not enter nested `lambda`, `def` or `class` bodies: they are scopes
    of their own. `shadowed` grows by the targets of each comprehension the
    walk enters.
    """
    stack: list[tuple[cst.CSTNode, frozenset[str]]] = [(node, shadowed)]
    while stack:
        current, names = stack.pop()
        yield current, names
        if isinstance(current, _NESTED_SCOPES) and current is not node:
            continue
        if isinstance(current, _COMPREHENSIONS):
            names = names | comprehension_names(current)
        stack.extend((child, names) for child in reversed(current.children))


def header_parts(statement: cst.CSTNode) -> list[cst.CSTNode]:
    """The parts of a statement evaluated when it starts, in its own scope.

    A small statement is all header; a compound statement's header is its
    test, iterable, context managers or subject; a `def` or `class` statement
    evaluates its decorators, defaults and bases.
    """
    if isinstance(statement, cst.BaseSmallStatement):
        return [statement]
    if isinstance(statement, cst.If | cst.While):
        return [statement.test]
    if isinstance(statement, cst.For):
        return [statement.iter]
    if isinstance(statement, cst.With):
        return [item.item for item in statement.items]
    if isinstance(statement, cst.Match):
        return [statement.subject]
    if isinstance(statement, cst.FunctionDef):
        parts: list[cst.CSTNode] = [decorator.decorator for decorator in statement.decorators]
        params = statement.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                parts.append(param.default)
        return parts
    if isinstance(statement, cst.ClassDef):
        return [decorator.decorator for decorator in statement.decorators] + [arg.value for arg in statement.bases]
    return []
