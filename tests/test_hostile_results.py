"""Hostile results files and peers for ``gmmexact crosscheck``: each case ends within seconds with exit
status 2 and one line naming the file, the field and what would be right, or with a cross-check (exit
0 or 1) when the file holds legitimate float results; never with an internal error. The zip bombs and
the headers declaring huge arrays are read in a subprocess under a 1.5 GB address-space limit."""
from __future__ import annotations

import codecs
import functools
import io
import json
import os
import struct
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npformat

from gmmexact import load
from gmmexact.cli.commands import main
from gmmexact.crosschecking.peers import crosscheck, largest_results_file, read_results
from gmmexact.model import limits
from gmmexact.model.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "seed" / "problem.toml")  # K = 2 (women, men), d = 2, n = 6 (A to F)
GOOD_MEAN = [165.0, 60.0]


def cli(capsys, *args: str) -> tuple[int, str, str]:
    start = time.perf_counter()
    code = main(["crosscheck", SEED, *args])
    assert time.perf_counter() - start < 10
    out, err = capsys.readouterr()
    assert "internal error" not in err and "Traceback" not in err
    return code, out, err


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def npy_header(shape, descr: str = "<f8", fortran: bool = False) -> bytes:
    buf = io.BytesIO()
    npformat.write_array_header_1_0(buf, {"descr": descr, "fortran_order": fortran, "shape": shape})
    return buf.getvalue()


