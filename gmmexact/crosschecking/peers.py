"""The peers a cross-check compares with: scikit-learn, a user's Python function, a results file.

Each peer gets the problem's start rounded to float64 and reports float values in the engine's
vocabulary (:class:`gmmexact.crosschecking.comparison.Reported`); it never computes anything exact.

A user's function (``--with module:function``) is called once as::

    f(X, weights, means, covariances, *, iterations, covariance_type, reg_covar) -> Mapping[str, array]

with ``X`` (n, d), ``weights`` (K,), ``means`` (K, d) and ``covariances`` (K, d, d) float64 arrays
(full matrices whatever the covariance type; for ``tied`` all equal), ``iterations`` an int,
``covariance_type`` a string and ``reg_covar`` a float. It returns any of these keys (values
array-like; ``iter<t>.`` prefixes for later iterations):

- a kind for all components/points at once: ``weight`` (K,), ``count`` (K,), ``mean`` (K, d),
  ``cov`` (K, d, d), ``resp`` (n, K), ``evidence`` (n,), ``loglik`` (scalar), … (see ``keys.py``);
- one quantity: ``mean.women`` (d,), ``cov.men`` (d, d), ``resp.A.women`` (scalar);
- one entry: ``cov.women[0][1]``.

A results file holds the same mapping: JSON (an object, key → number or nested lists), NPZ (one
array per key) or CSV (``key,value`` rows; vectors and matrices as ``"[1.5, 2]"``).
``gmmexact crosscheck problem.toml --template results.json`` writes one with every key.

What is read, and what is refused (:class:`InputError`, naming the file, the key or line, and what
would be right), before anything is computed:

- **Numbers are float64 values.** A decimal is read as the nearest float64, as every float reader
  does (``0.1``; ``1e-400`` is 0); a CSV value may be a hexadecimal float (``0x1.8p-3``, C's ``%a``,
  ``float.hex``), read exactly; NaN and ±Inf are values a float program may produce (JSON ``NaN``,
  ``Infinity``, ``-Infinity``; CSV ``nan``, ``inf``, ``-inf`` in any case), with no correct digit.
  A literal beyond float64's range (``1e400``, an integer of 400 digits) is refused: no float64
  computation writes it. Booleans, strings in JSON, complex, date, structured, object and long
  double arrays are refused, and so are integers beyond 2^53.
- **Keys** are those of iterations 1 to ``iterations + 1`` (the E-step after the last): a key of a
  later iteration is refused, without computing it. A key twice (in one JSON object, on two CSV
  rows, two NPZ members) is refused: which value was meant cannot be told.
- **Sizes are checked before reading**: a file larger than ``limits.file_bytes`` or than any results
  file for the problem could be (:func:`largest_results_file`) is refused on its size; nesting past
  ``limits.nesting`` is refused. An NPZ archive is read without pickle: each member's ``.npy`` header
  (dtype, shape) is checked against the problem, and its uncompressed size in the zip directory
  against that header, before its data is decompressed; then exactly those bytes are read (a zip bomb
  or a header declaring 10¹² values costs nothing). Fortran-ordered and big-endian arrays, float16,
  float32 and integer arrays are read as the values they hold.
- **Text** is UTF-8 (a byte-order mark allowed) or, with its byte-order mark, UTF-16 or UTF-32 (JSON
  also without one); Latin-1 and NUL bytes are refused with the line.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import importlib
import io
import json
import math
import os
import re
import stat
import sys
import warnings
import zipfile
import zlib
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
from numpy.lib import format as npformat

from ..model import linalg
from ..model.limits import current, exceeded, require_affordable
from .comparison import Block, CrossCheck, PeerFailure, PeerResult, Reported, crosscheck_run
from ..numerics.diagnostics import Finding
from ..model.errors import InputError
from ..model.decimalpoints import DecimalPoints
from ..model.floatpoints import FloatPoints
from ..model.keys import KINDS, Key
from ..model.problem import Problem, load
from ..numerics.cost import estimate_solve
from ..numerics.run import Run, solve

SKLEARN_OFFSET = 10 * Fraction(1, 2**52)  # nk + 10·eps
SKLEARN_REG = Fraction(1, 10**6)

SKLEARN_NOTES = (
    "lower_bound_ is the mean log-likelihood per point (loglik / n) at the parameters the last iteration "
    "started from, not at the fitted parameters; score(X) is the mean log-likelihood at the fitted ones.",
    "weights_, means_ and covariances_ divide by nk + 10·eps (eps = 2⁻⁵²) instead of nk = Σ_p r_pc, and the "
    "weights are then normalised to sum to 1: the exact model here does the same (count_offset = 10·2⁻⁵²).",
    "reg_covar is added to the diagonal of every updated covariance (the textbook M-step has no such term); "
    "the exact model adds the same value, read as an exact decimal.",
    "precisions_init takes inverse covariances: it was given the exact Σ⁻¹ rounded to float64, so the float "
    "E-step starts from a slightly different covariance than the exact one.",
    "predict_proba(X) and score(X) after fit() are the E-step of the next iteration (the fitted parameters), "
    "compared here with the exact iteration N + 1.",
)


# --- the exact problem behind a peer --------------------------------------------------------------

def model_fields() -> bool:
    """True when the engine's Problem has the model options (covariance_type, reg_covar, count_offset)."""
    return all(hasattr(Problem, name) or name in Problem.__dataclass_fields__
               for name in ("reg_covar", "count_offset"))


def parse_fraction(text, field: str, source: str | None = None) -> Fraction:
    """A command-line number read exactly (``1e-6`` is 1/10⁶).

    >>> parse_fraction("1e-6", "--reg-covar")
    Fraction(1, 1000000)
    """
    try:
        if isinstance(text, str) and "/" in text:
            return Fraction(text.strip())
        return Fraction(Decimal(str(text).strip()))
    except (ValueError, InvalidOperation, ZeroDivisionError):
        raise InputError(source, field, f"{text!r} is not a number", "a decimal such as 1e-6 or a fraction such as 1/3") from None


def prepare(problem: Problem, *, covariance_type: str | None = None, reg_covar=None, count_offset=None) -> Problem:
    """The problem with the peer's model options (``dataclasses.replace``; validated by the engine)."""
    changes = {}
    for name, value in (("covariance_type", covariance_type), ("reg_covar", reg_covar), ("count_offset", count_offset)):
        if value is None:
            continue
        if name != "covariance_type":
            value = Fraction(value)
        if getattr(problem, name, None if name != "covariance_type" else "full") == value:
            continue
        changes[name] = value
    if not changes:
        return problem
    if "reg_covar" in changes or "count_offset" in changes:
        if not model_fields():
            if changes.get("reg_covar", 0) == 0 and "covariance_type" not in changes:
                changes.pop("reg_covar", None)
                changes.pop("count_offset", None)
                if not changes:
                    return problem
            else:
                raise InputError(problem.source, "reg_covar", "this version of the engine has no exact reg_covar",
                                 "reg_covar 0 (--reg-covar 0)")
    if not model_fields():
        changes.pop("count_offset", None)
    try:
        return replace(problem, **changes)
    except TypeError:
        raise InputError(problem.source, "covariance_type", f"{changes.get('covariance_type')!r} is not supported by "
                         "this version of the engine", '"full"') from None


def float_points(points) -> np.ndarray:
    """The points (exact rationals) rounded to the nearest float64, as ``float()`` rounds each one.

    Vectorised where numerator and denominator are both exact in float64 (then one IEEE division is the
    correctly rounded quotient); any other value goes through ``float(Fraction)``.

    >>> float_points([[Fraction(1, 10), Fraction(2**60 + 1, 3)], [Fraction(-7, 2), Fraction(5)]]).tolist()
    [[0.1, 3.843071682022823e+17], [-3.5, 5.0]]
    """
    if isinstance(points, FloatPoints):
        return points.array
    if isinstance(points, DecimalPoints):
        return points.nearest_floats()
    flat = [v if type(v) is Fraction else Fraction(v) for p in points for v in p]
    shape = (len(points), len(points[0]) if len(points) else 0)
    try:  # Fraction's own slots: no Python-level property call per value
        nums = np.fromiter(map(attrgetter("_numerator"), flat), dtype=np.int64, count=len(flat))
        dens = np.fromiter(map(attrgetter("_denominator"), flat), dtype=np.int64, count=len(flat))
    except AttributeError:
        return np.array([float(v) for v in flat], dtype=np.float64).reshape(shape)
    except OverflowError:
        return np.array([float(v) for v in flat], dtype=np.float64).reshape(shape)
    exact = (np.abs(nums) <= 2**53) & (dens <= 2**53)
    out = np.empty(len(flat), dtype=np.float64)
    np.divide(nums.astype(np.float64), dens.astype(np.float64), out=out)
    for i in np.flatnonzero(~exact):
        out[i] = float(flat[i])
    return out.reshape(shape)


def float_start(problem: Problem) -> dict:
    """The start rounded to float64: X, weights, means, full covariances and exact inverses rounded."""
    X = float_points(problem.points)
    weights = np.array([float(c.weight) for c in problem.components])
    means = np.array([[float(v) for v in c.mean] for c in problem.components])
    covs = np.array([[[float(v) for v in row] for row in c.covariance] for c in problem.components])
    precisions = np.array([[[float(v) for v in row] for row in linalg.inverse(c.covariance)]
                           for c in problem.components])
    return {"X": X, "weights": weights, "means": means, "covariances": covs, "precisions": precisions}


def sklearn_precisions(problem: Problem, cov_type: str) -> np.ndarray:
    """``precisions_init`` in scikit-learn's shape for ``cov_type``: exact inverses rounded to float64."""
    comps = problem.components
    if cov_type == "full":
        return np.array([[[float(v) for v in row] for row in linalg.inverse(c.covariance)] for c in comps])
    if cov_type == "tied":
        return np.array([[float(v) for v in row] for row in linalg.inverse(comps[0].covariance)])
    if cov_type == "diag":
        return np.array([[float(1 / c.covariance[i][i]) for i in range(problem.d)] for c in comps])
    return np.array([float(1 / c.covariance[0][0]) for c in comps])


