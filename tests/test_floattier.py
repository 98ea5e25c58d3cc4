"""Tier 1 (gmmexact/numerics/floattier.py): float64 statistics whose balls must enclose the exact values.

Checked against the arb reference (numerics/partitioned.py) and the exact solver, bit-for-bit
partition independence, the certified exp/log against arb at high precision, the exact column sums
against Fraction sums, the cases tier 1 must decline, and the float form of every kind of points.
"""
from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import flint
import numpy as np
import pytest
from flint import arb
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gmmexact
from gmmexact.model.decimalpoints import DecimalPoints
from gmmexact.model.floatpoints import FloatPoints
from gmmexact.numerics.backends import ArbBackend
from gmmexact.numerics.floattier import (BLOCK, CHUNK, GROUP, Declined, FloatData, exact_column_sums, exp_certified,
                                         float_iterations, log_certified, plan, start_params, statistics_of)
from gmmexact.numerics.partitioned import ExactBall, Start, partitioned_iterations, statistics
from gmmexact.numerics.run import solve

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed" / "problem.toml"
HIGH = 320  # bits of the arb references for exp, log and the responsibilities


precision = ArbBackend().precision  # arb's working precision for a block, restored after


def q(x) -> arb:
    x = Fraction(x)
    return arb(flint.fmpq(x.numerator, x.denominator))


# --- problems ------------------------------------------------------------------------------------------

POINT_KINDS = ("thousandths", "decimal", "floats", "offset floats", "thirds and sevenths")


