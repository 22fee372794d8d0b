"""What functions of the JAX ecosystem do to the keys they are given (PRN003), as data.

Each `Entry` names a callee by qualified name (``jax.eval_shape``), by class
and method (``CheckpointManager.save``: a method of that class, whatever
module it comes from) or by method alone (``*.append``: that method on a
receiver of any type), and says what the call does to every key among its
arguments (`Entry.effect`), which arguments are keys whatever their origin
(`Entry.keys`: evidence that a value is a key), what it does with function
arguments (`Entry.calls`), and what its result is (`Entry.result`). The
facts come from SEMANTICS.md and from running each library under
``jax.debug_key_reuse(True)`` (tests/rules/test_key_reuse_library.py).

Users add entries in ``[tool.prnglint]``::

    [tool.prnglint.key-functions]
    "mylib.utils.log_key" = "reads"
    "*.save" = "stores"
    "CheckpointManager.save" = "stores"
    "mylib.sample" = "consumes"

`non-consuming-functions = [...]`, the older option, still works: each name
in it is a ``"reads"`` entry. The configuration checks entries with the
pattern syntax and effect names of `prnglint.config` (without loading a rule).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prnglint.config import KEY_EFFECTS, key_pattern_problem
from prnglint.rules import _jax

# What a call does to a key among its arguments.
READS = "reads"  # looks at it: shape, dtype, printing, assertions, abstract evaluation
STORES = "stores"  # keeps it (a container, an attribute, a checkpoint, a log): not a draw
FOLDS = "folds"  # derives new keys from it without consuming it (`fold_in`, an `nnx.Rngs`)
CONSUMES = "consumes"  # draws from it, or hands it to code that will
SPLITS = "splits"  # consumes it, and collides with a `fold_in` on the same parent
ALIASES = "aliases"  # returns it under another name (`device_put`, `reshape`)
EFFECTS = frozenset({READS, STORES, FOLDS, CONSUMES, SPLITS, ALIASES})
assert EFFECTS == set(KEY_EFFECTS), "prnglint/config.py checks the same effects"

# What a call does with a function among its arguments.
NEVER = "never"  # only traces or inspects it (abstract evaluation), or keeps it
ONCE = "once"  # runs it once, now
EACH = "each"  # runs it once per leaf or iteration: a key it closes over and consumes is reused

# What a call returns.
FRESH = "fresh"  # a key made here, consuming nothing
ALIAS = "alias"  # its first argument


INITIALIZER_MODULES = _jax.INITIALIZER_MODULES
RANDOM_INITIALIZER_FACTORIES = _jax.RANDOM_INITIALIZER_FACTORIES
CONSTANT_INITIALIZER_FACTORIES = _jax.CONSTANT_INITIALIZER_FACTORIES
CONSTANT_INITIALIZERS = _jax.CONSTANT_INITIALIZERS


@dataclass(frozen=True)
class Entry:
    """What one callee does to keys; see the module docstring."""

    pattern: str
    effect: str
    reason: str
    keys: tuple[int | str, ...] = ()  # arguments that are keys (positions and keywords)
    calls: str = ONCE
    functions: tuple[int | str, ...] = ()  # with `calls`, which arguments are the functions
    result: str | None = None


def _entries(names: Iterable[str], effect: str, reason: str, **kwargs: object) -> list[Entry]:
    return [Entry(name, effect, reason, **kwargs) for name in names]  # type: ignore[arg-type]


# Abstract evaluation traces a function with shapes only: nothing is drawn.
_ABSTRACT = "abstract evaluation: traces with shapes and dtypes, draws nothing (SEMANTICS.md)"

BUILTIN: tuple[Entry, ...] = tuple(
    [
        # --- jax --------------------------------------------------------------------
        *_entries(
            ["jax.eval_shape", "jax.make_jaxpr", "equinox.filter_eval_shape", "flax.nnx.eval_shape",
             "jax.jit().lower", "jax.jit().trace", "jax.jit().eval_shape", "equinox.filter_jit().lower",
             "jax.make_jaxpr()", "*.lower", "*.trace"],
            READS, _ABSTRACT, calls=NEVER,
        ),
        *_entries(
            [*sorted(_jax.ALIAS_CALLS), "jax.numpy.broadcast_to", "jax.random.wrap_key_data()"],
            ALIASES, "returns the same key (a transfer, a copy or a new shape of it): consuming the result consumes it",
            result=ALIAS,
        ),
        *_entries(
            ["*.reshape", "*.copy", "*.squeeze", "*.ravel", "*.flatten", "*.block_until_ready", "*.astype"],
            ALIASES, "a method that returns the same key viewed differently", result=ALIAS,
        ),
        *_entries(
            ["jax.debug.print", "jax.debug.callback", "jax.debug.breakpoint", "jax.debug.visualize_array_sharding",
             "jax.numpy.shape", "jax.numpy.ndim", "jax.numpy.size", "jax.numpy.issubdtype", "jax.dtypes.issubdtype",
             "jax.typeof", "jax.core.get_aval", "numpy.shape", "numpy.ndim", "numpy.size", "jax.random.key_data",
             "jax.random.key_impl", "jax.random.key_dtype", "jax.numpy.array_equal", "jax.numpy.array_equiv",
             "jax.numpy.allclose", "numpy.array_equal", "numpy.allclose", "jax.dtypes.prng_key",
             "jax.numpy.equal", "jax.numpy.not_equal", "numpy.equal", "numpy.not_equal",
             "jax.tree.structure", "jax.tree_util.tree_structure", "jax.tree.leaves", "jax.tree_util.tree_leaves",
             "jax.tree.flatten", "jax.tree_util.tree_flatten", "warnings.warn", "typing.cast"],
            READS, "inspects the key (shape, dtype, structure, equality) or prints it", calls=NEVER,
        ),
        Entry("jax.random.clone", READS, "an explicit second use of a key: allowed (SEMANTICS.md)", keys=(0,),
              result=FRESH),
        # The other arguments (a tree, a carry, the items) go to the function, which may consume them.
        *_entries(
            ["jax.tree.map", "jax.tree_util.tree_map", "jax.tree_map"],
            CONSUMES, "calls its function once per leaf: a key it closes over and consumes is reused", calls=EACH,
            functions=(0, "f"),
        ),
        *_entries(
            ["jax.lax.scan", "jax.lax.map", "flax.nnx.scan"], CONSUMES,
            "runs its body once per iteration", calls=EACH, functions=(0, "f"),
        ),
        *_entries(["jax.lax.fori_loop", "flax.nnx.fori_loop"], CONSUMES, "runs its body once per iteration",
                  calls=EACH, functions=(2, "body_fun")),
        *_entries(["jax.lax.while_loop", "flax.nnx.while_loop"], CONSUMES, "runs test and body once per iteration",
                  calls=EACH, functions=(0, 1, "cond_fun", "body_fun")),
        # --- initialisers -------------------------------------------------------------
        # `init = jax.nn.initializers.normal(0.02)` makes a function of (key, shape,
        # dtype); the graph names a call of such a value after its maker with "()".
        *_entries(
            [f"{module}.{name}()" for module in INITIALIZER_MODULES for name in RANDOM_INITIALIZER_FACTORIES],
            CONSUMES, "an initialiser made by this factory draws its values from its first argument, the key",
            keys=(0,),
        ),
        *_entries(
            [f"{module}.{name}()" for module in INITIALIZER_MODULES for name in CONSTANT_INITIALIZER_FACTORIES]
            + [f"{module}.{name}" for module in INITIALIZER_MODULES for name in CONSTANT_INITIALIZERS],
            READS, "a constant initialiser takes a key first but ignores it", keys=(0,), calls=NEVER,
        ),
        # --- flax linen and nnx -------------------------------------------------------
        Entry("*.make_rng", READS, "linen `self.make_rng(name)` returns a fresh key each call", result=FRESH),
        Entry("flax.nnx.Rngs", FOLDS, "an `nnx.Rngs` stream folds a counter into its key and never consumes it",
              result="rngs"),
        Entry("flax.nnx.RngStream", FOLDS, "folds a counter into its key"),
        Entry("flax.nnx.split_rngs", READS, "splits the streams of an `Rngs`, not a key it is given", calls=NEVER),
        Entry("flax.nnx.reseed", READS, "gives an `Rngs` new keys"),
        *_entries(["flax.serialization.to_bytes", "flax.serialization.to_state_dict",
                   "flax.serialization.msgpack_serialize", "flax.training.checkpoints.save_checkpoint",
                   "flax.nnx.state", "flax.nnx.split", "flax.nnx.display"],
                  STORES, "serialises or inspects the tree that holds the key", calls=NEVER),
        # --- equinox ------------------------------------------------------------------
        *_entries(["equinox.tree_serialise_leaves", "equinox.tree_pformat", "equinox.tree_pprint",
                   "equinox.tree_equal", "equinox.is_array", "equinox.is_array_like", "equinox.partition",
                   "equinox.filter"],
                  STORES, "serialises, prints or partitions the tree that holds the key", calls=NEVER),
        # --- haiku --------------------------------------------------------------------
        Entry("haiku.next_rng_key", READS, "returns a fresh key from the transformed function's sequence",
              result=FRESH),
        Entry("haiku.maybe_next_rng_key", READS, "returns a fresh key (or None)", result=FRESH),
        Entry("haiku.PRNGSequence", SPLITS, "the sequence splits the key it wraps on its first `next`", keys=(0,),
              result="rngs"),
        # --- numpyro ------------------------------------------------------------------
        Entry("numpyro.util.is_prng_key", READS, "checks the type of its argument", keys=(0,)),
        Entry("numpyro.handlers.seed", CONSUMES, "the seeded function splits the key at every sample site",
              keys=(1, "rng_seed"), calls=NEVER),
        # --- chex, testing, logging and checkpoint sinks ------------------------------
        Entry("chex.assert_*", READS, "an assertion inspects its arguments", calls=NEVER),
        Entry("chex.PRNGKey", READS, "a type, not a key"),
        Entry("numpy.testing.*", READS, "an assertion inspects its arguments", calls=NEVER),
        Entry("jax.numpy.testing.*", READS, "an assertion inspects its arguments", calls=NEVER),
        Entry("*.assert*", READS, "an assertion method (`self.assertEqual`) inspects its arguments", calls=NEVER),
        Entry("logging.*", STORES, "logs the key", calls=NEVER),
        Entry("absl.logging.*", STORES, "logs the key", calls=NEVER),
        Entry("wandb.log", STORES, "logs the key", calls=NEVER),
        Entry("orbax.checkpoint.*", STORES, "a checkpoint stores the key; restoring it gives the same key back",
              calls=NEVER),
        *_entries(["pickle.dump", "pickle.dumps", "json.dump", "json.dumps", "numpy.save", "numpy.savez",
                   "numpy.savez_compressed", "jax.numpy.save"],
                  STORES, "serialises the key", calls=NEVER),
        # --- builtins and the standard library (matched only when the file does not bind the name) ---
        *_entries(["builtins." + name for name in (
            "print", "isinstance", "issubclass", "len", "type", "id", "repr", "str", "format", "hasattr",
            "getattr", "callable", "vars", "dir", "hash", "bool", "sorted", "setattr")],
            READS, "a builtin that inspects its arguments", calls=NEVER),
        *_entries(["builtins." + name for name in (
            "dict", "list", "tuple", "set", "frozenset", "iter", "next", "enumerate", "zip", "reversed", "range")],
            STORES, "a builtin that keeps or iterates its arguments; drawing from an element is the use",
            calls=NEVER),
        Entry("builtins.map", CONSUMES, "calls its function once per item", calls=EACH, functions=(0, "func")),
        *_entries(["*.append", "*.extend", "*.insert", "*.add", "*.update", "*.setdefault", "*.put", "*.push"],
                  STORES, "puts the key into a container; drawing from the stored copy is the use", calls=NEVER),
        *_entries(["*.put_variable", "*.sow"],
                  STORES, "linen keeps the value in a variable collection; drawing from the stored copy is the use",
                  calls=NEVER),
        Entry("functools.partial", STORES, "builds a function without calling it; each call of the result uses "
              "the keys it binds", calls=NEVER),
    ]
)

# `jax.jit(f)(*args)` runs `f(*args)` (once; `vmap` and `pmap` split the
# leading axis, so each key of a key array is used once): the call is a call of `f`.
CALLS_ITS_FUNCTION = frozenset(
    {
        "jax.jit", "jax.vmap", "jax.pmap", "jax.checkpoint", "jax.remat", "jax.named_call",
        "equinox.filter_jit", "equinox.filter_vmap", "equinox.filter_pmap", "equinox.filter_checkpoint",
        "flax.nnx.jit", "flax.nnx.vmap", "flax.nnx.pmap", "flax.nnx.remat", "jax.experimental.shard_map.shard_map",
        "jax.shard_map",
    }
)

def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` can never match a call (None when it can); the configuration checks the same."""
    return key_pattern_problem(pattern)


