"""Tier 1's double-double kernel: error-free transformations, the exp, and enclosures of whole iterations
checked against 40-digit arb references, on random integer problems that reach the kernel's limits."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from flint import arb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gmmexact
from gmmexact.model.decimalpoints import DecimalPoints
from gmmexact.numerics import doubledouble as dd
from gmmexact.numerics.backends import ArbBackend
from gmmexact.numerics.floattier import Declined, FloatData, float_iterations, plan, start_params, statistics_of
from gmmexact.numerics.partitioned import partitioned_iterations

precision = ArbBackend().precision  # arb's working precision for a block, restored after


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)
moderate = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e150, max_value=1e150).filter(
    lambda v: v == 0 or abs(v) > 1e-140)


# --- error-free transformations ------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(finite, finite), min_size=1, max_size=20))
def test_two_sum_is_exact(pairs):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    with np.errstate(over="ignore", invalid="ignore"):
        s, e = dd.two_sum(a, b)
    for x, y, u, v in zip(a, b, s, e):
        if math.isfinite(u) and math.isfinite(v):
            assert Fraction(u) + Fraction(v) == Fraction(x) + Fraction(y)
            assert u == x + y


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(moderate, moderate), min_size=1, max_size=20))
def test_two_prod_and_two_square_are_exact_without_underflow(pairs):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        p, e = dd.two_prod(a, b)
        p2, e2 = dd.two_square(a)
    for x, y, u, v, u2, v2 in zip(a, b, p, e, p2, e2):
        if math.isfinite(u) and (x * y == 0 or abs(x * y) > 1e-280):
            assert Fraction(u) + Fraction(v) == Fraction(x) * Fraction(y)
        if math.isfinite(u2) and (x == 0 or abs(x * x) > 1e-280):
            assert Fraction(u2) + Fraction(v2) == Fraction(x) ** 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=-720.0, max_value=0.0), min_size=1, max_size=30),
       st.lists(st.floats(min_value=-1.0, max_value=1.0), min_size=30, max_size=30))
def test_exp_pair_encloses_exp(ts, lows):
    th = np.array(ts)
    tl = np.array(lows[:len(ts)]) * 2.0**-53 * np.abs(th)  # a normalised low part
    th, tl = dd.two_sum(th, tl)
    with np.errstate(under="ignore"):
        eh, el, rho, tiny = dd._exp_pair(th, tl)
    with precision(400):
        for h, l_, a, b, r, t in zip(th, tl, eh, el, rho, tiny):
            exact = (arb(float(h)) + arb(float(l_))).exp()
            if t:
                assert a == b == 0 and exact < arb(2) ** -1000
                continue
            got = arb(float(a)) + arb(float(b))
            assert abs(got - exact) <= exact * arb(float(r)) + arb(2) ** -1070, (h, l_)
            assert r < 1e-20


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=1.0, max_value=64.0), min_size=1, max_size=30),
       st.lists(st.floats(min_value=-1.0, max_value=1.0), min_size=30, max_size=30))
def test_log_pair_encloses_log(highs, lows):
    sh = np.array(highs)
    sl = np.array(lows[:len(highs)]) * 2.0**-53 * sh
    sh, sl = dd.fast_two_sum(sh, sl)
    Lh, Ll, err = dd._log_pair(sh, sl)
    with precision(400):
        for h, l_, a, b, e in zip(sh, sl, Lh, Ll, err):
            exact = (arb(float(h)) + arb(float(l_))).log()
            assert abs(arb(float(a)) + arb(float(b)) - exact) <= arb(float(e)), (h, l_)
            assert e < 1e-24


# --- whole iterations against arb -----------------------------------------------------------------------

def integer_problem(seed: int, n: int, d: int, K: int, spread: float = 1000.0, far: float = 0.0,
                    tiny_weight: bool = False, exponent: int = -3) -> gmmexact.Problem:
    """Integer data (digits of a decimal file), ``spread`` units of the last digit per standard deviation;
    ``far``: one start mean that many standard deviations off; ``tiny_weight``: one weight of 1e-12."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (K, d))
    raw = centres[rng.integers(0, K, n)] + rng.normal(0, 1, (n, d))
    ints = np.rint(raw * spread).astype(np.int64)
    scale = Fraction(10) ** exponent
    points = DecimalPoints(ints, exponent)
    means = [[Fraction(int(round((v + rng.normal(0, 0.3)) * spread))) * scale for v in c] for c in centres]
    if far:
        means[0] = [m + Fraction(int(far * spread)) * scale for m in means[0]]

    def spd():
        L = [[Fraction(int(rng.integers(80, 150)), 100) if i == j else
              Fraction(int(rng.integers(-40, 41)), 100) if j < i else Fraction(0) for j in range(d)] for i in range(d)]
        s2 = (Fraction(int(spread)) * scale) ** 2
        return [[sum((L[i][k] * L[j][k] for k in range(d)), Fraction(0)) * s2 for j in range(d)] for i in range(d)]

    raw_w = [Fraction(int(v)) for v in rng.integers(1, 10, K)]
    if tiny_weight and K > 1:
        raw_w[0] = Fraction(1, 10**12)
    weights = [w / sum(raw_w) for w in raw_w]
    return gmmexact.Problem.from_arrays(points, means=means, covariances=[spd() for _ in range(K)],
                                        weights=weights)


