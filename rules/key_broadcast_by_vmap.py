"""PRN010: a function mapped by `vmap` draws from a key that is the same for every element."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from prnglint.engine import Invalid, Rule, Valid
from prnglint.names import dotted_name
from prnglint.rules import _jax
from prnglint.rules._scopes import ScopeInfo, positional_parameters
from prnglint.rules._transforms import MAPPING, Applied, TransformTracker, argument
from prnglint.tree import children

_DERIVERS = frozenset({"jax.random.split", "jax.random.fold_in", "jax.random.clone"})
# Attributes and calls that read only the static shape of a mapped value: the same for every element.
_STATIC_ATTRIBUTES = frozenset({"shape", "ndim", "dtype", "size"})
_STATIC_CALLS = frozenset({"len", "jax.numpy.shape", "jax.numpy.ndim", "jax.numpy.size", "numpy.shape", "numpy.ndim"})
# Calls whose value differs from element to element inside a mapped function.
_PER_ELEMENT_CALLS = frozenset({"jax.lax.axis_index"})
_MAX_DEPTH = 8


@dataclass(frozen=True)
class _Broadcast:
    """A key that is the same for every element: the use of the outside key it comes from, and why."""

    use: cst.CSTNode
    name: str
    why: str


@dataclass(frozen=True)
class _Mapped:
    """One mapped function and what its parameters receive."""

    applied: Applied
    scope: ScopeInfo
    broadcast_params: dict[str, str]
    mapped_params: frozenset[str]
    spelled: str


class KeyBroadcastByVmap(TransformTracker, Rule):
    """
    ## What it does
    Finds a function mapped by `jax.vmap`, `eqx.filter_vmap` or `nnx.vmap`
    (decorated, or handed to one by name, as a lambda or through
    `functools.partial`) that draws random numbers (`jax.random.normal`,
    `uniform`, `split`, ...; directly, or through a function of the module
    that draws from its argument) from a key that is the same for every
    element: a key the function closes over, a key parameter mapped with
    `in_axes=None` or bound by `functools.partial`, or a key derived from
    one of those (`split`, `fold_in` with a constant, indexing) inside the
    function. The use of that key is reported.

    Not reported: a key that is mapped (`jax.vmap(f)(jax.random.split(key,
    n), xs)`), a key folded with something that differs per element
    (`fold_in(key, i)` with `i` mapped, or `lax.axis_index`), or an element
    of a split chosen by a mapped index.

    ## Why is this bad?
    `vmap` runs the function once, on the whole batch. A key that is not
    mapped is one key for all elements, so every element draws exactly the
    same numbers: every image gets the same augmentation, every sample the
    same noise, every particle the same perturbation, and every member of an
    ensemble the same dropout mask. The key is consumed only once in the
    traced program, so JAX's key-reuse checker (`jax_debug_key_reuse`)
    raises nothing.

    ## Example
    ```python
    import jax

    def add_noise(key, xs):
        return jax.vmap(lambda x: x + jax.random.normal(key, x.shape))(xs)
    ```

    ## Use instead
    ```python
    import jax

    def add_noise(key, xs):
        keys = jax.random.split(key, xs.shape[0])
        return jax.vmap(lambda k, x: x + jax.random.normal(k, x.shape))(keys, xs)
    ```

    If every element should see the same numbers on purpose, draw them once
    outside the mapped function and close over the array instead: it says
    so, and costs less.

    ## Fix safety
    There is no automatic fix: mapping the key changes the function's
    signature and every caller, and the numbers change.
    """

    code = "PRN010"
    name = "key-broadcast-by-vmap"
    summary = "function mapped by vmap draws from a key that is the same for every element"
    # A finding needs a mapping transformation (spelled through an import of
    # `jax`, `equinox` or `flax`+`nnx`) and a `jax.random` call inside it.
    words = (("jax", "random", "vmap"),)
    # Every finding is inside a function a mapping transformation is applied to.
    qualnames = MAPPING

    VALID = [
        Valid(
            """
            import jax

            def add_noise(key, xs):
                keys = jax.random.split(key, xs.shape[0])
                return jax.vmap(lambda k, x: x + jax.random.normal(k, x.shape))(keys, xs)
            """
        ),
        Valid(
            """
            import jax
            import jax.numpy as jnp

            def add_noise(key, xs):
                def one(i, x):
                    return x + jax.random.normal(jax.random.fold_in(key, i), x.shape)

                return jax.vmap(one)(jnp.arange(xs.shape[0]), xs)
            """
        ),
        Valid(
            """
            import jax

            def sample(key, x):
                return x + jax.random.normal(key, x.shape)

            def run(key, xs):
                noise = jax.random.normal(key, xs.shape[1:])
                return jax.vmap(lambda x: x + noise)(xs)
            """
        ),
        Valid(
            """
            import functools
            import jax

            @functools.partial(jax.vmap, in_axes=(0, None))
            def perturb(key, scale):
                return scale * jax.random.normal(key, (3,))
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jax

            def add_noise(key, xs):
                return jax.vmap(lambda x: x + jax.random.normal(key, x.shape))(xs)
            """,
            count=1,
            line=4,
            column=53,
            message_contains="closes over",
        ),
        Invalid(
            """
            import jax

            def perturb(key, x):
                k1, k2 = jax.random.split(key)
                return x + jax.random.normal(k1, x.shape) * jax.random.uniform(k2)

            def run(key, xs):
                return jax.vmap(perturb, in_axes=(None, 0))(key, xs)
            """,
            count=1,
            line=4,
            message_contains="in_axes",
        ),
        Invalid(
            """
            import equinox as eqx
            import jax

            def augment(key, images):
                @eqx.filter_vmap
                def one(image):
                    flip = jax.random.bernoulli(key)
                    return jax.numpy.where(flip, image[:, ::-1], image)

                return one(images)
            """,
            count=1,
        ),
        Invalid(
            """
            import functools
            import jax
            from flax import nnx

            def noise(key, x):
                return x + jax.random.normal(key, x.shape)

            def run(key, xs):
                return nnx.vmap(functools.partial(noise, key))(xs)
            """,
            count=1,
            message_contains="functools.partial",
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self._draws: list[tuple[cst.Call, ScopeInfo]] = []
        self._calls: list[tuple[cst.Call, ScopeInfo]] = []
        self._reported: set[int] = set()
        self._drawing_parameters: dict[int, dict[int | str, bool]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        super().visit_Call(node)
        qualname = self.context.qualname(node.func)
        kind = _jax.random_kind(qualname)
        if kind in ("sampler", "deriver"):
            self._draws.append((node, self.current_scope()))
        elif qualname is None and isinstance(node.func, cst.Name):
            self._calls.append((node, self.current_scope()))

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self._draws:
            return
        mapped = [self._mapped(item) for item in self.applied_functions() if item.application.transform.qualname in MAPPING]
        for each in mapped:
            if each is None:
                continue
            for call, scope in self._draws:
                if scope.is_within(each.scope) and _jax.random_kind(self.context.qualname(call.func)) == "sampler":
                    self._check_draw(call, scope, each)
            for call, scope in self._calls:
                if scope.is_within(each.scope):
                    self._check_helper_call(call, scope, each)

    # --- The mapped function ---------------------------------------------------------------

    def _mapped(self, item: Applied) -> _Mapped | None:
        scope = self.scopes.get(id(item.node))
        if scope is None:
            return None
        application = item.application
        params = positional_parameters(item.node.params)
        broadcast: dict[str, str] = {}
        for param in params[: item.bound_positional]:
            broadcast[param.name.value] = "bound by `functools.partial`"
        for name in item.bound_keywords:
            broadcast[name] = "bound by `functools.partial`"
        free = [p for p in params[item.bound_positional :] if p.name.value not in item.bound_keywords]
        axes = application.options.get("in_axes")
        if _is_none(axes):
            for param in free:
                broadcast[param.name.value] = "passed with `in_axes=None`"
        elif isinstance(axes, cst.Tuple | cst.List):
            for param, element in zip(free, axes.elements):
                if _is_none(element.value):
                    broadcast[param.name.value] = "passed with `in_axes=None`"
        mapped = frozenset(p.name.value for p in free if p.name.value not in broadcast)
        site = application.site
        target = site.decorator if isinstance(site, cst.Decorator) else site
        if isinstance(target, cst.Call):
            callee = target.func
            if self.context.qualname(callee) == "functools.partial" and target.args:
                callee = target.args[0].value
            spelled = dotted_name(callee) or application.transform.qualname
        else:
            spelled = dotted_name(target) or application.transform.qualname
        return _Mapped(item, scope, broadcast, mapped, spelled)

    # --- Where a key comes from ----------------------------------------------------------

    def _broadcast(self, node: cst.BaseExpression, scope: ScopeInfo, mapped: _Mapped, depth: int = 0) -> _Broadcast | None:
        """If `node`, evaluated in `scope` inside the mapped function, is one key for all elements."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Name):
            return self._name_broadcast(node, scope, mapped, depth)
        if isinstance(node, cst.Attribute):
            root: cst.BaseExpression = node
            while isinstance(root, cst.Attribute):
                root = root.value
            if isinstance(root, cst.Name) and self.context.qualname(node) is None:
                found = self._name_broadcast(root, scope, mapped, depth, derived_only=True)
                if found is not None:
                    return _Broadcast(node, dotted_name(node) or found.name, found.why)
            return None
        if isinstance(node, cst.Subscript):
            if any(self._per_element(element.slice, scope, mapped, depth + 1) for element in node.slice):
                return None
            return self._broadcast(node.value, scope, mapped, depth + 1)
        if isinstance(node, cst.Call):
            qualname = self.context.qualname(node.func)
            if qualname not in _DERIVERS:
                return None
            key = argument(node, 0, "key")
            if key is None:
                return None
            if qualname == "jax.random.fold_in":
                data = argument(node, 1, "data")
                if data is None or self._per_element(data, scope, mapped, depth + 1):
                    return None
            return self._broadcast(key, scope, mapped, depth + 1)
        return None

    def _name_broadcast(
        self, node: cst.Name, scope: ScopeInfo, mapped: _Mapped, depth: int, *, derived_only: bool = False
    ) -> _Broadcast | None:
        name = node.value
        owner = self.binding_scope(name, scope)
        if owner is None:
            return None
        if not owner.is_within(mapped.scope):
            if owner.is_class:
                return None
            return _Broadcast(node, name, "closes over")
        if owner is mapped.scope and name in mapped.broadcast_params:
            return _Broadcast(node, name, mapped.broadcast_params[name])
        if owner.parameter(name) is not None or name in owner.opaque:
            return None
        values = [*owner.assignments.get(name, []), *owner.unpacked.get(name, [])]
        if not values:
            return None
        found: list[_Broadcast] = []
        for value in values:
            result = self._broadcast(value, owner, mapped, depth + 1)
            if result is None:
                return None
            found.append(result)
        return found[0]

    def _per_element(self, node: cst.CSTNode, scope: ScopeInfo, mapped: _Mapped, depth: int) -> bool:
        """True if `node` may differ from element to element (it reads a mapped value)."""
        if depth > _MAX_DEPTH:
            return True
        if isinstance(node, cst.Name):
            owner = self.binding_scope(node.value, scope)
            if owner is None or not owner.is_within(mapped.scope):
                return False
            if owner is mapped.scope and node.value in mapped.mapped_params:
                return True
            if owner.parameter(node.value) is not None:
                # A parameter of a function nested in the mapped one, or one the mapping broadcasts.
                return owner is not mapped.scope
            if node.value in owner.opaque:
                return True
            values = [*owner.assignments.get(node.value, []), *owner.unpacked.get(node.value, [])]
            return any(self._per_element(value, owner, mapped, depth + 1) for value in values)
        if isinstance(node, cst.Attribute) and node.attr.value in _STATIC_ATTRIBUTES:
            return False
        if isinstance(node, cst.Call):
            qualname = self.context.qualname(node.func)
            if qualname in _PER_ELEMENT_CALLS:
                return True
            if qualname in _STATIC_CALLS or (isinstance(node.func, cst.Name) and node.func.value == "len"):
                return False
        if isinstance(node, cst.Lambda | cst.FunctionDef):
            return False
        return any(self._per_element(child, scope, mapped, depth) for child in children(node))

    # --- Draws ----------------------------------------------------------------------------

    def _check_draw(self, call: cst.Call, scope: ScopeInfo, mapped: _Mapped) -> None:
        key = argument(call, 0, "key")
        if key is None:
            return
        found = self._broadcast(key, scope, mapped)
        if found is not None:
            self._report(found, mapped)

    def _check_helper_call(self, call: cst.Call, scope: ScopeInfo, mapped: _Mapped) -> None:
        """A function of the module that draws from one of its parameters, given a broadcast key."""
        assert isinstance(call.func, cst.Name)
        for definition in self.definitions_of(call.func.value, scope):
            if not isinstance(definition, cst.FunctionDef):
                continue
            drawing = self._drawing_parameters_of(definition)
            positional = [arg for arg in call.args if arg.keyword is None]
            if any(arg.star for arg in positional):
                continue
            params = positional_parameters(definition.params)
            for index, arg in enumerate(positional):
                if index < len(params) and params[index].name.value in drawing:
                    self._check_key(arg.value, scope, mapped)
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value in drawing:
                    self._check_key(arg.value, scope, mapped)

    def _check_key(self, node: cst.BaseExpression, scope: ScopeInfo, mapped: _Mapped) -> None:
        found = self._broadcast(node, scope, mapped)
        if found is not None:
            self._report(found, mapped)

    def _drawing_parameters_of(self, definition: cst.FunctionDef) -> set[str]:
        """The parameters of `definition` that it hands, as they are, to a `jax.random` sampler or `split`."""
        scope = self.scopes.get(id(definition))
        if scope is None:
            return set()
        names: set[str] = set()
        for call, where in self._draws:
            if where.enclosing_function() is not scope:
                continue
            key = argument(call, 0, "key")
            if isinstance(key, cst.Name) and self.binding_scope(key.value, where) is scope and scope.parameter(key.value) is not None:
                names.add(key.value)
        return names

    def _report(self, found: _Broadcast, mapped: _Mapped) -> None:
        if id(found.use) in self._reported:
            return
        self._reported.add(id(found.use))
        function = mapped.applied.node
        label = f"`{function.name.value}`" if isinstance(function, cst.FunctionDef) else "the lambda"
        if found.why == "closes over":
            what = f"{label}, mapped by `{mapped.spelled}`, closes over the key `{found.name}`"
        else:
            what = f"the key `{found.name}` is {found.why} to {label}, mapped by `{mapped.spelled}`"
        self.report(
            found.use,
            f"{what}: every element draws the same numbers from it (JAX's key-reuse checker cannot see "
            "this); map one key per element (`jax.random.split(key, n)`) or fold in the element's index",
        )


def _is_none(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"
