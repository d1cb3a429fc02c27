"""In a real browser: a concern raised, answered by a proposal, voted, decided, journaled."""

from __future__ import annotations


def _login(page, base, user):
    page.goto(f"{base}/login")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(user.password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/home")


def test_concern_to_decision_in_the_browser(live_server, new_page, factory, screenshot):
    base = live_server
    commune = factory.commune("tarnac", "Tarnac")
    facilitator = factory.member(commune, "facilitator")
    people = [factory.member(commune) for _ in range(3)]
    c = f"{base}/c/tarnac"

    page = new_page()
    _login(page, base, people[0].user)
    page.goto(f"{c}/concerns")
    page.get_by_label("Intitulé").fill("La source du bourg baisse l'été")
    page.get_by_label("Thème (ex. eau, logement, alimentation)").fill("eau")
    page.get_by_role("button", name="Enregistrer").click()
    assert "1 soutien" in page.content() and "1 soutiens" not in page.content()  # ngettext
    assert "Votre préoccupation est enregistrée" in page.locator(".flashes").inner_text()

    page.goto(f"{c}/bodies/assemblee/proposals/new")
    page.get_by_label("Titre").fill("Cuves de récupération d'eau de pluie")
    page.get_by_label("Texte de la proposition").fill("Sur le toit de l'école.")
    page.get_by_label("La source du bourg baisse l'été").check()
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    proposal_url = page.url
    page.get_by_role("button", name="Passer à : en délibération").click()
    assert "en délibération" in page.content()

    fac = new_page()
    _login(fac, base, facilitator.user)
    fac.goto(proposal_url)
    fac.get_by_role("button", name="Préparer le vote").click()
    vote_url = fac.url
    fac.get_by_role("button", name="Ouvrir le vote").click()

    for person in people:
        voter = new_page()
        _login(voter, base, person.user)
        voter.goto(vote_url)
        voter.get_by_label("Pour").check()
        voter.get_by_role("button", name="Voter", exact=True).click()
        assert "Votre vote est enregistré" in voter.content()

    fac.goto(vote_url)
    fac.get_by_role("button", name="Clore et dépouiller").click()
    assert "Adoptée" in fac.content()
    screenshot(fac, "vote-results")
    fac.goto(f"{c}/journal")
    assert "Décision adoptée : Cuves de récupération" in fac.content()
