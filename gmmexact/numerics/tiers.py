"""The parameters of EM iterations from the cheapest tier that decides them.

Tier 1 (:mod:`gmmexact.numerics.floattier`) computes every partition's statistics in float64 over whole
arrays with rigorous bounds, at the speed of a float fit: about 18 correct digits for decimal data (its
double-double kernel, :mod:`gmmexact.numerics.doubledouble`), about 13 for binary floats. Where its
enclosures do not decide every value to the digits asked, or where it declines (data that are not
exact float64 values, ill-conditioned covariances), tier 2 takes over: first, in this process, the
longdouble enclosures over whole arrays (:mod:`gmmexact.numerics.longdouble`, about 18 digits), then
arb balls point by point (:mod:`gmmexact.numerics.partitioned`), raising the precision until every
value is decided. Every tier gives the same bits for any partitioning (the longdouble one runs whole),
so the answer never depends on how the points were split.

>>> import gmmexact
>>> problem = gmmexact.load("examples/seed/problem.toml")
>>> run = certified_parameters(problem, 1, digits=6)
>>> run.tier, run.decimal("count.women", 6)
('float64', '3.00000')
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from ..model import pointstore
from . import floattier
from .partitioned import PartitionedRun, check_model, even_chunks, has_undecided, no_progress, partitioned_iterations

TIERS = ("auto", "float64", "arb")


def aligned_chunks(n: int, partitions: int) -> list[slice]:
    """``partitions`` slices of ``range(n)`` whose starts are multiples of ``floattier.GROUP`` (so tier 1
    gives the same bits for any of them).

    >>> [(s.start, s.stop) for s in aligned_chunks(5000, 3)]
    [(0, 1024), (1024, 3072), (3072, 5000)]
    """
    g = floattier.GROUP
    groups = -(-n // g)
    out = []
    for s in even_chunks(groups, partitions):
        out.append(slice(s.start * g, min(s.stop * g, n)))
    return out


@dataclass(frozen=True)
class StoredRows:
    """Where the points are when they are a store on disk (:mod:`gmmexact.model.pointstore`): whoever
    computes a partition (this process or a dask worker mounting the same path) reads its rows itself,
    block by block, float values scaled by ``2^-shift`` as tier 1 scales them."""

    path: str
    offset: int
    dtype: str
    d: int
    shift: int = 0

    def read(self, a: int, b: int) -> np.ndarray:
        X = pointstore.read_rows(self.path, self.offset, self.dtype, self.d, a, b)
        return np.ldexp(X, -self.shift) if self.shift else X


def tier1_data(points) -> "tuple[floattier.FloatData | str, StoredRows | None]":
    """Tier 1's form of ``points`` (or why there is none), and where its rows are read from when the points
    are a store on disk (``None``: in memory). For a store nothing is read but, for float values far from 1,
    one pass checking that their power-of-two scaling is exact (as :meth:`FloatData.of` does over the array);
    the column ranges come from the store's description."""
    store = pointstore.store_of(points)
    if store is None:
        return floattier.FloatData.of(points), None
    X = points.integers if store.kind == "decimal" else points.array  # the memory map: its length only is used
    shift = 0
    if store.kind == "decimal":
        if store.top >= 2**52:
            return "the points' decimal digits do not fit in float64 integers (52 bits)", None
        scale, integral = Fraction(10) ** store.exponent, True
    else:
        scale, integral = Fraction(1), bool(store.integral and float(store.top) < 2.0**52)
        e = math.frexp(float(store.top))[1] if store.top else 0
        if not -64 <= e <= 64:
            exact, whole = True, True
            for _, block in store.blocks():
                Y = np.ldexp(block, -e)
                exact = exact and bool(np.array_equal(np.ldexp(Y, e), block))
                whole = whole and bool(np.array_equal(Y, np.rint(Y)))
                if not exact:
                    break
            if exact:
                shift, scale, integral = e, Fraction(2) ** e, whole and float(np.ldexp(float(store.top), -e)) < 2.0**52
    lo = np.ldexp(np.array([float(v) for v in store.lo]), -shift)
    hi = np.ldexp(np.array([float(v) for v in store.hi]), -shift)
    data = floattier.FloatData.known(X, scale, integral, (lo, hi))  # the store's description: no rows read
    return data, StoredRows(store.path, store.offset, store.dtype, store.d, shift)


def _partition(X, scale, integral, forms):
    """One partition's tier-1 statistics (runs on a dask worker: the points are sent once)."""
    data = floattier.FloatData(X, scale, integral)
    return floattier.statistics_of(data, forms)[0]


