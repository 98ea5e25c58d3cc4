"""The parts of the LaTeX worked solution on their own: tables, a step's rows, claim marks and the
shared context, each built from the seed run without writing the whole document."""
from dataclasses import FrozenInstanceError
from pathlib import Path
from types import SimpleNamespace

import pytest

import gmmexact
from gmmexact.model.keys import Key
from gmmexact.model.written import parse_written
from gmmexact.rendering.solution import latex_document, latex_fragment
from gmmexact.rendering.solution.context import CertifiedValues, Context, LatexOptions
from gmmexact.rendering.solution.formatting import written_latex
from gmmexact.rendering.solution.general import general_row
from gmmexact.rendering.solution.handworked import hand_rows
from gmmexact.rendering.solution.iteration import IterationWriter, findings
from gmmexact.rendering.solution.layout import LINE_WIDTH, pack, visible
from gmmexact.rendering.solution.marks import ClaimMarks
from gmmexact.rendering.solution.order import StepTermOrder
from gmmexact.rendering.solution.steps import StepWriter
from gmmexact.rendering.solution.tables import Tables, longtable

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed" / "problem.toml"


@pytest.fixture(scope="module")
def run():
    return gmmexact.solve(gmmexact.load(SEED))


@pytest.fixture()
def ctx(run):
    return Context.of(run, LatexOptions())


# -- the shared context -------------------------------------------------------------------------
def test_context_is_frozen_and_holds_the_selection(run):
    ctx = Context.of(run, LatexOptions(points=("B", "A"), components=("men",), iterations=5))
    assert (ctx.points, ctx.components, ctx.iterations, ctx.d) == (("B", "A"), ("men",), 1, 2)
    with pytest.raises(FrozenInstanceError):
        ctx.iterations = 2


def test_certified_values_are_rounded_once(run):
    calls = []

    class Counting:
        problem = run.problem

        def round(self, keys, digits):
            calls.append(list(keys))
            return run.round(keys, digits)

    values = CertifiedValues(Counting(), 6)
    values.round([Key.parse("norm.women"), Key.parse("mean.women")])
    assert values.decimal(Key.parse("norm.women")) == "62.8319"
    assert values.decimal(Key.parse("mean.women")) == r"\begin{bmatrix}165.000 \\ 60.0000\end{bmatrix}"
    assert len(calls) == 1 and len(calls[0]) == 3  # one batch: Z and the mean's two entries
    assert str(values.values_at(Key.parse("norm.women"), 3)) == "62.8"
    assert len(calls) == 2  # other digits: not cached


# -- tables -------------------------------------------------------------------------------------
def test_data_table(ctx):
    assert Tables(ctx).data_table() == [
        r"\section*{Data}", r"\begin{longtable}{lrr}", r"\toprule", r"point & height & weight \\", r"\midrule",
        r"\endhead", r"A & $160$ & $55$ \\", r"B & $165$ & $60$ \\", r"C & $170$ & $65$ \\",
        r"D & $180$ & $75$ \\", r"E & $185$ & $80$ \\", r"F & $190$ & $85$ \\", r"\bottomrule", r"\end{longtable}"]


def test_parameter_tables(ctx):
    initial = Tables(ctx).initial_parameters()
    assert initial[0] == (r"\needspace{8\baselineskip}" "\n" r"\section*{Initial parameters}" "\n" r"The model: $p(x) = \sum_{c=1}^{K} \pi_c \, "
                          r"\mathcal{N}(x \mid \mu_c, \Sigma_c)$ with $K = 2$ components in $d = 2$ dimensions.")
    assert initial[6:8] == [
        r"women & $\begin{bmatrix}162 \\ 57\end{bmatrix}$ & $\begin{bmatrix}10 & 0 \\ 0 & 10\end{bmatrix}$ & $0.5$ \\[8pt]",
        r"men & $\begin{bmatrix}185 \\ 80\end{bmatrix}$ & $\begin{bmatrix}10 & 0 \\ 0 & 10\end{bmatrix}$ & $0.5$ \\[8pt]"]
    new = Tables(ctx).new_parameters(1)
    assert new[0] == "\\subsection*{New parameters after iteration 1}\nCertified to 6 significant digits; every entry shows all 6."
    assert new[6].startswith(r"women & $\begin{bmatrix}165.000 \\ 60.0000\end{bmatrix}$ & "
                             r"$\begin{bmatrix}16.6667 & 16.6667 \\ 16.6667 & 16.6667\end{bmatrix}$ & $0.500000$")


