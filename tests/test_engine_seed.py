"""Exact and certified values of the seed problem (six people, two components), checked against
the hand-worked EM iteration and against an independent mpmath computation at 50 digits."""
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import lru_cache

import mpmath
import pytest
import sympy as sp

import gmmexact
from gmmexact import Key

POINTS = {"A": (160, 55), "B": (165, 60), "C": (170, 65), "D": (180, 75), "E": (185, 80), "F": (190, 85)}
MEANS = {"women": (162, 57), "men": (185, 80)}
NAMES = ("women", "men")
OTHER = {"women": "men", "men": "women"}

# (x − μ)ᵀ(x − μ)/10, worked by hand: every deviation has equal coordinates (x_h − μ_h = x_w − μ_w = δ),
# so the form is 2δ²/10 = δ²/5.
HAND_QUAD = {
    ("A", "women"): Fraction(4, 5),  # δ = −2
    ("B", "women"): Fraction(9, 5),  # δ = 3
    ("C", "women"): Fraction(64, 5),  # δ = 8
    ("D", "women"): Fraction(324, 5),  # δ = 18
    ("E", "women"): Fraction(529, 5),  # δ = 23
    ("F", "women"): Fraction(784, 5),  # δ = 28
    ("A", "men"): Fraction(125),  # δ = −25
    ("B", "men"): Fraction(80),  # δ = −20
    ("C", "men"): Fraction(45),  # δ = −15
    ("D", "men"): Fraction(5),  # δ = −5
    ("E", "men"): Fraction(0),  # δ = 0
    ("F", "men"): Fraction(5),  # δ = 5
}


def rat(q: Fraction) -> sp.Rational:
    return sp.Rational(q.numerator, q.denominator)


# -- the exact layer ---------------------------------------------------------------------------


def test_hand_quadratic_forms_are_what_the_formula_gives():
    # guard the table above against typos: recompute (x − μ)ᵀ(x − μ)/10 here
    for (p, c), q in HAND_QUAD.items():
        dev = [a - b for a, b in zip(POINTS[p], MEANS[c])]
        assert Fraction(sum(v * v for v in dev), 10) == q


def test_determinant_inverse_and_norm(seed_run):
    for c in NAMES:
        assert seed_run[f"det.{c}"].exact == 100
        assert seed_run[f"det.{c}"].value == 100
        assert seed_run[f"inv.{c}"].exact == sp.Matrix([[sp.Rational(1, 10), 0], [0, sp.Rational(1, 10)]])
        assert seed_run[f"inv.{c}"].value == ((Fraction(1, 10), 0), (0, Fraction(1, 10)))
        assert seed_run[f"norm.{c}"].exact == 20 * sp.pi
        assert seed_run[f"norm.{c}"].value is None  # involves π


def test_named_quadratic_forms(seed_run):
    assert seed_run["quad.A.women"].exact == sp.Rational(4, 5)
    assert seed_run["quad.A.men"].exact == 125
    assert seed_run["quad.A.women"].value == Fraction(4, 5)


@pytest.mark.parametrize("point,comp", sorted(HAND_QUAD))
def test_all_twelve_quadratic_forms(seed_run, point, comp):
    q = HAND_QUAD[point, comp]
    assert seed_run[f"quad.{point}.{comp}"].value == q
    assert seed_run[f"quad.{point}.{comp}"].exact == rat(q)


def test_density_closed_form(seed_run):
    assert seed_run["density.A.women"].exact == sp.exp(-sp.Rational(2, 5)) / (20 * sp.pi)
    assert seed_run["density.A.men"].exact == sp.exp(-sp.Rational(125, 2)) / (20 * sp.pi)
    assert seed_run["exp.A.women"].exact == sp.exp(-sp.Rational(2, 5))
    assert seed_run["density.A.women"].value is None


def test_resp_a_men_closed_form(seed_run):
    assert seed_run["resp.A.men"].exact == 1 / (1 + sp.exp(sp.Rational(621, 10)))


@pytest.mark.parametrize("point", sorted(POINTS))
@pytest.mark.parametrize("comp", NAMES)
def test_all_twelve_responsibilities_closed_form(seed_run, point, comp):
    # equal weights and determinants: r_pc = 1 / (1 + exp((q_pc − q_pj)/2)), j the other component
    qc, qj = HAND_QUAD[point, comp], HAND_QUAD[point, OTHER[comp]]
    expected = 1 / (1 + sp.exp(rat((qc - qj) / 2)))
    got = seed_run[f"resp.{point}.{comp}"].exact
    assert got == expected
    assert sp.simplify(got - expected) == 0
    assert seed_run[f"resp.{point}.{comp}"].value is None  # transcendental


@pytest.mark.parametrize("point", sorted(POINTS))
def test_responsibilities_sum_exactly_to_one(seed_run, point):
    total = seed_run[f"resp.{point}.women"].exact + seed_run[f"resp.{point}.men"].exact
    assert sp.cancel(sp.together(total)) == 1
    assert sp.simplify(total - 1) == 0


# -- certified decimals --------------------------------------------------------------------------


def test_certified_decimals(seed_run):
    assert seed_run["density.A.women"].decimal(12) == "0.0106684748780"
    assert seed_run["resp.A.women"].decimal(30) == "0.999999999999999999999999998928"
    # the hand-worked document wrote 1.15e-29, from the rounded inputs 62.83 and 7.2e-28
    assert seed_run["density.A.men"].decimal(5) == "1.1440e-29"


def test_exact_values_print_exactly(seed_run):
    assert seed_run["det.women"].decimal(6) == "100.000"
    assert seed_run["quad.A.women"].decimal(3) == "0.800"
    assert seed_run["inv.men"].decimal(3) == (("0.100", "0"), ("0", "0.100"))


