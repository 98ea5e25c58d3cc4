"""Exact rational numbers from TOML values and strings; binary floats are never accepted.

Sizes are bounded by :mod:`gmmexact.model.limits`: at most ``number_digits`` digits in a numerator,
a denominator or a written mantissa, and a decimal exponent within ``±exponent``; a larger number is
refused, naming the field, before any work proportional to its value is done (``1e999999999`` never
builds ``10**999999999``). Integers are read and written through python-flint, so neither
:func:`parse_exact` nor :func:`int_text` meets Python's 4,300-digit limit on ``int``/``str``
conversion.
"""
from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator
from contextvars import ContextVar
from decimal import Decimal
from fractions import Fraction
from numbers import Rational

from flint import fmpz

from . import limits
from .errors import InputError

EXPECTED = 'an exact number: an integer, a TOML decimal such as 0.1, or a string such as "0.1", "-2.5e-3" or "1/3"'

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RATIONAL = re.compile(r"([+-]?[0-9]+)\s*/\s*([0-9]+)")
_NONFINITE = re.compile(r"[+-]?(?:s?nan|inf|infinity)", re.IGNORECASE)
_SMALL_BITS = 8000  # str() and int() of integers this small stay below Python's 4,300-digit limit
_FIXED: ContextVar[limits.Limits | None] = ContextVar("gmmexact_fixed_limits", default=None)


@contextlib.contextmanager
def fixed_limits() -> Iterator[limits.Limits]:
    """Read the limits once for a block that checks many numbers (:func:`limits.current` reads the
    environment on every call); inside it, :func:`active_limits` returns them. A block inside another
    keeps the outer block's limits.

    >>> with fixed_limits() as lim:
    ...     active_limits() is lim
    True
    """
    token = _FIXED.set(_FIXED.get() or limits.current())
    try:
        yield _FIXED.get()
    finally:
        _FIXED.reset(token)


def active_limits() -> limits.Limits:
    """The limits fixed by the enclosing :func:`fixed_limits`, else those in force now."""
    return _FIXED.get() or limits.current()


def int_text(n: int) -> str:
    """The decimal digits of an integer of any size, exactly (Python's ``str`` stops at 4,300 digits).

    >>> int_text(-12), len(int_text(10**5000))
    ('-12', 5001)
    """
    n = int(n)
    return str(n) if n.bit_length() <= _SMALL_BITS else str(fmpz(n))


def int_from_text(digits: str) -> int:
    """The integer written ``digits`` (an optional sign, then decimal digits), of any length.

    >>> int_from_text("+0042"), int_from_text("-" + "9" * 5000) == -(10**5000 - 1)
    (42, True)
    """
    digits = digits.strip()
    if len(digits) <= 1000:
        return int(digits)
    if not re.fullmatch(r"[+-]?[0-9]+", digits):
        raise ValueError(f"not an integer: {shorten(digits)!r}")
    return int(fmpz(digits.lstrip("+")))


def decimal_digits(n: int) -> int:
    """How many decimal digits ``|n|`` has (``0`` has one), without writing it out when it is huge.

    >>> decimal_digits(0), decimal_digits(-999), decimal_digits(10**20000)
    (1, 3, 20001)
    """
    n = abs(int(n))
    if n.bit_length() <= _SMALL_BITS:
        return len(str(n))
    guess = int((n.bit_length() - 1) * math.log10(2)) + 1  # exact or one short
    return guess + (n >= 10 ** guess)


