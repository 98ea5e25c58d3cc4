"""Data files read exactly: CSV decimal text as DecimalPoints, .npy and Parquet arrays, every bad file an InputError."""
import pickle
import sys
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmmexact.model import datafiles
from gmmexact.model.datafiles import PointsData, read_points
from gmmexact.model.decimalpoints import DecimalPoints
from gmmexact.model.errors import InputError
from gmmexact.model.floatpoints import FloatPoints
from gmmexact.model.limits import override

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:  # pragma: no cover - pyarrow is optional
    pa = pq = None

needs_pyarrow = pytest.mark.skipif(pa is None, reason="pyarrow is not installed")


def fractions(rows):
    return tuple(tuple(Fraction(v) for v in row) for row in rows)


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def refused(path, *words, **kwargs):
    with pytest.raises(InputError) as info:
        read_points(path, **kwargs)
    message = str(info.value)
    assert message.startswith(str(path)), message
    for w in words:
        assert w in message, (w, message)
    return info.value


# --- DecimalPoints ----------------------------------------------------------------------------------

def test_decimal_points_are_the_exact_values():
    pts = DecimalPoints(np.array([[1600, -25], [1, 0]]), -1)
    rows = ((Fraction(160), Fraction(-5, 2)), (Fraction(1, 10), Fraction(0)))
    assert pts == rows and rows == pts and hash(pts) == hash(rows) and list(pts) == list(rows)
    assert pts[1] == rows[1] and pts[-1] == rows[1] and pts[:1] == rows[:1] and pts.fractions_row(-2) == rows[0]
    assert pts.fraction(0, 1) == Fraction(-5, 2) and len(pts) == 2 and pts.shape == (2, 2)
    assert pts != [[160, -2.5], [0.1, 0]] and pts != rows[:1]
    assert pts == DecimalPoints([[160000, -2500], [100, 0]], -3)  # the same values at another scale
    assert hash(pts) == hash(DecimalPoints([[160000, -2500], [100, 0]], -3))
    assert pts != DecimalPoints([[1600, -25], [1, 1]], -1)
    assert pts != FloatPoints(np.array([[160.0, -2.5], [0.1, 0.0]]))  # the float 0.1 is not 1/10
    assert DecimalPoints([[5, -25]], -1) == FloatPoints(np.array([[0.5, -2.5]]))
    assert FloatPoints(np.array([[0.5, -2.5]])) == DecimalPoints([[5, -25]], -1)  # either way round
    with pytest.raises(IndexError):
        pts[2]
    with pytest.raises(TypeError):
        pts["a"]


def test_decimal_points_positive_exponents_and_big_integers():
    pts = DecimalPoints([[3, -7]], 20)
    assert pts[0] == (Fraction(3 * 10**20), Fraction(-7 * 10**20)) and hash(pts) == hash(tuple(pts))
    big = DecimalPoints([[10**40 + 1, 2], [-(2**70), 0]], -5)
    assert big.integers.dtype == object and big[0][0] == Fraction(10**40 + 1, 10**5)
    assert hash(big) == hash(fractions([[Fraction(10**40 + 1, 10**5), Fraction(2, 10**5)], [Fraction(-(2**70), 10**5), 0]]))
    fits = DecimalPoints(np.array([[1, 2]], dtype=object))
    assert fits.integers.dtype == np.int64
    assert DecimalPoints(np.array([[2**64 - 1]], dtype=np.uint64)).integers.dtype == object


def test_decimal_points_are_read_only_copies():
    a = np.array([[1, 2]])
    pts = DecimalPoints(a, -1)
    a[0, 0] = 9
    assert pts[0] == (Fraction(1, 10), Fraction(1, 5))
    with pytest.raises(ValueError):
        pts.integers[0, 0] = 5
    with pytest.raises(ValueError):
        pts.scaled_integers(-3)[0, 0] = 5
    assert pickle.loads(pickle.dumps(pts)) == pts


def test_scaled_integers():
    pts = DecimalPoints([[15, -250]], -1)
    assert pts.scaled_integers().tolist() == [[15, -250]] and pts.scaled_integers(-4).tolist() == [[15000, -250000]]
    assert pts.scaled_integers(-30).dtype == object and pts.scaled_integers(-30)[0, 0] == 15 * 10**29
    assert DecimalPoints([[150, -2500]], -2).scaled_integers(-1).tolist() == [[15, -250]]
    with pytest.raises(ValueError, match="multiple"):
        pts.scaled_integers(0)
    assert DecimalPoints([[10**30, 10**29]], 0).scaled_integers(29).tolist() == [[10, 1]]


