"""Fuzzing the command line: valid problems, claims files, results files and Markdown homework drawn
by hypothesis (tests/fuzz_strategies.py), and mutations of each, fed to ``gmmexact.cli.main``.

Every run must end cleanly within a time limit (``TIME_LIMIT`` seconds per command: a hang is a
failure that prints the reproducer) with an exit status the command documents: 0 success, 1 a check
or cross-check that failed, 2 bad input said in one line, 3 fewer iterations than asked (a singular
step); never "internal error" or a traceback. Valid inputs are held to less: a valid problem is
never refused (0 or 3), a well-formed claims or results file is always read (0 or 1).

The run is derandomized and small (``EXAMPLES`` per test) so CI is reproducible and fast;
``bench/bench_fuzz.py`` runs the same strategies for longer.
"""
from __future__ import annotations

import importlib.util
import os
import re
import sys
import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from gmmexact.cli import commands


def _strategies():
    """tests/fuzz_strategies.py, loaded by its path (the suite imports with --import-mode=importlib)."""
    name = "fuzz_strategies"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("fuzz_strategies.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


fs = _strategies()
Mutation, NpzChange = fs.Mutation, fs.NpzChange

ROOT = Path(__file__).resolve().parents[1]
SEED = (ROOT / "examples" / "seed" / "problem.toml").read_bytes()
TIME_LIMIT = float(os.environ.get("GMMEXACT_FUZZ_TIME_LIMIT", "20"))
EXAMPLES = int(os.environ.get("GMMEXACT_FUZZ_EXAMPLES", "12"))

FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=False,
                phases=(Phase.explicit, Phase.generate),  # no shrinking: a hang would be retried for minutes
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                       HealthCheck.large_base_example])

small_problems = fs.problems(K=st.integers(1, 3), d=st.integers(1, 3), n=st.integers(1, 6))
"""Problems for the runs that solve more than once per example (claims, results, documents)."""

SOLVE_OPTIONS = [[], ["--format", "json"], ["--format", "markdown"], ["--digits", "20"], ["--iterations", "2"],
                 ["--forms", "none"], ["--forms", "exact", "--format", "json"], ["--backend", "mpmath"],
                 ["--digits", "1"], ["--normalize-weights"]]


def run_case(case, allowed) -> list:
    with tempfile.TemporaryDirectory(prefix="gmmexact-fuzz-") as folder:
        return fs.assert_clean(case, Path(folder), TIME_LIMIT, allowed)


# --- problems --------------------------------------------------------------------------------------


@FUZZ
@given(spec=fs.problems(), options=st.sampled_from(SOLVE_OPTIONS))
def test_a_valid_problem_is_solved_never_refused(spec, options):
    (outcome,) = run_case(fs.Case({"p.toml": spec.toml().encode()}, [["solve", "p.toml", *options]]), (0, 3))
    assert outcome.stdout.strip()


@FUZZ
@given(spec=small_problems, command=st.sampled_from(["claims-template", "latex", "crosscheck", "latex --step"]))
def test_the_other_commands_take_every_valid_problem(spec, command):
    argv = {"claims-template": ["claims-template", "p.toml"], "latex": ["latex", "p.toml", "--compact"],
            "crosscheck": ["crosscheck", "p.toml", "--template", "out.csv", "--iterations", "2"],
            "latex --step": ["latex", "p.toml", "--step", f"resp.{spec.point_labels[0]}.{spec.component_names[-1]}"]}
    run_case(fs.Case({"p.toml": spec.toml().encode()}, [argv[command]], outputs=("out.csv",)), (0, 3))


@FUZZ
@given(spec=small_problems, iterations=st.sampled_from(["1", "2"]))
def test_the_claims_template_is_toml_with_every_key_of_the_run(spec, iterations):
    """What claims-template writes is read back by TOML with the run's keys, whatever the names."""
    (outcome,) = run_case(fs.Case({"p.toml": spec.toml().encode()},
                                  [["claims-template", "p.toml", "--iterations", iterations]]), (0, 3))
    run = fs.solved(spec.toml(), int(iterations))
    records = tomllib.loads(outcome.stdout)["claim"]
    assert [r["key"] for r in records] == [str(k) for k in run.keys()]


