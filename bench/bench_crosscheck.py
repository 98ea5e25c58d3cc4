"""Benchmark: certifying scikit-learn's EM iteration digit by digit, against scikit-learn's own fit.

Run from the repository root:

    python bench/bench_crosscheck.py                              # n = 100000, d = 5, K = 4 (the target)
    python bench/bench_crosscheck.py --sizes 10000,3,3 100000,5,4 --runs 3 --repeat 7 --exact-up-to 10000

For each size, ``--runs`` fresh subprocesses (hidden flag ``--_one``; BLAS pinned to one thread unless
``--threads 0``). In each, after one warm-up of everything, ``--repeat`` rounds each time in turn:
scikit-learn's own ``fit`` (one iteration from the problem's start, ``reg_covar = 1e-6``); the
certification of every number scikit-learn's iteration produces (the responsibilities of its E-step,
``lower_bound_``, ``weights_``, ``means_``, ``covariances_``); the same with ``predict_proba``/``score``
after the fit (the next E-step). Timing them in turn puts the fit and the certification under the same
machine load. It prints, per run and over all runs, the medians and the spread (min–max) of each, the
ratio of the medians, the spread of the per-round ratios, the first (cold) certification of the
process, the peak resident memory of a certification, and how good the certified bounds are (fewest
correct digits, share of errors known to two significant digits). With ``--exact-up-to N`` the exact
path (exact layer + arb balls) is timed once as well for n <= N.
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


def _certify(problem, result):
    from gmmexact.crosschecking.fast import FastData, crosscheck_fast, steady_memory

    with steady_memory():  # as gmmexact.crosscheck does
        data = FastData.build(problem.points)
        return crosscheck_fast(problem, result, data=data)


def one(n: int, d: int, K: int, seed: int, repeat: int, exact: bool) -> dict:
    from fractions import Fraction

    from bench_iteration import exact_problem, generate
    from gmmexact.crosschecking.comparison import PeerResult
    from gmmexact.crosschecking.peers import SKLEARN_OFFSET, float_start, prepare, run_sklearn, sklearn_estimator

    ints, start_idx, var = generate(n, d, K, seed)
    problem = prepare(exact_problem(ints, start_idx, var), reg_covar=Fraction(1, 10**6), count_offset=SKLEARN_OFFSET)
    X = float_start(problem)["X"]
    t0 = time.perf_counter()
    peer = run_sklearn(problem, 1, reg_covar=1e-6, cov_type="full")
    peer_s = time.perf_counter() - t0
    iteration = PeerResult(peer.name, tuple(r for r in peer.reported if r.key.iteration == 1), peer.settings,
                           peer.notes, peer.failure, (), peer.extra, tuple(b for b in peer.blocks if b.iteration == 1))
    results = {"iteration": iteration, "with_next_estep": peer}

    def fit() -> float:
        gm = sklearn_estimator(problem, 1, 1e-6, "full")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            gm.fit(X)
            return time.perf_counter() - t0

    def certify(label) -> tuple[float, object]:
        t0 = time.perf_counter()
        check = _certify(problem, results[label])
        return time.perf_counter() - t0, check

    out = {"n": n, "d": d, "K": K, "peer_run_s": peer_s, "load": os.getloadavg()[0]}
    cold = {}
    checks = {}
    for label in results:  # the first certification of the process: cold caches and allocator, peak memory
        _reset_peak()
        base = _rss_mb()
        cold[label], checks[label] = certify(label)
        out.setdefault(label, {})["peak_mb"] = _peak_mb() - base
    fit()  # warm-up
    fits, times = [], {label: [] for label in results}
    for _ in range(repeat):
        fits.append(fit())
        for label in results:
            times[label].append(certify(label)[0])
    out["sklearn_fit_s"] = fits
    for label, check in checks.items():
        e = check.entries
        finite = np.isfinite(e.rel_hi) & (e.rel_lo > 0)
        tight = finite & (e.rel_hi <= e.rel_lo * np.longdouble(1.05))
        out[label].update({"certify_s": times[label], "cold_s": cold[label], "values": len(e),
                           "min_digits": int(e.digits.min()), "median_digits": float(np.median(e.digits)),
                           "two_digit_errors": float(tight.mean()), "passed_10": bool(check.passed)})
    if exact:
        from gmmexact.crosschecking.comparison import crosscheck_run
        from gmmexact.numerics.run import solve

        _reset_peak()
        base = _rss_mb()
        t0 = time.perf_counter()
        check = crosscheck_run(solve(problem, 1), iteration)
        out["exact"] = {"certify_s": time.perf_counter() - t0, "peak_mb": _peak_mb() - base,
                        "min_digits": int(check.entries.digits.min())}
        out["exact"]["ratio"] = out["exact"]["certify_s"] / statistics.median(fits)
    return out


def engine_version() -> str:
    """The commit of the working tree and whether gmmexact/ differs from it (timings depend on it)."""
    root = os.path.dirname(HERE)
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "gmmexact"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "gmmexact version unknown (not a git checkout)"
    return f"gmmexact commit {head}" + (" + uncommitted changes in gmmexact/" if dirty else "")


def versions() -> str:
    import flint
    import sklearn

    return (f"Python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
            f"python-flint {flint.__version__}, {platform.machine()}, {os.cpu_count()} CPUs, {engine_version()}, "
            f"longdouble with {np.finfo(np.longdouble).nmant + 1}-bit significand")


def _spread(xs, digits=3) -> str:
    return f"{statistics.median(xs):.{digits}f} ({min(xs):.{digits}f}–{max(xs):.{digits}f})"


def _ratios(fits, times) -> list[float]:
    return [t / f for t, f in zip(times, fits)]


def _ratio(times, fits, per_round) -> str:
    return f"{statistics.median(times) / statistics.median(fits):.1f} ({min(per_round):.1f}–{max(per_round):.1f})"


def table(rows: list[dict]) -> list[str]:
    """One line per run and one over all runs of a size: medians (min–max) of the repeats."""
    head = ("|      n | d | K | run | load | sklearn fit s (min–max) | certify s (min–max) | x fit (per round) "
            "|        first call s | peak MB | values | min digits | 2-digit errors | + next E-step s (min–max) "
            "| x fit (per round) | peak MB |")
    lines = [head, "|" + "|".join("-" * len(c) for c in head.split("|")[1:-1]) + "|"]
    sizes = {}
    for r in rows:
        sizes.setdefault((r["n"], r["d"], r["K"]), []).append(r)
    for (n, d, K), runs in sizes.items():
        for i, r in enumerate(runs + ([None] if len(runs) > 1 else [])):
            group = runs if r is None else [r]
            fits = [f for g in group for f in g["sklearn_fit_s"]]
            a = [t for g in group for t in g["iteration"]["certify_s"]]
            b = [t for g in group for t in g["with_next_estep"]["certify_s"]]
            ra = [x for g in group for x in _ratios(g["sklearn_fit_s"], g["iteration"]["certify_s"])]
            rb = [x for g in group for x in _ratios(g["sklearn_fit_s"], g["with_next_estep"]["certify_s"])]
            first = group[0]
            cold = [g["iteration"]["cold_s"] for g in group]
            peak = max(g["iteration"]["peak_mb"] for g in group)
            peak_b = max(g["with_next_estep"]["peak_mb"] for g in group)
            label = "all" if r is None else str(i + 1)
            load = "" if r is None else f"{r['load']:.1f}"
            lines.append(
                f"| {n:>6} | {d} | {K} | {label:>3} | {load:>4} | {_spread(fits, 4):>23} | {_spread(a):>19} | "
                f"{_ratio(a, fits, ra):>17} | "
                f"{_spread(cold) if r is None else f'{cold[0]:.3f}':>19} | {peak:7.0f} | {first['iteration']['values']:6} | "
                f"{min(g['iteration']['min_digits'] for g in group):10} | "
                f"{statistics.median([g['iteration']['two_digit_errors'] for g in group]):14.0%} | {_spread(b):>25} | "
                f"{_ratio(b, fits, rb):>17} | {peak_b:7.0f} |")
    exact = [r for r in rows if "exact" in r]
    if exact:
        lines.append("")
        lines += [f"exact path, n = {r['n']}, d = {r['d']}, K = {r['K']}: {r['exact']['certify_s']:.2f} s, "
                  f"{r['exact']['ratio']:.0f}× the fit, peak {r['exact']['peak_mb']:.0f} MB" for r in exact]
    return lines


def api_one(n: int, d: int, K: int, seed: int, repeat: int, exact: bool, only: str | None = None) -> list[dict]:
    """``gmmexact.crosscheck(gm, X)`` end to end (the estimator's problem read from X, the refit, the
    certification) for a fitted estimator, against its fit: X as ordinary float64 data (the clusters plus
    ``rng.normal`` noise, every bit significant) and the same floats rounded to a binary grid (2⁻²⁰); both
    take the fast path. With ``exact`` the float64 data once more with ``method="exact"``."""
    import gmmexact
    from bench_iteration import generate
    from sklearn.mixture import GaussianMixture

    ints, start_idx, var = generate(n, d, K, seed)
    rough = np.asarray(ints, dtype=np.float64) / 1000 + np.random.default_rng(seed).normal(0, 5e-4, (n, d))
    variants = [("float64", rough, "auto"), ("grid 2^-20", np.round(rough * 2**20) / 2**20, "auto")]
    variants += [("float64", rough, "exact")] if exact else []
    if only is not None:  # one variant per process: its memory peak is its own
        variants = [v for v in variants if f"{v[0]}/{v[2]}" == only]
    out = []
    for label, X, how in variants:
        def fitted():
            gm = GaussianMixture(K, max_iter=1, tol=0, reg_covar=1e-6, weights_init=[1 / K] * K,
                                 means_init=X[list(start_idx)], precisions_init=[np.eye(d) * 100 / float(var)] * K,
                                 init_params="random_from_data")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                gm.fit(X)
            return gm, time.perf_counter() - t0

        gm, _ = fitted()  # warm-up
        fits = [fitted()[1] for _ in range(repeat)]
        times = []
        for r in range(1 if how == "exact" else repeat + 1):
            _reset_peak()
            base = _rss_mb()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                check = gmmexact.crosscheck(gm, X, method=how)
                times.append(time.perf_counter() - t0)
            if r == 0:
                peak = _peak_mb() - base
        method = "fast" if any(f.key == "fast path" for f in check.findings) else "exact"
        out.append({"n": n, "d": d, "K": K, "data": label, "path": method, "fit_s": statistics.median(fits),
                    "first_s": times[0], "median_s": statistics.median(times[1:] or times), "peak_mb": peak,
                    "min_digits": int(check.entries.digits.min()), "passed": bool(check.passed)})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["100000,5,4"], help="N,D,K triples (default 100000,5,4)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5, help="timed rounds per process (default 5)")
    ap.add_argument("--runs", type=int, default=3, help="fresh processes per size (default 3)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1; 0: library default)")
    ap.add_argument("--exact-up-to", type=int, default=0, help="also time the exact path for n up to this")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--api", action="store_true",
                    help="time gmmexact.crosscheck(fitted_estimator, X) end to end on float64 data (rng.normal "
                         "noise, and the same rounded to 2^-20) instead (the exact path too for n <= --exact-up-to)")
    ap.add_argument("--_one", help=argparse.SUPPRESS)
    ap.add_argument("--_api", help=argparse.SUPPRESS)
    ap.add_argument("--_variant", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._api:
        n, d, K = (int(v) for v in args._api.split(","))
        print(json.dumps(api_one(n, d, K, args.seed, args.repeat, n <= args.exact_up_to, args._variant)))
        return 0
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
    if args.api:
        print("|      n | d | K | data       | path  | fit s  | crosscheck s: first | median | x fit (median) | peak MB "
              "| min digits |")
        print("|--------|---|---|------------|-------|--------|---------------------|--------|----------------|---------"
              "|------------|")
        jobs = [(size, variant) for size in args.sizes
                for variant in ["float64/auto", "grid 2^-20/auto"]
                + (["float64/exact"] if int(size.split(",")[0]) <= args.exact_up_to else [])]
        for size, variant in jobs:
            cmd = [sys.executable, __file__, "--_api", size, "--seed", str(args.seed), "--repeat", str(args.repeat),
                   "--exact-up-to", str(args.exact_up_to), "--_variant", variant]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                return proc.returncode
            for r in json.loads(proc.stdout.strip().splitlines()[-1]):
                print(f"| {r['n']:>6} | {r['d']} | {r['K']} | {r['data']:<10} | {r['path']:<5} | {r['fit_s']:.4f} "
                      f"| {r['first_s']:>19.2f} | {r['median_s']:>6.2f} | {r['median_s'] / r['fit_s']:>14.1f} "
                      f"| {r['peak_mb']:>7.0f} | {r['min_digits']:>10} |")
        return 0
    rows = []
    for size in args.sizes:
        for run in range(args.runs):
            cmd = [sys.executable, __file__, "--_one", size, "--seed", str(args.seed), "--repeat", str(args.repeat),
                   "--exact-up-to", str(args.exact_up_to if run == 0 else 0)]
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if proc.returncode:
                print(proc.stderr, file=sys.stderr)
                return proc.returncode
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print("\n".join(table(rows)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
