"""Grading a class: policy, scores, the gradebook, the class report and the platform exports."""
from __future__ import annotations

import csv
import io
import json
import math
import shutil
from pathlib import Path

import pytest

from gmmexact.checking.report import check
from gmmexact.checking.slips import SLIPS
from gmmexact.cli.commands import main
from gmmexact.grading.classreport import class_markdown, gradebook_csv, item_analysis
from gmmexact.grading.classrun import Graded, grade_class, safe_name
from gmmexact.grading.exports import (GRADESCOPE_TEST_FIELDS, MOODLE_COLUMNS, PRAIRIELEARN_COLUMNS,
                                      gradescope_results, moodle_csv, prairielearn_csv)
from gmmexact.grading.policy import Policy, load_policy, policy_from_dict
from gmmexact.grading.scoring import claim_slips, score
from gmmexact.grading.submissions import folder_submissions, roster_submissions
from gmmexact.model.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed"
HOMEWORK = (SEED / "homework.md").read_text(encoding="utf-8")


def _claim(key, verdict, written="1.0", **extra):
    return {"key": key, "verdict": verdict, "written": written, "notes": [], **extra}


# --- the policy ------------------------------------------------------------------------------------


def test_default_policy_totals_ten_points():
    p = Policy()
    assert p.total == 10.0
    assert p.step_of("cov.women[0][1]") == "cov"
    assert p.step_of("iter2.cov.women") is None
    assert p.step_of("not a key") is None


def test_policy_file(tmp_path):
    f = tmp_path / "policy.toml"
    f.write_text('follow_through = 0.5\ndigits = 3\n[steps]\nresp = 4\n"iter2.mean" = 1\n')
    p = load_policy(f)
    assert p.steps == {"resp": 4.0, "iter2.mean": 1.0}
    assert p.follow_through == 0.5 and p.digits == 3
    assert p.step_of("iter2.mean.men") == "iter2.mean"


@pytest.mark.parametrize("data, field", [
    ({"steps": {"densty": 1}}, "steps.densty"),
    ({"steps": {"resp": -1}}, "steps.resp"),
    ({"steps": {"resp": True}}, "steps.resp"),
    ({"steps": []}, "steps"),
    ({"follow_through": 2}, "follow_through"),
    ({"digits": "3"}, "digits"),
    ({"bonus": 1}, "bonus"),
    ({"steps": {"iter0.resp": 1}}, "steps.iter0.resp"),
])
def test_policy_mistakes_name_the_field(data, field):
    with pytest.raises(InputError) as e:
        policy_from_dict(data, "policy.toml")
    assert e.value.field == field


def test_policy_file_not_toml(tmp_path):
    f = tmp_path / "policy.toml"
    f.write_bytes(b"\xff\xfe[steps")
    with pytest.raises(InputError):
        load_policy(f)


# --- scoring ---------------------------------------------------------------------------------------


def test_shares_follow_through_and_missing_steps():
    data = {"claims": [_claim("resp.A.women", "correct"), _claim("resp.B.women", "wrong"),
                       _claim("resp.C.women", "carried"), _claim("resp.D.women", "follows"),
                       _claim("mean.men", "correct", ["1.0", "2.0"])],
            "summary": {"first_error": {"key": "resp.B.women"}}}
    p = Policy(steps={"resp": 4, "mean": 2, "cov": 2}, follow_through=0.5)
    g = score(data, p)
    by = {s.step: s for s in g.steps}
    assert by["resp"].score == 1 + 0 + 1 + 0.5
    assert by["mean"].score == 2.0 and by["mean"].status == "right"
    assert by["cov"].score == 0.0 and by["cov"].status == "missing"
    assert g.score == 4.5 and g.total == 8.0
    assert g.first_wrong == "resp.B.women"
    assert g.counts["wrong"] == 1 and g.counts["follows"] == 1


