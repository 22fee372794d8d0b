# case: the re-made key is folded with the step: every step differs
# covers: loops, fold_in
# jax: differ draws[0] draws[1]
import jax

state = 0.0
draws = []
for step in range(3):
    key = jax.random.fold_in(jax.random.key(0), step)
    noise = jax.random.normal(key)
    draws.append(noise)
    state = state + noise
