"""Claims files: the numbers a hand-worked document writes down, keyed by the engine's vocabulary.

Two forms (TOML): records in document order, ``[[claim]]`` with ``key``, ``value`` and optional
``where`` (a document may write the same quantity twice), or the compact ``[values]`` table with
``key = value`` lines. A value is written as the document writes it (a string keeps its digits);
vectors and matrices are lists (a plain value when d = 1).

One claim that cannot be read does not stop the others: its :class:`Claim` carries the reason
(``unreadable``: "value cannot be read: …", "wrong shape: …" or "unknown key: …", each saying what
would be right) and gets the verdict ``unreadable``. A file that is not a claims file at all (bad
TOML or CSV structure, an unknown table or field, a record without key or value, no claim whose
key the problem has) is an :class:`InputError`. A zero written for a whole vector or matrix (``0``,
``[0]``, ``[[0]]``) is read as the zero array, with a note.

Hostile files are bounded before work proportional to them is done: a file over ``file_bytes``
(:mod:`gmmexact.model.limits`) is refused, and so is one whose reading and checking are estimated
past the cost limits (:class:`~gmmexact.model.limits.TooExpensive`, lifted by ``--force``); a file
that is not UTF-8 text (Latin-1, UTF-16, NUL bytes) is refused with the line of the first bad byte.
A value nested deeper than a matrix, an empty list ``[]``, a table, a date, digits other than ASCII
``0``–``9`` (``٠١٢``, ``１２``) and a key of an iteration past :data:`MAX_ITERATION` are unreadable
claims, with the reason; a number past the limits on digits or exponents is read as a
:class:`~gmmexact.model.written.PastLimits` and decided by its magnitude.

Known gaps: the hints for unreadable values know decimal commas, a leading ``≈``/``~``/``=`` and
percentages; other spellings get the list of accepted ones.
"""
from __future__ import annotations

import csv
import datetime
import difflib
import io
import json
import re
import sys
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..model import limits
from ..model.errors import InputError
from ..engine.exact import ExactPlan
from ..model.exactnum import shorten
from ..model.keys import CATALOGUE, Key
from ..numerics.run import Run
from ..engine.lookup import resolve
from ..model.written import ASCII_DIGITS, Written, parse_written

MAX_ITERATION = 1000
"""The last iteration a claim's key may name: a key past it (``iter1000000.loglik``) is an unreadable
claim, and no iteration is computed for it."""
MAX_DEPTH = 2
"""Lists in a claim's value nest at most this deep (a matrix is a list of rows)."""
SUGGESTED_KEYS = 50
"""Unknown keys given suggestions of close keys (the rest get a few of the problem's keys)."""
CLAIM_SECONDS, CLAIM_SECONDS_PER_POINT = 5e-3, 3e-4
"""Seconds to check one claim, plus a part per data point (its steps sum over the points; measured)."""
CLAIM_BYTES = 20_000
"""Bytes kept per claim checked (the claim, its verdict, cached step definitions)."""
READ_SECONDS_PER_BYTE, READ_BYTES_PER_BYTE = 2.5e-6, 60
"""Reading a claims file (TOML or CSV) into records: seconds and peak memory per byte of the file."""


@dataclass(frozen=True)
class Claim:
    """One written number (or vector/matrix of them) for one quantity.

    An unreadable claim has ``written`` None, the value as given in ``raw`` and the reason in
    ``unreadable``; with an unknown key, ``key`` is None and ``key_text`` the key as given.
    """

    index: int  # position in the claims file, from 0
    key: Key | None
    written: Written | tuple | None  # nested tuples for vectors and matrices; None when unreadable
    where: str | None = None
    unreadable: str | None = None  # why the claim cannot be read, and what would be right
    raw: object = None  # the value as given (text, nested lists of text) when unreadable
    reading: str | None = None  # how the value was read beyond its digits ("[0] read as the zero vector")
    key_text: str | None = None  # the key as given, when the problem has no such key

    @property
    def name(self) -> str:
        """The key as reports show it (as given, for an unknown key)."""
        return str(self.key) if self.key is not None else str(self.key_text)

    def entries(self, d: int) -> list[tuple[Key, Written]]:
        """``(entry key, written)`` pairs, row-major (none for an unreadable claim)."""
        if self.written is None:
            return []
        if isinstance(self.written, Written):
            return [(self.key, self.written)]
        if self.key.shape == "vector":
            return [(Key(self.key.iteration, self.key.kind, self.key.point, self.key.component, (i,)), w)
                    for i, w in enumerate(self.written)]
        return [(Key(self.key.iteration, self.key.kind, self.key.point, self.key.component, (i, j)), w)
                for i, row in enumerate(self.written) for j, w in enumerate(row)]


