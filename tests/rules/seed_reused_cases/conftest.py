"""The files here are lint inputs, not tests: never collect them."""

collect_ignore_glob = ["*.py"]
