"""The scoring policy of a class: points per step, follow-through credit, deductions and a cap per slip.

A policy file is a small TOML file; everything in it is optional::

    [steps]                 # points per step: a kind, or iter<t>.<kind> for a later iteration
    density = 2
    resp = 2
    count = 1
    weight = 1
    mean = 2
    cov = 2

    follow_through = 1.0    # credit for a number right from an earlier wrong one (error carried forward)
    early_rounding = 0.25   # deducted from a number's share when it was rounded too early
    precision = 0.25        # deducted from a number's share when it shows fewer than `digits`
    digits = 3              # significant digits a decimal answer must show (0: not checked)
    slip_cap = 1.0          # at most this many points lost to any one named slip (0: no cap)

A step's points are shared equally by the numbers a submission writes for it; a step it does not
write earns 0. Numbers of steps the policy does not list are checked and reported, not scored.

>>> p = Policy()
>>> p.total, p.step_of("resp.A.women"), p.step_of("iter2.mean.men[0]"), p.step_of("quad.A.men")
(10.0, 'resp', None, None)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from ..model.errors import InputError
from ..model.keys import KINDS, Key

DEFAULT_STEPS = {"density": 2.0, "resp": 2.0, "count": 1.0, "weight": 1.0, "mean": 2.0, "cov": 2.0}
FIELDS = ("steps", "follow_through", "early_rounding", "precision", "digits", "slip_cap")


@dataclass(frozen=True)
class Policy:
    """How a checked submission is scored (see the module docstring for the file format).

    Attributes
    ----------
    steps : dict
        Points per step; a step is a kind (``resp``) or a kind of a later iteration (``iter2.mean``).
    follow_through : float
        Credit, from 0 to 1, for a number that is right from an earlier wrong number.
    early_rounding, precision : float
        Fractions of a number's share deducted for rounding too early and for too few digits.
    digits : int
        Significant digits a decimal answer must show (0: not checked).
    slip_cap : float
        Most points one named slip can cost a submission in all (0: no cap).
    """

    steps: dict = field(default_factory=lambda: dict(DEFAULT_STEPS))
    follow_through: float = 1.0
    early_rounding: float = 0.25
    precision: float = 0.25
    digits: int = 0
    slip_cap: float = 1.0

    @property
    def total(self) -> float:
        """The points of a submission that gets everything right."""
        return float(sum(self.steps.values()))

    def step_of(self, key: str) -> str | None:
        """The policy step a claim's key scores in, or ``None`` (not scored)."""
        try:
            k = Key.parse(key)
        except ValueError:
            return None
        name = k.kind if k.iteration == 1 else f"iter{k.iteration}.{k.kind}"
        return name if name in self.steps else None

    def as_dict(self) -> dict:
        return {"steps": dict(self.steps), "follow_through": self.follow_through,
                "early_rounding": self.early_rounding, "precision": self.precision, "digits": self.digits,
                "slip_cap": self.slip_cap}


def _fraction(value, path: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1 or math.isnan(value):
        raise InputError(path, name, f"is {value!r}", "a number from 0 to 1")
    return float(value)


def _points(value, path: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9 or math.isnan(value):
        raise InputError(path, name, f"is {value!r}", "points: a number ≥ 0")
    return float(value)


def _step_name(name: str, path: str) -> str:
    kind = name.split(".", 1)[1] if name.startswith("iter") and "." in name else name
    if name.startswith("iter") and "." in name:
        t = name[4:].split(".", 1)[0]
        if not t.isdigit() or int(t) < 1 or int(t) > 1000:
            raise InputError(path, f"steps.{name}", "names no iteration", "iter<t>.<kind> with t from 1 to 1000")
    if kind not in KINDS:
        raise InputError(path, f"steps.{name}", "is not a kind of quantity",
                         f"one of {', '.join(KINDS)} (or iter<t>.<kind>)")
    return name if not name.startswith("iter1.") else kind


def policy_from_dict(data: dict, path: str = "<memory>") -> Policy:
    """A :class:`Policy` from a parsed policy file; every mistake an :class:`InputError`.

    >>> policy_from_dict({"steps": {"resp": 3, "mean": 2}, "follow_through": 0.5}).total
    5.0
    """
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        raise InputError(path, unknown[0], "is not a policy field", f"one of {', '.join(FIELDS)}")
    kw = {}
    if "steps" in data:
        if not isinstance(data["steps"], dict) or not data["steps"]:
            raise InputError(path, "steps", f"is {data['steps']!r}", "a table of step = points, e.g. resp = 2")
        kw["steps"] = {_step_name(str(k), path): _points(v, path, f"steps.{k}") for k, v in data["steps"].items()}
    for name in ("follow_through", "early_rounding", "precision"):
        if name in data:
            kw[name] = _fraction(data[name], path, name)
    if "digits" in data:
        d = data["digits"]
        if isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 50:
            raise InputError(path, "digits", f"is {d!r}", "a whole number of significant digits from 0 to 50")
        kw["digits"] = d
    if "slip_cap" in data:
        kw["slip_cap"] = _points(data["slip_cap"], path, "slip_cap")
    return Policy(**kw)


def load_policy(path: str | Path | None) -> Policy:
    """The policy in a TOML file (``None``: the default policy)."""
    if path is None:
        return Policy()
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), None, "file not found", "a scoring policy (TOML)") from None
    except OSError as e:
        raise InputError(str(path), None, f"cannot be read: {e.strerror or e}", "a readable file") from None
    if len(raw) > 1 << 20:
        raise InputError(str(path), None, f"is {len(raw)} bytes", "a policy file under 1 MiB")
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(str(path), None, "is not UTF-8 text", "a TOML file in UTF-8") from None
    except (tomllib.TOMLDecodeError, RecursionError) as e:
        raise InputError(str(path), None, f"is not valid TOML ({e})", "a TOML policy file") from None
    return policy_from_dict(data, str(path))
