"""The problem a document works, read from the document itself: the data table and the starting
parameters (a table with a row per component, or equations such as ``\\mu_{women} = [162, 57]``
before the first E-step), shown back to the user and writable as TOML.

Every number is taken as written (``0.5`` is 1/2). What cannot be found is an
:class:`~gmmexact.model.errors.InputError` that says what was looked for and where it could be.

Known gaps: data written as one vector equation per point (``A = [160, 55]``) are read only when
no data table exists; starting parameters given in prose are not read.

>>> from gmmexact.documents import read_document
>>> problem, sources = problem_from_document(read_document("examples/seed/homework.md"))
>>> problem.labels, problem.variables, problem.component_names
(('A', 'B', 'C', 'D', 'E', 'F'), ('height', 'weight'), ('women', 'men'))
>>> print(sources[0])
data: the table at line 12 (6 points, variables height, weight)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import limits
from ..model.errors import InputError
from ..model.exactnum import active_limits, fixed_limits, format_exact, int_text, shorten
from ..model.problem import Problem, from_dict
from .names import POINT_WORDS, parameter_kind, plain
from .source import Document, Heading, Math, Table
from .statements import Array, Atom, Number, cell_value, past_limits, statements

__all__ = ["problem_from_document", "problem_toml", "ProblemSource"]

_ESTEP_WORDS = ("e-step", "e step", "expectation", "responsibilit", "density", "densities", "gaussian density")


@dataclass(frozen=True)
class ProblemSource:
    """Where a part of the problem was read: ``"data"`` or a component, and the place."""

    part: str
    where: str

    def __str__(self) -> str:
        return f"{self.part}: {self.where}"


def _number_text(value) -> str | None:
    if isinstance(value, Number):
        w = value.parse()
        return None if w is None else value.written.replace(" ", "")
    return None


def _data_table(document: Document):
    for block in document.blocks:
        if not isinstance(block, Table) or not block.rows:
            continue
        if len(block.rows) > active_limits().points:  # a table of the data has a row per point
            raise limits.exceeded(document.path, f"the table at line {block.span.line}", "rows", len(block.rows),
                                  "points")
        header = [plain(c.text).strip("$") for c in block.header]
        label_col = next((i for i, h in enumerate(header) if h.lower() in POINT_WORDS), None)
        numeric = []
        for i in range(len(header)):
            if i == label_col:
                continue
            values = [cell_value(row[i]) if i < len(row) else None for row in block.rows]
            column = [_number_text(v) for v in values]
            if column and all(x is not None for x in column):
                numeric.append((i, column))
            for r, v in enumerate(values):
                if isinstance(v, Number) and (why := past_limits(v.written)):
                    raise InputError(document.path, f"the table at line {block.span.line}, row {r + 1}, column "
                                     f"{shorten(header[i], 40)!r}", f"{shorten(v.written)}: {why}",
                                     "data of a size exact arithmetic can use")
        if label_col is None and numeric and numeric[0][0] != 0:
            first = [plain(row[0].text) for row in block.rows if row]
            if all(first) and len(set(first)) == len(first):
                label_col = 0
        if label_col is None or not numeric:
            continue
        labels = [plain(row[label_col].text) for row in block.rows]
        if not all(labels):
            continue
        return block, labels, [header[i].lower() for i, _ in numeric], [list(r) for r in zip(*(c for _, c in numeric))]
    return None


def _fraction_text(text: str) -> str | None:
    """A cell written as a fraction, ``1/2`` or ``$1/2$``, as that fraction's text."""
    t = text.strip().strip("$").replace(" ", "")
    num, sep, den = t.partition("/")
    return t if sep and re.fullmatch(r"-?[0-9]+", num) and re.fullmatch(r"[0-9]*[1-9][0-9]*", den) else None


def _array_text(value):
    if isinstance(value, Number):
        return _number_text(value)
    if isinstance(value, Array):
        rows = [[None if n is None else _number_text(n) for n in row] for row in value.rows]
        if any(x is None for row in rows for x in row):
            return None
        if value.kind == "column":
            return [r[0] for r in rows]
        if value.kind == "row":
            return rows[0]
        return rows
    return None


def _start_parameters(document: Document, data_table) -> tuple[dict, dict]:
    """{component: {"mean": …, "covariance": …, "weight": …}} and where each came from, from the
    blocks before the first E-step heading."""
    found: dict[str, dict] = {}
    where: dict[str, str] = {}
    for block in document.blocks:
        if isinstance(block, Heading) and any(w in block.title.lower() for w in _ESTEP_WORDS):
            break
        if isinstance(block, Table) and block is not data_table:
            kinds = [parameter_kind(plain(c.text).lower()) for c in block.header]
            if sum(k is not None for k in kinds) < 2:
                continue
            for row in block.rows:
                name = plain(row[0].text) if row else ""
                if not name:
                    continue
                entry = found.setdefault(name, {})
                for i, kind in enumerate(kinds):
                    if kind is None or i >= len(row):
                        continue
                    value = _array_text(cell_value(row[i])) or _fraction_text(row[i].text)
                    if value is not None:
                        entry.setdefault({"cov": "covariance"}.get(kind, kind), value)
                where.setdefault(name, f"the table at line {block.span.line}")
        elif isinstance(block, Math):
            for st in statements(block):
                if len(st.sides) < 2 or st.relations[0] != "=" or not st.sides[0].tokens:
                    continue
                atom = st.sides[0].tokens[0]
                if not isinstance(atom, Atom) or len(st.sides[0].tokens) != 1 or atom.sub is None:
                    continue
                kind = {"mu": "mean", "u": "mean", "Sigma": "covariance", "pi": "weight"}.get(atom.name)
                if kind is None or (atom.name == "Sigma" and atom.sup):
                    continue
                value = _array_text(st.sides[-1].value)
                if value is None:
                    continue
                name = plain(atom.sub)
                found.setdefault(name, {}).setdefault(kind, value)
                where.setdefault(name, f"the equations from line {block.span.line}")
    return found, where


