"""The content of a solved run as plain data, ready for any renderer (text, JSON, Markdown).

Building a report is where the certified digits and the exact forms are produced; renderers only
format these records and never compute.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..model.exactnum import format_exact, int_text
from ..model.version import __version__
from ..numerics.certify import Undecided
from ..numerics.certify import summary as certify_summary
from ..model.keys import KINDS, Key
from .textbook import TermOrder, exact_decimal, signed_matrix_sum
from ..numerics.run import Run
from ..engine.lookup import entry_keys, shape_entries
from .mathjax import WebNotation, web_latex


@dataclass(frozen=True)
class QuantityRecord:
    key: str
    kind: str
    iteration: int
    point: str | None
    component: str | None
    shape: str
    description: str
    exact: str | None  # SymPy-parsable (with `symbols` naming earlier quantities); None if not asked for
    symbols: dict  # safe identifier -> key, for definitions over earlier quantities
    formula: str  # the general formula (LaTeX)
    definition: str | None  # over earlier quantities (SymPy string, same `symbols` convention)
    substituted: str | None  # the definition with small input values put in (SymPy string)
    latex: str
    decimal: object  # str, or nested lists of str; None entries where undecided
    rational: bool
    notes: tuple[str, ...] = ()
    symbol: str = ""  # the quantity's textbook name (MathJax LaTeX), when ``latex``
    latex_definition: str = ""  # the definition over earlier quantities (MathJax LaTeX), when ``latex``
    closed: bool = False  # ``exact`` is a closed form (names no earlier quantity)


@dataclass(frozen=True)
class SolveReport:
    """What ``gmmexact solve`` shows of a run, as plain data: certified decimals, exact forms and findings.

    Made by :func:`build_report`; the text, Markdown and JSON renderings only format it.
    :meth:`as_dict` is the JSON document of ``solve --format json`` (see ``docs/formats.md``).

    Attributes
    ----------
    source : str
        The problem's source.
    digits : int
        The certified significant digits.
    backend : str
        ``"arb"`` or ``"mpmath"``.
    requested : int
        The iterations asked for.
    computed : int
        The iterations computed (fewer when a step became undefined).
    variables : tuple of str
        The problem's variable names.
    labels : tuple of str
        The problem's point labels.
    components : tuple of str
        The problem's component names.
    points_shown : tuple of str
        The labels of the points whose quantities are in the report.
    quantities : tuple of QuantityRecord
        One record per quantity, in the order of a worked solution.
    diagnostics : tuple of dict
        The run's findings (and undecided values), as JSON records.
    version : str
        The gmmexact version that made it.
    """

    source: str
    digits: int
    backend: str
    requested: int
    computed: int
    variables: tuple[str, ...]
    labels: tuple[str, ...]
    components: tuple[str, ...]
    points_shown: tuple[str, ...]
    quantities: tuple[QuantityRecord, ...]
    diagnostics: tuple[dict, ...]
    version: str = __version__

    def as_dict(self) -> dict:
        """The JSON document: ``gmmexact``, ``problem``, ``digits``, ``backend``, ``iterations``,
        ``quantities``, ``diagnostics``."""
        return {
            "gmmexact": self.version,
            "problem": self.source,
            "digits": self.digits,
            "backend": self.backend,
            "iterations": {"requested": self.requested, "computed": self.computed},
            "quantities": [
                {"key": q.key, "kind": q.kind, "iteration": q.iteration, "point": q.point, "component": q.component,
                 "shape": q.shape, "formula": q.formula, "definition": q.definition, "substituted": q.substituted,
                 "exact": q.exact, **({"symbols": q.symbols} if q.symbols else {}),
                 "decimal": q.decimal, "digits": self.digits, "rational": q.rational,
                 **({"notes": list(q.notes)} if q.notes else {})}
                for q in self.quantities
            ],
            "diagnostics": list(self.diagnostics),
        }


class _OneLinePrinter(StrPrinter):
    """SymPy's str printer, but explicit matrices on one line inside larger expressions, and integers
    of any size (SymPy's own printer stops at Python's 4,300-digit limit)."""

    def _print_Integer(self, expr):
        return int_text(expr.p)

    def _print_Rational(self, expr):
        return int_text(expr.p) if expr.q == 1 else f"{int_text(expr.p)}/{int_text(expr.q)}"

    def _print_MatrixBase(self, expr):
        return f"Matrix({self._print(expr.tolist())})"

    _print_MutableDenseMatrix = _print_ImmutableDenseMatrix = _print_MatrixBase

    def _print_MatAdd(self, expr):
        # explicit matrices first, as a worked solution writes x_p − μ_c; "a - b", not "(-1)*b + a"
        return signed_matrix_sum(sorted(expr.args, key=lambda t: not isinstance(t, sp.MatrixBase)), self._print)

    def _print_MatMul(self, expr):
        # SymPy's version asks each product whether it can extract a minus sign, which evaluates
        # the matrix product: slow, and not needed for a faithful string.
        return "*".join(self.parenthesize(a, PRECEDENCE["Mul"]) for a in expr.args)


INDEXED = {
    "resp": "resp[p, c] is resp.<label of point p>.<name of component c>",
    "evidence": "evidence[p] is evidence.<label of point p>",
    "x": "x[p, i] is coordinate i of point p",
}
"""Indexed bases in Σ-notation definitions; p, c and i count from 0 in the problem file's order."""


