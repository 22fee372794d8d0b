"""Which paths cannot both run: facts that branch tests establish, and when two contradict.

A `Fact` says what a branch test established about a plain name when it was
evaluated: that `flag` was truthy, that `x` was None (or not), that `mode`
equalled one of some literals (or none of them). The graph builder attaches
to every call the facts of the branches it lies in; the dataflow remembers,
for each consumed key, the facts under which it was consumed. A second
consumption whose facts contradict the first (`if flag:` … `if not flag:`)
lies on a path that cannot exist, and is no reuse.

Facts are tied to one *version* of their name: the builder counts every
rebinding of a name (and, separately, every call of a method on it, store
into it, or call it is passed to, which may change what it holds), so that
two tests agree only about the same value. A fact made inside a loop about a
name the loop changes is dropped, since the next iteration tests a new value
under the same version. Cost: each fact is made once per test, and a check
compares the few facts of the branches around two uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import libcst as cst

_NONE = "None"
# Literal spellings (as `graph.literal_of` writes them) whose truth value is False.
_FALSY = frozenset({"None", "0", "''", '""'})


@dataclass(frozen=True, slots=True)
class Fact:
    """`name` (at `rebinds`/`changes` versions) was truthy, or was/was not one of `literals`."""

    name: str
    rebinds: int
    changes: int
    kind: str  # "truthy" (value True or False), "in" or "not-in" (the literals)
    value: bool
    literals: frozenset[str]
    # Which test made it (to drop the facts of a loop that changes their name);
    # two tests of one value that say the same are the same fact.
    serial: int = field(compare=False)


def _is_identity_only(fact: Fact) -> bool:
    """`x is None`/`x is not None` hold until `x` is rebound, whatever is done to its value."""
    return fact.kind != "truthy" and fact.literals == frozenset({_NONE})


def _same_value(a: Fact, b: Fact) -> bool:
    if a.name != b.name or a.rebinds != b.rebinds:
        return False
    if _is_identity_only(a) and _is_identity_only(b):
        return True
    return a.changes == b.changes


def _truthy(literal: str) -> bool:
    return literal not in _FALSY


def contradict(a: Fact, b: Fact) -> bool:
    """True if no value of the name satisfies both facts."""
    if not _same_value(a, b):
        return False
    kinds = (a.kind, b.kind)
    if kinds == ("truthy", "truthy"):
        return a.value != b.value
    if kinds == ("in", "in"):
        return not (a.literals & b.literals)
    if kinds == ("in", "not-in"):
        return a.literals <= b.literals
    if kinds == ("not-in", "in"):
        return b.literals <= a.literals
    if kinds == ("truthy", "in"):
        return all(_truthy(literal) != a.value for literal in b.literals)
    if kinds == ("in", "truthy"):
        return all(_truthy(literal) != b.value for literal in a.literals)
    return False


def exclusive(first: tuple[Fact, ...], second: tuple[Fact, ...]) -> bool:
    """True if code run under facts `first` and code run under `second` cannot both run."""
    if not first or not second:
        return False
    return any(contradict(a, b) for a in first for b in second)


def common(first: tuple[Fact, ...], second: tuple[Fact, ...]) -> tuple[Fact, ...]:
    """What holds on either of two paths: the facts both have, and the union of two about one value.

    `mode == "a"` on one path and `mode == "b"` on the other leave `mode in
    ("a", "b")`, which still excludes `mode == "c"`.
    """
    if first is second or first == second:
        return first
    if not first or not second:
        return ()
    kept: list[Fact] = []
    for a in first:
        if a in second:
            if a not in kept:
                kept.append(a)
            continue
        for b in second:
            merged = _union(a, b)
            if merged is not None and merged not in kept:
                kept.append(merged)
    return tuple(kept)


def _union(a: Fact, b: Fact) -> Fact | None:
    """One fact implied by either of two facts about the same value, if there is one."""
    if not _same_value(a, b):
        return None
    changes = a.changes if a.changes == b.changes else -1  # an identity fact outlives changes
    kinds = (a.kind, b.kind)
    if kinds == ("in", "in"):
        return replace(a, changes=changes, literals=a.literals | b.literals)
    if kinds == ("not-in", "not-in"):
        literals = a.literals & b.literals
        return replace(a, changes=changes, literals=literals) if literals else None
    if kinds in (("in", "not-in"), ("not-in", "in")):
        inside, outside = (a, b) if a.kind == "in" else (b, a)
        literals = outside.literals - inside.literals
        return replace(outside, changes=changes, literals=literals) if literals else None
    return None


# --- Reading tests ----------------------------------------------------------------------

# (name, kind, value, literals) before versions are attached.
Atom = tuple[str, str, bool, frozenset[str]]


def test_atoms(test: cst.BaseExpression, positive: bool, literal_of) -> list[Atom]:  # type: ignore[no-untyped-def]
    """What `test` being `positive` establishes about plain names (nothing when unsure)."""
    if isinstance(test, cst.Name):
        if test.value in ("True", "False", "None"):
            return []
        return [(test.value, "truthy", positive, frozenset())]
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return test_atoms(test.expression, not positive, literal_of)
    if isinstance(test, cst.BooleanOperation):
        both = isinstance(test.operator, cst.And) == positive
        if not both:
            return []  # `a and b` false, or `a or b` true: either side may be the reason
        return test_atoms(test.left, positive, literal_of) + test_atoms(test.right, positive, literal_of)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        operator = target.operator
        left, right = test.left, target.comparator
        if isinstance(operator, cst.Is | cst.IsNot):
            if isinstance(right, cst.Name) and right.value == _NONE and isinstance(left, cst.Name):
                subject = left
            elif isinstance(left, cst.Name) and left.value == _NONE and isinstance(right, cst.Name):
                subject = right
            else:
                return []
            if subject.value in ("True", "False", "None"):
                return []
            inside = isinstance(operator, cst.Is) == positive
            return [(subject.value, "in" if inside else "not-in", True, frozenset({_NONE}))]
        if isinstance(operator, cst.Equal | cst.NotEqual):
            subject, literal = (left, literal_of(right)) if isinstance(left, cst.Name) else (right, literal_of(left))
            if not isinstance(subject, cst.Name) or literal is None or subject.value in ("True", "False", "None"):
                return []
            inside = isinstance(operator, cst.Equal) == positive
            return [(subject.value, "in" if inside else "not-in", True, frozenset({literal}))]
        if isinstance(operator, cst.In | cst.NotIn) and isinstance(left, cst.Name):
            if not isinstance(right, cst.Tuple | cst.List | cst.Set) or not right.elements:
                return []
            literals = [literal_of(element.value) for element in right.elements]
            if any(literal is None or isinstance(element, cst.StarredElement) for literal, element in zip(literals, right.elements)):
                return []
            inside = isinstance(operator, cst.In) == positive
            return [(left.value, "in" if inside else "not-in", True, frozenset(literals))]  # type: ignore[arg-type]
    return []


def pattern_literals(pattern: cst.MatchPattern, literal_of) -> frozenset[str] | None:  # type: ignore[no-untyped-def]
    """The literals a `case` pattern matches exactly (`"a"`, `1 | 2`, `None`), or None."""
    if isinstance(pattern, cst.MatchValue):
        literal = literal_of(pattern.value)
        return frozenset({literal}) if literal is not None else None
    if isinstance(pattern, cst.MatchSingleton):
        value = pattern.value
        return frozenset({_NONE}) if isinstance(value, cst.Name) and value.value == _NONE else None
    if isinstance(pattern, cst.MatchOr):
        found: set[str] = set()
        for element in pattern.patterns:
            inner = pattern_literals(element.pattern, literal_of)
            if inner is None:
                return None
            found |= inner
        return frozenset(found)
    if isinstance(pattern, cst.MatchAs) and pattern.pattern is not None:
        return pattern_literals(pattern.pattern, literal_of)
    return None