def _stored_partition(start: int, stop: int, rows: StoredRows, scale, integral, forms):
    """The tier-1 statistics of rows ``start:stop`` of a store, read block by block (in this process or
    on a dask worker): the memory is one block's, whatever the number of points."""
    total = None
    for a in range(start, stop, floattier.CHUNK):
        X = rows.read(a, min(a + floattier.CHUNK, stop))
        got = floattier.statistics_of(floattier.FloatData(X, scale, integral), forms)[0]
        total = got if total is None else total + got
    return total


def float_run(problem, iterations: int, partitions: int = 1, client=None, prec: int = floattier.PREC,
              advance=None) -> "PartitionedRun | str":
    """Tier 1 over ``partitions`` aligned slices (on ``client``'s cluster when given), or why it declines.
    Points in a store on disk are read by each partition's worker from the file (only the path and the
    rows are sent); points in memory are scattered to the workers once."""
    data, rows = tier1_data(problem.points)
    if isinstance(data, str):
        return data
    slices = aligned_chunks(problem.n, partitions)
    advance = advance or (lambda k=1: None)
    scattered = None
    if client is not None and rows is None:
        scattered = client.scatter([data.X[s] for s in slices])
    params = floattier.start_params(problem, prec)
    out, merged, stopped, kernel = [], None, None, None

    def merged_statistics(forms):
        if client is None:
            parts = []
            for s in slices:
                if rows is None:
                    parts.append(floattier.statistics_of(data, forms, s)[0])
                else:
                    parts.append(_stored_partition(s.start, s.stop, rows, data.scale, data.integral, forms))
                advance(1)
        else:
            from distributed import as_completed  # noqa: PLC0415

            if rows is None:
                futures = client.map(_partition, scattered, scale=data.scale, integral=data.integral, forms=forms,
                                     pure=False)
            else:  # each worker opens the file itself: a cluster needs the store on storage it shares
                futures = client.map(_stored_partition, [s.start for s in slices], [s.stop for s in slices],
                                     rows=rows, scale=data.scale, integral=data.integral, forms=forms, pure=False)
            for _ in as_completed(futures):
                advance(1)
            parts = client.gather(futures)
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        return total, None, None

    for t in range(1, iterations + 1):
        try:
            got = floattier.iteration_of(problem, params, data, prec, partial=merged_statistics)
        except floattier.Declined as e:
            if t == 1:
                return str(e)
            stopped = f"tier 1 declines iteration {t}: {e}"
            break
        it, merged, kernel = got.iteration, got.statistics, got.kernel
        out.append(it)
        params = (it.weights, it.means, it.covariances)
    where = "this process" if client is None else f"dask {getattr(client, 'scheduler', None) and client.scheduler.address}"
    return PartitionedRun(problem, tuple(out), merged, len(slices), prec, where, stopped, "float64", kernel=kernel)


def longdouble_run(problem, iterations: int, prec: int = 160) -> "PartitionedRun | str":
    """The longdouble tier (:mod:`gmmexact.numerics.longdouble`, about 18 digits) in this process, or why it
    declines. Its answer does not depend on partitions: it is computed whole."""
    import numpy as np  # noqa: PLC0415

    from . import longdouble  # noqa: PLC0415
    from .partitioned import PartitionedIteration  # noqa: PLC0415

    data = longdouble.FastData.of(problem.points)
    if isinstance(data, str):
        return data
    with longdouble.steady_memory(), np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        its = longdouble.iterate(data, problem, iterations, prec=prec, keep_resp=set())
    out = tuple(PartitionedIteration(it.loglik, tuple(it.counts), tuple(it.weights), tuple(tuple(m) for m in it.means),
                                     tuple(tuple(tuple(r) for r in c) for c in it.covs)) for it in its)
    stopped = None if len(out) == iterations else (
        f"iteration {len(out) + 1} needs the inverse of a covariance that the longdouble enclosure of the previous "
        "M-step cannot show to be invertible")
    return PartitionedRun(problem, out, None, 1, prec, "this process", stopped, "longdouble")


