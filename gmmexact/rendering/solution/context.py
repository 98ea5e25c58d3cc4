"""What every part of a worked solution shares: the options, the run's certified decimals (rounded
in batches, cached), the notation, and the points and components worked through."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from ...engine.lookup import entry_keys, shape_entries
from ...model.errors import InputError
from ...model.keys import Key
from ..textbook import Notation, terminating
from .formatting import array

__all__ = ["CertifiedValues", "Context", "LatexOptions", "check_selection", "written_decimals"]


@dataclass(frozen=True)
class LatexOptions:
    """What a document shows.

    ``points``/``components``: labels and names to work through (default all); ``compact``: one
    representative point per step in full, the others in tables; ``iterations``: iterations shown
    (default: every one the run computed; a run with one more supplies the log-likelihood after the
    last one shown).
    """

    digits: int = 6
    points: tuple[str, ...] | None = None
    components: tuple[str, ...] | None = None
    compact: bool = False
    iterations: int | None = None
    source: str | None = None  # the problem file named in the title
    claims_source: str | None = None


class CertifiedValues:
    """A run's certified decimals to ``digits`` significant digits, rounded in batches and cached.

    >>> import gmmexact
    >>> values = CertifiedValues(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")), 6)
    >>> values.decimal(Key.parse("norm.women")), values.decimal(Key.parse("det.women"))
    ('62.8319', '100')
    """

    def __init__(self, run, digits: int):
        self.run = run
        self.digits = digits
        self.d = run.problem.d
        self._rounded: dict[Key, object] = {}

    def round(self, keys) -> None:
        """Certify the entries of ``keys`` in one batch (cached)."""
        missing = [e for k in keys for e in entry_keys(k, self.d) if e not in self._rounded]
        if missing:
            self._rounded.update(self.run.round(list(dict.fromkeys(missing)), self.digits))

    def values(self, key: Key):
        """``key``'s rounded values: one, or nested tuples shaped as the quantity."""
        self.round([key])
        entries = entry_keys(key, self.d)
        return shape_entries([self._rounded[e] for e in entries], key, self.d)

    def decimal(self, key: Key) -> str:
        """``key``'s certified decimal in LaTeX (a bmatrix for a vector or matrix)."""
        return array(self.values(key))

    def values_at(self, key: Key, digits: int):
        """``key``'s certified values to ``digits`` significant digits (not cached)."""
        entries = entry_keys(key, self.d)
        rounded = self.run.round(entries, digits)
        return shape_entries([rounded[e] for e in entries], key, self.d)


@dataclass(frozen=True)
class Context:
    """The run and what the parts of its document share.

    Attributes
    ----------
    run : Run
        The solved problem.
    options : LatexOptions
        What the document shows.
    iterations : int
        The iterations shown (at most those the run computed).
    notation : Notation
        The problem's names in LaTeX.
    certified : CertifiedValues
        The run's certified decimals to ``options.digits`` digits.
    points, components : tuple of str
        The points and components worked through.
    """

    run: object
    options: LatexOptions
    iterations: int
    notation: Notation
    certified: CertifiedValues
    points: tuple[str, ...]
    components: tuple[str, ...]

    @classmethod
    def of(cls, run, options: LatexOptions) -> Context:
        """The context of ``run`` shown with ``options``."""
        problem = run.problem
        iterations = min(options.iterations or run.iterations, run.iterations)
        return cls(run=run, options=options, iterations=iterations,
                   notation=Notation.of(problem, multi=iterations > 1, decimals=written_decimals(problem)),
                   certified=CertifiedValues(run, options.digits),
                   points=tuple(options.points) if options.points else tuple(problem.labels),
                   components=tuple(options.components) if options.components else tuple(problem.component_names))

    @property
    def problem(self):
        return self.run.problem

    @property
    def d(self) -> int:
        return self.run.problem.d


def written_decimals(problem) -> frozenset:
    """The rationals a problem file writes as decimals (``-1.5``, ``"0.75"``), to show them as written.

    Read from the problem's source file (TOML, decimals as :class:`decimal.Decimal`); a value the file
    also writes as a fraction (``"1/2"``) stays a fraction. A problem built in memory: none.

    >>> import gmmexact
    >>> sorted(written_decimals(gmmexact.load("examples/seed/problem.toml")))
    [Fraction(1, 2)]
    """
    path = Path(str(problem.source))
    if not path.is_file():
        return frozenset()
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"), parse_float=Decimal)
    except (OSError, ValueError):
        return frozenset()
    decimals, fractions = set(), set()

    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, Decimal) and v.is_finite():
            decimals.add(Fraction(v))
        elif isinstance(v, str) and re.fullmatch(r"\s*[-+]?[0-9]*\.[0-9]+(?:[eE][-+]?[0-9]+)?\s*", v):
            decimals.add(Fraction(Decimal(v.strip())))
        elif isinstance(v, str) and "/" in v:
            try:
                fractions.add(Fraction(v.replace(" ", "")))
            except (ValueError, ZeroDivisionError):
                pass
    walk(data)
    return frozenset(q for q in decimals - fractions if q.denominator != 1 and terminating(q))


def check_selection(run, options: LatexOptions) -> None:
    """Raise :class:`~gmmexact.model.errors.InputError` when ``options`` names a point or component the
    run's problem does not have (or names none)."""
    problem = run.problem
    for field, wanted, known in (("--points", options.points, problem.labels),
                                 ("--components", options.components, problem.component_names)):
        if wanted is None:
            continue
        if not wanted:
            raise InputError(None, field, "names nothing", "comma-separated names, e.g. " + ",".join(known[:2]))
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise InputError(None, field, f"no {'point' if field == '--points' else 'component'} named "
                             f"{', '.join(unknown)}", f"names from {', '.join(known[:10])}{'…' if len(known) > 10 else ''}")
