"""Root conftest: the test-only plugins are registered for the whole suite."""

import pytest


@pytest.fixture(scope="session")
def convergence_extra_plugins():
    from tests.support.notes_plugin import BrokenPlugin, NeedsNotesPlugin, NotesPlugin

    return [NotesPlugin(), NeedsNotesPlugin(), BrokenPlugin()]
