# case: a caller in the module passes a key by keyword; the function only stores it
# covers: evidence by caller
import jax


def build(config, key):
    key = jax.random.PRNGKey(42)  # expect: PRN011
    return {"config": config, "key": key}


def main():
    root = jax.random.PRNGKey(1)
    root, sub = jax.random.split(root)
    return build({}, key=sub)
