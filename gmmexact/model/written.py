"""What a written number promises: its exact value and the half-unit in the last place it shows.

A number copied from a document (``"0.0107"``, ``"1.15 × 10^-29"``, ``"16.67"``) promises that
the true value rounds to it: it lies in ``[value − ulp/2, value + ulp/2]``, where ``ulp`` is the
unit in the last place shown. Trailing zeros are shown digits (``"0.50"`` promises two decimals);
an integer written without a decimal point promises the nearest integer (``"100"``: ulp 1).
A fraction (``"1/3"``) promises equality. Digits are ASCII ``0``–``9`` (as in problem files);
superscript exponents (``10⁻³``) are read as exponents.

A number past the limits of :mod:`gmmexact.model.limits` (an exponent beyond ``±exponent``, more
digits than ``number_digits``: ``1e999999999``, ``10^-99999999``, a 100,000-digit mantissa) is
refused, or, with ``past_limits=True``, read as a :class:`PastLimits`: its sign, its leading digits
and a power of ten kept apart, never expanded, so its magnitude can still be compared with a value.

>>> w = parse_written("1.15 × 10^-29")
>>> w.value, w.ulp, w.digits
(Fraction(23, 2000000000000000000000000000000), Fraction(1, 10000000000000000000000000000000), 3)
>>> parse_written("0.50").lo, parse_written("0.50").hi
(Fraction(99, 200), Fraction(101, 200))
>>> big = parse_written("1.5e999999999", past_limits=True)
>>> big.mantissa, big.scaled, big.scale, big.exponent
(Fraction(15, 1), (Fraction(29, 2), Fraction(31, 2)), 999999998, 999999999)
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .errors import InputError
from .exactnum import active_limits, int_from_text, int_text, shorten

__all__ = ["ACCEPTED", "ASCII_DIGITS", "KEPT_DIGITS", "PastLimits", "Written", "parse_written"]

ACCEPTED = (
    "a decimal ('0.0107', '-5', '16.67', '0.50'), scientific notation ('1.15e-29', "
    "'1.15 × 10^-29', '1.15 x 10^-29', '1.15*10^-29', '7.2*10^{-28}', '7.2·10^(-28)', "
    "'7.2 × 10⁻²⁸', '10^-3') or an exact fraction ('1/3', '-2/7')"
)
ASCII_DIGITS = "write ASCII digits 0-9"
"""What a number with other decimal digits (Arabic-Indic ``٠١٢``, full-width ``１２``) is told."""
KEPT_DIGITS = 40
"""Leading digits a :class:`PastLimits` keeps of a mantissa, numerator or denominator."""

_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT_RUN = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+")
_MINUS = str.maketrans({"−": "-", "\u2013": "-"})  # unicode minus and en dash

_MANTISSA = r"(?P<sign>[+-]?)(?:(?P<int>[0-9]+)\.?)?(?:\.(?P<frac>[0-9]+))?"  # "5." is 5
_EXP = r"(?P<exp>[+-]?[0-9]+)"
_DECIMAL = re.compile(rf"^{_MANTISSA}(?:[eE]{_EXP})?$")
_TIMES = re.compile(
    r"^(?P<sign>[+-]?)(?:(?P<mant>(?P<int>[0-9]+)?(?:\.(?P<frac>[0-9]+))?)(?:×|x|X|\*|·|⋅|\\times|\\cdot))?10\^"
    rf"(?:{_EXP}|\{{(?P<bexp>[+-]?[0-9]+)\}}|\((?P<pexp>[+-]?[0-9]+)\))$"
)
_RATIONAL = re.compile(r"^(?P<num>[+-]?[0-9]+)/(?P<den>[0-9]+)$")
_SPACED = re.compile(r"[0-9.]\s+[0-9.]")


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


@dataclass(frozen=True)
class PastLimits(Written):
    """A number written past the limits on exponents or digits, never expanded.

    The number is about ``mantissa · 10^scale`` (its leading digits), and its promise is kept as
    ``[scaled[0] · 10^scale, scaled[1] · 10^scale]``, ``scaled`` two small Fractions: exactly the
    written promise when ``tight``, else an interval holding it (the digits beyond the first
    :data:`KEPT_DIGITS` dropped). ``value``, ``ulp``, ``lo`` and ``hi`` are not formed: ``value`` and
    ``ulp`` are None and ``lo``, ``hi`` raise ``OverflowError``.

    >>> w = parse_written("-2.5 × 10^-99999999", past_limits=True)
    >>> w.mantissa, w.scaled, w.scale, w.exponent, w.digits, w.tight
    (Fraction(-25, 1), (Fraction(-51, 2), Fraction(-49, 2)), -100000000, -99999999, 2, True)
    >>> w.reason
    'its exponent -99999999 is beyond ±10000, the limit (GMMEXACT_LIMIT_EXPONENT)'
    """

    mantissa: Fraction = Fraction(0)
    scaled: tuple[Fraction, Fraction] = (Fraction(0), Fraction(0))
    scale: int = 0
    tight: bool = True
    reason: str = ""

    @property
    def exact(self) -> bool:
        return False

    @property
    def exponent(self) -> int:
        """The power of ten of the leading digit (of the larger end of the promise)."""
        size = abs(self.mantissa)
        if size == 0:
            return self.scale
        digits = len(str(size.numerator)) - len(str(size.denominator))
        return self.scale + digits - (Fraction(10) ** digits > size)

    @property
    def lo(self) -> Fraction:
        raise OverflowError(f"{self.text} is past the limits ({self.reason}): its bounds are not formed")

    @property
    def hi(self) -> Fraction:
        raise OverflowError(f"{self.text} is past the limits ({self.reason}): its bounds are not formed")

    def __contains__(self, x) -> bool:
        raise OverflowError(f"{self.text} is past the limits ({self.reason}): its bounds are not formed")


def _reject(file, field, problem):
    return InputError(file, field, problem, ACCEPTED)


def _exponent(text: str) -> int:
    """An exponent as written (any length: a million digits is refused by the limit, not by ``int``)."""
    return int_from_text(text) if len(text) > 18 else int(text)


def _from_parts(shown: str, sign: str, int_part: str | None, frac: str | None, exp_text: str,
                past: bool, file, field) -> Written:
    int_part, frac = int_part or "", frac or ""
    significant = (int_part + frac).lstrip("0")
    digits = len(significant) if significant else 1
    lim = active_limits()
    exp = _exponent(exp_text)
    scale = exp - len(frac)
    why = None
    if len(int_part) + len(frac) > lim.number_digits:
        why = (f"it has {len(int_part) + len(frac):,} digits, more than {lim.number_digits:,}, the limit "
               "(GMMEXACT_LIMIT_NUMBER_DIGITS)")
    elif abs(exp) > lim.exponent:
        shown_exp = exp_text.lstrip("+")
        shown_exp = ("-" if shown_exp.startswith("-") else "") + (shown_exp.lstrip("-").lstrip("0") or "0")
        why = f"its exponent {shorten(shown_exp)} is beyond ±{lim.exponent}, the limit (GMMEXACT_LIMIT_EXPONENT)"
    if why is None:
        ulp = Fraction(10) ** scale
        value = int_from_text(int_part + frac or "0") * ulp
        return Written(shown, -value if sign == "-" else value, ulp, digits)
    if not past:
        raise InputError(file, field, f"{shorten(shown)!r} is past the limits: {why}",
                         "a number within the limits, or the limit raised")
    lead = significant[:KEPT_DIGITS]
    dropped = len(significant) - len(lead)
    m = int(lead or "0")
    lo, hi = (Fraction(2 * m - 1, 2), Fraction(2 * m + 1, 2)) if not dropped else (m - Fraction(1, 20), Fraction(m + 1))
    if sign == "-":
        lo, hi = -hi, -lo
    mantissa = Fraction(-m if sign == "-" else m)
    return PastLimits(shorten(shown), None, None, digits, mantissa, (lo, hi), scale + dropped, not dropped, why)


def _fraction_past(shown: str, num: str, den: str, why: str) -> PastLimits:
    """``num/den`` past the limits: bounds from the leading digits of each, times a power of ten."""
    negative = num.startswith("-")
    num, den = num.lstrip("+-").lstrip("0"), den.lstrip("0")
    if not num:
        return PastLimits(shorten(shown), None, None, None, Fraction(0), (Fraction(0), Fraction(0)), 0, True, why)
    (p, a), (q, b) = [(int(s[:KEPT_DIGITS]), len(s) - len(s[:KEPT_DIGITS])) for s in (num, den)]
    lo = Fraction(p, q + (b > 0))
    hi = Fraction(p + (a > 0), q)
    if negative:
        lo, hi = -hi, -lo
    mantissa = Fraction(-p if negative else p, q)
    return PastLimits(shorten(shown), None, None, None, mantissa, (lo, hi), a - b, a == 0 and b == 0, why)


def _other_digits(s: str) -> str | None:
    """The decimal digits of other scripts in ``s`` (``'٠١'``), named by their script; None when all are ASCII."""
    other = [ch for ch in s if ch.isdecimal() and ch not in "0123456789"]
    if not other:
        return None
    names = []
    for ch in other:
        name = unicodedata.name(ch, "").split(" DIGIT ")[0].title()
        name = name.replace("Fullwidth", "full-width").replace("Extended ", "extended ")
        if name and name not in names:
            names.append(name)
    return f"{''.join(dict.fromkeys(other))[:10]!r} ({', '.join(names) or 'non-ASCII'} digits)"


def parse_written(text, *, file: str | None = None, field: str | None = None, past_limits: bool = False
                  ) -> Written:
    """Parse a number as written in a document.

    Parameters
    ----------
    text : str or int
        The number as written; a TOML integer is read like its digits, a ``Decimal`` (TOML
        read with ``parse_float=Decimal``) keeps its digits. Floats and booleans are rejected:
        they have lost the digits as written.
    file, field : str, optional
        Where the number came from, for the error message.
    past_limits : bool, optional
        Read a number past the limits on digits and exponents as a :class:`PastLimits` instead
        of refusing it.

    Returns
    -------
    Written

    Raises
    ------
    InputError
        When ``text`` is not one of the accepted spellings (digits other than ASCII ``0``–``9``
        included), or is past the limits without ``past_limits``.

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
    >>> parse_written("٠٫٥").text  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: '٠٫٥' has the digits '٠٥' (Arabic-Indic digits); expected write ASCII digits 0-9
    """
    if isinstance(text, bool):
        raise InputError(file, field, f"is the boolean {str(text).lower()}, not a number",
                         "the number written as a string, e.g. \"0.0107\"")
    if isinstance(text, float):
        raise InputError(file, field, f"is the float {text!r}, which has lost the digits as written",
                         f"the number written as a string (value = \"{text!r}\") so the digits shown are kept")
    if isinstance(text, int):
        text = int_text(text)
    elif isinstance(text, Decimal):
        if not text.is_finite():
            raise _reject(file, field, f"is {text}, not a finite number")
        text = str(text)
    elif isinstance(text, Fraction):
        text = f"{int_text(text.numerator)}/{int_text(text.denominator)}"
    elif not isinstance(text, str):
        raise _reject(file, field, f"is a {type(text).__name__}, not a number")

    shown = text.strip()
    other = _other_digits(shown)
    if other is not None:
        raise InputError(file, field, f"{shorten(shown)!r} has the digits {other}", ASCII_DIGITS)
    s = shown.translate(_MINUS)
    s = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPT), s)
    if spaced := _SPACED.search(s):  # "1 2" is two numbers, not twelve
        what = "a line break" if "\n" in spaced[0] or "\r" in spaced[0] else "a space"
        raise _reject(file, field, f"{shorten(shown)!r} has {what} inside a number")
    s = re.sub(r"\s+", "", s)
    s = s.replace("^^", "^")  # "10^⁻³" after superscript expansion

    if m := _RATIONAL.match(s):
        if m["den"].strip("0") == "":
            raise _reject(file, field, f"{shorten(shown)!r} divides by zero")
        num_digits, den_digits = len(m["num"].lstrip("+-")), len(m["den"])
        limit = active_limits().number_digits
        if max(num_digits, den_digits) > limit:
            why = (f"its {'numerator' if num_digits > limit else 'denominator'} has {max(num_digits, den_digits):,} "
                   f"digits, more than {limit:,}, the limit (GMMEXACT_LIMIT_NUMBER_DIGITS)")
            if not past_limits:
                raise InputError(file, field, f"{shorten(shown)!r} is past the limits: {why}",
                                 "a number within the limits, or the limit raised")
            return _fraction_past(shown, m["num"], m["den"], why)
        return Written(shown, Fraction(int_from_text(m["num"]), int_from_text(m["den"])), None, None)
    if (m := _DECIMAL.match(s)) and (m["int"] or m["frac"]):
        return _from_parts(shown, m["sign"], m["int"], m["frac"], m["exp"] or "0", past_limits, file, field)
    if m := _TIMES.match(s):
        exp = m["exp"] or m["bexp"] or m["pexp"]
        if m["int"] or m["frac"]:
            return _from_parts(shown, m["sign"], m["int"], m["frac"], exp, past_limits, file, field)
        if m["mant"] is None:  # "10^-3": no mantissa, one digit shown
            return _from_parts(shown, m["sign"], "1", None, exp, past_limits, file, field)
    raise _reject(file, field, f"{shorten(shown)!r} is not a number as written" if shown else "is empty")
