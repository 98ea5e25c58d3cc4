"""The notes shown with a verdict, beyond correct/carried/wrong: a value on the edge of its digits,
responsibilities that do not sum to 1, more digits than the document's rounded inputs justify, a
hard 0/1 assignment, which entries of a vector or matrix are off (or have a flipped sign), and an
unsymmetric covariance; the wording of exact fractions and of π by hand in them; and how far off a
number is in words a student understands (:func:`error_words`).

Error words, from the certified enclosure of the exact value x (exact when x is rational) and the
written w, never from floats; the first that applies:

- ``should be 0`` (x = 0); ``0 where the value is about 0.57`` (w = 0);
- ``sign flipped`` (−w holds x to its digits), else ``sign flipped, and … in magnitude``;
- ``off by a factor of 10³ (too large)``: w's digits are right, its decimal point moved;
- ``about 2 units of its last digit too large``: |w − x| under 10 units of w's last digit and
  under a tenth of |x|;
- ``3.2 % too large`` / ``0.40 % too small``: w/x within [1/2, 2], to 2 proven digits;
- ``3.5 times too large`` / ``… too small``, to 2 proven digits.

Sizes of negative numbers are said ``in magnitude``.

Known gaps: the sum to 1 is checked only for whole (not per-entry) responsibilities of one point,
and symmetry only for a whole written matrix; words are None when the enclosure at the highest
precision tried cannot decide them.
"""
from __future__ import annotations

from fractions import Fraction

from ..model.exactnum import decimal_digits, format_exact
from ..model.keys import Key
from ..model.written import Written
from ..numerics.certify import start_precision
from ..numerics.rounding import Rounded, round_fraction, round_interval
from ..rendering.textbook import exponent_text
from .carried import CarriedSearch
from .claims import Claim
from .context import CheckContext, EntryCheck

BOUNDARY_NOTE = ("the exact value lies exactly on the edge of what the digits promise: accepted "
                 "(round-half-up and round-half-even may differ there)")


def boundary_notes(entries: tuple[EntryCheck, ...]) -> list[str]:
    """An exact value exactly on the edge of a written promise (accepted)."""
    return [BOUNDARY_NOTE] if any(e.boundary for e in entries) else []


def sum_notes(ctx: CheckContext, claim: Claim, earlier: list[Claim]) -> list[str]:
    """A point's written responsibilities (the latest of each component) must sum to 1."""
    key = claim.key
    if key.kind != "resp" or key.entry:
        return []
    latest = {c.key.component: c for c in earlier if c.key.whole.kind == "resp" and not c.key.entry
              and (c.key.iteration, c.key.point) == (key.iteration, key.point)}
    latest[key.component] = claim
    if len(latest) < ctx.problem.K:
        return []
    written = [latest[name].written for name in ctx.problem.component_names]
    lo, hi = sum(w.lo for w in written), sum(w.hi for w in written)
    if lo <= 1 <= hi:
        return []
    parts = " + ".join(f"{w.text} (#{latest[n].index})" for w, n in zip(written, ctx.problem.component_names))
    total = sum(w.value for w in written)
    return [(f"the document's responsibilities of {key.point} do not sum to 1: {parts} = "
             f"{fraction_text(total)}, and no rounding of the digits shown can make them")]


def justified_notes(search: CarriedSearch, claim: Claim, earlier: list[Claim], carried: bool,
                    sources: tuple[int, ...] | None = None) -> list[str]:
    """More digits than the document's rounded inputs determine: noted for a carried number, and
    for a correct one only when it shows at least two digits more (one more is common and harmless)."""
    shown = [w.digits for _, w in claim.entries(search.ctx.d) if w.digits is not None and w.value != 0]
    if not shown:
        return []
    got = search.justified(claim, earlier, sources)
    if got is None or got[0] + (1 if carried else 2) > min(shown):
        return []
    digits, used = got
    sources = ", ".join(f"{c.key} = {_text(c.written)}" for c in used)
    if digits <= 0:
        return [(f"shows {_digits_text(min(shown))}, but it was computed from {sources}, whose rounding "
                 f"leaves none of them determined")]
    return [(f"shows {_digits_text(min(shown))}, but it was computed from {sources}: at most {digits} "
             f"{'is' if digits == 1 else 'are'} justified")]


def hard_assignment_notes(ctx: CheckContext, claim: Claim) -> list[str]:
    """A responsibility written as 0 or 1 that is far from it (a hard, k-means-like assignment)."""
    key = claim.key
    if key.kind != "resp" or key.entry or claim.written.ulp != 1 or claim.written.value not in (0, 1):
        return []
    bounds = ctx.enclosure(key, start_precision(6, ctx.run.iterations))
    if bounds is None:
        return []
    far = abs(bounds[0] - claim.written.value) > Fraction(1, 20) if claim.written.value == 0 else \
        abs(1 - bounds[1]) > Fraction(1, 20)
    if not far:
        return []
    value = ctx.run.round([key], 2)[key]
    return [(f"written as the hard assignment {claim.written.text} where the responsibility is {value}: "
             "fine to the digit shown, but later steps computed from it inherit that rounding")]


