"""The state fingerprint: equal exactly for bit-identical states."""

from __future__ import annotations

from typing import Any

import pytest

jax = pytest.importorskip("jax")

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from prnglint.verifier.fingerprint import fingerprint, short, state_layout  # noqa: E402


def state(seed: int = 0) -> dict[str, Any]:
    key = jax.random.key(seed)
    w_key, data_key = jax.random.split(key)
    return {"w": jax.random.normal(w_key, (3, 4)), "data_key": data_key, "step": jnp.asarray(7, jnp.int32)}


def test_equal_states_have_equal_fingerprints_and_order_does_not_matter() -> None:
    first = state()
    reordered = {"step": first["step"], "data_key": first["data_key"], "w": first["w"]}
    assert fingerprint(first) == fingerprint(state()) == fingerprint(reordered)
    assert len(fingerprint(first)) == 64 and short(fingerprint(first)) == fingerprint(first)[:12]


def test_one_bit_anywhere_changes_it() -> None:
    base = state()
    bits = np.asarray(base["w"]).view(np.uint32).copy()
    bits[2, 3] ^= 1
    flipped_weight = {**base, "w": jnp.asarray(bits.view(np.float32))}
    data = np.asarray(jax.random.key_data(base["data_key"])).copy()
    data[0] ^= 1 << 31
    flipped_key = {**base, "data_key": jax.random.wrap_key_data(data)}
    prints = {fingerprint(base), fingerprint(flipped_weight), fingerprint(flipped_key), fingerprint({**base, "step": base["step"] + 1})}
    assert len(prints) == 4


def test_path_dtype_shape_and_key_impl_are_part_of_it() -> None:
    base = state()
    renamed = {"weights" if name == "w" else name: value for name, value in base.items()}
    as_int64_shape = {**base, "step": jnp.asarray([7], jnp.int32)}
    as_uint = {**base, "step": jnp.asarray(7, jnp.uint32)}
    data = jax.random.key_data(base["data_key"])
    other_impl = {**base, "data_key": jax.random.wrap_key_data(jnp.concatenate([data, data]), impl="rbg")}
    prints = [fingerprint(x) for x in (base, renamed, as_int64_shape, as_uint, other_impl)]
    assert len(set(prints)) == len(prints)


def test_typed_key_and_its_legacy_data_differ() -> None:
    base = state()
    legacy = {**base, "data_key": jax.random.key_data(base["data_key"])}
    assert fingerprint(base) != fingerprint(legacy)
    layout = dict((path, dtype) for path, dtype, _ in state_layout(base))
    assert layout["['data_key']"].startswith("key<")
