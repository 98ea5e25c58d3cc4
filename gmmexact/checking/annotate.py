r"""The student's own document written back with a mark beside each number that was checked.

``gmmexact check DOCUMENT --annotate FILE`` keeps the document as the student wrote it and adds,
right after each checked number, a mark: ✓ correct, ≈ carried rounding (right from the document's
own rounded numbers), ↳ follows an earlier error (right given an earlier wrong number, which the
note names: "follows #3 density.A.men"), ✗ wrong (the note gives the exact value, how far off it is
when the checker says so, the slip it matches, the first wrong step) and ? not understood (a number
the reader could not key, or a claim whose value could not be read, with the reason) or undecided.
Every mark but ✓ carries a label, ``[53]`` for claim #53 of ``check``'s report and ``[u1]`` for the
first number not understood, that leads to its note; a summary of the counts comes first.

Where a number is
-----------------
The reader gives every number a :class:`~gmmexact.documents.keying.Placement` whose span holds its
line, column and verbatim text (:func:`.documents.check_document_placed`). That position is turned
into an offset into the source (line ends normalised to ``\n``, as the reader reads it; the cell's
source for a notebook) and the span's text is verified there: a number that is not found verbatim
at its position is listed in the notes as not placed rather than marked in the wrong spot. A number
is *in math* when it lies inside a math block the reader found (``$…$``, ``$$…$$``, ``\[…\]``,
environments) or between ``$`` signs of a table cell; otherwise it is in text (a table cell, prose).

How each format carries the marks
---------------------------------
``.md`` (Markdown input, or a notebook's Markdown cells): in text, `` ✓`` / `` ✗ [53]`` after the
number. In math the marks stay inside the math, so the TeX stays valid wherever it is rendered:
``{\color{Red}0.0107\enspace\text{✗ [53]}}`` colours the number and puts the mark after it. The
braces make the number and its mark one group, so even a number that is an unbraced macro argument
(``\frac1{62.83}``'s ``1``) keeps its meaning; ``\color`` is a switch in LaTeX, MathJax 3 and KaTeX
(MathJax 2's two-argument ``\color`` colours only the first character: still valid), the colour names
(ForestGreen, Orange, RoyalBlue, Red, Gray, Purple) are both dvips names MathJax knows and CSS
names KaTeX passes on, and ``\text{…}`` with a Unicode symbol renders in both. The summary sits
between ``<!-- gmmexact: summary -->`` comments at the top and the notes after
``<!-- gmmexact: notes -->`` at the end, so a script can take them off again.

``.html``: one self-contained page (no script, nothing fetched: a picture the document links to is
shown as a link): the document rendered (markdown-it-py for Markdown and notebook Markdown cells,
code cells as code; for LaTeX a simple rendering of
headings, prose, math and tables, prose through pylatexenc's text conversion), math converted to
MathML with latex2mathml, which browsers render natively. Before conversion each number in math is
wrapped as ``{{NUMBER}\text{<mark id>}}``: latex2mathml makes that an ``<mrow>`` holding the number
followed by an ``<mtext>`` holding the id (private-use characters that no document keeps: any it
holds are replaced first), and the ``<mtext>`` is then filled with the mark, an HTML ``<span>``
(HTML is allowed inside ``<mtext>``, a text integration point). So the mark is the element right
after the number's own element, in fractions, matrices and subscripts too. In text the number is
wrapped in ``<span class="gm-num">`` and the mark follows it. Each mark has its note as ``title``
(shown on hover) and in the side list, whose items link to the marks. latex2mathml does not escape
what it copies (``\text{<b>}`` comes out as raw HTML), so its element tree is serialised here with
every text HTML-escaped and only MathML elements and plain attributes kept; math it cannot convert
is shown as its TeX, escaped, with the marks in place. All document text goes through markdown-it
with raw HTML off, or is escaped.

``.tex`` / ``.pdf`` (LaTeX input): the source with ``\gmmark{KIND}{SYMBOL}`` after each number
(inside math ``{NUMBER\gmmark{…}{…}}``, grouped as in Markdown), the macro and its colours defined
just before ``\begin{document}`` (``xcolor``; ✓ is ``\checkmark`` when amssymb is loaded, else
``\surd``; ``glyphtounicode`` so that the marks survive copy and paste and ``pdftotext``), a boxed
summary after ``\begin{document}`` (after ``\maketitle`` when there is one) and the notes before
``\end{document}``. A fragment without ``\documentclass`` becomes a small article. ``.pdf`` is
compiled by pdflatex in a temporary directory with ``-no-shell-escape``, reading and writing only
there (``openin_any=p``, ``openout_any=p``), the document's own folder on ``TEXINPUTS`` for its
``\input`` files and pictures, and a time limit.

Every file is written whole or not at all (:func:`~gmmexact.model.atomic.write_atomic`: a temporary
file beside it, then ``os.replace``); the input document and the problem file are never a target,
and a missing folder, a folder or a path under a file is refused before any work
(:func:`annotation_format`). When pdflatex fails, its log is kept beside the PDF and named.

Known gaps: a number inside ``\text{…}`` in Markdown math gets a mark MathJax shows as TeX; a
number that is the argument of a macro such as ``\num{…}`` (siunitx) makes the marked LaTeX fail;
LaTeX rendered to HTML is simplified (no macros a user defines, no pictures, no citations, lists as
paragraphs) and latex2mathml shows a macro it does not know by its name; Markdown output written
from a file with ``\r\n`` line ends keeps them, a byte-order mark is dropped; math a block quote
spreads over several lines is placed on its first line only (as the reader reads it).

>>> checked = check_document_placed("tests/documents/onedim.md", "tests/documents/onedim.toml")
>>> marks = document_marks(checked)
>>> [(m.kind, m.label, m.written, m.math) for m in marks if m.kind != "correct"]
[('wrong', '2', '0.1083', True), ('unread', 'u1', '4', False), ('wrong', '15', '4.018', True)]
>>> text = annotated_markdown(checked, marks)
>>> "\\approx {\\color{ForestGreen}0.0297\\enspace\\text{✓}}$$" in text
True
"""
from __future__ import annotations

import html
import json
import os
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from pathlib import Path

from ..documents import Document, Heading, Math, Prose, Table
from ..documents.positions import SourceText, normalise
from ..model.atomic import check_writable, write_atomic
from ..model.errors import InputError
from ..rendering.markdown import markdown_code, markdown_text
from ..rendering.solution.pdf import compile_pdf
from ..rendering.textbook import escape_text, shown_path
from .documents import CheckedDocument, check_document_placed

