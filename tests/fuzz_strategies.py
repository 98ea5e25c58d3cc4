"""Hypothesis strategies for gmmexact's inputs, their mutations, and a guarded command-line runner.

Shared by ``tests/test_fuzz.py``, ``tests/test_invariants.py`` and ``bench/bench_fuzz.py``, which
load this file by its path (the suite runs with ``--import-mode=importlib``, so ``tests/`` is not on
``sys.path``) and register it as ``sys.modules["fuzz_strategies"]``.

* Valid inputs: problems (:func:`problems`, serialised by :meth:`ProblemSpec.toml` with every number
  exactly as written: TOML integers in any base, TOML decimals, strings ``"p/q"`` and ``"-2.5e-3"``),
  claims files over a run's real keys (:func:`claims_files`: TOML ``[values]``, ``[[claim]]`` or
  CSV, numbers in every written form), results files filled into the templates that
  ``crosscheck --template`` writes (:func:`results_fillings`), and Markdown homework in the seed's
  style (:func:`documents`).
* Mutations (:func:`mutations`): byte flips, truncation, duplicated, deleted and swapped lines, type
  swaps, huge numbers, deep nesting, unicode digits, random keys and tables, hostile names, other
  encodings; and for NPZ archives, hostile members (:func:`npz_mutations`).
* :func:`run_cli` runs ``gmmexact.cli.main`` in-process with standard output and error captured, a
  time limit (``setitimer``: a hang becomes :attr:`Outcome.hang`) and an address-space cap (a run
  that needs more memory than the cap ends in :class:`MemoryError`, reported by the CLI).

Exit statuses that the fuzz tests accept (``gmmexact/cli/commands.py``): 0 success; 1 a check or
cross-check that failed (a wrong claim, digits below ``--min-digits``); 2 bad input, one line naming
the file, the field, what is wrong and what would be right; 3 fewer iterations than asked (a
singular step). Never "internal error", never a traceback, never past the time limit.
"""
from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import re
import resource
import signal
import struct
import time
import tomllib
import unicodedata
import zipfile
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np
from hypothesis import strategies as st

# --- exact numbers as they are written -------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    """An exact number and the TOML token that writes it (``3``, ``0x1F``, ``-0.25``, ``"1/3"``)."""

    value: Fraction
    token: str


def terminating_digits(q: Fraction) -> tuple[int, int] | None:
    """``(m, k)`` with ``q = m / 10**k`` and ``k`` smallest, when ``q`` is a terminating decimal."""
    den, k = q.denominator, 0
    while den % 10 == 0:
        den //= 10
        k += 1
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return None
    k += max(twos, fives)
    return int(q * 10 ** k), k


def plain_decimal(m: int, k: int) -> str:
    """``m / 10**k`` written out with a decimal point (``k`` digits after it, none when ``k == 0``)."""
    sign, digits = ("-" if m < 0 else ""), str(abs(m)).rjust(k + 1, "0")
    return sign + (digits if k == 0 else f"{digits[:-k]}.{digits[-k:]}")


def written_tokens(q: Fraction) -> list[str]:
    """Every TOML token gmmexact reads as exactly ``q``."""
    tokens = [f'"{q.numerator}/{q.denominator}"']
    if q.denominator == 1:
        i = q.numerator
        tokens += [str(i), f'"{i}"', f"{i}.0"]
        if i >= 0:
            tokens += [hex(i), oct(i), bin(i)]
        if abs(i) >= 1000:
            tokens.append(f"{i:_}")
    found = terminating_digits(q)
    if found is not None:
        m, k = found
        text = plain_decimal(m, k)
        tokens += [text if "." in text else f"{text}.0", f'"{text}"']
        if m != 0:
            tokens += [f"{m}e-{k}", f'"{m}e-{k}"', f"{m}E-{k}"]
    return tokens


def number_of(q: Fraction, draw_index: int) -> Num:
    """``q`` written as its ``draw_index``-th token (modulo how many there are)."""
    tokens = written_tokens(q)
    return Num(q, tokens[draw_index % len(tokens)])


small_rationals = st.builds(Fraction, st.integers(-24, 24), st.sampled_from([1, 1, 1, 2, 4, 5, 10, 3, 7, 100]))
"""Entries of points and means: small integers, decimals and fractions with small denominators."""


@st.composite
def written(draw, values=small_rationals) -> Num:
    """A number drawn from ``values``, in one of its written forms."""
    return number_of(draw(values), draw(st.integers(0, 50)))


# --- names -----------------------------------------------------------------------------------------

HOSTILE_NAMES = ["\\1", "\\g<0>", "\\input{/etc/passwd}", "$x$", "50%", "{br}", "a&b", "#3", "~^", "_", "\\\\",
                 "Zoë", "α", "中文", "😀", "back\\slash", "<b>", "*x*", "`c`", "a|b", '"q"', "'s'", "-1", "1e5",
                 "x 1", "\\write18{ls}", "^^5c", "\\s", "%comment", "&", "\\", "}", "{", "$", "(", "!", "@home",
                 "\\(x\\)", "$$", "x_1", "σ²", "١٢", "Ω", "=", ",", ";", "<!--", "--", "\\n", "\\t"]
"""Names and labels that are valid but easy to mishandle (regex templates, TeX, Markdown, HTML)."""

_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def valid_name(s: str) -> bool:
    """What a problem file accepts as a label, variable or component name (docs/formats.md)."""
    return (bool(s) and len(s) <= 200 and not s[0].isspace() and not s[-1].isspace()
            and not any(c in ".[]" or c in _BIDI or unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp", "Co", "Cn")
                        for c in s))


name_text = st.one_of(
    st.sampled_from(HOSTILE_NAMES),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn", "Cf"),
                          exclude_characters=".[]"), min_size=1, max_size=8),
).filter(valid_name)


def name_lists(count: int):
    """``count`` distinct names (distinct even after case folding and NFKC)."""
    return st.lists(name_text, min_size=count, max_size=count,
                    unique_by=lambda s: unicodedata.normalize("NFKC", s).casefold())


def optional_names(count: int):
    """No names (the defaults), or ``count`` distinct ones."""
    return st.none() | name_lists(count).map(tuple)


def toml_string(s: str) -> str:
    """A TOML basic string holding ``s`` exactly."""
    out = []
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif unicodedata.category(c) == "Cc" or c == "\x7f":
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


# --- problems --------------------------------------------------------------------------------------

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


