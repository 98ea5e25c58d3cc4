"""Reading a LaTeX document into blocks that remember where they came from.

pylatexenc's ``LatexWalker`` (tolerant mode) gives the node tree with offsets: ``$…$``, ``$$…$$``,
``\\(…\\)`` and ``\\[…\\]`` become math (the TeX inside the delimiters), as do the environments
equation, align, gather, multline, flalign, alignat, eqnarray and displaymath (starred or not; the
environment's body, with the name in ``Math.environment``); ``tabular`` becomes a table (cells at
top-level ``&``, rows at ``\\\\``, rules such as ``\\hline`` ignored, the first row the header);
``\\section``-like commands become headings; the rest is prose, cut at blank lines, comments and
display math. Layout commands (``\\needspace{8\\baselineskip}``, ``\\vspace``) are not prose, nor are
the colours and widths of boxes (``\\fcolorbox[rgb]{…}{…}{text}``, ``\\parbox{0.9\\linewidth}{text}``),
whose text is read. Only the body of ``\\begin{document}`` is read when there is one.

Malformed input never raises: an unclosed ``$`` or environment, a stray ``}`` are listed in
``Document.problems`` (the errors the tolerant walker recovers from, and what its tree shows).

Known gaps: macros a user defines (``\\newcommand``) are not expanded; ``\\multicolumn`` and
``\\multirow`` cells keep their command text; ``\\input``/``\\include`` are not followed; the
starred or optional arguments of unknown commands are read as prose.
"""
from __future__ import annotations

import re

from pylatexenc.latexwalker import (LatexCharsNode, LatexCommentNode, LatexEnvironmentNode, LatexGroupNode,
                                    LatexMacroNode, LatexMathNode, LatexSpecialsNode, LatexWalker)

from .positions import NO_MATH, SourceText, normalise
from .source import Block, Cell, Document, Heading, Math, Prose, Span, Table, declared_carry_digits

__all__ = ["MATH_ENVIRONMENTS", "read_latex"]

MATH_ENVIRONMENTS = frozenset(
    name + star for name in ("equation", "align", "gather", "multline", "flalign", "alignat", "eqnarray",
                             "displaymath", "math", "dmath", "IEEEeqnarray") for star in ("", "*"))
_TABLES = {"tabular", "tabular*", "tabularx", "longtable", "tabulary"}
_SKIPPED = {"verbatim", "verbatim*", "lstlisting", "minted", "comment", "Verbatim", "filecontents", "tikzpicture",
            "thebibliography"}
_HEADINGS = {"part": 1, "chapter": 1, "section": 1, "subsection": 2, "subsubsection": 3, "paragraph": 4,
             "subparagraph": 5}
_RULES = {"hline", "toprule", "midrule", "bottomrule", "hhline", "cline", "cmidrule", "endhead", "endfirsthead",
          "endfoot", "endlastfoot", "noalign", "rowcolor"}
_BREAKS = {"par", "item", "bigskip", "medskip", "smallskip", "newpage", "clearpage", "maketitle", "tableofcontents"}
_LAYOUT = {"needspace", "Needspace", "vspace", "hspace", "addvspace", "enlargethispage", "vskip", "hskip", "kern",
           "setlength", "addtolength", "pagebreak", "nopagebreak", "linebreak", "nolinebreak"}
"""Layout commands whose argument is a length or a priority (``\\needspace{8\\baselineskip}``): not prose."""
_BOXES = {"fcolorbox": 2, "colorbox": 1, "textcolor": 1, "parbox": 1, "raisebox": 1, "makebox": 0, "framebox": 0,
          "scalebox": 1, "resizebox": 2, "color": None, "pagecolor": None}
"""Boxes and colours: the groups before the content (a colour, a width, a raise; ``None``: no content, one
argument) are layout, the content is read."""
_SPEC_GROUPS = {"tabular*": 2, "tabularx": 2, "tabulary": 2}
"""Leading groups of a table environment that are its width and column specification (else one)."""


