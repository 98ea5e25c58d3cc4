"""A worked solution checked by the checker: ``gmmexact latex`` (the calculator chain carrying k digits,
and the certified layout) read back by ``gmmexact check`` never marks its own numbers wrong, and every
step of the chain is read as the claim of its key (q_{pc}, e^{-q/2}, 𝒩(x_p | μ_c, Σ_c), π_c 𝒩, p(x_p),
Z_c, ℓ(θ)), not left unread.

The second half keys single statements of the chain's notation (unit tests of the reader)."""
from __future__ import annotations

from pathlib import Path

import pytest

import gmmexact
from gmmexact.checking.documents import check_document
from gmmexact.documents import read_latex
from gmmexact.documents.keying import place_numbers
from gmmexact.documents.statements import statements
from gmmexact.model.problem import load
from gmmexact.rendering.solution import LatexOptions, latex_document

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed" / "problem.toml"
P1 = ROOT / "tests" / "golden" / "p1_d1k3.toml"  # d = 1, K = 3, σ² notation, fractions in the data
P2 = ROOT / "tests" / "golden" / "p2_d3.toml"  # d = 3
P3 = ROOT / "tests" / "golden" / "p3_special.toml"  # names that LaTeX escapes
ONEDIM = ROOT / "tests" / "documents" / "onedim.toml"  # components named "1" and "2"

# claims of a chain: per point and component quad, exp, density, joint, resp, dev, outer; per point the
# evidence; per component det (d > 1), inv, norm, count, weight, mean, cov; the log-likelihood
CHAIN_CLAIMS = {SEED: 105, P1: 173, P2: 90, P3: 135, ONEDIM: 73}
CERTIFIED_CLAIMS = {SEED: 111, P1: 189, P2: 99, P3: 150, ONEDIM: 76}  # exact and decimal both, where they differ


@pytest.fixture(scope="module")
def runs():
    return {}


def _run(runs, path):
    if path not in runs:
        runs[path] = gmmexact.solve(gmmexact.load(path))
    return runs[path]


@pytest.mark.parametrize("k", [2, 3, 4, 6, None], ids=lambda k: f"carry{k}" if k else "certified")
@pytest.mark.parametrize("path", [SEED, P1, P2, P3, ONEDIM], ids=lambda p: p.stem)
def test_a_worked_solution_never_marks_its_own_numbers_wrong(runs, path, k):
    run = _run(runs, path)
    tex = latex_document(run, LatexOptions(carry_digits=k))
    report = check_document(read_latex(tex, "key.tex"), path)
    s = report.summary
    expected = CHAIN_CLAIMS[path] if k else CERTIFIED_CLAIMS[path]
    assert (s["claims"], s["wrong"], s["follows"], s["undecided"], s["unreadable"]) == (expected, 0, 0, 0, 0)
    assert s["correct"] + s["carried"] == expected and (k is not None or s["carried"] == 0)
    # carried numbers are rounding carried from the chain's own numbers (some rounded too early: a chain
    # of k-digit numbers shows k digits where fewer are justified); the chain says so in its first line,
    # so the checker reads it with lenient rounding: it passes as it is
    assert report.data["document"].get("carry_digits") == k and report.passed()
    claimed = {c["key"] for c in report.data["claims"]}
    problem = run.problem
    for p in problem.labels:
        assert f"evidence.{p}" in claimed
        for c in problem.component_names:
            for kind in ("quad", "exp", "density", "joint", "resp", "dev", "outer"):
                assert f"{kind}.{p}.{c}" in claimed, (kind, p, c)
    for c in problem.component_names:
        assert {f"norm.{c}", f"inv.{c}", f"count.{c}", f"mean.{c}", f"cov.{c}"} <= claimed
    assert "loglik" in claimed
    # what is not read is prose (and |Σ| = 0 said of no component): no step of the chain, no layout
    # command, no exact value beside a carried one
    assert all(u["reason"] == "a number in prose: write it in math to have it checked"
               or u["reason"] == "a det whose component the document does not name here"
               for u in report.data["document"]["unread"])