# --- scikit-learn ---------------------------------------------------------------------------------

def _sklearn():
    try:
        import sklearn  # noqa: PLC0415
        from sklearn.mixture import GaussianMixture  # noqa: PLC0415
    except ImportError:
        raise InputError(None, "--with", "scikit-learn is not installed",
                         'pip install scikit-learn (or pip install "gmmexact[test]")') from None
    return sklearn, GaussianMixture


def sklearn_estimator(problem: Problem, iterations: int, reg_covar: float, cov_type: str, start: dict | None = None):
    """``GaussianMixture`` from the problem's start: max_iter = N, n_init = 1, tol = 0 (never converges early)."""
    _, GaussianMixture = _sklearn()
    start = start or float_start(problem)
    return GaussianMixture(n_components=problem.K, covariance_type=cov_type, tol=0.0, reg_covar=reg_covar,
                           max_iter=iterations, n_init=1, init_params="random_from_data", random_state=0,
                           weights_init=start["weights"], means_init=start["means"],
                           precisions_init=sklearn_precisions(problem, cov_type))


def parameters_reported(t: int, names, cov_type: str, gm, d: int, K: int, floats: dict) -> list:
    """An estimator's ``weights_``, ``means_`` and ``covariances_`` after iteration ``t``, as reported
    values; the covariances as full matrices go into ``floats`` too."""
    out = []
    for c, name in enumerate(names):
        out.append(Reported(Key(t, "weight", None, name), float(gm.weights_[c]), f"weights_[{c}]"))
        for i in range(d):
            out.append(Reported(Key(t, "mean", None, name, (i,)), float(gm.means_[c, i]), f"means_[{c}, {i}]"))
    out += _cov_reported(t, names, cov_type, gm.covariances_, d)
    pre = "" if t == 1 else f"iter{t}."
    for c, mat in enumerate(_full_matrices(cov_type, gm.covariances_, K, d)):
        floats[f"{pre}cov.{names[c]}"] = mat
    return out


def _cov_reported(t: int, names, cov_type: str, cov, d: int, attr: str = "covariances_"):
    pre = "" if t == 1 else f"iter{t}."
    out = []
    for c, name in enumerate(names):
        for i in range(d):
            for j in range(d):
                if cov_type == "full":
                    v, where = cov[c][i][j], f"[{c}, {i}, {j}]"
                elif cov_type == "tied":
                    v, where = cov[i][j], f"[{i}, {j}]"
                elif cov_type == "diag":
                    if i != j:
                        continue
                    v, where = cov[c][i], f"[{c}, {i}]"
                else:
                    if i != j or i > 0:
                        continue
                    v, where = cov[c], f"[{c}]"
                out.append(Reported(Key.parse(f"{pre}cov.{name}[{i}][{j}]"), float(v), f"{attr}{where}"))
    return out


def _full_matrices(cov_type: str, cov, K: int, d: int) -> list:
    if cov_type == "full":
        return [np.array(cov[c]) for c in range(K)]
    if cov_type == "tied":
        return [np.array(cov)] * K
    if cov_type == "diag":
        return [np.diag(cov[c]) for c in range(K)]
    return [np.eye(d) * cov[c] for c in range(K)]


def run_sklearn(problem: Problem, iterations: int, *, reg_covar: float, cov_type: str, final_estep: bool = True,
                responsibilities: bool = True, fitted_estimator=None) -> PeerResult:
    """Run scikit-learn's EM from the problem's start, one iteration at a time, and report everything.

    The iterations are those of ``GaussianMixture.fit`` (its own ``_e_step`` and ``_m_step`` on the same
    estimator, exactly as ``fit`` calls them), so the responsibilities and log-likelihood of every E-step
    are seen; a plain ``fit()`` is run as well and must give the same parameters bit for bit. A user's
    ``fitted_estimator`` whose fitted attributes are those of the stepped iterations bit for bit stands
    for that ``fit()`` (its ``predict_proba`` and ``score`` are then the ones reported).
    """
    sklearn, _ = _sklearn()
    start = float_start(problem)
    gm = sklearn_estimator(problem, iterations, reg_covar, cov_type, start)
    X = start["X"]
    n, d, K = problem.n, problem.d, problem.K
    names = problem.component_names
    reported: list[Reported] = []
    blocks: list[Block] = []
    floats: dict[str, Any] = {}
    failure = None
    settings = {"covariance_type": cov_type, "reg_covar": reg_covar, "iterations": iterations, "tol": 0.0,
                "n_init": 1, "max_iter": iterations, "scikit-learn": sklearn.__version__}
    stepped = hasattr(gm, "_e_step") and hasattr(gm, "_m_step") and hasattr(gm, "_initialize_parameters")
    lower_bounds = []
    t, step = 1, "initialisation"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if not stepped:
                raise AttributeError("private EM steps not available")
            xp = _namespace(X)
            kw = {} if xp is None else {"xp": xp}
            if hasattr(gm, "_check_parameters"):
                gm._check_parameters(X, **kw)
            gm._initialize_parameters(X, np.random.RandomState(0), **kw)
            gm.n_features_in_ = d
            for t in range(1, iterations + 1):
                step = "E-step"
                lb, log_resp = gm._e_step(X)
                lower_bounds.append(float(lb))
                if responsibilities:
                    blocks.append(Block(t, "resp", np.exp(log_resp),
                                        "exp(log_resp)[{p}, {c}]" + ("" if t == 1 else f" (iteration {t})")))
                reported.append(Reported(Key(t, "loglik"), float(lb),
                                         "lower_bound_" if t == iterations else f"lower_bounds_[{t - 1}]", Fraction(1, n)))
                step = "M-step"
                gm._m_step(X, log_resp)
                reported += parameters_reported(t, names, cov_type, gm, d, K, floats)
        except AttributeError:
            stepped = False
        except Exception as e:  # noqa: BLE001  (the peer's failure is a finding)
            failure = PeerFailure(t, step, type(e).__name__, str(e))
    # the public path: fit() must agree bit for bit
    fitted = None
    if (fitted_estimator is not None and stepped and failure is None
            and getattr(fitted_estimator, "n_iter_", None) == iterations and _same_fit(fitted_estimator, gm, lower_bounds)):
        fitted = fitted_estimator  # the user's fit() is the stepped iterations' result: no second fit
        settings["fit() identical to the stepped iterations"] = True
        settings["fit()"] = "the user's fitted estimator"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit_gm = sklearn_estimator(problem, iterations, reg_covar, cov_type, start)
            try:
                fitted = fit_gm.fit(X)
            except Exception as e:  # noqa: BLE001
                if failure is None:
                    failure = PeerFailure(iterations, "fit", type(e).__name__, str(e))
    if not stepped and fitted is not None:  # report what fit() exposes
        reported, blocks = [], []
        reported.append(Reported(Key(iterations, "loglik"), float(fitted.lower_bound_), "lower_bound_", Fraction(1, n)))
        reported += parameters_reported(iterations, names, cov_type, fitted, d, K, floats)
    if fitted is not None and stepped and failure is None:
        settings["fit() identical to the stepped iterations"] = _same_fit(fitted, gm, lower_bounds)
    unmatched = []
    if fitted is not None and final_estep:
        t = iterations + 1
        proba = fitted.predict_proba(X)
        score = fitted.score(X)
        reported.append(Reported(Key(t, "loglik"), float(score), "score(X)", Fraction(1, n)))
        if responsibilities:
            blocks.append(Block(t, "resp", np.asarray(proba, dtype=np.float64), "predict_proba(X)[{p}, {c}] after fit()"))
    extra = {"float_covariances": floats}
    if fitted is not None:
        extra["fitted"] = {a: np.array(getattr(fitted, a), dtype=np.float64) for a in FITTED_ATTRIBUTES}
    return PeerResult(f"scikit-learn {sklearn.__version__} GaussianMixture(covariance_type={cov_type!r}, "
                      f"reg_covar={reg_covar!r})", tuple(reported), settings, SKLEARN_NOTES, failure,
                      tuple(unmatched), extra, tuple(blocks))


def _same_fit(fitted, stepped, lower_bounds: list) -> bool:
    """Whether a fitted estimator holds the stepped iterations' parameters and lower bound, bit for bit."""
    return bool(np.array_equal(fitted.weights_, stepped.weights_) and np.array_equal(fitted.means_, stepped.means_)
                and np.array_equal(fitted.covariances_, stepped.covariances_)
                and fitted.lower_bound_ == lower_bounds[-1])


FITTED_ATTRIBUTES = ("weights_", "means_", "covariances_", "lower_bound_")
FIT_NOISE = 1e-9  # refit and user's fit differing by more than this (relative, per attribute) are different fits


def fit_differences(user, refit: Mapping) -> dict:
    """Largest relative difference, per fitted attribute, between the user's estimator and the refit.

    Relative to the attribute's largest magnitude (so a tiny entry's rounding does not count as a difference).

    >>> class Fit:
    ...     weights_, means_, covariances_, lower_bound_ = np.array([0.5, 0.5]), np.array([[1.0], [2.0]]), np.ones((2, 1, 1)), -1.0
    >>> refit = {"weights_": np.array([0.5, 0.5]), "means_": np.array([[1.0], [2.5]]), "covariances_": np.ones((2, 1, 1)),
    ...          "lower_bound_": np.array(-1.0)}
    >>> fit_differences(Fit(), refit)
    {'weights_': 0.0, 'means_': 0.2, 'covariances_': 0.0, 'lower_bound_': 0.0}
    """
    out = {}
    for a in FITTED_ATTRIBUTES:
        mine, theirs = np.asarray(getattr(user, a), dtype=np.float64), np.asarray(refit[a], dtype=np.float64)
        if mine.shape != theirs.shape or not (np.isfinite(mine).all() and np.isfinite(theirs).all()):
            out[a] = float("inf") if not np.array_equal(mine, theirs, equal_nan=True) else 0.0
            continue
        scale = max(float(np.abs(mine).max(initial=0.0)), float(np.abs(theirs).max(initial=0.0)))
        out[a] = float(np.abs(mine - theirs).max(initial=0.0) / scale) if scale else 0.0
    return out


