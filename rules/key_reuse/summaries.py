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
    at: str | None = None  # in another module: where it is first consumed (`pkg/utils.py:12`)


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


def to_json(summary: Summary) -> dict:
    """A summary of another module's function as plain data (only its parameters' effects matter to callers)."""
    params = set(summary.params)
    return {
        "params": summary.params,
        "kinds": summary.param_kinds,
        "effects": {
            path: [effect.consumed, effect.folded, effect.keypos, effect.unsure, effect.at]
            for path, effect in summary.effects.items()
            if split_root(path)[0] in params
        },
        "rebinds": sorted(path for path in summary.rebinds if split_root(path)[0] in params),
    }


def from_json(data: dict) -> Summary:
    """The summary `to_json` stored. Raises on malformed data."""
    params = [str(p) for p in data["params"]]
    kinds = {str(k): str(v) for k, v in data["kinds"].items()}
    effects = {
        str(path): PathEffect(bool(c), bool(f), bool(k), None, bool(u), None if at is None else str(at))
        for path, (c, f, k, u, at) in data["effects"].items()
    }
    return Summary(params, kinds, effects, {str(p) for p in data["rebinds"]})
