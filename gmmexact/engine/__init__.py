"""The exact engine: the derivation of every EM step as exact rationals where it is rational
(centred integer monomials, |Σ|, Σ⁻¹, quadratic forms, exact M-steps) and as SymPy forms over
earlier quantities elsewhere. Imports only the model.
"""
from .exact import ExactPlan, derive_exact
from .forms import Forms, general_formula

__all__ = ["ExactPlan", "Forms", "derive_exact", "general_formula"]
