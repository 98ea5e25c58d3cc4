"""Numbers and arrays in LaTeX: certified rounded values, written claims and matrices.

Certified values in, LaTeX out; nothing here rounds or evaluates.
"""
from __future__ import annotations

import re

from ...numerics.certify import Undecided
from ...numerics.rounding import Rounded
from ...model.exactnum import decimal_digits, int_text
from ..textbook import escape_text, exponent_text, latex_digits, latex_fraction, latex_number, matrix

__all__ = ["all_exact", "array", "number", "padded", "row_vector", "sci_text", "written_latex"]


def number(value) -> str:
    """A certified rounded value (or an undecided enclosure) in LaTeX.

    >>> number(Rounded(100000, -6, 6, True, False)), number(Rounded(628319, -5, 6, False, False))
    ('0.1', '6.28319')
    """
    if isinstance(value, Rounded):
        if value.exact and value.mantissa:  # an exact value needs no padding zeros: 0.1, 125, not 0.100000
            m, e = value.mantissa, value.exponent
            while m % 10 == 0:
                m, e = m // 10, e + 1
            if 0 <= e < 6 and abs(m) * 10 ** e < 10 ** 6:
                return str(m * 10 ** e)
            return latex_number(m, e)
        return latex_number(value.mantissa, value.exponent)
    if isinstance(value, Undecided):
        return rf"\text{{{escape_text(str(value))}}}"
    return escape_text(str(value))


def padded(value) -> str:
    """A rounded value with all its significant digits, an exact one too (``165.000``, not ``165``).

    >>> padded(Rounded(165000, -3, 6, True, False)), padded(Rounded(500000, -6, 6, True, False))
    ('165.000', '0.500000')
    """
    if isinstance(value, Rounded):
        return latex_number(value.mantissa, value.exponent)
    return number(value)


def array(values, fmt=number) -> str:
    r"""A scalar, or nested tuples as a bmatrix (a column for vectors, d = 1 as the number).

    >>> print(array((1, 2), str), array(((1, 2), (3, 4)), str), array((7,), str))
    \begin{bmatrix}1 \\ 2\end{bmatrix} \begin{bmatrix}1 & 2 \\ 3 & 4\end{bmatrix} 7
    """
    if not isinstance(values, tuple):
        return fmt(values)
    if len(values) == 1:
        return array(values[0], fmt)
    if isinstance(values[0], tuple):
        return matrix([[fmt(v) for v in row] for row in values])
    return matrix([[fmt(v)] for v in values])


def row_vector(values) -> str:
    """A vector as a one-row bmatrix (d = 1: the number)."""
    if not isinstance(values, tuple):
        return number(values)
    if len(values) == 1:
        return number(values[0])
    return r"\begin{bmatrix}" + " & ".join(number(v) for v in values) + r"\end{bmatrix}"


def all_exact(values) -> bool:
    """Whether every entry is a rounded value that is exact."""
    if isinstance(values, tuple):
        return all(all_exact(v) for v in values)
    return isinstance(values, Rounded) and values.exact


def sci_text(text: str) -> str:
    r"""A certified decimal string (``'1.14400e-29'``) in LaTeX.

    >>> print(sci_text("1.14400e-29"), sci_text("62.83"))
    1.14400 \times 10^{-29} 62.83
    """
    m = re.fullmatch(r"(-?[0-9.]+)e([+-][0-9]+)", text)
    if m:
        return rf"{m[1]} \times 10^{{{exponent_text(m[2])}}}"
    if re.fullmatch(r"-?[0-9.]+", text):
        return text
    return rf"\text{{{escape_text(text)}}}"


def written_latex(w) -> str:
    """A written number as the document wrote it (its digits, in LaTeX notation)."""
    if isinstance(w, tuple):
        return array(w, written_latex)
    if w.ulp is None:
        return latex_fraction(w.value)
    ulp = w.ulp
    exp10 = -(decimal_digits(ulp.denominator) - 1) if ulp.numerator == 1 else decimal_digits(ulp.numerator) - 1
    mantissa = w.value / ulp
    if mantissa.denominator != 1:
        return rf"\text{{{escape_text(w.text)}}}"
    scientific = bool(re.search(r"[eE]|10\^|\\times|×|\*|·", w.text))
    m = int(mantissa)
    if scientific and m != 0:
        s = int_text(abs(m))
        lead = exp10 + len(s) - 1
        body = s[0] + ("." + s[1:] if len(s) > 1 else "")
        return rf"{latex_digits(('-' if m < 0 else '') + body)} \times 10^{{{lead}}}"
    sign, s = ("-" if m < 0 else ""), int_text(abs(m))
    if exp10 >= 0:
        return latex_digits(sign + s + "0" * exp10)
    s = s.rjust(-exp10 + 1, "0")
    return latex_digits(f"{sign}{s[:exp10]}.{s[exp10:]}")
