"""Cross-checks: certified digits of scikit-learn, of a user's function and of a results file."""
import json
import math
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gmmexact
from gmmexact.numerics import intervals
from gmmexact.cli.commands import main
from gmmexact.crosschecking.comparison import IDENTICAL, Reported, certify_reported, crosscheck_run, PeerResult
from gmmexact.model.errors import InputError
from gmmexact.model.keys import Key
from gmmexact.crosschecking.peers import SKLEARN_OFFSET, crosscheck, float_start, read_results, template

pytest.importorskip("sklearn")

SEED = "examples/seed/problem.toml"


def kinds(report, kind):
    return [f for f in report.findings if f.kind == kind]


def digits(report, prefix):
    e = report.entries
    return [int(d) for k, d in zip(e.keys, e.digits) if str(k).startswith(prefix)]


@pytest.fixture(scope="module")
def seed():
    return gmmexact.load(SEED)


@pytest.fixture(scope="module")
def seed_reports(seed):
    return {(t, reg): crosscheck("sklearn", start=seed, covariance_type=t, reg_covar=reg)
            for t in ("full", "tied", "diag", "spherical") for reg in (Fraction(0), Fraction(1, 10**6))}


# --- the seed: the findings of the issue, for every covariance type and both reg_covar -------------

def test_seed_model_is_scikit_learns(seed_reports):
    r = seed_reports["tied", Fraction(0)]
    assert (r.covariance_type, r.reg_covar, r.count_offset) == ("tied", 0, SKLEARN_OFFSET)
    assert r.peer.settings["fit() identical to the stepped iterations"] is True
    assert any("lower_bound_" in n for n in r.peer.notes) and any("10·eps" in n for n in r.peer.notes)
    names = {str(k): n for k, n in zip(r.entries.keys, r.entries.names)}
    assert names["loglik"] == "lower_bound_" and names["iter2.loglik"] == "score(X)"
    assert r.entries.keys[:2] == (Key.parse("resp.A.women"), Key.parse("resp.A.men"))


def test_seed_full_without_regularisation_is_a_finding_not_a_crash(seed_reports):
    r = seed_reports["full", Fraction(0)]
    assert not r.passed and r.peer.failure.step == "M-step" and r.peer.failure.iteration == 1
    (f,) = kinds(r, "peer-error")
    assert "ill-defined empirical covariance" in f.message
    assert "condition number 1.10e+28" in f.message  # certified, of scikit-learn's own exact model
    assert f.rank == 1 and f.relations == ("height − weight = 105",)  # the textbook covariance: singular
    # the E-step before the failure was reported and is good to 13+ digits
    assert min(digits(r, "resp.")) >= 13 and min(digits(r, "loglik")) >= 15


def test_seed_tied_without_regularisation(seed_reports):
    r = seed_reports["tied", Fraction(0)]
    assert min(digits(r, "cov.")) == 12  # "only about 12 correct digits"
    found = kinds(r, "singular-but-positive-definite-in-float")
    assert [f.key for f in found] == ["cov.women"]  # tied: one shared covariance, one finding
    assert found[0].relations == ("height − weight = 105",) and found[0].condition == "8.17e+12"
    (noise,) = kinds(r, "loglik-noise")
    assert noise.key == "iter2.loglik" and "8.309105688242713" in noise.message
    assert digits(r, "iter2.loglik") == [2]
    assert not r.passed


@pytest.mark.parametrize("cov_type", ["full", "tied"])
def test_seed_regularised_covariance_is_dominated_by_reg_covar(seed_reports, cov_type):
    r = seed_reports[cov_type, Fraction(1, 10**6)]
    assert r.peer.failure is None
    found = kinds(r, "regularisation-dominates")
    assert {f.key for f in found} == {"cov.women", "cov.men"}
    assert "height − weight = 105" in found[0].message and "1/1000000" in found[0].message
    # the iteration itself is fine; the next E-step, through the nearly singular covariance, loses digits
    assert min(digits(r, "cov.")) >= 12 and min(digits(r, "weight.")) >= 15
    assert min(digits(r, "iter2.")) < 12


@pytest.mark.parametrize("cov_type", ["diag", "spherical"])
@pytest.mark.parametrize("reg", [Fraction(0), Fraction(1, 10**6)])
def test_seed_diagonal_covariances_lose_digits_to_cancellation(seed_reports, cov_type, reg):
    r = seed_reports[cov_type, reg]
    found = kinds(r, "cancellation")
    assert {f.key.split("[")[0] for f in found} == {"cov.women", "cov.men"}
    lost = [f.digits_lost for f in found]
    assert max(lost) >= 3 and min(lost) >= 2  # every variance of the seed: condition numbers from 433 to 4110
    assert min(digits(r, "cov.")) <= 16 - max(lost)
    assert r.peer.failure is None and not kinds(r, "peer-error")
    assert r.passed  # 12 digits or more everywhere: above the default --min-digits 10


# --- a random well-conditioned 3-D problem: scikit-learn is good to 13 digits ---------------------

def random_problem(n=30, seed=1):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [4.0, 3.0, -2.0]])
    ints = np.rint((centres[np.arange(n) % 2] + rng.standard_normal((n, 3))) * 100).astype(int)
    points = [[Fraction(int(v), 100) for v in row] for row in ints]
    means = [[Fraction(1, 2), 0, 0], [Fraction(7, 2), 3, -2]]
    covs = [[[2, Fraction(1, 2), 0], [Fraction(1, 2), 2, 0], [0, 0, 1]], [[1, 0, 0], [0, 3, 1], [0, 1, 2]]]
    return gmmexact.Problem.from_arrays(points, means, covs, ["2/5", "3/5"])


def test_random_3d_problem_scikit_learn_gets_13_digits_everywhere():
    r = crosscheck("sklearn", start=random_problem(), iterations=2, min_digits=13)
    assert r.passed, r.as_dict(limit=5)["quantities"]
    assert len(r.entries) == 3 * 30 * 2 + 3 + 2 * 2 * (1 + 3 + 9)  # resp and loglik ×3 E-steps, parameters ×2
    assert min(int(d) for d in r.entries.digits) >= 13
    assert not [f for f in r.findings if f.kind != "cancellation"]


# --- a user's function with a planted bug -------------------------------------------------------------

def em_step(X, weights, means, covariances, *, iterations, covariance_type, reg_covar, bug=False):
    """One textbook EM iteration in float64 (Cholesky log-densities, log-sum-exp)."""
    n, d = X.shape
    logs = []
    for w, m, c in zip(weights, means, covariances):
        L = np.linalg.cholesky(c)
        z = np.linalg.solve(L, (X - m).T)
        logs.append(np.log(w) - 0.5 * (z * z).sum(0) - np.log(np.diag(L)).sum() - 0.5 * d * np.log(2 * np.pi))
    logs = np.array(logs).T
    top = logs.max(1, keepdims=True)
    evidence = top[:, 0] + np.log(np.exp(logs - top).sum(1))
    resp = np.exp(logs - evidence[:, None])
    count = resp.sum(0)
    mean = resp.T @ X / count[:, None]
    cov = np.array([(resp[:, k, None] * (X - mean[k])).T @ (X - mean[k]) / (n if bug else count[k])
                    for k in range(len(weights))])
    return {"resp": resp, "loglik": evidence.sum(), "count": count, "weight": count / n, "mean": mean, "cov": cov}


