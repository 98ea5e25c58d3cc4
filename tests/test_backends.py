"""The two certified backends (python-flint arb balls, mpmath.iv intervals) compute every quantity
independently; certified digits are unique, so both must print exactly the same digits."""
import mpmath
import pytest

import gmmexact
from gmmexact.numerics.certify import Undecided

# a 1-D problem with three components and awkward rationals
ONE_D = dict(
    points=[["1/3"], ["-2/7"], ["5/4"], [3], ["-1/2"], ["7/3"]],
    means=[["-2/7"], ["1/3"], ["9/4"]],
    covariances=[[["1/2"]], [["3/7"]], [["5/3"]]],
    weights=["1/3", "1/4", "5/12"],
    labels=["p", "q", "r", "s", "t", "u"],
    names=["left", "middle", "right"],
)

# a 3-D problem with two components and non-diagonal covariances
THREE_D = dict(
    points=[[0, 0, 0], [1, 2, "1/2"], [2, -1, 1], ["-3/2", 1, 2], [1, 1, -1], [3, "5/2", 0]],
    means=[[0, "1/2", 0], [2, 1, "1/3"]],
    covariances=[[[2, 1, 0], [1, 3, 1], [0, 1, 4]],
                 [[1, "1/2", 0], ["1/2", 2, "-1/3"], [0, "-1/3", 1]]],
    weights=["2/5", "3/5"],
    variables=["u", "v", "w"],
)

# a 2-D problem in general position, two iterations
TWO_ITERATIONS = dict(
    points=[[0, 0], [1, 2], [3, 1], [4, 4], ["5/2", "1/2"], [-1, 3]],
    means=[[1, 1], [3, 3]],
    covariances=[[[2, 1], [1, 2]], [[3, -1], [-1, 2]]],
    weights=["1/2", "1/2"],
)

# equidistant points: rational responsibilities, so every iteration is rational (exact digits on both sides)
EQUIDISTANT = dict(points=[[0], [-4]], means=[[-1], [2]], covariances=[[[1]], [[4]]], weights=["1/2", "1/2"])

PROBLEMS = {
    "equidistant": (EQUIDISTANT, 3),
    "one-d": (ONE_D, 1),
    "three-d": (THREE_D, 1),
    "two-iterations": (TWO_ITERATIONS, 2),
}


def _solve(spec, iterations, backend):
    return gmmexact.solve(gmmexact.Problem.from_arrays(**spec), iterations=iterations, backend=backend)


def _digits(run, digits):
    got = run.round(run.keys(), digits)
    assert not any(isinstance(v, Undecided) for v in got.values()), [str(k) for k, v in got.items()
                                                                      if isinstance(v, Undecided)]
    return {str(k): str(v) for k, v in got.items()}


def _compare(arb_run, mp_run, digits):
    a, m = _digits(arb_run, digits), _digits(mp_run, digits)
    assert list(a) == list(m)  # the same entries in the same order
    differing = {k: (a[k], m[k]) for k in a if a[k] != m[k]}
    assert not differing


@pytest.mark.parametrize("digits", [6, 20])
def test_seed_backends_agree(seed_problem, digits):
    arb_run = gmmexact.solve(seed_problem, backend="arb")
    mp_run = gmmexact.solve(seed_problem, backend="mpmath")
    assert mp_run.backend.name == "mpmath" and arb_run.backend.name == "arb"
    _compare(arb_run, mp_run, digits)
    if digits == 20:
        # exp(-125/2)/(20π), independently: mpmath at 40 digits gives 1.143970993637216132613…e-29
        assert _digits(mp_run, 20)["density.A.men"] == "1.1439709936372161326e-29"


@pytest.mark.parametrize("digits", [6, 20])
@pytest.mark.parametrize("name", [
    "one-d",
    "equidistant",
    pytest.param("three-d", marks=pytest.mark.slow),
    pytest.param("two-iterations", marks=pytest.mark.slow),
])
def test_made_up_problems_backends_agree(name, digits):
    spec, iterations = PROBLEMS[name]
    arb_run = _solve(spec, iterations, "arb")
    mp_run = _solve(spec, iterations, "mpmath")
    assert arb_run.iterations == mp_run.iterations == iterations
    assert arb_run.plan.degeneracy is None
    _compare(arb_run, mp_run, digits)


def test_made_up_problems_have_what_they_claim():
    one = gmmexact.Problem.from_arrays(**ONE_D)
    assert (one.d, one.K) == (1, 3)
    three = gmmexact.Problem.from_arrays(**THREE_D)
    assert (three.d, three.K) == (3, 2)
    assert any(three.components[0].covariance[i][j] != 0 for i in range(3) for j in range(3) if i != j)
    run = _solve(TWO_ITERATIONS, 2, "arb")
    assert run.iterations == 2 and run.stopped is None
    assert "iter2.cov.2[0][1]" in run


def test_unknown_backend_is_rejected(seed_problem):
    with pytest.raises(ValueError, match="unknown backend"):
        gmmexact.solve(seed_problem, backend="float")


# EM squeezes component 1 onto the two points at 0: iter2's covariance is about 1.4e-38 (positive, the data
# are not degenerate), so its enclosure contains 0 at the starting precision and the certifier must retry
COLLAPSING = dict(points=[[0], [0], [3]], means=[[0], [3]], covariances=[[[1]], [[1]]], weights=["1/2", "1/2"])


def test_collapsing_covariance_arb():
    run = _solve(COLLAPSING, 3, "arb")
    assert run["iter2.cov.1"].decimal(6) == (("1.41866e-38",),)
    assert run["iter3.loglik"].decimal(6) == "92.9644"


def test_collapsing_covariance_mpmath():
    mp_run = _solve(COLLAPSING, 3, "mpmath")
    assert mp_run["iter2.cov.1"].decimal(6) == (("1.41866e-38",),)
    assert mp_run["iter3.loglik"].decimal(6) == "92.9644"
    # Component 1 has collapsed onto the points at 0: its iteration-3 mean is about 10^(-1.3e38), far
    # below any working precision, so both backends must say "undecided" (with bounds), never digits.
    arb_got = _solve(COLLAPSING, 3, "arb").round(mp_run.keys(), 6)
    mp_got = mp_run.round(mp_run.keys(), 6)
    undecided = {str(k) for k, v in arb_got.items() if isinstance(v, Undecided)}
    assert "iter3.mean.1[0]" in undecided
    assert undecided == {str(k) for k, v in mp_got.items() if isinstance(v, Undecided)}
    assert all(str(arb_got[k]) == str(mp_got[k]) for k in arb_got if str(k) not in undecided)
    bounds = arb_got[gmmexact.Key.parse("iter3.mean.1[0]")]
    assert bounds.lo < 0 < bounds.hi