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
from ..textbook import Notation, decimal_text, exponent_text, latex_fraction, latex_int, terminating
from .formatting import array

__all__ = ["CertifiedValues", "Context", "LatexOptions", "WrittenInputs", "check_selection", "written_decimals",
           "uses", "written_inputs"]


@dataclass(frozen=True)
class LatexOptions:
    """What a document shows.

    ``points``/``components``: labels and names to work through (default all); ``compact``: one
    representative point per step in full, the others in tables; ``iterations``: iterations shown
    (default: every one the run computed; a run with one more supplies the log-likelihood after the
    last one shown).

    ``layout``: ``"handout"`` (each step's general formula once, then one line per point and
    component: formula with the values put in, exact, certified decimal) or ``"steps"`` (every step
    in full, its general formula first; a document with a check's claims always has this layout, each
    written number under its step). ``title`` and ``author``: the title block (default title: the
    problem file). ``figures``: the data-and-ellipses picture and the responsibilities picture, written
    as PDF files ``<figure_stem>-data.pdf`` and ``<figure_stem>-resp.pdf`` (default stem: the problem
    file's name in the current folder) and included by their file names, so the document compiles in
    the folder that holds them (:func:`~.pdf.compile_pdf` with ``search=[that folder]``).
    ``carry_digits``: the hand-out as a calculator chain: every number carried from step to step
    rounded to this many significant digits, each line reproducible from the numbers shown.
    """

    digits: int = 6
    points: tuple[str, ...] | None = None
    components: tuple[str, ...] | None = None
    compact: bool = False
    iterations: int | None = None
    source: str | None = None  # the problem file named in the title
    claims_source: str | None = None
    layout: str = "handout"
    title: str | None = None
    author: str | None = None
    figures: bool = False
    figure_stem: str | None = None
    carry_digits: int | None = None


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
        written = written_inputs(problem)
        notation = Notation.of(problem, multi=iterations > 1, decimals=written.decimals,
                               written=tuple(written.places.items()), decimal_places=tuple(written.decimal_places),
                               variance=problem.d == 1)
        return cls(run=run, options=options, iterations=iterations, notation=notation,
                   certified=CertifiedValues(run, options.digits),
                   points=tuple(options.points) if options.points else tuple(problem.labels),
                   components=tuple(options.components) if options.components else tuple(problem.component_names))

    @property
    def problem(self):
        return self.run.problem

    @property
    def d(self) -> int:
        return self.run.problem.d


ROLES = ("point", "mean", "cov", "weight")
"""The places a problem file writes numbers: the data, the means, the covariances, the weights."""

SHORT_DECIMAL = 6  # a number without a written form shows as a decimal when it has at most this many digits


@dataclass(frozen=True)
class WrittenInputs:
    """Each input number as the problem file writes it, by place, and per role the rationals SymPy
    forms show as decimals.

    ``places``: ``{("point", i, j) | ("mean", c, j) | ("cov", c, i, j) | ("weight", c): LaTeX}``;
    ``decimal_places``: ``[(place, value)]`` for the numbers shown as decimals (not whole);
    ``roles``: ``{"point" | "mean" | "cov" | "weight": frozenset of Fraction}``, the values of a role some
    place of which shows them as decimals.
    """

    places: dict
    roles: dict
    decimal_places: tuple = ()

    @property
    def decimals(self) -> frozenset:
        """Every rational some role shows as a decimal."""
        out = frozenset()
        for values in self.roles.values():
            out |= values
        return out


