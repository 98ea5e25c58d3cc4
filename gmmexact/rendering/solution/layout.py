"""Display lines: how wide a formula shows, and a long sum broken over lines of about
:data:`LINE_WIDTH` visible characters."""
from __future__ import annotations

import re

import sympy as sp

from ..textbook import TextbookPrinter

__all__ = ["LINE_WIDTH", "MAX_WIDTH", "keep_together", "pack", "rows_for", "split_terms", "visible"]

LINE_WIDTH = 76  # visible characters of a display line before a sum is broken over lines
MAX_WIDTH = LINE_WIDTH + 12  # wider forms that cannot be broken are left out (the decimals remain)


def visible(tex: str) -> int:
    r"""A rough count of the characters a formula shows (commands and braces do not count; binary
    operators count their spacing; a matrix as wide as its widest row).

    >>> visible(r"\frac{1}{2} + x_{\text{A}}")
    7
    """
    def matrix(m):
        rows = m[1].split(r"\\")
        return "x" * max(visible(r.replace("&", "  ")) for r in rows) + "xx"
    tex = re.sub(r"\\begin\{[bv]matrix\}((?:(?!\\begin\{).)*?)\\end\{[bv]matrix\}", matrix, tex)
    tex = re.sub(r"\\text[a-z]+\{\}|\\[$&%#_{}]", "x", tex)  # escaped characters in names show one glyph
    tex = re.sub(r"\\(text|mathrm)\{([^{}]*)\}", r"\2", tex)
    tex = re.sub(r" ?(\+|-|=|\\cdot|\\times) ?", "+++", tex)
    tex = re.sub(r"\\begin\{[a-z*]+\}|\\end\{[a-z*]+\}|\\(left|right|frac|tfrac|mathcal|Big|big|top|tag)\b", "", tex)
    tex = re.sub(r"\\(log|exp|quad)\b", "xxx", tex)
    tex = re.sub(r"\\[a-zA-Z]+", "x", tex)  # a symbol: one glyph
    tex = re.sub(r"[{}_^&\\ ]", "", tex)
    return len(tex)


def split_terms(printer: TextbookPrinter, expr) -> list[str] | None:
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


def pack(terms: list[str]) -> list[str]:
    """Terms joined with + into lines of about ``LINE_WIDTH`` visible characters.

    >>> pack(["a", "-b", "c"])
    ['a -b + c']
    """
    lines, current = [], ""
    for t in terms:
        joined = t if not current else (current + (" " if t.startswith("-") else " + ") + t)
        if current and visible(joined) > LINE_WIDTH:
            lines.append(current)
            current = t if t.startswith("-") else "+ " + t
        else:
            current = joined
    lines.append(current)
    return lines


def rows_for(printer: TextbookPrinter, expr, tex: str | None = None) -> list[str] | None:
    """One form as align rows (``&= …``), broken over lines when long; None when too wide.

    Parameters
    ----------
    printer : TextbookPrinter
        Prints ``expr`` (and its terms, when it is broken).
    expr : sympy expression or None
        The form.
    tex : str, optional
        ``expr`` already printed.
    """
    tex = tex if tex is not None else printer.doprint(expr)
    if visible(tex) <= LINE_WIDTH:
        return [tex]
    terms = split_terms(printer, expr) if expr is not None else None
    if terms:
        lines = pack(terms)
        if all(visible(x) <= MAX_WIDTH for x in lines) and len(lines) <= 12:
            return lines
    return [tex] if visible(tex) <= MAX_WIDTH else None


def keep_together(lines: list[str]) -> list[str]:
    r"""Document lines with the ``\needspace`` of a heading dropped where it follows another heading
    directly (a section's first subsection): its penalty would let the page break between the two.

    >>> keep_together(["\\needspace{8pt}\n\\section{A}", "\\needspace{8pt}\n\\subsection{B}", "text"])
    ['\\needspace{8pt}\n\\section{A}', '\\subsection{B}', 'text']
    """
    out: list[str] = []
    for line in lines:
        if out and line.startswith("\\needspace") and re.search(r"\\(sub)*section\*?\{[^\n]*\}$", out[-1]):
            rest = line.split("\n", 1)[1] if "\n" in line else ""
            if rest:
                out.append(rest)
            continue
        out.append(line)
    return out
