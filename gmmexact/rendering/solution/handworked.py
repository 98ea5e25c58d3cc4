"""Rows only a hand-worked solution shows: the determinant and inverse with the numbers put in
(2×2 and 3×3 formulas; a larger matrix as itself), and the point and mean of a quadratic form.
They stand between a step's general row and its definition, in the first iteration only."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ...model.keys import Key
from ..textbook import Notation, TextbookPrinter, matrix
from .context import Context

__all__ = ["factor", "hand_rows"]


def hand_rows(ctx: Context, printer: TextbookPrinter, key: Key) -> list[str]:
    r"""The hand-worked rows of ``key`` (``&= …``), first iteration only; [] for other steps.

    >>> import gmmexact
    >>> from gmmexact.rendering.solution.context import LatexOptions
    >>> ctx = Context.of(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")), LatexOptions())
    >>> hand_rows(ctx, TextbookPrinter(ctx.notation), Key.parse("det.men"))
    ['&= 10 \\cdot 10 - 0 \\cdot 0']
    """
    if key.iteration != 1:
        return []
    problem, dim = ctx.problem, ctx.d
    num = ctx.notation.number
    fac = lambda q: factor(ctx.notation, q)
    if key.kind in ("det", "inv") and dim > 1:
        cov = problem.components[problem.component_index[key.component]].covariance  # the starting one
        det_value = ctx.run[Key(1, "det", None, key.component)].exact
        det_name = (f"{det_value.p}/{det_value.q}" if isinstance(det_value, sp.Rational) and det_value.q != 1
                    else printer.doprint(det_value))
        if dim == 2:
            (a, b), (c, d) = cov
            det = rf"{fac(a)} \cdot {fac(d)} - {fac(b)} \cdot {fac(c)}"
            if key.kind == "det":
                return [rf"&= {det}"]
            adj = matrix([[num(d), num(-b)], [num(-c), num(a)]])
            return [rf"&= \frac{{1}}{{{det}}} {adj}", rf"&= \frac{{1}}{{{det_name}}} {adj}"]
        given = matrix([[num(v) for v in row] for row in cov], "vmatrix")
        if dim == 3:
            minor = lambda i, j: _minor_text(cov, i, j, fac)
            if key.kind == "det":
                terms = [rf"{fac(cov[0][j])}\left({minor(0, j)}\right)" for j in range(3)]
                return [rf"&= {given}",
                        rf"&= {terms[0]} - {terms[1]} + {terms[2]}".replace(r"\cdot\left(", r"\left(")]
            adj = matrix([[("" if (i + j) % 2 == 0 else "-") + rf"\left({minor(j, i)}\right)" for j in range(3)]
                          for i in range(3)])
            return [rf"&= \frac{{1}}{{{det_name}}} {adj}"]
        if key.kind == "det":  # d > 3: the matrix, then its exact value (by exact elimination)
            return [rf"&= {given} \quad \text{{\small (exact elimination)}}"]
        return [rf"&= {given.replace('vmatrix', 'bmatrix')}^{{-1}} \quad \text{{\small (exact elimination)}}"]
    if key.kind == "quad":
        x = problem.points[problem.point_index[key.point]]
        comp = problem.components[problem.component_index[key.component]]
        col = lambda v: matrix([[num(q)] for q in v])
        dev = rf"\left({col(x)} - {col(comp.mean)}\right)"
        inv = ctx.notation.name(Key(1, "inv", None, key.component))
        if dim == 1:
            return [rf"&= \left({num(x[0])} - {fac(comp.mean[0])}\right)^{{2}} {inv}"]
        return [rf"&= {dev}^{{\top}} {inv} {dev}"]
    return []


def factor(notation: Notation, q: Fraction) -> str:
    r"""An input number as a factor: in parentheses when negative.

    >>> from gmmexact.rendering.textbook import Notation
    >>> n = Notation(("A",), ("1",), ("x",))
    >>> factor(n, Fraction(3)), factor(n, Fraction(-3))
    ('3', '\\left(-3\\right)')
    """
    s = notation.number(q)
    return rf"\left({s}\right)" if q < 0 else s


def _minor_text(m, i: int, j: int, factor) -> str:
    """The 2×2 minor of a 3×3 matrix without row ``i`` and column ``j``, with its numbers: ``a·d − b·c``."""
    rows = [r for k, r in enumerate(m) if k != i]
    (a, b), (c, d) = [[v for k, v in enumerate(r) if k != j] for r in rows]
    return rf"{factor(a)} \cdot {factor(d)} - {factor(b)} \cdot {factor(c)}"