def written_inputs(problem) -> WrittenInputs:
    r"""Each input number as the problem file writes it (``0.5`` stays ``0.5`` and ``"1/2"`` stays
    ``\frac{1}{2}``, each at its own place), read again from the problem's source file.

    The problem keeps exact values only, so the written text comes from the file (TOML, decimals read
    as :class:`decimal.Decimal`, which keeps their digits). A place whose number in the file is not the
    problem's (weights normalised on loading, a problem built in memory or read from a document, a file
    changed since) is shown by the rule for a number without a written form: an integer as itself, a
    rational with a terminating decimal expansion of at most :data:`SHORT_DECIMAL` significant digits
    as that decimal, any other as a fraction.

    In SymPy forms a number has no place of its own: a step's form shows a rational as a decimal when
    one of the places the step puts in (the point and mean of a quadratic form, the covariance of a
    component's determinant, its weight in a joint probability, every weight in an evidence) writes it as
    one (:meth:`~gmmexact.rendering.textbook.Notation.decimals_at`). So one ``"1/2"`` written as a weight
    never turns a datum ``0.5`` into ½, nor the other way round.

    >>> import gmmexact
    >>> w = written_inputs(gmmexact.load("tests/golden/p1_d1k3.toml"))
    >>> w.places["point", 0, 0], w.places["point", 2, 0], w.places["weight", 0], w.places["cov", 2, 0, 0]
    ('-1.5', '\\frac{1}{3}', '\\frac{1}{3}', '0.75')
    >>> sorted(w.roles["point"]), sorted(w.roles["cov"])
    ([Fraction(-3, 2), Fraction(5, 2)], [Fraction(3, 4)])
    """
    problem_values = _places(problem)
    texts = _file_texts(problem)
    places, roles, decimal_places = {}, {r: set() for r in ROLES}, []
    for place, value in problem_values.items():
        found = texts.get(place)
        if found is not None and found[0] == value:
            text, decimal = found[1], found[2]
        else:
            text, decimal = _unwritten(value)
        places[place] = text
        if decimal and value.denominator != 1:
            roles[place[0]].add(value)
            decimal_places.append((place, value))
    return WrittenInputs(places, {r: frozenset(v) for r, v in roles.items()}, tuple(decimal_places))


def written_decimals(problem) -> frozenset:
    """The rationals a problem shows as decimals in some role (see :func:`written_inputs`).

    >>> import gmmexact
    >>> sorted(written_decimals(gmmexact.load("examples/seed/problem.toml")))
    [Fraction(1, 2)]
    """
    return written_inputs(problem).decimals


def _places(problem) -> dict:
    """Every input number of ``problem`` by its place."""
    out = {}
    for i, x in enumerate(problem.points):
        for j, v in enumerate(x):
            out["point", i, j] = Fraction(v)
    for c, comp in enumerate(problem.components):
        for j, v in enumerate(comp.mean):
            out["mean", c, j] = Fraction(v)
        for i, row in enumerate(comp.covariance):
            for j, v in enumerate(row):
                out["cov", c, i, j] = Fraction(v)
        out["weight", c] = Fraction(comp.weight)
    return out


def _unwritten(q: Fraction) -> tuple[str, bool]:
    """A number without a written form: (its LaTeX, whether that is a decimal)."""
    if q.denominator == 1:
        return latex_fraction(q), False
    if terminating(q):
        text = decimal_text(q)
        if len(text.lstrip("-0.").replace(".", "")) <= SHORT_DECIMAL:
            return text, True
    return latex_fraction(q), False


_DECIMAL_TEXT = re.compile(r"\s*([-+]?)([0-9]*\.?[0-9]+|[0-9]+\.)(?:[eE]([-+]?[0-9]+))?\s*")
_FRACTION_TEXT = re.compile(r"\s*([-+]?)\s*([0-9]+)\s*/\s*([0-9]+)\s*")
_MAX_TEXT = 200  # longer written numbers are shown by value (their digits are all shown anyway)


