"""The exact layer of the derivation: every quantity that is rational, computed as a rational.

Iteration 1 starts from rational parameters, so |Σ|, Σ⁻¹ and every quadratic form are rational.
Responsibilities are rational only in special cases (K = 1, or a point whose quadratic forms
agree across components and whose weight/determinant ratios are squares), and an M-step is
rational exactly when all its responsibilities are; then the next iteration's E-step is rational
again. Everything else is transcendental and is evaluated in balls (``evaluate.py``).

The ranks of the updated covariances are known exactly here too, whatever the (transcendental)
responsibilities are: every responsibility is strictly positive (positive weights and
positive-definite covariances), so the column space of ``Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ`` is the span
of the ``x_p − μ_c``, and only where μ_c lies relative to the affine hull of the data matters
(:func:`updated_ranks`). For ``full`` with the textbook M-step the rank is the dimension of the
affine hull; the other covariance types, fixed means, ``count_offset`` and ``reg_covar`` change it.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from math import isqrt, lcm

from flint import fmpq, fmpq_mat, fmpz_mat, nmod_mat

from ..model import linalg
from .monomials import MStepModel, Monomials, gram, monomials, mstep_parameters, quad_coefficients
from ..model.problem import Problem

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
        return (self.weight is not None and self.mean is not None and None not in self.mean
                and self.cov is not None and all(None not in row for row in self.cov))


@dataclass(frozen=True)
class Degeneracy:
    """Some updated covariance is exactly singular (the same in every iteration).

    ``dimension`` and ``relations`` describe the affine hull of the data (for ``full`` with the
    textbook M-step, its dimension is the rank of every updated covariance); ``ranks`` are the exact
    ranks of the updated covariances of the problem's covariance type, one per component.
    """

    dimension: int  # of the affine hull of the data
    ambient: int  # d
    relations: tuple[tuple[tuple[int, ...], Fraction], ...]  # a·x = b for every point
    ranks: tuple[int, ...] = ()  # rank of each component's updated covariance
    covariance_type: str = "full"
    component_relations: tuple = ()  # per component: the relations a·x = b behind its rank (diag: constants)


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


GROUP_PRIME = (1 << 61) - 1
"""The prime modulo which rows of quadratic forms are hashed by :func:`response_groups`."""


def response_groups(quad: fmpq_mat) -> tuple[list[list[int]], list[int]]:
    """Points with equal responsibilities in every component, whatever the parameters' weights.

    Two points have equal responsibilities exactly when their rows of quadratic forms differ by a
    constant, that is when their differences to the first column agree. Each row is hashed by one
    random linear form of those differences modulo a prime (one matrix product in C over the
    integer numerators, so the cost is n·K word operations whatever K is); rows with equal hashes
    are then compared exactly, so a collision costs time, never correctness. Also returns the points
    whose differences are all zero (equal quadratic forms in every component), whose
    responsibilities are algebraic; see :func:`exact_estep`.

    >>> q = fmpq_mat(3, 2, [0, 4, 4, 0, 1, 5])
    >>> response_groups(q)
    ([[0, 2], [1]], [])
    """
    n, K = quad.nrows(), quad.ncols()
    if K == 1:
        return [list(range(n))], list(range(n))
    numer, _ = quad.numer_denom()
    rng = random.Random(0x5EED)
    weights = [rng.randrange(1, GROUP_PRIME) for _ in range(K - 1)]
    # h_p = Σ_{j≥1} w_j (q_pj − q_p0) = Σ_j v_j q_pj with v_0 = −Σ w_j
    vector = [(-sum(weights)) % GROUP_PRIME] + weights
    hashes = [int(h) for h in (nmod_mat(numer, GROUP_PRIME) * nmod_mat(K, 1, vector, GROUP_PRIME)).entries()]

    def differences(p: int) -> tuple:
        return tuple(numer[p, j] - numer[p, 0] for j in range(1, K))

    buckets: dict[int, list[int]] = {}
    for p, h in enumerate(hashes):
        buckets.setdefault(h, []).append(p)
    groups, equal = [], []
    zero = (0,) * (K - 1)
    for h, members in buckets.items():
        if len(members) == 1 and h != 0:
            groups.append(members)
            continue
        exact: dict[tuple, list[int]] = {}
        for p in members:
            exact.setdefault(differences(p), []).append(p)
        groups += exact.values()
        equal += exact.get(zero, [])
    return groups, sorted(equal)


def quadratic_forms(mono: Monomials, comps) -> fmpq_mat:
    """Every point's quadratic form in every component, ``M · C`` exactly (n × K).

    Each column is scaled to integers by its own denominator, so one component with large
    denominators does not make every other column's integers large; the integer product runs in C.
    """
    K = len(comps)
    columns = [[Fraction(v) for v in quad_coefficients(mono, c.mean, c.inv)] for c in comps]
    dens = [reduce(lcm, (v.denominator for v in col), 1) for col in columns]
    common = reduce(lcm, dens, 1)
    if common.bit_length() <= 64 or K == 1:  # one denominator for all: divide once, in C
        C = fmpz_mat(mono.width, K, [int(columns[k][i] * common) for i in range(mono.width) for k in range(K)])
        return fmpq_mat(mono.matrix * C) / common
    C = fmpz_mat(mono.width, K, [int(columns[k][i] * dens[k]) for i in range(mono.width) for k in range(K)])
    product = (mono.matrix * C).entries()
    return fmpq_mat(mono.matrix.nrows(), K, [fmpq(v, dens[i % K]) for i, v in enumerate(product)])


def exact_estep(mono: Monomials, comps: tuple[ExactComponent, ...]):
    """Exact quadratic forms, the groups of points with equal responsibilities, and the
    responsibilities that are rational (for points whose quadratic forms agree across components).
    """
    K = len(comps)
    quad = quadratic_forms(mono, comps)
    groups, equal = response_groups(quad)
    resp = [(None,) * K] * quad.nrows()
    if equal:
        # ratio[c][j] = (w_j / √det_j) / (w_c / √det_c), rational or None
        ratio = [[None] * K for _ in range(K)]
        for c in range(K):
            for j in range(K):
                root = _square_root(comps[c].det / comps[j].det)
                if root is not None:
                    ratio[c][j] = comps[j].weight / comps[c].weight * root
        rational = tuple(None if None in ratio[c] else 1 / sum(ratio[c], Fraction(0)) for c in range(K))
        for p in equal:  # equal exponents: the exponentials cancel, the responsibility is algebraic
            resp[p] = rational
    return quad, groups, tuple(resp)


def exact_sums(mono: Monomials, resp_column: list[Fraction]) -> list[Fraction]:
    """``rᵀ · M`` of one component whose responsibilities are all rational."""
    r = fmpq_mat(1, len(resp_column), [linalg.to_fmpq(v) for v in resp_column])
    return [linalg.to_fraction(v) for v in (r * fmpq_mat(mono.matrix)).entries()]


def exact_mstep(mono: Monomials, resp_column: list[Fraction], n: int) -> ExactComponent:
    """Exact textbook (``full``) M-step of one component whose responsibilities are all rational."""
    counts, weights, means, covs = mstep_parameters(mono, [exact_sums(mono, resp_column)], n)
    return ExactComponent(weights[0], tuple(means[0]), tuple(map(tuple, covs[0])))


def symmetric_mstep(points, groups: list[list[int]], mean=None, diagonal: bool = False) -> ExactComponent:
    """The M-step entries that are rational although the responsibilities are not.

    Points of one group (:func:`response_groups`) have equal responsibilities in every component.
    If every group has the same mean in a coordinate, every component's weighted mean is that value
    exactly, whatever the responsibilities; likewise for a covariance entry when the whole mean is
    exact. This catches symmetric configurations, whose values would otherwise sit exactly on a
    rounding boundary (0, say) unrecognised. Each check stops at the first group that disagrees.
    A given (fixed) ``mean`` is used instead of the weighted one; with ``diagonal`` only the variances
    are looked at, each on its own (``None`` where not common).
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

    if mean is None:
        mean = tuple(common(lambda p, i=i: points[p][i]) for i in range(d))
    cov = None
    if None not in mean:
        entries = [[common(lambda p, i=i, j=j: (points[p][i] - mean[i]) * (points[p][j] - mean[j]))
                    if not diagonal or i == j else None for j in range(d)] for i in range(d)]
        if diagonal or all(v is not None for row in entries for v in row):
            cov = tuple(map(tuple, entries))
    return ExactComponent(None, mean, cov)


