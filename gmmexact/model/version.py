"""The package version: one place, read by ``pyproject.toml``, the reports and ``gmmexact --version``."""
__version__ = "0.1.0"