class _Reader:
    def __init__(self, text: str):
        self.src = SourceText(text)
        self.blocks: list[Block] = []
        self.problems: list[tuple[Span, str]] = []
        self.run: list[int] | None = None  # [start, end] of the prose being gathered
        self.run_text = False
        self.inline: list[Math] = []

    def problem(self, start: int, end: int, reason: str) -> None:
        where = self.src.position(start)
        if not any((p[0].line, p[0].column) == where and p[1] == reason for p in self.problems):
            self.problems.append((self.src.span(start, end), reason))

    # -- prose ----------------------------------------------------------------------------------
    def extend(self, start: int, end: int, text: bool) -> None:
        if self.run is None:
            self.run = [start, end]
        else:
            self.run[1] = max(self.run[1], end)
        self.run_text = self.run_text or text

    def flush(self) -> None:
        if self.run is not None and self.run_text:
            s, e = self.src.stripped(*self.run)
            if s < e:
                self.blocks.append(Prose(self.src.text[s:e], self.src.span(s, e)))
        if self.run is not None or self.inline:
            self.blocks.extend(self.inline)
        self.run, self.run_text, self.inline = None, False, []

    # -- nodes ----------------------------------------------------------------------------------
    def walk(self, nodes) -> None:
        skip = 0  # groups still to skip: a layout command's or box's arguments the walker left unparsed
        descend = False  # the next group is a box's content: read inside it
        for node in nodes or ():
            if skip and isinstance(node, LatexGroupNode):
                skip -= 1
                continue
            if (skip or descend) and isinstance(node, LatexCharsNode) and (
                    not node.chars.strip() or re.fullmatch(r"\s*\[[^\]]*\]\s*", node.chars)):
                continue  # space, or an optional [rgb] / [3cm] between the arguments
            if descend and isinstance(node, LatexGroupNode):
                descend = False
                self.walk(node.nodelist)
                continue
            skip, descend = 0, False
            if isinstance(node, LatexMacroNode) and node.macroname.rstrip("*") in _LAYOUT:
                if not _parsed_args(node):
                    skip = 2 if node.macroname in ("setlength", "addtolength") else 1
                self.flush()
                continue
            if isinstance(node, LatexMacroNode) and node.macroname in _BOXES:
                self.flush()  # a box's colours, width or raise are not prose; its content is read
                args = _parsed_args(node)
                if args:
                    content = args[-1] if _BOXES[node.macroname] is not None else None
                    if isinstance(content, LatexGroupNode):
                        self.walk(content.nodelist)
                else:
                    skip, descend = _BOXES[node.macroname] or 0, _BOXES[node.macroname] is not None
                    skip += 1 if _BOXES[node.macroname] is None else 0
                continue
            if isinstance(node, LatexCharsNode):
                self.chars(node)
            elif isinstance(node, LatexCommentNode):
                self.flush()
            elif isinstance(node, LatexMathNode):
                self.math_node(node)
            elif isinstance(node, LatexEnvironmentNode):
                self.environment(node)
            elif isinstance(node, LatexMacroNode):
                self.macro(node)
            elif isinstance(node, (LatexGroupNode, LatexSpecialsNode)):
                self.extend(node.pos, node.pos + node.len, _has_text(node))

    def chars(self, node) -> None:
        text, pos = node.chars, node.pos
        start = 0
        while True:
            cut = _blank_line(text, start)
            if cut is None:
                if start < len(text):
                    piece = text[start:]
                    self.extend(pos + start, pos + len(text), any(c.isalnum() for c in piece))
                return
            a, b = cut
            if a > start:
                piece = text[start:a]
                self.extend(pos + start, pos + a, any(c.isalnum() for c in piece))
            self.flush()
            start = b

    def math_node(self, node) -> None:
        opening, closing = node.delimiters
        start = node.pos + len(opening)
        end = node.pos + node.len
        if self.src.text.startswith(closing, end - len(closing)) and end - len(closing) >= start:
            end -= len(closing)
        else:
            self.problem(node.pos, node.pos + len(opening),
                         f"unclosed {opening}: no {closing} follows, so the math runs to the end of its block")
        display = node.displaytype == "display"
        math = Math(self.src.text[start:end], self.src.span(start, end), display, None)
        if display:
            self.flush()
            self.blocks.append(math)
        else:
            self.extend(node.pos, node.pos + node.len, True)
            self.inline.append(math)

    def body(self, node) -> tuple[int, int, bool]:
        """The offsets of an environment's body and whether its ``\\end`` was found."""
        text = self.src.text
        start = text.find("}", node.pos) + 1
        args = getattr(node, "nodeargd", None)
        for arg in (args.argnlist if args is not None and args.argnlist else ()):
            if arg is not None:
                start = max(start, arg.pos + arg.len)
        end = node.pos + node.len
        verbatim = text[node.pos:end]
        k = verbatim.rfind("\\end")
        closed = k >= 0 and "".join(verbatim[k:].split()) == f"\\end{{{node.environmentname}}}"
        return start, (node.pos + k if closed else end), closed

    def environment(self, node) -> None:
        name = node.environmentname
        start, end, closed = self.body(node)
        if not closed:
            self.problem(node.pos, min(start, node.pos + node.len),
                         f"unclosed environment: \\begin{{{name}}} has no \\end{{{name}}}")
        if name in MATH_ENVIRONMENTS:
            self.flush()
            self.blocks.append(Math(self.src.text[start:end], self.src.span(start, end), True, name))
        elif name in _TABLES:
            self.flush()
            self.table(node, start, end)
        elif name in _SKIPPED:
            self.flush()
        else:
            self.flush()
            self.walk(node.nodelist)
            self.flush()

    def macro(self, node) -> None:
        name = node.macroname
        end = node.pos + node.len
        if name in _HEADINGS:
            self.flush()
            title = _last_group(node)
            s, e = self.src.stripped(node.pos, end)
            if title is not None:
                e = max(e, title.pos + title.len)
                text = self.src.text[title.pos + 1:title.pos + title.len - 1]
            else:
                text = ""
            self.blocks.append(Heading(_HEADINGS[name], text.strip(), self.src.span(s, e)))
            if title is not None:
                self.title_math(title.nodelist)
        elif name in _BREAKS:
            self.flush()
        elif name in ("[", "]", "(", ")"):  # a delimiter the walker left alone (unbalanced)
            self.problem(node.pos, node.pos + 2, f"unbalanced \\{name}: no matching delimiter")
        else:
            self.extend(node.pos, end, _has_text(node))

    def title_math(self, nodes) -> None:
        """The math in a heading's title, as inline math after the heading."""
        for node in nodes or ():
            if isinstance(node, LatexMathNode):
                self.math_node(node)
                self.flush()
            elif isinstance(node, LatexGroupNode):
                self.title_math(node.nodelist)

    # -- tables ---------------------------------------------------------------------------------
    def table(self, node, start: int, end: int) -> None:
        rows: list[list[list[int]]] = [[[]]]  # per cell: the offsets its kept nodes cover
        skip_group = False
        args = getattr(node, "nodeargd", None)
        spec = 0 if args is not None and any(a is not None for a in (args.argnlist or ())) else \
            _SPEC_GROUPS.get(node.environmentname, 1)  # a longtable's {lrr} is not parsed as its argument
        for child in node.nodelist or ():
            if child.pos < start:
                continue  # the column specification
            if spec and isinstance(child, LatexGroupNode):
                spec -= 1
                continue
            if spec and isinstance(child, LatexCharsNode) and (not child.chars.strip() or
                                                              re.fullmatch(r"\s*\[[^\]]*\]\s*", child.chars)):
                continue  # whitespace, or longtable's [c] position before the specification
            spec = 0
            if isinstance(child, LatexMacroNode) and child.macroname in ("\\", "tabularnewline", "cr"):
                rows.append([[]])
                continue
            if isinstance(child, LatexSpecialsNode) and child.specials_chars == "&":
                rows[-1].append([])
                continue
            if isinstance(child, LatexMacroNode) and child.macroname in _RULES:
                skip_group = child.macroname in ("cline", "cmidrule", "hhline", "rowcolor") and not (
                    child.nodeargd is not None and any(a is not None for a in (child.nodeargd.argnlist or ())))
                continue
            if skip_group and isinstance(child, LatexGroupNode):
                skip_group = False
                continue
            skip_group = False
            if isinstance(child, LatexCommentNode) or (isinstance(child, LatexCharsNode) and not child.chars.strip()):
                continue
            rows[-1][-1].extend((child.pos, child.pos + child.len))
        cells_by_row = []
        for row in rows:
            cells = []
            for covered in row:
                if covered:
                    s, e = self.src.stripped(min(covered), max(covered))
                else:
                    s = e = start
                cells.append(Cell(self.src.text[s:e], self.src.span(s, e)))
            if any(c.text for c in cells):
                cells_by_row.append(tuple(cells))
        s, e = self.src.stripped(node.pos, node.pos + node.len)
        header = cells_by_row[0] if cells_by_row else ()
        self.blocks.append(Table(header, tuple(cells_by_row[1:]), self.src.span(s, e)))


