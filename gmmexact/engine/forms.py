"""Exact forms of quantities with SymPy: the general formula, the definition over earlier named
quantities, the formula with values substituted, and the exact result.

SymPy only builds and prints here; the digits come from ``certify.py``. Forms are built on demand for
the keys asked for, so evaluating or printing decimals for 10⁵ points creates no per-point expression
(asking for every point's exact form does, at about 6 ms a point).
Closed forms are shown where they are small (iteration 1, few points); otherwise the exact value is
its definition in terms of earlier quantities, whose symbols are named by their keys.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .exact import ExactPlan
from ..model.keys import CATALOGUE, Key
from .lookup import entry_keys, exact_entry

SMALL_OPS = 160  # closed forms larger than this many operations are shown as definitions
SUM_LIMIT = 20  # sums over more points than this are written with Σ, not term by term


def _rat(q) -> sp.Rational:
    return sp.Rational(q.numerator, q.denominator)


def _rmatrix(rows) -> sp.Matrix:
    return sp.Matrix([[_rat(v) for v in row] for row in rows])


def scalar_symbol(key: Key) -> sp.Symbol:
    return sp.Symbol(str(key))


class Forms:
    """Builds and caches the SymPy forms of one plan's quantities.

    >>> from gmmexact.model.problem import Problem
    >>> from gmmexact.engine.exact import derive_exact
    >>> p = Problem.from_arrays([[0], [2]], means=[[0], [2]], covariances=[[[1]], [[1]]], weights=["1/2", "1/2"])
    >>> Forms(derive_exact(p)).exact(Key.parse("resp.x1.1"))
    1/(exp(-2) + 1)
    """

    def __init__(self, plan: ExactPlan):
        self.plan = plan
        self.problem = plan.problem
        self.exact = lru_cache(maxsize=None)(self._exact)
        self.definition = lru_cache(maxsize=None)(self._definition)
        self._sizes: dict[Key, int] = {}

    # -- helpers ---------------------------------------------------------------------------
    def _k(self, key: Key, kind: str, point=None, component=None, iteration=None) -> Key:
        return Key(iteration or key.iteration, kind, point, component)

    def _sym(self, key: Key):
        """The symbol standing for a whole quantity in definitions (matrix symbols for arrays)."""
        d = self.problem.d
        if key.shape == "vector":
            return sp.MatrixSymbol(str(key), d, 1)
        if key.shape == "matrix":
            return sp.MatrixSymbol(str(key), d, d)
        return scalar_symbol(key)

    def _point(self, p: str) -> sp.Matrix:
        x = self.problem.points[self.problem.point_index[p]]
        return sp.Matrix([_rat(v) for v in x])

    def _start(self, key: Key, kind: str):
        """The starting weight/mean/cov of component ``key.component`` in iteration ``key.iteration``."""
        c = self.problem.component_index[key.component]
        if key.iteration == 1:
            comp = self.problem.components[c]
            return {"weight": _rat(comp.weight), "mean": sp.Matrix([_rat(v) for v in comp.mean]),
                    "cov": _rmatrix(comp.covariance)}[kind]
        return self._sym(Key(key.iteration - 1, kind, None, key.component))

    def _points_sum(self, term, key: Key):
        """Σ_p term(p) over all points: written out when short, else with an indexed Σ."""
        labels = self.problem.labels
        if len(labels) <= SUM_LIMIT:
            return sp.Add(*[term(p) for p in labels]) if not isinstance(term(labels[0]), sp.MatrixBase) \
                else sum((term(p) for p in labels[1:]), term(labels[0]))
        return None

    def inputs(self, key: Key) -> list[Key]:
        """Keys of the quantities the definition of ``key`` refers to (the derivation graph's edges)."""
        expr = self.definition(key.whole)
        names = {s.name for s in expr.atoms(sp.Symbol, sp.MatrixSymbol)} if not isinstance(expr, str) else set()
        out = []
        for name in sorted(names):
            try:
                out.append(Key.parse(name))
            except ValueError:
                pass
        return out

    # -- definitions over earlier quantities ------------------------------------------------
    def _definition(self, key: Key):
        k, t, p, c = key.kind, key.iteration, key.point, key.component
        d, n = self.problem.d, self.problem.n
        S = lambda kind, point=None, comp=None, it=None: self._sym(Key(it or t, kind, point, comp))
        comps = self.problem.component_names
        # indexed sums (many points): p over points and ci over components, both counted from 0
        P, ci = sp.Symbol("p", integer=True), (sp.Integer(self.problem.component_index[c]) if c else None)
        if k == "det":
            return sp.Determinant(self._start(key, "cov")) if t > 1 else _rmatrix(self.problem.components[comps.index(c)].covariance).det()
        if k == "inv":
            return sp.Inverse(self._start(key, "cov")) if t > 1 else _rmatrix(self.problem.components[comps.index(c)].covariance).inv()
        if k == "norm":
            return (2 * sp.pi) ** sp.Rational(d, 2) * sp.sqrt(S("det", None, c))
        if k == "quad":
            dev = self._point(p) - self._start(key, "mean")
            return (dev.T * S("inv", None, c) * dev)
        if k == "exp":
            return sp.exp(-S("quad", p, c) / 2)
        if k == "density":
            return S("exp", p, c) / S("norm", None, c)
        if k == "joint":
            return self._start(key, "weight") * S("density", p, c)
        if k == "evidence":
            return sp.Add(*[S("joint", p, j) for j in comps])
        if k == "resp":
            return S("joint", p, c) / S("evidence", p)
        if k == "loglik":
            total = self._points_sum(lambda q: sp.log(S("evidence", q)), key)
            return total if total is not None else sp.Sum(sp.log(sp.IndexedBase("evidence")[P]), (P, 0, n - 1))
        if k == "count":
            total = self._points_sum(lambda q: S("resp", q, c), key)
            return total if total is not None else sp.Sum(sp.IndexedBase("resp")[P, ci], (P, 0, n - 1))
        fixed, o = self.problem.fixed, _rat(self.problem.count_offset)
        if k in ("weight", "mean", "cov") and {"cov": "covariance"}.get(k, k) in fixed:
            return self._start(key, k)  # held fixed: the M-step leaves it as it was
        if k == "weight":
            if not o:
                return S("count", None, c) / n
            return (S("count", None, c) + o) / (n + len(comps) * o)  # m̃_c / Σ_j m̃_j, Σ_j m_j = n
        if k == "mean":
            total = self._points_sum(lambda q: S("resp", q, c) * self._point(q), key)
            if total is None:  # Σ over an index: one entry per coordinate
                r, x = sp.IndexedBase("resp"), sp.IndexedBase("x")
                total = sp.Matrix([sp.Sum(r[P, ci] * x[P, i], (P, 0, n - 1)) for i in range(d)])
            return total / (S("count", None, c) + o)
        if k == "dev":
            return self._point(p) - S("mean", None, c)
        if k == "outer":
            return S("dev", p, c) * S("dev", p, c).T
        if k == "cov":
            return self._cov_definition(key, S, P)
        raise KeyError(key)

    def _scatter(self, key: Key, comp: str, S, P):
        """Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ of component ``comp``: over outer products, or with Σ."""
        total = self._points_sum(lambda q: S("resp", q, comp) * S("outer", q, comp), key)
        if total is None:
            d, n = self.problem.d, self.problem.n
            r, x = sp.IndexedBase("resp"), sp.IndexedBase("x")
            m, ci = S("mean", None, comp), sp.Integer(self.problem.component_index[comp])
            total = sp.Matrix(d, d, lambda i, j: sp.Sum(
                r[P, ci] * (x[P, i] - m[i, 0]) * (x[P, j] - m[j, 0]), (P, 0, n - 1)))
        return total

    def _cov_definition(self, key: Key, S, P):
        """The updated covariance of the problem's covariance type (see ``monomials.mstep_parameters``).

        With o = count_offset: full ``W_c/(m_c + o)``; tied ``Σ_c (W_c + o μ_c μ_cᵀ) / (n + K·o)``;
        diag the diagonal of ``(W_c + o μ_c μ_cᵀ)/(m_c + o)``; spherical ``tr(W_c + o μ_c μ_cᵀ)/(d (m_c + o))``
        times the identity; ``W_c = Σ_p r_pc outer_pc``; then ``reg_covar`` on the diagonal.
        """
        problem, c = self.problem, key.component
        d, kind = problem.d, problem.covariance_type
        o, reg = _rat(problem.count_offset), _rat(problem.reg_covar)
        denominator = S("count", None, c) + o
        if kind == "full":
            out = self._scatter(key, c, S, P) / denominator
        elif kind == "tied":
            comps = problem.component_names
            total = self._scatter(key, comps[0], S, P)
            for comp in comps[1:]:
                total = total + self._scatter(key, comp, S, P)
            if o:
                for comp in comps:
                    total = total + o * S("mean", None, comp) * S("mean", None, comp).T
            out = total / (problem.n + len(comps) * o)
        else:
            W = self._scatter(key, c, S, P)
            m = S("mean", None, c)
            var = [W[i, i] + o * m[i, 0] ** 2 for i in range(d)]
            if kind == "spherical":
                var = [sp.Add(*var) / d] * d
            out = sp.Matrix(d, d, lambda i, j: var[i] / denominator if i == j else 0)
        return out + reg * sp.eye(d) if reg else out

    # -- exact values -----------------------------------------------------------------------
    def _exact(self, key: Key):
        """The exact value: rational, a small closed form, or the definition."""
        if key.entry:
            whole = self.exact(key.whole)
            if isinstance(whole, sp.MatrixExpr) and not isinstance(whole, sp.MatrixBase):
                whole = whole.as_explicit()
            if isinstance(whole, sp.MatrixBase):
                return whole[key.entry] if len(key.entry) == 2 else whole[key.entry[0], 0]
            return sp.Indexed(sp.IndexedBase(str(key.whole)), *key.entry)
        closed = self._closed(key)
        return closed if closed is not None else self.definition(key)

    def _closed(self, key: Key):
        plan, k = self.plan, key.kind
        entries = entry_keys(key, self.problem.d)
        values = [exact_entry(plan, e) for e in entries]
        if None not in values:
            if key.shape == "scalar":
                return _rat(values[0])
            d = self.problem.d
            rows = [values[i * d:(i + 1) * d] for i in range(d)] if key.shape == "matrix" else [[v] for v in values]
            return _rmatrix(rows)
        it = plan.iterations[key.iteration - 1]
        if not all(comp.rational for comp in it.start):
            return None  # later iterations: definitions over earlier quantities
        if k == "resp":
            return self._resp_closed(key)
        if k in ("norm", "exp", "density", "joint", "evidence"):
            return self._substitute(key)
        if k not in ("loglik", "count", "weight", "mean") or self.problem.n * self.problem.K > 4 * SUM_LIMIT:
            return None  # dev, outer, cov repeat the mean's closed form many times over: too big to read
        expr = self._substitute(key)
        size = sum(1 for _ in sp.preorder_traversal(expr))
        return expr if size <= SMALL_OPS * self.problem.d else None

    def substituted(self, key: Key, max_size: int = 40):
        """The definition with the values of its inputs put in, unevaluated (the middle rendering).

        Inputs whose exact form is larger than ``max_size`` nodes stay as their key symbols.

        >>> from gmmexact.model.problem import load
        >>> from gmmexact.engine.exact import derive_exact
        >>> Forms(derive_exact(load("examples/seed/problem.toml"))).substituted(Key.parse("density.A.women"))
        exp(-2/5)/((20*pi))
        """
        key = key.whole
        expr = self.definition(key)
        repl = {}
        for inp in self.inputs(key):
            if self._size(inp) <= max_size:
                repl[self._sym(inp)] = self.exact(inp)
        return _replace_unevaluated(expr, repl)

    def _size(self, key: Key) -> int:
        if key not in self._sizes:
            self._sizes[key] = sum(1 for _ in sp.preorder_traversal(self.exact(key)))
        return self._sizes[key]

    def _substitute(self, key: Key):
        """The definition with every input replaced by its exact form, simplified by SymPy's auto-evaluation."""
        expr = self.definition(key)
        repl = {}
        for inp in self.inputs(key):
            value = self.exact(inp)
            repl[self._sym(inp)] = value
        out = expr.xreplace(repl)
        if isinstance(out, sp.MatrixExpr) and not isinstance(out, sp.MatrixBase):
            out = out.as_explicit()
        if isinstance(out, sp.MatrixBase):
            out = out.applyfunc(lambda e: e.doit())
            if out.shape == (1, 1) and key.shape == "scalar":
                out = out[0, 0]
        return out

    def _resp_closed(self, key: Key):
        """r_pc = 1 / (1 + Σ_{j≠c} (π_j/π_c)·√(|Σ_c|/|Σ_j|)·exp((q_pc − q_pj)/2))."""
        it = self.plan.iterations[key.iteration - 1]
        names = self.problem.component_names
        c = self.problem.component_index[key.component]
        p = self.problem.point_index[key.point]
        q = [it.quad[p, j] for j in range(len(names))]
        qc = sp.Rational(int(q[c].p), int(q[c].q))
        terms = [sp.Integer(1)]
        for j, comp in enumerate(it.start):
            if j == c:
                continue
            ratio = _rat(comp.weight / it.start[c].weight) * sp.sqrt(_rat(it.start[c].det / comp.det))
            qj = sp.Rational(int(q[j].p), int(q[j].q))
            terms.append(ratio * sp.exp((qc - qj) / 2))
        return 1 / sp.Add(*terms)


def _replace_unevaluated(expr, repl: dict):
    """``expr.xreplace(repl)`` with every rebuilt node left unevaluated, so the values put in stay
    visible (``sp.evaluate(False)`` would do the same, but toggling it clears SymPy's cache)."""
    if isinstance(expr, sp.MatrixBase):
        return expr
    if expr in repl:
        return repl[expr]
    if not getattr(expr, "args", ()):
        return expr
    args = [_replace_unevaluated(a, repl) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args)):
        return expr
    try:
        return expr.func(*args, evaluate=False)
    except TypeError:
        return expr.func(*args)


