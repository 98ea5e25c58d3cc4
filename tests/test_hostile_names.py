"""Hostile names and labels in every rendering: printed verbatim in text, escaped in Markdown, HTML
and LaTeX, and a LaTeX document that compiles and neither reads a file nor runs a command; long
names, many components and exact numbers past Python's 4,300-digit string limit.

The names are real problem files run through the real command line (``gmmexact.cli.main``); the
Markdown is parsed with markdown-it, the LaTeX compiled with pdflatex and read back with pdftotext.
"""
from __future__ import annotations

import html.parser
import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from rich.cells import cell_len
from rich.console import Console

import gmmexact
from gmmexact.cli import main
from gmmexact.documents.markdown import math_markdown
from gmmexact.model.exactnum import int_from_text, int_text
from gmmexact.model.keys import Key
from gmmexact.rendering.markdown import markdown_code, markdown_text, render_markdown
from gmmexact.rendering.mathjax import mathjax_name
from gmmexact.rendering.report import build_report
from gmmexact.rendering.text import render_text, visible_controls
from gmmexact.rendering.textbook import escape_text

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed"

HOSTILE = [
    "\\input{/etc/passwd}", "\\s", "\\1", "\\g<0>", "$x$", "100% \\ y#", "{", "}", "~", "^", "_", "&", "|",
    "<script>alert(1)</script>", "*bold*", "`", "😀", "שלום", "e\u0301", "👨\u200d👩", "^^5cinput{/etc/passwd}",
    "\\immediate\\write18{touch pwned}", "Mary Ann", ":smile:", "<img src=x onerror=alert(1)>", "--", "&amp;",
    "x" * 200,
]
"""Names a problem file accepts (no '.', '[' or ']', which keys use; no control characters)."""

WHERE = ["[link](http://example.com)", "![img](http://example.com/a.png)", "<script>alert(1)</script>",
         "http://example.com www.example.com a@example.com", "[ref]: http://example.com",
         "\x1b[31mred *bold* _it_ `code` \\[x\\] $y$ &amp;"]
"""A claim's ``where``, from the student's document: links, images, HTML, markup, an escape sequence."""


def toml_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string of printable characters is a TOML basic string


