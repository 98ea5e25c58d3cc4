"""Sphinx extension: the quantity-key reference, generated from ``gmmexact.model.keys.CATALOGUE``.

Directives (used in keys.md):

``gmmexact-key-table``
    One row per kind: key pattern (and entry pattern), symbol, general formula (LaTeX and plain
    text), step, shape, the JSON value of ``solve --format json`` and the array a cross-check results
    file holds for the whole kind.
``gmmexact-key-notes``
    One definition-list item per kind: its description, which covers the other covariance types,
    ``count_offset``, ``reg_covar`` and fixed parameters.

Nothing here is copied from the catalogue: a kind added there appears in the documentation at the
next build.
"""
from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from gmmexact.model import keys
from gmmexact.model.keys import CATALOGUE, KindInfo

SHAPE_TEXT = {"scalar": "scalar", "vector": "vector (d)", "matrix": "matrix (d×d)"}
JSON_VALUE = {"scalar": ('"…"', "a decimal string"), "vector": ('["…", …]', "a list of d decimal strings"),
              "matrix": ('[["…", …], …]', "a list of d rows of d decimal strings")}
INDEX_DIMS = {"": (), "c": ("K",), "p": ("n",), "pc": ("n", "K")}
SHAPE_DIMS = {"scalar": (), "vector": ("d",), "matrix": ("d", "d")}


def array_shape(info: KindInfo) -> str:
    """The numpy shape of a whole kind in a cross-check results file, e.g. ``(n, K)`` for ``resp``."""
    dims = INDEX_DIMS[info.index] + SHAPE_DIMS[info.shape]
    return "()" if not dims else "(" + ", ".join(dims) + (",)" if len(dims) == 1 else ")")


def _para(*children: nodes.Node) -> nodes.paragraph:
    p = nodes.paragraph()
    p.extend(children)
    return p


def _cell(*paragraphs: nodes.Node) -> nodes.entry:
    entry = nodes.entry()
    entry.extend(paragraphs)
    return entry


def _row(cells: list[nodes.entry]) -> nodes.row:
    row = nodes.row()
    row.extend(cells)
    return row


class KeyTable(SphinxDirective):
    """The table of every quantity kind."""

    has_content = False

    HEADERS = ("key", "symbol", "general formula", "step", "shape", "JSON value (solve)", "results-file array")
    WIDTHS = (16, 10, 34, 8, 8, 14, 10)

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(keys.__file__)
        table = nodes.table(classes=["gmmexact-keys"])
        group = nodes.tgroup(cols=len(self.HEADERS))
        table += group
        for width in self.WIDTHS:
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        head += _row([_cell(_para(nodes.Text(h))) for h in self.HEADERS])
        group += head
        body = nodes.tbody()
        for info in CATALOGUE.values():
            json_value, json_text = JSON_VALUE[info.shape]
            key_cell = [_para(nodes.literal(text=info.pattern))]
            if info.entry_pattern:
                key_cell.append(_para(nodes.Text("entry: "), nodes.literal(text=info.entry_pattern)))
            body += _row([
                _cell(*key_cell),
                _cell(_para(nodes.math(text=info.symbol)), _para(nodes.Text(info.symbol_text))),
                _cell(_para(nodes.math(text=info.definition)), _para(nodes.Text(info.definition_text))),
                _cell(_para(nodes.Text(info.step))),
                _cell(_para(nodes.Text(SHAPE_TEXT[info.shape]))),
                _cell(_para(nodes.literal(text=json_value)), _para(nodes.Text(json_text))),
                _cell(_para(nodes.literal(text=array_shape(info)))),
            ])
        group += body
        return [table]


class KeyNotes(SphinxDirective):
    """Each kind's description: what it is, and how it reads in the other models."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        self.env.note_dependency(keys.__file__)
        items = nodes.definition_list()
        for info in CATALOGUE.values():
            item = nodes.definition_list_item()
            term = nodes.term()
            term += nodes.literal(text=info.kind)
            term += nodes.Text(f" ({info.step}; indexed by {keys.INDEX_STRUCTURES[info.index]})")
            definition = nodes.definition()
            definition += _para(nodes.Text(info.text()))
            definition += _para(nodes.Text(info.description))
            item += term
            item += definition
            items += item
        return [items]


def setup(app):
    app.add_directive("gmmexact-key-table", KeyTable)
    app.add_directive("gmmexact-key-notes", KeyNotes)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
