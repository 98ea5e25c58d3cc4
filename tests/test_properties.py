"""Properties of exact EM steps on small random problems (hypothesis).

Problems: n ≤ 6 points, d ∈ {1, 2}, K ∈ {1, 2, 3}, half-integer coordinates, covariances A·Aᵀ + I with
small integer A (so positive definite), exact weights summing to 1.
"""
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import gmmexact
from gmmexact.certify import Undecided

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

half = st.integers(-8, 8).map(lambda k: Fraction(k, 2))


@st.composite
def problems(draw, n_min=1, n_max=6, ks=(1, 2, 3), ds=(1, 2)):
    """A small valid problem as the keyword arguments of ``Problem.from_arrays``."""
    d = draw(st.sampled_from(ds))
    K = draw(st.sampled_from(ks))
    n = draw(st.integers(n_min, n_max))
    points = draw(st.lists(st.lists(half, min_size=d, max_size=d), min_size=n, max_size=n))
    means = draw(st.lists(st.lists(half, min_size=d, max_size=d), min_size=K, max_size=K))
    covariances = []
    for _ in range(K):
        A = draw(st.lists(st.lists(st.integers(-2, 2), min_size=d, max_size=d), min_size=d, max_size=d))
        covariances.append([[Fraction(sum(A[i][k] * A[j][k] for k in range(d)) + (i == j)) for j in range(d)]
                            for i in range(d)])
    raw = draw(st.lists(st.integers(1, 4), min_size=K, max_size=K))
    weights = [Fraction(w, sum(raw)) for w in raw]
    return dict(points=points, means=means, covariances=covariances, weights=weights,
                labels=[f"x{i + 1}" for i in range(n)], names=[f"c{k + 1}" for k in range(K)])


def build(spec) -> gmmexact.Problem:
    return gmmexact.Problem.from_arrays(spec["points"], means=spec["means"], covariances=spec["covariances"],
                                        weights=spec["weights"], labels=spec["labels"], names=spec["names"])


def in_general_position(spec) -> bool:
    """n ≥ d + 2 points whose affine hull is the whole space."""
    pts = spec["points"]
    d = len(pts[0])
    if len(pts) < d + 2:
        return False
    diffs = [[p[i] - pts[0][i] for i in range(d)] for p in pts[1:]]
    return sp.Matrix(diffs).rank() == d


# -- responsibilities sum exactly to one ------------------------------------------------------------


def _is_zero(expr) -> bool:
    expr = sp.cancel(sp.together(expr))
    return expr == 0 or sp.simplify(expr) == 0


@SETTINGS
@given(problems(n_max=4))
def test_responsibilities_sum_exactly_to_one(spec):
    problem = build(spec)
    run = gmmexact.solve(problem)
    for p in problem.labels:
        total = sum((run[f"resp.{p}.{c}"].exact for c in problem.component_names), sp.Integer(0))
        assert not total.free_symbols, total  # closed forms, not definitions over symbols
        assert _is_zero(total - 1), (p, total)
        values = [run[f"resp.{p}.{c}"].value for c in problem.component_names]
        if None not in values:  # rational responsibilities: exactly one with Fractions
            assert sum(values) == 1


# -- invariance under permutations ----------------------------------------------------------------

INVARIANT_KINDS = ("resp", "count", "weight", "mean", "cov", "loglik")


def _decimals(run, digits=10) -> dict[str, str]:
    keys = run.keys(kinds=INVARIANT_KINDS)
    return {str(k): str(v) for k, v in run.round(keys, digits).items()}


def _decided(run, digits=10) -> bool:
    return not any(isinstance(v, Undecided) for v in run.round(run.keys(kinds=INVARIANT_KINDS), digits).values())


@SETTINGS
@given(problems(n_min=2), st.randoms(use_true_random=False))
def test_invariant_under_permuting_points(spec, rnd):
    base = gmmexact.solve(build(spec))
    # a quantity that is exactly zero but not recognised as rational cannot be rounded (see the report)
    assume(_decided(base))
    order = list(range(len(spec["points"])))
    rnd.shuffle(order)
    perm = dict(spec, points=[spec["points"][i] for i in order], labels=[spec["labels"][i] for i in order])
    assert _decimals(gmmexact.solve(build(perm))) == _decimals(base)