def test_the_seed_chain_reads_the_carried_values_that_were_wrong():
    """resp.E.women (k = 3) and resp.B.men (k = 4) were marked wrong while the chain's densities were unread."""
    run = gmmexact.solve(gmmexact.load(SEED))
    for k, key in ((3, "resp.E.women"), (4, "resp.B.men")):
        report = check_document(read_latex(latex_document(run, LatexOptions(carry_digits=k)), "key.tex"), SEED)
        record = next(c for c in report.data["claims"] if c["key"] == key)
        assert record["verdict"] in ("correct", "carried")
        if record["verdict"] == "carried":
            assert record["carried_kind"] == "rounding" and record["carried_from"]


# -- the reader on single statements ----------------------------------------------------------------

@pytest.fixture(scope="module")
def seed():
    return load(SEED)


def _placed(tex: str, problem, heading: str = "Iteration 1: E-step"):
    doc = read_latex(f"\\section{{{heading}}}\n{tex}\n", "t.tex")
    return [(p.status, p.key, p.value) for p in place_numbers(doc, problem) if p.reason != "a heading or step number"]


def _claims(tex: str, problem, heading: str = "Iteration 1: E-step"):
    return [(key, value) for status, key, value in _placed(tex, problem, heading) if status == "claim"]


def test_the_quadratic_form_as_q_pc(seed):
    tex = r"$$q_{\text{A},\text{women}} = \begin{bmatrix}-2 & -2\end{bmatrix} \begin{bmatrix}-0.2 \\ -0.2\end{bmatrix} = 0.800$$"
    assert _claims(tex, seed) == [("quad.A.women", "0.800")]
    assert _claims(r"$$q_{2,1} \approx 106$$", seed) == [("quad.B.women", "106")]  # positions of point, component


def test_numeric_component_names_in_the_subscripts():
    problem = load(ONEDIM)  # labels x1…x4, components "1" and "2"
    assert _claims(r"$$q_{\text{x1},\text{2}} = 4.50$$", problem) == [("quad.x1.2", "4.50")]
    assert _claims(r"$$\mathcal{N}(x_{\text{x2}} \mid \mu_{\text{1}}, \sigma_{\text{1}}^{2}) \approx 0.242$$",
                   problem) == [("density.x2.1", "0.242")]


def test_e_to_the_minus_q_over_two(seed):
    placed = _placed(r"$$e^{-q_{\text{A},\text{women}}/2} = e^{-0.800/2} \approx 0.670$$", seed)
    assert ("claim", "exp.A.women", "0.670") in placed
    assert ("claim", "quad.A.women", "0.800") in placed  # the q inside the exponent, its sign not its own


def test_the_density_and_its_fraction(seed):
    tex = (r"$$\mathcal{N}(x_{\text{A}} \mid \mu_{\text{women}}, \Sigma_{\text{women}}) = \frac{0.670}{62.8} "
           r"\approx 0.0107$$")
    assert _claims(tex, seed) == [("exp.A.women", "0.670"), ("norm.women", "62.8"), ("density.A.women", "0.0107")]


def test_the_weighted_density_the_evidence_and_the_normalising_constant(seed):
    tex = "\n".join([
        r"\begin{align*}",
        r"Z_{\text{women}} &= 2\pi \sqrt{100} \approx 62.8 \\",
        r"&\pi_{\text{women}} \, \mathcal{N}(x_{\text{A}} \mid \mu_{\text{women}}, \Sigma_{\text{women}}) \\",
        r"&= 0.5 \cdot 0.0107 = 0.00535 \\",
        r"p(x_{\text{A}}) &= 0.00535 + 5.70 \times 10^{-30} \approx 0.00535",
        r"\end{align*}"])
    assert _claims(tex, seed) == [("norm.women", "62.8"), ("joint.A.women", "0.00535"), ("evidence.A", "0.00535")]


def test_the_e_step_deviation_and_sigma_inverse_times_it_are_working(seed):
    tex = (r"$$x_{\text{A}} - \mu_{\text{women}} = \begin{bmatrix}160 \\ 55\end{bmatrix} - \begin{bmatrix}162 \\ 57"
           r"\end{bmatrix} = \begin{bmatrix}-2 \\ -2\end{bmatrix}, \quad \Sigma_{\text{women}}^{-1}(x_{\text{A}} - "
           r"\mu_{\text{women}}) = \begin{bmatrix}-0.200 \\ -0.200\end{bmatrix}$$")
    placed = _placed(tex, seed)
    assert {status for status, _, _ in placed} == {"working"} and {key for _, key, _ in placed} == {None}
    # the same from the new mean, in the M-step, is dev; Σ⁻¹ alone is still the inverse
    tex = r"$$(x_{\text{A}} - \mu_{\text{women}}^{\text{new}}) = \begin{bmatrix}-5 \\ -5\end{bmatrix}$$"
    assert _claims(tex, seed, "Iteration 1: M-step") == [("dev.A.women", ("-5", "-5"))]
    tex = r"$$\Sigma_{\text{men}}^{-1} = \begin{bmatrix}0.1 & 0 \\ 0 & 0.1\end{bmatrix}$$"
    assert _claims(tex, seed) == [("inv.men", (("0.1", "0"), ("0", "0.1")))]


