"""Per-request wiring: which commune or federation a URL names, and the plugin guard."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, g, request
from sqlalchemy import select

from federation.db import db
from federation.extensions import ConvergenceState
from federation.tenancy.context import enter_commune, enter_federation
from federation.tenancy.models import Commune, Federation
from federation.tenancy.services import member_commune_ids
from federation.web.page_cache import is_hit


def install_request_hooks(app: Flask, state: ConvergenceState) -> None:
    from federation.security import check_json_body, hide_server_version

    hide_server_version()
    app.before_request(check_json_body)  # before any parsing: JSON size and depth
    proxies = app.config.get("PROXIES") or 0
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    @app.url_value_preprocessor
    def _pull_tenant(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if is_hit():  # the public page cache serves it: no commune, no query, no session
            for key in ("commune", "federation"):
                (values or {}).pop(key, None)
            return
        _reset_request_state()
        resolve_host(app)
        if not values:
            return
        if "commune" in values:
            slug = values.pop("commune")
            commune = db.session.scalar(select(Commune).where(Commune.slug == slug))
            if commune is None:
                abort(404)
            host_commune = g.get("host_commune")
            if host_commune is not None and host_commune.id != commune.id:
                abort(404)
            enter_commune(commune)
        elif "federation" in values:
            slug = values.pop("federation")
            federation = db.session.scalar(select(Federation).where(Federation.slug == slug))
            if federation is None:
                abort(404)
            enter_federation(federation, member_commune_ids(federation.id))

    @app.url_defaults
    def _add_tenant(endpoint: str, values: dict[str, Any]) -> None:
        for key in ("commune", "federation"):
            current = g.get(key)
            if (
                key not in values
                and current is not None
                and app.url_map.is_endpoint_expecting(endpoint, key)
            ):
                values[key] = current.slug

    @app.before_request
    def _guard_plugins() -> None:
        plugin = state.plugin_blueprints.get(request.blueprint or "")
        if plugin is None:
            plugin = state.plugin_federation_blueprints.get(request.blueprint or "")
            if plugin is not None and not plugin_on_in_federation(plugin):
                abort(404)
            return
        from federation.plugins.services import is_enabled

        commune = g.get("commune")
        if commune is None or not is_enabled(commune.id, plugin):
            abort(404)


def plugin_on_in_federation(plugin: str) -> bool:
    """Whether ``plugin`` is on in at least one member commune of the current federation."""
    federation = g.get("federation")
    if federation is None:
        return False
    from federation.plugins.services import communes_with_plugins, manager

    if plugin not in manager().switchable:
        return True  # always on
    return bool(communes_with_plugins(member_commune_ids(federation.id)).get(plugin))


def platform_hosts(app: Flask) -> set[str]:
    """Host names that are the platform's for sure (the host of BASE_URL, localhost):
    they name no commune and cost no query."""
    cached = app.extensions.get("convergence_platform_hosts")
    if cached is None:
        cached = {"localhost", "127.0.0.1", "[::1]"}
        base = urlsplit(app.config["BASE_URL"]).hostname
        if base:
            cached.add(base.lower())
        app.extensions["convergence_platform_hosts"] = cached
    return cached


def host_name(host: str) -> str:
    """The Host header without its port, lower-case."""
    host = host.lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.split(":", 1)[0]


def resolve_host(app: Flask) -> None:
    """R7: which commune the Host header names, if any.

    Flask has already refused (400) a Host outside HOSTS (``TRUSTED_HOSTS``; with HOSTS
    empty, in development, every host passes). The host of BASE_URL is the platform's (no
    query). Any other host is looked up among the communes' hosts; one that is no
    commune's is the platform's if HOSTS names it exactly, and otherwise (a name matched
    only by a ".domain" entry) a 404 when HOSTS is set. ``X-Forwarded-Host`` is ignored
    unless the deployment wraps the app in ProxyFix.
    """
    host = host_name(request.host)
    if host in platform_hosts(app):
        return
    commune = db.session.scalar(select(Commune).where(Commune.host == host))
    if commune is not None:
        g.host_commune = commune
        return
    trusted = app.config["HOSTS"]
    if trusted and host not in {h.lower() for h in trusted}:
        abort(404)


_REQUEST_KEYS = (
    "commune",
    "federation",
    "host_commune",
    "_enabled_plugins",
    "_commune_hooks",
    "_role_tables",
    "_held_permissions",
)


def _reset_request_state() -> None:
    """A request never inherits a scope: tests may run several requests in one app context."""
    for key in _REQUEST_KEYS:
        g.pop(key, None)
    db.session().set_scope(None)  # type: ignore[attr-defined]
