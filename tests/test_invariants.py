"""Exact invariants of an EM iteration on problems drawn by hypothesis (tests/fuzz_strategies.py).

How each is decided:

* rational quantities (|Σ|, Σ⁻¹, quadratic forms; with K = 1 everything up to the next E-step) are
  compared as the exact ``Fraction``s the run gives (``Quantity.value``) with ``==``;
* iteration-1 quantities that are not rational are rational functions of ``t = e^{1/L}`` with
  coefficients in the field of the √|Σ_c| (docs/guarantees.md, "Iteration 1 is decided exactly"):
  two exact SymPy values are equal when their difference, with each ``exp(r)`` written ``t^{rL}``
  and each √m a variable reduced by ``s² = m``, has a numerator that is the zero polynomial
  (:class:`RationalFunctions`, sparse python-flint polynomials; sound whatever ``t`` is). Where that
  would build more than ``MAX_TERMS`` terms the exact check is skipped and the enclosures decide;
* what that would make too large (covariances, later iterations, the log-likelihood) is compared by
  certified arb enclosures at 640 bits: the enclosures must overlap and be narrower than 2^-300
  relative (:func:`agree`), so any difference larger than that is proven.
"""
from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from dataclasses import replace
from fractions import Fraction
from functools import reduce
from math import lcm, prod
from pathlib import Path

import flint
import pytest
import sympy as sp
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

import gmmexact
from gmmexact.model.keys import Key
from gmmexact.numerics.backends import ArbBackend
from gmmexact.numerics.evaluate import ball_entry, evaluate


def _strategies():
    """tests/fuzz_strategies.py, loaded by its path (the suite imports with --import-mode=importlib)."""
    name = "fuzz_strategies"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("fuzz_strategies.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


fs = _strategies()

EXAMPLES = int(os.environ.get("GMMEXACT_FUZZ_EXAMPLES", "12"))
INVARIANT = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=False,
                     phases=(Phase.explicit, Phase.generate),
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                            HealthCheck.data_too_large])
@pytest.fixture(scope="module", autouse=True)
def bounded_memory():
    """Exact arithmetic that outgrew its bounds ends in MemoryError, not in the machine's memory."""
    with fs.memory_cap(3 << 30):
        yield


PREC = 640
TIGHT = 300  # enclosures compared must be narrower than 2^-TIGHT relative


def problems(K, d, n, covariance_types=(None, "full", "tied"), fixed=False):
    """Problems with the textbook M-step (no reg_covar, no count_offset; fixed parameters if asked)."""
    return fs.problems(K=K, d=d, n=n, names=False, model=fixed, covariance_types=covariance_types).map(
        lambda s: replace(s, reg_covar=None, count_offset=None))


def build(points, means, covariances, weights, *, labels, names, spec) -> gmmexact.Problem:
    return gmmexact.Problem.from_arrays([list(p) for p in points], [list(m) for m in means],
                                        [[list(r) for r in c] for c in covariances], list(weights),
                                        labels=list(labels), names=list(names),
                                        covariance_type=spec.covariance_type or "full", fixed=list(spec.fixed))


def original(spec) -> gmmexact.Problem:
    e = spec.exact()
    return build(e["points"], e["means"], e["covariances"], e["weights"], labels=spec.point_labels,
                 names=spec.component_names, spec=spec)


# --- exact and certified comparison --------------------------------------------------------------


class TooLarge(ArithmeticError):
    """The exact comparison would build polynomials past ``MAX_TERMS`` terms: left to the enclosures."""


MAX_TERMS = 50_000


