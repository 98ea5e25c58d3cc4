"""The catalogue of named slips: what students write instead of a quantity (a starting parameter
repeated as the updated one, the covariance about the old mean, Σ instead of Σ⁻¹, μ − x, base-10
logarithms, …), and the matching of a wrong number against them.

Each :class:`Slip` in ``SLIPS`` is one small entry: a name, the quantities it is a slip of, the
description shown to the user and the explicit expression (over key symbols) it computes, built
from a :class:`Site` (the claimed key in its problem). A new slip is one new entry. A slip is
matched like a carried step (``carried.py``): evaluated from the exact values and from the
document's own written numbers, decided with certified intervals.

Known gaps: one slip at a time (not two slips combined, nor a slip on top of a carried error);
the slips of the quadratic form, determinant and inverse use the component's own starting
covariance whatever the covariance type.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from ..model.keys import Key
from .carried import CarriedSearch
from .claims import Claim
from .context import ClaimCheck
from .notes import pi_text


class Site:
    """Where slips are looked for: one claimed key of one problem, with the symbols of its step.

    ``sym``, ``vec`` and ``mat`` give key symbols (of the key's own component and iteration unless
    told; ``comp=...`` means the key's component); ``x`` a data point; ``start`` the parameter the
    iteration started from.
    """

    def __init__(self, problem, key: Key):
        self.problem, self.key = problem, key
        self.d, self.n, self.K = problem.d, problem.n, problem.K
        self.t, self.kind, self.p, self.c = key.iteration, key.kind, key.point, key.component

    def name(self, kind: str, point=None, comp=...) -> str:
        """The text of the key of quantity ``kind`` (``count.women``), as shown in descriptions."""
        return str(Key(self.t, kind, point, self.c if comp is ... else comp))

    def sym(self, kind: str, point=None, comp=..., entry=(), t=None):
        return sp.Symbol(str(Key(self.t if t is None else t, kind, point, self.c if comp is ... else comp, entry)))

    def vec(self, kind: str, t=None):
        return sp.Matrix([self.sym(kind, None, ..., (i,), t) for i in range(self.d)])

    def mat(self, kind: str, t=None):
        return sp.Matrix(self.d, self.d, lambda i, j: self.sym(kind, None, ..., (i, j), t))

    def x(self, label):
        problem = self.problem
        return sp.Matrix([sp.Rational(v.numerator, v.denominator) for v in problem.points[problem.point_index[label]]])

    def start(self, kind: str):
        """The ``weight``, ``mean`` or ``cov`` the iteration started from: the problem file's at
        iteration 1 (exact), else the previous iteration's (key symbols)."""
        t = self.t
        if t > 1:
            return self.sym(kind, t=t - 1) if kind == "weight" else (self.vec if kind == "mean" else self.mat)(kind, t=t - 1)
        comp = self.problem.components[self.problem.component_index[self.c]]
        if kind == "weight":
            return sp.Rational(comp.weight.numerator, comp.weight.denominator)
        if kind == "mean":
            return sp.Matrix([sp.Rational(v.numerator, v.denominator) for v in comp.mean])
        return sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in comp.covariance])

    def scatter(self, about):
        """Σ_q r_q (x_q − about)(x_q − about)ᵀ."""
        labels, x, sym = self.problem.labels, self.x, self.sym
        return sum((sym("resp", q) * (x(q) - about) * (x(q) - about).T for q in labels[1:]),
                   sym("resp", labels[0]) * (x(labels[0]) - about) * (x(labels[0]) - about).T)

    def weighted_sum(self):
        """Σ_q r_q x_q."""
        return sum((self.sym("resp", q) * self.x(q) for q in self.problem.labels), sp.zeros(self.d, 1))

    def started(self) -> str:
        """Where the starting parameters came from."""
        return "from the problem file" if self.t == 1 else f"iteration {self.t - 1}"


def _always(site: Site) -> bool:
    return True


@dataclass(frozen=True)
class Slip:
    """One named slip: the quantities (``kinds``) it is a slip of, the ``description`` shown to the
    user and the expression it ``computes`` instead, both from a :class:`Site`; ``when`` restricts it
    (a covariance type, a dimension, a parameter not fixed)."""

    name: str
    kinds: tuple[str, ...]
    description: Callable[[Site], str]
    computes: Callable[[Site], object]
    when: Callable[[Site], bool] = _always


def _full(site: Site) -> bool:
    return site.problem.covariance_type == "full"


def _free(parameter: str) -> Callable[[Site], bool]:
    return lambda site: parameter not in site.problem.fixed


def _free_full_covariance(site: Site) -> bool:
    return _full(site) and "covariance" not in site.problem.fixed


def _ad_plus_bc(cov):
    return cov[0, 0] * cov[1, 1] + cov[0, 1] * cov[1, 0]


def _deviation(site: Site):
    """x − μ with the mean the iteration started from."""
    return site.x(site.p) - site.start("mean")