def make_problem(seed: int, n: int, d: int, K: int, kind: str, cov_type: str = "full", fixed=(),
                 reg_covar=0, count_offset=0) -> gmmexact.Problem:
    """K clusters of n points in d dimensions, the start near the clusters, points of the given kind."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (K, d))
    raw = centres[rng.integers(0, K, n)] + rng.normal(0, 1, (n, d))
    offset = 1e6 if kind == "offset floats" else 0.0
    if kind == "thousandths":
        points = [[Fraction(int(v), 1000) for v in row] for row in np.rint(raw * 1000)]
    elif kind == "decimal":
        points = DecimalPoints(np.rint(raw * 1000).astype(np.int64), -3)
    elif kind in ("floats", "offset floats"):
        points = FloatPoints(raw + offset)
    else:
        dens = rng.choice([3, 7], size=raw.shape)
        points = [[Fraction(int(round(v * m)), int(m)) for v, m in zip(row, mrow)] for row, mrow in zip(raw, dens)]
    means = [[Fraction(int(round((v + rng.normal(0, 0.3)) * 100)), 100) + int(offset) for v in c] for c in centres]

    def spd():
        if cov_type in ("diag", "spherical"):
            diag = [Fraction(int(rng.integers(60, 250)), 100) for _ in range(d)]
            diag = [diag[0]] * d if cov_type == "spherical" else diag
            return [[diag[i] if i == j else Fraction(0) for j in range(d)] for i in range(d)]
        L = [[Fraction(int(rng.integers(80, 150)), 100) if i == j else
              Fraction(int(rng.integers(-40, 41)), 100) if j < i else Fraction(0) for j in range(d)] for i in range(d)]
        return [[sum((L[i][k] * L[j][k] for k in range(d)), Fraction(0)) for j in range(d)] for i in range(d)]

    covs = [spd()] * K if cov_type == "tied" else [spd() for _ in range(K)]
    raw_w = [int(v) for v in rng.integers(1, 10, K)]
    weights = [Fraction(w, sum(raw_w)) for w in raw_w]
    return gmmexact.Problem.from_arrays(points, means=means, covariances=covs, weights=weights,
                                        covariance_type=cov_type, fixed=list(fixed), reg_covar=reg_covar,
                                        count_offset=count_offset)


def tier1_encloses_reference(problem, iterations: int, tol: float = 1e-9, strict: bool = True) -> None:
    """Every tier-1 ball overlaps the 20-digit arb reference, and none is wide (relative ``tol``).

    ``strict=False`` (random problems): tier 1 may decline a later iteration (fewer iterations) and its
    balls may widen past ``tol`` where an iteration is ill-conditioned; the enclosure must hold still."""
    ours = float_iterations(problem, iterations)
    ref = partitioned_iterations(problem, iterations, digits=20)
    if strict:
        assert len(ours) == len(ref.iterations) == iterations
    else:
        assert 1 <= len(ours) <= iterations
        tol = math.inf
    with precision(ref.prec):
        for t, (a, b) in enumerate(zip(ours, ref.iterations), 1):
            a = a.iteration
            pairs = [("loglik", a.loglik, b.loglik, max(abs(float(b.loglik.mid())), 1.0))]
            pairs += [("count", x, y, problem.n) for x, y in zip(a.counts, b.counts)]
            pairs += [("weight", x, y, 1.0) for x, y in zip(a.weights, b.weights)]
            for c in range(problem.K):
                sd = [math.sqrt(float(b.covariances[c][i][i].mid())) for i in range(problem.d)]
                pairs += [("mean", x, y, abs(float(y.mid())) + s) for x, y, s in zip(a.means[c], b.means[c], sd)]
                pairs += [("cov", a.covariances[c][i][j], b.covariances[c][i][j], sd[i] * sd[j])
                          for i in range(problem.d) for j in range(problem.d)]
            for what, x, y, size in pairs:
                assert x.overlaps(y), (t, what, x, y)
                assert float(x.rad()) <= tol * size, (t, what, x)


# --- 1. enclosure of the M-step ------------------------------------------------------------------------

COV_TYPES = ("full", "tied", "diag", "spherical")
# every point kind with every covariance type; d and K run through 1..4, n through 6..300
TABLE = [(i, 6 + (i * 53) % 295, 1 + i % 4, 1 + (i + i // 4) % 4, kind, cov)
         for i, (kind, cov) in enumerate((k, c) for k in POINT_KINDS for c in COV_TYPES)]


@pytest.mark.parametrize("seed, n, d, K, kind, cov_type", TABLE)
def test_one_iteration_encloses_the_reference(seed, n, d, K, kind, cov_type):
    """Tier 1 overlaps the arb reference and is narrow, for every point kind and covariance type."""
    tier1_encloses_reference(make_problem(seed, n, d, K, kind, cov_type), 1)


OPTIONS = [((), 0, 0), (("weight",), Fraction(1, 1000), 0), (("mean",), 0, Fraction(1, 100)),
           (("covariance",), Fraction(1, 1000), 10 * Fraction(2) ** -52), (("weight", "mean"), 0, Fraction(1, 100)),
           (("mean", "covariance"), Fraction(1, 1000), Fraction(1, 100)), (("weight", "covariance"), 0, 0),
           (("weight", "mean", "covariance"), 0, 0)]


@pytest.mark.parametrize("i, fixed, reg_covar, count_offset", [(i, *o) for i, o in enumerate(OPTIONS)])
def test_three_iterations_enclose_the_reference(i, fixed, reg_covar, count_offset):
    """Iterations 2 and 3 start from tier 1's own balls; fixed parameters, reg_covar and count_offset."""
    problem = make_problem(100 + i, 40 + 31 * i, 1 + i % 4, 1 + (i + 1) % 4, POINT_KINDS[i % 5], COV_TYPES[i % 4],
                           fixed, reg_covar, count_offset)
    tier1_encloses_reference(problem, 3, tol=1e-8)
    assert float_iterations(problem, 1)[0].statistics == float_iterations(problem, 3)[0].statistics


@settings(max_examples=15, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(6, 300), d=st.integers(1, 4), K=st.integers(1, 4),
       kind=st.sampled_from(POINT_KINDS), cov_type=st.sampled_from(COV_TYPES),
       fixed=st.sets(st.sampled_from(("weight", "mean", "covariance")), max_size=2),
       reg_covar=st.sampled_from((0, Fraction(1, 1000))),
       count_offset=st.sampled_from((0, Fraction(1, 100), 10 * Fraction(2) ** -52)))
def test_random_problems_enclose_the_reference(seed, n, d, K, kind, cov_type, fixed, reg_covar, count_offset):
    problem = make_problem(seed, n, d, K, kind, cov_type, fixed, reg_covar, count_offset)
    tier1_encloses_reference(problem, 3, strict=False)


@pytest.mark.parametrize("cov_type", ["full", "tied", "diag", "spherical"])
def test_every_model_option_at_once(cov_type):
    """All of reg_covar, count_offset and a fixed parameter, on non-integral float data."""
    problem = make_problem(11, 150, 3, 3, "floats", cov_type, fixed=("weight",), reg_covar=Fraction(1, 1000),
                           count_offset=Fraction(1, 100))
    tier1_encloses_reference(problem, 3, tol=1e-8)


