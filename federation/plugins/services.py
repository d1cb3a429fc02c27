"""Switching plugins on and off per commune, and reading what is on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from federation.db import db
from federation.errors import Conflict, NotFound, ValidationFailed
from federation.plugins.models import PluginActivation
from federation.tenancy.context import commune_scope, federation_scope
from federation.validation_messages import translate

if TYPE_CHECKING:
    from federation.identity.models import User
    from federation.plugins.base import ConvergencePlugin
    from federation.plugins.manager import CommuneHooks, ConvergencePluginManager
    from federation.tenancy.models import Commune


def manager() -> ConvergencePluginManager:
    return current_app.extensions["convergence"].pm


def _cache() -> dict[int, frozenset[str]]:
    return g.setdefault("_enabled_plugins", {}) if has_app_context() else {}


def enabled_plugins(commune_id: int) -> frozenset[str]:
    """Names of the plugins on in a commune (one query per request and commune)."""
    cache = _cache()
    if commune_id not in cache:
        with commune_scope(commune_id):
            names = db.session.scalars(
                select(PluginActivation.plugin).where(PluginActivation.enabled.is_(True))
            ).all()
        cache[commune_id] = frozenset(n for n in names if n in manager().switchable)
    return cache[commune_id]


def is_enabled(commune_id: int, name: str) -> bool:
    pm = manager()
    plugin = pm.by_name.get(name)
    if plugin is None:
        return False
    return plugin.always_on or name in enabled_plugins(commune_id)


def communes_with_plugins(commune_ids: list[int]) -> dict[str, list[int]]:
    """plugin → member communes where it is on, in one query (federation scope), read once
    per request for the same communes (the indicators and the federation's links ask it)."""
    result: dict[str, list[int]] = {name: [] for name in manager().switchable}
    if not commune_ids:
        return result
    memo = g.setdefault("_plugins_of_communes", {}) if has_app_context() else {}
    key = tuple(sorted(commune_ids))
    if key not in memo:
        with federation_scope(commune_ids):
            memo[key] = db.session.execute(
                select(PluginActivation.plugin, PluginActivation.commune_id).where(
                    PluginActivation.enabled.is_(True)
                )
            ).all()
    for plugin, commune_id in memo[key]:
        if plugin in result:
            result[plugin].append(commune_id)
    return result


def commune_hooks(commune_id: int) -> CommuneHooks:
    """The hook relay for a commune: plugins that are off there do not answer."""
    relays = g.setdefault("_commune_hooks", {}) if has_app_context() else {}
    if commune_id not in relays:
        pm = manager()
        disabled = set(pm.switchable) - enabled_plugins(commune_id)
        relays[commune_id] = pm.commune_hooks(disabled)
    return relays[commune_id]


def disabled_in(commune_id: int) -> set[str]:
    return set(manager().switchable) - enabled_plugins(commune_id)


def call_in_commune(
    commune_id: int, hook_name: str, *, savepoint: bool = False, first: bool = False, **kwargs: Any
) -> list[tuple[str, Any]]:
    """``(plugin, answer)`` of each plugin enabled in the commune, each called on its own: one
    that raises is logged with its name and left out (see
    :meth:`~federation.plugins.manager.ConvergencePluginManager.call_isolated`)."""
    return manager().call_isolated(
        hook_name, skip=disabled_in(commune_id), savepoint=savepoint, first=first, **kwargs
    )


def _forget(commune_id: int) -> None:
    if has_app_context():
        g.get("_enabled_plugins", {}).pop(commune_id, None)
        g.get("_commune_hooks", {}).pop(commune_id, None)
        g.pop("_plugins_of_communes", None)


def _plugin(name: str) -> ConvergencePlugin:
    plugin = manager().switchable.get(name)
    if plugin is None:
        raise NotFound(_("Module inconnu : %(name)s", name=name), field="plugin")
    return plugin


def validate_settings(plugin: ConvergencePlugin, data: dict[str, Any] | None) -> dict[str, Any]:
    if plugin.settings_schema is None:
        if data:
            raise ValidationFailed(_("Ce module n'a pas de réglages."), field="settings")
        return {}
    schema = plugin.settings_schema()
    try:
        loaded = schema.load(data or {})
    except ValidationError as exc:
        messages = translate(exc.messages)  # marshmallow's English, in the reader's language
        errors = messages if isinstance(messages, dict) else {"_schema": messages}
        raise ValidationFailed(
            _("Réglages invalides."),
            errors={
                k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in errors.items()
            },
        ) from exc
    return schema.dump(loaded)


def activation(commune_id: int, name: str) -> PluginActivation | None:
    with commune_scope(commune_id):
        return db.session.scalar(select(PluginActivation).where(PluginActivation.plugin == name))


def plugin_settings(commune_id: int, name: str) -> dict[str, Any]:
    plugin = _plugin(name)
    row = activation(commune_id, name)
    merged = plugin.default_settings()
    if row is not None:
        merged.update(row.settings or {})
    return merged


def enable_plugin(
    commune: Commune,
    name: str,
    settings: dict[str, Any] | None = None,
    actor: User | None = None,
) -> PluginActivation:
    """Switch a plugin on for a commune; refuses when a plugin it requires is off."""
    plugin = _plugin(name)
    enabled = enabled_plugins(commune.id)
    missing = sorted(
        dep
        for dep in plugin.requires
        if dep not in enabled and not manager().by_name[dep].always_on
    )
    if missing:
        raise Conflict(
            _(
                "Le module %(name)s a besoin de : %(deps)s. Activez-les d'abord.",
                name=name,
                deps=", ".join(missing),
            ),
            field="plugin",
        )
    with commune_scope(commune.id):
        row = db.session.scalar(select(PluginActivation).where(PluginActivation.plugin == name))
        previous = dict(row.settings) if row is not None else {}
        values = validate_settings(plugin, settings if settings is not None else previous)
        if row is None:
            row = PluginActivation(commune_id=commune.id, plugin=name)
            db.session.add(row)
        was_on = bool(row.enabled) and row.id is not None
        row.enabled = True
        row.settings = values
        row.changed_by_id = actor.id if actor else None
        db.session.flush()
        _forget(commune.id)
        if not was_on:
            manager().hook.federation_plugin_enabled(commune=commune, plugin_name=name)
    return row


def update_settings(
    commune: Commune, name: str, settings: dict[str, Any], actor: User | None = None
) -> PluginActivation:
    plugin = _plugin(name)
    row = activation(commune.id, name)
    if row is None or not row.enabled:
        raise Conflict(_("Activez d'abord le module %(name)s.", name=name), field="plugin")
    with commune_scope(commune.id):
        row.settings = validate_settings(plugin, settings)
        row.changed_by_id = actor.id if actor else None
        db.session.flush()
    return row


def disable_plugin(commune: Commune, name: str, actor: User | None = None) -> None:
    """Switch a plugin off; refuses while an enabled plugin requires it. Data is kept."""
    _plugin(name)
    enabled = enabled_plugins(commune.id)
    dependents = [d for d in manager().dependents(name) if d in enabled]
    if dependents:
        raise Conflict(
            _(
                "Désactivez d'abord : %(deps)s (ces modules ont besoin de %(name)s).",
                deps=", ".join(dependents),
                name=name,
            ),
            field="plugin",
        )
    with commune_scope(commune.id):
        row = db.session.scalar(select(PluginActivation).where(PluginActivation.plugin == name))
        if row is None or not row.enabled:
            return
        row.enabled = False
        row.changed_by_id = actor.id if actor else None
        db.session.flush()
        _forget(commune.id)
        manager().hook.federation_plugin_disabled(commune=commune, plugin_name=name)


def verification_methods() -> dict[str, Any]:
    """Every verification method offered by the core and the plugins, by name."""
    methods: dict[str, Any] = {}
    for found in manager().hook.federation_verification_methods():
        for method in found or []:
            methods[method.name] = method
    return methods