def _parsed_args(node) -> list:
    """The arguments pylatexenc parsed for a macro (those given)."""
    args = getattr(node, "nodeargd", None)
    return [a for a in (args.argnlist or ()) if a is not None] if args is not None else []


def _blank_line(text: str, start: int) -> tuple[int, int] | None:
    """The first run of whitespace holding two line ends at or after ``start``."""
    i = text.find("\n", start)
    while i >= 0:
        j = i + 1
        while j < len(text) and text[j] in " \t\r\f\v":
            j += 1
        if j < len(text) and text[j] == "\n":
            k = j
            while k < len(text) and text[k].isspace():
                k += 1
            return i, k
        i = text.find("\n", j)
    return None


def _has_text(node) -> bool:
    if isinstance(node, LatexCharsNode):
        return any(c.isalnum() for c in node.chars)
    if isinstance(node, LatexMathNode):
        return True
    kids = list(getattr(node, "nodelist", None) or ())
    args = getattr(node, "nodeargd", None)
    if args is not None and args.argnlist:
        kids.extend(a for a in args.argnlist if a is not None)
    return any(_has_text(k) for k in kids)


def _last_group(node):
    args = getattr(node, "nodeargd", None)
    groups = [a for a in (args.argnlist if args is not None and args.argnlist else ()) if isinstance(a, LatexGroupNode)]
    return groups[-1] if groups else None


