"""The input problem (data points and an initial mixture), read from TOML and validated exactly.

Every number becomes a ``fractions.Fraction``; every mistake becomes an ``InputError`` that names
the file, the field (e.g. ``components[1] (men).covariance``), what is wrong and what would be right.

Besides ``[data]`` and ``[[components]]``, a file may set the model: ``covariance_type`` (``full``,
``tied``, ``diag``, ``spherical``), ``fixed`` (a list of ``weight``, ``mean``, ``covariance``),
``reg_covar`` and ``count_offset`` (exact numbers ≥ 0), and a top-level ``covariance`` that every
component starts from instead of one per component (natural for ``tied``). The starting covariances
must have the type's structure: equal for ``tied``, diagonal for ``diag``, a multiple of the identity
for ``spherical``.
"""
from __future__ import annotations

import difflib
import re
import sys
import unicodedata
from dataclasses import dataclass, replace
from functools import cached_property
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

import numpy as np

from . import limits
from .errors import InputError
from .labels import NumberedLabels
from .pointstore import StoredLabels
from .exactnum import active_limits, fixed_limits, format_exact, parse_exact, shorten
from .linalg import det, first_nonpositive_minor

Vector = tuple[Fraction, ...]
Matrix = tuple[Vector, ...]

TOP_KEYS = ("data", "components", "covariance_type", "fixed", "reg_covar", "count_offset", "covariance")
DATA_KEYS = ("points", "points_file", "columns", "labels_column", "labels", "variables")
COMPONENT_KEYS = ("name", "mean", "covariance", "weight")
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
"""scikit-learn's names; mclust calls them VVV, EEE, VVI and VII."""
FIXABLE = ("weight", "mean", "covariance")
FORBIDDEN_IN_NAMES = ".[]"


@dataclass(frozen=True)
class Component:
    """One mixture component: mean (length d), covariance (d×d) and prior weight.

    Attributes
    ----------
    name : str
        The component's name, as in keys (``mean.women``); default ``1``, ``2``, … by position.
    mean : tuple of Fraction
        The starting mean μ_c (length d).
    covariance : tuple of tuple of Fraction
        The starting covariance Σ_c, symmetric positive definite (d×d).
    weight : Fraction
        The starting mixing weight π_c (> 0; the weights of a problem sum to 1).
    """

    name: str
    mean: Vector
    covariance: Matrix
    weight: Fraction


