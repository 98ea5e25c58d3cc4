"""Findings about covariances: exact singularity of the updated covariances (with the linear
relations the data satisfy, in the problem's variable names) and certified condition numbers.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import flint
from flint import acb_mat, arb, arb_mat

from . import linalg
from .exact import ExactPlan
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
    """Every updated covariance is singular exactly when the data lie in a proper affine subspace."""
    deg = plan.degeneracy
    if deg is None:
        return []
    problem = plan.problem
    rels = tuple(linalg.format_relation(a, b, problem.variables) for a, b in deg.relations)
    where, that = {0: ("a single point", "that point"), 1: ("a line", "that line"), 2: ("a plane", "that plane")}.get(
        deg.dimension, (f"a {deg.dimension}-dimensional affine subspace", "that subspace"))
    out = []
    for it in plan.iterations:
        for name in problem.component_names:
            key = f"{_prefix(it.t)}cov.{name}"
            msg = (f"{key} is singular: rank {deg.dimension} of {deg.ambient}. All {problem.n} points satisfy "
                   f"{' and '.join(rels)} (they lie on {where}); every responsibility is strictly positive, so the "
                   f"updated covariance spans exactly the directions the data span, whatever the responsibilities. "
                   f"|Σ| = 0 and Σ⁻¹ does not exist: the Gaussian density with this covariance does not exist, the "
                   f"next E-step is undefined, and the likelihood is unbounded (a component squeezed onto {that} "
                   f"has density growing without limit).")
            out.append(Finding("singular-covariance", key, msg, rank=deg.dimension, relations=rels, advice=ADVICE))
    return out


def stop_finding(plan: ExactPlan) -> Finding | None:
    """Why fewer iterations were computed than requested."""
    if not plan.stopped:
        return None
    t = len(plan.iterations) + 1
    relations = tuple(linalg.format_relation(a, b, plan.problem.variables) for a, b in plan.degeneracy.relations)
    rels = " and ".join(relations)
    msg = (f"stopped before iteration {t} ({plan.requested} requested): its E-step needs |Σ_c|^(1/2) and Σ_c⁻¹ of "
           f"the covariances from iteration {t - 1}, which are singular (rank {plan.degeneracy.dimension} of "
           f"{plan.degeneracy.ambient}; the data satisfy {rels}).")
    return Finding("stopped", f"{_prefix(t)}det.{plan.problem.component_names[0]}", msg, rank=plan.degeneracy.dimension, relations=relations,
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
    lost = max(0, math.floor(math.log10(float(rounded.fraction()))))
    info = Finding("conditioning", key, f"{key}: condition number κ₂ = {shown} (certified, 3 digits)",
                   condition=shown, digits_lost=lost)
    if rounded.fraction() < threshold:
        return [info]
    if rounded.fraction() * 2**-53 >= 1:
        msg = (f"{key} has condition number {shown} ≥ 1/ε of float64 (2⁵³ ≈ 9.0e15): float64 code may see it as "
               f"singular although it is not (its exact determinant is positive).")
        return [Finding("float64-singular", key, msg, condition=shown, digits_lost=16)]
    msg = (f"{key} has condition number {shown}: float64 code (16 significant digits) would lose about {lost} "
           f"digits solving with it or inverting it.")
    return [Finding("ill-conditioned", key, msg, condition=shown, digits_lost=lost)]
