"""Convergence plugin: Élections."""
