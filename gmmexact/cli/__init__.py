"""The command line on top of every layer: ``gmmexact solve | check | latex | plot | crosscheck``."""
from .commands import main

__all__ = ["main"]
