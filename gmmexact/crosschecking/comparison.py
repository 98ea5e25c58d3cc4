"""Cross-checks of floating-point EM results against the exact model: certified errors and digits.

A peer (scikit-learn, a user's function, a results file: ``peers.py``) reports float values for
quantities of the engine's vocabulary (:class:`Reported`). For every scalar entry the exact value is
enclosed, ``|float − exact|`` is bounded from both sides and the upper bound of the relative error
gives the correct significant digits, ``floor(−log10(rel_error))``: every digit count is proven. The
enclosures come from the run's ball evaluation at a working precision raised until every relative
error is known to about two significant digits; rational values are compared exactly.

Data flow: Run + reported floats → :class:`Entries` (certified bounds, numpy arrays) → findings
(diagnoses) → :class:`CrossCheck` (plain data; ``crosscheck_report.py`` renders it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Sequence

import flint
import numpy as np
from flint import arb

from ..numerics import intervals
from ..numerics.backends import get_backend
from ..numerics.certify import Certifier
from ..numerics.diagnostics import Finding
from ..model.displayhook import Displayable
from ..model.keys import KINDS, Key
from ..numerics.rounding import ball_bounds, round_arb, round_fraction, round_interval
from ..numerics.run import Run
from ..engine.lookup import exact_entry, resolve
from ..numerics.evaluate import ball_entry

LD = np.longdouble
IDENTICAL = 10_000  # digit count of a float proven equal to the exact value
TIGHT = Fraction(21, 20)  # error bounds within 5 % of each other: two significant digits
NEGLIGIBLE = Fraction(1, 10**40)  # relative errors below this need no second digit
MAX_PREC = 4096


# --- what a peer reports ------------------------------------------------------------------------

@dataclass(frozen=True)
class Reported:
    """One float value a peer reports, for one scalar entry of the engine's vocabulary.

    ``scale`` says what the peer's number stands for: ``scale × exact`` (scikit-learn's
    ``lower_bound_`` is the log-likelihood divided by n, so its scale is ``1/n``). ``name`` is the
    peer's own name for it (``"lower_bound_"``, ``"means_[0, 1]"``).
    """

    key: Key
    value: float
    name: str = ""
    scale: Fraction = Fraction(1)


@dataclass(frozen=True)
class Block:
    """Many reported floats of one kind at once: ``values[p, c]`` for ``resp`` (points × components).

    ``name`` is formatted with ``p`` and ``c`` (positions) for the peer's name of one entry.
    """

    iteration: int
    kind: str
    values: np.ndarray
    name: str
    scale: Fraction = Fraction(1)

    def reported(self, problem) -> list[Reported]:
        """The block as single entries (for the exact path)."""
        return [Reported(Key(self.iteration, self.kind, label, comp), float(self.values[p, c]),
                         self.name.format(p=p, c=c), self.scale)
                for p, label in enumerate(problem.labels) for c, comp in enumerate(problem.component_names)]


@dataclass(frozen=True)
class PeerFailure:
    """The peer raised instead of reporting: where and with which message."""

    iteration: int  # the iteration whose step raised
    step: str  # "E-step", "M-step", "fit", "call"
    error: str  # exception type
    message: str


@dataclass(frozen=True)
class PeerResult:
    """Everything one run of a peer produced, in the engine's vocabulary."""

    name: str  # "scikit-learn 1.9.1 GaussianMixture", "mypkg.gmm:em_step", "results.json"
    reported: tuple[Reported, ...]
    settings: dict = field(default_factory=dict)  # covariance_type, reg_covar, iterations, …
    notes: tuple[str, ...] = ()  # where the peer's definitions differ from the textbook ones
    failure: PeerFailure | None = None
    unmatched: tuple[tuple[str, float, str], ...] = ()  # (key, value, why): no exact counterpart
    extra: dict = field(default_factory=dict)  # peer-side facts for diagnoses (float determinants, …)
    blocks: tuple[Block, ...] = ()  # large arrays of one kind (responsibilities), kept as arrays

    def expanded(self, problem) -> "PeerResult":
        """The same result with every block turned into single entries."""
        if not self.blocks:
            return self
        every = [r for b in self.blocks for r in b.reported(problem)] + list(self.reported)
        every.sort(key=lambda r: (r.key.iteration, _kind_order(r.key.kind)))  # stable: a worked solution's order
        return PeerResult(self.name, tuple(every), self.settings, self.notes, self.failure, self.unmatched, self.extra)


# --- certified comparison -----------------------------------------------------------------------

@dataclass(frozen=True)
class Entries:
    """Certified comparison of m reported floats with their exact values (arrays of length m).

    ``exact_lo <= scale·exact <= exact_hi``; ``err_lo <= |float − scale·exact| <= err_hi`` and
    likewise ``rel_lo``/``rel_hi`` for the error relative to ``|scale·exact|`` (``inf`` where the
    exact value is 0). ``digits`` is the proven number of correct significant digits
    (``IDENTICAL`` when the float equals the exact value).
    """

    keys: Sequence[Key]
    names: Sequence[str]
    floats: np.ndarray  # float64
    exact_lo: np.ndarray  # longdouble
    exact_hi: np.ndarray
    err_lo: np.ndarray
    err_hi: np.ndarray
    rel_lo: np.ndarray
    rel_hi: np.ndarray
    digits: np.ndarray  # int64
    exact_text: Callable[[int, int], str] | None = None  # (index, digits) → certified decimal

    def __len__(self) -> int:
        return len(self.floats)

    def groups(self) -> dict[tuple[int, str], np.ndarray]:
        """(iteration, kind) → positions of its entries (in the order of the entries)."""
        if hasattr(self.keys, "groups"):
            return self.keys.groups()
        out: dict = {}
        for i, k in enumerate(self.keys):
            out.setdefault((k.iteration, k.kind), []).append(i)
        return {g: np.array(v, dtype=np.int64) for g, v in out.items()}

    def exact_decimal(self, i: int, digits: int) -> str:
        """The exact value of entry ``i``, certified, to at most ``digits`` significant digits."""
        if self.exact_text is not None:
            return self.exact_text(i, digits)
        return interval_text(intervals.fraction(self.exact_lo[i]), intervals.fraction(self.exact_hi[i]), digits)


def interval_text(lo: Fraction, hi: Fraction, digits: int) -> str:
    for d in range(digits, 0, -1):
        r = round_interval(lo, hi, d)
        if r is not None:
            return str(r)
    return f"[{_two_digits(lo, math.floor)}, {_two_digits(hi, math.ceil)}]"


