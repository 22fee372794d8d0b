# case: an array of keys (one per image) handed to a vmapped helper on every iteration: `split` takes a single key, so no fix is offered
# covers: fix, for loops, same-module summaries
# fix: none
import jax


@jax.vmap
def random_crop(key, image):
    return image + jax.random.uniform(key)


def augment(key, views, n):
    crop_keys = jax.random.split(key, n)
    out = {}
    for name, images in views.items():
        out[name] = random_crop(crop_keys, images)  # expect: PRN003
    return out
