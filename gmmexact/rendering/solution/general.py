"""A step's first row: the general formula of the problem's model (``Z_c = (2\\pi)^{d/2} …``), with
the hand formulas of a small determinant and inverse, and its side conditions on rows below."""
from __future__ import annotations

from ...model.keys import Key

__all__ = ["general_row", "top_level_eq"]

# general formulas as an aligned row: (left side, right side); None: the formula is shown whole
_GENERAL_LHS = {"norm": "Z_c", "quad": "q_{pc}", "exp": r"e^{-q_{pc}/2}", "evidence": "p(x_p)",
                "loglik": r"\ell(\theta)", "joint": r"p(x_p, z_p {=} c)"}
_NAME_ONLY = ("dev", "outer")  # the formula is the quantity's name: it stands in the left-hand column


def general_row(run, key: Key) -> str:
    r"""The general formula of the problem's model as align rows (its side conditions on rows below).

    >>> import gmmexact
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> print(general_row(run, Key.parse("norm.women")))
    Z_c &= (2\pi)^{d/2} |\Sigma_c|^{1/2} \tag*{\small general}
    """
    d = run.problem.d
    kind = key.kind
    text = run[key].formula
    if kind == "det":
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
        return rf"{text} & \tag*{{\small general}}"
    elif kind in _GENERAL_LHS and top_level_eq(text) is None:
        text = f"{_GENERAL_LHS[kind]} = {text}"
    main, *where = [part.strip() for part in text.split(r", \quad ")]
    eq = top_level_eq(main)
    tag = r" \tag*{\small general}"
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
