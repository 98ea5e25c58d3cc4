"""Data points read from a file: CSV decimal text read exactly, NumPy ``.npy`` arrays, and Parquet.

:func:`read_points` returns a :class:`PointsData`: the points as
:class:`~gmmexact.model.decimalpoints.DecimalPoints` (exact decimals: integers times one power of
ten) or :class:`~gmmexact.model.floatpoints.FloatPoints` (binary floats, exact binary fractions),
with the labels and variable names the file gives.

* **CSV** (``.csv``; ``.tsv``/``.tab`` are tab-separated): a header row of variable names, then one
  point per line. Each value is decimal text (``160``, ``-2.5e-3``, ``.5``), read as an integer times
  a power of ten with numpy over the whole file at once, never through a binary float. Anything
  else in a data column (``1/3``, ``abc``, an empty cell, ``NaN``, ``inf``, ``1,234``) is refused
  with its line, column and text. UTF-8 (with or without a byte-order mark) only.
* **.npy**: its header is read and checked (a 2-D numeric array within the limits) before the data
  are loaded, without pickle. float16/32/64 → ``FloatPoints``; signed or unsigned integers →
  ``DecimalPoints`` with exponent 0; anything else is refused.
* **Parquet** (needs pyarrow): float columns → ``FloatPoints``; integer and ``decimal128/256``
  columns → ``DecimalPoints`` (a decimal column's scale is its exponent: exact); string columns are
  read as decimal text, like CSV.

Every size is bounded by :mod:`gmmexact.model.limits` (``file_bytes``, ``points``, ``dimension``,
``number_digits``, ``exponent``, ``label_chars``), and every bad file is an
:class:`~gmmexact.model.errors.InputError` naming the file, where in it, what is wrong and what is
expected.
"""
from __future__ import annotations

import codecs
import csv
import difflib
import io
import math
import os
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .decimalpoints import DecimalPoints
from .errors import InputError
from .floatpoints import FloatPoints
from .limits import Limits, current, exceeded

__all__ = ["FILE_KINDS", "PointsData", "read_points"]

FILE_KINDS = "CSV (.csv, .tsv), NumPy (.npy) or Parquet (.parquet)"
DECIMAL_EXAMPLE = "a decimal number such as 160, -2.5e-3 or 0.1"

_NPY_MAGIC = b"\x93NUMPY"
_PARQUET_MAGIC = b"PAR1"
_POW10 = np.array([10**k for k in range(19)], dtype=np.int64)
_INT64_MAX = 2**63 - 1
_BYTES_PER_DIGIT = math.log2(10) / 8  # memory of a Python int per decimal digit

Column = str | int


@dataclass(frozen=True)
class PointsData:
    """The points of a data file, with what the file says about them.

    Attributes
    ----------
    points : DecimalPoints or FloatPoints
        The n × d points, exact.
    labels : tuple of str
        One label per point from the labels column, or ``()`` when none was chosen.
    variables : tuple of str
        One name per coordinate (the chosen columns' names), or ``()`` when the file names none (``.npy``).
    source : str
        The file, as given.
    """

    points: DecimalPoints | FloatPoints
    labels: tuple[str, ...]
    variables: tuple[str, ...]
    source: str

    @property
    def n(self) -> int:
        return len(self.points)

    @property
    def d(self) -> int:
        return (self.points.array if isinstance(self.points, FloatPoints) else self.points.integers).shape[1]


def read_points(path: str | os.PathLike, *, columns: Sequence[Column] | None = None,
                labels_column: Column | None = None) -> PointsData:
    """Read the data points of a CSV, ``.npy`` or Parquet file, exactly.

    Parameters
    ----------
    path : str or PathLike
        The file. Its kind is told by its first bytes (NumPy and Parquet have magic strings), else
        it is read as CSV (tab-separated when named ``.tsv`` or ``.tab``).
    columns : sequence of str or int, optional
        The coordinates, in this order: column names (CSV, Parquet) or 0-based positions. Default:
        every column but the labels column.
    labels_column : str or int, optional
        The column holding the points' labels (CSV, Parquet).

    Returns
    -------
    PointsData

    Raises
    ------
    InputError
        For any file that cannot be used as written: the message names the file, the place (line and
        column, or row and column), what is wrong and what would be right.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "data.csv"
    >>> _ = f.write_text("name,height,weight\\nA,160,-2.5e-3\\nB,0.1,7\\n")
    >>> data = read_points(f, labels_column="name")
    >>> data.labels, data.variables, data.points[1]
    (('A', 'B'), ('height', 'weight'), (Fraction(1, 10), Fraction(7, 1)))
    >>> data.points.integers.tolist(), data.points.exponent
    ([[1600000, -25], [1000, 70000]], -4)
    >>> _ = f.write_text("x\\n1/3\\n")
    >>> read_points(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: ...data.csv: line 2, column 1 (x): is '1/3', a fraction (...); expected a decimal number ...
    """
    src, p, size, kind, sep = examine(path, columns, labels_column, whole=True)
    lim = current()
    if kind == "npy":
        return _read_npy(p, src, size, columns, labels_column, lim)
    if kind == "parquet":
        return _read_parquet(p, src, columns, labels_column, lim)
    return _read_csv(p, src, sep, columns, labels_column, lim)


def examine(path: str | os.PathLike, columns, labels_column, *, whole: bool) -> tuple[str, Path, int, str, str]:
    """A data file checked before it is read: ``(src, path, size, kind, sep)`` with ``kind`` one of
    ``"npy"``, ``"parquet"``, ``"csv"`` (``sep`` its separator). ``whole``: it is to be read whole,
    so its size is bounded by the ``file_bytes`` limit."""
    src = str(path)
    p = Path(path)
    lim = current()
    _check_selection(columns, labels_column, src)
    try:
        if p.is_dir():
            raise InputError(src, None, "is a directory", f"the path of a data file: {FILE_KINDS}")
        size = p.stat().st_size
    except FileNotFoundError:
        raise InputError(src, None, "file not found", f"the path of a data file: {FILE_KINDS}") from None
    except OSError as e:
        raise InputError(src, None, f"cannot be read: {e.strerror or e}", f"a readable data file: {FILE_KINDS}") from None
    if whole and size > lim.file_bytes:
        e = exceeded(src, None, "bytes", size, "file_bytes")
        raise InputError(src, None, e.problem, f"{e.expected}, or the file read in pieces onto disk (--stream)")
    if size == 0:
        raise InputError(src, None, "is empty", f"a data file: {FILE_KINDS}")
    try:
        with open(p, "rb") as f:
            head = f.read(8)
    except OSError as e:
        raise InputError(src, None, f"cannot be read: {e.strerror or e}", f"a readable data file: {FILE_KINDS}") from None
    suffix = p.suffix.lower()
    if head.startswith(_NPY_MAGIC):
        return src, p, size, "npy", ""
    if head.startswith(_PARQUET_MAGIC):
        return src, p, size, "parquet", ""
    if head.startswith(b"PK\x03\x04"):
        what = "a .npz archive" if suffix == ".npz" else "a ZIP archive (an .npz, .xlsx or .zip file?)"
        raise InputError(src, None, f"is {what}", f"one {FILE_KINDS} file (save one array with numpy.save, "
                         "or a sheet as CSV)")
    if suffix == ".npy":
        raise InputError(src, None, "is named .npy but does not start with the NumPy magic string",
                         "a file written by numpy.save")
    if suffix in (".parquet", ".pq"):
        raise InputError(src, None, f"is named {suffix} but does not start with the Parquet magic bytes PAR1",
                         "a Parquet file")
    return src, p, size, "csv", "\t" if suffix in (".tsv", ".tab") else ","


