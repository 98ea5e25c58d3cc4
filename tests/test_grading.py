"""Grading a class: policy, scores, the gradebook, the class report and the platform exports."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from gmmexact.cli.commands import main
from gmmexact.grading.classreport import gradebook_csv, item_analysis
from gmmexact.grading.classrun import grade_class
from gmmexact.grading.exports import (GRADESCOPE_TEST_FIELDS, MOODLE_COLUMNS, PRAIRIELEARN_COLUMNS,
                                      gradescope_results)
from gmmexact.grading.policy import Policy, load_policy, policy_from_dict
from gmmexact.grading.scoring import score
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
    assert score({"claims": claims}, Policy(steps={"resp": 4}, slip_cap=0)).score == 0.0


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
    assert weight.slips and weight.slips[0][1] == 1 and "count" in weight.slips[0][0]


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
    assert weight.startswith("| `weight` | 1 | 23 | 0 | 6 | 0 |") and "not divided by n = 6 (6)" in weight
    density = next(line for line in report.splitlines() if line.startswith("| `density`"))
    assert density.startswith("| `density` | 2 | 25 | 0 | 4 | 0 |")
