"""Giving every written number of a document its place: a claim for a quantity key, a given (the
data, the starting parameters, a constant, a value restated), a number inside a step's working,
or not understood — never dropped.

The document is walked in order. Headings set the phase (the start, the E-step, the M-step, the
new parameters) and the iteration; each statement's first side names its subject
(``\\mathcal{N}(A | \\mu_{women}, \\Sigma_{women})`` is ``density.A.women``, ``|\\Sigma_{men}|`` is
``det.men``, ``(A - \\mu_1)^T \\Sigma_1^{-1} (A - \\mu_1)`` is ``quad.A.1``); the literal sides of its
chain are claims for that key; numbers inside the working of a known step are keyed where the
step's shape says what they are (the ``62.83`` of ``\\frac{1}{62.83}`` in a density is ``norm``,
the ``0.0107`` of ``0.5 \\times 0.0107`` in a responsibility is a density), else they are the
step's working. Tables are read by their headers: a label column and variable columns are the
data; a column per component holds responsibilities; a row per component with μ, Σ, π columns
holds parameters (the start before the first E-step, the new ones after the M-step).

The worked solutions' own notation (``gmmexact latex``, with or without ``--carry-digits``) is read
too: ``q_{A,women}`` is ``quad``, ``Z_{women}`` ``norm``, ``e^{-q_{A,women}/2}`` ``exp``,
``\\pi_{women} \\mathcal{N}(x_A \\mid …)`` ``joint``, ``p(x_A)`` ``evidence``, ``\\sigma_c^{-2}`` ``inv``
(d = 1), ``(x_A - \\mu^{new})^2`` ``outer`` (d = 1), ``\\ell(\\theta^{new})`` the next iteration's
``loglik``; ``x_A - \\mu_{women}`` before the M-step and ``\\Sigma^{-1}(x_A - \\mu)`` are steps with no
key (:data:`STEP`: working); ``(\\text{exact} \\approx …)`` beside a carried value, and ``d = 2``,
``K = 2``, ``n = 6``, are given.

Known gaps: a subject written only in words ("the density of A under women is 0.0107") is not
understood; a step whose subject is implicit is keyed only for the norm (a product with π done by
hand) and exp forms; iterations past the first are recognised from headings and superscripts
(``^{(2)}``), not from prose; a table column of a per-point quantity other than a responsibility
(``q_{p,c}``, ``\\mathcal{N}(x_p \\mid …)`` in the compact layout) is not read.

>>> from gmmexact.model.problem import load
>>> from gmmexact.documents import read_markdown
>>> doc = read_markdown("# E-step\\n\\n$$|\\\\Sigma_{women}| = 100$$\\n", "hw.md")
>>> [(p.status, p.key, p.value) for p in place_numbers(doc, load("examples/seed/problem.toml"))]
[('claim', 'det.women', '100')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

from ..model.errors import InputError
from ..model.exactnum import fixed_limits, parse_exact
from ..model.keys import KINDS, Key
from ..model.problem import Problem
from .names import COMPONENT_WORDS, POINT_WORDS, Names, parameter_kind, plain
from .source import Cell, Document, Heading, Math, Prose, Span, Table
from .statements import (Array, Atom, Frac, Number, Op, Root, Side, Statement, cell_numbers, cell_value,
                         statements, text_numbers)

STATUSES = ("claim", "given", "working", "unread")
"""``claim``: checked against the key's exact value; ``given``: the data, the start, a constant or a
value the document already stated; ``working``: a number inside a step's working that has no key of
its own (``(-2)^2``, ``\\frac{4}{10}``); ``unread``: not understood (the reason says why)."""

PI_BY_HAND = ("3.14", "3.142", "3.1416", "3.14159", "3.141593", "3.1415926", "3.14159265", "22/7")

STEP = "step"
"""The kind of a :class:`Subject` that names a step with no key of its own (the E-step's ``x_p − μ_c``,
``Σ_c⁻¹(x_p − μ_c)``): its numbers, the results included, are its working."""

EXACT_WORDS = ("exact", "true", "certified", "unrounded")
"""Words that open a parenthesis giving the exact value beside a carried one: ``(\\text{exact} ≈ 0.00533)``."""


@dataclass(frozen=True)
class Placement:
    """One written number (or vector or matrix) and its place.

    Attributes
    ----------
    status : str
        One of :data:`STATUSES`.
    value : str or tuple
        As written, normalised for :func:`gmmexact.model.written.parse_written`; a vector is a
        tuple of strings, a matrix a tuple of rows.
    span : Span
        Where the number (or the whole array) is written.
    key : str or None
        The quantity key of a claim (``"density.A.women"``, ``"mean.men[0]"``).
    reason : str
        Why this place: the subject it was read from, or why it is not understood.
    statement : str
        The TeX (or table row) it was read in, shortened, for reports.
    """

    status: str
    value: str | tuple
    span: Span
    key: str | None = None
    reason: str = ""
    statement: str = ""


@dataclass(frozen=True)
class Subject:
    """What a side names: a kind with its point, component and entry, or a restated start."""

    kind: str
    point: str | None = None
    component: str | None = None
    entry: tuple[int, ...] = ()
    given: bool = False
    iteration: int = 1
    inferred: bool = False  # the component comes from the context, not from the side itself
    label: str = ""  # what a STEP is, for reasons

    def key(self) -> str | None:
        if self.kind == STEP:
            return None
        index = KINDS[self.kind][0]
        if ("c" in index and self.component is None) or ("p" in index and self.point is None):
            return None
        return str(Key(self.iteration, self.kind, self.point if "p" in index else None,
                       self.component if "c" in index else None, self.entry))


@dataclass
class _State:
    phase: str = "start"  # start | estep | mstep | new
    iteration: int = 1
    point: str | None = None
    component: str | None = None
    claimed: dict = field(default_factory=dict)  # key -> written values already claimed
    inline: bool = False  # reading inline math (in prose): |Σ| takes no component from the context


_PHASES = (("new", ("new cluster", "new parameter", "updated parameter", "final", "result", "summary")),
           ("mstep", ("m-step", "m step", "maximi", "update")),
           ("estep", ("e-step", "e step", "expectation", "responsibilit", "density", "densities", "gaussian",
                      "likelihood", "determinant", "inverse")),
           ("start", ("initial", "initiali", "start", "dataset", "data set", "given", "problem", "setup")))
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}


def _phase(title: str, state: _State) -> None:
    t = title.lower()
    m = re.search(r"iteration\s*(?:t\s*=\s*)?(\d+)", t) or re.search(r"\b(first|second|third|fourth|fifth)\s+iteration", t)
    if m and (not m.group(1).isdigit() or len(m.group(1)) <= 9):
        state.iteration = int(m.group(1)) if m.group(1).isdigit() else _ORDINALS[m.group(1)]
    for phase, words in _PHASES:
        if any(w in t for w in words):
            state.phase = phase
            return


# -- reading a side's subject --------------------------------------------------------------------

def _atoms(tokens) -> list:
    return [t for t in tokens if isinstance(t, Atom)]


def _iteration_of(sup: str | None, state: _State) -> tuple[int | None, bool]:
    """(iteration of the new value named, is it a new value) from a superscript like ``(1)``/``new``."""
    if sup is None:
        return None, False
    raw = plain(sup).lower()
    s = raw.strip("()")
    if s in ("new", "t+1", "'", "*", "next", "updated", "newc", "new,c"):
        return state.iteration, True
    if s.isascii() and s.isdigit() and len(s) <= 9 and raw.startswith("("):  # μ^{(1)}: after iteration 1 (^2 squares)
        k = int(s)
        return (k, True) if k >= 1 else (None, False)
    return None, False


def _point_component(atom: Atom, names: Names, state: _State) -> tuple[str | None, str | None]:
    p, c = names.split(atom.sub)
    if p is None and c is None:
        c = names.component(atom.sub)
        p = names.point(atom.sub) if c is None else None
    return p, c


def _component_in(tokens, names: Names) -> str | None:
    """The component named by the first parameter symbol (μ, Σ, σ, π) among ``tokens``."""
    for t in _walk(tokens):
        if isinstance(t, Atom) and t.sub is not None and names.symbol(t.name) in ("mean", "cov", "weight"):
            c = names.component(t.sub) or names.split(t.sub)[1]
            if c:
                return c
    return None


def _point_in(tokens, names: Names) -> str | None:
    """The point named among ``tokens``: a label (``A``), or ``x_A``, ``\\mathbf{x}_3``, ``x^{(3)}``."""
    for t in _walk(tokens):
        if not isinstance(t, Atom) or "mathcal" in t.decorations or t.name in ("exp", "det", "log", "ln"):
            continue
        if t.name in ("x", "X", "y") and (t.sub is not None or t.sup is not None):
            p = names.point(t.sub if t.sub is not None else t.sup) or names.point(f"{t.name}_{t.sub}")
            if p:
                return p
            continue
        if names.symbol(t.name) in ("mean", "cov", "weight") or t.name in ("u", "pi"):
            continue
        p = names.point(t.name if t.sub is None else f"{t.name}_{t.sub}") or names.point(t.name)
        if p:
            return p
    return None


def _walk(tokens):
    """Every token, depth first (fractions, roots, arrays, scripts and arguments included)."""
    for t in tokens:
        yield t
        if isinstance(t, Frac):
            yield from _walk(t.num)
            yield from _walk(t.den)
        elif isinstance(t, Root):
            yield from _walk(t.radicand)
        elif isinstance(t, Atom):
            yield from _walk(t.sup_tokens)
            for a in t.arg_tokens:
                yield from _walk(a)
        elif isinstance(t, Op) and t.tokens:
            yield from _walk(t.tokens)
        elif isinstance(t, Array):
            for row in t.cells:
                for cell in row:
                    yield from _walk(cell)


def _has_transpose(tokens) -> bool:
    return any((isinstance(t, Op) and t.text in ("^T", "^⊤", "^'", "^top")) or
               (isinstance(t, Atom) and plain(t.sup or "") in ("T", "top", "intercal", "⊤")) for t in tokens)


def subject_of(side: Side, names: Names, state: _State) -> Subject | None:
    """The quantity a (non-literal) side names, from its tokens and the state around it."""
    toks = [t for t in side.tokens if not (isinstance(t, Op) and t.text in ("\\boxed",))]
    if not toks:
        return None
    atoms = _atoms(toks)
    first = toks[0]
    t = state.iteration
    # |Σ_c| or det(Σ_c) or a vmatrix
    if isinstance(first, Op) and first.text in ("|", "‖") and len(atoms) >= 1 and atoms[0].name == "Sigma":
        named = names.component(atoms[0].sub)
        return Subject("det", component=named or (None if state.inline else state.component), iteration=t)
    if isinstance(first, Atom) and first.name == "det":
        return Subject("det", component=_component_in(toks, names) or state.component, iteration=t)
    if isinstance(first, Array) and first.determinant:
        return None
    # the quadratic form (x - μ)^T Σ^{-1} (x - μ)
    inverse = [a for a in atoms if a.name == "Sigma" and plain(a.sup or "") == "-1"]
    if inverse and _has_transpose(toks) and isinstance(first, Op) and first.text == "(":
        c = names.component(inverse[0].sub) or _component_in(toks, names) or state.component
        return Subject("quad", point=_point_in(toks, names) or state.point, component=c, iteration=t)
    if isinstance(first, Op) and first.text == "(":
        if _is_squared_sigma(toks):  # (σ_c^new)^2: a 1-D variance
            return _parameter("cov", names.component(toks[1].sub), toks[1], state)
        if _is_bracketed_inverse(toks):  # (Σ_c^{(1)})^{-1}, alone or times (x − μ)
            c = names.component(toks[1].sub) or state.component
            if len(toks) > 4:
                return Subject(STEP, point=_point_in(toks[4:], names) or state.point, component=c, iteration=t,
                               label=f"Σ⁻¹(x − μ) of {c}" if c else "Σ⁻¹(x − μ)")
            return Subject("inv", component=c, iteration=t)
        # (x - μ), (x - μ)^2 and (x - μ)(x - μ)^T
        return _deviation(toks, names, state)
    if not isinstance(first, Atom):
        return None
    name, sub = first.name, first.sub
    kind = names.symbol(name)
    if _is_density(first):
        point = _density_point(first, names)
        comp = _component_in([x for a in first.arg_tokens for x in a], names) or names.component(sub)
        if point is None:
            if "mathcal" in first.decorations:
                return None  # 𝒩(μ, Σ) names a distribution, not a number
            return Subject("evidence", point=None, iteration=t) if not first.args else None
        if comp is None and name in ("p",) and len(first.args) == 1:
            return Subject("evidence", point=point, iteration=t)
        return Subject("density", point=point, component=comp or state.component, iteration=t)
    if name in ("exp", "e") and sub is None:
        inner = [x for a in first.arg_tokens for x in a] + list(first.sup_tokens)
        q = next((a for a in _walk(inner) if isinstance(a, Atom) and names.symbol(a.name) == "quad"), None)
        if q is not None and q.sub is not None:  # e^{-q_{A,women}/2}
            p, c = names.split(q.sub)
            return Subject("exp", point=p, component=c, iteration=t) if p and c else None
        if name == "exp" or q is not None:
            return Subject("exp", point=state.point, component=state.component, iteration=t)
        return None
    if name in ("log", "ln") and first.args is None:
        rest = atoms[1:2]
        if rest and (rest[0].name in ("L", "p", "P") or "mathcal" in rest[0].decorations):
            return Subject("loglik", iteration=t)
        return None
    if kind is None:
        if len(toks) >= 3 and isinstance(toks[1], Op) and toks[1].text == "-" and _point_in(toks[:1], names):
            return _deviation(toks, names, state)  # x_A - μ_women, unbracketed
        return None
    if kind == "cov" and (plain(first.sup or "") == "-1" or (name == "sigma" and plain(first.sup or "") == "-2")):
        c = names.component(sub) or state.component
        if first.args is not None or len(toks) > 1:  # Σ_c^{-1}(x_p - μ_c): a product, not the inverse
            return Subject(STEP, point=_point_in(toks, names) or state.point, component=c, iteration=t,
                           label=f"Σ⁻¹(x − μ) of {c}" if c else "Σ⁻¹(x − μ)")
        return Subject("inv", component=c, iteration=t)
    if kind == "cov" and name == "sigma" and plain(first.sup or "") != "2":
        return None  # σ alone is a standard deviation: no key
    if kind == "quad":  # q_{A,women}
        p, c = names.split(sub)
        return Subject("quad", point=p, component=c, iteration=t) if p and c else None
    if kind == "norm":  # Z_women
        c = names.component(sub)
        return Subject("norm", component=c, iteration=t) if c else None
    if kind == "loglik":
        if name in ("L", "l") and not ("mathcal" in first.decorations or name == "ell" or sub is None):
            return None
        return Subject("loglik", iteration=_loglik_iteration(first, state))
    if kind == "weight":
        c = names.component(sub)
        if c is None:
            return None  # π alone is the constant
        rest = [x for x in toks[1:] if not (isinstance(x, Op) and x.text in ("×", "·", "*"))]
        if len(rest) == 1 and isinstance(rest[0], Atom) and _is_density(rest[0]):  # π_c 𝒩(x_p | μ_c, Σ_c)
            point = _density_point(rest[0], names)
            return Subject("joint", point=point, component=c, iteration=t) if point else None
        return _parameter("weight", c, first, state)
    if kind in ("mean", "cov"):
        c = names.component(sub)
        entry: tuple[int, ...] = ()
        if c is None:
            v = names.variable(sub)
            if v is None:
                return None
            c, entry = state.component, (v,)
            if kind == "cov":
                return None
            return replace(_parameter(kind, c, first, state, entry), inferred=True)
        return _parameter(kind, c, first, state, entry)
    if kind == "resp":
        if sub is None and first.args and len(first.args) == 1:  # γ(z_{nk}): the latent indicator's indices
            inner = plain(first.args[0])
            sub = inner[2:] if inner[:2] in ("z_", "Z_") else None
        p, c = names.split(sub)
        if p is None and c is None:
            c = names.component(sub)
            p = state.point if c is not None else names.point(sub)
            c = c or (state.component if p is not None and names.point(sub) else None)
        if c is None:
            return None
        return Subject("resp", point=p or state.point, component=c, iteration=t)
    if kind == "count":
        c = names.component(sub)
        if c is None:
            return None
        return Subject("count", component=c, iteration=t)
    return None


def _is_density(atom: Atom) -> bool:
    """``\\mathcal{N}(…)``, or ``p(…)``, ``f(…)``, ``φ(…)`` with arguments."""
    return (atom.name == "N" and "mathcal" in atom.decorations) or \
        (atom.name in ("p", "f", "phi", "varphi") and bool(atom.args))


def _density_point(atom: Atom, names: Names) -> str | None:
    """The point a density's or evidence's first argument names (``A``, ``x_A``, ``x_{3}``, ``A | μ``)."""
    if not atom.args:
        return None
    point = names.point(atom.args[0]) or names.point(atom.args[0].split("|")[0])
    if point is None and atom.arg_tokens:
        head = []
        for x in atom.arg_tokens[0]:
            if isinstance(x, Op) and x.text == "|":
                break
            head.append(x)
        point = _point_in(head, names)
    return point


def _is_squared_sigma(toks) -> bool:
    """``(σ_c)^2`` or ``(σ_c^new)^2``: a variance written as a bracketed standard deviation squared."""
    return len(toks) == 4 and isinstance(toks[1], Atom) and toks[1].name == "sigma" and \
        isinstance(toks[2], Op) and toks[2].text == ")" and isinstance(toks[3], Op) and toks[3].text == "^2"


def _is_bracketed_inverse(toks) -> bool:
    """``(Σ_c^{(1)})^{-1}`` (or ``(σ_c^{(1)})^{-2}``) at the start of ``toks``."""
    return len(toks) >= 4 and isinstance(toks[1], Atom) and toks[1].name in ("Sigma", "sigma", "S") and \
        isinstance(toks[2], Op) and toks[2].text == ")" and isinstance(toks[3], Op) and toks[3].text in ("^-1", "^-2")


def _deviation(toks, names: Names, state: _State) -> Subject | None:
    """``x_p − μ_c``, ``(x_p − μ_c)``, ``(x_p − μ_c)^2`` (1-D) or ``(x_p − μ_c)(x_p − μ_c)^T``.

    From the new mean (``μ^new``, ``μ^{(t)}``, ``\\hat μ``) or in the M-step they are ``dev`` and
    ``outer``; from the starting mean before the M-step they are the E-step's working (no key)."""
    atoms = _atoms(toks)
    inner = [a for a in atoms if a.name in ("mu", "u") or names.symbol(a.name) == "mean"]
    if not inner or len(atoms) < 2:
        return None
    point = _point_in(toks, names) or state.point
    mu = inner[0]
    c = names.component(mu.sub) or state.component
    t = state.iteration
    squared = isinstance(toks[-1], Op) and toks[-1].text == "^2" and names.problem.d == 1
    iteration, new = _iteration_of(mu.sup, state)
    if new and iteration is not None and iteration < t:
        new = False  # μ^{(1)} in iteration 2: the mean the iteration starts from
    new = new or "hat" in mu.decorations or "prime" in mu.decorations
    if not new and state.phase in ("start", "estep"):
        return Subject(STEP, point=point, component=c, iteration=t,
                       label=f"the E-step deviation x − μ of {c}" if c else "the E-step deviation x − μ")
    kind = "outer" if squared or (len(inner) >= 2 and _closes_then_opens(toks)) else "dev"
    return Subject(kind, point=point, component=c, iteration=iteration or t)


