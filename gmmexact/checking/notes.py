"""The notes shown with a verdict, beyond correct/carried/wrong: a value on the edge of its digits,
responsibilities that do not sum to 1, more digits than the document's rounded inputs justify, a
hard 0/1 assignment, which entries of a vector or matrix are off (or have a flipped sign), and an
unsymmetric covariance; and the wording of exact fractions and of π by hand in them.

Known gaps: the sum to 1 is checked only for whole (not per-entry) responsibilities of one point,
and symmetry only for a whole written matrix.
"""
from __future__ import annotations

from fractions import Fraction

from ..numerics.certify import start_precision
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
        return str(q)
    text = f"{q.numerator / q.denominator}" if abs(q.numerator) < 2**53 and q.denominator < 2**53 else str(q)
    return text if Fraction(text) == q else str(q)


def _digits_text(n: int) -> str:
    return f"{n} significant digit{'' if n == 1 else 's'}"


def _text(w) -> str:
    if isinstance(w, tuple) and len(w) == 1:  # d = 1
        return _text(w[0])
    if isinstance(w, tuple):
        return "[" + ", ".join(_text(x) for x in w) + "]"
    return w.text
