"""Reading students' documents: Markdown (the seed homework), LaTeX and notebooks into blocks with
exact positions, and math into statements whose numbers are kept as written."""
from __future__ import annotations

import importlib
import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmmexact.documents import (Array, Atom, Frac, Heading, Math, Number, Op, Prose, Root, Span, Table, cell_numbers,
                                cell_value, document_numbers, read_document, read_latex, read_markdown, read_notebook,
                                sniff, statements, text_numbers)
from gmmexact.model.errors import InputError
from gmmexact.model.written import parse_written

from gmmexact.documents import files as sniff_module
ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed" / "homework.md"


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text):
    return read_markdown(seed_text, str(SEED))


def where(text: str, piece: str, nth: int = 0) -> tuple[int, int]:
    """The 1-based (line, column) of the ``nth`` occurrence of ``piece`` in ``text``, by plain search."""
    at = -1
    for _ in range(nth + 1):
        at = text.index(piece, at + 1)
    line = text.count("\n", 0, at) + 1
    return line, at - (text.rfind("\n", 0, at) + 1) + 1


def values(array: Array) -> list[list[str | None]]:
    return [[n.written if n is not None else None for n in row] for row in array.rows]


def math_with(doc, tex: str, nth: int = 0) -> Math:
    return [m for m in doc.math() if m.tex == tex][nth]


def at_position(text: str, span: Span) -> str:
    """The source text at ``span``'s line and column, as long as ``span.text`` (independent of the reader)."""
    lines = text.split("\n")
    start = sum(len(lines[k]) + 1 for k in range(span.line - 1)) + span.column - 1
    return text[start:start + len(span.text)]


# -- the seed homework ---------------------------------------------------------------------------

def test_the_seed_copy_is_byte_identical_to_the_shared_seed():
    shared = Path("/work/shared/seed/000_f877bee7a9585361.txt")
    if not shared.exists():
        pytest.skip("the shared seed is not on this machine")
    assert SEED.read_bytes() == shared.read_bytes()


def test_the_seed_is_sniffed_as_markdown_although_it_is_a_txt(seed_text):
    assert sniff("000_f877bee7a9585361.txt", seed_text) == "markdown"
    assert sniff(SEED, seed_text) == "markdown"
    doc = read_document(SEED)
    assert doc.format == "markdown" and doc.blocks == read_markdown(seed_text, str(SEED)).blocks


def test_the_seed_reads_into_blocks_without_problems(seed, seed_text):
    kinds = [type(b).__name__ for b in seed.blocks]
    assert (kinds.count("Heading"), kinds.count("Math"), kinds.count("Table"), kinds.count("Prose")) == (31, 136, 5, 28)
    assert seed.problems == ()
    assert seed.blocks[0] == Heading(1, "GMM Example", Span(6, 1, "# GMM Example"))
    assert [h.title for h in seed.headings()][:3] == ["GMM Example", "Example Dataset", "Initialize cluster parameters"]
    lines = seed_text.split("\n")
    assert [h.span.line for h in seed.headings()] == [k + 1 for k, line in enumerate(lines) if line.startswith("#")]
    assert sum(1 for h in seed.headings() if h.level == 2) == sum(1 for line in lines if line.startswith("## ")) == 4


def test_every_math_span_points_at_its_tex(seed, seed_text):
    for math in seed.math():
        assert math.span.text == math.tex
        assert at_position(seed_text, math.span) == math.tex
        assert math.environment is None
    displayed = [m for m in seed.math() if m.display]
    assert len(displayed) == 131 and seed_text.count("$$") == 2 * 131


def test_the_first_tab_separated_table(seed, seed_text):
    first = seed.tables()[0]
    assert [c.text for c in first.header] == ["Person", "Height", "Weight"]
    assert [[c.text for c in row] for row in first.rows] == [
        ["A", "160", "55"], ["B", "165", "60"], ["C", "170", "65"],
        ["D", "180", "75"], ["E", "185", "80"], ["F", "190", "85"]]
    assert first.span.line == where(seed_text, "Person\tHeight")[0] == 12
    assert first.header[1].span == Span(12, 8, "Height")
    assert first.rows[5][2].span == Span(18, 7, "85")
    for row in (first.header, *first.rows):
        for cell in row:
            assert at_position(seed_text, cell.span) == cell.text


