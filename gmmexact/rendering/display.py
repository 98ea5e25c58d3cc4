"""Jupyter display: a solved quantity, an iteration and a run as HTML, Markdown and LaTeX.

The values' ``_repr_html_``/``_repr_markdown_``/``_repr_latex_`` ask :mod:`gmmexact.model.displayhook`,
and this module registers the functions that answer (at the end of the file), so the numerics layer
never imports a renderer. A check report's HTML is drawn by :mod:`gmmexact.checking.display`.

Two layers, as with ``report.py`` and its renderers. The views (:class:`StepView`,
:class:`IterationView`, :class:`RunView`, frozen) collect what is shown through the certified API
(``Quantity.rounded``, ``Run.round``, ``report.build_report``) and SymPy's printer; the
``*_html``/``*_markdown``/``*_latex`` functions only format a view and compute nothing. Quantities
inside formulas are written by their keys (``\\mathtt{exp.A.women}``), which is what ``run[...]``
takes. Every user-supplied name is escaped for HTML and for LaTeX.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from fractions import Fraction

import sympy as sp
from sympy.printing.latex import LatexPrinter

from ..engine.forms import general_formula
from ..model.keys import E_STEP_KINDS, Key
from ..model.displayhook import register
from ..numerics.rounding import Rounded, round_fraction
from ..numerics.run import Iteration, Quantity, Run
from .markdown import markdown_code, markdown_text
from .text import visible_controls
from .textbook import TermOrder, exact_decimal, exponent_text, shown_path
from .report import flatten_entries, is_exact
from .mathjax import KeyNotation, WebPrinter, table_math

MAX_LATEX = 1500  # longer forms are left out of the display (``Quantity.exact`` etc. still hold them)
MAX_POINTS = 12  # points shown in an iteration's tables unless asked otherwise


# --- small formatting helpers ----------------------------------------------------------------------

_LATEX_SPECIAL = {"\\": r"\backslash ", "_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#", "$": r"\$",
                  "{": r"\{", "}": r"\}", "~": r"\sim ", "^": r"\hat{}", "<": r"\lt ", ">": r"\gt ",
                  " ": r"\ "}


def latex_text(text: str) -> str:
    r"""A user-supplied name as LaTeX math material (inside ``\mathtt{}``/``\text{}``), specials escaped
    (``<`` and ``>`` as MathJax's ``\lt`` and ``\gt``: a notebook that inserts LaTeX output as HTML
    never sees a tag), control characters left out.

    >>> latex_text("a_b&50%#1$x{y}<b> c")
    'a\\_b\\&50\\%\\#1\\$x\\{y\\}\\lt b\\gt \\ c'
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text if ch.isprintable())


def key_latex(name: str) -> str:
    r"""A quantity key as it appears inside formulas.

    >>> key_latex("density.A.women"), key_latex("a_b")
    ('\\mathtt{density.A.women}', '\\mathtt{a\\_b}')
    """
    return rf"\mathtt{{{latex_text(name)}}}"


class _KeyPrinter(LatexPrinter):
    """SymPy's LaTeX printer with a transpose written ``^{\top}``, as the LaTeX documents write it."""

    def _print_Transpose(self, expr):
        out = super()._print_Transpose(expr)
        return out[:-len("^{T}")] + r"^{\top}" if out.endswith("^{T}") else out


def latex_form(expr, notation=None, term_order=None) -> str:
    r"""LaTeX of a form, with the symbols that stand for quantities written as their keys: with a
    :class:`~gmmexact.rendering.mathjax.KeyNotation`, the textbook printer (exponentials in the numerator,
    sums in ``term_order``), as the Markdown report writes forms; without, SymPy's own printer.

    >>> d = sp.MatrixSymbol("dev.A.women", 2, 1)
    >>> latex_form(d * d.T)
    '\\mathtt{dev.A.women} \\mathtt{dev.A.women}^{\\top}'
    >>> from gmmexact.model.problem import load
    >>> latex_form(sp.exp(-sp.Rational(125, 2)) / (40 * sp.pi), KeyNotation.of(load("examples/seed/problem.toml")))
    '\\frac{e^{-125/2}}{40 \\pi}'
    """
    if not hasattr(expr, "atoms"):
        return latex_text(str(expr))
    if notation is not None:
        return WebPrinter(notation, term_order=term_order).doprint(expr)
    names = {s: key_latex(s.name) for s in expr.atoms(sp.Symbol, sp.MatrixSymbol)}
    return _KeyPrinter({"symbol_names": names, "mat_delim": "[", "mat_str": "matrix"}).doprint(expr)


