"""The exact layer of the derivation: every quantity that is rational, computed as a rational.

Iteration 1 starts from rational parameters, so |Σ|, Σ⁻¹ and every quadratic form are rational.
Responsibilities are rational only in special cases (K = 1, or a point whose quadratic forms
agree across components and whose weight/determinant ratios are squares), and an M-step is
rational exactly when all its responsibilities are; then the next iteration's E-step is rational
again. Everything else is transcendental and is evaluated in balls (``evaluate.py``).

The ranks of the updated covariances are known exactly here too: with every responsibility
strictly positive (always the case for positive weights and positive-definite covariances),
``rank Σ_c`` is the dimension of the affine hull of the data, whatever the responsibilities are.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import isqrt

from flint import fmpq_mat, fmpz_mat

from . import linalg
from .monomials import Monomials, gram, moment_parameters, monomials, quad_coefficients
from .problem import Problem

Matrix = tuple[tuple[Fraction, ...], ...]


@dataclass(frozen=True)
class ExactComponent:
    """One component's parameters entering an E-step; ``None`` where not rational."""

    weight: Fraction | None
    mean: tuple[Fraction, ...] | None
    cov: Matrix | None
    det: Fraction | None = None
    inv: Matrix | None = None

    @property
    def rational(self) -> bool:
        return self.weight is not None and self.mean is not None and None not in self.mean and self.cov is not None


@dataclass(frozen=True)
class Degeneracy:
    """The data lie in a proper affine subspace, so every updated covariance is singular."""

    dimension: int  # of the affine hull = rank of every updated covariance
    ambient: int  # d
    relations: tuple[tuple[tuple[int, ...], Fraction], ...]  # a·x = b for every point


@dataclass(frozen=True)
class ExactIteration:
    """The rational parts of one EM iteration (E-step from ``start``, then M-step)."""

    t: int
    start: tuple[ExactComponent, ...]
    quad: fmpq_mat | None  # n × K, when every component is rational
    resp: tuple[tuple[Fraction | None, ...], ...] | None  # n × K, rational entries or None
    new: tuple[ExactComponent, ...]  # M-step results, exact where rational
    counts: tuple[Fraction | None, ...]


@dataclass(frozen=True)
class ExactPlan:
    """All iterations that exist, with their rational parts, and why the run stopped early."""

    problem: Problem
    monomials: Monomials
    iterations: tuple[ExactIteration, ...]
    degeneracy: Degeneracy | None
    requested: int

    @property
    def stopped(self) -> bool:
        """True when fewer iterations exist than were asked for."""
        return len(self.iterations) < self.requested


def _square_root(q: Fraction) -> Fraction | None:
    """The rational square root of ``q`` if there is one."""
    a, b = isqrt(q.numerator), isqrt(q.denominator)
    return Fraction(a, b) if a * a == q.numerator and b * b == q.denominator else None


def response_groups(quad: fmpq_mat) -> tuple[list[list[int]], list[int]]:
    """Points with equal responsibilities in every component, whatever the parameters' weights.

    Two points have equal responsibilities exactly when their rows of quadratic forms differ by a
    constant; the group of a row is keyed by its differences to the first column (one matrix
    product in C). Also returns the points whose differences are all zero (equal quadratic forms in
    every component), whose responsibilities are algebraic; see :func:`exact_estep`.
    """
    n, K = quad.nrows(), quad.ncols()
    if K == 1:
        return [list(range(n))], list(range(n))
    diff = fmpq_mat(K, K - 1, [(1 if i == j + 1 else -1 if i == 0 else 0) for i in range(K) for j in range(K - 1)])
    numer, _ = (quad * diff).numer_denom()
    # bucket by one integer projection of each row (one product in C), then split buckets exactly
    base = 2**61 - 1
    projection = (numer * fmpz_mat(K - 1, 1, [base**j for j in range(K - 1)])).entries()
    if len(set(projection)) == n:  # the usual case: no two points alike
        zero = [p for p, value in enumerate(projection)
                if not value and all(numer[p, j] == 0 for j in range(K - 1))]
        return [[p] for p in range(n)], zero
    buckets: dict = {}
    for p, value in enumerate(projection):
        buckets.setdefault(value, []).append(p)
    groups, equal = [], []
    zero = (0,) * (K - 1)
    for value, members in buckets.items():
        if len(members) == 1 and value != 0:
            groups.append(members)
            continue
        exact: dict[tuple, list[int]] = {}
        for p in members:
            exact.setdefault(tuple(int(numer[p, j]) for j in range(K - 1)), []).append(p)
        groups += exact.values()
        equal += exact.get(zero, [])
    return groups, equal


