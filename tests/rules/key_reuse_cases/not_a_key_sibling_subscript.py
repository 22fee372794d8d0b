# case: one entry of a state dict holds a key; its sibling entry is passed to three calls
# covers: attribute paths, keys by origin and use, never by name
import equinox as eqx
import jax
import optax


def train_step(static, optimiser: optax.GradientTransformation, state):
    model = eqx.combine(state["params"], static)
    dropout_key, step_key = jax.random.split(state["dropout_key"])
    updates, opt_state = optimiser.update(state["grads"], state["opt_state"], state["params"])
    return {"params": eqx.apply_updates(state["params"], updates), "dropout_key": dropout_key}, model(step_key)
