"""Offsets into a source text as the user sees them: 1-based lines and columns, and spans.

Every reader works on one string; this module turns offsets in it into :class:`Span` values
(and finds a piece of text that a parser handed back without its position).

Known gaps: columns count characters (code points), so a tab counts one column and a wide
character one column, whatever an editor shows.

>>> src = SourceText("ab\\ncd")
>>> src.position(4), src.span(3, 5)
((2, 2), Span(line=2, column=1, text='cd', cell=None))
"""
from __future__ import annotations

import re
from bisect import bisect_right

from .source import Span

__all__ = ["NO_MATH", "SourceText", "deepest_nesting", "normalise"]

NO_MATH = "no math found: the document has no $…$, $$…$$, \\[…\\], \\(…\\) or \\begin{equation}… to read"


_TEX_GROUPS = re.compile(r"\\[{}]|\\(begin|end)(?![A-Za-z])|([{])|([}])")
_MATH_GROUPS = re.compile(r"\\[{}()\[\]]|\\(begin|end)(?![A-Za-z])|([{(\[])|([})\]])")


def deepest_nesting(text: str, math: bool = False) -> tuple[int, int]:
    r"""How deep braces and environments nest in TeX ``text`` (in math also parentheses and brackets),
    and the offset where that depth is first reached; escaped ``\{``, ``\}`` do not count, and a
    stray closing one is ignored.

    >>> deepest_nesting(r"\begin{x} {b \{ {c}} \end{x}")
    (3, 16)
    >>> deepest_nesting(r"\frac{1}{(2 + [3])}", math=True)
    (3, 14)
    """
    depth = deepest = at = 0
    for m in (_MATH_GROUPS if math else _TEX_GROUPS).finditer(text):
        if m[1] == "begin" or m[2]:
            depth += 1
            if depth > deepest:
                deepest, at = depth, m.start()
        elif m[1] == "end" or m[3]:
            depth = max(depth - 1, 0)
    return deepest, at


def normalise(text: str) -> str:
    """The text with a leading byte-order mark dropped and ``\\r\\n`` / ``\\r`` line ends as ``\\n``.

    Line and column numbers are unchanged by this: a line end is still one line end.

    >>> normalise("\\ufeffa\\r\\nb\\rc")
    'a\\nb\\nc'
    """
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


class SourceText:
    """A source string with its line starts, making spans out of offsets.

    Parameters
    ----------
    text : str
        The source (line ends already normalised to ``\\n``).
    cell : int, optional
        The notebook cell index the spans should carry.
    """

    def __init__(self, text: str, cell: int | None = None):
        self.text = text
        self.cell = cell
        starts = [0]
        find = text.find
        i = find("\n")
        while i >= 0:
            starts.append(i + 1)
            i = find("\n", i + 1)
        self.starts = starts

    @property
    def lines(self) -> int:
        """How many lines the text has."""
        return len(self.starts)

    def position(self, offset: int) -> tuple[int, int]:
        """The 1-based (line, column) of ``offset``."""
        offset = max(0, min(offset, len(self.text)))
        index = bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index] + 1

    def offset(self, line: int, column: int = 0) -> int:
        """The offset of 0-based ``line`` and 0-based ``column`` (clamped to the text)."""
        if line >= len(self.starts):
            return len(self.text)
        return min(self.starts[max(line, 0)] + column, len(self.text))

    def line_end(self, line: int) -> int:
        """The offset just past the last character of 0-based ``line`` (before its ``\\n``)."""
        if line + 1 >= len(self.starts):
            return len(self.text)
        return self.starts[line + 1] - 1

    def span(self, start: int, end: int) -> Span:
        """The span of ``text[start:end]``."""
        line, column = self.position(start)
        return Span(line, column, self.text[start:end], self.cell)

    def stripped(self, start: int, end: int) -> tuple[int, int]:
        """``(start, end)`` moved inward past surrounding whitespace."""
        text = self.text
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return start, end

    def find(self, piece: str, start: int, end: int) -> tuple[int, int] | None:
        """Where ``piece`` lies in ``text[start:end]``: verbatim, or with the line prefixes
        (indentation, ``>`` quote marks) a Markdown parser removes after each line end.

        Returns ``(s, e)`` such that ``text[s:e]`` is the source of ``piece``, or ``None``.
        """
        if not piece:
            return None
        text = self.text
        at = text.find(piece, start, end)
        if at >= 0:
            return at, at + len(piece)
        first = piece.split("\n", 1)[0]
        at = text.find(first, start, end) if first else start
        while 0 <= at < end:
            got = self._align(piece, at, end)
            if got is not None:
                return at, got
            if not first:
                return None
            at = text.find(first, at + 1, end)
        return None

    def _align(self, piece: str, p: int, end: int) -> int | None:
        text = self.text
        c, n = 0, len(piece)
        prefix = False
        while c < n:
            if p >= end:
                return None
            ch = text[p]
            if ch == piece[c]:
                prefix = ch == "\n"
                p += 1
                c += 1
            elif prefix and ch in " \t>":
                p += 1
            elif piece[c] in " \t" and prefix:  # the parser kept indentation the source lacks
                c += 1
            else:
                return None
        return p