def test_responsibilities_table(ctx):
    lines = Tables(ctx).responsibilities(1)[1:]  # (after the \needspace that keeps the caption with its table)
    assert lines[0] == r"\noindent \textbf{Responsibilities} $r_{pc}$ (iteration 1; certified, 6 digits)\par"
    assert lines[3] == r"point & height & weight & $r_{p,\text{women}}$ & $r_{p,\text{men}}$ \\"
    assert lines[6] == r"A & $160$ & $55$ & $1.00000$ & $1.07229 \times 10^{-27}$ \\"
    assert len(lines) == 1 + 5 + 6 + 2  # caption, head, one row a point, foot


def test_compact_tables_skip_the_point_shown_in_full(ctx):
    tables = Tables(ctx)
    e_rows = [x for x in tables.e_table(1, ["women", "men"], "A") if x.endswith(r" \\") and "&" in x
              and not x.startswith("point")]
    assert [row.split(" & ")[0] for row in e_rows] == ["B", "C", "D", "E", "F"] * 2  # a table per component
    m_rows = tables.m_table(1, "women", "A")
    assert m_rows[7] == (r"B & $\begin{bmatrix}1.69710 \times 10^{-7} & 1.69710 \times 10^{-7}\end{bmatrix}$ & "
                         r"$\begin{bmatrix}2.88013 \times 10^{-14} & 2.88013 \times 10^{-14} \\ 2.88013 \times 10^{-14} & "
                         r"2.88013 \times 10^{-14}\end{bmatrix}$ \\")  # the deviation and its outer product
    assert Tables(Context.of(ctx.run, LatexOptions(points=("A",)))).m_table(1, "women", "A") == []


def test_longtable_small():
    assert longtable("C", ["x", "y", "z"], [["1", "2", "3"]], small=True) == [
        r"\needspace{6\baselineskip}", r"\noindent C\par", r"{\small\setlength{\tabcolsep}{4pt}", r"\begin{longtable}{lcc}", r"\toprule",
        r"x & y & z \\", r"\midrule", r"\endhead", r"1 & 2 & 3 \\", r"\bottomrule", r"\end{longtable}", "}"]


# -- one step -----------------------------------------------------------------------------------
def test_general_and_hand_worked_rows(run, ctx):
    assert general_row(run, Key.parse("det.men")) == (
        r"\lvert\Sigma_c\rvert &= \begin{vmatrix} a & b \\ c & d \end{vmatrix} = ad - bc \tag*{\small general}")
    printer = StepWriter(ctx).printer
    assert hand_rows(ctx, printer, Key.parse("inv.men")) == [
        r"&= \frac{1}{10 \cdot 10 - 0 \cdot 0} \begin{bmatrix}10 & 0 \\ 0 & 10\end{bmatrix}",
        r"&= \frac{1}{100} \begin{bmatrix}10 & 0 \\ 0 & 10\end{bmatrix}"]
    assert hand_rows(ctx, printer, Key.parse("norm.men")) == []  # nothing to work by hand


def test_step_block_alone(ctx):
    assert StepWriter(ctx).step(Key.parse("det.men")) == "\n".join([
        r"\begin{align*}",
        r"\lvert\Sigma_c\rvert &= \begin{vmatrix} a & b \\ c & d \end{vmatrix} = ad - bc \tag*{\small general} \\[3pt]",
        r"\lvert \Sigma_{\text{men}} \rvert &= 10 \cdot 10 - 0 \cdot 0 \\",
        r"&= 100",
        r"\end{align*}"])


def test_step_equals_the_fragment(run, ctx):
    steps = StepWriter(ctx)
    for key in ("norm.women", "density.A.women", "mean.women", "cov.men"):
        assert steps.step(Key.parse(key)) + "\n" == latex_fragment(run, key)


def test_term_order_follows_points_then_components(run):
    order = StepTermOrder(run.problem)
    assert order.place(Key.parse("resp.C.men")) == (1, 2, 1)
    assert order.place(Key.parse("loglik")) == (1, -1, -1)
    order.track_inputs(run, Key.parse("evidence.A"))  # its inputs' exact forms place its terms
    women = run[Key.parse("joint.A.women")].exact
    assert order(women) == (1, 0, 0)


