"""The document's names matched to the problem's: components, points, variables and the symbols
people write for each quantity, in one explicit table that a user can extend with aliases.

Components are matched by name (``women``, ``\\text{Women}``), by position (``1``/``2``, ``k = 1``,
``c=2``, "cluster 1", ``a``/``b``) when the problem's names are not themselves those; points by
label (``A``) or position (``x_3``, ``\\mathbf{x}_3``, ``x^{(3)}``, ``3``); variables by name
(``height``) or by their first letter (``x_h``). A name that matches nothing is ``None``: the
caller says so, it never guesses.

>>> from gmmexact.model.problem import load
>>> names = Names(load("examples/seed/problem.toml"))
>>> names.component("\\\\text{Women}"), names.component("2"), names.point("x_3"), names.variable("x_h")
('women', 'men', 'C', 0)
>>> names.symbol("gamma"), names.symbol("u"), names.symbol("N")
('resp', 'mean', 'count')
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model.keys import KINDS
from ..model.problem import Problem

SYMBOLS: dict[str, str] = {
    # means
    "mu": "mean", "u": "mean", "m_mean": "mean", "bar": "mean",
    # covariances (and σ² in 1-D)
    "Sigma": "cov", "S": "cov", "sigma": "cov",
    # weights
    "pi": "weight", "phi": "weight", "alpha": "weight", "tau": "weight",
    # responsibilities
    "r": "resp", "gamma": "resp", "w": "resp", "z": "resp", "R": "resp", "T": "resp",
    # counts
    "N": "count", "m": "count", "n": "count",
    # the rest
    "det": "det", "exp": "exp", "ell": "loglik", "L": "loglik", "LL": "loglik", "l": "loglik",
    "q": "quad", "Z": "norm",
}
"""Symbol (an atom's base name, without backslash) → the kind it usually names. Context refines it:
``\\mathcal{N}(x | …)`` is a density, ``N_k`` a count; ``\\Sigma^{-1}`` an inverse; ``\\pi`` without a
component is the constant; ``q_{pc}`` and ``Z_c`` are the worked solutions' quadratic form and normalising
constant."""

POINT_WORDS = ("person", "point", "sample", "label", "name", "id", "i", "obs", "observation", "x", "#",
               "data point", "datapoint", "individual", "row", "people", "student", "item")
"""Table headers of a column of point labels."""

COMPONENT_WORDS = ("cluster", "component", "class", "group", "k", "c", "j", "mixture", "gaussian", "cluster k")
"""Table headers of a column of component names."""


def plain(text: str) -> str:
    """A name as plain text: ``\\text{}``/``\\mathrm{}`` and braces unwrapped, spaces removed.

    >>> plain("\\\\text{ women }"), plain("{\\\\rm men}"), plain("\\\\mathbf{x}_3")
    ('women', 'men', 'x_3')
    """
    text = re.sub(r"\\(?:text|textrm|textsf|texttt|textit|textbf|textnormal|textup|emph|mathrm|mathit|mathbf|"
                  r"mathtt|boldsymbol|mathsf|operatorname|rm|bf|it|sf|tt)\b\s*", "", text)
    return text.replace("{", "").replace("}", "").replace("\\", "").replace(" ", "").replace("~", "").replace(
        "$", "").strip()


_GREEK = dict(zip("αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ",
                  "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
                  "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega".split()))
_ESCAPES = re.compile(r"\\?(?:textbackslash|textasciitilde|textasciicircum|textless|textgreater|textbar|ensuremath|"
                      r"textnormal)")


def loose(text: str) -> str:
    r"""A name as LaTeX prints it escaped and a reader sees it, for matching when nothing closer does:
    Greek letters spelt out, escape commands and every character but letters and digits removed, lower
    case.

    >>> loose("grp_α & β"), loose(r"grp\_\ensuremath{\alpha} \& \ensuremath{\beta}")
    ('grpalphabeta', 'grpalphabeta')
    """
    for ch, name in _GREEK.items():
        text = text.replace(ch, name)
    return re.sub(r"[\W_]", "", plain(_ESCAPES.sub("", text))).lower()


@dataclass
class Names:
    """The problem's components, points and variables, and the symbols for each kind, with the
    user's aliases (``{"u": "mean", "1": "women", "x1": "A"}``: a kind, a component or a point)."""

    problem: Problem
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p = self.problem
        self._components = {c.lower(): c for c in p.component_names}
        self._points = {label: label for label in p.labels}
        self._points_lower = {label.lower(): label for label in p.labels}
        self._variables = {v.lower(): i for i, v in enumerate(p.variables)}
        self._components_loose = _unique_loose(p.component_names)
        self._points_loose = _unique_loose(p.labels)
        self._variables_loose = _unique_loose(p.variables)
        firsts: dict[str, list[int]] = {}
        for i, v in enumerate(p.variables):
            firsts.setdefault(v[:1].lower(), []).append(i)
        self._variable_letters = {k: v[0] for k, v in firsts.items() if len(v) == 1}
        self._symbols = dict(SYMBOLS)
        for name, meaning in self.aliases.items():
            if meaning in KINDS:
                self._symbols[name] = meaning

    def _alias(self, text: str, table: dict) -> str | None:
        target = self.aliases.get(text)
        return target if target is not None and target in table.values() else None

    def component(self, text: str | None) -> str | None:
        """The component a subscript or header names, or ``None``."""
        if text is None:
            return None
        t = plain(text)
        if not t:
            return None
        hit = self._alias(t, self._components) or self._components.get(t.lower())
        if hit:
            return hit
        m = re.fullmatch(r"(?:(?:k|c|j|K|C)=)?(?:cluster|component|class|group)?([0-9]{1,9})", t, flags=re.IGNORECASE)
        if m and not any(c.isdigit() for c in self._components.values()):
            i = int(m.group(1)) - 1
            return self.problem.component_names[i] if 0 <= i < self.problem.K else None
        if len(t) == 1 and t.isalpha() and not any(len(c) == 1 for c in self._components.values()):
            i = ord(t.lower()) - ord("a")
            return self.problem.component_names[i] if 0 <= i < self.problem.K else None
        return self._components_loose.get(loose(text)) if len(text.strip()) > 1 else None

    def point(self, text: str | None) -> str | None:
        """The point a name or subscript names (label, ``x_3``, ``x^{(3)}``, ``3``), or ``None``."""
        if text is None:
            return None
        t = plain(text)
        if not t:
            return None
        hit = self._alias(t, self._points) or self._points.get(t) or self._points_lower.get(t.lower())
        if hit:
            return hit
        m = re.fullmatch(r"(?:x|X|p|i|n)?_?\^?\(?([0-9]{1,9})\)?", t)
        if m and not any(label.isdigit() for label in self.problem.labels):
            i = int(m.group(1)) - 1
            return self.problem.labels[i] if 0 <= i < self.problem.n else None
        return self._points_loose.get(loose(text)) if len(text.strip()) > 1 else None

    def variable(self, text: str | None) -> int | None:
        """The variable (column index) a name or subscript names, or ``None``."""
        if text is None:
            return None
        t = plain(text).lower()
        for prefix in ("x_", "x", "mu_", "mu"):
            if t.startswith(prefix) and len(t) > len(prefix) and t[len(prefix):] not in self._components:
                rest = t[len(prefix):]
                if rest in self._variables or rest in self._variable_letters:
                    t = rest
                    break
        if t in self._variables:
            return self._variables[t]
        hit = self._variable_letters.get(t)
        if hit is None and len(text.strip()) > 1:
            name = self._variables_loose.get(loose(text))
            hit = None if name is None else self.problem.variables.index(name)
        return hit

    def symbol(self, name: str) -> str | None:
        """The kind a symbol usually names (``"gamma"`` → ``"resp"``), or ``None``."""
        return self._symbols.get(name)

    def split(self, text: str | None) -> tuple[str | None, str | None]:
        """A two-index subscript (``"A,women"``, ``"Awomen"``, ``"3 1"``, ``"31"``) as (point, component)."""
        if text is None:
            return None, None
        t = plain(text)
        for sep in (",", ";", "|"):
            if sep in t:
                a, b = t.split(sep, 1)
                p, c = self.point(a), self.component(b)
                if (p is None or c is None) and sep in text:  # as written: plain() drops "$", "~" from names
                    a, b = text.split(sep, 1)
                    p, c = p or self.point(a), c or self.component(b)
                return p, c
        for k in range(1, len(t)):
            p, c = self.point(t[:k]), self.component(t[k:])
            if p and c:
                return p, c
        return None, None


def _unique_loose(names) -> dict:
    """``loose(name) → name`` for the names whose loose form no other name shares (and is not empty)."""
    seen: dict = {}
    for name in names:
        seen.setdefault(loose(name), []).append(name)
    return {k: v[0] for k, v in seen.items() if k and len(v) == 1}


def parameter_kind(h: str) -> str | None:
    """The parameter a table header names (``"$\\mu$ (mean)"`` → ``"mean"``), or ``None``."""
    h = h.replace("\\", "")
    if any(w in h for w in ("mu", "mean", "centre", "center", "μ")):
        return "mean"
    if any(w in h for w in ("sigma", "cov", "σ", "Σ".lower(), "variance")):
        return "cov"
    if any(w in h for w in ("pi", "prior", "weight", "mixing", "π", "proportion")):
        return "weight"
    if h in ("n", "nk", "n_k", "nc", "n_c", "m", "mk", "m_k", "mc", "m_c", "count", "size", "effective size",
             "soft count"):
        return "count"
    return None