def entry_notes(ctx: CheckContext, claim: Claim, entries) -> list[str]:
    """Which entries of a vector or matrix are off, and a written covariance that is not symmetric."""
    notes = []
    if len(entries) > 1:
        bad = [e for e in entries if e.correct is False]
        if 0 < len(bad) < len(entries):
            names = ", ".join("".join(f"[{i}]" for i in e.key.entry) + f" = {e.written.text}" for e in bad)
            notes.append(f"entr{'y' if len(bad) == 1 else 'ies'} {names} {'is' if len(bad) == 1 else 'are'} "
                         f"off; the others are right to their digits")
    flipped = []
    for e in entries:
        if e.correct is not False or e.written.value == 0:
            continue
        bounds = ctx.enclosure(e.key, start_precision((e.written.digits or 6) + 2, ctx.run.iterations))
        if bounds and -e.written.hi <= bounds[0] and bounds[1] <= -e.written.lo:
            flipped.append("".join(f"[{i}]" for i in e.key.entry) or str(e.key))
    if flipped:
        notes.append(f"the sign of {', '.join(flipped)} is flipped: the value with the other sign is right")
    d = ctx.d
    if claim.key.shape == "matrix" and d > 1 and claim.key.kind in ("cov", "inv", "outer") and not claim.key.entry:
        rows = claim.written
        skew = [(i, j) for i in range(d) for j in range(i + 1, d)
                if rows[i][j].hi < rows[j][i].lo or rows[j][i].hi < rows[i][j].lo]
        if skew:
            i, j = skew[0]
            notes.append(f"the written matrix is not symmetric: [{i}][{j}] = {rows[i][j].text} but "
                         f"[{j}][{i}] = {rows[j][i].text}")
    return notes


def pi_text(q: Fraction) -> str:
    """A hand value of π as written: ``22/7``, or a decimal.

    >>> pi_text(Fraction(22, 7)), pi_text(Fraction(314, 100))
    ('22/7', '3.14')
    """
    return "22/7" if q == Fraction(22, 7) else fraction_text(q)


def fraction_text(q: Fraction) -> str:
    """A written sum as a decimal when it terminates (0.7 + 0.7 = 1.4), else as a fraction.

    >>> fraction_text(Fraction(7, 5)), fraction_text(Fraction(1, 3))
    ('1.4', '1/3')
    """
    den = q.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        return format_exact(q)
    text = f"{q.numerator / q.denominator}" if abs(q.numerator) < 2**53 and q.denominator < 2**53 else ""
    return text if text and Fraction(text) == q else format_exact(q)


def _digits_text(n: int) -> str:
    return f"{n} significant digit{'' if n == 1 else 's'}"


def _text(w) -> str:
    if isinstance(w, tuple) and len(w) == 1:  # d = 1
        return _text(w[0])
    if isinstance(w, tuple):
        return "[" + ", ".join(_text(x) for x in w) + "]"
    return w.text


# -- how far off, in words ---------------------------------------------------------------------
NEARLY_RIGHT_UNITS = 10  # under this many units of the last digit (and a tenth of the value): "about N units"
NEARLY_RIGHT = "about "  # how the words of a nearly right number begin
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def error_words(ctx: CheckContext, key: Key, w: Written, precisions) -> str | None:
    """How far the written ``w`` is from ``key``'s exact value, in words (see the module docstring),
    decided with certified enclosures at each of ``precisions`` (bits) in turn; None when none decides.

    >>> import gmmexact
    >>> ctx = CheckContext(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")))
    >>> from gmmexact.model.written import parse_written
    >>> error_words(ctx, Key.parse("density.A.women"), parse_written("10.7"), [64, 128])
    'off by a factor of 10³ (too large)'
    """
    for prec in precisions:
        bounds = ctx.enclosure(key, prec)
        if bounds is None:
            continue
        words = words_for(w, *bounds)
        if words is not None:
            return words
    return None