def test_the_seed_example():
    """The six-person example: one iteration enclosed; its updated covariances are exactly singular, so
    tier 1 stops there (but goes on when reg_covar makes them regular)."""
    problem = gmmexact.load(SEED)
    tier1_encloses_reference(problem, 1)
    assert len(float_iterations(problem, 3)) == 1
    from dataclasses import replace

    tier1_encloses_reference(replace(problem, reg_covar=Fraction(1)), 3)


def test_statistics_enclose_the_reference_sums():
    """The sums themselves (not only the M-step): tier-1 balls overlap the arb sums about the same shifts."""
    for kind in POINT_KINDS:
        problem = make_problem(5, 120, 2, 3, kind)
        its = float_iterations(problem, 2)
        params = start_params(problem)
        for it in its:
            data = FloatData.of(problem.points)
            _, shifts = plan(problem, params, data)
            with precision(192):
                start = Start(tuple(ExactBall.of(w) for w in params[0]),
                              tuple(tuple(ExactBall.of(v) for v in m) for m in params[1]),
                              tuple(tuple(tuple(ExactBall.of(v) for v in row) for row in c) for c in params[2]),
                              shifts, 192)
            ref = statistics(problem.points, start)
            assert_statistics_overlap(it.statistics, ref)
            params = (it.iteration.weights, it.iteration.means, it.iteration.covariances)


def assert_statistics_overlap(ours, ref) -> None:
    with precision(192):
        unit = q(ours.scale)
        assert ours.points == ref.points
        assert ours.loglik.arb().overlaps(ref.loglik.arb())
        for c in range(len(ref.s0)):
            assert ours.s0[c].arb().overlaps(ref.s0[c].arb()), ("s0", c)
            for i, (a, b) in enumerate(zip(ours.s1[c], ref.s1[c])):
                assert (a.arb() * unit).overlaps(b.arb()), ("s1", c, i)
            for i, (ra, rb) in enumerate(zip(ours.s2[c], ref.s2[c])):
                for j, (a, b) in enumerate(zip(ra, rb)):
                    assert (a.arb() * unit * unit).overlaps(b.arb()), ("s2", c, i, j)


def test_cross_sums_enclose_when_a_responsibility_product_underflows():
    """A point 1e-9 from a far component's mean in one coordinate and 1e8 in the other, its
    responsibility about 4e-304: R·V_0 is subnormal and rounds by up to 2^-1075, times V_1 = 1e8."""
    x = [1.0 + 1e-9, 1.0 + 1e8]
    var = Fraction(10**16 // 1338)
    problem = gmmexact.Problem.from_arrays(FloatPoints(np.array([x])), means=[[Fraction(x[0]), Fraction(x[1])], [1, 1]],
                                           covariances=[[[1, 0], [0, 1]], [[var, 0], [0, var]]],
                                           weights=["1/2", "1/2"], fixed=["mean"])
    it = float_iterations(problem, 1)[0]
    ref = partitioned_iterations(problem, 1, digits=20).iterations[0]
    with precision(192):
        exact = ref.counts[1] * q(Fraction(x[0]) - 1) * q(Fraction(x[1]) - 1)  # r · V_0 · V_1, one point
        assert it.statistics.s2[1][0][1].arb().overlaps(exact)
        assert it.iteration.covariances[1][0][1].overlaps(ref.covariances[1][0][1])


# --- 2. the responsibilities ---------------------------------------------------------------------------

def assert_responsibilities_enclosed(problem, iterations: int = 1) -> None:
    its = float_iterations(problem, iterations, keep_resp=None)
    run = solve(problem, iterations)
    ev = run.certifier.evaluation(HIGH)
    assert len(its) == len(ev.iterations) == iterations
    with precision(HIGH):
        for it, exact in zip(its, ev.iterations):
            assert it.resp.shape == it.resp_err.shape == (problem.n, problem.K)
            assert (it.resp_err >= 0).all() and (it.resp_err < 1e-12).all()
            for p in range(problem.n):
                for c in range(problem.K):
                    gap = (exact.resp[p, c] - arb(float(it.resp[p, c]))).abs_upper()
                    assert gap <= arb(float(it.resp_err[p, c])), (p, c, it.resp[p, c], exact.resp[p, c])


def test_seed_responsibilities_are_enclosed():
    """Including responsibilities of 1e-33 (absolute bounds far below them)."""
    assert_responsibilities_enclosed(gmmexact.load(SEED))


@settings(max_examples=6, deadline=None, derandomize=True)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 7), d=st.integers(1, 2), K=st.integers(1, 3),
       kind=st.sampled_from(POINT_KINDS), iterations=st.integers(1, 2))