_SCIENTIFIC = re.compile(r"^(-?[0-9.]+)e([+-][0-9]+)$")


def decimal_latex(text: str) -> str:
    r"""A certified decimal string in LaTeX: ``1.14400e-29`` becomes ``1.14400 \times 10^{-29}``.

    >>> decimal_latex("1.14400e-29"), decimal_latex("0.0106685")
    ('1.14400 \\times 10^{-29}', '0.0106685')
    """
    m = _SCIENTIFIC.match(text)
    return rf"{m[1]} \times 10^{{{exponent_text(m[2])}}}" if m else latex_text(text)


def decimal_html(text: str) -> str:
    """A certified decimal string in HTML: ``1.14400e-29`` becomes ``1.14400×10<sup>−29</sup>``.

    >>> decimal_html("1.14400e-29"), decimal_html("-2.5")
    ('1.14400×10<sup>−29</sup>', '−2.5')
    """
    m = _SCIENTIFIC.match(text)
    if m:
        return f"{m[1].replace('-', '−')}×10<sup>{exponent_text(m[2]).replace('-', '−')}</sup>"
    return html.escape(text).replace("-", "−")


def html_text(text: str) -> str:
    r"""Plain text (a name, a message) for HTML, shown as written: escaped, control characters made
    visible, and kept from the notebook's MathJax (which would typeset ``$x$`` or ``\(x\)`` in it).

    >>> html_text("<b>&"), html_text("$x$")
    ('&lt;b&gt;&amp;', '<span class="tex2jax_ignore mathjax_ignore">$x$</span>')
    """
    out = html.escape(visible_controls(text), quote=False)
    return f'<span class="tex2jax_ignore mathjax_ignore">{out}</span>' if "$" in out or "\\" in out else out


def _value_text(value) -> str:
    """A certified rounding (or an undecided enclosure) as the string the CLI prints; a value proven
    exact without padding zeros (``10``, not ``10.0000``)."""
    return exact_decimal(str(value)) if getattr(value, "exact", False) else str(value)


def _shape(values, f, vector, matrix):
    """Format a scalar, a vector (tuple) or a matrix (tuple of tuples) of decimal strings."""
    if not isinstance(values, tuple):
        return f(values)
    if values and isinstance(values[0], tuple):
        return matrix([[f(v) for v in row] for row in values])
    return vector([f(v) for v in values])


def _latex_array(values) -> str:
    return _shape(values, decimal_latex,
                  lambda v: r"\begin{bmatrix}" + r" \\ ".join(v) + r"\end{bmatrix}",
                  lambda m: r"\begin{bmatrix}" + r" \\ ".join(" & ".join(r) for r in m) + r"\end{bmatrix}")


def _html_array(values) -> str:
    cell = 'style="padding:0 0.4em;text-align:right;border:none"'
    return _shape(values, decimal_html,
                  lambda v: "[" + ", ".join(v) + "]",
                  lambda m: '<table style="display:inline-table;border-left:1px solid;border-right:1px solid;'
                            'margin:0">' + "".join("<tr>" + "".join(f"<td {cell}>{x}</td>" for x in r) + "</tr>"
                                                   for r in m) + "</table>")


def _plain_array(values) -> str:
    return _shape(values, str, lambda v: "[" + ", ".join(v) + "]",
                  lambda m: "[" + ", ".join("[" + ", ".join(r) + "]" for r in m) + "]")


def _strings(values):
    return tuple(_strings(v) for v in values) if isinstance(values, tuple) else _value_text(values)


# --- one quantity ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepView:
    """One quantity's three renderings and its certified decimal, ready to format.

    ``definition``, ``substituted`` and ``exact`` are LaTeX (``None`` when longer than
    ``MAX_LATEX`` characters, when they only repeat a line before, or, for ``substituted``, when some
    input is still a name: only values put in are shown); ``decimal`` is a certified string, or nested
    tuples of them for vectors and matrices. ``description`` is that of the problem's model
    (covariance type, fixed parameters, offset and regularisation).
    """

    key: str
    whole: str  # the whole quantity's key, whose definition an entry's view shows
    description: str
    formula: str
    definition: str | None
    substituted: str | None
    exact: str | None
    decimal: object
    is_exact: bool  # the decimal shown is the exact value
    digits: int


