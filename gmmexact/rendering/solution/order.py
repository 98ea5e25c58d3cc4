"""The order of a step's terms: sums are printed in the problem's order (points, then components),
by the quantities each term names or by the step input whose exact form it holds."""
from __future__ import annotations

import sympy as sp

from ...model.keys import Key

__all__ = ["StepTermOrder"]


class StepTermOrder:
    """A printer's ``term_order`` that follows the step being written.

    It places a term by the quantities it names (a key's symbol, or a placeholder for a certified
    decimal registered with :meth:`name_value`); failing that, by the input of the current step
    (:meth:`track_inputs`) whose exact form it holds; None when neither says.

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> order = StepTermOrder(run.problem)
    >>> order(sp.Symbol("joint.A.men")), order(sp.Symbol("joint.A.women")), order(sp.Integer(2))
    ((1, 0, 1), (1, 0, 0), None)
    >>> order.name_value("v0", Key.parse("resp.B.men"))
    >>> order(sp.Symbol("v0"))
    (1, 1, 1)
    """

    def __init__(self, problem):
        self._points = {p: i for i, p in enumerate(problem.labels)}
        self._components = {c: i for i, c in enumerate(problem.component_names)}
        self._value_keys: dict[str, Key] = {}  # placeholder symbol names of certified decimals -> their keys
        self._exact_places: dict = {}  # exact forms of the current step's inputs -> their places

    def place(self, key: Key) -> tuple:
        """(iteration, point's position, component's position); -1 where the key names none."""
        return (key.iteration, self._points.get(key.point, -1), self._components.get(key.component, -1))

    def name_value(self, name: str, key: Key) -> None:
        """Let the placeholder symbol ``name`` stand for ``key`` (its certified decimal)."""
        self._value_keys[name] = key

    def track_inputs(self, run, key: Key) -> None:
        """Remember the exact forms of ``key``'s inputs, so that the terms of its substituted and exact
        forms can be put in the order of the quantities they came from."""
        places = {}
        inputs = list(run[key].inputs)
        for inp in inputs + [k for i in inputs for k in run[i].inputs]:  # two levels: sums inside logs
            form = run[inp].exact
            if isinstance(form, sp.Basic) and not form.is_Number and not isinstance(form, sp.MatrixBase):
                places.setdefault(form, self.place(inp))
        self._exact_places = places

    def __call__(self, term):
        places = []
        for s in term.free_symbols if hasattr(term, "free_symbols") else ():
            name = str(getattr(s, "name", s))
            key = self._value_keys.get(name)
            if key is None:
                try:
                    key = Key.parse(name)
                except ValueError:
                    continue
            places.append(self.place(key))
        if places:
            return min(places)
        if self._exact_places:
            for sub in sp.preorder_traversal(term):
                if sub in self._exact_places:
                    return self._exact_places[sub]
        return None
