"""The long fuzz run: tests/test_fuzz.py's strategies with many more examples, counted, not asserted.

Each scenario draws inputs with hypothesis (tests/fuzz_strategies.py), runs the command line on them
in-process (``gmmexact.cli.main``, a time limit per command, an address-space cap) and counts what
happened: examples run, the exit-status histogram, internal errors, tracebacks, hangs, exceptions
that escaped ``main``, and the slowest example. A scenario runs in a child process of its own, which
the parent ends (and restarts with the next seed) when it stops reporting for three time limits: a
hang inside C code that the in-process alarm cannot interrupt is counted too.

    python bench/bench_fuzz.py                          # 2000 examples per scenario
    python bench/bench_fuzz.py --examples 300 --minutes 2 --save out/fuzz   # a budget per scenario
    python bench/bench_fuzz.py --scenarios mutated-claims,results --seed 7

Options: ``--examples N`` per scenario (default 2000), ``--minutes M`` per scenario (default: no
budget), ``--scenarios a,b`` (default all: ``problems``, ``mutated-problems``, ``claims``,
``mutated-claims``, ``hostile-claims``, ``results``, ``mutated-results``, ``documents``,
``mutated-documents``), ``--seed`` (default 0), ``--time-limit`` seconds per command (default 20),
``--save DIR`` (each failing case's files and a README reproducer), ``--json PATH`` (the counts).
"""
from __future__ import annotations

import argparse
import collections
import csv
import importlib.util
import io
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_PROBLEM = ROOT / "examples" / "seed" / "problem.toml"


def strategies():
    """tests/fuzz_strategies.py, loaded by its path (as the test files load it)."""
    name = "fuzz_strategies"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "fuzz_strategies.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


# --- scenarios: one example's files and commands ---------------------------------------------------


def scenarios(fs, st):
    """name → ``make(data, folder, time_limit) -> (Case, allowed exit statuses)``."""
    small = fs.problems(K=st.integers(1, 3), d=st.integers(1, 3), n=st.integers(1, 6))
    solve_options = [[], ["--format", "json"], ["--format", "markdown"], ["--digits", "25"], ["--iterations", "3"],
                     ["--forms", "none"], ["--backend", "mpmath"], ["--digits", "1"], ["--normalize-weights"]]
    other_commands = [["claims-template", "p.toml"], ["latex", "p.toml", "--compact"],
                      ["crosscheck", "p.toml", "--template", "out.npz"], ["crosscheck", "p.toml", "--with", "sklearn"],
                      ["plot", "p.toml", "-o", "out.svg"]]

    def problems(data, folder, limit):
        spec = data.draw(fs.problems())
        command = data.draw(st.sampled_from([["solve", "p.toml", *o] for o in solve_options] + other_commands))
        # scikit-learn cannot hold parameters fixed: that cross-check is refused with the reason (exit 2)
        refusable = command[:4] == ["crosscheck", "p.toml", "--with", "sklearn"] and bool(spec.fixed)
        return (fs.Case({"p.toml": spec.toml().encode()}, [command], outputs=("out.npz", "out.svg")),
                (0, 1, 2, 3) if refusable else (0, 1, 3))

    def mutated_problems(data, folder, limit):
        base = data.draw(st.one_of(small.map(lambda s: s.toml().encode()), st.just(SEED_PROBLEM.read_bytes())))
        command = data.draw(st.sampled_from([["solve", "p.toml", *o] for o in solve_options[:4]] + other_commands[:3]))
        return (fs.Case({"p.toml": fs.mutate(base, data.draw(fs.mutations))}, [command], outputs=("out.npz",)),
                (0, 1, 2, 3))

    def claims(data, folder, limit):
        spec = data.draw(small)
        c = data.draw(fs.claims_files(spec))
        options = data.draw(st.sampled_from([[], ["--format", "json"], ["--strict"], ["--backend", "mpmath"]]))
        name = "c" + c.suffix
        case = fs.Case({"p.toml": spec.toml().encode(), name: c.text.encode()}, [["check", "p.toml", name, *options]])
        return case, (0, 1)

    def mutated_claims(data, folder, limit):
        spec = data.draw(small)
        c = data.draw(fs.claims_files(spec))
        name = "c" + c.suffix
        return fs.Case({"p.toml": spec.toml().encode(), name: fs.mutate(c.text.encode(), data.draw(fs.mutations))},
                       [["check", "p.toml", name]]), (0, 1, 2)

    def hostile_claims(data, folder, limit):
        """One claim on the seed: any key of the run (or a far iteration's), any hostile value."""
        key = data.draw(st.sampled_from(fs.run_keys(SEED_PROBLEM.read_text()) + ("iter1000000.loglik",
                                                                                 "iter40.mean.women")))
        value = data.draw(st.one_of(st.sampled_from([v.strip('"') for v in fs.HOSTILE_VALUES]),
                                    st.sampled_from(["1e10", "1e11", "-1e10", "1e-300", "7e-400000", "1e100000"]),
                                    st.text(max_size=12)))
        suffix = data.draw(st.sampled_from([".csv", ".toml"]))
        if suffix == ".csv":
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerow([key, value])
            text = out.getvalue()
        else:
            text = f"[values]\n{fs.toml_string(key)} = {fs.toml_string(value)}\n"
        return fs.Case({"p.toml": SEED_PROBLEM.read_bytes(), "c" + suffix: text.encode()},
                       [["check", "p.toml", "c" + suffix]]), (0, 1, 2)

    def results(data, folder, limit, mutated=False):
        spec = data.draw(small)
        suffix = data.draw(st.sampled_from([".json", ".csv", ".npz"]))
        text = spec.toml()
        template = folder / f"r{suffix}"
        prepare = fs.Case({"p.toml": text.encode()}, [["crosscheck", "p.toml", "--template", template.name]],
                          outputs=(template.name,))
        ((_, found),) = prepare.run(folder, limit, (0,))
        if found:
            return prepare, (0,)  # the template itself failed: count it as this example
        fs.fill_results(template, fs.solved(text), data.draw(fs.results_fillings))
        content = template.read_bytes()
        if mutated:
            content = fs.mutate(content, data.draw(fs.npz_mutations if suffix == ".npz" else fs.mutations))
        return fs.Case({"p.toml": text.encode(), template.name: content},
                       [["crosscheck", "p.toml", "--with", template.name]]), ((0, 1, 2) if mutated else (0, 1))

    def documents(data, folder, limit, mutated=False):
        spec = data.draw(fs.document_problems())
        text = data.draw(fs.documents(spec)).encode()
        if mutated:
            text = fs.mutate(text, data.draw(fs.mutations))
        command = data.draw(st.sampled_from([["check", "p.toml", "h.md"], ["check", "h.md"], ["claims-from", "h.md"],
                                             ["problem-from", "h.md"], ["check", "h.md", "--annotate", "out.html"]]))
        return fs.Case({"p.toml": spec.toml().encode(), "h.md": text}, [command], outputs=("out.html",)), (0, 1, 2)

    return {"problems": problems, "mutated-problems": mutated_problems, "claims": claims,
            "mutated-claims": mutated_claims, "hostile-claims": hostile_claims, "results": results,
            "mutated-results": lambda d, f, t: results(d, f, t, mutated=True), "documents": documents,
            "mutated-documents": lambda d, f, t: documents(d, f, t, mutated=True)}


