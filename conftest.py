"""Root conftest: the test-only plugins are registered for the whole suite."""

import pytest

#: the browser fixtures are shared by tests/browser and the plugins' browser tests
pytest_plugins = ["tests.browser.fixtures"]


@pytest.fixture(scope="session")
def convergence_extra_plugins():
    from tests.support.notes_plugin import BrokenPlugin, NeedsNotesPlugin, NotesPlugin

    return [NotesPlugin(), NeedsNotesPlugin(), BrokenPlugin()]
