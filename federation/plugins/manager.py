"""The plugin manager: one per app, loaded once at start-up, never changed at run time."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

import pluggy

from federation import hookspecs
from federation.plugins.base import ConvergencePlugin

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "convergence.plugins"
PLUGIN_NAME = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


class PluginLoadError(RuntimeError):
    """A plugin cannot be loaded: the message names it and says why."""


class ConvergencePluginManager(pluggy.PluginManager):
    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        #: plugins a commune can switch on and off, by name
        self.switchable: dict[str, ConvergencePlugin] = {}
        #: every ConvergencePlugin registered (core parts included), by name
        self.by_name: dict[str, ConvergencePlugin] = {}

    def register_plugin(self, plugin: ConvergencePlugin | type, name: str | None = None) -> Any:
        if isinstance(plugin, type):
            plugin = plugin()
        name = name or getattr(plugin, "name", "")
        if not PLUGIN_NAME.match(name or ""):
            raise PluginLoadError(
                f"plugin name {name!r} must be lower-case letters, digits and underscores"
            )
        if name in self.by_name:
            raise PluginLoadError(f"two plugins are named {name!r}")
        if isinstance(plugin, ConvergencePlugin):
            plugin.name = name  # type: ignore[misc]
            self.by_name[name] = plugin
            if not plugin.always_on:
                self.switchable[name] = plugin
        return self.register(plugin, name=name)

    def unregister_plugin(self, name: str) -> None:
        """For tests only: the running app never unloads a plugin."""
        plugin = self.by_name.pop(name, None)
        self.switchable.pop(name, None)
        if plugin is not None:
            self.unregister(plugin)

    def load_entrypoints(self, only: Iterable[str] | None = None) -> list[str]:
        wanted = set(only) if only is not None else None
        loaded = []
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if wanted is not None and ep.name not in wanted:
                continue
            try:
                obj = ep.load()
            except Exception as exc:  # a broken plugin stops start-up, with its name
                raise PluginLoadError(f"plugin {ep.name!r} failed to import: {exc}") from exc
            self.register_plugin(obj, name=ep.name)
            loaded.append(ep.name)
        if wanted is not None and (missing := wanted - set(loaded)):
            raise PluginLoadError(
                f"CONVERGENCE_PLUGINS names plugins that are not installed: {sorted(missing)}"
            )
        return loaded

    def check(self) -> None:
        """Fail fast: unknown hooks, missing dependencies, dependency cycles."""
        self.check_pending()
        for name, plugin in self.by_name.items():
            for dep in plugin.requires:
                if dep not in self.by_name:
                    raise PluginLoadError(f"plugin {name!r} requires {dep!r}, which is not loaded")
        for name in self.by_name:
            self.dependency_closure(name)

    def dependency_closure(self, name: str, _stack: tuple[str, ...] = ()) -> list[str]:
        """Every plugin ``name`` needs, deepest first."""
        if name in _stack:
            raise PluginLoadError(f"dependency cycle: {' -> '.join((*_stack, name))}")
        result: list[str] = []
        for dep in sorted(self.by_name[name].requires):
            for sub in self.dependency_closure(dep, (*_stack, name)):
                if sub not in result:
                    result.append(sub)
            if dep not in result:
                result.append(dep)
        return result

    def dependents(self, name: str) -> list[str]:
        return sorted(n for n, p in self.by_name.items() if name in p.requires)

    # --- calling hooks --------------------------------------------------------------------

    def commune_hooks(self, disabled: Iterable[str]) -> CommuneHooks:
        return CommuneHooks(self, [self.by_name[n] for n in disabled if n in self.by_name])

    def call_isolated(
        self,
        hook_name: str,
        skip: Iterable[str] = (),
        *,
        savepoint: bool = False,
        first: bool = False,
        **kwargs: Any,
    ) -> list[tuple[str, Any]]:
        """Call each implementation on its own; log (with the plugin's name) and skip the
        ones that raise: the page, or the other plugins, go on (issue 17 item 6). The one way
        the core calls a hook that plugins answer at run time.

        ``savepoint``: each implementation runs in a savepoint of the current session, so one
        that raises leaves nothing half-written. ``first``: stop at the first answer that is
        not None (a ``firstresult`` hook)."""
        skipped = set(skip)
        results: list[tuple[str, Any]] = []
        for impl in getattr(self.hook, hook_name).get_hookimpls():
            if impl.plugin_name in skipped:
                continue
            try:
                args = {key: kwargs[key] for key in impl.argnames}
                if savepoint:
                    from federation.db import db

                    with db.session.begin_nested():
                        result = impl.function(**args)
                else:
                    result = impl.function(**args)
            except Exception:
                log.exception("plugin %s failed in %s; skipped", impl.plugin_name, hook_name)
                continue
            if result is not None:
                results.append((impl.plugin_name, result))
                if first:
                    break
        return results


class CommuneHooks:
    """``pm.hook`` as seen from one commune: the plugins that are off there stay silent."""

    def __init__(self, pm: ConvergencePluginManager, remove: list[Any]) -> None:
        self._pm = pm
        self._remove = remove
        self._callers: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name not in self._callers:
            self._callers[name] = self._pm.subset_hook_caller(name, remove_plugins=self._remove)
        return self._callers[name]
