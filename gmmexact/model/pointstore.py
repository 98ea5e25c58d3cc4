"""Large points files held on disk: a binary array read in pieces, memory-mapped, never whole in memory.

A CSV (or Parquet, or a ``.npy`` of another type than int64/float64) of 10^7 points read whole takes
gigabytes of text, index arrays and integers. Streamed instead (``read_points(..., stream=True)``, the
command line's ``--stream``, or automatically for files over :data:`STREAM_BYTES`), it is read in pieces
of ``datafiles.PIECE_BYTES`` with the same parser, the same limits and the same error messages (file,
line, column, what is wrong, what is right), and each piece's integers are written to a ``.npy`` file in
a scratch directory:

* **the store**: ``gmmexact-points-<key>.npy``, int64 integers at the finest decimal place of the whole
  file (pieces read at a coarser place are rescaled in place once the finest is known) or float64
  values, beside ``gmmexact-points-<key>.json`` (the exponent, the shape, the variables, each column's
  range). ``<key>`` is a hash of the source's absolute path, size, modification time and the columns
  chosen: a second run with the same ``--scratch`` directory reuses the store (and says so on standard
  error). Nothing is ever written over a file gmmexact did not write: a name taken by another file is
  an error.
* **where**: a temporary directory removed when the process exits, unless ``scratch`` (``--scratch
  DIR``, or the ``GMMEXACT_SCRATCH`` environment variable) names one: then it stays, and on a cluster
  whose workers mount that directory at the same path, each worker reads its own rows from it.
* **a ``.npy`` file of int64 or float64 values** (C order, all columns) is not converted: it is
  memory-mapped where it is.
* **labels** (a labels column) are kept on disk too, beside the store, read when asked for
  (:class:`StoredLabels`); checking that they are unique takes 8 bytes per point while reading.

The points are then a :class:`~gmmexact.model.decimalpoints.DecimalPoints` (or
:class:`~gmmexact.model.floatpoints.FloatPoints`) over a read-only ``numpy.memmap``, so everything
downstream works unchanged; the fast tier reads such points block by block through :func:`store_of`
and :func:`read_rows` (fresh buffers, not the mapping: pages of a mapping count in a process's resident
memory for as long as it lives).
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import shutil
import struct
import sys
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np

from . import datafiles
from .datafiles import PointsData
from .decimalpoints import DecimalPoints
from .errors import InputError
from .floatpoints import FloatPoints
from .limits import Limits, current, exceeded

__all__ = ["read_points", "STREAM_BYTES", "Store", "StoredLabels", "read_rows", "store_of", "streaming"]

STREAM_BYTES = 256 << 20  # files larger than this are streamed unless told otherwise
BLOCK_ROWS = 1 << 16  # rows read or rescaled at a time
HEADER_BYTES = 128  # the .npy header of a store: a fixed length, written last
STORE_VERSION = 1
_INT64_MAX = 2**63 - 1
_PREFIX = "gmmexact-points-"

_SETTINGS: list[dict] = []


def read_points(path: str | os.PathLike, *, columns=None, labels_column=None, stream: bool | None = None,
                scratch: str | os.PathLike | None = None) -> PointsData:
    """:func:`gmmexact.model.datafiles.read_points`, or the file read in pieces into a store on disk.

    Parameters
    ----------
    path, columns, labels_column
        As :func:`~gmmexact.model.datafiles.read_points`.
    stream : bool, optional
        ``True``: into a store (the points are then a read-only memory map, and memory does not grow
        with their number); ``False``: whole, in memory; ``None``: as :func:`streaming` says, else into
        a store when the file is larger than :data:`STREAM_BYTES`.
    scratch : str or PathLike, optional
        The store's directory (default: as :func:`scratch_setting` says, else a temporary directory
        removed at exit). A store there is reused by a later run on the same, unchanged file.

    Raises
    ------
    InputError
        As the whole-file reader: the same checks, limits (but ``file_bytes``, which bounds files read
        whole) and messages; and for what a store cannot hold (quoted CSV fields, integers past int64).
    """
    try:
        size = os.stat(path).st_size
    except (OSError, TypeError, ValueError):
        size = 0  # the whole-file reader says what is wrong
    if not wants_stream(size, stream):
        return datafiles.read_points(path, columns=columns, labels_column=labels_column)
    src, p, size, kind, sep = datafiles.examine(path, columns, labels_column, whole=False)
    lim = current()
    folder = scratch_setting(scratch)
    if kind == "npy":
        return npy_points(p, src, size, columns, labels_column, lim, folder)
    if kind == "parquet":
        return parquet_points(p, src, columns, labels_column, lim, folder)
    return csv_points(p, src, sep, columns, labels_column, lim, folder)


@contextlib.contextmanager
def streaming(stream: bool | None = None, scratch: str | os.PathLike | None = None) -> Iterator[None]:
    """Inside the block, data files are streamed (``True``), read whole (``False``) or as their size says
    (``None``), with stores in ``scratch`` (``None``: as outside the block). Blocks nest."""
    _SETTINGS.append({"stream": stream, "scratch": scratch})
    try:
        yield
    finally:
        _SETTINGS.pop()


def _setting(name: str):
    for s in reversed(_SETTINGS):
        if s[name] is not None:
            return s[name]
    return None


def wants_stream(size: int, stream: bool | None = None) -> bool:
    """Whether a data file of ``size`` bytes is streamed: ``stream`` if given, else the :func:`streaming`
    setting, else whether it is larger than :data:`STREAM_BYTES`."""
    if stream is None:
        stream = _setting("stream")
    return bool(stream) if stream is not None else size > STREAM_BYTES


def scratch_setting(scratch: str | os.PathLike | None = None) -> str | None:
    """The scratch directory asked for: ``scratch``, else the :func:`streaming` setting, else
    ``GMMEXACT_SCRATCH``, else ``None`` (a temporary directory)."""
    if scratch is None:
        scratch = _setting("scratch")
    if scratch is None:
        scratch = os.environ.get("GMMEXACT_SCRATCH") or None
    return None if scratch is None else str(scratch)


_TEMPORARY: list[Path] = []


def _directory(scratch: str | None) -> Path:
    if scratch is None:
        if not _TEMPORARY:
            path = Path(tempfile.mkdtemp(prefix="gmmexact-store-"))
            atexit.register(shutil.rmtree, path, ignore_errors=True)
            _TEMPORARY.append(path)
        return _TEMPORARY[0]
    path = Path(scratch)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputError(scratch, None, "is a file, not a directory", "a directory for the points store (--scratch DIR)"
                         ) from None
    except OSError as e:
        raise InputError(scratch, None, f"cannot be made a directory: {e.strerror or e}",
                         "a writable directory for the points store (--scratch DIR)") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise InputError(scratch, None, "is not writable", "a writable directory for the points store (--scratch DIR)")
    return path


def _note(text: str) -> None:
    try:
        print(f"gmmexact: note: {text}", file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


# --- reading the rows of a store ----------------------------------------------------------------------

def read_rows(path: str, offset: int, dtype: str, d: int, a: int, b: int) -> np.ndarray:
    """Rows ``a:b`` of the ``(n, d)`` array of ``dtype`` at byte ``offset`` of ``path``, as a fresh array
    (read, not mapped: the memory is the block's and goes with it)."""
    count = (b - a) * d
    out = np.fromfile(path, dtype=dtype, count=count, offset=offset + a * d * np.dtype(dtype).itemsize)
    if out.size != count:
        raise InputError(path, None, f"is shorter than its header says (rows {a} to {b} asked)",
                         "the points store as written (remove it to have it written again)")
    return out.reshape(b - a, d)


@dataclass(frozen=True)
class Store:
    """An ``(n, d)`` array of int64 (``kind="decimal"``: value = integer × 10^exponent) or float64 values
    in a ``.npy`` file, with each column's range and the largest magnitude."""

    path: str
    offset: int
    n: int
    d: int
    dtype: str
    kind: str
    exponent: int
    top: float | int  # the largest |value| (Python int for decimals)
    lo: tuple
    hi: tuple
    integral: bool  # every value is an integer

    def read(self, a: int, b: int) -> np.ndarray:
        return read_rows(self.path, self.offset, self.dtype, self.d, a, b)

    def blocks(self, rows: int = BLOCK_ROWS) -> Iterator[tuple[int, np.ndarray]]:
        for a in range(0, self.n, rows):
            yield a, self.read(a, min(a + rows, self.n))


_OPEN: dict[str, Store] = {}


def store_of(points) -> Store | None:
    """The store whose memory map ``points`` (DecimalPoints or FloatPoints) are, else ``None``."""
    if isinstance(points, DecimalPoints):
        a = points.integers
    elif isinstance(points, FloatPoints):
        a = points.array
    else:
        return None
    if not isinstance(a, np.memmap) or not getattr(a, "filename", None):
        return None
    store = _OPEN.get(os.path.abspath(a.filename))
    if store is None or a.shape != (store.n, store.d) or not a.flags.c_contiguous or a.offset != store.offset:
        return None
    return store


def _summary(blocks, kind: str, d: int, src: str, where=None) -> dict:
    """Each column's range, the largest magnitude and (floats) whether all are integers, block by block;
    floats are checked to be finite (``where(i, j)`` names a place)."""
    lo, hi, top, integral = [None] * d, [None] * d, 0, True
    for a, block in blocks:
        if not len(block):
            continue
        if kind == "float":
            finite = np.isfinite(block)
            if not finite.all():
                i, j = (int(x) for x in np.argwhere(~finite)[0])
                raise InputError(src, where(a + i, j), f"is {float(block[i, j])}, which is not a finite number",
                                 "finite numbers (NaN and infinity are not data points)")
            integral = integral and bool(np.array_equal(block, np.rint(block)))
        mins, maxs = block.min(axis=0).tolist(), block.max(axis=0).tolist()
        lo = [m if v is None else min(v, m) for v, m in zip(lo, mins)]
        hi = [m if v is None else max(v, m) for v, m in zip(hi, maxs)]
    top = max([abs(v) for v in lo + hi if v is not None], default=0)
    return {"top": top, "lo": lo, "hi": hi, "integral": integral}


def _open(path: Path, meta: dict, src: str, variables=(), labels=()) -> PointsData:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mm = np.load(path, mmap_mode="r", allow_pickle=False)
    kind = meta["kind"]
    store = Store(os.path.abspath(mm.filename), int(mm.offset), mm.shape[0], mm.shape[1], mm.dtype.str, kind,
                  int(meta.get("exponent", 0)), meta["top"], tuple(meta["lo"]), tuple(meta["hi"]),
                  bool(meta["integral"]))
    _OPEN[store.path] = store
    points = DecimalPoints.owning(mm, store.exponent) if kind == "decimal" else FloatPoints.owning(mm)
    return PointsData(points, labels, tuple(variables), src)


# --- where a store goes, and whether one is there ------------------------------------------------------

def _key(p: Path, *what) -> str:
    st = p.stat()
    text = json.dumps([STORE_VERSION, str(p.resolve()), st.st_size, st.st_mtime_ns, [repr(w) for w in what]])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _paths(folder: Path, key: str) -> dict[str, Path]:
    base = folder / f"{_PREFIX}{key}"
    return {"npy": base.with_suffix(".npy"), "json": base.with_suffix(".json"),
            "labels": base.with_suffix(".labels"), "index": base.with_suffix(".labelindex")}


def _reused(paths: dict[str, Path], key: str, src: str, lim: Limits) -> PointsData | None:
    """The store written before for this key, or ``None`` when there is none; an error when one of its
    names is taken by a file gmmexact did not write (it is never written over)."""
    meta = None
    if paths["json"].exists():
        try:
            meta = json.loads(paths["json"].read_text("utf-8"))
        except (OSError, ValueError):
            meta = None
        if not (isinstance(meta, dict) and meta.get("key") == key and meta.get("version") == STORE_VERSION):
            raise InputError(str(paths["json"]), None, "exists and was not written by gmmexact for this data file",
                             "a scratch directory where this name is free (it is never written over)")
    if not paths["npy"].exists():
        for name in ("labels", "index"):
            if paths[name].exists() and meta is None:
                raise InputError(str(paths[name]), None, "exists and was not written by gmmexact for this data file",
                                 "a scratch directory where this name is free (it is never written over)")
        return None
    if meta is None:
        raise InputError(str(paths["npy"]), None, "exists and was not written by gmmexact for this data file",
                         "a scratch directory where this name is free (it is never written over)")
    n, d = meta["n"], meta["d"]
    if paths["npy"].stat().st_size != HEADER_BYTES + 8 * n * d:
        raise InputError(str(paths["npy"]), None, "is not the size its description says (damaged?)",
                         "the store as gmmexact wrote it: remove it and it is written again")
    if n > lim.points:
        raise exceeded(src, None, "points", n, "points")
    _note(f"{src}: reusing its points converted before, {paths['npy']}")
    labels = StoredLabels(str(paths["labels"]), str(paths["index"]), n) if meta.get("labels") else ()
    return _open(paths["npy"], meta, src, meta.get("variables", ()), labels)


class _Parts:
    """The files of a store being written, under temporary names until :meth:`publish` renames them
    (the description first, the array last); removed if anything fails."""

    def __init__(self, paths: dict[str, Path]):
        self.paths = paths
        self.parts = {k: p.with_name(f"{p.name}.part-{os.getpid()}") for k, p in paths.items()}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind, value, tb) -> None:
        for p in self.parts.values():
            with contextlib.suppress(OSError):
                p.unlink()

    def publish(self, meta: dict) -> None:
        self.parts["json"].write_text(json.dumps(meta), "utf-8")
        for k in ("labels", "index", "json", "npy"):
            if self.parts[k].exists():
                os.replace(self.parts[k], self.paths[k])