@pytest.mark.parametrize("bad, words", [(np.array([[0.5]]), "not float64"), (np.array([1, 2]), "n × d"),
                                        (np.array([[True]]), "not bool"),
                                        (np.array([[Fraction(1, 3)]], dtype=object), "Fraction"),
                                        (np.array([[1.0]], dtype=object), "float")])
def test_decimal_points_refuse_what_is_not_integers(bad, words):
    with pytest.raises(ValueError, match=words):
        DecimalPoints(bad)
    with pytest.raises(TypeError):
        DecimalPoints([[1]], True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-10**25, 10**25), min_size=1, max_size=6), st.integers(-30, 30))
def test_decimal_points_hash_and_floats_agree_with_fractions(values, exponent):
    pts = DecimalPoints([values], exponent)
    rows = ((*(Fraction(v) * Fraction(10) ** exponent for v in values),),)
    assert pts == rows and hash(pts) == hash(rows)
    assert pts.nearest_floats().tolist() == [[float(q) for q in rows[0]]]


# --- CSV ----------------------------------------------------------------------------------------------

def test_csv_values_are_the_decimals_written(tmp_path):
    text = "name,height,weight\nA,160,-2.5e-3\nB,0.1,7\nC,1.50,+3E2\n"
    data = read_points(write(tmp_path, text), labels_column="name")
    assert isinstance(data, PointsData) and isinstance(data.points, DecimalPoints)
    assert data.labels == ("A", "B", "C") and data.variables == ("height", "weight") and (data.n, data.d) == (3, 2)
    assert data.points == fractions([["160", "-2.5e-3"], ["0.1", "7"], ["1.50", "3E2"]])
    assert data.points.exponent == -4 and data.points.integers.dtype == np.int64
    assert data.source == str(tmp_path / "data.csv")


def test_mixed_exponents_in_one_column(tmp_path):
    data = read_points(write(tmp_path, "x\n1.5\n2e3\n-0.001\n"))
    assert data.points.exponent == -3 and data.points.integers.ravel().tolist() == [1500, 2000000, -1]
    assert data.points == fractions([["1.5"], ["2e3"], ["-0.001"]])
    assert read_points(write(tmp_path, "x\n1e5\n2e7\n")).points.exponent == 5  # no finer than needed
    assert read_points(write(tmp_path, "x\n160.000\n-170.0\n")).points.integers.ravel().tolist() == [16, -17]


def test_negative_zero_is_zero(tmp_path):
    data = read_points(write(tmp_path, "x,y\n-0,-0.0\n-0e5,0.000\n+0,1\n"))
    assert data.points == ((0, 0), (0, 0), (0, 1)) and hash(data.points) == hash(((0, 0), (0, 0), (0, 1)))
    assert data.points.exponent == 0


def test_every_written_form(tmp_path):
    cells = ["5.", ".5", "+.5e1", "-5E-1", "007", "0.0", "1e+0", "12345678901234567", "-922337203685477580.7",
             "1.234500000000000597e+01", "9.999999999999999999e-3", " 1.5 ", "\t2"]
    text = "x\n" + "\n".join(cells) + "\n"
    data = read_points(write(tmp_path, text))
    assert data.points == fractions([[c.strip()] for c in cells])


def test_huge_but_allowed_integers_take_python_ints(tmp_path):
    big = "9" * 40
    data = read_points(write(tmp_path, f"x,y\n{big},1.5\n-{big}.25,2\n"))
    assert data.points.integers.dtype == object
    assert data.points == fractions([[big, "1.5"], [f"-{big}.25", "2"]])
    five_thousand = 7 * (10**5000 - 1) // 9  # 5,000 sevens: within the default limit of 10,000 digits
    data = read_points(write(tmp_path, "x\n" + "7" * 5000 + "\n0.5\n"))
    assert data.points.fraction(0, 0) == five_thousand and data.points.fraction(1, 0) == Fraction(1, 2)


