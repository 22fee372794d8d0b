# case: lowering and compiling a jitted function, and make_jaxpr, draw nothing
# covers: library table, abstract evaluation
import jax


def sample(k):
    return jax.random.normal(k, (3,))


def main(key):
    jitted = jax.jit(sample)
    compiled = jitted.lower(key).compile()
    jax.jit(sample).lower(key)
    jax.make_jaxpr(sample)(key)
    return compiled(key)