def _loglik_iteration(atom: Atom, state: _State) -> int:
    """``ℓ(θ)`` is the iteration's; ``ℓ(θ^new)``, ``ℓ(θ^{(t)})`` the next one's (of the parameters after)."""
    for x in _walk([y for a in atom.arg_tokens for y in a]):
        if isinstance(x, Atom) and x.name == "theta":
            iteration, new = _iteration_of(x.sup, state)
            if new:
                return (iteration or state.iteration) + 1
    return state.iteration


def _closes_then_opens(toks) -> bool:
    for a, b in zip(toks, toks[1:]):
        if isinstance(a, Op) and a.text == ")" and isinstance(b, Op) and b.text == "(":
            return True
    return False


def _parameter(kind: str, component: str | None, atom: Atom, state: _State, entry=()) -> Subject:
    """μ, Σ or π: a restated start before the M-step, the new value after it (or when marked new)."""
    iteration, new = _iteration_of(atom.sup, state)
    if "hat" in atom.decorations or "prime" in atom.decorations:
        iteration, new = state.iteration, True
    if new:
        return Subject(kind, component=component, entry=entry, iteration=iteration or state.iteration)
    given = state.phase in ("start", "estep")
    return Subject(kind, component=component, entry=entry, given=given, iteration=state.iteration)