# --- the child: one scenario, one JSON line per example --------------------------------------------


def child(name: str, examples: int, seed: int, limit: float, minutes: float | None, save: str | None) -> None:
    fs = strategies()
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import FlakyStrategyDefinition
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    make = scenarios(fs, st)[name]
    deadline = time.monotonic() + minutes * 60 if minutes else None
    report = sys.stdout

    @hypothesis_seed(seed)
    @settings(max_examples=examples, deadline=None, database=None, phases=(Phase.generate,),
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def one(data):
        if deadline is not None and time.monotonic() > deadline:
            return  # the budget is spent: the remaining examples draw nothing and run nothing
        with tempfile.TemporaryDirectory(prefix="gmmexact-fuzz-") as folder:
            folder = Path(folder)
            started = time.perf_counter()
            case, allowed = make(data, folder, limit)
            report.write(json.dumps({"start": case.reproducer()[:4000]}) + "\n")
            report.flush()
            for outcome, found in case.run(folder, limit, allowed):
                saved = str(case.save(Path(save), outcome, found)) if found and save else None
                report.write(json.dumps({"code": outcome.code, "seconds": round(outcome.seconds, 3),
                                         "hang": outcome.hang, "escaped": outcome.escaped, "problems": found,
                                         "argv": " ".join(Path(a).name if "/" in a else a for a in outcome.argv),
                                         "stderr": first_error(outcome.stderr),
                                         "total": round(time.perf_counter() - started, 3), "saved": saved}) + "\n")
                report.flush()

    try:
        one()
    except FlakyStrategyDefinition:
        if deadline is None or time.monotonic() <= deadline:
            raise  # otherwise: examples after the budget drew nothing, which hypothesis notices


def first_error(stderr: str) -> list[str]:
    """The line of standard error that says what went wrong (the first ``gmmexact:`` line)."""
    lines = stderr.strip().splitlines()
    return [next((line for line in lines if line.startswith("gmmexact:")), lines[-1] if lines else "")]


# --- the parent: children, watchdog, counts --------------------------------------------------------


def run_scenario(name: str, args) -> dict:
    counts = {"examples": 0, "codes": collections.Counter(), "internal errors": 0, "tracebacks": 0, "hangs": 0,
              "hard hangs": 0, "escaped": 0, "out of memory": 0, "other": 0, "slowest": None, "failures": []}
    seed, remaining, started = args.seed, args.examples, time.monotonic()
    while remaining > 0:
        minutes = None
        if args.minutes:
            minutes = args.minutes - (time.monotonic() - started) / 60
            if minutes <= 0:
                break
        cmd = [sys.executable, __file__, "--_child", name, "--examples", str(remaining), "--seed", str(seed),
               "--time-limit", str(args.time_limit)] + (["--minutes", f"{minutes:.3f}"] if minutes else []) + \
              (["--save", args.save] if args.save else [])
        errors = tempfile.TemporaryFile()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors, cwd=ROOT,
                                env={**os.environ, "PYTHONWARNINGS": "ignore"})
        fd, last, pending, buffer, ended = proc.stdout.fileno(), time.monotonic(), None, b"", False
        while not ended:
            if select.select([fd], [], [], 0.5)[0]:
                chunk = os.read(fd, 1 << 16)
                ended = not chunk
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    last = time.monotonic()
                    record = json.loads(line)
                    if "start" in record:
                        pending = record["start"]
                        continue
                    pending = None
                    counts["examples"] += 1
                    remaining -= 1
                    tally(counts, record)
            elif time.monotonic() - last > 3 * args.time_limit + 30:
                proc.kill()
                counts["examples"] += 1
                counts["hard hangs"] += 1
                remaining -= 1
                counts["failures"].append({"problems": ["hard hang: no report for "
                                                       f"{3 * args.time_limit + 30:.0f} s"], "case": pending})
                ended = True
        proc.wait()
        proc.stdout.close()
        if proc.returncode not in (0, None, -9):
            counts["other"] += 1
            errors.seek(0)
            counts["failures"].append({"problems": [f"child exited {proc.returncode}"],
                                       "stderr": [errors.read().decode("utf-8", "replace")[-3000:]],
                                       "case": pending})
            remaining -= 1
        elif proc.returncode == 0:
            break
        seed += 1
    counts["seconds"] = round(time.monotonic() - started, 1)
    return counts