def zip_of(members: dict, compression=zipfile.ZIP_STORED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def with_flag(archive: bytes, flag: int) -> bytes:
    """The archive with general-purpose flag bits set on its first member (local and central headers)."""
    data = bytearray(archive)
    central = data.index(b"PK\x01\x02")
    for at in (6, central + 8):
        data[at:at + 2] = struct.pack("<H", struct.unpack("<H", data[at:at + 2])[0] | flag)
    return bytes(data)


@functools.cache
def deflated_zeros(header: bytes, megabytes: int) -> tuple[bytes, int]:
    """``header`` and zeros up to ``megabytes`` MiB, deflated, and their CRC-32, in about a second: a 1 MiB
    block of zeros compressed after a full flush is the same bytes every time."""
    zeros = bytes(1 << 20)
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = squeeze.compress(header + zeros[len(header):]) + squeeze.flush(zlib.Z_FULL_FLUSH)
    block = squeeze.compress(zeros) + squeeze.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(header + zeros[len(header):])
    for _ in range(megabytes - 1):
        crc = zlib.crc32(zeros, crc)
    return first + block * (megabytes - 1) + squeeze.flush(), crc


def zip_bomb(path: Path, member: str, header: bytes, megabytes: int, declared: int | None = None) -> None:
    """An archive of one deflated member, ``header`` then zeros up to ``megabytes`` MiB; ``declared``
    replaces the uncompressed size its zip directory states (a lying directory)."""
    data, crc = deflated_zeros(header, megabytes)
    name = member.encode()
    fields = (20, 0, 8, 0, 0x21, crc, len(data), megabytes << 20 if declared is None else declared, len(name))
    local = b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", *fields, 0) + name
    central = b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", 20, *fields, 0, 0, 0, 0, 0, 0) + name
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    path.write_bytes(local + data + central + end)


# --- results files: each hostile case, its exit status and what the message says -------------------

DEEP = "[" * 100_000 + "]" * 100_000
HOSTILE_FILES = [
    # JSON
    ("bigint.json", b'{"mean.women": [1' + b"0" * 5000 + b', 60]}', "mean.women[0]: 10000", "beyond float64's range"),
    ("overflow.json", b'{"loglik": -1e400}', "loglik: -1e400", "beyond float64's range"),
    ("true.json", b'{"loglik": true}', "loglik", "is true, a boolean"),
    ("true_in_list.json", b'{"mean.women": [165, false]}', "mean.women[1]", "is false, a boolean"),
    ("deep.json", ('{"loglik": ' + DEEP + "}").encode(), "deep.json", "nests arrays or objects too deeply"),
    ("nested.json", b'{"mean.women": ' + b"[" * 40 + b"1" + b"]" * 40 + b"}", "mean.women", "more than the limit of 32"),
    ("string.json", b'{"loglik": "-41.7"}', "loglik", "is the string '-41.7'"),
    ("string_list.json", b'{"mean.women": "[165, 60]"}', "mean.women", "is the string '[165, 60]'"),
    ("object.json", b'{"mean.women": {"x": 165}}', "mean.women", "is a JSON object"),
    ("object_in_list.json", b'{"mean": [[165, 60], {"x": 1}]}', "mean[1]", "is a JSON object"),
    ("list_in_scalar.json", b'{"mean": [[165, [60]], [1, 2]]}', "mean[0][1]", "is a list where a number belongs"),
    ("ragged.json", b'{"mean": [[165, 60], [175]]}', "mean[1]", "has 1 entries where its neighbours have 2"),
    ("shape.json", b'{"cov.women": [1, 2, 3, 4]}', "cov.women", "has shape (4,); expected shape (2, 2)"),
    ("duplicate.json", b'{"loglik": -41.7, "loglik": -40}', "loglik", "appears twice in one object"),
    ("top_array.json", b"[1, 2]", "top_array.json", "is a JSON array"),
    ("top_null.json", b"null", "top_null.json", "is a JSON null"),
    ("top_true.json", b"true", "top_true.json", "is a JSON boolean"),
    ("latin1.json", '{"_about": "café", "loglik": -41.7}'.encode("latin-1"), "latin1.json", "is not UTF-8 text: byte 0xe9"),
    ("broken.json", b'{"loglik": -41.7,', "line 1, column 18", "is not valid JSON"),
    ("empty.json", b"", "line 1, column 1", "is not valid JSON"),
    ("unknown.json", b'{"colour": 3}', "colour", "is not a quantity key"),
    ("long_key.json", ('{"mean.' + "w" * 100_000 + '": [1, 2]}').encode(), "is a key of 100005 characters", ""),
    ("far.json", b'{"iter999999.mean": [[1, 2], [3, 4]]}', "iter999999.mean", "beyond the 1 iteration(s) compared"),
    ("far_entry.json", b'{"iter999999.cov.women[0][1]": 1}', "iter999999.cov.women[0][1]", "nothing is computed"),
    ("very_far.json", b'{"iter' + b"9" * 300 + b'.loglik": 1}', "iteration of ten digits or more", ""),
    # CSV
    ("big_field.csv", b"key,value\nloglik," + b"1" * 200_000 + b"\n", "line 2 (loglik)", "beyond float64's range"),
    ("big_list.csv", b'key,value\nmean.women,"[' + b"1, " * 100_000 + b'1]"\n', "mean.women", "has shape (100001,)"),
    ("latin1.csv", "key,value\n# poids moyen, café\nloglik,-41.7\n".encode("latin-1"), "line 2", "is not UTF-8 text"),
    ("nul.csv", b"key,value\nloglik,-41.7\x00\n", "line 2", "holds a NUL character"),
    ("short_row.csv", b"key,value\nloglik\n", "line 2 (loglik)", "has 1 field"),
    ("long_row.csv", b"key,value\nmean.women[0],165,60\n", "line 2 (mean.women[0])", "has 3 fields"),
    ("header_only.csv", b"key,value\n", "header_only.csv", "holds no values"),
    ("overflow.csv", b"key,value\nloglik,1e400\n", "line 2 (loglik)", "1e400 is beyond float64's range"),
    ("hex_overflow.csv", b"key,value\nloglik,0x1p99999\n", "line 2 (loglik)", "beyond float64's range"),
    ("word.csv", b"key,value\nloglik,true\n", "line 2 (loglik)", "'true' is not a number"),
    ("arabic.csv", "key,value\nloglik,\u0664\u0661\n".encode(), "line 2 (loglik)", "is not a number"),
    ("twice.csv", b"key,value\nloglik,-41.7\nloglik,-41.8\n", "line 3 (loglik)", "a second value (line 2"),
    ("bad_list.csv", b'key,value\nmean.women,"[165, [60"\n', "line 2 (mean.women)", "is not valid JSON"),
    ("deep.csv", b'key,value\nmean.women,"' + DEEP.encode() + b'"\n', "line 2 (mean.women)", "nests arrays"),
    ("ten_million_rows.csv", b"key,value\n" + b"#\n" * 10_000_000, "ten_million_rows.csv: is 20000010 bytes",
     "more than any results file for this problem needs"),
    ("unquoted.csv", b'key,value\nmean.women,"[165, 60]"x\n', "line 2 (mean.women)", "is not valid JSON: Extra data"),
    # NPZ
    ("object.npz", npz_bytes(mean=np.array([[1.0, None], [2.0, 3.0]], dtype=object)), "mean", "holds Python objects"),
    ("bool.npz", npz_bytes(mean=np.ones((2, 2), dtype=bool)), "mean", "is a boolean array"),
    ("complex.npz", npz_bytes(mean=np.ones((2, 2), dtype=complex)), "mean", "is a complex array"),
    ("datetime.npz", npz_bytes(mean=np.zeros((2, 2), dtype="datetime64[s]")), "mean", "is a date or time array"),
    ("timedelta.npz", npz_bytes(mean=np.zeros((2, 2), dtype="timedelta64[s]")), "mean", "is a date or time array"),
    ("structured.npz", npz_bytes(mean=np.zeros((2, 2), dtype=[("a", "<f8")])), "mean", "is a structured array"),
    ("strings.npz", npz_bytes(mean=np.array([["165", "60"], ["185", "80"]])), "mean", "is an array of strings"),
    ("longdouble.npz", npz_bytes(mean=np.ones((2, 2), dtype=np.longdouble)), "mean", "(long double)"),
    ("big_ints.npz", npz_bytes(count=np.array([2**60 + 1, 3])), "count", "integers beyond 2^53"),
    ("shape.npz", npz_bytes(mean=np.zeros((3, 3))), "mean", "has shape (3, 3); expected shape (2, 2)"),
    ("huge_header.npz", zip_of({"resp.npy": npy_header((10**12,)) + bytes(8)}), "resp",
     "has shape (1000000000000,); expected shape (6, 2)"),
    ("huge_square.npz", zip_of({"mean.npy": npy_header((10**6, 10**6)) + bytes(8)}), "mean", "has shape (1000000, 1000000)"),
    ("short_member.npz", zip_of({"mean.npy": npy_header((2, 2)) + bytes(8)}), "mean",
     "declares 136 bytes uncompressed in the zip directory, but its header (float64, shape (2, 2)) needs 160"),
    ("garbage_member.npz", zip_of({"mean.npy": b"garbage" * 10}), "mean", "is not a .npy array (it starts with b'garb'"),
    ("zip_in_zip.npz", zip_of({"mean.npy": npz_bytes(mean=np.zeros((2, 2)))}), "mean", "a zip archive inside the archive"),
    ("no_suffix.npz", zip_of({"mean": npy_header((2, 2)) + bytes(32)}), "mean", "is not a .npy array"),
    ("folder_member.npz", zip_of({"sub/mean.npy": npy_header((2, 2)) + bytes(32)}), "sub/mean", "is not a quantity key"),
    ("encrypted.npz", with_flag(zip_of({"mean.npy": npy_header((2, 2)) + bytes(32)}), 0x1), "mean", "is encrypted"),
    ("bzip2.npz", zip_of({"mean.npy": npy_header((2, 2)) + bytes(32)}, zipfile.ZIP_BZIP2), "mean",
     "is compressed with zip method 12"),
    ("bad_crc.npz", zip_of({"mean.npy": npy_header((2, 2)) + bytes(32)}).replace(bytes(32), b"\x01" * 32, 1), "mean",
     "cannot be read: BadZipFile"),
    ("version3.npz", zip_of({"mean.npy": b"\x93NUMPY\x03\x00" + npy_header((2, 2))[8:] + bytes(32)}), "mean",
     "format version 3.0"),
    ("bad_header.npz", zip_of({"mean.npy": b"\x93NUMPY\x01\x00\x10\x00{'descr': oops}\n" + bytes(32)}), "mean",
     "cannot be read"),
    ("far.npz", npz_bytes(**{"iter999999.mean": np.zeros((2, 2))}), "iter999999.mean", "nothing is computed"),
    ("bad_mask.npz", npz_bytes(mean=np.full((2, 2), np.nan), **{"_blank.mean": np.ones(3, dtype=bool)}), "_blank.mean",
     "expected a boolean array of shape (2, 2)"),
    ("float_mask.npz", npz_bytes(mean=np.full((2, 2), np.nan), **{"_blank.mean": np.ones((2, 2))}), "_blank.mean",
     "is a float64 array"),
    ("not_zip.npz", b"hello, world", "not_zip.npz", "is not an NPZ archive (not a zip file)"),
    ("npy.npz", npy_header((2, 2)) + bytes(32), "npy.npz", "is a single .npy array"),
    ("half.npz", npz_bytes(mean=np.zeros((2, 2)))[:200], "half.npz", "is not an NPZ archive"),
    ("empty.npz", zip_of({}), "empty.npz", "holds no values"),
    # any format
    ("results.txt", b"loglik -41.7\n", "results.txt", "has the extension '.txt'"),
]


@pytest.mark.parametrize("name, content, where, what", HOSTILE_FILES, ids=[case[0] for case in HOSTILE_FILES])
def test_hostile_results_file_is_refused_naming_the_field(tmp_path, capsys, name, content, where, what):
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = cli(capsys, "--with", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"gmmexact: error: {path}") and err.count("\n") == 1, err
    assert where in err and what in err and "; expected " in err, err


def test_an_npz_with_a_member_twice_is_refused(tmp_path, capsys):
    path = tmp_path / "twice.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mean.npy", npy_header((2, 2)) + bytes(32))
        with pytest.warns(UserWarning, match="Duplicate name"):
            z.writestr("mean.npy", npy_header((2, 2)) + bytes([1]) * 32)
    code, _, err = cli(capsys, "--with", str(path))
    assert code == 2 and "mean: is in the archive twice; expected each key once" in err


