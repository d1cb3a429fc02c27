"""Convergence: a plugin-based Flask framework for federations of communes."""

from federation.app import create_app

__version__ = "0.1.0"
__all__ = ["__version__", "create_app"]
