"""Data points that are exact decimals, kept as one integer array and one power of ten.

A data file of decimal text (``160``, ``-2.5e-3``, ``12.345``) stands for exact rationals with a
power of ten as denominator. Every value of an n × d block is ``integer × 10^exponent`` for one
common exponent (the finest decimal place in the data), so the block is an integer array: int64 when
every scaled value fits, else an object array of Python ints. Nothing is rounded, and nothing builds a
``Fraction`` per value until a row is asked for; vectorised exact arithmetic downstream works on
:meth:`DecimalPoints.scaled_integers`. The exact layer sees an ordinary sequence of rows of
``Fraction``, as it does for :class:`~gmmexact.model.floatpoints.FloatPoints`.
"""
from __future__ import annotations

import math
import numbers
import operator
import sys
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from .floatpoints import FloatPoints

_P = sys.hash_info.modulus  # the modulus of Python's numeric hash (2**61 - 1 on 64-bit builds)
_INT64_MAX = 2**63 - 1
_POW10 = np.array([10**k for k in range(19)], dtype=np.int64)  # every power of ten in int64


def _coprime_maker():
    """``make(n, d)``: the Fraction n/d for coprime ints n and d > 0, without a gcd per value."""
    made = getattr(Fraction, "_from_coprime_ints", None)  # Python 3.12+
    if made is not None:
        return made
    new = object.__new__

    def make(n: int, d: int, new=new, cls=Fraction) -> Fraction:  # what 3.12's _from_coprime_ints does
        q = new(cls)
        q._numerator, q._denominator = n, d
        return q

    try:  # a Fraction of another make-up than the stdlib's slots: the public constructor
        ok = make(-3, 4) == Fraction(-3, 4) and hash(make(-3, 4)) == hash(Fraction(-3, 4)) and str(make(1, 2)) == "1/2"
    except (AttributeError, TypeError):
        ok = False
    return make if ok else Fraction


_make = _coprime_maker()


def _integer_array(values) -> np.ndarray:
    """A private 2-D integer array of ``values``: int64 when every value fits, else Python ints (object)."""
    # not np.asarray of a list: numpy turns ints past 2^64 (or mixed past 2^63) into floats
    a = values if isinstance(values, np.ndarray) else np.array(values, dtype=object)
    if a.dtype.kind in "iu":
        if a.dtype == np.uint64 and a.size and int(a.max()) > _INT64_MAX:
            a = a.astype(object)  # Python ints
        else:
            a = a.astype(np.int64, copy=True)
    elif a.dtype.kind == "O":
        flat = a.ravel().tolist()
        if not all(type(v) is int for v in flat):  # the usual case first: Python ints
            for v in flat:
                if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
                    raise ValueError(f"DecimalPoints holds integers, not {type(v).__name__} values such as {v!r}")
            flat = [int(v) for v in flat]
        if not flat or -_INT64_MAX - 1 <= min(flat) and max(flat) <= _INT64_MAX:
            a = np.array(flat, dtype=np.int64).reshape(a.shape)
        else:
            out = np.empty(len(flat), dtype=object)
            out[:] = flat
            a = out.reshape(a.shape)
    else:
        raise ValueError(f"DecimalPoints holds integers (scaled by a power of ten), not {a.dtype} values: "
                         "binary floats go in FloatPoints")
    if a.ndim != 2:
        raise ValueError(f"DecimalPoints needs an n × d array, got {a.ndim} dimension(s)")
    a.flags.writeable = False
    return a


def _read_only(a: np.ndarray) -> np.ndarray:
    view = a.view()
    view.flags.writeable = False
    return view


def _hash_of(v: int, c: int) -> int:
    """``hash(Fraction(v) * 10**e)`` where ``c = pow(10, e, _P)``: Python's numeric hash, without the Fraction."""
    h = abs(v) % _P * c % _P
    if v < 0:
        h = -h
    return -2 if h == -1 else h


