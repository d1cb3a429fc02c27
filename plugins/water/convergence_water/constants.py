"""The vocabulary of the water plugin: use categories, drought levels, kinds, default rules.

Volumes are whole litres everywhere inside the plugin (per day for yields, needs and
allocations; cumulative for meter indexes): integer arithmetic keeps allocations exact.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

#: use categories, in the order the allocation arrays use them
CATEGORIES: tuple[str, ...] = ("drinking", "livestock", "irrigation", "economic", "leisure")
CATEGORY_LABELS = {
    "vital": _l("Besoins vitaux"),
    "drinking": _l("Eau potable et sanitaire"),
    "livestock": _l("Abreuvement du bétail"),
    "irrigation": _l("Irrigation des cultures vivrières"),
    "economic": _l("Activité économique"),
    "leisure": _l("Loisirs et jardins d'agrément"),
}
DEFAULT_PRIORITY = ",".join(CATEGORIES)

#: the official French drought levels, mildest first
LEVELS: tuple[str, ...] = ("normal", "vigilance", "alerte", "alerte_renforcee", "crise")
LEVEL_LABELS = {
    "normal": _l("normal"),
    "vigilance": _l("vigilance"),
    "alerte": _l("alerte"),
    "alerte_renforcee": _l("alerte renforcée"),
    "crise": _l("crise"),
}
LEVEL_SOURCES = {
    "decision": _l("décision du cercle de l'eau"),
    "import": _l("arrêté importé"),
    "manual": _l("saisie directe"),
}

USER_KINDS = {
    "household": _l("foyer"),
    "farm": _l("exploitation agricole"),
    "business": _l("entreprise ou artisan·e"),
    "public_service": _l("service public"),
}
RESOURCE_KINDS = {
    "spring": _l("source"),
    "well": _l("puits"),
    "borehole": _l("forage"),
    "reservoir": _l("réservoir ou retenue"),
    "river_intake": _l("prise d'eau en rivière"),
    "network": _l("interconnexion de réseau"),
}
RESOURCE_STATUSES = {
    "in_service": _l("en service"),
    "reduced": _l("débit réduit"),
    "dry": _l("à sec"),
    "out_of_service": _l("hors service"),
}
#: statuses where nothing can be drawn
UNAVAILABLE = ("dry", "out_of_service")

RUN_STATUSES = {
    "proposed": _l("proposée"),
    "in_vote": _l("soumise au vote"),
    "applied": _l("en vigueur"),
    "superseded": _l("remplacée"),
    "rejected": _l("rejetée par le vote"),
}
AVAILABLE_SOURCES = {
    "yield": _l("débit soutenable de la saison"),
    "reading": _l("dernier débit mesuré"),
    "override": _l("volume fixé à la main"),
    "status": _l("ressource indisponible"),
}

SEASONS = ("winter", "spring", "summer", "autumn")
SEASON_LABELS = {
    "winter": _l("hiver"),
    "spring": _l("printemps"),
    "summer": _l("été"),
    "autumn": _l("automne"),
}

#: the themes of a governance body that make it the water circle
WATER_THEMES = ("eau", "water")
#: a measured flow older than this is not used for the available volume
READING_FRESH_DAYS = 14


def season_of(day: date) -> str:
    return SEASONS[(day.month % 12) // 3]


#: level → category → (reduction %, forbidden, hours). Inspired by the French national
#: drought guide (2023): vigilance asks for care, alerte cuts irrigation by about 30 %,
#: alerte renforcée by half and forbids garden watering, crise keeps only priority uses.
#: The vital volume per person is never reduced by these rules.
DEFAULT_RULES: dict[str, dict[str, tuple[int, bool, object]]] = {
    "normal": dict.fromkeys(CATEGORIES, (0, False, "")),
    "vigilance": {
        "drinking": (0, False, ""),
        "livestock": (0, False, ""),
        "irrigation": (0, False, ""),
        "economic": (0, False, ""),
        "leisure": (10, False, _l("arrosage déconseillé de 11 h à 18 h")),
    },
    "alerte": {
        "drinking": (10, False, ""),
        "livestock": (0, False, ""),
        "irrigation": (30, False, _l("arrosage interdit de 11 h à 18 h")),
        "economic": (10, False, ""),
        "leisure": (50, False, _l("arrosage interdit de 9 h à 20 h")),
    },
    "alerte_renforcee": {
        "drinking": (20, False, ""),
        "livestock": (10, False, ""),
        "irrigation": (50, False, _l("arrosage interdit de 9 h à 20 h")),
        "economic": (25, False, ""),
        "leisure": (100, True, ""),
    },
    "crise": {
        "drinking": (30, False, ""),
        "livestock": (20, False, ""),
        "irrigation": (100, True, ""),
        "economic": (50, False, ""),
        "leisure": (100, True, ""),
    },
}
