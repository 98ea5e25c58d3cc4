"""A step's certified-decimal row: its definition with the inputs' certified decimals put in
(``\\approx …``, every digit proven), with more digits of an input where the usual ones would not
give the printed result."""
from __future__ import annotations

from fractions import Fraction

import sympy as sp

from ...model.exactnum import decimal_digits
from ...model.keys import Key
from ...numerics.rounding import Rounded
from ..textbook import TextbookPrinter
from .context import Context, uses
from .formatting import array, number, row_vector
from .layout import rows_for
from .order import StepTermOrder

__all__ = ["SUBTRACTION_DIGITS", "DecimalRows"]

SUBTRACTION_DIGITS = 4  # tries beyond the digits a subtraction's inputs need, so that the difference shows


class DecimalRows:
    """Writes the certified-decimal rows of steps.

    Parameters
    ----------
    ctx : Context
        The run, its certified decimals and notation.
    order : StepTermOrder
        The step's term order; each input's placeholder is registered with it.
    """

    def __init__(self, ctx: Context, order: StepTermOrder):
        self.ctx = ctx
        self.order = order

    def rows(self, key: Key, definition) -> tuple[list[str] | None, list[str]]:
        """The definition with its inputs' certified decimals put in, as rows (None when there is none
        or it is too wide), and notes on inputs shown to more digits."""
        notes: list[str] = []
        if isinstance(definition, str):
            return None, notes
        ctx = self.ctx
        # every quantity the form names (a term times a zero vector drops out of the engine's inputs)
        inputs = list(dict.fromkeys([*ctx.run[key].inputs, *named_keys(definition)]))
        if not inputs:
            return None, notes
        ctx.certified.round(inputs)
        values, repl = {}, {}
        for i, inp in enumerate(inputs):
            name = f"gmmexact-value-{i}"
            self.order.name_value(name, inp)
            v = ctx.certified.values(inp)
            digits = self.input_digits(key, inp)
            if digits is not None:
                v = ctx.certified.values_at(inp, digits)
                why = ("the difference of the numbers shown is the result shown" if key.kind == "dev" else
                       "the product of the numbers shown is the result shown")
                notes.append(rf"${ctx.notation.name(inp)}$ to {digits} significant digits, so that {why}.")
            if isinstance(v, tuple):
                rows, cols = (ctx.d, 1) if inp.shape == "vector" else (ctx.d, ctx.d)
                repl[sp.MatrixSymbol(str(inp), rows, cols)] = sp.MatrixSymbol(name, rows, cols)
                text = array(v)
                values[name] = rf"\left({text}\right)" if text.startswith("-") else text  # d = 1: a number
                if inp.shape == "vector":
                    values[name + "^T"] = values[name] if ctx.d == 1 else row_vector(v)
                elif ctx.d > 1:
                    values[name + "|"] = text.replace("{bmatrix}", "{vmatrix}")
                else:  # d = 1: the determinant of a number is the number
                    values[name + "|"] = text
            else:
                repl[sp.Symbol(str(inp))] = sp.Symbol(name)
                text = number(v)
                values[name] = rf"\left({text}\right)" if text.startswith("-") else text
        expr = definition.xreplace(repl)
        decimals = ctx.notation.decimals_at(uses(ctx.problem, key))
        printer = TextbookPrinter(ctx.notation, values=values, term_order=self.order, decimals=decimals)
        return rows_for(printer, expr), notes

    def input_digits(self, key: Key, inp: Key) -> int | None:
        """More digits of an input where its rounded decimals would not give the step's printed result: a
        deviation x_p − μ_c of a mean within a few units of the last digit of x_p, and the outer product of
        such a deviation. The digits that make the printed inputs' difference (product) round to the printed
        result; None when the usual digits do."""
        if (key.kind, inp.kind) not in (("dev", "mean"), ("outer", "dev")) or key.iteration is None:
            return None
        ctx = self.ctx
        result = _flat(ctx.certified.values(key))
        given = _flat(ctx.certified.values(inp))
        if not all(isinstance(r, Rounded) for r in result + given):
            return None
        digits = ctx.options.digits
        if key.kind == "dev":
            x = ctx.problem.points[ctx.problem.point_index[key.point]]
            gap = max((_lead(g) - _lead(r) for g, r in zip(given, result) if g.mantissa and r.mantissa), default=0)
            predict = lambda v: [Fraction(xi) - _fraction(vi) for xi, vi in zip(x, v)]
        else:
            gap = 0
            predict = lambda v: [_fraction(a) * _fraction(b) for a in v for b in v]
        for extra in [0, *range(max(gap, 1), max(gap, 1) + SUBTRACTION_DIGITS)]:
            v = given if extra == 0 else _flat(ctx.certified.values_at(inp, digits + extra))
            if not all(isinstance(r, Rounded) for r in v):
                return None
            if all(_rounds_to(p, r) for p, r in zip(predict(v), result)):
                return None if extra == 0 else digits + extra
        return None


def named_keys(expr) -> list[Key]:
    """The quantities a form names, in the order SymPy lists its symbols.

    >>> [str(k) for k in named_keys(sp.Symbol("resp.B.men") * sp.Symbol("count.men") + 1)]
    ['count.men', 'resp.B.men']
    """
    out = []
    if not isinstance(expr, sp.Basic):
        return out
    for s in sorted(expr.atoms(sp.Symbol, sp.MatrixSymbol), key=str):
        try:
            out.append(Key.parse(str(s.name)))
        except ValueError:
            pass
    return out


def _flat(values) -> list:
    return [x for v in values for x in _flat(v)] if isinstance(values, tuple) else [values]


def _fraction(r: Rounded) -> Fraction:
    return Fraction(r.mantissa) * Fraction(10) ** r.exponent


def _lead(r: Rounded) -> int:
    """The decimal exponent of a rounded value's leading digit."""
    return r.exponent + decimal_digits(r.mantissa) - 1


def _rounds_to(value: Fraction, r: Rounded) -> bool:
    """Whether the exact ``value`` rounds (half to even) to the printed ``r`` at its last digit."""
    return round(value / Fraction(10) ** r.exponent) == r.mantissa