def _user_fit(gm, result: PeerResult, iterations: int) -> tuple[PeerResult, tuple[Finding, ...]]:
    """The user's settings in the report, a note on the refit, and a finding when the user's fitted
    attributes are not those of the refit that is certified."""
    user = {"tol": gm.tol, "max_iter": gm.max_iter, "n_iter_": int(gm.n_iter_), "converged_": bool(gm.converged_),
            "warm_start": bool(gm.warm_start)}
    settings = {**result.settings, **{f"user {k}": v for k, v in user.items()}}
    if result.settings.get("fit()") == "the user's fitted estimator":
        note = (f"The certified iterations are scikit-learn's own E- and M-steps, {iterations} of them (the "
                f"estimator's n_iter_), from its means_init, precisions_init and weights_init; the user's fitted "
                f"weights_, means_, covariances_ and lower_bound_ are identical to them bit for bit, so the user's "
                f"estimator is the one reported (its predict_proba and score) and no second fit was run.")
    else:
        note = (f"The certified iterations are a refit: {iterations} EM iteration(s) (the estimator's n_iter_) from "
                f"its means_init, precisions_init and weights_init with tol = 0, compared with the user's fitted "
                f"weights_, means_, covariances_ and lower_bound_ (max_iter = {gm.max_iter}, tol = {gm.tol}"
                f"{', warm_start' if gm.warm_start else ''}).")
    result = replace(result, settings=settings, notes=tuple(result.notes) + (note,))
    refit = result.extra.get("fitted")
    if iterations != int(gm.n_iter_):
        note = (f"iterations = {iterations} was asked for, but the estimator's fit ran n_iter_ = {gm.n_iter_}: "
                f"its fitted attributes are not compared with the refit.")
        return replace(result, notes=tuple(result.notes) + (note,)), ()
    if refit is None:
        return result, ()
    diff = fit_differences(gm, refit)
    off = {a: v for a, v in diff.items() if v > FIT_NOISE}
    if not off:
        return result, ()
    why = (" The estimator has warm_start = True: a second fit() continues from the previous fit's parameters, "
           "not from the *_init ones, and n_iter_ counts only the last fit's iterations." if gm.warm_start else
           " Its fitted parameters do not come from n_iter_ iterations from the *_init parameters (fitted with other "
           "data or settings, or changed after fitting).")
    shown = ", ".join(f"{a} {v:.2g}" for a, v in off.items())
    first = next(iter(off))
    mine, theirs = np.ravel(getattr(gm, first)), np.ravel(refit[first])
    j = int(np.argmax(np.abs(mine - theirs))) if mine.shape == theirs.shape else 0
    example = (f"; e.g. {first}.flat[{j}]: user's {float(mine[j])!r}, refit's {float(theirs[j])!r}"
               if mine.shape == theirs.shape else "")
    return result, (Finding(
        "not-the-users-fit", first,
        f"The certified values are not the user's fitted model: the refit of {iterations} iteration(s) from the "
        f"*_init parameters differs from the estimator's fitted attributes beyond float noise (largest relative "
        f"difference: {shown}{example}).{why} The digits below certify the refit, not the user's fit.",
        digits_lost=16),)


def _namespace(X):
    try:
        from sklearn.utils._array_api import get_namespace  # noqa: PLC0415, PLC2701  (scikit-learn's own namespace helper)
    except ImportError:
        return None
    return get_namespace(X)[0]


# --- a user's function ----------------------------------------------------------------------------

def load_function(spec: str) -> Callable:
    """``module:function`` (or ``module:object.attr``) → the callable.

    Importing runs the module's code: whatever it raises is reported as the reason it cannot be used.
    """
    module_name, _, attr = spec.partition(":")
    module_name, attr = module_name.strip(), attr.strip()
    if not module_name or not attr or not all(part.isidentifier() for part in attr.split(".")):
        raise InputError(None, "--with", f"{_shown(repr(spec))} does not name a module and a function",
                         "module:function, e.g. mypackage.gmm:em_step (or sklearn, or a results file)")
    try:
        obj = importlib.import_module(module_name)
    except ImportError as e:
        raise InputError(None, "--with", f"cannot import module {_shown(repr(module_name))}: {_shown(str(e))}",
                         "module:function with the module importable (on PYTHONPATH)") from None
    except (Exception, SystemExit) as e:  # noqa: BLE001  (the module's own code failed while it was imported)
        raise InputError(None, "--with", f"importing module {_shown(repr(module_name))} raised {_error_text(e)}",
                         "a module that imports without an error") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InputError(None, "--with", f"module {_shown(repr(module_name))} has no {_shown(repr(attr))}",
                             "module:function") from None
        except (Exception, SystemExit) as e:  # noqa: BLE001  (a module __getattr__ or a property raised)
            raise InputError(None, "--with", f"looking up {_shown(repr(attr))} in module {_shown(repr(module_name))} "
                             f"raised {_error_text(e)}", "module:function naming a function") from None
    if not callable(obj):
        raise InputError(None, "--with", f"{_shown(spec)} is not callable", "module:function naming a function")
    return obj


def call_function(f: Callable, problem: Problem, iterations: int, name: str | None = None) -> PeerResult:
    """Call a user's EM implementation once with the float start; its mapping becomes the report.

    Whatever the function raises (``sys.exit`` included) is the peer's failure, a finding; what it prints
    goes to standard error, so that a JSON report on standard output stays JSON. A result that is not
    a mapping of keys of iterations 1 to ``iterations + 1`` to numbers or arrays of the keys' shapes is
    refused (:class:`InputError`, naming the key).
    """
    start = float_start(problem)
    cov_type = getattr(problem, "covariance_type", "full")
    reg = float(getattr(problem, "reg_covar", 0))
    label = name or getattr(f, "__qualname__", None) or repr(f)
    settings = {"iterations": iterations, "covariance_type": cov_type, "reg_covar": reg}
    try:
        with contextlib.redirect_stdout(sys.stderr):
            out = f(start["X"], start["weights"], start["means"], start["covariances"], iterations=iterations,
                    covariance_type=cov_type, reg_covar=reg)
            if isinstance(out, Mapping):
                out = dict(out.items())  # a mapping type's own code runs here, under the same guard
    except (Exception, SystemExit) as e:  # noqa: BLE001  (the peer's failure is a finding)
        return PeerResult(label, (), settings, (), PeerFailure(1, "call", type(e).__name__, _error_text(e, False)))
    if not isinstance(out, Mapping):
        raise InputError(label, None, f"returned {type(out).__name__}",
                         "a mapping of key → array (see gmmexact.crosschecking.peers)")
    out, dtype = _plain_arrays(out)
    settings["dtype"] = dtype or "float64"
    reported = reported_from_mapping(out, problem, label, iterations=iterations)
    if not reported:
        raise InputError(label, None, "returned no values" if not out else "returned only blanks (None)",
                         "a mapping with at least one key → number or array (see gmmexact.crosschecking.peers)")
    return PeerResult(label, tuple(reported), settings, (), None, (), {"float_covariances": _cov_matrices(out, problem)})


FLOAT_TYPES = {  # name: (unit roundoff u, default min_digits: about 5/8 of the digits the type carries)
    "float64": (2.0 ** -53, 10), "float32": (2.0 ** -24, 4), "float16": (2.0 ** -11, 1), "bfloat16": (2.0 ** -8, 1)}
"""The float types a peer may compute in, narrowest detected from what it returns (or ``--peer-dtype``)."""


def float_type_name(value) -> str | None:
    """The float type of an array or tensor (``"float32"``, ``"bfloat16"``, …), ``None`` for other values.

    >>> float_type_name(np.zeros(2, dtype=np.float32)), float_type_name([1.0]), float_type_name(np.zeros(1))
    ('float32', None, 'float64')
    """
    dtype = getattr(value, "dtype", None)
    if dtype is None:
        return None
    name = str(dtype).removeprefix("torch.")
    return name if name in FLOAT_TYPES else None


def _plain_arrays(out: dict) -> tuple[dict, str | None]:
    """A peer's result with tensors (torch, JAX, CuPy: anything with ``.detach``/``.cpu``/``__array__``)
    turned into numpy arrays, their values exact (bfloat16 and float16 widen exactly to float32); and
    the narrowest float type among them."""
    narrowest = None
    converted = {}
    for key, value in out.items():
        name = float_type_name(value)
        if name is not None and (narrowest is None or FLOAT_TYPES[name][0] > FLOAT_TYPES[narrowest][0]):
            narrowest = name
        if not isinstance(value, np.ndarray) and hasattr(value, "detach") and hasattr(value, "cpu"):  # torch
            try:
                t = value.detach().cpu()
                value = (t.float() if name in ("bfloat16", "float16") else t).numpy()
            except Exception:  # noqa: BLE001  (reported as an unreadable value by reported_from_mapping)
                pass
        elif name in ("bfloat16", "float16"):
            try:
                value = np.asarray(value).astype(np.float32)
            except Exception:  # noqa: BLE001
                pass
        converted[key] = value
    return converted, narrowest


