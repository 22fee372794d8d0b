"""How a fix that hands out subkeys names them, so that every fix of the file names them alike.

A subkey is named after the one plain name its statement assigns (`x =
jax.random.normal(key, ...)` gets `x_key`). When that cannot be done for
every use of a group (a use outside such a statement, two uses that would
get one name, a name already taken, a line too long), the whole group is
numbered instead (`key_1`, `key_2`, ...), or, for a single use, called
`subkey`; a name already taken gets a further suffix until none is.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

# The longest statement a fix writes, indentation included, with names after
# targets (a formatter's usual limit); a longer one gets the shorter numbered names.
MAX_LINE = 88


def names_after_targets(path: str, statements: Sequence[cst.CSTNode | None], nodes: Sequence[cst.CSTNode], taken: set[str]) -> list[str] | None:
    """`<target>_key` for the use `nodes[i]` in `statements[i]`, or None if the group cannot be named so."""
    names: list[str] = []
    for statement, node in zip(statements, nodes):
        target = assigned_name(statement, node)
        if target is None or target == "_" or target == path:
            return None
        names.append(f"{target}_key")
    if len(set(names)) < len(names) or any(name in taken for name in names):
        return None
    return names


def assigned_name(statement: cst.CSTNode | None, node: cst.CSTNode) -> str | None:
    """The one plain name `statement` assigns, if `node` lies in the assigned value."""
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
        target: cst.BaseExpression = statement.targets[0].target
        value: cst.BaseExpression = statement.value
    elif isinstance(statement, cst.AnnAssign) and statement.value is not None:
        target, value = statement.target, statement.value
    else:
        return None
    if not isinstance(target, cst.Name) or not contains(value, node):
        return None
    return target.value


def contains(root: cst.CSTNode, node: cst.CSTNode) -> bool:
    """True if `node` is `root` or lies inside it."""
    stack = [root]
    while stack:
        item = stack.pop()
        if item is node:
            return True
        stack.extend(item.children)
    return False


def numbered_names(base: str, count: int, taken: set[str]) -> list[str]:
    """`base_1` ... `base_<count>`, suffixed further (`base_1_1`, ...) until no name is taken."""
    attempt = 0
    while True:
        suffix = "" if attempt == 0 else f"_{attempt}"
        names = [f"{base}_{index}{suffix}" for index in range(1, count + 1)]
        if not any(name in taken for name in names):
            return names
        attempt += 1


def single_name(taken: set[str]) -> str:
    """`subkey`, or `subkey_1`, `subkey_2`, ... if that is taken: the name of a lone subkey."""
    name, attempt = "subkey", 0
    while name in taken:
        attempt += 1
        name = f"subkey_{attempt}"
    return name
