"""Textbook LaTeX for SymPy forms: names from the problem, exponentials in the numerator, bmatrix.

SymPy's printer writes ``exp(-2/5)/(20*pi)`` as ``\\frac{1}{20 \\pi e^{\\frac{2}{5}}}``; a worked
solution writes ``\\frac{e^{-2/5}}{20 \\pi}``. :class:`TextbookPrinter` keeps exponentials where they
stand, writes rational exponents inline, prints the symbols that name quantities (``density.A.women``)
in the problem's own names (``\\mathcal{N}(x_{\\text{A}} \\mid \\mu_{\\text{women}},
\\Sigma_{\\text{women}})``) and matrices as ``bmatrix``. Every user-supplied name goes through
:func:`escape_text`. This module only prints: it never evaluates anything.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from fractions import Fraction
from pathlib import Path

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from ..model.exactnum import int_text
from ..model.keys import Key
from ..model.problem import Problem

__all__ = ["Notation", "TermOrder", "TextbookPrinter", "escape_text", "latex_number", "latex_fraction", "decimal_text",
           "terminating", "matrix", "shown_path", "exact_decimal", "rational_latex",
           "exponent_text", "latex_digits", "latex_int"]

_SPECIAL = {
    "\\": r"\textbackslash{}", "_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#", "$": r"\$",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", '"': "''",
    # brackets read as an optional argument after \\ (a table row's end) or \item: the same glyph from math
    "[": r"\ensuremath{[}", "]": r"\ensuremath{]}",
}
_GREEK = dict(zip("αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ",
                  r"alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
                  r"upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega".split()))
_MATH = {"≥": r"\geq", "≤": r"\leq", "≈": r"\approx", "≠": r"\neq", "√": r"\surd", "∞": r"\infty",
         "·": r"\cdot", "⋅": r"\cdot", "−": "-", "×": r"\times", "±": r"\pm", "→": r"\to", "∈": r"\in",
         "ᵀ": r"^{\top}", "∑": r"\sum", "∏": r"\prod", "∂": r"\partial", "°": r"^{\circ}"}
_MATH.update({ch: f"^{{{d}}}" for ch, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")})
_MATH.update({ch: f"_{{{d}}}" for ch, d in zip("₀₁₂₃₄₅₆₇₈₉₋₊", "0123456789-+")})
# Latin-1 letters pdflatex's default utf8 input reads in the OT1 encoding (accented letters)
_LATIN1_OK = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]")


def escape_text(text: str) -> str:
    r"""``text`` as LaTeX text-mode material: every special character escaped, so that the text is
    printed as written and can never run a command or read a file (``\input``, ``\write18`` and
    ``^^5c`` come out as their characters).

    Greek letters become math symbols and characters pdflatex cannot set in its default fonts
    are written as their code point, so any name compiles. Brackets, and a star in first place, are
    kept from being read as the optional argument or star of a command before them (``\\[2pt]``,
    ``\\*``) where the text starts a table row.

    >>> escape_text("a_b & 50% #1 $x \\ {y} ~^")
    'a\\_b \\& 50\\% \\#1 \\$x \\textbackslash{} \\{y\\} \\textasciitilde{}\\textasciicircum{}'
    >>> escape_text("μ₁ ≈ 7·10⁻²⁸ ✓")
    '\\ensuremath{\\mu}\\ensuremath{_{1}} \\ensuremath{\\approx} 7\\ensuremath{\\cdot}10\\ensuremath{^{-}}\\ensuremath{^{2}}\\ensuremath{^{8}} \\ensuremath{[}U+2713\\ensuremath{]}'
    >>> print(escape_text("^^5cinput"), escape_text("*bold*"), escape_text("[a](b)"), escape_text("a--b"))
    \textasciicircum{}\textasciicircum{}5cinput \textnormal{}*bold* \ensuremath{[}a\ensuremath{]}(b) a-\textnormal{}-b
    """
    out = [r"\textnormal{}"] if text.startswith("*") else []
    for i, ch in enumerate(text):
        if ch == "-" and text[i + 1:i + 2] == "-":  # two hyphens, not the ligature en dash
            out.append(r"-\textnormal{}")
        elif ch in _SPECIAL:
            out.append(_SPECIAL[ch])
        elif ch in _GREEK:
            out.append(rf"\ensuremath{{\{_GREEK[ch]}}}")
        elif ord(ch) < 128:
            out.append(ch if ch.isprintable() else " ")
        elif ch in "–—":
            out.append("--" if ch == "–" else "---")
        elif ch in _MATH:
            out.append(rf"\ensuremath{{{_MATH[ch]}}}")
        elif _LATIN1_OK.match(ch):
            out.append(ch)
        else:
            out.append(rf"\ensuremath{{[}}U+{ord(ch):04X}\ensuremath{{]}}")
    return "".join(out)


def _subscript_name(name: str, sans: bool = False) -> str:
    """A component name or point label as a subscript: digits plain, anything else upright text (in
    sans-serif with ``sans``)."""
    if re.fullmatch(r"[0-9]+", name):
        return name
    return rf"\textsf{{{escape_text(name)}}}" if sans else rf"\text{{{escape_text(name)}}}"


# letters the general formulas use as indices and sizes (x_p, μ_c, π_j, t, d, n, K, i, k)
GENERAL_INDICES = frozenset("pcjtdnKik")


@dataclass(frozen=True)
class Notation:
    """How one problem's names read in LaTeX.

    ``multi`` (more than one iteration shown): parameters carry ``(t)`` superscripts and every
    per-iteration quantity its iteration; otherwise the updated parameters are marked "new".

    >>> from gmmexact.model.problem import load
    >>> n = Notation.of(load("examples/seed/problem.toml"))
    >>> print(n.name(Key.parse("density.A.women")))
    \\mathcal{N}(x_{\\text{A}} \\mid \\mu_{\\text{women}}, \\Sigma_{\\text{women}})
    >>> print(n.name(Key.parse("cov.men")))
    \\Sigma_{\\text{men}}^{\\text{new}}
    """

    labels: tuple[str, ...]
    components: tuple[str, ...]
    variables: tuple[str, ...]
    multi: bool = False
    decimals: frozenset = frozenset()  # rationals the problem writes as decimals (shown as written)
    # the LaTeX of each input number as the problem file writes it, by place: (("point", i, j), "0.5"),
    # (("mean", c, j), …), (("cov", c, i, j), …), (("weight", c), "\frac{1}{3}")
    written: tuple = ()
    # the places the file writes a number as a decimal, with its value: ((("weight", 0), Fraction(1, 2)), …)
    decimal_places: tuple = ()
    variance: bool = False  # d = 1 in σ² notation: σ_c², 1/σ_c² and N(x | μ, σ²), never |Σ_c| or Σ⁻¹

    @classmethod
    def of(cls, problem: Problem, multi: bool = False, decimals=frozenset(), written=(), decimal_places=(),
           variance: bool = False) -> "Notation":
        return cls(tuple(problem.labels), tuple(problem.component_names), tuple(problem.variables), multi,
                   frozenset(decimals), tuple(written), tuple(decimal_places), variance)

    @cached_property
    def _written(self) -> dict:
        return dict(self.written)

    def number(self, q, at: tuple | None = None) -> str:
        """An exact input number as the problem writes it: at its place ``at`` (``("point", i, j)``,
        ``("mean", c, j)``, ``("cov", c, i, j)``, ``("weight", c)``) as the file writes it there;
        otherwise a decimal it wrote as one, else a fraction.

        >>> Notation(("A",), ("1",), ("x",), decimals=frozenset({Fraction(-3, 2)})).number(Fraction(-3, 2))
        '-1.5'
        >>> Notation(("A",), ("1",), ("x",)).number(Fraction(-3, 2))
        '-\\\\frac{3}{2}'
        >>> Notation(("A",), ("1",), ("x",), written=((("weight", 0), "0.50"),)).number(Fraction(1, 2), ("weight", 0))
        '0.50'
        """
        if at is not None and at in self._written:
            return self._written[at]
        q = Fraction(q)
        if q in self.decimals:
            return decimal_text(q)
        return latex_fraction(q)

    @cached_property
    def _decimal_groups(self) -> dict:
        groups: dict = {}
        for place, q in self.decimal_places:
            groups.setdefault(place[:2], set()).add(q)
        return {g: frozenset(v) for g, v in groups.items()}

    def decimals_at(self, groups) -> frozenset:
        """The rationals a form shows as decimals when its written inputs are the numbers of ``groups``
        (``("point", i)``, ``("mean", c)``, ``("cov", c)``, ``("weight", c)``): those the file writes as
        decimals there.

        >>> n = Notation(("A",), ("1", "2"), ("x",), decimal_places=((("weight", 1), Fraction(1, 2)),))
        >>> n.decimals_at([("weight", 1)]), n.decimals_at([("weight", 0), ("point", 0)])
        (frozenset({Fraction(1, 2)}), frozenset())
        """
        out = frozenset()
        for g in groups:
            out |= self._decimal_groups.get(tuple(g), frozenset())
        return out

    # -- pieces ----------------------------------------------------------------------------
    @cached_property
    def _sans(self) -> tuple[bool, bool]:
        r"""Whether the point labels, and the component names, are set in sans-serif: when one of them
        is a letter the general formulas use as an index (a component named c would read
        ``\mu_{\text{c}}``, too close to the general ``\mu_c``), all of that kind are."""
        return (any(p in GENERAL_INDICES for p in self.labels),
                any(c in GENERAL_INDICES for c in self.components))

    def comp(self, c: str) -> str:
        r"""A component name as a subscript.

        >>> Notation(("A",), ("a", "c"), ("x",)).comp("c"), Notation(("A",), ("a", "b"), ("x",)).comp("a")
        ('\\textsf{c}', '\\text{a}')
        """
        return _subscript_name(c, self._sans[1])

    def label(self, p: str) -> str:
        """A point label as a subscript; default labels ``x3`` read ``3``."""
        m = re.fullmatch(r"x([0-9]+)", p)
        return m[1] if m else _subscript_name(p, self._sans[0])

    def point(self, p: str) -> str:
        """``x_{\\text{A}}``; default labels ``x3`` read ``x_{3}``."""
        return f"x_{{{self.label(p)}}}"

    def variable(self, i: int) -> str:
        return escape_text(self.variables[i])

    def params(self, s: int) -> str:
        """Superscript of the parameters after ``s`` iterations ('' for the initial ones)."""
        if self.multi:
            return f"^{{({s})}}"
        return "" if s == 0 else (r"^{\text{new}}" if s == 1 else f"^{{({s})}}")

    def it(self, t: int) -> str:
        """Superscript of a quantity computed in iteration ``t``."""
        return f"^{{({t})}}" if self.multi else ""

    def _sub(self, *names: str) -> str:
        return "_{" + ",".join(names) + "}"

    # -- quantities ------------------------------------------------------------------------
    def name(self, key: Key) -> str:
        """The LaTeX name of a quantity (of an entry, with its subscript appended)."""
        t, k = key.iteration, key.kind
        c = self.comp(key.component) if key.component is not None else None
        x = self.point(key.point) if key.point is not None else None
        start = self.params(t - 1)
        new = self.params(t)
        it = self.it(t)
        if self.variance and k in ("det", "inv", "density", "joint", "outer", "cov"):
            out = self._variance_name(key, c, x, start, new)
        elif k == "det":
            out = rf"\lvert \Sigma_{{{c}}}{start} \rvert"
        elif k == "inv":
            out = rf"\Sigma_{{{c}}}^{{-1}}" if not start else rf"\left(\Sigma_{{{c}}}{start}\right)^{{-1}}"
        elif k == "norm":
            out = rf"Z_{{{c}}}{it}"
        elif k == "quad":
            out = rf"q{self._sub(self.label(key.point), c)}{it}"
        elif k == "exp":
            out = rf"e^{{-q{self._sub(self.label(key.point), c)}{it}/2}}"
        elif k == "density":
            out = rf"\mathcal{{N}}({x} \mid \mu_{{{c}}}{start}, \Sigma_{{{c}}}{start})"
        elif k == "joint":
            out = rf"\pi_{{{c}}}{start} \, \mathcal{{N}}({x} \mid \mu_{{{c}}}{start}, \Sigma_{{{c}}}{start})"
        elif k == "evidence":
            out = rf"p{it}({x})"
        elif k == "resp":
            out = rf"r{self._sub(self.label(key.point), c)}{it}"
        elif k == "loglik":
            out = rf"\ell(\theta{start})"
        elif k == "count":
            out = rf"m_{{{c}}}{it}"
        elif k == "weight":
            out = rf"\pi_{{{c}}}{new}"
        elif k == "mean":
            out = rf"\mu_{{{c}}}{new}"
        elif k == "dev":
            out = rf"({x} - \mu_{{{c}}}{new})"
        elif k == "outer":
            out = rf"({x} - \mu_{{{c}}}{new})({x} - \mu_{{{c}}}{new})^{{\top}}"
        elif k == "cov":
            out = rf"\Sigma_{{{c}}}{new}"
        else:  # pragma: no cover - keys.KINDS is closed
            raise KeyError(k)
        if key.entry and not self.variance:
            out = rf"\left[{out}\right]_{{{','.join(str(i + 1) for i in key.entry)}}}"
        return out

    def variance_symbol(self, c: str, sup: str, power: int = 2) -> str:
        r"""The variance σ_c² of component ``c`` (d = 1) after the parameters' superscript ``sup``;
        ``power = -2`` its reciprocal.

        >>> n = Notation(("A",), ("lo",), ("x",), variance=True)
        >>> n.variance_symbol(n.comp("lo"), ""), n.variance_symbol(n.comp("lo"), n.params(1), -2)
        ('\\sigma_{\\text{lo}}^{2}', '\\left(\\sigma_{\\text{lo}}^{\\text{new}}\\right)^{-2}')
        """
        if not sup:
            return rf"\sigma_{{{c}}}^{{{power}}}"
        return rf"\left(\sigma_{{{c}}}{sup}\right)^{{{power}}}"

    def _variance_name(self, key: Key, c: str, x: str | None, start: str, new: str) -> str:
        """The σ² names of d = 1 (see ``variance``)."""
        k = key.kind
        if k == "det":  # the determinant of a number is the number: the variance itself
            return self.variance_symbol(c, start)
        if k == "inv":
            return self.variance_symbol(c, start, -2)
        if k in ("density", "joint"):
            density = rf"\mathcal{{N}}({x} \mid \mu_{{{c}}}{start}, {self.variance_symbol(c, start)})"
            return density if k == "density" else rf"\pi_{{{c}}}{start} \, {density}"
        if k == "outer":
            return rf"({x} - \mu_{{{c}}}{new})^{{2}}"
        return self.variance_symbol(c, new)  # cov


def _key(name: str) -> Key | None:
    try:
        return Key.parse(name)
    except ValueError:
        return None


@dataclass(frozen=True)
class TermOrder:
    r"""Where a term of a sum stands in the problem's order (points, then components): by the quantities
    it names, or by the input whose exact form it holds; None when neither says. A printer's
    ``term_order``, shared by the LaTeX document and the MathJax renderings.

    >>> from gmmexact.model.problem import load
    >>> order = TermOrder.of(load("examples/seed/problem.toml"))
    >>> order(sp.Symbol("joint.A.men")), order(sp.Symbol("joint.A.women")), order(sp.Integer(2))
    ((1, 0, 1), (1, 0, 0), None)
    >>> a, b = sp.exp(-sp.Rational(125, 2)) / (40 * sp.pi), sp.exp(-sp.Rational(2, 5)) / (20 * sp.pi)
    >>> order.with_inputs({Key.parse("joint.A.men"): a, Key.parse("joint.A.women"): b})(b)
    (1, 0, 0)
    >>> order.with_inputs({Key.parse("resp.F.men"): 1 / (1 + sp.exp(sp.Rational(-759, 10)))})(
    ...     1 / (6 + 6 * sp.exp(sp.Rational(-759, 10))))  # the same exponential: the same place
    (1, 5, 1)
    """

    points: tuple[str, ...]
    components: tuple[str, ...]
    exact_places: tuple = ()  # (exact form of an input, its place), first listed first

    @classmethod
    def of(cls, problem: Problem) -> "TermOrder":
        return cls(tuple(problem.labels), tuple(problem.component_names))

    def place(self, key: Key) -> tuple:
        """(iteration, point's position, component's position); -1 where the key names none."""
        p = self.points.index(key.point) if key.point in self.points else -1
        c = self.components.index(key.component) if key.component in self.components else -1
        return (key.iteration, p, c)

    def with_inputs(self, forms: dict) -> "TermOrder":
        """This order also placing terms that hold the exact form of one of ``forms`` (input key ->
        exact form; numbers and matrices place nothing)."""
        places: dict = {}
        for key, form in forms.items():
            if isinstance(form, sp.Basic) and not form.is_Number and not isinstance(form, sp.MatrixBase):
                places.setdefault(form, self.place(key))
        return TermOrder(self.points, self.components, tuple(places.items()))

    def __call__(self, term, keys: dict | None = None):
        places = []
        for s in term.free_symbols if hasattr(term, "free_symbols") else ():
            name = str(getattr(s, "name", s))
            key = (keys or {}).get(name) or _key(name)
            if key is not None:
                places.append(self.place(key))
        if places:
            return min(places)
        if self.exact_places:
            found = dict(self.exact_places)
            for sub in sp.preorder_traversal(term):
                if sub in found:
                    return found[sub]
            # a form SymPy rewrote (1/(6 + 6 e^{x}) from 1/(1 + e^{x}) / 6): by its exponentials, when
            # exactly those of one input
            exps = _exponentials(term)
            if exps:
                for form, place in sorted(self.exact_places, key=lambda fp: fp[1]):
                    if _exponentials(form) == exps:
                        return place
        return None


def _exponentials(expr) -> frozenset:
    return frozenset(expr.atoms(sp.exp)) if isinstance(expr, sp.Basic) else frozenset()


def signed_matrix_sum(terms, print_) -> str:
    """Terms of a matrix sum written as ``a - b + c`` (a term ``-1·X`` as ``- X``), by ``print_``.

    >>> x, m = sp.MatrixSymbol("x", 2, 1), sp.MatrixSymbol("mu", 2, 1)
    >>> signed_matrix_sum([x, -m], str)
    'x - mu'
    """
    out = []
    for t in terms:
        negative = isinstance(t, sp.MatMul) and t.args[0] == -1
        body = print_(sp.MatMul(*t.args[1:]) if negative else t)
        out.append(("- " if negative else "+ ") + body)
    text = " ".join(out)
    return text[2:] if text.startswith("+ ") else "-" + text[2:]


class TextbookPrinter(LatexPrinter):
    r"""SymPy's LaTeX printer arranged to read like a textbook.

    >>> from gmmexact.model.problem import load
    >>> P = TextbookPrinter(Notation.of(load("examples/seed/problem.toml")))
    >>> P.doprint(sp.exp(sp.Rational(-2, 5)) / (20 * sp.pi))
    '\\frac{e^{-2/5}}{20 \\pi}'
    >>> P.doprint(sp.exp(-sp.Symbol("quad.A.women") / 2))
    'e^{-q_{\\text{A},\\text{women}}/2}'
    >>> P.doprint(sp.Matrix([[1, 0], [0, sp.Rational(1, 10)]]))
    '\\begin{bmatrix}1 & 0 \\\\[5pt] 0 & \\dfrac{1}{10}\\end{bmatrix}'
    """

    def __init__(self, notation: Notation, values: dict[str, str] | None = None, term_order=None,
                 decimals: frozenset | None = None, **settings):
        super().__init__({"mat_str": "bmatrix", "mat_delim": "", "order": "none", **settings})
        self.notation = notation
        self.values = values or {}  # symbol name -> LaTeX to print in its place (certified decimals)
        self._no_decimals = 0  # > 0 while printing an exponent
        self.term_order = term_order  # term -> sort key (or None): sums in the problem's point/component order
        # the rationals this form shows as decimals (the step's own inputs as the file writes them); None:
        # the notation's, where ±1/2 stay the formulas' own halves (e^{-q/2})
        self.decimals: frozenset | None = decimals

    def ordered_terms(self, expr) -> list:
        """The terms of a sum in the problem's order (points, then components; see ``term_order``); terms
        the order does not place keep their places relative to each other, after the placed ones. A sum
        with fewer than two places (``6 + 6 e^{x}``) keeps its own order."""
        terms = list(expr.args)
        if self.term_order is None:
            return terms
        keys = [self.term_order(t) for t in terms]
        if len({k for k in keys if k is not None}) < 2:  # one place says nothing about an order
            return terms
        ranked = sorted(range(len(terms)), key=lambda i: (keys[i] is None, keys[i] or (), i))
        return [terms[i] for i in ranked]

    def _as_decimal(self, q) -> str | None:
        """An input the problem writes as a decimal, as written; None for any other rational. (±1/2 stay
        fractions in forms: they are the formulas' own halves, as in e^{-q/2}.)"""
        if self._no_decimals:
            return None
        f = Fraction(int(q.p), int(q.q))
        if self.decimals is not None:
            return decimal_text(f) if f in self.decimals and f.denominator != 1 else None
        if f in self.notation.decimals and abs(f) != Fraction(1, 2):
            return decimal_text(f)
        return None

    def _print_Rational(self, expr):
        return self._as_decimal(expr) or rational_latex(self, expr)

    def _print_int(self, expr):
        return latex_int(expr)

    # -- names -----------------------------------------------------------------------------
    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self.values:
            return self.values[expr.name]
        key = _key(expr.name)
        if key is not None:
            return self.notation.name(key)
        if expr.name == "p" and expr.is_integer:
            return "p"
        return super()._print_Symbol(expr, style)

    def _print_MatrixSymbol(self, expr):
        if expr.name in self.values:
            return self.values[expr.name]
        key = _key(expr.name)
        return self.notation.name(key) if key is not None else super()._print_MatrixSymbol(expr)

    def _print_Indexed(self, expr):
        base, idx = str(expr.base.label), expr.indices
        if base == "resp" and len(idx) == 2:
            return rf"r_{{{self._print(idx[0])},{self._component(idx[1])}}}"
        if base == "x" and len(idx) == 2:
            i = idx[1]
            var = self.notation.variable(int(i)) if i.is_Integer else self._print(i)
            return rf"x_{{{self._print(idx[0])},\text{{{var}}}}}" if i.is_Integer else rf"x_{{{self._print(idx[0])},{var}}}"
        if base == "evidence" and len(idx) == 1:
            return rf"p(x_{{{self._print(idx[0])}}})"
        key = _key(base)
        if key is not None:
            return rf"\left[{self.notation.name(key)}\right]_{{{','.join(self._print(i + 1) for i in idx)}}}"
        return super()._print_Indexed(expr)

    def _component(self, i) -> str:
        return self.notation.comp(self.notation.components[int(i)]) if i.is_Integer else self._print(i)

    def _print_Sum(self, expr):
        # Σ-notation definitions count points from 0 internally; a worked solution counts from 1
        if len(expr.limits) == 1:
            var, lo, hi = expr.limits[0]
            tex = rf"\sum_{{{self._print(var)}={self._print(lo + 1)}}}^{{{self._print(hi + 1)}}} "
            body = expr.function
            return tex + (rf"\left({self._print(body)}\right)" if isinstance(body, sp.Add) else self._print(body))
        return super()._print_Sum(expr)

    def _print_MatrixElement(self, expr):
        parent, i, j = expr.parent, expr.i, expr.j
        key = _key(parent.name) if isinstance(parent, sp.MatrixSymbol) else None
        if key is not None and key.shape == "vector" and j == 0 and i.is_Integer:
            return rf"\left[{self.notation.name(key)}\right]_{{\text{{{self.notation.variable(int(i))}}}}}"
        if key is not None and i.is_Integer and j.is_Integer:
            return rf"\left[{self.notation.name(key)}\right]_{{{int(i) + 1},{int(j) + 1}}}"
        return super()._print_MatrixElement(expr)

    def _print_Add(self, expr, order=None):
        # a positive term first (x_p − μ, not −μ + x_p); otherwise the problem's order
        terms = self.ordered_terms(expr)
        negative = [t.could_extract_minus_sign() for t in terms]
        if negative[0] and not all(negative):
            k = negative.index(False)
            terms.insert(0, terms.pop(k))
        out = ""
        for i, t in enumerate(terms):
            if t.could_extract_minus_sign():
                body = self._print(-t)
                out += ("-" if i == 0 else " - ") + self.parenthesize_add(-t, body)
            else:
                out += ("" if i == 0 else " + ") + self._print(t)
        return out

    def parenthesize_add(self, term, body: str) -> str:
        return rf"\left({body}\right)" if isinstance(term, sp.Add) else body

    # -- matrices --------------------------------------------------------------------------
    def _print_Transpose(self, expr):
        mat = expr.arg
        if isinstance(mat, sp.MatrixSymbol) and f"{mat.name}^T" in self.values:
            return self.values[f"{mat.name}^T"]  # a vector of decimals, transposed: a row
        s = self._print(mat)
        if getattr(mat, "shape", None) == (1, 1):
            return s  # d = 1: the transpose of a number is the number
        if isinstance(mat, sp.MatrixSymbol) and "^" in s and not s.endswith(")"):
            return rf"{{{s}}}^{{\top}}"  # a name with a superscript of its own
        if isinstance(mat, sp.MatrixSymbol) or isinstance(mat, sp.MatrixBase) or (s.startswith("(") and s.endswith(")")):
            return rf"{s}^{{\top}}"
        return rf"\left({s}\right)^{{\top}}"

    def _print_Determinant(self, expr):
        mat = expr.arg
        if isinstance(mat, sp.MatrixSymbol) and f"{mat.name}|" in self.values:
            return self.values[f"{mat.name}|"]  # a matrix of decimals, as a vmatrix
        if self.notation.variance and getattr(mat, "shape", None) == (1, 1):
            return self._print(mat)  # d = 1: the determinant of a number is the number
        if isinstance(mat, sp.MatrixBase):
            return self._print(mat).replace("{bmatrix}", "{vmatrix}")
        return rf"\lvert {self._print(mat)} \rvert"

    def _print_Inverse(self, expr):
        s = self._print(expr.arg)
        if self.notation.variance and getattr(expr.arg, "shape", None) == (1, 1):
            return rf"\frac{{1}}{{{s}}}"
        if isinstance(expr.arg, sp.MatrixSymbol) and "^" not in s:
            return rf"{s}^{{-1}}"
        return rf"\left({s}\right)^{{-1}}"

    def _print_MatrixBase(self, expr):
        if expr.shape == (1, 1):  # d = 1: a 1×1 matrix reads as its number
            s = self._print(expr[0, 0])
            return rf"\left({s}\right)" if s.startswith("-") or isinstance(expr[0, 0], sp.Add) else s
        rows = [[self._print(expr[i, j]) for j in range(expr.cols)] for i in range(expr.rows)]
        if all(e.is_Rational for e in expr):  # fractions in a matrix at full size, as written by hand
            rows = [[e.replace(r"\frac{", r"\dfrac{") for e in row] for row in rows]
        return matrix(rows)

    _print_ImmutableMatrix = _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_Matrix = _print_MutableDenseMatrix = _print_MatrixBase

    def _print_MatAdd(self, expr):
        # explicit matrices first, as a worked solution writes x_p − μ_c; then the problem's order
        return signed_matrix_sum(sorted(self.ordered_terms(expr), key=lambda t: not isinstance(t, sp.MatrixBase)),
                                 self._print)

    def _print_MatMul(self, expr):
        out = ""
        for a in expr.args:
            if isinstance(a, sp.MatAdd) or (isinstance(a, sp.Transpose) and isinstance(a.arg, sp.MatAdd)
                                            and a.shape == (1, 1)):
                s = rf"\left({self._print(a)}\right)"
            elif isinstance(a, sp.Pow) and a.exp == -1 and not isinstance(a.base, sp.MatrixExpr):
                s = rf"\frac{{1}}{{{self._print(a.base)}}}"
            else:
                s = self.parenthesize(a, PRECEDENCE["Mul"])
            if out:  # numbers side by side (d = 1, certified decimals) need a dot
                out += r" \cdot " if (s[:1].isdigit() or s.startswith(("-", r"\left(-", r"\left(\frac"))) else " "
            out += s
        return out

    # -- exponentials and products ---------------------------------------------------------
    def _inline_exponent(self, arg) -> str | None:
        """A short exponent written on one line (``-2/5``, ``-q/2``), or None."""
        if arg.is_Rational:
            return latex_int(arg.p) if arg.q == 1 else f"{latex_int(arg.p)}/{latex_int(arg.q)}"
        if isinstance(arg, sp.Mul):
            rationals = [a for a in arg.args if a.is_Rational]
            rest = [a for a in arg.args if not a.is_Rational]
            if len(rationals) == 1 and len(rest) == 1 and rest[0].is_Symbol:
                c = rationals[0]
                sign = "-" if c < 0 else ""
                num = "" if abs(c.p) == 1 else f"{latex_int(abs(c.p))} "
                den = "" if c.q == 1 else f"/{latex_int(c.q)}"
                return f"{sign}{num}{self._print(rest[0])}{den}"
        if arg.is_Symbol:
            return self._print(arg)
        return None

    def _print_exp(self, expr, exp=None):
        inline = self._inline_exponent(expr.args[0])
        tex = f"e^{{{inline}}}" if inline is not None else rf"\exp\left({self._print(expr.args[0])}\right)"
        return tex if exp is None else rf"\left({tex}\right)^{{{exp}}}"

    def _print_Mul(self, expr):
        args = _flat_factors(expr)
        if len(args) == 2 and args[0] == -1 and args[1].is_Rational:  # an unevaluated −q: a negative input
            shown = self._as_decimal(-args[1]) or self._as_decimal(args[1])
            if shown is not None:
                return shown if shown.startswith("-") and -args[1] < 0 else "-" + shown
        rationals = [a for a in args if a.is_Rational]
        if len(rationals) > 1 or any(isinstance(a, sp.MatrixBase) for a in args):
            # an unevaluated product of numbers (a substituted form): keep every factor visible
            return self._product(args)
        c = rationals[0] if rationals else sp.Integer(1)
        num, den = [], []
        for a in args:
            if a.is_Rational:
                continue
            if isinstance(a, sp.Pow) and a.exp.is_Rational and a.exp < 0:
                den.append(a.base if a.exp == -1 else sp.Pow(a.base, -a.exp, evaluate=False))
            else:
                num.append(a)
        sign = "- " if c < 0 else ""
        c = abs(c)
        if not den:
            if c.q == 1:
                return sign + self._product(([sp.Integer(c.p)] if c.p != 1 else []) + num)
            # (1/2) π N: the coefficient in front, as a weight is written
            rest = self._product(num)
            # a weight in front of a density reads as written (0.3 N); a coefficient of constants such
            # as π√19 is the formula's own fraction (π√19/5, not 0.2·π√19)
            written = all(a.free_symbols for a in num) or (self.decimals is not None and rest.startswith(r"\frac"))
            if not any(a.free_symbols for a in num) and not rest.startswith(r"\frac"):
                # constants only: one fraction (\frac{\sqrt{6 \pi}}{2}, not \frac{1}{2} \sqrt{6} \sqrt{\pi})
                top = self._product(([sp.Integer(c.p)] if c.p != 1 else []) + num, alone=True)
                return sign + rf"\frac{{{top}}}{{{latex_int(c.q)}}}"
            coef = (self._as_decimal(c) if written else None) or rf"\frac{{{latex_int(c.p)}}}{{{latex_int(c.q)}}}"
            joined = rest.startswith((r"\frac", r"\left(-")) or coef[-1].isdigit() or rest[:1].isdigit()
            return sign + coef + (r" \cdot " if joined else " ") + rest
        top = self._product(([sp.Integer(c.p)] if c.p != 1 else []) + num, alone=True)
        bottom = self._product(([sp.Integer(c.q)] if c.q != 1 else []) + den, alone=True)
        return sign + rf"\frac{{{top}}}{{{bottom}}}"

    def _factor(self, f, first: bool) -> str:
        if f.is_Rational:
            s = self._print(f)
            return s if first or f >= 0 else rf"\left({s}\right)"
        s = self._print(f)
        if s.startswith(r"\frac") and not isinstance(f, sp.Add):
            return s  # a fraction needs no parentheses
        return self.parenthesize(f, PRECEDENCE["Mul"])

    def _product(self, factors, alone: bool = False) -> str:
        """Factors side by side; a number after another factor gets a ``\\cdot``. ``alone``: the
        product is a whole numerator or denominator, so a single factor needs no parentheses."""
        if not factors:
            return "1"
        factors = _join_square_roots(factors)
        if alone and len(factors) == 1:
            return _joined_root(factors[0]) or self._print(factors[0])
        out = ""
        for i, f in enumerate(factors):
            root = _joined_root(f)
            s = root or self._factor(f, i == 0)
            if out and root is None:
                number = s[:1].isdigit() or s.startswith(("-", r"\frac")) or (f.is_Rational and s.startswith(r"\left("))
                out += r" \cdot " if number else " "
            elif out:
                out += " "
            out += s
        return out

    def _print_Pow(self, expr):
        if expr.exp.is_Rational and expr.exp < 0 and not isinstance(expr.base, sp.MatrixExpr):
            base = expr.base if expr.exp == -1 else sp.Pow(expr.base, -expr.exp, evaluate=False)
            return rf"\frac{{1}}{{{self._print(base)}}}"
        if expr.exp == sp.Rational(1, 2) and expr.base.is_Rational and self._as_decimal(expr.base) is not None:
            return rf"\sqrt{{{self._as_decimal(expr.base)}}}"  # the root of an input written as a decimal: √0.75
        self._no_decimals += 1  # an exponent is the formula's (π^{3/2}), never an input written as 1.5
        try:
            return super()._print_Pow(expr)
        finally:
            self._no_decimals -= 1

    def _print_log(self, expr, exp=None):
        tex = rf"\log\left({self._print(expr.args[0])}\right)"
        return tex if exp is None else rf"\log^{{{exp}}}\left({self._print(expr.args[0])}\right)"


_JOINED_ROOT = "gmmexact-sqrt-pi-"  # a placeholder factor's name: √a √π printed as one √(aπ)


def _join_square_roots(factors: list) -> list:
    """√a (a positive integer) and √π side by side become one √(aπ): the normalising constant's
    (2π)^{1/2}, or √6 √π/2 as √(6π)/2."""
    roots = [i for i, f in enumerate(factors) if isinstance(f, sp.Pow) and f.exp == sp.Rational(1, 2)
             and f.base.is_Integer and f.base > 0]
    pis = [i for i, f in enumerate(factors) if f == sp.sqrt(sp.pi)]
    if not (roots and pis):
        return factors
    first, second = min(roots[0], pis[0]), max(roots[0], pis[0])
    out = list(factors)
    out[first] = sp.Symbol(f"{_JOINED_ROOT}{int(factors[roots[0]].base)}")
    del out[second]
    return out


def _joined_root(f) -> str | None:
    """The LaTeX of a placeholder of :func:`_join_square_roots`; None for any other factor."""
    if isinstance(f, sp.Symbol) and f.name.startswith(_JOINED_ROOT):
        return rf"\sqrt{{{f.name[len(_JOINED_ROOT):]} \pi}}"
    return None


def _flat_factors(expr) -> list:
    """The factors of a (possibly nested, unevaluated) product."""
    out = []
    for a in expr.args:
        out += _flat_factors(a) if isinstance(a, sp.Mul) and not any(x.is_Rational for x in a.args[1:]) and \
            not _has_denominator(a) else [a]
    return out


def _has_denominator(expr) -> bool:
    return any(isinstance(a, sp.Pow) and a.exp.is_Rational and a.exp < 0 for a in expr.args) or \
        any(a.is_Rational and a.q != 1 for a in expr.args)


def matrix(rows: list[list[str]], env: str = "bmatrix") -> str:
    r"""Entries (LaTeX) as a ``bmatrix``; rows holding fractions get extra space so that a numerator never
    touches the denominator above it: 5pt, and 14pt between two rows with a fraction in the same column
    (one's denominator right above the other's numerator).

    >>> matrix([["1", "0"], ["0", "2"]])
    '\\begin{bmatrix}1 & 0 \\\\ 0 & 2\\end{bmatrix}'
    >>> matrix([[r"\dfrac{1}{2}"], ["3"]])
    '\\begin{bmatrix}\\dfrac{1}{2} \\\\[5pt] 3\\end{bmatrix}'
    >>> matrix([[r"\dfrac{23}{40}", "0"], [r"-\dfrac{3}{10}", "1"], ["0", r"\dfrac{1}{2}"]])
    '\\begin{bmatrix}\\dfrac{23}{40} & 0 \\\\[14pt] -\\dfrac{3}{10} & 1 \\\\[5pt] 0 & \\dfrac{1}{2}\\end{bmatrix}'
    """
    tall = [[r"\frac" in e or r"\dfrac" in e or r"\sum" in e for e in row] for row in rows]
    out = " & ".join(rows[0]) if rows else ""
    for i in range(1, len(rows)):
        stacked = any(a and b for a, b in zip(tall[i - 1], tall[i]))  # one fraction right above another
        gap = 14 if stacked else 5 if any(map(any, tall)) else 0
        out += (rf" \\[{gap}pt] " if gap else r" \\ ") + " & ".join(rows[i])
    return rf"\begin{{{env}}}" + out + rf"\end{{{env}}}"


def terminating(q: Fraction) -> bool:
    """Whether ``q`` has a finite decimal expansion (its denominator has no prime factors but 2 and 5).

    >>> terminating(Fraction(17, 4)), terminating(Fraction(1, 3))
    (True, False)
    """
    den = q.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


LONG_NUMBER = 60  # digits on one line; a longer number is set as a column of such lines


def latex_digits(text: str) -> str:
    r"""A number written out (digits, sign, point) for LaTeX math: as it is when short, else in lines of
    ``LONG_NUMBER`` characters stacked in an ``array``, so that every digit is shown and no line is
    wider than TeX can set.

    >>> latex_digits("-12.5"), latex_digits("1" * 61)
    ('-12.5', '\\begin{array}{l}111111111111111111111111111111111111111111111111111111111111 \\\\ 1\\end{array}')
    """
    if len(text) <= LONG_NUMBER:
        return text
    rows = [text[i:i + LONG_NUMBER] for i in range(0, len(text), LONG_NUMBER)]
    return r"\begin{array}{l}" + r" \\ ".join(rows) + r"\end{array}"


def latex_int(n: int) -> str:
    """An integer of any size for LaTeX math (:func:`latex_digits`).

    >>> latex_int(-42), latex_int(10 ** 5000).count("array")
    ('-42', 2)
    """
    return latex_digits(int_text(n))


def decimal_text(q: Fraction) -> str:
    """A terminating rational as its exact decimal (every digit, no padding); a fraction otherwise.

    >>> decimal_text(Fraction(-13, 50)), decimal_text(Fraction(377, 100)), decimal_text(Fraction(6))
    ('-0.26', '3.77', '6')
    >>> decimal_text(Fraction(1, 3))
    '\\\\frac{1}{3}'
    """
    if not terminating(q):
        return latex_fraction(q)
    if q.denominator == 1:
        return latex_int(q.numerator)
    twos = (q.denominator & -q.denominator).bit_length() - 1  # the denominator is 2^twos 5^fives
    fives = _power_of_five(q.denominator >> twos)
    places = max(twos, fives)
    digits = int_text(abs(q.numerator * (10 ** places // q.denominator))).rjust(places + 1, "0")
    return latex_digits(("-" if q < 0 else "") + digits[:-places] + "." + digits[-places:])


def _power_of_five(n: int) -> int:
    """``b`` for ``n = 5^b``.

    >>> _power_of_five(1), _power_of_five(5 ** 4000)
    (0, 4000)
    """
    b = max(0, int(n.bit_length() / math.log2(5)) - 1)
    while 5 ** b < n:
        b += 1
    return b


def latex_fraction(q: Fraction) -> str:
    """An exact rational in LaTeX: ``3``, ``-\\frac{1}{3}``.

    >>> latex_fraction(Fraction(-1, 3)), latex_fraction(Fraction(6))
    ('-\\\\frac{1}{3}', '6')
    """
    if q.denominator == 1:
        return latex_int(q.numerator)
    sign = "-" if q < 0 else ""
    return rf"{sign}\frac{{{latex_int(abs(q.numerator))}}}{{{latex_int(q.denominator)}}}"


def rational_latex(printer: LatexPrinter, expr) -> str:
    """SymPy's LaTeX of a rational (``- \\frac{1}{3}``, or ``1 / 3`` with ``fold_short_frac``), for integers
    of any size (SymPy's own stops at Python's 4,300-digit limit).

    >>> rational_latex(LatexPrinter(), sp.Rational(-1, 3)), rational_latex(LatexPrinter(), sp.Integer(7))
    ('- \\\\frac{1}{3}', '7')
    """
    if expr.q == 1:
        return latex_int(expr.p)
    sign, p, q = ("- " if expr.p < 0 else ""), latex_int(abs(expr.p)), latex_int(expr.q)
    return f"{sign}{p} / {q}" if printer._settings["fold_short_frac"] else rf"{sign}\frac{{{p}}}{{{q}}}"


def latex_number(mantissa: int, exponent: int) -> str:
    """``mantissa × 10^exponent`` (every digit of ``mantissa`` significant) in LaTeX, scientific outside
    ``[10⁻⁴, 10⁶)`` or where positional notation would show zeros that are not significant.

    >>> latex_number(106685, -7), latex_number(107229, -32), latex_number(100000, -3)
    ('0.0106685', '1.07229 \\\\times 10^{-27}', '100.000')
    >>> latex_number(0, 0), latex_number(-25, 0)
    ('0', '-25')
    """
    if mantissa == 0:
        return "0"
    sign = "-" if mantissa < 0 else ""
    s = int_text(abs(mantissa))
    lead = exponent + len(s) - 1
    if -4 <= lead < 6 and exponent <= 0:
        point = len(s) + exponent
        if point > 0:
            body = s[:point] + ("." + s[point:] if s[point:] else "")
        else:
            body = "0." + "0" * -point + s
        return latex_digits(sign + body)
    body = s[0] + ("." + s[1:] if len(s) > 1 else "")
    return rf"{latex_digits(sign + body)} \times 10^{{{latex_int(lead)}}}"


def exponent_text(exponent: str) -> str:
    """A decimal exponent as written after ``e`` (``+029``, ``-5``) as plain digits with their sign,
    ``int``'s normal form, for exponents of any length.

    >>> exponent_text("+029"), exponent_text("-5"), exponent_text("-000"), len(exponent_text("1" * 5000))
    ('29', '-5', '0', 5000)
    """
    digits = exponent.lstrip("+-").lstrip("0") or "0"
    return "-" + digits if exponent.startswith("-") and digits != "0" else digits


def shown_path(path) -> str:
    """A file name as a title shows it: a relative path as given, an absolute one by its name.

    >>> shown_path("examples/seed/problem.toml"), shown_path("/work/main/examples/seed/problem.toml")
    ('examples/seed/problem.toml', 'problem.toml')
    """
    p = Path(str(path))
    return p.name if p.is_absolute() else str(path)


_PADDED = re.compile(r"(-?[0-9]+)(?:\.([0-9]*?)0*)?((?:e[+-]?[0-9]+)?)")


def exact_decimal(text: str) -> str:
    """A certified decimal proven equal to its value, without the zeros that only pad it to the digits
    asked for (``100.000`` is the exact 100); any other text as it is.

    >>> exact_decimal("100.000"), exact_decimal("0.800000"), exact_decimal("-1.25000e-7"), exact_decimal("0")
    ('100', '0.8', '-1.25e-7', '0')
    """
    m = _PADDED.fullmatch(text)
    if not m:
        return text
    return m[1] + (f".{m[2]}" if m[2] else "") + m[3]
