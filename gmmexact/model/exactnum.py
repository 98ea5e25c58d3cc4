"""Exact rational numbers from TOML values and strings; binary floats are never accepted."""
from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from numbers import Rational

from .errors import InputError

EXPECTED = 'an exact number: an integer, a TOML decimal such as 0.1, or a string such as "0.1", "-2.5e-3" or "1/3"'
MAX_EXPONENT = 1000  # |decimal exponent| allowed; guards against 1e999999999 exhausting memory

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RATIONAL = re.compile(r"([+-]?[0-9]+)\s*/\s*([0-9]+)")
_NONFINITE = re.compile(r"[+-]?(?:s?nan|inf|infinity)", re.IGNORECASE)


def parse_exact(value, *, file: str | None, field: str | None) -> Fraction:
    """Turn an int, ``Decimal``, ``Fraction`` or numeric string into an exact ``Fraction``.

    Raises ``InputError`` naming ``file`` and ``field`` for anything else: booleans, binary
    floats, NaN/infinity, division by zero, empty or malformed strings, lists and tables.

    >>> from decimal import Decimal
    >>> parse_exact(Decimal("0.1"), file="p.toml", field="weight")
    Fraction(1, 10)
    >>> parse_exact(" -2 / 7 ", file="p.toml", field="weight")
    Fraction(-2, 7)
    >>> parse_exact(0.1, file="p.toml", field="weight")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: p.toml: weight: is the binary float 0.1, which is inexact ...
    """
    def fail(problem: str, expected: str = EXPECTED):
        raise InputError(file, field, problem, expected)

    if isinstance(value, bool):
        fail(f"is the boolean {str(value).lower()}")
    if isinstance(value, Rational):  # int, Fraction, numpy integers
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, Decimal):
        return _from_decimal(value, fail)
    if isinstance(value, float):
        stored = f" (it is stored as {Fraction(value)})" if math.isfinite(value) else ""
        fail(f"is the binary float {value!r}, which is inexact{stored}",
             "decimals written as TOML decimals (read with parse_float=decimal.Decimal) "
             'or as strings such as "0.1"')
    if isinstance(value, str):
        text = value.strip()
        if not text:
            fail("is an empty string")
        if _NONFINITE.fullmatch(text):
            fail(f"is {value!r}, which is not a finite number")
        if m := _RATIONAL.fullmatch(text):
            if int(m[2]) == 0:
                fail(f"is {value!r}, a division by zero", "a non-zero denominator")
            return _digits(lambda: Fraction(int(m[1]), int(m[2])), fail)
        if _DECIMAL.fullmatch(text):
            return _from_decimal(Decimal(text), fail)
        fail(f"is the string {value!r}, which is not a number")
    kind = {list: "a list", tuple: "a list", dict: "a table"}.get(type(value), f"of type {type(value).__name__}")
    fail(f"is {kind}", "a single number, " + EXPECTED.split(": ", 1)[1])


def _from_decimal(d: Decimal, fail) -> Fraction:
    if not d.is_finite():
        fail(f"is {d}, which is not a finite number")
    if abs(d.as_tuple().exponent) > MAX_EXPONENT:
        fail(f"is {d}, whose exponent is too large for exact arithmetic",
             f"a decimal exponent within ±{MAX_EXPONENT}")
    return _digits(lambda: Fraction(d), fail)


def _digits(convert, fail) -> Fraction:
    try:
        return convert()
    except ValueError:  # Python's int/str digit limit
        fail("has too many digits", "a number with at most a few thousand digits")


def format_exact(q: Fraction | int) -> str:
    """Write an exact rational for messages: ``3``, ``-2/7``.

    >>> format_exact(Fraction(-2, 7)), format_exact(Fraction(6, 2))
    ('-2/7', '3')
    """
    return str(Fraction(q))
