"""Rendering a solved run: the report as plain data, terminal text, Markdown, textbook and MathJax
LaTeX, the worked solution document, pictures, and the Jupyter displays (registered with
:mod:`gmmexact.model.displayhook`). Formats only: every digit shown was certified below.
"""
from . import display  # noqa: F401  (registers the displays of runs, iterations and quantities)
from .report import SolveReport, build_report

__all__ = ["SolveReport", "build_report"]