def sympy_text(expr) -> tuple[str, dict]:
    """A SymPy-parsable string for ``expr``, and what its non-SymPy names stand for.

    Symbols named by keys become safe identifiers, mapped to ``{"key": …}`` (plus ``"shape"`` for
    vector and matrix quantities); indexed bases of Σ-notation definitions map to ``{"indexed": …}``.
    :func:`parse_exact` turns both back into SymPy.

    >>> sympy_text(sp.Symbol("resp.A.women") / 2)
    ('resp_A_women/2', {'resp_A_women': {'key': 'resp.A.women'}})
    """
    if not hasattr(expr, "atoms"):
        return (format_exact(expr) if isinstance(expr, (int, Fraction)) else str(expr)), {}
    atoms = {a.name: a for a in expr.atoms(sp.Symbol, sp.MatrixSymbol)}
    mapping, repl = {}, {}
    for name in sorted(atoms):
        atom = atoms[name]
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            continue
        safe = re.sub(r"\W", "_", name)
        while safe in mapping or safe in atoms:
            safe += "_"
        if isinstance(atom, sp.MatrixSymbol):
            mapping[safe] = {"key": name, "shape": [int(atom.shape[0]), int(atom.shape[1])]}
            repl[atom] = sp.MatrixSymbol(safe, *atom.shape)
        else:
            mapping[safe] = {"key": name}
            repl[atom] = sp.Symbol(safe)
    for base in sorted(expr.atoms(sp.IndexedBase), key=str):  # a set: sorted, so the JSON is the same every run
        mapping[str(base.label)] = {"indexed": INDEXED.get(str(base.label), str(base.label))}
    return _OneLinePrinter({"order": "none"}).doprint(expr.xreplace(repl) if repl else expr), mapping


def parse_exact(text: str, symbols: dict | None = None):
    """Parse an ``exact`` (or ``definition``/``substituted``) string of the JSON output back to SymPy.

    >>> parse_exact("exp_A_women/norm_women", {"exp_A_women": {"key": "exp.A.women"}, "norm_women": {"key": "norm.women"}})
    exp_A_women/norm_women
    >>> parse_exact("Sum(resp[p, 0], (p, 0, 9))", {"resp": {"indexed": "…"}})
    Sum(resp[p, 0], (p, 0, 9))
    """
    local = {}
    for name, meaning in (symbols or {}).items():
        if "indexed" in meaning:
            local[name] = sp.IndexedBase(name)
        elif "shape" in meaning:
            local[name] = sp.MatrixSymbol(name, *meaning["shape"])
        else:
            local[name] = sp.Symbol(name)
    local.setdefault("p", sp.Symbol("p", integer=True))
    return sp.sympify(text, locals=local)


def _fraction_text(q) -> str:
    return format_exact(q)


_COV_TEXT = {
    "full": "new covariance Σ_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ / {m}",
    "tied": "new tied covariance Σ = Σ_c Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ / {n} (the same matrix for every c)",
    "diag": "new diagonal covariance: the variances Σ_p r_pc (x_pi − μ_ci)² / {m} on the diagonal, 0 elsewhere",
    "spherical": "new spherical covariance σ_c²·I with σ_c² = Σ_p r_pc ‖x_p − μ_c‖² / (d·{m})",
}
_COV_OFFSET_TEXT = {
    "full": "new covariance Σ_c = W_c / (m_c + o), W_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ",
    "tied": "new tied covariance Σ = Σ_c (W_c + o·μ_c μ_cᵀ) / (n + K·o), W_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ "
            "(the same matrix for every c)",
    "diag": "new diagonal covariance diag((W_c + o·μ_c μ_cᵀ) / (m_c + o)), W_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ",
    "spherical": "new spherical covariance tr(W_c + o·μ_c μ_cᵀ) / (d·(m_c + o)) · I, "
                 "W_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ",
}