# --- writing a store -------------------------------------------------------------------------------------

def _npy_header(dtype: str, n: int, d: int) -> bytes:
    text = f"{{'descr': '{dtype}', 'fortran_order': False, 'shape': ({n}, {d}), }}"
    length = HEADER_BYTES - 10
    if len(text) + 1 > length:
        raise ValueError(f"shape ({n}, {d}) does not fit the store's header")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", length) + (text.ljust(length - 1) + "\n").encode("latin-1")


class _Writer:
    """Blocks of rows appended to a ``.npy`` file (its header written last): int64 integers each at its
    block's decimal place, brought to the finest at the end, or float64 values."""

    def __init__(self, path: Path, d: int, kind: str):
        self.path, self.d, self.kind = path, d, kind
        self.file = open(path, "wb")  # noqa: SIM115 - closed by finish or close
        self.file.write(b"\0" * HEADER_BYTES)
        self.rows = 0
        self.pieces: list[tuple] = []  # (first row, rows, exponent, place, top, lo, hi)

    def add(self, block: np.ndarray, exponent: int = 0, place: str = "") -> None:
        block = np.ascontiguousarray(block, dtype=np.int64 if self.kind == "decimal" else np.float64)
        if not len(block):
            return
        block.tofile(self.file)
        mins, maxs = block.min(axis=0).tolist(), block.max(axis=0).tolist()
        top = max(max(map(abs, mins)), max(map(abs, maxs)))
        self.pieces.append((self.rows, len(block), exponent, place, top, mins, maxs))
        self.rows += len(block)

    def finish(self, src: str, lim: Limits, first_place: str) -> dict:
        """Rescale to the finest decimal place, check the digits, write the header; the description."""
        self.file.close()
        n, d = self.rows, self.d
        if self.kind == "float":
            lo = [min(p[5][j] for p in self.pieces) for j in range(d)]
            hi = [max(p[6][j] for p in self.pieces) for j in range(d)]
            meta = {"kind": "float", "top": max(max(map(abs, lo)), max(map(abs, hi))), "lo": lo, "hi": hi,
                    "integral": None}
        else:
            places = [p[2] for p in self.pieces if p[4]]
            e0 = min(places) if places else 0
            lo, hi, top = [None] * d, [None] * d, 0
            with open(self.path, "r+b") as f:
                for row, rows, e, place, ptop, mins, maxs in self.pieces:
                    k = e - e0 if ptop else 0
                    if k and (k > 18 or ptop > _INT64_MAX // 10**k):
                        raise InputError(src, place, f"needs more than 18 digits as an integer times 10^{e0} (the "
                                         "finest decimal place in the data), more than a points store's int64 "
                                         "integers hold", "values of similar size, or the file read whole "
                                         "(without --stream), which keeps longer integers")
                    if k:
                        for a in range(row, row + rows, BLOCK_ROWS):
                            b = min(a + BLOCK_ROWS, row + rows)
                            f.seek(HEADER_BYTES + a * d * 8)
                            block = np.fromfile(f, dtype=np.int64, count=(b - a) * d)
                            block *= np.int64(10**k)
                            f.seek(HEADER_BYTES + a * d * 8)
                            block.tofile(f)
                        mins, maxs, ptop = [v * 10**k for v in mins], [v * 10**k for v in maxs], ptop * 10**k
                    lo = [m if v is None else min(v, m) for v, m in zip(lo, mins)]
                    hi = [m if v is None else max(v, m) for v, m in zip(hi, maxs)]
                    top = max(top, ptop)
                f.seek(0)
                f.write(_npy_header("<i8", n, d))
            digits = len(str(top))
            if n and digits > lim.number_digits:  # as the whole-file reader says it
                raise InputError(src, first_place, f"needs {digits:,} digits as an integer times 10^{e0} (the finest "
                                 f"decimal place in the data), more than the limit of {lim.number_digits:,}",
                                 "values of similar size (raise it with GMMEXACT_LIMIT_NUMBER_DIGITS)")
            return {"kind": "decimal", "exponent": e0, "top": top, "lo": lo, "hi": hi, "integral": True}
        with open(self.path, "r+b") as f:
            f.write(_npy_header("<f8", n, d))
        return meta

    def close(self) -> None:
        self.file.close()


class _LabelsWriter:
    """Labels appended to a text file (UTF-8) with the end offset of each in an int64 index; each checked
    as the whole-file reader checks them (non-empty, within ``label_chars``, none repeated), the first
    problem raised by :meth:`check` at the end (after the numbers, as the whole-file reader does)."""

    def __init__(self, text: Path, index: Path, src: str, lim: Limits, where):
        self.text, self.index = open(text, "wb"), open(index, "wb")  # noqa: SIM115 - closed by check or close
        self.text_path, self.index_path = text, index
        self.src, self.lim, self.where = src, lim, where
        self.count, self.end = 0, 0
        self.hashes: list[np.ndarray] = []
        self.bad: tuple[int, InputError] | None = None

    def add(self, labels: list[str]) -> None:
        encoded = [s.encode("utf-8") for s in labels]
        ends = self.end + np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)))
        self.text.write(b"".join(encoded))
        ends.tofile(self.index)
        if len(ends):
            self.end = int(ends[-1])
        self.hashes.append(np.fromiter(map(hash, labels), dtype=np.int64, count=len(labels)))
        if self.bad is None:
            for k, s in enumerate(labels):
                if not s:
                    self.bad = (self.count + k, InputError(self.src, self.where(self.count + k), "has an empty label",
                                                           "a non-empty label"))
                elif len(s) > self.lim.label_chars:
                    self.bad = (self.count + k, exceeded(self.src, self.where(self.count + k), "characters in a label",
                                                         len(s), "label_chars"))
                else:
                    continue
                break
        self.count += len(labels)

    def check(self) -> None:
        self.text.close()
        self.index.close()
        h = np.concatenate(self.hashes) if self.hashes else np.zeros(0, dtype=np.int64)
        self.hashes = []
        order = np.argsort(h, kind="stable")  # equal hashes in the order of the labels
        sorted_h = h[order]
        del h
        same = sorted_h[1:] == sorted_h[:-1]
        starts = np.flatnonzero(same & ~np.r_[False, same[:-1]])  # each run of two or more equal hashes
        repeat = None  # (the first label that repeats an earlier one, that earlier one)
        if len(starts):
            labels = StoredLabels(str(self.text_path), str(self.index_path), self.count)
            for s in starts[np.argsort(order[starts + 1], kind="stable")].tolist():  # earliest second label first
                if repeat is not None and int(order[s + 1]) >= repeat[0]:
                    break
                e = s + 1
                while e < len(sorted_h) and sorted_h[e] == sorted_h[s]:
                    e += 1
                seen: dict[str, int] = {}
                for i in order[s:e].tolist():
                    name = labels[i]
                    if name in seen:
                        if repeat is None or i < repeat[0]:
                            repeat = (i, seen[name])
                        break
                    seen[name] = i
        del order, sorted_h
        if self.bad is not None and (repeat is None or self.bad[0] < repeat[0]):
            raise self.bad[1]
        if repeat is not None:
            j, i = repeat
            name = StoredLabels(str(self.text_path), str(self.index_path), self.count)[j]
            raise InputError(self.src, self.where(j), f"repeats the label {datafiles.short_text(name)!r} ({self.where(i)})",
                             "a different label for each")

    def close(self) -> None:
        self.text.close()
        self.index.close()