def shorten(text: str, width: int = 60) -> str:
    """``text`` itself when short, else its start and end with the number of characters between.

    >>> shorten("1" * 10_000)
    '111111111111111111111111111111…(9,960 more characters)…1111111111'
    """
    if len(text) <= width:
        return text
    keep = max(width - 20, 10)
    head, tail = text[:keep * 3 // 4], text[len(text) - keep // 4:]
    return f"{head}…({len(text) - len(head) - len(tail):,} more characters)…{tail}"


def parse_exact(value, *, file: str | None, field: str | None) -> Fraction:
    """Turn an int, ``Decimal``, ``Fraction`` or numeric string into an exact ``Fraction``.

    Raises ``InputError`` naming ``file`` and ``field`` for anything else: booleans, binary
    floats, NaN/infinity, division by zero, empty or malformed strings, lists and tables, and
    numbers past the limits on digits and exponents (:mod:`gmmexact.model.limits`).

    >>> from decimal import Decimal
    >>> parse_exact(Decimal("0.1"), file="p.toml", field="weight")
    Fraction(1, 10)
    >>> parse_exact(" -2 / 7 ", file="p.toml", field="weight")
    Fraction(-2, 7)
    >>> parse_exact(0.1, file="p.toml", field="weight")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: p.toml: weight: is the binary float 0.1, which is inexact ...
    >>> parse_exact("1e999999999", file="p.toml", field="weight")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: p.toml: weight: is 1e999999999, whose exponent is too large ...
    """
    def fail(problem: str, expected: str = EXPECTED):
        raise InputError(file, field, problem, expected)

    if isinstance(value, bool):
        fail(f"is the boolean {str(value).lower()}")
    if isinstance(value, Rational):  # int, Fraction, numpy integers
        numerator, denominator = int(value.numerator), int(value.denominator)
        _check_integer(numerator, "its numerator" if denominator != 1 else "it", file, field)
        _check_integer(denominator, "its denominator", file, field)
        return Fraction(numerator, denominator)
    if isinstance(value, Decimal):
        return _from_decimal(value, str(value) if value.is_finite() else repr(value), file, field)
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
            _check_written(m[1], "its numerator", file, field)
            _check_written(m[2], "its denominator", file, field)
            numerator, denominator = int_from_text(m[1]), int_from_text(m[2])
            if denominator == 0:
                fail(f"is {shorten(value)!r}, a division by zero", "a non-zero denominator")
            return Fraction(numerator, denominator)
        if _DECIMAL.fullmatch(text):
            mantissa, _, exponent = text.lower().partition("e")
            _check_written(mantissa.replace(".", ""), "its mantissa", file, field)
            if exponent and len(exponent.lstrip("+-").lstrip("0")) > len(str(active_limits().exponent)):
                _exponent_error(text, file, field)
            return _from_decimal(Decimal(text), text, file, field)
        fail(f"is the string {shorten(value)!r}, which is not a number")
    kind = {list: "a list", tuple: "a list", dict: "a table"}.get(type(value), f"of type {type(value).__name__}")
    fail(f"is {kind}", "a single number, " + EXPECTED.split(": ", 1)[1])


def _digits_error(count: int, what: str, file, field) -> InputError:
    limit = active_limits().number_digits
    return InputError(file, field, f"has {count:,} digits in {what}, more than the limit of {limit:,}",
                      f"a number with at most {limit:,} digits in its numerator, denominator or mantissa "
                      "(raise it with GMMEXACT_LIMIT_NUMBER_DIGITS)")


def _exponent_error(shown: str, file, field) -> None:
    limit = active_limits().exponent
    raise InputError(file, field, f"is {shorten(shown)}, whose exponent is too large for exact arithmetic "
                     f"(the limit is ±{limit:,})",
                     f"a decimal exponent within ±{limit:,} (raise it with GMMEXACT_LIMIT_EXPONENT)")


def _check_written(digits: str, what: str, file, field) -> None:
    """Refuse a written integer (sign and digits) with more significant digits than the limit."""
    significant = len(digits.lstrip("+-").lstrip("0"))
    if significant > active_limits().number_digits:
        raise _digits_error(significant, what, file, field)


def _check_integer(n: int, what: str, file, field) -> None:
    limit = active_limits().number_digits
    if n.bit_length() > 3 * limit:  # cheap test first: 3 bits per digit is fewer than log2(10)
        count = decimal_digits(n)
        if count > limit:
            raise _digits_error(count, f"{what}" if what != "it" else "the integer", file, field)


def _from_decimal(d: Decimal, shown: str, file, field) -> Fraction:
    if not d.is_finite():
        raise InputError(file, field, f"is {d}, which is not a finite number", EXPECTED)
    _, digits, exponent = d.as_tuple()
    if abs(exponent) > active_limits().exponent:
        _exponent_error(shown, file, field)
    significant = len(digits) - next((i for i, x in enumerate(digits) if x), len(digits))
    if significant > active_limits().number_digits:
        raise _digits_error(significant, "its mantissa", file, field)
    return Fraction(d)


def format_exact(q: Fraction | int) -> str:
    """Write an exact rational for messages: ``3``, ``-2/7``, of any size.

    >>> format_exact(Fraction(-2, 7)), format_exact(Fraction(6, 2)), len(format_exact(Fraction(1, 10**5000)))
    ('-2/7', '3', 5003)
    """
    q = Fraction(q)
    if q.denominator == 1:
        return int_text(q.numerator)
    return f"{int_text(q.numerator)}/{int_text(q.denominator)}"