def test_too_many_digits_are_refused_with_the_limit(tmp_path):
    path = write(tmp_path, "x\n" + "7" * 5000 + "\n")
    with override(number_digits=4000):
        refused(path, "line 2, column 1 (x)", "5,000 digits", "limit of 4,000", "GMMEXACT_LIMIT_NUMBER_DIGITS")
    refused(write(tmp_path, "x\n1." + "3" * 10_001 + "\n"), "10,002 digits", "limit of 10,000")
    refused(write(tmp_path, "x\n1e10001\n"), "exponent", "GMMEXACT_LIMIT_EXPONENT")
    with override(number_digits=50):  # each value allowed, but not at one common scale
        refused(write(tmp_path, "x\n1e-30\n1e30\n"), "line 3, column 1 (x)", "61 digits", "10^-30",
                "GMMEXACT_LIMIT_NUMBER_DIGITS")


@pytest.mark.parametrize("cell, words", [
    ("1/3", ["'1/3', a fraction"]), ("abc", ["'abc', which is not a number", "labels_column"]),
    ("", ["is empty (a missing value)"]), ("NaN", ["'NaN', which is not a finite number"]),
    ("inf", ["'inf', which is not a finite number"]), ("-Infinity", ["not a finite number"]),
    ('"1,234"', ["'1,234', with a thousands separator"]), ('"2,5"', ["'2,5', with a decimal comma"]),
    ("1_000", ["thousands separator"]), ("1 000", ["thousands separator"]), ("1e", ["'1e', which is not a decimal"]),
    ("1.2.3", ["not a decimal"]), ("--1", ["not a decimal"]), ("1e5.5", ["not a decimal"]), ("0x1F", ["not a number"]),
    ("\u22121.5", ["Unicode minus"]), ("25%", ["percentage"]), ("+", ["not a decimal"]), (".", ["not a decimal"]),
    ("1e2e3", ["not a decimal"]), ("'7'", ["in quotes"]),
])
def test_what_is_not_a_decimal_is_refused_with_its_place(tmp_path, cell, words):
    path = write(tmp_path, f"x,y\n1,2\n3,{cell}\n")
    refused(path, "line 3, column 2 (y)", *words)


