"""One test per hook specification (named ``test_hook_<name>``), plus meta-tests that fail
when a hook has no docstring or no test (Datasette's pattern)."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from federation import hookspecs
from federation.db import db
from federation.identity.models import User
from federation.tenancy.models import Commune
from tests.support.notes_plugin import CALLS, Note

HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("federation_"))


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_reference_documentation(name):
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert len(doc) > 60, f"hook {name} needs a docstring that documents it"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_test(name):
    sources = "\n".join(p.read_text() for p in Path(__file__).parent.parent.rglob("test_*.py"))
    assert re.search(rf"def test_hook_{name}\b", sources), f"write test_hook_{name}"


def test_every_hook_is_a_valid_pluggy_spec(app):
    pm = app.extensions["convergence"].pm
    for name in HOOKS:
        assert getattr(pm.hook, name).spec is not None


def test_hook_federation_permissions(app):
    registry = app.extensions["convergence"].permissions
    assert "notes.write" in registry and "core.admin" in registry
    assert "member" in registry["notes.write"].default_roles


def test_hook_federation_blueprints(app, client, factory):
    commune = factory.commune()
    factory.enable(commune, "notes")
    assert client.get(f"/c/{commune.slug}/notes/").status_code == 200


def test_hook_federation_api_blueprints(app, client, factory):
    commune = factory.commune()
    factory.enable(commune, "notes")
    assert client.get(f"/api/v1/communes/{commune.slug}/notes/notes").status_code == 200
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/communes/{commune}/notes/notes" in paths


def test_hook_federation_navigation_items(client, factory):
    commune = factory.commune()
    factory.enable(commune, "notes")
    page = client.get(f"/c/{commune.slug}/").text
    assert f'href="/c/{commune.slug}/notes/"' in page


def test_hook_federation_dashboard_widgets(client, factory, in_commune):
    commune = factory.commune()
    factory.enable(commune, "notes")
    with in_commune(commune):
        db.session.add(Note(title="x"))
    assert "1 notes" in client.get(f"/c/{commune.slug}/").text


def test_hook_federation_indicators(client, factory, in_commune):
    a, b = factory.commune(name="Aville"), factory.commune(name="Bville")
    fed = factory.federation(communes=[a, b])
    for ref in (a, b):
        factory.enable(ref, "notes")
    author = factory.member(a)
    with in_commune(a):
        db.session.add_all([Note(title=str(i), author_id=author.user.id) for i in range(3)])
    page = client.get(f"/f/{fed.slug}/").text
    assert "Notes written" in page and "3" in page
    assert "petits effectifs" in page  # 0 < people < 5 is suppressed


def test_hook_federation_commune_created(app):
    from federation.cli import main

    CALLS.clear()
    result = app.test_cli_runner().invoke(
        main, ["commune", "create", "Hookville"], obj=_script_info(app)
    )
    assert result.exit_code == 0, result.output
    assert ("commune_created", "hookville") in CALLS


def test_hook_federation_plugin_enabled(factory):
    commune = factory.commune()
    CALLS.clear()
    factory.enable(commune, "notes")
    assert ("plugin_enabled", (commune.slug, "notes")) in CALLS


def test_hook_federation_plugin_disabled(factory):
    commune = factory.commune()
    factory.enable(commune, "notes")
    CALLS.clear()
    factory.disable(commune, "notes")
    assert ("plugin_disabled", (commune.slug, "notes")) in CALLS


def test_hook_federation_event(client, factory, in_commune):
    commune = factory.commune()
    factory.enable(commune, "notes")
    member = factory.member(commune)
    factory.login(client, member)
    CALLS.clear()
    assert client.post(f"/c/{commune.slug}/notes/", data={"title": "Eau"}).status_code == 302
    events = [c for c in CALLS if c[0] == "event"]
    assert events and events[0][1][0] == "notes.created"
    assert "Note 1 written" in client.get(f"/c/{commune.slug}/journal").text


def test_hook_federation_cli_commands(app, factory, in_commune):
    from federation.cli import main

    commune = factory.commune()
    with in_commune(commune):
        db.session.add(Note(title="cli"))
    result = app.test_cli_runner().invoke(
        main, ["notes", "count", "--commune", commune.slug], obj=_script_info(app)
    )
    assert result.exit_code == 0 and result.output.strip() == "1"


def test_hook_federation_demo_data(app):
    from federation.cli import main

    demo = Path(__file__).parents[2] / "instances" / "demo" / "demo.toml"
    result = app.test_cli_runner().invoke(
        main, ["demo", "load", "--file", str(demo)], obj=_script_info(app)
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        from federation.tenancy.context import unscoped

        with unscoped():
            assert db.session.scalar(select(func.count(Note.id))) >= 4


def test_hook_federation_commune_export(app, factory, in_commune, tmp_path):
    from federation.cli import main

    commune = factory.commune("exported")
    factory.enable(
        commune, "notes", {"heading": "Carnet", "max_length": 100, "style": "plain", "public": True}
    )
    with in_commune(commune):
        db.session.add(Note(title="exported note"))
    out = tmp_path / "export.json"
    result = app.test_cli_runner().invoke(
        main, ["commune", "export", "exported", "-o", str(out)], obj=_script_info(app)
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["plugins"]["notes"]["data"]["notes"][0]["title"] == "exported note"
    assert data["plugins"]["notes"]["settings"]["heading"] == "Carnet"


def test_hook_federation_commune_import(app, factory, in_commune, tmp_path):
    from federation.cli import main

    commune = factory.commune("source")
    factory.enable(commune, "notes")
    with in_commune(commune):
        db.session.add(Note(title="travels"))
    out = tmp_path / "export.json"
    runner = app.test_cli_runner()
    runner.invoke(main, ["commune", "export", "source", "-o", str(out)], obj=_script_info(app))
    result = runner.invoke(
        main, ["commune", "import-data", str(out), "--slug", "copy"], obj=_script_info(app)
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        copy = db.session.scalar(select(Commune).where(Commune.slug == "copy"))
    with in_commune(copy.id):
        assert db.session.scalars(select(Note.title)).all() == ["travels"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    failed = runner.invoke(main, ["commune", "import-data", str(bad)], obj=_script_info(app))
    assert failed.exit_code == 1 and "Error" in failed.output


def test_hook_federation_user_data_export(client, factory, in_commune):
    commune = factory.commune()
    member = factory.member(commune)
    with in_commune(commune):
        db.session.add(Note(title="mine", author_id=member.user.id))
    factory.login(client, member)
    data = client.get("/account/export").json
    assert data["plugins"]["notes"] == {"notes": ["mine"]}
    assert data["account"]["email"] == member.user.email
    assert data["memberships"][0]["commune"] == commune.slug


def test_hook_federation_user_data_erase(client, factory, in_commune, app):
    commune = factory.commune()
    member = factory.member(commune)
    with in_commune(commune):
        db.session.add(Note(title="mine", author_id=member.user.id))
    factory.login(client, member)
    CALLS.clear()
    response = client.post(
        "/account/delete", data={"password": member.user.password, "confirm": "y"}
    )
    assert response.status_code == 302
    assert ("user_erased", member.user.id) in CALLS
    with in_commune(commune):
        assert db.session.scalars(select(Note.author_id)).all() == [None]
    with app.app_context():
        assert db.session.get(User, member.user.id) is None


def test_hook_federation_verification_methods(client, factory, in_db):
    commune = factory.commune()
    with in_db():
        db.session.get(Commune, commune.id).verification_method = "notes_secret"
    user = factory.user()
    factory.login(client, user)
    form = client.get(f"/c/{commune.slug}/join").text
    assert "Secret word" in form
    client.post(f"/c/{commune.slug}/join", data={"verification_value": "sesame"})
    assert "membre vérifié·e" in client.get(f"/c/{commune.slug}/").text


def test_hook_federation_voting_methods(client, factory):
    """A plugin's voting method is used like a built-in one, through the API."""
    commune = factory.commune()
    facilitator = factory.member(commune, "facilitator")
    voters = [factory.member(commune) for _ in range(3)]
    headers = factory.token(facilitator.user)
    base = f"/api/v1/communes/{commune.slug}"
    vote = client.post(
        f"{base}/votes",
        json={
            "body": "assemblee",
            "title": "Fête",
            "method": "plurality",
            "options": ["juin", "juillet"],
        },
        headers=headers,
    )
    assert vote.status_code == 201, vote.json
    vote_id = vote.json["id"]
    juillet = vote.json["options"][1]["id"]
    assert client.post(f"{base}/votes/{vote_id}/open", headers=headers).status_code == 200
    for voter in voters:
        cast = client.post(
            f"{base}/votes/{vote_id}/ballots",
            json={"ballot": {"choice": juillet}},
            headers=factory.token(voter.user),
        )
        assert cast.status_code == 201, cast.json
    result = client.post(f"{base}/votes/{vote_id}/close", headers=headers).json
    assert result["winner_labels"] == ["juillet"] and result["participants"] == 3
