"""A check's verdicts as plain data (JSON schema for graders' scripts, ``docs/formats.md``) and their
renderings (text, Markdown); :class:`CheckReport` and whether a check passed.

A check passes when every claim is correct or carried by rounding; ``follows``, ``wrong``,
``undecided`` and ``unreadable`` claims fail it, and so does a number rounded too early unless the
rounding policy is lenient (``passed(lenient_rounding=True)``, ``check --lenient-rounding``);
``strict`` fails every carried number. Errors are shown as units of the last digit when a number is
nearly right (under 10 units), else in words (``error_words``: ``3.2 % too large``, ``sign flipped``).

Known gaps: the text and Markdown tables cut ``where`` and long exact forms (the JSON keeps them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .notes import NEARLY_RIGHT, pi_text
from .verdicts import Checker, ClaimCheck
from .claims import claimed_iterations, claims_from_dict, read_claims_data
from ..model.displayhook import Displayable
from ..model.exactnum import int_text
from ..model.keys import Key
from ..model.problem import Problem, load
from ..rendering.markdown import markdown_code, markdown_text
from ..rendering.text import plain
from ..rendering.textbook import shown_path
from ..rendering.report import input_order, parse_exact
from ..numerics.run import Run, solve
from ..rendering.mathjax import WebNotation, decimal_math, table_math, web_latex

WHERE_WIDTH = 40
KEY_WIDTH = 32  # a key longer than this folds inside its column
VERDICTS = ("correct", "carried", "follows", "wrong", "undecided", "unreadable")
"""``carried``: what the document's own earlier *rounded* numbers give; ``follows``: right given an
earlier *wrong* number of the document (error carried forward), which still counts against it;
``unreadable``: a value that cannot be read or has the wrong shape (the record's ``reason``)."""
SYMBOL = {"correct": "✓", "carried": "≈", "follows": "↳", "wrong": "✗", "undecided": "?", "unreadable": "⊘"}
STYLE = {"correct": "green", "carried": "yellow", "follows": "dark_orange", "wrong": "red", "undecided": "magenta",
         "unreadable": "bright_black"}


def _written(w) -> object:
    if isinstance(w, tuple):
        return [_written(x) for x in w]
    return w.text


def _listed(v):
    return [_listed(x) for x in v] if isinstance(v, tuple) else v


def check_dict(run: Run, checks: list[ClaimCheck], source: str, claims_source: str) -> dict:
    """The stable JSON schema: ``claims`` (file order), ``summary``, ``findings``."""
    by_index = {c.claim.index: c for c in checks}

    def ref(i):
        c = by_index[i].claim
        return {"index": i, "key": c.name, "written": _written(c.written) if c.written is not None else c.raw,
                "where": c.where}

    records = []
    for c in checks:
        early = c.too_early
        record = {
            "index": c.claim.index, "key": c.claim.name,
            "written": _written(c.claim.written) if c.claim.written is not None else c.claim.raw,
            "verdict": c.verdict, "exact": c.exact or None, **({"symbols": c.symbols} if c.symbols else {}),
            "where": c.claim.where,
            "carried_from": [ref(i) for i in c.carried_from], "carried_kind": c.carried_kind,
            "first_wrong": ref(c.first_wrong) if c.first_wrong is not None else None,
            "notes": list(c.notes),
        }
        counts_against = c.verdict in ("wrong", "follows") or early is not None
        if not c.entries:  # unreadable: the certified value of its key, when the problem has it
            record.update(value=_listed(c.value), error_ulps=None)
        elif len(c.entries) == 1 and not c.entries[0].key.entry:
            e = c.entries[0]
            record.update(value=e.value, error_ulps=e.error_ulps)
        else:
            record.update(value=None, error_ulps=None, entries=[
                {"key": str(e.key), "written": e.written.text, "value": e.value, "error_ulps": e.error_ulps,
                 **({"error_words": e.words} if counts_against and e.words else {})}
                for e in c.entries])
        # the fields added since the first schema appear only where they apply
        if early is not None:
            record["rounded_too_early"] = {
                "rounded": [ref(i) for i in early.rounded], "pi": pi_text(early.pi) if early.pi is not None else None,
                "digits_justified": early.justified, "digits_shown": early.shown}
        if c.reason is not None:
            record["reason"] = c.reason
        if c.slips:
            record["slips"] = list(c.slips)
        if counts_against and c.error_words:
            record["error_words"] = c.error_words
        records.append(record)
    counts = {v: sum(c.verdict == v for c in checks) for v in VERDICTS}
    wrong = [c for c in checks if c.verdict == "wrong"]
    return {
        "problem": source, "claims_file": claims_source,
        "claims": records,
        "summary": {"claims": len(checks), **counts,
                    "carried_rounding": sum(c.carried_kind == "rounding" for c in checks),
                    "carried_error": sum(c.carried_kind == "error" for c in checks),
                    "rounded_too_early": sum(c.too_early is not None for c in checks),
                    "first_error": ref(wrong[0].first_wrong) if wrong else None},
        "findings": [f.as_dict() for f in run.diagnostics if f.kind != "conditioning"]
                    + early_findings(checks, ref),
    }


def early_findings(checks: list[ClaimCheck], ref) -> list[dict]:
    """One finding per place the document rounded too early: the claims rounded (and π by hand), and
    the later numbers that rounding spoiled, each with its error and the digits still justified."""
    groups: dict[tuple, list[ClaimCheck]] = {}
    for c in checks:
        if c.too_early is not None:
            groups.setdefault((c.too_early.rounded, c.too_early.pi), []).append(c)
    found = []
    for (rounded, pi), spoiled in groups.items():
        causes = [_ref_text(ref(i)) + _digits_of(checks, i) for i in rounded]
        if pi is not None:
            causes.append(f"π ≈ {pi_text(pi)}")
        parts = []
        for c in spoiled:
            e = c.too_early
            why = [c.error_words] if c.error_words else []
            why.append(f"shows {_digits(e.shown)}" + ("" if e.justified is None else
                                                      f", {_justified_text(e.justified)}"))
            parts.append(f"{_ref_text(ref(c.claim.index))} ({'; '.join(why)})")
        message = (f"{', '.join(causes) or 'an earlier number'} {'was' if len(causes) == 1 else 'were'} rounded "
                   f"too early: {'it spoils' if len(causes) == 1 else 'they spoil'} {'; '.join(parts)}. Keep more "
                   "digits in the numbers a later step is computed from, or show fewer digits in that step")
        first = ref(rounded[0])["key"] if rounded else ref(spoiled[0].claim.index)["key"]
        found.append({"kind": "rounded-too-early", "key": first, "message": message,
                      "rounded": [ref(i) for i in rounded], "pi": pi_text(pi) if pi is not None else None,
                      "spoiled": [ref(c.claim.index) for c in spoiled]})
    return found


def _ref_text(r: dict) -> str:
    return f"#{r['index']} {r['key']} = {cell(r['written'])}"


def _digits(n: int) -> str:
    return f"{n} significant digit{'' if n == 1 else 's'}"


def _justified_text(n: int) -> str:
    return "none of them justified" if n <= 0 else f"at most {n} justified"


def _digits_of(checks: list[ClaimCheck], index: int) -> str:
    """`` (2 significant digits)``: the fewest a claim shows."""
    c = next(x for x in checks if x.claim.index == index)
    shown = [e.written.digits for e in c.entries if e.written.digits is not None and e.written.value != 0]
    return f" ({_digits(min(shown))})" if shown else ""


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
        """The counts of ``data["summary"]`` (``claims``, ``correct``, ``carried``, ``follows``, ``wrong``,
        ``undecided``, ``unreadable``, ``rounded_too_early``, …) and ``first_error``."""
        return self.data["summary"]

    def passed(self, strict: bool = False, lenient_rounding: bool = False) -> bool:
        """True when every claim is correct or carried by rounding, and none was rounded too early.

        Parameters
        ----------
        strict : bool
            Every carried number fails too (rounded too early or not).
        lenient_rounding : bool
            A number rounded too early passes (as carried rounding); ignored with ``strict``. A
            document that declares itself a calculator chain (``gmmexact latex --carry-digits``) is
            read with it: its numbers are rounded and carried on purpose.
        """
        s = self.summary
        lenient_rounding = lenient_rounding or bool((self.data.get("document") or {}).get("carry_digits"))
        return not (s["wrong"] or s["undecided"] or s.get("follows") or s.get("unreadable")
                    or (s.get("rounded_too_early") and not lenient_rounding) or (strict and s["carried"]))

    def __repr__(self) -> str:
        s = self.summary
        counts = ", ".join(f"{s[v]} {v}" for v in VERDICTS if s.get(v))
        return f"<CheckReport {shown_path(self.data['claims_file'])}: {s['claims']} claim{'' if s['claims'] == 1 else 's'}: {counts}>"


def claims_iterations(data: dict) -> int:
    """The iterations to solve for a raw claims document: the last one its keys name, far keys
    (reported unreadable on their own) and malformed records aside (1 when none parses)."""
    return claimed_iterations(data)


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
        A verdict per claim (correct, carried, follows, wrong, undecided, unreadable) and the JSON
        document.

    Raises
    ------
    InputError
        For a bad problem file, or a claims file that is not one (one unreadable claim is that
        claim's verdict).
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
    forward is counted apart (``2 follow an earlier error``), and so are numbers rounded too early (among
    the carried ones), unreadable and undecided claims when there are any.

    >>> summary_text({"claims": 5, "correct": 2, "carried": 1, "follows": 1, "wrong": 1, "undecided": 0})
    '5 claims: 2 correct, 1 carried (rounding), 1 follows an earlier error, 1 wrong'
    >>> summary_text({"claims": 6, "correct": 2, "carried": 2, "rounded_too_early": 1, "wrong": 0, "unreadable": 2})
    '6 claims: 2 correct, 2 carried (rounding; 1 rounded too early), 0 wrong, 2 unreadable'
    """
    follows, early = s.get("follows", 0), s.get("rounded_too_early", 0)
    text = (f"{s['claims']} claim{'' if s['claims'] == 1 else 's'}: {s['correct']} correct, {s['carried']} carried (rounding"
            + (f"; {early} rounded too early" if early else "") + "), ")
    if follows:
        text += f"{follows} follow{'s' if follows == 1 else ''} an earlier error, "
    text += f"{s['wrong']} wrong"
    text += f", {s['unreadable']} unreadable" if s.get("unreadable") else ""
    return text + (f", {s['undecided']} undecided" if s.get("undecided") else "")


def carried_text(r: dict, name) -> str:
    """Why a carried or follows verdict: ``carried (rounding) from #2 …`` or ``follows #3 …``, and
    where a number rounded too early had its rounding (``rounded too early at #8 …``)."""
    sources = ", ".join(name(s) for s in r["carried_from"])
    if r["verdict"] == "follows":
        return f"follows {sources}" if sources else "follows an earlier error"
    text = "carried (rounding)" + (f" from {sources}" if sources else "")
    early = r.get("rounded_too_early")
    if early:
        causes = [name(s) for s in early["rounded"]] + ([f"π ≈ {early['pi']}"] if early.get("pi") else [])
        text += "; rounded too early" + (f" at {', '.join(causes)}" if causes else "")
        text += f": shows {_digits(early['digits_shown'])}" + (
            "" if early["digits_justified"] is None else f", {_justified_text(early['digits_justified'])}")
    return text


def first_wrong_shown(r: dict) -> bool:
    """Whether a record's first wrong step is worth a mention: another claim than itself and than the
    earlier errors a ``follows`` number names."""
    fw = r.get("first_wrong")
    if r["verdict"] not in ("wrong", "carried", "follows") or not fw or fw["index"] == r["index"]:
        return False
    return not (r["verdict"] == "follows" and fw["index"] in {s["index"] for s in r["carried_from"]})


def unreadable_text(r: dict) -> str:
    """Why an unreadable verdict: the reason, with what would be right."""
    return f"unreadable: {r['reason']}" if r.get("reason") else "unreadable"


def entry_values(r: dict, field: str):
    """A vector or matrix claim's entry values, nested like the quantity."""
    return _nest(r, [e.get(field) for e in r["entries"]])


def _nest(r: dict, values: list):
    entries = r["entries"]
    if entries and entries[0]["key"].endswith("]") and entries[0]["key"].count("[") == 2 and len(values) > 1:
        d = int(round(len(values) ** 0.5))
        return [values[i * d:(i + 1) * d] for i in range(d)]
    return values


def error_shown(r: dict):
    """The error column of a record (nested like the quantity): units of the last digit for a correct or
    nearly right number (whose words are ``about N units of its last digit …``), else the error in words.

    >>> error_shown({"error_ulps": "2.9e+5", "error_words": "off by a factor of 10³ (too large)"})
    'off by a factor of 10³ (too large)'
    >>> error_shown({"error_ulps": "1.3", "error_words": "about 1 unit of its last digit too large"})
    '1.3'
    >>> error_shown({"error_ulps": "3.9", "error_words": "4.7 times too large"})
    '4.7 times too large'
    """
    if "entries" not in r:
        return _error_text(r.get("error_ulps"), r.get("error_words"))
    return _nest(r, [_error_text(e.get("error_ulps"), e.get("error_words")) for e in r["entries"]])


def _error_text(ulps: str | None, words: str | None) -> str | None:
    if words and (ulps is None or not words.startswith(NEARLY_RIGHT)):
        return words
    return ulps


def cell(x) -> str:
    if isinstance(x, list) and len(x) == 1:  # d = 1: a 1-vector or 1×1 matrix reads as its number
        return cell(x[0])
    if isinstance(x, list):
        return "[" + ", ".join(cell(v) for v in x) + "]"
    if isinstance(x, int) and not isinstance(x, bool):
        return int_text(x)
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

    >>> step_of("iter2.cov.women[0][1]"), step_of("density.A.men"), step_of("densty")
    ('iteration 2 · M-step', 'iteration 1 · E-step: densities', 'keys the problem does not have')
    """
    try:
        k = Key.parse(key)
    except ValueError:
        return "keys the problem does not have"
    return f"iteration {k.iteration} · {STAGES[k.kind]}"


def render_check_text(data: dict, console: Console | None = None) -> None:
    """A table per step of the document, in its order (a step the document returns to starts a new table)."""
    console = console or Console()
    console.print(plain(f"gmmexact check · {data['problem']} · {data['claims_file']}", style="bold"))
    groups: list[tuple[str, list[dict]]] = []
    for r in data["claims"]:
        step = step_of(r["key"])
        if not groups or groups[-1][0] != step:
            groups.append((step, []))
        groups[-1][1].append(r)
    for step, records in groups:
        table = Table(title=Text(step), title_justify="left", title_style="bold", expand=False)
        short = max((len(r["key"]) for r in records), default=0) <= KEY_WIDTH  # longer keys fold in their column
        for col in ("#", "quantity", "written", "", "exact value", "error (last digit)", "where / why"):
            table.add_column(col, no_wrap=col == "#" or (col == "quantity" and short),
                             overflow="fold" if col == "quantity" else "ellipsis")
        for r in records:
            value = r["value"] if "entries" not in r else entry_values(r, "value")
            error = error_shown(r)
            why = []
            if r["where"]:  # the full text is in the JSON output
                why.append(r["where"] if len(r["where"]) <= WHERE_WIDTH else r["where"][:WHERE_WIDTH - 1] + "…")
            if r["verdict"] == "unreadable":
                why.append(unreadable_text(r))
            if r["verdict"] in ("carried", "follows"):
                why.append(carried_text(r, lambda s: f"#{s['index']} {s['key']} = {cell(s['written'])}"))
            if first_wrong_shown(r):
                why.append(f"first wrong step: #{r['first_wrong']['index']} {r['first_wrong']['key']}")
            why += r["notes"]
            table.add_row(str(r["index"]), plain(r["key"]), plain(cell(r["written"])),
                          Text(SYMBOL[r["verdict"]], style=STYLE[r["verdict"]]),
                          plain(exact_cell(r, value) if value is not None else "–"),
                          plain(cell(error)), plain("; ".join(why)))
        console.print(table)
    s = data["summary"]
    console.print(Text(summary_text(s)))
    if s["first_error"]:
        console.print(plain(f"first error: #{s['first_error']['index']} {s['first_error']['key']} = "
                            f"{cell(s['first_error']['written'])}", style="red"))
    for f in data["findings"]:
        console.print(plain(f"{f['kind']}: {f['message']}", style="yellow"))
    for line in document_lines(data):
        console.print(plain(line, style="magenta" if line.startswith("  ") else ""))


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
    if doc.get("carry_digits"):
        k = doc["carry_digits"]
        lines.append(f"a calculator chain carrying {k} significant digits (it says so in its first line, as "
                     f"gmmexact latex --carry-digits {k} writes): numbers rounded and carried are its method, "
                     "so rounding carried forward passes")
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
    why = [markdown_text(unreadable_text(r))] if r["verdict"] == "unreadable" else []
    if r["verdict"] in ("carried", "follows") and (r["carried_from"] or r.get("rounded_too_early")):
        why.append(carried_text(r, lambda s: f"#{s['index']} {markdown_code(s['key'])} = "
                                             f"{markdown_text(cell(s['written']))}"))
    fw = r.get("first_wrong")
    if first_wrong_shown(r):
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
        error = error_shown(r)
        where = markdown_text(r["where"]) if r.get("where") else "–"
        exact = table_math(exact_math(r, value, run)) if value is not None else "–"
        lines.append(f"| {r['index']} | {markdown_code(r['key'])} | {markdown_text(cell(r['written']))} | "
                     f"{SYMBOL[r['verdict']]} {r['verdict']} | {exact} | "
                     f"{markdown_text(cell(error))} | {where} | {_why_markdown(r)} |")
    s = data["summary"]
    counts = summary_text(s).split(": ", 1)
    lines += ["", f"**{counts[0]}**: {counts[1]}."]
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
