"""The confederal council: the delegates each member commune's assembly elected (the
election vote is recorded with each mandate), with their public mandate text and record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from federation.db import db
from federation.governance.models import Mandate, Vote
from federation.intercommunal.models import FederationProposal, Ratification
from federation.tenancy.context import federation_scope
from federation.tenancy.models import Federation
from federation.tenancy.services import member_commune_ids


@dataclass
class Seat:
    mandate: Mandate
    commune_name: str
    ends_soon: bool
    #: the title of the assembly vote that elected the delegate ("" if none is recorded)
    election_title: str = ""


def delegates(federation: Federation, *, include_past: bool = False) -> list[Seat]:
    """Delegate mandates of the member communes (read across them, read-only)."""
    ids = member_commune_ids(federation.id)
    if not ids:
        return []
    from federation.tenancy.models import Commune

    names = dict(
        db.session.execute(select(Commune.id, Commune.name).where(Commune.id.in_(ids))).all()
    )
    with federation_scope(ids):
        query = select(Mandate).where(
            Mandate.role == "delegate", Mandate.federation_id == federation.id
        )
        if not include_past:
            query = query.where(Mandate.status == "active")
        rows = list(db.session.scalars(query.order_by(Mandate.commune_id, Mandate.starts_on)))
        vote_ids = {m.election_vote_id for m in rows if m.election_vote_id}
        titles = (  # (a vote's generated title in the reader's language)
            {v.id: v.title for v in db.session.scalars(select(Vote).where(Vote.id.in_(vote_ids)))}
            if vote_ids
            else {}
        )
    soon = date.today() + timedelta(days=30)
    return [
        Seat(
            m,
            names.get(m.commune_id, ""),
            m.status == "active" and m.ends_on <= soon,
            titles.get(m.election_vote_id, ""),
        )
        for m in rows
    ]


def record_of(federation: Federation) -> dict[int, list[tuple[str, str]]]:
    """commune id → [(federation proposal title, how its assembly answered)]."""
    rows = db.session.execute(
        select(Ratification.commune_id, FederationProposal.title, Ratification.status)
        .join(FederationProposal, FederationProposal.id == Ratification.proposal_id)
        .where(FederationProposal.federation_id == federation.id)
        .order_by(FederationProposal.created_at)
    ).all()
    result: dict[int, list[tuple[str, str]]] = {}
    for commune_id, title, status in rows:
        result.setdefault(commune_id, []).append((title, status))
    return result
