# case: a training loop re-makes its key every step: every step draws the same noise
# covers: loops, real-world bug
# jax: same draws[0] draws[1]
import jax

state = 0.0
draws = []
for step in range(3):
    key = jax.random.PRNGKey(0)  # expect: PRN008
    noise = jax.random.normal(key)
    draws.append(noise)
    state = state + noise