@dataclass(frozen=True)
class Problem:
    """Data points (n×d) with labels and variable names, plus the K initial components.

    >>> p = Problem.from_arrays([1, 2, 4], means=[1, 4], covariances=[1, "1/2"], weights=["1/3", "2/3"])
    >>> p.n, p.d, p.K, p.labels, p.variables, p.component_names
    (3, 1, 2, ('x1', 'x2', 'x3'), ('x',), ('1', '2'))
    >>> p.components[1].covariance
    ((Fraction(1, 2),),)

    The model options: ``covariance_type`` (``full``, ``tied``, ``diag``, ``spherical``), ``fixed``
    (parameters the M-step leaves as they were), ``reg_covar`` (added to the diagonal of every updated
    covariance) and ``count_offset`` (added to every m_c = Σ_p r_pc before weights, means and
    covariances are formed; scikit-learn's ``nk + 10·eps`` is ``count_offset = 10·2⁻⁵²``).
    ``dataclasses.replace`` validates them again.

    >>> from dataclasses import replace
    >>> q = replace(p, covariance_type="spherical", reg_covar=Fraction(1, 10**6), fixed={"weight"})
    >>> q.covariance_type, q.fixed, q.reg_covar
    ('spherical', frozenset({'weight'}), Fraction(1, 1000000))
    >>> replace(p, reg_covar=1e-6)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: <memory>: reg_covar: is the binary float 1e-06, which is inexact ...

    Attributes
    ----------
    points : tuple of tuple of Fraction
        The data, one row of d exact coordinates per point (n rows).
    labels : tuple of str
        The points' labels, as in keys (``density.A.women``); default ``x1``, ``x2``, ….
    variables : tuple of str
        The names of the d coordinates; default ``v1``, ``v2``, … (``x`` when d = 1).
    components : tuple of Component
        The K starting components.
    source : str
        Where the problem came from (a file path, or ``"<memory>"``).
    covariance_type : str
        ``"full"``, ``"tied"``, ``"diag"`` or ``"spherical"``.
    fixed : frozenset of str
        Parameters the M-step leaves as they were: any of ``"weight"``, ``"mean"``, ``"covariance"``.
    reg_covar : Fraction
        Added to the diagonal of every updated covariance (≥ 0).
    count_offset : Fraction
        Added to every count m_c before weights, means and covariances are formed (≥ 0).
    """

    points: Matrix
    labels: tuple[str, ...]
    variables: tuple[str, ...]
    components: tuple[Component, ...]
    source: str = "<memory>"
    covariance_type: str = "full"
    fixed: frozenset[str] = frozenset()
    reg_covar: Fraction = Fraction(0)
    count_offset: Fraction = Fraction(0)

    def __post_init__(self) -> None:
        """Validate and normalise the model options (also after ``dataclasses.replace``)."""
        cov_type, fixed, reg, offset = _model_options(self.covariance_type, self.fixed, self.reg_covar,
                                                      self.count_offset, self.source)
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "reg_covar", reg)
        object.__setattr__(self, "count_offset", offset)
        _check_structure(self.components, cov_type, self.source)

    @property
    def n(self) -> int:
        """The number of points."""
        return len(self.points)

    @property
    def d(self) -> int:
        """The dimension of the points."""
        return len(self.variables)

    @property
    def K(self) -> int:
        """The number of components."""
        return len(self.components)

    @cached_property
    def component_names(self) -> tuple[str, ...]:
        """The components' names, in the problem's order."""
        return tuple(c.name for c in self.components)

    @cached_property
    def point_index(self) -> dict[str, int]:
        """Label → row of ``points``."""
        if isinstance(self.labels, NumberedLabels):
            return _NumberedIndex(self.labels)
        return {label: p for p, label in enumerate(self.labels)}

    @cached_property
    def component_index(self) -> dict[str, int]:
        """Component name → position in ``components``."""
        return {name: c for c, name in enumerate(self.component_names)}

    @classmethod
    def from_arrays(cls, points, means, covariances, weights, *, labels=None, names=None, variables=None,
                    normalize_weights: bool = False, source: str = "<memory>", covariance_type: str = "full",
                    fixed=(), reg_covar=0, count_offset=0) -> Problem:
        """Build and validate a problem from Python sequences (or numpy arrays) of exact numbers.

        Numbers may be ints, ``Fraction``, ``Decimal`` or strings such as ``"1/3"``; floats are rejected.
        Field paths in errors are those of the TOML format (``data.points[3]``, ``components[0].weight``).
        ``covariances`` holds one matrix per component (for ``tied`` they must all be equal).

        >>> p = Problem.from_arrays([[0, 1], [2, 3]], means=[[0, 1], [2, 3]], covariances=[[[1, 0], [0, 2]]] * 2,
        ...                         weights=["1/2", "1/2"], covariance_type="diag", reg_covar="1e-6")
        >>> p.covariance_type, p.reg_covar
        ('diag', Fraction(1, 1000000))
        """
        means, covariances, weights = _plain(means, source), _plain(covariances, source), _plain(weights, source)
        if not len(means) == len(covariances) == len(weights) or (names is not None and len(names) != len(means)):
            counts = f"{len(means)} means, {len(covariances)} covariances, {len(weights)} weights"
            counts += f" and {len(names)} names" if names is not None else ""
            raise InputError(source, "components", f"got {counts}", "one of each per component")
        data = {"points": _plain(points, source)}
        data.update({k: _plain(v, source) for k, v in (("labels", labels), ("variables", variables)) if v is not None})
        comps = [{"mean": m, "covariance": c, "weight": w} for m, c, w in zip(means, covariances, weights)]
        for comp, name in zip(comps, names or ()):
            comp["name"] = name
        doc = {"data": data, "components": comps, "covariance_type": covariance_type,
               "fixed": sorted(fixed) if isinstance(fixed, (set, frozenset)) else _plain(fixed, source),
               "reg_covar": reg_covar, "count_offset": count_offset}
        return from_dict(doc, source=source, normalize_weights=normalize_weights)


def load(path: str | Path, *, normalize_weights: bool = False, points_file: str | Path | None = None,
         stream: bool | None = None, scratch: str | Path | None = None) -> Problem:
    """Read and validate a problem TOML file (decimals are read exactly, as ``decimal.Decimal``).

    Parameters
    ----------
    path : str or Path
        The problem file (format: ``docs/formats.md``).
    normalize_weights : bool, optional
        Divide the weights by their exact sum instead of refusing weights that do not sum to 1.
    points_file : str or Path, optional
        A data file (CSV, ``.npy``, Parquet) whose points replace the file's own ``[data]`` points
        (and their labels, ``points_file``, ``columns``, ``labels_column``): the command line's
        ``--data``. Relative to the working directory.
    stream : bool, optional
        Read the data file in pieces into a store on disk (``True``), whole (``False``), or as its size
        says (``None``): see :mod:`gmmexact.model.pointstore` (the command line's ``--stream``).
    scratch : str or Path, optional
        The directory of that store (default: a temporary directory removed at exit; the command
        line's ``--scratch``). A store there is reused by the next run on the same file.

    Returns
    -------
    Problem
        The validated problem, every number an exact ``Fraction``.

    Raises
    ------
    InputError
        When the file cannot be read or used as written: the message names the file, the field,
        what is wrong and what would be right.

    Examples
    --------
    >>> load("no/such/file.toml")
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: no/such/file.toml: file not found; expected the path of a problem TOML file
    """
    from .pointstore import streaming  # noqa: PLC0415

    with streaming(stream, scratch):
        return _load(path, normalize_weights, points_file)


