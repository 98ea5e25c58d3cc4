r"""The hand-out layout of an iteration: each step's general formula stated once, then one line per
point and component, ``name = formula with the values put in = exact ≈ certified decimal``.

The E-step reads: the determinants, inverses and normalising constants of the components; the
quadratic forms (x − μ, Σ⁻¹(x − μ), their product); the exponentials, densities and joint
probabilities; the evidence and responsibilities of each point, with their table; the
log-likelihood. The M-step: counts and weights, means, deviations and outer products, covariances
(with their findings) and the new parameters. Every form comes from the same
:class:`~.steps.StepWriter` as the full layout, so nothing is left out that a step shows there but
the repetition: the per-point definition restating the general formula, and the general formula
itself on every step.

Lines are packed: the forms of one step follow each other on one display line while it stays within
:data:`~.layout.LINE_WIDTH` visible characters, and go on below where it does not.
"""
from __future__ import annotations

from fractions import Fraction

from ...model.keys import Key
from ..textbook import matrix
from .context import CertifiedValues, Context
from .formatting import all_exact, array
from .general import general_row
from .handworked import quad_parts, slashed
from .iteration import findings
from .layout import LINE_WIDTH, MAX_WIDTH, keep_together, visible
from .steps import StepForms, StepWriter
from .tables import Tables

__all__ = ["HandoutWriter", "heading", "pack_forms"]

# which forms a step shows in the hand-out: the definition over the names of its inputs restates the
# general formula, except where it is short and the way the step is worked (π = m/n); the long exact forms
# of the M-step (sums of logistic terms) are left to the counts' line, where they are short
_FORMS = {
    "weight": dict(definition=True, substituted=False, exact=False, decimals=True),
    "mean": dict(definition=False, substituted=False, exact=False, decimals=True),
    "cov": dict(definition=False, substituted=False, exact=False, decimals=True),
    "dev": dict(definition=False, substituted=False, exact=True, decimals=True),
    "outer": dict(definition=False, substituted=False, exact=False, decimals=True),
}
_DEFAULT = dict(definition=False, substituted=True, exact=True, decimals=None)
HEADING_ROOM = r"8\baselineskip"  # a heading starts a new page unless this much of the page is left
APPROX = r"\approx"


def heading(command: str, title: str, room: str = HEADING_ROOM) -> str:
    r"""A section heading kept with what follows it (``\needspace``: never alone at the foot of a page).

    >>> heading("subsection", "Means")
    '\\needspace{8\\baselineskip}\n\\subsection{Means}'
    """
    return rf"\needspace{{{room}}}" + "\n" + rf"\{command}{{{title}}}"


NAME_ROOM = 24  # visible characters of the name column; a longer name stands on a line of its own


def pack_forms(form: StepForms, width: int = LINE_WIDTH) -> list[str]:
    r"""A step's forms as align rows, as many on one line as fit in ``width`` visible characters.

    >>> rows = [["&= 2 \\pi \\sqrt{100}"], ["&= 20 \\pi"], ["&\\approx 62.8319"]]
    >>> print(pack_forms(StepForms(Key.parse("norm.women"), "Z", rows, [], False))[0])
    Z &= 2 \pi \sqrt{100} = 20 \pi \approx 62.8319
    """
    return pack_block([form], width)


def _pack_groups(groups: list[list[str]], budget: int) -> list[str]:
    """Groups of rows (each starting ``&rel``) joined on as few rows as fit in ``budget``."""
    rows: list[str] = []
    current = None
    for group in groups:
        if len(group) == 1 and current is not None and visible(current) + visible(group[0]) <= budget:
            current += " " + group[0][1:]  # the form's relation without its alignment point
            continue
        if current is not None:
            rows.append(current)
        rows += group[:-1]
        current = group[-1]
    if current is not None:
        rows.append(current)
    return rows


