"""What a class got right: the gradebook CSV, each student's feedback, and the item analysis.

The item analysis is, per scored step, how many students got it right, followed an earlier error,
were wrong or wrote nothing, and the named slips that were most common: what a lecturer re-teaches.
"""
from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from dataclasses import dataclass

from .classrun import Graded
from .policy import Policy
from .scoring import VERDICTS, claim_slips

STATUSES = ("right", "followed", "wrong", "missing")


def points_text(x: float) -> str:
    """Points as a short decimal (``2``, ``1.5``, ``0.67``)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def gradebook_csv(rows: list[Graded], policy: Policy) -> str:
    """One row per student: score, verdict counts, first wrong step, per-step scores, reason.

    Columns: ``student, status, score, total, percent, correct, carried, follows, wrong, undecided,
    unreadable, first_wrong_step``, then ``step:<name>`` per policy step, then ``reason``.
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    steps = list(policy.steps)
    w.writerow(["student", "status", "score", "total", "percent", *VERDICTS, "first_wrong_step",
                *[f"step:{s}" for s in steps], "reason"])
    for r in rows:
        g = r.grade
        if g is None:
            w.writerow([r.submission.student, r.status, 0, points_text(policy.total), 0, *[""] * len(VERDICTS), "",
                        *[""] * len(steps), r.reason])
            continue
        by = {s.step: s for s in g.steps}
        w.writerow([r.submission.student, r.status, points_text(g.score), points_text(g.total), points_text(g.percent),
                    *[g.counts.get(v, 0) for v in VERDICTS], g.first_wrong or "",
                    *[points_text(by[s].score) for s in steps], ""])
    return buf.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>~$&])")


def md_text(text: str) -> str:
    """Student text made inert in Markdown: every character with a meaning escaped, one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def feedback_markdown(r: Graded) -> str:
    """A student's feedback in Markdown: the score, each step, the first wrong step, the wrong numbers."""
    if r.grade is None:
        return f"**Not graded:** {md_text(r.reason or '')}\n"
    g = r.grade
    lines = [f"**Score: {points_text(g.score)} / {points_text(g.total)}** "
             f"({', '.join(f'{g.counts[v]} {v}' for v in VERDICTS if g.counts.get(v))})", ""]
    for s in g.steps:
        extra = f" ({s.status})" if s.status != "right" else ""
        lines.append(f"- `{s.step}`: {points_text(s.score)} / {points_text(s.points)}{extra}")
        lines += [f"  - {md_text(d)}" for d in s.deductions if s.status != "missing"]
    if g.refunded:
        lines.append(f"- a repeated slip costs at most its cap: {points_text(g.refunded)} point(s) given back")
    if g.first_wrong:
        lines += ["", f"First wrong step: `{g.first_wrong}`."]
    wrong = [c for c in r.check.get("claims", []) if c.get("verdict") in ("wrong", "undecided", "unreadable")]
    if wrong:
        lines += ["", "Numbers to look at again:", ""]
        for c in wrong[:20]:
            why = "; ".join(str(n) for n in c.get("notes") or []) or c.get("reason") or c.get("error_words") or (
                f"the value is {c['value']}" if c.get("value") else c.get("verdict"))
            lines.append(f"- `{c.get('key')}` = {md_text(_written(c.get('written')))} ({c.get('verdict')}): {md_text(why)}")
        if len(wrong) > 20:
            lines.append(f"- … and {len(wrong) - 20} more")
    return "\n".join(lines) + "\n"


def _written(w) -> str:
    if isinstance(w, list):
        return "[" + ", ".join(_written(x) for x in w) + "]"
    return str(w)


@dataclass(frozen=True)
class StepAnalysis:
    """One step across the class: students per status and the most common slips (name, students)."""

    step: str
    counts: dict
    slips: tuple[tuple[str, int], ...]


def item_analysis(rows: list[Graded], policy: Policy, top: int = 3) -> list[StepAnalysis]:
    """Per policy step: how many graded students got it right, followed an error, were wrong, wrote nothing."""
    out = []
    for step in policy.steps:
        counts = Counter()
        slips = Counter()
        for r in rows:
            if r.grade is None:
                continue
            s = next(x for x in r.grade.steps if x.step == step)
            counts[s.status] += 1
            seen = set()
            for c in r.check.get("claims", []):
                if policy.step_of(str(c.get("key", ""))) == step:
                    seen.update(claim_slips(c))
            slips.update(seen)  # a student counts once per slip and step
        out.append(StepAnalysis(step, {k: counts.get(k, 0) for k in STATUSES}, tuple(slips.most_common(top))))
    return out