def test_callable_peer_correct_implementation_passes():
    r = crosscheck(em_step, start=random_problem(), min_digits=12)
    assert r.passed and not kinds(r, "slip")
    assert {k.kind for k in r.entries.keys} == {"resp", "loglik", "count", "weight", "mean", "cov"}


def test_callable_peer_planted_bug_is_caught_and_named():
    def buggy(*args, **kw):
        return em_step(*args, bug=True, **kw)

    r = crosscheck(buggy, start=random_problem())
    assert not r.passed
    bad = {str(k.whole) for k, d in zip(r.entries.keys, r.entries.digits) if d < 10}
    assert bad == {"cov.1", "cov.2"}
    slips = kinds(r, "slip")
    assert {f.key for f in slips} == {"cov.1", "cov.2"}
    assert all("divided by n instead of the count m_c" in f.message for f in slips)


def test_callable_peer_that_raises_is_a_finding(seed):
    def broken(X, *args, **kw):
        raise np.linalg.LinAlgError("Matrix is not positive definite")

    r = crosscheck(broken, start=seed)
    assert not r.passed and r.peer.failure.error == "LinAlgError"
    assert "Matrix is not positive definite" in kinds(r, "peer-error")[0].message


# --- results files from a second, independent implementation ----------------------------------------

def numpy_em_keys(problem):
    """A second float implementation: explicit inverse and determinant, no log-sum-exp, per-key output."""
    s = float_start(problem)
    X, w, mu, cov = s["X"], s["weights"], s["means"], s["covariances"]
    n, d = X.shape
    dens = np.array([[np.exp(-0.5 * (x - m) @ np.linalg.inv(c) @ (x - m)) / np.sqrt((2 * np.pi) ** d * np.linalg.det(c))
                      for m, c in zip(mu, cov)] for x in X])
    joint = dens * w
    resp = joint / joint.sum(1, keepdims=True)
    out = {"loglik": float(np.log(joint.sum(1)).sum())}
    for k, name in enumerate(problem.component_names):
        r = resp[:, k]
        m = (r[:, None] * X).sum(0) / r.sum()
        out[f"weight.{name}"] = float(r.sum() / n)
        out[f"mean.{name}"] = m.tolist()
        out[f"cov.{name}"] = (((X - m) * r[:, None]).T @ (X - m) / r.sum()).tolist()
        for p, label in enumerate(problem.labels):
            out[f"resp.{label}.{name}"] = float(resp[p, k])
    return out


@pytest.mark.parametrize("suffix", [".json", ".npz", ".csv"])
def test_results_file_from_an_independent_implementation(tmp_path, suffix):
    problem = random_problem(n=12, seed=3)
    values = numpy_em_keys(problem)
    path = tmp_path / f"results{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(values))
    elif suffix == ".npz":
        np.savez(path, **{k: np.asarray(v) for k, v in values.items()})
    else:
        path.write_text("key,value\n" + "".join(f'{k},"{json.dumps(v)}"\n' for k, v in values.items()))
    r = crosscheck(str(path), start=problem, min_digits=12)
    assert r.passed, r.as_dict(limit=3)["quantities"]
    assert len(r.entries) == 1 + 2 * (1 + 3 + 9) + 12 * 2


def test_template_round_trip(tmp_path, seed):
    path = tmp_path / "t.json"
    assert main(["crosscheck", SEED, "--template", str(path)]) == 0
    doc = json.loads(path.read_text())
    assert doc["cov.women"] == [[None, None], [None, None]] and "resp.F.men" in doc and "loglik" in doc
    doc["mean.women"] = [165.0, 60.0]
    path.write_text(json.dumps(doc))
    r = read_results(str(path), seed)
    assert [str(x.key) for x in r.reported] == ["mean.women[0]", "mean.women[1]"]
    csv_path = tmp_path / "t.csv"
    csv_path.write_text(template(gmmexact.solve(seed), str(csv_path)))
    assert "cov.men[1][0]," in csv_path.read_text()


@pytest.mark.parametrize("content, field", [
    ({"mean.nobody": [1, 2]}, "mean.nobody"),
    ({"mean.women": [1, 2, 3]}, "mean.women"),
    ({"resp": [[0.5, 0.5]]}, "resp"),
    ({"density.Q.women": 1}, "density.Q.women"),
    ({"colour": 3}, "colour"),
])
def test_bad_results_files_name_the_key(tmp_path, seed, content, field):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(content))
    with pytest.raises(InputError) as e:
        read_results(str(path), seed)
    assert e.value.field == field


# --- the CLI ---------------------------------------------------------------------------------------

def test_cli_exit_codes_and_json_schema(tmp_path, capsys):
    assert main(["crosscheck", SEED, "--with", "sklearn", "--covariance-type", "diag", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert list(doc)[:2] == ["quantities", "findings"]
    assert set(doc["quantities"][0]) >= {"key", "float", "exact", "abs_error", "rel_error", "correct_digits"}
    assert main(["crosscheck", SEED, "--with", "sklearn", "--covariance-type", "diag", "--min-digits", "14"]) == 1
    capsys.readouterr()
    assert main(["crosscheck", SEED, "--with", "sklearn", "--reg-covar", "0"]) == 1  # scikit-learn raises
    assert "ill-defined empirical covariance" in capsys.readouterr().out
    assert main(["crosscheck", SEED, "--with", "nonexistent_module_xyz:f"]) == 2
    assert main(["crosscheck", SEED, "--with", str(tmp_path / "missing.json")]) == 2
    assert main(["crosscheck", SEED, "--with", "sklearn", "--reg-covar", "abc"]) == 2
    assert main(["crosscheck", SEED]) == 2
    err = capsys.readouterr().err
    assert "--reg-covar" in err and "--with" in err


def test_cli_markdown_and_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    png = tmp_path / "digits.png"
    assert main(["crosscheck", SEED, "--with", "sklearn", "--covariance-type", "tied", "--reg-covar", "0",
                 "--format", "markdown", "--plot", str(png)]) == 1
    out = capsys.readouterr().out
    assert "| `cov.women[0][0]` | covariances\\_[0, 0] |" in out and "**FAIL**" in out
    assert png.stat().st_size > 5000


def test_estimator_from_python():
    from sklearn.mixture import GaussianMixture

    problem = random_problem(n=20, seed=5)
    s = float_start(problem)
    gm = GaussianMixture(2, max_iter=1, means_init=s["means"], weights_init=s["weights"],
                         precisions_init=s["precisions"])
    r = gmmexact.crosscheck(gm, s["X"])
    assert r.passed and r.count_offset == SKLEARN_OFFSET and r.reg_covar == Fraction(1, 10**6)  # 1e-6 read as the decimal it is written as
    assert "| quantity |" in r._repr_markdown_()


# --- certified digits --------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(num=st.integers(-10**12, 10**12).filter(bool), den=st.integers(1, 10**9),
       wiggle=st.integers(-2**40, 2**40))
def test_digits_of_a_rational_are_exactly_floor_minus_log10_rel(seed, num, den, wiggle):
    run = gmmexact.solve(seed)  # count.* are irrational; use a rational entry instead: det.women = 100
    q = Fraction(num, den)
    f = float(q) * (1 + wiggle * 2.0**-60)
    exact = Fraction(100)
    r = certify_reported(run, [Reported(Key.parse("det.women"), f, "", q / 100)])
    err = abs(Fraction(f) - q)
    if err == 0:
        assert r.digits[0] == IDENTICAL
        return
    rel = err / abs(q)
    want = max(0, math.floor(-math.log10(rel)) if rel < 1 else 0)
    while want > 0 and rel > Fraction(1, 10**want):
        want -= 1
    while rel <= Fraction(1, 10 ** (want + 1)):
        want += 1
    assert r.digits[0] == want
    assert intervals.fraction(r.err_lo[0]) <= err <= intervals.fraction(r.err_hi[0])
    assert exact == 100


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=Fraction(-10**30), max_value=Fraction(10**30)))
def test_outward_conversion_encloses(q):
    lo, hi = intervals.down(q), intervals.up(q)
    assert intervals.fraction(lo) <= q <= intervals.fraction(hi)
    assert hi == lo or np.nextafter(lo, np.longdouble("inf")) == hi


