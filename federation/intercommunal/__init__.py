"""Intercommunal coordination: what crosses commune borders."""
