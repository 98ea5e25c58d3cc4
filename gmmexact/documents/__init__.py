"""Reading a student's own document (Markdown with TeX math, LaTeX, Jupyter notebooks) into blocks
with exact positions, and its math into statements whose numbers are kept exactly as written.

This layer imports only :mod:`gmmexact.model` (for errors and written numbers). Known gaps are
listed in each module's header (positions inside block quotes, macros a user defines, code cells).

>>> from gmmexact.documents import read_markdown, statements
>>> doc = read_markdown("$$\\\\pi_{women} = \\\\frac{3}{6} = 0.5$$\\n", "hw.md")
>>> [side.value.written for side in statements(doc.blocks[0])[0].sides[1:]]
['3/6', '0.5']
"""
from .latex import read_latex
from .markdown import read_markdown
from .notebook import read_notebook
from .files import KINDS, MAX_DOCUMENT_BYTES, read_document, sniff
from .source import Block, Cell, Document, Heading, Math, Prose, Span, Table
from .statements import (Array, Atom, Frac, Number, Op, Root, Side, Statement, Token, cell_numbers, cell_value,
                         document_numbers, statements, text_numbers)

__all__ = ["KINDS", "MAX_DOCUMENT_BYTES", "Array", "Atom", "Block", "Cell", "Document", "Frac", "Heading", "Math",
           "Number", "Op", "Prose", "Root", "Side", "Span", "Statement", "Table", "Token", "cell_numbers", "cell_value",
           "document_numbers", "read_document", "read_latex", "read_markdown", "read_notebook", "sniff", "statements",
           "text_numbers"]
