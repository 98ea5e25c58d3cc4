"""What the parts of a check share: the run it checks against (its exact plan and certifier, in
:class:`CheckContext`, with the cache of explicit step definitions) and the verdict records
(:class:`EntryCheck`, :class:`ClaimCheck`, :class:`EarlyRounding`) that the verdicts, the carried
search, the slip catalogue and the first-wrong-step tracing read and write.

Enclosures come two ways: :meth:`CheckContext.enclosure` as exact Fraction end points (for the
decisions on ordinary written numbers), and :meth:`CheckContext.ball` as an Arb ball whatever the
backend (for magnitudes: a value near ``exp(−5·10¹⁰)`` keeps its exponent, never written out).

Known gaps: the context holds one run; a claim beyond its iterations has no enclosure (``None``).
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from fractions import Fraction

import flint

from ..engine.lookup import exact_entry
from ..model.keys import Key
from ..model.written import Written
from ..numerics.evaluate import ball_entry
from ..model.limits import TooExpensive
from ..numerics.cost import evaluation_cost
from ..numerics.rounding import ball_bounds
from ..numerics.run import Run
from .claims import Claim
from .stepeval import ball_interval, iv


@dataclass(frozen=True)
class EntryCheck:
    """The verdict on one written entry (a scalar, or one entry of a vector or matrix)."""

    key: Key
    written: Written
    correct: bool | None  # None: not decided at the highest precision tried
    value: str  # certified value to the written digits plus two
    error_ulps: str | None  # (written − exact) / unit of the last digit, 2 digits
    boundary: bool = False  # the exact value sits exactly on the edge of the written promise
    words: str | None = None  # how far off, in words ("3.2 % too large"); None when correct or undecided


@dataclass(frozen=True)
class EarlyRounding:
    """Why a number carried by rounding is *rounded too early*: the document's rounding of earlier
    numbers moved it more than one unit of its last shown digit from the exact value, and it shows
    more digits than those rounded numbers justify.

    Attributes
    ----------
    rounded : tuple of int
        The claims where the rounding happened (whose digits were too few), traced back through
        numbers that were themselves rounded too early.
    justified : int or None
        The significant digits the document's rounded inputs still support (None: not computed).
    shown : int
        The significant digits it shows.
    pi : Fraction or None
        A hand value of π, when that rounding is (part of) the cause.
    """

    rounded: tuple[int, ...]
    justified: int | None
    shown: int
    pi: Fraction | None = None


@dataclass(frozen=True)
class ClaimCheck:
    """The verdict on one claim, with where a carried or wrong number came from."""

    claim: Claim
    verdict: str  # "correct" | "carried" (rounding) | "follows" (an earlier error) | "wrong" | "undecided" | "unreadable"
    entries: tuple[EntryCheck, ...]
    exact: str  # SymPy-parsable, with `symbols` as in the solve report ("" for an unknown key)
    carried_from: tuple[int, ...] = ()  # indices of the claims it was computed from
    carried_kind: str | None = None  # "rounding" | "error"
    first_wrong: int | None = None  # index of the claim where the chain first goes wrong
    notes: tuple[str, ...] = field(default=())
    symbols: dict = field(default_factory=dict)
    too_early: EarlyRounding | None = None  # a carried (rounding) number rounded too early
    reason: str | None = None  # why an unreadable claim cannot be read, and what would be right
    value: object = None  # an unreadable claim's certified value (6 digits; nested for arrays), when known
    slips: tuple[str, ...] = ()  # catalogue names (slips.SLIPS) of the slips a wrong number matches, in order

    @property
    def error_words(self) -> str | None:
        """How far off the claim is, in words: its entry's words, or the entries' (``[1] sign flipped``)
        unless every entry is off by the same words."""
        off = [e for e in self.entries if e.words]
        if not off:
            return None
        if len(self.entries) == 1 or (len(off) == len(self.entries) and len({e.words for e in off}) == 1):
            return off[0].words
        return "; ".join("".join(f"[{i}]" for i in e.key.entry) + f" {e.words}" for e in off)


_EXPLICIT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""The explicit step definitions of each run still in use (:attr:`CheckContext.explicit_cache`)."""

KEPT_EVALUATION_BYTES = 64 << 20
"""The most a check keeps of the run's evaluations, by their estimated size (``cost.evaluation_cost``)."""