class Library:
    """The table, with the user's entries first, indexed for lookups by qualified name or method."""

    def __init__(self, user: Mapping[str, str] | None = None) -> None:
        self.exact: dict[str, Entry] = {}
        self.suffix: dict[str, list[Entry]] = {}  # last part -> `Class.method` style entries
        self.methods: dict[str, Entry] = {}  # `*.method`
        self.prefixes: list[Entry] = []  # `chex.assert_*`
        self.method_prefixes: list[Entry] = []  # `*.assert*`
        for pattern, effect in (user or {}).items():
            self._add(Entry(pattern, effect, "configured in [tool.prnglint]", calls=NEVER))
        for entry in BUILTIN:
            self._add(entry)

    def _add(self, entry: Entry) -> None:
        pattern = entry.pattern
        if pattern.startswith("*."):
            name = pattern[2:]
            if name.endswith("*"):
                self.method_prefixes.append(entry)
            else:
                self.methods.setdefault(name, entry)
        elif pattern.endswith("*"):
            self.prefixes.append(entry)
        else:
            self.exact.setdefault(pattern, entry)
            self.suffix.setdefault(pattern.rpartition(".")[2], []).append(entry)

    def function(self, qualname: str) -> Entry | None:
        """The entry for a call of the resolved name `qualname`."""
        entry = self.exact.get(qualname)
        if entry is not None:
            return entry
        for candidate in self.suffix.get(qualname.rpartition(".")[2], ()):
            # `CheckpointManager.save` matches `orbax.checkpoint.CheckpointManager.save`.
            if qualname.endswith("." + candidate.pattern):
                return candidate
        for candidate in self.prefixes:
            if qualname.startswith(candidate.pattern[:-1]):
                return candidate
        return None

    def method(self, name: str, owner: str | None = None) -> Entry | None:
        """The entry for `receiver.name(...)`, the receiver's class being `owner` when known."""
        if owner is not None:
            entry = self.function(f"{owner}.{name}")
            if entry is not None:
                return entry
        entry = self.methods.get(name)
        if entry is not None:
            return entry
        for candidate in self.method_prefixes:
            if name.startswith(candidate.pattern[2:-1]):
                return candidate
        return None


def user_entries(options: Mapping[str, object]) -> dict[str, str]:
    """The configured entries: `key-functions`, and `non-consuming-functions` as `reads` entries."""
    entries: dict[str, str] = {}
    table = options.get("key-functions") or {}
    if isinstance(table, Mapping):
        entries.update({str(k): str(v) for k, v in table.items()})
    for name in options.get("non-consuming-functions") or ():  # type: ignore[attr-defined]
        entries.setdefault(str(name), READS)
    return entries
