"""Covariance types (full, tied, diag, spherical), fixed parameters, reg_covar and count_offset.

Exact assertions where the M-step is rational (K = 1, responsibilities of 1/2 by symmetry, or
responsibilities given directly to ``mstep_parameters``); scikit-learn's float M-step on a random
well-conditioned 3-D problem for every type; the seed with every type; invariants with hypothesis.
"""
import os
import warnings
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gmmexact
from gmmexact import Key
from gmmexact.model.errors import InputError
from gmmexact.numerics.evaluate import evaluate
from gmmexact.engine.exact import derive_exact
from gmmexact.numerics.backends import get_backend
from gmmexact.engine.forms import GENERAL, general_formula
from gmmexact.model.linalg import to_fmpq_mat
from gmmexact.engine.monomials import MStepModel, monomials, mstep_parameters
from gmmexact.model.problem import from_dict, load
from gmmexact.rendering.report import parse_exact, sympy_text
from gmmexact.numerics.rounding import ball_bounds
from gmmexact.checking.stepeval import evaluate_exact, explicit
from gmmexact.engine.lookup import entry_keys, exact_entry
from gmmexact.numerics.evaluate import ball_entry

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed" / "problem.toml"
TYPES = ("full", "tied", "diag", "spherical")
EPS10 = Fraction(10, 2**52)  # scikit-learn's nk + 10·eps
F = Fraction

