"""The main pages issue the same number of SQL queries whatever the number of communes or rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from federation.db import db
from tests.support.notes_plugin import Note


def _populate(factory, in_commune, communes: int, notes: int):
    refs = [factory.commune() for _ in range(communes)]
    fed = factory.federation(communes=refs)
    for ref in refs:
        factory.enable(ref, "notes")
        with in_commune(ref):
            db.session.add_all([Note(title=f"n{i}") for i in range(notes)])
    return refs, fed


def _count(count_queries, client, url: str) -> int:
    client.get(url)  # warm caches that are per process (templates), not per request
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


URLS = {
    "commune": lambda refs, fed: f"/c/{refs[0].slug}/",
    "federation": lambda refs, fed: f"/f/{fed.slug}/",
    "federation_api": lambda refs, fed: f"/api/v1/federations/{fed.slug}",
    "portal": lambda refs, fed: "/",
}


def _small_and_large(factory, in_commune, count_queries, client, page: str) -> dict[str, int]:
    """Queries of the page with 3 communes × 2 notes, then with 30 × 20 more."""
    small, small_fed = _populate(factory, in_commune, 3, 2)
    counts = {"small": _count(count_queries, client, URLS[page](small, small_fed))}
    large, large_fed = _populate(factory, in_commune, 30, 20)
    counts["large"] = _count(count_queries, client, URLS[page](large, large_fed))
    return counts


@pytest.mark.parametrize("page", sorted(URLS))
def test_query_count_does_not_grow_with_communes_or_rows(
    app, client, factory, in_commune, count_queries, page
):
    counts = _small_and_large(factory, in_commune, count_queries, client, page)
    assert counts["small"] == counts["large"], counts
    print(f"{page}: {counts['small']} queries with 3 and with 30 communes")


def test_the_query_count_check_fails_on_a_planted_n_plus_one(
    app, client, factory, in_commune, count_queries, monkeypatch
):
    """Prove the guard can fail: the notes widget of the commune home page is replaced by
    one that runs a query per note (the decidim#17188 kind of N+1). The comparison above
    then sees more queries with more rows."""
    from sqlalchemy import select

    from federation.plugins import Widget

    def n_plus_one(commune, user):
        ids = db.session.scalars(select(Note.id)).all()
        titles = [db.session.scalar(select(Note.title).where(Note.id == i)) for i in ids]
        return [Widget("Notes", f"<p>{len(titles)} notes</p>", weight=5)]

    with app.app_context():
        pm = app.extensions["convergence"].pm
        [impl] = [
            i
            for i in pm.hook.federation_dashboard_widgets.get_hookimpls()
            if i.plugin_name == "notes"
        ]
    monkeypatch.setattr(impl, "function", n_plus_one)
    counts = _small_and_large(factory, in_commune, count_queries, client, "commune")
    assert counts["large"] > counts["small"], counts  # what the guard's assert catches


def test_signed_in_commune_home_query_count_is_constant(
    app, client, factory, in_commune, count_queries
):
    refs, _fed = _populate(factory, in_commune, 3, 2)
    member = factory.member(refs[0])
    factory.login(client, member)
    small = _count(count_queries, client, f"/c/{refs[0].slug}/")
    for ref in _populate(factory, in_commune, 30, 20)[0]:
        factory.member(ref, user=member.user)
    large = _count(count_queries, client, f"/c/{refs[0].slug}/")
    assert small == large


# --- every page of the demo, and of a larger platform (issue 12 item 2) ----------------------

DEMO = Path(__file__).parents[2] / "instances" / "demo" / "demo.toml"
LIMIT = 6
#: demo accounts whose pages are walked besides the anonymous visitor's
WALKERS = (None, "habitante@demo.convergence.local", "facilitatrice@demo.convergence.local")
STARTS = ("/", "/c/faux-la-montagne/", "/f/plateau-millevaches/", "/f/vienne-amont/")
SIGNED_STARTS = ("/account/", "/account/memberships", "/notifications")
PER_ENDPOINT = 2
HREF = re.compile(r'href="(/[^"#]*)"')
SKIPPED = ("/static/", "/api/", "/logout")
#: pages over the limit today, with their count on the demo (endpoint → queries): a page not
#: listed here that goes over the limit, or a listed one that gets worse, fails the walk; a
#: page brought under the limit leaves the list. None may grow with the data. Core, governance,
#: budget and water counts were lowered to the walk of 2026-12-02 (request memo of the
#: signed-in person, one-query widgets); food, housing, roster and intercommunal entries are
#: their owners' (housing.letter_pdf_page and housing.shared, added since, at today's count).
OVER_LIMIT = {
    # the pages added on 2026-12-03 at their first count, not yet worked down: the federation
    # campaign (one list of every member commune's events and registrations), the basin's
    # water sharing, the planned-vs-executed budget and the movement treasury
    "actions_federation.campaign": 17,
    "actions_federation.campaigns": 7,
    "budget.execution": 8,
    "elections.treasury_page": 7,
    "water_basin.overview": 12,
    "water_basin.run_page": 10,
    "account.export": 29,  # + actions (4) and elections: each plugin's personal data
    "actions.campaign": 19,  # the actions plugin's pages at its first count (issue 18)
    "actions.door": 13,
    "actions.event": 13,
    "actions.federation_campaign": 13,
    "actions.federation_page": 8,
    "actions.index": 10,
    "actions.participants": 12,
    "actions.place": 7,
    "elections.index": 11,  # the elections plugin's pages at their first count (issue 19)
    "elections.programme": 7,
    "budget.attach": 7,
    "budget.entry": 8,
    "budget.index": 8,
    "budget.line": 9,
    "budget.pb_index": 7,
    "budget.process": 8,
    "budget.project": 7,
    "food.aid": 11,
    "food.contract": 34,
    "food.contracts_page": 15,
    "food.distribution": 24,
    "food.distribution_print": 16,
    "food.distributions_page": 14,
    "food.index": 21,
    "food.land_page": 19,
    "food.needs": 14,
    "food.pot": 21,
    "food.producer": 16,
    "food.producers": 16,
    "food.subscription": 16,
    "governance.body_page": 13,
    "governance.concern_list": 7,
    "governance.concern_page": 8,
    "governance.mandate_list": 10,
    "governance.meeting_page": 10,
    "governance.proposal_page": 13,
    "governance.vote_page": 13,
    "home.home": 12,  # one statement per kind of item (issue 16 item 3, tests/core/test_home.py)
    "housing.allocation": 25,
    "housing.allocations": 16,
    "housing.campaign": 15,
    "housing.campaigns": 15,
    "housing.collectives": 15,
    "housing.dwelling": 20,
    "housing.dwellings": 18,
    "housing.grid": 17,
    "housing.import_vacancies": 13,
    "housing.index": 24,
    "housing.letter": 12,
    "housing.letter_pdf_page": 10,
    "housing.owner": 15,
    "housing.owners_page": 14,
    "housing.project": 19,
    "housing.projects": 14,
    "housing.rents_page": 11,
    "housing.report": 9,
    "housing.request_page": 14,
    "housing.requests_page": 15,
    "housing.shared": 17,
    "intercommunal.council_page": 12,
    "intercommunal.project_list": 11,
    "intercommunal.project_page": 10,
    "intercommunal.proposal_list": 9,
    "intercommunal.proposal_page": 9,
    "roster.duty_page": 19,
    "roster.index": 17,
    "roster.mine": 19,
    "roster.new_shift": 12,
    "roster.shift_page": 19,
    "water.alerts": 7,
    "water.allocation": 17,
    "water.allocations": 7,
    "water.basin": 15,
    "water.index": 13,
    "water.levels": 11,
    "water.me": 8,
    "water.resource": 12,
    "water.resources": 7,
    "water.rules": 8,
    "water.users": 10,
    "water.water_user": 12,
    "web.commune_home": 15,  # one statement per widget (food: two, its pot apart), 21 before
    "web.commune_journal": 7,
    # members, plugins on and role holders read once per request: 36 before (37 with links)
    "web.federation_home": 34,
    "web.federation_journal": 7,
}


def _invoke(app, *args):
    from flask.cli import ScriptInfo

    from federation.cli import main

    return app.test_cli_runner().invoke(
        main, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=True
    )


def _walk(app, who, urls=None):
    """Queries of each page reached from the start pages (at most PER_ENDPOINT URLs per
    endpoint), or of exactly ``urls``: {url: (endpoint, count)}."""
    from federation.testing.queries import count_queries

    client = app.test_client()
    if who:
        response = client.post("/login", data={"email": who, "password": "demo-convergence"})
        assert response.status_code == 302, who
    adapter = app.url_map.bind("localhost")
    queue = list(urls or (STARTS + (SIGNED_STARTS if who else ())))
    seen, per_endpoint, found = set(), {}, {}
    while queue:
        url = queue.pop(0)
        if url in seen or url.startswith(SKIPPED):
            continue
        seen.add(url)
        try:
            endpoint, _args = adapter.match(url.split("?")[0], method="GET")
        except Exception:  # noqa: S112 - a link to a POST-only or foreign path
            continue
        if urls is None and per_endpoint.get(endpoint, 0) >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
        client.get(url)  # warm what is per process (templates), not per request
        with count_queries(app) as counter:
            response = client.get(url)
        assert response.status_code < 500, (who, url)
        found[url] = (endpoint, counter.count)
        if urls is None and response.status_code == 200 and response.mimetype == "text/html":
            for href in HREF.findall(response.get_data(as_text=True)):
                queue.append(href.replace("&amp;", "&"))
    return found


def _second_platform_spec(tmp_path):
    """The demo again under other names: twice the communes, federations, accounts,
    memberships and journal chains (what the platform-wide pages list)."""
    text = DEMO.read_text(encoding="utf-8")
    for slug in re.findall(r'^slug = "([^"]+)"', text, flags=re.M):
        text = re.sub(rf'"{re.escape(slug)}"', f'"{slug}-bis"', text)
    text = re.sub(r'insee_code = "(\d+)"', lambda m: f'insee_code = "9{m.group(1)[1:]}"', text)
    text = text.replace("@demo.convergence.local", "@bis.demo.convergence.local")
    path = tmp_path / "demo-bis.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def walked(session_app, make_app, tmp_path_factory):
    """Every page walked on the demo, then the same URLs on a larger platform."""
    session_app.extensions["convergence_test_db"].reset(session_app)
    app = make_app(extra_plugins=[])
    loaded = _invoke(app, "demo", "load", "--file", str(DEMO))
    assert loaded.exit_code == 0, loaded.output
    small = {who: _walk(app, who) for who in WALKERS}
    bis = _second_platform_spec(tmp_path_factory.mktemp("demo-bis"))
    loaded = _invoke(app, "demo", "load", "--file", str(bis))
    assert loaded.exit_code == 0, loaded.output
    large = {who: _walk(app, who, urls=list(small[who])) for who in WALKERS}
    return small, large


def test_every_demo_page_issues_the_same_queries_on_a_larger_platform(walked):
    small, large = walked
    grew = {
        (who, url): (small[who][url][1], large[who][url][1])
        for who in WALKERS
        for url in small[who]
        if small[who][url][1] != large[who][url][1]
    }
    assert not grew, grew
    pages = sum(len(found) for found in small.values())
    endpoints = {e for found in small.values() for e, _c in found.values()}
    print(f"{pages} pages walked ({len(endpoints)} endpoints), counts equal on both sizes")


def test_every_demo_page_stays_within_six_queries(walked):
    small, _large = walked
    worst: dict[str, int] = {}
    for found in small.values():
        for endpoint, count in found.values():
            worst[endpoint] = max(worst.get(endpoint, 0), count)
    over = {e: c for e, c in sorted(worst.items()) if c > LIMIT}
    print("over the limit:", over)
    new_or_worse = {e: c for e, c in over.items() if c > OVER_LIMIT.get(e, LIMIT)}
    assert not new_or_worse, f"over {LIMIT} queries, not known or worse: {new_or_worse!r}"