# -- values --------------------------------------------------------------------------------------

def _written(value) -> str | tuple | None:
    if isinstance(value, Number):
        return value.written
    if isinstance(value, Array):
        rows = tuple(tuple(None if n is None else n.written for n in row) for row in value.rows)
        if any(x is None for row in rows for x in row):
            return None
        if value.kind == "column":
            return tuple(r[0] for r in rows)
        if value.kind == "row":
            return rows[0]
        return rows
    return None


def _shape_for(kind: str, entry, value, d: int):
    """``value`` in the key's shape, or (None, reason)."""
    shape = "scalar" if entry else KINDS[kind][1]
    if d == 1 and shape != "scalar":
        shape = "scalar"  # 1-D: a vector or matrix quantity is one number
        if isinstance(value, tuple):
            flat = [x for x in _flat(value)]
            if len(flat) == 1:
                return flat[0], ""
            return None, f"{len(flat)} numbers written for a 1-D {kind}"
    if shape == "scalar":
        if isinstance(value, str):
            return value, ""
        flat = list(_flat(value))
        if len(flat) == 1:
            return flat[0], ""
        return None, f"{len(flat)} numbers written where {kind} is one number"
    if isinstance(value, str):
        if _is_zero(value):
            return (tuple([value] * d) if shape == "vector" else tuple(tuple([value] * d) for _ in range(d))), \
                "a zero written for the whole array"
        return None, f"one number written for the {shape} {kind} (d = {d})"
    flat = list(_flat(value))
    if len(flat) == 1 and _is_zero(flat[0]):  # [0]: the zero vector or matrix
        z = flat[0]
        return (tuple([z] * d) if shape == "vector" else tuple(tuple([z] * d) for _ in range(d))), \
            "[0] read as the zero " + shape
    if shape == "vector" and len(flat) == d and not any(isinstance(x, tuple) for x in value if x is not None):
        return tuple(flat), ""
    if shape == "vector" and len(flat) == d:
        return tuple(flat), ""
    if shape == "matrix" and len(value) == d and all(isinstance(r, tuple) and len(r) == d for r in value):
        return value, ""
    return None, f"a {_dims(value)} array written for the {shape} {kind} (d = {d})"


