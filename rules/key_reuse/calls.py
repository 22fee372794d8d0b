"""What a call does to the keys passed to it (PRN003).

Once a function's graph is built and every function of the module is known,
each `CallSite` becomes the uses it implies (SEMANTICS.md): `jax.random`
samplers and `split` consume their key, `fold_in` derives from it, `clone`
and the utilities only read it; functions known not to consume (`print`,
`jax.debug.print`, configured names) do nothing; functions of the same module
act as their summary says; anything else consumes every key it is given.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import libcst as cst

from prnglint.names import dotted_name
from prnglint.rules import _jax
from prnglint.rules.key_reuse.graph import literal_of
from prnglint.rules.key_reuse import library as lib
from prnglint.rules.key_reuse.ir import Arg, Bind, CallSite, Effect, Graph, Kill, Op, Use, Value
from prnglint.rules.key_reuse.summaries import PathEffect, Summary, split_root

if TYPE_CHECKING:
    from prnglint.rules.key_reuse.external import External

_EFFECTS = {
    lib.READS: Effect.READ,
    lib.STORES: Effect.READ,
    lib.FOLDS: Effect.FOLD,
    lib.CONSUMES: Effect.CONSUME,
    lib.SPLITS: Effect.SPLIT,
}


@dataclass(eq=False)
class ClassInfo:
    """A class defined at module level: its methods and whether it stores fields."""

    name: str
    methods: dict[str, cst.FunctionDef] = field(default_factory=dict)
    static: set[str] = field(default_factory=set)
    stores_fields: bool = False
    bases: list[str] = field(default_factory=list)  # qualified names of its bases, where the imports tell


class ModuleFacts(Protocol):
    """What the resolver needs to know about the module being linted."""

    equinox: bool
    library: lib.Library

    def function(self, name: str) -> cst.FunctionDef | None:
        """The module-level function `name`, if exactly one is defined."""

    def class_info(self, name: str) -> ClassInfo | None:
        """The module-level class `name`, if exactly one is defined."""

    def binds(self, name: str) -> bool:
        """True if the module binds `name` at its top level (shadowing a builtin)."""

    def summary(self, node: cst.CSTNode) -> Summary | None:
        """The summary of a function or lambda of this module (None while it is being analysed)."""

    def relative(self, name: str) -> str | None:
        """The qualified name a relative import binds `name` to, if any."""

    def external(self, qualname: str) -> External | None:
        """The callee `qualname` when another module of the project or environment defines it."""

    def qualname(self, node: cst.BaseExpression) -> str | None:
        """The qualified name `node` refers to through the imports."""


@dataclass(eq=False)
class FrameFacts:
    """Where the graph being resolved lives."""

    is_module: bool = False
    receiver: str | None = None  # `self` (or `cls`) in a method
    owner: ClassInfo | None = None


class CallResolver:
    """Turn the `CallSite`s of one graph into uses."""

    def __init__(self, graph: Graph, module: ModuleFacts, frame: FrameFacts) -> None:
        self.graph = graph
        self.module = module
        self.frame = frame
        self._partials_active: set[int] = set()

    def resolve_all(self) -> None:
        """Replace every `CallSite` of the graph by the operations it implies, in place."""
        for block in self.graph.blocks:
            if not any(isinstance(op, CallSite) for op in block.ops):
                continue
            ops: list[Op] = []
            for op in block.ops:
                if isinstance(op, CallSite):
                    for new in self.resolve(op):
                        new.index = op.index
                        new.block = op.block
                        if isinstance(new, Use):
                            new.anchor = op.anchor
                            new.loop = op.loop
                            new.facts = op.facts
                        ops.append(new)
                else:
                    ops.append(op)
            block.ops = ops

    def resolve(self, site: CallSite) -> list[Op]:
        """The operations that `site` stands for."""
        qualname = site.qualname
        library = self.module.library
        if qualname is None:
            qualname = self._relative_qualname(site)
        if qualname is not None:
            if qualname.startswith(_jax.RANDOM):
                return self._random(site, qualname[len(_jax.RANDOM) :], site.args)
            if qualname == "functools.partial":
                return self._partial(site)
            entry = library.function(qualname)
            if entry is not None:
                if qualname.endswith("()") and isinstance(site.call.func, cst.Name | cst.Attribute):
                    # An initialiser held by a name (`W_init(rng, shape)`): named as written.
                    return self._entry(site, entry, cst.Module([]).code_for_node(site.call.func))
                return self._entry(site, entry, qualname)
            if qualname.endswith("()") and qualname[:-2] in lib.CALLS_ITS_FUNCTION:
                wrapped = self._wrapped(site)
                if wrapped is not None:
                    return wrapped
            found = self._external(site, qualname)
            if found is not None:
                return found
            return self._unknown(site, qualname)
        if site.callee is not None:
            return self._named(site, site.callee)
        if site.method is not None:
            if site.receiver is not None and (site.receiver == self.frame.receiver or site.receiver in self.graph.rngs):
                return self._method(site, site.receiver, site.method)
            entry = library.method(site.method, site.owner)
            if entry is not None:
                return self._entry(site, entry, _spelled(site) or site.method, receiver=site.receiver)
            if site.receiver is not None:
                return self._method(site, site.receiver, site.method)
        return self._unknown(site, None)

    def _relative_qualname(self, site: CallSite) -> str | None:
        """`helper` or `utils.helper` bound by a relative import (`from . import utils`), as a qualified name."""
        spelled = _spelled(site)
        if spelled is None:
            return None
        head, dot, rest = spelled.partition(".")
        if head in self.graph.bound or head in self.graph.closures:
            return None
        if self.module.function(head) is not None or self.module.class_info(head) is not None:
            return None
        base = self.module.relative(head)
        if base is None:
            return None
        return f"{base}.{rest}" if dot else base

    def _external(self, site: CallSite, qualname: str) -> list[Op] | None:
        """A call of a function or class of another module, as its summary says; None if there is none."""
        if not any(True for arg in site.args for _ in _paths(arg.value)):
            return None  # it is passed nothing the caller tracks: no need to read the callee
        found = self.module.external(qualname)
        if found is None:
            return None
        if found.summary is None:
            return []  # a class that stores its arguments as fields: a store, not a draw
        name = _spelled(site) or qualname
        return self._apply_summary(site, found.summary, name, skip_first=found.kind == "constructor")

    def _inherited(self, site: CallSite, owner: ClassInfo, method: str, receiver: str) -> list[Op] | None:
        """`self.method(...)` where `method` comes from a base class defined in another module."""
        if not owner.bases or not any(True for arg in site.args for _ in _paths(arg.value)):
            return None
        for base in owner.bases:
            found = self.module.external(f"{base}.{method}")
            if found is not None and found.summary is not None:
                name = _spelled(site) or method
                if found.kind == "method":
                    return self._apply_summary(site, found.summary, name, receiver=receiver, skip_first=True)
                return self._apply_summary(site, found.summary, name)
        return None

    def _entry(self, site: CallSite, entry: lib.Entry, name: str, *, receiver: str | None = None) -> list[Op]:
        """What a call described by the library table does."""
        effect = _EFFECTS.get(entry.effect)
        ops: list[Op] = []
        found: dict[str, Use] = {}
        position = 0
        for arg in site.args:
            index: int | None = None
            if arg.keyword is None and not arg.star:
                index = position
                position += 1
            slot = (index, arg.keyword)
            is_key = _in(entry.keys, slot)
            if _in(entry.functions, slot) and entry.calls == lib.EACH:
                target = self._closure_target(arg.value)
                if target is not None:
                    ops.extend(self._repeat(site, target, name))
                    continue
            if entry.calls == lib.ONCE or (entry.calls == lib.EACH and not entry.functions):
                for closure in _closures(arg.value):
                    ops.extend(self._closure_call(closure, site))
                if arg.value is not None and arg.value[0] == "path" and arg.value[1] in self.graph.closures:
                    target = self.graph.closures[arg.value[1]]
                    if target is not None:
                        ops.extend(self._closure_call(target, site))
                    continue
            if effect is None:  # aliases: the result is the key; nothing happens to it here
                continue
            if entry.calls == lib.EACH and entry.functions and not _in(entry.functions, slot):
                # `jax.tree.map(jax.random.clone, keys)`: the leaves go to the function.
                effect = self._parameter_effect(site, entry, effect)
            for path, node, repeated in _occurrences(arg.value, with_repeats=effect >= Effect.CONSUME):
                if path in self.graph.closures:
                    continue
                use = found.get(path)
                if use is not None and not repeated:
                    use.keypos = use.keypos or is_key
                    continue
                use = Use(path, effect, node, site.call, is_key, via=name)
                found.setdefault(path, use)
                ops.append(use)
        if entry.effect == lib.STORES and receiver is not None:
            ops.append(Kill(receiver, children_only=True))
        return ops

    # --- Known callees ------------------------------------------------------------

    def _random(self, site: CallSite, name: str, args: list[Arg]) -> list[Op]:
        key = _argument(args, 0, "key")
        if key is None:
            return []
        if name in _jax.SAMPLERS:
            effect = Effect.CONSUME
        elif name == "split":
            effect = Effect.SPLIT
        elif name == "fold_in":
            effect = Effect.FOLD
        elif name in ("clone", "key_data", "key_impl"):
            effect = Effect.READ
        else:
            return []
        literal = None
        if effect is Effect.FOLD:
            data = _argument(args, 1, "data")
            literal = literal_of(data.node) if data is not None else None
        return [
            Use(
                path,
                effect,
                node,
                site.call,
                True,
                literal=literal,
                via=_spelled(site) or f"jax.random.{name}",
                origin="draw",
            )
            for path, node in _paths(key.value)
        ]

    def _partial(self, site: CallSite) -> list[Op]:
        # `functools.partial(jax.random.fold_in, root)` derives from `root` each
        # time it is called, and never consumes it.
        if id(site.call) in self.graph.partials:
            return []  # bound to a name: each call of the name is a call of the function
        if site.args and site.args[0].keyword is None and not site.args[0].star:
            resolved = self.module.qualname(site.args[0].node)
            if resolved is not None and resolved.startswith(_jax.RANDOM):
                return self._random(site, resolved[len(_jax.RANDOM) :], site.args[1:])
        return self._unknown(site, None)

    def _wrapped(self, site: CallSite) -> list[Op] | None:
        """`jax.vmap(f)(*args)`, `jax.jit(f)(*args)`: a call of `f` with `args`, when `f` is known here."""
        inner = site.call.func
        if not isinstance(inner, cst.Call) or not inner.args or inner.args[0].keyword is not None:
            return None
        function = inner.args[0].value
        target: cst.CSTNode | None = None
        name = "lambda"
        if isinstance(function, cst.Lambda):
            target = function
        elif isinstance(function, cst.Name):
            name = function.value
            if name in self.graph.closures:
                target = self.graph.closures[name]
            elif name not in self.graph.bound or self.frame.is_module:
                target = self.module.function(name)
        if target is None or id(target) in self.graph.partials:
            return None
        # The wrapped function's own free-variable effects were counted where it was wrapped.
        summary = self.module.summary(target)
        if summary is None:
            return None
        ops = [op for op in self._call_summary(site, target, name) if not _is_free_effect(op, summary)]
        return ops

    def _parameter_effect(self, site: CallSite, entry: lib.Entry, default: Effect) -> Effect:
        """What the function a `tree.map`/`scan` runs does to the values given to it (its first parameter)."""
        function = _argument(site.args, entry.functions[0], str(entry.functions[-1])) if entry.functions else None
        if function is None or function.value is None:
            return default
        resolved = self.module.qualname(function.node)
        if resolved is not None and resolved.startswith(_jax.RANDOM):
            name = resolved[len(_jax.RANDOM) :]
            if name in ("clone", "key_data", "key_impl"):
                return Effect.READ
            if name == "fold_in":
                return Effect.FOLD
            return Effect.SPLIT if name == "split" else Effect.CONSUME
        if resolved is not None:
            known = self.module.library.function(resolved)
            if known is not None and known.effect in (lib.READS, lib.STORES):
                return Effect.READ
            return default
        target = self._closure_target(function.value)
        if target is None or id(target) in self.graph.partials:
            return default
        summary = self.module.summary(target)
        if summary is None or not summary.params:
            return default
        first = summary.effects.get(summary.params[0])
        if first is None:
            return Effect.READ
        return Effect.CONSUME if first.consumed else Effect.FOLD if first.folded else Effect.READ

    def _repeat(self, site: CallSite, target: cst.CSTNode, name: str) -> list[Op]:
        """A function run once per leaf or iteration: what it consumes, it consumes every time."""
        partial = self.graph.partials.get(id(target))
        if partial is None:
            summary = self.module.summary(target)
            return [] if summary is None else self._free_effects(summary, target, site, repeat=name)
        ops = self._call_partial(site, partial)
        for op in ops:
            if isinstance(op, Use) and op.effect >= Effect.CONSUME:
                op.effect = Effect.REPEAT
                op.via = name
        return ops

    def _call_partial(self, site: CallSite, target: CallSite) -> list[Op]:
        """A call of a name bound to `functools.partial(f, *bound)`: `f(*bound, *args)`."""
        if id(target) in self._partials_active:
            return []  # the partial reaches itself (passed to its own function): counted once already
        self._partials_active.add(id(target))
        try:
            return self._expand_partial(site, target)
        finally:
            self._partials_active.discard(id(target))

    def _expand_partial(self, site: CallSite, target: CallSite) -> list[Op]:
        inner = target.args[0] if target.args else None
        if inner is None or inner.keyword is not None or inner.star:
            return self._unknown(site, None)
        func = inner.node
        qualname = self.module.qualname(func)
        callee = func.value if qualname is None and isinstance(func, cst.Name) else None
        receiver = method = None
        if qualname is None and isinstance(func, cst.Attribute):
            method = func.attr.value
            receiver = dotted_name(func.value)
        call = CallSite(site.call, qualname, receiver, method, callee, [*target.args[1:], *site.args])
        if callee is not None and self.graph.closures.get(callee) is target.call:
            return self._unknown(site, None)
        ops = self._random(call, qualname[len(_jax.RANDOM) :], call.args) if qualname is not None and qualname.startswith(_jax.RANDOM) else self.resolve(call)
        name = _spelled(site) or "the partial"
        for op in ops:
            if isinstance(op, Use) and any(op.node is arg.node for arg in target.args[1:]):
                # Reported at the call of the partial; the message points at the key it binds.
                op.inner = op.node
                op.node = site.call
                op.via = name
        return ops

    def _named(self, site: CallSite, name: str) -> list[Op]:
        graph = self.graph
        if name in graph.closures:
            target = graph.closures[name]
            if target is None:
                return self._unknown(site, None)
            partial = graph.partials.get(id(target))
            if partial is not None:
                return self._call_partial(site, partial)
            return self._call_summary(site, target, name)
        if name in graph.bound and not self.frame.is_module:
            if name in graph.rngs:
                return []
            return self._unknown(site, None)
        function = self.module.function(name)
        if function is not None:
            return self._call_summary(site, function, name, module_function=True)
        info = self.module.class_info(name)
        if info is not None:
            init = info.methods.get("__init__")
            if init is not None:
                return self._call_summary(site, init, name, skip_first=True)
            if info.stores_fields:
                return []
            return self._unknown(site, None)
        if _jax.is_assertion(name):
            return []
        library = self.module.library
        if not self.module.binds(name):
            entry = library.function("builtins." + name)
            if entry is not None:
                return self._entry(site, entry, name)
        entry = library.exact.get(name)  # a configured bare name
        if entry is not None:
            return self._entry(site, entry, name)
        return self._unknown(site, None)

    def _method(self, site: CallSite, receiver: str, method: str) -> list[Op]:
        frame = self.frame
        if _jax.is_assertion(method):
            return []
        if receiver == frame.receiver and frame.owner is not None:
            target = frame.owner.methods.get(method)
            if target is not None:
                static = method in frame.owner.static
                return self._call_summary(
                    site, target, method, receiver=None if static else receiver, skip_first=not static
                )
            # A method the class does not define comes from a base class: the
            # table knows some (linen's `self.put_variable`, `self.make_rng`).
            entry = self.module.library.method(method, site.owner)
            if entry is not None:
                return self._entry(site, entry, _spelled(site) or method, receiver=receiver)
            inherited = self._inherited(site, frame.owner, method, receiver)
            if inherited is not None:
                return inherited
            return self._unknown(site, None, invalidate=False)
        if receiver in self.graph.rngs:
            return []
        return self._unknown(site, None, invalidate=True, receiver=receiver)

    # --- Summaries ----------------------------------------------------------------

    def _call_summary(
        self,
        site: CallSite,
        target: cst.CSTNode,
        name: str,
        *,
        receiver: str | None = None,
        skip_first: bool = False,
        module_function: bool = False,
    ) -> list[Op]:
        summary = self.module.summary(target)
        if summary is None:
            return self._unknown(site, None)
        free = self._free_effects(summary, target, site, name=name, module_function=module_function)
        return self._apply_summary(site, summary, name, receiver=receiver, skip_first=skip_first, free=free)

    def _apply_summary(
        self,
        site: CallSite,
        summary: Summary,
        name: str,
        *,
        receiver: str | None = None,
        skip_first: bool = False,
        free: list[Op] | None = None,
    ) -> list[Op]:
        """The uses a call implies for the keys it passes, as the callee's summary says."""
        kinds = summary.param_kinds
        positional = [p for p in summary.params if kinds[p] == "pos"]
        mapping: dict[str, Value] = {}
        if skip_first and positional:
            first = positional.pop(0)
            if receiver is not None:
                mapping[first] = ("path", receiver, site.call.func)
        star = next((p for p in summary.params if kinds[p] == "star"), None)
        starstar = next((p for p in summary.params if kinds[p] == "starstar"), None)
        star_values: list[Value] = []
        starstar_values: list[Value] = []
        extra: list[Arg] = []
        position = 0
        for arg in site.args:
            if arg.star:
                extra.append(arg)
            elif arg.keyword is None:
                if position < len(positional):
                    mapping[positional[position]] = arg.value
                    position += 1
                elif star is not None:
                    star_values.append(arg.value)
                else:
                    extra.append(arg)
            elif arg.keyword in kinds and kinds[arg.keyword] in ("pos", "kwonly"):
                mapping[arg.keyword] = arg.value
            elif starstar is not None:
                starstar_values.append(arg.value)
            else:
                extra.append(arg)
        if star is not None and star_values:
            mapping[star] = ("tuple", star_values)
        if starstar is not None and starstar_values:
            mapping[starstar] = ("container", starstar_values)
        ops: list[Op] = []
        params = set(summary.params)
        for path, effect in summary.effects.items():
            root, rest = split_root(path)
            if root in params:
                value = mapping.get(root)
                if value is None:
                    continue
                if rest:
                    if value[0] != "path":
                        continue
                    targets = [(value[1] + rest, value[2])]
                else:
                    targets = list(_paths(value))
                for outer, node in targets:
                    ops.append(_use_for(effect, outer, node, site, name))
        if free:
            ops.extend(free)
        for path in summary.rebinds:
            root, rest = split_root(path)
            value = mapping.get(root) if root in params else None
            if value is not None and value[0] == "path" and rest:
                ops.append(Bind(value[1] + rest, ("opaque",), site.call))
        for value in mapping.values():
            for closure in _closures(value):
                ops.extend(self._closure_call(closure, site))
        if extra:
            ops.extend(self._unknown(site, None, extra))
        return ops

    def _free_effects(
        self,
        summary: Summary,
        target: cst.CSTNode,
        site: CallSite,
        *,
        name: str | None = None,
        repeat: str | None = None,
        module_function: bool = False,
    ) -> list[Op]:
        renames = self.graph.closure_renames.get(id(target), {})
        params = set(summary.params)
        ops: list[Op] = []
        for path, effect in summary.effects.items():
            root, rest = split_root(path)
            if root in params:
                continue
            if module_function and not self.frame.is_module and root in self.graph.bound:
                continue  # the caller's own variable, not the global the function reads
            outer = renames.get(root, root) + rest
            if repeat is not None and effect.consumed:
                ops.append(
                    Use(
                        outer,
                        Effect.REPEAT,
                        effect.node or site.call,
                        site.call,
                        effect.keypos,
                        via=repeat,
                        inner=effect.node,
                    )
                )
            else:
                use = _use_for(effect, outer, site.call, site, name or "the function")
                use.inner = effect.node
                ops.append(use)
        for path in summary.rebinds:
            root, rest = split_root(path)
            if root not in params:
                ops.append(Bind(renames.get(root, root) + rest, ("opaque",), site.call))
        return ops

    def _closure_target(self, value: Value) -> cst.CSTNode | None:
        if value is None:
            return None
        if value[0] == "closure":
            return value[1]
        if value[0] == "path" and value[1] in self.graph.closures:
            return self.graph.closures[value[1]]
        return None

    def _closure_call(self, target: cst.CSTNode, site: CallSite) -> list[Op]:
        partial = self.graph.partials.get(id(target))
        if partial is not None:
            return self._call_partial(site, partial)
        summary = self.module.summary(target)
        if summary is None:
            return []
        name = target.name.value if isinstance(target, cst.FunctionDef) else "lambda"
        return self._free_effects(summary, target, site, name=name)

    # --- Anything else -------------------------------------------------------------

    def _unknown(
        self,
        site: CallSite,
        qualname: str | None,
        args: list[Arg] | None = None,
        *,
        invalidate: bool = True,
        receiver: str | None = None,
    ) -> list[Op]:
        args = site.args if args is None else args
        key_keyword = self.module.equinox and (qualname is None or qualname.startswith(_jax.EQUINOX))
        if key_keyword:
            callee = site.method or site.callee or ""
            key_keyword = callee not in _jax.NON_KEY_KEYWORD_CALLEES
        store = self._stores(site)
        draws = key_keyword and qualname is not None and qualname.startswith(_EQUINOX_LAYERS)
        ops: list[Op] = self._uses(site, args, Effect.CONSUME, key_keyword=key_keyword, store=store, draws=draws)
        if invalidate:
            for arg in args:
                value = arg.value
                if value is not None and value[0] == "path" and value[1] not in self.graph.closures:
                    ops.append(Kill(value[1], children_only=True))
            if receiver is not None:
                ops.append(Kill(receiver, children_only=True))
        return ops

    def _uses(
        self,
        site: CallSite,
        args: list[Arg],
        effect: Effect,
        *,
        key_keyword: bool = False,
        store: bool = False,
        draws: bool = False,
    ) -> list[Op]:
        # One call consumes each key once, however many of its arguments
        # carry it: `jnp.stack([k, k])`, or the two branches of `lax.cond`.
        found: dict[str, Use] = {}
        extra: list[Use] = []
        closures: list[cst.CSTNode] = []
        for arg in args:
            if arg.keyword == "rngs" and arg.value is not None and arg.value[0] == "path":
                continue  # an `nnx.Rngs` is never consumed (a linen `rngs={...}` dict of keys is)
            keypos = key_keyword and arg.keyword == "key"
            # A key put in a container, or given to a call that keeps it, is stored, not drawn from.
            if store or (arg.value is not None and arg.value[0] in ("tuple", "container")):
                origin = "store"
            else:
                origin = "draw" if draws and keypos else "unknown"
            for path, node, repeated in _occurrences(arg.value, with_repeats=True):
                target = self.graph.closures.get(path)
                if target is not None:
                    if not repeated:
                        closures.append(target)
                    continue
                use = found.get(path)
                if use is None:
                    found[path] = Use(path, effect, node, site.call, keypos, via=_spelled(site), origin=origin)
                elif repeated and effect >= Effect.CONSUME:
                    # `init({"params": key, "dropout": key}, x)`: two streams, one key.
                    extra.append(
                        Use(path, effect, node, site.call, keypos or use.keypos, via=_spelled(site), origin=origin)
                    )
                else:
                    if keypos:
                        use.keypos = True
                    if origin != use.origin:
                        use.origin = "store" if "store" in (origin, use.origin) else "unknown"
            closures.extend(_closures(arg.value))
        rebinds: list[Op] = []
        for closure in closures:
            for op in self._closure_call(closure, site):
                if not isinstance(op, Use):
                    rebinds.append(op)
                    continue
                use = found.get(op.path)
                if use is None:
                    found[op.path] = op
                else:
                    use.keypos = use.keypos or op.keypos
                    if op.effect > use.effect:
                        use.effect = op.effect
        return [*found.values(), *extra, *rebinds]


    def _stores(self, site: CallSite) -> bool:
        """True for a call that keeps what it is given: `dict(key=key)`, `ckpt.save(...)`, `log(...)`."""
        if site.qualname is not None:
            return site.qualname.startswith(_STORE_PREFIXES)
        if site.callee is not None:
            name = site.callee
            return name in _STORE_BUILTINS and not self.module.binds(name) and name not in self.graph.bound
        return site.method is not None and site.method in _STORE_METHODS