# -- the singularity -------------------------------------------------------------------------


def test_degeneracy(seed_run):
    deg = seed_run.plan.degeneracy
    assert deg is not None
    assert deg.dimension == 1
    assert deg.ambient == 2
    assert len(deg.relations) == 1
    a, b = deg.relations[0]
    assert tuple(a) == (1, -1)
    assert b == 105
    for x in POINTS.values():  # the relation holds for every point
        assert x[0] - x[1] == 105


def test_singular_covariance_findings(seed_run):
    found = [f for f in seed_run.diagnostics if f.kind == "singular-covariance"]
    assert {f.key for f in found} == {"cov.women", "cov.men"}
    for f in found:
        assert "height − weight = 105" in f.message
        assert f.rank == 1
        assert "height − weight = 105" in f.relations


def test_three_iterations_stop_after_one(seed_problem):
    run = gmmexact.solve(seed_problem, iterations=3)
    assert run.iterations == 1
    assert run.stopped is not None
    assert run.stopped.kind == "stopped"
    assert "height − weight = 105" in run.stopped.message
    assert "iter2.resp.A.women" not in run
    with pytest.raises(KeyError):
        run["iter2.loglik"]
    assert any(f.kind == "stopped" for f in run.diagnostics)
    assert all(k.iteration == 1 for k in run.keys())


def test_one_iteration_does_not_stop(seed_run):
    assert seed_run.iterations == 1
    assert seed_run.stopped is None


# -- M-step against an independent mpmath computation ------------------------------------------------


@lru_cache(maxsize=None)
def _reference():
    """The seed's iteration at 50 digits with plain formulas (no gmmexact code)."""
    with mpmath.workdps(50):
        mp = mpmath.mp
        pts = {p: [mp.mpf(v) for v in x] for p, x in POINTS.items()}
        out = {}
        density = {}
        for p, x in pts.items():
            for c in NAMES:
                dev = [xi - mi for xi, mi in zip(x, MEANS[c])]
                q = sum(v * v for v in dev) / 10  # Σ = 10·I, Σ⁻¹ = I/10
                density[p, c] = mp.exp(-q / 2) / (2 * mp.pi * mp.sqrt(100))
        loglik = mp.mpf(0)
        resp = {}
        for p in pts:
            evidence = sum(mp.mpf(1) / 2 * density[p, c] for c in NAMES)
            loglik += mp.log(evidence)
            for c in NAMES:
                resp[p, c] = mp.mpf(1) / 2 * density[p, c] / evidence
                out[f"resp.{p}.{c}"] = resp[p, c]
        out["loglik"] = loglik
        for c in NAMES:
            m = sum(resp[p, c] for p in pts)
            mean = [sum(resp[p, c] * pts[p][i] for p in pts) / m for i in range(2)]
            out[f"count.{c}"] = m
            out[f"weight.{c}"] = m / len(pts)
            for i in range(2):
                out[f"mean.{c}[{i}]"] = mean[i]
            for i in range(2):
                for j in range(2):
                    out[f"cov.{c}[{i}][{j}]"] = sum(
                        resp[p, c] * (pts[p][i] - mean[i]) * (pts[p][j] - mean[j]) for p in pts) / m
        return {k: mpmath.nstr(v, 40, strip_zeros=False) for k, v in out.items()}


def _round12(text: str) -> Decimal:
    """A 40-digit decimal string rounded half-even to 12 significant digits."""
    x = Decimal(text)
    for _ in range(2):  # a carry (9.99… → 10.0) moves the leading digit: quantize again
        q = x.quantize(Decimal(1).scaleb(x.adjusted() - 11), rounding=ROUND_HALF_EVEN)
        if q.adjusted() == x.adjusted():
            return q
        x = q
    return q


REFERENCE_KEYS = [f"resp.{p}.{c}" for p in POINTS for c in NAMES] + ["loglik"] + [
    f"{kind}.{c}" for c in NAMES for kind in ("count", "weight")] + [
    f"mean.{c}[{i}]" for c in NAMES for i in range(2)] + [
    f"cov.{c}[{i}][{j}]" for c in NAMES for i in range(2) for j in range(2)]


@pytest.mark.parametrize("key", REFERENCE_KEYS)
def test_mstep_matches_mpmath_to_12_digits(seed_run, key):
    ref = _round12(_reference()[key])
    rounded = seed_run[key].rounded(12)
    assert rounded.fraction() == Fraction(ref)
    if -5 <= ref.adjusted() < 15:  # positional printing: the digit strings agree too
        assert seed_run[key].decimal(12) == format(ref, "f")


def test_mstep_recognisable_values(seed_run):
    # the hand-worked document rounded the responsibilities to 0/1 and got μ = [165, 60], [185, 80],
    # π = 1/2, Σ = 50/3·[[1, 1], [1, 1]]; the exact step is close to that, not equal to it
    assert seed_run["mean.women"].decimal(12) == ("164.999999830", "59.9999998303")
    assert seed_run["weight.women"].decimal(3) == "0.500"
    assert seed_run["cov.women[0][1]"].decimal(3) == "16.7"
    assert seed_run["mean.women"].value is None


def test_reference_rounding_helper():
    assert _round12("0.99999999999999999999") == Decimal("1.00000000000")
    assert _round12("164.9999998303") == Decimal("164.999999830")
    assert _round12("1.000000000005") == Decimal("1.00000000000")  # half-even: down to the even digit
    assert _round12("1.000000000015") == Decimal("1.00000000002")  # half-even: up to the even digit
    assert _round12("-2.5e-30") == Decimal("-2.50000000000e-30")
