"""Worked solutions that go into a course hand-out: the seed's solution in at most 12 pages with every
quantity of the iteration in it, each general formula once, a title and an author, numbers as the problem
file writes them, the quadratic form through Σ⁻¹(x − μ), σ² notation in one dimension, no small print and
no stranded heading, consistent digits in the parameter tables, the pictures as PDF, and the calculator
chain. Documents are compiled with pdflatex and read back with pdftotext."""
from __future__ import annotations

import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

import gmmexact
from gmmexact.model.errors import InputError
from gmmexact.rendering.solution import LatexOptions, compile_pdf, latex_document
from gmmexact.rendering.solution.context import Context, written_inputs
from gmmexact.rendering.solution.formatting import array

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed" / "problem.toml"
P1 = ROOT / "tests" / "golden" / "p1_d1k3.toml"
P3 = ROOT / "tests" / "golden" / "p3_special.toml"
HAVE_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
needs_tex = pytest.mark.skipif(not HAVE_TEX, reason="pdflatex/pdftotext not installed (Debian: texlive-latex-base "
                                                   "texlive-latex-recommended poppler-utils)")
HALF = """
[data]
points = [[0.5, 1], [1.5, 2], [2.5, 0.5], [3, 3]]

[[components]]
mean = [1, 1]
covariance = [[1, 0], [0, 1]]
weight = "1/2"

[[components]]
mean = [2.5, 2]
covariance = [[2, 0.5], [0.5, 1]]
weight = 0.5
"""


@pytest.fixture(scope="module")
def run():
    return gmmexact.solve(gmmexact.load(SEED))


@pytest.fixture(scope="module")
def seed_tex(run):
    return latex_document(run, LatexOptions(source="examples/seed/problem.toml"))


def _compiled(tex: str, folder: Path, search=()) -> tuple[Path, str]:
    pdf = compile_pdf(tex, folder / "doc.pdf", search=search)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return pdf, text


def _pages(text: str) -> list[str]:
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


# -- 1. half the pages, nothing left out --------------------------------------------------------------
@needs_tex
def test_seed_handout_is_at_most_twelve_pages(seed_tex, tmp_path):
    pdf, text = _compiled(seed_tex, tmp_path)
    pages = len(_pages(text))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout if shutil.which("pdfinfo") else ""
    if info:
        assert int(re.search(r"Pages:\s+(\d+)", info)[1]) == pages
    assert pages <= 12, pages  # the full per-step layout takes 24
    steps = latex_document(gmmexact.solve(gmmexact.load(SEED)), LatexOptions(layout="steps"))
    assert len(_pages(_compiled(steps, tmp_path)[1])) >= 2 * pages - 2  # about half of the full layout


def test_every_quantity_of_the_iteration_is_in_the_handout(run, seed_tex):
    ctx = Context.of(run, LatexOptions())
    keys = run.keys(iteration=1)
    assert len(keys) == 105  # the seed's 105 steps, once each
    for key in keys:
        name = ctx.notation.name(key)
        assert name in seed_tex, key
        shown = array(ctx.certified.values(key))  # the certified decimal (an exact value without padding)
        assert shown in seed_tex, (key, shown)


@needs_tex
def test_every_certified_value_reaches_the_pdf(run, seed_tex, tmp_path):
    text = " ".join(_compiled(seed_tex, tmp_path)[1].split())
    for number in ("62.8319", "0.0106685", "0.670320", "1.14397", "0.00533424", "1.07229", "3.00000", "0.500000",
                   "165.000", "60.0000", "16.6667", "1.69710", "2.88013", "2.59213", "−41.7"):
        assert number in text, number


def test_each_general_formula_once(run, seed_tex):
    tags = seed_tex.count(r"\tag*{general}")
    kinds = {k.kind for k in run.keys(iteration=1)}
    assert tags == len(kinds) == 16  # one general formula per kind of step, not one per step (105)
    assert r"\tag*{\small general}" not in seed_tex
    # the per-point definition restating the general formula is gone: N(x_A | …) = e^{-q/2}/Z is not repeated
    assert r"\frac{e^{-q_{\text{A},\text{women}}/2}}{Z_{\text{women}}}" not in seed_tex
    # a line reads: formula with the values put in, exact, certified decimal
    assert (r"\mathcal{N}(x_{\text{A}} \mid \mu_{\text{women}}, \Sigma_{\text{women}}) &= \frac{e^{-2/5}}{20 \pi} "
            r"\approx 0.0106685") in seed_tex
    assert r"Z_{\text{women}} &= 2 \pi \sqrt{100} = 20 \pi \approx 62.8319" in seed_tex