@pytest.mark.parametrize("make", ["folder", "fifo", "missing", "long name"])
def test_a_results_path_that_is_not_a_readable_file(tmp_path, capsys, make):
    path = tmp_path / "r.json"
    if make == "folder":
        path.mkdir()
    elif make == "fifo":
        os.mkfifo(path)  # reading it would wait for a writer forever
    elif make == "long name":
        path = tmp_path / ("r" * 5000 + ".json")
    code, _, err = cli(capsys, "--with", str(path))
    expected = {"folder": "is a folder", "fifo": "is not a regular file", "missing": "file not found",
                "long name": "cannot be read: File name too long"}[make]
    assert code == 2 and expected in err


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"mean.women": GOOD_MEAN}))
    seed = load(SEED)
    with limits.override(file_bytes=10), pytest.raises(InputError) as e:
        read_results(str(path), seed)
    assert str(e.value) == (f"{path}: 29 bytes, more than the limit of 10; expected at most 10 (raise it with "
                            f"GMMEXACT_LIMIT_FILE_BYTES)")


def test_the_size_a_results_file_may_have_grows_with_the_problem_and_the_iterations():
    seed = load(SEED)
    assert largest_results_file(seed, 1) == 1361200  # every entry of iterations 1 and 2, three names each, + 1 MiB
    assert largest_results_file(seed, 3) - (1 << 20) == 2 * (largest_results_file(seed, 1) - (1 << 20))


