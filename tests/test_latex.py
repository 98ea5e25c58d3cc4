"""LaTeX worked solutions: the textbook printer, golden steps, fragments, marked claims, and real
compilation with pdflatex (skipped only where no LaTeX engine is installed; CI installs one)."""
import os
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import gmmexact
from gmmexact.checking.verdicts import Checker
from gmmexact.checking.claims import claims_from_dict, read_claims_data
from gmmexact.cli.commands import main
from gmmexact.model.errors import InputError
from gmmexact.rendering.solution import (DEBIAN_PACKAGES, PACKAGES, LatexEngineError, LatexOptions, compile_pdf,
                            latex_document, latex_fragment)
from gmmexact.rendering.textbook import Notation, TextbookPrinter, escape_text, latex_number
from gmmexact.model.keys import Key

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed" / "problem.toml"
CLAIMS = ROOT / "examples" / "seed" / "claims.toml"
GOLDEN = Path(__file__).resolve().parent / "golden"
HAVE_TEX = shutil.which("pdflatex") is not None and shutil.which("pdftotext") is not None
needs_tex = pytest.mark.skipif(not HAVE_TEX, reason="pdflatex/pdftotext not installed (Debian: texlive-latex-base "
                                                   "texlive-latex-recommended poppler-utils; .ci/run installs them)")

NASTY = """
[data]
variables = ["h_eight & co", "w%t #1"]
labels = ["a_1", "b&c", "50%", "#x", "$y", "back\\\\slash"]
points = [[160, 55], [165, 61], [170, 64], [180, 76], [185, 80], [190, 83]]

[[components]]
name = "wo_men {x} ~^"
mean = [162, 57]
covariance = [[10, 0], [0, 10]]
weight = 0.5

[[components]]
name = "$men\\\\ & 100%"
mean = [185, 80]
covariance = [[10, 0], [0, 10]]
weight = 0.5
"""


@pytest.fixture(scope="module")
def run():
    return gmmexact.solve(gmmexact.load(SEED))


@pytest.fixture(scope="module")
def checks(run):
    claims = claims_from_dict(read_claims_data(CLAIMS), run.plan, str(CLAIMS))
    return Checker(run).check(claims)


@pytest.fixture(scope="module")
def printer(run):
    return TextbookPrinter(Notation.of(run.problem))


