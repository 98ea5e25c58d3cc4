"""Telling what a file is by its content, and reading a document whatever its kind.

:func:`sniff` names one of :data:`KINDS`; the extension is a hint, the content decides: a ``.txt``
file of Markdown with ``$$…$$`` is Markdown, JSON with ``cells`` is a notebook, TOML with
``[[claim]]``/``[values]`` is a claims file and with ``[data]``/``[[components]]`` a problem, CSV
whose header is ``key,value`` a claims file, and a file with ``\\documentclass`` or
``\\begin{document}`` LaTeX (a ``.tex`` file also when it has math environments or sections).
:func:`read_document` reads the file (UTF-8, a byte-order mark tolerated) and calls the reader.

Limits: a document over :data:`MAX_DOCUMENT_BYTES` (20 MiB, or the smaller ``file_bytes`` of
:mod:`gmmexact.model.limits`) is refused: hand-written homework is a few hundred kilobytes, and a
larger file is most likely the wrong one. Before a document is read, the time its reading will take
is estimated from its length (markdown-it spends about 25 µs a line, pylatexenc about 10 µs a
character and more on long runs of plain text): past the ``seconds`` limit it is refused with the
estimate (``--force`` reads it anyway). Binary files (images, archives, PDFs) and UTF-16 text are
named as such.

Known gaps: a Markdown file that holds nothing but a few ``\\section{…}`` commands and LaTeX
environments reads as Markdown unless it is named ``.tex``; encodings other than UTF-8 are refused
rather than guessed.
"""
from __future__ import annotations

import csv
import json
import re
import tomllib
from pathlib import Path

from ..model import limits
from ..model.errors import InputError
from ..model.exactnum import int_from_text
from ..model.problem import scan_toml
from .latex import MATH_ENVIRONMENTS, read_latex
from .markdown import read_markdown
from .notebook import read_notebook
from .positions import deepest_nesting
from .source import Document

__all__ = ["KINDS", "MAX_DOCUMENT_BYTES", "read_document", "reading_estimate", "sniff"]

KINDS = ("claims-toml", "claims-csv", "problem-toml", "markdown", "latex", "notebook")
MAX_DOCUMENT_BYTES = 20 * 2**20
_DOCUMENTS = "a Markdown (.md, .txt), LaTeX (.tex) or Jupyter notebook (.ipynb) document"
_LATEX_EXTENSIONS = (".tex", ".latex", ".ltx")


def _toml_kind(text: str) -> str | None:
    try:
        scan_toml(text, "")  # what would make tomllib slow or recurse too deep is not TOML worth reading
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError, InputError):
        return None
    if isinstance(data.get("claim"), list) or isinstance(data.get("values"), dict):
        return "claims-toml"
    if isinstance(data.get("data"), dict) or isinstance(data.get("components"), list):
        return "problem-toml"
    return None


def _csv_header(text: str) -> bool:
    for line in text.splitlines():
        if line.strip():
            try:
                row = next(csv.reader([line]))
            except (csv.Error, StopIteration):
                return False
            return [c.strip().lower() for c in row[:2]] == ["key", "value"]
    return False


def _latex_cues(text: str) -> tuple[bool, bool]:
    """(sure, likely): ``\\documentclass``/``\\begin{document}``; math environments or sections."""
    if "\\documentclass" in text or "\\begin{document}" in text:
        return True, True
    likely = "\\section{" in text or "\\section*{" in text or any(
        f"\\begin{{{name}}}" in text for name in MATH_ENVIRONMENTS)
    return False, likely


def _markdown_cues(text: str) -> bool:
    for line in text.splitlines()[:2000]:
        s = line.lstrip()
        if s.startswith(("# ", "## ", "### ", "```", "$$", "| ", "- ", "* ", "> ", "**")):
            return True
    return False


