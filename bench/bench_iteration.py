"""Benchmark one certified EM iteration of gmmexact against scikit-learn and plain numpy.

Run from the repository root:

    python bench/bench_iteration.py                      # the default sizes, 15 digits
    python bench/bench_iteration.py --sizes 1000,2,2 10000,3,3 --digits 15
    python bench/bench_iteration.py --profile            # cProfile of the largest size, top 15

Every size runs in a fresh subprocess of this script (hidden flag ``--_one``) so that peak-memory
figures of different sizes do not mix. See bench/README.md for what is measured and how.
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
import warnings
from fractions import Fraction

import numpy as np

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
DEFAULT_SIZES = ("6,2,2", "1000,2,2", "10000,3,3", "100000,5,4")
SCRIPT = os.path.relpath(os.path.abspath(__file__))


# --- problem generation ---------------------------------------------------------------------------

def generate(n: int, d: int, K: int, seed: int):
    """A deterministic problem: integer data in thousandths, start indices and the start variance.

    Points are draws from K Gaussians with well-separated centres (pairwise distance >= 4 in units
    of their unit-scale noise, mildly anisotropic), rounded to 0.001. The start means are data
    points (one per true cluster), the start covariances the identity times the data's mean
    per-coordinate variance rounded to 2 decimals, the start weights 1/K each.

    Returns ``(ints, start_idx, var_hundredths)``: the data are ``ints / 1000`` exactly, the start
    means ``ints[start_idx] / 1000`` and the start variance ``var_hundredths / 100``.
    """
    rng = np.random.default_rng([seed, n, d, K])
    while True:
        centers = rng.normal(0.0, 3.0, (K, d))
        gaps = [np.linalg.norm(centers[a] - centers[b]) for a in range(K) for b in range(a + 1, K)]
        if min(gaps, default=math.inf) >= 4.0:
            break
    shapes = np.eye(d) + 0.25 * rng.standard_normal((K, d, d))
    labels = rng.permutation(np.arange(n) % K)
    noise = rng.standard_normal((n, d))
    x = centers[labels] + np.einsum("ni,nij->nj", noise, shapes[labels])
    ints = np.rint(x * 1000).astype(np.int64)
    start_idx = [int(np.flatnonzero(labels == k)[0]) for k in range(K)]
    var_hundredths = max(1, int(round(float((ints / 1000).var(axis=0).mean()) * 100)))
    return ints, start_idx, var_hundredths


def exact_problem(ints, start_idx, var_hundredths):
    from gmmexact.model.problem import Problem

    n, d = ints.shape
    K = len(start_idx)
    points = [[Fraction(v, 1000) for v in row] for row in ints.tolist()]
    var = Fraction(var_hundredths, 100)
    cov = [[var if i == j else Fraction(0) for j in range(d)] for i in range(d)]
    return Problem.from_arrays(points, means=[points[i] for i in start_idx], covariances=[cov] * K,
                               weights=[Fraction(1, K)] * K)


def float_start(ints, start_idx, var_hundredths):
    """The float64 versions of the same numbers (each the double nearest the exact value)."""
    X = ints / 1000.0  # correctly rounded: one IEEE division of exact integers
    K, d = len(start_idx), X.shape[1]
    var = var_hundredths / 100.0
    means = X[start_idx].copy()
    covs = np.stack([np.eye(d) * var] * K)
    precs = np.stack([np.eye(d) / var] * K)
    weights = np.full(K, 1.0 / K)
    return X, weights, means, covs, precs


# --- the three implementations --------------------------------------------------------------------

def output_keys(problem, d: int):
    from gmmexact.model.keys import Key
    from gmmexact.engine.lookup import entry_keys

    keys = []
    for name in problem.component_names:
        keys.append(Key.parse(f"weight.{name}"))
        keys += entry_keys(Key.parse(f"mean.{name}"), d)
        keys += entry_keys(Key.parse(f"cov.{name}"), d)
    keys.append(Key.parse("loglik"))
    return keys


def make_certifier_class():
    from gmmexact.numerics.certify import Certifier

    class RecordingCertifier(Certifier):
        """A Certifier that remembers which working precisions it evaluated at."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.precisions: list[int] = []

        def evaluation(self, prec):
            if prec not in self.precisions:
                self.precisions.append(prec)
            return super().evaluation(prec)

    return RecordingCertifier