class CheckContext:
    """The run a document is checked against, shared by the parts of a check.

    Parameters
    ----------
    run : Run
        A run whose iterations cover every claimed key.

    Attributes
    ----------
    run, plan, problem, d
        The run, its exact plan, its problem and the problem's dimension.
    explicit_cache : dict
        Explicit step definitions by whole key, filled by :class:`.carried.ExplicitSteps`; shared by
        every check against the same run (they depend on the run alone: a class graded against one
        problem makes them once per worker).

    The run's evaluations at each precision the check asks for are kept for the check (while their
    estimated size stays under ``KEPT_EVALUATION_BYTES``): a check asks for about ten precisions in
    turn, and the run's certifier keeps only the last two.
    """

    def __init__(self, run: Run):
        self.run = run
        self.plan = run.plan
        self.problem = run.problem
        self.d = run.problem.d
        try:
            self.explicit_cache: dict[Key, object] = _EXPLICIT.setdefault(run, {})
        except TypeError:  # a run that cannot be weakly referenced: a cache for this check alone
            self.explicit_cache = {}
        self._evaluations: dict[int, object] = {}
        self._kept_bytes = 0

    def enclosure(self, key: Key, prec: int) -> tuple[Fraction, Fraction] | None:
        """Certified bounds ``(lo, hi)`` of ``key``'s exact value at ``prec`` bits.

        An exact rational gives ``(q, q)``; None when the run's certified evaluation cannot
        enclose it (beyond its iterations, or the enclosure failed).
        """
        exact = exact_entry(self.plan, key)
        if exact is not None:
            return exact, exact
        ev = self._evaluation(prec)
        if ev is None or key.iteration > len(ev.iterations):
            return None
        with self.run.backend.precision(prec):
            try:
                return ball_bounds(ball_entry(ev, self.plan, key))
            except (ValueError, OverflowError, ZeroDivisionError):
                return None

    def _evaluation(self, prec: int):
        """The run's evaluation at ``prec`` bits; None when that pass is estimated past the limits (the
        value is then left open, and the claim undecided, not the check refused)."""
        ev = self._evaluations.get(prec)
        if ev is not None:
            return ev
        try:
            ev = self.run.certifier.evaluation(prec)
        except TooExpensive:
            return None
        size = evaluation_cost(self.problem, len(self.plan.iterations), prec, self.run.backend.name)[1]
        if self._kept_bytes + size <= KEPT_EVALUATION_BYTES:
            self._evaluations[prec] = ev
            self._kept_bytes += size
        return ev

    def exact_input(self, key: Key, prec: int):
        """``key``'s exact value as an input of a re-evaluated step: the Fraction itself when it is a
        known rational, else an ``mpmath.iv`` interval enclosing it at ``prec`` bits, its end points kept as
        mantissa and exponent (:func:`.stepeval.ball_interval`); None when the run cannot enclose it."""
        exact = exact_entry(self.plan, key)
        if exact is not None:
            return exact
        x = self.ball(key, prec)
        if x is None:
            return None
        saved = iv.prec
        iv.prec = prec
        try:
            return ball_interval(x)
        finally:
            iv.prec = saved

    def ball(self, key: Key, prec: int) -> flint.arb | None:
        """An Arb ball holding ``key``'s exact value, at ``prec`` bits, with either backend (an exact
        rational as the ball around it); None when the run cannot enclose it."""
        exact = exact_entry(self.plan, key)
        if exact is not None:
            with _flint_precision(prec):
                return flint.arb(flint.fmpq(exact.numerator, exact.denominator))
        ev = self._evaluation(prec)
        if ev is None or key.iteration > len(ev.iterations):
            return None
        with self.run.backend.precision(prec):
            try:
                x = ball_entry(ev, self.plan, key)
            except (ValueError, OverflowError, ZeroDivisionError):
                return None
        return as_arb(x)


class _flint_precision:
    """python-flint's working precision set for a ``with`` block."""

    def __init__(self, bits: int):
        self.bits = bits

    def __enter__(self):
        self.saved = flint.ctx.prec
        flint.ctx.prec = self.bits

    def __exit__(self, *exc):
        flint.ctx.prec = self.saved


def as_arb(x) -> flint.arb | None:
    """An Arb ball holding an Arb ball or an ``mpmath.iv`` interval, its end points taken exactly
    (never expanded to integers); None for an interval that is not finite.

    >>> import mpmath
    >>> as_arb(mpmath.iv.mpf([1, 2])).contains(flint.arb("1.5"))
    True
    """
    if isinstance(x, flint.arb):
        return x if x.is_finite() else None
    ends = []
    for sign, man, exp, bc in x._mpi_:
        if not man and exp:  # inf or nan
            return None
        with _flint_precision(int(bc) + 64):
            ends.append(flint.arb((-int(man) if sign else int(man), int(exp))))
    with _flint_precision(max(int(x._mpi_[0][3]), int(x._mpi_[1][3]), 64) + 64):
        return ends[0].union(ends[1])
