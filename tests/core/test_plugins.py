"""Plugins per commune: routes, navigation and widgets follow enablement; dependencies,
failing hooks and settings validation."""

from __future__ import annotations

import pytest

from federation.plugins.base import ConvergencePlugin
from federation.plugins.manager import ConvergencePluginManager, PluginLoadError


def test_plugin_routes_answer_404_where_it_is_off(client, factory):
    on, _off = factory.commune("on-town"), factory.commune("off-town")
    factory.enable(on, "notes")
    assert client.get("/c/on-town/notes/").status_code == 200
    assert client.get("/c/off-town/notes/").status_code == 404
    assert client.get("/api/v1/communes/on-town/notes/notes").status_code == 200
    response = client.get("/api/v1/communes/off-town/notes/notes")
    assert response.status_code == 404 and response.is_json


def test_navigation_and_widgets_only_where_enabled(client, factory):
    on, _off = factory.commune("on-town"), factory.commune("off-town")
    factory.enable(on, "notes")
    assert "/c/on-town/notes/" in client.get("/c/on-town/").text
    page = client.get("/c/off-town/").text
    assert "/notes/" not in page and "notes</p>" not in page


def test_disabling_keeps_data_and_hides_routes(client, factory, in_commune):
    from federation.db import db
    from tests.support.notes_plugin import Note

    commune = factory.commune()
    factory.enable(commune, "notes")
    with in_commune(commune):
        db.session.add(Note(title="kept"))
    factory.disable(commune, "notes")
    assert client.get(f"/c/{commune.slug}/notes/").status_code == 404
    factory.enable(commune, "notes")
    assert "kept" in client.get(f"/c/{commune.slug}/notes/").text


def test_enabling_a_plugin_whose_dependency_is_off_is_refused(client, factory):
    commune = factory.commune()
    admin = factory.member(commune, "admin")
    headers = factory.token(admin.user)
    url = f"/api/v1/communes/{commune.slug}/plugins/needsnotes"
    refused = client.put(url, json={"enabled": True}, headers=headers)
    assert refused.status_code == 409
    assert "notes" in refused.json["message"]
    assert "plugin" in refused.json["errors"]["json"]
    client.put(
        f"/api/v1/communes/{commune.slug}/plugins/notes", json={"enabled": True}, headers=headers
    )
    assert client.put(url, json={"enabled": True}, headers=headers).status_code == 200
    # and notes cannot be switched off while needsnotes is on
    blocked = client.put(
        f"/api/v1/communes/{commune.slug}/plugins/notes", json={"enabled": False}, headers=headers
    )
    assert blocked.status_code == 409 and "needsnotes" in blocked.json["message"]


def test_a_failing_widget_or_indicator_does_not_break_the_page(client, factory, caplog):
    commune = factory.commune()
    fed = factory.federation(communes=[commune])
    factory.enable(commune, "notes")
    factory.enable(commune, "broken")
    with caplog.at_level("ERROR"):
        home = client.get(f"/c/{commune.slug}/")
        federation = client.get(f"/f/{fed.slug}/")
    assert home.status_code == 200 and "0 notes" in home.text
    assert federation.status_code == 200 and "Notes written" in federation.text
    assert "widget exploded" in caplog.text and "indicator exploded" in caplog.text


def test_settings_are_validated_by_the_plugin_schema_api(client, factory):
    commune = factory.commune()
    admin = factory.member(commune, "admin")
    headers = factory.token(admin.user)
    url = f"/api/v1/communes/{commune.slug}/plugins/notes"
    bad = client.put(
        url,
        json={"enabled": True, "settings": {"max_length": 3, "style": "x", "extra": 1}},
        headers=headers,
    )
    assert bad.status_code == 422
    errors = bad.json["errors"]["json"]
    assert {"max_length", "style", "extra"} <= set(errors)
    assert client.get(f"/c/{commune.slug}/notes/").status_code == 404  # nothing written
    good = client.put(url, json={"enabled": True, "settings": {"max_length": 30}}, headers=headers)
    assert good.status_code == 200 and good.json["settings"]["max_length"] == 30


def test_settings_form_shows_errors_next_to_the_field(client, factory):
    commune = factory.commune()
    admin = factory.member(commune, "admin")
    factory.login(client, admin)
    form = client.get(f"/c/{commune.slug}/admin/plugins/notes")
    assert form.status_code == 200 and 'name="max_length"' in form.text
    bad = client.post(
        f"/c/{commune.slug}/admin/plugins/notes",
        data={"heading": "", "max_length": "2", "style": "plain"},
    )
    assert bad.status_code == 422
    assert 'id="setting-max_length-error"' in bad.text
    assert "error-summary" in bad.text
    ok = client.post(
        f"/c/{commune.slug}/admin/plugins/notes",
        data={"heading": "Carnet", "max_length": "50", "style": "fancy"},
    )
    assert ok.status_code == 302
    assert client.get(f"/c/{commune.slug}/notes/").status_code == 200


def test_manager_refuses_bad_names_and_missing_dependencies():
    pm = ConvergencePluginManager()

    class Bad(ConvergencePlugin):
        name = "Bad-Name"

    with pytest.raises(PluginLoadError):
        pm.register_plugin(Bad())

    class Needy(ConvergencePlugin):
        name = "needy"
        requires = frozenset({"absent"})

    pm.register_plugin(Needy())
    with pytest.raises(PluginLoadError, match="requires 'absent'"):
        pm.check()


def test_dependency_cycles_are_refused():
    pm = ConvergencePluginManager()

    class One(ConvergencePlugin):
        name = "one"
        requires = frozenset({"two"})

    class Two(ConvergencePlugin):
        name = "two"
        requires = frozenset({"one"})

    pm.register_plugin(One())
    pm.register_plugin(Two())
    with pytest.raises(PluginLoadError, match="cycle"):
        pm.check()


def test_each_app_has_its_own_plugin_manager(make_app, app):
    other = make_app()
    assert other.extensions["convergence"].pm is not app.extensions["convergence"].pm


def test_create_app_runs_no_query(make_app, app):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    statements: list[str] = []

    def listener(*args):
        statements.append(args[2])

    event.listen(Engine, "before_cursor_execute", listener)
    try:
        make_app()
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
    assert statements == []


def test_plugin_list_and_enable_from_the_cli(app, factory):
    from flask.cli import ScriptInfo

    from federation.cli import main

    commune = factory.commune("cli-town")
    runner = app.test_cli_runner()
    info = ScriptInfo(create_app=lambda: app)
    result = runner.invoke(
        main, ["plugin", "enable", "needsnotes", "--commune", "cli-town"], obj=info
    )
    assert result.exit_code == 1 and "notes" in result.output
    assert (
        runner.invoke(
            main,
            ["plugin", "enable", "notes", "--commune", "cli-town", "--setting", "max_length=40"],
            obj=info,
        ).exit_code
        == 0
    )
    listing = runner.invoke(main, ["plugin", "list", "--commune", commune.slug], obj=info)
    assert "notes\t1.0\trequires:-\ton" in listing.output
    bad = runner.invoke(
        main,
        ["plugin", "enable", "notes", "--commune", "cli-town", "--setting", "max_length=1"],
        obj=info,
    )
    assert bad.exit_code == 1 and "max_length" in bad.output
    assert (
        runner.invoke(
            main, ["plugin", "disable", "notes", "--commune", "cli-town"], obj=info
        ).exit_code
        == 0
    )