def encloses_reference(problem, iterations: int = 1, digits: int = 40) -> float:
    """Every pair-kernel ball overlaps the ``digits``-digit arb reference; returns the widest relative radius
    of the covariances (against their scale)."""
    data = FloatData.of(problem.points)
    forms, _ = plan(problem, start_params(problem), data)
    assert forms[0].pair is not None
    ours = float_iterations(problem, iterations, kernel="pair")
    ref = partitioned_iterations(problem, iterations, digits=digits)
    widest = 0.0
    with precision(ref.prec):
        for a, b in zip(ours, ref.iterations):
            a = a.iteration
            balls = [(a.loglik, b.loglik)] + list(zip(a.counts, b.counts)) + list(zip(a.weights, b.weights))
            for c in range(problem.K):
                balls += list(zip(a.means[c], b.means[c]))
                for i in range(problem.d):
                    for j in range(problem.d):
                        x, y = a.covariances[c][i][j], b.covariances[c][i][j]
                        balls.append((x, y))
                        size = math.sqrt(float(b.covariances[c][i][i].mid()) * float(b.covariances[c][j][j].mid()))
                        if size > 0:
                            widest = max(widest, float(x.rad()) / size)
            for x, y in balls:
                assert x.overlaps(y), (x, y)
    return widest


@pytest.mark.parametrize("seed, n, d, K, spread", [(0, 300, 2, 2, 1000.0), (1, 2100, 3, 3, 50.0),
                                                   (2, 500, 1, 1, 10.0), (3, 400, 5, 4, 3e5),
                                                   (4, 700, 6, 2, 2e6), (5, 64, 4, 5, 1.0)])
def test_one_iteration_encloses_a_40_digit_reference_and_is_tight(seed, n, d, K, spread):
    widest = encloses_reference(integer_problem(seed, n, d, K, spread))
    assert widest < 1e-16  # the float kernel's: about 1e-13


def test_later_iterations_enclose_the_reference():
    """Iterations 2 and 3 start from balls (about 1e-20 wide): still enclosed, and still narrow."""
    assert encloses_reference(integer_problem(7, 400, 3, 3, 200.0), iterations=3) < 1e-15


@pytest.mark.parametrize("far, tiny_weight", [(40.0, False), (3.0, True), (60.0, True)])
def test_tiny_responsibilities_and_far_components_are_enclosed(far, tiny_weight):
    """A start 40–60 standard deviations off drives exp arguments past −700 (taken as [0, 2^-1000]) and
    −745 (below 2^-1075); a weight of 1e-12 gives responsibilities near 1e-12 everywhere."""
    encloses_reference(integer_problem(11, 300, 2, 3, 100.0, far=far, tiny_weight=tiny_weight))


def test_the_widest_spread_the_kernel_takes_and_the_first_it_declines():
    n, d = 200, 2
    rng = np.random.default_rng(3)
    ints = rng.integers(-(2**25), 2**25, (n, d))
    ints[0] = [-(2**26) + 2, 0]
    ints[1] = [2**26 - 2, 0]
    cov = [[Fraction(2**48), Fraction(0)], [Fraction(0), Fraction(2**48)]]
    problem = gmmexact.Problem.from_arrays(DecimalPoints(ints.astype(np.int64), 0), means=[[0, 0], [2**20, -(2**20)]],
                                           covariances=[cov, cov], weights=[Fraction(1, 2)] * 2)
    encloses_reference(problem)
    wider = gmmexact.Problem.from_arrays(DecimalPoints(np.vstack([ints, [[2**26 + 5, 0]]]).astype(np.int64), 0),
                                         means=[[0, 0], [2**20, -(2**20)]], covariances=[cov, cov],
                                         weights=[Fraction(1, 2)] * 2)
    data = FloatData.of(wider.points)
    forms, _ = plan(wider, start_params(wider), data)
    assert forms[0].pair is None  # auto: the float kernel
    with pytest.raises(Declined, match="2\\^26"):
        plan(wider, start_params(wider), data, kernel="pair")