def _two_digits(q: Fraction, direction) -> str:
    """``q`` rounded outward to 2 significant digits, scientific."""
    if q == 0:
        return "0"
    e = math.floor(math.log10(abs(q.numerator)) - math.log10(q.denominator)) - 1
    m = direction(q / Fraction(10) ** e)
    while abs(m) >= 100:
        e += 1
        m = direction(q / Fraction(10) ** e)
    return f"{m / 10:.1f}e{e + 1:+d}"


def error_text(lo, hi) -> str:
    """A certified error: its 2-digit rounding when the bounds decide it, else the bounds.

    >>> error_text(np.longdouble(0), np.longdouble(0))
    '0'
    >>> error_text(np.longdouble(1.2e-16), np.longdouble(1.21e-16))
    '1.2e-16'
    >>> error_text(np.longdouble(0), np.ldexp(np.longdouble(1), -70))
    '≤ 8.5e-22'
    """
    if not np.isfinite(hi):
        if lo == hi:
            return "∞"
        return "not bounded" if lo == 0 else f"≥ {_two_digits(intervals.fraction(lo), math.floor)}"
    flo, fhi = intervals.fraction(lo), intervals.fraction(hi)
    if fhi == 0:
        return "0"
    r = round_interval(flo, fhi, 2) if flo > 0 else None
    if r is not None:
        return r.scientific()
    if flo == 0 or fhi > 3 * flo:
        return f"≤ {_two_digits(fhi, math.ceil)}"
    return f"[{_two_digits(flo, math.floor)}, {_two_digits(fhi, math.ceil)}]"


NONNEGATIVE_KINDS = ("exp", "density", "joint", "evidence", "resp", "count", "weight")  # never below 0 exactly
BEYOND = Fraction(1, 2**16000)  # below longdouble's range (2^-16382): an exact value this small is shown as [0, BEYOND]


def _beyond_longdouble(x) -> bool:
    """A finite ball whose every point lies within 2^-16000 of 0 (e.g. a density like e^-10³⁰⁰, whose
    end points as Fractions would have astronomically many digits)."""
    return bool(x.is_finite() and abs(x) < arb((1, -16000)))


def _ball_fractions(x) -> tuple[Fraction, Fraction] | None:
    """End points of a ball as Fractions; a ball below longdouble's range as [0, 2^-16000] (or
    [−2^-16000, 2^-16000] when its sign is not known); ``None`` when not finite.

    >>> _ball_fractions(arb(0, float("inf"))) is None, _ball_fractions((-(arb(10) ** 303)).exp()) == (-BEYOND, BEYOND)
    (True, True)
    >>> _ball_fractions(arb(1) / 3 * arb((1, -17000))) == (0, BEYOND)  # known positive
    True
    """
    if _beyond_longdouble(x):
        return (Fraction(0) if x >= 0 else -BEYOND, BEYOND)
    try:
        return ball_bounds(x)
    except (ValueError, OverflowError, MemoryError):
        return None


def _bounds_from_exact(f: Fraction, q: Fraction):
    err = abs(f - q)
    rel = None if q == 0 else err / abs(q)
    return (q, q), (err, err), (rel, rel)


def bounds_from_interval(f: Fraction, lo: Fraction, hi: Fraction):
    err_hi = max(f - lo, hi - f)
    err_lo = max(Fraction(0), f - hi, lo - f)
    if lo <= 0 <= hi:
        rel = (err_lo / max(-lo, hi) if hi > lo else None, None)
    else:
        mag_lo, mag_hi = min(abs(lo), abs(hi)), max(abs(lo), abs(hi))
        rel = (err_lo / mag_hi, err_hi / mag_lo)
    return (lo, hi), (err_lo, err_hi), rel


def exact_float(value: float) -> Fraction:
    """The float as the exact rational it is (0 for NaN and ±inf, whose errors are set to ∞ afterwards)."""
    return Fraction(value) if math.isfinite(value) else Fraction(0)


def _tight(rel) -> bool:
    lo, hi = rel
    if hi is None:
        return False
    return hi <= NEGLIGIBLE or (lo > 0 and hi <= lo * TIGHT)


def certify_reported(run: Run, reported: Sequence[Reported], *, max_prec: int = MAX_PREC) -> Entries:
    """Certified errors of ``reported`` floats against ``run``'s exact values (any size, any iteration).

    Rational exact values are compared exactly; the others through arb balls, the working precision
    doubled (up to ``max_prec`` bits) until every relative error is known to two digits.

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> e = certify_reported(run, [Reported(Key.parse("mean.women[0]"), 164.99999983029034)])
    >>> int(e.digits[0]), error_text(e.rel_lo[0], e.rel_hi[0]), e.exact_decimal(0, 20)
    (15, '8.0e-16', '164.99999983029046706')
    """
    plan = run.plan
    certifier = run.certifier if run.backend.name == "arb" else Certifier(plan, get_backend("arb"))
    m = len(reported)
    bounds: list = [None] * m
    balls: list = [None] * m
    pending = []
    for i, r in enumerate(reported):
        resolve(plan, r.key)
        q = exact_entry(plan, r.key)
        if q is not None:
            bounds[i] = _bounds_from_exact(exact_float(r.value), r.scale * q)
        else:
            pending.append(i)
    prec = 96
    final_prec = {}
    while pending:
        ev = certifier.evaluation(prec)
        still = []
        with certifier.backend.precision(prec):
            for i in pending:
                r = reported[i]
                if r.key.iteration > len(ev.iterations):
                    still.append(i)
                    continue
                ball = ball_entry(ev, plan, r.key) * arb(r.scale.numerator) / r.scale.denominator
                ends = _ball_fractions(ball)
                if ends is None:
                    still.append(i)
                    continue
                if r.key.kind in NONNEGATIVE_KINDS and ends[0] < 0:  # e.g. a responsibility of e^-10³⁰⁰
                    ends = (Fraction(0), ends[1])
                bounds[i] = bounds_from_interval(exact_float(r.value), *ends)
                balls[i] = ball
                final_prec[i] = prec
                if not _tight(bounds[i][2]) and prec < max_prec and not _beyond_longdouble(ball):
                    still.append(i)
        pending = still
        if prec >= max_prec:
            break
        prec *= 2
    for i in pending:  # no finite enclosure even at max_prec (cannot happen for a defined iteration)
        if bounds[i] is None:
            bounds[i] = ((None, None), (Fraction(0), None), (Fraction(0), None))

    def lo_hi(pairs, conv_lo, conv_hi, missing_hi):
        lo = np.array([conv_lo(a) if a is not None else LD(0) for a, _ in pairs], dtype=LD)
        hi = np.array([conv_hi(b) if b is not None else missing_hi for _, b in pairs], dtype=LD)
        return lo, hi

    ex = [b[0] for b in bounds]
    _, exact_hi = lo_hi(ex, intervals.down, intervals.up, intervals.INF)
    exact_lo = np.array([intervals.down(a) if a is not None else -intervals.INF for a, _ in ex], dtype=LD)
    err_lo, err_hi = lo_hi([b[1] for b in bounds], intervals.down, intervals.up, intervals.INF)
    rels = [b[2] for b in bounds]
    rel_lo, rel_hi = lo_hi([(a if a is not None else Fraction(0), b) for a, b in rels],
                           intervals.down, intervals.up, intervals.INF)
    floats = np.array([r.value for r in reported], dtype=np.float64)
    bad = ~np.isfinite(floats)  # NaN or ±inf reported: no correct digit, infinite error
    for arr in (err_lo, err_hi, rel_lo, rel_hi):
        arr[bad] = intervals.INF
    digits = intervals.digits_below(rel_hi)
    identical = np.array([b[1][1] == 0 for b in bounds], dtype=bool) & ~bad
    digits = np.where(identical, IDENTICAL, digits)

    def exact_text(i: int, want: int) -> str:
        r = reported[i]
        q = exact_entry(plan, r.key)
        if q is not None:
            return str(round_fraction(r.scale * q, want))
        ball = balls[i]
        if ball is None:
            return "undefined"
        with certifier.backend.precision(final_prec[i]):
            for d in range(want, 0, -1):
                got = round_arb(ball, d)
                if got is not None:
                    return str(got)
        return interval_text(*ex[i], want)

    return Entries(tuple(r.key for r in reported), tuple(r.name for r in reported), floats, exact_lo, exact_hi,
                   err_lo, err_hi, rel_lo, rel_hi, digits, exact_text)


