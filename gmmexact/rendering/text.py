"""Terminal rendering of a :class:`~gmmexact.rendering.report.SolveReport` with rich (formatting only)."""
from __future__ import annotations

import re

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..model.keys import E_STEP_KINDS
from .report import SolveReport, decimal_text

EXACT_WIDTH = 70


def _exact(text: str | None, symbols: dict) -> str:
    """The exact form with quantities named by their keys again (``mean.women``, not ``mean_women``)."""
    if text is None:
        return "–"
    for safe, meaning in symbols.items():
        if "key" in meaning:
            text = re.sub(rf"\b{re.escape(safe)}\b", meaning["key"], text)
    return text if len(text) <= EXACT_WIDTH else text[:EXACT_WIDTH - 1] + "…"


def render_text(report: SolveReport, console: Console | None = None) -> None:
    """Print the report as one table per step of each iteration."""
    console = console or Console()
    console.print(Text(f"gmmexact {report.version} · {report.source} · {report.digits} certified digits "
                       f"({report.backend}) · iterations {report.computed}/{report.requested}", style="bold"))
    if len(report.points_shown) < len(report.labels):
        console.print(f"[dim]showing {len(report.points_shown)} of {len(report.labels)} points "
                      f"(--points or --max-points to choose, --format json for all)[/dim]")
    current = None
    table = None
    for q in report.quantities:
        step = (q.iteration, "E-step" if q.kind in E_STEP_KINDS else "M-step")
        if step != current:
            if table is not None:
                console.print(table)
            current = step
            table = Table(title=f"Iteration {q.iteration}: {step[1]}", title_justify="left", expand=False)
            table.add_column("quantity", style="cyan", no_wrap=True)
            table.add_column("exact")
            table.add_column(f"≈ ({report.digits} digits)", justify="right")
        mark = " (exact)" if any("exact:" in n for n in q.notes) else ""
        table.add_row(escape(q.key), escape(_exact(q.exact, q.symbols)), escape(decimal_text(q.decimal) + mark))
    if table is not None:
        console.print(table)
    summarised = any(d["kind"] == "undecided" for d in report.diagnostics)  # one finding lists them
    notes = [n for q in report.quantities for n in q.notes
             if not n.startswith("exact:") and not (summarised and "not decided" in n)]
    for note in notes:
        console.print(f"[yellow]note:[/yellow] {escape(note)}")
    info = [d for d in report.diagnostics if d["kind"] == "conditioning"]
    if info:
        console.print(Text("condition numbers (certified): " + ", ".join(f"{d['key']} {d['condition'] or 'not certified'}" for d in info)))
    for d in report.diagnostics:
        if d["kind"] == "conditioning":
            continue
        body = [Text(d["message"])]
        for advice in d.get("advice", []):
            body.append(Text(f"• {advice}", style="dim"))
        style = "red" if d["kind"] in ("singular-covariance", "stopped", "float64-singular", "undecided") else "yellow"
        console.print(Panel(Group(*body), title=escape(f"{d['kind']}: {d['key']}"), border_style=style, title_align="left"))