def _is_free_effect(op: Op, summary: Summary) -> bool:
    """True for a use of a name the function reads from its enclosing scope (not a parameter)."""
    if not isinstance(op, Use):
        return False
    return split_root(op.path)[0] not in summary.params and any(
        split_root(path)[0] == split_root(op.path)[0] for path in summary.effects
    )


# Calls that keep the keys they are given instead of drawing from them; only a
# fix cares (it leaves such code alone), so a guess here never hides a finding.
_STORE_BUILTINS = frozenset({"dict", "set", "frozenset"})
_STORE_METHODS = frozenset(
    {"append", "extend", "insert", "add", "update", "setdefault", "put", "save", "log", "write", "dump", "store", "push", "record"}
)
_STORE_PREFIXES = (
    "collections.",
    "flax.training.checkpoints.",
    "wandb.",
    "mlflow.",
    "tensorboardX.",
    "torch.utils.tensorboard.",
    "clu.metric_writers.",
    "shelve.",
    "dataclasses.replace",
)
_EQUINOX_LAYERS = ("equinox.nn.",)


def _spelled(site: CallSite) -> str | None:
    return dotted_name(site.call.func)


def _use_for(effect: PathEffect, path: str, node: cst.CSTNode, site: CallSite, name: str) -> Use:
    if effect.consumed:
        kind = Effect.CONSUME
    elif effect.folded:
        kind = Effect.FOLD
    else:
        kind = Effect.READ
    origin = "summary" if effect.consumed and not effect.unsure else "unknown"
    return Use(path, kind, node, site.call, effect.keypos, via=name, inner=effect.node, inner_at=effect.at, origin=origin)


