"""Certified decimal rounding: pinned semantics and property checks."""
from __future__ import annotations

import time
from decimal import ROUND_05UP, ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

import flint
import mpmath
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gmmexact.numerics.rounding import (
    Rounded,
    round_arb,
    round_fraction,
    round_interval,
    round_mpmath_interval,
)

F = Fraction


@pytest.fixture
def prec():
    """Set flint's working precision for one test and restore it afterwards."""
    saved = flint.ctx.prec

    def set_prec(bits):
        flint.ctx.prec = bits

    yield set_prec
    flint.ctx.prec = saved


def reference(q: Fraction, digits: int) -> Decimal:
    """Independent rounding by the decimal module.

    Dividing with ROUND_05UP at digits + 3 digits and then rounding half to
    even to ``digits`` is free of double-rounding errors.
    """
    wide = Context(prec=digits + 3, rounding=ROUND_05UP, Emin=-10**9, Emax=10**9)
    x = wide.divide(Decimal(q.numerator), Decimal(q.denominator))
    return Context(prec=digits, rounding=ROUND_HALF_EVEN, Emin=-10**9, Emax=10**9).plus(x)


def mpmath_digits(value_fn, digits: int, dps: int = 60) -> Decimal:
    """Round a high-precision mpmath value (as a 30+ digit string) with Decimal."""
    with mpmath.workdps(dps):
        s = mpmath.nstr(value_fn(), dps - 10)
    return Context(prec=digits, rounding=ROUND_HALF_EVEN, Emin=-10**9, Emax=10**9).plus(Decimal(s))


def as_decimal(r: Rounded) -> Decimal:
    return Decimal(f"{r.mantissa}e{r.exponent}")  # exact: no context rounding


def same(a: Rounded | None, b: Rounded | None) -> bool:
    return a is not None and b is not None and (a.mantissa, a.exponent) == (b.mantissa, b.exponent)


# ---------------------------------------------------------------- exact values


def test_thirds():
    assert str(round_fraction(F(1, 3), 6)) == "0.333333"
    assert str(round_fraction(F(2, 3), 6)) == "0.666667"
    r = round_fraction(F(2, 3), 6)
    assert (r.mantissa, r.exponent, r.exact, r.tie) == (666667, -6, False, False)


def test_trailing_zeros_kept_and_exact():
    r = round_fraction(F(100), 6)
    assert str(r) == "100.000"
    assert r.exact and not r.tie
    assert (r.mantissa, r.exponent) == (100000, -3)
    assert str(round_fraction(F(1, 4), 6)) == "0.250000"
    assert round_fraction(F(1, 4), 6).exact


def test_ties_half_even():
    r = round_fraction(F(1, 4), 1)
    assert str(r) == "0.2" and r.tie and not r.exact
    r = round_fraction(F(3, 4), 1)
    assert str(r) == "0.8" and r.tie
    assert str(round_fraction(F(-1, 4), 1)) == "-0.2"
    assert str(round_fraction(F(25), 1)) == "2e+1"  # not "20": its 0 would not be a significant digit
    assert not round_fraction(F(26, 100), 1).tie


def test_carry_into_next_decade():
    r = round_fraction(F("9.995"), 3)  # 999.5 -> 1000 (even)
    assert str(r) == "10.0" and r.tie
    assert str(round_fraction(F("9.985"), 3)) == "9.98"  # tie, 998 is even
    assert str(round_fraction(F("9.9996"), 4)) == "10.00"
    assert str(round_fraction(F("-0.99999"), 2)) == "-1.0"


def test_carry_interval_and_ball(prec):
    assert str(round_interval(F("9.9996"), F("9.99996"), 4)) == "10.00"
    prec(200)
    ball = flint.arb(flint.fmpq(999978, 100000), flint.fmpq(18, 100000))  # [9.9996, 9.99996]
    assert ball.contains(flint.arb("9.9996")) and ball.contains(flint.arb("9.99996"))
    r = round_arb(ball, 4)
    assert str(r) == "10.00" and not r.exact and not r.tie


def test_zero():
    r = round_fraction(F(0), 3)
    assert (r.mantissa, r.exponent, r.exact, r.tie) == (0, 0, True, False)
    assert str(r) == r.scientific() == r.positional() == "0"
    assert round_interval(F(0), F(0), 3) == r
    assert round_interval(F(-1, 10**9), F(1, 10**9), 1) is None
    assert round_interval(F(0), F(1, 10**9), 1) is None
    assert round_interval(F(-1, 10**9), F(0), 1) is None


def test_zero_ball_and_interval(prec):
    assert round_arb(flint.arb(0), 3) == round_fraction(0, 3)
    assert round_arb(flint.arb(0, 1e-30), 3) is None
    assert str(round_mpmath_interval(mpmath.iv.mpf(0), 3)) == "0"
    assert round_mpmath_interval(mpmath.iv.mpf([-1, 1]), 3) is None


def test_negative_values():
    assert str(round_fraction(F(-2, 3), 6)) == "-0.666667"
    assert str(round_interval(F("-2.0004"), F("-2.0003"), 3)) == "-2.00"
    assert round_interval(F("-2.0004"), F("-2.0003"), 5) is None
    assert str(round_fraction(F(-3, 10**40), 3)) == "-3.00e-40"