def test_responsibilities_are_enclosed(seed, n, d, K, kind, iterations):
    """|exact − resp| <= resp_err for every point and component, against the exact solver."""
    problem = make_problem(seed, n, d, K, kind, reg_covar=Fraction(1, 10))
    assert_responsibilities_enclosed(problem, iterations)


# --- 3. partition independence -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["floats", "decimal", "thirds and sevenths"])
def test_statistics_are_the_same_bits_for_any_partitioning(kind):
    """Slices aligned to GROUP, any chunk size that is a multiple of it, any merge order: equal statistics
    and equal responsibilities, for the start and for ball parameters from a previous iteration."""
    n = 5000
    problem = make_problem(3, n, 2, 3, kind)
    data = FloatData.of(problem.points)
    first = float_iterations(problem, 1)[0].iteration
    for params in (start_params(problem), (first.weights, first.means, first.covariances)):
        forms, _ = plan(problem, params, data)
        whole, resp, err = statistics_of(data, forms, keep_resp=True)
        assert whole.points == n
        cuts = [(0, 1024, 3072, n, CHUNK), (0, 2048, n, 1024), (0, 4096, n, 2048)]
        for *bounds, chunk in cuts:
            parts = [statistics_of(data, forms, slice(a, b), chunk=chunk)[0] for a, b in zip(bounds, bounds[1:])]
            merged = parts[0]
            for p in parts[1:]:
                merged = merged + p
            assert merged == whole, (bounds, chunk)
        singles = [statistics_of(data, forms, slice(a, min(a + GROUP, n)), chunk=GROUP)[0]
                   for a in range(0, n, GROUP)][::-1]
        merged = singles[0]
        for p in singles[1:]:
            merged = merged + p
        assert merged == whole
        _, resp2, err2 = statistics_of(data, forms, keep_resp=True, chunk=GROUP)
        assert np.array_equal(resp, resp2) and np.array_equal(err, err2)


def test_unaligned_slices_and_chunks_are_refused():
    """Only group-aligned partitions give the same bits, so nothing else is accepted (BLOCK alone is not enough)."""
    problem = make_problem(3, 100, 2, 2, "floats")
    data = FloatData.of(problem.points)
    forms, _ = plan(problem, start_params(problem), data)
    with pytest.raises(ValueError):
        statistics_of(data, forms, slice(BLOCK, 100))
    with pytest.raises(ValueError):
        statistics_of(data, forms, chunk=GROUP + BLOCK)


# --- 4. certified exp and log --------------------------------------------------------------------------

def step_boundaries(count: int = 40) -> list[float]:
    """Arguments near the reduction's rounding boundaries (k + 1/2)·ln2/1024 and their float neighbours."""
    out = []
    with precision(HIGH):
        step = arb(2).log() / 1024
        for k in np.linspace(0, 1024 * 1010, count).astype(int).tolist():
            t = float((-(k + arb(1) / 2) * step).mid())
            out += [t, math.nextafter(t, 0), math.nextafter(t, -math.inf)]
    return [t for t in out if t <= 0]


EXP_EDGES = ([0.0, -0.0, -5e-324, -2.2250738585072014e-308, -1e-300, -1e-16, -2.0**-60, -0.5, -1.0, -2.0,
              -699.9, -700.0, math.nextafter(-700.0, 0), math.nextafter(-700.0, -1), -700.1, -745.0, -745.2,
              -746.0, -1e6, -1e300, -math.inf]
             + [-k * math.log(2) for k in (1, 10, 100, 1000)] + step_boundaries())


def assert_exp_certified(t: np.ndarray) -> None:
    e, rel, tiny = exp_certified(t)
    assert rel < 4e-16
    assert np.array_equal(tiny, t < -700.0)
    with precision(HIGH):
        for ti, ei, small in zip(t.tolist(), e.tolist(), tiny.tolist()):
            exact = arb(ti).exp() if math.isfinite(ti) else arb(0)
            if small:
                assert ei == 0.0 and exact <= arb(2) ** -1000, ti
            else:
                assert ei > 0 and (exact - arb(ei)).abs_upper() <= arb(rel) * arb(ei), ti