def test_balls_certify_an_irrational_value_to_two_digits_of_its_error(seed):
    run = gmmexact.solve(seed)
    exact = run["resp.B.men"].decimal(30)
    f = float(Fraction(exact))
    r = certify_reported(run, [Reported(Key.parse("resp.B.men"), f)])
    lo, hi = intervals.fraction(r.rel_lo[0]), intervals.fraction(r.rel_hi[0])
    assert 0 < lo <= hi <= lo * Fraction(21, 20)
    assert r.digits[0] >= 15


def test_values_of_iterations_that_do_not_exist_are_unmatched(seed):
    run = gmmexact.solve(seed, 2)  # stops after iteration 1: the covariances are singular
    peer = PeerResult("p", (Reported(Key.parse("iter2.loglik"), 8.3, "score(X)", Fraction(1, 6)),
                            Reported(Key.parse("weight.women"), 0.5)))
    r = crosscheck_run(run, peer)
    assert [k for k, _, _ in r.peer.unmatched] == ["iter2.loglik"]
    assert kinds(r, "loglik-undefined") and not kinds(r, "loglik-noise") and not r.passed


def test_nan_and_inf_have_no_correct_digit(seed):
    run = gmmexact.solve(seed)
    r = certify_reported(run, [Reported(Key.parse("weight.women"), float("nan")),
                               Reported(Key.parse("mean.men[0]"), float("inf"))])
    assert r.digits.tolist() == [0, 0] and np.isinf(r.err_lo).all()


# --- the fast path: numpy longdouble with rigorous bounds ----------------------------------------------

from gmmexact.crosschecking import fast  # noqa: E402


@pytest.mark.parametrize("tier", ["float64", "longdouble"])
@pytest.mark.parametrize("cov_type", ["full", "tied", "diag", "spherical"])
def test_fast_and_exact_paths_agree(cov_type, tier):
    """Both enclosures are proven, so their error bounds must overlap; the fast one is nearly as tight
    (longdouble: to about 16 digits; tier 1, float64 over whole arrays: about 13)."""
    p = random_problem(n=24, seed=7)
    if cov_type != "full":
        eye = tuple(tuple(Fraction(2) if i == j else Fraction(0) for j in range(3)) for i in range(3))
        p = replace(p, components=tuple(replace(c, covariance=eye) for c in p.components))
    p = replace(p, covariance_type=cov_type)
    a = crosscheck("sklearn", start=p, method="exact")
    b = crosscheck("sklearn", start=p, method=tier)
    assert ("tier 1" in str(b.findings)) == (tier == "float64")
    ia = {str(k): i for i, k in enumerate(a.entries.keys)}
    ib = {str(k): i for i, k in enumerate(b.entries.keys)}
    assert set(ia) == set(ib)
    for k in ia:
        i, j = ia[k], ib[k]
        assert b.entries.err_lo[j] <= a.entries.err_hi[i] and a.entries.err_lo[i] <= b.entries.err_hi[j], k
        assert b.entries.exact_lo[j] <= a.entries.exact_hi[i] and a.entries.exact_lo[i] <= b.entries.exact_hi[j], k
        assert b.entries.digits[j] <= a.entries.digits[i]
        # the fast bounds are about 1e-17 relative after one iteration, wider after two
        slack = 1 if a.entries.keys[i].iteration == 1 else 3
        assert b.entries.digits[j] >= min(int(a.entries.digits[i]), 16 if tier == "longdouble" else 12) - slack, k
    assert b.entries.digits.min() >= (12 if tier == "longdouble" else 10)


@pytest.mark.parametrize("cov_type, fixed, offset, chunk", [
    ("full", {"mean"}, 0, 4096), ("tied", {"weight"}, Fraction(1, 1000), 5), ("diag", set(), Fraction(1, 100), 1),
    ("spherical", {"mean", "weight"}, 0, 4096), ("full", {"covariance"}, Fraction(1, 7), 7),
])
def test_fast_enclosures_contain_the_engine_values(cov_type, fixed, offset, chunk):
    """The fast M-step (per-component centred) against the engine's exact values: every type and option,
    the points in one pass or in chunks of 1, 5 and 7."""
    import flint

    p = random_problem(n=18, seed=11)
    eye = tuple(tuple(Fraction(3, 2) if i == j else Fraction(0) for j in range(3)) for i in range(3))
    p = replace(p, components=tuple(replace(c, covariance=eye) for c in p.components))
    p = replace(p, covariance_type=cov_type, fixed=frozenset(fixed), count_offset=offset, reg_covar=Fraction(1, 10**4))
    run = gmmexact.solve(p, 2)
    its = fast.iterate(fast.FastData.build(p.points), p, 2, chunk=chunk)
    whole = fast.iterate(fast.FastData.build(p.points), p, 2)
    a, b = its[0], whole[0]  # both enclosures are proven: they overlap
    assert (np.abs(a.resp - b.resp) <= (a.resp_rel + b.resp_rel) * np.maximum(a.resp, b.resp)).all()
    for t, it in enumerate(its, 1):
        pre = "" if t == 1 else f"iter{t}."
        for c, name in enumerate(p.component_names):
            pairs = [(it.weights[c], f"weight.{name}"), (it.counts[c], f"count.{name}")]
            pairs += [(it.means[c][i], f"mean.{name}[{i}]") for i in range(3)]
            pairs += [(it.covs[c][i][j], f"cov.{name}[{i}][{j}]") for i in range(3) for j in range(3)]
            pairs += [(fast.ld_to_arb(it.resp[q, c]), f"resp.{p.labels[q]}.{name}") for q in (0, 5, 17)]
            pairs.append((it.loglik, "loglik"))
            for ball, key in pairs:
                exact = Fraction(run[pre + key].decimal(30).replace("e", "e"))
                saved = flint.ctx.prec
                flint.ctx.prec = 200
                try:
                    if key.startswith("resp"):
                        rel = float(it.resp_rel[int(key.split(".")[1][1:]) - 1, c])  # label x<q+1>: row q
                        ball = ball * (1 + flint.arb(0, rel))
                    lo, hi = fast.intervals_of(ball)
                finally:
                    flint.ctx.prec = saved
                slack = abs(exact) / 10**28
                assert lo - slack <= exact <= hi + slack, (pre + key, lo, exact, hi)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=-11000, max_value=0), min_size=1, max_size=20))
