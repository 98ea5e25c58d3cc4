"""Jupyter display of a check report: an HTML table, verdicts in colour (registered with
:mod:`gmmexact.model.displayhook`; the Markdown display is the report's Markdown rendering). The
rows say what the text report says: where a carried number came from (and where it was rounded too
early), which earlier error a ``follows`` number follows, why a claim is unreadable, and the error
in words when it is large."""
from __future__ import annotations

import html

from ..model.displayhook import register
from ..rendering.display import findings_html, html_text
from ..rendering.textbook import shown_path
from .report import (SYMBOL, VERDICTS, CheckReport, carried_text, cell, entry_values, error_shown, exact_math,
                     first_wrong_shown, render_check_markdown, unreadable_text)

VERDICT_COLOR = {"correct": "#1a7f37", "carried": "#9a6700", "follows": "#bc4c00", "wrong": "#cf222e",
                 "undecided": "#8250df", "unreadable": "#57606a"}


def check_html(data: dict, run=None) -> str:
    """A check report (the dict of ``check_report.check_dict``) as an HTML table, verdicts in colour,
    exact values as LaTeX for the notebook's MathJax (as in the Markdown; with the ``run`` checked
    against, sums in the problem's order).

    >>> import gmmexact
    >>> out = check_html(gmmexact.check("examples/seed/problem.toml", {"values": {"density.A.women": "0.0107"}}).data)
    >>> "✓ correct" in out and "density.A.women" in out
    True
    """
    rows = []
    first = (data["summary"].get("first_error") or {}).get("index")
    for r in data["claims"]:
        value = r["value"] if "entries" not in r else entry_values(r, "value")
        error = error_shown(r)
        notes = []
        if r.get("where"):
            notes.append(html_text(r["where"]))
        if r["verdict"] == "unreadable":
            notes.append(html_text(unreadable_text(r)))
        if r["verdict"] in ("carried", "follows") and (r["carried_from"] or r.get("rounded_too_early")):
            notes.append(carried_text(r, lambda s: f"#{s['index']} <code>{html_text(s['key'])}</code> = "
                                                   f"{html_text(cell(s['written']))}"))
        fw = r.get("first_wrong")
        if r["verdict"] in ("wrong", "follows") and first_wrong_shown(r):
            notes.append(f"first wrong step: #{fw['index']} <code>{html_text(fw['key'])}</code>")
        notes += [html_text(n) for n in r["notes"]]
        color = VERDICT_COLOR.get(r["verdict"], "inherit")
        style = ' style="background:#fff0f0"' if r["index"] == first else ""
        rows.append(
            f"<tr{style}><td>{r['index']}</td><td><code>{html_text(r['key'])}</code></td>"
            f"<td>{html_text(cell(r['written']))}</td>"
            f'<td style="color:{color};font-weight:bold;white-space:nowrap">'
            f"{SYMBOL.get(r['verdict'], '')} {html.escape(r['verdict'])}</td>"
            f"<td>{f'${html.escape(exact_math(r, value, run))}$' if value is not None else '–'}</td>"
            f"<td>{html_text(cell(error))}</td>"
            f'<td style="text-align:left">{"<br>".join(notes)}</td></tr>')
    s = data["summary"]
    counts = ", ".join(f'<span style="color:{VERDICT_COLOR[v]}">{s.get(v, 0)} {v}</span>'
                       + (f" ({s['rounded_too_early']} rounded too early)"
                          if v == "carried" and s.get("rounded_too_early") else "")
                       for v in VERDICTS if v in s)
    summary = f"<p><b>{s['claims']} claims</b>: {counts}.</p>"
    if s.get("first_error"):
        e = s["first_error"]
        summary += (f"<p>First error: #{e['index']} <code>{html_text(e['key'])}</code> = "
                    f"{html_text(cell(e['written']))}" + (f" ({html_text(e['where'])})" if e.get("where") else "")
                    + "</p>")
    head = "".join(f"<th>{h}</th>" for h in ("#", "quantity", "written", "verdict", "exact value",
                                             "error (last digit)", "where / why"))
    return (f'<div class="gmmexact-check"><h4>Check of {html_text(shown_path(data["claims_file"]))} against '
            f"{html_text(shown_path(data['problem']))}</h4>{summary}<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>{findings_html(data.get('findings', ()))}</div>")


register(CheckReport, "html")(lambda report: check_html(report.data, report.run))
register(CheckReport, "markdown")(lambda report: render_check_markdown(report.data, report.run))