GENERAL = {kind: info.definition for kind, info in CATALOGUE.items()}
"""The general formula of each kind, in LaTeX (the first of a step's three renderings), from
``model.keys.CATALOGUE``."""

_W = r"\sum_p r_{pc} (x_p - \mu_c^{\text{new}})(x_p - \mu_c^{\text{new}})^\top"
COVARIANCE_FORMULAS = {
    "full": r"\Sigma_c^{\text{new}} = \frac{1}{m_c} " + _W,
    "tied": r"\Sigma^{\text{new}} = \frac{1}{n} \sum_{c=1}^{K} " + _W + r" \quad \text{(the same for every component)}",
    "diag": r"\Sigma_c^{\text{new}} = \operatorname{diag}\Big(\frac{1}{m_c} \sum_p r_{pc} (x_{pi} - \mu_{ci}^{\text{new}})^2\Big)_{i=1}^{d}",
    "spherical": r"\Sigma_c^{\text{new}} = \frac{1}{d\, m_c} \sum_p r_{pc} \lVert x_p - \mu_c^{\text{new}} \rVert^2 \, I_d",
}
"""The textbook updated covariance of each covariance type (mclust VVV, EEE, VVI, VII)."""


def general_formula(kind: str, problem) -> str:
    r"""The general formula of ``kind`` for ``problem``'s model: its covariance type, fixed parameters,
    ``count_offset`` (written o) and ``reg_covar`` (written λ). With the defaults it is ``GENERAL[kind]``.

    >>> from dataclasses import replace
    >>> from fractions import Fraction
    >>> from gmmexact.model.problem import load
    >>> seed = load("examples/seed/problem.toml")
    >>> general_formula("cov", seed) == GENERAL["cov"]
    True
    >>> print(general_formula("cov", replace(seed, covariance_type="spherical", reg_covar=Fraction(1, 10**6))))
    \Sigma_c^{\text{new}} = \frac{1}{d\, m_c} \sum_p r_{pc} \lVert x_p - \mu_c^{\text{new}} \rVert^2 \, I_d + \lambda I_d, \quad \lambda = \frac{1}{1000000}
    >>> print(general_formula("weight", replace(seed, fixed={"weight"})))
    \pi_c^{\text{new}} = \pi_c \quad \text{(held fixed)}
    """
    fixed, o, reg = problem.fixed, problem.count_offset, problem.reg_covar
    if kind == "weight" and "weight" in fixed:
        return r"\pi_c^{\text{new}} = \pi_c \quad \text{(held fixed)}"
    if kind == "mean" and "mean" in fixed:
        return r"\mu_c^{\text{new}} = \mu_c \quad \text{(held fixed)}"
    if kind == "cov" and "covariance" in fixed:
        return r"\Sigma_c^{\text{new}} = \Sigma_c \quad \text{(held fixed)}"
    if kind not in ("weight", "mean", "cov"):
        return GENERAL[kind]
    if kind == "weight":
        text = GENERAL[kind] if not o else r"\pi_c^{\text{new}} = \frac{m_c + o}{\sum_j (m_j + o)} = \frac{m_c + o}{n + K o}"
    elif kind == "mean":
        text = GENERAL[kind] if not o else r"\mu_c^{\text{new}} = \frac{1}{m_c + o} \sum_p r_{pc} x_p"
    else:
        text = COVARIANCE_FORMULAS[problem.covariance_type]
        if o:
            text = {"full": r"\Sigma_c^{\text{new}} = \frac{1}{m_c + o} W_c",
                    "tied": r"\Sigma^{\text{new}} = \frac{\sum_c (W_c + o\, \mu_c \mu_c^\top)}{n + K o}",
                    "diag": r"\Sigma_c^{\text{new}} = \operatorname{diag}\Big(\frac{W_c + o\, \mu_c \mu_c^\top}{m_c + o}\Big)",
                    "spherical": r"\Sigma_c^{\text{new}} = \frac{\operatorname{tr}(W_c + o\, \mu_c \mu_c^\top)}{d\,(m_c + o)} I_d",
                    }[problem.covariance_type] + r", \quad W_c = " + _W
        if reg:
            text += r" + \lambda I_d"
    notes = []
    if o:
        notes.append(rf"o = {_fraction_tex(o)}")
    if kind == "cov" and reg:
        notes.append(rf"\lambda = {_fraction_tex(reg)}")
    return text + "".join(r", \quad " + n for n in notes)


def _fraction_tex(q) -> str:
    r"""An exact rational in LaTeX: ``3``, ``\frac{1}{1000000}``."""
    return str(q.numerator) if q.denominator == 1 else rf"\frac{{{q.numerator}}}{{{q.denominator}}}"
