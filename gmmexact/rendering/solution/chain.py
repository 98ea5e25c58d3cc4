r"""The calculator chain: the hand-out written as a careful student with a calculator works it, carrying
every number from step to step rounded to ``k`` significant digits (:attr:`~.context.LatexOptions.carry_digits`).

Every line is reproducible from the numbers on the page: its result is the correctly rounded value,
to ``k`` significant digits, of its formula applied to the rounded numbers shown before it (exact
rational arithmetic for sums, products and quotients; e^x, log x, √x and π enclosed by interval
arithmetic until the ``k`` digits are proven). Only quantities with a key are rounded: working values
with none (x − μ and Σ⁻¹(x − μ) in the E-step, the sums of the M-step, the log of each point's
evidence) are shown exactly when short and otherwise rounded after ``≈``, and carried in full into the
next step, so ``gmmexact check`` can follow every keyed number from the keyed numbers
before it. The input numbers are as the problem file writes them.
Wherever carrying rounded numbers changed a shown digit, the true value (certified by the engine, to
the same ``k`` digits) stands beside the line, so a reader sees both what the chain gives and what
is exact.

The chain covers the textbook model (full covariances, nothing fixed, no ``reg_covar`` or
``count_offset``); it stops, saying why, when a carried covariance is no longer positive definite.
"""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import mpmath

from ...engine.lookup import entry_keys, shape_entries
from ...model.errors import InputError
from ...model.keys import Key
from ...model import linalg
from ...numerics.rounding import Rounded, round_fraction, round_mpmath_interval
from ..textbook import escape_text, latex_fraction, matrix
from .context import Context
from .formatting import array, padded
from .formatting import number as minimal
from .handout import HandoutWriter, heading
from .layout import LINE_WIDTH, pack, visible
from .steps import StepForms, StepWriter
from .tables import Tables

__all__ = ["ChainWriter", "carried", "enclosed"]

PRECISIONS = (64, 128, 256, 1024, 4096, 16384)  # bits tried until an enclosure decides the digits


def carried(q: Fraction, k: int) -> Rounded:
    """``q`` rounded to ``k`` significant digits, as a careful student writes it down.

    >>> str(carried(Fraction(2, 3), 4)), str(carried(Fraction(5, 2), 4))
    ('0.6667', '2.500')
    """
    return round_fraction(Fraction(q), k)


def enclosed(f, k: int) -> Rounded:
    """The correctly rounded ``k`` digits of a real given as ``f(iv)`` (mpmath interval arithmetic),
    the working precision raised until they are proven.

    >>> str(enclosed(lambda iv: iv.exp(iv.mpf(-2) / 5), 4))
    '0.6703'
    """
    iv = mpmath.iv
    saved = iv.prec
    try:
        for prec in PRECISIONS:
            iv.prec = prec
            r = round_mpmath_interval(f(iv), k)
            if r is not None:
                return r
    finally:
        iv.prec = saved
    raise ArithmeticError("the chain's value lies too close to a rounding boundary to decide its digits")


def number(value) -> str:
    """A carried number as the student writes it: all its digits (``3.000``); a whole number found exactly
    (a difference of whole numbers) as itself (``20``, not ``2 × 10^1``)."""
    if isinstance(value, Rounded) and value.exact and value.exponent >= 0:
        return minimal(value)
    return padded(value)


def _q(r: Rounded) -> Fraction:
    return r.fraction()


def _iv(q: Fraction):
    """An exact rational as an mpmath interval (the current precision)."""
    return mpmath.iv.mpf(q.numerator) / q.denominator


def _shape(values, d: int):
    """Flat entries as a vector (d) or matrix (d × d) of nested tuples."""
    if len(values) == d:
        return tuple(values)
    return tuple(tuple(values[i * d:(i + 1) * d]) for i in range(d))


class _Sum:
    """A sum to write over as many lines as it needs: ``prefix`` term + term + … ``suffix``."""

    def __init__(self, terms: list[str], prefix: str = "", suffix: str = ""):
        self.terms, self.prefix, self.suffix = terms, prefix, suffix


