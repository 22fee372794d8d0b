# case: one attribute of a state holds a key; its sibling attribute is passed to three calls
# covers: attribute paths, keys by origin and use, never by name
import equinox as eqx
import jax


def train_step(static, state, update):
    model = eqx.combine(state.params, static)
    dropout_key, step_key = jax.random.split(state.rng)
    grads = update(state.params, model(step_key))
    return eqx.apply_updates(state.params, grads), dropout_key
