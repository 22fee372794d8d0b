"""The environment record: what a bit-for-bit claim depends on.

XLA:CPU results are reproducible for a given jax/jaxlib build, backend, device
and core count, PRNG implementation and a few flags; the record names all of
them so that a report can be compared with another machine's. ``host_record``
and ``package_versions`` import nothing heavy and run in the command-line
process; ``jax_record`` runs in the worker processes, which import JAX anyway.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import sys
from typing import Any

PACKAGES = ("jax", "jaxlib", "flax", "equinox", "optax", "orbax-checkpoint", "numpy")

# Environment variables that change how JAX or XLA compute.
RELEVANT_VARIABLES = (
    "XLA_FLAGS",
    "JAX_ENABLE_X64",
    "JAX_DEFAULT_PRNG_IMPL",
    "JAX_THREEFRY_PARTITIONABLE",
    "JAX_PLATFORMS",
    "JAX_COMPILATION_CACHE_DIR",
)


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages the verifier's results depend on."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def cpu_affinity() -> list[int] | None:
    """The CPUs this process may run on, or None where the OS cannot say."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return None


def host_record() -> dict[str, Any]:
    """Python, OS, CPU count and affinity, and the environment variables that matter."""
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": cpu_affinity(),
        "variables": {name: os.environ.get(name) for name in RELEVANT_VARIABLES},
    }


def jax_record() -> dict[str, Any]:
    """Backend, devices and the PRNG settings of the running JAX (imports JAX)."""
    import jax

    devices = jax.devices()
    return {
        "backend": jax.default_backend(),
        "device_kind": devices[0].device_kind if devices else None,
        "device_count": jax.device_count(),
        "local_device_count": jax.local_device_count(),
        "process_count": jax.process_count(),
        "default_prng_impl": str(jax.config.jax_default_prng_impl),
        "threefry_partitionable": bool(jax.config.jax_threefry_partitionable),
        "x64": bool(jax.config.jax_enable_x64),
        "persistent_compilation_cache": bool(jax.config.jax_enable_compilation_cache)
        and jax.config.jax_compilation_cache_dir is not None,
    }


def full_record() -> dict[str, Any]:
    """Everything above in one dictionary (imports JAX)."""
    return {"packages": package_versions(), "host": host_record(), "jax": jax_record()}


# The parts of a worker's record that must agree between all processes whose
# results are compared.
COMPARED_KEYS = (
    ("packages",),
    ("host", "cpu_count"),
    ("host", "cpu_affinity"),
    ("host", "variables"),
    ("jax", "backend"),
    ("jax", "device_kind"),
    ("jax", "local_device_count"),
    ("jax", "default_prng_impl"),
    ("jax", "threefry_partitionable"),
    ("jax", "x64"),
)


def _get(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = record
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def differences(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    """The compared entries on which two records disagree, as readable lines."""
    return [
        f"{'.'.join(path)}: {_get(first, path)!r} != {_get(second, path)!r}"
        for path in COMPARED_KEYS
        if _get(first, path) != _get(second, path)
    ]