def test_fast_exp_encloses_the_exact_exponential(xs):
    import flint

    y = np.array(xs, dtype=np.longdouble)
    e, rel = fast.exp_nonpositive(y, np.zeros(len(xs)))
    saved = flint.ctx.prec
    flint.ctx.prec = 200
    try:
        for yi, ei, ri in zip(y, e, rel):
            exact = fast.ld_to_arb(yi).exp()
            got = fast.ld_to_arb(ei)
            assert abs(got - exact) <= exact * float(ri)
            assert ri < 1e-18
    finally:
        flint.ctx.prec = saved


def test_fast_exp_below_its_range_is_an_enclosure_of_zero_and_a_tiny_bound():
    """Below -11000 (argument error included) the value is enclosed as [0, 2^-15869]; an argument whose
    error reaches back into the range, or -inf, gets no claim (an infinite relative bound)."""
    import flint

    y = np.array([-1.0, -11001.0, -1e30, -11000.5, -np.inf], dtype=np.longdouble)
    with np.errstate(invalid="ignore"):
        e, rel = fast.exp_nonpositive(y, np.array([0, 0, 0, 1.0, 0]))
    assert rel[0] < 1e-18 and (e[1:3] == fast.NEGLIGIBLE).all() and (rel[1:3] == 1).all()
    assert np.isinf(rel[3:]).all() and (e[3:] == 0).all()
    assert flint.arb(-11000).exp() < fast.ld_to_arb(2 * fast.NEGLIGIBLE)  # so [0, 2·NEGLIGIBLE] holds exp(y)


def test_arguments_error_beyond_one_is_bounded_by_expm1():
    import flint

    e, rel = fast.exp_nonpositive(np.array([-1.0, -5.0], dtype=np.longdouble), np.array([2.0, 3.0]))
    for y, err, ei, ri in zip((-1, -5), (2, 3), e, rel):  # the argument anywhere in [y − err, y + err]
        for arg in (y - err, y + err):
            exact = flint.arb(arg).exp()
            assert abs(fast.ld_to_arb(ei) - exact) <= exact * float(ri)  # relative to the exact value


def test_fast_path_is_refused_clearly_for_data_it_cannot_hold():
    p = gmmexact.Problem.from_arrays([["1/3"], ["1/7"], [Fraction(1, 2**50)]], means=[[0]], covariances=[[[1]]],
                                     weights=[1])
    assert "64-bit" in fast.FastData.build(p.points)
    with pytest.raises(InputError):
        crosscheck(em_step, start=p, method="fast")


def test_auto_takes_the_fast_path_for_large_problems():
    rng = np.random.default_rng(2)
    n = 10_000
    ints = np.rint((np.array([[0.0, 0.0], [5.0, 3.0]])[np.arange(n) % 2] + rng.standard_normal((n, 2))) * 100)
    p = gmmexact.Problem.from_arrays([[Fraction(int(v), 100) for v in row] for row in ints.astype(int).tolist()],
                                     means=[[0, 0], [5, 3]], covariances=[[[2, 0], [0, 2]]] * 2, weights=["1/2", "1/2"])
    r = crosscheck("sklearn", start=p)
    assert kinds(r, "method") and len(r.entries) == 2 * n * 2 + 2 + 2 * (1 + 2 + 4)
    assert r.passed and int(r.entries.digits.min()) >= 12
    # the next E-step's responsibilities are beyond tier 1's reach (its start widens through exp): longdouble
    assert "longdouble" in str(kinds(r, "method"))
    first = replace(r.peer, reported=tuple(x for x in r.peer.reported if x.key.iteration == 1),
                    blocks=tuple(b for b in r.peer.blocks if b.iteration == 1), unmatched=())
    prepared = replace(p, reg_covar=r.reg_covar, count_offset=r.count_offset)  # the peer's model
    one = fast.crosscheck_fast(prepared, first)  # one iteration alone: float64 over whole arrays decides it
    assert one.passed and "tier 1" in str(kinds(one, "method")) and int(one.entries.digits.min()) >= 10
    doc = r.as_dict(limit=5)
    assert doc["values"] == len(r.entries) and len(doc["quantities"]) == 5
    assert [s["kind"] for s in doc["summary"]] == ["resp", "loglik", "weight", "mean", "cov", "resp", "loglik"]


def test_fast_path_says_what_it_cannot_bound(seed):
    """The seed's next E-step under reg_covar = 1e-6 has quadratic forms of order 1e8: beyond the fast
    bounds, reported as not bounded (digits 0 as far as proven); auto goes to the exact path instead."""
    r = crosscheck("sklearn", start=seed, method="fast")
    (i,) = [i for i, k in enumerate(r.entries.keys) if str(k) == "iter2.loglik"]
    assert r.quantity(i)["exact"] == "not bounded (fast path)" and r.quantity(i)["abs_error"] == "not bounded"
    assert any("could not be bounded" in f.message for f in kinds(r, "method")) and not kinds(r, "loglik-noise")
    exact = crosscheck("sklearn", start=seed)
    (j,) = [j for j, k in enumerate(exact.entries.keys) if str(k) == "iter2.loglik"]
    assert exact.quantity(j)["correct_digits"] == 9  # the exact path certifies it


def test_sklearn_cannot_hold_parameters_fixed(seed):
    with pytest.raises(InputError) as e:
        crosscheck("sklearn", start=replace(seed, fixed=frozenset({"covariance"})))
    assert e.value.field == "fixed"


# --- review fixes: non-finite values, findings that need a cause, bad input -----------------------------

def em_variant(change):
    """The textbook ``em_step`` with its output changed by ``change(out, X) -> None`` (a planted fault)."""
    def f(X, *args, **kw):
        out = em_step(X, *args, **kw)
        change(out, X)
        return out
    return f


@pytest.mark.parametrize("path", ["callable", ".json"])
def test_nan_and_inf_from_the_peer_are_a_finding_not_a_crash(seed, tmp_path, path):
    def spoil(out, X):
        out["mean"][0, 0] = np.nan
        out["loglik"] = np.inf
        out["cov"][1, 1, 1] = -np.inf
    peer = em_variant(spoil)
    if path == ".json":
        vals = peer(float_start(seed)["X"], *[float_start(seed)[k] for k in ("weights", "means", "covariances")],
                    iterations=1, covariance_type="full", reg_covar=0.0)
        peer = tmp_path / "nan.json"
        peer.write_text(json.dumps({k: np.asarray(v).tolist() for k, v in vals.items()}))  # NaN, Infinity literals
        peer = str(peer)
    r = crosscheck(peer, start=seed)
    (f,) = kinds(r, "non-finite")
    assert "3 reported values are not finite (1 NaN, 1 +Inf, 1 −Inf)" in f.message
    assert "= nan" in f.message and "= inf" in f.message and "= -inf" in f.message
    bad = {str(k): int(d) for k, d in zip(r.entries.keys, r.entries.digits) if not d}
    assert bad == {"mean.women[0]": 0, "loglik": 0, "cov.men[1][1]": 0}
    assert not r.passed and not kinds(r, "slip")
    if path == ".json":
        assert main(["crosscheck", SEED, "--with", peer]) == 1


def test_nan_and_inf_on_the_fast_path():
    def spoil(out, X):
        out["resp"][3, 1] = np.nan
        out["loglik"] = -np.inf
    r = crosscheck(em_variant(spoil), start=random_problem(), method="fast")
    (f,) = kinds(r, "non-finite")
    assert f.message.startswith("2 reported values are not finite (1 NaN, 1 −Inf): resp[3, 1] = nan, loglik = -inf")
    assert sorted(str(k) for k, d in zip(r.entries.keys, r.entries.digits) if d == 0) == ["loglik", "resp.x4.2"]