# --- the selection of columns ------------------------------------------------------------------------

def _check_selection(columns, labels_column, src: str) -> None:
    def ok(c):
        return isinstance(c, str) or (isinstance(c, (int, np.integer)) and not isinstance(c, (bool, np.bool_)))

    if labels_column is not None and not ok(labels_column):
        raise InputError(src, "labels_column", f"is {labels_column!r}", "a column name or a 0-based position")
    if columns is not None:
        if isinstance(columns, (str, bytes)) or not isinstance(columns, Sequence) or not all(map(ok, columns)):
            raise InputError(src, "columns", f"is {columns!r}", "a list of column names or 0-based positions")
        if not columns:
            raise InputError(src, "columns", "is empty", "at least one column of coordinates")


def _resolve(names: Sequence[str], columns, labels_column, src: str) -> tuple[list[int], int | None]:
    """The coordinate columns (positions, in the order asked) and the labels column's position."""
    def position(c, field: str) -> int:
        if isinstance(c, str):
            if c in names:
                return names.index(c)
            close = [s for s in names if s.casefold() == c.casefold()] or difflib.get_close_matches(c, names, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            shown = ", ".join(map(repr, names[:20])) + (", …" if len(names) > 20 else "")
            raise InputError(src, field, f"names the column {c!r}, which the file does not have{hint}",
                             f"one of the file's columns: {shown}")
        c = int(c)
        if not 0 <= c < len(names):
            raise InputError(src, field, f"is the position {c}, but the file has {len(names)} column(s)",
                             f"a 0-based position from 0 to {len(names) - 1}")
        return c

    label = None if labels_column is None else position(labels_column, "labels_column")
    if columns is None:
        chosen = [j for j in range(len(names)) if j != label]
    else:
        chosen = [position(c, f"columns[{k}]") for k, c in enumerate(columns)]
        seen: dict[int, int] = {}
        for k, j in enumerate(chosen):
            if j == label:
                raise InputError(src, f"columns[{k}]", f"is the labels column {names[j]!r}",
                                 "coordinate columns other than the labels column")
            if j in seen:
                raise InputError(src, f"columns[{k}]", f"repeats the column {names[j]!r} (also columns[{seen[j]}])",
                                 "each column at most once")
            seen[j] = k
    if not chosen:
        raise InputError(src, None, "has no column of coordinates (only the labels column)",
                         "at least one column of numbers besides the labels")
    return chosen, label


def _check_names(names: Sequence[str], src: str, where: Callable[[int], str], lim: Limits, noun: str) -> None:
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if not name:
            raise InputError(src, where(j), f"has an empty {noun}", f"a non-empty {noun}")
        if len(name) > lim.label_chars:
            raise exceeded(src, where(j), f"characters in a {noun}", len(name), "label_chars")
        if name in seen:
            raise InputError(src, where(j), f"repeats the {noun} {short_text(name)!r} ({where(seen[name])})",
                             f"a different {noun} for each")
        seen[name] = j


def short_text(text: str, width: int = 60) -> str:
    if len(text) <= width:
        return text
    return f"{text[:width * 3 // 4]}…({len(text) - width * 3 // 4 - width // 4:,} more characters)…{text[-(width // 4):]}"


# --- one decimal, as text ------------------------------------------------------------------------------

_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")
_NONFINITE = re.compile(r"[+-]?(?:s?nan|inf|infinity)", re.IGNORECASE)
_FRACTION = re.compile(r"[+-]?[0-9]+\s*/\s*[0-9]+")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:([,_' \u00a0\u202f])[0-9]{3})+(?:\.[0-9]*)?")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+")


class _NotDecimal(Exception):
    def __init__(self, problem: str, expected: str = DECIMAL_EXAMPLE):
        super().__init__(problem)
        self.problem, self.expected = problem, expected


def _int_of(digits: str) -> int:
    """The integer ``digits`` spell (sign and digits), of any length (``int`` stops at 4,300 digits)."""
    if len(digits) <= 4000:
        return int(digits)
    import flint  # only for very long numbers

    return int(flint.fmpz(digits.lstrip("+")))


def _parse_decimal(text: str, lim: Limits) -> tuple[int, int]:
    """``(m, e)`` with value ``m × 10^e`` and ``m`` not a multiple of 10 (unless 0), or ``_NotDecimal``."""
    t = text.strip(" \t")
    match = _DECIMAL.fullmatch(t)
    if not t:
        raise _NotDecimal("is empty (a missing value)", f"{DECIMAL_EXAMPLE} in every coordinate of every point")
    if match is None or not (match[2] or match[3]):
        raise _NotDecimal(_why_not(t))
    sign, whole, frac, exp = match[1], match[2], match[3] or "", match[4]
    digits = (whole + frac).lstrip("0")
    if len(digits) > lim.number_digits:
        raise _NotDecimal(f"has {len(digits):,} digits, more than the limit of {lim.number_digits:,}",
                          f"a number with at most {lim.number_digits:,} digits "
                          "(raise it with GMMEXACT_LIMIT_NUMBER_DIGITS)")
    e = 0
    if exp is not None:
        if len(exp.lstrip("+-").lstrip("0")) > len(str(lim.exponent)) or abs(int(exp)) > lim.exponent:
            raise _NotDecimal(f"is {short_text(t)!r}, whose exponent is past the limit of ±{lim.exponent:,}",
                              f"a decimal exponent within ±{lim.exponent:,} (raise it with GMMEXACT_LIMIT_EXPONENT)")
        e = int(exp)
    e -= len(frac)
    if not digits:
        return 0, 0
    stripped = digits.rstrip("0")
    e += len(digits) - len(stripped)
    m = _int_of(stripped)
    return (-m if sign == "-" else m), e


def _why_not(t: str) -> str:
    shown = repr(short_text(t))
    if _NONFINITE.fullmatch(t):
        return f"is {shown}, which is not a finite number"
    if _FRACTION.fullmatch(t):
        return f"is {shown}, a fraction (data files hold decimals; a problem TOML file takes fractions)"
    if _GROUPED.fullmatch(t):
        return f"is {shown}, with a thousands separator (write 1234.5, not 1,234.5)"
    if _DECIMAL_COMMA.fullmatch(t):
        return f"is {shown}, with a decimal comma (write 2.5, not 2,5)"
    if "\u2212" in t or "\u2013" in t:
        return f"is {shown}, with a Unicode minus or dash (write the ASCII hyphen-minus -)"
    if t[:1] == t[-1:] and t[:1] in "\"'" and len(t) > 1:
        return f"is {shown}, in quotes inside the value"
    if "%" in t:
        return f"is {shown}, a percentage (write 0.25, not 25%)"
    letters = {c for c in t if c.isalpha()}
    if letters and not (letters <= {"e", "E"} and any(c.isdigit() for c in t)):
        return (f"is {shown}, which is not a number (a column of names is read as the points' labels with "
                "labels_column)")
    return f"is {shown}, which is not a decimal number"


# --- many decimals at once ---------------------------------------------------------------------------

# byte classes: 0 padding or other, 1 digit, 2 point, 3 minus, 4 plus
_OTHER, _DIGIT, _POINT, _MINUS, _PLUS = range(5)
_CLASS = np.zeros(256, dtype=np.uint8)
_CLASS[48:58] = _DIGIT
_CLASS[[46, 45, 43]] = [_POINT, _MINUS, _PLUS]
_WIDEST = 21  # bytes of a mantissa read by numpy: a sign, 19 digits and a point
_BLOCK = 1 << 16  # cells read by numpy at a time
_POW10_U64 = np.array([10**k for k in range(19)] + [0] * (_WIDEST + 1 - 19), dtype=np.uint64)


def _parse_cells(buf: np.ndarray, lengths: np.ndarray, where: Callable[[int], str], src: str,
                 lim: Limits) -> tuple[np.ndarray, np.ndarray]:
    """Cells of decimal text, concatenated in ``buf`` (uint8) with the given byte lengths, read exactly.

    Returns ``(m, e)``: per cell the integer ``m`` (int64, or object when some needs a Python int) and the
    exponent ``e`` (int64) of its value ``m × 10^e``, ``m`` free of trailing zeros. Every decimal whose
    mantissa has at most 19 digits and stays below 2^63 (``-12.345``, ``+1.5E-3``,
    ``1.234500000000000597e+01``) is read with numpy, all at once (:func:`_read_matrix`); the other
    cells go one by one through :func:`_parse_decimal`, which reads them (spaces around the number,
    many digits) or says what is wrong with them.
    """
    m = len(lengths)
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    mant = np.zeros(m, dtype=np.int64)
    expo = np.zeros(m, dtype=np.int64)
    todo = lengths > 0
    if todo.any() and lim.number_digits >= 19:
        padded = np.concatenate([np.zeros(_WIDEST, dtype=np.uint8), buf])
        marks = np.flatnonzero((buf | 32) == 101)  # e or E
        cell = np.searchsorted(ends, marks, side="right")
        count = np.bincount(cell, minlength=m)
        plain = np.flatnonzero(todo & (count == 0) & (lengths <= _WIDEST))
        for rows in _blocks(plain):  # blocks of cells: bounded temporaries
            values, frac, ok = _read_matrix(padded, starts[rows], lengths[rows], point=True)
            done = rows[ok]
            mant[done], expo[done] = values[ok], -frac[ok]
            todo[done] = False
        mark = np.zeros(m, dtype=np.int64)
        mark[cell] = marks
        rows = np.flatnonzero(todo & (count == 1))
        head, tail = mark[rows] - starts[rows], ends[rows] - mark[rows] - 1
        scientific = rows[(head >= 1) & (head <= _WIDEST) & (tail >= 1) & (tail <= 6)]
        for rows in _blocks(scientific):
            values, frac, ok = _read_matrix(padded, starts[rows], mark[rows] - starts[rows], point=True)
            power, _, ok2 = _read_matrix(padded, mark[rows] + 1, ends[rows] - mark[rows] - 1, point=False)
            ok &= ok2 & (np.abs(power) <= lim.exponent)
            done = rows[ok]
            mant[done], expo[done] = values[ok], power[ok] - frac[ok]
            todo[done] = False
        del padded, marks, cell, count, mark, plain, scientific, head, tail
        _strip_zeros(mant, expo)
        expo[mant == 0] = 0
    todo |= lengths == 0
    bad = np.flatnonzero(todo)
    if len(bad):
        values = []
        for k in bad.tolist():
            text = bytes(buf[starts[k]:ends[k]]).decode("utf-8", "replace")
            try:
                values.append(_parse_decimal(text, lim))
            except _NotDecimal as e:
                raise InputError(src, where(k), e.problem, e.expected) from None
        big = [v for v, _ in values if not -_INT64_MAX <= v <= _INT64_MAX]
        if big:
            mant = mant.astype(object)
        mant[bad] = [v for v, _ in values] if not big else _objects([v for v, _ in values])
        expo[bad] = [e for _, e in values]
    return mant, expo


def _blocks(rows: np.ndarray):
    for k in range(0, len(rows), _BLOCK):
        yield rows[k:k + _BLOCK]


def _read_matrix(padded: np.ndarray, starts: np.ndarray, lengths: np.ndarray, *, point: bool):
    """Read texts ``[sign] digits [. digits]`` (1 to ``_WIDEST`` bytes each) with numpy.

    ``padded`` is the buffer after ``_WIDEST`` zero bytes. The texts' bytes go into a (width × texts)
    matrix, row k holding the byte k places before each text's end (0 before its start), so that every
    step is a whole-row operation. Returns ``(m, f, ok)``: the integer of the digits (int64), the
    number of digits after the point, and whether the text is such a number (without a point unless
    ``point``) with at most 19 digits and an integer below 2^63.
    """
    width = int(lengths.max())
    ends = starts + lengths
    chars = sliding_window_view(padded, width)[ends + (_WIDEST - width)][:, ::-1].T
    chars = np.where(np.arange(width)[:, None] < lengths, chars, np.uint8(0))
    cls = _CLASS[chars]
    digit = cls == _DIGIT
    points = cls == _POINT
    npoint = points.sum(axis=0, dtype=np.int8)
    nsign = ((cls == _MINUS) | (cls == _PLUS)).sum(axis=0, dtype=np.int8)
    first = padded[starts + _WIDEST]
    ok = (cls == _OTHER).sum(axis=0, dtype=np.int8) == width - lengths  # nothing but padding is "other"
    ok &= digit.any(axis=0) & (npoint <= int(point))
    ok &= (nsign == 0) | ((nsign == 1) & ((first == 45) | (first == 43)))  # a sign only first
    values = np.zeros(len(starts), dtype=np.uint64)  # 19 digits stay below 2^64
    place = np.zeros(len(starts), dtype=np.int8)  # digits so far, from the right
    ones = np.where(digit, chars - np.uint8(48), np.uint8(0))
    for k in range(width):
        values += ones[k] * _POW10_U64[place]
        place += digit[k]
    ok &= (place <= 19) & (values <= np.uint64(_INT64_MAX))
    values = values.astype(np.int64)
    values = np.where(first == 45, -values, values)
    frac = np.where(npoint == 1, np.argmax(points, axis=0), 0).astype(np.int64)
    return values, frac, ok


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _strip_zeros(mant: np.ndarray, expo: np.ndarray) -> None:
    """Divide out trailing zeros in place (int64), so that ``1.50`` does not make the common scale finer."""
    idx = np.flatnonzero((mant % 10 == 0) & (mant != 0))
    while len(idx):
        mant[idx] //= 10
        expo[idx] += 1
        idx = idx[mant[idx] % 10 == 0]


def _digit_counts(mant: np.ndarray, shift: np.ndarray, limit: int) -> np.ndarray:
    """Decimal digits of each ``|m|`` (0 for 0): exact for int64; for Python ints exact where the
    count plus ``shift`` comes near ``limit``, else from the bit length (exact or one short)."""
    if mant.dtype == np.int64:
        return np.searchsorted(_POW10, np.abs(mant), side="right")
    bits = np.fromiter((v.bit_length() for v in mant.tolist()), dtype=np.int64, count=len(mant))
    out = np.where(bits > 0, ((bits - 1) * math.log10(2)).astype(np.int64) + 1, 0)
    for k in np.flatnonzero(out + shift + 1 > limit).tolist():
        v = abs(int(mant[k]))
        out[k] += v >= 10 ** int(out[k])
    return out


def common_scale(mant: np.ndarray, expo: np.ndarray, where: Callable[[int], str], src: str,
                  lim: Limits) -> tuple[np.ndarray, int]:
    """Every ``m × 10^e`` as an integer times one power of ten: the finest among the non-zero values."""
    nonzero = mant != 0
    if not nonzero.any():
        return np.zeros(len(mant), dtype=np.int64), 0
    e0 = int(expo[nonzero].min())
    shift = np.where(nonzero, expo - e0, 0)
    need = np.where(nonzero, _digit_counts(mant, shift, lim.number_digits) + shift, 0)
    k = int(np.argmax(need))
    if need[k] > lim.number_digits:
        raise InputError(src, where(k), f"needs {int(need[k]):,} digits as an integer times 10^{e0} (the finest "
                         f"decimal place in the data), more than the limit of {lim.number_digits:,}",
                         f"values of similar size: at most {lim.number_digits:,} digits from the first digit "
                         "of the largest value to the finest decimal place (raise it with "
                         "GMMEXACT_LIMIT_NUMBER_DIGITS)")
    if mant.dtype == np.int64 and int(need[k]) <= 18:
        return mant * _POW10[shift], e0
    memory = int(need.sum() * _BYTES_PER_DIGIT) + 40 * len(mant)
    if memory > lim.memory_bytes:
        raise exceeded(src, None, "bytes of memory for the data as exact integers (estimated)", memory, "memory_bytes")
    powers: dict[int, int] = {}
    scaled = [v if not s else v * (powers.get(s) or powers.setdefault(s, 10**s))
              for v, s in zip(mant.tolist(), shift.tolist())]
    return _objects(scaled), e0


def _decimal_points(mant: np.ndarray, expo: np.ndarray, n: int, d: int, where, src: str,
                    lim: Limits) -> DecimalPoints:
    ints, e0 = common_scale(mant, expo, where, src, lim)
    return DecimalPoints(ints.reshape(n, d), e0)


# --- CSV -----------------------------------------------------------------------------------------------

def _read_csv(p: Path, src: str, sep: str, columns, labels_column, lim: Limits) -> PointsData:
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise InputError(src, None, f"cannot be read: {e.strerror or e}", f"a readable data file: {FILE_KINDS}") from None
    raw = text_body(text_start(raw, src), src)
    cut = raw.find(b"\n")
    names, chosen, label = csv_header(raw if cut < 0 else raw[:cut], src, sep, columns, labels_column, lim)
    start = len(raw) if cut < 0 else cut + 1  # the body is raw[start:], never copied whole
    d = len(chosen)
    if raw.find(b'"', start) >= 0:
        body = raw[start:]
        if body and not body.endswith(b"\n"):
            body += b"\n"
        mant, expo, labels, lines = _csv_quoted(body, sep, names, chosen, label, src, lim)
        n = len(lines)

        def where(k: int) -> str:
            r, j = divmod(k, d)
            return f"line {lines[r]}, column {chosen[j] + 1} ({names[chosen[j]]})"

        points = _decimal_points(mant, expo, n, d, where, src, lim)
    else:
        points, labels, lines = _csv_pieces(raw, start, sep, names, chosen, label, src, lim)
    del raw
    if label is not None:
        _check_names(labels, src, lambda i: f"line {lines[i]}, column {label + 1} ({names[label]})", lim, "label")
    return PointsData(points, tuple(labels), tuple(names[j] for j in chosen), src)


def text_start(raw: bytes, src: str) -> bytes:
    """The first bytes of a text file without a UTF-8 byte-order mark; UTF-16 refused."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(src, None, "is UTF-16 text", "UTF-8 text (save the file as UTF-8, e.g. \"CSV UTF-8\")")
    return raw[3:] if raw.startswith(codecs.BOM_UTF8) else raw


def text_body(raw: bytes, src: str, first_line: int = 1) -> bytes:
    """Text (a whole file, or a piece cut after a newline whose first line is ``first_line``) checked to be
    UTF-8 without NUL bytes, with its line ends made ``\\n``."""
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            line = raw.count(b"\n", 0, e.start) + first_line
            column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
            shown = raw[max(e.start - 10, raw.rfind(b"\n", 0, e.start) + 1):e.start + 10].decode("latin-1")
            raise InputError(src, f"line {line}", f"byte 0x{raw[e.start]:02X} at column {column} is not UTF-8 "
                             f"(the file looks like Latin-1 or Windows-1252 text: {shown!r})",
                             "UTF-8 text (save the file as UTF-8, e.g. \"CSV UTF-8\")") from None
    if b"\0" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\0")) + first_line
        raise InputError(src, f"line {line}", "holds a NUL byte (a binary file?)", f"a data file: {FILE_KINDS}")
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return raw


def csv_header(header_bytes: bytes, src: str, sep: str, columns, labels_column, lim: Limits):
    """The header line's column names, the chosen coordinate columns and the labels column (checked)."""
    header_text = header_bytes.decode("utf-8")
    if not header_text.strip():
        raise InputError(src, "line 1", "is empty", "a header row of variable names on line 1")
    try:
        names = [s.strip() for s in next(csv.reader([header_text], delimiter=sep, strict=True))]
    except csv.Error as e:
        raise InputError(src, "line 1", f"is not valid CSV: {e}", "a header row of variable names") from None
    if all(_is_decimal(s, lim) for s in names):
        raise InputError(src, "line 1", f"is {short_text(header_text)!r}, numbers rather than names",
                         "a header row of variable names on line 1 (the data start on line 2)")
    if len(names) == 1 and sep == "," and ";" in header_text:
        raise InputError(src, "line 1", f"is {short_text(header_text)!r}, separated by semicolons",
                         "comma-separated values, with a decimal point")
    _check_names(names, src, lambda j: f"line 1, column {j + 1}", lim, "column name")
    chosen, label = _resolve(names, columns, labels_column, src)
    if len(chosen) > lim.dimension:
        raise exceeded(src, "line 1", "coordinate columns", len(chosen), "dimension")
    return names, chosen, label


def _is_decimal(text: str, lim: Limits) -> bool:
    try:
        _parse_decimal(text, lim)
    except _NotDecimal:
        return False
    return True


def too_many(count: int, src: str) -> InputError:
    return exceeded(src, None, "points", count, "points")


def no_points(src: str) -> InputError:
    return InputError(src, None, "has a header but no data lines", "one point per line after the header")


PIECE_BYTES = 8 << 20  # unquoted CSV is indexed this much at a time: its index arrays stay small


def read_piece(piece: bytes, line: int, count: int, blank_from, sep: str, names, chosen, label, src: str,
               lim: Limits):
    """One piece of an unquoted CSV body, from line ``line``, read by :func:`csv_fast`: its values as integers
    at the piece's finest decimal place (``None`` for a piece of blank lines only), with the checks that span
    pieces (a blank line before a later point, the points limit over ``count`` so far). Returns the
    integers (one row per point), their exponent, the labels, the lines, the new count, the first line of
    the trailing blank lines so far and the piece's number of lines."""
    d = len(chosen)
    if not piece.endswith(b"\n"):
        piece += b"\n"
    lines_in_piece = piece.count(b"\n")
    mant, expo, labs, lines, trailing = csv_fast(piece, sep, names, chosen, label, src, lim, first_line=line,
                                                  blank_ok=True)
    ints = e0 = None
    if len(lines):
        if blank_from is not None:
            raise InputError(src, f"line {blank_from}", "is empty, between data lines",
                             f"one point per line ({d} value(s)), no blank line before the last point")
        count += len(lines)
        if count > lim.points:
            raise too_many(count, src)

        def where(k: int, first=lines.start) -> str:
            r, j = divmod(k, d)
            return f"line {first + r}, column {chosen[j] + 1} ({names[chosen[j]]})"

        ints, e0 = common_scale(mant, expo, where, src, lim)
        del mant, expo
        ints = ints.reshape(len(lines), d)
    if trailing and blank_from is None:
        blank_from = line + lines_in_piece - trailing
    return ints, e0, labs, lines, count, blank_from, lines_in_piece


def _csv_pieces(raw: bytes, start: int, sep: str, names, chosen, label, src: str, lim: Limits):
    """The unquoted body ``raw[start:]`` read by :func:`csv_fast` in pieces of about ``PIECE_BYTES`` cut at
    line ends, each piece's values turned into integers at once (its own finest decimal place), then
    all brought to the finest place of the whole: the index arrays (several bytes per byte of text) and
    the digits of one piece exist at a time. The values, labels, line numbers and limits are those of
    one reading of the whole. Returns the points, the labels and the line numbers."""
    d = len(chosen)
    pieces, labels = [], []  # (integers, exponent, first line) per piece, once they cannot share one array
    acc = None  # the int64 integers of every piece so far, at their finest decimal place
    at, line, count, blank_from = start, 2, 0, None
    while at < len(raw):
        cut = raw.find(b"\n", min(at + PIECE_BYTES, len(raw)) - 1)
        end = len(raw) if cut < 0 else cut + 1
        ints, e0, labs, lines, count, blank_from, lines_in_piece = read_piece(
            raw[at:end], line, count, blank_from, sep, names, chosen, label, src, lim)
        if ints is not None:
            item = (ints, e0, lines.start)
            if acc is None and not pieces and ints.dtype == np.int64:  # one array for the whole file's integers
                acc = _Filled(np.empty((len(lines) + raw.count(b"\n", end) + 1, d), dtype=np.int64), 0, e0,
                              lines.start)
            if acc is None or not acc.take(*item[:2]):
                if acc is not None:  # Python integers from here on: the pieces are joined at the end
                    pieces.append((acc.array[:acc.rows], acc.exponent, acc.first))
                    acc = None
                pieces.append(item)
            labels += labs
        line += lines_in_piece
        at = end
    if not count:
        raise no_points(src)
    if acc is not None:  # one int64 array (a view of the rows filled): taken over, not copied
        ints = acc.array[:acc.rows]
        if ints.size:
            _check_digits(len(str(int(np.abs(ints).max()))), acc.exponent, acc.first, src, lim)
        return DecimalPoints.owning(ints, acc.exponent), labels, range(2, 2 + count)
    return _joined(pieces, d, names, chosen, src, lim), labels, range(2, 2 + count)


def _check_digits(digits: int, e0: int, line: int, src: str, lim: Limits) -> None:
    if digits > lim.number_digits:
        raise InputError(src, f"line {line}", f"needs {digits:,} digits as an integer times 10^{e0} (the finest "
                         f"decimal place in the data), more than the limit of {lim.number_digits:,}",
                         "values of similar size (raise it with GMMEXACT_LIMIT_NUMBER_DIGITS)")


class _Filled:
    """The int64 integers of the pieces read so far, in one array with room for the rest of the file:
    ``rows`` filled, all at decimal place ``exponent``."""

    def __init__(self, array: np.ndarray, rows: int, exponent: int, first: int) -> None:
        self.array, self.rows, self.exponent, self.first = array, rows, exponent, first

    def take(self, ints: np.ndarray, exponent: int) -> bool:
        """Append a piece (its integers at ``exponent``), rescaling what is there when the piece is finer;
        ``False`` (nothing changed) when the common scale would not fit int64."""
        if ints.dtype != np.int64:
            return False
        filled = self.array[:self.rows]
        have, new = bool(self.rows and (filled != 0).any()), bool((ints != 0).any())
        e0 = min(self.exponent, exponent) if have and new else (self.exponent if have else exponent)
        up_old, up_new = self.exponent - e0 if have else 0, exponent - e0 if new else 0
        limit = np.iinfo(np.int64).max
        for x, k in ((filled, up_old), (ints, up_new)):
            if k and (k > 18 or (x.size and int(np.abs(x).max()) > limit // int(_POW10[k]))):
                return False
        if self.rows + len(ints) > len(self.array):  # not expected: the room was counted from line ends
            self.array = np.concatenate([filled, np.empty((len(ints), ints.shape[1]), dtype=np.int64)])
        if up_old:
            self.array[:self.rows] *= _POW10[up_old]
        self.array[self.rows:self.rows + len(ints)] = ints * _POW10[up_new] if up_new else ints
        self.rows += len(ints)
        self.exponent = e0
        return True


def _joined(pieces, d: int, names, chosen, src: str, lim: Limits) -> DecimalPoints:
    """Pieces of integers at their own decimal places, brought to the finest of them (exactly)."""
    places = [e0 for ints, e0, _ in pieces if ints.size and (ints != 0).any()]
    e0 = min(places) if places else 0
    out = []
    for ints, e, first in pieces:
        shift = e - e0 if (ints != 0).any() else 0
        if shift:
            block = DecimalPoints(ints, e).scaled_integers(e0)
            if block.size:
                top = int(np.abs(block).max()) if block.dtype == np.int64 else max(abs(int(v)) for v in block.ravel())
                _check_digits(len(str(top)), e0, first, src, lim)
            ints = np.asarray(block)
        out.append(ints)
    if any(a.dtype != np.int64 for a in out):
        out = [a.astype(object) for a in out]
    return DecimalPoints(np.concatenate(out) if len(out) > 1 else out[0], e0)


def csv_fast(body: bytes, sep: str, names, chosen, label, src: str, lim: Limits, first_line: int = 2,
              blank_ok: bool = False):
    """Unquoted CSV: the lines and cells found with numpy, the chosen cells gathered and read at once.

    ``first_line``: the line number of ``body``'s first line. ``blank_ok``: a piece of a longer body,
    which may hold no point; then the number of blank lines that end it is returned as well."""
    ncols, d = len(names), len(chosen)
    b = np.frombuffer(body, dtype=np.uint8)
    if not len(b):
        raise no_points(src)
    newline = b == 10
    delim = newline | (b == ord(sep))
    ends = np.flatnonzero(delim)  # each cell ends at a separator or a newline
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts
    last_cell = np.flatnonzero(newline[ends])  # each line's last cell
    per_line = np.diff(last_cell, prepend=-1)
    blank = (per_line == 1) & (lengths[last_cell] == 0)
    filled = np.flatnonzero(~blank)
    if not len(filled):
        if blank_ok:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), [], range(0), len(blank)
        raise no_points(src)
    nlines = int(filled[-1]) + 1  # blank lines after the last point are allowed
    inner_blank = np.flatnonzero(blank[:nlines])
    if len(inner_blank):
        raise InputError(src, f"line {int(inner_blank[0]) + first_line}", "is empty, between data lines",
                         f"one point per line ({d} value(s)), no blank line before the last point")
    if nlines > lim.points:
        raise too_many(nlines, src)
    wrong = np.flatnonzero(per_line[:nlines] != ncols)
    if len(wrong):
        i = int(wrong[0])
        first = int(last_cell[i] - per_line[i] + 1)
        text = body[starts[first]:ends[last_cell[i]]].decode("utf-8")
        raise _wrong_width(src, i + first_line, int(per_line[i]), ncols, text, names, sep)
    first_cell = last_cell[:nlines] - (ncols - 1)
    labels = []
    if label is not None:
        lc = first_cell + label
        labels = [body[s:e].decode("utf-8").strip(" \t") for s, e in zip(starts[lc].tolist(), ends[lc].tolist())]
    if d == ncols and chosen == list(range(ncols)):
        # every cell of the first nlines lines, in order (what follows is blank lines, all newlines)
        buf = b[~delim]
        cell_lengths = lengths[:nlines * ncols]
    else:
        cells = (first_cell[:, None] + np.asarray(chosen)[None, :]).ravel()
        cell_lengths = lengths[cells]
        offsets = np.cumsum(cell_lengths) - cell_lengths
        buf = b[np.arange(int(cell_lengths.sum())) + np.repeat(starts[cells] - offsets, cell_lengths)]
        del cells, offsets
    trailing = len(blank) - nlines
    del newline, delim, ends, starts, lengths, last_cell, per_line, blank, first_cell  # memory for the reading

    def where(k: int) -> str:
        r, j = divmod(k, d)
        return f"line {r + first_line}, column {chosen[j] + 1} ({names[chosen[j]]})"

    mant, expo = _parse_cells(buf, cell_lengths, where, src, lim)
    lines = range(first_line, nlines + first_line)
    if blank_ok:
        return mant, expo, labels, lines, trailing
    return mant, expo, labels, lines


def _wrong_width(src: str, line: int, got: int, ncols: int, text: str, names, sep: str) -> InputError:
    hint = ""
    if got > ncols and sep == "," and re.search(r"[0-9],[0-9]{3}(?![0-9])", text):
        hint = " (a thousands separator or a decimal comma splits a number in two)"
    return InputError(src, f"line {line}", f"has {got} value(s): {short_text(text)!r}{hint}",
                      f"{ncols} value(s), one per header column ({short_text(', '.join(names))})")


def _csv_quoted(body: bytes, sep: str, names, chosen, label, src: str, lim: Limits):
    """CSV with quoted fields: the csv module finds the cells; the chosen ones are read at once as above."""
    ncols = len(names)
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""), delimiter=sep, strict=True)
    cells: list[str] = []
    labels: list[str] = []
    lines: list[int] = []
    blank_at = None
    seen = 0
    try:
        for row in reader:
            line = seen + 2
            seen = reader.line_num
            if not row:
                blank_at = blank_at or line
                continue
            if blank_at is not None:
                raise InputError(src, f"line {blank_at}", "is empty, between data lines",
                                 f"one point per line ({len(chosen)} value(s)), no blank line before the last point")
            if len(row) != ncols:
                raise _wrong_width(src, line, len(row), ncols, sep.join(row), names, sep)
            if len(lines) >= lim.points:
                raise too_many(len(lines) + 1, src)
            cells.extend(row[j] for j in chosen)
            if label is not None:
                labels.append(row[label].strip(" \t"))
            lines.append(line)
    except csv.Error as e:
        raise InputError(src, f"line {reader.line_num + 1}", f"is not valid CSV: {e}",
                         "comma-separated values, quotes closed on the same field") from None
    if not lines:
        raise no_points(src)
    encoded = [c.encode("utf-8") for c in cells]
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    cell_lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    d = len(chosen)

    def where(k: int) -> str:
        r, j = divmod(k, d)
        return f"line {lines[r]}, column {chosen[j] + 1} ({names[chosen[j]]})"

    mant, expo = _parse_cells(buf, cell_lengths, where, src, lim)
    return mant, expo, labels, lines


# --- .npy ------------------------------------------------------------------------------------------------

def _read_npy(p: Path, src: str, size: int, columns, labels_column, lim: Limits) -> PointsData:
    shape, _, dtype, _, chosen = npy_plan(p, src, size, columns, labels_column, lim)
    expected = "a 2-D numeric array of shape (n, d) saved with numpy.save"
    d = shape[1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = np.load(p, allow_pickle=False)
    except Exception as e:  # noqa: BLE001 - the header was checked: anything now is a damaged file
        raise InputError(src, None, f"cannot be loaded ({type(e).__name__}: {e})", expected) from None
    if chosen != list(range(d)):
        a = a[:, chosen]
    if dtype.kind == "f":
        return PointsData(_float_points(a, src, lambda i, j: f"[{i}, {chosen[j]}]"), (), (), src)
    return PointsData(DecimalPoints(a, 0), (), (), src)


def npy_plan(p: Path, src: str, size: int, columns, labels_column, lim: Limits):
    """A ``.npy`` file's header checked: ``(shape, fortran_order, dtype, data offset, chosen columns)``."""
    from numpy.lib import format as npformat

    expected = "a 2-D numeric array of shape (n, d) saved with numpy.save"
    if labels_column is not None:
        raise InputError(src, "labels_column", "is given, but a .npy file holds numbers only",
                         "labels in the problem file, or a CSV or Parquet file with a labels column")
    try:
        with open(p, "rb") as f, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # numpy's note on headers written by Python 2
            version = npformat.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = npformat.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = npformat.read_array_header_2_0(f)
            else:
                raise InputError(src, None, f"is a .npy file of format version {version[0]}.{version[1]}",
                                 "format 1.0 or 2.0, which numpy.save writes for numeric arrays")
            offset = f.tell()
    except InputError:
        raise
    except OSError as e:
        raise InputError(src, None, f"cannot be read: {e.strerror or e}", expected) from None
    except Exception as e:  # noqa: BLE001 - numpy's header parser raises ValueError, SyntaxError, TokenError, …
        raise InputError(src, None, f"has a damaged .npy header ({type(e).__name__}: {e})", expected) from None
    what = _npy_dtype_problem(dtype)
    if what:
        raise InputError(src, None, f"holds {what} (dtype {dtype})", expected)
    if len(shape) != 2:
        hint = " (a single variable: save x.reshape(-1, 1))" if len(shape) == 1 else ""
        raise InputError(src, None, f"holds an array of shape {shape}{hint}", expected)
    n, d = shape
    if n == 0 or d == 0:
        raise InputError(src, None, f"holds an empty array of shape {shape}", "at least one point and one coordinate")
    if n > lim.points:
        raise too_many(n, src)
    chosen = list(range(d))
    if columns is not None:
        if any(isinstance(c, str) for c in columns):
            raise InputError(src, "columns", f"is {list(columns)!r}, but a .npy file has no column names",
                             "0-based column positions")
        chosen, _ = _resolve([str(j) for j in range(d)], [int(c) for c in columns], None, src)
    if len(chosen) > lim.dimension:
        raise exceeded(src, None, "coordinates per point", len(chosen), "dimension")
    wanted = offset + n * d * dtype.itemsize
    if size != wanted:
        problem = (f"is truncated: {size:,} bytes" if size < wanted else f"has {size - wanted:,} bytes after the array")
        raise InputError(src, None, f"{problem}, where its header says {wanted:,} (shape {shape}, dtype {dtype})",
                         "a complete file written by numpy.save")
    return shape, fortran, dtype, offset, chosen


def _npy_dtype_problem(dtype: np.dtype) -> str | None:
    if dtype.hasobject:
        return "Python objects (reading them would need pickle, which is never used)"
    if dtype.names is not None or dtype.subdtype is not None:
        return "records (a structured array)"
    return {"b": "booleans", "c": "complex numbers", "M": "dates", "m": "time spans", "U": "text",
            "S": "bytes", "V": "raw bytes"}.get(dtype.kind) or (
        "extended-precision floats" if dtype.kind == "f" and dtype.itemsize > 8 else None) or (
        None if dtype.kind in "fiu" else f"values of kind {dtype.kind!r}")


def _float_points(a: np.ndarray, src: str, where: Callable[[int, int], str]) -> FloatPoints:
    finite = np.isfinite(a)
    if not finite.all():
        i, j = (int(x) for x in np.argwhere(~finite)[0])
        raise InputError(src, where(i, j), f"is {float(a[i, j])}, which is not a finite number",
                         "finite numbers (NaN and infinity are not data points)")
    return FloatPoints(a)


# --- Parquet ---------------------------------------------------------------------------------------------

def _read_parquet(p: Path, src: str, columns, labels_column, lim: Limits) -> PointsData:
    pa, pf, names, chosen, label, kinds, n = parquet_plan(p, src, columns, labels_column, lim)
    try:
        table = pf.read(columns=[names[j] for j in sorted(set(chosen) | ({label} - {None}))])
    except (pa.ArrowException, OSError, ValueError) as e:
        raise InputError(src, None, f"cannot be read ({e})", "a readable Parquet file") from None
    d = len(chosen)
    values = []
    for j in chosen:
        arr = arrow_array(table.column(names[j]), src, names[j])
        values.append(arrow_values(pa, arr, kinds[j], src, names[j], lim))
    labels: tuple[str, ...] = ()
    if label is not None:
        arr = arrow_array(table.column(names[label]), src, names[label])
        labels = tuple(str(v).strip() for v in arr.to_pylist())
        _check_names(labels, src, lambda i: f"column {names[label]}, row {i} (counting from 0)", lim, "label")
    variables = tuple(names[j] for j in chosen)
    if "float" in kinds.values():
        cols = []
        for j, v in zip(chosen, values):
            if kinds[j] == "float":
                cols.append(v)
                continue
            ints = v[0]
            if ints.dtype != np.int64 or (ints.size and int(np.abs(ints).max()) > 2**53):
                raise InputError(src, f"column {names[j]}", "holds integers past 2^53 beside float columns",
                                 "integers that float64 holds exactly, or every column as integers or decimals")
            cols.append(ints.astype(np.float64))
        return PointsData(_float_points(np.column_stack(cols), src,
                                        lambda i, k: f"column {names[chosen[k]]}, row {i} (counting from 0)"),
                          labels, variables, src)
    mant = np.column_stack([v[0] for v in values]).ravel()  # int64, or object when some column needs it
    expo = np.column_stack([v[1] for v in values]).ravel()

    def where(k: int) -> str:
        i, c = divmod(k, d)
        return f"column {names[chosen[c]]}, row {i} (counting from 0)"

    return PointsData(_decimal_points(mant, expo, n, d, where, src, lim), labels, variables, src)


def parquet_plan(p: Path, src: str, columns, labels_column, lim: Limits):
    """A Parquet file's schema checked: pyarrow, the open file, its column names, the chosen coordinate
    columns, the labels column, each chosen column's kind (:func:`_arrow_kind`) and the number of rows."""
    try:
        import pyarrow as pa  # optional dependency
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(src, None, "is a Parquet file, and reading Parquet needs pyarrow, which is not installed",
                         "pyarrow installed (pip install pyarrow), or the data as CSV or .npy") from None
    try:
        pf = pq.ParquetFile(p)
        schema = pf.schema_arrow
        n = pf.metadata.num_rows
    except (pa.ArrowException, OSError, ValueError) as e:
        raise InputError(src, None, f"is not a readable Parquet file ({e})", "a Parquet file") from None
    names = list(schema.names)
    _check_names(names, src, lambda j: f"column {j + 1}", lim, "column name")
    chosen, label = _resolve(names, columns, labels_column, src)
    if len(chosen) > lim.dimension:
        raise exceeded(src, None, "coordinate columns", len(chosen), "dimension")
    if n > lim.points:
        raise too_many(n, src)
    if n == 0:
        raise InputError(src, None, "has no rows", "one row per point")
    kinds = {}
    for j in chosen:
        t = schema.field(j).type
        kinds[j] = _arrow_kind(pa, t)
        if kinds[j] is None:
            raise InputError(src, f"column {names[j]}", f"has type {t}",
                             "numbers (float, integer or decimal) or decimal text")
    if "float" in kinds.values() and {"decimal", "text"} & set(kinds.values()):
        floats = [names[j] for j in chosen if kinds[j] == "float"]
        exact = [names[j] for j in chosen if kinds[j] in ("decimal", "text")]
        raise InputError(src, None, f"mixes binary float columns ({', '.join(floats)}) with exact decimal columns "
                         f"({', '.join(exact)})", "all coordinate columns float, or all exact (integer, decimal "
                         "or decimal text): cast them to the type you mean")
    return pa, pf, names, chosen, label, kinds, n


def _arrow_kind(pa, t) -> str | None:
    if pa.types.is_dictionary(t):
        return _arrow_kind(pa, t.value_type)
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_integer(t):
        return "int"
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _: False)(t):
        return "text"
    return None


def arrow_array(chunked, src: str, name: str, first_row: int = 0):
    arr = chunked.combine_chunks() if hasattr(chunked, "combine_chunks") else chunked
    if hasattr(arr, "dictionary_decode"):
        arr = arr.dictionary_decode()
    if arr.null_count:
        i = int(np.flatnonzero(~arr.is_valid().to_numpy(zero_copy_only=False))[0]) + first_row
        raise InputError(src, f"column {name}, row {i} (counting from 0)", "is null (a missing value)",
                         "a value in every coordinate of every point")
    return arr


def arrow_values(pa, arr, kind: str, src: str, name: str, lim: Limits, first_row: int = 0):
    """A float64 array (``float``), or ``(m, e)`` per value as in :func:`_parse_cells` (the others);
    ``first_row``: the file's row of ``arr``'s first value (for the places in messages)."""
    n = len(arr)
    if kind == "float":
        return arr.to_numpy(zero_copy_only=False).astype(np.float64)
    if kind == "int":
        a = arr.to_numpy(zero_copy_only=False)
        if a.dtype == np.uint64 and a.size and int(a.max()) > _INT64_MAX:
            a = _objects([int(v) for v in a.tolist()])
        else:
            a = a.astype(np.int64)
        return a, np.zeros(n, dtype=np.int64)
    if kind == "decimal":
        width = arr.type.byte_width
        raw = np.frombuffer(arr.buffers()[1], dtype=np.uint8)[arr.offset * width:(arr.offset + n) * width]
        if width in (4, 8):
            mant = raw.view(f"<i{width}").astype(np.int64)
        else:
            limbs = raw.view("<u8").reshape(n, width // 8)
            low = limbs[:, 0].view(np.int64)
            extension = (low >> 63).view(np.uint64)
            if (limbs[:, 1:] == extension[:, None]).all():
                mant = low.copy()
            else:
                rows = raw.reshape(n, width)
                mant = _objects([int.from_bytes(r.tobytes(), "little", signed=True) for r in rows])
        expo = np.full(n, -arr.type.scale, dtype=np.int64)
        if mant.dtype == np.int64:
            _strip_zeros(mant, expo)
        else:
            for k, v in enumerate(mant.tolist()):
                while v and v % 10 == 0:
                    v //= 10
                    expo[k] += 1
                mant[k] = v
        return mant, expo
    arr = arr.cast(pa.large_string())
    buffers = arr.buffers()
    offsets = np.frombuffer(buffers[1], dtype="<i8")[arr.offset:arr.offset + n + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, dtype=np.uint8)
    buf = data[int(offsets[0]):int(offsets[-1])]
    return _parse_cells(buf, np.diff(offsets), lambda i: f"column {name}, row {i + first_row} (counting from 0)",
                        src, lim)
