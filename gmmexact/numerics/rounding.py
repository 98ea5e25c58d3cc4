"""Certified decimal rounding of exact values and of enclosures.

Every printed digit goes through :func:`round_interval`: the value is known
to lie in ``[lo, hi]`` (exact rationals) and the result is the value
correctly rounded (half to even) to ``digits`` significant digits, or
``None`` when the enclosure does not determine that result (the caller then
raises the working precision and recomputes).  No float and no library
``str()`` is used for the digits: all decisions are exact integer arithmetic.

>>> from fractions import Fraction
>>> str(round_fraction(Fraction(2, 3), 6))
'0.666667'
>>> str(round_interval(Fraction("9.9996"), Fraction("9.99996"), 4))
'10.00'
>>> round_interval(Fraction(1, 10), Fraction(2, 10), 3) is None
True
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Optional

import flint
import mpmath

__all__ = [
    "Rounded",
    "round_fraction",
    "round_interval",
    "round_arb",
    "round_mpmath_interval",
]


@dataclass(frozen=True)
class Rounded:
    """A value rounded to ``digits`` significant decimal digits.

    Attributes
    ----------
    mantissa : int
        Signed integer with exactly ``digits`` decimal digits, or 0.
    exponent : int
        The rounded value is ``mantissa * 10**exponent``.
    digits : int
        Number of significant digits (trailing zeros included).
    exact : bool
        True iff the rounded value is proven equal to the value.
    tie : bool
        True iff the value lies exactly half-way between two candidates
        (it was then rounded half to even).

    Examples
    --------
    >>> r = Rounded(314159, -5, 6, exact=False, tie=False)
    >>> str(r), r.scientific()
    ('3.14159', '3.14159e+0')
    >>> str(Rounded(-114400, -34, 6, False, False))
    '-1.14400e-29'
    >>> str(Rounded(0, 0, 6, True, False))
    '0'
    """

    mantissa: int
    exponent: int
    digits: int
    exact: bool
    tie: bool

    def fraction(self) -> Fraction:
        """The rounded value as an exact rational.

        >>> Rounded(25, -1, 2, True, False).fraction()
        Fraction(5, 2)
        """
        if self.exponent >= 0:
            return Fraction(self.mantissa * 10**self.exponent)
        return Fraction(self.mantissa, 10**-self.exponent)

    def _sign_digits(self) -> tuple[str, str]:
        return ("-" if self.mantissa < 0 else ""), _int_str(abs(self.mantissa))

    def leading_exponent(self) -> int:
        """Decimal exponent of the leading digit (0 for zero).

        >>> Rounded(100000, -3, 6, True, False).leading_exponent()
        2
        """
        if self.mantissa == 0:
            return 0
        return self.exponent + self.digits - 1  # the mantissa has exactly `digits` digits

    def scientific(self) -> str:
        """Scientific notation, one digit before the point, e.g. ``'1.14400e-29'``.

        The exponent always carries a sign and is not zero-padded.

        >>> Rounded(100000, -3, 6, True, False).scientific()
        '1.00000e+2'
        >>> Rounded(-7, 3, 1, True, False).scientific()
        '-7e+3'
        """
        if self.mantissa == 0:
            return "0"
        sign, s = self._sign_digits()
        body = s[0] + ("." + s[1:] if len(s) > 1 else "")
        e = self.leading_exponent()
        return f"{sign}{body}e{'-' if e < 0 else '+'}{_int_str(abs(e))}"

    def positional(self) -> str:
        """Positional notation keeping every significant digit.

        When the exponent is positive the digits are followed by zeros
        (which then are not significant).

        >>> Rounded(106684748780, -13, 12, False, False).positional()
        '0.0106684748780'
        >>> Rounded(123, 3, 3, False, False).positional()
        '123000'
        """
        if self.mantissa == 0:
            return "0"
        sign, s = self._sign_digits()
        e = self.exponent
        if e >= 0:
            return sign + s + "0" * e
        point = len(s) + e  # digits before the decimal point
        if point > 0:
            return f"{sign}{s[:point]}.{s[point:]}"
        return f"{sign}0.{'0' * -point}{s}"

    def __str__(self) -> str:
        """Positional when ``|value| >= 1e-5`` and every digit shown is significant, else scientific.

        Scientific as soon as positional notation would need zeros that are not significant left of
        the point (``1.23e+5``, not ``123000``), so no printed digit claims more than is proven.

        >>> str(Rounded(123, 3, 3, False, False)), str(Rounded(100000, -3, 6, True, False))
        ('1.23e+5', '100.000')
        """
        if self.mantissa == 0:
            return "0"
        if -5 <= self.leading_exponent() and self.exponent <= 0:
            return self.positional()
        return self.scientific()


def _int_str(n: int) -> str:
    """``str(n)`` also beyond Python's default 4300-digit limit for int-to-str conversion."""
    try:
        return str(n)
    except ValueError:
        return str(flint.fmpz(n))