def shown_digits(digits: int) -> int:
    """Digits to show of an exact value whose float has ``digits`` correct: enough to see the difference."""
    if digits >= IDENTICAL:
        return 17
    return max(6, min(digits + 3, 40))


# --- the result ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class CrossCheck(Displayable):
    """A certified cross-check: per-entry errors, diagnoses and the verdict against ``min_digits``.

    Displays itself in Jupyter (``_repr_markdown_``); ``as_dict()`` is the JSON document.

    Attributes
    ----------
    problem : str
        The problem's source.
    peer : PeerResult
        What the peer reported (its name, settings, notes, failure, values without an exact counterpart).
    entries : Entries
        The certified comparison of every reported value: exact enclosures, error bounds, correct digits.
    findings : tuple of Finding
        The diagnoses (slips, non-finite values, underflow, conditioning, …).
    min_digits : int
        The correct digits every value must have to pass.
    iterations : int
        The exact iterations compared with.
    covariance_type : str
        The model's covariance type.
    reg_covar : Fraction
        The model's regularisation, exact.
    count_offset : Fraction
        The model's count offset, exact (scikit-learn's: 10·2⁻⁵²).
    """

    problem: str
    peer: PeerResult
    entries: Entries
    findings: tuple[Finding, ...]
    min_digits: int
    iterations: int
    covariance_type: str
    reg_covar: Fraction
    count_offset: Fraction

    @property
    def failing(self) -> np.ndarray:
        """Indices of entries with fewer than ``min_digits`` proven correct digits, except values below
        float64's range that the float holds as closely as float64 can (see :func:`underflow`)."""
        return np.flatnonzero((self.entries.digits < self.min_digits) & ~self.held)

    @property
    def passed(self) -> bool:
        """Every entry meets ``min_digits``, the peer did not fail, reported nothing undefined, and what is
        certified is the peer's own fit."""
        return (len(self.failing) == 0 and self.peer.failure is None and not self.peer.unmatched
                and len(self.entries) > 0 and not any(f.kind == "not-the-users-fit" for f in self.findings))

    def worst(self, count: int = 10) -> list[int]:
        """Indices of the ``count`` entries with the fewest correct digits (largest relative error)."""
        e = self.entries
        held = e.err_hi <= FLOAT64_STEP  # values below float64's range, held as closely as it can: last
        order = np.lexsort((-np.asarray(e.rel_hi, dtype=LD), e.digits, held))  # longdouble: no overflow to float64
        return [int(i) for i in order[:count]]

    def summary(self) -> list[dict]:
        """Per (iteration, kind): how many entries, the fewest and the median correct digits."""
        e = self.entries
        groups = e.groups()
        failing = np.zeros(len(e), dtype=bool)
        failing[self.failing] = True
        held = self.held
        out = []
        for (t, kind), idx in sorted(groups.items(), key=lambda g: (g[0][0], _kind_order(g[0][1]))):
            shown = idx[~held[idx]] if (~held[idx]).any() else idx  # values held below float64's range last
            d = e.digits[shown]
            worst = int(shown[int(np.argmin(d))])
            out.append({"iteration": t, "kind": kind, "count": len(idx), "min_digits": _digits_value(int(d.min())),
                        "median_digits": _digits_value(int(np.median(d))), "worst": str(e.keys[worst]),
                        "below_min": int(failing[idx].sum()), "underflow": int(held[idx].sum())})
        return out

    @property
    def held(self) -> np.ndarray:
        """Mask of values below ``min_digits`` that lie below float64's range and are held within one
        subnormal step (see :func:`underflow`): not failures."""
        e = self.entries
        return (e.digits < self.min_digits) & (e.err_hi <= FLOAT64_STEP)

    def quantity(self, i: int) -> dict:
        """The JSON record of entry ``i``."""
        e = self.entries
        d = int(e.digits[i])
        # relative to an exact value that may be 0 there is no relative error (the float then has no digit)
        rel = None if e.exact_lo[i] <= 0 <= e.exact_hi[i] else error_text(e.rel_lo[i], e.rel_hi[i])
        out = {"key": str(e.keys[i]), "name": e.names[i], "float": repr(float(e.floats[i])),
               "exact": e.exact_decimal(i, shown_digits(d)), "abs_error": error_text(e.err_lo[i], e.err_hi[i]),
               "rel_error": rel, "correct_digits": _digits_value(d), "identical": d >= IDENTICAL,
               "meets_min_digits": d >= self.min_digits or bool(e.err_hi[i] <= FLOAT64_STEP)}
        dtype = self.peer.settings.get("dtype", "float64")
        if dtype in NARROW_TYPES:  # what that type can carry for this value: the exact value rounded to it
            out["attainable_digits"] = _digits_value(int(attainable_digits(e, dtype)[i]))
        return out

    def digits_by_kind(self, held: bool = False) -> dict[str, list]:
        """Correct digits of every entry, grouped by ``iter<t>.kind`` (``None``: identical), for plots;
        ``held=True``: instead, whether each entry is held below float64's range (:attr:`held`)."""
        out = {}
        mask = self.held
        for (t, kind), idx in sorted(self.entries.groups().items(), key=lambda g: (g[0][0], _kind_order(g[0][1]))):
            out[f"{'' if t == 1 else f'iter{t}.'}{kind}"] = ([bool(v) for v in mask[idx]] if held else
                                                             [_digits_value(int(d)) for d in self.entries.digits[idx]])
        return out

    def as_dict(self, limit: int | None = None) -> dict:
        """The JSON document: ``quantities`` (every entry, or the worst ``limit``), then ``findings``."""
        idx = range(len(self.entries)) if limit is None else sorted(self.worst(limit))
        return {
            "quantities": [self.quantity(i) for i in idx],
            "findings": [f.as_dict() for f in self.findings],
            "values": len(self.entries),
            "summary": self.summary(),
            "worst": [str(self.entries.keys[i]) for i in self.worst(10)],
            "peer": {"name": self.peer.name, "settings": _plain(self.peer.settings), "notes": list(self.peer.notes),
                     "failure": None if self.peer.failure is None else vars(self.peer.failure),
                     "unmatched": [{"key": k, "float": repr(v), "why": w} for k, v, w in self.peer.unmatched]},
            "problem": self.problem,
            "model": {"covariance_type": self.covariance_type, "reg_covar": str(self.reg_covar),
                      "count_offset": str(self.count_offset), "count_offset_text": offset_text(self.count_offset),
                      "iterations": self.iterations},
            "min_digits": self.min_digits,
            "passed": self.passed,
            "definition": "correct_digits = floor(−log10(relative error)), from the certified upper bound of "
                          "|float − exact| / |exact|; null with identical = true when the float equals the exact value",
        }



