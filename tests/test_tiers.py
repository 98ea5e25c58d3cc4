"""The tiers of the parameters path (gmmexact/numerics/tiers.py) agree digit for digit with the arb tier on
random and hostile problems: every tier is certified, so where two of them decide a value they give the
same decimal. Tier 1 declines (it never guesses) where float64 cannot hold the data or the bounds."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gmmexact
from gmmexact.model.decimalpoints import DecimalPoints
from gmmexact.model.floatpoints import FloatPoints
from gmmexact.numerics import floattier
from gmmexact.numerics.partitioned import partitioned_iterations
from gmmexact.numerics.tiers import certified_parameters

DIGITS = 9


@st.composite
def problems(draw):
    """Small problems of every model, with data of very different scales and kinds."""
    n = draw(st.integers(1, 40))
    d = draw(st.integers(1, 3))
    K = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["full", "tied", "diag", "spherical"]))
    exponent = draw(st.sampled_from([-300, -6, -3, 0, 4, 250]))
    spread = draw(st.sampled_from([1, 10, 1000, 10**6]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    ints = rng.integers(-spread, spread + 1, (n, d))
    if draw(st.booleans()):
        ints[:, 0] += draw(st.sampled_from([0, 10**9, -(10**12)]))  # far from the origin
    as_floats = draw(st.booleans()) and -300 < exponent < 250
    if as_floats:
        points = FloatPoints(ints * 10.0**exponent)
    else:
        points = DecimalPoints(ints.astype(np.int64), exponent)
    rows = [list(p) for p in points]
    means = [rows[int(i)] for i in rng.integers(0, n, K)]
    scale = Fraction(10) ** exponent * max(spread, 1)
    covs = []
    for _ in range(K):
        base = [[(scale * scale) * (1 + i) if i == j else Fraction(0) for j in range(d)] for i in range(d)]
        if kind == "full" and d > 1:
            base[0][1] = base[1][0] = (scale * scale) / 3
        covs.append(base)
    if kind in ("tied", "spherical"):
        covs = [[[covs[0][0][0] if i == j else Fraction(0) for j in range(d)] for i in range(d)]] * K
    fixed = draw(st.sampled_from([[], ["weight"], ["mean"]]))
    offset = draw(st.sampled_from([Fraction(0), Fraction(1, 100)]))
    reg = draw(st.sampled_from([Fraction(0), scale * scale / 1000]))
    return gmmexact.Problem.from_arrays(points, means, covs, [Fraction(1, K)] * K, covariance_type=kind,
                                        fixed=fixed, count_offset=offset, reg_covar=reg)


def agree(a, b) -> None:
    for key in a.keys():
        x, y = a.decimal(key, DIGITS), b.decimal(key, DIGITS)
        flat_x, flat_y = np.ravel(np.array(x, dtype=object)), np.ravel(np.array(y, dtype=object))
        for u, v in zip(flat_x, flat_y):
            if u is not None and v is not None:
                assert u == v, (key, u, v)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(problems(), st.integers(1, 2))
def test_every_tier_gives_the_arb_tiers_digits(problem, iterations):
    reference = partitioned_iterations(problem, iterations, digits=DIGITS)
    try:
        fast = certified_parameters(problem, iterations, digits=DIGITS, tier="float64")
    except floattier.Declined:
        fast = None
    if fast is not None and len(fast.iterations) == len(reference.iterations):
        agree(fast, reference)
    auto = certified_parameters(problem, iterations, digits=DIGITS)
    if len(auto.iterations) == len(reference.iterations):
        agree(auto, reference)
    assert bool(auto.stopped) == bool(reference.stopped)


def test_tier_one_declines_what_float64_cannot_hold():
    third = Fraction(1, 3**40)
    p = gmmexact.Problem.from_arrays([[third], [2 * third]], [[third]], [[[1]]], ["1"])
    assert isinstance(floattier.FloatData.of(p.points), str)
    with pytest.raises(floattier.Declined):
        floattier.float_iterations(p, 1)
    assert certified_parameters(p, 1, digits=6).tier.startswith("arb")
    tiny = Fraction(1, 10**30)
    nearly = gmmexact.Problem.from_arrays([[0, 0], [1, 1]], [[0, 0]], [[[1, 1], [1, 1 + tiny]]], ["1"])
    with pytest.raises(floattier.Declined):
        floattier.float_iterations(nearly, 1, kernel="float")
    auto, slow = certified_parameters(nearly, 1, digits=6), certified_parameters(nearly, 1, digits=6, tier="arb")
    # the double-double kernel encloses it (integer data), but the start's own balls (1 + 1e-30 at 192 bits)
    # leave the log-likelihood wide: tier 2 decides that, with the same digits
    assert [auto.decimal(k, 6) for k in auto.keys()] == [slow.decimal(k, 6) for k in slow.keys()]


def test_exp_and_log_bounds_hold_against_arb():
    import flint

    saved = flint.ctx.prec
    flint.ctx.prec = 200
    try:
        check_exp_and_log()
    finally:
        flint.ctx.prec = saved


def check_exp_and_log():
    import flint

    t = -np.concatenate([np.zeros(1), np.geomspace(1e-300, 699.9, 400), [699.99, 700.0, 745.0, 746.0]])
    e, rel, tiny = floattier.exp_certified(t)
    for x, v, small in zip(t.tolist(), e.tolist(), tiny.tolist()):
        exact = flint.arb(x).exp()
        if small:
            assert v == 0 and exact < flint.arb(2) ** -1000
        else:
            assert abs(exact - v) <= rel * v
    s = np.concatenate([[1.0, 2.0, 3.0, 1 + 2**-52], np.geomspace(1, 1e300, 300)])
    logs, err = floattier.log_certified(s)
    for x, v, r in zip(s.tolist(), logs.tolist(), err.tolist()):
        assert abs(flint.arb(x).log() - v) <= r


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=3, max_size=3),
                min_size=1, max_size=30))
def test_exact_column_sums_are_exact(rows):
    F = np.array(rows)
    for (m, e), col in zip(floattier.exact_column_sums(F), F.T):
        assert Fraction(m) * Fraction(2) ** e == sum((Fraction(v) for v in col.tolist()), Fraction(0))


@pytest.mark.parametrize("scale, var", [(1e-310, Fraction(10) ** -620), (1e-160, Fraction(10) ** -320),
                                        (1e150, Fraction(10) ** 300)])
def test_float_data_far_from_one_stay_on_tier_one_and_agree(scale, var):
    """Float data near 1e-310 (subnormal) or 1e150, whose covariances lie outside float64's range, are
    scaled by an exact power of two: tier 1 answers, with the arb tier's digits."""
    rng = np.random.default_rng(0)
    X = rng.normal(0, 1, (30, 2)) * scale
    X[:15] += 3 * scale
    pts = FloatPoints(X)
    rows = [list(p) for p in pts]
    problem = gmmexact.Problem.from_arrays(pts, [rows[0], rows[20]], [[[var, 0], [0, var]]] * 2, ["1/2", "1/2"])
    fast = certified_parameters(problem, 2, digits=DIGITS, tier="float64")
    assert fast.tier == "float64" and fast.stopped is None
    agree(fast, partitioned_iterations(problem, 2, digits=DIGITS))
