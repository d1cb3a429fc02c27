"""Convergence housing plugin."""
