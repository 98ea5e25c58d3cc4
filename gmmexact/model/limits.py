"""The documented bounds on what gmmexact accepts and on what it starts without ``--force``.

Two kinds of bound, one place:

* **Input sizes** (``number_digits``, ``exponent``, ``label_chars``, ``points``, ``dimension``,
  ``components``, ``nesting``, ``file_bytes``): an input past one of them is refused with an
  :class:`~gmmexact.model.errors.InputError` that names the field and the limit. They keep a single
  hostile number or file from taking the machine.
* **Cost** (``seconds``, ``memory_bytes``): a request whose *estimated* time or memory is past
  them is refused with the estimate and the option that allows it (``--force`` on the command
  line, ``force=True`` in Python), raised as :class:`TooExpensive`.

Every bound is configurable: an environment variable ``GMMEXACT_LIMIT_<NAME>`` (e.g.
``GMMEXACT_LIMIT_POINTS=1000000``), or :func:`override` in Python.

>>> current().number_digits
10000
>>> with override(points=10):
...     current().points
10
>>> current().points
100000
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, fields, replace
from typing import Iterator

from .errors import InputError


@dataclass(frozen=True)
class Limits:
    """The active bounds (see the module docstring).

    Attributes
    ----------
    number_digits : int
        Decimal digits of one exact input number: numerator, denominator or written mantissa.
    exponent : int
        Largest ``|e|`` of a written ``…e±e`` or ``× 10^e`` (``1e999999999`` is refused, not expanded).
    label_chars : int
        Characters of a label, a variable or a component name.
    points : int
        Data points in a problem file.
    dimension : int
        Variables per point.
    components : int
        Mixture components.
    nesting : int
        Depth of nested arrays, tables or brackets in any input.
    file_bytes : int
        Size of an input file read whole (problem, claims, results, document).
    seconds : float
        Estimated seconds beyond which a request needs ``--force``.
    memory_bytes : int
        Estimated memory beyond which a request needs ``--force``.
    """

    number_digits: int = 10_000
    exponent: int = 10_000
    label_chars: int = 200
    points: int = 100_000
    dimension: int = 100
    components: int = 100
    nesting: int = 32
    file_bytes: int = 64 << 20
    seconds: float = 60.0
    memory_bytes: int = 2 << 30


_OVERRIDES: list[dict] = []


def _from_environment() -> Limits:
    values = {}
    for f in fields(Limits):
        text = os.environ.get(f"GMMEXACT_LIMIT_{f.name.upper()}")
        if text is None:
            continue
        try:
            value = float(text) if f.type == "float" else int(text.replace("_", ""))
        except ValueError:
            raise InputError(None, f"GMMEXACT_LIMIT_{f.name.upper()}", f"is {text!r}",
                             "a whole number" if f.type != "float" else "a number") from None
        if value <= 0:
            raise InputError(None, f"GMMEXACT_LIMIT_{f.name.upper()}", f"is {text!r}", "a positive number")
        values[f.name] = value
    return Limits(**values)


def current() -> Limits:
    """The bounds in force: the defaults, then the environment, then any :func:`override`."""
    limits = _from_environment()
    for changes in _OVERRIDES:
        limits = replace(limits, **changes)
    return limits


@contextlib.contextmanager
def override(**changes) -> Iterator[Limits]:
    """Change some bounds inside a ``with`` block (nested blocks stack)."""
    unknown = set(changes) - {f.name for f in fields(Limits)}
    if unknown:
        raise TypeError(f"unknown limit(s): {', '.join(sorted(unknown))}")
    _OVERRIDES.append(changes)
    try:
        yield current()
    finally:
        _OVERRIDES.pop()


def exceeded(file: str | None, field: str | None, what: str, value: int, name: str) -> InputError:
    """The error for an input past limit ``name``: what it is, the limit, how to raise it.

    >>> str(exceeded("p.toml", "data.points", "points", 200000, "points"))
    'p.toml: data.points: 200000 points, more than the limit of 100000; expected at most 100000 (raise it with GMMEXACT_LIMIT_POINTS)'
    """
    limit = getattr(current(), name)
    return InputError(file, field, f"{value} {what}, more than the limit of {limit}",
                      f"at most {limit} (raise it with GMMEXACT_LIMIT_{name.upper()})")


@dataclass(frozen=True)
class Estimate:
    """A request's estimated cost, before it starts.

    >>> Estimate(seconds=90.0, memory_bytes=3 << 30, what="1000 iterations").text()
    '1000 iterations: about 90 s and 3.2 GB'
    """

    seconds: float
    memory_bytes: int
    what: str

    def text(self) -> str:
        size = self.memory_bytes / 1e9
        memory = f"{size:.1f} GB" if size >= 0.1 else f"{self.memory_bytes / 1e6:.0f} MB"
        time = f"{self.seconds:.0f} s" if self.seconds < 3600 else f"{self.seconds / 3600:.1f} h"
        return f"{self.what}: about {time} and {memory}"

    def affordable(self) -> bool:
        limits = current()
        return self.seconds <= limits.seconds and self.memory_bytes <= limits.memory_bytes


class TooExpensive(InputError):
    """A request estimated past the cost bounds; allowed with ``--force`` (CLI exit status 2).

    >>> str(TooExpensive(Estimate(600.0, 10**9, "--iterations 1000")))
    '--iterations 1000: about 600 s and 1.0 GB, more than the limits (60 s, 2.1 GB); expected a smaller request, or --force to run it anyway'
    """

    def __init__(self, estimate: Estimate, option: str = "--force"):
        self.estimate = estimate
        limits = current()
        super().__init__(None, None,
                         f"{estimate.text()}, more than the limits ({limits.seconds:.0f} s, "
                         f"{limits.memory_bytes / 1e9:.1f} GB)",
                         f"a smaller request, or {option} to run it anyway")


def require_affordable(estimate: Estimate, force: bool = False) -> None:
    """Raise :class:`TooExpensive` unless the estimate is within bounds or ``force`` is set."""
    if not force and not estimate.affordable():
        raise TooExpensive(estimate)