def test_a_start_mean_beyond_the_slices_range_falls_back_to_the_float_kernel():
    ints = np.array([[1, 2], [3, -1], [0, 0], [5, 4]], dtype=np.int64)
    eye = [[1, 0], [0, 1]]
    problem = gmmexact.Problem.from_arrays(DecimalPoints(ints, 0), means=[[0, 0], [10**20, 0]],
                                           covariances=[eye, eye], weights=[Fraction(1, 2)] * 2)
    data = FloatData.of(problem.points)
    with pytest.raises(Declined, match="slices' range"):
        plan(problem, start_params(problem), data, kernel="pair")
    forms, _ = plan(problem, start_params(problem), data)
    assert forms[0].pair is None


@pytest.mark.parametrize("points, means, cov", [
    ([[0], [4096], [8192]], [[0], [8192]], Fraction(1, 2**1000)),  # q = 2^1024 overflows; true r = (1/2, 1/2)
    ([[0], [10**5]], [[0]], Fraction(1, 10**300)),  # one component: the log-likelihood alone
    ([[0], [3]], [[1]], Fraction(2**1056)),  # ‖Σ‖ beyond float64: ε_A would be inf
])
def test_quadratic_forms_beyond_float64_are_declined_not_enclosed_wrongly(points, means, cov):
    """A NaN or inf in a chunk once passed every later check (a comparison with NaN is false) and gave
    responsibilities of 1 and 0 where they are 1/2, and a negative radius: now the kernel declines."""
    K = len(means)
    problem = gmmexact.Problem.from_arrays(DecimalPoints(np.array(points, dtype=np.int64), 0), means=means,
                                           covariances=[[[cov]]] * K, weights=[Fraction(1, K)] * K)
    with pytest.raises(Declined):
        float_iterations(problem, 1, kernel="pair")


def test_float_data_do_not_reach_the_pair_kernel():
    from gmmexact.model.floatpoints import FloatPoints

    problem = gmmexact.Problem.from_arrays(FloatPoints(np.array([[0.1, 0.2], [0.3, 0.5], [1.5, 0.25]])),
                                           means=[[0, 0]], covariances=[[[1, 0], [0, 1]]], weights=[1])
    with pytest.raises(Declined, match="integer data"):
        plan(problem, start_params(problem), FloatData.of(problem.points), kernel="pair")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6), st.integers(1, 4), st.integers(1, 4), st.sampled_from([1.0, 30.0, 1000.0, 1e5]))
def test_random_problems_enclose_the_reference(seed, d, K, spread):
    encloses_reference(integer_problem(seed, 150, d, K, spread), digits=30)


def test_statistics_are_the_same_bits_for_any_aligned_partitioning_and_tighter_than_the_float_kernel():
    problem = integer_problem(21, 5000, 3, 3, 500.0)
    data = FloatData.of(problem.points)
    forms, _ = plan(problem, start_params(problem), data)
    whole = statistics_of(data, forms)[0]
    parts = [statistics_of(data, forms, slice(a, b), chunk=1024)[0]
             for a, b in ((0, 1024), (1024, 4096), (4096, 5000))]
    assert parts[0] + parts[1] + parts[2] == whole
    assert parts[2] + parts[0] + parts[1] == whole
    pair = float_iterations(problem, 1, kernel="pair")[0].iteration
    flt = float_iterations(problem, 1, kernel="float")[0].iteration
    for c in range(problem.K):
        for i in range(problem.d):
            assert pair.covariances[c][i][i].overlaps(flt.covariances[c][i][i])
            assert float(pair.covariances[c][i][i].rad()) * 1000 < float(flt.covariances[c][i][i].rad())


def test_responsibilities_are_kept_with_their_bounds():
    """|exact − resp| <= resp_err for every point and component (the float ``resp`` is the high part, so
    the bound is about u·r), against the exact solver at 320 bits."""
    from gmmexact.numerics.run import solve

    problem = integer_problem(5, 300, 2, 3, 100.0, far=8.0)
    got = float_iterations(problem, 1, keep_resp=None, kernel="pair")[0]
    exact = solve(problem, 1).certifier.evaluation(320).iterations[0]
    assert got.resp.shape == got.resp_err.shape == (problem.n, problem.K)
    assert (got.resp_err <= 2.0**-51 * got.resp + 1e-300).all()  # half an ulp of resp, and a little more
    with precision(320):
        for p in range(problem.n):
            for c in range(problem.K):
                gap = (exact.resp[p, c] - arb(float(got.resp[p, c]))).abs_upper()
                assert gap <= arb(float(got.resp_err[p, c])), (p, c)
