"""Hostile claims: what a student or a grader's script may write, each decided or refused within seconds.

A wildly wrong number is answered "wrong" in bounded time and memory; a number past the limits on
digits or exponents is decided by its magnitude, never expanded; claims files of the wrong structure,
encoding or size end with exit 2 or an unreadable claim naming the reason; digits other than ASCII
0-9 are refused as problem files refuse them; a key of a far iteration is unreadable without being
computed; and exact ties of a mirror-symmetric problem are decided, never left undecided.
"""
from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest

import gmmexact
from gmmexact.checking import carried
from gmmexact.checking.claims import MAX_ITERATION, claimed_iterations, claims_from_dict, read_claims_data
from gmmexact.checking.report import check
from gmmexact.checking.stepeval import apart, digits_lost, inside, iv
from gmmexact.checking.verdicts import CUT_SHORT, Checker
from gmmexact.cli.commands import main
from gmmexact.model.errors import InputError
from gmmexact.model.exactnum import parse_exact
from gmmexact.model.written import ASCII_DIGITS, KEPT_DIGITS, PastLimits, Written, parse_written

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "seed" / "problem.toml")
SEED_CLAIMS = ROOT / "examples" / "seed" / "claims.toml"


@pytest.fixture(scope="module")
def seed_run():
    return gmmexact.solve(gmmexact.load(SEED))


def verdicts(run, values: list[tuple[str, object]]) -> list[dict]:
    """The JSON records of checking ``values`` (key, value) against ``run``."""
    return check(run, {"claim": [{"key": k, "value": v} for k, v in values]}).data["claims"]


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err
    return code, out, err


# --- 1. a wildly wrong number: "wrong", in bounded time and memory ------------------------------------

FOLLOWING = {  # a correct claim after the hostile one, computed from its quantity
    "quad.A.women": ("density.A.women", "0.0107"),
    "density.A.women": ("resp.A.women", "1.000"),
    "resp.A.women": ("count.women", "3.000"),
    "mean.women": ("cov.women", [["16.67", "16.67"], ["16.67", "16.67"]]),
    "cov.women": ("weight.women", "0.5"),
}


def hostile(key: str, text: str):
    return [text, text] if key == "mean.women" else [[text, text], [text, text]] if key == "cov.women" else text


@pytest.mark.parametrize("value", ["1e10", "1e11", "1e300", "1e-300", "-1e10"])
@pytest.mark.parametrize("key", list(FOLLOWING))
def test_a_wildly_wrong_number_is_wrong_and_the_next_claim_still_decided(seed_run, key, value):
    start = time.perf_counter()
    got = verdicts(seed_run, [(key, hostile(key, value)), FOLLOWING[key]])
    assert [r["verdict"] for r in got] == ["wrong", "correct"]
    assert time.perf_counter() - start < 10


