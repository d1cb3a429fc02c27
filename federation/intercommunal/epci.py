"""Intercommunalities (EPCI) as federations: the official commune list names each
commune's EPCI (``epci_siren``, ``epci_nom``); ``convergence commune import
--create-federations`` makes each one a federation of kind ``epci`` (slug
``epci-<siren>``) and its communes members, through the tenancy services that create
federations and memberships, with a journal entry on each federation's chain."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from federation.db import db
from federation.journal.services import record
from federation.tenancy import services as tenancy
from federation.tenancy.models import Commune, Federation


@dataclass
class EpciReport:
    created: int = 0
    #: new memberships, in new and existing federations
    joined: int = 0


def slug_of(siren: str) -> str:
    return f"epci-{siren}"


def attach_epci_federations(epci: dict[str, tuple[str, list[str]]]) -> EpciReport:
    """For each SIREN → (name, INSEE codes): the federation ``epci-<siren>`` (created when
    missing) gains the communes of those codes that are not members yet. In the caller's
    transaction; a constant number of queries per EPCI."""
    report = EpciReport()
    codes = {code for _name, members in epci.values() for code in members}
    communes = (
        {
            code: (cid, slug)
            for cid, slug, code in db.session.execute(
                select(Commune.id, Commune.slug, Commune.insee_code).where(
                    Commune.insee_code.in_(codes)
                )
            )
        }
        if codes
        else {}
    )
    slugs = [slug_of(siren) for siren in epci]
    existing = {
        f.slug: f for f in db.session.scalars(select(Federation).where(Federation.slug.in_(slugs)))
    }
    for siren, (name, members) in sorted(epci.items()):
        known = [communes[code] for code in members if code in communes]
        federation = existing.get(slug_of(siren))
        created = federation is None
        if federation is None:
            federation = tenancy.create_federation(name[:200], slug_of(siren), kind="epci")
            report.created += 1
        added = tenancy.add_communes_to_federation(federation, [cid for cid, _s in known])
        report.joined += len(added)
        slugs_by_id = dict(known)
        joined = sorted(slugs_by_id[m.commune_id] for m in added)
        if created:
            payload = {"communes": joined, "name": federation.name, "source": "epci"}
            record(
                "federation.created",
                payload=payload,
                federation_id=federation.id,
                actor="@platform",
            )
        elif joined:
            payload = {"communes": joined, "name": federation.name}
            record(
                "federation.communes_added",
                payload=payload,
                federation_id=federation.id,
                actor="@platform",
            )
    return report
