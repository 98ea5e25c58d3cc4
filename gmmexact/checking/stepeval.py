"""Re-evaluating one step of the derivation from chosen input values, in mpmath intervals.

A document computes each step from its own earlier (rounded) numbers. To tell carried rounding from
a mistake, a step's definition (``forms.py``) is evaluated with some inputs replaced by the
document's written values (exact rationals) and the others by enclosures of the exact values. The
evaluator walks the SymPy tree with interval arithmetic (outward rounding), so the result is a
certified enclosure; SymPy itself computes nothing numeric here.

The enclosure is compared with a written promise by :func:`inside`, :func:`apart` and
:func:`digits_lost` on its end points as they are (mantissa and binary exponent), exactly, by
magnitudes first: an end point such as ``exp(−5·10¹⁰)`` (a binary exponent of −7·10¹⁰) is never
written out as a rational.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp
from mpmath.libmp import finf, fninf, from_man_exp, mpf_add, mpf_le, mpf_sub, round_ceiling, round_floor

from ..model.keys import Key

iv = mpmath.iv


_INTERVALS: dict = {}
_INTERVALS_KEPT = 1 << 14


def interval(lo: Fraction, hi: Fraction | None = None):
    """An ``mpmath.iv`` interval enclosing ``[lo, hi]`` (a point when ``hi`` is omitted).

    Remembered by its end points and the working precision: the carried search and the slips enclose
    the same written numbers and constants again for every candidate they try (a fifth of a check's
    time before). Intervals are values, never changed in place, so one can be shared."""
    hi = lo if hi is None else hi
    key = (lo, hi, iv.prec)
    got = _INTERVALS.get(key)
    if got is None:
        a = iv.mpf(lo.numerator) / lo.denominator
        b = iv.mpf(hi.numerator) / hi.denominator
        got = iv.mpf([a.a, b.b])
        if len(_INTERVALS) >= _INTERVALS_KEPT:
            _INTERVALS.clear()
        _INTERVALS[key] = got
    return got


def _rational(p: int, q: int):
    """:func:`interval` of the point ``p/q`` (a SymPy Rational's parts), remembered without making a Fraction."""
    key = ("p/q", p, q, iv.prec)
    got = _INTERVALS.get(key)
    if got is None:
        got = interval(Fraction(p, q))
        _INTERVALS[key] = got
    return got


def explicit(expr, d: int):
    """Replace matrix symbols by explicit matrices of entry symbols (``mean.women[0]``), expand
    determinants and inverses, and return a scalar expression or an explicit Matrix."""
    repl = {}
    for m in expr.atoms(sp.MatrixSymbol):
        rows, cols = m.shape
        if cols == 1 and not _is_matrix_kind(m.name):  # a d×1 vector (a 1×1 matrix when d = 1 is still a matrix)
            repl[m] = sp.Matrix([sp.Symbol(f"{m.name}[{i}]") for i in range(rows)])
        else:
            repl[m] = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{m.name}[{i}][{j}]"))
    out = expr.xreplace(repl) if repl else expr
    if isinstance(out, sp.MatrixExpr) and not isinstance(out, sp.MatrixBase):
        out = out.doit()
        if not isinstance(out, sp.MatrixBase):
            out = out.as_explicit()
    if isinstance(out, sp.MatrixBase):
        out = out.applyfunc(lambda e: e.doit())
        if out.shape == (1, 1):
            out = out[0, 0]
    elif isinstance(out, sp.Basic):
        out = out.doit()
    return out


def _is_matrix_kind(name: str) -> bool:
    try:
        return Key.parse(name).shape == "matrix"
    except ValueError:
        return False


def evaluate(expr, values: dict):
    """Enclose ``expr`` with ``values`` (Symbol → ``iv`` interval); raises KeyError for a missing one."""
    if isinstance(expr, sp.Symbol):
        return values[expr]
    if isinstance(expr, sp.Rational):
        return _rational(int(expr.p), int(expr.q))
    if expr is sp.pi:
        return iv.pi
    if expr is sp.E:
        return iv.e
    if isinstance(expr, sp.Add):
        total = iv.mpf(0)
        for a in expr.args:
            total = total + evaluate(a, values)
        return total
    if isinstance(expr, sp.Mul):
        total = iv.mpf(1)
        for a in expr.args:
            total = total * evaluate(a, values)
        return total
    if isinstance(expr, sp.Pow):
        base, e = evaluate(expr.base, values), expr.exp
        if e.is_Integer:
            return base ** int(e)
        if e == sp.Rational(1, 2):
            return iv.sqrt(base)
        if e == sp.Rational(-1, 2):
            return 1 / iv.sqrt(base)
        if e.is_Rational:
            return iv.exp(evaluate(e, values) * iv.log(base))
        return iv.exp(evaluate(e, values) * iv.log(base))
    if isinstance(expr, sp.exp):
        return iv.exp(evaluate(expr.args[0], values))
    if isinstance(expr, sp.log):
        return iv.log(evaluate(expr.args[0], values))
    raise TypeError(f"cannot evaluate {type(expr).__name__} in intervals")


def evaluate_exact(expr, values: dict) -> Fraction:
    """``expr`` in exact rationals (Symbol → Fraction); TypeError when it needs more (exp, π, √)."""
    if isinstance(expr, sp.Symbol):
        return values[expr]
    if isinstance(expr, sp.Rational):
        return Fraction(int(expr.p), int(expr.q))
    if isinstance(expr, sp.Add):
        return sum((evaluate_exact(a, values) for a in expr.args), Fraction(0))
    if isinstance(expr, sp.Mul):
        total = Fraction(1)
        for a in expr.args:
            total *= evaluate_exact(a, values)
        return total
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        return evaluate_exact(expr.base, values) ** int(expr.exp)
    raise TypeError(f"{type(expr).__name__} is not rational arithmetic")


def _compare(end: tuple, q: Fraction) -> int | None:
    """The sign of ``end − q`` for an ``mpmath`` end point (``_mpf_`` tuple) and an exact ``q``, decided by
    binary magnitudes before any exact arithmetic (which then stays the size of ``q`` and the precision);
    None for NaN.

    >>> _compare(mpmath.mpf(2)._mpf_, Fraction(3, 2)), _compare(mpmath.mpf(2)._mpf_, Fraction(2))
    (1, 0)
    >>> _compare(mpmath.exp(-10**12)._mpf_, Fraction(1, 10**300))
    -1
    """
    sign, man, exp, bc = end
    if not man:
        if end == finf:
            return 1
        if end == fninf:
            return -1
        if exp:  # nan
            return None
        return (0 > q) - (0 < q)
    negative = bool(sign)
    if (q < 0) != negative or q == 0:
        return -1 if negative else 1
    size_end = int(exp) + int(bc)  # |end| in [2^(size−1), 2^size)
    size_q = q.numerator.bit_length() - q.denominator.bit_length()  # |q| in [2^(size−1), 2^(size+1))
    larger = 1 if not negative else -1
    if size_end > size_q + 2:
        return larger
    if size_end < size_q - 2:
        return -larger
    exp = int(exp)
    value = Fraction(int(man) << exp) if exp >= 0 else Fraction(int(man), 1 << -exp)
    value = -value if negative else value
    return (value > q) - (value < q)


def inside(x, lo: Fraction, hi: Fraction) -> bool:
    """Whether the interval ``x`` certainly lies in ``[lo, hi]``."""
    a, b = x._mpi_
    return _compare(a, lo) in (0, 1) and _compare(b, hi) in (-1, 0)


def apart(x, lo: Fraction, hi: Fraction) -> bool:
    """Whether the interval ``x`` certainly lies outside ``[lo, hi]``."""
    a, b = x._mpi_
    return _compare(b, lo) == -1 or _compare(a, hi) == 1


SLACK = 1 + Fraction(1, 2**40)
"""An enclosure's outward rounding, not the inputs' spread: a width this much over a unit still fits it."""


def digits_lost(x, ulp: Fraction, most: int = 400) -> int:
    """How many trailing shown digits the width of the interval ``x`` leaves undetermined: the least
    k with ``width / 2 <= ulp · 10**k / 2`` (at most ``most``).

    >>> digits_lost(iv.mpf([0, "0.001"]), Fraction(1, 1000)), digits_lost(iv.mpf([0, "0.01"]), Fraction(1, 1000))
    (0, 1)
    """
    ratio = (x.delta / interval(ulp))._mpi_[1]
    k = 0
    while k < most and _compare(ratio, 10**k * SLACK) == 1:
        k += 1
    return k


def ball_interval(x):
    """An ``mpmath.iv`` interval holding the Arb ball ``x`` (``mid ± rad``), its end points rounded
    outward at the interval precision and kept as mantissa and exponent: ``exp(−5·10¹⁰)`` costs no more
    than 0.5. None for a ball that is not finite.

    >>> import flint
    >>> ball_interval(flint.arb(3) / 4)._mpi_ == iv.mpf(0.75)._mpi_
    True
    """
    if not x.is_finite():
        return None
    (mm, me), (rm, re_) = x.mid().man_exp(), x.rad().man_exp()
    mid, rad = from_man_exp(int(mm), int(me)), from_man_exp(int(rm), int(re_))
    return iv.make_mpf((mpf_sub(mid, rad, iv.prec, round_floor), mpf_add(mid, rad, iv.prec, round_ceiling)))


def hull(x, y):
    """The smallest interval holding the intervals ``x`` and ``y``."""
    (a, b), (c, d) = x._mpi_, y._mpi_
    return iv.make_mpf((a if mpf_le(a, c) else c, d if mpf_le(b, d) else b))


def magnitude(x) -> tuple[int, int] | None:
    """Binary sizes ``(least, greatest)`` of the absolute values in ``x`` (a Fraction or an interval not
    holding 0): ``|v|`` lies in ``[2^(least−1), 2^(greatest+1))``; None when ``x`` is 0 or holds it.

    >>> magnitude(Fraction(3, 4)), magnitude(iv.mpf([-8, -2]))
    ((-1, -1), (2, 4))
    """
    if isinstance(x, Fraction):
        if x == 0:
            return None
        size = abs(x).numerator.bit_length() - x.denominator.bit_length()
        return size, size
    (sa, ma, ea, ba), (sb, mb, eb, bb) = x._mpi_
    if not ma or not mb or sa != sb:  # a zero or infinite end, or a sign change
        return None
    sizes = sorted((int(ea) + int(ba), int(eb) + int(bb)))
    return sizes[0], sizes[1]
