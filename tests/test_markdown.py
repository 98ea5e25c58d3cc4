"""Markdown of `solve` and `check`: every math cell is LaTeX that MathJax renders (no raw keys, known
macros only, balanced braces, no bare `|`), real exact forms, tables whose rows keep their columns,
and the check's where column and paragraphs."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import gmmexact
from gmmexact.checking.report import check, check_dict, render_check_markdown
from gmmexact.cli.commands import main
from gmmexact.model.problem import Problem
from gmmexact.rendering.markdown import render_markdown
from gmmexact.rendering.report import build_report

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "seed" / "problem.toml")
CLAIMS = str(ROOT / "examples" / "seed" / "claims.toml")

# macros MathJax 3 knows (TeX input, AMS and its default packages) that the renderers may write
MATHJAX = set(r"""
frac dfrac tfrac sqrt left right begin end text textsf mathtt mathcal mathrm operatorname pi mu Sigma sigma ell theta
lvert rvert lVert rVert vert mid top cdot times approx log exp sum prod lambda infty quad qquad backslash sim hat
prime grave lt gt Big big alpha beta gamma delta epsilon
""".split())
ENVIRONMENTS = {"bmatrix", "vmatrix", "matrix", "aligned"}


def math_spans(line: str) -> list[str]:
    """The inline math of one line: text between unescaped dollar signs outside code spans."""
    return re.findall(r"(?<!\\)\$(.+?)(?<!\\)\$", re.sub(r"`[^`]*`", " ", line))


def cells(line: str) -> list[str]:
    """A table row's cells (a `|` escaped as `\\|` stays inside its cell)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def mathjax_problems(latex: str) -> list[str]:
    """What MathJax would not render as meant: unknown macros or environments, unbalanced braces,
    a bare `|` (it ends the table cell), backslashes inside \\text{}, and runs of two or more letters
    outside \\text{}/\\mathtt{}/macros (MathJax sets them as a product of italic variables: a raw key)."""
    found = []
    depth = 0
    for i, ch in enumerate(latex):
        if ch in "{}" and (i == 0 or latex[i - 1] != "\\"):
            depth += 1 if ch == "{" else -1
            if depth < 0:
                found.append("unbalanced }")
    if depth:
        found.append("unbalanced {")
    if "|" in latex:
        found.append("bare |")
    for body in re.findall(r"\\text(?:sf)?\{([^{}]*)\}", latex):
        if "\\" in body or "$" in body:
            found.append(f"escape inside \\text{{{body}}}")
    found += [f"unknown macro \\{m}" for m in re.findall(r"\\([A-Za-z]+)", latex) if m not in MATHJAX]
    found += [f"environment {e}" for e in re.findall(r"\\(?:begin|end)\{([^}]*)\}", latex) if e not in ENVIRONMENTS]
    bare = re.sub(r"\\\\\[[0-9.]+[a-z]+\]", " ", latex)  # a row's extra space, \\[5pt]
    bare = re.sub(r"\\(?:text|textsf|mathtt|begin|end)\{(?:[^{}]|\\[{}])*\}", " ", bare)
    bare = re.sub(r"\\[A-Za-z]+|\\.", " ", bare)
    found += [f"letter run {run!r}" for run in re.findall(r"[A-Za-z]{2,}", bare)]
    return found


@pytest.fixture(scope="module")
def seed_markdown():
    return render_markdown(build_report(gmmexact.solve(gmmexact.load(SEED)), latex=True))


def rows(md: str) -> dict[str, list[str]]:
    return {cells(line)[0].strip("`"): cells(line) for line in md.splitlines() if line.startswith("| `")}


def test_every_math_cell_of_solve_renders_in_mathjax(seed_markdown):
    spans = [s for line in seed_markdown.splitlines() for s in math_spans(line)]
    assert len(spans) > 250
    problems = {s: mathjax_problems(s) for s in spans if mathjax_problems(s)}
    assert not problems, list(problems.items())[:3]
    assert "mean.women" not in " ".join(spans) and "count.women" not in " ".join(spans)


def test_solve_tables_keep_their_columns(seed_markdown):
    table = [line for line in seed_markdown.splitlines() if line.startswith("|")]
    assert {len(cells(line)) for line in table} == {5}
    assert table[0] == "| quantity | symbol | definition | exact | decimal |"


