"""Reading a Markdown document (with TeX math) into blocks that remember where they came from.

markdown-it-py (CommonMark with pipe tables) does the Markdown; mdit-py-plugins' ``dollarmath``
reads ``$…$`` and ``$$…$$`` and ``amsmath`` reads top-level ``\\begin{align}…\\end{align}``; two
small rules here read ``\\(…\\)`` and ``\\[…\\]``. A paragraph whose lines all hold tabs (a table
pasted from a spreadsheet or a slide) is read as a table whose first line is the header.
Fenced code blocks tagged ``math`` are read as display math; other code is skipped.

Tokens carry line ranges only; columns come from finding each piece in its source lines.

Known gaps: inside a block quote, math spanning several lines keeps markdown-it's text (the
``>`` marks removed), so :meth:`Span.locate` is exact on its first line only. A ``$`` pairs with
the next ``$`` as markdown-it pairs it (as Jupyter renders it), so ``$5 and $10`` is math. Math
inside table cells stays in the cell's text (it is not listed as a separate math block). HTML
blocks and code are skipped.
"""
from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.amsmath import amsmath_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin

from .positions import NO_MATH, SourceText, normalise
from .source import Block, Cell, Document, Heading, Math, Prose, Span, Table

__all__ = ["markdown_blocks", "read_markdown"]


_MATH_ENVIRONMENTS = ("equation", "equation*", "align", "align*", "gather", "gather*", "multline", "multline*",
                      "flalign", "flalign*", "alignat", "alignat*", "eqnarray", "eqnarray*", "displaymath")
_CLOSING = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}
_BEGIN = re.compile(r"\\begin\s*\{([A-Za-z]+\*?)\}")


def _bracket_inline(state, silent: bool) -> bool:
    """``\\(…\\)`` and ``\\[…\\]`` inside a paragraph (before the backslash escape takes them)."""
    src, pos = state.src, state.pos
    if src.startswith("\\(", pos):
        close, kind = "\\)", "math_inline"
    elif src.startswith("\\[", pos):
        close, kind = "\\]", "math_inline_double"
    else:
        return False
    end = src.find(close, pos + 2, state.posMax)
    if end < 0:
        return False
    if not silent:
        token = state.push(kind, "math", 0)
        token.content = src[pos + 2:end]
        token.markup = src[pos:pos + 2]
    state.pos = end + 2
    return True