# ----------------------------------------------------------------------------
# exact integer core

_LOG10_2 = math.log10(2)


@lru_cache(maxsize=256)
def _pow10(k: int) -> int:
    """``10**k`` for ``k >= 0``; large powers via FLINT (GMP), which is ~20x faster."""
    if k > 3000:
        try:
            import flint

            return int(flint.fmpz(10) ** k)
        except ImportError:  # pragma: no cover - flint is a dependency
            pass
    return 10**k


def _check_digits(digits: int) -> int:
    try:
        d = operator.index(digits)
    except TypeError:
        d = 0
    if isinstance(digits, bool) or d < 1:
        raise ValueError(f"digits must be an integer >= 1, got {digits!r}")
    return d


def _log10_estimate(n: int, d: int) -> int:
    """An estimate (normally exact, else off by one) of floor(log10(n/d)), n, d > 0."""
    try:
        return math.floor(math.log10(n) - math.log10(d))
    except (OverflowError, ValueError):  # pragma: no cover - defensive
        return math.floor((n.bit_length() - d.bit_length()) * _LOG10_2)


def _round_pos(n: int, d: int, digits: int) -> tuple[int, int, bool, bool]:
    """Round ``n/d > 0`` half to even to ``digits`` significant digits.

    Returns ``(mantissa, exponent, exact, tie)`` with ``10**(digits-1) <=
    mantissa < 10**digits``.  The leading exponent is first estimated with
    floating-point logarithms and then corrected by exact comparisons, so
    the cost does not grow with the size of the exponent beyond big-integer
    arithmetic.
    """
    low, high = _pow10(digits - 1), _pow10(digits)
    e = _log10_estimate(n, d)
    shift = d.bit_length() - 1 if d & (d - 1) == 0 else -1  # a dyadic n/d: divide by shifting
    while True:
        s = digits - 1 - e  # scale: n/d * 10**s should lie in [low, high)
        if s >= 0:
            num, den = n * _pow10(s), d
        else:
            num, den = n, d * _pow10(-s)
        if s >= 0 and shift >= 0:
            q, r = num >> shift, num & (den - 1)
        else:
            q, r = divmod(num, den)
        if q < low:
            e -= 1
        elif q >= high:
            e += 1
        else:
            break
    twice = 2 * r
    tie = twice == den
    if twice > den or (tie and q & 1):
        q += 1
    if q == high:  # carry into a new decade: 9.995 -> 10.0
        q, s = low, s - 1
    return q, -s, r == 0, tie


def _round_point(n: int, d: int, digits: int) -> Rounded:
    """Round the exact value ``n/d`` (``d > 0``)."""
    if n == 0:
        return Rounded(0, 0, digits, exact=True, tie=False)
    m, e, exact, tie = _round_pos(abs(n), d, digits)
    return Rounded(m if n > 0 else -m, e, digits, exact, tie)


def _round_nd(ln: int, ld: int, hn: int, hd: int, digits: int) -> Optional[Rounded]:
    """Core of :func:`round_interval` on ``[ln/ld, hn/hd]`` with positive denominators."""
    digits = _check_digits(digits)
    if ld <= 0 or hd <= 0:
        raise ValueError("denominators must be positive")
    cmp = ln - hn if ld == hd else ln * hd - hn * ld
    if cmp > 0:
        raise ValueError("empty interval: lo > hi")
    if cmp == 0:
        return _round_point(ln, ld, digits)
    if ln <= 0 <= hn:
        return None  # contains zero: not even the sign is known
    negative = hn < 0
    if negative:  # round [-hi, -lo] and negate (half-even rounding is symmetric)
        ln, ld, hn, hd = -hn, hd, -ln, ld
    m1, e1, _, tie1 = _round_pos(ln, ld, digits)
    m2, e2, _, tie2 = _round_pos(hn, hd, digits)
    # Rounding is monotone, so equal results at both ends decide the whole
    # interval.  An end exactly on a tie point leaves the tie flag (and the
    # question whether the value is that point) open: undecided.
    if (m1, e1) != (m2, e2) or tie1 or tie2:
        return None
    return Rounded(-m1 if negative else m1, e1, digits, exact=False, tie=False)