def seed_problem(path: Path, labels, components, variables) -> Path:
    """The six-person seed with its labels, component names and variables renamed."""
    seed = tomllib.loads((SEED / "problem.toml").read_text(encoding="utf-8"))
    lines = ["[data]", f"variables = [{', '.join(map(toml_string, variables))}]",
             f"labels = [{', '.join(map(toml_string, labels))}]", f"points = {seed['data']['points']}", ""]
    for name, c in zip(components, seed["components"]):
        lines += ["[[components]]", f"name = {toml_string(name)}", f"mean = {c['mean']}",
                  f"covariance = {c['covariance']}", "weight = 0.5", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def seed_claims(path: Path, labels, components) -> Path:
    """The seed's 56 claims with their keys renamed like :func:`seed_problem`, each with a hostile ``where``."""
    point = dict(zip("ABCDEF", labels))
    component = dict(zip(("women", "men"), components))
    lines = []
    for i, c in enumerate(tomllib.loads((SEED / "claims.toml").read_text(encoding="utf-8"))["claim"]):
        k = Key.parse(c["key"])
        k = replace(k, point=point.get(k.point), component=component.get(k.component))
        lines += ["[[claim]]", f"key = {toml_string(str(k))}", f"value = {json.dumps(c['value'])}",
                  f"where = {toml_string(WHERE[i % len(WHERE)])}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# every hostile name as a label, and as a component name or a variable: six labels, two components
# and two variables per problem
_HALF = len(HOSTILE) // 2
ROLES = [(tuple(HOSTILE[(6 * i + j) % len(HOSTILE)] for j in range(6)), (HOSTILE[2 * i], HOSTILE[2 * i + 1]),
          (HOSTILE[_HALF + 2 * i], HOSTILE[_HALF + 2 * i + 1]))
         for i in range(_HALF // 2)]
ROLE_IDS = [f"names{i}" for i in range(len(ROLES))]


def column(text: str, i: int, columns: int = 3) -> str:
    """The text of column ``i`` of the terminal tables in ``text`` (rows of ``columns`` cells), its
    pieces joined: a key folded over several lines reads whole again."""
    rows = [line.split("│")[1:-1] for line in text.splitlines() if line.startswith("│")]
    return "".join(row[i].strip() for row in rows if len(row) == columns)


def run_cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def markdown_tokens(md: MarkdownIt, text: str) -> list:
    def walk(tokens):
        for t in tokens:
            yield t
            yield from walk(t.children or [])
    return list(walk(md.parse(text)))


def assert_inert_markdown(text: str, strong: int | None = None) -> list:
    """Neither a math-aware nor a plain CommonMark reader finds HTML, a link, an image or emphasis the
    report did not write (``strong``: the bold words it writes itself); the math-aware tokens."""
    tokens = None
    for md in (math_markdown(html=True), MarkdownIt("commonmark", {"html": True}).enable("table")):
        found = markdown_tokens(md, text)
        kinds = {t.type for t in found}
        assert not kinds & {"html_inline", "html_block", "link_open", "image", "em_open"}, kinds
        if strong is not None:
            assert sum(t.type == "strong_open" for t in found) == strong
        tokens = tokens or found
    return tokens


class Tags(html.parser.HTMLParser):
    """The start tags of an HTML page."""

    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)


SAFE_TAGS = {"div", "h4", "p", "table", "thead", "tbody", "tr", "th", "td", "code", "ul", "li", "b", "span", "sup",
             "details", "summary", "br"}


def tags_of(page: str) -> set[str]:
    parser = Tags()
    parser.feed(page)
    parser.close()
    return parser.tags


# -- solve: text, JSON, Markdown ------------------------------------------------------------------
@pytest.mark.parametrize("labels,components,variables", ROLES, ids=ROLE_IDS)
def test_solve_prints_every_name(tmp_path, capsys, labels, components, variables):
    problem = seed_problem(tmp_path / "p.toml", labels, components, variables)
    code, text, err = run_cli(capsys, "solve", problem)
    assert code == 0, err
    keys_shown = column(text, 0).replace(" ", "")
    for label in labels:  # verbatim, never read as markup, an emoji code or a pattern
        for c in components:
            assert f"resp.{label}.{c}".replace(" ", "") in keys_shown
    assert all(cell_len(line) <= 80 for line in text.splitlines())

    code, out, err = run_cli(capsys, "solve", problem, "--format", "json")
    assert code == 0, err
    keys = {q["key"] for q in json.loads(out)["quantities"]}
    assert {f"resp.{p}.{c}" for p in labels for c in components} <= keys

    code, md, err = run_cli(capsys, "solve", problem, "--format", "markdown")
    assert code == 0, err
    tokens = assert_inert_markdown(md)
    code_spans = {t.content for t in tokens if t.type == "code_inline"}
    assert {f"resp.{p}.{c}" for p in labels for c in components} <= code_spans
    assert sum(t.type == "td_open" for t in tokens) == 5 * len(keys)  # every row whole: no name broke a cell


def test_the_special_names_example_solves_in_every_format(capsys):
    special = ROOT / "tests" / "golden" / "p3_special.toml"
    for fmt in ("text", "json", "markdown"):
        code, out, err = run_cli(capsys, "solve", special, "--format", fmt)
        assert code == 0 and "internal error" not in err, err
    code, text, _ = run_cli(capsys, "solve", special, "--points", "back\\slash")
    assert "resp.back\\slash.100%$cash$#1\\{ok}" in column(text, 0).replace(" ", "")


# -- check: text, JSON, Markdown, with the seed's claims renamed --------------------------------------
def test_check_reports_hostile_names_and_where_texts(tmp_path, capsys):
    labels = ("\\input{/etc/passwd}", "*bold*", "<script>alert(1)</script>", ":smile: `x`", "Mary Ann", "^^5c\\g<0>")
    components = ("\\1 { $x$ |", "👨\u200d👩 שלום e\u0301")
    problem = seed_problem(tmp_path / "p.toml", labels, components, ("\\s", "100% # & ~ _"))
    claims = seed_claims(tmp_path / "c.toml", labels, components)
    code, out, err = run_cli(capsys, "check", problem, claims, "--format", "json")
    assert code == 1, err  # the seed's one wrong claim
    data = json.loads(out)
    assert data["summary"]["claims"] == 56 and data["summary"]["wrong"] == 1 and data["summary"]["correct"] == 52
    assert data["claims"][0]["where"] == WHERE[0] and data["claims"][5]["where"] == WHERE[5]

    code, text, err = run_cli(capsys, "check", problem, claims)
    assert code == 1, err
    assert "56 claims: 52 correct, 3 carried (rounding), 1 wrong" in text
    assert "\x1b" not in text and "\\x1b[31mred" in column(text, 6, 7)  # an escape sequence shown, not sent
    assert f"first error: #55 mean.{components[0]} = [162, 57]".replace(" ", "") in text.replace("\n", "").replace(" ", "")

    code, md, err = run_cli(capsys, "check", problem, claims, "--format", "markdown")
    assert code == 1, err
    tokens = assert_inert_markdown(md, strong=1 + len(data["findings"]))  # the summary and each finding's kind
    assert sum(t.type == "tr_open" for t in tokens) == 57  # the header and one row per claim: no cell broke out
    assert {f"mean.{components[0]}", f"resp.{labels[0]}.{components[1]}"} <= \
        {t.content for t in tokens if t.type == "code_inline"}
    assert "[link&#93;(http\\://example.com)" in md and "[link](http://example.com)" in math_markdown().render(md)


# -- LaTeX: compiles, reads nothing, runs nothing ------------------------------------------------------
needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None or shutil.which("pdftotext") is None,
                               reason="pdflatex/pdftotext not installed")


@needs_tex
def test_latex_with_hostile_names_compiles_and_is_inert(tmp_path, capsys):
    marker = tmp_path / "pwned"
    labels = ("\\input{/etc/passwd}", f"\\immediate\\write18{{touch {marker}}}", "^^5cinput{/etc/passwd}",
              "*bold*", "😀 Mary Ann", "100% \\ y# & $x$ ~^_")
    components = ("{ \\1 --", "} \\g<0> <script>")
    problem = seed_problem(tmp_path / "p.toml", labels, components, ("\\s", "`|`"))
    claims = seed_claims(tmp_path / "c.toml", labels, components)
    code, _, err = run_cli(capsys, "latex", problem, "--claims", claims, "-o", tmp_path / "doc.tex")
    assert code == 0, err
    tex = (tmp_path / "doc.tex").read_text(encoding="utf-8")
    for name in labels + components:  # no name with a TeX special reaches the source as it is
        assert name not in tex or not set(name) & set("\\{}$&#%^_~")
    assert "\\input{" not in tex and "\\write18" not in tex and "^^" not in tex and "\\immediate" not in tex

    code, _, err = run_cli(capsys, "latex", problem, "--claims", claims, "--pdf", "-o", tmp_path / "doc.pdf")
    assert code == 0, err
    text = subprocess.run(["pdftotext", tmp_path / "doc.pdf", "-"], capture_output=True, text=True, check=True).stdout
    assert not marker.exists()
    assert "root:x:0:0" not in text and "root:" not in text
    flat = re.sub(r"\s+", "", text)
    for shown in ("\\input{/etc/passwd}", "\\immediate\\write18{touch", "*bold*", "[U+1F600]MaryAnn",
                  "100%\\y#&$x$", "{\\1--", "}\\g<0><script>", "[link](http://"):
        assert shown in flat, shown
    assert "ˆˆ5cinput{/etc/passwd}" in flat  # the circumflexes as characters: no ^^5c escape read


@pytest.mark.parametrize("name", HOSTILE)
def test_escaped_names_hold_no_live_latex(name):
    tex = escape_text(name)
    bare = re.sub(r"\\text[a-z]+\{\}|\\[_&%#${}]|\\ensuremath\{[][]\}", "", tex)
    assert not set(bare) & set("\\{}$&#%^_~"), bare
    assert not tex.startswith(("*", "[")) and "--" not in tex
    web = mathjax_name(name)
    assert "$" not in web.replace("\\$", "") and "<" not in web and "|" not in web and "`" not in web


# -- Markdown, HTML and the terminal, one piece at a time ------------------------------------------------
@pytest.mark.parametrize("where", WHERE)
def test_markdown_text_shows_a_document_excerpt_as_written(where):
    shown = markdown_text(where)
    for md in (math_markdown(html=True), MarkdownIt("commonmark", {"html": True}).enable("table")):
        rendered = md.render(f"| where |\n|---|\n| {shown} |\n")
        assert "<a " not in rendered and "<img" not in rendered and "<script" not in rendered and "<em>" not in rendered
    assert "\x1b" not in shown and "\n" not in shown


def test_markdown_code_keeps_a_cell_whole():
    for key in ("resp.`.a|b", "x``y", "a\nb|c", " a ", "`"):
        row = f"| {markdown_code(key)} | 1 |"
        tokens = markdown_tokens(MarkdownIt("commonmark").enable("table"), "| k | v |\n|---|---|\n" + row)
        assert sum(t.type == "td_open" for t in tokens) == 2
        assert [t.content for t in tokens if t.type == "code_inline"] == [key.replace("\n", " ")]


def test_control_characters_are_shown_not_sent():
    assert visible_controls("a\x1b]0;title\x07b\u202ec\td") == "a\\x1b]0;title\\x07b\\u202ec d"
    assert visible_controls("👨\u200d👩 e\u0301 שלום") == "👨\u200d👩 e\u0301 שלום"


def test_jupyter_displays_escape_every_name(tmp_path):
    labels = tuple(HOSTILE[13:19])
    components = ("<img src=x onerror=alert(1)>", "$x$ \\(y\\)")
    problem = seed_problem(tmp_path / "p.toml", labels, components, ("<b>", "&amp;"))
    run = gmmexact.solve(gmmexact.load(problem))
    quantity = run[f"density.{labels[0]}.{components[0]}"]
    report = gmmexact.check(run, seed_claims(tmp_path / "c.toml", labels, components))
    for page in (run._repr_html_(), run.iteration(1)._repr_html_(), quantity._repr_html_(), report._repr_html_()):
        assert tags_of(page) <= SAFE_TAGS
        assert "<script" not in page and "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    for page in (run._repr_html_(), run.iteration(1)._repr_html_()):  # $x$ is not typeset as math
        assert '<span class="tex2jax_ignore mathjax_ignore">$x$ \\(y\\)</span>' in page
    for md in (run._repr_markdown_(), run.iteration(1)._repr_markdown_(), quantity._repr_markdown_(),
               report._repr_markdown_()):
        assert_inert_markdown(md)
    assert "<" not in quantity._repr_latex_()


# -- spaces inside and at the ends of names, long names, many components ---------------------------------
def test_labels_with_spaces_render_in_text_json_and_markdown(tmp_path, capsys):
    problem = seed_problem(tmp_path / "p.toml", ("Mary Ann", "B b", "C", "D", "E", "F"), ("wo men", "men"),
                           ("height cm", "weight kg"))
    code, text, _ = run_cli(capsys, "solve", problem)
    assert code == 0 and "resp.Mary Ann.wo men" in text
    code, out, _ = run_cli(capsys, "solve", problem, "--format", "json")
    assert code == 0 and "resp.Mary Ann.wo men" in {q["key"] for q in json.loads(out)["quantities"]}
    code, md, _ = run_cli(capsys, "solve", problem, "--format", "markdown")
    assert code == 0 and "`resp.Mary Ann.wo men`" in md and r"r_{\text{Mary Ann},\text{wo men}}" in md


def test_rendering_takes_any_string(tmp_path):
    """Keys with spaces at their ends, line breaks or escape sequences (the loader refuses such names;
    the renderers must not fail on them either)."""
    run = gmmexact.solve(gmmexact.load(SEED / "problem.toml"))
    report = build_report(run, points=["A"], latex=True)
    odd = [" A ", "B\nC", "\x1b[2J", "[bold]x[/bold]", ":smile:", "\\g<0>", "|", "`"]
    records = tuple(replace(q, key=f"{odd[i % len(odd)]}.{q.key}") for i, q in enumerate(report.quantities))
    report = replace(report, quantities=records)
    console = Console(file=io.StringIO(), width=80)
    render_text(report, console)
    text = console.file.getvalue()
    assert "\x1b" not in text and "[bold]x[/bold]" in text and ":smile:" in text and "\\x1b[2J" in text
    assert_inert_markdown(render_markdown(report))


def test_long_names_and_many_components_keep_every_value_visible(tmp_path):
    """Eight components with 200-character names, piped at 80 columns: keys fold inside their column,
    and the certified values stay whole."""
    K = 8
    names = [f"{chr(ord('a') + k)}" * 200 for k in range(K)]
    lines = ["[data]", f'labels = ["{"P" * 200}", "Q", "R"]', "points = [[0], [1], [3]]", ""]
    for k, name in enumerate(names):
        lines += ["[[components]]", f'name = "{name}"', f"mean = [{k}]", "covariance = [[1]]", f'weight = "1/{K}"', ""]
    problem = tmp_path / "long.toml"
    problem.write_text("\n".join(lines), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "gmmexact", "solve", str(problem)], capture_output=True,
                          text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"})
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert all(cell_len(line) <= 80 for line in out.splitlines())
    rows = [line for line in out.splitlines() if line.startswith("│")]
    columns = list(zip(*[[cell.strip() for cell in row.split("│")[1:-1]] for row in rows]))
    keys, values = "".join(columns[0]), " ".join(columns[2])
    run = gmmexact.solve(gmmexact.load(problem))
    for name in names:
        assert f"density.{'P' * 200}.{name}" in keys
        assert run[f"resp.Q.{name}"].decimal(6) in values.split()


# -- exact numbers past Python's 4,300-digit string limit -----------------------------------------------
def test_numbers_past_the_string_limit_are_printed_whole(tmp_path, capsys):
    den = "7" * 4500
    problem = tmp_path / "big.toml"
    problem.write_text(f'[data]\nlabels = ["A", "B", "C", "D"]\npoints = [["1/{den}"], [1], [2], [5]]\n\n'
                       '[[components]]\nname = "a"\nmean = [0]\ncovariance = [[1]]\nweight = 0.5\n\n'
                       '[[components]]\nname = "b"\nmean = [4]\ncovariance = [[2]]\nweight = 0.5\n', encoding="utf-8")
    for fmt in ("text", "json", "markdown"):
        code, out, err = run_cli(capsys, "solve", problem, "--format", fmt)
        assert code == 0, err
        if fmt == "json":
            exact = {q["key"]: q["exact"] for q in json.loads(out)["quantities"]}
            assert exact["quad.A.a"] == "1/" + int_text(int_from_text(den) ** 2)
    code, _, err = run_cli(capsys, "latex", problem, "-o", tmp_path / "big.tex")
    assert code == 0, err
    tex = (tmp_path / "big.tex").read_text(encoding="utf-8")
    assert "\\begin{array}{l}" + "7" * 60 in tex and den not in tex  # set in lines TeX can hold
    if shutil.which("pdflatex"):
        code, _, err = run_cli(capsys, "latex", problem, "--pdf", "-o", tmp_path / "big.pdf")
        assert code == 0, err
    claims = tmp_path / "claims.toml"
    claims.write_text('[values]\n"quad.A.a" = "0.5"\n"mean.a" = ["0.1"]\n', encoding="utf-8")
    for fmt in ("text", "json", "markdown"):
        code, out, err = run_cli(capsys, "check", problem, claims, "--format", fmt)
        assert code == 1 and "internal error" not in err, err


def test_crosscheck_reports_hostile_names_with_every_column(tmp_path, capsys):
    pytest.importorskip("sklearn")
    labels, components, variables = ROLES[0]
    problem = seed_problem(tmp_path / "p.toml", labels, components, variables)
    code, text, err = run_cli(capsys, "crosscheck", problem, "--with", "sklearn")
    assert code in (0, 1) and "internal error" not in err, err
    # piped: the plain layout; only a line holding one whole number (or a long key) may pass 80 columns
    assert all(cell_len(line) <= 80 for line in text.splitlines()
               if not line.startswith(("    float ", "    exact ")) and " digits  rel " not in line)
    digits = re.findall(r"^.{30} +(all|[0-9]+) digits  rel ", text, flags=re.M)
    assert len(digits) == text.count(" digits  rel ") > 10  # the verdict column is never squeezed away
    code, md, err = run_cli(capsys, "crosscheck", problem, "--with", "sklearn", "--format", "markdown")
    assert code in (0, 1), err
    assert_inert_markdown(md)