def test_a_later_iteration_names_its_starting_parameters_with_superscripts():
    problem = load(P2)
    tex = (r"$$x_{\text{P1}} - \mu_{\text{one}}^{(1)} \approx \begin{bmatrix}-0.99 \\ 0.01 \\ 0.65\end{bmatrix}, "
           r"\quad \left(\Sigma_{\text{one}}^{(1)}\right)^{-1}(x_{\text{P1}} - \mu_{\text{one}}^{(1)}) \approx "
           r"\begin{bmatrix}-0.60 \\ 0.07 \\ 0.73\end{bmatrix}$$")
    assert _claims(tex, problem, "Iteration 2: E-step") == []
    tex = r"$$\ell(\theta^{\text{new}}) \approx -18.1$$"
    assert _claims(tex, problem) == [("iter2.loglik", "-18.1")]


def test_the_exact_value_beside_a_carried_one_is_given(seed):
    tex = (r"$$r_{\text{E},\text{women}} = \frac{7.65 \times 10^{-26}}{0.00795} \approx 9.62 \times 10^{-24} \quad "
           r"\left(\text{exact} \approx 1.06 \times 10^{-23}\right)$$")
    placed = _placed(tex, seed)
    assert ("claim", "resp.E.women", "9.62 × 10^-24") in placed
    assert ("given", None, "1.06 × 10^-23") in placed
    assert not [p for p in placed if p[0] == "unread"]


def test_the_log_likelihood_over_rows(seed):
    tex = "\n".join([
        r"\begin{align*}",
        r"\ell(\theta) &= \log 0.00535 + \log 0.00324 \\",
        r"&\quad + \log 0.000655 \approx -5.23 -5.73 -7.33 \\",
        r"&\approx -18.3",
        r"\end{align*}"])
    st, = statements(read_latex(tex, "t.tex").blocks[0])
    assert st.relations == ("=", "≈", "≈") and st.sides[1].tex.endswith(r"\log 0.000655")
    assert _claims(tex, seed, "Log-likelihood") == [("loglik", "-18.3")]


def test_sizes_and_layout_commands_are_not_claims(seed):
    placed = _placed(r"$d = 2$ and $K = 2$, \needspace{8\baselineskip} "
                     r"\fcolorbox[rgb]{0.75,0.45,0}{1,0.97,0.9}{\parbox{0.96\linewidth}{a note}}", seed)
    assert placed == [("given", None, "2"), ("given", None, "2")]
    # K = 2 is the number of components, not the second component the next lines speak of
    assert _claims(r"$K = 2$ $$\lvert \Sigma \rvert = 100$$", seed) == []


def test_one_dimensional_variances_and_squares():
    problem = load(P1)
    tex = "\n".join([r"\begin{align*}", r"\sigma_{\text{high}}^{-2} &= \frac{1}{0.750} \approx 1.33 \\",
                     r"q_{\textsf{a},\text{high}} &= \left(-1.5 - 4.25\right)^{2} \cdot 1.33 \approx 44.1",
                     r"\end{align*}"])
    assert _claims(tex, problem) == [("inv.high", "1.33"), ("quad.a.high", "44.1")]
    tex = "\n".join([r"\begin{align*}", r"(x_{\textsf{a}} - \mu_{\text{low}}^{\text{new}})^{2} &\approx 1.14 \\",
                     r"\left(\sigma_{\text{low}}^{\text{new}}\right)^{2} &= \frac{1}{2.80} \cdot 1.86 \approx 0.664",
                     r"\end{align*}"])
    assert _claims(tex, problem, "Iteration 1: M-step") == [("outer.a.low", "1.14"), ("cov.low", "0.664")]


