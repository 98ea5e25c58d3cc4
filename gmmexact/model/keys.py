"""The quantity vocabulary: kinds, their index structure, and key strings.

``CATALOGUE`` is the one source of truth for the kinds: per kind its index structure, shape, step,
symbol and general formula (LaTeX and plain text) and description. ``KINDS``, the step tuples and
``engine.forms.GENERAL`` are derived from it, and so are the claims template's comments and the
documentation's key reference (``docs/keys.md``).

A key names one quantity of one iteration, e.g. ``density.A.women``, ``iter2.mean.men`` or an
entry ``cov.women[0][1]``. Iteration 1 carries no prefix. Every later feature (JSON output,
claims files, cross-checks) speaks this vocabulary, so it changes only by addition. The keys are the
same for every covariance type: ``cov.c`` is a d×d matrix for each component even when it is tied
(equal for all c) or diagonal, so that one vocabulary fits every model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

STEPS = ("E-step", "log-likelihood", "M-step")
"""The parts of an iteration a kind belongs to, in a worked solution's order."""

INDEX_STRUCTURES = {"": "the whole iteration", "c": "one component", "p": "one point", "pc": "one point and one component"}
"""What a kind is indexed by: ``""`` (whole iteration), ``"c"`` (component), ``"p"`` (point), ``"pc"`` (both)."""

SHAPES = {"scalar": "a number", "vector": "d numbers (d×1)", "matrix": "d×d numbers"}
"""The shapes of a quantity: a number, a vector of length d, a d×d matrix."""

_FREE_INDEX = re.compile(r"_(pc|p|c)(?![A-Za-z0-9])")


@dataclass(frozen=True)
class KindInfo:
    r"""One kind of quantity: everything the vocabulary, the derivation and the documentation say about it.

    ``symbol`` and ``definition`` are LaTeX (``definition`` is the general formula a worked solution
    starts each step with: ``forms.GENERAL``); ``symbol_text`` and ``definition_text`` are the same in
    plain Unicode text, with ``_p``, ``_c`` and ``_pc`` marking the point and component subscripts.
    The definitions are those of the textbook model (full covariances, no ``count_offset`` or
    ``reg_covar``, nothing fixed); ``engine.forms.general_formula`` gives them for another model.

    >>> info = CATALOGUE["density"]
    >>> info.pattern, info.step, info.index, info.shape
    ('density.<point>.<component>', 'E-step', 'pc', 'scalar')
    >>> info.text("A", "women")
    'N(x_A | μ_women, Σ_women) = e^{−q_{A,women}/2} / ((2π)^{d/2} |Σ_women|^{1/2})'
    >>> CATALOGUE["count"].text(component="men")
    'm_men = Σ_p r_{p,men}'
    """

    kind: str
    """The first part of a key: ``density`` in ``density.A.women``."""
    index: str
    """``""``, ``"c"``, ``"p"`` or ``"pc"``: see ``INDEX_STRUCTURES``."""
    shape: str
    """``"scalar"``, ``"vector"`` or ``"matrix"``: see ``SHAPES``."""
    step: str
    """``"E-step"``, ``"log-likelihood"`` or ``"M-step"`` (see ``STEPS``)."""
    symbol: str
    """The quantity's name in LaTeX, as the worked solutions write it (``Z_c``, ``r_{pc}``)."""
    symbol_text: str
    """The same name in plain text (``Z_c``, ``r_pc``)."""
    definition: str
    """The general formula in LaTeX (``forms.GENERAL[kind]``)."""
    definition_text: str
    """The general formula's right-hand side in plain text."""
    description: str
    """What the quantity is, for every model (``KINDS[kind][2]``, ``Quantity.description``)."""

    @property
    def pattern(self) -> str:
        """The key of iteration 1, e.g. ``quad.<point>.<component>``; ``iter<t>.`` goes before it from
        iteration 2 on."""
        names = {"": [], "c": ["<component>"], "p": ["<point>"], "pc": ["<point>", "<component>"]}[self.index]
        return ".".join([self.kind, *names])

    @property
    def entry_pattern(self) -> str | None:
        """The key of one entry of a vector or matrix (entries count from 0), ``None`` for a scalar."""
        return {"scalar": None, "vector": self.pattern + "[i]", "matrix": self.pattern + "[i][j]"}[self.shape]

    @property
    def entries(self) -> int:
        """How many subscripts an entry key takes: 0 (scalar), 1 (vector) or 2 (matrix)."""
        return {"scalar": 0, "vector": 1, "matrix": 2}[self.shape]

    def text(self, point: str | None = None, component: str | None = None) -> str:
        """``symbol = definition`` in plain text, with the point's label and the component's name put
        in for the subscripts the kind is indexed by (indices summed over stay as they are)."""
        line = self.symbol_text if self.definition_text == self.symbol_text else \
            f"{self.symbol_text} = {self.definition_text}"
        names = {"p": point if "p" in self.index else None, "c": component if "c" in self.index else None}

        def name(which: str) -> str:
            value = names[which]
            return which if value is None else value

        def put(m: re.Match) -> str:
            which = m[1]
            if which == "pc":
                if names["p"] is None and names["c"] is None:
                    return m[0]
                return "_{" + name("p") + "," + name("c") + "}"
            value = names[which]
            if value is None:
                return m[0]
            return "_" + (value if re.fullmatch(r"\w+", value) else "{" + value + "}")

        return _FREE_INDEX.sub(put, line)


