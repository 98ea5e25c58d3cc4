"""Evaluation of every quantity of a derivation at one working precision, in balls.

One pass per iteration, batched over points and components: the quadratic forms are one matrix
product ``M · C`` of the exact monomial matrix (``monomials.py``) with the components'
coefficient columns, the M-step one product ``Rᵀ · M`` (then the same formulas as the exact layer,
``monomials.mstep_parameters``, for every covariance type); only the exponentials, the divisions by
the evidence and the log-likelihood product are element-wise. Rational inputs enter as balls of
their exact values, so every result is an enclosure of the exact value; the certifier raises the
precision until the enclosures are tight enough to round.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

from flint import fmpz_mat
from mpmath.libmp import ComplexResult

from ..engine.exact import ExactPlan
from ..engine.lookup import entry_indices
from ..engine.monomials import MStepModel, mstep_parameters, quad_coefficients
from ..model.keys import Key


class PrecisionTooLow(ArithmeticError):
    """The working precision cannot certify a step (e.g. invert a nearly singular covariance)."""


@dataclass(frozen=True)
class BallIteration:
    """Enclosures of one iteration's quantities (matrices are backend matrices, n × K)."""

    weights: list  # K, the starting priors
    means: list  # K × d, starting means
    det: list  # K
    inv: list  # K × d × d
    norm: list  # K
    coefficients: list  # K, π_c / norm_c
    quad: Any  # n × K
    joint: Any  # n × K
    evidence: list  # n
    resp: Any  # n × K
    loglik: Any
    count: list  # K
    weight: list  # K
    mean: list  # K × d
    cov: list  # K × d × d


@dataclass(frozen=True)
class Evaluation:
    """The iterations of a plan enclosed at ``prec`` bits by ``backend`` (a prefix of them when a later
    iteration needs more precision)."""

    backend: Any
    prec: int
    iterations: tuple[BallIteration, ...]


def evaluate(plan: ExactPlan, backend, prec: int, advance: Callable[[int], None] | None = None) -> Evaluation:
    """Enclose every quantity of ``plan`` at ``prec`` bits of working precision (``advance(1)`` is called
    after each iteration, for a progress bar).

    >>> from gmmexact.model.problem import Problem
    >>> from gmmexact.engine.exact import derive_exact
    >>> from gmmexact.numerics.backends import ArbBackend
    >>> p = Problem.from_arrays([[0], [2]], means=[[0], [2]], covariances=[[[1]], [[1]]], weights=["1/2", "1/2"])
    >>> ev = evaluate(derive_exact(p), ArbBackend(), 64)
    >>> ev.iterations[0].det[0]
    1.00000000000000
    """
    with backend.precision(prec):
        mono_balls = backend.matrix(plan.monomials.matrix)
        done = []
        previous = None
        for it in plan.iterations:
            if previous is None:
                params = [(backend.scalar(c.weight), [backend.scalar(v) for v in c.mean],
                           [[backend.scalar(v) for v in row] for row in c.cov]) for c in it.start]
            else:
                params = list(zip(previous.weight, previous.mean, previous.cov))
            try:
                previous = _iteration(plan, backend, mono_balls, params, it.quad)
            except PrecisionTooLow:
                break  # later iterations need more precision; earlier ones stand
            done.append(previous)
            if advance is not None:
                advance(1)
        return Evaluation(backend, prec, tuple(done))


def _iteration(plan: ExactPlan, b, mono_balls, params, exact_quad=None) -> BallIteration:
    mono, problem = plan.monomials, plan.problem
    n, d, K = problem.n, problem.d, problem.K
    conv = b.scalar
    weights = [w for w, _, _ in params]
    means = [m for _, m, _ in params]
    try:  # the exact covariances are positive definite; balls may still be too wide to show it
        dets = [b.det(cov) for _, _, cov in params]
        invs = [b.inv(cov) for _, _, cov in params]
        roots = [b.sqrt(det) for det in dets]
    except (ZeroDivisionError, ComplexResult):
        raise PrecisionTooLow("covariance enclosure not certifiably invertible") from None
    two_pi = b.pi() * 2
    half_d = two_pi ** (d // 2) * (b.sqrt(two_pi) if d % 2 else 1)
    norms = [half_d * root for root in roots]

    if exact_quad is not None:  # rational quadratic forms, already exact: just enclose them
        quad = b.matrix(exact_quad)
    else:
        columns = [quad_coefficients(mono, means[k], invs[k], conv) for k in range(K)]
        quad = b.matmul(mono_balls, b.matrix([[columns[k][i] for k in range(K)] for i in range(mono.width)]))
    # joint_pc = exp(−q_pc/2 + log(π_c/norm_c)): one exponential per entry, the coefficients added to
    # the exponents by one rank-one product (the bare exponentials are recovered on demand)
    coefficients = [w / nm for w, nm in zip(weights, norms)]
    ones = b.matrix(fmpz_mat(n, 1, [1] * n))
    logits = b.add(b.scale(quad, conv(Fraction(-1, 2))), b.matmul(ones, b.matrix([[b.log(c) for c in coefficients]])))
    joint_flat = b.exp_all(b.entries(logits))
    joint = b.from_entries(n, K, joint_flat)
    evidence = b.entries(b.matmul(joint, b.matrix([[conv(1)] for _ in range(K)])))
    repeated = (e for e in evidence for _ in range(K))
    resp = b.from_entries(n, K, [j / e for j, e in zip(joint_flat, repeated)])
    product = conv(1)
    for e in evidence:
        product = product * e
    loglik = b.log(product)

    sums = b.tolist(b.matmul(b.transpose(resp), mono_balls))
    # the covariance type, fixed parameters, count offset and reg_covar: monomials.mstep_parameters
    counts, new_weights, new_means, new_covs = mstep_parameters(mono, sums, n, MStepModel.of(problem), conv)
    return BallIteration(weights, means, dets, invs, norms, coefficients, quad, joint, evidence, resp,
                         loglik, counts, new_weights, new_means, new_covs)


def ball_entry(ev: Evaluation, plan: ExactPlan, key: Key):
    """The enclosure of a scalar entry (call inside ``ev.backend.precision(ev.prec)``)."""
    b = ev.backend
    it = ev.iterations[key.iteration - 1]
    p, c = entry_indices(plan, key)
    kind, e = key.kind, key.entry
    if kind in ("quad", "joint", "resp"):
        return b.get(getattr(it, kind), p, c)
    if kind == "exp":  # not stored: recovered from the joint probability on demand
        return b.get(it.joint, p, c) / it.coefficients[c]
    if kind == "density":
        return b.get(it.joint, p, c) / it.weights[c]
    if kind in ("det", "norm", "count", "weight"):
        return getattr(it, kind)[c]
    if kind == "inv":
        return it.inv[c][e[0]][e[1]]
    if kind == "evidence":
        return it.evidence[p]
    if kind == "loglik":
        return it.loglik
    if kind == "mean":
        return it.mean[c][e[0]]
    if kind == "cov":
        return it.cov[c][e[0]][e[1]]
    x = plan.problem.points[p]
    if kind == "dev":
        return b.scalar(x[e[0]]) - it.mean[c][e[0]]
    if kind == "outer":  # only the two deviations it needs
        first = b.scalar(x[e[0]]) - it.mean[c][e[0]]
        return first * first if e[0] == e[1] else first * (b.scalar(x[e[1]]) - it.mean[c][e[1]])
    raise KeyError(key)