def _dims(value) -> str:
    if value and isinstance(value[0], tuple):
        return f"{len(value)}×{len(value[0])}"
    return f"1×{len(value)}"


def _flat(value):
    for x in value:
        if isinstance(x, tuple):
            yield from _flat(x)
        else:
            yield x


def _exact(text: str) -> Fraction | None:
    """The exact value of a plain number as written (``"0.5"``, ``"-3"``, ``"1/3"``), or ``None``: never
    expanded past the limits on digits and exponents (``1e999999999`` is ``None``, not 10^999999999)."""
    try:
        return parse_exact(text.replace(" ", ""), file=None, field=None)
    except InputError:
        return None


def _is_zero(text: str) -> bool:
    return _exact(text) == 0


# -- the walk ------------------------------------------------------------------------------------

class _Placer:
    def __init__(self, document: Document, problem: Problem, names: Names):
        self.document, self.problem, self.names = document, problem, names
        self.state = _State()
        self.out: list[Placement] = []
        self.pending: list[tuple[int, Subject, str]] = []  # (index in out, subject, reason): component to confirm
        self.values: dict[Fraction, str] = {}  # exact value of a claimed number -> its key
        self.last: Subject | None = None  # the subject of the last statement
        data = {Fraction(x) for row in problem.points for x in row}
        start = {Fraction(x) for c in problem.components for x in (*c.mean, *_flat(c.covariance), c.weight)}
        self.givens = data | start

    # a number that restates the data, the start or an earlier claim is a given
    def _given_reason(self, written: str) -> str | None:
        q = _exact(written)
        if q is None:
            return None
        if q in self.givens:
            return "restates the data or the starting parameters"
        if q in self.values:
            return f"restates {self.values[q]}"
        return None

    def emit(self, status, value, span, key=None, reason="", statement="") -> None:
        self.out.append(Placement(status, value, span, key, reason, statement[:160]))

    def claim(self, subject: Subject, value, span: Span, reason: str, statement: str) -> None:
        key = subject.key()
        if key is None:
            what = "point" if subject.point is None and "p" in KINDS[subject.kind][0] else "component"
            self.emit("unread", value, span, None, f"a {subject.kind} whose {what} the document does not name here",
                      statement)
            return
        if subject.kind == "det" and isinstance(value, tuple) and self.problem.d > 1:
            self.emit("given", value, span, None, f"the matrix whose determinant is {key}", statement)
            return
        shaped, why = _shape_for(subject.kind, subject.entry, value, self.problem.d)
        if shaped is None:
            self.emit("unread", value, span, key, f"{key}: {why}", statement)
            return
        if subject.given:
            self.emit("given", shaped, span, key, f"the starting {subject.kind} of {subject.component}", statement)
            return
        if subject.inferred:
            self.pending.append((len(self.out), subject, reason))
            self.emit("unread", shaped, span, key, f"{_describe(subject)}: the component is not named here",
                      statement)
            return
        self._resolve_pending(subject)
        earlier = self.state.claimed.setdefault(key, [])
        if shaped in earlier:
            self.emit("given", shaped, span, key, f"restates {key}", statement)
            return
        earlier.append(shaped)
        if isinstance(shaped, str) and (q := _exact(shaped)) is not None:
            self.values.setdefault(q, key)
        self.emit("claim", shaped, span, key, reason + (f" ({why})" if why else ""), statement)

    def _resolve_pending(self, subject: Subject) -> None:
        """Coordinates written as μ_height, μ_weight take the component of the mean stated next."""
        if not self.pending or subject.kind != "mean" or subject.entry:
            return
        for index, sub, reason in self.pending:
            if sub.iteration != subject.iteration:
                continue
            old = self.out[index]
            resolved = replace(sub, component=subject.component, inferred=False)
            key = resolved.key()
            self.state.claimed.setdefault(key, []).append(old.value)
            self.out[index] = replace(old, status="claim", key=key,
                                      reason=f"the value of {key} (a coordinate of the mean of {subject.component} "
                                             f"stated next)")
        self.pending = []

    def run(self) -> list[Placement]:
        blocks = self.document.blocks
        for block in blocks:
            if isinstance(block, Heading):
                phase = self.state.phase
                _phase(block.title, self.state)
                if self.state.phase != phase:
                    self.pending = []
                self._prose_numbers(block.title, block.span, heading=True)
            elif isinstance(block, Math):
                self.state.inline = not block.display
                for st in statements(block):
                    self.statement(st)
                self.state.inline = False
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Prose):
                self._prose(block, blocks)
        return self.out

    # -- prose and headings --
    def _prose(self, block: Prose, blocks) -> None:
        text = block.span.text
        masked = list(text)
        for m in re.finditer(r"\$\$?.*?\$\$?", text, flags=re.S):  # its math is read as math blocks
            for i in range(m.start(), m.end()):
                masked[i] = " "
        self._prose_numbers("".join(masked), block.span)

    def _prose_numbers(self, text: str, span: Span, heading: bool = False) -> None:
        for n in text_numbers(text, Span(span.line, span.column, text, span.cell)):
            if heading or re.fullmatch(r"\*{0,2}\d{1,2}\*{0,2}", n.text.strip()) and len(text.strip()) <= 8:
                self.emit("given", n.written, n.span, None, "a heading or step number", text.strip())
            else:
                self.emit("unread", n.written, n.span, None, "a number in prose: write it in math to have it checked",
                          text.strip())

    # -- math --
    def statement(self, st: Statement) -> None:
        tex = st.span.text
        if st.problem:
            for side in st.sides:
                for n in side.numbers:
                    self.emit("unread", n.written, n.span, None, st.problem, tex)
            if not any(side.numbers for side in st.sides) and any(c.isdigit() for c in tex):
                for n in text_numbers(tex, st.span):
                    self.emit("unread", n.written, n.span, None, st.problem, tex)
            return
        sides = st.sides
        if self._exact_aside(st) or self._size_assignment(st) or self._index_assignment(st):
            return
        subject, start = None, 0
        for i, side in enumerate(sides):
            if side.value is None and side.tokens:
                subject = subject_of(side, self.names, self.state)
                start = i
                break
        if subject is None:
            subject = self._implicit(st)
        if subject is not None:
            self._remember(subject)
        self.last = subject
        for i, side in enumerate(sides):
            if side.value is not None and subject is not None and subject.kind == STEP:
                self._working(subject, side, False, tex)  # a step with no key: its results are working too
            elif side.value is not None and subject is not None and i > start and st.relations[i - 1] in ("=", "≈"):
                value = _written(side.value)
                if value is None:
                    self._working(subject, side, False, tex)  # an array of expressions: its numbers are working
                    continue
                if subject.kind in ("mean",) and not subject.entry and isinstance(value, str) and self.problem.d > 1:
                    subject = self._entry_from_working(subject, sides) or subject
                self.claim(subject, value, side.value.span if hasattr(side.value, "span") else side.span,
                           f"the value of {_describe(subject)}", tex)
            elif subject is None and side.value is not None and i > 0 and self._unknown_symbol(sides[0]):
                for n in side.numbers:  # θ_women = [165, 60]: a value of something this reader does not know
                    self.emit("unread", n.written, n.span, None,
                              f"the value of {sides[0].tex.strip()}, which names no quantity this reader knows "
                              f"(an alias such as --alias NAME=mean can name it)", tex)
            else:
                self._working(subject, side, i == start, tex)

    def _exact_aside(self, st: Statement) -> bool:
        """``(\\text{exact} ≈ 0.00533)`` beside a carried value: the exact value of the quantity just
        stated, given by the document's author (not a claim of the working's)."""
        if len(st.sides) != 1:
            return False
        toks = _unwrap_brackets(list(st.sides[0].tokens))
        if not (toks and isinstance(toks[0], Atom) and "text" in toks[0].decorations
                and toks[0].name.lower().startswith(EXACT_WORDS)):
            return False
        if not any(isinstance(x, Op) and x.text in ("=", "≈") for x in toks[1:3]):
            return False
        last = self.last.key() if self.last is not None and self.last.kind != STEP else None
        reason = f"the exact value of {last} beside its carried value" if last else "an exact value beside a carried one"
        for n in st.sides[0].numbers:
            self.emit("given", n.written, n.span, None, reason, st.span.text)
        return True

    def _size_assignment(self, st: Statement) -> bool:
        """``d = 2``, ``K = 3``, ``n = 6``: the problem's dimension, number of components or of points."""
        first = st.sides[0].tokens
        if len(st.sides) != 2 or len(first) != 1 or not isinstance(first[0], Atom) or first[0].sub is not None \
                or first[0].sup is not None or not isinstance(st.sides[1].value, Number):
            return False
        sizes = {"d": (self.problem.d, "the dimension d"), "D": (self.problem.d, "the dimension d"),
                 "K": (self.problem.K, "the number of components K"), "n": (self.problem.n, "the number of points n"),
                 "N": (self.problem.n, "the number of points N")}
        n = st.sides[1].value
        size = sizes.get(first[0].name)
        if size is None or _exact(n.written) != size[0]:
            return False
        self.emit("given", n.written, n.span, None, size[1], st.span.text)
        return True

    def _index_assignment(self, st: Statement) -> bool:
        """``k = 1``: the component the next lines speak of (a given, and the context)."""
        first = st.sides[0].tokens
        if len(st.sides) != 2 or len(first) != 1 or not isinstance(first[0], Atom) or first[0].name not in (
                "k", "c", "j", "K") or first[0].sub is not None or not isinstance(st.sides[1].value, Number):
            return False
        component = self.names.component(st.sides[1].value.written)
        if component is None:
            return False
        self.state.component = component
        n = st.sides[1].value
        self.emit("given", n.written, n.span, None, f"the index of component {component}", st.span.text)
        return True

    def _unknown_symbol(self, side: Side) -> bool:
        """A side that is one symbol (with scripts) which is neither a known kind nor a point label."""
        toks = side.tokens
        if len(toks) != 1 or not isinstance(toks[0], Atom):
            return False
        atom = toks[0]
        return self.names.point(atom.name if atom.sub is None else f"{atom.name}_{atom.sub}") is None and \
            self.names.point(atom.name) is None and atom.name not in ("pi",)

    def _entry_from_working(self, subject: Subject, sides) -> Subject | None:
        """A scalar written for a mean: which coordinate, from the data values its working sums."""
        numbers = [n for side in sides for n in side.numbers if side.value is None]
        for v in range(self.problem.d):
            column = {Fraction(row[v]) for row in self.problem.points}
            vals = []
            for n in numbers:
                w = n.parse()
                if w is not None and w.ulp is not None and w.value in column:
                    vals.append(w.value)
            if len(vals) >= 2 and all(x in column for x in vals):
                other = [u for u in range(self.problem.d) if u != v]
                if not any(sum(1 for x in vals if x in {Fraction(r[u]) for r in self.problem.points}) == len(vals)
                           and len(vals) > 0 for u in other):
                    return Subject("mean", component=subject.component, entry=(v,), given=subject.given,
                                   iteration=subject.iteration)
        return None

    def _remember(self, subject: Subject) -> None:
        if subject.point is not None:
            self.state.point = subject.point
        if subject.component is not None:
            self.state.component = subject.component

    def _implicit(self, st: Statement) -> Subject | None:
        """A step whose first side names no quantity: (2π)^{d/2}|Σ|^{1/2} done by hand is ``norm``."""
        first = st.sides[0]
        if len(first.tokens) == 1 and isinstance(first.tokens[0], Atom) and first.tokens[0].name == "pi":
            return None  # π = 3.14159: the constant
        written = {n.written for n in first.numbers}
        pis = any(w in PI_BY_HAND for w in written) or any(isinstance(t, Atom) and t.name == "pi" and t.sub is None
                                                           for t in _walk(first.tokens))
        if pis and len(st.sides) > 1 and self.state.component is not None:
            return Subject("norm", component=self.state.component, iteration=self.state.iteration)
        if pis and len(st.sides) > 1:
            return None
        # \pi = 3.14159: the constant done by hand
        return None

    def _working(self, subject: Subject | None, side: Side, is_subject: bool, tex: str) -> None:
        """Numbers inside a side that is not a literal: keyed where the step's shape says what they are."""
        keyed: dict[int, tuple[Subject, str]] = {}
        if subject is not None and not is_subject:
            keyed = self._keyed_inputs(subject, side)
        for n in side.numbers:
            hit = keyed.get(id(n))
            if hit is not None:
                sub, why = hit
                written = n.written[1:] if n.script and n.written.startswith("-") else n.written  # e^{-q/2}
                self.claim(sub, written, n.span, why, tex)
                continue
            if n.script:
                continue  # an exponent (the 2 of (x − μ)^2): part of the working's notation
            if subject is None and n.written in PI_BY_HAND:
                self.emit("given", n.written, n.span, None, "π done by hand", tex)
            elif subject is None and n.written in ("1", "2", "-1", "1/2") and _symbolic(tex):
                self.emit("given", n.written, n.span, None, "a constant of a general formula", tex)
            elif subject is None:
                given = self._given_reason(n.written)
                if given:
                    self.emit("given", n.written, n.span, None, given, tex)
                else:
                    self.emit("unread", n.written, n.span, None,
                              "not understood: the statement names no quantity this reader knows", tex)
            elif subject.given:
                self.emit("given", n.written, n.span, None, f"the starting {subject.kind} of {subject.component}", tex)
            else:
                key = subject.key()
                self.emit("working", n.written, n.span, key,
                          f"in the working of {key or _describe(subject)}", tex)

    def _keyed_inputs(self, subject: Subject, side: Side) -> dict[int, tuple[Subject, str]]:
        """Inputs a step's working names by its shape."""
        found: dict[int, tuple[Subject, str]] = {}
        toks = side.tokens
        s = self.state
        if subject.kind == "density":
            for i, t in enumerate(toks):
                if isinstance(t, Frac) and len(t.den) == 1 and isinstance(t.den[0], Number) and len(t.num) == 1 \
                        and isinstance(t.num[0], Number):
                    found[id(t.den[0])] = (Subject("norm", component=subject.component, iteration=subject.iteration),
                                           f"the normalising constant in {t.num[0].written}/{t.den[0].written} of "
                                           f"{_describe(subject)}")
                    if not _is_one(t.num) and len(toks) == 1:  # e^{-q/2} / Z
                        found[id(t.num[0])] = (Subject("exp", subject.point, subject.component,
                                                       iteration=subject.iteration),
                                               f"exp(−q/2) over the normalising constant in {_describe(subject)}")
                if isinstance(t, Op) and t.text == "(" and i + 2 < len(toks) and isinstance(toks[i + 1], Number) \
                        and isinstance(toks[i + 2], Op) and toks[i + 2].text == ")" and i > 0:
                    found[id(toks[i + 1])] = (Subject("exp", subject.point, subject.component,
                                                      iteration=subject.iteration),
                                              f"exp(−q/2) in {_describe(subject)}")
                if isinstance(t, Atom) and t.name == "exp" and t.arg_tokens:
                    arg = [x for a in t.arg_tokens for x in a]
                    for k, x in enumerate(arg):
                        if isinstance(x, Number) and k >= 2 and any(isinstance(y, Frac) and _is_half(y) for y in arg[:k]):
                            found[id(x)] = (Subject("quad", subject.point, subject.component,
                                                    iteration=subject.iteration),
                                            f"the quadratic form inside exp(−½·q) of {_describe(subject)}")
        elif subject.kind == "exp":
            for t in toks:  # e^{-0.800/2}: the quadratic form
                inner = list(t.sup_tokens) if isinstance(t, Atom) and t.name == "e" and t.sub is None else []
                if len(inner) == 3 and isinstance(inner[0], Number) and inner[0].written.startswith("-") and \
                        isinstance(inner[1], Op) and inner[1].text == "/" and isinstance(inner[2], Number) and \
                        inner[2].written == "2":
                    found[id(inner[0])] = (Subject("quad", subject.point, subject.component,
                                                   iteration=subject.iteration),
                                           f"the quadratic form in e^(−q/2) of {_describe(subject)}")
        elif subject.kind == "resp":
            fr = [t for t in toks if isinstance(t, Frac)]
            if len(fr) == 1:
                num_products = _products(fr[0].num)
                den_products = _products(fr[0].den)
                comps = self.problem.component_names
                if len(num_products) == 1 and len(num_products[0]) == 2:
                    found[id(num_products[0][1])] = (
                        Subject("density", subject.point, subject.component, iteration=subject.iteration),
                        f"the density in the numerator of {_describe(subject)}")
                if len(den_products) == len(comps) and all(len(p) == 2 for p in den_products):
                    for c, p in zip(comps, den_products):
                        found[id(p[1])] = (Subject("density", subject.point, c, iteration=subject.iteration),
                                           f"the density of component {c} in the denominator of {_describe(subject)}")
        elif subject.kind == "count":
            terms = _sum_terms(toks)
            if terms is not None and len(terms) == self.problem.n:
                for label, n in zip(self.problem.labels, terms):
                    found[id(n)] = (Subject("resp", label, subject.component, iteration=subject.iteration),
                                    f"the responsibility of {label} in the sum of {_describe(subject)}")
        del s
        return found

    # -- tables --
    def table(self, table: Table) -> None:
        header = [plain(c.text).lower().strip("$") for c in table.header]
        names = self.names
        comp_row_col = None
        first_cells = [row[0].text for row in table.rows if row]
        if first_cells and all(names.component(x) for x in first_cells) and (
                header[0] in COMPONENT_WORDS or sum(parameter_kind(h) is not None for h in header[1:]) >= 1):
            comp_row_col = 0
        label_col = None if comp_row_col is not None else next(
            (i for i, h in enumerate(header) if h in POINT_WORDS), None)
        if label_col is None and comp_row_col is None and table.rows:
            firsts = [names.point(row[0].text) for row in table.rows if row]
            if firsts and all(firsts):
                label_col = 0
        for n in (x for c in table.header for x in cell_numbers(c)):
            self.emit("given", n.written, n.span, None, "a number in a table header", _row_text(table.header))
        if label_col is not None:
            columns = {}
            for i, h in enumerate(header):
                if i == label_col:
                    continue
                v = names.variable(h)
                c = names.component(table.header[i].text) or _header_component(table.header[i], names)
                per_point = None if v is not None or c is not None else _header_subject(table.header[i], names,
                                                                                        self.state)
                columns[i] = ("var", v) if v is not None else (("resp", c) if c is not None else (
                    ("per-point", per_point) if per_point is not None else ("?", None)))
            for row in table.rows:
                point = names.point(row[label_col].text) if label_col < len(row) else None
                for i, cell in enumerate(row):
                    if i == label_col:
                        self._cell_numbers(cell, row, "given", f"the label of point {point}")
                        continue
                    kind, what = columns.get(i, ("?", None))
                    self._table_cell(cell, row, table, kind, what, point)
            return
        if comp_row_col is not None:
            kinds = {}
            for i, h in enumerate(header):
                if i == comp_row_col:
                    continue
                kinds[i] = parameter_kind(h)
            for row in table.rows:
                comp = names.component(row[comp_row_col].text)
                for i, cell in enumerate(row):
                    if i == comp_row_col:
                        self._cell_numbers(cell, row, "given", f"the name of component {comp}")
                        continue
                    kind = kinds.get(i)
                    value = cell_value(cell)
                    written = _written(value) if value is not None else None
                    if kind is None or written is None:
                        self._cell_numbers(cell, row, "unread", "a table column this reader does not know")
                        continue
                    subject = Subject("count", component=comp, iteration=self.state.iteration) if kind == "count" \
                        else _parameter(kind, comp, Atom(kind, cell.span), self.state)
                    self.claim(subject, written, value.span, f"the {kind} of {comp} in the table", _row_text(row))
            return
        for row in table.rows:
            for cell in row:
                self._cell_numbers(cell, row, "unread", "a table without a column of points or components")

    def _table_cell(self, cell: Cell, row, table, kind, what, point) -> None:
        if not cell.text.strip():
            return
        if kind == "var":
            self._cell_numbers(cell, row, "given", "the data")
            return
        if kind == "resp" and point is not None:
            value = cell_value(cell)
            written = _written(value) if value is not None else None
            if written is None:
                self._cell_numbers(cell, row, "unread", "a responsibility cell that is not one number")
                return
            self.claim(Subject("resp", point, what, iteration=self.state.iteration), written, value.span,
                       f"the responsibility of {point} for {what} in the table", _row_text(row))
            return
        if kind == "per-point" and point is not None:  # a column headed q_{p,c}, 𝒩(x_p | μ_c, Σ_c), p(x_p), …
            value = cell_value(cell)
            written = _written(value) if value is not None else None
            if written is None:
                self._cell_numbers(cell, row, "unread", f"a {what.kind} cell that is not one number")
                return
            subject = Subject(what.kind, point, what.component, iteration=self.state.iteration)
            self.claim(subject, written, value.span, f"the {what.kind} of {point} in the table", _row_text(row))
            return
        self._cell_numbers(cell, row, "unread", "a table column this reader does not know")

    def _cell_numbers(self, cell: Cell, row, status: str, reason: str) -> None:
        for n in cell_numbers(cell):
            self.emit(status, n.written, n.span, None, reason, _row_text(row))


