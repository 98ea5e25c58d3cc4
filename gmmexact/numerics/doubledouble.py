"""Tier 1's double-double kernel: integer data, responsibilities to about 1e-20, sums exact.

Where the points are integers (a decimal file's digits, ``X · scale``) whose distance from one common
integer shift ``s`` stays below 2^26, every number the sufficient statistics need is an exact float:
``V = X − s``, the products ``V_i V_j`` and ``Z = [1, V, V_i V_j]``. This kernel then

- forms each quadratic form ``q = ‖(V − β) P‖²`` as a double-double: ``P`` (with ``P Pᵀ`` within about
  1e-30 of ``Σ⁻¹``, proven in arb) is cut into slices whose products with ``V`` are exact in BLAS, the
  rest carried as a low part; the squares by Dekker's error-free product;
- takes the differences of the log-densities, the ``exp`` (table of ``2^(j/1024)`` in double-double,
  polynomial) and the normalisation in double-double, so each responsibility ``r`` comes with a
  proven relative bound of about 1e-20 (where the start is exact);
- sums ``Σ r Z`` exactly: per group of ``GROUP`` points, ``r`` is cut into a 21-bit slice on the
  group's grid and a float rest, ``Z`` into 21-bit slices; the slices' products sum exactly in any
  order (BLAS), the rest's sum and every bound are float products with their error bounds.

The result is the same :class:`~gmmexact.numerics.partitioned.Statistics` as the float kernel's (about
the common shift), with enclosures about a thousand times tighter, and the same bits for any partitioning
into chunks aligned to groups. Error-free transformations: ``two_sum`` (Knuth), ``two_prod`` (Dekker,
without FMA; exact unless a product underflows, which the bounds cover with ``2^-1074`` terms).

>>> a, b = two_prod(np.array([0.1]), np.array([0.3]))
>>> from fractions import Fraction as F
>>> F(a[0]) + F(b[0]) == F(0.1) * F(0.3)
True
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np
from flint import arb, arb_mat

from .floatbounds import (BELOW_ARG, ETA, EXP_TABLE, GROUP, KMAX, LOG_TABLE, RMAX, SAFE, TINY_ARG, U, Declined, aligned,
                          ball_float, exact_column_sums, gamma, two_norm_upper, upper)
from .partitioned import ExactBall, Statistics

SPLITTER = 2.0**27 + 1  # Dekker's split: a = hi + lo, each of at most 26 significant bits
VBITS = 26  # |V| < 2^26, so V_i V_j < 2^52 is exact
SLICE = 21  # bits of a slice: 21 + 21 + log2(GROUP) = 52 < 53, so a group's slice products sum exactly
U2 = U * U


# --- error-free transformations on float64 arrays ---------------------------------------------------------

def two_sum(a, b):
    """``s + e == a + b`` exactly, ``s = fl(a + b)`` (Knuth; any order of magnitudes)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def fast_two_sum(a, b):
    """``s + e == a + b`` exactly where ``|a| >= |b|`` (or ``a`` is zero)."""
    s = a + b
    return s, b - (s - a)


def split(a):
    """``a == hi + lo`` with both halves of at most 26 significant bits (|a| < 2^995)."""
    c = SPLITTER * a
    hi = c - (c - a)
    return hi, a - hi


def two_prod(a, b):
    """``p + e == a · b`` exactly unless the product underflows (Dekker)."""
    p = a * b
    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def two_square(a):
    """``p + e == a²`` exactly unless it underflows."""
    p = a * a
    ah, al = split(a)
    return p, ((ah * ah - p) + 2 * ah * al) + al * al


def _pair(x: arb) -> tuple[float, float, float]:
    """``x`` as a double-double ``hi + lo`` and a bound of its distance from every point of ``x``."""
    hi, _ = ball_float(x)
    lo, rad = ball_float(x - arb(hi))
    return hi, lo, rad


_CONST = None


