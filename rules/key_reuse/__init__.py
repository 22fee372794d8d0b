"""PRN003 key-reuse: the analysis as one package.

- `ir`: the graph of key operations a function is lowered to;
- `graph`: the builder that lowers a libcst function to that graph;
- `library`: what functions of the JAX ecosystem do to keys, as data;
- `calls`: what a call does to the keys it receives;
- `summaries`: what a function does to each parameter, for its callers;
- `flow`: the dataflow that finds a key consumed twice on one path;
- `module`: one file's frames (module, classes, functions) analysed together;
- `fix`: the split fix;
- `rule`: the `KeyReuse` rule the engine runs.
"""

from prnglint.rules.key_reuse.rule import KeyReuse

__all__ = ["KeyReuse"]