PER_POINT_KINDS = ("quad", "exp", "density", "joint", "evidence", "dev", "outer")
"""Quantities of one point (and component) that a table column may hold, one row per point."""


def _header_subject(cell: Cell, names: Names, state: _State) -> Subject | None:
    r"""The per-point quantity a column heading names for every row: ``$q_{p,\text{women}}$``,
    ``$\mathcal{N}(x_p \mid \mu_1, \Sigma_1)$``, ``$p(x_p)$`` (the point left open)."""
    value = cell.text.strip().strip("$")
    if not names.problem.labels:
        return None
    label = names.problem.labels[0]  # the index letter stands for every row's point: key it as one of them
    text = re.sub(r"(_\{)([pin])(\s*,)", lambda m: f"{m[1]}\\text{{{label}}}{m[3]}", value)
    text = re.sub(r"\bx_(?:\{([pin])\}|([pin])\b)", lambda m: f"x_{{\\text{{{label}}}}}", text)
    if text == value:
        return None
    for st in statements(text):
        for side in st.sides:
            try:
                subject = subject_of(side, names, state)
            except (ValueError, KeyError, IndexError):
                return None
            if subject is not None and subject.kind in PER_POINT_KINDS and subject.point == label and (
                    subject.component is not None or subject.kind == "evidence"):
                return Subject(subject.kind, None, subject.component, iteration=subject.iteration)
    return None


