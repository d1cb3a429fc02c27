"""Issue 10 item 5: results people can read — per method, in words, with a chart and a table,
the quorum and threshold applied, one's own ballot, in French and in English."""

from __future__ import annotations

import pytest

from federation.db import db
from federation.governance import bodies, results, votes
from federation.identity.models import User
from federation.tenancy.models import Commune
from federation.testing.factories import Factory


def _user(ref):
    return db.session.get(User, ref.user.id)


def _voters(town):
    return [town.facilitator, town.secretary, town.guarantor, *town.members]


def _closed_vote(town, method, ballots, *, options=None, settings=None, secret=False):
    """A vote of the assembly with ``ballots[i]`` cast by the i-th voter, then closed."""
    assembly = bodies.assembly(db.session.get(Commune, town.commune.id))
    vote = votes.create_vote(
        assembly,
        f"Vote {method}",
        method,
        options=options,
        settings=settings,
        secret=secret,
        quorum="1/4",
        results_hidden=True,
    )
    actor = _user(town.facilitator)
    votes.open_vote(vote, actor)
    ids = [o.id for o in votes.options_of(vote)]
    receipts = []
    for voter, ballot in zip(_voters(town), ballots, strict=False):
        made = ballot(ids) if callable(ballot) else ballot
        receipts.append(votes.cast(vote, _user(voter), made).receipt)
    votes.close_vote(vote, actor)
    return vote.id, receipts


def _page(app, town, vote_id, who=None, lang=None, query=""):
    client = app.test_client()
    if who is not None:
        Factory.login(client, who)
    url = f"/c/{town.commune.slug}/votes/{vote_id}"
    args = [a for a in (query, f"lang={lang}" if lang else "") if a]
    return client.get(url + ("?" + "&".join(args) if args else "")).text


YES, NO, ABSTAIN = {"choice": "yes"}, {"choice": "no"}, {"choice": "abstain"}


def test_majority_results_in_words_chart_table_quorum_and_threshold(app, town, in_commune):
    with in_commune(town.commune):
        vote_id, _r = _closed_vote(town, "majority", [YES, YES, YES, YES, NO, NO, ABSTAIN])
    french = _page(app, town, vote_id)
    assert "Pour" in french and "Contre" in french and "Abstention" in french
    assert '<svg role="img"' in french and "<table" in french
    assert "Seuil appliqué" in french and "plus de la moitié" in french
    assert "Quorum" in french and "atteint" in french
    assert "66,7" in french  # Babel's French decimal comma
    english = _page(app, town, vote_id, lang="en")
    assert "For" in english and "Against" in english and "Abstain" in english
    assert "Threshold applied" in english and "more than half" in english
    assert "66.7%" in english
    for page in (french, english):
        assert "{&#34;choice&#34;" not in page and '{"choice"' not in page  # no raw JSON
    assert "Seuil appliqué" not in english and "Quorum atteint" not in english


def test_the_public_roll_is_in_words(app, town, in_commune):
    with in_commune(town.commune):
        vote_id, _r = _closed_vote(town, "majority", [YES, NO, ABSTAIN])
    page = _page(app, town, vote_id)
    roll = page.split('id="h-roll"', 1)[1]
    assert town.facilitator.user.display_name in roll and "Pour" in roll and "Contre" in roll
    assert "choice" not in roll


def test_ones_own_public_ballot_is_shown_to_oneself(app, town, in_commune):
    with in_commune(town.commune):
        vote_id, _r = _closed_vote(town, "majority", [YES, NO, ABSTAIN])
    mine = _page(app, town, vote_id, who=town.secretary)
    assert "Votre bulletin" in mine and "Contre" in mine.split("Votre bulletin", 1)[1][:300]
    english = _page(app, town, vote_id, who=town.secretary, lang="en")
    assert "Your ballot" in english and "Against" in english.split("Your ballot", 1)[1][:300]
    visitor = _page(app, town, vote_id)
    assert "Votre bulletin" not in visitor


def test_a_secret_ballot_is_found_only_with_the_receipt_its_voter_holds(app, town, in_commune):
    with in_commune(town.commune):
        vote_id, receipts = _closed_vote(town, "majority", [YES, NO, YES], secret=True)
    mine = _page(app, town, vote_id, who=town.secretary)
    assert "Votre bulletin" not in mine and "reçu" in mine  # never looked up by person
    found = _page(app, town, vote_id, query=f"receipt={receipts[1]}")
    assert "Contre" in found.split('id="h-receipt"', 1)[1][:600]
    unknown = _page(app, town, vote_id, query="receipt=" + "0" * 32)
    assert "Aucun bulletin" in unknown


def test_secret_cast_shows_the_choice_once(app, town, in_commune):
    with in_commune(town.commune):
        assembly = bodies.assembly(db.session.get(Commune, town.commune.id))
        vote = votes.create_vote(assembly, "Secret", "majority", secret=True)
        votes.open_vote(vote, _user(town.facilitator))
        vote_id = vote.id
    client = app.test_client()
    Factory.login(client, town.members[0])
    url = f"/c/{town.commune.slug}/votes/{vote_id}"
    client.post(f"{url}/cast", data={"choice": "no"})
    shown = client.get(url).text
    assert "Contre" in shown.split("reçu", 1)[1][:400]
    assert "Contre" not in client.get(url).text.split('id="h-ballot"', 1)[1][:400]


