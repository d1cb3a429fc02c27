"""Issue 13 items 2 and 5: the owners' letter and the tenants' letter to the landlord as PDF
for printing, rendered from their templates in the reader's language, downloaded by the
housing circle only; a grievance reaches the circle's members as a notification."""

from __future__ import annotations

from convergence_housing import owners, services, tenants
from flask_babel import force_locale
from sqlalchemy import select

from federation.db import db
from federation.identity.models import Notification, User

from .conftest import pdf_text, user

FILE = (
    "invariant;adresse;type;proprietaire;adresse_proprietaire\n"
    "L1;4 rue Basse;MAISON;Ondine Proprio;Tulle\n"
)


def _letters(town, in_commune) -> dict[str, int]:
    with in_commune(town.commune):
        actor = user(town.facilitator)
        services.import_vacancies(FILE, year=2025)
        dwelling = services.get_dwelling_by_ref("L1")
        campaign, _ = owners.create_campaign(
            {"title": "Campagne hiver", "template": owners.default_template()},
            [dwelling.id],
            actor,
        )
        assert campaign.template == ""  # the default letter is rendered for each reader
        founder = user(town.members[0])
        group = tenants.create_collective(
            {"name": "Locataires Tilleuls", "landlord": "Bailleurtilleul"}, founder
        )
        item = tenants.raise_grievance(
            group, {"kind": "rent", "description": "Chauffage absent"}, founder
        )
        tenants.write_letter(group, item, user(town.circle_member))
        return {
            "campaign": campaign.id,
            "letter": owners.letters(campaign)[0][0].id,
            "collective": group.id,
            "grievance": item.id,
        }


def test_letters_as_pdf_for_the_circle_only(app, factory, town, in_commune):
    ids = _letters(town, in_commune)
    owner_url = f"{town.base}/campaigns/{ids['campaign']}/letters/{ids['letter']}.pdf"
    tenant_url = (
        f"{town.base}/collectives/{ids['collective']}/grievances/{ids['grievance']}/letter.pdf"
    )
    client = app.test_client()
    factory.login(client, town.circle_member)
    owner_pdf = client.get(owner_url)
    assert owner_pdf.status_code == 200 and owner_pdf.mimetype == "application/pdf"
    assert owner_pdf.data.startswith(b"%PDF")
    text = pdf_text(owner_pdf.data)
    assert "Ondine Proprio" in text and "4 rue Basse" in text and "vacants" in text
    tenant_pdf = client.get(tenant_url)
    assert tenant_pdf.status_code == 200 and tenant_pdf.data.startswith(b"%PDF")
    text = pdf_text(tenant_pdf.data)
    assert "Bailleurtilleul" in text and "Chauffage absent" in text and "loyer" in text
    assert "no-store" in tenant_pdf.headers["Cache-Control"]
    # the reader's language: the same letters in English for an English reader
    with app.app_context():
        db.session.get(User, town.circle_member.user.id).locale = "en"
        db.session.commit()
    english = pdf_text(client.get(tenant_url, headers={"Accept-Language": "en"}).data)
    assert "Bailleurtilleul" in english and "rent" in english and "loyer" not in english
    english = pdf_text(client.get(owner_url, headers={"Accept-Language": "en"}).data)
    assert "Ondine Proprio" in english and "vacant dwellings" in english
    # the founder of the collective reads the letter on its page, but not the PDF; others
    # get nothing
    for ref in (town.members[0], town.members[1], town.outsider):
        other = app.test_client()
        factory.login(other, ref)
        for url in (owner_url, tenant_url):
            answer = other.get(url)
            assert answer.status_code in (403, 404), (ref, url)
            assert not answer.data.startswith(b"%PDF")
    anonymous = app.test_client().get(tenant_url)
    assert anonymous.status_code in (302, 401, 403, 404)
    assert not anonymous.data.startswith(b"%PDF")


def test_grievance_notifies_the_circle_in_each_language(app, factory, town, in_commune):
    with app.app_context():
        db.session.get(User, town.facilitator.user.id).locale = "en"
        db.session.commit()
    with in_commune(town.commune):
        founder = user(town.members[0])
        group = tenants.create_collective({"name": "Locataires Mas", "landlord": "SCI"}, founder)
        tenants.raise_grievance(group, {"kind": "repairs", "description": "Fuite"}, founder)
        group_id = group.id
    with app.app_context():
        notes = {
            n.user_id: n
            for n in db.session.scalars(
                select(Notification).where(Notification.commune_id == town.commune.id)
            )
        }
    assert set(notes) >= {town.facilitator.user.id, town.circle_member.user.id}
    assert town.members[0].user.id not in notes and town.members[1].user.id not in notes
    # stored as a kind and parameters, read in each reader's language
    circle, facilitator = notes[town.circle_member.user.id], notes[town.facilitator.user.id]
    assert circle.message == "" and circle.kind == "housing.grievance"
    with app.test_request_context():
        with force_locale("fr"):
            assert "Locataires Mas" in circle.text and "réparations" in circle.text
        with force_locale("en"):
            assert "Locataires Mas" in facilitator.text and "repairs" in facilitator.text
    assert notes[town.circle_member.user.id].link.endswith(f"/housing/collectives/{group_id}")
