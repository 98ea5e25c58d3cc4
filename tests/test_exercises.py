"""Exercise variants: the knobs, the certificates, the files written and the stress report."""
from __future__ import annotations

import json
import random
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from gmmexact.checking.report import check
from gmmexact.exercises.certify import boundary_margin, certify
from gmmexact.exercises.generate import generate
from gmmexact.exercises.spec import ExerciseSpec, draw
from gmmexact.model.errors import InputError
from gmmexact.model.problem import Problem, load
from gmmexact.numerics.rounding import Rounded

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kw, field", [
    ({"d": 0}, "d"), ({"k": 7}, "k"), ({"n": 1, "k": 2}, "n"), ({"low": 5, "high": 5}, "low/high"),
    ({"form": "fraction"}, "form"), ({"digits": 0}, "digits"), ({"margin": 0.5}, "margin"),
    ({"singular": "maybe"}, "singular"), ({"kinds": ("densty",)}, "kinds"),
    ({"variables": ("a",)}, "variables"), ({"components": ("x", "\\input{y}")}, "components"),
])
def test_spec_mistakes_name_the_knob(kw, field):
    with pytest.raises(InputError) as e:
        ExerciseSpec(**kw)
    assert e.value.field == field


def test_draw_is_deterministic_and_nice():
    spec = ExerciseSpec(d=2, k=3, n=9, form="one-decimal")
    a, b = draw(spec, random.Random("s")), draw(spec, random.Random("s"))
    assert a.points == b.points and a.components == b.components
    assert all((10 * x).denominator == 1 and 0 <= x <= 100 for p in a.points for x in p)
    assert sum(c.weight for c in a.components) == 1


def test_singular_on_request_lies_on_a_line():
    spec = ExerciseSpec(singular="require", saturated=True)
    p = draw(spec, random.Random(3))
    offsets = {pt[1] - pt[0] for pt in p.points}
    assert len(offsets) == 1


def test_boundary_margin_is_proven_from_two_more_digits():
    # 0.12340 ± 0.000005 against the boundaries 0.1225 and 0.1235 of 0.123: at least 0.1 - 0.0005 ... in units
    m = boundary_margin(Rounded(123, -3, 3, False, False), Rounded(123400, -6, 6, False, False), 3)
    assert m == Fraction(1, 2) - Fraction(4, 10) - Fraction(1, 2000)
    # rounding changed the magnitude: no claim
    assert boundary_margin(Rounded(100, -2, 3, False, False), Rounded(999960, -6, 6, False, False), 3) is None


def test_certificates_reject_what_they_should():
    seed = load(ROOT / "examples" / "seed" / "problem.toml")
    avoid = certify(seed, ExerciseSpec())
    assert not avoid.passed
    assert any("singular" in f for f in avoid.failures)
    assert any("saturated" in f for f in avoid.failures)
    wanted = certify(seed, ExerciseSpec(singular="require", saturated=True))
    assert not any("singular" in f for f in wanted.failures)
    # one component: the new weight is exactly 1, as the slip "weight = 1/K" would print
    one = Problem.from_arrays([[0], [1], [3]], means=[[1]], covariances=[[[2]]], weights=[1])
    cert = certify(one, ExerciseSpec(d=1, k=1, n=3, kinds=("weight", "mean")))
    assert not cert.passed and any("slip" in f and "weight" in f for f in cert.failures)


def test_generate_writes_certified_variants(tmp_path):
    out = tmp_path / "v"
    report = generate(ExerciseSpec(), 3, 11, out)
    assert report["variants"] == 3 and report["draws"] >= 3
    assert report["nearest_boundary"] >= 0.02
    assert set(report["answers"]) == {"density", "resp", "count", "weight", "mean", "cov"}
    folders = sorted(p.name for p in out.glob("variant-*"))
    assert folders == ["variant-1", "variant-2", "variant-3"]
    for name in folders:
        f = out / name
        for file in ("problem.toml", "sheet.md", "sheet.tex", "key.toml", "solution.tex"):
            assert (f / file).stat().st_size > 0
        # the key's own numbers are all correct when checked
        verdicts = check(f / "problem.toml", f / "key.toml").data["summary"]
        assert verdicts["correct"] == verdicts["claims"] > 0
    assert json.loads((out / "stress.json").read_text())["variants"] == 3
    assert "| resp" in (out / "stress.md").read_text()
    # the same seed, the same variants
    again = generate(ExerciseSpec(), 3, 11, tmp_path / "w")
    assert (tmp_path / "w" / "variant-2" / "problem.toml").read_text() == (out / "variant-2" / "problem.toml").read_text()
    assert again["answers"] == report["answers"]


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex")
def test_sheet_and_solution_compile(tmp_path):
    out = tmp_path / "v"
    generate(ExerciseSpec(d=1, k=2, n=5, components=("low", "high"), variables=("x",)), 1, 5, out)
    folder = out / "variant-1"
    for name in ("sheet.tex", "solution.tex"):
        r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name],
                           cwd=folder, capture_output=True, timeout=120)
        assert r.returncode == 0, r.stdout[-2000:]
    text = subprocess.run(["pdftotext", str(folder / "sheet.pdf"), "-"], capture_output=True, text=True).stdout \
        if shutil.which("pdftotext") else "variant 1"
    assert "variant 1" in text
