"""What a document is made of, as read: blocks (math, tables, headings, prose) that remember where
they came from. Nothing here interprets a number; the readers fill these values and the matcher
(names to keys) reads them.

Positions are 1-based lines and columns of the file as the user sees it (for a notebook: the line
inside the cell, with the cell's index). A block's ``text`` is the source verbatim, so any offset
into it maps back to a line and column with :meth:`Span.locate`.

>>> s = Span(line=3, column=5, text="a\\nbc")
>>> s.locate(3)
(4, 2)
"""
from __future__ import annotations

import re

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """Where a piece of text starts in the source, and the text itself (verbatim).

    Attributes
    ----------
    line, column : int
        1-based position of the first character of ``text`` in the file (in the cell for notebooks).
    text : str
        The source text, verbatim.
    cell : int or None
        The notebook cell index (0-based, as Jupyter counts) or ``None`` outside notebooks.
    """

    line: int
    column: int
    text: str
    cell: int | None = None

    def locate(self, offset: int) -> tuple[int, int]:
        """The (line, column) of character ``offset`` of ``text``."""
        before = self.text[:offset]
        newlines = before.count("\n")
        if not newlines:
            return self.line, self.column + offset
        return self.line + newlines, offset - before.rfind("\n")

    def sub(self, start: int, end: int) -> "Span":
        """The span of ``text[start:end]``."""
        line, column = self.locate(start)
        return Span(line, column, self.text[start:end], self.cell)

    def where(self, path: str = "") -> str:
        """``path:line:column`` (``path cell 3:line:column`` in a notebook), for messages."""
        cell = f" cell {self.cell}" if self.cell is not None else ""
        return f"{path}{cell}:{self.line}:{self.column}" if path else f"{cell.strip() or 'line'} {self.line}:{self.column}"


@dataclass(frozen=True)
class Heading:
    """A section heading (Markdown ``#``, LaTeX ``\\section``), in document order."""

    level: int
    title: str
    span: Span


@dataclass(frozen=True)
class Math:
    """One piece of math: the TeX between its delimiters (``$…$``, ``$$…$$``, ``\\[…\\]``,
    ``equation``/``align`` environments), verbatim, with the span of that TeX.

    ``display`` is false for inline math. ``environment`` names the LaTeX environment
    (``"align*"``) or is ``None`` for dollar and bracket math.
    """

    tex: str
    span: Span
    display: bool = True
    environment: str | None = None


@dataclass(frozen=True)
class Cell:
    """One table cell: its text verbatim (may hold ``$…$`` math) and where it is."""

    text: str
    span: Span


@dataclass(frozen=True)
class Table:
    """A table (pipe table, tab-separated lines, LaTeX ``tabular``): a header row and body rows."""

    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    span: Span


@dataclass(frozen=True)
class Prose:
    """A paragraph of text outside math and tables (numbers in it are listed, never guessed at)."""

    text: str
    span: Span


Block = Heading | Math | Table | Prose


CHAIN_DECLARATION = "% gmmexact: a calculator chain carrying {k} significant digits (latex --carry-digits {k})"
"""The comment a calculator-chain worked solution starts with; the checker reads it back."""
_CHAIN = re.compile(r"^% gmmexact: a calculator chain carrying ([1-9][0-9]?) significant digits", re.M)


def declared_carry_digits(text: str) -> int | None:
    r"""The digits a LaTeX document declares it carries (:data:`CHAIN_DECLARATION`, in its first 10 lines).

    >>> declared_carry_digits(CHAIN_DECLARATION.format(k=3) + "\n\\documentclass{article}")
    3
    """
    m = _CHAIN.search("\n".join(text.splitlines()[:10]))
    return int(m[1]) if m else None


@dataclass(frozen=True)
class Document:
    """A document as read: its blocks in document order, and what the reader could not read.

    Attributes
    ----------
    path : str
        The file as the user named it.
    format : str
        ``"markdown"``, ``"latex"`` or ``"notebook"``.
    blocks : tuple of Block
        Headings, math, tables and prose, in document order.
    problems : tuple of (Span, str)
        Places the reader could not make sense of (an unbalanced ``$``, an unclosed environment),
        with the reason: the rest of the document is still read.
    carry_digits : int or None
        Set when the document declares itself a calculator chain carrying that many significant digits
        (the first-line comment ``gmmexact latex --carry-digits K`` writes, :data:`CHAIN_DECLARATION`).
    """

    path: str
    format: str
    blocks: tuple[Block, ...]
    problems: tuple[tuple[Span, str], ...] = field(default=())
    carry_digits: int | None = None

    def math(self) -> tuple[Math, ...]:
        """The math blocks, in document order."""
        return tuple(b for b in self.blocks if isinstance(b, Math))

    def tables(self) -> tuple[Table, ...]:
        """The tables, in document order."""
        return tuple(b for b in self.blocks if isinstance(b, Table))

    def headings(self) -> tuple[Heading, ...]:
        """The headings, in document order."""
        return tuple(b for b in self.blocks if isinstance(b, Heading))