def test_a_slip_in_the_log_likelihood_is_not_called_noise(seed):
    r = crosscheck(em_variant(lambda out, X: out.update(loglik=out["loglik"] / np.log(10))), start=seed)
    assert [f.key for f in kinds(r, "slip")] == ["loglik"] and "base 10" in kinds(r, "slip")[0].message
    assert not kinds(r, "loglik-noise")
    # nor is a log-likelihood with few digits and no ill-conditioned covariance behind it
    r = crosscheck(em_variant(lambda out, X: out.update(loglik=out["loglik"] * 1.001)), start=random_problem())
    assert digits(r, "loglik") == [2] and not kinds(r, "loglik-noise")


def test_a_wrong_covariance_is_not_blamed_on_rounding(seed):
    def about_the_sum(out, X):  # the mean left undivided (Σ_p r_pc x_p), the covariance about it
        resp = out["resp"]
        out["mean"] = resp.T @ X
        out["cov"] = np.array([(resp[:, k, None] * (X - out["mean"][k])).T @ (X - out["mean"][k]) / out["count"][k]
                               for k in range(2)])
    r = crosscheck(em_variant(about_the_sum), start=seed)
    assert not r.passed and not kinds(r, "singular-but-positive-definite-in-float")
    # the covariance right to rounding still gets the finding (scikit-learn, tied, reg_covar = 0)
    r = crosscheck("sklearn", start=seed, covariance_type="tied", reg_covar=0)
    assert [f.key for f in kinds(r, "singular-but-positive-definite-in-float")] == ["cov.women"]


def test_diag_cancellation_is_found_for_every_variable(seed_reports):
    r = seed_reports["diag", Fraction(0)]
    found = {f.key: f.condition for f in kinds(r, "cancellation")}
    assert found == {"cov.women[0][0]": "3.27e+3", "cov.women[1][1]": "4.33e+2",
                     "cov.men[0][0]": "4.11e+3", "cov.men[1][1]": "7.69e+2"}