def step_view(quantity, digits: int = 6) -> StepView:
    """Collect a :class:`~gmmexact.numerics.run.Quantity`'s forms and certified decimal (the general formula
    that of the problem's model: covariance type, fixed parameters, offset and regularisation).

    >>> import gmmexact
    >>> view = step_view(gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))["density.A.women"])
    >>> print(view.definition, view.substituted, view.exact, view.decimal)
    \\frac{\\mathtt{exp.A.women}}{\\mathtt{norm.women}} \\frac{e^{-2/5}}{20 \\pi} None 0.0106685
    """
    from .report import describe  # noqa: PLC0415  (report imports run, which imports this lazily)

    rounded = quantity.rounded(digits)
    flat = list(flatten_entries(rounded))
    problem = quantity.run.problem
    notation = KeyNotation.of(problem, multi=quantity.run.iterations > 1)
    inputs = list(quantity.inputs)
    order = TermOrder.of(problem).with_inputs(
        {k: quantity.run[k].exact for k in inputs + [k for i in inputs for k in quantity.run[i].inputs]})
    lines, out = [], []
    for name, form in (("definition", lambda: quantity.definition), ("substituted", lambda: quantity.substituted),
                       ("exact", lambda: quantity.exact)):
        expr = form()
        text = latex_form(expr, notation, order)
        # values put in only where every input is a value: a line still naming quantities is neither
        # the definition nor the value
        partial = name == "substituted" and hasattr(expr, "atoms") and bool(
            expr.atoms(sp.Symbol, sp.MatrixSymbol, sp.Indexed))
        out.append(None if partial or len(text) > MAX_LATEX or text in lines else text)
        lines.append(text)
    return StepView(
        key=str(quantity.key), whole=str(quantity.key.whole),
        description=describe(quantity.key.kind, quantity.run.problem),
        formula=general_formula(quantity.key.kind, quantity.run.problem),
        definition=out[0], substituted=out[1], exact=out[2], decimal=_strings(rounded),
        is_exact=bool(flat) and all(isinstance(v, Rounded) and v.exact for v in flat), digits=digits)


def _step_lines(view: StepView) -> list[str]:
    name, whole = key_latex(view.key), key_latex(view.whole)
    rows = [rf"&\text{{general: }} {view.formula}"]
    first = True
    for form, of in ((view.definition, whole), (view.substituted, whole), (view.exact, name)):
        if form is not None:
            if of != name and first:  # an entry: the whole quantity's definition first
                rows.append(rf"{of} &= {form}")
                continue
            rows.append(rf"{name if first else ''} &= {form}")
            first = False
    relation = "=" if view.is_exact else r"\approx"
    rows.append(rf"{name if first else ''} &{relation} {_latex_array(view.decimal)}")
    return rows


def step_latex(view: StepView) -> str:
    r"""The step as one display-math ``aligned`` block: general formula, definition, values put in,
    exact value, certified decimal.

    >>> v = StepView("quad.A.women", "quad.A.women", "…", "q", None, r"\frac{4}{5}", None, "0.800000", True, 6)
    >>> print(step_latex(v))
    $$\begin{aligned}
    &\text{general: } q \\
    \mathtt{quad.A.women} &= \frac{4}{5} \\
     &= 0.800000
    \end{aligned}$$
    """
    return "$$\\begin{aligned}\n" + " \\\\\n".join(_step_lines(view)) + "\n\\end{aligned}$$"


def step_markdown(view: StepView) -> str:
    """The step in Markdown: a heading line, the LaTeX block, the certified decimal in words."""
    kind = "exact" if view.is_exact else f"certified, {view.digits} significant digits"
    return (f"**{markdown_code(view.key)}**: {view.description}\n\n{step_latex(view)}\n\n"
            f"{_plain_array(view.decimal)} ({kind})\n")


def step_html(view: StepView) -> str:
    """The step as a small HTML table (math typeset by the notebook's MathJax; decimals as text)."""
    rows = [("general formula", f"${html.escape(view.formula)}$")]
    for label, form in (("definition", view.definition), ("values put in", view.substituted),
                        ("exact", view.exact)):
        if form is not None:
            rows.append((label, f"${html.escape(form)}$"))
    kind = "exact" if view.is_exact else f"certified, {view.digits} digits"
    rows.append((f"decimal ({kind})", f"<code>{_html_array(view.decimal)}</code>"))
    body = "".join(f'<tr><th style="text-align:left;vertical-align:top">{label}</th>'
                   f'<td style="text-align:left">{value}</td></tr>' for label, value in rows)
    return (f'<div class="gmmexact-step"><p><code>{html_text(view.key)}</code>: '
            f"{html.escape(view.description)}</p><table>{body}</table></div>")


