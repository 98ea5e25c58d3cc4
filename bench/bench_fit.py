"""A whole scikit-learn fit certified iteration by iteration, against the fit's own time, in one run.

    python bench/bench_fit.py                          # n = 100,000, d = 5, K = 4, 100 iterations
    python bench/bench_fit.py --n 2000 --d 2 --k 3 --iterations 0   # to convergence (tol 1e-3)

The fit is ``GaussianMixture(K, covariance_type, random_state=0, tol=0, max_iter=I)`` with its default
k-means start (``--iterations 0``: the default tol and max_iter, to convergence). Printed: the fit's
time, the certification's (the replay of the fit, the local error of every iteration, and the global
comparison with ``--global``), their ratio to the fit, and the peak resident memory the certification
added (Linux ``VmHWM``, reset before it starts).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmem import peak_mb, reset_peak  # noqa: E402
from gmmexact.crosschecking.fitcheck import certify_fit  # noqa: E402


def data(n: int, d: int, K: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 4, (K, d))
    labels = rng.integers(0, K, n)
    return centres[labels] + rng.normal(0, 1, (n, d)) * rng.uniform(0.5, 2, (K, d))[labels]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--d", type=int, default=5)
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--iterations", type=int, default=100, help="max_iter with tol=0 (0: sklearn's defaults)")
    ap.add_argument("--covariance-type", default="full")
    ap.add_argument("--global", dest="global_error", action="store_true", help="also the global comparison")
    args = ap.parse_args(argv)
    from sklearn import __version__ as skv
    from sklearn.mixture import GaussianMixture

    X = data(args.n, args.d, args.k)
    kw = {} if args.iterations == 0 else {"tol": 0.0, "max_iter": args.iterations}
    gm = GaussianMixture(args.k, covariance_type=args.covariance_type, random_state=0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        gm.fit(X)
        fit = time.perf_counter() - t0
    base = reset_peak()
    t0 = time.perf_counter()
    check = certify_fit(gm, X, global_error=args.global_error, progress=False, fit_seconds=fit)
    total = time.perf_counter() - t0
    peak = peak_mb() - base
    print(f"scikit-learn {skv}; n = {args.n}, d = {args.d}, K = {args.k}, {args.covariance_type}; "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"fit: {gm.n_iter_} iterations in {fit:.3f} s ({fit / gm.n_iter_ * 1e3:.1f} ms per iteration)")
    print(f"certify_fit: {total:.3f} s = {total / fit:.1f}x the fit (replay included; global comparison "
          f"{'on' if args.global_error else 'off'}); peak resident memory above the start {peak:.0f} MB "
          f"(data {X.nbytes / 1e6:.0f} MB)")
    print(f"passed: {check.passed}; fewest local digits "
          f"{min(it.local_digits for it in check.iterations)}; convergence decisions agree: "
          f"{check.convergence.agrees}")
    if check.global_stop:
        print(f"global comparison stopped at iteration {check.global_stop[0]}: {check.global_stop[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