def test_bad_input():
    with pytest.raises(ValueError):
        round_interval(F(2), F(1), 3)
    with pytest.raises(ValueError):
        round_fraction(F(1), 0)


# ---------------------------------------------------------------- formatting


def test_formatting():
    assert str(Rounded(106684748780, -13, 12, False, False)) == "0.0106684748780"
    assert str(round_fraction(F("62.83185"), 6)) == "62.8318"  # tie: 8 is even
    assert str(round_fraction(F("62.831853"), 6)) == "62.8319"
    assert str(round_fraction(F(1, 10**5), 3)) == "0.0000100"
    assert str(round_fraction(F(99999, 10**10), 3)) == "0.0000100"  # rounds up into range
    assert str(round_fraction(F(99999, 10**10), 5)) == "9.9999e-6"
    assert str(round_fraction(F(9, 10**6), 2)) == "9.0e-6"
    assert str(round_fraction(F(10**15 - 1), 15)) == "999999999999999"
    assert str(round_fraction(F(10**15 - 1), 16)) == "999999999999999.0"
    assert str(round_fraction(F(10**15), 3)) == "1.00e+15"
    assert str(round_fraction(F(7), 1)) == "7"
    assert round_fraction(F(7), 1).scientific() == "7e+0"
    assert round_fraction(F(123456), 3).positional() == "123000"
    assert round_fraction(F(-5, 1000), 2).scientific() == "-5.0e-3"


# ---------------------------------------------------------------- balls


def test_one_minus_tiny(prec):
    prec(200)
    x = 1 - flint.arb(10) ** -27
    assert str(round_arb(x, 30)) == "0.999999999999999999999999999000"
    prec(53)
    x = 1 - flint.arb(10) ** -27
    assert round_arb(x, 30) is None


def test_undecided_ball(prec):
    prec(53)
    assert round_arb(flint.arb("1.1"), 20) is None
    assert str(round_arb(flint.arb("1.1"), 15)) == "1.10000000000000"


def test_straddling_boundaries():
    half = flint.arb(flint.fmpq(1, 2), flint.fmpq(1, 100))  # [0.49, 0.51]
    assert str(round_arb(half, 1)) == "0.5"  # 0.5 is a 1-digit value, not a boundary
    assert round_arb(flint.arb(flint.fmpq(55, 100), flint.fmpq(1, 1000)), 1) is None  # 0.55
    assert round_arb(flint.arb(flint.fmpq(95, 100), flint.fmpq(1, 1000)), 1) is None  # 0.95 carry
    assert round_arb(flint.arb(flint.fmpq(1, 2), flint.fmpq(1, 10)), 1) is None  # [0.4, 0.6]
    quarter = flint.arb(flint.fmpq(1, 4), flint.fmpq(1, 1000))
    assert round_arb(quarter, 1) is None
    exact_quarter = round_arb(flint.arb(flint.fmpq(1, 4)), 1)
    assert str(exact_quarter) == "0.2" and exact_quarter.tie and not exact_quarter.exact


def test_tie_endpoint_is_undecided():
    # every point of [0.35, 0.36] rounds to 0.4, but whether it is a tie is unknown
    assert round_interval(F("0.35"), F("0.36"), 1) is None
    assert round_interval(F("0.34"), F("0.35"), 1) is None
    assert round_interval(F("0.35"), F("0.35"), 1).tie


def test_non_finite(prec):
    assert round_arb(flint.arb("nan"), 3) is None
    assert round_arb(flint.arb("inf"), 3) is None
    assert round_arb(flint.arb(1, flint.arb("inf")), 3) is None
    assert round_mpmath_interval(mpmath.iv.mpf(["-inf", "inf"]), 3) is None
    assert round_mpmath_interval(mpmath.iv.mpf([1, "inf"]), 3) is None


def _gauss_arb():
    return (flint.arb(-2) / 5).exp() / (20 * flint.arb.pi())


def test_gaussian_value_12_digits(prec):
    prec(200)
    r = round_arb(_gauss_arb(), 12)
    assert str(r) == "0.0106684748780"
    ref = mpmath_digits(lambda: mpmath.exp(mpmath.mpf(-2) / 5) / (20 * mpmath.pi), 12)
    assert as_decimal(r) == ref
    assert len(str(abs(r.mantissa))) == 12


def test_tiny_value(prec):
    prec(200)
    x = (flint.arb(-125) / 2).exp() / (20 * flint.arb.pi())
    r = round_arb(x, 6)
    assert str(r) == "1.14397e-29"
    assert str(round_arb(x, 4)) == "1.144e-29"
    ref = mpmath_digits(lambda: mpmath.exp(mpmath.mpf(-125) / 2) / (20 * mpmath.pi), 6)
    assert as_decimal(r) == ref