class _ChainValues:
    """The chain's rounded values by key, shaped as the engine's (what the tables read)."""

    def __init__(self, values: dict, d: int, digits: int):
        self._values = values
        self.d = d
        self.digits = digits

    def round(self, keys) -> None:
        pass

    def values(self, key: Key):
        return self._values[key]

    def decimal(self, key: Key) -> str:
        return array(self.values(key), number)

    def values_at(self, key: Key, digits: int):
        return self._values[key]


class ChainWriter(HandoutWriter):
    """Writes iterations of the hand-out as a calculator chain (see the module header)."""

    def __init__(self, ctx: Context, tables: Tables, after=None):
        problem = ctx.problem
        if (problem.covariance_type != "full" or problem.fixed or problem.reg_covar or problem.count_offset):
            raise InputError(None, "carry_digits", "covers the textbook model only (full covariances, nothing "
                             "fixed, no reg_covar or count_offset)", "the worked solution without carry_digits")
        k = ctx.options.carry_digits
        if not isinstance(k, int) or k < 1:
            raise InputError(None, "carry_digits", f"is {k!r}", "a whole number of significant digits, at least 1")
        super().__init__(ctx, StepWriter(ctx), tables, after)
        self.k = k
        self.values: dict[Key, object] = {}  # the chain's rounded values (Rounded, or nested tuples)
        self.lines: dict[Key, list[StepForms]] = {}
        self.exact_values = {}
        self.stopped: str | None = None
        self.tables = Tables(replace(ctx, certified=_ChainValues(self.values, ctx.d, k)),
                             values_note=f"carried to {k} significant digits")
        d = ctx.d
        # the parameters iteration 1 starts from, as the problem writes them: (value, LaTeX)
        n = ctx.notation
        self.params = {
            "weight": [(Fraction(c.weight), n.number(c.weight, ("weight", i))) for i, c in enumerate(problem.components)],
            "mean": [tuple((Fraction(v), n.number(v, ("mean", i, j))) for j, v in enumerate(c.mean))
                     for i, c in enumerate(problem.components)],
            "cov": [tuple(tuple((Fraction(v), n.number(v, ("cov", i, a, b))) for b, v in enumerate(row))
                          for a, row in enumerate(c.covariance)) for i, c in enumerate(problem.components)],
        }
        self.points = [tuple((Fraction(v), n.number(v, ("point", i, j))) for j, v in enumerate(x))
                       for i, x in enumerate(problem.points)]
        self.d = d

    # -- shown numbers ------------------------------------------------------------------------
    @staticmethod
    def _paren(tex: str) -> str:
        return rf"\left({tex}\right)" if tex.startswith("-") else tex

    def _col(self, entries) -> str:
        return matrix([[e] for e in entries]) if len(entries) > 1 else entries[0]

    def _mat(self, rows) -> str:
        return matrix([list(r) for r in rows]) if len(rows) > 1 else rows[0][0]

    def _exact_note(self, key: Key, shown) -> str:
        """``\\quad (\\text{exact} \\approx v)`` where the true value to ``k`` digits differs from ``shown``."""
        true = self.exact_values.get(key)
        if true is None:
            return ""
        flat_true = [true] if not isinstance(true, tuple) else [x for row in true for x in (row if isinstance(row, tuple) else (row,))]
        flat_shown = [shown] if not isinstance(shown, tuple) else [x for row in shown for x in (row if isinstance(row, tuple) else (row,))]
        if all(isinstance(a, Rounded) and isinstance(b, Rounded) and a.mantissa * 10 ** max(a.exponent - b.exponent, 0)
               == b.mantissa * 10 ** max(b.exponent - a.exponent, 0) for a, b in zip(flat_true, flat_shown)):
            return ""
        return rf" \quad \left(\text{{exact}} \approx {array(true, number)}\right)"

    def _line(self, key: Key, lhs: str, steps: list[tuple[str, object]], value, beside: bool = False) -> None:
        """Record one chain line: ``lhs`` then ``(relation, LaTeX or _Sum)`` steps, the last the shown value,
        and the exact value beside it where the chain changed a digit."""
        self.values.setdefault(key, value)
        groups = []
        for rel, tex in steps:
            if isinstance(tex, _Sum):
                lines = pack(tex.terms)
                rows = [f"&{rel} {tex.prefix}{lines[0]}"] + [rf"&\quad {x}" for x in lines[1:]]
                rows[-1] += tex.suffix
                groups.append(rows)
            else:
                groups.append([f"&{rel} {tex}"])
        note = self._exact_note(key, value)
        if note and visible(groups[-1][-1]) + visible(note) > LINE_WIDTH - 16:
            groups[-1].append(rf"&\qquad {note.replace(chr(92) + 'quad ', '', 1).strip()}")  # a line of its own
        else:
            groups[-1][-1] += note
        self.lines.setdefault(key, []).append(StepForms(key, lhs, groups, [], False, beside=beside))

    def _rel(self, r) -> str:
        flat = [r] if not isinstance(r, tuple) else [x for row in r for x in (row if isinstance(row, tuple) else (row,))]
        return "=" if all(getattr(x, "exact", False) for x in flat) else r"\approx"

    # -- one iteration of the chain ----------------------------------------------------------
    def compute(self, t: int) -> None:
        """Carry iteration ``t`` through, from the parameters the chain has reached."""
        ctx, k, d, n = self.ctx, self.k, self.d, self.ctx.notation
        problem = ctx.problem
        keys = [key for key in ctx.run.keys(iteration=t)]
        true = ctx.run.round([e for key in keys for e in entry_keys(key, d)], k)
        self.exact_values = {key: shape_entries([true[e] for e in entry_keys(key, d)], key, d) for key in keys}
        names, labels = problem.component_names, problem.labels
        start = n.params(t - 1)
        # E-step: per component |Σ|, Σ⁻¹ and Z
        inv, norm = {}, {}
        for ci, c in enumerate(names):
            cov = self.params["cov"][ci]
            values = [[v for v, _ in row] for row in cov]
            texts = [[tex for _, tex in row] for row in cov]
            det_exact = linalg.det(values)
            if det_exact <= 0 or any(m <= 0 for m in linalg.leading_principal_minors(values)):
                shown = number(carried(det_exact, k)) if det_exact else "0"
                what = rf"$\sigma^2 = {shown}$" if d == 1 else rf"$\lvert\Sigma\rvert = {shown}$"
                self.stopped = (rf"the carried covariance of {escape_text(c)} is not positive definite ({what}), "
                                r"so its Gaussian density does not exist")
                return
            det = carried(det_exact, k)
            det_key = Key(t, "det", None, c)
            if d == 1:
                self.values[det_key] = det
            elif d == 2:
                (a, b), (cc, dd) = texts
                p = self._paren
                self._line(det_key, n.name(det_key),
                           [("=", rf"{p(a)} \cdot {p(dd)} - {p(b)} \cdot {p(cc)}"), (self._rel(det), number(det))], det)
            else:
                self._line(det_key, n.name(det_key), [("=", self._mat(texts).replace("bmatrix", "vmatrix")),
                                                      (self._rel(det), number(det))], det)
            adj = [[q * det_exact for q in row] for row in linalg.inverse(values)]  # adj(Σ) = |Σ| Σ⁻¹
            shown = tuple(tuple(carried(a / _q(det), k) for a in row) for row in adj)
            inv[ci] = [[_q(x) for x in row] for row in shown]
            inv_key = Key(t, "inv", None, c)
            value = shown if d > 1 else shown[0][0]
            if d == 1:
                self._line(inv_key, n.name(inv_key), [("=", rf"\frac{{1}}{{{number(det)}}}"),
                                                      (self._rel(value), number(value))], value)
            else:
                if d == 2:  # the adjugate of the numbers shown
                    adj_tex = self._mat([[texts[1][1], self._neg(texts[0][1])], [self._neg(texts[1][0]), texts[0][0]]])
                else:
                    adj_tex = self._mat([[_exact_any(a) for a in row] for row in adj])
                self._line(inv_key, n.name(inv_key), [("=", rf"\frac{{1}}{{{number(det)}}} {adj_tex}"),
                                                      (self._rel(value), array(value, number))], value)
            z = enclosed(lambda iv, q=_q(det): (2 * iv.pi) ** (iv.mpf(d) / 2) * iv.sqrt(_iv(q)), k)
            norm[ci] = _q(z)
            norm_key = Key(t, "norm", None, c)
            root = r"\sqrt{2\pi}" if d == 1 else (r"2\pi" if d == 2 else rf"(2\pi)^{{{d}/2}}")
            self._line(norm_key, n.name(norm_key), [(r"=", rf"{root} \sqrt{{{number(det)}}}"), (r"\approx", number(z))], z)
        # per point and component: x − μ, Σ⁻¹(x − μ), q, e^{−q/2}, N, π N; the evidence and responsibilities
        joint, evidence, loglik_terms = {}, {}, []
        for pi, p in enumerate(labels):
            x = self.points[pi]
            for ci, c in enumerate(names):
                mean = self.params["mean"][ci]
                dev = [xv - mv for (xv, _), (mv, _) in zip(x, mean)]
                dev_shown = [carried(v, k) if not _short(v, k) else round_fraction(v, max(1, _digits(v))) for v in dev]
                dev_tex = [number(r) if not r.exact else _exact_tex(_q(r)) for r in dev_shown]
                quad_key = Key(t, "quad", p, c)
                if d == 1:  # the line shows x and μ, not x − μ: the square of the difference itself
                    q_shown = carried(dev[0] ** 2 * inv[ci][0][0], k)
                    self._line(quad_key, n.name(quad_key),
                               [("=", rf"\left({x[0][1]} - {self._paren(mean[0][1])}\right)^{{2}} \cdot "
                                      rf"{number(carried(inv[ci][0][0], k))}"), (self._rel(q_shown), number(q_shown))],
                               q_shown)
                else:
                    solved_exact = [sum((inv[ci][i][j] * dev[j] for j in range(d)), Fraction(0)) for i in range(d)]
                    solved = [_working(v, k) for v in solved_exact]
                    dev_name = rf"{n.point(p)} - \mu_{{{n.comp(c)}}}{start}"
                    self.lines.setdefault(quad_key, []).append(StepForms(
                        quad_key, dev_name, [[rf"&= {self._col([xt for _, xt in x])} - {self._col([mt for _, mt in mean])}"],
                                             [rf"&{self._rel(tuple(dev_shown))} {self._col(dev_tex)}"]], [], False))
                    solved_value = tuple(solved)
                    self.lines[quad_key].append(StepForms(
                        quad_key, rf"{n.name(Key(t, 'inv', None, c))}({dev_name})",
                        [[rf"&{self._rel(solved_value)} {self._col([number(r) for r in solved])}"]], [], False,
                        beside=True))
                    q_exact = sum((dv * s for dv, s in zip(dev, solved_exact)), Fraction(0))
                    q_shown = carried(q_exact, k)
                    row = r"\begin{bmatrix}" + " & ".join(dev_tex) + r"\end{bmatrix} " + self._col(
                        [number(r) for r in solved])
                    self._line(quad_key, n.name(quad_key), [("=", row), (self._rel(q_shown), number(q_shown))], q_shown)
                qv = _q(q_shown)
                e = enclosed(lambda iv, q=qv: iv.exp(-_iv(q) / 2), k)
                exp_key = Key(t, "exp", p, c)
                self._line(exp_key, n.name(exp_key), [("=", rf"e^{{-{self._paren(number(q_shown))}/2}}"),
                                                      (r"\approx", number(e))], e)
                dens = carried(_q(e) / norm[ci], k)
                dens_key = Key(t, "density", p, c)
                self._line(dens_key, n.name(dens_key), [("=", rf"\frac{{{number(e)}}}{{{number(carried(norm[ci], k))}}}"),
                                                        (self._rel(dens), number(dens))], dens)
                weight, weight_tex = self.params["weight"][ci]
                j = carried(weight * _q(dens), k)
                joint[p, c] = j
                joint_key = Key(t, "joint", p, c)
                self._line(joint_key, n.name(joint_key), [("=", rf"{weight_tex} \cdot {number(dens)}"),
                                                          (self._rel(j), number(j))], j)
            ev = carried(sum((_q(joint[p, c]) for c in names), Fraction(0)), k)
            evidence[p] = ev
            ev_key = Key(t, "evidence", p)
            self._line(ev_key, n.name(ev_key), [("=", _Sum([number(joint[p, c]) for c in names])),
                                                (self._rel(ev), number(ev))], ev)
            for c in names:
                r = carried(_q(joint[p, c]) / _q(ev), k)
                resp_key = Key(t, "resp", p, c)
                self._line(resp_key, n.name(resp_key), [("=", rf"\frac{{{number(joint[p, c])}}}{{{number(ev)}}}"),
                                                        (self._rel(r), number(r))], r)
            loglik_terms.append(enclosed(lambda iv, q=_q(ev): iv.log(_iv(q)), k + 2))  # working: guard digits
        ll = enclosed(lambda iv: sum((iv.log(_iv(_q(evidence[p]))) for p in labels), iv.mpf(0)), k)
        ll_key = Key(t, "loglik")
        logs = _Sum([rf"\log {number(evidence[p])}" for p in labels])
        terms = _Sum([number(x) for x in loglik_terms])
        self._line(ll_key, n.name(ll_key), [("=", logs), (r"\approx", terms), (self._rel(ll), number(ll))], ll)
        # M-step
        resp = {(p, c): _q(self.values[Key(t, "resp", p, c)]) for p in labels for c in names}
        new = {"weight": [], "mean": [], "cov": []}
        for ci, c in enumerate(names):
            m = carried(sum((resp[p, c] for p in labels), Fraction(0)), k)
            count_key = Key(t, "count", None, c)
            self._line(count_key, n.name(count_key),
                       [("=", _Sum([number(self.values[Key(t, "resp", p, c)]) for p in labels])),
                        (self._rel(m), number(m))], m)
            w = carried(_q(m) / problem.n, k)
            weight_key = Key(t, "weight", None, c)
            self._line(weight_key, n.name(weight_key), [("=", rf"\frac{{{number(m)}}}{{{problem.n}}}"),
                                                        (self._rel(w), number(w))], w)
            new["weight"].append((_q(w), number(w)))
            total = [sum((resp[p, c] * self.points[pi][j][0] for pi, p in enumerate(labels)), Fraction(0))
                     for j in range(d)]
            total_shown = [_working(v, k) for v in total]
            mean = tuple(carried(v / _q(m), k) for v in total)
            mean_key = Key(t, "mean", None, c)
            weighted = [rf"{number(self.values[Key(t, 'resp', p, c)])} {self._col([xt for _, xt in self.points[pi]])}"
                        for pi, p in enumerate(labels)]
            mean_value = mean if d > 1 else mean[0]
            self._line(mean_key, n.name(mean_key),
                       [("=", _Sum(weighted, rf"\frac{{1}}{{{number(m)}}} \Big(", r"\Big)")),
                        (self._rel(tuple(total_shown)), rf"\frac{{1}}{{{number(m)}}} {self._col([number(v) for v in total_shown])}"),
                        (self._rel(mean_value), array(mean_value, number))], mean_value)
            new["mean"].append(tuple((_q(v), number(v)) for v in mean))
            scatter = [[Fraction(0)] * d for _ in range(d)]
            for pi, p in enumerate(labels):
                dev = [self.points[pi][j][0] - _q(mean[j]) for j in range(d)]
                dev_shown = tuple(round_fraction(v, max(1, _digits(v))) if _short(v, k) else carried(v, k) for v in dev)
                dev_key = Key(t, "dev", p, c)
                dev_value = dev_shown if d > 1 else dev_shown[0]
                self._line(dev_key, n.name(dev_key),
                           [("=", rf"{self._col([xt for _, xt in self.points[pi]])} - {self._col([number(v) for v in mean])}"),
                            (self._rel(dev_value), array(dev_value, number))], dev_value)
                outer = tuple(tuple(carried(_q(a) * _q(b), k) for b in dev_shown) for a in dev_shown)
                outer_key = Key(t, "outer", p, c)
                outer_value = outer if d > 1 else outer[0][0]
                self._line(outer_key, n.name(outer_key),
                           [(self._rel(outer_value), array(outer_value, number))], outer_value, beside=True)
                for a in range(d):
                    for b in range(d):
                        scatter[a][b] += resp[p, c] * _q(outer[a][b])
            scatter_shown = tuple(tuple(_working(v, k) for v in row) for row in scatter)
            cov = tuple(tuple(carried(v / _q(m), k) for v in row) for row in scatter)
            cov_key = Key(t, "cov", None, c)
            weighted = [rf"{number(self.values[Key(t, 'resp', p, c)])} "
                        rf"{array(self.values[Key(t, 'outer', p, c)], number)}" for p in labels]
            cov_value = cov if d > 1 else cov[0][0]
            scatter_value = scatter_shown if d > 1 else scatter_shown[0][0]
            self._line(cov_key, n.name(cov_key),
                       [("=", _Sum(weighted, rf"\frac{{1}}{{{number(m)}}} \Big(", r"\Big)")),
                        (self._rel(scatter_value), rf"\frac{{1}}{{{number(m)}}} {array(scatter_value, number)}"),
                        (self._rel(cov_value), array(cov_value, number))], cov_value)
            new["cov"].append(tuple(tuple((_q(v), number(v)) for v in row) for row in cov))
        self.params = new

    @staticmethod
    def _neg(tex: str) -> str:
        if tex in ("0", "0.0"):
            return tex
        return tex[1:] if tex.startswith("-") else "-" + tex

    # -- the hand-out's hooks -----------------------------------------------------------------
    def forms(self, key: Key) -> list[StepForms]:
        return self.lines.get(key, [])

    def iteration(self, t: int) -> list[str]:
        if self.stopped:
            return []
        try:
            self.compute(t)
        except ArithmeticError as e:
            self.stopped = escape_text(str(e))
        if self.stopped:
            return [rf"\section{{Iteration {t}}}", rf"The calculator chain stops: {self.stopped}."]
        out = super().iteration(t)
        return out

    def loglik(self, t: int) -> list[str]:
        key = Key(t, "loglik")
        return ([heading("subsection", "Log-likelihood"),
                 r"The log-likelihood of the parameters the iteration starts from:"]
                + self.general([key]) + self.block([key])
                + [r"(The log-likelihood of the parameters after the iteration is the next iteration's.)"])


