"""The request's memo of the signed-in person (federation.identity.memo): memberships, roles,
permissions and unread notifications read once, in the statement that loads the account,
and never stale after a change in the same request."""

from __future__ import annotations

import pytest
from flask_login import login_user

from federation.db import db
from federation.identity import memo, services
from federation.identity.models import User
from federation.identity.notifications import mark_all_read, notify, unread_count
from federation.testing.queries import count_queries


def _tables(statements: list[str], table: str) -> int:
    return sum(1 for s in statements if f"FROM {table}" in s or f"JOIN {table}" in s)


@pytest.fixture
def person(factory):
    here, there = factory.commune(), factory.commune()
    member = factory.member(here, "facilitator")
    factory.member(there, user=member.user)
    return member, here, there


def test_a_page_reads_the_signed_in_persons_memberships_and_roles_once(
    app, client, factory, person
):
    member, here, _there = person
    factory.login(client, member)
    url = f"/c/{here.slug}/"
    client.get(url)
    with count_queries(app) as counter:
        assert client.get(url).status_code == 200
    # the account, its memberships, their roles and its unread count: one statement
    assert _tables(counter.statements, "memberships") == 1, counter.statements
    assert _tables(counter.statements, "membership_roles") == 1, counter.statements
    assert _tables(counter.statements, "notifications") == 1, counter.statements
    [loaded] = [s for s in counter.statements if "FROM users" in s]
    assert "memberships" in loaded and "membership_roles" in loaded


def test_role_checks_in_one_request_cost_no_further_statement(app, factory, person):
    member, here, there = person
    with app.test_request_context("/"):
        user = services.user_by_session_id(member.user.session_id)
        login_user(user)
        with count_queries(app) as counter:
            for _ in range(20):
                assert services.membership(here.id, user.id).id == member.membership_id
                assert services.roles_in(user, here.id) == {"member", "facilitator"}
                assert services.roles_in(user, there.id) == {"member"}
                assert services.has_permission(user, "gov.facilitate", here.id)
                assert not services.has_permission(user, "gov.facilitate", there.id)
                assert len(services.memberships_of(user.id)) == 2
        # the two communes' role tables, once each; no membership read again
        assert len(counter.reads_and_writes) == 2, counter.statements
        assert _tables(counter.statements, "memberships") == 0


def test_another_persons_memberships_are_one_statement_per_request(app, factory, person):
    member, here, _there = person
    other = factory.member(here)
    with app.test_request_context("/"):
        with count_queries(app) as counter:
            for _ in range(10):
                assert services.membership(here.id, other.user.id).id == other.membership_id
                assert services.membership(here.id, member.user.id) is not None
        # one per person, roles joined
        assert len(counter.reads_and_writes) == 2, counter.statements


@pytest.fixture
def in_request(app, factory):
    """A verified member of a fresh commune, signed in inside a request context; what the
    test wrote is rolled back at the end."""
    here = factory.commune()
    member = factory.member(here)
    with app.test_request_context("/"):
        user = services.user_by_session_id(member.user.session_id)
        try:
            yield here, user
        finally:
            db.session.rollback()


def test_a_role_granted_in_the_request_is_seen_at_once(in_request):
    here, user = in_request
    assert not services.has_permission(user, "gov.facilitate", here.id)
    services.grant_role(services.membership(here.id, user.id), "facilitator")
    assert services.has_permission(user, "gov.facilitate", here.id)
    services.revoke_role(services.membership(here.id, user.id), "facilitator")
    db.session.flush()
    assert not services.has_permission(user, "gov.facilitate", here.id)


def test_a_membership_added_in_the_request_is_seen_at_once(factory, in_request):
    _here, user = in_request
    elsewhere = factory.commune()
    assert services.membership(elsewhere.id, user.id) is None
    added = services.request_membership(elsewhere.id, db.session.get(User, user.id))
    assert services.membership(elsewhere.id, user.id) is added
    services.activate_membership(added, by=None, method="test")
    assert services.roles_in(user, elsewhere.id) == {"member"}
    db.session.delete(added)  # not flushed: a lookup flushes it first, like a query
    assert services.membership(elsewhere.id, user.id) is None


def test_unread_count_follows_notifications_and_bulk_reads(in_request):
    here, user = in_request
    assert unread_count(user.id) == 0
    notify(user.id, kind="membership.pending", params={"commune": "Ici"}, commune_id=here.id)
    assert unread_count(user.id) == 1
    mark_all_read(user.id)  # a bulk UPDATE, not the unit of work
    assert unread_count(user.id) == 0


def test_planted_twin_without_forgetting_the_memo_answers_stale(monkeypatch, in_request):
    """Prove the invalidation matters: with the flush listener silenced, a role granted in
    the request is not seen (what the tests above would catch)."""
    here, user = in_request
    assert not services.has_permission(user, "gov.facilitate", here.id)
    monkeypatch.setattr(memo, "forget", lambda: None)
    services.grant_role(services.membership(here.id, user.id), "facilitator")
    db.session.flush()
    assert not services.has_permission(user, "gov.facilitate", here.id)  # stale


def test_the_memo_ends_with_the_transaction(in_request):
    here, user = in_request
    services.membership(here.id, user.id)
    assert memo.memo()["memberships"]
    db.session.rollback()
    assert not memo.memo()["memberships"]


# --- a federation's role holders, read once per request (the federation home) ------------


def test_federation_roles_are_read_once_and_never_stale(app, factory, in_request):
    here, user = in_request
    fed = factory.federation(communes=[])
    with count_queries(app) as counter:
        assert services.federation_role_holders(fed.id) == []
        assert services.federation_roles_of(user.id, fed.id) == set()  # from the holders
    assert len(counter.reads_and_writes) == 1
    services.grant_federation_role(fed.id, user, "coordinator")  # flushed: the memo forgets
    assert services.federation_roles_of(user.id, fed.id) == {"coordinator"}
    assert [r.user_id for r in services.federation_role_holders(fed.id)] == [user.id]


def test_planted_twin_federation_roles_kept_after_a_grant_answer_stale(
    app, factory, in_request, monkeypatch
):
    here, user = in_request
    fed = factory.federation(communes=[])
    services.federation_role_holders(fed.id)
    monkeypatch.setattr(memo, "forget", lambda: None)
    services.grant_federation_role(fed.id, user, "coordinator")
    assert services.federation_roles_of(user.id, fed.id) == set()  # stale: what the test sees
