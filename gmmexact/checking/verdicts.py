"""Verdicts on a hand-worked document's numbers: correct, carried (from the document's own earlier
numbers) or wrong (with the first wrong step of its dependency chain).

A written number promises the exact value lies within half a unit of its last digit (an exact
rational promises equality). ``correct`` is decided here against the exact value with certified
enclosures, raising precision until certain (:func:`decide_entry`), and :class:`Checker` combines
the parts into one :class:`ClaimCheck` per claim: the carried search (``carried.py``), the slip
catalogue (``slips.py``), the first wrong step (``firstwrong.py``) and the notes (``notes.py``),
all sharing one :class:`CheckContext` (``context.py``).

Known gaps: an exact value not enclosed tightly enough at ``CHECK_MAX_PREC`` bits is left
undecided.
"""
from __future__ import annotations

from ..model.keys import Key
from ..model.written import Written
from ..numerics.certify import start_precision
from ..numerics.rounding import round_fraction, round_interval
from ..numerics.run import Run
from ..rendering.report import sympy_text
from . import firstwrong, notes, slips
from .carried import CarriedSearch
from .claims import Claim
from .context import CheckContext, ClaimCheck, EntryCheck

__all__ = ["CHECK_MAX_PREC", "CheckContext", "Checker", "ClaimCheck", "EntryCheck", "decide_entry", "error_ulps"]

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
    return EntryCheck(key, w, correct, value, error_ulps(ctx, key, w), boundary)


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
        for claim in claims:
            earlier = [c for c in claims if c.index < claim.index]
            checks[claim.index] = self._claim_check(claim, earlier, checks)
        return [checks[c.index] for c in claims]

    def _claim_check(self, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]) -> ClaimCheck:
        """One claim's verdict, given the verdicts ``checks`` on the ``earlier`` claims."""
        ctx = self.context
        entries = tuple(self.check_entry(k, w) for k, w in claim.entries(ctx.d))
        exact, symbols = sympy_text(ctx.run[claim.key].exact)
        common = {"exact": exact, "symbols": symbols}
        found = notes.boundary_notes(entries) + notes.sum_notes(ctx, claim, earlier)
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
            origin = None
            if kind == "error":
                origin = min((checks[i].first_wrong for i in used if checks[i].first_wrong is not None),
                             default=None)
            # right given the document's own earlier numbers: rounding carried, or an earlier error followed
            return ClaimCheck(claim, "follows" if kind == "error" else "carried", entries, carried_from=used,
                              carried_kind=kind,
                              first_wrong=origin, notes=tuple(found), **common)
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