def test_the_first_bad_value_in_the_file_is_named(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n4,x,y\nz,5,6\n")
    refused(path, "line 3, column 2 (b): is 'x'")


@pytest.mark.parametrize("text, words", [
    ("x,y\n1,2\n3\n", ["line 3: has 1 value(s)", "2 value(s), one per header column"]),
    ("x,y\n1,2\n1,234,5\n", ["line 3: has 3 value(s)", "thousands separator or a decimal comma"]),
    ("x,y\n1,2\n\n3,4\n", ["line 3: is empty, between data lines"]),
    ("1,2\n3,4\n", ["line 1: is '1,2', numbers rather than names"]),
    ("\n1,2\n", ["line 1: is empty", "header"]),
    ("x;y\n1,5;2,5\n", ["separated by semicolons"]),
    ("x,y\n", ["has a header but no data lines"]), ("x,y\n\n\n", ["no data lines"]),
    ("x,x\n1,2\n", ["line 1, column 2: repeats the column name 'x' (line 1, column 1)"]),
    ("x,\n1,2\n", ["line 1, column 2: has an empty column name"]),
    ('x,y\n"1,2\n', ["not valid CSV"]),
])
def test_badly_shaped_csv_is_refused(tmp_path, text, words):
    refused(write(tmp_path, text), *words)


def test_encodings(tmp_path):
    assert read_points(write(tmp_path, "\ufeffx,y\n1,2\n".encode())).variables == ("x", "y")  # byte-order mark
    assert read_points(write(tmp_path, "hauteur,poids\n1,2\n".encode())).variables == ("hauteur", "poids")
    data = read_points(write(tmp_path, "nom,taille\nZoë,1.5\n".encode()), labels_column="nom")
    assert data.labels == ("Zoë",)
    e = refused(write(tmp_path, "nom,taille\nZoë,1.5\n".encode("latin-1")), "line 2", "byte 0xEB at column 3",
                "not UTF-8", "Latin-1", "save the file as UTF-8")
    assert e.field == "line 2"
    refused(write(tmp_path, "x\n1\n".encode("utf-16")), "is UTF-16 text")
    refused(write(tmp_path, b"x\n1\x00\n"), "line 2", "NUL byte")


def test_line_endings_tabs_quotes_and_spaces(tmp_path):
    expected = fractions([["1.5", "2"], ["-3", "4e-1"]])
    assert read_points(write(tmp_path, "x,y\r\n1.5,2\r\n-3,4e-1\r\n")).points == expected
    assert read_points(write(tmp_path, "x,y\r1.5,2\r-3,4e-1")).points == expected
    assert read_points(write(tmp_path, "x\ty\n1.5\t2\n-3\t4e-1\n", "data.tsv")).points == expected
    assert read_points(write(tmp_path, "x, y\n1.5, 2\n -3 ,4e-1 \n")).points == expected
    quoted = read_points(write(tmp_path, 'who,x,y\n"Smith, J",1.5,"2"\n"O""Neil",-3,4e-1\n'), labels_column="who")
    assert quoted.points == expected and quoted.labels == ("Smith, J", 'O"Neil')
    assert read_points(write(tmp_path, '"x","y"\n"1.5",2\n-3,4e-1\n')).points == expected
    refused(write(tmp_path, 'x,y\n"1.5",2\n\n-3,4\n'), "line 3: is empty, between data lines")
    refused(write(tmp_path, 'x,y\n"1.5",2\n-3\n'), "line 3: has 1 value(s)")
    refused(write(tmp_path, 'x,y\n"1.5",2\n-3,"a"\n'), "line 3, column 2 (y): is 'a'")


def test_columns_and_labels(tmp_path):
    path = write(tmp_path, "id,a,b,c\np,1,2,3\nq,4,5,6\n")
    data = read_points(path, columns=["c", "a"], labels_column="id")
    assert data.points == ((3, 1), (6, 4)) and data.variables == ("c", "a") and data.labels == ("p", "q")
    assert read_points(path, columns=[3, 1], labels_column=0).points == data.points
    assert read_points(path, columns=["b"]).points == ((2,), (5,))  # id is not read at all
    refused(path, "columns[0]: names the column 'C'", "did you mean 'c'?", columns=["C"])
    refused(path, "columns[1]: repeats the column 'a'", columns=["a", "a"])
    refused(path, "columns[0]: is the labels column 'id'", columns=["id"], labels_column="id")
    refused(path, "labels_column: is the position 9, but the file has 4 column(s)", labels_column=9)
    refused(path, "columns: is empty", columns=[])
    refused(path, "columns: is 'abc'", columns="abc")
    refused(path, "line 2, column 1 (id): is 'p'", "labels_column")
    refused(write(tmp_path, "id,a\np,1\np,2\n"), "line 3, column 1 (id): repeats the label 'p' (line 2",
            labels_column="id")
    refused(write(tmp_path, "id,a\np,1\n,2\n"), "line 3, column 1 (id): has an empty label", labels_column="id")
    refused(write(tmp_path, "id\np\n"), "has no column of coordinates", labels_column="id")


def test_sizes_are_bounded(tmp_path):
    path = write(tmp_path, "x,y,z\n1,2,3\n4,5,6\n7,8,9\n")
    with override(points=2):
        refused(path, "3 points, more than the limit of 2", "GMMEXACT_LIMIT_POINTS")
        refused(write(tmp_path, 'x,y,z\n"1",2,3\n4,5,6\n7,8,9\n', "q.csv"), "3 points", "GMMEXACT_LIMIT_POINTS")
    with override(dimension=2):
        refused(path, "3 coordinate columns, more than the limit of 2", "GMMEXACT_LIMIT_DIMENSION")
        assert read_points(path, columns=["x", "z"]).d == 2
    with override(file_bytes=10):
        refused(path, "bytes, more than the limit of 10", "GMMEXACT_LIMIT_FILE_BYTES")
    with override(label_chars=3):
        refused(write(tmp_path, "id,x\nabcd,1\n"), "line 2, column 1 (id): 4 characters in a label",
                labels_column="id")


def test_files_that_are_not_there_or_not_data(tmp_path):
    refused(tmp_path / "missing.csv", "file not found")
    refused(tmp_path, "is a directory")
    refused(write(tmp_path, b""), "is empty")
    refused(write(tmp_path, b"PK\x03\x04rest", "a.npz"), "is a .npz archive")
    refused(write(tmp_path, b"x\n1\n", "a.npy"), "is named .npy but does not start with the NumPy magic")
    refused(write(tmp_path, b"x\n1\n", "a.parquet"), "Parquet magic bytes")


def test_a_large_csv_reads_like_loadtxt(tmp_path):
    rng = np.random.default_rng(3)
    X = np.round(rng.normal(scale=30, size=(3000, 4)), 3)
    lines = ["a,b,c,d"] + [",".join(f"{v:.3f}" for v in row) for row in X]
    path = write(tmp_path, "\n".join(lines) + "\n")
    data = read_points(path)
    assert data.points.exponent == -3 and data.points.integers.dtype == np.int64
    assert np.array_equal(data.points.nearest_floats(), np.loadtxt(path, delimiter=",", skiprows=1))
    assert data.points[1234] == tuple(Fraction(t) for t in lines[1235].split(","))
    np.savetxt(tmp_path / "sci.csv", X[:200], delimiter=",", header="a,b,c,d", comments="")  # 19 digits, e+01
    sci = read_points(tmp_path / "sci.csv")
    texts = (tmp_path / "sci.csv").read_text().splitlines()[1:]
    assert sci.points == tuple(tuple(Fraction(t) for t in line.split(",")) for line in texts)


# --- the fast readers agree with the one-by-one reader ------------------------------------------------

decimal_texts = st.builds(
    lambda sign, whole, frac, point, exp: sign + whole + ("." + frac if point else "") + exp,
    st.sampled_from(["", "-", "+"]), st.text("0123456789", min_size=0, max_size=22),
    st.text("0123456789", min_size=0, max_size=22), st.booleans(),
    st.one_of(st.just(""), st.builds(lambda e, s, v: f"{e}{s}{v}", st.sampled_from("eE"),
                                     st.sampled_from(["", "-", "+"]), st.integers(0, 400))),
).filter(lambda t: any(c.isdigit() for c in t.split("e")[0].split("E")[0]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(decimal_texts, min_size=2, max_size=2), min_size=1, max_size=8), st.booleans())
def test_random_decimals_round_trip(tmp_path, rows, quoted):
    q = '"' if quoted else ""
    text = "x,y\n" + "".join(f"{q}{a}{q},{b}\n" for a, b in rows)
    data = read_points(write(tmp_path, text))
    assert data.points == tuple(tuple(Fraction(Decimal(v)) for v in row) for row in rows)
    assert hash(data.points) == hash(tuple(data.points))


junk = st.text(st.sampled_from("0123456789.-+eE x/,"), min_size=0, max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(junk, min_size=1, max_size=10))
def test_cells_read_at_once_as_one_by_one(cells):
    lim = datafiles.current()
    encoded = [c.encode() for c in cells]
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    expected, first_bad = [], None
    for k, c in enumerate(cells):
        try:
            expected.append(datafiles._parse_decimal(c, lim))
        except datafiles._NotDecimal:
            first_bad = k if first_bad is None else first_bad
            expected.append(None)
    if first_bad is not None:
        with pytest.raises(InputError, match=f"^f: cell {first_bad}: "):
            datafiles._parse_cells(buf, lengths, lambda k: f"cell {k}", "f", lim)
        return
    mant, expo = datafiles._parse_cells(buf, lengths, lambda k: f"cell {k}", "f", lim)
    for (m, e), (m2, e2) in zip(zip(mant.tolist(), expo.tolist()), expected):
        assert Fraction(m) * Fraction(10) ** e == Fraction(m2) * Fraction(10) ** e2
        assert (m, e) == (m2, e2)  # both free of trailing zeros


# --- .npy ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", ">f8"])
def test_npy_floats_are_their_binary_values(tmp_path, dtype):
    a = np.array([[0.1, -2.5], [3.0, 1e-3]], dtype=dtype)
    np.save(tmp_path / "a.npy", a)
    data = read_points(tmp_path / "a.npy")
    assert isinstance(data.points, FloatPoints) and data.labels == () and data.variables == ()
    assert data.points == tuple(tuple(Fraction(float(v)) for v in row) for row in a)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", ">i4"])
def test_npy_integers_are_decimal_points(tmp_path, dtype):
    info = np.iinfo(np.dtype(dtype))
    a = np.array([[info.min, info.max], [0, 7]], dtype=dtype)
    np.save(tmp_path / "a.npy", a)
    data = read_points(tmp_path / "a.npy")
    assert isinstance(data.points, DecimalPoints) and data.points.exponent == 0
    assert data.points == ((Fraction(int(info.min)), Fraction(int(info.max))), (Fraction(0), Fraction(7)))
    assert data.points.integers.dtype == (object if dtype == "uint64" else np.int64)


@pytest.mark.parametrize("array, words", [
    (np.array([[True, False]]), ["holds booleans (dtype bool)"]),
    (np.array([[1 + 2j]]), ["complex numbers"]),
    (np.array([["2020-01-01"]], dtype="datetime64[D]"), ["dates"]),
    (np.array([[1]], dtype="timedelta64[s]"), ["time spans"]),
    (np.array([["1.5"]]), ["holds text"]),
    (np.array([[1.5]], dtype=np.longdouble), ["extended-precision"]),
    (np.zeros((2, 1), dtype=[("a", "f8"), ("b", "i4")]), ["records"]),
    (np.array([1.0, 2.0]), ["shape (2,)", "x.reshape(-1, 1)"]),
    (np.zeros((2, 2, 2)), ["shape (2, 2, 2)"]),
    (np.zeros((0, 3)), ["empty array"]),
])
def test_npy_that_is_not_points_is_refused(tmp_path, array, words):
    if array.dtype == np.longdouble and np.finfo(np.longdouble).bits == 64:
        pytest.skip("longdouble is float64 here")
    np.save(tmp_path / "a.npy", array)
    refused(tmp_path / "a.npy", *words)


def test_npy_objects_are_refused_without_unpickling(tmp_path, monkeypatch):
    np.save(tmp_path / "a.npy", np.array([[Fraction(1, 3)]], dtype=object), allow_pickle=True)
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("np.load called"))
    refused(tmp_path / "a.npy", "holds Python objects", "pickle")


