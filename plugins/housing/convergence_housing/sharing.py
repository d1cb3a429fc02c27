"""Requests open to several communes of a federation (issue 13, item 6).

A commune takes part through its ``shared_requests`` setting. Between two communes that
share a federation and both take part, a household's request that wishes the other commune
is *open to it*: that commune's housing circle sees the request (with the household's data:
it is one of the circles concerned) and ranks it with its own requests when it examines a
dwelling. The household's own commune keeps the request and consents per allocation
(:func:`answer_consent`, the one path that writes a consent); the other commune's proposed
order may name the request only once that consent is granted, and its decision marks the
request allocated in the household's commune. Every other commune — outside the federation,
or in it without taking part — sees nothing.

Reads across communes go through an explicit federation scope over the partner communes
only; rows read there are copied into plain values (:class:`SharedRequest`) and let go from
the session, so that no other commune's row stays reachable from this commune's scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from convergence_housing.models import Allocation, Consent, Dwelling, HousingRequest
from convergence_housing.services import (
    PLUGIN,
    commune_id,
    current_commune,
    notify_circle,
    require_steer,
    settings,
)
from federation.db import db
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.plugins.events import emit
from federation.plugins.models import PluginActivation
from federation.tenancy.context import commune_scope, federation_scope
from federation.tenancy.models import Commune, FederationMember
from federation.validation import choice_field

SETTING = "shared_requests"
ANSWERS = ("granted", "refused")
LIVE = ("examining", "in_vote")


@dataclass(frozen=True)
class SharedRequest:
    """A request of another commune open to this one: the values its circle needs."""

    id: int
    commune_id: int
    commune_slug: str
    commune_name: str
    household: str
    people: int
    rooms_needed: int
    needs: str
    urgency: int
    accessibility: bool
    communes: tuple[str, ...]
    submitted_on: date


def takes_part() -> bool:
    return bool(settings().get(SETTING))


def federation_neighbours(here: int) -> list[int]:
    """Communes sharing at least one federation with ``here`` (current memberships)."""
    mine = select(FederationMember.federation_id).where(
        FederationMember.commune_id == here, FederationMember.left_on.is_(None)
    )
    return sorted(
        set(
            db.session.scalars(
                select(FederationMember.commune_id).where(
                    FederationMember.federation_id.in_(mine),
                    FederationMember.left_on.is_(None),
                    FederationMember.commune_id != here,
                )
            )
        )
    )


def partner_ids() -> list[int]:
    """The communes this one shares requests with: a common federation, housing on there,
    and both communes taking part (two queries; none when this commune does not take part)."""
    if not takes_part():
        return []
    neighbours = federation_neighbours(commune_id())
    if not neighbours:
        return []
    with federation_scope(neighbours):
        rows = db.session.execute(
            select(PluginActivation.commune_id, PluginActivation.settings).where(
                PluginActivation.plugin == PLUGIN, PluginActivation.enabled.is_(True)
            )
        ).all()
    return sorted(cid for cid, values in rows if (values or {}).get(SETTING))


def _let_go(rows: list[Any]) -> None:
    for row in rows:
        if row in db.session:
            db.session.expunge(row)


def requests_open_to(slug: str, partners: list[int]) -> list[SharedRequest]:
    """Open requests of ``partners`` that wish the commune ``slug`` (one query, two with
    the communes' names). The caller's partner list is the guard: see :func:`partner_ids`."""
    if not partners:
        return []
    with federation_scope(partners):
        rows = list(
            db.session.scalars(
                select(HousingRequest)
                .where(HousingRequest.status == "open")
                .order_by(HousingRequest.id)
            )
        )
        wanted = [r for r in rows if slug in (r.communes or [])]
        names = {
            c.id: c
            for c in db.session.scalars(
                select(Commune).where(Commune.id.in_({r.commune_id for r in wanted}))
            )
        }
        out = [
            SharedRequest(
                r.id,
                r.commune_id,
                names[r.commune_id].slug,
                names[r.commune_id].name,
                r.household,
                r.people,
                r.rooms_needed,
                r.needs,
                r.urgency,
                r.accessibility,
                tuple(r.communes or ()),
                r.submitted_on,
            )
            for r in wanted
        ]
        _let_go(rows)
    return out


def shared_requests(partners: list[int] | None = None) -> list[SharedRequest]:
    """The requests of other communes open to this one (its housing circle reads them);
    ``partners`` when the caller already has :func:`partner_ids`."""
    return requests_open_to(current_commune().slug, partner_ids() if partners is None else partners)


# --- consents (the household's commune) ---------------------------------------------------


@dataclass(frozen=True)
class ConsentItem:
    """One of our requests ranked by an examination in a partner commune, and our answer."""

    host_id: int
    host_slug: str
    host_name: str
    allocation_id: int
    allocation_status: str
    dwelling_ref: str
    request_id: int
    rank: int
    points: int
    answer: str | None


def consent_items(partners: list[int] | None = None) -> list[ConsentItem]:
    """Examinations in partner communes that rank our requests, with our answers."""
    partners = partner_ids() if partners is None else partners
    if not partners:
        return []
    here = commune_id()
    with federation_scope(partners):
        rows = list(
            db.session.scalars(
                select(Allocation).where(Allocation.status.in_(LIVE)).order_by(Allocation.id)
            )
        )
        found = [
            (a, e) for a in rows for e in a.ranking if e.get("commune") == here and "request" in e
        ]
        refs = dict(
            db.session.execute(
                select(Dwelling.id, Dwelling.ref).where(
                    Dwelling.id.in_({a.dwelling_id for a, _e in found})
                )
            ).all()
        )
        hosts = {
            c.id: c
            for c in db.session.scalars(
                select(Commune).where(Commune.id.in_({a.commune_id for a, _e in found}))
            )
        }
        items = [(a.commune_id, a.id, a.status, refs.get(a.dwelling_id, "?"), e) for a, e in found]
        _let_go(rows)
    answers = {
        (c.host_commune_id, c.allocation_id, c.request_id): c.answer
        for c in db.session.scalars(select(Consent))
    }
    return [
        ConsentItem(
            host,
            hosts[host].slug,
            hosts[host].name,
            allocation_id,
            status,
            ref,
            int(entry["request"]),
            int(entry.get("rank", 0)),
            int(entry.get("points", 0)),
            answers.get((host, allocation_id, int(entry["request"]))),
        )
        for host, allocation_id, status, ref, entry in items
    ]


def answer_consent(
    host: Any, allocation_id: Any, request_id: Any, answer: Any, actor: Any
) -> Consent:
    """Our housing circle grants or refuses that one of our requests receive a partner
    commune's dwelling in that examination. The only writer of :class:`Consent`."""
    require_steer(actor)
    answer = choice_field(str(answer or "").strip(), ANSWERS, "answer")
    wanted = str(host or "").strip()
    item = next(
        (
            i
            for i in consent_items()
            if wanted in (i.host_slug, str(i.host_id))
            and str(i.allocation_id) == str(allocation_id).strip()
            and str(i.request_id) == str(request_id).strip()
        ),
        None,
    )
    if item is None:
        raise NotFound(
            _("Aucun examen d'une commune partenaire ne classe cette demande."),
            field="allocation_id",
        )
    if item.answer is not None:
        raise Conflict(_("La commune a déjà répondu pour cette demande."), field="answer")
    still_open = db.session.scalar(
        select(HousingRequest.id).where(
            HousingRequest.id == item.request_id, HousingRequest.status == "open"
        )
    )
    if still_open is None:
        raise Conflict(_("Cette demande n'est plus ouverte."), field="request_id")
    row = Consent(
        request_id=item.request_id,
        host_commune_id=item.host_id,
        allocation_id=item.allocation_id,
        answer=answer,
        answered_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    emit(
        "housing.consent",
        {
            "consent_id": row.id,
            "host_commune_id": item.host_id,
            "allocation_id": item.allocation_id,
            "answer": answer,
        },
        commune_id=commune_id(),
    )
    return row


# --- the host commune's side ---------------------------------------------------------------


def foreign_entries(allocation: Allocation) -> dict[int, int]:
    """request id → its commune, for the ranked requests of other communes."""
    return {
        int(e["request"]): int(e["commune"])
        for e in allocation.ranking
        if e.get("commune") not in (None, allocation.commune_id)
    }


def consents_for(allocation: Allocation) -> dict[int, str]:
    """request id → the answer of its commune, for this allocation's foreign requests."""
    foreign = foreign_entries(allocation)
    if not foreign:
        return {}
    with federation_scope(sorted(set(foreign.values()))):
        rows = db.session.execute(
            select(Consent.request_id, Consent.commune_id, Consent.answer).where(
                Consent.host_commune_id == allocation.commune_id,
                Consent.allocation_id == allocation.id,
            )
        ).all()
    return {rid: answer for rid, cid, answer in rows if foreign.get(rid) == cid}


def notify_homes(allocation: Allocation) -> None:
    """Tell the housing circle of each household's commune that an examination here ranks
    its requests and awaits its consent (core notifications, each reader's language)."""
    foreign = foreign_entries(allocation)
    if not foreign:
        return
    host = current_commune().name
    db.session.flush()  # this commune's rows are written in its own scope
    for home in sorted(set(foreign.values())):
        count = sum(1 for cid in foreign.values() if cid == home)
        with commune_scope(home):
            slug = db.session.get(Commune, home).slug
            notify_circle(
                "housing.consent_awaited",
                {"host": host, "count": count},
                f"/c/{slug}/housing/shared",
            )
            db.session.flush()


def commune_names(allocation: Allocation) -> dict[int, str]:
    """request id → the name of its commune, for the foreign requests of an allocation."""
    foreign = foreign_entries(allocation)
    if not foreign:
        return {}
    names = dict(
        db.session.execute(
            select(Commune.id, Commune.name).where(Commune.id.in_(set(foreign.values())))
        ).all()
    )
    return {rid: names.get(cid, "?") for rid, cid in foreign.items()}


def without_consent(allocation: Allocation) -> set[int]:
    """Foreign requests of an allocation whose commune has not granted consent."""
    foreign = foreign_entries(allocation)
    if not foreign:
        return set()
    answers = consents_for(allocation)
    return {rid for rid in foreign if answers.get(rid) != "granted"}


def check_order(allocation: Allocation, order: list[int]) -> None:
    """A request of another commune may be named only once its commune granted consent."""
    missing = without_consent(allocation)
    for request_id in order:
        if request_id in missing:
            raise ValidationFailed(
                _(
                    "La demande n° %(n)d vient d'une autre commune : elle ne peut être "
                    "proposée qu'avec le consentement de cette commune.",
                    n=request_id,
                ),
                field="order",
            )


def open_foreign(allocation: Allocation, request_id: int) -> bool:
    """A foreign request still open, with its commune's consent granted."""
    foreign = foreign_entries(allocation)
    if consents_for(allocation).get(request_id) != "granted":
        return False
    with federation_scope([foreign[request_id]]):
        row = db.session.get(HousingRequest, request_id)
        is_open = row is not None and row.status == "open"
        _let_go([row] if row is not None else [])
    return is_open


def mark_allocated_elsewhere(allocation: Allocation, request_id: int) -> str:
    """The host commune's decision marks the household's request allocated in its own
    commune (an explicit write in that commune's scope). Returns that commune's slug."""
    home = foreign_entries(allocation)[request_id]
    db.session.flush()
    with commune_scope(home):
        row = db.session.get(HousingRequest, request_id)
        if row is None or row.status != "open":
            raise Conflict(_("Cette demande n'est plus ouverte."), field="request_id")
        row.status = "allocated"
        db.session.flush()
        _let_go([row])
        slug = db.session.get(Commune, home).slug
    return slug