def test_names_latex_escapes_are_matched():
    problem = load(P3)
    tex = r"$$Z_{\text{grp\_\ensuremath{\alpha} \& \ensuremath{\beta}}} = 2\pi \sqrt{1.00} \approx 6.28$$"
    assert _claims(tex, problem) == [("norm.grp_α & β", "6.28")]
    tex = r"$$p(x_{\text{\$x\$}}) = 0.0001 + 0.002 \approx 0.00210$$"
    assert _claims(tex, problem) == [("evidence.$x$", "0.00210")]


def test_a_longtable_column_specification_is_not_its_header(seed):
    tex = "\n".join([r"\begin{longtable}{lcc}", r"\toprule", r"point & x & $r_{p,\text{men}}$ \\", r"\midrule",
                     r"\endhead", r"A & $160$ & $0.5$ \\", r"\bottomrule", r"\end{longtable}"])
    table = read_latex(tex, "t.tex").blocks[0]
    assert [c.text for c in table.header] == ["point", "x", r"$r_{p,\text{men}}$"]


def test_the_chain_declares_itself_and_only_the_declaration_makes_rounding_lenient(runs, tmp_path, capsys):
    from gmmexact.cli.commands import main

    tex = latex_document(_run(runs, SEED), LatexOptions(carry_digits=3))
    assert tex.splitlines()[0] == "% gmmexact: a calculator chain carrying 3 significant digits (latex --carry-digits 3)"
    bare = "\n".join(tex.splitlines()[1:]) + "\n"  # the same numbers without the declaration
    report = check_document(read_latex(bare, "bare.tex"), SEED)
    assert report.summary["rounded_too_early"] > 0 and not report.passed() and report.passed(lenient_rounding=True)
    key = tmp_path / "key.tex"
    key.write_text(tex, encoding="utf-8")
    assert main(["check", str(SEED), str(key)]) == 0
    assert "a calculator chain carrying 3 significant digits" in " ".join(capsys.readouterr().out.split())
    assert main(["check", str(SEED), str(key), "--strict"]) == 1  # --strict still fails carried numbers


@pytest.mark.parametrize("k", [3, None], ids=lambda k: f"carry{k}" if k else "certified")
@pytest.mark.parametrize("path", [SEED, P1, P2, P3], ids=lambda p: p.stem)
def test_a_compact_solution_is_read_from_its_tables(runs, path, k):
    """--compact works one point through and tables the others (q, e^{-q/2}, 𝒩, π𝒩, p(x); deviations and
    outer products): every column is read row by row, so the chain is followed for every point."""
    tex = latex_document(_run(runs, path), LatexOptions(carry_digits=k, compact=True))
    report = check_document(read_latex(tex, "key.tex"), path)
    s = report.summary
    assert (s["wrong"], s["follows"], s["undecided"], s["unreadable"]) == (0, 0, 0, 0) and report.passed()
    if k is not None:
        assert s["claims"] == CHAIN_CLAIMS[path]  # every quantity of the full chain, read from the tables
    problem = _run(runs, path).problem
    tabled = {c["key"] for c in report.data["claims"] if " | " in c.get("statement", "")}
    for p in problem.labels[1:]:
        for c in problem.component_names:
            assert {f"quad.{p}.{c}", f"exp.{p}.{c}", f"density.{p}.{c}", f"joint.{p}.{c}", f"resp.{p}.{c}",
                    f"dev.{p}.{c}", f"outer.{p}.{c}"} <= tabled, (p, c)
        assert f"evidence.{p}" in tabled


def test_a_column_heading_names_a_per_point_quantity():
    from gmmexact.documents.keying import _header_subject, _State
    from gmmexact.documents.names import Names
    from gmmexact.documents.source import Cell, Span

    names = Names(load(SEED), {})

    def heading(text):
        s = _header_subject(Cell(text, Span(1, 1, text)), names, _State())
        return None if s is None else (s.kind, s.point, s.component)

    assert heading(r"$q_{p,\text{women}}$") == ("quad", None, "women")
    assert heading(r"$e^{-q_{p,\text{men}}/2}$") == ("exp", None, "men")
    assert heading(r"$\mathcal{N}(x_p \mid \mu_{\text{men}}, \Sigma_{\text{men}})$") == ("density", None, "men")
    assert heading("height") is None and heading(r"$r_{p,\text{women}}$") is None  # data; resp is keyed apart
