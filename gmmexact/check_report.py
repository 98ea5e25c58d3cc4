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
from .keys import Key
from .problem import Problem, load
from .run import Run, solve

WHERE_WIDTH = 40
VERDICTS = ("correct", "carried", "wrong", "undecided")
SYMBOL = {"correct": "✓", "carried": "≈", "wrong": "✗", "undecided": "?"}
STYLE = {"correct": "green", "carried": "yellow", "wrong": "red", "undecided": "magenta"}


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
class CheckReport:
    """The verdicts on one document's claims: ``data`` is the stable JSON schema (``claims``,
    ``summary``, ``findings``); it displays itself in Jupyter.

    >>> report = check("examples/seed/problem.toml", {"values": {"density.A.women": "0.0107"}})
    >>> report.data["claims"][0]["verdict"], report.passed()
    ('correct', True)
    """

    run: Run
    checks: tuple[ClaimCheck, ...]
    data: dict

    @property
    def summary(self) -> dict:
        return self.data["summary"]

    def passed(self, strict: bool = False) -> bool:
        """True when nothing is wrong or undecided (and, with ``strict``, nothing is carried)."""
        s = self.summary
        return not (s["wrong"] or s["undecided"] or (strict and s["carried"]))

    def _repr_markdown_(self) -> str:
        return render_check_markdown(self.data)

    def _repr_html_(self) -> str:
        from .display import check_html  # noqa: PLC0415  (display is only needed in notebooks)

        return check_html(self.data)


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


def check(problem: Problem | Run | str | Path, claims: dict | str | Path, *, backend: str = "arb") -> CheckReport:
    """Check a document's written numbers (a claims file, or its parsed dict) against the exact run.

    ``problem`` may be a problem file, a :class:`Problem` or a solved :class:`Run` (solved again with
    more iterations if a claim refers to a later one). Raises :class:`~gmmexact.errors.InputError`
    for a bad claims file.
    """
    source = str(problem) if isinstance(problem, (str, Path)) else getattr(
        problem.problem if isinstance(problem, Run) else problem, "source", "<memory>")
    claims_source = str(claims) if isinstance(claims, (str, Path)) else "<memory>"
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


def _entry_values(r: dict, field: str):
    """A vector or matrix claim's entry values, nested like the quantity."""
    entries = r["entries"]
    values = [e[field] for e in entries]
    if entries and entries[0]["key"].endswith("]") and entries[0]["key"].count("[") == 2 and len(values) > 1:
        d = int(round(len(values) ** 0.5))
        return [values[i * d:(i + 1) * d] for i in range(d)]
    return values


def _cell(x) -> str:
    if isinstance(x, list) and len(x) == 1:  # d = 1: a 1-vector or 1×1 matrix reads as its number
        return _cell(x[0])
    if isinstance(x, list):
        return "[" + ", ".join(_cell(v) for v in x) + "]"
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
        return _cell(value)
    if _INTEGERS.match(text):
        return text
    return f"{text} ≈ {_cell(value)}"


def render_check_text(data: dict, console: Console | None = None) -> None:
    console = console or Console()
    console.print(Text(f"gmmexact check · {data['problem']} · {data['claims_file']}", style="bold"))
    table = Table(expand=False)
    for col in ("#", "quantity", "written", "", "exact value", "error (last digit)", "where / why"):
        table.add_column(col, no_wrap=col in ("#", "quantity"))
    for r in data["claims"]:
        value = r["value"] if "entries" not in r else _entry_values(r, "value")
        error = r["error_ulps"] if "entries" not in r else _entry_values(r, "error_ulps")
        why = []
        if r["where"]:  # the full text is in the JSON output
            why.append(r["where"] if len(r["where"]) <= WHERE_WIDTH else r["where"][:WHERE_WIDTH - 1] + "…")
        if r["verdict"] == "carried":
            src = ", ".join(f"#{s['index']} {s['key']} = {_cell(s['written'])}" for s in r["carried_from"])
            why.append(f"carried ({'rounding' if r['carried_kind'] == 'rounding' else 'earlier error'}) from {src}")
        if r["verdict"] in ("wrong", "carried") and r["first_wrong"] and r["first_wrong"]["index"] != r["index"]:
            why.append(f"first wrong step: #{r['first_wrong']['index']} {r['first_wrong']['key']}")
        why += r["notes"]
        table.add_row(str(r["index"]), escape(r["key"]), escape(_cell(r["written"])),
                      Text(SYMBOL[r["verdict"]], style=STYLE[r["verdict"]]), escape(exact_cell(r, value)),
                      escape(_cell(error)), escape("; ".join(why)))
    console.print(table)
    s = data["summary"]
    console.print(Text(f"{s['claims']} claims: {s['correct']} correct, {s['carried']} carried "
                       f"({s['carried_rounding']} rounding, {s['carried_error']} earlier error), {s['wrong']} wrong"
                       + (f", {s['undecided']} undecided" if s["undecided"] else "")))
    if s["first_error"]:
        console.print(Text(f"first error: #{s['first_error']['index']} {s['first_error']['key']} = "
                           f"{_cell(s['first_error']['written'])}", style="red"))
    for f in data["findings"]:
        console.print(Text(f"{f['kind']}: {f['message']}", style="yellow"))


def render_check_markdown(data: dict) -> str:
    lines = [f"# Check of `{data['claims_file']}` against `{data['problem']}`", "",
             "| # | quantity | written | verdict | exact value | error (last digit) | notes |", "|---|---|---|---|---|---|---|"]
    for r in data["claims"]:
        value = r["value"] if "entries" not in r else _entry_values(r, "value")
        error = r["error_ulps"] if "entries" not in r else _entry_values(r, "error_ulps")
        notes = list(r["notes"])
        if r["carried_from"]:
            notes.insert(0, "from " + ", ".join(f"#{s['index']} `{s['key']}`" for s in r["carried_from"]))
        lines.append(f"| {r['index']} | `{r['key']}` | {_cell(r['written'])} | {SYMBOL[r['verdict']]} {r['verdict']} | "
                     f"{exact_cell(r, value)} | {_cell(error)} | {'; '.join(notes).replace('|', '/')} |")
    s = data["summary"]
    lines += ["", f"**{s['claims']} claims**: {s['correct']} correct, {s['carried']} carried "
                  f"({s['carried_rounding']} rounding, {s['carried_error']} earlier error), {s['wrong']} wrong"
                  + (f", {s['undecided']} undecided" if s["undecided"] else "") + "."]
    if s["first_error"]:
        e = s["first_error"]
        lines.append(f"First error: #{e['index']} `{e['key']}` = {_cell(e['written'])}"
                     + (f" ({e['where']})" if e.get("where") else "") + ".")
    for f in data["findings"]:
        lines.append(f"- **{f['kind']}**: {f['message']}")
    return "\n".join(lines) + "\n"