@dataclass(frozen=True)
class ProblemSpec:
    """A valid problem, exactly, with how each number is written."""

    points: tuple  # n × d Num
    means: tuple  # K × d Num
    covariances: tuple  # K × d × d Num
    weights: tuple  # K Num
    labels: tuple | None = None
    variables: tuple | None = None
    names: tuple | None = None
    covariance_type: str | None = None
    shared_covariance: bool = False  # one top-level covariance (tied, or all equal)
    fixed: tuple = ()
    reg_covar: Num | None = None
    count_offset: Num | None = None
    plain_1d: bool = False  # d = 1 written as plain numbers

    @property
    def n(self) -> int:
        return len(self.points)

    @property
    def d(self) -> int:
        return len(self.points[0])

    @property
    def K(self) -> int:
        return len(self.means)

    @property
    def component_names(self) -> tuple:
        return self.names or tuple(str(c + 1) for c in range(self.K))

    @property
    def point_labels(self) -> tuple:
        return self.labels or tuple(f"x{p + 1}" for p in range(self.n))

    def exact(self) -> dict:
        """The exact arrays: ``points``, ``means``, ``covariances``, ``weights`` (Fractions)."""
        def value(x):
            return tuple(value(v) for v in x) if isinstance(x, tuple) else x.value

        return {k: value(getattr(self, k)) for k in ("points", "means", "covariances", "weights")}

    def problem(self):
        """The :class:`gmmexact.Problem` this file describes (built from the exact arrays)."""
        import gmmexact  # noqa: PLC0415

        e = self.exact()
        return gmmexact.Problem.from_arrays(
            [list(p) for p in e["points"]], [list(m) for m in e["means"]],
            [[list(r) for r in c] for c in e["covariances"]], list(e["weights"]),
            labels=list(self.labels) if self.labels else None, names=list(self.names) if self.names else None,
            variables=list(self.variables) if self.variables else None,
            covariance_type=self.covariance_type or "full", fixed=list(self.fixed),
            reg_covar=self.reg_covar.value if self.reg_covar else 0,
            count_offset=self.count_offset.value if self.count_offset else 0)

    def _vector(self, v) -> str:
        if self.plain_1d and len(v) == 1:
            return v[0].token
        return "[" + ", ".join(x.token for x in v) + "]"

    def _matrix(self, m) -> str:
        if self.plain_1d and len(m) == 1:
            return m[0][0].token
        return "[" + ", ".join("[" + ", ".join(x.token for x in row) + "]" for row in m) + "]"

    def toml(self) -> str:
        """The problem file, every number written as drawn."""
        lines = []
        if self.covariance_type is not None:
            lines.append(f"covariance_type = {toml_string(self.covariance_type)}")
        if self.fixed:
            lines.append("fixed = [" + ", ".join(toml_string(f) for f in self.fixed) + "]")
        if self.reg_covar is not None:
            lines.append(f"reg_covar = {self.reg_covar.token}")
        if self.count_offset is not None:
            lines.append(f"count_offset = {self.count_offset.token}")
        if self.shared_covariance:
            lines.append(f"covariance = {self._matrix(self.covariances[0])}")
        lines += ["", "[data]"]
        if self.variables is not None:
            lines.append("variables = [" + ", ".join(toml_string(v) for v in self.variables) + "]")
        if self.labels is not None:
            lines.append("labels = [" + ", ".join(toml_string(v) for v in self.labels) + "]")
        lines.append("points = [" + ", ".join(self._vector(p) for p in self.points) + "]")
        for c in range(self.K):
            lines += ["", "[[components]]"]
            if self.names is not None:
                lines.append(f"name = {toml_string(self.names[c])}")
            lines.append(f"mean = {self._vector(self.means[c])}")
            if not self.shared_covariance:
                lines.append(f"covariance = {self._matrix(self.covariances[c])}")
            lines.append(f"weight = {self.weights[c].token}")
        return "\n".join(lines) + "\n"


@st.composite
def positive_definite(draw, d: int, structure: str = "full") -> tuple:
    """A d × d matrix AᵀA + D (D a positive diagonal), or its diagonal or spherical special case."""
    entry = st.builds(Fraction, st.integers(-3, 3), st.sampled_from([1, 2, 4]))
    diagonal = st.builds(Fraction, st.integers(1, 12), st.sampled_from([1, 2, 4, 5, 10, 3]))
    if structure == "spherical":
        s = draw(diagonal)
        return tuple(tuple(s if i == j else Fraction(0) for j in range(d)) for i in range(d))
    D = [draw(diagonal) for _ in range(d)]
    if structure == "diag":
        return tuple(tuple(D[i] if i == j else Fraction(0) for j in range(d)) for i in range(d))
    A = [[draw(entry) for _ in range(d)] for _ in range(draw(st.integers(0, d)))]
    return tuple(tuple(sum((row[i] * row[j] for row in A), Fraction(0)) + (D[i] if i == j else 0)
                       for j in range(d)) for i in range(d))


@st.composite
def weights(draw, K: int) -> tuple:
    """K positive exact weights summing to exactly 1."""
    parts = draw(st.lists(st.integers(1, 9), min_size=K, max_size=K))
    total = sum(parts)
    return tuple(Fraction(a, total) for a in parts)


@st.composite
def problems(draw, K=st.integers(1, 4), d=st.integers(1, 4), n=st.integers(1, 8), names: bool = True,
             model: bool = True, covariance_types=(None,) + COVARIANCE_TYPES) -> ProblemSpec:
    """A valid problem: any K, d, n in the given ranges; rational and decimal entries; positive-definite
    covariances AᵀA + D; weights summing to 1; optionally a covariance type with the matching start,
    fixed parameters, ``reg_covar``/``count_offset`` (``model``) and names (``names``)."""
    K, d, n = draw(K), draw(d), draw(n)
    index = st.integers(0, 50)

    def num(q: Fraction) -> Num:
        return number_of(q, draw(index))

    cov_type = draw(st.sampled_from(covariance_types))
    structure = {"diag": "diag", "spherical": "spherical"}.get(cov_type, "full")
    shared = cov_type == "tied" or (K > 1 and draw(st.integers(0, 5)) == 0)
    covs = [draw(positive_definite(d, structure))] * K if shared else \
        [draw(positive_definite(d, structure)) for _ in range(K)]
    points = tuple(tuple(num(draw(small_rationals)) for _ in range(d)) for _ in range(n))
    means = tuple(tuple(num(draw(small_rationals)) for _ in range(d)) for _ in range(K))
    spec = ProblemSpec(points=points, means=means,
                       covariances=tuple(tuple(tuple(num(v) for v in row) for row in c) for c in covs),
                       weights=tuple(num(w) for w in draw(weights(K))), covariance_type=cov_type,
                       shared_covariance=shared and draw(st.booleans()), plain_1d=d == 1 and draw(st.booleans()))
    if shared and not spec.shared_covariance:  # written once per component: the same tokens each time
        spec = replace(spec, covariances=(spec.covariances[0],) * K)
    if names:
        spec = replace(spec, labels=draw(optional_names(n)), variables=draw(optional_names(d)),
                       names=draw(optional_names(K)))
    if model and draw(st.integers(0, 3)) == 0:
        spec = replace(spec, fixed=tuple(draw(st.lists(st.sampled_from(["weight", "mean", "covariance"]),
                                                        unique=True, max_size=2))),
                       reg_covar=draw(st.none() | written(st.sampled_from([Fraction(0), Fraction(1, 10**6),
                                                                            Fraction(1, 4)]))),
                       count_offset=draw(st.none() | written(st.sampled_from([Fraction(0), Fraction(10, 2**52)]))))
    return spec