def test_solve_exact_column_holds_real_exact_forms(seed_markdown):
    assert "see JSON output" not in seed_markdown
    r = rows(seed_markdown)
    assert r["density.A.women"][1:4] == [
        r"$\mathcal{N}(x_{\text{A}} \mid \mu_{\text{women}}, \Sigma_{\text{women}})$",
        r"$\frac{e^{-q_{\text{A},\text{women}}/2}}{Z_{\text{women}}}$", r"$\frac{e^{-2/5}}{20 \pi}$"]
    for key in ("weight.women", "mean.women", "loglik"):  # closed forms that used to be left out
        assert "e^{" in r[key][3], key
    assert r["weight.women"][2] == r"$\frac{1}{6} m_{\text{women}}$"
    # the covariance is known exactly only through its definition, in the problem's names
    assert r["cov.women"][3] == "–" and r["cov.women"][2].startswith(r"$\frac{1}{m_{\text{women}}}")
    assert r"(x_{\text{A}} - \mu_{\text{women}}^{\text{new}})(x_{\text{A}} - \mu_{\text{women}}^{\text{new}})^{\top}" \
        in r["cov.women"][2]


def test_solve_markdown_names_with_markup_stay_inside_their_cells():
    problem = Problem.from_arrays([[0, 0], [1, 2], [3, 1]], means=[[0, 0], [2, 1]],
                                  covariances=[[[1, 0], [0, 1]], [[2, 0], [0, 2]]], weights=["1/2", "1/2"],
                                  labels=["$x$", "a|b", "p_1"], names=["100% $cash$ #1 \\ {ok}", "grp_α & β"],
                                  variables=["x_1 & co", "y"])
    md = render_markdown(build_report(gmmexact.solve(problem), latex=True))
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert {len(cells(line)) for line in table} == {5}
    spans = [s for line in table for s in math_spans(line)]
    problems = {s: mathjax_problems(s) for s in spans if mathjax_problems(s)}
    assert not problems, list(problems.items())[:3]
    assert r"\mathtt{100\%\ \$cash\$\ \#1\ \backslash \ \{ok\}}" in md and r"x_{\mathtt{a\vert b}}" in md
    assert r"r_{\text{p_1}" not in md and r"\mathtt{p\_1}" in md


def test_solve_markdown_of_a_second_iteration_uses_iteration_superscripts():
    problem = Problem.from_arrays([0, 1, 3, 4], means=[0, 4], covariances=[1, 1], weights=["1/2", "1/2"])
    md = render_markdown(build_report(gmmexact.solve(problem, iterations=2), latex=True))
    r = rows(md)
    assert r["iter2.mean.1"][1] == r"$\mu_{1}^{(2)}$" and r["mean.1"][1] == r"$\mu_{1}^{(1)}$"
    spans = [s for line in md.splitlines() for s in math_spans(line)]
    assert not [s for s in spans if mathjax_problems(s)]


# --- check --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_check():
    return check(SEED, CLAIMS)


def test_check_markdown_has_where_and_why_and_latex_exact_values(seed_check):
    md = render_check_markdown(seed_check.data)
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert table[0] == "| # | quantity | written | verdict | exact value | error (last digit) | where | why |"
    assert {len(cells(line)) for line in table} == {8}
    row = next(cells(line) for line in table if line.startswith("| 9 |"))
    assert row[4] == r"$\frac{e^{-125/2}}{20 \pi} \approx 1.1440 \times 10^{-29}$"
    assert row[6] == seed_check.data["claims"][9]["where"]
    assert row[7].startswith("carried (rounding) from #2 `norm.men` = 62.83, #8 `exp.A.men`")
    first = next(cells(line) for line in table if line.startswith("| 0 |"))
    assert first[4] == "$100$" and first[6] == r"slide: Compute determinant of Σ (\|Σ\_women\| = 100)"
    spans = [s for line in table for s in math_spans(line)]
    assert len(spans) == len(table) - 2  # one math cell per claim: its exact value
    assert not {s: mathjax_problems(s) for s in spans if mathjax_problems(s)}
    assert "exp(" not in md.split("## Findings")[0]  # no SymPy strings left


def test_check_markdown_summary_lines_are_separate_paragraphs(seed_check):
    md = render_check_markdown(seed_check.data)
    blocks = md.split("\n\n")
    summary = next(i for i, b in enumerate(blocks) if b.startswith("**56 claims**"))
    assert "\n" not in blocks[summary].strip()
    assert blocks[summary + 1].startswith("First error: #55 `mean.women` = [162, 57]")
    assert blocks[summary + 2] == "## Findings"
    assert blocks[summary + 3].startswith("- **singular-covariance** (`cov.women`)")
    markdown = pytest.importorskip("markdown")
    html = markdown.markdown(md, extensions=["tables"])
    assert "<p><strong>56 claims</strong>" in html and "<p>First error:" in html
    assert html.count("<li>") == len(seed_check.data["findings"])


