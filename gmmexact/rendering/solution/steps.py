"""One step's ``align*`` block, in the order of a hand-worked solution: general formula → hand-worked
rows → definition → values substituted → exact result → certified decimals of the inputs → the
certified decimal of the result; notes on the step below it."""
from __future__ import annotations

import re
from collections import Counter

import sympy as sp

from ...engine.forms import SUM_LIMIT
from ...model.keys import Key
from ..textbook import TextbookPrinter
from .context import Context, uses
from .decimals import DecimalRows
from .formatting import all_exact, array
from .general import general_row
from .handworked import hand_rows, quad_rows
from .layout import LINE_WIDTH, rows_for, visible
from .order import StepTermOrder

__all__ = ["StepForms", "StepWriter", "mean_form", "sum_form"]


class StepWriter:
    r"""Writes steps as ``align*`` blocks, sums in the problem's order.

    >>> import gmmexact
    >>> from gmmexact.rendering.solution.context import LatexOptions
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> print(StepWriter(Context.of(run, LatexOptions())).step(Key.parse("count.women")).splitlines()[-2])
    &\approx 3.00000
    """

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.order = StepTermOrder(ctx.problem)
        self.printer = TextbookPrinter(ctx.notation, term_order=self.order)
        self.decimals = DecimalRows(ctx, self.order)

    def step(self, key: Key) -> str:
        """One step as an ``align*`` block (the general formula first)."""
        form = self.forms(key)
        lines = [x for group in form.groups for x in group]
        lhs = form.lhs
        if visible(lhs) + visible(lines[0]) > LINE_WIDTH + 12:
            lines.insert(0, f"&{lhs}")  # a long name on a line of its own, the steps below it
        else:
            lines[0] = lhs + " " + lines[0]
        out = [r"\begin{align*}"] + [general_row(self.ctx.run, key) + r" \\[3pt]"] + [x + r" \\" for x in lines[:-1]]
        out += [lines[-1], r"\end{align*}"]
        out += form.remarks()
        return "\n".join(out)

    def forms(self, key: Key, definition: bool = True, substituted: bool = True, exact: bool = True,
              decimals: bool | None = None) -> "StepForms":
        """The forms of one step, in order, each as align rows (``&= …``, ``&\\approx …``): the hand-worked
        rows, the definition, the values substituted, the product Σ⁻¹(x − μ) of a quadratic form, the exact
        result, the certified decimals of its inputs put in, and the certified decimal of the result; a form
        equal to one before it is left out. ``definition``, ``substituted``, ``exact``: whether those forms are
        shown; ``decimals``: the row of the inputs' decimals always (True), never (False) or where the exact
        form still names earlier quantities or was left out (None)."""
        ctx, printer = self.ctx, self.printer
        q = ctx.run[key]
        notes: list[str] = []  # remarks on the step (printed below it)
        self.order.track_inputs(ctx.run, key)
        printer.decimals = ctx.notation.decimals_at(uses(ctx.problem, key))
        lhs = ctx.notation.name(key)
        body: list[list[str]] = []  # groups of lines, each group one "= …" form
        seen: set[str] = {re.sub(r"\s+", "", lhs)}
        omitted = False

        def add(lines, rel="="):
            nonlocal omitted
            if lines is None:
                omitted = True
                return
            joined = re.sub(r"\s+", "", " ".join(lines))
            if joined in seen:
                return
            seen.add(joined)
            body.append([f"&{rel} {lines[0]}"] + [rf"&\quad {x}" for x in lines[1:]])

        def add_rows(rows):
            for row in rows:
                joined = re.sub(r"\s+", "", re.sub(r"^&(=|\\approx)", "", row))
                if joined not in seen:
                    seen.add(joined)
                    body.append([row])

        hand = hand_rows(ctx, printer, key)
        add_rows(hand)  # the hand-worked rows come first
        by_hand = key.kind == "quad" and ctx.d == 1 and key.iteration == 1  # (x − μ)²/σ²: nothing more to show
        definition_form = mean_form(ctx, key) or q.definition
        if definition and not by_hand:
            defined = rows_for(printer, definition_form)
            if defined is None and sum_form(ctx, key):
                defined = sum_form(ctx, key)
            add(defined)
        show_substituted = substituted
        substituted = q.substituted
        sub_tex = printer.doprint(substituted)
        # the mean per coordinate over the names of its inputs restates the definition, set small in a matrix
        restated = isinstance(substituted, sp.MatrixBase) and _has_key_symbols(substituted) and key.kind == "mean"
        if show_substituted and not by_hand and not restated and \
                not (_has_key_symbols(substituted) and visible(sub_tex) > LINE_WIDTH):
            add(rows_for(printer, substituted, sub_tex))  # (partly substituted and long: the decimals say more)
        if key.iteration == 1:
            add_rows(quad_rows(ctx, key))  # Σ⁻¹(x − μ), then the product's terms
        show_exact = exact
        exact = q.exact
        exact_tex = printer.doprint(exact)
        exact_rows = rows_for(printer, exact, exact_tex)
        if not show_exact or _same_terms(exact, substituted):
            pass  # (the substituted form's terms in another order: nothing new)
        elif _tall_matrix(exact, exact_tex):
            omitted = True  # fractions of long sums in a matrix would be set in a small font: the decimals say it
        elif exact_rows is not None or not _has_key_symbols(exact):  # (a definition too wide: shown above)
            add(exact_rows)
        named = bool(_has_key_symbols(exact)) or omitted
        if decimals or (decimals is None and named):  # the exact form names earlier quantities: their decimals
            dec, notes = self.decimals.rows(key, definition_form)
            if dec is not None:
                add(dec, r"\approx")
        if key.iteration > 1:
            add_rows(quad_rows(ctx, key))
        values = ctx.certified.values(key)
        integer = isinstance(exact, sp.Integer) or (isinstance(exact, sp.MatrixBase) and all(e.is_Integer for e in exact))
        if not (integer and all_exact(values)):  # 125.000 adds nothing to 125
            add([array(values)], "=" if all_exact(values) else r"\approx")
        if not body:  # (every form was the name itself)
            body.append([f"&= {array(values)}"])
        return StepForms(key, lhs, body, list(dict.fromkeys(notes)), omitted)


