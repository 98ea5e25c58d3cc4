"""Partitioned EM (gmmexact/numerics/partitioned.py) in one process and on a local Dask cluster, beside
scikit-learn's fit of the same iteration, measured in one run.

    python bench/bench_partitioned.py                    # n = 20,000, d = 5, K = 4, 2 workers
    python bench/bench_partitioned.py --n 5000 --workers 2 --partitions 8

Printed: seconds per iteration in one process and on the cluster (its start-up apart), the ratio to
scikit-learn, and whether the merged statistics are identical bit for bit (they must be).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import gmmexact  # noqa: E402
from gmmexact.model.decimalpoints import DecimalPoints  # noqa: E402
from gmmexact.numerics.partitioned import partitioned_iterations  # noqa: E402


def problem(n: int, d: int, K: int) -> tuple[gmmexact.Problem, np.ndarray]:
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 4, (K, d))
    ints = np.rint((centres[rng.integers(0, K, n)] + rng.normal(0, 1, (n, d))) * 1000).astype(np.int64)
    means = [[Fraction(int(round(v * 10)), 10) for v in c] for c in centres]
    covs = [[[Fraction(int(i == j)) for j in range(d)] for i in range(d)]] * K
    p = gmmexact.Problem.from_arrays([[0] * d], means, covs, [Fraction(1, K)] * K)
    from dataclasses import replace

    pts = DecimalPoints(ints, -3)
    return replace(p, points=pts, labels=tuple(f"x{i + 1}" for i in range(n))), ints / 1000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--d", type=int, default=5)
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=8)
    args = ap.parse_args(argv)
    from distributed import Client, LocalCluster
    from sklearn.mixture import GaussianMixture

    p, X = problem(args.n, args.d, args.k)
    gm = GaussianMixture(args.k, max_iter=1, tol=0, weights_init=[1 / args.k] * args.k,
                         means_init=[[float(v) for v in c.mean] for c in p.components],
                         precisions_init=[np.eye(args.d)] * args.k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        gm.fit(X)
        fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    local = partitioned_iterations(p, 1, partitions=args.partitions)
    one = time.perf_counter() - t0
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: None)  # the workers are up
        t0 = time.perf_counter()
        remote = partitioned_iterations(p, 1, partitions=args.partitions, client=client)
        dask_time = time.perf_counter() - t0
    print(f"n = {args.n}, d = {args.d}, K = {args.k}; load {os.getloadavg()[0]:.2f}")
    print(f"scikit-learn, one iteration: {fit:.3f} s")
    print(f"one process, {args.partitions} partitions: {one:.2f} s ({one / fit:.0f}x); "
          f"{one / args.n * 1e6:.0f} µs per point")
    print(f"dask LocalCluster, {args.workers} workers: {dask_time:.2f} s ({dask_time / fit:.0f}x; "
          f"{one / dask_time:.2f}x faster than one process)")
    print(f"identical bit for bit: {local.statistics == remote.statistics}; "
          f"mean of component 1: {local.decimal('mean.1', 12)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