def test_scores_and_approval_are_charted(app, town, in_commune):
    with in_commune(town.commune):
        vote_id, _r = _closed_vote(
            town,
            "approval",
            [lambda ids: {"approve": [ids[0]]}, lambda ids: {"approve": ids}],
            options=["Verger", "Potager"],
        )
    page = _page(app, town, vote_id)
    assert "Verger" in page and "approbations" in page and '<svg role="img"' in page
    assert "approvals" in _page(app, town, vote_id, lang="en")


def test_majority_judgment_shows_grades_and_medians(app, town, in_commune):
    def graded(a, b):
        return lambda ids: {"grades": {str(ids[0]): a, str(ids[1]): b}}

    with in_commune(town.commune):
        vote_id, _r = _closed_vote(
            town,
            "majority_judgment",
            [graded(5, 1), graded(4, 2), graded(4, 0)],
            options=["Fontaine", "Kiosque"],
            settings={"grades": 6},
        )
    french = _page(app, town, vote_id)
    assert "Mention médiane" in french and "bien" in french and "Fontaine" in french
    english = _page(app, town, vote_id, lang="en")
    assert "Median grade" in english and "good" in english


def test_schulze_pairwise_table(app, town, in_commune):
    with in_commune(town.commune):
        vote_id, _r = _closed_vote(
            town,
            "schulze",
            [lambda ids: {"ranking": [[ids[1]], [ids[0]]]}] * 3
            + [lambda ids: {"ranking": [[ids[0]], [ids[1]]]}],
            options=["Nord", "Sud"],
        )
    french = _page(app, town, vote_id)
    assert "Duels" in french and "préfèrent" in french
    assert "Pairwise" in _page(app, town, vote_id, lang="en")


def test_stv_rounds(app, town, in_commune):
    with in_commune(town.commune):
        vote_id, _r = _closed_vote(
            town,
            "stv",
            [lambda ids: {"ranking": [ids[0], ids[1], ids[2]]}] * 4
            + [lambda ids: {"ranking": [ids[2], ids[1]]}] * 3,
            options=["Ana", "Bo", "Cy"],
            settings={"seats": 2},
        )
    french = _page(app, town, vote_id)
    assert "Tour 1" in french and "Quota" in french and "élu·e" in french
    english = _page(app, town, vote_id, lang="en")
    assert "Round 1" in english and "Tour 1" not in english


def test_display_data_is_plain_and_per_method(app, town, in_commune):
    with in_commune(town.commune):
        vote_id, _r = _closed_vote(town, "consent", [{"position": "consent"}] * 3)
        vote = votes.get_vote(vote_id)
        shown = results.display(vote, vote.result, votes.options_of(vote))
        assert shown["method"] == "consent"
        assert [row["value"] for row in shown["rows"]][:1] == [3]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_results_partial_renders_for_every_builtin_method_without_error(
    app, town, in_commune, lang
):
    """Every method has a display, even with no ballot (never a 500)."""
    from federation.governance.voting import builtin_methods

    client = app.test_client()
    for method in builtin_methods():
        with in_commune(town.commune):
            assembly = bodies.assembly(db.session.get(Commune, town.commune.id))
            options = None if not method.uses_options else ["Un", "Deux", "Trois"]
            settings = {"seats": 1} if method.name == "stv" else None
            vote = votes.create_vote(
                assembly, f"Vide {method.name}", method.name, options=options, settings=settings
            )
            votes.open_vote(vote, _user(town.facilitator))
            votes.close_vote(vote, _user(town.facilitator))
            vote_id = vote.id
        page = client.get(f"/c/{town.commune.slug}/votes/{vote_id}?lang={lang}")
        assert page.status_code == 200, method.name


@pytest.mark.parametrize(
    ("method", "ballot", "expected"),
    [
        ("majority", {"choice": "no"}, "Contre"),
        ("consent", {"position": "stand_aside"}, "Je m'abstiens sans bloquer"),
        ("advice", {"position": "agree"}, "D'accord"),
        ("approval", {"approve": [1, 2]}, "Approuvé : Un, Deux"),
        ("score", {"scores": {"1": 4, "2": 0}}, "Un : 4 ; Deux : 0"),
        ("dot", {"points": {"2": 3}}, "Deux : 3 points"),
        ("majority_judgment", {"grades": {"1": 4, "2": 0}}, "Un : bien ; Deux : à rejeter"),
        ("schulze", {"ranking": [[2], [1]]}, "1. Deux ; 2. Un"),
        ("stv", {"ranking": [2, 1]}, "1. Deux ; 2. Un"),
        ("time_poll", {"availability": {"1": "maybe"}}, "Un : si besoin"),
    ],
)
def test_every_ballot_is_said_in_words(app, method, ballot, expected):
    from federation.governance.models import Vote
    from federation.governance.voting.base import Option

    vote = Vote(method=method, settings={"grades": 6}, secret=False)
    with app.test_request_context("/"):
        assert results.ballot_words(vote, ballot, [Option(1, "Un"), Option(2, "Deux")]) == expected
    with app.test_request_context("/?lang=en"):
        assert "{" not in results.ballot_words(vote, ballot, [Option(1, "Un"), Option(2, "Deux")])
