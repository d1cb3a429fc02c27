"""The path in one commune: axes adopted by the core group then the assembly, measures
with sources and history, a list from the members' vote with strict alternation, its
adoption by the assembly, and the stage moved by decisions (journal)."""

from __future__ import annotations

import itertools
import json

import pytest
from convergence_elections import services
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict, ValidationFailed
from federation.journal.models import JournalEntry

from .conftest import SEXES, build_list, close_yes, found_programme, user


def test_axes_go_through_the_core_group_then_the_assembly(in_commune, town):
    from convergence_elections.models import Axis

    with in_commune(town.commune):
        services.add_axis({"title": "Habiter au pays"}, user(town.facilitator))
        with pytest.raises(Conflict):  # nothing the core group adopted yet
            services.propose_axes("assembly", user(town.facilitator))
        core = services.propose_axes("core", user(town.facilitator))
        assert core.body_id == town.core_id
        core_id = core.id
    close_yes(in_commune, town, core_id, [town.facilitator, *town.members[:3]])
    with in_commune(town.commune):
        (axis,) = db.session.scalars(select(Axis)).all()
        assert axis.status == "core_adopted" and axis.core_decision_id
        assert not services.programme_founded()
        assembly_id = services.propose_axes("assembly", user(town.facilitator)).id
    close_yes(in_commune, town, assembly_id)
    with in_commune(town.commune):
        axis = db.session.scalars(select(Axis)).one()
        assert axis.status == "adopted" and axis.decision_id
        assert services.programme_founded()


def test_measures_cite_sources_and_keep_their_history(in_commune, town):
    from federation.governance import concerns, stages
    from federation.governance.models import Decision

    found_programme(in_commune, town)
    with in_commune(town.commune):
        actor = user(town.facilitator)
        decision = db.session.scalars(select(Decision)).first()
        concern = concerns.raise_concern(user(town.members[0]), "Trop de volets fermés")
        axis = services.axes()[0]
        with pytest.raises(ValidationFailed):  # a measure without a source
            services.add_measure({"axis_id": axis.id, "title": "Sans source"}, actor)
        with pytest.raises(ValidationFailed):  # a source that is not this commune's
            services.add_measure(
                {"axis_id": axis.id, "title": "X", "decision_ids": "999999"}, actor
            )
        measure = services.add_measure(
            {
                "axis_id": axis.id,
                "title": "Inventaire",
                "decision_ids": str(decision.id),
                "concern_ids": str(concern.id),
            },
            actor,
        )
        services.edit_measure(measure, {"text": "Avec les habitant·es"}, actor)
        stages.move("core_group", decision_id=decision.id, commune_id=town.commune.id)
        with pytest.raises(Conflict):  # follow-up only after the election
            services.edit_measure(measure, {"follow_up": "done"}, actor)
        history = services.history(measure)
        assert [v.version for v in history] == [2, 1]
        assert history[-1].text == "" and history[0].text == "Avec les habitant·es"
        assert {s["kind"] for s in measure.sources} == {"decision", "concern"}


def test_follow_up_after_the_election_with_the_reason_for_a_drop(in_commune, town):
    from federation.governance import stages
    from federation.governance.models import Decision

    found_programme(in_commune, town)
    with in_commune(town.commune):
        actor = user(town.facilitator)
        decision = db.session.scalars(select(Decision)).first()
        measure = services.add_measure(
            {"axis_id": services.axes()[0].id, "title": "M", "decision_ids": [decision.id]},
            actor,
        )
        for stage in ("core_group", "programme", "list", "campaign", "in_office"):
            stages.move(stage, decision_id=decision.id, commune_id=town.commune.id)
        with pytest.raises(ValidationFailed):
            services.edit_measure(measure, {"follow_up": "dropped"}, actor)
        services.edit_measure(
            measure, {"follow_up": "dropped", "follow_up_reason": "Budget refusé"}, actor
        )
        assert measure.follow_up == "dropped" and measure.version == 2


def test_the_list_follows_the_vote_with_parity_and_explains_the_swap(client, in_commune, town):
    list_id = build_list(in_commune, town)
    with in_commune(town.commune):
        row = services.get_list(list_id)
        people = {c.id: c for c in services.candidacies(row)}
        by_member = {c.user_id: c.id for c in people.values()}
        ids = [by_member[ref.user.id] for ref in town.members]
        assert row.seats == 11 and row.length == 11
        assert len(row.order) == 11
        sexes = [people[i].sex for i in row.order]
        assert all(a != b for a, b in itertools.pairwise(sexes))
        # the vote: F0, F2, M1, M3, F4…; place 2 needs a man: M1 passes F2
        assert row.order[:3] == [ids[0], ids[1], ids[2]]
        (swap,) = [s for s in row.steps if s["kind"] == "parity_swap"]
        assert swap["position"] == 2 and swap["passed"] == [ids[2]]
    page = client.get(f"{town.base}/lists/{list_id}").text
    assert "passe devant" in page and "Déclaration 0" in page
    assert "la plateforme ne peut pas le vérifier" in page