def test_compact_stays_for_large_problems(tmp_path):
    rows = ",\n".join(f"[{150 + (7 * i) % 41}, {50 + (11 * i) % 37}]" for i in range(40))
    path = tmp_path / "many.toml"
    path.write_text(f"[data]\npoints = [\n{rows}\n]\n"
                    "[[components]]\nmean = [160, 60]\ncovariance = [[40, 5], [5, 30]]\nweight = 0.5\n"
                    "[[components]]\nmean = [180, 75]\ncovariance = [[40, 5], [5, 30]]\nweight = 0.5\n")
    run = gmmexact.solve(gmmexact.load(path))
    tex = latex_document(run, LatexOptions(compact=True))
    assert len(re.findall(r"^q_\{\d+,\d+\} &", tex, re.M)) == 2  # one point worked in full, for both components
    assert all(re.search(rf"^x{i} & \$", tex, re.M) for i in (2, 17, 40))  # the others in tables


# -- 2. title and author ---------------------------------------------------------------------------
@needs_tex
def test_title_and_author(run, tmp_path):
    tex = latex_document(run, LatexOptions(title="EM by hand: heights & weights (50% of the grade)",
                                           author="A. Teacher & B. Assistant"))
    assert r"\title{EM by hand: heights \& weights (50\% of the grade)}" in tex
    assert r"\author{A. Teacher \& B. Assistant}" in tex and r"\maketitle" in tex
    text = _compiled(tex, tmp_path)[1]
    head = _pages(text)[0].split("Data")[0]
    assert "EM by hand: heights & weights (50% of the grade)" in head and "A. Teacher & B. Assistant" in head
    default = latex_document(run, LatexOptions(source="examples/seed/problem.toml"))
    assert r"\title{Worked EM solution: \texttt{examples/seed/problem.toml}}" in default and r"\author" not in default


# -- 3. numbers as the problem file writes them ------------------------------------------------------
def test_one_half_written_as_a_fraction_leaves_every_decimal_half_alone(tmp_path):
    path = tmp_path / "half.toml"
    path.write_text(HALF)
    problem = gmmexact.load(path)
    tex = latex_document(gmmexact.solve(problem))
    data = tex[tex.index(r"\section*{Data}"):tex.index(r"\section*{Initial parameters}")]
    assert re.findall(r"^x\d & \$(.*)\$ & \$(.*)\$ \\\\$", data, re.M) == [
        ("0.5", "1"), ("1.5", "2"), ("2.5", "0.5"), ("3", "3")]  # the data stay decimals
    init = tex[tex.index(r"\section*{Initial parameters}"):tex.index(r"\section{Iteration 1")]
    assert r"& $\frac{1}{2}$ \\[8pt]" in init and r"& $0.5$ \\[8pt]" in init  # each weight as written
    assert r"\begin{bmatrix}2 & 0.5 \\ 0.5 & 1\end{bmatrix}" in init
    # in the forms too: each step shows the inputs it puts in as the file writes them at their places
    assert r"\pi_{1} \, \mathcal{N}(x_{1} \mid \mu_{1}, \Sigma_{1}) &= \frac{1}{2} \cdot \frac{e^{-1/8}}{2 \pi}" in tex
    assert r"\pi_{2} \, \mathcal{N}(x_{1} \mid \mu_{2}, \Sigma_{2}) &= 0.5 \cdot" in tex
    assert r"x_{1} - \mu_{1} &= \begin{bmatrix}0.5 \\ 1\end{bmatrix}" in tex
    assert r"\lvert \Sigma_{2} \rvert &= 2 \cdot 1 - 0.5 \cdot 0.5" in tex
    assert r"\frac{1}{2} \\" not in data
    # the seed (only 0.5) and the same problem written with "1/2" for the data's halves
    w = written_inputs(problem)
    assert w.places["weight", 0] == r"\frac{1}{2}" and w.places["weight", 1] == "0.5"
    assert w.places["point", 0, 0] == "0.5" and w.places["cov", 1, 0, 1] == "0.5"


