"""Findings about covariances: exact singularity of the updated covariances (with the linear
relations the data satisfy, in the problem's variable names) and certified condition numbers.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction

import flint
from flint import acb_mat, arb, arb_mat

from ..model import linalg
from ..engine.exact import ExactPlan
from .rounding import round_arb


@dataclass(frozen=True)
class Finding:
    """One diagnostic, with a message a user can act on."""

    kind: str  # "singular-covariance" | "conditioning" | "ill-conditioned" | "float64-singular" | "stopped"
    key: str  # the quantity it is about, e.g. "cov.women" or "iter2.det.women"
    message: str
    rank: int | None = None
    relations: tuple[str, ...] = ()
    condition: str | None = None  # certified condition number (2-norm), 3 digits
    digits_lost: int | None = None
    advice: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


ADVICE = (
    "regularise: add λ·I to each covariance (scikit-learn's reg_covar does this), and say which λ",
    "use fewer parameters: a tied, diagonal or spherical covariance, or fewer components",
    "remove the redundancy in the data: drop a variable that is a linear function of the others, "
    "or duplicate/collinear points",
)


def _prefix(t: int) -> str:
    return "" if t == 1 else f"iter{t}."


def singular_findings(plan: ExactPlan) -> list[Finding]:
    """The updated covariances that are exactly singular, with the rank and the relations behind it.

    Which ones depends on the covariance type (``exact.updated_ranks``): ``full`` and ``tied`` are
    singular when the data lie in a proper affine subspace (that the means lie in too); ``diag`` when
    some variable is constant over the points; ``spherical`` only when every point is the same.
    """
    deg = plan.degeneracy
    if deg is None:
        return []
    problem = plan.problem
    out = []
    for it in plan.iterations:
        for c, name in enumerate(problem.component_names):
            rank = deg.ranks[c] if deg.ranks else deg.dimension
            if rank == deg.ambient:
                continue
            key = f"{_prefix(it.t)}cov.{name}"
            pairs = deg.component_relations[c] if deg.component_relations else deg.relations
            rels = tuple(linalg.format_relation(a, b, problem.variables) for a, b in pairs)
            msg = f"{key} is singular: rank {rank} of {deg.ambient}. " + _why(plan, c, rank, rels)
            out.append(Finding("singular-covariance", key, msg, rank=rank, relations=rels, advice=ADVICE))
    return out


def _why(plan: ExactPlan, c: int, rank: int, rels: tuple[str, ...]) -> str:
    """Why one component's updated covariance has this rank, in the variables' names."""
    problem, deg = plan.problem, plan.degeneracy
    kind, n, o = problem.covariance_type, problem.n, problem.count_offset
    where, that = {0: ("a single point", "that point"), 1: ("a line", "that line"), 2: ("a plane", "that plane")}.get(
        rank, (f"a {rank}-dimensional affine subspace", "that subspace"))
    tail = (f"|Σ| = 0 and Σ⁻¹ does not exist: the Gaussian density with this covariance does not exist, the "
            f"next E-step is undefined, and the likelihood is unbounded (a component squeezed onto {that} "
            f"has density growing without limit).")
    if kind == "full" and not o and "mean" not in problem.fixed:
        return (f"All {n} points satisfy {' and '.join(rels)} (they lie on {where}); every responsibility is "
                f"strictly positive, so the updated covariance spans exactly the directions the data span, "
                f"whatever the responsibilities. " + tail)
    if kind == "diag":
        names = [problem.variables[next(i for i, v in enumerate(a) if v)] for a, _ in deg.component_relations[c]]
        which = " and ".join(names)
        zero = (f", and with count_offset = {o} > 0 the updated mean (m_c/(m_c + {o}) times the weighted mean of "
                f"the points) is 0 in {'it' if len(names) == 1 else 'them'} too") if o else ""
        return (f"covariance_type = \"diag\": the updated variance of {which} is exactly 0, because all {n} points "
                f"satisfy {' and '.join(rels)}{zero}; every responsibility is strictly positive, so this holds "
                f"whatever the responsibilities. " + tail)
    if kind == "spherical":
        return (f"covariance_type = \"spherical\": σ² = tr(Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ)/(d·m_c) is exactly 0, "
                f"because all {n} points are the same point ({' and '.join(rels)}) and the updated mean is that "
                f"point too. " + tail)
    pooled = ("covariance_type = \"tied\": the shared covariance pools every component's scatter "
              "Σ_c Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ, so it spans the directions of every x_p − μ_c. " if kind == "tied" else "")
    means = ("the fixed mean" + ("s lie" if kind == "tied" else " lies") if "mean" in problem.fixed else
             f"with count_offset = {o} the updated mean m_c/(m_c + {o}) times a weighted mean of the points lies"
             if o else "every updated mean, a weighted mean of the points, lies")
    return (f"{pooled}All {n} points satisfy {' and '.join(rels)} (they lie on {where}), and {means} on "
            f"{that} too; every responsibility is strictly positive, so this holds whatever the responsibilities. "
            + tail)


def stop_finding(plan: ExactPlan) -> Finding | None:
    """Why fewer iterations were computed than requested."""
    if not plan.stopped:
        return None
    t = len(plan.iterations) + 1
    deg = plan.degeneracy
    c = min(range(len(deg.ranks)), key=lambda k: deg.ranks[k]) if deg.ranks else 0
    rank = deg.ranks[c] if deg.ranks else deg.dimension
    pairs = deg.component_relations[c] if deg.component_relations else deg.relations
    relations = tuple(linalg.format_relation(a, b, plan.problem.variables) for a, b in pairs)
    rels = " and ".join(relations)
    kind = "" if deg.covariance_type == "full" else f" ({deg.covariance_type})"
    msg = (f"stopped before iteration {t} ({plan.requested} requested): its E-step needs |Σ_c|^(1/2) and Σ_c⁻¹ of "
           f"the covariances{kind} from iteration {t - 1}, which are singular (rank {rank} of "
           f"{deg.ambient}; the data satisfy {rels}).")
    return Finding("stopped", f"{_prefix(t)}det.{plan.problem.component_names[c]}", msg, rank=rank, relations=relations,
                   advice=ADVICE)


def condition_number(matrix, max_prec: int = 4096) -> arb | None:
    """Certified 2-norm condition number λ_max/λ_min of a symmetric positive-definite ball matrix.

    The eigenvalues are enclosed by Arb (``acb_mat.eig``), raising the precision until λ_min is
    certainly positive; ``None`` when that fails up to ``max_prec`` bits (singular, or not provably
    positive definite at the matrix's own precision). ``matrix`` is an exact ``fmpq_mat`` (enclosed
    anew at each precision) or an ``arb_mat``.
    """
    prec = max(64, flint.ctx.prec)
    saved = flint.ctx.prec
    try:
        while prec <= max_prec:
            flint.ctx.prec = prec
            try:
                eig = acb_mat(arb_mat(matrix)).eig(multiple=True)
            except (ValueError, ZeroDivisionError):
                eig = None
            if eig:
                reals = [e.real for e in eig]
                lo, hi = reals[0], reals[0]
                for x in reals[1:]:  # enclosures of the smallest and the largest eigenvalue
                    lo, hi = lo.min(x), hi.max(x)
                if lo > 0:
                    kappa = hi / lo
                    if kappa.rad() < kappa.mid() / 1000:
                        return kappa
            prec *= 2
        return None
    finally:
        flint.ctx.prec = saved


def conditioning_findings(key: str, matrix, threshold: float = 1e4) -> list[Finding]:
    """Warn when float64 code would lose digits to this covariance (or see it as singular)."""
    kappa = condition_number(matrix)
    if kappa is None:
        return [Finding("conditioning", key, f"{key}: condition number not certified (the enclosure of the "
                        f"matrix is too wide to prove its smallest eigenvalue positive)")]
    rounded = round_arb(kappa, 3)
    if rounded is None:
        return [Finding("conditioning", key, f"{key}: condition number not certified to 3 digits")]
    shown = rounded.scientific()
    # floor(log10 κ) from the rounded digits (κ can exceed any float: a collapsing component)
    lost = max(0, len(str(abs(rounded.mantissa))) - 1 + rounded.exponent)
    info = Finding("conditioning", key, f"{key}: condition number κ₂ = {shown} (certified, 3 digits)",
                   condition=shown, digits_lost=lost)
    if rounded.fraction() < Fraction(threshold):
        return [info]
    if rounded.fraction() >= 2**53:
        msg = (f"{key} has condition number {shown} ≥ 1/ε of float64 (2⁵³ ≈ 9.0e15): float64 code may see it as "
               f"singular although it is not (its exact determinant is positive).")
        return [Finding("float64-singular", key, msg, condition=shown, digits_lost=16)]
    msg = (f"{key} has condition number {shown}: float64 code (16 significant digits) would lose about {lost} "
           f"digits solving with it or inverting it.")
    return [Finding("ill-conditioned", key, msg, condition=shown, digits_lost=lost)]
