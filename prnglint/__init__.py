"""prnglint: find and fix JAX PRNG anti-patterns."""

__version__ = "0.1.0"
