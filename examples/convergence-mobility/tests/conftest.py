"""The framework's pytest plugin (``federation.testing``, loaded by its pytest11 entry point)
gives ``app``, ``client``, ``factory``, ``in_commune`` and ``count_queries``; the app loads
every installed plugin, this one included, on a freshly migrated database."""

import pytest


@pytest.fixture
def town(factory):
    """A commune with the plugin switched on, and one of its members."""
    commune = factory.commune("ville-test", "Ville-Test")
    factory.enable(commune, "mobility")
    return commune
