"""The document's tables: the data, the initial and new parameters, the responsibilities and, in
compact mode, the other points' E-step (quadratic forms, densities) and M-step (deviations)."""
from __future__ import annotations

from ...model.keys import Key
from ..textbook import escape_text, matrix
from .context import Context
from .formatting import array, padded, row_vector

__all__ = ["TABLE_COMPONENTS", "Tables", "longtable", "parameters_table"]

TABLE_COMPONENTS = 3  # components per table in compact mode (keeps tables within the page width)


def longtable(caption: str, header: list[str], rows: list[list[str]], small: bool = False) -> list[str]:
    r"""A captioned ``longtable`` (first column left, the others centred) as lines.

    >>> print("\n".join(longtable("Two", ["a", "b"], [["1", "2"]])))
    \needspace{6\baselineskip}
    \noindent Two\par
    \begin{longtable}{lc}
    \toprule
    a & b \\
    \midrule
    \endhead
    1 & 2 \\
    \bottomrule
    \end{longtable}
    """
    cols = "l" + "c" * (len(header) - 1)
    out = [rf"\begin{{longtable}}{{{cols}}}", r"\toprule", " & ".join(header) + r" \\", r"\midrule", r"\endhead"]
    out += [" & ".join(r) + r" \\" for r in rows]
    out += [r"\bottomrule", r"\end{longtable}"]
    if small:
        out = [r"{\small\setlength{\tabcolsep}{4pt}"] + out + ["}"]
    return [r"\needspace{6\baselineskip}", r"\noindent " + caption + r"\par"] + out


def parameters_table(title: str, rows, variance: bool = False) -> list[str]:
    """The parameters table below ``title``: rows of (component name, mean, covariance, weight) in LaTeX
    (``variance``: d = 1, the covariance column headed as the variance σ_c²)."""
    cov = r"variance $\sigma_c^2$" if variance else r"covariance $\Sigma_c$"
    out = [title, r"\begin{longtable}{lccc}", r"\toprule",
           rf"component & mean $\mu_c$ & {cov} & weight $\pi_c$ \\", r"\midrule", r"\endhead"]
    for name, mean, cov, weight in rows:
        out.append(rf"{escape_text(name)} & ${mean}$ & ${cov}$ & ${weight}$ \\[8pt]")
    out += [r"\bottomrule", r"\end{longtable}"]
    return out


