"""Certified decimals for quantities: exact rationals exactly, everything else from balls whose
working precision is raised until every requested value rounds uniquely.

A value of iteration 1 whose enclosure still straddles a rounding boundary after the precision has
been raised once is decided exactly (:mod:`gmmexact.engine.identities`): when it is a rational (a
boundary itself, or exactly 0) it is rounded as that rational; when it is proven irrational the
precision keeps rising, which settles it; a problem beyond the exact method's bounds keeps the
old behaviour, and an :class:`Undecided` then says why.

This is the one place that turns values into digits; the CLI, the renderers and the Python API all
come through :meth:`Certifier.round`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from .evaluate import Evaluation, evaluate
from ..engine.exact import ExactPlan
from ..model.keys import Key
from .rounding import Rounded, ball_bounds, round_arb, round_fraction, round_interval, round_mpmath_interval
from ..engine.identities import Undecidable, rational_value
from ..engine.lookup import exact_entry
from .evaluate import ball_entry


@dataclass(frozen=True)
class Undecided:
    """An enclosure too wide to round even at the highest working precision tried.

    ``lo`` and ``hi`` are proven bounds; ``prec`` the last working precision in bits; ``reason``, for
    a value of iteration 1, why the exact decision did not settle it either.

    >>> str(Undecided(Fraction(1, 3), Fraction(1, 2), 1, 64, "an exact polynomial would be too large"))
    '[333e-3, 500e-3] (not decided at 64 bits; an exact polynomial would be too large)'
    """

    lo: Fraction | None  # None: no finite enclosure was obtained
    hi: Fraction | None
    digits: int
    prec: int
    reason: str | None = None

    def __repr__(self) -> str:
        return f"Undecided({self})"

    def __str__(self) -> str:
        why = f"; {self.reason}" if self.reason else ""
        if self.lo is None:
            return f"not decided (no finite enclosure at {self.prec} bits{why})"
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


def start_precision(digits: int, iterations: int) -> int:
    """A working precision (bits) that usually suffices for ``digits`` digits in one pass."""
    return int(digits * 3.33) + 24 + 16 * iterations


class Certifier:
    """Rounds quantities of one plan, caching evaluations by precision.

    ``max_prec`` bounds the precision raising: a value still undecided there (a transcendental
    expression that is in fact rational and sits on a rounding boundary, which the exact layer did
    not recognise) is returned as an :class:`Undecided` enclosure instead of looping forever.
    """

    def __init__(self, plan: ExactPlan, backend, max_prec: int = 1 << 16):
        self.plan = plan
        self.backend = backend
        self.max_prec = max_prec
        self._cache: dict[int, Evaluation] = {}

    def evaluation(self, prec: int) -> Evaluation:
        if prec not in self._cache:
            if len(self._cache) >= 2:
                self._cache.pop(min(self._cache))
            self._cache[prec] = evaluate(self.plan, self.backend, prec)
        return self._cache[prec]

    def _round_ball(self, x, digits: int):
        try:
            if self.backend.name == "arb":
                return round_arb(x, digits)
            return round_mpmath_interval(x, digits)
        except OverflowError:  # end points too far apart to align exactly: undecided at this precision
            return None

    def round(self, keys: list[Key], digits: int) -> dict[Key, Rounded | Undecided]:
        """Round scalar entry keys (``Key`` with the full entry subscript) to ``digits`` digits."""
        out: dict[Key, Rounded | Undecided] = {}
        pending = []
        for key in keys:
            exact = exact_entry(self.plan, key)
            if exact is not None:
                out[key] = round_fraction(exact, digits)
            else:
                pending.append(key)
        prec = first = start_precision(digits, len(self.plan.iterations))
        reasons: dict[Key, str] = {}
        while pending:
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
            pending = still
            if pending and prec > first:  # still straddling after one raise: decide iteration 1 exactly
                pending = self._decide_exactly(pending, digits, ev, out, reasons)
            if pending and prec >= self.max_prec:
                for key in pending:
                    if key.iteration > len(ev.iterations):
                        out[key] = Undecided(None, None, digits, prec, reasons.get(key))
                        continue
                    lo, hi = self._bounds(ball_entry(ev, self.plan, key))
                    out[key] = Undecided(lo, hi, digits, prec, reasons.get(key))
                break
            prec = min(2 * prec, self.max_prec)
        return out

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
        return still

    def _bounds(self, x) -> tuple[Fraction | None, Fraction | None]:
        try:
            return ball_bounds(x)
        except (ValueError, OverflowError):  # not finite, or end points too large to write exactly
            return None, None