def offset_text(q: Fraction) -> str:
    """A count offset as people write it: ``10·2⁻⁵²`` (scikit-learn's ``10·eps``), else the fraction.

    >>> offset_text(Fraction(10, 2**52)), offset_text(Fraction(1, 1000))
    ('10·2⁻⁵²', '1/1000')
    """
    if q == Fraction(10, 2**52):
        return "10·2⁻⁵²"
    return str(q)


NARROW_TYPES = {"float32": np.float32, "float16": np.float16}  # bfloat16: numpy has none (2^-8: 2 digits)


def attainable_digits(e: "Entries", dtype: str) -> np.ndarray:
    """Per entry, the correct digits of the exact value rounded to ``dtype`` (its midpoint's rounding; the
    enclosures are far narrower than that type's steps): what a perfect implementation in it could show."""
    mid = (e.exact_lo + e.exact_hi) / 2
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        rounded = mid.astype(NARROW_TYPES[dtype]).astype(LD)
        rel = np.where(mid != 0, np.abs(rounded - mid) / np.abs(mid), 0)
    digits = intervals.digits_below(rel)
    return np.where(rel == 0, IDENTICAL, digits)


def _digits_value(d: int):
    return None if d >= IDENTICAL else d


def _kind_order(kind: str) -> int:
    return list(KINDS).index(kind)


def _plain(x):
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


# --- diagnoses ----------------------------------------------------------------------------------

def _model(run: Run):
    p = run.problem
    return (getattr(p, "covariance_type", "full"), Fraction(getattr(p, "reg_covar", 0)),
            Fraction(getattr(p, "count_offset", 0)))


def diagnose(run: Run, peer: PeerResult, entries: Entries, min_digits: int) -> list[Finding]:
    """Explain what the comparison shows: a peer's failure, singular covariances seen as positive
    definite, log-likelihoods whose digits are noise, cancellation, regularisation that dominates,
    and wrong values that match a known slip."""
    out: list[Finding] = []
    cov_type, reg, offset = _model(run)
    singular = [f for f in run.diagnostics if f.kind == "singular-covariance"]
    conditioning = {f.key: f for f in run.diagnostics if f.kind in ("float64-singular", "ill-conditioned")}
    textbook = singular or (_textbook_singular(run) if conditioning or peer.failure else [])
    if peer.failure is not None:
        fail = peer.failure
        prefix = "" if fail.iteration == 1 else f"iter{fail.iteration}."
        needs = _covariances_needed(fail, peer)
        near = [f for k, f in conditioning.items() if _iteration_of(k) in needs and k.split("[")[0].split(".")[-2] == "cov"]
        traced = [f for f in singular if _iteration_of(f.key) in needs]
        why = ""
        if traced:
            f0 = traced[0]
            why = (f" Exact explanation: {', '.join(f.key for f in traced)} "
                   f"singular (rank {f0.rank} of {run.problem.d}); every point satisfies {' and '.join(f0.relations)}.")
        elif near:
            why = " Exact explanation: " + " ".join(f.message for f in near)
            if textbook:
                f0 = textbook[0]
                why += (f" Without the count offset and reg_covar (the textbook M-step) the covariances are singular: "
                        f"rank {f0.rank} of {run.problem.d}, every point satisfies {' and '.join(f0.relations)}.")
        if fail.step == "call":
            many = int(peer.settings.get("iterations", 1) or 1)
            where = "when called" + (f" (once, for iterations 1–{many})" if many > 1 else "")
        else:
            where = f"in the {fail.step} of iteration {fail.iteration}"
        shown = textbook[0] if textbook and why else None
        out.append(Finding("peer-error", f"iteration {fail.iteration}",
                           f"{peer.name} raised {fail.error} {where}: {fail.message.strip()}{why}",
                           rank=shown.rank if shown else None, relations=shown.relations if shown else ()))
    if peer.unmatched:
        stop = run.stopped
        keys = ", ".join(k for k, _, _ in peer.unmatched[:6]) + (" …" if len(peer.unmatched) > 6 else "")
        why = peer.unmatched[0][2]
        noisy = [(k, v) for k, v, _ in peer.unmatched if "loglik" in k]
        msg = f"{len(peer.unmatched)} reported value(s) have no exact counterpart ({keys}): {why}"
        if noisy:
            k, v = noisy[0]
            msg += (f" The reported log-likelihood {k} = {v!r} is noise: the exact one does not exist (the "
                    f"likelihood grows without bound as a component collapses onto the data's subspace), so no "
                    f"digit of it means anything.")
        out.append(Finding("loglik-undefined" if noisy else "undefined", peer.unmatched[0][0], msg,
                           relations=stop.relations if stop else ()))
    out += non_finite(entries)
    out += underflow(entries, min_digits)
    # the peer's own model first: a covariance nearly singular with counts nk + offset is described as such,
    # not as the textbook M-step's exactly singular one
    causes = {**{f.key: f for f in textbook}, **conditioning}
    levels = _noise_levels(run, entries, causes)
    slips = _slips(run, entries, min_digits, levels)
    out += _singular_in_float(run, peer, entries, textbook, conditioning, cov_type, reg,
                              explained={f.key for f in slips})
    out += _loglik_noise(entries, causes, levels, explained={f.key for f in slips}, cov_type=cov_type,
                         offset=offset, textbook={f.key: f for f in textbook})
    out += _cancellation(run, entries, cov_type, reg)
    out += _regularisation(run, entries, cov_type, reg, textbook)
    out += slips
    return out


