"""Verdicts on a hand-worked document's numbers: correct, carried (from the document's own earlier
numbers) or wrong (with the first wrong step of its dependency chain).

A written number promises the exact value lies within half a unit of its last digit (an exact
rational promises equality). ``correct`` is decided against the exact value with certified
enclosures, raising precision until certain. ``carried`` re-evaluates the claim's step from its
inputs, replacing some of them by the document's earlier written values (``stepeval.py``).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp
from mpmath.libmp import ComplexResult

from ..numerics.certify import start_precision
from .claims import Claim
from ..model.keys import KIND_ORDER, Key
from ..numerics.rounding import ball_bounds, round_fraction, round_interval
from ..rendering.report import sympy_text
from ..numerics.run import Run
from .stepeval import evaluate, evaluate_exact, explicit, interval, iv
from ..engine.lookup import exact_entry
from ..numerics.evaluate import ball_entry
from ..model.written import Written

MAX_COMBINATIONS = 256
EXPAND_DEPTH = 3  # unwritten intermediate steps followed back when tracing carried numbers
CHECK_MAX_PREC = 1 << 12


@dataclass(frozen=True)
class EntryCheck:
    key: Key
    written: Written
    correct: bool | None  # None: not decided at the highest precision tried
    value: str  # certified value to the written digits plus two
    error_ulps: str | None  # (written − exact) / unit of the last digit, 2 digits
    boundary: bool = False  # the exact value sits exactly on the edge of the written promise


@dataclass(frozen=True)
class ClaimCheck:
    claim: Claim
    verdict: str  # "correct" | "carried" | "wrong" | "undecided"
    entries: tuple[EntryCheck, ...]
    exact: str  # SymPy-parsable, with `symbols` as in the solve report
    carried_from: tuple[int, ...] = ()  # indices of the claims it was computed from
    carried_kind: str | None = None  # "rounding" | "error"
    first_wrong: int | None = None  # index of the claim where the chain first goes wrong
    notes: tuple[str, ...] = field(default=())
    symbols: dict = field(default_factory=dict)


class Checker:
    """Checks claims against one run (whose iterations cover every claimed key)."""

    def __init__(self, run: Run):
        self.run = run
        self.plan = run.plan
        self.d = run.problem.d
        self._explicit_cache: dict[Key, object] = {}

    # -- exact values ----------------------------------------------------------------------
    def _enclosure(self, key: Key, prec: int) -> tuple[Fraction, Fraction] | None:
        exact = exact_entry(self.plan, key)
        if exact is not None:
            return exact, exact
        ev = self.run.certifier.evaluation(prec)
        if key.iteration > len(ev.iterations):
            return None
        with self.run.backend.precision(prec):
            try:
                return ball_bounds(ball_entry(ev, self.plan, key))
            except (ValueError, OverflowError):
                return None

    def _precisions(self, digits: int):
        prec = start_precision(digits, self.run.iterations)
        while prec <= CHECK_MAX_PREC:
            yield prec
            prec *= 2

    def check_entry(self, key: Key, w: Written) -> EntryCheck:
        digits = (w.digits or 6) + 2
        correct, boundary = None, False
        for prec in self._precisions(digits):
            bounds = self._enclosure(key, prec)
            if bounds is None:
                continue
            lo, hi = bounds
            if w.lo <= lo and hi <= w.hi:
                correct = True
                boundary = lo == hi and lo in (w.lo, w.hi) and w.ulp is not None
                break
            if hi < w.lo or lo > w.hi:
                correct = False
                break
            if lo == hi:  # exact and not inside (a rational promise): wrong
                correct = False
                break
        value = str(self.run.round([key], digits)[key])
        return EntryCheck(key, w, correct, value, self._error_ulps(key, w), boundary)

    def _error_ulps(self, key: Key, w: Written) -> str | None:
        if w.ulp is None:
            return None
        for prec in self._precisions(8):
            bounds = self._enclosure(key, prec)
            if bounds is None:
                continue
            lo, hi = bounds
            err = round_interval((w.value - hi) / w.ulp, (w.value - lo) / w.ulp, 2) if lo != hi \
                else round_fraction((w.value - lo) / w.ulp, 2)
            if err is not None:
                return str(err)
        return None

    # -- carried ---------------------------------------------------------------------------
    def _step(self, key: Key, written: set[Key] = frozenset(), depth: int = EXPAND_DEPTH):
        """The explicit definition of ``key``'s quantity and the keys of its inputs.

        Inputs the document never wrote (``written`` holds the whole keys it did) are replaced by
        their own definitions, ``depth`` levels deep, so a number computed from written values
        through unwritten intermediate steps (responsibilities from written densities, through the
        joint probabilities and the evidence) is traced to those written values.
        """
        expr = self._explicit_definition(key.whole)
        for _ in range(depth):
            inputs = self._inputs(expr)
            if inputs is None:
                return expr, None
            expand = {k.whole for k in inputs.values() if k.whole not in written and self._has_definition(k)}
            if not expand:
                break
            repl = {}
            for whole in expand:
                inner = self._explicit_definition(whole)
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
        return expr, self._inputs(expr)

    def _explicit_definition(self, whole: Key):
        """The definition of ``whole`` made explicit: matrix symbols as entries, and Σ over many points
        (``resp[p, 0]``, ``x[p, 1]``, ``evidence[p]``) written out term by term with key symbols."""
        if whole not in self._explicit_cache:
            self._explicit_cache[whole] = self._make_explicit(whole)
        return self._explicit_cache[whole]

    def _make_explicit(self, whole: Key):
        if whole.kind == "inv":  # by hand: the adjugate over the determinant, which a document may round
            return self._inverse_by_hand(whole)
        expr = explicit(self.run.forms.definition(whole), self.d)  # expands Σ with numeric limits
        atoms = expr.atoms(sp.Indexed) if not isinstance(expr, sp.MatrixBase) else set().union(
            *(e.atoms(sp.Indexed) for e in expr))
        if not atoms:
            return expr
        problem, t = self.run.problem, whole.iteration
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
        problem, d, c, t = self.run.problem, self.d, whole.component, whole.iteration
        if t == 1:
            comp = problem.components[problem.component_index[c]]
            cov = sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in comp.covariance])
        else:
            cov = sp.Matrix(d, d, lambda i, j: sp.Symbol(str(Key(t - 1, "cov", None, c, (i, j)))))
        inverse = cov.adjugate() / sp.Symbol(str(Key(t, "det", None, c)))
        return inverse[0, 0] if d == 1 else inverse

    def _has_definition(self, key: Key) -> bool:
        """Whether ``key``'s quantity is computed from other quantities (not a starting constant)."""
        return bool(self.run.forms.inputs(key.whole))

    @staticmethod
    def _inputs(expr):
        atoms = expr.free_symbols if not isinstance(expr, sp.MatrixBase) else set().union(*(e.free_symbols for e in expr))
        inputs = {}
        for s in atoms:
            try:
                inputs[s] = Key.parse(s.name)
            except ValueError:
                return None  # indexed sums over many points: not re-evaluated
        return inputs

    def carried(self, claim: Claim, earlier: list[Claim], verdicts: dict[int, ClaimCheck]):
        """How the claim was computed from the document's own earlier numbers, if it was:
        ``(claims used, "rounding" | "error", π approximation or None)``, else None."""
        expr, inputs = self._step(claim.key, {c.key.whole for c in earlier})
        return self._search(expr, claim, earlier, verdicts, need_document=True)

    def _search(self, expr, claim: Claim, earlier: list[Claim], verdicts: dict[int, ClaimCheck],
                need_document: bool):
        """Evaluate ``expr`` (an explicit step over key symbols) with each combination of the inputs'
        written values (latest first) or exact enclosures, and with π or a hand value of it (3.14,
        22/7, …), until it gives every written target to its digits.

        Returns ``(used claim indices, kind, π value or None)`` for the first combination that fits,
        or None. With ``need_document`` a fit must use at least one written number or a hand π.
        """
        inputs = self._inputs(expr)
        if inputs is None:
            return None
        has_pi = _has_pi(expr)
        wholes = sorted({k.whole for k in inputs.values()}, key=str)
        options = []
        for whole in wholes:
            written = [c for c in earlier if c.key.whole == whole]
            options.append([None] + written[::-1])  # None: the exact value
        combos = _combinations(wholes, options)
        targets = claim.entries(self.d)
        prec = start_precision(max((w.digits or 6) for _, w in targets) + 4, self.run.iterations) + 64
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
                    values = {}  # Symbol -> (lo, hi) exact bounds; a point for written values
                    for sym, k in inputs.items():
                        source = chosen[k.whole]
                        if source is not None:
                            written = dict(source.entries(self.d))
                            if k not in written:  # that claim wrote other entries only
                                break
                            values[sym] = (written[k].value, written[k].value)
                        else:
                            if sym not in exact_values:
                                exact_values[sym] = self._enclosure(k, prec)
                                if exact_values[sym] is None:
                                    return None
                            values[sym] = exact_values[sym]
                    else:
                        if not self._fits(variant, values, targets):
                            continue
                        used = tuple(sorted(c.index for c in combo if c is not None))
                        bad = any(verdicts[i].verdict == "wrong" or verdicts[i].carried_kind == "error" for i in used)
                        return used, ("error" if bad else "rounding"), pi
        finally:
            iv.prec = old
        return None

    def _fits(self, expr, values, targets) -> bool:
        """Whether the step evaluated from ``values`` gives every written target (to its digits)."""
        points = {s: lo for s, (lo, hi) in values.items() if lo == hi}
        intervals = {s: interval(lo, hi) for s, (lo, hi) in values.items()}
        try:
            for k, w in targets:
                if isinstance(expr, sp.MatrixBase):
                    e = expr[k.entry] if len(k.entry) == 2 else expr[k.entry[0], 0]
                else:
                    e = expr
                try:  # rational arithmetic on exact inputs: decided exactly (3/6 == 1/2)
                    if len(points) < len(values):
                        raise TypeError
                    lo = hi = evaluate_exact(e, points)
                except TypeError:
                    lo, hi = ball_bounds(evaluate(e, intervals))
                if not (w.lo <= lo and hi <= w.hi):
                    return False
            return True
        except (TypeError, KeyError, ZeroDivisionError, ValueError, ComplexResult):
            return False

    # -- digits the document's inputs justify ------------------------------------------------
    def justified(self, claim: Claim, earlier: list[Claim], sources: tuple[int, ...] | None = None
                  ) -> tuple[int, list[Claim]] | None:
        """How many of the digits a claim shows its step determines from the document's rounded inputs.

        The inputs' written values (those of ``sources``, the claims a carried number was computed
        from; else the latest written value of each) that the document visibly rounded (a decimal
        with a fractional part or an exponent, not equal to the exact value) enter as the intervals
        they promise; other inputs enter exactly. A shown digit is justified when the spread of the
        result is within half a unit of it. Returns ``(digits, the claims used)`` (the fewest over the
        entries), or None when no rounded input was used.
        """
        expr, inputs = self._step(claim.key, {c.key.whole for c in earlier})
        if not inputs:
            return None
        chosen = {}
        for c in earlier:
            if sources is None or c.index in sources:
                chosen[c.key.whole] = c
        prec = start_precision(max((w.digits or 6) for _, w in claim.entries(self.d)) + 4, self.run.iterations) + 64
        values, used = {}, []
        for sym, k in inputs.items():
            source = chosen.get(k.whole)
            w = dict(source.entries(self.d)).get(k) if source is not None else None
            if w is not None and _visibly_rounded(w) and exact_entry(self.plan, k) != w.value:
                values[sym] = (w.lo, w.hi)
                if source not in used:
                    used.append(source)
            else:
                bounds = self._enclosure(k, prec)
                if bounds is None:
                    return None
                values[sym] = bounds
        if not used:
            return None
        used.sort(key=lambda c: c.index)
        old = iv.prec
        iv.prec = prec
        try:
            intervals = {s: interval(lo, hi) for s, (lo, hi) in values.items()}
            digits = None
            for k, w in claim.entries(self.d):
                if w.ulp is None or w.digits is None or w.value == 0:
                    continue
                e = expr if not isinstance(expr, sp.MatrixBase) else (
                    expr[k.entry] if len(k.entry) == 2 else expr[k.entry[0], 0])
                lo, hi = ball_bounds(evaluate(e, intervals))
                if hi < w.lo or lo > w.hi:  # those written inputs cannot give this number: not what it used
                    return None
                got = w.digits - _digits_lost(hi - lo, w.ulp)
                digits = got if digits is None else min(digits, got)
        except (TypeError, KeyError, ZeroDivisionError, ValueError, ComplexResult):
            return None
        finally:
            iv.prec = old
        return None if digits is None else (digits, used)

    # -- first wrong step ------------------------------------------------------------------
    def _ancestors(self, key: Key) -> set[Key]:
        seen, todo = set(), [key.whole]
        while todo:
            k = todo.pop()
            direct = self._inputs(self._explicit_definition(k)) or {}
            for inp in direct.values():
                if inp.whole not in seen:
                    seen.add(inp.whole)
                    todo.append(inp.whole)
        return seen

    def first_wrong(self, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]) -> int:
        """Where the document's numbers that this claim was computed from first go wrong.

        Follows the step's inputs as the document wrote them (the latest written value of each,
        through unwritten intermediate steps): a wrong input, or one carried from an error, hands
        on its own first wrong step; when every written input was right, the mistake is this claim's.
        """
        _, inputs = self._step(claim.key, {c.key.whole for c in earlier})
        latest = {}
        for c in earlier:
            latest[c.key.whole] = c
        used = {latest[k.whole].index for k in (inputs or {}).values() if k.whole in latest}
        return self._origin(used, checks, claim.index)

    @staticmethod
    def _origin(used, checks: dict[int, ClaimCheck], own: int) -> int:
        """The earliest first wrong step among the claims ``used`` that were wrong or carried an error;
        ``own`` when they were all right."""
        origins = [checks[i].first_wrong for i in used
                   if (checks[i].verdict == "wrong" or checks[i].carried_kind == "error")
                   and checks[i].first_wrong is not None]
        return min(origins) if origins else own

    # -- equal to another quantity ---------------------------------------------------------
    def matches(self, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]
                ) -> list[tuple[str, tuple[int, ...]]]:
        """What the written numbers are, if not this quantity: a starting parameter repeated as the
        updated one, or a common slip in the step (the bare exponential as the density, a covariance
        about the starting mean or divided by n, a determinant as the product of the diagonal, …).

        Each slip is an explicit expression over key symbols, evaluated like a carried step: from the
        exact values and from the document's own written numbers, decided with certified intervals.
        """
        out = []
        for description, expr in self._slips(claim.key):
            got = self._search(expr, claim, earlier, checks, need_document=False)
            if got is None:
                continue
            used, _, pi = got
            extra = []
            if used:
                extra.append("from the document's " + ", ".join(f"#{i}" for i in used))
            if pi is not None:
                extra.append(f"with π ≈ {_pi_text(pi)}")
            out.append((description + (f" ({'; '.join(extra)})" if extra else ""), used))
        return out

    def _slips(self, key: Key) -> list[tuple[str, object]]:
        """``(description, explicit expression)`` of what students write instead of ``key``'s quantity."""
        problem, d, n = self.run.problem, self.d, self.run.problem.n
        t, kind, p, c = key.iteration, key.kind, key.point, key.component
        sym = lambda kind_, point=None, comp=c, entry=(), t_=t: sp.Symbol(str(Key(t_, kind_, point, comp, entry)))
        vec = lambda kind_, comp=c, t_=t: sp.Matrix([sym(kind_, None, comp, (i,), t_) for i in range(d)])
        mat = lambda kind_, comp=c, t_=t: sp.Matrix(d, d, lambda i, j: sym(kind_, None, comp, (i, j), t_))

        def x(label):
            return sp.Matrix([sp.Rational(v.numerator, v.denominator)
                              for v in problem.points[problem.point_index[label]]])

        def start(kind_):
            if t > 1:
                return sym(kind_, t_=t - 1) if kind_ == "weight" else (vec if kind_ == "mean" else mat)(kind_, t_=t - 1)
            comp = problem.components[problem.component_index[c]]
            if kind_ == "weight":
                return sp.Rational(comp.weight.numerator, comp.weight.denominator)
            if kind_ == "mean":
                return sp.Matrix([sp.Rational(v.numerator, v.denominator) for v in comp.mean])
            return sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in comp.covariance])

        def scatter(about):
            return sum((sym("resp", q) * (x(q) - about) * (x(q) - about).T for q in problem.labels[1:]),
                       sym("resp", problem.labels[0]) * (x(problem.labels[0]) - about) * (x(problem.labels[0]) - about).T)

        def weighted_sum():
            return sum((sym("resp", q) * x(q) for q in problem.labels), sp.zeros(d, 1))

        out = []
        if kind in ("mean", "cov", "weight") and problem.covariance_type == "full":
            name = dict(mean="mean", cov="covariance", weight="weight")[kind]
            out.append((f"the starting {name} of {c} ({'from the problem file' if t == 1 else f'iteration {t - 1}'}), "
                        f"not the updated one", start(kind)))
        if kind == "cov" and problem.covariance_type == "full" and "covariance" not in problem.fixed:
            count = sym("count")
            out += [(f"the covariance taken about the starting mean of {c} instead of the updated one",
                     scatter(start("mean")) / count),
                    (f"the covariance divided by n = {n} instead of the count {Key(t, 'count', None, c)}",
                     scatter(vec("mean")) / n),
                    (f"the weighted sum of outer products, not yet divided by the count {Key(t, 'count', None, c)}",
                     scatter(vec("mean")))]
        if kind == "mean" and "mean" not in problem.fixed:
            out += [(f"the weighted sum Σ r x, not yet divided by the count {Key(t, 'count', None, c)}", weighted_sum()),
                    (f"the weighted sum Σ r x divided by n = {n} instead of the count {Key(t, 'count', None, c)}",
                     weighted_sum() / n)]
        if kind == "weight" and "weight" not in problem.fixed:
            out.append((f"the count {Key(t, 'count', None, c)}, not divided by n = {n}", sym("count")))
        if kind == "joint":
            out.append((f"{Key(t, 'density', p, c)} (the weight π_c left out)", sym("density", p)))
        if kind == "evidence":
            out.append(("the sum of the densities without their weights π_c",
                        sp.Add(*[sym("density", p, name) for name in problem.component_names])))
        if kind == "loglik":
            evidences = [sym("evidence", q, None) for q in problem.labels]
            out += [("the log-likelihood with base-10 logarithms", sp.Add(*[sp.log(e, 10) for e in evidences])),
                    (f"the mean log-likelihood per point (divided by n = {n})", sp.Add(*[sp.log(e) for e in evidences]) / n)]
        if kind == "cov" and d == 1:
            out.append(("the standard deviation instead of the variance",
                        sp.sqrt(sp.Symbol(str(Key(t, "cov", None, c, (0, 0)))))))
        if kind == "weight" and "weight" not in problem.fixed:
            out.append((f"the count divided by K = {problem.K} instead of n = {n}", sym("count") / problem.K))
        if kind == "exp":
            out.append(("exp(+q/2): the minus sign of the exponent left out", sp.exp(sym("quad", p) / 2)))
        if kind == "density":
            out += [(f"{Key(t, 'exp', p, c)} (the bare exponential, without the normalising constant)", sym("exp", p)),
                    (f"{Key(t, 'joint', p, c)} (the density times the weight)", sym("joint", p))]
        if kind == "resp":
            out += [(f"{Key(t, 'joint', p, c)} (not divided by the evidence {Key(t, 'evidence', p)})", sym("joint", p)),
                    (f"{Key(t, 'density', p, c)} (the density, not the responsibility)", sym("density", p))]
        if kind == "exp":
            out.append(("exp(−q) without the ½ of the exponent", sp.exp(-sym("quad", p))))
        if kind == "quad":
            dev = x(p) - start("mean")
            out += [("the quadratic form with Σ instead of Σ⁻¹", (dev.T * start("cov") * dev)[0, 0]),
                    ("the quadratic form with x − μ squared but not weighted by Σ⁻¹", (dev.T * dev)[0, 0])]
        if kind == "dev":
            out.append(("μ − x instead of x − μ (the sign is flipped)", vec("mean") - x(p)))
        if kind == "norm":
            det = sym("det")
            out.append(("the normalising constant without the square root of |Σ|", (2 * sp.pi) ** sp.Rational(d, 2) * det))
            if d > 1:
                out.append((f"the normalising constant with (2π)^(1/2) instead of (2π)^(d/2) (d = {d})",
                            sp.sqrt(2 * sp.pi) * sp.sqrt(det)))
        if kind in ("det", "inv") and d > 1:
            cov = start("cov")
            if kind == "det":
                out.append(("the product of the diagonal of Σ (the off-diagonal terms left out)",
                            sp.Mul(*[cov[i, i] for i in range(d)])))
                if d == 2:
                    out.append(("ad + bc instead of ad − bc", cov[0, 0] * cov[1, 1] + cov[0, 1] * cov[1, 0]))
            else:
                adj = cov.adjugate()
                flipped = sp.Matrix(d, d, lambda i, j: adj[i, j] if i == j else -adj[i, j])
                det = sym("det")
                out += [("the adjugate with the signs of its off-diagonal entries flipped, over |Σ|", flipped / det),
                        ("the adjugate not divided by |Σ|", adj),
                        ("Σ itself divided by |Σ| (the adjugate's swap and signs left out)", cov / det),
                        ("the reciprocal of each entry of Σ (1/σ_ij), which is not the inverse matrix",
                         cov.applyfunc(lambda v: 1 / v if v != 0 else sp.Integer(0)))]
        return out

    # -- all claims ------------------------------------------------------------------------
    def check(self, claims: list[Claim]) -> list[ClaimCheck]:
        """Verdicts for ``claims`` (in document order), each decided with certified enclosures."""
        checks: dict[int, ClaimCheck] = {}
        for claim in claims:
            entries = tuple(self.check_entry(k, w) for k, w in claim.entries(self.d))
            exact, symbols = sympy_text(self.run[claim.key].exact)
            earlier = [c for c in claims if c.index < claim.index]
            notes = []
            if any(e.boundary for e in entries):
                notes.append("the exact value lies exactly on the edge of what the digits promise: accepted "
                             "(round-half-up and round-half-even may differ there)")
            notes += self._sum_notes(claim, earlier)
            common = dict(exact=exact, symbols=symbols)
            if all(e.correct for e in entries):
                notes += self._justified_notes(claim, earlier, carried=False)
                notes += self._hard_assignment_notes(claim)
                checks[claim.index] = ClaimCheck(claim, "correct", entries, notes=tuple(notes), **common)
                continue
            carried = self.carried(claim, earlier, checks)
            if carried:
                used, kind, pi = carried
                if pi is not None:
                    notes.append(f"computed with π ≈ {_pi_text(pi)}")
                notes += self._justified_notes(claim, earlier, carried=True, sources=used)
                origin = None
                if kind == "error":
                    origin = min((checks[i].first_wrong for i in used if checks[i].first_wrong is not None),
                                 default=None)
                checks[claim.index] = ClaimCheck(claim, "carried", entries, carried_from=used, carried_kind=kind,
                                                 first_wrong=origin, notes=tuple(notes), **common)
                continue
            if not any(e.correct is False for e in entries):  # some entries undecided, none wrong
                notes.append("the exact value could not be enclosed tightly enough to decide (at up to "
                             f"{CHECK_MAX_PREC} bits); no written input reproduces it either")
                checks[claim.index] = ClaimCheck(claim, "undecided", entries, notes=tuple(notes), **common)
                continue
            notes += self._entry_notes(claim, entries)
            slips = self.matches(claim, earlier, checks)
            notes += [f"the written value matches {description}" for description, _ in slips]
            if slips:  # the inputs the slip was computed from are the ones that count
                origin = self._origin(slips[0][1], checks, claim.index)
            else:
                origin = self.first_wrong(claim, earlier, checks)
            checks[claim.index] = ClaimCheck(claim, "wrong", entries, first_wrong=origin, notes=tuple(notes),
                                             **common)
        return [checks[c.index] for c in claims]

    def _sum_notes(self, claim: Claim, earlier: list[Claim]) -> list[str]:
        """A point's written responsibilities (the latest of each component) must sum to 1."""
        key = claim.key
        if key.kind != "resp" or key.entry:
            return []
        latest = {c.key.component: c for c in earlier if c.key.whole.kind == "resp" and not c.key.entry
                  and (c.key.iteration, c.key.point) == (key.iteration, key.point)}
        latest[key.component] = claim
        if len(latest) < self.run.problem.K:
            return []
        written = [latest[name].written for name in self.run.problem.component_names]
        lo, hi = sum(w.lo for w in written), sum(w.hi for w in written)
        if lo <= 1 <= hi:
            return []
        parts = " + ".join(f"{w.text} (#{latest[n].index})" for w, n in zip(written, self.run.problem.component_names))
        total = sum(w.value for w in written)
        return [f"the document's responsibilities of {key.point} do not sum to 1: {parts} = "
                f"{_fraction_text(total)}, and no rounding of the digits shown can make them"]

    def _justified_notes(self, claim: Claim, earlier: list[Claim], carried: bool,
                         sources: tuple[int, ...] | None = None) -> list[str]:
        """More digits than the document's rounded inputs determine: noted for a carried number, and
        for a correct one only when it shows at least two digits more (one more is common and harmless)."""
        shown = [w.digits for _, w in claim.entries(self.d) if w.digits is not None and w.value != 0]
        if not shown:
            return []
        got = self.justified(claim, earlier, sources)
        if got is None or got[0] + (1 if carried else 2) > min(shown):
            return []
        digits, used = got
        sources = ", ".join(f"{c.key} = {_text(c.written)}" for c in used)
        if digits <= 0:
            return [f"shows {_digits_text(min(shown))}, but it was computed from {sources}, whose rounding "
                    f"leaves none of them determined"]
        return [f"shows {_digits_text(min(shown))}, but it was computed from {sources}: at most {digits} "
                f"{'is' if digits == 1 else 'are'} justified"]

    def _hard_assignment_notes(self, claim: Claim) -> list[str]:
        """A responsibility written as 0 or 1 that is far from it (a hard, k-means-like assignment)."""
        key = claim.key
        if key.kind != "resp" or key.entry or claim.written.ulp != 1 or claim.written.value not in (0, 1):
            return []
        bounds = self._enclosure(key, start_precision(6, self.run.iterations))
        if bounds is None:
            return []
        far = abs(bounds[0] - claim.written.value) > Fraction(1, 20) if claim.written.value == 0 else \
            abs(1 - bounds[1]) > Fraction(1, 20)
        if not far:
            return []
        value = self.run.round([key], 2)[key]
        return [f"written as the hard assignment {claim.written.text} where the responsibility is {value}: "
                "fine to the digit shown, but later steps computed from it inherit that rounding"]

    def _entry_notes(self, claim: Claim, entries) -> list[str]:
        """Which entries of a vector or matrix are off, and a written covariance that is not symmetric."""
        notes = []
        if len(entries) > 1:
            bad = [e for e in entries if e.correct is False]
            if 0 < len(bad) < len(entries):
                names = ", ".join("".join(f"[{i}]" for i in e.key.entry) + f" = {e.written.text}" for e in bad)
                notes.append(f"entr{'y' if len(bad) == 1 else 'ies'} {names} {'is' if len(bad) == 1 else 'are'} "
                             f"off; the others are right to their digits")
        flipped = []
        for e in entries:
            if e.correct is not False or e.written.value == 0:
                continue
            bounds = self._enclosure(e.key, start_precision((e.written.digits or 6) + 2, self.run.iterations))
            if bounds and -e.written.hi <= bounds[0] and bounds[1] <= -e.written.lo:
                flipped.append("".join(f"[{i}]" for i in e.key.entry) or str(e.key))
        if flipped:
            notes.append(f"the sign of {', '.join(flipped)} is flipped: the value with the other sign is right")
        if claim.key.shape == "matrix" and self.d > 1 and claim.key.kind in ("cov", "inv", "outer") and not claim.key.entry:
            rows = claim.written
            skew = [(i, j) for i in range(self.d) for j in range(i + 1, self.d)
                    if rows[i][j].hi < rows[j][i].lo or rows[j][i].hi < rows[i][j].lo]
            if skew:
                i, j = skew[0]
                notes.append(f"the written matrix is not symmetric: [{i}][{j}] = {rows[i][j].text} but "
                             f"[{j}][{i}] = {rows[j][i].text}")
        return notes


