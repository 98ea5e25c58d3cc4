"""EM iterations from sufficient statistics of partitions, merged exactly: the same bits for any partitioning.

Each partition of the points computes, per component c and about a shared exact shift s_c (the
component's starting mean), the sums S0 = Σ r, S1 = Σ r (x − s_c), S2 = Σ r (x − s_c)(x − s_c)ᵀ and the
log-likelihood Σ log p(x), from arb balls computed point by point at one working precision. Every
point's ball is turned into its exact end data (a dyadic midpoint and a dyadic radius) before it is
added, and the additions are exact integer sums. So a partition's statistics do not depend on how its
points were grouped, the merge of partitions is associative and commutative, and the result is
identical bit for bit for any partitioning, any number of workers and any order of arrival: one
partition on one machine gives the same bits as a thousand on a cluster.

The client turns the merged sums into balls and forms the M-step (counts, weights, means, covariances,
with ``reg_covar`` and ``count_offset``), then certifies decimals from them; a value the working
precision cannot decide raises the precision and runs again.

:func:`partitioned_iterations` runs it in this process (``partitions`` chunks) or, given a
``dask.distributed`` client, one task per partition on the cluster (``pip install "gmmexact[dask]"``).

>>> import gmmexact
>>> problem = gmmexact.load("examples/seed/problem.toml")
>>> one = partitioned_iterations(problem, 1, partitions=1)
>>> three = partitioned_iterations(problem, 1, partitions=3)
>>> one.statistics == three.statistics, one.decimal("count.women", 12)
(True, '2.99999989817')
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import flint

from ..model.errors import InputError
from .rounding import round_arb

PRECISION = 192  # bits per point: enough that a sum of 10^9 points still holds ~100 bits
SECONDS_PER_UNIT = 3.5e-6  # measured: per point, component and (d + 1)² at 192 bits (0.49 ms at d = 5, K = 4)


def estimate(problem, iterations: int, workers: int = 1):
    """The time of a partitioned run (one core per worker), before it starts."""
    from ..model.limits import Estimate  # noqa: PLC0415

    per_point = SECONDS_PER_UNIT * problem.K * (problem.d + 1) ** 2
    return Estimate(per_point * problem.n * iterations / max(workers, 1),
                    200 * problem.K * (problem.d + 1) ** 2 * max(workers, 1) + 8 * problem.n * problem.d,
                    f"{iterations} partitioned iteration(s) of {problem.n} points")


# --- exact sums of balls ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExactBall:
    """A ball with exact dyadic midpoint ``mid_man · 2^exp`` and radius ``rad_man · 2^exp`` (Python ints).

    Adding two is exact (shift to the smaller exponent, add): associative and commutative, so any grouping
    of any sum gives the same value, bit for bit.
    """

    mid_man: int
    rad_man: int
    exp: int

    @classmethod
    def zero(cls) -> "ExactBall":
        return cls(0, 0, 0)

    @classmethod
    def of(cls, x: flint.arb, floor: int | None = None) -> "ExactBall":
        """The ball's ends as exact dyadics, nothing finer than ``2^floor`` (default ``−64·prec``): a finer
        midpoint is cut to that grid and a finer radius raised to it, the cut added to the radius. So a
        responsibility of e^(−10^6) does not make every later sum a million bits long; the ball still
        holds ``x``, and the result depends on ``x`` alone (the same for any partitioning).

        >>> b = ExactBall.of(flint.arb(2) ** -100000, floor=-64)
        >>> (b.mid_man, b.rad_man, b.exp)
        (0, 1, -64)
        """
        if not x.is_finite():
            raise ArithmeticError("a ball is not finite")
        floor = -64 * flint.ctx.prec if floor is None else floor
        m, e = x.mid().man_exp()
        r, f = flint.arb(x.rad()).man_exp()
        m, e, r, f = int(m), int(e), int(r), int(f)
        if r and f < floor:  # a radius finer than the grid: rounded up to it (no shift of a huge width)
            q = r >> (floor - f) if r.bit_length() > floor - f else 0
            r, f = (q + 1 if q == 0 or q << (floor - f) != r else q), floor
        if m and e < floor:
            shift = floor - e
            kept = (m >> shift if m > 0 else -((-m) >> shift)) if m.bit_length() > shift else 0  # toward zero
            if kept << shift != m:  # cut by less than 2^floor: the radius grows by one step of the grid
                r, f = ((r << (f - floor)) + 1, floor) if r else (1, floor)
            m, e = kept, floor
        low = min(e, f) if (m and r) else (e if m else f if r else 0)
        return cls(m << (e - low) if m else 0, r << (f - low) if r else 0, low)

    def __add__(self, other: "ExactBall") -> "ExactBall":
        if not (self.mid_man or self.rad_man):
            return other
        if not (other.mid_man or other.rad_man):
            return self
        low = min(self.exp, other.exp)
        return ExactBall((self.mid_man << (self.exp - low)) + (other.mid_man << (other.exp - low)),
                         (self.rad_man << (self.exp - low)) + (other.rad_man << (other.exp - low)), low)

    def arb(self) -> flint.arb:
        """The ball (its radius rounded up by arb when the working precision cannot hold it exactly)."""
        mid = flint.arb(flint.fmpz(self.mid_man)) * flint.arb(2) ** self.exp if self.mid_man else flint.arb(0)
        rad = flint.arb(flint.fmpz(self.rad_man)) * flint.arb(2) ** self.exp if self.rad_man else flint.arb(0)
        return mid + flint.arb(0, abs(rad).upper()) if self.rad_man else mid


def _sum(balls) -> ExactBall:
    total = ExactBall.zero()
    for b in balls:
        total = total + b
    return total


# --- a partition's statistics ---------------------------------------------------------------------


@dataclass(frozen=True)
class Statistics:
    """Sufficient statistics of some points: per component ``s0``, ``s1[i]``, ``s2[i][j]`` (about the
    shift), and ``loglik``; ``points`` how many. ``+`` merges (exactly)."""

    s0: tuple
    s1: tuple
    s2: tuple
    loglik: ExactBall
    points: int
    scale: Fraction = Fraction(1)  # s1 in units of scale, s2 of scale² (tier 1 sums the data's float form)

    def __add__(self, other: "Statistics") -> "Statistics":
        if self.scale != other.scale:
            raise ValueError("statistics of different scales cannot be merged")
        return Statistics(tuple(a + b for a, b in zip(self.s0, other.s0)),
                          tuple(tuple(a + b for a, b in zip(u, v)) for u, v in zip(self.s1, other.s1)),
                          tuple(tuple(tuple(a + b for a, b in zip(p, q)) for p, q in zip(u, v))
                                for u, v in zip(self.s2, other.s2)),
                          self.loglik + other.loglik, self.points + other.points, self.scale)


@dataclass(frozen=True)
class Start:
    """What every partition needs: the parameters as balls' exact end data, the shifts, the precision."""

    weights: tuple  # K ExactBall
    means: tuple  # K × d ExactBall
    covariances: tuple  # K × d × d ExactBall
    shifts: tuple  # K × d Fraction
    prec: int