def _with_inverse(c: ExactComponent) -> ExactComponent:
    if c.cov is None:
        return c
    return ExactComponent(c.weight, c.mean, c.cov, linalg.det(c.cov), linalg.inverse(c.cov))


def updated_ranks(problem: Problem, dim: int, relations) -> tuple[tuple[int, ...], tuple[tuple, ...]]:
    """Exact ranks of the updated covariances (one per component), the same in every iteration and
    whatever the responsibilities, and per component the linear relations ``a·x = b`` behind a rank
    below d (every point satisfies them; for ``diag`` they say which variables are constant).

    Every responsibility is strictly positive, so ``W_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ`` has the
    column space ``V_c = span{x_p − μ_c} = L + span{x_1 − μ_c}`` (``L`` the directions of the affine
    hull), and ``G_c = W_c + o μ_c μ_cᵀ`` (``o = count_offset``; every type but ``full``) adds ``μ_c``.
    The updated mean is not known exactly, but where it lies is: with ``o = 0`` it is a weighted mean
    of the points, inside the hull; with ``o > 0`` it is ``m_c/(m_c + o)`` times one, which lies in the
    hull only if the hull passes through the origin; any point of that kind gives the same span, so
    the exact data mean ``x̄`` (``o = 0``) or ``x̄/2`` (``o > 0``) stands in for it. A fixed mean is
    exact. Then ``full`` has rank ``dim V_c``; ``tied`` ``dim Σ_c V_c``; ``diag`` counts the
    coordinates in which some vector of ``V_c`` is non-zero (variable j has variance 0 exactly
    when every point has ``x_pj = μ_cj`` and, with ``o > 0``, ``μ_cj = 0``); ``spherical`` is 0 only
    when ``V_c = {0}``. A fixed covariance, or ``reg_covar > 0``, is positive definite.

    >>> from gmmexact.model.problem import load
    >>> from dataclasses import replace
    >>> seed = load("examples/seed/problem.toml")
    >>> [updated_ranks(replace(seed, covariance_type=t), 1, [((1, -1), 105)])[0] for t in ("full", "tied", "diag", "spherical")]
    [(1, 1), (1, 1), (2, 2), (2, 2)]
    >>> updated_ranks(replace(seed, count_offset=Fraction(1, 10**9)), 1, [((1, -1), 105)])[0]  # μ_c off the line
    (2, 2)
    """
    d, K = problem.d, problem.K
    if problem.reg_covar > 0 or "covariance" in problem.fixed or dim == d:
        return (d,) * K, ((),) * K
    o, kind = problem.count_offset, problem.covariance_type
    if kind == "full" and o == 0 and "mean" not in problem.fixed:
        return (dim,) * K, (tuple(relations),) * K  # the textbook case: the affine hull itself
    basis = linalg.nullspace([[Fraction(v) for v in a] for a, _ in relations], d) if dim else []
    center = [sum(x[i] for x in problem.points) / problem.n for i in range(d)]
    spans = []
    for comp in problem.components:
        if "mean" in problem.fixed:
            mu = list(comp.mean)
        else:
            mu = center if o == 0 else [v / 2 for v in center]
        vectors = [list(v) for v in basis] + [[x - m for x, m in zip(problem.points[0], mu)]]
        if o > 0 and kind != "full":
            vectors.append(mu)
        spans.append(vectors)
    if kind == "tied":
        pooled = [v for vectors in spans for v in vectors]
        return (linalg.to_fmpq_mat(pooled).rank(),) * K, (_relations(pooled, problem.points[0]),) * K
    ranks, found = [], []
    for vectors in spans:
        if kind == "full":
            ranks.append(linalg.to_fmpq_mat(vectors).rank())
            found.append(_relations(vectors, problem.points[0]))
            continue
        zero = [j for j in range(d) if all(v[j] == 0 for v in vectors)]
        if kind == "spherical" and len(zero) < d:
            zero = []
        ranks.append(d - len(zero))
        found.append(tuple((tuple(int(i == j) for i in range(d)), problem.points[0][j]) for j in zero))
    return tuple(ranks), tuple(found)


