"""The base class of every Convergence plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pluggy

from federation.hookspecs import PROJECT

hookimpl = pluggy.HookimplMarker(PROJECT)


class ConvergencePlugin:
    """Subclass this, set the metadata, implement hooks as methods with ``@hookimpl``.

    Register the class under the entry-point group ``convergence.plugins`` in your
    distribution's ``pyproject.toml``; the entry-point name becomes ``name``.
    """

    #: unique name: the entry-point name, blueprint prefix, permission namespace
    name: ClassVar[str] = ""
    #: human label (may be lazily translated)
    label: ClassVar[Any] = ""
    description: ClassVar[Any] = ""
    version: ClassVar[str] = "0"
    #: names of plugins that must be enabled in a commune before this one
    requires: ClassVar[frozenset[str]] = frozenset()
    #: marshmallow Schema class for the plugin's per-commune settings (optional)
    settings_schema: ClassVar[type | None] = None
    #: a core part of the framework, always on (not switchable per commune)
    always_on: ClassVar[bool] = False
    #: may be switched on for a federation where some member communes have it off (they
    #: are then left out of its federation features); otherwise every member needs it on
    federation_partial: ClassVar[bool] = False

    @property
    def root_path(self) -> Path:
        import sys

        module = sys.modules[type(self).__module__]
        return Path(module.__file__ or ".").resolve().parent

    @property
    def translations_path(self) -> Path:
        return self.root_path / "translations"

    @property
    def migrations_path(self) -> Path:
        return self.root_path / "migrations"

    @property
    def gettext_domain(self) -> str:
        return f"convergence_{self.name}"

    @hookimpl
    def federation_role_matrix(self) -> dict[str, str]:
        """The plugin's rows of the role matrix (R9): ``ROLE_MATRIX`` of the module
        ``role_matrix`` beside the plugin's class (``convergence_water/role_matrix.py``),
        ``{}`` without one; override to build them otherwise."""
        import importlib
        import sys

        package = sys.modules[type(self).__module__].__package__ or ""
        try:
            module = importlib.import_module(f"{package}.role_matrix")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.role_matrix":
                raise
            return {}
        return dict(module.ROLE_MATRIX)

    def default_settings(self) -> dict[str, Any]:
        if self.settings_schema is None:
            return {}
        schema = self.settings_schema()
        return schema.dump(schema.load({}))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"