def run_gmmexact(problem, keys, digits: int):
    """The timed path: problem -> exact plan -> certified digits of every M-step output and loglik."""
    from gmmexact.numerics.backends import get_backend
    from gmmexact.engine.exact import derive_exact

    certifier_class = make_certifier_class()
    t0 = time.perf_counter()
    plan = derive_exact(problem, iterations=1)
    t1 = time.perf_counter()
    cert = certifier_class(plan, get_backend("arb"))
    results = cert.round(keys, digits)
    t2 = time.perf_counter()
    return cert, results, t2 - t0, t1 - t0


def certified_digits(results, digits: int) -> int:
    """``digits`` when every value rounded; else the most digits every enclosure still decides."""
    from gmmexact.numerics.rounding import Rounded, round_interval

    worst = digits
    for r in results.values():
        if isinstance(r, Rounded):
            worst = min(worst, r.digits)
            continue
        k = digits if r.lo is not None and r.hi is not None else 0  # None: no finite enclosure
        while k > 0 and round_interval(r.lo, r.hi, k) is None:
            k -= 1
        worst = min(worst, k)
    return worst


def resp_digits(cert, digits: int) -> tuple[float, int]:
    """Min over all n*K responsibility balls of -log10(rad/|mid|), at the last precision used."""
    if cert.precisions:
        prec = max(cert.precisions)
    else:  # everything was exact; evaluate at the certifier's starting precision
        from gmmexact.numerics.certify import start_precision
        prec = start_precision(digits, 1)
    ev = cert.evaluation(prec)
    resp = ev.iterations[0].resp
    rad, mid = [], []
    for row in resp.tolist():
        for x in row:
            rad.append(float(x.rad()))
            mid.append(float(x.mid()))
    rad, mid = np.array(rad), np.abs(np.array(mid))
    with np.errstate(divide="ignore"):
        rel = np.where(mid > 0, rad / np.where(mid > 0, mid, 1.0), np.inf)
    worst = float(rel.max()) if rel.size else 0.0
    return (math.inf if worst == 0 else -math.log10(worst)), prec