@FUZZ
@given(spec=small_problems, changes=fs.mutations, fmt=st.sampled_from(["text", "json", "markdown"]))
@example(spec=None, changes=[Mutation("replace number", 0.2, '"1/' + "7" * 5000 + '"')], fmt="json")
@example(spec=None, changes=[Mutation("replace number", 0.5, '"1e10001"')], fmt="text")
@example(spec=None, changes=[Mutation("nest", 0.3, ("list", 500))], fmt="text")
@example(spec=None, changes=[Mutation("replace string", 0.1, "\\1")], fmt="text")
@example(spec=None, changes=[Mutation("replace string", 0.1, " padded ")], fmt="json")
@example(spec=None, changes=[Mutation("replace string", 0.1, "A" * 100_000)], fmt="text")
@example(spec=None, changes=[Mutation("unicode digits", 0.5, "٠١٢٣٤٥٦٧٨٩")], fmt="text")
@example(spec=None, changes=[Mutation("encoding", 0.0, "latin-1"), Mutation("replace string", 0.0, "Zoë")],
         fmt="text")
@example(spec=None, changes=[Mutation("encoding", 0.5, "utf-16")], fmt="text")
def test_a_mutated_problem_ends_cleanly(spec, changes, fmt):
    data = fs.mutate(spec.toml().encode() if spec is not None else SEED, changes)
    run_case(fs.Case({"p.toml": data}, [["solve", "p.toml", "--format", fmt]]), (0, 2, 3))


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_coordinate_of_5000_digits_is_solved_or_refused(fmt):
    data = fs.mutate(SEED, [Mutation("replace number", 0.5, "9" * 5000)])  # mean.women[1]
    run_case(fs.Case({"p.toml": data}, [["solve", "p.toml", "--forms", "none", "--format", fmt]]), (0, 2, 3))


# --- claims files ----------------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_a_claims_file_over_the_real_keys_is_read_and_decided(data):
    spec = data.draw(small_problems, "problem")
    claims = data.draw(fs.claims_files(spec), "claims")
    options = data.draw(st.sampled_from([[], ["--format", "json"], ["--strict"], ["--backend", "mpmath"]]), "options")
    name = "c" + claims.suffix
    (outcome,) = run_case(fs.Case({"p.toml": spec.toml().encode(), name: claims.text.encode()},
                                  [["check", "p.toml", name, *options]]), (0, 1))
    assert re.search(r"\b\d+ claims?: ", outcome.stdout) or '"claims"' in outcome.stdout


@FUZZ
@given(data=st.data())
def test_a_mutated_claims_file_ends_cleanly(data):
    spec = data.draw(small_problems, "problem")
    claims = data.draw(fs.claims_files(spec), "claims")
    changes = data.draw(fs.mutations, "changes")
    name = "c" + claims.suffix
    run_case(fs.Case({"p.toml": spec.toml().encode(), name: fs.mutate(claims.text.encode(), changes)},
                     [["check", "p.toml", name]]), (0, 1, 2))


HOSTILE_CLAIMS = [
    ("c.csv", "quad.A.women,1e10\ndensity.A.women,0.0107\n"),
    ("c.csv", "quad.A.women,1e11\n"),
    ("c.toml", '[values]\n"density.A.women" = "1e999999999"\n'),
    ("c.toml", '[values]\n"density.A.women" = "1.5 × 10^99999999"\n'),
    ("c.toml", '[values]\n"iter1000000.loglik" = "1"\n'),
    ("c.toml", "values = 3\n"),
    ("c.toml", "values = [1, 2]\n"),
    ("c.toml", '[values]\n"mean.women" = []\n"det.women" = "100"\n'),
    ("c.toml", '[values]\n"det.women" = "١٠٠"\n'),
    ("c.toml", '[values]\n"det.women" = "１００"\n'),
    ("c.toml", '[[claim]]\nkey = "det.women"\nvalue = "100"\nwhere = "[x](http://example.com) ![i](x.png)"\n'),
    ("c.toml", '[values]\n"det.women" = ' + "[" * 500 + '"1"' + "]" * 500 + "\n"),
    ("c.csv", "det.women," + "[" * 5000 + "1" + "]" * 5000 + "\n"),
    ("c.csv", "det.women,1" + "0" * 200_000 + "\n"),
    ("c.csv", "det.women,100,\"" + "x" * 200_000 + "\"\n"),
]


