"""What the plugin writes, rendered in the reader's language: journal kinds and the
explanation of the list's order (stored as data, see :mod:`.ordering`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from federation import formatting

SEX_LABELS = {"F": _l("femme"), "M": _l("homme")}
CHECK_LABELS = {
    "commune": _l("Lien avec la commune (adhésion vérifiée)"),
    "adult": _l("18 ans révolus le jour du scrutin"),
    "roll": _l("Inscription sur les listes électorales de la commune"),
}
CHECK_STATES = {
    "checked": _l("vérifié par la plateforme"),
    "declared": _l("déclaré, la plateforme ne peut pas le vérifier"),
    "missing": _l("manquant"),
}
FOLLOW_UP_LABELS = {
    "in_progress": _l("en cours"),
    "done": _l("réalisée"),
    "dropped": _l("abandonnée"),
}
AXIS_STATES = {
    "draft": _l("proposé"),
    "core_vote": _l("au vote du groupe moteur"),
    "core_adopted": _l("adopté par le groupe moteur"),
    "assembly_vote": _l("au vote de l'assemblée"),
    "adopted": _l("adopté par l'assemblée"),
}
PLAIN = str.maketrans({"’": "'", "«": '"', "»": '"', "…": "...", "·": "-", "—": "-", "–": "-"})


def latin1(text: str) -> str:
    return str(text).translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


def sex(value: str) -> str:
    return str(SEX_LABELS.get(value, value))


def step(data: Mapping[str, Any], names: Mapping[int, str]) -> str:
    """One step of the order's explanation, in the reader's language."""
    kind = data.get("kind")

    def name(i: Any) -> str:
        return names.get(i, f"n° {i}")

    if kind == "tie":
        return _(
            "Ex aequo au vote : %(who)s, départagé·es par ordre d'inscription.",
            who=", ".join(name(i) for i in data["candidates"]),
        )
    if kind == "head":
        return _(
            "Tête de liste : %(who)s, premier·e du vote (%(sex)s).",
            who=name(data["candidate"]),
            sex=sex(data["sex"]),
        )
    if kind == "head_changed":
        return _(
            "Tête de liste de sexe « %(sex)s » : la liste demande %(n)s personnes du sexe de la "
            "tête de liste, et celui de %(who)s, premier·e du vote, n'en compte que %(a)s.",
            sex=sex(data["sex"]),
            n=formatting.number(data["needed"]),
            who=name(data["candidate"]),
            a=formatting.number(data["available"]),
        )
    if kind == "follows_vote":
        return _(
            "Place %(p)s : %(who)s (rang %(r)s au vote), à la place que le vote lui donne.",
            p=formatting.number(data["position"]),
            who=name(data["candidate"]),
            r=formatting.number(data["rank"]),
        )
    if kind == "parity_swap":
        return _(
            "Place %(p)s : l'alternance stricte demande une personne de sexe « %(sex)s » ; "
            "%(who)s (rang %(r)s au vote) passe devant %(passed)s.",
            p=formatting.number(data["position"]),
            sex=sex(data["sex"]),
            who=name(data["candidate"]),
            r=formatting.number(data["rank"]),
            passed=", ".join(
                _("%(who)s (rang %(r)s)", who=name(i), r=formatting.number(r))
                for i, r in zip(data["passed"], data["passed_ranks"], strict=True)
            ),
        )
    if kind == "left_out":
        return _(
            "Hors liste (longueur atteinte) : %(who)s.",
            who=", ".join(name(i) for i in data["candidates"]),
        )
    return str(kind)


def _committed(p: Mapping[str, Any]) -> str:
    return _(
        "Tirage au sort « %(t)s » engagé : empreinte de la graine %(h)s, %(n)s volontaires, "
        "quotas %(q)s",
        t=p["title"],
        h=p["commitment"],
        n=formatting.number(p["volunteers"]),
        q=", ".join(f"{k} : {v}" for k, v in sorted(p["quotas"].items())),
    )


def _drawn(p: Mapping[str, Any]) -> str:
    return _(
        "Tirage au sort « %(t)s » effectué : graine révélée %(s)s ; à vérifier avec "
        "« convergence elections verify-draw »",
        t=p["title"],
        s=p["seed"],
    )


def _list_adopted(p: Mapping[str, Any]) -> str:
    return _(
        "L'assemblée adopte la liste « %(t)s » (%(n)s noms, décision n° %(d)s)",
        t=p["title"],
        n=formatting.number(p["names"]),
        d=p["decision"],
    )


def _selected(p: Mapping[str, Any]) -> str:
    return _("Vous êtes tiré·e au sort : « %(t)s »", t=p["title"])


def _on_the_list(p: Mapping[str, Any]) -> str:
    return _(
        "L'assemblée a adopté la liste « %(t)s » : vous y êtes en place %(n)s",
        t=p["title"],
        n=formatting.number(p["position"]),
    )


def _treasury(p: Mapping[str, Any]) -> str:
    from convergence_elections.treasury import render

    return render(dict(p))


KINDS = {
    "elections.treasury": _treasury,
    "elections.selected": _selected,
    "elections.on_the_list": _on_the_list,
    "elections.draw_committed": _committed,
    "elections.draw_done": _drawn,
    "elections.list_adopted": _list_adopted,
}
