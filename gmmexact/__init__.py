"""gmmexact: exact, certified EM steps for Gaussian mixture models.

The package is layered, each layer a folder that imports only the ones before it:
``model`` (the problem, keys, exact numbers) → ``engine`` (the exact derivation) → ``numerics``
(certified enclosures, the solved run) → ``rendering`` → ``checking`` | ``crosschecking`` → ``cli``.

>>> import gmmexact
>>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
>>> run["quad.A.women"].exact, run["resp.A.men"].exact
(4/5, 1/(1 + exp(621/10)))
"""
try:
    from . import _moved
    from .checking import CheckReport, check
    from .crosschecking import CrossCheck, crosscheck
    from .model import Component, GmmExactError, InputError, Key, Problem, from_dict, load
    from .model.version import __version__
    from .numerics import Quantity, Run, solve
    from .rendering import SolveReport
except KeyboardInterrupt:  # Ctrl-C while the command line is still starting: its one line and status 130
    import os as _os
    import sys as _sys

    if _os.path.basename(_sys.argv[0] if _sys.argv else "") != "gmmexact":
        raise
    print("gmmexact: interrupted", file=_sys.stderr)
    raise SystemExit(130) from None

_moved.install()

__all__ = ["CheckReport", "check", "CrossCheck", "crosscheck", "Component", "GmmExactError", "InputError", "Key",
           "Problem", "Quantity", "Run", "SolveReport", "__version__", "from_dict", "load", "solve"]
