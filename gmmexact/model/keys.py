"""The quantity vocabulary: kinds, their index structure, and key strings.

A key names one quantity of one iteration, e.g. ``density.A.women``, ``iter2.mean.men`` or an
entry ``cov.women[0][1]``. Iteration 1 carries no prefix. Every later feature (JSON output,
claims files, cross-checks) speaks this vocabulary, so it changes only by addition. The keys are the
same for every covariance type: ``cov.c`` is a d×d matrix for each component even when it is tied
(equal for all c) or diagonal, so that one vocabulary fits every model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# kind -> (index structure, shape, description)
#   index: "" (whole iteration), "c" (component), "p" (point), "pc" (point and component)
#   shape: "scalar", "vector" (d), "matrix" (d x d)
KINDS: dict[str, tuple[str, str, str]] = {
    "det": ("c", "scalar", "|Σ_c|, determinant of the covariance (tied: the same for every c; diag/spherical: "
                           "the product of the variances)"),
    "inv": ("c", "matrix", "Σ_c⁻¹, inverse covariance (precision; d×d for every covariance type, diagonal for "
                           "diag/spherical)"),
    "norm": ("c", "scalar", "(2π)^{d/2}|Σ_c|^{1/2}, normalising constant"),
    "quad": ("pc", "scalar", "(x_p−μ_c)ᵀΣ_c⁻¹(x_p−μ_c), quadratic form"),
    "exp": ("pc", "scalar", "exp(−quad/2)"),
    "density": ("pc", "scalar", "N(x_p | μ_c, Σ_c)"),
    "joint": ("pc", "scalar", "π_c·N(x_p | μ_c, Σ_c)"),
    "evidence": ("p", "scalar", "Σ_c π_c·N(x_p | μ_c, Σ_c)"),
    "resp": ("pc", "scalar", "responsibility r_pc = joint / evidence"),
    "loglik": ("", "scalar", "Σ_p log evidence_p, of the parameters the iteration starts from"),
    "count": ("c", "scalar", "m_c = Σ_p r_pc (without any count_offset)"),
    "weight": ("c", "scalar", "new mixing weight π_c = m_c / n (with count_offset o: (m_c + o) / (n + K·o); "
                              "the starting π_c when fixed)"),
    "mean": ("c", "vector", "new mean μ_c = Σ_p r_pc x_p / m_c (with count_offset o: / (m_c + o); "
                            "the starting μ_c when fixed)"),
    "dev": ("pc", "vector", "x_p − new μ_c"),
    "outer": ("pc", "matrix", "(x_p − μ_c)(x_p − μ_c)ᵀ with the new μ_c"),
    "cov": ("c", "matrix", "new covariance, d×d for every covariance type: full Σ_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ / m_c; "
                           "tied the same matrix for every c, Σ_c Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ / n; diag the "
                           "diagonal of full; spherical tr(full)/d times I; plus reg_covar·I (see forms.general_formula "
                           "for count_offset; the starting Σ_c when fixed)"),
}

E_STEP_KINDS = ("det", "inv", "norm", "quad", "exp", "density", "joint", "evidence", "resp", "loglik")
M_STEP_KINDS = ("count", "weight", "mean", "dev", "outer", "cov")
KIND_ORDER = E_STEP_KINDS + M_STEP_KINDS

_KEY = re.compile(r"^(?:iter(?P<t>[1-9][0-9]*)\.)?(?P<kind>[a-z]+)(?P<rest>(?:\.[^.\[\]]+)*)(?P<entry>(?:\[[0-9]+\])*)$")


@dataclass(frozen=True, order=True)
class Key:
    """A parsed quantity key.

    >>> Key.parse("iter2.cov.women[0][1]")
    Key(iteration=2, kind='cov', point=None, component='women', entry=(0, 1))
    >>> str(Key(1, "density", "A", "women"))
    'density.A.women'
    """

    iteration: int
    kind: str
    point: str | None = None
    component: str | None = None
    entry: tuple[int, ...] = ()

    @property
    def index(self) -> str:
        return KINDS[self.kind][0]

    @property
    def shape(self) -> str:
        return KINDS[self.kind][1]

    @property
    def whole(self) -> "Key":
        """The key without an entry subscript."""
        return Key(self.iteration, self.kind, self.point, self.component)

    def __str__(self) -> str:
        parts = [] if self.iteration == 1 else [f"iter{self.iteration}"]
        parts.append(self.kind)
        parts += [x for x in (self.point, self.component) if x is not None]
        return ".".join(parts) + "".join(f"[{i}]" for i in self.entry)

    @classmethod
    def parse(cls, text: str) -> "Key":
        """Parse a key string; raises ``ValueError`` with the reason when it is not one."""
        m = _KEY.match(text.strip())
        if not m or m["kind"] not in KINDS:
            raise ValueError(f"{text!r} is not a quantity key")
        t = int(m["t"] or 1)
        kind = m["kind"]
        names = [s for s in m["rest"].split(".") if s]
        index = KINDS[kind][0]
        if len(names) != len(index):
            want = {"": "no index", "c": "a component", "p": "a point", "pc": "a point and a component"}[index]
            raise ValueError(f"{text!r}: {kind} takes {want}")
        point = names[0] if "p" in index else None
        component = names[-1] if "c" in index else None
        entry = tuple(int(i) for i in re.findall(r"\[([0-9]+)\]", m["entry"]))
        want_entries = {"scalar": 0, "vector": 1, "matrix": 2}[KINDS[kind][1]]
        if entry and len(entry) != want_entries:
            raise ValueError(f"{text!r}: {kind} is a {KINDS[kind][1]}, so it takes {want_entries} subscripts")
        return cls(t, kind, point, component, entry)
