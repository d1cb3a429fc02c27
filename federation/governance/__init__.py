"""Governance: assemblies and circles, mandates, meetings, concerns, organisations,
proposals, votes and decisions — the democratic core every plugin relies on."""
