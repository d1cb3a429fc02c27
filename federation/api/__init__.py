"""The REST API's base under ``/api/v1``: flask-smorest, marshmallow, an OpenAPI 3 document.

A ground-floor package: it imports no domain of the core (tenancy, identity, plugins,
governance…), so every domain's ``api.py`` and every plugin can build on it. It gives
:func:`api_error` (``federation.api``), :func:`~federation.api.errors.service_errors`,
the authentication guards (``federation.api.auth``), the shared field types
(``federation.api.fields``) and :func:`register_api_blueprint`. The blueprints themselves —
the core's and the plugins' alike — come through the ``federation_api_blueprints`` hook
(the core's from :class:`federation.core_plugin.CorePlugin`) and are registered by the app
factory.

Every error is JSON: ``{"code": 422, "status": "…", "errors": {"json": {"field": ["…"]}}}``
for bad input, naming the fields; never a 500 for any input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_smorest import Api

if TYPE_CHECKING:
    from federation.extensions import ConvergenceState

#: the OpenAPI security scheme of personal API tokens (``Authorization: Bearer …``)
BEARER = "bearer"


def init_api(app: Flask, state: ConvergenceState) -> Api:
    """The API object, with no blueprint yet (the app factory registers them)."""
    from federation.api.fields import decimal_property
    from federation.api.openapi import OperationSecurity

    api = Api(
        app,
        spec_kwargs={
            "extra_plugins": [OperationSecurity(app)],
            "info": {"description": "Convergence — plateforme communaliste. API REST v1."},
            "components": {
                "securitySchemes": {
                    BEARER: {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "Jeton personnel (page « Mes jetons »).",
                    }
                }
            },
        },
    )
    state.api = api
    api.ma_plugin.converter.add_attribute_function(decimal_property)
    return api


def register_api_blueprint(state: ConvergenceState, blp: Any, **options: Any) -> None:
    """Register a blueprint on the API, exempt from CSRF like every API blueprint (the
    core's and the plugins'): the API authenticates with bearer tokens only and never reads
    the session cookie (see federation.security), so CSRF, which guards cookie sessions,
    does not apply and would refuse every token client's write."""
    state.api.register_blueprint(blp, **options)
    state.csrf.exempt(blp)


def api_error(status: int, errors: dict[str, Any] | None = None, message: str = "") -> None:
    """Abort with a JSON error body of the same shape as flask-smorest's."""
    from flask_smorest import abort

    kwargs: dict[str, Any] = {}
    if errors:
        kwargs["errors"] = {"json": errors}
    if message:
        kwargs["message"] = message
    abort(status, **kwargs)