# --- a run's values, for claims and results -------------------------------------------------------


@lru_cache(maxsize=64)
def solved(toml_text: str, iterations: int = 1):
    """The run of a problem file's text (cached: strategies and tests ask for the same one)."""
    import gmmexact  # noqa: PLC0415
    from gmmexact.model.problem import from_dict  # noqa: PLC0415

    return gmmexact.solve(from_dict(tomllib.loads(toml_text, parse_float=Decimal)), iterations)


def run_keys(toml_text: str) -> tuple:
    """Every key of the problem's run, as text, in the order of a worked solution (and of the claims
    template, which ``test_fuzz`` checks against it)."""
    return tuple(str(k) for k in solved(toml_text).keys())


def decimals(run, key: str, digits: int):
    """The certified decimal of a key (nested tuples for vectors and matrices), '0' where undecided."""
    def clean(x):
        if isinstance(x, (tuple, list)):
            return tuple(clean(v) for v in x)
        text = str(x)
        try:
            Decimal(text)
        except ArithmeticError:
            return "0"
        return text
    return clean(run[key].decimal(digits))


def sci_parts(text: str) -> tuple[str, str, int]:
    """``(sign, mantissa with the digits as written, exponent)`` of a non-zero decimal string."""
    t = Decimal(text).as_tuple()
    digits = "".join(map(str, t.digits))
    return ("-" if t.sign else ""), digits[0] + ("." + digits[1:] if len(digits) > 1 else ""), \
        t.exponent + len(digits) - 1


SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def written_forms(text: str) -> list[str]:
    """A certified decimal in the forms a claims file may write it, each promising the same digits."""
    if Decimal(text) == 0:
        return [text]
    sign, mantissa, e = sci_parts(text)
    forms = [text]
    if e != 0:
        forms += [f"{sign}{mantissa}e{e}", f"{sign}{mantissa}E{e:+d}", f"{sign}{mantissa} × 10^{e}",
                  f"{sign}{mantissa}*10^{{{e}}}", f"{sign}{mantissa} × 10{str(e).translate(SUPERSCRIPT)}",
                  f"{sign}{mantissa} \\times 10^{{{e}}}", f"{sign}{mantissa}·10^{e}"]
    return forms


PERTURBATIONS = ("none", "none", "none", "form", "form", "last digit", "sign", "times ten", "wild", "huge", "tiny",
                 "fraction", "blank")


def perturbed(text: str, how: str, index: int, exact=None) -> str:
    """A written claim: the certified decimal ``text`` as is, in another form, or wrong in a named way."""
    if how == "form":
        forms = written_forms(text)
        return forms[index % len(forms)]
    if how == "last digit":
        digits = [i for i, c in enumerate(text) if c.isdigit() and (i == 0 or text[i - 1] != "e")]
        e_at = text.find("e")
        digits = [i for i in digits if e_at < 0 or i < e_at]
        i = digits[-1]
        return text[:i] + str((int(text[i]) + 1 + index % 8) % 10) + text[i + 1:]
    if how == "sign":
        return text[1:] if text.startswith("-") else "-" + text
    if how == "times ten":
        if Decimal(text) == 0:
            return "1"
        sign, mantissa, e = sci_parts(text)
        return f"{sign}{mantissa}e{e + 1}"
    if how == "wild":
        return ["1e10", "1e11", "-1e10", "12345678901234567890", "0.000000001"][index % 5]
    if how == "huge":
        return ["1e999999999", "1.5 × 10^99999999", "-1e-999999999", "9" * 5000, "1/" + "7" * 5000,
                "10^{99999999}"][index % 6]
    if how == "tiny":
        return ["0", "-0", "0.0", "1e-30", "0.000"][index % 5]
    if how == "fraction" and exact is not None:
        return f"{exact.numerator}/{exact.denominator}"
    if how == "blank":
        return ""
    return text


def _map(x, f):
    return tuple(_map(v, f) for v in x) if isinstance(x, tuple) else f(x)


@dataclass(frozen=True)
class ClaimsFile:
    """A claims file's text and its format (``toml`` or ``csv``)."""

    text: str
    suffix: str


