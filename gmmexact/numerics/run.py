"""A solved EM run: quantities by key, each with its exact form and certified decimals.

>>> import gmmexact
>>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
>>> run["density.A.women"].exact
exp(-2/5)/(20*pi)
>>> run["density.A.women"].decimal(12)
'0.0106684748780'
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from flint import arb_mat

from . import diagnostics
from .backends import get_backend
from .certify import Certifier, Undecided, start_precision
from .cost import estimate_solve
from ..model.limits import TooExpensive, require_affordable
from ..engine.exact import ExactPlan, derive_exact
from ..engine.forms import Forms, general_formula
from ..model.keys import E_STEP_KINDS, KINDS, M_STEP_KINDS, Key
from ..model.linalg import to_fmpq_mat
from ..model.displayhook import Displayable
from ..model.problem import Problem
from .rounding import Rounded
from ..engine.lookup import entry_keys, exact_entry, resolve, shape_entries


class Run(Displayable):
    """The iterations of one problem: exact layer, SymPy forms and certified evaluation together.

    Made by :func:`solve`. ``run[key]`` is the :class:`Quantity` of a key (a string such as
    ``"density.A.women"`` or a :class:`~gmmexact.model.keys.Key`), ``key in run`` says whether the run
    has it, and in Jupyter a run displays its parameters and findings.

    Attributes
    ----------
    plan : ExactPlan
        The exact layer: every rational quantity as a rational, the exact ranks of the updated covariances.
    problem : Problem
        The problem solved.
    backend
        The ball-arithmetic backend (``arb`` or ``mpmath``).
    forms : Forms
        The SymPy forms, built on demand.
    certifier : Certifier
        The certified rounding every digit comes from.
    force : bool
        Whether requests past the cost limits run anyway (see :func:`solve`).
    """

    def __init__(self, plan: ExactPlan, backend: str = "arb", force: bool = False):
        self.plan = plan
        self.problem = plan.problem
        self.backend = get_backend(backend)
        self.force = force
        self.forms = Forms(plan)
        self.certifier = Certifier(plan, self.backend, force=force)

    @property
    def iterations(self) -> int:
        """How many iterations were computed (fewer than requested when a step is undefined)."""
        return len(self.plan.iterations)

    @property
    def stopped(self) -> diagnostics.Finding | None:
        """Why fewer iterations were computed than requested (a ``stopped`` finding), or ``None``."""
        return diagnostics.stop_finding(self.plan)

    def __getitem__(self, key: str | Key) -> "Quantity":
        return Quantity(self, resolve(self.plan, key))

    def __contains__(self, key) -> bool:
        try:
            resolve(self.plan, key)
            return True
        except KeyError:
            return False

    def keys(self, iteration: int | None = None, points=None, kinds=KINDS) -> list[Key]:
        """Whole-quantity keys in the order of a worked solution (E-step, then M-step).

        ``iteration`` (default: every iteration), ``points`` (labels; default: all) and ``kinds``
        (default: every kind) select the keys.
        """
        wanted = None if points is None else set(points)
        labels = self.problem.labels if wanted is None else [p for p in self.problem.labels if p in wanted]
        names = self.problem.component_names
        out = []
        for t in ([iteration] if iteration else range(1, self.iterations + 1)):
            for kind in E_STEP_KINDS + M_STEP_KINDS:
                if kind not in kinds:
                    continue
                index = KINDS[kind][0]
                if index == "":
                    out.append(Key(t, kind))
                elif index == "c":
                    out += [Key(t, kind, None, c) for c in names]
                elif index == "p":
                    out += [Key(t, kind, p) for p in labels]
                else:
                    out += [Key(t, kind, p, c) for p in labels for c in names]
        return out

    def round(self, keys, digits: int) -> dict[Key, Rounded | Undecided]:
        """Certified rounding of the scalar entries of ``keys`` (all entries of arrays)."""
        entries = [e for k in keys for e in entry_keys(resolve(self.plan, k), self.problem.d)]
        return self.certifier.round(entries, digits)

    @cached_property
    def diagnostics(self) -> list[diagnostics.Finding]:
        """Singular updated covariances (exact) and poorly conditioned covariances (certified)."""
        found = diagnostics.singular_findings(self.plan)
        for comp in self.problem.components:
            found += diagnostics.conditioning_findings(f"input covariance {comp.name}", to_fmpq_mat(comp.covariance))
        if self.plan.degeneracy is None:
            for it in self.plan.iterations:
                for c, name in enumerate(self.problem.component_names):
                    found += self._updated_conditioning(it.t, c, name)
        stop = self.stopped
        return found + ([stop] if stop else [])

    CONDITIONING_MAX_PREC = 4096

    def _updated_conditioning(self, t: int, c: int, name: str) -> list[diagnostics.Finding]:
        """Certified κ₂ of iteration ``t``'s updated covariance of component ``c``, raising the working
        precision (to ``CONDITIONING_MAX_PREC`` bits) until the enclosure proves it."""
        key = f"{'' if t == 1 else f'iter{t}.'}cov.{name}"
        prec = start_precision(15, self.iterations)
        while True:
            try:
                ev = self._arb.evaluation(prec)
            except TooExpensive as e:
                return [diagnostics.Finding(
                    "conditioning", key, f"{key}: condition number not certified (enclosing the iterations at "
                    f"{prec} bits was estimated at {e.estimate.text()}, past the limits)")]
            if len(ev.iterations) >= t:
                with self._arb.backend.precision(prec):
                    found = diagnostics.conditioning_findings(key, arb_mat(ev.iterations[t - 1].cov[c]))
                if found[0].condition is not None or 2 * prec > self.CONDITIONING_MAX_PREC:
                    return found
            elif 2 * prec > self.CONDITIONING_MAX_PREC:
                return [diagnostics.Finding(
                    "conditioning", key, f"{key}: condition number not certified (iteration {t} could not be "
                    f"enclosed at {prec} bits: a covariance before it is nearly singular)")]
            prec *= 2

    @cached_property
    def _arb(self) -> Certifier:
        return self.certifier if self.backend.name == "arb" else Certifier(self.plan, get_backend("arb"), force=self.force)

    def __repr__(self) -> str:
        return f"<Run {self.problem.source}: {self.iterations} of {self.plan.requested} iterations, {self.backend.name}>"

    def iteration(self, t: int, digits: int = 6, max_points: int | None = 12) -> "Iteration":
        """Iteration ``t`` as a value that displays itself in Jupyter (parameters, responsibilities, steps)."""
        if not 1 <= t <= self.iterations:
            raise KeyError(f"iteration {t} was not computed ({self.iterations} available)")
        return Iteration(self, t, digits, max_points)




@dataclass(frozen=True)
class Quantity(Displayable):
    """One quantity (or one entry of a vector/matrix quantity) of a run: ``run["density.A.women"]``.

    Its exact value, definition and general formula, and its certified decimals; in Jupyter it
    displays the four renderings of a worked solution's step.

    Attributes
    ----------
    run : Run
        The run it belongs to.
    key : Key
        Its key.
    """

    run: Run
    key: Key

    @property
    def exact(self):
        """The exact value as a SymPy expression (rational, closed form, or definition)."""
        return self.run.forms.exact(self.key)

    @property
    def definition(self):
        """The defining formula over earlier quantities (symbols named by their keys)."""
        return self.run.forms.definition(self.key.whole)

    @property
    def substituted(self):
        """The definition with the (small) exact values of its inputs put in, unevaluated."""
        return self.run.forms.substituted(self.key)

    @property
    def formula(self) -> str:
        """The general formula (LaTeX)."""
        return general_formula(self.key.kind, self.run.problem)

    @property
    def description(self) -> str:
        """What the quantity is, in words (its kind's description; see ``docs/keys.md``)."""
        return KINDS[self.key.kind][2]

    @property
    def inputs(self) -> list[Key]:
        """The keys of the earlier quantities its definition refers to."""
        return self.run.forms.inputs(self.key)

    @property
    def value(self):
        """The exact rational value (Fraction, or nested tuples), or None if not rational."""
        entries = entry_keys(self.key, self.run.problem.d)
        values = [exact_entry(self.run.plan, e) for e in entries]
        if None in values:
            return None
        return shape_entries(values, self.key, self.run.problem.d)

    def rounded(self, digits: int = 6):
        """Certified rounding to ``digits`` significant digits (nested lists for arrays)."""
        entries = entry_keys(self.key, self.run.problem.d)
        got = self.run.certifier.round(entries, digits)
        return shape_entries([got[e] for e in entries], self.key, self.run.problem.d)

    def decimal(self, digits: int = 6):
        """Certified decimal string(s): every digit is proven."""
        return _map(self.rounded(digits), str)

    def __repr__(self) -> str:
        return f"<Quantity {self.key}>"





@dataclass(frozen=True)
class Iteration(Displayable):
    """One iteration of a run, for display: ``run.iteration(1)`` in a notebook shows the parameters
    before and after, the log-likelihood, the responsibilities and every step (certified digits)."""

    run: Run
    t: int
    digits: int = 6
    max_points: int | None = 12

    def __repr__(self) -> str:
        return f"<Iteration {self.t} of {self.run.problem.source}>"




def _map(x, f):
    return tuple(_map(v, f) for v in x) if isinstance(x, tuple) else f(x)


def solve(problem: Problem, iterations: int = 1, backend: str = "arb", force: bool = False) -> Run:
    """Run ``iterations`` exact EM iterations (fewer if a step becomes undefined; see ``Run.stopped``).

    The cost is estimated first (:func:`gmmexact.numerics.cost.estimate_solve`: the exact layer and one
    certified evaluation of every iteration); a request past the limits (:mod:`gmmexact.model.limits`)
    is refused before any heavy work, unless ``force``.

    Parameters
    ----------
    problem : Problem
        The data and the starting mixture (:func:`gmmexact.load`, :meth:`Problem.from_arrays`).
    iterations : int, optional
        EM iterations to derive (default 1).
    backend : str, optional
        ``"arb"`` (python-flint balls, the default) or ``"mpmath"`` (interval arithmetic).
    force : bool, optional
        Run even when the estimated time or memory is past the limits (also for the digits asked later).

    Returns
    -------
    Run
        Every quantity by key, exact and with certified decimals.

    Raises
    ------
    TooExpensive
        The request is estimated past the limits (and ``force`` is not set): the message gives the estimate.
    """
    if backend not in ("arb", "mpmath"):
        get_backend(backend)  # the error naming the backends
    if not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 0:
        raise ValueError(f"iterations must be a whole number, got {iterations!r}")
    require_affordable(estimate_solve(problem, iterations, backend=backend, points=0, forms=False), force)
    return Run(derive_exact(problem, iterations), backend, force)
