"""Cross-checking large problems on the fast tiers: certified errors of a float peer from enclosures over
whole arrays, tier 1 (float64, :mod:`gmmexact.numerics.floattier`) where its bounds decide, else the
longdouble tier (:mod:`gmmexact.numerics.longdouble`).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
from flint import arb

from ..numerics import intervals
from ..numerics.longdouble import (CHUNK, LD, NEGLIGIBLE, NORMAL64, TINY, U, U64, FastData, FastIteration,  # noqa: F401
                                   estep, exp_nonpositive, intervals_of, iterate, ld_to_arb, lift, steady_memory)
from .comparison import (IDENTICAL, CrossCheck, Entries, PeerResult, bounds_from_interval, exact_float, interval_text,
                         non_finite, underflow)
from ..numerics.diagnostics import Finding
from ..model.errors import InputError
from ..model.keys import Key
from ..numerics.rounding import round_arb

class _Keys:
    """Entry keys of blocks (generated on demand) followed by explicit keys: a lazy sequence."""

    def __init__(self, problem, blocks, keys, names):
        self.problem, self.blocks, self.keys, self.names_ = problem, blocks, list(keys), list(names)
        self.sizes = [b.values.size for b in blocks]
        self.offset = sum(self.sizes)

    def __len__(self):
        return self.offset + len(self.keys)

    def _locate(self, i):
        for b, size in zip(self.blocks, self.sizes):
            if i < size:
                p, c = divmod(i, self.problem.K)
                return b, p, c
            i -= size
        return None, i, None

    def key(self, i):
        if i < 0:
            i += len(self)
        b, p, c = self._locate(i)
        if b is None:
            return self.keys[p]
        return Key(b.iteration, b.kind, self.problem.labels[p], self.problem.component_names[c])

    def name(self, i):
        b, p, c = self._locate(i)
        return self.names_[p] if b is None else b.name.format(p=p, c=c)

    def groups(self) -> dict:
        """(iteration, kind) → positions, without building every key."""
        out: dict = {}
        start = 0
        for b, size in zip(self.blocks, self.sizes):
            out.setdefault((b.iteration, b.kind), []).append(np.arange(start, start + size))
            start += size
        for i, k in enumerate(self.keys):
            out.setdefault((k.iteration, k.kind), []).append(np.array([self.offset + i]))
        return {g: np.concatenate(v) for g, v in out.items()}


class _View:
    def __init__(self, keys: _Keys, which: str):
        self.k, self.which = keys, which

    def __len__(self):
        return len(self.k)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        return self.k.key(i) if self.which == "key" else self.k.name(i)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def groups(self) -> dict:
        return self.k.groups()


def _block_bounds(f: np.ndarray, mid: np.ndarray, rel: np.ndarray, out, absolute=None) -> None:
    """Vectorised certified bounds for floats ``f`` against exact values in ``mid·(1 ± rel)`` (mid >= 0), or
    in ``mid ± absolute`` when given, written into ``out = (exact_lo, exact_hi, err_lo, err_hi, rel_lo,
    rel_hi)`` (longdouble views)."""
    exact_lo, exact_hi, err_lo, err_hi, rel_lo, rel_hi = out
    if absolute is not None:
        radius = absolute.astype(LD)  # exact: float64 values
        rel = absolute
    else:
        radius = mid * rel.astype(LD)
    diff = np.abs(f.astype(LD) - mid)
    k = LD(1 + 8 * U)
    np.add(diff, radius, out=err_hi)
    err_hi *= k
    np.subtract(diff, radius, out=err_lo)
    np.maximum(err_lo, 0, out=err_lo)
    err_lo /= k
    np.subtract(mid, radius, out=exact_lo)
    exact_lo /= k
    np.maximum(exact_lo, 0, out=exact_lo)  # responsibilities are positive
    np.add(mid, radius, out=exact_hi)
    exact_hi *= k
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(err_hi, exact_lo, out=rel_hi)
        rel_hi *= k
        rel_hi[~(exact_lo > 0)] = intervals.INF
        np.divide(err_lo, exact_hi, out=rel_lo)
        rel_lo /= k
    if absolute is not None:  # nothing rounded where the float is the midpoint: the bound is the radius itself
        same = diff == 0
        err_hi[same] = radius[same]
    bad = ~np.isfinite(f) | ~np.isfinite(rel)
    if bad.any():
        err_hi[bad] = intervals.INF
        rel_hi[bad] = intervals.INF


def bounded(entries: Entries) -> np.ndarray:
    """Entries the fast path bounds: a finite relative error, or, where the exact value lies below
    float64's range (it may be 0 there: no relative error), an absolute one that decides whether the
    float is within one subnormal step of it; or a non-finite float."""
    step = LD(TINY)  # decided for the underflow rule: held (err_hi <= step) or not (err_lo > step)
    tiny = (entries.exact_hi <= LD(NORMAL64)) & ((entries.err_hi <= step) | (entries.err_lo > step))
    return np.isfinite(entries.rel_hi) | tiny | ~np.isfinite(entries.floats)


def certify_fast(problem, its: list[FastIteration], blocks, reported) -> Entries:
    """Certified errors of blocks (responsibilities) and single entries against the fast enclosures."""
    total = sum(b.values.size for b in blocks) + len(reported)
    cols = [np.empty(total, dtype=LD) for _ in range(6)]  # exact_lo, exact_hi, err_lo, err_hi, rel_lo, rel_hi
    start = 0
    for b in blocks:
        it = its[b.iteration - 1]
        if b.kind != "resp" or b.scale != 1:
            raise ValueError(f"no fast enclosure of {b.kind} blocks")
        f, mid, rel = b.values.reshape(-1), it.resp.reshape(-1), it.resp_rel.reshape(-1)
        absolute = it.resp_abs.reshape(-1) if it.resp_abs is not None else None
        for a in range(0, len(f), 8 * CHUNK):  # in cache-sized pieces, written in place
            piece = slice(a, min(a + 8 * CHUNK, len(f)))
            at = slice(start + piece.start, start + piece.stop)
            _block_bounds(f[piece], mid[piece], rel[piece], [col[at] for col in cols],
                          None if absolute is None else absolute[piece])
        start += len(f)
    balls = [_ball(problem, its, r.key) * lift(r.scale) for r in reported]
    single = []
    for r, x in zip(reported, balls):
        try:
            lo, hi = intervals_of(x)
        except (ValueError, OverflowError):  # not bounded by the fast path: nothing is claimed
            single.append(((None, None), (Fraction(0), None), (Fraction(0), None)))
            continue
        single.append(bounds_from_interval(exact_float(r.value), lo, hi))
    floats = np.concatenate([b.values.reshape(-1) for b in blocks] + [np.array([r.value for r in reported], dtype=np.float64)])

    def down_or(x, missing):
        return intervals.down(x) if x is not None else missing

    def up_or(x, missing):
        return intervals.up(x) if x is not None else missing

    convert = (lambda b: down_or(b[0][0], -intervals.INF), lambda b: up_or(b[0][1], intervals.INF),
               lambda b: down_or(b[1][0], LD(0)), lambda b: up_or(b[1][1], intervals.INF),
               lambda b: down_or(b[2][0], LD(0)), lambda b: up_or(b[2][1], intervals.INF))
    for col, conv in zip(cols, convert):
        col[start:] = [conv(b) for b in single]
    exact_lo, exact_hi, err_lo, err_hi, rel_lo, rel_hi = cols
    bad = ~np.isfinite(floats)
    for arr in (err_lo, err_hi, rel_lo, rel_hi):
        arr[bad] = intervals.INF
    digits = intervals.digits_below(rel_hi)
    zero_err = np.concatenate([np.zeros(sum(b.values.size for b in blocks), dtype=bool),
                               np.array([b[1][1] == 0 for b in single], dtype=bool)])
    digits = np.where(zero_err & ~bad, IDENTICAL, digits)
    keys = _Keys(problem, list(blocks), [r.key for r in reported], [r.name for r in reported])
    offset = keys.offset

    def exact_text(i: int, want: int) -> str:
        if i >= offset:
            x = balls[i - offset]
            for dgt in range(want, 0, -1):
                got = round_arb(x, dgt)
                if got is not None:
                    return str(got)
        if not (np.isfinite(exact_lo[i]) and np.isfinite(exact_hi[i])):
            return "not bounded (fast path)"
        return interval_text(intervals.fraction(exact_lo[i]), intervals.fraction(exact_hi[i]), want)

    return Entries(_View(keys, "key"), _View(keys, "name"), floats, exact_lo, exact_hi, err_lo, err_hi,
                   rel_lo, rel_hi, digits, exact_text)


def _ball(problem, its, key: Key):
    it = its[key.iteration - 1]
    c = problem.component_index.get(key.component) if key.component is not None else None
    if key.kind == "loglik":
        return it.loglik
    if key.kind == "count":
        return it.counts[c]
    if key.kind == "weight":
        return it.weights[c]
    if key.kind == "mean":
        return it.means[c][key.entry[0]]
    if key.kind == "cov":
        return it.covs[c][key.entry[0]][key.entry[1]]
    if key.kind == "resp":
        p = problem.point_index[key.point]
        mid = it.resp[p, c]
        if it.resp_abs is not None:
            return ld_to_arb(mid) + arb(0, float(it.resp_abs[p, c]))
        return ld_to_arb(mid) * (1 + arb(0, float(it.resp_rel[p, c])))
    raise KeyError(f"{key}: the fast path encloses resp, loglik, count, weight, mean and cov only")


FAST_KINDS = ("resp", "loglik", "count", "weight", "mean", "cov")


TIERS = ("auto", "float64", "longdouble")


def tier1_iterate(problem, iterations: int, keep_resp) -> "list[FastIteration] | str":
    """Enclosures of ``iterations`` iterations from tier 1 (float64 over whole arrays,
    :mod:`gmmexact.numerics.floattier`), or the reason it declines."""
    from ..numerics.floattier import Declined, FloatData, float_iterations  # noqa: PLC0415

    data = FloatData.of(problem.points)
    if isinstance(data, str):
        return data
    try:
        its = float_iterations(problem, iterations, data=data, keep_resp=keep_resp)
    except Declined as e:
        return str(e)
    out = []
    for it in its:
        resp = rel = None
        if it.resp is not None:
            resp = it.resp.astype(LD)
            with np.errstate(divide="ignore", invalid="ignore"):  # 0 responsibilities: no relative bound
                rel = np.where(it.resp > 0, it.resp_err / it.resp * (1 + 4 * U64), np.inf)
        p = it.iteration
        out.append(FastIteration(resp, rel, p.loglik, list(p.counts), list(p.weights), [list(m) for m in p.means],
                                 [[list(row) for row in c] for c in p.covariances], it.resp_err))
    return out


def decided(check: CrossCheck) -> bool:
    """Every value bounded, and whether it holds ``min_digits`` proven either way."""
    e = check.entries
    if not bounded(e).all():
        return False
    threshold = LD(10.0) ** -check.min_digits
    step = LD(TINY)  # below float64's normal range: within one subnormal step or not, proven either way
    held = (e.exact_hi <= LD(NORMAL64)) & ((e.err_hi <= step) | (e.err_lo > step))
    return bool(np.all((e.rel_hi <= threshold) | (e.rel_lo > threshold) | (e.digits >= check.min_digits) | held))


def crosscheck_fast(problem, peer: PeerResult, *, min_digits: int = 10, iterations: int | None = None,
                    data: "FastData | None" = None, tier: str = "auto") -> CrossCheck:
    """A cross-check whose enclosures come from tier 1 (float64 over whole arrays) or from :func:`iterate`
    (longdouble; no exact layer, no per-point balls in either).

    ``tier="auto"`` takes tier 1 when its bounds decide, for every value, whether it holds ``min_digits``
    (and the iterations it encloses are all that were asked), else the longdouble path, whose bounds are
    about 10^4 times narrower; ``"float64"`` or ``"longdouble"`` force one. Diagnoses that need the exact
    layer (singular covariances, cancellation, slips) are not made; the findings say so.
    """
    if tier not in TIERS:
        raise InputError(None, "tier", f"is {tier!r}", " or ".join(repr(t) for t in TIERS))
    # overflowing bounds and inf·0 in them become inf or NaN: no claim (checked with isfinite), no warning
    with steady_memory(), np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        # responsibilities after the first iteration: tier 1's enclosure of the start (about 1e-13) widens
        # through the exponential to about 1e-9 there, short of a float64 peer's digits, so auto skips it
        later_resp = any(b.iteration > 1 for b in peer.blocks) or any(
            r.key.kind == "resp" and r.key.iteration > 1 for r in peer.reported)
        if tier == "float64" or (tier == "auto" and not later_resp):
            got = _crosscheck_fast(problem, peer, min_digits, iterations, None, "float64")
            if not isinstance(got, str) and (tier == "float64" or (decided(got) and got.iterations >= _wanted(
                    peer, iterations))):
                return got
            if tier == "float64":
                raise ValueError(f"tier 1 (float64) declines: {got}")
        return _crosscheck_fast(problem, peer, min_digits, iterations, data, "longdouble")


def _wanted(peer, iterations) -> int:
    return max([b.iteration for b in peer.blocks] + [r.key.iteration for r in peer.reported] + [iterations or 1])


def _crosscheck_fast(problem, peer, min_digits, iterations, data, tier) -> "CrossCheck | str":
    wanted = _wanted(peer, iterations)
    m_kinds = {"count", "weight", "mean", "cov"}
    last_m = any(r.key.iteration == wanted and r.key.kind in m_kinds for r in peer.reported)
    keep = {b.iteration for b in peer.blocks} | {r.key.iteration for r in peer.reported if r.key.kind == "resp"}
    if tier == "float64":
        its = tier1_iterate(problem, wanted, keep)
        if isinstance(its, str):
            return its
    else:
        data = data or FastData.of(problem.points)
        if isinstance(data, str):
            raise ValueError(data)
        its = iterate(data, problem, wanted, last_mstep=last_m, keep_resp=keep)
    unmatched = list(peer.unmatched)
    keep_blocks = []
    for b in peer.blocks:
        if b.iteration <= len(its):
            keep_blocks.append(b)
        else:
            unmatched.append((f"{'' if b.iteration == 1 else f'iter{b.iteration}.'}{b.kind}", float("nan"),
                              f"iteration {b.iteration} could not be enclosed by the fast path (a covariance is not "
                              "invertible, or its inverse lies beyond float64's range)"))
    keep = []
    for r in peer.reported:
        if r.key.kind not in FAST_KINDS:
            raise InputError(problem.source, str(r.key), "has no fast enclosure",
                             f"keys of kinds {', '.join(FAST_KINDS)} (or the exact path: method='exact')")
        if r.key.iteration <= len(its):
            keep.append(r)
        else:
            unmatched.append((str(r.key), r.value, f"iteration {r.key.iteration} could not be enclosed by the "
                                                   "fast path (a covariance is not invertible, or its inverse lies "
                                                   "beyond float64's range)"))
    peer = PeerResult(peer.name, tuple(keep), peer.settings, peer.notes, peer.failure, tuple(unmatched), peer.extra,
                      tuple(keep_blocks))
    entries = certify_fast(problem, its, keep_blocks, keep)
    findings = []
    if peer.failure is not None:
        f = peer.failure
        findings.append(Finding("peer-error", f"iteration {f.iteration}", f"{peer.name} raised {f.error} in the "
                                f"{f.step} of iteration {f.iteration}: {f.message.strip()}"))
    if unmatched:
        findings.append(Finding("undefined", unmatched[0][0], f"{len(unmatched)} reported value(s) have no "
                                f"certified counterpart: {unmatched[0][2]}."))
    unbounded = int((~bounded(entries)).sum())
    if unbounded:
        findings.append(Finding("method", "fast path", f"{unbounded} value(s) could not be bounded by the fast path (a "
                                "quadratic form or log-likelihood beyond its range); their digit counts are 0 "
                                "as far as proven: use method='exact'."))
    findings += non_finite(entries)
    findings += underflow(entries, min_digits)
    arithmetic = ("float64 arithmetic over whole arrays (tier 1), every operation bounded; its digit counts are "
                  "proven lower bounds, tight up to about 12 digits for binary float data and about 17 for decimal data "
                  "(its double-double kernel; method='longdouble' proves about 16)"
                  if tier == "float64" else "longdouble arithmetic with a-posteriori bounds")
    findings.append(Finding("method", "fast path", f"fast path: enclosures from {arithmetic}; singular-covariance, "
                            "cancellation and slip diagnoses need the exact layer (method='exact')."))
    return CrossCheck(problem.source, peer, entries, tuple(findings), min_digits, len(its),
                      problem.covariance_type, problem.reg_covar, problem.count_offset)
