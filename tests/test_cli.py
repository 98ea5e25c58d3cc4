"""The command line: output formats, exit statuses, and errors a user can act on."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp

from gmmexact.cli.commands import main
from gmmexact.rendering.report import parse_exact

SEED = str(Path(__file__).resolve().parents[1] / "examples" / "seed" / "problem.toml")


def run_cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output_shows_steps_and_singularity(capsys):
    code, out, err = run_cli(capsys, "solve", SEED)
    assert code == 0
    assert "exp(-2/5)/(20*pi)" in out
    assert "0.0106685" in out
    assert "height − weight = 105" in out


def test_json_schema_and_values(capsys):
    code, out, _ = run_cli(capsys, "solve", SEED, "--format", "json", "--digits", "12")
    assert code == 0
    data = json.loads(out)
    records = {q["key"]: q for q in data["quantities"]}
    assert records["density.A.women"]["decimal"] == "0.0106684748780"
    assert sp.sympify(records["density.A.women"]["exact"]) == sp.exp(sp.Rational(-2, 5)) / (20 * sp.pi)
    assert sp.sympify(records["inv.women"]["exact"]) == sp.eye(2) / 10
    assert records["mean.women"]["decimal"] == ["164.999999830", "59.9999998303"]
    assert records["cov.men"]["shape"] == "matrix" and len(records["cov.men"]["decimal"]) == 2
    assert records["det.women"]["rational"] is True and records["density.A.women"]["rational"] is False
    kinds = {d["kind"] for d in data["diagnostics"]}
    assert "singular-covariance" in kinds
    singular = [d for d in data["diagnostics"] if d["kind"] == "singular-covariance"]
    assert singular[0]["rank"] == 1 and singular[0]["relations"] == ["height − weight = 105"]


def test_json_definitions_parse_with_their_symbols(capsys):
    code, out, _ = run_cli(capsys, "solve", SEED, "--format", "json")
    records = {q["key"]: q for q in json.loads(out)["quantities"]}
    cov = records["cov.women"]
    assert cov["symbols"]["count_women"] == {"key": "count.women"}
    assert cov["symbols"]["outer_A_women"] == {"key": "outer.A.women", "shape": [2, 2]}
    expr = parse_exact(cov["exact"], cov["symbols"])
    assert expr.shape == (2, 2) and sp.Symbol("count_women") in expr.free_symbols
    mean = records["mean.women"]
    assert parse_exact(mean["exact"], mean.get("symbols")).shape == (2, 1)


def test_json_sigma_definitions_for_many_points_parse(tmp_path, capsys):
    points = ", ".join(f"[{i}, {i * i % 7}]" for i in range(30))
    path = tmp_path / "many.toml"
    path.write_text(f"[data]\npoints = [{points}]\n[[components]]\nname = \"E\"\nmean = [1, 1]\n"
                    f"covariance = [[4, 0], [0, 4]]\nweight = 1\n")
    code, out, _ = run_cli(capsys, "solve", str(path), "--format", "json", "--max-points", "1")
    records = {q["key"]: q for q in json.loads(out)["quantities"]}
    count = parse_exact(records["count.E"]["definition"], records["count.E"]["symbols"])
    assert count == sp.Sum(sp.IndexedBase("resp")[sp.Symbol("p", integer=True), 0], (sp.Symbol("p", integer=True), 0, 29))
    cov = parse_exact(records["cov.E"]["definition"], records["cov.E"]["symbols"])
    assert cov.shape == (2, 2) and sp.E not in cov.atoms()


def test_iterations_stop_at_singular_covariance_with_exit_3(capsys):
    code, out, err = run_cli(capsys, "solve", SEED, "--iterations", "3", "--format", "json")
    assert code == 3
    data = json.loads(out)
    assert data["iterations"] == {"requested": 3, "computed": 1}
    assert "singular" in err and "height − weight = 105" in err


def test_markdown(capsys):
    code, out, _ = run_cli(capsys, "solve", SEED, "--format", "markdown", "--points", "A")
    assert code == 0
    assert "| `density.A.women` |" in out and "density.B" not in out


def test_markdown_of_solve_and_check_is_latex_for_mathjax(capsys):
    code, out, _ = run_cli(capsys, "solve", SEED, "--format", "markdown")
    assert code == 0 and "see JSON output" not in out
    assert "| `mean.women` | $\\mu_{\\text{women}}^{\\text{new}}$ |" in out
    assert "- mean.women" not in out and "count.women outer" not in out  # no raw keys inside math
    claims = str(Path(SEED).parent / "claims.toml")
    code, out, _ = run_cli(capsys, "check", SEED, claims, "--format", "markdown")
    assert code == 1
    assert "| # | quantity | written | verdict | exact value | error (last digit) | where | why |" in out
    assert "$\\frac{e^{-125/2}}{20 \\pi} \\approx 1.1440 \\times 10^{-29}$" in out
    assert "wrong.\n\nFirst error: #55" in out


def test_mpmath_backend_prints_the_same_digits(capsys):
    _, arb_out, _ = run_cli(capsys, "solve", SEED, "--format", "json", "--digits", "15")
    _, mp_out, _ = run_cli(capsys, "solve", SEED, "--format", "json", "--digits", "15", "--backend", "mpmath")
    a = {q["key"]: q["decimal"] for q in json.loads(arb_out)["quantities"]}
    m = {q["key"]: q["decimal"] for q in json.loads(mp_out)["quantities"]}
    assert a == m


@pytest.mark.parametrize("content, field", [
    ("[data]\npoints = [[1, 2], [3]]\n[[components]]\nmean=[0,0]\ncovariance=[[1,0],[0,1]]\nweight=1\n", "data.points[1]"),
    ("[data]\npoints = [1, 2]\n[[components]]\nmean=0\ncovariance=1\nweight=0.9\n", "weight"),
    ("[data]\npoints = [1, 2]\n[[components]]\nmean=0\ncovariance=-1\nweight=1\n", "covariance"),
    ("[data]\npoints = [1, 2,, 3]\n[[components]]\nmean=0\ncovariance=1\nweight=1\n", "line 2"),
])
def test_bad_input_exit_2_with_field(tmp_path, capsys, content, field):
    path = tmp_path / "p.toml"
    path.write_text(content)
    code, out, err = run_cli(capsys, "solve", str(path))
    assert code == 2
    assert str(path) in err and field in err
    assert "Traceback" not in err


def test_missing_file_and_unknown_point(tmp_path, capsys):
    code, _, err = run_cli(capsys, "solve", str(tmp_path / "nope.toml"))
    assert code == 2 and "nope.toml" in err
    code, _, err = run_cli(capsys, "solve", SEED, "--points", "A,Z")
    assert code == 2 and "--points" in err and "Z" in err


def test_json_has_three_renderings_of_each_step(capsys):
    code, out, _ = run_cli(capsys, "solve", SEED, "--format", "json")
    records = {q["key"]: q for q in json.loads(out)["quantities"]}
    quad = records["quad.A.women"]
    assert quad["formula"].startswith("(x_p - \\mu_c)")
    assert quad["definition"] == "Matrix([[-2, -2]])*inv_women*Matrix([[-2], [-2]])"
    assert quad["substituted"] == "Matrix([[-2, -2]])*Matrix([[1/10, 0], [0, 1/10]])*Matrix([[-2], [-2]])"
    assert quad["exact"] == "4/5"
    density = records["density.A.women"]
    assert density["definition"] == "exp_A_women/norm_women"
    assert density["symbols"]["norm_women"] == {"key": "norm.women"}
    assert sp.sympify(density["substituted"]) == sp.exp(sp.Rational(-2, 5)) / (20 * sp.pi)


def test_forms_none_gives_decimals_only(capsys):
    code, out, _ = run_cli(capsys, "solve", SEED, "--format", "json", "--forms", "none", "--digits", "12")
    records = {q["key"]: q for q in json.loads(out)["quantities"]}
    assert records["density.A.women"]["exact"] is None and records["density.A.women"]["definition"] is None
    assert records["density.A.women"]["decimal"] == "0.0106684748780"


def test_every_json_form_parses_back(tmp_path, capsys):
    path = tmp_path / "three.toml"
    path.write_text('[data]\nvariables = ["x", "y", "z"]\n'
                    'points = [[0,0,0],[1,2,0],[0,1,3],[2,0,1],[3,3,3],[1,1,1],[-1,2,0.5]]\n'
                    '[[components]]\nmean = [0,1,0]\ncovariance = [[2,1,0],[1,2,0],[0,0,1]]\nweight = 0.25\n'
                    '[[components]]\nmean = [2,2,2]\ncovariance = [[1,0,0],[0,1,0],[0,0,1]]\nweight = 0.75\n')
    for problem in (SEED, str(path)):
        code, out, _ = run_cli(capsys, "solve", problem, "--format", "json", "--iterations", "2", "--max-points", "2")
        parsed = 0
        for q in json.loads(out)["quantities"]:
            for field in ("exact", "definition", "substituted"):
                if q[field] is not None:
                    parse_exact(q[field], q.get("symbols"))
                    parsed += 1
        assert parsed > 100
