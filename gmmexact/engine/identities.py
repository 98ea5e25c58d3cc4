"""Iteration 1 decided exactly: which of its transcendental-looking quantities are rational, and
whether one equals a given rational (a rounding boundary, say).

The method. In iteration 1 the data, means and covariances are rational, so every quadratic form
``q_pc`` is rational. With ``L`` the smallest positive integer making every ``k_pc = L·q_pc/2`` an
integer, ``e^{−q_pc/2} = t^{k_pc}`` for ``t = e^{−1/L}``, which is transcendental over the algebraic
numbers (Lindemann–Weierstrass). The joint ``π_c (2π)^{−d/2} |Σ_c|^{−1/2} t^{k_pc}`` loses its common
factor ``(2π)^{−d/2}`` in every responsibility, so each responsibility is ``a_c t^{e_pc} / B_p(t)``
with ``a_c = π_c |Σ_c|^{−1/2}``, ``e_pc = k_pc − min_j k_pj`` and ``B_p = Σ_j a_j t^{e_pj}``; the counts,
weights, means and covariances of iteration 1 (every covariance type, fixed parameters,
``count_offset``, ``reg_covar``: the formulas of :func:`~gmmexact.engine.monomials.mstep_parameters`,
run here on exact rational functions) and then ``dev`` and ``outer`` are rational functions of ``t``
with coefficients in the field ``F = Q(√|Σ_1|, …, √|Σ_K|)``.

The field. The radicands ``u_c·v_c`` (``|Σ_c| = u_c/v_c``) are split over a coprime base of
integers none of which is a square (gcd-based factor refinement: no integer factoring), so
``√(u_c v_c)`` is an integer times ``√(b_{i1} ⋯ b_{ir})``. The square roots of the products of distinct
base elements are linearly independent over Q (Kummer theory: no product of distinct pairwise
coprime non-squares is a square), so an element of F is a vector of rationals on that basis and is
zero exactly when every coordinate is. A polynomial in ``t`` over F is one sparse FLINT polynomial
(``fmpq_mpoly``; exponents can be huge) per basis element.

The decision. ``X = a`` (``a`` rational) holds exactly when the polynomial ``num(X) − a·den(X)`` is
identically zero: a non-zero polynomial with algebraic coefficients does not vanish at the
transcendental ``t``. ``X`` is rational exactly when ``num(X) = a·den(X)`` for the ``a`` read off one
coefficient. Denominators are kept as products of named factors (the product of the distinct
``B_p``, the count's numerator, …), so the usual cancellations happen without polynomial gcds.
Before any polynomial is built, ``X`` is evaluated twice modulo a prime P of 31 bits (``t`` and the
square roots mapped to residues, the roots with different signs; vectorised over the points): a
ring homomorphism, so two different images prove that ``X`` is not rational, and an image
different from ``a`` proves ``X ≠ a``. Only values that pass (in practice the rational ones) are
decided by the polynomials, so a pass by chance costs time, never correctness. The filter needs a
prime modulo which every base element is a square; with more than 12 base elements it is skipped.

Bounds and known gaps. A polynomial of more than ``MAX_TERMS`` terms, or with a coefficient of more
than ``MAX_BITS`` bits, is not built: the question is left open with :class:`Undecidable` saying why
(the cost is estimated before each product). Problems with more than ``MAX_ENTRIES`` point–component
pairs are not attempted at all, and :func:`known_rational` (the automatic look-up behind
``exact_entry``) only looks at problems of at most ``AUTO_ENTRIES`` pairs. Later iterations start
from transcendental parameters and are not covered; nor are the kinds involving ``π`` or
logarithms (``norm``, ``density``, ``joint``, ``evidence``, ``loglik``: whether they can be rational
is an open problem of transcendence theory). Only equality is decided: on which side of a rational
a different value lies is left to the enclosures, which always settle it eventually.

>>> from fractions import Fraction
>>> from gmmexact.model.problem import Problem
>>> from gmmexact.engine.exact import derive_exact
>>> p = Problem.from_arrays([-2, -1, 0, 1, 2], means=[-1, 1], covariances=[1, 1], weights=["1/2", "1/2"],
...                         names=["a", "b"])
>>> plan = derive_exact(p)
>>> rational_value(plan, "count.a"), equals(plan, "weight.b", Fraction(1, 2))
(Fraction(5, 2), True)
>>> rational_value(plan, "mean.a[0]") is None, equals(plan, "mean.a[0]", Fraction(-1))
(True, False)
"""
from __future__ import annotations

