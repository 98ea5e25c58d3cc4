"""Float64 arithmetic with proven error bounds: the shared ground of tier 1's kernels.

The standard model ``fl(a ∘ b) = (a ∘ b)(1 + δ)``, ``|δ| <= u = 2^-53`` (plus ``2^-1074`` where a result is
subnormal), ``γ_k``; a float enclosure of an arb ball (:func:`ball_float`); upper bounds of norms; this
project's own ``exp`` and ``log`` on float arrays (table, reduction, polynomial: only IEEE ``+ − × ÷``,
``rint`` and ``ldexp``, so every value depends on its argument alone, never on the platform's libm); and
the exact sum of columns of floats.

>>> e, rel, tiny = exp_certified(np.array([-1.0]))
>>> bool(abs(e[0] - math.exp(-1)) <= rel * e[0]), rel < 4e-16
(True, True)
"""
from __future__ import annotations

import math
from fractions import Fraction  # noqa: F401  (the doctests)

import flint
import numpy as np
from flint import arb

U = 2.0**-53  # unit roundoff of float64
U1 = U / (1 - U)  # |a − fl(a)| <= U1·|fl(a)|
ETA = 2.0**-1074  # the absolute error of a result in float64's subnormal range
SAFE = 1 + 2.0**-30  # covers the rounding of the bound expressions themselves (a few dozen roundings)

def gamma(k: int) -> float:
    """``γ_k = k·u/(1 − k·u)``, rounded up."""
    return k * U / (1 - k * U) * SAFE


class Declined(ArithmeticError):
    """Tier 1 cannot bound this iteration (ill-conditioned, out of range, not float-exact data)."""


# --- certified exp and log on float64 arrays ----------------------------------------------------------

GROUP = 1024  # points whose sums are formed in float, then added exactly: chunks aligned to groups give the
# same bits for any partitioning (both tier-1 kernels)
EXP_TABLE = 1024  # exp(t) = 2^(k/1024) · exp(r), |r| <= ln2/2048
LOG_TABLE = 512  # log g = log c_j + log1p(g/c_j − 1), |g/c_j − 1| <= 1/1024
_K = None


def ball_float(x: arb) -> tuple[float, float]:
    """The float nearest the midpoint of ``x`` and a bound of its distance from every point of ``x``.

    >>> f, e = ball_float(arb(1) / 3); f == 1 / 3, 0 < e < 1e-16
    (True, True)
    """
    if not x.is_finite():
        raise ValueError("ball is not finite")
    f = float(x.mid())
    if not math.isfinite(f):
        raise OverflowError("ball beyond float64's range")
    gap = (x - arb(f)).abs_upper()
    err = float(gap)  # float() rounds to nearest: one step up makes it an upper bound
    if err == 0 and gap != 0:  # a gap below float64's smallest step: that step bounds it
        return f, 2.0**-1074
    return f, (math.nextafter(err, math.inf) if err else 0.0)


def _constants() -> dict:
    saved = flint.ctx.prec
    flint.ctx.prec = 240
    try:
        ln2 = arb(2).log()
        step = ln2 / EXP_TABLE
        step_mid = ball_float(step)[0]
        L1 = math.ldexp(math.floor(math.ldexp(step_mid, 42)), -42)  # 32 significant bits: k·L1 exact for |k| < 2^21
        L2, L2err = ball_float(step - arb(L1))
        ln2_hi = math.ldexp(math.floor(math.ldexp(float(ln2.mid()), 40)), -40)  # e·ln2_hi exact for |e| < 2^12
        ln2_lo, ln2_lo_err = ball_float(ln2 - arb(ln2_hi))
        table = np.array([ball_float(arb(2) ** (arb(j) / EXP_TABLE))[0] for j in range(EXP_TABLE)])
        centres = 1 + (np.arange(LOG_TABLE) + 0.5) / LOG_TABLE  # exact floats
        logc = [ball_float(arb(float(c)).log()) for c in centres]
        return {"inv_step": float(1 / step.mid()), "L1": L1, "L2": L2, "L2err": L2err, "table": table,
                "ln2_hi": ln2_hi, "ln2_lo": ln2_lo, "ln2_lo_err": ln2_lo_err, "centres": centres,
                "logc": np.array([v[0] for v in logc]), "logc_err": max(v[1] for v in logc),
                "c3": 1 / 6, "c4": 1 / 24}
    finally:
        flint.ctx.prec = saved


def _k() -> dict:
    global _K
    if _K is None:
        _K = _constants()
    return _K