def _load(path: str | Path, normalize_weights: bool, points_file: str | Path | None) -> Problem:
    src = str(path)
    text = _read_text(Path(path), src)
    scan_toml(text, src)
    old_limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    try:  # the digits were counted by scan_toml: tomllib may turn them into ints of any allowed size
        if old_limit:
            sys.set_int_max_str_digits(max(old_limit, limits.current().number_digits + 1))
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\s*\(at (line \d+, column \d+|end of document)\)\s*$", str(e))
        where, reason = (m[1].replace("document", "file"), str(e)[:m.start()]) if m else (None, str(e))
        raise InputError(src, where, f"invalid TOML: {reason}", "valid TOML (see https://toml.io)") from None
    except RecursionError:
        raise _too_deep(src, None, "nested too deeply to read") from None
    finally:
        if old_limit:
            sys.set_int_max_str_digits(old_limit)
    if points_file is not None:
        table = data.get("data") if isinstance(data.get("data"), dict) else {}
        table = {k: v for k, v in table.items() if k not in ("points", "labels", "points_file", "columns",
                                                              "labels_column", "variables")}
        data = {**data, "data": {**table, "points_file": str(Path(points_file).resolve())}}
        try:
            return from_dict(data, source=src, normalize_weights=normalize_weights)
        except InputError as e:
            if e.expected and "the dimension of the points" in e.expected:  # the file's columns against the start
                raise InputError(str(points_file), None, f"has points of {e.expected.split('(d = ')[1].split(',')[0]}"
                                 f" coordinates, but {src}'s start has {e.problem.removeprefix('has ')}",
                                 "one column per coordinate of the problem's means (choose them with data.columns "
                                 "in a problem file)") from None
            raise
    return from_dict(data, source=src, normalize_weights=normalize_weights)


_EXPECTED_FILE = "a problem TOML file (UTF-8 text, format in docs/formats.md)"
_PARSE_SECONDS_PER_BYTE = 2.5e-6  # tomllib and validation, measured on a 1,000,000-point file
_PARSE_MEMORY_PER_BYTE = 45


def _read_text(path: Path, src: str) -> str:
    """The file's text: its size checked before reading, UTF-8 (a byte-order mark tolerated) required."""
    try:
        if path.is_dir():
            raise InputError(src, None, "cannot read the file: it is a directory", "the path of a problem TOML file")
        size = path.stat().st_size
        limit = limits.current().file_bytes
        if size > limit:
            raise limits.exceeded(src, None, "bytes", size, "file_bytes")
        limits.require_affordable(limits.Estimate(size * _PARSE_SECONDS_PER_BYTE, size * _PARSE_MEMORY_PER_BYTE,
                                                  f"reading the {size / 1e6:.0f} MB problem file {src}"))
        with path.open("rb") as f:  # a pipe or a device has no size: read no more than the limit allows
            data = f.read(limit + 1)
        if len(data) > limit:
            raise limits.exceeded(src, None, "bytes or more", len(data), "file_bytes")
    except FileNotFoundError:
        raise InputError(src, None, "file not found", "the path of a problem TOML file") from None
    except OSError as e:
        raise InputError(src, None, f"cannot read the file: {e.strerror or e}",
                         "the path of a readable problem TOML file") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(src, None, "is UTF-16 text (it starts with a UTF-16 byte-order mark)",
                         f"{_EXPECTED_FILE}; save it again as UTF-8")
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise InputError(src, f"line {line}",
                         "holds a NUL byte: this is a binary file, or text in an encoding other than UTF-8",
                         _EXPECTED_FILE)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(src, f"line {line}", f"is not UTF-8 text: byte 0x{data[e.start]:02x} at offset {e.start} "
                         f"cannot be decoded ({e.reason})",
                         f"{_EXPECTED_FILE}; a Latin-1 or Windows-1252 file must be saved again as UTF-8") from None