def _flipped_adjugate(cov, d: int):
    adj = cov.adjugate()
    return sp.Matrix(d, d, lambda i, j: adj[i, j] if i == j else -adj[i, j])


_PARAMETER = {"mean": "mean", "cov": "covariance", "weight": "weight"}

# In the order they are reported (a wrong number matching several names the first first).
SLIPS: tuple[Slip, ...] = (
    # -- E-step ----------------------------------------------------------------------------
    Slip("determinant-diagonal", ("det",),
         lambda s: "the product of the diagonal of Σ (the off-diagonal terms left out)",
         lambda s: sp.Mul(*[s.start("cov")[i, i] for i in range(s.d)]),
         when=lambda s: s.d > 1),
    Slip("determinant-plus", ("det",),
         lambda s: "ad + bc instead of ad − bc",
         lambda s: _ad_plus_bc(s.start("cov")),
         when=lambda s: s.d == 2),
    Slip("inverse-signs", ("inv",),
         lambda s: "the adjugate with the signs of its off-diagonal entries flipped, over |Σ|",
         lambda s: _flipped_adjugate(s.start("cov"), s.d) / s.sym("det"),
         when=lambda s: s.d > 1),
    Slip("inverse-undivided", ("inv",),
         lambda s: "the adjugate not divided by |Σ|",
         lambda s: s.start("cov").adjugate(),
         when=lambda s: s.d > 1),
    Slip("inverse-as-covariance", ("inv",),
         lambda s: "Σ itself divided by |Σ| (the adjugate's swap and signs left out)",
         lambda s: s.start("cov") / s.sym("det"),
         when=lambda s: s.d > 1),
    Slip("inverse-entrywise", ("inv",),
         lambda s: "the reciprocal of each entry of Σ (1/σ_ij), which is not the inverse matrix",
         lambda s: s.start("cov").applyfunc(lambda v: 1 / v if v != 0 else sp.Integer(0)),
         when=lambda s: s.d > 1),
    Slip("norm-without-root", ("norm",),
         lambda s: "the normalising constant without the square root of |Σ|",
         lambda s: (2 * sp.pi) ** sp.Rational(s.d, 2) * s.sym("det")),
    Slip("norm-one-dimensional", ("norm",),
         lambda s: f"the normalising constant with (2π)^(1/2) instead of (2π)^(d/2) (d = {s.d})",
         lambda s: sp.sqrt(2 * sp.pi) * sp.sqrt(s.sym("det")),
         when=lambda s: s.d > 1),
    Slip("deviation-sign", ("dev",),
         lambda s: "μ − x instead of x − μ (the sign is flipped)",
         lambda s: s.vec("mean") - s.x(s.p)),
    Slip("quad-covariance", ("quad",),
         lambda s: "the quadratic form with Σ instead of Σ⁻¹",
         lambda s: (_deviation(s).T * s.start("cov") * _deviation(s))[0, 0]),
    Slip("quad-unweighted", ("quad",),
         lambda s: "the quadratic form with x − μ squared but not weighted by Σ⁻¹",
         lambda s: (_deviation(s).T * _deviation(s))[0, 0]),
    Slip("exp-sign", ("exp",),
         lambda s: "exp(+q/2): the minus sign of the exponent left out",
         lambda s: sp.exp(s.sym("quad", s.p) / 2)),
    Slip("exp-half", ("exp",),
         lambda s: "exp(−q) without the ½ of the exponent",
         lambda s: sp.exp(-s.sym("quad", s.p))),
    Slip("density-bare-exp", ("density",),
         lambda s: f"{s.name('exp', s.p)} (the bare exponential, without the normalising constant)",
         lambda s: s.sym("exp", s.p)),
    Slip("density-joint", ("density",),
         lambda s: f"{s.name('joint', s.p)} (the density times the weight)",
         lambda s: s.sym("joint", s.p)),
    Slip("joint-unweighted", ("joint",),
         lambda s: f"{s.name('density', s.p)} (the weight π_c left out)",
         lambda s: s.sym("density", s.p)),
    Slip("evidence-unweighted", ("evidence",),
         lambda s: "the sum of the densities without their weights π_c",
         lambda s: sp.Add(*[s.sym("density", s.p, name) for name in s.problem.component_names])),
    Slip("resp-joint", ("resp",),
         lambda s: f"{s.name('joint', s.p)} (not divided by the evidence {s.name('evidence', s.p, None)})",
         lambda s: s.sym("joint", s.p)),
    Slip("resp-density", ("resp",),
         lambda s: f"{s.name('density', s.p)} (the density, not the responsibility)",
         lambda s: s.sym("density", s.p)),
    Slip("loglik-base-10", ("loglik",),
         lambda s: "the log-likelihood with base-10 logarithms",
         lambda s: sp.Add(*[sp.log(s.sym("evidence", q, None), 10) for q in s.problem.labels])),
    Slip("loglik-mean", ("loglik",),
         lambda s: f"the mean log-likelihood per point (divided by n = {s.n})",
         lambda s: sp.Add(*[sp.log(s.sym("evidence", q, None)) for q in s.problem.labels]) / s.n),
    # -- M-step ----------------------------------------------------------------------------
    Slip("starting-parameter", ("mean", "cov", "weight"),
         lambda s: f"the starting {_PARAMETER[s.kind]} of {s.c} ({s.started()}), not the updated one",
         lambda s: s.start(s.kind),
         when=_full),
    Slip("weight-count", ("weight",),
         lambda s: f"the count {s.name('count')}, not divided by n = {s.n}",
         lambda s: s.sym("count"),
         when=_free("weight")),
    Slip("weight-over-K", ("weight",),
         lambda s: f"the count divided by K = {s.K} instead of n = {s.n}",
         lambda s: s.sym("count") / s.K,
         when=_free("weight")),
    Slip("mean-undivided", ("mean",),
         lambda s: f"the weighted sum Σ r x, not yet divided by the count {s.name('count')}",
         lambda s: s.weighted_sum(),
         when=_free("mean")),
    Slip("mean-over-n", ("mean",),
         lambda s: f"the weighted sum Σ r x divided by n = {s.n} instead of the count {s.name('count')}",
         lambda s: s.weighted_sum() / s.n,
         when=_free("mean")),
    Slip("covariance-old-mean", ("cov",),
         lambda s: f"the covariance taken about the starting mean of {s.c} instead of the updated one",
         lambda s: s.scatter(s.start("mean")) / s.sym("count"),
         when=_free_full_covariance),
    Slip("covariance-over-n", ("cov",),
         lambda s: f"the covariance divided by n = {s.n} instead of the count {s.name('count')}",
         lambda s: s.scatter(s.vec("mean")) / s.n,
         when=_free_full_covariance),
    Slip("covariance-undivided", ("cov",),
         lambda s: f"the weighted sum of outer products, not yet divided by the count {s.name('count')}",
         lambda s: s.scatter(s.vec("mean")),
         when=_free_full_covariance),
    Slip("standard-deviation", ("cov",),
         lambda s: "the standard deviation instead of the variance",
         lambda s: sp.sqrt(s.sym("cov", entry=(0, 0))),
         when=lambda s: s.d == 1),
)
"""Every named slip, in the order they are reported."""