def class_markdown(rows: list[Graded], policy: Policy, plot_name: str | None = None) -> str:
    """The class report in Markdown: the scores, the item analysis, the submissions not graded."""
    graded = [r for r in rows if r.grade is not None]
    scores = sorted(r.grade.score for r in graded)
    lines = ["# Class report", "",
             f"{len(rows)} submissions: {len(graded)} graded, {len(rows) - len(graded)} not graded.", ""]
    if scores:
        mid = scores[len(scores) // 2] if len(scores) % 2 else (scores[len(scores) // 2 - 1] + scores[len(scores) // 2]) / 2
        lines += [f"Scores out of {points_text(policy.total)}: mean {points_text(sum(scores) / len(scores))}, median {points_text(mid)}, "
                  f"lowest {points_text(scores[0])}, highest {points_text(scores[-1])}.", ""]
    lines += ["## Per step", "", "| step | points | right | followed an earlier error | wrong | not written | most common slips |",
              "|---|---|---|---|---|---|---|"]
    for a in item_analysis(rows, policy):
        slips = "; ".join(f"{md_text(name)} ({n})" for name, n in a.slips) or "–"
        c = a.counts
        lines.append(f"| `{a.step}` | {points_text(policy.steps[a.step])} | {c['right']} | {c['followed']} | {c['wrong']} | "
                     f"{c['missing']} | {slips} |")
    if plot_name:
        lines += ["", f"![Students per step and status]({plot_name})"]
    first = Counter(r.grade.first_wrong for r in graded if r.grade.first_wrong)
    if first:
        lines += ["", "## First wrong step", ""]
        lines += [f"- `{k}`: {n} student{'s' if n != 1 else ''}" for k, n in first.most_common(10)]
    bad = [r for r in rows if r.grade is None]
    if bad:
        lines += ["", "## Not graded", ""]
        lines += [f"- {md_text(r.submission.student)}: {md_text(r.reason or '')}" for r in bad]
    return "\n".join(lines) + "\n"


def class_html(rows: list[Graded], policy: Policy, svg: str | None = None) -> str:
    """The class report as one self-contained HTML page (the plot inline as SVG)."""
    e = html.escape
    analysis = item_analysis(rows, policy)
    graded = [r for r in rows if r.grade is not None]
    body = [f"<h1>Class report</h1><p>{len(rows)} submissions: {len(graded)} graded, "
            f"{len(rows) - len(graded)} not graded.</p>",
            "<table><thead><tr><th>step</th><th>points</th><th>right</th><th>followed an earlier error</th>"
            "<th>wrong</th><th>not written</th><th>most common slips</th></tr></thead><tbody>"]
    for a in analysis:
        c = a.counts
        slips = "; ".join(f"{e(n)} ({k})" for n, k in a.slips) or "–"
        body.append(f"<tr><td><code>{e(a.step)}</code></td><td>{points_text(policy.steps[a.step])}</td><td>{c['right']}</td>"
                    f"<td>{c['followed']}</td><td>{c['wrong']}</td><td>{c['missing']}</td><td>{slips}</td></tr>")
    body.append("</tbody></table>")
    if svg:
        body.append(f"<figure>{svg}</figure>")
    body.append("<h2>Students</h2><table><thead><tr><th>student</th><th>score</th><th>first wrong step</th>"
                "<th>note</th></tr></thead><tbody>")
    for r in rows:
        if r.grade is None:
            body.append(f"<tr><td>{e(r.submission.student)}</td><td>–</td><td></td><td>{e(r.reason or '')}</td></tr>")
        else:
            body.append(f"<tr><td>{e(r.submission.student)}</td><td>{points_text(r.grade.score)} / {points_text(r.grade.total)}</td>"
                        f"<td>{e(r.grade.first_wrong or '')}</td><td></td></tr>")
    body.append("</tbody></table>")
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}")
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Class report</title>"
            f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n")


def class_plot_svg(rows: list[Graded], policy: Policy) -> str | None:
    """Students per step and status as stacked bars (SVG text), or ``None`` without matplotlib."""
    try:
        import matplotlib  # noqa: PLC0415

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt  # noqa: PLC0415
    except ModuleNotFoundError:
        return None
    analysis = item_analysis(rows, policy)
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * len(analysis)))
    left = [0] * len(analysis)
    colours = {"right": "#2e7d32", "followed": "#f9a825", "wrong": "#c62828", "missing": "#9e9e9e"}
    labels = {"right": "right", "followed": "followed an earlier error", "wrong": "wrong", "missing": "not written"}
    names = [a.step for a in analysis]
    for status in STATUSES:
        widths = [a.counts[status] for a in analysis]
        ax.barh(names, widths, left=left, color=colours[status], label=labels[status])
        left = [x + y for x, y in zip(left, widths)]
    ax.invert_yaxis()
    ax.set_xlabel("students")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.find("<svg"):]