def test_the_cluster_tables_keep_math_and_brackets_in_cells(seed):
    initial, new = seed.tables()[1], seed.tables()[4]
    assert [c.text for c in initial.header] == ["Cluster", "$\\mu$ (mean)", "$\\Sigma$ (covariance)", "$\\pi$ (prior)"]
    assert [[c.text for c in row] for row in initial.rows] == [
        ["women", "[162, 57]", "[[10, 0], [0, 10]]", "0.5"], ["men", "[185, 80]", "[[10, 0], [0, 10]]", "0.5"]]
    assert values(cell_value(initial.rows[0][2])) == [["10", "0"], ["0", "10"]]
    assert cell_value(initial.rows[0][2]).kind == "matrix"
    women = cell_value(new.rows[0][1])
    assert values(women) == [["165", "60"]] and women.kind == "row"
    assert women.rows[0][1].span == Span(419, 12, "60")
    assert values(cell_value(new.rows[1][2])) == [["16.67", "16.67"], ["16.67", "16.67"]]
    assert cell_value(new.rows[0][3]).written == "0.5"
    assert cell_value(new.header[1]) is None and cell_numbers(new.header[1]) == ()


def test_the_responsibility_tables_keep_empty_cells(seed):
    partial, full = seed.tables()[2], seed.tables()[3]
    assert [c.text for c in partial.header] == [c.text for c in full.header] == ["Person", "Height", "Weight",
                                                                                   "Women", "Men"]
    assert [c.text for c in partial.rows[0]] == ["A", "160", "55", "1", "0"]
    assert [c.text for c in partial.rows[1]] == ["B", "165", "60", "", ""]
    assert [[c.text for c in row][3:] for row in full.rows] == [["1", "0"]] * 3 + [["0", "1"]] * 3


def test_the_density_of_a_under_men_ends_in_the_written_number(seed, seed_text):
    tex = (r"\mathcal{N}(A|u_{men}, \Sigma_{men}) = \frac{1}{62.83} (7.2 \times 10^{-28}) "
           r"= 1.15 \times 10^{-29}")
    found, = statements(math_with(seed, tex))
    assert found.relations == ("=", "=") and found.problem is None
    left, middle, last = found.sides
    assert last.value == Number("1.15 \\times 10^{-29}", "1.15 × 10^-29", Span(*where(seed_text, "1.15 \\times"),
                                                                                "1.15 \\times 10^{-29}"))
    assert last.value.parse() == parse_written("1.15 × 10^-29")
    assert [n.written for n in middle.numbers] == ["1", "62.83", "7.2 × 10^-28"]
    assert middle.numbers[2].span == Span(*where(seed_text, "7.2 \\times"), "7.2 \\times 10^{-28}")
    assert middle.value is None
    density = left.tokens[0]
    assert isinstance(density, Atom)
    assert (density.name, density.decorations, density.args) == ("N", ("mathcal",), ("A", "u_men", "Sigma_men"))
    assert left.tex == r"\mathcal{N}(A|u_{men}, \Sigma_{men})"
    assert left.span == Span(*where(seed_text, r"\mathcal{N}(A|u_{men}, \Sigma_{men}) = \frac{1}{62.83} (7.2"),
                             left.tex)


def test_the_determinant_statement(seed, seed_text):
    found, = statements(math_with(seed, r"|\Sigma_{women}| = \begin{bmatrix} 10 & 0 \\ 0 & 10 \end{bmatrix} = 100"))
    bars, matrix, value = found.sides
    assert [type(t).__name__ for t in bars.tokens] == ["Op", "Atom", "Op"]
    assert bars.tokens[1].name == "Sigma" and bars.tokens[1].sub == "women"
    assert isinstance(matrix.value, Array) and values(matrix.value) == [["10", "0"], ["0", "10"]]
    assert matrix.value.kind == "matrix" and not matrix.value.determinant and matrix.value.environment == "bmatrix"
    assert value.value.written == "100" and value.tex == "100"
    line, column = where(seed_text, r"\end{bmatrix} = 100")
    assert value.value.span == Span(line, column + len(r"\end{bmatrix} = "), "100")


