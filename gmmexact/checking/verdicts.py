"""Verdicts on a hand-worked document's numbers.

- ``correct``: the exact value rounds to what is written. A written number promises the exact value
  lies within half a unit of its last digit (an exact rational promises equality); decided against
  the exact value with certified enclosures, raising precision until certain (:func:`decide_entry`).
- ``carried``: not correct, but what the document's own earlier *rounded* numbers (or π by hand)
  give (carried rounding). It is **rounded too early** when (1) some entry is more than one unit of
  its last shown digit from the exact value (|written − exact| > ulp, certified) and (2) it shows more
  significant digits than the document's rounded inputs justify (:meth:`.CarriedSearch.early_rounding`:
  inputs as the hull of their promise and their exact value). The record then names where the
  rounding happened and the digits the chain still supports. A carried number within one unit of
  its last digit (the seed's ``1.15 × 10^-29`` for 1.1440…e-29, 0.60 units off, though only 2 of
  its 3 digits are justified) is carried rounding of its own last digit, not too early.
- ``follows``: what the document's earlier numbers give when one of them was *wrong* (an error
  carried forward, ``carried_kind`` "error"), with the first wrong step of the chain.
- ``wrong``: neither; with the first wrong step of its dependency chain and the named slip it matches.
- ``undecided``: the exact value could not be enclosed tightly enough (at ``CHECK_MAX_PREC`` bits).
- ``unreadable``: the claim's value could not be read, or has the wrong shape, or its key is not
  the problem's (``claims.py``): the ``reason`` says what would be right. It is no input to later claims.

Every entry that is not correct gets its error in words (:func:`.notes.error_words`).
:class:`Checker` combines the parts into one :class:`ClaimCheck` per claim: the carried search
(``carried.py``), the slip catalogue (``slips.py``), the first wrong step (``firstwrong.py``) and
the notes (``notes.py``), all sharing one :class:`CheckContext` (``context.py``).

A number written past the limits on digits or exponents (:class:`~gmmexact.model.written.PastLimits`:
``1e999999999``, ``10^-99999999``, a 100,000-digit mantissa) is decided by its magnitude
(:func:`decide_past_limits`): the logarithm of the certified value against those of the written
promise's ends, never expanded. It is ``correct`` or ``wrong`` (``off by a factor of about 10^N``),
or ``undecided`` when its leading digits agree with the value and the digits past the limit are not
checked. It is no input to the carried search of later claims, nor to the slips.

Known gaps: an exact value not enclosed tightly enough at ``CHECK_MAX_PREC`` bits is left
undecided; "more than one unit off" is left unflagged when the enclosure cannot decide it.
"""
from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import flint

from ..engine.lookup import entry_keys, shape_entries
from ..model.exactnum import int_text, shorten
from ..model.keys import Key
from ..model.written import KEPT_DIGITS, PastLimits, Written
from ..numerics.certify import start_precision
from ..numerics.rounding import ball_bounds, round_fraction, round_interval
from ..numerics.run import Run
from ..rendering.report import sympy_text
from . import firstwrong, notes, slips
from .carried import EVALUATION_BUDGET, CarriedSearch
from .claims import Claim
from .context import CheckContext, ClaimCheck, EarlyRounding, EntryCheck
from .stepeval import apart, inside

__all__ = ["CHECK_MAX_PREC", "CheckContext", "Checker", "ClaimCheck", "EarlyRounding", "EntryCheck",
           "beyond_one_unit", "decide_entry", "decide_past_limits", "error_ulps", "past_limits"]

CHECK_MAX_PREC = 1 << 12
SHOWN_DIGITS = 60
"""The certified value beside a verdict shows the written digits plus two, at most this many."""
CUT_SHORT = (f"the search for how it was computed from the document's own numbers stopped at its budget "
             f"({EVALUATION_BUDGET:,} evaluations): a carried value, a slip or the digits justified may be missed")