def sniff(path: str | Path, text: str) -> str:
    """What a file is, by its content (the extension only breaks ties).

    Parameters
    ----------
    path : str or Path
        The file's name (its extension is a hint).
    text : str
        Its content.

    Returns
    -------
    str
        One of :data:`KINDS`.

    Raises
    ------
    InputError
        For a ``.toml`` file that is neither a problem nor a claims file.

    Examples
    --------
    >>> sniff("homework.txt", "# Step\\n\\n$$\\\\pi = 0.5$$\\n")
    'markdown'
    >>> sniff("hw.tex", "\\\\begin{equation} x = 1 \\\\end{equation}")
    'latex'
    >>> sniff("x.json", '{"cells": [], "nbformat": 4}')
    'notebook'
    >>> sniff("c.txt", '[[claim]]\\nkey = "det.women"\\nvalue = "100"\\n')
    'claims-toml'
    >>> sniff("c.txt", "key,value\\ndet.women,100\\n")
    'claims-csv'
    """
    name = str(path)
    ext = Path(name).suffix.lower()
    text = text.lstrip("\ufeff")
    body = text.lstrip(" \t\r\n")
    if body.startswith("{"):
        try:
            data = json.loads(body, parse_int=int_from_text)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict) and ("cells" in data or "worksheets" in data or "nbformat" in data):
            return "notebook"
    if ext == ".ipynb":
        return "notebook"  # the reader says what is wrong with it
    kind = _toml_kind(text)
    if kind:
        return kind
    if ext == ".toml":
        try:
            scan_toml(text, name)
            tomllib.loads(text)
        except RecursionError:
            raise InputError(name, None, "is TOML nested too deeply to read", "a problem or claims file") from None
        except tomllib.TOMLDecodeError as e:
            raise InputError(name, None, f"invalid TOML: {e}", "valid TOML (see https://toml.io)") from None
        except ValueError:  # Python's limit on the digits of an integer
            raise InputError(name, None, "holds an integer with too many digits to read",
                             "a problem or claims file with numbers of a sensible size") from None
        raise InputError(name, None, "is TOML but neither a problem nor a claims file",
                         "a problem ([data] and [[components]]) or claims ([[claim]] or [values])")
    if _csv_header(text) or ext == ".csv":
        return "claims-csv"
    sure, likely = _latex_cues(text)
    if sure:
        return "latex"
    if ext in _LATEX_EXTENSIONS:
        return "markdown" if _markdown_cues(text) and not likely else "latex"
    if ext in ("", ".md", ".markdown", ".txt", ".text", ".rmd", ".qmd", ".mdown", ".mkd"):
        return "markdown"
    return "latex" if likely and not _markdown_cues(text) else "markdown"