def test_the_boxed_covariance(seed, seed_text):
    tex = r"\boxed{\Sigma_{women} = \begin{bmatrix} 16.67 & 16.67 \\ 16.67 & 16.67 \end{bmatrix}}"
    found, = statements(math_with(seed, tex))
    name, matrix = found.sides
    assert name.tex == r"\Sigma_{women}" and name.tokens[0].sub == "women" and name.value is None
    assert values(matrix.value) == [["16.67", "16.67"], ["16.67", "16.67"]]
    line, column = where(seed_text, tex)
    first = matrix.value.rows[0][0]
    assert first.span == Span(line, column + tex.index("16.67"), "16.67")
    assert at_position(seed_text, matrix.value.rows[1][1].span) == "16.67"


def test_row_vectors_and_the_one_entry_list(seed, seed_text):
    tex = (r"(A - \mu_{women}) \left( \begin{bmatrix} 160 \\ 55 \end{bmatrix} - \begin{bmatrix} 165 \\ 60 "
           r"\end{bmatrix} \right) = \begin{bmatrix} -5 \\ -5 \end{bmatrix} \quad (A - \mu_{women})^T = [-5, -5]")
    difference, transpose = statements(math_with(seed, tex))
    assert values(difference.sides[1].value) == [["-5"], ["-5"]] and difference.sides[1].value.kind == "column"
    assert transpose.sides[0].tex == r"(A - \mu_{women})^T"
    assert isinstance(transpose.sides[0].tokens[-1], Op) and transpose.sides[0].tokens[-1].text == "^T"
    row = transpose.sides[1].value
    assert values(row) == [["-5", "-5"]] and row.kind == "row" and row.environment is None
    line, column = where(seed_text, tex)
    assert row.rows[0][1].span == Span(line, column + tex.rindex("-5"), "-5")
    zero = r"(B - \mu_{women})(B - \mu_{women})^T = [0]"
    found, = statements(math_with(seed, zero))
    assert values(found.sides[1].value) == [["0"]] and found.sides[1].value.kind == "row"


def test_fractions_roots_and_chains_in_the_seed(seed):
    prior, = statements(math_with(seed, r"\pi_{women} = \frac{3}{6} = \frac{1}{2} = 0.5"))
    assert [s.value.written for s in prior.sides[1:]] == ["3/6", "1/2", "0.5"]
    assert prior.sides[1].value.marks == ("fraction",) and prior.sides[1].value.parse().exact
    assert isinstance(prior.sides[1].tokens[0], Frac)
    root, = statements(math_with(seed, r"100^{1/2} = \sqrt{100} = 10"))
    assert isinstance(root.sides[1].tokens[0], Root) and root.sides[1].numbers[0].written == "100"
    assert root.sides[0].numbers[1].script and not root.sides[0].numbers[0].script
    sums, = statements(math_with(seed, r"m_{\text{women}} = 1 + 1 + 1 + 0 + 0 + 0 = 3"))
    assert sums.sides[0].tokens[0].sub == "women" and len(sums.sides[1].numbers) == 6
    exponent, = statements(math_with(seed, r"\mathcal{N}(A|u_{men}, \Sigma_{men}) = \frac{1}{62.83} "
                                           r"\exp\left(-\frac{1}{2} \times 125\right) = \frac{1}{62.83} \exp(-62.5)"))
    call = exponent.sides[2].tokens[1]
    assert (call.name, call.args) == ("exp", ("-62.5",)) and call.arg_tokens[0][0].written == "-62.5"


def test_the_numbers_of_the_seed(seed, seed_text):
    found = document_numbers(seed)
    in_math = [n for b, n in found if isinstance(b, Math)]
    in_tables = [n for b, n in found if isinstance(b, Table)]
    in_prose = [n for b, n in found if isinstance(b, Prose)]
    assert (len(found), len(in_math), len(in_tables), len(in_prose)) == (618, 528, 78, 12)
    assert sum(1 for n in in_math if not n.script) == 466  # the others are exponents: (2\pi)^{d/2}, x^{-1}
    table_cells = [c.text for t in seed.tables() for row in t.rows for c in row]
    assert [n.written for n in in_tables[:12]] == [c for c in table_cells[:18] if c.isdigit()]
    for _, number in found:
        assert number.span.text == number.text
        assert at_position(seed_text, number.span) == number.text
        assert number.parse() is not None and not number.marks
    steps = ["1", "3", "2", "4", "1", "2", "3", "4", "1", "3", "2", "4"]  # the numbered steps of the M-step slides
    assert [n.written for n in in_prose] == [n.span.text for n in in_prose] == steps
    assert sum(len(statements(m)) for m in seed.math()) == 146