def test_npy_header_is_checked_before_loading(tmp_path, monkeypatch):
    np.save(tmp_path / "a.npy", np.zeros((5, 3)))
    calls = []
    real = np.load
    monkeypatch.setattr(np, "load", lambda *a, **k: calls.append(1) or real(*a, **k))
    with override(points=4):
        refused(tmp_path / "a.npy", "5 points, more than the limit of 4")
    with override(dimension=2):
        refused(tmp_path / "a.npy", "3 coordinates per point, more than the limit of 2")
    assert not calls
    assert read_points(tmp_path / "a.npy", columns=[2, 0]).d == 2 and calls


def test_damaged_npy_is_refused(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(12.0).reshape(6, 2))
    whole = (tmp_path / "a.npy").read_bytes()
    write(tmp_path, whole[:-5], "cut.npy")
    refused(tmp_path / "cut.npy", "is truncated", "shape (6, 2)")
    write(tmp_path, whole + b"xyz", "long.npy")
    refused(tmp_path / "long.npy", "3 bytes after the array")
    write(tmp_path, whole[:12] + b"{'descr': <bad" + whole[26:], "bad.npy")
    refused(tmp_path / "bad.npy", "damaged .npy header")
    write(tmp_path, b"\x93NUMPY\x01", "short.npy")
    refused(tmp_path / "short.npy", "damaged .npy header")
    from numpy.lib import format as npformat
    with open(tmp_path / "v3.npy", "wb") as f:
        npformat.write_array(f, np.zeros((2, 2)), version=(3, 0))
    refused(tmp_path / "v3.npy", "format version 3.0")


