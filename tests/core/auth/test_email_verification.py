"""E-mail verification before any verification method grants a membership (and so the
right to vote): residents list, invitation code, a facilitator's approval, web and API."""

from __future__ import annotations

import pytest

from federation.db import db
from federation.identity import services
from federation.identity.models import User
from federation.identity.verification import generate_codes, import_residents
from federation.tenancy.models import Commune

from .conftest import last_link, mails_to


def _method(in_db, commune, name: str) -> None:
    with in_db():
        db.session.get(Commune, commune.id).verification_method = name


def _rights(app, commune, user) -> tuple[str | None, bool]:
    """(membership status, may vote) of ``user`` in ``commune``."""
    with app.app_context():
        person = db.session.get(User, user.id)
        member = services.membership(commune.id, user.id)
        may_vote = services.has_permission(person, "core.participate", commune.id)
        return (member.status if member else None), may_vote


def _confirm(client, user) -> None:
    client.post("/account/email")
    path = last_link(user.email)[1]
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302


def assert_unverified_address_gains_no_vote(app, client, factory, in_db) -> None:
    """The residents list names the address, yet nobody proved they own it: no membership,
    no vote, until the link sent to that address is followed."""
    commune = factory.commune()
    _method(in_db, commune, "residents_list")
    with in_db():
        import_residents(commune.id, ["listed@example.org"])
    squatter = factory.user("listed@example.org", email_verified=False)
    factory.login(client, squatter)
    client.post(f"/c/{commune.slug}/join", data={})
    status, may_vote = _rights(app, commune, squatter)
    assert status != "active" and not may_vote, (status, may_vote)
    # the owner of the mailbox confirms it, then the list admits them
    _confirm(client, squatter)
    client.post(f"/c/{commune.slug}/join", data={})
    assert _rights(app, commune, squatter) == ("active", True)


def test_an_unverified_address_gains_no_vote_through_the_residents_list(
    app, client, factory, in_db
):
    assert_unverified_address_gains_no_vote(app, client, factory, in_db)


def test_planted_twin_joining_without_the_check_admits_an_unproven_address(
    app, client, factory, in_db, monkeypatch
):
    from federation.identity import joining

    monkeypatch.setattr(joining, "require_verified_email", lambda user: None)
    with pytest.raises(AssertionError, match="active"):
        assert_unverified_address_gains_no_vote(app, client, factory, in_db)


def test_an_invitation_code_is_not_spent_on_an_unverified_address(app, client, factory, in_db):
    commune = factory.commune()
    _method(in_db, commune, "invitation_code")
    with in_db():
        [code] = generate_codes(commune.id, 1)
    person = factory.user(email_verified=False)
    factory.login(client, person)
    refused = client.post(f"/c/{commune.slug}/join", data={"verification_value": code})
    assert "Confirmez d'abord votre adresse" in refused.text
    assert _rights(app, commune, person) == (None, False)
    _confirm(client, person)
    client.post(f"/c/{commune.slug}/join", data={"verification_value": code})
    assert _rights(app, commune, person) == ("active", True)  # the code was still good


def test_a_facilitator_cannot_approve_an_unverified_address(app, client, factory, in_db):
    commune = factory.commune()
    admin = factory.member(commune, "admin")
    person = factory.user(email_verified=False)
    pending = factory.member(commune, user=person, status="pending")
    factory.login(client, admin)
    client.post(f"/c/{commune.slug}/admin/members/{pending.membership_id}/approve")
    assert _rights(app, commune, person) == ("pending", False)
    api = client.post(
        f"/api/v1/communes/{commune.slug}/memberships/{pending.membership_id}/approve",
        headers=factory.token(admin.user),
    )
    assert api.status_code == 409 and "email" in api.json["errors"]["json"]
    assert _rights(app, commune, person) == ("pending", False)
    with in_db():
        db.session.get(User, person.id).email_verified_at = db.func.now()
    client.post(f"/c/{commune.slug}/admin/members/{pending.membership_id}/approve")
    assert _rights(app, commune, person) == ("active", True)


def test_joining_through_the_api_needs_a_verified_address(app, client, factory):
    commune = factory.commune()
    person = factory.user(email_verified=False)
    headers = factory.token(person)
    refused = client.post(f"/api/v1/communes/{commune.slug}/memberships", json={}, headers=headers)
    assert refused.status_code == 409 and "email" in refused.json["errors"]["json"]
    assert client.post("/api/v1/auth/email-verification", headers=headers).json["sent"]
    token = last_link(person.email)[1].rsplit("/", 1)[1]
    confirmed = client.post("/api/v1/auth/email-verification/confirm", json={"token": token})
    assert confirmed.status_code == 200 and confirmed.json["verified"]
    again = client.post("/api/v1/auth/email-verification/confirm", json={"token": token})
    assert again.status_code == 422 and "token" in again.json["errors"]["json"]
    status = client.get("/api/v1/auth/email-verification", headers=headers)
    assert status.json["verified"] and status.json["email"] == person.email
    joined = client.post(f"/api/v1/communes/{commune.slug}/memberships", json={}, headers=headers)
    assert joined.status_code == 201
    assert client.get("/api/v1/auth/email-verification").status_code == 401


def test_registering_sends_the_link_and_opening_it_changes_nothing(client, app, in_db):
    client.post(
        "/register",
        data={
            "display_name": "Léa",
            "email": "lea@example.org",
            "password": "un mot de passe long",
            "confirm": "un mot de passe long",
            "locale": "fr",
        },
    )
    [message] = mails_to("lea@example.org")
    origin, path = last_link("lea@example.org")
    assert origin == app.config["BASE_URL"].rstrip("/")
    page = client.get(path)
    assert page.status_code == 200 and "lea@example.org" in page.text
    with in_db():
        user = services.find_user_by_email("lea@example.org")
        assert user.email_verified_at is None  # GET changes nothing
    assert client.post(path).status_code == 302
    with in_db():
        assert services.find_user_by_email("lea@example.org").email_verified_at is not None
    reused = client.post(path)
    assert reused.status_code == 400 and "déjà servi" in reused.text


def test_the_address_page_shows_the_state_and_resends(client, factory):
    person = factory.user(email_verified=False)
    assert client.get("/account/email").status_code == 302  # visitors sign in first
    factory.login(client, person)
    page = client.get("/account/email")
    assert "pas encore confirmée" in page.text
    assert client.post("/account/email").status_code == 302
    assert len(mails_to(person.email)) == 1
    verified = factory.user()
    factory.login(client, verified)
    client.post("/account/email")
    assert not mails_to(verified.email)
    assert "confirmée le" in client.get("/account/email").text


def test_the_join_page_tells_an_unverified_person_what_to_do(client, factory):
    commune = factory.commune()
    factory.login(client, factory.user(email_verified=False))
    page = client.get(f"/c/{commune.slug}/join")
    assert 'href="/account/email"' in page.text
    factory.login(client, factory.user())
    assert 'href="/account/email"' not in client.get(f"/c/{commune.slug}/join").text


def test_a_link_for_an_old_address_does_not_verify_a_new_one(app, client, factory, in_db):
    person = factory.user(email_verified=False)
    factory.login(client, person)
    client.post("/account/email")
    path = last_link(person.email)[1]
    with in_db():
        db.session.get(User, person.id).email = "new-address@example.org"
    assert client.post(path).status_code == 400
    with in_db():
        assert db.session.get(User, person.id).email_verified_at is None