FLOAT64_STEP = LD(2.0**-1074)  # the spacing of float64's subnormal numbers: no float64 can be nearer than half of it


def underflow(entries: Entries, min_digits: int) -> list[Finding]:
    """Values below float64's normal range that the float holds as closely as float64 can: fewer correct
    digits than ``min_digits``, but an error of at most one subnormal step (2⁻¹⁰⁷⁴), so they are not
    counted against it (a responsibility of 1e-400 is 0.0 in every float64 implementation).

    >>> e = Entries((Key.parse("resp.x1.b"), Key.parse("resp.x2.b")), ("", ""), np.array([0.0, 0.0]),
    ...             *[np.array(["3e-400", "4e-400"], dtype=LD)] * 4, np.ones(2, dtype=LD), np.ones(2, dtype=LD),
    ...             np.zeros(2, dtype=np.int64), lambda i, want: "3.5e-400")
    >>> print(underflow(e, 10)[0].message)  # doctest: +ELLIPSIS
    2 values lie below float64's range and are held as closely as float64 can (within one subnormal step, 4.9e-324, of the exact value), e.g. resp.x1.b = 0.0 against an exact 3.5e-400. ...
    """
    idx = np.flatnonzero((entries.digits < min_digits) & (entries.err_hi <= FLOAT64_STEP))
    if not len(idx):
        return []
    i = int(idx[0])
    many = len(idx) != 1
    return [Finding("underflow", str(entries.keys[i]),
                    f"{len(idx)} value{'s lie' if many else ' lies'} below float64's range and {'are' if many else 'is'} "
                    f"held as closely as float64 can (within one subnormal step, 4.9e-324, of the exact value), e.g. "
                    f"{entries.keys[i]}{f' ({entries.names[i]})' if entries.names[i] else ''} = "
                    f"{float(entries.floats[i])!r} against an exact {_value_text(entries.exact_decimal(i, 5))}. {'They have' if many else 'It has'} fewer than {min_digits} "
                    f"correct digits but {'do' if many else 'does'} not count against --min-digits: every float64 "
                    f"implementation underflows there. Code that needs them keeps logarithms (scikit-learn's "
                    f"log_resp, score_samples).")]


def _value_text(text: str) -> str:
    return f"value in {text}" if text.startswith("[") else text


def non_finite(entries: Entries) -> list[Finding]:
    """NaN and ±Inf among the reported values: no correct digit, and which ones they are.

    >>> e = Entries((Key.parse("loglik"), Key.parse("mean.a[0]")), ("", ""), np.array([np.inf, np.nan]),
    ...             *[np.zeros(2, dtype=LD)] * 6, np.zeros(2, dtype=np.int64))
    >>> print(non_finite(e)[0].message)
    2 reported values are not finite (1 NaN, 1 +Inf): loglik = inf, mean.a[0] = nan. They have no correct digit; a NaN comes from an undefined operation (0/0, ∞ − ∞, 0·∞, the log or square root of a negative number) or from a NaN in the input; an Inf from an overflow or a division by zero (the log of 0 is −Inf).
    """
    bad = np.flatnonzero(~np.isfinite(entries.floats))
    if not len(bad):
        return []
    vals = entries.floats[bad]
    counts = [(int(np.isnan(vals).sum()), "NaN"), (int((vals == np.inf).sum()), "+Inf"),
              (int((vals == -np.inf).sum()), "−Inf")]
    what = ", ".join(f"{c} {name}" for c, name in counts if c)
    shown = ", ".join(f"{entries.names[i] or entries.keys[i]} = {float(entries.floats[i])!r}" for i in bad[:8])
    more = f" and {len(bad) - 8} more" if len(bad) > 8 else ""
    return [Finding("non-finite", str(entries.keys[int(bad[0])]),
                    f"{len(bad)} reported value{'s are' if len(bad) != 1 else ' is'} not finite ({what}): {shown}{more}. "
                    f"{'They have' if len(bad) != 1 else 'It has'} no correct digit" + "".join(why for c, why in (
                        (counts[0][0], "; a NaN comes from an undefined operation (0/0, ∞ − ∞, 0·∞, the log or square "
                                       "root of a negative number) or from a NaN in the input"),
                        (counts[1][0] + counts[2][0], "; an Inf from an overflow or a division by zero (the log of 0 "
                                                      "is −Inf)")) if c) + ".",
                    digits_lost=16)]


def _textbook_singular(run: Run) -> list[Finding]:
    """Singular-covariance findings of the same problem without count offset and reg_covar (iteration 1)."""
    from dataclasses import replace  # noqa: PLC0415

    from ..numerics.run import solve  # noqa: PLC0415

    p = run.problem
    if getattr(p, "count_offset", 0) == 0 and getattr(p, "reg_covar", 0) == 0:
        return []
    plain = replace(p, count_offset=Fraction(0), reg_covar=Fraction(0))
    return [f for f in solve(plain, 1).diagnostics if f.kind == "singular-covariance"]


LINALG_WORDS = ("singular", "positive definite", "positive-definite", "cholesky", "ill-defined", "covariance")


def _covariances_needed(fail: PeerFailure, peer: PeerResult) -> set[int]:
    """Iterations whose updated covariances the failing step used: only there can a singular covariance
    explain the failure.

    scikit-learn's "ill-defined empirical covariance" is raised by the M-step that computed the covariance; an
    E-step of iteration t uses the covariances of iteration t − 1; a function called once for N iterations
    that raised a linear-algebra error may have used any of them; any other failure is not traced to them.

    >>> peer = PeerResult("f", (), {"iterations": 3})
    >>> sorted(_covariances_needed(PeerFailure(2, "E-step", "LinAlgError", "Matrix is not positive definite"), peer))
    [1]
    >>> sorted(_covariances_needed(PeerFailure(1, "call", "ValueError", "boom"), peer))
    []
    >>> sorted(_covariances_needed(PeerFailure(1, "call", "LinAlgError", "Singular matrix"), peer))
    [1, 2, 3]
    """
    text = f"{fail.error} {fail.message}".lower()
    linalg = "linalg" in text or any(w in text for w in LINALG_WORDS)
    if "ill-defined empirical covariance" in text:
        return set(range(1, fail.iteration + 1)) if fail.step in ("fit", "call") else {fail.iteration}
    if fail.step == "E-step":
        return {fail.iteration - 1} - {0}
    if fail.step == "call" and linalg:
        return set(range(1, int(peer.settings.get("iterations", 1) or 1) + 1))
    if fail.step in ("M-step", "fit") and linalg:
        return {fail.iteration}
    return set()