# --- legitimate float results: read as the values they are ------------------------------------------

def values_of(path: Path, **kw) -> dict:
    return {str(r.key): r.value for r in read_results(str(path), load(SEED), **kw).reported}


@pytest.mark.parametrize("name, content", [
    ("bom.json", codecs.BOM_UTF8 + b'{"mean.women": [165, 60.0]}'),
    ("utf16.json", '{"mean.women": [165, 60.0]}'.encode("utf-16")),
    ("utf16le.json", '{"mean.women": [165, 60.0]}'.encode("utf-16-le")),
    ("utf32.json", '{"mean.women": [165, 60.0]}'.encode("utf-32")),
    ("bom.csv", codecs.BOM_UTF8 + b"key,value\nmean.women[0],165\nmean.women[1],60\n"),
    ("utf16.csv", "key,value\nmean.women,\"[165, 60]\"\n".encode("utf-16")),
    ("crlf.csv", b"key,value\r\nmean.women[0],165\r\nmean.women[1],6e1\r\n"),
    ("hex.csv", b"key,value\nmean.women[0],0x1.4ap+7\nmean.women[1],0x3cp0\n"),
    ("trailing_empty.csv", b"key,value,\nmean.women[0],165,\nmean.women[1],60,\n"),
    ("fortran.npz", npz_bytes(mean=np.asfortranarray([[165.0, 60.0], [185.0, 80.0]]))),
    ("float32.npz", npz_bytes(mean=np.array([[165, 60], [185, 80]], dtype=np.float32))),
    ("ints.npz", npz_bytes(mean=np.array([[165, 60], [185, 80]], dtype=np.int16))),
    ("big_endian.npz", npz_bytes(mean=np.array([[165, 60], [185, 80]], dtype=">f8"))),
    ("compressed.npz", None),
])
def test_legitimate_encodings_and_layouts_read_the_same_values(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        np.savez_compressed(path, mean=np.array([[165.0, 60.0], [185.0, 80.0]]), _about=np.array("notes"))
    else:
        path.write_bytes(content)
    got = values_of(path)
    assert got["mean.women[0]"] == 165.0 and got["mean.women[1]"] == 60.0
    if name.endswith(".npz"):
        assert got["mean.men[0]"] == 185.0 and got["mean.men[1]"] == 80.0 and len(got) == 4


def test_non_finite_values_are_a_failure_named_nan_not_a_crash(tmp_path, capsys):
    (tmp_path / "r.json").write_text('{"mean.women": [NaN, 60.0], "weight.men": Infinity, "loglik": -Infinity}')
    (tmp_path / "r.csv").write_text("key,value\nmean.women[0],nan\nweight.men,INF\nloglik,-infinity\n")
    np.savez(tmp_path / "r.npz", mean=np.array([[np.nan, 60.0], [np.nan, np.nan]]),
             weight=np.array([np.nan, np.inf]), loglik=np.array(-np.inf),
             **{"_blank.mean": np.array([[False, False], [True, True]])})
    for name in ("r.json", "r.csv", "r.npz"):
        code, out, _ = cli(capsys, "--with", str(tmp_path / name), "--format", "json")
        doc = json.loads(out)
        floats = {q["key"]: q["float"] for q in doc["quantities"]}
        assert code == 1 and floats["mean.women[0]"] == "nan" and floats["loglik"] == "-inf", name
        assert "mean.men[0]" not in floats  # the template's blank, not a value
        (finding,) = [f for f in doc["findings"] if f["kind"] == "non-finite"]
        assert "NaN" in finding["message"] and "-Inf" in finding["message"].replace("−", "-")


def test_extreme_finite_floats_are_compared_without_warnings(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"loglik": 1.7976931348623157e308, "mean.women": [5e-324, -0.0],
                                "cov.women": [[-1.7976931348623157e308, 1e-300], [2.2250738585072014e-308, 1e308]]}))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an overflow while ordering them would be an internal error
        code, out, err = cli(capsys, "--with", str(path), "--format", "json")
    assert code == 1 and err == ""
    digits = {q["key"]: q["correct_digits"] for q in json.loads(out)["quantities"]}
    assert digits["loglik"] == 0 and digits["mean.women[0]"] == 0 and len(digits) == 7