def run_sklearn(X, weights, means, precs, reg_covar: float):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    gm = GaussianMixture(n_components=len(weights), covariance_type="full", max_iter=1, tol=0,
                         reg_covar=reg_covar, init_params="random_from_data", weights_init=weights,
                         means_init=means, precisions_init=precs, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm.fit(X)
    return gm.weights_, gm.means_, gm.covariances_, gm.lower_bound_ * X.shape[0]


def numpy_em(X, weights, means, covs):
    """One EM iteration in float64: E-step with log-sum-exp, then the M-step."""
    n, d = X.shape
    K = len(weights)
    logp = np.empty((n, K))
    for k in range(K):
        diff = X - means[k]
        chol = np.linalg.cholesky(covs[k])
        z = np.linalg.solve(chol, diff.T)  # L z = (x - mu)
        logdet = 2.0 * np.log(np.diag(chol)).sum()
        logp[:, k] = np.log(weights[k]) - 0.5 * (d * math.log(2 * math.pi) + logdet + (z * z).sum(axis=0))
    top = logp.max(axis=1, keepdims=True)
    lse = top[:, 0] + np.log(np.exp(logp - top).sum(axis=1))
    resp = np.exp(logp - lse[:, None])
    nk = resp.sum(axis=0)
    new_means = (resp.T @ X) / nk[:, None]
    new_covs = np.empty((K, d, d))
    for k in range(K):
        diff = X - new_means[k]
        new_covs[k] = (resp[:, k, None] * diff).T @ diff / nk[k]
    return nk / n, new_means, new_covs, float(lse.sum())


def max_rel_diff(float_result, exact_values, K: int, d: int) -> float:
    """Largest |float - certified| / |certified| over every output (0 entries: absolute)."""
    w, mu, cov, ll = float_result
    flat = []  # in the order of output_keys: per component weight, mean, cov; then loglik
    for k in range(K):
        flat.append(float(w[k]))
        flat += [float(mu[k][i]) for i in range(d)]
        flat += [float(cov[k][i][j]) for i in range(d) for j in range(d)]
    flat.append(float(ll))
    worst = 0.0
    for a, c in zip(flat, exact_values, strict=True):
        worst = max(worst, abs(a - c) / (abs(c) if c else 1.0))
    return worst


def value_of(result) -> float:
    """A float of a certified value: the rounded value, else the enclosure's centre (nan if none)."""
    if hasattr(result, "fraction"):
        return float(result.fraction())
    if result.lo is None or result.hi is None:
        return math.nan
    return float((result.lo + result.hi) / 2)


def median_time(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


# --- one size, in its own process -----------------------------------------------------------------

def _reset_peak() -> bool:
    """Reset the resident-set high-water mark (Linux >= 4.0), so ru_maxrss restarts from now."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _maxrss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / (1024 * 1024) if sys.platform == "darwin" else kb / 1024


def one_size(n: int, d: int, K: int, digits: int, seed: int, repeat: int) -> dict:
    import sklearn.mixture  # noqa: F401  (imported before the memory baseline)

    import gmmexact.numerics.certify  # noqa: F401
    from gmmexact.numerics.rounding import Rounded

    ints, start_idx, var_h = generate(n, d, K, seed)
    t = time.perf_counter()
    problem = exact_problem(ints, start_idx, var_h)
    build_s = time.perf_counter() - t
    keys = output_keys(problem, d)

    gc.collect()
    reset = _reset_peak()
    base_mb = _maxrss_mb()
    cert, results, total_s, derive_s = run_gmmexact(problem, keys, digits)
    peak_mb = _maxrss_mb()
    times = [total_s]
    while len(times) < repeat and sum(times) < 1.0:  # repeat only the fast sizes
        times.append(run_gmmexact(problem, keys, digits)[2])
    gmm_s = statistics.median(times)

    cdigits = certified_digits(results, digits)
    t = time.perf_counter()
    rdigits, resp_prec = resp_digits(cert, digits)
    resp_stat_s = time.perf_counter() - t
    exact_values = [value_of(results[k]) for k in keys]

    X, w0, mu0, cov0, prec0 = float_start(ints, start_idx, var_h)
    reg = 0.0
    try:
        run_sklearn(X, w0, mu0, prec0, reg)
    except Exception:  # singular covariance at reg_covar = 0
        reg = 1e-6
    sk_s, sk_out = median_time(lambda: run_sklearn(X, w0, mu0, prec0, reg), repeat)
    np_s, np_out = median_time(lambda: numpy_em(X, w0, mu0, cov0), repeat)

    return {
        "n": n, "d": d, "K": K, "digits": digits, "seed": seed,
        "gmmexact_s": gmm_s, "gmmexact_runs": len(times), "derive_s": derive_s,
        "round_s": total_s - derive_s, "build_s": build_s,
        "peak_mb": peak_mb - base_mb, "base_mb": base_mb, "abs_peak_mb": peak_mb, "peak_reset": reset,
        "certified_digits": cdigits, "n_keys": len(keys),
        "undecided": sum(not isinstance(r, Rounded) for r in results.values()),
        "min_resp_digits": rdigits, "resp_prec_bits": resp_prec, "precisions": cert.precisions,
        "resp_stat_s": resp_stat_s,
        "sklearn_s": sk_s, "sklearn_reg_covar": reg, "numpy_s": np_s,
        "sklearn_max_rel_diff": max_rel_diff(sk_out, exact_values, K, d),
        "numpy_max_rel_diff": max_rel_diff(np_out, exact_values, K, d),
        "start_variance": f"{var_h}/100",
    }


# Functions of the engine timed one by one in --profile (those missing in a version are skipped).
# They are looked up where the caller finds them, so wrapping them times every call of the path.
PHASES = (
    ("gmmexact.engine.exact", "monomials", "monomial matrix (exact.monomials)"),
    ("gmmexact.model.linalg", "affine_relations", "affine hull / degeneracy (linalg.affine_relations)"),
    ("gmmexact.engine.exact", "_with_inverse", "start |Σ|, Σ⁻¹ (exact._with_inverse)"),
    ("gmmexact.engine.exact", "exact_estep", "exact quadratic forms (exact.exact_estep)"),
    ("gmmexact.engine.exact", "symmetric_mstep", "rational M-step entries (exact.symmetric_mstep)"),
    ("gmmexact.engine.exact", "exact_mstep", "rational M-step (exact.exact_mstep)"),
    ("gmmexact.numerics.certify", "evaluate", "ball evaluation (evaluate.evaluate)"),
    ("gmmexact.numerics.certify", "round_arb", "rounding balls (rounding.round_arb)"),
)


def phase_times(problem, keys, digits: int):
    """Wall seconds per engine phase, without a profiler, by wrapping the functions in PHASES."""
    import importlib

    spent: dict[str, float] = {}
    saved = []

    def timed(fn, label):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - t
        return wrapper

    for module, name, label in PHASES:
        mod = importlib.import_module(module)
        if hasattr(mod, name):
            saved.append((mod, name, getattr(mod, name)))
            setattr(mod, name, timed(getattr(mod, name), label))
    try:
        _, _, total_s, _ = run_gmmexact(problem, keys, digits)
    finally:
        for mod, name, fn in saved:
            setattr(mod, name, fn)
    return total_s, spent


def profile_size(n: int, d: int, K: int, digits: int, seed: int, top: int) -> None:
    import cProfile
    import pstats

    ints, start_idx, var_h = generate(n, d, K, seed)
    problem = exact_problem(ints, start_idx, var_h)
    keys = output_keys(problem, d)
    total_s, spent = phase_times(problem, keys, digits)
    print(f"wall time by phase, n={n} d={d} K={K} digits={digits}, no profiler: {total_s:.2f} s in all")
    for label, s in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {s:8.3f} s  {100 * s / total_s:5.1f} %  {label}")
    rest = total_s - sum(spent.values())
    print(f"  {rest:8.3f} s  {100 * rest / total_s:5.1f} %  everything else\n")
    prof = cProfile.Profile()
    prof.enable()
    _, _, total_s, derive_s = run_gmmexact(problem, keys, digits)
    prof.disable()
    print(f"profile of n={n} d={d} K={K} digits={digits}: {total_s:.2f} s under cProfile "
          f"(derive_exact {derive_s:.2f} s)")
    stats = pstats.Stats(prof).strip_dirs()
    print(f"\n--- top {top} by cumulative time ---")
    stats.sort_stats("cumulative").print_stats(top)
    print(f"--- top {top} by internal time ---")
    stats.sort_stats("tottime").print_stats(top)


# --- driver ---------------------------------------------------------------------------------------

def parse_size(text: str) -> tuple[int, int, int]:
    parts = text.replace("x", ",").split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"{text!r}: expected n,d,K such as 1000,2,2")
    n, d, K = (int(p) for p in parts)
    if n < 2 or d < 1 or K < 1 or K > n:
        raise argparse.ArgumentTypeError(f"{text!r}: need n >= 2, d >= 1, 1 <= K <= n")
    return n, d, K


HEADER = ("n", "d", "K", "gmmexact s", "peak MB", "cert digits", "min resp digits",
          "sklearn s", "numpy s", "x sklearn", "x numpy")


def row(r: dict) -> tuple[str, ...]:
    rd = "inf" if math.isinf(r["min_resp_digits"]) else f"{r['min_resp_digits']:.1f}"
    sk = f"{r['sklearn_s']:.4f}" + ("*" if r["sklearn_reg_covar"] else "")
    return (str(r["n"]), str(r["d"]), str(r["K"]), f"{r['gmmexact_s']:.3f}", f"{r['peak_mb']:.1f}",
            str(r["certified_digits"]), rd, sk, f"{r['numpy_s']:.5f}",
            ratio(r["gmmexact_s"] / r["sklearn_s"]), ratio(r["gmmexact_s"] / r["numpy_s"]))


def ratio(x: float) -> str:
    return f"{x:.1f}" if x < 10 else f"{x:.0f}"


def print_table(header, rows, file=sys.stdout) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    line = lambda cells: "| " + " | ".join(c.rjust(w) for c, w in zip(cells, widths)) + " |"
    print(line(header), file=file)
    print("|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|", file=file)
    for r in rows:
        print(line(r), file=file)


def detail_rows(results):
    header = ("n", "d", "K", "build s", "derive s", "round s", "runs", "prec bits", "undecided",
              "resp stat s", "base MB", "sklearn rel diff", "numpy rel diff")
    rows = [(str(r["n"]), str(r["d"]), str(r["K"]), f"{r['build_s']:.3f}", f"{r['derive_s']:.3f}",
             f"{r['round_s']:.3f}", str(r["gmmexact_runs"]), ",".join(map(str, r["precisions"])) or "-",
             str(r["undecided"]), f"{r['resp_stat_s']:.3f}", f"{r['base_mb']:.1f}",
             f"{r['sklearn_max_rel_diff']:.1e}", f"{r['numpy_max_rel_diff']:.1e}") for r in results]
    return header, rows


def engine_version() -> str:
    """The commit of the working tree and whether gmmexact/ differs from it (timings depend on it)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "gmmexact"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "version unknown (not a git checkout)"
    return f"commit {head}" + (" + uncommitted changes in gmmexact/" if dirty else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=parse_size, default=[parse_size(s) for s in DEFAULT_SIZES],
                    metavar="N,D,K", help=f"problem sizes (default: {' '.join(DEFAULT_SIZES)})")
    ap.add_argument("--digits", type=int, default=15, help="certified significant digits (default 15)")
    ap.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    ap.add_argument("--repeat", type=int, default=3, help="runs for the medians (default 3)")
    ap.add_argument("--threads", type=int, default=1,
                    help="BLAS/OpenMP threads for numpy and scikit-learn (default 1, like gmmexact; "
                         "0 keeps the libraries' defaults)")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--profile", action="store_true",
                    help="instead of the table: cProfile the largest size and print the top functions")
    ap.add_argument("--top", type=int, default=15, help="functions listed by --profile (default 15)")
    ap.add_argument("--_one", type=parse_size, help=argparse.SUPPRESS)
    ap.add_argument("--_profile", type=parse_size, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._one:
        print(json.dumps(one_size(*args._one, args.digits, args.seed, args.repeat)))
        return 0
    if args._profile:
        profile_size(*args._profile, args.digits, args.seed, args.top)
        return 0

    fmt = lambda s: ",".join(map(str, s))
    common = ["--digits", str(args.digits), "--seed", str(args.seed)]
    env = dict(os.environ)
    if args.threads > 0:  # read by OpenBLAS / MKL / OpenMP when the subprocess imports numpy
        for var in THREAD_VARS:
            env[var] = str(args.threads)
    if args.profile:
        size = max(args.sizes, key=lambda s: s[0] * s[1] * s[1] * s[2])
        cmd = [sys.executable, SCRIPT, "--_profile", fmt(size), "--top", str(args.top)] + common
        return subprocess.call(cmd, env=env)

    reproduce = shlex.join(["python", SCRIPT, "--sizes", *map(fmt, args.sizes), *common,
                            "--repeat", str(args.repeat), "--threads", str(args.threads)])
    import flint
    import sklearn
    print(f"# python {platform.python_version()}, python-flint {flint.__version__}, numpy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"BLAS/OpenMP threads: {args.threads or 'library default'}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"# gmmexact: {engine_version()}")
    print(f"# reproduce: {reproduce}\n")
    results = []
    started = time.perf_counter()
    for size in args.sizes:
        cmd = [sys.executable, SCRIPT, "--_one", fmt(size), "--repeat", str(args.repeat)] + common
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            print(f"size {fmt(size)} failed (exit {proc.returncode})", file=sys.stderr)
            return 1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(r)
        print(f"  {fmt(size)}: done ({time.perf_counter() - started:.1f} s so far)", file=sys.stderr, flush=True)
    print_table(HEADER, [row(r) for r in results])
    print("\n# details (gmmexact seconds split into derive_exact + Certifier.round; float results vs certified):\n")
    print_table(*detail_rows(results))
    if any(r["sklearn_reg_covar"] for r in results):
        print("\n* scikit-learn needed reg_covar=1e-6 (reg_covar=0 failed)")
    print(f"\n# total benchmark wall time {time.perf_counter() - started:.1f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"reproduce": reproduce, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