def _iteration_of(key: str) -> int:
    return Key.parse(key.split("[")[0]).iteration if key[:1].isalpha() else 1


def _singular_in_float(run, peer, entries, textbook, conditioning, cov_type, reg, explained=frozenset()) -> list[Finding]:
    out = []
    if reg != 0 or not textbook:
        return out
    mats = peer.extra.get("float_covariances", {})
    seen_cov = {str(k.whole) for k in entries.keys if k.kind == "cov"}
    if cov_type == "tied":  # one shared covariance: one finding
        textbook = textbook[:1]
    for f in textbook:
        mat = mats.get(f.key)
        if mat is None or f.key not in seen_cov:
            continue
        mat = np.asarray(mat, dtype=np.float64)
        if not np.isfinite(mat).all():
            continue  # NaN or Inf: the non-finite finding says so
        eig = np.linalg.eigvalsh(mat)
        if eig.min() <= 0:
            continue  # not positive definite
        det = float(np.linalg.det(mat))
        off = _relative_difference(run, f.key, mat)
        if off is not None and off > ROUNDING_SIZE:  # wrong beyond rounding: not a conditioning story
            if f.key not in explained:  # a slip names it already
                out.append(Finding(
                    "covariance-wrong", f.key,
                    f"{f.key} is singular exactly in the textbook M-step (rank {f.rank} of {run.problem.d}; every "
                    f"point satisfies {' and '.join(f.relations)}), and the peer's float covariance is positive "
                    f"definite (smallest eigenvalue {eig.min():.3g}, determinant {det:.3g}), but that is not rounding: "
                    f"its entries differ from the exact ones of the peer's model by {off:.2g} (relative, Frobenius "
                    f"norm), far beyond float64 rounding (below {ROUNDING_SIZE:g}). The covariance itself is wrong; "
                    f"its determinant and every log-density computed from it are wrong for that reason, not because "
                    f"of the conditioning.", rank=f.rank, relations=f.relations, digits_lost=16))
            continue
        if off is None and not _rounding_dominates(run, f.key, mat, eig):
            continue
        exact = conditioning.get(f.key)
        model = (f" In the peer's own model (counts nk + {offset_text(run.problem.count_offset)}) it is not singular but "
                 f"nearly so: certified condition number {exact.condition}, so float64 cannot resolve its small "
                 f"eigenvalue." if exact is not None else "")
        det_key = Key(_iteration_of(f.key) + 1, "det", None, f.key.split(".")[-1])
        det_text = ""
        if det_key in run:
            det_text = f" (exact determinant of the peer's model: {run[det_key].decimal(3)})"
        out.append(Finding(
            "singular-but-positive-definite-in-float", f.key,
            f"{f.key} is singular exactly in the textbook M-step (rank {f.rank} of {run.problem.d}; every point "
            f"satisfies {' and '.join(f.relations)}) but the peer's float covariance is positive definite: smallest "
            f"eigenvalue {eig.min():.3g} (largest {eig.max():.3g}), determinant {det:.3g}{det_text}.{model} Its "
            f"small eigenvalue and determinant, and every log-density computed from them, are dominated by rounding.",
            rank=f.rank, relations=f.relations, condition=exact.condition if exact is not None else None))
    return out


ROUNDING_SIZE = 1e-8  # a float covariance this close to the exact one (relative, Frobenius) is rounding-size wrong
TINY_EIGENVALUE = 1024  # or a smallest eigenvalue below this many ε·d·λmax: rounding dominates it whatever else


def _relative_difference(run: Run, key: str, mat: np.ndarray) -> float | None:
    """Frobenius distance of the float covariance from the peer model's exact one, relative to the exact one
    (``None`` when the exact entries are not available). A tolerance, from 128-bit balls' midpoints."""
    d = mat.shape[0]
    k = Key.parse(key)
    with _prec(128):
        exact = np.empty_like(mat)
        for i in range(d):
            for j in range(d):
                b = _ball_at(run, Key(k.iteration, "cov", None, k.component, (i, j)), 128)
                if b is None:
                    return None
                exact[i, j] = float(b.mid())
    norm = float(np.linalg.norm(exact))
    return float(np.linalg.norm(mat - exact)) / norm if norm else None


def _rounding_dominates(run: Run, key: str, mat: np.ndarray, eig: np.ndarray) -> bool:
    """The float covariance differs from the peer model's exact one by rounding only, or its smallest
    eigenvalue is itself of the size of rounding (``TINY_EIGENVALUE·d·ε·λmax``)."""
    d = mat.shape[0]
    if eig.min() <= TINY_EIGENVALUE * d * np.finfo(np.float64).eps * eig.max():
        return True
    difference = _relative_difference(run, key, mat)
    return difference is not None and difference <= ROUNDING_SIZE


NOISE_ULPS = 64  # rounding noise of a float log-likelihood: NOISE_ULPS·n·d·κ·ε (κ: certified condition number)


def _loglik_causes(k: Key, conditioning: dict) -> list:
    prefix = "" if k.iteration == 2 else f"iter{k.iteration - 1}."
    return [f for key, f in conditioning.items() if k.iteration > 1 and key.startswith(prefix + "cov.")
            and (prefix or not key.startswith("iter"))]


def _noise_levels(run: Run, entries: Entries, conditioning: dict) -> dict:
    """Entry index → (relative noise level, cause) for the log-likelihoods computed from ill-conditioned or
    singular covariances.

    A float log-likelihood is a sum of n log-densities; each log-determinant and quadratic form of a covariance
    with condition number κ moves by about d·κ·ε per unit of rounding in its entries. The level is
    ``NOISE_ULPS·n·d·κ·ε`` relative to the exact log-likelihood (κ certified, the factor generous: correct
    float code stays well inside it); ``inf`` when the covariance is singular in the peer's own model (no κ).
    """
    out = {}
    n, d = run.problem.n, run.problem.d
    for i in (int(i) for (_, kind), idx in entries.groups().items() if kind == "loglik" for i in idx):
        k = entries.keys[i]
        causes = _loglik_causes(k, conditioning)
        if not causes:
            continue
        cause = next((f for f in causes if f.condition), causes[0])
        if not cause.condition:
            out[i] = (float("inf"), cause)
            continue
        with _prec(128):
            v = _ball_at(run, Key(k.iteration, "loglik"), 128)
        scale = abs(float(v.mid())) if v is not None else 0.0
        level = NOISE_ULPS * n * d * float(cause.condition) * float(np.finfo(np.float64).eps) / scale if scale else float("inf")
        out[i] = (level, cause)
    return out


