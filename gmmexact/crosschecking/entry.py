"""``gmmexact.crosscheck``: one entry point for every peer.

A fitted ``GaussianMixture`` without ``*_init`` parameters (the usual ``GaussianMixture(3,
random_state=0).fit(X)``) is replayed from its own start and certified iteration by iteration
(:func:`gmmexact.crosschecking.fitcheck.certify_fit`); everything else (``"sklearn"``, an estimator with
``*_init`` or ``start="fitted"``, a function, a results file) is
:func:`gmmexact.crosschecking.peers.crosscheck`, whose parameters this takes.
"""
from __future__ import annotations

from .fitcheck import certify_fit
from .peers import crosscheck as crosscheck_peer
from .peers import replays_its_start


def crosscheck(peer, X=None, start=None, **options):
    """Cross-check a float GMM implementation against the exact EM iterations, digit by digit.

    See :func:`gmmexact.crosschecking.peers.crosscheck` for the parameters; a fitted estimator without
    ``*_init`` gives a :class:`gmmexact.crosschecking.fitcheck.FitCheck` (``min_digits`` is its one option).

    >>> import gmmexact
    >>> problem = gmmexact.load("examples/seed/problem.toml")
    >>> crosscheck("sklearn", start=problem, covariance_type="diag").passed
    True
    """
    is_estimator = hasattr(peer, "fit") and hasattr(peer, "covariance_type")
    if is_estimator and start is None and replays_its_start(peer):
        unknown = set(options) - {"min_digits"}
        if unknown:
            from ..model.errors import InputError  # noqa: PLC0415

            raise InputError(None, sorted(unknown)[0], "is not an option of a whole fit's cross-check",
                             "min_digits only (the fit's own settings define the rest)")
        return certify_fit(peer, X, min_digits=options.get("min_digits"))
    return crosscheck_peer(peer, X, start, **options)