# --- parameters, an iteration, a run ------------------------------------------------------------------

@dataclass(frozen=True)
class Parameters:
    """One component's weight, mean and covariance as certified decimal strings."""

    name: str
    weight: str
    mean: tuple[str, ...]
    cov: tuple[tuple[str, ...], ...]


def _exact_parameters(problem, digits: int) -> tuple[Parameters, ...]:
    r = lambda q: _value_text(round_fraction(Fraction(q), digits))  # noqa: E731
    return tuple(Parameters(c.name, r(c.weight), tuple(r(v) for v in c.mean),
                            tuple(tuple(r(v) for v in row) for row in c.covariance)) for c in problem.components)


def parameters(run, t: int, digits: int = 6) -> tuple[Parameters, ...]:
    """The parameters after iteration ``t`` (``t = 0``: the problem's own), certified.

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> parameters(run, 0, 3)[0].mean, parameters(run, 1, 3)[0].mean
    (('162', '57'), ('165', '60.0'))
    """
    problem, d = run.problem, run.problem.d
    if t == 0:
        return _exact_parameters(problem, digits)
    keys = [Key(t, kind, None, c) for c in problem.component_names for kind in ("weight", "mean", "cov")]
    got = run.round(keys, digits)
    out = []
    for c in problem.component_names:
        out.append(Parameters(
            c, _value_text(got[Key(t, "weight", None, c)]),
            tuple(_value_text(got[Key(t, "mean", None, c, (i,))]) for i in range(d)),
            tuple(tuple(_value_text(got[Key(t, "cov", None, c, (i, j))]) for j in range(d)) for i in range(d))))
    return tuple(out)


@dataclass(frozen=True)
class IterationView:
    """What an iteration shows: parameters before and after, log-likelihood, responsibilities,
    findings, and every step (a :class:`~gmmexact.rendering.report.SolveReport` restricted to the iteration)."""

    source: str
    t: int
    digits: int
    variables: tuple[str, ...]
    names: tuple[str, ...]
    labels: tuple[str, ...]  # the points shown
    n: int
    before: tuple[Parameters, ...]
    after: tuple[Parameters, ...]
    loglik: str
    resp: tuple[tuple[str, ...], ...]  # shown points × components
    findings: tuple[dict, ...]
    report: object  # SolveReport


def iteration_view(run, t: int, digits: int = 6, max_points: int | None = MAX_POINTS) -> IterationView:
    """Collect iteration ``t`` of ``run`` (every certified value through ``Run.round``).

    >>> import gmmexact
    >>> view = iteration_view(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")), 1, 3)
    >>> view.loglik, view.resp[0], [f["key"] for f in view.findings]
    ('-41.7', ('1.00', '1.07e-27'), ['cov.women', 'cov.men'])
    """
    from .report import build_report  # noqa: PLC0415  (report imports run, which imports this lazily)

    if not 1 <= t <= run.iterations:
        raise KeyError(f"iteration {t} was not computed ({run.iterations} available)")
    problem = run.problem
    labels = problem.labels[:max_points] if max_points else problem.labels
    full = build_report(run, digits=digits, points=list(labels), latex=True, forms="exact")
    records = tuple(q for q in full.quantities if q.iteration == t)
    report = replace(full, quantities=records)
    by_key = {q.key: q for q in records}
    loglik = by_key[str(Key(t, "loglik"))].decimal
    resp = tuple(tuple(_value_text_record(by_key[str(Key(t, "resp", p, c))].decimal) for c in problem.component_names)
                 for p in labels)
    prefix = "" if t == 1 else f"iter{t}."
    findings = tuple(f for f in full.diagnostics
                     if f["kind"] not in ("conditioning",) and (f["key"].startswith(prefix) if prefix else
                                                                 not f["key"].startswith("iter")))
    return IterationView(
        source=problem.source, t=t, digits=digits, variables=problem.variables, names=problem.component_names,
        labels=tuple(labels), n=problem.n, before=parameters(run, t - 1, digits), after=parameters(run, t, digits),
        loglik=_value_text_record(loglik), resp=resp, findings=findings, report=report)