import random
import weakref
from fractions import Fraction
from math import gcd, isqrt, prod

import numpy as np
from flint import fmpq, fmpq_mpoly_ctx, fmpz, nmod_mat

from .exact import ExactPlan
from .monomials import MStepModel, mstep_parameters
from ..model.keys import Key

MAX_TERMS = 100_000
"""Largest polynomial (terms, over all basis elements of the field) the exact decision builds."""
MAX_BITS = 1_000_000
"""Largest coefficient (bits of numerator or denominator) the exact decision builds."""
MAX_ENTRIES = 1_000_000
"""Problems with more point–component pairs (n·K) are not attempted."""
AUTO_ENTRIES = 20_000
""":func:`known_rational` (behind ``exact_entry``) only looks at problems with at most this many n·K."""

DECIDED_KINDS = ("quad", "det", "inv", "exp", "resp", "count", "weight", "mean", "dev", "outer", "cov")
"""The kinds whose iteration-1 entries :func:`equals` and :func:`rational_value` decide."""
AUTO_KINDS = ("count", "weight", "mean", "dev", "outer", "cov")
"""The kinds :func:`known_rational` looks at: the only iteration-1 kinds that can be rational
without the exact layer knowing it (a responsibility or exponential is rational only when the exact
layer sees it: equal quadratic forms)."""