# -- Markdown ------------------------------------------------------------------------------------

def test_pipe_tables_inline_math_approx_and_brackets():
    text = ("## Step 2\n"
            "\n"
            "| key | value |\n"
            "|-----|------:|\n"
            "| $\\pi_1$ | 0.50 |\n"
            "| det | $100$ |\n"
            "\n"
            "So $\\pi_1 \\approx 0.5$ and \\(r_{A,1} = 0.9\\), then\n"
            "\\[ \\mu_{\\text{new}} = \\begin{pmatrix} 165 \\\\ 60 \\end{pmatrix} \\]\n"
            "\n"
            "\\[\n"
            "\\Sigma^{-1} \\approx 0.1\n"
            "\\]\n")
    doc = read_markdown(text, "step.md")
    assert doc.problems == ()
    assert [type(b).__name__ for b in doc.blocks] == ["Heading", "Table", "Prose", "Math", "Math", "Math", "Math"]
    table = doc.blocks[1]
    assert [c.text for c in table.header] == ["key", "value"]
    assert [[c.text for c in r] for r in table.rows] == [["$\\pi_1$", "0.50"], ["det", "$100$"]]
    assert table.rows[0][1].span == Span(*where(text, "0.50"), "0.50")
    assert table.rows[1][1].span == Span(*where(text, "$100$"), "$100$")
    assert cell_value(table.rows[1][1]).written == "100"
    assert cell_value(table.rows[1][1]).span == Span(*where(text, "100"), "100")
    approx, bracket, display, block = doc.blocks[3:]
    assert (approx.tex, approx.display) == ("\\pi_1 \\approx 0.5", False)
    assert approx.span == Span(*where(text, "\\pi_1 \\approx"), approx.tex)
    found, = statements(approx)
    assert found.relations == ("≈",) and found.sides[1].value.span == Span(*where(text, "0.5$"), "0.5")
    assert (bracket.tex, bracket.span) == ("r_{A,1} = 0.9", Span(*where(text, "r_{A,1}"), "r_{A,1} = 0.9"))
    assert statements(bracket)[0].sides[0].tokens[0].sub == "A,1"
    assert display.display and values(statements(display)[0].sides[1].value) == [["165"], ["60"]]
    assert block.display and block.tex == "\n\\Sigma^{-1} \\approx 0.1\n"
    assert block.span == Span(where(text, "\\[\n")[0], 3, block.tex)
    number = statements(block)[0].sides[1].value
    assert number.span == Span(*where(text, "0.1\n"), "0.1") and number.written == "0.1"
    assert statements(block)[0].sides[0].tokens[0].sup == "-1"


def test_align_blocks_continue_chains_across_lines():
    text = "\\begin{align*}\nx &= 1 + 1 \\\\\n  &= 2 \\\\\ny &\\approx 0.33\n\\end{align*}\n"
    doc = read_markdown(text, "a.md")
    math, = doc.blocks
    assert math.environment == "align*" and math.span == Span(1, 15, math.tex)
    first, second = statements(math)
    assert first.relations == ("=", "=") and first.sides[2].value.span == Span(3, 6, "2")
    assert second.relations == ("≈",) and second.sides[1].value.written == "0.33"


def test_an_unbalanced_dollar_is_a_problem_not_an_error():
    doc = read_markdown("First $x = 1$ then a stray $ sign.\n\n$$y = 2$$\n\n$$ never closed\n", "u.md")
    assert [m.tex for m in doc.math()] == ["x = 1", "y = 2"]
    assert [(span.line, span.column, span.text) for span, _ in doc.problems] == [(1, 28, "$"), (5, 1, "$$")]
    assert "unbalanced $" in doc.problems[0][1] and "no closing $$" in doc.problems[1][1]


