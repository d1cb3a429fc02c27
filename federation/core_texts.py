"""What the core writes in the journals (platform, federations, communes), in the reader's
language; declared by :class:`federation.core_plugin.CorePlugin`."""

from __future__ import annotations

from flask_babel import gettext as _

KINDS = {
    "federation.created": lambda p: _("Fédération créée : %(n)s", n=p["name"]),
    "commune.opened": lambda p: _("Ouverture de l'espace communal de %(n)s", n=p["name"]),
    "journal.countersign": lambda p: (
        _("Empreintes des journaux des communes membres")
        if p.get("scope") == "federation"
        else _("Empreintes des journaux")
    ),
}
