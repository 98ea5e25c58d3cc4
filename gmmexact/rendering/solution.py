"""Worked EM solutions as LaTeX: a standalone article, or one step's ``align*`` block to paste.

Each step reads general formula → definition → values substituted → exact result → certified
decimal, in the order of a hand-worked solution: data; initial parameters; per component |Σ|, Σ⁻¹
(the 2×2 adjugate formula when d = 2) and the normalising constant; per point and component the
quadratic form, density and responsibility; the responsibilities table; the M-step (counts, weights,
means, outer products (x−μ)(x−μ)ᵀ, covariances); the new parameters; the log-likelihood before and
after; findings such as a singular covariance, with their explanation. With a check's verdicts, each
number a document writes appears beside the exact value, marked correct / carried / wrong.

Forms come from SymPy (``Quantity.definition/.substituted/.exact``, printed by
:mod:`gmmexact.rendering.textbook`); every decimal comes from the certified rounding path
(``Run.round``). Building the text prints nothing and writes no file; :func:`compile_pdf` runs the
LaTeX engine on a finished document.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import sympy as sp

from ..numerics.certify import Undecided
from ..engine.forms import SUM_LIMIT
from ..model.keys import Key
from .textbook import (Notation, shown_path, TextbookPrinter, decimal_text, escape_text, latex_fraction, latex_number,
                          matrix, terminating)
from ..numerics.rounding import Rounded
from ..engine.lookup import entry_keys, exact_entry, shape_entries

__all__ = ["LatexOptions", "latex_document", "latex_fragment", "compile_pdf", "LatexEngineError",
           "PACKAGES", "DEBIAN_PACKAGES"]

PACKAGES = ("amsmath", "amssymb", "xcolor", "booktabs", "array", "longtable", "geometry")
"""LaTeX packages a document uses (all in TeX Live's latex-base and latex-recommended sets)."""
DEBIAN_PACKAGES = ("texlive-latex-base", "texlive-latex-recommended")
LINE_WIDTH = 76  # visible characters of a display line before a sum is broken over lines
MAX_WIDTH = LINE_WIDTH + 12  # wider forms that cannot be broken are left out (the decimals remain)
TABLE_COMPONENTS = 3  # components per table in compact mode (keeps tables within the page width)

COLORS = {"correct": "0,0.5,0", "carried": "0.75,0.45,0", "wrong": "0.8,0,0", "undecided": "0.5,0,0.5"}
VERDICT = {"correct": r"$\checkmark$ correct", "carried": r"$\approx$ carried", "wrong": r"$\times$ wrong",
           "undecided": r"? undecided"}

# general formulas as an aligned row: (left side, right side); None: the formula is shown whole
_GENERAL_LHS = {"norm": "Z_c", "quad": "q_{pc}", "exp": r"e^{-q_{pc}/2}", "evidence": "p(x_p)",
                "loglik": r"\ell(\theta)", "joint": r"p(x_p, z_p {=} c)"}
_NAME_ONLY = ("dev", "outer")  # the formula is the quantity's name: it stands in the left-hand column
SUBTRACTION_DIGITS = 4  # tries beyond the digits a subtraction's inputs need, so that the difference showsSUBTRACTION_DIGITS = 8  # at most this many more digits of a subtraction's inputs, so that the difference shows


@dataclass(frozen=True)
class LatexOptions:
    """What a document shows.

    ``points``/``components``: labels and names to work through (default all); ``compact``: one
    representative point per step in full, the others in tables; ``iterations``: iterations shown
    (default: every one the run computed; a run with one more supplies the log-likelihood after the
    last one shown).
    """

    digits: int = 6
    points: tuple[str, ...] | None = None
    components: tuple[str, ...] | None = None
    compact: bool = False
    iterations: int | None = None
    source: str | None = None  # the problem file named in the title
    claims_source: str | None = None


class LatexEngineError(Exception):
    """pdflatex is missing (``missing``) or failed on a document (``log`` holds its output)."""

    def __init__(self, message: str, missing: bool = False, log: str = ""):
        super().__init__(message)
        self.missing = missing
        self.log = log


# -- small formatting helpers (certified values in, LaTeX out) ----------------------------------
def _number(value) -> str:
    """A certified rounded value (or an undecided enclosure) in LaTeX."""
    if isinstance(value, Rounded):
        if value.exact and value.mantissa:  # an exact value needs no padding zeros: 0.1, 125, not 0.100000
            m, e = value.mantissa, value.exponent
            while m % 10 == 0:
                m, e = m // 10, e + 1
            if e >= 0 and abs(m) * 10 ** e < 10 ** 6:
                return str(m * 10 ** e)
            return latex_number(m, e)
        return latex_number(value.mantissa, value.exponent)
    if isinstance(value, Undecided):
        return rf"\text{{{escape_text(str(value))}}}"
    return escape_text(str(value))


def _array(values, fmt=_number) -> str:
    """A scalar, or nested tuples as a bmatrix (a column for vectors, d = 1 as the number)."""
    if not isinstance(values, tuple):
        return fmt(values)
    if len(values) == 1:
        return _array(values[0], fmt)
    if isinstance(values[0], tuple):
        return matrix([[fmt(v) for v in row] for row in values])
    return matrix([[fmt(v)] for v in values])


def _row_vector(values) -> str:
    if not isinstance(values, tuple):
        return _number(values)
    if len(values) == 1:
        return _number(values[0])
    return r"\begin{bmatrix}" + " & ".join(_number(v) for v in values) + r"\end{bmatrix}"


def _all_exact(values) -> bool:
    if isinstance(values, tuple):
        return all(_all_exact(v) for v in values)
    return isinstance(values, Rounded) and values.exact


def _sci_text(text: str) -> str:
    """A certified decimal string (``'1.14400e-29'``) in LaTeX."""
    m = re.fullmatch(r"(-?[0-9.]+)e([+-][0-9]+)", text)
    if m:
        return rf"{m[1]} \times 10^{{{int(m[2])}}}"
    if re.fullmatch(r"-?[0-9.]+", text):
        return text
    return rf"\text{{{escape_text(text)}}}"


def _written_latex(w) -> str:
    """A written number as the document wrote it (its digits, in LaTeX notation)."""
    if isinstance(w, tuple):
        return _array(w, _written_latex)
    if w.ulp is None:
        return latex_fraction(w.value)
    ulp = w.ulp
    exp10 = -(len(str(ulp.denominator)) - 1) if ulp.numerator == 1 else len(str(ulp.numerator)) - 1
    mantissa = w.value / ulp
    if mantissa.denominator != 1:
        return escape_text(w.text)
    scientific = bool(re.search(r"[eE]|10\^|\\times|×|\*|·", w.text))
    m = int(mantissa)
    if scientific and m != 0:
        s = str(abs(m))
        lead = exp10 + len(s) - 1
        body = s[0] + ("." + s[1:] if len(s) > 1 else "")
        return rf"{'-' if m < 0 else ''}{body} \times 10^{{{lead}}}"
    sign, s = ("-" if m < 0 else ""), str(abs(m))
    if exp10 >= 0:
        return sign + s + "0" * exp10
    s = s.rjust(-exp10 + 1, "0")
    return f"{sign}{s[:exp10]}.{s[exp10:]}"


def _visible(tex: str) -> int:
    """A rough count of the characters a formula shows (commands and braces do not count; binary
    operators count their spacing; a matrix as wide as its widest row)."""
    def matrix(m):
        rows = m[1].split(r"\\")
        return "x" * max(_visible(r.replace("&", "  ")) for r in rows) + "xx"
    tex = re.sub(r"\\begin\{[bv]matrix\}((?:(?!\\begin\{).)*?)\\end\{[bv]matrix\}", matrix, tex)
    tex = re.sub(r"\\text[a-z]+\{\}|\\[$&%#_{}]", "x", tex)  # escaped characters in names show one glyph
    tex = re.sub(r"\\(text|mathrm)\{([^{}]*)\}", r"\2", tex)
    tex = re.sub(r" ?(\+|-|=|\\cdot|\\times) ?", "+++", tex)
    tex = re.sub(r"\\begin\{[a-z*]+\}|\\end\{[a-z*]+\}|\\(left|right|frac|tfrac|mathcal|Big|big|top|tag)\b", "", tex)
    tex = re.sub(r"\\(log|exp|quad)\b", "xxx", tex)
    tex = re.sub(r"\\[a-zA-Z]+", "x", tex)  # a symbol: one glyph
    tex = re.sub(r"[{}_^&\\ ]", "", tex)
    return len(tex)


def _split_terms(printer: TextbookPrinter, expr) -> list[str] | None:
    """The terms of a (coefficient ×) sum, printed, for breaking a long line; None otherwise."""
    coef, body = None, expr
    if isinstance(expr, (sp.Mul, sp.MatMul)) and len(expr.args) == 2 and isinstance(expr.args[1], (sp.Add, sp.MatAdd)):
        coef, body = expr.args
    if not isinstance(body, (sp.Add, sp.MatAdd)):
        return None
    terms = [printer.doprint(t) for t in printer.ordered_terms(body)]
    if coef is not None:
        c = printer.doprint(coef)
        return [c + r" \Big(" + terms[0]] + terms[1:-1] + [terms[-1] + r"\Big)"] if len(terms) > 1 else None
    return terms


def _pack(terms: list[str]) -> list[str]:
    """Terms joined with + into lines of about ``LINE_WIDTH`` visible characters."""
    lines, current = [], ""
    for t in terms:
        joined = t if not current else (current + (" " if t.startswith("-") else " + ") + t)
        if current and _visible(joined) > LINE_WIDTH:
            lines.append(current)
            current = t if t.startswith("-") else "+ " + t
        else:
            current = joined
    lines.append(current)
    return lines


# -- the builder ------------------------------------------------------------------------------
class _Builder:
    def __init__(self, run, options: LatexOptions, checks=None, after=None):
        self.run = run
        self.after = after  # the same problem solved one iteration further: the log-likelihood after
        self.problem = run.problem
        self.options = options
        self.d = run.problem.d
        shown = options.iterations or run.iterations
        self.iterations = min(shown, run.iterations)
        self.notation = Notation.of(run.problem, multi=self.iterations > 1, decimals=written_decimals(run.problem))
        self._positions = ({p: i for i, p in enumerate(run.problem.labels)},
                           {c: i for i, c in enumerate(run.problem.component_names)})
        self._value_keys: dict[str, Key] = {}  # placeholder symbol names of certified decimals -> their keys
        self._exact_places: dict = {}  # exact forms of the current step's inputs -> their places
        self.printer = TextbookPrinter(self.notation, term_order=self._term_order)
        self.points = list(options.points) if options.points else list(run.problem.labels)
        self.components = list(options.components) if options.components else list(run.problem.component_names)
        self.checks = list(checks or [])
        self._rounded: dict[Key, object] = {}
        wrong = [c for c in self.checks if c.verdict == "wrong"]
        self.first_error = wrong[0].first_wrong if wrong else None
        self.by_key: dict[Key, list] = {}
        for c in self.checks:
            self.by_key.setdefault(c.claim.key.whole, []).append(c)
        self.marked: set[int] = set()
        self._notes: list[str] = []  # remarks on the step being built (printed below it)

    # -- the problem's order ------------------------------------------------------------------
    def _place(self, key: Key) -> tuple:
        points, comps = self._positions
        return (key.iteration, points.get(key.point, -1), comps.get(key.component, -1))

    def _term_order(self, term):
        """Where a term of a sum stands: by the quantities it names (points, then components), or by the
        input whose exact form it holds; None when neither says."""
        places = []
        for s in term.free_symbols if hasattr(term, "free_symbols") else ():
            name = str(getattr(s, "name", s))
            key = self._value_keys.get(name)
            if key is None:
                try:
                    key = Key.parse(name)
                except ValueError:
                    continue
            places.append(self._place(key))
        if places:
            return min(places)
        if self._exact_places:
            for sub in sp.preorder_traversal(term):
                if sub in self._exact_places:
                    return self._exact_places[sub]
        return None

    def _track_inputs(self, key: Key) -> None:
        """Remember the exact forms of ``key``'s inputs, so that the terms of its substituted and exact
        forms can be put in the order of the quantities they came from."""
        places = {}
        inputs = list(self.run[key].inputs)
        for inp in inputs + [k for i in inputs for k in self.run[i].inputs]:  # two levels: sums inside logs
            form = self.run[inp].exact
            if isinstance(form, sp.Basic) and not form.is_Number and not isinstance(form, sp.MatrixBase):
                places.setdefault(form, self._place(inp))
        self._exact_places = places

    # -- certified values ------------------------------------------------------------------
    def round(self, keys) -> None:
        """Certify the entries of ``keys`` in one batch (cached)."""
        missing = [e for k in keys for e in entry_keys(k, self.d) if e not in self._rounded]
        if missing:
            self._rounded.update(self.run.round(list(dict.fromkeys(missing)), self.options.digits))

    def values(self, key: Key):
        self.round([key])
        entries = entry_keys(key, self.d)
        return shape_entries([self._rounded[e] for e in entries], key, self.d)

    def decimal(self, key: Key) -> str:
        return _array(self.values(key))

    # -- one step --------------------------------------------------------------------------
    def general_row(self, key: Key) -> str:
        """The general formula of the problem's model as align rows (its side conditions on rows below)."""
        kind = key.kind
        text = self.run[key].formula
        if kind == "det":
            text = (r"\lvert\Sigma_c\rvert = \begin{vmatrix} a & b \\ c & d \end{vmatrix} = ad - bc" if self.d == 2
                    else r"\lvert\Sigma_c\rvert = \begin{vmatrix} a & b & c \\ d & e & f \\ g & h & i \end{vmatrix} "
                         r"= a(ei - fh) - b(di - fg) + c(dh - eg)" if self.d == 3
                    else r"\lvert\Sigma_c\rvert = \Sigma_c \quad (d = 1\text{: the determinant of a number is the number})"
                    if self.d == 1 else r"\lvert\Sigma_c\rvert = \det \Sigma_c")
        elif kind == "inv" and self.d == 2:
            text = (r"\Sigma_c^{-1} = \begin{bmatrix} a & b \\ c & d \end{bmatrix}^{-1} = \frac{1}{ad - bc}"
                    r"\begin{bmatrix} d & -b \\ -c & a \end{bmatrix}")
        elif kind == "inv" and _top_level_eq(text) is None:
            text = (r"\Sigma_c^{-1} = \frac{1}{\Sigma_c}" if self.d == 1 else
                    r"\Sigma_c^{-1} = \frac{1}{\lvert\Sigma_c\rvert} \operatorname{adj}(\Sigma_c)")
            if self.d == 3:
                text += r", \quad \operatorname{adj}(\Sigma_c)_{ij} = (-1)^{i+j} M_{ji}, \ M_{ji}: \text{the minor without row } j \text{ and column } i"
        elif kind in _NAME_ONLY and _top_level_eq(text) is None:
            return rf"{text} & \tag*{{\small general}}"
        elif kind in _GENERAL_LHS and _top_level_eq(text) is None:
            text = f"{_GENERAL_LHS[kind]} = {text}"
        main, *where = [part.strip() for part in text.split(r", \quad ")]
        eq = _top_level_eq(main)
        tag = r" \tag*{\small general}"
        first = rf"{main[:eq].strip()} &= {main[eq + 1:].strip()}{tag}" if eq is not None else rf"&{main}{tag}"
        return r" \\ ".join([first] + [rf"&\qquad {w}" for w in where])

    def _start_cov(self, key: Key):
        comp = self.problem.components[self.problem.component_index[key.component]]
        return comp.covariance

    def _extra_rows(self, key: Key) -> list[str]:
        """Rows only a hand-worked solution shows: the determinant and inverse with the numbers put in
        (2×2 and 3×3 formulas; a larger matrix as itself), and the point and mean of a quadratic form
        (first iteration, where they are exact rationals)."""
        if key.iteration != 1:
            return []
        num, fac = self.notation.number, self._factor
        if key.kind in ("det", "inv") and self.d > 1:
            cov = self._start_cov(key)
            det_value = self.run[Key(1, "det", None, key.component)].exact
            det_name = (f"{det_value.p}/{det_value.q}" if isinstance(det_value, sp.Rational) and det_value.q != 1
                        else self.printer.doprint(det_value))
            if self.d == 2:
                (a, b), (c, d) = cov
                det = rf"{fac(a)} \cdot {fac(d)} - {fac(b)} \cdot {fac(c)}"
                if key.kind == "det":
                    return [rf"&= {det}"]
                adj = matrix([[num(d), num(-b)], [num(-c), num(a)]])
                return [rf"&= \frac{{1}}{{{det}}} {adj}", rf"&= \frac{{1}}{{{det_name}}} {adj}"]
            given = matrix([[num(v) for v in row] for row in cov], "vmatrix")
            if self.d == 3:
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
            x = self.problem.points[self.problem.point_index[key.point]]
            comp = self.problem.components[self.problem.component_index[key.component]]
            col = lambda v: matrix([[num(q)] for q in v])
            dev = rf"\left({col(x)} - {col(comp.mean)}\right)"
            inv = self.notation.name(Key(1, "inv", None, key.component))
            if self.d == 1:
                return [rf"&= \left({num(x[0])} - {fac(comp.mean[0])}\right)^{{2}} {inv}"]
            return [rf"&= {dev}^{{\top}} {inv} {dev}"]
        return []

    def _factor(self, q: Fraction) -> str:
        """An input number as a factor: in parentheses when negative."""
        s = self.notation.number(q)
        return rf"\left({s}\right)" if q < 0 else s

    def _decimal_substituted(self, key: Key, definition) -> list[str] | None:
        """The definition with its inputs' certified decimals put in (every digit proven), as rows."""
        if isinstance(definition, str):
            return None
        # every quantity the form names (a term times a zero vector drops out of the engine's inputs)
        inputs = list(dict.fromkeys([*self.run[key].inputs, *_named_keys(definition)]))
        if not inputs:
            return None
        self.round(inputs)
        values, repl = {}, {}
        for i, inp in enumerate(inputs):
            name = f"gmmexact-value-{i}"
            self._value_keys[name] = inp
            v = self.values(inp)
            digits = self._input_digits(key, inp)
            if digits is not None:
                v = self._values_at(inp, digits)
                why = ("the difference of the numbers shown is the result shown" if key.kind == "dev" else
                       "the product of the numbers shown is the result shown")
                self._notes.append(rf"${self.notation.name(inp)}$ to {digits} significant digits, so that {why}.")
            if isinstance(v, tuple):
                rows, cols = (self.d, 1) if inp.shape == "vector" else (self.d, self.d)
                repl[sp.MatrixSymbol(str(inp), rows, cols)] = sp.MatrixSymbol(name, rows, cols)
                text = _array(v)
                values[name] = rf"\left({text}\right)" if text.startswith("-") else text  # d = 1: a number
                if inp.shape == "vector":
                    values[name + "^T"] = values[name] if self.d == 1 else _row_vector(v)
                elif self.d > 1:
                    values[name + "|"] = text.replace("{bmatrix}", "{vmatrix}")
                else:  # d = 1: the determinant of a number is the number
                    values[name + "|"] = text
            else:
                repl[sp.Symbol(str(inp))] = sp.Symbol(name)
                text = _number(v)
                values[name] = rf"\left({text}\right)" if text.startswith("-") else text
        expr = definition.xreplace(repl)
        return self._rows_for(expr, printer=TextbookPrinter(self.notation, values=values, term_order=self._term_order))

    def _values_at(self, key: Key, digits: int):
        """``key``'s certified values to ``digits`` significant digits (not cached)."""
        entries = entry_keys(key, self.d)
        rounded = self.run.round(entries, digits)
        return shape_entries([rounded[e] for e in entries], key, self.d)

    def _input_digits(self, key: Key, inp: Key) -> int | None:
        """More digits of an input where its rounded decimals would not give the step's printed result: a
        deviation x_p − μ_c of a mean within a few units of the last digit of x_p, and the outer product of
        such a deviation. The digits that make the printed inputs' difference (product) round to the printed
        result; None when the usual digits do."""
        if (key.kind, inp.kind) not in (("dev", "mean"), ("outer", "dev")) or key.iteration is None:
            return None
        result = _flat(self.values(key))
        given = _flat(self.values(inp))
        if not all(isinstance(r, Rounded) for r in result + given):
            return None
        digits = self.options.digits
        if key.kind == "dev":
            x = self.problem.points[self.problem.point_index[key.point]]
            gap = max((_lead(g) - _lead(r) for g, r in zip(given, result) if g.mantissa and r.mantissa), default=0)
            predict = lambda v: [Fraction(xi) - _fraction(vi) for xi, vi in zip(x, v)]
        else:
            gap = 0
            predict = lambda v: [_fraction(a) * _fraction(b) for a in v for b in v]
        for extra in [0, *range(max(gap, 1), max(gap, 1) + SUBTRACTION_DIGITS)]:
            v = given if extra == 0 else _flat(self._values_at(inp, digits + extra))
            if not all(isinstance(r, Rounded) for r in v):
                return None
            if all(_rounds_to(p, r) for p, r in zip(predict(v), result)):
                return None if extra == 0 else digits + extra
        return None

    def _mean_form(self, key: Key):
        """μ_c = (1/m_c)(r_1c x_1 + … + r_nc x_n) with the points as vectors, as a worked solution writes
        it (the engine's definition is per coordinate); None where that is not the definition."""
        problem = self.problem
        if key.kind != "mean" or problem.n > SUM_LIMIT or getattr(problem, "count_offset", 0) \
                or "mean" in getattr(problem, "fixed", ()) or not isinstance(self.run[key].definition, sp.MatrixBase):
            return None
        sym = lambda kind, p=None: sp.Symbol(str(Key(key.iteration, kind, p, key.component)))
        terms = [sp.MatMul(sym("resp", p), sp.Matrix([_rat(v) for v in x]), evaluate=False)
                 for p, x in zip(problem.labels, problem.points)]
        return sp.MatMul(sp.Pow(sym("count"), -1, evaluate=False), sp.MatAdd(*terms, evaluate=False), evaluate=False)

    def _sum_form(self, key: Key) -> list[str] | None:
        """The mean or covariance over many points as a named Σ (its entries, written out, are too wide)."""
        problem = self.problem
        plain = not getattr(problem, "count_offset", 0) and not getattr(problem, "reg_covar", 0) \
            and getattr(problem, "covariance_type", "full") == "full"
        if key.kind not in ("mean", "cov") or not plain \
                or {"mean": "mean", "cov": "covariance"}[key.kind] in getattr(problem, "fixed", ()):
            return None
        n = self.notation
        c, new, it = n.comp(key.component), n.params(key.iteration), n.it(key.iteration)
        r = rf"r_{{p,{c}}}{it}"
        body = "x_p" if key.kind == "mean" else rf"(x_p - \mu_{{{c}}}{new})(x_p - \mu_{{{c}}}{new})^{{\top}}"
        whole = rf"\frac{{1}}{{m_{{{c}}}{it}}} \sum_{{p=1}}^{{{problem.n}}} {r} \, {body}"
        if _visible(whole) <= LINE_WIDTH:
            return [whole]
        return [rf"\frac{{1}}{{m_{{{c}}}{it}}} \sum_{{p=1}}^{{{problem.n}}} {r}", rf"\qquad \cdot {body}"]

    def _rows_for(self, expr, tex: str | None = None, printer=None) -> list[str] | None:
        """One form as align rows (``&= …``), broken over lines when long; None when too wide."""
        printer = printer or self.printer
        tex = tex if tex is not None else printer.doprint(expr)
        if _visible(tex) <= LINE_WIDTH:
            return [tex]
        terms = _split_terms(printer, expr) if expr is not None else None
        if terms:
            lines = _pack(terms)
            if all(_visible(x) <= MAX_WIDTH for x in lines) and len(lines) <= 12:
                return lines
        return [tex] if _visible(tex) <= MAX_WIDTH else None

    def step(self, key: Key) -> str:
        """One step as an ``align*`` block (the general formula first)."""
        q = self.run[key]
        self._notes = []
        self._track_inputs(key)
        lhs = self.notation.name(key)
        rows = [self.general_row(key), r"\\[3pt]"]
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

        for row in self._extra_rows(key):  # the hand-worked rows come first
            seen.add(re.sub(r"\s+", "", row[3:]))
            body.append([row])
        definition = self._mean_form(key) or q.definition
        defined = self._rows_for(definition)
        if defined is None and self._sum_form(key):
            defined = self._sum_form(key)
        add(defined)
        substituted = q.substituted
        sub_tex = self.printer.doprint(substituted)
        if not (_has_key_symbols(substituted) and _visible(sub_tex) > LINE_WIDTH):
            add(self._rows_for(substituted, sub_tex))  # (partly substituted and long: the decimals say more)
        exact = q.exact
        exact_tex = self.printer.doprint(exact)
        exact_rows = self._rows_for(exact, exact_tex)
        if _same_terms(exact, substituted):
            pass  # the substituted form's terms in another order: nothing new
        elif exact_rows is not None or not _has_key_symbols(exact):  # (a definition too wide: shown above)
            add(exact_rows)
        named = bool(_has_key_symbols(exact)) or omitted
        if named:  # the exact form still names earlier quantities: show their certified decimals
            dec = self._decimal_substituted(key, definition)
            if dec is not None:
                add(dec, r"\approx")
        values = self.values(key)
        integer = isinstance(exact, sp.Integer) or (isinstance(exact, sp.MatrixBase) and all(e.is_Integer for e in exact))
        if not (integer and _all_exact(values)):  # 125.000 adds nothing to 125
            add([_array(values)], "=" if _all_exact(values) else r"\approx")
        lines = [x for group in body for x in group]
        if _visible(lhs) + _visible(lines[0]) > LINE_WIDTH + 12:
            lines.insert(0, f"&{lhs}")  # a long name on a line of its own, the steps below it
        else:
            lines[0] = lhs + " " + lines[0]
        out = [r"\begin{align*}"] + [rows[0] + r" \\[3pt]"] + [x + r" \\" for x in lines[:-1]] + [lines[-1]]
        out.append(r"\end{align*}")
        if omitted:
            out.append(r"{\small (A form too long to display is left out; "
                       r"\texttt{gmmexact solve --format json} gives it whole.)}\par")
        for note in dict.fromkeys(self._notes):
            out.append(r"{\small Note: " + note + r"}\par")
        return "\n".join(out)

    def step_with_marks(self, key: Key) -> str:
        text = self.step(key)
        marks = self.marks(key)
        return text + ("\n" + marks if marks else "")

    # -- claims ----------------------------------------------------------------------------
    def marks(self, key: Key) -> str:
        """The document's written numbers for this quantity, each with its verdict."""
        out = []
        for c in self.by_key.get(key.whole, []):
            out.append(self.mark(c))
            self.marked.add(c.claim.index)
        return "\n".join(out)

    def _claim_ref(self, index: int) -> str:
        c = next(x for x in self.checks if x.claim.index == index)
        return (rf"claim \#{index} (${self.notation.name(c.claim.key)} = {_written_latex(c.claim.written)}$)")

    def _claim_value(self, c) -> str:
        """``= v`` or ``\\approx v``: the certified value shown beside a claim (= when it is the exact value)."""
        values = (shape_entries([e.value for e in c.entries], c.claim.key, self.d)
                  if c.claim.key.shape != "scalar" and not c.claim.key.entry else c.entries[0].value)
        exacts = [exact_entry(self.run.plan, e.key) for e in c.entries]
        exact = all(_equals(q, e.value) for q, e in zip(exacts, c.entries))
        if exact and all(terminating(q) for q in exacts):  # the exact value itself: 125, not 125.00
            shown = [decimal_text(q) for q in exacts]
            values = (shape_entries(shown, c.claim.key, self.d)
                      if c.claim.key.shape != "scalar" and not c.claim.key.entry else shown[0])
            return "= " + _array(values, str)
        return ("= " if exact else r"\approx ") + _array(values, _sci_text)

    def mark(self, c) -> str:
        verdict = c.verdict
        color = COLORS.get(verdict, "0,0,0")
        label = VERDICT.get(verdict, escape_text(verdict))
        name = self.notation.name(c.claim.key)
        parts = [rf"\textcolor[rgb]{{{color}}}{{\textbf{{{label}}}}}: written "
                 rf"${name} = {_written_latex(c.claim.written)}$; exact value ${self._claim_value(c)}$"]
        if verdict == "carried":
            kind = "rounding" if c.carried_kind == "rounding" else "an earlier error"
            parts.append(f" (carried by {kind} from " + ", ".join(self._claim_ref(i) for i in c.carried_from) + ")")
        if verdict == "wrong" and c.first_wrong is not None and c.first_wrong != c.claim.index:
            parts.append(f"; first wrong step: {self._claim_ref(c.first_wrong)}")
        notes = list(c.notes)
        if c.claim.where:
            notes.insert(0, c.claim.where)
        if notes:
            parts.append(r" \\ {\small " + escape_text("; ".join(notes)) + "}")
        body = "".join(parts)
        head = rf"{{\small claim \#{c.claim.index}}}\quad "
        if c.claim.index == self.first_error:
            return (r"\par\noindent\fcolorbox[rgb]{0.8,0,0}{1,0.92,0.92}{\parbox{0.96\linewidth}{"
                    r"\textbf{\textcolor[rgb]{0.8,0,0}{First wrong step.}} " + head + body + r"}}\par")
        return r"\par\noindent\parbox{\linewidth}{" + head + body + r"}\par"

    # -- document pieces -------------------------------------------------------------------
    def data_table(self) -> list[str]:
        cols = "l" + "r" * self.d
        head = " & ".join(["point"] + [escape_text(v) for v in self.problem.variables])
        out = [r"\section*{Data}", rf"\begin{{longtable}}{{{cols}}}", r"\toprule", head + r" \\", r"\midrule",
               r"\endhead"]
        for label, x in zip(self.problem.labels, self.problem.points):
            out.append(" & ".join([escape_text(label)] + [f"${self.notation.number(v)}$" for v in x]) + r" \\")
        out += [r"\bottomrule", r"\end{longtable}"]
        return out

    def parameters_table(self, title: str, rows) -> list[str]:
        out = [title, r"\begin{longtable}{lccc}", r"\toprule",
               r"component & mean $\mu_c$ & covariance $\Sigma_c$ & weight $\pi_c$ \\", r"\midrule", r"\endhead"]
        for name, mean, cov, weight in rows:
            out.append(rf"{escape_text(name)} & ${mean}$ & ${cov}$ & ${weight}$ \\[8pt]")
        out += [r"\bottomrule", r"\end{longtable}"]
        return out

    def initial_parameters(self) -> list[str]:
        f = self.notation.number
        rows = []
        for comp in self.problem.components:
            mean = matrix([[f(v)] for v in comp.mean]) if self.d > 1 else f(comp.mean[0])
            cov = matrix([[f(v) for v in row] for row in comp.covariance]) if self.d > 1 else f(comp.covariance[0][0])
            rows.append((comp.name, mean, cov, f(comp.weight)))
        model = (r"The model: $p(x) = \sum_{c=1}^{K} \pi_c \, \mathcal{N}(x \mid \mu_c, \Sigma_c)$ with "
                 rf"$K = {self.problem.K}$ components in $d = {self.d}$ dimensions.")
        return self.parameters_table(r"\section*{Initial parameters}" + "\n" + model, rows)

    def new_parameters(self, t: int) -> list[str]:
        keys = [Key(t, k, None, c) for c in self.problem.component_names for k in ("mean", "cov", "weight")]
        self.round(keys)
        rows = []
        for c in self.problem.component_names:
            rows.append((c, self.decimal(Key(t, "mean", None, c)), self.decimal(Key(t, "cov", None, c)),
                         self.decimal(Key(t, "weight", None, c))))
        title = (rf"\subsection*{{New parameters after iteration {t}}}" + "\n"
                 + rf"Certified to {self.options.digits} significant digits.")
        return self.parameters_table(title, rows)

    def table(self, caption: str, header: list[str], rows: list[list[str]], small: bool = False) -> list[str]:
        cols = "l" + "c" * (len(header) - 1)
        out = [rf"\begin{{longtable}}{{{cols}}}", r"\toprule", " & ".join(header) + r" \\", r"\midrule", r"\endhead"]
        out += [" & ".join(r) + r" \\" for r in rows]
        out += [r"\bottomrule", r"\end{longtable}"]
        if small:
            out = [r"{\small\setlength{\tabcolsep}{4pt}"] + out + ["}"]
        return [r"\noindent " + caption + r"\par"] + out

    def resp_table(self, t: int) -> list[str]:
        names = self.problem.component_names
        keys = [Key(t, "resp", p, c) for p in self.problem.labels for c in names]
        self.round(keys)
        out = []
        for chunk in _chunks(list(names), 2 * TABLE_COMPONENTS):
            header = ["point"] + ([escape_text(v) for v in self.problem.variables] if len(names) <= 2 * TABLE_COMPONENTS else []) \
                + [f"$r_{{p,{self.notation.comp(c)}}}{self.notation.it(t)}$" for c in chunk]
            rows = []
            for p, x in zip(self.problem.labels, self.problem.points):
                coords = [f"${self.notation.number(v)}$" for v in x] if len(names) <= 2 * TABLE_COMPONENTS else []
                rows.append([escape_text(p)] + coords + [f"${self.decimal(Key(t, 'resp', p, c))}$" for c in chunk])
            out += self.table(rf"\textbf{{Responsibilities}} $r_{{pc}}$ (iteration {t}; certified, "
                              rf"{self.options.digits} digits)", header, rows)
        return out

    def e_table(self, t: int, components: list[str], skip: str | None) -> list[str]:
        """Compact mode: every point's quadratic forms and densities, in tables."""
        labels = [p for p in self.points if p != skip]
        if not labels:
            return []
        self.round([Key(t, k, p, c) for p in labels for c in components for k in ("quad", "density")])
        out = []
        for chunk in _chunks(components, TABLE_COMPONENTS):
            header = ["point"]
            for c in chunk:
                header += [f"$q_{{p,{self.notation.comp(c)}}}$",
                           rf"$\mathcal{{N}}(x_p \mid \mu_{{{self.notation.comp(c)}}}, \Sigma_{{{self.notation.comp(c)}}})$"]
            rows = [[escape_text(p)] + [f"${self.decimal(Key(t, k, p, c))}$" for c in chunk for k in ("quad", "density")]
                    for p in labels]
            out += self.table(rf"\textbf{{The other points}} (iteration {t}): quadratic forms and densities, computed "
                              r"as for the point above.", header, rows)
        return out

    def m_table(self, t: int, component: str, skip: str | None) -> list[str]:
        labels = [p for p in self.points if p != skip]
        if not labels:
            return []
        self.round([Key(t, "dev", p, component) for p in labels])
        c = self.notation.comp(component)
        header = ["point", rf"$(x_p - \mu_{{{c}}}{self.notation.params(t)})^{{\top}}$"]
        rows = [[escape_text(p), f"${_row_vector(self.values(Key(t, 'dev', p, component)))}$"] for p in labels]
        return self.table(rf"\textbf{{The other points}}: deviations from the new mean of {escape_text(component)}; "
                          r"each outer product is the deviation times its transpose.", header, rows)

    def findings(self, t: int, key: str) -> list[str]:
        out = []
        for f in self.run.diagnostics:
            if f.key != key or f.kind not in ("singular-covariance", "ill-conditioned", "float64-singular"):
                continue
            out += [r"\par\noindent\fcolorbox[rgb]{0.75,0.45,0}{1,0.97,0.9}{\parbox{0.96\linewidth}{",
                    rf"\textbf{{Finding ({escape_text(f.kind)}).}} {escape_text(f.message)}"]
            if f.advice:
                out.append(r"\\ What to do: " + "; ".join(escape_text(a) for a in f.advice) + ".")
            out.append(r"}}\par")
        return out

    def loglik_section(self, t: int) -> list[str]:
        out = [rf"\subsection*{{Log-likelihood, iteration {t}}}",
               r"The log-likelihood of the parameters the iteration starts from:"]
        key = Key(t, "loglik")
        out.append(self.step_with_marks(key))
        after = Key(t + 1, "loglik")
        source = self if t + 1 <= self.run.iterations else None
        if source is None and self.after is not None and t + 1 <= self.after.iterations:
            source = _Builder(self.after, self.options)
        if source is not None:
            before_v, after_v = self.decimal(key), source.decimal(after)
            out.append(rf"After the iteration: ${self.notation.name(after)} \approx {after_v}$ "
                       rf"(before: ${self.notation.name(key)} \approx {before_v}$); EM never decreases it.")
        else:
            singular = [f for f in self.run.diagnostics if f.kind == "singular-covariance"
                        and f.key.startswith(f"iter{t}." if t > 1 else "cov.")]
            if singular:
                out.append(r"The log-likelihood after the iteration does not exist: the updated covariances are "
                           r"singular ($\lvert\Sigma\rvert = 0$), so the Gaussian densities it needs are undefined "
                           r"(see the finding above).")
            else:
                out.append(r"The log-likelihood after the last iteration shown is not computed here "
                           r"(\texttt{--iterations} one higher computes it).")
        return out

    # -- sections --------------------------------------------------------------------------
    def iteration(self, t: int) -> list[str]:
        comps = [c for c in self.problem.component_names if c in self.components]
        points = self.points
        full = points if not self.options.compact else points[:1]
        out = [rf"\section{{Iteration {t}: E-step}}"]
        if t > 1:
            out.append(rf"The parameters are those after iteration {t - 1}.")
        for c in comps:
            out.append(rf"\subsection{{Component {escape_text(c)}}}")
            for kind in ("det", "inv", "norm"):
                out.append(self.step_with_marks(Key(t, kind, None, c)))
        for p in full:
            out.append(rf"\subsection{{Point {escape_text(p)}}}")
            for c in comps:
                for kind in ("quad", "exp", "density", "joint"):
                    out.append(self.step_with_marks(Key(t, kind, p, c)))
            out.append(self.step_with_marks(Key(t, "evidence", p)))
            for c in comps:
                out.append(self.step_with_marks(Key(t, "resp", p, c)))
        if self.options.compact and len(points) > 1:
            out.append(r"\subsection{The other points}")
            out += self.e_table(t, comps, full[0])
        out.append(r"\subsection{Responsibilities}")
        out += self.resp_table(t)
        out += self.loglik_section(t)
        out.append(rf"\section{{Iteration {t}: M-step}}")
        for c in comps:
            out.append(rf"\subsection{{Component {escape_text(c)}}}")
            for kind in ("count", "weight", "mean"):
                out.append(self.step_with_marks(Key(t, kind, None, c)))
            for p in full:
                for kind in ("dev", "outer"):
                    out.append(self.step_with_marks(Key(t, kind, p, c)))
            if self.options.compact:
                out += self.m_table(t, c, full[0] if full else None)
            key = Key(t, "cov", None, c)
            out.append(self.step_with_marks(key))
            out += self.findings(t, str(key))
        out += self.new_parameters(t)
        return out

    def claims_summary(self) -> list[str]:
        if not self.checks:
            return []
        counts = {v: sum(c.verdict == v for c in self.checks) for v in ("correct", "carried", "wrong")}
        out = [r"\section{The document's numbers}",
               rf"{len(self.checks)} written numbers: {counts['correct']} correct, {counts['carried']} carried, "
               rf"{counts['wrong']} wrong. Claims are numbered in the claims file's order from \#0, as in "
               r"\texttt{gmmexact check} (its \# column and the \texttt{index} of its JSON output)."]
        if self.first_error is not None:
            out.append(r"\textcolor[rgb]{0.8,0,0}{\textbf{First wrong step:}} " + self._claim_ref(self.first_error) + ".")
        rows = []
        for c in self.checks:
            color = COLORS.get(c.verdict, "0,0,0")
            verdict = rf"\textcolor[rgb]{{{color}}}{{{VERDICT.get(c.verdict, escape_text(c.verdict))}}}"
            if c.claim.index == self.first_error:
                verdict += r" \textbf{(first)}"
            rows.append([rf"\#{c.claim.index}", f"${self.notation.name(c.claim.key)}$",
                         f"${_written_latex(c.claim.written)}$", f"${self._claim_value(c)}$", verdict])
        out += self.table(r"\textbf{Every written number}, in the document's order", [r"\#", "quantity", "written",
                          "exact value", "verdict"], rows, small=True)
        return out

    def notation_note(self) -> str:
        """What the superscripts mean."""
        if self.iterations > 1:
            return (r"Notation: a superscript $(t)$ on a quantity of a step ($Z_c^{(t)}$, $q_{pc}^{(t)}$, "
                    r"$r_{pc}^{(t)}$, $m_c^{(t)}$, $p^{(t)}(x_p)$) means it is computed in iteration $t$; on the "
                    r"parameters ($\mu_c^{(t)}$, $\Sigma_c^{(t)}$, $\pi_c^{(t)}$, $\theta^{(t)}$) it means the "
                    r"values after iteration $t$, so iteration $t$ starts from $\theta^{(t-1)}$ and $\theta^{(0)}$ "
                    r"are the initial parameters. $\ell(\theta^{(t)})$ is the log-likelihood of $\theta^{(t)}$, "
                    r"computed in the E-step of iteration $t+1$.")
        return (r"Notation: $\mu_c$, $\Sigma_c$, $\pi_c$ ($\theta$) are the initial parameters; "
                r"$\mu_c^{\text{new}}$, $\Sigma_c^{\text{new}}$, $\pi_c^{\text{new}}$ ($\theta^{\text{new}}$) the "
                r"parameters after the iteration.")

    def document(self) -> str:
        source = self.options.source or self.problem.source or "problem"
        title = rf"Worked EM solution: \texttt{{{escape_text(_shown_path(source))}}}"
        if self.checks and self.options.claims_source:
            title += rf" \\ \large marked: \texttt{{{escape_text(_shown_path(self.options.claims_source))}}}"
        t_word = "iteration" if self.iterations == 1 else "iterations"
        intro = (rf"{self.iterations} EM {t_word} for a mixture of {self.problem.K} Gaussians, "
                 rf"{self.problem.n} points in $d = {self.d}$ dimensions. Every step is shown as its general "
                 r"formula, the formula for this point and component, the values substituted, the exact result, "
                 rf"and its decimal value. Every decimal digit is certified ({self.options.digits} significant "
                 r"digits, proven by ball arithmetic); $=$ marks an exact value, $\approx$ a correctly rounded one.")
        intro += " " + self.notation_note()
        if self.options.compact:
            intro += " Compact mode: one point in full, the others in tables."
        if self.options.points and len(self.points) < self.problem.n:
            intro += " Points shown: " + ", ".join(escape_text(p) for p in self.points) + "."
        body = [PREAMBLE, r"\begin{document}", rf"\title{{{title}}}", r"\date{}", r"\maketitle", intro]
        body += self.data_table()
        body += self.initial_parameters()
        for t in range(1, self.iterations + 1):
            body += self.iteration(t)
        stop = self.run.stopped
        if stop is not None and self.iterations < (self.options.iterations or self.iterations):
            t = self.iterations + 1
            body += [r"\section*{Why the iterations stop}",
                     rf"Iteration {t} of the {self.options.iterations} asked for cannot be computed: its E-step needs "
                     rf"$\lvert\Sigma_c\rvert^{{1/2}}$ and $\Sigma_c^{{-1}}$ of the covariances from iteration {t - 1}, "
                     rf"which are singular (rank {stop.rank} of {self.d}; the data satisfy "
                     + " and ".join(escape_text(r) for r in stop.relations) + ")."]
        body += self.claims_summary()
        body.append(r"\end{document}")
        return "\n".join(body) + "\n"


def _same_terms(a, b) -> bool:
    """Whether two sums have the same terms (one only reorders the other)."""
    if not (isinstance(a, (sp.Add, sp.MatAdd)) and isinstance(b, (sp.Add, sp.MatAdd))) or a is b:
        return False
    return sorted(map(sp.srepr, a.args)) == sorted(map(sp.srepr, b.args))


def _flat(values) -> list:
    return [x for v in values for x in _flat(v)] if isinstance(values, tuple) else [values]


def _fraction(r: Rounded) -> Fraction:
    return Fraction(r.mantissa) * Fraction(10) ** r.exponent


def _lead(r: Rounded) -> int:
    """The decimal exponent of a rounded value's leading digit."""
    return r.exponent + len(str(abs(r.mantissa))) - 1


def _rounds_to(value: Fraction, r: Rounded) -> bool:
    """Whether the exact ``value`` rounds (half to even) to the printed ``r`` at its last digit."""
    return round(value / Fraction(10) ** r.exponent) == r.mantissa


def _named_keys(expr) -> list[Key]:
    """The quantities a form names, in the order SymPy lists its symbols."""
    out = []
    if not isinstance(expr, sp.Basic):
        return out
    for s in sorted(expr.atoms(sp.Symbol, sp.MatrixSymbol), key=str):
        try:
            out.append(Key.parse(str(s.name)))
        except ValueError:
            pass
    return out


_shown_path = shown_path  # a relative path as given, an absolute one by its name


def _minor_text(m, i: int, j: int, factor) -> str:
    """The 2×2 minor of a 3×3 matrix without row ``i`` and column ``j``, with its numbers: ``a·d − b·c``."""
    rows = [r for k, r in enumerate(m) if k != i]
    (a, b), (c, d) = [[v for k, v in enumerate(r) if k != j] for r in rows]
    return rf"{factor(a)} \cdot {factor(d)} - {factor(b)} \cdot {factor(c)}"


def written_decimals(problem) -> frozenset:
    """The rationals a problem file writes as decimals (``-1.5``, ``"0.75"``), to show them as written.

    Read from the problem's source file (TOML, decimals as :class:`decimal.Decimal`); a value the file
    also writes as a fraction (``"1/2"``) stays a fraction. A problem built in memory: none.

    >>> import gmmexact
    >>> sorted(written_decimals(gmmexact.load("examples/seed/problem.toml")))
    [Fraction(1, 2)]
    """
    path = Path(str(problem.source))
    if not path.is_file():
        return frozenset()
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"), parse_float=Decimal)
    except (OSError, ValueError):
        return frozenset()
    decimals, fractions = set(), set()

    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, Decimal) and v.is_finite():
            decimals.add(Fraction(v))
        elif isinstance(v, str) and re.fullmatch(r"\s*[-+]?[0-9]*\.[0-9]+(?:[eE][-+]?[0-9]+)?\s*", v):
            decimals.add(Fraction(Decimal(v.strip())))
        elif isinstance(v, str) and "/" in v:
            try:
                fractions.add(Fraction(v.replace(" ", "")))
            except (ValueError, ZeroDivisionError):
                pass
    walk(data)
    return frozenset(q for q in decimals - fractions if q.denominator != 1 and terminating(q))