def test_an_unclosed_environment_is_a_problem():
    doc = read_markdown("Before\n\n\\begin{align}\nx &= 1\n\nafter $z$\n", "e.md")
    assert [(s.line, s.column, s.text, r.split(":")[0]) for s, r in doc.problems] == [
        (3, 1, "\\begin{align}", "unclosed environment")]
    assert [m.tex for m in doc.math()] == ["z"]


def test_a_document_without_math_says_so():
    doc = read_markdown("# Notes\n\nNothing to check here, only 3 words.\n", "n.md")
    (span, reason), = doc.problems
    assert span == Span(1, 1, "") and reason.startswith("no math found")
    assert [n.written for _, n in document_numbers(doc)] == ["3"]
    assert read_markdown("", "empty.md").problems[0][1].startswith("no math found")


def test_escaped_dollars_are_text():
    doc = read_markdown("It costs \\$5 and $x = 2$.\n", "d.md")
    assert doc.problems == () and [m.tex for m in doc.math()] == ["x = 2"]
    assert doc.math()[0].span == Span(1, 19, "x = 2")


def test_crlf_and_a_byte_order_mark_keep_lines_and_columns():
    doc = read_markdown("\ufeff# T\r\n\r\n$$a = 0.5$$\r\n", "w.md")
    assert doc.math()[0].span == Span(3, 3, "a = 0.5")


def test_math_in_lists_and_quotes_is_placed():
    text = "- item $q = 1$\n  $$\n  w = 2\n  $$\n\n> quoted $v = 3$\n"
    doc = read_markdown(text, "l.md")
    q, w, v = doc.math()
    assert q.span == Span(1, 9, "q = 1") and w.tex.strip() == "w = 2" and w.span.text == w.tex
    assert statements(w)[0].sides[1].value.span == Span(3, 7, "2")
    assert v.span == Span(*where(text, "v = 3"), "v = 3")


# -- numbers as written --------------------------------------------------------------------------

@pytest.mark.parametrize("tex, written, marks", [
    ("0.0107", "0.0107", ()),
    ("62.83", "62.83", ()),
    ("-5", "-5", ()),
    ("7.2 \\times 10^{-28}", "7.2 × 10^-28", ()),
    ("7.2\\cdot10^{-28}", "7.2 × 10^-28", ()),
    ("1.15e-29", "1.15e-29", ()),
    ("1{,}000", "1000", ("thousands",)),
    ("0,0107", "0,0107", ("decimal-comma",)),
    ("1,000", "1,000", ("comma",)),
    ("75.7\\%", "75.7", ("percent",)),
    ("\\frac{3}{6}", "3/6", ("fraction",)),
    ("-\\frac{1}{2}", "-1/2", ("fraction",)),
    ("\\left( 0.6703 \\right)", "0.6703", ()),
    ("\\boxed{0.8}", "0.8", ()),
    ("7.2 \\times 10^5", "7.2 × 10^5", ()),
    ("1\\,000\\,000", "1000000", ("thousands",)),
])
def test_numbers_are_kept_as_written(tex, written, marks):
    found, = statements(f"x = {tex}")
    value = found.sides[1].value
    assert isinstance(value, Number) and (value.written, value.marks) == (written, marks)
    if "decimal-comma" in marks or "comma" in marks:
        assert value.parse() is None
    else:
        assert value.parse() is not None
    if tex.startswith(("\\left", "\\boxed")):
        assert value.text == "0.6703" or value.text == "0.8"
    else:
        assert value.text == tex and value.span == Span(1, 5, tex)


def test_sqrt_is_a_root_of_a_number():
    found, = statements("r = \\sqrt{100}")
    root, = found.sides[1].tokens
    assert isinstance(root, Root) and root.radicand[0].written == "100" and found.sides[1].value is None


def test_statement_separators():
    found = statements(r"a \approx 0.5 \quad b ≈ 0.25; c < 3,\; d \geq 4 \qquad e \simeq 1, f = 2 \\ g > 1")
    assert [(s.sides[0].tex, s.relations, s.sides[1].value.written) for s in found] == [
        ("a", ("≈",), "0.5"), ("b", ("≈",), "0.25"), ("c", ("<",), "3"), ("d", ("≥",), "4"), ("e", ("≈",), "1"),
        ("f", ("=",), "2"), ("g", (">",), "1")]
    call, = statements("f(x, y) = 3")
    assert call.sides[0].tokens[0].args == ("x", "y")


