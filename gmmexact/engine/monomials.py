"""Centred integer monomials of the data: the one exact matrix behind every batched step.

With ``z = x − x̄ = A / a`` (``x̄`` the exact data mean, ``A`` an integer matrix, ``a`` a positive
integer), every quadratic form is a linear combination of the columns ``A_i A_j`` (i ≤ j),
``A_i`` and ``1``, and every M-step sum ``Σ_p r_pc (…)`` is ``Rᵀ`` times the same columns. So the
E-step is one matrix product ``M · C`` and the M-step one product ``Rᵀ · M``, exact (fmpz/fmpq)
or in balls, with no per-point SymPy and no per-point Python arithmetic on rationals.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from math import gcd, lcm
from typing import Callable, Sequence

import numpy as np
from flint import fmpz_mat


@dataclass(frozen=True)
class Monomials:
    """The exact monomial matrix of a data set (see the module header).

    >>> m = monomials([[Fraction(1), Fraction(2)], [Fraction(3), Fraction(4)]])
    >>> m.center, m.scale, m.pairs
    ((Fraction(2, 1), Fraction(3, 1)), 1, ((0, 0), (0, 1), (1, 1)))
    >>> m.matrix.tolist()
    [[1, 1, 1, -1, -1, 1], [1, 1, 1, 1, 1, 1]]
    """

    center: tuple[Fraction, ...]
    scale: int
    pairs: tuple[tuple[int, int], ...]
    matrix: fmpz_mat  # n × (len(pairs) + d + 1): [A_i A_j …, A_i …, 1]

    @property
    def d(self) -> int:
        return len(self.center)

    @property
    def width(self) -> int:
        return len(self.pairs) + self.d + 1

    def linear_column(self, i: int) -> int:
        return len(self.pairs) + i

    @property
    def constant_column(self) -> int:
        return len(self.pairs) + self.d


def monomials(points: Sequence[Sequence[Fraction]]) -> Monomials:
    n, d = len(points), len(points[0])
    ratios = [v.as_integer_ratio() for p in points for v in p]
    common = reduce(lcm, {den for _, den in ratios}, 1)
    flat = [num * (common // den) for num, den in ratios]
    X = [flat[i * d:(i + 1) * d] for i in range(n)]  # points · common
    pairs = tuple((i, j) for i in range(d) for j in range(i, d))
    arr = _int64(X, n)
    if arr is not None:  # vectorise in int64
        sums = [int(s) for s in arr.sum(axis=0)]
        arr = n * arr - np.array(sums, dtype=np.int64)  # (x − x̄) · n · common
        g = gcd(int(np.gcd.reduce(arr.ravel())), n * common)
        arr //= g
    else:
        sums = [sum(col) for col in zip(*X)]
        A = [[n * v - s for v, s in zip(row, sums)] for row in X]
        g = reduce(gcd, (v for row in A for v in row), n * common)
        A = [[v // g for v in row] for row in A]
    scale = n * common // g
    center = tuple(Fraction(s, n * common) for s in sums)
    if arr is not None and int(np.abs(arr).max(initial=0)) < 2**31:  # products fit in int64
        cols = [arr[:, i] * arr[:, j] for i, j in pairs] + [arr[:, i] for i in range(d)] + [np.ones(n, np.int64)]
        flat = np.stack(cols, axis=1).ravel().tolist()
    else:
        A = arr.tolist() if arr is not None else A
        flat = [v for r in A for v in [r[i] * r[j] for i, j in pairs] + r + [1]]
    width = len(pairs) + d + 1
    return Monomials(center, scale, pairs, fmpz_mat(n, width, flat))


def _int64(rows: list[list[int]], n: int):
    """``rows`` as an int64 array when ``n·max|v|`` fits comfortably, else ``None``."""
    try:
        arr = np.array(rows, dtype=np.int64)
    except OverflowError:
        return None
    return arr if int(np.abs(arr).max(initial=0)) * n < 2**62 else None


def gram(mono: Monomials) -> list[list[int]]:
    """``Σ_p A_p A_pᵀ`` of the centred integer data (rank = dimension of the affine hull).

    >>> gram(monomials([[Fraction(0), Fraction(0)], [Fraction(2), Fraction(2)]]))
    [[2, 2], [2, 2]]
    """
    n = mono.matrix.nrows()
    totals = (fmpz_mat(1, n, [1] * n) * mono.matrix).entries()
    G = [[0] * mono.d for _ in range(mono.d)]
    for k, (i, j) in enumerate(mono.pairs):
        G[i][j] = G[j][i] = int(totals[k])
    return G


def quad_coefficients(mono: Monomials, mean, inv, conv: Callable = lambda q: q) -> list:
    """Column ``C`` with ``(x_p − mean)ᵀ inv (x_p − mean) == (M · C)_p``.

    ``mean`` and ``inv`` may hold Fractions or balls; ``conv`` lifts Fractions to the same type.

    >>> m = monomials([[Fraction(0)], [Fraction(2)]])
    >>> c = quad_coefficients(m, [Fraction(1)], [[Fraction(1, 2)]])
    >>> [sum(Fraction(int(m.matrix[p, k])) * c[k] for k in range(m.width)) for p in range(2)]
    [Fraction(1, 2), Fraction(1, 2)]
    """
    d, a = mono.d, mono.scale
    delta = [mean[i] - conv(mono.center[i]) for i in range(d)]
    p_delta = [sum((inv[i][j] * delta[j] for j in range(d)), conv(Fraction(0))) for i in range(d)]
    coeffs = []
    for i, j in mono.pairs:
        factor = Fraction(1, a * a) if i == j else Fraction(2, a * a)
        coeffs.append(inv[i][j] * conv(factor))
    coeffs += [p_delta[i] * conv(Fraction(-2, a)) for i in range(d)]
    coeffs.append(sum((delta[i] * p_delta[i] for i in range(d)), conv(Fraction(0))))
    return coeffs


def moment_parameters(mono: Monomials, sums: Sequence, conv: Callable = lambda q: q):
    """Count, mean and covariance of one component from its row ``S = rᵀ · M``.

    >>> m = monomials([[Fraction(0)], [Fraction(2)]])
    >>> s = [sum(Fraction(int(m.matrix[p, k])) for p in range(2)) for k in range(m.width)]
    >>> moment_parameters(m, s)
    (Fraction(2, 1), [Fraction(1, 1)], [[Fraction(1, 1)]])
    """
    d, a = mono.d, mono.scale
    count = sums[mono.constant_column]
    delta = [sums[mono.linear_column(i)] * conv(Fraction(1, a)) / count for i in range(d)]
    mean = [conv(mono.center[i]) + delta[i] for i in range(d)]
    second = {}
    for k, (i, j) in enumerate(mono.pairs):
        second[i, j] = second[j, i] = sums[k] * conv(Fraction(1, a * a)) / count
    cov = [[second[i, j] - delta[i] * delta[j] for j in range(d)] for i in range(d)]
    return count, mean, cov


@dataclass(frozen=True)
class MStepModel:
    """What an M-step forms from the moment sums (see :func:`mstep_parameters`).

    ``initial`` holds each component's starting ``(weight, mean, covariance)`` as Fractions: the values
    a fixed parameter keeps at every iteration.
    """

    covariance_type: str = "full"
    fixed: frozenset = frozenset()
    reg_covar: Fraction = Fraction(0)
    count_offset: Fraction = Fraction(0)
    initial: tuple = ()

    @classmethod
    def of(cls, problem) -> "MStepModel":
        return cls(problem.covariance_type, problem.fixed, problem.reg_covar, problem.count_offset,
                   tuple((c.weight, c.mean, c.covariance) for c in problem.components))


def mstep_parameters(mono: Monomials, sums: Sequence, n: int, model: MStepModel = MStepModel(),
                     conv: Callable = lambda q: q):
    """Counts, weights, means and covariances of all K components from their rows ``S_c = r_cᵀ · M``.

    A row may be ``None`` (the exact layer, for a component whose responsibilities are not rational);
    then what depends on it is ``None`` too, except fixed parameters. With ``m_c = Σ_p r_pc``,
    ``o = count_offset``, ``ñ_c = m_c + o``, ``W_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ`` and
    ``G_c = W_c + o μ_c μ_cᵀ``:

    - weight ``ñ_c / Σ_j ñ_j = ñ_c / (n + K·o)``; mean ``μ_c = Σ_p r_pc x_p / ñ_c``;
    - ``full``: ``W_c / ñ_c``; ``tied``: ``Σ_c G_c / Σ_c ñ_c``; ``diag``: the diagonal of ``G_c / ñ_c``;
      ``spherical``: ``tr(G_c) / (d·ñ_c)`` times the identity; then ``reg_covar`` on the diagonal.

    These are scikit-learn's formulas (``_estimate_gaussian_parameters`` and the four
    ``_estimate_gaussian_covariances_*``: tied ``(XᵀX − Σ_c nk_c μ_c μ_cᵀ) / Σ nk``, diag
    ``Σ_p r_pc x_p² / nk_c − μ_c²``), rewritten exactly. With ``o = 0`` they are the textbook ones
    (tied: ``Σ_c W_c / n``, diag: the diagonal of full, spherical: its mean). With ``o > 0`` they differ
    from the textbook, and from each other: scikit-learn's full covariance is ``W_c / ñ_c`` while its
    diag is the diagonal of ``(W_c + o μ_c μ_cᵀ) / ñ_c``, larger by ``o μ_ci² / ñ_c``.
    Fixed parameters are the problem's starting values; a fixed covariance gets no ``reg_covar``.

    >>> m = monomials([[Fraction(0), Fraction(0)], [Fraction(2), Fraction(4)]])
    >>> s = [sum(Fraction(int(m.matrix[p, k])) for p in range(2)) for k in range(m.width)]
    >>> counts, weights, means, covs = mstep_parameters(m, [s], 2, MStepModel("spherical", reg_covar=Fraction(1, 2)))
    >>> counts, weights, means[0], covs[0]
    ([Fraction(2, 1)], [Fraction(1, 1)], [Fraction(1, 1), Fraction(2, 1)], [[Fraction(3, 1), Fraction(0, 1)], [Fraction(0, 1), Fraction(3, 1)]])
    """
    d, a, K = mono.d, mono.scale, len(sums)
    o, kind, fixed = model.count_offset, model.covariance_type, model.fixed
    zero = conv(Fraction(0))
    counts = [None if s is None else s[mono.constant_column] for s in sums]
    if "weight" in fixed:
        weights = [conv(w) for w, _, _ in model.initial]
    elif o == 0:
        weights = [None if m is None else m / n for m in counts]
    else:
        weights = [None if m is None else (m + conv(o)) / conv(n + K * o) for m in counts]

    plain = o == 0 and "mean" not in fixed  # the textbook M-step: moments about the weighted mean
    means, parts = [], []  # parts[c]: (ñ_c, W_c / ñ_c or None, G_c or None)
    for c, s in enumerate(sums):
        if s is None:
            means.append([conv(v) for v in model.initial[c][1]] if "mean" in fixed else None)
            parts.append(None)
        elif plain:
            m, mean, cov = moment_parameters(mono, s, conv)
            means.append(mean)
            parts.append((m, cov, None))
        else:
            m = counts[c]
            nt = m + conv(o)
            S1 = [s[mono.linear_column(i)] * conv(Fraction(1, a)) for i in range(d)]  # Σ_p r_pc (x_p − x̄)
            if "mean" in fixed:
                mean = [conv(v) for v in model.initial[c][1]]
                delta = [mean[i] - conv(mono.center[i]) for i in range(d)]
            else:
                delta = [(S1[i] - conv(o * mono.center[i])) / nt for i in range(d)]
                mean = [conv(mono.center[i]) + delta[i] for i in range(d)]
            S2 = {}
            for k, (i, j) in enumerate(mono.pairs):
                S2[i, j] = S2[j, i] = s[k] * conv(Fraction(1, a * a))
            W = [[S2[i, j] - S1[i] * delta[j] - delta[i] * S1[j] + m * delta[i] * delta[j] for j in range(d)]
                 for i in range(d)]
            G = W if o == 0 or kind == "full" else \
                [[W[i][j] + conv(o) * mean[i] * mean[j] for j in range(d)] for i in range(d)]
            means.append(mean)
            parts.append((nt, None, G))

    if "covariance" in fixed:
        covs = [[[conv(v) for v in row] for row in cov] for _, _, cov in model.initial]
        return counts, weights, means, covs

    def diagonal(values):
        return [[values[i] if i == j else zero for j in range(d)] for i in range(d)]

    covs = []
    if kind == "tied":
        if None in parts:
            covs = [None] * K
        else:
            total = [[zero] * d for _ in range(d)]
            for nt, cov, G in parts:
                for i in range(d):
                    for j in range(d):
                        total[i][j] = total[i][j] + (nt * cov[i][j] if G is None else G[i][j])
            shared = [[v / conv(n + K * o) for v in row] for row in total]
            covs = [shared] * K
    else:
        for part in parts:
            if part is None:
                covs.append(None)
                continue
            nt, cov, G = part
            if kind == "full":
                covs.append(cov if G is None else [[v / nt for v in row] for row in G])
                continue
            var = [cov[i][i] for i in range(d)] if G is None else [G[i][i] / nt for i in range(d)]
            if kind == "spherical":
                total = zero
                for v in var:
                    total = total + v
                var = [total / d] * d
            covs.append(diagonal(var))
    if model.reg_covar:
        reg = conv(model.reg_covar)
        covs = [None if cov is None else [[v + reg if i == j else v for j, v in enumerate(row)]
                                          for i, row in enumerate(cov)] for cov in covs]
    return counts, weights, means, covs
