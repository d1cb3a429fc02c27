"""Convergence's water plugin: shared resources, needs, drought levels and restrictions,
fair allocation under scarcity, meter readings and alerts, watershed balance."""
