"""The pytest plugin registered under ``pytest11`` (see :mod:`federation.testing`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from federation.testing.database import APPS, TestDatabase, app_role_for, app_url_for
from federation.testing.factories import Factory, in_commune, in_db
from federation.testing.queries import count_queries as _count_queries

TEST_SECRET = "test-secret-key-not-for-production"


@pytest.fixture(scope="session")
def convergence_extra_plugins() -> list[Any]:
    """Plugin objects to register besides the installed ones (override in conftest)."""
    return []


@pytest.fixture(scope="session")
def convergence_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("CONVERGENCE_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


@pytest.fixture(scope="session")
def convergence_app_role(convergence_database_url: str) -> str | None:
    """PostgreSQL: the unprivileged role the application connects as, so that row-level
    security applies (None on SQLite, or with ``CONVERGENCE_TEST_APP_ROLE=off``)."""
    return app_role_for(convergence_database_url)


@pytest.fixture(scope="session")
def app_settings(convergence_database_url: str, convergence_app_role: str | None) -> dict[str, Any]:
    return {
        "database_url": app_url_for(convergence_database_url, convergence_app_role),
        # `convergence db upgrade` migrates as the owner (the app role may not)
        "migration_database_url": convergence_database_url if convergence_app_role else None,
        "secret_key": TEST_SECRET,
        "env": "testing",
        "mail_backend": "memory",
        # argon2's cheapest parameters: hashing at production strength (0.2 s a hash)
        # took a third of the suite's time; tests/core/test_auth.py checks the real ones
        "password_hashing": "fast-for-tests",
        "redis_url": None,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "JOBS_INLINE": True,
    }


@pytest.fixture(scope="session")
def make_app(
    app_settings: dict[str, Any], convergence_extra_plugins: list[Any]
) -> Callable[..., Flask]:
    """Build an app on the test database; keyword arguments override settings."""
    instance_dir = Path(tempfile.mkdtemp(prefix="convergence-instance-"))

    def _make(**overrides: Any) -> Flask:
        from federation.app import create_app

        os.environ["CONVERGENCE_INSTANCE_PATH"] = str(instance_dir)
        settings = {**app_settings, **overrides}
        if "database_url" in overrides and "migration_database_url" not in overrides:
            settings["migration_database_url"] = None  # another database: its own owner
        settings.setdefault("extra_plugins", [type(p)() for p in convergence_extra_plugins])
        built = create_app("test", **settings)
        APPS.add(built)
        return built

    return _make


@pytest.fixture(scope="session")
def session_app(
    make_app: Callable[..., Flask],
    convergence_database_url: str,
    convergence_app_role: str | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    app = make_app()
    database = TestDatabase(
        convergence_database_url, tmp_path_factory.mktemp("template"), convergence_app_role
    )
    database.build(app)
    app.extensions["convergence_test_db"] = database
    return app


@pytest.fixture
def app(session_app: Flask) -> Iterator[Flask]:
    """The application on an empty, freshly migrated database."""
    session_app.extensions["convergence_test_db"].reset(session_app)
    from federation.identity.notifications import OUTBOX

    OUTBOX.clear()
    yield session_app


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def factory(app: Flask) -> Factory:
    return Factory(app)


@pytest.fixture(name="in_db")
def _in_db(app: Flask):
    """``with in_db(): …`` — app context, unscoped, commit at the end."""
    return lambda: in_db(app)


@pytest.fixture(name="in_commune")
def _in_commune(app: Flask):
    """``with in_commune(commune_ref): …`` — app context in that commune's scope."""
    return lambda commune: in_commune(app, commune)


@pytest.fixture
def count_queries(app: Flask):
    """``with count_queries() as counter: client.get(…)`` then ``counter.count``."""
    return lambda: _count_queries(app)
