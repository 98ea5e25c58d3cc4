"""Any fitted scikit-learn ``GaussianMixture``, replayed: its start as scikit-learn made it and every iteration.

A fit usually starts from k-means (``init_params="kmeans"``), not from ``*_init`` parameters, so the
start an exact EM must take is not written anywhere in the estimator. :func:`replay_fit` refits a
clone of the estimator with the estimator's own settings and ``random_state``, and records, through
the estimator's own methods, the parameters after each initialisation (all ``n_init`` of them) and
after each M-step of the initialisation that won. It then checks that the replay reproduces the
user's fitted model bit for bit. When it cannot (``random_state=None`` or a ``RandomState`` object
the fit has advanced, a warm start, a modified estimator, other data), it says why, and
:func:`fitted_start` offers the fitted parameters themselves as a start to certify from onward.

>>> import numpy as np
>>> from sklearn.mixture import GaussianMixture
>>> X = np.array([[0.0, 0.1], [0.2, 0.0], [3.0, 3.1], [3.2, 2.9], [0.1, 0.3], [2.9, 3.0]])
>>> gm = GaussianMixture(2, random_state=0).fit(X)
>>> fit = replay_fit(gm, X)
>>> fit.reproduced, fit.n_iter == gm.n_iter_, len(fit.iterates) == gm.n_iter_
(True, True, True)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from ..model.errors import InputError

PARAMETERS = ("weights_", "means_", "covariances_", "precisions_cholesky_")


@dataclass(frozen=True)
class Parameters:
    """A mixture's parameters as scikit-learn stores them (float arrays; covariances in its shape for
    the covariance type)."""

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    precisions_cholesky: np.ndarray

    @classmethod
    def of(cls, gm) -> "Parameters":
        return cls(*(np.array(getattr(gm, name), copy=True) for name in PARAMETERS))

    def full_covariances(self, covariance_type: str) -> np.ndarray:
        """The covariances as K full d×d matrices, whatever the covariance type."""
        K, d = self.means.shape
        cov = self.covariances
        if covariance_type == "full":
            return cov
        if covariance_type == "tied":
            return np.broadcast_to(cov, (K, d, d)).copy()
        if covariance_type == "diag":
            return np.stack([np.diag(row) for row in cov])
        return np.stack([np.eye(d, dtype=cov.dtype) * v for v in cov])

    def same(self, other: "Parameters") -> bool:
        """Bit for bit the same arrays."""
        return all(np.array_equal(a, b) for a, b in zip(
            (self.weights, self.means, self.covariances, self.precisions_cholesky),
            (other.weights, other.means, other.covariances, other.precisions_cholesky)))


@dataclass(frozen=True)
class ReplayedFit:
    """What a replay of a fit found.

    Attributes
    ----------
    starts : tuple of Parameters
        The parameters after each initialisation, in order (``n_init`` of them, or 1).
    chosen : int
        The initialisation the fit kept (largest lower bound), counted from 0.
    iterates : tuple of Parameters
        The parameters after each M-step of the chosen initialisation.
    lower_bounds : tuple of float
        Its lower bound after each iteration (scikit-learn's ``lower_bounds_``).
    n_iter : int
        Its iterations; ``converged`` whether they met ``tol``.
    reproduced : bool
        The replay ended with the user's fitted parameters, ``n_iter_`` and ``lower_bound_``, bit for bit.
    reason : str or None
        Why it did not, in words.
    """

    starts: tuple
    chosen: int
    iterates: tuple
    lower_bounds: tuple
    n_iter: int
    converged: bool
    reproduced: bool
    reason: str | None = None
    settings: dict = field(default_factory=dict)

    @property
    def start(self) -> Parameters:
        """The start of the iterations the fit kept."""
        return self.starts[self.chosen]


def _fitted(gm) -> bool:
    return all(hasattr(gm, name) for name in PARAMETERS + ("n_iter_", "lower_bound_"))


def replayable(gm) -> str | None:
    """Why a fit cannot be replayed from its settings (``None`` when it can be tried)."""
    rs = gm.random_state
    if rs is None:
        return ("random_state=None: the fit drew its start from numpy's global random state, which was not "
                "recorded; set random_state to an integer to make the fit reproducible")
    if not isinstance(rs, Integral):
        return (f"random_state is a {type(rs).__name__} object, which the fit has advanced; only an integer "
                "random_state can be replayed")
    return None


def replay_fit(gm, X) -> ReplayedFit:
    """Refit a clone of ``gm`` on ``X``, recording each start and each iteration (see the module docstring)."""
    try:
        from sklearn.base import clone  # noqa: PLC0415
    except ModuleNotFoundError:
        raise InputError(None, "estimator", "needs scikit-learn, which is not installed",
                         "pip install scikit-learn") from None
    if not _fitted(gm):
        raise InputError(None, "estimator", "is not fitted", "a GaussianMixture after fit(X), or one with *_init")
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != gm.means_.shape[1]:
        raise InputError(None, "X", f"has shape {X.shape}",
                         f"the n × {gm.means_.shape[1]} data the estimator was fitted to")
    settings = {"covariance_type": gm.covariance_type, "init_params": gm.init_params, "n_init": gm.n_init,
                "max_iter": gm.max_iter, "tol": gm.tol, "reg_covar": gm.reg_covar, "random_state": gm.random_state,
                "warm_start": gm.warm_start}
    replica = clone(gm)
    replica.warm_start = False  # a warm-started fit is replayed as its first fit; compared below
    starts: list[Parameters] = []
    iterates_by_init: list[list[Parameters]] = []
    best = {"init": 0}
    initialize, m_step, get_parameters = replica._initialize, replica._m_step, replica._get_parameters

    def recording_initialize(*args, **kwargs):
        out = initialize(*args, **kwargs)
        starts.append(Parameters.of(replica))
        iterates_by_init.append([])
        return out

    def recording_m_step(*args, **kwargs):
        out = m_step(*args, **kwargs)
        if iterates_by_init:
            iterates_by_init[-1].append(Parameters.of(replica))
        return out

    def recording_get_parameters(*args, **kwargs):
        best["init"] = len(starts) - 1
        return get_parameters(*args, **kwargs)

    replica._initialize = recording_initialize
    replica._m_step = recording_m_step
    replica._get_parameters = recording_get_parameters
    import warnings  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the user's fit warned already, if it did not converge
        replica.fit(X)
    for name in ("_initialize", "_m_step", "_get_parameters"):
        delattr(replica, name)
    chosen = best["init"]
    iterates = iterates_by_init[chosen][: replica.n_iter_] if iterates_by_init else []
    why = replayable(gm)
    same = bool(Parameters.of(replica).same(Parameters.of(gm)) and replica.n_iter_ == gm.n_iter_
            and replica.lower_bound_ == gm.lower_bound_)
    if same:
        why = None
    elif why is None:
        why = ("the replay with the estimator's own settings and random_state does not end with its fitted "
               "parameters" + (" (it was fitted with warm_start=True, perhaps more than once)" if gm.warm_start
                               else " (other data, or an estimator changed after fitting)"))
    return ReplayedFit(tuple(starts), chosen, tuple(iterates), tuple(getattr(replica, "lower_bounds_", ())),
                       int(replica.n_iter_), bool(replica.converged_), same, why, settings)


def fitted_start(gm) -> Parameters:
    """The fitted parameters, as a start to certify the iterations after the fit from."""
    if not _fitted(gm):
        raise InputError(None, "estimator", "is not fitted", "a GaussianMixture after fit(X)")
    return Parameters.of(gm)
