"""`gmmexact check`: verdicts on the seed document and on deliberately wrong claims."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import gmmexact
from gmmexact.checking.verdicts import Checker
from gmmexact.checking.claims import claims_from_dict
from gmmexact.cli.commands import main

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "seed" / "problem.toml")
SEED_CLAIMS = str(ROOT / "examples" / "seed" / "claims.toml")
HARD = {f"resp.{p}.women": "1" for p in "ABC"} | {f"resp.{p}.women": "0" for p in "DEF"}


def check(problem, claims: list[tuple[str, object]]):
    run = gmmexact.solve(problem)
    data = {"claim": [{"key": k, "value": v} for k, v in claims]}
    return Checker(run).check(claims_from_dict(data, run.plan))


def _json(capsys, *args):
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


def test_seed_verdicts(capsys):
    code, data = _json(capsys, "check", SEED, SEED_CLAIMS, "--format", "json")
    assert code == 1  # the stale mean is wrong
    by_key = {}
    for r in data["claims"]:
        by_key.setdefault(r["key"], []).append(r)
    assert by_key["norm.women"][0]["verdict"] == "correct"
    assert by_key["density.A.women"][0]["verdict"] == "correct"
    small = by_key["density.A.men"][0]
    assert small["written"] == "1.15 × 10^-29" and small["verdict"] == "carried"
    assert small["carried_kind"] == "rounding" and small["value"] == "1.1440e-29"
    assert {s["key"] for s in small["carried_from"]} == {"exp.A.men", "norm.men"}
    assert small["error_ulps"] == "0.60"
    assert any("at most 2 are justified" in n for n in small["notes"])  # from 7.2 × 10^-28
    means = by_key["mean.women"]
    assert [m["verdict"] for m in means] == ["correct", "correct", "wrong"]
    stale = means[-1]
    assert stale["written"] == ["162", "57"] and stale["first_wrong"]["index"] == stale["index"]
    assert any("starting mean of women" in n for n in stale["notes"])
    assert [r["verdict"] for r in by_key["weight.women"]] == ["carried", "correct", "correct"]
    assert by_key["weight.women"][0]["carried_from"][0]["key"] == "count.women"
    assert data["summary"]["wrong"] == 1 and data["summary"]["first_error"]["key"] == "mean.women"
    assert any(f["kind"] == "singular-covariance" and "height − weight = 105" in f["message"] for f in data["findings"])


def test_seed_text_and_strict(capsys):
    assert main(["check", SEED, SEED_CLAIMS]) == 1
    out = capsys.readouterr().out
    assert "≈" in out and "✗" in out and "first error" in out
    titles = [line.strip() for line in out.splitlines() if line.startswith("iteration 1 · ")]
    assert titles == ["iteration 1 · E-step: determinants, inverses, normalising constants",
                      "iteration 1 · E-step: densities", "iteration 1 · E-step: responsibilities",
                      "iteration 1 · M-step"]


def test_carried_rounding_fails_only_with_strict(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text('[[claim]]\nkey = "exp.A.men"\nvalue = "7.2e-28"\n[[claim]]\nkey = "norm.men"\nvalue = "62.83"\n'
                    '[[claim]]\nkey = "density.A.men"\nvalue = "1.15e-29"\n')
    assert main(["check", SEED, str(path)]) == 0
    assert main(["check", SEED, str(path), "--strict"]) == 1


def test_wrong_determinant_is_traced_and_its_consequence_carried():
    problem = gmmexact.load(SEED)
    got = check(problem, [("det.women", "90"), ("norm.women", "59.61")])
    assert got[0].verdict == "wrong" and got[0].first_wrong == 0
    assert got[1].verdict == "follows" and got[1].carried_kind == "error" and got[1].carried_from == (0,)


def test_mean_computed_with_a_wrong_count_is_an_error_carried_forward():
    problem = gmmexact.load(SEED)
    claims = list(HARD.items()) + [("count.women", "4"), ("mean.women", ["123.75", "45"])]
    got = check(problem, claims)
    count, mean = got[-2], got[-1]
    assert count.verdict == "wrong"
    assert mean.verdict == "follows" and mean.carried_kind == "error" and count.claim.index in mean.carried_from


def test_responsibilities_that_do_not_sum_to_one():
    got = check(gmmexact.load(SEED), [("resp.A.women", "0.7"), ("resp.A.men", "0.7")])
    assert [g.verdict for g in got] == ["wrong", "wrong"]
    assert got[0].entries[0].value == "1.00"  # the written digits (1) plus two
    assert any("do not sum to 1: 0.7 (#0) + 0.7 (#1) = 1.4" in n for n in got[1].notes)
    fine = check(gmmexact.load(SEED), [("resp.C.women", "0.33"), ("resp.C.men", "0.67")])
    assert not any("sum to 1" in n for n in fine[1].notes)


def test_bare_exponential_labelled_as_density():
    got = check(gmmexact.load(SEED), [("density.A.women", "0.6703")])
    assert got[0].verdict == "wrong" and any("exp.A.women" in n for n in got[0].notes)


def test_exact_values_and_boundaries():
    got = check(gmmexact.load(SEED), [("quad.A.women", "4/5"), ("quad.A.women", "0.85"), ("det.women", "1e2"),
                                      ("quad.A.women", "1/3")])
    assert [g.verdict for g in got] == ["correct", "wrong", "correct", "wrong"]
    problem = gmmexact.Problem.from_arrays([0, 1], means=[0], covariances=["5/2"], weights=[1])
    both = check(problem, [("det.1", "2"), ("det.1", "3")])  # 5/2: half-even gives 2, half-up 3
    assert all(g.verdict == "correct" and any("edge" in n for n in g.notes) for g in both)


def test_one_dimensional_three_components():
    problem = gmmexact.Problem.from_arrays([1, "5/2", "1/3", -4, 7], means=[0, 3, "-2/7"],
                                           covariances=["1/3", 2, 5], weights=["1/3", "1/2", "1/6"],
                                           names=["a", "b", "c"])
    run = gmmexact.solve(problem)
    density = run["density.x1.a"].decimal(4)
    got = check(problem, [("quad.x1.a", "3"), ("density.x1.a", density), ("mean.b", "9"),
                          ("cov.a", run["cov.a"].decimal(3)[0][0])])
    assert [g.verdict for g in got] == ["correct", "correct", "wrong", "correct"]


@pytest.mark.parametrize("content, expected", [
    ('[[claim]]\nkey = "density.A.woman"\nvalue = "0.01"\n', "density.A.women"),  # no key of this problem at all
    ('[[claim]]\nvalue = "3"\n', "key"),
])
def test_bad_claims_exit_2(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    assert main(["check", SEED, str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and expected in err and "Traceback" not in err


def test_compact_values_form(tmp_path, capsys):
    path = tmp_path / "v.toml"
    path.write_text('[values]\n"det.women" = "100"\n"mean.men" = ["185", "80"]\n')
    code, data = _json(capsys, "check", SEED, str(path), "--format", "json")
    assert code == 0 and [r["verdict"] for r in data["claims"]] == ["correct", "correct"]


def test_template_lists_every_quantity_and_blanks_are_ignored(tmp_path, capsys):
    out = tmp_path / "t.toml"
    assert main(["claims-template", SEED, "-o", str(out)]) == 0
    text = out.read_text()
    assert text.count("[[claim]]") == len(gmmexact.solve(gmmexact.load(SEED)).keys())
    assert main(["check", SEED, str(out)]) == 2  # nothing filled in yet
    assert "no filled-in claims" in capsys.readouterr().err
    filled = text.replace('key = "det.women"\nvalue = ""', 'key = "det.women"\nvalue = "100"')
    out.write_text(filled)
    code, data = _json(capsys, "check", SEED, str(out), "--format", "json")
    assert code == 0 and [r["key"] for r in data["claims"]] == ["det.women"]


def test_csv_claims(tmp_path, capsys):
    path = tmp_path / "c.csv"
    path.write_text('key,value,where\ndet.women,100,slide 3\nmean.women,"[165, 60]",table\n'
                    'cov.men,"[[16.67, 16.67], [16.67, 16.67]]",\nexp.A.men,7.2e-28,\nnorm.men,62.83,\n'
                    'density.A.men,1.15 × 10^-29,slide 10\n')
    code, data = _json(capsys, "check", SEED, str(path), "--format", "json")
    assert code == 0
    assert [r["verdict"] for r in data["claims"]] == ["correct"] * 5 + ["carried"]
    assert data["claims"][0]["where"] == "slide 3"


def test_three_dimensional_carried_and_wrong():
    problem = gmmexact.Problem.from_arrays(
        [[0, 0, 0], [1, 2, 0], [0, 1, 3], [2, 0, 1], [3, 3, 3]],
        means=[[0, 1, 0], [2, 2, 2]], covariances=[[[2, 1, 0], [1, 2, 0], [0, 0, 1]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]],
        weights=["1/4", "3/4"])
    # exp.x2.1 = 0.7165…, norm.1 = 26.69…, density.x2.1 = 0.0262667; by hand: 0.72 / 27 = 0.02667
    got = check(problem, [("det.1", "3"), ("exp.x2.1", "0.72"), ("norm.1", "27"), ("density.x2.1", "0.0267"),
                          ("inv.2", [["1", "0", "0"], ["0", "1", "0"], ["0", "0", "2"]])])
    assert [g.verdict for g in got] == ["correct", "correct", "correct", "carried", "wrong"]
    assert set(got[3].carried_from) == {1, 2} and got[3].carried_kind == "rounding"


def test_carried_through_unwritten_intermediate_steps():
    # a student writes both densities of A with a wrong exponent, then the responsibility from them;
    # the joint probabilities and the evidence in between are never written down
    problem = gmmexact.load(SEED)
    got = check(problem, [("density.A.women", "0.0065"), ("density.A.men", "0.0016"), ("resp.A.women", "0.80")])
    assert [g.verdict for g in got] == ["wrong", "wrong", "follows"]
    assert set(got[2].carried_from) == {0, 1} and got[2].carried_kind == "error"


def test_json_exact_forms_parse(capsys):
    from gmmexact.rendering.report import parse_exact
    code, data = _json(capsys, "check", SEED, SEED_CLAIMS, "--format", "json")
    for r in data["claims"]:
        parse_exact(r["exact"], r.get("symbols"))
    small = next(r for r in data["claims"] if r["key"] == "density.A.men")
    assert small["exact"] == "exp(-125/2)/(20*pi)"


def test_carried_error_names_the_first_wrong_step():
    got = check(gmmexact.load(SEED), [("det.women", "90"), ("norm.women", "59.61")])
    assert got[1].verdict == "follows" and got[1].first_wrong == 0


def test_correct_claim_with_more_digits_than_its_written_inputs_justify():
    # 0.6703 / 62.83 spreads over ±1.6e-6, so of the six digits of 0.0106685 only four follow from them
    # (a correct number showing one digit more than justified is common and not noted)
    got = check(gmmexact.load(SEED), [("norm.women", "62.83"), ("exp.A.women", "0.6703"),
                                      ("density.A.women", "0.0106685"), ("density.A.women", "0.010668"),
                                      ("density.A.women", "0.0107")])
    assert [g.verdict for g in got] == ["correct"] * 5
    assert any("shows 6 significant digits" in n and "at most 4 are justified" in n for n in got[2].notes)
    assert not any("justified" in n for n in got[3].notes + got[4].notes)


def test_written_inputs_equal_to_the_exact_value_count_as_exact():
    # quad.A.women = 0.8 is exactly 4/5: exp(-0.4) to four digits is justified by it
    got = check(gmmexact.load(SEED), [("quad.A.women", "0.8"), ("exp.A.women", "0.6703")])
    assert [g.verdict for g in got] == ["correct", "correct"] and not got[1].notes


def test_undecided_when_the_exact_value_cannot_be_enclosed(monkeypatch):
    import gmmexact.checking.verdicts as check_module
    monkeypatch.setattr(check_module, "CHECK_MAX_PREC", 16)  # far too little for 14 digits
    got = check(gmmexact.load(SEED), [("density.A.women", "0.010668474878")])
    assert got[0].verdict == "undecided" and any("could not be enclosed" in n for n in got[0].notes)


def test_check_api_from_a_run_and_its_display():
    run = gmmexact.solve(gmmexact.load(SEED))
    report = gmmexact.check(run, SEED_CLAIMS)
    assert report.run is run and not report.passed()
    assert report.summary == {**report.summary, "claims": 56, "wrong": 1, "undecided": 0}
    assert "| 9 | `density.A.men` | 1.15 × 10^-29 | ≈ carried |" in report._repr_markdown_()
    problem = gmmexact.Problem.from_arrays([0, 1, 3], means=[0, 2], covariances=[1, 1], weights=["1/2", "1/2"])
    first = gmmexact.solve(problem)
    later = gmmexact.check(first, {"values": {"iter2.det.1": "0.5"}})  # needs a second iteration
    assert later.run is not first and later.run.iterations == 2 and later.checks[0].verdict == "wrong"


def test_claim_beyond_a_stopped_run_says_why(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text('[values]\n"iter2.det.women" = "0"\n')
    assert main(["check", SEED, str(path)]) == 2
    assert "updated covariance is singular" in capsys.readouterr().err


def test_check_markdown_names_the_first_error(capsys):
    assert main(["check", SEED, SEED_CLAIMS, "--format", "markdown"]) == 1
    out = capsys.readouterr().out
    assert "First error: #55 `mean.women` = [162, 57]" in out
    assert r"$\frac{e^{-125/2}}{20 \pi} \approx 1.1440 \times 10^{-29}$" in out


def test_one_dimensional_document_with_rounded_responsibilities():
    # responsibilities rounded to three decimals, then counts, means and a variance computed from them
    problem = gmmexact.Problem.from_arrays([1, 2, 4, 7], means=["1.5", 6], covariances=[1, 2], weights=["1/2", "1/2"],
                                           labels=list("abcd"), names=["L", "R"])
    resp = [("resp.a.L", "0.998"), ("resp.a.R", "0.002"), ("resp.b.L", "0.986"), ("resp.b.R", "0.014"),
            ("resp.c.L", "0.144"), ("resp.c.R", "0.856"), ("resp.d.L", "0"), ("resp.d.R", "1")]
    got = check(problem, resp + [("count.L", "2.128"), ("weight.L", "0.532"), ("mean.L", "1.666"),
                                 ("cov.L", "0.628"), ("cov.L", "0.65"), ("loglik", "-8.47")])
    assert [g.verdict for g in got[8:]] == ["correct", "correct", "carried", "carried", "wrong", "correct"]
    mean, cov = got[10], got[11]
    assert mean.carried_from == (0, 2, 4, 6, 8) and mean.carried_kind == "rounding"
    assert 10 in cov.carried_from  # the variance used the document's rounded mean 1.666
    # 2.128 from three 3-decimal numbers shows one digit more than they determine: common, not noted for
    # a correct number; the carried mean 1.666 from them is
    assert not any("justified" in n for n in got[8].notes)
    assert any("shows 4 significant digits" in n and "at most 3 are justified" in n for n in mean.notes)


@pytest.mark.parametrize("claims, match", [
    ([("density.A.women", "0.0053")], "joint.A.women (the density times the weight)"),
    ([("resp.A.women", "0.00533")], "joint.A.women (not divided by the evidence evidence.A)"),
    ([("exp.A.women", "0.4493")], "without the ½"),  # exp(-0.8)
    ([("norm.women", "628.3")], "without the square root of |Σ|"),  # 2π · 100
    ([("norm.women", "25.07")], "(2π)^(1/2) instead of (2π)^(d/2)"),  # sqrt(2π) · 10
    (list(HARD.items()) + [("cov.women", [["25.67", "25.67"], ["25.67", "25.67"]])],
     "about the starting mean of women"),  # 50/3 + (165 − 162)(60 − 57)
    (list(HARD.items()) + [("cov.women", [["8.333", "8.333"], ["8.333", "8.333"]])],
     "divided by n = 6 instead of the count count.women"),
    (list(HARD.items()) + [("mean.women", ["495", "180"])], "not yet divided by the count"),
    ([("weight.men", "3")], "the count count.men, not divided by n = 6"),
])
def test_wrong_numbers_named_by_the_slip_they_match(claims, match):
    got = check(gmmexact.load(SEED), claims)
    assert got[-1].verdict == "wrong"
    assert any(match in n for n in got[-1].notes), got[-1].notes


def test_many_points_are_traced_through_written_out_sums():
    # 30 points (sums over more than 20 points are defined with Σ): hard assignments written as 0/1;
    # exactly, count.lo = 15.0000 (x15 and x16 are shared 0.742/0.258)
    points = [[i, 2 * i + (i % 3)] for i in range(30)]
    problem = gmmexact.Problem.from_arrays(points, means=[[5, 11], [24, 49]], covariances=[[[9, 0], [0, 9]]] * 2,
                                           weights=["1/2", "1/2"], names=["lo", "hi"])
    hard = [(f"resp.x{i + 1}.lo", "1" if i < 15 else "0") for i in range(30)]
    got = check(problem, hard + [("count.lo", "15"), ("mean.lo", ["7.000", "15.00"]), ("count.lo", "14")])
    assert [g.verdict for g in got[30:]] == ["correct", "carried", "wrong"]
    assert got[31].carried_from == tuple(range(1, 31)) and got[31].carried_kind == "rounding"  # (0+…+14)/15 = 7; x1 = (0, 0) adds nothing
    bad = check(problem, hard[:-1] + [("resp.x30.lo", "0.6"), ("count.lo", "15.6")])
    assert bad[29].verdict == "wrong"
    assert bad[-1].verdict == "follows" and bad[-1].carried_kind == "error" and bad[-1].first_wrong == 29


def test_first_wrong_step_follows_the_numbers_actually_used():
    # a wrong determinant of the men's covariance never reaches the women's deviation: the sign slip in
    # dev.A.women is its own first wrong step
    claims = [("det.men", "90")] + list(HARD.items()) + [("mean.women", ["165", "60"]), ("dev.A.women", ["5", "5"])]
    got = check(gmmexact.load(SEED), claims)
    assert got[0].verdict == "wrong" and got[-1].verdict == "wrong"
    assert got[-1].first_wrong == len(claims) - 1
    assert any("μ − x instead of x − μ" in n for n in got[-1].notes)


def test_inverse_from_the_documents_rounded_determinant_is_carried():
    problem = gmmexact.Problem.from_arrays([[0, 0], [1, 2]], means=[[0, 0], [1, 1]],
                                           covariances=[[[2, "1/3"], ["1/3", 1]], [[1, 0], [0, 1]]],
                                           weights=["1/2", "1/2"], names=["one", "two"])
    # |Σ| = 17/9 = 1.8889, written 1.89; adj(Σ)/1.89 = [[0.52910, -0.17637], [-0.17637, 1.05820]]
    got = check(problem, [("det.one", "1.89"), ("inv.one", [["0.5291", "-0.1764"], ["-0.1764", "1.058"]])])
    assert [g.verdict for g in got] == ["correct", "carried"]
    assert got[1].carried_from == (0,) and got[1].carried_kind == "rounding"


def test_pi_by_hand_is_rounding_carried_forward():
    # 2 · 3.14 · 10 = 62.80, where 20π = 62.832: the document worked with π ≈ 3.14
    got = check(gmmexact.load(SEED), [("norm.women", "62.80"), ("density.A.women", "0.01067")])
    assert got[0].verdict == "carried" and got[0].carried_kind == "rounding" and got[0].carried_from == ()
    assert any("π ≈ 3.14" in n for n in got[0].notes)
    assert got[1].verdict == "correct"


@pytest.mark.parametrize("claims, match", [
    ([("quad.A.women", "80")], "with Σ instead of Σ⁻¹"),  # (−2, −2) · 10 I · (−2, −2)
    (list(HARD.items()) + [("mean.women", ["82.5", "30"])], "divided by n = 6 instead of the count"),
])
def test_more_slips_named(claims, match):
    got = check(gmmexact.load(SEED), claims)
    assert got[-1].verdict == "wrong" and any(match in n for n in got[-1].notes), got[-1].notes


def test_determinant_and_inverse_slips_of_a_full_covariance():
    problem = gmmexact.Problem.from_arrays([[0, 0], [1, 2]], means=[[0, 0], [1, 1]],
                                           covariances=[[[2, 1], [1, 3]], [[1, 0], [0, 1]]], weights=["1/2", "1/2"])
    # |Σ| = 5; the product of the diagonal is 6; the inverse [[3, -1], [-1, 2]]/5 with flipped signs
    got = check(problem, [("det.1", "6"), ("det.1", "5"), ("inv.1", [["0.6", "0.2"], ["0.2", "0.4"]])])
    assert any("product of the diagonal" in n for n in got[0].notes)
    assert got[2].verdict == "wrong" and any("signs of its off-diagonal entries flipped" in n for n in got[2].notes)
    assert any("entries [0][1] = 0.2, [1][0] = 0.2 are off" in n for n in got[2].notes)


def test_covariance_about_the_old_mean_from_the_documents_rounded_numbers():
    # rounded responsibilities and count, then Σ r (x − μ_start)² / m with the starting mean 1.5
    problem = gmmexact.Problem.from_arrays([1, 2, 4, 7], means=["1.5", 6], covariances=[1, 2], weights=["1/2", "1/2"],
                                           labels=list("abcd"), names=["L", "R"])
    resp = [("resp.a.L", "0.998"), ("resp.b.L", "0.986"), ("resp.c.L", "0.144"), ("resp.d.L", "0"),
            ("count.L", "2.128")]
    # (0.998·0.25 + 0.986·0.25 + 0.144·6.25 + 0) / 2.128 = 0.6560
    got = check(problem, resp + [("cov.L", "0.656")])
    assert got[-1].verdict == "wrong"
    assert any("about the starting mean of L" in n and "from the document's" in n for n in got[-1].notes)


def test_one_entry_slip_and_an_unsymmetric_covariance():
    claims = list(HARD.items()) + [("cov.women", [["16.67", "61.67"], ["16.67", "16.67"]])]
    got = check(gmmexact.load(SEED), claims)[-1]
    assert got.verdict == "wrong"
    assert any("entry [0][1] = 61.67 is off" in n for n in got.notes)
    assert any("not symmetric: [0][1] = 61.67 but [1][0] = 16.67" in n for n in got.notes)


def test_hard_assignment_far_from_the_responsibility_is_noted():
    points = [[i, 2 * i + (i % 3)] for i in range(30)]
    problem = gmmexact.Problem.from_arrays(points, means=[[5, 11], [24, 49]], covariances=[[[9, 0], [0, 9]]] * 2,
                                           weights=["1/2", "1/2"], names=["lo", "hi"])
    got = check(problem, [("resp.x15.lo", "1"), ("resp.x1.lo", "1")])  # 0.742 and 1.00
    assert got[0].verdict == "correct" and any("hard assignment 1 where the responsibility is 0.74" in n
                                               for n in got[0].notes)
    assert not got[1].notes


@pytest.mark.parametrize("content, expected", [
    ('key,value\ndet.women\n', "line 2: has 1 column(s)"),
])
def test_bad_csv_claims_exit_2_naming_the_line(tmp_path, capsys, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert main(["check", SEED, str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "internal error" not in err


def test_csv_with_a_byte_order_mark(tmp_path, capsys):
    path = tmp_path / "excel.csv"
    path.write_bytes("key,value\r\ndet.women,100\r\n".encode("utf-8-sig"))
    code, data = _json(capsys, "check", SEED, str(path), "--format", "json")
    assert code == 0 and data["claims"][0]["verdict"] == "correct"


def test_outer_product_written_as_a_number_says_why(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text('[values]\n"outer.A.women" = "50"\n')
    code, data = _json(capsys, "check", SEED, str(path), "--format", "json")
    assert code == 1 and data["claims"][0]["verdict"] == "unreadable"  # the claim's own verdict, not exit 2
    assert "the outer product (x−μ)(x−μ)ᵀ in the covariance update is a 2×2 matrix" in data["claims"][0]["reason"]


def test_entry_out_of_range_suggests_the_entries(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text('[values]\n"mean.women[2]" = "3"\n')
    assert main(["check", SEED, str(path)]) == 2
    assert "an entry from mean.women[0] to mean.women[1]" in capsys.readouterr().err


N3 = dict(points=[[1, 2], [2, 1], [3, 3], [6, 5], [7, 7], [5, 8]], means=[[2, 2], [6, 6]],
          covariances=[[[2, 1], [1, 2]], [[3, -1], [-1, 2]]], weights=["1/3", "2/3"], labels=list("ABCDEF"),
          names=["a", "b"])


def test_first_wrong_step_of_a_named_slip_is_where_its_own_inputs_went_wrong():
    problem = gmmexact.Problem.from_arrays(**N3)
    claims = [("det.a", "3"), ("inv.a", [["0.5", "1"], ["1", "0.5"]]), ("det.b", "7"),
              ("inv.b", [["2", "1"], ["1", "3"]]), ("norm.a", "4.342"), ("quad.A.a", "2"), ("exp.A.a", "0.3679"),
              ("density.A.a", "0.3679")]
    got = check(problem, claims)
    assert [g.verdict for g in got] == ["correct", "wrong", "wrong", "wrong", "wrong", "wrong", "follows", "wrong"]
    notes = {i: "; ".join(g.notes) for i, g in enumerate(got)}
    assert "reciprocal of each entry" in notes[1] and "ad + bc" in notes[2]
    assert "adjugate not divided by |Σ|" in notes[3] and "(2π)^(1/2)" in notes[4]
    assert "Σ instead of Σ⁻¹" in notes[5] and "bare exponential" in notes[7]
    # inv.b never used det.b, quad.A.a never used inv.a: each slip is its own first wrong step
    assert [got[i].first_wrong for i in (1, 2, 3, 5)] == [1, 2, 3, 5]
    assert got[6].first_wrong == 5 and got[7].first_wrong == 5


@pytest.mark.parametrize("claims, match", [
    ([("density.A.women", "0.0107"), ("joint.A.women", "0.0107")], "the weight π_c left out"),
    ([("evidence.A", "0.01067")], "the sum of the densities without their weights"),
    ([("exp.A.women", "1.492")], "exp(+q/2)"),
    ([("det.women", "100"), ("weight.women", "1")], "divided by K = 2 instead of n = 6"),
])
def test_further_slips_named(claims, match):
    got = check(gmmexact.load(SEED), claims)
    assert got[-1].verdict == "wrong" and any(match in n for n in got[-1].notes), got[-1].notes


def test_log_likelihood_slips_and_a_standard_deviation_for_a_variance():
    problem = gmmexact.Problem.from_arrays([1, 2, 4, 7], means=["1.5", 6], covariances=[1, 2], weights=["1/2", "1/2"],
                                           labels=list("abcd"), names=["L", "R"])
    run = gmmexact.solve(problem)
    # loglik = −8.4693; base 10: −3.6782; per point −2.1173; √0.62955 = 0.79344
    got = check(problem, [("loglik", "-3.678"), ("loglik", "-2.117"), ("cov.L", "0.7934")])
    assert run["loglik"].decimal(5) == "-8.4693"
    assert any("base-10" in n for n in got[0].notes) and any("per point" in n for n in got[1].notes)
    assert any("standard deviation instead of the variance" in n for n in got[2].notes)


def test_carried_vectors_get_no_entry_notes_and_a_flipped_sign_is_named():
    got = check(gmmexact.load(SEED), list(HARD.items()) + [("dev.A.women", ["5.000", "-5.000"])])
    assert got[-1].verdict == "wrong" and any("the sign of [0] is flipped" in n for n in got[-1].notes)
    carried = check(gmmexact.load(SEED), list(HARD.items()) + [("mean.women", ["165.0000000", "60.00000000"])])
    assert carried[-1].verdict == "carried" and not any("off" in n for n in carried[-1].notes)


def test_rounded_values_without_a_closed_form_are_marked_approximate(capsys):
    assert main(["check", SEED, SEED_CLAIMS]) == 1
    row = next(line for line in capsys.readouterr().out.splitlines() if "│ 31 " in line)
    assert "≈ [165.00," in row  # (the table wraps at the test console's 80 columns)
    assert main(["check", SEED, SEED_CLAIMS, "--format", "markdown"]) == 1
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| 31 |"))
    assert r"\approx" in row


def test_no_digits_note_from_inputs_the_number_was_not_computed_from():
    # with the men's density written wrongly as 0.0900, the written densities give r = 0.106, not the
    # correct 1.0000000 written next: the document did not compute it from them
    got = check(gmmexact.load(SEED), [("density.A.women", "0.0107"), ("density.A.men", "0.0900"),
                                      ("resp.A.women", "1.0000000")])
    assert got[2].verdict == "correct" and not any("justified" in n for n in got[2].notes)