def _q(x) -> flint.arb:
    x = Fraction(x)
    return flint.arb(flint.fmpq(x.numerator, x.denominator))


def statistics(chunk, start: Start) -> Statistics:
    """The sufficient statistics of the points in ``chunk`` (rows of exact numbers) under ``start``.

    Point by point, at ``start.prec`` bits: nothing depends on the other points of the chunk.
    """
    saved = flint.ctx.prec
    flint.ctx.prec = start.prec
    try:
        K, d = len(start.means), len(start.means[0])
        weights = [w.arb() for w in start.weights]
        means = [[v.arb() for v in m] for m in start.means]
        covs = [flint.arb_mat([[v.arb() for v in row] for row in c]) for c in start.covariances]
        invs = [c.inv() for c in covs]
        log_norm = [(2 * flint.arb.pi()).log() * d / 2 + c.det().log() / 2 for c in covs]
        log_w = [w.log() for w in weights]
        shifts = [[_q(v) for v in s] for s in start.shifts]
        zero = ExactBall.zero()
        s0 = [zero] * K
        s1 = [[zero] * d for _ in range(K)]
        s2 = [[[zero] * d for _ in range(d)] for _ in range(K)]
        loglik = zero
        for row in chunk:  # running exact sums: memory O(K·d²), whatever the chunk's size
            x = [_q(v) for v in row]
            terms = []
            for c in range(K):
                dev = [x[i] - means[c][i] for i in range(d)]
                q = sum((dev[i] * invs[c][i, j] * dev[j] for i in range(d) for j in range(d)), flint.arb(0))
                terms.append(log_w[c] - q / 2 - log_norm[c])
            top = max(range(K), key=lambda c: terms[c].mid())
            evidence = terms[top] + sum(((t - terms[top]).exp() for t in terms), flint.arb(0)).log()
            loglik = loglik + ExactBall.of(evidence)
            for c in range(K):
                r = (terms[c] - evidence).exp()
                y = [x[i] - shifts[c][i] for i in range(d)]
                s0[c] = s0[c] + ExactBall.of(r)
                for i in range(d):
                    ry = r * y[i]
                    s1[c][i] = s1[c][i] + ExactBall.of(ry)
                    for j in range(i, d):
                        s2[c][i][j] = s2[c][i][j] + ExactBall.of(ry * y[j])
        S2 = tuple(tuple(tuple(s2[c][min(i, j)][max(i, j)] for j in range(d)) for i in range(d)) for c in range(K))
        return Statistics(tuple(s0), tuple(tuple(u) for u in s1), S2, loglik, len(chunk))
    finally:
        flint.ctx.prec = saved


