"""``crosscheck --baseline OLD.json --fail-on-regression``: a CI gate on proven digits."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from gmmexact.cli.commands import main
from gmmexact.crosschecking.baseline import compare

pytest.importorskip("sklearn")
PROBLEM = str(Path(__file__).resolve().parents[1] / "examples" / "types" / "tied_sklearn.toml")


def report(capsys, *extra) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["crosscheck", PROBLEM, "--with", "sklearn", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_same_run_against_its_own_report_passes_the_gate(tmp_path, capsys):
    code, out, _ = report(capsys, "--format", "json")
    assert code == 0
    old = tmp_path / "old.json"
    old.write_text(out, encoding="utf-8")
    code, out, _ = report(capsys, "--baseline", str(old), "--fail-on-regression")
    n = len(json.loads(old.read_text())["quantities"])
    assert code == 0 and f"baseline: {n} quantities compared; 0 lost digits, 0 gained, 0 missing, 0 new" in out
    code, out, _ = report(capsys, "--baseline", str(old), "--format", "json")
    assert json.loads(out)["baseline"] == {"compared": n, "missing": [], "new": [], "regressions": [],
                                           "improvements": []}


def test_a_quantity_with_fewer_digits_than_before_fails_the_gate_and_is_named(tmp_path, capsys):
    _, out, _ = report(capsys, "--format", "json")
    doc = json.loads(out)
    q = next(q for q in doc["quantities"] if not q["identical"])
    q["correct_digits"] += 2  # as if an earlier version of the peer had kept two more digits
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc), encoding="utf-8")
    code, out, err = report(capsys, "--baseline", str(old), "--fail-on-regression")
    assert code == 1
    assert f"  {q['key']}: {q['correct_digits']} → {q['correct_digits'] - 2} digits" in out.splitlines()
    assert "1 quantity(ies) have fewer proven digits than in" in err
    code, _, _ = report(capsys, "--baseline", str(old))  # without the flag: reported, not failed
    assert code == 0


@pytest.mark.parametrize("content, field", [("[]", "quantities"), ('{"quantities": 3}', "quantities"),
                                            ('{"quantities": [{"key": "loglik", "correct_digits": -1}]}',
                                             "quantities[0].correct_digits"),
                                            ("not json", "is not a JSON report")])
def test_a_bad_baseline_is_exit_2_naming_the_file_and_field(tmp_path, capsys, content, field):
    bad = tmp_path / "old.json"
    bad.write_text(content, encoding="utf-8")
    code, _, err = report(capsys, "--baseline", str(bad))
    assert code == 2 and err.startswith(f"gmmexact: error: {bad}") and field in err


def test_fail_on_regression_needs_a_baseline(capsys):
    code, _, err = report(capsys, "--fail-on-regression")
    assert code == 2 and "--baseline" in err


def test_compare_counts_missing_and_new_keys_and_identical_values():
    old = {"quantities": [{"key": "a", "correct_digits": None, "identical": True},
                          {"key": "b", "correct_digits": 12, "identical": False}]}
    new = {"quantities": [{"key": "a", "correct_digits": 15, "identical": False},
                          {"key": "c", "correct_digits": 3, "identical": False}]}
    c = compare(old, new)
    assert [(r.key, r.before, r.after) for r in c.regressions] == [("a", 10_000, 15)]
    assert (c.missing, c.new, c.compared) == (("b",), ("c",), 1)
    assert c.lines()[1] == "  a: all → 15 digits"