def _cause_text(cause, textbook: dict, cov_type: str, offset: Fraction) -> str:
    which = (f"the tied covariance {cause.key} (one matrix shared by every component)" if cov_type == "tied"
             else cause.key)
    plain = textbook.get(cause.key)
    if cause.condition:
        model = f"in the peer's model (counts nk + {offset_text(offset)}) " if offset else "in the peer's model "
        also = (f"; in the textbook M-step it is singular exactly (rank {plain.rank}; every point satisfies "
                f"{' and '.join(plain.relations)})" if plain is not None and plain is not cause else "")
        return (f"{which}, which {model}is not singular but nearly so: certified condition number {cause.condition}"
                f"{also}")
    return (f"{which}, singular exactly in the peer's model (rank {cause.rank}; every point satisfies "
            f"{' and '.join(cause.relations)})")


def _loglik_noise(entries: Entries, conditioning: dict, levels: dict, explained=frozenset(), cov_type: str = "full",
                  offset: Fraction = Fraction(0), textbook: dict | None = None) -> list[Finding]:
    """Log-likelihoods with at most 2 correct digits computed from ill-conditioned or singular covariances
    (``levels``: entry → (relative noise level, cause), see :func:`_noise_levels`): noise when the error is
    within the level, a wrong value when it is far beyond it; nothing without such a cause, and nothing for a
    value a slip explains (``explained``: keys of slip findings)."""
    out = []
    for i, (level, cause) in sorted(levels.items()):
        k = entries.keys[i]
        d = int(entries.digits[i])
        if d > 2 or not np.isfinite(entries.rel_hi[i]):  # unbounded (fast path, NaN, Inf): not evidence of noise
            continue
        if str(k.whole) in explained:
            continue
        source = _cause_text(cause, textbook or {}, cov_type, offset)
        shown = (f"{entries.names[i] or k} = {float(entries.floats[i])!r}", entries.exact_decimal(i, 6),
                 error_text(entries.rel_lo[i], entries.rel_hi[i]))
        if float(entries.rel_lo[i]) > level:
            out.append(Finding("loglik-wrong", str(k),
                               f"{shown[0]} is wrong, not noise: the exact value is {shown[1]} (relative error "
                               f"{shown[2]}), far beyond the rounding noise of about {level:.1e} (relative; "
                               f"{NOISE_ULPS}·n·d·κ·ε) that the conditioning explains. It is computed from {source}, "
                               f"but the error is an error in computing it, not rounding.",
                               condition=cause.condition, digits_lost=16 - d))
            continue
        out.append(Finding("loglik-noise", str(k),
                           f"{shown[0]} is noise beyond {_digits_word(d)}: the exact value is {shown[1]} (relative "
                           f"error {shown[2]}). It is computed from {source}. Its log-determinant and quadratic "
                           f"forms are dominated by rounding.", rank=cause.rank, relations=cause.relations,
                           condition=cause.condition, digits_lost=16 - d))
    return out


def _ball_at(run: Run, key: Key, prec: int):
    plan = run.plan
    q = exact_entry(plan, key)
    if q is not None:
        return arb(q.numerator) / q.denominator
    ev = run.certifier.evaluation(prec)
    if key.iteration > len(ev.iterations):
        return None
    return ball_entry(ev, plan, key)


def _cancellation(run: Run, entries: Entries, cov_type: str, reg: Fraction) -> list[Finding]:
    """Diagonal (and spherical) covariances are computed as E[x²] − μ²: condition (E[x²] + μ²)/σ²."""
    if cov_type not in ("diag", "spherical"):
        return []
    out = []
    prec = 128
    seen = set()
    with flint.ctx.workprec(prec) if hasattr(flint.ctx, "workprec") else _prec(prec):
        for i, k in enumerate(entries.keys):
            # spherical: one variance per component; diag: one per variable of each component
            which = (k.iteration, k.component) if cov_type == "spherical" else (k.iteration, k.component, k.entry)
            if k.kind != "cov" or not k.entry or k.entry[0] != k.entry[1] or which in seen:
                continue
            seen.add(which)
            idx = range(run.problem.d) if cov_type == "spherical" else [k.entry[0]]
            var, sq = arb(0), arb(0)
            for j in idx:
                v = _ball_at(run, Key(k.iteration, "cov", None, k.component, (j, j)), prec)
                mu = _ball_at(run, Key(k.iteration, "mean", None, k.component, (j,)), prec)
                if v is None or mu is None:
                    break
                v = v - arb(reg.numerator) / reg.denominator
                var, sq = var + v, sq + mu * mu
            else:
                if not var > 0:
                    continue
                kappa = (var + 2 * sq) / var
                r = round_arb(kappa, 3)
                if r is None or r.fraction() < 100:
                    continue
                lost = math.floor(math.log10(r.fraction()))
                d = int(entries.digits[i])
                what = (f"Σ_i E[x_i²] − Σ_i μ_i² over the {run.problem.d} variables" if cov_type == "spherical"
                        else f"E[{run.problem.variables[k.entry[0]]}²] − μ²")
                out.append(Finding(
                    "cancellation", str(k.whole) + ("" if cov_type == "spherical" else f"[{k.entry[0]}][{k.entry[0]}]"),
                    f"{k.whole} is computed as {what}: condition number (E[x²] + μ²)/σ² = {r.scientific()} "
                    f"(certified), so float64 loses about {lost} of its 16 digits to cancellation; the peer has "
                    f"{_digits_word(d)} correct.", condition=r.scientific(), digits_lost=lost))
    return out


class _prec:
    def __init__(self, bits):
        self.bits = bits

    def __enter__(self):
        self.saved = flint.ctx.prec
        flint.ctx.prec = self.bits

    def __exit__(self, *exc):
        flint.ctx.prec = self.saved


def _digits_word(d: int) -> str:
    return "all digits" if d >= IDENTICAL else f"{d} digit{'s' if d != 1 else ''}"


def _regularisation(run: Run, entries: Entries, cov_type: str, reg: Fraction, textbook) -> list[Finding]:
    if reg == 0:
        return []
    out = []
    for f in textbook:  # the data have no variance across the relation: all of it is reg_covar
        out.append(Finding(
            "regularisation-dominates", f.key,
            f"{f.key}: across {' and '.join(f.relations)} the data have no variance at all (the textbook covariance "
            f"has rank {f.rank} of {run.problem.d}); the covariance is positive definite because reg_covar = "
            f"{reg} is added to its diagonal, so in that direction the model is set by reg_covar alone.",
            rank=f.rank, relations=f.relations))
    if textbook:
        return out
    prec = 128
    seen = set()
    with _prec(prec):
        for k in entries.keys:
            if k.kind != "cov" or not k.entry or k.entry[0] != k.entry[1] or (k.iteration, k.component, k.entry) in seen:
                continue
            seen.add((k.iteration, k.component, k.entry))
            v = _ball_at(run, k, prec)
            if v is None:
                continue
            raw = v - arb(reg.numerator) / reg.denominator
            if raw < 10 * arb(reg.numerator) / reg.denominator:
                out.append(Finding("regularisation-dominates", str(k),
                                   f"{k}: the data's own variance ({_arb_text(raw)}) is less than 10 × reg_covar "
                                   f"({reg}): regularisation dominates this variance."))
    return out