# ----------------------------------------------------------------------------
# public entry points


def round_fraction(q: Fraction, digits: int) -> Rounded:
    """Round an exact rational half to even to ``digits`` significant digits.

    Parameters
    ----------
    q : Fraction
        The value (anything ``Fraction()`` accepts exactly, e.g. int).
    digits : int
        Significant digits, at least 1.

    Returns
    -------
    Rounded
        Always decided; ``exact`` and ``tie`` are meaningful.

    Examples
    --------
    >>> str(round_fraction(Fraction(1, 3), 6))
    '0.333333'
    >>> r = round_fraction(Fraction(100), 6); str(r), r.exact
    ('100.000', True)
    >>> r = round_fraction(Fraction(1, 4), 1); str(r), r.tie
    ('0.2', True)
    >>> str(round_fraction(Fraction("9.995"), 3))
    '10.0'
    >>> str(round_fraction(Fraction(-2, 3), 2))
    '-0.67'
    """
    digits = _check_digits(digits)
    q = Fraction(q)
    return _round_point(q.numerator, q.denominator, digits)


def round_interval(lo: Fraction, hi: Fraction, digits: int) -> Optional[Rounded]:
    """Correctly rounded digits of a value known to lie in ``[lo, hi]``.

    Parameters
    ----------
    lo, hi : Fraction
        Exact bounds, ``lo <= hi`` (anything ``Fraction()`` accepts exactly).
    digits : int
        Significant digits, at least 1.

    Returns
    -------
    Rounded or None
        The common half-to-even rounding of every point of ``[lo, hi]``, or
        None when points of the interval round differently, when the
        interval contains 0 (and is not the point 0), or when an end point
        is exactly a tie (then the tie flag is unknown).  ``exact`` and
        ``tie`` can only be True when ``lo == hi``.

    Raises
    ------
    ValueError
        If ``lo > hi`` or ``digits < 1``.

    Examples
    --------
    >>> str(round_interval(Fraction("9.9996"), Fraction("9.99996"), 4))
    '10.00'
    >>> round_interval(Fraction("0.24"), Fraction("0.26"), 1) is None
    True
    >>> round_interval(Fraction(-1), Fraction(1), 3) is None
    True
    >>> str(round_interval(Fraction(-3, 10**40), Fraction(-2999, 10**43), 3))
    '-3.00e-40'
    """
    lo, hi = Fraction(lo), Fraction(hi)
    return _round_nd(lo.numerator, lo.denominator, hi.numerator, hi.denominator, digits)


def _dyadic_nd(man: int, exp: int) -> tuple[int, int]:
    """``man * 2**exp`` as numerator and power-of-two denominator."""
    if exp >= 0:
        return man << exp, 1
    return man, 1 << -exp


HUGE_EXPONENT = 1 << 22
"""Binary exponents beyond this are rounded by :func:`_round_huge` (exact rationals would not fit)."""


def _round_huge(x, digits: int) -> Optional[Rounded]:
    """Certified rounding of a ball whose binary exponent is astronomically large (e.g. exp(−10³⁸)).

    The decimal exponent ``E = ⌊log₁₀|x|⌋`` and the scaled value ``|x|·10^(digits−1−E)`` are
    enclosed in balls at a precision covering the exponent's size; the digits are returned only
    when ``E`` and the rounded integer are both unique (a half-integer inside the ball, or an
    undetermined ``E``, gives ``None``). Exact ties cannot be recognised here; the values that
    reach this path are transcendental.

    >>> import flint
    >>> str(_round_huge(flint.arb(-10**30).exp(), 5))  # mpmath at 50 digits: 2.48266…e-434294481903251827651128918917
    '2.4827e-434294481903251827651128918917'
    """
    if x.contains(0):
        return None
    saved = flint.ctx.prec
    mid_exp = int(x.mid().man_exp()[1])
    flint.ctx.prec = max(saved, abs(mid_exp).bit_length() + 4 * digits + 64)
    try:
        a = abs(x)
        E = (a.log() / flint.arb(10).log()).floor().unique_fmpz()
        if E is None:
            return None
        scaled = a * flint.arb(10) ** (digits - 1 - E)
        m = (scaled + flint.arb(1) / 2).floor().unique_fmpz()
        if m is None:
            return None
        m, E = int(m), int(E)
        if m == 10**digits:  # carry: 9.99…95 → 10.0…0
            m //= 10
            E += 1
        if not 10 ** (digits - 1) <= m < 10**digits:
            return None
        sign = -1 if x < 0 else 1
        return Rounded(sign * m, E - (digits - 1), digits, exact=False, tie=False)
    finally:
        flint.ctx.prec = saved


