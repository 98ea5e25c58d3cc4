"""Iteration 1 decided exactly (gmmexact.engine.identities): rational values hidden behind
transcendental responsibilities, equality with rationals, rounding boundaries, exact zeros."""
from __future__ import annotations

import time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import gmmexact
from gmmexact.engine import identities
from gmmexact.engine.exact import derive_exact
from gmmexact.engine.identities import Undecidable, compare, equals, rational_value
from gmmexact.engine.lookup import _layer_entry, exact_entry
from gmmexact.model.keys import Key
from gmmexact.model.problem import Problem
from gmmexact.numerics.backends import ArbBackend
from gmmexact.numerics.certify import Certifier, Undecided
from gmmexact.numerics.evaluate import ball_entry, evaluate
from gmmexact.numerics.rounding import Rounded, ball_bounds


def mirror() -> Problem:
    """-2, -1, 0, 1, 2 and two components that are mirror images: the counts are 5/2 by symmetry."""
    return Problem.from_arrays([-2, -1, 0, 1, 2], means=[-1, 1], covariances=[1, 1], weights=["1/2", "1/2"],
                               names=["a", "b"])


def mirror_2d() -> Problem:
    """Symmetric under x ↦ −x: components l and r are mirror images, m sits on the axis with another
    determinant (|Σ_m|/|Σ_l| = 3/2, so √6 enters the responsibilities)."""
    points = [[-2, 1], [-1, 0], [0, 2], [1, 0], [2, 1], [0, -1]]
    return Problem.from_arrays(points, means=[[-1, 0], [1, 0], [0, 1]],
                               covariances=[[[1, 0], [0, 2]], [[1, 0], [0, 2]], [[3, 0], [0, 1]]],
                               weights=["1/4", "1/4", "1/2"], names=["l", "r", "m"],
                               labels=["A", "B", "C", "D", "E", "F"])


@pytest.fixture
def no_auto(monkeypatch):
    """exact_entry without the automatic look-up: only the certifier's exact decision is left."""
    monkeypatch.setattr(identities, "AUTO_ENTRIES", 0)


def test_a_mirror_symmetric_count_is_exactly_five_halves():
    plan = derive_exact(mirror())
    assert plan.iterations[0].counts == (None, None)  # the exact layer alone does not see it
    assert rational_value(plan, "count.a") == Fraction(5, 2)
    assert equals(plan, "count.b", Fraction(5, 2)) and compare(plan, "count.b", "5/2") == 0
    assert rational_value(plan, "weight.a") == Fraction(1, 2)
    assert rational_value(plan, "resp.x1.a") is None  # the responsibilities stay transcendental
    assert rational_value(plan, "mean.a[0]") is None and rational_value(plan, "cov.a[0][0]") is None
    assert rational_value(plan, "resp.x3.a") == Fraction(1, 2)  # equal quadratic forms


def test_the_run_reports_five_halves_as_exact():
    run = gmmexact.solve(mirror())
    assert run["count.a"].value == Fraction(5, 2)
    assert run["weight.b"].value == Fraction(1, 2)
    assert run["mean.a"].value is None
    assert str(run["count.a"].exact) == "5/2"
    rounded = run["count.a"].rounded(1)
    assert isinstance(rounded, Rounded) and str(rounded) == "2" and rounded.tie  # half to even
    half = run["weight.a"].rounded(1)
    assert isinstance(half, Rounded) and str(half) == "0.5" and half.exact


def test_the_certifier_decides_a_tie_exactly_without_the_look_up(no_auto):
    run = gmmexact.solve(mirror())
    assert run["count.a"].value is None
    got = run.round(["count.a", "count.b", "weight.a", "mean.a"], 1)
    count = got[Key(1, "count", None, "a")]
    assert isinstance(count, Rounded) and str(count) == "2" and count.tie and not count.exact
    assert str(got[Key(1, "weight", None, "a")]) == "0.5"  # on no boundary: the balls decide it, not exactly
    assert str(got[Key(1, "mean", None, "a", (0,))]) == "-1"  # irrational: the balls decide it


def test_square_roots_of_determinants_and_an_identity_by_symmetry():
    problem = mirror_2d()
    plan = derive_exact(problem)
    assert identities._context(plan).base == [2, 3]  # |Σ_l| = |Σ_r| = 2, |Σ_m| = 3: √2 and √3 enter
    assert plan.iterations[0].new[2].mean[0] is None  # not seen by the exact layer
    assert rational_value(plan, "mean.m[0]") == 0
    assert rational_value(plan, "cov.m[0][1]") == 0 and rational_value(plan, "cov.m[1][0]") == 0
    assert rational_value(plan, "mean.m[1]") is None and rational_value(plan, "mean.l[0]") is None
    assert rational_value(plan, "count.m") is None  # count.l = count.r, but not rational
    assert exact_entry(plan, Key.parse("dev.C.m[0]")) == 0
    run = gmmexact.solve(problem)
    assert run["mean.m"].value is None and run["cov.m[0][1]"].value == 0
    zero = run["cov.m[1][0]"].rounded(3)
    assert isinstance(zero, Rounded) and str(zero) == "0" and zero.exact


def test_an_exact_zero_factor_makes_the_outer_product_zero():
    # C lies on the axis of symmetry: dev.C.m[0] = 0 exactly, dev.C.m[1] is transcendental
    run = gmmexact.solve(mirror_2d())
    assert run["outer.C.m[0][1]"].value == 0 and run["outer.C.m[1][0]"].value == 0
    assert run["outer.C.m[1][1]"].value is None
    assert str(run["outer.C.m[0][1]"].decimal(4)) == "0"


