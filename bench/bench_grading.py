"""Grading a class: N submissions of the seed's size, checked and scored on every core.

Usage: ``python bench/bench_grading.py [--students 200] [--workers N] [--sample 10] [--api]``

Each submission is the seed homework with a few numbers changed at random (a wrong density, a
rounded responsibility, a weight written as the count), so the carried-error and slip searches
run as they would on a real class. Measured in one run:

* the whole ``gmmexact grade`` command on the class (a fresh process, every submission checked,
  marked documents, reports and exports written): the figure of the target, under 60 s for 200
  submissions on a 2-core machine;
* the same command again (nothing changed: every check reused, everything re-scored and re-written);
* with ``--api``, ``grade_class`` in this process (no start-up, no reports);
* the comparison: what TAs do today, a shell-style loop of one ``gmmexact check PROBLEM FILE
  --format json`` process per submission, one after the other, timed over ``--sample`` files and
  extrapolated to the class.

The load average (``os.getloadavg``) is printed before and after: on a busy machine the figures are
slower than the machine can do.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gmmexact.grading.classrun import grade_class  # noqa: E402
from gmmexact.grading.submissions import folder_submissions  # noqa: E402

HOMEWORK = (ROOT / "examples" / "seed" / "homework.md").read_text(encoding="utf-8")
PROBLEM = ROOT / "examples" / "seed" / "problem.toml"
PLANTS = [("0.0107", "0.0207"), ("0.0107", "0.011"), (r"\pi_{women} = \frac{3}{6} = \frac{1}{2} = 0.5", r"\pi_{women} = 3"),
          ("= 62.83", "= 62.8"), ("= 62.83", "= 6.283")]
TARGET_SECONDS, TARGET_STUDENTS = 60.0, 200


def make_class(folder: Path, students: int, seed: int = 0) -> None:
    """``students`` copies of the seed homework, each with 0 to 2 planted changes."""
    rng = random.Random(seed)
    for plant in PLANTS:
        assert plant[0] in HOMEWORK, plant
    for i in range(students):
        text = HOMEWORK
        for old, new in rng.sample(PLANTS, rng.randint(0, 2)):
            text = text.replace(old, new, 1)
        (folder / f"student{i:03d}.md").write_text(text, encoding="utf-8")


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def children_cpu() -> float:
    """CPU seconds (user + system) of the finished child processes so far (the workers included)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def machine_busy() -> float | None:
    """CPU seconds every process on the machine has used since boot (``/proc/stat``; None elsewhere)."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def grade_command(subs: Path, out: Path, workers: int) -> tuple[float, float, float | None, int, str]:
    """Wall time, CPU time, CPU time of the other processes meanwhile (None when not known), exit
    status and standard error of ``gmmexact grade`` in a fresh process."""
    cmd = [sys.executable, "-m", "gmmexact", "grade", str(subs), "--problem", str(PROBLEM), "-o", str(out),
           "--quiet", "--workers", str(workers)]
    busy, cpu, t = machine_busy(), children_cpu(), time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall, used, after = time.perf_counter() - t, children_cpu() - cpu, machine_busy()
    others = None if busy is None or after is None else max(0.0, after - busy - used)
    return wall, used, others, done.returncode, done.stderr.strip()


def check_loop(files: list[Path]) -> tuple[float, float, int]:
    """A TA's shell loop: ``for f in subs/*; do gmmexact check P.toml "$f" --format json > "$f.json"; done``.

    Returns the wall time, the CPU time and how many of the outputs were valid check JSON."""
    valid = 0
    cpu, t = children_cpu(), time.perf_counter()
    for f in files:
        done = subprocess.run([sys.executable, "-m", "gmmexact", "check", str(PROBLEM), str(f), "--format", "json"],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        try:
            valid += "claims" in json.loads(done.stdout)
        except ValueError:
            pass
    return time.perf_counter() - t, children_cpu() - cpu, valid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=TARGET_STUDENTS)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--sample", type=int, default=10, help="submissions the check-per-file loop is timed on")
    ap.add_argument("--api", action="store_true", help="also time grade_class in this process")
    args = ap.parse_args()
    n = args.students
    print(f"machine: {os.cpu_count()} cores; load average (1/5/15 min) before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        make_class(subs, n)
        whole, whole_cpu, others, rc, err = grade_command(subs, Path(tmp) / "cli", args.workers)
        load_after_grade = load()
        again, _, _, rc2, _ = grade_command(subs, Path(tmp) / "cli", args.workers)
        with open(Path(tmp) / "cli" / "gradebook.csv", encoding="utf-8") as f:
            graded = sum(row["status"] == "graded" for row in csv.DictReader(f))
        api = None
        if args.api:
            t = time.perf_counter()
            grade_class(folder_submissions(subs), Path(tmp) / "api", problem=PROBLEM, workers=args.workers,
                        progress=False)
            api = time.perf_counter() - t
        sample = sorted(subs.iterdir())[: max(1, min(args.sample, n))]
        loop, loop_cpu, valid = check_loop(sample)
    per_loop = loop / len(sample)
    met = rc == 0 and whole < TARGET_SECONDS * n / TARGET_STUDENTS
    print(f"students {n}, workers {args.workers}, graded {graded}")
    print(f"gmmexact grade command   : {whole:7.2f} s, {whole / n * 1000:.0f} ms per submission (exit {rc}); "
          f"CPU {whole_cpu:.1f} s, {whole_cpu / n * 1000:.0f} ms per submission; load after: {load_after_grade}")
    if others is not None:
        print(f"  other processes used {others:.1f} CPU-s meanwhile ({others / whole:.2f} of the "
              f"{os.cpu_count()} cores on average)")
    if rc:
        print(f"  stderr: {err[-500:]}")
    print(f"  target < {TARGET_SECONDS:g} s for {TARGET_STUDENTS} on 2 cores"
          + (f" (scaled: < {TARGET_SECONDS * n / TARGET_STUDENTS:g} s for {n})" if n != TARGET_STUDENTS else "")
          + f": {'met' if met else 'NOT met'}")
    print(f"gmmexact grade, re-run    : {again:7.2f} s (exit {rc2}; every check reused)")
    if api is not None:
        print(f"grade_class in-process    : {api:7.2f} s, {api / n * 1000:.0f} ms per submission")
    print(f"check --format json loop : {per_loop * 1000:.0f} ms per submission "
          f"(CPU {loop_cpu / len(sample) * 1000:.0f} ms) over {len(sample)} files "
          f"({valid} valid JSON), extrapolated to {n}: {per_loop * n:7.2f} s "
          f"({per_loop * n / whole:.1f}x the grade command)")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