def test_atoms_carry_decorations_and_scripts():
    found, = statements(r"\hat{\boldsymbol{\mu}}_{\text{new}}^{(1)} = \bar{x}'_{A,1}")
    hat, = found.sides[0].tokens
    assert (hat.name, hat.decorations, hat.sub, hat.sup) == ("mu", ("hat", "boldsymbol"), "new", "(1)")
    bar, = found.sides[1].tokens
    assert (bar.name, bar.decorations, bar.sub) == ("x", ("bar", "prime"), "A,1")
    gamma, = statements(r"\gamma_{ic} = \det(\Sigma)")
    assert gamma.sides[0].tokens[0].name == "gamma" and gamma.sides[1].tokens[0].args == ("Sigma",)


def test_text_numbers_in_prose():
    text = "Step **2**: 75.7% of 1,000 people, x2 and v1.5 are names"
    found = text_numbers(text, Span(3, 4, text))
    assert [(n.written, n.marks, n.span.line, n.span.column) for n in found] == [
        ("2", (), 3, 4 + text.index("2")), ("75.7", ("percent",), 3, 4 + text.index("75.7")),
        ("1,000", ("comma",), 3, 4 + text.index("1,000"))]
    assert [n.text for n in found] == ["2", "75.7%", "1,000"]
    assert [n.written for n in text_numbers("pages 8-9, -3 and x-5", Span(1, 1, "pages 8-9, -3 and x-5"))] == [
        "8", "9", "-3", "5"]  # this once looped forever on "8-9"


# -- LaTeX -----------------------------------------------------------------------------------------

LATEX = r"""\documentclass{article}
\usepackage{amsmath}
\title{Homework 3} % 3 is not a number to check
\begin{document}
\section{E-step}
The density is $p = 0.0107$. % also 42 is not read
\begin{align*}
\det\Sigma_{\text{women}} &= 100 \\
\Sigma^{-1} &= \begin{pmatrix} 0.1 & 0 \\ 0 & 0.1 \end{pmatrix}
\end{align*}
\subsection*{Data}
\begin{tabular}{|l|c|c|}
\hline
Person & Height & Weight \\ \hline
A & 160 & 55 \\
B & 165 & $60$ \\
\hline
\end{tabular}
\[ r_{A,1} \approx 1.00 \]
\end{document}
"""


def test_a_latex_document():
    doc = read_latex(LATEX, "hw.tex")
    assert doc.format == "latex" and doc.problems == ()
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["Heading", "Prose", "Math", "Math", "Heading", "Table", "Math"]
    section, prose, inline, align, data, table, bracket = doc.blocks
    assert section == Heading(1, "E-step", Span(5, 1, "\\section{E-step}"))
    assert data.level == 2 and data.title == "Data"
    assert prose.text == "The density is $p = 0.0107$." and inline.span == Span(*where(LATEX, "p = 0.0"), "p = 0.0107")
    assert align.environment == "align*" and align.span.line == 7 and align.span.text == align.tex
    det, inverse = statements(align)
    assert det.sides[0].tokens[0].name == "det" and det.sides[1].value.span == Span(*where(LATEX, "100"), "100")
    assert values(inverse.sides[1].value) == [["0.1", "0"], ["0", "0.1"]]
    assert inverse.sides[1].value.environment == "pmatrix"
    assert inverse.sides[1].value.rows[1][1].span == Span(*where(LATEX, "0.1", nth=1), "0.1")
    assert [c.text for c in table.header] == ["Person", "Height", "Weight"]
    assert [[c.text for c in r] for r in table.rows] == [["A", "160", "55"], ["B", "165", "$60$"]]
    assert table.rows[1][2].span == Span(*where(LATEX, "$60$"), "$60$")
    assert cell_value(table.rows[1][2]).span == Span(*where(LATEX, "60$"), "60")
    assert bracket.display and statements(bracket)[0].sides[1].value.written == "1.00"
    numbers = [n.written for _, n in document_numbers(doc)]
    assert "3" not in numbers and "42" not in numbers
    assert numbers == ["0.0107", "100", "-1", "0.1", "0", "0", "0.1", "160", "55", "165", "60", "1.00"]


