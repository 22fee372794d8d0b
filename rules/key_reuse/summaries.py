"""Per-function summaries for PRN003: what a function does to the keys it receives.

A summary describes a function from the caller's side: for each path rooted
at a parameter (``key``, ``state.rng``) or at a name the function reads from
an enclosing scope, whether the function may consume it, fold it, or use it
where a key is expected; and which of those paths it rebinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst


@dataclass(eq=False)
class PathEffect:
    """The effect of one function on the key it finds at one path."""

    consumed: bool = False
    folded: bool = False
    keypos: bool = False
    node: cst.CSTNode | None = None  # where it is first consumed (or folded)
    unsure: bool = False  # some consumption is not a certain draw (an unknown call, a store)


@dataclass(eq=False)
class Summary:
    """What calling a function does to the keys its caller can see."""

    params: list[str]
    param_kinds: dict[str, str]
    effects: dict[str, PathEffect] = field(default_factory=dict)
    rebinds: set[str] = field(default_factory=set)


def split_root(path: str) -> tuple[str, str]:
    """``self.rng[0]`` → (``self``, ``.rng[0]``)."""
    for index, char in enumerate(path):
        if char in ".[":
            return path[:index], path[index:]
    return path, ""