def words_for(w: Written, lo: Fraction, hi: Fraction) -> str | None:
    """How far ``w`` is from an exact value known to lie in ``[lo, hi]``; None when that enclosure
    does not decide the words.

    >>> from gmmexact.model.written import parse_written as p
    >>> q = Fraction(1, 3)
    >>> [words_for(p(t), q, q) for t in ("0.344", "0.3312", "-0.333", "-0.5", "33.3", "0.9", "0.01", "0")]
    ['3.2 % too large', '0.64 % too small', 'sign flipped', 'sign flipped, and 50 % too large in magnitude', 'off by a factor of 10² (too large)', '2.7 times too large', '33 times too small', '0 where the value is about 0.33']
    >>> words_for(p("0.3335"), q, q), words_for(p("0.3339"), q, q), words_for(p("-4.3"), Fraction(-4), Fraction(-4))
    ('about 2 units of its last digit too large', 'about 6 units of its last digit too large', \
'about 3 units of its last digit too large in magnitude')
    """
    if lo == hi == 0:
        return "should be 0"
    if lo <= 0 <= hi:
        return None  # the sign of the exact value is not decided
    if w.value == 0:
        about = _rounded(lo, hi, 2)
        return None if about is None else f"0 where the value is about {_plain(about)}"
    negative_x = hi < 0
    xl, xh = (-hi, -lo) if negative_x else (lo, hi)  # |x|
    wl, wh = (-w.hi, -w.lo) if w.value < 0 else (w.lo, w.hi)  # |w|'s promise
    a = abs(w.value)
    if (w.value < 0) != negative_x:
        if wl <= xl and xh <= wh:
            return "sign flipped"
        size = _size_words(a, wl, wh, w.ulp, xl, xh)
        return None if size is None else f"sign flipped, and {size} in magnitude"
    size = _size_words(a, wl, wh, w.ulp, xl, xh)
    if size is None:
        return None
    return f"{size} in magnitude" if negative_x else size


def _size_words(a: Fraction, al: Fraction, ah: Fraction, ulp: Fraction | None, xl: Fraction, xh: Fraction
                ) -> str | None:
    """How a written size ``a`` (promising ``[al, ah]``) compares with an exact size in ``[xl, xh]`` (> 0)."""
    rl, rh = a / xh, a / xl  # the ratio written / exact
    k0 = _decade(a / xl)
    for k in (k0 - 1, k0, k0 + 1):
        if k == 0:
            continue
        sl, sh = xl * Fraction(10) ** k, xh * Fraction(10) ** k
        if al <= sl and sh <= ah:
            factor = "10" if abs(k) == 1 else f"10{str(abs(k)).translate(_SUPERSCRIPT)}"
            return f"off by a factor of {factor} ({'too large' if k > 0 else 'too small'})"
        if not (sh < al or sl > ah):
            return None  # the decimal point may have moved: not decided
    if xl <= a <= xh:
        return None  # which side of the exact value: not decided
    large = a > xh
    el, eh = (a - xh, a - xl) if large else (xl - a, xh - a)
    direction = "too large" if large else "too small"
    if ulp is not None:
        near = eh < NEARLY_RIGHT_UNITS * ulp and 10 * eh < xl
        far = el >= NEARLY_RIGHT_UNITS * ulp or 10 * el >= xl
        if near:
            units = _rounded(el / ulp, eh / ulp, 1)
            if units is None:
                return None
            text = _plain(units)
            return f"{NEARLY_RIGHT}{text} unit{'' if text == '1' else 's'} of its last digit {direction}"
        if not far:
            return None
    if rl >= Fraction(1, 2) and rh <= 2:
        pl, ph = ((rl - 1) * 100, (rh - 1) * 100) if large else ((1 - rh) * 100, (1 - rl) * 100)
        pct = _rounded(pl, ph, 2)
        return None if pct is None else f"{_plain(pct)} % {direction}"
    if rl > 2:
        times = _rounded(rl, rh, 2)
    elif rh < Fraction(1, 2):
        times = _rounded(1 / rh, 1 / rl, 2)
    else:
        return None  # on the edge between a percentage and a factor: not decided
    return None if times is None else f"{_plain(times)} times {direction}"


def _decade(q: Fraction) -> int:
    """The power of ten nearest ``q`` > 0, roughly (the callers try its neighbours too).

    >>> _decade(Fraction(1000)), _decade(Fraction(1, 100)), _decade(Fraction(3))
    (3, -2, 0)
    """
    return decimal_digits(q.numerator) - decimal_digits(q.denominator)


def _rounded(lo: Fraction, hi: Fraction, digits: int) -> Rounded | None:
    """``[lo, hi]`` to ``digits`` proven significant digits (exact rationals rounded half to even)."""
    return round_fraction(lo, digits) if lo == hi else round_interval(lo, hi, digits)


def _plain(r: Rounded) -> str:
    """A rounded number for a sentence: positional from 10⁻⁴ to 9999, else ``2.9 × 10⁵``.

    >>> _plain(round_fraction(Fraction(32, 10), 2)), _plain(round_fraction(Fraction(99.7), 2))
    ('3.2', '100')
    >>> _plain(round_fraction(Fraction(290000), 2)), _plain(round_fraction(Fraction(1, 40000), 2))
    ('2.9 × 10⁵', '2.5 × 10⁻⁵')
    """
    if -4 <= r.leading_exponent() <= 3:
        return r.positional()
    mantissa, exponent = r.scientific().split("e")
    return f"{mantissa} × 10{exponent_text(exponent).translate(_SUPERSCRIPT)}"