def test_huge_negative_exponent_fast(prec):
    prec(200)
    x = flint.arb(-700000).exp()
    t = time.perf_counter()
    r = round_arb(x, 20)
    elapsed = time.perf_counter() - t
    assert elapsed < 0.1
    assert r.leading_exponent() == -304007
    assert str(r) == "7.2889961983952364484e-304007"
    ref = mpmath_digits(lambda: mpmath.exp(-700000), 20)
    assert as_decimal(r) == ref
    assert round_arb(x, 60) is None  # relative radius ~1e-60: too wide for 60 digits


def test_arb_and_mpmath_agree(prec):
    prec(300)
    a = _gauss_arb()
    saved = mpmath.iv.dps  # mpmath.iv has no workdps/workprec context managers
    try:
        mpmath.iv.dps = 80
        m = mpmath.iv.exp(mpmath.iv.mpf(-2) / 5) / (20 * mpmath.iv.pi)
    finally:
        mpmath.iv.dps = saved
    for digits in (12, 30):
        ra, rm = round_arb(a, digits), round_mpmath_interval(m, digits)
        assert ra is not None and ra == rm
    assert str(round_arb(a, 30)) == str(round_mpmath_interval(m, 30))


# ---------------------------------------------------------------- properties

fractions = st.fractions(max_denominator=10**30).filter(lambda q: q != 0) | st.builds(
    lambda n, k: F(n) * F(10) ** k,
    st.integers(-(10**40), 10**40).filter(bool),
    st.integers(-60, 60),
)
digit_counts = st.integers(1, 40)


@settings(max_examples=400, deadline=None)
@given(fractions, digit_counts)
def test_round_fraction_matches_decimal(q, digits):
    r = round_fraction(q, digits)
    assert 10 ** (digits - 1) <= abs(r.mantissa) < 10**digits
    assert as_decimal(r) == reference(q, digits)
    assert r.exact == (r.fraction() == q)
    # the printed string parses back to the rounded value
    assert F(Decimal(str(r))) == r.fraction()
    assert F(Decimal(r.scientific())) == r.fraction()


@settings(max_examples=300, deadline=None)
@given(st.integers(-(10**6), 10**6).filter(bool), st.integers(-30, 30), st.integers(1, 12))
def test_ties_agree_with_decimal(n, k, digits):
    q = (F(n) + F(1, 2)) * F(10) ** k  # often a tie at some digit count
    r = round_fraction(q, digits)
    assert as_decimal(r) == reference(q, digits)
    # a tie means 2q is an odd multiple of the last-place unit (before a carry)
    odd_multiple = [
        (t.denominator == 1 and t.numerator % 2 == 1)
        for t in (2 * q / F(10) ** r.exponent, 2 * q / F(10) ** (r.exponent - 1))
    ]
    if r.tie:
        assert any(odd_multiple)
    else:
        assert not odd_multiple[0]


def _cell(r: Rounded) -> tuple[Fraction, Fraction]:
    """Open interval of values (of the sign of r) that round to r."""
    m, ulp = abs(r.mantissa), F(10) ** r.exponent
    lower = (m - F(1, 20) if m == 10 ** (r.digits - 1) else m - F(1, 2)) * ulp
    upper = (m + F(1, 2)) * ulp
    return lower, upper


@settings(max_examples=300, deadline=None)
@given(fractions, digit_counts, st.integers(1, 1000))
def test_small_interval_inside_cell(q, digits, shrink):
    r = round_fraction(q, digits)
    assume(not r.tie)
    lower, upper = _cell(r)
    a = abs(q)
    assert lower < a < upper
    eps = min(a - lower, upper - a) / (1 + shrink)
    got = round_interval(q - eps, q + eps, digits)
    assert same(got, r) and not got.exact and not got.tie


@settings(max_examples=400, deadline=None)
@given(fractions, fractions, digit_counts, st.fractions(0, 1))
def test_interval_is_none_or_right(a, b, digits, t):
    lo, hi = min(a, b), max(a, b)
    got = round_interval(lo, hi, digits)
    if got is None:
        return
    for x in (lo, hi, (lo + hi) / 2, lo + t * (hi - lo)):
        assert same(got, round_fraction(x, digits))


@settings(max_examples=200, deadline=None)
@given(fractions, st.integers(1, 30), st.integers(20, 200))
def test_arb_and_mpmath_enclosures(q, digits, bits):
    exact = round_fraction(q, digits)
    saved = flint.ctx.prec
    try:
        flint.ctx.prec = bits
        x = flint.arb(flint.fmpq(q.numerator, q.denominator))
        ra = round_arb(x, digits)
    finally:
        flint.ctx.prec = saved
    assert ra is None or same(ra, exact)
    saved = mpmath.iv.prec
    try:
        mpmath.iv.prec = bits
        y = mpmath.iv.mpf(q.numerator) / q.denominator
    finally:
        mpmath.iv.prec = saved
    rm = round_mpmath_interval(y, digits)
    assert rm is None or same(rm, exact)
    if bits >= 4 * digits + 20 and not exact.tie:
        # generous precision decides unless q sits very close to a boundary
        lower, upper = _cell(exact)
        gap = min(abs(q) - lower, upper - abs(q)) / abs(q)
        if gap > F(1, 2 ** (bits - 8)):
            assert ra is not None and rm is not None
