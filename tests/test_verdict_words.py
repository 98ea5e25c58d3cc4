"""Verdicts a student and a grader can act on: an unreadable claim among readable ones, a number that
follows an earlier error, rounding too early, and how far off a number is in words."""
from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

import gmmexact
from gmmexact.checking.claims import claims_from_dict
from gmmexact.checking.display import check_html
from gmmexact.checking.notes import words_for
from gmmexact.checking.report import render_check_markdown
from gmmexact.checking.verdicts import Checker
from gmmexact.cli.commands import main
from gmmexact.model.errors import InputError
from gmmexact.model.written import parse_written
from gmmexact.rendering.solution import LatexOptions, latex_document, latex_fragment

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "seed" / "problem.toml")
SEED_CLAIMS = str(ROOT / "examples" / "seed" / "claims.toml")


@pytest.fixture(scope="module")
def seed_run():
    return gmmexact.solve(gmmexact.load(SEED))


def check(run, claims: list[tuple[str, object]]):
    return gmmexact.check(run, {"claim": [{"key": k, "value": v} for k, v in claims]})


def _json(capsys, *args):
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


# -- one unreadable claim does not stop the others ----------------------------------------------

UNREADABLE = [
    ("density.A.women", "0,0107", "value cannot be read: '0,0107' has a decimal comma; write 0.0107"),
    ("density.A.women", "≈0.0107", "value cannot be read: '≈0.0107' starts with '≈'; write the number alone, "
                                   "0.0107 (its digits already say how it was rounded)"),
    ("resp.A.women", "75.7%", "value cannot be read: '75.7%' is a percentage; write it as a number, 0.757"),
    ("mean.women", [["165", "60", "1"]], "wrong shape: a 1×3 list, but mean.women is a vector of 2; expected a "
                                         "list of 2 numbers"),
    ("mean.women", ["165", "6O"], "value cannot be read: entry [1] '6O' is not a number as written; expected a "
                                  "decimal"),
    ("density.A.women", "1,000", "value cannot be read: '1,000' has a comma inside the number; write 1.000 if it "
                                 "is a decimal comma, or 1000 if it separates thousands"),
]