PI_BY_HAND = (Fraction(314, 100), Fraction(3142, 1000), Fraction(31416, 10000), Fraction(314159, 100000),
              Fraction(22, 7))  # values of π worked with by hand


def _has_pi(expr) -> bool:
    if isinstance(expr, sp.MatrixBase):
        return any(e.has(sp.pi) for e in expr)
    return expr.has(sp.pi)


def _pi_text(q: Fraction) -> str:
    return "22/7" if q == Fraction(22, 7) else _fraction_text(q)


def _digits_text(n: int) -> str:
    return f"{n} significant digit{'' if n == 1 else 's'}"


def _combinations(wholes: list[Key], options: list[list]) -> list[tuple]:
    """Which written value (or None: the exact value) to use for each input, most written first.

    Every combination when there are at most ``MAX_COMBINATIONS``; otherwise (a sum over many points)
    one choice per kind of input: the latest written values of all inputs of that kind, or the exact ones.
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


def _digits_lost(width: Fraction, ulp: Fraction) -> int:
    """How many trailing shown digits a spread of ``width`` leaves undetermined: the least k with
    ``width / 2 <= ulp · 10**k / 2``.

    >>> _digits_lost(Fraction(1, 1000), Fraction(1, 1000)), _digits_lost(Fraction(1, 100), Fraction(1, 1000))
    (0, 1)
    """
    k = 0
    slack = 1 + Fraction(1, 2**40)  # the enclosure's outward rounding, not the inputs' spread
    while width > ulp * 10**k * slack and k < 400:
        k += 1
    return k


def _fraction_text(q: Fraction) -> str:
    """A written sum as a decimal when it terminates (0.7 + 0.7 = 1.4), else as a fraction."""
    den = q.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den != 1:
        return str(q)
    text = f"{q.numerator / q.denominator}" if abs(q.numerator) < 2**53 and q.denominator < 2**53 else str(q)
    return text if Fraction(text) == q else str(q)


def _text(w) -> str:
    if isinstance(w, tuple) and len(w) == 1:  # d = 1
        return _text(w[0])
    if isinstance(w, tuple):
        return "[" + ", ".join(_text(x) for x in w) + "]"
    return w.text
