"""Certified numerics: enclosures (arb balls, mpmath intervals, outward-rounded longdouble bounds),
certified decimal rounding, findings on the updated covariances, and the solved :class:`Run`
that joins exact forms and proven digits. Imports the model and the engine.
"""
from .certify import Undecided
from .run import Iteration, Quantity, Run, solve

__all__ = ["Iteration", "Quantity", "Run", "Undecided", "solve"]
