r"""LaTeX for MathJax: the textbook forms of :mod:`~gmmexact.rendering.textbook` inside Markdown and Jupyter.

MathJax reads a smaller LaTeX than pdflatex: ``\textbackslash{}``, ``\ensuremath`` and text-mode
escapes such as ``\_`` inside ``\text{…}`` are shown literally, and a ``|`` ends a Markdown table
cell. :class:`WebNotation` writes the problem's names so that MathJax renders every one of them:
a plain name as ``\text{women}``, a name with LaTeX or Markdown specials in ``\mathtt{…}`` with
math-mode escapes. :class:`WebPrinter` is the textbook printer with those names; :func:`key_symbol`
is the key-named variant (``\mathtt{density.A.women}``) used where a reader needs the key itself.
This module only prints: it never evaluates anything.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from ..model.keys import Key
from .textbook import Notation, TextbookPrinter, exponent_text

__all__ = ["mathjax_name", "mathjax_math", "WebNotation", "KeyNotation", "WebPrinter", "web_latex", "table_math", "decimal_math"]

_PLAIN = re.compile(r"[^\W_]+(?:[ .,:;!?()+\-/=@][^\W_]*)*", re.UNICODE)
_MATH_ESCAPE = {"\\": r"\backslash ", "_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#", "$": r"\$",
                "{": r"\{", "}": r"\}", "~": r"\sim ", "^": r"\hat{}", "|": r"\vert ", " ": r"\ ",
                "<": r"\lt ", ">": r"\gt ", "'": r"\prime ", '"': r"\text{''}", "`": r"\grave{}",
                "*": r"\ast "}  # no Markdown emphasis, even where a reader does not know $…$


def mathjax_math(text: str) -> str:
    r"""``text`` as math-mode material MathJax shows character for character (inside ``\mathtt{}``);
    no character that Markdown or HTML would read as markup is left (``<`` as ``\lt``, ``*`` as ``\ast``).

    >>> print(mathjax_math("100% $cash$ #1 \\ {ok} a|b *c*"))
    100\%\ \$cash\$\ \#1\ \backslash \ \{ok\}\ a\vert b\ \ast c\ast 
    """
    return "".join(_MATH_ESCAPE.get(ch, ch) for ch in text if ch.isprintable())


def mathjax_name(name: str) -> str:
    r"""A user-supplied name as a MathJax subscript or label: digits plain, a plain name (letters,
    digits, spaces, simple punctuation) as ``\text{…}``, anything else in ``\mathtt{…}``.

    >>> mathjax_name("3"), mathjax_name("women"), mathjax_name("Pop. 2")
    ('3', '\\text{women}', '\\text{Pop. 2}')
    >>> mathjax_name("a_b|c")
    '\\mathtt{a\\_b\\vert c}'
    """
    if re.fullmatch(r"[0-9]+", name):
        return name
    if _PLAIN.fullmatch(name):
        return rf"\text{{{name}}}"
    return rf"\mathtt{{{mathjax_math(name)}}}"


@dataclass(frozen=True)
class WebNotation(Notation):
    r"""The textbook notation (:class:`~gmmexact.rendering.textbook.Notation`) with MathJax-safe names.

    >>> from gmmexact.model.problem import load
    >>> n = WebNotation.of(load("examples/seed/problem.toml"))
    >>> print(n.name(Key.parse("resp.A.women")), n.name(Key.parse("mean.women")))
    r_{\text{A},\text{women}} \mu_{\text{women}}^{\text{new}}
    """

    def comp(self, c: str) -> str:
        r"""A component name for MathJax; in sans-serif, as in the LaTeX document, when a name of the
        problem reads as a general index.

        >>> WebNotation(("A",), ("a", "c"), ("x",)).comp("c"), WebNotation(("A",), ("men",), ("x",)).comp("men")
        ('\\textsf{c}', '\\text{men}')
        """
        return _sans(mathjax_name(c), self._sans[1])

    def label(self, p: str) -> str:
        m = re.fullmatch(r"x([0-9]+)", p)
        return m[1] if m else _sans(mathjax_name(p), self._sans[0])

    def variable(self, i: int) -> str:
        return mathjax_name(self.variables[i])


@dataclass(frozen=True)
class KeyNotation(WebNotation):
    r""":class:`WebNotation` naming every quantity by its key (``\mathtt{density.A.women}``, what
    ``run[...]`` takes), for a notebook's step view; points, components and variables as before.

    >>> from gmmexact.model.problem import load
    >>> print(KeyNotation.of(load("examples/seed/problem.toml")).name(Key.parse("resp.A.women")))
    \mathtt{resp.A.women}
    """

    def name(self, key: Key) -> str:
        return rf"\mathtt{{{mathjax_math(str(key))}}}"


class WebPrinter(TextbookPrinter):
    r"""The textbook printer for MathJax: :class:`WebNotation` names; variables of Σ-notation entries
    and vector entries as whole names (never re-wrapped in ``\text{}``).

    >>> from gmmexact.model.problem import load
    >>> P = WebPrinter(WebNotation.of(load("examples/seed/problem.toml")))
    >>> P.doprint(sp.exp(sp.Rational(-2, 5)) / (20 * sp.pi))
    '\\frac{e^{-2/5}}{20 \\pi}'
    >>> P.doprint(sp.MatrixSymbol("mean.women", 2, 1)[0, 0])
    '\\left[\\mu_{\\text{women}}^{\\text{new}}\\right]_{\\text{height}}'
    """

    def _print_Indexed(self, expr):
        base, idx = str(expr.base.label), expr.indices
        if base == "x" and len(idx) == 2 and idx[1].is_Integer:
            return rf"x_{{{self._print(idx[0])},{self.notation.variable(int(idx[1]))}}}"
        return super()._print_Indexed(expr)

    def _print_MatrixElement(self, expr):
        parent, i, j = expr.parent, expr.i, expr.j
        key = _key(parent.name) if isinstance(parent, sp.MatrixSymbol) else None
        if key is not None and key.shape == "vector" and j == 0 and i.is_Integer:
            return rf"\left[{self.notation.name(key)}\right]_{{{self.notation.variable(int(i))}}}"
        return super()._print_MatrixElement(expr)


def _sans(name: str, sans: bool) -> str:
    """A plain ``\\text{…}`` name in sans-serif when ``sans`` (escaped ``\\mathtt`` names stay as they are)."""
    return r"\textsf{" + name[len(r"\text{"):] if sans and name.startswith(r"\text{") else name


def _key(name: str) -> Key | None:
    try:
        return Key.parse(name)
    except ValueError:
        return None


def web_latex(expr, notation: Notation, term_order=None) -> str:
    r"""``expr`` in textbook LaTeX for MathJax (plain text for a non-SymPy value); sums in the order
    ``term_order`` gives (a :class:`~gmmexact.rendering.textbook.TermOrder`), as the LaTeX document writes them.

    >>> from gmmexact.model.problem import load
    >>> n = WebNotation.of(load("examples/seed/problem.toml"))
    >>> web_latex(sp.MatrixSymbol("dev.A.women", 2, 1) * sp.MatrixSymbol("dev.A.women", 2, 1).T, n)
    '(x_{\\text{A}} - \\mu_{\\text{women}}^{\\text{new}}) (x_{\\text{A}} - \\mu_{\\text{women}}^{\\text{new}})^{\\top}'
    """
    if not hasattr(expr, "atoms"):
        return rf"\mathtt{{{mathjax_math(str(expr))}}}"
    return WebPrinter(notation, term_order=term_order).doprint(expr)


def table_math(latex: str) -> str:
    r"""Inline math for a Markdown table cell: ``$…$`` with every ``|`` written ``\vert``.

    >>> table_math(r"\left|x\right|")
    '$\\left\\vert x\\right\\vert $'
    """
    return "$" + latex.replace("|", r"\vert ") + "$"


_SCIENTIFIC = re.compile(r"^(-?[0-9.]+)e([+-]?[0-9]+)$")


def decimal_math(value) -> str:
    r"""A certified decimal string (or nested lists of them, ``None`` undecided) as LaTeX math:
    ``1.1440e-29`` as ``1.1440 \times 10^{-29}``, a vector as a column, a matrix as a ``bmatrix``.

    >>> decimal_math("1.1440e-29"), decimal_math(["165.00", "60.00"]), decimal_math([["1", None], ["0", "2"]])
    ('1.1440 \\times 10^{-29}', '\\begin{bmatrix}165.00 \\\\ 60.00\\end{bmatrix}', '\\begin{bmatrix}1 & \\text{undecided} \\\\ 0 & 2\\end{bmatrix}')
    >>> decimal_math(["0.25"])  # d = 1: a 1-vector reads as its number
    '0.25'
    """
    if isinstance(value, (list, tuple)):
        if len(value) == 1:
            return decimal_math(value[0])
        if value and isinstance(value[0], (list, tuple)):
            rows = [" & ".join(decimal_math(v) for v in row) for row in value]
        else:
            rows = [decimal_math(v) for v in value]
        return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"
    if value is None:
        return r"\text{undecided}"
    text = str(value)
    m = _SCIENTIFIC.match(text)
    if m:
        return rf"{m[1]} \times 10^{{{exponent_text(m[2])}}}"
    if re.fullmatch(r"-?[0-9.]+", text):
        return text
    return rf"\mathtt{{{mathjax_math(text)}}}"
