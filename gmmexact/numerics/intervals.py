"""Outward-rounded conversions between exact rationals and ``numpy.longdouble`` bounds.

The cross-check keeps its certified bounds (enclosures of exact values, of errors and of relative
errors) in ``longdouble`` arrays so that millions of them can be compared and turned into digit
counts at numpy speed. Every conversion here rounds outward: ``down(q) <= q <= up(q)`` exactly, on
any platform (``longdouble`` is the 80-bit x87 format on x86-64 Linux, plain float64 elsewhere;
only the tightness changes).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np

LD = np.longdouble
INF = LD("inf")
MANT = np.finfo(LD).nmant + 1  # significand bits (64 for x87 extended, 53 for float64)


def longdouble_of_int(m: int) -> LD:
    """The non-negative integer ``m < 2**64`` as a longdouble (exactly when it fits the significand)."""
    return LD(m >> 32) * LD(2.0**32) + LD(m & (2**32 - 1))


def down(q) -> LD:
    """The largest representable value ``<= q`` (or a lower bound no further than 2 ulp away).

    >>> from fractions import Fraction
    >>> x = down(Fraction(1, 3)); Fraction(*x.as_integer_ratio()) <= Fraction(1, 3)
    True
    >>> bool(down(Fraction(-1, 3)) == -up(Fraction(1, 3)))
    True
    """
    q = Fraction(q)
    if q < 0:
        return -up(-q)
    if q == 0:
        return LD(0)
    shift = q.numerator.bit_length() - q.denominator.bit_length() - 64
    scaled = q / Fraction(2) ** shift  # in [2**63, 2**65)
    if scaled >= 2**64:
        shift += 1
        scaled /= 2
    m = scaled.numerator // scaled.denominator  # 64 significant bits
    x = np.ldexp(longdouble_of_int(m), shift)
    if not np.isfinite(x):
        return np.finfo(LD).max
    if Fraction(*x.as_integer_ratio()) > q:  # m lost low bits in a narrow format, or underflow
        x = np.nextafter(x, -INF)
        while x > 0 and Fraction(*x.as_integer_ratio()) > q:
            x = np.nextafter(x, -INF)
    return x


def up(q) -> LD:
    """The smallest representable value ``>= q`` (an upper bound; ``inf`` beyond the range).

    >>> from fractions import Fraction
    >>> bool(up(Fraction(3)) == 3), Fraction(*up(Fraction(1, 10)).as_integer_ratio()) > Fraction(1, 10)
    (True, True)
    """
    q = Fraction(q)
    if q < 0:
        return -down(-q)
    x = down(q)
    if not np.isfinite(x):
        return INF
    while np.isfinite(x) and fraction(x) < q:
        x = np.nextafter(x, INF)
    return x


def fraction(x) -> Fraction:
    """A finite ``longdouble`` (or float) as the exact rational it is.

    >>> fraction(np.longdouble(0.5))
    Fraction(1, 2)
    """
    return Fraction(*LD(x).as_integer_ratio())


def pow10_down(max_exp: int = 400) -> np.ndarray:
    """``table[k] <= 10**-k`` for ``k = 0 … max_exp`` (lower bounds, for certified digit counts)."""
    return np.array([down(Fraction(1, 10**k)) for k in range(max_exp + 1)], dtype=LD)


_POW10 = None
MAX_DIGITS = 400


def digits_below(rel_hi: np.ndarray) -> np.ndarray:
    """The largest ``k >= 0`` with ``rel_hi <= 10**-k`` as far as proven (a lower bound of it).

    >>> digits_below(np.array([0.5, 9e-4, 1e-3, 2.5e-16, 2.0], dtype=np.longdouble)).tolist()  # 1e-3 > 10**-3
    [0, 3, 2, 15, 0]
    >>> digits_below(np.array(["3e-350", "inf", "nan"], dtype=np.longdouble)).tolist()  # beyond float64's range
    [349, 0, 0]
    """
    global _POW10
    if _POW10 is None:
        _POW10 = pow10_down(MAX_DIGITS)
    rel = np.asarray(rel_hi, dtype=LD)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        near = rel.astype(np.float64)  # the guess in float64 (fast); checked against rel below
        guess = np.floor(-np.log10(near))
        outside = (near == 0) & (rel > 0) | np.isinf(near) & np.isfinite(rel)  # beyond float64's range
        if outside.any():
            guess[outside] = np.floor(-np.log10(rel[outside])).astype(np.float64)
    guess = np.nan_to_num(guess, nan=0.0, posinf=MAX_DIGITS, neginf=0.0)
    k = np.clip(guess, 0, MAX_DIGITS).astype(np.int64) + 1
    k = np.minimum(k, MAX_DIGITS)
    for _ in range(3):  # the float guess is off by at most one; step down until proven
        ok = rel <= _POW10[k]
        k = np.where(ok | (k == 0), k, k - 1)
    ok = rel <= _POW10[k]
    return np.where(ok, k, 0)