def _constants() -> dict:
    """The exp's reduction constants and table as double-doubles (from arb at 320 bits)."""
    global _CONST
    if _CONST is not None:
        return _CONST
    saved = flint.ctx.prec
    flint.ctx.prec = 320
    try:
        step = arb(2).log() / EXP_TABLE
        step_mid = ball_float(step)[0]
        L1 = math.ldexp(math.floor(math.ldexp(step_mid, 42)), -42)  # 32 bits: k·L1 exact for |k| < 2^21
        L2 = ball_float(step - arb(L1))[0]
        L2 = math.ldexp(math.floor(math.ldexp(L2, 74)), -74)  # below 2^-42 on a 2^-74 grid: 32 bits, k·L2 exact
        L3, L3err = ball_float(step - arb(L1) - arb(L2))
        table = [_pair(arb(2) ** (arb(j) / EXP_TABLE)) for j in range(EXP_TABLE)]
        ln2 = arb(2).log()
        ln2_hi = math.ldexp(math.floor(math.ldexp(float(ln2.mid()), 40)), -40)  # 40 bits: e·ln2_hi exact
        ln2_lo, _, ln2_rad = _pair(ln2 - arb(ln2_hi))
        centres = 1 + (np.arange(LOG_TABLE) + 0.5) / LOG_TABLE  # exact floats
        logc = [_pair(arb(float(v)).log()) for v in centres]
        _CONST = {"inv_step": float(1 / step.mid()), "L1": L1, "L2": L2, "L3": L3, "L3err": L3err,
                  "Th": np.array([t[0] for t in table]), "Tl": np.array([t[1] for t in table]),
                  "Trad": max(t[2] for t in table), "ln2_hi": ln2_hi, "ln2_lo": ln2_lo, "ln2_rad": ln2_rad,
                  "centres": centres, "logc_hi": np.array([v[0] for v in logc]),
                  "logc_lo": np.array([v[1] for v in logc]), "logc_rad": max(v[2] for v in logc)}
        return _CONST
    finally:
        flint.ctx.prec = saved


# --- the per-iteration plan -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PairPlan:
    """What every chunk needs, for all components at once (``K·d`` columns, component-major)."""

    shift: np.ndarray  # d: the common integer shift s
    vmax: float  # |X − s| <= vmax for every point
    A1: np.ndarray  # Kd × (d + 1): first slice of every component's [P; −(μ − s)P], transposed (exact products
    A2: np.ndarray  # with [V, 1]); the second slice;
    Ar: np.ndarray  # the rest, with P's and (μ − s)P's low parts: a float product
    yerr: np.ndarray  # Kd: |y − (h + l)| <= yerr, y = (x − μ)P the exact value
    eps_A: np.ndarray  # K: vᵀΣ⁻¹v ∈ ‖vᵀP‖²(1 ± eps_A)
    minus_hi: np.ndarray  # K × K: [top, c] = const_c − const_top, double-double with radius
    minus_lo: np.ndarray
    minus_rad: np.ndarray
    const: np.ndarray  # K: log π − ½ log|Σ| − (d/2) log 2π (for the log-likelihood), double-double
    const_lo: np.ndarray
    const_rad: np.ndarray
    zslices: int  # 21-bit slices of Z = [1, V, V_i V_j]

    @property
    def K(self) -> int:
        return len(self.const)


def _cholesky(S: arb_mat) -> arb_mat:
    d = S.nrows()
    L = [[arb(0)] * d for _ in range(d)]
    for j in range(d):
        v = S[j, j] - sum((L[j][k] * L[j][k] for k in range(j)), arb(0))
        if not v > 0:
            raise Declined("a covariance enclosure is not positive definite")
        L[j][j] = v.sqrt()
        for i in range(j + 1, d):
            L[i][j] = (S[i, j] - sum((L[i][k] * L[j][k] for k in range(j)), arb(0))) / L[j][j]
    return arb_mat(L)


def _slices(M: np.ndarray, e: np.ndarray, tau: int):
    """Two exact slices of ``M`` on the column grids ``2^(e − τ)``, ``2^(e − 2τ)`` and the exact rest."""
    S1 = np.ldexp(np.rint(np.ldexp(M, tau - e)), e - tau)
    R1 = M - S1  # exact: within half a grid step of M, on M's own grid
    S2 = np.ldexp(np.rint(np.ldexp(R1, 2 * tau - e)), e - 2 * tau)
    return S1, S2, R1 - S2