def test_numbers_without_a_written_form(tmp_path):
    # a problem built in memory keeps no written text: short terminating decimals as decimals, others as fractions
    problem = gmmexact.Problem.from_arrays([[Fraction(1, 2), 1], [Fraction(1, 3), 2], [Fraction(1, 1024), 0]],
                                           means=[[0, 0], [1, 1]], covariances=[[[1, 0], [0, 1]]] * 2,
                                           weights=["1/4", "3/4"])
    w = written_inputs(problem)
    assert w.places["point", 0, 0] == "0.5" and w.places["point", 1, 0] == r"\frac{1}{3}"
    assert w.places["point", 2, 0] == r"\frac{1}{1024}" and w.places["weight", 0] == "0.25"
    # written texts kept as written: trailing zeros, exponents, unreduced fractions
    path = tmp_path / "w.toml"
    path.write_text('[data]\npoints = [["2.50"], ["1e-3"], ["2/4"], [3]]\n'
                    '[[components]]\nmean = [1]\ncovariance = [[1]]\nweight = 0.5\n'
                    '[[components]]\nmean = [2]\ncovariance = [[1]]\nweight = 0.5\n')
    w = written_inputs(gmmexact.load(path))
    assert [w.places["point", i, 0] for i in range(4)] == ["2.50", r"1 \times 10^{-3}", r"\frac{2}{4}", "3"]


# -- 4. Σ⁻¹(x − μ), the adjugate, σ² in one dimension --------------------------------------------------
def test_quadratic_form_through_the_vector(seed_tex):
    assert (r"x_{\text{B}} - \mu_{\text{women}} &= \begin{bmatrix}165 \\ 60\end{bmatrix} - \begin{bmatrix}162 \\ 57"
            r"\end{bmatrix} = \begin{bmatrix}3 \\ 3\end{bmatrix}, \quad \Sigma_{\text{women}}^{-1}(x_{\text{B}} - "
            r"\mu_{\text{women}}) = \begin{bmatrix}1/10 & 0 \\ 0 & 1/10\end{bmatrix} \begin{bmatrix}3 \\ 3\end{bmatrix} = "
            r"\begin{bmatrix}3/10 \\ 3/10\end{bmatrix}") in seed_tex
    assert (r"q_{\text{B},\text{women}} &= \begin{bmatrix}3 & 3\end{bmatrix} \begin{bmatrix}3/10 \\ 3/10\end{bmatrix} "
            r"= 3 \cdot 3/10 + 3 \cdot 3/10 = \frac{9}{5} = 1.8") in seed_tex
    # the 2×2 inverse: the adjugate over the determinant
    assert (r"\Sigma_{\text{women}}^{-1} &= \frac{1}{10 \cdot 10 - 0 \cdot 0} \begin{bmatrix}10 & 0 \\ 0 & 10\end{bmatrix}"
            r" = \frac{1}{100} \begin{bmatrix}10 & 0 \\ 0 & 10\end{bmatrix}") in seed_tex


def test_later_iterations_work_the_vector_from_certified_decimals():
    run = gmmexact.solve(gmmexact.load(P3), iterations=2)
    tex = latex_document(run, LatexOptions(iterations=2))
    # iteration 2: x − μ and the vector Σ⁻¹(x − μ) from certified decimals (the vector enclosed by interval
    # arithmetic on them), q their product; the 2×2 inverse as the adjugate of the decimals over the determinant
    e2 = tex[tex.index(r"\section{Iteration 2: E-step}"):]
    q = re.search(r"\\approx \\begin\{bmatrix\}(-?[0-9.]+) & (-?[0-9.]+)\\end\{bmatrix\} \\begin\{bmatrix\}(-?[0-9.]+) \\\\ "
                  r"(-?[0-9.]+)\\end\{bmatrix\} \\approx ([0-9.]+)", e2)
    a, b, c, d, value = (Fraction(x) for x in q.groups())
    assert abs(a * c + b * d - value) < Fraction(1, 10**4)
    assert r"\right)^{-1}(x_{\text{p\_1}} - \mu_{" in e2
    assert re.search(r"&\\approx \\frac\{1\}\{[0-9.]+\} \\begin\{bmatrix\}[0-9.]+ & -?[0-9.]+", e2)


