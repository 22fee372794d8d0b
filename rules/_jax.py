"""What the rules know about JAX, Flax NNX and Equinox APIs.

Facts from ../shared/SEMANTICS.md (jax 0.10, flax 0.12, equinox 0.13): which
`jax.random` functions construct, derive or sample keys, and which classes
hold fields with defaults.
"""

from __future__ import annotations

from typing import Literal

import libcst as cst

from prnglint.engine import FileContext

RANDOM = "jax.random."
CONSTRUCTORS = frozenset({"key", "PRNGKey", "wrap_key_data"})
DERIVERS = frozenset({"split", "fold_in", "clone"})
UTILITIES = frozenset({"key_data", "key_impl", "key_dtype"})
SAMPLERS = frozenset(
    """ball bernoulli beta binomial bits categorical cauchy chisquare choice dirichlet
    double_sided_maxwell exponential f gamma generalized_normal geometric gumbel laplace
    loggamma logistic lognormal maxwell multinomial multivariate_normal normal orthogonal
    pareto permutation poisson rademacher randint rayleigh t triangular truncated_normal
    uniform wald weibull_min""".split()
)
RNGS = "flax.nnx.Rngs"

# Word groups for the engine's filter: a name resolves to `jax.random.*` only
# through an import that spells `jax`, and the call spells `random` (the
# module) or the imported function; `flax.nnx.Rngs` needs `flax`, `nnx` and
# `Rngs` in the text.
JAX_RANDOM_WORDS: tuple[tuple[str, ...], ...] = (("jax", "random"),)
RNGS_WORDS: tuple[tuple[str, ...], ...] = (("flax", "nnx", "Rngs"),)

# Qualified names for the engine's `ast` pre-check (`Rule.qualnames`):
# `random_kind` is None for every other name, so a rule that only reports
# calls or references it classifies cannot fire where none of these is reached.
RANDOM_QUALNAMES: frozenset[str] = frozenset(RANDOM + name for name in CONSTRUCTORS | DERIVERS | SAMPLERS) | {RNGS}
# The subset whose result is a key or an `nnx.Rngs` (`produces_key`).
KEY_QUALNAMES: frozenset[str] = frozenset(RANDOM + name for name in CONSTRUCTORS | DERIVERS) | {RNGS}

RandomKind = Literal["constructor", "deriver", "sampler", "rngs"]


def random_kind(qualname: str | None) -> RandomKind | None:
    """Classify a resolved callee: a key constructor, deriver, sampler, `nnx.Rngs`, or None."""
    if qualname is None:
        return None
    if qualname == RNGS:
        return "rngs"
    if not qualname.startswith(RANDOM):
        return None
    name = qualname[len(RANDOM) :]
    if name in CONSTRUCTORS:
        return "constructor"
    if name in DERIVERS:
        return "deriver"
    if name in SAMPLERS:
        return "sampler"
    return None


def call_kind(node: cst.CSTNode, context: FileContext) -> RandomKind | None:
    """`random_kind` of a call's callee, or None if `node` is not such a call."""
    if not isinstance(node, cst.Call):
        return None
    return random_kind(context.qualname(node.func))


def produces_key(node: cst.BaseExpression, context: FileContext) -> bool:
    """True if evaluating `node` yields a key (or an `nnx.Rngs`) made right there.

    Covers a key-making call, an element of one (`split(k)[0]`), a tuple or
    list of them and a parenthesised form; a sampler's result is not a key.
    """
    while True:
        if isinstance(node, cst.Call):
            return call_kind(node, context) in ("constructor", "deriver", "rngs")
        if isinstance(node, cst.Subscript):
            node = node.value
            continue
        if isinstance(node, cst.Tuple | cst.List):
            return any(produces_key(element.value, context) for element in node.elements)
        return False


def spelled(node: cst.Call) -> str:
    """The callee of `node` as written (``jr.split``), for messages."""
    from prnglint.names import dotted_name

    return dotted_name(node.func) or "this call"


_FIELD_CLASS_DECORATORS = frozenset(
    {"dataclasses.dataclass", "flax.struct.dataclass", "chex.dataclass", "attr.s", "attrs.define", "attrs.frozen"}
)
_FIELD_CLASS_BASES = frozenset(
    {
        "equinox.Module",
        "flax.struct.PyTreeNode",
        "typing.NamedTuple",
        "typing_extensions.NamedTuple",
    }
)
FIELD_FUNCTIONS = frozenset(
    {"dataclasses.field", "equinox.field", "flax.struct.field", "chex.field", "attr.ib", "attrs.field"}
)


def is_field_class(node: cst.ClassDef, context: FileContext, local_field_classes: set[str]) -> bool:
    """True for a class whose annotated class attributes are per-instance fields.

    Dataclasses (standard, `flax.struct`, `chex`), `equinox.Module` and
    `flax.struct.PyTreeNode` subclasses, `NamedTuple`s, and subclasses of such
    classes defined earlier in the same module (`local_field_classes`).
    """
    for decorator in node.decorators:
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        if context.qualname(target) in _FIELD_CLASS_DECORATORS:
            return True
    for base in node.bases:
        if base.keyword is not None:
            continue
        if context.qualname(base.value) in _FIELD_CLASS_BASES:
            return True
        if isinstance(base.value, cst.Name) and base.value.value in local_field_classes:
            return True
    return False


def is_module_level_main_guard(test: cst.BaseExpression, context: FileContext) -> bool:
    """`__name__ == "__main__"` (either order) or `TYPE_CHECKING` (bare or `typing.`)."""
    if isinstance(test, cst.Name) and test.value == "TYPE_CHECKING":
        return True
    if context.qualname(test) in ("typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"):
        return True
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        target = test.comparisons[0]
        if not isinstance(target.operator, cst.Equal):
            return False
        sides = (test.left, target.comparator)
        names = [s for s in sides if isinstance(s, cst.Name) and s.value == "__name__"]
        strings = [s for s in sides if isinstance(s, cst.SimpleString) and s.evaluated_value == "__main__"]
        return bool(names) and bool(strings)
    return False


