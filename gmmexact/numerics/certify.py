"""Certified decimals for quantities: exact rationals exactly, everything else from balls whose
working precision is raised until every requested value rounds uniquely.

A value of iteration 1 whose enclosure still straddles a rounding boundary after the precision has
been raised once is decided exactly (:mod:`gmmexact.engine.identities`): when it is a rational (a
boundary itself, or exactly 0) it is rounded as that rational; when it is proven irrational the
precision keeps rising, which settles it; a problem beyond the exact method's bounds keeps the
old behaviour, and an :class:`Undecided` then says why.

Every evaluation pass is estimated first (:mod:`gmmexact.numerics.cost`): the first one a request
needs is refused past the limits (:class:`~gmmexact.model.limits.TooExpensive`, lifted by ``force``);
a later raise of the precision that would go past them is not started, and the values still open
are reported :class:`Undecided` at the precision reached, saying so.

This is the one place that turns values into digits; the CLI, the renderers and the Python API all
come through :meth:`Certifier.round`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from . import cost
from .cost import start_precision
from .evaluate import Evaluation, ball_entry, evaluate
from ..engine.exact import ExactPlan
from ..engine.identities import Undecidable, rational_value
from ..engine.lookup import exact_entry
from ..model.keys import Key
from ..model.limits import Estimate, require_affordable
from .rounding import Rounded, ball_bounds, round_arb, round_fraction, round_mpmath_interval

__all__ = ["Certifier", "Undecided", "start_precision", "rounding_boundary", "summary"]


CAUSES = {
    "boundary": "the value lies on, or closer than the precision resolves to, a rounding boundary",
    "collapse": "a covariance before it is nearly singular (a component collapsing)",
    "precision": "its enclosure stayed wider than the digits asked",
    "cost": "raising the precision further was estimated past the limits",
    "exact": "the exact decision of iteration 1 could not settle it",
}
"""The causes an :class:`Undecided` names (its ``cause``), in words."""


@dataclass(frozen=True)
class Undecided:
    """An enclosure too wide to round at the highest working precision tried.

    ``lo`` and ``hi`` are proven bounds at that precision (``prec`` bits); ``reason`` says why in words;
    ``cause`` is one key of ``CAUSES``; ``near`` is the one rounding boundary inside ``[lo, hi]`` when
    there is exactly one (0 when not even the sign is known), shown as ``near ± width``.

    >>> str(Undecided(Fraction(1, 3), Fraction(1, 2), 1, 64, "an exact polynomial would be too large"))
    '[333e-3, 500e-3] (not decided at 64 bits; an exact polynomial would be too large)'
    >>> str(Undecided(Fraction(5, 2) - Fraction(1, 10**30), Fraction(5, 2) + Fraction(1, 10**30), 1, 128,
    ...               near=Fraction(5, 2)))
    '2.5 ± 100e-32 (not decided at 128 bits)'
    """

    lo: Fraction | None  # None: no finite enclosure was obtained
    hi: Fraction | None
    digits: int
    prec: int
    reason: str | None = None
    cause: str = "precision"
    near: Fraction | None = None

    def __repr__(self) -> str:
        return f"Undecided({self})"

    def __str__(self) -> str:
        why = f"; {self.reason}" if self.reason else ""
        if self.lo is None:
            return f"not decided (no finite enclosure at {self.prec} bits{why})"
        if self.near is not None:
            width = max(self.hi - self.near, self.near - self.lo)
            return f"{_decimal(self.near)} ± {_bound(width, math.ceil)} (not decided at {self.prec} bits{why})"
        return (f"[{_bound(self.lo, math.floor)}, {_bound(self.hi, math.ceil)}] "
                f"(not decided at {self.prec} bits{why})")


def _bound(q: Fraction, direction) -> str:
    """``q`` rounded outward (``math.floor`` or ``math.ceil``) to 3 significant digits.

    >>> _bound(Fraction(-1, 3), math.floor), _bound(Fraction(1, 3 * 10**5000), math.ceil)
    ('-334e-3', '334e-5003')
    """
    if q == 0:
        return "0"
    a = abs(q)
    e = int((a.numerator.bit_length() - a.denominator.bit_length()) * 0.30103) - 3
    while a >= Fraction(10) ** (e + 3):
        e += 1
    while a < Fraction(10) ** (e + 2):
        e -= 1
    return f"{direction(q / Fraction(10) ** e)}e{e}"


def _decimal(q: Fraction) -> str:
    """A rounding boundary (a decimal) written exactly: ``'2.5'``, ``'0'``."""
    if q == 0:
        return "0"
    digits, r = 1, round_fraction(q, 1)
    while not r.exact:  # a boundary has one digit more than the roundings it separates
        digits += 1
        r = round_fraction(q, digits)
    return str(r)


def rounding_boundary(lo: Fraction, hi: Fraction, digits: int) -> Fraction | None:
    """The one boundary between ``digits``-digit roundings inside ``[lo, hi]``: a half-way point, or 0
    when the sign is not known; ``None`` when the interval holds none or several.

    >>> rounding_boundary(Fraction(249, 100), Fraction(251, 100), 1), rounding_boundary(Fraction(-1), Fraction(1), 3)
    (Fraction(5, 2), Fraction(0, 1))
    >>> rounding_boundary(Fraction(9994, 1000), Fraction(9996, 1000), 3), rounding_boundary(Fraction(1), Fraction(2), 3)
    (Fraction(1999, 200), None)
    """
    if lo <= 0 <= hi:
        return Fraction(0)
    negative = hi < 0
    a, b = (-hi, -lo) if negative else (lo, hi)
    ra, rb = round_fraction(a, digits), round_fraction(b, digits)
    if ra.tie or rb.tie:
        boundary = a if ra.tie else b
    else:
        m, e = ra.mantissa + 1, ra.exponent
        if m == 10 ** digits:
            m, e = 10 ** (digits - 1), e + 1
        if (m, e) != (rb.mantissa, rb.exponent):
            return None
        boundary = (ra.fraction() + Rounded(m, e, digits, False, False).fraction()) / 2
    return -boundary if negative else boundary


def summary(values, digits: int) -> str:
    """One paragraph on the undecided values among ``values``: how many, at what precision, and why
    (grouped by cause), for a report's findings.

    >>> u = Undecided(Fraction(0), Fraction(1, 10**40), 6, 65536, cause="boundary", near=Fraction(0))
    >>> print(summary([u, u], 6))
    2 value(s) could not be certified to 6 digits (at 65536 bits): 2 because the value lies on, or closer than the precision resolves to, a rounding boundary.
    """
    undecided = [v for v in values if isinstance(v, Undecided)]
    if not undecided:
        return ""
    counts: dict[str, int] = {}
    for u in undecided:
        counts[u.cause] = counts.get(u.cause, 0) + 1
    prec = max(u.prec for u in undecided)
    why = "; ".join(f"{k} because {CAUSES.get(c, c)}" for c, k in sorted(counts.items(), key=lambda i: -i[1]))
    return f"{len(undecided)} value(s) could not be certified to {digits} digits (at {prec} bits): {why}."


class Certifier:
    """Rounds quantities of one plan, caching evaluations by precision.

    ``max_prec`` bounds the precision raising: a value still undecided there (a transcendental
    expression that is in fact rational and sits on a rounding boundary, which the exact layer did
    not recognise) is returned as an :class:`Undecided` enclosure instead of looping forever. Each new
    evaluation is estimated first (:mod:`gmmexact.numerics.cost`); ``force`` lifts the limits.
    """

    def __init__(self, plan: ExactPlan, backend, max_prec: int = 1 << 16, force: bool = False):
        self.plan = plan
        self.backend = backend
        self.max_prec = max_prec
        self.decided: dict[Key, str] = {}  # how each rounded entry was decided (``--explain-precision``)
        self.force = force
        self._cache: dict[int, Evaluation] = {}

    def evaluation_estimate(self, prec: int, entries: int = 0, digits: int = 6) -> Estimate:
        """The estimated cost of an evaluation pass at ``prec`` bits (and of rounding ``entries`` entries)."""
        return cost.estimate_evaluation(self.plan.problem, len(self.plan.iterations), prec, self.backend.name,
                                        entries, digits)

    def evaluation(self, prec: int) -> Evaluation:
        """Every iteration enclosed at ``prec`` bits (cached; the last two precisions are kept).

        Raises :class:`~gmmexact.model.limits.TooExpensive` when a new pass is estimated past the limits.
        """
        if prec not in self._cache:
            estimate = self.evaluation_estimate(prec)
            require_affordable(estimate, self.force)
            if len(self._cache) >= 2:
                self._cache.pop(min(self._cache))
            with cost.progress(estimate, len(self.plan.iterations), f"enclosing at {prec} bits") as advance:
                self._cache[prec] = evaluate(self.plan, self.backend, prec, advance)
        return self._cache[prec]

    def _round_ball(self, x, digits: int):
        try:
            if self.backend.name == "arb":
                return round_arb(x, digits)
            return round_mpmath_interval(x, digits)
        except OverflowError:  # end points too far apart to align exactly: undecided at this precision
            return None

    def round(self, keys: list[Key], digits: int) -> dict[Key, Rounded | Undecided]:
        """Round scalar entry keys (``Key`` with the full entry subscript) to ``digits`` digits.

        Raises :class:`~gmmexact.model.limits.TooExpensive` when the first evaluation this needs (at
        the precision ``digits`` asks for) is estimated past the limits; a later raise of the precision
        past them is not started, and what is still open is :class:`Undecided` with ``cause="cost"``.
        """
        out: dict[Key, Rounded | Undecided] = {}
        prec = start_precision(digits, len(self.plan.iterations))
        seconds, memory = cost.rounding_cost(len(keys), digits, prec, self.backend.name)
        require_affordable(Estimate(seconds, cost.BASE_BYTES + memory, f"{len(keys)} values to {digits} digits"),
                           self.force)
        pending = []
        for key in keys:
            exact = exact_entry(self.plan, key)
            if exact is not None:
                out[key] = round_fraction(exact, digits)
                self.decided[key] = "exact rational"
            else:
                pending.append(key)
        if not pending:
            return out
        first_estimate = self.evaluation_estimate(prec, len(pending), digits)
        if prec not in self._cache:
            require_affordable(first_estimate, self.force)
        with cost.progress(first_estimate, len(pending), f"certifying to {digits} digits") as advance:
            self._round_pending(pending, digits, prec, out, advance)
        return out

    def _round_pending(self, pending: list[Key], digits: int, prec: int, out: dict, advance) -> None:
        """The precision loop of :meth:`round` for the keys without an exact value."""
        first = prec
        reasons: dict[Key, str] = {}
        spent = 0.0
        while pending:
            if prec not in self._cache and prec > first:
                estimate = self.evaluation_estimate(prec, len(pending), digits)
                if not self.force and not Estimate(spent + estimate.seconds, estimate.memory_bytes, "").affordable():
                    raising = Estimate(estimate.seconds, estimate.memory_bytes, f"raising the precision to {prec} bits")
                    self._give_up(pending, digits, out, reasons, "cost",
                                  f"{raising.text()}, past the limits (force=True, or --force, allows it)")
                    break
                spent += estimate.seconds
            elif prec not in self._cache:
                spent += self.evaluation_estimate(prec, len(pending), digits).seconds
            ev = self.evaluation(prec)
            with self.backend.precision(prec):
                still = []
                for key in pending:
                    if key.iteration > len(ev.iterations):
                        still.append(key)
                        continue
                    r = self._round_ball(ball_entry(ev, self.plan, key), digits)
                    if r is None:
                        still.append(key)
                    else:
                        out[key] = r
                        self.decided[key] = f"{self.backend.name} balls at {prec} bits"
            advance(len(pending) - len(still))
            pending = still
            if pending and prec > first:  # still straddling after one raise: decide iteration 1 exactly
                pending = self._decide_exactly(pending, digits, ev, out, reasons)
            if pending and prec >= self.max_prec:
                self._give_up(pending, digits, out, reasons)
                break
            prec = min(2 * prec, self.max_prec)

    def _give_up(self, pending: list[Key], digits: int, out: dict, reasons: dict[Key, str],
                 cause: str | None = None, why: str | None = None) -> None:
        """Record every pending key as :class:`Undecided`, with bounds at the highest precision evaluated."""
        if not self._cache:  # pragma: no cover - the first evaluation always precedes
            for key in pending:
                out[key] = Undecided(None, None, digits, 0, why, cause or "cost")
            return
        ev = self._cache[max(self._cache)]
        with self.backend.precision(ev.prec):
            trouble = {}
            for key in pending:
                out[key] = self._undecided(key, ev, digits, reasons.get(key), trouble, cause, why)
                self.decided[key] = f"undecided at {ev.prec} bits"

    def _undecided(self, key: Key, ev: Evaluation, digits: int, exact_reason: str | None, trouble: dict,
                   cause: str | None, why: str | None) -> Undecided:
        """Why ``key`` stays undecided at ``ev.prec`` bits (call inside that precision)."""
        notes = [n for n in (why, exact_reason) if n]
        if key.iteration > len(ev.iterations):
            failing = self._collapsing(ev, len(ev.iterations), trouble)
            what = "; ".join(failing) or "a covariance of the iteration before it is not certifiably positive definite"
            notes.insert(0, f"iteration {key.iteration} could not be enclosed at {ev.prec} bits: {what}")
            return Undecided(None, None, digits, ev.prec, "; ".join(notes), cause or "collapse")
        lo, hi = self._bounds(ball_entry(ev, self.plan, key))
        if lo is None:
            notes.insert(0, "no finite enclosure")
            return Undecided(None, None, digits, ev.prec, "; ".join(notes), cause or "precision")
        near = rounding_boundary(lo, hi, digits)
        width = hi - lo
        irrational = bool(exact_reason and exact_reason.startswith("proven irrational"))
        failing = self._collapsing(ev, key.iteration, trouble)
        if failing:
            found = "collapse"
            notes.insert(0, "; ".join(failing))
        elif near is not None and (_tight(near, width, ev.prec, digits) or irrational):
            found = "boundary"
            where = "0, so not even its sign is known" if near == 0 else f"the rounding boundary {_decimal(near)}"
            if irrational:
                notes.remove(exact_reason)
                notes.insert(0, f"it lies within {_bound(width, math.ceil)} of {where}: it is proven irrational, "
                                f"so not that value, but closer to it than {ev.prec} bits resolve")
            else:
                proven = ("an identity or a tie, by symmetry say, that cannot be proven after iteration 1"
                          if key.iteration > 1 else "an identity or a tie that was not proven")
                notes.insert(0, f"it lies within {_bound(width, math.ceil)} of {where}: it may be exactly that "
                                f"value ({proven}), or differ from it by less than {ev.prec} bits resolve")
        else:
            found = "precision"
            notes.insert(0, f"its enclosure at {ev.prec} bits is still {_bound(width, math.ceil)} wide "
                            f"(precision lost in the steps before it)")
        if exact_reason and exact_reason.startswith("not decided exactly") and found != "collapse" and not cause:
            found = "exact"
        return Undecided(lo, hi, digits, ev.prec, "; ".join(notes), cause or found, near)

    def _collapsing(self, ev: Evaluation, t: int, trouble: dict) -> list[str]:
        """Nearly singular covariances up to iteration ``t`` at ``ev.prec`` bits: a determinant whose
        enclosure contains 0 or is known to fewer than 8 bits (one message per covariance)."""
        if t in trouble:
            return trouble[t]
        b, names = self.backend, self.plan.problem.component_names
        found = []
        for s in range(min(t, len(ev.iterations))):
            it = ev.iterations[s]
            checks = [(f"the covariance of component {names[c]} entering iteration {s + 1}", it.det[c])
                      for c in range(len(names))] if s > 0 else []
            if s == t - 1:  # the covariances this iteration's M-step makes
                for c in range(len(names)):
                    try:
                        det = b.det(it.cov[c])
                    except (ZeroDivisionError, ArithmeticError, ValueError):
                        det = None
                    checks.append((f"the covariance of component {names[c]} updated by iteration {s + 1}", det))
            for what, det in checks:
                problem = _singular(det)
                if problem:
                    found.append(f"{what} is nearly singular ({problem} at {ev.prec} bits): a component collapsing")
        trouble[t] = found
        return found

    def _decide_exactly(self, pending: list[Key], digits: int, ev: Evaluation, out: dict,
                        reasons: dict[Key, str]) -> list[Key]:
        """Round the iteration-1 keys of ``pending`` that are exactly rational; return the others.

        Each key is asked once (``reasons`` remembers the asked ones): a rational value (a rounding
        boundary, a decimal, 0) is rounded exactly, half to even; an irrational one stays pending (the
        enclosures settle it); an undecidable one keeps the reason for its ``Undecided``.
        """
        still = []
        for key in pending:
            if key.iteration != 1 or key in reasons:
                still.append(key)
                continue
            try:
                value = rational_value(self.plan, key)
            except Undecidable as e:
                reasons[key] = f"not decided exactly: {e.reason}"
                still.append(key)
                continue
            if value is None:
                reasons[key] = ("proven irrational, so on no rounding boundary, but closer to one than this "
                                "precision resolves")
                still.append(key)
                continue
            if key.iteration <= len(ev.iterations):
                with self.backend.precision(ev.prec):
                    lo, hi = self._bounds(ball_entry(ev, self.plan, key))
                if lo is not None and not lo <= value <= hi:
                    raise ArithmeticError(f"{key}: the exact value {value} lies outside its enclosure [{lo}, {hi}]")
            out[key] = round_fraction(value, digits)
            self.decided[key] = "exact decision (a rational value on or near a rounding boundary)"
        return still

    def _bounds(self, x) -> tuple[Fraction | None, Fraction | None]:
        try:
            return ball_bounds(x)
        except (ValueError, OverflowError):  # not finite, or end points too large to write
            return None, None


def _tight(near: Fraction, width: Fraction, prec: int, digits: int) -> bool:
    """Whether an enclosure of ``width`` around a boundary is narrow: below ``10^−(digits+3)`` of the
    boundary, or (around 0) below ``2^−(prec/2)``."""
    if near == 0:
        return width <= Fraction(1, 1 << (prec // 2))
    return width <= abs(near) / 10 ** (digits + 3)


def _singular(det) -> str | None:
    """What is wrong with a determinant's enclosure, or ``None``: not obtained, contains 0, or known to
    fewer than 8 bits."""
    if det is None:
        return "its determinant could not be enclosed"
    try:
        lo, hi = ball_bounds(det)
    except (ValueError, OverflowError):
        return "its determinant has no finite enclosure"
    if lo <= 0 <= hi:
        return f"its determinant's enclosure [{_bound(lo, math.floor)}, {_bound(hi, math.ceil)}] contains 0"
    if (hi - lo) * 256 > min(abs(lo), abs(hi)):
        return f"its determinant is known to fewer than 8 bits, in [{_bound(lo, math.floor)}, {_bound(hi, math.ceil)}]"
    return None