def pack_block(forms: list[StepForms], width: int = MAX_WIDTH, name_room: int = NAME_ROOM) -> list[str]:
    r"""Steps as the rows of one align block: a name column as wide as the longest name in it of at most
    ``name_room`` visible characters, each step's forms packed into what is left of ``width``; a longer
    name stands on a line of its own above its forms, and every name does in a block with a form wider than
    what the name column leaves (the column is then empty). A step
    marked ``beside`` goes after the step before it on the same line when both fit
    (``x − μ = …, \quad Σ⁻¹(x − μ) = …``), and its name is then not in the name column."""
    alone = {id(f) for f in forms if visible(f.lhs) > name_room}  # names on a line of their own
    beside = True
    for _ in range(4):  # (each pass can only move names out of the column: it settles)
        room = max((visible(f.lhs) for f in forms if id(f) not in alone and not (f.beside and beside)), default=0)
        rows, separate, wide = _place(forms, width - room, alone, beside)
        if separate and beside:  # a step meant to stand beside another has a line of its own
            beside = False
            continue
        if not wide - alone:
            return rows
        alone = {id(f) for f in forms}  # a form as wide as the line: the name column left empty
    return rows


def _place(forms: list[StepForms], budget: int, alone: set, beside: bool = True) -> tuple[list[str], list, set]:
    """The rows of :func:`pack_block` for a right-hand side of ``budget`` visible characters; the steps
    marked ``beside`` that took a line of their own; the steps with a row wider than ``budget``."""
    rows: list[str] = []
    separate, wide = [], set()
    last_single = None  # the width of the last step's right-hand side when it took one row
    for form in forms:
        packed = _pack_groups(form.groups, budget) or ["&"]
        if max(visible(r) for r in packed) > budget:
            wide.add(id(form))
        if form.beside and beside and last_single is not None and len(packed) == 1 \
                and last_single + visible(form.lhs) + visible(packed[0]) + 4 <= budget:
            rows[-1] += r", \quad " + form.lhs + " " + packed[0][1:]
            last_single = None
            continue
        if form.beside:
            separate.append(form)
        if id(form) in alone:
            rows.append(f"&{form.lhs}")
            rows += packed
            last_single = None
        else:
            rows.append(form.lhs + " " + packed[0])
            rows += packed[1:]
            last_single = visible(packed[0]) if len(packed) == 1 else None
    return rows, separate, wide


def _align(rows: list[str], gap: str = "") -> list[str]:
    """Rows as one ``align*`` block (``gap``: the extra space between rows that start a new step)."""
    if not rows:
        return []
    out = [r"\begin{align*}"]
    for i, row in enumerate(rows):
        if i == len(rows) - 1:
            out.append(row)
        else:
            next_starts = not rows[i + 1].startswith("&")
            out.append(row + (rf" \\[{gap}]" if gap and next_starts else r" \\"))
    out.append(r"\end{align*}")
    return out


