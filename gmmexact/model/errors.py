"""Errors that carry what a user needs to act: the file, the field, what was wrong, what is right."""
from __future__ import annotations


class GmmExactError(Exception):
    """Base class of every error gmmexact raises on purpose."""


class InputError(GmmExactError):
    """An input file or argument that cannot be used as written (CLI exit status 2).

    >>> str(InputError("p.toml", "components[0].weight", "is -1/2", "a number in (0, 1]"))
    'p.toml: components[0].weight: is -1/2; expected a number in (0, 1]'

    Attributes
    ----------
    file : str or None
        The file (or ``None`` for an argument or an object in memory).
    field : str or None
        Where in it, e.g. ``components[1] (men).covariance`` or ``--points``.
    problem : str
        What is wrong.
    expected : str or None
        What would be right.
    """

    def __init__(self, file: str | None, field: str | None, problem: str, expected: str | None = None):
        self.file = file
        self.field = field
        self.problem = problem
        self.expected = expected
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.file, self.field) if p)
        text = f"{where}: {self.problem}" if where else self.problem
        if self.expected:
            text += f"; expected {self.expected}"
        return text