def _limited_run(claims_path: Path) -> tuple[subprocess.CompletedProcess, float]:
    """``gmmexact check`` on the seed in a process limited to 1.5 GB of address space."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))

    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "gmmexact", "check", SEED, str(claims_path), "--format", "json"],
                          capture_output=True, text=True, timeout=60, preexec_fn=limit, cwd=ROOT, check=False)
    return done, time.perf_counter() - start


@pytest.mark.parametrize("lines", [
    "quad.A.women,1e10\ndensity.A.women,0.0107\n",  # the review's: 21.6 s and 4.8 GB before
    "quad.A.women,1e11\ndensity.A.women,0.0107\n",  # killed by the out-of-memory killer before
    "quad.A.women,-1e10\ndensity.A.women,0.0107\nexp.A.women,0.6703\n",
    'density.A.women,1e300\nresp.A.women,1.000\n"cov.women","[[1e-300, 1e-300], [1e-300, 1e-300]]"\n',
])
def test_a_wildly_wrong_number_in_a_limited_process(tmp_path, lines):
    path = tmp_path / "c.csv"
    path.write_text(lines)
    done, seconds = _limited_run(path)
    assert done.returncode == 1, done.stderr
    records = json.loads(done.stdout)["claims"]
    assert records[0]["verdict"] == "wrong" and all(r["verdict"] in ("correct", "wrong") for r in records)
    assert seconds < 30


def test_a_wild_number_in_the_whole_seed_document(tmp_path):
    text = SEED_CLAIMS.read_text().replace('value = "0.8"', 'value = "1e11"', 1)
    path = tmp_path / "c.toml"
    path.write_text(text)
    done, seconds = _limited_run(path)
    records = json.loads(done.stdout)["claims"]
    quad = next(r for r in records if r["key"] == "quad.A.women")
    assert done.returncode == 1 and quad["verdict"] == "wrong" and quad["written"] == "1e11"
    assert quad["error_words"] == "off by a factor of 10¹¹ (too large)"
    assert seconds < 30


def test_end_points_are_compared_without_writing_them_out():
    tiny = iv.exp(iv.mpf(-5 * 10**10))  # a binary exponent of about −7·10¹⁰
    huge = iv.exp(iv.mpf(10**300))
    assert inside(tiny, Fraction(0), Fraction(1, 10**300))
    assert apart(tiny, Fraction(1, 100), Fraction(1)) and not apart(tiny, Fraction(0), Fraction(1))
    assert apart(huge, Fraction(0), Fraction(10**300)) and not inside(huge, Fraction(0), Fraction(10**300))
    assert digits_lost(huge, Fraction(1, 10**4)) == 400  # nothing of it is determined
    assert digits_lost(iv.mpf(["0.5", "0.5"]), Fraction(1, 10)) == 0


def test_a_search_past_its_budget_is_cut_short_and_says_so(seed_run, monkeypatch):
    hard = [(f"resp.{p}.women", "1" if p in "ABC" else "0") for p in "ABCDEF"]
    claims = hard + [("cov.women", [["25.67", "25.67"], ["25.67", "25.67"]])]
    data = {"claim": [{"key": k, "value": v} for k, v in claims]}
    monkeypatch.setattr(carried, "EVALUATION_BUDGET", 1000)
    checker = Checker(seed_run)
    last = checker.check(claims_from_dict(data, seed_run.plan))[-1]
    assert last.verdict == "wrong" and CUT_SHORT in last.notes and 6 in checker.search.cut_short
    monkeypatch.setattr(carried, "EVALUATION_BUDGET", 1_000_000)
    last = Checker(seed_run).check(claims_from_dict(data, seed_run.plan))[-1]
    assert CUT_SHORT not in last.notes and any("about the starting mean" in n for n in last.notes)


def test_an_absurd_input_is_not_a_source_but_a_plausible_wrong_one_is(seed_run):
    plausible = verdicts(seed_run, [("quad.A.women", "8"), ("exp.A.women", "0.0183")])  # exp(−4)
    assert [r["verdict"] for r in plausible] == ["wrong", "follows"]
    absurd = verdicts(seed_run, [("quad.A.women", "1e300"), ("exp.A.women", "0.0000")])
    assert [r["verdict"] for r in absurd] == ["wrong", "wrong"] and absurd[1]["carried_from"] == []


# --- 2. numbers past the limits on digits and exponents ------------------------------------------------

LONG = "0.0106684" + "1" * 100_000  # 100,000 digits, wrong in the eighth


@pytest.mark.parametrize("key, text, words", [
    ("density.A.women", "1e999999999", "off by a factor of about 10¹⁰⁰⁰⁰⁰⁰⁰⁰¹ (too large)"),
    ("quad.A.women", "1.5 × 10^99999999", "off by a factor of about 10⁹⁹⁹⁹⁹⁹⁹⁹ (too large)"),
    ("quad.A.men", "10^-99999999", "off by a factor of about 10¹⁰⁰⁰⁰⁰⁰⁰¹ (too small)"),
    ("quad.A.men", "10⁻⁹⁹⁹⁹⁹⁹⁹⁹", "off by a factor of about 10¹⁰⁰⁰⁰⁰⁰⁰¹ (too small)"),
    ("quad.A.women", "-1e999999999", "sign flipped, and off by a factor of about 10⁹⁹⁹⁹⁹⁹⁹⁹⁹ (too large) in magnitude"),
    ("density.A.women", LONG, "0.00060 % too small"),
    ("quad.A.men", "0e-999999999", "0 where the value is about 120"),
    ("count.women", "3" + "0" * 20_000, "off by a factor of about 10²⁰⁰⁰⁰ (too large)"),
])
def test_a_number_past_the_limits_is_decided_by_its_magnitude(seed_run, key, text, words):
    start = time.perf_counter()
    (record,) = verdicts(seed_run, [(key, text)])
    assert record["verdict"] == "wrong" and record["error_words"] == words
    assert "written past the limits" in record["notes"][0]
    assert time.perf_counter() - start < 5


def test_past_the_limits_and_right(seed_run):
    right = "0.010668474878015883458159877491022036006947758363321" + "0" * 100_000
    records = verdicts(seed_run, [("quad.A.women", "0e999999999"), ("density.A.women", right)])
    assert [r["verdict"] for r in records] == ["correct", "undecided"]  # 0 ± ½·10^999999999 holds 0.8
    assert f"its first {KEPT_DIGITS} digits agree with the value" in records[1]["notes"][-1]


def test_a_claim_past_the_limits_is_no_input_to_later_ones(seed_run):
    records = verdicts(seed_run, [("quad.A.women", "1e999999999"), ("density.A.women", "0.0107"),
                                  ("exp.A.women", "0.0000")])
    assert [r["verdict"] for r in records] == ["wrong", "correct", "wrong"]
    assert records[2]["first_wrong"]["index"] == 0  # traced to it, though not computed from it


def test_a_number_of_many_digits_within_the_limit_is_still_decided(seed_run):
    (record,) = verdicts(seed_run, [("quad.A.women", "8" + "1" * 9999)])  # 10,000 digits, 4/5 exact
    assert record["verdict"] == "wrong" and record["error_words"] == "1.0 × 10¹⁰⁰⁰⁰ times too large"
    (record,) = verdicts(seed_run, [("density.A.women", "0.0106684" + "1" * 9000)])
    assert record["verdict"] == "wrong" and record["error_words"] == "0.00060 % too small"


def test_past_limits_keeps_a_magnitude_and_forms_no_value():
    w = parse_written("1.5 × 10^99999999", past_limits=True)
    assert isinstance(w, PastLimits) and isinstance(w, Written)
    assert (w.mantissa, w.scaled, w.scale, w.exponent, w.digits, w.tight) == (
        Fraction(15), (Fraction(29, 2), Fraction(31, 2)), 99999998, 99999999, 2, True)
    assert w.value is None and w.ulp is None and not w.exact
    with pytest.raises(OverflowError, match="past the limits"):
        w.lo  # noqa: B018
    long = parse_written("7" * 100_000, past_limits=True)
    assert (long.scale, long.tight, long.digits) == (100_000 - KEPT_DIGITS, False, 100_000)
    fraction = parse_written("1" + "0" * 20_000 + "/3", past_limits=True)
    assert fraction.scaled == (Fraction(10**39, 3), Fraction(10**39 + 1, 3)) and fraction.scale == 20_001 - KEPT_DIGITS
    with pytest.raises(InputError, match=r"its exponent 999999999 is beyond ±10000, the limit \(GMMEXACT_LIMIT_EXPONENT\)"):
        parse_written("1e999999999")
    normal = parse_written("2.5e-9999")  # within the limits: the exact value, as before
    assert normal.value == Fraction(25, 10**10000) and normal.ulp == Fraction(1, 10**10000)


def test_a_long_number_from_toml_integer(tmp_path, seed_run):
    path = tmp_path / "c.toml"
    path.write_text('[[claim]]\nkey = "quad.A.men"\nvalue = ' + "1" * 5000 + "\n")  # past Python's 4,300 digits
    claims = claims_from_dict(read_claims_data(path), seed_run.plan, str(path))
    assert claims[0].written.digits == 5000
    path.write_text('[[claim]]\nkey = "quad.A.men"\nvalue = ' + "1" * 20_000 + "\n")
    with pytest.raises(InputError, match="integer of more than 10,000 digits"):
        read_claims_data(path)


# --- 3. the structure of claims files ---------------------------------------------------------------------

@pytest.mark.parametrize("data, field, problem", [
    ({"values": 3}, "values", "is the integer 3, not a table"),
    ({"values": [1, 2]}, "values", "is an array, not a table"),
    ({"claim": 3}, "claim", "is the integer 3"),
    ({"claim": {"key": "det.women", "value": "100"}}, "claim", "is a table ([claim] with single brackets)"),
    ({"claim": [1, "a"]}, "claim[0]", "is the integer 1, not a table"),
    ({"claim": [{"key": 3, "value": "1"}]}, "claim[0].key", "is the integer 3"),
    ({"claim": [{"key": ["det.women"], "value": "1"}]}, "claim[0].key", "is an array"),
    ({"claim": [{"key": "det.women", "value": "100", "where": {"a": 1}}]}, "claim[0].where", "is a table"),
    ({"claim": [{"key": "det.women", "value": "100", "where": True}]}, "claim[0].where", "is the boolean true"),
    ([1, 2], None, "is an array"),
])
def test_claims_of_the_wrong_structure_are_input_errors(seed_run, data, field, problem):
    with pytest.raises(InputError) as e:
        claims_from_dict(data, seed_run.plan, "c.toml")
    assert (e.value.field, e.value.problem) == (field, problem)


@pytest.mark.parametrize("value, reason", [
    ({"a": "1"}, "value cannot be read: is a table (a key with dots left unquoted in TOML is read as nested tables)"),
    (True, "value cannot be read: is the boolean true, not a number"),
    ([], "wrong shape: an empty list, which writes no number; expected the number, written as a string"),
    ([[], []], "wrong shape: empty lists, which writes no number"),
    (["1"] * 1, "wrong shape: a list of 1 number, but density.A.women is a single number"),
    ([[["1"]]], "wrong shape: lists nested 3 deep, but density.A.women is a number"),
])
def test_a_value_of_the_wrong_type_is_an_unreadable_claim(seed_run, value, reason):
    records = verdicts(seed_run, [("density.A.women", value), ("quad.A.women", "0.8")])
    assert [r["verdict"] for r in records] == ["unreadable", "correct"]
    assert records[0]["reason"].startswith(reason)


def test_a_value_nested_past_the_nesting_limit(seed_run):
    deep: object = "1"
    for _ in range(5000):  # past the interpreter's recursion limit
        deep = [deep]
    records = verdicts(seed_run, [("mean.women", deep), ("quad.A.women", "0.8")])
    assert records[0]["verdict"] == "unreadable" and "lists nested more than 32 deep" in records[0]["reason"]
    assert records[0]["written"] == "[[[…]]] (lists nested more than 32 deep)"


@pytest.mark.parametrize("text", [
    '[[claim]]\nkey = "mean.women"\nvalue = []\n[[claim]]\nkey = "density.A.women"\nvalue = "0.0107"\n',
    '[values]\n"mean.women" = []\n"density.A.women" = "0.0107"\n',
])
def test_an_empty_array_is_reported_not_dropped(tmp_path, capsys, text):
    path = tmp_path / "c.toml"
    path.write_text(text)
    code, out, _ = cli(capsys, "check", SEED, str(path), "--format", "json")
    records = json.loads(out)["claims"]
    assert code == 1 and [(r["key"], r["verdict"]) for r in records] == [("mean.women", "unreadable"),
                                                                          ("density.A.women", "correct")]
    assert records[0]["reason"] == ("wrong shape: an empty list, which writes no number; expected a list of 2 "
                                    "numbers, or the claim left out")


def test_template_blanks_are_still_left_out(seed_run):
    claims = claims_from_dict({"values": {"mean.women": ["", ""], "cov.women": [["", ""], ["", ""]],
                                          "det.women": "100"}}, seed_run.plan)
    assert [c.name for c in claims] == ["det.women"]


@pytest.mark.parametrize("name, content, where, problem", [
    ("latin1.csv", "density.A.women,0.0107,café\n".encode("latin-1"), "line 1",
     "is not UTF-8: byte 0xe9 at column 27 is not UTF-8 (a Latin-1 or Windows-1252 file?)"),
    ("latin1.toml", '[values]\n"density.A.women" = "0.0107" # café\n'.encode("latin-1"), "line 2",
     "is not UTF-8: byte 0xe9 at column 35 is not UTF-8 (a Latin-1 or Windows-1252 file?)"),
    ("nul.csv", b"density.A.women,0.0107\nquad.A.women,0.\x008\n", "line 2",
     "holds a NUL byte: a binary file, or UTF-16 text"),
    ("field.csv", ("density.A.women," + "1" * 200_000 + "\n").encode(), "line 1",
     "cannot be read as CSV: a field longer than 131,072 characters"),
    ("utf16.csv", "density.A.women,0.0107\n".encode("utf-16"), None,
     "is UTF-16 text (it starts with a UTF-16 byte-order mark)"),
])
def test_unreadable_files_are_input_errors(tmp_path, name, content, where, problem):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as e:
        read_claims_data(path)
    assert (e.value.field, e.value.problem) == (where, problem)


@pytest.mark.parametrize("name, content", [
    ("latin1.csv", "density.A.women,0.0107,café\n".encode("latin-1")),
    ("nul.csv", b"density.A.women,0.0107\nquad.A.women,0.\x008\n"),
    ("field.csv", ("density.A.women," + "1" * 200_000 + "\n").encode()),
    ("values.toml", b"values = 3\n"),
    ("list.toml", b"values = [1, 2]\n"),
    ("deep.toml", b'[values]\n"mean.women" = ' + b"[" * 500 + b'"1"' + b"]" * 500 + b"\n"),
    ("key.toml", b'[[claim]]\nkey = 3\nvalue = "0.0107"\n'),
])
def test_unreadable_files_exit_2_from_the_command_line(tmp_path, capsys, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = cli(capsys, "check", SEED, str(path))
    assert code == 2 and err.startswith("gmmexact: error: ") and err.count("\n") == 1


def test_csv_cells_quoted_across_lines_and_nested_too_deep(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text('density.A.women,"0.0\n107"\nmean.women,"' + "[" * 5000 + "1" + "]" * 5000 + '"\n'
                    "quad.A.women,0.8\n")
    code, out, _ = cli(capsys, "check", SEED, str(path), "--format", "json")
    records = json.loads(out)["claims"]
    assert code == 1 and [r["verdict"] for r in records] == ["unreadable", "unreadable", "correct"]
    assert "'0.0\\n107' has a line break inside a number" in records[0]["reason"]
    assert "brackets nested more than 2 deep" in records[1]["reason"]


def test_ten_million_rows_are_refused_before_they_are_read(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_bytes(b"a,1\n" * 10_000_000)
    start = time.perf_counter()
    code, _, err = cli(capsys, "check", SEED, str(path))
    assert code == 2 and "(10,000,001 lines): about" in err and "--force" in err
    assert time.perf_counter() - start < 15


def test_more_claims_than_the_cost_limits_allow(seed_run):
    values = {"density.A.women": "0.0107"}
    data = {"claim": [{"key": "density.A.women", "value": "0.0107"}] * 100_000}
    with pytest.raises(InputError, match=r"checking 100,000 claims against 6 points: about \d+ s"):
        claims_from_dict(data, seed_run.plan)
    assert len(claims_from_dict({"values": values}, seed_run.plan)) == 1


def test_many_unknown_keys_are_answered_quickly(seed_run):
    data = {"claim": [{"key": "density.A.women", "value": "0.0107"}]
            + [{"key": f"dens.{i}", "value": "1"} for i in range(2000)]}
    start = time.perf_counter()
    claims = claims_from_dict(data, seed_run.plan)
    assert len(claims) == 2001 and all(c.unreadable.startswith("unknown key") for c in claims[1:])
    assert time.perf_counter() - start < 5


# --- 4. digits other than ASCII 0-9 ----------------------------------------------------------------------

@pytest.mark.parametrize("text, digits", [
    ("٠٫٠١٠٧", "'٠١٧' (Arabic-Indic digits)"),
    ("٠.٠١٠٧", "'٠١٧' (Arabic-Indic digits)"),
    ("۰.۰۱۰۷", "'۰۱۷' (extended Arabic-Indic digits)"),
    ("０.０１０７", "'０１７' (full-width digits)"),
    ("0.01０7", "'０' (full-width digits)"),
    ("१.०७e-2", "'१०७' (Devanagari digits)"),
])
def test_other_decimal_digits_are_refused_as_problem_files_refuse_them(seed_run, text, digits):
    record, other = verdicts(seed_run, [("density.A.women", text), ("quad.A.women", "0.8")])
    assert (record["verdict"], other["verdict"]) == ("unreadable", "correct")
    assert record["reason"] == f"value cannot be read: {text!r} has the digits {digits}; expected {ASCII_DIGITS}"
    with pytest.raises(InputError):
        parse_exact(text, file="p.toml", field="weight")


def test_superscript_exponents_stay_accepted(seed_run):
    records = verdicts(seed_run, [("exp.A.men", "7.2 × 10⁻²⁸"), ("density.A.men", "1.14 × 10⁻²⁹")])
    assert [r["verdict"] for r in records] == ["correct", "correct"]


def test_other_digits_in_a_csv_file(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text("quad.A.men,١٢٥\nquad.A.women,0.8\n", encoding="utf-8")
    code, out, _ = cli(capsys, "check", SEED, str(path), "--format", "json")
    records = json.loads(out)["claims"]
    assert code == 1 and [r["verdict"] for r in records] == ["unreadable", "correct"]
    assert records[0]["reason"].endswith("expected write ASCII digits 0-9")


# --- 5. keys of far iterations --------------------------------------------------------------------------

def test_a_far_iteration_is_an_unreadable_claim_and_is_not_computed(seed_run):
    data = {"values": {"iter1000000.loglik": "-3", "density.A.women": "0.0107", "iter1001.mean.women": ["1", "2"]}}
    assert claimed_iterations(data) == 1  # what a check solves: not a million iterations
    start = time.perf_counter()
    checks = Checker(seed_run).check(claims_from_dict(data, seed_run.plan))
    assert [c.verdict for c in checks] == ["unreadable", "correct", "unreadable"]
    assert checks[0].reason == (f"iteration 1,000,000 is too far (limit {MAX_ITERATION:,}): its quantities are not "
                                f"computed; expected a key of iteration 1 to {MAX_ITERATION:,}")
    assert time.perf_counter() - start < 5


def test_claimed_iterations_ignores_malformed_records():
    assert claimed_iterations({"values": 3, "claim": [1, {"key": ["x"]}, {"key": "iter2.loglik"}]}) == 2
    assert claimed_iterations([1, 2]) == 1


def test_a_far_iteration_from_the_command_line_ends_quickly(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text('[values]\n"iter1000000.loglik" = "-3"\n"density.A.women" = "0.0107"\n')
    start = time.perf_counter()
    code, _, _ = cli(capsys, "check", SEED, str(path), "--format", "json")
    assert code in (1, 2) and time.perf_counter() - start < 15


# --- 6. exact ties: a mirror-symmetric problem -----------------------------------------------------------

MIRROR = ('[data]\nvariables = ["x"]\nlabels = ["P1", "P2", "P3", "P4", "P5"]\npoints = [[-2], [-1], [0], [1], [2]]\n\n'
          '[[components]]\nname = "a"\nmean = [-1]\ncovariance = [[1]]\nweight = "1/2"\n\n'
          '[[components]]\nname = "b"\nmean = [1]\ncovariance = [[1]]\nweight = "1/2"\n')


def test_exact_ties_are_decided(tmp_path, capsys):
    """By symmetry count.a = 5/2 and weight.a = 1/2 exactly after iteration 1 (and P3's responsibility 1/2).

    A written number promises that the exact value lies within half a unit of its last digit, a
    closed interval: 5/2 written to one significant digit keeps that promise as "2" (its rounding
    half to even) and as "3" (its rounding half up, which students are taught just as often). Both
    are correct, with the tie noted; 1/2 to an integer likewise as "0" and "1". Neither is undecided,
    nor "carried" as if a rounding were needed to reach it.
    """
    problem, claims = tmp_path / "p.toml", tmp_path / "c.toml"
    problem.write_text(MIRROR)
    written = [("count.a", "5/2"), ("count.a", "2.5"), ("count.a", "2"), ("count.a", "3"), ("count.a", "2.50"),
               ("count.b", "2.5"), ("weight.a", "1/2"), ("weight.a", "0.5"), ("weight.a", "0.50"),
               ("weight.a", "0"), ("weight.a", "1"), ("resp.P3.a", "0.5"), ("resp.P3.b", "1/2"),
               ("count.a", "2.4"), ("weight.a", "0.49")]
    claims.write_text("".join(f'[[claim]]\nkey = "{k}"\nvalue = "{v}"\n' for k, v in written))
    code, out, _ = cli(capsys, "check", str(problem), str(claims), "--format", "json")
    records = json.loads(out)["claims"]
    assert code == 1
    assert [r["verdict"] for r in records] == ["correct"] * 13 + ["wrong", "wrong"]
    on_edge = [r["written"] for r in records if any("edge of what the digits promise" in n for n in r["notes"])]
    assert on_edge == ["2", "3", "0", "1"]
    assert [r["value"] for r in records[:3]] == ["2.5000000", "2.500", "2.50"]
