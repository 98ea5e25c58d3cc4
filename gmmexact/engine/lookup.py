"""Looking up one quantity entry of the exact layer by key, and checking that a key names a quantity.

``exact_entry`` answers with a ``Fraction`` when the entry is rational (and known to be), else
``None``; :func:`gmmexact.numerics.evaluate.ball_entry` answers with the enclosure. Keys are validated by :func:`resolve` first.
"""
from __future__ import annotations

import difflib
from fractions import Fraction

from .exact import ExactPlan
from .identities import AUTO_KINDS, known_rational
from ..model.keys import KINDS, Key


def resolve(plan: ExactPlan, key: Key | str) -> Key:
    """Check that ``key`` names a quantity of ``plan``; raise ``KeyError`` with a suggestion if not."""
    problem = plan.problem
    if isinstance(key, str):
        try:
            key = Key.parse(key)
        except ValueError as e:
            raise KeyError(f"{e}; kinds are {', '.join(KINDS)}") from None
    if key.iteration > len(plan.iterations):
        why = (f"; EM stops after iteration {len(plan.iterations)} because an updated covariance is singular, "
               f"so iteration {len(plan.iterations) + 1}'s E-step is undefined") if plan.stopped else ""
        raise KeyError(f"{key}: iteration {key.iteration} was not computed ({len(plan.iterations)} available){why}")
    if key.point is not None and key.point not in problem.point_index:
        raise KeyError(f"{key}: no point {key.point!r}{_near(key.point, problem.labels)}")
    if key.component is not None and key.component not in problem.component_index:
        raise KeyError(f"{key}: no component {key.component!r}{_near(key.component, problem.component_names)}")
    if any(i >= problem.d for i in key.entry):
        raise KeyError(f"{key}: index out of range for d = {problem.d}")
    return key


def _near(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=3)
    return f"; did you mean {', '.join(close)}?" if close else f" (the problem has {', '.join(options)})"


def entry_keys(key: Key, d: int) -> list[Key]:
    """The scalar entry keys of a whole key, in row-major order."""
    shape = key.shape
    if key.entry or shape == "scalar":
        return [key]
    if shape == "vector":
        return [Key(key.iteration, key.kind, key.point, key.component, (i,)) for i in range(d)]
    return [Key(key.iteration, key.kind, key.point, key.component, (i, j)) for i in range(d) for j in range(d)]


def shape_entries(values: list, key: Key, d: int):
    """Arrange the values of ``entry_keys(key, d)`` in the key's shape (nested tuples for arrays)."""
    if key.entry or key.shape == "scalar":
        return values[0]
    if key.shape == "vector":
        return tuple(values)
    return tuple(tuple(values[i * d:(i + 1) * d]) for i in range(d))


def entry_indices(plan: ExactPlan, key: Key) -> tuple[int | None, int | None]:
    """The point and component positions a key names (``None`` where it names none)."""
    p = plan.problem.point_index[key.point] if key.point is not None else None
    c = plan.problem.component_index[key.component] if key.component is not None else None
    return p, c


def exact_entry(plan: ExactPlan, key: Key) -> Fraction | None:
    """The exact rational value of a scalar entry, or ``None`` when it is not (known) rational.

    The exact layer first; then, for iteration 1, the M-step entries that are rational only through an
    identity of the transcendental responsibilities (a mirror-symmetric problem's count of exactly
    5/2, say), decided exactly by :func:`~gmmexact.engine.identities.known_rational`.

    >>> from gmmexact.model.problem import Problem
    >>> from gmmexact.engine.exact import derive_exact
    >>> p = Problem.from_arrays([-2, -1, 0, 1, 2], means=[-1, 1], covariances=[1, 1], weights=["1/2", "1/2"])
    >>> plan = derive_exact(p)
    >>> exact_entry(plan, Key.parse("count.1")), exact_entry(plan, Key.parse("mean.1[0]"))
    (Fraction(5, 2), None)
    """
    value = _layer_entry(plan, key)
    if value is None and key.iteration == 1 and key.kind in AUTO_KINDS:
        value = known_rational(plan, key)
    return value


def _layer_entry(plan: ExactPlan, key: Key) -> Fraction | None:
    """What the exact layer (``ExactPlan``) knows of a scalar entry."""
    it = plan.iterations[key.iteration - 1]
    p, c = entry_indices(plan, key)
    kind, e = key.kind, key.entry
    start = it.start[c] if c is not None else None
    new = it.new[c] if c is not None else None
    if kind == "det":
        return start.det
    if kind == "inv":
        return None if start.inv is None else start.inv[e[0]][e[1]]
    if kind == "quad":
        return None if it.quad is None else Fraction(int(it.quad[p, c].p), int(it.quad[p, c].q))
    if kind == "exp":  # exp(0) = 1 is the one rational exponential
        q = exact_entry(plan, Key(key.iteration, "quad", key.point, key.component))
        return Fraction(1) if q == 0 else None
    if kind == "resp":
        return None if it.resp is None else it.resp[p][c]
    if kind == "count":
        return it.counts[c]
    if kind == "weight":
        return new.weight
    if kind in ("mean", "dev", "outer", "cov"):
        if new.mean is None:
            return None
        if kind == "mean":
            return new.mean[e[0]]
        if kind == "cov":
            return None if new.cov is None else new.cov[e[0]][e[1]]
        x = plan.problem.points[p]
        dev = [None if m is None else x[i] - m for i, m in enumerate(new.mean)]
        if kind == "dev":
            return dev[e[0]]
        if dev[e[0]] == 0 or dev[e[1]] == 0:  # an exact zero factor: the product is 0, whatever the other is
            return Fraction(0)
        return None if dev[e[0]] is None or dev[e[1]] is None else dev[e[0]] * dev[e[1]]
    return None  # norm, density, joint, evidence, loglik involve π or exp: never rational
