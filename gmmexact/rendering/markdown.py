"""Markdown rendering of a :class:`~gmmexact.rendering.report.SolveReport`: tables with inline LaTeX math.

Every math cell is MathJax-ready (GitHub, Jupyter, most static-site generators): the report's
textbook LaTeX (:mod:`~gmmexact.rendering.mathjax`), names of the problem in ``\\text{}`` or escaped
``\\mathtt{}``, no bare ``|``. This module formats only; the report holds every form and digit.
"""
from __future__ import annotations

import re

from ..model.keys import E_STEP_KINDS
from .textbook import shown_path
from .report import QuantityRecord, SolveReport, decimal_text, is_exact
from .mathjax import table_math
from .text import visible_controls

MAX_CELL = 1500  # LaTeX characters: a longer exact form is left to the JSON output, with its length said

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_<>|$~&@#])")  # not [ ]: MathJax would read \\[ as display math
_LINK_END = re.compile(r"\](?=[(\[:])")  # a ] that would close a link, image or reference: [a](b), [a][b], [a]: b
_BARE_LINK = re.compile(r"(?i)(?<=[a-z0-9+.-])(:)(?=//)|(?<=\bwww)(\.)")  # http://…, www.… (GFM autolinks)
_LINE_START = re.compile(r"^(?:([-+])(?=[\s-]|$)|([0-9]{1,9})([.)])(?=\s|$))")  # a list item or a rule
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def markdown_text(text: str) -> str:
    r"""Plain text for Markdown (a table cell or a paragraph), shown as written: every character that
    Markdown, a table or MathJax would read as markup escaped (emphasis, code, HTML, entities, tables,
    math, headings, lists), links and images kept from forming (``[a](b)`` shows as written, and
    ``http://…`` is not made a link), line breaks as spaces, other control characters as their codes.
    A backslash is written ``&#92;`` (Jupyter reads ``\\[`` as display math) and a ``]`` that would
    close a link ``&#93;``; a bracket alone stays as it is (``\[`` opens display math for MathJax).

    >>> print(markdown_text("|Σ_women| = $5 * 2 <b> [1, 2]"))
    \|Σ\_women\| = \$5 \* 2 \<b\> [1, 2]
    >>> print(markdown_text("[a](http://x) ![i](y.png) \\g<0> &amp; www.x.org a@b.c"))
    [a&#93;(http\://x) !&#91;i&#93;(y.png) &#92;g\<0\> \&amp; www\.x.org a\@b.c
    >>> print(markdown_text("# 1. - x"), markdown_text("1. item"), markdown_text("---"), markdown_text("-0.19"))
    \# 1. - x 1\. item \--- -0.19
    """
    text = visible_controls(_LINE_BREAKS.sub(" ", text))
    text = _MARKDOWN_SPECIAL.sub(lambda m: "&#92;" if m[1] == "\\" else "\\" + m[1], text)
    text = _LINK_END.sub("&#93;", text).replace("![", "!&#91;")
    text = _BARE_LINK.sub(lambda m: "\\" + (m[1] or m[2]), text)
    return _LINE_START.sub(lambda m: "\\" + m[1] if m[1] else m[2] + "\\" + m[3], text)


def markdown_code(text: str) -> str:
    r"""``text`` as inline code that stays inside a table cell (``|`` escaped, as GFM tables read it;
    a name holding backticks fenced with more of them; spaces at both ends kept, where Markdown
    would strip one from each).

    >>> print(markdown_code("resp.a|b.1"), markdown_code("x`y"), markdown_code(" a "))
    `resp.a\|b.1` `` x`y `` `  a  `
    """
    text = visible_controls(_LINE_BREAKS.sub(" ", text)).replace("|", r"\|")
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    if "`" in text or (text.startswith(" ") and text.endswith(" ") and text.strip()):
        return f"{fence} {text} {fence}"
    return f"{fence}{text}{fence}"


def exact_cell(q: QuantityRecord) -> str:
    """The exact value in closed form as inline math; ``–`` when the exact value is only known as the
    definition over earlier quantities (shown in its own column) or no forms were asked for."""
    if not q.latex or not q.closed:
        return "–"
    if len(q.latex) > MAX_CELL:
        return f"closed form of {len(q.latex)} LaTeX characters: in the JSON output (`exact`)"
    return table_math(q.latex)


def definition_cell(q: QuantityRecord) -> str:
    """The definition over earlier quantities as inline math; ``–`` when it only repeats the symbol or
    the closed form beside it."""
    same = lambda a, b: a.replace(" ", "") == b.replace(" ", "")  # noqa: E731
    if not q.latex_definition or same(q.latex_definition, q.symbol) or (q.closed and same(q.latex_definition, q.latex)):
        return "–"
    if len(q.latex_definition) > MAX_CELL:
        return f"{len(q.latex_definition)} LaTeX characters: in the JSON output (`definition`)"
    return table_math(q.latex_definition)


def render_markdown(report: SolveReport) -> str:
    """The report as GitHub/Jupyter-flavoured Markdown (exact forms in LaTeX).

    >>> import gmmexact
    >>> from gmmexact.rendering.report import build_report
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> md = render_markdown(build_report(run, points=["A"], latex=True))
    >>> print(next(line for line in md.splitlines() if line.startswith("| `density.A.women`")))
    | `density.A.women` | $\\mathcal{N}(x_{\\text{A}} \\mid \\mu_{\\text{women}}, \\Sigma_{\\text{women}})$ | $\\frac{e^{-q_{\\text{A},\\text{women}}/2}}{Z_{\\text{women}}}$ | $\\frac{e^{-2/5}}{20 \\pi}$ | 0.0106685 |
    """
    lines = [f"# EM iteration for {markdown_code(shown_path(report.source))}", "",
             f"{report.digits} certified significant digits ({report.backend}); "
             f"iterations computed: {report.computed} of {report.requested}.", "",
             "Columns: the quantity's key (what `run[...]` and the JSON output use), its symbol, its definition "
             "over earlier quantities, its exact value in closed form (– where the exact value is the "
             "definition itself), and its certified decimal (every digit proven; marked (exact) when it is "
             "the exact value)."]
    current = None
    for q in report.quantities:
        step = (q.iteration, "E-step" if q.kind in E_STEP_KINDS else "M-step")
        if step != current:
            current = step
            lines += ["", f"## Iteration {q.iteration}: {step[1]}", "",
                      "| quantity | symbol | definition | exact | decimal |", "|---|---|---|---|---|"]
        symbol = table_math(q.symbol) if q.symbol else "–"
        exact = " (exact)" if is_exact(q) else ""
        lines.append(f"| {markdown_code(q.key)} | {symbol} | {definition_cell(q)} | {exact_cell(q)} | "
                     f"{decimal_text(q.decimal, bool(exact))}{exact} |")
    notes = [(q.key, n) for q in report.quantities for n in q.notes if not n.startswith("exact:")]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {markdown_code(key)}: {markdown_text(note)}" for key, note in notes]
    if report.diagnostics:
        lines += ["", "## Findings", ""]
        for d in report.diagnostics:
            lines.append(f"- **{d['kind']}** ({markdown_code(d['key'])}): {markdown_text(d['message'])}")
            lines += [f"  - {markdown_text(a)}" for a in d.get("advice", [])]
    return "\n".join(lines) + "\n"
