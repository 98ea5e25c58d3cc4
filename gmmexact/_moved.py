"""Old import paths: ``gmmexact.problem``, ``gmmexact.run`` … were flat modules before the package
was layered. A finder maps each old name onto its module's new home, so ``from gmmexact.run import
Run`` and ``import gmmexact.peers`` still work (with a ``DeprecationWarning`` naming the new path).

>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     from gmmexact.run import Run
>>> Run.__module__
'gmmexact.numerics.run'
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

MOVED = {
    "errors": "model.errors", "exactnum": "model.exactnum", "keys": "model.keys", "linalg": "model.linalg",
    "problem": "model.problem", "floatpoints": "model.floatpoints", "written": "model.written",
    "monomials": "engine.monomials", "exact": "engine.exact", "values": "engine.lookup", "forms": "engine.forms",
    "backends": "numerics.backends", "rounding": "numerics.rounding", "intervals": "numerics.intervals",
    "evaluate": "numerics.evaluate", "certify": "numerics.certify", "diagnostics": "numerics.diagnostics",
    "run": "numerics.run",
    "latex_print": "rendering.textbook", "web_latex": "rendering.mathjax", "report": "rendering.report",
    "render_text": "rendering.text", "render_markdown": "rendering.markdown", "latex": "rendering.solution",
    "plot": "rendering.plot", "display": "rendering.display",
    "claims": "checking.claims", "stepeval": "checking.stepeval", "verdicts": "checking.verdicts",
    "check_report": "checking.report",
    "comparison": "crosschecking.comparison", "crosscheck_fast": "crosschecking.fast", "peers": "crosschecking.peers",
    "crosscheck_report": "crosschecking.report",
}
"""Old module name (under ``gmmexact.``) → its new path (under ``gmmexact.``)."""


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self.own_spec = module.__spec__
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = self.own_spec  # the import system labelled it with the alias's spec


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Resolves ``gmmexact.<old name>`` to the module that now holds its contents."""

    def find_spec(self, fullname, path=None, target=None):
        package, _, name = fullname.rpartition(".")
        if package != __package__ or name not in MOVED:
            return None
        new = f"{__package__}.{MOVED[name]}"
        warnings.warn(f"{fullname} moved to {new}; the old path will keep working for now",
                      DeprecationWarning, stacklevel=2)
        return importlib.util.spec_from_loader(fullname, _Alias(new))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
