# case: a test feeds two implementations the same numbers on purpose (test files are skipped by default)
# covers: deliberate reuse in tests
import jax


def test_fast_matches_reference():
    expected = reference(jax.random.key(0))
    actual = fast(jax.random.key(0))
    assert (expected == actual).all()