def test_an_exact_zero_factor_known_to_the_exact_layer():
    # means on the axis: the exact layer's symmetric groups give mean[0] = 0; B sits on the axis
    problem = Problem.from_arrays([[-1, 0], [0, 1], [1, 0], [0, 3]], means=[[0, 0], [0, 2]],
                                  covariances=[[[1, 0], [0, 1]], [[2, 0], [0, 1]]], weights=["1/3", "2/3"],
                                  labels=["A", "B", "C", "D"])
    plan = derive_exact(problem)
    assert plan.iterations[0].new[0].mean[0] == 0 and plan.iterations[0].new[0].mean[1] is None
    key = Key.parse("outer.B.1[0][1]")
    assert _layer_entry(plan, key) == 0  # the rule itself, without the identities
    got = Certifier(plan, ArbBackend()).round([key], 3)[key]
    assert isinstance(got, Rounded) and got.exact and got.mantissa == 0


def test_a_value_near_a_rational_is_not_equal_to_it():
    plan = derive_exact(mirror())
    ev = evaluate(plan, ArbBackend(), 256)
    with ArbBackend().precision(256):
        lo, hi = ball_bounds(ball_entry(ev, plan, Key.parse("mean.a[0]")))
    near = Fraction(round(lo * 10**6), 10**6)  # the six-digit neighbour of the value
    assert not equals(plan, "mean.a[0]", near)
    assert not equals(plan, "count.a", Fraction(5, 2) + Fraction(1, 10**40))
    assert compare(plan, "count.a", Fraction(5, 2) + Fraction(1, 10**40)) is None
    assert not equals(plan, "resp.x1.a", Fraction(1, 2)) and not equals(plan, "exp.x1.a", 1)
    assert equals(plan, "exp.x3.a", Fraction(1, 2)) is False and equals(plan, "quad.x1.a", 1)


def test_keys_outside_the_method_are_undecidable():
    problem = mirror()
    plan = derive_exact(problem, iterations=2)
    with pytest.raises(Undecidable, match="only iteration 1"):
        equals(plan, "iter2.count.a", Fraction(5, 2))
    with pytest.raises(Undecidable, match="π"):
        rational_value(plan, "density.x1.a")


def test_beyond_the_cost_bound_the_answer_is_undecided_with_the_reason_quickly():
    # mirror-symmetric again (count = n/2 exactly), but with 150 distinct evidence polynomials
    half = [k + Fraction(k * k, 101) for k in range(1, 151)]
    problem = Problem.from_arrays([-x for x in half] + half, means=[-3, 3], covariances=[5, 5],
                                  weights=["1/2", "1/2"], names=["a", "b"])
    plan = derive_exact(problem)
    start = time.perf_counter()
    with pytest.raises(Undecidable, match="bound") as raised:
        rational_value(plan, "count.a")
    assert "terms" in raised.value.reason
    with pytest.raises(Undecidable, match="bound"):
        equals(plan, "count.a", 150)
    assert exact_entry(plan, Key.parse("count.a")) is None
    # the modular images still refute what they can
    assert rational_value(plan, "mean.a[0]") is None and not equals(plan, "count.a", 151)
    assert time.perf_counter() - start < 5


def test_too_many_pairs_are_refused_at_once(monkeypatch):
    monkeypatch.setattr(identities, "MAX_ENTRIES", 4)
    plan = derive_exact(mirror())
    with pytest.raises(Undecidable, match="point–component pairs"):
        rational_value(plan, "count.a")
    assert exact_entry(plan, Key.parse("count.a")) is None


def test_an_undecidable_tie_says_why(no_auto, monkeypatch):
    monkeypatch.setattr(identities, "MAX_TERMS", 2)
    plan = derive_exact(mirror())
    key = Key.parse("count.a")
    got = Certifier(plan, ArbBackend(), max_prec=512).round([key], 1)[key]
    assert isinstance(got, Undecided) and "not decided exactly" in str(got) and "bound" in got.reason


small = st.integers(-3, 3)
positive = st.fractions(min_value=Fraction(1, 2), max_value=4, max_denominator=3)


@st.composite
def problems(draw):
    d = draw(st.sampled_from([1, 2]))
    n = draw(st.integers(2, 5))
    points = [[draw(small) for _ in range(d)] for _ in range(n)]
    means = [[draw(small) for _ in range(d)] for _ in range(2)]
    covs = [[[draw(positive) if i == j else 0 for j in range(d)] for i in range(d)] for _ in range(2)]
    w = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(["full", "diag"]))
    return Problem.from_arrays(points, means=means, covariances=covs, weights=[Fraction(w, 5), Fraction(5 - w, 5)],
                               covariance_type=kind)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(["count.1", "weight.2", "mean.1[0]", "cov.2[0][0]", "mean.2[0]"]))
def test_equals_agrees_with_the_enclosures(problem, name):
    plan = derive_exact(problem)
    key = Key.parse(name)
    backend = ArbBackend()
    ev = evaluate(plan, backend, 400)
    with backend.precision(400):
        lo, hi = ball_bounds(ball_entry(ev, plan, key))
    value = rational_value(plan, key)
    if value is not None:
        assert lo <= value <= hi
        assert equals(plan, key, value)
    for near in (Fraction(round(lo * 10**4), 10**4), Fraction(round(hi * 10**9) + 1, 10**9), lo - Fraction(1, 10**50)):
        if not lo <= near <= hi:  # the enclosure excludes it: so must the exact decision
            assert not equals(plan, key, near)
        elif value is None:
            assert not equals(plan, key, near)