def _equals(exact: Fraction | None, text: str) -> bool:
    """Whether a certified decimal string is the exact rational value itself."""
    if exact is None:
        return False
    try:
        return Fraction(text) == exact
    except (ValueError, ZeroDivisionError):
        return False


def _rat(q) -> sp.Rational:
    return sp.Rational(q.numerator, q.denominator)


def _top_level_eq(text: str) -> int | None:
    """The index of the first ``=`` outside braces (not the one in ``\\sum_{p=1}``), or None."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "=" and depth == 0:
            return i
    return None


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


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage[table]{xcolor}
\usepackage{array}
\usepackage{booktabs}
\usepackage{longtable}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\allowdisplaybreaks"""


def _check_selection(run, options: LatexOptions) -> None:
    from ..model.errors import InputError  # noqa: PLC0415

    problem = run.problem
    for field, wanted, known in (("--points", options.points, problem.labels),
                                 ("--components", options.components, problem.component_names)):
        if wanted is None:
            continue
        if not wanted:
            raise InputError(None, field, "names nothing", "comma-separated names, e.g. " + ",".join(known[:2]))
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise InputError(None, field, f"no {'point' if field == '--points' else 'component'} named "
                             f"{', '.join(unknown)}", f"names from {', '.join(known[:10])}{'…' if len(known) > 10 else ''}")


