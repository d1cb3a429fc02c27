"""Plugins switched on at federation level. Allowed only where every member commune has the
plugin on — unless the plugin says how it treats a member where it is off
(``ConvergencePlugin.federation_partial = True``: such members are simply left out)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict, NotFound
from federation.intercommunal.models import FederationPlugin
from federation.plugins.services import communes_with_plugins, manager
from federation.tenancy.models import Commune, Federation
from federation.tenancy.services import member_commune_ids


def enabled_for(federation: Federation) -> list[str]:
    return list(
        db.session.scalars(
            select(FederationPlugin.plugin)
            .where(
                FederationPlugin.federation_id == federation.id, FederationPlugin.enabled.is_(True)
            )
            .order_by(FederationPlugin.plugin)
        )
    )


def missing_members(federation: Federation, name: str) -> list[str]:
    members = member_commune_ids(federation.id)
    have = set(communes_with_plugins(members).get(name, []))
    lacking = [cid for cid in members if cid not in have]
    if not lacking:
        return []
    return list(
        db.session.scalars(
            select(Commune.name).where(Commune.id.in_(lacking)).order_by(Commune.name)
        )
    )


def _known(name: str) -> Any:
    """The installed plugin ``name``; an unknown name is a 404 naming it."""
    plugin = manager().switchable.get(name)
    if plugin is None:
        raise NotFound(_("Module inconnu : %(name)s", name=name), field="plugin")
    return plugin


def enable(federation: Federation, name: str) -> FederationPlugin:
    plugin = _known(name)
    lacking = missing_members(federation, name)
    if lacking and not getattr(plugin, "federation_partial", False):
        raise Conflict(
            _("Le module %(name)s n'est pas activé dans : %(c)s.", name=name, c=", ".join(lacking)),
            field="plugin",
        )
    row = db.session.scalar(
        select(FederationPlugin).where(
            FederationPlugin.federation_id == federation.id, FederationPlugin.plugin == name
        )
    )
    if row is None:
        row = FederationPlugin(federation_id=federation.id, plugin=name)
        db.session.add(row)
    row.enabled = True
    db.session.flush()
    return row


def disable(federation: Federation, name: str) -> None:
    _known(name)
    row = db.session.scalar(
        select(FederationPlugin).where(
            FederationPlugin.federation_id == federation.id, FederationPlugin.plugin == name
        )
    )
    if row is not None:
        row.enabled = False