def describe(kind: str, problem) -> str:
    """What a quantity of ``kind`` is in ``problem``'s model: its covariance type, fixed parameters,
    ``count_offset`` o and ``reg_covar`` λ (``keys.KINDS`` holds the description for every model).

    >>> from dataclasses import replace
    >>> from fractions import Fraction
    >>> from gmmexact.model.problem import load
    >>> seed = load("examples/seed/problem.toml")
    >>> describe("cov", seed)
    'new covariance Σ_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ / m_c'
    >>> describe("cov", replace(seed, covariance_type="spherical", reg_covar=Fraction(1, 10**6)))
    'new spherical covariance σ_c²·I with σ_c² = Σ_p r_pc ‖x_p − μ_c‖² / (d·m_c), plus λ·I with λ = 1/1000000'
    >>> describe("det", replace(seed, covariance_type="tied")), describe("weight", replace(seed, fixed={"weight"}))
    ('|Σ|, determinant of the tied covariance (the same for every c)', 'π_c, held fixed: the starting weight')
    """
    cov_type, fixed, o, reg = problem.covariance_type, problem.fixed, problem.count_offset, problem.reg_covar
    offset = f", with count_offset o = {_fraction_text(o)}" if o else ""
    if kind == "det":
        return {"full": "|Σ_c|, determinant of the covariance",
                "tied": "|Σ|, determinant of the tied covariance (the same for every c)",
                "diag": "|Σ_c|, determinant of the diagonal covariance: the product of the variances",
                "spherical": "|Σ_c| = (σ_c²)^d, determinant of the spherical covariance σ_c²·I"}[cov_type]
    if kind == "inv":
        return {"full": "Σ_c⁻¹, inverse covariance (precision)",
                "tied": "Σ⁻¹, inverse of the tied covariance (the same for every c)",
                "diag": "Σ_c⁻¹, inverse of the diagonal covariance: the reciprocal variances on the diagonal",
                "spherical": "Σ_c⁻¹ = I/σ_c², inverse of the spherical covariance"}[cov_type]
    if kind == "count":
        return "m_c = Σ_p r_pc" + (" (before the count_offset is added)" if o else "")
    if kind == "weight":
        if "weight" in fixed:
            return "π_c, held fixed: the starting weight"
        return ("new mixing weight π_c = m_c / n" if not o else "new mixing weight π_c = (m_c + o) / (n + K·o)") + offset
    if kind == "mean":
        if "mean" in fixed:
            return "μ_c, held fixed: the starting mean"
        return ("new mean μ_c = Σ_p r_pc x_p / m_c" if not o else "new mean μ_c = Σ_p r_pc x_p / (m_c + o)") + offset
    if kind == "cov":
        if "covariance" in fixed:
            return "Σ_c, held fixed: the starting covariance"
        text = (_COV_OFFSET_TEXT[cov_type] if o else _COV_TEXT[cov_type].format(m="m_c", n="n")) + offset
        return text + (f", plus λ·I with λ = {_fraction_text(reg)}" if reg else "")
    if kind in ("joint", "evidence", "resp", "density", "norm", "quad") and cov_type == "tied":
        return KINDS[kind][2] + " (Σ_c = Σ, the tied covariance)"
    return KINDS[kind][2]


def decimal_text(value, exact: bool = False) -> str:
    """One line for a record's ``decimal``: nested lists in brackets, ``undecided`` for ``None``; with
    ``exact`` (every entry proven equal to its value) without padding zeros.

    >>> decimal_text([["1.00", None], ["0", "2.50"]]), decimal_text([["0.25"]]), decimal_text("100.000", exact=True)
    ('[[1.00, undecided], [0, 2.50]]', '0.25', '100')
    """
    if value is None:
        return "undecided"
    if isinstance(value, list):
        if len(value) == 1:  # d = 1: a 1-vector or 1×1 matrix reads as the number it is
            return decimal_text(value[0], exact)
        return "[" + ", ".join(decimal_text(v, exact) for v in value) + "]"
    return exact_decimal(value) if exact else value


def is_exact(q: "QuantityRecord") -> bool:
    """Whether every decimal of the record is proven equal to its value."""
    return any(n.startswith("exact:") for n in q.notes)


def _names_quantities(expr) -> bool:
    """Whether a form refers to other quantities (symbols or indexed bases) rather than only numbers."""
    return bool(hasattr(expr, "atoms") and expr.atoms(sp.Symbol, sp.MatrixSymbol, sp.Indexed))


def _decimal(value):
    if isinstance(value, tuple):
        return [_decimal(v) for v in value]
    return None if isinstance(value, Undecided) else str(value)


def _notes(values, key: str) -> list[str]:
    flat = list(flatten_entries(values))
    notes = []
    if any(isinstance(v, Undecided) for v in flat):
        notes.append(f"{key}: not decided to the digits asked: " + "; ".join(str(v) for v in flat if isinstance(v, Undecided)))
    if flat and all(getattr(v, "exact", False) for v in flat):
        notes.append("exact: the decimal shown is the exact value")
    if any(getattr(v, "tie", False) for v in flat):
        notes.append("the exact value lies on a rounding boundary; rounded half to even")
    return notes


