"""Rows only a hand-worked solution shows: the determinant and inverse with the numbers put in
(2×2 and 3×3 formulas, the 2×2 inverse as the adjugate over the determinant; a larger matrix as
itself), the point and mean of a quadratic form, and the vector Σ⁻¹(x − μ) the quadratic form is the
product with. They stand between a step's general row and its definition (the determinant and
inverse of the first iteration, and the 2×2 adjugate of later ones), or before its exact result (the
product Σ⁻¹(x − μ)).

Every number is exact or certified: in the first iteration Σ⁻¹(x − μ) is exact (rationals); in a
later one it is enclosed by interval arithmetic on certified decimals of Σ⁻¹ and x − μ (each within
half a unit of its last digit) and shown to the digits the enclosure decides.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from ...model.keys import Key
from ...numerics.rounding import Rounded, round_fraction, round_interval
from ..textbook import Notation, TextbookPrinter, decimal_text, latex_fraction, latex_int, matrix, terminating
from .context import Context
from .formatting import number

__all__ = ["QuadParts", "factor", "hand_rows", "quad_parts", "quad_rows", "slashed"]

PRODUCT_TERMS = 3  # the dot product (x − μ)ᵀ · Σ⁻¹(x − μ) is written out term by term up to this dimension
EXTRA_DIGITS = (2, 4, 8, 16, 32)  # more digits of the inputs tried until an enclosure of Σ⁻¹(x − μ) decides


def hand_rows(ctx: Context, printer: TextbookPrinter, key: Key) -> list[str]:
    r"""The hand-worked rows of ``key`` (``&= …``); [] for other steps.

    >>> import gmmexact
    >>> from gmmexact.rendering.solution.context import LatexOptions
    >>> ctx = Context.of(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")), LatexOptions())
    >>> hand_rows(ctx, TextbookPrinter(ctx.notation), Key.parse("det.men"))
    ['&= 10 \\cdot 10 - 0 \\cdot 0']
    """
    if key.kind == "inv" and key.iteration > 1 and ctx.d == 2:
        return _later_adjugate(ctx, key)
    if key.iteration != 1:
        return []
    problem, dim = ctx.problem, ctx.d
    ci = problem.component_index[key.component] if key.component is not None else None
    if key.kind in ("det", "inv") and dim > 1:
        num = lambda q, i, j: ctx.notation.number(q, ("cov", ci, i, j))  # noqa: E731
        fac = lambda q, i, j: factor(ctx.notation, q, ("cov", ci, i, j))  # noqa: E731
        cov = problem.components[ci].covariance  # the starting one
        det_value = ctx.run[Key(1, "det", None, key.component)].exact
        det_name = (f"{latex_int(det_value.p)}/{latex_int(det_value.q)}"
                    if isinstance(det_value, sp.Rational) and det_value.q != 1 else printer.doprint(det_value))
        if dim == 2:
            (a, b), (c, d) = cov
            det = rf"{fac(a, 0, 0)} \cdot {fac(d, 1, 1)} - {fac(b, 0, 1)} \cdot {fac(c, 1, 0)}"
            if key.kind == "det":
                return [rf"&= {det}"]
            adj = matrix([[num(d, 1, 1), _negated(ctx.notation, b, ("cov", ci, 0, 1))],
                          [_negated(ctx.notation, c, ("cov", ci, 1, 0)), num(a, 0, 0)]])
            return [rf"&= \frac{{1}}{{{det}}} {adj}", rf"&= \frac{{1}}{{{det_name}}} {adj}"]
        given = matrix([[num(v, i, j) for j, v in enumerate(row)] for i, row in enumerate(cov)], "vmatrix")
        if dim == 3:
            minor = lambda i, j: _minor_text(cov, i, j, fac)  # noqa: E731
            if key.kind == "det":
                terms = [rf"{fac(cov[0][j], 0, j)}\left({minor(0, j)}\right)" for j in range(3)]
                return [rf"&= {given}",
                        rf"&= {terms[0]} - {terms[1]} + {terms[2]}".replace(r"\cdot\left(", r"\left(")]
            adj = matrix([[("" if (i + j) % 2 == 0 else "-") + rf"\left({minor(j, i)}\right)" for j in range(3)]
                          for i in range(3)])
            return [rf"&= \frac{{1}}{{{det_name}}} {adj}"]
        if key.kind == "det":  # d > 3: the matrix, then its exact value (by exact elimination)
            return [rf"&= {given} \quad \text{{(exact elimination)}}"]
        return [rf"&= {given.replace('vmatrix', 'bmatrix')}^{{-1}} \quad \text{{(exact elimination)}}"]
    if key.kind == "quad":
        pi = problem.point_index[key.point]
        x, comp = problem.points[pi], problem.components[ci]
        px = lambda j: ctx.notation.number(x[j], ("point", pi, j))  # noqa: E731
        pm = lambda j: ctx.notation.number(comp.mean[j], ("mean", ci, j))  # noqa: E731
        if dim == 1:
            var = ctx.notation.name(Key(1, "det", None, key.component))
            mean = pm(0) if comp.mean[0] >= 0 else rf"\left({pm(0)}\right)"
            given = factor(ctx.notation, comp.covariance[0][0], ("cov", ci, 0, 0))
            return [rf"&= \frac{{\left({px(0)} - {mean}\right)^{{2}}}}{{{var}}}",
                    rf"&= \frac{{\left({px(0)} - {mean}\right)^{{2}}}}{{{given}}}"]
        col = lambda f: matrix([[f(j)] for j in range(dim)])  # noqa: E731
        dev = rf"\left({col(px)} - {col(pm)}\right)"
        inv = ctx.notation.name(Key(1, "inv", None, key.component))
        return [rf"&= {dev}^{{\top}} {inv} {dev}"]
    return []


@dataclass(frozen=True)
class QuadParts:
    r"""The pieces of a quadratic form worked by hand: the deviation x − μ, the vector Σ⁻¹(x − μ)
    and the dot product of the two written term by term (LaTeX; ``rel`` is ``=`` when every piece is
    exact, ``\approx`` when some is a certified decimal).

    >>> import gmmexact
    >>> from gmmexact.rendering.solution.context import LatexOptions
    >>> ctx = Context.of(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")), LatexOptions())
    >>> parts = quad_parts(ctx, Key.parse("quad.A.women"))
    >>> parts.dev, parts.solved, parts.terms
    (('-2', '-2'), ('-\\dfrac{1}{5}', '-\\dfrac{1}{5}'), '\\left(-2\\right) \\cdot \\left(-\\frac{1}{5}\\right) + \\left(-2\\right) \\cdot \\left(-\\frac{1}{5}\\right)')
    """

    dev: tuple[str, ...]
    solved: tuple[str, ...]
    terms: str | None
    rel: str

    def row(self) -> str:
        """``(x − μ)ᵀ`` as a row times ``Σ⁻¹(x − μ)`` as a column."""
        return (r"\begin{bmatrix}" + " & ".join(self.dev) + r"\end{bmatrix} "
                + matrix([[v] for v in self.solved]))


def quad_parts(ctx: Context, key: Key, inline: bool = False) -> QuadParts | None:
    """The hand-worked pieces of the quadratic form ``key`` (d ≥ 2); None for d = 1 (σ² notation:
    (x − μ)²/σ²), for a covariance type whose inverse is not a full matrix, or where certified
    decimals cannot decide Σ⁻¹(x − μ). ``inline``: fractions written ``a/b`` (a vector stays one line
    high)."""
    if key.kind != "quad" or ctx.d < 2:
        return None
    problem, t = ctx.problem, key.iteration
    pi, ci = problem.point_index[key.point], problem.component_index[key.component]
    if t == 1:
        x, mean = problem.points[pi], problem.components[ci].mean
        inv = ctx.run[Key(1, "inv", None, key.component)].exact
        if not isinstance(inv, sp.MatrixBase) or not all(e.is_Rational for e in inv):
            return None
        dev = [Fraction(a) - Fraction(b) for a, b in zip(x, mean)]
        rows = [[Fraction(int(inv[i, j].p), int(inv[i, j].q)) for j in range(ctx.d)] for i in range(ctx.d)]
        solved = [sum((rows[i][j] * dev[j] for j in range(ctx.d)), Fraction(0)) for i in range(ctx.d)]
        # decimals when the problem writes these inputs as decimals (some not whole, none a fraction)
        texts = [ctx.notation.number(v, ("point", pi, j)) for j, v in enumerate(x)] + \
            [ctx.notation.number(m, ("mean", ci, j)) for j, m in enumerate(mean)]
        decimal = all(t.replace("-", "").replace(".", "").isdigit() for t in texts) and any("." in t for t in texts)
        shown = lambda q: decimal_text(q) if decimal and terminating(q) else (  # noqa: E731
            slashed(q) if inline else latex_fraction(q))
        dev_tex = tuple(shown(q) for q in dev)
        solved_tex = tuple(shown(q).replace(r"\frac", r"\dfrac") for q in solved)
        terms = None
        if ctx.d <= PRODUCT_TERMS:
            par = lambda q: rf"\left({shown(q)}\right)" if q < 0 else shown(q)  # noqa: E731
            terms = " + ".join(rf"{par(a)} \cdot {par(b)}" for a, b in zip(dev, solved))
        return QuadParts(dev_tex, solved_tex, terms, "=")
    # a later iteration: x − μ^{(t−1)} and Σ⁻¹ are certified decimals; Σ⁻¹(x − μ) is enclosed from them
    dev_key, inv_key = Key(t - 1, "dev", key.point, key.component), Key(t, "inv", None, key.component)
    try:
        ctx.run[dev_key], ctx.run[inv_key]
    except (KeyError, ValueError):
        return None
    dev_values = _flat(ctx.certified.values(dev_key))
    if len(dev_values) != ctx.d or not all(isinstance(v, Rounded) for v in dev_values):
        return None
    solved = _enclosed_product(ctx, inv_key, dev_key)
    if solved is None:
        return None
    return QuadParts(tuple(number(v) for v in dev_values), tuple(number(v) for v in solved), None, r"\approx")


def slashed(q: Fraction) -> str:
    """A rational on one line: ``-1/5``, ``3``.

    >>> slashed(Fraction(-1, 5)), slashed(Fraction(3))
    ('-1/5', '3')
    """
    q = Fraction(q)
    return latex_int(q.numerator) if q.denominator == 1 else f"{latex_int(q.numerator)}/{latex_int(q.denominator)}"


def quad_rows(ctx: Context, key: Key) -> list[str]:
    """The rows of the quadratic form's product (x − μ)ᵀ [Σ⁻¹(x − μ)] and, in the first iteration, its
    terms (``&= …``); [] where :func:`quad_parts` gives nothing."""
    parts = quad_parts(ctx, key)
    if parts is None:
        return []
    rows = [rf"&{parts.rel} {parts.row()}"]
    if parts.terms:
        rows.append(rf"&{parts.rel} {parts.terms}")
    return rows


def _later_adjugate(ctx: Context, key: Key) -> list[str]:
    r"""A 2×2 inverse of a later iteration as its adjugate over its determinant, with the certified
    decimals of the covariance it inverts (``\approx \frac{1}{8.33333} [...]``)."""
    cov_key, det_key = Key(key.iteration - 1, "cov", None, key.component), Key(key.iteration, "det", None, key.component)
    try:
        cov = ctx.certified.values(cov_key)
        det = ctx.certified.values(det_key)
    except (KeyError, ValueError):
        return []
    flat = _flat(cov)
    if len(flat) != 4 or not all(isinstance(v, Rounded) for v in flat + [det]):
        return []
    (a, b), (c, d) = cov
    neg = lambda v: number(Rounded(-v.mantissa, v.exponent, v.digits, v.exact, v.tie))  # noqa: E731
    adj = matrix([[number(d), neg(b)], [neg(c), number(a)]])
    rel = "=" if all(v.exact for v in flat + [det]) else r"\approx"
    return [rf"&{rel} \frac{{1}}{{{number(det)}}} {adj}"]


def _enclosed_product(ctx: Context, inv_key: Key, dev_key: Key) -> list[Rounded] | None:
    """Σ⁻¹(x − μ) to the document's digits, enclosed from certified decimals of Σ⁻¹ and x − μ with
    more digits each try; None when no try decides every entry."""
    digits, d = ctx.options.digits, ctx.d
    for extra in EXTRA_DIGITS:
        inv = _flat(ctx.certified.values_at(inv_key, digits + extra))
        dev = _flat(ctx.certified.values_at(dev_key, digits + extra))
        if not all(isinstance(v, Rounded) for v in inv + dev) or len(inv) != d * d:
            return None
        out = []
        for i in range(d):
            lo = hi = Fraction(0)
            for j in range(d):
                a, b = _interval(inv[i * d + j]), _interval(dev[j])
                products = [x * y for x in a for y in b]
                lo, hi = lo + min(products), hi + max(products)
            if lo == hi:
                out.append(round_fraction(lo, digits))
                continue
            r = round_interval(lo, hi, digits)
            if r is None:
                break
            out.append(r)
        else:
            return out
    return None


def _interval(r: Rounded) -> tuple[Fraction, Fraction]:
    """The values a correctly rounded decimal can stand for (within half a unit of its last digit)."""
    v = Fraction(r.mantissa) * Fraction(10) ** r.exponent
    if r.exact:
        return v, v
    half = Fraction(10) ** r.exponent / 2
    return v - half, v + half


def _flat(values) -> list:
    return [x for v in values for x in _flat(v)] if isinstance(values, tuple) else [values]


def factor(notation: Notation, q: Fraction, at: tuple | None = None) -> str:
    r"""An input number (at its place ``at``, as the problem writes it) as a factor: in parentheses
    when negative.

    >>> from gmmexact.rendering.textbook import Notation
    >>> n = Notation(("A",), ("1",), ("x",))
    >>> factor(n, Fraction(3)), factor(n, Fraction(-3))
    ('3', '\\left(-3\\right)')
    """
    s = notation.number(q, at)
    return rf"\left({s}\right)" if q < 0 else s


def _negated(notation: Notation, q: Fraction, at: tuple) -> str:
    """−q, written with the digits the problem writes q with."""
    s = notation.number(q, at)
    if q == 0:
        return s
    return s[1:] if s.startswith("-") else "-" + s


def _minor_text(m, i: int, j: int, factor) -> str:
    """The 2×2 minor of a 3×3 matrix without row ``i`` and column ``j``, with its numbers: ``a·d − b·c``
    (``factor(q, row, column)`` writes one entry)."""
    rows = [k for k in range(3) if k != i]
    cols = [k for k in range(3) if k != j]
    f = lambda r, c: factor(m[rows[r]][cols[c]], rows[r], cols[c])  # noqa: E731
    return rf"{f(0, 0)} \cdot {f(1, 1)} - {f(0, 1)} \cdot {f(1, 0)}"