__all__ = ["FORMATS", "KINDS", "Mark", "annotate", "annotated_html", "annotated_latex", "annotated_markdown",
           "annotation_format", "document_marks", "mark_kind", "write_annotation"]

KINDS = ("correct", "carried", "follows", "wrong", "undecided", "unread")
"""The marks, in the order summaries count them."""
SYMBOL = {"correct": "✓", "carried": "≈", "follows": "↳", "wrong": "✗", "undecided": "?", "unread": "?"}
MEANING = {"correct": "correct", "carried": "carried rounding", "follows": "follows an earlier error",
           "wrong": "wrong", "undecided": "undecided", "unread": "not understood"}
LEGEND = {"correct": "the exact value rounds to what is written",
          "carried": "right from the document's own rounded numbers, not from the exact ones",
          "follows": "right given an earlier wrong number, which the note names",
          "wrong": "the note gives the exact value and why",
          "undecided": "the checker could not decide",
          "unread": "a number the reader did not understand, with the reason"}
_MATH_COLOR = {"correct": "ForestGreen", "carried": "Orange", "follows": "RoyalBlue", "wrong": "Red",
               "undecided": "Purple", "unread": "Gray"}
_CSS_COLOR = {"correct": "#1a7f37", "carried": "#9a6700", "follows": "#0550ae", "wrong": "#cf222e",
              "undecided": "#8250df", "unread": "#57606a"}
_LATEX_COLOR = {"correct": "0,0.5,0", "carried": "0.75,0.45,0", "follows": "0.02,0.31,0.68", "wrong": "0.8,0,0",
                "undecided": "0.5,0,0.5", "unread": "0.4,0.4,0.4"}
_LATEX_SYMBOL = {"correct": r"\gmcheck", "carried": r"$\approx$", "follows": r"$\rightarrow$", "wrong": r"$\times$",
                 "undecided": "?", "unread": "?"}

FORMATS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".tex": "latex",
           ".pdf": "pdf"}
"""Target extensions and the format each writes."""
_ALLOWED = {"markdown": ("markdown", "html"), "notebook": ("markdown", "html"), "latex": ("latex", "pdf", "html")}
_EXTENSIONS = {"markdown": ".md", "html": ".html", "latex": ".tex", "pdf": ".pdf"}

# private-use characters that carry the marks through markdown-it and latex2mathml into the HTML
_OPEN, _CLOSE, _END, _MATH_OPEN = "\ue000", "\ue001", "\ue002", "\ue003"
_SENTINELS = re.compile("[\ue000-\ue003]")


# -- the marks -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    """One mark: what it says, about which number, and where that number is.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    label : str
        ``"53"`` for claim #53 of the report, ``"u1"`` for the first number not understood.
    claim : int or None
        The claim's index in the report (``None`` for a number not understood).
    key : str or None
        The quantity key.
    written : str
        The number as written (a vector as ``[165, 60]``).
    note : str
        The explanation, one line of plain text.
    line, column : int
        Where the number starts (in its cell, for a notebook).
    cell : int or None
        The notebook cell.
    start, end : int or None
        The number's offsets in its source (normalised line ends; the cell's source in a notebook);
        ``None`` when it was not found there verbatim (then it is listed, not marked).
    math : bool
        Whether the number is inside math.
    """

    kind: str
    label: str
    claim: int | None
    key: str | None
    written: str
    note: str
    line: int
    column: int
    cell: int | None = None
    start: int | None = None
    end: int | None = None
    math: bool = False

    @property
    def placed(self) -> bool:
        """Whether the mark stands beside its number."""
        return self.start is not None

    @property
    def tag(self) -> str:
        """What the mark shows: ``✓``, or the symbol and the label (``✗ [53]``)."""
        return SYMBOL[self.kind] if self.kind == "correct" else f"{SYMBOL[self.kind]} [{self.label}]"

    @property
    def where(self) -> str:
        """``line 422:22`` (``cell 3, line 5:51`` in a notebook)."""
        cell = f"cell {self.cell}, " if self.cell is not None else ""
        return f"{cell}line {self.line}:{self.column}"


def mark_kind(record: dict) -> str:
    """The mark of a claim's JSON record, in both the current and the earlier verdict vocabulary.

    >>> mark_kind({"verdict": "carried", "carried_kind": "error"}), mark_kind({"verdict": "follows"})
    ('follows', 'follows')
    >>> mark_kind({"verdict": "carried", "carried_kind": "rounding"}), mark_kind({"verdict": "unreadable"})
    ('carried', 'unread')
    """
    verdict = record.get("verdict")
    if verdict == "follows" or (verdict == "carried" and record.get("carried_kind") == "error"):
        return "follows"
    if verdict in ("correct", "carried", "wrong", "undecided"):
        return verdict
    return "unread" if verdict == "unreadable" else "undecided"


def _cell(x) -> str:
    if isinstance(x, (list, tuple)) and len(x) == 1:
        return _cell(x[0])
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_cell(v) for v in x) + "]"
    return "–" if x is None else str(x)


def _nested(shape, values: list):
    """``values`` (flat, in order) nested like ``shape`` (the written value)."""
    if isinstance(shape, (list, tuple)):
        return [_nested(s, values) for s in shape]
    return values.pop(0) if values else None


_CLOSED = re.compile(r"^(?:[-+*/^() .0-9]|exp|log|sqrt|pi|E)+$")
_INTEGER = re.compile(r"^-?[0-9]+$")


def _exact(record: dict) -> str:
    """The exact value as a note gives it: a short closed form ``≈`` the certified value, or the
    certified value alone.

    >>> _exact({"exact": "exp(-2/5)/(20*pi)", "value": "0.010668"}), _exact({"exact": "100", "value": "100.00"})
    ('exp(-2/5)/(20*pi) ≈ 0.010668', '100')
    """
    exact = record.get("exact") or ""
    if record.get("entries"):
        value = _cell(_nested(record.get("written"), [e.get("value") for e in record["entries"]]))
    else:
        value = _cell(record.get("value"))
    if _INTEGER.match(exact):
        return exact
    if exact and len(exact) <= 40 and not record.get("symbols") and _CLOSED.match(exact):
        return f"{exact} ≈ {value}" if value != "–" else exact
    return f"≈ {value}" if value != "–" else ""


def _ref(r: dict) -> str:
    return f"#{r['index']} {r['key']} = {_cell(r.get('written'))}"


def claim_note(record: dict) -> str:
    """A claim's note: the verdict, what it comes from, the checker's notes and the exact value.

    >>> claim_note({"index": 9, "key": "mean.women", "written": ["162", "57"], "verdict": "wrong",
    ...             "exact": "x", "value": None, "entries": [{"value": "165.00"}, {"value": "60.00"}],
    ...             "notes": ["matches the starting mean"], "first_wrong": None, "error_words": "2 % too small"})
    '#9 mean.women = [162, 57]: wrong, 2 % too small; matches the starting mean; exact value ≈ [165.00, 60.00]'
    """
    kind = mark_kind(record)
    parts = [MEANING[kind] if kind != "undecided" else str(record.get("verdict"))]
    if kind == "carried" and record.get("carried_from"):
        parts[0] += " from " + ", ".join(_ref(r) for r in record["carried_from"])
    first = record.get("first_wrong")
    if first and first.get("index") == record.get("index"):
        first = None
    if kind == "follows":
        sources = [first] if first else list(record.get("carried_from") or ())
        parts[0] = ("follows " + ", ".join(_ref(r) for r in sources) if sources else parts[0]) + \
            ": right given that earlier wrong number"
    if kind == "wrong" and record.get("error_words"):
        parts[0] += f", {record['error_words']}"
    if kind == "unread" and record.get("reason"):
        parts[0] += f": {record['reason']}"
    parts += [str(n) for n in record.get("notes") or ()]
    if kind == "wrong" and first:
        parts.append(f"first wrong step: {_ref(first)}")
    exact = _exact(record) if kind != "unread" else ""
    if exact:
        parts.append(f"exact value {exact}")
    return f"#{record['index']} {record['key']} = {_cell(record.get('written'))}: " + "; ".join(parts)


def _sources(checked: CheckedDocument) -> dict[int | None, SourceText]:
    """The text each span's offsets refer to: the document, or each notebook cell's source."""
    document = checked.document
    if document.format != "notebook":
        return {None: SourceText(_read_text(document.path))}
    return {i: SourceText(normalise(source)) for i, (_, source) in enumerate(_notebook_cells(document.path))
            if source is not None}


def _read_text(path: str) -> str:
    return normalise(Path(path).read_bytes().decode("utf-8-sig"))


def _notebook_cells(path: str) -> list[tuple[str, str | None]]:
    """Each cell's type and source (``None`` for a cell that is not a dict or has no text), indexed
    as the notebook reader indexes them (nbformat 4 ``cells``, nbformat 3 ``worksheets``)."""
    data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    cells = data.get("cells")
    if cells is None:
        sheets = [sheet for sheet in data.get("worksheets") or () if isinstance(sheet, dict)]
        cells = [c for sheet in sheets for c in sheet.get("cells") or ()]
    out: list[tuple[str, str | None]] = []
    for cell in cells:
        source = cell.get("source", "") if isinstance(cell, dict) else None
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        kind = cell.get("cell_type", "") if isinstance(cell, dict) else ""
        out.append((str(kind), source if isinstance(source, str) else None))
    return out


def _offsets(sources: dict[int | None, SourceText], span) -> tuple[int, int] | None:
    """The offsets of a span's text in its source, verified (``None`` when it is not there)."""
    src = sources.get(span.cell)
    if src is None or not span.text:
        return None
    text = src.text
    start = src.offset(span.line - 1, span.column - 1)
    if text.startswith(span.text, start):
        return start, start + len(span.text)
    line_start, line_end = src.offset(span.line - 1), src.line_end(span.line - 1)
    at = text.find(span.text, line_start, line_end + len(span.text))
    return (at, at + len(span.text)) if at >= 0 else None