def certified_parameters(problem, iterations: int = 1, *, partitions: int = 1, client=None, digits: int = 12,
                         tier: str = "auto", progress: bool = False, force: bool = False,
                         workers: int = 1) -> PartitionedRun:
    """Loglik, counts, weights, means and covariances of ``iterations`` EM iterations, certified to
    ``digits``: tier 1 where it decides every value (``tier="auto"``), else tier 2; ``tier="float64"``
    keeps tier 1's answer (undecided values stay ``None``), ``"arb"`` goes straight to tier 2."""
    check_model(problem)
    if tier not in TIERS:
        raise ValueError(f"tier is {tier!r}: one of {', '.join(TIERS)}")
    reason = None
    decided: dict = {}
    if tier != "arb":
        from .cost import progress as progress_bar  # noqa: PLC0415
        from ..model.limits import Estimate  # noqa: PLC0415

        cost = Estimate(SECONDS_PER_POINT * problem.n * problem.K * (problem.d + 1) ** 2 / 125 * iterations,
                        0, f"{iterations} tier-1 iteration(s) of {problem.n} points")
        steps = len(aligned_chunks(problem.n, partitions)) * iterations
        with (progress_bar(cost, steps, "partitions") if progress else no_progress()) as advance:
            run = float_run(problem, iterations, partitions, client, advance=advance)
        if not isinstance(run, str):
            undecided = [k for k in run.keys() if has_undecided(run.decimal(k, digits))]
            label = TIER1_PAIR if run.kernel == "pair" else TIER1
            decided = {k: label for k in run.keys() if k not in undecided}
            if tier == "float64" or (not undecided and not (run.stopped and len(run.iterations) < iterations)):
                return replace(run, decided=decided)
            reason = (f"tier 1 leaves {len(undecided)} value(s) undecided to {digits} digits (e.g. {undecided[0]})"
                      if undecided else run.stopped)
        else:
            reason = run
            if tier == "float64":
                raise floattier.Declined(run)
    if client is None and tier == "auto":  # the middle tier: longdouble over whole arrays, in this process
        middle = ("it holds every point in memory, and these are streamed from disk"
                  if pointstore.store_of(problem.points) is not None else longdouble_run(problem, iterations))
        if not isinstance(middle, str) and middle.stopped is None:
            if not isinstance(run, str) and len(run.iterations) == iterations:
                middle = narrowest(middle, run)  # every value from the tighter of the two enclosures
            undecided = [k for k in middle.keys() if has_undecided(middle.decimal(k, digits))]
            decided.update({k: LONGDOUBLE for k in middle.keys() if k not in decided and k not in undecided})
            if not undecided:
                return replace(_with_reason(middle, reason, "longdouble"), decided=decided)
            reason = f"{reason}; longdouble leaves {len(undecided)} undecided (e.g. {undecided[0]})"
        elif isinstance(middle, str):
            reason = f"{reason}; longdouble declines: {middle}"
    from ..model.limits import require_affordable  # noqa: PLC0415
    from .partitioned import estimate  # noqa: PLC0415

    require_affordable(estimate(problem, iterations, workers), force=force)  # tier 2's cost, before it starts
    run = partitioned_iterations(problem, iterations, partitions=partitions, client=client, digits=digits,
                                 progress=progress)
    arb_label = f"arb balls point by point at {run.prec} bits"
    decided.update({k: arb_label for k in run.keys() if k not in decided})
    return replace(run if reason is None else _with_reason(run, reason, "arb"), decided=decided)


def narrowest(run: PartitionedRun, other: PartitionedRun) -> PartitionedRun:
    """``run`` with each value's ball replaced by ``other``'s where that one is narrower: both enclose the
    same exact values, so either ball is an answer and the narrower decides more digits.

    >>> import gmmexact
    >>> problem = gmmexact.load("examples/seed/problem.toml")
    >>> a, b = longdouble_run(problem, 1), float_run(problem, 1)
    >>> both = narrowest(a, b)
    >>> both.decimal("cov.men", 12) == b.decimal("cov.men", 12), both.prec == max(a.prec, b.prec)
    (True, True)
    """
    from .partitioned import PartitionedIteration  # noqa: PLC0415

    def pick(x, y):
        if isinstance(x, tuple):
            return tuple(pick(u, v) for u, v in zip(x, y))
        return y if y.rad() < x.rad() else x

    merged = tuple(PartitionedIteration(*(pick(getattr(a, f), getattr(b, f))
                                          for f in ("loglik", "counts", "weights", "means", "covariances")))
                   for a, b in zip(run.iterations, other.iterations))
    return replace(run, iterations=merged, prec=max(run.prec, other.prec))


def _with_reason(run: PartitionedRun, reason: str, tier: str) -> PartitionedRun:
    return replace(run, tier=f"{tier} (tier 2: {reason})")


TIER1 = "tier 1: float64 over whole arrays"
TIER1_PAIR = "tier 1: double-double over whole arrays (integer data)"
LONGDOUBLE = "tier 2: longdouble over whole arrays"


SECONDS_PER_POINT = 1.0e-6  # tier 1, per point at d = 5, K = 4 (measured: 0.07 s for 100,000 points)
