"""What a written number promises: its exact value and the half-unit in the last place it shows.

A number copied from a document (``"0.0107"``, ``"1.15 × 10^-29"``, ``"16.67"``) promises that
the true value rounds to it: it lies in ``[value − ulp/2, value + ulp/2]``, where ``ulp`` is the
unit in the last place shown. Trailing zeros are shown digits (``"0.50"`` promises two decimals);
an integer written without a decimal point promises the nearest integer (``"100"``: ulp 1).
A fraction (``"1/3"``) promises equality.

>>> w = parse_written("1.15 × 10^-29")
>>> w.value, w.ulp, w.digits
(Fraction(23, 2000000000000000000000000000000), Fraction(1, 10000000000000000000000000000000), 3)
>>> parse_written("0.50").lo, parse_written("0.50").hi
(Fraction(99, 200), Fraction(101, 200))
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .errors import InputError

__all__ = ["Written", "parse_written", "ACCEPTED"]

ACCEPTED = (
    "a decimal ('0.0107', '-5', '16.67', '0.50'), scientific notation ('1.15e-29', "
    "'1.15 × 10^-29', '1.15 x 10^-29', '1.15*10^-29', '7.2*10^{-28}', '7.2·10^(-28)', "
    "'7.2 × 10⁻²⁸', '10^-3') or an exact fraction ('1/3', '-2/7')"
)

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT_RUN = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_MINUS = str.maketrans({"−": "-", "\u2013": "-"})  # unicode minus and en dash

_MANTISSA = r"(?P<sign>[+-]?)(?:(?P<int>\d+)\.?)?(?:\.(?P<frac>\d+))?"  # "5." is 5
_EXP = r"(?P<exp>[+-]?\d+)"
_DECIMAL = re.compile(rf"^{_MANTISSA}(?:[eE]{_EXP})?$")
_TIMES = re.compile(
    r"^(?P<sign>[+-]?)(?:(?P<mant>(?P<int>\d+)?(?:\.(?P<frac>\d+))?)(?:×|x|X|\*|·|⋅|\\times|\\cdot))?10\^"
    rf"(?:{_EXP}|\{{(?P<bexp>[+-]?\d+)\}}|\((?P<pexp>[+-]?\d+)\))$"
)
_RATIONAL = re.compile(r"^(?P<num>[+-]?\d+)/(?P<den>\d+)$")


@dataclass(frozen=True)
class Written:
    """A number as written, with the interval it promises.

    Attributes
    ----------
    text : str
        The number as written (stripped of surrounding whitespace).
    value : Fraction
        The exact value of what is written.
    ulp : Fraction or None
        The unit in the last place shown; ``None`` for a fraction, which promises equality.
    digits : int or None
        Significant digits shown (leading zeros excluded, trailing zeros included; a written
        zero counts 1); ``None`` for a fraction.

    Examples
    --------
    >>> w = parse_written("16.67")
    >>> (w.value, w.ulp, w.digits)
    (Fraction(1667, 100), Fraction(1, 100), 4)
    >>> (w.lo, w.hi)
    (Fraction(3333, 200), Fraction(667, 40))
    >>> parse_written("1/3").lo == parse_written("1/3").hi == Fraction(1, 3)
    True
    """

    text: str
    value: Fraction
    ulp: Fraction | None
    digits: int | None

    @property
    def exact(self) -> bool:
        """True when the number promises equality (a written fraction)."""
        return self.ulp is None

    @property
    def lo(self) -> Fraction:
        """The least value that rounds to what is written: ``value − ulp/2``."""
        return self.value if self.ulp is None else self.value - self.ulp / 2

    @property
    def hi(self) -> Fraction:
        """The greatest value that rounds to what is written: ``value + ulp/2``."""
        return self.value if self.ulp is None else self.value + self.ulp / 2

    def __contains__(self, x) -> bool:
        """Whether an exact number lies in the promised closed interval ``[lo, hi]``.

        >>> Fraction(1, 3) in parse_written("0.333"), Fraction(1, 3) in parse_written("0.334")
        (True, False)
        """
        return self.lo <= Fraction(x) <= self.hi


def _reject(file, field, problem):
    return InputError(file, field, problem, ACCEPTED)


def _from_parts(text: str, sign: str, int_part: str | None, frac: str | None, exp: int) -> Written:
    int_part = int_part or ""
    frac = frac or ""
    shown = (int_part + frac).lstrip("0")
    digits = len(shown) if shown else 1
    mantissa = int(int_part + frac or "0")
    scale = exp - len(frac)
    ulp = Fraction(10) ** scale
    value = mantissa * ulp
    if sign == "-":
        value = -value
    return Written(text, value, ulp, digits)


def parse_written(text, *, file: str | None = None, field: str | None = None) -> Written:
    """Parse a number as written in a document.

    Parameters
    ----------
    text : str or int
        The number as written; a TOML integer is read like its digits, a ``Decimal`` (TOML
        read with ``parse_float=Decimal``) keeps its digits. Floats and booleans are rejected:
        they have lost the digits as written.
    file, field : str, optional
        Where the number came from, for the error message.

    Returns
    -------
    Written

    Raises
    ------
    InputError
        When ``text`` is not one of the accepted spellings.

    Examples
    --------
    >>> parse_written("7.2 × 10⁻²⁸").value == Fraction(72, 10**29)
    True
    >>> parse_written("0.0107").digits, parse_written("100").ulp
    (3, Fraction(1, 1))
    >>> parse_written(0.5, file="c.toml", field="claim[3].value")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: c.toml: claim[3].value: is the float 0.5, ...
    """
    if isinstance(text, bool):
        raise InputError(file, field, f"is the boolean {str(text).lower()}, not a number",
                         "the number written as a string, e.g. \"0.0107\"")
    if isinstance(text, float):
        raise InputError(file, field, f"is the float {text!r}, which has lost the digits as written",
                         f"the number written as a string (value = \"{text!r}\") so the digits shown are kept")
    if isinstance(text, int):
        text = str(text)
    elif isinstance(text, Decimal):
        if not text.is_finite():
            raise _reject(file, field, f"is {text}, not a finite number")
        text = str(text)
    elif isinstance(text, Fraction):
        text = f"{text.numerator}/{text.denominator}"
    elif not isinstance(text, str):
        raise _reject(file, field, f"is a {type(text).__name__}, not a number")

    shown = text.strip()
    s = shown.translate(_MINUS)
    s = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPT), s)
    if re.search(r"[\d.]\s+[\d.]", s):  # "1 2" is two numbers, not twelve
        raise _reject(file, field, f"{shown!r} has a space inside a number")
    s = re.sub(r"\s+", "", s)
    s = s.replace("^^", "^")  # "10^⁻³" after superscript expansion

    if m := _RATIONAL.match(s):
        den = int(m["den"])
        if den == 0:
            raise _reject(file, field, f"{shown!r} divides by zero")
        return Written(shown, Fraction(int(m["num"]), den), None, None)
    if (m := _DECIMAL.match(s)) and (m["int"] or m["frac"]):
        return _from_parts(shown, m["sign"], m["int"], m["frac"], int(m["exp"] or 0))
    if m := _TIMES.match(s):
        exp = int(m["exp"] or m["bexp"] or m["pexp"])
        if m["int"] or m["frac"]:
            return _from_parts(shown, m["sign"], m["int"], m["frac"], exp)
        if m["mant"] is None:  # "10^-3": no mantissa, one digit shown
            return _from_parts(shown, m["sign"], "1", None, exp)
    raise _reject(file, field, f"{shown!r} is not a number as written" if shown else "is empty")
