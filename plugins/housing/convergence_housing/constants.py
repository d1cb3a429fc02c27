"""The vocabulary of the housing plugin: follow-up statuses and their allowed moves,
sub-statuses, levers, blocking points, kinds of dwellings, owners, requests and pledges.

Stored values are these keys; labels are translated when a page is read.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: follow-up statuses of a vacant dwelling (after the "Zéro Logement Vacant" method)
STATUSES: dict[str, object] = {
    "not_followed": _l("non suivi"),
    "awaiting_reply": _l("en attente de retour"),
    "first_contact": _l("premier contact"),
    "in_progress": _l("suivi en cours"),
    "done": _l("suivi terminé"),
    "blocked": _l("bloqué"),
}
#: status → the statuses it may move to (nothing else is accepted)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "not_followed": ("awaiting_reply", "first_contact", "blocked"),
    "awaiting_reply": ("first_contact", "blocked", "not_followed"),
    "first_contact": ("in_progress", "done", "blocked"),
    "in_progress": ("done", "blocked", "first_contact"),
    "blocked": ("first_contact", "in_progress", "not_followed"),
    "done": ("in_progress",),
}
#: status → its allowed sub-statuses ("" is always allowed except where a sub-status is required)
SUBSTATUSES: dict[str, dict[str, object]] = {
    "not_followed": {},
    "awaiting_reply": {},
    "first_contact": {
        "interested": _l("propriétaire intéressé·e"),
        "to_recontact": _l("à recontacter"),
    },
    "in_progress": {
        "works": _l("travaux en cours"),
        "sale": _l("vente en cours"),
        "letting": _l("recherche de locataire"),
    },
    "done": {
        "back_in_use": _l("remis en usage"),
        "sold": _l("vendu"),
        "not_vacant": _l("n'était pas vacant"),
        "demolished": _l("démoli"),
    },
    "blocked": {
        "owner_refuses": _l("refus du ou de la propriétaire"),
        "succession": _l("succession en cours"),
        "ruin": _l("ruine"),
        "unreachable": _l("propriétaire injoignable"),
        "dispute": _l("litige"),
    },
}
#: statuses whose sub-status must be given
SUBSTATUS_REQUIRED = frozenset({"done", "blocked"})

LEVERS = {
    "incentive": _l("incitation"),
    "works_aid": _l("aide aux travaux"),
    "intermediated_letting": _l("location intermédiée"),
    "public_procedure": _l("procédure publique"),
}
BLOCKING_POINTS = {
    "works_cost": _l("coût des travaux"),
    "succession": _l("succession"),
    "indivision": _l("indivision"),
    "owner_age": _l("âge ou santé du ou de la propriétaire"),
    "distrust": _l("méfiance envers la location"),
    "ruin": _l("état de ruine"),
}
DWELLING_KINDS = {"house": _l("maison"), "flat": _l("appartement")}
OWNER_KINDS = {
    "commune": _l("commune"),
    "social": _l("bailleur social"),
    "private": _l("privé"),
    "unknown": _l("inconnu"),
}
OCCUPANCIES = {
    "vacant": _l("vacant"),
    "rented": _l("loué"),
    "second_home": _l("résidence secondaire"),
    "owner_occupied": _l("occupé par son ou sa propriétaire"),
    "degraded": _l("dégradé"),
}
COMFORT = {
    "good": _l("bon"),
    "average": _l("moyen"),
    "poor": _l("médiocre"),
    "none": _l("sans confort"),
}
ENERGY_CLASSES = ("A", "B", "C", "D", "E", "F", "G")
CONTACT_RANKS = {
    "1": _l("premier contact"),
    "2": _l("second contact"),
    "3": _l("contact ultérieur"),
    "do_not_contact": _l("ne pas contacter"),
}
DWELLING_SOURCES = {
    "import": _l("fichier des logements vacants"),
    "report": _l("signalement d'un·e habitant·e"),
    "manual": _l("saisie du cercle"),
}
EVENT_FIELDS = {
    "created": _l("création"),
    "confirmed": _l("confirmation du signalement"),
    "status": _l("statut"),
    "substatus": _l("sous-statut"),
    "occupancy": _l("occupation"),
    "levers": _l("leviers"),
    "blocking": _l("points de blocage"),
    "lovac_year": _l("millésime du fichier"),
    "vacant_since": _l("vacant depuis"),
}
REQUEST_STATUSES = {
    "open": _l("ouverte"),
    "allocated": _l("logement attribué"),
    "withdrawn": _l("retirée"),
}
URGENCY = {
    "0": _l("pas d'urgence"),
    "1": _l("urgence modérée"),
    "2": _l("urgence forte"),
    "3": _l("sans logement ou en danger"),
}
GRID_STATUSES = {
    "in_vote": _l("soumise au vote"),
    "in_force": _l("en vigueur"),
    "rejected": _l("rejetée"),
    "superseded": _l("remplacée"),
}
#: the criteria of the points grid, in the order of the explanation
CRITERIA: dict[str, object] = {
    "urgency": _l("points par niveau d'urgence"),
    "person": _l("points par personne du foyer"),
    "month_waited": _l("points par mois d'attente"),
    "accessibility": _l("besoin d'accessibilité et logement accessible"),
    "fit": _l("nombre de pièces adapté au foyer"),
    "local": _l("commune souhaitée en premier"),
}
DEFAULT_GRID = {
    "urgency": 20,
    "person": 3,
    "month_waited": 1,
    "accessibility": 15,
    "fit": 10,
    "local": 5,
}
MAX_POINTS = 1000
ALLOCATION_STATUSES = {
    "examining": _l("en examen par le cercle"),
    "in_vote": _l("au vote"),
    "decided": _l("attribué"),
    "rejected": _l("rejeté"),
}
#: at least this many requests are examined per dwelling (all of them if fewer)
MIN_EXAMINED = 3
REVIEW_STATUSES = {"open": _l("demandée"), "done": _l("réexaminée")}
PROJECT_STATUSES = {
    "campaign": _l("collecte en cours"),
    "in_vote": _l("achat soumis au vote"),
    "decided": _l("achat décidé"),
    "failed": _l("collecte échouée, remboursée"),
}
LEGAL_FORMS = {
    "cooperative": _l("coopérative d'habitant·es"),
    "sci": _l("société civile immobilière"),
    "brs": _l("bail réel solidaire (organisme foncier solidaire)"),
}
PLEDGE_KINDS = {"gift": _l("don"), "loan": _l("prêt"), "share": _l("part sociale")}
#: values under this are not shown on public pages (counts of persons)
SMALL_COUNT = 5
HOUSING_THEMES = ("logement", "housing", "habitat")
GRIEVANCE_KINDS = {"repairs": _l("réparations"), "rent": _l("loyer"), "other": _l("autre")}
GRIEVANCE_STATUSES = {
    "routed": _l("transmise au cercle du logement"),
    "letter": _l("courrier préparé pour le ou la bailleur·e"),
    "resolved": _l("résolue"),
}
CONSENT_ANSWERS = {"granted": _l("consentement donné"), "refused": _l("consentement refusé")}
