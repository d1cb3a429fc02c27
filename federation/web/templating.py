"""Template globals: navigation from plugins, commune switcher, permission checks."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g, url_for
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.routing import BuildError

from federation.web.charts import bar_chart, format_value

log = logging.getLogger(__name__)


def navigation_items() -> list[dict[str, Any]]:
    """The current commune's navigation: what its enabled plugins contribute."""
    commune = g.get("commune")
    if commune is None:
        return []
    from federation.plugins.services import call_in_commune

    user = current_user if current_user.is_authenticated else None
    items = []
    # isolated: a plugin that raises is logged with its name and left out; the page renders
    results = call_in_commune(commune.id, "federation_navigation_items", commune=commune, user=user)
    for _plugin, found in results:
        for item in found or []:
            try:
                url = url_for(item.endpoint, **item.values)
            except BuildError:
                log.warning("navigation item %s: no such endpoint", item.endpoint)
                continue
            items.append({"label": item.label, "url": url, "weight": item.weight})
    return sorted(items, key=lambda i: (i["weight"], str(i["label"])))


def my_memberships() -> list[Any]:
    if not current_user.is_authenticated:
        return []
    from federation.identity.services import memberships_of

    return memberships_of(current_user.id)  # read with the account (identity.memo)


def can(permission: str) -> bool:
    """``has_permission`` for the signed-in person in the current commune (her permissions
    there are kept by the request's memo, identity.memo)."""
    from federation.identity.services import has_permission

    commune = g.get("commune")
    return has_permission(current_user, permission, commune.id if commune else None)


def unread_notifications() -> int:
    if not current_user.is_authenticated:
        return 0
    from federation.identity.notifications import unread_count

    return unread_count(current_user.id)


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        navigation_items=navigation_items,
        my_memberships=my_memberships,
        can=can,
        unread_notifications=unread_notifications,
        bar_chart=bar_chart,
        indicator_value=format_value,
        get_locale=get_locale,
        deployment_name=lambda: current_app.config["DEPLOYMENT_NAME"],
    )
    from federation.identity.permissions import COMMUNE_ROLES

    app.jinja_env.filters["zip"] = lambda left, right: zip(left, right, strict=False)
    app.jinja_env.filters["role_label"] = lambda role: str(COMMUNE_ROLES.get(role, role))
    from federation.formatting import FILTERS

    # every number, amount, date and unit a page shows (Babel, the request's locale)
    app.jinja_env.filters.update(FILTERS)
    from federation.core_texts import actor_text

    app.jinja_env.filters["journal_actor"] = actor_text  # "@platform" → "plateforme"/"platform"
    from federation.web.error_summary import check_summary_links

    app.after_request(check_summary_links)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