_NEW = r"^{\text{new}}"
_CATALOGUE = (
    KindInfo(
        kind="det", index="c", shape="scalar", step="E-step",
        symbol=r"\lvert \Sigma_c \rvert", symbol_text="|Σ_c|",
        definition=r"|\Sigma_c|", definition_text="det(Σ_c)",
        description="|Σ_c|, determinant of the covariance (tied: the same for every c; diag/spherical: the product "
                    "of the variances)"),
    KindInfo(
        kind="inv", index="c", shape="matrix", step="E-step",
        symbol=r"\Sigma_c^{-1}", symbol_text="Σ_c⁻¹",
        definition=r"\Sigma_c^{-1}", definition_text="adj(Σ_c) / |Σ_c|",
        description="Σ_c⁻¹, inverse covariance (precision; d×d for every covariance type, diagonal for "
                    "diag/spherical)"),
    KindInfo(
        kind="norm", index="c", shape="scalar", step="E-step",
        symbol=r"Z_c", symbol_text="Z_c",
        definition=r"(2\pi)^{d/2} |\Sigma_c|^{1/2}", definition_text="(2π)^{d/2} |Σ_c|^{1/2}",
        description="(2π)^{d/2}|Σ_c|^{1/2}, normalising constant"),
    KindInfo(
        kind="quad", index="pc", shape="scalar", step="E-step",
        symbol=r"q_{pc}", symbol_text="q_pc",
        definition=r"(x_p - \mu_c)^\top \Sigma_c^{-1} (x_p - \mu_c)",
        definition_text="(x_p − μ_c)ᵀ Σ_c⁻¹ (x_p − μ_c)",
        description="(x_p−μ_c)ᵀΣ_c⁻¹(x_p−μ_c), quadratic form"),
    KindInfo(
        kind="exp", index="pc", shape="scalar", step="E-step",
        symbol=r"e^{-q_{pc}/2}", symbol_text="e^{−q_pc/2}",
        definition=r"\exp\left(-\tfrac{1}{2} q_{pc}\right)", definition_text="exp(−q_pc / 2)",
        description="exp(−quad/2)"),
    KindInfo(
        kind="density", index="pc", shape="scalar", step="E-step",
        symbol=r"\mathcal{N}(x_p \mid \mu_c, \Sigma_c)", symbol_text="N(x_p | μ_c, Σ_c)",
        definition=r"\mathcal{N}(x_p \mid \mu_c, \Sigma_c) = \frac{\exp(-q_{pc}/2)}{(2\pi)^{d/2} |\Sigma_c|^{1/2}}",
        definition_text="e^{−q_pc/2} / ((2π)^{d/2} |Σ_c|^{1/2})",
        description="N(x_p | μ_c, Σ_c)"),
    KindInfo(
        kind="joint", index="pc", shape="scalar", step="E-step",
        symbol=r"\pi_c \, \mathcal{N}(x_p \mid \mu_c, \Sigma_c)", symbol_text="π_c N(x_p | μ_c, Σ_c)",
        definition=r"\pi_c \, \mathcal{N}(x_p \mid \mu_c, \Sigma_c)", definition_text="π_c · e^{−q_pc/2} / Z_c",
        description="π_c·N(x_p | μ_c, Σ_c)"),
    KindInfo(
        kind="evidence", index="p", shape="scalar", step="E-step",
        symbol=r"p(x_p)", symbol_text="p(x_p)",
        definition=r"\sum_{j=1}^{K} \pi_j \, \mathcal{N}(x_p \mid \mu_j, \Sigma_j)",
        definition_text="Σ_j π_j N(x_p | μ_j, Σ_j)",
        description="Σ_c π_c·N(x_p | μ_c, Σ_c)"),
    KindInfo(
        kind="resp", index="pc", shape="scalar", step="E-step",
        symbol=r"r_{pc}", symbol_text="r_pc",
        definition=r"r_{pc} = \frac{\pi_c \mathcal{N}(x_p \mid \mu_c, \Sigma_c)}"
                   r"{\sum_j \pi_j \mathcal{N}(x_p \mid \mu_j, \Sigma_j)}",
        definition_text="π_c N(x_p | μ_c, Σ_c) / p(x_p)",
        description="responsibility r_pc = joint / evidence"),
    KindInfo(
        kind="loglik", index="", shape="scalar", step="log-likelihood",
        symbol=r"\ell(\theta)", symbol_text="ℓ(θ)",
        definition=r"\sum_{p=1}^{n} \log \sum_{j=1}^{K} \pi_j \mathcal{N}(x_p \mid \mu_j, \Sigma_j)",
        definition_text="Σ_p log Σ_j π_j N(x_p | μ_j, Σ_j)",
        description="Σ_p log evidence_p, of the parameters the iteration starts from"),
    KindInfo(
        kind="count", index="c", shape="scalar", step="M-step",
        symbol=r"m_c", symbol_text="m_c",
        definition=r"m_c = \sum_{p=1}^{n} r_{pc}", definition_text="Σ_p r_pc",
        description="m_c = Σ_p r_pc (without any count_offset)"),
    KindInfo(
        kind="weight", index="c", shape="scalar", step="M-step",
        symbol=r"\pi_c" + _NEW, symbol_text="π_c^new",
        definition=r"\pi_c" + _NEW + " = m_c / n", definition_text="m_c / n",
        description="new mixing weight π_c = m_c / n (with count_offset o: (m_c + o) / (n + K·o); the starting "
                    "π_c when fixed)"),
    KindInfo(
        kind="mean", index="c", shape="vector", step="M-step",
        symbol=r"\mu_c" + _NEW, symbol_text="μ_c^new",
        definition=r"\mu_c" + _NEW + r" = \frac{1}{m_c} \sum_p r_{pc} x_p", definition_text="Σ_p r_pc x_p / m_c",
        description="new mean μ_c = Σ_p r_pc x_p / m_c (with count_offset o: / (m_c + o); the starting μ_c when "
                    "fixed)"),
    KindInfo(
        kind="dev", index="pc", shape="vector", step="M-step",
        symbol=r"x_p - \mu_c" + _NEW, symbol_text="x_p − μ_c^new",
        definition=r"x_p - \mu_c" + _NEW, definition_text="x_p − μ_c^new",
        description="x_p − new μ_c"),
    KindInfo(
        kind="outer", index="pc", shape="matrix", step="M-step",
        symbol=r"(x_p - \mu_c" + _NEW + r")(x_p - \mu_c" + _NEW + r")^\top",
        symbol_text="(x_p − μ_c^new)(x_p − μ_c^new)ᵀ",
        definition=r"(x_p - \mu_c" + _NEW + r")(x_p - \mu_c" + _NEW + r")^\top",
        definition_text="(x_p − μ_c^new)(x_p − μ_c^new)ᵀ",
        description="(x_p − μ_c)(x_p − μ_c)ᵀ with the new μ_c"),
    KindInfo(
        kind="cov", index="c", shape="matrix", step="M-step",
        symbol=r"\Sigma_c" + _NEW, symbol_text="Σ_c^new",
        definition=r"\Sigma_c" + _NEW + r" = \frac{1}{m_c} \sum_p r_{pc} (x_p - \mu_c" + _NEW + r")(x_p - \mu_c"
                   + _NEW + r")^\top",
        definition_text="Σ_p r_pc (x_p − μ_c^new)(x_p − μ_c^new)ᵀ / m_c",
        description="new covariance, d×d for every covariance type: full Σ_c = Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ / "
                    "m_c; tied the same matrix for every c, Σ_c Σ_p r_pc (x_p − μ_c)(x_p − μ_c)ᵀ / n; diag the "
                    "diagonal of full; spherical tr(full)/d times I; plus reg_covar·I (see forms.general_formula "
                    "for count_offset; the starting Σ_c when fixed)"),
)