def _pdf_text(tex: str, tmp_path: Path, layout: bool = False) -> str:
    # one pdflatex run is enough for the text; the layout needs the second, which settles table widths
    pdf = compile_pdf(tex, tmp_path / "doc.pdf", runs=2 if layout else 1)
    assert pdf.read_bytes().startswith(b"%PDF")
    args = ["pdftotext"] + (["-layout"] if layout else []) + [str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


# -- the printer ------------------------------------------------------------------------------
def test_textbook_forms(printer):
    e = sp.exp(sp.Rational(-2, 5)) / (20 * sp.pi)
    assert printer.doprint(e) == r"\frac{e^{-2/5}}{20 \pi}"
    assert sp.latex(e) == r"\frac{1}{20 \pi e^{\frac{2}{5}}}"  # what SymPy alone writes
    assert printer.doprint(1 / (1 + sp.exp(sp.Rational(621, 10)))) == r"\frac{1}{1 + e^{621/10}}"
    assert printer.doprint(sp.exp(-sp.Symbol("quad.A.women") / 2)) == r"e^{-q_{\text{A},\text{women}}/2}"
    half_of = sp.Mul(sp.Rational(-1, 2), sp.Rational(4, 5), evaluate=False)
    assert printer.doprint(sp.exp(half_of, evaluate=False)) == r"\exp\left(- \frac{1}{2} \cdot \frac{4}{5}\right)"
    assert printer.doprint(sp.Matrix([[1, -2], [0, sp.Rational(1, 10)]])) == \
        r"\begin{bmatrix}1 & -2 \\[5pt] 0 & \dfrac{1}{10}\end{bmatrix}"


@given(st.fractions(min_value=-50, max_value=Fraction(-1, 40), max_denominator=40).filter(lambda q: q.denominator > 1),
       st.integers(2, 999))
def test_exponentials_stay_in_the_numerator(a, b):
    printer = TextbookPrinter(Notation(("A",), ("1",), ("x",)))
    e = sp.exp(sp.Rational(a.numerator, a.denominator)) / (b * sp.pi)
    assert printer.doprint(e) == rf"\frac{{e^{{{a.numerator}/{a.denominator}}}}}{{{b} \pi}}"
    assert printer.doprint(1 / (1 + sp.exp(-sp.Rational(a.numerator, a.denominator)))) == \
        rf"\frac{{1}}{{1 + e^{{{-a.numerator}/{a.denominator}}}}}"


def test_names_come_from_the_problem(run):
    n = Notation.of(run.problem)
    assert n.name(Key.parse("mean.women")) == r"\mu_{\text{women}}^{\text{new}}"
    assert n.name(Key.parse("outer.A.women")) == \
        r"(x_{\text{A}} - \mu_{\text{women}}^{\text{new}})(x_{\text{A}} - \mu_{\text{women}}^{\text{new}})^{\top}"
    multi = Notation.of(run.problem, multi=True)
    assert multi.name(Key.parse("iter2.density.B.men")) == \
        r"\mathcal{N}(x_{\text{B}} \mid \mu_{\text{men}}^{(1)}, \Sigma_{\text{men}}^{(1)})"
    assert multi.name(Key.parse("iter2.resp.B.men")) == r"r_{\text{B},\text{men}}^{(2)}"


def test_escape_every_special_character():
    assert escape_text(r"_ & % # $ \ { } ~ ^") == (r"\_ \& \% \# \$ \textbackslash{} \{ \} "
                                                    r"\textasciitilde{} \textasciicircum{}")


_ESCAPES = re.compile(r"\\text[a-z]+\{\}|\\[_&%#${}]|\\ensuremath\{[^{}]*(\{[^{}]*\})?[^{}]*\}")


@given(st.text(max_size=40))
def test_escaped_text_has_no_bare_special_characters(text):
    bare = _ESCAPES.sub("", escape_text(text))
    assert not set(bare) & set("_&%#$\\{}~^"), bare


def test_certified_numbers_in_latex():
    assert latex_number(114397, -34) == r"1.14397 \times 10^{-29}"
    assert latex_number(628319, -4) == "62.8319"
    assert latex_number(-500000, -5) == "-5.00000"


# -- golden steps -----------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["density.A.women", "cov.women", "resp.A.men", "inv.women", "quad.A.men"])
def test_golden_steps(run, key):
    got = latex_fragment(run, key)
    path = GOLDEN / f"{key}.tex"
    if os.environ.get("GMMEXACT_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


def test_golden_marked_step(run, checks):
    got = latex_fragment(run, "density.A.men", checks=checks)
    path = GOLDEN / "density.A.men.marked.tex"
    if os.environ.get("GMMEXACT_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


# -- fragments --------------------------------------------------------------------------------
def test_fragment_is_one_align_block(run):
    got = latex_fragment(run, "norm.women")
    assert got == (
        "\\begin{align*}\n"
        "Z_c &= (2\\pi)^{d/2} |\\Sigma_c|^{1/2} \\tag*{\\small general} \\\\[3pt]\n"
        "Z_{\\text{women}} &= 2 \\pi \\sqrt{\\lvert \\Sigma_{\\text{women}} \\rvert} \\\\\n"
        "&= 2 \\pi \\sqrt{100} \\\\\n"
        "&= 20 \\pi \\\\\n"
        "&\\approx 62.8319\n"
        "\\end{align*}\n")
    # an entry key shows its whole quantity; the digits follow --digits
    assert latex_fragment(run, "cov.women[0][1]") == latex_fragment(run, "cov.women")
    assert r"\approx 62.83185307" in latex_fragment(run, "norm.women", LatexOptions(digits=10))


def test_fragment_exact_lines(run):
    lines = latex_fragment(run, "quad.A.women").splitlines()
    assert lines[2] == (r"q_{\text{A},\text{women}} &= \left(\begin{bmatrix}160 \\ 55\end{bmatrix} - "
                        r"\begin{bmatrix}162 \\ 57\end{bmatrix}\right)^{\top} \Sigma_{\text{women}}^{-1} "
                        r"\left(\begin{bmatrix}160 \\ 55\end{bmatrix} - \begin{bmatrix}162 \\ 57\end{bmatrix}\right) \\")
    assert r"&= \frac{4}{5} \\" in lines and "&= 0.8" in lines  # exact, and its decimal is exact too (no padding)
    det = latex_fragment(run, "det.men").splitlines()
    assert det[2:4] == [r"\lvert \Sigma_{\text{men}} \rvert &= 10 \cdot 10 - 0 \cdot 0 \\", "&= 100"]


def test_fragment_of_unknown_key_is_an_input_error(run):
    with pytest.raises(InputError, match="density.Z.women"):
        latex_fragment(run, "density.Z.women")


# -- documents ----------------------------------------------------------------------------------
def test_document_follows_the_seed_order(run):
    tex = latex_document(run, LatexOptions(iterations=1, layout="steps"))  # every step in full
    marks = [r"\section*{Data}", r"\section*{Initial parameters}", r"\section{Iteration 1: E-step}",
             r"\lvert \Sigma_{\text{women}} \rvert &=", r"\Sigma_{\text{women}}^{-1} &=", r"Z_{\text{women}} &=",
             r"\subsection{Point A}", r"q_{\text{A},\text{women}} &=", r"r_{\text{A},\text{men}} &=",
             r"\textbf{Responsibilities}", r"\subsection*{Log-likelihood, iteration 1}",
             r"\section{Iteration 1: M-step}", r"m_{\text{women}} &=", r"\pi_{\text{women}}^{\text{new}} &=",
             r"\mu_{\text{women}}^{\text{new}} &=", r"\Sigma_{\text{women}}^{\text{new}} &=",
             r"Finding (singular-covariance)", r"\subsection*{New parameters after iteration 1}"]
    where = [tex.index(m) for m in marks]
    assert where == sorted(where)
    # the outer product (not the scalar (x−μ)ᵀ(x−μ)), and the covariance's parentheses
    assert r"(x_{\text{B}} - \mu_{\text{women}}^{\text{new}})(x_{\text{B}} - \mu_{\text{women}}^{\text{new}})^{\top}" in tex
    assert r"\Sigma_{\text{women}}^{\text{new}} &= \frac{1}{m_{\text{women}}} \Big(r_{\text{A},\text{women}}" in tex
    assert "height \\ensuremath{-} weight = 105" in tex
    assert "log-likelihood after the iteration does not exist" in tex
    assert r"\approx \begin{bmatrix}16.6667 & 16.6667 \\ 16.6667 & 16.6667\end{bmatrix}" in tex


def test_packages_are_plain_latex():
    tex = latex_document(gmmexact.solve(gmmexact.load(SEED)))
    used = set(re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", tex))
    assert used == set(PACKAGES)
    if shutil.which("kpsewhich"):
        for package in used:
            assert subprocess.run(["kpsewhich", f"{package}.sty"], capture_output=True, text=True).stdout.strip()


def test_selection_and_compact(tmp_path):
    rows = ",\n".join(f"[{150 + (7 * i) % 41}, {50 + (11 * i) % 37}]" for i in range(30))
    path = tmp_path / "many.toml"
    path.write_text(f"[data]\npoints = [\n{rows}\n]\n"
                    "[[components]]\nmean = [160, 60]\ncovariance = [[40, 5], [5, 30]]\nweight = 0.5\n"
                    "[[components]]\nmean = [180, 75]\ncovariance = [[40, 5], [5, 30]]\nweight = 0.5\n")
    run = gmmexact.solve(gmmexact.load(path))
    tex = latex_document(run, LatexOptions(compact=True, layout="steps"))
    assert tex.count(r"\subsection{Point ") == 1  # one representative point in full
    assert r"\subsection{Point x1}" in tex
    for label in ("x2", "x17", "x30"):  # every other point in the tables
        assert re.search(rf"^{label} & \$", tex, re.M)
    assert r"\sum_{p=1}^{30} r_{p,1}" in tex  # Σ-notation for many points
    chosen = latex_document(run, LatexOptions(points=("x3", "x5"), components=("2",), layout="steps"))
    assert re.findall(r"\\subsection\{Point (\w+)\}", chosen) == ["x3", "x5"]
    assert r"\subsection{Component 2}" in chosen and r"\subsection{Component 1}" not in chosen
    # the hand-out: one point's lines in full, the others in tables; a selection shows only its own lines
    handout = latex_document(run, LatexOptions(compact=True))
    assert r"q_{1,1} &=" in handout and r"q_{2,1} &=" not in handout
    for label in ("x2", "x17", "x30"):
        assert re.search(rf"^{label} & \$", handout, re.M)
    chosen = latex_document(run, LatexOptions(points=("x3", "x5"), components=("2",)))
    assert re.findall(r"^q_\{(\d+),(\d+)\} &", chosen, re.M) == [("3", "2"), ("5", "2")]
    with pytest.raises(InputError, match="no point named x99"):
        latex_document(run, LatexOptions(points=("x99",)))


def test_marked_document_shows_every_claim(run, checks):
    tex = latex_document(run, LatexOptions(iterations=1), checks)
    assert tex.count("{\\small claim ") == len(checks)
    assert "56 written numbers: 52 correct, 3 carried, 1 wrong." in tex
    first = tex.index("First wrong step.")
    assert r"claim \#55" in tex[first:first + 200]


def test_later_iterations_name_their_parameters(tmp_path):
    path = tmp_path / "nasty.toml"
    path.write_text(NASTY)
    run = gmmexact.solve(gmmexact.load(path), iterations=2)
    women = r"\text{wo\_men \{x\} \textasciitilde{}\textasciicircum{}}"
    det = latex_fragment(run, "iter2.det.wo_men {x} ~^").splitlines()
    assert det[2:] == [rf"\lvert \Sigma_{{{women}}}^{{(1)}} \rvert &\approx \begin{{vmatrix}}16.6667 & 15.0000 \\ "
                       r"15.0000 & 14.0000\end{vmatrix} \\", r"&\approx 8.33333", r"\end{align*}"]
    resp = latex_fragment(run, "iter2.resp.a_1.wo_men {x} ~^").splitlines()[2]
    assert resp.startswith(rf"r_{{\text{{a\_1}},{women}}}^{{(2)}} &= \frac{{\pi_{{{women}}}^{{(1)}}")


def test_claims_beside_exact_values(run, checks):
    tex = latex_document(run, LatexOptions(iterations=1), checks)
    assert r"written $\lvert \Sigma_{\text{women}} \rvert = 100$; exact value $= 100$" in tex  # not 100.00
    assert r"written $Z_{\text{women}} = 62.83$; exact value $\approx 62.8319$" in tex


# -- compiled -----------------------------------------------------------------------------------
@needs_tex
def test_seed_document_compiles(run, tmp_path):
    text = _pdf_text(latex_document(run, LatexOptions(iterations=1)), tmp_path)
    for number in ("62.8319", "0.0106685", "16.6667", "105", "0.670320", "1.14397"):
        assert number in text, number


@needs_tex
def test_marked_document_compiles(run, checks, tmp_path):
    lines = _pdf_text(latex_document(run, LatexOptions(iterations=1), checks), tmp_path, layout=True).splitlines()
    # the summary table: the seed's 1.15 × 10⁻²⁹ carried (from 7.2 × 10⁻²⁸ / 62.83) ...
    assert any(re.match(r"\s*#9\s+N \(xA \| µmen , Σmen \)\s+1\.15 × 10−29\s+≈ 1\.1440 × 10−29\s+≈ carried$", x)
               for x in lines)
    # ... and the stale [162, 57] written as the new mean of women wrong, the first wrong step
    i = next(i for i, x in enumerate(lines) if x.rstrip().endswith("× wrong (first)"))
    block = " ".join(lines[i - 2:i + 2]).split()
    assert block[:4] == ["162", "165.00", "#55", "µnew"] and block[-2:] == ["57", "60.00"]
    assert any("First wrong step. claim #55" in x for x in lines)


@needs_tex
def test_names_with_special_characters_compile(tmp_path):
    path = tmp_path / "nasty.toml"
    path.write_text(NASTY)
    run = gmmexact.solve(gmmexact.load(path), iterations=3)
    tex = latex_document(run, LatexOptions(iterations=2))
    assert r"^{(2)}" in tex and r"\section{Iteration 2: M-step}" in tex
    assert r"After the iteration: $\ell(\theta^{(2)}) \approx " in tex
    one = latex_document(gmmexact.solve(run.problem), after=run)  # one iteration; the log-likelihood after it
    assert r"After the iteration: $\ell(\theta^{\text{new}}) \approx -24.2511$ (before: $\ell(\theta) \approx -40.0517$)" in one
    assert r"\text{wo\_men \{x\} \textasciitilde{}\textasciicircum{}}" in tex
    text = _pdf_text(tex, tmp_path)
    # (pdftotext reads the OT1 fonts' underscore as a space)
    for name in ("back\\slash", "50%", "$men\\ & 100%", "wo men {x}", "h eight & co", "w%t #1", "#x", "$y"):
        assert name in text, name


# -- command line -------------------------------------------------------------------------------
def test_cli_fragment(capsys):
    assert main(["latex", str(SEED), "--fragment", "--step", "density.A.women"]) == 0
    out = capsys.readouterr().out
    assert out == (GOLDEN / "density.A.women.tex").read_text(encoding="utf-8")


def test_cli_errors(capsys):
    assert main(["latex", str(SEED), "--fragment"]) == 2
    assert "--step" in capsys.readouterr().err
    assert main(["latex", str(SEED), "--points", "A,Q"]) == 2
    assert "no point named Q" in capsys.readouterr().err
    assert main(["latex", str(SEED), "--step", "resp.A"]) == 2


def test_cli_document_and_stop(tmp_path, capsys):
    out = tmp_path / "seed.tex"
    assert main(["latex", str(SEED), "-o", str(out), "--claims", str(CLAIMS)]) == 0
    assert out.read_text(encoding="utf-8").startswith(r"\documentclass")
    assert main(["latex", str(SEED), "--iterations", "2", "-o", str(out)]) == 3  # singular after iteration 1
    assert "height − weight = 105" in capsys.readouterr().err
    assert r"\section*{Why the iterations stop}" in out.read_text(encoding="utf-8")


def test_cli_pdf_without_engine(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH
    assert main(["latex", str(SEED), "--pdf", "-o", str(tmp_path / "seed.pdf")]) == 4
    err = capsys.readouterr().err
    assert all(p in err for p in DEBIAN_PACKAGES)
    with pytest.raises(LatexEngineError) as e:
        compile_pdf(r"\documentclass{article}\begin{document}x\end{document}", tmp_path / "x.pdf")
    assert e.value.missing


@needs_tex
def test_cli_pdf(tmp_path, capsys):
    assert main(["latex", str(SEED), "--pdf", "--compact", "-o", str(tmp_path / "seed.tex")]) == 0
    assert (tmp_path / "seed.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "seed.tex").exists()
    with pytest.raises(LatexEngineError, match="Undefined control sequence"):
        compile_pdf(r"\documentclass{article}\begin{document}\nosuchcommand\end{document}", tmp_path / "bad.pdf")


# -- review findings: every factor decimal, visible differences, readable matrices, inputs as written,
#    the problem's order, 3×3 working, notation ---------------------------------------------------------
P1, P2, P3 = (GOLDEN / name for name in ("p1_d1k3.toml", "p2_d3.toml", "p3_special.toml"))


@pytest.fixture(scope="module")
def special():
    return gmmexact.solve(gmmexact.load(P3))


def test_every_factor_gets_its_decimal(special):
    # point p_1 = (0, 0): its term drops out of the engine's inputs, yet the ≈ line shows its responsibility
    comp = special.problem.component_names[1]
    lines = latex_fragment(special, f"mean.{comp}").splitlines()
    approx = [x for x in lines if x.startswith(r"&\approx \frac{1}{")]
    assert approx and r"r_{\text{p\_1}" not in " ".join(lines[lines.index(approx[0]):])
    assert re.search(r"\\Big\(0\.0[0-9]+ \\begin\{bmatrix\}0 \\\\ 0\\end\{bmatrix\}", approx[0]), approx[0]


def _decimals(tex: str) -> list[Fraction]:
    out = []
    for m, e in re.findall(r"(-?[0-9]+(?:\.[0-9]+)?)(?: \\times 10\^\{(-?[0-9]+)\})?", tex):
        out.append(Fraction(m) * Fraction(10) ** int(e or 0))
    return out


def test_a_subtraction_shows_its_difference(run):
    # x_B − μ_women^new ≈ 1.7 × 10⁻⁷: the mean is printed with enough digits that the printed numbers give it
    lines = latex_fragment(run, "dev.B.women").splitlines()
    sub = next(x for x in lines if x.startswith(r"&\approx \begin{bmatrix}165"))
    result = lines[lines.index(sub) + 1]
    x, mu = _decimals(sub)[:2], _decimals(sub)[2:4]
    shown = _decimals(result)[0::2]  # mantissas with their exponents folded in
    assert mu[0] != 165 and all(abs((xi - m) - r) < Fraction(1, 10**11) for xi, m, r in zip(x, mu, shown))
    assert all(round((xi - m) / Fraction(10) ** -12) == round(r / Fraction(10) ** -12) for xi, m, r in zip(x, mu, shown))
    assert "so that the difference of the numbers shown is the result shown" in "\n".join(lines)
    assert "significant digits" not in latex_fragment(run, "dev.D.men")  # where the usual digits do
    # the outer product of the deviation: the printed factors' product is the printed result to its digits
    lines = latex_fragment(run, "outer.B.women").splitlines()
    row = next(x for x in lines if x.startswith(r"&\approx \begin{bmatrix}1.69"))
    v = _decimals(row)[0]
    out = _decimals(lines[lines.index(row) + 1])[0]
    assert round(v * v / Fraction(10) ** -19) == round(out / Fraction(10) ** -19)


def test_fractions_in_matrices_have_room():
    # rows holding fractions are spaced so a numerator never touches the denominator above
    two = latex_fragment(gmmexact.solve(gmmexact.load(P2)), "inv.one")
    assert r"\dfrac{23}{40} & - \dfrac{3}{10} & \dfrac{1}{20} \\[14pt] - \dfrac{3}{10}" in two
    for text in (latex_document(gmmexact.solve(gmmexact.load(P3))), two):
        for m in re.findall(r"\\begin\{bmatrix\}((?:(?!\\end\{bmatrix\}).)*)\\end\{bmatrix\}", text):
            if r"\frac" in m and r"\\" in m:
                assert r"\\[5pt]" in m or r"\\[14pt]" in m, m
            parts = re.split(r" \\\\(\[[0-9]+pt\])? ", m)
            rows, gaps = parts[::2], parts[1::2]
            for upper, lower, gap in zip(rows, rows[1:], gaps):
                above = [r"\frac" in e for e in upper.split(" & ")]
                below = [r"\frac" in e for e in lower.split(" & ")]
                if any(a and b for a, b in zip(above, below)):  # a fraction right above another: 14pt
                    assert gap == "[14pt]", m


def test_inputs_as_the_problem_writes_them():
    tex = latex_document(gmmexact.solve(gmmexact.load(P1)))
    data = tex[tex.index(r"\section*{Data}"):tex.index(r"\section*{Initial parameters}")]
    rows = re.findall(r"^([a-g]) & \$(.*)\$ \\\\$", data, re.M)
    assert rows == [("a", "-1.5"), ("b", "0"), ("c", r"\frac{1}{3}"), ("d", "2"), ("e", "2.5"), ("f", "4"),
                    ("g", r"\frac{9}{2}")]  # decimals as decimals, fractions as fractions
    init = tex[tex.index(r"\section*{Initial parameters}"):tex.index(r"\section{Iteration 1")]
    assert "high & $4.25$ & $0.75$ & $\\frac{1}{3}$" in init and "mid & $2$ & $\\frac{1}{2}$" in init
    # d = 1 in σ² notation; labels a … g: c, d read as indices
    assert r"q_{\textsf{a},\text{high}} &= \frac{\left(-1.5 - 4.25\right)^{2}}{\sigma_{\text{high}}^{2}}" in tex
    # SymPy forms too: the printer writes a decimal input as written (a negative one held as −1 · q as well)
    two = gmmexact.solve(gmmexact.load(P2))
    assert r"\begin{vmatrix}2 & 0.5 & 0 \\ 0.5 & 1 & 0.25" in latex_fragment(two, "det.one")
    printer = TextbookPrinter(Notation(("A",), ("1",), ("x",), decimals=frozenset({Fraction(-13, 50)})))
    assert printer.doprint(sp.Matrix([[sp.Rational(-13, 50)], [sp.Rational(1, 3)]])) == \
        r"\begin{bmatrix}-0.26 \\[5pt] \dfrac{1}{3}\end{bmatrix}"


def test_sums_follow_the_problems_order(run):
    tex = latex_fragment(run, "evidence.A")
    women, men = tex.index(r"\pi_{\text{women}}"), tex.index(r"\pi_{\text{men}}")
    assert women < men  # the components' order, not SymPy's
    assert tex.index(r"\frac{e^{-2/5}}{40 \pi} + \frac{e^{-125/2}}{40 \pi}") > 0
    lines = latex_fragment(run, "loglik").splitlines()
    # the exact line only reordered the substituted one: it is dropped
    assert [x[:3] for x in lines if x.startswith("&")][-1] == r"&\a"
    assert sum(x.startswith("&= ") for x in lines) == 1
    assert lines[3].startswith(r"&= \log\left(\frac{e^{-2/5}}{40 \pi} + \frac{e^{-125/2}}{40 \pi}\right) + "
                               r"\log\left(\frac{e^{-9/10}}{40 \pi}")
    one = gmmexact.solve(gmmexact.load(P1))
    ev = latex_fragment(one, "evidence.a").splitlines()[2]
    assert ev.index(r"\text{low}") < ev.index(r"\text{mid}") < ev.index(r"\text{high}")


def test_three_by_three_determinant_and_inverse_are_worked():
    run = gmmexact.solve(gmmexact.load(P2))
    det = latex_fragment(run, "det.one").splitlines()
    assert "a(ei - fh) - b(di - fg) + c(dh - eg)" in det[1]
    assert det[2] == r"\lvert \Sigma_{\text{one}} \rvert &= \begin{vmatrix}2 & 0.5 & 0 \\ 0.5 & 1 & 0.25 \\ 0 & 0.25 & 1.5\end{vmatrix} \\"
    assert det[3] == (r"&= 2\left(1 \cdot 1.5 - 0.25 \cdot 0.25\right) - 0.5\left(0.5 \cdot 1.5 - 0.25 \cdot 0\right) "
                      r"+ 0\left(0.5 \cdot 0.25 - 1 \cdot 0\right) \\")
    assert det[4:6] == [r"&= \frac{5}{2} \\", "&= 2.5"]
    inv = latex_fragment(run, "inv.one").splitlines()
    assert r"\operatorname{adj}(\Sigma_c)" in inv[1]
    assert inv[2].startswith(r"\Sigma_{\text{one}}^{-1} &= \frac{1}{5/2} \begin{bmatrix}\left(1 \cdot 1.5 - 0.25 \cdot 0.25\right) & "
                             r"-\left(0.5 \cdot 1.5 - 0 \cdot 0.25\right)")


def test_notation_is_explained():
    nasty = gmmexact.solve(gmmexact.load(P3), iterations=2)
    multi = latex_document(nasty, LatexOptions(iterations=2))
    assert r"a superscript $(t)$ on a quantity of a step" in multi and r"$\theta^{(0)}$" in multi
    single = latex_document(gmmexact.solve(gmmexact.load(SEED)))
    assert r"$\mu_c^{\text{new}}$" in single and "superscript $(t)$" not in single


def test_small_things(run, tmp_path):
    # the title names the file as given, an absolute path by its name
    assert r"\title{Worked EM solution: \texttt{problem.toml}}" in latex_document(run)
    assert r"\texttt{examples/seed/problem.toml}" in latex_document(run, LatexOptions(source="examples/seed/problem.toml"))
    one = gmmexact.solve(gmmexact.load(P1))
    norm = latex_fragment(one, "norm.mid")
    assert r"\sqrt{2 \pi} \sqrt{\frac{1}{2}}" in norm and r"\sqrt{2} \sqrt{\pi}" not in norm  # √(2π)
    # the general row of the joint density has its left-hand side; dev/outer stand in the name column
    assert latex_fragment(run, "joint.A.men").splitlines()[1].startswith(
        r"p(x_p, z_p {=} c) &= \pi_c \, \mathcal{N}(x_p \mid \mu_c, \Sigma_c)")
    assert latex_fragment(run, "dev.A.men").splitlines()[1].startswith(r"x_p - \mu_c^{\text{new}} & \tag*")
    # d = 1: a determinant is the number itself, never |0.67|: the variance σ² (no |Σ_c| in one dimension)
    two = gmmexact.solve(gmmexact.load(P1), iterations=2)
    det = latex_fragment(two, "iter2.det.mid")
    assert not re.search(r"\\lvert -?[0-9]", det) and re.search(r"&\\approx [0-9.]+$", det.splitlines()[-2])
    assert det.splitlines()[1:3] == [r"\sigma_c^2 & \tag*{\small general} \\[3pt]",
                                     r"\left(\sigma_{\text{mid}}^{(1)}\right)^{2} &\approx 0.466486"]
    # exact values without padding: 0.1, not 0.100000
    assert latex_fragment(run, "inv.women").splitlines()[-2] == r"&= \begin{bmatrix}0.1 & 0 \\ 0 & 0.1\end{bmatrix}"


@needs_tex
def test_no_overfull_lines(tmp_path):
    tex = latex_document(gmmexact.solve(gmmexact.load(P3), iterations=2), LatexOptions(iterations=2))
    (tmp_path / "doc.tex").write_text(tex, encoding="utf-8")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                   capture_output=True, check=True)
    widths = [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)",
                                         (tmp_path / "doc.log").read_text(encoding="latin-1"))]
    assert all(w < 2 for w in widths), widths


def test_exact_forms_keep_their_own_fractions_when_inputs_are_decimals(tmp_path):
    # the inputs 1.5 and 0.2 are shown as written, but π^{3/2} and π√19/5 are the formulas' own numbers
    path = tmp_path / "p.toml"
    path.write_text('[data]\npoints = [[0, 0, 1.5], [1, 2, 0.2], [2, 1, 1]]\n'
                    '[[components]]\nmean = [0, 0, 1.5]\ncovariance = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]\nweight = 0.5\n'
                    '[[components]]\nmean = [1, 1, 0.2]\ncovariance = [[0.2, 0, 0], [0, 1, 0], [0, 0, 1]]\nweight = 0.5\n')
    run = gmmexact.solve(gmmexact.load(str(path)))
    norm = latex_fragment(run, "norm.2")
    assert r"\pi^{\frac{3}{2}}" in norm and "1.5}" not in norm and r"0.2 \cdot \pi" not in norm
    assert "1.5" in latex_fragment(run, "quad.x1.1")  # the data point as written


def test_square_roots_of_constants_are_one_root():
    printer = TextbookPrinter(Notation(("A",), ("1",), ("x",)))
    assert printer.doprint(sp.sqrt(6) * sp.sqrt(sp.pi) / 2) == r"\frac{\sqrt{6 \pi}}{2}"
    assert printer.doprint(2 * sp.sqrt(2) * sp.sqrt(sp.pi)) == r"2 \sqrt{2 \pi}"
    assert printer.doprint(sp.pi * sp.sqrt(19) / 5) == r"\frac{\pi \sqrt{19}}{5}"
    assert printer.doprint(sp.exp(sp.Rational(-1, 3)) / (sp.sqrt(6) * sp.sqrt(sp.pi))) == \
        r"\frac{\sqrt{6} e^{-1/3}}{6 \sqrt{\pi}}"  # √6 above, √π below: nothing to join
    tex = latex_document(gmmexact.solve(gmmexact.load(P1)))
    assert r"\frac{\sqrt{6 \pi}}{2}" in tex  # Z_high
    assert not re.search(r"\\sqrt\{[0-9]+\} \\sqrt\{\\pi\}", tex)


def test_names_that_read_as_general_indices_are_set_apart(tmp_path):
    path = tmp_path / "abc.toml"
    path.write_text('[data]\nvariables = ["x"]\nlabels = ["P", "Q"]\npoints = [[0], [2]]\n\n'
                    '[[components]]\nname = "a"\nmean = [0]\ncovariance = [[1]]\nweight = 0.5\n\n'
                    '[[components]]\nname = "c"\nmean = [2]\ncovariance = [[1]]\nweight = 0.5\n')
    tex = latex_document(gmmexact.solve(gmmexact.load(str(path))))
    # component c as \mu_{\textsf{c}}, never \mu_{\text{c}} (the general row writes \mu_c); every
    # component of that problem alike; the points keep upright text
    assert r"\mu_{\textsf{c}}" in tex and r"\mu_{\textsf{a}}" in tex and r"x_{\text{P}}" in tex
    assert r"_{\text{c}}" not in tex and r"_{\text{a}}" not in tex
    seed = latex_document(gmmexact.solve(gmmexact.load(str(ROOT / "examples" / "seed" / "problem.toml"))))
    assert r"\textsf" not in seed
