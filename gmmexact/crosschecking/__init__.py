"""Cross-checking floating-point EM implementations (scikit-learn, a user's function, a results
file) against the exact model: certified errors and correct digits, on the exact path or the fast
longdouble path, and the report's renderings. Independent of :mod:`gmmexact.checking`.
"""
from . import report  # noqa: F401  (registers the display of a cross-check)
from .comparison import CrossCheck
from .entry import crosscheck

__all__ = ["CrossCheck", "crosscheck"]