class StepForms:
    """One step's forms: its name, the groups of align rows (one group per form, the first row of each
    starting ``&=`` or ``&\\approx``), notes on inputs shown to more digits, whether a form too long to
    display was left out, and whether it may stand beside the step before it."""

    def __init__(self, key: Key, lhs: str, groups: list[list[str]], notes: list[str], omitted: bool,
                 beside: bool = False):
        self.key = key
        self.lhs = lhs
        self.groups = groups
        self.notes = notes
        self.omitted = omitted
        self.beside = beside  # set on the line of the step before it where both fit (the hand-out's layout)

    def remarks(self) -> list[str]:
        """The notes below the step, in the document's own size."""
        out = []
        if self.omitted:
            out.append(r"\noindent (A form too long to display is left out; "
                       r"\texttt{gmmexact solve --format json} gives it whole.)\par")
        out += [r"\noindent Note: " + note + r"\par" for note in self.notes]
        return out


def mean_form(ctx: Context, key: Key):
    """μ_c = (1/m_c)(r_1c x_1 + … + r_nc x_n) with the points as vectors, as a worked solution writes
    it (the engine's definition is per coordinate); None where that is not the definition."""
    problem = ctx.problem
    if key.kind != "mean" or problem.n > SUM_LIMIT \
            or "mean" in getattr(problem, "fixed", ()) or not isinstance(ctx.run[key].definition, sp.MatrixBase):
        return None
    sym = lambda kind, p=None: sp.Symbol(str(Key(key.iteration, kind, p, key.component)))
    terms = [sp.MatMul(sym("resp", p), sp.Matrix([_rat(v) for v in x]), evaluate=False)
             for p, x in zip(problem.labels, problem.points)]
    offset = getattr(problem, "count_offset", 0)
    count = sp.Add(sym("count"), _rat(offset), evaluate=False) if offset else sym("count")  # m_c + o
    return sp.MatMul(sp.Pow(count, -1, evaluate=False), sp.MatAdd(*terms, evaluate=False), evaluate=False)


def sum_form(ctx: Context, key: Key) -> list[str] | None:
    r"""The mean or covariance over many points as a named Σ (its entries, written out, are too wide).

    >>> import gmmexact
    >>> from gmmexact.rendering.solution.context import LatexOptions
    >>> ctx = Context.of(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")), LatexOptions())
    >>> sum_form(ctx, Key.parse("mean.women"))
    ['\\frac{1}{m_{\\text{women}}} \\sum_{p=1}^{6} r_{p,\\text{women}} \\, x_p']
    """
    problem = ctx.problem
    plain = not getattr(problem, "count_offset", 0) and not getattr(problem, "reg_covar", 0) \
        and getattr(problem, "covariance_type", "full") == "full"
    if key.kind not in ("mean", "cov") or not plain \
            or {"mean": "mean", "cov": "covariance"}[key.kind] in getattr(problem, "fixed", ()):
        return None
    n = ctx.notation
    c, new, it = n.comp(key.component), n.params(key.iteration), n.it(key.iteration)
    r = rf"r_{{p,{c}}}{it}"
    body = "x_p" if key.kind == "mean" else rf"(x_p - \mu_{{{c}}}{new})(x_p - \mu_{{{c}}}{new})^{{\top}}"
    whole = rf"\frac{{1}}{{m_{{{c}}}{it}}} \sum_{{p=1}}^{{{problem.n}}} {r} \, {body}"
    if visible(whole) <= LINE_WIDTH:
        return [whole]
    return [rf"\frac{{1}}{{m_{{{c}}}{it}}} \sum_{{p=1}}^{{{problem.n}}} {r}", rf"\qquad \cdot {body}"]


def _same_terms(a, b) -> bool:
    """Whether two sums have the same terms (one only reorders the other)."""
    if not (isinstance(a, (sp.Add, sp.MatAdd)) and isinstance(b, (sp.Add, sp.MatAdd))) or a is b:
        return False
    return Counter(a.args) == Counter(b.args)


def _tall_matrix(expr, tex: str) -> bool:
    """Whether ``expr`` is a matrix whose entries are fractions of sums (TeX sets fractions inside a
    matrix in the text size: long ones read as small print)."""
    return isinstance(expr, sp.MatrixBase) and expr.shape != (1, 1) and r"\frac" in tex and any(
        isinstance(e, sp.Mul) and any(isinstance(a, sp.Add) for a in sp.Mul.make_args(e)) or isinstance(e, sp.Add)
        for e in expr)


def _has_key_symbols(expr) -> bool:
    if isinstance(expr, sp.MatrixBase):
        return any(_has_key_symbols(e) for e in expr)
    if not hasattr(expr, "atoms"):
        return False
    for s in expr.atoms(sp.Symbol, sp.MatrixSymbol, sp.IndexedBase):
        try:
            Key.parse(str(s.name if hasattr(s, "name") else s))
            return True
        except ValueError:
            if isinstance(s, sp.IndexedBase):
                return True
    return False


def _rat(q) -> sp.Rational:
    return sp.Rational(q.numerator, q.denominator)
