# case: a loop whose body shares the line of its `for`: there is no line to insert the split before, so no fix
# covers: fix, for loops
# fix: none
import jax


def noise(key, xs):
    for x in xs: print(jax.random.normal(key))  # expect: PRN003