def claims_toml_value(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(claims_toml_value(v) for v in value) + "]"
    if re.fullmatch(r"-?[0-9]{1,18}", value) and value not in ("-0",) and not value.startswith(("0", "-0")) \
            or value == "0":
        return value  # a TOML integer: read as its digits
    return toml_string(value)


def claims_csv_value(value) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(claims_csv_value(v) for v in value) + "]"
    return value


@st.composite
def claims_files(draw, spec: ProblemSpec, max_claims: int = 8) -> ClaimsFile:
    """A claims file over the problem's real keys (the claims template's): some correct, some written in
    another form, some wrong in a named way; TOML ``[values]``, TOML ``[[claim]]`` records or CSV."""
    text = spec.toml()
    run, keys = solved(text), run_keys(text)
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=max_claims))
    digits = draw(st.integers(1, 8))
    claims = []
    for key in chosen:
        how, index = draw(st.sampled_from(PERTURBATIONS)), draw(st.integers(0, 20))
        exact = run[key].value
        value = _map(decimals(run, key, digits),
                     lambda t, how=how, index=index, exact=exact: perturbed(
                         t, how, index, exact if isinstance(exact, Fraction) else None))
        claims.append((key, value, draw(st.sampled_from(["", "slide 3", "p. 2, line 4", "§2 $x$"]))))
    if all(v == "" or (isinstance(v, tuple) and not any(x != "" for x in _flat(v))) for _, v, _ in claims):
        key, value, where = claims[0]
        claims[0] = (key, _map(decimals(run, key, digits), str), where)
    form = draw(st.sampled_from(["values", "records", "csv"]))
    if form == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if draw(st.booleans()):
            writer.writerow(["key", "value", "where"])
        for key, value, where in claims:
            writer.writerow([key, claims_csv_value(value), where] if where else [key, claims_csv_value(value)])
        return ClaimsFile(out.getvalue(), ".csv")
    if form == "values":
        seen, lines = set(), ["[values]"]
        for key, value, _ in claims:
            if key not in seen:
                seen.add(key)
                lines.append(f"{toml_string(key)} = {claims_toml_value(value)}")
        return ClaimsFile("\n".join(lines) + "\n", ".toml")
    lines = []
    for key, value, where in claims:
        lines += ["[[claim]]", f"key = {toml_string(key)}", f"value = {claims_toml_value(value)}"]
        if where:
            lines.append(f"where = {toml_string(where)}")
        lines.append("")
    return ClaimsFile("\n".join(lines), ".toml")


def _flat(x):
    if isinstance(x, tuple):
        for v in x:
            yield from _flat(v)
    else:
        yield x


# --- results files ---------------------------------------------------------------------------------

FILLINGS = ("exact", "exact", "exact", "noise 1e-12", "noise 1e-3", "nan", "inf", "-inf", "zero", "blank", "log10")


def float_values(run, key: str):
    """The float nearest each certified decimal of a key (nested lists), NaN where undecided."""
    return _map(decimals(run, key, 17), float)


def filled(value: float, how: str, rng_index: int) -> float | None:
    """One reported float: the value, perturbed, non-finite or blank (``None``)."""
    if how == "noise 1e-12":
        return value * (1 + (1e-12 if rng_index % 2 else -1e-12)) + 1e-300
    if how == "noise 1e-3":
        return value * (1 + (1e-3 if rng_index % 2 else -1e-3)) + 1e-9
    if how == "log10":
        return value / math.log(10)
    return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf, "zero": 0.0, "blank": None}.get(how, value)


@dataclass(frozen=True)
class Filling:
    """How each reported value of a results template is filled: ``hows[i]`` for the i-th key."""

    hows: tuple
    seed: int

    def how(self, i: int) -> str:
        return self.hows[i % len(self.hows)]


results_fillings = st.builds(Filling, st.lists(st.sampled_from(FILLINGS), min_size=1, max_size=12).map(tuple),
                             st.integers(0, 1000))


def fill_results(template_path: Path, run, filling: Filling) -> None:
    """Fill a results template that ``crosscheck --template`` wrote (JSON, CSV or NPZ) in place; at least
    one value is filled. A CSV row whose key the run does not have is left as the template wrote it."""
    suffix = template_path.suffix
    for attempt in (filling, Filling(("exact",), filling.seed)):
        count = 0
        if suffix == ".json":
            data = json.loads(template_path.read_text(encoding="utf-8"))
            for i, key in enumerate(k for k in list(data) if not k.startswith("_")):
                data[key] = _map_list(float_values(run, key),
                                      lambda v, how=attempt.how(i), seed=attempt.seed + i: filled(v, how, seed))
                count += any(v is not None for v in _flat_list(data[key]))
            text = json.dumps(data, allow_nan=True).encode()
        elif suffix == ".csv":
            rows = list(csv.reader(io.StringIO(template_path.read_text(encoding="utf-8"))))
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            keys = set(run_keys_with_entries(run))
            for i, row in enumerate(rows):
                if not row or row[0] not in keys:
                    writer.writerow(row)
                    continue
                v = filled(float_values(run, row[0]), attempt.how(i), attempt.seed + i)
                count += v is not None
                writer.writerow([row[0], "" if v is None else repr(v)])
            text = out.getvalue().encode()
        elif suffix == ".npz":
            with np.load(template_path, allow_pickle=False) as archive:
                arrays = {k: archive[k] for k in archive.files}
            for i, key in enumerate(k for k in list(arrays) if not k.startswith("_")):
                values = npz_values(run, key, arrays[key].shape)
                blank = np.zeros(values.shape, dtype=bool)
                for index in np.ndindex(values.shape):
                    v = filled(float(values[index]), attempt.how(i + sum(index)), attempt.seed + i)
                    values[index], blank[index] = (math.nan, True) if v is None else (v, False)
                count += int((~blank).sum())
                arrays[key], arrays["_blank." + key] = values, blank
            out = io.BytesIO()
            np.savez(out, **arrays)
            text = out.getvalue()
        else:
            raise ValueError(f"no results format {suffix!r}")
        if count:
            break
    template_path.write_bytes(text)


def run_keys_with_entries(run):
    """Every key of the run and of each entry of its vectors and matrices (as results CSV rows name them)."""
    d = run.problem.d
    for key in run.keys():
        text = str(key)
        yield text
        if key.shape == "vector":
            yield from (f"{text}[{i}]" for i in range(d))
        elif key.shape == "matrix":
            yield from (f"{text}[{i}][{j}]" for i in range(d) for j in range(d))


def _flat_list(x):
    return [v for item in x for v in _flat_list(item)] if isinstance(x, list) else [x]


def _map_list(x, f):
    return [_map_list(v, f) for v in x] if isinstance(x, tuple) else f(x)


def npz_values(run, key: str, shape: tuple) -> np.ndarray:
    """An NPZ template array's values: ``resp`` (n, K), ``mean`` (K, d), … from the run, by position."""
    problem = run.problem
    prefix, _, kind = key.rpartition(".")
    prefix = prefix + "." if prefix else ""
    names, labels = problem.component_names, problem.labels
    out = np.full(shape, math.nan)
    for index in np.ndindex(shape):
        if kind == "resp":
            k = f"{prefix}resp.{labels[index[0]]}.{names[index[1]]}"
        elif kind == "evidence":
            k = f"{prefix}evidence.{labels[index[0]]}"
        elif kind == "loglik":
            k = f"{prefix}loglik"
        else:
            k = f"{prefix}{kind}.{names[index[0]]}" + "".join(f"[{i}]" for i in index[1:])
        out[index] = float_values(run, k)
    return out


# --- Markdown homework -----------------------------------------------------------------------------

