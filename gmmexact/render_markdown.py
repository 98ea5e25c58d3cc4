"""Markdown rendering of a :class:`~gmmexact.report.SolveReport`: tables with inline LaTeX math."""
from __future__ import annotations

from .keys import E_STEP_KINDS
from .report import SolveReport, decimal_text


def render_markdown(report: SolveReport) -> str:
    """The report as GitHub/Jupyter-flavoured Markdown (exact forms in LaTeX)."""
    lines = [f"# EM iteration for `{report.source}`", "",
             f"{report.digits} certified significant digits ({report.backend}); "
             f"iterations computed: {report.computed} of {report.requested}.", ""]
    current = None
    for q in report.quantities:
        step = (q.iteration, "E-step" if q.kind in E_STEP_KINDS else "M-step")
        if step != current:
            current = step
            lines += ["", f"## Iteration {q.iteration}: {step[1]}", "",
                      "| quantity | exact | decimal |", "|---|---|---|"]
        latex = q.latex.replace("|", r"\vert ")
        if not latex:
            latex = r"\text{–}"
        elif len(latex) > 300:
            latex = r"\text{(see JSON output)}"
        exact = " (exact)" if any(n.startswith("exact:") for n in q.notes) else ""
        lines.append(f"| `{q.key}` | ${latex}$ | {decimal_text(q.decimal)}{exact} |")
    notes = [(q.key, n) for q in report.quantities for n in q.notes if not n.startswith("exact:")]
    if notes:
        lines += ["", "## Notes", ""] + [f"- `{key}`: {note}" for key, note in notes]
    if report.diagnostics:
        lines += ["", "## Findings", ""]
        for d in report.diagnostics:
            lines.append(f"- **{d['kind']}** (`{d['key']}`): {d['message']}")
            lines += [f"  - {a}" for a in d.get("advice", [])]
    return "\n".join(lines) + "\n"