def test_latex_problems_are_listed_not_raised():
    doc = read_latex("\\begin{document}\nText $x = 1 and } more\n\\begin{align}\na = 1\n", "bad.tex")
    reasons = [(s.line, s.column, r.split(":")[0]) for s, r in doc.problems]
    assert (1, 1, "unclosed environment") in reasons and (2, 6, "unclosed $") in reasons
    assert read_latex("plain words only", "p.tex").problems[-1][1].startswith("no math found")


def test_a_latex_determinant_matrix():
    doc = read_latex(r"$$\begin{vmatrix} 10 & 0 \\ 0 & 10 \end{vmatrix} = 100$$", "v.tex")
    found, = statements(doc.math()[0])
    assert found.sides[0].value.determinant and found.sides[1].value.written == "100"


# -- notebooks ---------------------------------------------------------------------------------------

def test_a_notebook_reads_markdown_cells_with_their_index():
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# E-step\n", "\n", "Responsibility $r = 1$\n"]},
        {"cell_type": "code", "metadata": {}, "source": "x = 0.0107", "outputs": [], "execution_count": None},
        {"cell_type": "markdown", "metadata": {}, "source": "$$\\pi_{women} = 0.5$$\n\nstray $ here"}]}
    doc = read_notebook(json.dumps(notebook), "hw.ipynb")
    assert doc.format == "notebook"
    assert [(type(b).__name__, b.span.cell, b.span.line, b.span.column) for b in doc.blocks] == [
        ("Heading", 0, 1, 1), ("Prose", 0, 3, 1), ("Math", 0, 3, 17), ("Math", 2, 1, 3), ("Prose", 2, 3, 1)]
    pi = statements(doc.blocks[3])[0].sides[1].value
    column = "$$\\pi_{women} = 0.5$$".index("0.5") + 1
    assert pi.span == Span(1, column, "0.5", 2) and pi.span.where("hw.ipynb") == f"hw.ipynb cell 2:1:{column}"
    (span, reason), = doc.problems
    assert (span.cell, span.line, span.column) == (2, 3, 7) and "unbalanced $" in reason


def test_a_notebook_that_is_not_json_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"bad.ipynb: is not valid notebook JSON: .* line 1, column \d+"):
        read_notebook('{"cells": [', "bad.ipynb")
    with pytest.raises(InputError, match="cells: is missing"):
        read_notebook('{"metadata": {}}', "x.ipynb")
    bad = tmp_path / "bad.ipynb"
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid notebook JSON"):
        read_document(bad)


# -- sniffing and files ------------------------------------------------------------------------------

def test_sniffing_by_content():
    assert sniff("problem.txt", (ROOT / "examples" / "seed" / "problem.toml").read_text()) == "problem-toml"
    assert sniff("claims", (ROOT / "examples" / "seed" / "claims.toml").read_text()) == "claims-toml"
    assert sniff("c.txt", "\ufeffKey, Value, where\ndet.women,100,\n") == "claims-csv"
    assert sniff("x.tex", "\\documentclass{article}\\begin{document}\\end{document}") == "latex"
    assert sniff("x.tex", "# Heading\n\n$$x = 1$$\n") == "markdown"
    assert sniff("x.tex", "\\begin{align} x &= 1 \\end{align}") == "latex"
    assert sniff("notes.md", "\\documentclass{article}") == "latex"
    assert sniff("notes", '{"cells": []}') == "notebook"
    assert sniff("x.ipynb", "oops") == "notebook"
    with pytest.raises(InputError, match="neither a problem nor a claims file"):
        sniff("x.toml", "a = 1\n")