class DecimalPoints(Sequence):
    """An n × d block of exact decimals ``integers × 10**exponent``, seen as rows of ``Fraction``.

    Equal (and hashing equal) to the tuple of tuples of Fractions it stands for, and to another
    ``DecimalPoints`` or a :class:`~gmmexact.model.floatpoints.FloatPoints` of the same values; not to
    lists. ``integers`` is a read-only view of a private copy: int64 when every value fits, else an
    object array of Python ints.

    >>> pts = DecimalPoints([[1600, -25], [1, 0]], exponent=-1)
    >>> len(pts), pts[0], pts.exponent, pts.integers.dtype
    (2, (Fraction(160, 1), Fraction(-5, 2)), -1, dtype('int64'))
    >>> pts == ((Fraction(160), Fraction(-5, 2)), (Fraction(1, 10), Fraction(0))), pts == [[160, -2.5], [0.1, 0]]
    (True, False)
    >>> hash(pts) == hash(tuple(pts)), pts.fraction(1, 0), pts.scaled_integers(-3).tolist()
    (True, Fraction(1, 10), [[160000, -2500], [100, 0]])
    >>> DecimalPoints([[10**30]]).integers.dtype
    dtype('O')
    """

    __slots__ = ("_ints", "_exp", "_rows")

    def __init__(self, integers, exponent: int = 0) -> None:
        if isinstance(exponent, (bool, np.bool_)):
            raise TypeError("the exponent of DecimalPoints is an integer, not a boolean")
        self._exp = operator.index(exponent)
        self._ints = _integer_array(integers)
        self._rows: tuple | None = None

    @classmethod
    def owning(cls, integers: np.ndarray, exponent: int) -> "DecimalPoints":
        """Points that take ``integers`` (an int64 n × d array nobody else holds) without copying it: it is
        made read-only. For readers of large files, whose array would otherwise exist twice.

        >>> a = np.array([[15, -2]], dtype=np.int64); pts = DecimalPoints.owning(a, -1)
        >>> pts[0], a.flags.writeable
        ((Fraction(3, 2), Fraction(-1, 5)), False)
        """
        if not (isinstance(integers, np.ndarray) and integers.dtype == np.int64 and integers.ndim == 2):
            return cls(integers, exponent)
        self = cls.__new__(cls)
        self._exp = operator.index(exponent)
        integers.flags.writeable = False
        self._ints = integers
        self._rows = None
        return self

    # --- the data ---------------------------------------------------------------------------------

    @property
    def integers(self) -> np.ndarray:
        """The scaled integers, read-only (int64, or object of Python ints): value = integer × 10^exponent."""
        return _read_only(self._ints)

    @property
    def exponent(self) -> int:
        """The common decimal exponent."""
        return self._exp

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, d)``."""
        return self._ints.shape

    def scaled_integers(self, exponent: int | None = None) -> np.ndarray:
        """The values as integers at the scale ``10**exponent`` (value = result × 10^exponent), read-only.

        Without an argument, the block's own integers. A smaller exponent multiplies every integer
        by ``10**(self.exponent - exponent)`` (int64 while every product fits, else Python ints); a
        larger one divides, and is refused (``ValueError``) unless every value is a multiple.

        >>> DecimalPoints([[15, 250]], -1).scaled_integers(-3).tolist(), DecimalPoints([[150, 250]], -2).scaled_integers(-1).tolist()
        ([[1500, 25000]], [[15, 25]])
        """
        if exponent is None:
            return self.integers
        exponent = operator.index(exponent)
        shift = self._exp - exponent
        a = self._ints
        if shift == 0:
            return self.integers
        if shift > 0:
            if a.dtype == np.int64 and shift <= 18:
                bound = _INT64_MAX // int(_POW10[shift])
                if not a.size or int(np.abs(a).max()) <= bound:
                    return _read_only(a * _POW10[shift])
            p = 10**shift
            out = np.empty(a.shape, dtype=object)
            out.ravel()[:] = [v * p for v in a.ravel().tolist()]
            return _read_only(_integer_array(out))
        p = 10**-shift
        if a.dtype == np.int64 and -shift <= 18:
            if np.any(a % _POW10[-shift]):
                raise ValueError(f"not every value is a multiple of 10^{exponent}")
            return _read_only(a // _POW10[-shift])
        flat = a.ravel().tolist()
        if any(v % p for v in flat):
            raise ValueError(f"not every value is a multiple of 10^{exponent}")
        out = np.empty(a.shape, dtype=object)
        out.ravel()[:] = [v // p for v in flat]
        return _read_only(_integer_array(out))

    def fraction(self, i: int, j: int) -> Fraction:
        """The exact value at row ``i``, column ``j``.

        >>> DecimalPoints([[-125]], -3).fraction(0, 0)
        Fraction(-1, 8)
        """
        v = int(self._ints[i, j])
        if self._exp >= 0:
            return _make(v * 10**self._exp, 1)
        d = 10**-self._exp
        g = math.gcd(v, d)
        return _make(v // g, d // g)

    def fractions_row(self, i: int) -> tuple[Fraction, ...]:
        """Row ``i`` (negative counts from the end) as a tuple of Fractions."""
        i = operator.index(i)
        if not -len(self) <= i < len(self):
            raise IndexError("tuple index out of range")
        if self._rows is not None:
            return self._rows[i]
        return self._fraction_rows(self._ints[i:i + 1] if i != -1 else self._ints[i:])[0]

    def nearest_floats(self) -> np.ndarray:
        """The float64 nearest each value (as ``float(Fraction)`` rounds it; ±inf past the float range).

        >>> DecimalPoints([[1, -3]], -1).nearest_floats().tolist()
        [[0.1, -0.3]]
        """
        a, e = self._ints, self._exp
        if a.dtype == np.int64 and abs(e) <= 22 and (not a.size or int(np.abs(a).max()) <= 2**53):
            f = a.astype(np.float64)  # exact, and so is 10.0**|e|: one IEEE operation rounds correctly
            return f * 10.0**e if e >= 0 else f / 10.0**-e
        out = []
        for row in self.rows():
            for q in row:
                try:
                    out.append(float(q))
                except OverflowError:
                    out.append(math.copysign(math.inf, q))
        return np.array(out, dtype=np.float64).reshape(self._ints.shape)

    # --- the sequence of rows ---------------------------------------------------------------------

    def _fraction_rows(self, a: np.ndarray) -> tuple[tuple[Fraction, ...], ...]:
        e = self._exp
        if e >= 0:  # whole numbers
            p = 10**e
            return tuple(tuple(_make(v * p, 1) for v in row) for row in a.tolist())
        if a.dtype == np.int64 and -e <= 18:  # one vectorised gcd with 10^-e, then no gcd per value
            d = _POW10[-e]
            g = np.gcd(a, d)
            nums, dens = (a // g).tolist(), (d // g).tolist()
            return tuple(tuple(map(_make, nr, dr)) for nr, dr in zip(nums, dens))
        d = 10**-e
        gcd = math.gcd
        return tuple(tuple(_make(v // g, d // g) for v in row for g in (gcd(v, d),)) for row in a.tolist())

    def rows(self) -> tuple[tuple[Fraction, ...], ...]:
        """Every row as a tuple of Fractions (built once, on first use)."""
        if self._rows is None:
            self._rows = self._fraction_rows(self._ints)
        return self._rows

    def __len__(self) -> int:
        return self._ints.shape[0]

    def __getitem__(self, i):
        if self._rows is not None:
            return self._rows[i]
        if isinstance(i, slice):
            return self._fraction_rows(self._ints[i])
        return self.fractions_row(operator.index(i))  # TypeError for anything else, as a tuple gives

    def __iter__(self):
        return iter(self.rows())

    def __eq__(self, other) -> bool:
        if isinstance(other, DecimalPoints):
            if self.shape != other.shape:
                return False
            e = min(self._exp, other._exp)
            return bool(np.array_equal(self.scaled_integers(e), other.scaled_integers(e)))
        if isinstance(other, FloatPoints):
            return self.shape == other.array.shape and self.rows() == other.rows()
        if isinstance(other, tuple):
            return len(other) == len(self) and self.rows() == other
        return NotImplemented

    def __hash__(self) -> int:
        # each value's hash is Python's numeric hash of the rational (what hash(Fraction) gives), so the
        # rows hash as the tuple of tuples of Fractions does, without building the Fractions
        c = pow(10, self._exp, _P)  # 10^e mod P; a negative e takes the modular inverse
        return hash(tuple(tuple(_hash_of(v, c) for v in row) for row in self._ints.tolist()))

    def __reduce__(self):
        return DecimalPoints, (self._ints, self._exp)

    def __repr__(self) -> str:
        n, d = self._ints.shape
        kind = "int64" if self._ints.dtype == np.int64 else "Python int"
        return f"DecimalPoints(<{n} × {d} exact decimals: {kind} integers × 10^{self._exp}>)"
