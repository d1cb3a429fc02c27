"""Convergence budget plugin: open budget, participatory budgeting, pooled funding."""
