"""A check's verdicts as plain data (JSON schema for graders' scripts) and their renderings."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .verdicts import Checker, ClaimCheck
from .claims import claims_from_dict, read_claims_data
from ..model.displayhook import Displayable
from ..model.keys import Key
from ..model.problem import Problem, load
from ..rendering.markdown import markdown_code, markdown_text
from ..rendering.textbook import shown_path
from ..rendering.report import input_order, parse_exact
from ..numerics.run import Run, solve
from ..rendering.mathjax import WebNotation, decimal_math, table_math, web_latex

WHERE_WIDTH = 40
VERDICTS = ("correct", "carried", "follows", "wrong", "undecided")
"""``carried``: what the document's own earlier *rounded* numbers give; ``follows``: right given an
earlier *wrong* number of the document (error carried forward), which still counts against it."""
SYMBOL = {"correct": "✓", "carried": "≈", "follows": "↳", "wrong": "✗", "undecided": "?"}
STYLE = {"correct": "green", "carried": "yellow", "follows": "dark_orange", "wrong": "red", "undecided": "magenta"}


def _written(w) -> object:
    if isinstance(w, tuple):
        return [_written(x) for x in w]
    return w.text


def check_dict(run: Run, checks: list[ClaimCheck], source: str, claims_source: str) -> dict:
    """The stable JSON schema: ``claims`` (file order), ``summary``, ``findings``."""
    by_index = {c.claim.index: c for c in checks}

    def ref(i):
        c = by_index[i].claim
        return {"index": i, "key": str(c.key), "written": _written(c.written), "where": c.where}

    records = []
    for c in checks:
        scalar = len(c.entries) == 1 and not c.entries[0].key.entry
        record = {
            "index": c.claim.index, "key": str(c.claim.key), "written": _written(c.claim.written),
            "verdict": c.verdict, "exact": c.exact, **({"symbols": c.symbols} if c.symbols else {}),
            "where": c.claim.where,
            "carried_from": [ref(i) for i in c.carried_from], "carried_kind": c.carried_kind,
            "first_wrong": ref(c.first_wrong) if c.first_wrong is not None else None,
            "notes": list(c.notes),
        }
        if scalar:
            e = c.entries[0]
            record.update(value=e.value, error_ulps=e.error_ulps)
        else:
            record.update(value=None, error_ulps=None, entries=[
                {"key": str(e.key), "written": e.written.text, "value": e.value, "error_ulps": e.error_ulps}
                for e in c.entries])
        records.append(record)
    counts = {v: sum(c.verdict == v for c in checks) for v in VERDICTS}
    wrong = [c for c in checks if c.verdict == "wrong"]
    return {
        "problem": source, "claims_file": claims_source,
        "claims": records,
        "summary": {"claims": len(checks), **counts,
                    "carried_rounding": sum(c.carried_kind == "rounding" for c in checks),
                    "carried_error": sum(c.carried_kind == "error" for c in checks),
                    "first_error": ref(wrong[0].first_wrong) if wrong else None},
        "findings": [f.as_dict() for f in run.diagnostics if f.kind != "conditioning"],
    }


@dataclass(frozen=True)
class CheckReport(Displayable):
    """The verdicts on one document's claims: ``data`` is the stable JSON schema (``claims``,
    ``summary``, ``findings``); it displays itself in Jupyter.

    >>> report = check("examples/seed/problem.toml", {"values": {"density.A.women": "0.0107"}})
    >>> report.data["claims"][0]["verdict"], report.passed()
    ('correct', True)
    >>> report
    <CheckReport <memory>: 1 claim: 1 correct>

    Attributes
    ----------
    run : Run
        The run the claims were checked against.
    checks : tuple of ClaimCheck
        One verdict per filled-in claim, in the claims file's order.
    data : dict
        The JSON document of ``check --format json`` (see ``docs/formats.md``).
    """

    run: Run
    checks: tuple[ClaimCheck, ...]
    data: dict

    @property
    def summary(self) -> dict:
        """The counts of ``data["summary"]`` (``claims``, ``correct``, ``carried``, ``wrong``, ``undecided``, …)
        and ``first_error``."""
        return self.data["summary"]

    def passed(self, strict: bool = False) -> bool:
        """True when nothing is wrong or undecided (and, with ``strict``, nothing is carried)."""
        s = self.summary
        return not (s["wrong"] or s["undecided"] or s.get("follows") or (strict and s["carried"]))

    def __repr__(self) -> str:
        s = self.summary
        counts = ", ".join(f"{s[v]} {v}" for v in VERDICTS if s.get(v))
        return f"<CheckReport {shown_path(self.data['claims_file'])}: {s['claims']} claim{'' if s['claims'] == 1 else 's'}: {counts}>"


def claims_iterations(data: dict) -> int:
    """The last iteration any claim of a raw claims document refers to (1 when none parses)."""
    keys = [r.get("key") for r in data.get("claim", []) if isinstance(r, dict)] + list(data.get("values", {}))
    iterations = 1
    for text in keys:
        try:
            iterations = max(iterations, Key.parse(str(text)).iteration)
        except ValueError:
            pass  # reported with its record by claims_from_dict
    return iterations


def check(problem: Problem | Run | str | Path, claims: dict | str | Path, *, backend: str = "arb",
          claims_source: str | None = None) -> CheckReport:
    """Check a document's written numbers (a claims file, or its parsed dict) against the exact run.

    Parameters
    ----------
    problem : Problem, Run, str or Path
        A problem file, a :class:`Problem` or a solved :class:`Run` (solved again with more
        iterations if a claim refers to a later one).
    claims : dict, str or Path
        A claims file (TOML ``[[claim]]`` records or a ``[values]`` table, or CSV), or its parsed
        dict.
    backend : str, optional
        ``"arb"`` (default) or ``"mpmath"``.
    claims_source : str, optional
        The name reports give the claims (default: the claims file, or ``<memory>``).

    Returns
    -------
    CheckReport
        A verdict per claim (correct, carried, wrong, undecided) and the JSON document.

    Raises
    ------
    InputError
        For a bad problem or claims file.
    """
    source = str(problem) if isinstance(problem, (str, Path)) else getattr(
        problem.problem if isinstance(problem, Run) else problem, "source", "<memory>")
    claims_source = claims_source or (str(claims) if isinstance(claims, (str, Path)) else "<memory>")
    data = read_claims_data(claims) if isinstance(claims, (str, Path)) else claims
    iterations = claims_iterations(data)
    if isinstance(problem, (str, Path)):
        problem = load(problem)
    if isinstance(problem, Run):
        run = problem if problem.plan.requested >= iterations else solve(problem.problem, iterations,
                                                                             problem.backend.name)
    else:
        run = solve(problem, iterations=iterations, backend=backend)
    parsed = claims_from_dict(data, run.plan, claims_source)
    checks = tuple(Checker(run).check(parsed))
    return CheckReport(run, checks, check_dict(run, list(checks), source, claims_source))


def summary_text(s: dict) -> str:
    """The one-line summary: ``56 claims: 52 correct, 3 carried (rounding), 1 wrong``; an error carried
    forward is counted apart (``2 follow an earlier error``).

    >>> summary_text({"claims": 5, "correct": 2, "carried": 1, "follows": 1, "wrong": 1, "undecided": 0})
    '5 claims: 2 correct, 1 carried (rounding), 1 follows an earlier error, 1 wrong'
    """
    follows = s.get("follows", 0)
    text = f"{s['claims']} claims: {s['correct']} correct, {s['carried']} carried (rounding), "
    if follows:
        text += f"{follows} follow{'s' if follows == 1 else ''} an earlier error, "
    text += f"{s['wrong']} wrong"
    return text + (f", {s['undecided']} undecided" if s.get("undecided") else "")


def carried_text(r: dict, name) -> str:
    """Why a carried or follows verdict: ``carried (rounding) from #2 …`` or ``follows #3 …``."""
    sources = ", ".join(name(s) for s in r["carried_from"])
    if r["verdict"] == "follows":
        return f"follows {sources}" if sources else "follows an earlier error"
    return "carried (rounding)" + (f" from {sources}" if sources else "")