def exact_estep(mono: Monomials, comps: tuple[ExactComponent, ...]):
    """Exact quadratic forms, the groups of points with equal responsibilities, and the
    responsibilities that are rational (for points whose quadratic forms agree across components).
    """
    K = len(comps)
    columns = [quad_coefficients(mono, c.mean, c.inv) for c in comps]
    C = fmpq_mat(mono.width, K, [linalg.to_fmpq(columns[k][i]) for i in range(mono.width) for k in range(K)])
    C_numer, C_denom = C.numer_denom()
    quad = fmpq_mat(mono.matrix * C_numer) / C_denom  # one integer product in C
    groups, equal = response_groups(quad)
    # ratio[c][j] = (w_j / √det_j) / (w_c / √det_c), rational or None
    ratio = [[None] * K for _ in range(K)]
    for c in range(K):
        for j in range(K):
            root = _square_root(comps[c].det / comps[j].det)
            if root is not None:
                ratio[c][j] = comps[j].weight / comps[c].weight * root
    rational = tuple(None if None in ratio[c] else 1 / sum(ratio[c], Fraction(0)) for c in range(K))
    resp = [(None,) * K] * quad.nrows()
    for p in equal:  # equal exponents: the exponentials cancel, the responsibility is algebraic
        resp[p] = rational
    return quad, groups, tuple(resp)


def exact_mstep(mono: Monomials, resp_column: list[Fraction], n: int) -> ExactComponent:
    """Exact M-step of one component whose responsibilities are all rational."""
    r = fmpq_mat(1, n, [linalg.to_fmpq(v) for v in resp_column])
    sums = [linalg.to_fraction(v) for v in (r * fmpq_mat(mono.matrix)).entries()]
    count, mean, cov = moment_parameters(mono, sums)
    return ExactComponent(count / n, tuple(mean), tuple(map(tuple, cov)))


def symmetric_mstep(points, groups: list[list[int]]) -> ExactComponent:
    """The M-step entries that are rational although the responsibilities are not.

    Points of one group (:func:`response_groups`) have equal responsibilities in every component.
    If every group has the same mean in a coordinate, every component's weighted mean is that value
    exactly, whatever the responsibilities; likewise for a covariance entry when the whole mean is
    exact. This catches symmetric configurations, whose values would otherwise sit exactly on a
    rounding boundary (0, say) unrecognised. Each check stops at the first group that disagrees.
    """
    d = len(points[0])

    def common(f):
        value = None
        for g in groups:
            mean = sum((f(p) for p in g), Fraction(0)) / len(g)
            if value is not None and mean != value:
                return None
            value = mean
        return value

    mean = tuple(common(lambda p, i=i: points[p][i]) for i in range(d))
    cov = None
    if None not in mean:
        entries = [[common(lambda p, i=i, j=j: (points[p][i] - mean[i]) * (points[p][j] - mean[j]))
                    for j in range(d)] for i in range(d)]
        if all(v is not None for row in entries for v in row):
            cov = tuple(map(tuple, entries))
    return ExactComponent(None, mean, cov)


def _with_inverse(c: ExactComponent) -> ExactComponent:
    if c.cov is None:
        return c
    return ExactComponent(c.weight, c.mean, c.cov, linalg.det(c.cov), linalg.inverse(c.cov))


def derive_exact(problem: Problem, iterations: int = 1) -> ExactPlan:
    """Derive the rational layer of ``iterations`` EM iterations, stopping before an undefined E-step.

    >>> from gmmexact.problem import Problem
    >>> p = Problem.from_arrays([[0], [2]], means=[[0], [2]], covariances=[[[1]], [[1]]], weights=["1/2", "1/2"])
    >>> plan = derive_exact(p)
    >>> plan.iterations[0].start[0].det, plan.iterations[0].quad.tolist()
    (Fraction(1, 1), [[0, 4], [4, 0]])
    """
    mono = monomials(problem.points)
    n, d, K = problem.n, problem.d, problem.K
    dim, relations = linalg.gram_relations(gram(mono), mono.center)
    degeneracy = Degeneracy(dim, d, tuple(relations)) if dim < d else None
    start = tuple(_with_inverse(ExactComponent(c.weight, c.mean, c.covariance)) for c in problem.components)
    done = []
    for t in range(1, iterations + 1):
        if t > 1 and degeneracy is not None:
            break  # the E-step would need the inverse of a singular covariance
        quad = resp = None
        if all(c.rational for c in start):
            quad, groups, resp = exact_estep(mono, start)
        new, counts = [], []
        symmetric = None
        for k in range(K):
            column = [resp[p][k] for p in range(n)] if resp is not None else [None]
            if None in column:
                if quad is not None and symmetric is None:
                    symmetric = symmetric_mstep(problem.points, groups)
                new.append(symmetric or ExactComponent(None, None, None))
                counts.append(None)
            else:
                comp = exact_mstep(mono, column, n)
                new.append(comp)
                counts.append(comp.weight * n)
        done.append(ExactIteration(t, start, quad, resp, tuple(new), tuple(counts)))
        start = tuple(_with_inverse(c) if degeneracy is None and c.rational else c for c in new)
    return ExactPlan(problem, mono, tuple(done), degeneracy, iterations)