def test_cli_refuses_bad_peers_and_paths_before_any_work(tmp_path, capsys):
    assert main(["crosscheck", SEED, "--with", ":em_step"]) == 2
    assert "does not name a module and a function" in capsys.readouterr().err
    assert main(["crosscheck", SEED, "--with", "sklearn", "--plot", str(tmp_path / "missing" / "x.png")]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "--plot" in out.err and "does not exist" in out.err
    t = tmp_path / "t.json"
    t.write_text("{}")
    assert main(["crosscheck", SEED, "--with", "sklearn", "--template", str(t)]) == 2
    assert t.read_text() == "{}" and "--template" in capsys.readouterr().err
    npz = tmp_path / "r.npz"
    npz.write_text("not a zip")
    assert main(["crosscheck", SEED, "--with", str(npz)]) == 2
    assert "is not an NPZ archive" in capsys.readouterr().err


def test_nothing_to_compare_is_bad_input(seed, tmp_path):
    with pytest.raises(InputError, match="returned no values"):
        crosscheck(lambda X, *a, **kw: {}, start=seed)
    with pytest.raises(InputError, match="returned only blanks"):
        crosscheck(lambda X, *a, **kw: {"mean.women": [None, None]}, start=seed)
    (tmp_path / "e.json").write_text("{}")
    with pytest.raises(InputError, match="holds no values"):
        crosscheck(str(tmp_path / "e.json"), start=seed)


def test_npz_template_round_trip(tmp_path, seed):
    path = tmp_path / "t.npz"
    assert main(["crosscheck", SEED, "--template", str(path)]) == 0
    z = dict(np.load(path))
    assert z["resp"].shape == (6, 2) and z["cov"].shape == (2, 2, 2) and np.isnan(z["mean"]).all()
    z["mean"][0] = [165.0, 60.0]  # one component filled in, the other left blank
    np.savez(path, **z)
    r = read_results(str(path), seed)
    assert [(str(x.key), x.value) for x in r.reported] == [("mean.women[0]", 165.0), ("mean.women[1]", 60.0)]
    del z["_blank.mean"]  # without the template's mask a NaN is a reported NaN
    np.savez(path, **z)
    assert len(read_results(str(path), seed).reported) == 4


# --- second review: the user's fit, noise levels, wrong covariances, traced failures, float data ----

def _two_clusters():
    rng = np.random.default_rng(1)
    return np.vstack([rng.normal([0, 0], 1, (15, 2)), rng.normal([4, 4], 0.7, (15, 2))]).round(3)


def _estimator(**kw):
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(2, weights_init=[0.3, 0.7], means_init=[[0, 0], [3, 3]],
                           precisions_init=[np.eye(2)] * 2, **kw)


def test_a_fitted_estimator_is_certified_for_its_own_iterations():
    import warnings

    X = _two_clusters()
    gm = _estimator(max_iter=100)  # default tol: converges early
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    assert gm.n_iter_ < 100
    r = gmmexact.crosscheck(gm, X)
    assert r.iterations == gm.n_iter_ + 1 and r.peer.settings["iterations"] == gm.n_iter_
    assert r.peer.settings["user tol"] == gm.tol and r.peer.settings["user max_iter"] == 100
    assert any(("refit" in n or "no second fit" in n) and "n_iter_" in n for n in r.peer.notes)
    last = {str(k): v for k, v in zip(r.entries.keys, r.entries.floats)}
    assert last[f"iter{gm.n_iter_}.mean.1[0]"] == gm.means_[0][0]
    assert r.passed and not kinds(r, "not-the-users-fit")


def test_a_fitted_estimator_that_equals_the_stepped_iterations_is_not_fitted_again(monkeypatch):
    import warnings

    from gmmexact.crosschecking import peers

    X = _two_clusters()
    gm = _estimator(max_iter=2, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    built = []
    original = peers.sklearn_estimator
    monkeypatch.setattr(peers, "sklearn_estimator", lambda *a, **k: built.append(1) or original(*a, **k))
    r = gmmexact.crosscheck(gm, X)
    assert len(built) == 1  # the stepped iterations only: the user's fit stands for fit()
    assert r.peer.settings["fit() identical to the stepped iterations"] is True and r.passed
    proba = {str(k): v for k, v in zip(r.entries.keys, r.entries.floats) if str(k).startswith("iter3.resp")}
    assert proba["iter3.resp.x1.1"] == gm.predict_proba(X)[0, 0]  # the user's estimator answered
    built.clear()
    gm.means_ = gm.means_ + 1e-3  # no longer the stepped result: a fit of its own, and the finding
    r = gmmexact.crosscheck(gm, X)
    assert len(built) == 2 and kinds(r, "not-the-users-fit")


def test_a_large_float64_estimator_problem_keeps_its_array_and_takes_the_fast_path():
    import warnings

    from gmmexact.model.floatpoints import FloatPoints
    from gmmexact.crosschecking.peers import problem_from_estimator

    rng = np.random.default_rng(11)
    X = np.vstack([rng.normal([0, 0], 1, (5000, 2)), rng.normal([4, 4], 0.7, (5000, 2))])
    gm = _estimator(max_iter=1, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    p = problem_from_estimator(gm, X)
    assert isinstance(p.points, FloatPoints) and p.points.array.base is not X and p.labels[-1] == "x10000"
    r = gmmexact.crosscheck(gm, X)
    assert [f.key for f in kinds(r, "method")] == ["fast path"] and r.passed
    # the same problem with its points as Fractions: the same certified figures
    fractions = replace(p, points=tuple(tuple(row) for row in p.points))
    s = gmmexact.crosscheck(gm, X, start=fractions)
    assert np.array_equal(r.entries.exact_lo, s.entries.exact_lo) and np.array_equal(r.entries.digits, s.entries.digits)


def test_a_warm_started_estimator_is_not_certified_as_the_users_fit():
    import warnings

    X = _two_clusters()
    gm = _estimator(max_iter=2, tol=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
        gm.fit(X)  # continues from the first fit: 4 iterations in all, n_iter_ = 2
    r = gmmexact.crosscheck(gm, X)
    (f,) = kinds(r, "not-the-users-fit")
    assert "warm_start" in f.message and "means_" in f.message and not r.passed
    # iterations asked for explicitly: certified as asked, the user's attributes not compared, said so
    r = gmmexact.crosscheck(gm, X, iterations=1)
    assert not kinds(r, "not-the-users-fit") and any("not compared" in n for n in r.peer.notes)


def test_a_log_likelihood_slip_under_ill_conditioning_is_named(seed):
    from sklearn.mixture import GaussianMixture

    def tied(scale):
        def em(X, w, m, S, *, iterations, covariance_type, reg_covar):
            gm = GaussianMixture(2, covariance_type="tied", reg_covar=0, weights_init=w, means_init=m,
                                 precisions_init=np.linalg.inv(S[0]), max_iter=1, tol=0,
                                 init_params="random_from_data")
            with pytest.warns(Warning):  # one iteration never converges
                gm.fit(X)
            return {"weight": gm.weights_, "mean": gm.means_, "cov": np.array([gm.covariances_] * 2),
                    "iter2.loglik": scale(gm.score(X) * len(X))}
        return em

    p = replace(seed, count_offset=SKLEARN_OFFSET)
    for scale, words in ((lambda v: v / np.log(10), "base 10"), (lambda v: v / 6, "divided by n")):
        r = crosscheck(tied(scale), start=p, covariance_type="tied", reg_covar=0, iterations=2)
        (slip,) = kinds(r, "slip")
        assert slip.key == "iter2.loglik" and words in slip.message and not kinds(r, "loglik-noise")
    # a log-likelihood far beyond the noise the conditioning explains is wrong, not noise
    r = crosscheck(tied(lambda v: v * 0.5), start=p, covariance_type="tied", reg_covar=0, iterations=2)
    assert kinds(r, "loglik-wrong") and not kinds(r, "loglik-noise")
    # the correct one is noise, and the message says which model and that the covariance is tied
    r = crosscheck(tied(lambda v: v), start=p, covariance_type="tied", reg_covar=0, iterations=2)
    (noise,) = kinds(r, "loglik-noise")
    assert "not singular but nearly so" in noise.message and "8.17e+12" in noise.message
    assert "tied covariance" in noise.message and "singular exactly (rank" not in noise.message.split("textbook")[0]


def test_a_scaled_covariance_is_wrong_not_rounding(seed):
    base = replace(seed, count_offset=SKLEARN_OFFSET)
    ok = crosscheck("sklearn", start=base, covariance_type="tied", reg_covar=0)

    def covn(X, w, m, S, **kw):
        got = {str(k): v for k, v in zip(ok.entries.keys, ok.entries.floats)}
        cov = np.array([[[got[f"cov.{c}[{i}][{j}]"] for j in range(2)] for i in range(2)] for c in ("women", "men")])
        return {"cov": cov * 1.3}

    r = crosscheck(covn, start=base, covariance_type="tied", reg_covar=0)
    assert not kinds(r, "singular-but-positive-definite-in-float")
    (f,) = kinds(r, "covariance-wrong")
    assert f.key == "cov.women" and "not rounding" in f.message


def test_a_peers_own_exception_gets_no_covariance_explanation(seed):
    def raises(*a, **kw):
        raise ValueError("boom")

    r = crosscheck(raises, start=seed, iterations=2)
    (f,) = kinds(r, "peer-error")
    assert "Exact explanation" not in f.message and f.rank is None
    assert "when called (once, for iterations 1–2): boom" in f.message

    def singular(*a, **kw):
        raise np.linalg.LinAlgError("Singular matrix")

    (f,) = kinds(crosscheck(singular, start=seed, iterations=2), "peer-error")
    assert "Exact explanation: cov.women, cov.men singular (rank 1 of 2)" in f.message


def test_auto_says_why_it_takes_the_exact_path(monkeypatch):
    from gmmexact.crosschecking import peers

    monkeypatch.setattr(peers, "FAST_SIZE", 10)
    X = np.random.default_rng(3).normal(size=(8, 1))  # float64 data (denominators ~2^55) and one 1/3: neither form
    p = gmmexact.Problem.from_arrays([[Fraction(float(v))] for v in X[:, 0]] + [[Fraction(1, 3)]], means=[[0], [1]],
                                     covariances=[[[1]], [[1]]], weights=["1/2", "1/2"])
    with pytest.warns(peers.ExactPathWarning, match="not all float64 values"):
        r = crosscheck(em_step, start=p)
    (f,) = [f for f in kinds(r, "method") if f.key == "exact path"]
    assert "Expected cost of the exact path" in f.message and "189 s and 2.7 GB" in f.message


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fractions() | st.integers(-2**70, 2**70).map(Fraction), min_size=1, max_size=12))
def test_float_points_round_as_float_does(values):
    from gmmexact.crosschecking.peers import float_points

    got = float_points([[v] for v in values])
    assert got[:, 0].tolist() == [float(v) for v in values]


def test_cli_notes_the_exact_path_on_stderr(monkeypatch, capsys):
    from gmmexact.crosschecking import peers

    monkeypatch.setattr(peers, "FAST_SIZE", 10)
    assert main(["crosscheck", SEED, "--with", "sklearn", "--iterations", "3", "--format", "json"]) in (0, 1)
    err = capsys.readouterr().err
    # the seed's second E-step uses a covariance singular in the textbook model: its fast bound is unbounded
    assert err.startswith('gmmexact: note: method="auto" took the exact path') and "could not be bounded" in err


def test_an_estimators_float_data_are_read_exactly_and_quickly():
    from gmmexact.crosschecking.peers import problem_from_estimator

    X = _two_clusters() + np.random.default_rng(4).normal(scale=1e-9, size=(30, 2))  # full binary fractions
    gm = _estimator(max_iter=1)
    fast_path = problem_from_estimator(gm, X)  # float array: validated once, the points set directly
    slow_path = problem_from_estimator(gm, X.astype(object))  # one value at a time
    assert fast_path == slow_path and fast_path.points[3][1] == Fraction(float(X[3, 1]))
    with pytest.raises(InputError, match="NaN or Inf"):
        problem_from_estimator(gm, np.where(np.arange(60).reshape(30, 2) == 7, np.nan, X))
    with pytest.raises(InputError, match="empty"):
        problem_from_estimator(gm, np.empty((0, 2)))


# --- the fast path on ordinary float64 data: a grid part plus float64 remainders -----------------------

def float_problem(n, d, K, seed):
    """Clusters plus ``rng.normal`` noise: float64 points, every bit significant."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3, size=(K, d))
    X = centres[np.arange(n) % K] + rng.normal(size=(n, d))
    points = [[Fraction(*v.as_integer_ratio()) for v in row] for row in X.tolist()]
    means = [[Fraction(*v.as_integer_ratio()) for v in (c + 0.3).tolist()] for c in centres]
    covs = [[[Fraction(3, 2) if i == j else Fraction(1, 4) for j in range(d)] for i in range(d)]] * K
    return gmmexact.Problem.from_arrays(points, means, covs, [Fraction(1, K)] * K)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, max_value=2.0**28 - 1, min_value=1 - 2.0**28),
                min_size=1, max_size=12))
def test_float_points_split_exactly(xs):
    got = fast.FastData.of([[Fraction(x)] for x in xs])
    if isinstance(got, str):  # a scale beyond 2^1000 is refused, with the reason
        assert max(map(abs, xs)) < 2.0**-972 and "below 2^-972" in got
        return
    lo = np.zeros(len(xs)) if got.lo is None else got.lo[:, 0]
    assert [Fraction(int(a)) + Fraction(float(b)) for a, b in zip(got.X[:, 0], lo)] == [Fraction(x) * got.scale
                                                                                          for x in xs]
    assert np.abs(got.X).max() < 2**29 and (np.abs(lo) <= 0.5).all()


@pytest.mark.parametrize("n, d, K, seed", [(300, 2, 2, 1), (300, 3, 3, 2), (300, 5, 4, 3), (600, 4, 2, 4)])
def test_fast_path_on_float64_data_is_enclosed_by_the_exact_path(n, d, K, seed):
    """Ordinary float64 data take the fast path (grid part plus bounded remainders): every fast enclosure
    contains the exact path's, and no fast digit count exceeds the exact path's."""
    p = float_problem(n, d, K, seed)
    data = fast.FastData.of(p.points)
    assert data.lo is not None and np.abs(data.lo).max() > 0.01  # the remainders are really there
    a = crosscheck("sklearn", start=p, method="exact")
    b = crosscheck("sklearn", start=p, method="longdouble")  # the split of float64 data into grid and remainder
    assert any(f.key == "fast path" for f in kinds(b, "method"))
    ia = {str(k): i for i, k in enumerate(a.entries.keys)}
    ib = {str(k): i for i, k in enumerate(b.entries.keys)}
    assert set(ia) == set(ib) and len(ia) == 2 * n * K + 2 + K * (1 + d + d * d)
    i = np.array([ia[k] for k in ib])
    j = np.array([ib[k] for k in ib])
    ea, eb = a.entries, b.entries
    assert (eb.exact_lo[j] <= ea.exact_lo[i]).all() and (ea.exact_hi[i] <= eb.exact_hi[j]).all()
    assert (eb.err_lo[j] <= ea.err_hi[i]).all() and (ea.err_lo[i] <= eb.err_hi[j]).all()
    assert (eb.digits[j] <= ea.digits[i]).all()
    # and the bounds are tight: about 1e-17 relative after one iteration, wider after two
    first = np.array([ea.keys[k].iteration == 1 for k in i])
    assert (eb.digits[j][first] >= np.minimum(ea.digits[i][first], 16) - 3).all()
    assert eb.digits.min() >= 11


def test_fast_iteration_on_float64_data_encloses_the_engine_values():
    """``iterate`` on float64 points, in chunks of 5, against the engine's exact values."""
    import flint

    p = float_problem(17, 3, 2, 5)
    p = replace(p, reg_covar=Fraction(1, 10**4))
    run = gmmexact.solve(p, 2)
    its = fast.iterate(fast.FastData.of(p.points), p, 2, chunk=5)
    for t, it in enumerate(its, 1):
        pre = "" if t == 1 else f"iter{t}."
        for c, name in enumerate(p.component_names):
            pairs = [(it.weights[c], f"weight.{name}"), (it.counts[c], f"count.{name}"), (it.loglik, "loglik")]
            pairs += [(it.means[c][i], f"mean.{name}[{i}]") for i in range(3)]
            pairs += [(it.covs[c][i][j], f"cov.{name}[{i}][{j}]") for i in range(3) for j in range(3)]
            pairs += [(fast.ld_to_arb(it.resp[q, c]) * (1 + flint.arb(0, float(it.resp_rel[q, c]))),
                       f"resp.{p.labels[q]}.{name}") for q in (0, 6, 16)]
            for ball, key in pairs:
                exact = Fraction(run[pre + key].decimal(30))
                lo, hi = fast.intervals_of(ball)
                slack = abs(exact) / 10**28
                assert lo - slack <= exact <= hi + slack, (pre + key, lo, exact, hi)
                assert hi - lo <= abs(exact) * Fraction(1, 10**12) + Fraction(1, 10**20), (pre + key, lo, hi)


def test_auto_takes_the_fast_path_for_large_float64_data(recwarn):
    from gmmexact.crosschecking import peers

    p = float_problem(10_000, 2, 2, 6)
    assert p.n * p.K >= peers.FAST_SIZE
    r = crosscheck("sklearn", start=p)
    assert not [w for w in recwarn if issubclass(w.category, peers.ExactPathWarning)]
    assert [f.key for f in kinds(r, "method")] == ["fast path"]
    assert r.passed and int(r.entries.digits.min()) >= 11 and len(r.entries) == 2 * 10_000 * 2 + 2 + 2 * (1 + 2 + 4)


# --- values below float64's range -------------------------------------------------------------------

def _enclosure_misses(p, iterations=1):
    """Keys whose fast enclosure (``iterate``) misses the engine's exact value."""
    import flint

    run = gmmexact.solve(p, iterations)
    its = fast.iterate(fast.FastData.of(p.points), p, iterations)
    missed = []
    saved = flint.ctx.prec
    flint.ctx.prec = 200
    try:
        for t, it in enumerate(its, 1):
            pre = "" if t == 1 else f"iter{t}."
            for c, name in enumerate(p.component_names):
                pairs = [(it.counts[c], f"count.{name}"), (it.weights[c], f"weight.{name}")]
                pairs += [(it.means[c][i], f"mean.{name}[{i}]") for i in range(p.d)]
                pairs += [(it.covs[c][i][i], f"cov.{name}[{i}][{i}]") for i in range(p.d)]
                pairs += [(fast.ld_to_arb(it.resp[q, c]) * (1 + flint.arb(0, float(it.resp_rel[q, c]))),
                           f"resp.{p.labels[q]}.{name}") for q in range(p.n)]
                for ball, key in pairs:
                    exact = Fraction(run[pre + key].decimal(40))
                    lo, hi = fast.intervals_of(ball)
                    if not lo - abs(exact) / 10**37 <= exact <= hi + abs(exact) / 10**37:
                        missed.append(pre + key)
    finally:
        flint.ctx.prec = saved
    return missed


@pytest.mark.parametrize("exponent", [300, 316, 320, 330])
def test_fast_m_step_holds_responsibilities_below_float64s_range(exponent):
    """A component of weight 10^-exponent: its responsibilities lie below 1e-308 (float64 copies would
    underflow to subnormals or 0): the fast sums still enclose the exact count, weight, mean and variance."""
    X = 0.5 + np.random.default_rng(1).normal(size=(12, 1))  # float64 data: grid part plus remainders
    w = Fraction(1, 10**exponent)
    p = gmmexact.Problem.from_arrays([[Fraction(float(v))] for v in X[:, 0]], [[Fraction(1, 10)]] * 2,
                                     [[[Fraction(3, 2)]]] * 2, [1 - w, w])
    assert _enclosure_misses(p) == []
    peer = crosscheck(lambda X, w, m, S, **kw: {"mean": m}, start=p, method="fast")  # no crash, the start's means
    assert not kinds(peer, "method")[:-1]


def test_well_separated_clusters_pass_with_their_responsibilities_underflowing():
    """Responsibilities of e^-216000: scikit-learn's 0.0 is as close as float64 can come; both paths say
    so (an underflow finding) and pass, and auto keeps the fast path."""
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (30, 1)), rng.normal(1000, 1, (30, 1))]).round(3)
    p = gmmexact.Problem.from_arrays([[str(v) for v in r] for r in X.tolist()], [["0.5"], ["999"]],
                                     [[[1]], [[1]]], ["1/2", "1/2"])
    for method in ("exact", "fast"):
        r = crosscheck("sklearn", start=p, method=method)
        (f,) = kinds(r, "underflow")
        assert r.passed and f.message.startswith("120 values lie below float64's range")
        assert "2^-1074" not in f.message and "4.9e-324" in f.message
        q = r.quantity(r.worst(1)[0])
        assert q["meets_min_digits"] or q["correct_digits"] >= 10
    a = crosscheck("sklearn", start=p, method="exact")
    held = np.flatnonzero(a.entries.digits < 10)
    assert len(held) == 120 and (a.entries.floats[held] == 0).all() and not len(a.failing)