def _bracket_block(state, start_line: int, end_line: int, silent: bool) -> bool:
    """``\\[ … \\]`` starting a line, closed on the same or a later line (no blank line inside)."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    src = state.src
    pos = state.bMarks[start_line] + state.tShift[start_line]
    if not src.startswith("\\[", pos):
        return False
    line, begin = start_line, pos + 2
    while line < end_line:
        if line > start_line and state.isEmpty(line):
            return False
        first = begin if line == start_line else state.bMarks[line] + state.tShift[line]
        close = src.find("\\]", first, state.eMarks[line])
        if close >= 0:
            if src[close + 2:state.eMarks[line]].strip():
                return False
            break
        line += 1
    else:
        return False
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = src[begin:close]
    token.markup = "\\["
    token.map = [start_line, line + 1]
    state.line = line + 1
    return True


def math_markdown(html: bool = True) -> MarkdownIt:
    """markdown-it as the reader configures it: tables, ``$…$``/``$$…$$`` (dollarmath), ``align``
    (amsmath) and ``\\(…\\)``/``\\[…\\]``; ``html`` says whether raw HTML is parsed.

    >>> [t.type for t in math_markdown().parse("\\\\[x = 1\\\\]")]
    ['math_block']
    """
    md = (MarkdownIt("commonmark", {"html": html}).enable("table")
          .use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
          .use(amsmath_plugin))
    md.inline.ruler.before("escape", "bracket_math", _bracket_inline)
    md.block.ruler.before("fence", "bracket_math_block", _bracket_block,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    return md


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = math_markdown(html=True)
    md.disable("text_join", ignoreInvalid=True)  # keep escapes (``\\$``) apart from text, to tell a stray ``$``
    return md


class _Reader:
    def __init__(self, text: str, cell: int | None):
        self.src = SourceText(text, cell)
        self.blocks: list[Block] = []
        self.problems: list[tuple[Span, str]] = []

    # -- places ---------------------------------------------------------------------------------
    def region(self, token) -> tuple[int, int]:
        first, last = token.map
        return self.src.offset(first), self.src.line_end(max(first, last - 1))

    def problem(self, start: int, end: int, reason: str) -> None:
        self.problems.append((self.src.span(start, end), reason))

    def math(self, content: str, opening: str, start: int, end: int, display: bool,
             environment: str | None = None) -> int:
        """Add the math whose TeX is ``content``, searched after ``opening`` in ``[start, end)``;
        returns the offset after it (or ``start`` when it cannot be placed)."""
        src = self.src
        at = src.text.find(opening, start, end) if opening else start
        at = start if at < 0 else at + len(opening)
        found = src.find(content, at, end) if content else (at, at)
        if found is None:
            s, e = src.stripped(at, end)
            span = src.span(s, e)
            after = start
        else:
            s, e = found
            verbatim = src.text[s:e]
            if verbatim != content and "".join(verbatim.split()) == "".join(content.split()):
                content = verbatim  # only indentation differs: the source is the TeX
            span = src.span(s, e)
            closing = _CLOSING.get(opening, "")
            after = e + len(closing) if closing and src.text.startswith(closing, e) else e
        self.blocks.append(Math(content, span, display, environment))
        return after

    # -- blocks ---------------------------------------------------------------------------------
    def read(self, tokens) -> None:
        i, n = 0, len(tokens)
        while i < n:
            token = tokens[i]
            kind = token.type
            if kind == "heading_open" and token.map:
                self.heading(token, tokens[i + 1])
                i += 3
                continue
            if kind == "paragraph_open" and token.map:
                self.paragraph(token, tokens[i + 1])
                i += 3
                continue
            if kind == "table_open" and token.map:
                close = i
                while close < n and tokens[close].type != "table_close":
                    close += 1
                self.pipe_table(token, tokens[i:close])
                i = close + 1
                continue
            if kind in ("math_block", "math_block_label") and token.map:
                start, end = self.region(token)
                self.math(token.content, token.markup, start, end, True)
            elif kind == "amsmath" and token.map:
                self.environment(token)
            elif kind == "fence" and token.map and token.info.strip().lower() in ("math", "latex", "tex"):
                start, end = self.region(token)
                self.math(token.content.rstrip("\n"), token.markup, start, end, True)
            i += 1

    def heading(self, token, inline) -> None:
        start, end = self.src.stripped(*self.region(token))
        self.blocks.append(Heading(int(token.tag[1:]), inline.content, self.src.span(start, end)))
        self.inline_math(inline, start, end)

    def environment(self, token) -> None:
        """A top-level ``\\begin{align}…\\end{align}`` (amsmath's token map can stop a line short)."""
        name = token.meta.get("environment", "") + token.meta.get("numbered", "")
        content = token.content
        start = self.src.offset(token.map[0])
        found = self.src.find(content, start, len(self.src.text))
        body_start = content.find("}", content.find("\\begin")) + 1
        body_end = content.rfind("\\end")
        if found is None or body_start <= 0 or body_end < body_start:
            self.math(content, "", start, self.src.line_end(token.map[1]), True, name or None)
            return
        at = found[0]
        self.math(content[body_start:body_end], "", at + body_start, at + body_end, True, name or None)

    def paragraph(self, token, inline) -> None:
        start, end = self.region(token)
        lines = self.src.text[start:end].split("\n")
        if len(lines) >= 2 and all("\t" in line for line in lines):
            self.tab_table(start, end)
            return
        found = self.src.find(inline.content, start, end)
        s, e = found if found else self.src.stripped(start, end)
        if any(c.type == "text" and c.content.strip() for c in inline.children or ()):
            self.blocks.append(Prose(inline.content, self.src.span(s, e)))
        self.inline_math(inline, start, end)
        self.unclosed_environments(inline.content, s, e)

    def inline_math(self, inline, start: int, end: int) -> None:
        cursor = start
        for child in inline.children or ():
            if child.type in ("math_inline", "math_inline_double"):
                cursor = self.math(child.content, child.markup, cursor, end, child.type == "math_inline_double")
            elif child.type == "text" and "$" in child.content:
                at = self.src.text.find("$", cursor, end)
                at = cursor if at < 0 else at
                mark = "$$" if self.src.text.startswith("$$", at) else "$"
                self.problem(at, at + len(mark),
                             f"unbalanced {mark}: this {mark} has no closing {mark}, so what follows it is read "
                             "as text, not math")
                cursor = self.after(child.content, cursor, end)
            elif child.type == "text_special" and child.markup in ("\\(", "\\[") and child.info == "escape":
                at = self.src.text.find(child.markup, cursor, end)
                if at >= 0:
                    close = "\\)" if child.markup == "\\(" else "\\]"
                    self.problem(at, at + 2, f"unclosed {child.markup}: no {close} follows, so it is read as text")
                    cursor = at + 2
            elif child.type == "text_special":
                cursor = self.after(child.markup, cursor, end)
            elif child.content:
                cursor = self.after(child.content, cursor, end)

    def after(self, piece: str, start: int, end: int) -> int:
        """The offset after ``piece`` found from ``start`` (``start`` when it is not found)."""
        found = self.src.find(piece, start, end) if piece else None
        return found[1] if found else start

    def unclosed_environments(self, content: str, start: int, end: int) -> None:
        if "\\begin" not in content:
            return
        for m in _BEGIN.finditer(content):
            name = m.group(1)
            if name in _MATH_ENVIRONMENTS and f"\\end{{{name}}}" not in content[m.end():]:
                at = self.src.text.find(m.group(0), start, end)
                at = start if at < 0 else at
                self.problem(at, at + len(m.group(0)),
                             f"unclosed environment: \\begin{{{name}}} has no \\end{{{name}}}, so it is read as text")

    def tab_table(self, start: int, end: int) -> None:
        rows = []
        line_start = start
        text = self.src.text
        while line_start <= end:
            line_end = text.find("\n", line_start, end)
            line_end = end if line_end < 0 else line_end
            cells, cell_start = [], line_start
            while True:
                tab = text.find("\t", cell_start, line_end)
                cell_end = line_end if tab < 0 else tab
                s, e = self.src.stripped(cell_start, cell_end)
                cells.append(Cell(text[s:e], self.src.span(s, e)))
                if tab < 0:
                    break
                cell_start = tab + 1
            rows.append(tuple(cells))
            line_start = line_end + 1
        self.blocks.append(Table(rows[0], tuple(rows[1:]), self.src.span(start, end)))

    def pipe_table(self, token, tokens) -> None:
        start, end = self.src.stripped(*self.region(token))
        header, body, row, row_cursor, row_end = None, [], None, 0, 0
        for t in tokens:
            if t.type == "tr_open" and t.map:
                row = []
                row_cursor, row_end = self.region(t)
            elif t.type == "inline" and row is not None:
                content = t.content
                if content:
                    at = self.src.text.find(content, row_cursor, row_end)
                else:
                    at = -1
                if at < 0:
                    bar = self.src.text.find("|", row_cursor, row_end)
                    at = row_cursor if bar < 0 else bar + 1
                    at = min(at, row_end)
                    cell = Cell(content, self.src.span(at, at))
                    row_cursor = at
                else:
                    cell = Cell(content, self.src.span(at, at + len(content)))
                    row_cursor = at + len(content)
                row.append(cell)
            elif t.type == "tr_close" and row is not None:
                if header is None:
                    header = tuple(row)
                else:
                    body.append(tuple(row))
                row = None
        self.blocks.append(Table(header or (), tuple(body), self.src.span(start, end)))


def markdown_blocks(text: str, cell: int | None = None) -> tuple[tuple[Block, ...], tuple[tuple[Span, str], ...]]:
    """The blocks and problems of Markdown ``text`` (spans carrying ``cell`` when given).

    This is :func:`read_markdown` without the document-level checks (such as "no math at all"),
    for readers that assemble a document from several Markdown pieces (notebook cells).
    """
    reader = _Reader(normalise(text), cell)
    try:
        tokens = _parser().parse(reader.src.text)
    except RecursionError:  # absurdly deep nesting: markdown-it recurses per level
        return (), ((Span(1, 1, "", cell), "nesting too deep to read (more than Python's recursion limit)"),)
    try:
        reader.read(tokens)
    except Exception as e:  # noqa: BLE001 - a reader never raises: the rest is reported as unread
        where = reader.blocks[-1].span if reader.blocks else Span(1, 1, "", cell)
        reason = f"internal error: the document could not be read past line {where.line} ({type(e).__name__}: {e})"
        reader.problems.append((where, reason))
    return tuple(reader.blocks), tuple(reader.problems)


def read_markdown(text: str, path: str = "") -> Document:
    """Read a Markdown document: headings, math, tables and prose, with exact positions.

    Parameters
    ----------
    text : str
        The document (a leading byte-order mark and ``\\r\\n`` line ends are fine).
    path : str
        The file as the user named it (kept in the document for messages).

    Returns
    -------
    Document
        ``format == "markdown"``; problems (an unbalanced ``$``, an unclosed environment, no math
        at all) are listed in ``problems`` and never raised.

    Examples
    --------
    >>> doc = read_markdown("# Step 1\\n\\nThe mean is $\\\\mu = 165$.\\n", "hw.md")
    >>> [type(b).__name__ for b in doc.blocks]
    ['Heading', 'Prose', 'Math']
    >>> math = doc.blocks[2]
    >>> math.tex, math.span.line, math.span.column, math.display
    ('\\\\mu = 165', 3, 14, False)
    >>> math.span.locate(math.tex.index("165"))
    (3, 20)
    """
    blocks, problems = markdown_blocks(text)
    if not any(isinstance(b, Math) for b in blocks):
        problems += ((Span(1, 1, ""), NO_MATH),)
    return Document(path, "markdown", blocks, problems)
