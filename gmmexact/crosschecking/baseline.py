"""A CI gate on certified digits: a cross-check against an earlier report of the same one.

``gmmexact crosscheck … --format json > old.json`` keeps a report; later,
``gmmexact crosscheck … --baseline old.json --fail-on-regression`` compares every quantity's proven
correct digits with the old report's and fails (exit 1) when any quantity has fewer than before, as
Verificarlo's CI and PyTracer's ``diff`` do with their statistical estimates, here with proven counts.

>>> old = {"quantities": [{"key": "mean.a[0]", "correct_digits": 14, "identical": False},
...                       {"key": "loglik", "correct_digits": None, "identical": True}]}
>>> new = {"quantities": [{"key": "mean.a[0]", "correct_digits": 11, "identical": False},
...                       {"key": "loglik", "correct_digits": None, "identical": True}]}
>>> [(r.key, r.before, r.after) for r in compare(old, new).regressions]
[('mean.a[0]', 14, 11)]
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from ..model.errors import InputError
from ..model.limits import current

ALL = 10_000  # the digit count of a float proven equal to its exact value ("all")


@dataclass(frozen=True)
class Change:
    """One quantity whose proven correct digits changed: ``before`` and ``after`` (``ALL``: identical)."""

    key: str
    before: int
    after: int


@dataclass(frozen=True)
class Comparison:
    """A report against its baseline: the quantities that lost digits, gained them, and those only in one."""

    regressions: tuple
    improvements: tuple
    missing: tuple  # keys in the baseline, not in the report
    new: tuple  # keys in the report, not in the baseline
    compared: int

    def lines(self, shown: int = 10) -> list[str]:
        """The comparison in words, the worst regressions first."""
        out = [f"baseline: {self.compared} quantities compared; {len(self.regressions)} lost digits, "
               f"{len(self.improvements)} gained, {len(self.missing)} missing, {len(self.new)} new"]
        worst = sorted(self.regressions, key=lambda c: c.after - c.before)
        out += [f"  {c.key}: {_text(c.before)} → {_text(c.after)} digits" for c in worst[:shown]]
        if len(worst) > shown:
            out.append(f"  … and {len(worst) - shown} more")
        if self.missing:
            out.append("  missing now: " + ", ".join(self.missing[:shown]) + (" …" if len(self.missing) > shown else ""))
        return out

    def as_dict(self) -> dict:
        return {"compared": self.compared, "missing": list(self.missing), "new": list(self.new),
                "regressions": [{"key": c.key, "before": _value(c.before), "after": _value(c.after)}
                                for c in self.regressions],
                "improvements": [{"key": c.key, "before": _value(c.before), "after": _value(c.after)}
                                 for c in self.improvements]}


def _text(d: int) -> str:
    return "all" if d >= ALL else str(d)


def _value(d: int):
    return None if d >= ALL else d


def _digits(record: dict, where: str, path: str) -> tuple[str, int]:
    if not isinstance(record, dict) or not isinstance(record.get("key"), str):
        raise InputError(path, where, "is not a quantity record", 'an object with "key" and "correct_digits" '
                         "(the JSON that crosscheck --format json writes)")
    if record.get("identical") is True:
        return record["key"], ALL
    d = record.get("correct_digits")
    if isinstance(d, bool) or not isinstance(d, int) or d < 0:
        raise InputError(path, f"{where}.correct_digits", f"is {json.dumps(d)[:40]}",
                         "a number of digits >= 0 (or identical: true)")
    return record["key"], min(d, ALL)


def digits_of(report: dict, path: str = "<report>") -> dict[str, int]:
    """``key → proven correct digits`` of a cross-check's JSON document."""
    qs = report.get("quantities") if isinstance(report, dict) else None
    if not isinstance(qs, list):
        raise InputError(path, "quantities", "is missing" if qs is None else "is not a list",
                         "the JSON that crosscheck --format json writes (every quantity, not --format text)")
    out = {}
    for i, q in enumerate(qs):
        key, d = _digits(q, f"quantities[{i}]", path)
        out[key] = d
    return out


def compare(baseline: dict, report: dict, path: str = "<baseline>") -> Comparison:
    """Compare a report's proven digits with a baseline's, quantity by quantity."""
    old, new = digits_of(baseline, path), digits_of(report)
    both = [k for k in new if k in old]
    return Comparison(tuple(Change(k, old[k], new[k]) for k in both if new[k] < old[k]),
                      tuple(Change(k, old[k], new[k]) for k in both if new[k] > old[k]),
                      tuple(k for k in old if k not in new), tuple(k for k in new if k not in old), len(both))


def read_baseline(path: str) -> dict:
    """A baseline report read safely: bounded size, UTF-8 JSON, an object with ``quantities``."""
    limit = current().file_bytes
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise InputError(path, None, f"cannot be read: {e.strerror or e}",
                         "a JSON report written by crosscheck --format json") from None
    if len(data) > limit:
        raise InputError(path, None, f"is larger than {limit:,} bytes", "a report of at most that size "
                         "(GMMEXACT_LIMIT_FILE_BYTES raises it)")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise InputError(path, None, f"is not a JSON report ({str(e)[:80]})",
                         "the JSON that crosscheck --format json writes") from None
    digits_of(doc, path)  # validated here, before the cross-check runs
    return doc
