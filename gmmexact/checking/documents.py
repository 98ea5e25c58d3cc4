"""Checking a student's own document: read it, give every written number its place, check the
claims, and report the numbers that were given or not understood beside the verdicts.

The document (Markdown, LaTeX, a notebook) is read by :mod:`gmmexact.documents`; its problem is
the one given or, without one, the one the document states (data table and starting parameters).
Each claim's JSON record gains ``line``, ``column`` (and ``cell`` in a notebook) and the statement it
was read from; the report gains a ``document`` section: the format, where the problem came from,
the count of numbers per place, and every number that was not understood, with its line.

>>> report = check_document("examples/seed/homework.md")
>>> s = report.summary
>>> (s["claims"], s["correct"], s["wrong"]), report.data["document"]["problem_from"]
((54, 48, 1), 'document')

:func:`check_document_placed` returns the same report with the document as read and every number's
:class:`~gmmexact.documents.keying.Placement` (claim ``i`` of the report is the ``i``-th placement
whose status is ``claim``), for writing the document back with marks (:mod:`.annotate`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..documents import Document, read_document
from ..documents.keying import Placement, place_numbers
from ..documents.problemread import ProblemSource, problem_from_document
from ..model.errors import InputError
from ..model.problem import Problem, load
from ..numerics.run import Run
from .report import CheckReport, check

__all__ = ["CheckedDocument", "check_document", "check_document_placed", "document_claims", "claims_toml",
           "read_aliases"]


def _value(v):
    return [_value(x) for x in v] if isinstance(v, tuple) else v


def _where(p: Placement) -> str:
    cell = f"cell {p.span.cell}, " if p.span.cell is not None else ""
    return f"{cell}line {p.span.line}:{p.span.column}"


def document_claims(document: Document, problem: Problem, aliases: dict | None = None
                    ) -> tuple[dict, list[Placement]]:
    """The claims dict (``{"claim": [...]}``, as a claims file holds it) of a document, and every
    number's placement in document order."""
    placements = place_numbers(document, problem, aliases)
    records = [{"key": p.key, "value": _value(p.value), "where": f"{_where(p)}: {p.statement}"}
               for p in placements if p.status == "claim"]
    return {"claim": records}, placements


def read_aliases(items: list[str] | None, path: str | None = None) -> dict[str, str]:
    """``["u=mean", "1=women"]`` (and a TOML ``[aliases]`` file) as a dict; bad entries are an
    :class:`InputError` that names them."""
    aliases: dict[str, str] = {}
    if path:
        import tomllib  # noqa: PLC0415

        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            raise InputError(path, None, f"cannot be read as TOML ({e})", "an [aliases] table of name = meaning") from None
        table = data.get("aliases", data)
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise InputError(path, "aliases", "is not a table of strings", 'u = "mean", "1" = "women"')
        aliases.update(table)
    for item in items or ():
        name, sep, meaning = item.partition("=")
        if not sep or not name.strip() or not meaning.strip():
            raise InputError("--alias", None, f"{item!r} is not NAME=MEANING",
                             "a symbol and a kind (u=mean), or a document's name and the problem's (1=women)")
        aliases[name.strip()] = meaning.strip()
    return aliases


@dataclass(frozen=True)
class CheckedDocument:
    """A checked document: the report, the document as read and where each of its numbers stands.

    Attributes
    ----------
    report : CheckReport
        What :func:`check_document` returns.
    document : Document
        The document as read.
    placements : tuple of Placement
        Every written number in document order; the report's claim ``i`` is the ``i``-th one whose
        status is ``claim`` (:meth:`claims` lists them).
    """

    report: CheckReport
    document: Document
    placements: tuple[Placement, ...]

    def claims(self) -> list[Placement]:
        """The placements of the claims, in the order of ``report.data["claims"]``."""
        return [p for p in self.placements if p.status == "claim"]


def check_document(document: str | Path | Document, problem: Problem | Run | str | Path | None = None, *,
                   aliases: dict | None = None, backend: str = "arb") -> CheckReport:
    """Check the numbers a document writes.

    Parameters
    ----------
    document : str, Path or Document
        The student's document (Markdown, LaTeX, a notebook), or one already read.
    problem : Problem, Run, str, Path or None
        The problem; ``None`` reads it from the document.
    aliases : dict, optional
        Extra names (``{"u": "mean", "1": "women"}``).
    backend : str
        ``"arb"`` or ``"mpmath"``.
    """
    return check_document_placed(document, problem, aliases=aliases, backend=backend).report