def _cov_matrices(values: Mapping, problem: Problem) -> dict:
    out = {}
    for key, value in values.items():
        m = re.match(r"^(iter\d{1,9}\.)?cov(?:\.([^.\[\]]+))?$", str(key))
        if not m or value is None:
            continue
        shape = (problem.d, problem.d) if m[2] else (problem.K, problem.d, problem.d)
        try:
            arr, _ = _numbers(value, shape, "", str(key), "")
        except InputError:
            continue  # reported with its key by reported_from_mapping
        if m[2]:
            out[f"{m[1] or ''}cov.{m[2]}"] = arr
        else:
            for c, name in enumerate(problem.component_names):
                out[f"{m[1] or ''}cov.{name}"] = arr[c]
    return out


# --- mappings of key → array (functions and files) ------------------------------------------------

_KIND_ONLY = re.compile(r"^(?:iter(?P<t>[1-9][0-9]*)\.)?(?P<kind>[a-z]+)$")
_ITERATION = re.compile(r"^iter(?P<t>[0-9]+)\.")
_LARGEST = float(np.finfo(np.float64).max)


def _shown(text: str, at_most: int = 80) -> str:
    """Text from an input, fit for a one-line message: shortened, and quoted when not printable."""
    text = str(text)
    short = text if len(text) <= at_most else text[:at_most] + f"… ({len(text)} characters)"
    return short if short.isprintable() else repr(short)


def _error_text(e: BaseException, with_type: bool = True) -> str:
    """What an exception raised by a user's code says, shortened (its type alone when ``str`` fails)."""
    try:
        message = _shown(str(e), 500)
    except Exception:  # noqa: BLE001  (a user's exception whose __str__ raises)
        message = ""
    return f"{type(e).__name__}: {message}" if with_type else message


