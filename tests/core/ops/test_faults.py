"""Faults (issue 17 item 6): the database away, Redis away, a plugin that raises, an export
interrupted. Each check is run against its planted twin (the guard taken away) too, and
seen to fail there."""

from __future__ import annotations

import logging

import pytest
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError

from federation.plugins import ConvergencePlugin, hookimpl

DOWN = "postgresql+psycopg://convergence:hunter2-secret@127.0.0.1:1/convergence"


# --- the database away ------------------------------------------------------------------


def database_away_is_a_clean_503(app, caplog) -> None:
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        page = client.get("/")
        api = client.get("/api/v1/communes")
    assert page.status_code == 503, page.status_code
    assert page.headers["Retry-After"]
    text = page.get_data(as_text=True)
    assert "503" in text and "Traceback" not in text and "hunter2" not in text
    assert api.status_code == 503 and api.is_json
    assert api.get_json()["code"] == 503
    assert "Traceback" not in api.get_data(as_text=True)
    logged = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert logged and all(r.exc_info is None for r in logged)
    assert "hunter2" not in caplog.text


def test_database_away_gives_503_page_and_json(make_app, caplog):
    database_away_is_a_clean_503(make_app(database_url=DOWN), caplog)


def test_planted_twin_without_the_503_handler_fails_the_check(make_app, caplog):
    from sqlalchemy.exc import InterfaceError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    planted = make_app(database_url=DOWN)
    handlers = planted.error_handler_spec[None][None]
    for kind in (OperationalError, InterfaceError, PoolTimeout):
        handlers.pop(kind, None)
    with pytest.raises(AssertionError):
        database_away_is_a_clean_503(planted, caplog)