def test_decimals_round_to_the_nearest_float_and_hex_floats_are_exact(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("key,value\nmean.women[0],0.1\nmean.women[1],0x1.999999999999ap-4\n"
                    "cov.women[0][0],4.9e-324\ncov.women[0][1],1e-400\n")
    got = values_of(path)
    assert got["mean.women[0]"] == got["mean.women[1]"] == 0.1
    assert got["cov.women[0][0]"] == 5e-324 and got["cov.women[0][1]"] == 0.0  # nearest float64, as any reader


def test_iterations_up_to_the_e_step_after_the_last_are_read(tmp_path, capsys):
    path = tmp_path / "r.json"
    path.write_text('{"iter2.loglik": -40.0}')
    assert [k for k in values_of(path, iterations=1)] == ["iter2.loglik"]
    path.write_text('{"iter3.loglik": -40.0}')
    with pytest.raises(InputError, match="iter3.loglik: is a value of iteration 3.*--iterations 2 or more"):
        read_results(str(path), load(SEED), iterations=1)
    code, out, err = cli(capsys, "--with", str(path), "--iterations", "2", "--format", "json")
    assert code == 1 and err == ""  # compared with iteration 3, which the seed cannot reach (singular)
    assert [u["key"] for u in json.loads(out)["peer"]["unmatched"]] == ["iter3.loglik"]


def test_iterations_estimated_past_the_limits_are_refused_before_solving():
    def em(X, weights, means, covariances, *, iterations, **kw):
        return {f"iter{iterations}.weight": weights}

    start = time.perf_counter()
    with pytest.raises(limits.TooExpensive, match="99999 iterations of 6 points .* --force to run it anyway"):
        crosscheck(em, start=load(SEED), iterations=99_999)
    assert time.perf_counter() - start < 5


# --- zip bombs and huge declared sizes, under an address-space limit ---------------------------------

BOUNDED = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1536 << 20, 1536 << 20))
    from gmmexact.cli.commands import main
    sys.exit(main(["crosscheck", sys.argv[1], "--with", sys.argv[2]]))