def entry_values(r: dict, field: str):
    """A vector or matrix claim's entry values, nested like the quantity."""
    entries = r["entries"]
    values = [e[field] for e in entries]
    if entries and entries[0]["key"].endswith("]") and entries[0]["key"].count("[") == 2 and len(values) > 1:
        d = int(round(len(values) ** 0.5))
        return [values[i * d:(i + 1) * d] for i in range(d)]
    return values


def cell(x) -> str:
    if isinstance(x, list) and len(x) == 1:  # d = 1: a 1-vector or 1×1 matrix reads as its number
        return cell(x[0])
    if isinstance(x, list):
        return "[" + ", ".join(cell(v) for v in x) + "]"
    return "–" if x is None else str(x)


EXACT_WIDTH = 32
_CLOSED = re.compile(r"^(?:[-+*/^() \[\],.0-9]|exp|log|sqrt|pi|E)+$")
_INTEGERS = re.compile(r"^[-\[\], 0-9]+$")


def exact_cell(r: dict, value) -> str:
    """The exact closed form beside the certified value (``exp(-125/2)/(20*pi) ≈ 1.1440e-29``) when it is
    short and names no earlier quantity; else the certified value alone (the JSON keeps the full form)."""
    text = r.get("exact") or ""
    if text.startswith("Matrix(") and text.endswith(")"):
        text = text[len("Matrix("):-1]
        if text.startswith("[[") and text.count("[") == len(text.split("],")) + 1 and text.endswith("]]"):
            rows = text[1:-1].split("], [")
            if all("," not in row for row in rows):  # a column vector: [[a], [b]] -> [a, b]
                text = "[" + ", ".join(row.strip("[]") for row in rows) + "]"
    if r.get("symbols") or not text or len(text) > EXACT_WIDTH or not _CLOSED.match(text):
        # the certified value alone: rounded unless the exact value is an integer
        return cell(value) if text and _INTEGERS.match(text) else f"≈ {cell(value)}"
    if _INTEGERS.match(text):
        return text
    return f"{text} ≈ {cell(value)}"