_TOML_STRINGS_AND_COMMENTS = re.compile(  # unrolled loops: linear, and fast on a string of millions of characters
    r'"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    r"|'''[^']*(?:'(?!'')[^']*)*'''"
    r'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
    r"|'[^'\n]*'"
    r"|#[^\n]*")


def scan_toml(text: str, src: str) -> None:
    """Refuse, before TOML parsing, what would take the parser or the validation too long or too deep.

    Outside strings and comments: a run of digits longer than ``number_digits`` (Python would refuse
    to convert it), brackets or dotted keys nested deeper than ``nesting`` (a recursive parser would
    overflow, and tomllib slows down with the square of a key's depth), an array of more entries than
    any field may have (more points than ``points``), and an array inside an array (a point, a matrix
    row) with more entries than ``dimension``; inside strings, one longer than any label or number.
    Each is found in linear time, with numpy doing the counting.
    """
    lim = limits.current()
    longest = max(lim.label_chars, 2 * lim.number_digits + 8) + 6  # a label, or "-a/b" with its quotes

    def blank(match: re.Match, offset: int = 0) -> str:
        """A string or comment replaced by something bracket-free with the same number of line breaks."""
        found = match[0]
        if found[0] in "\"'" and len(found) > longest:
            raise InputError(src, f"line {text.count(chr(10), 0, offset + match.start()) + 1}",
                             f"a string of {len(found) - 2:,} characters, longer than any label "
                             f"({lim.label_chars:,} characters) or number ({lim.number_digits:,} digits) may be",
                             "labels within GMMEXACT_LIMIT_LABEL_CHARS characters and numbers within "
                             "GMMEXACT_LIMIT_NUMBER_DIGITS digits")
        return ('""' if found[0] in "\"'" else "") + "\n" * found.count("\n")

    if '"""' in text or "'''" in text:  # strings across lines: keep the line breaks, so lines are counted right
        bare = _TOML_STRINGS_AND_COMMENTS.sub(blank, text)
    elif re.search("[\"'#]", text):
        quote_free = re.compile(rf"[^\"'\n]{{{longest}}}")
        for m in re.finditer(rf"(?m)^[^\n]{{{longest},}}", text):  # only a long line can hold a long string,
            if quote_free.search(m[0]):  # and only a long run without quotes
                for found in _TOML_STRINGS_AND_COMMENTS.finditer(m[0]):
                    blank(found, m.start())
        bare = _TOML_STRINGS_AND_COMMENTS.sub('""', text)
    else:
        bare = text

    def line(at: int) -> str:
        return f"line {bare.count(chr(10), 0, at) + 1}"

    for m in re.finditer(rf"(?<![A-Za-z])[0-9][0-9_]{{{lim.number_digits},}}", bare):
        digits = len(m[0]) - m[0].count("_")
        if digits > lim.number_digits:
            raise InputError(src, line(m.start()), f"a number written with {digits:,} digits, more than the limit "
                             f"of {lim.number_digits:,}", f"a number with at most {lim.number_digits:,} digits "
                             "(raise it with GMMEXACT_LIMIT_NUMBER_DIGITS)")
    raw = np.frombuffer(bare.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    dots = np.flatnonzero(raw[1:-1] == ord(".")) + 1  # a dot between two digits is a decimal point, not a key's
    digit = (raw >= ord("0")) & (raw <= ord("9"))
    dots = dots[~(digit[dots - 1] & digit[dots + 1])]
    if len(dots):
        per_line = np.bincount(np.searchsorted(np.flatnonzero(raw == ord("\n")), dots))
        if int(per_line.max()) >= lim.nesting:
            raise _too_deep(src, f"line {int(np.argmax(per_line)) + 1}",
                            f"a dotted key or table name {int(per_line.max()) + 1} levels deep")
    where = np.flatnonzero((raw == ord("[")) | (raw == ord("]")) | (raw == ord("{")) | (raw == ord("}"))
                           | (raw == ord(",")))
    if not len(where):
        return
    chars = raw[where]
    opens = (chars == ord("[")) | (chars == ord("{"))
    depth = np.cumsum(opens.astype(np.int32) - ((chars == ord("]")) | (chars == ord("}"))), dtype=np.int32)
    deepest = int(depth.max())
    if deepest > lim.nesting:
        at = int(where[int(np.argmax(depth))])
        raise _too_deep(src, line(at), f"arrays or tables nested {deepest} deep here")
    commas = chars == ord(",")
    widest = max(lim.points, lim.dimension, lim.components)
    openers = {level: np.flatnonzero(opens & (depth == level)) for level in range(deepest + 1)}
    for level in range(1, deepest + 1):
        in_level = np.flatnonzero(commas & (depth == level))
        if not len(in_level):
            continue
        group = np.cumsum(depth < level)[in_level]  # the commas of one array share the count of exits before them
        counts = np.bincount(group - group[0])
        for g in np.flatnonzero(counts > lim.dimension):
            first = in_level[np.searchsorted(group, group[0] + g)]
            opener = int(openers[level][np.searchsorted(openers[level], first) - 1])
            outer = np.searchsorted(openers[level - 1], opener) - 1
            entries = int(counts[g])  # commas: one fewer entry, or as many with a trailing comma
            at = int(where[opener])
            if outer >= 0 and chars[openers[level - 1][outer]] == ord("["):
                raise limits.exceeded(src, line(at), "entries or more in one point or matrix row (an array inside "
                                      "an array)", entries, "dimension")
            key = re.search(r"(\w+)\s*=\s*$", bare[max(0, at - 100):at])
            if key and key[1] == "points" and entries > lim.points:
                raise limits.exceeded(src, "data.points", "points or more", entries, "points")
            if entries > widest:
                raise limits.exceeded(src, line(at), "entries or more in one array", entries, "points")


def _too_deep(src: str, field: str | None, what: str) -> InputError:
    limit = limits.current().nesting
    return InputError(src, field, what, f"at most {limit} levels of nesting (a point is a list of numbers, a "
                      "covariance a list of rows; raise the limit with GMMEXACT_LIMIT_NESTING)")


def from_dict(data: Mapping[str, Any], *, source: str = "<memory>", normalize_weights: bool = False) -> Problem:
    """Build and validate a problem from a parsed TOML document.

    >>> doc = {"data": {"points": [[0, 0], [2, 2]]},
    ...        "components": [{"name": "a", "mean": [0, 0], "covariance": [[1, 0], [0, 1]], "weight": 1}]}
    >>> from_dict(doc).variables
    ('v1', 'v2')
    >>> doc["components"][0]["covariance"] = [[1, 2], [2, 1]]
    >>> from_dict(doc, source="p.toml")
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: p.toml: components[0] (a).covariance: is not positive definite: leading minor 2 (the top-left 2×2 determinant) is -3; expected a symmetric positive-definite matrix (every leading minor > 0)
    """
    with fixed_limits():
        return _from_dict(data, source, normalize_weights)


def _from_dict(data: Mapping[str, Any], source: str, normalize_weights: bool) -> Problem:
    src = source
    if not isinstance(data, Mapping):
        raise InputError(src, None, f"is {_kind(data)}", "a TOML document with [data] and [[components]]")
    _check_keys(data, TOP_KEYS, src, "")
    cov_type, fixed, reg, offset = _model_options(data.get("covariance_type", "full"), data.get("fixed", ()),
                                                  data.get("reg_covar", 0), data.get("count_offset", 0), src)

    table = data.get("data")
    if table is None:
        raise InputError(src, "data", "is missing", "a [data] table with points = [...]")
    if not isinstance(table, Mapping):
        raise InputError(src, "data", f"is {_kind(table)}", "a [data] table with points = [...]")
    _check_keys(table, DATA_KEYS, src, "data")
    file_variables, file_labels = None, None
    if "points_file" in table:
        points, file_variables, file_labels = _points_file(table, src)
    else:
        for key in ("columns", "labels_column"):
            if key in table:
                raise InputError(src, f"data.{key}", "is given without points_file",
                                 "points_file = \"data.csv\" beside it, or no " + key)
        points = _points(table.get("points"), src)
    n, d = len(points), len(points[0])
    variables = _names(table.get("variables", file_variables), d, ("x",) if d == 1 else tuple(f"v{j + 1}" for j in range(d)),
                       "data.variables", "variable", f"one per coordinate, d = {d}", src)
    labels = _names(table.get("labels", file_labels), n, NumberedLabels(n),
                    "data.labels", "label", f"one per point, n = {n}", src)
    components = _components(data.get("components"), d, src, data.get("covariance"))

    total = sum(c.weight for c in components)
    if total != 1:
        if not normalize_weights:
            terms = " + ".join(_shown(c.weight) for c in components)
            shown = f" ({terms})" if len(components) > 1 else ""
            raise InputError(src, "components[*].weight", f"weights sum to {_shown(total)}{shown}, not 1",
                             f"weights summing to exactly 1; fix them, or use --normalize-weights "
                             f"(normalize_weights=True) to divide each by {_shown(total)}")
        components = tuple(replace(c, weight=c.weight / total) for c in components)
    return Problem(points, labels, variables, components, source=src, covariance_type=cov_type,
                   fixed=fixed, reg_covar=reg, count_offset=offset)


# --- model options ------------------------------------------------------------------------------

def _model_options(cov_type, fixed, reg, offset, src: str) -> tuple[str, frozenset, Fraction, Fraction]:
    """Validate ``covariance_type``, ``fixed``, ``reg_covar`` and ``count_offset``; return them normalised.

    >>> _model_options("tied", ["covariance"], "1e-6", 0, "p.toml")
    ('tied', frozenset({'covariance'}), Fraction(1, 1000000), Fraction(0, 1))
    >>> _model_options("VVV", (), 0, 0, "p.toml")
    Traceback (most recent call last):
    ...
    gmmexact.model.errors.InputError: p.toml: covariance_type: is the string 'VVV' (mclust's name for "full"); expected one of "full", "tied", "diag", "spherical"
    """
    expected = "one of " + ", ".join(f'"{t}"' for t in COVARIANCE_TYPES)
    if not isinstance(cov_type, str) or cov_type not in COVARIANCE_TYPES:
        mclust = {"VVV": "full", "EEE": "tied", "VVI": "diag", "VII": "spherical"}.get(cov_type) \
            if isinstance(cov_type, str) else None
        hint = f" (mclust's name for \"{mclust}\")" if mclust else ""
        close = difflib.get_close_matches(cov_type, COVARIANCE_TYPES, n=1) if isinstance(cov_type, str) else []
        hint += f" (did you mean {close[0]!r}?)" if close and not mclust else ""
        raise InputError(src, "covariance_type", f"is {_kind(cov_type)}{hint}", expected)
    wanted = f"a list of parameter names from {', '.join(FIXABLE)} (the M-step leaves those as they were)"
    if isinstance(fixed, str) or not isinstance(fixed, (list, tuple, set, frozenset)):
        raise InputError(src, "fixed", f"is {_kind(fixed)}", wanted)
    names = []
    for i, name in enumerate(sorted(fixed) if isinstance(fixed, (set, frozenset)) else fixed):
        if name not in FIXABLE:
            close = difflib.get_close_matches(name, FIXABLE, n=1) if isinstance(name, str) else []
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(src, f"fixed[{i}]", f"is {_kind(name)}{hint}", wanted)
        names.append(name)
    out = []
    for field, value in (("reg_covar", reg), ("count_offset", offset)):
        q = parse_exact(value, file=src, field=field)
        if q < 0:
            what = ("the regularisation added to every variance" if field == "reg_covar"
                    else "the amount added to every component's count")
            raise InputError(src, field, f"is {_shown(q)}, negative", f"a number ≥ 0 ({what})")
        out.append(q)
    return cov_type, frozenset(names), out[0], out[1]


def _check_structure(components, cov_type: str, src: str) -> None:
    """The starting covariances must have the structure the covariance type says."""
    if cov_type == "full" or not components:
        return
    first = components[0]
    for k, comp in enumerate(components):
        field = f"components[{k}] ({comp.name}).covariance"
        cov, d = comp.covariance, len(comp.covariance)
        if cov_type == "tied" and cov != first.covariance:
            raise InputError(src, field, f"differs from the covariance of components[0] ({first.name}), but "
                             f"covariance_type is \"tied\"", "the same covariance for every component (or "
                             "one top-level covariance = [[...]] instead of one per component)")
        if cov_type in ("diag", "spherical"):
            off = next(((i, j) for i in range(d) for j in range(d) if i != j and cov[i][j] != 0), None)
            if off is not None:
                i, j = off
                raise InputError(src, field, f"has [{i}][{j}] = {_shown(cov[i][j])}, but covariance_type "
                                 f"is \"{cov_type}\"", "a diagonal matrix (every off-diagonal entry 0)")
        if cov_type == "spherical":
            i = next((i for i in range(1, d) if cov[i][i] != cov[0][0]), None)
            if i is not None:
                raise InputError(src, field, f"has [{i}][{i}] = {_shown(cov[i][i])} but [0][0] = "
                                 f"{_shown(cov[0][0])}, and covariance_type is \"spherical\"",
                                 "a multiple of the identity (equal diagonal entries, off-diagonal 0)")


# --- validation helpers -------------------------------------------------------------------------

def _plain(x, src: str = "<memory>", depth: int = 0):
    """numpy arrays (and nested sequences of them) to plain lists; other values unchanged."""
    if hasattr(x, "tolist"):
        return x.tolist()
    if not isinstance(x, (list, tuple)):
        return x
    if depth >= active_limits().nesting:
        raise _too_deep(src, None, f"lists nested more than {depth} deep")
    return [_plain(v, src, depth + 1) for v in x]


def _is_seq(x) -> bool:
    return isinstance(x, (list, tuple))


def _kind(x) -> str:
    if isinstance(x, bool):
        return f"the boolean {str(x).lower()}"
    if isinstance(x, str):
        return f"the string {shorten(repr(x))}"
    if _is_seq(x):
        return f"a list of {len(x)} {'entry' if len(x) == 1 else 'entries'}"
    if isinstance(x, Mapping):
        return "a table"
    if isinstance(x, (int, Fraction)):
        return f"the number {_shown(Fraction(x))}"
    return f"the number {shorten(str(x))}" if isinstance(x, Decimal) else f"a value of type {type(x).__name__}"


def _shown(q) -> str:
    """An exact number for a message: in full when short, else its first and last digits."""
    return shorten(format_exact(q))


def _check_keys(table: Mapping, allowed: tuple[str, ...], src: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            if not where and key in DATA_KEYS:
                hint = f" ({key!r} belongs in the [data] table)"
            field = f"{where}.{shorten(str(key))}" if where else shorten(str(key))
            raise InputError(src, field, f"unknown key {shorten(repr(key))}", f"one of {', '.join(allowed)}{hint}")


def _points_file(table: Mapping, src: str):
    """The points of ``points_file`` (CSV, .npy, Parquet; relative to the problem file), kept as the
    exact array they are; with the file's variable names and labels (``None`` when it has none)."""
    from .pointstore import read_points  # noqa: PLC0415

    if "points" in table:
        raise InputError(src, "data.points_file", "is given beside data.points", "one of them: the points or their file")
    name = table["points_file"]
    if not isinstance(name, str) or not name.strip():
        raise InputError(src, "data.points_file", f"is {_kind(name)}", 'the path of a data file, e.g. "data.csv"')
    columns = table.get("columns")
    if columns is not None and not (_is_seq(columns) and columns and
                                    all(isinstance(c, (str, int)) and not isinstance(c, bool) for c in columns)):
        raise InputError(src, "data.columns", f"is {_kind(columns)}", 'a list of column names or positions, e.g. ["x", "y"]')
    label_col = table.get("labels_column")
    if label_col is not None and (isinstance(label_col, bool) or not isinstance(label_col, (str, int))):
        raise InputError(src, "data.labels_column", f"is {_kind(label_col)}", "a column name or position")
    base = Path(src).parent if src and not src.startswith("<") else Path(".")
    path = Path(name) if Path(name).is_absolute() else base / name
    data = read_points(path, columns=list(columns) if columns is not None else None, labels_column=label_col)
    labels = data.labels if isinstance(data.labels, StoredLabels) else (list(data.labels) or None)
    return data.points, (list(data.variables) or None), labels


def _points(raw, src: str) -> Matrix:
    field, example = "data.points", "a list of points, e.g. [[1, 2], [3, 4]], or plain numbers when d = 1"
    from .decimalpoints import DecimalPoints  # noqa: PLC0415
    from .floatpoints import FloatPoints  # noqa: PLC0415

    if isinstance(raw, (DecimalPoints, FloatPoints)):  # an exact array: kept as it is
        n, d = len(raw), (len(raw[0]) if len(raw) else 0)
        if not n or not d:
            raise InputError(src, field, "is empty", "at least one point")
        if n > active_limits().points:
            raise limits.exceeded(src, field, "points", n, "points")
        if d > active_limits().dimension:
            raise limits.exceeded(src, f"{field}[0]", "coordinates", d, "dimension")
        return raw
    if raw is None:
        raise InputError(src, field, "is missing", example)
    if not _is_seq(raw):
        raise InputError(src, field, f"is {_kind(raw)}", example)
    if not raw:
        raise InputError(src, field, "is empty", "at least one point")
    if len(raw) > active_limits().points:
        raise limits.exceeded(src, field, "points", len(raw), "points")
    if isinstance(raw[0], Mapping):
        raise InputError(src, f"{field}[0]", "is a table", example)
    d = len(raw[0]) if _is_seq(raw[0]) else 1
    if d == 0:
        raise InputError(src, f"{field}[0]", "is an empty list", "a point with at least one coordinate")
    if d > active_limits().dimension:
        raise limits.exceeded(src, f"{field}[0]", "coordinates", d, "dimension")
    why = f"d = {d}, set by {field}[0]"
    return tuple(_vector(p, d, f"{field}[{i}]", "coordinates", why, src) for i, p in enumerate(raw))


def _vector(value, d: int, field: str, noun: str, why: str, src: str) -> Vector:
    if d == 1 and not _is_seq(value):
        return (parse_exact(value, file=src, field=field),)
    if not _is_seq(value):
        raise InputError(src, field, f"is {_kind(value)}", f"a list of {d} {noun} ({why})")
    if len(value) != d:
        raise InputError(src, field, f"has {len(value)} {noun}", f"{d} {noun} ({why})")
    return tuple(parse_exact(v, file=src, field=f"{field}[{j}]") for j, v in enumerate(value))


def _matrix(value, d: int, field: str, src: str) -> Matrix:
    if d == 1 and not _is_seq(value):
        return ((parse_exact(value, file=src, field=field),),)
    expected = f"a {d}×{d} matrix (a list of {d} rows of {d} numbers)"
    expected += ", or a plain number (the variance) since d = 1" if d == 1 else f", since d = {d}"
    if not _is_seq(value) or not all(_is_seq(r) for r in value):
        problem = f"is {_kind(value)}" if not _is_seq(value) else "is not a list of rows"
        raise InputError(src, field, problem, expected)
    widths = sorted({len(r) for r in value})
    if len(value) != d or widths != [d]:
        shape = f"{len(value)}×{widths[0]}" if len(widths) == 1 else f"{len(value)} rows of lengths {widths}"
        raise InputError(src, field, f"has shape {shape}", expected)
    return tuple(tuple(parse_exact(v, file=src, field=f"{field}[{i}][{j}]") for j, v in enumerate(row))
                 for i, row in enumerate(value))


def _check_spd(m: Matrix, field: str, src: str) -> None:
    d = len(m)
    for i in range(d):
        for j in range(i + 1, d):
            if m[i][j] != m[j][i]:
                raise InputError(src, field, f"is not symmetric: [{i}][{j}] is {_shown(m[i][j])} "
                                 f"but [{j}][{i}] is {_shown(m[j][i])}", "a symmetric matrix")
    failed = first_nonpositive_minor(m)
    if failed is not None:
        k, minor = failed
        what = "the variance" if d == 1 else f"the top-left {k}×{k} determinant"
        singular = minor == 0 if k == d else det(m) == 0
        first = "is singular (determinant 0), so" if singular else "is"
        raise InputError(src, field, f"{first} not positive definite: leading minor {k} ({what}) "
                         f"is {_shown(minor)}", "a symmetric positive-definite matrix (every leading minor > 0)")


_WHITESPACE_NAMES = {" ": "a space", "\t": "a tab", "\n": "a line break", "\r": "a carriage return",
                     "\u00a0": "a no-break space"}
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _check_name(s, field: str, noun: str, src: str) -> None:
    """A label, variable or component name: a string, not empty, within ``label_chars``, with no
    whitespace at either end, no control characters, and none of ``FORBIDDEN_IN_NAMES``."""
    if not isinstance(s, str):
        raise InputError(src, field, f"is {_kind(s)}", f'a {noun} written as a string, e.g. "A"')
    if not s.strip():
        raise InputError(src, field, "is empty or whitespace-only", f"a non-empty {noun}")
    if len(s) > active_limits().label_chars:
        raise limits.exceeded(src, field, f"characters in the {noun} {shorten(repr(s))}", len(s), "label_chars")
    for end, char in (("start", s[0]), ("end", s[-1])):
        if char.isspace():
            what = _WHITESPACE_NAMES.get(char, f"the whitespace character U+{ord(char):04X}")
            raise InputError(src, field, f"{noun} {shorten(repr(s))} has {what} at its {end}",
                             f"a {noun} without whitespace at either end (write {shorten(repr(s.strip()))}); "
                             "it is printed and matched exactly as written")
    bad = next((c for c in s if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in _BIDI_CONTROLS), None)
    if bad is not None:
        raise InputError(src, field, f"{noun} {shorten(repr(s))} contains the control character U+{ord(bad):04X}",
                         f"a {noun} of printable characters (no line breaks, tabs or other control characters)")
    bad = next((c for c in FORBIDDEN_IN_NAMES if c in s), None)
    if bad:
        raise InputError(src, field, f"{shorten(repr(s))} contains {bad!r}", f"a {noun} without '.', '[' or ']' "
                         "(names are used in keys like density.A.women and mean.women[0])")


def _names(raw, count: int, default: tuple[str, ...], field: str, noun: str, why: str, src: str):
    if raw is None:
        return default
    if not _is_seq(raw):
        raise InputError(src, field, f"is {_kind(raw)}", f"a list of {count} strings ({why})")
    if len(raw) != count:
        raise InputError(src, field, f"has {len(raw)} entries", f"{count} ({why})")
    if isinstance(raw, StoredLabels):  # a streamed file's labels, shown unique as they were read: kept on disk
        for i, s in enumerate(raw):
            _check_name(s, f"{field}[{i}]", noun, src)
        return raw
    seen: dict[str, int] = {}
    for i, s in enumerate(raw):
        _check_name(s, f"{field}[{i}]", noun, src)
        if s in seen:
            raise InputError(src, f"{field}[{i}]", f"duplicate {noun} {shorten(repr(s))} (also {field}[{seen[s]}])",
                             f"unique {noun}s")
        seen[s] = i
    return tuple(raw)


def _components(raw, d: int, src: str, shared=None) -> tuple[Component, ...]:
    """The [[components]] tables; ``shared`` is a top-level ``covariance`` that every component starts from."""
    example = "one [[components]] table per component, with mean, covariance and weight"
    if raw is None:
        raise InputError(src, "components", "is missing (no [[components]] tables)", example)
    if not _is_seq(raw) or not all(isinstance(c, Mapping) for c in raw):
        raise InputError(src, "components", f"is {_kind(raw)}, not an array of tables", example)
    if not raw:
        raise InputError(src, "components", "is empty", example)
    if len(raw) > active_limits().components:
        raise limits.exceeded(src, "components", "components", len(raw), "components")
    seen: dict[str, int] = {}
    out = []
    shared_cov = None
    for k, table in enumerate(raw):
        base = where = f"components[{k}]"
        name = table.get("name", str(k + 1))
        if "name" in table:
            _check_name(name, f"{base}.name", "component name", src)
            where = f"{base} ({name})"
        _check_keys(table, COMPONENT_KEYS, src, where)
        if name in seen:
            default = "" if "name" in table else " (its default name, from its position)"
            raise InputError(src, f"{base}.name", f"duplicate component name {shorten(repr(name))}{default} "
                             f"(also components[{seen[name]}])", "unique component names")
        seen[name] = k
        if shared is not None and "covariance" in table:
            raise InputError(src, f"{where}.covariance", "is given although the top-level covariance is too",
                             "one of the two: a top-level covariance shared by every component, or one per component")
        for key in ("mean", "covariance", "weight"):
            if key not in table and not (key == "covariance" and shared is not None):
                raise InputError(src, f"{where}.{key}", "is missing", example)
        mean = _vector(table["mean"], d, f"{where}.mean", "entries", f"d = {d}, the dimension of the points", src)
        if shared is not None:
            if shared_cov is None:
                shared_cov = _matrix(shared, d, "covariance", src)
                _check_spd(shared_cov, "covariance", src)
            cov = shared_cov
        else:
            cov = _matrix(table["covariance"], d, f"{where}.covariance", src)
            _check_spd(cov, f"{where}.covariance", src)
        weight = parse_exact(table["weight"], file=src, field=f"{where}.weight")
        if weight <= 0:
            why = "; a zero-weight component gets no responsibility and its M-step is undefined" if weight == 0 else ""
            raise InputError(src, f"{where}.weight", f"is {_shown(weight)}{why}", "a weight > 0")
        out.append(Component(name, mean, cov, weight))
    return tuple(out)


class _NumberedIndex(Mapping):
    """``point_index`` of :class:`NumberedLabels`: label → row, without a dictionary of n entries."""

    def __init__(self, labels: NumberedLabels) -> None:
        self._labels = labels

    def __getitem__(self, label) -> int:
        if label not in self._labels:
            raise KeyError(label)
        return self._labels.index(label)

    def __iter__(self):
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)

