"""Sphinx configuration of gmmexact's reference documentation (MyST Markdown pages).

Build: ``sphinx-build -W --keep-going -b html docs docs/_build/html`` (tests/test_docs.py runs the same).
The quantity-key reference (keys.md) is generated from ``gmmexact.model.keys.CATALOGUE`` at build time
by the local extension ``_ext/keyref.py``.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))  # the package, when it is not installed

from gmmexact.model.version import __version__

project = "gmmexact"
author = "the gmmexact authors"
copyright = "the gmmexact authors"
version = release = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "keyref",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

# MyST: $…$ and $$…$$ math, amsmath environments, definition lists, ::: fences, heading anchors
myst_enable_extensions = ["dollarmath", "amsmath", "deflist", "colon_fence"]
myst_heading_anchors = 3

# autodoc + napoleon: numpy-style docstrings, members in source order, signatures without type noise
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_preserve_defaults = True
napoleon_google_docstring = False
napoleon_numpy_docstring = True

# the default theme, no downloads; math is rendered by MathJax in the reader's browser
html_theme = "alabaster"
html_theme_options = {"page_width": "1180px", "sidebar_width": "220px", "fixed_sidebar": False}
html_static_path = ["_static"]
html_css_files = ["gmmexact.css"]
html_title = f"gmmexact {release}"