class _Overflow:
    """A JSON number literal beyond float64's range (``1e400``, an integer of 400 digits)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def _json_number(text: str) -> float | _Overflow:
    """A JSON number as the nearest float64 (integers too: no integer-string limit applies)."""
    value = float(text)
    return value if not math.isinf(value) else _Overflow(text)


@dataclass(frozen=True)
class _Checked:
    """Values already read as float64 with their blanks (an NPZ member)."""

    values: np.ndarray
    blank: np.ndarray


def _dtype_problem(dtype: np.dtype) -> str | None:
    """Why an array of this dtype is not read as reported floats (None when it is)."""
    if dtype.fields is not None or dtype.subdtype is not None:
        return f"is a structured array (dtype {dtype}), not an array of numbers"
    kind = dtype.kind
    if kind == "b":
        return "is a boolean array (true would be read as 1), not numbers"
    if kind == "O":
        return "holds Python objects, not numbers"
    if kind == "c":
        return f"is a complex array ({dtype.name}), not real numbers"
    if kind in "mM":
        return f"is a date or time array ({dtype.name}), not numbers"
    if kind in "USV":
        return f"is an array of {'strings' if kind != 'V' else 'raw bytes'} ({dtype.str}), not numbers"
    if kind == "f" and dtype.itemsize > 8:
        return (f"is {dtype.name} (long double): its values would be rounded to float64 before the "
                f"comparison, so the reported digits would not be the ones compared")
    if kind not in "fiu":
        return f"has dtype {dtype}, not a number type"
    return None


def _numeric_array(arr: np.ndarray, source: str, field: str) -> tuple[np.ndarray, np.ndarray]:
    """An ndarray as float64 and its blanks: floats of at most 64 bits, integers float64 holds exactly, and
    object arrays entry by entry (``None`` a blank)."""
    if arr.dtype.kind == "O":
        out = np.empty(arr.shape, dtype=np.float64)
        blank = np.zeros(arr.shape, dtype=bool)
        for idx in np.ndindex(*arr.shape):
            v = _float_of(arr[idx], source, f"{field}{list(idx)}")
            if v is None:
                blank[idx], out[idx] = True, np.nan
            else:
                out[idx] = v
        return np.where(blank, np.nan, out), blank
    problem = _dtype_problem(arr.dtype)
    if problem:
        raise InputError(source, field, problem, "float64 numbers (numpy.float64 arrays)")
    if arr.dtype.kind in "iu" and arr.size and (int(arr.max()) > 2**53 or int(arr.min()) < -2**53):
        raise InputError(source, field, "holds integers beyond 2^53, which float64 cannot hold exactly",
                         "float64 numbers (the values as the implementation computed them)")
    return arr.astype(np.float64), np.zeros(arr.shape, dtype=bool)


def _float_of(v, source: str, field: str) -> float | None:
    """One reported number as float64 (``None`` for a blank); anything else is refused, naming the field."""
    if v is None:
        return None
    if isinstance(v, _Overflow):
        raise InputError(source, field, f"{_shown(v.text)} is beyond float64's range (it overflows to infinity)",
                         f"a float64 value, at most {_LARGEST!r} in magnitude (Infinity for an infinite one)")
    if isinstance(v, (bool, np.bool_)):
        raise InputError(source, field, f"is {'true' if v else 'false'}, a boolean", "a number")
    if isinstance(v, np.ndarray) and v.shape == ():
        v = v[()]
        if isinstance(v, np.generic) and _dtype_problem(v.dtype):
            raise InputError(source, field, _dtype_problem(v.dtype), "a float64 number")
    if isinstance(v, np.floating):
        if v.dtype.itemsize > 8:
            raise InputError(source, field, _dtype_problem(v.dtype), "a float64 number")
        return float(v)
    if isinstance(v, float):
        return v
    if isinstance(v, (int, np.integer)):
        v = int(v)
        if abs(v) > 2**53:
            raise InputError(source, field, "is an integer beyond 2^53, which float64 cannot hold exactly",
                             "a float64 value")
        return float(v)
    if isinstance(v, str):
        raise InputError(source, field, f"is the string {_shown(repr(v))}", "a number (not in quotes)")
    if isinstance(v, np.generic):
        raise InputError(source, field, _dtype_problem(v.dtype) or f"is {type(v).__name__}", "a float64 number")
    what = "a JSON object" if isinstance(v, dict) else type(v).__name__
    raise InputError(source, field, f"is {what}", "a number")


def _kind_of(value) -> str:
    """What a value is, in words: ``a number``, ``the string '…'``, ``a JSON object``, ``null``, a type name."""
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "a boolean"
    if isinstance(value, (int, float, np.integer, np.floating, _Overflow)):
        return "a number"
    if isinstance(value, str):
        return f"the string {_shown(repr(value))}"
    return "a JSON object" if isinstance(value, dict) else type(value).__name__


def _outer_shape(value) -> tuple:
    """The shape a nested list (or array) claims along its first entries."""
    shape: list[int] = []
    limit = current().nesting
    while True:
        if isinstance(value, np.ndarray):
            return tuple(shape) + value.shape
        if not isinstance(value, (list, tuple)):
            return tuple(shape)
        if len(shape) >= limit:
            raise exceeded(None, None, "levels of nested lists", len(shape) + 1, "nesting")
        shape.append(len(value))
        if not value:
            return tuple(shape)
        value = value[0]


def _numbers(value, shape: tuple, source: str, field: str, what: str) -> tuple[np.ndarray, np.ndarray]:
    """The values of one key as a float64 array of ``shape`` and where they are blank (``None``, null).

    The shape is checked before anything is converted; ``what`` says what the shape is, for the message.
    """
    if isinstance(value, _Checked):
        return value.values, value.blank
    if not isinstance(value, (list, tuple, np.ndarray, np.generic, int, float, str, _Overflow, dict)) \
            and (hasattr(value, "__array__") or hasattr(value, "__array_interface__")):
        try:
            value = np.asarray(value)
        except Exception as e:  # noqa: BLE001  (an array-like whose conversion fails)
            raise InputError(source, field, f"is {type(value).__name__}, which numpy cannot read as an array "
                             f"({type(e).__name__}: {_shown(str(e))})", "numbers or arrays of numbers") from None
    try:
        got = _outer_shape(value)
    except InputError as e:
        raise InputError(source, field, e.problem, e.expected) from None
    if got != shape:
        if not got and not isinstance(value, np.ndarray):
            try:
                _float_of(value, source, field)
            except InputError as e:  # a string, an object, a boolean: named as what it is
                raise InputError(source, field, e.problem, f"an array of shape {shape} ({what})") from None
        raise InputError(source, field, f"has shape {got}", f"shape {shape} ({what})" if what else f"shape {shape}")
    if isinstance(value, np.ndarray):
        return _numeric_array(value, source, field)
    out = np.empty(shape, dtype=np.float64)
    blank = np.zeros(shape, dtype=bool)
    _fill(value, shape, (), out, blank, source, field)
    return out, blank


def _fill(value, shape: tuple, at: tuple, out: np.ndarray, blank: np.ndarray, source: str, field: str) -> None:
    where = field + "".join(f"[{i}]" for i in at)
    if isinstance(value, np.ndarray) and value.ndim:
        if value.shape != shape:
            raise InputError(source, where, f"has shape {value.shape}", f"shape {shape} (a rectangular array)")
        out[at], blank[at] = _numeric_array(value, source, where)
    elif isinstance(value, (list, tuple)):
        if not shape:
            raise InputError(source, where, "is a list where a number belongs", "a rectangular array of numbers")
        if len(value) != shape[0]:
            raise InputError(source, where, f"has {len(value)} entries where its neighbours have {shape[0]}",
                             "a rectangular array of numbers")
        for i, v in enumerate(value):
            _fill(v, shape[1:], at + (i,), out, blank, source, field)
    elif shape:
        raise InputError(source, where, f"is {_kind_of(value)} where a list of {shape[0]} belongs",
                         "a rectangular array of numbers")
    else:
        v = _float_of(value, source, where)
        if v is None:
            out[at], blank[at] = np.nan, True
        else:
            out[at] = v


def _shape(kind: str, d: int) -> tuple:
    return {"scalar": (), "vector": (d,), "matrix": (d, d)}[KINDS[kind][1]]


@dataclass(frozen=True)
class _Target:
    """What a key of a results mapping stands for: a whole kind of one iteration, or one quantity or entry."""

    shape: tuple
    what: str  # the shape in words, for messages
    iteration: int
    kind: str
    key: Key | None  # None for a whole kind (``mean``, ``iter2.resp``)


def _target(key_text: str, problem: Problem, source: str, iterations: int | None) -> _Target:
    """The key read and checked against the problem, and against the iterations compared (when given):
    iterations 1 to ``iterations + 1`` (the E-step after the last); nothing is computed for a key past them."""
    d, K, n = problem.d, problem.K, problem.n
    if len(key_text) > 2 * current().label_chars + 64:
        raise InputError(source, _shown(key_text, 40), f"is a key of {len(key_text)} characters",
                         "a quantity key such as mean.women or iter2.resp")
    far = _ITERATION.match(key_text)
    if far and len(far["t"]) > 9:
        _beyond(source, key_text, None, iterations)
    m = _KIND_ONLY.match(key_text)
    if m and m["kind"] in KINDS:
        t, kind = int(m["t"] or 1), m["kind"]
        index = KINDS[kind][0]
        shape = {"": (), "c": (K,), "p": (n,), "pc": (n, K)}[index] + _shape(kind, d)
        what = {"": "", "c": f"one per component (K = {K})", "p": f"one per point (n = {n})",
                "pc": f"points × components ({n} × {K})"}[index]
        target = _Target(shape, f"{kind}: {what or 'a scalar'}", t, kind, None)
    else:
        try:
            key = Key.parse(key_text)
        except ValueError as e:
            raise InputError(source, _shown(key_text), f"is not a quantity key ({_shown(str(e))})",
                             f"a key such as mean.{problem.component_names[0]}, cov.{problem.component_names[0]}"
                             f"[0][1], resp, iter2.weight (kinds: {', '.join(KINDS)})") from None
        _check_names(key, problem, source, key_text)
        if key.entry:
            if any(i >= d for i in key.entry):
                raise InputError(source, _shown(key_text), "index out of range", f"indices below d = {d}")
            target = _Target((), "a single number (an entry)", key.iteration, key.kind, key)
        else:
            kind_shape = KINDS[key.kind][1]
            what = "a scalar" if kind_shape == "scalar" else f"a {kind_shape} of d = {d} entries" \
                if kind_shape == "vector" else f"a {d}×{d} matrix"
            target = _Target(_shape(key.kind, d), f"{key.kind} is {what}", key.iteration, key.kind, key)
    if iterations is not None and target.iteration > iterations + 1:
        _beyond(source, key_text, target.iteration, iterations)
    return target


def _beyond(source: str, key_text: str, t: int | None, iterations: int | None) -> None:
    """Refuse a key of iteration ``t`` (``None``: a number of ten digits or more) past the ones compared."""
    compared = iterations or 1
    which = f"iteration {t}" if t is not None else "an iteration of ten digits or more"
    more = (f"--iterations {t - 1} or more (iterations= in Python) to compare iteration {t}" if t is not None
            else "a real iteration number")
    raise InputError(source, _shown(key_text), f"is a value of {which}, beyond the {compared} iteration(s) compared "
                     f"and the E-step after them: nothing is computed for it",
                     f"keys of iterations 1 to {compared + 1}, or {more}")


def reported_from_mapping(values: Mapping, problem: Problem, source: str, *,
                          iterations: int | None = None) -> list[Reported]:
    """Validate a mapping key → array-like into reported entries (``InputError`` naming the key).

    With ``iterations``, a key of an iteration past ``iterations + 1`` is refused before anything is
    computed for it.

    >>> import gmmexact
    >>> p = gmmexact.load("examples/seed/problem.toml")
    >>> [str(r.key) for r in reported_from_mapping({"weight": [0.5, 0.5]}, p, "x.json")]
    ['weight.women', 'weight.men']
    >>> reported_from_mapping({"mean.women": [1, 2, 3]}, p, "x.json")
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: x.json: mean.women: has shape (3,); expected shape (2,) (mean is a vector of d = 2 entries)
    """
    out = []
    for raw_key, value in values.items():
        try:
            key_text = str(raw_key).strip()
        except Exception as e:  # noqa: BLE001  (a key object whose str() fails)
            raise InputError(source, None, f"has a key of type {type(raw_key).__name__} that cannot be read "
                             f"({type(e).__name__})", "string keys") from None
        if value is None:
            continue  # a blank in a template
        target = _target(key_text, problem, source, iterations)
        arr, blank = _numbers(value, target.shape, source, _shown(key_text), target.what)
        t, kind, key = target.iteration, target.kind, target.key
        if key is None:
            index = KINDS[kind][0]
            for idx in np.ndindex(*target.shape):
                if blank[idx]:
                    continue
                pos = list(idx)
                point = problem.labels[pos.pop(0)] if "p" in index else None
                comp = problem.component_names[pos.pop(0)] if "c" in index else None
                out.append(Reported(Key(t, kind, point, comp, tuple(pos)), float(arr[idx]),
                                    f"{key_text}{list(idx) if idx else ''}"))
        elif key.entry:
            if not blank[()]:
                out.append(Reported(key, float(arr[()]), key_text))
        else:
            for idx in np.ndindex(*target.shape):
                if not blank[idx]:
                    out.append(Reported(Key(t, kind, key.point, key.component, idx), float(arr[idx]),
                                        key_text + "".join(f"[{i}]" for i in idx)))
    return out


def _check_names(key: Key, problem: Problem, source: str, text: str) -> None:
    if key.point is not None and key.point not in problem.point_index:
        raise InputError(source, _shown(text), f"no point labelled {_shown(repr(key.point))}",
                         f"a label from {', '.join(problem.labels[:8])}{'…' if problem.n > 8 else ''}")
    if key.component is not None and key.component not in problem.component_index:
        raise InputError(source, _shown(text), f"no component named {_shown(repr(key.component))}",
                         f"one of {', '.join(problem.component_names)}")


# --- results files ----------------------------------------------------------------------------------

RESULTS_FORMATS = "a results file (.json, .npz or .csv)"


def read_results(path: str, problem: Problem, *, iterations: int | None = None) -> PeerResult:
    """A results file (JSON, NPZ or CSV) keyed by the engine's vocabulary.

    With ``iterations``, keys of iterations past ``iterations + 1`` are refused. The file is refused
    before it is read when it is larger than ``limits.file_bytes`` or than any results file for this
    problem could be (:func:`largest_results_file`).
    """
    suffix = Path(path).suffix.lower()
    if suffix not in (".json", ".npz", ".csv"):
        raise InputError(path, None, f"has the extension {_shown(repr(suffix or '(none)'))}", RESULTS_FORMATS)
    _check_file(path, problem, iterations)
    if suffix == ".json":
        data = _read_json(path)
    elif suffix == ".npz":
        data = _read_npz(path, problem, iterations)
    else:
        data = _read_csv(path)
    reported = reported_from_mapping(data, problem, path, iterations=iterations)
    if not reported:
        raise InputError(path, None, "holds no values", "at least one key with a value")
    return PeerResult(path, tuple(reported), {"file": path}, (), None, (), {"float_covariances": _cov_matrices(data, problem)})


def largest_results_file(problem: Problem, iterations: int | None) -> int:
    """Bytes no results file for this problem needs: every entry of every kind of iterations 1 to
    ``iterations + 1`` under each of its three names (``mean``, ``mean.women``, ``mean.women[0]``), each
    with room for an NPZ member's headers, plus 1 MiB for comments.

    >>> import gmmexact
    >>> largest_results_file(gmmexact.load("examples/seed/problem.toml"), 1)
    1361200
    """
    n, K, d = problem.n, problem.K, problem.d
    last = (iterations or 1) + 1
    count = {"": 1, "c": K, "p": n, "pc": n * K}
    size = {"scalar": 1, "vector": d, "matrix": d * d}
    entries = sum(count[index] * size[shape] for index, shape, _ in KINDS.values())
    longest = (len(f"iter{last}.") + max(map(len, KINDS)) + max(map(len, problem.labels))
               + max(map(len, problem.component_names)) + 2 + 2 * len(f"[{d - 1}]"))
    return 3 * entries * last * (256 + 2 * longest) + (1 << 20)


def _check_file(path: str, problem: Problem, iterations: int | None) -> None:
    """A regular file of a size a results file for this problem can have (stat only, nothing read)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, None, "file not found", RESULTS_FORMATS) from None
    except (OSError, ValueError) as e:
        raise InputError(path, None, f"cannot be read: {_shown(getattr(e, 'strerror', None) or str(e))}",
                         RESULTS_FORMATS) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(path, None, "is a folder", RESULTS_FORMATS)
    if not stat.S_ISREG(info.st_mode):
        raise InputError(path, None, "is not a regular file (a device, a pipe or a socket)", RESULTS_FORMATS)
    if info.st_size > current().file_bytes:
        raise exceeded(path, None, "bytes", info.st_size, "file_bytes")
    bound = largest_results_file(problem, iterations)
    if info.st_size > bound:
        raise InputError(path, None, f"is {info.st_size} bytes, more than any results file for this problem needs "
                         f"(at most {bound} bytes: every value of iterations 1 to {(iterations or 1) + 1} under each "
                         f"of its names)", "the results of this problem (is it the file for another one?)")


def _read_bytes(path: str) -> bytes:
    limit = current().file_bytes
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise InputError(path, None, f"cannot be read: {_shown(e.strerror or str(e))}", RESULTS_FORMATS) from None
    if len(data) > limit:
        raise exceeded(path, None, "bytes", len(data), "file_bytes")
    return data


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list) -> dict:
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise _DuplicateKey(k)
        seen.add(k)
    return dict(pairs)


