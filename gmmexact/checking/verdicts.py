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

Known gaps: an exact value not enclosed tightly enough at ``CHECK_MAX_PREC`` bits is left
undecided; "more than one unit off" is left unflagged when the enclosure cannot decide it.
"""
from __future__ import annotations

from ..engine.lookup import entry_keys, shape_entries
from ..model.keys import Key
from ..model.written import Written
from ..numerics.certify import start_precision
from ..numerics.rounding import round_fraction, round_interval
from ..numerics.run import Run
from ..rendering.report import sympy_text
from . import firstwrong, notes, slips
from .carried import CarriedSearch
from .claims import Claim
from .context import CheckContext, ClaimCheck, EarlyRounding, EntryCheck

__all__ = ["CHECK_MAX_PREC", "CheckContext", "Checker", "ClaimCheck", "EarlyRounding", "EntryCheck",
           "beyond_one_unit", "decide_entry", "error_ulps"]

CHECK_MAX_PREC = 1 << 12


def precisions(ctx: CheckContext, digits: int):
    """The working precisions (bits) tried for ``digits`` digits: doubling up to ``CHECK_MAX_PREC``."""
    prec = start_precision(digits, ctx.run.iterations)
    while prec <= CHECK_MAX_PREC:
        yield prec
        prec *= 2


def decide_entry(ctx: CheckContext, key: Key, w: Written) -> EntryCheck:
    """Whether the written ``w`` holds the exact value of ``key``: certified enclosures at rising
    precision until the enclosure lies inside the written promise (correct) or outside it (wrong)."""
    digits = (w.digits or 6) + 2
    correct, boundary = None, False
    for prec in precisions(ctx, digits):
        bounds = ctx.enclosure(key, prec)
        if bounds is None:
            continue
        lo, hi = bounds
        if w.lo <= lo and hi <= w.hi:
            correct = True
            boundary = lo == hi and lo in (w.lo, w.hi) and w.ulp is not None
            break
        if hi < w.lo or lo > w.hi:
            correct = False
            break
        if lo == hi:  # exact and not inside (a rational promise): wrong
            correct = False
            break
    value = str(ctx.run.round([key], digits)[key])
    words = notes.error_words(ctx, key, w, precisions(ctx, digits)) if correct is False else None
    return EntryCheck(key, w, correct, value, error_ulps(ctx, key, w), boundary, words)


def beyond_one_unit(ctx: CheckContext, key: Key, w: Written) -> bool:
    """Whether ``w`` is certainly more than one unit of its last digit from ``key``'s exact value
    (False for an exact fraction, or when the enclosures cannot decide)."""
    if w.ulp is None:
        return False
    for prec in precisions(ctx, (w.digits or 6) + 2):
        bounds = ctx.enclosure(key, prec)
        if bounds is None:
            continue
        lo, hi = bounds
        if w.value - w.ulp > hi or w.value + w.ulp < lo:
            return True
        if w.value - w.ulp <= lo and hi <= w.value + w.ulp:
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
            checks[claim.index] = self._claim_check(claim, earlier, checks)
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

    def _claim_check(self, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]) -> ClaimCheck:
        """One claim's verdict, given the verdicts ``checks`` on the ``earlier`` claims."""
        ctx = self.context
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
        matched = self.matches(claim, earlier, checks)
        found += [f"the written value matches {description}" for description, _ in matched]
        if matched:  # the inputs the slip was computed from are the ones that count
            origin = firstwrong.origin(matched[0][1], checks, claim.index)
        else:
            origin = self.first_wrong(claim, earlier, checks)
        return ClaimCheck(claim, "wrong", entries, first_wrong=origin, notes=tuple(found), **common)
