"""Partitioned EM in one process and on a local Dask cluster, beside scikit-learn's fit of the same
iteration, measured in one run.

    python bench/bench_partitioned.py                    # n = 20,000, d = 5, K = 4, 2 workers, tier 1
    python bench/bench_partitioned.py --n 5000 --workers 2 --partitions 8 --tier arb
    python bench/bench_partitioned.py --n 10000000 --csv /tmp/X.csv --skip-local   # from a file

``--tier float64`` is tier 1 (gmmexact/numerics/floattier.py), ``arb`` the point-by-point tier
(gmmexact/numerics/partitioned.py). ``--csv PATH`` writes the points to a CSV there (once) and reads
them back through a problem file, timing the reading. Printed: seconds per iteration in one process
and on the cluster (its start-up apart), the ratio to scikit-learn, each worker's peak resident memory,
and whether the merged statistics are identical bit for bit (they must be).
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
from gmmexact.numerics.tiers import certified_parameters  # noqa: E402


def run(p, tier: str, partitions: int, client=None):
    if tier == "arb":
        return partitioned_iterations(p, 1, partitions=partitions, client=client)
    return certified_parameters(p, 1, partitions=partitions, client=client, digits=10, tier="float64")


def peak_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def from_csv(p, X: np.ndarray, path: Path) -> tuple[gmmexact.Problem, float]:
    """The problem with its points written to ``path`` (once) and read back through a problem file."""
    if not path.exists():
        with open(path, "w") as f:
            f.write(",".join(f"x{j}" for j in range(X.shape[1])) + "\n")
            np.savetxt(f, X, fmt="%.3f", delimiter=",")
    toml = path.with_suffix(".toml")
    comps = "".join(f'[[components]]\nweight = "{c.weight}"\nmean = [{", ".join(chr(34) + str(v) + chr(34) for v in c.mean)}]\n'
                    f'covariance = [{", ".join("[" + ", ".join(chr(34) + str(v) + chr(34) for v in row) + "]" for row in c.covariance)}]\n\n'
                    for c in p.components)
    toml.write_text(f'[data]\npoints_file = "{path.name}"\n\n{comps}')
    t0 = time.perf_counter()
    q = gmmexact.load(toml)
    return q, time.perf_counter() - t0


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
    ap.add_argument("--tier", choices=("float64", "arb"), default="float64")
    ap.add_argument("--csv", type=Path, help="write the points to this CSV (once) and read them from it")
    ap.add_argument("--skip-local", action="store_true", help="only the cluster (large n)")
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
    read = None
    if args.csv:
        p, read = from_csv(p, X, args.csv)
    local, one = None, None
    if not args.skip_local:
        t0 = time.perf_counter()
        local = run(p, args.tier, args.partitions)
        one = time.perf_counter() - t0
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: None)  # the workers are up
        base = client.run(peak_mb)
        t0 = time.perf_counter()
        remote = run(p, args.tier, args.partitions, client)
        dask_time = time.perf_counter() - t0
        peaks = client.run(peak_mb)
    print(f"n = {args.n}, d = {args.d}, K = {args.k}, tier {args.tier} ({remote.tier}); load {os.getloadavg()[0]:.2f}")
    if read is not None:
        print(f"read {args.csv} ({args.csv.stat().st_size / 1e6:.0f} MB) through a problem file: {read:.1f} s; "
              f"this process's peak resident memory {peak_mb():.0f} MB")
    print(f"scikit-learn, one iteration: {fit:.3f} s")
    if one is not None:
        print(f"one process, {args.partitions} partitions: {one:.2f} s ({one / fit:.1f}x); "
              f"{one / args.n * 1e6:.2f} µs per point")
    print(f"dask LocalCluster, {args.workers} workers, {args.partitions} partitions: {dask_time:.2f} s "
          f"({dask_time / fit:.1f}x" + (f"; {one / dask_time:.2f}x faster than one process)" if one else ")"))
    print("peak resident memory per worker (MB, before → after): "
          + ", ".join(f"{base[w]:.0f} → {peaks[w]:.0f}" for w in sorted(peaks)))
    if local is not None:
        print(f"identical bit for bit: {local.statistics == remote.statistics}; "
              f"mean of component 1: {local.decimal('mean.1', 12)}")
    else:
        print(f"mean of component 1: {remote.decimal('mean.1', 10)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
