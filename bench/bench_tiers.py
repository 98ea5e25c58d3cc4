"""Benchmark the tiers of ``solve``'s parameters path against scikit-learn and plain numpy, in one run.

Run from the repository root:

    python bench/bench_tiers.py                                   # 1000,2,2  10000,3,3  100000,5,4
    python bench/bench_tiers.py --sizes 100000,5,4 --digits 12 18 --repeat 3
    python bench/bench_tiers.py --process                         # also the whole process on a CSV

Every size runs in a fresh subprocess (BLAS pinned to one thread unless ``--threads 0``). In each, from
the same start (``bench_iteration.generate``: decimal data in thousandths), measured in turn so that
machine load falls on all alike: scikit-learn's fit of one iteration, one plain numpy float64
iteration, tier 1 alone (``floattier.float_iterations`` from the problem object), and the certified
parameters to each ``--digits`` (``tiers.certified_parameters``: tier 1, else longdouble, else arb),
with the tier that answered. Printed: medians, ratios to scikit-learn, the peak resident memory a
certification added (``VmHWM`` reset before it). ``--process`` times whole processes on a CSV of the
largest size: ``gmmexact solve problem.toml --digits D --format json`` against a Python process that
loads the CSV with numpy and fits scikit-learn one iteration.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from benchmem import reset_peak, status_mb  # noqa: E402

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def problem_of(n: int, d: int, K: int, seed: int):
    from bench_iteration import float_start, generate

    from gmmexact.model.decimalpoints import DecimalPoints
    from gmmexact.model.problem import Problem

    ints, start_idx, var = generate(n, d, K, seed)
    pts = DecimalPoints(ints, -3)
    v = Fraction(var, 100)
    cov = [[v if i == j else Fraction(0) for j in range(d)] for i in range(d)]
    problem = Problem.from_arrays(pts, means=[pts[i] for i in start_idx], covariances=[cov] * K,
                                  weights=[Fraction(1, K)] * K, reg_covar=Fraction(1, 10**6))
    return problem, float_start(ints, start_idx, var), (ints, start_idx, var)


def one(n: int, d: int, K: int, digits: list[int], seed: int, repeat: int) -> dict:
    from bench_iteration import numpy_em, run_sklearn

    from gmmexact.numerics.floattier import float_iterations
    from gmmexact.numerics.tiers import certified_parameters

    problem, (X, w, m, c, p), _ = problem_of(n, d, K, seed)
    jobs = {"sklearn": lambda: run_sklearn(X, w, m, p, 1e-6), "numpy": lambda: numpy_em(X, w, m, c),
            "tier1": lambda: float_iterations(problem, 1)}
    for dg in digits:
        jobs[f"digits{dg}"] = (lambda dg=dg: certified_parameters(problem, 1, digits=dg))
    out = {"n": n, "d": d, "K": K, "load": os.getloadavg()[0]}
    peaks, answers = {}, {}
    for name, job in jobs.items():  # warm-up and peak memory, one at a time
        base = reset_peak()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            answers[name] = job()
        peaks[name] = status_mb("VmHWM:") - base
    times = {name: [] for name in jobs}
    for _ in range(repeat):
        for name, job in jobs.items():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                job()
                times[name].append(time.perf_counter() - t0)
    out["median_s"] = {k: statistics.median(v) for k, v in times.items()}
    out["peak_mb"] = peaks
    out["tiers"] = {f"digits{dg}": answers[f"digits{dg}"].tier for dg in digits}
    undecided = {}
    for dg in digits:
        run = answers[f"digits{dg}"]
        undecided[f"digits{dg}"] = sum(_count_none(run.decimal(k, dg)) for k in run.keys())
    out["undecided"] = undecided
    return out


def _count_none(v) -> int:
    if isinstance(v, list):
        return sum(_count_none(x) for x in v)
    return int(v is None)


def process(n: int, d: int, K: int, digits: int, seed: int, repeat: int) -> dict:
    """Whole processes on a CSV of the points: gmmexact solve, and numpy loadtxt + scikit-learn."""
    _, _, (ints, start_idx, var) = problem_of(n, d, K, seed)

    def dec(v: int) -> str:
        return f"{'-' if v < 0 else ''}{abs(v) // 1000}.{abs(v) % 1000:03d}"

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with open(tmp / "X.csv", "w") as f:
            f.write(",".join(f"x{j}" for j in range(d)) + "\n")
            f.write("\n".join(",".join(dec(v) for v in row) for row in ints.tolist()) + "\n")
        v = f"{var // 100}.{var % 100:02d}"
        cov = "[" + ", ".join("[" + ", ".join(f'"{v if i == j else 0}"' for j in range(d)) + "]" for i in range(d)) + "]"
        comps = "".join(f'[[components]]\nname = "c{k}"\nweight = "1/{K}"\nmean = [{", ".join(chr(34) + dec(x) + chr(34) for x in ints[i])}]\n'
                        f"covariance = {cov}\n\n" for k, i in enumerate(start_idx))
        (tmp / "problem.toml").write_text(f'reg_covar = "1e-6"\n\n[data]\npoints_file = "X.csv"\n\n{comps}')
        (tmp / "fit.py").write_text(
            "import warnings, numpy as np\nfrom sklearn.mixture import GaussianMixture\n"
            "X = np.loadtxt('X.csv', delimiter=',', skiprows=1)\n"
            f"idx = {list(start_idx)}\nK, d = {K}, {d}\n"
            f"gm = GaussianMixture(K, max_iter=1, tol=0, reg_covar=1e-6, means_init=X[idx], "
            f"weights_init=np.full(K, 1 / K), precisions_init=np.stack([np.eye(d) / {var / 100}] * K))\n"
            "with warnings.catch_warnings():\n    warnings.simplefilter('ignore')\n    gm.fit(X)\n")
        env = dict(os.environ)
        cmds = {"gmmexact solve": [sys.executable, "-m", "gmmexact", "solve", "problem.toml", "--digits", str(digits),
                                   "--format", "json", "--quiet"],
                "numpy load + sklearn": [sys.executable, "fit.py"]}
        times = {k: [] for k in cmds}
        tier = None
        for _ in range(repeat):
            for name, cmd in cmds.items():
                t0 = time.perf_counter()
                r = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
                times[name].append(time.perf_counter() - t0)
                if r.returncode:
                    raise SystemExit(f"{name} failed: {r.stderr[-2000:]}")
                if name == "gmmexact solve":
                    tier = json.loads(r.stdout)["tier"]
    return {"n": n, "d": d, "K": K, "digits": digits, "median_s": {k: statistics.median(v) for k, v in times.items()},
            "tier": tier}


def parse_size(text: str) -> tuple[int, int, int]:
    n, d, K = (int(v) for v in text.split(","))
    return n, d, K


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=parse_size,
                    default=[parse_size(s) for s in ("1000,2,2", "10000,3,3", "100000,5,4")])
    ap.add_argument("--digits", nargs="+", type=int, default=[12, 18, 30])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (0: leave as is)")
    ap.add_argument("--process", action="store_true", help="also whole processes on a CSV of the largest size")
    ap.add_argument("--_one", type=parse_size, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._one:
        print(json.dumps(one(*args._one, args.digits, args.seed, args.repeat)))
        return 0
    env = dict(os.environ)
    if args.threads:
        env.update({v: str(args.threads) for v in THREAD_VARS})
    rows = []
    for size in args.sizes:
        cmd = [sys.executable, __file__, "--_one", ",".join(map(str, size)), "--digits", *map(str, args.digits),
               "--seed", str(args.seed), "--repeat", str(args.repeat)]
        r = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if r.returncode:
            print(r.stderr[-3000:], file=sys.stderr)
            return 1
        rows.append(json.loads(r.stdout.strip().splitlines()[-1]))
    import sklearn

    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, {os.cpu_count()} CPUs, BLAS threads "
          f"{args.threads or 'default'}; medians of {args.repeat}")
    names = ["numpy", "tier1"] + [f"digits{dg}" for dg in args.digits]
    head = "| n | d | K | sklearn s | " + " | ".join(f"{k} s (× sklearn, peak MB)" for k in names) + " | tier that answered |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        sk = r["median_s"]["sklearn"]
        cells = [f"{r['median_s'][k]:.4f} ({r['median_s'][k] / sk:.2f}×, {r['peak_mb'][k]:.0f})" for k in names]
        tiers = "; ".join(f"{k[6:]} digits: {v.split(' (')[0]}" + (f" ({r['undecided'][k]} undecided)"
                                                                       if r['undecided'][k] else "")
                          for k, v in r["tiers"].items())
        print(f"| {r['n']} | {r['d']} | {r['K']} | {sk:.4f} | " + " | ".join(cells) + f" | {tiers} |")
    if args.process:
        n, d, K = args.sizes[-1]
        for dg in args.digits:
            p = process(n, d, K, dg, args.seed, max(1, min(args.repeat, 3)))
            a, b = p["median_s"]["gmmexact solve"], p["median_s"]["numpy load + sklearn"]
            print(f"whole process, n = {n}, d = {d}, K = {K}, --digits {dg}: gmmexact solve {a:.2f} s, numpy load + "
                  f"sklearn {b:.2f} s, ratio {a / b:.2f} (tier: {p['tier']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
