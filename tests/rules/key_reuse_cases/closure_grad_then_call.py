# case: a loss closure that draws its dropout mask, used for gradients and then called again
# covers: closures
import jax


def step(params, batch, key):
    def loss_fn(p):
        mask = jax.random.bernoulli(key, 0.9, batch.shape)
        return ((p * batch * mask) ** 2).sum()

    grads = jax.grad(loss_fn)(params)
    loss = loss_fn(params)  # expect: PRN003
    return grads, loss
