"""Checking a long hand-worked document: read, key every number, check, report.

Writes a Markdown homework of about 2,000 lines with about 1,000 numbers (quadratic forms,
exponentials, densities and responsibilities of every point, then the M-step), every number the
certified value rounded to 4 significant digits, one of them wrong, and times
``check_document`` on it: the problem given, and the problem read from the document itself.
The target: under 10 s on a 2-core machine.

    python bench/bench_documents.py                 # 140 points, K = 2: about 2,000 lines, 1,100 claims
    python bench/bench_documents.py --points 250 --repeat 3
"""
from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import gmmexact
from gmmexact.checking.documents import check_document
from gmmexact.documents import read_document
from gmmexact.documents.keying import place_numbers


def make_problem(n: int, seed: int = 0) -> gmmexact.Problem:
    rng = random.Random(seed)
    points = [[rng.randint(150, 195), rng.randint(45, 95)] for _ in range(n)]
    return gmmexact.Problem.from_arrays(points, means=[[162, 57], [185, 80]],
                                        covariances=[[[40, 10], [10, 40]], [[50, 0], [0, 50]]],
                                        weights=["1/2", "1/2"], labels=[f"P{i + 1}" for i in range(n)],
                                        names=["women", "men"], variables=["height", "weight"])


def write_document(problem: gmmexact.Problem, digits: int = 4) -> str:
    """The homework: data table, start table, one E-step block per point, the M-step."""
    run = gmmexact.solve(problem)
    keys = [f"{kind}.{p}.{c}" for p in problem.labels for c in problem.component_names
            for kind in ("quad", "exp", "density")] + [f"resp.{p}.{c}" for p in problem.labels
                                                         for c in problem.component_names]
    keys += [f"{k}.{c}" for c in problem.component_names for k in ("count", "weight", "mean", "cov")]
    dec = run.round([gmmexact.Key.parse(k) for k in keys], digits)

    def num(k):
        return str(dec[gmmexact.Key.parse(k)])

    lines = ["# Homework: one EM iteration", "", "## Data", "", "| point | height | weight |", "|---|---|---|"]
    lines += [f"| {p} | {x[0]} | {x[1]} |" for p, x in zip(problem.labels, problem.points)]
    lines += ["", "## Initial parameters", "", "| cluster | $\\mu$ (mean) | $\\Sigma$ (covariance) | $\\pi$ (prior) |",
              "|---|---|---|---|"]
    for c in problem.components:
        cov = "[" + ", ".join("[" + ", ".join(str(v) for v in row) + "]" for row in c.covariance) + "]"
        lines.append(f"| {c.name} | [{', '.join(str(v) for v in c.mean)}] | {cov} | {c.weight} |")
    lines += ["", "## E-step", ""]
    for p in problem.labels:
        lines += [f"### Point {p}", "", f"Point {p} under each cluster, from the data table and the initial parameters.",
                  ""]
        for c in problem.component_names:
            lines += [f"$$(\\mathbf{{x}}_{{{p}}} - \\mu_{{{c}}})^T \\Sigma_{{{c}}}^{{-1}} (\\mathbf{{x}}_{{{p}}} - "
                      f"\\mu_{{{c}}}) = {num(f'quad.{p}.{c}')}$$", "",
                      f"$$\\mathcal{{N}}({p} \\mid \\mu_{{{c}}}, \\Sigma_{{{c}}}) = \\frac{{1}}{{2\\pi \\sqrt{{|\\Sigma|}}}}"
                      f" ({num(f'exp.{p}.{c}')}) \\approx {num(f'density.{p}.{c}')}$$", ""]
    lines += ["## Responsibilities", "", "| point | $r_{i,women}$ | $r_{i,men}$ |", "|---|---|---|"]
    wrong = problem.labels[len(problem.labels) // 2]
    for p in problem.labels:
        a, b = num(f"resp.{p}.women"), num(f"resp.{p}.men")
        if p == wrong:
            a = str(Decimal(a) + Decimal("0.1")) if "e" not in a else "0.1"  # the planted error
        lines.append(f"| {p} | {a} | {b} |")
    lines += ["", "## M-step", ""]
    for c in problem.component_names:
        lines += [f"$$m_{{{c}}} \\approx {num(f'count.{c}')}$$", "", f"$$\\pi_{{{c}}} \\approx {num(f'weight.{c}')}$$", ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=140)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    problem = make_problem(args.points)
    text = write_document(problem)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "homework.md"
        path.write_text(text, encoding="utf-8")
        doc = read_document(path)
        placements = place_numbers(doc, problem)
        numbers = len(placements)
        print(f"document: {text.count(chr(10))} lines, {numbers} numbers "
              f"({sum(p.status == 'claim' for p in placements)} claims)")
        for label, call in [("read", lambda: read_document(path)),
                            ("read + key", lambda: place_numbers(read_document(path), problem)),
                            ("check, problem given", lambda: check_document(path, problem)),
                            ("check, problem from the document", lambda: check_document(path))]:
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                result = call()
                times.append(time.perf_counter() - t0)
            extra = ""
            if hasattr(result, "summary"):
                s = result.summary
                extra = f"  ({s['claims']} claims: {s['correct']} correct, {s['wrong']} wrong)"
            print(f"{label:34s} median {statistics.median(times):6.2f} s  min {min(times):6.2f} s{extra}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB; target: check under 10 s")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
