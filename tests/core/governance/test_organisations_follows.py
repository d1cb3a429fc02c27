"""Issue 10 item 13: organisations' representatives (web page and API, by a representative
only), joining a circle as an organisation only when one represents it, and one follow per
person and target (partial unique indexes: a UNIQUE over nullable columns lets duplicates in)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from federation.db import db
from federation.errors import Forbidden
from federation.governance import bodies, organisations, proposals
from federation.governance.models import BodyMember, Follow, Proposal
from federation.identity.models import User
from federation.testing.factories import Factory


def _user(ref):
    return db.session.get(User, ref.user.id)


@pytest.fixture
def org(client, town, factory):
    made = client.post(
        f"{town.base}/organisations",
        json={"name": "Jardins partagés", "kind": "association"},
        headers=factory.token(town.members[0].user),
    )
    assert made.status_code == 201, made.json
    return made.json


def test_representatives_are_added_through_the_api_by_a_representative(client, town, factory, org):
    url = f"{town.base}/organisations/{org['slug']}/representatives"
    newcomer = town.members[1]
    stranger = client.post(
        url, json={"user_id": newcomer.user.id}, headers=factory.token(town.members[2].user)
    )
    assert stranger.status_code == 403
    added = client.post(
        url, json={"user_id": newcomer.user.id}, headers=factory.token(town.members[0].user)
    )
    assert added.status_code == 201, added.json
    listed = client.get(url).json
    assert {r["user_id"] for r in listed} == {town.members[0].user.id, newcomer.user.id}
    outsider = factory.user()  # not a member of the commune
    refused = client.post(
        url, json={"user_id": outsider.id}, headers=factory.token(town.members[0].user)
    )
    assert refused.status_code == 409 and "user_id" in refused.json["errors"]["json"]
    removed = client.delete(
        f"{url}/{newcomer.user.id}", headers=factory.token(town.members[0].user)
    )
    assert removed.status_code == 204
    assert {r["user_id"] for r in client.get(url).json} == {town.members[0].user.id}
    last = client.delete(
        f"{url}/{town.members[0].user.id}", headers=factory.token(town.members[0].user)
    )
    assert last.status_code == 409  # an organisation keeps at least one representative


def test_representatives_are_added_on_the_web_page(app, town, org):
    client = app.test_client()
    base = f"/c/{town.commune.slug}/organisations/{org['slug']}"
    Factory.login(client, town.members[0])
    page = client.get(base).text
    assert 'action="' + base + '/representatives"' in page
    done = client.post(f"{base}/representatives", data={"user_id": town.members[3].user.id})
    assert done.status_code == 302
    assert town.members[3].user.display_name in client.get(base).text
    english = client.get(f"{base}?lang=en").text
    assert "Add a representative" in english and "Ajouter un·e représentant·e" not in english


def test_joining_a_circle_as_an_organisation_needs_to_represent_it(
    client, town, factory, org, in_commune
):
    fac = factory.token(town.facilitator.user)
    circle = client.post(
        f"{town.base}/bodies",
        json={"kind": "thematic_circle", "name": "Cercle jardins", "theme": "alim"},
        headers=fac,
    )
    assert circle.status_code == 201, circle.json
    slug = circle.json["slug"]
    with in_commune(town.commune):
        body = bodies.get_body(slug)
        org_id = organisations.get_organisation(org["slug"]).id
        with pytest.raises(Forbidden):
            bodies.join(body, _user(town.members[2]), organisation_id=org_id)
    refused = client.post(
        f"{town.base}/bodies/{slug}/members",
        json={"organisation": org["slug"]},
        headers=factory.token(town.members[2].user),
    )
    assert refused.status_code == 403
    joined = client.post(
        f"{town.base}/bodies/{slug}/members",
        json={"organisation": org["slug"]},
        headers=factory.token(town.members[0].user),
    )
    assert joined.status_code == 204
    with in_commune(town.commune):
        row = db.session.scalar(
            select(BodyMember).where(BodyMember.user_id == town.members[0].user.id)
        )
        assert row.organisation_id == org_id


def _count_follows(user_id: int) -> int:
    return db.session.scalar(select(func.count(Follow.id)).where(Follow.user_id == user_id))


def test_following_three_times_makes_one_row(client, town, factory, in_commune):
    author = factory.token(town.members[0].user)
    proposal = client.post(
        f"{town.base}/proposals", json={"body": "assemblee", "title": "Four"}, headers=author
    ).json
    follower = town.members[1]
    for _ in range(3):
        answer = client.post(
            f"{town.base}/proposals/{proposal['id']}/follow",
            headers=factory.token(follower.user),
        )
        assert answer.status_code == 204
    with in_commune(town.commune):
        assert _count_follows(follower.user.id) == 1
        assembly = db.session.get(Proposal, proposal["id"]).body
        for _ in range(3):
            proposals.follow(_user(follower), body=assembly)
        assert _count_follows(follower.user.id) == 2
        assert proposals.is_following(follower.user.id, body_id=assembly.id)
        proposals.unfollow(_user(follower), proposal=db.session.get(Proposal, proposal["id"]))
        assert _count_follows(follower.user.id) == 1


def test_the_database_refuses_a_duplicate_follow(town, in_commune):
    """The guard is the index itself: a raw insert that skips the service is refused."""
    with in_commune(town.commune):
        from federation.governance.bodies import assembly
        from federation.tenancy.models import Commune

        body = assembly(db.session.get(Commune, town.commune.id))
        user_id = town.members[2].user.id
        db.session.add(Follow(user_id=user_id, body_id=body.id))
        db.session.flush()
        duplicate = Follow(user_id=user_id, body_id=body.id)

        def insert_again() -> None:
            with db.session.begin_nested():
                db.session.add(duplicate)
                db.session.flush()

        with pytest.raises(IntegrityError):
            insert_again()