def test_evidence_bound_keeps_a_term_whose_float64_copy_underflows():
    """A term e ≈ 1e-324 (0.0 in float64) with a huge relative error (its argument known to ±709):
    the evidence's bound must still hold it; resp of the top component within its claimed bound."""
    import flint

    LD = np.longdouble
    q, qe = np.array([[LD(0), LD(0)]]), np.array([[709.0, 709.0]])
    lcv, lcr = np.array([LD(0), LD(-746)]), np.zeros(2)
    resp, resp_rel, _, _ = fast.estep(q, qe, lcv, lcr, 2)
    saved = flint.ctx.prec
    flint.ctx.prec = 200
    try:
        true = 1 / (1 + flint.arb(-746 + 709).exp())  # an exact value the bounds allow
        assert abs(true - fast.ld_to_arb(resp[0, 0])) <= fast.ld_to_arb(resp[0, 0]) * float(resp_rel[0, 0])
    finally:
        flint.ctx.prec = saved


def test_a_dead_component_under_the_count_offset_is_bounded_by_the_fast_path():
    """A component 200 σ from every point (responsibilities ~e^-20000) with scikit-learn's count offset:
    its mean is pulled to ~0 by the offset; the fast path centres its sums there and bounds it."""
    from sklearn.mixture import GaussianMixture

    X = np.random.default_rng(0).normal(size=(2000, 1))
    gm = GaussianMixture(2, max_iter=1, tol=0, means_init=[[0.0], [200.0]], precisions_init=[[[1.0]], [[1.0]]],
                         weights_init=[0.5, 0.5])
    r = gmmexact.crosscheck(gm, X, method="fast")
    assert fast.bounded(r.entries).all() and r.passed
    (f,) = kinds(r, "underflow")
    mean = r.quantity([str(k) for k in r.entries.keys].index("mean.2[0]"))
    assert mean["float"] == "0.0" and mean["meets_min_digits"] and mean["correct_digits"] == 0
    summary = {(s["iteration"], s["kind"]): s for s in r.summary()}
    assert summary[1, "mean"]["underflow"] == 1 and summary[1, "mean"]["worst"] == "mean.1[0]"
    from gmmexact.crosschecking.report import render_markdown
    assert "**PASS**: every value has at least 10 correct digits, except" in render_markdown(r.as_dict(limit=5))


