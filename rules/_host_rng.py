"""What the rules know about host random number generators: NumPy's and Python's.

Facts from numpy 2 and CPython 3 (`numpy.random`, `random`, `secrets`): which
module functions draw from the hidden global state, which classes make a
generator object and which of their methods draw. Shared by PRN006 (host RNG
in traced code) and PRN009 (non-deterministic seeds).
"""

from __future__ import annotations

from typing import Literal

import libcst as cst

from prnglint.engine import FileContext

# Functions of `numpy.random` that draw from the global `RandomState`.
NUMPY_GLOBAL_DRAWS = frozenset(
    """beta binomial bytes chisquare choice dirichlet exponential f gamma geometric gumbel
    hypergeometric laplace logistic lognormal logseries multinomial multivariate_normal
    negative_binomial noncentral_chisquare noncentral_f normal pareto permutation poisson power
    rand randint randn random random_integers random_sample ranf rayleigh sample shuffle
    standard_cauchy standard_exponential standard_gamma standard_normal standard_t triangular
    uniform vonmises wald weibull zipf""".split()
)
# Functions of Python's `random` module that draw from its global `Random`.
PYTHON_GLOBAL_DRAWS = frozenset(
    """betavariate binomialvariate choice choices expovariate gammavariate gauss getrandbits
    lognormvariate normalvariate paretovariate randbytes randint random randrange sample shuffle
    triangular uniform vonmisesvariate weibullvariate""".split()
)
# Methods that draw from a `numpy.random.Generator`, a `RandomState` or a `random.Random`.
GENERATOR_DRAW_METHODS = (
    NUMPY_GLOBAL_DRAWS
    | PYTHON_GLOBAL_DRAWS
    | frozenset(
        """integers permuted multivariate_hypergeometric standard_normal tomaxint""".split()
    )
)

# Calls that seed a module's global generator.
GLOBAL_SEEDERS = {"numpy": "numpy.random.seed", "python": "random.seed"}

# Classes and factories whose result is a generator object, and the
# position/keyword of the argument that seeds it.
_NUMPY_GENERATOR_FACTORIES = {
    "numpy.random.default_rng": (0, "seed"),
    "numpy.random.RandomState": (0, "seed"),
    "numpy.random.mtrand.RandomState": (0, "seed"),
    "random.Random": (0, "x"),
}
# A `numpy.random.Generator` is seeded through its bit generator.
_NUMPY_BIT_GENERATORS = frozenset(
    "numpy.random." + name for name in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
)
_GENERATOR_CLASS = "numpy.random.Generator"
# Generators that always read the operating system's entropy.
ENTROPY_GENERATORS = frozenset({"random.SystemRandom", "secrets.SystemRandom"})

# Annotations that say a parameter holds a generator object.
GENERATOR_ANNOTATIONS = frozenset(
    {"numpy.random.Generator", "numpy.random.RandomState", "random.Random", "random.SystemRandom"}
)

Seeding = Literal["seeded", "unseeded", "entropy"]


def global_draw(qualname: str | None) -> Literal["numpy", "python"] | None:
    """Which global generator a call of `qualname` draws from, if any."""
    if qualname is None:
        return None
    module, _, name = qualname.rpartition(".")
    if module == "numpy.random" and name in NUMPY_GLOBAL_DRAWS:
        return "numpy"
    if module == "random" and name in PYTHON_GLOBAL_DRAWS:
        return "python"
    return None


def seed_argument(call: cst.Call, position: int, keyword: str) -> cst.BaseExpression | None:
    """The argument of `call` at `position` or passed as `keyword`, if any."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if len(positional) > position:
        return positional[position].value
    return None


def _is_none(node: cst.BaseExpression | None) -> bool:
    return node is None or (isinstance(node, cst.Name) and node.value == "None")


def generator_construction(call: cst.Call, context: FileContext) -> tuple[Seeding, cst.BaseExpression | None] | None:
    """Whether `call` makes a generator object, and how it is seeded.

    Returns None for any other call, else ("seeded", the seed expression),
    ("unseeded", None) for a generator seeded from fresh OS entropy because no
    seed was given, or ("entropy", None) for a `SystemRandom`.
    """
    qualname = context.qualname(call.func)
    if qualname is None:
        return None
    if qualname in ENTROPY_GENERATORS:
        return ("entropy", None)
    factory = _NUMPY_GENERATOR_FACTORIES.get(qualname)
    if factory is not None:
        seed = seed_argument(call, *factory)
        return ("unseeded", None) if _is_none(seed) else ("seeded", seed)
    if qualname == _GENERATOR_CLASS:
        bit_generator = seed_argument(call, 0, "bit_generator")
        if isinstance(bit_generator, cst.Call) and context.qualname(bit_generator.func) in _NUMPY_BIT_GENERATORS:
            seed = seed_argument(bit_generator, 0, "seed")
            return ("unseeded", None) if _is_none(seed) else ("seeded", seed)
        # A bit generator made elsewhere: assume it was seeded.
        return ("seeded", bit_generator)
    return None