def test_check_json_schema_unchanged(seed_check, capsys):
    assert main(["check", SEED, CLAIMS, "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["problem", "claims_file", "claims", "summary", "findings"]
    assert list(data["claims"][9]) == ["index", "key", "written", "verdict", "exact", "where", "carried_from",
                                       "carried_kind", "first_wrong", "notes", "value", "error_ulps"]
    assert data["claims"][9]["exact"] == "exp(-125/2)/(20*pi)"
    assert data == check_dict(seed_check.run, list(seed_check.checks), SEED, CLAIMS)


THREE = """
[data]
variables = ["x"]
labels = ["P", "Q", "R"]
points = [[0.5], [2.5], [4]]

[[components]]
name = "z"
mean = [0]
covariance = [[1]]
weight = 0.2

[[components]]
name = "a"
mean = [2]
covariance = [[2]]
weight = 0.3

[[components]]
name = "m"
mean = [4]
covariance = [[0.5]]
weight = 0.5
"""


def test_markdown_sums_follow_the_problems_order():
    report = build_report(gmmexact.solve(gmmexact.load(SEED)), points=["A"], latex=True)
    latex = {q.key: q.latex for q in report.quantities}
    assert latex["evidence.A"] == r"\frac{e^{-2/5}}{40 \pi} + \frac{e^{-125/2}}{40 \pi}"  # women, then men
    exponents = [int(e) for e in re.findall(r"e\^\{(-?[0-9]+)/10\}", latex["count.men"])]
    assert exponents == [621, 391, 161, -299, -529, -759]  # points A … F


def test_markdown_sums_follow_the_problems_order_whatever_the_names(tmp_path):
    from gmmexact.rendering.mathjax import WebNotation, web_latex

    path = tmp_path / "three.toml"
    path.write_text(THREE)
    run = gmmexact.solve(gmmexact.load(str(path)))
    records = {q.key: q for q in build_report(run, latex=True).quantities}
    notation = WebNotation.of(run.problem)
    for p in ("P", "Q", "R"):
        text = records[f"evidence.{p}"].latex
        places = [text.index(web_latex(run[f"joint.{p}.{c}"].exact, notation)) for c in ("z", "a", "m")]
        assert places == sorted(places), (p, text)
    for c in ("z", "a", "m"):
        text = records[f"count.{c}"].latex
        places = [text.index(web_latex(run[f"resp.{p}.{c}"].exact, notation)) for p in ("P", "Q", "R")]
        assert places == sorted(places), (c, text)


def test_markdown_exact_values_are_not_padded():
    md = render_markdown(build_report(gmmexact.solve(gmmexact.load(SEED)), points=["A"], latex=True))
    rows = {cells(line)[0]: cells(line) for line in md.splitlines() if line.startswith("| `")}
    assert rows["`det.women`"][4] == "100 (exact)"
    assert rows["`inv.women`"][4] == "[[0.1, 0], [0, 0.1]] (exact)"
    assert rows["`quad.A.women`"][4] == "0.8 (exact)"
    assert rows["`density.A.women`"][4] == "0.0106685"  # a rounded value keeps its certified digits


def test_markdown_title_shows_the_path_as_given_or_the_file_name(tmp_path):
    absolute = render_markdown(build_report(gmmexact.solve(gmmexact.load(SEED)), points=["A"], latex=True))
    assert absolute.splitlines()[0] == "# EM iteration for `problem.toml`"
    relative = render_markdown(build_report(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")),
                                            points=["A"], latex=True))
    assert relative.splitlines()[0] == "# EM iteration for `examples/seed/problem.toml`"


def test_check_markdown_sums_follow_the_problems_order_and_titles_show_file_names(seed_check):
    md = seed_check._repr_markdown_()
    assert md.splitlines()[0] == "# Check of `claims.toml` against `problem.toml`"
    rows = {cells(line)[0]: cells(line) for line in md.splitlines() if line.startswith("| ")}
    count_men = rows["24"][4]
    assert [int(e) for e in re.findall(r"e\^\{(-?[0-9]+)/10\}", count_men)] == [621, 391, 161, -299, -529, -759]
    weight_men = rows["28"][4]  # SymPy writes 1/(6 + 6 e^x) for 1/(1 + e^x)/6: placed by the exponential
    assert [int(e) for e in re.findall(r"e\^\{(-?[0-9]+)/10\}", weight_men)] == [621, 391, 161, -299, -529, -759]
    assert r"\frac{1}{6 + 6 e^{621/10}}" in weight_men
    assert render_check_markdown(seed_check.data) != md  # without the run, SymPy's order


def test_markdown_names_that_read_as_general_indices_are_set_apart(tmp_path):
    path = tmp_path / "three.toml"
    path.write_text(THREE.replace('name = "m"', 'name = "c"').replace('name = "z"', 'name = "zed"'))
    md = render_markdown(build_report(gmmexact.solve(gmmexact.load(str(path))), latex=True))
    spans = [s for line in md.splitlines() if line.startswith("|") for s in math_spans(line)]
    assert r"\mu_{\textsf{c}}" in md and r"\mu_{\textsf{zed}}" in md and r"_{\text{c}}" not in md
    assert r"x_{\text{P}}" in md  # the points' labels read as no index: upright text as before
    assert not {s: mathjax_problems(s) for s in spans if mathjax_problems(s)}