class RationalFunctions:
    """Exact iteration-1 values as fractions of sparse polynomials (python-flint ``fmpq_mpoly``) in
    ``t = e^{1/L}`` and one variable ``s_p`` per prime p under a square root, reduced by ``s_p² = p``.

    Every ``exp(r)`` (r rational) is ``t^{rL}``; every √m is an integer times a product of distinct
    ``s_p``. Reducing modulo the ``s_p² − p`` and putting in ``t`` and the √p is a ring homomorphism
    to the reals, so a numerator that reduces to the zero polynomial proves the value is 0 (the
    denominators are products of the expression's own non-zero denominators). The square roots of
    distinct primes are linearly independent, so the reduction loses no relation among them.
    """

    def __init__(self, expr):
        self.expr = sp.sympify(expr)
        exps = self.expr.atoms(sp.exp)
        if any(not a.args[0].is_Rational for a in exps):
            raise TooLarge("an exponential of a non-rational number")
        self.L = reduce(lcm, (int(a.args[0].q) for a in exps), 1)
        radicands = {int(p.base) for p in self.expr.atoms(sp.Pow)
                     if p.base.is_Integer and p.exp.is_Rational and p.exp.q == 2}
        if any(m.bit_length() > 128 for m in radicands):
            raise TooLarge("a square root of a number too large to factor here")
        self.factors = {m: sp.factorint(m) for m in radicands}
        primes = sorted({p for f in self.factors.values() for p, e in f.items() if e % 2})
        self.roots = {p: i + 1 for i, p in enumerate(primes)}
        self.ctx = flint.fmpq_mpoly_ctx.get(("t",) + tuple(f"s{p}" for p in primes), "lex")
        self.one = self.ctx.from_dict({(0,) * (1 + len(primes)): 1})

    def monomial(self, t: int = 0, primes=(), coefficient=1):
        exps = [0] * (1 + len(self.roots))
        exps[0] = t
        for p in primes:
            exps[self.roots[p]] = 1
        return self.ctx.from_dict({tuple(exps): flint.fmpq(coefficient.numerator, coefficient.denominator)
                                   if isinstance(coefficient, Fraction) else coefficient})

    def reduced(self, p):
        if len(p) > MAX_TERMS:
            raise TooLarge(f"{len(p)} terms")
        if not self.roots or all(e < 2 for e in p.degrees()[1:]):
            return p
        terms: dict = {}
        radicands = sorted(self.roots, key=self.roots.get)
        for exps, c in p.to_dict().items():
            scale = 1
            exps = list(exps)
            for i, m in enumerate(radicands, start=1):  # m is the prime p of s_p
                scale *= m ** (exps[i] // 2)
                exps[i] %= 2
            key = tuple(exps)
            terms[key] = terms.get(key, 0) + c * scale
        return self.ctx.from_dict({k: v for k, v in terms.items() if v != 0})

    def fraction(self, e) -> tuple:
        """``(numerator, denominator)`` of a SymPy subexpression."""
        if e.is_Rational:
            q = Fraction(int(e.p), int(e.q))
            return self.monomial(coefficient=q), self.one
        if isinstance(e, sp.exp):
            k = e.args[0] * self.L
            return (self.monomial(int(k)), self.one) if k >= 0 else (self.one, self.monomial(int(-k)))
        if e.is_Pow:
            base, power = e.base, e.exp
            if base.is_Integer and power.is_Rational and power.q == 2:
                whole = sp.Integer(base) ** ((power.p - 1) // 2)
                num, den = self.fraction(whole)
                factors = self.factors[int(base)]
                outside = Fraction(prod(p ** (e // 2) for p, e in factors.items()))
                root = self.monomial(primes=[p for p, e in factors.items() if e % 2], coefficient=outside)
                return self.reduced(num * root), den
            if power.is_Integer:
                num, den = self.fraction(base)
                if power < 0:
                    num, den, power = den, num, -power
                return self.reduced(num ** int(power)), self.reduced(den ** int(power))
        if e.is_Add:
            num, den = self.fraction(e.args[0])
            for term in e.args[1:]:
                n2, d2 = self.fraction(term)
                num, den = (num + n2, den) if d2 == den else (self.reduced(num * d2 + n2 * den),
                                                              self.reduced(den * d2))
            return num, den
        if e.is_Mul:
            num, den = self.one, self.one
            for factor in e.args:
                n2, d2 = self.fraction(factor)
                num, den = self.reduced(num * n2), self.reduced(den * d2)
            return num, den
        raise TooLarge(f"cannot write {type(e).__name__} as a rational function of t")

    def is_zero(self) -> bool:
        return self.fraction(self.expr)[0].is_zero()


def is_zero(expr) -> bool:
    """Whether an exact iteration-1 value (exponentials of rationals, square roots) is exactly 0."""
    return RationalFunctions(expr).is_zero()


def exactly_equal(a, b) -> bool | None:
    """``a == b`` decided exactly, or None when the polynomials would be too large (enclosures decide)."""
    if a == b:
        return True
    try:
        return is_zero(a - b)
    except TooLarge:
        return None


class Balls:
    """Certified enclosures of a run's quantities at ``PREC`` bits (arithmetic on them: inside ``with balls:``)."""

    def __init__(self, run, prec: int = PREC):
        self.run, self.backend = run, ArbBackend()
        self.ev = evaluate(run.plan, self.backend, prec)
        self._precision = None

    @property
    def iterations(self) -> int:
        return len(self.ev.iterations)

    def __getitem__(self, key: str):
        return ball_entry(self.ev, self.run.plan, Key.parse(key))

    def __enter__(self):
        self._precision = self.backend.precision(self.ev.prec)
        self._precision.__enter__()
        return self

    def __exit__(self, *exc):
        return self._precision.__exit__(*exc)


def arb(q) -> flint.arb:
    """An exact rational (Fraction, int or SymPy Rational) as a ball at the working precision."""
    q = Fraction(str(q))
    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def agree(x, y) -> bool:
    """Two enclosures that overlap and are both narrower than 2^-TIGHT of their size: equal as far as
    the enclosures can tell, and any larger difference would have been proven."""
    width = x.rad() + y.rad()
    size = abs(x).upper() + abs(y).upper()
    return (x - y).contains(0) and width <= size * flint.arb(2) ** -TIGHT + flint.arb(2) ** -(PREC - 40)


PRECISIONS = (PREC, 4 * PREC, 16 * PREC)  # a collapsing component needs more than PREC bits


def assert_agree(runs, pairs) -> None:
    """``pairs(*balls)`` yields ``(label, x, y)`` from enclosures of ``runs``; every pair must overlap (a
    pair proven different fails at once), and every pair must be tight (:func:`agree`) at some precision
    of :data:`PRECISIONS`. Pairs still wide at the last one pass on their overlap alone: those are the
    values a run leaves undecided (components collapsing), where no precision used here can tell."""
    for prec in PRECISIONS:
        balls = [Balls(run, prec) for run in runs]
        wide = []
        with balls[0]:
            for label, x, y in pairs(*balls):
                assert (x - y).contains(0), f"{label}: proven different, {x} and {y}"
                if not agree(x, y):
                    wide.append(label)
        if not wide:
            return


def entries(kind: str, name: str, d: int, iteration: int = 1) -> list[tuple[tuple, str]]:
    """``((i, j), key)`` for every entry of a component's vector or matrix quantity."""
    prefix = "" if iteration == 1 else f"iter{iteration}."
    if kind == "mean":
        return [((i,), f"{prefix}mean.{name}[{i}]") for i in range(d)]
    return [((i, j), f"{prefix}{kind}.{name}[{i}][{j}]") for i in range(d) for j in range(d)]


# --- affine changes of variables -----------------------------------------------------------------


@st.composite
def invertible(draw, d: int) -> tuple:
    """A rational d × d matrix with non-zero determinant (rows drawn until they are independent)."""
    entry = st.builds(Fraction, st.integers(-3, 3), st.sampled_from([1, 1, 2, 3]))
    A = tuple(tuple(draw(entry) for _ in range(d)) for _ in range(d))
    assume(sp.Matrix(A).det() != 0)
    return A


def affine(spec, A, b) -> gmmexact.Problem:
    """The problem in the variables y = A x + b: points and means mapped, covariances A Σ Aᵀ."""
    e, d = spec.exact(), spec.d
    Am = sp.Matrix(A)

    def conjugated(S) -> tuple:
        return tuple(tuple(Fraction(str(v)) for v in (Am * sp.Matrix(S) * Am.T).row(i)) for i in range(d))

    return build([mapped(A, b, x) for x in e["points"]], [mapped(A, b, m) for m in e["means"]],
                 [conjugated(S) for S in e["covariances"]], e["weights"], labels=spec.point_labels,
                 names=spec.component_names, spec=spec)


def mapped(A, b, v) -> list[Fraction]:
    return [sum((A[i][j] * v[j] for j in range(len(v))), Fraction(0)) + b[i] for i in range(len(v))]


def vector_value(run, name: str, d: int, kind: str = "mean", iteration: int = 1) -> list[Fraction]:
    return [run[key].value for _, key in entries(kind, name, d, iteration)]


def matrix_value(run, kind: str, name: str, d: int, iteration: int = 1) -> sp.Matrix:
    return sp.Matrix(d, d, [sp.Rational(run[key].value) for _, key in entries(kind, name, d, iteration)])


@INVARIANT
@given(data=st.data())
def test_an_affine_change_of_variables_maps_a_one_component_run_exactly(data):
    """K = 1: every quantity up to the next E-step is rational, so every one is compared with ==."""
    spec = data.draw(problems(K=st.just(1), d=st.integers(1, 3), n=st.integers(1, 6)), "problem")
    A = data.draw(invertible(spec.d), "A")
    b = data.draw(st.lists(fs.small_rationals, min_size=spec.d, max_size=spec.d), "b")
    run, image = gmmexact.solve(original(spec), 2), gmmexact.solve(affine(spec, A, b), 2)
    d, n, (c,) = spec.d, spec.n, spec.component_names
    Am, det_A = sp.Matrix(A), sp.Matrix(A).det()
    assert image.iterations == run.iterations and (image.stopped is None) == (run.stopped is None)
    for t in range(1, run.iterations + 1):
        prefix = "" if t == 1 else f"iter{t}."
        for p in spec.point_labels:
            assert image[f"{prefix}quad.{p}.{c}"].value == run[f"{prefix}quad.{p}.{c}"].value
            assert image[f"{prefix}resp.{p}.{c}"].value == run[f"{prefix}resp.{p}.{c}"].value == 1
        assert image[f"{prefix}det.{c}"].value == run[f"{prefix}det.{c}"].value * Fraction(str(det_A ** 2))
        assert matrix_value(image, "inv", c, d, t) == Am.T.inv() * matrix_value(run, "inv", c, d, t) * Am.inv()
        assert image[f"{prefix}count.{c}"].value == run[f"{prefix}count.{c}"].value == n
        assert image[f"{prefix}weight.{c}"].value == run[f"{prefix}weight.{c}"].value == 1
        assert vector_value(image, c, d, "mean", t) == mapped(A, b, vector_value(run, c, d, "mean", t))
        assert matrix_value(image, "cov", c, d, t) == Am * matrix_value(run, "cov", c, d, t) * Am.T
    def pairs(balls, image_balls):
        shift = arb(n) * abs(arb(det_A)).log()  # the densities scale by 1/|det A|
        for t in range(1, min(balls.iterations, image_balls.iterations) + 1):
            key = "loglik" if t == 1 else f"iter{t}.loglik"
            yield key, image_balls[key] + shift, balls[key]

    assert_agree((run, image), pairs)


@INVARIANT
@given(data=st.data())
def test_an_affine_change_of_variables_leaves_responsibilities_unchanged(data):
    """K ≥ 2: quadratic forms and responsibilities are unchanged, counts and weights too, means map to
    Aμ + b (all exact); covariances map to A Σ Aᵀ (certified enclosures)."""
    spec = data.draw(problems(K=st.integers(2, 3), d=st.integers(1, 2), n=st.integers(1, 4)), "problem")
    A = data.draw(invertible(spec.d), "A")
    b = data.draw(st.lists(fs.small_rationals, min_size=spec.d, max_size=spec.d), "b")
    run, image = gmmexact.solve(original(spec)), gmmexact.solve(affine(spec, A, b))
    d, Am = spec.d, sp.Matrix(A)
    for c in spec.component_names:
        assert image[f"det.{c}"].value == run[f"det.{c}"].value * Fraction(str(Am.det() ** 2))
        for p in spec.point_labels:
            assert image[f"quad.{p}.{c}"].value == run[f"quad.{p}.{c}"].value
            assert exactly_equal(image[f"resp.{p}.{c}"].exact, run[f"resp.{p}.{c}"].exact) is True
        assert exactly_equal(image[f"count.{c}"].exact, run[f"count.{c}"].exact) in (True, None)
        assert exactly_equal(image[f"weight.{c}"].exact, run[f"weight.{c}"].exact) in (True, None)
        mean = run[f"mean.{c}"].exact
        for i in range(d):
            expected = sum(A[i][j] * mean[j] for j in range(d)) + b[i]
            assert exactly_equal(image[f"mean.{c}"].exact[i], expected) in (True, None)
    def pairs(balls, image_balls):
        for c in spec.component_names:
            for p in spec.point_labels:
                yield f"resp.{p}.{c}", image_balls[f"resp.{p}.{c}"], balls[f"resp.{p}.{c}"]
            yield f"count.{c}", image_balls[f"count.{c}"], balls[f"count.{c}"]
            for i in range(d):
                expected = sum((arb(A[i][j]) * balls[f"mean.{c}[{j}]"] for j in range(d)), arb(b[i]))
                yield f"mean.{c}[{i}]", image_balls[f"mean.{c}[{i}]"], expected
            cov = [[balls[f"cov.{c}[{i}][{j}]"] for j in range(d)] for i in range(d)]
            for i in range(d):
                for j in range(d):
                    expected = sum((arb(A[i][k] * A[j][m]) * cov[k][m] for k in range(d) for m in range(d)),
                                   flint.arb(0))
                    yield f"cov.{c}[{i}][{j}]", image_balls[f"cov.{c}[{i}][{j}]"], expected

    assert_agree((run, image), pairs)


# --- duplicated points ----------------------------------------------------------------------------


@INVARIANT
@given(spec=problems(K=st.integers(1, 3), d=st.integers(1, 2), n=st.integers(1, 4)))
def test_duplicating_every_point_doubles_the_counts_and_changes_nothing_else(spec):
    e, n = spec.exact(), spec.n
    labels = spec.point_labels + tuple(f"{p}′" for p in spec.point_labels)
    doubled = build(e["points"] * 2, e["means"], e["covariances"], e["weights"], labels=labels,
                    names=spec.component_names, spec=spec)
    run, twice = gmmexact.solve(original(spec), 2), gmmexact.solve(doubled, 2)
    for c in spec.component_names:
        for p in range(n):
            resp = run[f"resp.{labels[p]}.{c}"].exact
            assert twice[f"resp.{labels[p]}.{c}"].exact == twice[f"resp.{labels[p + n]}.{c}"].exact == resp
        assert exactly_equal(twice[f"count.{c}"].exact, 2 * run[f"count.{c}"].exact) in (True, None)
        assert exactly_equal(twice[f"weight.{c}"].exact, run[f"weight.{c}"].exact) in (True, None)
        for i in range(spec.d):
            assert exactly_equal(twice[f"mean.{c}"].exact[i], run[f"mean.{c}"].exact[i]) in (True, None)
    assert twice.iterations == run.iterations
    def pairs(balls, twice_balls):
        for t in range(1, min(balls.iterations, twice_balls.iterations) + 1):
            for c in spec.component_names:
                for kind in ("mean", "cov"):
                    for _, key in entries(kind, c, spec.d, t):
                        yield key, twice_balls[key], balls[key]
                prefix = "" if t == 1 else f"iter{t}."
                yield f"{prefix}weight.{c}", twice_balls[f"{prefix}weight.{c}"], balls[f"{prefix}weight.{c}"]
                yield f"{prefix}count.{c}", twice_balls[f"{prefix}count.{c}"], 2 * balls[f"{prefix}count.{c}"]

    assert_agree((run, twice), pairs)


# --- permutations ---------------------------------------------------------------------------------


@INVARIANT
@given(spec=problems(K=st.integers(1, 4), d=st.integers(1, 3), n=st.integers(1, 6),
                     covariance_types=(None,) + fs.COVARIANCE_TYPES, fixed=True), data=st.data())
def test_permuting_points_and_components_permutes_every_quantity(spec, data):
    """Points carry their labels and components their names, so every key's exact value (SymPy's
    canonical form) is the same after the permutation, and so is every certified decimal of iteration 1."""
    e = spec.exact()
    points = data.draw(st.permutations(range(spec.n)), "point order")
    comps = data.draw(st.permutations(range(spec.K)), "component order")
    permuted = build([e["points"][p] for p in points], [e["means"][c] for c in comps],
                     [e["covariances"][c] for c in comps], [e["weights"][c] for c in comps],
                     labels=[spec.point_labels[p] for p in points], names=[spec.component_names[c] for c in comps],
                     spec=spec)
    run, other = gmmexact.solve(original(spec), 2), gmmexact.solve(permuted, 2)
    assert other.iterations == run.iterations
    keys = run.keys()
    assert sorted(map(str, other.keys())) == sorted(map(str, keys))
    for key in keys:
        assert other[key].exact == run[key].exact, key
        if key.iteration == 1:  # later iterations' digits may need 65536 bits (collapsing components)
            assert shown(other[key].decimal(12)) == shown(run[key].decimal(12)), key


def shown(decimal):
    """A certified decimal without the reason an undecided one gives (which lists components in order)."""
    if isinstance(decimal, (tuple, list)):
        return tuple(shown(d) for d in decimal)
    return str(decimal).split(" (not decided")[0]


# --- responsibilities sum to one ------------------------------------------------------------------


@INVARIANT
@given(spec=problems(K=st.integers(1, 4), d=st.integers(1, 3), n=st.integers(1, 5),
                     covariance_types=(None,) + fs.COVARIANCE_TYPES))
def test_the_responsibilities_of_each_point_sum_to_one(spec):
    """Exactly in iteration 1 (the rational function Σ_c r_pc − 1 is zero), and by enclosures narrower
    than 2^-300 containing 1 in every iteration; the new weights likewise."""
    run = gmmexact.solve(original(spec), 3)
    names = spec.component_names
    for p in spec.point_labels:
        assert exactly_equal(sum(run[f"resp.{p}.{c}"].exact for c in names), 1) is True
    assert exactly_equal(sum(run[f"weight.{c}"].exact for c in names), 1) in (True, None)
    for t in range(1, run.iterations + 1):
        prefix = "" if t == 1 else f"iter{t}."
        for prec in (PREC, 4 * PREC, 16 * PREC):  # a collapsing component needs more precision
            balls = Balls(run, prec)
            if balls.iterations < t:
                continue
            with balls:
                if all(agree(sum((balls[f"{prefix}resp.{p}.{c}"] for c in names), arb(0)), arb(1))
                       for p in spec.point_labels) and \
                        agree(sum((balls[f"{prefix}weight.{c}"] for c in names), arb(0)), arb(1)):
                    break
        else:  # not even 10240 bits enclose them: the run must say its values there are undecided
            assert any("not decided" in str(run[f"{prefix}resp.{p}.{c}"].decimal(6))
                       for p in spec.point_labels for c in names), f"iteration {t}"


# --- the log-likelihood ---------------------------------------------------------------------------


@INVARIANT
@given(spec=problems(K=st.integers(1, 3), d=st.integers(1, 2), n=st.integers(2, 6),
                     covariance_types=(None,) + fs.COVARIANCE_TYPES, fixed=True))
def test_the_log_likelihood_never_decreases(spec):
    """EM (and its constrained and partial M-steps) never lowers the likelihood: each certified
    difference loglik_{t+1} − loglik_t is ≥ 0, or an exact tie within 2^-100; where fewer iterations
    are computed, the run says which step is singular."""
    requested = 4
    run = gmmexact.solve(original(spec), requested)
    if run.iterations < requested:
        assert run.stopped is not None and "singular" in run.stopped.message
    keys = ["loglik" if t == 1 else f"iter{t}.loglik" for t in range(1, run.iterations + 1)]
    for prec in PRECISIONS:
        balls = Balls(run, prec)
        with balls:
            loglik = [balls[k] for k in keys[:balls.iterations]]
            if balls.iterations == run.iterations and all(v.is_finite() for v in loglik):
                break
    else:  # a collapsing component: the run itself must leave those log-likelihoods undecided
        for k, v in zip(keys, loglik + [None] * len(keys)):
            if v is None or not v.is_finite():
                assert "not decided" in str(run[k].decimal(6)), k
    with balls:
        for before, after in itertools.pairwise(v for v in loglik if v.is_finite()):
            step = after - before
            assert step.upper() >= 0, f"the log-likelihood decreased: {before} -> {after}"
            assert step.lower() >= 0 or step.rad() < flint.arb(2) ** -100
