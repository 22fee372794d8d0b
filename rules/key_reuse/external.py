"""PRN003 across modules: what functions and classes of other modules do to the keys passed to them.

A call whose callee resolves (through the imports, relative ones included) to
a function or class defined in another module of the project, or in an
installed package, is described by that callee's summary, computed by the
same analysis that reads the linted module (`KeyModule`), on the dependency's
source. Nothing is imported or run.

Summaries are computed only for calls that pass something the caller tracks,
kept for the process, and kept on disk keyed by the dependency's content
(`ProjectIndex.remember`), together with every file they were derived from;
the linted file records those files as its dependencies, so the result cache
forgets its findings when one of them changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prnglint.project import Dependency, ProjectIndex, ProjectView, fact_key
from prnglint.rules.key_reuse.summaries import Summary, from_json, to_json

if TYPE_CHECKING:
    from prnglint.rules.key_reuse.module import KeyModule

FUNCTION = "function"  # every parameter, in order
CONSTRUCTOR = "constructor"  # `__init__`: the first parameter is the new instance
FIELDS = "fields"  # a dataclass, NamedTuple, `eqx.Module`...: stores its arguments
METHOD = "method"  # an instance method: the first parameter is the receiver
_KINDS = (FUNCTION, CONSTRUCTOR, FIELDS, METHOD)

# Re-exports followed from one module to the next (`pkg/__init__.py` importing from `pkg._impl`).
_MAX_HOPS = 6
_FACTS = "prn003-summaries"


@dataclass(eq=False)
class External:
    """A callee defined in another module, as a caller sees it."""

    kind: str
    summary: Summary | None
    dependencies: dict[str, str] = field(default_factory=dict)


_active: set[tuple[str, str]] = set()
_SOURCES: list[str] = []


def external(module: KeyModule, qualname: str) -> External | None:
    """The callee `qualname` if another module of the project or environment defines it, else None."""
    view: ProjectView | None = module.context.project
    if view is None:
        return None
    result = _resolve(view.index, module, qualname, 0)
    if result is not None:
        view.depend(result.dependencies)
    return result


def _resolve(index: ProjectIndex, caller: KeyModule, qualname: str, hops: int) -> External | None:
    located = index.locate(qualname)
    if located is None:
        return None
    path, name, rest = located
    if str(path) == caller.context.filename or (caller.context.project and str(path) == caller.context.project.filename):
        return None  # the module itself, spelled through its package
    dependency = index.load(path, name)
    if dependency is None:
        return None
    memo = f"prn003:{caller.library_key}:{rest}"
    if memo in dependency.derived:
        known = dependency.derived[memo]
        if known is None or all(index.digest(p) == d for p, d in known.dependencies.items()):
            return known
    token = (dependency.path, rest)
    if token in _active:
        return None  # a cycle of imports: the caller treats the call as unknown
    _active.add(token)
    try:
        result = _compute(index, caller, dependency, rest, hops)
    finally:
        _active.discard(token)
    dependency.derived[memo] = result
    return result


def _compute(index: ProjectIndex, caller: KeyModule, dependency: Dependency, rest: str, hops: int) -> External | None:
    key = fact_key(_sources(), caller.library_key, dependency.path, dependency.digest, rest)
    stored = index.recall(_FACTS, key)
    if stored is not None:
        value, dependencies = stored
        try:
            if value is None:
                return None
            kind, summary = value
            if kind in _KINDS:
                return External(kind, from_json(summary) if summary is not None else None, dict(dependencies))
        except (TypeError, ValueError, KeyError, AttributeError):
            pass
    result = _read(index, caller, dependency, rest, hops)
    dependencies = {dependency.path: dependency.digest}
    if result is not None:
        dependencies.update(result.dependencies)
        result.dependencies = dependencies
    else:
        module = dependency.derived.get(_module_key(caller))
        if module is not None:
            dependencies.update(module.context.project.dependencies)
    value: Any = None if result is None else [result.kind, to_json(result.summary) if result.summary is not None else None]
    index.remember(_FACTS, key, value, dependencies)
    return result


def _read(index: ProjectIndex, caller: KeyModule, dependency: Dependency, rest: str, hops: int) -> External | None:
    module = _key_module(index, caller, dependency)
    if module is None:
        return None
    parts = rest.split(".")
    head = parts[0]
    result: External | None = None
    if len(parts) == 1:
        function = module.function(head)
        if function is not None:
            summary = module.summary(function)
            result = None if summary is None else External(FUNCTION, _portable(summary, module, index))
        else:
            info = module.class_info(head)
            if info is not None:
                init = info.methods.get("__init__")
                if init is not None:
                    summary = module.summary(init)
                    result = None if summary is None else External(CONSTRUCTOR, _portable(summary, module, index))
                elif info.stores_fields:
                    result = External(FIELDS, None)
    elif len(parts) == 2:
        info = module.class_info(head)
        target = info.methods.get(parts[1]) if info is not None else None
        if target is not None:
            summary = module.summary(target)
            kind = FUNCTION if parts[1] in info.static else METHOD
            result = None if summary is None else External(kind, _portable(summary, module, index))
        elif info is not None and hops < _MAX_HOPS:
            for base in info.bases:  # inherited from a base class, here or elsewhere
                result = _resolve(index, module, f"{base}.{parts[1]}", hops + 1)
                if result is not None:
                    result = External(result.kind, result.summary, dict(result.dependencies))
                    break
    if result is None and hops < _MAX_HOPS:
        # Not defined here: a name the module imports (a package re-exporting its parts).
        target_name = module.context.resolver.aliases.get(head) or module.context.project.relative_aliases().get(head)
        if target_name is not None:
            rest_of = ".".join([target_name, *parts[1:]])
            result = _resolve(index, module, rest_of, hops + 1)
            if result is not None:
                result = External(result.kind, result.summary, dict(result.dependencies))
    if result is not None:
        result.dependencies.update(module.context.project.dependencies)
    return result


def _module_key(caller: KeyModule) -> str:
    return f"prn003-module:{caller.library_key}"


def _key_module(index: ProjectIndex, caller: KeyModule, dependency: Dependency) -> KeyModule | None:
    from prnglint.engine import FileContext
    from prnglint.rules.key_reuse.module import KeyModule

    memo = _module_key(caller)
    if memo in dependency.derived:
        return dependency.derived[memo]
    tree = dependency.module()
    module: KeyModule | None = None
    if tree is not None:
        context = FileContext(dependency.path, dependency.text, tree, caller.context.options)
        context._project = index.view_of(dependency)
        module = KeyModule(context, caller.library, library_key=caller.library_key)
    dependency.derived[memo] = module
    return module


def _portable(summary: Summary, module: KeyModule, index: ProjectIndex) -> Summary:
    """`summary` without syntax nodes: each first consumption becomes `file:line` text."""
    data = to_json(summary)
    portable = from_json(data)
    shown = _shown(module.context.filename, index)
    for path, effect in portable.effects.items():
        node = summary.effects[path].node
        if node is not None and (effect.consumed or effect.folded):
            try:
                effect.at = f"{shown}:{module.context.line_of(node)}"
            except (KeyError, RecursionError):
                effect.at = shown
    return portable


def _shown(filename: str, index: ProjectIndex) -> str:
    """How a dependency is named in messages: relative to its project root or site-packages folder."""
    for base in index.search:
        try:
            return Path(filename).relative_to(base).as_posix()
        except ValueError:
            continue
    return os.path.basename(filename)


def _sources() -> str:
    if not _SOURCES:
        from prnglint.cache import _sources_digest

        _SOURCES.append(_sources_digest())
    return _SOURCES[0]
