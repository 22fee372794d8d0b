"""PRN003: a PRNG key consumed more than once along one path of execution."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import PositionProvider

from prnglint.bindings import bindings_of
from prnglint.diagnostics import Applicability
from prnglint.engine import FileContext, FixSpec, Invalid, Rule, Valid
from prnglint.rules import _jax
from prnglint.engine import Replace
from prnglint.rules.key_reuse import initialisers
from prnglint.rules.key_reuse.fix import plan_fixes
from prnglint.rules.key_reuse.loop_fix import LoopFixContext
from prnglint.rules.key_reuse.flow import Finding
from prnglint.rules.key_reuse.intent import Intent, IntentFinder
from prnglint.rules.key_reuse.ir import Use
from prnglint.rules.key_reuse.graph import TABLE, is_key_annotation
from prnglint.rules.key_reuse.library import FRESH, Library, user_entries
from prnglint.rules.key_reuse.module import FrameResult, KeyModule
from prnglint.rules.key_reuse.summaries import Summary, split_root
from prnglint.names import dotted_name

_RENAMED = re.compile(r"#\d+")
# Packages whose functions can make or take keys (`TABLE` says which).
_KEY_PACKAGES = frozenset({"jax", "flax", "haiku", "numpyro"})
# Methods that return a fresh key whatever the receiver (`library.BUILTIN`).
_KEY_METHODS = frozenset({"make_rng"})
# Receivers through which a method of the same class is called.
_RECEIVERS = frozenset({"self", "cls"})
# The key of the analysis PRN003 and PRN012 share in `FileContext.shared`.
_SHARED = "prnglint.rules.key_reuse"
DELIBERATE_CODE = "PRN012"

# One report as the shared analysis makes it: code, node, message, fix, related places.
_Item = tuple[str, cst.CSTNode, str, FixSpec | None, list[tuple[cst.CSTNode, str]]]


class _Outcome:
    """The one analysis of a file that PRN003 and PRN012 share.

    The first of the two rules built for a file collects its functions while
    the engine walks the tree; whichever leaves the module first runs the
    analysis, and each rule then reports the findings of its own code.
    """

    def __init__(self) -> None:
        self.collector: KeyReuse | None = None
        self.items: list[_Item] | None = None


@dataclass(eq=False)
class _Frame:
    """A function (or the module) seen by the visitor, and what it calls."""

    node: cst.CSTNode
    owner: str | None  # the class a method is defined in
    interesting: bool = False
    calls: set[str] = field(default_factory=set)
    # Calls of functions imported from elsewhere that may be passed a key: the
    # frame is interesting if one of them takes a key (its summary says so).
    imported: list[cst.Call] = field(default_factory=list)


class KeyReuse(Rule):
    """
    ## What it does
    Follows every PRNG key through each function (and through a module's or
    notebook's top-level code) and reports a key that is consumed twice on
    one possible path of execution:

    - two samplers, two `split`s, or a sampler and a `split` on one key, or
      the key passed twice to a function that consumes it (any call not known
      to leave keys alone, including `key=` arguments of Equinox layers);
    - a key from before a `for`/`while` loop, a comprehension, or a function
      run by `jax.lax.scan`, `fori_loop`, `while_loop` or `jax.tree.map`,
      consumed on every iteration without being rebound;
    - a closure that consumes a key from its enclosing scope, called twice;
    - derivations that collide with earlier ones: `fold_in` or `split` on a
      key that was already consumed, `split(k)` after `fold_in(k, ...)`, and
      the same `fold_in(k, <literal>)` twice.

    A value is a key because of where it comes from (`key`, `PRNGKey`,
    `wrap_key_data`, `split`, `fold_in`, `clone`, an `nnx.Rngs` stream such
    as `rngs.params()`, linen's `self.make_rng(...)`, haiku's
    `next_rng_key()`), where it goes (a `jax.random` call, an Equinox `key=`
    argument, a key parameter of a function in the same module, the first
    argument of an initialiser) or its annotation (`chex.PRNGKey`,
    `jax.random.KeyArray`, jaxtyping's `Key[...]`), never because of its
    name. An initialiser is a value made by a factory of
    `jax.nn.initializers` (or Flax's `linen.initializers`,
    `nnx.initializers`), such as `normal(0.02)` or `lecun_normal()`, or their
    `zeros`/`ones`, held by a parameter default (`W_init=glorot_normal()`),
    a local name, a module-level name, a class field called through `self`
    (`self.kernel_init(rng, shape)`), or an enclosing function's parameter;
    the random ones consume the key, the constant ones (`zeros`, `ones`,
    `constant(...)`) only read it. A callable the caller passes in with no
    such default says nothing, whatever its name. Names and attribute paths
    (`self.key`, `state.rng`) are tracked through `if`, `match`, `try`,
    `with`, loops, `return`, `raise`, `break` and `continue`. Paths that
    cannot both run are not one path: `if flag:` … `if not flag:` (the same
    local name, not rebound or changed in between), `if x is None:` … `if x
    is not None:`, `if`/`match` tests of one value against disjoint literals
    (`mode == "train"` … `mode == "eval"`), and code after `raise`, `assert
    False`, `pytest.fail`, `sys.exit` or `self.fail`. Functions of the same
    module are summarised, so a helper that only inspects or deletes its key
    (`del key`) does not consume it. What other functions do to keys comes
    from a table (`rules/key_reuse/library.py`): abstract evaluation
    (`jax.eval_shape`, `jax.make_jaxpr`, `.lower`) draws nothing,
    assertions, printing, logging, `list.append` and checkpoints read or
    store, `functools.partial` draws only when the partial is called. Each
    occurrence of a key in a dict, list or tuple literal passed to a call
    is its own use. Entries are added in `[tool.prnglint.key-functions]`
    (`"mylib.utils.log_key" = "reads"`, `"*.save" = "stores"`); the older
    `non-consuming-functions = ["mylib.utils.log_key"]` still works.

    ## Why is this bad?
    A key consumed twice gives the same random bits twice: dropout masks that
    repeat, "independent" initialisations that are identical, noise that is
    an exact function of other noise. Nothing fails; the model just trains on
    correlated randomness. JAX's own checker (`jax_debug_key_reuse`) sees
    reuse only for typed keys, only when the code runs, and not at all for
    derivations: with the default `jax_threefry_partitionable`,
    `fold_in(k, i)` equals `split(k, n)[i]`, so folding into a key that was
    split, or splitting one that was folded into, collides silently.

    ## Example
    ```python
    import jax

    def init(key):
        w = jax.random.normal(key, (3, 3))
        b = jax.random.normal(key, (3,))
        return w, b
    ```

    ## Use instead
    ```python
    import jax

    def init(key):
        w_key, b_key = jax.random.split(key)
        w = jax.random.normal(w_key, (3, 3))
        b = jax.random.normal(b_key, (3,))
        return w, b
    ```

    Where the reuse is deliberate (a test feeding one key to two
    implementations), pass `jax.random.clone(key)` to the second, or add
    `# noqa: PRN003`.

    ## Fix safety
    When every consumption of the key lies in one straight run of code, the
    fix splits the key once before the first consumption, with `split`
    spelled as the file imports it (`split(key)` for two subkeys,
    `split(key, n)` for more), and gives each consumption its own subkey.
    A subkey is named after the one name its statement assigns (`x =
    jax.random.normal(key, ...)` gets `x_key`, `noise = 0.05 *
    jax.random.normal(key, ...)` gets `noise_key`); if one consumption of
    the group is not in such a statement (an augmented, tuple or chained
    assignment, a bare call), if two would get the same name, if a name is
    already used in the function, or if the split would not fit in 88
    columns, all of them are named `key_1`, `key_2`, ... instead. The split
    also rebinds the key (`key, x_key, noise_key = jax.random.split(key,
    3)`) when anything may read it later: code after the last consumption,
    the next iteration of a loop around them, a nested function, or the
    rest of a module that names it again. A key of an enclosing function is
    never rebound, since assigning it would make it local. A rebinding that
    code outside the rewritten lines reads (`return x, key` after the uses,
    a later `print(key)`) changes the key that code sees, so that fix is
    unsafe and its message names the read.

    This changes the random numbers drawn, which is the point: the old draws
    were wrong. The fix is safe only when every use it rewrites is a certain
    draw: a `jax.random` sampler or `split`, an Equinox layer's `key=`, or a
    function of the module whose every consumption of that key is such a
    draw (`w = init_layer(key, ...)` is split like `jax.random.normal`). If
    one use is a call prnglint does not know, the fix is offered as unsafe
    (`--unsafe-fixes`) and its message names the call, since that call would
    receive another key. If one use stores the key (`dict(key=key)`,
    `ckpt.save(...)`, `keys.append(key)`, a key in a dict or list literal),
    no fix is offered: the stored key would no longer be the one drawn from.

    A key consumed on every iteration of a `for` or `while` loop gets a fix
    at the top of the loop body, and every consumption of the key in the body
    uses what it makes. If nothing but the rewritten uses reads the key's
    name from there on (the rest of the body, the loop's test, an enclosing
    loop, the code after the loop, a nested function), the fix splits and
    rebinds it (`key, noise_key = jax.random.split(key)`), so each iteration
    splits a fresh key. Otherwise, for a loop over `range(...)` or
    `enumerate(...)` whose index the body keeps and that no other loop
    encloses, and when nothing but a sampler consumes the key outside the
    loop (a later `split(key, n)[i]` would equal `fold_in(key, i)`), it folds
    the index in (`noise_key = jax.random.fold_in(key, step)`) and leaves the
    key itself alone, so every other reader sees the key it saw before. Otherwise the split is offered as unsafe, and its
    message names the read that would see the advanced key. A key of an
    enclosing function gets only the fold (rebinding would make it local). Each
    rewritten use must be a certain draw for the fix to be safe, as above.
    No loop fix is offered when the key is consumed before the loop as well,
    when the function folds into it anywhere (the new keys would collide with
    that fold), when the loop rebinds or deletes it, when a consumption sits in a loop or
    comprehension inside the body, or when the body shares the `for` line.
    Other reuses across branches, comprehensions or functions are reported
    without a fix: where the split belongs is a design decision.
    """

    code = "PRN003"
    name = "key-reuse"
    summary = "PRNG key consumed more than once on one path of execution"
    words = _jax.KEY_FLOW_WORDS
    qualnames = _jax.KEY_FLOW_QUALNAMES
    fix_applicability = Applicability.SAFE
    options = {"key-functions": {}, "non-consuming-functions": []}

    VALID = [
        Valid(
            """
            import jax

            def train(key, steps):
                for _ in range(steps):
                    key, subkey = jax.random.split(key)
                    noise = jax.random.normal(subkey, (3,))
                return key
            """
        ),
        Valid(
            """
            import jax

            def sample(key, gaussian):
                if gaussian:
                    return jax.random.normal(key, (3,))
                return jax.random.uniform(key, (3,))
            """
        ),
        Valid(
            """
            import jax

            def observe(state, key):
                del key
                return state

            def step(state, key):
                state = observe(state, key)
                return jax.random.normal(key, state.shape)
            """
        ),
        Valid(
            """
            import jax

            def compare(key):
                expected = jax.random.normal(jax.random.clone(key))
                actual = jax.random.normal(key)
                return expected, actual
            """
        ),
        Valid(
            """
            import jax

            def attention(x, key):
                key, value = project(x)
                return jax.random.normal(jax.random.key(0)), consume(key), consume(key)
            """
        ),
        Valid(
            """
            from flax import nnx

            class Block(nnx.Module):
                def __init__(self, rngs: nnx.Rngs):
                    self.a = nnx.Linear(2, 2, rngs=rngs)
                    self.b = nnx.Linear(2, 2, rngs=rngs)
                    self.w = init(rngs.params()) + init(rngs.params())
            """
        ),
        Valid(
            """
            import itertools
            from functools import partial
            import jax

            def draws(root):
                keys = map(partial(jax.random.fold_in, root), itertools.count())
                return jax.random.normal(next(keys)), jax.random.normal(next(keys))
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            from jax.nn import initializers

            def dense(rng, shape, W_init=initializers.glorot_normal(), b_init=initializers.normal()):
                return W_init(rng, shape), b_init(rng, shape[-1:])
            """,
            count=1,
            line=4,
            message_contains="`b_init`",
        ),
        Invalid(
            """
            import jax

            def init(key):
                w = jax.random.normal(key, (3, 3))
                b = jax.random.normal(key, (3,))
                return w, b
            """,
            count=1,
            line=5,
            column=27,
            message_contains="line 4",
            expected_fix="""
            import jax

            def init(key):
                w_key, b_key = jax.random.split(key)
                w = jax.random.normal(w_key, (3, 3))
                b = jax.random.normal(b_key, (3,))
                return w, b
            """,
        ),
        Invalid(
            """
            from jax import random

            key = random.PRNGKey(0)
            for step in range(10):
                noise = random.normal(key, (3,))
            """,
            count=1,
            line=5,
            message_contains="every iteration",
        ),
        Invalid(
            """
            import equinox as eqx
            import jax

            class MLP(eqx.Module):
                def __init__(self, key):
                    self.a = eqx.nn.Linear(2, 3, key=key)
                    self.b = eqx.nn.Linear(3, 4, key=key)
            """,
            count=1,
            line=7,
        ),
        Invalid(
            """
            import jax

            def train(key, params, steps):
                params = init(params, key)
                for step in range(steps):
                    step_key = jax.random.fold_in(key, step)
                return params
            """,
            count=1,
            line=6,
            message_contains="fold_in",
        ),
        Invalid(
            """
            import jax
            import jax.numpy as jnp

            def noisy_sum(key, xs):
                def body(carry, x):
                    return carry + x * jax.random.normal(key), None
                total, _ = jax.lax.scan(body, jnp.zeros(()), xs)
                return total
            """,
            count=1,
            line=6,
            message_contains="jax.lax.scan",
        ),
        Invalid(
            """
            import jax.random as jr

            def sample(key, n):
                keys = jr.split(key, n)
                more = jr.split(key, n)
                return keys, more
            """,
            count=1,
            line=5,
            expected_fix="""
            import jax.random as jr

            def sample(key, n):
                keys_key, more_key = jr.split(key)
                keys = jr.split(keys_key, n)
                more = jr.split(more_key, n)
                return keys, more
            """,
        ),
        Invalid(
            """
            import jax

            def perturb(key, x):
                x += jax.random.normal(key, x.shape)
                x *= jax.random.uniform(key, x.shape)
                return x, key
            """,
            count=1,
            line=5,
            expected_fix="""
            import jax

            def perturb(key, x):
                key, key_1, key_2 = jax.random.split(key, 3)
                x += jax.random.normal(key_1, x.shape)
                x *= jax.random.uniform(key_2, x.shape)
                return x, key
            """,
        ),
        Invalid(
            """
            import jax

            def train(key, params, steps):
                for _ in range(steps):
                    noise = jax.random.normal(key, params.shape)
                    params = params + noise
                return params
            """,
            count=1,
            line=5,
            expected_fix="""
            import jax

            def train(key, params, steps):
                for _ in range(steps):
                    key, noise_key = jax.random.split(key)
                    noise = jax.random.normal(noise_key, params.shape)
                    params = params + noise
                return params
            """,
        ),
        Invalid(
            """
            import jax

            def sample(key, n):
                out = []
                for i in range(n):
                    out.append(jax.random.normal(key))
                return out, key
            """,
            count=1,
            line=6,
            expected_fix="""
            import jax

            def sample(key, n):
                out = []
                for i in range(n):
                    subkey = jax.random.fold_in(key, i)
                    out.append(jax.random.normal(subkey))
                return out, key
            """,
        ),
        Invalid(
            """
            import jax

            def make(seed):
                key = jax.random.key(seed)
                a = jax.random.fold_in(key, 1)
                b = jax.random.fold_in(key, 1)
                return a, b
            """,
            count=1,
            line=6,
            message_contains="same key",
        ),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._outcome: _Outcome = context.shared(_SHARED, _Outcome)
        if self._outcome.collector is None:
            self._outcome.collector = self
        self._collects = self._outcome.collector is self
        self._stack: list[_Frame] = []
        self._frames: list[_Frame] = []
        self._classes: list[str | None] = []
        self._equinox: bool | None = None
        self._roots: frozenset[str] | None = None
        self._lines: list[str] | None = None
        self._rngs_in_text: bool | None = None
        self._key_types_in_text = False

    # --- Collecting functions -----------------------------------------------------

    def visit_Module(self, node: cst.Module) -> None:
        if not self._collects:
            return
        frame = _Frame(node, None)
        self._stack.append(frame)
        self._frames.append(frame)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self._collects:
            self._classes.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        if self._collects:
            self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self._collects:
            return
        parent = self._stack[-1].node
        owner = self._classes[-1] if self._classes and not isinstance(parent, cst.FunctionDef) else None
        frame = _Frame(node, owner)
        self._stack.append(frame)
        self._frames.append(frame)
        self._classes.append(None)  # a class name does not reach into nested functions
        if self._rngs_in_text is None:
            source = self.context.source
            self._rngs_in_text = "Rngs" in source
            self._key_types_in_text = any(word in source for word in ("PRNGKey", "KeyArray", "Key"))
        for param in (*node.params.params, *node.params.kwonly_params, *node.params.posonly_params):
            if param.default is not None and initialisers.index(self.context).value(param.default) is not None:
                frame.interesting = True  # `def dense(rng, W_init=default_init)`: W_init takes a key
            if param.annotation is None:
                continue
            annotation = param.annotation.annotation
            if self._rngs_in_text and _mentions_rngs(annotation, self.context):
                frame.interesting = True
            elif self._key_types_in_text and is_key_annotation(annotation, self.context):
                frame.interesting = True

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        if not self._collects:
            return
        self._classes.pop()
        frame = self._stack.pop()
        parent = self._stack[-1]
        if frame.interesting and isinstance(parent.node, cst.FunctionDef):
            parent.interesting = True  # a closure's keys are the enclosing function's keys

    def visit_Call(self, node: cst.Call) -> None:
        if not self._collects:
            return
        frame = self._stack[-1]
        func = node.func
        root = func
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(func, cst.Name):
            frame.calls.add(func.value)
        elif isinstance(root, cst.Name) and root.value in _RECEIVERS and isinstance(func, cst.Attribute):
            frame.calls.add(func.attr.value)
        for arg in node.args:
            # `functools.partial(helper, key)`, `jax.tree.map(helper, tree)`: the helper runs.
            if isinstance(arg.value, cst.Name):
                frame.calls.add(arg.value.value)
        if frame.interesting:
            return
        # Resolve only callees whose first name is bound to something in jax
        # or flax: most calls of a file are ruled out by one set lookup.
        roots = self._import_roots()
        if isinstance(root, cst.Name) and root.value in roots and self._is_key_api(func):
            frame.interesting = True
            return
        if isinstance(func, cst.Attribute) and func.attr.value in _KEY_METHODS:
            frame.interesting = True  # linen `self.make_rng(...)`
            return
        if (
            isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and initialisers.index(self.context).field(frame.node, func.attr.value) is not None
        ):
            frame.interesting = True  # `self.kernel_init(rng, shape)`: a field holding an initialiser
            return
        if isinstance(func, cst.Name) and initialisers.index(self.context).enclosing(frame.node, func.value) is not None:
            frame.interesting = True  # an enclosing function's initialiser, called in a nested one
            return
        for arg in node.args:
            # `partial(jax.random.normal, key)`, `jax.tree.map(jax.random.split, ...)`
            value = arg.value
            if isinstance(value, cst.Attribute | cst.Name):
                head = value
                while isinstance(head, cst.Attribute):
                    head = head.value
                if isinstance(head, cst.Name) and head.value in roots and self._is_key_api(value):
                    frame.interesting = True
                    return
        if any(arg.keyword is not None and arg.keyword.value == "key" for arg in node.args) and self._has_equinox():
            frame.interesting = True
            return
        if isinstance(root, cst.Name) and any(isinstance(arg.value, cst.Name | cst.Attribute) for arg in node.args):
            head = root.value
            if head in self.context.resolver.aliases or (
                self.context.project is not None and head in self.context.project.relative_aliases()
            ):
                frame.imported.append(node)

    def _is_key_api(self, node: cst.BaseExpression) -> bool:
        qualname = self.context.qualname(node)
        if qualname is None:
            return False
        if qualname.startswith((_jax.RANDOM, _jax.NNX)) or qualname in _jax.INITIALIZER_QUALNAMES:
            return True
        entry = TABLE.function(qualname)
        return entry is not None and (bool(entry.keys) or entry.result in (FRESH, "rngs"))

    def _import_roots(self) -> frozenset[str]:
        if self._roots is None:
            self._roots = frozenset(
                local
                for local, target in self.context.resolver.aliases.items()
                if target.split(".", 1)[0] in _KEY_PACKAGES
            )
        return self._roots

    def _has_equinox(self) -> bool:
        if self._equinox is None:
            self._equinox = any(target in _jax.EQUINOX_MODULES for target in self.context.resolver.aliases.values())
        return self._equinox

    # --- Analysing ----------------------------------------------------------------------

    def leave_Module(self, original_node: cst.Module) -> None:
        outcome = self._outcome
        if outcome.items is None:
            assert outcome.collector is not None
            outcome.items = outcome.collector._analyse()
        for code, node, message, fix, related in outcome.items:
            if code == self.code:
                self.report(node, message, fix=fix, related=related)

    def _analyse(self) -> list[_Item]:
        """Every finding of the file, under PRN003 or (deliberate reuse) PRN012."""
        self._items: list[_Item] = []
        options = self.context.options
        module = KeyModule(self.context, _library(options), library_key=repr(sorted(user_entries(options).items())))
        self._mark_key_takers(module)
        frames = self._interesting_frames()
        if not frames:
            return self._items
        for frame in frames:
            module.analyze(frame.node)
        split = self.context.resolver.spelling_of("jax.random.split")
        self._clone_spelling = self.context.resolver.spelling_of("jax.random.clone")
        clone = self._clone_spelling or "jax.random.clone"
        self._intents = IntentFinder(self.context, module.function, module.binds)
        reported: set[int] = set()
        for result in list(module.results.values()):
            if result is not None and result.findings:
                self._report(result, split, clone, reported)
        return self._items

    def _mark_key_takers(self, module: KeyModule) -> None:
        """Frames that pass something to a function of another module that takes or consumes a key."""
        if self.context.project is None:
            return
        for frame in self._frames:
            if frame.interesting:
                continue
            for call in frame.imported:
                qualname = self.context.qualname(call.func)
                if qualname is None:
                    spelled = dotted_name(call.func)
                    head, dot, rest = (spelled or "").partition(".")
                    base = module.relative(head)
                    qualname = None if base is None else f"{base}.{rest}" if dot else base
                found = module.external(qualname) if qualname is not None else None
                if found is not None and found.summary is not None and _takes_key(found.summary):
                    frame.interesting = True
                    break

    def _interesting_frames(self) -> list[_Frame]:
        frames = self._frames
        interesting = [frame for frame in frames if frame.interesting]
        if not interesting:
            return []
        # A function that calls an interesting function of the module may pass
        # it a key: analyse it too, and so on up the calls.
        callers: dict[str, list[_Frame]] = {}
        for frame in frames:
            if not frame.interesting:
                for name in frame.calls:
                    callers.setdefault(name, []).append(frame)
        pending = [name for name in map(_frame_name, interesting) if name is not None]
        seen = set(pending)
        while pending:
            for frame in callers.get(pending.pop(), ()):
                if frame.interesting:
                    continue
                frame.interesting = True
                interesting.append(frame)
                name = _frame_name(frame)
                if name is not None and name not in seen:
                    seen.add(name)
                    pending.append(name)
        return interesting

    def _report(self, result: FrameResult, split: str | None, clone: str, reported: set[int]) -> None:
        frame = result.graph.node
        readings = {id(finding): self._intents.classify(finding, frame) for finding in result.findings}
        # A key whose reuse is deliberate somewhere keeps every use as it is:
        # splitting it for the other uses would change the numbers compared.
        deliberate_firsts = {
            id(finding.first)
            for finding in result.findings
            if readings[id(finding)][0] is not None and finding.first is not None
        }
        fixable = [
            finding
            for finding in result.findings
            if readings[id(finding)][0] is None and id(finding.first) not in deliberate_firsts
        ]
        fixes = plan_fixes(
            fixable,
            result.graph,
            result.flow.death,
            split,
            lambda: self._code_of(result.graph.node),
            self._column_of,
            self._loop_fix_context(split),
        )
        for finding in result.findings:
            node = finding.use.node
            if id(node) in reported:
                continue
            reported.add(id(node))
            intent, hint = readings[id(finding)]
            if intent is not None:
                self._items.append(
                    (
                        DELIBERATE_CODE,
                        node,
                        self._deliberate_message(finding, intent, clone),
                        self._clone_fix(finding),
                        self._related(finding),
                    )
                )
                continue
            message = self._message(finding, split or "jax.random.split", clone)
            if hint is not None:
                message += f"; note that {hint}"
            fix: FixSpec | None = fixes.get(id(finding))
            self._items.append((KeyReuse.code, node, message, fix, self._related(finding)))

    def _loop_fix_context(self, split: str | None) -> LoopFixContext | None:
        if split is None:
            return None
        context = self.context

        def binds(name: str) -> bool:
            # Read only when a loop over `range`/`enumerate` needs it; a star import may bind anything.
            return "import *" in context.source or name in bindings_of(context.module).names()

        return LoopFixContext(
            split=split,
            fold_in=context.resolver.spelling_of("jax.random.fold_in"),
            line=context.line_of,
            column=self._column_of,
            module_binds=binds,
        )

    def _deliberate_message(self, finding: Finding, intent: Intent, clone: str) -> str:
        use = finding.use
        path = _RENAMED.sub("", use.path)
        if finding.first is not None:
            line = self.context.line_of(finding.first.node)
            what = (
                f"`{path}` is consumed again here by {self._describe(use)} after "
                f"{self._describe(finding.first, short=True)} on line {line}"
            )
        else:
            at = f" on line {self.context.line_of(use.call)}" if use.call is not None else ""
            what = f"`{path}` is consumed on every iteration of `{use.via}`{at}"
        return (
            f"{what}, and the reuse reads as deliberate ({intent.pattern}: {intent.evidence}); "
            f"pass `{clone}({path})` to say so, or split it if the numbers should differ"
        )

    def _clone_fix(self, finding: Finding) -> FixSpec | None:
        """`key` -> `jax.random.clone(key)` at the later use: the same numbers, the intent stated."""
        node = finding.use.node
        if self._clone_spelling is None or not isinstance(node, cst.Name):
            return None
        message = f"Pass `{self._clone_spelling}({node.value})` to state that the same numbers are wanted"
        return FixSpec(Applicability.SAFE, message, (Replace(node, f"{self._clone_spelling}({node.value})"),))

    def _related(self, finding: Finding) -> list[tuple[cst.CSTNode, str]]:
        """The other places a finding's message names: the first consumption, or the loop that repeats one."""
        use = finding.use
        if finding.first is not None and finding.first.node is not use.node:
            return [(finding.first.node, f"first consumed here by {self._describe(finding.first, short=True)}")]
        if finding.kind == "loop" and use.loop is not None:
            return [(use.loop, "the loop that consumes it again on every iteration")]
        if finding.kind == "repeat" and use.call is not None:
            return [(use.call, f"`{use.via}` runs the function on every iteration here")]
        return []

    def _column_of(self, node: cst.CSTNode) -> int:
        """The 0-based column at which `node` starts."""
        return self.context.metadata(PositionProvider)[PositionProvider][node].start.column

    def _code_of(self, node: cst.CSTNode) -> str:
        """The source lines of `node` (the whole file for the module)."""
        if isinstance(node, cst.Module):
            return self.context.source
        span = self.context.metadata(PositionProvider)[PositionProvider][node]
        if self._lines is None:
            self._lines = self.context.source.splitlines()
        return "\n".join(self._lines[span.start.line - 1 : span.end.line])

    def _message(self, finding: Finding, split: str, clone: str) -> str:
        use = finding.use
        path = _RENAMED.sub("", use.path)
        first = finding.first
        if "[" in path:
            advice = (
                "give each use its own key (split into more keys), "
                f"or pass `{clone}(...)` where the reuse is deliberate"
            )
        else:
            advice = (
                f"split it first (`{path}, sub = {split}({path})`) and give each use its own key, "
                f"or pass `{clone}({path})` where the reuse is deliberate"
            )
        kind = finding.kind
        if kind == "loop":
            where = f" of the loop on line {self.context.line_of(use.loop)}" if use.loop is not None else ""
            return (
                f"`{path}` is consumed here by {self._describe(use)} on every iteration{where} without being "
                f"rebound; split it in the loop (`{path}, sub = {split}({path})`) and use `sub`"
            )
        if kind == "repeat":
            at = f" on line {self.context.line_of(use.call)}" if use.call is not None else ""
            return (
                f"`{path}` comes from the enclosing scope and is consumed in a function that "
                f"`{use.via}`{at} runs on every iteration, so every iteration draws the same numbers; "
                f"carry a key through the loop and split it in the body, or fold the iteration index into it"
            )
        assert first is not None
        line = self.context.line_of(first.node)
        by = self._describe(first, short=True)
        if kind == "reuse":
            return (
                f"`{path}` is consumed again here by {self._describe(use)}; "
                f"{by} already consumed it on line {line}; {advice}"
            )
        if kind == "fold-after-consume":
            return (
                f"{self._describe(use)} derives a key from `{path}`, which {by} already consumed on line {line}: "
                f"`fold_in(k, i)` equals `split(k, n)[i]`, so the derived key repeats one already used; "
                f"split `{path}` first and fold into one of the parts"
            )
        if kind == "split-after-fold":
            return (
                f"`{path}` is split here after `fold_in` derived a key from it on line {line}: "
                f"`fold_in(k, i)` equals `split(k, n)[i]`, so the two collide; "
                f"derive every key from `{path}` the same way"
            )
        return (
            f"`fold_in({path}, {use.literal})` gives the same key as on line {line}; "
            f"fold a different value in, or reuse the first result where that is intended"
        )

    def _describe(self, use: Use, *, short: bool = False) -> str:
        """How a use reads in a message: `jax.random.normal`, `helper` (which consumes it on line 4)."""
        via = use.via
        if via is None:
            return "a call"
        if via == "lambda" and short:
            return "a lambda"
        if not short and use.inner_at is not None:
            return f"`{via}` (which consumes it at {use.inner_at})"
        if not short and use.inner is not None and use.inner is not use.node:
            inner = self.context.line_of(use.inner)
            if via == "lambda":
                return f"a lambda (which consumes it on line {inner})"
            return f"`{via}` (which consumes it on line {inner})"
        return f"`{via}`"


_LIBRARIES: dict[str, Library] = {}


def _library(options: Mapping[str, Any]) -> Library:
    """The table with the configured entries (one per configuration, shared by the files of a run)."""
    entries = user_entries(options)
    key = repr(sorted(entries.items()))
    library = _LIBRARIES.get(key)
    if library is None:
        library = _LIBRARIES[key] = Library(entries)
    return library


def _takes_key(summary: Summary) -> bool:
    """True if a function does something to a parameter that only a key suffers: a draw, a fold, a key position."""
    params = set(summary.params)
    return any(
        (effect.keypos or effect.folded or (effect.consumed and not effect.unsure)) and split_root(path)[0] in params
        for path, effect in summary.effects.items()
    )


def _frame_name(frame: _Frame) -> str | None:
    node = frame.node
    if not isinstance(node, cst.FunctionDef):
        return None
    if node.name.value == "__init__" and frame.owner is not None:
        return frame.owner
    return node.name.value


def _mentions_rngs(annotation: cst.BaseExpression, context: FileContext) -> bool:
    stack = [annotation]
    while stack:
        item = stack.pop()
        if isinstance(item, cst.Name | cst.Attribute):
            if context.qualname(item) == _jax.RNGS:
                return True
        elif isinstance(item, cst.BinaryOperation):
            stack.extend((item.left, item.right))
        elif isinstance(item, cst.Subscript):
            stack.extend(e.slice.value for e in item.slice if isinstance(e.slice, cst.Index))
    return False