def test_npy_non_finite_and_selection(tmp_path):
    np.save(tmp_path / "a.npy", np.array([[1.0, 2.0], [3.0, np.nan]]))
    refused(tmp_path / "a.npy", "[1, 1]: is nan, which is not a finite number")
    np.save(tmp_path / "b.npy", np.asfortranarray(np.arange(6, dtype=np.int32).reshape(3, 2)))
    assert read_points(tmp_path / "b.npy").points == ((0, 1), (2, 3), (4, 5))
    assert read_points(tmp_path / "b.npy", columns=[1]).points == ((1,), (3,), (5,))
    refused(tmp_path / "b.npy", "no column names", columns=["x"])
    refused(tmp_path / "b.npy", "holds numbers only", labels_column=0)


# --- Parquet ------------------------------------------------------------------------------------------

def test_parquet_without_pyarrow_says_how_to_install_it(tmp_path, monkeypatch):
    path = write(tmp_path, b"PAR1" + b"\0" * 20 + b"PAR1", "a.parquet")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    refused(path, "reading Parquet needs pyarrow, which is not installed", "pip install pyarrow")


def parquet(tmp_path, columns: dict, **kwargs):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table(columns), path, **kwargs)
    return path


@needs_pyarrow
def test_parquet_floats_ints_and_decimals(tmp_path):
    path = parquet(tmp_path, {"x": pa.array([0.1, -2.5], pa.float64()), "y": pa.array([1.5, 2.0], pa.float32())})
    data = read_points(path)
    assert isinstance(data.points, FloatPoints) and data.variables == ("x", "y")
    assert data.points == ((Fraction(0.1), Fraction(3, 2)), (Fraction(-5, 2), Fraction(2)))
    path = parquet(tmp_path, {"i": pa.array([-3, 2**62], pa.int64()), "u": pa.array([2**64 - 1, 0], pa.uint64()),
                              "d": pa.array([Decimal("1.25"), Decimal("-0.10")], pa.decimal128(10, 2))})
    data = read_points(path)
    assert isinstance(data.points, DecimalPoints) and data.points.integers.dtype == object
    assert data.points == ((Fraction(-3), Fraction(2**64 - 1), Fraction(5, 4)), (Fraction(2**62), 0, Fraction(-1, 10)))
    big = Decimal("-12345678901234567890123456789.123456789")
    path = parquet(tmp_path, {"d": pa.array([big, Decimal(1)], pa.decimal128(38, 9)),
                              "w": pa.array([Decimal("2.5"), Decimal("-7E+3")], pa.decimal256(50, 1))})
    assert read_points(path).points == ((Fraction(big), Fraction(5, 2)), (Fraction(1), Fraction(-7000)))
    path = parquet(tmp_path, {"d": pa.array([Decimal("1.50"), Decimal("-3.00")], pa.decimal128(5, 2))})
    pts = read_points(path).points
    assert pts.integers.dtype == np.int64 and pts.exponent == -1 and pts == ((Fraction(3, 2),), (Fraction(-3),))


