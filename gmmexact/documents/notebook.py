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
from ..model.exactnum import int_from_text
from .markdown import markdown_blocks
from .positions import NO_MATH
from .source import Block, Document, Math, Span

__all__ = ["read_notebook"]

_EXPECTED = "a Jupyter notebook (.ipynb): JSON with a \"cells\" list"
_JSON_KINDS = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number",
               bool: "a boolean", type(None): "null"}


def _json_kind(value) -> str:
    """What a JSON value is, in JSON's words: ``an object``, ``a list``, ``a number``, …"""
    return _JSON_KINDS.get(type(value), f"a {type(value).__name__}")


def _cells(data, path: str | None) -> list:
    if not isinstance(data, dict):
        raise InputError(path, None, f"is JSON but not a notebook ({_json_kind(data)} at the top)", _EXPECTED)
    if "cells" in data:
        cells = data["cells"]
    elif isinstance(data.get("worksheets"), list):  # nbformat 3
        cells = []
        for k, sheet in enumerate(data["worksheets"]):
            found = sheet.get("cells", []) if isinstance(sheet, dict) else None
            if not isinstance(found, list):
                what = _json_kind(sheet) if found is None else f"an object whose cells are {_json_kind(found)}"
                raise InputError(path, f"worksheets[{k}]", f"is {what}, not a worksheet with a list of cells",
                                 _EXPECTED)
            cells.extend(found)
    else:
        raise InputError(path, "cells", "is missing", _EXPECTED)
    if not isinstance(cells, list):
        raise InputError(path, "cells", f"is {_json_kind(cells)}, not a list", _EXPECTED)
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
        data = json.loads(text, parse_int=int_from_text)  # an integer of any length is read (and never used)
    except json.JSONDecodeError as e:
        raise InputError(where, None, f"is not valid notebook JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                         _EXPECTED) from None
    except RecursionError:
        raise InputError(where, None, "is JSON nested too deeply to read", _EXPECTED) from None
    blocks: list[Block] = []
    problems: list[tuple[Span, str]] = []
    for index, cell in enumerate(_cells(data, where)):
        if not isinstance(cell, dict):
            problems.append((Span(1, 1, "", index), f"cell {index} is {_json_kind(cell)}, not a cell: skipped"))
            continue
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        elif not isinstance(source, str):
            problems.append((Span(1, 1, "", index),
                             f"cell {index}: source is {_json_kind(source)}, not text: skipped"))
            continue
        found, trouble = markdown_blocks(source, cell=index)
        blocks.extend(found)
        problems.extend(trouble)
    if not any(isinstance(b, Math) for b in blocks):
        problems.append((Span(1, 1, ""), NO_MATH))
    return Document(path, "notebook", tuple(blocks), tuple(problems))
