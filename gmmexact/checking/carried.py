"""The search for carried values: re-evaluating a claim's step from the document's own earlier
written numbers.

:class:`ExplicitSteps` makes a step's definition explicit over key symbols (matrix symbols as
entries, sums over points written out, an inverse as adjugate over determinant), following unwritten
intermediate steps back to written ones. :class:`CarriedSearch` evaluates such a step with each
combination of the inputs' written values or exact enclosures (and π or a hand value of it) in
certified intervals (``stepeval.py``), measures how many shown digits the document's rounded
inputs justify, and finds where a number rounded too early had its digits spoiled
(:meth:`CarriedSearch.early_rounding`).

The search is bounded, whatever the document writes: enclosures are compared with written promises
on their end points as they are (``stepeval.inside``, ``apart``, ``digits_lost``: an end point like
``exp(−5·10¹⁰)`` is never written out as a rational), a written input more than ``ABSURD_BITS``
binary orders of magnitude from its exact value is not tried as a source (a document that wrote
``1e300`` for 0.8 did not compute its next step from it), and each claim may spend at most
``EVALUATION_BUDGET`` node evaluations (the size of the step's expression times the entries
evaluated) across the search, the slips and the digits justified; a search cut short is recorded in
``cut_short`` and noted with the verdict.

Known gaps: unwritten intermediate steps are followed only ``EXPAND_DEPTH`` levels back; a step
whose definition keeps an indexed sum is not re-evaluated; beyond ``MAX_COMBINATIONS`` combinations
only one choice per kind of input is tried (all latest written values, or all exact); π by hand only
as one of ``PI_BY_HAND``.
"""
from __future__ import annotations

import itertools
from fractions import Fraction

import sympy as sp
from mpmath.libmp import ComplexResult

from ..engine.lookup import exact_entry
from ..model.keys import Key
from ..model.written import Written
from ..numerics.certify import start_precision
from .claims import Claim
from .context import CheckContext, ClaimCheck, EarlyRounding
from .stepeval import apart, digits_lost, evaluate, evaluate_exact, explicit, hull, inside, interval, iv, magnitude

MAX_COMBINATIONS = 256
MAX_PREC = 4160
"""The highest precision (bits) a step is re-evaluated at, whatever the digits written."""
EVALUATION_BUDGET = 1_000_000
"""Node evaluations (expression size × entries) one claim's carried search, slips and digits may spend."""
ABSURD_BITS = 333
"""A written input this many binary orders of magnitude (about 10¹⁰⁰) from its exact value is not a source."""
EXPAND_DEPTH = 3  # unwritten intermediate steps followed back when tracing carried numbers
PI_BY_HAND = (Fraction(314, 100), Fraction(3142, 1000), Fraction(31416, 10000), Fraction(314159, 100000),
              Fraction(22, 7))  # values of π worked with by hand
_PI_LO, _PI_HI = Fraction(314159265358979, 10**14), Fraction(314159265358980, 10**14)  # π lies between


def key_inputs(expr) -> dict | None:
    """The key symbols of an explicit step: ``{Symbol: Key}``, or None when a symbol is not a key
    (an indexed sum over many points, which is not re-evaluated)."""
    atoms = expr.free_symbols if not isinstance(expr, sp.MatrixBase) else set().union(*(e.free_symbols for e in expr))
    inputs = {}
    for s in atoms:
        try:
            inputs[s] = Key.parse(s.name)
        except ValueError:
            return None  # indexed sums over many points: not re-evaluated
    return inputs


