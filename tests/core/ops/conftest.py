"""The apps a test of this folder builds on the test database let their connections go at
the end of the test: the test database (a SQLite file) is replaced between tests, and an
app collected later by the garbage collector, out of reach of that reset, would otherwise
keep a connection to the replaced file open (SQLite then reports a disk I/O error to the
next test)."""

from __future__ import annotations

import pytest

from federation.db import db
from federation.testing.database import APPS


@pytest.fixture(autouse=True)
def _release_the_apps_connections(session_app):
    yield
    for other in list(APPS):
        if other is not session_app:
            with other.app_context():
                db.engine.dispose()