def test_read_document_refuses_what_it_cannot_read(tmp_path, monkeypatch):
    latin = tmp_path / "latin.md"
    latin.write_bytes("$$x = 1$$\nCaf\u00e9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"latin.md: is not UTF-8 text: byte 0xe9 at line 2, column 4"):
        read_document(latin)
    with pytest.raises(InputError, match="file not found"):
        read_document(tmp_path / "missing.md")
    claims = tmp_path / "claims.toml"
    claims.write_text('[values]\n"det.women" = "100"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"is a claims file \(TOML\), not a document"):
        read_document(claims)
    big = tmp_path / "big.md"
    big.write_text("$$x = 1$$\n" * 20, encoding="utf-8")
    monkeypatch.setattr(sniff_module, "MAX_DOCUMENT_BYTES", 100)
    with pytest.raises(InputError, match=r"over the 0 MiB limit for a document|over the .* limit"):
        read_document(big)
    binary = tmp_path / "b.md"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(InputError, match="binary"):
        read_document(binary)


def test_read_document_reads_a_bom_and_latex(tmp_path):
    tex = tmp_path / "hw.txt"
    tex.write_bytes(b"\xef\xbb\xbf" + LATEX.encode("utf-8"))
    doc = read_document(tex)
    assert doc.format == "latex" and doc.math()[0].span == Span(*where(LATEX, "p = 0.0"), "p = 0.0107")


# -- robustness and speed ----------------------------------------------------------------------------

_PIECES = list("$\\{}[]()&^_=,;.-+ \n\t0123456789xeE%|<>") + [
    "\\frac", "\\begin{bmatrix}", "\\end{bmatrix}", "\\begin{align}", "\\end{align}", "\\quad", "\\\\", "\\left(",
    "\\right)", "\\times", "10^", "\\boxed", "{,}", "\\sqrt", "$$", "\\[", "\\]", "\\(", "\\)", "# ", "|", "\\text{",
    "\\approx", "\\mathcal{N}", "\\begin{vmatrix}", "\\end{vmatrix}", "\\%", "\\,", "\\section{", "\\hline",
    "\\begin{tabular}{cc}", "\\end{tabular}", "\\begin{document}", "`", "*", "> ", "- "]
_TEXTS = st.one_of(st.lists(st.sampled_from(_PIECES), max_size=50).map("".join), st.text(max_size=80))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
def test_statements_never_raise_and_numbers_sit_where_they_say(tex):
    math = Math(tex, Span(3, 5, tex))
    for statement in statements(math):
        assert statement.problem is None or statement.problem.startswith("nesting too deep")
        assert len(statement.sides) == len(statement.relations) + 1
        for side in statement.sides:
            for number in side.numbers:
                line, column = number.span.line, number.span.column
                lines = tex.split("\n")
                offset = sum(len(lines[k]) + 1 for k in range(line - 3)) + column - (5 if line == 3 else 1)
                assert tex[offset:offset + len(number.text)] == number.text == number.span.text
                if not number.marks or number.marks in (("thousands",), ("percent",), ("fraction",)):
                    assert number.parse() is not None, number


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
def test_the_readers_never_raise(text):
    for read in (read_markdown, read_latex):
        doc = read(text, "fuzz")
        assert not any(reason.startswith("internal error") for _, reason in doc.problems)
        for _, number in document_numbers(doc):
            assert number.span.text == number.text
        for block in doc.blocks:
            if isinstance(block, Math) and block.span.text == block.tex:
                assert at_position(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"),
                                   block.span) == block.tex
    cells = json.dumps({"cells": [{"cell_type": "markdown", "source": text}]})
    read_notebook(cells, "fuzz.ipynb")


def test_pathological_math_stays_fast():
    for tex in ("(" * 5000 + "1" + ")" * 5000, "[" * 20000, "1{,}" * 10000, "a = 1" + ", b" * 10000, "{" * 5000):
        started = time.perf_counter()
        found = statements(tex)
        assert time.perf_counter() - started < 2 and found


def test_a_two_thousand_line_document_reads_fast():
    lines = []
    for k in range(500):
        density = (f"$$\\mathcal{{N}}(x_{{{k}}}|\\mu, \\Sigma) = \\frac{{1}}{{62.83}} (7.2 \\times 10^{{-28}}) = "
                   f"1.{k:03d} \\times 10^{{-29}}$$")
        lines += [density, "", f"Step {k}: $\\pi_{{{k}}} = 0.5$", ""]
    text = "\n".join(lines)
    started = time.perf_counter()
    doc = read_markdown(text, "big.md")
    numbers = document_numbers(doc)
    elapsed = time.perf_counter() - started
    assert text.count("\n") + 1 == 2000 and len(numbers) == 3000 and doc.problems == ()
    assert elapsed < 2, f"{elapsed:.2f}s"