def test_an_unreadable_claim_among_good_ones_gets_its_own_verdict(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # table cells unwrapped
    lines = ['[[claim]]\nkey = "det.women"\nvalue = "100"\n']
    for key, value, _ in UNREADABLE:
        lines.append(f"[[claim]]\nkey = \"{key}\"\nvalue = {json.dumps(value, ensure_ascii=False)}\n")
    lines.append('[[claim]]\nkey = "density.A.women"\nvalue = 0.0107\n')  # a TOML float: its digits are lost
    lines.append('[[claim]]\nkey = "density.A.women"\nvalue = "0.0107"\nwhere = "after the typos"\n')
    path = tmp_path / "c.toml"
    path.write_text("".join(lines), encoding="utf-8")
    code, data = _json(capsys, "check", SEED, str(path), "--format", "json")
    assert code == 1
    records = data["claims"]
    assert [r["verdict"] for r in records] == ["correct"] + ["unreadable"] * 7 + ["correct"]
    for r, (key, value, reason) in zip(records[1:], UNREADABLE):
        assert (r["key"], r["written"]) == (key, value)
        assert r["reason"].startswith(reason), r["reason"]
    assert records[7]["reason"] == ('value cannot be read: is the float 0.0107, which has lost the digits as written; '
                                    'expected the number written as a string (value = "0.0107") so the digits shown '
                                    'are kept')
    assert records[7]["written"] == "0.0107"
    # the problem has these keys: the exact value and the certified value are still shown
    assert records[1]["exact"] == "exp(-2/5)/(20*pi)" and records[1]["value"] == "0.0106685"
    assert records[4]["value"] == ["165.000", "60.0000"] and records[4]["error_ulps"] is None
    s = data["summary"]
    assert (s["claims"], s["correct"], s["unreadable"], s["wrong"], s["carried"]) == (9, 2, 7, 0, 0)
    assert main(["check", SEED, str(path)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "9 claims: 2 correct, 0 carried (rounding), 0 wrong, 7 unreadable" in out
    assert "⊘" in out and "unreadable: value cannot be read: '0,0107' has a decimal comma; write 0.0107" in out


def test_an_unreadable_claim_is_no_input_to_later_ones(seed_run):
    # the unreadable 0,0107 is skipped: the density later is computed from the readable numbers only
    report = check(seed_run, [("exp.A.women", "0.6703"), ("norm.women", "62,83"), ("density.A.women", "0.0107")])
    assert [c.verdict for c in report.checks] == ["correct", "unreadable", "correct"]
    assert not report.passed() and report.summary["unreadable"] == 1


def test_an_unknown_key_among_good_ones_is_unreadable_alone_it_is_bad_input(seed_run, tmp_path, capsys):
    report = check(seed_run, [("det.women", "100"), ("density.A.woman", "0.0107")])
    bad = report.data["claims"][1]
    assert (bad["key"], bad["written"], bad["verdict"], bad["exact"], bad["value"]) == (
        "density.A.woman", "0.0107", "unreadable", None, None)
    assert bad["reason"].startswith("unknown key: density.A.woman: no component 'woman'; did you mean women?; "
                                    "expected one of the problem's keys, e.g. density.A.women")
    text = render_check_markdown(report.data, report.run)
    assert "| 1 | `density.A.woman` | 0.0107 | ⊘ unreadable | – | – | – | unreadable: unknown key:" in text
    with pytest.raises(InputError, match="did you mean women"):  # no key of the problem at all: not its claims
        claims_from_dict({"claim": [{"key": "density.A.woman", "value": "0.0107"}]}, seed_run.plan)


@pytest.mark.parametrize("value, reading, written", [
    (["0"], "[0] read as the zero vector", ["0", "0"]),
    ("0", "0 read as the zero vector", ["0", "0"]),
    ("0.0", "0.0 read as the zero vector", ["0.0", "0.0"]),
])
def test_a_zero_written_for_a_zero_vector_is_read_as_one(seed_run, value, reading, written):
    report = check(seed_run, [("dev.E.men", value)])
    r = report.data["claims"][0]
    assert (r["verdict"], r["written"], r["notes"]) == ("correct", written, [reading])


def test_a_zero_for_a_matrix_and_a_nonzero_single_number_for_a_vector(seed_run):
    report = check(seed_run, [("outer.B.women", [["0"]]), ("outer.B.women", ["0"]), ("dev.A.women", ["5"]),
                              ("dev.A.women", "-5")])
    got = [(r["verdict"], r["notes"], r.get("reason")) for r in report.data["claims"]]
    assert got[0] == ("correct", ["[[0]] read as the zero matrix"], None)
    assert got[1] == ("correct", ["[0] read as the zero matrix"], None)
    assert got[2] == ("unreadable", [], "wrong shape: a list of 1 number, but dev.A.women is a vector of 2; "
                                        "expected a list of 2 numbers")
    assert got[3] == ("unreadable", [], "wrong shape: a single number, but dev.A.women is a vector; expected a "
                                        "list of 2 numbers")


@pytest.mark.parametrize("content, reason", [
    ('key,value\ncov.men,"[165, 60]]"\n', "value cannot be read: text after the closing bracket in '[165, 60]]'"),
    ('key,value\nmean.men,"[165, 60] x"\n', "value cannot be read: text after the closing bracket in '[165, 60] x'"),
    ('key,value\nmean.men,"]165, 60["\n', "wrong shape: a single number, but mean.men is a vector"),
    ('key,value\n\ndet.women,abc\n', "value cannot be read: 'abc' is not a number as written"),
])
def test_csv_cells_that_cannot_be_read_are_unreadable_claims(tmp_path, capsys, content, reason):
    path = tmp_path / "c.csv"
    path.write_text(content + "det.men,100\n")
    code, data = _json(capsys, "check", SEED, str(path), "--format", "json")
    assert code == 1
    assert [r["verdict"] for r in data["claims"]] == ["unreadable", "correct"]
    assert data["claims"][0]["reason"].startswith(reason), data["claims"][0]["reason"]


def test_what_is_not_a_claims_file_is_still_exit_2(tmp_path, capsys):
    for content, expected in [('[[claim]]\nkey = "det.women"\nvalue = "100"\n[extra]\nx = 1\n', "unknown table"), ('[[claim]]\nkey = "det.women"\n', "has no value"),
                              ('[[claim]]\nkey = "det.women"\nvalu = "1"\n', "unknown field"), ('[[claim\n', "invalid TOML")]:
        path = tmp_path / "bad.toml"
        path.write_text(content)
        assert main(["check", SEED, str(path)]) == 2
        assert expected in capsys.readouterr().err


def test_unreadable_claims_in_the_latex_marks_and_html(seed_run):
    claims = claims_from_dict({"claim": [{"key": "density.A.women", "value": "0,0107"},
                                         {"key": "det.women", "value": "100"},
                                         {"key": "density.A.woman", "value": "1"}]}, seed_run.plan)
    checks = Checker(seed_run).check(claims)
    tex = latex_fragment(seed_run, "density.A.women", checks=checks)
    assert (r"\textcolor[rgb]{0.4,0.4,0.4}{\textbf{$\oslash$ unreadable}}: written $\mathcal{N}(x_{\text{A}} \mid "
            r"\mu_{\text{women}}, \Sigma_{\text{women}}) = $ \texttt{0,0107}; exact value $\approx 0.0106685$ "
            r"(value cannot be read: '0,0107' has a decimal comma; write 0.0107)") in tex
    report = gmmexact.check(seed_run, {"claim": [{"key": "density.A.women", "value": "0,0107"}]})
    page = check_html(report.data, report.run)
    assert "⊘ unreadable" in page and "#57606a" in page and "decimal comma" in page


# -- an error carried forward is not rounding --------------------------------------------------

def test_a_number_right_given_an_earlier_wrong_one_follows_it(seed_run, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    # |Σ| = 90 is wrong; 2π·√90 = 59.61 is right given it; so is 0.6703 / 59.61 = 0.01124
    claims = [("det.women", "90"), ("norm.women", "59.61"), ("exp.A.women", "0.6703"), ("density.A.women", "0.01124")]
    report = check(seed_run, claims)
    got = [(c.verdict, c.carried_kind, c.carried_from, c.first_wrong) for c in report.checks]
    assert got == [("wrong", None, (), 0), ("follows", "error", (0,), 0), ("correct", None, (), None),
                   ("follows", "error", (1, 2), 0)]
    s = report.summary
    assert {k: s[k] for k in ("claims", "correct", "carried", "follows", "wrong", "carried_rounding", "carried_error",
                              "rounded_too_early")} == {"claims": 4, "correct": 1, "carried": 0, "follows": 2,
                                                         "wrong": 1, "carried_rounding": 0, "carried_error": 2,
                                                         "rounded_too_early": 0}
    assert s["first_error"]["index"] == 0 and not report.passed() and not report.passed(lenient_rounding=True)
    path = tmp_path / "c.toml"
    path.write_text("".join(f'[[claim]]\nkey = "{k}"\nvalue = "{v}"\n' for k, v in claims))
    assert main(["check", SEED, str(path)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "4 claims: 1 correct, 0 carried (rounding), 2 follow an earlier error, 1 wrong" in out
    assert "↳" in out and "follows #0 det.women = 90" in out
    assert "follows #1 norm.women = 59.61, #2 exp.A.women = 0.6703; first wrong step: #0 det.women" in out
    md = render_check_markdown(report.data, report.run)
    assert "| 1 | `norm.women` | 59.61 | ↳ follows |" in md and "2 follow an earlier error, 1 wrong." in md
    page = check_html(report.data, report.run)
    assert page.count("↳ follows") == 2 and '<span style="color:#bc4c00">2 follows</span>' in page
    tex = latex_fragment(seed_run, "norm.women", checks=list(report.checks))
    assert (r"\textcolor[rgb]{0.75,0.3,0}{\textbf{$\hookrightarrow$ follows}}: written $Z_{\text{women}} = 59.61$; "
            r"exact value $\approx 62.8319$, 5.1 \% too small (right given the earlier error in claim \#0 "
            r"($\lvert \Sigma_{\text{women}} \rvert = 90$))}\par") in tex


# -- rounding too early ------------------------------------------------------------------------

EARLY = dict(points=[10, 16, 17, 33], means=[17, 32], covariances=[4, 25], weights=["1/2", "1/2"],
             labels=list("abcd"), names=["L", "R"])
# responsibilities of R to two decimals, each correct (0.0113, 0.0027, 0.0044, 1.0000); the count and the
# mean computed from them: Σ r x / m = 33.10 / 1.01 = 32.77, where the exact mean is 32.630
EARLY_CLAIMS = [("resp.a.R", "0.01"), ("resp.b.R", "0.00"), ("resp.c.R", "0.00"), ("resp.d.R", "1.00"),
                ("count.R", "1.01"), ("mean.R", "32.77"), ("weight.R", "0.25")]


EARLY_TOML = """[data]
labels = ["a", "b", "c", "d"]
points = [10, 16, 17, 33]

[[components]]
name = "L"
mean = [17]
covariance = [[4]]
weight = "1/2"

[[components]]
name = "R"
mean = [32]
covariance = [[25]]
weight = "1/2"
"""


@pytest.fixture(scope="module")
def early_problem(tmp_path_factory):
    problem = gmmexact.Problem.from_arrays(**EARLY)
    folder = tmp_path_factory.mktemp("early")
    (folder / "problem.toml").write_text(EARLY_TOML)
    (folder / "claims.toml").write_text("".join(f'[[claim]]\nkey = "{k}"\nvalue = "{v}"\n' for k, v in EARLY_CLAIMS))
    return problem, folder


def test_means_from_responsibilities_rounded_to_two_decimals_are_rounded_too_early(early_problem):
    problem, _ = early_problem
    report = check(gmmexact.solve(problem), EARLY_CLAIMS)
    assert [c.verdict for c in report.checks] == ["correct"] * 4 + ["carried", "carried", "correct"]
    count, mean = report.data["claims"][4], report.data["claims"][5]
    # 1.01 for 1.0184: 0.84 units of its last digit, its own rounding; passing, so no words in the JSON
    assert "rounded_too_early" not in count and "error_words" not in count and count["error_ulps"] == "-0.84"
    assert report.checks[4].error_words == "about 0.8 units of its last digit too small"
    early = mean["rounded_too_early"]
    assert [r["index"] for r in early["rounded"]] == [0, 1, 2, 3, 4]
    assert (early["digits_shown"], early["digits_justified"], early["pi"]) == (4, 1, None)
    assert mean["entries"][0]["error_words"] == "0.43 % too large" and mean["error_words"] == "0.43 % too large"
    s = report.summary
    assert (s["carried"], s["carried_rounding"], s["rounded_too_early"]) == (2, 2, 1)
    assert not report.passed() and report.passed(lenient_rounding=True)
    assert not report.passed(strict=True, lenient_rounding=True)
    finding = [f for f in report.data["findings"] if f["kind"] == "rounded-too-early"]
    assert len(finding) == 1 and finding[0]["key"] == "resp.a.R"
    assert [r["index"] for r in finding[0]["spoiled"]] == [5]
    assert finding[0]["message"] == (
        "#0 resp.a.R = 0.01 (1 significant digit), #1 resp.b.R = 0.00, #2 resp.c.R = 0.00, #3 resp.d.R = 1.00 "
        "(3 significant digits), #4 count.R = 1.01 (3 significant digits) were rounded too early: they spoil "
        "#5 mean.R = 32.77 (0.43 % too large; shows 4 significant digits, at most 1 justified). Keep more digits "
        "in the numbers a later step is computed from, or show fewer digits in that step")


def test_rounding_too_early_exits_1_unless_lenient(early_problem, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    problem, folder = early_problem
    path = folder / "problem.toml"
    assert gmmexact.load(str(path)).points == problem.points
    claims = str(folder / "claims.toml")
    assert main(["check", str(path), claims]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "7 claims: 5 correct, 2 carried (rounding; 1 rounded too early), 0 wrong" in out
    assert ("carried (rounding) from #0 resp.a.R = 0.01, #1 resp.b.R = 0.00, #2 resp.c.R = 0.00, #3 resp.d.R = 1.00, "
            "#4 count.R = 1.01; rounded too early at #0 resp.a.R = 0.01") in out
    assert "rounded-too-early: #0 resp.a.R = 0.01 (1 significant digit)" in out
    assert main(["check", str(path), claims, "--lenient-rounding"]) == 0
    assert main(["check", str(path), claims, "--lenient-rounding", "--strict"]) == 1
    capsys.readouterr()
    assert main(["check", str(path), claims, "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert "**7 claims**: 5 correct, 2 carried (rounding; 1 rounded too early), 0 wrong." in md
    assert "| 0.43 % too large |" in md


def test_rounding_too_early_in_the_latex_summary(early_problem):
    problem, _ = early_problem
    run = gmmexact.solve(problem)
    report = check(run, EARLY_CLAIMS)
    tex = latex_document(run, LatexOptions(iterations=1), list(report.checks))
    assert "7 written numbers: 5 correct, 2 carried (1 rounded too early), 0 wrong." in tex
    assert (r"\textbf{Rounded too early:}} claim \#5: rounded too early at claim \#0 ($r_{\textsf{a},\text{R}} = 0.01$), "
            r"claim \#1 ($r_{\textsf{b},\text{R}} = 0.00$)") in tex
    assert "claim \\#4 ($m_{\\text{R}} = 1.01$): shows 4 significant digits, at most 1 justified.\n" in tex


def test_the_seed_density_within_one_unit_of_its_last_digit_is_not_rounded_too_early(capsys):
    # 1.15 × 10^-29 from 7.2 × 10^-28 / 62.83: 3 digits where 2 are justified, but 0.60 units of its last digit
    # from 1.1440 × 10^-29: the rounding of its own last digit, carried rounding that passes
    assert main(["check", SEED, SEED_CLAIMS]) == 1  # the stale mean (#55) is wrong
    capsys.readouterr()
    _, data = _json(capsys, "check", SEED, SEED_CLAIMS, "--format", "json")
    small = data["claims"][9]
    assert (small["verdict"], small["carried_kind"], small.get("rounded_too_early")) == ("carried", "rounding", None)
    assert small["error_ulps"] == "0.60" and "error_words" not in small  # carried rounding that passes
    assert gmmexact.check(SEED, SEED_CLAIMS).checks[9].error_words == "about 0.6 units of its last digit too large"
    assert data["summary"]["rounded_too_early"] == 0 and data["summary"]["unreadable"] == 0


def test_pi_by_hand_far_off_is_rounded_too_early(seed_run):
    # 2 · 3.14 · 10 = 62.80 for 20π = 62.832: 3.2 units of its last digit off; four digits from a three-digit π
    report = check(seed_run, [("norm.women", "62.80")])
    c = report.checks[0]
    assert c.verdict == "carried" and c.too_early is not None
    assert (c.too_early.rounded, c.too_early.pi, c.too_early.shown) == ((), Fraction(314, 100), 4)
    assert report.data["claims"][0]["rounded_too_early"]["pi"] == "3.14"
    assert "rounded too early at π ≈ 3.14: shows 4 significant digits" in render_check_markdown(report.data)


# -- how far off, in words ---------------------------------------------------------------------

@pytest.mark.parametrize("key, written, words", [
    ("density.A.women", "10.7", "off by a factor of 10³ (too large)"),
    ("density.A.women", "1.07e-3", "off by a factor of 10 (too small)"),
    ("density.A.women", "-0.0107", "sign flipped"),
    ("density.A.women", "0.000", "0 where the value is about 0.011"),
    ("density.A.women", "0.05", "4.7 times too large"),
    ("density.A.women", "0.002", "5.3 times too small"),
    ("density.A.women", "0.0110", "about 3 units of its last digit too large"),
    ("density.A.women", "0.0108", "about 1 unit of its last digit too large"),
    ("det.women", "90", "10 % too small"),
    ("det.women", "1000", "off by a factor of 10 (too large)"),
    ("loglik", "-42.70", "2.4 % too large in magnitude"),
    ("loglik", "-41.9", "about 2 units of its last digit too large in magnitude"),
    ("weight.women", "0.6", "20 % too large"),
    ("inv.women", [["0.1", "0.1"], ["0", "0.1"]], "[0][1] should be 0"),
    ("mean.women", ["162", "57"], "about 3 units of its last digit too small"),
    ("mean.women", ["165", "-60"], "[1] sign flipped"),
])
def test_error_words(seed_run, key, written, words):
    report = check(seed_run, [(key, written)])
    assert report.checks[0].verdict == "wrong"
    assert report.data["claims"][0]["error_words"] == words


def test_error_words_from_exact_rationals():
    q = Fraction(1, 3)
    got = [words_for(parse_written(t), q, q) for t in ("0.344", "0.3312", "-0.5", "33.3", "0.3335", "1/2")]
    assert got == ["3.2 % too large", "0.64 % too small", "sign flipped, and 50 % too large in magnitude",
                   "off by a factor of 10² (too large)", "about 2 units of its last digit too large", "50 % too large"]
    assert words_for(parse_written("0.1"), Fraction(0), Fraction(0)) == "should be 0"
    assert words_for(parse_written("0.3"), Fraction(-1, 10**9), Fraction(1, 10**9)) is None  # sign not decided


def test_large_errors_are_shown_in_words_not_units(seed_run, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")
    path = tmp_path / "c.toml"
    path.write_text('[values]\n"density.A.women" = "10.7"\n"det.women" = "100"\n')
    assert main(["check", SEED, str(path)]) == 1
    out = capsys.readouterr().out
    assert "off by a factor of 10³ (too large)" in out and "1.1e+2" not in out
    _, data = _json(capsys, "check", SEED, str(path), "--format", "json")
    assert data["claims"][0]["error_ulps"] == "1.1e+2"  # the JSON keeps the units too
    report = check(seed_run, [("density.A.women", "10.7")])
    assert "| off by a factor of 10³ (too large) |" in render_check_markdown(report.data, report.run)