def test_one_dimension_speaks_of_variances():
    for iterations in (1, 2):
        run = gmmexact.solve(gmmexact.load(P1), iterations=iterations)
        tex = latex_document(run, LatexOptions(iterations=iterations))
        assert r"\Sigma" not in tex and r"\lvert" not in tex, iterations
        assert r"\sigma_c^{-2} &= \frac{1}{\sigma_c^2}" in tex and r"Z_c &= \sqrt{2\pi\sigma_c^2}" in tex
        assert "variance $\\sigma_c^2$" in tex
    one = latex_document(gmmexact.solve(gmmexact.load(P1)))
    assert (r"q_{\textsf{a},\text{high}} &= \frac{\left(-1.5 - 4.25\right)^{2}}{\sigma_{\text{high}}^{2}} = "
            r"\frac{\left(-1.5 - 4.25\right)^{2}}{0.75} = \frac{529}{12} \approx 44.0833") in one
    assert r"Z_{\text{high}} &= \sqrt{2 \pi} \sqrt{0.75}" in one  # the variance as written under the root


# -- 5. no small print, no stranded heading, consistent digits ----------------------------------------
def test_no_small_print(seed_tex):
    assert r"\small" not in seed_tex and r"\footnotesize" not in seed_tex and r"\tiny" not in seed_tex
    # the new mean's exact form (fractions of long sums inside a matrix, set small by TeX) is not shown
    assert not re.search(r"\\begin\{bmatrix\}\\frac\{160 r", seed_tex)
    steps = latex_document(gmmexact.solve(gmmexact.load(SEED)), LatexOptions(layout="steps"))
    assert not re.search(r"\\begin\{bmatrix\}\\frac\{160 r", steps) and "{\\small Note" not in steps