class ExplicitSteps:
    """Explicit step definitions over key symbols (cached in the context's ``explicit_cache``)."""

    def __init__(self, ctx: CheckContext):
        self.ctx = ctx

    def step(self, key: Key, written: set[Key] = frozenset(), depth: int = EXPAND_DEPTH):
        """The explicit definition of ``key``'s quantity and the keys of its inputs.

        Inputs the document never wrote (``written`` holds the whole keys it did) are replaced by
        their own definitions, ``depth`` levels deep, so a number computed from written values
        through unwritten intermediate steps (responsibilities from written densities, through the
        joint probabilities and the evidence) is traced to those written values.
        """
        expr = self.definition(key.whole)
        for _ in range(depth):
            inputs = key_inputs(expr)
            if inputs is None:
                return expr, None
            expand = {k.whole for k in inputs.values() if k.whole not in written and self._has_definition(k)}
            if not expand:
                break
            repl = {}
            for whole in expand:
                inner = self.definition(whole)
                for sym, k in inputs.items():
                    if k.whole != whole:
                        continue
                    if not k.entry:
                        repl[sym] = inner
                    elif isinstance(inner, sp.MatrixBase):
                        repl[sym] = inner[k.entry] if len(k.entry) == 2 else inner[k.entry[0], 0]
                    else:  # d = 1: a 1-vector or 1×1 matrix definition is explicit as a scalar
                        repl[sym] = inner
            expr = expr.xreplace(repl)
        return expr, key_inputs(expr)

    def definition(self, whole: Key):
        """The definition of ``whole`` made explicit: matrix symbols as entries, and Σ over many points
        (``resp[p, 0]``, ``x[p, 1]``, ``evidence[p]``) written out term by term with key symbols."""
        cache = self.ctx.explicit_cache
        if whole not in cache:
            cache[whole] = self._make_explicit(whole)
        return cache[whole]

    def _make_explicit(self, whole: Key):
        if whole.kind == "inv":  # by hand: the adjugate over the determinant, which a document may round
            return self._inverse_by_hand(whole)
        run = self.ctx.run
        expr = explicit(run.forms.definition(whole), self.ctx.d)  # expands Σ with numeric limits
        atoms = expr.atoms(sp.Indexed) if not isinstance(expr, sp.MatrixBase) else set().union(
            *(e.atoms(sp.Indexed) for e in expr))
        if not atoms:
            return expr
        problem, t = run.problem, whole.iteration
        names, labels = problem.component_names, problem.labels
        values = {}
        for ind in atoms:
            base, idx = ind.base.label.name, [int(i) for i in ind.indices]
            if base == "x":
                v = problem.points[idx[0]][idx[1]]
                values[ind] = sp.Rational(v.numerator, v.denominator)
            elif base == "resp":
                values[ind] = sp.Symbol(str(Key(t, "resp", labels[idx[0]], names[idx[1]])))
            elif base == "evidence":
                values[ind] = sp.Symbol(str(Key(t, "evidence", labels[idx[0]])))
            else:
                raise KeyError(base)
        return expr.xreplace(values) if not isinstance(expr, sp.MatrixBase) else expr.applyfunc(
            lambda e: e.xreplace(values))

    def _inverse_by_hand(self, whole: Key):
        """Σ⁻¹ = adj(Σ) / |Σ| with |Σ| as its own (possibly written) quantity."""
        problem, d, c, t = self.ctx.problem, self.ctx.d, whole.component, whole.iteration
        if t == 1:
            comp = problem.components[problem.component_index[c]]
            cov = sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in comp.covariance])
        else:
            cov = sp.Matrix(d, d, lambda i, j: sp.Symbol(str(Key(t - 1, "cov", None, c, (i, j)))))
        inverse = cov.adjugate() / sp.Symbol(str(Key(t, "det", None, c)))
        return inverse[0, 0] if d == 1 else inverse

    def _has_definition(self, key: Key) -> bool:
        """Whether ``key``'s quantity is computed from other quantities (not a starting constant)."""
        return bool(self.ctx.run.forms.inputs(key.whole))