DOCUMENT_NAMES = [("women", "men", "kids"), ("1", "2", "3"), ("a", "b", "c"), ("A", "B", "C")]


@st.composite
def document_problems(draw) -> ProblemSpec:
    """Problems a hand-worked Markdown homework states in its own tables, at the seed's scale: K ≤ 3,
    d ≤ 2, points a few units from the component they come from, decimals only."""
    K, d, n = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(2, 6))
    centre = st.integers(-20, 200)
    offset = st.builds(Fraction, st.integers(-12, 12), st.sampled_from([1, 1, 2, 10]))
    w = draw(st.sampled_from({1: [(1,)], 2: [(1, 1), (1, 3), (2, 3)], 3: [(1, 1, 2), (2, 3, 5)]}[K]))
    variance = st.sampled_from([1, 2, 4, 5, 10, 16, 20, 25])
    covs = []
    for _ in range(K):
        if draw(st.booleans()):
            covs.append(tuple(tuple(Fraction(draw(variance)) if i == j else Fraction(0) for j in range(d))
                              for i in range(d)))
        else:
            s = Fraction(draw(variance))
            covs.append(tuple(tuple(s if i == j else Fraction(0) for j in range(d)) for i in range(d)))
    means = [[Fraction(draw(centre)) for _ in range(d)] for _ in range(K)]
    points = [[m + draw(offset) for m in means[draw(st.integers(0, K - 1))]] for _ in range(n)]
    labels = draw(st.sampled_from([None, tuple("ABCDEFGH"[:n]), tuple(f"P{i + 1}" for i in range(n))]))
    variables = ("height", "weight")[:d] if d == 2 and draw(st.booleans()) else None
    return ProblemSpec(points=tuple(tuple(number_of(v, 1) for v in p) for p in points),
                       means=tuple(tuple(number_of(v, 1) for v in m) for m in means),
                       covariances=tuple(tuple(tuple(number_of(v, 1) for v in row) for row in c) for c in covs),
                       weights=tuple(number_of(Fraction(a, sum(w)), 1) for a in w), labels=labels,
                       variables=variables, names=draw(st.sampled_from(DOCUMENT_NAMES))[:K])


def _doc_number(q: Fraction) -> str:
    found = terminating_digits(q)
    if found is None:
        return f"\\frac{{{q.numerator}}}{{{q.denominator}}}"
    return plain_decimal(*found)


def _bmatrix(rows) -> str:
    return "\\begin{bmatrix} " + " \\\\ ".join(" & ".join(rows_i) for rows_i in rows) + " \\end{bmatrix}"


@st.composite
def documents(draw, spec: ProblemSpec) -> str:
    """A Markdown homework in the seed's style (examples/seed/homework.md): the data and starting
    parameters in tables, then E-step and M-step equations with certified values rounded to a few
    digits, some of them wrong."""
    run = solved(spec.toml())
    e = spec.exact()
    labels, names, d = spec.point_labels, spec.component_names, spec.d
    variables = spec.variables or (("x",) if d == 1 else tuple(f"v{j + 1}" for j in range(d)))
    digits = draw(st.integers(2, 5))
    tab = draw(st.booleans())

    def val(key: str) -> str:
        text = decimals(run, key, digits)
        how = draw(st.sampled_from(["none"] * 6 + ["last digit", "sign", "times ten", "wild", "huge"]))
        return _map(text, lambda t: perturbed(t, how, draw(st.integers(0, 9))))

    def sci(text: str) -> str:
        if "e" not in text:
            return text
        m, _, x = text.partition("e")
        return f"{m} \\times 10^{{{int(x)}}}"

    def comp(c: str) -> str:
        return draw(st.sampled_from([f"\\text{{{c}}}", c, f"{{{c}}}"]))

    def point(p: int) -> str:
        return draw(st.sampled_from([labels[p], f"x_{{{p + 1}}}", f"\\mathbf{{x}}_{{{p + 1}}}"]))

    lines = ["# GMM Example", "", "# Example Dataset", ""]
    head = ["Person"] + [v.capitalize() for v in variables]
    rows = [[labels[p]] + [_doc_number(v) for v in e["points"][p]] for p in range(spec.n)]
    if tab:
        lines += ["\t".join(head)] + ["\t".join(r) for r in rows]
    else:
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", "# Initialize cluster parameters", ""]

    def vec(v) -> str:
        return "[" + ", ".join(_doc_number(x) for x in v) + "]"

    def mat(m) -> str:
        return "[" + ", ".join(vec(r) for r in m) + "]"

    head = ["Cluster", "$\\mu$ (mean)", "$\\Sigma$ (covariance)", "$\\pi$ (prior)"]
    rows = [[names[c], vec(e["means"][c]), mat(e["covariances"][c]), _doc_number(e["weights"][c])]
            for c in range(spec.K)]
    if tab:
        lines += ["\t".join(head)] + ["\t".join(r) for r in rows]
    else:
        lines += ["| " + " | ".join(head) + " |", "|---|---|---|---|"] + ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", "## Compute the Gaussian density for each sample", ""]
    for p in draw(st.lists(st.integers(0, spec.n - 1), min_size=1, max_size=spec.n, unique=True)):
        for c, name in enumerate(names):
            x, cc = point(p), comp(name)
            if draw(st.booleans()):
                lines += [f"$$|\\Sigma_{{{cc}}}| = {sci(val(f'det.{name}'))}$$", ""]
            lines += [f"$$({x} - \\mu_{{{cc}}})^T \\Sigma_{{{cc}}}^{{-1}} ({x} - \\mu_{{{cc}}}) = "
                      f"{sci(val(f'quad.{labels[p]}.{name}'))}$$", "",
                      f"$$\\mathcal{{N}}({x} \\mid \\mu_{{{cc}}}, \\Sigma_{{{cc}}}) = "
                      f"{sci(val(f'density.{labels[p]}.{name}'))}$$", ""]
    lines += ["## E-step: Compute responsibilities", ""]
    for p in range(spec.n):
        for c, name in enumerate(names):
            symbol = draw(st.sampled_from(["\\gamma", "r", "w"]))
            lines.append(f"${symbol}_{{{labels[p]},{draw(st.sampled_from([str(c + 1), name]))}}} = "
                         f"{sci(val(f'resp.{labels[p]}.{name}'))}$")
        lines.append("")
    lines += ["# M-step: Update parameters", ""]
    for c, name in enumerate(names):
        cc = comp(name)
        lines += [f"$$m_{{{cc}}} = {sci(val(f'count.{name}'))}$$", "",
                  f"$$\\pi_{{{cc}}}^{{new}} = {sci(val(f'weight.{name}'))}$$", ""]
        mean = val(f"mean.{name}")
        lines += [f"$$\\mu_{{{cc}}}^{{new}} = " + ("[" + ", ".join(map(sci, mean)) + "]" if d > 1 else sci(mean[0]))
                  + "$$", ""]
        if draw(st.booleans()):
            cov = val(f"cov.{name}")
            lines += [f"$$\\Sigma_{{{cc}}}^{{new}} = {_bmatrix([[sci(v) for v in row] for row in cov])}$$", ""]
    return "\n".join(lines) + "\n"