def _json_values(text: str | bytes, path: str, field: str | None):
    """JSON read with numbers as float64 (see :func:`_json_number`), ``NaN`` and ``Infinity`` as the
    non-finite values, and a key twice in one object refused."""
    try:
        return json.loads(text, parse_float=_json_number, parse_int=_json_number, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise InputError(path, field, "nests arrays or objects too deeply to be read",
                         f"at most {current().nesting} levels") from None
    except _DuplicateKey as e:
        raise InputError(path, _shown(e.args[0]), "appears twice in one object",
                         "each key once (which value was meant cannot be told)") from None
    except UnicodeDecodeError as e:
        raise InputError(path, None, f"is not UTF-8 text: byte 0x{e.object[e.start]:02x} at byte {e.start} "
                         f"({e.reason})", "UTF-8 (with or without a byte-order mark), or UTF-16 or UTF-32; "
                         "a Latin-1 or Windows-1252 file re-saved as UTF-8") from None
    except json.JSONDecodeError as e:
        where = f"line {e.lineno}, column {e.colno}" if field is None else field
        raise InputError(path, where, f"is not valid JSON: {e.msg}",
                         "a JSON object key → number or nested lists" if field is None
                         else 'a number or a list such as "[1.5, 2]"') from None


def _read_json(path: str) -> dict:
    data = _json_values(_read_bytes(path), path, None)
    if not isinstance(data, dict):
        raise InputError(path, None, f"is a JSON {_json_type(data)}", "a JSON object key → number or nested lists")
    return {k: v for k, v in data.items() if not k.startswith("_")}  # _comment, _about


def _json_type(v) -> str:
    return {list: "array", float: "number", str: "string", _Overflow: "number"}.get(type(v), "null" if v is None else
                                                                                  "boolean" if isinstance(v, bool) else
                                                                                  type(v).__name__)


_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?")
_NONFINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def csv_number(text: str, path: str, field: str) -> float:
    """A CSV value as float64: a decimal rounded to the nearest float64, a C99/``float.hex`` hexadecimal
    float read exactly, or ``nan``, ``inf``, ``-inf`` (any case, also ``infinity``).

    >>> csv_number("0x1.8p-3", "r.csv", "loglik"), csv_number("-Inf", "r.csv", "loglik")
    (0.1875, -inf)
    >>> csv_number("1e400", "r.csv", "loglik")
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: r.csv: loglik: 1e400 is beyond float64's range (it overflows to infinity); expected a float64 value, at most 1.7976931348623157e+308 in magnitude (inf for an infinite one)
    """
    if _NONFINITE.fullmatch(text):
        return float(text)
    try:
        if _DECIMAL.fullmatch(text):
            value = float(text)
        elif _HEX.fullmatch(text):
            value = float.fromhex(text)
        else:
            raise InputError(path, field, f"{_shown(repr(text))} is not a number",
                             "a decimal (1.5, -2e-3), a hexadecimal float (0x1.8p-3), nan, inf or -inf")
    except OverflowError:
        value = math.inf
    if math.isinf(value):
        raise InputError(path, field, f"{_shown(text)} is beyond float64's range (it overflows to infinity)",
                         f"a float64 value, at most {_LARGEST!r} in magnitude (inf for an infinite one)")
    return value


def _text(data: bytes, path: str) -> str:
    """Bytes of a text file as text: UTF-8 (a byte-order mark allowed), or UTF-16 or UTF-32 with theirs."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        name = encoding.upper().replace("-SIG", "")
        raise InputError(path, f"line {line}", f"is not {name} text: byte 0x{data[e.start]:02x} "
                         f"({e.reason})", "a UTF-8 file (a Latin-1 or Windows-1252 file re-saved as UTF-8)") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(path, f"line {line}", "holds a NUL character",
                         "text (a UTF-16 file needs its byte-order mark)")
    return text


def _read_csv(path: str) -> dict:
    """``key,value`` rows; a value ``[…]`` is a JSON array. A key given two values is refused."""
    text = _text(_read_bytes(path), path)
    data: dict = {}
    where: dict = {}
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, len(text) + 1))  # the file's size is bounded already
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        for row in rows:
            line = rows.line_num
            if not row or not row[0].strip() and len(row) == 1 or row[0].strip().startswith("#"):
                continue
            key = row[0].strip()
            if line == 1 and key.lower() == "key":
                continue
            field = f"line {line} ({_shown(key, 40)})"
            if len(row) < 2:
                raise InputError(path, field, "has 1 field", 'key,value (a vector quoted: mean.a,"[1.5, 2]")')
            if any(extra.strip() for extra in row[2:]):
                raise InputError(path, field, f"has {len(row)} fields",
                                 'key,value (a vector or matrix in quotes: mean.a,"[1.5, 2]")')
            value = row[1].strip()
            if not value:
                continue  # a blank of the template
            if key in where:
                raise InputError(path, field, f"gives {_shown(key)} a second value (line {where[key]} gave the first)",
                                 "each key once (which value was meant cannot be told)")
            where[key] = line
            data[key] = (_json_values(value, path, field) if value.startswith("[")
                         else csv_number(value, path, field))
    except csv.Error as e:
        raise InputError(path, f"line {rows.line_num}", f"is not valid CSV: {e}", "key,value rows") from None
    finally:
        csv.field_size_limit(before)
    return data


NPZ_BLANK = "_blank."  # an NPZ template marks its blanks: "_blank.<key>" is True where "<key>" holds no value yet
NPZ_OUTPUT = "numpy.savez(path, key=array, …) output"


def _read_npz(path: str, problem: Problem, iterations: int | None) -> dict:
    """An NPZ archive as key → values, read without pickle and without trusting its sizes.

    Every member's .npy header (dtype, shape) is read and checked against the problem, and its
    uncompressed size in the zip directory against what that header needs, before any data is
    decompressed; then exactly that many bytes are read. Members whose name starts with ``_`` are never
    read, except a template's boolean mask ``_blank.<key>``: a NaN where it is true is a blank.
    """
    with open(path, "rb") as f:
        head = f.read(6)
    if head == b"\x93NUMPY":
        raise InputError(path, None, "is a single .npy array, not an NPZ archive", NPZ_OUTPUT)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
        problem_text = "not a zip file" if not zipfile.is_zipfile(path) else f"a damaged zip file: {_shown(str(e))}"
        raise InputError(path, None, f"is not an NPZ archive ({problem_text})", NPZ_OUTPUT) from None
    with archive:
        members = _npz_members(archive, path)
        data = {}
        for key, info in members.items():
            if key.startswith("_"):
                continue
            target = _target(key, problem, path, iterations)
            values = _npz_member(archive, info, key, target, path)
            blank = np.zeros(target.shape, dtype=bool)
            mask = members.get(NPZ_BLANK + key)
            if mask is not None:
                marked = _npz_member(archive, mask, NPZ_BLANK + key, target, path, mask=True)
                blank = marked & np.isnan(values)  # a NaN where the template left a blank: still blank
            if not blank.all():
                data[key] = _Checked(values, blank)
    return data


def _npz_members(archive: zipfile.ZipFile, path: str) -> dict:
    members = {}
    for info in archive.infolist():
        name = info.filename
        if not name.endswith(".npy") or info.is_dir():
            raise InputError(path, _shown(name), "is not a .npy array (numpy.savez names each member key.npy)",
                             NPZ_OUTPUT)
        key = name[:-4]
        if key in members:
            raise InputError(path, _shown(key), "is in the archive twice", "each key once")
        if info.flag_bits & 0x1:
            raise InputError(path, _shown(key), "is encrypted", "an unencrypted archive (numpy.savez output)")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise InputError(path, _shown(key), f"is compressed with zip method {info.compress_type}",
                             "stored or deflated members (numpy.savez or numpy.savez_compressed output)")
        members[key] = info
    return members


def _npz_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, target: _Target, path: str,
                mask: bool = False) -> np.ndarray:
    """One member read as float64 (or, for a mask, bool), its header checked before its data is read."""
    field, shape = _shown(key), target.shape
    expected = (f"a boolean array of shape {shape} (the template's blanks)" if mask
                else f"shape {shape} ({target.what})")
    readable = (ValueError, TypeError, SyntaxError, OverflowError, KeyError, EOFError, OSError,
                zipfile.BadZipFile, zlib.error, RecursionError)
    try:
        with archive.open(info) as f:
            try:
                version = npformat.read_magic(f)
            except ValueError:
                f.seek(0)
                start = f.read(4)
                what = ", a zip archive inside the archive" if start.startswith(b"PK") else ""
                raise InputError(path, field, f"is not a .npy array (it starts with {start!r}{what})",
                                 NPZ_OUTPUT) from None
            if version == (1, 0):
                got, fortran, dtype = npformat.read_array_header_1_0(f)
            elif version == (2, 0):
                got, fortran, dtype = npformat.read_array_header_2_0(f)
            else:
                raise InputError(path, field, f"is a .npy array of format version {version[0]}.{version[1]}",
                                 "format 1.0 or 2.0 (numpy.savez of numeric arrays)")
            header = f.tell()
            if mask:
                if dtype.kind != "b" or dtype.fields is not None or got != shape:
                    raise InputError(path, field, f"is a {dtype} array of shape {got}", expected)
            else:
                problem = _dtype_problem(dtype)
                if problem:
                    raise InputError(path, field, problem, "float64 numbers (numpy.float64 arrays)")
                if got != shape:
                    raise InputError(path, field, f"has shape {got}", expected)
            size = math.prod(shape) * dtype.itemsize
            if info.file_size != header + size:
                raise InputError(path, field, f"declares {info.file_size} bytes uncompressed in the zip directory, "
                                 f"but its header ({dtype}, shape {got}) needs {header + size}",
                                 "an undamaged numpy.savez archive")
            raw = f.read(size)
    except InputError:
        raise
    except readable as e:
        raise InputError(path, field, f"cannot be read: {type(e).__name__}: {_shown(str(e))}",
                         "an undamaged numpy.savez archive") from None
    if len(raw) != size:
        raise InputError(path, field, f"is truncated: {len(raw)} of {size} bytes", "an undamaged numpy.savez archive")
    arr = np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    if mask:
        return arr.astype(bool)
    values, _ = _numeric_array(arr, path, field)
    return values


def template(run: Run, path: str) -> str | bytes:
    """A results file listing every key of the run's M-steps, responsibilities and log-likelihoods, blank.

    JSON and CSV templates are text with one key per quantity (nulls, empty values); an NPZ template
    (bytes) holds one NaN array per kind and iteration (``resp`` n × K, ``mean`` K × d, …) with a mask
    ``_blank.<key>``: a NaN left where the mask is True is a blank, any other NaN a reported NaN.

    >>> import gmmexact, io
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> z = np.load(io.BytesIO(template(run, "t.npz")))
    >>> [(k, z[k].shape) for k in z.files if not k.startswith("_")]
    [('resp', (6, 2)), ('loglik', ()), ('count', (2,)), ('weight', (2,)), ('mean', (2, 2)), ('cov', (2, 2, 2))]
    """
    keys = [k for k in run.keys() if k.kind in ("resp", "loglik", "count", "weight", "mean", "cov")]
    suffix = Path(path).suffix.lower()
    d = run.problem.d
    if suffix == ".npz":
        arrays = {"_about": np.array("float results keyed by gmmexact's vocabulary: replace each array's NaN with "
                                     "your values (numpy.savez), leave NaN what you do not compute; _blank.<key> "
                                     "marks the template's blanks; see gmmexact.crosschecking.peers")}
        index_shape = {"": (), "c": (run.problem.K,), "p": (run.problem.n,), "pc": (run.problem.n, run.problem.K)}
        for k in keys:
            name = f"{'' if k.iteration == 1 else f'iter{k.iteration}.'}{k.kind}"
            if name not in arrays:
                shape = index_shape[KINDS[k.kind][0]] + _shape(k.kind, d)
                arrays[name] = np.full(shape, np.nan)
                arrays[NPZ_BLANK + name] = np.ones(shape, dtype=bool)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()
    if suffix == ".json":
        doc = {"_about": "float results keyed by gmmexact's vocabulary; fill in numbers (vectors and matrices as "
                         "lists), leave null what you do not compute; see gmmexact.crosschecking.peers"}
        for k in keys:
            doc[str(k)] = None if k.shape == "scalar" else [None] * d if k.shape == "vector" else [[None] * d] * d
        return json.dumps(doc, indent=1) + "\n"
    if suffix == ".csv":  # the csv module quotes a key whose names hold a comma or a quote
        from ..engine.lookup import entry_keys  # noqa: PLC0415

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["key", "value"])
        for k in keys:
            writer.writerows([str(e), ""] for e in ([k] if k.shape == "scalar" else entry_keys(k, d)))
        return out.getvalue()
    raise InputError(None, "--template", f"{path!r} has the extension {suffix or '(none)'!r}",
                     "a .json, .csv or .npz file name")


# --- one entry point for the API and the CLI ------------------------------------------------------

def _problem_from(start, X, source="<crosscheck>") -> Problem:
    if isinstance(start, Problem):
        return start
    if isinstance(start, (str, Path)):
        return load(start)
    raise InputError(None, "start", f"is {type(start).__name__}", "a gmmexact.Problem or the path of a problem TOML file")


def _exact(v) -> Fraction:
    """A number of ``X`` or of an estimator's ``*_init`` as the exact rational it is (floats of any width
    as their binary value)."""
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            raise InputError(None, "X", f"holds {v!r}", "finite numbers")
        return Fraction(*v.as_integer_ratio())
    return Fraction(v)


def replays_its_start(gm) -> bool:
    """A fitted ``GaussianMixture`` without ``*_init`` parameters: its start must be replayed."""
    return hasattr(gm, "n_iter_") and (gm.means_init is None or gm.precisions_init is None
                                       or gm.weights_init is None)


def _from_fitted(gm, iterations: int):
    """An unfitted clone of a fitted estimator whose ``*_init`` are its fitted parameters (``precisions_``,
    as a warm start uses them): the iterations after the fit, when the fit itself cannot be replayed."""
    if not hasattr(gm, "n_iter_"):
        raise InputError(None, "start", '"fitted" was given for an estimator that is not fitted',
                         "a GaussianMixture after fit(X)")
    from sklearn.base import clone  # noqa: PLC0415

    g = clone(gm)
    g.set_params(weights_init=np.array(gm.weights_), means_init=np.array(gm.means_),
                 precisions_init=np.array(gm.precisions_), warm_start=False, n_init=1, max_iter=iterations, tol=0.0)
    return g


def problem_from_estimator(gm, X) -> Problem:
    """The exact problem behind an estimator's start: ``X`` and ``*_init`` read as the exact binary values."""
    if X is None:
        raise InputError(None, "X", "is missing", "the data the estimator is fitted to")
    if gm.means_init is None or gm.precisions_init is None or gm.weights_init is None:
        raise InputError(None, "estimator", "has no means_init, precisions_init and weights_init",
                         "a GaussianMixture built with all three (the start the exact EM iterations take)")
    cov_type = gm.covariance_type
    K = gm.n_components
    arr = np.asarray(X)
    floats = arr.dtype.kind == "f" and arr.ndim == 2 and arr.dtype.itemsize <= 8
    if floats:  # float64 (or narrower) values: their exact binary values, kept as the array
        if not np.isfinite(arr).all():
            raise InputError(None, "X", "holds NaN or Inf", "finite numbers")
    else:
        X = [[_exact(v) for v in row] for row in np.asarray(X, dtype=object)]
    if not arr.size if floats else (not len(X) or not len(X[0])):
        raise InputError(None, "X", "is empty", "an n × d array of data points")
    d = arr.shape[1] if floats else len(X[0])
    prec = np.asarray(gm.precisions_init, dtype=np.float64)
    covs = []
    for c in range(K):
        if cov_type == "full":
            P = prec[c]
        elif cov_type == "tied":
            P = prec
        elif cov_type == "diag":
            P = np.diag(prec[c])
        else:
            P = np.eye(d) * prec[c]
        covs.append(linalg.inverse([[Fraction(float(v)) for v in row] for row in P]))
    weights = [Fraction(float(w)) for w in gm.weights_init]
    means = [[Fraction(float(v)) for v in m] for m in gm.means_init]
    if floats:  # validated above: the components from one point, then all the points as the array
        points = FloatPoints(arr)
        problem = Problem.from_arrays(points[:1], means, covs, weights, normalize_weights=True, source="<estimator>")
        problem = replace(problem, points=points, labels=tuple(f"x{i + 1}" for i in range(len(points))))
    else:
        problem = Problem.from_arrays(X, means, covs, weights, normalize_weights=True, source="<estimator>")
    return prepare(problem, covariance_type=cov_type)


