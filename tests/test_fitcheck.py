"""A whole scikit-learn fit certified iteration by iteration (gmmexact/crosschecking/fitcheck.py)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
from sklearn.mixture import GaussianMixture  # noqa: E402

import gmmexact  # noqa: E402
from gmmexact.crosschecking.fitcheck import FitCheck, certify_fit  # noqa: E402
from gmmexact.model.errors import InputError  # noqa: E402


def blobs(n: int, d: int = 2, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0] * d, [4.0] * d, [0.0] * (d - 1) + [6.0]])
    labels = rng.integers(0, 3, n)
    return centres[labels] + rng.normal(0, 1, (n, d)) * np.array([1.0, 0.7, 1.4])[labels, None]


def fitted(X, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GaussianMixture(**kw).fit(X)


def test_a_default_kmeans_fit_with_three_inits_is_certified_to_convergence():
    X = blobs(2000)
    gm = fitted(X, n_components=3, n_init=3, random_state=0)
    check = certify_fit(gm, X, progress=False)
    assert isinstance(check, FitCheck)
    assert check.replay.reproduced and len(check.replay.starts) == 3
    assert len(check.iterations) == gm.n_iter_ and gm.converged_
    assert [it.iteration for it in check.iterations] == list(range(1, gm.n_iter_ + 1))
    assert all(it.local_digits >= 10 for it in check.iterations)
    assert check.convergence.decisions[-1] == "stop" and check.convergence.agrees
    assert set(check.convergence.decisions[:-1]) <= {"go on", "undecided"}
    assert check.convergence.increases + len(check.convergence.decreases) + check.convergence.undecided_monotone \
        == gm.n_iter_ - 1
    assert check.first_loss is None and check.passed
    assert check.global_stop is None or check.global_stop[0] > 1
    assert all(it.global_digits is not None for it in check.iterations[:2])
    # scikit-learn's lower_bounds_[t-1] lies within a few ulps of the exact one at the peer's parameters
    for it in check.iterations:
        assert abs(it.peer_lower_bound - float(it.lower_bound.lo)) <= 1e-12 * abs(it.peer_lower_bound)
    doc = check.as_dict()
    assert doc["passed"] is True and len(doc["iterations"]) == gm.n_iter_
    assert "PASS" in check.text()


def test_crosscheck_takes_a_fitted_estimator_without_init_parameters():
    X = blobs(300)
    gm = fitted(X, n_components=2, random_state=1)
    check = gmmexact.crosscheck(gm, X)
    assert isinstance(check, FitCheck) and check.passed and len(check.iterations) == gm.n_iter_


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random", "random_from_data"])
def test_every_covariance_type_and_start(covariance_type, init_params):
    X = blobs(240, seed=3)
    gm = fitted(X, n_components=3, covariance_type=covariance_type, init_params=init_params, random_state=2,
                max_iter=8, tol=0.0)
    check = certify_fit(gm, X, progress=False)
    assert len(check.iterations) == 8 == gm.n_iter_
    assert min(it.local_digits for it in check.iterations) >= 10
    assert check.convergence.agrees and check.convergence.decisions.count("stop") == 0  # tol = 0: never stops


class PlantedSlip(GaussianMixture):
    """A GaussianMixture whose third M-step moves the first mean by one part in 10^8."""

    def _m_step(self, X, log_resp, **kw):
        super()._m_step(X, log_resp, **kw)
        self._steps = getattr(self, "_steps", 0) + 1
        if self._steps == 3:
            self.means_[0, 1] *= 1 + 1e-8


def test_a_planted_slip_is_located_by_iteration_step_quantity_and_index():
    X = blobs(400, seed=5)
    gm = PlantedSlip(n_components=2, random_state=0, max_iter=6, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    check = certify_fit(gm, X, progress=False)
    assert not check.passed
    loss = check.first_loss
    assert (loss.iteration, loss.step, loss.key, loss.peer_name) == (3, "M-step", "iter3.mean.1[1]", "means_[0, 1]")
    assert 7 <= loss.digits <= 9
    assert loss.cause == "none found" and "no cause from the catalogue" in loss.explanation
    assert [it.local.passed for it in check.iterations] == [True, True, False, True, True, True]
    assert "FAIL" in check.text() and "iteration 3 / M-step / iter3.mean.1[1]" in check.text()


def test_a_fit_that_cannot_be_replayed_says_why():
    X = np.random.default_rng(0).normal(size=(100, 2))  # no clusters: every random start ends elsewhere
    gm = fitted(X, n_components=3, init_params="random")  # random_state=None
    with pytest.raises(InputError, match="random_state=None"):
        certify_fit(gm, X, progress=False)
    X = blobs(100)
    gm = fitted(X, n_components=2, random_state=0)
    with pytest.raises(InputError, match="cannot be replayed"):
        certify_fit(gm, X[:90], progress=False)


def test_a_float32_fit_is_judged_against_float32():
    X = blobs(400, seed=1).astype(np.float32)
    gm = fitted(X, n_components=3, random_state=0)
    assert gm.means_.dtype == np.float32  # scikit-learn keeps float32 data in float32
    check = certify_fit(gm, X, progress=False)
    assert check.peer_dtype == "float32" and check.min_digits == 4
    assert 5 <= min(it.local_digits for it in check.iterations) <= 8  # what float32 carries, not float64's 16
    assert check.passed and "PASS for float32" in check.text() and "about 7.2 significant digits" in check.text()
    strict = certify_fit(gm, X, progress=False, min_digits=10)
    assert not strict.passed and strict.first_loss.iteration == 1


class PlantedFloat32Slip(GaussianMixture):
    """float32 EM whose second M-step scales one covariance entry by 1 + 1e-3 (a slip float32 cannot explain)."""

    def _m_step(self, X, log_resp, **kw):
        super()._m_step(X, log_resp, **kw)
        self._steps = getattr(self, "_steps", 0) + 1
        if self._steps == 2:
            self.covariances_[1, 0, 0] *= np.float32(1.001)


def test_a_float32_fit_with_one_step_planted_wrong_fails_at_that_step():
    X = blobs(400, seed=1).astype(np.float32)
    gm = PlantedFloat32Slip(n_components=3, random_state=0, max_iter=5, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    check = certify_fit(gm, X, progress=False)
    assert not check.passed
    loss = check.first_loss
    assert (loss.iteration, loss.step, loss.key, loss.peer_name) == (2, "M-step", "iter2.cov.2[0][0]",
                                                                     "covariances_[1, 0, 0]")
    assert 2 <= loss.digits <= 3  # a relative error of 1e-3
    assert "FAIL for float32" in check.text()


def test_every_fail_of_the_command_line_names_its_cause(tmp_path):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "gmmexact", "crosscheck", "examples/seed/problem.toml", "--with",
                          "sklearn"], capture_output=True, text=True, cwd=__import__("pathlib").Path(__file__).parents[1])
    assert out.returncode == 1
    assert out.stdout.splitlines()[-2:] == ["FAIL: 7 value(s) below 10 correct digits",
                                            "cause: regularisation-dominates (cov.women), and 1 more finding(s) above"]


def test_a_fail_without_a_known_cause_says_so():
    from gmmexact.crosschecking.report import _cause

    assert _cause({"findings": [{"kind": "method", "key": "fast path"}]}) == (
        "cause: none found in the catalogue (slips, cancellation, a near-singular covariance, regularisation, "
        "underflow)")


@pytest.mark.parametrize("dtype, covariance_type, name", [
    (np.float32, "spherical", "covariances_[1]"), (np.float32, "diag", "covariances_[1, 0]"),
    (np.float64, "spherical", "covariances_[1]"), (np.float64, "diag", "covariances_[1, 0]")])
def test_scikit_learn_30382_is_caught_and_explained(dtype, covariance_type, name):
    """scikit-learn issue #30382: two points 9999 and 0, reg_covar = 0.1; each component holds one point,
    so every variance is exactly reg_covar, but E[x²] − μ² with μ² ≈ 10⁸ cancels (float32: 112.1)."""
    X = np.array([[9999.0], [0.0]], dtype=dtype)
    gm = fitted(X, n_components=2, covariance_type=covariance_type, reg_covar=0.1, random_state=0)
    check = certify_fit(gm, X, progress=False)
    assert not check.passed
    loss = check.first_loss
    assert (loss.iteration, loss.step, loss.key, loss.peer_name, loss.cause) == (
        1, "M-step", "cov.2[0][0]", name, "cancellation")
    assert f"cancellation in E[x²] − μ² (scikit-learn's {covariance_type} covariance formula)" in loss.explanation
    assert loss.digits <= (0 if dtype == np.float32 else 7)
    # the component at 0 has a mean of 9999·e^(−5·10⁸) exactly: 0.0 holds it as closely as float64 can
    assert check.iterations[0].local_worst != "mean.1[0]"


def test_the_digits_of_a_whole_fit_are_drawn_per_iteration_and_kind(tmp_path):
    pytest.importorskip("matplotlib")
    X = blobs(300)
    gm = fitted(X, n_components=3, random_state=0, max_iter=5, tol=0.0)
    check = certify_fit(gm, X, progress=False)
    by_kind = check.digits_by_kind()
    assert list(by_kind) == ["loglik", "weight", "mean", "cov"] and all(len(v) == 5 for v in by_kind.values())
    assert min(d for v in by_kind.values() for d in v if d is not None) == min(it.local_digits
                                                                                for it in check.iterations)
    for suffix in (".png", ".svg", ".pdf"):
        check.plot(str(tmp_path / f"fit{suffix}"))
        assert (tmp_path / f"fit{suffix}").stat().st_size > 5000
    assert (tmp_path / "fit.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_fit_that_cannot_be_replayed_is_certified_from_its_fitted_parameters_onward():
    X = np.random.default_rng(0).normal(size=(100, 2))
    gm = fitted(X, n_components=3, init_params="random")  # random_state=None: no replay
    with pytest.raises(InputError, match='start="fitted"'):
        certify_fit(gm, X, progress=False)
    after = gmmexact.crosscheck(gm, X, start="fitted", iterations=2)
    assert after.passed and after.iterations == 3  # two iterations and the E-step after them
    assert after.peer.settings["max_iter"] == 2


def test_data_far_from_the_origin_name_the_diag_formulas_cancellation():
    X = np.random.default_rng(0).normal(size=(300, 2)) + 1e6
    gm = fitted(X, n_components=2, covariance_type="diag", random_state=0)
    loss = certify_fit(gm, X, progress=False).first_loss
    assert (loss.iteration, loss.step, loss.cause) == (1, "M-step", "cancellation")
    assert loss.key.startswith("cov.") and loss.digits <= 4
    assert "condition ≈ 1 + μ²/σ² = " in loss.explanation and "e+12" in loss.explanation


def test_a_tight_global_comparison_reaches_at_least_as_far():
    """The global comparison on tier 1 stops where its enclosure no longer holds min_digits and says how
    to go further; on longdouble ("tight") it reaches at least as far, with the same local checks."""
    X = blobs(3000, d=3, seed=4)
    gm = fitted(X, n_components=3, random_state=1, tol=0, max_iter=25)
    fast = certify_fit(gm, X, progress=False)
    tight = certify_fit(gm, X, progress=False, global_error="tight")
    reach_fast, reach_tight = ((c.global_stop[0] if c.global_stop else len(c.iterations) + 1) for c in (fast, tight))
    assert reach_tight >= reach_fast
    assert [it.local_digits for it in fast.iterations] == [it.local_digits for it in tight.iterations]
    if fast.global_stop and "enclosed to only" in fast.global_stop[1]:
        assert 'global_error="tight"' in fast.global_stop[1]
    with pytest.raises(InputError):
        certify_fit(gm, X, progress=False, global_error="yes")