TINY_ARG = -700.0  # exp below this argument is taken as [0, 2^-1000] (e^-693.2 = 2^-1000)
BELOW_ARG = -745.2  # exp below this argument is below 2^-1075 (e^-745.13 = 2^-1075)
RMAX = 1.0001 * math.log(2) / (2 * EXP_TABLE)
KMAX = 2.0**21  # |k| for arguments down to TINY_ARG (about 1.03e6): k·L1 stays exact


def exp_certified(t: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """``exp`` of float arguments ``t <= 0``: values ``e``, a relative error bound ``rel`` that holds
    wherever ``tiny`` is false, and ``tiny`` (there ``e = 0`` and ``exp(t) <= 2^-1000``).

    >>> e, rel, tiny = exp_certified(np.array([0.0, -1.0, -800.0]))
    >>> bool(e[0] == 1.0), bool(abs(e[1] - math.exp(-1)) < 1e-16), rel < 4e-16, tiny.tolist()
    (True, True, True, [False, False, True])
    """
    c = _k()
    tiny = ~(t >= TINY_ARG)  # NaN counts as tiny here; callers check finiteness
    tt = np.where(tiny, 0.0, t)
    k = np.rint(tt * c["inv_step"])
    r1 = tt - k * c["L1"]  # k·L1 exact (|k| < 2^21, L1 of 32 bits)
    r = r1 - k * c["L2"]
    kmax = float(np.abs(k).max(initial=0))
    rmax = float(np.abs(r).max(initial=0))
    if rmax > RMAX:
        raise Declined(f"exp argument reduction left |r| = {rmax}")
    q = r * c["c4"] + c["c3"]
    q = q * r + 0.5
    q = q * r + 1.0
    p = q * r + 1.0
    ki = k.astype(np.int64)
    j = ki % EXP_TABLE
    e = np.ldexp(c["table"][j] * p, (ki - j) // EXP_TABLE)
    e[tiny] = 0.0
    if kmax >= KMAX:
        raise Declined("an exp argument beyond the table's range")
    # one bound for every argument (not the array's largest |r| and |k|: a point's bound must not depend
    # on the other points of its chunk). The reduction: r1, k·L2 and r rounded, L2's own error times |k|
    dr = U1 * (2 * RMAX + 2 * KMAX * abs(c["L2"])) * 1.01 + KMAX * c["L2err"]
    # polynomial: the last two roundings dominate (|r|·7u from the rest); coefficients 1/6, 1/24 rounded
    poly = U * (1 + 8 * RMAX) * 1.01 + RMAX ** 5 / 120 * 1.01
    rel = (U * 1.0001 + U + poly + dr * 1.01) * 1.01 * SAFE  # table entry, product T·p, polynomial, argument
    return e, rel, tiny


def log_certified(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log`` of floats ``s >= 1``: values and absolute error bounds.

    >>> v, err = log_certified(np.array([1.0, 2.0, 3.5]))
    >>> bool(np.all(np.abs(v - np.log([1.0, 2.0, 3.5])) < 1e-15)), bool(err.max() < 2e-15)
    (True, True)
    """
    c = _k()
    f, e = np.frexp(s)
    g = 2 * f  # [1, 2), exact
    ex = (e - 1).astype(np.float64)
    j = np.minimum(np.floor((g - 1) * LOG_TABLE), LOG_TABLE - 1).astype(np.int64)
    z = g / c["centres"][j] - 1  # the division rounds once; the subtraction is exact (Sterbenz)
    pz = z * (1 + z * (-0.5 + z * (1 / 3 + z * (-0.25 + z * 0.2))))
    hi = ex * c["ln2_hi"] + c["logc"][j]
    lo = ex * c["ln2_lo"] + pz
    out = hi + lo
    az = np.abs(z)
    err = (U1 * (np.abs(ex * c["ln2_hi"]) + 2 * np.abs(hi) + 2 * np.abs(lo) + 2 * np.abs(ex * c["ln2_lo"])
                 + np.abs(out) + 2 * np.abs(pz))
           + c["logc_err"] + np.abs(ex) * c["ln2_lo_err"]
           + az * (8 * U + 1 / 1024 * 2.0**-52)  # Horner's roundings (|z| <= 2^-10) and the rounded 1/3, 0.2
           + az ** 6 / 6 * 1.01  # truncation of log1p after z^5
           + 1.0001 * U) * 1.01 * SAFE  # the division's rounding: log(1 + δ)
    return out, err



def upper(x: arb) -> float:
    """An upper bound of every point of ``x`` as a float (``inf`` beyond float64's range)."""
    if not x.is_finite():
        raise ValueError("ball is not finite")
    u = float(x.upper())
    return math.nextafter(u, math.inf) if math.isfinite(u) else math.inf


def two_norm_upper(M) -> float:
    """An upper bound of the 2-norm of a matrix of non-negative floats: min(‖M‖_F, √(‖M‖₁‖M‖_∞)),
    exact for diagonal matrices (so for the diag and spherical models).

    >>> n = two_norm_upper([[2.0, 0.0], [0.0, 0.5]]); bool(n >= 2.0), bool(n < 2.0 + 1e-8)
    (True, True)
    """
    A = np.asarray(M, dtype=np.float64)
    d = len(A)
    top = float(A.max(initial=0))
    if not top > 0 or not math.isfinite(top):
        return 0.0 if top == 0 else math.inf
    e = math.frexp(top)[1]
    A = np.ldexp(A, -e)  # exact (a power of two; entries far below the largest may round down: covered below)
    grow = (1 + 4 * (d + 2) * U) * SAFE
    floor = d * d * 2.0**-1074  # what scaling can lose to underflow, entry by entry
    fro = math.sqrt(float(np.sum(A * A)) + floor) * grow
    one, inf = float(A.sum(axis=0).max(initial=0)) + floor, float(A.sum(axis=1).max(initial=0)) + floor
    return math.ldexp(min(fro, math.sqrt(one * inf) * grow), e) * SAFE



def exact_column_sums(F: np.ndarray) -> list[tuple[int, int]]:
    """The exact sum of each column of finite floats as ``(mantissa, exponent)``: value ``mantissa·2^exponent``.

    >>> m, e = exact_column_sums(np.array([[0.1], [0.2]]))[0]; Fraction(m) * Fraction(2) ** e == Fraction(0.1) + Fraction(0.2)
    True
    """
    nb, cols = F.shape
    man, ex = np.frexp(F)
    M = np.ldexp(man, 53).astype(np.int64)  # exact: |M| < 2^53
    E = ex.astype(np.int64) - 53
    E = np.where(M == 0, E.max(axis=0, initial=-1074)[None, :], E)
    emin = E.min(axis=0, initial=0)
    shift = E - emin[None, :]
    group, small = np.divmod(shift, 8)  # M << small < 2^61: split into halves of 31 and 30 bits
    V = M << small
    hi, lo = V >> 30, V & (2**30 - 1)  # arithmetic shift: V = hi·2^30 + lo with 0 <= lo < 2^30
    G = int(group.max(initial=0)) + 1
    idx = (np.arange(cols)[None, :] * G + group).ravel()
    acc_hi = np.zeros(cols * G, dtype=np.int64)
    acc_lo = np.zeros(cols * G, dtype=np.int64)
    np.add.at(acc_hi, idx, hi.ravel())  # each sum of at most nb < 2^32 terms below 2^31: exact in int64
    np.add.at(acc_lo, idx, lo.ravel())
    out = []
    acc_hi, acc_lo = acc_hi.reshape(cols, G).tolist(), acc_lo.reshape(cols, G).tolist()
    for c in range(cols):
        total = 0
        for g in range(G):
            if acc_hi[c][g] or acc_lo[c][g]:
                total += ((acc_hi[c][g] << 30) + acc_lo[c][g]) << (8 * g)
        out.append((total, int(emin[c])))
    return out


def aligned(mid: tuple[int, int], rad: tuple[int, int]) -> tuple[int, int, int]:
    """Two exact sums ``(mantissa, exponent)`` (a midpoint and a radius) on one exponent, as
    :class:`~gmmexact.numerics.partitioned.ExactBall` takes them.

    >>> aligned((3, 2), (1, -1))
    (24, 1, -1)
    """
    (mm, me), (rm, re_) = mid, rad
    low = min(me if mm else re_, re_ if rm else me)
    return (mm << (me - low) if mm else 0), (rm << (re_ - low) if rm else 0), low


_HEAP_SET = False


def heap_for_temporaries() -> None:
    """Let glibc's malloc serve array temporaries below 32 MB from its heap and keep up to 64 MB of freed
    heap: the state its own dynamic thresholds reach in a process once it has freed large arrays, set at
    once. Until then it maps and unmaps every temporary above 128 KB, and each fresh page faults:
    measured on tier 1's 2.6 MB temporaries, elementwise operations 12 times slower, a whole iteration
    twice as slow, depending on what the process did before. Once per process, where glibc is the C
    library (nothing happens elsewhere).

    >>> heap_for_temporaries()
    """
    global _HEAP_SET
    if _HEAP_SET:
        return
    _HEAP_SET = True
    try:
        import ctypes  # noqa: PLC0415

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # no C library by that name, or no mallopt in it
        return
    mallopt(-3, 32 * 2**20)  # M_MMAP_THRESHOLD
    mallopt(-1, 64 * 2**20)  # M_TRIM_THRESHOLD