def test_the_assembly_adopts_the_list_and_the_journal_says_so(in_commune, town):
    list_id = build_list(in_commune, town)
    with in_commune(town.commune):
        proposal_id = services.propose_list(services.get_list(list_id), user(town.facilitator)).id
    close_yes(in_commune, town, proposal_id)
    with in_commune(town.commune):
        row = services.get_list(list_id)
        assert row.status == "adopted" and row.decision_id
        kinds = [e.kind for e in db.session.scalars(select(JournalEntry))]
        assert "elections.list_adopted" in kinds
        from federation.identity.models import Notification
        from federation.texts import render

        notes = db.session.scalars(
            select(Notification).where(Notification.kind == "elections.on_the_list")
        ).all()
        assert len(notes) == 11
        head = next(n for n in notes if json.loads(n.params)["position"] == 1)
        assert head.user_id == town.members[0].user.id
        assert "en place 1" in render(head.kind, json.loads(head.params))


def test_too_few_of_one_sex_for_the_length_is_refused_plainly(in_commune, town):
    # 13 names need 7 of the head's sex: with 7 women and 7 men it works; ask 15 → refused
    with in_commune(town.commune):
        with pytest.raises(ValidationFailed):
            services.create_list({"title": "Trop longue", "length": 14}, user(town.facilitator))
        with pytest.raises(ValidationFailed):
            services.create_list({"title": "Trop courte", "length": 8}, user(town.facilitator))
    assert SEXES.count("F") == 7


def test_stage_moves_by_assembly_decision_and_the_budget_is_offered_in_office(
    client, factory, in_commune, town
):
    from federation.governance import stages

    with in_commune(town.commune):
        assert stages.current() is None
        proposal_id = stages.propose("core_group", user(town.facilitator)).id
    close_yes(in_commune, town, proposal_id)
    with in_commune(town.commune):
        assert stages.current(town.commune.id) == "core_group"
        (change,) = stages.history()
        entry = db.session.scalar(select(JournalEntry).where(JournalEntry.kind == stages.MOVED))
        assert json.loads(entry.payload)["decision"] == change.decision_id
        assert entry.summary == ""  # kind + params, rendered at read time
    page = client.get(f"{town.base}/").text
    assert "Groupe moteur" in page
    journal = client.get(f"/c/{town.commune.slug}/journal").text
    assert "entre dans l&#39;étape « Groupe moteur »" in journal or "Groupe moteur" in journal


def test_candidacy_checks_and_declarations(client, factory, in_commune, town):
    with in_commune(town.commune):
        row = services.create_list({"title": "L"}, user(town.facilitator))
        with pytest.raises(ValidationFailed):  # the age is declared, or no candidacy
            services.stand(row, {"sex": "F", "statement": "x"}, user(town.members[0]))
        with pytest.raises(ValidationFailed):
            services.stand(
                row,
                {"sex": "X", "statement": "x", "declared_adult": True},
                user(town.members[0]),
            )
        from federation.errors import Forbidden

        with pytest.raises(Forbidden):  # not a member here
            services.stand(
                row, {"sex": "F", "statement": "x", "declared_adult": True}, user(town.outsider)
            )
        c = services.stand(
            row, {"sex": "F", "statement": "x", "declared_adult": True}, user(town.members[0])
        )
        assert dict(services.checks(c)) == {
            "commune": "checked",
            "adult": "declared",
            "roll": "missing",
        }


def test_an_stv_vote_orders_the_list_too(in_commune, town):
    list_id = build_list(in_commune, town, method="stv", length=13)
    with in_commune(town.commune):
        row = services.get_list(list_id)
        people = {c.id: c for c in services.candidacies(row)}
        sexes = [people[i].sex for i in row.order]
        assert len(row.order) == 13 and all(a != b for a, b in itertools.pairwise(sexes))


def test_a_by_election_follows_the_same_rules(in_commune, town):
    with in_commune(town.commune):
        row = services.create_list(
            {"title": "Complémentaire", "by_election": "on", "length": "9"},
            user(town.facilitator),
        )
        assert row.by_election and (row.seats, row.length) == (11, 9)
        with pytest.raises(ValidationFailed):
            services.create_list(
                {"title": "Trop courte", "by_election": "on", "length": "8"},
                user(town.facilitator),
            )


def test_the_programme_goes_through_a_commune_export_and_import(factory, in_commune, town):
    from convergence_elections.transfer import export_commune, import_commune

    from federation.governance.models import Decision

    found_programme(in_commune, town)
    with in_commune(town.commune):
        decision = db.session.scalars(select(Decision)).first()
        measure = services.add_measure(
            {"axis_id": services.axes()[0].id, "title": "M", "decision_ids": [decision.id]},
            user(town.facilitator),
        )
        services.edit_measure(measure, {"text": "v2"}, user(town.facilitator))
        data = export_commune()
    copy = factory.commune("copie")
    factory.enable(copy, "elections")
    with in_commune(copy):
        import_commune(data)
    with in_commune(copy):
        assert [a.status for a in services.axes()] == ["adopted", "adopted"]
        (measure,) = services.measures()
        assert measure.version == 2 and [v.version for v in services.history(measure)] == [2, 1]
    with in_commune(copy), pytest.raises(ValidationFailed):
        import_commune({"measures": [{"axis": 9}]})