def test_exp_on_edge_arguments():
    assert_exp_certified(np.array(EXP_EDGES))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.floats(min_value=-800.0, max_value=0.0), min_size=1, max_size=60))
def test_exp_on_random_arguments(ts):
    assert_exp_certified(np.array(ts))


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.lists(st.floats(min_value=-1e-3, max_value=0.0), min_size=1, max_size=40))
def test_exp_on_small_arguments(ts):
    """Arguments within the first table step, including subnormal ones."""
    assert_exp_certified(np.array(ts))


def log_edges() -> list[float]:
    out = [1.0, math.nextafter(1.0, 2), 2.0, math.nextafter(2.0, 1), 3.0, 1.7976931348623157e308, 1e300]
    out += [2.0**k for k in range(1, 1024, 37)] + [math.nextafter(2.0**k, 0) for k in range(1, 1024, 41)]
    for j in range(0, 512, 7):  # the log table's cells [1 + j/512, 1 + (j+1)/512) and centres
        lo = 1 + j / 512
        for g in (lo, math.nextafter(lo, 0), math.nextafter(lo, 2), lo + 0.5 / 512):
            if g >= 1:
                out += [g, math.ldexp(g, 1 + j)]
    return out


def assert_log_certified(s: np.ndarray) -> None:
    v, err = log_certified(s)
    assert (err <= 1e-14 * (1 + np.abs(v))).all()
    with precision(HIGH):
        for si, vi, ei in zip(s.tolist(), v.tolist(), err.tolist()):
            assert (arb(si).log() - arb(vi)).abs_upper() <= arb(ei), si


def test_log_on_edge_arguments():
    assert_log_certified(np.array(log_edges()))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.one_of(st.floats(min_value=1.0, max_value=8.0), st.floats(min_value=1.0, max_value=1.7e308)),
                min_size=1, max_size=60))
def test_log_on_random_arguments(ss):
    assert_log_certified(np.array(ss))


# --- 5. exact column sums ------------------------------------------------------------------------------

def assert_exact_sums(F: np.ndarray) -> None:
    got = exact_column_sums(F)
    assert len(got) == F.shape[1]
    for c, (man, ex) in enumerate(got):
        assert isinstance(man, int) and isinstance(ex, int)
        assert Fraction(man) * Fraction(2) ** ex == sum((Fraction(v) for v in F[:, c].tolist()), Fraction(0)), c


def test_exact_sums_edge_columns():
    tiny, big = 5e-324, 1.7976931348623157e308
    cols = [[0.0, 0.0, -0.0, 0.0], [tiny, -tiny, tiny, tiny], [big, big, -big, tiny],
            [1e300, 1e-300, -1e300, 2.2250738585072014e-308], [0.1, 0.2, 0.3, -0.6],
            [2.0**52, 1.0, -(2.0**52), 2.0**-1074], [-big, -big, -big, -big], [1.0, 0.0, 0.0, 0.0]]
    assert_exact_sums(np.array(cols).T)
    assert_exact_sums(np.zeros((5, 3)))
    assert_exact_sums(np.full((3000, 2), big))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 5)),
              elements=st.floats(allow_nan=False, allow_infinity=False)))
def test_exact_sums_random(F):
    assert_exact_sums(F)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 4)),
              elements=st.one_of(st.just(0.0), st.floats(-1e-300, 1e-300), st.floats(-1e-3, 1e3))))
def test_exact_sums_small_and_subnormal(F):
    assert_exact_sums(F)


# --- 6. what tier 1 declines ---------------------------------------------------------------------------

def test_a_singular_covariance_is_declined():
    problem = make_problem(1, 20, 2, 2, "thousandths")
    weights, means, covs = start_params(problem)
    singular = [[arb(1), arb(1)], [arb(1), arb(1)]]
    with pytest.raises(Declined):
        plan(problem, (weights, means, [covs[0], singular]), FloatData.of(problem.points))


