# case: keys stored in argument tuples for initialisers that may ignore them (seen in flax's fp8 ops)
# covers: real-world trap, stores are not draws
import jax


def setup(make_variable, ones, zeros):
    scale_args = (ones, jax.random.PRNGKey(0), (1,))
    history_args = (zeros, jax.random.PRNGKey(0), (16,))
    return make_variable(*scale_args), make_variable(*history_args)
