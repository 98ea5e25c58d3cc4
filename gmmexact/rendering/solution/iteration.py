"""One EM iteration of the document: the E-step (per component, then per point), the
responsibilities, the log-likelihood before and after, the M-step with its findings (a singular
covariance …) and the new parameters."""
from __future__ import annotations

from ...model.keys import Key
from ..textbook import escape_text
from .context import CertifiedValues, Context
from .layout import keep_together
from .marks import ClaimMarks
from .steps import StepWriter
from .tables import Tables

__all__ = ["NEEDSPACE", "IterationWriter", "findings"]

NEEDSPACE = r"\needspace{8\baselineskip}"
"""Before a heading: a new page unless this much of the page is left (never a heading alone at its foot)."""


class IterationWriter:
    """Writes iterations from the parts that write steps, claim marks and tables.

    ``after``: the same problem solved one iteration further (only its log-likelihood is used).
    """

    def __init__(self, ctx: Context, steps: StepWriter, marks: ClaimMarks, tables: Tables, after=None):
        self.ctx = ctx
        self.steps = steps
        self.marks = marks
        self.tables = tables
        self.after = after
        self.after_responsibilities: dict[int, list[str]] = {}  # lines after iteration t's responsibilities table

    def step(self, key: Key) -> str:
        """A step with its claims' marks below it."""
        return self.marks.beside(self.steps.step(key), key)

    def iteration(self, t: int) -> list[str]:
        """Iteration ``t``'s sections, as lines."""
        return keep_together(self._iteration(t))

    def _iteration(self, t: int) -> list[str]:
        ctx, step = self.ctx, self.step
        comps = [c for c in ctx.problem.component_names if c in ctx.components]
        points = ctx.points
        full = points if not ctx.options.compact else points[:1]
        out = [NEEDSPACE, rf"\section{{Iteration {t}: E-step}}"]
        if t > 1:
            out.append(rf"The parameters are those after iteration {t - 1}.")
        for c in comps:
            out += [NEEDSPACE, rf"\subsection{{Component {escape_text(c)}}}"]
            for kind in ("det", "inv", "norm"):
                out.append(step(Key(t, kind, None, c)))
        for p in full:
            out += [NEEDSPACE, rf"\subsection{{Point {escape_text(p)}}}"]
            for c in comps:
                for kind in ("quad", "exp", "density", "joint"):
                    out.append(step(Key(t, kind, p, c)))
            out.append(step(Key(t, "evidence", p)))
            for c in comps:
                out.append(step(Key(t, "resp", p, c)))
        if ctx.options.compact and len(points) > 1:
            out.append(r"\subsection{The other points}")
            out += self.tables.e_table(t, comps, full[0])
        out += [NEEDSPACE, r"\subsection{Responsibilities}"]
        out += self.tables.responsibilities(t)
        out += self.after_responsibilities.get(t, [])
        out += self.loglik_section(t)
        out += [NEEDSPACE, rf"\section{{Iteration {t}: M-step}}"]
        for c in comps:
            out += [NEEDSPACE, rf"\subsection{{Component {escape_text(c)}}}"]
            for kind in ("count", "weight", "mean"):
                out.append(step(Key(t, kind, None, c)))
            for p in full:
                for kind in ("dev", "outer"):
                    out.append(step(Key(t, kind, p, c)))
            if ctx.options.compact:
                out += self.tables.m_table(t, c, full[0] if full else None)
            key = Key(t, "cov", None, c)
            out.append(step(key))
            out += findings(ctx.run, str(key))
        out += [NEEDSPACE] + self.tables.new_parameters(t)
        return out

    def loglik_section(self, t: int) -> list[str]:
        """The log-likelihood of the parameters iteration ``t`` starts from, and after it where known."""
        ctx = self.ctx
        out = [NEEDSPACE, rf"\subsection*{{Log-likelihood, iteration {t}}}",
               r"The log-likelihood of the parameters the iteration starts from:"]
        key = Key(t, "loglik")
        out.append(self.step(key))
        after = Key(t + 1, "loglik")
        source = ctx.certified if t + 1 <= ctx.run.iterations else None
        if source is None and self.after is not None and t + 1 <= self.after.iterations:
            source = CertifiedValues(self.after, ctx.options.digits)
        if source is not None:
            before_v, after_v = ctx.certified.decimal(key), source.decimal(after)
            out.append(rf"After the iteration: ${ctx.notation.name(after)} \approx {after_v}$ "
                       rf"(before: ${ctx.notation.name(key)} \approx {before_v}$); EM never decreases it.")
        else:
            singular = [f for f in ctx.run.diagnostics if f.kind == "singular-covariance"
                        and f.key.startswith(f"iter{t}." if t > 1 else "cov.")]
            if singular:
                out.append(r"The log-likelihood after the iteration does not exist: the updated covariances are "
                           + (r"singular ($\sigma^2 = 0$)" if ctx.d == 1 else r"singular ($\lvert\Sigma\rvert = 0$)")
                           + r", so the Gaussian densities it needs are undefined "
                           r"(see the finding above).")
            else:
                out.append(r"The log-likelihood after the last iteration shown is not computed here "
                           r"(\texttt{--iterations} one higher computes it).")
        return out


def findings(run, key: str) -> list[str]:
    """The run's findings on quantity ``key`` (a singular or ill-conditioned covariance), each boxed
    with its explanation and advice."""
    out = []
    for f in run.diagnostics:
        if f.key != key or f.kind not in ("singular-covariance", "ill-conditioned", "float64-singular"):
            continue
        out += [r"\par\noindent\fcolorbox[rgb]{0.75,0.45,0}{1,0.97,0.9}{\parbox{0.96\linewidth}{",
                rf"\textbf{{Finding ({escape_text(f.kind)}).}} {escape_text(f.message)}"]
        if f.advice:
            out.append(r"\\ What to do: " + "; ".join(escape_text(a) for a in f.advice) + ".")
        out.append(r"}}\par")
    return out