def _value_text_record(decimal) -> str:
    return "undecided" if decimal is None else decimal


def _parameter_rows(before, after, arrays, name=str):
    rows = []
    for b, a in zip(before, after):
        rows.append((name(b.name), f"{arrays(b.weight)} → {arrays(a.weight)}", f"{arrays(b.mean)} → {arrays(a.mean)}",
                     f"{arrays(b.cov)} → {arrays(a.cov)}"))
    return rows


def _table_html(header, rows, raw: bool = False) -> str:
    head = "".join(f"<th>{html_text(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f'<td style="text-align:left">{c if raw else html_text(c)}</td>' for c in row)
                   + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def findings_html(findings) -> str:
    if not findings:
        return ""
    items = "".join(f"<li><b>{html.escape(f['kind'])}</b> (<code>{html_text(f['key'])}</code>): "
                    f"{html_text(f['message'])}</li>" for f in findings)
    return f"<p>Findings:</p><ul>{items}</ul>"


def iteration_html(view: IterationView) -> str:
    """The iteration as HTML: parameters, log-likelihood, responsibilities, findings, every step."""
    params = _table_html(("component", "π (before → after)", "μ", "Σ"),
                         _parameter_rows(view.before, view.after, _html_array, html_text), raw=True)
    resp = _table_html(("point", *view.names),
                       [(html_text(label), *(decimal_html(r) for r in row))
                        for label, row in zip(view.labels, view.resp)],
                       raw=True)
    shown = f" (first {len(view.labels)} of {view.n} points)" if len(view.labels) < view.n else ""
    steps = []
    current = None
    for q in view.report.quantities:
        step = "E-step" if q.kind in E_STEP_KINDS else "M-step"
        if step != current:
            current = step
            steps.append(f'<tr><th colspan="3" style="text-align:left">{step}</th></tr>')
        latex = q.latex if q.latex and len(q.latex) <= MAX_LATEX else ""
        exact = f"${html.escape(latex)}$" if latex else "–"
        mark = " (exact)" if is_exact(q) else ""
        steps.append(f'<tr><td style="text-align:left"><code>{html_text(q.key)}</code></td>'
                     f'<td style="text-align:left">{exact}</td>'
                     f'<td style="text-align:right"><code>{_html_array(_tuples(q.decimal, is_exact(q)))}</code>{mark}'
                     f'</td></tr>')
    return (f'<div class="gmmexact-iteration"><h4>EM iteration {view.t} · {html_text(shown_path(view.source))}</h4>'
            f"{params}<p>Log-likelihood of the parameters before: ℓ = <code>{decimal_html(view.loglik)}</code> "
            f"({view.digits} certified digits)</p><p>Responsibilities{html.escape(shown)}:</p>{resp}"
            f"{findings_html(view.findings)}<details><summary>Every step{html.escape(shown)}</summary>"
            f"<table><thead><tr><th>quantity</th><th>exact</th><th>≈</th></tr></thead><tbody>{''.join(steps)}"
            f"</tbody></table></details></div>")


def _tuples(decimal, exact: bool = False):
    """A record's decimal (nested lists, ``None`` undecided) as the nested tuples the formatters take;
    with ``exact``, without padding zeros."""
    if isinstance(decimal, list):
        if len(decimal) == 1 and not isinstance(decimal[0], list):
            return _tuples(decimal[0], exact)
        return tuple(_tuples(v, exact) for v in decimal)
    return "undecided" if decimal is None else exact_decimal(decimal) if exact else decimal


def _md(text: str) -> str:
    """Text for a Markdown table cell."""
    return markdown_text(text)


def iteration_markdown(view: IterationView) -> str:
    """The iteration in Markdown: the same tables, exact forms as inline math."""
    lines = [f"### EM iteration {view.t} · {markdown_code(shown_path(view.source))}", "",
             "| component | π | μ | Σ |", "|---|---|---|---|"]
    lines += [f"| {_md(a)} | {b} | {c} | {d} |" for a, b, c, d in
              _parameter_rows(view.before, view.after, _plain_array)]
    shown = f" (first {len(view.labels)} of {view.n} points)" if len(view.labels) < view.n else ""
    lines += ["", f"Log-likelihood of the parameters before: ℓ = {view.loglik} ({view.digits} certified digits)", "",
              f"Responsibilities{shown}:", "", "| point | " + " | ".join(_md(n) for n in view.names) + " |",
              "|---" * (len(view.names) + 1) + "|"]
    lines += [f"| {_md(label)} | " + " | ".join(row) + " |" for label, row in zip(view.labels, view.resp)]
    lines += ["", "| quantity | exact | ≈ |", "|---|---|---|"]
    for q in view.report.quantities:
        latex = table_math(q.latex) if q.latex and len(q.latex) <= MAX_LATEX else "–"
        mark = " (exact)" if is_exact(q) else ""
        lines.append(f"| {markdown_code(q.key)} | {latex} | {_plain_array(_tuples(q.decimal, is_exact(q)))}{mark} |")
    if view.findings:
        lines += [""] + [f"- **{f['kind']}** ({markdown_code(f['key'])}): {markdown_text(f['message'])}"
                         for f in view.findings]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class RunView:
    """A run at a glance: the problem's size, the parameters after each iteration, the findings."""

    source: str
    n: int
    variables: tuple[str, ...]
    names: tuple[str, ...]
    requested: int
    computed: int
    digits: int
    states: tuple[tuple[Parameters, ...], ...]  # start, then after each computed iteration
    findings: tuple[dict, ...]


def run_view(run, digits: int = 6) -> RunView:
    """Collect a run's summary.

    >>> import gmmexact
    >>> view = run_view(gmmexact.solve(gmmexact.load("examples/seed/problem.toml"), iterations=2), 3)
    >>> view.computed, view.requested, view.states[-1][1].mean, [f["kind"] for f in view.findings][-1]
    (1, 2, ('185', '80.0'), 'stopped')
    """
    problem = run.problem
    return RunView(problem.source, problem.n, problem.variables, problem.component_names, run.plan.requested,
                   run.iterations, digits, tuple(parameters(run, t, digits) for t in range(run.iterations + 1)),
                   tuple(f.as_dict() for f in run.diagnostics if f.kind != "conditioning"))


def _run_lines(view: RunView):
    yield (f"{view.n} points, variables {', '.join(view.variables)}; components {', '.join(view.names)}; "
           f"iterations computed: {view.computed} of {view.requested}")


def run_html(view: RunView) -> str:
    """The run as HTML: a parameters table (start and after each iteration) and the findings."""
    rows = []
    for t, state in enumerate(view.states):
        for p in state:
            rows.append(("start" if t == 0 else f"after {t}", p.name, decimal_html(p.weight), _html_array(p.mean),
                         _html_array(p.cov)))
    table = _table_html(("", "component", "π", "μ", "Σ"), [(html.escape(a), html_text(b), c, d, e)
                                                           for a, b, c, d, e in rows], raw=True)
    return (f'<div class="gmmexact-run"><h4>gmmexact run · {html_text(shown_path(view.source))}</h4>'
            f"<p>{html_text(next(_run_lines(view)))} ({view.digits} certified digits)</p>{table}"
            f"{findings_html(view.findings)}</div>")


def run_markdown(view: RunView) -> str:
    lines = [f"### gmmexact run · {markdown_code(shown_path(view.source))}", "",
             markdown_text(next(_run_lines(view))) + f" ({view.digits} certified digits)",
             "", "| | component | π | μ | Σ |", "|---|---|---|---|---|"]
    for t, state in enumerate(view.states):
        for p in state:
            lines.append(f"| {'start' if t == 0 else f'after {t}'} | {_md(p.name)} | {p.weight} | "
                         f"{_plain_array(p.mean)} | {_plain_array(p.cov)} |")
    lines += [""] + [f"- **{f['kind']}** ({markdown_code(f['key'])}): {markdown_text(f['message'])}"
                     for f in view.findings]
    return "\n".join(lines) + "\n"


# --- the registry: IPython asks the values, the values ask here -----------------------------------

register(Run, "html")(lambda run: run_html(run_view(run)))
register(Run, "markdown")(lambda run: run_markdown(run_view(run)))
register(Quantity, "latex")(lambda q: step_latex(step_view(q)))
register(Quantity, "markdown")(lambda q: step_markdown(step_view(q)))
register(Quantity, "html")(lambda q: step_html(step_view(q)))
register(Iteration, "html")(lambda it: iteration_html(iteration_view(it.run, it.t, it.digits, it.max_points)))
register(Iteration, "markdown")(lambda it: iteration_markdown(iteration_view(it.run, it.t, it.digits, it.max_points)))
