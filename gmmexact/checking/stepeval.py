"""Re-evaluating one step of the derivation from chosen input values, in mpmath intervals.

A document computes each step from its own earlier (rounded) numbers. To tell carried rounding from
a mistake, a step's definition (``forms.py``) is evaluated with some inputs replaced by the
document's written values (exact rationals) and the others by enclosures of the exact values. The
evaluator walks the SymPy tree with interval arithmetic (outward rounding), so the result is a
certified enclosure; SymPy itself computes nothing numeric here.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from ..model.keys import Key

iv = mpmath.iv


def interval(lo: Fraction, hi: Fraction | None = None):
    """An ``mpmath.iv`` interval enclosing ``[lo, hi]`` (a point when ``hi`` is omitted)."""
    hi = lo if hi is None else hi
    a = iv.mpf(lo.numerator) / lo.denominator
    b = iv.mpf(hi.numerator) / hi.denominator
    return iv.mpf([a.a, b.b])


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
        return interval(Fraction(int(expr.p), int(expr.q)))
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
