"""One submission's score under a policy, from the verdicts of its check.

The input is the stable JSON document of ``gmmexact check --format json`` (``CheckReport.data``), so a
grade can be recomputed from saved verdicts under another policy without checking again.

>>> data = {"claims": [
...     {"key": "resp.A.women", "verdict": "correct", "written": "0.99", "notes": []},
...     {"key": "resp.B.women", "verdict": "wrong", "written": "0.5", "notes": []},
...     {"key": "mean.women", "verdict": "follows", "written": ["165", "60"], "notes": []}],
...     "summary": {"first_error": {"key": "resp.B.women"}}}
>>> g = score(data, Policy(steps={"resp": 2, "mean": 2}))
>>> g.score, g.total, [(s.step, s.score) for s in g.steps]
(3.0, 4.0, [('resp', 1.0), ('mean', 2.0)])
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model.errors import InputError
from ..model.written import parse_written
from .policy import Policy

VERDICTS = ("correct", "carried", "follows", "wrong", "undecided", "unreadable")


@dataclass(frozen=True)
class StepScore:
    """The points one step earned: ``score`` of ``points``, with how many of its numbers got each verdict."""

    step: str
    points: float
    score: float
    counts: dict
    deductions: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        """``missing`` (nothing written), ``right``, ``followed`` (an earlier error carried), ``wrong``."""
        c = self.counts
        if not sum(c.values()):
            return "missing"
        if c.get("wrong") or c.get("undecided") or c.get("unreadable"):
            return "wrong"
        if c.get("follows"):
            return "followed"
        return "right"


@dataclass(frozen=True)
class Grade:
    """A submission's grade: total ``score`` of ``total``, per-step scores, verdict counts, first wrong step.

    ``slips`` are the catalogue names of the slips its wrong numbers match; ``refunded`` the points the
    slip cap gave back, already in the step scores (which add up to ``score``, but for rounding)."""

    score: float
    total: float
    steps: tuple[StepScore, ...]
    counts: dict
    first_wrong: str | None
    slips: tuple[str, ...] = ()
    refunded: float = 0.0
    lines: tuple[str, ...] = field(default=())

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.total if self.total else 0.0


def _credit(verdict: str, policy: Policy) -> float:
    return {"correct": 1.0, "carried": 1.0, "follows": policy.follow_through}.get(verdict, 0.0)


def _shown_digits(written) -> list[int]:
    texts = written if isinstance(written, list) else [written]
    out = []
    for t in texts:
        if isinstance(t, list):
            out += _shown_digits(t)
            continue
        try:
            w = parse_written(str(t))
        except (InputError, ValueError):
            continue
        if w.digits is not None and "." in str(t):
            out.append(w.digits)
    return out


def claim_slips(record: dict) -> list[str]:
    """The catalogue names of the slips a wrong claim matches (``slips`` in the check JSON, present only
    on a claim that matches one), in the catalogue's order; never read from the notes' prose."""
    slips = record.get("slips") or []
    return [str(s) for s in slips] if isinstance(slips, list) else []


def _refunded(steps: list[StepScore], lost_to: dict, cap: float) -> list[StepScore]:
    """The step scores with what each slip cost past ``cap`` given back, to the steps it cost in
    proportion to what it cost there (so the steps still add up to the score the platforms are sent)."""
    back: dict[str, float] = {}
    for by_step in lost_to.values():
        lost = sum(by_step.values())
        if lost > cap:
            for step, x in by_step.items():
                back[step] = back.get(step, 0.0) + (lost - cap) * x / lost
    return [s if not back.get(s.step) else
            StepScore(s.step, s.points, min(s.points, s.score + back[s.step]), s.counts, s.deductions)
            for s in steps]


def score(data: dict, policy: Policy) -> Grade:
    """Score one check (its JSON document) under ``policy``."""
    claims = data.get("claims") or []
    by_step: dict[str, list[dict]] = {s: [] for s in policy.steps}
    for record in claims:
        step = policy.step_of(str(record.get("key", "")))
        if step is not None:
            by_step[step].append(record)
    steps, lost_to = [], {}  # lost_to[slip][step]: the points that slip cost in that step
    for step, points in policy.steps.items():
        records = by_step[step]
        counts = {v: sum(r.get("verdict") == v for r in records) for v in VERDICTS}
        if not records:
            steps.append(StepScore(step, points, 0.0, counts, ("nothing written for this step",)))
            continue
        share = points / len(records)
        earned, deductions = 0.0, []
        for r in records:
            credit = _credit(str(r.get("verdict")), policy)
            if credit and r.get("rounded_too_early"):
                credit -= policy.early_rounding
                deductions.append(f"{r.get('key')}: rounded too early (−{policy.early_rounding * share:.2f})")
            if credit and policy.digits:
                shown = _shown_digits(r.get("written"))
                if shown and min(shown) < policy.digits:
                    credit -= policy.precision
                    deductions.append(f"{r.get('key')}: shows {min(shown)} significant digits, {policy.digits} asked "
                                      f"(−{policy.precision * share:.2f})")
            credit = max(0.0, credit)
            earned += share * credit
            for slip in claim_slips(r)[:1]:
                cost = lost_to.setdefault(slip, {})
                cost[step] = cost.get(step, 0.0) + share * (1 - credit)
        steps.append(StepScore(step, points, earned, counts, tuple(deductions)))
    raw = sum(s.score for s in steps)
    if policy.slip_cap:
        steps = _refunded(steps, lost_to, policy.slip_cap)
    total = policy.total
    final = min(total, sum(s.score for s in steps))
    counts = {v: sum(r.get("verdict") == v for r in claims) for v in VERDICTS}
    first = ((data.get("summary") or {}).get("first_error") or {}).get("key")
    slips = tuple(s for r in claims for s in claim_slips(r))
    return Grade(round(final, 6), total, tuple(steps), counts, first, slips, round(final - raw, 6))
