"""Claims files: the numbers a hand-worked document writes down, keyed by the engine's vocabulary.

Two forms (TOML): records in document order, ``[[claim]]`` with ``key``, ``value`` and optional
``where`` (a document may write the same quantity twice), or the compact ``[values]`` table with
``key = value`` lines. A value is written as the document writes it (a string keeps its digits);
vectors and matrices are lists (a plain value when d = 1).
"""
from __future__ import annotations

import csv
import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..model.errors import InputError
from ..engine.exact import ExactPlan
from ..model.keys import CATALOGUE, Key
from ..numerics.run import Run
from ..engine.lookup import resolve
from ..model.written import Written, parse_written


@dataclass(frozen=True)
class Claim:
    """One written number (or vector/matrix of them) for one quantity."""

    index: int  # position in the claims file, from 0
    key: Key
    written: Written | tuple  # nested tuples for vectors and matrices
    where: str | None = None

    def entries(self, d: int) -> list[tuple[Key, Written]]:
        """``(entry key, written)`` pairs, row-major."""
        if isinstance(self.written, Written):
            return [(self.key, self.written)]
        if self.key.shape == "vector":
            return [(Key(self.key.iteration, self.key.kind, self.key.point, self.key.component, (i,)), w)
                    for i, w in enumerate(self.written)]
        return [(Key(self.key.iteration, self.key.kind, self.key.point, self.key.component, (i, j)), w)
                for i, row in enumerate(self.written) for j, w in enumerate(row)]


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


def _value(raw, key: Key, d: int, src: str, field: str):
    want = key.shape if not key.entry else "scalar"
    if want == "scalar" or (d == 1 and not isinstance(raw, list)):
        if isinstance(raw, list):
            raise InputError(src, field, f"is a list, but {key} is a single number", "a number written as a string")
        w = parse_written(raw, file=src, field=field)
        if want == "scalar":
            return w
        return (w,) if want == "vector" else ((w,),)
    if not isinstance(raw, list):
        hint = (" ((x−μ)ᵀ(x−μ) is a number; the outer product (x−μ)(x−μ)ᵀ in the covariance update is a "
                f"{d}×{d} matrix)") if key.kind in ("outer", "cov") else ""
        raise InputError(src, field, f"is a single number, but {key} is a {want}{hint}",
                         f"a list of {d}" + (f" rows of {d}" if want == "matrix" else "") + " numbers")
    if want == "vector":
        if len(raw) != d or any(isinstance(v, list) for v in raw):
            raise InputError(src, field, f"has shape {_shape(raw)}", f"a list of {d} numbers for {key}")
        return tuple(parse_written(v, file=src, field=f"{field}[{i}]") for i, v in enumerate(raw))
    if len(raw) != d or any(not isinstance(r, list) or len(r) != d for r in raw):
        raise InputError(src, field, f"has shape {_shape(raw)}", f"a {d}×{d} matrix (a list of {d} rows of {d}) for {key}")
    return tuple(tuple(parse_written(v, file=src, field=f"{field}[{i}][{j}]") for j, v in enumerate(r))
                 for i, r in enumerate(raw))


def _blank(raw) -> bool:
    """A value left empty: ``""`` or lists of nothing but ``""``."""
    if isinstance(raw, list):
        return all(_blank(v) for v in raw)
    return isinstance(raw, str) and not raw.strip()


def _shape(raw) -> str:
    if not isinstance(raw, list):
        return "a single number"
    if raw and all(isinstance(r, list) for r in raw):
        return f"{len(raw)}×{'/'.join(sorted({str(len(r)) for r in raw}))}"
    return f"a list of {len(raw)}"


def claims_from_dict(data: dict, plan: ExactPlan, source: str = "<memory>") -> list[Claim]:
    """Validate and collect claims (both forms) against the keys of ``plan``."""
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
    for name, raw in data.get("values", {}).items():
        records.append((f'values."{name}"', name, raw, None))
    claims = []
    records = [r for r in records if not _blank(r[2])]  # not filled in (a template's blanks)
    for index, (field, text, raw, where) in enumerate(records):
        if not isinstance(text, str):
            raise InputError(source, f"{field}.key", f"is {text!r}", "a key written as a string")
        try:
            key = resolve(plan, text)
        except KeyError as e:
            raise InputError(source, field if field.startswith("values") else f"{field}.key", f"{e.args[0]}",
                             _nearest_keys(text, plan)) from None
        claims.append(Claim(index, key, _value(raw, key, d, source, f"{field}.value"),
                            str(where) if where not in (None, "") else None))
    if not claims:
        raise InputError(source, None, "has no filled-in claims",
                         "[[claim]] records or a [values] table with at least one value written")
    return claims


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
        records.append({"key": row[0].strip(), "value": _csv_value(row[1].strip(), src, line),
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
