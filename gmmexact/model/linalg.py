"""Exact rational linear algebra on small matrices (python-flint ``fmpq_mat`` underneath).

Matrices flow in and out as tuples of tuples of ``fractions.Fraction`` so that callers never
depend on flint types. Everything here is exact: no floating point anywhere.
"""
from __future__ import annotations

from fractions import Fraction
from functools import reduce
from math import gcd, lcm
from typing import Sequence

from flint import fmpq, fmpq_mat, fmpz_mat

from .exactnum import format_exact, int_text

Matrix = tuple[tuple[Fraction, ...], ...]


def to_fmpq(x: Fraction | int) -> fmpq:
    x = Fraction(x)
    return fmpq(x.numerator, x.denominator)


def to_fraction(x) -> Fraction:
    """Convert an ``fmpq``/``fmpz``/int to ``Fraction``."""
    if isinstance(x, fmpq):
        return Fraction(int(x.p), int(x.q))
    return Fraction(int(x))


def to_fmpq_mat(rows: Sequence[Sequence[Fraction]]) -> fmpq_mat:
    nrows = len(rows)
    ncols = len(rows[0]) if nrows else 0
    return fmpq_mat(nrows, ncols, [to_fmpq(v) for row in rows for v in row])


def from_fmpq_mat(m: fmpq_mat) -> Matrix:
    return tuple(tuple(to_fraction(m[i, j]) for j in range(m.ncols())) for i in range(m.nrows()))


def det(rows: Sequence[Sequence[Fraction]]) -> Fraction:
    """Exact determinant.

    >>> det([[Fraction(10), 0], [0, 10]])
    Fraction(100, 1)
    """
    return to_fraction(to_fmpq_mat(rows).det())


def inverse(rows: Sequence[Sequence[Fraction]]) -> Matrix:
    """Exact inverse of a non-singular matrix.

    >>> inverse([[2, 0], [0, 4]])
    ((Fraction(1, 2), Fraction(0, 1)), (Fraction(0, 1), Fraction(1, 4)))
    """
    return from_fmpq_mat(to_fmpq_mat(rows).inv())


def leading_principal_minors(rows: Sequence[Sequence[Fraction]]) -> list[Fraction]:
    """Determinants of the top-left k×k blocks, k = 1…d (Sylvester's criterion).

    One fraction-free LU decomposition of the matrix scaled to integers gives them all while no
    pivot is zero (then the k-th pivot is the k-th leading minor); only past a zero minor are the
    remaining ones computed one by one.

    >>> leading_principal_minors([[1, 2], [2, 1]])
    [Fraction(1, 1), Fraction(-3, 1)]
    >>> leading_principal_minors([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    [Fraction(0, 1), Fraction(-1, 1), Fraction(-1, 1)]
    """
    d = len(rows)
    found = _minors_before_zero(rows)
    found += [det([row[:k] for row in rows[:k]]) for k in range(len(found) + 1, d + 1)]
    return found


def first_nonpositive_minor(rows: Sequence[Sequence[Fraction]]) -> tuple[int, Fraction] | None:
    """The first k (from 1) whose leading k×k minor is ≤ 0, with that minor; ``None`` when every leading
    minor is positive (for a symmetric matrix: positive definite).

    A symmetric matrix with a positive, strictly dominant diagonal is positive definite (Gershgorin),
    decided exactly in O(d²); any other takes one fraction-free LU decomposition.

    >>> first_nonpositive_minor([[2, 1], [1, 2]]) is None, first_nonpositive_minor([[1, 2], [2, 1]])
    (True, (2, Fraction(-3, 1)))
    """
    d = len(rows)
    symmetric = all(rows[i][j] == rows[j][i] for i in range(d) for j in range(i))
    if symmetric and all(rows[i][i] > sum(abs(rows[i][j]) for j in range(d) if j != i) for i in range(d)):
        return None
    for k, minor in enumerate(_minors_before_zero(rows), 1):
        if minor <= 0:
            return k, minor
    return None