def _math_ranges(document: Document, sources: dict) -> dict[int | None, list[tuple[int, int]]]:
    """Per source, the offset ranges that are math: the math blocks, and ``$…$`` inside table cells."""
    ranges: dict[int | None, list[tuple[int, int]]] = {}
    for block in document.blocks:
        if isinstance(block, Math):
            found = _offsets(sources, block.span)
            if found:
                ranges.setdefault(block.span.cell, []).append(found)
        elif isinstance(block, Table):
            for row in (block.header, *block.rows):
                for cell in row:
                    found = _offsets(sources, cell.span) if "$" in cell.text else None
                    if found:
                        for m in re.finditer(r"(?<!\\)\$+(.+?)(?<!\\)\$+", cell.text, re.S):
                            ranges.setdefault(cell.span.cell, []).append((found[0] + m.start(1), found[0] + m.end(1)))
    return ranges


def document_marks(checked: CheckedDocument) -> list[Mark]:
    """Every mark of a checked document, in document order: one per claim of the report and one per
    number not understood (unless it is a claim's own number, read a second time as prose).

    A number found at its place is marked there (``start``/``end`` set); marks that would cross
    another's number are left unplaced (they are listed in the notes).
    """
    sources = _sources(checked)
    math = _math_ranges(checked.document, sources)
    records = checked.report.data["claims"]
    claimed = checked.claims()
    items = []
    for record in records:
        p = claimed[record["index"]]
        items.append((p, mark_kind(record), str(record["index"]), record["index"], record["key"],
                      _cell(record.get("written")), claim_note(record)))
    # a claim's own number read a second time (the prose around inline math): marked once, as the claim
    claimed_at = {(p.span.cell, _offsets(sources, p.span)) for p in claimed} - {(p.span.cell, None) for p in claimed}
    unread = [p for p in checked.placements if p.status == "unread"
              and (p.span.cell, _offsets(sources, p.span)) not in claimed_at]
    for k, p in enumerate(unread, start=1):
        written = _cell(p.value)
        items.append((p, "unread", f"u{k}", None, p.key, written,
                      f"{written}: not understood: {p.reason}"))
    marks = []
    taken: dict[int | None, list[tuple[int, int]]] = {}
    for p, kind, label, claim, key, written, note in items:
        found = _offsets(sources, p.span)
        if found and any(s < found[0] < e < found[1] or found[0] < s < found[1] < e
                         for s, e in taken.get(p.span.cell, ())):
            found = None  # it would cross another number's mark
        if found:
            taken.setdefault(p.span.cell, []).append(found)
        in_math = bool(found) and any(s <= found[0] and found[1] <= e for s, e in math.get(p.span.cell, ()))
        marks.append(Mark(kind, label, claim, key, written, note, p.span.line, p.span.column, p.span.cell,
                          found[0] if found else None, found[1] if found else None, in_math))
    return sorted(marks, key=lambda m: (m.cell if m.cell is not None else -1, m.line, m.column,
                                        m.start if m.start is not None else -1))


def _counts(marks: list[Mark]) -> dict[str, int]:
    return {kind: sum(m.kind == kind for m in marks) for kind in KINDS}


