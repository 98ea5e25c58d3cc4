"""The grades in the formats learning platforms read.

* **PrairieLearn** (``prairielearn.csv``): the manual-grading score upload ("Upload new question
  scores"), one row per student: ``uid``, ``instance`` (1: the first assessment instance), ``qid``
  (rows are found by those three when there is no ``submission_id``), ``score_perc`` (0–100),
  ``feedback`` (Markdown shown to the student) and ``partial_scores`` (JSON: one entry per step,
  ``{"score": 0..1, "weight": points, "feedback": …}``, whose weighted average is ``score_perc``:
  PrairieLearn computes the auto points from it; empty for a submission not graded). The question
  id is set with ``qid`` (default ``em-iteration``).
* **Gradescope** (``gradescope/<student>/results.json``): an autograder result per student as its
  "Autograder Specifications" describe it: one test per step (``name``, ``number``, ``score``,
  ``max_score``, ``status`` passed/failed, ``output``), the total ``score`` (the tests' sum), the
  feedback as Markdown ``output``, ``visibility`` visible and ``stdout_visibility`` hidden.
* **Moodle** (``moodle.csv``): a grade import file: an identifier column (``ID number``, mapped to
  the users' ID number, user name or email on import), the grade in points (``EM iteration``) and
  its feedback (``Feedback: EM iteration``, plain text); UTF-8, a header row, a comma separator and a
  point as decimal separator, as Moodle's CSV import reads by default.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from ..model.atomic import write_atomic
from .classreport import feedback_markdown, points_text
from .classrun import Graded, safe_name
from .policy import Policy

PRAIRIELEARN_COLUMNS = ("uid", "instance", "qid", "score_perc", "feedback", "partial_scores")
GRADESCOPE_TEST_FIELDS = ("name", "score", "max_score", "status", "output", "output_format")
MOODLE_COLUMNS = ("ID number", "EM iteration", "Feedback: EM iteration")


def prairielearn_csv(rows: list[Graded], policy: Policy, qid: str = "em-iteration", instance: int = 1) -> str:
    """PrairieLearn's score upload CSV (students not graded get 0 and the reason as feedback).

    Rows are found by ``uid``, ``instance`` (the assessment instance, 1 for the first) and ``qid``;
    ``score_perc`` is 0–100, ``feedback`` Markdown, ``partial_scores`` one entry per step."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PRAIRIELEARN_COLUMNS)
    for r in rows:
        if r.grade is None:  # no partial scores: PrairieLearn would average an empty set
            w.writerow([r.submission.student, instance, qid, 0, feedback_markdown(r), ""])
            continue
        partial = {s.step: {"score": round(s.score / s.points, 6) if s.points else 1.0, "weight": s.points,
                            "feedback": f"{points_text(s.score)} / {points_text(s.points)}" + (f" ({s.status})" if s.status != "right" else "")}
                   for s in r.grade.steps}
        w.writerow([r.submission.student, instance, qid, points_text(r.grade.percent), feedback_markdown(r),
                    json.dumps(partial, ensure_ascii=False)])
    return buf.getvalue()


def gradescope_results(r: Graded, policy: Policy) -> dict:
    """Gradescope's ``results.json`` for one student: a test per step."""
    if r.grade is None:
        return {"score": 0.0, "output": feedback_markdown(r), "output_format": "md", "visibility": "visible",
                "stdout_visibility": "hidden", "tests": []}
    tests = []
    for number, s in enumerate(r.grade.steps, start=1):
        lines = [f"{c} {v}" for v, c in s.counts.items() if c]
        output = ", ".join(lines) if lines else "nothing written for this step"
        if s.deductions and s.status != "missing":
            output += "\n\n" + "\n".join(f"- {d}" for d in s.deductions)
        tests.append({"name": s.step, "number": str(number), "score": round(s.score, 6), "max_score": s.points,
                      "status": "passed" if s.score >= s.points - 1e-9 else "failed", "output": output,
                      "output_format": "md", "visibility": "visible"})
    return {"score": round(r.grade.score, 6), "output": feedback_markdown(r), "output_format": "md",
            "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def _plain(markdown: str) -> str:
    """Feedback for a platform that shows plain text: Markdown marks and escapes removed, one line per item."""
    text = re.sub(r"\\(.)", r"\1", markdown.replace("**", "").replace("`", ""))
    return "\n".join(line.rstrip() for line in text.splitlines() if line.strip())


def moodle_csv(rows: list[Graded], policy: Policy) -> str:
    """Moodle's grade import CSV: ``ID number``, the grade (points), ``Feedback``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(MOODLE_COLUMNS)
    for r in rows:
        grade = points_text(r.grade.score) if r.grade is not None else "0"
        w.writerow([r.submission.student, grade, _plain(feedback_markdown(r))])
    return buf.getvalue()


def write_exports(rows: list[Graded], policy: Policy, out: str | Path) -> list[Path]:
    """Write the three platform exports under ``out``; return their paths."""
    out = Path(out)
    written = [out / "prairielearn.csv", out / "moodle.csv"]
    write_atomic(written[0], prairielearn_csv(rows, policy))
    write_atomic(written[1], moodle_csv(rows, policy))
    for r in rows:
        folder = out / "gradescope" / safe_name(r.submission.student)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "results.json"
        write_atomic(path, json.dumps(gradescope_results(r, policy), indent=1, ensure_ascii=False) + "\n")
        written.append(path)
    return written