def _relations(vectors, point) -> tuple:
    """``a·x = a·point`` for a basis of the vectors ``a`` orthogonal to every vector of ``vectors``."""
    d = len(point)
    rank = linalg.to_fmpq_mat(vectors).rank()
    if rank == d:
        return ()
    out = []
    for a in (linalg.nullspace(vectors, d) if rank else [[Fraction(int(i == j)) for i in range(d)] for j in range(d)]):
        a = linalg.primitive_integer_vector(a)
        out.append((a, sum((ai * x for ai, x in zip(a, point)), Fraction(0))))
    return tuple(out)


def exact_mstep_all(problem: Problem, mono: Monomials, model: MStepModel, resp, groups, zero_variances=(),
                    constants=()):
    """The M-step of every component, exact wherever it is rational (``resp`` rows of Fractions or None).

    Components whose responsibilities are all rational go through :func:`mstep_parameters` exactly;
    for the others the symmetric configurations of :func:`symmetric_mstep` still give exact entries
    (only with ``count_offset = 0``: an offset makes every entry depend on the count itself).
    ``zero_variances``: per component, the relations ``x_j = b`` of the variables whose updated
    variance is exactly 0 (``diag`` and ``spherical``; see :func:`updated_ranks`). ``constants``: the
    variables every point has the same value in; with the plain M-step (no offset, mean not fixed) their
    mean is that value and their row and column of every scatter matrix are 0 in every iteration,
    whatever the responsibilities (so ``dev·0`` stays exactly 0 after iteration 1 too).
    """
    n, K, d = problem.n, problem.K, problem.d
    columns = [[resp[p][k] for p in range(n)] if resp is not None else [None] for k in range(K)]
    sums = [None if None in column else exact_sums(mono, column) for column in columns]
    counts, weights, means, covs = mstep_parameters(mono, sums, n, model)
    fixed, kind = problem.fixed, problem.covariance_type
    symmetric = {}  # fixed mean (or None) -> symmetric entries
    if resp is not None and problem.count_offset == 0 and None in sums:
        for c in range(K):
            if sums[c] is not None:
                continue
            mean = problem.components[c].mean if "mean" in fixed else None
            if mean not in symmetric:
                symmetric[mean] = symmetric_mstep(problem.points, groups, mean, diagonal=kind in ("diag", "spherical"))
            sym = symmetric[mean]
            if means[c] is None:
                means[c] = list(sym.mean)
            if covs[c] is None and sym.cov is not None and "covariance" not in fixed and kind != "tied":
                covs[c] = _symmetric_cov(sym.cov, kind, d, problem.reg_covar)
        if kind == "tied" and "covariance" not in fixed:
            # Σ_c m_c C_c / n = C when every component's moment matrix is the same rational C
            shared = [_symmetric_cov(s.cov, "full", d, problem.reg_covar) if s.cov is not None else None
                      for s in symmetric.values()]
            if all(s is None for s in sums) and shared and shared[0] is not None and shared.count(shared[0]) == len(shared):
                covs = [shared[0]] * K
    if constants and problem.count_offset == 0 and "mean" not in fixed:
        _fill_constants(means, covs, constants, mono.center, kind, d, problem.reg_covar,
                        "covariance" not in fixed)
    if kind in ("diag", "spherical") and "covariance" not in fixed:
        # off the diagonal exactly 0; on it exactly 0 where the variable is constant (``updated_ranks``)
        for c in range(K):
            if covs[c] is None:
                zero = {j for a, _ in (zero_variances[c] if zero_variances else ()) for j, v in enumerate(a) if v}
                covs[c] = [[Fraction(0) if i != j or i in zero else None for j in range(d)] for i in range(d)]
    # an unknown mean as d unknown entries, so that known covariance entries stay visible
    new = tuple(ExactComponent(weights[c], (None,) * d if means[c] is None else tuple(means[c]),
                               None if covs[c] is None else tuple(map(tuple, covs[c]))) for c in range(K))
    return new, tuple(counts)


