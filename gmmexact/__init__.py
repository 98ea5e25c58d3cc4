"""gmmexact: exact, certified EM steps for Gaussian mixture models.

>>> import gmmexact
>>> run = gmmexact.solve(gmmexact.load("examples/seed/problem.toml"))
>>> run["quad.A.women"].exact, run["resp.A.men"].exact
(4/5, 1/(1 + exp(621/10)))
"""
__version__ = "0.1.0"

from .check_report import CheckReport, check  # noqa: E402  (report.py reads __version__)
from .comparison import CrossCheck
from .peers import crosscheck
from .errors import GmmExactError, InputError
from .keys import Key
from .problem import Component, Problem, from_dict, load
from .run import Quantity, Run, solve

__all__ = ["CheckReport", "check", "CrossCheck", "crosscheck", "Component", "GmmExactError", "InputError", "Key", "Problem", "Quantity", "Run",
           "from_dict", "load", "solve"]