def test_headings_keep_their_room(seed_tex):
    # every heading asks for room below it (\needspace), or follows a heading that did: never a penalty between
    lines = seed_tex.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\\(sub)?section\*?\{", line) and not line.startswith(r"\section*{Data}"):
            before = lines[i - 1]
            assert before.startswith(r"\needspace{") or re.match(r"\\section\{", before), line
            if before.startswith(r"\needspace{"):
                assert not re.match(r"\\(sub)?section", lines[i - 2]), line


@needs_tex
def test_no_heading_is_left_at_the_foot_of_a_page(tmp_path):
    run = gmmexact.solve(gmmexact.load(P3), iterations=2)
    for layout in ("handout", "steps"):
        text = _compiled(latex_document(run, LatexOptions(iterations=2, layout=layout)), tmp_path)[1]
        for page in _pages(text)[:-1]:
            body = [x.strip() for x in page.splitlines() if x.strip()]
            last = body[-2] if len(body) > 1 and body[-1].isdigit() else body[-1]  # (the page number)
            assert not re.match(r"^\d+(\.\d+)?\s+[A-Z][a-z]", last) and not last.startswith("New parameters"), last


def test_parameter_tables_show_every_digit(seed_tex):
    table = seed_tex[seed_tex.index(r"\subsection*{New parameters after iteration 1}"):]
    numbers = re.findall(r"(?<![\^{\d])(\d+\.\d+)", table.split(r"\end{longtable}")[0])
    assert numbers and all(len(n.replace(".", "").lstrip("0")) == 6 for n in numbers), numbers
    assert "165.000" in table and "60.0000" in table and "0.500000" in table


# -- 6. pictures ----------------------------------------------------------------------------------
@needs_tex
def test_figures_beside_the_document(run, tmp_path):
    pytest.importorskip("matplotlib")
    stem = tmp_path / "seed"
    tex = latex_document(run, LatexOptions(figures=True, figure_stem=str(stem)))
    for name in ("seed-data.pdf", "seed-resp.pdf"):
        assert (tmp_path / name).read_bytes().startswith(b"%PDF")
        assert rf"{{{name}}}" in tex and r"\includegraphics[" in tex
    assert r"\usepackage{graphicx}" in tex
    assert tex.index("seed-data.pdf") < tex.index(r"\section{Iteration 1: E-step}")
    assert tex.index(r"\textbf{Responsibilities}") < tex.index("seed-resp.pdf") < tex.index("Log-likelihood")
    _, text = _compiled(tex, tmp_path, search=[tmp_path])
    flat = " ".join(text.split())
    assert "Responsibilities, E-step of iteration 1" in flat and "responsibility of men" in flat  # the pictures' text
    assert r"\includegraphics" not in latex_document(run)  # no pictures unless asked
    with pytest.raises(InputError, match="folder does not exist"):
        latex_document(run, LatexOptions(figures=True, figure_stem=str(tmp_path / "no" / "such")))


# -- 7. the calculator chain ------------------------------------------------------------------------
NUM = r"-?[0-9]+(?:\.[0-9]+)?(?: \\times 10\^\{-?[0-9]+\})?"


def _value(text: str) -> Fraction:
    m = re.fullmatch(r"(-?[0-9.]+)(?: \\times 10\^\{(-?[0-9]+)\})?", text.strip())
    return Fraction(m[1]) * Fraction(10) ** int(m[2] or 0)


def _rounds(q: Fraction, shown: str) -> bool:
    """Whether the exact ``q`` rounds to the ``shown`` decimal at its last digit."""
    m = re.fullmatch(r"(-?[0-9]+)(?:\.([0-9]+))?(?: \\times 10\^\{(-?[0-9]+)\})?", shown.strip())
    places = len(m[2] or "") - int(m[3] or 0)
    return round(q * Fraction(10) ** places) == _value(shown) * Fraction(10) ** places


def test_calculator_chain_lines_are_reproducible(run):
    k = 4
    tex = latex_document(run, LatexOptions(carry_digits=k))
    products = re.findall(rf"&= ({NUM}) \\cdot ({NUM}) (?:=|\\approx) ({NUM})", tex)  # π_c · N
    quotients = re.findall(rf"&= \\frac\{{({NUM})\}}\{{({NUM})\}} (?:=|\\approx) ({NUM})", tex)  # N, r, π
    sums = re.findall(rf"^p\(x_\{{\\text\{{\w\}}\}}\) &= ({NUM}) \+ ({NUM}) (?:=|\\approx) ({NUM})", tex, re.M)
    assert len(products) == 12 and len(quotients) >= 12 + 12 + 2 and len(sums) == 6
    for a, b, c in products:
        assert _rounds(_value(a) * _value(b), c), (a, b, c)
    for a, b, c in quotients:
        assert _rounds(_value(a) / _value(b), c), (a, b, c)
    for a, b, c in sums:
        assert _rounds(_value(a) + _value(b), c), (a, b, c)
    # every carried number has k significant digits; where carrying changed a digit the exact value stands beside
    assert r"&= 0.5 \cdot 0.01067 = 0.005335 \quad \left(\text{exact} \approx 0.005334\right)" in tex
    assert r"Z_{\text{women}} &= 2\pi \sqrt{100.0} \approx 62.83" in tex
    assert "carried to 4 significant digits" in tex and "exact} \\approx 0.01067" not in tex


@needs_tex
def test_calculator_chain_compiles(run, tmp_path):
    text = " ".join(_compiled(latex_document(run, LatexOptions(carry_digits=3)), tmp_path)[1].split())
    assert "exact ≈" in text and "0.00533" in text
    one = gmmexact.solve(gmmexact.load(P1), iterations=2)
    text = " ".join(_compiled(latex_document(one, LatexOptions(carry_digits=4, iterations=2)), tmp_path)[1].split())
    assert "Iteration 2: M-step" in text


def test_calculator_chain_refuses_other_models():
    tied = gmmexact.solve(gmmexact.load(ROOT / "examples" / "types" / "seed_tied.toml"))
    with pytest.raises(InputError, match="textbook model"):
        latex_document(tied, LatexOptions(carry_digits=4))


def test_layout_is_checked(run):
    with pytest.raises(InputError, match="layout"):
        latex_document(run, LatexOptions(layout="poster"))


def test_claims_keep_the_full_layout(run):
    from gmmexact.checking.claims import claims_from_dict, read_claims_data
    from gmmexact.checking.verdicts import Checker
    claims = ROOT / "examples" / "seed" / "claims.toml"
    checks = Checker(run).check(claims_from_dict(read_claims_data(claims), run.plan, str(claims)))
    tex = latex_document(run, LatexOptions(), checks)
    assert r"\subsection{Point A}" in tex and tex.count("{\\small claim ") == len(checks)