class StoredLabels(Sequence):
    """The labels of a streamed file, on disk: a UTF-8 text of the labels one after another and the
    end offset of each; a label is read when asked for. Equal (and hashing equal) to the tuple of them."""

    __slots__ = ("_index", "_n", "_text")

    def __init__(self, text: str, index: str, n: int) -> None:
        self._text, self._index, self._n = text, index, int(n)

    def __len__(self) -> int:
        return self._n

    def _span(self, a: int, b: int) -> tuple[np.ndarray, bytes]:
        first = 0 if a == 0 else int(np.fromfile(self._index, dtype=np.int64, count=1, offset=(a - 1) * 8)[0])
        ends = np.fromfile(self._index, dtype=np.int64, count=b - a, offset=a * 8)
        with open(self._text, "rb") as f:
            f.seek(first)
            data = f.read(int(ends[-1]) - first if len(ends) else 0)
        return ends - first, data

    def _range(self, a: int, b: int) -> list[str]:
        if b <= a:
            return []
        ends, data = self._span(a, b)
        starts = np.r_[0, ends[:-1]].tolist()
        return [data[s:e].decode("utf-8") for s, e in zip(starts, ends.tolist())]

    def __getitem__(self, i):
        if isinstance(i, slice):
            start, stop, step = i.indices(self._n)
            if step == 1:
                return tuple(self._range(start, stop))
            return tuple(self[k] for k in range(start, stop, step))
        i = int(i)
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("label index out of range")
        return self._range(i, i + 1)[0]

    def __iter__(self):
        for a in range(0, self._n, BLOCK_ROWS):
            yield from self._range(a, min(a + BLOCK_ROWS, self._n))

    def __eq__(self, other) -> bool:
        if isinstance(other, (tuple, StoredLabels)):
            return len(other) == len(self) and all(x == y for x, y in zip(self, other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __reduce__(self):
        return StoredLabels, (self._text, self._index, self._n)

    def __repr__(self) -> str:
        return f"StoredLabels(<{self._n} labels in {self._text}>)"


# --- CSV -----------------------------------------------------------------------------------------------------

class _CleanText:
    """A text file's bytes read in blocks cut after newlines, each checked and with ``\\n`` line ends
    (:func:`datafiles.text_start`, :func:`datafiles.text_body`): the whole file's text as the
    whole-file reader sees it, a block at a time."""

    READ = 1 << 20

    def __init__(self, f, src: str):
        self.f, self.src = f, src
        self.pending, self.line, self.first, self.eof = b"", 1, True, False

    def more(self) -> bytes:
        """The next clean text (``b""`` at the end)."""
        while not self.eof:
            raw = self.f.read(self.READ)
            if self.first:
                raw, self.first = datafiles.text_start(raw, self.src), False
            if not raw:
                self.eof = True
                raw, self.pending = self.pending, b""
                if not raw:
                    return b""
            else:
                raw = self.pending + raw
                cut = raw.rfind(b"\n")
                if cut < 0:  # no line end yet (one line longer than a read)
                    self.pending = raw
                    continue
                raw, self.pending = raw[:cut + 1], raw[cut + 1:]
            line, self.line = self.line, self.line + raw.count(b"\n")
            return datafiles.text_body(raw, self.src, line)
        return b""


def _csv_text(f, src: str) -> tuple[bytes, Iterator[tuple[bytes, int]]]:
    """The header line, and the body in the whole-file reader's pieces (:func:`datafiles._csv_pieces`: from
    where one ends, to the first newline at or after ``PIECE_BYTES - 1`` bytes), each with its first line."""
    text = _CleanText(f, src)
    buf = b""
    while b"\n" not in buf:
        got = text.more()
        if not got:
            break
        buf += got
    cut = buf.find(b"\n")
    header, buf = (buf, b"") if cut < 0 else (buf[:cut], buf[cut + 1:])

    def pieces() -> Iterator[tuple[bytes, int]]:
        nonlocal buf
        size, line = datafiles.PIECE_BYTES, 2
        while True:
            while (len(buf) < size or buf.find(b"\n", size - 1) < 0) and (got := text.more()):
                buf += got
            if not buf:
                return
            cut = buf.find(b"\n", min(size, len(buf)) - 1)
            end = len(buf) if cut < 0 else cut + 1
            piece, buf = buf[:end], buf[end:]
            yield piece, line
            line += piece.count(b"\n")

    return header, pieces()


def csv_points(p: Path, src: str, sep: str, columns, labels_column, lim: Limits, scratch: str | None) -> PointsData:
    """A CSV file read in pieces into a store (or the store written before for it)."""
    folder = _directory(scratch)
    key = _key(p, "csv", sep, columns, labels_column)
    paths = _paths(folder, key)
    found = _reused(paths, key, src, lim)
    if found is not None:
        return found
    with _Parts(paths) as parts, open(p, "rb") as f:
        head, pieces = _csv_text(f, src)
        names, chosen, label = datafiles.csv_header(head, src, sep, columns, labels_column, lim)
        d = len(chosen)
        writer = _Writer(parts.parts["npy"], d, "decimal")
        labels = None
        if label is not None:
            labels = _LabelsWriter(parts.parts["labels"], parts.parts["index"], src, lim,
                                   lambda i: f"line {i + 2}, column {label + 1} ({names[label]})")
        try:
            count, blank_from = 0, None
            for piece, line in pieces:
                quote = piece.find(b'"')
                if quote >= 0:
                    at = line + piece.count(b"\n", 0, quote)
                    raise InputError(src, f"line {at}", "holds a quoted field, "
                                     "which a file read in pieces (--stream) cannot hold",
                                     "unquoted values (or a .npy or Parquet file), or the file read whole "
                                     "(without --stream)")
                ints, e0, labs, lines, count, blank_from, _ = datafiles.read_piece(
                    piece, line, count, blank_from, sep, names, chosen, label, src, lim)
                if ints is not None:
                    if ints.dtype != np.int64:
                        raise InputError(src, f"line {lines.start}", "holds values that need more than 18 digits "
                                         "as integers times one power of ten, more than a points store's int64 "
                                         "integers hold", "values of similar size, or the file read whole "
                                         "(without --stream), which keeps longer integers")
                    writer.add(ints, e0, f"line {lines.start}")
                    del ints
                    if labels is not None:
                        labels.add(labs)
            if not count:
                raise datafiles.no_points(src)
            meta = writer.finish(src, lim, "line 2")
            if labels is not None:
                labels.check()
        finally:
            writer.close()
            if labels is not None:
                labels.close()
        variables = [names[j] for j in chosen]
        meta.update({"key": key, "version": STORE_VERSION, "source": str(p.resolve()), "n": count, "d": d,
                     "variables": variables, "labels": label is not None})
        parts.publish(meta)
    stored = StoredLabels(str(paths["labels"]), str(paths["index"]), count) if label is not None else ()
    return _open(paths["npy"], meta, src, variables, stored)


# --- .npy ---------------------------------------------------------------------------------------------------

def npy_points(p: Path, src: str, size: int, columns, labels_column, lim: Limits, scratch: str | None) -> PointsData:
    """A ``.npy`` file memory-mapped where it is (int64 or float64, C order, every column), else converted
    block by block into a store."""
    shape, fortran, dtype, offset, chosen = datafiles.npy_plan(p, src, size, columns, labels_column, lim)
    n, d = shape
    kind = "float" if dtype.kind == "f" else "decimal"
    if dtype.str in ("<i8", "<f8") and not fortran and chosen == list(range(d)):
        summary = _summary(((a, read_rows(str(p), offset, dtype.str, d, a, min(a + BLOCK_ROWS, n)))
                            for a in range(0, n, BLOCK_ROWS)), kind, d, src, lambda i, j: f"[{i}, {j}]")
        return _open(p, {"kind": kind, "exponent": 0, **summary}, src)
    folder = _directory(scratch)
    key = _key(p, "npy", chosen)
    paths = _paths(folder, key)
    found = _reused(paths, key, src, lim)
    if found is not None:
        return found
    with _Parts(paths) as parts:
        writer = _Writer(parts.parts["npy"], len(chosen), kind)
        try:
            for a in range(0, n, BLOCK_ROWS):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    mm = np.load(p, mmap_mode="r", allow_pickle=False)  # opened per block: its pages go with it
                block = np.array(mm[a:a + BLOCK_ROWS][:, chosen])
                del mm
                if kind == "float":
                    block = block.astype(np.float64)
                    _summary([(a, block)], kind, len(chosen), src, lambda i, j: f"[{i}, {chosen[j]}]")
                elif block.dtype == np.uint64 and block.size and int(block.max()) > _INT64_MAX:
                    i, j = (int(x) for x in np.argwhere(block > _INT64_MAX)[0])
                    raise InputError(src, f"[{a + i}, {chosen[j]}]", f"is {int(block[i, j])}, past int64",
                                     "integers below 2^63, or the file read whole (without --stream)")
                writer.add(block, 0, f"[{a}]")
            meta = writer.finish(src, lim, "[0]")
        finally:
            writer.close()
        if kind == "float":
            meta["integral"] = _summary(((a, read_rows(str(parts.parts["npy"]), HEADER_BYTES, "<f8", len(chosen), a,
                                                       min(a + BLOCK_ROWS, n))) for a in range(0, n, BLOCK_ROWS)),
                                        kind, len(chosen), src)["integral"]
        meta.update({"key": key, "version": STORE_VERSION, "source": str(p.resolve()), "n": n, "d": len(chosen),
                     "variables": [], "labels": False})
        parts.publish(meta)
    return _open(paths["npy"], meta, src)


# --- Parquet ----------------------------------------------------------------------------------------------

def parquet_points(p: Path, src: str, columns, labels_column, lim: Limits, scratch: str | None) -> PointsData:
    """A Parquet file read in batches of rows into a store."""
    pa, pf, names, chosen, label, kinds, _ = datafiles.parquet_plan(p, src, columns, labels_column, lim)
    folder = _directory(scratch)
    key = _key(p, "parquet", columns, labels_column)
    paths = _paths(folder, key)
    found = _reused(paths, key, src, lim)
    if found is not None:
        return found
    d = len(chosen)
    kind = "float" if "float" in kinds.values() else "decimal"
    wanted = [names[j] for j in sorted(set(chosen) | ({label} - {None}))]
    with _Parts(paths) as parts:
        writer = _Writer(parts.parts["npy"], d, kind)
        labels = None
        if label is not None:
            labels = _LabelsWriter(parts.parts["labels"], parts.parts["index"], src, lim,
                                   lambda i: f"column {names[label]}, row {i} (counting from 0)")
        try:
            row = 0
            try:
                batches = pf.iter_batches(batch_size=BLOCK_ROWS, columns=wanted)
                for batch in batches:
                    m = batch.num_rows
                    values = [datafiles.arrow_values(pa, datafiles.arrow_array(batch.column(wanted.index(names[j])),
                                                                                 src, names[j], row),
                                                      kinds[j], src, names[j], lim, row) for j in chosen]
                    if kind == "float":
                        cols = []
                        for j, v in zip(chosen, values):
                            if kinds[j] != "float":
                                ints = v[0]
                                if ints.dtype != np.int64 or (ints.size and int(np.abs(ints).max()) > 2**53):
                                    raise InputError(src, f"column {names[j]}", "holds integers past 2^53 beside "
                                                     "float columns", "integers that float64 holds exactly, or every "
                                                     "column as integers or decimals")
                                v = ints.astype(np.float64)
                            cols.append(v)
                        block = np.column_stack(cols)
                        _summary([(row, block)], kind, d, src,
                                 lambda i, k: f"column {names[chosen[k]]}, row {i} (counting from 0)")
                        writer.add(block, 0, f"row {row}")
                    else:
                        mant = np.column_stack([v[0] for v in values]).ravel()
                        expo = np.column_stack([v[1] for v in values]).ravel()

                        def where(k: int, first=row) -> str:
                            i, c = divmod(k, d)
                            return f"column {names[chosen[c]]}, row {first + i} (counting from 0)"

                        ints, e0 = datafiles.common_scale(mant, expo, where, src, lim)
                        if ints.dtype != np.int64:
                            raise InputError(src, f"row {row} (counting from 0)", "holds values that need more than "
                                             "18 digits as integers times one power of ten, more than a points "
                                             "store's int64 integers hold", "values of similar size, or the file "
                                             "read whole (without --stream)")
                        writer.add(ints.reshape(m, d), e0, f"row {row} (counting from 0)")
                    if labels is not None:
                        arr = datafiles.arrow_array(batch.column(wanted.index(names[label])), src, names[label], row)
                        labels.add([str(v).strip() for v in arr.to_pylist()])
                    row += m
            except (pa.ArrowException, OSError, ValueError) as e:
                raise InputError(src, None, f"cannot be read ({e})", "a readable Parquet file") from None
            meta = writer.finish(src, lim, "row 0 (counting from 0)")
            if labels is not None:
                labels.check()
        finally:
            writer.close()
            if labels is not None:
                labels.close()
        if kind == "float":
            meta["integral"] = _summary(((a, read_rows(str(parts.parts["npy"]), HEADER_BYTES, "<f8", d, a,
                                                       min(a + BLOCK_ROWS, row))) for a in range(0, row, BLOCK_ROWS)),
                                        kind, d, src)["integral"]
        variables = [names[j] for j in chosen]
        meta.update({"key": key, "version": STORE_VERSION, "source": str(p.resolve()), "n": row, "d": d,
                     "variables": variables, "labels": label is not None})
        parts.publish(meta)
    stored = StoredLabels(str(paths["labels"]), str(paths["index"]), row) if label is not None else ()
    return _open(paths["npy"], meta, src, variables, stored)