def _summary_parts(checked: CheckedDocument, marks: list[Mark]) -> tuple[str, str | None, list[str]]:
    """(counts sentence, first error sentence, sentences on what was not placed or not read), plain text."""
    counts = _counts(marks)
    checked_n = sum(m.claim is not None for m in marks)
    words = [f"{counts[k]} {SYMBOL[k]} {MEANING[k] if k != 'follows' else 'follow an earlier error'}"
             for k in ("correct", "carried", "follows", "wrong")]
    if counts["undecided"]:
        words.append(f"{counts['undecided']} ? undecided")
    words.append(f"{counts['unread']} ? not understood")
    sentence = f"{checked_n} numbers checked: " + ", ".join(words) + "."
    first = checked.report.data["summary"].get("first_error")
    first_text = None
    if first:
        at = next((m for m in marks if m.claim == first.get("index")), None)
        first_text = (f"First error: [{first['index']}] {first['key']} = {_cell(first.get('written'))}"
                      + (f" ({at.where})" if at else "") + ".")
    extra = []
    unplaced = [m for m in marks if not m.placed]
    if unplaced:
        extra.append(f"{len(unplaced)} mark(s) could not be placed beside their number; their notes say so.")
    for span, reason in checked.document.problems:
        cell = f"cell {span.cell}, " if span.cell is not None else ""
        extra.append(f"Not read: {cell}line {span.line}:{span.column}: {reason}")
    return sentence, first_text, extra


def _noted(marks: list[Mark]) -> list[Mark]:
    """The marks with a note of their own (all but the placed ✓)."""
    return [m for m in marks if m.kind != "correct" or not m.placed]


def _note_text(m: Mark) -> str:
    where = f" ({m.where})"
    placed = "" if m.placed else " [not placed: the number was not found at its position]"
    return f"{m.note}{where}{placed}"


# -- inserting text at offsets -------------------------------------------------------------------

class _Inserted:
    """A text with pieces inserted at offsets, and the map from old offsets to new ones."""

    def __init__(self, text: str, pieces: list[tuple[int, tuple, str]]):
        pieces = sorted(pieces, key=lambda p: (p[0], p[1]))
        out, last = [], 0
        self.points, self.before = [], []
        total = 0
        for pos, _, piece in pieces:
            out.append(text[last:pos])
            out.append(piece)
            last = pos
            self.points.append(pos)
            total += len(piece)
            self.before.append(total)
        out.append(text[last:])
        self.text = "".join(out)

    def new(self, offset: int, after: bool = False) -> int:
        """Where ``offset`` is now: before what was inserted there, or after it (``after``)."""
        i = bisect_right(self.points, offset) if after else bisect_left(self.points, offset)
        return offset + (self.before[i - 1] if i else 0)


def _pieces(marks: list[Mark], cell: int | None, math_open, math_close, text_open, text_close) -> list:
    """Insertions for the placed marks of one source: an opening before each number and a closing
    after it (closings before openings at one offset; nested numbers inside out)."""
    out = []
    for i, m in enumerate(marks):
        if not m.placed or m.cell != cell:
            continue
        opening, closing = (math_open(i, m), math_close(i, m)) if m.math else (text_open(i, m), text_close(i, m))
        if opening:
            out.append((m.start, (1, -m.end), opening))
        if closing:
            out.append((m.end, (0, -m.start), closing))
    return out


def _clean(text: str) -> str:
    """The text with any private-use character the marks use replaced (same length)."""
    return _SENTINELS.sub("\ufffd", text)


# -- Markdown ------------------------------------------------------------------------------------

SUMMARY_BEGIN = "<!-- gmmexact: summary -->"
SUMMARY_END = "<!-- gmmexact: end of summary -->"
NOTES_BEGIN = "<!-- gmmexact: notes -->"


def _markdown_pieces(marks: list[Mark], cell: int | None) -> list:
    return _pieces(marks, cell,
                   lambda i, m: "{\\color{" + _MATH_COLOR[m.kind] + "}",
                   lambda i, m: "\\enspace\\text{" + m.tag + "}}",
                   lambda i, m: "",
                   lambda i, m: " " + m.tag)


def annotated_markdown(checked: CheckedDocument, marks: list[Mark] | None = None) -> str:
    """The Markdown document (or a notebook's Markdown cells) with the marks, a summary and notes."""
    marks = document_marks(checked) if marks is None else marks
    document = checked.document
    sentence, first, extra = _summary_parts(checked, marks)
    head = [SUMMARY_BEGIN,
            f"> **Marked by gmmexact** · {markdown_code(shown_path(document.path))} · {markdown_text(sentence)}"]
    if first:
        head += [">", f"> {markdown_text(first)}"]
    head += [">", "> Marks: " + " · ".join(f"{SYMBOL[k]} {MEANING[k]}" for k in KINDS if k != "undecided")
             + ". The notes on the marked numbers, [label], are at the end."]
    if extra:
        head += [">"] + [f"> {markdown_text(e)}" for e in extra]
    head += [SUMMARY_END, "", ""]
    if document.format == "notebook":
        parts = []
        for index, (kind, source) in enumerate(_notebook_cells(document.path)):
            if source is None or kind != "markdown":
                continue
            parts.append(f"<!-- cell {index} -->\n"
                         + _Inserted(normalise(source), _markdown_pieces(marks, index)).text.rstrip("\n"))
        body = "\n\n".join(parts) + "\n"
    else:
        body = _Inserted(_read_text(document.path), _markdown_pieces(marks, None)).text
    notes = ["", "", NOTES_BEGIN, "", "---", "", "**Notes on the marked numbers**", ""]
    noted = _noted(marks)
    notes += [f"- **{m.tag}** {markdown_text(_note_text(m))}" for m in noted] or ["- Every checked number is correct."]
    return "\n".join(head) + body + "\n".join(notes) + "\n"


# -- MathML --------------------------------------------------------------------------------------

_MATHML_TAGS = frozenset(
    "math mrow mi mn mo mtext ms mspace msub msup msubsup mfrac msqrt mroot mover munder munderover mtable mtr "
    "mtd mlabeledtr mstyle menclose mpadded mphantom merror mmultiscripts mprescripts none semantics".split())
_MATHML_ATTRIBUTES = frozenset(
    "display mathvariant stretchy fence form accent accentunder width height depth linebreak rowspacing "
    "columnspacing columnalign rowalign columnlines rowlines frame framespacing displaystyle scriptlevel notation "
    "lspace rspace minsize maxsize movablelimits largeop separator symmetric mathcolor mathbackground mathsize "
    "linethickness columnspan rowspan equalrows equalcolumns voffset".split())
