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

Known gaps: the hints for unreadable values know decimal commas, a leading ``≈``/``~``/``=`` and
percentages; other spellings get the list of accepted ones.
"""
from __future__ import annotations

import csv
import difflib
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..model.errors import InputError
from ..engine.exact import ExactPlan
from ..model.keys import CATALOGUE, Key
from ..numerics.run import Run
from ..engine.lookup import resolve
from ..model.written import Written, parse_written


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


def _nearest_keys(text: str, plan: ExactPlan) -> str:
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
    keys = [str(k) for k in Run(plan).keys()]
    close = difflib.get_close_matches(text, keys, n=3)
    return f"one of the problem's keys, e.g. {', '.join(close or keys[:3])}"


def _value(raw, key: Key, d: int) -> tuple[Written | tuple, str | None]:
    """The written value of ``raw`` for ``key`` and how it was read (a note, or None).

    Raises :class:`Unreadable` for a value that cannot be read or has the wrong shape.
    """
    want = key.shape if not key.entry else "scalar"
    if isinstance(raw, Unparsed):
        raise Unreadable(f"value cannot be read: {raw.problem}; expected {raw.expected}")
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


def _number(raw, entry: str = "") -> Written:
    """One written number; :class:`Unreadable` with what was wrong and what would be right."""
    try:
        return parse_written(raw)
    except InputError as e:
        where = f"entry {entry} " if entry else ""
        hint = _hint(raw)
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
    if re.fullmatch(r"[+\-−]?\d*,\d+", text):
        dotted = text.replace(",", ".")
        if re.fullmatch(r"[+\-−]?\d{1,3},\d{3}", text):
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
    """A value left empty: ``""`` or lists of nothing but ``""``."""
    if isinstance(raw, list):
        return all(_blank(v) for v in raw)
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


def claims_from_dict(data: dict, plan: ExactPlan, source: str = "<memory>") -> list[Claim]:
    """Validate and collect claims (both forms) against the keys of ``plan``.

    A value that cannot be read, or has the wrong shape, makes that claim unreadable (its
    ``unreadable`` reason); so does a key the problem does not have, as long as some other claim's key
    is the problem's. Raises :class:`InputError` for what is not a claims file: an unknown table or
    field, a record without key or value, a key that is not a string, no filled-in claim, or no key
    the problem has.
    """
    d = plan.problem.d
    unknown = set(data) - {"claim", "values"}
    if unknown:
        raise InputError(source, sorted(unknown)[0], "unknown table", "[[claim]] records or a [values] table")
    records = []
    locations = getattr(data, "locations", None)
    for i, rec in enumerate(data.get("claim", [])):
        field = locations[i] if locations else f"claim[{i}]"
        if not isinstance(rec, dict):
            raise InputError(source, field, "is not a table", "[[claim]] with key, value and optional where")
        extra = set(rec) - {"key", "value", "where"}
        if extra:
            raise InputError(source, f"{field}.{sorted(extra)[0]}", "unknown field", "key, value and optional where")
        if "key" not in rec or "value" not in rec:
            raise InputError(source, field, f"has no {'key' if 'key' not in rec else 'value'}",
                             "key = \"density.A.women\" and value = \"0.0107\"")
        records.append((field, rec["key"], rec["value"], rec.get("where")))
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise InputError(source, "values", "is not a table", "[values] with key = value lines")
    for name, raw in values.items():
        records.append((f'values."{name}"', name, raw, None))
    claims, unknown_keys = [], []
    records = [r for r in records if not _blank(r[2])]  # not filled in (a template's blanks)
    for index, (field, text, raw, where) in enumerate(records):
        if not isinstance(text, str):
            raise InputError(source, f"{field}.key", f"is {text!r}", "a key written as a string")
        where = str(where) if where not in (None, "") else None
        try:
            key = resolve(plan, text)
        except KeyError as e:
            error = InputError(source, field if field.startswith("values") else f"{field}.key", f"{e.args[0]}",
                               _nearest_keys(text, plan))
            unknown_keys.append(error)
            claims.append(Claim(index, None, None, where, f"unknown key: {e.args[0]}; expected {error.expected}",
                                _raw(raw), key_text=text))
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
    if len(unknown_keys) == len(claims):  # no key of this problem at all: not its claims file
        raise unknown_keys[0]
    return claims


def _raw(raw):
    """A value as given, for the report: text, or nested lists of text."""
    if isinstance(raw, list):
        return [_raw(v) for v in raw]
    if isinstance(raw, Unparsed):
        return raw.text
    if isinstance(raw, bool):
        return str(raw).lower()
    return raw if isinstance(raw, str) else str(raw)


def read_claims_data(path: str | Path) -> dict:
    """The raw records of a claims file: TOML (``[[claim]]`` / ``[values]``) or CSV (``key,value,where``)."""
    src = str(path)
    if src.lower().endswith(".csv"):
        return _read_csv(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(src, None, "file not found", "the path of a claims TOML or CSV file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(src, None, f"cannot read the file: {e}", "a readable UTF-8 claims file") from None
    try:
        return tomllib.loads(text)  # floats are refused by parse_written: the digits shown must survive
    except tomllib.TOMLDecodeError as e:
        raise InputError(src, None, f"invalid TOML: {e}", "valid TOML (see https://toml.io)") from None


class ClaimsData(dict):
    """The raw records of a claims file, with where each came from (``"line 4"`` for CSV files)."""

    locations: list[str] | None = None


def _read_csv(path) -> dict:
    """``key,value,where`` rows (a header row is optional); vectors as ``[165, 60]``, matrices nested.

    A byte-order mark (spreadsheet exports) is skipped; errors name the file's line.
    """
    src = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f)
            rows = [(reader.line_num, r) for r in reader if any(cell.strip() for cell in r)]
    except FileNotFoundError:
        raise InputError(src, None, "file not found", "the path of a claims CSV file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(src, None, f"cannot read the file: {e}", "a readable UTF-8 CSV file") from None
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
    for pos, ch in enumerate(text):
        if out is not None:
            if ch.strip():
                raise InputError(src, f"line {line}", f"text after the closing bracket in {text!r}", expected)
            continue
        if ch == "[":
            if item.strip():
                raise InputError(src, f"line {line}", f"a number before '[' in {text!r}", expected)
            stack.append([])
        elif ch in ",]":
            if not stack:
                raise InputError(src, f"line {line}", f"unbalanced brackets in {text!r}", expected)
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
        raise InputError(src, f"line {line}", f"unbalanced brackets in {text!r}", expected)
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
        comment = CATALOGUE[key.kind].text(key.point, key.component)
        lines += [f"# {key}: {comment}", "[[claim]]", f'key = "{key}"', f"value = {blank}", 'where = ""', ""]
    return "\n".join(lines)


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