@pytest.mark.parametrize("name, text", HOSTILE_CLAIMS, ids=[f"{i}" for i in range(len(HOSTILE_CLAIMS))])
def test_the_reviews_hostile_claims_end_cleanly(name, text):
    outcomes = run_case(fs.Case({"p.toml": SEED, name: text.encode()}, [["check", "p.toml", name]]), (0, 1, 2))
    assert outcomes[0].seconds < 10


# --- results files ---------------------------------------------------------------------------------


@FUZZ
@given(spec=small_problems, suffix=st.sampled_from([".json", ".csv", ".npz"]), filling=fs.results_fillings,
       mutated=st.booleans(), data=st.data())
def test_a_results_file_from_the_template_is_read_and_certified(spec, suffix, filling, mutated, data):
    """Written by ``crosscheck --template``, filled with values (exact, perturbed, non-finite, blank),
    optionally mutated, then cross-checked."""
    text = spec.toml()
    run = fs.solved(text)
    with tempfile.TemporaryDirectory(prefix="gmmexact-fuzz-") as folder:
        folder = Path(folder)
        template = folder / f"r{suffix}"
        fs.assert_clean(fs.Case({"p.toml": text.encode()}, [["crosscheck", "p.toml", "--template", template.name]],
                                outputs=(template.name,)), folder, TIME_LIMIT, (0,))
        fs.fill_results(template, run, filling)
        results = template.read_bytes()
        if mutated:
            results = fs.mutate(results, data.draw(fs.npz_mutations if suffix == ".npz" else fs.mutations, "changes"))
        case = fs.Case({"p.toml": text.encode(), template.name: results},
                       [["crosscheck", "p.toml", "--with", template.name]])
        fs.assert_clean(case, folder, TIME_LIMIT, (0, 1, 2) if mutated else (0, 1))


# --- documents -------------------------------------------------------------------------------------


@FUZZ
@given(data=st.data())
def test_a_markdown_homework_is_checked(data):
    spec = data.draw(fs.document_problems(), "problem")
    document = data.draw(fs.documents(spec), "document")
    mutated = data.draw(st.booleans(), "mutated")
    if mutated:
        document = fs.mutate(document.encode(), data.draw(fs.mutations, "changes")).decode("utf-8", "surrogateescape")
    command = data.draw(st.sampled_from([["check", "p.toml", "h.md"], ["check", "h.md"], ["claims-from", "h.md"],
                                         ["problem-from", "h.md"], ["check", "h.md", "--annotate", "out.html"]]))
    case = fs.Case({"p.toml": spec.toml().encode(), "h.md": document.encode("utf-8", "surrogateescape")}, [command],
                   outputs=("out.html",))
    run_case(case, (0, 1, 2))


# --- the harness itself ----------------------------------------------------------------------------


def test_the_time_limit_turns_a_hang_into_a_reported_failure(monkeypatch):
    def forever(args):
        while True:
            pass

    monkeypatch.setitem(commands.COMMANDS, "solve", forever)
    outcome = fs.run_cli(["solve", str(ROOT / "examples" / "seed" / "problem.toml")], time_limit=0.5)
    assert outcome.hang and outcome.problems() == [f"hang: still running after {outcome.seconds:.1f} s"]


def test_an_internal_error_is_reported_with_its_reproducer(monkeypatch):
    def broken(args):
        raise KeyError("x")

    monkeypatch.setitem(commands.COMMANDS, "solve", broken)
    case = fs.Case({"p.toml": SEED}, [["solve", "p.toml"]])
    with pytest.raises(AssertionError, match=r"(?s)--- p.toml ---.*\[data\].*'internal error' on stderr"):
        run_case(case, (0, 3))