_SIGMA = "E-step: determinants, inverses, normalising constants"
STAGES = {"det": _SIGMA, "inv": _SIGMA, "norm": _SIGMA, "quad": "E-step: densities", "exp": "E-step: densities",
          "density": "E-step: densities", "joint": "E-step: responsibilities", "evidence": "E-step: responsibilities",
          "resp": "E-step: responsibilities", "loglik": "log-likelihood", "count": "M-step", "weight": "M-step",
          "mean": "M-step", "dev": "M-step", "outer": "M-step", "cov": "M-step"}


def step_of(key: str) -> str:
    """The step of the derivation a claim's key belongs to, for grouping a report by step.

    >>> step_of("iter2.cov.women[0][1]"), step_of("density.A.men")
    ('iteration 2 · M-step', 'iteration 1 · E-step: densities')
    """
    k = Key.parse(key)
    return f"iteration {k.iteration} · {STAGES[k.kind]}"


def render_check_text(data: dict, console: Console | None = None) -> None:
    """A table per step of the document, in its order (a step the document returns to starts a new table)."""
    console = console or Console()
    console.print(Text(f"gmmexact check · {data['problem']} · {data['claims_file']}", style="bold"))
    groups: list[tuple[str, list[dict]]] = []
    for r in data["claims"]:
        step = step_of(r["key"])
        if not groups or groups[-1][0] != step:
            groups.append((step, []))
        groups[-1][1].append(r)
    for step, records in groups:
        table = Table(title=step, title_justify="left", title_style="bold", expand=False)
        for col in ("#", "quantity", "written", "", "exact value", "error (last digit)", "where / why"):
            table.add_column(col, no_wrap=col in ("#", "quantity"))
        for r in records:
            value = r["value"] if "entries" not in r else entry_values(r, "value")
            error = r["error_ulps"] if "entries" not in r else entry_values(r, "error_ulps")
            why = []
            if r["where"]:  # the full text is in the JSON output
                why.append(r["where"] if len(r["where"]) <= WHERE_WIDTH else r["where"][:WHERE_WIDTH - 1] + "…")
            if r["verdict"] in ("carried", "follows"):
                why.append(carried_text(r, lambda s: f"#{s['index']} {s['key']} = {cell(s['written'])}"))
            if r["verdict"] in ("wrong", "carried", "follows") and r["first_wrong"] and r["first_wrong"]["index"] != r["index"]:
                why.append(f"first wrong step: #{r['first_wrong']['index']} {r['first_wrong']['key']}")
            why += r["notes"]
            table.add_row(str(r["index"]), escape(r["key"]), escape(cell(r["written"])),
                          Text(SYMBOL[r["verdict"]], style=STYLE[r["verdict"]]), escape(exact_cell(r, value)),
                          escape(cell(error)), escape("; ".join(why)))
        console.print(table)
    s = data["summary"]
    console.print(Text(summary_text(s)))
    if s["first_error"]:
        console.print(Text(f"first error: #{s['first_error']['index']} {s['first_error']['key']} = "
                           f"{cell(s['first_error']['written'])}", style="red"))
    for f in data["findings"]:
        console.print(Text(f"{f['kind']}: {f['message']}", style="yellow"))
    for line in document_lines(data):
        console.print(Text(line, style="magenta" if line.startswith("  ") else ""))


