"""Issue 19's "Done when" in a real browser (Playwright, /usr/bin/chromium, CSRF on): a
commune of 450 inhabitants adopts its programme's axes, builds a list of the right length
(9 to 13 names for 11 seats) with strict alternation from its members' vote, exports it for
filing, draws a citizens' jury that anyone can re-check from the published data, keeps its
movement treasury, and moves to "in office", where the platform then offers the municipal
budget. The members' ballots are cast through the governance services (the vote pages are
the core's, tested on their own); every step of the journey is a page. French, once in
English, and one page at 375 px; screenshots in tests/browser/screenshots (gitignored)."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re

from federation.db import db
from tests.plugins.actions.browser_kit import MARKS, login

from .conftest import SEXES, close_yes, make_town, user

pytestmark = MARKS
_login = login


def _last_proposal(in_commune, town) -> int:
    from sqlalchemy import func, select

    from federation.governance.models import Proposal

    with in_commune(town.commune):
        return db.session.scalar(select(func.max(Proposal.id)))


def _click(page, name: str, within: str = "") -> None:
    scope = page.locator(within) if within else page
    scope.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def test_from_core_group_to_town_hall(live_server, new_page, in_commune, factory, screenshot):
    from convergence_elections import services, sortition

    from federation.governance import votes

    town = make_town(factory, in_commune, "nedde-navigateur")
    factory.enable(town.commune, "budget")
    base = f"{live_server}{town.base}"
    lead = new_page()
    _login(lead, live_server, town.facilitator)

    # the axes: proposed, adopted by the core group, then by the assembly
    lead.goto(f"{base}/programme")
    for title in ("Habiter au pays", "L'eau en commun", "Décider ensemble"):
        lead.locator("#f-title").fill(title)
        _click(lead, "Ajouter", 'form[action$="/programme/axes"]')
    _click(lead, "Soumettre les axes proposés au groupe moteur")
    close_yes(
        in_commune, town, _last_proposal(in_commune, town), [town.facilitator, *town.members[:3]]
    )
    lead.goto(f"{base}/programme")
    _click(lead, "Soumettre les axes du groupe moteur à l'assemblée")
    close_yes(in_commune, town, _last_proposal(in_commune, town))
    lead.goto(f"{base}/programme")
    assert lead.content().count("adopté par l'assemblée") >= 3

    # the movement's treasury, offered before "in office"
    lead.goto(f"{base}/")
    lead.get_by_role("link", name="Trésorerie du mouvement").click()
    lead.locator("#f-kind").select_option("contribution")
    lead.locator("#f-amount").fill("240,00")
    lead.locator("#f-label").fill("Cotisations des membres")
    _click(lead, "Enregistrer", "form:has(#f-kind)")
    assert "240,00" in lead.content() and "Cotisations des membres" in lead.content()
    screenshot(lead, "elections-treasury-fr")

    # the list: sized by law for 450 inhabitants
    lead.goto(f"{base}/")
    lead.locator("#f-title").fill("Nedde en commun")
    lead.locator("#f-method").select_option("schulze")
    _click(lead, "Créer la liste")
    lead.wait_for_url(re.compile(r".*/elections/lists/\d+$"))
    list_url = lead.url
    list_id = int(list_url.rsplit("/", 1)[1])
    assert "11" in lead.content()
    # one candidate through the page; the thirteen others through the same service
    first = new_page()
    _login(first, live_server, town.members[0])
    first.goto(list_url)
    first.locator("#f-statement").fill("Pour une eau en régie publique")
    first.locator("#f-sex").select_option("F")
    first.get_by_label("Je déclare avoir 18 ans révolus le jour du scrutin").check()
    _click(first, "Enregistrer ma candidature")
    first.locator("#f-last").fill("MARTIN")
    first.locator("#f-first").fill("Louise")
    first.locator("#f-born").fill("1980-02-03")
    first.locator("#f-place").fill("Limoges")
    first.locator("#f-nat").fill("française")
    first.locator("#f-addr").fill("1 place du Bourg")
    first.locator('form[action$="/my-filing"]').get_by_role("button", name="Enregistrer").click()
    first.wait_for_load_state()
    from convergence_elections import filing

    with in_commune(town.commune):
        row = services.get_list(list_id)
        for n, (ref, sex) in enumerate(zip(town.members[1:], SEXES[1:], strict=True), 1):
            c = services.stand(
                row,
                {"sex": sex, "statement": f"Déclaration {n}", "declared_adult": "on"},
                user(ref),
            )
            filing.give(
                c,
                {
                    "last_name": f"NOM{n}",
                    "first_names": f"Prénom{n}",
                    "birth_date": "1970-01-01",
                    "birth_place": "Eymoutiers",
                    "nationality": "française",
                    "address": "Le Bourg",
                },
                user(ref),
            )
        db.session.commit()
    lead.goto(list_url)
    _click(lead, "Ouvrir le vote des membres sur l'ordre")
    with in_commune(town.commune):
        vote = votes.get_vote(services.get_list(list_id).vote_id)
        options = votes.options_of(vote)
        # the members put the first four women first: parity will interleave the men
        order = [0, 2, 4, 6, 1, 3, 5, 7, 8, 9, 10, 11, 12, 13]
        for ref in town.everyone():
            votes.cast(vote, user(ref), {"ranking": [[options[i].id] for i in order]})
        votes.close_vote(vote, user(town.facilitator))
        db.session.commit()
    lead.goto(list_url)
    _click(lead, "Calculer l'ordre (vote clos)")
    with in_commune(town.commune):
        ordered = services.ordered(services.get_list(list_id))
        sexes = [c.sex for c in ordered]
    assert len(sexes) == 11 and all(a != b for a, b in itertools.pairwise(sexes))
    text = lead.content()
    assert "alternance" in text.lower()
    screenshot(lead, "elections-list-fr")

    # the filing export: the coordinator's CSV, in the list's order
    lead.get_by_role("link", name="Dossier de dépôt (coordination seulement)").click()
    exported = lead.request.get(f"{list_url}/filing.csv")
    assert exported.ok and exported.headers["cache-control"] == "private, no-store"
    lines = list(csv.reader(io.StringIO(exported.text())))
    assert len(lines) == 12  # a header and eleven names
    assert first.request.get(f"{list_url}/filing.csv").status == 404  # a candidate, no more
    anonymous = new_page()
    refused = anonymous.request.get(f"{list_url}/filing.csv")
    assert "/login" in refused.url and "NOM1" not in refused.text()

    # the citizens' jury, drawn by verifiable sortition
    lead.goto(f"{base}/")
    lead.locator("#f-dtitle").fill("Jury citoyen")
    lead.locator("#f-seats").fill("4")
    _click(lead, "Créer le tirage")
    lead.wait_for_url(re.compile(r".*/elections/draws/\d+$"))
    draw_url = lead.url
    from convergence_elections import draws

    with in_commune(town.commune):
        jury = draws.get_draw(int(draw_url.rsplit("/", 1)[1]))
        for ref, sex in zip(town.members, SEXES, strict=True):
            draws.volunteer(jury, {"sex": sex}, user(ref))
        db.session.commit()
    lead.goto(draw_url)
    _click(lead, "Clore les inscriptions et publier l'empreinte")
    _click(lead, "Tirer au sort et révéler la graine")
    assert "Graine révélée" in lead.content()
    screenshot(lead, "elections-draw-fr")
    # anyone re-checks it from the published data
    published = json.loads(anonymous.request.get(f"{draw_url}.json").text())
    assert sortition.verify(published) == []
    assert sum(len(v) for v in published["selected"].values()) == 4
    tampered = {**published, "seed": "0" * len(published["seed"])}
    assert sortition.verify(tampered) != []

    # "in office": the commune is campaigning; the move is proposed from the page and
    # adopted by the assembly's vote
    from federation.governance import stages

    with in_commune(town.commune):
        campaign = stages.propose("campaign", user(town.facilitator)).id
        db.session.commit()
    close_yes(in_commune, town, campaign)
    lead.goto(f"{base}/")
    assert "Trésorerie du mouvement" in lead.content()
    lead.goto(f"{base}/")
    lead.locator("#f-stage").select_option("in_office")
    _click(lead, "Proposer")
    close_yes(in_commune, town, _last_proposal(in_commune, town))
    lead.goto(f"{base}/")
    offers = lead.locator("section[aria-labelledby=h-stage] ul").first.inner_text()
    assert "Trésorerie du mouvement" not in offers
    lead.get_by_role("link", name=re.compile("[Bb]udget")).first.click()
    lead.wait_for_url(f"**/c/{town.commune.slug}/budget/**")
    screenshot(lead, "elections-in-office-budget-fr")

    # once in English, and the stage page at 375 px
    english = new_page("en-GB")
    english.goto(f"{base}/treasury")
    assert "Movement treasury" in english.content()
    screenshot(english, "elections-treasury-en")
    small = new_page()
    small.set_viewport_size({"width": 375, "height": 800})
    small.goto(f"{base}/")
    assert small.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(small, "elections-stage-375")