class CarriedSearch:
    """Finds how a claim was computed from the document's own earlier numbers.

    Parameters
    ----------
    ctx : CheckContext
        The run checked against; ``steps`` (an :class:`ExplicitSteps` on it) gives the steps.
    """

    def __init__(self, ctx: CheckContext):
        self.ctx = ctx
        self.steps = ExplicitSteps(ctx)
        self.spent: dict[int, int] = {}
        self.cut_short: set[int] = set()
        self._sizes: dict = {}

    def _afford(self, claim: Claim, expr, entries: int) -> bool:
        """Charge ``entries`` evaluations of an entry of ``expr`` (its size: the average entry's nodes) to
        the claim's budget; False once the budget is spent (the search is then recorded as cut short)."""
        if id(expr) not in self._sizes:  # by identity (a matrix is unhashable), the expression kept alive
            parts = list(expr) if isinstance(expr, sp.MatrixBase) else [expr]
            size = sum(sum(1 for _ in sp.preorder_traversal(e)) for e in parts) / len(parts)
            self._sizes[id(expr)] = (expr, size)
        cost = self.spent.get(claim.index, 0) + int(self._sizes[id(expr)][1] * max(entries, 1))
        self.spent[claim.index] = cost
        if cost > EVALUATION_BUDGET:
            self.cut_short.add(claim.index)
            return False
        return True

    def carried(self, claim: Claim, earlier: list[Claim], verdicts: dict[int, ClaimCheck]):
        """How the claim was computed from the document's own earlier numbers, if it was:
        ``(claims used, "rounding" | "error", π approximation or None)``, else None."""
        expr, _ = self.steps.step(claim.key, {c.key.whole for c in earlier})
        return self.search(expr, claim, earlier, verdicts, need_document=True)

    def search(self, expr, claim: Claim, earlier: list[Claim], verdicts: dict[int, ClaimCheck],
               need_document: bool):
        """Evaluate ``expr`` (an explicit step over key symbols) with each combination of the inputs'
        written values (latest first) or exact enclosures, and with π or a hand value of it (3.14,
        22/7, …), until it gives every written target to its digits.

        Returns ``(used claim indices, kind, π value or None)`` for the first combination that fits,
        or None. With ``need_document`` a fit must use at least one written number or a hand π.
        """
        inputs = key_inputs(expr)
        if inputs is None:
            return None
        d = self.ctx.d
        has_pi = _has_pi(expr)
        wholes = sorted({k.whole for k in inputs.values()}, key=str)
        options = []
        for whole in wholes:
            written = [c for c in earlier if c.key.whole == whole]
            options.append([None] + written[::-1])  # None: the exact value
        combos = _combinations(wholes, options)
        targets = claim.entries(d)
        prec = _precision(max((w.digits or 6) for _, w in targets), self.ctx.run.iterations)
        old = iv.prec
        iv.prec = prec
        try:
            exact_values = {}
            for pi in (None, *PI_BY_HAND) if has_pi else (None,):
                variant = expr if pi is None else expr.xreplace({sp.pi: sp.Rational(pi.numerator, pi.denominator)})
                for combo in combos:
                    if need_document and pi is None and all(x is None for x in combo):
                        continue
                    chosen = dict(zip(wholes, combo))
                    values = {}  # Symbol -> a Fraction (written, or an exact rational) or an interval
                    for sym, k in inputs.items():
                        source = chosen[k.whole]
                        if sym not in exact_values:
                            exact_values[sym] = self.ctx.exact_input(k, prec)
                        if source is not None:
                            written = dict(source.entries(d))
                            if k not in written or (exact_values[sym] is not None
                                                    and _absurd(written[k].value, exact_values[sym])):
                                break  # that claim wrote other entries only, or a number nothing is computed from
                            values[sym] = written[k].value
                        elif exact_values[sym] is None:
                            return None
                        else:
                            values[sym] = exact_values[sym]
                    else:
                        if claim.index in self.cut_short:
                            return None
                        fits, evaluated = _fits(variant, values, targets)
                        self._afford(claim, variant, evaluated)
                        if not fits:
                            continue
                        used = tuple(sorted(c.index for c in combo if c is not None))
                        bad = any(verdicts[i].verdict in ("wrong", "follows") or verdicts[i].carried_kind == "error"
                                  for i in used)
                        return used, ("error" if bad else "rounding"), pi
        finally:
            iv.prec = old
        return None

    def justified(self, claim: Claim, earlier: list[Claim], sources: tuple[int, ...] | None = None, *,
                  spread: bool = False, pi: Fraction | None = None, reach: bool = True
                  ) -> tuple[int, list[Claim]] | None:
        """How many of the digits a claim shows its step determines from the document's rounded inputs.

        The inputs' written values (those of ``sources``, the claims a carried number was computed
        from; else the latest written value of each) that the document visibly rounded (a decimal
        with a fractional part or an exponent, not equal to the exact value) enter as the intervals
        they promise; other inputs enter exactly. A shown digit is justified when the spread of the
        result is within half a unit of it. Returns ``(digits, the claims used)`` (the fewest over the
        entries), or None when no rounded input was used.

        With ``spread``, every written input not equal to the exact value (integers too: a hard 0/1
        assignment is a rounding) enters as the hull of its promise and its exact value, so a number
        that was itself carried away from the exact value counts with how far it went; a hand value
        ``pi`` of π enters as the hull of it and π. Without ``reach`` the written number need not lie
        in the result (one input's rounding alone, the others exact).
        """
        expr, inputs = self.steps.step(claim.key, {c.key.whole for c in earlier})
        if not inputs and pi is None:
            return None
        inputs = dict(inputs or {})
        d = self.ctx.d
        chosen = {}
        for c in earlier:
            if sources is None or c.index in sources:
                chosen[c.key.whole] = c
        prec = _precision(max((w.digits or 6) for _, w in claim.entries(d)), self.ctx.run.iterations)
        old = iv.prec
        iv.prec = prec
        try:
            intervals, used = {}, []
            for sym, k in inputs.items():
                source = chosen.get(k.whole)
                w = dict(source.entries(d)).get(k) if source is not None else None
                rounded = w is not None and exact_entry(self.ctx.plan, k) != w.value and (
                    w.ulp is not None if spread else _visibly_rounded(w))
                exact = self.ctx.exact_input(k, prec) if spread or not rounded else None
                if (spread or not rounded) and exact is None:
                    return None
                if exact is not None:
                    exact = interval(exact) if isinstance(exact, Fraction) else exact
                if rounded:
                    intervals[sym] = hull(interval(w.lo, w.hi), exact) if spread else interval(w.lo, w.hi)
                    if source not in used:
                        used.append(source)
                else:
                    intervals[sym] = exact
            if pi is not None:
                hand = sp.Symbol("pi_by_hand")
                expr = expr.xreplace({sp.pi: hand})
                intervals[hand] = interval(min(pi, _PI_LO), max(pi, _PI_HI))
            elif not used:
                return None
            used.sort(key=lambda c: c.index)
            if claim.index in self.cut_short or not self._afford(claim, expr, len(claim.entries(d))):
                return None
            digits = None
            for k, w in claim.entries(d):
                if w.ulp is None or w.digits is None or w.value == 0:
                    continue
                e = expr if not isinstance(expr, sp.MatrixBase) else (
                    expr[k.entry] if len(k.entry) == 2 else expr[k.entry[0], 0])
                x = evaluate(e, intervals)
                if reach and apart(x, w.lo, w.hi):  # those written inputs cannot give this number
                    return None
                got = w.digits - digits_lost(x, w.ulp)
                digits = got if digits is None else min(digits, got)
        except (TypeError, KeyError, ZeroDivisionError, ValueError, OverflowError, ComplexResult):
            return None
        finally:
            iv.prec = old
        return None if digits is None else (digits, used)

    def early_rounding(self, claim: Claim, earlier: list[Claim], used: tuple[int, ...], pi: Fraction | None,
                       checks: dict[int, ClaimCheck]) -> EarlyRounding | None:
        """Why a number carried by rounding that is more than one unit of its last digit off (the
        caller decides that) was *rounded too early*, or None when it shows no more digits than the
        document's rounded inputs justify (then that distance is the rounding of its own last digit).

        The digits justified are measured with :meth:`justified` in ``spread`` mode over the claims
        ``used`` (and the hand value ``pi`` of π). The rounding happened at those inputs whose
        rounding alone leaves fewer digits than shown (all of them when none does alone), traced back
        through inputs that were themselves rounded too early.
        """
        d = self.ctx.d
        shown_digits = [w.digits for _, w in claim.entries(d) if w.digits is not None and w.value != 0]
        if not shown_digits:
            return None
        shown = min(shown_digits)
        got = self.justified(claim, earlier, used, spread=True, pi=pi, reach=False)
        if got is not None and got[0] >= shown:
            return None
        inputs = got[1] if got is not None else [c for c in earlier if c.index in used]
        alone = []
        for c in inputs:
            one = self.justified(claim, earlier, (c.index,), spread=True, reach=False)
            if one is not None and one[0] < shown:
                alone.append(c)
        pi_alone = False
        if pi is not None:
            one = self.justified(claim, earlier, (), spread=True, pi=pi, reach=False)
            pi_alone = one is not None and one[0] < shown
        causes = alone if alone or pi_alone else inputs
        rounded = set()
        for c in causes:
            before = checks[c.index].too_early if c.index in checks else None
            rounded.update(before.rounded if before is not None else (c.index,))
        justified = None if got is None else max(got[0], 0)
        return EarlyRounding(tuple(sorted(rounded)), justified, shown,
                             pi if pi is not None and (pi_alone or not causes) else None)