def document_lines(data: dict) -> list[str]:
    """What a checked document held besides its claims: where the problem came from, the count of
    numbers per place, and each number not understood with its line (empty for a claims file)."""
    doc = data.get("document")
    if not doc:
        return []
    n = doc["numbers"]
    lines = [f"{doc['path']} ({doc['format']}): {n['claim']} numbers checked, {n['given']} given (data, start, "
             f"restated), {n['working']} inside a step's working, {n['unread']} not understood"]
    if doc["problem_from"] == "document":
        lines.append("problem read from the document: " + "; ".join(doc["problem_sources"]))
    for u in doc["unread"]:
        cell_ = f"cell {u['cell']}, " if "cell" in u else ""
        lines.append(f"  ? {cell_}line {u['line']}:{u['column']}: {cell(u['written'])} — {u['reason']}")
    for problem in doc.get("problems", ()):
        lines.append(f"  ? line {problem['line']}:{problem['column']}: {problem['reason']}")
    return lines


MARKDOWN_EXACT_WIDTH = 240  # characters of the SymPy form: a longer closed form is left to the JSON output


def exact_math(r: dict, value, run=None) -> str:
    r"""The exact value of a claim's record as LaTeX math for MathJax: the closed form (when it names no
    earlier quantity and is at most ``MARKDOWN_EXACT_WIDTH`` characters) ``\approx`` the certified value;
    an integer alone; else the certified value alone (the JSON output keeps the full form). With the
    ``run`` checked against, sums in the problem's point/component order, as ``solve`` writes them.

    >>> exact_math({"exact": "exp(-125/2)/(20*pi)"}, "1.1440e-29")
    '\\frac{e^{-125/2}}{20 \\pi} \\approx 1.1440 \\times 10^{-29}'
    >>> exact_math({"exact": "100"}, "100.00"), exact_math({"exact": "x_y/2", "symbols": {"x_y": {"key": "x.y"}}}, "0.5")
    ('100', '\\approx 0.5')
    """
    text = r.get("exact") or ""
    if r.get("symbols") or not text or len(text) > MARKDOWN_EXACT_WIDTH or not _CLOSED.match(
            text.replace("Matrix(", "").replace("[", "").replace("]", "")):
        # the certified value alone: rounded unless the exact value is an integer
        exact = text and _INTEGERS.match(text.replace("Matrix(", "").replace(")", ""))
        return decimal_math(value) if exact else rf"\approx {decimal_math(value)}"
    form = web_latex(parse_exact(text), WebNotation((), (), ()), _claim_order(r, run))
    if _INTEGERS.match(text.replace("Matrix(", "").replace(")", "")):
        return form
    return rf"{form} \approx {decimal_math(value)}"