def round_arb(x, digits: int) -> Optional[Rounded]:
    """Correctly rounded digits of a python-flint ``arb`` ball.

    The end points ``mid -/+ rad`` are taken exactly from
    ``arb.man_exp()``; ``arb.str()`` is never used.

    Parameters
    ----------
    x : flint.arb
    digits : int

    Returns
    -------
    Rounded or None
        None when the ball is too wide to decide, contains 0 (unless it is
        exactly 0), or is not finite.

    Examples
    --------
    >>> import flint
    >>> saved = flint.ctx.prec
    >>> flint.ctx.prec = 200
    >>> x = flint.arb(-2) / 5
    >>> str(round_arb(x.exp() / (20 * flint.arb.pi()), 12))
    '0.0106684748780'
    >>> flint.ctx.prec = 53
    >>> round_arb(flint.arb("1.1"), 20) is None
    True
    >>> flint.ctx.prec = saved
    """
    digits = _check_digits(digits)
    if not x.is_finite():
        return None
    coarse = 4 * digits + 64  # bits enough for the digits, unless the value is near a rounding boundary
    if x.bits() > 2 * coarse and not x.is_exact():
        saved = flint.ctx.prec
        flint.ctx.prec = coarse
        try:
            wider = +x  # the ball rounded to fewer bits: it contains x, and its integers are small
        finally:
            flint.ctx.prec = saved
        got = round_arb(wider, digits)
        if got is not None:
            return got
    mm, me = (int(v) for v in x.mid().man_exp())
    rm, re_ = (int(v) for v in x.rad().man_exp())
    if max(abs(me), abs(re_) if rm else 0) > HUGE_EXPONENT:
        return _round_huge(x, digits)
    if rm == 0:
        n, d = _dyadic_nd(mm, me)
        return _round_point(n, d, digits)
    e = min(me, re_)  # common binary exponent
    mm <<= me - e
    rm <<= re_ - e
    ln, ld = _dyadic_nd(mm - rm, e)
    hn, hd = _dyadic_nd(mm + rm, e)
    return _round_nd(ln, ld, hn, hd, digits)


def _mpf_tuple_nd(t) -> Optional[tuple[int, int]]:
    """Exact ``(num, den)`` of an mpmath ``_mpf_`` tuple, None if inf/nan."""
    sign, man, exp, _bc = t
    if man == 0:
        if exp == 0:  # (0, 0, 0, 0) is zero, (1, 0, 0, 0) negative zero
            return 0, 1
        return None  # inf, -inf, nan
    n, d = _dyadic_nd(int(man), int(exp))
    return (-n if sign else n), d


def round_mpmath_interval(x, digits: int) -> Optional[Rounded]:
    """Correctly rounded digits of an mpmath interval (``mpmath.iv.mpf``).

    The end points are read exactly from the ``_mpi_`` pair of raw mpf
    tuples ``(sign, man, exp, bc)``.

    Parameters
    ----------
    x : mpmath.iv.mpf
    digits : int

    Returns
    -------
    Rounded or None

    Examples
    --------
    >>> import mpmath
    >>> str(round_mpmath_interval(mpmath.iv.mpf(0.1), 30))  # the double nearest 0.1
    '0.100000000000000005551115123126'
    >>> str(round_mpmath_interval(mpmath.iv.mpf("0.1"), 15))  # an enclosure of 1/10
    '0.100000000000000'
    >>> x = mpmath.iv.mpf(1) / 3
    >>> str(round_mpmath_interval(x, 6))
    '0.333333'
    >>> round_mpmath_interval(x, 17) is None
    True
    """
    digits = _check_digits(digits)
    a, b = x._mpi_
    if max(_mpf_magnitude(a), _mpf_magnitude(b)) > HUGE_EXPONENT:  # compare by exponent, never expand
        if not (a[1] or a[2]) or not (b[1] or b[2]):  # an end point 0: the sign is not known
            return None
        if not a[1] or not b[1]:  # inf or nan
            return None
        saved = flint.ctx.prec
        flint.ctx.prec = max(saved, int(a[3]) + int(b[3]) + 64)  # the end points as exact arbs
        try:
            ends = [flint.arb((-int(t[1]) if t[0] else int(t[1]), int(t[2]))) for t in (a, b)]
            return _round_huge(ends[0].union(ends[1]), digits)
        finally:
            flint.ctx.prec = saved
    lo, hi = _mpf_tuple_nd(a), _mpf_tuple_nd(b)
    if lo is None or hi is None:
        return None
    return _round_nd(lo[0], lo[1], hi[0], hi[1], digits)