def _header_component(cell: Cell, names: Names) -> str | None:
    """The component of a responsibility column headed ``$\\gamma_{i1}$``, ``$r_{n,2}$``, ``$w_{ik}$``."""
    value = cell.text.strip().strip("$")
    for st in statements(value):
        for side in st.sides:
            atom = next((x for x in side.tokens if isinstance(x, Atom)), None)
            if atom is None or names.symbol(atom.name) != "resp" or atom.sub is None:
                continue
            sub = plain(atom.sub)
            hit = names.component(sub) or names.split(sub)[1]
            if hit is None and len(sub) > 1 and sub[0] in "ijnpx":
                hit = names.component(sub[1:].lstrip(",;"))
            if hit:
                return hit
    return None


def _unwrap_brackets(toks: list) -> list:
    """The tokens inside one pair of round brackets that encloses them all, else the tokens."""
    if len(toks) >= 2 and isinstance(toks[0], Op) and toks[0].text == "(" and isinstance(toks[-1], Op) \
            and toks[-1].text == ")":
        depth = 0
        for k, x in enumerate(toks):
            if isinstance(x, Op) and x.text == "(":
                depth += 1
            elif isinstance(x, Op) and x.text == ")":
                depth -= 1
                if depth == 0 and k < len(toks) - 1:
                    return toks
        return toks[1:-1]
    return toks