DEFAULT_MIN_DIGITS = 10
FAST_SIZE = 20_000  # n·K from which method="auto" takes the fast path


def _certify(problem: Problem, result: PeerResult, iterations: int, min_digits: int, method: str) -> CrossCheck:
    """Exact layer and arb balls (``method="exact"``), or numpy with rigorous bounds (``"fast"``);
    ``"auto"`` takes the fast path for n·K >= FAST_SIZE when the data allow it."""
    from . import fast  # noqa: PLC0415

    if method not in METHODS:
        raise InputError(None, "method", f"is {method!r}", '"auto", "exact", "fast", "float64" or "longdouble"')
    tier = {"float64": "float64", "longdouble": "longdouble"}.get(method, "auto")
    if method in ("float64", "longdouble"):
        method = "fast"
    needed = max([r.key.iteration for r in result.reported] + [b.iteration for b in result.blocks] + [iterations])
    # the fast bounds widen by a digit or two per iteration: auto keeps them for any number of iterations
    # as long as they are narrow enough to certify min_digits wherever the peer falls short (below)
    large = problem.n * problem.K >= FAST_SIZE
    use_fast = method == "fast" or (method == "auto" and large)
    kinds_ok = all(r.key.kind in fast.FAST_KINDS for r in result.reported)
    reason = None
    if use_fast and kinds_ok:
        with fast.steady_memory():
            data = fast.FastData.of(problem.points)
            got = None if isinstance(data, str) else fast.crosscheck_fast(problem, result, min_digits=min_digits,
                                                                          iterations=iterations, data=data, tier=tier)
        if got is not None:
            bounded = fast.bounded(got.entries)
            short = len(got.peer.unmatched) > len(result.unmatched)  # iterations the fast path could not enclose
            wide = _too_wide(got)
            if method == "fast" or (bounded.all() and not short and not wide):
                return got  # auto: values the fast bounds cannot hold go to the exact path
            reason = (f"{int((~bounded).sum())} value(s) could not be bounded by the fast path" if not bounded.all()
                      else "it could not enclose every iteration (a covariance enclosure not invertible, or its "
                      "inverse beyond float64's range)" if short else
                      f"its enclosures of {wide} are too wide to certify {min_digits} digits")
        else:
            reason = f"the data cannot take it: {data}" + (FLOAT_DATA if "64-bit" in data else "")
        if method == "fast":
            raise InputError(problem.source, "data.points", f"cannot take the fast path: {data}", "method='exact'")
    elif method == "auto" and large:
        reason = "the peer reports kinds of values it does not bound"
    _afford(problem, needed)
    if reason is None:
        return crosscheck_run(solve(problem, needed), result, min_digits=min_digits)
    note = fallback_note(problem, reason)
    warnings.warn(note, ExactPathWarning, stacklevel=3)
    report = crosscheck_run(solve(problem, needed), result, min_digits=min_digits)
    return replace(report, findings=tuple(report.findings) + (Finding("method", "exact path", note),))


