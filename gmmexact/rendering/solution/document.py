"""The whole article: preamble, title and introduction, the data and initial parameters, every
iteration, why the iterations stop, and the summary of a check's numbers; and one step alone as a
fragment to paste."""
from __future__ import annotations

from dataclasses import replace

from ...documents.source import CHAIN_DECLARATION
from ...engine.lookup import resolve
from ...model.errors import InputError
from ...model.keys import Key
from ..textbook import escape_text, shown_path
from .context import Context, LatexOptions, check_selection
from .figures import figure_block, write_figures
from .handout import HandoutWriter, heading
from .iteration import IterationWriter
from .marks import ClaimMarks
from .steps import StepWriter
from .tables import Tables

__all__ = ["LAYOUTS", "PACKAGES", "PREAMBLE", "latex_document", "latex_fragment", "notation_note"]

LAYOUTS = ("handout", "steps")

PACKAGES = ("amsmath", "amssymb", "xcolor", "booktabs", "array", "longtable", "geometry")
"""LaTeX packages a document uses (all in TeX Live's latex-base and latex-recommended sets); with
figures also ``graphicx`` (latex-base)."""

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
\allowdisplaybreaks
\makeatletter
\providecommand{\needspace}[1]{\par\begingroup\setlength{\dimen@}{#1}\vskip\z@\@plus\dimen@\penalty -100%
\vskip\z@\@plus -\dimen@\vskip\dimen@\penalty 9999\vskip -\dimen@\vskip\z@skip\endgroup}
\makeatother"""
"""The preamble. ``\\needspace{h}`` (as the needspace package defines it, which TeX Live keeps outside its
base sets) starts a new page unless ``h`` of the page is left: a heading is never left alone at its foot."""


def notation_note(iterations: int, variance: bool = False) -> str:
    """What the superscripts mean (one iteration shown, or several); ``variance``: d = 1, in σ² notation."""
    if variance:
        return notation_note(iterations).replace(r"\Sigma_c", r"\sigma_c^2").replace(
            r"$\sigma_c^2^{(t)}$", r"$(\sigma_c^{(t)})^2$").replace(r"$\sigma_c^2^{\text{new}}$",
                                                                   r"$(\sigma_c^{\text{new}})^2$")
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
    if ctx.options.title is not None:
        title = escape_text(ctx.options.title)
    else:
        title = rf"Worked EM solution: \texttt{{{escape_text(shown_path(source))}}}"
    if marked and ctx.options.claims_source:
        title += rf" \\ \large marked: \texttt{{{escape_text(shown_path(ctx.options.claims_source))}}}"
    return title


def _intro(ctx: Context, handout: bool) -> str:
    problem, options = ctx.problem, ctx.options
    t_word = "iteration" if ctx.iterations == 1 else "iterations"
    intro = rf"{ctx.iterations} EM {t_word} for a mixture of {problem.K} Gaussians, {problem.n} points in "
    intro += "one dimension. " if ctx.d == 1 else rf"$d = {ctx.d}$ dimensions. "
    if handout:
        intro += (r"Each step's general formula is stated once; then each point and component has its line: the "
                  r"formula with the values put in, the exact result and its decimal value. ")
    else:
        intro += (r"Every step is shown as its general formula, the formula for this point and component, the "
                  r"values substituted, the exact result, and its decimal value. ")
    intro += (rf"Every decimal digit is certified ({options.digits} significant "
              r"digits, proven by ball arithmetic); $=$ marks an exact value, $\approx$ a correctly rounded one.")
    intro += " " + notation_note(ctx.iterations, ctx.d == 1)
    if ctx.d == 1:
        intro += r" In one dimension each covariance is a variance $\sigma_c^2$."
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
    needs = (r"$\sigma_c$ and $1/\sigma_c^2$ of the variances" if ctx.d == 1 else
             r"$\lvert\Sigma_c\rvert^{1/2}$ and $\Sigma_c^{-1}$ of the covariances")
    return [heading("section*", "Why the iterations stop"),
            rf"Iteration {t} of the {ctx.options.iterations} asked for cannot be computed: its E-step needs "
            rf"{needs} from iteration {t - 1}, which are singular (rank {stop.rank} of {ctx.d}; the data satisfy "
            + " and ".join(escape_text(r) for r in stop.relations) + ")."]


def latex_document(run, options: LatexOptions = LatexOptions(), checks=None, after=None) -> str:
    r"""A complete, compilable LaTeX article working through the run's iterations.

    ``checks``: the verdicts of :meth:`gmmexact.checking.verdicts.Checker.check` on a document's claims, shown
    beside the steps they belong to and summarised at the end (such a document always has the full
    layout, ``carry_digits`` aside). ``after``: the same problem solved one iteration further, for the
    log-likelihood after the last iteration shown (only that is used).

    Building the text writes no file, except with ``options.figures``: the two pictures are then written
    (``<figure_stem>-data.pdf``, ``<figure_stem>-resp.pdf``) and the document includes them by file name.

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> tex = latex_document(run)
    >>> tex.startswith(r"\documentclass") and r"\frac{e^{-2/5}}{20 \pi}" in tex
    True
    """
    check_selection(run, options)
    if options.layout not in LAYOUTS:
        raise InputError(None, "layout", f"is {options.layout!r}", " or ".join(repr(x) for x in LAYOUTS))
    ctx = Context.of(run, options)
    marks, tables = ClaimMarks(ctx, checks), Tables(ctx)
    handout = options.layout == "handout" and not marks.checks
    if options.carry_digits is not None and handout:
        from .chain import ChainWriter  # noqa: PLC0415
        iterations = ChainWriter(ctx, tables, after)
    elif handout:
        iterations = HandoutWriter(ctx, StepWriter(ctx), tables, after)
    else:
        iterations = IterationWriter(ctx, StepWriter(ctx), marks, tables, after)
    figures = write_figures(run, ctx) if options.figures else None
    preamble = PREAMBLE + ("\n\\usepackage{graphicx}" if figures else "")
    body = [preamble, r"\begin{document}", rf"\title{{{_title(ctx, bool(marks.checks))}}}"]
    if options.carry_digits is not None and handout:  # the checker reads it back: rounding carried on purpose
        body.insert(0, CHAIN_DECLARATION.format(k=options.carry_digits))
    if options.author is not None:
        body.append(rf"\author{{{escape_text(options.author)}}}")
    body += [r"\date{}", r"\maketitle", _intro(ctx, handout)]
    body += tables.data_table()
    body += tables.initial_parameters()
    if figures:
        body += figure_block(figures.data, "The data, and each component's mean with its 1$\\sigma$ and 2$\\sigma$ "
                             "ellipses before (dashed) and after (solid) the iterations; points coloured by their "
                             "responsibilities." if ctx.d > 1 else "The data, and each component's weighted density "
                             "before (dashed) and after (solid) the iterations.")
    if figures:
        t = ctx.iterations
        iterations.after_responsibilities[t] = figure_block(
            figures.resp, f"The responsibilities $r_{{pc}}$ of iteration {t}, each point's bar split among the "
            "components in their colours (certified to 3 digits).")
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
