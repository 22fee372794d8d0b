# case: helpers of the module that draw through another helper, through a split of their key, or as a method: the same safe split fix as for jax.random, in a row and in a loop
# covers: fix, same-module summaries, for loops
# fix: safe, safe, safe
import jax


def init_layer(key, n):
    return jax.random.normal(key, (n,))


def init_block(key, n):
    a, b = jax.random.split(key)
    return init_layer(a, n), init_layer(b, n)


class Net:
    def init(self, key):
        return jax.random.normal(key, (3,))

    def build(self, key):
        w1 = self.init(key)
        w2 = self.init(key)  # expect: PRN003
        return w1, w2


def blocks(key):
    first = init_block(key, 3)
    second = init_block(key, 3)  # expect: PRN003
    return first, second


def stack(key, depth):
    out = []
    for _ in range(depth):
        out.append(init_block(key, 3))  # expect: PRN003
    return out
