"""The model that comes in: the problem (data and a starting mixture) read and validated exactly,
exact numbers and small exact matrices, the quantity keys, written numbers, and the errors that
name what a user has to fix. Imports nothing else of gmmexact.
"""
from .errors import GmmExactError, InputError
from .keys import Key
from .problem import Component, Problem, from_dict, load

__all__ = ["Component", "GmmExactError", "InputError", "Key", "Problem", "from_dict", "load"]
