"""Benchmark: certifying scikit-learn's EM iteration digit by digit, against scikit-learn's own fit.

Run from the repository root:

    python bench/bench_crosscheck.py                              # n = 100000, d = 5, K = 4 (the target)
    python bench/bench_crosscheck.py --sizes 10000,3,3 100000,5,4 --exact-up-to 10000

For each size (in a fresh subprocess, hidden flag ``--_one``; BLAS pinned to one thread unless
``--threads 0``) it prints: scikit-learn's own ``fit`` (one iteration from the problem's start,
``reg_covar = 1e-6``: median of ``--repeat`` runs); the time to certify every number scikit-learn's
iteration produces (the responsibilities of its E-step, ``lower_bound_``, ``weights_``, ``means_``,
``covariances_``) and, separately, with ``predict_proba``/``score`` after the fit (the next E-step);
their ratio to the fit; the peak resident memory of the certification; and how good the certified
bounds are (fewest correct digits, share of errors known to two significant digits). With
``--exact-up-to N`` the exact path (exact layer + arb balls) is timed as well for n <= N.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def one(n: int, d: int, K: int, seed: int, repeat: int, exact: bool) -> dict:
    from fractions import Fraction

    from bench_iteration import exact_problem, generate
    from gmmexact.comparison import PeerResult
    from gmmexact.crosscheck_fast import FastData, crosscheck_fast
    from gmmexact.peers import SKLEARN_OFFSET, float_start, prepare, run_sklearn, sklearn_estimator

    ints, start_idx, var = generate(n, d, K, seed)
    problem = prepare(exact_problem(ints, start_idx, var), reg_covar=Fraction(1, 10**6), count_offset=SKLEARN_OFFSET)
    X = float_start(problem)["X"]
    fits = []
    for _ in range(repeat + 1):  # the first is a warm-up
        gm = sklearn_estimator(problem, 1, 1e-6, "full")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            gm.fit(X)
            fits.append(time.perf_counter() - t0)
    fit_s = statistics.median(fits[1:])
    t0 = time.perf_counter()
    peer = run_sklearn(problem, 1, reg_covar=1e-6, cov_type="full")
    peer_s = time.perf_counter() - t0
    iteration = PeerResult(peer.name, tuple(r for r in peer.reported if r.key.iteration == 1), peer.settings,
                           peer.notes, peer.failure, (), peer.extra, tuple(b for b in peer.blocks if b.iteration == 1))
    out = {"n": n, "d": d, "K": K, "sklearn_fit_s": fit_s, "peer_run_s": peer_s}
    for label, result in (("iteration", iteration), ("with_next_estep", peer)):
        times = []
        for r in range(repeat):
            _reset_peak()
            base = _rss_mb()
            t0 = time.perf_counter()
            data = FastData.build(problem.points)
            check = crosscheck_fast(problem, result, data=data)
            times.append(time.perf_counter() - t0)
            if r == 0:
                peak = _peak_mb() - base
        e = check.entries
        finite = np.isfinite(e.rel_hi) & (e.rel_lo > 0)
        tight = finite & (e.rel_hi <= e.rel_lo * np.longdouble(1.05))
        out[label] = {"certify_s": statistics.median(times), "ratio": statistics.median(times) / fit_s,
                      "peak_mb": peak, "values": len(e), "min_digits": int(e.digits.min()),
                      "median_digits": float(np.median(e.digits)), "two_digit_errors": float(tight.mean()),
                      "passed_10": bool(check.passed)}
    if exact:
        from gmmexact.comparison import crosscheck_run
        from gmmexact.run import solve

        _reset_peak()
        base = _rss_mb()
        t0 = time.perf_counter()
        check = crosscheck_run(solve(problem, 1), iteration)
        out["exact"] = {"certify_s": time.perf_counter() - t0, "peak_mb": _peak_mb() - base,
                        "min_digits": int(check.entries.digits.min())}
        out["exact"]["ratio"] = out["exact"]["certify_s"] / fit_s
    return out


def versions() -> str:
    import flint
    import sklearn

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        head = "?"
    return (f"Python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
            f"python-flint {flint.__version__}, {platform.machine()}, {os.cpu_count()} CPUs, gmmexact {head}, "
            f"longdouble with {np.finfo(np.longdouble).nmant + 1}-bit significand")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["100000,5,4"], help="N,D,K triples (default 100000,5,4)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="runs behind each median (default 3)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1; 0: library default)")
    ap.add_argument("--exact-up-to", type=int, default=0, help="also time the exact path for n up to this")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--_one", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._one:
        n, d, K = (int(v) for v in args._one.split(","))
        print(json.dumps(one(n, d, K, args.seed, args.repeat, n <= args.exact_up_to)))
        return 0
    env = dict(os.environ)
    if args.threads > 0:
        for var in THREAD_VARS:
            env[var] = str(args.threads)
    print(versions())
    print("command: python bench/bench_crosscheck.py " + " ".join(argv if argv is not None else sys.argv[1:]))
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--_one", size, "--seed", str(args.seed), "--repeat", str(args.repeat),
               "--exact-up-to", str(args.exact_up_to)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    head = ("|      n | d | K | sklearn fit s | certify s | x fit | peak MB | values | min digits | 2-digit errors "
            "| + next E-step s | x fit | peak MB | exact path s | x fit |")
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for r in rows:
        a, b = r["iteration"], r["with_next_estep"]
        ex = r.get("exact")
        print(f"| {r['n']:>6} | {r['d']} | {r['K']} | {r['sklearn_fit_s']:13.4f} | {a['certify_s']:9.3f} | "
              f"{a['ratio']:5.1f} | {a['peak_mb']:7.0f} | {a['values']:6} | {a['min_digits']:10} | "
              f"{a['two_digit_errors']:14.0%} | {b['certify_s']:15.3f} | {b['ratio']:5.1f} | {b['peak_mb']:7.0f} | "
              + (f"{ex['certify_s']:12.2f} | {ex['ratio']:5.0f} |" if ex else f"{'–':>12} | {'–':>5} |"))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
