"""Tier 1: an EM iteration's sufficient statistics in float64 over whole arrays, with rigorous bounds.

The arithmetic is the float64 arithmetic of a float implementation (BLAS products, elementwise numpy),
and next to every computed value runs an upper bound of its distance from the exact value, from the
standard model ``fl(a ∘ b) = (a ∘ b)(1 + δ)``, ``|δ| <= u = 2^-53`` (plus ``2^-1074`` where a result is
subnormal) and ``γ_k = k·u/(1 − k·u)`` for a sum of ``k + 1`` terms in any order (so BLAS may order its
sums as it likes). The bounds are themselves float64 expressions, inflated by ``SAFE`` to cover their own
rounding. ``exp`` and ``log`` are this module's own (table, reduction and polynomial: only IEEE
``+ − × ÷``, ``rint`` and ``ldexp``), so their error is proven here and their results do not depend on
the platform's libm or on how numpy vectorises: each point's values depend on that point alone.

Per component ``c`` (start mean ``μ``, covariance ``Σ``, weight ``π``), in the units of the data array
``X`` (the points are ``X · scale``):

- ``V = X − s`` about a float shift ``s`` near ``μ`` (exact for integer data and an integer shift);
- ``y = (V − b) P`` with ``b ≈ μ − s`` and a float ``P`` whose ``P Pᵀ = Ã`` is within ``ε_A`` of ``Σ⁻¹``
  in the sense ``|vᵀ(Σ⁻¹ − Ã)v| <= ε_A vᵀÃv`` (``ε_A`` proven in arb), ``q = Σ y²``: the bound is
  carried through norms (``‖P⁻¹‖``, ``‖|P|‖``), so it costs a few operations per point, not per entry;
- ``a = log π − ½ log|Σ| − (d/2) log 2π − q/2``; the log-evidence and the responsibilities from
  ``a − max a`` with the certified ``exp`` and ``log``.

The sums ``Σ r``, ``Σ r V``, ``Σ r V Vᵀ`` and ``Σ log p(x)`` are formed per group of ``GROUP`` points
(blocks of ``BLOCK`` summed in order, then pairwise), each group's sum and error bound turned into exact
dyadic numbers and added exactly (:class:`~gmmexact.numerics.partitioned.ExactBall`). A group's values
depend only on its points, so statistics of chunks aligned to groups merge to the same bits for any
partitioning.

Typical accuracy: 13 to 15 significant digits where the covariances are well-conditioned. Integer data
(decimals) within 2^26 of one shift take the double-double kernel instead
(:mod:`~gmmexact.numerics.doubledouble`, about 18 digits; :func:`plan`'s ``kernel``). The caller (tier 2)
takes over where neither decides a value.

>>> import gmmexact
>>> problem = gmmexact.load("examples/seed/problem.toml")
>>> its = float_iterations(problem, 1)
>>> from gmmexact.numerics.rounding import round_arb
>>> str(round_arb(its[0].iteration.counts[0], 12))
'2.99999989817'
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property, reduce
from operator import attrgetter

import flint
import numpy as np
from flint import arb, arb_mat

from . import doubledouble
from .floatbounds import (BELOW_ARG, ETA, GROUP, SAFE, U, U1, Declined, aligned, ball_float, exact_column_sums, exp_certified,
                          gamma, heap_for_temporaries, log_certified, two_norm_upper, upper)
from .partitioned import ExactBall, PartitionedIteration, Statistics, mstep

_ball_float, _upper, _two_norm_upper = ball_float, upper, two_norm_upper

BLOCK = 16  # points summed in order; GROUP of them summed in pairwise rounds, groups summed exactly
LEVELS = BLOCK - 1 + 6  # a group sum's error is at most γ_LEVELS ≈ 2.3e-15 of its sum of absolute values
CHUNK = 16384  # points per pass (a multiple of GROUP): the temporaries stay small
PREC = 192  # bits of the arb work on the few per-component numbers



# --- the data as an exact float64 array ----------------------------------------------------------------

@dataclass(frozen=True)
class FloatData:
    """The points as ``X · scale`` with ``X`` an array whose values are exact in float64 (float64, or
    int64 below 2^52 (a decimal file's integers, possibly memory-mapped), turned into floats chunk by
    chunk); ``integral``: every ``X`` is an integer below 2^52, so differences with integer shifts are
    exact."""

    X: np.ndarray
    scale: Fraction
    integral: bool

    @classmethod
    def known(cls, X: np.ndarray, scale: Fraction, integral: bool, column_range) -> "FloatData":
        """The float form of points whose column ranges are known already (a store's description), so that
        nothing is read to find them.

        >>> FloatData.known(np.zeros((2, 1)), Fraction(1), True, ([-3], [5])).column_range
        (array([-3.]), array([5.]))
        """
        data = cls(X, scale, integral)
        data.__dict__["column_range"] = tuple(np.asarray(v, dtype=np.float64) for v in column_range)
        return data

    @cached_property
    def column_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Each column's smallest and largest value (read chunk by chunk: the array may be a file's).

        >>> FloatData(np.array([[1, 5], [-2, 3]]), Fraction(1), True).column_range
        (array([-2.,  3.]), array([1., 5.]))
        """
        lo = np.full(self.X.shape[1], np.inf)
        hi = np.full(self.X.shape[1], -np.inf)
        for a in range(0, len(self.X), CHUNK * 4):
            part = np.asarray(self.X[a:a + CHUNK * 4], dtype=np.float64)
            lo = np.minimum(lo, part.min(axis=0))
            hi = np.maximum(hi, part.max(axis=0))
        return lo, hi

    @classmethod
    def _binary(cls, X: np.ndarray) -> "FloatData":
        X, scale = _binary_scaled(X)
        integral = bool(np.array_equal(X, np.rint(X)) and (not X.size or float(np.abs(X).max()) < 2.0**52))
        return cls(X, scale, integral)

    @classmethod
    def of(cls, points) -> "FloatData | str":
        """The float form of a problem's points, or the reason there is none.

        >>> from gmmexact.model.decimalpoints import DecimalPoints
        >>> f = FloatData.of(DecimalPoints([[1600, -25]], -1)); f.X.tolist(), f.scale, f.integral
        ([[1600, -25]], Fraction(1, 10), True)
        >>> FloatData.of([[Fraction(1, 3), Fraction(1, 7)]]).scale
        Fraction(1, 21)
        """
        from ..model.decimalpoints import DecimalPoints  # noqa: PLC0415
        from ..model.floatpoints import FloatPoints  # noqa: PLC0415

        if isinstance(points, FloatPoints):
            return cls._binary(points.array)
        if isinstance(points, DecimalPoints):
            ints = points.integers
            step = CHUNK * 4  # chunk by chunk: the array may be a file's (no n × d temporary)
            top = max((int(np.abs(ints[a:a + step]).max(initial=0)) for a in range(0, len(ints), step)), default=0)
            if ints.dtype != np.int64 or top >= 2**52:
                return "the points' decimal digits do not fit in float64 integers (52 bits)"
            return cls(ints, Fraction(10) ** points.exponent, True)
        n = len(points)
        if not n:
            return "there are no points"
        flat = [v if isinstance(v, Fraction) else Fraction(v) for p in points for v in p]
        grid = _common_denominator(flat)
        if grid is not None:
            nums, den = grid
            return cls(nums.astype(np.float64).reshape(n, -1), Fraction(1, den), True)
        floats = [float(v) for v in flat]
        if all(Fraction(f) == v for f, v in zip(floats, flat)):
            return cls._binary(np.array(floats, dtype=np.float64).reshape(n, -1))
        return "the points are neither float64 values nor decimals with a common denominator below 2^62"


def _binary_scaled(X: np.ndarray) -> tuple[np.ndarray, Fraction]:
    """Float data scaled by a power of two (exactly) so that the largest is near 1, when they lie far from
    it: covariances of data near 1e-160 or 1e150 would leave float64's range. Unscaled where the scaling
    would round a value (a very wide spread of magnitudes).

    >>> Y, scale = _binary_scaled(np.array([[3e-160, 1e-161]])); float(Y.max()) < 1 <= float(Y.max()) * 2, scale < 1
    (True, True)
    """
    top = float(np.abs(X).max(initial=0))
    if not top:
        return X, Fraction(1)
    e = math.frexp(top)[1]
    if -64 <= e <= 64:
        return X, Fraction(1)
    Y = np.ldexp(X, -e)
    if not np.array_equal(np.ldexp(Y, e), X):
        return X, Fraction(1)
    return Y, Fraction(2) ** e


def fraction_arrays(flat: list) -> "tuple[np.ndarray, np.ndarray] | None":
    """The numerators and denominators of Fractions as int64 arrays, or ``None`` when one does not fit.

    >>> [a.tolist() for a in fraction_arrays([Fraction(1, 4), Fraction(-3, 10)])]
    [[1, -3], [4, 10]]
    """
    try:
        try:  # Fraction's own slots: no Python-level property call per value
            nums = np.fromiter(map(attrgetter("_numerator"), flat), dtype=np.int64, count=len(flat))
            dens = np.fromiter(map(attrgetter("_denominator"), flat), dtype=np.int64, count=len(flat))
        except AttributeError:
            nums = np.array([v.numerator for v in flat], dtype=np.int64)
            dens = np.array([v.denominator for v in flat], dtype=np.int64)
    except OverflowError:
        return None
    return nums, dens


def _common_denominator(flat: list) -> "tuple[np.ndarray, int] | None":
    """Fractions as int64 numerators over one denominator below 2^62, numerators below 2^52; else None.

    >>> nums, den = _common_denominator([Fraction(1, 4), Fraction(-3, 10)]); nums.tolist(), den
    ([5, -6], 20)
    """
    parts = fraction_arrays(flat)
    if parts is None:
        return None
    nums, dens = parts
    den = reduce(math.lcm, (int(v) for v in np.unique(dens)), 1)
    if den >= 2**62 or int(np.abs(nums).max(initial=0)) * den >= 2**62:
        return None
    scaled = nums * (den // dens)
    if int(np.abs(scaled).max(initial=0)) >= 2**52:
        return None
    return scaled, den


# --- one component's float form of its quadratic form ----------------------------------------------------

@dataclass(frozen=True)
class ComponentForm:
    """What every chunk needs of one component (floats, all in the units of ``X``)."""

    shift: np.ndarray  # s (d), exact floats: the sums are about s
    b: np.ndarray  # ≈ μ − s
    b_rad: float  # ‖(μ − s) − b‖₂ <= b_rad
    b_norm: float  # ‖b‖₂ (rounded up)
    P: np.ndarray  # d × d
    absP_F: float  # ‖|P|‖₂, rounded up
    inv_P: float  # ‖P⁻¹‖₂ upper bound
    eps_A: float  # |vᵀ(Σ⁻¹ − PPᵀ)v| <= eps_A · vᵀPPᵀv
    const: float  # log π − ½ log|Σ| − (d/2) log 2π
    const_rad: float
    minus: tuple = ()  # const − const_k for every component k (rounded once from the exact difference)
    minus_rad: tuple = ()
    pair: "doubledouble.PairPlan | None" = None  # the double-double kernel's plan (the same in every form)


def component_form(weight: arb, mean, cov, data: FloatData, centre=None) -> ComponentForm:
    """The float form of one component (arb parameters in the units of the points); its sums are about
    ``centre`` (floats in the units of ``X``) when given, else about the float nearest its mean."""
    d = len(mean)
    scale = flint.fmpq(data.scale.numerator, data.scale.denominator)
    try:
        S = arb_mat([[cov[i][j] / (scale * scale) for j in range(d)] for i in range(d)])
        det = arb_mat([[cov[i][j] for j in range(d)] for i in range(d)]).det()
        if not det > 0:
            raise Declined("a covariance enclosure is not positive definite")
        A = S.inv()
        mu = [mean[i] / scale for i in range(d)]
        mid = np.array([_ball_float(m)[0] for m in mu])
        mid = mid if centre is None else np.asarray(centre, dtype=np.float64)
        shift = np.rint(mid) if data.integral and np.all(np.abs(mid) < 2.0**51) else mid
        bs = [_ball_float(mu[i] - arb(float(shift[i]))) for i in range(d)]
        b = np.array([v[0] for v in bs])
        b_rad = math.sqrt(sum(v[1] ** 2 for v in bs)) * 1.01 + ETA
        Sf = np.array([[_ball_float(S[i, j])[0] for j in range(d)] for i in range(d)])
        try:
            L = np.linalg.cholesky(Sf)
            P = np.linalg.inv(L).T  # Σ⁻¹ ≈ P Pᵀ
        except np.linalg.LinAlgError:
            raise Declined("a covariance is not positive definite in float64") from None
        if not np.isfinite(P).all():
            raise Declined("a covariance's inverse is beyond float64's range")
        Pa = arb_mat([[arb(float(P[i, j])) for j in range(d)] for i in range(d)])
        At = Pa * Pa.transpose()
        diff = A - At
        Ainv = At.inv()
        norm_diff = _two_norm_upper([[_upper(abs(diff[i, j])) for j in range(d)] for i in range(d)])
        norm_inv = _two_norm_upper([[_upper(abs(Ainv[i, j])) for j in range(d)] for i in range(d)])
        Pinv = Pa.inv()
        inv_P = _two_norm_upper([[_upper(abs(Pinv[i, j])) for j in range(d)] for i in range(d)])
        eps_A = norm_diff * norm_inv * SAFE
        const, const_rad = _ball_float(weight.log() - det.log() / 2 - (2 * arb.pi()).log() * d / 2)
    except (ZeroDivisionError, ValueError, OverflowError):
        raise Declined("a covariance enclosure cannot be inverted at this precision") from None
    absP_F = _two_norm_upper(np.abs(P).tolist())
    b_norm = math.sqrt(float(np.sum(b * b))) * (1 + 4 * d * U) * SAFE
    if not (eps_A < 1e-6 and math.isfinite(inv_P) and gamma(d) * absP_F * inv_P < 0.01
            and math.isfinite(const) and math.isfinite(const_rad)):
        raise Declined("a covariance is too ill-conditioned for float64 bounds")
    return ComponentForm(shift, b, b_rad, b_norm, P, absP_F, inv_P, eps_A, const, const_rad)


# --- a chunk of points -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChunkResult:
    """A chunk's statistics (exact dyadic sums) and, when asked, its responsibilities with absolute bounds."""

    statistics: Statistics
    resp: "np.ndarray | None"
    resp_err: "np.ndarray | None"


def _estep_component(X, form: ComponentForm, integral: bool):
    """``V = X − s``, the log-density term ``a`` (without the constant) and its error bound."""
    d = X.shape[1]
    V = X - form.shift
    exact_v = integral and bool(np.all(form.shift == np.rint(form.shift)))
    Ve = V - form.b if form.b.any() else V
    Y = Ve @ form.P
    q = Y[:, 0] * Y[:, 0]  # in a fixed order: each point's value depends on that point alone
    for j in range(1, d):
        q += Y[:, j] * Y[:, j]
    g = gamma(d + 1)
    kp = form.absP_F * form.inv_P
    h = np.sqrt(q) * (1 + g) * SAFE  # >= ‖ŷ‖ (q >= (1 − γ_d)‖ŷ‖², and the square root rounds)
    h1 = h / (1 - g * kp)  # >= ‖Ve P‖
    nve = form.inv_P * h1  # >= ‖Ve‖
    nvs = nve * (1 + U) + form.b_norm  # >= ‖V‖
    ev = (0.0 if exact_v else U1) * nvs + (U1 * nve if form.b.any() else 0.0) + form.b_rad  # >= ‖Ve − (x − μ)‖
    ey = (g * kp * h1 + form.absP_F * ev) * SAFE  # >= ‖ŷ − (x − μ)P‖
    eq1 = g / (1 - g) * q + (2 * h + ey) * ey
    eq = (eq1 + form.eps_A * (q + eq1)) * SAFE
    return V, exact_v, q, eq


def chunk_statistics(X: np.ndarray, forms: list[ComponentForm], integral: bool, scale: Fraction,
                     want_resp: bool = False) -> ChunkResult:
    """Tier-1 statistics of the points ``X`` (a chunk; blocks of ``BLOCK`` from its first row)."""
    heap_for_temporaries()
    X = np.asarray(X, dtype=np.float64)  # int64 below 2^52: exact
    if forms and forms[0].pair is not None:
        stats, resp, err = doubledouble.chunk_statistics(X, forms[0].pair, scale, want_resp)
        return ChunkResult(stats, resp, err)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _chunk(X, forms, integral, scale, want_resp)


def _chunk(X, forms, integral, scale, want_resp) -> ChunkResult:
    m, d = X.shape
    K = len(forms)
    A = np.empty((m, K))
    EA = np.empty((m, K))
    Q = np.empty((m, K))
    EQ = np.empty((m, K))
    Vs, exact = [], []
    for c, form in enumerate(forms):
        V, ex, q, eq = _estep_component(X, form, integral)
        a = form.const - 0.5 * q
        A[:, c] = a
        EA[:, c] = (0.5 * eq + form.const_rad + U1 * np.abs(a)) * SAFE
        Q[:, c] = q
        EQ[:, c] = eq
        Vs.append(V)
        exact.append(ex)
    if not (np.isfinite(A).all() and np.isfinite(EA).all()):
        raise Declined("a log-density or its bound is not finite in float64")
    # about the top component's own log-density: its term is exp(0) = 1 exactly, with no error, and the
    # others' arguments are formed from differences, t_c = (const_c − const_top) − (q_c − q_top)/2, so
    # neither the constants' rounding nor that of the log-densities themselves enters the responsibilities
    rows = np.arange(m)
    top_c = A.argmax(axis=1)
    top = A[rows, top_c]
    minus = np.array([f.minus for f in forms])  # [top, c] = const_c − const_top after the transpose below
    minus_rad = np.array([f.minus_rad for f in forms])
    dq = Q - Q[rows, top_c][:, None]
    T = minus.T[top_c] - 0.5 * dq
    EA_top = EA[rows, top_c]
    ET = (0.5 * (EQ + EQ[rows, top_c][:, None]) + minus_rad.T[top_c] + U1 * (0.5 * np.abs(dq) + np.abs(T))
          ) * (1 + 2 * U) * SAFE
    T[rows, top_c] = 0.0
    ET[rows, top_c] = 0.0
    e, erel, tiny = exp_certified(T)
    if float(ET.max(initial=0)) > 0.5:
        raise Declined("the log-densities' bounds are too wide for float64")
    # |exp(t) − e| <= e·rho: the exp's own error, then the argument's (e^x − 1 <= x + x² for x <= 1/2)
    rho = (erel + (ET + ET * ET) * (1 + erel)) * SAFE
    rho[rows, top_c] = 0.0
    # exp(t) < 2^-1075 for sure: 0, within 2^-1074 (float64's smallest step), so a float that underflowed to 0
    # or to the smallest subnormal is decided; other tiny arguments are only known to lie in [0, 2^-1000]
    below = tiny & (T + ET < BELOW_ARG)
    de = np.where(below, 2.0**-1074, np.where(tiny, 2.0**-1000, e * rho))
    s = e.sum(axis=1)  # >= 1: the top term is exp(0) = 1 exactly
    ds = (de.sum(axis=1) * (1 + gamma(K)) + gamma(K) * s) * SAFE
    srel = ds / s
    if float(srel.max(initial=0)) > 0.25:
        raise Declined("the evidence's bound is too wide for float64")
    R = e / s[:, None]
    dR = ((de / s[:, None] + R * srel[:, None]) / (1 - srel[:, None]) + U * R + ETA) * SAFE
    dR[below] = 2.0**-1074  # r <= exp(t) < 2^-1075 (s >= 1), and R = 0 there
    L, dL = log_certified(s)
    term = top + L
    dterm = (EA_top + dL + srel / (1 - srel) * 1.01 + U1 * np.abs(term) + U1 * np.abs(L)) * SAFE
    stats = _group_sums(Vs, exact, R, dR, term, dterm, d, K, scale)
    return ChunkResult(stats, R if want_resp else None, dR if want_resp else None)


def _mid_group_sums(M: np.ndarray) -> np.ndarray:
    """Per group of ``GROUP`` columns of ``M`` (one row per statistic, one column per point, zero-padded
    to whole groups): blocks of ``BLOCK`` points summed, then the blocks of a group in pairwise rounds.
    Every sum has error at most ``γ_LEVELS`` times its sum of absolute values and depends on the
    group's points alone. Returns groups × statistics."""
    cols, rows = M.shape
    x = M.reshape(cols, rows // BLOCK, BLOCK).sum(axis=2)  # BLOCK terms in any order: γ_(BLOCK−1)
    x = x.reshape(cols, rows // GROUP, GROUP // BLOCK)
    while x.shape[2] > 1:
        x = x[:, :, 0::2] + x[:, :, 1::2]
    return x[:, :, 0].T


def _group_sums(Vs, exact, R, dR, term, dterm, d, K, scale) -> Statistics:
    m = len(term)
    ng = -(-m // GROUP)
    rows = ng * GROUP
    g = gamma(LEVELS)
    blow = (1 + 2 * gamma(GROUP)) * SAFE  # a sum of non-negative terms in any order: at least (1 − γ) of it
    eta_g = 8 * GROUP * ETA  # products that underflow: 2^-1074 each at most
    pairs = [(i, j) for i in range(d) for j in range(i, d)]
    np_ = len(pairs)
    # one row per statistic, one column per point (zero-padded to whole groups):
    # the sums' terms Σ r, Σ r V, Σ r V_i V_j (i <= j), Σ log p(x)
    mid = np.zeros((K * (1 + d + np_) + 1, rows))
    # the bounds' terms Σ dr, Σ r|V|, Σ r V², Σ dr|V|, Σ dr V², Σ |V|, Σ |log p|, Σ d log p
    ab = np.zeros((K * (1 + 5 * d) + 2, rows))
    RT, dRT = R.T, dR.T
    mid[:K, :m] = RT
    ab[:K, :m] = dRT
    for c in range(K):
        VT = Vs[c].T
        r, dr = RT[c], dRT[c]
        RV = mid[K + c * d:K + (c + 1) * d, :m]
        np.multiply(VT, r, out=RV)
        at = K + K * d + c * np_
        for k, (i, j) in enumerate(pairs):
            np.multiply(RV[i], VT[j], out=mid[at + k, :m])
        aV = np.abs(VT)
        V2 = VT * VT
        at = K + c * 5 * d
        np.multiply(aV, r, out=ab[at:at + d, :m])
        np.multiply(V2, r, out=ab[at + d:at + 2 * d, :m])
        np.multiply(aV, dr, out=ab[at + 2 * d:at + 3 * d, :m])
        np.multiply(V2, dr, out=ab[at + 3 * d:at + 4 * d, :m])
        ab[at + 4 * d:at + 5 * d, :m] = aV
    mid[-1, :m] = term
    np.abs(term, out=ab[-2, :m])
    ab[-1, :m] = dterm
    S = _mid_group_sums(mid)  # ng × statistics
    # products that underflow lose up to 2^-1075 each (r, dr <= 2): the bound sums stay upper bounds
    B = ab.reshape(ab.shape[0], ng, GROUP).sum(axis=2).T * blow + 4 * GROUP * ETA
    rad = np.empty_like(S)
    rad[:, :K] = g * np.abs(S[:, :K]) * blow + B[:, :K]  # r >= 0: Σ|r| is the sum itself
    for c in range(K):
        uv = 0.0 if exact[c] else U1
        at = K + c * 5 * d
        rV, rV2, drV, drV2, aVs = (B[:, at + k * d:at + (k + 1) * d] for k in range(5))
        rad[:, K + c * d:K + (c + 1) * d] = (g + U + uv) * rV + (1 + uv) * drV
        at = K + K * d + c * np_
        for k, (i, j) in enumerate(pairs):
            cross = np.sqrt(rV2[:, i] * rV2[:, j]) * (1 + 4 * U)  # >= Σ r|V_i||V_j| (Cauchy–Schwarz)
            dcross = np.sqrt(drV2[:, i] * drV2[:, j]) * (1 + 4 * U)
            # fl(r·V_i) may underflow (2^-1075 at most), and the product with V_j carries that: Σ 2^-1075|V_j|
            rad[:, at + k] = ((g + 2 * U + 3 * uv) * cross + (1 + 3 * uv) * dcross
                              + ETA * (aVs[:, i] + aVs[:, j]))
    rad[:, -1] = g * B[:, -2] + B[:, -1]
    rad = (rad + eta_g) * SAFE
    if not (np.isfinite(S).all() and np.isfinite(rad).all()):
        raise Declined("a group sum or its bound is not finite in float64")
    balls = [ExactBall(*aligned(mm, rr)) for mm, rr in zip(exact_column_sums(S), exact_column_sums(rad))]
    S0 = tuple(balls[:K])
    S1 = tuple(tuple(balls[K + c * d:K + (c + 1) * d]) for c in range(K))
    S2 = []
    for c in range(K):
        at = K + K * d + c * np_
        full = [[None] * d for _ in range(d)]
        for k, (i, j) in enumerate(pairs):
            full[i][j] = full[j][i] = balls[at + k]
        S2.append(tuple(tuple(row) for row in full))
    return Statistics(S0, S1, tuple(S2), balls[-1], m, scale)



# --- whole iterations ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FloatIteration:
    """One iteration from tier 1: the M-step as arb balls (``iteration``), the merged ``statistics``
    and, when kept, the responsibilities ``resp`` (n × K floats) with absolute bounds ``resp_err``;
    ``kernel``: ``"pair"`` (double-double) or ``"float"``."""

    iteration: PartitionedIteration
    statistics: Statistics
    resp: "np.ndarray | None"
    resp_err: "np.ndarray | None"
    kernel: str = "float"


def _with_differences(forms, weights, covs) -> list[ComponentForm]:
    """Each form with the differences of the log-constants, rounded once from their exact values: the
    responsibilities depend on differences only, so the constants' own rounding never enters them."""
    consts = []
    for w, cov in zip(weights, covs):
        d = len(cov)
        consts.append(w.log() - arb_mat([[cov[i][j] for j in range(d)] for i in range(d)]).det().log() / 2)
    out = []
    for c, form in enumerate(forms):
        pairs = [_ball_float(consts[c] - consts[k]) for k in range(len(forms))]
        out.append(replace(form, minus=tuple(v[0] for v in pairs), minus_rad=tuple(v[1] for v in pairs)))
    return out


KERNELS = ("auto", "float", "pair")


def plan(problem, params, data: FloatData, prec: int = PREC, centres=None, kernel: str = "auto"
         ) -> tuple[list[ComponentForm], tuple]:
    """The component forms of one iteration's start ``params`` (weights, means, covariances as balls)
    and the exact shifts (in the points' units) the statistics are about (near ``centres`` when given).

    ``kernel``: ``"pair"`` the double-double kernel (:mod:`~gmmexact.numerics.doubledouble`: integer
    data within 2^26 of one shift; about a thousand times tighter, all components about that shift),
    ``"float"`` the float64 one, ``"auto"`` the first that applies."""
    if kernel not in KERNELS:
        raise ValueError(f"kernel is {kernel!r}: one of {', '.join(KERNELS)}")
    saved = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        weights, means, covs = params
        pair = None
        if kernel != "float" and centres is None and data.integral and len(data.X):
            try:
                pair = doubledouble.pair_plan(weights, means, covs, data.scale, data.column_range, prec)
            except Declined as e:
                pair = str(e)
            if isinstance(pair, str):
                if kernel == "pair":
                    raise Declined(pair)
                pair = None
        elif kernel == "pair":
            raise Declined("the double-double kernel takes integer data (decimals) only")
        if pair is not None:  # every component about the pair plan's shift; the float fields unused (NaN)
            nan = np.full(len(pair.shift), np.nan)
            forms = [ComponentForm(pair.shift, nan, math.nan, math.nan, np.full((len(nan),) * 2, np.nan), math.nan,
                                   math.nan, math.nan, math.nan, math.nan, pair=pair)] * len(weights)
        else:
            centres = centres if centres is not None else [None] * len(weights)
            forms = [component_form(w, m, c, data, z) for w, m, c, z in zip(weights, means, covs, centres)]
            forms = _with_differences(forms, weights, covs)
    finally:
        flint.ctx.prec = saved
    shifts = tuple(tuple(Fraction(float(v)) * data.scale for v in f.shift) for f in forms)
    return forms, shifts


def statistics_of(data: FloatData, forms, rows: slice = slice(None), keep_resp: bool = False,
                  chunk: int = CHUNK):
    """Tier-1 statistics of ``data.X[rows]`` (``rows.start`` a multiple of ``GROUP``), chunk by chunk;
    with the responsibilities when ``keep_resp``."""
    start, stop, _ = rows.indices(len(data.X))
    if start % GROUP or chunk % GROUP:
        raise ValueError(f"partitions and chunks start at multiples of {GROUP} points")
    total = None
    resp, err = [], []
    for a in range(start, stop, chunk):
        got = chunk_statistics(data.X[a:min(a + chunk, stop)], forms, data.integral, data.scale, keep_resp)
        total = got.statistics if total is None else total + got.statistics
        if keep_resp:
            resp.append(got.resp)
            err.append(got.resp_err)
    if keep_resp:
        return total, np.concatenate(resp), np.concatenate(err)
    return total, None, None


def start_params(problem, prec: int = PREC) -> tuple:
    """The problem's starting weights, means and covariances as (exact) arb balls."""
    from .partitioned import rational_ball as _q  # noqa: PLC0415

    saved = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        return ([_q(c.weight) for c in problem.components], [[_q(v) for v in c.mean] for c in problem.components],
                [[[_q(v) for v in row] for row in c.covariance] for c in problem.components])
    finally:
        flint.ctx.prec = saved


RECENTRE = 0.25  # a second pass about the new means when ‖new mean − shift‖² > RECENTRE · trace(new covariance)


def recentring(it: PartitionedIteration, shifts, data: FloatData) -> "list[np.ndarray] | None":
    """The new means in the units of ``X`` when the sums about ``shifts`` lose digits to the distance
    between them (``W = S2 − N δδᵀ`` cancels when ``δ`` is large against the spread), else ``None``.

    A second pass about these centres gives the same enclosure's quality as a start at the new means;
    the E-step is the same, only the sums' centre moves.
    """
    far = False
    centres = []
    for mean, cov, shift in zip(it.means, it.covariances, shifts):
        m = np.array([float(v.mid()) for v in mean])
        s = np.array([float(v) for v in shift])
        spread = sum(float(cov[i][i].mid()) for i in range(len(m)))
        if not (np.isfinite(m).all() and math.isfinite(spread)):
            return None
        far |= float(np.sum((m - s) ** 2)) > RECENTRE * spread
        centres.append(m / float(data.scale))
    return centres if far else None


def iteration_of(problem, params, data: FloatData, prec: int = PREC, keep: bool = False, partial=None,
                 recentre: bool = False, kernel: str = "auto"):
    """One tier-1 iteration from ``params``: statistics about the starting means, then, with ``recentre``
    and when that centre is far from the new means, once more about these (:func:`recentring`; measured
    on a start a cluster's width away: covariances 15 times tighter for 2.1 times the time).
    ``partial(forms)`` computes the merged statistics with the responsibilities (default:
    :func:`statistics_of` on all of ``data``). ``kernel``: as :func:`plan` (the double-double kernel's
    sums are exact, so recentring never applies to it)."""
    partial = partial or (lambda forms: statistics_of(data, forms, keep_resp=keep))
    forms, shifts = plan(problem, params, data, prec, kernel=kernel)
    stats, resp, err = partial(forms)
    it = mstep(stats, shifts, problem, params, prec)
    centres = recentring(it, shifts, data) if recentre and forms[0].pair is None else None
    if centres is not None:
        forms, shifts = plan(problem, params, data, prec, centres, kernel="float")
        stats, resp, err = partial(forms)
        it = mstep(stats, shifts, problem, params, prec)
    return FloatIteration(it, stats, resp, err, "pair" if forms[0].pair is not None else "float")


def float_iterations(problem, iterations: int = 1, data: "FloatData | None" = None, keep_resp=(),
                     prec: int = PREC, advance=None, recentre: bool = False, kernel: str = "auto"
                     ) -> list[FloatIteration]:
    """``iterations`` EM iterations of ``problem`` from tier 1 (fewer if a later one is declined: the
    reason is raised as :class:`Declined` only when the first is). ``keep_resp``: the iterations whose
    responsibilities to keep (a set, or ``None`` for all)."""
    data = data if data is not None else FloatData.of(problem.points)
    if isinstance(data, str):
        raise Declined(data)
    params = start_params(problem, prec)
    out = []
    for t in range(1, iterations + 1):
        try:
            got = iteration_of(problem, params, data, prec, keep=keep_resp is None or t in keep_resp,
                               recentre=recentre, kernel=kernel)
        except Declined:
            if t == 1:
                raise
            break
        out.append(got)
        it = got.iteration
        params = (it.weights, it.means, it.covariances)
        if advance is not None:
            advance(1)
    return out