def problem_from_document(document: Document) -> tuple[Problem, list[ProblemSource]]:
    """Read the data and the starting mixture from ``document``.

    Returns
    -------
    (Problem, list of ProblemSource)
        The problem, and where its data and each component were read.

    Raises
    ------
    InputError
        When no data table or no complete starting component is found (the message says what
        the reader looked for, and that a problem file can be given instead).
    """
    with fixed_limits():
        return _problem_from_document(document)


def _problem_from_document(document: Document) -> tuple[Problem, list[ProblemSource]]:
    src = document.path or "<document>"
    table = _data_table(document)
    if table is None:
        raise InputError(src, None, "has no data table that could be read",
                         "a table with a column of point labels (Person, Point, …) and one numeric column per "
                         "variable; or give the problem file: gmmexact check problem.toml DOCUMENT")
    block, labels, variables, points = table
    params, where = _start_parameters(document, block)
    complete = {name: p for name, p in params.items() if {"mean", "covariance", "weight"} <= set(p)}
    if not complete:
        partial = shorten(", ".join(f"{n} ({', '.join(sorted(p))})" for n, p in params.items()), 200) or "none"
        raise InputError(src, None, f"has no complete starting component before the first E-step (found: {partial})",
                         "a table with a row per component and columns μ (mean), Σ (covariance), π (weight), or "
                         "equations μ_c = [..], Σ_c = [[..]], π_c = .. under a heading such as 'Initial "
                         "parameters'; or give the problem file: gmmexact check problem.toml DOCUMENT")
    data = {"data": {"points": points, "labels": labels, "variables": variables},
            "components": [{"name": name, **p} for name, p in complete.items()]}
    problem = from_dict(data, source=src)
    sources = [ProblemSource("data", f"the table at line {block.span.line} ({len(labels)} points, variables "
                                     f"{', '.join(variables)})")]
    sources += [ProblemSource(name, where[name]) for name in complete]
    return problem, sources


def _terminating(q, max_digits: int = 30) -> str | None:
    """``q`` as an exact decimal (``0.5``) when its expansion ends within ``max_digits`` places."""
    den, k2, k5 = q.denominator, 0, 0
    while den % 2 == 0:
        den, k2 = den // 2, k2 + 1
    while den % 5 == 0:
        den, k5 = den // 5, k5 + 1
    places = max(k2, k5)
    if den != 1 or places > max_digits:
        return None
    digits = int_text(abs(q.numerator) * 10**places // q.denominator).rjust(places + 1, "0")
    return ("-" if q < 0 else "") + digits[:-places] + "." + digits[-places:]


def problem_toml(problem: Problem, sources: list[ProblemSource] | None = None) -> str:
    """The problem as a TOML problem file (numbers exactly as the problem holds them).

    >>> from gmmexact.model.problem import load, from_dict
    >>> import tomllib, decimal
    >>> p = load("examples/seed/problem.toml")
    >>> q = from_dict(tomllib.loads(problem_toml(p), parse_float=decimal.Decimal))
    >>> (q.points, q.labels, q.variables, q.components) == (p.points, p.labels, p.variables, p.components)
    True
    """
    def num(q) -> str:
        if q.denominator == 1:
            return int_text(q.numerator)
        decimal = _terminating(q)
        return decimal if decimal is not None else f'"{format_exact(q)}"'

    def vec(v) -> str:
        return "[" + ", ".join(num(x) for x in v) + "]"

    def text(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["# The problem as read from the document: check it, correct it if needed, then",
             "# gmmexact check THIS_FILE DOCUMENT"]
    lines += [f"# {s}" for s in sources or ()]
    lines += ["", "[data]", f"variables = [{', '.join(text(v) for v in problem.variables)}]",
              f"labels = [{', '.join(text(x) for x in problem.labels)}]",
              f"points = [{', '.join(vec(p) for p in problem.points)}]"]
    for c in problem.components:
        lines += ["", "[[components]]", f"name = {text(c.name)}", f"mean = {vec(c.mean)}",
                  f"covariance = [{', '.join(vec(r) for r in c.covariance)}]", f"weight = {num(c.weight)}"]
    return "\n".join(lines) + "\n"
