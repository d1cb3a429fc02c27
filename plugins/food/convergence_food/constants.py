"""Fixed vocabularies of the food plugin: stored as keys, labelled at read time."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

PLUGIN = "food"
#: themes of the governance bodies that act as the food circle
FOOD_THEMES = ("alimentation", "food", "nourriture")

FAMILIES = {
    "vegetables": _l("Légumes"),
    "fruit": _l("Fruits"),
    "bread": _l("Pain et céréales"),
    "dairy": _l("Produits laitiers"),
    "eggs": _l("Œufs"),
    "meat": _l("Viande"),
    "honey": _l("Miel"),
    "other": _l("Autres"),
}
PRODUCER_KINDS = {
    "market_gardener": _l("Maraîchage"),
    "farm": _l("Ferme"),
    "baker": _l("Boulangerie"),
    "breeder": _l("Élevage"),
    "orchard": _l("Arboriculture"),
    "other": _l("Autre"),
}
UNITS = {
    "kg": _l("kg"),
    "piece": _l("pièce"),
    "bunch": _l("botte"),
    "litre": _l("litre"),
    "dozen": _l("douzaine"),
    "basket": _l("panier"),
}
CONTRACT_STATUSES = {
    "draft": _l("en préparation"),
    "in_vote": _l("au vote"),
    "open": _l("ouvert aux souscriptions"),
    "closed": _l("clos"),
    "rejected": _l("refusé"),
}
TIERS = {
    "standard": _l("prix"),
    "solidarity": _l("prix solidaire"),
    "support": _l("prix de soutien"),
}
CHANGE_ACTIONS = {
    "skip": _l("livraison sautée"),
    "give": _l("livraison donnée"),
    "pot": _l("livraison donnée au pot solidaire"),
    "gift": _l("livraison donnée à un autre foyer"),
}
MOVEMENT_KINDS = {
    "gift": _l("don"),
    "support": _l("part payée au-dessus du prix"),
    "reduction": _l("réduction accordée"),
    "given_basket": _l("panier donné"),
    "refund": _l("réduction rendue"),
}
REQUEST_STATUSES = {
    "pending": _l("en attente"),
    "granted": _l("accordée"),
    "refused": _l("refusée"),
    "withdrawn": _l("retirée"),
}
PLOT_STATUSES = {"available": _l("disponible"), "matched": _l("attribuée")}
CANDIDATE_STATUSES = {
    "seeking": _l("cherche une terre"),
    "installed": _l("installé·e"),
    "withdrawn": _l("retiré·e"),
}
MATCH_STATUSES = {
    "in_vote": _l("au vote"),
    "adopted": _l("adoptée"),
    "rejected": _l("rejetée"),
}
MONTHS = range(1, 13)
#: source kind of the roster shifts of a distribution day (federation.roster)
ROSTER_SOURCE = "food.distribution"
#: source kind of the harvest-help shifts of a producer (federation.roster)
HARVEST_SOURCE = "food.harvest"
#: title kinds of the food plugin's roster shifts: text kinds (hook federation_text_kinds,
#: see federation.roster.texts), rendered in the reader's language from their parameters
HARVEST_TITLE = "food.harvest"
DISTRIBUTION_TITLE = "food.distribution"
SETUP_TITLE = "food.setup"
ROSTER_TITLES = {
    HARVEST_TITLE: lambda p: _("Chantier de récolte — %(producer)s", producer=p["producer"]),
    DISTRIBUTION_TITLE: lambda p: _("Distribution des paniers — %(place)s", place=p["place"]),
    SETUP_TITLE: lambda p: _("Installation et rangement — %(place)s", place=p["place"]),
}