def flatten_entries(x):
    if isinstance(x, tuple):
        for v in x:
            yield from flatten_entries(v)
    else:
        yield x


def input_order(run: Run, key: Key, order: TermOrder | None = None) -> TermOrder:
    """``order`` (default: the problem's) placing also the terms of ``key``'s exact form that hold its
    inputs' exact forms (two levels: the joints inside an evidence inside a log-likelihood).

    >>> import gmmexact, sympy as sp
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> input_order(run, Key.parse("evidence.A"))(sp.exp(-sp.Rational(125, 2)) / (40 * sp.pi))
    (1, 0, 1)
    """
    order = order or TermOrder.of(run.problem)
    inputs = list(run[key].inputs)
    return order.with_inputs({k: run[k].exact for k in inputs + [k for i in inputs for k in run[i].inputs]})


def build_report(run: Run, digits: int = 6, points=None, max_points: int | None = None,
                 kinds=None, latex: bool = False, forms: str = "all") -> SolveReport:
    """Certify and collect everything a renderer shows for ``run``.

    ``forms``: ``"all"`` (exact value, definition and substituted rendering), ``"exact"`` (the exact
    value only) or ``"none"`` (certified decimals only: no SymPy per quantity, for many points).
    With ``latex``, the textbook LaTeX (for MathJax: Markdown, Jupyter) of each quantity's name, exact
    value and (``forms="all"``) definition, in the problem's own names.
    """
    labels = list(run.problem.labels if points is None else points)
    if max_points is not None:
        labels = labels[:max_points]
    keys = run.keys(points=labels, kinds=kinds or KINDS)
    rounded = run.round(keys, digits)
    notation = WebNotation.of(run.problem, multi=run.iterations > 1)
    order = TermOrder.of(run.problem)
    records = []
    for key in keys:
        q = run[key]
        entries = entry_keys(key, run.problem.d)
        values = shape_entries([rounded[e] for e in entries], key, run.problem.d)
        text = definition = substituted = None
        symbols: dict = {}
        if forms in ("all", "exact"):
            exact = q.exact
            text, symbols = sympy_text(exact)
        if forms == "all":
            definition, more = sympy_text(q.definition)
            substituted, more2 = sympy_text(q.substituted)
            symbols = {**more, **more2, **symbols}
        records.append(QuantityRecord(
            key=str(key), kind=key.kind, iteration=key.iteration, point=key.point, component=key.component,
            shape=key.shape, description=describe(key.kind, run.problem), exact=text, symbols=symbols,
            formula=q.formula, definition=definition, substituted=substituted,
            latex=web_latex(exact, notation, input_order(run, key, order)) if latex and text is not None else "",
            decimal=_decimal(values),
            rational=q.value is not None, notes=tuple(_notes(values, str(key))),
            symbol=notation.name(key) if latex else "",
            latex_definition=web_latex(q.definition, notation, order) if latex and forms == "all" else "",
            closed=text is not None and not _names_quantities(exact)))
    diagnostics = [f.as_dict() for f in run.diagnostics]
    undecided = [str(k) for k, v in rounded.items() if isinstance(v, Undecided)]
    if undecided:
        shown = ", ".join(undecided[:6]) + (f" and {len(undecided) - 6} more" if len(undecided) > 6 else "")
        causes = {v.cause for v in rounded.values() if isinstance(v, Undecided)}
        advice = []
        if "collapse" in causes:
            advice += ["regularise the covariances (add λ·I, like scikit-learn's reg_covar)",
                       "use fewer components or fewer iterations"]
        if "boundary" in causes:
            advice.append("ask for fewer digits, or check the value by an identity (symmetry, a tie) that holds "
                          "exactly; after iteration 1 no decision procedure exists")
        if "cost" in causes:
            advice.append("allow the higher precision with --force (its cost is in the message)")
        advice = advice or ["ask for fewer digits"]
        diagnostics.append({
            "kind": "undecided", "key": undecided[0], "count": len(undecided),
            "message": f"{certify_summary(rounded.values(), digits)} Values: {shown}. Their proven bounds, at the "
                       "precision reached, are shown instead of digits.",
            "advice": advice})
    return SolveReport(
        source=run.problem.source, digits=digits, backend=run.backend.name, requested=run.plan.requested,
        computed=run.iterations, variables=run.problem.variables, labels=run.problem.labels,
        components=run.problem.component_names, points_shown=tuple(labels), quantities=tuple(records),
        diagnostics=tuple(diagnostics))