def check_document_placed(document: str | Path | Document, problem: Problem | Run | str | Path | None = None, *,
                          aliases: dict | None = None, backend: str = "arb") -> CheckedDocument:
    """:func:`check_document`, keeping the document as read and every number's placement.

    >>> checked = check_document_placed("examples/seed/homework.md")
    >>> first = checked.claims()[0]
    >>> checked.report.data["claims"][0]["key"], first.key, (first.span.line, first.span.column)
    ('det.women', 'det.women', (58, 71))
    """
    doc = document if isinstance(document, Document) else read_document(document)
    sources: list[ProblemSource] = []
    if problem is None:
        problem_obj, sources = problem_from_document(doc)
        problem_from = "document"
        problem_arg: Problem | Run = problem_obj
    else:
        problem_arg = load(problem) if isinstance(problem, (str, Path)) else problem
        problem_obj = problem_arg.problem if isinstance(problem_arg, Run) else problem_arg
        problem_from = str(problem) if isinstance(problem, (str, Path)) else problem_obj.source
    claims, placements = document_claims(doc, problem_obj, aliases)
    if not claims["claim"]:
        unread = sum(p.status == "unread" for p in placements)
        raise InputError(doc.path, None, f"has no number this reader could key to a quantity ({len(placements)} "
                         f"numbers, {unread} not understood)",
                         "math such as $$\\mathcal{N}(A | \\mu_1, \\Sigma_1) = 0.0107$$, or a claims file; "
                         "`gmmexact claims-from DOCUMENT` shows what was read")
    report = check(problem_arg, claims, backend=backend, claims_source=doc.path)
    claimed = [p for p in placements if p.status == "claim"]
    for record in report.data["claims"]:
        p = claimed[record["index"]]
        record.update(line=p.span.line, column=p.span.column, **({"cell": p.span.cell} if p.span.cell is not None
                                                                else {}), statement=p.statement)
    counts = {s: sum(p.status == s for p in placements) for s in ("claim", "given", "working", "unread")}
    report.data["document"] = {
        "path": doc.path, "format": doc.format, "problem_from": problem_from,
        "problem_sources": [str(s) for s in sources],
        "numbers": counts,
        "unread": [{"line": p.span.line, "column": p.span.column, **({"cell": p.span.cell} if p.span.cell
                                                                      is not None else {}),
                    "written": _value(p.value), "key": p.key, "reason": p.reason, "statement": p.statement}
                   for p in placements if p.status == "unread"],
        "problems": [{"line": s.line, "column": s.column, "reason": why} for s, why in doc.problems],
    }
    if doc.carry_digits is not None:  # a calculator chain: numbers rounded and carried on purpose
        report.data["document"]["carry_digits"] = doc.carry_digits
    return CheckedDocument(report, doc, tuple(placements))


def claims_toml(placements: list[Placement], source: str) -> str:
    """A draft claims file of the placements: every claim with its place, the numbers not
    understood listed as comments to review."""
    def text(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'

    def value(v) -> str:
        return "[" + ", ".join(value(x) for x in v) + "]" if isinstance(v, tuple) else text(v)

    claims = [p for p in placements if p.status == "claim"]
    lines = [f"# Claims read from {source}: review them, correct a key or a value where the reader got it",
             "# wrong, then: gmmexact check PROBLEM THIS_FILE",
             f"# {len(claims)} claims; {sum(p.status == 'given' for p in placements)} numbers given (data, start, "
             f"restated); {sum(p.status == 'working' for p in placements)} inside a step's working; "
             f"{sum(p.status == 'unread' for p in placements)} not understood (listed at the end)", ""]
    for p in claims:
        lines += ["[[claim]]", f"key = {text(p.key)}", f"value = {value(p.value)}",
                  f"where = {text(_where(p) + ': ' + p.statement)}", ""]
    unread = [p for p in placements if p.status == "unread"]
    if unread:
        lines.append("# Not understood (add a [[claim]] for any that should be checked):")
        lines += [f"#   {_where(p)}: {value(p.value) if isinstance(p.value, tuple) else p.value} — {p.reason}"
                  for p in unread]
    return "\n".join(lines) + "\n"