def _fill_constants(means, covs, constants, center, kind: str, d: int, reg: Fraction, updated: bool) -> None:
    """Put in (in place) the entries a constant variable makes exact: its mean, and for ``full``, ``tied``
    and ``diag`` updated covariances its row and column (0, plus ``reg_covar`` on the diagonal)."""
    for c, mean in enumerate(means):
        known = list(mean) if mean is not None else [None] * d
        means[c] = [center[i] if i in constants and v is None else v for i, v in enumerate(known)]
        if not updated or kind == "spherical":
            continue
        cov = [list(row) for row in covs[c]] if covs[c] is not None else [[None] * d for _ in range(d)]
        for i in range(d):
            for j in range(d):
                if cov[i][j] is None and (i in constants or j in constants):
                    cov[i][j] = reg if i == j else Fraction(0)
        covs[c] = cov


def constant_variables(mono: Monomials) -> frozenset[int]:
    """The variables in which every point has the same value (a zero column of the centred data).

    >>> sorted(constant_variables(monomials([[Fraction(1), Fraction(1, 3)], [Fraction(2), Fraction(1, 3)]])))
    [1]
    """
    G = gram(mono)
    return frozenset(i for i in range(mono.d) if G[i][i] == 0)


def _symmetric_cov(entries, kind: str, d: int, reg: Fraction):
    """A covariance of type ``kind`` from the common moment matrix of the symmetric groups."""
    if kind == "full":
        cov = [list(row) for row in entries]
    else:
        var = [entries[i][i] for i in range(d)]
        if kind == "spherical":
            var = [None if None in var else sum(var, Fraction(0)) / d] * d
        cov = [[var[i] if i == j else Fraction(0) for j in range(d)] for i in range(d)]
    if reg:
        cov = [[None if v is None else v + reg if i == j else v for j, v in enumerate(row)] for i, row in enumerate(cov)]
    return cov


