"""A problem's points from a data file (``points_file``): read exactly, solved like written points."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gmmexact.cli.commands import main
from gmmexact.model.decimalpoints import DecimalPoints
from gmmexact.model.errors import InputError
from gmmexact.model.problem import load
from gmmexact.numerics.run import solve

SEED = Path(__file__).resolve().parents[1] / "examples" / "seed" / "problem.toml"
CSV = "height,weight,name\n160,55,A\n165,60,B\n170,65,C\n180,75,D\n185,80,E\n190,85,F\n"


def _problem(tmp_path, data_lines: str) -> Path:
    text = SEED.read_text()
    start, end = text.index("[data]"), text.index("[[components]]")
    p = tmp_path / "p.toml"
    p.write_text(text[:start] + "[data]\n" + data_lines + "\n\n" + text[end:])
    return p


def test_csv_points_equal_the_written_ones(tmp_path):
    (tmp_path / "d.csv").write_text(CSV)
    p = load(_problem(tmp_path, 'points_file = "d.csv"\nlabels_column = "name"'))
    seed = load(SEED)
    assert isinstance(p.points, DecimalPoints)
    assert p.points == seed.points and p.labels == seed.labels and p.variables == seed.variables
    run, ref = solve(p), solve(seed)
    assert run["cov.women"].value == ref["cov.women"].value
    assert run.round(["density.A.women"], 12) == ref.round(["density.A.women"], 12)


def test_npy_points_and_names_from_the_problem(tmp_path):
    np.save(tmp_path / "d.npy", np.array([[160, 55], [165, 60], [170, 65], [180, 75], [185, 80], [190, 85]]))
    p = load(_problem(tmp_path, 'points_file = "d.npy"\nvariables = ["h", "w"]'))
    assert p.variables == ("h", "w") and p.labels[0] == "x1"
    assert solve(p)["count.women"].exact is not None


@pytest.mark.parametrize("lines, field", [
    ('points_file = "d.csv"\npoints = [[1, 2]]', "data.points_file"),
    ('points_file = 3', "data.points_file"),
    ('points = [[1, 2]]\ncolumns = ["x"]', "data.columns"),
    ('points_file = "d.csv"\ncolumns = "height"', "data.columns"),
    ('points_file = "d.csv"\nlabels_column = true', "data.labels_column"),
])
def test_points_file_mistakes(tmp_path, lines, field):
    (tmp_path / "d.csv").write_text(CSV)
    with pytest.raises(InputError) as e:
        load(_problem(tmp_path, lines))
    assert e.value.field == field


def test_bad_data_file_is_exit_2(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("height,weight\n160,55\n165,1/3\n")
    assert main(["solve", str(_problem(tmp_path, 'points_file = "d.csv"'))]) == 2
    err = capsys.readouterr().err
    assert "d.csv" in err and "1/3" in err and "internal error" not in err