def _argument(args: list[Arg], position: int, keyword: str) -> Arg | None:
    index = 0
    for arg in args:
        if arg.star:
            return None
        if arg.keyword is None:
            if index == position:
                return arg
            index += 1
        elif arg.keyword == keyword:
            return arg
    return None


def _paths(value: Value) -> Iterator[tuple[str, cst.CSTNode]]:
    """The paths an argument may pass, with the node that spells each."""
    if value is None:
        return
    stack = [value]
    while stack:
        item = stack.pop()
        if item is None:
            continue
        kind = item[0]
        if kind == "path":
            yield item[1], item[2]
        elif kind in ("tuple", "container", "multi"):
            stack.extend(reversed(item[1]))


def _occurrences(value: Value, *, with_repeats: bool = False) -> Iterator[tuple[str, cst.CSTNode, bool]]:
    """Each place a path occurs in an argument, and whether it occurred before in it.

    Elements of a tuple, list or dict literal are each their own use
    (`{"params": k, "dropout": k}` gives two streams one key); the two sides of
    `a if c else b` are alternatives, only one of which is passed.
    """
    if value is None:
        return
    seen: set[str] = set()
    groups = _alternatives(value)
    for group in groups:
        mine: set[str] = set()
        for path, node in group:
            repeated = path in mine
            mine.add(path)
            if repeated and not with_repeats:
                continue
            if not repeated and path in seen:
                continue
            if not repeated and len(groups) > 1 and any(_within(path, other) for other in seen):
                continue  # `k if c else k[0]`: one of them is passed, the element is part of the whole
            seen.add(path)
            yield path, node, repeated


