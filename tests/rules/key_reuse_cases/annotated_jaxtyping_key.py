# case: jaxtyping's Key[...] and PRNGKeyArray annotations make a parameter a key
# covers: key evidence, annotations
from jaxtyping import Array, Key, PRNGKeyArray


def twice(key: Key[Array, ""], f):
    return f(key), f(key)  # expect: PRN003


def twice_legacy(key: "PRNGKeyArray | None", f):
    return f(key), f(key)  # expect: PRN003
