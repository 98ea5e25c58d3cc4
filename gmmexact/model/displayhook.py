"""Jupyter displays without upward imports: a registry that the rendering layers fill.

A value of a low layer (a solved :class:`~gmmexact.numerics.run.Run`, a check report) inherits
:class:`Displayable`; IPython calls its ``_repr_html_``/``_repr_markdown_``/``_repr_latex_``, which
look the value's type up here. The layer that knows how to draw the value registers a function
with :func:`register` when it is imported (``import gmmexact`` imports them all). With nothing
registered the hook answers ``None`` and IPython falls back to ``repr``: a low layer never imports
a renderer. This is IPython's own protocol (a missing representation is ``None``), as in pandas'
and xarray's display options.

>>> class Point(Displayable):
...     pass
>>> Point()._repr_html_() is None
True
>>> _ = register(Point, "html")(lambda p: "<b>point</b>")
>>> Point()._repr_html_()
'<b>point</b>'
>>> unregister(Point, "html")
"""
from __future__ import annotations

from typing import Callable

FORMATS = ("html", "markdown", "latex")
_RENDERERS: dict[tuple[type, str], Callable[[object], str]] = {}


def register(cls: type, fmt: str) -> Callable[[Callable[[object], str]], Callable[[object], str]]:
    """Decorator: ``fn(obj)`` renders instances of ``cls`` (and its subclasses) in ``fmt``."""
    if fmt not in FORMATS:
        raise ValueError(f"display format {fmt!r}: expected one of {', '.join(FORMATS)}")

    def decorate(fn: Callable[[object], str]) -> Callable[[object], str]:
        _RENDERERS[cls, fmt] = fn
        return fn

    return decorate


def unregister(cls: type, fmt: str) -> None:
    """Forget the renderer of ``cls`` in ``fmt`` (if any)."""
    _RENDERERS.pop((cls, fmt), None)


def render(obj: object, fmt: str) -> str | None:
    """``obj`` rendered in ``fmt`` by the renderer registered for its type (or a base), else None."""
    for cls in type(obj).__mro__:
        fn = _RENDERERS.get((cls, fmt))
        if fn is not None:
            return fn(obj)
    return None


class Displayable:
    """Mixin: IPython's rich-display methods, answered by the registered renderers."""

    __slots__ = ()

    def _repr_html_(self) -> str | None:
        return render(self, "html")

    def _repr_markdown_(self) -> str | None:
        return render(self, "markdown")

    def _repr_latex_(self) -> str | None:
        return render(self, "latex")
