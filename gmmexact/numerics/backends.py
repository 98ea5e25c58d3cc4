"""Certified number backends: python-flint ``arb`` balls (default) and ``mpmath.iv`` intervals.

A backend supplies enclosures of real numbers and small dense matrices of them, at a working
precision in bits. Everything the evaluator computes goes through one backend, so running both on
the same problem checks each against the other. Matrices are opaque to callers: use ``get``,
``shape``, ``tolist``.
"""
from __future__ import annotations

import contextlib
from fractions import Fraction
from typing import Iterator

import flint
import mpmath
from flint import arb, arb_mat, fmpq, fmpq_mat, fmpz_mat


class ArbBackend:
    """Ball arithmetic with python-flint (Arb); matrix products run in C."""

    name = "arb"

    @contextlib.contextmanager
    def precision(self, bits: int) -> Iterator[None]:
        old = flint.ctx.prec
        flint.ctx.prec = bits
        try:
            yield
        finally:
            flint.ctx.prec = old

    def scalar(self, q) -> arb:
        q = Fraction(q)
        return arb(fmpq(q.numerator, q.denominator))

    def matrix(self, rows) -> arb_mat:
        if isinstance(rows, (fmpz_mat, fmpq_mat)):
            return arb_mat(rows)
        nrows, ncols = len(rows), len(rows[0])
        return arb_mat(nrows, ncols, [x for row in rows for x in row])

    def matmul(self, a: arb_mat, b: arb_mat) -> arb_mat:
        return a * b

    def transpose(self, a: arb_mat) -> arb_mat:
        return a.transpose()

    def get(self, a: arb_mat, i: int, j: int) -> arb:
        return a[i, j]

    def shape(self, a: arb_mat) -> tuple[int, int]:
        return a.nrows(), a.ncols()

    def tolist(self, a: arb_mat) -> list[list[arb]]:
        return a.tolist()

    def entries(self, a: arb_mat) -> list[arb]:
        """Row-major flat list of the entries."""
        return a.entries()

    def from_entries(self, nrows: int, ncols: int, flat: list) -> arb_mat:
        return arb_mat(nrows, ncols, flat)

    def scale(self, a: arb_mat, x: arb) -> arb_mat:
        return a * x

    def add(self, a: arb_mat, b: arb_mat) -> arb_mat:
        return a + b

    def exp_all(self, xs: list[arb]) -> list[arb]:
        return [x.exp() for x in xs]

    def exp(self, x: arb) -> arb:
        return x.exp()

    def log(self, x: arb) -> arb:
        return x.log()

    def sqrt(self, x: arb) -> arb:
        return x.sqrt()

    def pi(self) -> arb:
        return arb.pi()

    def det(self, rows) -> arb:
        return self.matrix(rows).det()

    def inv(self, rows) -> list[list[arb]]:
        return self.matrix(rows).inv().tolist()


class MpmathBackend:
    """Interval arithmetic with ``mpmath.iv`` (outward rounding); plain Python loops, slower."""

    name = "mpmath"

    def __init__(self) -> None:
        self.iv = mpmath.iv

    @contextlib.contextmanager
    def precision(self, bits: int) -> Iterator[None]:
        old = self.iv.prec
        self.iv.prec = bits
        try:
            yield
        finally:
            self.iv.prec = old

    def scalar(self, q):
        q = Fraction(q)
        return self.iv.mpf(q.numerator) / q.denominator if q.denominator != 1 else self.iv.mpf(q.numerator)

    def matrix(self, rows) -> list[list]:
        if isinstance(rows, fmpz_mat):
            return [[self.scalar(int(v)) for v in row] for row in rows.tolist()]
        if isinstance(rows, fmpq_mat):
            return [[self.scalar(Fraction(int(v.p), int(v.q))) for v in row] for row in rows.tolist()]
        return [list(row) for row in rows]

    def matmul(self, a: list[list], b: list[list]) -> list[list]:
        cols = list(zip(*b))
        zero = self.iv.mpf(0)
        return [[sum((x * y for x, y in zip(row, col)), zero) for col in cols] for row in a]

    def transpose(self, a: list[list]) -> list[list]:
        return [list(col) for col in zip(*a)]

    def get(self, a: list[list], i: int, j: int):
        return a[i][j]

    def shape(self, a: list[list]) -> tuple[int, int]:
        return len(a), len(a[0]) if a else 0

    def tolist(self, a: list[list]) -> list[list]:
        return [list(r) for r in a]

    def entries(self, a: list[list]) -> list:
        return [x for row in a for x in row]

    def from_entries(self, nrows: int, ncols: int, flat: list) -> list[list]:
        return [flat[i * ncols:(i + 1) * ncols] for i in range(nrows)]

    def scale(self, a: list[list], x) -> list[list]:
        return [[v * x for v in row] for row in a]

    def add(self, a: list[list], b: list[list]) -> list[list]:
        return [[x + y for x, y in zip(r, s)] for r, s in zip(a, b)]

    def exp_all(self, xs: list) -> list:
        return [self.iv.exp(x) for x in xs]

    def exp(self, x):
        return self.iv.exp(x)

    def log(self, x):
        return self.iv.log(x)

    def sqrt(self, x):
        return self.iv.sqrt(x)

    def pi(self):
        return self.iv.pi

    def det(self, rows):
        return _gauss(rows, self.iv.mpf(1))[0]

    def inv(self, rows):
        return _gauss(rows, self.iv.mpf(1))[1]



def _gauss(rows, one):
    """Determinant and inverse by Gauss–Jordan elimination without pivoting.

    Used for symmetric positive-definite matrices, whose pivots are ratios of leading minors and so
    positive; an interval pivot that contains zero just yields an infinite enclosure, which the
    caller treats as 'raise the precision'.
    """
    d = len(rows)
    zero = one * 0
    a = [list(r) + [one if i == j else zero for j in range(d)] for i, r in enumerate(rows)]
    det = one
    for k in range(d):
        pivot = a[k][k]
        det = det * pivot
        a[k] = [v / pivot for v in a[k]]
        for i in range(d):
            if i != k:
                f = a[i][k]
                a[i] = [v - f * w for v, w in zip(a[i], a[k])]
    return det, [row[d:] for row in a]


BACKENDS = {"arb": ArbBackend, "mpmath": MpmathBackend}


def get_backend(name: str):
    """The backend called ``name`` (``"arb"`` or ``"mpmath"``).

    >>> get_backend("arb").name
    'arb'
    """
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(f"unknown backend {name!r}; expected one of {', '.join(BACKENDS)}") from None
