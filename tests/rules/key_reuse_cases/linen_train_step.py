# case: the usual Flax train step splits a fresh dropout key
# covers: closures, real-world trap
import jax


def train_step(state, batch, rng):
    rng, dropout_rng = jax.random.split(rng)

    def loss_fn(params):
        logits = state.apply_fn(params, batch["x"], rngs={"dropout": dropout_rng})
        return ((logits - batch["y"]) ** 2).mean()

    grads = jax.grad(loss_fn)(state.params)
    return state.apply_gradients(grads=grads), rng