# --- mutations -------------------------------------------------------------------------------------

NUMBER = re.compile(r"(?<![\w.])-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?(?:/[0-9]+)?(?![\w.])")
STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')

HOSTILE_VALUES = ["true", "false", '"x"', "[]", "{}", "[[1, 2], [3]]", "{a = 1}", "nan", "inf", "-inf", "1.5e400",
                  '"1/0"', '"0/0"', '""', '"1e999999999"', "1e999999999", "1e-999999999", '"1.5 × 10^99999999"',
                  "9" * 5000, '"1/' + "7" * 5000 + '"', '"0.' + "0" * 20000 + '1"', "1" + "0" * 4400, "-0", "0",
                  '"-"', '"1/3/4"', '"0x10"', '"١٢٣"', '"１２３"', '"⅓"', '"1_000"', '"  1  "', '"1e"', '"e5"',
                  '"NaN"', '"Infinity"', "1979-05-27T07:32:00Z", "12:32:00", '"1,5"', '"≈0.5"', '"50%"', "0b2",
                  '"' + "9" * 10001 + '"', '"1e10001"', '"10^{10001}"', '"-1e-10001"']
"""Replacements for one number: other types, huge and tiny numbers, numbers no reader should accept."""

HOSTILE_STRINGS = ["\\1", "\\g<0>", "\\input{/etc/passwd}", "$", "%", "{", "}", "\\write18{ls}", "^^5c", "a.b",
                   "x[0]", "<script>alert(1)</script>", "[link](http://example.com)", "![img](x.png)", "",
                   " padded ", "\u202eevil", "iter1000000.loglik", "iter999999.mean", "resp", "\t", "A" * 201,
                   "A" * 100_000, "\\u0000", "😀" * 50, "x\\ny", "\\\\\\\\", "iter0.loglik", "iter-1.mean",
                   "mean.women[5][5]", "cov.1[0][0][0]"]
"""Replacements for the content of one string (labels, names, keys, written values)."""

RANDOM_LINES = ["foo = 1", "weights = [0.5, 0.5]", "point = [1, 2]", "Covariance = 1", '"😀" = 2', "[extra]",
                "[[components]]", "[data]", "[values]", "[[claim]]", "values = 1", "values = [1, 2]", "claim = 3",
                "key = 1", "value = []", "value = [[]]", "value = {}", "where = 1", '"iter1000000.loglik" = "1"',
                '"loglik" = "1e10"', "labels = []", "points = []", "data = 1", "components = 5", "fixed = 1",
                'covariance_type = "VVV"', "reg_covar = -1", 'count_offset = "1e999999999"', "[data.points]",
                "x = " + "[" * 40 + "1" + "]" * 40, "key,value", "#comment", "\ufeff", "mean.1,[1, 2, 3]",
                "loglik,1e999999999", "resp,[[1]]", "$$", "\\begin{bmatrix}", "| a | b |", "\\end{align}"]
"""Lines inserted at random: unknown keys and tables, wrong types, hostile claims and results rows."""

UNICODE_DIGITS = ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "０１２３４５６７８９", "०१२३४५६७८९", "⁰¹²³⁴⁵⁶⁷⁸⁹",
                  "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"]

ENCODINGS = ["bom", "latin-1", "utf-16", "invalid bytes", "nul", "crlf", "surrogate", "cr"]


@dataclass(frozen=True)
class Mutation:
    """One change to a file's bytes, at a relative position ``where`` (0 ≤ where < 1)."""

    kind: str
    where: float
    arg: object = None

    def __repr__(self) -> str:
        arg = repr(self.arg)
        if len(arg) > 60:
            arg = f"{arg[:30]}…{arg[-20:]} ({len(arg)} characters)"
        return f"Mutation({self.kind!r}, {self.where!r}, {arg})"

    def _repr_pretty_(self, printer, cycle) -> None:  # hypothesis prints examples with this
        printer.text(repr(self))

    def apply(self, data: bytes) -> bytes:
        text = data.decode("utf-8", "surrogateescape")

        def at(count: int) -> int:
            return min(int(self.where * count), count - 1)

        if self.kind == "flip":
            if not data:
                return bytes([self.arg])
            i = at(len(data))
            return data[:i] + bytes([data[i] ^ self.arg]) + data[i + 1:]
        if self.kind == "truncate":
            return data[:at(len(data) + 1)]
        lines = text.split("\n")
        if self.kind in ("duplicate line", "delete line", "swap lines", "insert line"):
            i = at(len(lines))
            if self.kind == "duplicate line":
                lines.insert(i, lines[i])
            elif self.kind == "delete line":
                del lines[i]
            elif self.kind == "swap lines":
                j = (i + 1 + int(self.arg)) % len(lines)
                lines[i], lines[j] = lines[j], lines[i]
            else:
                lines.insert(i, str(self.arg))
            return "\n".join(lines).encode("utf-8", "surrogateescape")
        if self.kind in ("replace number", "nest", "unicode digits"):
            found = list(NUMBER.finditer(text))
            if not found:
                return data
            m = found[at(len(found))]
            if self.kind == "replace number":
                new = str(self.arg)
            elif self.kind == "nest":
                opening, closing = {"list": ("[", "]"), "table": ("{a = ", "}"), "brace": ("{", "}"),
                                    "paren": ("\\left(", "\\right)")}[self.arg[0]]
                new = opening * self.arg[1] + m.group() + closing * self.arg[1]
            else:
                new = m.group().translate(str.maketrans("0123456789", self.arg))
            return (text[:m.start()] + new + text[m.end():]).encode("utf-8", "surrogateescape")
        if self.kind == "replace string":
            found = list(STRING.finditer(text))
            if not found:
                return data
            m = found[at(len(found))]
            return (text[:m.start()] + toml_string(str(self.arg)) + text[m.end():]).encode("utf-8", "surrogateescape")
        if self.kind == "encoding":
            if self.arg == "bom":
                return b"\xef\xbb\xbf" + data
            if self.arg == "latin-1":
                return text.encode("latin-1", "replace")
            if self.arg == "utf-16":
                return text.encode("utf-16", "surrogatepass")
            if self.arg == "crlf":
                return data.replace(b"\n", b"\r\n")
            if self.arg == "cr":
                return data.replace(b"\n", b"\r")
            insert = {"invalid bytes": b"\xff\xfe\xc3\x28", "nul": b"\x00", "surrogate": b"\xed\xa0\x80"}[self.arg]
            i = at(len(data) + 1)
            return data[:i] + insert + data[i:]
        raise ValueError(f"unknown mutation {self.kind!r}")