def _why_markdown(r: dict) -> str:
    """The terminal's "why": carried from which claims, the first wrong step, the checker's notes."""
    why = []
    if r["verdict"] in ("carried", "follows") and r["carried_from"]:
        why.append(carried_text(r, lambda s: f"#{s['index']} {markdown_code(s['key'])} = "
                                             f"{markdown_text(cell(s['written']))}"))
    fw = r.get("first_wrong")
    if r["verdict"] in ("wrong", "carried", "follows") and fw and fw["index"] != r["index"]:
        why.append(f"first wrong step: #{fw['index']} {markdown_code(fw['key'])}")
    why += [markdown_text(n) for n in r["notes"]]
    return "; ".join(why) or "–"


def _claim_order(r: dict, run):
    """The term order of a claim's exact form: its quantity's inputs in the problem's order (None
    without the run, or for a key the run does not hold)."""
    if run is None:
        return None
    try:
        return input_order(run, Key.parse(r["key"]).whole)
    except (KeyError, ValueError):
        return None


def render_check_markdown(data: dict, run=None) -> str:
    """A check report (the dict of :func:`check_dict`) as Markdown: one table row per claim with its
    where and why, exact values as inline LaTeX math, the summary and the findings as paragraphs.

    >>> report = check("examples/seed/problem.toml", {"values": {"density.A.women": "0.0107"}})
    >>> md = render_check_markdown(report.data, report.run)
    >>> print(md.splitlines()[4])
    | 0 | `density.A.women` | 0.0107 | ✓ correct | $\\frac{e^{-2/5}}{20 \\pi} \\approx 0.010668$ | 0.32 | – | – |
    """
    lines = [f"# Check of {markdown_code(shown_path(data['claims_file']))} against "
             f"{markdown_code(shown_path(data['problem']))}", "",
             "| # | quantity | written | verdict | exact value | error (last digit) | where | why |",
             "|---|---|---|---|---|---|---|---|"]
    for r in data["claims"]:
        value = r["value"] if "entries" not in r else entry_values(r, "value")
        error = r["error_ulps"] if "entries" not in r else entry_values(r, "error_ulps")
        where = markdown_text(r["where"]) if r.get("where") else "–"
        lines.append(f"| {r['index']} | {markdown_code(r['key'])} | {markdown_text(cell(r['written']))} | "
                     f"{SYMBOL[r['verdict']]} {r['verdict']} | {table_math(exact_math(r, value, run))} | "
                     f"{markdown_text(cell(error))} | {where} | {_why_markdown(r)} |")
    s = data["summary"]
    lines += ["", f"**{s['claims']} claims**: " + summary_text(s).split(": ", 1)[1] + "."]
    if s["first_error"]:
        e = s["first_error"]
        lines += ["", f"First error: #{e['index']} {markdown_code(e['key'])} = {markdown_text(cell(e['written']))}"
                      + (f" ({markdown_text(e['where'])})" if e.get("where") else "") + "."]
    if data["findings"]:
        lines += ["", "## Findings", ""]
        lines += [f"- **{f['kind']}** ({markdown_code(f['key'])}): {markdown_text(f['message'])}" for f in data["findings"]]
    document = document_lines(data)
    if document:
        lines += ["", "## The document", "", markdown_text(document[0])]
        lines += [f"- {markdown_text(line.strip())}" for line in document[1:]]
    return "\n".join(lines) + "\n"