def _within(path: str, other: str) -> bool:
    """True if `path` lies inside `other` (`k[0]` in `k`), or the other way round."""
    short, long = (path, other) if len(path) <= len(other) else (other, path)
    return long.startswith(short) and long[len(short) : len(short) + 1] in (".", "[")


def _alternatives(value: Value) -> list[list[tuple[str, cst.CSTNode]]]:
    """The paths an argument passes, as alternative lists (one per way `multi` values can go)."""
    if value is None:
        return [[]]
    kind = value[0]
    if kind == "path":
        return [[(value[1], value[2])]]
    if kind == "multi":
        groups: list[list[tuple[str, cst.CSTNode]]] = []
        for item in value[1]:
            groups.extend(_alternatives(item))
        return groups[:8] or [[]]
    if kind in ("tuple", "container"):
        combined: list[tuple[str, cst.CSTNode]] = []
        options: list[list[tuple[str, cst.CSTNode]]] = []
        for item in value[1]:
            parts = _alternatives(item)
            if len(parts) == 1:
                combined.extend(parts[0])
            else:
                options.extend(parts)
        if not options:
            return [combined]
        return [combined + option for option in options[:8]]
    return [[]]


def _in(slots: tuple[int | str, ...], slot: tuple[int | None, str | None]) -> bool:
    index, keyword = slot
    return (index is not None and index in slots) or (keyword is not None and keyword in slots)


def _closures(value: Value) -> Iterator[cst.CSTNode]:
    if value is None:
        return
    stack = [value]
    while stack:
        item = stack.pop()
        if item is None:
            continue
        kind = item[0]
        if kind == "closure":
            yield item[1]
        elif kind in ("tuple", "container", "multi"):
            stack.extend(item[1])