def latex_document(run, options: LatexOptions = LatexOptions(), checks=None, after=None) -> str:
    r"""A complete, compilable LaTeX article working through the run's iterations.

    ``checks``: the verdicts of :meth:`gmmexact.checking.verdicts.Checker.check` on a document's claims, shown
    beside the steps they belong to and summarised at the end. ``after``: the same problem solved one
    iteration further, for the log-likelihood after the last iteration shown (only that is used).

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> tex = latex_document(run)
    >>> tex.startswith(r"\documentclass") and r"\frac{e^{-2/5}}{20 \pi}" in tex
    True
    """
    _check_selection(run, options)
    return _Builder(run, options, checks, after).document()


def latex_fragment(run, key: str | Key, options: LatexOptions = LatexOptions(), checks=None) -> str:
    r"""One step as an ``align*`` block to paste into a document (needs amsmath; amssymb and xcolor
    when claims are marked).

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> print(latex_fragment(run, "norm.women"), end="")
    \begin{align*}
    Z_c &= (2\pi)^{d/2} |\Sigma_c|^{1/2} \tag*{\small general} \\[3pt]
    Z_{\text{women}} &= 2 \pi \sqrt{\lvert \Sigma_{\text{women}} \rvert} \\
    &= 2 \pi \sqrt{100} \\
    &= 20 \pi \\
    &\approx 62.8319
    \end{align*}
    """
    from ..model.errors import InputError  # noqa: PLC0415
    from ..engine.lookup import resolve  # noqa: PLC0415

    try:
        parsed = resolve(run.plan, key)
    except (KeyError, ValueError) as e:
        raise InputError(None, "--step", f"{key!s} is not a quantity of this problem ({e})",
                         "a key such as density.A.women, cov.women or iter2.resp.B.men "
                         "(gmmexact claims-template lists them all)") from None
    if parsed.entry:
        parsed = parsed.whole
    shown = max(options.iterations or run.iterations, parsed.iteration)  # a later iteration's names carry it
    builder = _Builder(run, replace(options, iterations=shown), checks)
    return builder.step_with_marks(parsed) + "\n"


