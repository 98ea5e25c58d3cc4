"""The whole article: preamble, title and introduction, the data and initial parameters, every
iteration, why the iterations stop, and the summary of a check's numbers; and one step alone as a
fragment to paste."""
from __future__ import annotations

from dataclasses import replace

from ...engine.lookup import resolve
from ...model.errors import InputError
from ...model.keys import Key
from ..textbook import escape_text, shown_path
from .context import Context, LatexOptions, check_selection
from .iteration import IterationWriter
from .marks import ClaimMarks
from .steps import StepWriter
from .tables import Tables

__all__ = ["PACKAGES", "PREAMBLE", "latex_document", "latex_fragment", "notation_note"]

PACKAGES = ("amsmath", "amssymb", "xcolor", "booktabs", "array", "longtable", "geometry")
"""LaTeX packages a document uses (all in TeX Live's latex-base and latex-recommended sets)."""

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[a4paper,margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage[table]{xcolor}
\usepackage{array}
\usepackage{booktabs}
\usepackage{longtable}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\allowdisplaybreaks"""


def notation_note(iterations: int) -> str:
    """What the superscripts mean (one iteration shown, or several)."""
    if iterations > 1:
        return (r"Notation: a superscript $(t)$ on a quantity of a step ($Z_c^{(t)}$, $q_{pc}^{(t)}$, "
                r"$r_{pc}^{(t)}$, $m_c^{(t)}$, $p^{(t)}(x_p)$) means it is computed in iteration $t$; on the "
                r"parameters ($\mu_c^{(t)}$, $\Sigma_c^{(t)}$, $\pi_c^{(t)}$, $\theta^{(t)}$) it means the "
                r"values after iteration $t$, so iteration $t$ starts from $\theta^{(t-1)}$ and $\theta^{(0)}$ "
                r"are the initial parameters. $\ell(\theta^{(t)})$ is the log-likelihood of $\theta^{(t)}$, "
                r"computed in the E-step of iteration $t+1$.")
    return (r"Notation: $\mu_c$, $\Sigma_c$, $\pi_c$ ($\theta$) are the initial parameters; "
            r"$\mu_c^{\text{new}}$, $\Sigma_c^{\text{new}}$, $\pi_c^{\text{new}}$ ($\theta^{\text{new}}$) the "
            r"parameters after the iteration.")


def _title(ctx: Context, marked: bool) -> str:
    source = ctx.options.source or ctx.problem.source or "problem"
    title = rf"Worked EM solution: \texttt{{{escape_text(shown_path(source))}}}"
    if marked and ctx.options.claims_source:
        title += rf" \\ \large marked: \texttt{{{escape_text(shown_path(ctx.options.claims_source))}}}"
    return title


def _intro(ctx: Context) -> str:
    problem, options = ctx.problem, ctx.options
    t_word = "iteration" if ctx.iterations == 1 else "iterations"
    intro = (rf"{ctx.iterations} EM {t_word} for a mixture of {problem.K} Gaussians, "
             rf"{problem.n} points in $d = {ctx.d}$ dimensions. Every step is shown as its general "
             r"formula, the formula for this point and component, the values substituted, the exact result, "
             rf"and its decimal value. Every decimal digit is certified ({options.digits} significant "
             r"digits, proven by ball arithmetic); $=$ marks an exact value, $\approx$ a correctly rounded one.")
    intro += " " + notation_note(ctx.iterations)
    if options.compact:
        intro += " Compact mode: one point in full, the others in tables."
    if options.points and len(ctx.points) < problem.n:
        intro += " Points shown: " + ", ".join(escape_text(p) for p in ctx.points) + "."
    return intro


def _why_stopped(ctx: Context) -> list[str]:
    """Why fewer iterations are shown than were asked for ([] when none are missing)."""
    stop = ctx.run.stopped
    if stop is None or ctx.iterations >= (ctx.options.iterations or ctx.iterations):
        return []
    t = ctx.iterations + 1
    return [r"\section*{Why the iterations stop}",
            rf"Iteration {t} of the {ctx.options.iterations} asked for cannot be computed: its E-step needs "
            rf"$\lvert\Sigma_c\rvert^{{1/2}}$ and $\Sigma_c^{{-1}}$ of the covariances from iteration {t - 1}, "
            rf"which are singular (rank {stop.rank} of {ctx.d}; the data satisfy "
            + " and ".join(escape_text(r) for r in stop.relations) + ")."]


def latex_document(run, options: LatexOptions = LatexOptions(), checks=None, after=None) -> str:
    r"""A complete, compilable LaTeX article working through the run's iterations.

    ``checks``: the verdicts of :meth:`gmmexact.checking.verdicts.Checker.check` on a document's claims, shown
    beside the steps they belong to and summarised at the end. ``after``: the same problem solved one
    iteration further, for the log-likelihood after the last iteration shown (only that is used).

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> tex = latex_document(run)
    >>> tex.startswith(r"\documentclass") and r"\frac{e^{-2/5}}{20 \pi}" in tex
    True
    """
    check_selection(run, options)
    ctx = Context.of(run, options)
    marks, tables = ClaimMarks(ctx, checks), Tables(ctx)
    iterations = IterationWriter(ctx, StepWriter(ctx), marks, tables, after)
    body = [PREAMBLE, r"\begin{document}", rf"\title{{{_title(ctx, bool(marks.checks))}}}", r"\date{}", r"\maketitle",
            _intro(ctx)]
    body += tables.data_table()
    body += tables.initial_parameters()
    for t in range(1, ctx.iterations + 1):
        body += iterations.iteration(t)
    body += _why_stopped(ctx)
    body += marks.summary()
    body.append(r"\end{document}")
    return "\n".join(body) + "\n"


def latex_fragment(run, key: str | Key, options: LatexOptions = LatexOptions(), checks=None) -> str:
    r"""One step as an ``align*`` block to paste into a document (needs amsmath; amssymb and xcolor
    when claims are marked).

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> print(latex_fragment(run, "norm.women"), end="")
    \begin{align*}
    Z_c &= (2\pi)^{d/2} |\Sigma_c|^{1/2} \tag*{\small general} \\[3pt]
    Z_{\text{women}} &= 2 \pi \sqrt{\lvert \Sigma_{\text{women}} \rvert} \\
    &= 2 \pi \sqrt{100} \\
    &= 20 \pi \\
    &\approx 62.8319
    \end{align*}
    """
    try:
        parsed = resolve(run.plan, key)
    except (KeyError, ValueError) as e:
        raise InputError(None, "--step", f"{key!s} is not a quantity of this problem ({e})",
                         "a key such as density.A.women, cov.women or iter2.resp.B.men "
                         "(gmmexact claims-template lists them all)") from None
    if parsed.entry:
        parsed = parsed.whole
    shown = max(options.iterations or run.iterations, parsed.iteration)  # a later iteration's names carry it
    ctx = Context.of(run, replace(options, iterations=shown))
    return ClaimMarks(ctx, checks).beside(StepWriter(ctx).step(parsed), parsed) + "\n"