CATALOGUE: dict[str, KindInfo] = {info.kind: info for info in _CATALOGUE}
"""The one catalogue of quantity kinds, in a worked solution's order (E-step, log-likelihood, M-step).
``KINDS``, ``E_STEP_KINDS``, ``M_STEP_KINDS`` and ``engine.forms.GENERAL`` are derived from it."""

# kind -> (index structure, shape, description)
#   index: "" (whole iteration), "c" (component), "p" (point), "pc" (point and component)
#   shape: "scalar", "vector" (d), "matrix" (d x d)
KINDS: dict[str, tuple[str, str, str]] = {k: (i.index, i.shape, i.description) for k, i in CATALOGUE.items()}

E_STEP_KINDS = tuple(k for k, i in CATALOGUE.items() if i.step != "M-step")  # the log-likelihood with the E-step
M_STEP_KINDS = tuple(k for k, i in CATALOGUE.items() if i.step == "M-step")
KIND_ORDER = E_STEP_KINDS + M_STEP_KINDS

_KEY = re.compile(r"^(?:iter(?P<t>[1-9][0-9]*)\.)?(?P<kind>[a-z]+)(?P<rest>(?:\.[^.\[\]]+)*)(?P<entry>(?:\[[0-9]+\])*)$")


@dataclass(frozen=True, order=True)
class Key:
    """A parsed quantity key (the vocabulary: ``docs/keys.md``).

    >>> Key.parse("iter2.cov.women[0][1]")
    Key(iteration=2, kind='cov', point=None, component='women', entry=(0, 1))
    >>> str(Key(1, "density", "A", "women"))
    'density.A.women'

    Attributes
    ----------
    iteration : int
        The EM iteration, from 1 (written as the prefix ``iter<t>.`` from 2 on).
    kind : str
        One of the kinds of ``CATALOGUE``.
    point : str or None
        The point's label, for kinds indexed by a point.
    component : str or None
        The component's name, for kinds indexed by a component.
    entry : tuple of int
        Subscripts of one entry of a vector (one) or matrix (two), counted from 0; ``()`` for the whole.
    """

    iteration: int
    kind: str
    point: str | None = None
    component: str | None = None
    entry: tuple[int, ...] = ()

    @property
    def index(self) -> str:
        """The kind's index structure, ``""``, ``"c"``, ``"p"`` or ``"pc"`` (whole iteration, component,
        point, point and component)."""
        return KINDS[self.kind][0]

    @property
    def shape(self) -> str:
        """The whole quantity's shape, ``"scalar"``, ``"vector"`` or ``"matrix"``."""
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
        shown = repr(text) if len(text) <= 80 else repr(text[:60] + "…")
        if not m or m["kind"] not in KINDS:
            raise ValueError(f"{shown} is not a quantity key")
        big = next((n for n in (m["t"] or "", *re.findall(r"\[([0-9]+)\]", m["entry"])) if len(n) > 9), None)
        if big is not None:
            raise ValueError(f"{shown}: {big[:20]}{'…' if len(big) > 20 else ''} ({len(big)} digits) is not an "
                             "iteration or entry number (at most 9 digits)")
        t = int(m["t"] or 1)
        kind = m["kind"]
        names = [s for s in m["rest"].split(".") if s]
        index = KINDS[kind][0]
        if len(names) != len(index):
            want = {"": "no index", "c": "a component", "p": "a point", "pc": "a point and a component"}[index]
            raise ValueError(f"{shown}: {kind} takes {want}")
        point = names[0] if "p" in index else None
        component = names[-1] if "c" in index else None
        entry = tuple(int(i) for i in re.findall(r"\[([0-9]+)\]", m["entry"]))
        want_entries = {"scalar": 0, "vector": 1, "matrix": 2}[KINDS[kind][1]]
        if entry and len(entry) != want_entries:
            raise ValueError(f"{shown}: {kind} is a {KINDS[kind][1]}, so it takes {want_entries} subscripts")
        return cls(t, kind, point, component, entry)
