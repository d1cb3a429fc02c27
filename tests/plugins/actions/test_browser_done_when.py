"""Issue 18's "Done when" in a real browser (Playwright, /usr/bin/chromium, CSRF on), in a
demo-like commune: an action circle receives a mandate from the assembly (an adopted
decision), launches a campaign, schedules an event with registrations, a waiting list and
roster roles, checks people in with their codes, reports back to the assembly; and a
federation-wide campaign gathers events and registrations from two communes on its page
under the federation. French, once in English, and one page at 375 px. Screenshots go to
tests/browser/screenshots (gitignored)."""

from __future__ import annotations

import re
from datetime import timedelta

from federation.db import db, utcnow
from tests.plugins.actions.browser_kit import MARKS, login
from tests.plugins.actions.conftest import adopted_decision, make_town, user

pytestmark = MARKS
_login = login


def _form(page, action: str):
    return page.locator(f'form:has(input[name="action"][value="{action}"])')


def _fits(page, width: int = 375) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_mandated_campaign_from_launch_to_report(
    live_server, new_page, in_commune, factory, screenshot
):
    town = make_town(factory, in_commune, "velo-bourg")
    with in_commune(town.commune):
        mandate = adopted_decision(
            "Une vélorution pour la rue de l'école",
            [town.facilitator, town.circle_member, *town.members[:2]],
            town.facilitator,
        )
        mandate_id = mandate.id
        from federation.governance import bodies, meetings
        from federation.tenancy.models import Commune

        assembly = bodies.assembly(db.session.get(Commune, town.commune.id))
        meeting_id = meetings.schedule(
            assembly,
            "Assemblée de printemps",
            utcnow() + timedelta(days=20),
            place="Salle des fêtes",
        ).id
        db.session.commit()
    server = live_server
    base = f"{server}{town.base}"

    # the action circle launches the campaign the assembly mandated
    circle = new_page()
    _login(circle, server, town.circle_member)
    circle.goto(f"{base}/")
    launch = _form(circle, "launch")
    launch.locator('[name="decision_id"]').select_option(str(mandate_id))
    launch.locator('[name="title"]').fill("Vélorution de la rue de l'école")
    launch.locator('[name="goal"]').fill("Une rue apaisée devant l'école.")
    launch.locator('[name="deadline"]').fill((utcnow() + timedelta(days=30)).date().isoformat())
    launch.locator('[name="body_id"]').select_option(str(town.circle_id))
    launch.get_by_role("button", name="Lancer la campagne").click()
    circle.wait_for_url(re.compile(r".*/actions/campaigns/\d+$"))
    campaign_url = circle.url
    text = circle.content()
    # the mandate: the assembly's decision, shown on the campaign
    assert "Vélorution de la rue de l'école" in text
    assert "Une vélorution pour la rue de l'école" in text

    # an event of the campaign: one place, then a waiting list
    start = utcnow() + timedelta(hours=1)
    event_form = _form(circle, "event")
    event_form.locator('[name="title"]').fill("Vélorution du mercredi")
    event_form.locator('[name="starts_at"]').fill(start.strftime("%Y-%m-%dT%H:%M"))
    event_form.locator('[name="ends_at"]').fill(
        (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    event_form.locator('[name="location"]').fill("Devant l'école")
    event_form.locator('[name="capacity"]').fill("1")
    event_form.get_by_role("button", name="Prévoir l'action").click()
    circle.wait_for_url(re.compile(r".*/actions/events/\d+$"))
    event_url = circle.url
    # roster roles drawn from the core roster
    roles = _form(circle, "roles")
    roles.locator('[name="roles"]').fill("signaleur·e:2")
    roles.get_by_role("button", name="Ouvrir les rôles").click()
    circle.wait_for_load_state()
    assert "signaleur·e" in circle.content()

    codes = []
    for n, ref in enumerate(town.members[:2]):
        member = new_page()
        _login(member, server, ref)
        member.goto(event_url)
        register = _form(member, "register")
        register.locator('[name="public_name"]').fill(f"Cycliste {n}")
        register.get_by_role("button", name="M'inscrire").click()
        member.wait_for_load_state()
        found = re.search(r"Votre code : ([A-Z0-9]{8})", member.content())
        assert found, member.content()
        codes.append(found.group(1))
        if n == 1:
            assert "En liste d'attente" in member.content()
            # a role on the roster, through the event's link
            member.get_by_role("link", name="S'inscrire à un rôle").click()
            member.get_by_role("button", name="Je m'inscris").first.click()
            member.wait_for_load_state()
            assert "Me désister" in member.content()
    # the first withdraws: the waiting list moves up by itself
    first = new_page()
    _login(first, server, town.members[0])
    first.goto(event_url)
    first.get_by_role("button", name="Me désinscrire").click()
    first.wait_for_load_state()

    # the welcome desk: the promoted person's code becomes attendance
    circle.goto(f"{event_url}/door")
    circle.locator('[name="code"]').fill("NOPE1234")
    circle.get_by_role("button", name="Enregistrer la présence").click()
    assert "Aucune inscription avec ce code" in circle.content()  # said, the desk goes on
    circle.locator('[name="code"]').fill(codes[1])
    circle.get_by_role("button", name="Enregistrer la présence").click()
    circle.wait_for_load_state()
    assert "Présence enregistrée" in circle.content()
    assert "1 personnes accueillies sur 1 inscrites" in circle.content()
    screenshot(circle, "actions-door-fr")

    # the report back to the assembly: minutes and public journal
    circle.goto(campaign_url)
    report = _form(circle, "report")
    report.locator('[name="report"]').fill("Cent cyclistes, la mairie étudie la rue apaisée.")
    report.locator('[name="meeting_id"]').select_option(str(meeting_id))
    report.get_by_role("button").click()
    circle.wait_for_load_state()
    assert "Compte rendu transmis à l'assemblée" in circle.content()
    circle.goto(f"{server}/c/{town.commune.slug}/journal")
    assert "Compte rendu de mandat à l'assemblée" in circle.content()
    screenshot(circle, "actions-journal-fr")
    with in_commune(town.commune):
        from federation.governance.models import Meeting

        assert "Cent cyclistes" in db.session.get(Meeting, meeting_id).minutes  # draft minutes

    # the campaign page at 375 px
    small = new_page()
    small.set_viewport_size({"width": 375, "height": 800})
    small.goto(campaign_url)
    assert "Vélorution de la rue de l'école" in small.content()
    assert _fits(small), "the campaign page scrolls sideways at 375 px"
    screenshot(small, "actions-campaign-375")


def test_a_federation_campaign_gathers_two_communes(
    live_server, new_page, in_commune, factory, screenshot
):
    from convergence_actions import events, federated, services

    one = make_town(factory, in_commune, "plateau-un")
    two = make_town(factory, in_commune, "plateau-deux")
    federation = factory.federation("plateau-vert", communes=[one.commune, two.commune])
    with in_commune(one.commune):
        federated.join(federation.id, user(one.facilitator))
        shared = federated.create_federation_campaign(
            {"federation_id": federation.id, "title": "Tournons les panneaux"},
            user(one.facilitator),
        ).id
        db.session.commit()
    with in_commune(two.commune):
        federated.join(federation.id, user(two.facilitator))
        db.session.commit()
    for town, n in ((one, 2), (two, 3)):
        with in_commune(town.commune):
            decision = adopted_decision(
                "Panneaux", [town.facilitator, *town.members[:2]], town.facilitator
            )
            local = services.launch_campaign(
                {
                    "decision_id": decision.id,
                    "body_id": town.circle_id,
                    "title": f"Panneaux à {town.commune.name}",
                    "goal": "Retourner les panneaux",
                    "federation_campaign_id": shared,
                },
                user(town.facilitator),
            )
            start = utcnow() + timedelta(days=5)
            event = events.schedule(
                {
                    "title": f"Panneaux {town.commune.slug}",
                    "starts_at": start,
                    "ends_at": start + timedelta(hours=2),
                    "location": "Entrée du bourg",
                },
                user(town.facilitator),
                campaign=local,
            )
            for ref in town.members[:n]:
                events.register(event, user(ref))
            db.session.commit()

    page = new_page()
    page.goto(f"{live_server}/f/plateau-vert/")
    page.get_by_role("link", name="Campagnes fédérales").click()
    page.get_by_role("link", name="Tournons les panneaux").click()
    page.wait_for_url(f"**/f/plateau-vert/actions/campaigns/{shared}")
    text = page.content()
    assert "Panneaux plateau-un" in text and "Panneaux plateau-deux" in text
    rows = page.locator("table tbody tr").all_inner_texts()
    assert any("Plateau-un" in r and "2" in r for r in rows), rows
    assert any("Plateau-deux" in r and "3" in r for r in rows), rows
    assert "5" in page.locator("table tfoot").inner_text()
    screenshot(page, "actions-federation-campaign-fr")
    # a local event links to its commune's page
    page.get_by_role("link", name="Panneaux plateau-deux").click()
    page.wait_for_url("**/c/plateau-deux/actions/events/*")

    english = new_page("en-GB")
    english.goto(f"{live_server}/f/plateau-vert/actions/campaigns/{shared}")
    text = english.content()
    assert "Registrations per commune" in text and "Inscriptions par commune" not in text
    screenshot(english, "actions-federation-campaign-en")
