"""A SHA-256 fingerprint of a training state, equal only for bit-identical states.

Every leaf contributes its tree path, its dtype, its shape and its raw bytes, in
the order of ``jax.tree_util.tree_flatten_with_path`` (dictionaries sorted by
key, so the order does not depend on insertion). Typed PRNG keys have no raw
bytes of their own; they contribute the name of their implementation and the
bytes of ``jax.random.key_data``. In a job of several processes each process
hashes the shards it holds, tagged with their index into the global array, so
a replicated state gives the same fingerprint on every process.
"""

from __future__ import annotations

import hashlib
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

SHORT_LENGTH = 12


def is_typed_key(leaf: Any) -> bool:
    """Whether ``leaf`` is an array of typed PRNG keys (``jax.random.key``)."""
    return isinstance(leaf, jax.Array | jax.ShapeDtypeStruct) and jnp.issubdtype(leaf.dtype, jax.dtypes.prng_key)


def key_impl_name(leaf: jax.Array) -> str:
    """The PRNG implementation of a typed key array, e.g. ``threefry2x32``."""
    impl = jax.random.key_impl(leaf)
    # `key_impl` returns a spec whose str() is the implementation's name.
    return str(impl)


def _leaf_shards(leaf: Any) -> list[tuple[str, np.ndarray]]:
    """Host copies of the parts of ``leaf`` this process holds, each with its index."""
    if isinstance(leaf, jax.Array) and not leaf.is_fully_addressable:
        return [(str(shard.index), np.asarray(shard.data)) for shard in leaf.addressable_shards]
    return [("", np.asarray(leaf))]


def describe_leaf(leaf: Any) -> tuple[str, tuple[int, ...]]:
    """The dtype name and shape recorded for a leaf (works on abstract leaves too)."""
    dtype = str(leaf.dtype) if hasattr(leaf, "dtype") else type(leaf).__name__
    shape = tuple(int(d) for d in getattr(leaf, "shape", ()))
    return dtype, shape


def state_layout(state: Any) -> list[tuple[str, str, tuple[int, ...]]]:
    """Tree path, dtype and shape of every leaf, in fingerprint order."""
    leaves, _ = jax.tree_util.tree_flatten_with_path(state)
    return [(jax.tree_util.keystr(path), *describe_leaf(leaf)) for path, leaf in leaves]


def fingerprint(state: Any) -> str:
    """The full hex SHA-256 fingerprint of ``state`` (see the module docstring)."""
    digest = hashlib.sha256()
    leaves, _ = jax.tree_util.tree_flatten_with_path(state)
    for path, leaf in leaves:
        dtype, shape = describe_leaf(leaf)
        if is_typed_key(leaf):
            dtype = f"{dtype}[{key_impl_name(leaf)}]"
            leaf = jax.random.key_data(leaf)
        elif not isinstance(leaf, jax.Array | np.ndarray | np.generic):
            # Python scalars and the like: hash their repr so that a change of
            # value still changes the fingerprint.
            leaf = np.asarray(leaf)
        # Separators that cannot occur inside the fields keep the encoding
        # unambiguous.
        digest.update(f"{jax.tree_util.keystr(path)}\x1f{dtype}\x1f{shape}\x1e".encode())
        for index, data in _leaf_shards(leaf):
            digest.update(f"{index}\x1d".encode())
            digest.update(np.ascontiguousarray(data).tobytes())
    return digest.hexdigest()


def short(full: str | None) -> str:
    """The first 12 hex digits of a fingerprint, as shown in tables."""
    return full[:SHORT_LENGTH] if full else "-"


def leaf_digests(state: Any) -> list[str]:
    """A short SHA-256 of every leaf's dtype, shape and bytes, in ``state_layout`` order.

    Cheap enough to take after every step (well under a millisecond for the
    reference trainings), so that two runs can be compared step by step: the
    first step at which a digest differs is where the runs part, and the
    leaves that differ there say what parted them. Single-process states only.
    """
    digests: list[str] = []
    for _, leaf in jax.tree_util.tree_flatten_with_path(state)[0]:
        dtype, shape = describe_leaf(leaf)
        if is_typed_key(leaf):
            leaf = jax.random.key_data(leaf)
        digest = hashlib.sha256(f"{dtype}\x1f{shape}\x1e".encode())
        digest.update(np.ascontiguousarray(np.asarray(leaf)).tobytes())
        digests.append(digest.hexdigest()[:16])
    return digests
