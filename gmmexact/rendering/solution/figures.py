r"""The pictures of a worked solution: the data with each component's ellipses before and after the
iterations, and the responsibilities, drawn by :mod:`gmmexact.rendering.plot` (matplotlib, the ``plot``
extra) as PDF files and included with ``\includegraphics`` (graphicx).

Where they go: ``<stem>-data.pdf`` and ``<stem>-resp.pdf`` beside the document, ``<stem>`` being
:attr:`~.context.LatexOptions.figure_stem` (a path without extension; default: the problem file's name
in the current folder). The document names them by file name only, so it compiles in the folder that
holds them (``compile_pdf(tex, pdf, search=[that folder])``, or pdflatex run in it).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ...model.errors import InputError
from .context import Context

__all__ = ["FIGURE_SUFFIXES", "Figures", "figure_block", "figure_paths", "write_figures"]

FIGURE_SUFFIXES = ("-data.pdf", "-resp.pdf")
"""The names of the two pictures: the figure stem followed by these."""


@dataclass(frozen=True)
class Figures:
    """The two pictures' file names (as the document includes them) and their paths."""

    data: str
    resp: str
    paths: tuple[Path, Path]


def figure_paths(ctx: Context) -> tuple[Path, Path]:
    """Where the pictures of ``ctx``'s document go (see the module header).

    >>> import gmmexact
    >>> from gmmexact.rendering.solution.context import LatexOptions
    >>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
    >>> [str(p) for p in figure_paths(Context.of(run, LatexOptions(figure_stem="out/seed")))]
    ['out/seed-data.pdf', 'out/seed-resp.pdf']
    """
    stem = ctx.options.figure_stem
    if stem is None:
        stem = Path(str(ctx.options.source or ctx.problem.source or "problem")).stem or "problem"
    stem = Path(str(stem))
    if stem.suffix.lower() in (".tex", ".pdf"):
        stem = stem.with_suffix("")
    return tuple(stem.parent / (stem.name + suffix) for suffix in FIGURE_SUFFIXES)


def write_figures(run, ctx: Context) -> Figures:
    """Draw the two pictures of ``run`` and write them as PDF (each whole or not at all)."""
    try:
        from .. import plot  # noqa: PLC0415  (matplotlib: the plot extra)
    except ModuleNotFoundError as e:
        if not (e.name or "").startswith("matplotlib"):
            raise
        raise InputError(None, "figures", "need matplotlib, which is not installed",
                         "the plot extra: pip install 'gmmexact[plot]'") from None
    data_path, resp_path = figure_paths(ctx)
    for path in (data_path, resp_path):
        if not path.parent.is_dir():
            raise InputError(str(path), None, "its folder does not exist", "a figure stem in an existing folder")
    points = list(ctx.points) if ctx.options.points else None
    plot.save(run, data_path, points=points, dpi=100)
    plot.save_responsibilities(run, resp_path, dpi=100)
    return Figures(data_path.name, resp_path.name, (data_path, resp_path))


def figure_block(name: str, caption: str) -> list[str]:
    r"""A picture across the text width with its caption below (in place: no float), kept on one page.

    >>> print("\n".join(figure_block("seed-data.pdf", "The data.")))
    \needspace{0.5\textheight}
    \begin{center}
    \includegraphics[width=\linewidth,height=0.45\textheight,keepaspectratio]{seed-data.pdf}\par
    The data.
    \end{center}
    """
    return [r"\needspace{0.5\textheight}", r"\begin{center}",
            rf"\includegraphics[width=\linewidth,height=0.45\textheight,keepaspectratio]{{{_file_name(name)}}}\par",
            caption, r"\end{center}"]


def _file_name(name: str) -> str:
    r"""A picture's file name for ``\includegraphics``: only characters that need no escaping there."""
    if not all(ch.isalnum() or ch in "-_." for ch in name) or name.startswith("."):
        raise InputError(name, None, "cannot be named in \\includegraphics",
                         "a figure stem of letters, digits, '-', '_' and '.'")
    return name

