"""Results people can read: a stored tally turned into words, chart rows and tables, per
method, with the quorum and threshold applied; and a ballot described in words.

Read-only presentation (issue 10 item 5): nothing here writes. Texts are rendered at read
time in the reader's language and numbers go through Babel.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from federation.db import db
from federation.governance.labels import grade_labels
from federation.governance.models import Vote, VoteParticipation
from federation.governance.voting.base import Option

WORDS: dict[str, dict[str, Any]] = {
    "choice": {"yes": _l("Pour"), "no": _l("Contre"), "abstain": _l("Abstention")},
    "consent": {
        "consent": _l("Je consens"),
        "stand_aside": _l("Je m'abstiens sans bloquer"),
        "object": _l("J'ai une objection"),
    },
    "advice": {"agree": _l("D'accord"), "disagree": _l("Pas d'accord"), "abstain": _l("Sans avis")},
    "availability": {"yes": _l("oui"), "maybe": _l("si besoin"), "no": _l("non")},
}


def number(value: float | int | None) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.##")


def percent(share: float | Fraction | None) -> str:
    """One decimal, with the locale's own percent pattern (``66,7 %`` / ``66.7%``)."""
    if share is None:
        return "—"
    from babel.numbers import format_percent

    locale = get_locale()
    pattern = locale.percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)
    return format_percent(float(share), format=pattern, locale=locale)


def _row(label: Any, value: float | int | None, share: float | None = None) -> dict[str, Any]:
    return {
        "label": str(label),
        "value": value,
        "text": number(value),
        "share": percent(share) if share is not None else "",
    }


def _table(caption: Any, head: list[Any], rows: list[list[Any]]) -> dict[str, Any]:
    return {"caption": str(caption), "head": [str(h) for h in head], "rows": rows}


# --- rules applied ---------------------------------------------------------------------------


