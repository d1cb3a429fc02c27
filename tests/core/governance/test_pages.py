"""The governance pages and forms, as people use them in the browser (test client)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from federation.db import db
from federation.governance.models import Proposal, VoteParticipation
from federation.tenancy.context import commune_scope
from federation.testing.factories import Factory


@pytest.fixture
def web(app, town):
    client = app.test_client()
    return client, f"/c/{town.commune.slug}"


def _login(client, who):
    Factory.login(client, who)


def test_concern_proposal_vote_decision_through_the_forms(app, web, town):
    client, base = web
    author = town.members[0]
    _login(client, author)
    raised = client.post(f"{base}/concerns", data={"title": "Plus d'épicerie", "theme": "alim"})
    assert raised.status_code == 302
    concern_id = int(raised.headers["Location"].rsplit("/", 1)[1])
    bad = client.post(f"{base}/concerns", data={"title": ""})
    assert bad.status_code == 422 and 'id="f-title-error"' in bad.text
    for member in town.members[1:]:
        _login(client, member)
        client.post(f"{base}/concerns/{concern_id}/support")
    page = client.get(f"{base}/concerns").text
    assert "4 soutiens" in page and "Plus d&#39;épicerie" in page

    _login(client, author)
    created = client.post(
        f"{base}/bodies/assemblee/proposals/new",
        data={
            "title": "Épicerie coopérative",
            "text": "Dans l'ancienne boulangerie.",
            "cost": "12 000,50",
            "concerns": str(concern_id),
        },
    )
    assert created.status_code == 302, created.text
    proposal_url = created.headers["Location"]
    bad_cost = client.post(
        f"{base}/bodies/assemblee/proposals/new", data={"title": "x", "cost": "beaucoup"}
    )
    assert bad_cost.status_code == 422 and 'id="f-cost-error"' in bad_cost.text
    client.post(f"{proposal_url}/transition", data={"to": "deliberation"})
    client.post(f"{proposal_url}/comment", data={"text": "Qui tiendra la caisse ?"})
    assert "Qui tiendra la caisse" in client.get(proposal_url).text
    assert (
        client.post(f"{proposal_url}/transition", data={"to": "adopted"}).status_code == 403
    )  # not the author's move

    _login(client, town.facilitator)
    illegal = client.post(f"{proposal_url}/transition", data={"to": "adopted"})
    assert illegal.status_code == 302
    assert "ne peut pas passer" in client.get(proposal_url).text  # flashed clearly
    voting = client.post(
        f"{proposal_url}/vote",
        data={
            "method": "majority",
            "setting_threshold": "1/2",
            "quorum": "1/4",
            "results_hidden": "on",
        },
    )
    vote_url = voting.headers["Location"]
    client.post(f"{vote_url}/open")
    for member, choice in zip(town.members, ["yes", "yes", "no", "yes"], strict=True):
        _login(client, member)
        assert client.post(f"{vote_url}/cast", data={"choice": choice}).status_code == 302
    _login(client, town.members[0])
    client.post(f"{vote_url}/cast", data={"choice": "no"})
    assert "déjà enregistré" in client.get(vote_url).text
    assert "seront publiés à la clôture" in client.get(vote_url).text
    _login(client, town.facilitator)
    client.post(f"{vote_url}/close")
    page = client.get(vote_url).text
    assert "Adoptée" in page
    assert "Épicerie coopérative" in client.get(f"{base}/decisions").text
    journal = client.get(f"{base}/journal").text
    assert "Décision adoptée : Épicerie coopérative" in journal


METHOD_FORMS = {
    "approval": lambda ids: {"approve": [str(ids[0]), str(ids[2])]},
    "score": lambda ids: {f"score_{i}": str(n) for n, i in enumerate(ids)},
    "dot": lambda ids: {f"points_{ids[0]}": "6", f"points_{ids[1]}": "4"},
    "majority_judgment": lambda ids: {f"grade_{i}": str(n) for n, i in enumerate(ids)},
    "schulze": lambda ids: {f"rank_{ids[2]}": "1", f"rank_{ids[0]}": "2", f"rank_{ids[1]}": "2"},
    "stv": lambda ids: {f"rank_{ids[1]}": "1", f"rank_{ids[0]}": "2"},
    "time_poll": lambda ids: {f"avail_{ids[0]}": "yes", f"avail_{ids[1]}": "maybe"},
    "consent": lambda ids: {"position": "consent"},
    "advice": lambda ids: {"position": "agree"},
}


@pytest.mark.parametrize("method", sorted(METHOD_FORMS))
def test_every_method_has_a_working_ballot_form(app, web, town, factory, method):
    client, base = web
    headers = factory.token(town.facilitator.user)
    body = {
        "body": "assemblee",
        "title": f"Vote {method}",
        "method": method,
        "results_hidden": False,
    }
    if method not in ("consent", "advice"):
        body["options"] = ["lundi", "mardi", "mercredi"]
    if method == "stv":
        body["settings"] = {"seats": 1}
    created = client.post(f"/api/v1/communes/{town.commune.slug}/votes", json=body, headers=headers)
    assert created.status_code == 201, created.json
    vote_id = created.json["id"]
    ids = [o["id"] for o in created.json["options"]]
    client.post(f"/api/v1/communes/{town.commune.slug}/votes/{vote_id}/open", headers=headers)
    _login(client, town.members[0])
    form = client.get(f"{base}/votes/{vote_id}").text
    assert 'action="' + f"{base}/votes/{vote_id}/cast" in form
    response = client.post(f"{base}/votes/{vote_id}/cast", data=METHOD_FORMS[method](ids))
    assert response.status_code == 302
    with app.app_context(), commune_scope(town.commune.id):
        assert (
            db.session.scalar(select(VoteParticipation).where(VoteParticipation.vote_id == vote_id))
            is not None
        ), client.get(f"{base}/votes/{vote_id}").text[-2000:]
    page = client.get(f"{base}/votes/{vote_id}").text
    assert "Votre vote est enregistré" in page


def test_secret_vote_gives_a_receipt(app, web, town, factory):
    client, base = web
    headers = factory.token(town.facilitator.user)
    vote = client.post(
        f"/api/v1/communes/{town.commune.slug}/votes",
        json={"body": "assemblee", "title": "Secret", "method": "majority", "secret": True},
        headers=headers,
    ).json
    client.post(f"/api/v1/communes/{town.commune.slug}/votes/{vote['id']}/open", headers=headers)
    _login(client, town.members[1])
    client.post(f"{base}/votes/{vote['id']}/cast", data={"choice": "yes"})
    page = client.get(f"{base}/votes/{vote['id']}").text
    assert re.search(r"[0-9a-f]{32}", page)


def test_meetings_mandates_circles_and_organisations_forms(app, web, town, factory):
    client, base = web
    _login(client, town.facilitator)
    circle = client.post(
        f"{base}/bodies",
        data={
            "kind": "thematic_circle",
            "name": "Cercle de l'eau",
            "theme": "eau",
            "open_membership": "on",
        },
    )
    assert circle.status_code == 302
    bad_circle = client.post(f"{base}/bodies", data={"kind": "club", "name": ""})
    assert bad_circle.status_code == 422
    meeting = client.post(
        f"{base}/bodies/assemblee/meetings/new",
        data={
            "title": "AG",
            "starts_at": "2027-01-15T19:00",
            "place": "Salle des fêtes",
            "quorum": "2",
            "agenda_from_concerns": "on",
        },
    )
    assert meeting.status_code == 302
    bad = client.post(
        f"{base}/bodies/assemblee/meetings/new", data={"title": "AG", "starts_at": "demain"}
    )
    assert bad.status_code == 422 and 'id="f-starts_at-error"' in bad.text
    meeting_url = meeting.headers["Location"]
    _login(client, town.secretary)
    client.post(
        f"{meeting_url}/attendance", data={"present": [str(m.user.id) for m in town.members]}
    )
    client.post(
        f"{meeting_url}/minutes", data={"minutes": "Tout s'est bien passé.", "publish": "on"}
    )
    page = client.get(meeting_url).text
    assert "quorum atteint" in page and "Tout s&#39;est bien passé." in page
    _login(client, town.guarantor)
    mandate = client.post(
        f"{base}/mandates",
        data={
            "body": "assemblee",
            "user_id": str(town.members[2].user.id),
            "role": "secretary",
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        },
    )
    assert mandate.status_code == 302
    bad_mandate = client.post(
        f"{base}/mandates",
        data={
            "body": "assemblee",
            "user_id": str(town.members[2].user.id),
            "role": "secretary",
            "starts_on": "2026-12-31",
            "ends_on": "2026-01-01",
        },
    )
    assert bad_mandate.status_code == 422 and 'id="f-ends_on-error"' in bad_mandate.text
    _login(client, town.members[0])
    org = client.post(
        f"{base}/organisations", data={"name": "Coop du plateau", "kind": "cooperative"}
    )
    assert org.status_code == 302
    joined = client.post(f"{base}/bodies/cercle-de-l-eau/join")
    assert joined.status_code == 302
    assert "Quitter le cercle" in client.get(f"{base}/bodies/cercle-de-l-eau").text


def test_members_only_actions_redirect_visitors_to_login(web, town):
    client, base = web
    response = client.post(f"{base}/concerns", data={"title": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_proposals_and_votes_of_another_commune_are_404(app, web, town, factory, in_commune):
    client, base = web
    other = factory.commune("ailleurs")
    with in_commune(other):
        from federation.governance import bodies, proposals
        from federation.identity.models import User
        from federation.tenancy.models import Commune

        author = factory.member(other)
        body = bodies.assembly(db.session.get(Commune, other.id))
        foreign = proposals.create_proposal(body, db.session.get(User, author.user.id), "x")
        foreign_id = foreign.id
    assert client.get(f"{base}/proposals/{foreign_id}").status_code == 404
    with app.app_context(), commune_scope(other.id):
        assert db.session.get(Proposal, foreign_id) is not None


def test_one_control_to_put_a_proposal_to_the_vote_and_support_stays_on_the_list(app, web, town):
    """Issue 16 item 8: "Passer à : au vote" beside "Préparer le vote" were two controls for
    one step; supporting a concern from the list jumped to the concern's page."""
    client, base = web
    _login(client, town.members[0])
    raised = client.post(f"{base}/concerns", data={"title": "Un abri vélo"})
    concern_id = int(raised.headers["Location"].rsplit("/", 1)[1])
    assert re.search(r"\b1 soutien<", client.get(f"{base}/concerns").text)  # singular
    _login(client, town.members[1])
    back = client.post(f"{base}/concerns/{concern_id}/support", data={"back": "list"})
    assert back.headers["Location"].endswith(f"/concerns#concern-{concern_id}")
    page = client.get(f"{base}/concerns").text
    assert f'id="concern-{concern_id}"' in page and re.search(r"\b2 soutiens<", page)

    _login(client, town.members[0])
    created = client.post(f"{base}/bodies/assemblee/proposals/new", data={"title": "Abri"})
    proposal_url = created.headers["Location"]
    client.post(f"{proposal_url}/transition", data={"to": "deliberation"})
    _login(client, town.facilitator)
    page = client.get(proposal_url).text
    assert "Préparer le vote" in page
    assert 'name="to" value="voting"' not in page  # one control for the step