class HandoutWriter:
    """Writes iterations in the hand-out layout (see the module header).

    ``after``: the same problem solved one iteration further (only its log-likelihood is used).
    """

    def __init__(self, ctx: Context, steps: StepWriter, tables: Tables, after=None):
        self.ctx = ctx
        self.steps = steps
        self.tables = tables
        self.after = after
        self.after_responsibilities: dict[int, list[str]] = {}  # lines after iteration t's responsibilities table

    # -- pieces -------------------------------------------------------------------------------
    def forms(self, key: Key) -> list[StepForms]:
        """One step's forms as the hand-out shows them (a quadratic form: three lines, see :meth:`quad`)."""
        if key.kind == "quad" and self.ctx.d > 1:
            forms = self.quad(key)
            if forms:
                return forms
        spec = _FORMS.get(key.kind, _DEFAULT)
        if key.kind == "dev" and self.ctx.d > 1:
            spec = dict(spec, exact=False)
        form = self.steps.forms(key, **spec)
        if len(form.groups) <= 1 and spec is not _DEFAULT:  # (no row of decimals: the model's own forms instead)
            form = self.steps.forms(key)
        return [form]

    def general(self, keys: list[Key]) -> list[str]:
        """The general formulas of the steps of ``keys`` (one of each kind), as one display."""
        rows, seen = [], set()
        for key in keys:
            if key.kind in seen:
                continue
            seen.add(key.kind)
            if self.ctx.d == 1 and key.kind == "det":
                continue  # d = 1: the variance is its own determinant
            rows.append(general_row(self.ctx.run, key, tag=r"\tag*{general}"))
        return _align(rows, gap="2pt")

    def block(self, keys: list[Key]) -> list[str]:
        """The steps of ``keys`` as one display, their remarks below it."""
        forms = [f for key in keys for f in self.forms(key)]
        remarks = [r for f in forms for r in f.remarks()]
        return _align(pack_block(forms), gap="3pt") + list(dict.fromkeys(remarks))

    def section(self, title: str, keys: list[Key], groups: list[list[Key]], intro: str | None = None) -> list[str]:
        """A subsection: its general formulas once, then the steps, one display per group."""
        out = [heading("subsection", title)]
        if intro:
            out.append(intro)
        out += self.general(keys)
        for group in groups:
            out += self.block(group)
        return out

    # -- an iteration -------------------------------------------------------------------------
    def iteration(self, t: int) -> list[str]:
        """Iteration ``t``'s sections, as lines."""
        return keep_together(self._iteration(t))

    def _iteration(self, t: int) -> list[str]:
        ctx = self.ctx
        comps = [c for c in ctx.problem.component_names if c in ctx.components]
        points = ctx.points
        full = points if not ctx.options.compact else points[:1]
        one = ctx.d == 1
        out = [heading("section", f"Iteration {t}: E-step")]
        if t > 1:
            out.append(rf"The parameters are those after iteration {t - 1}.")
        kinds = ("det", "inv", "norm")
        out += self.section("Variances and normalising constants" if one else
                            "Determinants, inverses and normalising constants",
                            [Key(t, k, None, c) for c in comps[:1] for k in kinds],
                            [[Key(t, k, None, c) for k in kinds] for c in comps])
        quad = [[Key(t, "quad", p, c) for c in comps] for p in full]
        out += self.section("Quadratic forms", [Key(t, "quad", full[0], comps[0])] if full and comps else [], quad,
                            None if one else self.quad_intro())
        kinds = ("exp", "density", "joint")
        out += self.section("Densities", [Key(t, k, p, c) for p in full[:1] for c in comps[:1] for k in kinds],
                            [[Key(t, k, p, c) for c in comps for k in kinds] for p in full])
        if ctx.options.compact and len(points) > 1:
            out += self.tables.e_table(t, comps, full[0])
        resp = [[Key(t, "evidence", p)] + [Key(t, "resp", p, c) for c in comps] for p in full]
        out += self.section("Responsibilities", resp[0][:2] if resp and comps else [], resp)
        out += self.tables.responsibilities(t)
        out += self.after_responsibilities.get(t, [])
        out += self.loglik(t)
        out.append(heading("section", f"Iteration {t}: M-step"))
        kinds = ("count", "weight")
        out += self.section("Counts and weights", [Key(t, k, None, c) for c in comps[:1] for k in kinds],
                            [[Key(t, k, None, c) for c in comps for k in kinds]])
        out += self.section("Means", [Key(t, "mean", None, c) for c in comps[:1]],
                            [[Key(t, "mean", None, c)] for c in comps])
        pairs = [[Key(t, k, p, c) for p in full for k in ("dev", "outer")] for c in comps]
        out += self.section("Deviations and outer products",
                            [Key(t, k, p, c) for p in full[:1] for c in comps[:1] for k in ("dev", "outer")], pairs)
        if ctx.options.compact:
            for c in comps:
                out += self.tables.m_table(t, c, full[0] if full else None)
        out += [heading("subsection", "Covariances" if not one else "Variances")]
        out += self.general([Key(t, "cov", None, c) for c in comps[:1]])
        for c in comps:
            key = Key(t, "cov", None, c)
            out += self.block([key])
            out += findings(ctx.run, str(key))
        out += [rf"\needspace{{{HEADING_ROOM}}}"] + self.tables.new_parameters(t)
        return out

    def quad(self, key: Key) -> list[StepForms]:
        r"""A quadratic form worked by hand: ``x_p − μ_c`` and ``Σ_c⁻¹(x_p − μ_c)`` (on one line where they
        fit), then ``q_pc`` as their product, its terms, the exact value and the certified decimal ([] where
        the pieces cannot be shown: :func:`~.handworked.quad_parts`)."""
        ctx, n = self.ctx, self.ctx.notation
        parts = quad_parts(ctx, key, inline=True)
        if parts is None:
            return []
        t, problem = key.iteration, ctx.problem
        pi, ci = problem.point_index[key.point], problem.component_index[key.component]
        c, start = n.comp(key.component), n.params(t - 1)
        dev_name = rf"{n.point(key.point)} - \mu_{{{c}}}{start}"
        inv_name = n.name(Key(t, "inv", None, key.component))
        col = lambda entries: matrix([[e] for e in entries])  # noqa: E731
        if t == 1:
            x = col([n.number(v, ("point", pi, j)) for j, v in enumerate(problem.points[pi])])
            mean = col([n.number(v, ("mean", ci, j)) for j, v in enumerate(problem.components[ci].mean)])
            inv = ctx.run[Key(1, "inv", None, key.component)].exact
            inverse = matrix([[slashed(Fraction(int(inv[i, j].p), int(inv[i, j].q))) for j in range(ctx.d)]
                              for i in range(ctx.d)])
            dev = [[rf"&= {x} - {mean}"], [rf"&= {col(parts.dev)}"]]
            solved = [[rf"&= {inverse} {col(parts.dev)}"], [rf"&= {col(parts.solved)}"]]
        else:
            dev = [[rf"&\approx {col(parts.dev)}"]]
            solved = [[rf"&\approx {col(parts.solved)}"]]
        q = [[rf"&{parts.rel} {parts.row()}"]]
        if parts.terms:
            q.append([rf"&= {parts.terms}"])
        exact = ctx.run[key].exact
        values = ctx.certified.values(key)
        if t == 1 and exact.is_Rational:
            q.append([rf"&= {self.steps.printer.doprint(exact)}"])
            if not exact.is_Integer:
                rel = "=" if all_exact(values) else APPROX
                q.append([rf"&{rel} {array(values)}"])
        else:
            q.append([rf"&\approx {array(values)}"])
        solved_form = StepForms(key, rf"{inv_name}({dev_name})", solved, [], False, beside=True)
        return [StepForms(key, dev_name, dev, [], False), solved_form, StepForms(key, n.name(key), q, [], False)]

    def quad_intro(self) -> str:
        return (r"Each line works $x_p - \mu_c$ first, then the vector $\Sigma_c^{-1}(x_p - \mu_c)$, and "
                r"$q_{pc}$ as the product of the two.")

    def loglik(self, t: int) -> list[str]:
        """The log-likelihood of the parameters iteration ``t`` starts from, and after it where known."""
        ctx = self.ctx
        key = Key(t, "loglik")
        out = [heading("subsection", "Log-likelihood"),
               r"The log-likelihood of the parameters the iteration starts from:"]
        out += self.general([key])
        out += self.block([key])
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
                zero = r"$\sigma^2 = 0$" if ctx.d == 1 else r"$\lvert\Sigma\rvert = 0$"
                out.append(r"The log-likelihood after the iteration does not exist: the updated covariances are "
                           rf"singular ({zero}), so the Gaussian densities it needs are undefined "
                           r"(see the finding below).")
            else:
                out.append(r"The log-likelihood after the last iteration shown is not computed here "
                           r"(\texttt{--iterations} one higher computes it).")
        return out