class Undecidable(ArithmeticError):
    """The exact decision was not attempted; ``reason`` says why (a cost bound, a kind, an iteration)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- the field F: square roots of products of a coprime base ---------------------------------------------

def coprime_base(numbers) -> list[int]:
    """Pairwise coprime integers > 1, none a square, over which every number of ``numbers`` (positive
    integers) is a product of powers (gcd-based factor refinement; nothing is factored).

    >>> coprime_base([12, 18])
    [2, 3]
    >>> coprime_base([36, 5])
    [5, 6]
    """
    base: list[int] = []
    todo = [int(x) for x in numbers]
    while todo:
        y = todo.pop()
        if y == 1:
            continue
        for i, b in enumerate(base):
            g = gcd(y, b)
            if g > 1:
                base.pop(i)
                todo += [g, b // g, y // g]  # the product of everything strictly decreases
                break
        else:
            base.append(y)
    out = []
    for b in base:
        r = isqrt(b)
        while r * r == b:  # a square base: its root has the same primes, so stays coprime to the rest
            b, r = r, isqrt(r)
        if b not in out:
            out.append(b)
    return sorted(out)


def _split(x: int, base: list[int]) -> tuple[int, int]:
    """``√x = r · √(Π_{i ∈ mask} base_i)``: the integer ``r`` and the bit mask."""
    r, mask = 1, 0
    for i, b in enumerate(base):
        e = 0
        while x % b == 0:
            x //= b
            e += 1
        r *= b ** (e // 2)
        if e % 2:
            mask |= 1 << i
    assert x == 1, "not a product of the base"
    return r, mask


class _Field:
    """Sparse polynomials in t over F: dicts ``mask → fmpq_mpoly`` (``mask`` names ``√(Π base_i)``)."""

    def __init__(self, base: list[int]):
        self.base = base
        self.ctx = fmpq_mpoly_ctx.get(("t",), "lex")
        self._factor: dict[int, int] = {}
        self.atoms: list[dict] = []  # named denominator factors (non-zero polynomials)
        self._expanded: dict[tuple, dict] = {(): self.const(Fraction(1))}

    def const(self, q) -> dict:
        q = Fraction(q)
        return {0: self.ctx.from_dict({(0,): fmpq(q.numerator, q.denominator)})} if q else {}

    def poly(self, mask: int, terms: dict) -> dict:
        p = self.ctx.from_dict({(e,): c for e, c in terms.items()})
        return {mask: p} if not p.is_zero() else {}

    def factor(self, common: int) -> int:
        if common not in self._factor:
            self._factor[common] = prod(b for i, b in enumerate(self.base) if common >> i & 1)
        return self._factor[common]

    @staticmethod
    def add(a: dict, b: dict, sign: int = 1) -> dict:
        out = dict(a)
        for m, p in b.items():
            if m in out:
                q = out[m] + p if sign > 0 else out[m] - p
            else:
                q = p if sign > 0 else -p
            if q.is_zero():
                out.pop(m, None)
            else:
                out[m] = q
        return out

    @staticmethod
    def scale(a: dict, q) -> dict:
        q = Fraction(q)
        if not q:
            return {}
        f = fmpq(q.numerator, q.denominator)
        return {m: p * f for m, p in a.items()}

    @staticmethod
    def terms(a: dict) -> int:
        return sum(len(p) for p in a.values())

    @staticmethod
    def bits(a: dict) -> int:
        return max((max(c.p.bit_length(), c.q.bit_length()) for p in a.values() for c in p.coeffs()),
                   default=0)

    @staticmethod
    def degree(a: dict) -> int:
        return max((p.degrees()[0] for p in a.values()), default=0)

    def mul(self, a: dict, b: dict) -> dict:
        """``a·b``, after checking that the product stays within ``MAX_TERMS`` and ``MAX_BITS``."""
        if not a or not b:
            return {}
        ta, tb = self.terms(a), self.terms(b)
        if ta > 1 and tb > 1:
            masks = min(len(a) * len(b), 1 << len(self.base))
            estimate = min(ta * tb, (self.degree(a) + self.degree(b) + 1) * masks)
            if estimate > MAX_TERMS:
                raise Undecidable(f"an exact polynomial would have about {estimate} terms "
                                  f"(the bound is {MAX_TERMS})")
        bits = self.bits(a) + self.bits(b) + min(ta, tb).bit_length() + 1
        if bits > MAX_BITS:
            raise Undecidable(f"an exact polynomial would have coefficients of about {bits} bits "
                              f"(the bound is {MAX_BITS})")
        out: dict = {}
        for m1, p1 in a.items():
            for m2, p2 in b.items():
                common = m1 & m2
                term = p1 * p2
                if common:
                    term = term * self.factor(common)
                m = m1 ^ m2
                out[m] = out[m] + term if m in out else term
        return {m: p for m, p in out.items() if not p.is_zero()}

    @staticmethod
    def equal(a: dict, b: dict) -> bool:
        return a.keys() == b.keys() and all(a[m] == b[m] for m in a)

    def multiple(self, a: dict, b: dict) -> Fraction | None:
        """The rational ``λ`` with ``a = λ·b`` (``b ≠ 0``), if there is one."""
        if a.keys() != b.keys() or any(len(a[m]) != len(b[m]) for m in a):
            return None
        m = next(iter(b))
        ca, cb = a[m].leading_coefficient(), b[m].leading_coefficient()
        lam = ca / cb
        if not all(a[k] == b[k] * lam for k in a):
            return None
        return Fraction(int(lam.p), int(lam.q))

    def atom(self, a: dict) -> tuple[int, Fraction]:
        """``a = λ·atom_i``: the index of a named factor (registered if new) and ``λ``."""
        for i, b in enumerate(self.atoms):
            lam = self.multiple(a, b)
            if lam is not None:
                return i, lam
        self.atoms.append(a)
        return len(self.atoms) - 1, Fraction(1)

    def expand(self, exps: dict) -> dict:
        """The product ``Π atom_i^{k_i}`` (``k_i ≥ 0``), cached."""
        key = tuple(sorted((i, k) for i, k in exps.items() if k))
        if key not in self._expanded:
            i, k = key[-1]
            rest = dict(key)
            rest[i] -= 1
            self._expanded[key] = self.mul(self.expand(rest), self.atoms[i])
        return self._expanded[key]


class _RF:
    """An element of F(t): ``poly · Π atom_i^{exps_i}`` (exponents of either sign)."""

    __slots__ = ("F", "poly", "exps")

    def __init__(self, F: _Field, poly: dict, exps: dict | None = None):
        self.F, self.poly = F, poly
        self.exps = {i: k for i, k in (exps or {}).items() if k} if poly else {}
        for i, k in list(self.exps.items()):  # poly = λ·atom with a negative power: cancel
            if k < 0:
                lam = F.multiple(self.poly, F.atoms[i])
                if lam is not None:
                    self.poly = F.const(lam)
                    self.exps[i] += 1
                    if not self.exps[i]:
                        del self.exps[i]
                    break

    def _lift(self, other) -> "_RF":
        return other if isinstance(other, _RF) else _RF(self.F, self.F.const(other))

    def __add__(self, other, sign: int = 1) -> "_RF":
        other = self._lift(other)
        F = self.F
        if not other.poly:
            return self
        if not self.poly:
            return other if sign > 0 else _RF(F, F.scale(other.poly, -1), other.exps)
        atoms = self.exps.keys() | other.exps.keys()
        low = {i: min(self.exps.get(i, 0), other.exps.get(i, 0)) for i in atoms}
        left = F.mul(self.poly, F.expand({i: self.exps.get(i, 0) - low[i] for i in atoms}))
        right = F.mul(other.poly, F.expand({i: other.exps.get(i, 0) - low[i] for i in atoms}))
        return _RF(F, F.add(left, right, sign), low)

    __radd__ = __add__

    def __sub__(self, other) -> "_RF":
        return self.__add__(other, -1)

    def __rsub__(self, other) -> "_RF":
        return self._lift(other).__add__(self, -1)

    def __neg__(self) -> "_RF":
        return _RF(self.F, self.F.scale(self.poly, -1), self.exps)

    def __mul__(self, other) -> "_RF":
        other = self._lift(other)
        exps = {i: self.exps.get(i, 0) + other.exps.get(i, 0) for i in self.exps.keys() | other.exps.keys()}
        return _RF(self.F, self.F.mul(self.poly, other.poly), exps)

    __rmul__ = __mul__

    def __truediv__(self, other) -> "_RF":
        other = self._lift(other)
        F = self.F
        if not other.poly:
            raise ZeroDivisionError("division by an exact zero")
        exps = {i: self.exps.get(i, 0) - other.exps.get(i, 0) for i in self.exps.keys() | other.exps.keys()}
        if set(other.poly) == {0} and other.poly[0].is_constant():
            c = other.poly[0].leading_coefficient()
            return _RF(F, F.scale(self.poly, 1 / Fraction(int(c.p), int(c.q))), exps)
        i, lam = F.atom(other.poly)
        exps[i] = exps.get(i, 0) - 1
        return _RF(F, F.scale(self.poly, 1 / lam), exps)

    def __rtruediv__(self, other) -> "_RF":
        return self._lift(other) / self

    def fraction(self) -> tuple[dict, dict]:
        """Numerator and denominator polynomials."""
        F = self.F
        num = F.mul(self.poly, F.expand({i: k for i, k in self.exps.items() if k > 0}))
        return num, F.expand({i: -k for i, k in self.exps.items() if k < 0})

    def rational(self) -> Fraction | None:
        """The rational value, or ``None`` when the function is not a rational constant."""
        num, den = self.fraction()
        m = next(iter(den))
        e, d = next(iter(den[m].terms()))
        n = num[m][e] if m in num else fmpq(0)
        a = n / d
        a = Fraction(int(a.p), int(a.q))
        return a if not self.F.add(num, self.F.scale(den, a), -1) else None

    def equals(self, a: Fraction) -> bool:
        num, den = self.fraction()
        return not self.F.add(num, self.F.scale(den, a), -1)


# --- images modulo a prime: fast proofs of inequality -------------------------------------------------

class _Mod:
    """A residue modulo the prime ``P`` (rationals enter through their residues)."""

    __slots__ = ("v", "P")

    def __init__(self, v: int, P: int):
        self.v, self.P = v % P, P

    def _c(self, o) -> int:
        if isinstance(o, _Mod):
            return o.v
        o = Fraction(o)
        den = o.denominator % self.P
        if not den:
            raise ZeroDivisionError("a denominator vanishes modulo the prime")
        return o.numerator * pow(den, -1, self.P) % self.P

    def __add__(self, o):
        return _Mod(self.v + self._c(o), self.P)

    __radd__ = __add__

    def __sub__(self, o):
        return _Mod(self.v - self._c(o), self.P)

    def __rsub__(self, o):
        return _Mod(self._c(o) - self.v, self.P)

    def __mul__(self, o):
        return _Mod(self.v * self._c(o), self.P)

    __rmul__ = __mul__

    def __neg__(self):
        return _Mod(-self.v, self.P)

    def __truediv__(self, o):
        d = self._c(o)
        if not d:
            raise ZeroDivisionError("an image vanishes modulo the prime")
        return _Mod(self.v * pow(d, -1, self.P), self.P)

    def __rtruediv__(self, o):
        return _Mod(self._c(o), self.P) / self


# --- iteration 1 of one plan -------------------------------------------------------------------------------

class _Iteration1:
    """The exact and modular forms of one plan's iteration 1 (built on demand, cached)."""

    def __init__(self, plan: ExactPlan):
        problem = plan.problem
        self.problem, self.mono = problem, plan.monomials
        it = plan.iterations[0]
        self.start, self.quad = it.start, it.quad
        self.n, self.K, self.d = problem.n, problem.K, problem.d
        self.model = MStepModel.of(problem)
        self.refused: str | None = None
        self._images = None
        self._exact = None
        self._field: _Field | None = None
        self._cache: dict = {}
        if self.n * self.K > MAX_ENTRIES:
            self.refused = (f"the problem has n·K = {self.n * self.K} point–component pairs "
                            f"(exact decisions are attempted up to {MAX_ENTRIES})")
            return
        # exponents: q_pc / 2 = k_pc / L, t = e^(−1/L)
        numer, den = self.quad.numer_denom()
        entries = [int(v) for v in numer.entries()]
        g = 2 * int(den)
        for v in entries:
            g = gcd(g, v)
        self.L = 2 * int(den) // g
        K = self.K
        self.k = [entries[p * K:(p + 1) * K] for p in range(self.n)]
        self.k = [[v // g for v in row] for row in self.k]
        # a_c = π_c / √|Σ_c| = π_c √(u v) / u  with |Σ_c| = u / v
        dets = [c.det for c in self.start]
        self.base = coprime_base([d.numerator * d.denominator for d in dets])
        self.coef = []
        for c, det in zip(self.start, dets):
            r, mask = _split(det.numerator * det.denominator, self.base)
            self.coef.append((c.weight * r / det.numerator, mask))

    # -- the modular images ---------------------------------------------------------------------------------
    def images(self):
        """Two images of the iteration under homomorphisms to Z/P (``None`` if none was found)."""
        if self._images is None:
            self._images = ()
            rng = random.Random(20250101)
            for _ in range(8):
                try:
                    P = self._prime(rng)
                    if P is None:
                        break
                    roots = [pow(b % P, (P + 1) // 4, P) for b in self.base]
                    flips = [rng.random() < 0.5 for _ in self.base]
                    if self.base and not any(flips):
                        flips[rng.randrange(len(self.base))] = True
                    other = [P - r if f else r for r, f in zip(roots, flips)]
                    self._images = (self._image(P, rng.randrange(2, P - 1), roots),
                                    self._image(P, rng.randrange(2, P - 1), other))
                    break
                except ZeroDivisionError:
                    continue
        return self._images or None

    def _prime(self, rng) -> int | None:
        """A prime P ≡ 3 (mod 4) of 31 bits modulo which every base element is a non-zero square (one
        prime in about 2^s has that, for s base elements: beyond 12 of them the filter is skipped)."""
        if len(self.base) > 12:
            return None
        for _ in range(200_000):
            P = rng.getrandbits(31) | (1 << 30) | 3
            if fmpz(P).is_prime() and all(pow(b % P, (P - 1) // 2, P) == 1 for b in self.base):
                return P
        return None

    def _image(self, P: int, t0: int, roots: list[int]) -> dict:
        """The images of every responsibility and M-step value for ``t ↦ t0``, ``√base_i ↦ roots[i]``,
        vectorised (P < 2^31, so products of residues fit in 64 bits)."""
        K, n = self.K, self.n
        conv = lambda q: _Mod(_Mod(0, P)._c(q), P)  # noqa: E731
        a = []
        for rho, mask in self.coef:
            v = conv(rho).v
            for i, r in enumerate(roots):
                if mask >> i & 1:
                    v = v * r % P
            a.append(v)
        # t0^e = t0^(e mod (P − 1)) (Fermat); one square-and-multiply over the whole matrix
        exps = np.array([(v - min(row)) % (P - 1) for row in self.k for v in row], dtype=np.int64).reshape(n, K)
        powers = np.ones((n, K), dtype=np.int64)
        square = t0
        for bit in range(31):
            powers = np.where((exps >> bit) & 1, powers * square % P, powers)
            square = square * square % P
        terms = powers * np.array(a, dtype=np.int64) % P
        total = terms.sum(axis=1) % P
        if not total.all():
            raise ZeroDivisionError("an evidence vanishes modulo the prime")
        inverse = np.ones(n, dtype=np.int64)  # total^(P − 2)
        square = total
        for bit in range(31):
            if (P - 2) >> bit & 1:
                inverse = inverse * square % P
            square = square * square % P
        resp = terms * inverse[:, None] % P
        R = nmod_mat(K, n, resp.T.ravel().tolist(), P)
        sums = R * nmod_mat(self.mono.matrix, P)
        rows = [[_Mod(int(sums[c, j]), P) for j in range(self.mono.width)] for c in range(K)]
        counts, weights, means, covs = mstep_parameters(self.mono, rows, n, self.model, conv)
        return {"P": P, "resp": resp, "count": counts, "weight": weights, "mean": means, "cov": covs,
                "conv": conv}

    def _image_of(self, image: dict, key: Key, p, c) -> int:
        kind, e = key.kind, key.entry
        if kind == "resp":
            return int(image["resp"][p, c])
        if kind in ("count", "weight"):
            return image[kind][c].v
        if kind == "mean":
            return image["mean"][c][e[0]].v
        if kind == "cov":
            return image["cov"][c][e[0]][e[1]].v
        x = self.problem.points[p]
        dev = [image["conv"](x[i]) - image["mean"][c][i] for i in range(self.d)]
        return dev[e[0]].v if kind == "dev" else (dev[e[0]] * dev[e[1]]).v

    # -- the exact forms --------------------------------------------------------------------------------------
    def exact(self):
        """The counts, weights, means and covariances as exact rational functions (with the field)."""
        if self._exact is None:
            try:
                self._exact = self._build()
            except Undecidable as e:
                self._exact = e
        if isinstance(self._exact, Undecidable):
            raise self._exact
        return self._exact

    def _groups(self):
        """Points grouped by their normalised evidence polynomial ``B_p`` (equal ones share a factor)."""
        groups: dict = {}
        for p, row in enumerate(self.k):
            low = min(row)
            terms: dict = {}
            for c, (rho, mask) in enumerate(self.coef):
                slot = terms.setdefault(row[c] - low, {})
                slot[mask] = slot.get(mask, 0) + rho
            key = tuple(sorted((e, tuple(sorted(s.items()))) for e, s in terms.items()))
            groups.setdefault(key, []).append(p)
        return groups

    def field(self) -> _Field:
        if self._field is None:
            self._field = _Field(self.base)
        return self._field

    def _build(self):
        F = self.field()
        groups = self._groups()
        masks = 1 << len(self.base)
        estimate = min(prod(len(key) for key in groups), sum(key[-1][0] for key in groups) + 1) * masks
        if estimate > MAX_TERMS:
            raise Undecidable(f"the common denominator of the {len(groups)} distinct evidence polynomials would "
                              f"have about {estimate} terms (the bound is {MAX_TERMS})")
        width, K = self.mono.width, self.K
        M = self.mono.matrix
        leaves = []
        for key, members in groups.items():
            B: dict = {}
            for e, slot in key:
                for mask, rho in slot:
                    B = F.add(B, F.poly(mask, {e: fmpq(rho.numerator, rho.denominator)}))
            nums = []
            for c, (rho, mask) in enumerate(self.coef):
                for j in range(width):
                    terms: dict = {}
                    for p in members:
                        v = int(M[p, j])
                        if v:
                            e = self.k[p][c] - min(self.k[p])
                            terms[e] = terms.get(e, 0) + v
                    nums.append(F.poly(mask, {e: fmpq(v) * fmpq(rho.numerator, rho.denominator)
                                              for e, v in terms.items() if v}))
            leaves.append((B, nums))
        while len(leaves) > 1:  # Σ_g N_g / B_g as one fraction, pairwise
            merged = []
            for i in range(0, len(leaves) - 1, 2):
                (Bl, nl), (Br, nr) = leaves[i], leaves[i + 1]
                merged.append((F.mul(Bl, Br), [F.add(F.mul(a, Br), F.mul(b, Bl)) for a, b in zip(nl, nr)]))
            if len(leaves) % 2:
                merged.append(leaves[-1])
            leaves = merged
        D, nums = leaves[0]
        F.atoms.append(D)
        d = len(F.atoms) - 1
        rows = [[_RF(F, nums[c * width + j], {d: -1}) for j in range(width)] for c in range(K)]
        conv = lambda q: _RF(F, F.const(q))  # noqa: E731
        counts, weights, means, covs = mstep_parameters(self.mono, rows, self.n, self.model, conv)
        return F, {"count": counts, "weight": weights, "mean": means, "cov": covs, "conv": conv}

    def form(self, key: Key, p, c) -> _RF:
        """The exact rational function of an entry (``resp`` on its own; the rest from the M-step)."""
        kind, e = key.kind, key.entry
        if kind == "resp":
            F = self.field()
            row = self.k[p]
            low = min(row)
            rho, mask = self.coef[c]
            B: dict = {}
            for j, (r, m) in enumerate(self.coef):
                B = F.add(B, F.poly(m, {row[j] - low: fmpq(r.numerator, r.denominator)}))
            return _RF(F, F.poly(mask, {row[c] - low: fmpq(rho.numerator, rho.denominator)})) / _RF(F, B)
        F, forms = self.exact()
        if kind in ("count", "weight"):
            return forms[kind][c]
        if kind == "mean":
            return forms["mean"][c][e[0]]
        if kind == "cov":
            return forms["cov"][c][e[0]][e[1]]
        x = self.problem.points[p]
        dev = [forms["conv"](x[i]) - forms["mean"][c][i] for i in range(self.d)]
        return dev[e[0]] if kind == "dev" else dev[e[0]] * dev[e[1]]

    # -- the decisions ----------------------------------------------------------------------------------------
    def rational(self, key: Key, p, c) -> Fraction | None:
        if key in self._cache:
            got = self._cache[key]
            if isinstance(got, Undecidable):
                raise got
            return got
        try:
            got = self._rational(key, p, c)
        except Undecidable as e:
            self._cache[key] = e
            raise
        self._cache[key] = got
        return got

    def _rational(self, key: Key, p, c) -> Fraction | None:
        if self.refused:
            raise Undecidable(self.refused)
        if key.kind == "exp":
            return Fraction(1) if self.k[p][c] == 0 else None
        images = self.images()
        if images is not None:
            try:
                one, two = (self._image_of(im, key, p, c) for im in images)
            except ZeroDivisionError:  # a data denominator vanishes modulo the prime: no filter
                one = two = None
            if one != two:
                return None  # two homomorphic images differ: not a constant of Q
        return self.form(key, p, c).rational()

    def equals(self, key: Key, p, c, value: Fraction) -> bool:
        if self.refused:
            raise Undecidable(self.refused)
        if key.kind == "exp":
            return self.k[p][c] == 0 and value == 1
        images = self.images()
        if images is not None:
            try:
                if self._image_of(images[0], key, p, c) != images[0]["conv"](value).v:
                    return False  # a homomorphic image differs from the value's
            except ZeroDivisionError:  # a denominator vanishes modulo the prime: no filter
                pass
        if key in self._cache and not isinstance(self._cache[key], Undecidable):
            return self._cache[key] == value
        return self.form(key, p, c).equals(value)


_CONTEXTS: dict[int, _Iteration1] = {}


def _context(plan: ExactPlan) -> _Iteration1:
    got = _CONTEXTS.get(id(plan))
    if got is None:
        got = _Iteration1(plan)
        _CONTEXTS[id(plan)] = got
        weakref.finalize(plan, _CONTEXTS.pop, id(plan), None)
    return got


def _entry(plan: ExactPlan, key: Key | str) -> tuple[Key, int | None, int | None]:
    """The key (parsed), its point and component positions; raises :class:`Undecidable` outside the method."""
    if isinstance(key, str):
        key = Key.parse(key)
    if key.iteration != 1:
        raise Undecidable(f"{key}: only iteration 1 is decided exactly (later iterations start from "
                          f"transcendental parameters)")
    if key.kind not in DECIDED_KINDS:
        raise Undecidable(f"{key}: {key.kind} involves π or a logarithm, not only t = e^(−1/L)")
    want = {"scalar": 0, "vector": 1, "matrix": 2}[key.shape]
    if len(key.entry) != want:
        raise ValueError(f"{key}: name one entry ({want} subscripts)")
    problem = plan.problem
    p = problem.point_index[key.point] if key.point is not None else None
    c = problem.component_index[key.component] if key.component is not None else None
    return key, p, c


def _rational_start(plan: ExactPlan, key: Key, p, c) -> Fraction | None:
    """det, inv and quad of iteration 1: rational, from the exact layer."""
    it = plan.iterations[0]
    if key.kind == "det":
        return it.start[c].det
    if key.kind == "inv":
        return it.start[c].inv[key.entry[0]][key.entry[1]]
    return Fraction(int(it.quad[p, c].p), int(it.quad[p, c].q))


def rational_value(plan: ExactPlan, key: Key | str) -> Fraction | None:
    """The exact rational value of an iteration-1 entry, or ``None`` when it is proven irrational.

    Raises :class:`Undecidable` (with the reason) when the decision would exceed the bounds, or for
    a key outside the method (a later iteration, a kind involving π).

    >>> from gmmexact.model.problem import Problem
    >>> from gmmexact.engine.exact import derive_exact
    >>> p = Problem.from_arrays([-2, -1, 0, 1, 2], means=[-1, 1], covariances=[1, 1], weights=["1/2", "1/2"])
    >>> rational_value(derive_exact(p), "count.1")
    Fraction(5, 2)
    """
    key, p, c = _entry(plan, key)
    if key.kind in ("det", "inv", "quad"):
        return _rational_start(plan, key, p, c)
    return _context(plan).rational(key, p, c)


def equals(plan: ExactPlan, key: Key | str, value) -> bool:
    """Whether the iteration-1 entry ``key`` is exactly the rational ``value`` (decided exactly).

    Raises :class:`Undecidable` (with the reason) when the decision would exceed the bounds, or for
    a key outside the method.

    >>> from fractions import Fraction
    >>> from gmmexact.model.problem import Problem
    >>> from gmmexact.engine.exact import derive_exact
    >>> p = Problem.from_arrays([-2, -1, 0, 1, 2], means=[-1, 1], covariances=[1, 1], weights=["1/2", "1/2"])
    >>> plan = derive_exact(p)
    >>> equals(plan, "weight.1", Fraction(1, 2)), equals(plan, "mean.1[0]", Fraction(-7, 10))
    (True, False)
    """
    key, p, c = _entry(plan, key)
    value = Fraction(value)
    if key.kind in ("det", "inv", "quad"):
        return _rational_start(plan, key, p, c) == value
    return _context(plan).equals(key, p, c, value)


def compare(plan: ExactPlan, key: Key | str, boundary) -> int | None:
    """``0`` when the iteration-1 entry equals the rational ``boundary``, else ``None``: a value off the
    boundary is on the side its enclosures show, which raising the precision always settles.

    >>> from gmmexact.model.problem import Problem
    >>> from gmmexact.engine.exact import derive_exact
    >>> p = Problem.from_arrays([-2, -1, 0, 1, 2], means=[-1, 1], covariances=[1, 1], weights=["1/2", "1/2"])
    >>> compare(derive_exact(p), "count.2", "5/2"), compare(derive_exact(p), "count.2", 3)
    (0, None)
    """
    return 0 if equals(plan, key, boundary) else None


def known_rational(plan: ExactPlan, key: Key) -> Fraction | None:
    """The rational value of an iteration-1 M-step entry (``AUTO_KINDS``) when it is one and the problem
    is small enough (``AUTO_ENTRIES``); ``None`` otherwise, also when undecidable. Never raises.

    >>> from gmmexact.model.problem import Problem
    >>> from gmmexact.engine.exact import derive_exact
    >>> p = Problem.from_arrays([-2, -1, 0, 1, 2], means=[-1, 1], covariances=[1, 1], weights=["1/2", "1/2"])
    >>> known_rational(derive_exact(p), Key.parse("weight.1"))
    Fraction(1, 2)
    """
    if key.iteration != 1 or key.kind not in AUTO_KINDS or plan.problem.n * plan.problem.K > AUTO_ENTRIES:
        return None
    try:
        return rational_value(plan, key)
    except (Undecidable, ValueError):
        return None
