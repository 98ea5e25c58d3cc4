"""Benchmark reading data files exactly (``gmmexact.model.datafiles.read_points``) against numpy.

Run from the repository root:

    python bench/bench_datafiles.py                       # 100,000 × 5 values written like 12.345
    python bench/bench_datafiles.py --n 20000 --d 3 --repeat 7
    python bench/bench_datafiles.py --json results.json   # also save every figure as JSON

For one generated data set (deterministic: ``numpy.random.default_rng(seed)``), in one run:

* a CSV of decimals with ``--decimals`` places (``"%.3f"``: ``12.345``, ``-0.071``): ``read_points``
  into ``DecimalPoints`` (exact), ``numpy.loadtxt(..., dtype=float)`` (rounded to float64), and the
  same text turned into one ``Fraction`` per value (split lines, ``Fraction(text)``), which is what a
  reader without ``DecimalPoints`` pays;
* the same numbers saved by ``numpy.savetxt``'s default ``%.18e`` (19 significant digits, exponents):
  ``read_points`` and ``numpy.loadtxt``;
* a float64 ``.npy`` (``read_points`` → ``FloatPoints``, against ``numpy.load``) and an int64 one;
* with pyarrow installed, Parquet files of float64 and of ``decimal128(12, --decimals)`` columns,
  against ``pyarrow.parquet.read_table`` and ``to_numpy()`` of each column (Decimal objects for decimals).

Each figure is the median of ``--repeat`` runs after one warm-up run (the file is in the page cache).
Every exact result is checked: the ``DecimalPoints`` equal the Fractions of the text, their nearest
floats equal ``loadtxt``'s, and the ``.npy`` and Parquet points equal the arrays.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gmmexact.model.datafiles import read_points
from gmmexact.model.limits import override

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:
    pa = pq = None


def timed(fn, repeat: int) -> tuple[float, object]:
    """Median wall seconds of ``repeat`` runs after one warm-up run, and the last result."""
    result = fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def peak_mb(fn) -> float:
    """Peak memory allocated (tracemalloc: Python objects and numpy buffers) while ``fn`` runs, in MB."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def one_fraction_per_value(path: Path):
    lines = path.read_text().splitlines()[1:]
    return tuple(tuple(Fraction(v) for v in line.split(",")) for line in lines)