_MAGIC = ((b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
          (b"%PDF", "a PDF file"), (b"PK\x03\x04", "a ZIP archive (a .zip, .docx, .xlsx or .odt file)"),
          (b"\x1f\x8b", "a gzip archive"), (b"\xd0\xcf\x11\xe0", "a Microsoft Office file (.doc, .xls)"))


def _decode(data: bytes, name: str) -> str:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(name, None, f"is {what}, not text", _DOCUMENTS)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(name, None, "is UTF-16 text (it starts with a UTF-16 byte-order mark)",
                         "a UTF-8 file (save it again as UTF-8)")
    if b"\x00" in data:
        sample = data[:4096]
        if len(sample) >= 4 and (sample[1::2].count(0) > len(sample) // 3 or sample[0::2].count(0) > len(sample) // 3):
            raise InputError(name, None, "looks like UTF-16 text without a byte-order mark (every other byte is 0)",
                             "a UTF-8 file (save it again as UTF-8)")
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise InputError(name, None, f"looks like a binary file (it holds NUL bytes, the first on line {line})",
                         _DOCUMENTS)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(name, None, f"is not UTF-8 text: byte 0x{data[e.start]:02x} at line {line}, column {column} "
                         f"cannot be decoded ({e.reason})",
                         "a UTF-8 file (save it again as UTF-8; Latin-1 and Windows-1252 files must be "
                         "converted)") from None


_MARKDOWN_SECONDS_PER_LINE = 25e-6
_SECONDS_PER_CHARACTER = 10e-6  # pylatexenc, for LaTeX prose and for the math of any document
_SECONDS_PER_RUN_CHARACTER_SQUARED = 3e-11  # pylatexenc copies a run of plain text once per character
_MEMORY_PER_CHARACTER = 100
_PLAIN_RUN = re.compile(r"[^\\{}$%&#^_~]{10000,}")


def reading_estimate(text: str, kind: str, name: str) -> limits.Estimate:
    """The time and memory reading a document of this kind and length will take, before it starts.

    >>> reading_estimate("$$x = 1$$\\n" * 1000, "markdown", "hw.md").text()
    'reading hw.md (10,000 characters, 1,001 lines): about 0 s and 1 MB'
    """
    chars = len(text)
    lines = text.count("\n") + 1
    seconds = chars * _SECONDS_PER_CHARACTER
    if kind == "markdown":
        seconds += lines * _MARKDOWN_SECONDS_PER_LINE
    elif kind == "latex":
        seconds += chars * _SECONDS_PER_CHARACTER + _SECONDS_PER_RUN_CHARACTER_SQUARED * sum(
            len(m[0]) ** 2 for m in _PLAIN_RUN.finditer(text))
    return limits.Estimate(seconds, chars * _MEMORY_PER_CHARACTER,
                           f"reading {name} ({chars:,} characters, {lines:,} lines)")


def read_document(path: str | Path) -> Document:
    """Read a Markdown, LaTeX or notebook document from a file, whatever its extension.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Document

    Raises
    ------
    InputError
        The file is missing or unreadable, over :data:`MAX_DOCUMENT_BYTES`, binary, not UTF-8,
        a notebook that is not valid JSON, or a claims or problem file rather than a document.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = os.path.join(d, "hw.txt")
    ...     _ = open(p, "w", encoding="utf-8").write("$$\\\\pi_{women} = 0.5$$\\n")
    ...     doc = read_document(p)
    >>> doc.format, doc.blocks[0].tex
    ('markdown', '\\\\pi_{women} = 0.5')
    """
    name = str(path)
    p = Path(path)
    try:
        if p.is_dir():
            raise InputError(name, None, "is a directory", _DOCUMENTS)
        size = p.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise InputError(name, None, f"is {size / 2**20:.1f} MiB, over the {MAX_DOCUMENT_BYTES // 2**20} MiB "
                             "limit for a document", f"{_DOCUMENTS} under {MAX_DOCUMENT_BYTES // 2**20} MiB "
                             "(is this the right file?)")
        limit = min(MAX_DOCUMENT_BYTES, limits.current().file_bytes)
        if size > limits.current().file_bytes:
            raise limits.exceeded(name, None, "bytes", size, "file_bytes")
        with p.open("rb") as f:  # a pipe or a device has no size: read no more than the limit allows
            data = f.read(limit + 1)
        if len(data) > limit:
            raise InputError(name, None, f"holds more than {limit:,} bytes (it is not a regular file)", _DOCUMENTS)
    except FileNotFoundError:
        raise InputError(name, None, "file not found", _DOCUMENTS) from None
    except OSError as e:
        raise InputError(name, None, f"cannot read the file: {e.strerror or e}", _DOCUMENTS) from None
    text = _decode(data, name)
    kind = sniff(name, text)
    if kind in ("markdown", "latex", "notebook"):
        limits.require_affordable(reading_estimate(text, kind, name))
    if kind == "latex":
        depth, at = deepest_nesting(text)
        if depth > limits.current().nesting:
            line = text.count("\n", 0, at) + 1
            raise InputError(name, f"line {line}", f"braces or environments nested {depth} deep, more than the limit "
                             f"of {limits.current().nesting}", "a LaTeX document nested less deeply (raise the limit "
                             "with GMMEXACT_LIMIT_NESTING)")
    if kind == "markdown":
        return read_markdown(text, name)
    if kind == "latex":
        return read_latex(text, name)
    if kind == "notebook":
        return read_notebook(text, name)
    what = {"claims-toml": "a claims file (TOML)", "claims-csv": "a claims file (CSV)",
            "problem-toml": "a problem file (TOML)"}[kind]
    raise InputError(name, None, f"is {what}, not a document", _DOCUMENTS)