def _mpf_magnitude(t) -> int:
    """The binary size of an mpmath ``_mpf_`` tuple's exact rational: ``|exponent| + bits``; 0 for 0, inf, nan."""
    return abs(int(t[2])) + int(t[3]) if t[1] else 0


def bound_exponent() -> int:
    """The largest binary exponent an end point is written out with exactly: four times the working
    precision (of python-flint or of ``mpmath.iv``, whichever is larger), and at least ``2**17``, far below
    any number a person writes (``10**-10000`` is ``2**-33220``)."""
    return max(1 << 17, 4 * max(flint.ctx.prec, mpmath.iv.prec))


def _on_grid(man: int, exp: int, limit: int, up: bool) -> int:
    """``man·2^exp`` rounded down (``up``: up) to a whole multiple of ``2^−limit``, in those units; the
    shift is by exponents only, so a tiny ``2^−10¹⁰`` costs nothing. OverflowError past ``2^limit``."""
    if man == 0:
        return 0
    if exp + man.bit_length() > limit:
        raise OverflowError(f"an end point near 2^{exp + man.bit_length()} is too large to write exactly")
    shift = exp + limit
    if shift >= 0:
        return man << shift
    return -((-man) >> -shift) if up else man >> -shift


def ball_bounds(x) -> tuple[Fraction, Fraction]:
    """Proven end points ``(lo, hi)`` of an ``arb`` ball or an ``mpmath.iv`` interval, as Fractions.

    Exact when the end points are whole multiples of ``2^−bound_exponent()`` (every end point of a
    value not astronomically close to 0); otherwise rounded outward to that grid, so that ``exp(−10¹⁰)``
    gives ``[0, 2·2^−bound_exponent()]`` instead of an integer of 1.4·10¹⁰ bits: the bounds still hold,
    and their size stays a few times the working precision. Raises ValueError for a non-finite
    enclosure, OverflowError for an end point beyond ``2^bound_exponent()``.

    >>> import flint
    >>> ball_bounds(flint.arb(3))
    (Fraction(3, 1), Fraction(3, 1))
    >>> lo, hi = ball_bounds((-flint.arb(10) ** 10).exp())  # about 2^(-1.4·10¹⁰)
    >>> lo, hi * 2 ** bound_exponent()
    (Fraction(0, 1), Fraction(2, 1))
    """
    limit = bound_exponent()
    if hasattr(x, "_mpi_"):
        a, b = x._mpi_
        if (not a[1] and a[2]) or (not b[1] and b[2]):
            raise ValueError("interval is not finite")
        (lm, le), (hm, he) = [(-int(t[1]) if t[0] else int(t[1]), int(t[2])) for t in (a, b)]
        if min(le if lm else 0, he if hm else 0) >= -limit:  # exact, and of bounded size
            _on_grid(lm, le, limit, False), _on_grid(hm, he, limit, True)  # OverflowError when too large
            return Fraction(*_dyadic_nd(lm, le)), Fraction(*_dyadic_nd(hm, he))
        lo, hi = _on_grid(lm, le, limit, False), _on_grid(hm, he, limit, True)
    else:
        if not x.is_finite():
            raise ValueError("ball is not finite")
        mm, me = (int(v) for v in x.mid().man_exp())
        rm, re_ = (int(v) for v in x.rad().man_exp())
        rad = _on_grid(rm, re_, limit, True)
        if min(me if mm else 0, re_ if rm else 0) >= -limit:  # exact, and of bounded size
            _on_grid(mm, me, limit, False)  # OverflowError when too large
            mid, r = Fraction(*_dyadic_nd(mm, me)), Fraction(*_dyadic_nd(rm, re_))
            return mid - r, mid + r
        lo, hi = _on_grid(mm, me, limit, False) - rad, _on_grid(mm, me, limit, True) + rad
        if x > 0:  # a known sign survives the widening
            lo = max(lo, 0)
        elif x < 0:
            hi = min(hi, 0)
    return Fraction(lo, 1 << limit), Fraction(hi, 1 << limit)