""")


def run_bounded(path: Path, problem: str = SEED) -> tuple[int, str, float]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", BOUNDED, problem, str(path)], capture_output=True, text=True,
                          timeout=60, env=env, cwd=ROOT, check=False)
    return done.returncode, done.stderr, time.perf_counter() - start


@pytest.fixture(scope="module")
def hundred_points(tmp_path_factory) -> str:
    """A problem of 100 points (K = 2, d = 2): results files of up to about 20 MB are plausible for it."""
    path = tmp_path_factory.mktemp("big") / "big.toml"
    subprocess.run([sys.executable, str(ROOT / "examples" / "make_big.py"), str(path), "--points", "100"],
                   check=True, capture_output=True)
    return str(path)


def test_a_2_gb_zip_bomb_is_larger_than_any_results_file_of_a_small_problem(tmp_path):
    path = tmp_path / "bomb.npz"
    zip_bomb(path, "resp.npy", npy_header((100, 2)), 2048)
    code, err, _ = run_bounded(path)
    assert code == 2 and f"bomb.npz: is {path.stat().st_size} bytes, more than any results file for this " \
                         "problem needs (at most 1361200 bytes" in err, err


@pytest.mark.parametrize("case", ["honest directory", "lying directory", "declared 2 GB array"])
def test_a_2_gb_zip_bomb_is_refused_in_bounded_memory(tmp_path, hundred_points, case):
    path = tmp_path / "bomb.npz"
    header = npy_header((100, 2)) if case != "declared 2 GB array" else npy_header((2**28,))
    zip_bomb(path, "resp.npy", header, 2048, declared=len(header) + 1600 if case == "lying directory" else None)
    assert path.stat().st_size < 3 << 20
    code, err, seconds = run_bounded(path, hundred_points)
    expected = {"honest directory": "resp: declares 2147483648 bytes uncompressed in the zip directory, but its "
                                    "header (float64, shape (100, 2)) needs 1728",
                "lying directory": "resp: cannot be read: BadZipFile: Bad CRC-32",
                "declared 2 GB array": "resp: has shape (268435456,); expected shape (100, 2)"}[case]
    assert code == 2 and expected in err and "internal error" not in err, err
    assert seconds < 20


def test_a_header_declaring_a_trillion_values_is_refused_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.npz"
    path.write_bytes(zip_of({"resp.npy": npy_header((10**6, 10**6)) + bytes(64)}, zipfile.ZIP_DEFLATED))
    code, err, _ = run_bounded(path)
    assert code == 2 and "resp: has shape (1000000, 1000000); expected shape (6, 2)" in err


def test_the_bounded_run_itself_fits_the_limit(tmp_path):
    path = tmp_path / "ok.npz"
    path.write_bytes(npz_bytes(mean=np.array([[165.0, 60.0], [185.0, 80.0]])))
    code, err, _ = run_bounded(path)
    assert code == 1 and err == ""  # a cross-check ran (185, 80 are not the updated means)


# --- module:function peers --------------------------------------------------------------------------

SIGNATURE = "def f(X, w, m, S, **kw):\n"
PEERS = {  # module source (after SIGNATURE where it starts with a space), exit status, words of the message
    "raises": (" raise ZeroDivisionError('bad step')", 1, "ZeroDivisionError"),
    "exits": (" import sys; sys.exit(3)", 1, "SystemExit"),
    "prints": (" print('hello'); return {'mean': m}", 1, ""),
    "wrong_shape": (" return {'mean': m[0]}", 2, "mean: has shape (2,); expected shape (2, 2)"),
    "a_list": (" return [m]", 2, "returned list"),
    "none": (" return None", 2, "returned NoneType"),
    "empty": (" return {}", 2, "returned no values"),
    "string_value": (" return {'loglik': 'low'}", 2, "loglik: is the string 'low'"),
    "set_value": (" return {'mean.women': {1.0, 2.0}}", 2, "mean.women: is set"),
    "generator": (" return {'mean.women': (v for v in m[0])}", 2, "is generator"),
    "object_array": (" return {'mean': m.astype(object)}", 1, ""),
    "object_array_with_text": (" a = m.astype(object); a[1, 0] = 'x'; return {'mean': a}", 2,
                               "mean[1, 0]: is the string 'x'"),
    "bool_array": (" return {'mean': m > 0}", 2, "mean: is a boolean array"),
    "complex": (" return {'loglik': 1j}", 2, "loglik: is complex"),
    "huge_int": (" return {'loglik': 10**5000}", 2, "which float64 cannot hold exactly"),
    "bad_array_like": (" class A:\n  def __array__(self, *a, **k): raise RuntimeError('no')\n return {'loglik': A()}",
                       2, "numpy cannot read as an array"),
    "bad_mapping": ((" from collections import UserDict\n class M(UserDict):\n"
                     "  def __getitem__(self, k): raise KeyError(k)\n return M(loglik=1.0)"), 1, "KeyError"),
    "far_key": (" return {'iter999999.mean': m}", 2, "iter999999.mean: is a value of iteration"),
    "nested_lists": (" v = 1.0\n for _ in range(10000): v = [v]\n return {'loglik': v}", 2,
                     "loglik: 33 levels of nested lists"),
    "import_fails": ("raise ZeroDivisionError('at import')", 2,
                     "importing module 'peer_import_fails' raised ZeroDivisionError: at import"),
    "import_exits": ("import sys\nsys.exit(7)", 2, "importing module 'peer_import_exits' raised SystemExit: 7"),
    "not_callable": ("f = 3", 2, "is not callable"),
    "no_function": ("g = 3", 2, "has no 'f'"),
}


@pytest.mark.parametrize("name", list(PEERS))
def test_a_hostile_function_is_a_finding_or_an_input_error(tmp_path, capsys, monkeypatch, name):
    source, status, words = PEERS[name]
    (tmp_path / f"peer_{name}.py").write_text(SIGNATURE + source if source.startswith(" ") else source)
    monkeypatch.syspath_prepend(str(tmp_path))
    code, out, err = cli(capsys, "--with", f"peer_{name}:f", "--format", "json")
    assert code == status, err
    if status == 2:
        assert out == "" and words in err and "; expected " in err, err
    else:
        doc = json.loads(out)  # what the function printed went to standard error
        assert words in json.dumps(doc["findings"]), doc["findings"]
        if name == "prints":
            assert err == "hello\n"


def test_a_module_that_does_not_exist(capsys):
    code, _, err = cli(capsys, "--with", "no_such_module_anywhere:f")
    assert code == 2 and "cannot import module 'no_such_module_anywhere'" in err


def test_a_function_may_return_arrays_lists_and_numpy_scalars(capsys):
    def em(X, weights, means, covariances, **kw):
        return {"loglik": np.float64(-41.5), "mean": np.array([[165.0, 60.0], [185.0, 80.0]]),
                "weight.women": np.float32(0.5), "count": [3, 3.0], "cov.men[0][1]": np.array(2.0), "resp.A.men": None}

    report = crosscheck(em, start=load(SEED))
    got = {str(k): float(v) for k, v in zip(report.entries.keys, report.entries.floats)}
    assert got == {"loglik": -41.5, "mean.women[0]": 165.0, "mean.women[1]": 60.0, "mean.men[0]": 185.0,
                   "mean.men[1]": 80.0, "weight.women": 0.5, "count.women": 3.0, "count.men": 3.0,
                   "cov.men[0][1]": 2.0}


# --- mutated templates: read or refused, never anything else ----------------------------------------

INSERTED = (b"[", b"]", b"{", b"}", b",", b'"', b"null", b"true", b"NaN", b"1e400", b"\x00", b"\xe9", b"9" * 400,
            b"\n", b"\r", b":", b"iter9.", b"iter99999999999.", b"[0]", b"#", b"0x1p3", b"PK\x03\x04")


def mutated(data: bytes, rng: np.random.Generator) -> bytes:
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        at, op = int(rng.integers(0, len(out) + 1)), rng.random()
        if op < 0.3 and out:
            out[min(at, len(out) - 1)] ^= 1 << int(rng.integers(0, 8))
        elif op < 0.55:
            out[at:at] = INSERTED[int(rng.integers(0, len(INSERTED)))]
        elif op < 0.75:
            del out[at:at + int(rng.integers(1, 20))]
        elif op < 0.85:
            del out[at:]
        else:
            start = int(rng.integers(0, len(out) + 1))
            out[at:at] = out[start:start + int(rng.integers(1, 40))]
    return bytes(out)


def test_every_mutation_of_a_template_is_read_or_refused_with_a_one_line_reason(tmp_path):
    import gmmexact
    from gmmexact.crosschecking.peers import template

    seed = load(SEED)
    run = gmmexact.solve(seed, iterations=2)
    rng = np.random.default_rng(12)
    outcomes = {"read": 0, "refused": 0}
    for suffix in (".json", ".csv", ".npz"):
        blank = template(run, f"t{suffix}")
        blank = blank.encode() if isinstance(blank, str) else blank
        path = tmp_path / f"r{suffix}"
        for _ in range(150):
            path.write_bytes(mutated(blank, rng))
            try:
                read_results(str(path), seed, iterations=1)
                outcomes["read"] += 1
            except InputError as e:
                assert "\n" not in str(e) and str(e).startswith(str(path))
                outcomes["refused"] += 1
    assert outcomes["read"] > 0 and outcomes["refused"] > 0


def test_a_csv_template_quotes_labels_with_commas_and_quotes_and_reads_back(tmp_path, capsys):
    import csv

    problem = tmp_path / "p.toml"
    problem.write_text(textwrap.dedent('''
        [data]
        labels = [",", "a\\"b"]
        points = [[1, 2], [3, 5]]
        [[components]]
        mean = [1, 2]
        covariance = [[1, 0], [0, 1]]
        weight = 0.5
        [[components]]
        mean = [3, 4]
        covariance = [[1, 0], [0, 1]]
        weight = 0.5
        '''), encoding="utf-8")
    template = tmp_path / "t.csv"
    assert main(["crosscheck", str(problem), "--template", str(template)]) == 0
    rows = list(csv.reader(template.open(encoding="utf-8")))
    assert rows[:4] == [["key", "value"], ["resp.,.1", ""], ["resp.,.2", ""], ['resp.a"b.1', ""]]
    for row in rows[1:]:
        row[1] = "0.5" if row[0].startswith("resp.") else ""
    with (tmp_path / "r.csv").open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    capsys.readouterr()
    assert main(["crosscheck", str(problem), "--with", str(tmp_path / "r.csv")]) == 1  # read; the values are wrong
    assert "error" not in capsys.readouterr().err