def _component(weight: arb, mean, cov, scale, shift: np.ndarray, vmax: float):
    """One component's slices of ``[P; −(μ − s)P]``, the bound of ``y``'s error and ε_A (arb in, floats out)."""
    d = len(mean)
    S = arb_mat([[cov[i][j] / (scale * scale) for j in range(d)] for i in range(d)])
    P = _cholesky(S).inv().transpose()  # Σ⁻¹ = P Pᵀ (in the units of X)
    Phi = np.array([[ball_float(P[i, j])[0] for j in range(d)] for i in range(d)])
    Plo = np.array([[ball_float(P[i, j] - arb(float(Phi[i, j])))[0] for j in range(d)] for i in range(d)])
    Pa = arb_mat([[arb(float(Phi[i, j])) + arb(float(Plo[i, j])) for j in range(d)] for i in range(d)])
    At = Pa * Pa.transpose()
    diff = S.inv() - At
    norm_diff = two_norm_upper([[upper(abs(diff[i, j])) for j in range(d)] for i in range(d)])
    norm_inv = two_norm_upper([[upper(abs(v)) for v in row] for row in At.inv().tolist()])
    eps_A = norm_diff * norm_inv * SAFE
    if not eps_A < 2.0**-20:  # inf (a norm beyond float64) or NaN: dq would be inf·0 = NaN
        raise Declined("a covariance's factor is beyond float64's range")
    beta = [mean[i] / scale - arb(float(shift[i])) for i in range(d)]
    w = [_pair(sum((beta[i] * Pa[i, k] for i in range(d)), arb(0))) for k in range(d)]
    bmax = max(upper(abs(b)) for b in beta)
    # y = [V, 1]·[P; −w] column by column: P's and w's high parts cut into two slices on the grids
    # 2^(e_k − τ), 2^(e_k − 2τ) (|P_jk| < 2^e_k), with d·2^τ·(vmax + 1.02·bmax) + 2 <= 2^53, so that every
    # partial sum of a slice's products (|V_j| <= vmax, |w_k| <= d·bmax·2^e_k) is an exact float
    tau = 53 - math.ceil(math.log2(d * (vmax + 1.02 * bmax) + 2)) - 1
    e = np.array([math.frexp(float(np.abs(Phi[:, k]).max(initial=0)) or 1.0)[1] for k in range(d)])
    if tau < 4 or int(e.min()) - 2 * tau < -1000:
        raise Declined("a start mean or covariance is beyond the double-double slices' range")
    high = np.vstack([Phi, -np.array([v[0] for v in w])])
    low = np.vstack([Plo, -np.array([v[1] for v in w])])
    A1, A2, rest = _slices(high, e, tau)
    Ar = rest + low  # rounds: |Ar − (rest + low)| <= u|Ar|
    absAr = np.abs(Ar)
    B3 = (vmax * absAr[:d].sum(axis=0) + absAr[d]) * 1.01  # >= |fl([V, 1]·Ar)|
    B2 = (d * vmax + 1) * np.ldexp(1.0, e - tau - 1) * 1.01  # |A2| <= 2^(e − τ − 1) (and the rounding up)
    E3 = (vmax * absAr[:d].sum(axis=0) + absAr[d]) * (gamma(d + 1) + U) * 1.01  # the product and Ar's rounding
    yerr = (E3 + U * (B2 + B3) * 1.01 + np.array([v[2] for v in w])) * SAFE  # l = fl(Y2 + Y3)
    return A1, A2, Ar, yerr, eps_A