def _document_body(nodes):
    for node in nodes or ():
        if isinstance(node, LatexEnvironmentNode) and node.environmentname == "document":
            return node
    return None


class _Walker(LatexWalker):
    """A tolerant walker that keeps the errors it recovers from (pylatexenc only logs them)."""

    def __init__(self, text: str):
        super().__init__(text, tolerant_parsing=True)
        self.errors: list = []

    def _report_ignore_parse_error(self, exc) -> None:  # pylatexenc's hook for a recovered error
        self.errors.append(exc)


def _unclosed_groups(nodes, reader: _Reader) -> None:
    for node in nodes or ():
        if isinstance(node, LatexGroupNode) and node.delimiters == ("{", "}") \
                and not reader.src.text.startswith("}", node.pos + node.len - 1):
            reader.problem(node.pos, node.pos + 1, "unclosed {: no } follows")
        kids = list(getattr(node, "nodelist", None) or ()) if not isinstance(node, LatexCharsNode) else []
        args = getattr(node, "nodeargd", None)
        if args is not None and args.argnlist:
            kids.extend(a for a in args.argnlist if a is not None)
        _unclosed_groups(kids, reader)


def read_latex(text: str, path: str = "") -> Document:
    """Read a LaTeX document: sections, math, tabulars and prose, with exact positions.

    Parameters
    ----------
    text : str
        The document (a leading byte-order mark and ``\\r\\n`` line ends are fine).
    path : str
        The file as the user named it.

    Returns
    -------
    Document
        ``format == "latex"``; problems (an unclosed ``$`` or environment, a stray brace, no
        math at all) are listed in ``problems`` and never raised.

    Examples
    --------
    >>> doc = read_latex("\\\\section{M-step}\\nSo\\n\\\\begin{align*}\\n\\\\pi &= 0.5\\n\\\\end{align*}\\n")
    >>> [type(b).__name__ for b in doc.blocks]
    ['Heading', 'Prose', 'Math']
    >>> math = doc.blocks[2]
    >>> math.environment, math.tex, math.span.locate(math.tex.index("0.5"))
    ('align*', '\\n\\\\pi &= 0.5\\n', (4, 8))
    """
    text = normalise(text)
    reader = _Reader(text)
    walker = _Walker(text)
    try:
        nodes, _, _ = walker.get_latex_nodes()
        body = _document_body(nodes)
        if body is not None:
            start, _, closed = reader.body(body)
            if not closed:
                reader.problem(body.pos, start, "unclosed environment: \\begin{document} has no \\end{document}")
            reader.walk(body.nodelist)
        else:
            reader.walk(nodes)
        reader.flush()
        _unclosed_groups(nodes, reader)
    except RecursionError:
        reader.flush()
        reader.problems.append((Span(1, 1, ""), "nesting too deep to read (more than Python's recursion limit)"))
    except Exception as e:  # noqa: BLE001 - a reader never raises: the rest is reported as unread
        reader.flush()
        where = reader.blocks[-1].span if reader.blocks else Span(1, 1, "")
        reason = f"internal error: the document could not be read past line {where.line} ({type(e).__name__}: {e})"
        reader.problems.append((where, reason))
    for error in walker.errors:
        pos = getattr(error, "pos", None) or 0
        reader.problem(pos, min(pos + 1, len(text)), f"LaTeX error: {getattr(error, 'msg', None) or error}")
    problems = sorted(reader.problems, key=lambda p: (p[0].line, p[0].column))
    blocks = tuple(reader.blocks)
    if not any(isinstance(b, Math) for b in blocks):
        problems.append((Span(1, 1, ""), NO_MATH))
    return Document(path, "latex", blocks, tuple(problems), declared_carry_digits(text))
