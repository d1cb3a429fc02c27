"""Convergence plugin: Actions collectives."""
