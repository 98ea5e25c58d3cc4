"""A step's first row: the general formula of the problem's model (``Z_c = (2\\pi)^{d/2} …``), with
the hand formulas of a small determinant and inverse, and its side conditions on rows below."""
from __future__ import annotations

from ...model.keys import Key

__all__ = ["general_formula", "general_row", "top_level_eq", "variance_text"]

# general formulas as an aligned row: (left side, right side); None: the formula is shown whole
_GENERAL_LHS = {"norm": "Z_c", "quad": "q_{pc}", "exp": r"e^{-q_{pc}/2}", "evidence": "p(x_p)",
                "loglik": r"\ell(\theta)", "joint": r"p(x_p, z_p {=} c)"}
_NAME_ONLY = ("dev", "outer")  # the formula is the quantity's name: it stands in the left-hand column


# d = 1 in σ² notation: the general formulas' Σ_c read as the variance σ_c² (longest patterns first)
_VARIANCE = (
    (r"(x_p - \mu_c)^\top \Sigma_c^{-1} (x_p - \mu_c)", r"\frac{(x_p - \mu_c)^2}{\sigma_c^2}"),
    (r"\frac{\exp(-q_{pc}/2)}{(2\pi)^{d/2} |\Sigma_c|^{1/2}}", r"\frac{\exp(-q_{pc}/2)}{\sqrt{2\pi\sigma_c^2}}"),
    (r"(2\pi)^{d/2} |\Sigma_c|^{1/2}", r"\sqrt{2\pi\sigma_c^2}"),
    (r"(x_p - \mu_c^{\text{new}})(x_p - \mu_c^{\text{new}})^\top", r"(x_p - \mu_c^{\text{new}})^2"),
    (r"\mu_c \mu_c^\top", r"\mu_c^2"),
    (r"\Sigma_c^{\text{new}}", r"(\sigma_c^{\text{new}})^2"),
    (r"\Sigma^{\text{new}}", r"(\sigma^{\text{new}})^2"),
    (r"\Sigma_c^{-1}", r"\sigma_c^{-2}"),
    (r"|\Sigma_c|", r"\sigma_c^2"),
    (r"\Sigma_c", r"\sigma_c^2"),
    (r"\Sigma_j", r"\sigma_j^2"),
    (r"\lambda I_d", r"\lambda"),
)


def variance_text(text: str) -> str:
    r"""A general formula of d = 1 in σ² notation.

    >>> variance_text(r"\mathcal{N}(x_p \mid \mu_c, \Sigma_c) = \frac{\exp(-q_{pc}/2)}{(2\pi)^{d/2} |\Sigma_c|^{1/2}}")
    '\\mathcal{N}(x_p \\mid \\mu_c, \\sigma_c^2) = \\frac{\\exp(-q_{pc}/2)}{\\sqrt{2\\pi\\sigma_c^2}}'
    """
    for old, new in _VARIANCE:
        text = text.replace(old, new)
    return text


def general_formula(run, key: Key) -> str:
    r"""The general formula of ``key``'s step as one line (``Z_c = (2\pi)^{d/2} …``; d = 1 in σ² notation).

    >>> import gmmexact
    >>> general_formula(gmmexact.solve(gmmexact.load("tests/golden/p1_d1k3.toml")), Key.parse("quad.a.low"))
    'q_{pc} = \\frac{(x_p - \\mu_c)^2}{\\sigma_c^2}'
    """
    d = run.problem.d
    kind = key.kind
    text = run[key].formula
    if d == 1 and kind == "det":
        return r"\sigma_c^2"
    if d == 1 and kind == "inv":
        return r"\sigma_c^{-2} = \frac{1}{\sigma_c^2}"
    if kind in _GENERAL_LHS and top_level_eq(text) is None:
        text = f"{_GENERAL_LHS[kind]} = {text}"
    return variance_text(text) if d == 1 else text


def general_row(run, key: Key, tag: str = r"\tag*{\small general}") -> str:
    r"""The general formula of the problem's model as align rows (its side conditions on rows below).

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> print(general_row(run, Key.parse("norm.women")))
    Z_c &= (2\pi)^{d/2} |\Sigma_c|^{1/2} \tag*{\small general}
    """
    d = run.problem.d
    kind = key.kind
    text = run[key].formula
    if d == 1 and kind in ("det", "inv"):
        text = general_formula(run, key)
        if kind == "det":
            return rf"{text} & {tag}"
    elif kind == "det":
        text = (r"\lvert\Sigma_c\rvert = \begin{vmatrix} a & b \\ c & d \end{vmatrix} = ad - bc" if d == 2
                else r"\lvert\Sigma_c\rvert = \begin{vmatrix} a & b & c \\ d & e & f \\ g & h & i \end{vmatrix} "
                     r"= a(ei - fh) - b(di - fg) + c(dh - eg)" if d == 3
                else r"\lvert\Sigma_c\rvert = \Sigma_c \quad (d = 1\text{: the determinant of a number is the number})"
                if d == 1 else r"\lvert\Sigma_c\rvert = \det \Sigma_c")
    elif kind == "inv" and d == 2:
        text = (r"\Sigma_c^{-1} = \begin{bmatrix} a & b \\ c & d \end{bmatrix}^{-1} = \frac{1}{ad - bc}"
                r"\begin{bmatrix} d & -b \\ -c & a \end{bmatrix}")
    elif kind == "inv" and top_level_eq(text) is None:
        text = (r"\Sigma_c^{-1} = \frac{1}{\Sigma_c}" if d == 1 else
                r"\Sigma_c^{-1} = \frac{1}{\lvert\Sigma_c\rvert} \operatorname{adj}(\Sigma_c)")
        if d == 3:
            text += r", \quad \operatorname{adj}(\Sigma_c)_{ij} = (-1)^{i+j} M_{ji}, \ M_{ji}: \text{the minor without row } j \text{ and column } i"
    elif kind in _NAME_ONLY and top_level_eq(text) is None:
        return rf"{variance_text(text) if d == 1 else text} & {tag}"
    elif kind in _GENERAL_LHS and top_level_eq(text) is None:
        text = f"{_GENERAL_LHS[kind]} = {text}"
    if d == 1:
        text = variance_text(text)
    main, *where = [part.strip() for part in text.split(r", \quad ")]
    eq = top_level_eq(main)
    tag = " " + tag if tag else ""
    first = rf"{main[:eq].strip()} &= {main[eq + 1:].strip()}{tag}" if eq is not None else rf"&{main}{tag}"
    return r" \\ ".join([first] + [rf"&\qquad {w}" for w in where])


def top_level_eq(text: str) -> int | None:
    r"""The index of the first ``=`` outside braces (not the one in ``\sum_{p=1}``), or None.

    >>> top_level_eq(r"\sum_{p=1}^{n} r_{pc} = m_c"), top_level_eq(r"\sum_{p=1}^{n} r_{pc}")
    (22, None)
    """
    depth = 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "=" and depth == 0:
            return i
    return None