@pytest.mark.parametrize("tiny", [Fraction(1, 10**30), Fraction(1, 10**14)])
def test_an_extremely_ill_conditioned_covariance_is_declined(tiny):
    """The float kernel declines; the double-double one (integer data) encloses the reference at 1e-14, and
    declines at 1e-30 (the start's own 192-bit balls leave ε_A above 1 there)."""
    cov = [[1, 1], [1, 1 + tiny]]
    problem = gmmexact.Problem.from_arrays([[0, 0], [1, 1], [2, 3]], means=[[1, 1]], covariances=[cov], weights=[1])
    with pytest.raises(Declined):
        float_iterations(problem, 1, kernel="float")
    if tiny < Fraction(1, 10**20):
        with pytest.raises(Declined):
            float_iterations(problem, 1)
        return
    ours = float_iterations(problem, 1)[0].iteration
    run = partitioned_iterations(problem, 1, digits=30)
    ref = run.iterations[0]
    with precision(run.prec):
        assert ours.loglik.overlaps(ref.loglik)
        for c in range(2):
            assert ours.means[0][c].overlaps(ref.means[0][c])
            for k in range(2):
                assert ours.covariances[0][c][k].overlaps(ref.covariances[0][c][k])
                assert float(ours.covariances[0][c][k].rad()) < 1e-12


@pytest.mark.parametrize("points", [[[Fraction(1, 3**40), 1]], [[Fraction(1, 3), Fraction(1, 2**70)]],
                                    DecimalPoints([[10**30, 1]], 0), DecimalPoints([[2**52, 1]], -2)])
def test_points_without_a_float_form_are_declined(points):
    """Neither float64 values nor decimals with a small common denominator: a reason, then Declined."""
    assert isinstance(FloatData.of(points), str)
    problem = gmmexact.Problem.from_arrays(points, means=[[0, 0]], covariances=[[[1, 0], [0, 1]]], weights=[1])
    with pytest.raises(Declined):
        float_iterations(problem, 1)


# --- 7. the float form of the points -------------------------------------------------------------------

def test_float_form_of_float_points():
    f = FloatData.of(FloatPoints(np.array([[1.0, -2.0], [3.0, 0.0]])))
    assert f.X.tolist() == [[1.0, -2.0], [3.0, 0.0]] and f.scale == 1 and f.integral is True
    f = FloatData.of(FloatPoints(np.array([[0.1, 1e6 + 0.5]])))
    assert f.X.tolist() == [[0.1, 1e6 + 0.5]] and f.scale == 1 and f.integral is False
    f = FloatData.of(FloatPoints(np.array([[2.0**53, 1.0]])))  # integers too large for exact differences
    assert f.X.tolist() == [[2.0**53, 1.0]] and f.integral is False


def test_float_form_of_decimal_points():
    f = FloatData.of(DecimalPoints([[1600, -25], [1, 0]], -1))
    assert f.X.tolist() == [[1600.0, -25.0], [1.0, 0.0]] and f.scale == Fraction(1, 10) and f.integral is True
    f = FloatData.of(DecimalPoints([[7, -3]], 2))
    assert f.X.tolist() == [[7.0, -3.0]] and f.scale == 100 and f.integral is True


def test_float_form_of_fractions():
    f = FloatData.of([[Fraction(1, 3), Fraction(1, 7)], [Fraction(-2), Fraction(5, 21)]])
    assert f.X.tolist() == [[7.0, 3.0], [-42.0, 5.0]] and f.scale == Fraction(1, 21) and f.integral is True
    f = FloatData.of([[Fraction(1234, 1000)], [Fraction(-6, 1000)]])  # 617/500 and -3/500
    assert f.X.tolist() == [[617.0], [-3.0]] and f.scale == Fraction(1, 500) and f.integral is True
    f = FloatData.of([[Fraction(0.1), Fraction(2.0**-70)]])  # binary fractions past 2^62: the floats
    assert f.X.tolist() == [[0.1, 2.0**-70]] and f.scale == 1 and f.integral is False
    f = FloatData.of([[3, 4]])
    assert f.X.tolist() == [[3.0, 4.0]] and f.scale == 1 and f.integral is True


def test_float_form_of_problem_points():
    """A problem's points (rows of Fractions) and the same values as FloatPoints/DecimalPoints."""
    a = make_problem(2, 10, 2, 1, "thousandths").points
    b = make_problem(2, 10, 2, 1, "decimal").points
    fa, fb = FloatData.of(a), FloatData.of(b)
    assert all(Fraction(float(fa.X[i, j])) * fa.scale == a[i][j] for i in range(10) for j in range(2))
    assert all(Fraction(float(fb.X[i, j])) * fb.scale == b[i][j] for i in range(10) for j in range(2))
    assert fa.integral and fb.integral and fb.scale == Fraction(1, 1000)