# --- the M-step from merged statistics ---------------------------------------------------------------


@dataclass(frozen=True)
class PartitionedIteration:
    """One iteration's enclosures (arb balls at the run's precision): ``loglik`` of its E-step and the
    new ``counts``, ``weights``, ``means``, ``covariances``."""

    loglik: flint.arb
    counts: tuple
    weights: tuple
    means: tuple
    covariances: tuple


def mstep(stats: Statistics, shifts, problem, previous, prec: int) -> PartitionedIteration:
    """Counts, weights, means and covariances from merged statistics: the exact engine's model
    (``gmmexact/engine/forms.py``) for every covariance type, ``reg_covar``, ``count_offset`` o and fixed
    parameters (``previous``: the iteration's start, as balls, kept where a parameter is fixed).

    With R = Σ r, δ = μ − s (μ = (S1 + R s)/(R + o)) and W = S2 − δ S1ᵀ − S1 δᵀ + R δδᵀ = Σ r (x − μ)(x − μ)ᵀ: full W/(R + o); tied
    Σ_c (W_c + o μ_c μ_cᵀ)/(n + K·o); diag the diagonal of (W + o μμᵀ)/(R + o); spherical its mean times I;
    then ``reg_covar`` on the diagonal. Weights (R + o)/(n + K·o).
    """
    saved = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        K, d, n = len(stats.s0), len(stats.s1[0]), problem.n
        kind, fixed = problem.covariance_type, set(problem.fixed)
        o, reg = _q(problem.count_offset), _q(problem.reg_covar)
        old_weights, old_means, old_covs = previous
        raw = [s.arb() for s in stats.s0]
        unit = _q(stats.scale)
        total = flint.arb(n) + K * o
        weights = tuple(old_weights) if "weight" in fixed else tuple((r + o) / total for r in raw)
        means, scatters = [], []
        for c in range(K):
            S1 = [stats.s1[c][i].arb() * unit for i in range(d)]
            if "mean" in fixed:
                mu = tuple(old_means[c])
                delta = [mu[i] - _q(shifts[c][i]) for i in range(d)]
            else:
                # μ = Σ r x / (R + o) = (S1 + R s)/(R + o): the offset pulls towards 0, not towards s
                delta = [(S1[i] - o * _q(shifts[c][i])) / (raw[c] + o) for i in range(d)]
                mu = tuple(_q(shifts[c][i]) + delta[i] for i in range(d))
            means.append(mu)
            scatters.append([[stats.s2[c][i][j].arb() * unit * unit - delta[i] * S1[j] - S1[i] * delta[j] + raw[c] * delta[i] * delta[j]
                              for j in range(d)] for i in range(d)])
        if "covariance" in fixed:
            covs = tuple(tuple(tuple(row) for row in c) for c in old_covs)
        elif kind == "tied":
            shared = [[sum((scatters[c][i][j] + o * means[c][i] * means[c][j] for c in range(K)), flint.arb(0))
                       / total + (reg if i == j else 0) for j in range(d)] for i in range(d)]
            covs = tuple(tuple(tuple(row) for row in shared) for _ in range(K))
        else:
            covs = []
            for c in range(K):
                W, N = scatters[c], raw[c] + o
                if kind == "full":
                    rows = [[W[i][j] / N + (reg if i == j else 0) for j in range(d)] for i in range(d)]
                else:
                    var = [(W[i][i] + o * means[c][i] ** 2) / N for i in range(d)]
                    if kind == "spherical":
                        var = [sum(var, flint.arb(0)) / d] * d
                    rows = [[var[i] + reg if i == j else flint.arb(0) for j in range(d)] for i in range(d)]
                covs.append(tuple(tuple(r) for r in rows))
            covs = tuple(covs)
        return PartitionedIteration(stats.loglik.arb(), tuple(raw), weights, tuple(means), covs)
    finally:
        flint.ctx.prec = saved