def _number_text(raw) -> tuple[Fraction, str, bool] | None:
    """A number as the file writes it: (value, LaTeX, written as a decimal), or None when it is not
    one of the forms kept (an integer, a decimal, a fraction a/b)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        try:
            return Fraction(raw), latex_int(raw), False
        except ValueError:
            return None
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            return None
        raw = str(raw)
    if not isinstance(raw, str) or len(raw) > _MAX_TEXT:
        return None
    m = _DECIMAL_TEXT.fullmatch(raw)
    if m:
        sign, body, exponent = ("-" if m[1] == "-" else ""), m[2], m[3]
        if body.startswith("."):
            body = "0" + body
        if body.endswith("."):
            body = body[:-1]
        value = Fraction(Decimal(sign + body + (f"e{exponent}" if exponent else "")))
        text = sign + body + (rf" \times 10^{{{exponent_text(exponent)}}}" if exponent else "")
        return value, text, "." in body or bool(exponent)
    m = _FRACTION_TEXT.fullmatch(raw)
    if m and int(m[3]) != 0:
        sign = "-" if m[1] == "-" else ""
        value = Fraction(int(m[2]), int(m[3])) * (-1 if sign else 1)
        return value, rf"{sign}\frac{{{m[2]}}}{{{m[3]}}}", False
    return None


def _file_texts(problem) -> dict:
    """The numbers of the problem's source file by place: ``{place: (value, LaTeX, decimal)}`` (empty
    when the source is no readable TOML file)."""
    path = Path(str(problem.source))
    try:
        if not path.is_file():
            return {}
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"), parse_float=Decimal)
    except (OSError, ValueError, RecursionError):
        return {}
    out = {}

    def put(place, raw):
        got = _number_text(raw)
        if got is not None:
            out[place] = got

    def rows(raw) -> list:
        return raw if isinstance(raw, list) else []

    d = problem.d
    points = rows((data.get("data") or {}).get("points") if isinstance(data.get("data"), dict) else None)
    for i, x in enumerate(points):
        for j, v in enumerate(x if isinstance(x, list) else [x]):
            put(("point", i, j), v)
    shared = data.get("covariance")
    for c, comp in enumerate(rows(data.get("components"))):
        if not isinstance(comp, dict):
            continue
        mean = comp.get("mean")
        for j, v in enumerate(mean if isinstance(mean, list) else [mean]):
            put(("mean", c, j), v)
        cov = comp.get("covariance", shared)
        if not isinstance(cov, list):
            cov = [[cov]]
        elif d == 1 and cov and not isinstance(cov[0], list):
            cov = [cov]
        for i, row in enumerate(cov):
            for j, v in enumerate(row if isinstance(row, list) else [row]):
                put(("cov", c, i, j), v)
        put(("weight", c), comp.get("weight"))
    return out


def uses(problem, key: Key) -> list[tuple]:
    """The input numbers the forms of ``key``'s step put in, as groups of places (``("point", i)``,
    ``("mean", c)``, ``("cov", c)``, ``("weight", c)``): the covariance of a component's determinant,
    inverse and normalising constant; the point and mean of a quadratic form; the weight of a joint
    probability; every weight in an evidence, responsibility and log-likelihood; the data in the M-step
    (the point of a deviation and its outer product).

    >>> import gmmexact
    >>> p = gmmexact.load("examples/seed/problem.toml")
    >>> uses(p, Key.parse("joint.A.men")), uses(p, Key.parse("quad.B.women"))
    ([('weight', 1)], [('point', 1), ('mean', 0)])
    """
    kind = key.kind
    ci = problem.component_index.get(key.component) if key.component is not None else None
    pi = problem.point_index.get(key.point) if key.point is not None else None
    if kind in ("det", "inv", "norm"):
        return [("cov", ci)]
    if kind == "quad":
        return [("point", pi), ("mean", ci)]
    if kind == "joint":
        return [("weight", ci)]
    if kind in ("evidence", "resp", "loglik"):
        return [("weight", c) for c in range(problem.K)]
    if kind in ("mean", "cov"):
        return [("point", i) for i in range(problem.n)]
    if kind in ("dev", "outer"):
        return [("point", pi)]
    return []


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
