"""Every page and form of the web interface, in French and in English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import federation
from federation.db import db
from federation.identity.notifications import OUTBOX
from federation.web.charts import bar_chart

PO = Path(federation.__file__).parent / "translations/en/LC_MESSAGES/convergence.po"


@pytest.fixture
def site(factory, in_commune):
    commune = factory.commune("faux", "Faux-la-Montagne", insee_code="23077", population=443)
    other = factory.commune("tarnac", "Tarnac")
    fed = factory.federation("plateau", communes=[commune, other], name="Plateau")
    factory.enable(commune, "notes")
    admin = factory.member(commune, "admin")
    pending = factory.member(commune, status="pending")
    platform = factory.platform_admin()
    voters = [factory.member(commune) for _ in range(2)]
    with in_commune(commune):
        from federation.governance.demo import load
        from federation.identity.models import User
        from federation.tenancy.models import Commune

        people = {"facilitator": db.session.get(User, admin.user.id)}
        people.update({f"m{n}": db.session.get(User, v.user.id) for n, v in enumerate(voters)})
        load(db.session.get(Commune, commune.id), people)
    return {
        "commune": commune,
        "federation": fed,
        "admin": admin,
        "pending": pending,
        "platform": platform,
    }


PUBLIC = [
    "/",
    "/?q=faux",
    "/c/faux/",
    "/c/faux/journal",
    "/f/plateau/",
    "/f/plateau/journal",
    "/login",
    "/register",
    "/c/faux/notes/",
]
SIGNED_IN = [
    "/account/",
    "/account/password",
    "/account/memberships",
    "/account/tokens",
    "/account/delete",
    "/notifications",
    "/c/tarnac/join",
    "/c/faux/admin/members",
    "/c/faux/admin/permissions",
    "/c/faux/admin/plugins",
    "/c/faux/admin/plugins/notes",
    "/c/faux/admin/profile",
    "/c/faux/admin/verification",
]


def _french_msgids() -> list[str]:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    # long enough to be unambiguous, and really different from their English
    return [
        m.id
        for m in catalog
        if m.id
        and isinstance(m.id, str)
        and len(m.id) > 14
        and m.string
        and m.string != m.id
        and "%(" not in m.id
    ]


def _english_msgstrs() -> list[str]:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    return [
        m.string
        for m in catalog
        if m.id
        and isinstance(m.string, str)
        and len(m.string) > 14
        and m.string != m.id
        and "%(" not in m.string
    ]


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_renders_in_both_languages(client, factory, site, lang):
    french, english = _french_msgids(), _english_msgstrs()
    factory.login(client, site["admin"])
    for url in PUBLIC + SIGNED_IN:
        joiner = "&" if "?" in url else "?"
        response = client.get(f"{url}{joiner}lang={lang}")
        assert response.status_code == 200, (url, response.status_code)
        text = _visible_text(response.text)
        assert f'lang="{lang}"' in response.text
        leftovers = [s for s in (french if lang == "en" else english) if s in text]
        assert not leftovers, f"{url} ({lang}) shows untranslated text: {leftovers[:3]}"


def test_platform_admin_pages_and_forms(client, site):
    from federation.testing.factories import Factory

    Factory.login(client, site["platform"])
    assert client.get("/admin/").status_code == 200
    created = client.post(
        "/admin/",
        data={"action": "commune", "commune-name": "Nedde", "commune-insee_code": "87104"},
    )
    assert created.status_code == 302
    bad = client.post(
        "/admin/", data={"action": "commune", "commune-name": "", "commune-insee_code": "1"}
    )
    assert bad.status_code == 422 and 'id="commune-name-error"' in bad.text
    fed = client.post(
        "/admin/",
        data={"action": "federation", "federation-name": "Bassin", "federation-kind": "basin"},
    )
    assert fed.status_code == 302
    member = client.post(
        "/admin/",
        data={"action": "member", "member-federation": "bassin", "member-commune": "nedde"},
    )
    assert member.status_code == 302
    unknown = client.post(
        "/admin/",
        data={"action": "member", "member-federation": "bassin", "member-commune": "nowhere"},
    )
    assert unknown.status_code == 422 and "nowhere" in unknown.text
    coordinator = client.post(
        "/admin/",
        data={
            "action": "coordinator",
            "coordinator-federation": "bassin",
            "coordinator-email": site["admin"].user.email,
        },
    )
    assert coordinator.status_code == 302
    assert site["admin"].user.display_name in client.get("/f/bassin/").text


def test_platform_admin_is_refused_to_others(client, site):
    from federation.testing.factories import Factory

    Factory.login(client, site["admin"])
    assert client.get("/admin/").status_code == 403


def test_member_administration_forms(client, site, app):
    from federation.testing.factories import Factory

    Factory.login(client, site["admin"])
    pending_id = site["pending"].membership_id
    assert client.post(f"/c/faux/admin/members/{pending_id}/approve").status_code == 302
    assert (
        client.post(
            f"/c/faux/admin/members/{pending_id}/grant", data={"role": "secretary"}
        ).status_code
        == 302
    )
    page = client.get("/c/faux/admin/members").text
    assert "secrétaire" in page
    assert (
        client.post(
            f"/c/faux/admin/members/{pending_id}/grant", data={"role": "emperor"}
        ).status_code
        == 302
    )
    assert "Rôle inconnu" in client.get("/c/faux/admin/members").text
    assert (
        client.post(
            f"/c/faux/admin/members/{pending_id}/revoke", data={"role": "secretary"}
        ).status_code
        == 302
    )
    assert client.post(f"/c/faux/admin/members/{pending_id}/explode").status_code == 404
    # the approved person was told, in the app and by e-mail with an absolute link
    assert any("validée" in m["Subject"] for m in OUTBOX)
    assert any("http://127.0.0.1:5000/c/faux/" in m.get_content() for m in OUTBOX)


def test_role_permission_table_form(client, site, app):
    from federation.identity.services import role_permission_table
    from federation.testing.factories import Factory

    Factory.login(client, site["admin"])
    table = client.get("/c/faux/admin/permissions").text
    assert 'name="member:notes.write"' in table
    response = client.post(
        "/c/faux/admin/permissions",
        data={"facilitator:notes.write": "on", "admin:core.admin": "on"},
    )
    assert response.status_code == 302
    with app.app_context():
        effective = role_permission_table(site["commune"].id)
    assert "notes.write" not in effective["member"]
    assert "core.admin" in effective["admin"]


def test_commune_profile_form(client, site):
    from federation.testing.factories import Factory

    Factory.login(client, site["admin"])
    ok = client.post(
        "/c/faux/admin/profile",
        data={
            "name": "Faux-la-Montagne",
            "population": "450",
            "default_locale": "fr",
            "host": "",
            "description": "Sur le plateau.",
            "verification_method": "invitation_code",
        },
    )
    assert ok.status_code == 302
    bad = client.post(
        "/c/faux/admin/profile",
        data={
            "name": "",
            "population": "-1",
            "default_locale": "fr",
            "host": "",
            "description": "",
            "verification_method": "invitation_code",
        },
    )
    assert bad.status_code == 422
    assert 'id="name-error"' in bad.text and 'id="population-error"' in bad.text


def test_invitation_codes_verify_a_join_request(client, site, factory, in_db):
    from federation.tenancy.models import Commune
    from federation.testing.factories import Factory

    with in_db():
        db.session.get(Commune, site["commune"].id).verification_method = "invitation_code"
    Factory.login(client, site["admin"])
    page = client.post("/c/faux/admin/verification", data={"action": "codes", "count": "2"})
    codes = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", page.text)
    assert len(codes) == 2
    newcomer = factory.user()
    Factory.login(client, newcomer)
    client.post("/c/faux/join", data={"verification_value": "WRONG-CODE1"})
    assert "en attente" in client.get("/c/faux/").text
    other = factory.user()
    Factory.login(client, other)
    client.post("/c/faux/join", data={"verification_value": codes[0].lower()})
    assert "membre vérifié·e" in client.get("/c/faux/").text
    third = factory.user()
    Factory.login(client, third)
    client.post("/c/faux/join", data={"verification_value": codes[0]})  # already used
    assert "en attente" in client.get("/c/faux/").text


def test_residents_list_verifies_a_join_request(client, site, factory, in_db):
    from federation.tenancy.models import Commune
    from federation.testing.factories import Factory

    with in_db():
        db.session.get(Commune, site["commune"].id).verification_method = "residents_list"
    resident = factory.user("resident@example.org")
    Factory.login(client, site["admin"])
    client.post(
        "/c/faux/admin/verification",
        data={"action": "residents", "emails": "Resident@Example.org"},
    )
    Factory.login(client, resident)
    client.post("/c/faux/join", data={})
    assert "membre vérifié·e" in client.get("/c/faux/").text


def test_logout_invalidates_a_copied_session_cookie(app, site):
    from federation.testing.factories import Factory

    client = app.test_client()
    Factory.login(client, site["admin"])
    assert client.get("/account/").status_code == 200
    copied = app.test_client()
    with client.session_transaction() as original, copied.session_transaction() as clone:
        clone.update(dict(original))
    client.post("/logout")
    assert copied.get("/account/").status_code == 302


def test_error_pages_in_both_languages(client, make_app, app):
    assert "Page introuvable" in client.get("/nowhere").text
    assert "Page not found" in client.get("/nowhere?lang=en").text
    crashing = make_app(PROPAGATE_EXCEPTIONS=False)

    @crashing.route("/boom")
    def boom():
        raise RuntimeError("secret-internal-detail")

    response = crashing.test_client().get("/boom?lang=en")
    assert response.status_code == 500 and "Server error" in response.text
    assert "secret-internal-detail" not in response.text


def test_instance_templates_override_the_core(make_app, app, tmp_path, monkeypatch):
    overridden = make_app()
    folder = Path(overridden.instance_path) / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "portal.html").write_text(
        "{% extends 'base.html' %}{% block content %}Notre portail{% endblock %}"
    )
    try:
        assert "Notre portail" in overridden.test_client().get("/").text
    finally:
        (folder / "portal.html").unlink()


def test_portal_search_by_name_and_insee(client, site):
    assert "Faux-la-Montagne" in client.get("/?q=23077").text
    assert "Tarnac" not in client.get("/?q=faux").text


def test_bar_chart_has_a_text_alternative(app):
    with app.test_request_context():
        svg = str(bar_chart("Eau <prélevée>", [("Faux", 12.5), ("Tarnac", None)], unit="m³"))
    assert 'role="img"' in svg and "<desc" in svg and "<table>" in svg
    assert "&lt;prélevée&gt;" in svg and "<prélevée>" not in svg


def test_pages_are_print_friendly_and_have_landmarks(client, site):
    page = client.get("/c/faux/journal").text
    assert '<main id="contenu"' in page and 'class="skip-link"' in page
    assert 'role="banner"' in page and 'role="contentinfo"' in page
    css = client.get("/static/convergence.css").text
    assert "@media print" in css and "prefers-color-scheme: dark" in css