# --- the driver ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionedRun:
    """The iterations of a partitioned run, its merged statistics (the last iteration's) and how it ran."""

    problem: object
    iterations: tuple
    statistics: Statistics
    partitions: int
    prec: int
    workers: str
    stopped: str | None = None  # why fewer iterations than asked were computed
    tier: str = "arb"  # "float64" (tier 1, numerics/floattier.py) or "arb" (point by point)
    decided: "dict | None" = None  # key → the cheapest tier whose enclosure decided its digits
    kernel: str | None = None  # tier 1's kernel: "pair" (double-double, integer data) or "float"

    KINDS = ("loglik", "count", "weight", "mean", "cov")

    def ball(self, key: str):
        """The ball (or nested tuple of balls) of ``loglik``, ``count.c``, ``weight.c``, ``mean.c``,
        ``cov.c`` (``iterN.`` for later iterations)."""
        t, _, rest = key.partition(".") if key.startswith("iter") else ("iter1", "", key)
        it = self.iterations[int(t[4:]) - 1]
        kind, _, name = rest.partition(".")
        if kind == "loglik":
            return it.loglik
        names = list(self.problem.component_names)
        if kind not in self.KINDS or name not in names:
            raise KeyError(key)
        c = names.index(name)
        return {"count": it.counts, "weight": it.weights, "mean": it.means, "cov": it.covariances}[kind][c]

    def decimal(self, key: str, digits: int):
        """Certified decimals (nested lists for vectors and matrices); ``None`` where undecided at this
        precision (:func:`partitioned_iterations` raises the precision until none is)."""
        def rounded(x):
            if isinstance(x, tuple):
                return [rounded(v) for v in x]
            with _precision(self.prec):
                r = round_arb(x, digits)
            return None if r is None else str(r)
        return rounded(self.ball(key))

    def keys(self) -> list[str]:
        names = self.problem.component_names
        out = []
        for t in range(1, len(self.iterations) + 1):
            pre = "" if t == 1 else f"iter{t}."
            out.append(pre + "loglik")
            out += [f"{pre}{kind}.{c}" for kind in ("count", "weight", "mean", "cov") for c in names]
        return out


class _precision:
    def __init__(self, prec: int):
        self.prec = prec

    def __enter__(self):
        self.saved = flint.ctx.prec
        flint.ctx.prec = self.prec

    def __exit__(self, *exc):
        flint.ctx.prec = self.saved


