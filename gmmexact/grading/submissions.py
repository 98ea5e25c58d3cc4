"""Finding a class's submissions: every document in a folder, or the rows of a roster.

A folder holds one submission per student: a file (the student is its name without the extension,
``ada.md`` → ``ada``) or a sub-folder with one document in it (the student is the folder's name).
A roster (``--manifest roster.csv``) names them: a header row with ``student``, ``document`` and,
optionally, ``problem`` (paths relative to the roster's folder), so that each student can have
their own variant of the exercise.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "ada.md").write_text("$x = 1$"); _ = (d / "notes.png").write_bytes(b"")
>>> [(s.student, s.document.name) for s in folder_submissions(d)]
[('ada', 'ada.md')]
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import InputError

DOCUMENT_SUFFIXES = (".md", ".markdown", ".tex", ".ipynb", ".toml", ".csv", ".txt")
"""What a submission can be: a Markdown, LaTeX or notebook document, or a claims file (TOML, CSV)."""


@dataclass(frozen=True)
class Submission:
    """One student's submission: who, which document, and the problem it answers (``None``: read
    from the document, or the class's problem).

    ``problem_note`` says why a roster row's problem could not be used (the row is then graded as
    unreadable, not the class stopped)."""

    student: str
    document: Path
    problem: Path | None = None
    problem_note: str | None = None


def folder_submissions(folder: str | Path) -> list[Submission]:
    """One submission per document file or per sub-folder holding one document, sorted by student."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(str(folder), None, "is not a folder" if root.exists() else "folder not found",
                         "a folder with one document per student (or --manifest ROSTER.csv)")
    found: dict[str, Submission] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix.lower() in DOCUMENT_SUFFIXES:
            student = entry.stem
            if student in found:  # ada.md and ada.tex: two documents of one student
                found[student] = Submission(student, found[student].document, None,
                                            f"two documents for this student: {found[student].document.name} "
                                            f"and {entry.name}")
                continue
            found[student] = Submission(student, entry)
        elif entry.is_dir():
            docs = sorted(p for p in entry.iterdir() if p.is_file() and not p.name.startswith(".")
                          and p.suffix.lower() in DOCUMENT_SUFFIXES)
            if len(docs) == 1:
                found[entry.name] = Submission(entry.name, docs[0])
            else:
                found[entry.name] = Submission(
                    entry.name, entry, None,
                    "no document in the folder" if not docs else
                    f"{len(docs)} documents in the folder ({', '.join(p.name for p in docs[:4])}): one is expected")
    if not found:
        raise InputError(str(folder), None, "holds no submission",
                         f"documents ({', '.join(DOCUMENT_SUFFIXES)}), one per student")
    return [found[s] for s in sorted(found)]


def roster_submissions(path: str | Path) -> list[Submission]:
    """The submissions a roster CSV names (columns ``student``, ``document``, optional ``problem``)."""
    roster = Path(path)
    try:
        raw = roster.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), None, "file not found", "a roster CSV (student, document[, problem])") from None
    except OSError as e:
        raise InputError(str(path), None, f"cannot be read: {e.strerror or e}", "a readable file") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(str(path), None, "is not UTF-8 text", "a CSV file in UTF-8") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as e:
        raise InputError(str(path), None, f"is not a readable CSV ({e})", "a CSV file") from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise InputError(str(path), None, "is empty", "a header row: student,document[,problem]")
    header = [h.strip().lower() for h in rows[0]]
    for needed in ("student", "document"):
        if needed not in header:
            raise InputError(str(path), "header", f"has no {needed!r} column ({', '.join(header)})",
                             "columns student, document and optionally problem")
    col = {name: header.index(name) for name in ("student", "document", "problem") if name in header}
    out, seen = [], set()
    base = roster.parent
    for line, row in enumerate(rows[1:], start=2):
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in col.items()}
        student, document = cells["student"], cells["document"]
        if not student or not document:
            raise InputError(str(path), f"line {line}", "has an empty student or document",
                             "a student name and a document path on every row")
        if student in seen:
            raise InputError(str(path), f"line {line}", f"names student {student!r} a second time",
                             "one row per student")
        seen.add(student)
        problem = (base / cells["problem"]) if cells.get("problem") else None
        note = None
        if problem is not None and not problem.is_file():
            note = f"the roster's problem file {cells['problem']} is not found"
        out.append(Submission(student, base / document, problem, note))
    return out