# --- Key flow (PRN003) ---------------------------------------------------------

# Word groups for PRN003: a key is identified only through a `jax.random` call
# (needs `jax` and `random` in the text, as above), an `nnx.Rngs` stream (the
# stream's owner is known to be an `Rngs` only through a name that resolves to
# `flax.nnx.Rngs`), or an Equinox `key=` argument (counted only in files that
# import `equinox` or `equinox.nn`). Keys that reach a helper's parameter are
# identified inside the helper, by one of the same routes, so the groups stay
# sound; for the same reason the qualified names below are the only ones
# PRN003 needs to reach.
# Beyond those, PRN003 knows keys by their annotations (`chex.PRNGKey`,
# `jax.random.KeyArray`, `flax.typing.PRNGKey`, jaxtyping's `Key[...]`), by linen's `make_rng` (a linen module imports
# `flax`), and by haiku's and numpyro's key functions (`rules/key_reuse/library.py`).
EQUINOX_WORDS: tuple[tuple[str, ...], ...] = (("equinox",),)
# Where the initialisers of JAX and Flax live (Flax re-exports JAX's, under
# both names), and which of them draw: every factory but the constant ones
# (`rules/key_reuse/initialisers.py`).
INITIALIZER_MODULES = ("jax.nn.initializers", "flax.linen.initializers", "flax.nnx.initializers", "flax.nnx.nn.initializers")
RANDOM_INITIALIZER_FACTORIES = (
    "delta_orthogonal", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "kaiming_normal",
    "kaiming_uniform", "lecun_normal", "lecun_uniform", "normal", "orthogonal", "truncated_normal", "uniform",
    "variance_scaling", "xavier_normal", "xavier_uniform",
)
CONSTANT_INITIALIZER_FACTORIES = ("constant", "zeros_init", "ones_init")
CONSTANT_INITIALIZERS = ("zeros", "ones")
INITIALIZER_QUALNAMES = frozenset(
    f"{module}.{name}"
    for module in INITIALIZER_MODULES
    for name in (*RANDOM_INITIALIZER_FACTORIES, *CONSTANT_INITIALIZER_FACTORIES, *CONSTANT_INITIALIZERS)
)
KEY_EVIDENCE_WORDS: tuple[tuple[str, ...], ...] = (
    ("chex", "PRNGKey"),
    ("jax", "PRNGKey"),
    ("jax", "KeyArray"),
    ("flax", "PRNGKey"),
    ("jaxtyping", "Key"),
    ("flax", "make_rng"),
    ("haiku",),
    ("numpyro",),
    ("jax", "initializers"),
    ("flax", "initializers"),
)
KEY_FLOW_WORDS: tuple[tuple[str, ...], ...] = JAX_RANDOM_WORDS + RNGS_WORDS + EQUINOX_WORDS + KEY_EVIDENCE_WORDS
EQUINOX_MODULES = frozenset({"equinox", "equinox.nn"})
KEY_EVIDENCE_QUALNAMES = frozenset(
    {
        "flax.linen",
        "haiku",
        "numpyro",
        "chex.PRNGKey",
        "jax.random",
        "jax.random.PRNGKey",
        "jax.random.KeyArray",
        "jaxtyping.Key",
        "jaxtyping.PRNGKeyArray",
        "flax.typing.PRNGKey",
        "haiku.next_rng_key",
        "haiku.maybe_next_rng_key",
        "haiku.PRNGSequence",
        "numpyro.util.is_prng_key",
        "numpyro.handlers.seed",
    }
)
KEY_FLOW_QUALNAMES: frozenset[str] = (
    frozenset(RANDOM + name for name in CONSTRUCTORS | DERIVERS | SAMPLERS | UTILITIES)
    | {RNGS}
    | EQUINOX_MODULES
    | KEY_EVIDENCE_QUALNAMES
    | INITIALIZER_QUALNAMES
)

NNX = "flax.nnx."
EQUINOX = "equinox."

# Calls whose result is their first argument under another name (SEMANTICS.md:
# alias): the key is not consumed, and consuming the result consumes it.
# PRN003's table (rules/key_reuse/library.py) builds on these.
ALIAS_CALLS = frozenset(
    {
        "jax.device_put",
        "jax.lax.stop_gradient",
        "jax.numpy.asarray",
        "jax.numpy.array",
        "jax.numpy.copy",
        "jax.numpy.reshape",
        "jax.numpy.squeeze",
        "jax.numpy.expand_dims",
        "jax.numpy.ravel",
        "copy.copy",
        "copy.deepcopy",
        "jax.block_until_ready",
        "jax.device_get",
        "numpy.asarray",
        "numpy.array",
    }
)
# Methods of `flax.nnx.Rngs` that are not streams; any other zero-argument
# method call on an `Rngs` (`rngs.params()`), or the call `rngs()`, draws a
# fresh key from a stream without consuming anything.
RNGS_METHODS = frozenset({"split", "fork", "broadcast", "items", "keys", "values", "replace"} | SAMPLERS)

# Keyword arguments named `key` that are not PRNG keys even in Equinox code.
NON_KEY_KEYWORD_CALLEES = frozenset({"sorted", "min", "max", "sort", "groupby", "nlargest", "nsmallest", "merge"})


def is_assertion(name: str) -> bool:
    """Assertion helpers (`self.assertEqual`, `assert_trees_all_close`) only inspect their arguments."""
    return name.startswith("assert")