def test_deductions_for_early_rounding_and_precision():
    data = {"claims": [_claim("count.women", "carried", "3.0", rounded_too_early={"digits_justified": 1}),
                       _claim("count.men", "correct", "3.0")]}
    g = score(data, Policy(steps={"count": 2}, early_rounding=0.5, precision=0.25, digits=3))
    # each number's share is 1: the first loses 0.5 (rounded too early) and 0.25 (2 digits of 3),
    # the second 0.25
    assert g.score == 1.0
    assert len(g.steps[0].deductions) == 3


def test_slip_cap_gives_back_what_one_slip_costs_past_the_cap():
    claims = [_claim(f"resp.{p}.women", "wrong", slips=["resp-density"]) for p in "ABCD"]
    g = score({"claims": claims}, Policy(steps={"resp": 4}, slip_cap=1.0))
    assert g.score == 3.0 and g.refunded == 3.0
    assert g.steps[0].score == 3.0  # given back to the step it cost in: the steps add up to the score
    assert score({"claims": claims}, Policy(steps={"resp": 4}, slip_cap=0)).score == 0.0


def test_slip_cap_refund_is_shared_by_the_steps_the_slip_cost_in():
    claims = [_claim("weight.women", "wrong", slips=["starting-parameter"]),
              _claim("mean.women", "wrong", ["1", "2"], slips=["starting-parameter"]),
              _claim("cov.women", "wrong", [["1", "0"], ["0", "1"]], slips=["starting-parameter"]),
              _claim("resp.A.women", "wrong", slips=["resp-density"])]
    g = score({"claims": claims}, Policy(steps={"weight": 1, "mean": 2, "cov": 2, "resp": 1}, slip_cap=1.0))
    by = {s.step: s.score for s in g.steps}
    # starting-parameter cost 1 + 2 + 2 = 5 points, 4 past the cap: given back as 4/5 of each step's loss
    assert by == pytest.approx({"weight": 0.8, "mean": 1.6, "cov": 1.6, "resp": 0.0})
    assert g.score == pytest.approx(4.0) == pytest.approx(sum(by.values()))
    assert g.refunded == pytest.approx(4.0)
    assert g.slips == ("starting-parameter", "starting-parameter", "starting-parameter", "resp-density")


def test_slips_are_read_from_the_structured_field_never_from_the_notes():
    prose = _claim("weight.women", "wrong", notes=["the written value matches the count count.women, not divided by n = 6"])
    assert claim_slips(prose) == []
    assert claim_slips({**prose, "slips": ["weight-count"]}) == ["weight-count"]
    assert claim_slips({**prose, "slips": "weight-count"}) == []  # not a list: not read
    g = score({"claims": [prose]}, Policy(steps={"weight": 1}))
    assert g.slips == ()


# --- a class ---------------------------------------------------------------------------------------


def _class(tmp_path) -> Path:
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ada.md").write_text(HOMEWORK, encoding="utf-8")
    assert "0.0107" in HOMEWORK
    (subs / "bob.md").write_text(HOMEWORK.replace("0.0107", "0.0207"), encoding="utf-8")  # a wrong density
    assert r"\pi_{women} = \frac{3}{6} = \frac{1}{2} = 0.5" in HOMEWORK
    (subs / "cy.md").write_text(  # the weight-as-count slip
        HOMEWORK.replace(r"\pi_{women} = \frac{3}{6} = \frac{1}{2} = 0.5", r"\pi_{women} = 3"), encoding="utf-8")
    (subs / "dee.md").write_bytes(b"\x89PNG\r\n\x1a\n not a document")  # unreadable
    folder = subs / "eve"
    folder.mkdir()
    shutil.copy(SEED / "claims.toml", folder / "answers.toml")
    return subs