def precisions(ctx: CheckContext, digits: int):
    """The working precisions (bits) tried for ``digits`` digits: doubling up to ``CHECK_MAX_PREC`` (that
    one alone for more digits than it certifies: the leading digits may still decide)."""
    prec = min(start_precision(digits, ctx.run.iterations), CHECK_MAX_PREC)
    while prec <= CHECK_MAX_PREC:
        yield prec
        prec *= 2


def decide_entry(ctx: CheckContext, key: Key, w: Written) -> EntryCheck:
    """Whether the written ``w`` holds the exact value of ``key``: certified enclosures at rising
    precision until the enclosure lies inside the written promise (correct) or outside it (wrong)."""
    digits = (w.digits or 6) + 2
    correct, boundary = None, False
    for prec in precisions(ctx, digits):
        x = ctx.exact_input(key, prec)
        if x is None:
            continue
        if isinstance(x, Fraction):  # a known rational: decided exactly, its edge included
            correct = w.lo <= x <= w.hi
            boundary = correct and x in (w.lo, w.hi) and w.ulp is not None
            break
        if inside(x, w.lo, w.hi):
            correct = True
            break
        if apart(x, w.lo, w.hi):
            correct = False
            break
    value = str(ctx.run.round([key], min(digits, SHOWN_DIGITS))[key])
    words = notes.error_words(ctx, key, w, precisions(ctx, digits)) if correct is False else None
    return EntryCheck(key, w, correct, value, error_ulps(ctx, key, w), boundary, words)


def past_limits(claim: Claim) -> bool:
    """Whether some entry of the claim is written past the limits (a :class:`PastLimits`)."""
    def holds(w) -> bool:
        return any(holds(x) for x in w) if isinstance(w, tuple) else isinstance(w, PastLimits)

    return claim.written is not None and holds(claim.written)


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def decide_past_limits(ctx: CheckContext, key: Key, w: PastLimits) -> EntryCheck:
    """Whether a number written past the limits holds ``key``'s exact value, decided by magnitudes:
    ``log10 |x|`` of the certified ball against the logarithms of the ends of the promise
    ``[scaled[0], scaled[1]] · 10^scale``, at rising precision (the scale's bits added).

    ``correct`` is None when the enclosures do not decide, and when the leading digits kept agree
    with the value but digits were dropped (``tight`` False): those cannot be checked.
    """
    correct, words = None, None
    extra = abs(w.scale).bit_length() + 16
    for prec in precisions(ctx, 8):
        x = ctx.ball(key, prec + extra)
        if x is None:
            continue
        saved = flint.ctx.prec
        flint.ctx.prec = prec + extra
        try:
            decided = _against_promise(x, w)
        finally:
            flint.ctx.prec = saved
        if decided is not None:
            correct, words = decided
            break
    if correct is False and w.mantissa == 0:
        words = f"0 where the value is about {_plain(ctx.run.round([key], 2)[key])}"
    return EntryCheck(key, w, correct, str(ctx.run.round([key], 8)[key]), None, False, words)


def _plain(r) -> str:
    """A rounded number for a sentence: positional from 10⁻⁴ to 9999, else in scientific notation."""
    return r.positional() if -4 <= r.leading_exponent() <= 3 else r.scientific()