def _chunks(n: int, partitions: int) -> list[slice]:
    partitions = max(1, min(partitions, n))
    bounds = [n * k // partitions for k in range(partitions + 1)]
    return [slice(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _start(problem, params, prec: int) -> Start:
    weights, means, covs = params
    return Start(tuple(ExactBall.of(w) for w in weights), tuple(tuple(ExactBall.of(v) for v in m) for m in means),
                 tuple(tuple(tuple(ExactBall.of(v) for v in row) for row in c) for c in covs),
                 tuple(tuple(c.mean) for c in problem.components), prec)


def check_model(problem) -> None:
    """The models the partitioned M-step implements: every covariance type, fixed parameters."""
    if problem.covariance_type not in ("full", "tied", "diag", "spherical"):
        raise InputError(problem.source, "covariance_type", f"is {problem.covariance_type!r}",
                         '"full", "tied", "diag" or "spherical"')


def partitioned_iterations(problem, iterations: int = 1, *, partitions: int = 1, client=None, digits: int = 12,
                           prec: int = PRECISION, max_prec: int = 4096, progress: bool = False) -> PartitionedRun:
    """EM iterations from merged partition statistics, in this process or on a ``dask.distributed``
    ``client``; the precision doubles until every value has ``digits`` certified digits (or ``max_prec``).

    The result is the same bit for bit for any ``partitions`` and any client.
    """
    check_model(problem)
    while True:
        try:
            run = _run(problem, iterations, partitions, client, prec, progress)
        except ArithmeticError:  # a point's ball is not finite at this precision (a nearly singular covariance)
            if prec >= max_prec:
                return PartitionedRun(problem, (), None, len(_chunks(problem.n, partitions)), prec, "this process",
                                      f"a point's enclosure is not finite even at {prec} bits (a covariance too "
                                      "close to singular, or values beyond the working range)")
            prec *= 2
            continue
        undecided = [k for k in run.keys() if _has_none(run.decimal(k, digits))]
        if not undecided or prec >= max_prec:
            return run
        prec *= 2


def _has_none(x) -> bool:
    return x is None or (isinstance(x, list) and any(_has_none(v) for v in x))


def _run(problem, iterations: int, partitions: int, client, prec: int, progress: bool = False) -> PartitionedRun:
    from .cost import progress as progress_bar  # noqa: PLC0415

    workers = len(client.scheduler_info().get("workers", {})) if client is not None else 1
    cost = estimate(problem, iterations, workers) if progress else None
    slices = _chunks(problem.n, partitions)
    with progress_bar(cost, len(slices) * iterations, "partitions") if cost else _no_bar() as advance:
        return _iterations(problem, iterations, slices, client, prec, advance)


class _no_bar:
    def __enter__(self):
        return lambda k=1: None

    def __exit__(self, *exc):
        return False


def _iterations(problem, iterations: int, slices, client, prec: int, advance) -> PartitionedRun:
    with _precision(prec):
        params = ([_q(c.weight) for c in problem.components], [[_q(v) for v in c.mean] for c in problem.components],
                  [[[_q(v) for v in row] for row in c.covariance] for c in problem.components])
    scattered = None
    if client is not None:  # the points go to the cluster once; each iteration ships only the start
        scattered = client.scatter([problem.points[s] for s in slices])
    out = []
    shifts = [tuple(c.mean) for c in problem.components]
    merged = None
    stopped = None
    for t in range(1, iterations + 1):
        singular = _not_invertible(problem, params[2], prec)
        if singular is not None:
            stopped = (f"iteration {t} needs the inverse of the covariance of {singular}, which the enclosure of "
                       "the previous M-step cannot show to be invertible (it is singular, or nearly so)")
            break
        start = _start(problem, params, prec)
        if client is None:
            parts = []
            for s in slices:
                parts.append(statistics(problem.points[s], start))
                advance(1)
        else:
            from distributed import as_completed  # noqa: PLC0415

            futures = client.map(statistics, scattered, start=start, pure=False)
            for _ in as_completed(futures):
                advance(1)
            parts = client.gather(futures)
        merged = parts[0]
        for p in parts[1:]:
            merged = merged + p
        it = mstep(merged, shifts, problem, params, prec)
        out.append(it)
        params = (it.weights, it.means, it.covariances)
    where = "this process" if client is None else f"dask {getattr(client, 'scheduler', None) and client.scheduler.address}"
    return PartitionedRun(problem, tuple(out), merged, len(slices), prec, where, stopped)


def _not_invertible(problem, covariances, prec: int) -> str | None:
    """The first component whose covariance ball contains a singular matrix (``None``: all invertible)."""
    with _precision(prec):
        for name, c in zip(problem.component_names, covariances):
            try:
                flint.arb_mat([list(row) for row in c]).inv()
            except ZeroDivisionError:
                return name
    return None


# public names for the tier that shares this machinery (numerics/floattier.py, numerics/tiers.py)
rational_ball = _q
even_chunks = _chunks
has_undecided = _has_none
no_progress = _no_bar