class Tables:
    r"""Writes the tables of a run's document (each as a list of lines).

    >>> import gmmexact
    >>> from gmmexact.rendering.solution.context import LatexOptions
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> print(Tables(Context.of(run, LatexOptions())).data_table()[6])
    A & $160$ & $55$ \\
    """

    def __init__(self, ctx: Context, values_note: str | None = None):
        self.ctx = ctx
        self.values_note = values_note  # how the values were found (default: certified to the document's digits)

    def data_table(self) -> list[str]:
        problem, number = self.ctx.problem, self.ctx.notation.number
        cols = "l" + "r" * problem.d
        head = " & ".join(["point"] + [escape_text(v) for v in problem.variables])
        out = [r"\section*{Data}", rf"\begin{{longtable}}{{{cols}}}", r"\toprule", head + r" \\", r"\midrule",
               r"\endhead"]
        for i, (label, x) in enumerate(zip(problem.labels, problem.points)):
            out.append(" & ".join([escape_text(label)] + [f"${number(v, ('point', i, j))}$" for j, v in enumerate(x)])
                       + r" \\")
        out += [r"\bottomrule", r"\end{longtable}"]
        return out

    def initial_parameters(self) -> list[str]:
        problem, d, f = self.ctx.problem, self.ctx.d, self.ctx.notation.number
        rows = []
        for c, comp in enumerate(problem.components):
            mean = matrix([[f(v, ("mean", c, j))] for j, v in enumerate(comp.mean)]) if d > 1 \
                else f(comp.mean[0], ("mean", c, 0))
            cov = matrix([[f(v, ("cov", c, i, j)) for j, v in enumerate(row)] for i, row in enumerate(comp.covariance)]) \
                if d > 1 else f(comp.covariance[0][0], ("cov", c, 0, 0))
            rows.append((comp.name, mean, cov, f(comp.weight, ("weight", c))))
        model = (r"The model: $p(x) = \sum_{c=1}^{K} \pi_c \, \mathcal{N}(x \mid \mu_c, "
                 + (r"\sigma_c^2" if d == 1 else r"\Sigma_c") + r")$ with "
                 rf"$K = {problem.K}$ components in $d = {d}$ dimensions.")
        return parameters_table(r"\needspace{8\baselineskip}" + "\n" + r"\section*{Initial parameters}" + "\n" + model,
                                rows, d == 1)

    def new_parameters(self, t: int) -> list[str]:
        """The parameters after iteration ``t``, every entry to the same significant digits (an exact value
        too, padded with zeros: 165.000 beside 60.0000, never 165)."""
        names, certified = self.ctx.problem.component_names, self.ctx.certified
        keys = [Key(t, k, None, c) for c in names for k in ("mean", "cov", "weight")]
        certified.round(keys)
        rows = []
        for c in names:
            rows.append(tuple([c] + [array(certified.values(Key(t, k, None, c)), padded) for k in ("mean", "cov", "weight")]))
        digits = getattr(self.ctx.certified, "digits", self.ctx.options.digits)
        note = self.values_note or f"certified to {digits} significant digits"
        title = (rf"\subsection*{{New parameters after iteration {t}}}" + "\n"
                 + note[0].upper() + note[1:] + f"; every entry shows all {digits}.")
        return parameters_table(title, rows, self.ctx.d == 1)

    def responsibilities(self, t: int) -> list[str]:
        """Every point's responsibilities in iteration ``t`` (at most 6 components per table)."""
        problem, notation, certified = self.ctx.problem, self.ctx.notation, self.ctx.certified
        names = problem.component_names
        keys = [Key(t, "resp", p, c) for p in problem.labels for c in names]
        certified.round(keys)
        out = []
        for chunk in _chunks(list(names), 2 * TABLE_COMPONENTS):
            header = ["point"] + ([escape_text(v) for v in problem.variables] if len(names) <= 2 * TABLE_COMPONENTS else []) \
                + [f"$r_{{p,{notation.comp(c)}}}{notation.it(t)}$" for c in chunk]
            rows = []
            for i, (p, x) in enumerate(zip(problem.labels, problem.points)):
                coords = ([f"${notation.number(v, ('point', i, j))}$" for j, v in enumerate(x)]
                          if len(names) <= 2 * TABLE_COMPONENTS else [])
                rows.append([escape_text(p)] + coords + [f"${certified.decimal(Key(t, 'resp', p, c))}$" for c in chunk])
            note = self.values_note or f"certified, {self.ctx.options.digits} digits"
            out += longtable(rf"\textbf{{Responsibilities}} $r_{{pc}}$ (iteration {t}; {note})", header, rows)
        return out

    def e_table(self, t: int, components: list[str], skip: str | None) -> list[str]:
        """Compact mode: every point's quadratic forms and densities, in tables."""
        notation, certified = self.ctx.notation, self.ctx.certified
        labels = [p for p in self.ctx.points if p != skip]
        if not labels:
            return []
        # every number a responsibility is computed from, so that a calculator chain can be followed
        kinds = ("quad", "exp", "density", "joint")
        certified.round([Key(t, k, p, c) for p in labels for c in components for k in kinds]
                        + [Key(t, "evidence", p) for p in labels])
        out = []
        chunks = _chunks(components, 1)  # four columns per component: one component per table fits the page
        for n, chunk in enumerate(chunks):
            header = ["point"]
            for c in chunk:
                sigma = rf"\sigma_{{{notation.comp(c)}}}^2" if self.ctx.d == 1 else rf"\Sigma_{{{notation.comp(c)}}}"
                density = rf"\mathcal{{N}}(x_p \mid \mu_{{{notation.comp(c)}}}, {sigma})"
                header += [f"$q_{{p,{notation.comp(c)}}}$", f"$e^{{-q_{{p,{notation.comp(c)}}}/2}}$", f"${density}$",
                           rf"$\pi_{{{notation.comp(c)}}} \, {density}$"]
            last = n == len(chunks) - 1
            if last:
                header.append("$p(x_p)$")
            rows = [[escape_text(p)] + [f"${certified.decimal(Key(t, k, p, c))}$" for c in chunk for k in kinds]
                    + ([f"${certified.decimal(Key(t, 'evidence', p))}$"] if last else []) for p in labels]
            out += longtable(rf"\textbf{{The other points}} (iteration {t}): quadratic forms, $e^{{-q/2}}$, "
                             r"densities, weighted densities and the evidence, computed as for the point above.",
                             header, rows)
        return out

    def m_table(self, t: int, component: str, skip: str | None) -> list[str]:
        """Compact mode: the other points' deviations from the new mean of ``component``."""
        notation, certified = self.ctx.notation, self.ctx.certified
        labels = [p for p in self.ctx.points if p != skip]
        if not labels:
            return []
        certified.round([Key(t, k, p, component) for p in labels for k in ("dev", "outer")])
        c = notation.comp(component)
        dev = rf"(x_p - \mu_{{{c}}}{notation.params(t)})"
        header = ["point", rf"${dev}^{{\top}}$", rf"${dev}{dev}^{{\top}}$"]
        rows = [[escape_text(p), f"${row_vector(certified.values(Key(t, 'dev', p, component)))}$",
                 f"${array(certified.values(Key(t, 'outer', p, component)))}$"] for p in labels]
        return longtable(rf"\textbf{{The other points}}: deviations from the new mean of {escape_text(component)} "
                         r"and their outer products.", header, rows)


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]
