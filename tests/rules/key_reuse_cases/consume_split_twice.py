# case: one parent split twice gives the same children (a PPO trainer splitting for its environments twice)
# covers: split twice, real-world bug
# jax: raises
import jax


def case(key):
    env_keys = jax.random.split(key, 4)
    act_keys = jax.random.split(key, 4)  # expect: PRN003
    return jax.random.normal(env_keys[0]), jax.random.normal(act_keys[1])
