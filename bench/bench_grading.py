"""Grading a class: N submissions of the seed's size, checked and scored on every core.

Usage: ``python bench/bench_grading.py [--students 200] [--workers N]``

Each submission is the seed homework with a few numbers changed at random (a wrong density, a
rounded responsibility, a weight written as the count), so the carried-error and slip searches
run as they would on a real class. Prints the wall time of the first run, of a re-run (nothing
changed: every check reused) and of the whole ``gmmexact grade`` command; the target is under 60 s
for 200 submissions on a 2-core machine.
"""
from __future__ import annotations

import argparse
import os
import random
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
PLANTS = [("0.0107", "0.0207"), ("0.0107", "0.011"), (r"\pi_{women} = \frac{3}{6} = \frac{1}{2} = 0.5", r"\pi_{women} = 3"),
          ("= 62.83", "= 62.8"), ("= 62.83", "= 6.283")]


def make_class(folder: Path, students: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    for i in range(students):
        text = HOMEWORK
        for old, new in rng.sample(PLANTS, rng.randint(0, 2)):
            text = text.replace(old, new, 1)
        (folder / f"student{i:03d}.md").write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        make_class(subs, args.students)
        problem = ROOT / "examples" / "seed" / "problem.toml"
        t = time.perf_counter()
        rows = grade_class(folder_submissions(subs), Path(tmp) / "grades", problem=problem, workers=args.workers,
                           progress=False)
        first = time.perf_counter() - t
        t = time.perf_counter()
        grade_class(folder_submissions(subs), Path(tmp) / "grades", problem=problem, workers=args.workers,
                    progress=False)
        again = time.perf_counter() - t
        t = time.perf_counter()
        cmd = [sys.executable, "-m", "gmmexact", "grade", str(subs), "--problem", str(problem), "-o",
               str(Path(tmp) / "cli"), "--quiet", "--workers", str(args.workers)]
        rc = subprocess.run(cmd, cwd=ROOT, capture_output=True).returncode
        whole = time.perf_counter() - t
    graded = sum(r.grade is not None for r in rows)
    print(f"students {args.students}, workers {args.workers}, graded {graded}")
    print(f"grade_class, first run : {first:7.2f} s ({first / args.students * 1000:.0f} ms per submission)")
    print(f"grade_class, re-run    : {again:7.2f} s (every check reused)")
    print(f"gmmexact grade command : {whole:7.2f} s (exit {rc}), target < 60 s for 200 on 2 cores: "
          f"{'met' if rc == 0 and whole < 60 * args.students / 200 else 'NOT met'}")


if __name__ == "__main__":
    main()