def _arb_text(x) -> str:
    r = round_arb(x, 3)
    return r.scientific() if r is not None else "not decided"


# slips: (kind, description, factor(run, key) → ball the reported value would match)
def _slips(run: Run, entries: Entries, min_digits: int, levels: dict | None = None) -> list[Finding]:
    """Name a wrong value by the slip it matches (to 6 digits, certified; a log-likelihood computed from an
    ill-conditioned covariance to within its rounding noise level, ``levels`` as :func:`_noise_levels`)."""
    levels = levels or {}
    bad = [i for i in np.flatnonzero(entries.digits < 3)]
    out = []
    prec = 128
    done = set()
    with _prec(prec):
        for i in bad:
            k = entries.keys[i]
            if (k.iteration, k.kind, k.component) in done or not np.isfinite(entries.floats[i]):
                continue
            for what, value in _candidates(run, k, prec):
                if value is None:
                    continue
                f = Fraction(float(entries.floats[i]))
                ends = _ball_fractions(value)
                if ends is None or ends[0] <= 0 <= ends[1] and f != 0:
                    if not (ends and ends[0] == ends[1] == 0 and f == 0):
                        continue
                lo, hi = ends
                mag = min(abs(lo), abs(hi))
                level, cause = levels.get(int(i), (0.0, None))
                tol = mag / 10**6
                noisy = 1e-6 < level < 0.1  # within the noise, but never so loose that anything matches
                if noisy:
                    tol = max(tol, mag * Fraction(level))
                far = max(abs(f - lo), abs(f - hi))
                if noisy and far * 10 >= abs(f - Fraction(float((entries.exact_lo[i] + entries.exact_hi[i]) / 2))):
                    continue  # the value as reported (e.g. scaled by 1/n) explains it as well: not a slip
                if mag == 0 and f == 0 or mag > 0 and far <= tol:
                    done.add((k.iteration, k.kind, k.component))
                    out.append(Finding("slip", str(k.whole),
                                       f"{k.whole} is wrong ({_digits_word(int(entries.digits[i]))} correct): "
                                       f"{entries.names[i] or k} = {float(entries.floats[i])!r} matches"
                                       + (f" {what}, to within the rounding noise the conditioning explains (about "
                                          f"{level:.1e} relative: {NOISE_ULPS}·n·d·κ·ε with the certified condition "
                                          f"number κ = {cause.condition} of {cause.key})." if noisy
                                          else f", to at least 6 digits, {what}.")))
                    break
    return out


def _candidates(run: Run, k: Key, prec: int):
    """Values a slip in computing ``k`` would produce (balls), with the slip's description."""
    plan = run.plan
    n = run.problem.n
    cov_type, reg, offset = _model(run)

    def ball(key):
        return _ball_at(run, key, prec)

    def frac(q):
        return arb(q.numerator) / q.denominator

    if k.kind == "cov" and k.entry:
        v = ball(k)
        count = ball(Key(k.iteration, "count", None, k.component)) if k.component else None
        if v is None or count is None:
            return
        m = count + frac(offset)
        i, j = k.entry
        raw = v - (frac(reg) if i == j else 0)
        yield "Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ / n: the covariance divided by n instead of the count m_c", raw * m / n + (frac(reg) if i == j else 0)
        yield "division by m_c − 1 (an 'unbiased' covariance)", raw * m / (m - 1) + (frac(reg) if i == j else 0)
        start = plan.iterations[k.iteration - 1].start[run.problem.component_index[k.component]]
        if start.mean is not None and None not in start.mean:
            mi, mj = ball(Key(k.iteration, "mean", None, k.component, (i,))), ball(Key(k.iteration, "mean", None, k.component, (j,)))
            yield ("the covariance about the starting mean instead of the updated one",
                   v + (mi - frac(start.mean[i])) * (mj - frac(start.mean[j])))
        if reg != 0 and i == j:
            yield "the covariance without reg_covar", raw
    elif k.kind == "mean" and k.entry:
        v = ball(k)
        count = ball(Key(k.iteration, "count", None, k.component))
        if v is None or count is None:
            return
        yield "Σ_p r_pc x_p / n: the mean divided by n instead of the count m_c", v * (count + frac(offset)) / n
    elif k.kind == "weight":
        v = ball(k)
        if v is not None:
            yield "the count m_c instead of the weight m_c / n", v * n
    elif k.kind == "resp":
        v = ball(k)
        ev = ball(Key(k.iteration, "evidence", k.point))
        if v is not None and ev is not None:
            yield "the joint π_c·N(x_p) instead of the responsibility (not divided by the evidence)", v * ev
    elif k.kind == "loglik":
        v = ball(k)
        if v is not None:
            yield "the log-likelihood in base 10", v / arb(10).log()
            yield "the mean log-likelihood (divided by n)", v / n
            yield "the summed log-likelihood (times n)", v * n


# --- entry point --------------------------------------------------------------------------------

def crosscheck_run(run: Run, peer: PeerResult, *, min_digits: int = 10, certify: Callable | None = None) -> CrossCheck:
    """Certify ``peer``'s numbers against ``run`` and diagnose what they show.

    ``certify`` (default :func:`certify_reported`) turns the reported floats into :class:`Entries`;
    the fast path for large problems plugs in here.
    """
    peer = peer.expanded(run.problem)
    usable = []
    unmatched = list(peer.unmatched)
    for r in peer.reported:
        try:
            resolve(run.plan, r.key)
        except KeyError:
            if r.key.iteration > run.iterations:
                why = (run.stopped.message if run.stopped is not None
                       else f"iteration {r.key.iteration} was not computed")
                unmatched.append((str(r.key), r.value, why))
                continue
            raise
        usable.append(r)
    if len(unmatched) != len(peer.unmatched):
        peer = PeerResult(peer.name, tuple(usable), peer.settings, peer.notes, peer.failure, tuple(unmatched), peer.extra)
    entries = (certify or certify_reported)(run, usable)
    findings = diagnose(run, peer, entries, min_digits)
    cov_type, reg, offset = _model(run)
    return CrossCheck(run.problem.source, peer, entries, tuple(findings), min_digits, run.iterations,
                      cov_type, reg, offset)