def _digits(q: Fraction) -> int:
    """The significant digits of a terminating rational's exact decimal (0 for 0)."""
    if q == 0:
        return 1
    m, e = q.numerator, 0
    den = q.denominator
    while den % 10 == 0:
        den //= 10
        e += 1
    while den != 1 and den % 2 == 0:
        den //= 2
        m *= 5
        e += 1
    while den != 1 and den % 5 == 0:
        den //= 5
        m *= 2
        e += 1
    if den != 1:
        return 10 ** 6
    s = str(abs(m)).rstrip("0")
    return len(s) or 1


def _short(q: Fraction, k: int) -> bool:
    """Whether ``q`` is written exactly with at most ``k + 4`` significant digits (a difference of written
    numbers, kept as it is)."""
    return _digits(q) <= k + 4


def _working(q: Fraction, k: int) -> Rounded:
    """A working value with no key of its own (Σ⁻¹(x − μ), a sum of the M-step) as shown: exact when it is
    short (:func:`_short`), else with two guard digits (``k + 2``); the next step uses it in full, as a
    calculator's memory does, so every keyed number is its formula of the keyed numbers shown."""
    return round_fraction(q, max(1, _digits(q))) if _short(q, k) else carried(q, k + 2)


def _exact_tex(q: Fraction) -> str:
    r = round_fraction(q, max(1, _digits(q)))
    return number(r)


def _exact_any(q: Fraction) -> str:
    """An exact rational: its decimal when it terminates, else a fraction."""
    return _exact_tex(q) if _digits(q) < 10 ** 6 else latex_fraction(q)
