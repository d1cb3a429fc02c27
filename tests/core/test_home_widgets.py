"""The commune home's widgets (issue 12's six-query target): each widget the dashboard shows
reads what it needs in one statement (food: two, its pot apart), and still shows what it
showed: the latest campaigns and next events, the stage, the adopted axes and the lists,
the open contracts and the next distribution, the dwellings followed and the purchases under
way — of this commune only."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from federation.db import db, utcnow

PLUGINS = ("actions", "budget", "elections", "food", "housing")
#: statements each widget may issue (food reads its solidarity pot apart)
AT_MOST = {"actions": 1, "budget": 1, "elections": 1, "food": 2, "housing": 1}


def _seed(in_commune, commune, tag: str) -> None:
    from convergence_actions.models import Campaign, Event
    from convergence_elections.models import Axis, ElectionList
    from convergence_food.models import Distribution
    from convergence_housing import services as housing
    from convergence_housing.models import Project

    soon = utcnow() + timedelta(days=2)
    with in_commune(commune):
        db.session.add_all(
            [
                Campaign(title=f"Campagne {tag}", status="active"),
                Campaign(title=f"Campagne close {tag}", status="closed"),
                Event(title=f"Action {tag}", starts_at=soon, ends_at=soon + timedelta(hours=2)),
                Axis(position=1, title=f"Axe {tag}", status="adopted"),
                Axis(position=2, title=f"Brouillon {tag}", status="draft"),
                Distribution(
                    day=date.today() + timedelta(days=3),
                    starts_at=time(9, 0),
                    ends_at=time(11, 0),
                    place=f"Halle {tag}",
                ),
                Project(
                    name=f"Achat {tag}",
                    price=100000,
                    target=100000,
                    legal_form="sci",
                    status="campaign",
                ),
            ]
        )
        db.session.flush()
        db.session.add(
            ElectionList(
                title=f"Liste {tag}",
                population=500,
                seats=15,
                length=15,
                election_date=date(2032, 3, 21),
            )
        )
        followed = housing.create_dwelling({"address": f"1 rue {tag}", "kind": "house"})
        idle = housing.create_dwelling({"address": f"2 rue {tag}", "kind": "house"})
        housing.log_change(followed, "status", "not_followed", "first_contact", None)
        housing.log_change(idle, "status", "first_contact", "not_followed", None)


@pytest.fixture
def two_communes(factory, in_commune):
    here = factory.commune("ici", "Ici")
    there = factory.commune("ailleurs", "Ailleurs")
    for ref in (here, there):
        for name in PLUGINS:
            factory.enable(ref, name)
    _seed(in_commune, here, "ici")
    _seed(in_commune, there, "ailleurs")
    return here, there


def test_the_widgets_show_this_communes_rows(client, two_communes):
    here, _there = two_communes
    html = client.get(f"/c/{here.slug}/").get_data(as_text=True)
    for shown in (
        "Campagne ici",
        "Action ici",
        "Liste ici",
        "Halle ici",
        "Achat ici",
        "Logements vacants recensés : 2, dont 1 suivis.",
    ):
        assert shown in html, shown
    assert "1 axes de programme adoptés" in html or "1 axe" in html
    for hidden in ("Campagne close", "ailleurs", "Brouillon"):
        assert hidden not in html, hidden


def test_each_widget_reads_in_one_statement(app, two_communes, count_queries):
    here, _there = two_communes
    pm = app.extensions["convergence"].pm
    with app.test_request_context(f"/c/{here.slug}/"):
        app.preprocess_request()
        from flask import g

        for impl in pm.hook.federation_dashboard_widgets.get_hookimpls():
            if impl.plugin_name not in AT_MOST:
                continue
            with count_queries() as counter:
                impl.function(commune=g.commune, user=None)
            read = counter.reads_and_writes  # without PostgreSQL's RLS binding
            assert len(read) <= AT_MOST[impl.plugin_name], (impl.plugin_name, read)


def test_planted_twin_a_widget_reading_row_by_row_is_seen(
    app, two_communes, count_queries, monkeypatch
):
    """Plant the old elections widget (stage, axes and lists read apart): the check above
    then fails."""
    from convergence_elections import services, widgets
    from sqlalchemy import select

    from federation.governance import stages

    def apart(commune):
        stages.current(commune.id)
        services.axes()
        services.lists()
        return db.session.scalars(select(db.literal(1))).all()

    monkeypatch.setattr(widgets, "dashboard_widget", apart)
    here, _there = two_communes
    pm = app.extensions["convergence"].pm
    with app.test_request_context(f"/c/{here.slug}/"):
        app.preprocess_request()
        from flask import g

        [impl] = [
            i
            for i in pm.hook.federation_dashboard_widgets.get_hookimpls()
            if i.plugin_name == "elections"
        ]
        with count_queries() as counter:
            impl.function(commune=g.commune, user=None)
    assert len(counter.reads_and_writes) > AT_MOST["elections"]