_SAFE_VALUE = re.compile(r"^[\w .,#%+-]*$")


def _serialise(element) -> str:
    """latex2mathml's element tree as HTML: MathML elements and plain attributes only, all text
    escaped (latex2mathml itself copies ``\\text{<b>}`` through unescaped)."""
    tag = element.tag
    keep = tag in _MATHML_TAGS
    out = []
    if keep:
        attributes = "".join(f' {k}="{html.escape(html.unescape(v))}"' for k, v in element.attrib.items()
                             if k in _MATHML_ATTRIBUTES and _SAFE_VALUE.match(html.unescape(v)))
        out.append(f"<{tag}{attributes}>")
    out.append(html.escape(html.unescape(element.text or ""), quote=False))
    for child in element:
        out.append(_serialise(child))
        out.append(html.escape(html.unescape(child.tail or ""), quote=False))
    if keep:
        out.append(f"</{tag}>")
    return "".join(out)


_ALIGNED = {"align", "align*", "flalign", "flalign*", "alignat", "alignat*", "eqnarray", "eqnarray*",
            "IEEEeqnarray", "IEEEeqnarray*"}
_DROPPED = re.compile(r"\\label\s*\{[^{}]*\}|\\nonumber\b|\\notag\b")
_MATH_MARK = re.compile(r"\{\{\ue003(.*?)\}\\text\{\ue001(\d+)\ue002\}\}", re.S)


def _mathml(tex: str, display: bool, environment: str | None = None) -> str:
    """TeX (with the marks' placeholders) as MathML; on failure the TeX itself, escaped."""
    from latex2mathml.converter import convert_to_element  # noqa: PLC0415

    body = _DROPPED.sub("", tex.replace(_MATH_OPEN, ""))
    if environment in _ALIGNED:
        body = "\\begin{align*}" + body + "\\end{align*}"
    try:
        element = convert_to_element(body, display="block" if display else "inline")
        return _serialise(element)
    except Exception:  # noqa: BLE001 - any TeX latex2mathml cannot read is shown as TeX
        plain = _MATH_MARK.sub(lambda m: f"{_OPEN}{m.group(2)}{_END}{m.group(1)}{_CLOSE}{m.group(2)}{_END}", tex)
        plain = plain.replace(_MATH_OPEN, "")
        return f'<code class="gm-tex">{html.escape(plain, quote=False)}</code>'


# -- HTML ----------------------------------------------------------------------------------------

def _html_pieces(marks: list[Mark], cell: int | None) -> list:
    return _pieces(marks, cell,
                   lambda i, m: "{{" + _MATH_OPEN,
                   lambda i, m: "}\\text{" + f"{_CLOSE}{i}{_END}" + "}}",
                   lambda i, m: f"{_OPEN}{i}{_END}",
                   lambda i, m: f"{_CLOSE}{i}{_END}")


def _mark_html(i: int, m: Mark) -> str:
    label = "" if m.kind == "correct" else f'<small>[{html.escape(m.label)}]</small>'
    claim = f' data-claim="{m.claim}"' if m.claim is not None else ""
    return (f'<span class="gm-mark gm-{m.kind}" id="gm-mark-{html.escape(m.label)}" data-kind="{m.kind}"{claim} '
            f'title="{html.escape(m.note)}">{SYMBOL[m.kind]}{label}</span>')


def _fill_marks(text: str, marks: list[Mark]) -> str:
    """The placeholders replaced by the marks: ``<mtext>`` placeholders (math), then the text ones."""
    text = re.sub(f"<mtext[^>]*>{_CLOSE}(\\d+){_END}</mtext>",
                  lambda g: f'<mtext class="gm-mt">{_mark_html(int(g.group(1)), marks[int(g.group(1))])}</mtext>',
                  text)
    opened = set()

    def opening(g):
        i = int(g.group(1))
        opened.add(i)
        return f'<span class="gm-num gm-n-{marks[i].kind}">'

    text = re.sub(f"{_OPEN}(\\d+){_END}", opening, text)
    text = re.sub(f"{_CLOSE}(\\d+){_END}",
                  lambda g: ("</span>" if int(g.group(1)) in opened else "") + _mark_html(int(g.group(1)),
                                                                                          marks[int(g.group(1))]),
                  text)
    return _SENTINELS.sub("", text)


def _markdown_renderer():
    """markdown-it as the reader configures it, raw HTML off, math rendered as MathML."""
    from ..documents.markdown import math_markdown  # noqa: PLC0415

    md = math_markdown(html=False)

    def inline(self, tokens, idx, options, env):
        return _mathml(tokens[idx].content, False)

    def display(self, tokens, idx, options, env):
        return f'<div class="gm-math">{_mathml(tokens[idx].content, True)}</div>\n'

    def environment(self, tokens, idx, options, env):
        content = tokens[idx].content
        found = re.match(r"\s*\\begin\{([A-Za-z]+\*?)\}(.*)\\end\{\1\}\s*$", content, re.S)
        tex, name = (found.group(2), found.group(1)) if found else (content, None)
        return f'<div class="gm-math">{_mathml(tex, True, name)}</div>\n'

    def fence(self, tokens, idx, options, env):
        token = tokens[idx]
        if token.info.strip().lower() in ("math", "latex", "tex"):
            return f'<div class="gm-math">{_mathml(token.content.rstrip(), True)}</div>\n'
        return f'<pre class="gm-code"><code>{html.escape(token.content)}</code></pre>\n'

    def raw(self, tokens, idx, options, env):
        return tokens[idx].content

    def image(self, tokens, idx, options, env):  # nothing is fetched when the page opens
        token = tokens[idx]
        src = html.escape(str(token.attrGet("src") or ""))
        return f'<a class="gm-picture" href="{src}">[picture: {html.escape(token.content or src)}]</a>'

    for name in ("math_inline",):
        md.add_render_rule(name, inline)
    for name in ("math_inline_double", "math_block", "math_block_label"):
        md.add_render_rule(name, display)
    md.add_render_rule("amsmath", environment)
    md.add_render_rule("fence", fence)
    md.add_render_rule("gm_raw", raw)
    md.add_render_rule("image", image)
    return md