@pytest.mark.parametrize("cov_type, offset", [("spherical", Fraction(1)), ("diag", Fraction(10, 2**52)),
                                              ("diag", Fraction(0))])
def test_a_dead_components_tiny_covariance_stops_the_fast_iterations_cleanly(cov_type, offset, monkeypatch):
    """A component 40 σ from every point: its next covariance is ~1e-340, its inverse beyond float64's
    range. The fast path stops there (no OverflowError, no warning) and auto takes the exact path."""
    import warnings

    X = np.random.default_rng(3).normal(size=(30, 2))
    p = gmmexact.Problem.from_arrays([[Fraction(float(v)) for v in row] for row in X], [[0, 0], [40, -40]],
                                     [[[1, 0], [0, 1]]] * 2, ["1/2", "1/2"], covariance_type=cov_type,
                                     count_offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        its = fast.iterate(fast.FastData.of(p.points), p, 2)
    assert 1 <= len(its) <= 2
    if len(its) == 1:  # the second iteration was refused: the report says so, auto goes exact
        def em(X, w, m, S, **kw):
            return {"iter2.mean": m}
        r = crosscheck(em, start=p, method="fast", iterations=2)
        (f,) = kinds(r, "undefined")
        assert "beyond float64's range" in f.message
        from gmmexact.crosschecking import peers

        monkeypatch.setattr(peers, "FAST_SIZE", 10)  # auto would take the fast path at this size
        with pytest.warns(peers.ExactPathWarning, match="could not enclose every iteration"):
            r = crosscheck(em, start=p, iterations=2)
        assert not kinds(r, "undefined")


def test_the_cli_cross_check_of_a_dead_component_without_regularisation_reports_and_exits_1(tmp_path, capsys):
    X = np.random.default_rng(3).normal(size=(30, 2)).round(4)
    (tmp_path / "p.toml").write_text('covariance_type = "diag"\n[data]\npoints = ' + str(X.tolist()) + '\n'
                                     '[[components]]\nmean = [0, 0]\ncovariance = [[1, 0], [0, 1]]\nweight = "1/2"\n'
                                     '[[components]]\nmean = [40, -40]\ncovariance = [[1, 0], [0, 1]]\nweight = "1/2"\n')
    code = main(["crosscheck", str(tmp_path / "p.toml"), "--with", "sklearn", "--reg-covar", "0", "--method", "fast",
                 "--plot", str(tmp_path / "d.png")])
    out, err = capsys.readouterr()
    assert code == 1 and "internal error" not in err and "FAIL: the peer raised ValueError" in out
    assert (tmp_path / "d.png").stat().st_size > 1000


def test_responsibilities_beyond_longdouble_are_enclosed_by_both_paths():
    """A dead component regularised to 1e-300: next responsibilities like e^-10³⁰⁰, which no Fraction or
    longdouble holds. Both paths enclose them near 0, agree, and pass (scikit-learn's 0.0 is held)."""
    import warnings

    from sklearn.mixture import GaussianMixture

    X = np.random.default_rng(3).normal(size=(30, 2))
    gm = GaussianMixture(2, covariance_type="spherical", reg_covar=1e-300, max_iter=1, tol=0,
                         means_init=[[0.0, 0.0], [40.0, -40.0]], precisions_init=[1.0, 1.0], weights_init=[0.5, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    for method in ("fast", "exact"):
        r = gmmexact.crosscheck(gm, X, method=method)
        assert r.passed and kinds(r, "underflow"), method
        q = r.quantity([str(k) for k in r.entries.keys].index("iter2.resp.x1.2"))
        assert q["float"] == "0.0" and q["meets_min_digits"] and q["exact"].startswith("[0, ")
