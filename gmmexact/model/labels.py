"""The default point labels ``x1 … xn`` as a sequence that holds no string until one is asked for.

A problem of ten million points read from a file without a labels column would otherwise hold ten
million label strings (about 600 MB) that nothing but a per-point report reads.
"""
from __future__ import annotations

from collections.abc import Sequence


class NumberedLabels(Sequence):
    """``("x1", "x2", …, "xn")`` without the strings: equal (and hashing equal) to that tuple.

    >>> labels = NumberedLabels(3)
    >>> len(labels), labels[0], labels[-1], labels[:2], "x2" in labels, "x4" in labels, labels.index("x3")
    (3, 'x1', 'x3', ('x1', 'x2'), True, False, 2)
    >>> labels == ("x1", "x2", "x3"), hash(labels) == hash(("x1", "x2", "x3")), tuple(labels) + ("y",)
    (True, True, ('x1', 'x2', 'x3', 'y'))
    """

    __slots__ = ("_n", "_hash")

    def __init__(self, n: int) -> None:
        self._n = int(n)
        self._hash = None

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(f"x{k + 1}" for k in range(*i.indices(self._n)))
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("label index out of range")
        return f"x{i + 1}"

    def __iter__(self):
        return (f"x{k + 1}" for k in range(self._n))

    def _position(self, label) -> int | None:
        if not (isinstance(label, str) and label[:1] == "x" and label[1:].isdigit() and label[1:2] != "0"):
            return None
        k = int(label[1:]) - 1
        return k if 0 <= k < self._n else None

    def __contains__(self, label) -> bool:
        return self._position(label) is not None

    def index(self, label, *args) -> int:
        k = self._position(label)
        if k is None:
            raise ValueError(f"{label!r} is not a label")
        return k

    def count(self, label) -> int:
        return int(self._position(label) is not None)

    def __eq__(self, other) -> bool:
        if isinstance(other, NumberedLabels):
            return self._n == other._n
        if isinstance(other, tuple):
            return len(other) == self._n and all(a == b for a, b in zip(self, other))
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(tuple(self))
        return self._hash

    def __add__(self, other):
        return tuple(self) + tuple(other)

    def __reduce__(self):
        return (NumberedLabels, (self._n,))

    def __repr__(self) -> str:  # as the tuple it stands for
        return repr(tuple(self))