mutation = st.one_of(
    st.builds(Mutation, st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
    st.builds(Mutation, st.just("truncate"), st.floats(0, 1, exclude_max=True)),
    st.builds(Mutation, st.sampled_from(["duplicate line", "delete line"]), st.floats(0, 1, exclude_max=True)),
    st.builds(Mutation, st.just("swap lines"), st.floats(0, 1, exclude_max=True), st.integers(0, 5)),
    st.builds(Mutation, st.just("insert line"), st.floats(0, 1, exclude_max=True), st.sampled_from(RANDOM_LINES)),
    st.builds(Mutation, st.just("replace number"), st.floats(0, 1, exclude_max=True), st.sampled_from(HOSTILE_VALUES)),
    st.builds(Mutation, st.just("nest"), st.floats(0, 1, exclude_max=True),
              st.tuples(st.sampled_from(["list", "table", "brace", "paren"]), st.sampled_from([3, 40, 500, 5000]))),
    st.builds(Mutation, st.just("unicode digits"), st.floats(0, 1, exclude_max=True), st.sampled_from(UNICODE_DIGITS)),
    st.builds(Mutation, st.just("replace string"), st.floats(0, 1, exclude_max=True), st.sampled_from(HOSTILE_STRINGS)),
    st.builds(Mutation, st.just("encoding"), st.floats(0, 1, exclude_max=True), st.sampled_from(ENCODINGS)),
)
mutations = st.lists(mutation, min_size=1, max_size=3)
"""One to three mutations, applied in order."""


def mutate(data: bytes, changes) -> bytes:
    for change in changes:
        data = change.apply(data)
    return data


# --- NPZ members -----------------------------------------------------------------------------------


def npy_bytes(array: np.ndarray | None = None, *, header: dict | None = None, body: bytes = b"") -> bytes:
    """A .npy member: an array as numpy writes it, or a hand-made header (any shape it claims) and body."""
    if array is not None:
        out = io.BytesIO()
        np.lib.format.write_array(out, array, allow_pickle=True)
        return out.getvalue()
    text = repr(header).encode("latin-1")
    pad = 64 - (10 + len(text) + 1) % 64
    text += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + body


NPZ_CHANGES = ["bool", "object", "complex", "string", "int64 huge", "float16", "wrong shape", "scalar",
               "declared 1e12", "fortran", "extra member", "missing member", "not npy", "nested zip",
               "bomb", "big-endian", "structured", "version 3", "empty", "mask wrong", "mask float"]


def _small_array(member: bytes) -> np.ndarray:
    """The member's array when its header declares a sane array, else ``zeros(1)``: an earlier change
    may have left it unreadable or declaring 10^12 values, which must never be allocated here."""
    try:
        stream = io.BytesIO(member)
        version = np.lib.format.read_magic(stream)
        header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                  else np.lib.format.read_array_header_2_0)(stream)
        shape, dtype = header[0], header[2]
        if dtype.hasobject or math.prod(shape) > 10**5 or dtype.itemsize > 64:
            return np.zeros(1)
        array = np.lib.format.read_array(io.BytesIO(member), allow_pickle=False)
        return array if array.dtype.kind in "biuf" else np.zeros(array.shape)  # structured, complex, text
    except (ValueError, OSError, EOFError, MemoryError, TypeError, struct.error):
        return np.zeros(1)


@dataclass(frozen=True)
class NpzChange:
    """One hostile change to one member (``where`` picks which) of an NPZ results archive."""

    kind: str
    where: float

    def apply(self, data: bytes) -> bytes:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = {i.filename: z.read(i) for i in z.infolist()}
        names = [k for k in members if not k.startswith("_")] or list(members)
        name = names[min(int(self.where * len(names)), len(names) - 1)]
        array = _small_array(members[name])
        compress = zipfile.ZIP_STORED
        k = self.kind
        if k == "missing member" and name not in members:
            return data
        if k == "bool":
            members[name] = npy_bytes(np.ones(array.shape, dtype=bool))
        elif k == "object":
            members[name] = npy_bytes(np.array([None, 1.0, "x"], dtype=object).repeat(1))
        elif k == "complex":
            members[name] = npy_bytes(array.astype(complex) + 1j)
        elif k == "string":
            members[name] = npy_bytes(np.full(array.shape, "0.5"))
        elif k == "int64 huge":
            members[name] = npy_bytes(np.full(array.shape, 2**62, dtype=np.int64))
        elif k == "float16":
            members[name] = npy_bytes(array.astype(np.float16))
        elif k == "wrong shape":
            members[name] = npy_bytes(np.zeros(array.shape + (2,)))
        elif k == "scalar":
            members[name] = npy_bytes(np.float64(0.5).reshape(()))
        elif k == "declared 1e12":
            members[name] = npy_bytes(header={"descr": "<f8", "fortran_order": False, "shape": (10**12,)},
                                      body=b"\x00" * 64)
        elif k == "fortran":
            members[name] = npy_bytes(np.asfortranarray(np.ones(array.shape)))
        elif k == "extra member":
            members["extra.npy"] = npy_bytes(np.ones(3))
        elif k == "missing member":
            del members[name]
        elif k == "not npy":
            members[name] = b"just text, not an array"
        elif k == "nested zip":
            members[name] = data
        elif k == "bomb":
            members[name] = npy_bytes(header={"descr": "<f8", "fortran_order": False, "shape": array.shape},
                                      body=b"\x00" * (200 << 20))
            compress = zipfile.ZIP_DEFLATED
        elif k == "big-endian":
            members[name] = npy_bytes(array.astype(">f8"))
        elif k == "structured":
            members[name] = npy_bytes(np.zeros(array.shape, dtype=[("a", "<f8"), ("b", "<f8")]))
        elif k == "version 3":
            members[name] = b"\x93NUMPY\x03\x00" + members[name][8:]
        elif k == "empty":
            members[name] = b""
        elif k == "mask wrong":
            members["_blank." + name] = npy_bytes(np.ones((7,), dtype=bool))
        elif k == "mask float":
            members["_blank." + name] = npy_bytes(np.ones(array.shape))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=compress) as z:
            for member, content in members.items():
                z.writestr(member, content)
        return out.getvalue()