def test_long_sums_are_packed_into_lines():
    terms = [f"r_{{{i}}} x_{{{i}}}" for i in range(40)]
    lines = pack(terms)
    assert len(lines) > 1 and all(visible(x) <= LINE_WIDTH for x in lines)
    assert all(x.startswith("+ ") for x in lines[1:]) and " ".join(lines) == " + ".join(terms)
    assert pack(["a", "-b"]) == ["a -b"]  # a negative term brings its own sign


# -- claim marks --------------------------------------------------------------------------------
def _claim(index, key, written, verdict="correct", value="100", **more):
    key = Key.parse(key)
    fields = dict(carried_kind=None, carried_from=(), first_wrong=None, notes=())
    fields.update(more)
    return SimpleNamespace(claim=SimpleNamespace(index=index, key=key, written=parse_written(written), where=None),
                           verdict=verdict, entries=[SimpleNamespace(key=key, value=value)], **fields)


def test_a_mark_beside_its_step(ctx):
    marks = ClaimMarks(ctx, [_claim(0, "det.women", "100"), _claim(1, "norm.women", "62.8", "wrong", "62.8319",
                                                                   first_wrong=1)])
    assert marks.first_error == 1
    assert marks.mark(marks.checks[0]) == (
        r"\par\noindent\parbox{\linewidth}{{\small claim \#0}\quad \textcolor[rgb]{0,0.5,0}{\textbf{$\checkmark$ "
        r"correct}}: written $\lvert \Sigma_{\text{women}} \rvert = 100$; exact value $= 100$}\par")
    assert marks.beside("STEP", Key.parse("det.men")) == "STEP"  # no claim on det.men
    assert marks.beside("STEP", Key.parse("norm.women")).startswith(
        "STEP\n" r"\par\noindent\fcolorbox[rgb]{0.8,0,0}{1,0.92,0.92}")  # the first wrong step, boxed
    assert marks.marked == {1}
    assert marks.claim_value(marks.checks[1]) == r"\approx 62.8319"
    assert marks.claim_ref(1) == r"claim \#1 ($Z_{\text{women}} = 62.8$)"


def test_claims_summary(ctx):
    assert ClaimMarks(ctx, []).summary() == []
    summary = ClaimMarks(ctx, [_claim(0, "det.women", "100")]).summary()
    assert summary[0] == r"\section{The document's numbers}"
    assert summary[1].startswith("1 written numbers: 1 correct, 0 carried, 0 wrong.")
    assert r"\#0 & $\lvert \Sigma_{\text{women}} \rvert$ & $100$ & $= 100$ & " in summary[-4]


def test_written_numbers_keep_their_digits():
    assert written_latex(parse_written("0.50")) == "0.50"
    assert written_latex(parse_written("1.15e-29")) == r"1.15 \times 10^{-29}"
    assert written_latex(parse_written("1/3")) == r"\frac{1}{3}"


# -- iterations ---------------------------------------------------------------------------------
def test_findings_box_the_singular_covariance(run):
    box = findings(run, "cov.women")
    assert box[0] == r"\par\noindent\fcolorbox[rgb]{0.75,0.45,0}{1,0.97,0.9}{\parbox{0.96\linewidth}{"
    assert box[1].startswith(r"\textbf{Finding (singular-covariance).} cov.women is singular: rank 1 of 2.")
    assert box[-1] == r"}}\par"
    assert findings(run, "mean.women") == []


def test_log_likelihood_section_alone(ctx):
    writer = IterationWriter(ctx, StepWriter(ctx), ClaimMarks(ctx), Tables(ctx))
    section = writer.loglik_section(1)[1:]  # (after the \needspace that keeps the heading with its text)
    assert section[:2] == [r"\subsection*{Log-likelihood, iteration 1}",
                           "The log-likelihood of the parameters the iteration starts from:"]
    assert section[2].startswith(r"\begin{align*}" "\n" r"\ell(\theta) &=")
    assert section[3].startswith("The log-likelihood after the iteration does not exist")  # singular covariances


def test_parts_make_up_the_document(run, ctx):
    tex = latex_document(run, LatexOptions(layout="steps"))
    for part in (Tables(ctx).data_table(), Tables(ctx).responsibilities(1), findings(run, "cov.women")):
        if part[0].startswith(r"\needspace"):  # (dropped right after a heading, which has its own)
            part = part[1:]
        assert "\n".join(part) in tex
    assert StepWriter(ctx).step(Key.parse("outer.B.women")) in tex
