"""Checking a hand-worked document's numbers: claims, re-evaluation of a step from the document's
own values, verdicts (correct, carried, wrong, undecided) with the first wrong step, and the check
report with its renderings and Jupyter display.
"""
from . import display  # noqa: F401  (registers the display of a check report)
from .report import CheckReport, check

__all__ = ["CheckReport", "check"]
