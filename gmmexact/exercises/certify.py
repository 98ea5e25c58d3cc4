"""Whether a variant is fit to hand out: its key's printed answers certified unambiguous and gradable.

A variant passes when, for every answer the key prints at the exercise's digits:

* **margin**: the exact value is at least ``margin`` units of the last digit away from a rounding
  boundary (proven from the value rounded to two more digits), so two honest students cannot
  disagree in the last digit;
* **not saturated**: no responsibility rounds to 0 or 1 (unless the spec allows it);
* **slips told apart**: no slip of the catalogue gives the same printed answer, so grading can tell
  a slip from the right number (the key's own numbers are checked, and must all be correct);
* **singularity as asked**: every updated covariance invertible (``avoid``), or one singular
  (``require``, as in the seed);
* **distinct points**.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction

from ..model.keys import Key
from ..model.problem import Problem
from ..numerics.rounding import Rounded
from ..numerics.run import Run, solve
from .spec import ExerciseSpec

EXTRA = 3
"""Digits beyond the printed ones that the margin from a rounding boundary is proven with."""


@dataclass(frozen=True)
class Certificate:
    """The outcome of certifying one variant.

    Attributes
    ----------
    passed : bool
        Every test held.
    failures : tuple of str
        What did not hold, in words (the first few).
    answers : dict
        The key: every answer entry's key → its certified decimal at the exercise's digits.
    margin : Fraction or None
        The smallest proven distance of an answer from a rounding boundary, in units of its last digit.
    seconds : float
        Time taken to solve and certify.
    """

    passed: bool
    failures: tuple[str, ...]
    answers: dict = field(default_factory=dict)
    margin: Fraction | None = None
    seconds: float = 0.0
    run: Run | None = None


def answer_keys(run: Run, spec: ExerciseSpec) -> list[Key]:
    """The keys the exercise asks for, in the order of a worked solution."""
    return [k for k in run.keys() if k.kind in spec.kinds]


def boundary_margin(coarse: Rounded, fine: Rounded, extra: int) -> Fraction | None:
    """A proven lower bound on the distance from the nearest rounding boundary of ``coarse``, in units
    of its last digit, from ``fine``, the same value correctly rounded to ``extra`` more digits.

    >>> boundary_margin(Rounded(123, -2, 3, False, False), Rounded(12340, -4, 5, False, False), 2)
    Fraction(19, 200)
    >>> boundary_margin(Rounded(123, -2, 3, True, False), Rounded(12300, -4, 5, True, False), 2)
    Fraction(1, 2)
    """
    if coarse.exact:
        return Fraction(1, 2)
    if fine.exponent != coarse.exponent - extra:  # the magnitude changed between the roundings: no claim
        return None
    ulp = Fraction(10) ** coarse.exponent
    value = fine.fraction()
    centre = coarse.fraction()
    # the exact value lies within half a fine unit of `value`
    distance = ulp / 2 - abs(value - centre) - ulp / 10 ** extra / 2
    return max(distance / ulp, Fraction(0))


def certify(problem: Problem, spec: ExerciseSpec) -> Certificate:
    """Solve a candidate variant and test it (see the module docstring)."""
    from ..checking.claims import claims_from_dict  # noqa: PLC0415
    from ..checking.verdicts import Checker  # noqa: PLC0415

    start = time.perf_counter()
    failures: list[str] = []
    if len(set(problem.points)) < problem.n:
        failures.append("two points are equal")
    run = solve(problem, iterations=spec.iterations)
    singular = [f for f in run.diagnostics if f.kind == "singular-covariance"]
    if spec.singular == "avoid" and singular:
        failures.append(f"an updated covariance is singular ({singular[0].message.split(':')[0]})")
    if spec.singular == "require" and not singular:
        failures.append("no updated covariance is singular, and the exercise is about one")
    if run.iterations < spec.iterations:
        return Certificate(False, tuple(failures) or ("a step is undefined",), seconds=time.perf_counter() - start)
    keys = answer_keys(run, spec)
    coarse = run.round(keys, spec.digits)
    fine = run.round(keys, spec.digits + EXTRA)
    answers, smallest = {}, None
    for key, r in coarse.items():
        f = fine.get(key)
        if not isinstance(r, Rounded) or not isinstance(f, Rounded):
            failures.append(f"{key}: not decided at {spec.digits} digits")
            continue
        answers[str(key)] = str(r)
        m = boundary_margin(r, f, EXTRA)
        if m is None or m < Fraction(spec.margin).limit_denominator(10**6):
            failures.append(f"{key} = {r} lies within {spec.margin} of its last digit's unit of a rounding boundary")
        elif smallest is None or m < smallest:
            smallest = m
        if key.kind == "resp" and not spec.saturated and r.fraction() in (0, 1):
            failures.append(f"{key} rounds to {r}: saturated at {spec.digits} digits")
    if not failures:
        failures += _slip_failures(run, answers, claims_from_dict, Checker)
    return Certificate(not failures, tuple(failures[:8]), answers, smallest, time.perf_counter() - start, run)


def _slip_failures(run: Run, answers: dict, claims_from_dict, Checker) -> list[str]:
    """The key's numbers checked as a student's: all correct, and none of them a slip's answer too."""
    values: dict = {}
    d = run.problem.d
    for entry, text in answers.items():
        key = Key.parse(entry)
        whole = str(key.whole)
        if not key.entry:
            values[whole] = text
        elif len(key.entry) == 1:
            values.setdefault(whole, [""] * d)[key.entry[0]] = text
        else:
            values.setdefault(whole, [[""] * d for _ in range(d)])[key.entry[0]][key.entry[1]] = text
    claims = claims_from_dict({"values": values}, run.plan, "<key>")
    checker = Checker(run)
    checks = checker.check(claims)
    failures = [f"the key's own {c.claim.name} is judged {c.verdict}" for c in checks if c.verdict != "correct"]
    by_index = {c.claim.index: c for c in checks}
    for i, claim in enumerate(claims):
        for description, _ in checker.matches(claim, claims[:i], by_index):
            failures.append(f"{claim.name}: the slip '{description}' prints the same answer")
    return failures