def compile_pdf(tex: str, pdf_path: str | Path, engine: str = "pdflatex", timeout: float = 300,
                runs: int = 2) -> Path:
    """Compile ``tex`` with the LaTeX engine on PATH (in a temporary directory; ``runs`` times, as
    longtable settles its column widths on the second run) and copy the PDF to ``pdf_path``.

    Raises :class:`LatexEngineError` when the engine is missing (``missing=True``) or fails.
    """
    exe = shutil.which(engine)
    if exe is None:
        raise LatexEngineError(
            f"{engine} was not found on PATH. Install a LaTeX engine, e.g. on Debian/Ubuntu: "
            f"apt-get install --no-install-recommends {' '.join(DEBIAN_PACKAGES)} "
            f"(TeX Live with the amsmath, amssymb, xcolor, booktabs and tools packages); or write the .tex "
            f"file and compile it elsewhere.", missing=True)
    pdf_path = Path(pdf_path)
    with tempfile.TemporaryDirectory(prefix="gmmexact-latex-") as tmp:
        src = Path(tmp) / "solution.tex"
        src.write_text(tex, encoding="utf-8")
        for _ in range(runs):
            try:
                proc = subprocess.run([exe, "-halt-on-error", "-interaction=nonstopmode", "solution.tex"],
                                      cwd=tmp, capture_output=True, timeout=timeout,
                                      env={**os.environ, "openout_any": "p"})
            except subprocess.TimeoutExpired:
                raise LatexEngineError(f"{engine} did not finish within {timeout:.0f} s") from None
            if proc.returncode != 0:
                log = proc.stdout.decode("utf-8", "replace")
                errors = [line for line in log.splitlines() if line.startswith("!")]
                raise LatexEngineError(f"{engine} failed: {errors[0] if errors else 'see its log'}", log=log)
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "solution.pdf", pdf_path)
    return pdf_path