@needs_pyarrow
def test_parquet_text_columns_and_labels(tmp_path):
    path = parquet(tmp_path, {"who": ["a", "b", "c"], "x": ["1.5", "-2e3", "0.001"],
                              "y": pa.array([1, 2, 3], pa.int32()), "z": pa.array(["7", "7", "8"]).dictionary_encode()})
    data = read_points(path, labels_column="who")
    assert data.labels == ("a", "b", "c") and data.variables == ("x", "y", "z")
    assert data.points == fractions([["1.5", 1, 7], ["-2e3", 2, 7], ["0.001", 3, 8]])
    assert read_points(path, columns=["y", "x"]).points == fractions([[1, "1.5"], [2, "-2e3"], [3, "0.001"]])
    bad = parquet(tmp_path, {"x": ["1.5", "1/3"]})
    refused(bad, "column x, row 1 (counting from 0): is '1/3', a fraction")
    chunked = tmp_path / "chunks.parquet"
    pq.write_table(pa.table({"x": [f"{k}.5" for k in range(10)]}), chunked, row_group_size=3)
    assert read_points(chunked).points == fractions([[f"{k}.5"] for k in range(10)])


@needs_pyarrow
def test_parquet_that_is_not_points_is_refused(tmp_path):
    refused(parquet(tmp_path, {"x": [1.5, None]}), "column x, row 1 (counting from 0): is null")
    refused(parquet(tmp_path, {"x": [True, False]}), "column x: has type bool")
    refused(parquet(tmp_path, {"x": [1.5, 2.5], "d": pa.array([Decimal("1.5")] * 2, pa.decimal128(4, 1))}),
            "mixes binary float columns (x) with exact decimal columns (d)")
    mixed = read_points(parquet(tmp_path, {"x": [1.5, 2.5], "i": [1, 2]}))
    assert isinstance(mixed.points, FloatPoints) and mixed.points == ((Fraction(3, 2), 1), (Fraction(5, 2), 2))
    refused(parquet(tmp_path, {"x": [1.5, 2.5], "i": [2**60, 1]}), "column i: holds integers past 2^53")
    refused(parquet(tmp_path, {"x": [1.5, float("inf")]}), "column x, row 1 (counting from 0): is inf")
    refused(parquet(tmp_path, {"x": pa.array([], pa.float64())}), "has no rows")
    with override(points=1):
        refused(parquet(tmp_path, {"x": [1.5, 2.5]}), "2 points, more than the limit of 1")
    refused(parquet(tmp_path, {"x": [1.5]}), "columns[0]: names the column 'y'", columns=["y"])
    write(tmp_path, b"PAR1 not really parquet PAR1", "fake.parquet")
    refused(tmp_path / "fake.parquet", "is not a readable Parquet file")


