"""How a worker process compiles: JAX's persistent compilation cache, and counts.

By default the two single-process workers of one ``prnglint verify`` run
share a JAX persistent compilation cache in the run's own folder
(``<workdir>/compile-cache``), created empty for the run and removed with it.
The first process that compiles a program writes the executable there; a later
fresh process that lowers the *same* program loads that executable instead of
running XLA again. (The processes of a ``--processes N`` job do not use it:
they compile the same programs at the same moment, and each compiles its own.)

What this shares, and what it does not:

* the cache key is a hash of the whole lowered program (StableHLO, constants
  included), the jaxlib version, the XLA flags, the compile options and the
  devices. A process whose Python code, trace, seed handling or closed-over
  constants differ in any way lowers another program and compiles it itself;
* every other part of a fresh process is still fresh: a new interpreter, new
  imports, the training built again and its state created from the seed (or
  restored from the checkpoint);
* what the rerun and resume proofs then no longer cover is XLA compiling one
  program twice to the same machine code. ``--no-compile-cache`` turns the
  cache off, and every process compiles everything itself.

Entries are written whatever their compile time or size (the defaults of JAX
skip programs compiled in under a second). When the ``filelock`` package is
importable, JAX's cache takes a file lock around every read and write, so a
process never reads an entry another is still writing; without it a torn read
is a decompression error that JAX reports as a warning before compiling the
program itself.

``CompileCounter`` listens to JAX's monitoring events and counts, per worker,
the programs XLA compiled, those loaded from the cache and the seconds spent,
so that the report can say which processes compiled what.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any

# A bound that enables JAX's locking LRU cache and is never reached: one run
# writes a few megabytes.
CACHE_MAX_BYTES = 1 << 30

# JAX's monitoring events (jax/_src/dispatch.py, compiler.py, compilation_cache.py).
BACKEND_COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"
TRACE_EVENT = "/jax/core/compile/jaxpr_trace_duration"
LOWER_EVENT = "/jax/core/compile/jaxpr_to_mlir_module_duration"
CACHE_HIT_EVENT = "/jax/compilation_cache/cache_hits"
CACHE_WRITE_EVENT = "/jax/compilation_cache/cache_misses"


def configure(cache_dir: str | Path | None) -> dict[str, Any]:
    """Turn JAX's persistent compilation cache on in ``cache_dir``, or off for ``None``.

    Must run before the process compiles anything. Returns a description of
    the setting for the worker's report.
    """
    import jax

    if cache_dir is None:
        jax.config.update("jax_enable_compilation_cache", False)
        return {"enabled": False, "directory": None, "locked": False}
    locked = importlib.util.find_spec("filelock") is not None
    jax.config.update("jax_enable_compilation_cache", True)
    jax.config.update("jax_compilation_cache_dir", str(cache_dir))
    # Every program is worth sharing: the small ones too (JAX's defaults skip
    # programs compiled in under a second or below a filesystem-dependent size).
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    jax.config.update("jax_compilation_cache_max_size", CACHE_MAX_BYTES if locked else -1)
    return {"enabled": True, "directory": str(cache_dir), "locked": locked}


class CompileCounter:
    """Counts of compilations and cache loads in this process, from JAX's monitoring events.

    ``backend`` counts every executable the process obtained, compiled by XLA
    or loaded from the persistent cache (JAX times both as one step); ``hits``
    counts the loads; ``written`` the entries this process wrote.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.backend = 0
        self.backend_seconds = 0.0
        self.hits = 0
        self.written = 0
        self.trace_seconds = 0.0
        self.lower_seconds = 0.0

    def install(self) -> CompileCounter:
        """Register the listeners with ``jax.monitoring`` (once per process)."""
        import jax.monitoring

        jax.monitoring.register_event_listener(self._on_event)
        jax.monitoring.register_event_duration_secs_listener(self._on_duration)
        return self

    def _on_event(self, event: str, **_: Any) -> None:
        with self._lock:
            if event == CACHE_HIT_EVENT:
                self.hits += 1
            elif event == CACHE_WRITE_EVENT:
                self.written += 1

    def _on_duration(self, event: str, duration: float, **_: Any) -> None:
        with self._lock:
            if event == BACKEND_COMPILE_EVENT:
                self.backend += 1
                self.backend_seconds += duration
            elif event == TRACE_EVENT:
                self.trace_seconds += duration
            elif event == LOWER_EVENT:
                self.lower_seconds += duration

    def snapshot(self) -> dict[str, float]:
        """The counts so far: ``compiled`` by XLA, ``loaded`` from the cache, seconds."""
        with self._lock:
            return {
                "compiled": self.backend - self.hits,
                "loaded": self.hits,
                "written": self.written,
                "backend_seconds": round(self.backend_seconds, 3),
                "trace_seconds": round(self.trace_seconds, 3),
                "lower_seconds": round(self.lower_seconds, 3),
            }


def difference(after: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    """What happened between two snapshots."""
    return {name: round(after[name] - before.get(name, 0), 3) for name in after}