def _against_promise(x: flint.arb, w: PastLimits) -> tuple[bool | None, str | None] | None:
    """``(correct, words)`` for the ball ``x`` against ``w``'s promise (``correct`` None: the kept digits
    agree but more were written); None when ``x`` does not decide at its precision."""
    lo, hi = w.scaled
    if x.is_exact() and x.is_zero():
        return (True, None) if lo <= 0 <= hi else (False, "should be 0")
    if x.contains(0):
        return None
    flipped = x < 0
    if flipped:
        x, lo, hi = -x, -hi, -lo
    ln10 = flint.arb(10).log()
    lx = x.log() / ln10
    scale = flint.arb(flint.fmpz(w.scale))

    def log10(q):
        return flint.arb(flint.fmpq(q.numerator, q.denominator)).log() / ln10 + scale

    written = abs(w.mantissa)
    size = _factor_words(log10(written), lx) if written else None
    if hi <= 0:  # the written number has the other sign
        return False, "sign flipped" + (f", and {size} in magnitude" if size else "")
    upper = log10(hi)
    if lx > upper:  # the written number is too small
        return False, (size or "too small") + (" in magnitude" if flipped else "")
    if lo > 0:
        lower = log10(lo)
        if lx < lower:
            return False, size + (" in magnitude" if flipped else "")
        if lower < lx < upper:
            return (True, None) if w.tight else (None, None)
        return None
    if lx < upper:  # a zero written to a power of ten: |x| within half of it
        return True, None
    return None


def _factor_words(written: flint.arb, value: flint.arb) -> str:
    """How far off, from ``log10`` of the written number and of the value: ``off by a factor of about
    10⁵⁰ (too large)`` when a power of ten or more apart, else ``0.35 % too small`` or ``3.1 times too
    large`` (two proven digits; the direction alone when they are not proven)."""
    diff = written - value
    direction = "too large" if diff > 0 else "too small"
    if abs(diff) > 1:
        text = int_text(abs(_nearest_integer(diff)))
        shown = f"10{text.translate(_SUPERSCRIPT)}" if len(text) <= 12 else f"10^{shorten(text, 40)}"
        return f"off by a factor of about {shown} ({direction})"
    ratio = (diff * flint.arb(10).log()).exp()  # written / value, between 1/10 and 10
    try:
        lo, hi = ball_bounds(ratio)
    except (ValueError, OverflowError):
        return direction
    if Fraction(1, 2) <= lo and hi <= 2:
        a, b = ((lo - 1) * 100, (hi - 1) * 100) if diff > 0 else ((1 - hi) * 100, (1 - lo) * 100)
        percent = round_interval(a, b, 2)
        return f"{_plain(percent)} % {direction}" if percent is not None else direction
    a, b = (lo, hi) if diff > 0 else (1 / hi, 1 / lo)
    times = round_interval(a, b, 2) if a > 2 or b < Fraction(1, 2) else None
    return f"{times.positional()} times {direction}" if times is not None else direction


def _nearest_integer(a: flint.arb) -> int:
    """The integer nearest the midpoint of ``a`` (exact, whatever its size)."""
    saved = flint.ctx.prec
    man, exp = a.mid().man_exp()
    flint.ctx.prec = max(saved, int(man).bit_length() + int(exp)) + 64  # every bit of the integer part
    try:
        man, exp = (a.mid() + flint.arb(1) / 2).floor().man_exp()
    finally:
        flint.ctx.prec = saved
    return int(man) << int(exp) if exp >= 0 else int(man) >> -int(exp)


def beyond_one_unit(ctx: CheckContext, key: Key, w: Written) -> bool:
    """Whether ``w`` is certainly more than one unit of its last digit from ``key``'s exact value
    (False for an exact fraction, or when the enclosures cannot decide)."""
    if w.ulp is None:
        return False
    near = (w.value - w.ulp, w.value + w.ulp)
    for prec in precisions(ctx, (w.digits or 6) + 2):
        x = ctx.exact_input(key, prec)
        if x is None:
            continue
        if isinstance(x, Fraction):
            return not near[0] <= x <= near[1]
        if apart(x, *near):
            return True
        if inside(x, *near):
            return False
    return False


def error_ulps(ctx: CheckContext, key: Key, w: Written) -> str | None:
    """``(written − exact) / unit of the last digit`` to 2 digits; None for an exact rational."""
    if w.ulp is None:
        return None
    for prec in precisions(ctx, 8):
        bounds = ctx.enclosure(key, prec)
        if bounds is None:
            continue
        lo, hi = bounds
        err = round_interval((w.value - hi) / w.ulp, (w.value - lo) / w.ulp, 2) if lo != hi \
            else round_fraction((w.value - lo) / w.ulp, 2)
        if err is not None:
            return str(err)
    return None