# --- a problem on DecimalPoints ---------------------------------------------------------------------

def test_a_problem_on_decimal_points_is_the_same_exact_problem(tmp_path):
    from dataclasses import replace

    import gmmexact

    path = write(tmp_path, "who,x,y\na,0.5,-1.25\nb,2,3.5e-1\nc,-1.5,2\nd,3.25,0\ne,1,1\n")
    data = read_points(path, labels_column="who")
    args = ([[0, 0], [2, 1]], [[[1, 0], [0, 1]]] * 2, ["1/2", "1/2"])
    slow = gmmexact.Problem.from_arrays(tuple(data.points), *args, labels=data.labels, variables=data.variables)
    quick = replace(slow, points=data.points)
    assert quick == slow and quick.n == 5 and quick.d == 2
    a, b = gmmexact.solve(slow, 1), gmmexact.solve(quick, 1)
    for key in ("mean.1[0]", "cov.2[0][1]", "loglik", "resp.c.1"):
        assert a[key].exact == b[key].exact


# --- unquoted CSV read in pieces: the same values, labels and line numbers as one reading ---------------

@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.integers(-10**6, 10**6), st.integers(0, 5), st.integers(-999, 999)),
                     min_size=1, max_size=60),
       piece=st.integers(1, 200), trailing=st.integers(0, 3))
def test_pieces_give_what_one_reading_gives(tmp_path, monkeypatch, rows, piece, trailing):
    f = tmp_path / "x.csv"
    f.write_text("name,a,b\n" + "".join(f"p{i},{m}e-{e},{v / 100}\n" for i, (m, e, v) in enumerate(rows))
                 + "\n" * trailing)
    whole = read_points(f, labels_column="name")
    monkeypatch.setattr(datafiles, "PIECE_BYTES", piece)
    parts = read_points(f, labels_column="name")
    assert parts.points == whole.points and parts.labels == whole.labels
    assert parts.points.integers.tolist() == whole.points.integers.tolist()


@pytest.mark.parametrize("body, line, words", [
    ("1,2\n3,4\n\n5,6\n", 4, "is empty, between data lines"),
    ("1,2\n3,4\n5,6\n7\n", 5, "1 value"),
    ("1,2\n3,4\n5,6\n7,x\n", 5, "'x'"),
])
def test_pieces_name_the_line_of_a_fault(tmp_path, monkeypatch, body, line, words):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n" + body)
    monkeypatch.setattr(datafiles, "PIECE_BYTES", 4)
    with pytest.raises(InputError) as e:
        read_points(f)
    assert f"line {line}" in str(e.value) and words in str(e.value)


def test_pieces_with_different_decimal_places_join_exactly(tmp_path, monkeypatch):
    """A piece of whole numbers and a piece of thousandths: one common scale, every value exact."""
    f = tmp_path / "x.csv"
    f.write_text("a\n" + "".join(f"{v}\n" for v in range(200)) + "".join(f"0.{v:03d}\n" for v in range(1, 200))
                 + "12345678901234567890\n")
    whole = read_points(f)
    monkeypatch.setattr(datafiles, "PIECE_BYTES", 64)
    parts = read_points(f)
    assert parts.points == whole.points and parts.points.exponent == whole.points.exponent == -3
    assert parts.points[399] == (Fraction(12345678901234567890),)
    with override(number_digits=20):
        with pytest.raises(InputError) as e:
            read_points(f)
    assert "more than the limit of 20" in str(e.value)