class Unreadable(Exception):
    """A claim's value that cannot be read; ``reason`` says what is wrong and what would be right."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Unparsed:
    """A CSV cell whose brackets could not be read (kept for the claim's own verdict)."""

    text: str
    problem: str
    expected: str


def _nearest_keys(text: str, plan: ExactPlan, keys: list[str]) -> str:
    d = plan.problem.d
    try:
        whole = Key.parse(text).whole
        resolve(plan, whole)
    except (ValueError, KeyError):
        pass
    else:  # the quantity exists: its entries are what was meant
        last = f"[{d - 1}]" if whole.shape == "vector" else f"[{d - 1}][{d - 1}]"
        first = "[0]" if whole.shape == "vector" else "[0][0]"
        return f"an entry from {whole}{first} to {whole}{last} (entries count from 0), or {whole} itself"
    close = difflib.get_close_matches(text, keys, n=3)
    return f"one of the problem's keys, e.g. {', '.join(close or keys[:3])}"


def _value(raw, key: Key, d: int) -> tuple[Written | tuple, str | None]:
    """The written value of ``raw`` for ``key`` and how it was read (a note, or None).

    Raises :class:`Unreadable` for a value that cannot be read or has the wrong shape.
    """
    want = key.shape if not key.entry else "scalar"
    if isinstance(raw, Unparsed):
        raise Unreadable(f"value cannot be read: {raw.problem}; expected {raw.expected}")
    depth = _depth(raw)
    if depth > MAX_DEPTH:
        deep = f"more than {limits.current().nesting}" if depth == _DEEP else str(depth)
        raise Unreadable(f"wrong shape: lists nested {deep} deep, but {key} is "
                         f"{'a number' if want == 'scalar' else 'a ' + want}; expected {_expected_shape(want, d)}")
    if _empty(raw):
        raise Unreadable(f"wrong shape: {'an empty list' if raw == [] else 'empty lists'}, which writes no number; "
                         f"expected {_expected_shape(want, d)}, or the claim left out")
    if want == "scalar" or (d == 1 and not isinstance(raw, list)):
        if isinstance(raw, list):
            raise Unreadable(f"wrong shape: {_shape(raw)}, but {key} is a single number; expected the number "
                             "alone, written as a string")
        w = _number(raw)
        if want == "scalar":
            return w, None
        return ((w,) if want == "vector" else ((w,),)), None
    zero = _zero_array(raw, key, d, want)
    if zero is not None:
        return zero
    if not isinstance(raw, list):
        hint = (" ((x−μ)ᵀ(x−μ) is a number; the outer product (x−μ)(x−μ)ᵀ in the covariance update is a "
                f"{d}×{d} matrix)") if key.kind in ("outer", "cov") else ""
        raise Unreadable(f"wrong shape: a single number, but {key} is a {want}{hint}; expected a list of {d}"
                         + (f" rows of {d}" if want == "matrix" else "") + " numbers")
    if want == "vector":
        if len(raw) != d or any(isinstance(v, list) for v in raw):
            raise Unreadable(f"wrong shape: {_shape(raw)}, but {key} is a vector of {d}; expected a list of {d} "
                             "numbers")
        return tuple(_number(v, f"[{i}]") for i, v in enumerate(raw)), None
    if len(raw) != d or any(not isinstance(r, list) or len(r) != d for r in raw):
        raise Unreadable(f"wrong shape: {_shape(raw)}, but {key} is a {d}×{d} matrix; expected a list of {d} rows "
                         f"of {d} numbers")
    return tuple(tuple(_number(v, f"[{i}][{j}]") for j, v in enumerate(r)) for i, r in enumerate(raw)), None


def _expected_shape(want: str, d: int) -> str:
    """What a value of shape ``want`` is written as."""
    if want == "scalar" or d == 1:
        return "the number, written as a string (\"0.0107\")"
    return f"a list of {d}" + (f" rows of {d}" if want == "matrix" else "") + " numbers"


_DEEP = 10**9  # nested past the nesting limit: not measured further


def _depth(raw) -> int:
    """How deep lists nest in a value (0 for a number), level by level without recursion; ``_DEEP``
    past the nesting limit."""
    limit = limits.current().nesting
    depth, level = 0, [raw]
    while True:
        inner = [x for x in level if isinstance(x, list)]
        if not inner:
            return depth
        depth += 1
        if depth > limit:
            return _DEEP
        level = [v for x in inner for v in x]


def _empty(raw) -> bool:
    """A list that holds no number at all (``[]``, ``[[], []]``)."""
    return isinstance(raw, list) and all(_empty(v) for v in raw)


_TYPE_NAMES = {dict: "a table", list: "a list", datetime.datetime: "a date and time", datetime.date: "a date",
               datetime.time: "a time of day"}


def _number(raw, entry: str = "") -> Written:
    """One written number; :class:`Unreadable` with what was wrong and what would be right."""
    where = f"entry {entry} " if entry else ""
    if isinstance(raw, dict):
        raise Unreadable(f"value cannot be read: {where}is a table (a key with dots left unquoted in TOML is read as "
                         "nested tables); expected the number written as a string, and a key with dots in quotes: "
                         "\"density.A.women\" = \"0.0107\"")
    if type(raw) in _TYPE_NAMES:
        raise Unreadable(f"value cannot be read: {where}is {_TYPE_NAMES[type(raw)]}, not a number; expected the number "
                         "written as a string, e.g. \"0.0107\"")
    try:
        return parse_written(raw, past_limits=True)
    except InputError as e:
        hint = _hint(raw) if e.expected != ASCII_DIGITS else None
        if hint:
            raise Unreadable(f"value cannot be read: {where}{hint}") from None
        raise Unreadable(f"value cannot be read: {where}{e.problem}; expected {e.expected}") from None


_APPROX = ("≈", "~", "∼", "≃", "=", "approx.", "approx", "about", "ca.")


def _hint(raw) -> str | None:
    """What is wrong with a common unreadable spelling, and the spelling that would be right.

    >>> _hint("0,0107"), _hint("≈0.0107"), _hint("75.7%")
    ("'0,0107' has a decimal comma; write 0.0107", "'≈0.0107' starts with '≈'; write the number alone, 0.0107 (its digits already say how it was rounded)", "'75.7%' is a percentage; write it as a number, 0.757")
    """
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    for mark in _APPROX:
        if text.lower().startswith(mark) and len(text) > len(mark):
            rest = text[len(mark):].strip()
            if _parses(rest):
                return (f"{text!r} starts with {mark!r}; write the number alone, {rest} (its digits already say "
                        "how it was rounded)")
    if text.endswith("%") and _parses(text[:-1].strip()):
        number = text[:-1].strip()
        try:
            fraction = str(Decimal(number.replace("−", "-")).scaleb(-2))
        except InvalidOperation:
            return f"{text!r} is a percentage; write it as a number (divided by 100)"
        return f"{text!r} is a percentage; write it as a number, {fraction}"
    if re.fullmatch(r"[+\-−]?[0-9]*,[0-9]+", text):
        dotted = text.replace(",", ".")
        if re.fullmatch(r"[+\-−]?[0-9]{1,3},[0-9]{3}", text):
            return (f"{text!r} has a comma inside the number; write {dotted} if it is a decimal comma, or "
                    f"{text.replace(',', '')} if it separates thousands")
        return f"{text!r} has a decimal comma; write {dotted}"
    return None


def _parses(text: str) -> bool:
    try:
        parse_written(text)
    except InputError:
        return False
    return True


def _zero_array(raw, key: Key, d: int, want: str) -> tuple[tuple, str] | None:
    """A zero written for a whole vector or matrix (``0``, ``[0]``, ``[[0]]``): the zero array and the
    note saying so; None for anything else."""
    inner, shown = raw, None
    if isinstance(raw, list) and len(raw) == 1:
        inner = raw[0]
        if isinstance(inner, list) and len(inner) == 1 and want == "matrix":
            inner = inner[0]
            shown = "[[{}]]"
        elif not isinstance(inner, list):
            shown = "[{}]"
    elif not isinstance(raw, list):
        shown = "{}"
    if shown is None or isinstance(inner, list):
        return None
    try:
        w = parse_written(inner)
    except InputError:
        return None
    if w.value != 0:
        return None
    value = tuple([w] * d) if want == "vector" else tuple(tuple([w] * d) for _ in range(d))
    return value, f"{shown.format(w.text)} read as the zero {want}"


def _blank(raw) -> bool:
    """A value left empty as a template leaves it: ``""``, or lists of nothing but ``""`` (an empty
    list ``[]`` is not blank: it is written, and unreadable)."""
    if isinstance(raw, list):
        return bool(raw) and _depth(raw) <= MAX_DEPTH and all(_blank(v) for v in raw)
    return isinstance(raw, str) and not raw.strip()


def _shape(raw) -> str:
    """The shape of a value as given.

    >>> _shape("3"), _shape(["1", "2", "3"]), _shape([["1", "2", "3"]]), _shape(["1", ["2"]])
    ('a single number', 'a list of 3 numbers', 'a 1×3 list', 'a list of 2 (some of them lists)')
    """
    if not isinstance(raw, list):
        return "a single number"
    if raw and all(isinstance(r, list) for r in raw):
        return f"a {len(raw)}×{'/'.join(sorted({str(len(r)) for r in raw}))} list"
    if any(isinstance(r, list) for r in raw):
        return f"a list of {len(raw)} (some of them lists)"
    return f"a list of {len(raw)} number{'' if len(raw) == 1 else 's'}"


def _kind_of(value) -> str:
    """What a value of the wrong type is, in TOML's words.

    >>> _kind_of(3), _kind_of([1]), _kind_of({}), _kind_of(True)
    ('the integer 3', 'an array', 'a table', 'the boolean true')
    """
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"the integer {shorten(str(value)) if value.bit_length() < 1000 else '(' + str(value.bit_length()) + ' bits)'}"
    if isinstance(value, (float, Decimal)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {shorten(value)!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return _TYPE_NAMES.get(type(value), f"a {type(value).__name__}")


def check_estimate(claims: int, points: int) -> limits.Estimate:
    """The time and memory of checking ``claims`` claims against a problem of ``points`` points.

    >>> check_estimate(10**6, 6).affordable()
    False
    """
    return limits.Estimate(claims * (CLAIM_SECONDS + CLAIM_SECONDS_PER_POINT * points), claims * CLAIM_BYTES,
                           f"checking {claims:,} claims against {points:,} points")


def far_iteration(text: str) -> str | None:
    """Why a key names an iteration too far to compute (past :data:`MAX_ITERATION`), or None.

    >>> far_iteration("iter1000000.loglik")
    'iteration 1,000,000 is too far (limit 1,000): its quantities are not computed; expected a key of iteration 1 to 1,000'
    >>> far_iteration("iter2.mean.women") is None
    True
    """
    try:
        t = Key.parse(text).iteration
    except ValueError:
        return None
    if t <= MAX_ITERATION:
        return None
    return (f"iteration {t:,} is too far (limit {MAX_ITERATION:,}): its quantities are not computed; expected a key "
            f"of iteration 1 to {MAX_ITERATION:,}")


def claimed_iterations(data) -> int:
    """The last iteration the keys of a raw claims document name (1 when none does), keys past
    :data:`MAX_ITERATION` and malformed records left out: how many iterations a check must solve.

    >>> claimed_iterations({"values": {"iter3.mean.women": "1", "iter1000000.loglik": "2"}})
    3
    >>> claimed_iterations({"values": 3, "claim": [1, {"key": ["x"]}]})
    1
    """
    keys = []
    if isinstance(data, dict):
        records = data.get("claim")
        if isinstance(records, list):
            keys += [r.get("key") for r in records if isinstance(r, dict)]
        values = data.get("values")
        if isinstance(values, dict):
            keys += list(values)
    iterations = 1
    for text in keys:
        if not isinstance(text, str) or far_iteration(text):
            continue
        try:
            iterations = max(iterations, Key.parse(text).iteration)
        except ValueError:
            pass  # reported with its record by claims_from_dict
    return iterations


def claims_from_dict(data: dict, plan: ExactPlan, source: str = "<memory>") -> list[Claim]:
    """Validate and collect claims (both forms) against the keys of ``plan``.

    A value that cannot be read, or has the wrong shape, makes that claim unreadable (its
    ``unreadable`` reason); so does a key the problem does not have, as long as some other claim's key
    is the problem's, and a key of an iteration past :data:`MAX_ITERATION`. Raises :class:`InputError`
    for what is not a claims file: not a table, ``claim`` not an array of tables, ``values`` not a
    table, an unknown table or field, a record without key or value, a key that is not a string, a
    ``where`` that is not text, no filled-in claim, or no key the problem has; and
    :class:`~gmmexact.model.limits.TooExpensive` for more claims than the cost limits allow to check.
    """
    d = plan.problem.d
    if not isinstance(data, dict):
        raise InputError(source, None, f"is {_kind_of(data)}", "a claims file: [[claim]] records or a [values] table")
    unknown = set(data) - {"claim", "values"}
    if unknown:
        raise InputError(source, str(sorted(map(str, unknown))[0]), "unknown table",
                         "[[claim]] records or a [values] table")
    records = []
    locations = getattr(data, "locations", None)
    listed = data.get("claim", [])
    if not isinstance(listed, list):
        raise InputError(source, "claim", f"is {_kind_of(listed)}" + (" ([claim] with single brackets)"
                                                                      if isinstance(listed, dict) else ""),
                         "[[claim]] records (double brackets), one for each number, with key, value and optional where")
    for i, rec in enumerate(listed):
        field = locations[i] if locations else f"claim[{i}]"
        if not isinstance(rec, dict):
            raise InputError(source, field, f"is {_kind_of(rec)}, not a table",
                             "[[claim]] with key, value and optional where")
        extra = set(rec) - {"key", "value", "where"}
        if extra:
            raise InputError(source, f"{field}.{sorted(map(str, extra))[0]}", "unknown field",
                             "key, value and optional where")
        if "key" not in rec or "value" not in rec:
            raise InputError(source, field, f"has no {'key' if 'key' not in rec else 'value'}",
                             "key = \"density.A.women\" and value = \"0.0107\"")
        where = rec.get("where")
        if where is not None and (isinstance(where, (bool, list, dict)) or not isinstance(where, (str, int, Decimal))):
            raise InputError(source, f"{field}.where", f"is {_kind_of(where)}",
                             "a short text saying where the document writes the number")
        records.append((field, rec["key"], rec["value"], where))
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise InputError(source, "values", f"is {_kind_of(values)}, not a table",
                         "[values] with \"key\" = \"value\" lines")
    for name, raw in values.items():
        records.append((f'values."{shorten(str(name))}"', name, raw, None))
    records = [r for r in records if not _blank(r[2])]  # not filled in (a template's blanks)
    limits.require_affordable(check_estimate(len(records), plan.problem.n))
    claims, unknown_keys, suggestions = [], [], _Suggestions(plan)
    for index, (field, text, raw, where) in enumerate(records):
        if not isinstance(text, str):
            raise InputError(source, f"{field}.key", f"is {_kind_of(text)}", "a key written as a string")
        where = shorten(str(where), WHERE_CHARS) if where not in (None, "") else None
        far = far_iteration(text)
        if far is not None:
            claims.append(Claim(index, None, None, where, far, _raw(raw), key_text=text))
            continue
        try:
            key = resolve(plan, text)
        except KeyError as e:
            error = InputError(source, field if field.startswith("values") else f"{field}.key", f"{e.args[0]}",
                               suggestions(text))
            unknown_keys.append(error)
            claims.append(Claim(index, None, None, where, f"unknown key: {e.args[0]}; expected {error.expected}",
                                _raw(raw), key_text=shorten(text)))
            continue
        try:
            written, reading = _value(raw, key, d)
        except Unreadable as e:
            claims.append(Claim(index, key, None, where, e.reason, _raw(raw)))
            continue
        claims.append(Claim(index, key, written, where, reading=reading))
    if not claims:
        raise InputError(source, None, "has no filled-in claims",
                         "[[claim]] records or a [values] table with at least one value written")
    if unknown_keys and len(unknown_keys) == len(claims):  # no key of this problem at all: not its claims file
        raise unknown_keys[0]
    return claims


WHERE_CHARS = 1000
"""A ``where`` longer than this is shown shortened (its start and end)."""


class _Suggestions:
    """The keys to suggest for an unknown key; close matches for the first :data:`SUGGESTED_KEYS` only
    (matching is slow, and a file of thousands of unknown keys is not a claims file of this problem)."""

    def __init__(self, plan: ExactPlan):
        self.plan, self.asked, self._keys = plan, 0, None

    def __call__(self, text: str) -> str:
        self.asked += 1
        if self._keys is None:
            self._keys = [str(k) for k in Run(self.plan).keys()]
        if self.asked > SUGGESTED_KEYS or len(text) > 200:
            return f"one of the problem's keys, e.g. {', '.join(self._keys[:3])}"
        return _nearest_keys(text, self.plan, self._keys)


def _raw(raw):
    """A value as given, for the report: text, or nested lists of text (deep nesting and long text shortened)."""
    depth = _depth(raw)
    if depth > MAX_DEPTH:
        deep = f"more than {limits.current().nesting}" if depth == _DEEP else str(depth)
        return f"[[[…]]] (lists nested {deep} deep)"
    if isinstance(raw, list):
        return [_raw(v) for v in raw]
    if isinstance(raw, Unparsed):
        return shorten(raw.text, WHERE_CHARS)
    if isinstance(raw, bool):
        return str(raw).lower()
    if isinstance(raw, dict):
        return "{…} (a table)"
    if isinstance(raw, int) and raw.bit_length() > 8000:
        return f"(an integer of {raw.bit_length():,} bits)"
    return shorten(raw if isinstance(raw, str) else str(raw), WHERE_CHARS)


def read_claims_data(path: str | Path) -> dict:
    """The raw records of a claims file: TOML (``[[claim]]`` / ``[values]``) or CSV (``key,value,where``).

    The file is refused (:class:`InputError`) when it is larger than ``file_bytes``, is not UTF-8
    text, or is estimated to take longer or more memory to read than the cost limits allow.
    """
    src = str(path)
    text = _read_text(path, src)
    if src.lower().endswith(".csv") or (not src.lower().endswith(".toml") and _csv_header(text)):
        return _read_csv(text, src)
    limits.require_affordable(limits.Estimate(len(text) * READ_SECONDS_PER_BYTE, len(text) * READ_BYTES_PER_BYTE,
                                              f"reading {src} ({len(text):,} characters)"))
    old_limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    try:  # an integer within the limit on digits is read (floats are refused later: digits shown must survive)
        if old_limit:
            sys.set_int_max_str_digits(max(old_limit, limits.current().number_digits + 1))
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\s*\(at (line \d+, column \d+|end of document)\)\s*$", str(e))
        where, reason = (m[1].replace("document", "file"), str(e)[:m.start()]) if m else (None, str(e))
        raise InputError(src, where, f"invalid TOML: {reason}", "valid TOML (see https://toml.io)") from None
    except RecursionError:
        raise InputError(src, None, "is nested too deeply to read",
                         f"at most {limits.current().nesting} levels of arrays and tables") from None
    except ValueError:
        raise InputError(src, None, f"holds an integer of more than {limits.current().number_digits:,} digits",
                         "numbers written as strings with at most that many digits "
                         "(raise the limit with GMMEXACT_LIMIT_NUMBER_DIGITS)") from None
    finally:
        if old_limit:
            sys.set_int_max_str_digits(old_limit)
    return data


def _csv_header(text: str) -> bool:
    first = text.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    return first.replace(" ", "").lower().startswith("key,value")


def _read_text(path, src: str) -> str:
    """A claims file's text: at most ``file_bytes`` read (a pipe or device too), UTF-8 without NUL bytes."""
    limit = limits.current().file_bytes
    try:
        if Path(path).is_dir():
            raise InputError(src, None, "is a directory", "the path of a claims TOML or CSV file")
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise InputError(src, None, "file not found", "the path of a claims TOML or CSV file") from None
    except OSError as e:
        raise InputError(src, None, f"cannot read the file: {e.strerror or e}",
                         "a readable claims TOML or CSV file") from None
    if len(data) > limit:
        raise limits.exceeded(src, None, "bytes or more", limit + 1, "file_bytes")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(src, None, "is UTF-16 text (it starts with a UTF-16 byte-order mark)",
                         "a UTF-8 file (save it again as UTF-8)")
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise InputError(src, f"line {line}", "holds a NUL byte: a binary file, or UTF-16 text",
                         "a UTF-8 text file (save it again as UTF-8)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(src, f"line {line}", f"is not UTF-8: byte 0x{data[e.start]:02x} at column {column} is not "
                         "UTF-8 (a Latin-1 or Windows-1252 file?)",
                         "a UTF-8 file (save it again as UTF-8; in a spreadsheet, as \"CSV UTF-8\")") from None


class ClaimsData(dict):
    """The raw records of a claims file, with where each came from (``"line 4"`` for CSV files)."""

    locations: list[str] | None = None


CSV_ROW_SECONDS, CSV_ROW_BYTES = 1e-5, 600
"""Reading one CSV row into a record: seconds and bytes kept."""


def _read_csv(text: str, src: str) -> dict:
    """``key,value,where`` rows (a header row is optional); vectors as ``[165, 60]``, matrices nested.

    A byte-order mark (spreadsheet exports) is skipped; errors name the file's line. The rows are
    counted, and the reading's cost checked against the limits, before any is read.
    """
    lines = text.count("\n") + 1
    limits.require_affordable(limits.Estimate(lines * CSV_ROW_SECONDS + len(text) * READ_SECONDS_PER_BYTE,
                                              lines * CSV_ROW_BYTES + 4 * len(text),
                                              f"reading {src} ({lines:,} lines)"))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, start = [], 1
    try:
        for r in reader:
            if any(cell.strip() for cell in r):
                rows.append((start, r))
            start = reader.line_num + 1  # where the next record starts (a quoted cell may span lines)
    except csv.Error as e:
        problem = str(e)
        if "field limit" in problem:
            problem = f"a field longer than {csv.field_size_limit():,} characters"
        raise InputError(src, f"line {start}", f"cannot be read as CSV: {problem}",
                         "key,value[,where] on each line, a value with commas in double quotes") from None
    if rows and [c.strip().lower() for c in rows[0][1][:2]] == ["key", "value"]:
        rows = rows[1:]
    records, locations = [], []
    for line, row in rows:
        if len(row) < 2:
            raise InputError(src, f"line {line}", f"has {len(row)} column(s)", "key,value[,where]")
        try:
            value = _csv_value(row[1].strip(), src, line)
        except InputError as e:  # one cell's brackets: that claim's own verdict (unreadable)
            value = Unparsed(row[1].strip(), e.problem, e.expected)
        records.append({"key": row[0].strip(), "value": value,
                        **({"where": row[2].strip()} if len(row) > 2 and row[2].strip() else {})})
        locations.append(f"line {line}")
    data = ClaimsData(claim=records)
    data.locations = locations
    return data


def _csv_value(text: str, src: str, line: int):
    """A CSV cell: a number as written, or bracketed lists of them (``[165, 60]``, ``[[1, 0], [0, 1]]``)."""
    if not text.startswith("["):
        return text
    stack, item, out = [], "", None
    expected = "balanced brackets, e.g. [165, 60] or [[1, 0], [0, 1]]"
    shown = shorten(text)
    for ch in text:
        if out is not None:
            if ch.strip():
                raise InputError(src, f"line {line}", f"text after the closing bracket in {shown!r}", expected)
            continue
        if ch == "[":
            if item.strip():
                raise InputError(src, f"line {line}", f"a number before '[' in {shown!r}", expected)
            stack.append([])
            if len(stack) > MAX_DEPTH:
                raise InputError(src, f"line {line}", f"brackets nested more than {MAX_DEPTH} deep in {shown!r}",
                                 "a number, a list [165, 60] or a list of rows [[1, 0], [0, 1]]")
        elif ch in ",]":
            if not stack:
                raise InputError(src, f"line {line}", f"unbalanced brackets in {shown!r}", expected)
            if item.strip():
                stack[-1].append(item.strip())
            item = ""
            if ch == "]":
                done = stack.pop()
                if stack:
                    stack[-1].append(done)
                else:
                    out = done
        else:
            item += ch
    if stack or out is None:
        raise InputError(src, f"line {line}", f"unbalanced brackets in {shown!r}", expected)
    return out


def load_claims(path: str | Path, plan: ExactPlan) -> list[Claim]:
    """Read a claims file (TOML or CSV) and check every key and value against ``plan``."""
    return claims_from_dict(read_claims_data(path), plan, str(path))


def template(run) -> str:
    """A claims file with every quantity of ``run`` in document order and empty values to fill in.

    Each ``[[claim]]`` has a comment above it with the quantity's symbol and general formula (plain
    text, from ``model.keys.CATALOGUE``), the problem's point labels and component names put in.

    >>> import gmmexact
    >>> text = template(gmmexact.solve(gmmexact.load("examples/seed/problem.toml")))
    >>> print(text[text.index("# density.A.women"):].split("\\n\\n")[0])
    # density.A.women: N(x_A | μ_women, Σ_women) = e^{−q_{A,women}/2} / ((2π)^{d/2} |Σ_women|^{1/2})
    [[claim]]
    key = "density.A.women"
    value = ""
    where = ""
    """
    problem = run.problem
    lines = ["# Claims to fill in: write each number as the document writes it, as a string (\"0.0107\",",
             "# \"1.15e-29\", \"1/3\"); vectors and matrices as lists. Claims left empty are ignored.",
             "# Above each claim: its symbol = its general formula (the textbook model's; x_p a point, μ_c, Σ_c, π_c",
             "# a component's parameters at the start of the iteration, ^new after its M-step)."]
    model = _model_note(problem)
    if model:
        lines.append(f"# This problem's model: {model}; the M-step formulas change accordingly.")
    lines.append("")
    for key in run.keys():
        blank = '""' if key.shape == "scalar" or problem.d == 1 else (
            "[" + ", ".join(['""'] * problem.d) + "]" if key.shape == "vector"
            else "[" + ", ".join(["[" + ", ".join(['""'] * problem.d) + "]"] * problem.d) + "]")
        comment = _comment_text(f"{key}: {CATALOGUE[key.kind].text(key.point, key.component)}")
        lines += [f"# {comment}", "[[claim]]", f"key = {toml_string(str(key))}", f"value = {blank}", 'where = ""', ""]
    return "\n".join(lines)


def toml_string(text: str) -> str:
    r"""``text`` as a TOML basic string: quotes, backslashes and control characters escaped.

    >>> print(toml_string('density.x\\1."a"'))
    "density.x\\1.\"a\""
    """
    # JSON's escapes are TOML's (\uXXXX for control characters); TOML refuses DEL raw as well
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _comment_text(text: str) -> str:
    """``text`` for a TOML comment, which ends at a line break and holds no control character."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _model_note(problem) -> str:
    """How ``problem``'s model differs from the textbook one the catalogue's formulas describe ("" when not)."""
    parts = []
    if problem.covariance_type != "full":
        parts.append(f"covariance_type {problem.covariance_type}")
    if problem.fixed:
        parts.append("fixed " + ", ".join(sorted(problem.fixed)))
    if problem.count_offset:
        parts.append(f"count_offset {problem.count_offset}")
    if problem.reg_covar:
        parts.append(f"reg_covar {problem.reg_covar}")
    return ", ".join(parts)
