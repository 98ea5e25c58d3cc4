"""Points streamed onto disk (gmmexact/model/pointstore.py): the same points, labels and errors as the
whole-file reader, a memory-mapped store that tier 1 reads block by block, dask workers reading their own
rows from the file, and the command line's --stream and --scratch."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gmmexact
from gmmexact.cli.commands import main
from gmmexact.model import datafiles, pointstore
from gmmexact.model.errors import InputError
from gmmexact.model.limits import override
from gmmexact.numerics.tiers import certified_parameters, tier1_data



def many_points(n: int = 5000, seed: int = 1) -> gmmexact.Problem:
    """Two clusters in 3-D, thousandths (as tests/test_partitioned.py's)."""
    from fractions import Fraction

    from gmmexact.model.decimalpoints import DecimalPoints

    rng = np.random.default_rng(seed)
    ints = np.rint(np.vstack([rng.normal(0, 1, (n // 2, 3)), rng.normal(3, 1.5, (n - n // 2, 3))]) * 1000)
    eye = [[1 if i == j else 0 for j in range(3)] for i in range(3)]
    return gmmexact.Problem.from_arrays(DecimalPoints(ints.astype(np.int64), -3), [[0, 0, 0], [3, 3, 3]],
                                        [eye, [[2 if i == j else Fraction(1, 4) for j in range(3)] for i in range(3)]],
                                        ["1/2", "1/2"], reg_covar=Fraction(1, 10**6))


def write_problem(folder: Path, ints) -> None:
    """``folder/p.toml`` starting many_points' model, its points (thousandths) in ``folder/X.csv``."""
    (folder / "X.csv").write_text("a,b,c\n" + "\n".join(",".join(f"{v / 1000:.3f}" for v in row) for row in ints))
    covs = ('[["1", "0", "0"], ["0", "1", "0"], ["0", "0", "1"]]',
            '[["2", "0.25", "0.25"], ["0.25", "2", "0.25"], ["0.25", "0.25", "2"]]')
    tables = [f'weight = "1/2"\nmean = ["{m}", "{m}", "{m}"]\ncovariance = {covs[c]}\n' for c, m in enumerate((0, 3))]
    (folder / "p.toml").write_text('[data]\npoints_file = "X.csv"\n\n' + "".join(f"[[components]]\n{t}\n" for t in tables))


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


@pytest.fixture
def small_pieces(monkeypatch):
    monkeypatch.setattr(datafiles, "PIECE_BYTES", 64)


def both(path, **kw):
    whole = datafiles.read_points(path, **kw)
    with tempfile.TemporaryDirectory() as scratch:
        streamed = pointstore.read_points(path, stream=True, scratch=scratch, **kw)
        assert pointstore.store_of(streamed.points) is not None
        assert isinstance(streamed.points.integers, np.memmap)
        assert streamed.points.exponent == whole.points.exponent
        assert np.array_equal(np.asarray(streamed.points.integers), whole.points.integers)
        assert tuple(streamed.labels) == whole.labels and streamed.variables == whole.variables
        assert streamed.points == whole.points
    return whole, streamed


def error_of(read, path, **kw) -> str:
    with pytest.raises(InputError) as e:
        read(path, **kw)
    return str(e.value)


def same_error(path, **kw) -> str:
    whole = error_of(datafiles.read_points, path, **kw)
    with tempfile.TemporaryDirectory() as scratch:
        streamed = error_of(pointstore.read_points, path, stream=True, scratch=scratch, **kw)
        assert os.listdir(scratch) == []  # nothing left behind
    assert streamed == whole
    return whole


decimals = st.builds(lambda m, e: f"{m}e{e}" if e else str(m), st.integers(-10**6, 10**6), st.integers(-4, 3)) | \
    st.builds(lambda m, k: f"{m / 10**k:.{k}f}", st.integers(-10**5, 10**5), st.integers(0, 6))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(decimals, min_size=2, max_size=2), min_size=1, max_size=60), st.integers(16, 200))
def test_a_store_written_in_many_pieces_holds_what_the_whole_file_reader_reads(monkeypatch, rows, piece):
    """Pieces read at different decimal places are brought to the finest one, as the whole reader does."""
    monkeypatch.setattr(datafiles, "PIECE_BYTES", piece)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.csv"
        path.write_text("name,a,b\n" + "".join(f"p{i},{a},{b}\n" for i, (a, b) in enumerate(rows)))
        both(path, labels_column="name")
        both(path, columns=["b"])


def test_pieces_at_different_decimal_places_and_trailing_blank_lines(tmp_path, small_pieces):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n" + "1,2\n" * 40 + "0.5,-1e-7\n" + "3,4\n" * 30 + "\n\n")
    whole, streamed = both(path)
    assert whole.points.exponent == -7 and streamed.n == 71


@pytest.mark.parametrize("body, where", [
    ("1,2\n" * 30 + "1,abc\n", "line 32, column 2 (b)"),
    ("1,2\n" * 30 + "\n" + "1,2\n", "line 32"),
    ("1,2\n" * 30 + "1,2,3\n", "line 32"),
    ("1,2\n" * 30 + "1/3,2\n", "line 32, column 1 (a)"),
    ("1,2\n" * 30 + "1,\x002\n", "line 32"),
])
def test_errors_in_later_pieces_name_the_line_the_whole_reader_names(tmp_path, small_pieces, body, where):
    path = tmp_path / "x.csv"
    path.write_bytes(("a,b\n" + body).encode())
    assert f"x.csv: {where}:" in same_error(path)


def test_labels_are_checked_as_the_whole_reader_checks_them(tmp_path, small_pieces):
    path = tmp_path / "x.csv"
    path.write_text("n,a\n" + "".join(f"p{i},{i}\n" for i in range(40)) + "p7,1\n")
    assert "line 42, column 1 (n): repeats the label 'p7' (line 9, column 1 (n))" in same_error(path, labels_column="n")
    path.write_text("n,a\n" + "".join(f"p{i},{i}\n" for i in range(40)) + ",1\n" + "p3,2\n")
    assert "line 42, column 1 (n): has an empty label" in same_error(path, labels_column="n")


def test_limits_hold_in_pieces(tmp_path, small_pieces):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n" + "1.5,2\n" * 50)
    with override(points=49):
        assert "50 points, more than the limit of 49" in same_error(path)
    with override(number_digits=3):
        path.write_text("a,b\n" + "100,2\n" * 30 + "0.25,1\n")  # 100 at the finest place has 5 digits
        assert "needs 5 digits as an integer times 10^-2" in same_error(path)
    with override(number_digits=4):
        path.write_text("a,b\n" + "100,2\n" * 30 + "0.5,1\n" * 12 + "0.25,1\n")  # no piece holds both: at the end
        assert same_error(path).startswith(f"{path}: line 2: needs 5 digits as an integer times 10^-2")


def test_what_a_store_cannot_hold_is_refused_with_its_line(tmp_path, small_pieces):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n" + "1,2\n" * 30 + '"1",2\n')
    assert "line 32: holds a quoted field" in error_of(pointstore.read_points, path, stream=True, scratch=tmp_path / "s")
    path.write_text("a,b\n" + "1,2\n" * 30 + "1e-30,12345678901234567\n")
    assert "more than a points store's int64 integers hold" in error_of(pointstore.read_points, path, stream=True,
                                                                          scratch=tmp_path / "s")
    assert os.listdir(tmp_path / "s") == []


def test_an_int64_npy_file_is_mapped_where_it_is_and_others_are_converted(tmp_path):
    a = np.arange(30, dtype=np.int64).reshape(10, 3) - 7
    np.save(tmp_path / "a.npy", a)
    got = pointstore.read_points(tmp_path / "a.npy", stream=True, scratch=tmp_path / "s")
    assert pointstore.store_of(got.points).path == str(tmp_path / "a.npy") and not (tmp_path / "s").exists()
    assert got.points == datafiles.read_points(tmp_path / "a.npy").points
    np.save(tmp_path / "b.npy", a.astype(np.int32))
    got = pointstore.read_points(tmp_path / "b.npy", stream=True, scratch=tmp_path / "s", columns=[2, 0])
    assert got.points == datafiles.read_points(tmp_path / "b.npy", columns=[2, 0]).points
    f = np.linspace(-1, 1, 12).reshape(4, 3)
    f[2, 1] = np.nan
    np.save(tmp_path / "f.npy", f)
    assert "[2, 1]: is nan, which is not a finite number" in same_error(tmp_path / "f.npy")
    np.save(tmp_path / "g.npy", np.asfortranarray(f[[0, 1, 3]]).astype(np.float32))
    got = pointstore.read_points(tmp_path / "g.npy", stream=True, scratch=tmp_path / "s")
    assert got.points == datafiles.read_points(tmp_path / "g.npy").points


def test_a_problem_file_streams_its_points_file_by_size_or_when_told(tmp_path, monkeypatch):
    problem = many_points(n=3000)
    write_problem(tmp_path, problem.points.integers)
    whole = gmmexact.load(tmp_path / "p.toml")
    assert pointstore.store_of(whole.points) is None
    monkeypatch.setattr(pointstore, "STREAM_BYTES", 1000)
    streamed = gmmexact.load(tmp_path / "p.toml", scratch=tmp_path / "s")
    assert pointstore.store_of(streamed.points) is not None and streamed.points == whole.points
    assert pointstore.store_of(gmmexact.load(tmp_path / "p.toml", stream=False).points) is None


def test_tier_one_reads_a_store_block_by_block_and_gives_the_in_memory_bits(tmp_path):
    problem = many_points(n=3000)
    write_problem(tmp_path, problem.points.integers)
    streamed = gmmexact.load(tmp_path / "p.toml", stream=True, scratch=tmp_path / "s")
    problem = gmmexact.load(tmp_path / "p.toml", stream=False)
    data, rows = tier1_data(streamed.points)
    assert rows is not None and rows.path.startswith(str(tmp_path / "s"))
    assert [v.tolist() for v in data.column_range] == [v.tolist() for v in tier1_data(problem.points)[0].column_range]
    ref = certified_parameters(problem, 2, partitions=1, tier="float64")
    for parts in (1, 2, 3):
        run = certified_parameters(streamed, 2, partitions=parts, tier="float64")
        assert run.statistics == ref.statistics
        assert [run.decimal(k, 12) for k in run.keys()] == [ref.decimal(k, 12) for k in ref.keys()]


def test_dask_workers_read_their_rows_from_the_store_without_scatter(tmp_path, cluster):
    from distributed import Client

    problem = many_points(n=5000)
    write_problem(tmp_path, problem.points.integers)
    streamed = gmmexact.load(tmp_path / "p.toml", stream=True, scratch=tmp_path / "s")
    ref = certified_parameters(gmmexact.load(tmp_path / "p.toml", stream=False), 2, partitions=1, tier="float64")
    with Client(cluster) as client:
        def no_scatter(*args, **kwargs):
            raise AssertionError("the points were scattered")

        client.scatter = no_scatter
        for parts in (2, 3, 5):
            run = certified_parameters(streamed, 2, partitions=parts, client=client, tier="float64")
            assert run.partitions == parts and run.workers.startswith("dask ")
            assert run.statistics == ref.statistics
            assert [run.decimal(k, 12) for k in run.keys()] == [ref.decimal(k, 12) for k in ref.keys()]


def solve_json(argv, capsys) -> tuple[dict, str]:
    assert main(argv) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_the_command_line_with_stream_and_scratch_prints_what_it_prints_without(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(datafiles, "PIECE_BYTES", 4096)
    problem = many_points(n=400)
    write_problem(tmp_path, problem.points.integers)
    argv = ["solve", str(tmp_path / "p.toml"), "--format", "json", "--quiet", "--max-points", "3"]
    plain, _ = solve_json(argv, capsys)
    scratch = tmp_path / "scratch"
    streamed, err = solve_json(argv + ["--stream", "--scratch", str(scratch)], capsys)
    assert streamed == plain and "reusing" not in err
    (store,) = scratch.glob("gmmexact-points-*.npy")
    before = store.stat().st_mtime_ns
    again, err = solve_json(argv + ["--stream", "--scratch", str(scratch)], capsys)
    assert again == plain and f"reusing its points converted before, {store}" in err
    assert store.stat().st_mtime_ns == before
    # the parameters path (tier 1 over partitions) from the store: the values of the in-memory points
    fast = ["solve", str(tmp_path / "p.toml"), "--format", "json", "--quiet", "--partitions", "3", "--digits", "10"]
    assert solve_json(fast + ["--stream", "--scratch", str(scratch)], capsys)[0]["values"] == \
        solve_json(fast, capsys)[0]["values"]


def test_a_file_gmmexact_did_not_write_is_never_written_over(tmp_path, capsys):
    problem = many_points(n=100)
    write_problem(tmp_path, problem.points.integers)
    scratch = tmp_path / "scratch"
    argv = ["solve", str(tmp_path / "p.toml"), "--format", "json", "--quiet", "--stream", "--scratch", str(scratch)]
    solve_json(argv, capsys)
    (store,) = scratch.glob("gmmexact-points-*.npy")
    for name in (store, store.with_suffix(".json")):
        for other in scratch.iterdir():
            other.unlink()
        name.write_text("a user's file")
        assert main(argv) == 2
        assert "exists and was not written by gmmexact for this data file" in capsys.readouterr().err
        assert name.read_text() == "a user's file"
    assert main(argv[:-1] + [str(tmp_path / "X.csv")]) == 2  # a file where the directory should be
    assert "is a file, not a directory" in capsys.readouterr().err


def test_stored_labels_are_read_when_asked_for(tmp_path, small_pieces):
    path = tmp_path / "x.csv"
    path.write_text("n,a\n" + "".join(f"p{i},{i}\n" for i in range(100)))
    got = pointstore.read_points(path, labels_column="n", stream=True, scratch=tmp_path / "s").labels
    assert isinstance(got, pointstore.StoredLabels) and len(got) == 100
    assert got[0] == "p0" and got[-1] == "p99" and got[10:13] == ("p10", "p11", "p12") and "p42" in got
    assert got.index("p42") == 42 and hash(got) == hash(tuple(f"p{i}" for i in range(100)))


def test_parquet_streams_by_batches_into_the_same_points_and_labels(tmp_path):
    """Float and decimal columns, a labels column, row groups smaller than the file: the store holds what
    the whole-file reader reads, and tier 1 over it gives the in-memory bits."""
    from decimal import Decimal

    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rng = np.random.default_rng(4)
    n = 12000
    floats = pa.table({"a": rng.normal(size=n), "b": rng.integers(-1000, 1000, n).astype(np.float64),
                       "who": [f"p{i}" for i in range(n)]})
    pq.write_table(floats, tmp_path / "f.parquet", row_group_size=1700)
    whole = datafiles.read_points(tmp_path / "f.parquet", labels_column="who")
    stored = pointstore.read_points(tmp_path / "f.parquet", labels_column="who", stream=True, scratch=tmp_path)
    assert np.array_equal(np.asarray(stored.points.array), whole.points.array)
    assert list(stored.labels) == list(whole.labels) and stored.variables == whole.variables
    decimals = pa.table({"x": pa.array([Decimal(f"{v:.3f}") for v in rng.normal(size=n)], type=pa.decimal128(12, 3)),
                         "y": rng.integers(-10**6, 10**6, n)})
    pq.write_table(decimals, tmp_path / "d.parquet", row_group_size=2500)
    whole = datafiles.read_points(tmp_path / "d.parquet")
    stored = pointstore.read_points(tmp_path / "d.parquet", stream=True, scratch=tmp_path)
    assert stored.points.exponent == whole.points.exponent == -3
    assert np.array_equal(np.asarray(stored.points.integers), whole.points.integers)


def test_streamed_points_skip_the_longdouble_tier_which_would_hold_them_all(tmp_path):
    """Where tier 1 leaves values undecided, streamed points go to the arb tier (bounded memory), not to the
    longdouble tier; the digits are those of the points read whole."""
    problem = many_points(n=150)
    write_problem(tmp_path, problem.points.integers)
    streamed = gmmexact.load(tmp_path / "p.toml", stream=True, scratch=tmp_path / "s")
    whole = gmmexact.load(tmp_path / "p.toml", stream=False)
    run = certified_parameters(streamed, 1, digits=24)
    assert run.tier.startswith("arb (tier 2: tier 1 leaves ")
    assert "longdouble declines: it holds every point in memory, and these are streamed from disk" in run.tier
    ref = certified_parameters(whole, 1, digits=24, tier="arb")
    assert [run.decimal(k, 24) for k in run.keys()] == [ref.decimal(k, 24) for k in ref.keys()]
