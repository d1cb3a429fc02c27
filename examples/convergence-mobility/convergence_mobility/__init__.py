"""Convergence plugin: Mobilité."""
