"""Commune export and import: the core's data plus every enabled plugin's, as JSON."""

from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _

from federation.db import db
from federation.errors import ValidationFailed
from federation.journal.services import commune_chain, entries
from federation.plugins.services import enable_plugin, enabled_plugins, manager, plugin_settings
from federation.tenancy import services as tenancy
from federation.tenancy.context import commune_scope
from federation.tenancy.models import Commune

FORMAT = "convergence-commune/1"


def export_commune(commune: Commune) -> str:
    with commune_scope(commune.id):
        plugins = {}
        for name in sorted(enabled_plugins(commune.id)):
            plugins[name] = {"settings": plugin_settings(commune.id, name)}
        on = enabled_plugins(commune.id)
        for impl in manager().hook.federation_commune_export.get_hookimpls():
            if impl.plugin_name in on:
                plugins.setdefault(impl.plugin_name, {})["data"] = impl.function(commune=commune)
        data: dict[str, Any] = {
            "format": FORMAT,
            "commune": {
                k: getattr(commune, k)
                for k in (
                    "slug",
                    "name",
                    "insee_code",
                    "departement",
                    "population",
                    "default_locale",
                    "description",
                    "verification_method",
                )
            },
            "plugins": plugins,
            "journal_head": [e.entry_hash for e in entries(commune_chain(commune.id), limit=1)],
        }
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def import_commune(text: str, *, slug: str | None = None) -> Commune:
    """Create a new commune from an export; raises (and writes nothing) on bad input."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            _("Fichier JSON invalide : %(e)s", e=str(exc)), field="file"
        ) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationFailed(
            _("Ce fichier n'est pas un export de commune Convergence."), field="format"
        )
    info = dict(data.get("commune") or {})
    method = info.pop("verification_method", "approval")
    if slug:
        info["slug"] = slug
        info["insee_code"] = None  # the INSEE code stays with the original commune
    commune = tenancy.create_commune(**info)
    commune.verification_method = method
    pm = manager()
    with commune_scope(commune.id):
        for name, part in (data.get("plugins") or {}).items():
            if name not in pm.switchable:
                raise ValidationFailed(_("Module non installé : %(n)s", n=name), field="plugins")
            enable_plugin(commune, name, part.get("settings"))
        for name, part in (data.get("plugins") or {}).items():
            if "data" in part:
                impl = pm.get_plugin(name)
                if hasattr(impl, "federation_commune_import"):
                    impl.federation_commune_import(commune=commune, data=part["data"])
        db.session.flush()
    return commune
