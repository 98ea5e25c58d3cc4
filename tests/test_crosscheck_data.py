"""``crosscheck --data FILE``: the points from CSV, .npy or Parquet, read exactly."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gmmexact.cli.commands import main
from gmmexact.model.problem import load

pytest.importorskip("sklearn")
ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "seed" / "problem.toml"
POINTS = [[160, 55], [165, 60], [170, 65], [180, 75], [185, 80], [190, 85]]


def crosscheck_json(capsys, *extra) -> dict:
    capsys.readouterr()
    code = main(["crosscheck", str(SEED), "--with", "sklearn", "--format", "json", *extra])
    out = capsys.readouterr().out
    assert code == 1, out  # the seed's next E-step loses digits (README)
    return json.loads(out)


def write(kind: str, folder: Path) -> Path:
    if kind == "csv":
        path = folder / "X.csv"
        path.write_text("height,weight\n" + "".join(f"{a},{b}\n" for a, b in POINTS), encoding="utf-8")
    elif kind == "npy":
        path = folder / "X.npy"
        np.save(path, np.array(POINTS, dtype=np.float64))
    else:
        pa = pytest.importorskip("pyarrow")
        import pyarrow.parquet as pq

        path = folder / "X.parquet"
        pq.write_table(pa.table({"height": [p[0] for p in POINTS], "weight": [p[1] for p in POINTS]}), path)
    return path


@pytest.mark.parametrize("kind", ["csv", "npy", "parquet"])
def test_the_points_from_a_data_file_give_the_same_cross_check(kind, tmp_path, capsys):
    path = write(kind, tmp_path)
    problem = load(SEED, points_file=path)
    assert [[int(v) for v in p] for p in problem.points] == POINTS and problem.n == 6
    with_file = crosscheck_json(capsys, "--data", str(path))
    plain = crosscheck_json(capsys)
    strip = lambda doc: [{k: v for k, v in q.items() if k != "key"} for q in doc["quantities"]]  # noqa: E731
    # the file's points have labels x1..x6, the problem's A..F: every number is the same
    assert strip(with_file) == strip(plain)
    assert [q["key"] for q in with_file["quantities"]][:2] == ["resp.x1.women", "resp.x1.men"]


def test_a_decimal_csv_is_read_exactly_not_as_binary_floats(tmp_path):
    path = tmp_path / "X.csv"
    path.write_text("a,b\n0.1,0.2\n0.3,0.7\n1,2\n", encoding="utf-8")
    problem = load(SEED, points_file=path)
    from fractions import Fraction

    assert [list(p) for p in problem.points][0] == [Fraction(1, 10), Fraction(1, 5)]


def test_a_missing_or_wrong_data_file_is_exit_2_with_its_name(tmp_path, capsys):
    assert main(["crosscheck", str(SEED), "--with", "sklearn", "--data", str(tmp_path / "none.csv")]) == 2
    assert "none.csv" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    assert main(["crosscheck", str(SEED), "--with", "sklearn", "--data", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"gmmexact: error: {bad}: has points of 3 coordinates, but ") and "Traceback" not in err


def test_piped_output_is_a_plain_layout_with_every_digit_count(capsys):
    """A CI log: one record per value, key and digits on one line, the numbers whole (never folded)."""
    capsys.readouterr()
    assert main(["crosscheck", str(SEED), "--with", "sklearn"]) == 1
    out = capsys.readouterr().out
    assert "│" not in out.split("correct significant digits per kind")[0]  # no folded table of values
    lines = out.splitlines()
    i = lines.index("every reported value")
    assert lines[i + 1].split() == ["resp.A.women", "26", "digits", "rel", "1.1e-27", "abs", "1.1e-27"]
    assert lines[i + 2] == "    float 1.0  exact 0.99999999999999999999999999893  (exp(log_resp)[0, 0])"
    assert lines[i + 4:i + 6] == ["    float 1.072291031958586e-27  (exp(log_resp)[0, 1])",
                                  "    exact 1.072291031958610e-27"]
