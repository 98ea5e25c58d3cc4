"""Reading a piece of math into statements: relation chains of sides, and the numbers written.

``\\mathcal{N}(A|u_{men}, \\Sigma_{men}) = \\frac{1}{62.83} (7.2 \\times 10^{-28}) = 1.15 \\times 10^{-29}``
is one :class:`Statement` of three :class:`Side` values joined by ``"="``; its last side *is* a
number, so ``side.value`` is the :class:`Number` written ``"1.15 × 10^-29"``. A block is split into
statements at top-level ``\\quad``, ``\\qquad``, ``\\\\``, ``;``, ``,\\;``, at a comma between two
relations (``x = 1, y = 2``) and at ``&`` markers that do not stand next to a relation; a line that
starts with a relation (``&= 2`` in an ``align``) continues the chain above it, and one that starts
with a binary operator after a row break (``\\\\ &\\quad + 3``) continues the last side above it.

pylatexenc's ``LatexWalker`` (with a context where no macro takes arguments, so the reader
decides) gives the nodes and their positions; a character run is cut into digits, letters,
whitespace and single characters, and a small recursive reader builds the light token tree
(:class:`Atom`, :class:`Number`, :class:`Array`, :class:`Frac`, :class:`Root`, :class:`Op`).
Numbers are kept exactly as written, never evaluated: ``written`` is a spelling
:func:`gmmexact.model.written.parse_written` accepts (``"7.2 × 10^-28"``, ``"-5"``), and what the
reader cannot decide is marked, not guessed (``marks``: ``"percent"`` for ``75.7\\%``, written
``"75.7"``; ``"thousands"`` for ``1{,}000``, written ``"1000"``; ``"decimal-comma"`` for
``0,0107`` and ``"comma"`` for ``1,000`` (thousands or a decimal comma), both written as written;
``"fraction"`` for a side that is ``\\frac{3}{6}``, written ``"3/6"``).

:func:`statements` never raises: what it cannot read becomes one statement with a ``problem``. A
piece of math longer than :data:`MAX_MATH_CHARS` characters (pylatexenc's time grows faster than
its length), or nested deeper than the ``nesting`` limit (:mod:`gmmexact.model.limits`), is not
read: it becomes such a statement.

Known gaps: ``10^{-3}`` without a mantissa is the number 10 with an exponent; a bare ``x`` is
never read as a times sign; ``1 000`` (a space as thousands separator) is two numbers; inside a
bracket list a comma always separates entries (``[0,5]`` is two entries); ``\\frac{a}{b}`` is a
fraction value only when both parts are whole numbers; an atom takes the parenthesised list right
after it as its arguments (``\\Sigma^{-1}(A - \\mu)`` reads as a call), with a space between only
for function names (``\\exp``, ``\\det``, ``\\mathcal{N}``, ``p``…).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace

from pylatexenc.latexwalker import (LatexCharsNode, LatexCommentNode, LatexEnvironmentNode, LatexGroupNode,
                                    LatexMacroNode, LatexMathNode, LatexSpecialsNode, LatexWalker)
from pylatexenc.macrospec import EnvironmentSpec, LatexContextDb, MacroSpec, SpecialsSpec

from ..model.errors import InputError
from ..model.exactnum import active_limits, fixed_limits, shorten
from ..model.written import Written, parse_written
from .positions import deepest_nesting
from .source import Block, Cell, Document, Heading, Math, Prose, Span, Table

__all__ = ["MAX_MATH_CHARS", "Array", "Atom", "Frac", "Number", "Op", "Root", "Side", "Statement", "Token", "cell_numbers",
           "cell_value", "document_numbers", "past_limits", "statements", "text_numbers"]


# -- the token tree ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Number:
    """A number literal, exactly as written.

    Attributes
    ----------
    text : str
        The TeX verbatim (``"7.2 \\\\times 10^{-28}"``, ``"-5"``, ``"75.7\\\\%"``).
    written : str
        The number normalised for :func:`~gmmexact.model.written.parse_written`
        (``"7.2 × 10^-28"``); kept as written when a mark says the reader could not decide.
    span : Span
        Where ``text`` is.
    marks : tuple of str
        ``"percent"``, ``"thousands"``, ``"decimal-comma"``, ``"comma"``, ``"fraction"`` (see the
        module notes); empty for a plain number.
    script : bool
        True inside a superscript (an exponent such as the 2 of ``(x - 1)^2``).
    """

    text: str
    written: str
    span: Span
    marks: tuple[str, ...] = ()
    script: bool = False

    def parse(self) -> Written | None:
        """The :class:`~gmmexact.model.written.Written` value, or ``None`` for a comma the
        reader could not decide on (``marks`` holds ``"decimal-comma"`` or ``"comma"``) and for a
        number past the limits (:func:`past_limits`)."""
        if past_limits(self.written):
            return None
        try:
            return parse_written(self.written)
        except InputError:
            return None


_DIGIT_RUN = re.compile(r"(10\^\{?|[eE])?([+\-−]?)([0-9]+)")


def past_limits(written) -> str | None:
    """Why a number as written (or a vector or matrix of them) is past the limits on digits and
    exponents (:mod:`gmmexact.model.limits`), or ``None``; its value is never formed.

    >>> past_limits("1.5 × 10^99999999")
    'its exponent 99999999 is past the limit of ±10,000 (GMMEXACT_LIMIT_EXPONENT)'
    >>> past_limits(("0.5", "7" * 10001)), past_limits("-2.5e-3")
    ('it has 10,001 digits, more than the limit of 10,000 (GMMEXACT_LIMIT_NUMBER_DIGITS)', None)
    """
    if isinstance(written, tuple):
        return next((why for w in written if (why := past_limits(w))), None)
    lim = active_limits()
    for m in _DIGIT_RUN.finditer(str(written)):
        digits = m[3].lstrip("0")
        if m[1]:
            if len(digits) > len(str(lim.exponent)) or int(digits or "0") > lim.exponent:
                return (f"its exponent {shorten(digits)} is past the limit of ±{lim.exponent:,} "
                        "(GMMEXACT_LIMIT_EXPONENT)")
        elif len(digits) > lim.number_digits:
            return (f"it has {len(digits):,} digits, more than the limit of {lim.number_digits:,} "
                    "(GMMEXACT_LIMIT_NUMBER_DIGITS)")
    return None


@dataclass(frozen=True)
class Op:
    """An operator, relation inside a group, bracket or punctuation (``+ - × · ( ) | , ^T``).

    A superscript or subscript on something that is not an atom (``(x - \\mu)^T``) is an
    ``Op`` whose text is ``"^"`` or ``"_"`` and the script's plain text, with the script's
    tokens in ``tokens``.
    """

    text: str
    span: Span
    tokens: tuple = ()


@dataclass(frozen=True)
class Atom:
    """A symbol: a letter or a macro name without its backslash (``"mu"``, ``"N"`` for
    ``\\mathcal{N}``, ``"det"``), with its decorations, scripts and argument list.

    Attributes
    ----------
    name : str
    span : Span
    decorations : tuple of str
        Outermost first: ``("hat",)``, ``("mathcal",)``, ``("boldsymbol",)``, ``("prime",)``.
    sub, sup : str or None
        The scripts as plain text (``\\text{}``, ``\\mathrm{}`` and braces unwrapped): ``"women"``,
        ``"A,1"``, ``"-1"``, ``"(1)"``, ``"T"``.
    args : tuple of str or None
        The parenthesised list right after the atom, split at top-level commas and ``|``, as
        plain text; ``None`` when no list follows.
    sup_tokens, arg_tokens :
        The tokens of the superscript and of each argument (their numbers are the side's too).
    """

    name: str
    span: Span
    decorations: tuple[str, ...] = ()
    sub: str | None = None
    sup: str | None = None
    args: tuple[str, ...] | None = None
    sup_tokens: tuple = ()
    arg_tokens: tuple = ()


@dataclass(frozen=True)
class Frac:
    """``\\frac{num}{den}`` (also ``\\dfrac``, ``\\tfrac``, ``\\cfrac``)."""

    num: tuple
    den: tuple
    span: Span


@dataclass(frozen=True)
class Root:
    """``\\sqrt[index]{radicand}`` (``index`` empty for a square root)."""

    radicand: tuple
    index: tuple
    span: Span


@dataclass(frozen=True)
class Array:
    """A vector or matrix: a ``bmatrix``/``pmatrix``/``vmatrix``/``Bmatrix``/``matrix``/``array``
    environment or a bracket list (``[a, b]``, ``[[a, b], [c, d]]``, ``[a \\quad b]``).

    Attributes
    ----------
    rows : tuple of tuple of (Number or None)
        The entries by row; ``None`` for an entry that is not a number literal.
    kind : str
        ``"column"`` (one column), ``"row"`` (one row, or any flat bracket list) or ``"matrix"``.
    span : Span
    determinant : bool
        True for ``vmatrix``/``Vmatrix`` (bars: the determinant, not the matrix).
    environment : str or None
        The environment name, ``None`` for a bracket list.
    cells : tuple of tuple of tuple
        The tokens of each entry, by row.
    """

    rows: tuple[tuple[Number | None, ...], ...]
    kind: str
    span: Span
    determinant: bool = False
    environment: str | None = None
    cells: tuple = ()


Token = Atom | Number | Array | Frac | Root | Op


@dataclass(frozen=True)
class Side:
    """One side of a relation chain.

    Attributes
    ----------
    tex : str
        The side's TeX, verbatim.
    span : Span
    tokens : tuple of Token
    numbers : tuple of Number
        Every number literal in the side, in order (subscripts are indices and not included).
    value : Number or Array or None
        The literal the side *is* (after unwrapping ``\\boxed{}``, ``\\left(…\\right)`` and
        parentheses), a fraction of whole numbers as a ``Number`` marked ``"fraction"``, or
        ``None``.
    """

    tex: str
    span: Span
    tokens: tuple = ()
    numbers: tuple[Number, ...] = ()
    value: Number | Array | None = None


@dataclass(frozen=True)
class Statement:
    """A relation chain: ``sides[0] relations[0] sides[1] …`` (``len(sides) == len(relations) + 1``).

    ``relations`` holds ``"="``, ``"≈"`` (``\\approx``, ``\\simeq``), ``"<"``, ``">"``, ``"≤"``,
    ``"≥"``, ``"≠"``, ``"≡"``, ``":="``, ``"∝"``, ``"∼"``. ``problem`` says why a piece of math could
    not be read (then the one side holds the whole TeX and no tokens).
    """

    sides: tuple[Side, ...]
    relations: tuple[str, ...]
    span: Span
    problem: str | None = None


MAX_MATH_CHARS = 100_000
"""The longest piece of math read (about a second of pylatexenc); a longer one is reported unread."""


# -- vocabulary ----------------------------------------------------------------------------------

_RELATION_MACROS = {"approx": "≈", "simeq": "≈", "thickapprox": "≈", "approxeq": "≈", "doteq": "≈",
                    "lt": "<", "gt": ">", "le": "≤", "leq": "≤", "leqslant": "≤", "ge": "≥", "geq": "≥",
                    "geqslant": "≥", "ne": "≠", "neq": "≠", "equiv": "≡", "coloneqq": ":=", "coloneq": ":=",
                    "triangleq": ":=", "propto": "∝", "sim": "∼", "cong": "≈"}
_RELATION_CHARS = {"=": "=", "≈": "≈", "≃": "≈", "≅": "≈", "<": "<", ">": ">", "≤": "≤", "≥": "≥", "≠": "≠",
                   "≡": "≡", "∝": "∝", "∼": "∼"}
_OP_MACROS = {"times": "×", "cdot": "·", "ast": "*", "div": "÷", "pm": "±", "mp": "∓", "{": "{", "}": "}",
              "lbrace": "{", "rbrace": "}", "langle": "⟨", "rangle": "⟩", "|": "‖", "Vert": "‖", "lVert": "‖",
              "rVert": "‖", "vert": "|", "lvert": "|", "rvert": "|", "mid": "|", "ldots": "…", "cdots": "…",
              "dots": "…", "dotsc": "…", "dotsb": "…", "vdots": "⋮", "ddots": "⋱", "to": "→", "rightarrow": "→",
              "in": "∈", "circ": "∘", "otimes": "⊗", "odot": "⊙", "%": "%", "#": "#", "&": "&", "_": "_",
              "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "setminus": "∖", "cup": "∪", "cap": "∩"}
_OP_CHARS = {"−": "-", "–": "-", "⋅": "·", "∗": "*"}
_SPACING = {"quad", "qquad", ",", ";", ":", "!", " ", ">", "enspace", "thinspace", "medspace", "thickspace",
            "negthinspace", "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "left", "right",
            "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl",
            "Biggr", "bigm", "Bigm", "nonumber", "notag", "\\", "newline", "cr", "hline", "allowbreak", "nobreak",
            "relax", "centering", "noindent", "ignorespaces", "strut", "hfill", "qedhere", "end", "begin"}
_DELIMITER_SIZES = {"left", "right", "middle", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
                    "biggl", "biggr", "Biggl", "Biggr", "bigm", "Bigm"}
_SKIP_ONE_ARG = {"label", "tag", "color", "hspace", "vspace", "phantom", "hphantom", "vphantom", "eqref", "ref",
                 "cline", "footnote", "hspace*", "vspace*"}
_TRANSPARENT = {"boxed", "fbox", "underbrace", "overbrace", "cancel", "bcancel", "xcancel", "smash", "mathstrut",
                "underline", "boldmath", "ensuremath", "mathop", "mathbin", "mathrel", "mathord", "text*"}
_FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac", "over"}
_DECORATIONS = {"hat", "widehat", "bar", "overline", "tilde", "widetilde", "vec", "dot", "ddot", "check", "breve",
                "acute", "grave", "boldsymbol", "bm", "mathbf", "mathcal", "mathbb", "mathscr", "mathfrak",
                "mathsf", "mathit", "mathbfit", "pmb", "overrightarrow"}
_TEXTS = {"text", "textrm", "textit", "textbf", "textsf", "texttt", "textnormal", "mbox", "mathrm", "operatorname",
          "mathtt", "hbox", "textup", "emph"}
_CONNECTORS = {"and", "where", "so", "then", "thus", "hence", "since", "because", "with", "for", "if", "i.e.",
               "i.e.,", "e.g.", "or", "while", "giving", "gives", "therefore", "when", ","}
_FUNCTIONS = {"exp", "log", "ln", "lg", "det", "sin", "cos", "tan", "max", "min", "argmax", "argmin", "arg",
              "Pr", "diag", "tr", "trace", "Var", "Cov", "E", "N", "p", "P", "f", "g", "h", "phi", "varphi",
              "sqrt", "softmax", "sup", "inf", "lim"}
_MATRICES = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array",
             "pmatrix*", "bmatrix*", "Bmatrix*", "vmatrix*", "Vmatrix*", "matrix*", "psmallmatrix",
             "bsmallmatrix"}
_UNWRAP_ENVS = {"aligned", "split", "gathered", "alignedat", "align", "align*", "equation", "equation*",
                "gather", "gather*", "multline", "multline*", "flalign", "flalign*", "eqnarray", "eqnarray*",
                "displaymath", "math"}
_PLAIN_MACROS = {"top": "T", "intercal": "T", "prime": "'", "infty": "∞", "cdot": "·", "times": "×",
                 "ldots": "…", "cdots": "…", "dots": "…", "to": "→", "in": "∈", "le": "≤", "leq": "≤",
                 "ge": "≥", "geq": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "pm": "±", "mid": "|",
                 "vert": "|", "lvert": "|", "rvert": "|", "{": "{", "}": "}", "%": "%", "_": "_", "&": "&",
                 "#": "#", "$": "$"}
_TIMES = {"×", "·", "⋅", "*"}
_OPENING = {"(", "[", "{", "⟨", "‖", "|"}
_UNARY_AFTER = {"(", "[", "{", "⟨", ",", "+", "-", "×", "·", "*", "/", "÷", "±", "∓", ";", ":", "→", "∈",
                *_RELATION_CHARS.values(), ":="}


def _context() -> LatexContextDb:
    db = LatexContextDb()
    db.add_context_category("gmmexact-math", macros=[], environments=[], specials=[SpecialsSpec("&")])
    db.set_unknown_macro_spec(MacroSpec(""))  # no macro takes arguments: the reader decides
    db.set_unknown_environment_spec(EnvironmentSpec(""))
    return db


_CONTEXT = _context()


# -- lexemes -------------------------------------------------------------------------------------

class _Lx:
    """One lexeme: ``kind`` is ws, digits, letter, char, macro, group, env or amp."""

    __slots__ = ("end", "kids", "kind", "start", "text")

    def __init__(self, kind: str, text: str, start: int, end: int, kids: list | None = None):
        self.kind, self.text, self.start, self.end, self.kids = kind, text, start, end, kids

    def __repr__(self) -> str:  # for debugging only
        return f"{self.kind}:{self.text!r}@{self.start}"


def _lex_chars(chars: str, pos: int, out: list) -> None:
    i, n = 0, len(chars)
    while i < n:
        c = chars[i]
        j = i + 1
        if "0" <= c <= "9":
            while j < n and "0" <= chars[j] <= "9":
                j += 1
            out.append(_Lx("digits", chars[i:j], pos + i, pos + j))
        elif c.isspace() or c == "~":
            while j < n and (chars[j].isspace() or chars[j] == "~"):
                j += 1
            out.append(_Lx("ws", "", pos + i, pos + j))
        elif c.isalpha():
            out.append(_Lx("letter", c, pos + i, pos + j))
        else:
            out.append(_Lx("char", c, pos + i, pos + j))
        i = j


def _lex(nodes, out: list) -> list:
    for node in nodes or ():
        if isinstance(node, LatexCharsNode):
            _lex_chars(node.chars, node.pos, out)
        elif isinstance(node, LatexMacroNode):
            name = node.macroname
            end = node.pos + 1 + len(name)
            out.append(_Lx("macro", name, node.pos, end))
            if node.pos + node.len > end:
                out.append(_Lx("ws", "", end, node.pos + node.len))
        elif isinstance(node, LatexGroupNode):
            out.append(_Lx("group", "{", node.pos, node.pos + node.len, _lex(node.nodelist, [])))
        elif isinstance(node, LatexEnvironmentNode):
            out.append(_Lx("env", node.environmentname, node.pos, node.pos + node.len, _lex(node.nodelist, [])))
        elif isinstance(node, LatexSpecialsNode):
            if node.specials_chars == "&":
                out.append(_Lx("amp", "&", node.pos, node.pos + node.len))
            else:
                _lex_chars(node.specials_chars, node.pos, out)
        elif isinstance(node, LatexMathNode):
            out.append(_Lx("group", "$", node.pos, node.pos + node.len, _lex(node.nodelist, [])))
        elif isinstance(node, LatexCommentNode):
            out.append(_Lx("ws", "", node.pos, node.pos + node.len))
    return out


_DIMENSION = re.compile(r"\s*-?[0-9]*\.?[0-9]+\s*(pt|em|ex|mm|cm|in|bp|pc|dd|sp|mu)\s*")


def _after_row_break(L: list, i: int) -> int:
    """The index after a row break's ``*`` and optional ``[3pt]`` (``\\\\[3pt]``), starting at ``i``."""
    j = _next(L, i)
    if j < len(L) and L[j].kind == "char" and L[j].text == "*":
        i = j = j + 1
        j = _next(L, j)
    if j < len(L) and L[j].kind == "char" and L[j].text == "[":
        for k in range(j + 1, min(j + 12, len(L))):
            if L[k].kind == "char" and L[k].text == "]":
                if _DIMENSION.fullmatch("".join(lx.text for lx in L[j + 1:k])):
                    return k + 1
                break
    return i


def _next(L: list, i: int) -> int:
    """The index of the first lexeme at or after ``i`` that is not whitespace."""
    n = len(L)
    while i < n and L[i].kind == "ws":
        i += 1
    return i


def _prev(L: list, i: int) -> int:
    while i >= 0 and L[i].kind == "ws":
        i -= 1
    return i


_BLANK_MACROS = {",", ";", ":", "!", " ", ">", "quad", "qquad", "enspace", "thinspace", "medspace", "thickspace",
                 "negthinspace", "displaystyle", "textstyle", "nonumber", "notag", "hline"}


def _blank(lx) -> bool:
    return lx.kind == "ws" or (lx.kind == "macro" and lx.text in _BLANK_MACROS)


def _trim(L: list) -> list:
    """The lexemes without surrounding whitespace, spacing macros and trailing punctuation."""
    a, b = 0, len(L)
    while a < b and _blank(L[a]):
        a += 1
    while b > a and (_blank(L[b - 1]) or (L[b - 1].kind == "char" and L[b - 1].text in ".,;")):
        b -= 1
    return L[a:b]


def _relation_at(L: list, i: int) -> tuple[str, int] | None:
    """The relation starting at lexeme ``i`` and the index after it, or ``None``."""
    lx = L[i]
    if lx.kind == "char":
        c = lx.text
        nxt = L[i + 1] if i + 1 < len(L) else None
        follows_eq = nxt is not None and nxt.kind == "char" and nxt.text == "="
        if c == ":" and follows_eq:
            return ":=", i + 2
        if c == "!" and follows_eq:
            return "≠", i + 2
        if c in "<>" and follows_eq:
            return ("≤" if c == "<" else "≥"), i + 2
        if c in _RELATION_CHARS:
            j = i + 1
            while c == "=" and j < len(L) and L[j].kind == "char" and L[j].text == "=":
                j += 1  # "==" is "="
            return _RELATION_CHARS[c], j
    elif lx.kind == "macro":
        if lx.text in _RELATION_MACROS:
            return _RELATION_MACROS[lx.text], i + 1
        if lx.text in ("overset", "stackrel", "underset"):
            a = _next(L, i + 1)
            b = _next(L, a + 1)
            if b < len(L) and L[a].kind == "group" and L[b].kind == "group":
                inner = [x for x in L[b].kids if x.kind != "ws"]
                if len(inner) == 1:
                    got = _relation_at(inner, 0)
                    if got:
                        return got[0], b + 1
    return None


def _depth_change(lx) -> int:
    if lx.kind == "char":
        return 1 if lx.text in "([" else -1 if lx.text in ")]" else 0
    if lx.kind == "macro":
        return 1 if lx.text in ("{", "lbrace", "langle") else -1 if lx.text in ("}", "rbrace", "rangle") else 0
    return 0


def _is_comma_group(lx) -> bool:
    kids = [k for k in lx.kids if k.kind != "ws"]
    return len(kids) == 1 and kids[0].kind == "char" and kids[0].text == ","


# -- the reader ----------------------------------------------------------------------------------

class _Reader:
    def __init__(self, math: Math):
        self.tex = math.tex
        self.base = math.span
        self.starts = _line_starts(self.tex)
        self.pairs: dict = {}  # id(lexeme list) -> (the list, {opening bracket index: closing index})

    def matching(self, L: list, i: int) -> int | None:
        """The index of the bracket closing the one at ``L[i]`` (each list is scanned once)."""
        cached = self.pairs.get(id(L))
        if cached is None or cached[0] is not L:
            pairs: dict = {}
            stacks: dict = {"(": [], "[": []}
            for j, lx in enumerate(L):
                if lx.kind == "char":
                    if lx.text in stacks:
                        stacks[lx.text].append(j)
                    elif lx.text == ")" and stacks["("]:
                        pairs[stacks["("].pop()] = j
                    elif lx.text == "]" and stacks["["]:
                        pairs[stacks["["].pop()] = j
            cached = self.pairs[id(L)] = (L, pairs)
        return cached[1].get(i)

    # positions
    def span(self, start: int, end: int) -> Span:
        index = bisect_right(self.starts, start) - 1
        if index == 0:
            line, column = self.base.line, self.base.column + start
        else:
            line, column = self.base.line + index, start - self.starts[index] + 1
        return Span(line, column, self.tex[start:end], self.base.cell)

    def lexemes(self) -> list:
        tex = self.tex
        walker = LatexWalker(tex, latex_context=_CONTEXT, tolerant_parsing=True)
        state = walker.make_parsing_state(in_math_mode=True)
        out: list = []
        pos, n = 0, len(tex)
        while pos < n:
            nodes, start, length = walker.get_latex_nodes(pos=pos, parsing_state=state)
            _lex(nodes, out)
            end = max(start + length, pos)
            if end >= n:
                break
            out.append(_Lx("char", tex[end], end, end + 1))  # a character the walker stopped at
            pos = end + 1
        return out

    # statements
    def statements(self) -> list[Statement]:
        L = self.unwrap(self.lexemes())
        segments = self.segments(L, depth_aware=True)
        if segments is None:
            segments = self.segments(L, depth_aware=False)
        found: list[Statement] = []
        last_piece: list = []  # the lexemes of the last side of found[-1]
        for seg in segments:
            pieces, relations = self.chain(seg)
            if not relations and not _trim(pieces[0]):
                continue
            if found and relations and not _trim(pieces[0]) and found[-1].sides[-1].tex:
                last = found[-1]  # "&= 2" continues the chain above
                sides = last.sides + tuple(self.side(p) for p in pieces[1:])
                found[-1] = Statement(sides, last.relations + tuple(relations),
                                      self.span(self.offset(last.sides[0]), self.end_of(sides[-1])))
                last_piece = pieces[-1]
                continue
            if found and self.continues(found[-1], last_piece, pieces[0]):
                last = found[-1]  # "\\ &\quad + 3" continues the side above it
                merged = self.side(last_piece + pieces[0])
                sides = last.sides[:-1] + (merged,) + tuple(self.side(p) for p in pieces[1:])
                found[-1] = Statement(sides, last.relations + tuple(relations),
                                      self.span(self.offset(sides[0]), self.end_of(sides[-1])))
                last_piece = last_piece + pieces[0] if len(pieces) == 1 else pieces[-1]
                continue
            sides = tuple(self.side(p, at=self.place(seg)) for p in pieces)
            found.append(Statement(sides, tuple(relations),
                                   self.span(self.offset(sides[0]), self.end_of(sides[-1]))))
            last_piece = pieces[-1]
        return found

    def continues(self, last: Statement, last_piece: list, piece: list) -> bool:
        """A row that starts with a binary operator (``\\\\ &\\quad + \\log 0.2``) after a row break
        carries on the last side of the statement above, when that side is working (not a literal)."""
        L = _trim(piece)
        if not L or not last.relations or last.sides[-1].value is not None or not _trim(last_piece):
            return False
        head = L[0]
        if not ((head.kind == "char" and head.text in "+-−") or (head.kind == "macro" and head.text in
                                                                 ("cdot", "times", "pm", "mp"))):
            return False
        between = self.tex[self.end_of(last.sides[-1]):L[0].start]
        return "\\\\" in between

    def offset(self, side: Side) -> int:
        return self._offset_of(side.span)

    def _offset_of(self, span: Span) -> int:
        return _offset_in(self.base, self.starts, span.line, span.column)

    def end_of(self, side: Side) -> int:
        return self._offset_of(side.span) + len(side.span.text)

    def place(self, seg: list) -> int:
        return seg[0].start if seg else 0

    def unwrap(self, L: list) -> list:
        """Look inside a block that is one ``\\boxed{…}``, one group or one ``aligned`` environment."""
        for _ in range(64):
            core = [x for x in L if x.kind != "ws" and not (x.kind == "char" and x.text in ".,")]
            if len(core) == 2 and core[0].kind == "macro" and core[0].text in _TRANSPARENT | {"displaystyle"} \
                    and core[1].kind == "group":
                L = core[1].kids
            elif len(core) == 1 and (core[0].kind == "group" or
                                     (core[0].kind == "env" and core[0].text in _UNWRAP_ENVS)):
                L = core[0].kids
            else:
                return L
        return L

    def segments(self, L: list, depth_aware: bool) -> list | None:
        """Cut at the statement separators; ``None`` when brackets do not balance."""
        segments: list[list] = []
        weak: list[bool] = []  # whether the cut before segments[i] was a bare comma
        current: list = []
        cut_weak = False
        depth = 0
        i, n = 0, len(L)
        while i < n:
            lx = L[i]
            if depth == 0 or not depth_aware:
                kind = self.separator(L, i)
                if kind:
                    cut, skip = kind
                    if cut:
                        segments.append(current)
                        weak.append(cut_weak)
                        current = []
                        cut_weak = cut == "weak"
                        if cut == "weak":
                            current_sep = L[i]
                            current = [current_sep]  # kept so a merge restores the text
                    i = skip
                    continue
            if depth_aware:
                depth = max(0, depth + _depth_change(lx))
            current.append(lx)
            i += 1
        segments.append(current)
        weak.append(cut_weak)
        if depth_aware and depth:
            return None
        merged: list[list] = []
        related: list[bool] = []
        for seg, was_weak in zip(segments, weak):
            body = seg[1:] if was_weak else seg
            relation = self.has_relation(body)
            if was_weak and merged and not (related[-1] and relation):
                merged[-1].extend(seg)  # a comma inside one statement ("f(x), g(x) = 1")
                related[-1] = related[-1] or relation
            else:
                merged.append(list(body))
                related.append(relation)
        return merged

    def separator(self, L: list, i: int) -> tuple[str | None, int] | None:
        """``("strong" | "weak" | None, next index)`` when lexeme ``i`` separates statements."""
        lx = L[i]
        if lx.kind == "macro":
            if lx.text in ("\\", "newline", "cr"):
                return "strong", _after_row_break(L, i + 1)
            if lx.text in ("quad", "qquad"):
                return "strong", i + 1
            if lx.text in ("text", "textrm", "mbox", "textnormal", "intertext", "textit"):
                j = _next(L, i + 1)
                if j < len(L) and L[j].kind == "group" and _plain(L[j].kids).strip().lower() in _CONNECTORS:
                    return "strong", j + 1
            return None
        if lx.kind == "char":
            if lx.text == ";":
                return "strong", i + 1
            if lx.text == ",":
                j = _next(L, i + 1)
                if j >= len(L):
                    return None
                nxt = L[j]
                if nxt.kind == "macro" and nxt.text in (";", "quad", "qquad", ":", " ", ",", ">"):
                    return "strong", i + 1
                if j > i + 1 or nxt.kind != "digits":
                    return "weak", i + 1
            return None
        if lx.kind == "amp":
            p, q = _prev(L, i - 1), _next(L, i + 1)
            near = (p >= 0 and _relation_at(L, p) is not None) or (q < len(L) and _relation_at(L, q) is not None)
            return (None if near else "strong"), i + 1
        return None

    def has_relation(self, seg: list) -> bool:
        depth = 0
        for i, lx in enumerate(seg):
            if depth == 0 and _relation_at(seg, i):
                return True
            depth = max(0, depth + _depth_change(lx))
        return False

    def chain(self, seg: list) -> tuple[list, list]:
        pieces, relations = [], []
        depth, cut = 0, 0
        i, n = 0, len(seg)
        while i < n:
            if depth == 0:
                got = _relation_at(seg, i)
                if got:
                    pieces.append(seg[cut:i])
                    relations.append(got[0])
                    i = cut = got[1]
                    continue
            depth = max(0, depth + _depth_change(seg[i]))
            i += 1
        pieces.append(seg[cut:])
        if depth:  # unbalanced brackets: cut at every relation instead
            pieces, relations, cut = [], [], 0
            i = 0
            while i < n:
                got = _relation_at(seg, i)
                if got:
                    pieces.append(seg[cut:i])
                    relations.append(got[0])
                    i = cut = got[1]
                    continue
                i += 1
            pieces.append(seg[cut:])
        return pieces, relations

    def side(self, piece: list, at: int = 0) -> Side:
        L = _trim(piece)
        if not L:
            where = piece[0].start if piece else at
            return Side("", self.span(where, where))
        start, end = L[0].start, L[-1].end
        tokens = tuple(self.seq(L))
        numbers = tuple(sorted(_numbers(tokens), key=lambda x: (x.span.line, x.span.column)))
        return Side(self.tex[start:end], self.span(start, end), tokens, numbers, self.literal(tokens))

    # values
    def literal(self, tokens) -> Number | Array | None:
        toks = list(tokens)
        while toks and isinstance(toks[-1], Op) and toks[-1].text in (".", ",", ";"):
            toks.pop()
        toks = _unwrapped(toks)
        if len(toks) == 1 and isinstance(toks[0], (Number, Array)):
            return toks[0]
        minus = None
        if len(toks) == 2 and isinstance(toks[0], Op) and toks[0].text == "-":
            minus, toks = toks[0], toks[1:]
        if len(toks) == 1 and isinstance(toks[0], Frac):
            f = toks[0]
            if len(f.num) == 1 and len(f.den) == 1 and isinstance(f.num[0], Number) \
                    and isinstance(f.den[0], Number) and not f.num[0].marks and not f.den[0].marks \
                    and f.num[0].written.lstrip("-").isdigit() and f.den[0].written.isdigit():
                num = f.num[0].written
                start = self._offset_of(f.span)
                if minus is not None:
                    num = num[1:] if num.startswith("-") else "-" + num
                    start = self._offset_of(minus.span)
                end = self._offset_of(f.span) + len(f.span.text)
                return Number(self.tex[start:end], f"{num}/{f.den[0].written}", self.span(start, end), ("fraction",))
        return None

    # the token tree
    def seq(self, L: list, script: bool = False) -> list:
        out: list = []
        i, n = 0, len(L)
        space = False
        while i < n:
            lx = L[i]
            kind = lx.kind
            if kind == "ws":
                space = True
                i += 1
                continue
            if kind in ("digits", "char"):
                got = self.number(L, i, _unary(out), script)
                if got:
                    out.append(got[0])
                    i = got[1]
                    space = False
                    continue
            if kind == "letter":
                out.append(Atom(lx.text, self.span(lx.start, lx.end)))
                i += 1
            elif kind == "digits":  # not reached: digits always start a number
                i += 1
            elif kind == "char":
                i = self.char(L, i, out, script, space)
            elif kind == "macro":
                i = self.macro(L, i, out, script, space)
            elif kind == "group":
                out.extend(self.seq(lx.kids, script))
                i += 1
            elif kind == "env":
                out.extend(self.env(lx, script))
                i += 1
            else:  # amp
                i += 1
            space = False
        return out

    def char(self, L: list, i: int, out: list, script: bool, space: bool) -> int:
        lx = L[i]
        c = lx.text
        if c in "^_":
            return self.script(L, i, out, script)
        if c == "'" and out and isinstance(out[-1], Atom):
            out[-1] = replace(out[-1], decorations=out[-1].decorations + ("prime",),
                              span=self.span(self._offset_of(out[-1].span), lx.end))
            return i + 1
        if c == "(" and out and isinstance(out[-1], Atom) and out[-1].args is None \
                and (not space or out[-1].name in _FUNCTIONS):
            got = self.args(L, i, out)
            if got is not None:
                return got
        if c == "[":
            got = self.bracket(L, i, script)
            if got is not None:
                out.append(got[0])
                return got[1]
        relation = _relation_at(L, i)
        if relation:
            out.append(Op(relation[0], self.span(lx.start, L[relation[1] - 1].end)))
            return relation[1]
        out.append(Op(_OP_CHARS.get(c, c), self.span(lx.start, lx.end)))
        return i + 1

    def take(self, L: list, i: int) -> tuple[list, int]:
        """The argument starting at or after ``i``: a group's content or one lexeme (one digit)."""
        j = _next(L, i)
        if j >= len(L):
            return [], j
        lx = L[j]
        if lx.kind == "group":
            return lx.kids, j + 1
        if lx.kind == "digits" and len(lx.text) > 1:  # \frac12: one digit each
            L[j] = _Lx("digits", lx.text[1:], lx.start + 1, lx.end)
            return [_Lx("digits", lx.text[0], lx.start, lx.start + 1)], j
        return [lx], j + 1

    def script(self, L: list, i: int, out: list, script: bool) -> int:
        mark = L[i].text
        j = _next(L, i + 1)
        if j >= len(L):
            out.append(Op(mark, self.span(L[i].start, L[i].end)))
            return j
        lx = L[j]
        if lx.kind == "group":
            arg, after = lx.kids, j + 1
        elif lx.kind == "char" and lx.text in "-+−" and j + 1 < len(L) and L[j + 1].kind in ("digits", "letter"):
            arg, after = [lx, L[j + 1]], j + 2  # x^-1: what is meant
        else:
            arg, after = [lx], j + 1
        end = L[after - 1].end
        plain = _plain(arg)
        tokens = tuple(self.seq(arg, script=script or mark == "^")) if mark == "^" else ()
        prev = out[-1] if out else None
        slot = "sup" if mark == "^" else "sub"
        if isinstance(prev, Atom) and prev.args is None and getattr(prev, slot) is None:
            span = self.span(self._offset_of(prev.span), end)
            if slot == "sup":
                out[-1] = replace(prev, sup=plain, sup_tokens=tokens, span=span)
            else:
                out[-1] = replace(prev, sub=plain, span=span)
        else:
            out.append(Op(mark + plain, self.span(L[i].start, end), tokens))
        return after

    def args(self, L: list, i: int, out: list) -> int | None:
        close = self.matching(L, i)
        if close is None:
            return None
        content = L[i + 1:close]
        parts, current, depth = [], [], 0
        for lx in content:
            if depth == 0 and lx.kind == "macro" and lx.text == "middle":
                continue  # \middle| is a bar
            if depth == 0 and ((lx.kind == "char" and lx.text in ",|") or (lx.kind == "macro" and lx.text in
                                                                            ("mid", "vert"))):
                parts.append(current)
                current = []
                continue
            depth = max(0, depth + _depth_change(lx))
            current.append(lx)
        parts.append(current)
        atom = out[-1]
        out[-1] = replace(atom, args=tuple(_plain(p) for p in parts),
                          arg_tokens=tuple(tuple(self.seq(p)) for p in parts),
                          span=self.span(self._offset_of(atom.span), L[close].end))
        return close + 1

    def macro(self, L: list, i: int, out: list, script: bool, space: bool) -> int:
        lx = L[i]
        name = lx.text
        if name in _DELIMITER_SIZES:
            j = i + 1
            if j < len(L) and L[j].kind == "char" and L[j].text == ".":
                return j + 1  # \left. is no delimiter
            return j
        if name in _SPACING:
            return i + 1
        if name in _SKIP_ONE_ARG:
            return self.take(L, i + 1)[1]
        if name == "textcolor":
            j = self.take(L, i + 1)[1]
            arg, j = self.take(L, j)
            out.extend(self.seq(arg, script))
            return j
        if name in _TRANSPARENT:
            arg, j = self.take(L, i + 1)
            out.extend(self.seq(arg, script))
            return j
        if name in _FRACTIONS and name != "over":
            num, j = self.take(L, i + 1)
            den, j = self.take(L, j)
            end = L[j - 1].end if j > i + 1 else lx.end
            out.append(Frac(tuple(self.seq(num, script)), tuple(self.seq(den, script)), self.span(lx.start, end)))
            return j
        if name == "sqrt":
            j = _next(L, i + 1)
            index: tuple = ()
            if j < len(L) and L[j].kind == "char" and L[j].text == "[":
                close = self.matching(L, j)
                if close is not None:
                    index = tuple(self.seq(L[j + 1:close], script))
                    j = close + 1
            arg, j = self.take(L, j)
            out.append(Root(tuple(self.seq(arg, script)), index, self.span(lx.start, L[j - 1].end)))
            return j
        if name in _DECORATIONS:
            arg, j = self.take(L, i + 1)
            inner = self.seq(arg, script)
            span = self.span(lx.start, L[j - 1].end if j > i + 1 else lx.end)
            if len(inner) == 1 and isinstance(inner[0], Atom):
                out.append(replace(inner[0], decorations=(name,) + inner[0].decorations, span=span))
            elif len(inner) == 1:
                out.append(inner[0])
            elif inner:
                out.append(Atom(_plain(arg).replace(" ", ""), span, (name,)))
            return j
        if name in _TEXTS:
            arg, j = self.take(L, i + 1)
            inner = self.seq(arg, script)
            span = self.span(lx.start, L[j - 1].end if j > i + 1 else lx.end)
            if len(inner) == 1 and not isinstance(inner[0], Op):
                out.append(inner[0] if not isinstance(inner[0], Atom) else
                           replace(inner[0], decorations=(() if name == "operatorname" else (name,)) +
                                   inner[0].decorations, span=span))
            elif any(isinstance(t, (Number, Array, Frac, Root)) for t in inner):
                out.extend(inner)
            else:
                word = _plain(arg).strip()
                if word:
                    out.append(Atom(word, span, () if name == "operatorname" else (name,)))
            return j
        if name in _OP_MACROS:
            out.append(Op(_OP_MACROS[name], self.span(lx.start, lx.end)))
            return i + 1
        if name in _RELATION_MACROS or name in ("overset", "stackrel", "underset"):
            got = _relation_at(L, i)
            if got:
                out.append(Op(got[0], self.span(lx.start, L[got[1] - 1].end)))
                return got[1]
        if len(name) == 1 and not name.isalpha():
            return i + 1  # \, \; \! and friends: spacing
        out.append(Atom(name, self.span(lx.start, lx.end)))
        return i + 1

    def env(self, lx, script: bool) -> list:
        name = lx.text
        if name in _MATRICES:
            return [self.matrix(lx, script)]
        kids = [k for k in lx.kids if not (k.kind == "amp" or (k.kind == "macro" and k.text in ("\\", "cr")))]
        return self.seq(kids, script)

    def matrix(self, lx, script: bool) -> Array:
        name = lx.text
        kids = lx.kids
        j = _next(kids, 0)
        if name == "array" and j < len(kids) and kids[j].kind == "group":
            kids = kids[j + 1:]  # the column spec
        elif name.endswith("*") and j < len(kids) and kids[j].kind == "char" and kids[j].text == "[":
            close = self.matching(kids, j)
            kids = kids[close + 1:] if close is not None else kids
        rows: list[list[list]] = [[[]]]
        skip_next = False
        for k in kids:
            if skip_next and k.kind == "group":
                skip_next = False
                continue
            skip_next = False
            if k.kind == "macro" and k.text in ("\\", "cr", "tabularnewline"):
                rows.append([[]])
            elif k.kind == "amp":
                rows[-1].append([])
            elif k.kind == "macro" and k.text in ("hline", "toprule", "midrule", "bottomrule"):
                continue
            elif k.kind == "macro" and k.text in ("cline", "cmidrule"):
                skip_next = True
            else:
                rows[-1][-1].append(k)
        while rows and all(not _trim(c) for c in rows[-1]):
            rows.pop()
        cells = tuple(tuple(tuple(self.seq(c, script)) for c in row) for row in rows)
        entries = tuple(tuple(_entry(c) for c in row) for row in cells)
        return Array(entries, _kind(entries), self.span(lx.start, lx.end), name.startswith(("vmatrix", "Vmatrix")),
                     name, cells)

    def bracket(self, L: list, i: int, script: bool) -> tuple[Array, int] | None:
        close = self.matching(L, i)
        if close is None or close == i + 1:
            return None
        content = L[i + 1:close]
        elements, current, depth, separated = [], [], 0, False
        for lx in content:
            if depth == 0 and ((lx.kind == "char" and lx.text == ",") or
                               (lx.kind == "macro" and lx.text in ("quad", "qquad"))):
                elements.append(current)
                current = []
                separated = True
                continue
            depth = max(0, depth + _depth_change(lx))
            current.append(lx)
        elements.append(current)
        cells = [tuple(self.seq(e, script)) for e in elements]
        span = self.span(L[i].start, L[close].end)
        if all(len(c) == 1 and isinstance(c[0], Array) and c[0].kind == "row" and c[0].environment is None
               for c in cells):
            rows = tuple(c[0].rows[0] for c in cells)
            return Array(rows, "matrix", span, False, None, tuple(c[0].cells[0] for c in cells)), close + 1
        entries = tuple(_entry(c) for c in cells)
        if separated or (len(entries) == 1 and entries[0] is not None):
            return Array((entries,), "row", span, False, None, (tuple(cells),)), close + 1
        return None

    def number(self, L: list, i: int, unary: bool, script: bool) -> tuple[Number, int] | None:
        n = len(L)
        j = i
        sign = ""
        lx = L[j]
        if lx.kind == "char":
            if lx.text in "-+−" and unary and j + 1 < n and (
                    L[j + 1].kind == "digits" or (L[j + 1].kind == "char" and L[j + 1].text == "."
                                                  and j + 2 < n and L[j + 2].kind == "digits")):
                sign = "+" if lx.text == "+" else "-"
                j += 1
            elif not (lx.text == "." and j + 1 < n and L[j + 1].kind == "digits"):
                return None
        whole, groups, marks = "", [], []
        if L[j].kind == "digits":
            whole = L[j].text
            j += 1
            after_whole = j
            while j + 1 < n and L[j + 1].kind == "digits":
                sep = L[j]
                if sep.kind == "group" and _is_comma_group(sep):
                    groups.append(("{,}", L[j + 1].text))
                elif sep.kind == "macro" and sep.text == "," and len(L[j + 1].text) == 3:
                    groups.append(("\\,", L[j + 1].text))
                elif sep.kind == "char" and sep.text == ",":
                    groups.append((",", L[j + 1].text))
                else:
                    break
                j += 2
                if len(groups[-1][1]) != 3:
                    break  # only groups of three continue a number (1{,}000{,}000)
            if groups:
                kinds = {k for k, _ in groups}
                threes = 1 <= len(whole) <= 3 and not whole.startswith("0") and all(len(d) == 3 for _, d in groups)
                decimal_follows = j + 1 < n and L[j].kind == "char" and L[j].text == "." and L[j + 1].kind == "digits"
                if threes and (kinds <= {"{,}", "\\,"} or decimal_follows):
                    marks.append("thousands")
                elif len(groups) == 1 and kinds <= {"{,}", ","} and not decimal_follows:
                    marks.append("comma" if threes else "decimal-comma")
                else:
                    groups, j = [], after_whole  # a list, not a number: stop at the first comma
        fraction = None
        if (not marks or marks == ["thousands"]) and j + 1 < n and L[j].kind == "char" and L[j].text == "." \
                and L[j + 1].kind == "digits":
            fraction = L[j + 1].text
            j += 2
        if not whole and fraction is None:
            return None
        if marks and marks[0] in ("comma", "decimal-comma"):
            mantissa = whole + "".join("," + d for _, d in groups)
        else:
            mantissa = whole + "".join(d for _, d in groups) + ("." + fraction if fraction is not None else "")
        written = mantissa
        # 1.15e-29
        if j + 1 < n and L[j].kind == "letter" and L[j].text in "eE":
            k = j + 1
            esign = ""
            if L[k].kind == "char" and L[k].text in "-+−" and k + 1 < n:
                esign = "-" if L[k].text != "+" else "+"
                k += 1
            if L[k].kind == "digits":
                written = f"{mantissa}{L[j].text}{esign}{L[k].text}"
                j = k + 1
        else:
            # 7.2 \times 10^{-28}
            k = _next(L, j)
            if k < n and ((L[k].kind == "macro" and L[k].text in ("times", "cdot")) or
                          (L[k].kind == "char" and L[k].text in _TIMES)):
                k = _next(L, k + 1)
                if k + 1 < n and L[k].kind == "digits" and L[k].text == "10" and L[k + 1].kind == "char" \
                        and L[k + 1].text == "^":
                    got = _exponent(L, _next(L, k + 2))
                    if got:
                        written = f"{mantissa} × 10^{got[0]}"
                        j = got[1]
        k = _next(L, j)
        if k < n and L[k].kind == "macro" and L[k].text == "%":
            marks.append("percent")
            j = k + 1
        start, end = L[i].start, L[j - 1].end
        return Number(self.tex[start:end], sign + written, self.span(start, end), tuple(marks), script), j


def _exponent(L: list, k: int) -> tuple[str, int] | None:
    """The integer exponent at lexeme ``k`` (``{-28}``, ``-28``, ``5``) and the index after it."""
    n = len(L)
    if k >= n:
        return None
    if L[k].kind == "group":
        kids = [x for x in L[k].kids if x.kind != "ws"]
        sign = ""
        if len(kids) == 2 and kids[0].kind == "char" and kids[0].text in "-+−":
            sign = "-" if kids[0].text != "+" else ""
            kids = kids[1:]
        if len(kids) == 1 and kids[0].kind == "digits":
            return sign + kids[0].text, k + 1
        return None
    if L[k].kind == "char" and L[k].text in "-+−" and k + 1 < n and L[k + 1].kind == "digits":
        return ("-" if L[k].text != "+" else "") + L[k + 1].text, k + 2
    if L[k].kind == "digits":
        return L[k].text, k + 1
    return None


def _offset_in(base: Span, starts: list, line: int, column: int) -> int:
    """The offset in ``base.text`` (whose line starts are ``starts``) of a 1-based line and column."""
    index = line - base.line
    if index <= 0:
        return column - base.column
    return starts[min(index, len(starts) - 1)] + column - 1


def _line_starts(text: str) -> list:
    starts = [0]
    k = text.find("\n")
    while k >= 0:
        starts.append(k + 1)
        k = text.find("\n", k + 1)
    return starts




def _unwrapped(toks: list) -> list:
    """The tokens without the brackets that enclose all of them (``((0.5))`` → ``0.5``), in one pass."""
    if len(toks) < 2:
        return toks
    pairs, stack = {}, []
    for k, t in enumerate(toks):
        if isinstance(t, Op):
            if t.text in ("(", "["):
                stack.append(k)
            elif t.text in (")", "]") and stack:
                pairs[stack.pop()] = k
    a, b = 0, len(toks) - 1
    while a < b and pairs.get(a) == b and (toks[a].text, toks[b].text) in (("(", ")"), ("[", "]")):
        a, b = a + 1, b - 1
    return toks[a:b + 1]


def _unary(out: list) -> bool:
    if not out:
        return True
    last = out[-1]
    return isinstance(last, Op) and last.text in _UNARY_AFTER


def _entry(tokens) -> Number | None:
    toks = [t for t in tokens if not (isinstance(t, Op) and t.text in (".", ","))]
    toks = _unwrapped(toks)
    return toks[0] if len(toks) == 1 and isinstance(toks[0], Number) else None


def _kind(rows) -> str:
    width = max((len(r) for r in rows), default=0)
    if len(rows) == 1 and width > 1:
        return "row"
    if width == 1 and len(rows) > 1:
        return "column"
    return "matrix"


def _numbers(tokens):
    for t in tokens:
        if isinstance(t, Number):
            yield t
        elif isinstance(t, Atom):
            yield from _numbers(t.sup_tokens)
            for arg in t.arg_tokens:
                yield from _numbers(arg)
        elif isinstance(t, Frac):
            yield from _numbers(t.num)
            yield from _numbers(t.den)
        elif isinstance(t, Root):
            yield from _numbers(t.index)
            yield from _numbers(t.radicand)
        elif isinstance(t, Array):
            for row in t.cells:
                for cell in row:
                    yield from _numbers(cell)
        elif isinstance(t, Op):
            yield from _numbers(t.tokens)


def _plain(L: list) -> str:
    """Lexemes as plain text: ``\\text{women}`` → ``women``, ``\\mu_{c}`` → ``mu_c``, ``\\frac{d}{2}``
    → ``d/2``."""
    parts: list[str] = []
    i, n = 0, len(L)
    while i < n:
        lx = L[i]
        kind = lx.kind
        if kind == "ws" or kind == "amp":
            parts.append(" ")
        elif kind in ("digits", "letter"):
            parts.append(lx.text)
        elif kind == "char":
            parts.append(_OP_CHARS.get(lx.text, lx.text))
        elif kind in ("group", "env"):
            parts.append(_plain(lx.kids))
        elif kind == "macro":
            name = lx.text
            if name in _FRACTIONS:
                j = _next(L, i + 1)
                k = _next(L, j + 1)
                if k < n:
                    num = _plain([L[j]])
                    den = _plain([L[k]])
                    num = num if len(num) <= 1 or num.isalnum() else f"({num})"
                    den = den if len(den) <= 1 or den.isalnum() else f"({den})"
                    parts.append(f"{num}/{den}")
                    i = k + 1
                    continue
            elif name in _PLAIN_MACROS:
                parts.append(_PLAIN_MACROS[name])
            elif name in _SPACING or (len(name) == 1 and not name.isalpha()):
                parts.append(" " if name in ("quad", "qquad", " ", ",", ";", ":") else "")
            elif name in _DECORATIONS or name in _TEXTS or name in _TRANSPARENT or name in _SKIP_ONE_ARG:
                if name in _SKIP_ONE_ARG:
                    j = _next(L, i + 1)
                    i = j + 1
                    continue
            elif name in _OP_MACROS:
                parts.append(_OP_MACROS[name])
            elif name in _RELATION_MACROS:
                parts.append(_RELATION_MACROS[name])
            else:
                parts.append(name)
        i += 1
    return " ".join("".join(parts).split())


# -- entry points --------------------------------------------------------------------------------

def statements(math: Math | str) -> list[Statement]:
    """Read a piece of math into statements (relation chains), with every number and its place.

    Parameters
    ----------
    math : Math or str
        The math block (its span places every token), or bare TeX (placed at line 1, column 1).

    Returns
    -------
    list of Statement
        In order; never raises (what cannot be read is one statement with ``problem`` set).

    Examples
    --------
    >>> s, = statements(r"\\mathcal{N}(A|u_{men}) = \\frac{1}{62.83} (7.2 \\times 10^{-28}) = 1.15 \\times 10^{-29}")
    >>> s.relations
    ('=', '=')
    >>> last = s.sides[-1].value
    >>> last.written, last.span.column, last.parse().digits
    ('1.15 × 10^-29', 66, 3)
    >>> [n.written for n in s.sides[1].numbers]
    ['1', '62.83', '7.2 × 10^-28']
    >>> density = s.sides[0].tokens[0]
    >>> density.name, density.decorations, density.args
    ('N', ('mathcal',), ('A', 'u_men'))
    """
    if not isinstance(math, Math):
        math = Math(str(math), Span(1, 1, str(math)))
    with fixed_limits():
        return _statements(math)


def _statements(math: Math) -> list[Statement]:
    if len(math.tex) > MAX_MATH_CHARS:
        line_end = math.tex.find("\n")
        span = math.span.sub(0, min(line_end if line_end >= 0 else len(math.tex), 200))
        reason = (f"math of {len(math.tex):,} characters, more than the {MAX_MATH_CHARS:,} this reader reads "
                  f"in one piece; not read: {shorten(math.tex.strip())}")
        return [Statement((Side(span.text, span),), (), span, reason)]
    depth, at = deepest_nesting(math.tex, math=True)
    if depth > active_limits().nesting:
        span = math.span.sub(at, at + 1)
        reason = (f"braces, brackets or environments nested {depth} deep, more than the limit of "
                  f"{active_limits().nesting} (GMMEXACT_LIMIT_NESTING); not read")
        return [Statement((Side(math.tex, math.span),), (), span, reason)]
    try:
        return _Reader(math).statements()
    except Exception as e:  # noqa: BLE001 - the reader is total: a reading failure is reported, not raised
        try:
            text = math.tex.strip()
            at = math.tex.find(text) if text else 0
            span = _Reader(math).span(at, at + len(text))
        except Exception:  # noqa: BLE001 - a span that cannot be placed falls back to the block's
            span = math.span
        side = Side(span.text, span)
        reason = ("nesting too deep to read (more than Python's recursion limit)" if isinstance(e, RecursionError)
                  else f"internal error: could not read this math ({type(e).__name__}: {e})")
        return [Statement((side,), (), span, reason)]


def cell_value(cell: Cell) -> Number | Array | None:
    """The number or array a table cell holds (``"0.5"``, ``"[162, 57]"``, ``"$16.67$"``), or ``None``.

    >>> from gmmexact.documents.source import Cell, Span
    >>> value = cell_value(Cell("[[10, 0], [0, 10]]", Span(27, 18, "[[10, 0], [0, 10]]")))
    >>> value.kind, [[n.written for n in row] for row in value.rows], value.rows[1][1].span.column
    ('matrix', [['10', '0'], ['0', '10']], 32)
    """
    found = _cell_statements(cell)
    if len(found) == 1 and len(found[0].sides) == 1:
        return found[0].sides[0].value
    return None


def cell_numbers(cell: Cell) -> tuple[Number, ...]:
    """Every number written in a table cell, in order."""
    return tuple(n for s in _cell_statements(cell) for side in s.sides for n in side.numbers)


def _cell_statements(cell: Cell) -> list[Statement]:
    text = cell.span.text
    if not text.strip():
        return []
    start, end = 0, len(text)
    stripped = text.strip()
    if len(stripped) >= 2 and stripped.startswith("$") and stripped.endswith("$"):
        start = text.index("$") + (2 if stripped.startswith("$$") and len(stripped) >= 4 else 1)
        end = text.rindex("$") + 1 - (2 if stripped.startswith("$$") and len(stripped) >= 4 else 1)
    if "$" in text[start:end]:
        return _prose_statements(cell.span)
    return statements(Math(text[start:end], cell.span.sub(start, end), False))


def _prose_statements(span: Span) -> list[Statement]:
    """The numbers of mixed text and ``$…$`` math, as statements of the math pieces and text numbers."""
    found = []
    text = span.text
    pieces = text.split("$")
    offset = 0
    for k, piece in enumerate(pieces):
        if k % 2 == 1 and k < len(pieces) - 1:
            found.extend(statements(Math(piece, span.sub(offset, offset + len(piece)), False)))
        else:
            numbers = text_numbers(piece, span.sub(offset, offset + len(piece)))
            if numbers:
                sub = span.sub(offset, offset + len(piece))
                found.append(Statement((Side(piece, sub, numbers, numbers, None),), (), sub))
        offset += len(piece) + 1
    return found


def text_numbers(text: str, span: Span) -> tuple[Number, ...]:
    """The numbers written in plain text (prose outside math), with their places.

    ``span`` places ``text`` (``span.text`` is ``text``). Words are read one at a time:
    ``3.5``, ``-2``, ``75.7%`` (marked ``"percent"``), ``1,000`` (marked ``"comma"``).

    >>> [(n.written, n.span.column) for n in text_numbers("Step **2**: about 75.7% of 1,000", Span(4, 1, ""))]
    [('2', 8), ('75.7', 19), ('1,000', 28)]
    """
    found = []
    local = Span(span.line, span.column, text, span.cell)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if "0" <= c <= "9" or (c in "-−+." and i + 1 < n and "0" <= text[i + 1] <= "9"):
            before = text[i - 1] if i else " "
            if before.isalnum() or before in "._":
                i += 1
                if "0" <= c <= "9":  # inside a word (x1, v2.0): not a number
                    while i < n and ("0" <= text[i] <= "9" or text[i] in ".,"):
                        i += 1
                continue  # a sign after a word (8-9, x-5) is an operator: the digits are read next
            got = _text_number(text, i)
            if got:
                number, j = got
                start, end = i, j
                found.append(Number(text[start:end], number[0], local.sub(start, end), number[1]))
                i = j
                continue
        i += 1
    return tuple(found)


def _text_number(text: str, i: int) -> tuple[tuple[str, tuple[str, ...]], int] | None:
    n = len(text)
    sign = ""
    if text[i] in "-−+":
        sign = "-" if text[i] != "+" else "+"
        i += 1
    start = i
    j = i
    while j < n and "0" <= text[j] <= "9":
        j += 1
    whole = text[start:j]
    groups = []
    while j + 1 < n and text[j] == "," and "0" <= text[j + 1] <= "9":
        k = j + 1
        while k < n and "0" <= text[k] <= "9":
            k += 1
        groups.append(text[j + 1:k])
        j = k
    marks: tuple[str, ...] = ()
    if groups:
        threes = 1 <= len(whole) <= 3 and not whole.startswith("0") and all(len(g) == 3 for g in groups)
        if threes:
            marks = ("comma",)
        elif len(groups) == 1:
            marks = ("decimal-comma",)
        else:
            groups = []
            j = start + len(whole)
    fraction = ""
    if not marks and j + 1 < n and text[j] == "." and "0" <= text[j + 1] <= "9":
        k = j + 1
        while k < n and "0" <= text[k] <= "9":
            k += 1
        fraction = text[j:k]
        j = k
    if not whole and not fraction:
        return None
    mantissa = whole + "".join("," + g for g in groups) + fraction
    if j + 1 < n and text[j] in "eE" and ("0" <= text[j + 1] <= "9" or (text[j + 1] in "-+" and j + 2 < n
                                                                      and "0" <= text[j + 2] <= "9")):
        k = j + 2
        while k < n and "0" <= text[k] <= "9":
            k += 1
        mantissa += text[j:k]
        j = k
    if j < n and text[j] == "%":
        marks += ("percent",)
        j += 1
    if j < n and (text[j].isalpha() or text[j] == "_"):
        return None  # 2nd, 3x, 10kg: a word, not a number
    return (sign + mantissa, marks), j


def document_numbers(document: Document) -> list[tuple[Block, Number]]:
    """Every number a document writes, with the block it is in, in document order.

    Math is read with :func:`statements`, table cells with :func:`cell_numbers`, prose with
    :func:`text_numbers` (skipping the inline math it holds, which is read as math). Headings
    are not searched (their math is).

    >>> from gmmexact.documents.markdown import read_markdown
    >>> doc = read_markdown("Take 3 steps.\\n\\n$$x = 0.5$$\\n", "a.md")
    >>> [(type(b).__name__, n.written, n.span.line) for b, n in document_numbers(doc)]
    [('Prose', '3', 1), ('Math', '0.5', 3)]
    """
    with fixed_limits():
        return _document_numbers(document)


def _document_numbers(document: Document) -> list[tuple[Block, Number]]:
    found: list[tuple[Block, Number]] = []
    blocks = document.blocks
    for k, block in enumerate(blocks):
        if isinstance(block, Math):
            for statement in statements(block):
                for side in statement.sides:
                    found.extend((block, n) for n in side.numbers)
        elif isinstance(block, Table):
            for row in (block.header, *block.rows):
                for cell in row:
                    found.extend((block, n) for n in cell_numbers(cell))
        elif isinstance(block, Prose):
            span = block.span
            text = span.text
            starts = _line_starts(text)
            end = span.locate(len(text))
            mask = list(text)
            for later in blocks[k + 1:]:  # the prose's own inline math follows it: read as math
                if not isinstance(later, Math) or not (span.line, span.column) <= \
                        (later.span.line, later.span.column) <= end:
                    break
                start = _offset_in(span, starts, later.span.line, later.span.column)
                for q in range(max(0, start), min(len(text), start + len(later.span.text))):
                    mask[q] = " "
            found.extend((block, n) for n in text_numbers("".join(mask), span))
        elif isinstance(block, Heading):
            continue
    return found