npz_mutations = st.lists(st.builds(NpzChange, st.sampled_from(NPZ_CHANGES), st.floats(0, 1, exclude_max=True)),
                         min_size=1, max_size=2)


# --- running the command line ----------------------------------------------------------------------


class Hang(BaseException):
    """Raised by the alarm when a command runs past its time limit (not an Exception: nothing catches it)."""


@dataclass
class Outcome:
    """What one command did."""

    argv: list
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    hang: bool = False
    escaped: str | None = None  # an exception that left gmmexact.cli.main

    def problems(self, allowed=(0, 1, 2, 3)) -> list[str]:
        """What is wrong with this outcome (empty when it is a clean end)."""
        found = []
        if self.hang:
            found.append(f"hang: still running after {self.seconds:.1f} s")
        if self.escaped:
            found.append(f"exception escaped main(): {self.escaped}")
        if self.code is not None and self.code not in allowed:
            found.append(f"exit status {self.code}, expected one of {sorted(allowed)}")
        for stream, text in (("stderr", self.stderr), ("stdout", self.stdout)):
            for marker in ("internal error", "Traceback (most recent call last)"):
                if marker in text:
                    found.append(f"{marker!r} on {stream}")
        if "ran out of memory" in self.stderr:
            found.append("ran out of memory (a cost the estimate did not stop)")
        if self.code == 2 and not self.stderr.startswith("gmmexact: error: ") and "usage:" not in self.stderr:
            found.append("exit 2 without a 'gmmexact: error:' line")
        return found


@contextlib.contextmanager
def memory_cap(extra_bytes: int):
    """Cap the address space at its current size plus ``extra_bytes`` while the block runs."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm") as f:
            current = int(f.read().split()[0]) * resource.getpagesize()
    except OSError:
        yield
        return
    cap = current + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def run_cli(argv: list, time_limit: float = 20.0, memory_bytes: int = 3 << 30) -> Outcome:
    """Run ``gmmexact.cli.main(argv)`` in this process, output captured, within a time limit and memory cap."""
    from gmmexact.cli import main  # noqa: PLC0415

    out, err = io.StringIO(), io.StringIO()

    def alarm(signum, frame):
        raise Hang()

    previous = signal.signal(signal.SIGALRM, alarm)
    start = time.perf_counter()
    code, hang, escaped = None, False, None
    try:
        with memory_cap(memory_bytes), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            signal.setitimer(signal.ITIMER_REAL, time_limit)
            try:
                code = main([str(a) for a in argv])
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except Hang:
        hang = True
    except SystemExit as e:  # argparse's usage errors
        code = e.code if isinstance(e.code, int) else 2
    except BaseException as e:  # noqa: BLE001  (reported, not raised: the caller prints the reproducer)
        escaped = f"{type(e).__name__}: {e}"[:500]
    finally:
        signal.signal(signal.SIGALRM, previous)
    return Outcome(list(map(str, argv)), code, out.getvalue(), err.getvalue(), time.perf_counter() - start, hang,
                   escaped)


def shown_bytes(data: bytes, limit: int = 3000) -> str:
    """A file's bytes for a reproducer: its text when short, else its start, end and length."""
    text = data.decode("utf-8", "backslashreplace")
    if len(text) <= limit:
        return text
    return f"{text[:limit // 2]}\n… ({len(data)} bytes in all) …\n{text[-limit // 4:]}"


@dataclass
class Case:
    """Files written into a fresh folder and the commands run on them: a reproducer when one fails."""

    files: dict  # name → bytes
    commands: list = field(default_factory=list)  # argv lists; file names relative to the folder
    outputs: tuple = ()  # names of files the commands write (also put in the folder)

    def run(self, folder: Path, time_limit: float = 20.0, allowed=(0, 1, 2, 3)) -> list[tuple[Outcome, list]]:
        """Write the files, run every command; ``(outcome, problems)`` for each."""
        for name, data in self.files.items():
            (folder / name).write_bytes(data)
        results = []
        for argv in self.commands:
            full = [str(folder / a) if a in self.files or a in self.outputs else a for a in argv]
            outcome = run_cli(full, time_limit)
            outcome.stdout = outcome.stdout.replace(str(folder) + "/", "")
            outcome.stderr = outcome.stderr.replace(str(folder) + "/", "")
            results.append((outcome, outcome.problems(allowed)))
        return results

    def save(self, folder: Path, outcome: Outcome, found) -> Path:
        """Write the files and ``README`` (the reproducer) into a new numbered folder under ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"case{len(list(folder.iterdir())):04d}"
        target.mkdir()
        for name, data in self.files.items():
            (target / name).write_bytes(data)
        (target / "README").write_text(self.reproducer(outcome, found), encoding="utf-8")
        return target

    def reproducer(self, outcome: Outcome | None = None, found=()) -> str:
        """The files and commands as text, and what went wrong."""
        parts = []
        for name, data in self.files.items():
            parts.append(f"--- {name} ---\n{shown_bytes(data)}")
        for argv in self.commands:
            parts.append("$ gmmexact " + " ".join(argv))
        if outcome is not None:
            parts.append(f"ran: gmmexact {' '.join(outcome.argv)}\nexit {outcome.code} after {outcome.seconds:.2f} s; "
                         f"{'; '.join(found)}\nstderr: {outcome.stderr[-2000:]}")
        return "\n".join(parts)


def assert_clean(case: Case, folder: Path, time_limit: float = 20.0, allowed=(0, 1, 2, 3)) -> list[Outcome]:
    """Run a case and fail with its reproducer on the first outcome that is not a clean end."""
    outcomes = []
    for outcome, found in case.run(folder, time_limit, allowed):
        if found:
            keep = os.environ.get("GMMEXACT_FUZZ_SAVE")
            if keep:
                case.save(Path(keep), outcome, found)
            raise AssertionError("\n" + case.reproducer(outcome, found))
        outcomes.append(outcome)
    return outcomes