def _minors_before_zero(rows: Sequence[Sequence[Fraction]]) -> list[Fraction]:
    """The leading minors up to and including the first zero one (all d when none is zero)."""
    d = len(rows)
    if d == 0:
        return []
    entries = [Fraction(v) for row in rows for v in row]
    scale = reduce(lcm, (v.denominator for v in entries), 1)
    P, _, _, U = fmpz_mat(d, d, [v.numerator * (scale // v.denominator) for v in entries]).fflu()
    minors: list[Fraction] = []
    for k in range(d):
        pivot = int(U[k, k]) if P[k, k] == 1 else 0  # a row swap at step k: the k-th minor is zero
        minors.append(Fraction(pivot, scale ** (k + 1)))
        if pivot == 0:
            break
    return minors


def primitive_integer_vector(v: Sequence[Fraction]) -> tuple[int, ...]:
    """Scale a rational vector to coprime integers, first non-zero entry positive.

    >>> primitive_integer_vector([Fraction(1, 2), Fraction(-1, 3)])
    (3, -2)
    """
    den = reduce(lcm, (Fraction(x).denominator for x in v), 1)
    ints = [int(Fraction(x) * den) for x in v]
    g = reduce(gcd, ints, 0) or 1
    ints = [i // g for i in ints]
    first = next((i for i in ints if i), 1)
    return tuple(i if first > 0 else -i for i in ints)


def gram_relations(gram: Sequence[Sequence[int]], center: Sequence[Fraction]) -> tuple[int, list[tuple[tuple[int, ...], Fraction]]]:
    """Affine-hull dimension and relations from the Gram matrix ``Σ (x−c)(x−c)ᵀ`` of centred data.

    ``null(Σ zzᵀ) = null(Z)``, so the relations ``a·z = 0`` of the centred points are the null space
    of the d×d Gram matrix: cheap however many points there are.

    >>> gram_relations([[2, 2], [2, 2]], [Fraction(1), Fraction(1)])
    (1, [((1, -1), Fraction(0, 1))])
    """
    d = len(gram)
    rows = [[Fraction(v) for v in row] for row in gram]
    dim = to_fmpq_mat(rows).rank()
    if dim == d:
        return dim, []
    null = nullspace(rows, d) if dim else [[Fraction(int(i == j)) for j in range(d)] for i in range(d)]
    relations = []
    for vec in null:
        a = primitive_integer_vector(vec)
        relations.append((a, sum(Fraction(ai) * ci for ai, ci in zip(a, center))))
    return dim, relations


def nullspace(rows: list[list[Fraction]], d: int) -> list[list[Fraction]]:
    """Basis of {v : rows · v = 0}, by exact reduced row echelon form."""
    m = to_fmpq_mat(rows)
    rref, r = m.rref()
    R = from_fmpq_mat(rref)
    pivots = []
    for i in range(r):
        pivots.append(next(j for j in range(d) if R[i][j] != 0))
    free = [j for j in range(d) if j not in pivots]
    basis = []
    for f in free:
        v = [Fraction(0)] * d
        v[f] = Fraction(1)
        for i, p in enumerate(pivots):
            v[p] = -R[i][f]
        basis.append(v)
    return basis


def format_relation(coeffs: Sequence[int], rhs: Fraction, names: Sequence[str]) -> str:
    """Write ``a·x = b`` with variable names, e.g. ``height − weight = 105``.

    >>> format_relation((1, -1), Fraction(105), ["height", "weight"])
    'height − weight = 105'
    >>> format_relation((2, 0, 3), Fraction(-1, 2), ["x", "y", "z"])
    '2·x + 3·z = −1/2'
    """
    parts = []
    for c, name in zip(coeffs, names):
        if c == 0:
            continue
        mag = abs(c)
        term = name if mag == 1 else f"{int_text(mag)}·{name}"
        if not parts:
            parts.append(term if c > 0 else f"−{term}")
        else:
            parts.append(f"{'+' if c > 0 else '−'} {term}")
    right = format_exact(rhs).replace("-", "−")
    return f"{' '.join(parts)} = {right}"