@SETTINGS
@given(problems(ks=(2, 3)), st.randoms(use_true_random=False))
def test_invariant_under_permuting_components(spec, rnd):
    base = gmmexact.solve(build(spec))
    assume(_decided(base))
    order = list(range(len(spec["means"])))
    rnd.shuffle(order)
    perm = dict(spec, **{f: [spec[f][i] for i in order] for f in ("means", "covariances", "weights", "names")})
    assert _decimals(gmmexact.solve(build(perm))) == _decimals(base)


# -- EM never decreases the likelihood ------------------------------------------------------------


# A covariance that collapses towards a lower-dimensional set (tiny but positive determinant) makes the
# evaluation at the certifier's starting precision raise instead of retrying at a higher precision; see
# test_collapsing_covariance_is_certified_at_higher_precision.
EVALUATION_BUG = (ZeroDivisionError, mpmath.libmp.ComplexResult)


@SETTINGS
@given(problems(n_min=3))
def test_loglik_never_decreases(spec):
    assume(in_general_position(spec))
    problem = build(spec)
    run = gmmexact.solve(problem, iterations=3)
    assume(run.plan.degeneracy is None)
    assert run.iterations == 3 and run.stopped is None
    try:
        values = [run[key].rounded(12) for key in ("loglik", "iter2.loglik", "iter3.loglik")]
    except EVALUATION_BUG:
        assume(False)
    assert not any(isinstance(v, Undecided) for v in values), values
    fractions = [v.fraction() for v in values]
    assert fractions[0] <= fractions[1] <= fractions[2], [str(v) for v in values]


COLLAPSING = dict(points=[[0], [0], [3]], means=[[0], [3]], covariances=[[[1]], [[1]]], weights=["1/2", "1/2"])


@pytest.mark.xfail(strict=True, raises=EVALUATION_BUG,
                   reason="evaluate() raises (arb: ZeroDivisionError from arb_mat.inv; mpmath: ComplexResult from "
                          "iv.sqrt) when an earlier iteration's tiny covariance encloses 0 at the starting precision, "
                          "instead of letting the certifier raise the precision")
@pytest.mark.parametrize("backend", ["arb", "mpmath"])
def test_collapsing_covariance_is_certified_at_higher_precision(backend):
    # iter2's covariance of component 1 is about 1.4e-38 (positive: the data are not degenerate);
    # evaluate() succeeds from 200 bits on, but the certifier starts near 80 bits and does not retry
    problem = gmmexact.Problem.from_arrays(**COLLAPSING)
    run = gmmexact.solve(problem, iterations=3, backend=backend)
    assert run.plan.degeneracy is None and run.iterations == 3
    values = [run[k].rounded(6).fraction() for k in ("loglik", "iter2.loglik", "iter3.loglik")]
    assert values[0] <= values[1] <= values[2]
    assert run["iter2.cov.1"].decimal(3) == ((run["iter2.cov.1"].decimal(3)[0][0],),)


# -- one component: the M-step is the sample mean and covariance ----------------------------------------


@SETTINGS
@given(problems(ks=(1,)))
def test_single_component_is_sample_moments(spec):
    problem = build(spec)
    run = gmmexact.solve(problem)
    (c,) = problem.component_names
    n, d = problem.n, problem.d
    pts = [[Fraction(v) for v in x] for x in spec["points"]]
    for p in problem.labels:
        assert run[f"resp.{p}.{c}"].value == 1
    mean = tuple(sum(x[i] for x in pts) / n for i in range(d))
    cov = tuple(tuple(sum((x[i] - mean[i]) * (x[j] - mean[j]) for x in pts) / n for j in range(d))
                for i in range(d))
    assert run[f"count.{c}"].value == n
    assert run[f"weight.{c}"].value == 1
    assert run[f"mean.{c}"].value == mean
    assert run[f"cov.{c}"].value == cov
    assert run[f"mean.{c}"].exact == sp.Matrix([[sp.Rational(v.numerator, v.denominator)] for v in mean])


@SETTINGS
@given(problems(ks=(1,), n_min=3))
def test_single_component_later_iterations_stay_rational(spec):
    assume(in_general_position(spec))
    problem = build(spec)
    run = gmmexact.solve(problem, iterations=2)
    (c,) = problem.component_names
    # the second step starts from the sample moments and returns them unchanged
    assert run[f"iter2.mean.{c}"].value == run[f"mean.{c}"].value
    assert run[f"iter2.cov.{c}"].value == run[f"cov.{c}"].value
    assert run[f"iter2.weight.{c}"].value == 1