# GMMEXACT_EXAMPLES=500 for a longer search
SETTINGS = settings(max_examples=int(os.environ.get("GMMEXACT_EXAMPLES", 25)), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def seed(**options):
    return replace(load(SEED), **options)


def one_component(points, covariance_type="full", **options):
    """K = 1: every responsibility is 1, so every M-step is rational."""
    d = len(points[0])
    mean = [0] * d
    cov = [[int(i == j) for j in range(d)] for i in range(d)]
    return gmmexact.Problem.from_arrays(points, means=[mean], covariances=[cov], weights=[1],
                                        covariance_type=covariance_type, **options)


# -- problem files and validation ------------------------------------------------------------------

SEED_TEXT = SEED.read_text()


def load_text(tmp_path, text):
    path = tmp_path / "problem.toml"
    path.write_text(text)
    return load(path)


def error(tmp_path, text) -> str:
    with pytest.raises(InputError) as info:
        load_text(tmp_path, text)
    return str(info.value)


def test_defaults():
    p = load(SEED)
    assert (p.covariance_type, p.fixed, p.reg_covar, p.count_offset) == ("full", frozenset(), 0, 0)


def test_options_from_a_file(tmp_path):
    text = 'covariance_type = "spherical"\nfixed = ["weight", "mean"]\nreg_covar = "1e-6"\ncount_offset = 0.5\n'
    p = load_text(tmp_path, text + SEED_TEXT)
    assert p.covariance_type == "spherical"
    assert p.fixed == frozenset({"weight", "mean"})
    assert p.reg_covar == F(1, 10**6) and p.count_offset == F(1, 2)
    assert load_text(tmp_path, "reg_covar = 0.000001\n" + SEED_TEXT).reg_covar == F(1, 10**6)
    assert load_text(tmp_path, 'reg_covar = "1/3"\n' + SEED_TEXT).reg_covar == F(1, 3)


@pytest.mark.parametrize("line, fragments", [
    ('covariance_type = "banana"', ["covariance_type: is the string 'banana'",
                                    '"full", "tied", "diag", "spherical"']),
    ('covariance_type = "EEE"', ["mclust's name for \"tied\""]),
    ('covariance_type = "diagonal"', ["did you mean 'diag'"]),
    ("covariance_type = 3", ["covariance_type: is the number 3"]),
    ('fixed = ["covariances"]', ["fixed[0]: is the string 'covariances'", "did you mean 'covariance'",
                                 "weight, mean, covariance"]),
    ('fixed = "weight"', ["fixed: is the string 'weight'", "a list of parameter names"]),
    ('reg_covar = "-1e-6"', ["reg_covar: is -1/1000000, negative", "a number ≥ 0"]),
    ("reg_covar = 1e-6", []),  # a TOML decimal: exact, accepted
    ('reg_covar = "0.1.2"', ["reg_covar: is the string '0.1.2', which is not a number"]),
    ('count_offset = "-1"', ["count_offset: is -1, negative"]),
    ("count_offset = [1]", ["count_offset: is a list"]),
])
def test_option_errors(tmp_path, line, fragments):
    if not fragments:
        assert load_text(tmp_path, line + "\n" + SEED_TEXT).reg_covar == F(1, 10**6)
        return
    message = error(tmp_path, line + "\n" + SEED_TEXT)
    assert str(tmp_path / "problem.toml") in message
    for fragment in fragments:
        assert fragment in message


def test_float_options_refused():
    with pytest.raises(InputError, match="reg_covar: is the binary float 1e-06"):
        seed(reg_covar=1e-6)
    with pytest.raises(InputError, match="count_offset: is the binary float"):
        gmmexact.Problem.from_arrays([1, 2], means=[1], covariances=[1], weights=[1], count_offset=2.2e-15)


def test_starting_covariances_must_fit_the_type(tmp_path):
    text = SEED_TEXT.replace("covariance = [[10, 0], [0, 10]]\nweight = 0.5\n\n[[components]]\nname = \"men\"",
                             "covariance = [[10, 1], [1, 10]]\nweight = 0.5\n\n[[components]]\nname = \"men\"")
    assert text != SEED_TEXT
    message = error(tmp_path, 'covariance_type = "tied"\n' + text)
    assert "components[1] (men).covariance: differs from the covariance of components[0] (women)" in message
    assert "top-level covariance" in message
    message = error(tmp_path, 'covariance_type = "diag"\n' + text)
    assert "components[0] (women).covariance: has [0][1] = 1, but covariance_type is \"diag\"" in message
    assert "a diagonal matrix" in message
    unequal = SEED_TEXT.replace("[[10, 0], [0, 10]]", "[[10, 0], [0, 12]]", 1)
    message = error(tmp_path, 'covariance_type = "spherical"\n' + unequal)
    assert "has [1][1] = 12 but [0][0] = 10" in message and "a multiple of the identity" in message
    assert load_text(tmp_path, 'covariance_type = "diag"\n' + unequal).covariance_type == "diag"


def test_top_level_covariance(tmp_path):
    text = SEED_TEXT.replace("covariance = [[10, 0], [0, 10]]\n", "")
    p = load_text(tmp_path, 'covariance_type = "tied"\ncovariance = [[10, 0], [0, 10]]\n' + text)
    assert p == seed(covariance_type="tied", source=p.source)
    both = 'covariance = [[10, 0], [0, 10]]\n' + SEED_TEXT
    assert "components[0] (women).covariance: is given although the top-level covariance is too" in error(tmp_path, both)
    singular = 'covariance = [[1, 1], [1, 1]]\n' + text
    assert "covariance: is singular (determinant 0), so not positive definite" in error(tmp_path, singular)


def test_replace_validates():
    p = seed()
    q = replace(p, reg_covar=F(1, 10**6), covariance_type="tied", fixed=["mean"], count_offset=EPS10)
    assert q.reg_covar == F(1, 10**6) and q.fixed == frozenset({"mean"}) and q.count_offset == EPS10
    assert gmmexact.solve(q)["cov.women"].value is None  # soft responsibilities: not rational
    with pytest.raises(InputError, match="covariance_type: is the string 'VII'"):
        replace(p, covariance_type="VII")
    with pytest.raises(InputError, match="fixed\\[0\\]: is the string 'means'"):
        replace(p, fixed={"means"})
    with pytest.raises(InputError, match="reg_covar: is -1, negative"):
        replace(p, reg_covar=-1)
    three = gmmexact.Problem.from_arrays([1, 2, 4], means=[1, 4], covariances=[1, 2], weights=["1/2", "1/2"])
    with pytest.raises(InputError, match=r"components\[1\] \(2\).covariance: differs"):
        replace(three, covariance_type="tied")


def test_from_arrays_options():
    p = gmmexact.Problem.from_arrays([[0, 1], [2, 3]], means=[[0, 1]], covariances=[[[1, 0], [0, 1]]], weights=[1],
                                     covariance_type="spherical", fixed={"weight"}, reg_covar="1e-6",
                                     count_offset=EPS10)
    assert (p.covariance_type, p.fixed, p.reg_covar, p.count_offset) == (
        "spherical", frozenset({"weight"}), F(1, 10**6), EPS10)


# -- exact M-steps: K = 1 --------------------------------------------------------------------------

POINTS = [[0, 1], [2, 5], [3, 3], [7, 3]]  # mean (3, 3); scatter [[26, 4], [4, 8]]; XᵀX [[62, 40], [40, 44]]


@pytest.mark.parametrize("kind, cov", [
    ("full", [[F(13, 2), 1], [1, 2]]),
    ("tied", [[F(13, 2), 1], [1, 2]]),  # K = 1: pooled over one component
    ("diag", [[F(13, 2), 0], [0, 2]]),
    ("spherical", [[F(17, 4), 0], [0, F(17, 4)]]),
])
def test_one_component_every_type(kind, cov):
    run = gmmexact.solve(one_component(POINTS, kind))
    assert run["weight.1"].value == 1 and run["count.1"].value == 4
    assert run["mean.1"].value == (3, 3)
    assert run["cov.1"].value == tuple(map(tuple, cov))
    reg = gmmexact.solve(one_component(POINTS, kind, reg_covar=F(1, 10)))
    assert reg["cov.1"].value == tuple(tuple(v + F(1, 10) * (i == j) for j, v in enumerate(row))
                                       for i, row in enumerate(cov))


def test_one_component_with_count_offset_follows_sklearn():
    # o = 1/2, ñ = 9/2: mean = (12, 12)/ñ = (8/3, 8/3)
    o = F(1, 2)
    mu = (F(8, 3), F(8, 3))
    W = [[62 - 2 * 12 * mu[0] + 4 * mu[0] ** 2, 40 - 12 * mu[1] - 12 * mu[0] + 4 * mu[0] * mu[1]],
         [None, 44 - 2 * 12 * mu[1] + 4 * mu[1] ** 2]]
    W[1][0] = W[0][1]
    full = gmmexact.solve(one_component(POINTS, "full", count_offset=o))
    assert full["mean.1"].value == mu and full["weight.1"].value == 1
    assert full["cov.1"].value == tuple(tuple(v / F(9, 2) for v in row) for row in W)
    tied = gmmexact.solve(one_component(POINTS, "tied", count_offset=o))
    # scikit-learn: (XᵀX − nk μμᵀ) / Σ nk
    assert tied["cov.1"].value == tuple(tuple((xx - F(9, 2) * mu[i] * mu[j]) / F(9, 2) for j, xx in enumerate(row))
                                        for i, row in enumerate([[62, 40], [40, 44]]))
    diag = gmmexact.solve(one_component(POINTS, "diag", count_offset=o))
    # scikit-learn: Σ r x² / nk − μ²
    assert diag["cov.1"].value == ((F(62) / F(9, 2) - mu[0] ** 2, 0), (0, F(44) / F(9, 2) - mu[1] ** 2))
    spherical = gmmexact.solve(one_component(POINTS, "spherical", count_offset=o))
    s = (diag["cov.1"].value[0][0] + diag["cov.1"].value[1][1]) / 2
    assert spherical["cov.1"].value == ((s, 0), (0, s))


def test_fixed_parameters_one_component():
    start = one_component(POINTS, "full")
    run = gmmexact.solve(replace(start, fixed={"mean"}))
    # about the fixed mean (0, 0): Σ x xᵀ / 4
    assert run["mean.1"].value == (0, 0)
    assert run["cov.1"].value == ((F(62, 4), 10), (10, 11))
    run = gmmexact.solve(replace(start, fixed={"covariance", "weight"}))
    assert run["cov.1"].value == ((1, 0), (0, 1)) and run["mean.1"].value == (3, 3)
    run = gmmexact.solve(replace(start, fixed={"covariance"}, reg_covar=1))  # a fixed covariance gets no reg
    assert run["cov.1"].value == ((1, 0), (0, 1))
    assert run["dev.x1.1"].value == (-3, -2)


# -- exact M-steps: two components with rational responsibilities -----------------------------------

def bisector(**options):
    """Points on the perpendicular bisector of the two means: every responsibility is exactly 1/2."""
    return gmmexact.Problem.from_arrays([[0, 1], [0, 5], [0, -3]], means=[[-1, 0], [1, 0]],
                                        covariances=[[[1, 0], [0, 1]]] * 2, weights=["1/2", "1/2"], **options)


def test_symmetric_two_components():
    run = gmmexact.solve(bisector(covariance_type="tied", fixed={"mean"}))
    assert run["resp.x1.1"].value == F(1, 2) and run["count.2"].value == F(3, 2)
    # tied about fixed means (∓1, 0): Σ_c Σ_p ½ (x_p − μ_c)(x_p − μ_c)ᵀ / 3
    assert run["cov.1"].value == run["cov.2"].value == ((1, 0), (0, F(35, 3)))
    full = gmmexact.solve(bisector(fixed={"mean"}))
    assert full["cov.1"].value == ((1, 1), (1, F(35, 3))) and full["cov.2"].value == ((1, -1), (-1, F(35, 3)))
    assert full.plan.degeneracy is None  # the fixed means lie off the data's line x = 0
    sph = gmmexact.solve(bisector(covariance_type="spherical", reg_covar=F(1, 3)))
    assert sph["cov.1"].value == ((F(17, 3), 0), (0, F(17, 3)))


def hard(K, n, assignment):
    return [[F(int(assignment[p] == c)) for c in range(K)] for p in range(n)]


def msteps(points, resp, kind, **options):
    mono = monomials([[F(v) for v in x] for x in points])
    n, K = len(points), len(resp[0])
    sums = [[sum((resp[p][c] * int(mono.matrix[p, k]) for p in range(n)), F(0)) for k in range(mono.width)]
            for c in range(K)]
    initial = tuple((F(1, K), (F(0),) * mono.d, ()) for _ in range(K))
    return mstep_parameters(mono, sums, n, MStepModel(kind, initial=initial, **options))


def test_hard_assignments_tied_pools_the_components():
    points = [[0, 0], [2, 0], [10, 1], [10, 5], [12, 3]]
    resp = hard(2, 5, [0, 0, 1, 1, 1])
    counts, weights, means, covs = msteps(points, resp, "tied")
    assert counts == [2, 3] and weights == [F(2, 5), F(3, 5)]
    assert means == [[1, 0], [F(32, 3), 3]]
    # scatter of the first: [[2, 0], [0, 0]]; of the second: [[8/3, 0], [0, 8]]
    assert covs[0] == covs[1] == [[F(14, 15), 0], [0, F(8, 5)]]
    counts, weights, means, covs = msteps(points, resp, "diag")
    assert covs == [[[1, 0], [0, 0]], [[F(8, 9), 0], [0, F(8, 3)]]]


# -- the seed with every covariance type -----------------------------------------------------------

def test_seed_full_and_tied_are_singular():
    for kind in ("full", "tied"):
        run = gmmexact.solve(seed(covariance_type=kind), iterations=3)
        assert run.iterations == 1 and run.plan.degeneracy.ranks == (1, 1)
        found = [f for f in run.diagnostics if f.kind == "singular-covariance"]
        assert {f.key for f in found} == {"cov.women", "cov.men"}
        assert all(f.rank == 1 and f.relations == ("height − weight = 105",) for f in found)
        assert run.stopped is not None and "height − weight = 105" in run.stopped.message
    tied = gmmexact.solve(seed(covariance_type="tied"))
    assert tied["cov.women"].decimal(8) == tied["cov.men"].decimal(8) == (("16.666670", "16.666670"),
                                                                            ("16.666670", "16.666670"))
    assert "pools every component's scatter" in tied.diagnostics[0].message


def test_seed_diag_and_spherical_are_not_singular():
    # no variable is constant over the points, so every variance is positive: the iterations go on
    for kind in ("diag", "spherical"):
        run = gmmexact.solve(seed(covariance_type=kind), iterations=3)
        assert run.iterations == 3 and run.plan.degeneracy is None and run.stopped is None
        assert not [f for f in run.diagnostics if f.kind == "singular-covariance"]
        # height and weight have the same spread (height = weight + 105), so diag = spherical here, and
        # with count_offset = 0 diag is the diagonal of full
        variance = gmmexact.solve(load(SEED))["cov.women[0][0]"].decimal(10)
        assert run["cov.women"].decimal(10) == ((variance, "0"), ("0", variance))
        assert run["cov.women"].value is None and run["cov.women[0][1]"].value == 0
        assert run["iter2.cov.men"].decimal(6) == (("16.6671", "0"), ("0", "16.6671"))
        assert run["iter3.loglik"].decimal(8) == "-38.066597"
        assert gmmexact.solve(seed(covariance_type=kind), iterations=3, backend="mpmath")["iter3.loglik"].decimal(8) \
            == "-38.066597"


def test_seed_count_offset_makes_full_exactly_nonsingular():
    # μ_c = m_c/(m_c + o) × (a weighted mean) lies off the line height − weight = 105 (it does not pass
    # through 0), so W_c gains a second direction: |Σ_c| > 0 exactly, though tiny
    run = gmmexact.solve(seed(count_offset=EPS10), iterations=1)
    assert run.plan.degeneracy is None and run.iterations == 1
    assert run["cov.women"].decimal(12) == (("16.6666663838", "16.6666663838"), ("16.6666663838", "16.6666663838"))
    backend = get_backend("arb")
    ball = evaluate(run.plan, backend, 200).iterations[0].cov[0]
    with backend.precision(200):
        lo, hi = ball_bounds(ball[0][0] * ball[1][1] - ball[0][1] * ball[1][0])
    assert 0 < lo and hi < F(1, 10**20)
    tied = gmmexact.solve(seed(count_offset=EPS10, covariance_type="tied"))
    assert tied.plan.degeneracy is None
    ball = evaluate(tied.plan, backend, 400).iterations[0].cov[0]
    with backend.precision(400):  # o·Σ_c μ_c μ_cᵀ / (n + K·o) lies off the line: |Σ| ≈ 1.36e-10
        lo, hi = ball_bounds(ball[0][0] * ball[1][1] - ball[0][1] * ball[1][0])
    assert F(135, 10**12) < lo and hi < F(137, 10**12)
    assert gmmexact.solve(seed(reg_covar=F(1, 10**6))).plan.degeneracy is None


def test_seed_fixed_covariance_iterates():
    run = gmmexact.solve(load(ROOT / "examples" / "types" / "seed_fixed_covariance.toml"), iterations=3)
    assert run.iterations == 3 and run.plan.degeneracy is None
    assert run["iter3.cov.women"].value == ((10, 0), (0, 10))
    assert run["iter2.det.men"].value == 100


def test_fixed_weights_and_means_through_iterations():
    run = gmmexact.solve(seed(covariance_type="diag", fixed={"weight", "mean"}), iterations=2)
    assert run["weight.women"].value == run["iter2.weight.men"].value == F(1, 2)
    assert run["iter2.mean.women"].value == (162, 57)
    assert run["iter2.dev.A.women"].value == (-2, -2)


def test_diag_with_a_constant_variable_is_singular():
    p = gmmexact.Problem.from_arrays([[1, 3], [2, 3], [5, 3]], means=[[1, 3], [4, 3]],
                                     covariances=[[[1, 0], [0, 1]]] * 2, weights=["1/2", "1/2"],
                                     variables=["a", "b"], covariance_type="diag")
    run = gmmexact.solve(p, iterations=2)
    assert run.iterations == 1 and run.plan.degeneracy.ranks == (1, 1)
    (finding, _) = [f for f in run.diagnostics if f.kind == "singular-covariance"]
    assert finding.relations == ("b = 3",) and "the updated variance of b is exactly 0" in finding.message
    assert run["cov.1[1][1]"].value == 0
    # with an offset the mean is shrunk towards 0, off b = 3: the variance of b becomes positive
    assert gmmexact.solve(replace(p, count_offset=F(1, 100))).plan.degeneracy is None
    spherical = gmmexact.solve(replace(p, covariance_type="spherical"))
    assert spherical.plan.degeneracy is None


# -- forms ----------------------------------------------------------------------------------------

def definitions_agree(problem):
    """Every weight/mean/cov definition, evaluated exactly from its inputs' exact values, is the exact value."""
    run = gmmexact.solve(problem)
    for key in run.keys(kinds=("weight", "mean", "cov")):
        expr = explicit(run.forms.definition(key), problem.d)
        items = list(expr) if isinstance(expr, sp.MatrixBase) else [expr]
        values = {s: exact_entry(run.plan, Key.parse(s.name)) for e in items for s in e.free_symbols}
        assert [evaluate_exact(e, values) for e in items] == [exact_entry(run.plan, e) for e in
                                                             entry_keys(key, problem.d)], key
        text, symbols = sympy_text(run.forms.definition(key))
        assert parse_exact(text, symbols) is not None
    return len(run.keys(kinds=("weight", "mean", "cov")))


@pytest.mark.parametrize("kind", TYPES)
def test_definitions_match_exact_values(kind):
    for options in ({}, {"count_offset": F(1, 7)}, {"reg_covar": F(1, 3), "fixed": {"mean"}},
                    {"fixed": {"weight", "covariance"}}):
        assert definitions_agree(one_component(POINTS, kind, **options)) == 3  # weight, mean, cov of one component
        assert definitions_agree(bisector(covariance_type=kind, **options)) == 6


def test_definitions_with_many_points_use_sums():
    points = [[i, (i * 7) % 5] for i in range(25)]
    run = gmmexact.solve(one_component(points, "diag", reg_covar=1))
    definition = run.forms.definition(Key.parse("cov.1"))
    assert definition[0, 1] == 0 and definition[0, 0].has(sp.Sum)
    assert run["cov.1"].value[0][0] == F(52) + 1  # variance of 0..24 is 52
    tied = gmmexact.solve(one_component(points, "tied"))
    assert "Sum" in str(tied.forms.definition(Key.parse("cov.1")))


def test_general_formulas():
    assert general_formula("cov", load(SEED)) == GENERAL["cov"]
    assert r"\operatorname{diag}" in general_formula("cov", seed(covariance_type="diag"))
    tied = general_formula("cov", seed(covariance_type="tied", count_offset=EPS10, reg_covar=F(1, 10**6)))
    assert r"n + K o" in tied and r"\lambda = \frac{1}{1000000}" in tied and "o = " in tied
    assert "held fixed" in general_formula("mean", seed(fixed={"mean"}))
    assert general_formula("quad", seed(covariance_type="spherical")) == GENERAL["quad"]


# -- ball evaluation: both backends ----------------------------------------------------------------

@pytest.mark.parametrize("backend", ["arb", "mpmath"])
def test_balls_enclose_exact_values(backend):
    b = get_backend(backend)
    for kind in TYPES:
        for options in ({}, {"count_offset": F(1, 7), "reg_covar": F(1, 3)}, {"fixed": {"mean"}}):
            plan = derive_exact(bisector(covariance_type=kind, **options))
            ev = evaluate(plan, b, 80)
            with b.precision(80):
                for key in plan.problem.components and gmmexact.solve(plan.problem).keys(kinds=("weight", "mean", "cov")):
                    for e in entry_keys(key, 2):
                        lo, hi = ball_bounds(ball_entry(ev, plan, e))
                        assert lo <= exact_entry(plan, e) <= hi, (kind, options, e)


def test_backends_agree_on_soft_iterations():
    problem = load(ROOT / "examples" / "types" / "tied_sklearn.toml")
    arb = gmmexact.solve(problem, iterations=2)
    mp = gmmexact.solve(problem, iterations=2, backend="mpmath")
    keys = arb.keys(kinds=("weight", "mean", "cov", "loglik"))
    assert {str(k): str(v) for k, v in arb.round(keys, 15).items()} == \
        {str(k): str(v) for k, v in mp.round(keys, 15).items()}
    assert arb["iter2.cov.a"].decimal(12) == arb["iter2.cov.b"].decimal(12)


# -- agreement with scikit-learn's float M-step -----------------------------------------------------

def random_problem(kind, reg, offset, seed_=3):
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(seed_)
    centres = np.array([[0, 0, 0], [5, 1, -2], [1, 6, 3]])
    X = np.concatenate([c + rng.normal(size=(20, 3)) * [1.0, 0.7, 1.3] for c in centres])
    points = [[F(round(v * 1000), 1000) for v in row] for row in X]
    covariances = {
        "full": [[[2, "1/2", 0], ["1/2", 3, "1/4"], [0, "1/4", "3/2"]], [[1, 0, 0], [0, 2, "1/3"], [0, "1/3", 1]],
                 [[3, "-1/2", 0], ["-1/2", 2, 0], [0, 0, 2]]],
        "tied": [[[2, "1/2", 0], ["1/2", 3, "1/4"], [0, "1/4", "3/2"]]] * 3,
        "diag": [[[2, 0, 0], [0, 3, 0], [0, 0, "3/2"]], [[1, 0, 0], [0, 2, 0], [0, 0, 1]],
                 [[3, 0, 0], [0, "5/2", 0], [0, 0, 2]]],
        "spherical": [[[2, 0, 0], [0, 2, 0], [0, 0, 2]], [[3, 0, 0], [0, 3, 0], [0, 0, 3]],
                      [["5/2", 0, 0], [0, "5/2", 0], [0, 0, "5/2"]]],
    }[kind]
    return gmmexact.Problem.from_arrays(points, means=[points[0], points[20], points[40]], covariances=covariances,
                                        weights=["1/4", "1/4", "1/2"], covariance_type=kind, reg_covar=reg,
                                        count_offset=offset)


def sklearn_fit(problem):
    np = pytest.importorskip("numpy")
    mixture = pytest.importorskip("sklearn.mixture")
    X = np.array([[float(v) for v in x] for x in problem.points])
    precisions = [np.linalg.inv(np.array([[float(v) for v in row] for row in c.covariance])) for c in problem.components]
    init = {"full": np.array(precisions), "tied": precisions[0], "diag": np.array([np.diag(P) for P in precisions]),
            "spherical": np.array([P[0, 0] for P in precisions])}[problem.covariance_type]
    gm = mixture.GaussianMixture(problem.K, covariance_type=problem.covariance_type,
                                 reg_covar=float(problem.reg_covar), max_iter=1, tol=0, n_init=1,
                                 weights_init=[float(c.weight) for c in problem.components],
                                 means_init=[[float(v) for v in c.mean] for c in problem.components],
                                 precisions_init=init, init_params="random_from_data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: one iteration is what is asked for
        gm.fit(X)  # max_iter=1: one E-step and one M-step from the given start
    return gm


@pytest.mark.parametrize("kind", TYPES)
@pytest.mark.parametrize("reg", [F(0), F(1, 10**6)])
def test_sklearn_one_iteration_agrees(kind, reg):
    np = pytest.importorskip("numpy")
    problem = random_problem(kind, reg, EPS10)
    gm = sklearn_fit(problem)
    run = gmmexact.solve(problem)
    d = problem.d
    covariances = {"full": lambda c: gm.covariances_[c], "tied": lambda c: gm.covariances_,
                   "diag": lambda c: np.diag(gm.covariances_[c]),
                   "spherical": lambda c: np.eye(d) * gm.covariances_[c]}[kind]
    rounded = run.round(run.keys(kinds=("weight", "mean", "cov", "loglik")), 17)

    def exact(key):
        return float(rounded[Key.parse(key)].fraction())

    worst = 0.0
    for c, name in enumerate(problem.component_names):
        worst = max(worst, abs(exact(f"weight.{name}") / gm.weights_[c] - 1))
        for i in range(d):
            worst = max(worst, abs(exact(f"mean.{name}[{i}]") / gm.means_[c][i] - 1))
            for j in range(d):
                value = exact(f"cov.{name}[{i}][{j}]")
                if value == 0:  # diag, spherical: exactly 0 off the diagonal, in float too
                    assert covariances(c)[i][j] == 0
                else:
                    worst = max(worst, abs(covariances(c)[i][j] / value - 1))
    assert worst < 1e-12
    # lower_bound_: the mean log-likelihood at the parameters the iteration started from
    assert abs(gm.lower_bound_ / (exact("loglik") / problem.n) - 1) < 1e-12


# -- invariants -------------------------------------------------------------------------------------

small = st.integers(-6, 6).map(lambda k: F(k, 2))


@st.composite
def soft_mstep_inputs(draw):
    d = draw(st.sampled_from([1, 2, 3]))
    K = draw(st.sampled_from([1, 2, 3]))
    n = draw(st.integers(1, 6))
    points = draw(st.lists(st.lists(small, min_size=d, max_size=d), min_size=n, max_size=n))
    resp = []
    for _ in range(n):
        raw = draw(st.lists(st.integers(1, 9), min_size=K, max_size=K))
        resp.append([F(v, sum(raw)) for v in raw])
    return points, resp


def sklearn_transcription(points, resp, kind, o, reg):
    """scikit-learn's ``_estimate_gaussian_parameters`` written out in exact rationals, uncentred."""
    n, d, K = len(points), len(points[0]), len(resp[0])
    nk = [sum(resp[p][c] for p in range(n)) + o for c in range(K)]
    means = [[sum(resp[p][c] * points[p][i] for p in range(n)) / nk[c] for i in range(d)] for c in range(K)]
    weights = [v / sum(nk) for v in nk]
    if kind == "full":
        covs = [[[sum(resp[p][c] * (points[p][i] - means[c][i]) * (points[p][j] - means[c][j]) for p in range(n))
                  / nk[c] + reg * (i == j) for j in range(d)] for i in range(d)] for c in range(K)]
    elif kind == "tied":
        shared = [[(sum(x[i] * x[j] for x in points) - sum(nk[c] * means[c][i] * means[c][j] for c in range(K)))
                   / sum(nk) + reg * (i == j) for j in range(d)] for i in range(d)]
        covs = [shared] * K
    else:
        var = [[sum(resp[p][c] * points[p][i] ** 2 for p in range(n)) / nk[c] - means[c][i] ** 2 + reg
                for i in range(d)] for c in range(K)]
        if kind == "spherical":
            var = [[sum(v) / d] * d for v in var]
        covs = [[[v[i] if i == j else 0 for j in range(d)] for i in range(d)] for v in var]
    return weights, means, covs


@SETTINGS
@given(soft_mstep_inputs(), st.sampled_from(TYPES), st.sampled_from([F(0), F(1, 3), EPS10]),
       st.sampled_from([F(0), F(1, 10)]))
def test_mstep_is_sklearn_exactly(inputs, kind, o, reg):
    points, resp = inputs
    counts, weights, means, covs = msteps(points, resp, kind, count_offset=o, reg_covar=reg)
    want = sklearn_transcription(points, resp, kind, o, reg)
    assert (weights, means, covs) == want


@SETTINGS
@given(soft_mstep_inputs())
def test_types_relate_as_documented(inputs):
    points, resp = inputs
    n, d = len(points), len(points[0])
    counts, _, _, full = msteps(points, resp, "full")
    _, _, _, tied = msteps(points, resp, "tied")
    _, _, _, diag = msteps(points, resp, "diag")
    _, _, _, spherical = msteps(points, resp, "spherical")
    # tied = the count-weighted mean of the full covariances, with the same means
    pooled = [[sum(m * C[i][j] for m, C in zip(counts, full)) / n for j in range(d)] for i in range(d)]
    assert all(C == pooled for C in tied)
    for C, D, S in zip(full, diag, spherical):
        assert D == [[C[i][i] if i == j else 0 for j in range(d)] for i in range(d)]
        assert S[0][0] == sum(D[i][i] for i in range(d)) / d and S == [[S[0][0] * (i == j) for j in range(d)]
                                                                       for i in range(d)]
    _, _, _, reg = msteps(points, resp, "spherical", reg_covar=F(1, 4))
    assert all(R[i][i] - S[i][i] == F(1, 4) for R, S in zip(reg, spherical) for i in range(d))


@st.composite
def one_component_problems(draw):
    d = draw(st.sampled_from([1, 2, 3]))
    n = draw(st.integers(1, 5))
    base = draw(st.lists(small, min_size=d, max_size=d))
    # points on a random line or plane through ``base`` some of the time, so ranks vary
    directions = draw(st.lists(st.lists(st.integers(-2, 2), min_size=d, max_size=d), min_size=0, max_size=d))
    points = []
    for _ in range(n):
        if directions:
            ts = draw(st.lists(st.integers(-3, 3), min_size=len(directions), max_size=len(directions)))
            points.append([base[i] + sum(t * v[i] for t, v in zip(ts, directions)) for i in range(d)])
        else:
            points.append(draw(st.lists(small, min_size=d, max_size=d)))
    kind = draw(st.sampled_from(TYPES))
    o = draw(st.sampled_from([F(0), F(1, 7)]))
    fixed = draw(st.sampled_from([(), ("mean",)]))
    mean = draw(st.lists(small, min_size=d, max_size=d))
    return gmmexact.Problem.from_arrays(points, means=[mean], covariances=[[[int(i == j) for j in range(d)]
                                                                           for i in range(d)]],
                                        weights=[1], covariance_type=kind, count_offset=o, fixed=fixed)


@SETTINGS
@given(one_component_problems())
def test_exact_ranks_match_the_rational_covariances(problem):
    run = gmmexact.solve(problem)
    cov = run["cov.1"].value
    rank = to_fmpq_mat(cov).rank()
    deg = run.plan.degeneracy
    assert (deg.ranks[0] if deg else problem.d) == rank
    if deg:  # every relation named holds at every point
        for a, b in deg.component_relations[0]:
            assert all(sum(ai * xi for ai, xi in zip(a, x)) == b for x in problem.points)


def test_examples_load_and_solve():
    paths = sorted((ROOT / "examples" / "types").glob("*.toml"))
    assert len(paths) >= 4
    for path in paths:
        problem = load(path)
        run = gmmexact.solve(problem, iterations=2)
        assert run.iterations == (1 if path.name == "seed_tied.toml" else 2), path
        assert run.round(run.keys(kinds=("cov",)), 6)
    tied = load(ROOT / "examples" / "types" / "tied_sklearn.toml")
    assert tied.covariance_type == "tied" and tied.reg_covar == F(1, 10**6) and tied.count_offset == EPS10
    assert tied.components[0].covariance == ((1, F(1, 2)), (F(1, 2), 2))


def test_symmetric_groups_give_exact_entries_with_soft_responsibilities():
    # every point has q_2 − q_1 = 16: the responsibilities are equal across points but transcendental
    p = gmmexact.Problem.from_arrays([[-1, 0], [1, 0], [3, 0]], means=[[0, -3], [0, 5]],
                                     covariances=[[[1, 0], [0, 1]]] * 2, weights=["1/2", "1/2"])
    for kind, cov, ranks in [("diag", ((F(8, 3), 0), (0, 0)), (1, 1)),
                             ("spherical", ((F(4, 3), 0), (0, F(4, 3))), None),
                             ("tied", ((F(8, 3), 0), (0, 0)), (1, 1))]:
        run = gmmexact.solve(replace(p, covariance_type=kind))
        assert run["resp.x1.1"].value is None and run["mean.2"].value == (1, 0)
        assert run["cov.1"].value == run["cov.2"].value == cov, kind
        assert (run.plan.degeneracy.ranks if run.plan.degeneracy else None) == ranks
    reg = gmmexact.solve(replace(p, covariance_type="spherical", reg_covar=F(1, 3)))
    assert reg["cov.2"].value == ((F(5, 3), 0), (0, F(5, 3)))
    offset = gmmexact.solve(replace(p, covariance_type="diag", count_offset=F(1, 3)))
    assert offset["mean.1"].value is None and offset["cov.1[0][1]"].value == 0  # an offset: m_c enters


@st.composite
def ranked_problems(draw):
    """Points on a random affine subspace, K starting components, and positive rational responsibilities."""
    d = draw(st.sampled_from([1, 2, 3]))
    K = draw(st.sampled_from([1, 2, 3]))
    n = draw(st.integers(1, 5))
    base = draw(st.lists(small, min_size=d, max_size=d))
    directions = draw(st.lists(st.lists(st.integers(-2, 2), min_size=d, max_size=d), min_size=0, max_size=d))
    points = []
    for _ in range(n):
        ts = draw(st.lists(st.integers(-3, 3), min_size=len(directions), max_size=len(directions)))
        points.append([base[i] + sum(t * v[i] for t, v in zip(ts, directions)) for i in range(d)])
    means = draw(st.lists(st.lists(small, min_size=d, max_size=d), min_size=K, max_size=K))
    if draw(st.booleans()):  # fixed means on the data's subspace sometimes
        means = [points[draw(st.integers(0, n - 1))] for _ in range(K)]
    problem = gmmexact.Problem.from_arrays(
        points, means=means, covariances=[[[int(i == j) for j in range(d)] for i in range(d)]] * K,
        weights=[F(1, K)] * K, covariance_type=draw(st.sampled_from(TYPES)),
        count_offset=draw(st.sampled_from([F(0), F(1, 7)])), fixed=draw(st.sampled_from([(), ("mean",)])))
    resp = []
    for _ in range(n):
        raw = draw(st.lists(st.integers(1, 9), min_size=K, max_size=K))
        resp.append([F(v, sum(raw)) for v in raw])
    return problem, resp


@SETTINGS
@given(ranked_problems())
def test_exact_ranks_hold_for_any_positive_responsibilities(case):
    problem, resp = case
    plan = derive_exact(problem)
    mono = monomials(problem.points)
    n, K, d = problem.n, problem.K, problem.d
    sums = [[sum((resp[p][c] * int(mono.matrix[p, k]) for p in range(n)), F(0)) for k in range(mono.width)]
            for c in range(K)]
    _, _, _, covs = mstep_parameters(mono, sums, n, MStepModel.of(problem))
    deg = plan.degeneracy
    for c, cov in enumerate(covs):
        assert to_fmpq_mat(cov).rank() == (deg.ranks[c] if deg else d)