def test_grade_a_class(tmp_path):
    subs = _class(tmp_path)
    out = tmp_path / "grades"
    assert main(["grade", str(subs), "--problem", str(SEED / "problem.toml"), "-o", str(out), "--quiet",
                 "--workers", "2"]) == 0
    book = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"))))
    assert [r["student"] for r in book] == ["ada", "bob", "cy", "dee", "eve"]
    rows = {r["student"]: r for r in book}
    assert rows["dee"]["status"] == "unreadable" and "dee.md" in rows["dee"]["reason"]
    assert rows["ada"]["status"] == rows["eve"]["status"] == "graded"
    assert float(rows["bob"]["score"]) < float(rows["ada"]["score"])
    assert rows["bob"]["first_wrong_step"] == "density.A.women"
    assert float(rows["bob"]["step:density"]) < 2
    assert float(rows["cy"]["step:weight"]) < 1
    for column in ("correct", "carried", "follows", "wrong", "undecided", "unreadable", "step:resp", "reason"):
        assert column in book[0]
    # the marked documents, the class report and every export
    assert (out / "marked" / "ada.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    report = (out / "class-report.md").read_text(encoding="utf-8")
    assert "| `density` | 2 | 3 | 0 | 1 | 0 |" in report  # ada, cy, eve right; bob wrong
    assert "dee" in report.split("## Not graded")[1]
    assert "<svg" in (out / "class-report.html").read_text(encoding="utf-8")
    pl = list(csv.DictReader(io.StringIO((out / "prairielearn.csv").read_text(encoding="utf-8"))))
    assert tuple(pl[0]) == PRAIRIELEARN_COLUMNS
    partial = json.loads(pl[1]["partial_scores"])
    assert partial["density"]["weight"] == 2.0 and 0 <= partial["density"]["score"] < 1
    assert 0 <= float(pl[1]["score_perc"]) <= 100
    gs = json.loads((out / "gradescope" / "bob" / "results.json").read_text(encoding="utf-8"))
    assert [t["name"] for t in gs["tests"]] == list(Policy().steps)
    assert all(set(GRADESCOPE_TEST_FIELDS) <= set(t) for t in gs["tests"])
    assert gs["score"] == pytest.approx(sum(t["score"] for t in gs["tests"]))
    moodle = list(csv.reader(io.StringIO((out / "moodle.csv").read_text(encoding="utf-8"))))
    assert tuple(moodle[0]) == MOODLE_COLUMNS and len(moodle) == 6


def test_rerun_checks_only_what_changed(tmp_path):
    subs = _class(tmp_path)
    out = tmp_path / "grades"
    subs_list = folder_submissions(subs)
    first = grade_class(subs_list, out, problem=SEED / "problem.toml", workers=1, progress=False)
    assert not any(r.reused for r in first)
    (subs / "ada.md").write_text(HOMEWORK.replace("0.0107", "0.0307"), encoding="utf-8")
    again = grade_class(folder_submissions(subs), out, problem=SEED / "problem.toml", workers=1, progress=False)
    assert [r.reused for r in again] == [False, True, True, True, True]
    assert again[0].grade.score < first[0].grade.score
    # a new policy re-scores without checking again
    third = grade_class(folder_submissions(subs), out, problem=SEED / "problem.toml", workers=1, progress=False,
                        policy=Policy(steps={"resp": 1}))
    assert all(r.reused for r in third) and third[1].grade.total == 1.0


def test_item_analysis_names_the_planted_slip(tmp_path):
    subs = _class(tmp_path)
    rows = grade_class(folder_submissions(subs), tmp_path / "g", problem=SEED / "problem.toml", workers=1,
                       progress=False, marked=False)
    weight = next(a for a in item_analysis(rows, Policy()) if a.step == "weight")
    assert weight.counts["wrong"] == 1
    assert weight.slips == (("weight-count", 1),)


def test_roster_with_a_problem_per_student(tmp_path):
    variant = tmp_path / "variant.toml"
    variant.write_text((SEED / "problem.toml").read_text().replace("mean = [162, 57]", "mean = [163, 58]"))
    (tmp_path / "ada.md").write_text(HOMEWORK, encoding="utf-8")
    shutil.copy(SEED / "claims.toml", tmp_path / "zed.toml")
    roster = tmp_path / "roster.csv"
    roster.write_text("student,document,problem\nada,ada.md,\nzed,zed.toml,variant.toml\nmo,missing.md,nope.toml\n")
    subs = roster_submissions(roster)
    assert [s.student for s in subs] == ["ada", "zed", "mo"]
    rows = grade_class(subs, tmp_path / "g", workers=1, progress=False)
    assert rows[0].grade is not None
    assert rows[1].grade is not None and rows[1].grade.counts["wrong"] > 0  # the seed's answers on another start
    assert rows[2].grade is None and "nope.toml" in rows[2].reason


@pytest.mark.parametrize("text, field", [
    ("name,document\nada,a.md\n", "header"),
    ("student,document\nada,a.md\nada,b.md\n", "line 3"),
    ("student,document\n,a.md\n", "line 2"),
])
def test_roster_mistakes(tmp_path, text, field):
    roster = tmp_path / "roster.csv"
    roster.write_text(text)
    with pytest.raises(InputError) as e:
        roster_submissions(roster)
    assert e.value.field == field


def test_grade_command_mistakes(tmp_path, capsys):
    assert main(["grade", "-o", str(tmp_path / "g")]) == 2
    assert main(["grade", str(tmp_path / "none"), "-o", str(tmp_path / "g")]) == 2
    assert "folder not found" in capsys.readouterr().err
    (tmp_path / "f").write_text("x")
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "a.md").write_text("$x = 1$")
    assert main(["grade", str(tmp_path / "subs"), "-o", str(tmp_path / "f")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_not_graded_gets_zero_everywhere():
    from gmmexact.grading.classrun import Graded
    from gmmexact.grading.submissions import Submission

    r = Graded(Submission("x", Path("x.md")), None, None, "unreadable: [a](http://evil)")
    book = gradebook_csv([r], Policy())
    assert "unreadable" in book
    res = gradescope_results(r, Policy())
    assert res["score"] == 0.0 and "\\[a\\](http://evil)" in res["output"]


def test_a_generated_class_of_thirty(tmp_path):
    """30 students on generated variants: planted slips counted right, an unreadable file, another variant."""
    import tomllib

    from gmmexact.exercises.generate import generate
    from gmmexact.exercises.spec import ExerciseSpec

    generate(ExerciseSpec(), 2, 3, tmp_path / "variants")
    v1, v2 = tmp_path / "variants" / "variant-1", tmp_path / "variants" / "variant-2"
    key = tomllib.loads((v1 / "key.toml").read_text())["values"]
    subs = tmp_path / "subs"
    subs.mkdir()
    rows = ["student,document,problem"]

    def write(student: str, values: dict, problem: Path) -> None:
        lines = ["[values]"] + [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in values.items()]
        (subs / f"{student}.toml").write_text("\n".join(lines) + "\n")
        rows.append(f"{student},subs/{student}.toml,{problem.relative_to(tmp_path)}/problem.toml")

    for i in range(30):
        values = dict(key)
        if i < 6:  # the weight written as the count: a named slip
            values["weight.1"] = key["count.1"]
        elif i < 10:  # a density ten times too large
            values["density.A.1"] = str(float(key["density.A.1"]) * 10)
        if i == 28:
            (subs / "s28.toml").write_bytes(b"\xff\xfe not toml at all \x00")
            rows.append(f"s28,subs/s28.toml,{v1.relative_to(tmp_path)}/problem.toml")
            continue
        if i == 29:  # another variant's student, with that variant's key
            write(f"s{i:02d}", tomllib.loads((v2 / "key.toml").read_text())["values"], v2)
            continue
        write(f"s{i:02d}", values, v1)
    roster = tmp_path / "roster.csv"
    roster.write_text("\n".join(rows) + "\n")
    out = tmp_path / "grades"
    assert main(["grade", "--manifest", str(roster), "-o", str(out), "--quiet"]) == 0
    book = {r["student"]: r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}
    assert len(book) == 30 and book["s28"]["status"] == "unreadable"
    assert book["s29"]["score"] == book["s20"]["score"] == "10"
    assert all(book[f"s{i:02d}"]["first_wrong_step"] == "weight.1" for i in range(6))
    assert all(book[f"s{i:02d}"]["first_wrong_step"] == "density.A.1" for i in range(6, 10))
    report = (out / "class-report.md").read_text()
    weight = next(line for line in report.splitlines() if line.startswith("| `weight`"))
    assert weight == "| `weight` | 1 | 23 | 0 | 6 | 0 | weight-count (6) |"
    density = next(line for line in report.splitlines() if line.startswith("| `density`"))
    assert density.startswith("| `density` | 2 | 25 | 0 | 4 | 0 |")


# --- structured slips ------------------------------------------------------------------------------


PLANTED = '[values]\n"count.women" = "3"\n"weight.women" = "3"\n'  # the weight written as its count


def test_a_planted_slip_is_named_in_the_check_json(tmp_path, capsys):
    claims = tmp_path / "fay.toml"
    claims.write_text(PLANTED)
    report = check(str(SEED / "problem.toml"), str(claims))
    by_key = {c["key"]: c for c in report.data["claims"]}
    assert by_key["weight.women"]["verdict"] == "wrong"
    assert by_key["weight.women"]["slips"] == ["weight-count"]
    assert "slips" not in by_key["count.women"]  # only where it applies: other records unchanged
    assert main(["check", str(SEED / "problem.toml"), str(claims), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    record = next(c for c in data["claims"] if c["key"] == "weight.women")
    assert tuple(record["slips"]) == ("weight-count",)
    # the prose note is still there, unchanged
    note = "the written value matches the count count.women, not divided by n = 6 (from the document's #0)"
    assert record["notes"] == [note]
    assert set(record["slips"]) <= {slip.name for slip in SLIPS}


def test_claim_check_carries_the_slip_names(tmp_path):
    claims = tmp_path / "fay.toml"
    claims.write_text(PLANTED)
    report = check(str(SEED / "problem.toml"), str(claims))
    assert [(c.claim.name, c.verdict, c.slips) for c in report.checks] == [
        ("count.women", "correct", ()), ("weight.women", "wrong", ("weight-count",))]


def test_class_report_counts_the_planted_slip_by_name(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "fay.toml").write_text(PLANTED)
    (subs / "gus.toml").write_text(PLANTED.replace('"weight.women" = "3"', '"weight.women" = "0.5"'))
    rows = grade_class(folder_submissions(subs), tmp_path / "g", problem=SEED / "problem.toml", workers=1,
                       progress=False, marked=False)
    assert rows[0].grade.slips == ("weight-count",) and rows[1].grade.slips == ()
    weight = next(a for a in item_analysis(rows, Policy()) if a.step == "weight")
    assert weight.counts == {"right": 1, "followed": 0, "wrong": 1, "missing": 0}
    assert weight.slips == (("weight-count", 1),)
    line = next(x for x in class_markdown(rows, Policy()).splitlines() if x.startswith("| `weight`"))
    assert line == "| `weight` | 1 | 1 | 0 | 1 | 0 | weight-count (1) |"


def test_a_check_kept_without_slip_names_is_checked_again(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "fay.toml").write_text(PLANTED)
    out = tmp_path / "g"
    first = grade_class(folder_submissions(subs), out, problem=SEED / "problem.toml", workers=1, progress=False)
    kept = out / "checks" / "fay.json"
    saved = json.loads(kept.read_text())
    saved["fingerprint"] = "an earlier form"  # as a check kept before the slips were named
    for c in saved["check"]["claims"]:
        c.pop("slips", None)
    kept.write_text(json.dumps(saved))
    again = grade_class(folder_submissions(subs), out, problem=SEED / "problem.toml", workers=1, progress=False)
    assert not again[0].reused and again[0].grade.slips == first[0].grade.slips == ("weight-count",)


# --- the platform exports, read back against the published formats ----------------------------------
#
# PrairieLearn, "Manual grading using file uploads" (docs/manualGrading): a row is found by
# `submission_id`, else by `uid` (or `team_name`), `instance` and `qid`; `score_perc` 0 to 100 (or
# `points`); `feedback` in Markdown; `partial_scores` a JSON object keyed by element, each
# {"score": 0..1, "weight": (default 1), "feedback"}; without `auto_points` the auto points are the
# partial scores' weighted average, so that average must be the score.
# Gradescope, "Autograder Specifications" (results.json): "score" (overrides the tests' total),
# "output", "output_format", "visibility", "stdout_visibility", "tests": [{"score", "max_score",
# "status": passed|failed, "name", "number" (a string), "output", "output_format", "visibility", …}].
# Moodle, "Grade import" (CSV): a header row; one column mapped to a user field (ID number, user name,
# email address), a grade column mapped to the grade item and a column mapped to its feedback.

GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
                  "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
                   "tags", "visibility", "extra_data"}
GRADESCOPE_FORMATS = {"text", "html", "simple_format", "md", "ansi"}
GRADESCOPE_VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def validate_gradescope(res: dict) -> None:
    """Fail unless ``res`` is a results.json as Gradescope's autograder specification describes it."""
    assert set(res) <= GRADESCOPE_TOP, set(res) - GRADESCOPE_TOP
    assert _number(res["score"]) and res["score"] >= 0
    assert isinstance(res["output"], str)
    assert res.get("output_format", "text") in GRADESCOPE_FORMATS
    assert res.get("visibility", "visible") in GRADESCOPE_VISIBILITY
    assert res.get("stdout_visibility", "hidden") in GRADESCOPE_VISIBILITY
    assert isinstance(res["tests"], list)
    for t in res["tests"]:
        assert set(t) <= GRADESCOPE_TEST, set(t) - GRADESCOPE_TEST
        assert isinstance(t["name"], str) and t["name"]
        assert _number(t["score"]) and _number(t["max_score"]) and 0 <= t["score"] <= t["max_score"] + 1e-9
        assert t["status"] in ("passed", "failed")
        assert t["status"] == ("passed" if t["score"] >= t["max_score"] - 1e-9 else "failed")
        assert isinstance(t.get("number", ""), str) and isinstance(t["output"], str)
        assert t.get("output_format", "text") in GRADESCOPE_FORMATS
        assert t.get("visibility", "visible") in GRADESCOPE_VISIBILITY
    if res["tests"]:
        assert res["score"] == pytest.approx(sum(t["score"] for t in res["tests"]), abs=1e-6)


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """The class of ``_class`` plus a claims file with the weight-as-count slip, graded by the command."""
    tmp = tmp_path_factory.mktemp("exports")
    subs = _class(tmp)
    (subs / "fay@example.edu.toml").write_text(PLANTED)
    out = tmp / "grades"
    assert main(["grade", str(subs), "--problem", str(SEED / "problem.toml"), "-o", str(out), "--quiet",
                 "--no-marked", "--workers", "2"]) == 0
    return out


STUDENTS = ["ada", "bob", "cy", "dee", "eve", "fay@example.edu"]


def test_prairielearn_upload_reads_back(graded_class):
    text = (graded_class / "prairielearn.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(csv.reader(io.StringIO(text)).__next__()) == PRAIRIELEARN_COLUMNS
    assert [r["uid"] for r in rows] == STUDENTS
    book = {r["student"]: r for r in csv.DictReader(io.StringIO((graded_class / "gradebook.csv").read_text()))}
    steps = Policy().steps
    for r in rows:
        assert int(r["instance"]) == 1 and r["qid"] == "em-iteration"
        perc = float(r["score_perc"])
        assert 0 <= perc <= 100
        assert perc == pytest.approx(float(book[r["uid"]]["percent"]), abs=0.01)
        assert r["feedback"].strip()
        if book[r["uid"]]["status"] != "graded":
            assert r["partial_scores"] == "" and perc == 0 and "Not graded" in r["feedback"]
            continue
        partial = json.loads(r["partial_scores"])
        assert isinstance(partial, dict) and list(partial) == list(steps)
        for step, entry in partial.items():
            assert set(entry) == {"score", "weight", "feedback"}
            assert _number(entry["score"]) and 0 <= entry["score"] <= 1
            assert entry["weight"] == steps[step] and isinstance(entry["feedback"], str)
        average = sum(e["score"] * e["weight"] for e in partial.values()) / sum(e["weight"] for e in partial.values())
        assert 100 * average == pytest.approx(perc, abs=0.01)  # PrairieLearn's auto points agree with score_perc
    fay = next(r for r in rows if r["uid"] == "fay@example.edu")
    assert json.loads(fay["partial_scores"])["weight"]["score"] == 0


def test_gradescope_results_read_back(graded_class):
    book = {r["student"]: r for r in csv.DictReader(io.StringIO((graded_class / "gradebook.csv").read_text()))}
    for student in STUDENTS:
        folder = graded_class / "gradescope" / safe_name(student)
        res = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        validate_gradescope(res)
        assert res["score"] == pytest.approx(float(book[student]["score"]), abs=0.01)
        if book[student]["status"] == "graded":
            assert [t["name"] for t in res["tests"]] == list(Policy().steps)
            assert [t["number"] for t in res["tests"]] == [str(i) for i in range(1, len(res["tests"]) + 1)]
            assert all(set(GRADESCOPE_TEST_FIELDS) <= set(t) for t in res["tests"])
        else:
            assert res["tests"] == [] and res["score"] == 0


def test_moodle_import_reads_back(graded_class):
    raw = (graded_class / "moodle.csv").read_bytes()
    text = raw.decode("utf-8")  # UTF-8, no byte-order mark
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == MOODLE_COLUMNS and len(set(rows[0])) == len(rows[0])
    assert all(len(r) == len(MOODLE_COLUMNS) for r in rows)
    book = {r["student"]: r for r in csv.DictReader(io.StringIO((graded_class / "gradebook.csv").read_text()))}
    assert [r[0] for r in rows[1:]] == STUDENTS
    for ident, grade, feedback in rows[1:]:
        assert "," not in grade and 0 <= float(grade) <= Policy().total  # a point as decimal separator
        assert float(grade) == pytest.approx(float(book[ident]["score"]))
        assert feedback.strip() and "**" not in feedback and "`" not in feedback  # plain text


def test_exports_keep_the_slip_cap_refund_consistent(tmp_path):
    """A slip repeated past its cap: every platform is sent the same score, and the steps add up to it."""
    from gmmexact.grading.submissions import Submission

    claims = [_claim(f"resp.{p}.women", "wrong", slips=["resp-density"]) for p in "ABCD"]
    data = {"claims": claims}
    policy = Policy(steps={"resp": 4, "mean": 2}, slip_cap=1.0)
    r = Graded(Submission("ada", Path("ada.toml")), data, score(data, policy))
    assert r.grade.score == 3.0
    pl = next(csv.DictReader(io.StringIO(prairielearn_csv([r], policy))))
    partial = json.loads(pl["partial_scores"])
    assert float(pl["score_perc"]) == 50.0
    assert 100 * sum(e["score"] * e["weight"] for e in partial.values()) / 6 == pytest.approx(50.0)
    res = gradescope_results(r, policy)
    validate_gradescope(res)
    assert res["score"] == 3.0
    assert list(csv.reader(io.StringIO(moodle_csv([r], policy))))[1][:2] == ["ada", "3"]
