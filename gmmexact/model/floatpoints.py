"""Data points that are float64 values, kept as the array and read as exact rationals on demand.

A float64 value is a binary fraction, so it *is* an exact rational; an engineer's n × d float array
(``rng.normal`` samples, a measured data set) is a legitimate exact problem. Turning 500,000 of them
into ``Fraction`` objects up front costs seconds and hundreds of MB that the fast cross-check never
needs: it reads the array itself. The exact layer sees an ordinary sequence of rows of ``Fraction``.
"""
from __future__ import annotations

import operator
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

_from_coprime = getattr(Fraction, "_from_coprime_ints", None)  # Python 3.12+: no gcd per value


def _exact(v: float) -> Fraction:
    num, den = v.as_integer_ratio()  # already in lowest terms
    return _from_coprime(num, den) if _from_coprime is not None else Fraction(num, den)


class FloatPoints(Sequence):
    """An n × d float64 array seen as a tuple of rows of the exact ``Fraction`` each value is.

    Equal (and hashing equal) to the tuple of tuples of Fractions it stands for, and to nothing else
    but another ``FloatPoints``. ``array`` is a read-only view of a private copy: the points of a
    problem cannot change under it. Anything but a float16/32/64 array is refused (float64 would round
some of its values).

    >>> pts = FloatPoints(np.array([[0.5, 0.1], [-3.0, 2.0]]))
    >>> len(pts), pts[0]
    (2, (Fraction(1, 2), Fraction(3602879701896397, 36028797018963968)))
    >>> pts == ((Fraction(1, 2), Fraction(0.1)), (Fraction(-3), Fraction(2))), pts == [[0.5, 0.1], [-3.0, 2.0]]
    (True, False)
    >>> pts.array.flags.writeable
    False
    """

    __slots__ = ("_data", "_rows")

    def __init__(self, array) -> None:
        a = np.asarray(array)
        if a.dtype.kind != "f" or a.dtype.itemsize > 8:  # ints, objects, longdouble: float64 would round some
            raise ValueError(f"FloatPoints holds float64 (or narrower float) values, not {a.dtype}: exact data go "
                             "through Problem.from_arrays")
        a = np.array(a, dtype=np.float64, copy=True)
        if a.ndim != 2:
            raise ValueError(f"FloatPoints needs an n × d array, got {a.ndim} dimension(s)")
        if not np.isfinite(a).all():
            raise ValueError("FloatPoints needs finite values")
        a.flags.writeable = False
        self._data = a
        self._rows: tuple | None = None

    @classmethod
    def owning(cls, array: np.ndarray) -> FloatPoints:
        """Points that take a 2-D float64 array nobody else changes (e.g. a read-only memory map whose
        values the caller checked to be finite) without copying it or reading it: it is made read-only.

        >>> a = np.array([[0.5, 2.0]]); pts = FloatPoints.owning(a)
        >>> pts[0], a.flags.writeable
        ((Fraction(1, 2), Fraction(2, 1)), False)
        """
        if not (isinstance(array, np.ndarray) and array.dtype == np.float64 and array.ndim == 2):
            return cls(array)
        self = cls.__new__(cls)
        array.flags.writeable = False
        self._data = array
        self._rows = None
        return self

    @property
    def array(self) -> np.ndarray:
        """The points as a read-only float64 array (a view: its flags cannot be turned writeable)."""
        view = self._data.view()
        view.flags.writeable = False
        return view

    def rows(self) -> tuple[tuple[Fraction, ...], ...]:
        """Every row as a tuple of Fractions (built once, on first use)."""
        if self._rows is None:
            self._rows = tuple(tuple(map(_exact, row)) for row in self._data.tolist())
        return self._rows

    def __len__(self) -> int:
        return self._data.shape[0]

    def __getitem__(self, i):
        if self._rows is not None:
            return self._rows[i]
        if isinstance(i, slice):
            return tuple(tuple(map(_exact, row)) for row in self._data[i].tolist())
        i = operator.index(i)  # TypeError for anything else, as a tuple gives
        if not -len(self) <= i < len(self):
            raise IndexError("tuple index out of range")
        return tuple(map(_exact, self._data[i].tolist()))

    def __iter__(self):
        return iter(self.rows())

    def __eq__(self, other) -> bool:
        if isinstance(other, FloatPoints):
            return self._data.shape == other._data.shape and bool(np.array_equal(self._data, other._data))
        if isinstance(other, tuple):
            return self.rows() == other
        return NotImplemented

    def __hash__(self) -> int:
        # a float and the Fraction it is hash alike, so the floats' rows hash as the Fractions' rows do
        return hash(tuple(map(tuple, self._data.tolist())))

    def __reduce__(self):
        return FloatPoints, (self._data,)

    def __repr__(self) -> str:
        n, d = self._data.shape
        return f"FloatPoints(<{n} × {d} float64 values, read exactly>)"