def derive_exact(problem: Problem, iterations: int = 1) -> ExactPlan:
    """Derive the rational layer of ``iterations`` EM iterations, stopping before an undefined E-step.

    >>> from gmmexact.model.problem import Problem
    >>> p = Problem.from_arrays([[0], [2]], means=[[0], [2]], covariances=[[[1]], [[1]]], weights=["1/2", "1/2"])
    >>> plan = derive_exact(p)
    >>> plan.iterations[0].start[0].det, plan.iterations[0].quad.tolist()
    (Fraction(1, 1), [[0, 4], [4, 0]])
    """
    mono = monomials(problem.points)
    n, d, K = problem.n, problem.d, problem.K
    dim, relations = linalg.gram_relations(gram(mono), mono.center)
    constants = constant_variables(mono)
    ranks, behind = updated_ranks(problem, dim, relations)
    degeneracy = None
    if min(ranks) < d:
        degeneracy = Degeneracy(dim, d, tuple(relations), ranks, problem.covariance_type, behind)
    model = MStepModel.of(problem)
    textbook = problem.covariance_type == "full" and not problem.fixed and not problem.reg_covar \
        and not problem.count_offset
    start = tuple(_with_inverse(ExactComponent(c.weight, c.mean, c.covariance)) for c in problem.components)
    done = []
    for t in range(1, iterations + 1):
        if t > 1 and degeneracy is not None:
            break  # the E-step would need the inverse of a singular covariance
        quad = resp = groups = None
        if all(c.rational for c in start):
            quad, groups, resp = exact_estep(mono, start)
        if textbook:
            new, counts = _textbook_mstep(problem, mono, resp, quad, groups)
        else:
            new, counts = exact_mstep_all(problem, mono, model, resp, groups,
                                          behind if problem.covariance_type in ("diag", "spherical") else (),
                                          constants)
        done.append(ExactIteration(t, start, quad, resp, tuple(new), tuple(counts)))
        if textbook:
            start = tuple(_with_inverse(c) if degeneracy is None and c.rational else c for c in new)
        else:  # |Σ| and Σ⁻¹ are rational whenever Σ is (a fixed covariance, say), whatever the rest
            start = tuple(_with_inverse(c) if degeneracy is None and c.cov is not None
                          and all(None not in row for row in c.cov) else c for c in new)
    return ExactPlan(problem, mono, tuple(done), degeneracy, iterations)


def _textbook_mstep(problem: Problem, mono: Monomials, resp, quad, groups):
    """The ``full`` M-step without fixed parameters, offset or regularisation, component by component."""
    n, K = problem.n, problem.K
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
    return new, counts