def slips_for(problem, key: Key) -> list[tuple[str, object]]:
    """``(description, explicit expression)`` of what students write instead of ``key``'s quantity.

    >>> import gmmexact
    >>> problem = gmmexact.load("examples/seed/problem.toml")
    >>> [description for description, _ in slips_for(problem, Key.parse("exp.A.women"))]
    ['exp(+q/2): the minus sign of the exponent left out', 'exp(−q) without the ½ of the exponent']
    """
    return [(description, expr) for _, description, expr in named_slips_for(problem, key)]


def named_slips_for(problem, key: Key) -> list[tuple[str, str, object]]:
    """``(name, description, explicit expression)`` of each slip of the catalogue that applies to
    ``key``, in the catalogue's order (:func:`slips_for` with the names)."""
    site = Site(problem, key)
    return [(slip.name, slip.description(site), slip.computes(site)) for slip in SLIPS
            if key.kind in slip.kinds and slip.when(site)]


@dataclass(frozen=True)
class SlipMatch:
    """One slip of the catalogue the written numbers match: its catalogue ``name``, the ``description``
    shown (with the document's claims and the hand value of π it was computed from) and ``used``, the
    indices of the claims it was computed from."""

    name: str
    description: str
    used: tuple[int, ...]


def named_matches(search: CarriedSearch, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]
                  ) -> list[SlipMatch]:
    """What the written numbers are, if not this quantity: each slip of the catalogue the written
    numbers match, from the exact values or the document's own earlier numbers (``earlier``, with
    their verdicts ``checks``), in the catalogue's order."""
    out = []
    for name, description, expr in named_slips_for(search.ctx.problem, claim.key):
        got = search.search(expr, claim, earlier, checks, need_document=False)
        if got is None:
            continue
        used, _, pi = got
        extra = []
        if used:
            extra.append("from the document's " + ", ".join(f"#{i}" for i in used))
        if pi is not None:
            extra.append(f"with π ≈ {pi_text(pi)}")
        out.append(SlipMatch(name, description + (f" ({'; '.join(extra)})" if extra else ""), used))
    return out


def matches(search: CarriedSearch, claim: Claim, earlier: list[Claim], checks: dict[int, ClaimCheck]
            ) -> list[tuple[str, tuple[int, ...]]]:
    """``(description, claims it was computed from)`` of each slip the written numbers match
    (:func:`named_matches` without the names)."""
    return [(m.description, m.used) for m in named_matches(search, claim, earlier, checks)]