def tally(counts: dict, record: dict) -> None:
    counts["codes"][str(record["code"])] += 1
    found = record["problems"]
    counts["internal errors"] += any("internal error" in f for f in found)
    counts["tracebacks"] += any("Traceback" in f for f in found)
    counts["hangs"] += record["hang"]
    counts["escaped"] += bool(record["escaped"])
    counts["out of memory"] += any("memory" in f for f in found)
    if found:
        counts["failures"].append({"problems": found, "argv": record["argv"], "stderr": record["stderr"],
                                   "saved": record["saved"]})
    if counts["slowest"] is None or record["seconds"] > counts["slowest"]["seconds"]:
        counts["slowest"] = {"seconds": record["seconds"], "argv": record["argv"], "code": record["code"]}


def print_counts(name: str, c: dict) -> None:
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(c["codes"].items()))
    slow = c["slowest"] or {}
    print(f"{name:18s} {c['examples']:6d} examples in {c['seconds']:7.1f} s | exit {{{codes}}} | internal errors "
          f"{c['internal errors']}, tracebacks {c['tracebacks']}, hangs {c['hangs']} (+{c['hard hangs']} hard), "
          f"escaped {c['escaped']}, out of memory {c['out of memory']} | slowest {slow.get('seconds', 0):.2f} s "
          f"(exit {slow.get('code')}: gmmexact {slow.get('argv', '')})", flush=True)
    signatures = collections.Counter("; ".join(f["problems"]) + " | " + " ".join(f.get("stderr") or [""])[:160]
                                     for f in c["failures"])
    for signature, count in signatures.most_common(12):
        print(f"    {count:5d} × {signature}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=2000, help="examples per scenario (default 2000)")
    parser.add_argument("--minutes", type=float, help="time budget per scenario")
    parser.add_argument("--scenarios", help="comma-separated scenario names (default: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds per command (default 20)")
    parser.add_argument("--save", help="folder for the failing cases' files and reproducers")
    parser.add_argument("--json", help="write the counts here")
    parser.add_argument("--_child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._child:
        child(args._child, args.examples, args.seed, args.time_limit, args.minutes, args.save)
        return
    fs = strategies()
    from hypothesis import strategies as st

    names = args.scenarios.split(",") if args.scenarios else list(scenarios(fs, st))
    unknown = set(names) - set(scenarios(fs, st))
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    def git(*words: str) -> str:
        return subprocess.run(["git", *words], capture_output=True, text=True, cwd=ROOT, check=False).stdout

    commit, dirty = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain", "gmmexact")
    print(f"gmmexact commit {commit.strip()}{' + uncommitted changes in gmmexact/' if dirty.strip() else ''}; "
          f"python {sys.version.split()[0]}; " + " ".join(sys.argv), flush=True)
    results = {}
    for name in names:
        results[name] = run_scenario(name, args)
        print_counts(name, results[name])
    total = collections.Counter()
    for c in results.values():
        for k in ("examples", "internal errors", "tracebacks", "hangs", "hard hangs", "escaped", "out of memory"):
            total[k] += c[k]
    print("total: " + ", ".join(f"{k} {v}" for k, v in total.items()))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=dict), encoding="utf-8")


if __name__ == "__main__":
    main()