def pair_plan(weights, means, covs, scale: Fraction, column_range, prec: int = 192) -> "PairPlan | str":
    """The plan for the start ``(weights, means, covs)`` (arb balls in the points' units) over data with
    per-column ``(low, high)`` integers ``column_range``; or why this kernel does not apply."""
    lo, hi = (np.asarray(v, dtype=np.float64) for v in column_range)
    shift = np.floor((lo + hi) / 2)  # exact: integers below 2^52
    vmax = float(np.maximum(hi - shift, shift - lo).max(initial=0))
    if not vmax < 2.0**VBITS:
        return f"the points spread over {vmax:.3g} units of their last digit (the double-double kernel takes < 2^26)"
    vbits = max(1, math.frexp(vmax)[1])  # vmax < 2^vbits
    zbits = 2 * vbits  # |Z| < 2^zbits
    saved = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        q = flint.fmpq(scale.numerator, scale.denominator)
        K, d = len(weights), len(means[0])
        parts = [_component(w, m, c, q, shift, vmax) for w, m, c in zip(weights, means, covs)]
        consts, full = [], []
        for w, c in zip(weights, covs):
            det = arb_mat([[c[i][j] for j in range(d)] for i in range(d)]).det()
            if not det > 0:
                raise Declined("a covariance enclosure is not positive definite")
            consts.append(w.log() - det.log() / 2)
            full.append(_pair(consts[-1] - (2 * arb.pi()).log() * d / 2))
        minus = [[_pair(consts[c] - consts[t]) for c in range(K)] for t in range(K)]
    except (ZeroDivisionError, ValueError, OverflowError):
        raise Declined("a covariance enclosure cannot be inverted at this precision") from None
    finally:
        flint.ctx.prec = saved
    A1, A2, Ar = (np.ascontiguousarray(np.hstack([p[k] for p in parts]).T) for k in range(3))
    yerr = np.hstack([p[3] for p in parts])
    return PairPlan(shift, vmax, A1, A2, Ar, yerr, np.array([p[4] for p in parts]),
                    np.array([[v[0] for v in row] for row in minus]),
                    np.array([[v[1] for v in row] for row in minus]),
                    np.array([[v[2] for v in row] for row in minus]),
                    np.array([v[0] for v in full]), np.array([v[1] for v in full]), np.array([v[2] for v in full]),
                    -(-zbits // SLICE))


# --- a chunk -------------------------------------------------------------------------------------------

def _quadratic_forms(V1: np.ndarray, plan: PairPlan, d: int):
    """``q = qh + ql`` per component and point (K × m) and a bound ``dq`` of its distance from the exact
    ``(x − μ)ᵀ Σ⁻¹ (x − μ)``; ``V1 = [Vᵀ; 1]`` ((d + 1) × m)."""
    m = V1.shape[1]
    K = plan.K
    h = plan.A1 @ V1  # exact, Kd × m
    l = plan.A2 @ V1 + plan.Ar @ V1  # noqa: E741  (the first product exact)
    p, pe = two_square(h)
    terms = (2 * h + l) * l + pe
    p3, t3 = p.reshape(K, d, m), terms.reshape(K, d, m)
    qh = p3[:, 0].copy()
    low = t3[:, 0].copy()
    cross = np.abs(low)
    for j in range(1, d):  # in a fixed order: a point's value depends on that point alone
        qh, es = two_sum(qh, p3[:, j])
        low += t3[:, j] + es
        cross += np.abs(t3[:, j]) + np.abs(es)
    # low's roundings: 3d terms, each |(2h + l)l| rounded twice; |pe| <= u p, |es| <= u·qh
    dq_comp = gamma(3 * d + 2) * (2 * d * U * qh + cross) * 1.02
    # the y's own errors: |y_k − (h_k + l_k)| <= yerr_k, so ‖ε‖ <= ‖yerr‖
    eps = (np.sqrt((plan.yerr.reshape(K, d) ** 2).sum(axis=1)) * 1.01)[:, None]
    q_abs = qh + np.abs(low)
    dq_y = (2 * eps * np.sqrt(q_abs) * 1.01 + eps * eps) * 1.02
    eps_A = plan.eps_A[:, None]
    dq = ((dq_comp + dq_y) * (1 + eps_A) + eps_A * q_abs * 1.01) * SAFE + 8 * d * ETA
    if not (np.isfinite(qh).all() and np.isfinite(low).all() and np.isfinite(dq).all()):
        raise Declined("a quadratic form is beyond float64's range")  # NaN would pass every later check
    return qh, low, dq


def _exp_pair(th, tl):
    """``exp(th + tl)`` as ``eh + el`` (normalised: |el| <= u|eh|), a relative bound ``rho`` of the
    computation (and the reduction), and ``tiny`` (there ``eh = el = 0``, exp <= 2^-1000)."""
    c = _constants()
    tiny = ~(th >= TINY_ARG)
    th = np.where(tiny, 0.0, th)
    tl = np.where(tiny, 0.0, tl)
    k = np.rint(th * c["inv_step"])
    if float(np.abs(k).max(initial=0)) >= KMAX:
        raise Declined("an exp argument beyond the table's range")
    r1 = th - k * c["L1"]  # exact: k·L1 exact, and Sterbenz (or k = 0)
    kp = k * c["L2"]  # exact: 21 × 32 bits
    rh, re = two_sum(r1, -kp)
    kl3 = k * c["L3"]
    rl = (re + (tl - kl3))
    if float(np.abs(rh).max(initial=0)) > RMAX:
        raise Declined("exp argument reduction out of range")
    z = rh
    P = z * z * (0.5 + z * (1 / 6 + z * (1 / 24 + z * (1 / 120 + z * (1 / 720)))))
    oh, oe = fast_two_sum(1.0, rh)
    ol = oe + (P + rl * (1.0 + rh))  # e^(rh + rl) = (1 + rh + P)(1 + rl + ...): the cross term rl·rh kept
    ki = k.astype(np.int64)
    j = ki % EXP_TABLE
    Th, Tl = c["Th"][j], c["Tl"][j]
    eh, ee = two_prod(Th, oh)
    el = ee + (Th * ol + Tl * oh)
    eh, el = fast_two_sum(eh, el)
    ex = (ki - j) // EXP_TABLE
    eh = np.ldexp(eh, ex)
    el = np.ldexp(el, ex)
    eh[tiny] = 0.0
    el[tiny] = 0.0
    arl = np.abs(rl)
    # the reduction: rl's two roundings and L3's error; the polynomial: truncation after z^6 and its
    # roundings (|P| <= 0.51 z²); ol's two roundings; the table entry's radius; el's two roundings
    red = 2.2 * U * (U * RMAX + np.abs(tl) + KMAX * abs(c["L3"])) + KMAX * c["L3err"]
    comp = (RMAX**7 / 4000 + 4 * U * RMAX * RMAX + 2.2 * U * (U + 0.51 * RMAX * RMAX + 1.01 * arl)
            + arl * (0.51 * RMAX * RMAX + 0.52 * arl)
            + 2 * c["Trad"] + 2.2 * U * (U * 2 + 2 * (U + 0.51 * RMAX * RMAX + arl) + 2 * U) + 2 * U2
            + 2 * U * (U + 0.51 * RMAX * RMAX + arl)) * 1.01  # the last: the product Tl·ol left out
    rho = (comp + 2.2 * U * arl + red * 1.01) * SAFE
    return eh, el, rho, tiny


def _log_pair(sh, sl):
    """``log(sh + sl)`` for ``sh >= 1``, ``|sl| <= u·sh``: a double-double ``Lh + Ll`` and an absolute bound."""
    c = _constants()
    f, e = np.frexp(sh)
    g = 2 * f  # [1, 2), exact
    ex = (e - 1).astype(np.float64)
    j = np.minimum(np.floor((g - 1) * LOG_TABLE), LOG_TABLE - 1).astype(np.int64)
    cj = c["centres"][j]
    num = g - cj  # exact (Sterbenz)
    zh = num / cj
    p, pe = two_prod(zh, cj)
    zl = ((num - p) - pe) / cj  # num − p exact; z = zh + zl within u·|zl|·2
    sq, sqe = two_square(zh)
    tail = zh * sq * (1 / 3 + zh * (-0.25 + zh * (0.2 + zh * (-1 / 6 + zh / 7))))  # z³/3 − … + z⁷/7
    a, ae = two_sum(zh, -0.5 * sq)  # z − z²/2, high part
    k1 = ex * c["ln2_hi"]  # exact: |ex| < 2^11, 40 bits
    s1, s1e = two_sum(k1, c["logc_hi"][j])
    Lh, s2e = two_sum(s1, a)
    r = sl / sh
    Ll = (((s1e + s2e) + (ex * c["ln2_lo"] + c["logc_lo"][j])) + ((ae + zl) - (0.5 * sqe + zh * zl))) + (tail + r)
    az, azl, at = np.abs(zh), np.abs(zl), np.abs(tail)
    err = (12 * U * (np.abs(s1e) + np.abs(s2e) + np.abs(ex * c["ln2_lo"]) + np.abs(c["logc_lo"][j]) + np.abs(ae)
                     + azl + 0.5 * np.abs(sqe) + az * azl + at + np.abs(r))
           + 4 * U * at + 2 * U * azl  # the tail's roundings; zl's own
           + (az + azl) ** 8 / 8 * 1.01 + az * az * azl * 1.01 + azl * azl  # truncation; the terms zl enters
           + r * r * 0.51 + np.abs(ex) * c["ln2_rad"] + c["logc_rad"] + 2.2 * U * U * np.abs(Lh)) * SAFE
    return Lh, Ll, err


def chunk_statistics(X: np.ndarray, plan: PairPlan, scale: Fraction, want_resp: bool = False):
    """Statistics of the integer points ``X`` (a chunk, groups of ``GROUP`` from its first row) and,
    when asked, the responsibilities with absolute bounds."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _chunk(np.asarray(X, dtype=np.float64), plan, scale, want_resp)


def _chunk(X, plan: PairPlan, scale, want_resp):
    m, d = X.shape
    K = plan.K
    ng = -(-m // GROUP)
    rows = ng * GROUP  # padded with points at the shift (their responsibilities are set to 0 below)
    V1 = np.zeros((d + 1, rows))
    np.subtract(X.T, plan.shift[:, None], out=V1[:d, :m])  # exact
    V1[d] = 1.0
    if float(np.abs(V1[:d]).max(initial=0)) > plan.vmax:
        raise Declined("a point lies outside the range the plan was made for")
    qh, ql, dq = _quadratic_forms(V1, plan, d)  # K × rows
    cols = np.arange(rows)
    top_c = (plan.const[:, None] - 0.5 * qh).argmax(axis=0)
    qh_t, ql_t, dq_t = qh[top_c, cols], ql[top_c, cols], dq[top_c, cols]
    # T_c = (const_c − const_top) − (q_c − q_top)/2 as a double-double
    dh, de = two_sum(qh, -qh_t)
    dl = (ql - ql_t) + de
    e_dl = 2.2 * U * (np.abs(ql) + np.abs(ql_t) + np.abs(de))
    mh, ml, mr = plan.minus_hi.T[:, top_c], plan.minus_lo.T[:, top_c], plan.minus_rad.T[:, top_c]
    th, te = two_sum(mh, -0.5 * dh)
    tl = (ml - 0.5 * dl) + te
    e_tl = 2.2 * U * (np.abs(ml) + 0.5 * np.abs(dl) + np.abs(te))
    th, tl = two_sum(th, tl)  # normalised (exact): |tl| <= u|th|, so the exp's low part stays small
    dT = (0.5 * (dq + dq_t) + mr + 0.5 * e_dl + e_tl + 4 * ETA) * SAFE
    th[top_c, cols] = 0.0
    tl[top_c, cols] = 0.0
    dT[top_c, cols] = 0.0
    # components certainly below e^-700 (|tl| <= u|th|) need no dT <= 1/4; NaN-safe; real points only
    negligible = th + dT < TINY_ARG
    if not float(np.where(negligible, 0.0, dT)[:, :m].max(initial=0)) <= 0.25:
        raise Declined("the log-densities' bounds are too wide")
    eh, el, rho, tiny = _exp_pair(th, tl)
    rhoE = (rho + dT * (1 + dT) * (1 + rho)) * SAFE  # e^x − 1 <= x + x² for x <= 1/2
    rhoE[top_c, cols] = 0.0  # exp(0) = 1 exactly
    below = tiny & (th + dT < BELOW_ARG)
    absE = np.where(below, 2.0**-1074, np.where(tiny, 2.0**-1000, eh * rhoE + 4 * ETA))
    # s = Σ E: the top term is (1, 0); the rest added in a fixed order
    sh = eh[0].copy()
    sl = el[0].copy()
    dS = absE[0].copy()
    for c in range(1, K):
        sh, es = two_sum(sh, eh[c])
        sl += el[c] + es
        dS += absE[c]
    sh, sl = fast_two_sum(sh, sl)  # sh >= 1
    dS = (dS * 1.01 + gamma(2 * K) * 2 * K * U * sh * 1.01) * SAFE  # |el| <= u·eh, |es| <= u·sh
    rho_s = dS / sh
    if not float(rho_s[:m].max(initial=0)) <= 0.25:
        raise Declined("the evidence's bound is too wide")
    # r = E / s as a double-double
    rh = eh / sh
    p, pe = two_prod(rh, sh)
    rl = (((eh - p) - pe) + (el - rh * sl)) / sh
    div = (3 + 2 * K) * (5 + 2 * K) * U2 * rh * 1.1 + 16 * ETA
    dR = (((rhoE + rho_s) / (1 - rho_s)) * (rh + np.abs(rl)) * 1.01 + div) * SAFE
    dR = np.where(below, 2.0**-1074, np.where(tiny, 2.0**-1000, dR))
    rh = np.where(tiny, 0.0, rh)
    rl = np.where(tiny, 0.0, rl)
    rh[:, m:] = rl[:, m:] = dR[:, m:] = 0.0  # the padding
    # the log-likelihood terms: the top log-density plus log s, double-doubles, kept as two floats
    ah, ae = two_sum(plan.const[top_c], -0.5 * qh_t)
    Lh, Ll, dL = _log_pair(sh, sl)
    term, te = two_sum(ah, Lh)
    term_lo = ((te + ae) + (plan.const_lo[top_c] - 0.5 * ql_t)) + Ll
    dterm = (plan.const_rad[top_c] + 0.5 * dq_t + 6 * U * (np.abs(te) + np.abs(ae) + np.abs(plan.const_lo[top_c])
                                                           + np.abs(ql_t) + np.abs(Ll))
             + dL + rho_s / (1 - rho_s) * 1.01 + 4 * ETA) * SAFE
    stats = _sums(V1, rh, rl, dR, np.stack([term[:m], term_lo[:m]]), dterm[:m], plan, scale, m)
    if want_resp:
        return stats, np.ascontiguousarray(rh[:, :m].T), np.ascontiguousarray(((dR + np.abs(rl)) * SAFE)[:, :m].T)
    return stats, None, None


def _z_matrix(V1: np.ndarray, d: int) -> np.ndarray:
    """``Zᵀ = [1; V; V_i V_j (i <= j)]`` (exact floats), one column per point, from ``V1 = [Vᵀ; 1]``."""
    pairs = [(i, j) for i in range(d) for j in range(i, d)]
    Z = np.empty((1 + d + len(pairs), V1.shape[1]))
    Z[0] = 1.0
    Z[1:1 + d] = V1[:d]
    for k, (i, j) in enumerate(pairs):
        np.multiply(V1[i], V1[j], out=Z[1 + d + k])
    return Z


def _sums(V1, rh, rl, dR, term, dterm, plan: PairPlan, scale, m: int) -> Statistics:
    """The statistics from responsibilities ``rh + rl`` (bounds ``dR``), K × rows (padding zero), and the
    log-likelihood terms (two floats each) with their bounds."""
    d = V1.shape[0] - 1
    K = plan.K
    rows = V1.shape[1]
    ng = rows // GROUP
    Zt = _z_matrix(V1, d)
    nz = len(Zt)
    Zg = Zt.reshape(nz, ng, GROUP).transpose(1, 2, 0)  # ng × GROUP × nz (a view)
    Rh, Rl, DR = (A.reshape(K, ng, GROUP).transpose(1, 0, 2) for A in (rh, rl, dR))  # ng × K × GROUP
    # r's two slices on each group's grid: multiples of 2^(E − 21), then of 2^(E − 42), at most 2^21 of
    # them (E: r < 2^E); the rest below 2^(E − 43), a float product. Two slices, not one: the covariance
    # subtracts N δδᵀ (δ: the new mean less the common shift), so the sums' error is multiplied by (δ/σ)²
    top = Rh.max(axis=2)  # ng × K
    E = np.frexp(top)[1][:, :, None]
    R1 = np.where((top > 0)[:, :, None] & (E - SLICE >= -1000), np.ldexp(np.rint(np.ldexp(Rh, SLICE - E)), E - SLICE), 0.0)
    rem = Rh - R1  # exact
    R2 = np.where((top > 0)[:, :, None] & (E - 2 * SLICE >= -1000),
                  np.ldexp(np.rint(np.ldexp(rem, 2 * SLICE - E)), E - 2 * SLICE), 0.0)
    Lr = (rem - R2) + Rl  # rem − R2 exact; |Lr − (rh − r1 − r2 + rl)| <= u|Lr|
    # Z's slices: multiples of 2^(21 t), each below 2^21 of them
    parts = []
    rest = Zt
    for t in range(plan.zslices - 1, 0, -1):
        hi = np.ldexp(np.floor(np.ldexp(rest, -SLICE * t)), SLICE * t)
        parts.append(hi)
        rest = rest - hi
    parts.append(rest)
    R12 = np.concatenate([R1, R2], axis=1)  # ng × 2K × GROUP
    exact_parts = []
    for P in parts:  # ng × 2K × nz, every entry exact
        both = np.matmul(R12, P.reshape(nz, ng, GROUP).transpose(1, 2, 0))
        exact_parts += [both[:, :K], both[:, K:]]
    float_part = np.matmul(Lr, Zg)
    absZ = np.abs(Zt).reshape(nz, ng, GROUP).transpose(1, 2, 0)
    bounds = np.matmul(np.concatenate([np.abs(Lr), DR], axis=1), absZ)  # ng × 2K × nz
    gG = gamma(GROUP)
    rad = ((gG + U) * bounds[:, :K] + bounds[:, K:]) / (1 - gG) * SAFE + 8 * GROUP * ETA
    mids = np.concatenate([p.reshape(ng, K * nz) for p in exact_parts] + [float_part.reshape(ng, K * nz)])
    if not (np.isfinite(mids).all() and np.isfinite(rad).all()):
        raise Declined("a group sum or its bound is not finite in float64")
    mid_sums = exact_column_sums(mids)
    rad_sums = exact_column_sums(rad.reshape(ng, K * nz))
    balls = [ExactBall(*aligned(a, b)) for a, b in zip(mid_sums, rad_sums)]
    # the log-likelihood: its terms summed exactly, their bounds per group (a sum of non-negative terms
    # in any order is at most (1 − γ) below the exact one) and the groups' bounds exactly
    if not (np.isfinite(term).all() and np.isfinite(dterm).all()):
        raise Declined("a log-likelihood term or its bound is not finite in float64")
    Dt = np.zeros(rows)
    Dt[:m] = dterm
    lsum = exact_column_sums(term.reshape(-1, 1))[0]  # every term's two floats
    lrad = exact_column_sums((Dt.reshape(ng, GROUP).sum(axis=1) / (1 - gG) * SAFE + GROUP * ETA).reshape(ng, 1))[0]
    loglik = ExactBall(*aligned(lsum, lrad))
    pairs = [(i, j) for i in range(d) for j in range(i, d)]
    s0, s1, s2 = [], [], []
    for c in range(K):
        at = c * nz
        s0.append(balls[at])
        s1.append(tuple(balls[at + 1:at + 1 + d]))
        full = [[None] * d for _ in range(d)]
        for k, (i, j) in enumerate(pairs):
            full[i][j] = full[j][i] = balls[at + 1 + d + k]
        s2.append(tuple(tuple(row) for row in full))
    return Statistics(tuple(s0), tuple(s1), tuple(s2), loglik, m, scale)
