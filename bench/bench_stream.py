"""A large CSV streamed onto disk (gmmexact/model/pointstore.py) and tier 1 over the store, with the peak
resident memory of every process: the conversion, one iteration in one process, and one iteration on a
dask LocalCluster whose workers read their own rows from the store.

    python bench/bench_stream.py --n 1000000 --csv /tmp/X1m.csv
    GMMEXACT_LIMIT_POINTS=100000000 python bench/bench_stream.py --n 10000000 --csv /tmp/X10m.csv

The CSV (n points, d = 5, K = 4 clusters, three decimals: bench_partitioned.py's points) and its problem
file are written once. Each step runs in a fresh process (``--step``), so that its peak resident memory
(VmHWM) is its own: ``convert`` reads the CSV into a store in ``--scratch`` (removed first), ``iterate``
reuses that store and runs one tier-1 iteration in one process (``--partitions``) and then on
``--workers`` local workers, printing each worker's peak before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmem import peak_mb, reset_peak  # noqa: E402


def write_csv(path: Path, n: int, d: int = 5, k: int = 4) -> None:
    """bench_partitioned.py's points, written in blocks, and a problem file beside them."""
    from bench_partitioned import problem  # noqa: PLC0415

    if not path.exists():
        rng = np.random.default_rng(0)
        centres = rng.normal(0, 4, (k, d))
        with open(path, "w") as f:
            f.write(",".join(f"x{j}" for j in range(d)) + "\n")
            for a in range(0, n, 1_000_000):
                m = min(1_000_000, n - a)
                ints = np.rint((centres[rng.integers(0, k, m)] + rng.normal(0, 1, (m, d))) * 1000)
                np.savetxt(f, ints / 1000, fmt="%.3f", delimiter=",")
    toml = path.with_suffix(".toml")
    if not toml.exists():
        p, _ = problem(1, d, k)

        def q(v):
            return '"' + str(v) + '"'

        comps = "".join(f'[[components]]\nweight = "{c.weight}"\nmean = [{", ".join(q(v) for v in c.mean)}]\n'
                        f'covariance = [{", ".join("[" + ", ".join(q(v) for v in row) + "]" for row in c.covariance)}]\n\n'
                        for c in p.components)
        toml.write_text(f'[data]\npoints_file = "{path.name}"\n\n{comps}')


def step_convert(args) -> dict:
    from gmmexact.model import pointstore

    reset_peak()
    t0 = time.perf_counter()
    data = pointstore.read_points(args.csv, stream=True, scratch=args.scratch)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "peak_mb": peak_mb(), "n": data.n, "d": data.d, "exponent": data.points.exponent}


def step_iterate(args) -> dict:
    import gmmexact
    from gmmexact.numerics.tiers import certified_parameters

    out = {}
    problem = gmmexact.load(args.csv.with_suffix(".toml"), stream=True, scratch=args.scratch)
    out["load_peak_mb"] = peak_mb()
    if not args.skip_local:
        t0 = time.perf_counter()
        local = certified_parameters(problem, 1, partitions=args.partitions, digits=10, tier="float64")
        out["local_seconds"] = time.perf_counter() - t0
        out["local_peak_mb"] = peak_mb()
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.run(lambda: None)
        before = client.run(reset_peak)
        t0 = time.perf_counter()
        remote = certified_parameters(problem, 1, partitions=args.partitions, client=client, digits=10, tier="float64")
        out["dask_seconds"] = time.perf_counter() - t0
        after = client.run(peak_mb)
    out["worker_mb"] = [[before[w], after[w]] for w in sorted(after)]
    out["client_peak_mb"] = peak_mb()
    out["identical"] = None if args.skip_local else local.statistics == remote.statistics
    out["mean.1"] = remote.decimal("mean.1", 10)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--csv", type=Path, default=Path("/tmp/X1m.csv"))
    ap.add_argument("--scratch", type=Path, help="the store's directory (default: beside the CSV, removed first)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--skip-local", action="store_true", help="no iteration in one process")
    ap.add_argument("--step", choices=("convert", "iterate"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.scratch = args.scratch or args.csv.with_name(args.csv.stem + "-store")
    if args.step:
        got = step_convert(args) if args.step == "convert" else step_iterate(args)
        print(json.dumps(got))
        return 0
    write_csv(args.csv, args.n)
    shutil.rmtree(args.scratch, ignore_errors=True)
    me = [sys.executable, __file__, "--csv", str(args.csv), "--scratch", str(args.scratch), "--workers",
          str(args.workers), "--partitions", str(args.partitions)] + (["--skip-local"] if args.skip_local else [])
    results = {}
    for step in ("convert", "iterate"):
        done = subprocess.run(me + ["--step", step], capture_output=True, text=True, env=os.environ)
        if done.returncode:
            sys.stderr.write(done.stderr)
            return done.returncode
        results[step] = json.loads(done.stdout.strip().splitlines()[-1])
    c, it = results["convert"], results["iterate"]
    size = args.csv.stat().st_size / 1e6
    store = sum(f.stat().st_size for f in args.scratch.iterdir()) / 1e6
    print(f"n = {c['n']:,}, d = {c['d']}, K = 4, tier 1; load {os.getloadavg()[0]:.2f}")
    print(f"convert {args.csv} ({size:.0f} MB) into a store ({store:.0f} MB, int64 × 10^{c['exponent']}): "
          f"{c['seconds']:.1f} s, peak resident memory {c['peak_mb']:.0f} MB")
    print(f"problem file opened over the store: peak {it['load_peak_mb']:.0f} MB")
    if "local_seconds" in it:
        print(f"one iteration in one process, {args.partitions} partitions: {it['local_seconds']:.2f} s, "
              f"peak {it['local_peak_mb']:.0f} MB")
    print(f"one iteration on {args.workers} local workers, {args.partitions} partitions: {it['dask_seconds']:.2f} s; "
          f"peak per worker (MB, before → after): "
          + ", ".join(f"{a:.0f} → {b:.0f}" for a, b in it["worker_mb"])
          + f"; client peak {it['client_peak_mb']:.0f} MB")
    if it["identical"] is not None:
        print(f"identical bit for bit (one process, cluster): {it['identical']}")
    print(f"mean of component 1: {it['mean.1']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
