"""Terminal rendering of a :class:`~gmmexact.rendering.report.SolveReport` with rich (formatting only).

Every string from the problem or the run (keys, names, exact forms, notes, findings) is printed as
a rich :class:`~rich.text.Text`, never as markup: a name such as ``[bold]`` or ``:smile:`` is
printed as written, and a control character (an escape sequence) is shown as its code, never sent to
the terminal (:func:`plain`). Long keys fold inside their column, so no column is squeezed to nothing.
"""
from __future__ import annotations

import re

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..model.keys import E_STEP_KINDS
from .report import SolveReport, decimal_text

EXACT_WIDTH = 70
KEY_WIDTH = 32  # a key longer than this folds inside its column

_BIDI_CONTROLS = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(rf"[\t\n\r\v\f]|[\x00-\x08\x0e-\x1f\x7f-\x9f{_BIDI_CONTROLS}]")


def visible_controls(text: str) -> str:
    r"""``text`` with its control characters made visible: tabs and line breaks as spaces, any other
    (an escape sequence that would recolour or retitle the terminal, a NUL, a bidirectional override
    that would reorder what is shown) written as its code, ``\x1b`` or ``\u202e``; everything else as
    it is.

    >>> visible_controls("a\x1b[31mb\tc\u202ed 👨\u200d👩")
    'a\\x1b[31mb c\\u202ed 👨\u200d👩'
    """
    return _CONTROLS.sub(lambda m: " " if m[0] in "\t\n\r\v\f" else
                         f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def plain(text: str, style: str = "") -> Text:
    """``text`` for the terminal exactly as written (never read as rich markup or emoji codes), its
    control characters made visible (:func:`visible_controls`)."""
    return Text(visible_controls(text), style=style)


def _exact(text: str | None, symbols: dict) -> str:
    """The exact form with quantities named by their keys again (``mean.women``, not ``mean_women``).

    >>> _exact("2*x_y + x_y_", {"x_y": {"key": "x.\\\\1"}, "x_y_": {"key": "y.\\\\g<0>"}})
    '2*x.\\\\1 + y.\\\\g<0>'
    """
    if text is None:
        return "–"
    keys = {safe: meaning["key"] for safe, meaning in symbols.items() if "key" in meaning}
    if keys:  # one pass, the longest identifier first; a key is put in as it is, never read as a pattern
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in sorted(keys, key=len, reverse=True)) + r")\b")
        text = pattern.sub(lambda m: keys[m[0]], text)
    return text if len(text) <= EXACT_WIDTH else text[:EXACT_WIDTH - 1] + "…"


def steps_table(title: str, digits: int, keys: list[str]) -> Table:
    """An empty table of one step: quantity, exact form, certified decimal. Long keys and values fold
    (``keys`` sets how wide the quantity column may be before it folds)."""
    table = Table(title=Text(title), title_justify="left", expand=False)
    short = max((len(k) for k in keys), default=0) <= KEY_WIDTH  # kept on one line; longer keys fold
    table.add_column("quantity", style="cyan", no_wrap=short, overflow="fold")
    table.add_column("exact")
    table.add_column(f"≈ ({digits} digits)", justify="right", overflow="fold")
    return table


def render_text(report: SolveReport, console: Console | None = None) -> None:
    """Print the report as one table per step of each iteration."""
    console = console or Console()
    console.print(plain(f"gmmexact {report.version} · {report.source} · {report.digits} certified digits "
                        f"({report.backend}) · iterations {report.computed}/{report.requested}", style="bold"))
    if len(report.points_shown) < len(report.labels):
        console.print(Text(f"showing {len(report.points_shown)} of {len(report.labels)} points "
                           f"(--points or --max-points to choose, --format json for all)", style="dim"))
    steps: list[tuple[tuple, list]] = []
    for q in report.quantities:
        step = (q.iteration, "E-step" if q.kind in E_STEP_KINDS else "M-step")
        if not steps or steps[-1][0] != step:
            steps.append((step, []))
        steps[-1][1].append(q)
    for (iteration, name), records in steps:
        table = steps_table(f"Iteration {iteration}: {name}", report.digits, [q.key for q in records])
        for q in records:
            mark = " (exact)" if any("exact:" in n for n in q.notes) else ""
            decimal = decimal_text(q.decimal) + mark
            table.add_row(plain(q.key), plain(_exact(q.exact, q.symbols)), plain(decimal))
        console.print(table)
    summarised = any(d["kind"] == "undecided" for d in report.diagnostics)  # one finding lists them
    notes = [n for q in report.quantities for n in q.notes
             if not n.startswith("exact:") and not (summarised and "not decided" in n)]
    for note in notes:
        console.print(Text.assemble(("note:", "yellow"), " ", plain(note)))
    info = [d for d in report.diagnostics if d["kind"] == "conditioning"]
    if info:
        shown = ", ".join(f"{d['key']} {d['condition'] or 'not certified'}" for d in info)
        console.print(plain(f"condition numbers (certified): {shown}"))
    for d in report.diagnostics:
        if d["kind"] == "conditioning":
            continue
        body = [plain(d["message"])]
        for advice in d.get("advice", []):
            body.append(plain(f"• {advice}", style="dim"))
        style = "red" if d["kind"] in ("singular-covariance", "stopped", "float64-singular", "undecided") else "yellow"
        console.print(Panel(Group(*body), title=plain(f"{d['kind']}: {d['key']}"), border_style=style,
                            title_align="left"))