def _cli_env(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", DOWN)
    monkeypatch.delenv("MIGRATION_DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("CONVERGENCE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("CONVERGENCE_PLUGINS", "")


def test_the_cli_says_the_database_is_away_in_one_line(monkeypatch, tmp_path, capsys):
    from federation.cli import main

    _cli_env(monkeypatch, tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main.main(args=["commune", "list"], prog_name="convergence")
    err = capsys.readouterr().err
    assert exit_.value.code == 3
    assert "the database is unavailable" in err
    assert "Traceback" not in err and "hunter2" not in err


def test_planted_twin_the_plain_flask_group_lets_the_error_through(monkeypatch, tmp_path):
    from federation.cli import main

    _cli_env(monkeypatch, tmp_path)
    with pytest.raises(OperationalError):  # a traceback, with the URL in it
        FlaskGroup.main(main, args=["commune", "list"], prog_name="convergence")


# --- Redis away -------------------------------------------------------------------------


def limits_hold_without_redis(app) -> None:
    client = app.test_client()
    statuses = [
        client.post("/login", data={"email": "x@example.org", "password": "wrong"}).status_code
        for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429], statuses


@pytest.fixture(autouse=True)
def _redis_not_yet_marked_away(monkeypatch):
    """Each test meets Redis' failure itself (not the 5 s a previous test left marked)."""
    from federation.tenancy import versions

    monkeypatch.setitem(versions._DOWN, "until", 0.0)
    monkeypatch.setitem(versions._DOWN, "missed", False)


def _redis_away(make_app, **extra):
    return make_app(
        redis_url="redis://127.0.0.1:1/0",
        RATELIMIT_ENABLED=True,
        login_rate_limit="3 per minute",
        JOBS_INLINE=True,
        **extra,
    )


def test_redis_away_limits_fall_back_to_this_process(app, make_app):
    limits_hold_without_redis(_redis_away(make_app))


def test_planted_twin_without_the_fallback_fails(app, make_app):
    planted = _redis_away(make_app, RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False)
    with pytest.raises(Exception):  # noqa: B017 - a 500 or the storage's own error
        limits_hold_without_redis(planted)


def test_redis_away_public_pages_still_render(app, make_app, factory):
    commune = factory.commune()
    federation = factory.federation(communes=[commune])
    away = _redis_away(make_app)
    assert away.test_client().get(f"/c/{commune.slug}/").status_code == 200
    assert away.test_client().get("/").status_code == 200
    # the federation's indicators (their own cache in Redis) are computed, not kept
    from federation.tenancy import versions

    versions._DOWN["until"] = 0.0  # Redis tried again (the fixture restores the marks)
    assert away.test_client().get(f"/f/{federation.slug}/").status_code == 200


def test_planted_twin_page_cache_without_its_guard_fails(app, make_app, factory, monkeypatch):
    from federation.web import page_cache

    factory.commune()
    monkeypatch.setattr(page_cache, "_snapshot_guarded", page_cache._snapshot)
    away = _redis_away(make_app)
    with pytest.raises(Exception):  # noqa: B017 - redis' ConnectionError, through Flask
        assert away.test_client().get("/").status_code == 200


# --- a plugin that raises ---------------------------------------------------------------


class BrokenHooks(ConvergencePlugin):
    name = "brokenhooks"
    label = "Broken"

    @hookimpl
    def federation_navigation_items(self, commune, user):
        raise RuntimeError("navigation exploded")

    @hookimpl
    def federation_dashboard_widgets(self, commune, user):
        raise RuntimeError("widgets exploded")


def plugin_errors_are_contained(app, commune, caplog) -> None:
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get(f"/c/{commune.slug}/")
    assert response.status_code == 200, response.status_code
    for hook in ("federation_navigation_items", "federation_dashboard_widgets"):
        assert any(
            "brokenhooks" in r.getMessage() and hook in r.getMessage() for r in caplog.records
        ), hook


def _broken_app(make_app, factory_cls):
    broken = make_app(extra_plugins=[BrokenHooks()])
    factory = factory_cls(broken)
    commune = factory.commune()
    factory.enable(commune, "brokenhooks")
    return broken, commune


def test_a_plugin_raising_in_a_page_hook_leaves_the_page_rendered(app, make_app, caplog):
    from federation.testing.factories import Factory

    broken, commune = _broken_app(make_app, Factory)
    plugin_errors_are_contained(broken, commune, caplog)


def test_planted_twin_hooks_called_without_isolation_fail(app, make_app, caplog, monkeypatch):
    from federation.plugins.manager import ConvergencePluginManager
    from federation.testing.factories import Factory

    def not_isolated(self, hook_name, skip=(), **kwargs):
        results = []
        for impl in getattr(self.hook, hook_name).get_hookimpls():
            if impl.plugin_name not in set(skip):
                results.append((impl.plugin_name, impl.function(**kwargs)))
        return results

    broken, commune = _broken_app(make_app, Factory)
    monkeypatch.setattr(ConvergencePluginManager, "call_isolated", not_isolated)
    with pytest.raises(AssertionError):
        plugin_errors_are_contained(broken, commune, caplog)


# --- an export interrupted --------------------------------------------------------------


def _plain_write(path, mode="w", encoding="utf-8"):
    """The planted twin: writes straight into the target."""
    return open(path, mode, encoding=encoding)


def interrupted_export_leaves_no_partial_file(writer, tmp_path) -> None:
    target = tmp_path / "commune.json"
    target.write_text('{"complete": "previous export"}', encoding="utf-8")

    def export() -> None:
        with writer(target) as handle:
            handle.write('{"half": ')
            raise KeyboardInterrupt  # Ctrl-C, a kill, a full disk half-way

    with pytest.raises(KeyboardInterrupt):
        export()
    assert target.read_text(encoding="utf-8") == '{"complete": "previous export"}'
    assert [p.name for p in tmp_path.iterdir()] == ["commune.json"]  # no leftover


def test_an_interrupted_export_leaves_no_partial_file(tmp_path):
    from federation.ops.files import atomic_write

    interrupted_export_leaves_no_partial_file(atomic_write, tmp_path)


def test_planted_twin_writing_in_place_leaves_half_a_file(tmp_path):
    with pytest.raises(AssertionError):
        interrupted_export_leaves_no_partial_file(_plain_write, tmp_path)


def test_commune_export_interrupted_writes_nothing(app, factory, tmp_path, monkeypatch):
    import federation.transfer

    commune = factory.commune()
    from flask.cli import ScriptInfo

    from federation.cli import main

    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)
    target = tmp_path / "out.json"
    done = runner.invoke(main, ["commune", "export", commune.slug, "-o", str(target)], obj=info)
    assert done.exit_code == 0, done.output
    assert target.read_text(encoding="utf-8").startswith("{")

    def exploding(_commune):
        raise KeyboardInterrupt

    monkeypatch.setattr(federation.transfer, "export_commune", exploding)
    other = tmp_path / "other.json"
    runner.invoke(main, ["commune", "export", commune.slug, "-o", str(other)], obj=info)
    assert not other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