def _too_wide(check: CrossCheck) -> str | None:
    """The first value below ``min_digits`` whose fast enclosure is itself too wide to hold ``min_digits``
    (its relative width above 10^-min_digits): then the fast path cannot tell, and the exact one must."""
    e = check.entries
    for i in check.failing:
        lo, hi = float(e.exact_lo[i]), float(e.exact_hi[i])
        size = max(abs(lo), abs(hi))
        if size > 0 and (hi - lo) > size * 10.0 ** -check.min_digits:
            return str(e.keys[i])
    return None


def _afford(problem: Problem, iterations: int) -> None:
    """Refuse, before solving, exact iterations estimated past the cost limits (lifted by ``--force``)."""
    require_affordable(estimate_solve(problem, iterations, 17, forms=False))


FLOAT_DATA = (" (the fast path takes points that are multiples of one 1/D with D <= 2^40, e.g. integers or decimals "
              "given exactly as strings, Decimal or Fraction, and points that are all float64 values below 2^28 in "
              "magnitude, e.g. numpy arrays of floats; exact rationals such as 1/3 next to binary fractions with "
              "large denominators are neither)")
EXACT_COST = (5e-4, 0.010)  # measured exact-path cost per point and component: seconds, MB (see bench/README.md)


class ExactPathWarning(UserWarning):
    """``method="auto"`` fell back from the fast path to the (much slower) exact path."""


def fallback_note(problem: Problem, reason: str) -> str:
    """Why ``method="auto"`` takes the exact path for a large problem, and what that is expected to cost.

    >>> p = Problem.from_arrays([[0], [1], [2]], [[0], [2]], [[[1]], [[1]]], [Fraction(1, 2)] * 2)
    >>> print(fallback_note(p, "the data cannot take it"))
    method="auto" took the exact path instead of the fast one: the data cannot take it. Expected cost of the exact path: about 0.0 s and 0 MB (measured about 0.5 ms and 10 kB per point and component: 15.5 s and 415 MB for n = 20000, d = 2, K = 2; 189 s and 2.7 GB for n = 100000, d = 5, K = 4), against well under a second on the fast path.
    """
    nk = problem.n * problem.K
    return (f'method="auto" took the exact path instead of the fast one: {reason}. Expected cost of the exact '
            f"path: about {nk * EXACT_COST[0]:.1f} s and {nk * EXACT_COST[1]:.0f} MB (measured about 0.5 ms and 10 kB "
            f"per point and component: 15.5 s and 415 MB for n = 20000, d = 2, K = 2; 189 s and 2.7 GB for "
            f"n = 100000, d = 5, K = 4), against well under a second on the fast path.")


METHODS = ("auto", "exact", "fast", "float64", "longdouble")


def crosscheck(peer, X=None, start=None, *, iterations=None, min_digits: int | None = None, covariance_type=None,
               reg_covar=None, method: str = "auto", peer_dtype: str | None = None) -> CrossCheck:
    """Cross-check a float GMM implementation against the exact EM iterations, digit by digit.

    Parameters
    ----------
    peer
        ``"sklearn"``, a fitted or unfitted ``sklearn.mixture.GaussianMixture`` (its ``means_init``,
        ``precisions_init``, ``weights_init``, ``covariance_type``, ``reg_covar`` and ``max_iter`` define
        the start and the model), a Python callable (see :func:`gmmexact.crosschecking.peers.call_function`),
        ``"module:function"``, or the path of a results file (JSON, NPZ, CSV).
    X
        The data (n × d array-like of exact numbers: ints, ``Fraction``, ``Decimal``, strings; floats are
        read as the exact binary values they are). Not needed when ``start`` is a ``Problem``.
    start
        A :class:`gmmexact.Problem` (or a path to a problem TOML file) holding the data and the initial
        parameters; or ``None`` to take the start from the estimator's ``*_init`` parameters (a fitted
        estimator without them: its own start, replayed); or ``"fitted"``: ``iterations`` (default 1)
        more iterations from a fitted estimator's parameters, for a fit that cannot be replayed.
    iterations
        EM iterations (default: a fitted estimator's ``n_iter_``, an unfitted one's ``max_iter``, else 1).
    min_digits
        The correct significant digits every value must have for the cross-check to pass (default 10; for
        a whole fit, by the float type of its parameters: float64 10, float32 4, float16 1).
    covariance_type, reg_covar
        Overrides of the problem's (or the estimator's) model, passed to
        :func:`gmmexact.crosschecking.peers.prepare`; ``reg_covar`` is read exactly (``"1e-6"`` is 1/10⁶).
    peer_dtype
        The float type the peer computes in (``"float32"``, …; default: detected from the arrays it
        returns, float64 for files and scikit-learn on float64 data). It sets the default ``min_digits``.
    method
        ``"exact"`` (the exact layer and arb balls, every diagnosis), ``"fast"`` (rigorous bounds over
        whole arrays, for large n: tier 1 in float64 where its bounds decide every value against
        ``min_digits``, else numpy longdouble, about 10^4 times tighter), ``"float64"`` or
        ``"longdouble"`` (one of the two fast tiers, forced) or ``"auto"`` (the default: fast from
        n·K = 20000, when the data allow it).

    Returns
    -------
    CrossCheck or FitCheck
        Per-entry certified errors and correct digits, findings; displays itself in Jupyter. A fitted
        estimator without ``*_init`` (the usual ``GaussianMixture(K, random_state=0).fit(X)``) is
        replayed from its own start and certified iteration by iteration to convergence: a
        :class:`gmmexact.crosschecking.fitcheck.FitCheck`.

    Examples
    --------
    >>> import gmmexact
    >>> problem = gmmexact.load("examples/seed/problem.toml")
    >>> def em_step(X, weights, means, covariances, **kw):
    ...     return {"mean.women": [162.5, 57.5]}
    >>> report = crosscheck(em_step, start=problem)
    >>> report.passed, report.quantity(0)["correct_digits"], report.quantity(0)["exact"]
    (False, 1, '165.000')
    """
    is_estimator = hasattr(peer, "fit") and hasattr(peer, "covariance_type")
    if is_estimator and isinstance(start, str) and start == "fitted":
        peer, start = _from_fitted(peer, iterations or 1), None  # the iterations after the fit, from its parameters
    if is_estimator and start is None and replays_its_start(peer):
        raise InputError(None, "estimator", "is fitted without *_init parameters: its start is replayed by "
                         "gmmexact.crosscheck (crosschecking.fitcheck.certify_fit), not here",
                         "gmmexact.crosscheck(gm, X)")
    if peer_dtype is not None and peer_dtype not in FLOAT_TYPES:
        raise InputError(None, "peer_dtype", f"is {peer_dtype!r}", f"one of {', '.join(FLOAT_TYPES)}")
    asked = min_digits
    min_digits = (DEFAULT_MIN_DIGITS if peer_dtype is None else FLOAT_TYPES[peer_dtype][1]) if asked is None else asked
    if is_estimator:
        problem = problem_from_estimator(peer, X) if start is None else _problem_from(start, X)
        cov_type = covariance_type or peer.covariance_type
        reg = Fraction(Decimal(repr(float(peer.reg_covar)))) if reg_covar is None else Fraction(reg_covar)
        fitted = hasattr(peer, "n_iter_") and hasattr(peer, "weights_")
        iterations = iterations or (int(peer.n_iter_) if fitted else peer.max_iter)
        problem = prepare(problem, covariance_type=cov_type, reg_covar=reg, count_offset=SKLEARN_OFFSET)
        result = run_sklearn(problem, iterations, reg_covar=float(peer.reg_covar if reg_covar is None else reg_covar),
                             cov_type=cov_type, fitted_estimator=peer if fitted and start is None else None)
        extra_findings = ()
        if fitted:
            result, extra_findings = _user_fit(peer, result, iterations)
        report = _certify(problem, result, iterations + 1, min_digits, method)
        return replace(report, findings=tuple(extra_findings) + tuple(report.findings)) if extra_findings else report
    problem = _problem_from(start, X)
    iterations = iterations or 1
    if isinstance(peer, str) and peer == "sklearn":
        if problem.fixed:
            raise InputError(problem.source, "fixed", f"holds {', '.join(sorted(problem.fixed))} fixed, which "
                             "scikit-learn's GaussianMixture cannot do", "no fixed parameters with --with sklearn")
        cov_type = covariance_type or getattr(problem, "covariance_type", "full")
        reg = SKLEARN_REG if reg_covar is None else Fraction(reg_covar)
        problem = prepare(problem, covariance_type=cov_type, reg_covar=reg, count_offset=SKLEARN_OFFSET)
        result = run_sklearn(problem, iterations, reg_covar=float(reg), cov_type=cov_type)
        return _certify(problem, result, iterations + 1, min_digits, method)
    problem = prepare(problem, covariance_type=covariance_type, reg_covar=reg_covar)
    if callable(peer):
        result = call_function(peer, problem, iterations)
    elif isinstance(peer, str) and ":" in peer and not os.path.exists(peer):
        result = call_function(load_function(peer), problem, iterations, peer)
    elif isinstance(peer, (str, Path)):
        result = read_results(str(peer), problem, iterations=iterations)
    else:
        raise InputError(None, "peer", f"is {type(peer).__name__}",
                         '"sklearn", a GaussianMixture, a callable, "module:function" or a results file path')
    dtype = peer_dtype or result.settings.get("dtype") or "float64"
    if dtype != "float64" or peer_dtype:
        result = replace(result, settings={**result.settings, "dtype": dtype})
        if asked is None:
            min_digits = FLOAT_TYPES[dtype][1]
    return _certify(problem, result, iterations, min_digits, method)