def _fits(expr, values, targets) -> tuple[bool, int]:
    """Whether the step evaluated from ``values`` (Fractions, or intervals) gives every written target (to
    its digits), and how many targets were evaluated to tell (the first that misses ends it)."""
    points = {s: v for s, v in values.items() if isinstance(v, Fraction)}
    intervals = {s: interval(v) if isinstance(v, Fraction) else v for s, v in values.items()}
    evaluated = 0
    try:
        for k, w in targets:
            evaluated += 1
            if isinstance(expr, sp.MatrixBase):
                e = expr[k.entry] if len(k.entry) == 2 else expr[k.entry[0], 0]
            else:
                e = expr
            try:  # rational arithmetic on exact inputs: decided exactly (3/6 == 1/2)
                if len(points) < len(values):
                    raise TypeError
                exact = evaluate_exact(e, points)
            except TypeError:
                if not inside(evaluate(e, intervals), w.lo, w.hi):
                    return False, evaluated
            else:
                if not w.lo <= exact <= w.hi:
                    return False, evaluated
        return True, evaluated
    except (TypeError, KeyError, ZeroDivisionError, ValueError, OverflowError, ComplexResult):
        return False, evaluated


def _absurd(value: Fraction, exact) -> bool:
    """Whether a written input is more than ``ABSURD_BITS`` binary orders of magnitude from its exact value
    (a Fraction, or an interval; never when either is 0 or the interval holds 0).

    >>> _absurd(Fraction(10**300), Fraction(4, 5)), _absurd(Fraction(8), Fraction(4, 5))
    (True, False)
    """
    written, known = magnitude(value), magnitude(exact)
    if written is None or known is None:
        return False
    return written[0] > known[1] + ABSURD_BITS or written[1] < known[0] - ABSURD_BITS


