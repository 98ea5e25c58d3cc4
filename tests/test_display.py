"""Jupyter display: what a quantity, an iteration, a run and a check report show, with the digits
from the certified path, names escaped, and well-formed HTML."""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

import gmmexact
from gmmexact.rendering import display
from gmmexact.checking.display import check_html
from gmmexact.model.problem import Problem

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "seed" / "problem.toml")
CLAIMS = str(ROOT / "examples" / "seed" / "claims.toml")
VOID = {"br", "hr", "img", "input", "meta", "link", "col"}


class _Balance(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.errors = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def well_formed(text: str) -> bool:
    parser = _Balance()
    parser.feed(text)
    parser.close()
    return not parser.errors and not parser.stack


def braces_balanced(text: str) -> bool:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "{}" and i and text[i - 1] == "\\":
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.fixture(scope="module")
def run():
    return gmmexact.solve(gmmexact.load(SEED))


def test_quantity_reprs_show_three_renderings_and_the_certified_decimal(run):
    q = run["density.A.women"]
    latex = q._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    assert r"\mathtt{density.A.women} &= \frac{\mathtt{exp.A.women}}{\mathtt{norm.women}}" in latex
    assert r"\frac{e^{-2/5}}{20 \pi}" in latex
    assert latex.rstrip("$").rstrip().endswith(r"\end{aligned}")
    assert rf"&\approx {q.decimal(6)}" in latex and q.decimal(6) == "0.0106685"
    assert braces_balanced(latex)
    md = q._repr_markdown_()
    assert md.startswith("**`density.A.women`**") and latex in md and "0.0106685 (certified, 6 significant digits)" in md
    page = q._repr_html_()
    assert well_formed(page) and "<code>0.0106685</code>" in page and "values put in" in page


def test_exact_values_are_marked_equal_not_approximate(run):
    latex = run["quad.A.women"]._repr_latex_()
    assert r"&= \frac{4}{5}" in latex and "&= 0.8\n" in latex and r"\approx" not in latex
    assert display.step_view(run["quad.A.women"]).is_exact
    assert not display.step_view(run["exp.A.women"]).is_exact


def test_matrices_and_entries(run):
    view = display.step_view(run["cov.women"])
    assert view.decimal == run["cov.women"].decimal(6) == (("16.6667", "16.6667"), ("16.6667", "16.6667"))
    assert r"\approx \begin{bmatrix}16.6667 & 16.6667 \\ 16.6667 & 16.6667\end{bmatrix}" in display.step_latex(view)
    entry = run["cov.women[0][1]"]._repr_latex_()
    # an entry shows the whole quantity's definition under the whole key, then its own value
    assert r"\mathtt{cov.women} &= \frac{1}{\mathtt{count.women}}" in entry
    assert r"\mathtt{cov.women[0][1]} &=" in entry and entry.count(r"\approx 16.6667") == 1
    assert braces_balanced(entry)


def test_transposes_are_written_top_as_in_the_documents(run):
    outer = run["outer.B.women"]._repr_latex_()
    assert r"\mathtt{dev.B.women} \mathtt{dev.B.women}^{\top}" in outer and "^{T}" not in outer
    md = run.iteration(1)._repr_markdown_()
    assert "^{T}" not in md and r"(x_{\text{A}} - \mu_{\text{women}}^{\text{new}})^{\top}" in md


def test_every_equals_line_is_the_definition_or_values(run):
    """A line after the definition either puts values in for every input or is not shown: the
    covariance's inputs (responsibilities put in, deviations still named) made a line that is neither."""
    latex = run["cov.women"]._repr_latex_()
    lines = latex.split("\\\\\n")
    assert len(lines) == 3  # general formula, definition, certified decimal
    assert lines[1].startswith(r"\mathtt{cov.women} &= \frac{1}{\mathtt{count.women}}")
    assert r"\mathtt{dev." not in latex and "e^{" not in latex
    assert "values put in" not in run["cov.women"]._repr_html_()
    # where every input is a value, the values-put-in line stays
    weight = display.step_view(run["weight.women"])
    assert weight.substituted is not None and "mathtt" not in weight.substituted
    assert display.step_view(run["density.A.women"]).substituted == r"\frac{e^{-2/5}}{20 \pi}"


def test_descriptions_are_those_of_the_problems_model(run):
    from dataclasses import replace
    view = display.step_view(run["cov.women"])
    assert view.description == "new covariance Σ_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ / m_c"
    assert display.step_markdown(view).startswith(f"**`cov.women`**: {view.description}\n")
    full = " ".join(display.step_view(run[k]).description for k in ("det.women", "inv.women", "cov.women", "weight.women"))
    assert not {"tied", "spherical", "diag", "reg_covar", "fixed"} & set(re.findall(r"[a-z_]+", full))
    tied = gmmexact.solve(replace(gmmexact.load(SEED), covariance_type="tied"))
    described = display.step_view(tied["cov.women"]).description
    assert described.startswith("new tied covariance Σ = Σ_c Σ_p") and "spherical" not in described
    assert display.step_view(tied["det.men"]).description.startswith("|Σ|, determinant of the tied covariance")


def test_scientific_decimals_in_latex_and_html(run):
    q = run["density.A.men"]
    assert q.decimal(6) == "1.14397e-29"
    assert r"\approx 1.14397 \times 10^{-29}" in q._repr_latex_()
    assert "1.14397×10<sup>−29</sup>" in q._repr_html_()


def test_names_are_escaped():
    problem = Problem.from_arrays([[0, 0], [1, 2], [3, 1]], means=[[0, 0], [2, 1]], weights=["1/2", "1/2"],
                                  covariances=[[[1, 0], [0, 1]]] * 2, labels=["p_1", "<b>", "a&b"],
                                  names=["x_y", "50%"], variables=["h#", "w$"])
    run = gmmexact.solve(problem)
    latex = run["density.<b>.x_y"]._repr_latex_()
    assert r"\mathtt{density.\lt b\gt .x\_y}" in latex and braces_balanced(latex)
    assert r"\mathtt{resp.a\&b.50\%}" in run["resp.a&b.50%"]._repr_latex_()
    page = run.iteration(1)._repr_html_()
    assert well_formed(page) and "&lt;b&gt;" in page and "<b>&" not in page
    assert well_formed(run._repr_html_()) and well_formed(run["quad.<b>.50%"]._repr_html_())


def test_iteration_view_of_the_seed(run):
    it = run.iteration(1)
    view = display.iteration_view(run, 1)
    assert view.loglik == run["loglik"].decimal(6) == "-41.7017"
    assert view.resp[0] == (run["resp.A.women"].decimal(6), run["resp.A.men"].decimal(6))
    assert view.before[0].mean == ("162", "57") and view.after[0].mean == run["mean.women"].decimal(6)
    assert view.after[1].cov == run["cov.men"].decimal(6)
    assert {f["key"] for f in view.findings} == {"cov.women", "cov.men"}
    assert {q.iteration for q in view.report.quantities} == {1}
    page = it._repr_html_()
    assert well_formed(page)
    assert "<code>−41.7017</code>" in page and "height − weight = 105" in page and "<details>" in page
    md = it._repr_markdown_()
    assert "| women | 0.5 → 0.500000 | [162, 57] → [165.000, 60.0000] |" in md  # the start is exact
    assert "| A | 1.00000 | 1.07229e-27 |" in md
    assert "| `density.A.women` | $\\frac{e^{-2/5}}{20 \\pi}$ | 0.0106685 |" in md  # textbook LaTeX, as solve's
    with pytest.raises(KeyError, match="iteration 2 was not computed"):
        run.iteration(2)


def test_iteration_two_starts_where_one_ended_and_points_are_limited():
    problem = Problem.from_arrays([[0, 0], [1, 2], [2, 1], [5, 5], [6, 4], [5, 7], [3, 3]],
                                  means=[[1, 1], [5, 5]], covariances=[[[2, 0], [0, 2]], [[3, 1], [1, 2]]],
                                  weights=["1/2", "1/2"])
    run = gmmexact.solve(problem, iterations=2)
    one, two = display.iteration_view(run, 1), display.iteration_view(run, 2, max_points=3)
    assert two.before == one.after
    assert two.after[0].mean == run["iter2.mean.1"].decimal(6)
    assert len(two.resp) == 3 and two.labels == ("x1", "x2", "x3")
    assert {q.point for q in two.report.quantities} <= {None, "x1", "x2", "x3"}
    assert "(first 3 of 7 points)" in display.iteration_markdown(two)
    assert not two.findings


def test_run_summary_of_a_stopped_run():
    run = gmmexact.solve(gmmexact.load(SEED), iterations=2)
    md = run._repr_markdown_()
    assert "iterations computed: 1 of 2" in md
    assert "| after 1 | women | 0.500000 | [165.000, 60.0000] |" in md
    assert "**stopped**" in md
    assert well_formed(run._repr_html_())


def test_check_report_html():
    report = gmmexact.check(SEED, CLAIMS)
    page = check_html(report.data, report.run)
    assert well_formed(page)
    assert report._repr_html_() == page
    s = report.data["summary"]
    for verdict in ("correct", "carried", "wrong"):
        assert f"{s[verdict]} {verdict}</span>" in page
    wrong = [r for r in report.data["claims"] if r["verdict"] == "wrong"]
    assert wrong and page.count("✗ wrong") == len(wrong)
    assert page.count('style="background:#fff0f0"') == 1  # the first error's row
    assert page.count("≈ carried") == s["carried"]
    assert "carried (rounding) from #" in page
    assert "[162, 57]" in page  # the stale mean the document writes
    assert r"<td>$\frac{e^{-125/2}}{20 \pi} \approx 1.1440 \times 10^{-29}$</td>" in page  # LaTeX, as the Markdown
    assert "&lt;" not in page or "<" not in report.data["claims_file"]
    count_men = r"\frac{1}{1 + e^{621/10}} + \frac{1}{1 + e^{391/10}} + \frac{1}{1 + e^{161/10}}"
    assert count_men in page and "<h4>Check of claims.toml against problem.toml</h4>" in page  # points A, B, C …


def test_general_formula_follows_the_model():
    from dataclasses import replace
    from fractions import Fraction
    seed = gmmexact.load(SEED)
    run = gmmexact.solve(replace(seed, covariance_type="spherical", reg_covar=Fraction(1, 10**6)))
    latex = run["cov.women"]._repr_latex_()
    assert r"\lVert x_p - \mu_c^{\text{new}} \rVert^2" in latex and r"\lambda = \frac{1}{1000000}" in latex
    assert braces_balanced(latex)


from fractions import Fraction  # noqa: E402
import re  # noqa: E402

from hypothesis import given, strategies as st  # noqa: E402

from gmmexact.numerics.rounding import round_fraction  # noqa: E402


@given(st.fractions(min_value=-10**40, max_value=10**40), st.integers(1, 12))
def test_decimal_markup_keeps_the_certified_value(q, digits):
    """The LaTeX and HTML of a certified decimal read back as the same number, digit for digit."""
    text = str(round_fraction(q, digits))
    latex = display.decimal_latex(text)
    m = re.fullmatch(r"(-?[0-9.]+)(?: \\times 10\^\{(-?[0-9]+)\})?", latex)
    assert m, latex
    assert Fraction(m[1]) * Fraction(10) ** int(m[2] or 0) == round_fraction(q, digits).fraction()
    plain = display.decimal_html(text).replace("−", "-").replace("×10<sup>", "e").replace("</sup>", "")
    assert Fraction(plain.split("e")[0]) * Fraction(10) ** int(plain.split("e")[1] if "e" in plain else 0) \
        == round_fraction(q, digits).fraction()


def test_step_view_writes_sums_in_order_and_every_joint_one_way():
    run = gmmexact.solve(gmmexact.load(SEED))
    view = display.step_view(run["resp.A.men"])
    joint_men, joint_women = r"\frac{e^{-125/2}}{40 \pi}", r"\frac{e^{-2/5}}{40 \pi}"
    assert view.substituted == rf"\frac{{{joint_men}}}{{{joint_women} + {joint_men}}}"
    assert display.step_view(run["evidence.A"]).definition == r"\mathtt{joint.A.women} + \mathtt{joint.A.men}"


def test_iteration_and_run_displays_in_order_exact_values_unpadded_and_file_names():
    run = gmmexact.solve(gmmexact.load(SEED))
    md = display.iteration_markdown(display.iteration_view(run, 1))
    assert md.splitlines()[0] == "### EM iteration 1 · `problem.toml`"
    row = next(line for line in md.splitlines() if line.startswith("| `mean.women`"))
    numerator = row.split(r"}{\frac{1}")[0]
    assert [int(e) for e in re.findall(r"e\^\{(-?[0-9]+)/10\}", numerator)] == [-621, -391, -161, 299, 529, 759]
    assert "| `det.women` | $100$ | 100 (exact) |" in md
    summary = display.run_markdown(display.run_view(run))
    assert summary.splitlines()[0] == "### gmmexact run · `problem.toml`"
    assert "| start | women | 0.5 | [162, 57] | [[10, 0], [0, 10]] |" in summary
    assert "<h4>gmmexact run · problem.toml</h4>" in display.run_html(display.run_view(run))