def _symbolic(tex: str) -> bool:
    """A formula written in symbols (its numbers are constants such as 1, 2 and ½)."""
    letters = sum(1 for c in plain(tex) if c.isalpha())
    return letters >= 3


def _row_text(row) -> str:
    return " | ".join(c.text.strip() for c in row)


def _is_one(tokens) -> bool:
    return len(tokens) == 1 and isinstance(tokens[0], Number) and tokens[0].written == "1"


def _is_half(frac: Frac) -> bool:
    return _is_one(frac.num) and len(frac.den) == 1 and isinstance(frac.den[0], Number) and frac.den[0].written == "2"


def _products(tokens) -> list[list[Number]]:
    """``a × b + c × d`` as [[a, b], [c, d]] when every term is a product of numbers, else []."""
    terms, current = [], []
    for t in tokens:
        if isinstance(t, Op) and t.text == "+":
            terms.append(current)
            current = []
        elif isinstance(t, Number):
            current.append(t)
        elif isinstance(t, Op) and t.text in ("×", "·", "*"):
            continue
        else:
            return []
    terms.append(current)
    return terms if all(terms) else []


def _sum_terms(tokens) -> list[Number] | None:
    """``1 + 1 + 0`` as its numbers, or None when the side is not a plain sum of numbers."""
    out = []
    expect_number = True
    for t in tokens:
        if expect_number and isinstance(t, Number):
            out.append(t)
            expect_number = False
        elif not expect_number and isinstance(t, Op) and t.text == "+":
            expect_number = True
        else:
            return None
    return out if not expect_number else None


def _describe(subject: Subject) -> str:
    return subject.key() or subject.label or subject.kind


def place_numbers(document: Document, problem: Problem, aliases: dict[str, str] | None = None) -> list[Placement]:
    """Every number of ``document`` with its place, in document order.

    Parameters
    ----------
    document : Document
        As read by :func:`gmmexact.documents.read_document`.
    problem : Problem
        The problem the document works (given, or read from the document itself).
    aliases : dict, optional
        Extra names: a symbol for a kind (``{"u": "mean"}``), or a name for a component or point.
    """
    with fixed_limits():
        return _Placer(document, problem, Names(problem, dict(aliases or {}))).run()
