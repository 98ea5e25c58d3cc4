"""A whole scikit-learn fit, certified iteration by iteration: local and global error, convergence, causes.

:func:`certify_fit` replays a fitted ``GaussianMixture`` (:func:`gmmexact.crosschecking.sklearn_fit.replay_fit`:
its start as scikit-learn made it, k-means or any ``init_params``, and every M-step of the
initialisation it kept), then, for each iteration ``t``:

* the **local error**: iteration ``t`` recomputed exactly from the peer's own float parameters after
  iteration ``t − 1`` (their exact binary values), compared with the peer's parameters after ``t`` and
  its ``lower_bounds_[t − 1]``. This says whether *this* step lost digits, and where;
* the **global error**: the peer's parameters against the exact trajectory from the same start, for
  as long as the enclosure of that trajectory is narrow enough to say more than ``min_digits``;
  where it stops, the report says so and why.

It certifies scikit-learn's convergence decision (``|lower_bound_t − lower_bound_{t−1}| < tol`` at
``n_iter_`` and not before) with the exact lower bounds at the peer's parameters, and the monotonicity
of the log-likelihood along the fit. The first step that lost digits is named as
``iteration / step / quantity / index`` with its cause (cancellation in E[x²] − μ², a near-singular
covariance, regularisation that dominates, underflow), or the report says plainly that none was found.

Every iteration uses the fast path (:func:`gmmexact.crosschecking.fast.iterate`: rigorous enclosures over
whole arrays), so a whole fit costs a few times the fit itself.

>>> import numpy as np
>>> from sklearn.mixture import GaussianMixture
>>> rng = np.random.default_rng(0)
>>> X = np.vstack([rng.normal(0, 1, (200, 2)), rng.normal(5, 1, (200, 2))])
>>> gm = GaussianMixture(2, random_state=0).fit(X)
>>> check = certify_fit(gm, X, progress=False)
>>> check.passed, len(check.iterations) == gm.n_iter_, check.convergence.agrees
(True, True, True)
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from types import SimpleNamespace

import numpy as np

from ..model.errors import InputError
from ..model.keys import Key
from ..model.limits import Estimate
from ..model.problem import Problem
from ..numerics.cost import progress as progress_bar
from .comparison import CrossCheck, PeerResult, Reported
from .fast import FastData, crosscheck_fast
from .peers import FLOAT_TYPES, SKLEARN_NOTES, SKLEARN_OFFSET, FloatPoints, parameters_reported, prepare
from .sklearn_fit import Parameters, ReplayedFit, replay_fit

SECONDS_PER_VALUE = 2.5e-7  # measured fast-path cost per point, component and iteration pair (bench/bench_fit.py)


# --- values --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """A closed interval of exact rationals."""

    lo: Fraction
    hi: Fraction

    def text(self, digits: int = 3) -> str:
        if self.lo == self.hi:
            return f"{float(self.lo):.{digits}g}"
        return f"[{float(self.lo):.{digits}g}, {float(self.hi):.{digits}g}]"


@dataclass(frozen=True)
class StepLoss:
    """Where a step lost digits: ``iteration / step / quantity / index`` and the cause found (or none)."""

    iteration: int
    step: str  # "E-step" (lower bound) or "M-step"
    key: str  # the quantity and index, in gmmexact's keys: "cov.2[1][1]"
    peer_name: str  # the peer's own name: "covariances_[1, 1]"
    digits: int
    cause: str  # "cancellation", "near-singular", "regularisation", "underflow" or "none found"
    explanation: str

    def text(self) -> str:
        return (f"iteration {self.iteration} / {self.step} / {self.key} ({self.peer_name}): {self.digits} correct "
                f"digit(s); cause: {self.explanation}")


@dataclass(frozen=True)
class IterationCheck:
    """One iteration of the fit: its local check (from the peer's previous parameters), the fewest
    correct digits locally and globally (``None`` once the global comparison has stopped), and the
    exact lower bound at the peer's previous parameters (scikit-learn's ``lower_bounds_[t − 1]``)."""

    iteration: int
    local: CrossCheck
    local_digits: int
    local_worst: str
    global_digits: int | None
    lower_bound: Interval
    peer_lower_bound: float
    lower_bound_text: str = ""
    peer_lower_bound_error: float = 0.0  # the peer's lower bound's certified error bound, |float − exact|

    @property
    def passed(self) -> bool:
        """The local check met ``min_digits`` (values held below float64's normal range aside)."""
        local = self.local
        return (len(failing(local)) == 0 and local.peer.failure is None and not local.peer.unmatched
                and len(local.entries) > 0)


@dataclass(frozen=True)
class Convergence:
    """scikit-learn's stopping decisions against the exact ones.

    ``decisions[t − 2]`` for iterations ``t = 2 … n_iter``: ``"stop"`` (|Δ| < tol proven), ``"go on"``
    (|Δ| ≥ tol proven) or ``"undecided"`` (the exact change lies within its enclosure's width of tol);
    ``changes`` the enclosures of the exact Δ; ``agrees`` whether every decided one matches the fit's.
    ``decreases``: iterations where the exact lower bound proven decreased, with the amount.
    """

    tol: float
    n_iter: int
    converged: bool
    decisions: tuple
    changes: tuple
    agrees: bool
    increases: int
    decreases: tuple  # (iteration, Interval of the decrease, within the float rounding of the parameters: bool)
    undecided_monotone: int

    def text(self) -> str:
        what = (f"converged at iteration {self.n_iter}" if self.converged
                else f"stopped after max_iter = {self.n_iter} without converging")
        decided = sum(d != "undecided" for d in self.decisions)
        out = [f"scikit-learn {what} (tol = {self.tol:g}); exactly, {decided} of {len(self.decisions)} stopping "
               f"decision(s) are decided and {'all agree' if self.agrees else 'some DIFFER'}."]
        for t, (d, ch) in enumerate(zip(self.decisions, self.changes), start=2):
            wanted = "stop" if (t == self.n_iter and self.converged) else "go on"
            if d != "undecided" and d != wanted:
                out.append(f"  iteration {t}: the exact change is {ch.text()}, so the fit should "
                           f"{d}, but it did {wanted!r}.")
            elif d == "undecided" and t == self.n_iter:
                out.append(f"  iteration {t}: the exact change {ch.text()} is within its enclosure of tol: undecided.")
        mono = f"log-likelihood: {self.increases} increase(s) proven"
        if self.decreases:
            big = [x for x in self.decreases if not x[2]]
            mono += (f", {len(self.decreases)} decrease(s) proven ({len(big)} beyond the "
                     f"float rounding of the parameters" + (f", first at iteration {big[0][0]}: {big[0][1].text()}" if big else "") + ")")
        if self.undecided_monotone:
            mono += f", {self.undecided_monotone} change(s) too small to sign"
        out.append(mono + ".")
        return "\n".join(out)


@dataclass(frozen=True)
class FitCheck:
    """A certified whole fit (see the module docstring). ``passed``: every iteration's local check met
    ``min_digits``, the stopping decisions agree, and no decrease of the log-likelihood beyond float64's
    resolution was proven."""

    peer: str
    settings: dict
    replay: ReplayedFit
    iterations: tuple
    min_digits: int
    convergence: Convergence
    first_loss: StepLoss | None
    global_stop: tuple | None  # (iteration, reason) where the global comparison stopped
    seconds: float
    fit_seconds: float | None = None
    peer_dtype: str = "float64"

    @property
    def type_digits(self) -> float:
        """The significant digits the peer's float type carries, −log10(u)."""
        return -math.log10(FLOAT_TYPES.get(self.peer_dtype, FLOAT_TYPES["float64"])[0])

    @property
    def passed(self) -> bool:
        return (all(it.passed for it in self.iterations) and self.convergence.agrees
                and not any(not within for _, _, within in self.convergence.decreases))

    def reasons(self) -> list[str]:
        """Why the fit fails, one phrase per reason (empty when it passes)."""
        out = []
        if self.first_loss is not None:
            out.append(f"a step kept fewer than {self.min_digits} correct digits, first "
                       + self.first_loss.text())
        elif not all(it.passed for it in self.iterations):
            out.append("a step's check is incomplete (a value without an exact counterpart)")
        if not self.convergence.agrees:
            out.append("a stopping decision differs from the exact one")
        big = [x for x in self.convergence.decreases if not x[2]]
        if big:
            out.append(f"the log-likelihood decreased at iteration {big[0][0]} by {big[0][1].text()}, beyond "
                       "the float rounding of the parameters")
        return out

    def as_dict(self) -> dict:
        """The JSON document."""
        return {
            "peer": self.peer, "settings": {k: repr(v) if not isinstance(v, (int, float, str, bool, type(None)))
                                            else v for k, v in self.settings.items()},
            "reproduced": self.replay.reproduced, "n_init": len(self.replay.starts), "chosen_init": self.replay.chosen,
            "min_digits": self.min_digits, "passed": self.passed, "reasons": self.reasons(), "peer_dtype": self.peer_dtype,
            "type_digits": round(self.type_digits, 2), "seconds": round(self.seconds, 3),
            "iterations": [{"iteration": it.iteration, "local_min_digits": it.local_digits,
                            "local_worst": it.local_worst, "global_min_digits": it.global_digits,
                            "lower_bound": it.lower_bound_text, "peer_lower_bound": repr(it.peer_lower_bound),
                            "local_passed": it.passed} for it in self.iterations],
            "first_loss": None if self.first_loss is None else {
                "iteration": self.first_loss.iteration, "step": self.first_loss.step, "key": self.first_loss.key,
                "name": self.first_loss.peer_name, "digits": self.first_loss.digits, "cause": self.first_loss.cause,
                "explanation": self.first_loss.explanation},
            "global_stop": None if self.global_stop is None else {"iteration": self.global_stop[0],
                                                                  "reason": self.global_stop[1]},
            "convergence": {"tol": self.convergence.tol, "n_iter": self.convergence.n_iter,
                            "converged": self.convergence.converged, "decisions": list(self.convergence.decisions),
                            "agrees": self.convergence.agrees, "increases": self.convergence.increases,
                            "decreases": [{"iteration": t, "amount": iv.text(6), "within_float_rounding": w}
                                          for t, iv, w in self.convergence.decreases]},
        }

    def text(self) -> str:
        """The report in plain text (for a terminal, a log or a notebook)."""
        r = self.replay
        lines = [f"{self.peer}: {len(self.iterations)} iteration(s) certified in {self.seconds:.2f} s"
                 + (f" (the fit took {self.fit_seconds:.2f} s)" if self.fit_seconds else ""),
                 f"float type: {self.peer_dtype} (u = 2^{round(math.log2(FLOAT_TYPES[self.peer_dtype][0]))}, "
                 f"about {self.type_digits:.1f} significant digits; at least {self.min_digits} asked)",
                 f"start: {self.settings.get('init_params')} initialisation {r.chosen + 1} of {len(r.starts)}, "
                 + ("replayed bit for bit" if r.reproduced else f"NOT reproduced: {r.reason}")]
        lines.append("iteration  local digits (worst)                      global digits  lower bound (exact)")
        for it in self.iterations:
            g = "stopped" if it.global_digits is None else _d(it.global_digits)
            lines.append(f"{it.iteration:>9}  {_d(it.local_digits):>6} ({it.local_worst})".ljust(53)
                         + f"{g:>13}  {it.lower_bound_text}")
        if self.global_stop:
            lines.append(f"global comparison stopped at iteration {self.global_stop[0]}: {self.global_stop[1]}")
        lines.append(self.convergence.text())
        if self.first_loss:
            lines.append("first step below the digits asked: " + self.first_loss.text())
        verdict = ("PASS" if self.passed else "FAIL") + (f" for {self.peer_dtype}" if self.peer_dtype != "float64"
                                                          else "")
        lines.append(f"{verdict}: " + ("; ".join(self.reasons()) if not self.passed else
                                       f"every step of the fit keeps {self.min_digits} correct digits, the stopping "
                                       "decisions are the exact ones, and the log-likelihood never decreased beyond "
                                       "the float rounding of the parameters"))
        return "\n".join(lines)

    def digits_by_kind(self) -> dict[str, list]:
        """The fewest proven local digits of each kind (``loglik``, ``weight``, ``mean``, ``cov``) per
        iteration (``None`` where every value is identical to the exact one)."""
        out: dict[str, list] = {}
        for it in self.iterations:
            for s in it.local.summary():
                out.setdefault(s["kind"], []).append(s["min_digits"])
        return out

    def plot(self, path: str) -> None:
        """Correct digits per iteration and quantity (PNG, SVG or PDF by the name; needs matplotlib)."""
        from .report import plot_fit  # noqa: PLC0415

        plot_fit(self.digits_by_kind(), [it.global_digits for it in self.iterations], self.min_digits,
                 self.peer.replace(", init_params", ",\ninit_params") + "\nevery iteration: local and global error",
                 path)

    def __str__(self) -> str:
        return self.text()

    def _repr_markdown_(self) -> str:
        return "```\n" + self.text() + "\n```"


FLOAT64_TINY = 2.0 ** -1022  # float64's smallest normal number


def below_normal(entries) -> np.ndarray:
    """Mask of entries whose float is proven within float64's subnormal range of the exact value."""
    return np.asarray(entries.err_hi, dtype=np.float64) < FLOAT64_TINY


def failing(local: CrossCheck) -> np.ndarray:
    """The local check's entries below ``min_digits``, except those whose exact value is proven within
    float64's subnormal range of the float (an exact value such as 9999·e^(−5·10⁸), held by 0.0 as closely
    as float64 can: the fast path encloses it to ±10⁻³¹⁹, never to a relative digit)."""
    idx = local.failing
    return idx[~below_normal(local.entries)[idx]]


def _d(digits: int) -> str:
    return "exact" if digits >= 10_000 else str(digits)


# --- the problem at a peer's parameters -----------------------------------------------------------


def problem_at(params: Parameters, points: FloatPoints, labels: tuple, cov_type: str, reg_covar: Fraction) -> Problem:
    """The exact problem starting at a peer's float parameters (their exact binary values, the weights as
    they are: scikit-learn's do not sum to exactly 1 and its E-step takes their logarithms as they are)."""
    means = [[Fraction(float(v)) for v in m] for m in params.means]
    # scikit-learn's full covariances are not always symmetric in float64 (``diff.T @ (resp * diff)``);
    # its Cholesky factor, which its next E-step uses, reads the lower triangle: so does the exact start
    covs = [[[Fraction(float(C[max(i, j)][min(i, j)])) for j in range(len(C))] for i in range(len(C))]
            for C in params.full_covariances(cov_type)]
    weights = [Fraction(float(w)) for w in params.weights]
    problem = Problem.from_arrays(points[:1], means, covs, weights, normalize_weights=True, source="<fit>")
    problem = replace(problem, points=points, labels=labels)
    problem = prepare(problem, covariance_type=cov_type, reg_covar=reg_covar, count_offset=SKLEARN_OFFSET)
    return replace(problem, components=tuple(replace(c, weight=w) for c, w in zip(problem.components, weights)))


def _reported(t: int, params: Parameters, lower_bound: float, names, cov_type: str, d: int, K: int, n: int,
              where: int) -> list:
    """The peer's lower bound of iteration ``t`` and its parameters after it, as reported values."""
    ns = SimpleNamespace(weights_=params.weights, means_=params.means, covariances_=params.covariances)
    out = [Reported(Key(t, "loglik"), float(lower_bound), f"lower_bounds_[{where}]", Fraction(1, n))]
    return out + parameters_reported(t, names, cov_type, ns, d, K, {})


def _fraction(x) -> Fraction:
    return Fraction(*np.longdouble(x).as_integer_ratio())


# --- causes ---------------------------------------------------------------------------------------


def cause_of(index: int, local: CrossCheck, before: Parameters, after: Parameters, cov_type: str,
             reg_covar: float, type_digits: float) -> tuple[str, str]:
    """``(cause, explanation)`` for entry ``index`` of a local check that lost digits. The conditions are
    computed from the exact enclosure of that entry and the peer's float parameters (marked ≈ where a
    float estimate explains; the certified digits are the local check's)."""
    e = local.entries
    key, got = e.keys[index], int(e.digits[index])
    # a condition number κ explains the loss when κ·u, with a constant of up to 100 for the formula, reaches
    # the error seen: log10 κ + 2 ≥ the digits the type carries − those the value kept
    budget = max(type_digits - got - 2, 0.5)
    for f in local.findings:
        if f.kind == "underflow" and f.key == str(key):
            return "underflow", f.message
    names = [str(i + 1) for i in range(len(after.weights))]
    c = names.index(key.component) if key.component in names else None
    if key.kind == "cov" and cov_type in ("diag", "spherical", "tied") and key.entry and key.entry[0] == key.entry[1]:
        exact = float((e.exact_lo[index] + e.exact_hi[index]) / 2)
        raw = exact - reg_covar  # E[x²] − μ², before reg_covar is added
        j = key.entry[0]
        means = after.means[:, j] if cov_type == "tied" else after.means[c, j:j + 1] if cov_type == "diag" \
            else after.means[c]
        mu2 = float(np.max(np.asarray(means, dtype=np.float64) ** 2))
        kappa = math.inf if raw <= abs(exact) * 1e-30 else 1 + mu2 / raw
        if math.log10(kappa) >= budget:
            what = (f"the exact variance before reg_covar is 0 to {abs(exact) * 1e-30:.1g} (μ² ≈ {mu2:.4g}), so "
                    "every digit is lost" if math.isinf(kappa) else
                    f"condition ≈ 1 + μ²/σ² = {kappa:.3g}, which costs about {math.log10(kappa):.0f} digits")
            return "cancellation", (f"cancellation in E[x²] − μ² (scikit-learn's {cov_type} covariance formula): "
                                    f"{what}; the peer's float type carries {type_digits:.1f}")
    if key.kind == "loglik" and cov_type in ("diag", "spherical"):  # its E-step: x² − 2xμ + μ² per coordinate
        var = before.covariances if cov_type == "diag" else before.covariances[:, None]
        ratio = float(np.max(np.asarray(before.means, dtype=np.float64) ** 2 / np.asarray(var, dtype=np.float64)))
        if ratio > 0 and math.log10(ratio) >= budget:
            return "cancellation", (f"cancellation in the quadratic form x² − 2xμ + μ² (scikit-learn's {cov_type} "
                                    f"E-step): μ²/σ² ≈ {ratio:.3g} against a form of order 1 near the mean, which "
                                    f"costs about {min(math.log10(ratio), type_digits):.0f} digits")
    if c is not None and key.kind in ("cov", "mean", "weight", "count"):
        cov = after.full_covariances(cov_type)[c].astype(np.float64)
        eig = np.linalg.eigvalsh((cov + cov.T) / 2)
        if eig[-1] > 0:
            kappa = eig[-1] / eig[0] if eig[0] > 0 else math.inf
            if math.log10(kappa) >= budget and kappa > 1e3:
                return "near-singular", (f"component {key.component}'s covariance is nearly singular: κ₂ ≈ "
                                         f"{kappa:.3g} (from the peer's float covariance), which costs about "
                                         f"{min(math.log10(kappa), type_digits):.0f} digits")
            if reg_covar > 0 and eig[0] > 0 and reg_covar >= 0.5 * eig[0]:
                return "regularisation", (f"reg_covar = {reg_covar:g} is {reg_covar / eig[0]:.2g} of the smallest "
                                          f"eigenvalue of component {key.component}'s covariance (≈ {eig[0]:.3g}): "
                                          "the regularisation dominates that direction")
    return "none found", "no cause from the catalogue (cancellation, near-singular, regularisation, underflow) applies"


# --- the whole fit --------------------------------------------------------------------------------


def certify_fit(gm, X, *, min_digits: int | None = None, global_error: "bool | str" = True, progress: bool = True,
                fit_seconds: float | None = None) -> FitCheck:
    """Certify every iteration of a fitted ``GaussianMixture`` (see the module docstring).

    Parameters
    ----------
    gm
        A fitted ``sklearn.mixture.GaussianMixture``, with an integer ``random_state`` (any
        ``covariance_type``, ``init_params``, ``n_init``).
    X
        The data it was fitted to (float arrays are read as their exact binary values).
    min_digits
        The correct digits every value of every step must have locally; default by the float type of
        the fitted parameters (:data:`FLOAT_TYPES`: float64 10, float32 4), so that "PASS for float32"
        means every step kept what float32 can be expected to keep.
    global_error
        Also compare with the exact trajectory from the same start (``True``: enclosed by tier 1, float64
        over whole arrays, as far as it holds ``min_digits``; ``"tight"``: in longdouble, which reaches
        further at about four times the time of the local checks; ``False``: not at all).
    progress
        A progress bar (rich) on a terminal for runs longer than a few seconds.
    """
    start_time = time.perf_counter()
    X = np.asarray(X)
    if X.dtype.kind != "f" or X.ndim != 2:
        X = np.asarray(X, dtype=np.float64)
    if not np.isfinite(X).all():
        raise InputError(None, "X", "holds NaN or Inf", "finite numbers")
    replay = replay_fit(gm, X)
    if not replay.reproduced:
        raise InputError(None, "estimator", f"cannot be replayed: {replay.reason}",
                         "an integer random_state; or gmmexact.crosscheck(gm, X, start=\"fitted\", iterations=N) "
                         "to certify N iterations after the fit, from its fitted parameters")
    cov_type, n, (K, d) = gm.covariance_type, len(X), replay.start.means.shape
    peer_dtype = str(np.asarray(replay.start.means).dtype)
    if peer_dtype not in FLOAT_TYPES:
        raise InputError(None, "estimator", f"has parameters of type {peer_dtype}",
                         f"one of {', '.join(FLOAT_TYPES)}")
    if min_digits is None:
        min_digits = FLOAT_TYPES[peer_dtype][1]
    reg = Fraction(float(gm.reg_covar))
    points = FloatPoints(X)
    labels = tuple(f"x{i + 1}" for i in range(n))
    names = [str(c + 1) for c in range(K)]
    data = FastData.of(points)
    if isinstance(data, str):
        raise InputError(None, "X", f"cannot be enclosed by the fast path: {data}", "float64 data")
    T = replay.n_iter
    params = (replay.start,) + tuple(replay.iterates)
    name = (f"scikit-learn GaussianMixture(n_components={K}, covariance_type={cov_type!r}, "
            f"init_params={gm.init_params!r}, n_init={gm.n_init}, random_state={gm.random_state!r})")
    estimate = Estimate(SECONDS_PER_VALUE * n * K * T * (2 if global_error else 1) * max(d, 1) ** 2,
                        int(n * K * 64), f"certifying {T} iterations")
    if global_error not in (True, False, "tight"):
        raise InputError(None, "global_error", f"is {global_error!r}", "True, False or \"tight\"")
    global_args = (replay, params, points, labels, names, cov_type, reg, d, K, n, name, data, min_digits,
                   "longdouble" if global_error == "tight" else "float64")
    background = _start_global(global_args) if global_error else None
    checks = []
    with progress_bar(estimate if progress else Estimate(0, 0, ""), T, "certifying the fit") as advance:
        for t in range(1, T + 1):
            problem = problem_at(params[t - 1], points, labels, cov_type, reg)
            peer = PeerResult(name, tuple(_reported(1, params[t], replay.lower_bounds[t - 1], names, cov_type, d, K,
                                                    n, t - 1)), dict(replay.settings), SKLEARN_NOTES)
            local = crosscheck_fast(problem, peer, min_digits=min_digits, iterations=1, data=data)
            e = local.entries
            shown = np.flatnonzero(~below_normal(e))  # values held below float64's normal range: not the worst
            worst = int(shown[np.argmin(e.digits[shown])]) if len(shown) else None
            lb_index = next(i for i, k in enumerate(e.keys) if k.kind == "loglik")
            checks.append((t, local, int(e.digits[worst]) if worst is not None else 0,
                           str(e.keys[worst]) if worst is not None else "",
                           Interval(_fraction(e.exact_lo[lb_index]), _fraction(e.exact_hi[lb_index])),
                           float(e.floats[lb_index]), e.exact_decimal(lb_index, 12),
                           float(e.err_hi[lb_index])))
            advance(1)
    if not global_error:
        global_digits, global_stop = {}, (1, "not asked (global_error=False)")
    else:
        global_digits, global_stop = _finish_global(background, global_args)
    iterations = tuple(IterationCheck(t, local, ld, lw, global_digits.get(t), lb, plb, text, err)
                       for t, local, ld, lw, lb, plb, text, err in checks)
    convergence = _convergence(iterations, float(gm.tol), replay, FLOAT_TYPES[peer_dtype][0])
    first_loss = None
    for it in iterations:
        if not it.passed and len(failing(it.local)):
            i = int(min(failing(it.local), key=lambda j: it.local.entries.digits[j]))
            key = it.local.entries.keys[i]
            cause, why = cause_of(i, it.local, params[it.iteration - 1], params[it.iteration], cov_type,
                                  float(gm.reg_covar),
                                  -math.log10(FLOAT_TYPES[peer_dtype][0]))
            shown = str(replace(key, iteration=it.iteration)) if key.iteration == 1 else str(key)
            first_loss = StepLoss(it.iteration, "E-step" if key.kind == "loglik" else "M-step", shown,
                                  it.local.entries.names[i], int(it.local.entries.digits[i]), cause, why)
            break
    return FitCheck(name, dict(replay.settings), replay, iterations, min_digits, convergence, first_loss, global_stop,
                    time.perf_counter() - start_time, fit_seconds, peer_dtype)


def _start_global(args):
    """The global comparison in a forked child process (a second core), or ``None`` where processes
    cannot be forked or there is one core: it then runs after the local checks."""
    import multiprocessing  # noqa: PLC0415
    import os  # noqa: PLC0415

    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def run():  # the child inherits the data: nothing large is pickled, only the small answer
        try:
            send.send(("ok", _global(*args)))
        except BaseException as e:  # noqa: BLE001  (sent to the parent, which raises or falls back)
            send.send(("error", f"{type(e).__name__}: {e}"))
        finally:
            send.close()

    process = ctx.Process(target=run, daemon=True)
    process.start()
    send.close()
    return process, receive


def _finish_global(background, args):
    """The global comparison's answer: from the child when there is one, else computed here."""
    if background is None:
        return _global(*args)
    process, receive = background
    try:
        status, answer = receive.recv()
    except EOFError:  # the child died (killed, out of memory): compute it here instead
        status, answer = "error", "the child process ended without an answer"
    finally:
        receive.close()
        process.join()
    return answer if status == "ok" else _global(*args)


def _global(replay, params, points, labels, names, cov_type, reg, d, K, n, name, data, min_digits, tier="float64"):
    """Per iteration, the fewest correct digits of the peer against the exact trajectory from the same
    start, while that trajectory's enclosure holds ``min_digits``; and where and why it stops."""
    T = replay.n_iter
    problem = problem_at(params[0], points, labels, cov_type, reg)
    reported = []
    for t in range(1, T + 1):
        reported += _reported(t, params[t], replay.lower_bounds[t - 1], names, cov_type, d, K, n, t - 1)
    peer = PeerResult(name, tuple(reported), dict(replay.settings), SKLEARN_NOTES)
    try:  # tier 1 encloses the trajectory while its bounds hold min_digits; where it declines, longdouble
        check = crosscheck_fast(problem, peer, min_digits=min_digits, iterations=T, data=data, tier=tier)
    except ValueError:
        check = crosscheck_fast(problem, peer, min_digits=min_digits, iterations=T, data=data, tier="longdouble")
    e = check.entries
    groups: dict[int, list] = {}
    for i, k in enumerate(e.keys):
        groups.setdefault(k.iteration, []).append(i)
    digits, stop = {}, None
    for t in range(1, T + 1):
        idx = np.array(groups.get(t, []), dtype=int)
        if not len(idx):
            stop = (t, "the exact trajectory could not be enclosed there (a covariance not invertible, or beyond "
                       "float64's range)")
            break
        idx = idx[np.maximum(np.abs(e.exact_lo[idx]), np.abs(e.exact_hi[idx])).astype(np.float64) >= FLOAT64_TINY]
        if not len(idx):  # every value of the iteration lies below float64's normal range
            continue
        lo, hi = e.exact_lo[idx].astype(np.float64), e.exact_hi[idx].astype(np.float64)
        size = np.maximum(np.abs(lo), np.abs(hi))
        with np.errstate(divide="ignore", invalid="ignore"):
            width = np.where(size > 0, (hi - lo) / size, 0.0)
        enclosed = float(-np.log10(np.max(width))) if np.max(width) > 0 else math.inf
        if not math.isfinite(enclosed) and np.isnan(width).any() or enclosed < min_digits:
            growth = ""
            if t > 2 and 1 in digits:
                growth = " (its enclosure widens with each iteration: the fit is sensitive to its start)"
            tighter = (" (global_error=\"tight\" encloses it in longdouble, about 10^4 times tighter, at about four "
                       "times the time)" if tier == "float64" else "")
            stop = (t, f"the exact trajectory from the same start is enclosed to only {_tenths_down(enclosed):.1f} "
                       f"digits there, fewer than the {min_digits} asked{growth}; the local errors go on{tighter}")
            break
        digits[t] = int(e.digits[idx].min())
    return digits, stop


def _convergence(iterations, tol: float, replay: ReplayedFit, unit_roundoff: float = 2.0 ** -53) -> Convergence:
    """The exact stopping decisions and monotonicity from the certified lower bounds."""
    T = replay.n_iter
    K, d = replay.start.means.shape
    parameters = K * (1 + d + d * (d + 1) // 2)
    decisions, changes, agrees = [], [], True
    increases, decreases, undecided = 0, [], 0
    tol_q = Fraction(tol)
    for t in range(2, T + 1):
        a, b = iterations[t - 2].lower_bound, iterations[t - 1].lower_bound
        change = Interval(b.lo - a.hi, b.hi - a.lo)
        changes.append(change)
        small = max(abs(change.lo), abs(change.hi)) < tol_q
        large = (change.lo >= tol_q) or (change.hi <= -tol_q)
        decision = "stop" if small else "go on" if large else "undecided"
        decisions.append(decision)
        wanted = "stop" if (t == T and replay.converged) else "go on"
        if decision != "undecided" and decision != wanted:
            agrees = False
        if change.lo > 0:
            increases += 1
        elif change.hi < 0:
            # within the float rounding of the parameters: each of the p parameters rounded to relative u
            # moves the mean log-likelihood by about u·|L| at most per unit of sensitivity; allowed 100·p·u·|L|,
            # or the peer's own proven error on its lower bounds
            resolution = max(Fraction(unit_roundoff) * 100 * parameters * abs(a.lo),
                             Fraction(iterations[t - 2].peer_lower_bound_error),
                             Fraction(iterations[t - 1].peer_lower_bound_error))
            decreases.append((t, Interval(-change.hi, -change.lo), -change.hi <= resolution))
        else:
            undecided += 1
    return Convergence(tol, T, replay.converged, tuple(decisions), tuple(changes), agrees, increases,
                       tuple(decreases), undecided)


def _tenths_down(x: float) -> float:
    """``x`` rounded down to tenths (0 for NaN or negative, unchanged when infinite).

    >>> _tenths_down(9.96), _tenths_down(float("nan")), _tenths_down(-1.0)
    (9.9, 0.0, 0.0)
    """
    if not x > 0:
        return 0.0
    return math.floor(x * 10) / 10 if math.isfinite(x) else x

