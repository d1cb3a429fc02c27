"""The REST API under ``/api/v1``: flask-smorest, marshmallow, an OpenAPI 3 document.

Every error is JSON: ``{"code": 422, "status": "…", "errors": {"json": {"field": ["…"]}}}``
for bad input, naming the fields; never a 500 for any input.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from federation.extensions import ConvergenceState


def init_api(app: Flask, state: ConvergenceState) -> Api:
    api = Api(
        app,
        spec_kwargs={
            "info": {"description": "Convergence — plateforme communaliste. API REST v1."},
            "components": {
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "Jeton personnel (page « Mes jetons »).",
                    }
                }
            },
        },
    )
    state.api = api
    from federation.api.fields import decimal_property

    api.ma_plugin.converter.add_attribute_function(decimal_property)
    from federation.auth.api import blp as auth_blp
    from federation.governance.api import blp as governance_blp
    from federation.identity.api import blp as identity_blp
    from federation.intercommunal.api import blp as intercommunal_blp
    from federation.jobs.api import blp as jobs_blp
    from federation.journal.api import blp as journal_blp
    from federation.plugins.api import blp as plugins_blp
    from federation.roster.api import blp as roster_blp
    from federation.search.api import blp as search_blp
    from federation.tenancy.api import blp as tenancy_blp

    blueprints = (
        tenancy_blp,
        identity_blp,
        auth_blp,
        plugins_blp,
        journal_blp,
        governance_blp,
        intercommunal_blp,
        jobs_blp,
        roster_blp,
        search_blp,
    )
    for blp in blueprints:
        register_api_blueprint(state, blp)
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
