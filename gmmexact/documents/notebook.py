"""Reading a Jupyter notebook: its Markdown cells, each read as Markdown, positions inside the cell.

The notebook is read as JSON (nbformat 4, and the ``worksheets`` of nbformat 3); a cell's
``source`` may be one string or a list of strings. Every span carries ``cell=<index>`` (the
0-based index Jupyter shows) and lines and columns counted inside that cell.

Known gaps: code cells and their outputs are not read (numbers a student computes in code are not
listed); raw cells are skipped; attachments are ignored.
"""
from __future__ import annotations

import json

from ..model.errors import InputError
from .markdown import markdown_blocks
from .positions import NO_MATH
from .source import Block, Document, Math, Span

__all__ = ["read_notebook"]

_EXPECTED = "a Jupyter notebook (.ipynb): JSON with a \"cells\" list"


def _cells(data, path: str | None) -> list:
    if not isinstance(data, dict):
        raise InputError(path, None, f"is JSON but not a notebook (a {type(data).__name__} at the top)", _EXPECTED)
    if "cells" in data:
        cells = data["cells"]
    elif isinstance(data.get("worksheets"), list):  # nbformat 3
        cells = [c for sheet in data["worksheets"] if isinstance(sheet, dict) for c in sheet.get("cells") or ()]
    else:
        raise InputError(path, "cells", "is missing", _EXPECTED)
    if not isinstance(cells, list):
        raise InputError(path, "cells", f"is a {type(cells).__name__}, not a list", _EXPECTED)
    return cells


def read_notebook(text: str, path: str = "") -> Document:
    """Read the Markdown cells of a notebook, with spans carrying the cell index.

    Parameters
    ----------
    text : str
        The notebook's JSON text.
    path : str
        The file as the user named it.

    Returns
    -------
    Document
        ``format == "notebook"``; problems inside cells (an unbalanced ``$``) carry the cell
        index, and a notebook without any math gets one "no math found" problem.

    Raises
    ------
    InputError
        When ``text`` is not JSON, or is JSON without a ``cells`` list.

    Examples
    --------
    >>> nb = '{"cells": [{"cell_type": "code", "source": "x = 1"},'
    >>> nb += ' {"cell_type": "markdown", "source": ["# E-step\\\\n", "$$r = 0.5$$"]}]}'
    >>> doc = read_notebook(nb, "hw.ipynb")
    >>> math = doc.blocks[1]
    >>> math.tex, math.span.cell, math.span.line, math.span.column, math.span.where("hw.ipynb")
    ('r = 0.5', 1, 2, 3, 'hw.ipynb cell 1:2:3')
    """
    where = path or None
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(where, None, f"is not valid notebook JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                         _EXPECTED) from None
    except RecursionError:
        raise InputError(where, None, "is JSON nested too deeply to read", _EXPECTED) from None
    blocks: list[Block] = []
    problems: list[tuple[Span, str]] = []
    for index, cell in enumerate(_cells(data, where)):
        if not isinstance(cell, dict):
            problems.append((Span(1, 1, "", index), f"cell {index} is a {type(cell).__name__}, not a cell: skipped"))
            continue
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        elif not isinstance(source, str):
            problems.append((Span(1, 1, "", index),
                             f"cell {index}: source is a {type(source).__name__}, not text: skipped"))
            continue
        found, trouble = markdown_blocks(source, cell=index)
        blocks.extend(found)
        problems.extend(trouble)
    if not any(isinstance(b, Math) for b in blocks):
        problems.append((Span(1, 1, ""), NO_MATH))
    return Document(path, "notebook", tuple(blocks), tuple(problems))