def quorum_text(result: dict[str, Any]) -> str:
    quorum = Fraction(str(result.get("quorum") or "0"))
    taking_part = result.get("participants", 0)
    eligible = result.get("eligible", 0)
    if quorum == 0:
        return _(
            "Quorum : aucun (%(p)s participant·es sur %(e)s).",
            p=number(taking_part),
            e=number(eligible),
        )
    needed = -(-quorum.numerator * eligible // quorum.denominator)
    state = _("atteint") if result.get("quorum_met") else _("non atteint")
    share = f"{quorum.numerator}/{quorum.denominator}"
    return _(
        "Quorum : %(q)s des %(e)s votant·es possibles, soit %(n)s — %(state)s "
        "(%(p)s participant·es).",
        q=share,
        e=number(eligible),
        n=number(needed),
        state=state,
        p=number(taking_part),
    )


def _threshold_text(details: dict[str, Any]) -> str:
    threshold = details.get("threshold", "1/2")
    if details.get("rule") == "more than" or threshold == "1/2":
        return _("Seuil appliqué : plus de la moitié des suffrages exprimés (pour + contre).")
    return _("Seuil appliqué : au moins %(t)s des suffrages exprimés (pour + contre).", t=threshold)


# --- per method ------------------------------------------------------------------------------


def display(vote: Vote, result: dict[str, Any], options: list[Option]) -> dict[str, Any]:
    """Everything the results partial shows: outcome, summary, chart rows, tables, rules."""
    labels = {str(o.id): o.label for o in options}
    details = result.get("details") or {}
    shown: dict[str, Any] = {
        "method": vote.method,
        "outcome": None,
        "summary": "",
        "rows": [],
        "chart_title": _("Résultats"),
        "unit": "",
        "rules": [quorum_text(result)],
        "tables": [],
    }
    if result.get("adopted") is not None:
        shown["outcome"] = _("Adoptée") if result["adopted"] else _("Non adoptée")
    builder = _BUILDERS.get(vote.method, _ranked)
    builder(shown, result, details, labels)
    if result.get("winner_labels") and vote.method not in ("majority", "consent", "advice"):
        names = ", ".join(result["winner_labels"])
        shown["summary"] = (
            _("Élu·es : %(n)s.", n=names)
            if vote.method == "stv"
            else _("En tête : %(n)s.", n=names)
        ) + (" " + shown["summary"] if shown["summary"] else "")
    return shown


def _counts(shown, details, key, order):
    counts = details.get("counts") or {}
    total = sum(counts.values()) or 0
    shown["rows"] = [
        _row(WORDS[key][word], counts.get(word, 0), counts.get(word, 0) / total if total else None)
        for word in order
    ]
    shown["chart_title"] = _("Répartition des bulletins")
    return counts


def _majority(shown, result, details, labels):
    counts = _counts(shown, details, "choice", ("yes", "no", "abstain"))
    expressed = counts.get("yes", 0) + counts.get("no", 0)
    shown["rows"][0]["share"] = percent(counts.get("yes", 0) / expressed) if expressed else "—"
    shown["rows"][1]["share"] = percent(counts.get("no", 0) / expressed) if expressed else "—"
    shown["rows"][2]["share"] = ""
    shown["summary"] = _(
        "Pour : %(y)s (%(s)s des suffrages exprimés), contre : %(n)s, abstention : %(a)s.",
        y=number(counts.get("yes", 0)),
        s=percent(counts.get("yes", 0) / expressed) if expressed else "—",
        n=number(counts.get("no", 0)),
        a=number(counts.get("abstain", 0)),
    )
    shown["share_caption"] = _("Part des suffrages exprimés")
    shown["rules"].insert(0, _threshold_text(details))


def _consent(shown, result, details, labels):
    counts = _counts(shown, details, "consent", ("consent", "stand_aside", "object"))
    blocking = details.get("objections_blocking", counts.get("object", 0))
    shown["summary"] = _(
        "%(c)s consentement(s), %(s)s abstention(s) sans blocage, %(o)s objection(s) ; "
        "%(b)s objection(s) bloquent encore.",
        c=number(counts.get("consent", 0)),
        s=number(counts.get("stand_aside", 0)),
        o=number(counts.get("object", 0)),
        b=number(blocking),
    )
    shown["rules"].insert(
        0,
        _(
            "Règle appliquée : adoptée seulement si aucune objection ne reste maintenue ou "
            "sans réponse."
        ),
    )


def _advice(shown, result, details, labels):
    counts = _counts(shown, details, "advice", ("agree", "disagree", "abstain"))
    shown["summary"] = _(
        "%(a)s d'accord, %(d)s pas d'accord, %(n)s sans avis.",
        a=number(counts.get("agree", 0)),
        d=number(counts.get("disagree", 0)),
        n=number(counts.get("abstain", 0)),
    )
    shown["rules"].insert(0, _("Sollicitation d'avis : elle éclaire, elle ne décide pas."))


def _per_option(shown, values: dict[str, Any], labels, unit, title):
    shown["rows"] = [_row(labels.get(k, k), values.get(k, 0)) for k in labels]
    shown["rows"].sort(key=lambda r: -(r["value"] or 0))
    shown["unit"] = str(unit)
    shown["chart_title"] = str(title)


def _approval(shown, result, details, labels):
    _per_option(
        shown, details.get("approvals", {}), labels, _("approbations"), _("Approbations par option")
    )
    ballots = result.get("ballots", 0)
    for row in shown["rows"]:
        row["share"] = percent((row["value"] or 0) / ballots) if ballots else "—"
    shown["share_caption"] = _("Part des bulletins")


def _score(shown, result, details, labels):
    _per_option(shown, details.get("sums", {}), labels, _("points"), _("Total des notes"))
    ballots = result.get("ballots", 0)
    for row in shown["rows"]:
        row["share"] = number((row["value"] or 0) / ballots) if ballots else "—"
    shown["share_caption"] = _("Note moyenne (sur %(m)s)", m=details.get("max_score", 5))


def _dot(shown, result, details, labels):
    _per_option(shown, details.get("points", {}), labels, _("points"), _("Points par option"))


def _judgment(shown, result, details, labels):
    levels = int(details.get("grades") or 6)
    names = [str(g) for g in grade_labels(levels)]
    medians = details.get("medians") or {}
    histograms = details.get("histograms") or {}
    shown["rows"] = [
        {
            "label": labels.get(k, k),
            "value": (medians.get(k) or 0) + 1 if medians.get(k) is not None else 0,
            "text": names[medians[k]] if medians.get(k) is not None else "—",
            "share": "",
        }
        for k in labels
    ]
    shown["chart_title"] = _("Mention médiane par option")
    shown["value_caption"] = _("Mention médiane")
    rows = []
    for key, label in labels.items():
        histogram = histograms.get(key) or [0] * levels
        median = medians.get(key)
        rows.append(
            [label, names[median] if median is not None else "—"]
            + [number(n) for n in reversed(list(histogram))]
        )
    shown["tables"].append(
        _table(
            _("Mentions reçues par option"),
            [_("Option"), _("Mention médiane"), *reversed(names)],
            rows,
        )
    )
    shown["rules"].insert(
        0,
        _(
            "Jugement majoritaire : chaque option reçoit la mention médiane de ses "
            "évaluations ; les ex æquo se départagent par la part au-dessus ou au-dessous."
        ),
    )


def _schulze(shown, result, details, labels):
    _per_option(
        shown,
        dict(result.get("scores") or {}),
        labels,
        _("options battues"),
        _("Nombre d'options battues (chemins les plus forts)"),
    )
    pairwise = details.get("pairwise") or {}
    keys = list(labels)
    rows = []
    for a in keys:
        rows.append(
            [labels[a]] + ["—" if a == b else number(pairwise.get(a, {}).get(b, 0)) for b in keys]
        )
    shown["tables"].append(
        _table(
            _("Duels : combien préfèrent l'option de la ligne à celle de la colonne"),
            [_("Option"), *[labels[k] for k in keys]],
            rows,
        )
    )
    shown["rules"].insert(0, _("Méthode de Schulze (marges en voix gagnantes)."))


def _stv(shown, result, details, labels):
    _per_option(
        shown,
        dict(result.get("scores") or {}),
        labels,
        _("voix"),
        _("Voix au dernier tour"),
    )
    rounds = details.get("rounds") or []
    keys = list(labels)
    rows = []
    for key in keys:
        cells = [labels[key]]
        for record in rounds:
            total = record.get("totals", {}).get(key)
            mark = ""
            if int(key) in record.get("elected", []):
                mark = " — " + _("élu·e")
            elif int(key) in record.get("excluded", []):
                mark = " — " + _("éliminé·e")
            cells.append((number(total) if total is not None else "") + mark)
        rows.append(cells)
    rows.append([_("Voix épuisées")] + [number(record.get("exhausted", 0)) for record in rounds])
    shown["tables"].append(
        _table(
            _("Décompte tour par tour"),
            [
                _("Candidat·e"),
                *[_("Tour %(n)s", n=r.get("round", i + 1)) for i, r in enumerate(rounds)],
            ],
            rows,
        )
    )
    shown["rules"].insert(
        0,
        _(
            "Vote unique transférable. Quota (Droop) : %(q)s voix ; sièges à pourvoir : %(s)s.",
            s=number(details.get("seats", 1)),
            q=number(details.get("quota", 0)),
        ),
    )


def _time_poll(shown, result, details, labels):
    counts = details.get("counts") or {}
    shown["rows"] = [_row(labels.get(k, k), (counts.get(k) or {}).get("yes", 0)) for k in labels]
    shown["unit"] = _("disponibles")
    shown["chart_title"] = _("Personnes disponibles par date")
    shown["tables"].append(
        _table(
            _("Disponibilités"),
            [_("Date"), WORDS["availability"]["yes"], WORDS["availability"]["maybe"]],
            [
                [
                    labels.get(k, k),
                    number((counts.get(k) or {}).get("yes", 0)),
                    number((counts.get(k) or {}).get("maybe", 0)),
                ]
                for k in labels
            ],
        )
    )


def _ranked(shown, result, details, labels):
    _per_option(shown, dict(result.get("scores") or {}), labels, "", _("Score"))


_BUILDERS = {
    "majority": _majority,
    "consent": _consent,
    "advice": _advice,
    "approval": _approval,
    "score": _score,
    "dot": _dot,
    "majority_judgment": _judgment,
    "schulze": _schulze,
    "stv": _stv,
    "time_poll": _time_poll,
}


# --- one ballot in words ---------------------------------------------------------------------


def ballot_words(vote: Vote, ballot: Any, options: list[Option]) -> str:
    """A canonical ballot (dict or its JSON text) said in words, in the reader's language."""
    if isinstance(ballot, str):
        try:
            ballot = json.loads(ballot)
        except ValueError:
            return "—"
    if not isinstance(ballot, dict):
        return "—"
    labels = {str(o.id): o.label for o in options}

    def name(option_id: Any) -> str:
        return labels.get(str(option_id), str(option_id))

    if "choice" in ballot:
        return str(WORDS["choice"].get(ballot["choice"], ballot["choice"]))
    if "position" in ballot:
        table = WORDS["advice"] if vote.method == "advice" else WORDS["consent"]
        return str(table.get(ballot["position"], ballot["position"]))
    if "approve" in ballot:
        chosen = [name(i) for i in ballot["approve"]]
        return _("Approuvé : %(o)s", o=", ".join(chosen)) if chosen else _("Aucune approbation")
    if "scores" in ballot:
        return " ; ".join(f"{name(k)} : {number(v)}" for k, v in ballot["scores"].items())
    if "points" in ballot:
        given = ballot["points"]
        if not given:
            return _("Aucun point donné")
        return " ; ".join(
            f"{name(k)} : " + ngettext("%(num)s point", "%(num)s points", v)
            for k, v in given.items()
        )
    if "grades" in ballot:
        names = [str(g) for g in grade_labels(int(vote.settings.get("grades", 6)))]
        return " ; ".join(
            f"{name(k)} : {names[v] if 0 <= v < len(names) else v}"
            for k, v in ballot["grades"].items()
        )
    if "ranking" in ballot:
        parts = []
        for position, item in enumerate(ballot["ranking"], start=1):
            group = item if isinstance(item, list) else [item]
            parts.append(f"{position}. " + ", ".join(name(i) for i in group))
        return " ; ".join(parts) if parts else "—"
    if "availability" in ballot:
        return " ; ".join(
            f"{name(k)} : {WORDS['availability'].get(v, v)}"
            for k, v in ballot["availability"].items()
        )
    return "—"


def own_public_ballot(vote: Vote, user_id: int) -> str | None:
    """The person's own ballot of a PUBLIC vote, in words (None if they did not vote).

    Never for a secret vote: its ballot is stored with no link to the voter, so it can only
    be found again with the receipt the voter holds (:func:`ballot_by_receipt`).
    """
    if vote.secret:
        return None
    content = db.session.scalar(
        select(VoteParticipation.content).where(
            VoteParticipation.vote_id == vote.id, VoteParticipation.voter_id == user_id
        )
    )
    if content is None:
        return None
    from federation.governance.votes import options_of

    return ballot_words(vote, content, options_of(vote))


def ballot_by_receipt(vote: Vote, receipt: str) -> str | None:
    """After closing, the secret ballot a receipt names, in words (None if none does).
    Uses the published list (the same one anyone can download), nothing more."""
    from federation.governance.votes import options_of, secret_ballots

    receipt = (receipt or "").strip().lower()
    if not vote.secret or vote.status != "closed" or not receipt:
        return None
    for found, content in secret_ballots(vote):
        if found == receipt:
            return ballot_words(vote, content, options_of(vote))
    return None