def _markdown_html(md, source: str) -> str:
    """Markdown (with placeholders) as HTML; a paragraph whose lines all hold tabs as a table (as
    the reader reads it)."""
    from markdown_it.token import Token  # noqa: PLC0415

    tokens = md.parse(source)
    lines = source.split("\n")
    out = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.type == "paragraph_open" and t.map and i + 2 < len(tokens):
            rows = lines[t.map[0]:t.map[1]]
            if len(rows) >= 2 and all("\t" in row for row in rows):
                cells = [[c.strip() for c in row.split("\t")] for row in rows]
                head = "".join(f"<th>{md.renderInline(c)}</th>" for c in cells[0])
                body = "".join("<tr>" + "".join(f"<td>{md.renderInline(c)}</td>" for c in row) + "</tr>"
                               for row in cells[1:])
                table = Token("gm_raw", "", 0)
                table.content = f'<table class="gm-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>\n'
                out.append(table)
                i += 3
                continue
        out.append(t)
        i += 1
    return md.renderer.render(out, md.options, {})


_INLINE_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<!\\)\$(.+?)(?<!\\)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)


def _latex_text(text: str) -> str:
    """LaTeX text (no math) as escaped HTML text."""
    from pylatexenc.latex2text import LatexNodes2Text  # noqa: PLC0415

    try:
        plain = LatexNodes2Text(math_mode="verbatim").latex_to_text(text)
    except Exception:  # noqa: BLE001 - text pylatexenc cannot read is shown as written
        plain = text
    return html.escape(plain, quote=False)


def _latex_inline(text: str) -> str:
    """LaTeX text with inline math: text through pylatexenc, math as MathML."""
    out, last = [], 0
    for m in _INLINE_MATH.finditer(text):
        out.append(_latex_text(text[last:m.start()]))
        tex = next(g for g in m.groups() if g is not None)
        out.append(_mathml(tex, m.group(1) is not None or m.group(4) is not None))
        last = m.end()
    out.append(_latex_text(text[last:]))
    return "".join(out)


def _latex_html(checked: CheckedDocument, marks: list[Mark]) -> str:
    """A simple rendering of a LaTeX document: headings, prose, display math and tables."""
    source = _clean(_read_text(checked.document.path))
    inserted = _Inserted(source, _html_pieces(marks, None))
    sources = {None: SourceText(source)}

    def piece(span) -> str | None:
        found = _offsets(sources, span)
        return None if found is None else inserted.text[inserted.new(found[0]):inserted.new(found[1], after=True)]

    blocks = checked.document.blocks
    ranges = [_offsets(sources, b.span) for b in blocks]
    containers = [(i, r) for i, (b, r) in enumerate(zip(blocks, ranges))
                  if r and isinstance(b, (Prose, Heading, Table))]

    def shown_within(i: int) -> bool:
        """Whether block ``i`` is part of a heading, paragraph or table shown whole (its title's math)."""
        r = ranges[i]
        return bool(r) and any(j != i and s <= r[0] and r[1] <= e and ((s, e) != r or j < i)
                               for j, (s, e) in containers)

    out = []
    for i, block in enumerate(blocks):
        text = piece(block.span)
        if text is None or shown_within(i):
            continue
        if isinstance(block, Heading):
            open_, close = text.find("{"), text.rfind("}")
            title = text[open_ + 1:close] if 0 <= open_ < close else text
            level = min(block.level + 1, 6)
            out.append(f"<h{level}>{_latex_inline(title)}</h{level}>")
        elif isinstance(block, Prose):
            out.append(f"<p>{_latex_inline(text)}</p>")
        elif isinstance(block, Table):
            rows = []
            for r, row in enumerate((block.header, *block.rows)):
                tag = "th" if r == 0 else "td"
                rows.append("<tr>" + "".join(f"<{tag}>{_latex_inline(piece(c.span) or '')}</{tag}>" for c in row)
                            + "</tr>")
            out.append(f'<table class="gm-table">{"".join(rows)}</table>')
        elif isinstance(block, Math):
            math = _mathml(text, block.display, block.environment)
            out.append(f'<div class="gm-math">{math}</div>' if block.display else f"<p>{math}</p>")
    return "\n".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;background:#fff}