class Checker:
    """Checks claims against one run (whose iterations cover every claimed key).

    Attributes
    ----------
    context : CheckContext
        The run, its exact plan and the caches the parts share.
    search : CarriedSearch
        The carried search on that context (its ``steps`` the explicit step definitions).
    """

    def __init__(self, run: Run):
        self.context = CheckContext(run)
        self.search = CarriedSearch(self.context)
        self.run, self.plan, self.d = run, run.plan, self.context.d

    def check_entry(self, key: Key, w: Written) -> EntryCheck:
        """The verdict on one written entry (:func:`decide_entry`)."""
        return decide_entry(self.context, key, w)

    def carried(self, claim: Claim, earlier: list[Claim], verdicts: dict[int, ClaimCheck]):
        """How the claim was computed from the document's earlier numbers (:meth:`CarriedSearch.carried`)."""
        return self.search.carried(claim, earlier, verdicts)

    def justified(self, claim: Claim, earlier: list[Claim], sources: tuple[int, ...] | None = None
                  ) -> tuple[int, list[Claim]] | None:
        """The digits the document's rounded inputs justify (:meth:`CarriedSearch.justified`)."""
        return self.search.justified(claim, earlier, sources)

    def first_wrong(self, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]) -> int:
        """Where the numbers the claim was computed from first go wrong (:func:`firstwrong.first_wrong`)."""
        return firstwrong.first_wrong(self.search.steps, claim, earlier, checks)

    def matches(self, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]
                ) -> list[tuple[str, tuple[int, ...]]]:
        """The named slips the written numbers match (:func:`slips.matches`)."""
        return slips.matches(self.search, claim, earlier, checks)

    def check(self, claims: list[Claim]) -> list[ClaimCheck]:
        """Verdicts for ``claims`` (in document order), each decided with certified enclosures."""
        checks: dict[int, ClaimCheck] = {}
        readable = [c for c in claims if c.unreadable is None]
        for claim in claims:
            if claim.unreadable is not None:
                checks[claim.index] = self._unreadable(claim)
                continue
            earlier = [c for c in readable if c.index < claim.index]
            check = self._claim_check(claim, earlier, checks)
            if claim.index in self.search.cut_short:
                check = replace(check, notes=check.notes + (CUT_SHORT,))
            checks[claim.index] = check
        return [checks[c.index] for c in claims]

    def _unreadable(self, claim: Claim) -> ClaimCheck:
        """An unreadable claim's verdict: its reason, and the exact and certified value of its key when the
        problem has it."""
        ctx = self.context
        if claim.key is None:
            return ClaimCheck(claim, "unreadable", (), "", reason=claim.unreadable)
        exact, symbols = sympy_text(ctx.run[claim.key].exact)
        keys = entry_keys(claim.key, ctx.d)
        rounded = ctx.run.round(keys, 6)
        value = shape_entries([str(rounded[k]) for k in keys], claim.key, ctx.d)
        return ClaimCheck(claim, "unreadable", (), exact, symbols=symbols, reason=claim.unreadable, value=value)

    def _past_limits_check(self, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]) -> ClaimCheck:
        """The verdict on a claim with a number written past the limits: decided by magnitude
        (:func:`decide_past_limits`), without the carried search, the slips or the notes that need its
        value."""
        ctx = self.context
        entries = tuple(decide_past_limits(ctx, k, w) if isinstance(w, PastLimits) else self.check_entry(k, w)
                        for k, w in claim.entries(ctx.d))
        exact, symbols = sympy_text(ctx.run[claim.key].exact)
        reasons = list(dict.fromkeys(w.reason for _, w in claim.entries(ctx.d) if isinstance(w, PastLimits)))
        found = [f"written past the limits: {'; '.join(reasons)}; decided by its magnitude, never written out"]
        common = {"exact": exact, "symbols": symbols}
        if all(e.correct for e in entries):
            return ClaimCheck(claim, "correct", entries, notes=tuple(found), **common)
        if any(e.correct is False for e in entries):
            origin = self.first_wrong(claim, earlier, checks)
            return ClaimCheck(claim, "wrong", entries, first_wrong=origin, notes=tuple(found), **common)
        found.append(f"its first {KEPT_DIGITS} digits agree with the value; the digits written past them are not "
                     "checked" if any(isinstance(e.written, PastLimits) and not e.written.tight for e in entries)
                     else f"the exact value could not be enclosed tightly enough to decide (at up to {CHECK_MAX_PREC} "
                     "bits)")
        return ClaimCheck(claim, "undecided", entries, notes=tuple(found), **common)

    def _claim_check(self, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]) -> ClaimCheck:
        """One claim's verdict, given the verdicts ``checks`` on the ``earlier`` claims.

        Claims written past the limits are among ``earlier`` only for tracing the first wrong step:
        their values are no input to the carried search, the slips or the notes."""
        ctx = self.context
        if past_limits(claim):
            return self._past_limits_check(claim, earlier, checks)
        traced, earlier = earlier, [c for c in earlier if not past_limits(c)]
        entries = tuple(self.check_entry(k, w) for k, w in claim.entries(ctx.d))
        exact, symbols = sympy_text(ctx.run[claim.key].exact)
        common = {"exact": exact, "symbols": symbols}
        found = ([claim.reading] if claim.reading else []) + notes.boundary_notes(entries)
        found += notes.sum_notes(ctx, claim, earlier)
        if all(e.correct for e in entries):
            found += notes.justified_notes(self.search, claim, earlier, carried=False)
            found += notes.hard_assignment_notes(ctx, claim)
            return ClaimCheck(claim, "correct", entries, notes=tuple(found), **common)
        carried = self.carried(claim, earlier, checks)
        if carried:
            used, kind, pi = carried
            if pi is not None:
                found.append(f"computed with π ≈ {notes.pi_text(pi)}")
            found += notes.justified_notes(self.search, claim, earlier, carried=True, sources=used)
            origin, early = None, None
            if kind == "error":
                origin = min((checks[i].first_wrong for i in used if checks[i].first_wrong is not None),
                             default=None)
            elif any(beyond_one_unit(ctx, k, w) for k, w in claim.entries(ctx.d)):
                early = self.search.early_rounding(claim, earlier, used, pi, checks)
            # right given the document's own earlier numbers: rounding carried, or an earlier error followed
            return ClaimCheck(claim, "follows" if kind == "error" else "carried", entries, carried_from=used,
                              carried_kind=kind, first_wrong=origin, notes=tuple(found), too_early=early,
                              **common)
        if not any(e.correct is False for e in entries):  # some entries undecided, none wrong
            found.append("the exact value could not be enclosed tightly enough to decide (at up to "
                         f"{CHECK_MAX_PREC} bits); no written input reproduces it either")
            return ClaimCheck(claim, "undecided", entries, notes=tuple(found), **common)
        found += notes.entry_notes(ctx, claim, entries)
        matched = slips.named_matches(self.search, claim, earlier, checks)
        found += [f"the written value matches {m.description}" for m in matched]
        if matched:  # the inputs the slip was computed from are the ones that count
            origin = firstwrong.origin(matched[0].used, checks, claim.index)
        else:
            origin = self.first_wrong(claim, traced, checks)
        return ClaimCheck(claim, "wrong", entries, first_wrong=origin, notes=tuple(found),
                          slips=tuple(dict.fromkeys(m.name for m in matched)), **common)
