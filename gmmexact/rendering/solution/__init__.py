"""Worked EM solutions as LaTeX: a standalone article, or one step's ``align*`` block to paste.

Two layouts (:attr:`LatexOptions.layout`). The hand-out (the default) states each step's general formula
once and then gives one line per point and component: the formula with the values put in, the exact
result, the certified decimal. The full layout (``"steps"``, always used with a check's claims) reads,
for every step, general formula → definition → values substituted → exact result → certified decimal.
Both follow the order of a hand-worked solution: data; initial parameters; per component |Σ|, Σ⁻¹
(the 2×2 adjugate formula when d = 2) and the normalising constant; per point and component the
quadratic form, density and responsibility; the responsibilities table; the M-step (counts, weights,
means, outer products (x−μ)(x−μ)ᵀ, covariances); the new parameters; the log-likelihood before and
after; findings such as a singular covariance, with their explanation. With a check's verdicts, each
number a document writes appears beside the exact value, marked correct / carried / wrong. Options
add a title and an author, the pictures of the data and of the responsibilities (PDF files beside the
document), and the calculator chain (every number carried rounded to ``carry_digits`` digits).

Forms come from SymPy (``Quantity.definition/.substituted/.exact``, printed by
:mod:`gmmexact.rendering.textbook`); every decimal comes from the certified rounding path
(``Run.round``). Building the text prints nothing and writes no file; :func:`compile_pdf` runs the
LaTeX engine on a finished document.

The parts of the document, one module each, sharing a :class:`~.context.Context` (run, options,
certified decimals, notation):

- :mod:`.context`: the options, the shared context and its cache of certified decimals;
- :mod:`.formatting`: numbers, arrays and written claims in LaTeX;
- :mod:`.layout`: how wide a formula shows, and long sums broken over lines;
- :mod:`.general`, :mod:`.handworked`, :mod:`.decimals`, :mod:`.order`: a step's general row, its
  hand-worked rows, its certified-decimal row, and the order of its terms;
- :mod:`.steps`: one step's ``align*`` block;
- :mod:`.tables`: the data, parameter, responsibility and compact-mode tables;
- :mod:`.marks`: a checked document's numbers, marked beside their steps and summarised;
- :mod:`.iteration`: one EM iteration's sections in the full layout; :mod:`.handout`: in the hand-out
  layout; :mod:`.chain`: as a calculator chain;
- :mod:`.figures`: the pictures, drawn as PDF by :mod:`gmmexact.rendering.plot`;
- :mod:`.document`: the whole article and the one-step fragment;
- :mod:`.pdf`: compiling a document with pdflatex.
"""
from __future__ import annotations

from .context import LatexOptions, written_decimals
from .document import LAYOUTS, PACKAGES, latex_document, latex_fragment
from .figures import FIGURE_SUFFIXES
from .pdf import DEBIAN_PACKAGES, LatexEngineError, compile_pdf

__all__ = ["DEBIAN_PACKAGES", "FIGURE_SUFFIXES", "LAYOUTS", "PACKAGES", "LatexEngineError", "LatexOptions",
           "compile_pdf", "latex_document", "latex_fragment", "written_decimals"]