header.gm-summary{padding:.8em 1.5em;background:#f6f8fa;border-bottom:1px solid #d0d7de}
header.gm-summary h1{font-size:1.15em;margin:0 0 .3em}
header.gm-summary p{margin:.25em 0}
.gm-layout{display:flex;gap:1.2em;padding:0 1.2em;align-items:flex-start}
main.gm-doc{flex:1 1 auto;min-width:0;max-width:52em}
aside.gm-notes{flex:0 0 19em;position:sticky;top:0;max-height:100vh;overflow:auto;font-size:.85em;
 border-left:1px solid #d0d7de;padding:.5em 0 .5em 1em}
aside.gm-notes ol{padding-left:0;list-style:none;margin:.3em 0}
aside.gm-notes li{margin:.35em 0;line-height:1.35;border-left:3px solid #d0d7de;padding-left:.45em}
aside.gm-notes a{text-decoration:none;font-weight:bold}
.gm-math{margin:.6em 0;padding:.15em 0;overflow-x:auto;overflow-y:hidden}
math{font-size:1.05em}
main.gm-doc table{border-collapse:collapse;margin:.6em 0}
main.gm-doc th,main.gm-doc td{border:1px solid #d0d7de;padding:.2em .6em;text-align:left}
.gm-mark{font-family:system-ui,sans-serif;font-weight:bold;font-size:.8em;padding:0 .2em;margin-left:.2em;
 border-radius:.3em;white-space:nowrap;cursor:help}
.gm-mark small{font-weight:normal;margin-left:.1em}
pre.gm-code{background:#f6f8fa;padding:.5em;overflow-x:auto}
code.gm-tex{white-space:pre-wrap}
"""


def _kind_css() -> str:
    rules = []
    for kind, color in _CSS_COLOR.items():
        rules.append(f".gm-{kind}{{color:{color};background:{color}1a}}")
        rules.append(f".gm-n-{kind}{{border-bottom:2px solid {color}}}")
        rules.append(f"mrow:has(+ mtext > .gm-{kind}){{background:{color}14;border-bottom:2px solid {color}}}")
        rules.append(f"aside.gm-notes li.gm-li-{kind}{{border-left-color:{color}}}")
        rules.append(f"aside.gm-notes li.gm-li-{kind} a{{color:{color}}}")
    return "\n".join(rules)


def annotated_html(checked: CheckedDocument, marks: list[Mark] | None = None) -> str:
    """One self-contained HTML page: the document with its marks, a summary and the side list of notes."""
    marks = document_marks(checked) if marks is None else marks
    document = checked.document
    if document.format == "latex":
        body = _latex_html(checked, marks)
    else:
        md = _markdown_renderer()
        if document.format == "notebook":
            parts = []
            for index, (kind, source) in enumerate(_notebook_cells(document.path)):
                if source is None:
                    continue
                if kind == "markdown":
                    marked = _Inserted(_clean(normalise(source)), _html_pieces(marks, index)).text
                    parts.append(f'<section class="gm-cell" data-cell="{index}">{_markdown_html(md, marked)}</section>')
                elif kind == "code":
                    code = html.escape(_clean(source))
                    parts.append(f'<pre class="gm-code" data-cell="{index}"><code>{code}</code></pre>')
            body = "\n".join(parts)
        else:
            body = _markdown_html(md, _Inserted(_clean(_read_text(document.path)), _html_pieces(marks, None)).text)
    body = _fill_marks(body, marks)
    name = html.escape(shown_path(document.path))
    sentence, first, extra = _summary_parts(checked, marks)
    legend = " · ".join(f'<span class="gm-mark gm-{k}">{SYMBOL[k]}</span> {MEANING[k]}' for k in KINDS
                        if k != "undecided" or _counts(marks)["undecided"])
    summary = [f"<h1>Marked by gmmexact: {name}</h1>", f"<p>{html.escape(sentence)}</p>"]
    if first:
        summary.append(f'<p class="gm-first">{html.escape(first)}</p>')
    summary.append(f'<p class="gm-legend">{legend}. Hover over a mark for its note; the notes are also listed '
                   "beside the document.</p>")
    summary += [f"<p>{html.escape(e)}</p>" for e in extra]
    noted = _noted(marks)
    items = []
    for m in noted:
        target = f' href="#gm-mark-{html.escape(m.label)}"' if m.placed else ""
        items.append(f'<li class="gm-li-{m.kind}"><a{target}>{html.escape(m.tag)}</a> '
                     f'{html.escape(_note_text(m))}</li>')
    correct = [m for m in marks if m.kind == "correct" and m.placed]
    if correct:
        links = ", ".join(f'<a href="#gm-mark-{html.escape(m.label)}" title="{html.escape(m.note)}">'
                          f'{html.escape(m.key or m.label)}</a>' for m in correct)
        items.append(f'<li class="gm-li-correct">✓ correct ({len(correct)}): {links}</li>')
    aside = (f'<aside class="gm-notes"><h2>Marked numbers</h2><ol>{"".join(items)}</ol></aside>')
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>Marked: {name}</title>\n<style>{_CSS}{_kind_css()}</style>\n</head>\n<body>\n"
            f'<header class="gm-summary">{"".join(summary)}</header>\n'
            f'<div class="gm-layout">\n<main class="gm-doc">\n{body}\n</main>\n{aside}\n</div>\n</body>\n</html>\n')


# -- LaTeX ---------------------------------------------------------------------------------------

PREAMBLE_BEGIN = "% --- gmmexact: marks beside the checked numbers (added) ---"
PREAMBLE_END = "% --- end of the gmmexact marks ---"


def _latex_preamble() -> str:
    colors = "\n".join(f"\\definecolor{{gm{k}}}{{rgb}}{{{v}}}" for k, v in _LATEX_COLOR.items())
    return "\n".join([
        PREAMBLE_BEGIN,
        r"\usepackage{xcolor}",
        r"\ifdefined\pdfgentounicode\IfFileExists{glyphtounicode.tex}{\input{glyphtounicode}\pdfgentounicode=1}{}\fi",
        colors,
        r"\DeclareRobustCommand{\gmcheck}{\ifdefined\checkmark\ensuremath{\checkmark}\else\ensuremath{\surd}\fi}",
        r"\DeclareRobustCommand{\gmmark}[2]{\ifmmode\,\fi\textcolor{gm#1}{\mbox{\scriptsize #2}}}",
        PREAMBLE_END, ""])


_LATEX_OF = {"✓": r"\gmcheck{}", "↳": r"\ensuremath{\rightarrow}", "✗": r"\ensuremath{\times}"}


def _tex_escape(text: str) -> str:
    r"""Plain text as LaTeX text: :func:`~gmmexact.rendering.textbook.escape_text`, with the marks' symbols.

    >>> _tex_escape("1 ✓ correct, 0 ↳ follow")
    '1 \\gmcheck{} correct, 0 \\ensuremath{\\rightarrow} follow'
    """
    return "".join(_LATEX_OF.get(part) or escape_text(part) for part in re.split("([✓↳✗])", text))


def _latex_tag(m: Mark) -> str:
    symbol = _LATEX_SYMBOL[m.kind]
    return symbol if m.kind == "correct" else f"{symbol}\\,{escape_text(m.label)}"


def _latex_summary(checked: CheckedDocument, marks: list[Mark]) -> str:
    sentence, first, extra = _summary_parts(checked, marks)
    lines = [f"\\textbf{{Marked by gmmexact}} \\texttt{{{_tex_escape(shown_path(checked.document.path))}}}: "
             + _tex_escape(sentence)]
    if first:
        lines.append(_tex_escape(first))
    lines.append("Marks: " + "; ".join(f"\\gmmark{{{k}}}{{{_LATEX_SYMBOL[k]}}}~{_tex_escape(MEANING[k])}"
                                      for k in KINDS if k != "undecided")
                 + ". The notes on the labelled marks are at the end.")
    lines += [_tex_escape(e) for e in extra]
    return ("\n% --- gmmexact: summary of the marks (added) ---\n"
            "\\par\\noindent\\fbox{\\parbox{\\dimexpr\\linewidth-2\\fboxsep-2\\fboxrule\\relax}{\\small "
            + "\\\\\n".join(lines) + "}}\\par\\medskip\n% --- end of the gmmexact summary ---\n")


def _latex_notes(marks: list[Mark]) -> str:
    noted = _noted(marks)
    items = [f"\\item[\\gmmark{{{m.kind}}}{{{_latex_tag(m)}}}] {_tex_escape(_note_text(m))}" for m in noted]
    if not items:
        return ("\n% --- gmmexact: notes (added) ---\n\\par\\bigskip\\noindent\\textbf{Notes on the marked numbers}: "
                "every checked number is correct.\n% --- end of the gmmexact notes ---\n")
    return ("\n% --- gmmexact: notes (added) ---\n\\par\\bigskip\\noindent\\textbf{Notes on the marked numbers}\n"
            "\\begin{itemize}\n" + "\n".join(items) + "\n\\end{itemize}\n% --- end of the gmmexact notes ---\n")


def _outside_comment(text: str, at: int) -> bool:
    line = text[text.rfind("\n", 0, at) + 1:at]
    return re.search(r"(?<!\\)%", line) is None


def _find_command(text: str, command: str, start: int = 0) -> int:
    at = text.find(command, start)
    while at >= 0 and not _outside_comment(text, at):
        at = text.find(command, at + 1)
    return at


def annotated_latex(checked: CheckedDocument, marks: list[Mark] | None = None) -> str:
    """The LaTeX document with ``\\gmmark`` after each checked number, the macro in the preamble, a
    summary at the top and the notes at the end (a fragment becomes a small article)."""
    marks = document_marks(checked) if marks is None else marks
    pieces = _pieces(marks, None,
                     lambda i, m: "{",
                     lambda i, m: f"\\gmmark{{{m.kind}}}{{{_latex_tag(m)}}}}}",
                     lambda i, m: "",
                     lambda i, m: f"\\gmmark{{{m.kind}}}{{{_latex_tag(m)}}}")
    text = _Inserted(_read_text(checked.document.path), pieces).text
    summary, notes = _latex_summary(checked, marks), _latex_notes(marks)
    begin = _find_command(text, "\\begin{document}")
    if begin < 0:
        return ("\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{amssymb}\n" + _latex_preamble()
                + "\\begin{document}\n" + summary + text.rstrip("\n") + "\n" + notes + "\\end{document}\n")
    after = begin + len("\\begin{document}")
    title = _find_command(text, "\\maketitle", after)
    if title >= 0:
        after = title + len("\\maketitle")
    end = _find_command(text, "\\end{document}", after)
    end = len(text) if end < 0 else end
    line_start = text.rfind("\n", 0, begin) + 1
    return (text[:line_start] + _latex_preamble() + text[line_start:after] + summary + text[after:end].rstrip("\n")
            + "\n" + notes + text[end:])


def compile_marked_pdf(tex: str, target: str | Path, folder: str | Path, *, engine: str = "pdflatex",
                       timeout: float | None = None, runs: int = 2, inputs: list[str | Path] = ()) -> Path:
    """Compile a student's marked LaTeX to ``target`` with :func:`~gmmexact.rendering.solution.compile_pdf`:
    a temporary directory, ``-no-shell-escape``, nothing read or written outside it but the
    document's ``folder`` (for its ``\\input`` files), a time limit; the PDF replaces ``target``
    whole, and a failure keeps pdflatex's log beside it (never over one of the ``inputs``).

    Raises :class:`~gmmexact.rendering.solution.LatexEngineError` when the engine is missing
    (``missing=True``), fails or takes too long.
    """
    return compile_pdf(tex, target, engine, timeout, runs, search=[folder], inputs=inputs,
                       what="the marked document",
                       instead="write the marked .tex (--annotate FILE.tex) and compile it elsewhere")


# -- files ---------------------------------------------------------------------------------------

def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.realpath(a) == os.path.realpath(b)


def annotation_format(target: str | Path, document_kind: str, inputs: list[str | Path]) -> str:
    """The format a target writes (``"markdown"``, ``"html"``, ``"latex"``, ``"pdf"``), by its
    extension and the document's kind; an :class:`InputError` for a target that is one of the
    ``inputs``, a directory, in a folder that does not exist, or of a format this input cannot have.

    >>> annotation_format("seed-marked.html", "markdown", ["examples/seed/homework.md"])
    'html'
    >>> annotation_format("examples/seed/homework.md", "markdown", ["examples/seed/homework.md"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: --annotate: examples/seed/homework.md is an input ... never overwritten; ...
    """
    target = str(target)
    for given in inputs:
        if _same_file(target, given):
            stem = Path(str(inputs[0])).stem
            raise InputError(None, "--annotate", f"{target} is an input (the document or the problem file): it is "
                             "never overwritten", f"another file name, e.g. out/{stem}-marked{Path(target).suffix}")
    allowed = _ALLOWED.get(document_kind)
    if allowed is None:
        raise InputError(None, "--annotate", f"needs a document (Markdown, LaTeX or a notebook), not a "
                         f"{document_kind} file", "gmmexact check [PROBLEM] DOCUMENT --annotate FILE")
    fmt = FORMATS.get(Path(target).suffix.lower())
    if fmt not in allowed:
        names = ", ".join(_EXTENSIONS[f] for f in allowed)
        raise InputError(None, "--annotate", f"{target}: a {document_kind} document cannot be written back as "
                         f"{Path(target).suffix or 'a file without an extension'}", f"a file name ending in {names}")
    check_writable(target, inputs=inputs, option="--annotate")
    return fmt


def _newlines(path: str, text: str) -> str:
    """``text`` with the line ends of the file at ``path`` (``\\r\\n`` when it uses them throughout)."""
    raw = Path(path).read_bytes()
    if raw.count(b"\r\n") and raw.count(b"\r\n") == raw.count(b"\n"):
        return text.replace("\n", "\r\n")
    return text


def write_annotation(checked: CheckedDocument, target: str | Path, fmt: str | None = None) -> Path:
    """Write the marked document to ``target`` in ``fmt`` (default: by the extension).

    Raises :class:`~gmmexact.rendering.solution.LatexEngineError` for a PDF pdflatex cannot make.
    """
    fmt = fmt or FORMATS.get(Path(str(target)).suffix.lower(), "html")
    marks = document_marks(checked)
    path = checked.document.path
    if fmt == "markdown":
        text = annotated_markdown(checked, marks)
        write_atomic(target, _newlines(path, text) if checked.document.format == "markdown" else text)
    elif fmt == "html":
        write_atomic(target, annotated_html(checked, marks))
    elif fmt == "latex":
        write_atomic(target, _newlines(path, annotated_latex(checked, marks)))
    elif fmt == "pdf":
        compile_marked_pdf(annotated_latex(checked, marks), target, Path(path).parent, inputs=[path])
    else:
        raise InputError(None, "--annotate", f"unknown format {fmt!r}", "markdown, html, latex or pdf")
    return Path(target)


def annotate(document: str | Path, target: str | Path, problem: str | Path | None = None, *,
             aliases: dict | None = None, backend: str = "arb") -> CheckedDocument:
    """Check a document and write it back, marked, to ``target`` (by its extension: ``.md``,
    ``.html``, ``.tex``, ``.pdf``).

    Returns
    -------
    CheckedDocument
        The report (``.report``) and where each number was.
    """
    from ..documents import sniff  # noqa: PLC0415

    head = Path(document).read_bytes()[:1 << 20].decode("utf-8-sig", errors="replace")
    fmt = annotation_format(target, sniff(document, head), [document] + ([problem] if problem else []))
    checked = check_document_placed(document, problem, aliases=aliases, backend=backend)
    write_annotation(checked, target, fmt)
    return checked