def _precision(digits: int, iterations: int) -> int:
    """The working precision (bits) of re-evaluating a step for a number of ``digits`` digits, at most
    ``MAX_PREC`` (a number of more digits than that certifies is not reproduced to all of them).

    >>> _precision(6, 1), _precision(10_000, 1)
    (137, 4160)
    """
    return min(start_precision(digits + 4, iterations) + 64, MAX_PREC)


def _has_pi(expr) -> bool:
    if isinstance(expr, sp.MatrixBase):
        return any(e.has(sp.pi) for e in expr)
    return expr.has(sp.pi)


def _combinations(wholes: list[Key], options: list[list]) -> list[tuple]:
    """Which written value (or None: the exact value) to use for each input, most written first.

    Every combination when there are at most ``MAX_COMBINATIONS``; otherwise (a sum over many points)
    one choice per kind of input: the latest written values of all inputs of that kind, or the exact ones.

    >>> a, b = Key.parse("det.women"), Key.parse("det.men")
    >>> _combinations([a, b], [[None, "w1"], [None]])
    [('w1', None), (None, None)]
    """
    total = 1
    for opts in options:
        total *= len(opts)
    if total <= MAX_COMBINATIONS:
        combos = list(itertools.product(*options))
    else:
        kinds = sorted({k.kind for k in wholes})
        combos = []
        for choice in itertools.product((True, False), repeat=len(kinds)):
            use = dict(zip(kinds, choice))
            combos.append(tuple(opts[1] if use[k.kind] and len(opts) > 1 else None for k, opts in zip(wholes, options)))
    combos.sort(key=lambda c: -sum(x is not None for x in c))
    return combos


def _visibly_rounded(w: Written) -> bool:
    """A decimal showing a fractional part or an exponent (an integer is taken as meant exactly)."""
    return w.ulp is not None and (w.ulp < 1 or any(ch in w.text for ch in "eE^⁰¹²³⁴⁵⁶⁷⁸⁹"))