def version_line() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "gmmexact"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.strip()
        commit = f"gmmexact {head}" + (" (gmmexact/ has uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        commit = "gmmexact (not a git checkout)"
    arrow = f", pyarrow {pa.__version__}" if pa is not None else ", pyarrow not installed"
    return (f"{commit}; Python {platform.python_version()}, numpy {np.__version__}{arrow}; "
            f"{platform.machine()}, {os.cpu_count()} CPUs")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="points (default 100000)")
    parser.add_argument("--d", type=int, default=5, help="coordinates per point (default 5)")
    parser.add_argument("--decimals", type=int, default=3, help="decimal places written (default 3)")
    parser.add_argument("--repeat", type=int, default=5, help="runs behind each median (default 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-fractions", action="store_true", help="skip the one-Fraction-per-value reader")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    n, d, r = args.n, args.d, args.repeat
    print(version_line())
    print("command: python " + " ".join([os.path.relpath(__file__, ROOT)] + (argv if argv is not None else sys.argv[1:])))
    rng = np.random.default_rng(args.seed)
    X = np.round(rng.normal(0.0, 1.0, (n, d)) * 10 + rng.normal(0.0, 20.0, d), args.decimals)
    rows: list[tuple[str, str, float, float | None, str]] = []  # (file, reader, seconds, peak MB, note)
    figures: dict = {"n": n, "d": d, "decimals": args.decimals, "repeat": r, "rows": []}

    def add(file: str, reader: str, seconds: float, peak: float | None = None, note: str = ""):
        rows.append((file, reader, seconds, peak, note))

    with tempfile.TemporaryDirectory() as tmp, override(points=max(n, 100_000)):
        tmp = Path(tmp)
        csv_path = tmp / "points.csv"
        fmt = f"%.{args.decimals}f"
        np.savetxt(csv_path, X, fmt=fmt, delimiter=",", header=",".join(f"x{j + 1}" for j in range(d)), comments="")
        size = csv_path.stat().st_size
        t_exact, data = timed(lambda: read_points(csv_path), r)
        t_float, floats = timed(lambda: np.loadtxt(csv_path, delimiter=",", skiprows=1, dtype=float, ndmin=2), r)
        assert np.array_equal(data.points.nearest_floats(), floats), "nearest floats differ from loadtxt"
        add(f"CSV {fmt} ({size / 1e6:.1f} MB)", "read_points → DecimalPoints (exact)", t_exact,
            peak_mb(lambda: read_points(csv_path)),
            f"int64 × 10^{data.points.exponent}" if data.points.integers.dtype == np.int64 else "Python ints")
        add("", "numpy.loadtxt(dtype=float)", t_float, peak_mb(lambda: np.loadtxt(csv_path, delimiter=",", skiprows=1)))
        if not args.no_fractions:
            t_frac, slow = timed(lambda: one_fraction_per_value(csv_path), max(1, min(r, 2)))
            assert data.points == slow, "DecimalPoints differ from the Fractions of the text"
            add("", "one Fraction per value (split, Fraction(text))", t_frac, None, "checked equal")
        t_rows, _ = timed(lambda: type(data.points)(data.points.integers, data.points.exponent).rows(), 1)
        add("", "  then DecimalPoints.rows() (Fractions on demand)", t_rows)
        t_near, _ = timed(data.points.nearest_floats, r)
        add("", "  then DecimalPoints.nearest_floats()", t_near)

        sci_path = tmp / "points_e.csv"
        np.savetxt(sci_path, X, delimiter=",", header=",".join(f"x{j + 1}" for j in range(d)), comments="")
        t_sci, sci = timed(lambda: read_points(sci_path), max(1, min(r, 3)))
        t_sci_f, sci_f = timed(lambda: np.loadtxt(sci_path, delimiter=",", skiprows=1, ndmin=2), r)
        assert np.array_equal(sci.points.nearest_floats(), sci_f)
        add(f"CSV %.18e ({sci_path.stat().st_size / 1e6:.1f} MB)", "read_points → DecimalPoints (exact)", t_sci,
            None, "int64" if sci.points.integers.dtype == np.int64 else "Python ints (19 digits at one scale)")
        add("", "numpy.loadtxt(dtype=float)", t_sci_f)

        npy = tmp / "points.npy"
        np.save(npy, X)
        t_npy, got = timed(lambda: read_points(npy), r)
        assert np.array_equal(got.points.array, X)
        add(f".npy float64 ({npy.stat().st_size / 1e6:.1f} MB)", "read_points → FloatPoints", t_npy)
        add("", "numpy.load", timed(lambda: np.load(npy), r)[0])
        ints = np.rint(X * 10**args.decimals).astype(np.int64)
        np.save(npy, ints)
        t_npy_i, got = timed(lambda: read_points(npy), r)
        assert np.array_equal(got.points.integers, ints)
        add(".npy int64", "read_points → DecimalPoints", t_npy_i)
        add("", "numpy.load", timed(lambda: np.load(npy), r)[0])

        if pq is not None:
            names = [f"x{j + 1}" for j in range(d)]
            pf = tmp / "floats.parquet"
            pq.write_table(pa.table({nm: X[:, j] for j, nm in enumerate(names)}), pf)
            t_pf, got = timed(lambda: read_points(pf), r)
            assert np.array_equal(got.points.array, X)
            add(f"Parquet float64 ({pf.stat().st_size / 1e6:.1f} MB)", "read_points → FloatPoints", t_pf)
            add("", "pyarrow read_table + to_numpy", timed(
                lambda: np.column_stack([c.to_numpy() for c in pq.read_table(pf).columns]), r)[0])
            pdx = tmp / "decimals.parquet"
            scale = args.decimals
            columns = {}
            for j, nm in enumerate(names):  # 16-byte little-endian two's complement: low word, sign word
                words = np.column_stack([ints[:, j], ints[:, j] >> 63]).astype("<i8")
                columns[nm] = pa.Array.from_buffers(pa.decimal128(12, scale), n, [None, pa.py_buffer(words.tobytes())])
            assert columns[names[0]][0].as_py() == Decimal(int(ints[0, 0])).scaleb(-scale)
            pq.write_table(pa.table(columns), pdx)
            t_pd, got = timed(lambda: read_points(pdx), r)
            assert np.array_equal(got.points.scaled_integers(-scale), ints)
            add(f"Parquet decimal128(12, {scale})", "read_points → DecimalPoints (exact)", t_pd)
            add("", "pyarrow read_table + to_numpy (Decimal objects)", timed(
                lambda: [c.to_numpy() for c in pq.read_table(pdx).columns], max(1, min(r, 2)))[0])

    print(f"\n{n:,} points × {d} coordinates; median of {r} runs after a warm-up\n")
    width = max(len(x[1]) for x in rows)
    fwidth = max(len(x[0]) for x in rows)
    print(f"{'file':<{fwidth}}  {'reader':<{width}}  {'seconds':>8}  {'x exact':>8}  {'peak MB':>8}  note")
    base = None
    for file, reader, seconds, peak, note in rows:
        if file:
            base = seconds
            print()
        ratio = seconds / base if base else float("nan")
        shown_peak = f"{peak:8.1f}" if peak is not None else " " * 8
        print(f"{file:<{fwidth}}  {reader:<{width}}  {seconds:8.3f}  {ratio:8.2f}  {shown_peak}  {note}")
        figures["rows"].append({"file": file, "reader": reader, "seconds": seconds, "ratio_to_first": ratio,
                                "peak_mb": peak, "note": note})
    print("\n'x exact': seconds divided by the first reader of the same file (read_points).")
    summary = {"csv_read_points_over_loadtxt": t_exact / t_float, "csv_sci_read_points_over_loadtxt": t_sci / t_sci_f}
    print(f"CSV {fmt}: read_points takes {t_exact / t_float:.2f}× numpy.loadtxt", end="")
    if not args.no_fractions:
        summary["csv_fractions_over_read_points"] = t_frac / t_exact
        print(f"; one Fraction per value takes {t_frac / t_exact:.1f}× read_points", end="")
    print(f". CSV %.18e: read_points takes {t_sci / t_sci_f:.2f}× numpy.loadtxt.")
    figures["summary"] = summary
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
