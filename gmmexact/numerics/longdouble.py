"""The longdouble tier: certified enclosures of EM iterations over whole arrays, about 18 digits.

The float peer has about 16 digits, so its error is certified to two digits by enclosures good to
about 18: ``numpy.longdouble`` (64-bit significand on x86-64) with a-posteriori error bounds, instead
of arbitrary-precision balls for every point. Per iteration:

- E-step: ``quad = M · C`` with the exact integer monomial matrix ``M`` of the data (``monomials.py``
  layout, centred at an exact rational) and the coefficient columns ``C`` of the parameters (arb balls
  → longdouble midpoints + radii); rounding bounded by ``γ_{w+1} |M|·|C|`` (a float64 product);
- ``exp`` by Cody–Waite reduction, a 2048-entry table of 2^(j/2048) and a degree-4 Taylor polynomial
  whose rounding, truncation and argument errors are bounded in closed form (``TABLE``, ``DEGREE``);
  ``log`` of the evidence by a Newton correction with that ``exp``; every sum over points is blocked
  and pairwise with bound ``γ_k Σ|x|``;
- M-step: the sums ``Rᵀ · M`` the same way, then the engine's own exact formulas
  (``monomials.mstep_parameters``: every covariance type, fixed parameters, count offset, reg_covar)
  on arb balls of those few sums.

Every bound is an upper bound of the true error (float64 bound arithmetic is inflated by a factor
that covers its own rounding), so the digit counts derived from them are proven; only their
tightness depends on the platform's ``longdouble``. Eligible problems: data with a common denominator
whose centred integer numerators fit comfortably in 64 bits (``FastData.build``), or float64 data
below 2^28 in magnitude (``FastData.split``: each value exactly as a point of the binary grid 2^-s
plus a float64 remainder, whose exact contributions to the quadratic forms and to the M-step sums
are computed in float64 and bounded with ``γ_k``); ``FastData.of`` says why neither applies.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from operator import attrgetter

import flint
import numpy as np
from flint import arb, arb_mat

from . import intervals
from .floatbounds import heap_for_temporaries
from .floattier import fraction_arrays
from .intervals import MANT
from ..model.floatpoints import FloatPoints
from ..engine.monomials import Monomials, quad_coefficients

LD = np.longdouble
U = float(np.finfo(LD).eps) / 2  # unit roundoff of longdouble (2^-64 on x87)
SAFE = 1 + 1e-9  # covers the rounding of the float64 bound arithmetic itself


def gamma(k: int) -> float:
    """``γ_k = k·u / (1 − k·u)``, rounded up."""
    return k * U / (1 - k * U) * SAFE


# --- conversions between arb balls and (longdouble midpoint, float64 radius) ----------------------

def ld_to_arb(x) -> arb:
    """A finite longdouble as the exact ball it is."""
    n, d = LD(x).as_integer_ratio()
    return arb(n) / d if d & (d - 1) else arb((n, -(d.bit_length() - 1)))


def arb_to_ld2(x: arb) -> tuple[LD, float, float]:
    """``x`` as ``hi + lo`` (longdouble + float64 correction) and a radius: ``x ⊂ hi + lo ± rad``."""
    lo_q, hi_q = intervals_of(x)
    mid = (lo_q + hi_q) / 2
    hi = intervals.down(mid)
    low = float(mid - intervals.fraction(hi))
    centre = intervals.fraction(hi) + Fraction(low)
    return hi, low, _up_float(max(hi_q - centre, centre - lo_q))


def arb_to_ld(x: arb) -> tuple[LD, float]:
    """Midpoint (longdouble) and a radius (float64, rounded up) with ``x ⊂ [mid − rad, mid + rad]``."""
    lo, hi = intervals_of(x)
    mid = intervals.down((lo + hi) / 2)
    midq = intervals.fraction(mid)
    rad = max(hi - midq, midq - lo)
    return mid, _up_float(rad)


def intervals_of(x: arb) -> tuple[Fraction, Fraction]:
    from ..numerics.rounding import ball_bounds  # noqa: PLC0415

    return ball_bounds(x)


def _up_float(q: Fraction) -> float:
    f = float(q)
    return f if Fraction(f) >= q else math.nextafter(f, math.inf)


U64 = 2.0**-53  # unit roundoff of float64
TINY = 2.0**-1074  # the smallest float64 (subnormal): a bound of float64's absolute rounding error below 2^-1022
NORMAL64 = 2.0**-1022  # the smallest normal float64
GRID_BITS = 20  # float64 points split on the grid that puts the largest below 2^GRID_BITS


def gamma64(k: int) -> float:
    """``γ_k`` for float64 arithmetic, rounded up."""
    return k * U64 / (1 - k * U64) * SAFE


def arb_to_f64(x: arb) -> tuple[float, float]:
    """Midpoint (float64) and a radius (float64, rounded up) with ``x ⊂ [mid − rad, mid + rad]``."""
    lo, hi = intervals_of(x)
    mid = float((lo + hi) / 2)
    return mid, _up_float(max(hi - Fraction(mid), Fraction(mid) - lo))


def binary_floats(values) -> "np.ndarray | None":
    """The Fractions ``values`` as a float64 array if every one is exactly a float64 value, else ``None``.

    >>> binary_floats([Fraction(1, 4), Fraction(0.1)]).tolist(), binary_floats([Fraction(1, 3)])
    ([0.25, 0.1], None)
    """
    try:
        F = np.fromiter(map(float, values), dtype=np.float64, count=len(values))
    except OverflowError:
        return None
    ratios = map(float.as_integer_ratio, F.tolist())
    try:  # Fraction's own slots: no Python-level property call per value
        same = all(map(tuple.__eq__, ratios, zip(map(attrgetter("_numerator"), values),
                                                  map(attrgetter("_denominator"), values))))
    except AttributeError:
        same = all(map(tuple.__eq__, ratios, ((v.numerator, v.denominator) for v in values)))
    return F if same and np.isfinite(F).all() else None


@contextmanager
def steady_memory():
    """numpy's request for transparent huge pages switched off for the duration (restored after).

    numpy asks the kernel for huge pages on every array of 4 MB or more (``madvise``); where the kernel
    then compacts memory synchronously (``/sys/kernel/mm/transparent_hugepage/defrag = madvise``, a
    common default) the first touch of such an array can stall, by an amount that depends on the state
    of the whole machine's memory. Measured on the benchmark (n = 100000, d = 5, K = 4): 0.2 s of kernel
    time in a first certification with the request, 0.05 s without. The fast path's passes run in
    chunks that stay in cache; huge pages would not speed them up.

    >>> with steady_memory():
    ...     a = np.ones(10**6)
    >>> float(a.sum())
    1000000.0
    """
    heap_for_temporaries()  # and glibc's malloc thresholds raised, once per process
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    setter = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    if setter is None:
        yield
        return
    before = setter(False)
    try:
        yield
    finally:
        setter(before)


# --- the data, exactly, as integers --------------------------------------------------------------

@dataclass(frozen=True)
class FastData:
    """The points as ``(X + lo) / scale`` with integers ``X`` (int64) and float64 remainders ``lo`` (none
    for data on a grid); monomials of ``X`` about any integer centre."""

    X: np.ndarray  # n × d int64
    scale: int
    pairs: tuple[tuple[int, int], ...]
    lo: "np.ndarray | None" = None  # n × d float64 remainders: the points are (X + lo) / scale exactly

    @classmethod
    def build(cls, points) -> "FastData | str":
        """The integer form of ``points`` (Fractions), or the reason the fast path cannot be used."""
        if MANT < 60:
            return (f"this platform's longdouble has a {MANT}-bit significand; the fast path needs 64 "
                    "(x86-64 extended precision)")
        n, d = len(points), len(points[0])
        flat = [v for p in points for v in p]
        parts = fraction_arrays(flat)
        if parts is None:
            return "the points' numerators or denominators do not fit in 64-bit integers"
        nums, dens = parts
        scale = reduce(math.lcm, (int(v) for v in np.unique(dens)), 1)
        if scale > 2**40 or int(np.abs(nums).max(initial=0)) * scale >= 2**62:
            return "the points scaled to a common denominator do not fit in 64-bit integers"
        X = (nums * (scale // dens)).reshape(n, d)
        if int(np.abs(X).max(initial=0)) >= 2**29:
            return "the scaled points exceed 2^29 (their centred squares would not be exact)"
        return cls(X, scale, tuple((i, j) for i in range(d) for j in range(i, d)))

    @classmethod
    def build_floats(cls, F: np.ndarray) -> "FastData | str":
        """:meth:`build` for an n × d float64 array, without a Python object per value: float64 values
        are binary fractions, so their common denominator is the power of two of the finest one.

        >>> f = FastData.build_floats(np.array([[0.5, -3.0], [0.25, 2**20]]))
        >>> f.scale, f.X.tolist()
        (4, [[2, -12], [1, 4194304]])
        >>> FastData.build_floats(np.array([[0.1]]))
        'the points scaled to a common denominator do not fit in 64-bit integers'
        """
        if MANT < 60:
            return cls.build([])
        n, d = F.shape
        lo, hi = 0, 41  # the grid 2^-k holds every value for k = hi (if any k <= 40 does) and not for k < lo
        while lo < hi:
            k = (lo + hi) // 2
            G = np.ldexp(F, k)
            if np.array_equal(G, np.rint(G)):
                hi = k
            else:
                lo = k + 1
        if lo > 40:
            return "the points scaled to a common denominator do not fit in 64-bit integers"
        G = np.ldexp(F, lo)  # exact: a power-of-two scaling of finite values with |x|·2^40 far below overflow
        if float(np.abs(G).max(initial=0)) >= 2**29:
            return "the scaled points exceed 2^29 (their centred squares would not be exact)"
        return cls(G.astype(np.int64), 2**lo, tuple((i, j) for i in range(d) for j in range(i, d)))

    @classmethod
    def decimals(cls, points) -> "FastData | str":
        """:meth:`build` for decimal points (integers × 10^e): no Fraction per value.

        >>> from gmmexact.model.decimalpoints import DecimalPoints
        >>> f = FastData.decimals(DecimalPoints([[15, -2]], -1)); f.X.tolist(), f.scale
        ([[15, -2]], 10)
        """
        ints, e = points.integers, points.exponent
        if e > 0:
            if e > 9 or int(np.abs(ints).max(initial=0)) >= 2**29 // 10**e:
                return "the scaled points exceed 2^29 (their centred squares would not be exact)"
            X, scale = ints * 10**e, 1
        else:
            X, scale = np.array(ints), 10**-e
        if scale > 2**40 or int(np.abs(X).max(initial=0)) >= 2**29:
            return "the scaled points exceed 2^29 (their centred squares would not be exact)"
        d = X.shape[1]
        return cls(X, scale, tuple((i, j) for i in range(d) for j in range(i, d)))

    @classmethod
    def split(cls, points) -> "FastData | str":
        """Points that are float64 values, each split exactly as ``x = (X + lo) / 2^s``: integers ``X``
        (the grid part, handled like grid data) and float64 remainders ``|lo| <= 1/2``.

        ``s >= 0`` is one exponent for all columns, the largest with ``|X| <= 2^GRID_BITS`` (a finer grid
        widens the bounds of the grid part; a coarser one those of the remainders), or 0 for data up to
        2^28. ``x·2^s`` is exact (a power-of-two scaling) and so is ``x·2^s − rint(x·2^s)`` (the difference
        of a float and its nearest integer), so the split loses nothing.

        >>> f = FastData.split([[Fraction(0.1)], [Fraction(-3.25)]])
        >>> f.scale == 2**18, [Fraction(int(a)) + Fraction(float(b)) for a, b in zip(f.X[:, 0], f.lo[:, 0])] == [
        ...     Fraction(0.1) * 2**18, Fraction(-3.25) * 2**18]
        (True, True)
        """
        n, d = len(points), len(points[0])
        F = points.array if isinstance(points, FloatPoints) else binary_floats([v for p in points for v in p])
        if F is None:
            return "they are not all float64 values"
        top = float(np.abs(F).max(initial=0))
        e = math.frexp(top)[1] if top else 0  # |x| < 2^e
        if e > 28:
            return "float64 points of 2^28 or more in magnitude do not fit the fast path's 64-bit integers"
        s = max(GRID_BITS - e, 0)
        if s > 1000:
            return "float64 points all below 2^-972 in magnitude do not fit the fast path's scaling"
        G = np.ldexp(F, s).reshape(n, d)
        X = np.rint(G)
        lo = G - X
        return cls(X.astype(np.int64), 2**s, tuple((i, j) for i in range(d) for j in range(i, d)),
                   lo if lo.any() else None)

    @classmethod
    def of(cls, points) -> "FastData | str":
        """:meth:`build`, else :meth:`split` for float64 points, else the reason neither applies."""
        from ..model.decimalpoints import DecimalPoints  # noqa: PLC0415

        if isinstance(points, DecimalPoints) and points.integers.dtype == np.int64 and MANT >= 60:
            return cls.decimals(points)
        grid = cls.build_floats(points.array) if isinstance(points, FloatPoints) else cls.build(points)
        if not isinstance(grid, str) or MANT < 60:
            return grid
        floats = cls.split(points)
        return floats if not isinstance(floats, str) else f"{grid}, and {floats}"

    def layout(self, shift: np.ndarray) -> Monomials:
        """The monomial layout about ``shift / scale`` (no arrays: for the coefficient columns)."""
        return Monomials(tuple(Fraction(int(v), self.scale) for v in shift), self.scale, self.pairs, None)

    def monomials(self, shift: np.ndarray, rows: slice = slice(None)) -> "Centred":
        """Monomials of ``A = X[rows] − shift`` as rows ``[A_i A_j …, A_i …, 1]`` (w × m): exact int64
        and their absolute values (float64, rounded up)."""
        if MANT < 60:  # a narrow longdouble (float64) would round the products
            raise ArithmeticError("the fast path needs a longdouble significand of at least 60 bits")
        AT = np.ascontiguousarray((self.X[rows] - shift).T)
        d, n = AT.shape
        w = len(self.pairs) + d + 1
        Mi = np.empty((w, n), dtype=np.int64)  # |A| < 2^30: the products are exact in int64
        for k, (i, j) in enumerate(self.pairs):
            np.multiply(AT[i], AT[j], out=Mi[k])
        Mi[len(self.pairs):w - 1] = AT
        Mi[w - 1] = 1
        Mabs = np.abs(Mi).astype(np.float64)
        Mabs *= SAFE
        # Σ_k max_p |M_kp| >= max_p Σ_k |M_kp| (an upper bound is all the split of the coefficients needs)
        return Centred(self.layout(shift), Mi, Mabs, float(Mabs.max(axis=1, initial=0).sum()) * SAFE)

    def shift_near(self, point) -> np.ndarray:
        """The integer vector nearest ``point · scale`` (``point`` float or Fraction coordinates)."""
        return np.array([round(Fraction(v) * self.scale) if isinstance(v, Fraction) else int(np.rint(v * self.scale))
                         for v in point], dtype=np.int64)


@dataclass(frozen=True)
class Centred:
    """Monomials of the data about one integer centre (see :meth:`FastData.monomials`)."""

    mono: Monomials
    Mi: np.ndarray  # w × n int64, exact
    Mabs: np.ndarray  # w × n float64, ≥ |M|
    row_max: float  # ≥ max_p Σ_k |M_kp| (here Σ_k max_p |M_kp|)


def quadratic_forms(col: np.ndarray, low, rads, cm: Centred) -> tuple[np.ndarray, np.ndarray]:
    """``quad_p = Σ_k (col_k + low_k) M_kp`` (``col`` longdouble, ``low`` float64 corrections, ``rads``
    the radii of the coefficients' enclosures) and error bounds.

    The coefficients are split as ``col = c1·2^-s + rest`` with integers ``c1`` small enough that
    ``c1 · M`` is an exact int64 product; only ``(rest + low) · M`` (``|rest| <= 2^-s-1``) is rounded, in
    a float64 product. So the bound is about ``u·|quad|``, not ``w·u·Σ|col||M|``.
    """
    w = len(col)
    cabs = np.abs(col).astype(np.float64) * SAFE
    qabs = cabs @ cm.Mabs
    top = float(qabs.max(initial=0)) + 1
    s = 61 - math.ceil(math.log2(top))
    big = cm.row_max
    while s > -1000 and 2.0**s * top * SAFE + 0.5 * big >= 2.0**62:
        s -= 1
    c1 = np.rint(np.ldexp(col, s))
    c1 = np.where(np.abs(c1) < LD(2.0**62), c1, 0)  # a coefficient too large to split stays in the rest
    exact = c1.astype(np.int64) @ cm.Mi  # |partial sums| < 2^62: exact
    rest = col - np.ldexp(c1, -s)  # exact: the low bits of col
    small = rest.astype(np.float64) + np.asarray(low, dtype=np.float64)  # rounded: covered below
    rounded = small @ cm.Mi.astype(np.float64)
    quad = np.ldexp(exact.astype(LD), -s) + rounded.astype(LD)
    small_abs = (np.abs(rest).astype(np.float64) + np.abs(np.asarray(low, dtype=np.float64))) * SAFE
    err = ((w + 4) * 2.0**-53 * (small_abs @ cm.Mabs)
           + U * np.abs(quad).astype(np.float64) + np.asarray(rads, dtype=np.float64) @ cm.Mabs) * SAFE
    return quad, err


# --- the float64 remainders: their exact contributions, computed and bounded ------------------------

@dataclass(frozen=True)
class LowForm:
    """One component's quadratic form in the integer units of the data, as float64 with radii:
    ``b = mean·scale − shift`` (the mean about the centre) and ``P = inv / scale²``."""

    b: np.ndarray  # d
    brad: np.ndarray  # d
    P: np.ndarray  # d × d
    Prad: np.ndarray  # d × d

    @classmethod
    def of(cls, mean, inv_rows, shift, scale: int) -> "LowForm":
        d = len(mean)
        b = [arb_to_f64(mean[i] * scale - int(shift[i])) for i in range(d)]
        P = [[arb_to_f64(inv_rows[i][j] / (scale * scale)) for j in range(d)] for i in range(d)]
        return cls(np.array([v[0] for v in b]), np.array([v[1] for v in b]),
                   np.array([[v[0] for v in row] for row in P]), np.array([[v[1] for v in row] for row in P]))


def low_quadratic(form: LowForm, cm: Centred, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the remainders add to the quadratic forms of the grid parts, and error bounds.

    With ``A = X − shift`` (exact) and remainders ``L`` (``lo`` rows of the chunk), the point is
    ``(A + L)/a`` about the centre and ``q(A + L) − q(A) = (2(A − b) + L)ᵀ P L``: computed in float64 as
    ``z = 2(A − b) + L`` (error ``Δz <= 2 rad b + 2u|A − b| + u|z|``), then ``(z P) · L`` (error
    ``γ_{2d+2} |z| |P| |L|``), plus the radii of ``P`` and the error of ``z`` carried through ``|P| |L|``.
    The terms are of the order of the remainders (``|L| <= 1/2`` against ``|A|`` up to ``2^29``), so
    their float64 rounding costs less than the longdouble rounding of ``q(A)``.
    """
    d = len(form.b)
    k = len(cm.mono.pairs)
    A = cm.Mi[k:k + d].T.astype(np.float64)  # exact: |A| < 2^30
    t = A - form.b
    z = 2 * t + lo
    dz = (2 * form.brad + 2 * U64 * np.abs(t) + U64 * np.abs(z)) * SAFE
    corr = ((z @ form.P) * lo).sum(axis=1)
    absP = np.abs(form.P)
    labs = np.abs(lo)
    err = (((np.abs(z) @ (absP * gamma64(2 * d + 2) + form.Prad)) * labs).sum(axis=1)
           + ((dz @ (absP + form.Prad)) * labs).sum(axis=1)) * SAFE
    return corr, err


def low_moments(cm: Centred, lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the remainders add to each point's monomials ``[A_i A_j, A_i, 1]`` (rows, ``w × m``) and
    upper bounds of their absolute values: ``A_i L_j + L_i A_j + L_i L_j``, ``L_i`` and ``0``.

    Each product is rounded once and each pair term has two additions: error ``<= γ_5`` times the bound
    (the caller's γ includes it).
    """
    k = len(cm.mono.pairs)
    d = lo.shape[1]
    AT = cm.Mi[k:k + d].astype(np.float64)
    LT = np.ascontiguousarray(lo.T)
    aa, la = np.abs(AT), np.abs(LT)
    E = np.zeros((k + d + 1, LT.shape[1]))
    Eabs = np.zeros_like(E)
    for r, (i, j) in enumerate(cm.mono.pairs):
        E[r] = AT[i] * LT[j] + LT[i] * AT[j] + LT[i] * LT[j]
        Eabs[r] = aa[i] * la[j] + la[i] * aa[j] + la[i] * la[j]
    E[k:k + d] = LT
    Eabs[k:k + d] = la
    Eabs *= SAFE
    return E, Eabs


# --- rigorous elementwise exp and log on longdouble arrays ----------------------------------------

def _constants():
    saved = flint.ctx.prec
    flint.ctx.prec = 200
    try:
        step = arb(2).log() / TABLE
        sq = intervals_of(step)
        step_q = (sq[0] + sq[1]) / 2
        # L1: ln2/TABLE to 30 significant bits, so m·L1 is exact for |m| < 2^33
        e = step_q.numerator.bit_length() - step_q.denominator.bit_length()
        L1 = Fraction(math.floor(step_q * 2 ** (30 - e)), 2 ** (30 - e))
        rest = step - ld_to_arb(LD(L1.numerator) / LD(L1.denominator))
        l2, l2rad = arb_to_ld(rest)
        table = [_table_entry(arb(2) ** (arb(j) / TABLE)) for j in range(TABLE)]
        inv_step = arb_to_ld(1 / step)[0]
        log2pi = arb(2 * arb.pi()).log()
        return {"L1": LD(L1.numerator) / LD(L1.denominator), "l2": l2, "l2rad": l2rad,
                "table": np.array([t[0] for t in table], dtype=LD), "table_rel": max(t[1] for t in table),
                "inv_step": inv_step, "log2pi": log2pi,
                "coef": [arb_to_ld(1 / arb(math.factorial(i)))[0] for i in range(DEGREE + 1)]}
    finally:
        flint.ctx.prec = saved


def _table_entry(x: arb) -> tuple[LD, float]:
    """A ball in [1, 2) as a longdouble and a bound of its relative error: the midpoint's leading 64 bits
    (integer arithmetic, no Fractions) where longdouble holds them, else :func:`arb_to_ld`."""
    if MANT < 64:
        mid, rad = arb_to_ld(x)
        return mid, rad / float(mid) * SAFE
    mm, me = (int(v) for v in x.mid().man_exp())
    rm, re_ = (int(v) for v in x.rad().man_exp())
    shift = max(mm.bit_length() - 64, 0)
    value = np.ldexp(intervals.longdouble_of_int(mm >> shift), me + shift)  # exact: 64 bits; truncation error < 2^(me+shift)
    truncation = math.ldexp(1, me + shift) if shift else 0.0
    return value, (truncation + math.ldexp(rm, re_)) / float(value) * SAFE


_C = None
TABLE = 2048  # exp(x) = 2^k · 2^(j/2048) · exp(r), |r| <= ln2/4096
DEGREE = 4  # Taylor degree: truncation below 1.3e-21 relative for |r| <= ln2/4096
RMAX = 1.001 * math.log(2) / (2 * TABLE)  # |r| beyond this: the reduction went wrong
NEGLIGIBLE = np.ldexp(LD(1), -15870)  # exp of an argument below -11000 lies in [0, 2·NEGLIGIBLE]


def exp_nonpositive(y: np.ndarray, yerr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``exp`` of an exact argument within ``yerr`` of ``y <= 0``: values and relative error bounds.

    >>> e, rel = exp_nonpositive(np.array([0, -1, -700], dtype=np.longdouble), np.zeros(3))
    >>> bool(abs(float(e[1]) - math.exp(-1)) < 1e-16), bool(rel.max() < 1e-17)
    (True, True)
    """
    global _C
    if _C is None:
        _C = _constants()
    c = _C
    y = np.asarray(y, dtype=LD)
    m = np.rint(y * c["inv_step"])
    t = y - m * c["L1"]  # m·L1 exact
    ml2 = m * c["l2"]
    r = t - ml2
    p = np.full(y.shape, c["coef"][DEGREE], dtype=LD)
    for i in range(DEGREE - 1, -1, -1):
        p *= r
        p += c["coef"][i]
    finite = np.isfinite(r)
    # m = TABLE·k + j in int64 (longdouble floor is slow); arguments beyond the range are flagged below
    mi = np.maximum(np.where(finite, m, 0), LD(-2.0**40)).astype(np.int64)
    k = mi // TABLE
    j = mi - TABLE * k
    e = np.ldexp(c["table"][j] * p, k)
    yerr = np.asarray(yerr, dtype=np.float64)
    # far below: exp(y ± yerr) <= exp(-11000) < 2^-15869, enclosed as [0, 2^-15869] (the value 2^-15870, rel 1)
    negligible = finite & (y + LD(1) * yerr.astype(LD) <= -11000)
    finite &= y >= -11000  # near the end of the range (or beyond it): no accuracy claimed
    rmax = float(np.abs(np.where(finite, r, 0)).max(initial=0))
    if rmax > RMAX:
        raise ArithmeticError(f"exp argument reduction left |r| = {rmax}")
    # the reduction's error: U(|t| + |m·l2| + |r|) rounding t, m·l2 and r, with |t| <= |m·l2| + (1 + U)|r|,
    # plus |m| times l2's own error (its radius and the rounding of m·l2)
    l2 = abs(float(c["l2"]))
    rerr = (np.abs(m).astype(np.float64) * (3 * U * l2 * (1 + U) + c["l2rad"]) + 2.01 * U * rmax) * SAFE
    horner = gamma(2 * DEGREE + 1) * math.exp(2 * rmax)
    trunc = rmax ** (DEGREE + 1) / math.factorial(DEGREE + 1) * math.exp(2 * rmax)
    arg = yerr + rerr
    with np.errstate(over="ignore"):  # e^arg − 1, rounded up (SAFE covers expm1's own error)
        rel = (np.expm1(arg) + horner + trunc + c["table_rel"] + 2 * U) * SAFE
    tiny = ~finite | ~np.isfinite(rel)
    if tiny.any():
        rel = np.where(tiny, np.where(negligible, 1.0, np.inf), rel)
        e = np.where(tiny, np.where(negligible, NEGLIGIBLE, LD(0)), e)
    return e, rel


def log_at_least_one(s: np.ndarray, srel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log`` of exact values within relative ``srel`` of ``s >= 1``: values and absolute error bounds."""
    y0 = np.log(s)  # any approximation: corrected below with the certified exp
    e, erel = exp_nonpositive(-y0, np.zeros(s.shape))
    t = s * e
    trel = (srel + erel + U) * SAFE
    eps = t - 1  # exact (Sterbenz: t is near 1)
    epsf = np.abs(eps).astype(np.float64)
    out = y0 + eps
    err = (epsf * epsf + trel * (1 + 2 * trel) + U * np.abs(out).astype(np.float64)) * SAFE
    bad = ~(epsf + trel <= 1e-6)  # not near 1, or not bounded (NaN compares false): no claim
    return out, np.where(bad, np.inf, err)


BLOCK = 16


def blocked_sum(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Sum along the last axis: blocks of ``BLOCK`` terms in any order, then pairwise rounds.

    Returns the sum and ``k`` such that its rounding error is at most ``γ_k Σ|x|`` (a sum of m terms
    in any order has error at most ``γ_{m−1} Σ|x|``; each pairwise round adds one more addition).

    >>> total, k = blocked_sum(np.arange(40, dtype=np.longdouble))
    >>> float(total), k
    (780.0, 17)
    """
    n = x.shape[-1]
    pad = (-n) % BLOCK
    if pad:
        x = np.concatenate([x, np.zeros(x.shape[:-1] + (pad,), dtype=x.dtype)], axis=-1)
    x = x.reshape(x.shape[:-1] + (-1, BLOCK)).sum(axis=-1)
    total, levels = pairwise_sum(x)
    return total, levels + BLOCK - 1


def pairwise_sum(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Sum along the last axis in pairwise rounds; ``k`` rounds bound the error by ``γ_k Σ|x|``.

    >>> total, k = pairwise_sum(np.arange(5, dtype=np.longdouble))
    >>> float(total), k
    (10.0, 3)
    """
    levels = 0
    while x.shape[-1] > 1:
        if x.shape[-1] % 2:
            x = np.concatenate([x, np.zeros(x.shape[:-1] + (1,), dtype=x.dtype)], axis=-1)
        x = x[..., 0::2] + x[..., 1::2]
        levels += 1
    return x[..., 0], levels


# --- one iteration ------------------------------------------------------------------------------

@dataclass(frozen=True)
class FastIteration:
    """Enclosures of one iteration: responsibilities as value ± relative bound, the rest as arb balls."""

    resp: np.ndarray  # n × K longdouble
    resp_rel: np.ndarray  # n × K float64
    loglik: arb
    counts: list
    weights: list
    means: list
    covs: list
    resp_abs: "np.ndarray | None" = None  # n × K float64 absolute radii (tier 1), used instead of resp_rel


def lift(q):
    """An exact rational (or int) as an arb ball."""
    return arb(q.numerator) / q.denominator if isinstance(q, Fraction) else arb(q)


_lift = lift


CHUNK = 4096  # points per pass: every temporary stays in cache and is reused, none is mapped afresh


def iterate(data: FastData, problem, iterations: int, prec: int = 160, last_mstep: bool = True,
            chunk: int = CHUNK, keep_resp=None) -> list[FastIteration]:
    """Enclose ``iterations`` EM iterations of ``problem`` (fewer if a covariance is not invertible).

    Each component's sums and quadratic forms use monomials about an integer centre near its mean, so
    the bounds do not pay for the distance between the component and the data's centre. The points
    are taken ``chunk`` at a time (the monomials of a chunk built, used and dropped), so the memory
    is O(n·K) and the passes run in cache; sums over points add a pairwise round over the chunks.
    ``last_mstep=False`` stops after the last E-step (its M-step quantities are then ``None``).
    ``keep_resp`` (a set of iterations, default all) keeps only those iterations' n × K responsibility
    arrays (the others become ``None``), so that a long run's memory stays O(n·K).
    """
    # bounds that overflow or meet inf·0 become inf or NaN: "no claim", turned into unbounded balls below
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        return _iterate(data, problem, iterations, prec, last_mstep, chunk, keep_resp)


def _iterate(data: FastData, problem, iterations: int, prec: int, last_mstep: bool, chunk: int,
             keep_resp=None) -> list[FastIteration]:
    n, d, K = problem.n, problem.d, problem.K
    saved = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        params = [(_lift(c.weight), [_lift(v) for v in c.mean], [[_lift(v) for v in row] for row in c.covariance])
                  for c in problem.components]
        if _C is None:
            exp_nonpositive(np.zeros(1, dtype=LD), np.zeros(1))
        log2pi = _C["log2pi"]
        chunks = [slice(a, min(a + chunk, n)) for a in range(0, n, max(1, chunk))]
        shifts = [data.shift_near(c.mean) for c in problem.components]
        out = []
        for t in range(1, iterations + 1):
            coefs, lcs, lc_rads, forms = [], [], [], []
            for c, (weight, mean, cov) in enumerate(params):
                got = _component_form(data, shifts[c], weight, mean, cov, log2pi)
                if got is None:  # not invertible, or beyond what longdouble and float64 bounds hold
                    return out
                coefs.append(got[0])
                forms.append(got[1])
                lcs.append(got[2])
                lc_rads.append(got[3])
            lcv = np.array(lcs, dtype=LD)
            lcr = np.array(lc_rads)
            resp = np.empty((n, K), dtype=LD)
            resp_rel = np.empty((n, K))
            terms = np.empty(n, dtype=LD)
            term_err = np.empty(n)
            for rows in chunks:
                m = rows.stop - rows.start
                q = np.empty((m, K), dtype=LD)
                qe = np.empty((m, K))
                for c in range(K):
                    cm = data.monomials(shifts[c], rows)
                    q[:, c], qe[:, c] = quadratic_forms(*coefs[c], cm)
                    if data.lo is not None:  # the remainders' part, then one more longdouble rounding
                        corr, cerr = low_quadratic(forms[c], cm, data.lo[rows])
                        q[:, c] += corr.astype(LD)
                        qe[:, c] = (qe[:, c] + cerr + U * np.abs(q[:, c]).astype(np.float64)) * SAFE
                resp[rows], resp_rel[rows], terms[rows], term_err[rows] = estep(q, qe, lcv, lcr, K)
            total, levels = blocked_sum(terms)
            loglik_err = (gamma(levels) * float(np.abs(terms).astype(np.float64).sum()) + float(term_err.sum())) * SAFE
            loglik = (ld_to_arb(total) + arb(0, loglik_err * (1 + 1e-9)) if math.isfinite(loglik_err)
                      and np.isfinite(total) else arb("nan"))
            if t == iterations and not last_mstep:
                out.append(FastIteration(resp, resp_rel, loglik, None, None, None, None))
                break
            # M-step: each component's sums about an integer centre near its new mean
            # each column scaled by a power of two (exact) so that its largest value is in [1, 2): float64
            # copies of responsibilities far below 1e-308 would underflow; the sums are scaled back in arb
            top = resp.max(axis=0)
            powers = [int(1 - e) if v > 0 and np.isfinite(v) else 0 for v, e in zip(top, np.frexp(top)[1])]
            resp_s = resp * np.ldexp(LD(1), np.array(powers))[None, :]
            R = resp_s.astype(np.float64)
            # the centres near the new means, count offset included (it pulls a component with
            # almost no responsibility to 0: a centre at the data would cancel against it)
            offset = float(min(problem.count_offset, Fraction(2**900)))
            total = R.sum(axis=0) + offset * np.ldexp(1.0, np.minimum(powers, 1000))
            approx = (R.T @ (data.X / data.scale)) / np.where(total > 0, total, 1)[:, None]
            shifts = [data.shift_near(approx[c]) if total[c] > 0 and np.isfinite(approx[c]).all() else shifts[c]
                      for c in range(K)]
            Rb = (R + TINY) * SAFE  # >= resp_s: float64 rounding is relative u, or absolute 2^-1075 when subnormal
            Rerr = resp_rel * Rb * SAFE
            parts = []
            for c in range(K):
                partial, mass, spread, chunk_levels = [], 0, 0, 0
                low, low_mass, low_spread, low_levels = [], 0, 0, 0
                for rows in chunks:
                    cm = data.monomials(shifts[c], rows)
                    S, lv = blocked_sum(cm.Mi.astype(LD) * resp_s[rows, c])
                    partial.append(S)
                    chunk_levels = max(chunk_levels, lv)
                    mass = mass + cm.Mabs @ Rb[rows, c]  # float64 bound sums: SAFE covers their rounding
                    spread = spread + cm.Mabs @ Rerr[rows, c]
                    if data.lo is not None:  # Σ r·(remainders' part of the monomials), in float64
                        E, Eabs = low_moments(cm, data.lo[rows])
                        T, lv = blocked_sum(E * R[rows, c])
                        low.append(T)
                        low_levels = max(low_levels, lv)
                        low_mass = low_mass + Eabs @ Rb[rows, c]
                        low_spread = low_spread + Eabs @ Rerr[rows, c]
                S, lv = pairwise_sum(np.stack(partial, axis=-1))
                levels = chunk_levels + lv
                err = (gamma(levels + 1) * mass + spread + U * np.abs(S).astype(np.float64)) * SAFE
                if data.lo is not None:
                    # E rounded in float64 (γ_5), resp rounded to float64 R (u), the float64 products
                    # and sums (blocks and pairwise rounds: ``γ_{k+1}``); resp's own bound through |E|.
                    # The remainders' terms are ~2^-20 of the grid part's, so float64 costs no digits.
                    T, lv = pairwise_sum(np.stack(low, axis=-1))
                    # plus underflow: E's terms and the products E·R, 2^-1075 each at most (R <= 2)
                    low_err = ((gamma64(5) + U64 + gamma64(low_levels + lv + 1)) * low_mass + low_spread
                               + 8 * n * TINY) * SAFE
                    S = S + T.astype(LD)
                    err = (err + low_err + U * np.abs(S).astype(np.float64)) * SAFE
                err = np.where(np.isnan(err), np.inf, err)  # inf·0 in a bound: no claim
                unscale = arb((1, -powers[c]))  # 2^-power, exact
                parts.append((data.layout(shifts[c]), [(ld_to_arb(S[k]) + arb(0, float(err[k]) * (1 + 1e-9))) * unscale
                                                        for k in range(len(S))]))
            counts, weights, means, covs = centred_mstep(parts, problem)
            kept = keep_resp is None or t in keep_resp
            out.append(FastIteration(resp if kept else None, resp_rel if kept else None, loglik, counts, weights,
                                     means, covs))
            params = list(zip(weights, means, covs))
        return out
    finally:
        flint.ctx.prec = saved


def _component_form(data: FastData, shift, weight, mean, cov, log2pi):
    """One component's quadratic-form coefficients (longdouble + float64 correction + radius), its
    remainders' form (float64 data) and its log-constant; ``None`` when the covariance enclosure is not
    invertible or positive, or its inverse or constant lie beyond longdouble/float64 range."""
    d = len(mean)
    try:
        A = arb_mat(cov)
        det = A.det()
        inv = A.inv()
        if not det > 0:
            return None
        inv_rows = [[inv[i, j] for j in range(d)] for i in range(d)]
        his, lows, rads = zip(*(arb_to_ld2(x) for x in quad_coefficients(data.layout(shift), mean, inv_rows, _lift)))
        coef = (np.array(his, dtype=LD), np.array(lows, dtype=np.float64), np.array(rads, dtype=np.float64))
        form = LowForm.of(mean, inv_rows, shift, data.scale) if data.lo is not None else None
        lc, lc_rad = arb_to_ld(weight.log() - det.log() / 2 - log2pi * d / 2)
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    if not (np.isfinite(coef[0]).all() and np.isfinite(coef[2]).all() and np.isfinite(lc) and math.isfinite(lc_rad)):
        return None
    return coef, form, lc, lc_rad


def estep(q, qe, lcv, lcr, K):
    """One chunk's E-step from its quadratic forms ``q`` (bounds ``qe``) and log-constants ``lcv`` (``lcr``):
    responsibilities with relative bounds, and each point's log-evidence with its absolute bound."""
    with np.errstate(over="ignore", invalid="ignore"):  # a bound beyond float64's range is inf: no claim
        return _estep_chunk(q, qe, lcv, lcr, K)


def _estep_chunk(q, qe, lcv, lcr, K):
    m = len(q)
    rows = np.arange(m)
    top = np.argmax(q * LD(-0.5) + lcv, axis=1)
    qtop = q[rows, top]
    zmax = qtop * LD(-0.5) + lcv[top]
    zmax_err = (qe[rows, top] / 2 + lcr[top] + U * np.abs(zmax).astype(np.float64)) * SAFE
    # y = z − z_top, formed from the differences (no rounding of the large constants)
    dq = q - qtop[:, None]
    table = lcv[None, :] - lcv[:, None]  # dl for each top component (K × K)
    dl = table[top]
    y = dq * LD(-0.5) + dl
    # rounding of dq, dl and y: U(|dq|/2 + |dl| + |y|) <= U(1 + U)(|dq| + 2|dl|)
    yerr = ((qe + qe[rows, top][:, None]) / 2 + lcr[None, :] + lcr[top][:, None]
            + 1.01 * U * (np.abs(dq).astype(np.float64) + 2 * np.abs(table.astype(np.float64))[top])) * SAFE
    yerr[rows, top] = 0  # z_top − z_top is 0 exactly
    e, erel = exp_nonpositive(y, yerr)
    s = e.sum(axis=1)  # K terms, each ≥ 0, the top one 1: |exact − s| <= Σ erel·e + (K − 1)u(1 + Ku)·s
    # Σ e·erel in float64, each term below float64's normal range taken as 2^-1022 (an upper bound of
    # it: its float64 copy may be 0 while e·erel is not); an unbounded term (erel = inf) gives inf
    spread = (np.maximum(e.astype(np.float64), NORMAL64) * erel).sum(axis=1)
    srel = (spread / s.astype(np.float64) + (K - 1) * U * (1 + K * U)) * SAFE
    resp = e / s[:, None]
    resp_rel = (erel + srel[:, None] + U) * (1 + erel + srel[:, None]) * SAFE
    logs, logs_err = log_at_least_one(s, srel)
    terms = zmax + logs
    term_err = (zmax_err + logs_err + U * np.abs(terms).astype(np.float64)) * SAFE
    return resp, resp_rel, terms, term_err


def centred_mstep(parts, problem):
    """The engine's M-step formulas (``monomials.mstep_parameters``) from per-component centred sums.

    ``parts[c] = (mono_c, S_c)``: sums ``Σ_p r_pc [A_i A_j, A_i, 1]`` about ``mono_c.center``. With
    ``m_c`` the count, ``o`` the count offset, ``ñ_c = m_c + o``, ``μ̃`` the centre and
    ``S1 = Σ r (x − μ̃)``: ``μ_c = μ̃ + (S1 − o μ̃)/ñ_c``, ``W_c = S2 − S1 δᵀ − δ S1ᵀ + m δδᵀ``
    (``δ = μ_c − μ̃``, small: no cancellation), ``G_c = W_c + o μ_c μ_cᵀ``; covariances and weights as
    documented there.
    """
    d, K, n = problem.d, problem.K, problem.n
    o = _lift(problem.count_offset)
    kind, fixed = problem.covariance_type, problem.fixed
    counts, weights, means, Ws, Gs, nts = [], [], [], [], [], []
    for c, (mono, S) in enumerate(parts):
        a = mono.scale
        m = S[mono.constant_column]
        nt = m + o
        S1 = [S[mono.linear_column(i)] / a for i in range(d)]
        centre = [_lift(v) for v in mono.center]
        if "mean" in fixed:
            mean = [_lift(v) for v in problem.components[c].mean]
        else:
            mean = [centre[i] + (S1[i] - o * centre[i]) / nt for i in range(d)]
        delta = [mean[i] - centre[i] for i in range(d)]
        S2 = {}
        for k, (i, j) in enumerate(mono.pairs):
            S2[i, j] = S2[j, i] = S[k] / (a * a)
        W = [[S2[i, j] - S1[i] * delta[j] - delta[i] * S1[j] + m * delta[i] * delta[j] for j in range(d)]
             for i in range(d)]
        G = [[W[i][j] + o * mean[i] * mean[j] for j in range(d)] for i in range(d)]
        counts.append(m)
        means.append(mean)
        Ws.append(W)
        Gs.append(G)
        nts.append(nt)
    if "weight" in fixed:
        weights = [_lift(c.weight) for c in problem.components]
    else:
        weights = [nt / (n + K * o) for nt in nts]
    zero = arb(0)
    if "covariance" in fixed:
        covs = [[[_lift(v) for v in row] for row in c.covariance] for c in problem.components]
        return counts, weights, means, covs
    if kind == "tied":
        total = [[sum((Gs[c][i][j] for c in range(K)), zero) for j in range(d)] for i in range(d)]
        shared = [[v / (n + K * o) for v in row] for row in total]
        covs = [shared] * K
    elif kind == "full":
        covs = [[[v / nt for v in row] for row in W] for W, nt in zip(Ws, nts)]
    else:
        covs = []
        for G, nt in zip(Gs, nts):
            var = [G[i][i] / nt for i in range(d)]
            if kind == "spherical":
                var = [sum(var, zero) / d] * d
            covs.append([[var[i] if i == j else zero for j in range(d)] for i in range(d)])
    reg = _lift(problem.reg_covar)
    if problem.reg_covar:
        covs = [[[v + reg if i == j else v for j, v in enumerate(row)] for i, row in enumerate(cov)] for cov in covs]
    return counts, weights, means, covs


# --- certified comparison with a peer ------------------------------------------------------------
